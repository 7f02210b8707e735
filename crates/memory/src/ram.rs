//! Guest RAM: one anonymous host mapping, shared by every hart thread.
//!
//! Accesses go through offset-checked accessors; no Rust reference into guest
//! RAM is ever handed out (other harts and devices write it concurrently).
//! Naturally aligned accesses are relaxed atomics (a plain `mov` on x86-64), so
//! concurrent harts see whole values; misaligned accesses are byte-order
//! correct but not single-copy atomic, as the RISC-V memory model allows.
//!
//! Each 64-byte granule has a flag byte the engines consult on stores: `CODE`
//! (decoded or translated code was made from these bytes) and `WATCH` (a
//! device wants to see stores here, e.g. HTIF `tohost`). Granules rather
//! than pages, so that data sharing a page with code (small bare-metal
//! programs put `.data` right after `.text`) is stored to at full speed.

use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering};

use crate::code_log::CodeLog;
use crate::writers::Writers;

/// Page size (the code log and the engines' invalidation work in pages).
pub const PAGE_SHIFT: u32 = 12;
/// Size of the granules that carry flags.
pub const FLAG_SHIFT: u32 = 6;
/// Flag bytes past the last granule, always 0: translated code reads the
/// flags of up to 16 granules from an access's first (see
/// [`GuestRam::page_flags_ptr`]).
const FLAG_PAD: usize = 16;

/// `n` zeroed flag bytes, without writing them: the allocation is
/// `calloc`, which maps large sizes fresh.
fn zeroed_flags(n: usize) -> Box<[AtomicU8]> {
    let raw = Box::into_raw(vec![0u8; n].into_boxed_slice()) as *mut [AtomicU8];
    // SAFETY: AtomicU8 has the size, alignment and bit validity of u8, so
    // the allocation is a valid [AtomicU8] of the same length and layout.
    unsafe { Box::from_raw(raw) }
}

/// Page flag: engines made code from this page; stores must invalidate it.
pub const PAGE_CODE: u8 = 1;
/// Page flag: a device watches stores to this page (see `Bus::notify_store`).
pub const PAGE_WATCH: u8 = 2;

