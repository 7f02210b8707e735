//! Address translation: Sv39/Sv48/Sv57 page walks with A/D updates and every
//! page-fault case, PMP checks, and the TLB (supervisor.adoc "Sv39/Sv48/Sv57"
//! and "Virtual Address Translation Process"; machine.adoc "Physical Memory
//! Protection").
//!
//! The TLB is direct-mapped, one array per access kind (fetch, load, store),
//! and caches 4 KiB pages whose translation *and* permission check succeeded.
//! A hit is one compare: the tag is the page address with a 12-bit context
//! in the low bits: the generation (bumped by every flush), the effective
//! privilege, and the SUM/MXR bits where they matter. Privilege changes
//! (traps, xRET) and SUM toggles therefore need no flush: they select other
//! tags. `satp` writes, `sfence.vma`, PMP writes and MPRV/MPP changes either
//! bump the generation or recompute the context table.

use std::sync::atomic::Ordering;

use crate::csr::{mstatus, satp};
use crate::hart::{HartConfig, PrivilegeMode};
use crate::pmp::{PageCheck, Pmp};
use crate::trap::{Exception, Trap};
use rvisor_memory::writers::{Flagged, FLAG_LOG};

/// Entries per access kind (direct-mapped, indexed by the low page-number bits).
pub const TLB_SIZE: usize = 2048;
const PAGE_MASK: u64 = 0xfff;
/// The tag of an empty site-cache slot: bit 11 set, which no probe's
/// compare value (a page with only its misalignment bits, 2:0) has. A
/// tag of 0 would match page 0, and the empty slot's delta would make
/// the host address the guest's va.
pub const SITE_EMPTY: u64 = 1 << 11;

/// Generations fit in context bits 11:4.
const MAX_GEN: u64 = 0xff;

/// How data addresses are translated (see [`Hart::load_mode`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataMode {
    /// Through page tables.
    Paged,
    /// Physical addresses, PMP checked.
    OneToOne,
    /// Physical addresses, no check (M-mode, no locked PMP entry): any RAM
    /// address may be accessed.
    Unchecked,
}

/// One cached page: `tag` = page address | context, 0 when invalid.
/// `repr(C)`: translated code reads entries inline. Its probe compares
/// `ram_tag`, which is `tag` when the whole page is guest RAM and 0
/// otherwise (MMIO and unbacked pages always take its slow path), and then
/// adds `host_delta` to the guest virtual address to get the host address.
/// Aligned to its size so that no entry straddles two cache lines,
/// whatever the size of the hart's fields before the TLB.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
pub struct TlbEntry {
    tag: u64,
    pa_page: u64,
    ram_tag: u64,
    host_delta: u64,
}

impl TlbEntry {
    /// Offset of `tag` (for translated code).
    pub const TAG: i32 = std::mem::offset_of!(TlbEntry, tag) as i32;
    /// Offset of `pa_page` (for translated code).
    pub const PA_PAGE: i32 = std::mem::offset_of!(TlbEntry, pa_page) as i32;
    /// Offset of `ram_tag` (for translated code).
    pub const RAM_TAG: i32 = std::mem::offset_of!(TlbEntry, ram_tag) as i32;
    /// Offset of `host_delta` (for translated code).
    pub const HOST_DELTA: i32 = std::mem::offset_of!(TlbEntry, host_delta) as i32;
}

/// Slots of [`Mmu`]'s site cache: the first half for loads, the second
/// for stores (a power of two).
pub const SITE_SLOTS: usize = 512;

/// One slot of the site cache: a copy of the load or store TLB entry a
/// load or store site of translated code used last, `tag` (the page,
/// [`SITE_EMPTY`] when empty) and `host_delta`, for that site to check
/// alone.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct SiteEntry {
    pub tag: u64,
    pub host_delta: u64,
}

impl SiteEntry {
    /// An empty slot.
    pub const EMPTY: Self = Self {
        tag: SITE_EMPTY,
        host_delta: 0,
    };
    /// Offset of `tag` (for translated code).
    pub const TAG: i32 = std::mem::offset_of!(SiteEntry, tag) as i32;
    /// Offset of `host_delta` (for translated code).
    pub const HOST_DELTA: i32 = std::mem::offset_of!(SiteEntry, host_delta) as i32;
}

/// Translation state and TLB of one hart.
#[derive(Clone)]
pub struct Mmu {
    /// In the hart itself, not behind a pointer: translated code reaches
    /// an entry from the hart's address ([`tlb_offset`]), one load fewer
    /// on every load and store.
    tlb: [[TlbEntry; TLB_SIZE]; 3],
    /// The site cache: the loads and stores of translated loops each
    /// check a slot (shared by a hash, [`site_offset`]) before the TLB,
    /// and fill it from the TLB entry on a miss. A slot's tag is the page
    /// alone, so every slot holds what the TLB would give under the
    /// current context: whatever changes it (privilege, SUM, MXR, a flush
    /// of everything or of one page, a page with fast stores gaining a
    /// flag) empties the slots translated code filled since, which it
    /// marks in `site_filled` (a bit per slot).
    site: [SiteEntry; SITE_SLOTS],
    site_filled: [u64; SITE_SLOTS / 64],
    /// The TLB contexts of loads and stores the slots are filled under.
    site_ctx: (u64, u64),
    /// Tag context per (current privilege, access kind); row 2 is unused.
    ctx: [[u64; 3]; 4],
    gen: u64,
    /// Which 2 MiB regions (hashed, one bit each) hold a superpage whose
    /// pieces are in the TLB since the last flush, and whether a larger one
    /// is: an `sfence.vma` of one address there flushes everything (the
    /// TLB does not record which entries came from which superpage).
    superpages: [u64; SUPERPAGE_WORDS],
    huge_pages: bool,
    /// Single-page flushes so far, and the first page and page count of
    /// the last (for the translator's jump cache).
    page_flushes: u64,
    last_page_flushed: u64,
    last_flush_pages: u64,
    /// Page-table pages (by walk level) whose every 8-byte entry PMP lets
    /// S-mode read, under the PMP version with them.
    pte_pages: [(u64, u64); PTE_PAGES],
    /// How many of the pages harts logged when flagging them
    /// (`Writers::page_flagged`) this hart has taken off its store
    /// TLB's fast path (`Writers::flagged_since`).
    seen_flagged: u64,
    /// Physical memory protection registers.
    pub pmp: Pmp,
}

/// Walk levels with a remembered page-table page (Sv57 has 5).
const PTE_PAGES: usize = 5;

/// Words of `Mmu::superpages` (64 Ki bits).
const SUPERPAGE_WORDS: usize = 1024;

/// Bytes of a 2 MiB page (an Sv39/Sv48 level-1 leaf).
const SUPERPAGE_BYTES: u64 = 1 << 21;

