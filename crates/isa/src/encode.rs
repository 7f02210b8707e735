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
        Bit { op, rd, rs1, rs2 } => op.encode(rd, rs1, rs2),
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

// ---- program builder -------------------------------------------------------

/// A position in an [`Asm`] program, created unbound by [`Asm::label`] and
/// given an address by [`Asm::bind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(usize);

/// Why [`Asm::finish`] could not produce a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsmError {
    /// The instruction at this byte offset has fields that cannot be encoded.
    UnencodableInst {
        /// Byte offset of the instruction in the program.
        offset: usize,
        /// The instruction as given.
        inst: Inst,
    },
    /// A branch, jump or `la` refers to a label that was never bound.
    UnboundLabel(Label),
    /// A label was bound twice.
    LabelBoundTwice(Label),
    /// The label is too far from the branch or jump at this byte offset.
    TargetOutOfRange {
        /// Byte offset of the branch or jump.
        offset: usize,
    },
}

impl core::fmt::Display for AsmError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::UnencodableInst { offset, inst } => {
                write!(
                    f,
                    "instruction at offset {offset} cannot be encoded: {inst:?}"
                )
            }
            Self::UnboundLabel(label) => write!(f, "label {} is never bound", label.0),
            Self::LabelBoundTwice(label) => write!(f, "label {} is bound twice", label.0),
            Self::TargetOutOfRange { offset } => {
                write!(f, "target of the jump at offset {offset} is out of range")
            }
        }
    }
}

impl std::error::Error for AsmError {}

/// What to patch once a label's address is known.
#[derive(Clone, Copy, Debug)]
enum Fixup {
    /// A branch or `jal` whose `imm` is the label's pc-relative offset.
    Jump(Inst),
    /// `auipc rd, hi` + `addi rd, rd, lo` (8 bytes) to the label.
    La(u8),
}

/// A minimal assembler for building guest programs in tests.
///
/// Instructions are appended in order; branches and jumps may name labels
/// bound later. Errors are collected and reported by [`Asm::finish`], so a
/// program is built without `?` on every line:
///
/// ```
/// use rvisor_isa::encode::Asm;
/// use rvisor_isa::Inst;
///
/// let mut asm = Asm::new();
/// let done = asm.label();
/// asm.li(10, 3); // a0 = 3
/// let top = asm.label();
/// asm.bind(top);
/// asm.emit(Inst::Addi { rd: 10, rs1: 10, imm: -1 });
/// asm.beq(10, 0, done);
/// asm.j(top);
/// asm.bind(done);
/// asm.emit(Inst::Ebreak);
/// let bytes = asm.finish().expect("valid program");
/// assert_eq!(bytes.len() % 4, 0);
/// ```
#[derive(Debug, Default)]
pub struct Asm {
    code: Vec<u8>,
    labels: Vec<Option<usize>>,
    fixups: Vec<(usize, Label, Fixup)>,
    error: Option<AsmError>,
}

impl Asm {
    /// An empty program.
    pub fn new() -> Self {
        Self::default()
    }

    /// Current byte offset (where the next instruction goes).
    pub fn here(&self) -> usize {
        self.code.len()
    }

    /// A fresh, unbound label.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Bind `label` to the current offset.
    pub fn bind(&mut self, label: Label) {
        let here = self.here();
        match self.labels.get_mut(label.0) {
            Some(slot @ None) => *slot = Some(here),
            Some(Some(_)) => self.fail(AsmError::LabelBoundTwice(label)),
            None => self.fail(AsmError::UnboundLabel(label)),
        }
    }

    /// Append one instruction in its 32-bit form.
    pub fn emit(&mut self, inst: Inst) {
        match encode(&inst) {
            Some(word) => self.word(word),
            None => {
                let offset = self.here();
                self.fail(AsmError::UnencodableInst { offset, inst });
                self.word(0);
            }
        }
    }

    /// Append a raw 32-bit word (e.g. a deliberately illegal instruction).
    pub fn word(&mut self, word: u32) {
        self.code.extend_from_slice(&word.to_le_bytes());
    }

    /// Append a raw 16-bit halfword (e.g. a compressed instruction).
    pub fn half(&mut self, half: u16) {
        self.code.extend_from_slice(&half.to_le_bytes());
    }

    /// `jal rd, label`.
    pub fn jal(&mut self, rd: u8, label: Label) {
        self.jump(Inst::Jal { rd, imm: 0 }, label);
    }

    /// `j label` (`jal zero, label`).
    pub fn j(&mut self, label: Label) {
        self.jal(0, label);
    }

    /// `beq rs1, rs2, label`.
    pub fn beq(&mut self, rs1: u8, rs2: u8, label: Label) {
        self.jump(Inst::Beq { rs1, rs2, imm: 0 }, label);
    }

    /// `bne rs1, rs2, label`.
    pub fn bne(&mut self, rs1: u8, rs2: u8, label: Label) {
        self.jump(Inst::Bne { rs1, rs2, imm: 0 }, label);
    }

