//! The CLINT as a pure state machine over 8-byte register units: accesses in,
//! "this hart's line needs updating" effects out. Lines and timers are driven
//! by the bus glue in `mod.rs`.

use super::regs::{MSIP_BASE, MSIP_STRIDE, MTIME, MTIMECMP_BASE, MTIMECMP_RESET, MTIMECMP_STRIDE};
use crate::util::merge;

/// What a register write changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// `msip` of these harts may have changed (an 8-byte unit holds two).
    Msip(usize, Option<usize>),
    /// `mtimecmp[hart]` changed.
    Mtimecmp(usize),
    /// A write to `mtime`, which we ignore (see `Aclint` docs).
    MtimeWrite,
    /// A write to no register.
    Unknown,
}

/// Guest-visible CLINT state (snapshot-able, plain data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclintState {
    /// `msip[hart]` bit 0.
    pub msip: Vec<bool>,
    /// `mtimecmp[hart]`.
    pub mtimecmp: Vec<u64>,
}

impl AclintState {
    /// Reset state for `harts` harts.
    pub fn new(harts: usize) -> Self {
        Self {
            msip: vec![false; harts],
            mtimecmp: vec![MTIMECMP_RESET; harts],
        }
    }

    fn msip_pair(&self, unit: u64) -> (usize, usize) {
        let first = ((unit - MSIP_BASE) / MSIP_STRIDE) as usize;
        (first, first + 1)
    }

    fn mtimecmp_index(&self, unit: u64) -> Option<usize> {
        let idx = usize::try_from((unit.checked_sub(MTIMECMP_BASE)?) / MTIMECMP_STRIDE).ok()?;
        (idx < self.mtimecmp.len()).then_some(idx)
    }

    /// Which register the 8-byte unit at `unit` is, without changing it.
    pub(crate) fn kind(&self, unit: u64) -> Effect {
        if unit == MTIME {
            return Effect::MtimeWrite;
        }
        if unit < MTIMECMP_BASE {
            let (a, b) = self.msip_pair(unit);
            return match (a < self.msip.len(), b < self.msip.len()) {
                (true, true) => Effect::Msip(a, Some(b)),
                (true, false) => Effect::Msip(a, None),
                _ => Effect::Unknown,
            };
        }
        self.mtimecmp_index(unit)
            .map_or(Effect::Unknown, Effect::Mtimecmp)
    }

    /// Read the 8-byte aligned unit at `unit`; `now` is the current `mtime`.
    pub(crate) fn read_unit(&self, unit: u64, now: u64) -> u64 {
        if unit == MTIME {
            return now;
        }
        if unit < MTIMECMP_BASE {
            let (a, b) = self.msip_pair(unit);
            let bit = |h: usize| u64::from(self.msip.get(h).copied().unwrap_or(false));
            return bit(a) | (bit(b) << 32);
        }
        self.mtimecmp_index(unit).map_or(0, |h| self.mtimecmp[h])
    }

    /// Write `bits` under `mask` to the 8-byte unit at `unit`.
    pub(crate) fn write_unit(&mut self, unit: u64, bits: u64, mask: u64) -> Effect {
        if unit == MTIME {
            return Effect::MtimeWrite;
        }
        if unit < MTIMECMP_BASE {
            let (a, b) = self.msip_pair(unit);
            // Only bit 0 of each 32-bit msip is implemented (ACLINT spec
            // §3.2 "MSWI": other bits are hardwired to zero).
            let mut touched = [None, None];
            for (slot, (hart, bit)) in [(a, 0u32), (b, 32u32)].into_iter().enumerate() {
                if mask & (1u64 << bit) == 0 {
                    continue;
                }
                if let Some(m) = self.msip.get_mut(hart) {
                    *m = bits & (1u64 << bit) != 0;
                    touched[slot] = Some(hart);
                }
            }
            return match touched {
                [Some(x), y] => Effect::Msip(x, y),
                [None, Some(y)] => Effect::Msip(y, None),
                [None, None] => Effect::Unknown,
            };
        }
        match self.mtimecmp_index(unit) {
            Some(h) => {
                self.mtimecmp[h] = merge(self.mtimecmp[h], bits, mask);
                Effect::Mtimecmp(h)
            }
            None => Effect::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_reset_mtimecmp_is_all_ones() {
        let st = AclintState::new(2);
        assert_eq!(st.read_unit(MTIMECMP_BASE + 8, 0), u64::MAX);
    }

    #[test]
    fn state_msip_unit_holds_two_harts() {
        let mut st = AclintState::new(3);
        let e = st.write_unit(0, 0xffff_ffff_ffff_ffff, u64::MAX);
        assert_eq!(e, Effect::Msip(0, Some(1)));
        assert_eq!(st.read_unit(0, 0), 0x1_0000_0001);
        assert_eq!(st.msip, vec![true, true, false]);
    }

    #[test]
    fn state_msip_high_lane_only_touches_odd_hart() {
        let mut st = AclintState::new(2);
        let e = st.write_unit(0, 1 << 32, 0xffff_ffff_0000_0000);
        assert_eq!(e, Effect::Msip(1, None));
        assert_eq!(st.msip, vec![false, true]);
    }

    #[test]
    fn state_msip_beyond_harts_is_ignored() {
        let mut st = AclintState::new(1);
        assert_eq!(st.write_unit(8, 1, u64::MAX), Effect::Unknown);
        assert_eq!(st.read_unit(8, 0), 0);
    }

    #[test]
    fn state_mtimecmp_halves_merge() {
        let mut st = AclintState::new(1);
        st.write_unit(MTIMECMP_BASE, 0x1234, 0xffff_ffff);
        assert_eq!(st.mtimecmp[0], 0xffff_ffff_0000_1234);
        st.write_unit(MTIMECMP_BASE, 0, 0xffff_ffff_0000_0000);
        assert_eq!(st.mtimecmp[0], 0x1234);
    }

    #[test]
    fn state_mtime_reads_clock_and_write_is_reported() {
        let mut st = AclintState::new(1);
        assert_eq!(st.read_unit(MTIME, 42), 42);
        assert_eq!(st.write_unit(MTIME, 7, u64::MAX), Effect::MtimeWrite);
    }

    #[test]
    fn state_mtimecmp_beyond_harts_is_unknown() {
        let mut st = AclintState::new(1);
        assert_eq!(
            st.write_unit(MTIMECMP_BASE + 8, 1, u64::MAX),
            Effect::Unknown
        );
        assert_eq!(st.read_unit(MTIMECMP_BASE + 8, 0), 0);
    }
}