/// The bit of `Mmu::superpages` for the 2 MiB region holding `va`: a
/// multiplicative hash of the region number (its top 16 bits). The
/// region number's low 16 bits made the user pages below 128 GiB share
/// bits with a Linux kernel's linear-map superpages (at
/// 0xff60_0000_0000_0000, whose region bits 36:21 count from 0): 14 K of
/// a boot's 112 K single-page fences scanned 512 pages and dropped them
/// from the jump cache. (An xor of higher bits into the low ones did the
/// same.)
#[inline(always)]
fn superpage_bit(va: u64) -> (usize, u64) {
    const BITS: u32 = (SUPERPAGE_WORDS * 64).trailing_zeros();
    let h = ((va >> 21).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize;
    (h / 64, 1 << (h % 64))
}

impl std::fmt::Debug for Mmu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mmu")
            .field("gen", &self.gen)
            .field("pmp", &self.pmp)
            .finish_non_exhaustive()
    }
}

impl Default for Mmu {
    fn default() -> Self {
        let mut m = Self {
            tlb: [[TlbEntry::default(); TLB_SIZE]; 3],
            site: [SiteEntry::EMPTY; SITE_SLOTS],
            site_filled: [0; SITE_SLOTS / 64],
            site_ctx: (0, 0),
            ctx: [[0; 3]; 4],
            gen: 1,
            superpages: [0; SUPERPAGE_WORDS],
            huge_pages: false,
            page_flushes: 0,
            seen_flagged: 0,
            last_page_flushed: 0,
            last_flush_pages: 1,
            // Not a page address: nothing is remembered.
            pte_pages: [(u64::MAX, 0); PTE_PAGES],
            pmp: Pmp::default(),
        };
        m.compute_ctx(0);
        m
    }
}

impl Mmu {
    /// The reset state for `config`.
    pub fn new(config: &HartConfig) -> Self {
        Self {
            pmp: Pmp::new(config.pmp_entries),
            ..Self::default()
        }
    }

    /// Back to the reset state for `config`, in place: a new `Mmu` is
    /// 216 KB, and one built on the stack to be moved into a hart took a
    /// test thread's 2 MiB stack over its end.
    pub fn reset(&mut self, config: &HartConfig) {
        self.reset_with(Pmp::new(config.pmp_entries));
    }

    fn reset_with(&mut self, pmp: Pmp) {
        for kind in self.tlb.iter_mut() {
            kind.fill(TlbEntry::default());
        }
        self.site.fill(SiteEntry::EMPTY);
        self.site_filled = [0; SITE_SLOTS / 64];
        self.site_ctx = (0, 0);
        self.gen = 1;
        self.superpages.fill(0);
        self.huge_pages = false;
        self.page_flushes = 0;
        self.last_page_flushed = 0;
        self.last_flush_pages = 1;
        // Not a page address: nothing is remembered.
        self.pte_pages = [(u64::MAX, 0); PTE_PAGES];
        self.seen_flagged = 0;
        self.pmp = pmp;
        self.compute_ctx(0);
    }

    /// Program PMP entry 0 to give S/U all of memory, as OpenSBI does, for
    /// harts that start below M without firmware (para mode): with entries
    /// implemented but none matching, every S/U access would fail.
    pub fn open_pmp_for_supervisor(&mut self) {
        if self.pmp.entries() > 0 {
            self.pmp.write_addr(0, u64::MAX);
            self.pmp.write_cfg(
                0,
                u64::from(
                    crate::pmp::A_NAPOT | crate::pmp::CFG_R | crate::pmp::CFG_W | crate::pmp::CFG_X,
                ),
            );
            self.flush();
        }
    }

    /// Recompute the tag contexts from `mstatus` (MPRV, MPP, SUM, MXR).
    fn compute_ctx(&mut self, mstatus: u64) {
        for prv in [0u64, 1, 3] {
            for a in 0..3 {
                let data = a != Access::Fetch as usize;
                let eff = if data && prv == 3 && mstatus & mstatus::MPRV != 0 {
                    (mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT
                } else {
                    prv
                };
                let mut c = self.gen << 4 | eff;
                // SUM never changes what S may fetch: keeping it out of the
                // fetch context spares fetch entries (and the translator's
                // jump cache, keyed by it) Linux's SUM toggles around every
                // user copy.
                if data && eff == 1 && mstatus & mstatus::SUM != 0 {
                    c |= 1 << 2;
                }
                if a == Access::Load as usize && eff != 3 && mstatus & mstatus::MXR != 0 {
                    c |= 1 << 3;
                }
                self.ctx[prv as usize][a] = c;
            }
        }
    }

    /// Invalidate every entry by moving to a new generation (the arrays are
    /// cleared only when the generation counter wraps).
    fn flush(&mut self) {
        self.empty_site_cache();
        self.superpages = [0; SUPERPAGE_WORDS];
        self.huge_pages = false;
        self.gen += 1;
        if self.gen > MAX_GEN {
            self.gen = 1;
            for kind in self.tlb.iter_mut() {
                kind.fill(TlbEntry::default());
            }
        }
    }

    /// The site cache's slots holding an entry, and whether one was
    /// filled since last emptied (for tests).
    pub fn site_cache(&self) -> (usize, bool) {
        let live = self.site.iter().filter(|e| e.tag != SITE_EMPTY).count();
        (live, self.site_filled.iter().any(|&w| w != 0))
    }

    /// Empty the slots translated code filled since the cache was last
    /// emptied (a Linux boot empties it over 100,000 times, mostly for
    /// single-page flushes, with a few slots filled each time).
    fn empty_site_cache(&mut self) {
        for (w, word) in self.site_filled.iter_mut().enumerate() {
            let mut bits = std::mem::take(word);
            while bits != 0 {
                self.site[w * 64 + bits.trailing_zeros() as usize].tag = SITE_EMPTY;
                bits &= bits - 1;
            }
        }
    }
}

impl crate::Hart {
    // Translated code's stores skip the granule flags (`PAGE_CODE`,
    // `PAGE_WATCH`): a store TLB entry of a page with a flag never takes
    // the inline path (its RAM tag is 0: the slow path checks). A fill
    // that gives a page the inline path marks the page
    // (`GuestRam::mark_fast_stores`); the next flag of a marked page takes
    // the flagging hart's entries off at once (`flag_code`) and the other
    // harts' when their store windows next move (`catch_up_flagged`),
    // which an SMP `fence.i` waits for anyway (`rvisor_memory::writers`).
    // Every store checking the flags instead cost a 2-hart Linux boot 6 %
    // of its time.

    /// This hart's store-window word just moved (it left its engine, or
    /// is about to run guest code again): take its store entries of the
    /// pages harts logged since off the inline path.
    pub fn catch_up_flagged(&mut self) {
        let stores = &mut self.mmu.tlb[Access::Store as usize];
        let mut pages = [0; FLAG_LOG];
        match self
            .ram
            .writers()
            .flagged_since(&mut self.mmu.seen_flagged, &mut pages)
        {
            Flagged::Nothing => return,
            Flagged::Pages(n) => {
                let pages = &pages[..n];
                for e in stores.iter_mut() {
                    if e.ram_tag != 0 && pages.contains(&e.pa_page) {
                        e.ram_tag = 0;
                    }
                }
            }
            Flagged::All => stores.fill(TlbEntry::default()),
        }
        self.mmu.empty_site_cache();
        self.refresh_site_cache();
    }

    /// This hart left its engine: its stores are visible and its store
    /// windows closed (`rvisor_memory::writers`).
    pub fn close_store_windows(&mut self) {
        self.ram.writers().close_windows(self.config.hart_id);
        self.catch_up_flagged();
    }

