//! SiFive PLIC at 0xC000000 (platform.md §2.2; RISC-V PLIC spec v1.0.0).
//!
//! 96 sources (1..=95 usable; 0 is reserved), priorities 0..=7 (writes above
//! 7 clamp to 7), one enable array, threshold and claim/complete register per
//! context. Contexts are the output lines given at construction, in context
//! order: in full mode M then S for each hart (hart h → contexts 2h, 2h+1).
//!
//! Sources are level-triggered lines ([`Plic::source`]) that devices drive.
//! Each has a gateway: while open, the pending bit follows the level; a claim
//! clears pending and closes the gateway; a complete reopens it, and a level
//! still high is pending again at once. A context's output is high while some
//! pending, enabled, unclaimed source has priority above its threshold.
//! The pending array is read-only; registers take any access width.

mod regs;
mod state;

pub use regs::{window_size, MAX_CONTEXTS, MAX_PRIORITY, NUM_SOURCES};
pub use state::PlicState;

use std::sync::{Arc, Mutex, MutexGuard};

use rvisor_memory::{IrqLine, MmioDevice};

use crate::error::DeviceError;
use crate::util::{bump, metrics, read_regs, write_regs};
use state::Reg;

metrics! {
    /// Event counts of the PLIC, for `--stats`.
    PlicStats / PlicMetrics {
        /// Claims that returned a source.
        claims,
        /// Claims that returned 0 (nothing to take).
        empty_claims,
        /// Completes that reopened a gateway.
        completes,
        /// Completes ignored (source not claimed or not enabled).
        ignored_completes,
        /// Source level changes.
        source_changes,
        /// Reads of no register.
        mmio_unknown_reads,
        /// Writes to no register or to a read-only one.
        mmio_unknown_writes,
    }
}

struct Locked {
    st: PlicState,
    /// Last level driven on each context output (`None`: never driven).
    out: Vec<Option<bool>>,
}

struct Inner {
    locked: Mutex<Locked>,
    contexts: Vec<Arc<dyn IrqLine>>,
    metrics: PlicMetrics,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Locked> {
        self.locked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drive every context output whose level changed (bounded: contexts ×
    /// [`NUM_SOURCES`] work, under the lock so levels arrive in order).
    fn update(&self, l: &mut Locked) {
        for (ctx, line) in self.contexts.iter().enumerate() {
            let level = l.st.output(ctx);
            if l.out[ctx] != Some(level) {
                l.out[ctx] = Some(level);
                line.set_level(level);
            }
        }
    }
}

/// The PLIC. Map it at 0xC000000 with size [`window_size`]`(contexts)`.
pub struct Plic {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Plic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plic")
            .field("contexts", &self.inner.contexts.len())
            .finish()
    }
}

/// One PLIC input, handed to a device as its interrupt line.
struct PlicSource {
    plic: Arc<Inner>,
    irq: usize,
}

impl IrqLine for PlicSource {
    fn set_level(&self, level: bool) {
        let mut l = self.plic.lock();
        bump(&self.plic.metrics.source_changes);
        l.st.set_level(self.irq, level);
        self.plic.update(&mut l);
    }
}

impl Plic {
    /// A PLIC whose context `k` drives `contexts[k]` (e.g. a hart's MEIP or
    /// SEIP). All outputs are driven low at construction.
    pub fn new(contexts: Vec<Arc<dyn IrqLine>>) -> Result<Self, DeviceError> {
        let n = contexts.len();
        if n == 0 || n > MAX_CONTEXTS {
            return Err(DeviceError::ContextCountOutOfRange {
                count: n,
                max: MAX_CONTEXTS,
            });
        }
        let inner = Arc::new(Inner {
            locked: Mutex::new(Locked {
                st: PlicState::new(n),
                out: vec![None; n],
            }),
            contexts,
            metrics: PlicMetrics::default(),
        });
        inner.update(&mut inner.lock());
        Ok(Self { inner })
    }

    /// The input line of source `irq` (1..=95), for a device to drive;
    /// `None` for 0 or a source that does not exist.
    pub fn source(&self, irq: u32) -> Option<Arc<dyn IrqLine>> {
        let irq = usize::try_from(irq)
            .ok()
            .filter(|&i| i != 0 && i < NUM_SOURCES)?;
        Some(Arc::new(PlicSource {
            plic: self.inner.clone(),
            irq,
        }))
    }

    /// Number of contexts.
    pub fn contexts(&self) -> usize {
        self.inner.contexts.len()
    }

    /// Size of this PLIC's MMIO window.
    pub fn window_size(&self) -> u64 {
        window_size(self.contexts())
    }

    /// Event counters.
    pub fn stats(&self) -> PlicStats {
        self.inner.metrics.snapshot()
    }

    /// A copy of the guest-visible state (for snapshots and tests).
    pub fn state(&self) -> PlicState {
        self.inner.lock().st.clone()
    }

    /// Machine reset: priorities, enables, thresholds, claims cleared; the
    /// source levels are kept (the devices still drive them).
    pub fn reset(&self) {
        let mut l = self.inner.lock();
        let level = l.st.level;
        l.st = PlicState::new(self.contexts());
        for irq in 1..NUM_SOURCES {
            let high = level[irq / 32] & (1 << (irq % 32)) != 0;
            l.st.set_level(irq, high);
        }
        self.inner.update(&mut l);
    }
}

impl MmioDevice for Plic {
    fn read(&self, offset: u64, size: u8) -> u64 {
        let inner = &self.inner;
        let mut l = inner.lock();
        let v = read_regs(offset, size, 4, |reg| {
            let r = l.st.decode(reg);
            match r {
                Reg::Unknown => bump(&inner.metrics.mmio_unknown_reads),
                Reg::Claim(c) => {
                    let irq = l.st.claim(c);
                    let counter = if irq == 0 {
                        &inner.metrics.empty_claims
                    } else {
                        &inner.metrics.claims
                    };
                    bump(counter);
                    return irq as u64;
                }
                _ => {}
            }
            u64::from(l.st.read(r))
        });
        inner.update(&mut l);
        v
    }

