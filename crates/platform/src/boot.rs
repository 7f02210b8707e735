//! Where images go in guest RAM and what the harts see at reset: QEMU's rules
//! for the virt board (hw/riscv/boot.c, platform.md §5), so firmware and
//! kernels find things where they expect them.

use rvisor_memory::GuestRam;

use crate::image::ImageBytes;
use crate::layout::{DRAM_BASE, MROM_BASE};
use crate::loader::{is_elf, ElfImage, LinuxImageHeader, LoadError};
use crate::PlatformError;

const MIB2: u64 = 2 << 20;

fn align_up(v: u64, a: u64) -> Option<u64> {
    Some(v.checked_add(a - 1)? & !(a - 1))
}

/// A firmware or bare-metal program ready to copy into RAM.
#[derive(Debug, Clone)]
pub struct Firmware {
    /// Entry point.
    pub entry: u64,
    /// Lowest and highest (exclusive) address it occupies.
    pub span: (u64, u64),
    /// `tohost`/`fromhost` symbols (HTIF), when the ELF has them.
    pub htif: Option<(u64, Option<u64>)>,
    /// `[begin_signature, end_signature)`, when the ELF has both symbols
    /// (riscv-arch-test's result area).
    pub signature: Option<(u64, u64)>,
    elf: Option<ElfImage>,
    raw: Vec<u8>,
}

impl Firmware {
    /// An ELF (loaded at its segments' physical addresses, entered at its
    /// entry point) or a flat binary (loaded and entered at DRAM base).
    pub fn parse(bytes: Vec<u8>) -> Result<Self, LoadError> {
        if is_elf(&bytes) {
            let elf = ElfImage::parse(&bytes)?;
            let htif = elf.symbol("tohost").map(|t| (t, elf.symbol("fromhost")));
            let signature = elf
                .symbol("begin_signature")
                .zip(elf.symbol("end_signature"))
                .filter(|(b, e)| b <= e);
            return Ok(Self {
                entry: elf.entry,
                span: elf.span(),
                htif,
                signature,
                elf: Some(elf),
                raw: Vec::new(),
            });
        }
        if crate::loader::has_image_magic(&bytes) {
            return Err(LoadError::Corrupt(
                "this is a Linux kernel Image, not firmware: pass it with --kernel",
            ));
        }
        if bytes.is_empty() {
            return Err(LoadError::Corrupt("the file is empty"));
        }
        let end = DRAM_BASE + bytes.len() as u64;
        Ok(Self {
            entry: DRAM_BASE,
            span: (DRAM_BASE, end),
            htif: None,
            signature: None,
            elf: None,
            raw: bytes,
        })
    }

    /// Copy into RAM; every byte must land in RAM.
    pub fn load(&self, ram: &GuestRam) -> Result<(), PlatformError> {
        let ram_end = ram.base() + ram.size();
        let outside = |addr: u64, size: u64| LoadError::OutsideRam {
            addr,
            size,
            ram_base: ram.base(),
            ram_end,
        };
        match &self.elf {
            Some(elf) => {
                for s in &elf.segments {
                    let off = ram
                        .offset_of(s.paddr, s.mem_size)
                        .ok_or_else(|| outside(s.paddr, s.mem_size))?;
                    let zeros = vec![0u8; (s.mem_size - s.data.len() as u64) as usize];
                    if !ram.write_bytes(off, &s.data)
                        || !ram.write_bytes(off + s.data.len() as u64, &zeros)
                    {
                        return Err(outside(s.paddr, s.mem_size).into());
                    }
                }
            }
            None => {
                let len = self.raw.len() as u64;
                let off = ram
                    .offset_of(DRAM_BASE, len)
                    .ok_or_else(|| outside(DRAM_BASE, len))?;
                ram.write_bytes(off, &self.raw);
            }
        }
        Ok(())
    }
}

/// Where the kernel, initrd and device tree go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Kernel load address (= entry).
    pub kernel: Option<(u64, u64)>,
    /// initrd start and end.
    pub initrd: Option<(u64, u64)>,
    /// Device tree address.
    pub fdt: u64,
}

