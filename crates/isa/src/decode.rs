//! Decoder: raw instruction bits to [`Inst`]. Never panics; anything not in
//! RV64IMAFDC + Zicsr + Zifencei + the privileged set decodes to `Inst::Illegal`.
//!
//! The 32-bit decoder is one `match` on the major opcode followed by the
//! funct fields, because the interpreter runs it for every instruction of
//! every block it builds. Encodings follow the unprivileged spec's
//! "RV32/64G Instruction Set Listings" and the privileged spec's
//! "Privileged Instruction Listing"; compressed encodings follow the
//! "RVC Instruction Set Listings" for RV64.

use crate::bitmanip::BitOp;
use crate::inst::{Inst, RoundingMode};

/// Length in bytes (2 or 4) of the instruction whose low 16 bits are `low16`.
pub fn insn_len(low16: u16) -> usize {
    if low16 & 3 == 3 {
        4
    } else {
        2
    }
}

// ---- 32-bit field extraction ------------------------------------------
// Register fields are 5 bits wide, so narrowing to u8 is lossless.

#[inline(always)]
fn rd(raw: u32) -> u8 {
    ((raw >> 7) & 31) as u8
}
#[inline(always)]
fn rs1(raw: u32) -> u8 {
    ((raw >> 15) & 31) as u8
}
#[inline(always)]
fn rs2(raw: u32) -> u8 {
    ((raw >> 20) & 31) as u8
}
#[inline(always)]
fn rs3(raw: u32) -> u8 {
    ((raw >> 27) & 31) as u8
}
#[inline(always)]
fn funct3(raw: u32) -> u32 {
    (raw >> 12) & 7
}
#[inline(always)]
fn funct7(raw: u32) -> u32 {
    raw >> 25
}
#[inline(always)]
fn imm_i(raw: u32) -> i32 {
    (raw as i32) >> 20
}
#[inline(always)]
fn imm_s(raw: u32) -> i32 {
    (((raw as i32) >> 25) << 5) | ((raw >> 7) & 0x1f) as i32
}
#[inline(always)]
fn imm_b(raw: u32) -> i32 {
    (((raw as i32) >> 31) << 12)
        | (((raw >> 7) & 1) << 11) as i32
        | (((raw >> 25) & 0x3f) << 5) as i32
        | (((raw >> 8) & 0xf) << 1) as i32
}
#[inline(always)]
fn imm_u(raw: u32) -> i32 {
    (raw & 0xffff_f000) as i32
}
#[inline(always)]
fn imm_j(raw: u32) -> i32 {
    (((raw as i32) >> 31) << 20)
        | (raw & 0x000f_f000) as i32
        | (((raw >> 20) & 1) << 11) as i32
        | (((raw >> 21) & 0x3ff) << 1) as i32
}
/// The rounding-mode field, or `None` for the reserved values 5 and 6, which
/// make the instruction illegal whatever `frm` holds.
#[inline(always)]
fn rm(raw: u32) -> Option<RoundingMode> {
    match RoundingMode::from_bits(funct3(raw)) {
        RoundingMode::Reserved5 | RoundingMode::Reserved6 => None,
        mode => Some(mode),
    }
}

/// Decode a 32-bit (non-compressed) instruction.
pub fn decode(raw: u32) -> Inst {
    decode_major(raw).unwrap_or(Inst::Illegal { raw })
}

/// All the decoders below return `None` for "illegal", which `decode` turns
/// into `Inst::Illegal` carrying the raw bits.
#[inline(always)]
fn decode_major(raw: u32) -> Option<Inst> {
    match raw & 0x7f {
        0x03 => decode_load(raw),
        0x07 => decode_load_fp(raw),
        0x0f => decode_misc_mem(raw),
        0x13 => decode_op_imm(raw).or_else(|| decode_bit(raw)),
        0x17 => Some(Inst::Auipc {
            rd: rd(raw),
            imm: imm_u(raw),
        }),
        0x1b => decode_op_imm_32(raw).or_else(|| decode_bit(raw)),
        0x23 => decode_store(raw),
        0x27 => decode_store_fp(raw),
        0x2f => decode_amo(raw),
        0x33 => decode_op(raw).or_else(|| decode_bit(raw)),
        0x37 => Some(Inst::Lui {
            rd: rd(raw),
            imm: imm_u(raw),
        }),
        0x3b => decode_op_32(raw).or_else(|| decode_bit(raw)),
        0x43 | 0x47 | 0x4b | 0x4f => decode_fma(raw),
        0x53 => decode_op_fp(raw),
        0x63 => decode_branch(raw),
        0x67 if funct3(raw) == 0 => Some(Inst::Jalr {
            rd: rd(raw),
            rs1: rs1(raw),
            imm: imm_i(raw),
        }),
        0x6f => Some(Inst::Jal {
            rd: rd(raw),
            imm: imm_j(raw),
        }),
        0x73 => decode_system(raw),
        _ => None,
    }
}

fn decode_load(raw: u32) -> Option<Inst> {
    let (rd, rs1, imm) = (rd(raw), rs1(raw), imm_i(raw));
    Some(match funct3(raw) {
        0 => Inst::Lb { rd, rs1, imm },
        1 => Inst::Lh { rd, rs1, imm },
        2 => Inst::Lw { rd, rs1, imm },
        3 => Inst::Ld { rd, rs1, imm },
        4 => Inst::Lbu { rd, rs1, imm },
        5 => Inst::Lhu { rd, rs1, imm },
        6 => Inst::Lwu { rd, rs1, imm },
        _ => return None,
    })
}

fn decode_load_fp(raw: u32) -> Option<Inst> {
    let (rd, rs1, imm) = (rd(raw), rs1(raw), imm_i(raw));
    match funct3(raw) {
        2 => Some(Inst::Flw { rd, rs1, imm }),
        3 => Some(Inst::Fld { rd, rs1, imm }),
        _ => None,
    }
}