    /// This hart starts (true) or stops (false) running guest code.
    pub fn set_running(&mut self, running: bool) {
        self.ram.writers().set_running(self.config.hart_id, running);
        if running {
            self.catch_up_flagged();
        }
    }

    /// Flag RAM offsets `off..off + len` (within one page) `PAGE_CODE`;
    /// returns whether some granule lacked the flag
    /// ([`GuestRam::set_flags`](rvisor_memory::GuestRam::set_flags)).
    pub fn flag_code(&mut self, off: u64, len: u64) -> bool {
        let page_off = off & !PAGE_MASK;
        let new = self.ram.set_flags(off, len, rvisor_memory::ram::PAGE_CODE);
        if new && self.ram.take_fast_stores(page_off) {
            let pa_page = self.ram.base().wrapping_add(page_off);
            for e in self.mmu.tlb[Access::Store as usize].iter_mut() {
                if e.pa_page == pa_page {
                    e.ram_tag = 0;
                }
            }
            self.mmu.empty_site_cache();
            self.refresh_site_cache();
            if self.config.smp {
                // Before the caller's snapshot (`Hart::note_read`).
                self.ram.writers().page_flagged(pa_page);
            }
        }
        new
    }
}

/// Byte offset in [`Hart`](crate::Hart) of the TLB entries for `access`
/// (for translated code, which holds the hart's address).
pub const fn tlb_offset(access: Access) -> usize {
    std::mem::offset_of!(crate::Hart, mmu)
        + std::mem::offset_of!(Mmu, tlb)
        + access as usize * std::mem::size_of::<[TlbEntry; TLB_SIZE]>()
}

/// Byte offsets in [`Hart`](crate::Hart) of the site cache's slots and
/// of the bits its filling code sets, one per slot (see [`Mmu`]'s
/// `site`).
pub const fn site_offset() -> (usize, usize) {
    let mmu = std::mem::offset_of!(crate::Hart, mmu);
    (
        mmu + std::mem::offset_of!(Mmu, site),
        mmu + std::mem::offset_of!(Mmu, site_filled),
    )
}

/// The kind of access being translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Load (and LR).
    Load,
    /// Store, SC and AMO.
    Store,
}

impl Access {
    fn page_fault(self, va: u64) -> Trap {
        let cause = match self {
            Access::Fetch => Exception::InstPageFault,
            Access::Load => Exception::LoadPageFault,
            Access::Store => Exception::StorePageFault,
        };
        Trap::new(cause, va)
    }

    fn access_fault(self, va: u64) -> Trap {
        let cause = match self {
            Access::Fetch => Exception::InstAccessFault,
            Access::Load => Exception::LoadAccessFault,
            Access::Store => Exception::StoreAccessFault,
        };
        Trap::new(cause, va)
    }
}

/// PTE bits (supervisor.adoc "Sv32" PTE format, shared by Sv39/48/57).
mod pte {
    pub const V: u64 = 1 << 0;
    pub const R: u64 = 1 << 1;
    pub const W: u64 = 1 << 2;
    pub const X: u64 = 1 << 3;
    pub const U: u64 = 1 << 4;
    pub const A: u64 = 1 << 6;
    pub const D: u64 = 1 << 7;
    pub const PPN_MASK: u64 = (1 << 44) - 1;
}

impl crate::Hart {
    /// TLB fast path: the physical address for `va` if a valid TLB entry
    /// allows `access` in the current effective privilege; `None` otherwise
    /// (call [`translate`](Self::translate)).
    #[inline(always)]
    pub fn tlb_lookup(&self, va: u64, access: Access) -> Option<u64> {
        let a = access as usize;
        let e = &self.mmu.tlb[a][(va >> 12) as usize & (TLB_SIZE - 1)];
        if e.tag == (va & !PAGE_MASK) | self.mmu.ctx[self.prv as usize & 3][a] {
            Some(e.pa_page | (va & PAGE_MASK))
        } else {
            None
        }
    }

    /// For translated code's inline TLB probe: the `TLB_SIZE` entries for
    /// `access` (a stable heap address until the hart is dropped) and the
    /// tag context of the current privilege. Both stay valid until the
    /// privilege, `mstatus` or the TLB generation changes, which only
    /// happens outside translated code.
    pub fn tlb_probe(&self, access: Access) -> (*const TlbEntry, u64) {
        let a = access as usize;
        (
            self.mmu.tlb[a].as_ptr(),
            self.mmu.ctx[self.prv as usize & 3][a],
        )
    }

    /// Full translation of `va` for `access` in the current effective
    /// privilege (MPRV applied for loads/stores): TLB, then page walk with A/D
    /// updates, then PMP. Page faults and access faults come back as `Trap`
    /// with `tval = va`.
    pub fn translate(&mut self, va: u64, access: Access) -> Result<u64, Trap> {
        self.translate_with(va, access, false)
    }

    /// [`translate`](Self::translate), but a walk that would have to set
    /// a PTE's A or D bit fails instead (`quiet`): for a translation no
    /// access has asked for yet, which must leave memory as it is.
    fn translate_with(&mut self, va: u64, access: Access, quiet: bool) -> Result<u64, Trap> {
        if let Some(pa) = self.tlb_lookup(va, access) {
            return Ok(pa);
        }
        self.stats.tlb_misses += 1;
        let eff = self.effective_priv(access);
        let mode = (self.csr.satp >> 60) as u8;
        let pa = if eff == PrivilegeMode::Machine || mode == satp::BARE {
            va
        } else {
            let (pa, level) = self.walk(va, access, eff, mode, quiet)?;
            match level {
                0 => {}
                1 => {
                    let (w, bit) = superpage_bit(va);
                    self.mmu.superpages[w] |= bit;
                }
                _ => self.mmu.huge_pages = true,
            }
            pa
        };
        match self.mmu.pmp.check_page(pa & !PAGE_MASK, eff, access) {
            PageCheck::Uniform(true) => {
                let a = access as usize;
                let tag = (va & !PAGE_MASK) | self.mmu.ctx[self.prv as usize & 3][a];
                let pa_page = pa & !PAGE_MASK;
                let ram_off = pa_page.wrapping_sub(self.ram.base());
                let in_ram = ram_off < self.ram.size() && self.ram.size() - ram_off >= 0x1000;
                let (ram_tag, host_delta) = if in_ram {
                    // Host address = va + host_delta within this page.
                    let host = (self.ram.host_base() as u64).wrapping_add(ram_off);
                    // No store reaches a flagged page (code, watched)
                    // through translated code's probe.
                    let flagged = access == Access::Store && !self.ram.mark_fast_stores(ram_off);
                    (
                        if flagged { 0 } else { tag },
                        host.wrapping_sub(va & !PAGE_MASK),
                    )
                } else {
                    (0, 0)
                };
                self.mmu.tlb[a][(va >> 12) as usize & (TLB_SIZE - 1)] = TlbEntry {
                    tag,
                    pa_page,
                    ram_tag,
                    host_delta,
                };
                Ok(pa)
            }
            PageCheck::Uniform(false) => Err(access.access_fault(va)),
            PageCheck::Split => {
                if self.mmu.pmp.check(pa, 1, eff, access) {
                    Ok(pa)
                } else {
                    Err(access.access_fault(va))
                }
            }
        }
    }

