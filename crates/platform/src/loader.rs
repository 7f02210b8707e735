//! Guest image formats: ELF64 (firmware, test programs, bare-metal guests) and
//! the RISC-V Linux `Image` (Documentation/arch/riscv/boot-image-header.rst).
//!
//! Images are user input, not guest input, but are still parsed defensively:
//! every offset and size is checked, and a bad file is an error, never a panic.

use thiserror::Error;

/// Why an image could not be loaded.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum LoadError {
    /// The file does not start with the ELF magic (and is not another format we take).
    #[error("not an ELF file")]
    NotElf,
    /// ELF class/endianness we do not run.
    #[error("not a 64-bit little-endian ELF file")]
    NotElf64,
    /// ELF for another machine.
    #[error("ELF file is for machine type {0}, not RISC-V (243)")]
    WrongMachine(u16),
    /// A header, segment or section points outside the file.
    #[error("ELF file is truncated or corrupt ({0})")]
    Corrupt(&'static str),
    /// No loadable segment.
    #[error("ELF file has no loadable segments")]
    NoSegments,
    /// A segment lies outside guest RAM.
    #[error("segment at {addr:#x} (+{size:#x} bytes) does not fit in guest RAM {ram_base:#x}..{ram_end:#x}")]
    OutsideRam {
        /// Segment start.
        addr: u64,
        /// Segment size.
        size: u64,
        /// RAM start.
        ram_base: u64,
        /// RAM end.
        ram_end: u64,
    },
    /// Not a RISC-V Linux Image.
    #[error("not a RISC-V Linux Image (bad header magic)")]
    NotImage,
    /// The Image is shorter than its header claims.
    #[error("Linux Image is truncated (file {file} bytes, header needs {need})")]
    ImageTruncated {
        /// File size.
        file: u64,
        /// What the header needs.
        need: u64,
    },
}

/// One loadable piece of an ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Guest-physical load address.
    pub paddr: u64,
    /// Bytes from the file.
    pub data: Vec<u8>,
    /// Size in memory (≥ data.len(); the rest is zero).
    pub mem_size: u64,
}

/// A parsed ELF64 RISC-V executable.
#[derive(Debug, Clone)]
pub struct ElfImage {
    /// Entry point.
    pub entry: u64,
    /// Loadable segments.
    pub segments: Vec<Segment>,
    symbols: Vec<(String, u64)>,
}

