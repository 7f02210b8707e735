//! The PLIC as a pure state machine: source levels, register accesses and
//! claim/complete in; per-context output levels out. All loops are bounded by
//! [`NUM_SOURCES`] and the context count fixed at construction.

use super::regs::{
    CLAIM_OFFSET, CONTEXT_BASE, CONTEXT_STRIDE, ENABLE_BASE, ENABLE_STRIDE, MAX_PRIORITY,
    NUM_SOURCES, PENDING_BASE, PRIORITY_BASE, SOURCE_WORDS,
};
use crate::util::merge;

/// A bit-per-source set.
type Bits = [u32; SOURCE_WORDS];

fn get(bits: &Bits, irq: usize) -> bool {
    bits.get(irq / 32)
        .is_some_and(|w| w & (1 << (irq % 32)) != 0)
}

fn put(bits: &mut Bits, irq: usize, on: bool) {
    if let Some(w) = bits.get_mut(irq / 32) {
        if on {
            *w |= 1 << (irq % 32);
        } else {
            *w &= !(1 << (irq % 32));
        }
    }
}

/// What a 32-bit register is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reg {
    Priority(usize),
    Pending(usize),
    Enable(usize, usize),
    Threshold(usize),
    Claim(usize),
    Unknown,
}

/// Guest-visible PLIC state (snapshot-able, plain data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlicState {
    /// `priority[source]`, 0..=[`MAX_PRIORITY`]; source 0 stays 0.
    pub priority: [u32; NUM_SOURCES],
    /// Pending bits (the gateway's request to the core).
    pub pending: [u32; SOURCE_WORDS],
    /// Current input level of each source.
    pub level: [u32; SOURCE_WORDS],
    /// Sources claimed and not yet completed (gateway closed).
    pub claimed: [u32; SOURCE_WORDS],
    /// Enable bits per context.
    pub enable: Vec<[u32; SOURCE_WORDS]>,
    /// Threshold per context.
    pub threshold: Vec<u32>,
}

impl PlicState {
    /// Reset state with `contexts` contexts: everything zero/disabled.
    pub fn new(contexts: usize) -> Self {
        Self {
            priority: [0; NUM_SOURCES],
            pending: [0; SOURCE_WORDS],
            level: [0; SOURCE_WORDS],
            claimed: [0; SOURCE_WORDS],
            enable: vec![[0; SOURCE_WORDS]; contexts],
            threshold: vec![0; contexts],
        }
    }

    /// Number of contexts.
    pub fn contexts(&self) -> usize {
        self.threshold.len()
    }

    /// Decode the 4-byte aligned register at `reg`.
    pub(crate) fn decode(&self, reg: u64) -> Reg {
        let ctxs = self.contexts() as u64;
        let words = SOURCE_WORDS as u64;
        if reg < PENDING_BASE {
            let src = (reg - PRIORITY_BASE) / 4;
            return if src < NUM_SOURCES as u64 {
                Reg::Priority(src as usize)
            } else {
                Reg::Unknown
            };
        }
        if reg < ENABLE_BASE {
            let w = (reg - PENDING_BASE) / 4;
            return if w < words {
                Reg::Pending(w as usize)
            } else {
                Reg::Unknown
            };
        }
        if reg < CONTEXT_BASE {
            let ctx = (reg - ENABLE_BASE) / ENABLE_STRIDE;
            let w = (reg - ENABLE_BASE) % ENABLE_STRIDE / 4;
            return if ctx < ctxs && w < words {
                Reg::Enable(ctx as usize, w as usize)
            } else {
                Reg::Unknown
            };
        }
        let ctx = (reg - CONTEXT_BASE) / CONTEXT_STRIDE;
        if ctx >= ctxs {
            return Reg::Unknown;
        }
        match (reg - CONTEXT_BASE) % CONTEXT_STRIDE {
            0 => Reg::Threshold(ctx as usize),
            CLAIM_OFFSET => Reg::Claim(ctx as usize),
            _ => Reg::Unknown,
        }
    }

