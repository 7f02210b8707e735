//! Physical memory protection (privileged spec, machine.adoc "Physical Memory
//! Protection"): up to 64 entries of `pmpcfg` bytes and `pmpaddr` registers,
//! granularity 4 bytes (G = 0), 56-bit physical addresses.
//!
//! The decoded address ranges are kept next to the raw registers, and cut
//! into segments that each one entry (or none) decides, so that a check is
//! a binary search (a Linux boot checks a page at each of its half a
//! million TLB misses; the loop over OpenSBI's entries cost 280 host
//! instructions a check), and so that the MMU can ask whether a whole 4 KiB
//! page has one outcome (only such pages are cached in the TLB).

use crate::hart::PrivilegeMode;
use crate::mmu::Access;

/// `pmpcfg` R bit.
pub const CFG_R: u8 = 1 << 0;
/// `pmpcfg` W bit.
pub const CFG_W: u8 = 1 << 1;
/// `pmpcfg` X bit.
pub const CFG_X: u8 = 1 << 2;
/// `pmpcfg` A field (address matching mode), bits 4:3.
pub const CFG_A: u8 = 3 << 3;
/// `pmpcfg` L bit (locked; also enforces the entry on M-mode).
pub const CFG_L: u8 = 1 << 7;
/// A = TOR (top of range).
pub const A_TOR: u8 = 1 << 3;
/// A = NA4 (naturally aligned four-byte region).
pub const A_NA4: u8 = 2 << 3;
/// A = NAPOT (naturally aligned power-of-two region).
pub const A_NAPOT: u8 = 3 << 3;

/// Writable bits of `pmpaddr` on RV64: address bits 55:2 (machine.adoc,
/// "Physical Memory Protection CSRs": pmpaddr holds bits 55:2 on RV64).
const ADDR_MASK: u64 = (1 << 54) - 1;

/// Largest number of entries the spec allows.
pub const MAX_ENTRIES: usize = 64;

/// A segment no entry matches (see `Pmp::seg_by`).
const NO_ENTRY: u8 = u8::MAX;

/// The outcome of a PMP check on a 4 KiB page (see [`Pmp::check_page`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageCheck {
    /// Every byte of the page has the same outcome, which is `allowed`.
    Uniform(bool),
    /// Some entry boundary splits the page: check each access on its own.
    Split,
}

/// PMP registers of one hart.
#[derive(Clone, Debug)]
pub struct Pmp {
    /// Number of implemented entries (0..=64); the rest read 0 and ignore writes.
    entries: usize,
    cfg: [u8; MAX_ENTRIES],
    addr: [u64; MAX_ENTRIES],
    /// Decoded `[lo, hi)` byte range per entry (empty when OFF), u128 so that
    /// NAPOT all-ones (2^57 bytes) does not overflow.
    range: [(u128, u128); MAX_ENTRIES],
    /// Index past the last entry whose A field is not OFF (loop bound).
    active_end: usize,
    /// The address space cut at the active entries' bounds: segment k
    /// starts at `seg_lo[k]` (`seg_lo[0]` = 0) and ends where the next
    /// starts; every byte of it is decided by entry `seg_by[k]` (the
    /// lowest active entry matching it), or by none ([`NO_ENTRY`]).
    /// Neighbours have different deciders.
    /// (Entries end below 2^58: every start is an address.)
    seg_lo: Vec<u64>,
    seg_by: Vec<u8>,
    /// Moves at every change of the entries (for results cached by page).
    version: u64,
}

impl Default for Pmp {
    fn default() -> Self {
        Self::new(0)
    }
}

impl Pmp {
    /// `entries` implemented entries, all OFF and unlocked (the reset state:
    /// machine.adoc says A and L reset to 0).
    pub fn new(entries: u8) -> Self {
        Self {
            entries: usize::from(entries).min(MAX_ENTRIES),
            cfg: [0; MAX_ENTRIES],
            addr: [0; MAX_ENTRIES],
            range: [(0, 0); MAX_ENTRIES],
            active_end: 0,
            seg_lo: vec![0],
            seg_by: vec![NO_ENTRY],
            version: 0,
        }
    }

