//! Encoder: `Inst` to its 32-bit encoding, and [`Asm`], a tiny program builder
//! for writing guest programs in Rust tests.
//!
//! `encode` always produces the 32-bit form (never a compressed one). It
//! returns `None` for `Inst::Illegal` and for instructions whose fields cannot
//! be encoded: a register above 31, an immediate out of range or misaligned,
//! a shift amount too large, a CSR number above 0xfff, or a reserved rounding
//! mode. For every `Some(word)`, `decode(word)` gives back the same `Inst`.

use crate::inst::{Inst, RoundingMode};

// ---- field packing --------------------------------------------------------

fn reg(r: u8) -> Option<u32> {
    (r < 32).then_some(u32::from(r))
}

fn fits_signed(imm: i32, bits: u32) -> bool {
    let half = 1i64 << (bits - 1);
    (-half..half).contains(&i64::from(imm))
}

fn r_type(opcode: u32, f3: u32, f7: u32, rd: u8, rs1: u8, rs2: u8) -> Option<u32> {
    Some(opcode | reg(rd)? << 7 | f3 << 12 | reg(rs1)? << 15 | reg(rs2)? << 20 | f7 << 25)
}

fn i_type(opcode: u32, f3: u32, rd: u8, rs1: u8, imm: i32) -> Option<u32> {
    if !fits_signed(imm, 12) {
        return None;
    }
    Some(opcode | reg(rd)? << 7 | f3 << 12 | reg(rs1)? << 15 | ((imm as u32) & 0xfff) << 20)
}

fn s_type(opcode: u32, f3: u32, rs1: u8, rs2: u8, imm: i32) -> Option<u32> {
    if !fits_signed(imm, 12) {
        return None;
    }
    let imm = imm as u32;
    Some(
        opcode
            | (imm & 0x1f) << 7
            | f3 << 12
            | reg(rs1)? << 15
            | reg(rs2)? << 20
            | ((imm >> 5) & 0x7f) << 25,
    )
}

fn b_type(f3: u32, rs1: u8, rs2: u8, imm: i32) -> Option<u32> {
    if !fits_signed(imm, 13) || imm & 1 != 0 {
        return None;
    }
    let imm = imm as u32;
    Some(
        0x63 | ((imm >> 11) & 1) << 7
            | ((imm >> 1) & 0xf) << 8
            | f3 << 12
            | reg(rs1)? << 15
            | reg(rs2)? << 20
            | ((imm >> 5) & 0x3f) << 25
            | ((imm >> 12) & 1) << 31,
    )
}

fn u_type(opcode: u32, rd: u8, imm: i32) -> Option<u32> {
    if imm & 0xfff != 0 {
        return None;
    }
    Some(opcode | reg(rd)? << 7 | (imm as u32))
}

fn j_type(rd: u8, imm: i32) -> Option<u32> {
    if !fits_signed(imm, 21) || imm & 1 != 0 {
        return None;
    }
    let imm = imm as u32;
    Some(
        0x6f | reg(rd)? << 7
            | (imm & 0x000f_f000)
            | ((imm >> 11) & 1) << 20
            | ((imm >> 1) & 0x3ff) << 21
            | ((imm >> 20) & 1) << 31,
    )
}

fn shift(opcode: u32, f3: u32, f6: u32, rd: u8, rs1: u8, shamt: u8, max: u8) -> Option<u32> {
    if shamt > max {
        return None;
    }
    Some(opcode | reg(rd)? << 7 | f3 << 12 | reg(rs1)? << 15 | u32::from(shamt) << 20 | f6 << 26)
}

fn csr(f3: u32, rd: u8, rs1: u8, csr: u16) -> Option<u32> {
    if csr > 0xfff {
        return None;
    }
    Some(0x73 | reg(rd)? << 7 | f3 << 12 | reg(rs1)? << 15 | u32::from(csr) << 20)
}

fn amo(f3: u32, f5: u32, rd: u8, rs1: u8, rs2: u8, aqrl: u8) -> Option<u32> {
    if aqrl > 3 {
        return None;
    }
    r_type(0x2f, f3, f5 << 2 | u32::from(aqrl), rd, rs1, rs2)
}