    /// A source's input changed level (PLIC spec §2 "Interrupt Gateways",
    /// level-triggered): while the gateway is open the pending bit follows
    /// the level, as QEMU's `sifive_plic_irq_request` does; a claimed
    /// source ignores its input until completed.
    pub fn set_level(&mut self, irq: usize, high: bool) {
        if irq == 0 || irq >= NUM_SOURCES {
            return;
        }
        put(&mut self.level, irq, high);
        if !get(&self.claimed, irq) {
            put(&mut self.pending, irq, high);
        }
    }

    /// The best source for `ctx`: pending, enabled, not claimed, priority
    /// above the threshold; highest priority wins, ties go to the lowest id
    /// (PLIC spec §8). 0 if none.
    pub fn best(&self, ctx: usize) -> usize {
        let (Some(en), Some(&thr)) = (self.enable.get(ctx), self.threshold.get(ctx)) else {
            return 0;
        };
        let mut best = (0usize, thr);
        for (w, en_w) in en.iter().enumerate() {
            let mut cand = self.pending[w] & en_w & !self.claimed[w];
            while cand != 0 {
                let bit = cand.trailing_zeros() as usize;
                cand &= cand - 1;
                let irq = w * 32 + bit;
                if self.priority[irq] > best.1 {
                    best = (irq, self.priority[irq]);
                }
            }
        }
        best.0
    }

    /// Level of context `ctx`'s interrupt output (PLIC spec §1: EIP).
    pub fn output(&self, ctx: usize) -> bool {
        self.best(ctx) != 0
    }

    /// Claim (PLIC spec §8): take the best source off pending and close its gateway.
    pub fn claim(&mut self, ctx: usize) -> usize {
        let irq = self.best(ctx);
        if irq != 0 {
            put(&mut self.pending, irq, false);
            put(&mut self.claimed, irq, true);
        }
        irq
    }

    /// Complete (PLIC spec §9): reopen the gateway of `irq` if it is enabled
    /// for `ctx` (otherwise the write is ignored, as the spec says). A level
    /// still high becomes pending again.
    pub fn complete(&mut self, ctx: usize, irq: u32) -> bool {
        let Ok(irq) = usize::try_from(irq) else {
            return false;
        };
        let enabled = self.enable.get(ctx).is_some_and(|en| get(en, irq));
        if irq == 0 || irq >= NUM_SOURCES || !enabled || !get(&self.claimed, irq) {
            return false;
        }
        put(&mut self.claimed, irq, false);
        if get(&self.level, irq) {
            put(&mut self.pending, irq, true);
        }
        true
    }

    /// Read a register (claim reads have their side effect).
    pub(crate) fn read(&mut self, reg: Reg) -> u32 {
        match reg {
            Reg::Priority(s) => self.priority[s],
            Reg::Pending(w) => self.pending[w],
            Reg::Enable(c, w) => self.enable[c][w],
            Reg::Threshold(c) => self.threshold[c],
            Reg::Claim(c) => self.claim(c) as u32,
            Reg::Unknown => 0,
        }
    }

