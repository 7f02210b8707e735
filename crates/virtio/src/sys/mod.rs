//! Host-specific code (style.md §2): the only `unsafe` of this crate.

pub mod tap;

/// Deallocate `len` bytes of `file` at `offset`, keeping its size (the
/// range then reads as zeros). `Ok(false)` if the file system cannot.
#[allow(unsafe_code)]
pub fn punch_hole(file: &std::fs::File, offset: u64, len: u64) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    let (Ok(off), Ok(n)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else {
        return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
    };
    // SAFETY: fallocate only reads its integer arguments; the descriptor
    // is open for as long as `file` is borrowed.
    // JUSTIFICATION: std has no hole punching.
    let rc = unsafe {
        libc::fallocate(
            file.as_raw_fd(),
            libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
            off,
            n,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EOPNOTSUPP) | Some(libc::ENOSYS) => Ok(false),
        _ => Err(e),
    }
}