fn decode_store(raw: u32) -> Option<Inst> {
    let (rs1, rs2, imm) = (rs1(raw), rs2(raw), imm_s(raw));
    Some(match funct3(raw) {
        0 => Inst::Sb { rs1, rs2, imm },
        1 => Inst::Sh { rs1, rs2, imm },
        2 => Inst::Sw { rs1, rs2, imm },
        3 => Inst::Sd { rs1, rs2, imm },
        _ => return None,
    })
}

fn decode_store_fp(raw: u32) -> Option<Inst> {
    let (rs1, rs2, imm) = (rs1(raw), rs2(raw), imm_s(raw));
    match funct3(raw) {
        2 => Some(Inst::Fsw { rs1, rs2, imm }),
        3 => Some(Inst::Fsd { rs1, rs2, imm }),
        _ => None,
    }
}

fn decode_misc_mem(raw: u32) -> Option<Inst> {
    // The spec reserves rd/rs1 (and fence.i's imm) for finer-grained fences and
    // tells base implementations to ignore them, so they do not make the
    // instruction illegal. Reserved fm/pred/succ combinations likewise act as
    // a normal fence; the fields are kept as-is for the disassembler.
    match funct3(raw) {
        0 => Some(Inst::Fence {
            fm: ((raw >> 28) & 0xf) as u8,
            pred: ((raw >> 24) & 0xf) as u8,
            succ: ((raw >> 20) & 0xf) as u8,
        }),
        1 => Some(Inst::FenceI),
        _ => None,
    }
}

fn decode_op_imm(raw: u32) -> Option<Inst> {
    let (rd, rs1, imm) = (rd(raw), rs1(raw), imm_i(raw));
    // RV64 shifts take a 6-bit shamt; the remaining funct6 selects the shift.
    let shamt = ((raw >> 20) & 0x3f) as u8;
    let funct6 = raw >> 26;
    Some(match funct3(raw) {
        0 => Inst::Addi { rd, rs1, imm },
        1 if funct6 == 0 => Inst::Slli { rd, rs1, shamt },
        2 => Inst::Slti { rd, rs1, imm },
        3 => Inst::Sltiu { rd, rs1, imm },
        4 => Inst::Xori { rd, rs1, imm },
        5 if funct6 == 0 => Inst::Srli { rd, rs1, shamt },
        5 if funct6 == 0x10 => Inst::Srai { rd, rs1, shamt },
        6 => Inst::Ori { rd, rs1, imm },
        7 => Inst::Andi { rd, rs1, imm },
        _ => return None,
    })
}

fn decode_op_imm_32(raw: u32) -> Option<Inst> {
    let (rd, rs1) = (rd(raw), rs1(raw));
    // Only a 5-bit shamt: shamt[5] sits in funct7, so a set bit fails the match.
    let shamt = ((raw >> 20) & 0x1f) as u8;
    Some(match (funct3(raw), funct7(raw)) {
        (0, _) => Inst::Addiw {
            rd,
            rs1,
            imm: imm_i(raw),
        },
        (1, 0) => Inst::Slliw { rd, rs1, shamt },
        (5, 0) => Inst::Srliw { rd, rs1, shamt },
        (5, 0x20) => Inst::Sraiw { rd, rs1, shamt },
        _ => return None,
    })
}

/// Zba/Zbb/Zbc/Zbs, which share the integer opcodes (see `bitmanip`).
fn decode_bit(raw: u32) -> Option<Inst> {
    let (op, rs2) = BitOp::decode(raw)?;
    Some(Inst::Bit {
        op,
        rd: rd(raw),
        rs1: rs1(raw),
        rs2,
    })
}

fn decode_op(raw: u32) -> Option<Inst> {
    let (rd, rs1, rs2) = (rd(raw), rs1(raw), rs2(raw));
    Some(match (funct7(raw), funct3(raw)) {
        (0, 0) => Inst::Add { rd, rs1, rs2 },
        (0, 1) => Inst::Sll { rd, rs1, rs2 },
        (0, 2) => Inst::Slt { rd, rs1, rs2 },
        (0, 3) => Inst::Sltu { rd, rs1, rs2 },
        (0, 4) => Inst::Xor { rd, rs1, rs2 },
        (0, 5) => Inst::Srl { rd, rs1, rs2 },
        (0, 6) => Inst::Or { rd, rs1, rs2 },
        (0, 7) => Inst::And { rd, rs1, rs2 },
        (0x20, 0) => Inst::Sub { rd, rs1, rs2 },
        (0x20, 5) => Inst::Sra { rd, rs1, rs2 },
        (1, 0) => Inst::Mul { rd, rs1, rs2 },
        (1, 1) => Inst::Mulh { rd, rs1, rs2 },
        (1, 2) => Inst::Mulhsu { rd, rs1, rs2 },
        (1, 3) => Inst::Mulhu { rd, rs1, rs2 },
        (1, 4) => Inst::Div { rd, rs1, rs2 },
        (1, 5) => Inst::Divu { rd, rs1, rs2 },
        (1, 6) => Inst::Rem { rd, rs1, rs2 },
        (1, 7) => Inst::Remu { rd, rs1, rs2 },
        _ => return None,
    })
}

fn decode_op_32(raw: u32) -> Option<Inst> {
    let (rd, rs1, rs2) = (rd(raw), rs1(raw), rs2(raw));
    Some(match (funct7(raw), funct3(raw)) {
        (0, 0) => Inst::Addw { rd, rs1, rs2 },
        (0, 1) => Inst::Sllw { rd, rs1, rs2 },
        (0, 5) => Inst::Srlw { rd, rs1, rs2 },
        (0x20, 0) => Inst::Subw { rd, rs1, rs2 },
        (0x20, 5) => Inst::Sraw { rd, rs1, rs2 },
        (1, 0) => Inst::Mulw { rd, rs1, rs2 },
        (1, 4) => Inst::Divw { rd, rs1, rs2 },
        (1, 5) => Inst::Divuw { rd, rs1, rs2 },
        (1, 6) => Inst::Remw { rd, rs1, rs2 },
        (1, 7) => Inst::Remuw { rd, rs1, rs2 },
        _ => return None,
    })
}

