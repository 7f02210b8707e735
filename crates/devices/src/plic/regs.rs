//! SiFive PLIC register map (platform.md §2.2; RISC-V PLIC spec v1.0.0
//! §3 "Memory Map"; QEMU `include/hw/riscv/virt.h` `VIRT_PLIC_*`).

/// Interrupt sources including the reserved source 0 (`VIRT_IRQCHIP_NUM_SOURCES`).
pub const NUM_SOURCES: usize = 96;
/// 32-bit words of one bit-per-source array.
pub const SOURCE_WORDS: usize = NUM_SOURCES.div_ceil(32);
/// Highest priority; QEMU's virt PLIC has 3 priority bits (`VIRT_IRQCHIP_NUM_PRIO_BITS`).
pub const MAX_PRIORITY: u32 = 7;
/// `priority[source]`, 32-bit each (PLIC spec §4).
pub const PRIORITY_BASE: u64 = 0x0000_0000;
/// Pending bits, one per source (PLIC spec §5), read-only.
pub const PENDING_BASE: u64 = 0x0000_1000;
/// Enable bits of context 0 (PLIC spec §6).
pub const ENABLE_BASE: u64 = 0x0000_2000;
/// Bytes between the enable arrays of consecutive contexts.
pub const ENABLE_STRIDE: u64 = 0x80;
/// Threshold register of context 0 (PLIC spec §7).
pub const CONTEXT_BASE: u64 = 0x0020_0000;
/// Bytes between the threshold/claim blocks of consecutive contexts.
pub const CONTEXT_STRIDE: u64 = 0x1000;
/// Offset of the claim/complete register in a context block (PLIC spec §8, §9).
pub const CLAIM_OFFSET: u64 = 0x4;
/// Most contexts the map addresses (PLIC spec: 15872).
pub const MAX_CONTEXTS: usize = 15872;

/// Size of the window for `contexts` contexts (virt: 0x600000 for 1024).
pub const fn window_size(contexts: usize) -> u64 {
    CONTEXT_BASE + contexts as u64 * CONTEXT_STRIDE
}
