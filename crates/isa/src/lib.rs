//! The RISC-V instruction set as data: a typed instruction (`Inst`), a decoder
//! for RV64IMAFDC + Zicsr + Zifencei + the privileged instructions (compressed
//! encodings expand to their base instruction), a disassembler and an encoder
//! that tests use to build guest programs.
//!
//! Layer: bottom. This crate knows nothing of harts, memory or devices.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bitmanip;
pub mod csr;
pub mod decode;
pub mod disasm;
pub mod encode;
pub mod inst;
#[cfg(test)]
mod testgen;

pub use bitmanip::BitOp;
pub use decode::{decode, decode_compressed, insn_len};
pub use disasm::{disasm, disasm_at};
pub use encode::{encode, Asm, AsmError, Label};
pub use inst::{Inst, RoundingMode};