/// Errors creating guest RAM.
#[derive(Debug, thiserror::Error)]
pub enum RamError {
    /// Size is zero, not a multiple of 4 KiB, or base + size overflows.
    #[error("guest RAM size {size:#x} at base {base:#x} is not a non-zero multiple of 4 KiB")]
    BadSize {
        /// Requested base.
        base: u64,
        /// Requested size.
        size: u64,
    },
    /// The host refused the mapping.
    #[error("cannot map {size} bytes of guest RAM")]
    Mmap {
        /// Requested size.
        size: u64,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Guest RAM: `size` bytes at guest-physical `base`.
pub struct GuestRam {
    base: u64,
    size: u64,
    host: NonNull<u8>,
    page_flags: Box<[AtomicU8]>,
    /// One byte per page: some hart's store TLB may hold the page on its
    /// inline path (see [`mark_fast_stores`](Self::mark_fast_stores)).
    fast_stores: Box<[AtomicU8]>,
    code_log: CodeLog,
    writers: Writers,
}

// SAFETY: the mapping is owned by this value and only accessed through atomic
// or explicitly racy-tolerant (`read_unaligned`/`write_unaligned` of plain
// integers) operations; no references into it escape.
unsafe impl Send for GuestRam {}
// SAFETY: as above; all access paths tolerate concurrent use.
unsafe impl Sync for GuestRam {}

impl std::fmt::Debug for GuestRam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GuestRam {{ base: {:#x}, size: {:#x} }}",
            self.base, self.size
        )
    }
}

macro_rules! accessors {
    ($load:ident, $store:ident, $t:ty, $atomic:ty) => {
        /// Load from RAM offset `off`; `None` if the access is out of bounds.
        #[inline(always)]
        pub fn $load(&self, off: u64) -> Option<$t> {
            const N: u64 = std::mem::size_of::<$t>() as u64;
            if off > self.size - N {
                return None;
            }
            // SAFETY: off + N <= size, so the bytes lie inside our live mapping.
            let p = unsafe { self.host.as_ptr().add(off as usize) };
            if off.is_multiple_of(N) {
                // SAFETY: p is aligned for the atomic type and points into the
                // mapping, which lives as long as self.
                Some(unsafe { <$atomic>::from_ptr(p.cast()) }.load(Ordering::Relaxed))
            } else {
                // SAFETY: p..p+N is inside the mapping; any bit pattern is a valid integer.
                Some(<$t>::from_le(unsafe {
                    std::ptr::read_unaligned(p.cast::<$t>())
                }))
            }
        }

        /// Store to RAM offset `off`; `false` if the access is out of bounds.
        #[inline(always)]
        pub fn $store(&self, off: u64, val: $t) -> bool {
            const N: u64 = std::mem::size_of::<$t>() as u64;
            if off > self.size - N {
                return false;
            }
            // SAFETY: off + N <= size, so the bytes lie inside our live mapping.
            let p = unsafe { self.host.as_ptr().add(off as usize) };
            if off.is_multiple_of(N) {
                // SAFETY: p is aligned for the atomic type and inside the mapping.
                unsafe { <$atomic>::from_ptr(p.cast()) }.store(val, Ordering::Relaxed);
            } else {
                // SAFETY: p..p+N is inside the mapping.
                unsafe { std::ptr::write_unaligned(p.cast::<$t>(), val.to_le()) };
            }
            true
        }
    };
}

impl GuestRam {
    /// Map `size` bytes of zeroed guest RAM at guest-physical `base`.
    pub fn new(base: u64, size: u64) -> Result<Self, RamError> {
        if size == 0 || !size.is_multiple_of(1 << PAGE_SHIFT) || base.checked_add(size).is_none() {
            return Err(RamError::BadSize { base, size });
        }
        let len = usize::try_from(size).map_err(|_| RamError::BadSize { base, size })?;
        // At the guest-physical address if that range of the host's address
        // space is free (a hint: the kernel never moves another mapping for
        // it, and places RAM elsewhere if it is taken): translated M-mode
        // code then reaches RAM at its guest address plus a displacement,
        // with no base to load (`rvisor_jit`'s `ram_address`).
        let hint = usize::try_from(base).unwrap_or(0) as *mut libc::c_void;
        // SAFETY: anonymous private mapping; without MAP_FIXED the hint
        // cannot replace an existing mapping; the result is checked for
        // MAP_FAILED before use.
        let p = unsafe {
            libc::mmap(
                hint,
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(RamError::Mmap {
                size,
                source: std::io::Error::last_os_error(),
            });
        }
        let host = NonNull::new(p.cast::<u8>()).ok_or(RamError::BadSize { base, size })?;
        let page_flags = zeroed_flags((size >> FLAG_SHIFT) as usize + FLAG_PAD);
        Ok(Self {
            base,
            size,
            host,
            page_flags,
            fast_stores: zeroed_flags((size >> 12) as usize),
            code_log: CodeLog::default(),
            writers: Writers::default(),
        })
    }

    /// Guest-physical base address.
    #[inline(always)]
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Size in bytes.
    #[inline(always)]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Offset into RAM of guest-physical `pa` if `len` bytes from there are RAM.
    #[inline(always)]
    pub fn offset_of(&self, pa: u64, len: u64) -> Option<u64> {
        let off = pa.wrapping_sub(self.base);
        if off < self.size && len <= self.size - off {
            Some(off)
        } else {
            None
        }
    }

    accessors!(load_u8, store_u8, u8, AtomicU8);
    accessors!(load_u16, store_u16, u16, AtomicU16);
    accessors!(load_u32, store_u32, u32, AtomicU32);
    accessors!(load_u64, store_u64, u64, AtomicU64);

    /// Run `f` on the naturally aligned 32-bit word at `off` as an atomic.
    /// `None` if out of bounds or misaligned.
    #[inline]
    pub fn with_atomic_u32<R>(&self, off: u64, f: impl FnOnce(&AtomicU32) -> R) -> Option<R> {
        if off > self.size - 4 || !off.is_multiple_of(4) {
            return None;
        }
        // SAFETY: in bounds and aligned; the reference does not outlive this call
        // and atomics tolerate concurrent access from other threads.
        let a = unsafe { AtomicU32::from_ptr(self.host.as_ptr().add(off as usize).cast()) };
        Some(f(a))
    }

    /// Run `f` on the naturally aligned 64-bit word at `off` as an atomic.
    /// `None` if out of bounds or misaligned.
    #[inline]
    pub fn with_atomic_u64<R>(&self, off: u64, f: impl FnOnce(&AtomicU64) -> R) -> Option<R> {
        if off > self.size - 8 || !off.is_multiple_of(8) {
            return None;
        }
        // SAFETY: in bounds and aligned; the reference does not outlive this call
        // and atomics tolerate concurrent access from other threads.
        let a = unsafe { AtomicU64::from_ptr(self.host.as_ptr().add(off as usize).cast()) };
        Some(f(a))
    }

    /// Copy `data` into RAM at offset `off`. `false` if it does not fit.
    pub fn write_bytes(&self, off: u64, data: &[u8]) -> bool {
        let Some(end) = off.checked_add(data.len() as u64) else {
            return false;
        };
        if end > self.size {
            return false;
        }
        // SAFETY: off..end is inside the mapping; `data` is a host buffer that
        // cannot overlap guest RAM (we never hand out references into it).
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.host.as_ptr().add(off as usize),
                data.len(),
            )
        };
        self.host_wrote(off, data.len() as u64);
        true
    }

    /// Bytes `off..off + len` were written other than by a hart's store
    /// (device DMA, the loader, an HTIF syscall): if any of those pages holds
    /// decoded code, drop the mark and advance the code epoch, so no engine
    /// keeps running what was there before. Harts' own stores do the same in
    /// their store paths; together they make `fence.i` unnecessary for a
    /// hart's own view of memory.
    pub fn host_wrote(&self, off: u64, len: u64) {
        if len == 0 {
            return;
        }
        // Closes this writer's store window (see `writers`): a decode that
        // flagged the bytes before these loads reads the new ones.
        fence(Ordering::SeqCst);
        let end = off.saturating_add(len);
        let mut at = off;
        while at < end {
            // One page at a time: the log names pages.
            let next = ((at >> PAGE_SHIFT) + 1) << PAGE_SHIFT;
            let n = next.min(end) - at;
            // A plain load first keeps the common case (no code) free of
            // atomic writes.
            if self.flags(at, n) & PAGE_CODE != 0 {
                self.code_written(at, n);
            }
            at = next;
        }
    }

    /// Copy RAM at offset `off` into `buf`. `false` if out of bounds.
    pub fn read_bytes(&self, off: u64, buf: &mut [u8]) -> bool {
        let Some(end) = off.checked_add(buf.len() as u64) else {
            return false;
        };
        if end > self.size {
            return false;
        }
        // SAFETY: off..end is inside the mapping; `buf` is host memory.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.host.as_ptr().add(off as usize),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        true
    }

    /// The flag bytes of the granules holding `off..off + len` (`len` >= 1;
    /// none if out of range).
    #[inline(always)]
    fn granules(&self, off: u64, len: u64) -> &[AtomicU8] {
        let first = (off >> FLAG_SHIFT) as usize;
        let last = (off.saturating_add(len.max(1) - 1) >> FLAG_SHIFT) as usize;
        let real = self.page_flags.len() - FLAG_PAD;
        self.page_flags
            .get(first..=last.min(real.saturating_sub(1)))
            .unwrap_or(&[])
    }

    /// Flags of the granules holding `off..off + len`, or-ed (0 if out of
    /// range).
    #[inline(always)]
    pub fn flags(&self, off: u64, len: u64) -> u8 {
        match self.granules(off, len) {
            [one] => one.load(Ordering::Relaxed),
            many => many.iter().fold(0, |a, f| a | f.load(Ordering::Relaxed)),
        }
    }

    /// Set `flags` on the granules holding `off..off + len`; returns
    /// whether one of them lacked some of them.
    pub fn set_flags(&self, off: u64, len: u64, flags: u8) -> bool {
        self.granules(off, len).iter().fold(false, |new, f| {
            new | (f.fetch_or(flags, Ordering::AcqRel) & flags != flags)
        })
    }

    /// A hart is about to let its stores to page `off` skip the granule
    /// flags (a store TLB entry on the inline path): returns whether it
    /// may, i.e. the page has no flag. The mark it leaves makes the next
    /// flag of the page report it ([`take_fast_stores`](Self::take_fast_stores)):
    /// the mark's store and the flags' read here, the flag's write and the
    /// mark's read there, each pair with a full fence between, so either
    /// this sees the flag or that sees the mark.
    pub fn mark_fast_stores(&self, off: u64) -> bool {
        let page = off & !0xfff;
        let Some(mark) = self.fast_stores.get((off >> 12) as usize) else {
            return false;
        };
        if self.flags(page, 0x1000) != 0 {
            return false;
        }
        if mark.load(Ordering::Relaxed) == 0 {
            mark.store(1, Ordering::Relaxed);
        }
        fence(Ordering::SeqCst);
        self.flags(page, 0x1000) == 0
    }

    /// After setting a flag in page `off`: whether a store TLB may still
    /// hold the page on its inline path (then its entries must leave it);
    /// clears the mark.
    pub fn take_fast_stores(&self, off: u64) -> bool {
        fence(Ordering::SeqCst);
        self.fast_stores
            .get((off >> 12) as usize)
            .is_some_and(|m| m.swap(0, Ordering::SeqCst) != 0)
    }

    /// Clear `flags` on the granules holding `off..off + len`; returns the
    /// flags they had, or-ed.
    pub fn clear_flags(&self, off: u64, len: u64, flags: u8) -> u8 {
        self.granules(off, len)
            .iter()
            .fold(0, |old, f| old | f.fetch_and(!flags, Ordering::AcqRel))
    }

    /// The code epoch: it moves whenever a write clears a page's
    /// `PAGE_CODE` flag ([`code_written`](Self::code_written)); an engine
    /// that sees it move asks [`code_written_since`](Self::code_written_since)
    /// which pages to check, so that code written by one hart is re-decoded
    /// by every hart.
    #[inline(always)]
    pub fn code_epoch(&self) -> u64 {
        self.code_log.epoch()
    }

    /// A write reached `off..off + len` (within one page): if code was made
    /// from those bytes, clear their flags, advance the code epoch and log
    /// the page. Returns whether they held code.
    pub fn code_written(&self, off: u64, len: u64) -> bool {
        if self.clear_flags(off, len, PAGE_CODE) & PAGE_CODE == 0 {
            return false;
        }
        self.code_log.written((self.base + off) >> PAGE_SHIFT);
        true
    }

    /// The physical page numbers written in code epochs `seen + 1 ..= now`
    /// (repeats possible), into `out`. `false` if they are no longer known:
    /// the caller must check all its code.
    pub fn code_written_since(&self, seen: u64, now: u64, out: &mut Vec<u64>) -> bool {
        self.code_log.written_since(seen, now, out)
    }

    /// The harts' store windows (see [`crate::writers`]).
    #[inline(always)]
    pub fn writers(&self) -> &Writers {
        &self.writers
    }

    /// Raw address of the flag bytes (one per 64-byte granule, `size() >>
    /// FLAG_SHIFT` of them, then 16 that stay 0), for translated code's
    /// inline store fast path, which takes the slow path when a granule it
    /// touches has any flag. Reading it is the caller's `unsafe`
    /// responsibility (atomically, within bounds).
    pub fn page_flags_ptr(&self) -> *const AtomicU8 {
        self.page_flags.as_ptr()
    }

    /// Raw host address of RAM offset 0, for translated code's inline TLB fast
    /// path and for mapping RAM into virtio backends. Dereferencing it is the
    /// caller's `unsafe` responsibility (only within `size()` bytes).
    pub fn host_base(&self) -> *mut u8 {
        self.host.as_ptr()
    }
}

impl Drop for GuestRam {
    fn drop(&mut self) {
        // SAFETY: host/size are exactly what mmap returned in `new`; no
        // references into the mapping outlive self.
        unsafe {
            libc::munmap(self.host.as_ptr().cast(), self.size as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ram_roundtrip_aligned_and_misaligned() {
        let ram = GuestRam::new(0x8000_0000, 0x2000).unwrap();
        assert!(ram.store_u64(8, 0x1122_3344_5566_7788));
        assert_eq!(ram.load_u64(8), Some(0x1122_3344_5566_7788));
        assert_eq!(ram.load_u32(9), Some(0x4455_6677));
        assert!(ram.store_u32(0xffd, 0xaabb_ccdd));
        assert_eq!(ram.load_u8(0xffd), Some(0xdd));
        assert_eq!(ram.load_u8(0x1000), Some(0xaa));
    }

    #[test]
    fn ram_out_of_bounds_is_refused() {
        let ram = GuestRam::new(0x8000_0000, 0x1000).unwrap();
        assert_eq!(ram.load_u64(0xff9), None);
        assert!(!ram.store_u16(0xfff, 1));
        assert_eq!(ram.load_u8(u64::MAX), None);
        assert_eq!(ram.offset_of(0x7fff_ffff, 1), None);
        assert_eq!(ram.offset_of(0x8000_0ff8, 8), Some(0xff8));
        assert_eq!(ram.offset_of(0x8000_0ff9, 8), None);
        assert!(!ram.write_bytes(0xfff, &[1, 2]));
    }

    #[test]
    fn host_writes_into_code_pages_move_the_code_epoch() {
        let ram = GuestRam::new(0x8000_0000, 0x4000).unwrap();
        let e0 = ram.code_epoch();
        // Not code: nothing moves.
        assert!(ram.write_bytes(0x10, &[1, 2, 3]));
        assert_eq!(ram.code_epoch(), e0);
        // A write spanning into a code page clears its mark and moves the epoch.
        ram.set_flags(0x2000, 4, PAGE_CODE);
        assert!(ram.write_bytes(0x1ffe, &[1, 2, 3, 4]));
        assert_eq!(ram.flags(0x2000, 4) & PAGE_CODE, 0);
        assert_eq!(ram.code_epoch(), e0 + 1);
        let mut pages = Vec::new();
        assert!(ram.code_written_since(e0, e0 + 1, &mut pages));
        assert_eq!(pages, [0x8000_2000 >> 12]);
        // Once unmarked, further writes are free.
        assert!(ram.write_bytes(0x2000, &[5]));
        assert_eq!(ram.code_epoch(), e0 + 1);
        // Data beside code in its page is not code.
        ram.set_flags(0x3000, 64, PAGE_CODE);
        assert!(ram.write_bytes(0x3040, &[1; 64]));
        assert_eq!(ram.code_epoch(), e0 + 1);
        assert_eq!(ram.flags(0x3000, 64), PAGE_CODE);
        assert!(ram.write_bytes(0x303f, &[1, 2]));
        assert_eq!(ram.code_epoch(), e0 + 2);
        // Flags of the last granule and past the end.
        ram.set_flags(0x3fff, 8, PAGE_WATCH);
        assert_eq!(ram.flags(0x3fc0, 64), PAGE_WATCH);
        assert_eq!(ram.flags(0x4000, 8), 0);
    }

    #[test]
    fn the_flag_of_a_page_marked_for_fast_stores_reports_the_mark_once() {
        let ram = GuestRam::new(0x8000_0000, 0x10000).expect("ram");
        assert!(!ram.take_fast_stores(0x2000), "never marked");
        assert!(ram.mark_fast_stores(0x2040), "no flag in the page");
        ram.set_flags(0x2fc0, 4, PAGE_CODE);
        assert!(ram.take_fast_stores(0x2000), "the mark is reported");
        assert!(!ram.take_fast_stores(0x2000), "once");
        assert!(!ram.mark_fast_stores(0x2000), "the page has a flag now");
        assert!(ram.mark_fast_stores(0x3000), "its neighbour has none");
        assert!(!ram.mark_fast_stores(0x10000), "outside RAM");
    }

    #[test]
    fn ram_bad_size_is_an_error() {
        assert!(GuestRam::new(0x8000_0000, 0).is_err());
        assert!(GuestRam::new(0x8000_0000, 100).is_err());
        assert!(GuestRam::new(u64::MAX - 0xfff, 0x2000).is_err());
    }
}
