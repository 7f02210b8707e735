//! A writer of newc ("070701") cpio archives, the initramfs format: enough
//! for the overlay `rvisor bench --user` appends to the fixture's initramfs
//! (Linux unpacks concatenated archives one after the other, each starting
//! on a 4-byte boundary; a later file replaces an earlier one).

/// An archive being written: regular files only, owned by root.
pub struct Cpio {
    out: Vec<u8>,
    ino: u32,
}

impl Cpio {
    pub fn new() -> Self {
        Self {
            out: Vec::new(),
            ino: 1,
        }
    }

    /// Add the regular file `name` (no leading `/`) with permission bits
    /// `perm` (e.g. 0o755).
    pub fn file(&mut self, name: &str, perm: u32, data: &[u8]) {
        self.entry(name, 0o100_000 | (perm & 0o7777), data);
    }

    /// The archive, with its trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, &[]);
        self.out
    }

    fn entry(&mut self, name: &str, mode: u32, data: &[u8]) {
        let ino = if mode == 0 { 0 } else { self.ino };
        self.ino += 1;
        let name_len = name.len() + 1;
        // ino mode uid gid nlink mtime filesize devmajor devminor
        // rdevmajor rdevminor namesize check
        let fields = [
            ino,
            mode,
            0,
            0,
            u32::from(mode != 0),
            0,
            data.len() as u32,
            0,
            0,
            0,
            0,
            name_len as u32,
            0,
        ];
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }
}

/// `first` (an archive, compressed or not) and then `second`, which must
/// start on a 4-byte boundary.
pub fn concat(first: &[u8], second: &[u8]) -> Vec<u8> {
    let mut out = first.to_vec();
    out.resize(first.len().next_multiple_of(4), 0);
    out.extend_from_slice(second);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields `cpio -t` and the kernel read: magic, mode, size, name
    /// size, 4-byte alignment of names and data, and the trailer.
    #[test]
    fn writes_newc_entries_and_a_trailer() {
        let mut c = Cpio::new();
        c.file("init", 0o755, b"#!/bin/sh\n");
        let a = c.finish();
        assert_eq!(&a[..6], b"070701");
        let field = |at: usize, k: usize| {
            let s = std::str::from_utf8(&a[at + 6 + 8 * k..at + 14 + 8 * k]).unwrap();
            u32::from_str_radix(s, 16).unwrap()
        };
        assert_eq!(field(0, 1), 0o100_755, "regular file, rwxr-xr-x");
        assert_eq!(field(0, 6), 10, "size");
        assert_eq!(field(0, 11), 5, "name size with its NUL");
        assert_eq!(&a[110..115], b"init\0");
        // 110 + 5 = 115, padded to 116: the data starts there.
        assert_eq!(&a[116..126], b"#!/bin/sh\n");
        let trailer = 128;
        assert_eq!(&a[trailer..trailer + 6], b"070701");
        assert_eq!(&a[trailer + 110..trailer + 121], b"TRAILER!!!\0");
        assert_eq!(a.len() % 4, 0);
    }

    #[test]
    fn the_second_archive_starts_on_a_4_byte_boundary() {
        let joined = concat(b"abcde", b"070701");
        assert_eq!(joined.len(), 14);
        assert_eq!(&joined[8..], b"070701");
        assert_eq!(concat(b"abcd", b"x"), b"abcdx");
    }
}