    /// `blt rs1, rs2, label`.
    pub fn blt(&mut self, rs1: u8, rs2: u8, label: Label) {
        self.jump(Inst::Blt { rs1, rs2, imm: 0 }, label);
    }

    /// `bge rs1, rs2, label`.
    pub fn bge(&mut self, rs1: u8, rs2: u8, label: Label) {
        self.jump(Inst::Bge { rs1, rs2, imm: 0 }, label);
    }

    /// `bltu rs1, rs2, label`.
    pub fn bltu(&mut self, rs1: u8, rs2: u8, label: Label) {
        self.jump(Inst::Bltu { rs1, rs2, imm: 0 }, label);
    }

    /// `bgeu rs1, rs2, label`.
    pub fn bgeu(&mut self, rs1: u8, rs2: u8, label: Label) {
        self.jump(Inst::Bgeu { rs1, rs2, imm: 0 }, label);
    }

    /// `la rd, label`: `auipc` + `addi`, position independent (8 bytes).
    pub fn la(&mut self, rd: u8, label: Label) {
        self.fixups.push((self.here(), label, Fixup::La(rd)));
        self.word(0);
        self.word(0);
    }

    /// Load the 64-bit constant `value` into `rd` with a `lui`/`addi(w)`/`slli`
    /// sequence (at most 8 instructions; a single `addi` for small values).
    pub fn li(&mut self, rd: u8, value: u64) {
        for inst in li_sequence(rd, value as i64) {
            self.emit(inst);
        }
    }

    /// Resolve labels and return the program bytes (little-endian).
    pub fn finish(mut self) -> Result<Vec<u8>, AsmError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        for (offset, label, fixup) in std::mem::take(&mut self.fixups) {
            let target = self
                .labels
                .get(label.0)
                .copied()
                .flatten()
                .ok_or(AsmError::UnboundLabel(label))?;
            let out_of_range = AsmError::TargetOutOfRange { offset };
            let delta = i32::try_from(target as i64 - offset as i64).map_err(|_| out_of_range)?;
            let words = match fixup {
                Fixup::Jump(inst) => vec![encode(&with_offset(inst, delta)).ok_or(out_of_range)?],
                Fixup::La(rd) => {
                    let lo = (delta << 20) >> 20;
                    let hi = delta.wrapping_sub(lo);
                    let auipc = encode(&Inst::Auipc { rd, imm: hi });
                    let addi = encode(&Inst::Addi {
                        rd,
                        rs1: rd,
                        imm: lo,
                    });
                    vec![auipc.ok_or(out_of_range)?, addi.ok_or(out_of_range)?]
                }
            };
            for (i, word) in words.into_iter().enumerate() {
                let at = offset + 4 * i;
                if let Some(slot) = self.code.get_mut(at..at + 4) {
                    slot.copy_from_slice(&word.to_le_bytes());
                }
            }
        }
        Ok(self.code)
    }

    fn jump(&mut self, inst: Inst, label: Label) {
        self.fixups.push((self.here(), label, Fixup::Jump(inst)));
        self.word(0);
    }

    fn fail(&mut self, err: AsmError) {
        self.error.get_or_insert(err);
    }
}

/// `inst` (a branch or `jal`) with its offset replaced by `imm`.
fn with_offset(inst: Inst, imm: i32) -> Inst {
    match inst {
        Inst::Jal { rd, .. } => Inst::Jal { rd, imm },
        Inst::Beq { rs1, rs2, .. } => Inst::Beq { rs1, rs2, imm },
        Inst::Bne { rs1, rs2, .. } => Inst::Bne { rs1, rs2, imm },
        Inst::Blt { rs1, rs2, .. } => Inst::Blt { rs1, rs2, imm },
        Inst::Bge { rs1, rs2, .. } => Inst::Bge { rs1, rs2, imm },
        Inst::Bltu { rs1, rs2, .. } => Inst::Bltu { rs1, rs2, imm },
        Inst::Bgeu { rs1, rs2, .. } => Inst::Bgeu { rs1, rs2, imm },
        other => other,
    }
}

/// Sign-extend the low `bits` bits of `value`.
fn sext64(value: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((value << shift) as i64) >> shift
}

/// The instructions `li rd, value` expands to: the 32-bit part with
/// `lui` + `addiw`, then for wider values recursively the upper bits followed
/// by `slli` and `addi` of each lower 12-bit chunk (the scheme GNU as and LLVM use).
pub fn li_sequence(rd: u8, value: i64) -> Vec<Inst> {
    let mut out = Vec::new();
    li_into(rd, value, &mut out);
    out
}