    fn write(&self, offset: u64, size: u8, value: u64) {
        let inner = &self.inner;
        let mut l = inner.lock();
        write_regs(offset, size, value, 4, |reg, bits, mask| {
            let r = l.st.decode(reg);
            let applied = l.st.write(r, bits as u32, mask as u32);
            match (r, applied) {
                (Reg::Claim(_), true) => bump(&inner.metrics.completes),
                (Reg::Claim(_), false) => bump(&inner.metrics.ignored_completes),
                (_, false) => bump(&inner.metrics.mmio_unknown_writes),
                _ => {}
            }
        });
        inner.update(&mut l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Rng, TestLine};

    const PRIO: u64 = 0x0;
    const ENABLE: u64 = 0x2000;
    const CTX: u64 = 0x20_0000;

    fn rig(contexts: usize) -> (Plic, Vec<Arc<TestLine>>) {
        let lines: Vec<_> = (0..contexts).map(|_| TestLine::new()).collect();
        let plic = Plic::new(
            lines
                .iter()
                .map(|l| l.clone() as Arc<dyn IrqLine>)
                .collect(),
        )
        .unwrap();
        (plic, lines)
    }

    /// Source 10 at priority 1 enabled for S-mode context 1.
    fn uart_on_ctx1(plic: &Plic) -> Arc<dyn IrqLine> {
        plic.write(PRIO + 4 * 10, 4, 1);
        plic.write(ENABLE + 0x80, 4, 1 << 10);
        plic.source(10).unwrap()
    }

    #[test]
    fn plic_source_high_raises_enabled_context_only() {
        let (plic, lines) = rig(2);
        let src = uart_on_ctx1(&plic);
        src.set_level(true);
        assert!(lines[1].level());
        assert!(!lines[0].level());
        assert_eq!(plic.read(0x1000, 4), 1 << 10);
    }

    #[test]
    fn plic_claim_complete_cycle_with_level_held() {
        let (plic, lines) = rig(2);
        let src = uart_on_ctx1(&plic);
        src.set_level(true);
        assert_eq!(plic.read(CTX + 0x1000 + 4, 4), 10);
        assert!(!lines[1].level());
        plic.write(CTX + 0x1000 + 4, 4, 10);
        assert!(
            lines[1].level(),
            "level still high: pending again after complete"
        );
        assert_eq!(plic.stats().completes, 1);
    }

    #[test]
    fn plic_claim_with_nothing_pending_returns_zero() {
        let (plic, _) = rig(1);
        assert_eq!(plic.read(CTX + 4, 4), 0);
        assert_eq!(plic.stats().empty_claims, 1);
    }

    #[test]
    fn plic_threshold_write_masks_output() {
        let (plic, lines) = rig(2);
        let src = uart_on_ctx1(&plic);
        src.set_level(true);
        plic.write(CTX + 0x1000, 4, 1);
        assert!(!lines[1].level());
        plic.write(CTX + 0x1000, 4, 0);
        assert!(lines[1].level());
    }

    #[test]
    fn plic_pending_is_read_only() {
        let (plic, _) = rig(1);
        plic.write(0x1000, 4, 0xffff_ffff);
        assert_eq!(plic.read(0x1000, 4), 0);
    }

    #[test]
    fn plic_source_zero_and_out_of_range_do_not_exist() {
        let (plic, _) = rig(1);
        assert!(plic.source(0).is_none());
        assert!(plic.source(96).is_none());
        assert!(plic.source(95).is_some());
    }

    #[test]
    fn plic_byte_write_to_priority_merges() {
        let (plic, _) = rig(1);
        plic.write(PRIO + 4 * 3, 1, 5);
        assert_eq!(plic.read(PRIO + 4 * 3, 4), 5);
        assert_eq!(plic.read(PRIO + 4 * 2, 8), 5 << 32);
    }

    #[test]
    fn plic_new_without_contexts_is_error() {
        assert!(matches!(
            Plic::new(vec![]),
            Err(DeviceError::ContextCountOutOfRange { .. })
        ));
    }

    #[test]
    fn plic_reset_keeps_levels_but_clears_configuration() {
        let (plic, lines) = rig(2);
        let src = uart_on_ctx1(&plic);
        src.set_level(true);
        plic.reset();
        assert!(!lines[1].level());
        assert_eq!(plic.read(0x1000, 4), 1 << 10);
    }

    #[test]
    fn plic_hostile_access_stream_never_panics() {
        let (plic, lines) = rig(4);
        let srcs: Vec<_> = (1..NUM_SOURCES as u32)
            .map(|i| plic.source(i).unwrap())
            .collect();
        let mut rng = Rng::new(0x9_1c);
        for _ in 0..5000 {
            let off = match rng.next() % 5 {
                0 => rng.next(),
                1 => CTX + (rng.next() % 5) * 0x1000 + rng.next() % 8,
                2 => ENABLE + rng.next() % 0x240,
                _ => rng.next() % window_size(4),
            };
            match rng.next() % 3 {
                0 => {
                    plic.read(off, rng.size());
                }
                1 => plic.write(off, rng.size(), rng.next()),
                _ => srcs[(rng.next() % srcs.len() as u64) as usize].set_level(rng.next() & 1 == 1),
            }
        }
        // Outputs agree with the state after the storm.
        let st = plic.state();
        for (c, l) in lines.iter().enumerate() {
            assert_eq!(l.level(), st.output(c));
        }
    }
}