    /// Changes whenever an entry does: a result of [`check_page`]
    /// (Self::check_page) holds while it stays the same.
    #[inline(always)]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Number of implemented entries.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Read `pmpcfgN` (N even: on RV64 each holds eight entries' bytes).
    pub fn read_cfg(&self, n: usize) -> u64 {
        let mut v = 0u64;
        for k in 0..8 {
            let i = n * 4 + k;
            if i < self.entries {
                v |= u64::from(self.cfg[i]) << (8 * k);
            }
        }
        v
    }

    /// Write `pmpcfgN` (N even), byte by byte with the WARL rules. Returns true
    /// if anything changed (the caller then flushes the TLB).
    pub fn write_cfg(&mut self, n: usize, value: u64) -> bool {
        let mut changed = false;
        for k in 0..8 {
            let i = n * 4 + k;
            if i >= self.entries {
                break;
            }
            // Locked entries ignore writes until reset (machine.adoc "Locking
            // and Privilege Mode").
            if self.cfg[i] & CFG_L != 0 {
                continue;
            }
            // Bits 6:5 are reserved: read-only zero.
            let mut b = (value >> (8 * k)) as u8 & !0x60;
            // R=0, W=1 is reserved: keep the previous legal value (as QEMU does).
            if b & CFG_W != 0 && b & CFG_R == 0 {
                b = self.cfg[i];
            }
            if b != self.cfg[i] {
                self.cfg[i] = b;
                changed = true;
            }
        }
        if changed {
            self.decode();
        }
        changed
    }

    /// Read `pmpaddrI`.
    pub fn read_addr(&self, i: usize) -> u64 {
        if i < self.entries {
            self.addr[i]
        } else {
            0
        }
    }

    /// Write `pmpaddrI`. Ignored if entry I is locked, or if entry I+1 is a
    /// locked TOR entry (its bottom is this register). Returns true on change.
    pub fn write_addr(&mut self, i: usize, value: u64) -> bool {
        if i >= self.entries || self.cfg[i] & CFG_L != 0 {
            return false;
        }
        if i + 1 < self.entries && self.cfg[i + 1] & CFG_L != 0 && self.cfg[i + 1] & CFG_A == A_TOR
        {
            return false;
        }
        let v = value & ADDR_MASK;
        if v == self.addr[i] {
            return false;
        }
        self.addr[i] = v;
        self.decode();
        true
    }

    fn decode(&mut self) {
        self.version = self.version.wrapping_add(1);
        self.active_end = 0;
        for i in 0..self.entries {
            let a = u128::from(self.addr[i]);
            self.range[i] = match self.cfg[i] & CFG_A {
                A_TOR => {
                    let lo = if i == 0 {
                        0
                    } else {
                        u128::from(self.addr[i - 1]) << 2
                    };
                    (lo, a << 2)
                }
                A_NA4 => (a << 2, (a << 2) + 4),
                A_NAPOT => {
                    // t trailing ones select a region of 2^(t+3) bytes.
                    let t = self.addr[i].trailing_ones();
                    let size = 1u128 << (t + 3);
                    let base = (a & !((1u128 << t) - 1)) << 2;
                    (base, base + size)
                }
                _ => (0, 0),
            };
            if self.cfg[i] & CFG_A != 0 {
                self.active_end = i + 1;
            }
        }
        self.segment();
    }

    /// Whether entry `i` takes part in matching: active, not empty.
    fn matching(&self, i: usize) -> bool {
        let (lo, hi) = self.range[i];
        self.cfg[i] & CFG_A != 0 && lo < hi
    }