fn rd_u16(b: &[u8], off: usize) -> Result<u16, LoadError> {
    b.get(off..off + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or(LoadError::Corrupt("header"))
}
fn rd_u32(b: &[u8], off: usize) -> Result<u32, LoadError> {
    b.get(off..off + 4)
        .map(|s| u32::from_le_bytes(s.try_into().expect("4 bytes")))
        .ok_or(LoadError::Corrupt("header"))
}
fn rd_u64(b: &[u8], off: usize) -> Result<u64, LoadError> {
    b.get(off..off + 8)
        .map(|s| u64::from_le_bytes(s.try_into().expect("8 bytes")))
        .ok_or(LoadError::Corrupt("header"))
}

fn range(
    b: &[u8],
    off: u64,
    len: u64,
    what: &'static str,
) -> Result<std::ops::Range<usize>, LoadError> {
    let end = off.checked_add(len).ok_or(LoadError::Corrupt(what))?;
    if end > b.len() as u64 {
        return Err(LoadError::Corrupt(what));
    }
    Ok(off as usize..end as usize)
}

const PT_LOAD: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const EM_RISCV: u16 = 243;

/// True if `bytes` starts with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

impl ElfImage {
    /// Parse an ELF64 little-endian RISC-V executable.
    pub fn parse(b: &[u8]) -> Result<Self, LoadError> {
        if !is_elf(b) {
            return Err(LoadError::NotElf);
        }
        if b.len() < 64 || b[4] != 2 || b[5] != 1 {
            return Err(LoadError::NotElf64);
        }
        let machine = rd_u16(b, 18)?;
        if machine != EM_RISCV {
            return Err(LoadError::WrongMachine(machine));
        }
        let entry = rd_u64(b, 24)?;
        let phoff = rd_u64(b, 32)?;
        let shoff = rd_u64(b, 40)?;
        let phentsize = u64::from(rd_u16(b, 54)?);
        let phnum = u64::from(rd_u16(b, 56)?);
        let shentsize = u64::from(rd_u16(b, 58)?);
        let shnum = u64::from(rd_u16(b, 60)?);

        let mut segments = Vec::new();
        if phnum > 0 {
            if phentsize < 56 {
                return Err(LoadError::Corrupt("program header size"));
            }
            range(b, phoff, phentsize * phnum, "program headers")?;
        }
        for i in 0..phnum {
            let ph = (phoff + i * phentsize) as usize;
            if rd_u32(b, ph)? != PT_LOAD {
                continue;
            }
            let offset = rd_u64(b, ph + 8)?;
            let paddr = rd_u64(b, ph + 24)?;
            let filesz = rd_u64(b, ph + 32)?;
            let memsz = rd_u64(b, ph + 40)?;
            if memsz == 0 {
                continue;
            }
            if filesz > memsz {
                return Err(LoadError::Corrupt("segment file size exceeds memory size"));
            }
            let r = range(b, offset, filesz, "segment data")?;
            segments.push(Segment {
                paddr,
                data: b[r].to_vec(),
                mem_size: memsz,
            });
        }
        if segments.is_empty() {
            return Err(LoadError::NoSegments);
        }

        let mut symbols = Vec::new();
        if shnum > 0
            && shentsize >= 64
            && range(b, shoff, shentsize * shnum, "section headers").is_ok()
        {
            for i in 0..shnum {
                let sh = (shoff + i * shentsize) as usize;
                if rd_u32(b, sh + 4)? != SHT_SYMTAB {
                    continue;
                }
                let off = rd_u64(b, sh + 24)?;
                let size = rd_u64(b, sh + 32)?;
                let link = u64::from(rd_u32(b, sh + 40)?);
                let entsize = rd_u64(b, sh + 56)?.max(24);
                if link >= shnum {
                    continue;
                }
                let strsh = (shoff + link * shentsize) as usize;
                let str_off = rd_u64(b, strsh + 24)?;
                let str_size = rd_u64(b, strsh + 32)?;
                let (Ok(syms), Ok(strs)) = (
                    range(b, off, size, "symbol table"),
                    range(b, str_off, str_size, "string table"),
                ) else {
                    continue;
                };
                let (syms, strs) = (&b[syms], &b[strs]);
                // Host-chosen bound: at most the table's own size.
                for s in syms.chunks_exact(entsize as usize) {
                    let name_off =
                        u32::from_le_bytes(s[0..4].try_into().expect("4 bytes")) as usize;
                    let value = u64::from_le_bytes(s[8..16].try_into().expect("8 bytes"));
                    let Some(rest) = strs.get(name_off..) else {
                        continue;
                    };
                    let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
                    if let Ok(name) = std::str::from_utf8(&rest[..end]) {
                        if !name.is_empty() {
                            symbols.push((name.to_string(), value));
                        }
                    }
                }
            }
        }
        Ok(Self {
            entry,
            segments,
            symbols,
        })
    }

    /// The value of symbol `name`, if the file has a symbol table with it.
    pub fn symbol(&self, name: &str) -> Option<u64> {
        self.symbols
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// Lowest and highest (exclusive) load address.
    pub fn span(&self) -> (u64, u64) {
        let lo = self.segments.iter().map(|s| s.paddr).min().unwrap_or(0);
        let hi = self
            .segments
            .iter()
            .map(|s| s.paddr.saturating_add(s.mem_size))
            .max()
            .unwrap_or(0);
        (lo, hi)
    }
}

/// True if `b` carries the RISC-V Linux `Image` magic (even if truncated).
pub fn has_image_magic(b: &[u8]) -> bool {
    b.get(0x30..0x38) == Some(b"RISCV\0\0\0") && b.get(0x38..0x3c) == Some(b"RSC\x05")
}

/// The header of a RISC-V Linux `Image`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinuxImageHeader {
    /// Offset from a 2 MiB-aligned RAM base where the image must be placed.
    pub text_offset: u64,
    /// Memory the image occupies including BSS.
    pub image_size: u64,
}

impl LinuxImageHeader {
    /// Parse and check the 64-byte header (magic "RISCV\0\0\0" at 0x30,
    /// magic2 "RSC\x05" at 0x38).
    pub fn parse(b: &[u8]) -> Result<Self, LoadError> {
        Self::parse_head(b, b.len() as u64)
    }

    /// [`parse`](Self::parse) from the image's first bytes (its header and
    /// PE section table) and its length.
    pub fn parse_head(b: &[u8], len: u64) -> Result<Self, LoadError> {
        if !has_image_magic(b) {
            return Err(LoadError::NotImage);
        }
        let text_offset = rd_u64(b, 8)?;
        let image_size = rd_u64(b, 16)?;
        if image_size < len && image_size != 0 {
            // image_size covers the file plus BSS; smaller means a damaged header.
            return Err(LoadError::NotImage);
        }
        let need = pe_file_size(b).unwrap_or(4096);
        if len < need {
            return Err(LoadError::ImageTruncated { file: len, need });
        }
        Ok(Self {
            text_offset,
            image_size: image_size.max(len),
        })
    }
}

/// The file size an EFI-stub `Image` claims through its PE section table
/// (end of the last section's raw data), if it has a PE header. This is how
/// a truncated kernel is told from a whole one: `image_size` includes BSS.
fn pe_file_size(b: &[u8]) -> Option<u64> {
    if !b.starts_with(b"MZ") {
        return None;
    }
    let pe = rd_u32(b, 0x3c).ok()? as usize;
    if b.get(pe..pe + 4)? != b"PE\0\0" {
        return None;
    }
    let sections = usize::from(rd_u16(b, pe + 6).ok()?);
    let opt_size = usize::from(rd_u16(b, pe + 20).ok()?);
    let table = pe + 24 + opt_size;
    let mut end = 0u64;
    for i in 0..sections.min(96) {
        let sh = table + i * 40;
        let size = u64::from(rd_u32(b, sh + 16).ok()?);
        let ptr = u64::from(rd_u32(b, sh + 20).ok()?);
        end = end.max(ptr + size);
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 RISC-V file with one PT_LOAD segment of `data` at `paddr`.
    pub(crate) fn tiny_elf(paddr: u64, data: &[u8], machine: u16) -> Vec<u8> {
        let mut b = vec![0u8; 64 + 56];
        b[0..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[6] = 1;
        b[16..18].copy_from_slice(&2u16.to_le_bytes());
        b[18..20].copy_from_slice(&machine.to_le_bytes());
        b[24..32].copy_from_slice(&paddr.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = 64;
        b[ph..ph + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
        b[ph + 8..ph + 16].copy_from_slice(&120u64.to_le_bytes());
        b[ph + 16..ph + 24].copy_from_slice(&paddr.to_le_bytes());
        b[ph + 24..ph + 32].copy_from_slice(&paddr.to_le_bytes());
        b[ph + 32..ph + 40].copy_from_slice(&(data.len() as u64).to_le_bytes());
        b[ph + 40..ph + 48].copy_from_slice(&(data.len() as u64 + 16).to_le_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn elf_minimal_parses() {
        let e = ElfImage::parse(&tiny_elf(0x8000_0000, &[1, 2, 3, 4], EM_RISCV)).unwrap();
        assert_eq!(e.entry, 0x8000_0000);
        assert_eq!(e.segments[0].data, vec![1, 2, 3, 4]);
        assert_eq!(e.span(), (0x8000_0000, 0x8000_0014));
        assert_eq!(e.symbol("tohost"), None);
    }

    #[test]
    fn elf_other_machine_is_refused() {
        assert_eq!(
            ElfImage::parse(&tiny_elf(0x8000_0000, &[0; 4], 62)).unwrap_err(),
            LoadError::WrongMachine(62)
        );
    }

    #[test]
    fn elf_garbage_and_truncation_are_errors() {
        assert_eq!(ElfImage::parse(b"hello").unwrap_err(), LoadError::NotElf);
        let full = tiny_elf(0x8000_0000, &[0; 64], EM_RISCV);
        for cut in [4, 20, 63, 64, 100, 130] {
            assert!(ElfImage::parse(&full[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn elf_random_bytes_never_panic() {
        let base = tiny_elf(0x8000_0000, &[0; 32], EM_RISCV);
        let mut x = 0x1234_5678_9abc_def0u64;
        for _ in 0..5000 {
            let mut b = base.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x as usize) % b.len();
                b[i] = (x >> 32) as u8;
            }
            let _ = ElfImage::parse(&b);
        }
    }

    #[test]
    fn image_header_checks_magic() {
        let mut b = vec![0u8; 4096];
        assert_eq!(
            LinuxImageHeader::parse(&b).unwrap_err(),
            LoadError::NotImage
        );
        b[0x30..0x38].copy_from_slice(b"RISCV\0\0\0");
        b[0x38..0x3c].copy_from_slice(b"RSC\x05");
        b[8..16].copy_from_slice(&0x20_0000u64.to_le_bytes());
        b[16..24].copy_from_slice(&0x10000u64.to_le_bytes());
        let h = LinuxImageHeader::parse(&b).unwrap();
        assert_eq!(h.text_offset, 0x20_0000);
        assert_eq!(h.image_size, 0x10000);
    }
}