fn decode_amo(raw: u32) -> Option<Inst> {
    let (rd, rs1, rs2) = (rd(raw), rs1(raw), rs2(raw));
    let aqrl = ((raw >> 25) & 3) as u8;
    let funct5 = raw >> 27;
    let inst = match (funct3(raw), funct5) {
        (2, 0b00010) if rs2 == 0 => Inst::LrW { rd, rs1, aqrl },
        (2, 0b00011) => Inst::ScW { rd, rs1, rs2, aqrl },
        (2, 0b00001) => Inst::AmoswapW { rd, rs1, rs2, aqrl },
        (2, 0b00000) => Inst::AmoaddW { rd, rs1, rs2, aqrl },
        (2, 0b00100) => Inst::AmoxorW { rd, rs1, rs2, aqrl },
        (2, 0b01100) => Inst::AmoandW { rd, rs1, rs2, aqrl },
        (2, 0b01000) => Inst::AmoorW { rd, rs1, rs2, aqrl },
        (2, 0b10000) => Inst::AmominW { rd, rs1, rs2, aqrl },
        (2, 0b10100) => Inst::AmomaxW { rd, rs1, rs2, aqrl },
        (2, 0b11000) => Inst::AmominuW { rd, rs1, rs2, aqrl },
        (2, 0b11100) => Inst::AmomaxuW { rd, rs1, rs2, aqrl },
        (3, 0b00010) if rs2 == 0 => Inst::LrD { rd, rs1, aqrl },
        (3, 0b00011) => Inst::ScD { rd, rs1, rs2, aqrl },
        (3, 0b00001) => Inst::AmoswapD { rd, rs1, rs2, aqrl },
        (3, 0b00000) => Inst::AmoaddD { rd, rs1, rs2, aqrl },
        (3, 0b00100) => Inst::AmoxorD { rd, rs1, rs2, aqrl },
        (3, 0b01100) => Inst::AmoandD { rd, rs1, rs2, aqrl },
        (3, 0b01000) => Inst::AmoorD { rd, rs1, rs2, aqrl },
        (3, 0b10000) => Inst::AmominD { rd, rs1, rs2, aqrl },
        (3, 0b10100) => Inst::AmomaxD { rd, rs1, rs2, aqrl },
        (3, 0b11000) => Inst::AmominuD { rd, rs1, rs2, aqrl },
        (3, 0b11100) => Inst::AmomaxuD { rd, rs1, rs2, aqrl },
        _ => return None,
    };
    Some(inst)
}

fn decode_fma(raw: u32) -> Option<Inst> {
    let (rd, rs1, rs2, rs3) = (rd(raw), rs1(raw), rs2(raw), rs3(raw));
    let rm = rm(raw)?;
    // fmt (bits 26:25): 0 = S, 1 = D; H and Q are not implemented.
    Some(match (raw & 0x7f, (raw >> 25) & 3) {
        (0x43, 0) => Inst::FmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        (0x47, 0) => Inst::FmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        (0x4b, 0) => Inst::FnmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        (0x4f, 0) => Inst::FnmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        (0x43, 1) => Inst::FmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        (0x47, 1) => Inst::FmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        (0x4b, 1) => Inst::FnmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        (0x4f, 1) => Inst::FnmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        },
        _ => return None,
    })
}