fn rm_bits(rm: RoundingMode) -> Option<u32> {
    match rm {
        RoundingMode::Reserved5 | RoundingMode::Reserved6 => None,
        mode => Some(mode as u32),
    }
}

/// OP-FP with a rounding mode in funct3.
fn fp_rm(f7: u32, rd: u8, rs1: u8, rs2: u8, rm: RoundingMode) -> Option<u32> {
    r_type(0x53, rm_bits(rm)?, f7, rd, rs1, rs2)
}

fn fma(opcode: u32, fmt: u32, rd: u8, rs1: u8, rs2: u8, rs3: u8, rm: RoundingMode) -> Option<u32> {
    r_type(opcode, rm_bits(rm)?, reg(rs3)? << 2 | fmt, rd, rs1, rs2)
}

/// The 32-bit encoding of `inst`, or `None` if it has no valid encoding
/// (see the module documentation).
pub fn encode(inst: &Inst) -> Option<u32> {
    use Inst::*;
    match *inst {
        Illegal { .. } => None,
        Lui { rd, imm } => u_type(0x37, rd, imm),
        Auipc { rd, imm } => u_type(0x17, rd, imm),
        Jal { rd, imm } => j_type(rd, imm),
        Jalr { rd, rs1, imm } => i_type(0x67, 0, rd, rs1, imm),
        Beq { rs1, rs2, imm } => b_type(0, rs1, rs2, imm),
        Bne { rs1, rs2, imm } => b_type(1, rs1, rs2, imm),
        Blt { rs1, rs2, imm } => b_type(4, rs1, rs2, imm),
        Bge { rs1, rs2, imm } => b_type(5, rs1, rs2, imm),
        Bltu { rs1, rs2, imm } => b_type(6, rs1, rs2, imm),
        Bgeu { rs1, rs2, imm } => b_type(7, rs1, rs2, imm),
        Lb { rd, rs1, imm } => i_type(0x03, 0, rd, rs1, imm),
        Lh { rd, rs1, imm } => i_type(0x03, 1, rd, rs1, imm),
        Lw { rd, rs1, imm } => i_type(0x03, 2, rd, rs1, imm),
        Ld { rd, rs1, imm } => i_type(0x03, 3, rd, rs1, imm),
        Lbu { rd, rs1, imm } => i_type(0x03, 4, rd, rs1, imm),
        Lhu { rd, rs1, imm } => i_type(0x03, 5, rd, rs1, imm),
        Lwu { rd, rs1, imm } => i_type(0x03, 6, rd, rs1, imm),
        Sb { rs1, rs2, imm } => s_type(0x23, 0, rs1, rs2, imm),
        Sh { rs1, rs2, imm } => s_type(0x23, 1, rs1, rs2, imm),
        Sw { rs1, rs2, imm } => s_type(0x23, 2, rs1, rs2, imm),
        Sd { rs1, rs2, imm } => s_type(0x23, 3, rs1, rs2, imm),
        Addi { rd, rs1, imm } => i_type(0x13, 0, rd, rs1, imm),
        Slti { rd, rs1, imm } => i_type(0x13, 2, rd, rs1, imm),
        Sltiu { rd, rs1, imm } => i_type(0x13, 3, rd, rs1, imm),
        Xori { rd, rs1, imm } => i_type(0x13, 4, rd, rs1, imm),
        Ori { rd, rs1, imm } => i_type(0x13, 6, rd, rs1, imm),
        Andi { rd, rs1, imm } => i_type(0x13, 7, rd, rs1, imm),
        Slli { rd, rs1, shamt } => shift(0x13, 1, 0, rd, rs1, shamt, 63),
        Srli { rd, rs1, shamt } => shift(0x13, 5, 0, rd, rs1, shamt, 63),
        Srai { rd, rs1, shamt } => shift(0x13, 5, 0x10, rd, rs1, shamt, 63),
        Add { rd, rs1, rs2 } => r_type(0x33, 0, 0, rd, rs1, rs2),
        Sub { rd, rs1, rs2 } => r_type(0x33, 0, 0x20, rd, rs1, rs2),
        Sll { rd, rs1, rs2 } => r_type(0x33, 1, 0, rd, rs1, rs2),
        Slt { rd, rs1, rs2 } => r_type(0x33, 2, 0, rd, rs1, rs2),
        Sltu { rd, rs1, rs2 } => r_type(0x33, 3, 0, rd, rs1, rs2),
        Xor { rd, rs1, rs2 } => r_type(0x33, 4, 0, rd, rs1, rs2),
        Srl { rd, rs1, rs2 } => r_type(0x33, 5, 0, rd, rs1, rs2),
        Sra { rd, rs1, rs2 } => r_type(0x33, 5, 0x20, rd, rs1, rs2),
        Or { rd, rs1, rs2 } => r_type(0x33, 6, 0, rd, rs1, rs2),
        And { rd, rs1, rs2 } => r_type(0x33, 7, 0, rd, rs1, rs2),
        Addiw { rd, rs1, imm } => i_type(0x1b, 0, rd, rs1, imm),
        Slliw { rd, rs1, shamt } => shift(0x1b, 1, 0, rd, rs1, shamt, 31),
        Srliw { rd, rs1, shamt } => shift(0x1b, 5, 0, rd, rs1, shamt, 31),
        Sraiw { rd, rs1, shamt } => shift(0x1b, 5, 0x10, rd, rs1, shamt, 31),
        Addw { rd, rs1, rs2 } => r_type(0x3b, 0, 0, rd, rs1, rs2),
        Subw { rd, rs1, rs2 } => r_type(0x3b, 0, 0x20, rd, rs1, rs2),
        Sllw { rd, rs1, rs2 } => r_type(0x3b, 1, 0, rd, rs1, rs2),
        Srlw { rd, rs1, rs2 } => r_type(0x3b, 5, 0, rd, rs1, rs2),
        Sraw { rd, rs1, rs2 } => r_type(0x3b, 5, 0x20, rd, rs1, rs2),
        Fence { pred, succ, fm } => {
            if pred > 15 || succ > 15 || fm > 15 {
                return None;
            }
            Some(0x0f | u32::from(succ) << 20 | u32::from(pred) << 24 | u32::from(fm) << 28)
        }
        Ecall => Some(0x0000_0073),
        Ebreak => Some(0x0010_0073),
        FenceI => Some(0x0000_100f),
        Csrrw { rd, rs1, csr: c } => csr(1, rd, rs1, c),
        Csrrs { rd, rs1, csr: c } => csr(2, rd, rs1, c),
        Csrrc { rd, rs1, csr: c } => csr(3, rd, rs1, c),
        Csrrwi { rd, uimm, csr: c } => csr(5, rd, uimm, c),
        Csrrsi { rd, uimm, csr: c } => csr(6, rd, uimm, c),
        Csrrci { rd, uimm, csr: c } => csr(7, rd, uimm, c),
        Mret => Some(0x3020_0073),
        Sret => Some(0x1020_0073),
        Wfi => Some(0x1050_0073),
        SfenceVma { rs1, rs2 } => r_type(0x73, 0, 0x09, 0, rs1, rs2),
        Mul { rd, rs1, rs2 } => r_type(0x33, 0, 1, rd, rs1, rs2),
        Mulh { rd, rs1, rs2 } => r_type(0x33, 1, 1, rd, rs1, rs2),
        Mulhsu { rd, rs1, rs2 } => r_type(0x33, 2, 1, rd, rs1, rs2),
        Mulhu { rd, rs1, rs2 } => r_type(0x33, 3, 1, rd, rs1, rs2),
        Div { rd, rs1, rs2 } => r_type(0x33, 4, 1, rd, rs1, rs2),
        Divu { rd, rs1, rs2 } => r_type(0x33, 5, 1, rd, rs1, rs2),
        Rem { rd, rs1, rs2 } => r_type(0x33, 6, 1, rd, rs1, rs2),
        Remu { rd, rs1, rs2 } => r_type(0x33, 7, 1, rd, rs1, rs2),
        Mulw { rd, rs1, rs2 } => r_type(0x3b, 0, 1, rd, rs1, rs2),
        Divw { rd, rs1, rs2 } => r_type(0x3b, 4, 1, rd, rs1, rs2),
        Divuw { rd, rs1, rs2 } => r_type(0x3b, 5, 1, rd, rs1, rs2),
        Remw { rd, rs1, rs2 } => r_type(0x3b, 6, 1, rd, rs1, rs2),
        Remuw { rd, rs1, rs2 } => r_type(0x3b, 7, 1, rd, rs1, rs2),
        LrW { rd, rs1, aqrl } => amo(2, 0b00010, rd, rs1, 0, aqrl),
        ScW { rd, rs1, rs2, aqrl } => amo(2, 0b00011, rd, rs1, rs2, aqrl),
        AmoswapW { rd, rs1, rs2, aqrl } => amo(2, 0b00001, rd, rs1, rs2, aqrl),
        AmoaddW { rd, rs1, rs2, aqrl } => amo(2, 0b00000, rd, rs1, rs2, aqrl),
        AmoxorW { rd, rs1, rs2, aqrl } => amo(2, 0b00100, rd, rs1, rs2, aqrl),
        AmoandW { rd, rs1, rs2, aqrl } => amo(2, 0b01100, rd, rs1, rs2, aqrl),
        AmoorW { rd, rs1, rs2, aqrl } => amo(2, 0b01000, rd, rs1, rs2, aqrl),
        AmominW { rd, rs1, rs2, aqrl } => amo(2, 0b10000, rd, rs1, rs2, aqrl),
        AmomaxW { rd, rs1, rs2, aqrl } => amo(2, 0b10100, rd, rs1, rs2, aqrl),
        AmominuW { rd, rs1, rs2, aqrl } => amo(2, 0b11000, rd, rs1, rs2, aqrl),
        AmomaxuW { rd, rs1, rs2, aqrl } => amo(2, 0b11100, rd, rs1, rs2, aqrl),
        LrD { rd, rs1, aqrl } => amo(3, 0b00010, rd, rs1, 0, aqrl),
        ScD { rd, rs1, rs2, aqrl } => amo(3, 0b00011, rd, rs1, rs2, aqrl),
        AmoswapD { rd, rs1, rs2, aqrl } => amo(3, 0b00001, rd, rs1, rs2, aqrl),
        AmoaddD { rd, rs1, rs2, aqrl } => amo(3, 0b00000, rd, rs1, rs2, aqrl),
        AmoxorD { rd, rs1, rs2, aqrl } => amo(3, 0b00100, rd, rs1, rs2, aqrl),
        AmoandD { rd, rs1, rs2, aqrl } => amo(3, 0b01100, rd, rs1, rs2, aqrl),
        AmoorD { rd, rs1, rs2, aqrl } => amo(3, 0b01000, rd, rs1, rs2, aqrl),
        AmominD { rd, rs1, rs2, aqrl } => amo(3, 0b10000, rd, rs1, rs2, aqrl),
        AmomaxD { rd, rs1, rs2, aqrl } => amo(3, 0b10100, rd, rs1, rs2, aqrl),
        AmominuD { rd, rs1, rs2, aqrl } => amo(3, 0b11000, rd, rs1, rs2, aqrl),
        AmomaxuD { rd, rs1, rs2, aqrl } => amo(3, 0b11100, rd, rs1, rs2, aqrl),
        Flw { rd, rs1, imm } => i_type(0x07, 2, rd, rs1, imm),
        Fsw { rs1, rs2, imm } => s_type(0x27, 2, rs1, rs2, imm),
        Fld { rd, rs1, imm } => i_type(0x07, 3, rd, rs1, imm),
        Fsd { rs1, rs2, imm } => s_type(0x27, 3, rs1, rs2, imm),
        FmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x43, 0, rd, rs1, rs2, rs3, rm),
        FmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x47, 0, rd, rs1, rs2, rs3, rm),
        FnmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x4b, 0, rd, rs1, rs2, rs3, rm),
        FnmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x4f, 0, rd, rs1, rs2, rs3, rm),
        FmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x43, 1, rd, rs1, rs2, rs3, rm),
        FmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x47, 1, rd, rs1, rs2, rs3, rm),
        FnmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x4b, 1, rd, rs1, rs2, rs3, rm),
        FnmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => fma(0x4f, 1, rd, rs1, rs2, rs3, rm),
        FaddS { rd, rs1, rs2, rm } => fp_rm(0x00, rd, rs1, rs2, rm),
        FsubS { rd, rs1, rs2, rm } => fp_rm(0x04, rd, rs1, rs2, rm),
        FmulS { rd, rs1, rs2, rm } => fp_rm(0x08, rd, rs1, rs2, rm),
        FdivS { rd, rs1, rs2, rm } => fp_rm(0x0c, rd, rs1, rs2, rm),
        FsqrtS { rd, rs1, rm } => fp_rm(0x2c, rd, rs1, 0, rm),
        FaddD { rd, rs1, rs2, rm } => fp_rm(0x01, rd, rs1, rs2, rm),
        FsubD { rd, rs1, rs2, rm } => fp_rm(0x05, rd, rs1, rs2, rm),
        FmulD { rd, rs1, rs2, rm } => fp_rm(0x09, rd, rs1, rs2, rm),
        FdivD { rd, rs1, rs2, rm } => fp_rm(0x0d, rd, rs1, rs2, rm),
        FsqrtD { rd, rs1, rm } => fp_rm(0x2d, rd, rs1, 0, rm),
        FsgnjS { rd, rs1, rs2 } => r_type(0x53, 0, 0x10, rd, rs1, rs2),
        FsgnjnS { rd, rs1, rs2 } => r_type(0x53, 1, 0x10, rd, rs1, rs2),
        FsgnjxS { rd, rs1, rs2 } => r_type(0x53, 2, 0x10, rd, rs1, rs2),
        FminS { rd, rs1, rs2 } => r_type(0x53, 0, 0x14, rd, rs1, rs2),
        FmaxS { rd, rs1, rs2 } => r_type(0x53, 1, 0x14, rd, rs1, rs2),
        FsgnjD { rd, rs1, rs2 } => r_type(0x53, 0, 0x11, rd, rs1, rs2),
        FsgnjnD { rd, rs1, rs2 } => r_type(0x53, 1, 0x11, rd, rs1, rs2),
        FsgnjxD { rd, rs1, rs2 } => r_type(0x53, 2, 0x11, rd, rs1, rs2),
        FminD { rd, rs1, rs2 } => r_type(0x53, 0, 0x15, rd, rs1, rs2),
        FmaxD { rd, rs1, rs2 } => r_type(0x53, 1, 0x15, rd, rs1, rs2),
        FcvtSD { rd, rs1, rm } => fp_rm(0x20, rd, rs1, 1, rm),
        FcvtDS { rd, rs1, rm } => fp_rm(0x21, rd, rs1, 0, rm),
        FeqS { rd, rs1, rs2 } => r_type(0x53, 2, 0x50, rd, rs1, rs2),
        FltS { rd, rs1, rs2 } => r_type(0x53, 1, 0x50, rd, rs1, rs2),
        FleS { rd, rs1, rs2 } => r_type(0x53, 0, 0x50, rd, rs1, rs2),
        FeqD { rd, rs1, rs2 } => r_type(0x53, 2, 0x51, rd, rs1, rs2),
        FltD { rd, rs1, rs2 } => r_type(0x53, 1, 0x51, rd, rs1, rs2),
        FleD { rd, rs1, rs2 } => r_type(0x53, 0, 0x51, rd, rs1, rs2),
        FcvtWS { rd, rs1, rm } => fp_rm(0x60, rd, rs1, 0, rm),
        FcvtWuS { rd, rs1, rm } => fp_rm(0x60, rd, rs1, 1, rm),
        FcvtLS { rd, rs1, rm } => fp_rm(0x60, rd, rs1, 2, rm),
        FcvtLuS { rd, rs1, rm } => fp_rm(0x60, rd, rs1, 3, rm),
        FcvtWD { rd, rs1, rm } => fp_rm(0x61, rd, rs1, 0, rm),
        FcvtWuD { rd, rs1, rm } => fp_rm(0x61, rd, rs1, 1, rm),
        FcvtLD { rd, rs1, rm } => fp_rm(0x61, rd, rs1, 2, rm),
        FcvtLuD { rd, rs1, rm } => fp_rm(0x61, rd, rs1, 3, rm),
        FcvtSW { rd, rs1, rm } => fp_rm(0x68, rd, rs1, 0, rm),
        FcvtSWu { rd, rs1, rm } => fp_rm(0x68, rd, rs1, 1, rm),
        FcvtSL { rd, rs1, rm } => fp_rm(0x68, rd, rs1, 2, rm),
        FcvtSLu { rd, rs1, rm } => fp_rm(0x68, rd, rs1, 3, rm),
        FcvtDW { rd, rs1, rm } => fp_rm(0x69, rd, rs1, 0, rm),
        FcvtDWu { rd, rs1, rm } => fp_rm(0x69, rd, rs1, 1, rm),
        FcvtDL { rd, rs1, rm } => fp_rm(0x69, rd, rs1, 2, rm),
        FcvtDLu { rd, rs1, rm } => fp_rm(0x69, rd, rs1, 3, rm),
        FmvXW { rd, rs1 } => r_type(0x53, 0, 0x70, rd, rs1, 0),
        FclassS { rd, rs1 } => r_type(0x53, 1, 0x70, rd, rs1, 0),
        FmvXD { rd, rs1 } => r_type(0x53, 0, 0x71, rd, rs1, 0),
        FclassD { rd, rs1 } => r_type(0x53, 1, 0x71, rd, rs1, 0),
        FmvWX { rd, rs1 } => r_type(0x53, 0, 0x78, rd, rs1, 0),
        FmvDX { rd, rs1 } => r_type(0x53, 0, 0x79, rd, rs1, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::testgen::{one_of_each, Rng, VARIANTS};
    use std::collections::HashSet;
    use std::mem::discriminant;

    #[test]
    fn encode_random_fields_round_trip_through_decode() {
        let mut rng = Rng::new(0x5eed_1234);
        for _ in 0..2000 {
            for inst in one_of_each(&mut rng) {
                let word = encode(&inst);
                assert!(word.is_some(), "{inst:?} did not encode");
                let word = word.unwrap_or(0);
                assert_eq!(decode(word), inst, "word {word:#010x}");
            }
        }
    }

    #[test]
    fn encode_generator_covers_every_variant() {
        let insts = one_of_each(&mut Rng::new(1));
        let kinds: HashSet<_> = insts.iter().map(discriminant).collect();
        assert_eq!(kinds.len(), VARIANTS);
    }

    #[test]
    fn encode_known_words_match_spec() {
        let addi = Inst::Addi {
            rd: 2,
            rs1: 2,
            imm: -16,
        };
        assert_eq!(encode(&addi), Some(0xff01_0113));
        let ld = Inst::Ld {
            rd: 10,
            rs1: 2,
            imm: 8,
        };
        assert_eq!(encode(&ld), Some(0x0081_3503));
        assert_eq!(encode(&Inst::Mret), Some(0x3020_0073));
    }

    #[test]
    fn encode_out_of_range_fields_none() {
        let big_imm = Inst::Addi {
            rd: 1,
            rs1: 1,
            imm: 2048,
        };
        let odd_branch = Inst::Beq {
            rs1: 1,
            rs2: 2,
            imm: 3,
        };
        let bad_reg = Inst::Add {
            rd: 32,
            rs1: 0,
            rs2: 0,
        };
        let wide_shift = Inst::Slliw {
            rd: 1,
            rs1: 1,
            shamt: 32,
        };
        let reserved_rm = Inst::FaddS {
            rd: 1,
            rs1: 2,
            rs2: 3,
            rm: RoundingMode::Reserved5,
        };
        let lui_low_bits = Inst::Lui { rd: 1, imm: 0x123 };
        assert_eq!(encode(&big_imm), None);
        assert_eq!(encode(&odd_branch), None);
        assert_eq!(encode(&bad_reg), None);
        assert_eq!(encode(&wide_shift), None);
        assert_eq!(encode(&reserved_rm), None);
        assert_eq!(encode(&lui_low_bits), None);
        assert_eq!(encode(&Inst::Illegal { raw: 0 }), None);
    }
}
