//! Boot images (kernel, initrd) as the machine builder sees them: their
//! first bytes, their length, and a way to copy them into guest RAM. The
//! VMM streams a file into RAM at each boot instead of keeping a copy of it
//! for the VM's lifetime (a Debian kernel is 31 MB); tests and built-in
//! images are plain byte slices.

use rvisor_memory::GuestRam;

/// Bytes of an image the header checks may read (a Linux `Image`'s header
/// and its PE section table are in the first few hundred).
pub const HEAD: usize = 64 << 10;

/// A boot image.
pub trait ImageBytes {
    /// The first `min(len, HEAD)` bytes.
    fn head(&self) -> &[u8];
    /// Its length in bytes.
    fn len(&self) -> u64;
    /// Whether it is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copy all of it into guest RAM at offset `off` (the caller checked
    /// that `len()` bytes fit there).
    fn copy_into(&self, ram: &GuestRam, off: u64) -> std::io::Result<()>;
}

impl ImageBytes for &[u8] {
    fn head(&self) -> &[u8] {
        &self[..<[u8]>::len(self).min(HEAD)]
    }

    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn copy_into(&self, ram: &GuestRam, off: u64) -> std::io::Result<()> {
        if ram.write_bytes(off, self) {
            Ok(())
        } else {
            Err(std::io::Error::other("image outside guest RAM"))
        }
    }
}

impl ImageBytes for Vec<u8> {
    fn head(&self) -> &[u8] {
        &self[..Vec::len(self).min(HEAD)]
    }

    fn len(&self) -> u64 {
        Vec::len(self) as u64
    }

    fn copy_into(&self, ram: &GuestRam, off: u64) -> std::io::Result<()> {
        self.as_slice().copy_into(ram, off)
    }
}