    /// Cut the address space into `seg_lo`/`seg_by` (see there). No bound
    /// falls inside a segment, so an entry matches all of it or none.
    fn segment(&mut self) {
        let live: Vec<usize> = (0..self.active_end).filter(|&i| self.matching(i)).collect();
        let mut bounds: Vec<u128> = vec![0];
        for &i in &live {
            bounds.extend([self.range[i].0, self.range[i].1]);
        }
        bounds.sort_unstable();
        bounds.dedup();
        self.seg_lo.clear();
        self.seg_by.clear();
        for at in bounds {
            let by = live
                .iter()
                .find(|&&i| self.range[i].0 <= at && at < self.range[i].1)
                .map_or(NO_ENTRY, |&i| i as u8);
            if self.seg_by.last() != Some(&by) {
                self.seg_lo.push(u64::try_from(at).unwrap_or(u64::MAX));
                self.seg_by.push(by);
            }
        }
    }

    /// The outcome of every byte of `[lo, hi)` for `prv`'s `access`, if
    /// one segment holds them all (else some bytes are decided by
    /// different entries, or by an entry and by none).
    #[inline]
    fn decided(&self, lo: u64, hi: u128, prv: PrivilegeMode, access: Access) -> Option<bool> {
        let k = self.seg_lo.partition_point(|&s| s <= lo).saturating_sub(1);
        let end = self.seg_lo.get(k + 1).map_or(u128::MAX, |&e| u128::from(e));
        if hi > end {
            return None;
        }
        Some(match self.seg_by.get(k) {
            Some(&i) if i != NO_ENTRY => Self::allows(self.cfg[usize::from(i)], prv, access),
            _ => prv == PrivilegeMode::Machine || self.entries == 0,
        })
    }

    fn needed(access: Access) -> u8 {
        match access {
            Access::Fetch => CFG_X,
            Access::Load => CFG_R,
            Access::Store => CFG_W,
        }
    }

    fn allows(cfg: u8, prv: PrivilegeMode, access: Access) -> bool {
        // M-mode is checked only against locked entries.
        (prv == PrivilegeMode::Machine && cfg & CFG_L == 0) || cfg & Self::needed(access) != 0
    }

    /// May `prv` perform `access` on the `len` bytes at `pa`? The lowest
    /// matching entry decides; an access that only partly matches it fails.
    /// With no match, M-mode succeeds and S/U fail when any entry is
    /// implemented (machine.adoc "Priority and Matching Logic").
    pub fn check(&self, pa: u64, len: u64, prv: PrivilegeMode, access: Access) -> bool {
        let hi = u128::from(pa) + u128::from(len.max(1));
        // Bytes decided by different entries (or some by none): the lowest
        // entry matching any of them matches only part.
        self.decided(pa, hi, prv, access).unwrap_or(false)
    }

    /// Does every access of M-mode succeed (no active entry is locked)?
    pub fn machine_unrestricted(&self) -> bool {
        (0..self.active_end).all(|i| self.cfg[i] & CFG_A == 0 || self.cfg[i] & CFG_L == 0)
    }

    /// The outcome of [`check`](Self::check) for every byte of the 4 KiB page
    /// at `page` (page-aligned), or `Split` if it varies within the page.
    pub fn check_page(&self, page: u64, prv: PrivilegeMode, access: Access) -> PageCheck {
        match self.decided(page, u128::from(page) + 4096, prv, access) {
            Some(allowed) => PageCheck::Uniform(allowed),
            None => PageCheck::Split,
        }
    }

    /// [`check`](Self::check) by the spec's words: the entries in order.
    #[cfg(test)]
    fn check_by_entries(&self, pa: u64, len: u64, prv: PrivilegeMode, access: Access) -> bool {
        let lo = u128::from(pa);
        let hi = lo + u128::from(len.max(1));
        for i in 0..self.active_end {
            let (rlo, rhi) = self.range[i];
            if !self.matching(i) || hi <= rlo || lo >= rhi {
                continue;
            }
            return lo >= rlo && hi <= rhi && Self::allows(self.cfg[i], prv, access);
        }
        prv == PrivilegeMode::Machine || self.entries == 0
    }

