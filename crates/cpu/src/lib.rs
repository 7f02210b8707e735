//! The RISC-V hart (RV64IMAFDC, M/S/U modes, Sv39/48/57) and its reference
//! engine, an interpreter over cached pre-decoded blocks.
//!
//! Layer: above `isa`, `fpu` and `memory` (only the `Bus`, `GuestRam` and
//! interrupt-line types); knows nothing of devices, platforms or translators.
//! Architectural events (traps, interrupts, `wfi`, hypercalls) are values
//! (`Trap`, `Exit`), never host errors.
#![forbid(unsafe_code)]

pub mod csr;
pub mod exit;
pub mod hart;
pub mod interp;
pub mod jit_ctx;
pub mod mmu;
pub mod pmp;
pub mod signals;
pub mod spin;
pub mod stats;
pub mod trap;

#[cfg(test)]
mod test_util;

pub use exit::Exit;
pub use hart::{Hart, HartConfig, PrivilegeMode};
pub use signals::{HartIrq, HartSignals};
pub use trap::{Exception, Interrupt, Trap};
