//! The typed instruction: what the decoder produces and every engine consumes.
//!
//! Register fields are register numbers 0..=31 (`x` or `f` by variant).
//! Immediates are already sign-extended and scaled the way the instruction uses
//! them: `Lui`/`Auipc` carry `imm = imm20 << 12` as a sign-extended `i32`;
//! branch and jump offsets are byte offsets relative to the instruction's pc.
//! Compressed encodings decode to the base instruction they expand to; the
//! instruction length (2 or 4) travels beside the `Inst`, not in it.
//! Variants are the mnemonic in CamelCase with the dots removed.

use crate::bitmanip::BitOp;

/// The `rm` field of an F/D instruction (static rounding mode, or `Dyn` to use `frm`).
///
/// Privileged spec / unprivileged spec, chapter "F" §"Floating-Point Control and Status
/// Register": 0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM, 5–6 reserved, 7 DYN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RoundingMode {
    /// Round to nearest, ties to even.
    Rne = 0,
    /// Round towards zero.
    Rtz = 1,
    /// Round down (towards −∞).
    Rdn = 2,
    /// Round up (towards +∞).
    Rup = 3,
    /// Round to nearest, ties to max magnitude.
    Rmm = 4,
    /// Reserved encoding 5 (illegal when used).
    Reserved5 = 5,
    /// Reserved encoding 6 (illegal when used).
    Reserved6 = 6,
    /// Dynamic: use `frm` (illegal if `frm` holds 5..7).
    Dyn = 7,
}

impl RoundingMode {
    /// The rounding mode for a 3-bit field value (only the low 3 bits are used).
    pub fn from_bits(bits: u32) -> Self {
        match bits & 7 {
            0 => Self::Rne,
            1 => Self::Rtz,
            2 => Self::Rdn,
            3 => Self::Rup,
            4 => Self::Rmm,
            5 => Self::Reserved5,
            6 => Self::Reserved6,
            _ => Self::Dyn,
        }
    }
}

/// One decoded RISC-V instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // field names are the spec's (rd, rs1, rs2, rs3, imm, shamt, csr, rm)
pub enum Inst {
    /// Not a valid instruction of the implemented ISA; raises illegal-instruction.
    /// `raw` is the instruction bits (16 for compressed encodings), for `mtval`.
    Illegal {
        raw: u32,
    },

