//! Loads and stores through the TLB: the fast path (one translation, RAM,
//! no page flags) inline; MMIO, page-crossing and flagged pages out of line.
//!
//! Misaligned accesses to RAM are performed (the EEI allows it), split into
//! two translations when they cross a page so that faults stay exact;
//! misaligned accesses to MMIO raise address-misaligned.

use rvisor_memory::ram::{PAGE_CODE, PAGE_WATCH};

use crate::interp::PENDING_CODE_WRITTEN;
use crate::mmu::Access;
use crate::trap::{Exception, Trap};
use crate::Hart;

const PAGE: u64 = 0x1000;

impl Hart {
    /// Translate a data address: TLB fast path, then the full walk.
    #[inline(always)]
    pub(crate) fn data_translate(&mut self, va: u64, access: Access) -> Result<u64, Trap> {
        match self.tlb_lookup(va, access) {
            Some(pa) => Ok(pa),
            None => self.translate(va, access),
        }
    }

    /// Load `N` (1, 2, 4 or 8) bytes at `va`, zero-extended.
    #[inline(always)]
    pub(crate) fn load<const N: u64>(&mut self, va: u64) -> Result<u64, Trap> {
        if va & (PAGE - 1) <= PAGE - N {
            let pa = self.data_translate(va, Access::Load)?;
            if let Some(off) = self.ram.offset_of(pa, N) {
                let v = match N {
                    1 => self.ram.load_u8(off).map(u64::from),
                    2 => self.ram.load_u16(off).map(u64::from),
                    4 => self.ram.load_u32(off).map(u64::from),
                    _ => self.ram.load_u64(off),
                };
                if let Some(v) = v {
                    return Ok(v);
                }
            }
            return self.load_mmio(va, pa, N);
        }
        self.load_split(va, N)
    }

    #[cold]
    fn load_mmio(&mut self, va: u64, pa: u64, n: u64) -> Result<u64, Trap> {
        if !pa.is_multiple_of(n) {
            return Err(Trap::new(Exception::LoadMisaligned, va));
        }
        self.bus
            .read(pa, n as u8)
            .map_err(|_| Trap::new(Exception::LoadAccessFault, va))
    }

    /// A load crossing a page: translate both parts first (the first faulting
    /// byte's va is the tval), then read both from RAM.
    #[cold]
    fn load_split(&mut self, va: u64, n: u64) -> Result<u64, Trap> {
        let first = PAGE - (va & (PAGE - 1));
        let va2 = va.wrapping_add(first);
        let pa1 = self.data_translate(va, Access::Load)?;
        let pa2 = self.data_translate(va2, Access::Load)?;
        let (Some(off1), Some(off2)) = (
            self.ram.offset_of(pa1, first),
            self.ram.offset_of(pa2, n - first),
        ) else {
            return Err(Self::split_fault(va, Access::Load));
        };
        let mut v = 0u64;
        for i in 0..n {
            let off = if i < first {
                off1 + i
            } else {
                off2 + (i - first)
            };
            let b = self.ram.load_u8(off).unwrap_or(0);
            v |= u64::from(b) << (8 * i);
        }
        Ok(v)
    }

    /// The trap for a page-crossing access that does not stay in RAM: only
    /// RAM supports misaligned accesses, so it is address-misaligned (the
    /// spec allows that for unmapped parts too; probing the bus would have
    /// device side effects).
    fn split_fault(va: u64, acc: Access) -> Trap {
        match acc {
            Access::Store => Trap::new(Exception::StoreMisaligned, va),
            _ => Trap::new(Exception::LoadMisaligned, va),
        }
    }

    /// Store the low `N` (1, 2, 4 or 8) bytes of `v` at `va`.
    #[inline(always)]
    pub(crate) fn store<const N: u64>(&mut self, va: u64, v: u64) -> Result<(), Trap> {
        if va & (PAGE - 1) <= PAGE - N {
            let pa = self.data_translate(va, Access::Store)?;
            if let Some(off) = self.ram.offset_of(pa, N) {
                if self.ram.flags(off, N) == 0 {
                    let ok = match N {
                        1 => self.ram.store_u8(off, v as u8),
                        2 => self.ram.store_u16(off, v as u16),
                        4 => self.ram.store_u32(off, v as u32),
                        _ => self.ram.store_u64(off, v),
                    };
                    if ok {
                        return Ok(());
                    }
                }
            }
            return self.store_slow(va, pa, N, v);
        }
        self.store_split(va, N, v)
    }

    /// A store to a flagged RAM page, or to MMIO.
    #[cold]
    fn store_slow(&mut self, va: u64, pa: u64, n: u64, v: u64) -> Result<(), Trap> {
        if let Some(off) = self.ram.offset_of(pa, n) {
            self.ram_store_bytes(off, n, v);
            self.after_flagged_store(off, pa, n, v);
            return Ok(());
        }
        if !pa.is_multiple_of(n) {
            return Err(Trap::new(Exception::StoreMisaligned, va));
        }
        self.bus
            .write(pa, n as u8, v)
            .map_err(|_| Trap::new(Exception::StoreAccessFault, va))
    }

    /// Store to RAM whose range was already checked by `offset_of`.
    fn ram_store_bytes(&self, off: u64, n: u64, v: u64) {
        match n {
            1 => self.ram.store_u8(off, v as u8),
            2 => self.ram.store_u16(off, v as u16),
            4 => self.ram.store_u32(off, v as u32),
            8 => self.ram.store_u64(off, v),
            _ => (0..n).all(|i| self.ram.store_u8(off + i, (v >> (8 * i)) as u8)),
        };
    }

    /// After a store reached RAM page `off`: tell watchers (HTIF `tohost`)
    /// and invalidate decoded code made from the page.
    pub(crate) fn after_flagged_store(&mut self, off: u64, pa: u64, n: u64, v: u64) {
        let flags = self.ram.flags(off, n);
        if flags & PAGE_WATCH != 0 {
            self.bus.notify_store(pa, n as u8, v);
        }
        if flags & PAGE_CODE != 0 {
            // Every hart (this one included) drops the page's blocks when
            // it sees the epoch move.
            self.ram.code_written(off, n);
            // End the current block: its remaining ops may be stale.
            self.interp.pending |= PENDING_CODE_WRITTEN;
        }
    }

    /// A store crossing a page: translate both parts before writing
    /// anything, so a fault on the second page leaves memory untouched.
    #[cold]
    fn store_split(&mut self, va: u64, n: u64, v: u64) -> Result<(), Trap> {
        let first = PAGE - (va & (PAGE - 1));
        let va2 = va.wrapping_add(first);
        let pa1 = self.data_translate(va, Access::Store)?;
        let pa2 = self.data_translate(va2, Access::Store)?;
        let (Some(off1), Some(off2)) = (
            self.ram.offset_of(pa1, first),
            self.ram.offset_of(pa2, n - first),
        ) else {
            return Err(Self::split_fault(va, Access::Store));
        };
        let v2 = v >> (8 * first);
        self.ram_store_bytes(off1, first, v);
        self.ram_store_bytes(off2, n - first, v2);
        if self.ram.flags(off1, first) != 0 {
            self.after_flagged_store(off1, pa1, first, v);
        }
        if self.ram.flags(off2, n - first) != 0 {
            self.after_flagged_store(off2, pa2, n - first, v2);
        }
        Ok(())
    }
}
