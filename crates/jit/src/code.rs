//! The code cache memory: one anonymous mapping, allocated once up front
//! (so a later seccomp filter need not allow `mmap` with `PROT_EXEC`),
//! filled by a bump pointer and emptied whole when full.
//!
//! The mapping is read-write-execute. W^X would cost an `mprotect` pair per
//! translated block (and per chain patch); each hart owns its cache and
//! only its own thread writes or runs it, so there is no cross-modifying
//! code to synchronise. x86-64 keeps instruction fetch coherent with stores
//! on the same core, so no cache maintenance is needed either.

use std::ptr::NonNull;

/// The alignment of every block's start in the cache.
pub const BLOCK_ALIGN: usize = 16;

/// A bounded region of executable memory.
pub struct CodeBuffer {
    base: NonNull<u8>,
    size: usize,
    /// Bytes in use (the next block is written here).
    used: usize,
    /// Bytes kept across a flush (the entry trampoline and shared stubs).
    reserved: usize,
}

impl std::fmt::Debug for CodeBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CodeBuffer {{ size: {}, used: {} }}",
            self.size, self.used
        )
    }
}

impl CodeBuffer {
    /// Map `size` bytes (rounded up to pages).
    pub fn new(size: usize) -> std::io::Result<Self> {
        let size = size.max(1 << 16).next_multiple_of(4096);
        // SAFETY: anonymous private mapping with no address hint; the result
        // is checked for MAP_FAILED before use.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        // Translated code is spread over tens of megabytes and jumps all
        // over them: 2 MiB pages spare the instruction TLB (boot -3 %). The
        // cache fills from its start, so at most one huge page is partly
        // unused. Only advice: a host without THP ignores it.
        // SAFETY: `p..p + size` is the mapping just made, owned by us.
        unsafe {
            libc::madvise(p, size, libc::MADV_HUGEPAGE);
        }
        let base = NonNull::new(p.cast::<u8>()).ok_or(std::io::ErrorKind::OutOfMemory)?;
        Ok(Self {
            base,
            size,
            used: 0,
            reserved: 0,
        })
    }

    /// Host address the next written code will start at.
    pub fn cursor(&self) -> usize {
        self.base.as_ptr() as usize + self.used
    }

    /// Bytes still free.
    pub fn free(&self) -> usize {
        self.size - self.used
    }

    /// Bytes of translated code held (excluding the reserved prefix).
    pub fn used(&self) -> usize {
        self.used - self.reserved
    }

    /// Append `code` (assembled for address [`cursor`](Self::cursor));
    /// returns its address, or `None` if it does not fit.
    pub fn push(&mut self, code: &[u8]) -> Option<usize> {
        if code.len() > self.free() {
            return None;
        }
        let at = self.cursor();
        // SAFETY: `used + len <= size`, so the destination lies inside our
        // mapping; `code` is a host Vec that cannot overlap it. No code in
        // this range can be running: it was never handed out since the last
        // flush.
        unsafe {
            std::ptr::copy_nonoverlapping(code.as_ptr(), at as *mut u8, code.len());
        }
        // Keep blocks 16-byte aligned (and thus their 4-byte patch sites
        // naturally aligned when emitted so, and their loops as aligned as
        // the emitter made them).
        self.used = (self.used + code.len())
            .next_multiple_of(BLOCK_ALIGN)
            .min(self.size);
        Some(at)
    }

    /// Everything written so far survives flushes (the shared stubs).
    pub fn reserve_prefix(&mut self) {
        self.reserved = self.used;
    }

    /// Forget every block (the caller drops every reference to them).
    pub fn flush(&mut self) {
        self.used = self.reserved;
    }

    /// Overwrite the 4-byte little-endian value at `addr` (a `jmp rel32`
    /// displacement inside code this buffer holds).
    pub fn patch_u32(&mut self, addr: usize, v: u32) {
        let start = self.base.as_ptr() as usize;
        if addr < start || addr + 4 > start + self.used {
            return;
        }
        // SAFETY: checked to lie inside the written part of our mapping; the
        // translated code is not running (only the owning thread runs it and
        // it is in the dispatcher now). Unaligned write: dynasm places rel32
        // fields anywhere.
        unsafe { std::ptr::write_unaligned(addr as *mut u32, v) };
    }
}

impl Drop for CodeBuffer {
    fn drop(&mut self) {
        // SAFETY: base/size are exactly what mmap returned; the code is not
        // running (the owner is being dropped).
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.size);
        }
    }
}