    /// Write `bits` under `mask` (both 32-bit); returns false if the register
    /// ignores writes.
    pub(crate) fn write(&mut self, reg: Reg, bits: u32, mask: u32) -> bool {
        let m = |old: u32| merge(u64::from(old), u64::from(bits), u64::from(mask)) as u32;
        match reg {
            Reg::Priority(0) => false,
            Reg::Priority(s) => {
                self.priority[s] = m(self.priority[s]).min(MAX_PRIORITY);
                true
            }
            Reg::Enable(c, w) => {
                let mut v = m(self.enable[c][w]);
                if w == 0 {
                    v &= !1; // source 0 does not exist (PLIC spec §3)
                }
                self.enable[c][w] = v;
                true
            }
            Reg::Threshold(c) => {
                self.threshold[c] = m(self.threshold[c]).min(MAX_PRIORITY);
                true
            }
            Reg::Claim(c) => self.complete(c, bits & mask),
            Reg::Pending(_) | Reg::Unknown => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two contexts, source `irq` at priority 1 enabled on context 0.
    fn one_source(irq: usize) -> PlicState {
        let mut st = PlicState::new(2);
        st.priority[irq] = 1;
        put(&mut st.enable[0], irq, true);
        st
    }

    #[test]
    fn state_level_high_sets_pending_and_output() {
        let mut st = one_source(10);
        st.set_level(10, true);
        assert!(get(&st.pending, 10));
        assert!(st.output(0));
        assert!(!st.output(1));
    }

    #[test]
    fn state_level_low_before_claim_clears_pending() {
        let mut st = one_source(10);
        st.set_level(10, true);
        st.set_level(10, false);
        assert!(!st.output(0));
        assert_eq!(st.claim(0), 0);
    }

    #[test]
    fn state_claim_clears_pending_and_blocks_source() {
        let mut st = one_source(10);
        st.set_level(10, true);
        assert_eq!(st.claim(0), 10);
        assert!(!get(&st.pending, 10));
        assert!(!st.output(0));
        st.set_level(10, false);
        st.set_level(10, true); // ignored while claimed
        assert_eq!(st.claim(0), 0);
    }

    #[test]
    fn state_complete_with_level_high_repends() {
        let mut st = one_source(10);
        st.set_level(10, true);
        st.claim(0);
        assert!(st.complete(0, 10));
        assert!(st.output(0));
    }

    #[test]
    fn state_complete_with_level_low_stays_idle() {
        let mut st = one_source(10);
        st.set_level(10, true);
        st.claim(0);
        st.set_level(10, false);
        assert!(st.complete(0, 10));
        assert!(!st.output(0));
    }

    #[test]
    fn state_complete_of_source_not_enabled_is_ignored() {
        let mut st = one_source(10);
        st.set_level(10, true);
        st.claim(0);
        assert!(!st.complete(1, 10));
        assert!(get(&st.claimed, 10));
    }

    #[test]
    fn state_threshold_masks_equal_priority() {
        let mut st = one_source(10);
        st.threshold[0] = 1;
        st.set_level(10, true);
        assert!(!st.output(0));
        assert_eq!(st.claim(0), 0);
    }

    #[test]
    fn state_priority_zero_never_interrupts() {
        let mut st = one_source(10);
        st.priority[10] = 0;
        st.set_level(10, true);
        assert!(!st.output(0));
    }

    #[test]
    fn state_claim_picks_highest_priority_then_lowest_id() {
        let mut st = PlicState::new(1);
        for irq in [5, 6, 40] {
            put(&mut st.enable[0], irq, true);
            st.priority[irq] = 3;
            st.set_level(irq, true);
        }
        st.priority[40] = 7;
        assert_eq!(st.claim(0), 40);
        assert_eq!(st.claim(0), 5);
        assert_eq!(st.claim(0), 6);
        assert_eq!(st.claim(0), 0);
    }

    #[test]
    fn state_decode_maps_documented_offsets() {
        let st = PlicState::new(2);
        assert_eq!(st.decode(0x28), Reg::Priority(10));
        assert_eq!(st.decode(0x1008), Reg::Pending(2));
        assert_eq!(st.decode(0x2084), Reg::Enable(1, 1));
        assert_eq!(st.decode(0x201000), Reg::Threshold(1));
        assert_eq!(st.decode(0x201004), Reg::Claim(1));
        assert_eq!(st.decode(0x202000), Reg::Unknown);
        assert_eq!(st.decode(0x180), Reg::Unknown);
        assert_eq!(st.decode(0x200c), Reg::Unknown);
    }

    #[test]
    fn state_priority_and_threshold_clamp_to_max() {
        let mut st = PlicState::new(1);
        st.write(Reg::Priority(3), 0xffff_ffff, 0xffff_ffff);
        st.write(Reg::Threshold(0), 0x100, 0xffff_ffff);
        assert_eq!(st.priority[3], MAX_PRIORITY);
        assert_eq!(st.threshold[0], MAX_PRIORITY);
    }

    #[test]
    fn state_source_zero_cannot_be_enabled_or_prioritised() {
        let mut st = PlicState::new(1);
        st.write(Reg::Enable(0, 0), 0xffff_ffff, 0xffff_ffff);
        st.write(Reg::Priority(0), 7, 0xffff_ffff);
        st.set_level(0, true);
        assert_eq!(st.enable[0][0], 0xffff_fffe);
        assert_eq!(st.priority[0], 0);
        assert_eq!(st.pending[0], 0);
    }
}
