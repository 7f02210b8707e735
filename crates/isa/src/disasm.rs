//! Disassembler: `Inst` to the spec's assembly spelling.

use crate::inst::Inst;

/// Assembly text of `inst` (pc-relative targets printed as offsets).
pub fn disasm(inst: &Inst) -> String {
    format!("{inst:?}")
}
