//! SiFive CLINT register map as QEMU's virt board lays out ACLINT MSWI +
//! MTIMER (platform.md §2.1; QEMU `include/hw/intc/riscv_aclint.h`).

/// `msip[hart]`: 32-bit, bit 0 drives the hart's machine software interrupt.
#[doc(alias = "RISCV_ACLINT_SWI")]
pub const MSIP_BASE: u64 = 0x0000;
/// Bytes of one `msip` register.
pub const MSIP_STRIDE: u64 = 4;
/// `mtimecmp[hart]`: 64-bit compare value of the hart's machine timer.
#[doc(alias = "RISCV_ACLINT_DEFAULT_MTIMECMP")]
pub const MTIMECMP_BASE: u64 = 0x4000;
/// Bytes of one `mtimecmp` register.
pub const MTIMECMP_STRIDE: u64 = 8;
/// `mtime`: 64-bit machine time, 10 MHz (`RISCV_ACLINT_DEFAULT_MTIME`).
#[doc(alias = "RISCV_ACLINT_DEFAULT_MTIME")]
pub const MTIME: u64 = 0x4000 + 0x7ff8;
/// Size of the whole window (`RISCV_ACLINT_SWI_SIZE` + `RISCV_ACLINT_DEFAULT_MTIMER_SIZE`).
pub const WINDOW_SIZE: u64 = 0x10000;
/// Most harts the layout addresses (`RISCV_ACLINT_MAX_HARTS`).
#[doc(alias = "RISCV_ACLINT_MAX_HARTS")]
pub const MAX_HARTS: usize = 4095;
/// `mtimecmp` after reset: never fires (QEMU resets it to all ones as well).
pub const MTIMECMP_RESET: u64 = u64::MAX;