fn li_into(rd: u8, value: i64, out: &mut Vec<Inst>) {
    let lo12 = sext64(value as u64, 12) as i32;
    if let Ok(v32) = i32::try_from(value) {
        // hi20 may come out as 0x80000 for values just below 2^31; `lui` then
        // loads a negative number and `addiw` wraps it back, as intended.
        let hi = (v32.wrapping_sub(lo12) as u32 & 0xffff_f000) as i32;
        match (hi, lo12) {
            (0, _) => out.push(Inst::Addi {
                rd,
                rs1: 0,
                imm: lo12,
            }),
            (_, 0) => out.push(Inst::Lui { rd, imm: hi }),
            _ => {
                out.push(Inst::Lui { rd, imm: hi });
                out.push(Inst::Addiw {
                    rd,
                    rs1: rd,
                    imm: lo12,
                });
            }
        }
        return;
    }
    let hi52 = sext64((value as u64).wrapping_add(0x800) >> 12, 52);
    // hi52 is non-zero here because value does not fit 32 bits.
    let shift = 12 + hi52.trailing_zeros();
    let upper = sext64((hi52 as u64) >> (shift - 12), 64 - shift);
    li_into(rd, upper, out);
    out.push(Inst::Slli {
        rd,
        rs1: rd,
        shamt: shift as u8,
    });
    if lo12 != 0 {
        out.push(Inst::Addi {
            rd,
            rs1: rd,
            imm: lo12,
        });
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

    /// Runs an `li` expansion on a one-register machine.
    fn eval_li(seq: &[Inst]) -> u64 {
        let mut x: u64 = 0;
        for inst in seq {
            x = match *inst {
                Inst::Lui { imm, .. } => i64::from(imm) as u64,
                Inst::Addi { rs1: 0, imm, .. } => i64::from(imm) as u64,
                Inst::Addi { imm, .. } => x.wrapping_add(i64::from(imm) as u64),
                Inst::Addiw { imm, .. } => i64::from((x as i32).wrapping_add(imm)) as u64,
                Inst::Slli { shamt, .. } => x << shamt,
                other => panic!("unexpected {other:?} in li expansion"),
            };
        }
        x
    }

    #[test]
    fn li_sequence_random_values_load_exactly() {
        let mut rng = Rng::new(7);
        let edges = [
            0,
            1,
            u64::MAX,
            0x7fff_ffff,
            0x8000_0000,
            0x7fff_f800,
            i64::MIN as u64,
        ];
        let random = (0..20_000).map(|i| rng.next_u64() >> (i % 64));
        for value in edges.into_iter().chain(random) {
            let seq = li_sequence(5, value as i64);
            assert!(seq.len() <= 8, "{value:#x}: {seq:?}");
            assert!(
                seq.iter().all(|i| encode(i).is_some()),
                "{value:#x}: {seq:?}"
            );
            assert_eq!(eval_li(&seq), value, "{seq:?}");
        }
    }

    #[test]
    fn li_sequence_small_value_single_addi() {
        assert_eq!(
            li_sequence(10, -5),
            vec![Inst::Addi {
                rd: 10,
                rs1: 0,
                imm: -5
            }]
        );
    }

    #[test]
    fn asm_labels_forward_and_backward_resolve() {
        let mut asm = Asm::new();
        let top = asm.label();
        let end = asm.label();
        asm.bind(top);
        asm.beq(1, 2, end); // offset 0 -> 8
        asm.j(top); // offset 4 -> 0
        asm.bind(end);
        let bytes = asm.finish();
        let expected: Vec<u8> = [
            encode(&Inst::Beq {
                rs1: 1,
                rs2: 2,
                imm: 8,
            }),
            encode(&Inst::Jal { rd: 0, imm: -4 }),
        ]
        .into_iter()
        .flat_map(|w| w.unwrap_or(0).to_le_bytes())
        .collect();
        assert_eq!(bytes, Ok(expected));
    }

    #[test]
    fn asm_la_points_at_label() {
        let mut asm = Asm::new();
        let data = asm.label();
        asm.la(10, data); // offset 0
        asm.word(0); // offset 8
        asm.bind(data); // offset 12
        let bytes = asm.finish().unwrap_or_default();
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        assert_eq!(decode(word(0)), Inst::Auipc { rd: 10, imm: 0 });
        assert_eq!(
            decode(word(4)),
            Inst::Addi {
                rd: 10,
                rs1: 10,
                imm: 12
            }
        );
    }

    #[test]
    fn asm_unbound_label_error() {
        let mut asm = Asm::new();
        let nowhere = asm.label();
        asm.j(nowhere);
        assert_eq!(asm.finish(), Err(AsmError::UnboundLabel(nowhere)));
    }

    #[test]
    fn asm_unencodable_inst_error() {
        let mut asm = Asm::new();
        let bad = Inst::Addi {
            rd: 1,
            rs1: 1,
            imm: 4096,
        };
        asm.emit(Inst::Ecall);
        asm.emit(bad);
        assert_eq!(
            asm.finish(),
            Err(AsmError::UnencodableInst {
                offset: 4,
                inst: bad
            })
        );
    }

    #[test]
    fn asm_branch_too_far_error() {
        let mut asm = Asm::new();
        let far = asm.label();
        asm.beq(0, 0, far);
        for _ in 0..1024 {
            asm.emit(Inst::Ecall);
        }
        asm.bind(far);
        assert_eq!(asm.finish(), Err(AsmError::TargetOutOfRange { offset: 0 }));
    }
}
