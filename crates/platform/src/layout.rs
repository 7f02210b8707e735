//! The physical memory map of rvisor's machines: QEMU's `virt` board
//! (hw/riscv/virt.c `virt_memmap[]`, platform.md §1), so software built for
//! that board runs unmodified.

/// Reset ROM (QEMU `VIRT_MROM`), reset pc `DEFAULT_RSTVEC`.
pub const MROM_BASE: u64 = 0x1000;
/// Size of the reset ROM.
pub const MROM_SIZE: u64 = 0xf000;
/// SiFive test device ("syscon") for power-off and reset.
pub const TEST_BASE: u64 = 0x10_0000;
/// Size of the test device window.
pub const TEST_SIZE: u64 = 0x1000;
/// Goldfish RTC.
pub const RTC_BASE: u64 = 0x10_1000;
/// Size of the RTC window.
pub const RTC_SIZE: u64 = 0x1000;
/// CLINT (ACLINT MSWI + MTIMER, SiFive layout).
pub const CLINT_BASE: u64 = 0x200_0000;
/// Size of the CLINT window.
pub const CLINT_SIZE: u64 = 0x1_0000;
/// PLIC.
pub const PLIC_BASE: u64 = 0xc00_0000;
/// Size of the PLIC window (`0x200000 + 2 * 512 * 0x1000`).
pub const PLIC_SIZE: u64 = 0x60_0000;
/// NS16550A UART0.
pub const UART0_BASE: u64 = 0x1000_0000;
/// Size of the UART window.
pub const UART0_SIZE: u64 = 0x100;
/// First virtio-mmio slot; slot n is at `VIRTIO_BASE + n * VIRTIO_STRIDE`.
pub const VIRTIO_BASE: u64 = 0x1000_1000;
/// Distance between virtio-mmio slots.
pub const VIRTIO_STRIDE: u64 = 0x1000;
/// Number of virtio-mmio slots.
pub const VIRTIO_SLOTS: u64 = 8;
/// DRAM base.
pub const DRAM_BASE: u64 = 0x8000_0000;

/// PLIC source of UART0.
pub const UART0_IRQ: u32 = 10;
/// PLIC source of the RTC.
pub const RTC_IRQ: u32 = 11;
/// PLIC source of virtio-mmio slot 0 (slot n has `VIRTIO_IRQ + n`).
pub const VIRTIO_IRQ: u32 = 1;
/// Number of PLIC sources (including the unused source 0).
pub const PLIC_SOURCES: u32 = 96;

/// UART input clock the device tree announces (QEMU's value).
pub const UART_CLOCK_HZ: u32 = 3_686_400;