    /// The host address delta of the `span` bytes at `va` for translated
    /// code's probe groups (see `rvisor-jit`'s `emit::groups`): `Some`
    /// where the TLB entries translated code probes for loads (or, with
    /// `store`, for stores) map them all into RAM (and, for stores, free
    /// of code) with one delta, filling them without setting A or D bits
    /// if need be (no access asked for them yet); `None` otherwise. Two
    /// pages that are neighbours in guest-physical memory too (a kernel's
    /// linear map, where a structure may straddle pages) have one delta.
    pub fn group_delta(&mut self, va: u64, span: u16, store: bool) -> Option<u64> {
        let access = if store { Access::Store } else { Access::Load };
        let last = va.wrapping_add(u64::from(span.max(1)) - 1);
        let first = self.quiet_delta(va, access)?;
        if (va ^ last) & !PAGE_MASK != 0 && self.quiet_delta(last, access)? != first {
            return None;
        }
        Some(first)
    }

    /// The host delta of `va`'s page in the TLB translated code probes
    /// for `access` (filled without A/D updates if need be).
    fn quiet_delta(&mut self, va: u64, access: Access) -> Option<u64> {
        let a = access as usize;
        let held = |h: &Self| {
            let e = &h.mmu.tlb[a][(va >> 12) as usize & (TLB_SIZE - 1)];
            let tag = (va & !PAGE_MASK) | h.mmu.ctx[h.prv as usize & 3][a];
            (e.ram_tag == tag).then_some(e.host_delta)
        };
        if let Some(d) = held(self) {
            return Some(d);
        }
        self.translate_with(va, access, true).ok()?;
        held(self)
    }

    /// How loads at the current privilege find memory: through page
    /// tables, one to one, or one to one with every access allowed (M-mode
    /// with no locked PMP entry).
    pub fn load_mode(&self) -> DataMode {
        let eff = self.effective_priv(Access::Load);
        if eff == PrivilegeMode::Machine && self.mmu.pmp.machine_unrestricted() {
            DataMode::Unchecked
        } else if eff == PrivilegeMode::Machine || (self.csr.satp >> 60) as u8 == satp::BARE {
            DataMode::OneToOne
        } else {
            DataMode::Paged
        }
    }

    /// The privilege `access` is checked and translated in: loads and stores
    /// in M with `mstatus.MPRV` use `mstatus.MPP` (machine.adoc "Memory
    /// Privilege in mstatus Register").
    pub fn effective_priv(&self, access: Access) -> PrivilegeMode {
        if access != Access::Fetch
            && self.prv == PrivilegeMode::Machine
            && self.csr.mstatus & mstatus::MPRV != 0
        {
            match (self.csr.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT {
                0 => PrivilegeMode::User,
                1 => PrivilegeMode::Supervisor,
                _ => PrivilegeMode::Machine,
            }
        } else {
            self.prv
        }
    }

    /// The page walk (supervisor.adoc "Virtual Address Translation Process"),
    /// with hardware A/D updating by compare-and-swap; restarts from the root
    /// if another hart changed the PTE under us.
    /// Returns the physical address and the leaf's level (0: a 4 KiB page).
    fn walk(
        &mut self,
        va: u64,
        access: Access,
        eff: PrivilegeMode,
        mode: u8,
        quiet: bool,
    ) -> Result<(u64, u32), Trap> {
        let levels: u32 = match mode {
            satp::SV39 => 3,
            satp::SV48 => 4,
            _ => 5,
        };
        // Bits above the VA width must equal the top VA bit.
        let shift = 64 - (12 + 9 * levels);
        if (((va << shift) as i64) >> shift) as u64 != va {
            return Err(access.page_fault(va));
        }
        let ms = self.csr.mstatus;
        let sum = ms & mstatus::SUM != 0;
        let mxr = ms & mstatus::MXR != 0;
        let pf = access.page_fault(va);
        let af = access.access_fault(va);
        'restart: loop {
            let mut table = (self.csr.satp & satp::PPN_MASK) << 12;
            let mut level = levels - 1;
            loop {
                let vpn = (va >> (12 + 9 * level)) & 0x1ff;
                let pte_addr = table + vpn * 8;
                // Implicit page-table accesses are S-level loads for PMP:
                // a page-table page allowed whole is remembered per level
                // while the PMP entries stay the same (a walk reads the
                // same few pages over and over).
                let page = pte_addr & !PAGE_MASK;
                let known = (page, self.mmu.pmp.version());
                let lvl = level as usize % PTE_PAGES;
                if self.mmu.pte_pages[lvl] != known {
                    match self
                        .mmu
                        .pmp
                        .check_page(page, PrivilegeMode::Supervisor, Access::Load)
                    {
                        PageCheck::Uniform(true) => self.mmu.pte_pages[lvl] = known,
                        PageCheck::Uniform(false) => return Err(af),
                        PageCheck::Split => {
                            if !self.mmu.pmp.check(
                                pte_addr,
                                8,
                                PrivilegeMode::Supervisor,
                                Access::Load,
                            ) {
                                return Err(af);
                            }
                        }
                    }
                }
                let pte = match self.ram.offset_of(pte_addr, 8) {
                    Some(off) => self.ram.load_u64(off).ok_or(af)?,
                    None => self.bus.read(pte_addr, 8).map_err(|_| af)?,
                };
                // Invalid, the reserved W-without-R encoding, or reserved bits
                // 63:54 (N without Svnapot, PBMT without Svpbmt).
                if pte & pte::V == 0 || (pte & pte::R == 0 && pte & pte::W != 0) || pte >> 54 != 0 {
                    return Err(pf);
                }
                let ppn = (pte >> 10) & pte::PPN_MASK;
                if pte & (pte::R | pte::X) == 0 {
                    // Pointer to the next level. A, D and U are reserved in
                    // non-leaf PTEs; like QEMU we fault on them.
                    if level == 0 || pte & (pte::A | pte::D | pte::U) != 0 {
                        return Err(pf);
                    }
                    level -= 1;
                    table = ppn << 12;
                    continue;
                }
                // Leaf: privilege, then access-type permissions.
                let user_page = pte & pte::U != 0;
                match eff {
                    PrivilegeMode::User if !user_page => return Err(pf),
                    PrivilegeMode::Supervisor if user_page && (access == Access::Fetch || !sum) => {
                        return Err(pf)
                    }
                    _ => {}
                }
                let allowed = match access {
                    Access::Fetch => pte & pte::X != 0,
                    Access::Load => pte & pte::R != 0 || (mxr && pte & pte::X != 0),
                    Access::Store => pte & pte::W != 0,
                };
                if !allowed {
                    return Err(pf);
                }
                // A superpage's PPN must be aligned to its size.
                if level > 0 && ppn & ((1 << (9 * level)) - 1) != 0 {
                    return Err(pf);
                }
                let need = pte::A | if access == Access::Store { pte::D } else { 0 };
                if pte & need != need {
                    if quiet {
                        return Err(pf);
                    }
                    if !self
                        .mmu
                        .pmp
                        .check(pte_addr, 8, PrivilegeMode::Supervisor, Access::Store)
                    {
                        return Err(af);
                    }
                    let Some(off) = self.ram.offset_of(pte_addr, 8) else {
                        return Err(af);
                    };
                    let swapped = self.ram.with_atomic_u64(off, |w| {
                        w.compare_exchange(pte, pte | need, Ordering::AcqRel, Ordering::Acquire)
                            .is_ok()
                    });
                    match swapped {
                        Some(true) => {}
                        Some(false) => continue 'restart,
                        None => return Err(af),
                    }
                }
                let mask = (1u64 << (12 + 9 * level)) - 1;
                return Ok((((ppn << 12) & !mask) | (va & mask), level));
            }
        }
    }

