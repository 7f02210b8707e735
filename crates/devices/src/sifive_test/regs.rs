//! sifive_test "finisher" register (platform.md §11; QEMU
//! `include/hw/misc/sifive_test.h`, `hw/misc/sifive_test.c`).

/// The one register: low 16 bits command, high 16 bits code.
pub const FINISHER: u64 = 0x0;
/// Size of the window on the virt board.
pub const WINDOW_SIZE: u64 = 0x1000;
/// Power off, exit status 0 (also the DT `syscon-poweroff` value).
pub const FINISHER_PASS: u32 = 0x5555;
/// Power off with the code in bits 31:16.
pub const FINISHER_FAIL: u32 = 0x3333;
/// System reset (also the DT `syscon-reboot` value).
pub const FINISHER_RESET: u32 = 0x7777;