/// Place a kernel `Image` after the firmware (`fw_end`, or RAM base when there
/// is none), the initrd above it, and the device tree at the top of RAM.
pub fn place(
    ram_size: u64,
    fw_end: Option<u64>,
    kernel: Option<&dyn ImageBytes>,
    initrd_len: Option<u64>,
    fdt_len: u64,
) -> Result<Placement, PlatformError> {
    let ram_end = DRAM_BASE + ram_size;
    let too_big = |what: &'static str, need: u64| PlatformError::DoesNotFit {
        what,
        need,
        ram_size,
    };
    // The device tree: 2 MiB-aligned, as high as possible (boot.c, without the
    // 3 GiB cap of older revisions on RV64).
    let fdt = (ram_end
        .checked_sub(fdt_len)
        .ok_or(too_big("device tree", fdt_len))?)
        & !(MIB2 - 1);
    if fdt < DRAM_BASE {
        return Err(too_big("device tree", fdt_len));
    }
    let mut placement = Placement {
        kernel: None,
        initrd: None,
        fdt,
    };
    let mut next = fw_end.unwrap_or(DRAM_BASE);
    if let Some(k) = kernel {
        let h = LinuxImageHeader::parse_head(k.head(), k.len())?;
        // Linux wants a 2 MiB-aligned (PMD) load address on rv64.
        let start = align_up(next.max(DRAM_BASE), MIB2).ok_or(too_big("kernel", h.image_size))?;
        let end = start
            .checked_add(h.image_size)
            .ok_or(too_big("kernel", h.image_size))?;
        if end > fdt {
            return Err(too_big("kernel", end - DRAM_BASE));
        }
        placement.kernel = Some((start, end));
        next = end;
        if let Some(len) = initrd_len {
            // QEMU: kernel start + min(RAM/2, 128 MiB), but never over the kernel.
            let pref = start + (ram_size / 2).min(128 << 20);
            let istart = align_up(pref.max(next), 4096).ok_or(too_big("initrd", len))?;
            let iend = istart.checked_add(len).ok_or(too_big("initrd", len))?;
            if iend > fdt {
                return Err(too_big("initrd", iend - DRAM_BASE));
            }
            placement.initrd = Some((istart, iend));
        }
    } else if initrd_len.is_some() {
        return Err(PlatformError::InitrdWithoutKernel);
    }
    Ok(placement)
}

/// The reset ROM at 0x1000 (boot.c `riscv_setup_rom_reset_vec`): every hart
/// runs it in M-mode; it passes a0 = mhartid, a1 = device tree, a2 =
/// `fw_dynamic_info` and jumps to `start`.
pub fn reset_rom(start: u64, fdt: u64, next_addr: u64, next_mode: u64) -> Vec<u8> {
    let insns: [u32; 6] = [
        0x0000_0297, // auipc t0, 0
        0x0282_8613, // addi  a2, t0, 40
        0xf140_2573, // csrr  a0, mhartid
        0x0202_b583, // ld    a1, 32(t0)
        0x0182_b283, // ld    t0, 24(t0)
        0x0002_8067, // jr    t0
    ];
    let mut rom = Vec::with_capacity(0x60);
    for i in insns {
        rom.extend_from_slice(&i.to_le_bytes());
    }
    rom.extend_from_slice(&start.to_le_bytes()); // 0x1018
    rom.extend_from_slice(&fdt.to_le_bytes()); // 0x1020
                                               // struct fw_dynamic_info (boot_opensbi.h), at 0x1028
    for v in [0x4942_534f_u64, 2, next_addr, next_mode, 0, 0] {
        rom.extend_from_slice(&v.to_le_bytes());
    }
    rom
}

/// Address of `fw_dynamic_info` in the reset ROM.
pub const FW_DYNAMIC_INFO: u64 = MROM_BASE + 0x28;

#[cfg(test)]
mod tests {
    use super::*;

    fn image(size: u64) -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        b[0x30..0x38].copy_from_slice(b"RISCV\0\0\0");
        b[0x38..0x3c].copy_from_slice(b"RSC\x05");
        b[8..16].copy_from_slice(&0x20_0000u64.to_le_bytes());
        b[16..24].copy_from_slice(&size.to_le_bytes());
        b
    }

    #[test]
    fn place_like_qemu_virt() {
        let p = place(
            512 << 20,
            Some(0x8004_2c40),
            Some(&image(0x1e6_c000)),
            Some(3 << 20),
            0x2000,
        )
        .unwrap();
        assert_eq!(p.kernel, Some((0x8020_0000, 0x8206_c000)));
        assert_eq!(p.initrd.unwrap().0, 0x8820_0000);
        assert_eq!(p.fdt, 0x9fe0_0000);
    }

    #[test]
    fn place_initrd_too_big_is_an_error() {
        let e = place(
            64 << 20,
            Some(0x8004_0000),
            Some(&image(0x100_0000)),
            Some(60 << 20),
            0x2000,
        );
        assert!(matches!(
            e,
            Err(PlatformError::DoesNotFit { what: "initrd", .. })
        ));
    }

    #[test]
    fn place_kernel_too_big_is_an_error() {
        let e = place(16 << 20, None, Some(&image(0x200_0000)), None, 0x2000);
        assert!(matches!(
            e,
            Err(PlatformError::DoesNotFit { what: "kernel", .. })
        ));
    }

    #[test]
    fn firmware_flat_binary_loads_at_dram_base() {
        let fw = Firmware::parse(vec![0x13, 0, 0, 0]).unwrap();
        assert_eq!(fw.entry, DRAM_BASE);
        assert!(Firmware::parse(image(0x10000)).is_err());
        assert!(Firmware::parse(Vec::new()).is_err());
    }

    #[test]
    fn reset_rom_layout_matches_qemu() {
        let rom = reset_rom(0x8000_0000, 0x9fe0_0000, 0x8020_0000, 1);
        assert_eq!(&rom[0x18..0x20], &0x8000_0000u64.to_le_bytes());
        assert_eq!(&rom[0x20..0x28], &0x9fe0_0000u64.to_le_bytes());
        assert_eq!(&rom[0x28..0x30], &0x4942_534fu64.to_le_bytes());
        assert_eq!(&rom[0x38..0x40], &0x8020_0000u64.to_le_bytes());
    }
}