    /// [`check_page`](Self::check_page) by the entries in order.
    #[cfg(test)]
    fn check_page_by_entries(&self, page: u64, prv: PrivilegeMode, access: Access) -> PageCheck {
        let (lo, hi) = (u128::from(page), u128::from(page) + 4096);
        for i in 0..self.active_end {
            let (rlo, rhi) = self.range[i];
            if !self.matching(i) || hi <= rlo || lo >= rhi {
                continue;
            }
            if lo >= rlo && hi <= rhi {
                return PageCheck::Uniform(Self::allows(self.cfg[i], prv, access));
            }
            return PageCheck::Split;
        }
        PageCheck::Uniform(prv == PrivilegeMode::Machine || self.entries == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PrivilegeMode::{Machine, Supervisor, User};

    fn napot(base: u64, size: u64) -> u64 {
        (base >> 2) | ((size >> 3) - 1)
    }

    #[test]
    fn pmp_no_entries_everything_allowed() {
        let p = Pmp::new(0);
        assert!(p.check(0x8000_0000, 8, User, Access::Store));
        assert_eq!(p.read_cfg(0), 0);
        assert_eq!(p.read_addr(0), 0);
    }

    #[test]
    fn pmp_implemented_but_off_denies_su_allows_m() {
        let p = Pmp::new(16);
        assert!(!p.check(0x8000_0000, 4, Supervisor, Access::Load));
        assert!(!p.check(0x8000_0000, 4, User, Access::Fetch));
        assert!(p.check(0x8000_0000, 4, Machine, Access::Store));
    }

    #[test]
    fn pmp_napot_all_ones_allows_everything() {
        let mut p = Pmp::new(16);
        p.write_addr(0, u64::MAX);
        assert_eq!(p.read_addr(0), ADDR_MASK);
        p.write_cfg(0, u64::from(A_NAPOT | CFG_R | CFG_W | CFG_X));
        assert!(p.check(0, 8, User, Access::Store));
        assert!(p.check((1 << 56) - 8, 8, Supervisor, Access::Fetch));
        assert_eq!(
            p.check_page(0x1000, User, Access::Load),
            PageCheck::Uniform(true)
        );
    }

    #[test]
    fn pmp_tor_matches_range_and_partial_fails() {
        let mut p = Pmp::new(16);
        p.write_addr(0, 0x8000_0000 >> 2);
        p.write_addr(1, 0x8000_2000 >> 2);
        p.write_cfg(0, u64::from(A_TOR | CFG_R) << 8);
        assert!(p.check(0x8000_0000, 8, Supervisor, Access::Load));
        assert!(!p.check(0x8000_0000, 8, Supervisor, Access::Store));
        assert!(!p.check(0x8000_2000, 8, Supervisor, Access::Load));
        assert!(!p.check(0x8000_1ffc, 8, Supervisor, Access::Load));
        assert!(!p.check(0x7fff_fff8, 8, Supervisor, Access::Load));
        assert_eq!(
            p.check_page(0x8000_1000, Supervisor, Access::Load),
            PageCheck::Uniform(true)
        );
    }

    #[test]
    fn pmp_napot_and_na4_decode_ranges() {
        let mut p = Pmp::new(16);
        p.write_addr(0, napot(0x8000_0000, 0x1000));
        p.write_addr(1, 0x9000_0000 >> 2);
        p.write_cfg(
            0,
            u64::from(A_NAPOT | CFG_X) | (u64::from(A_NA4 | CFG_R) << 8),
        );
        assert!(p.check(0x8000_0ff0, 4, User, Access::Fetch));
        assert!(!p.check(0x8000_1000, 4, User, Access::Fetch));
        assert!(p.check(0x9000_0000, 4, User, Access::Load));
        assert!(!p.check(0x9000_0004, 4, User, Access::Load));
        assert_eq!(
            p.check_page(0x9000_0000, User, Access::Load),
            PageCheck::Split
        );
    }

    #[test]
    fn pmp_locked_entry_enforced_on_m_and_ignores_writes() {
        let mut p = Pmp::new(16);
        p.write_addr(0, napot(0x8000_0000, 0x1000));
        p.write_cfg(0, u64::from(A_NAPOT | CFG_R | CFG_L));
        assert!(!p.check(0x8000_0000, 4, Machine, Access::Store));
        assert!(p.check(0x8000_0000, 4, Machine, Access::Load));
        // Unlocked entries do not constrain M.
        assert!(p.check(0x9000_0000, 4, Machine, Access::Store));
        assert!(!p.write_cfg(0, 0));
        assert!(!p.write_addr(0, 0));
        assert_eq!(p.read_cfg(0) & 0xff, u64::from(A_NAPOT | CFG_R | CFG_L));
    }

    #[test]
    fn pmp_locked_tor_protects_previous_address() {
        let mut p = Pmp::new(16);
        p.write_addr(1, 0x100);
        p.write_cfg(0, u64::from(A_TOR | CFG_R | CFG_L) << 8);
        assert!(!p.write_addr(0, 0x10));
        assert_eq!(p.read_addr(0), 0);
    }

    #[test]
    fn pmp_reserved_w_without_r_keeps_old_value() {
        let mut p = Pmp::new(16);
        p.write_cfg(0, u64::from(A_NAPOT | CFG_R | CFG_W));
        p.write_cfg(0, u64::from(A_NAPOT | CFG_W));
        assert_eq!(p.read_cfg(0), u64::from(A_NAPOT | CFG_R | CFG_W));
        p.write_cfg(0, 0x60);
        assert_eq!(p.read_cfg(0), 0);
    }

    #[test]
    fn pmp_entries_beyond_count_read_zero() {
        let mut p = Pmp::new(16);
        p.write_cfg(4, u64::MAX);
        p.write_addr(20, 0x1234);
        assert_eq!(p.read_cfg(4), 0);
        assert_eq!(p.read_addr(20), 0);
        p.write_cfg(2, u64::MAX);
        // W without R never appears; L locks.
        assert_eq!(p.read_cfg(2), 0x9f9f_9f9f_9f9f_9f9f);
    }

    /// The segments decide as the entries in order do, for random
    /// entries (every mode, overlapping, locked, empty TOR ranges) and
    /// accesses at and around every bound.
    #[test]
    fn pmp_segments_decide_as_the_entries_in_order() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let mut p = Pmp::new(8);
            for i in 0..8 {
                // Addresses in a small window so that entries overlap.
                let a = 0x2000_0000 + (next() % 0x1000) * 0x100;
                let a = match next() % 4 {
                    0 => a,
                    1 => napot(a & !0xfff, 0x1000),
                    2 => napot(a & !0xffff, 0x1_0000),
                    _ => u64::MAX,
                };
                p.write_addr(i, a);
            }
            for n in [0, 2] {
                p.write_cfg(n, next() & 0x9f9f_9f9f_9f9f_9f9f);
            }
            let mut points: Vec<u64> = vec![0, 0x8000_0000, u64::MAX - 7];
            for i in 0..8 {
                let (lo, hi) = p.range[i];
                for b in [lo, hi] {
                    let b = u64::try_from(b).unwrap_or(u64::MAX - 7);
                    points.extend([b.wrapping_sub(4), b, b.wrapping_add(4), b & !0xfff]);
                }
            }
            for &pa in &points {
                for prv in [Machine, Supervisor, User] {
                    for access in [Access::Load, Access::Store, Access::Fetch] {
                        for len in [1, 4, 8] {
                            assert_eq!(
                                p.check(pa, len, prv, access),
                                p.check_by_entries(pa, len, prv, access),
                                "{pa:#x} {len} {prv:?} {access:?} {:?}",
                                &p.range[..8]
                            );
                        }
                        let page = pa & !0xfff;
                        assert_eq!(
                            p.check_page(page, prv, access),
                            p.check_page_by_entries(page, prv, access),
                            "page {page:#x} {prv:?} {access:?}"
                        );
                    }
                }
            }
        }
    }
}
