//! HTIF command encoding and the syscall-proxy numbers it understands
//! (platform.md §10; Spike `fesvr/device.h`, `fesvr/syscall.cc`).

/// Bits 63:56 of `tohost`: the device.
pub const DEVICE_SHIFT: u32 = 56;
/// Bits 55:48 of `tohost`: the command.
pub const CMD_SHIFT: u32 = 48;
/// Bits 47:0 of `tohost`: the payload.
pub const PAYLOAD_MASK: u64 = (1 << 48) - 1;

/// Device 0: syscall proxy (payload bit 0 set: exit).
pub const DEV_SYSCALL: u8 = 0;
/// Device 1: blocking character device ("bcd" console).
pub const DEV_BCD: u8 = 1;
/// bcd command 0: read a character (answered with `0x100 | ch`).
pub const BCD_READ: u8 = 0;
/// bcd command 1: write the payload's low byte.
pub const BCD_WRITE: u8 = 1;

/// Slots of a "magic memory" syscall block: number, then a0..a6.
pub const MAGIC_SLOTS: usize = 8;
/// RISC-V Linux `write`.
#[doc(alias = "SYS_write")]
pub const SYS_WRITE: u64 = 64;
/// RISC-V Linux `exit`.
#[doc(alias = "SYS_exit")]
pub const SYS_EXIT: u64 = 93;
/// `-ENOSYS`: unknown syscall.
pub const ENOSYS: i64 = -38;
/// `-EBADF`: `write` to a descriptor other than stdout/stderr.
pub const EBADF: i64 = -9;
/// `-EFAULT`: a buffer outside guest RAM.
pub const EFAULT: i64 = -14;
/// Longest `write` served in one call (a host-chosen bound; the guest sees
/// a short write).
pub const MAX_WRITE: u64 = 1 << 20;
/// Responses waiting for the guest to drain `fromhost`.
pub const MAX_QUEUED_RESPONSES: usize = 16;