    // ---- RV64I -------------------------------------------------------
    Lui {
        rd: u8,
        imm: i32,
    },
    Auipc {
        rd: u8,
        imm: i32,
    },
    Jal {
        rd: u8,
        imm: i32,
    },
    Jalr {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Beq {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Bne {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Blt {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Bge {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Bltu {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Bgeu {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Lb {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Lh {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Lw {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Ld {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Lbu {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Lhu {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Lwu {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Sb {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Sh {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Sw {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Sd {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    Addi {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Slti {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Sltiu {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Xori {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Ori {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Andi {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Slli {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Srli {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Srai {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Add {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sub {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sll {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Slt {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sltu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Xor {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Srl {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sra {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Or {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    And {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Addiw {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Slliw {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Srliw {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Sraiw {
        rd: u8,
        rs1: u8,
        shamt: u8,
    },
    Addw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Subw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sllw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Srlw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Sraw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    /// `fence pred, succ` (fm in the high bits: 0 normal, 8 = `fence.tso`).
    Fence {
        pred: u8,
        succ: u8,
        fm: u8,
    },
    Ecall,
    Ebreak,

    // ---- Zifencei ----------------------------------------------------
    FenceI,

    // ---- Zicsr -------------------------------------------------------
    Csrrw {
        rd: u8,
        rs1: u8,
        csr: u16,
    },
    Csrrs {
        rd: u8,
        rs1: u8,
        csr: u16,
    },
    Csrrc {
        rd: u8,
        rs1: u8,
        csr: u16,
    },
    /// `uimm` is the 5-bit zero-extended immediate in the rs1 field.
    Csrrwi {
        rd: u8,
        uimm: u8,
        csr: u16,
    },
    Csrrsi {
        rd: u8,
        uimm: u8,
        csr: u16,
    },
    Csrrci {
        rd: u8,
        uimm: u8,
        csr: u16,
    },

    // ---- Privileged --------------------------------------------------
    Mret,
    Sret,
    Wfi,
    SfenceVma {
        rs1: u8,
        rs2: u8,
    },

    // ---- M -----------------------------------------------------------
    Mul {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Mulh {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Mulhsu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Mulhu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Div {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Divu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Rem {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Remu {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Mulw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Divw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Divuw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Remw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    Remuw {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },

    // ---- Zba, Zbb, Zbs (see `bitmanip`: `rs2` is a register, an
    //      immediate or 0, by the operation's form) ----------------------
    Bit {
        op: BitOp,
        rd: u8,
        rs1: u8,
        rs2: u8,
    },

    // ---- A (aq/rl ordering bits are kept for the disassembler; engines
    //      implement every AMO as sequentially consistent) ---------------
    LrW {
        rd: u8,
        rs1: u8,
        aqrl: u8,
    },
    ScW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoswapW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoaddW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoxorW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoandW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoorW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmominW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmomaxW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmominuW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmomaxuW {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    LrD {
        rd: u8,
        rs1: u8,
        aqrl: u8,
    },
    ScD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoswapD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoaddD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoxorD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoandD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmoorD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmominD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmomaxD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmominuD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },
    AmomaxuD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        aqrl: u8,
    },

    // ---- F -----------------------------------------------------------
    // rd/rs fields name f registers except where the mnemonic moves to or
    // from an x register (FcvtWS rd is x, FcvtSW rs1 is x, FmvXW rd is x, ...).
    Flw {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Fsw {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    FmaddS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FmsubS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FnmsubS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FnmaddS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FaddS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FsubS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FmulS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FdivS {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FsqrtS {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FsgnjS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FsgnjnS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FsgnjxS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FminS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FmaxS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FcvtWS {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtWuS {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtLS {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtLuS {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FmvXW {
        rd: u8,
        rs1: u8,
    },
    FeqS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FltS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FleS {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FclassS {
        rd: u8,
        rs1: u8,
    },
    FcvtSW {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtSWu {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtSL {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtSLu {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FmvWX {
        rd: u8,
        rs1: u8,
    },

    // ---- D -----------------------------------------------------------
    Fld {
        rd: u8,
        rs1: u8,
        imm: i32,
    },
    Fsd {
        rs1: u8,
        rs2: u8,
        imm: i32,
    },
    FmaddD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FmsubD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FnmsubD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FnmaddD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        rm: RoundingMode,
    },
    FaddD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FsubD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FmulD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FdivD {
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
    },
    FsqrtD {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FsgnjD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FsgnjnD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FsgnjxD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FminD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FmaxD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FcvtSD {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtDS {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FeqD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FltD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FleD {
        rd: u8,
        rs1: u8,
        rs2: u8,
    },
    FclassD {
        rd: u8,
        rs1: u8,
    },
    FcvtWD {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtWuD {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtLD {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtLuD {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtDW {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtDWu {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtDL {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FcvtDLu {
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
    },
    FmvXD {
        rd: u8,
        rs1: u8,
    },
    FmvDX {
        rd: u8,
        rs1: u8,
    },
}

impl Inst {
    /// True if the instruction may change control flow (ends a translation block).
    pub fn is_control_flow(&self) -> bool {
        matches!(
            self,
            Inst::Jal { .. }
                | Inst::Jalr { .. }
                | Inst::Beq { .. }
                | Inst::Bne { .. }
                | Inst::Blt { .. }
                | Inst::Bge { .. }
                | Inst::Bltu { .. }
                | Inst::Bgeu { .. }
        )
    }

    /// True for instructions that must leave translated/pre-decoded code and
    /// be handled with the whole hart state at hand: they may trap, change
    /// privilege or translation state, or wait.
    pub fn is_system(&self) -> bool {
        matches!(
            self,
            Inst::Illegal { .. }
                | Inst::Ecall
                | Inst::Ebreak
                | Inst::FenceI
                | Inst::Csrrw { .. }
                | Inst::Csrrs { .. }
                | Inst::Csrrc { .. }
                | Inst::Csrrwi { .. }
                | Inst::Csrrsi { .. }
                | Inst::Csrrci { .. }
                | Inst::Mret
                | Inst::Sret
                | Inst::Wfi
                | Inst::SfenceVma { .. }
        )
    }

    /// The x registers an RV64I or M instruction reads (x0 in unused
    /// places) and writes (0: none); `None` for every other instruction
    /// (A, F, D and system instructions, whose register use varies).
    pub fn int_operands(&self) -> Option<([u8; 2], u8)> {
        use Inst::*;
        match *self {
            Lui { rd, .. } | Auipc { rd, .. } | Jal { rd, .. } => Some(([0, 0], rd)),
            Jalr { rd, rs1, .. }
            | Lb { rd, rs1, .. }
            | Lh { rd, rs1, .. }
            | Lw { rd, rs1, .. }
            | Ld { rd, rs1, .. }
            | Lbu { rd, rs1, .. }
            | Lhu { rd, rs1, .. }
            | Lwu { rd, rs1, .. }
            | Addi { rd, rs1, .. }
            | Slti { rd, rs1, .. }
            | Sltiu { rd, rs1, .. }
            | Xori { rd, rs1, .. }
            | Ori { rd, rs1, .. }
            | Andi { rd, rs1, .. }
            | Slli { rd, rs1, .. }
            | Srli { rd, rs1, .. }
            | Srai { rd, rs1, .. }
            | Addiw { rd, rs1, .. }
            | Slliw { rd, rs1, .. }
            | Srliw { rd, rs1, .. }
            | Sraiw { rd, rs1, .. } => Some(([rs1, 0], rd)),
            Beq { rs1, rs2, .. }
            | Bne { rs1, rs2, .. }
            | Blt { rs1, rs2, .. }
            | Bge { rs1, rs2, .. }
            | Bltu { rs1, rs2, .. }
            | Bgeu { rs1, rs2, .. }
            | Sb { rs1, rs2, .. }
            | Sh { rs1, rs2, .. }
            | Sw { rs1, rs2, .. }
            | Sd { rs1, rs2, .. } => Some(([rs1, rs2], 0)),
            Add { rd, rs1, rs2 }
            | Sub { rd, rs1, rs2 }
            | Sll { rd, rs1, rs2 }
            | Slt { rd, rs1, rs2 }
            | Sltu { rd, rs1, rs2 }
            | Xor { rd, rs1, rs2 }
            | Srl { rd, rs1, rs2 }
            | Sra { rd, rs1, rs2 }
            | Or { rd, rs1, rs2 }
            | And { rd, rs1, rs2 }
            | Addw { rd, rs1, rs2 }
            | Subw { rd, rs1, rs2 }
            | Sllw { rd, rs1, rs2 }
            | Srlw { rd, rs1, rs2 }
            | Sraw { rd, rs1, rs2 }
            | Mul { rd, rs1, rs2 }
            | Mulh { rd, rs1, rs2 }
            | Mulhsu { rd, rs1, rs2 }
            | Mulhu { rd, rs1, rs2 }
            | Div { rd, rs1, rs2 }
            | Divu { rd, rs1, rs2 }
            | Rem { rd, rs1, rs2 }
            | Remu { rd, rs1, rs2 }
            | Mulw { rd, rs1, rs2 }
            | Divw { rd, rs1, rs2 }
            | Divuw { rd, rs1, rs2 }
            | Remw { rd, rs1, rs2 }
            | Remuw { rd, rs1, rs2 } => Some(([rs1, rs2], rd)),
            Bit { op, rd, rs1, rs2 } => match op.form() {
                crate::bitmanip::Form::Reg => Some(([rs1, rs2], rd)),
                _ => Some(([rs1, 0], rd)),
            },

            _ => None,
        }
    }
}