    /// `sfence.vma`: `vaddr`/`asid` are `None` for rs1/rs2 = x0. Checks
    /// `mstatus.TVM`; flushes the matching TLB entries.
    ///
    /// With an address, only that page's entries go (whatever their ASID:
    /// a superset), unless a superpage cached since the last flush may
    /// cover it; otherwise the whole TLB, which with a generation counter
    /// costs one increment. Linux fences one address after most page
    /// faults. The illegal-instruction trap carries tval 0 (the caller has
    /// the instruction bits and may substitute them).
    pub fn sfence_vma(&mut self, vaddr: Option<u64>, asid: Option<u64>) -> Result<(), Trap> {
        let _ = asid;
        let tvm = self.csr.mstatus & mstatus::TVM != 0;
        if self.prv == PrivilegeMode::User || (self.prv == PrivilegeMode::Supervisor && tvm) {
            return Err(Trap::new(Exception::IllegalInst, 0));
        }
        // The interpreter counts `stats.sfences`.
        match vaddr {
            Some(va) => self.flush_tlb_page(va),
            None => self.flush_tlb(),
        }
        Ok(())
    }

    /// Drop the TLB entries of the page holding `va` (every access kind and
    /// privilege context), or everything if a superpage may cover it.
    fn flush_tlb_page(&mut self, va: u64) {
        if self.mmu.huge_pages {
            self.flush_tlb();
            return;
        }
        // A 2 MiB page's translation covers every 4 KiB entry of its
        // region: drop them all (a Linux guest flushes single pages of
        // its linear map, mapped by such pages, thousands of times per
        // boot; a full flush each time cost the refills).
        let (w, bit) = superpage_bit(va);
        let (first, pages) = if self.mmu.superpages[w] & bit != 0 {
            (va & !(SUPERPAGE_BYTES - 1), SUPERPAGE_BYTES >> 12)
        } else {
            (va & !PAGE_MASK, 1)
        };
        const _: () = assert!(SUPERPAGE_BYTES >> 12 <= TLB_SIZE as u64);
        for n in 0..pages {
            let page = first + (n << 12);
            let idx = (page >> 12) as usize & (TLB_SIZE - 1);
            for kind in self.mmu.tlb.iter_mut() {
                if kind[idx].tag & !PAGE_MASK == page {
                    kind[idx] = TlbEntry::default();
                }
            }
        }
        self.mmu.empty_site_cache();
        self.refresh_site_cache();
        self.mmu.page_flushes += 1;
        self.mmu.last_page_flushed = first;
        self.mmu.last_flush_pages = pages;
    }

    /// Single-page flushes so far, and the first page and page count of
    /// the last (a 2 MiB page's region, or one page): whatever caches
    /// translations of virtual addresses outside the TLB (the
    /// translator's jump cache) must drop those pages' (a full flush
    /// changes the tag context of [`tlb_probe`](Self::tlb_probe) instead).
    pub fn tlb_page_flushes(&self) -> (u64, u64, u64) {
        (
            self.mmu.page_flushes,
            self.mmu.last_page_flushed,
            self.mmu.last_flush_pages,
        )
    }

    /// Drop every TLB entry (satp write, privilege or MPRV/SUM/MXR change).
    pub fn flush_tlb(&mut self) {
        self.mmu.flush();
        self.mmu.compute_ctx(self.csr.mstatus);
        self.refresh_site_cache();
    }

    /// Act on the TLB flushes other harts posted (remote `sfence.vma`,
    /// [`HartSignals::post_tlb_flush`](crate::HartSignals::post_tlb_flush)).
    /// The run loop does this at block boundaries; a VMM calls it where the
    /// hart waits outside guest code. True if there were any.
    pub fn apply_tlb_flushes(&mut self) -> bool {
        let Some(posted) = self.signals.tlb_flushes_posted() else {
            return false;
        };
        self.flush_tlb();
        self.signals.tlb_flushes_done(posted);
        true
    }

    /// Recompute the TLB contexts after `mstatus` changed (cheap; no flush).
    pub(crate) fn mmu_update_ctx(&mut self) {
        self.mmu.compute_ctx(self.csr.mstatus);
        self.refresh_site_cache();
    }