fn decode_op_fp(raw: u32) -> Option<Inst> {
    let (rd, rs1, rs2) = (rd(raw), rs1(raw), rs2(raw));
    let f3 = funct3(raw);
    Some(match funct7(raw) {
        0x00 => Inst::FaddS {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x01 => Inst::FaddD {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x04 => Inst::FsubS {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x05 => Inst::FsubD {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x08 => Inst::FmulS {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x09 => Inst::FmulD {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x0c => Inst::FdivS {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x0d => Inst::FdivD {
            rd,
            rs1,
            rs2,
            rm: rm(raw)?,
        },
        0x2c if rs2 == 0 => Inst::FsqrtS {
            rd,
            rs1,
            rm: rm(raw)?,
        },
        0x2d if rs2 == 0 => Inst::FsqrtD {
            rd,
            rs1,
            rm: rm(raw)?,
        },
        0x10 => match f3 {
            0 => Inst::FsgnjS { rd, rs1, rs2 },
            1 => Inst::FsgnjnS { rd, rs1, rs2 },
            2 => Inst::FsgnjxS { rd, rs1, rs2 },
            _ => return None,
        },
        0x11 => match f3 {
            0 => Inst::FsgnjD { rd, rs1, rs2 },
            1 => Inst::FsgnjnD { rd, rs1, rs2 },
            2 => Inst::FsgnjxD { rd, rs1, rs2 },
            _ => return None,
        },
        0x14 => match f3 {
            0 => Inst::FminS { rd, rs1, rs2 },
            1 => Inst::FmaxS { rd, rs1, rs2 },
            _ => return None,
        },
        0x15 => match f3 {
            0 => Inst::FminD { rd, rs1, rs2 },
            1 => Inst::FmaxD { rd, rs1, rs2 },
            _ => return None,
        },
        0x20 if rs2 == 1 => Inst::FcvtSD {
            rd,
            rs1,
            rm: rm(raw)?,
        },
        0x21 if rs2 == 0 => Inst::FcvtDS {
            rd,
            rs1,
            rm: rm(raw)?,
        },
        0x50 => match f3 {
            0 => Inst::FleS { rd, rs1, rs2 },
            1 => Inst::FltS { rd, rs1, rs2 },
            2 => Inst::FeqS { rd, rs1, rs2 },
            _ => return None,
        },
        0x51 => match f3 {
            0 => Inst::FleD { rd, rs1, rs2 },
            1 => Inst::FltD { rd, rs1, rs2 },
            2 => Inst::FeqD { rd, rs1, rs2 },
            _ => return None,
        },
        0x60 => {
            let rm = rm(raw)?;
            match rs2 {
                0 => Inst::FcvtWS { rd, rs1, rm },
                1 => Inst::FcvtWuS { rd, rs1, rm },
                2 => Inst::FcvtLS { rd, rs1, rm },
                3 => Inst::FcvtLuS { rd, rs1, rm },
                _ => return None,
            }
        }
        0x61 => {
            let rm = rm(raw)?;
            match rs2 {
                0 => Inst::FcvtWD { rd, rs1, rm },
                1 => Inst::FcvtWuD { rd, rs1, rm },
                2 => Inst::FcvtLD { rd, rs1, rm },
                3 => Inst::FcvtLuD { rd, rs1, rm },
                _ => return None,
            }
        }
        0x68 => {
            let rm = rm(raw)?;
            match rs2 {
                0 => Inst::FcvtSW { rd, rs1, rm },
                1 => Inst::FcvtSWu { rd, rs1, rm },
                2 => Inst::FcvtSL { rd, rs1, rm },
                3 => Inst::FcvtSLu { rd, rs1, rm },
                _ => return None,
            }
        }
        0x69 => {
            let rm = rm(raw)?;
            match rs2 {
                0 => Inst::FcvtDW { rd, rs1, rm },
                1 => Inst::FcvtDWu { rd, rs1, rm },
                2 => Inst::FcvtDL { rd, rs1, rm },
                3 => Inst::FcvtDLu { rd, rs1, rm },
                _ => return None,
            }
        }
        0x70 if rs2 == 0 && f3 == 0 => Inst::FmvXW { rd, rs1 },
        0x70 if rs2 == 0 && f3 == 1 => Inst::FclassS { rd, rs1 },
        0x71 if rs2 == 0 && f3 == 0 => Inst::FmvXD { rd, rs1 },
        0x71 if rs2 == 0 && f3 == 1 => Inst::FclassD { rd, rs1 },
        0x78 if rs2 == 0 && f3 == 0 => Inst::FmvWX { rd, rs1 },
        0x79 if rs2 == 0 && f3 == 0 => Inst::FmvDX { rd, rs1 },
        _ => return None,
    })
}

fn decode_branch(raw: u32) -> Option<Inst> {
    let (rs1, rs2, imm) = (rs1(raw), rs2(raw), imm_b(raw));
    Some(match funct3(raw) {
        0 => Inst::Beq { rs1, rs2, imm },
        1 => Inst::Bne { rs1, rs2, imm },
        4 => Inst::Blt { rs1, rs2, imm },
        5 => Inst::Bge { rs1, rs2, imm },
        6 => Inst::Bltu { rs1, rs2, imm },
        7 => Inst::Bgeu { rs1, rs2, imm },
        _ => return None,
    })
}

fn decode_system(raw: u32) -> Option<Inst> {
    let (rd, rs1) = (rd(raw), rs1(raw));
    // The CSR number is 12 bits, so it fits u16.
    let csr = (raw >> 20) as u16;
    Some(match funct3(raw) {
        // Privileged instructions require rd and rs1 (and rs2 where unused) to
        // be zero, so they are matched as whole words.
        0 => match raw {
            0x0000_0073 => Inst::Ecall,
            0x0010_0073 => Inst::Ebreak,
            0x1020_0073 => Inst::Sret,
            0x3020_0073 => Inst::Mret,
            0x1050_0073 => Inst::Wfi,
            _ if funct7(raw) == 0x09 && rd == 0 => Inst::SfenceVma { rs1, rs2: rs2(raw) },
            _ => return None,
        },
        1 => Inst::Csrrw { rd, rs1, csr },
        2 => Inst::Csrrs { rd, rs1, csr },
        3 => Inst::Csrrc { rd, rs1, csr },
        5 => Inst::Csrrwi { rd, uimm: rs1, csr },
        6 => Inst::Csrrsi { rd, uimm: rs1, csr },
        7 => Inst::Csrrci { rd, uimm: rs1, csr },
        _ => return None,
    })
}

// ---- compressed -----------------------------------------------------------

/// Bits `hi..=lo` of a halfword, shifted down.
#[inline(always)]
fn cbits(raw: u16, hi: u32, lo: u32) -> u32 {
    (u32::from(raw) >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// One bit of a halfword moved to position `to`.
#[inline(always)]
fn cbit(raw: u16, from: u32, to: u32) -> u32 {
    ((u32::from(raw) >> from) & 1) << to
}

/// Sign-extend the low `bits` bits of `value`.
#[inline(always)]
fn sext(value: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((value << shift) as i32) >> shift
}

/// Full register number from a 3-bit `rd'`/`rs1'`/`rs2'` field (x8..x15 / f8..f15).
#[inline(always)]
fn creg(raw: u16, lo: u32) -> u8 {
    (8 + cbits(raw, lo + 2, lo)) as u8
}

/// The 5-bit register field at bits 11:7 (rd / rs1).
#[inline(always)]
fn crd(raw: u16) -> u8 {
    cbits(raw, 11, 7) as u8
}

/// The 5-bit register field at bits 6:2 (rs2).
#[inline(always)]
fn crs2(raw: u16) -> u8 {
    cbits(raw, 6, 2) as u8
}

/// The 6-bit signed immediate `imm[5] = bit 12, imm[4:0] = bits 6:2` of CI forms.
#[inline(always)]
fn ci_imm(raw: u16) -> i32 {
    sext(cbit(raw, 12, 5) | cbits(raw, 6, 2), 6)
}

/// Offset of C.LD/C.SD/C.FLD/C.FSD: uimm[5:3] = bits 12:10, uimm[7:6] = bits 6:5.
#[inline(always)]
fn cl_d_off(raw: u16) -> i32 {
    ((cbits(raw, 12, 10) << 3) | (cbits(raw, 6, 5) << 6)) as i32
}

/// Offset of C.LW/C.SW: uimm[5:3] = bits 12:10, uimm[2] = bit 6, uimm[6] = bit 5.
#[inline(always)]
fn cl_w_off(raw: u16) -> i32 {
    ((cbits(raw, 12, 10) << 3) | cbit(raw, 6, 2) | cbit(raw, 5, 6)) as i32
}

/// Decode a 16-bit compressed instruction into the base instruction it expands to.
///
/// HINT encodings (e.g. `c.nop` with a non-zero immediate, `c.li`/`c.mv`/`c.add`
/// with `rd = x0`, shifts by zero) decode to the ordinary base instruction,
/// which has no architectural effect, as the spec requires of HINTs.
pub fn decode_compressed(raw: u16) -> Inst {
    let decoded = match raw & 3 {
        0 => decode_c0(raw),
        1 => decode_c1(raw),
        2 => decode_c2(raw),
        _ => None,
    };
    decoded.unwrap_or(Inst::Illegal {
        raw: u32::from(raw),
    })
}

fn decode_c0(raw: u16) -> Option<Inst> {
    let rd = creg(raw, 2);
    let rs1 = creg(raw, 7);
    Some(match cbits(raw, 15, 13) {
        0 => {
            // C.ADDI4SPN: nzuimm[5:4|9:6|2|3] in bits 12:5; zero is reserved
            // (and covers the all-zero halfword, which is defined illegal).
            let imm = (cbits(raw, 12, 11) << 4)
                | (cbits(raw, 10, 7) << 6)
                | cbit(raw, 6, 2)
                | cbit(raw, 5, 3);
            if imm == 0 {
                return None;
            }
            Inst::Addi {
                rd,
                rs1: 2,
                imm: imm as i32,
            }
        }
        1 => Inst::Fld {
            rd,
            rs1,
            imm: cl_d_off(raw),
        },
        2 => Inst::Lw {
            rd,
            rs1,
            imm: cl_w_off(raw),
        },
        3 => Inst::Ld {
            rd,
            rs1,
            imm: cl_d_off(raw),
        },
        5 => Inst::Fsd {
            rs1,
            rs2: rd,
            imm: cl_d_off(raw),
        },
        6 => Inst::Sw {
            rs1,
            rs2: rd,
            imm: cl_w_off(raw),
        },
        7 => Inst::Sd {
            rs1,
            rs2: rd,
            imm: cl_d_off(raw),
        },
        // 4 is reserved (Zcb lives there; not implemented).
        _ => return None,
    })
}

fn decode_c1(raw: u16) -> Option<Inst> {
    let rd = crd(raw);
    Some(match cbits(raw, 15, 13) {
        0 => Inst::Addi {
            rd,
            rs1: rd,
            imm: ci_imm(raw),
        },
        1 if rd != 0 => Inst::Addiw {
            rd,
            rs1: rd,
            imm: ci_imm(raw),
        },
        2 => Inst::Addi {
            rd,
            rs1: 0,
            imm: ci_imm(raw),
        },
        3 if rd == 2 => {
            // C.ADDI16SP: nzimm[9|4|6|8:7|5] in bits 12, 6:2.
            let imm = (cbit(raw, 12, 9)
                | cbit(raw, 6, 4)
                | cbit(raw, 5, 6)
                | (cbits(raw, 4, 3) << 7)
                | cbit(raw, 2, 5)) as i32;
            if imm == 0 {
                return None;
            }
            Inst::Addi {
                rd: 2,
                rs1: 2,
                imm: sext(imm as u32, 10),
            }
        }
        3 => {
            let imm = ci_imm(raw) << 12;
            if imm == 0 {
                return None;
            }
            Inst::Lui { rd, imm }
        }
        4 => return decode_c1_alu(raw),
        5 => Inst::Jal {
            rd: 0,
            imm: cj_off(raw),
        },
        6 => Inst::Beq {
            rs1: creg(raw, 7),
            rs2: 0,
            imm: cb_off(raw),
        },
        7 => Inst::Bne {
            rs1: creg(raw, 7),
            rs2: 0,
            imm: cb_off(raw),
        },
        _ => return None,
    })
}

/// C.J offset[11|4|9:8|10|6|7|3:1|5] in bits 12:2.
#[inline(always)]
fn cj_off(raw: u16) -> i32 {
    let off = cbit(raw, 12, 11)
        | cbit(raw, 11, 4)
        | (cbits(raw, 10, 9) << 8)
        | cbit(raw, 8, 10)
        | cbit(raw, 7, 6)
        | cbit(raw, 6, 7)
        | (cbits(raw, 5, 3) << 1)
        | cbit(raw, 2, 5);
    sext(off, 12)
}

/// C.BEQZ/C.BNEZ offset[8|4:3] in bits 12:10, offset[7:6|2:1|5] in bits 6:2.
#[inline(always)]
fn cb_off(raw: u16) -> i32 {
    let off = cbit(raw, 12, 8)
        | (cbits(raw, 11, 10) << 3)
        | (cbits(raw, 6, 5) << 6)
        | (cbits(raw, 4, 3) << 1)
        | cbit(raw, 2, 5);
    sext(off, 9)
}

fn decode_c1_alu(raw: u16) -> Option<Inst> {
    let rd = creg(raw, 7);
    let rs1 = rd;
    let rs2 = creg(raw, 2);
    // 6-bit shamt; on RV64 shamt = 0 is a HINT, not reserved.
    let shamt = (cbit(raw, 12, 5) | cbits(raw, 6, 2)) as u8;
    Some(
        match (cbits(raw, 11, 10), cbit(raw, 12, 0), cbits(raw, 6, 5)) {
            (0, _, _) => Inst::Srli { rd, rs1, shamt },
            (1, _, _) => Inst::Srai { rd, rs1, shamt },
            (2, _, _) => Inst::Andi {
                rd,
                rs1,
                imm: ci_imm(raw),
            },
            (3, 0, 0) => Inst::Sub { rd, rs1, rs2 },
            (3, 0, 1) => Inst::Xor { rd, rs1, rs2 },
            (3, 0, 2) => Inst::Or { rd, rs1, rs2 },
            (3, 0, 3) => Inst::And { rd, rs1, rs2 },
            (3, 1, 0) => Inst::Subw { rd, rs1, rs2 },
            (3, 1, 1) => Inst::Addw { rd, rs1, rs2 },
            // bit 12 = 1 with funct2 = 2/3 is reserved on RV64 (Zcb territory).
            _ => return None,
        },
    )
}

fn decode_c2(raw: u16) -> Option<Inst> {
    let rd = crd(raw);
    let rs2 = crs2(raw);
    Some(match cbits(raw, 15, 13) {
        0 => Inst::Slli {
            rd,
            rs1: rd,
            shamt: (cbit(raw, 12, 5) | cbits(raw, 6, 2)) as u8,
        },
        1 => Inst::Fld {
            rd,
            rs1: 2,
            imm: ci_sp_d_off(raw),
        },
        2 if rd != 0 => Inst::Lw {
            rd,
            rs1: 2,
            imm: (cbit(raw, 12, 5) | (cbits(raw, 6, 4) << 2) | (cbits(raw, 3, 2) << 6)) as i32,
        },
        3 if rd != 0 => Inst::Ld {
            rd,
            rs1: 2,
            imm: ci_sp_d_off(raw),
        },
        4 => match (cbit(raw, 12, 0), rd, rs2) {
            (0, 0, 0) => return None,
            (0, _, 0) => Inst::Jalr {
                rd: 0,
                rs1: rd,
                imm: 0,
            },
            (0, _, _) => Inst::Add { rd, rs1: 0, rs2 },
            (_, 0, 0) => Inst::Ebreak,
            (_, _, 0) => Inst::Jalr {
                rd: 1,
                rs1: rd,
                imm: 0,
            },
            _ => Inst::Add { rd, rs1: rd, rs2 },
        },
        5 => Inst::Fsd {
            rs1: 2,
            rs2,
            imm: css_d_off(raw),
        },
        6 => Inst::Sw {
            rs1: 2,
            rs2,
            imm: ((cbits(raw, 12, 9) << 2) | (cbits(raw, 8, 7) << 6)) as i32,
        },
        7 => Inst::Sd {
            rs1: 2,
            rs2,
            imm: css_d_off(raw),
        },
        _ => return None,
    })
}

/// C.LDSP/C.FLDSP offset: uimm[5] = bit 12, uimm[4:3] = bits 6:5, uimm[8:6] = bits 4:2.
#[inline(always)]
fn ci_sp_d_off(raw: u16) -> i32 {
    (cbit(raw, 12, 5) | (cbits(raw, 6, 5) << 3) | (cbits(raw, 4, 2) << 6)) as i32
}

/// C.SDSP/C.FSDSP offset: uimm[5:3] = bits 12:10, uimm[8:6] = bits 9:7.
#[inline(always)]
fn css_d_off(raw: u16) -> i32 {
    ((cbits(raw, 12, 10) << 3) | (cbits(raw, 9, 7) << 6)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::encode;
    use crate::testgen::Rng;

    fn illegal(raw: u32) -> Inst {
        Inst::Illegal { raw }
    }

    fn c_illegal(raw: u16) -> Inst {
        Inst::Illegal {
            raw: u32::from(raw),
        }
    }

    #[test]
    fn decode_compressed_every_halfword_expands_to_encodable_inst() {
        for raw in 0..=u16::MAX {
            let inst = decode_compressed(raw);
            if raw & 3 == 3 {
                assert_eq!(inst, c_illegal(raw), "{raw:#06x} is not compressed");
                continue;
            }
            if let Inst::Illegal { raw: got } = inst {
                assert_eq!(got, u32::from(raw));
                continue;
            }
            let word = encode(&inst);
            assert!(word.is_some(), "{raw:#06x} -> {inst:?} has no 32-bit form");
            assert_eq!(decode(word.unwrap_or(0)), inst, "{raw:#06x}");
        }
    }

    #[test]
    fn decode_random_words_reencode_identically_or_illegal() {
        // Words whose ignored fields (fence rd/rs1, fence.i imm) are non-zero
        // re-encode differently but must still decode to the same Inst.
        let mut rng = Rng::new(99);
        for _ in 0..200_000 {
            let raw = rng.next_u32() | 3;
            let inst = decode(raw);
            match inst {
                Inst::Illegal { raw: got } => assert_eq!(got, raw),
                _ => {
                    let word = encode(&inst);
                    assert!(word.is_some(), "{raw:#010x} -> {inst:?}");
                    assert_eq!(decode(word.unwrap_or(0)), inst, "{raw:#010x}");
                }
            }
        }
    }

    #[test]
    fn decode_base_known_words_match_spec() {
        let addi = Inst::Addi {
            rd: 2,
            rs1: 2,
            imm: -16,
        };
        assert_eq!(decode(0xff01_0113), addi);
        assert_eq!(decode(0x0000_0073), Inst::Ecall);
        assert_eq!(decode(0x0010_0073), Inst::Ebreak);
        assert_eq!(decode(0x1050_0073), Inst::Wfi);
        // fence.tso = fm 1000, pred RW, succ RW.
        let tso = Inst::Fence {
            fm: 8,
            pred: 3,
            succ: 3,
        };
        assert_eq!(decode(0x8330_000f), tso);
        // pause = fence w,0.
        let pause = Inst::Fence {
            fm: 0,
            pred: 1,
            succ: 0,
        };
        assert_eq!(decode(0x0100_000f), pause);
    }

    #[test]
    fn decode_reserved_base_encodings_illegal() {
        let cases: &[(u32, &str)] = &[
            (0x0000_0000, "all zeros"),
            (0xffff_ffff, "all ones"),
            (0x0200_101b, "slliw with shamt[5]=1"),
            (0x0200_501b, "srliw with shamt[5]=1"),
            (0x4200_501b, "sraiw with shamt[5]=1"),
            (0x0000_00f3, "ecall with rd=x1"),
            (0x0000_8073, "ecall with rs1=x1"),
            (0x0010_80f3, "ebreak with rd and rs1 non-zero"),
            (0x3020_00f3, "mret with rd=x1"),
            (0x1020_8073, "sret with rs1=x1"),
            (0x1050_0173, "wfi with rd=x2"),
            (0x1200_00f3, "sfence.vma with rd=x1"),
            (0x0020_d053, "fadd.s with rm=5"),
            (0x0020_e053, "fadd.s with rm=6"),
            (0x0420_f0c3, "fmadd with rm=7 but fmt=2 (Q)"),
            (0x0020_e043, "fmadd.s with rm=6"),
            (0x5810_0053, "fsqrt.s with rs2=1"),
            (0xc040_0053, "fcvt.w.s with rs2=4"),
            (0xe010_0053, "fmv.x.w with rs2=1"),
            (0xe000_2053, "fmv.x.w with funct3=2"),
            (0xe010_1053, "fclass.s with rs2=1"),
            (0x1011_202f, "lr.w with rs2=1"),
            (0x1011_302f, "lr.d with rs2=1"),
            (0x0000_7003, "load funct3=7"),
            (0x0000_4023, "store funct3=4"),
            (0x0000_2063, "branch funct3=2"),
            (0x0000_1067, "jalr funct3=1"),
            (0x0000_400b, "custom-0 opcode"),
            (0x0000_4073, "system funct3=4"),
            (0x0000_200f, "misc-mem funct3=2 (cbo)"),
            (0x0000_0057, "vector opcode"),
            (0x0000_0001, "compressed halfword passed to decode"),
        ];
        for &(raw, why) in cases {
            assert_eq!(decode(raw), illegal(raw), "{why}: {raw:#010x}");
        }
    }

    #[test]
    fn decode_ignored_fence_fields_still_fence() {
        // fence with rd=x1, rs1=x2: reserved fields the base ISA ignores.
        let fence = Inst::Fence {
            fm: 0,
            pred: 15,
            succ: 15,
        };
        assert_eq!(decode(0x0ff1_008f), fence);
        // fence.i with a non-zero imm.
        assert_eq!(decode(0x0010_100f), Inst::FenceI);
    }

    #[test]
    fn decode_reserved_compressed_encodings_illegal() {
        let cases: &[(u16, &str)] = &[
            (0x0000, "all-zero halfword"),
            (0x0010, "c.addi4spn with nzuimm=0, rd'=x12"),
            (0x6101, "c.addi16sp with nzimm=0"),
            (0x6081, "c.lui x1 with nzimm=0"),
            (0x4002, "c.lwsp with rd=0"),
            (0x6002, "c.ldsp with rd=0"),
            (0x8002, "c.jr with rs1=0"),
            (0x2001, "c.addiw with rd=0"),
            (0x9c41, "reserved: funct6 100111, funct2 10"),
            (0x9c61, "reserved: funct6 100111, funct2 11"),
            (0x8000, "Q0 funct3=100 (reserved / Zcb)"),
            (0xffff, "not compressed (low bits 11)"),
        ];
        for &(raw, why) in cases {
            assert_eq!(decode_compressed(raw), c_illegal(raw), "{why}: {raw:#06x}");
        }
    }

    #[test]
    fn decode_compressed_hints_decode_to_base() {
        // c.nop with imm=1 is a HINT: addi x0,x0,1.
        let nop_hint = Inst::Addi {
            rd: 0,
            rs1: 0,
            imm: 1,
        };
        assert_eq!(decode_compressed(0x0005), nop_hint);
        // c.li x0,5 is a HINT: addi x0,x0,5.
        let li_hint = Inst::Addi {
            rd: 0,
            rs1: 0,
            imm: 5,
        };
        assert_eq!(decode_compressed(0x4015), li_hint);
        // c.mv x0,a0 is a HINT: add x0,x0,a0.
        let mv_hint = Inst::Add {
            rd: 0,
            rs1: 0,
            rs2: 10,
        };
        assert_eq!(decode_compressed(0x802a), mv_hint);
        // c.slli a0,0 is a HINT on RV64.
        let slli_hint = Inst::Slli {
            rd: 10,
            rs1: 10,
            shamt: 0,
        };
        assert_eq!(decode_compressed(0x0502), slli_hint);
        // c.lui x0,1 is a HINT.
        let lui_hint = Inst::Lui { rd: 0, imm: 0x1000 };
        assert_eq!(decode_compressed(0x6005), lui_hint);
    }

    #[test]
    fn decode_compressed_quadrant0_expansions_match_spec() {
        let cases: &[(u16, Inst)] = &[
            (
                0x0800,
                Inst::Addi {
                    rd: 8,
                    rs1: 2,
                    imm: 16,
                },
            ), // c.addi4spn s0,sp,16
            (
                0x1fe0,
                Inst::Addi {
                    rd: 8,
                    rs1: 2,
                    imm: 1020,
                },
            ), // c.addi4spn s0,sp,1020
            (
                0x2408,
                Inst::Fld {
                    rd: 10,
                    rs1: 8,
                    imm: 8,
                },
            ), // c.fld fa0,8(s0)
            (
                0x4148,
                Inst::Lw {
                    rd: 10,
                    rs1: 10,
                    imm: 4,
                },
            ), // c.lw a0,4(a0)
            (
                0x6108,
                Inst::Ld {
                    rd: 10,
                    rs1: 10,
                    imm: 0,
                },
            ), // c.ld a0,0(a0)
            (
                0xe0a8,
                Inst::Sd {
                    rs1: 9,
                    rs2: 10,
                    imm: 64,
                },
            ), // c.sd a0,64(s1)
            (
                0xc04c,
                Inst::Sw {
                    rs1: 8,
                    rs2: 11,
                    imm: 4,
                },
            ), // c.sw a1,4(s0)
            (
                0xa408,
                Inst::Fsd {
                    rs1: 8,
                    rs2: 10,
                    imm: 8,
                },
            ), // c.fsd fa0,8(s0)
        ];
        for &(raw, inst) in cases {
            assert_eq!(decode_compressed(raw), inst, "{raw:#06x}");
        }
    }

    #[test]
    fn decode_compressed_quadrant1_expansions_match_spec() {
        let cases: &[(u16, Inst)] = &[
            (
                0x0001,
                Inst::Addi {
                    rd: 0,
                    rs1: 0,
                    imm: 0,
                },
            ), // c.nop
            (
                0x1141,
                Inst::Addi {
                    rd: 2,
                    rs1: 2,
                    imm: -16,
                },
            ), // c.addi sp,-16
            (
                0x2505,
                Inst::Addiw {
                    rd: 10,
                    rs1: 10,
                    imm: 1,
                },
            ), // c.addiw a0,1
            (
                0x4501,
                Inst::Addi {
                    rd: 10,
                    rs1: 0,
                    imm: 0,
                },
            ), // c.li a0,0
            (
                0x7179,
                Inst::Addi {
                    rd: 2,
                    rs1: 2,
                    imm: -48,
                },
            ), // c.addi16sp sp,-48
            (
                0x6505,
                Inst::Lui {
                    rd: 10,
                    imm: 0x1000,
                },
            ), // c.lui a0,1
            (0x757d, Inst::Lui { rd: 10, imm: -4096 }), // c.lui a0,0xfffff
            (
                0x8105,
                Inst::Srli {
                    rd: 10,
                    rs1: 10,
                    shamt: 1,
                },
            ), // c.srli a0,1
            (
                0x9501,
                Inst::Srai {
                    rd: 10,
                    rs1: 10,
                    shamt: 32,
                },
            ), // c.srai a0,32
            (
                0x897d,
                Inst::Andi {
                    rd: 10,
                    rs1: 10,
                    imm: 31,
                },
            ), // c.andi a0,31
            (
                0x8d81,
                Inst::Sub {
                    rd: 11,
                    rs1: 11,
                    rs2: 8,
                },
            ), // c.sub a1,s0
            (
                0x8d2d,
                Inst::Xor {
                    rd: 10,
                    rs1: 10,
                    rs2: 11,
                },
            ), // c.xor a0,a1
            (
                0x8d4d,
                Inst::Or {
                    rd: 10,
                    rs1: 10,
                    rs2: 11,
                },
            ), // c.or a0,a1
            (
                0x8d6d,
                Inst::And {
                    rd: 10,
                    rs1: 10,
                    rs2: 11,
                },
            ), // c.and a0,a1
            (
                0x9d0d,
                Inst::Subw {
                    rd: 10,
                    rs1: 10,
                    rs2: 11,
                },
            ), // c.subw a0,a1
            (
                0x9d2d,
                Inst::Addw {
                    rd: 10,
                    rs1: 10,
                    rs2: 11,
                },
            ), // c.addw a0,a1
            (0xa001, Inst::Jal { rd: 0, imm: 0 }),      // c.j .
            (0xbffd, Inst::Jal { rd: 0, imm: -2 }),     // c.j .-2
            (
                0xc101,
                Inst::Beq {
                    rs1: 10,
                    rs2: 0,
                    imm: 0,
                },
            ), // c.beqz a0,.
            (
                0xfd75,
                Inst::Bne {
                    rs1: 10,
                    rs2: 0,
                    imm: -4,
                },
            ), // c.bnez a0,.-4
        ];
        for &(raw, inst) in cases {
            assert_eq!(decode_compressed(raw), inst, "{raw:#06x}");
        }
    }

    #[test]
    fn decode_compressed_quadrant2_expansions_match_spec() {
        let cases: &[(u16, Inst)] = &[
            (
                0x050e,
                Inst::Slli {
                    rd: 10,
                    rs1: 10,
                    shamt: 3,
                },
            ), // c.slli a0,3
            (
                0x2522,
                Inst::Fld {
                    rd: 10,
                    rs1: 2,
                    imm: 8,
                },
            ), // c.fldsp fa0,8(sp)
            (
                0x4532,
                Inst::Lw {
                    rd: 10,
                    rs1: 2,
                    imm: 12,
                },
            ), // c.lwsp a0,12(sp)
            (
                0x60a2,
                Inst::Ld {
                    rd: 1,
                    rs1: 2,
                    imm: 8,
                },
            ), // c.ldsp ra,8(sp)
            (
                0x8082,
                Inst::Jalr {
                    rd: 0,
                    rs1: 1,
                    imm: 0,
                },
            ), // c.jr ra
            (
                0x852e,
                Inst::Add {
                    rd: 10,
                    rs1: 0,
                    rs2: 11,
                },
            ), // c.mv a0,a1
            (0x9002, Inst::Ebreak), // c.ebreak
            (
                0x9502,
                Inst::Jalr {
                    rd: 1,
                    rs1: 10,
                    imm: 0,
                },
            ), // c.jalr a0
            (
                0x952e,
                Inst::Add {
                    rd: 10,
                    rs1: 10,
                    rs2: 11,
                },
            ), // c.add a0,a1
            (
                0xa42a,
                Inst::Fsd {
                    rs1: 2,
                    rs2: 10,
                    imm: 8,
                },
            ), // c.fsdsp fa0,8(sp)
            (
                0xc62a,
                Inst::Sw {
                    rs1: 2,
                    rs2: 10,
                    imm: 12,
                },
            ), // c.swsp a0,12(sp)
            (
                0xe406,
                Inst::Sd {
                    rs1: 2,
                    rs2: 1,
                    imm: 8,
                },
            ), // c.sdsp ra,8(sp)
        ];
        for &(raw, inst) in cases {
            assert_eq!(decode_compressed(raw), inst, "{raw:#06x}");
        }
    }

    #[test]
    fn insn_len_low_bits_select_length() {
        assert_eq!(insn_len(0x0001), 2);
        assert_eq!(insn_len(0x0013), 4);
    }
}