    /// Keep the site cache's slots true to the current context: after
    /// the privilege or the contexts changed, empty them (translated code
    /// compares a slot's tag with the page alone).
    pub fn refresh_site_cache(&mut self) {
        let ctx = self.mmu.ctx[self.prv as usize & 3];
        let now = (ctx[Access::Load as usize], ctx[Access::Store as usize]);
        if now != self.mmu.site_ctx {
            self.mmu.empty_site_cache();
            self.mmu.site_ctx = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::CsrOp;
    use crate::test_util::{hart, RAM_BASE};
    use crate::Hart;
    use pte::{A, D, R, U, V, W, X};
    use rvisor_isa::csr as n;

    /// A Linux guest's user pages below 512 MiB and its linear map's
    /// first 512 MiB (2 MiB pages) share few bits of the superpage filter:
    /// a fence of one user page scans 512 pages only where they do.
    #[test]
    fn superpage_bits_of_user_pages_and_the_linear_map_rarely_meet() {
        let bits = |base: u64| -> Vec<(usize, u64)> {
            (0..256u64)
                .map(|r| superpage_bit(base + (r << 21)))
                .collect()
        };
        let (user, linear) = (bits(0), bits(0xff60_0000_0000_0000));
        let shared = user.iter().filter(|b| linear.contains(b)).count();
        assert!(shared <= 8, "{shared} of 256 user regions share a bit");
    }

    const ROOT: u64 = RAM_BASE + 0x10_0000;
    const DATA: u64 = RAM_BASE + 0x40_0000;

    /// Builds page tables in the test RAM with a bump allocator.
    struct Pt {
        levels: u32,
        next: u64,
    }

    impl Pt {
        fn new(h: &mut Hart, mode: u8) -> Self {
            let levels = u32::from(mode) - 5;
            h.csr_access(
                n::SATP,
                CsrOp::Write,
                u64::from(mode) << 60 | ROOT >> 12,
                false,
                true,
                0,
            )
            .expect("satp");
            h.mmu.open_pmp_for_supervisor();
            h.flush_tlb();
            Self {
                levels,
                next: ROOT + 0x1000,
            }
        }

        /// Map `va` at `level` (0 = 4 KiB) to `pa` with `flags`; returns the
        /// PTE address.
        fn map(&mut self, h: &Hart, va: u64, pa: u64, level: u32, flags: u64) -> u64 {
            let mut table = ROOT;
            let mut l = self.levels - 1;
            loop {
                let addr = table + ((va >> (12 + 9 * l)) & 0x1ff) * 8;
                if l == level {
                    self.write(h, addr, (pa >> 12) << 10 | flags);
                    return addr;
                }
                let cur = self.read(h, addr);
                table = if cur & V != 0 {
                    (cur >> 10) << 12
                } else {
                    let t = self.next;
                    self.next += 0x1000;
                    self.write(h, addr, (t >> 12) << 10 | V);
                    t
                };
                l -= 1;
            }
        }

        fn write(&self, h: &Hart, pa: u64, v: u64) {
            h.bus.write(pa, 8, v).expect("pte write");
        }

        fn read(&self, h: &Hart, pa: u64) -> u64 {
            h.bus.read(pa, 8).expect("pte read")
        }
    }

    fn s_hart(mode: u8) -> (Hart, Pt) {
        let mut h = hart();
        let pt = Pt::new(&mut h, mode);
        h.prv = PrivilegeMode::Supervisor;
        (h, pt)
    }

    fn pf(access: Access, va: u64) -> Result<u64, Trap> {
        Err(access.page_fault(va))
    }

    #[test]
    fn mmu_machine_mode_is_bare_and_cached() {
        let mut h = hart();
        assert_eq!(h.tlb_lookup(DATA, Access::Load), None);
        assert_eq!(h.translate(DATA + 8, Access::Load), Ok(DATA + 8));
        assert_eq!(h.tlb_lookup(DATA + 16, Access::Load), Some(DATA + 16));
        assert_eq!(h.tlb_lookup(DATA + 16, Access::Store), None);
    }

    #[test]
    fn mmu_leaf_4k_each_mode_translates() {
        for mode in [satp::SV39, satp::SV48, satp::SV57] {
            let (mut h, mut pt) = s_hart(mode);
            let va = 0x1234_5000;
            pt.map(&h, va, DATA, 0, V | R | W | X | A | D);
            assert_eq!(
                h.translate(va + 0x10, Access::Load),
                Ok(DATA + 0x10),
                "mode {mode}"
            );
            assert_eq!(h.translate(va, Access::Store), Ok(DATA));
            assert_eq!(h.translate(va, Access::Fetch), Ok(DATA));
            assert_eq!(h.tlb_lookup(va + 4, Access::Fetch), Some(DATA + 4));
        }
    }

    #[test]
    fn mmu_superpages_translate_with_va_offset() {
        let (mut h, mut pt) = s_hart(satp::SV48);
        // 2 MiB megapage and 1 GiB gigapage.
        pt.map(&h, 0x4000_0000, RAM_BASE, 1, V | R | A);
        pt.map(&h, 0x80_0000_0000, 0, 2, V | R | A);
        assert_eq!(
            h.translate(0x4012_3456, Access::Load),
            Ok(RAM_BASE + 0x12_3456)
        );
        assert_eq!(h.translate(0x80_2765_4321, Access::Load), Ok(0x2765_4321));
    }

    #[test]
    fn mmu_misaligned_superpage_faults() {
        for mode in [satp::SV39, satp::SV48, satp::SV57] {
            let (mut h, mut pt) = s_hart(mode);
            pt.map(&h, 0x4000_0000, RAM_BASE + 0x1000, 1, V | R | A);
            assert_eq!(
                h.translate(0x4000_0000, Access::Load),
                pf(Access::Load, 0x4000_0000)
            );
        }
    }

    #[test]
    fn mmu_non_canonical_va_faults() {
        for (mode, bad) in [
            (satp::SV39, 1u64 << 39),
            (satp::SV48, 1u64 << 48),
            (satp::SV57, 1u64 << 57),
        ] {
            let (mut h, _pt) = s_hart(mode);
            assert_eq!(h.translate(bad, Access::Fetch), pf(Access::Fetch, bad));
            let high = !0u64 << (bad.trailing_zeros() - 1) & !(1 << 63);
            assert_eq!(h.translate(high, Access::Load), pf(Access::Load, high));
        }
    }

    #[test]
    fn mmu_invalid_and_reserved_ptes_fault() {
        for mode in [satp::SV39, satp::SV48, satp::SV57] {
            let (mut h, mut pt) = s_hart(mode);
            let cases = [
                0,                   // V = 0
                V | W | A | D,       // W without R
                V | R | A | 1 << 63, // N without Svnapot
                V | R | A | 1 << 61, // PBMT without Svpbmt
                V | R | A | 1 << 54, // reserved
            ];
            for (i, flags) in cases.into_iter().enumerate() {
                let va = 0x10_0000 + (i as u64) * 0x1000;
                pt.map(&h, va, DATA, 0, flags);
                assert_eq!(
                    h.translate(va, Access::Load),
                    pf(Access::Load, va),
                    "{flags:#x}"
                );
            }
            // Unmapped (root entry invalid).
            assert_eq!(
                h.translate(0x7000_0000, Access::Load),
                pf(Access::Load, 0x7000_0000)
            );
        }
    }

    #[test]
    fn mmu_nonleaf_with_a_bit_and_level0_pointer_fault() {
        let (mut h, mut pt) = s_hart(satp::SV39);
        let va = 0x20_0000;
        let addr = pt.map(&h, va, DATA, 0, V | R | A);
        assert!(h.translate(va, Access::Load).is_ok());
        // Level-0 PTE that points further: no more levels.
        pt.write(&h, addr, (DATA >> 12) << 10 | V);
        h.flush_tlb();
        assert_eq!(h.translate(va, Access::Load), pf(Access::Load, va));
        // Non-leaf with A set.
        let root_pte = ROOT + ((va >> 30) & 0x1ff) * 8;
        let v = pt.read(&h, root_pte);
        pt.write(&h, root_pte, v | A);
        pt.write(&h, addr, (DATA >> 12) << 10 | V | R | A);
        h.flush_tlb();
        assert_eq!(h.translate(va, Access::Load), pf(Access::Load, va));
    }

    #[test]
    fn mmu_permissions_r_w_x() {
        let (mut h, mut pt) = s_hart(satp::SV39);
        pt.map(&h, 0x1000, DATA, 0, V | R | A | D);
        pt.map(&h, 0x2000, DATA, 0, V | X | A);
        pt.map(&h, 0x3000, DATA, 0, V | R | W | A | D);
        assert!(h.translate(0x1000, Access::Load).is_ok());
        assert_eq!(
            h.translate(0x1000, Access::Store),
            pf(Access::Store, 0x1000)
        );
        assert_eq!(
            h.translate(0x1000, Access::Fetch),
            pf(Access::Fetch, 0x1000)
        );
        assert!(h.translate(0x2000, Access::Fetch).is_ok());
        assert_eq!(h.translate(0x2000, Access::Load), pf(Access::Load, 0x2000));
        assert!(h.translate(0x3000, Access::Store).is_ok());
        // MXR makes the execute-only page readable.
        h.csr_access(n::SSTATUS, CsrOp::Set, mstatus::MXR, false, true, 0)
            .expect("sstatus");
        assert_eq!(h.translate(0x2000, Access::Load), Ok(DATA));
        h.csr_access(n::SSTATUS, CsrOp::Clear, mstatus::MXR, false, true, 0)
            .expect("sstatus");
        assert_eq!(h.translate(0x2000, Access::Load), pf(Access::Load, 0x2000));
    }

    #[test]
    fn mmu_user_pages_and_sum() {
        let (mut h, mut pt) = s_hart(satp::SV48);
        pt.map(&h, 0x1000, DATA, 0, V | R | W | X | U | A | D);
        pt.map(&h, 0x2000, DATA, 0, V | R | W | X | A | D);
        // S on a U page: loads need SUM, fetch never.
        assert_eq!(h.translate(0x1000, Access::Load), pf(Access::Load, 0x1000));
        h.csr_access(n::SSTATUS, CsrOp::Set, mstatus::SUM, false, true, 0)
            .expect("sstatus");
        assert_eq!(h.translate(0x1000, Access::Load), Ok(DATA));
        assert_eq!(h.translate(0x1000, Access::Store), Ok(DATA));
        assert_eq!(
            h.translate(0x1000, Access::Fetch),
            pf(Access::Fetch, 0x1000)
        );
        // SUM off again: the cached SUM entry must not be used.
        h.csr_access(n::SSTATUS, CsrOp::Clear, mstatus::SUM, false, true, 0)
            .expect("sstatus");
        assert_eq!(h.tlb_lookup(0x1000, Access::Load), None);
        assert_eq!(h.translate(0x1000, Access::Load), pf(Access::Load, 0x1000));
        // U on an S page faults; U on a U page works.
        h.prv = PrivilegeMode::User;
        assert_eq!(h.translate(0x2000, Access::Load), pf(Access::Load, 0x2000));
        assert_eq!(h.translate(0x1000, Access::Fetch), Ok(DATA));
        // Back in S, the U-mode entries do not leak.
        h.prv = PrivilegeMode::Supervisor;
        assert_eq!(h.tlb_lookup(0x1000, Access::Fetch), None);
    }

    #[test]
    fn mmu_sets_accessed_and_dirty() {
        for mode in [satp::SV39, satp::SV48, satp::SV57] {
            let (mut h, mut pt) = s_hart(mode);
            let addr = pt.map(&h, 0x5000, DATA, 0, V | R | W);
            assert!(h.translate(0x5000, Access::Load).is_ok());
            assert_eq!(pt.read(&h, addr) & (A | D), A);
            assert!(h.translate(0x5000, Access::Store).is_ok());
            assert_eq!(pt.read(&h, addr) & (A | D), A | D);
        }
    }

    #[test]
    fn mmu_mprv_uses_mpp_for_data_only() {
        let mut h = hart();
        let mut pt = Pt::new(&mut h, satp::SV39);
        pt.map(&h, 0x1000, DATA, 0, V | R | W | U | A | D);
        h.csr_access(n::MSTATUS, CsrOp::Set, mstatus::MPRV, false, true, 0)
            .expect("mstatus");
        // MPP = U (reset value 0): loads translate as U.
        assert_eq!(h.translate(0x1000, Access::Load), Ok(DATA));
        // Fetches stay M, bare.
        assert_eq!(h.translate(0x1000, Access::Fetch), Ok(0x1000));
        // MPP = S without SUM: the U page faults.
        h.csr_access(n::MSTATUS, CsrOp::Set, 1 << 11, false, true, 0)
            .expect("mstatus");
        assert_eq!(h.tlb_lookup(0x1000, Access::Load), None);
        assert_eq!(h.translate(0x1000, Access::Load), pf(Access::Load, 0x1000));
        // MPRV off: M bare.
        h.csr_access(n::MSTATUS, CsrOp::Clear, mstatus::MPRV, false, true, 0)
            .expect("mstatus");
        assert_eq!(h.translate(0x1000, Access::Load), Ok(0x1000));
    }

    #[test]
    fn mmu_satp_write_and_sfence_invalidate_tlb() {
        let (mut h, mut pt) = s_hart(satp::SV39);
        let addr = pt.map(&h, 0x1000, DATA, 0, V | R | A);
        assert_eq!(h.translate(0x1000, Access::Load), Ok(DATA));
        pt.write(&h, addr, ((DATA + 0x1000) >> 12) << 10 | V | R | A);
        assert_eq!(h.translate(0x1000, Access::Load), Ok(DATA));
        h.sfence_vma(Some(0x1000), None).expect("sfence");
        assert_eq!(h.translate(0x1000, Access::Load), Ok(DATA + 0x1000));
        h.csr_access(n::SATP, CsrOp::Write, 0, false, true, 0)
            .expect("satp");
        assert_eq!(h.translate(0x1000, Access::Load), Ok(0x1000));
    }

    /// `sfence.vma` of one address drops only that page's entries (every
    /// kind), unless a superpage cached since the last flush may cover it:
    /// then the pieces of the superpage cached under other pages go too
    /// (the whole 2 MiB region's entries).
    #[test]
    fn mmu_sfence_of_one_page_keeps_others_but_not_superpage_pieces() {
        let (mut h, mut pt) = s_hart(satp::SV39);
        let a = pt.map(&h, 0x1000, DATA, 0, V | R | W | X | A | D);
        pt.map(&h, 0x2000, DATA + 0x2000, 0, V | R | A);
        for access in [Access::Fetch, Access::Load, Access::Store] {
            assert_eq!(h.translate(0x1000, access), Ok(DATA));
        }
        assert_eq!(h.translate(0x2000, Access::Load), Ok(DATA + 0x2000));
        pt.write(&h, a, ((DATA + 0x1000) >> 12) << 10 | V | R | W | X | A | D);
        let (flushes, _, _) = h.tlb_page_flushes();
        h.sfence_vma(Some(0x1234), None).expect("sfence");
        assert_eq!(h.tlb_page_flushes(), (flushes + 1, 0x1000, 1));
        for access in [Access::Fetch, Access::Load, Access::Store] {
            assert_eq!(h.tlb_lookup(0x1000, access), None, "{access:?} kept");
            assert_eq!(h.translate(0x1000, access), Ok(DATA + 0x1000));
        }
        // The other page's entry stayed.
        assert_eq!(h.tlb_lookup(0x2000, Access::Load), Some(DATA + 0x2000));

        // A 2 MiB superpage at 0x4020_0000: its pieces at +0x3000 and at
        // its last page are cached; remapping the superpage and fencing
        // another address inside it must drop them too, and only the
        // entries of its region.
        let big = pt.map(&h, 0x4020_0000, DATA + 0x20_0000, 1, V | R | A);
        assert_eq!(h.translate(0x4020_3000, Access::Load), Ok(DATA + 0x20_3000));
        assert_eq!(h.translate(0x403f_f000, Access::Load), Ok(DATA + 0x3f_f000));
        pt.write(&h, big, ((DATA + 0x40_0000) >> 12) << 10 | V | R | A);
        h.sfence_vma(Some(0x4020_0000), None).expect("sfence");
        assert_eq!(h.tlb_page_flushes(), (flushes + 2, 0x4020_0000, 512));
        assert_eq!(h.tlb_lookup(0x2000, Access::Load), Some(DATA + 0x2000));
        assert_eq!(h.translate(0x4020_3000, Access::Load), Ok(DATA + 0x40_3000));
        assert_eq!(h.translate(0x403f_f000, Access::Load), Ok(DATA + 0x5f_f000));
    }

    #[test]
    fn mmu_sfence_privilege_and_tvm() {
        let mut h = hart();
        h.prv = PrivilegeMode::User;
        assert!(h.sfence_vma(None, None).is_err());
        h.prv = PrivilegeMode::Supervisor;
        assert!(h.sfence_vma(None, None).is_ok());
        h.csr.mstatus |= mstatus::TVM;
        assert_eq!(
            h.sfence_vma(None, None),
            Err(Trap::new(Exception::IllegalInst, 0))
        );
    }

    /// `Mmu::reset` works in place and must leave what `Mmu::new` makes:
    /// after paging, flushes and a filled slot, no entry, no slot, and
    /// every counter and context as new.
    #[test]
    fn an_mmu_reset_in_place_is_a_new_one() {
        let mut h = hart();
        assert!(h.translate(DATA, Access::Load).is_ok());
        for _ in 0..3 {
            h.flush_tlb();
        }
        assert!(h.translate(DATA, Access::Store).is_ok());
        let m = &mut h.mmu;
        (m.site[5].tag, m.site_filled[0]) = (DATA & !PAGE_MASK, 1 << 5);
        (m.huge_pages, m.page_flushes, m.last_page_flushed) = (true, 9, DATA);
        (m.last_flush_pages, m.pte_pages[0], m.seen_flagged) = (512, (DATA, 1), 4);
        m.superpages[3] = 1;
        let config = h.config.clone();
        h.mmu.reset(&config);
        let (m, new) = (&h.mmu, Mmu::new(&config));
        let state = |m: &Mmu| {
            (
                (m.gen, m.ctx, m.site_ctx, m.site_cache()),
                (m.huge_pages, m.page_flushes, m.last_page_flushed),
                (m.last_flush_pages, m.pte_pages, m.seen_flagged),
                format!("{:?}", m.pmp),
            )
        };
        assert_eq!(state(m), state(&new));
        assert!(m.superpages.iter().all(|&w| w == 0));
        let empty = |e: &TlbEntry| (e.tag, e.pa_page, e.ram_tag, e.host_delta) == (0, 0, 0, 0);
        assert!(m.tlb.iter().flatten().all(empty), "TLB entries left");
    }

    #[test]
    fn mmu_generation_wrap_clears_entries() {
        let mut h = hart();
        assert!(h.translate(DATA, Access::Load).is_ok());
        for _ in 0..MAX_GEN + 3 {
            h.flush_tlb();
        }
        assert_eq!(h.tlb_lookup(DATA, Access::Load), None);
        assert!(h.translate(DATA, Access::Load).is_ok());
        assert_eq!(h.tlb_lookup(DATA, Access::Load), Some(DATA));
    }

    #[test]
    fn mmu_pte_outside_memory_is_access_fault() {
        let mut h = hart();
        // Root table far outside RAM.
        h.csr_access(n::SATP, CsrOp::Write, 8u64 << 60 | 0x100, false, true, 0)
            .expect("satp");
        h.mmu.open_pmp_for_supervisor();
        h.prv = PrivilegeMode::Supervisor;
        assert_eq!(
            h.translate(0x1000, Access::Store),
            Err(Access::Store.access_fault(0x1000))
        );
    }

    #[test]
    fn mmu_pmp_denies_su_without_entries_and_checks_ptes() {
        let (mut h, mut pt) = s_hart(satp::SV39);
        pt.map(&h, 0x1000, DATA, 0, V | R | A);
        assert!(h.translate(0x1000, Access::Load).is_ok());
        // PMP: NAPOT over the data page only, read-only; everything else no match.
        let napot = |base: u64, size: u64| (base >> 2) | ((size >> 3) - 1);
        h.prv = PrivilegeMode::Machine;
        h.csr_access(
            n::PMPADDR0,
            CsrOp::Write,
            napot(DATA, 0x1000),
            false,
            true,
            0,
        )
        .expect("pmpaddr0");
        h.csr_access(n::PMPCFG0, CsrOp::Write, 0x19, false, true, 0)
            .expect("pmpcfg0");
        h.prv = PrivilegeMode::Supervisor;
        // The page-table pages no longer match any entry: access fault.
        assert_eq!(
            h.translate(0x1000, Access::Load),
            Err(Access::Load.access_fault(0x1000))
        );
        // Cover the page tables with a TOR entry: translation works again,
        // and the data page is read-only.
        h.prv = PrivilegeMode::Machine;
        h.csr_access(n::PMPADDR1, CsrOp::Write, ROOT >> 2, false, true, 0)
            .expect("pmpaddr1");
        h.csr_access(
            n::PMPADDR2,
            CsrOp::Write,
            (ROOT + 0x10_0000) >> 2,
            false,
            true,
            0,
        )
        .expect("pmpaddr2");
        h.csr_access(n::PMPCFG0, CsrOp::Write, 0x0b_00_19, false, true, 0)
            .expect("pmpcfg0");
        h.prv = PrivilegeMode::Supervisor;
        assert_eq!(h.translate(0x1000, Access::Load), Ok(DATA));
        pt.map(&h, 0x2000, DATA, 0, V | R | W | A | D);
        assert_eq!(
            h.translate(0x2000, Access::Store),
            Err(Access::Store.access_fault(0x2000))
        );
    }

    #[test]
    fn mmu_pmp_locked_entry_applies_to_m() {
        let mut h = hart();
        assert!(h.translate(DATA, Access::Store).is_ok());
        let napot = (DATA >> 2) | 0x1ff;
        h.csr_access(n::PMPADDR0, CsrOp::Write, napot, false, true, 0)
            .expect("pmpaddr0");
        h.csr_access(n::PMPCFG0, CsrOp::Write, 0x99, false, true, 0)
            .expect("pmpcfg0");
        assert_eq!(h.translate(DATA, Access::Load), Ok(DATA));
        assert_eq!(
            h.translate(DATA, Access::Store),
            Err(Access::Store.access_fault(DATA))
        );
        assert_eq!(h.translate(DATA + 0x1000, Access::Store), Ok(DATA + 0x1000));
    }

    #[test]
    fn mmu_pmp_split_page_not_cached() {
        let mut h = hart();
        h.prv = PrivilegeMode::Machine;
        h.csr_access(n::PMPADDR0, CsrOp::Write, DATA >> 2, false, true, 0)
            .expect("pmpaddr0");
        h.csr_access(n::PMPCFG0, CsrOp::Write, 0x91, false, true, 0) // NA4, R, locked
            .expect("pmpcfg0");
        assert_eq!(h.translate(DATA + 8, Access::Store), Ok(DATA + 8));
        assert_eq!(h.tlb_lookup(DATA + 8, Access::Store), None);
        assert_eq!(
            h.translate(DATA, Access::Store),
            Err(Access::Store.access_fault(DATA))
        );
    }
}
