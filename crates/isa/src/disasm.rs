//! Disassembler: `Inst` to assembly text in the style of GNU objdump with
//! `-M no-aliases`: the spec's mnemonic, ABI register names, no pseudo-
//! instructions (`addi zero,zero,0`, not `nop`; `csrrs a0,cycle,zero`, not
//! `rdcycle a0`), so every line names exactly one base instruction.
//!
//! Operand conventions (as objdump prints them): I-type immediates and
//! load/store offsets in decimal, `lui`/`auipc` immediates and shift amounts
//! in hex, CSRs by name when [`csr_name`] knows them and in hex otherwise,
//! rounding modes only when static (`fadd.s fa0,fa1,fa2,rtz`), AMO ordering
//! as a mnemonic suffix (`amoadd.w.aqrl`). Two deliberate differences from
//! objdump: an empty fence set prints as `0` (objdump says `unknown`), and a
//! static rounding mode is always printed, including on the exact
//! conversions `fcvt.d.s`/`fcvt.d.w`/`fcvt.d.wu`.
//!
//! `Inst::Illegal` prints as `.2byte`/`.4byte` with the raw bits; since the
//! `Inst` does not carry its length, raw bits that fit 16 bits and do not end
//! in `0b11` are taken to be a halfword.
//!
//! [`disasm`] prints pc-relative targets as `.+off`/`.-off` (GNU as syntax);
//! [`disasm_at`] prints absolute hex targets like objdump.

use core::fmt::Write;

use crate::csr::csr_name;
use crate::inst::{Inst, RoundingMode};

/// ABI names of the integer registers, as objdump prints them.
pub const XREG_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

/// ABI names of the floating-point registers.
pub const FREG_NAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// ABI name of integer register `r` (`"x?"` past 31, which the decoder never produces).
pub fn xreg(r: u8) -> &'static str {
    XREG_NAMES.get(usize::from(r)).copied().unwrap_or("x?")
}

/// ABI name of floating-point register `r`.
pub fn freg(r: u8) -> &'static str {
    FREG_NAMES.get(usize::from(r)).copied().unwrap_or("f?")
}

impl Inst {
    /// The spec's mnemonic (lower case, with dots; AMO ordering suffixes not included).
    pub fn mnemonic(&self) -> &'static str {
        match self {
            Inst::Illegal { .. } => "illegal",
            Inst::Lui { .. } => "lui",
            Inst::Auipc { .. } => "auipc",
            Inst::Jal { .. } => "jal",
            Inst::Jalr { .. } => "jalr",
            Inst::Beq { .. } => "beq",
            Inst::Bne { .. } => "bne",
            Inst::Blt { .. } => "blt",
            Inst::Bge { .. } => "bge",
            Inst::Bltu { .. } => "bltu",
            Inst::Bgeu { .. } => "bgeu",
            Inst::Lb { .. } => "lb",
            Inst::Lh { .. } => "lh",
            Inst::Lw { .. } => "lw",
            Inst::Ld { .. } => "ld",
            Inst::Lbu { .. } => "lbu",
            Inst::Lhu { .. } => "lhu",
            Inst::Lwu { .. } => "lwu",
            Inst::Sb { .. } => "sb",
            Inst::Sh { .. } => "sh",
            Inst::Sw { .. } => "sw",
            Inst::Sd { .. } => "sd",
            Inst::Addi { .. } => "addi",
            Inst::Slti { .. } => "slti",
            Inst::Sltiu { .. } => "sltiu",
            Inst::Xori { .. } => "xori",
            Inst::Ori { .. } => "ori",
            Inst::Andi { .. } => "andi",
            Inst::Slli { .. } => "slli",
            Inst::Srli { .. } => "srli",
            Inst::Srai { .. } => "srai",
            Inst::Add { .. } => "add",
            Inst::Sub { .. } => "sub",
            Inst::Sll { .. } => "sll",
            Inst::Slt { .. } => "slt",
            Inst::Sltu { .. } => "sltu",
            Inst::Xor { .. } => "xor",
            Inst::Srl { .. } => "srl",
            Inst::Sra { .. } => "sra",
            Inst::Or { .. } => "or",
            Inst::And { .. } => "and",
            Inst::Addiw { .. } => "addiw",
            Inst::Slliw { .. } => "slliw",
            Inst::Srliw { .. } => "srliw",
            Inst::Sraiw { .. } => "sraiw",
            Inst::Addw { .. } => "addw",
            Inst::Subw { .. } => "subw",
            Inst::Sllw { .. } => "sllw",
            Inst::Srlw { .. } => "srlw",
            Inst::Sraw { .. } => "sraw",
            Inst::Fence { .. } => "fence",
            Inst::Ecall => "ecall",
            Inst::Ebreak => "ebreak",
            Inst::FenceI => "fence.i",
            Inst::Csrrw { .. } => "csrrw",
            Inst::Csrrs { .. } => "csrrs",
            Inst::Csrrc { .. } => "csrrc",
            Inst::Csrrwi { .. } => "csrrwi",
            Inst::Csrrsi { .. } => "csrrsi",
            Inst::Csrrci { .. } => "csrrci",
            Inst::Mret => "mret",
            Inst::Sret => "sret",
            Inst::Wfi => "wfi",
            Inst::SfenceVma { .. } => "sfence.vma",
            Inst::Mul { .. } => "mul",
            Inst::Mulh { .. } => "mulh",
            Inst::Mulhsu { .. } => "mulhsu",
            Inst::Mulhu { .. } => "mulhu",
            Inst::Div { .. } => "div",
            Inst::Divu { .. } => "divu",
            Inst::Rem { .. } => "rem",
            Inst::Remu { .. } => "remu",
            Inst::Mulw { .. } => "mulw",
            Inst::Divw { .. } => "divw",
            Inst::Divuw { .. } => "divuw",
            Inst::Remw { .. } => "remw",
            Inst::Remuw { .. } => "remuw",
            Inst::Bit { op, .. } => op.name(),
            Inst::LrW { .. } => "lr.w",
            Inst::ScW { .. } => "sc.w",
            Inst::AmoswapW { .. } => "amoswap.w",
            Inst::AmoaddW { .. } => "amoadd.w",
            Inst::AmoxorW { .. } => "amoxor.w",
            Inst::AmoandW { .. } => "amoand.w",
            Inst::AmoorW { .. } => "amoor.w",
            Inst::AmominW { .. } => "amomin.w",
            Inst::AmomaxW { .. } => "amomax.w",
            Inst::AmominuW { .. } => "amominu.w",
            Inst::AmomaxuW { .. } => "amomaxu.w",
            Inst::LrD { .. } => "lr.d",
            Inst::ScD { .. } => "sc.d",
            Inst::AmoswapD { .. } => "amoswap.d",
            Inst::AmoaddD { .. } => "amoadd.d",
            Inst::AmoxorD { .. } => "amoxor.d",
            Inst::AmoandD { .. } => "amoand.d",
            Inst::AmoorD { .. } => "amoor.d",
            Inst::AmominD { .. } => "amomin.d",
            Inst::AmomaxD { .. } => "amomax.d",
            Inst::AmominuD { .. } => "amominu.d",
            Inst::AmomaxuD { .. } => "amomaxu.d",
            Inst::Flw { .. } => "flw",
            Inst::Fsw { .. } => "fsw",
            Inst::FmaddS { .. } => "fmadd.s",
            Inst::FmsubS { .. } => "fmsub.s",
            Inst::FnmsubS { .. } => "fnmsub.s",
            Inst::FnmaddS { .. } => "fnmadd.s",
            Inst::FaddS { .. } => "fadd.s",
            Inst::FsubS { .. } => "fsub.s",
            Inst::FmulS { .. } => "fmul.s",
            Inst::FdivS { .. } => "fdiv.s",
            Inst::FsqrtS { .. } => "fsqrt.s",
            Inst::FsgnjS { .. } => "fsgnj.s",
            Inst::FsgnjnS { .. } => "fsgnjn.s",
            Inst::FsgnjxS { .. } => "fsgnjx.s",
            Inst::FminS { .. } => "fmin.s",
            Inst::FmaxS { .. } => "fmax.s",
            Inst::FcvtWS { .. } => "fcvt.w.s",
            Inst::FcvtWuS { .. } => "fcvt.wu.s",
            Inst::FcvtLS { .. } => "fcvt.l.s",
            Inst::FcvtLuS { .. } => "fcvt.lu.s",
            Inst::FmvXW { .. } => "fmv.x.w",
            Inst::FeqS { .. } => "feq.s",
            Inst::FltS { .. } => "flt.s",
            Inst::FleS { .. } => "fle.s",
            Inst::FclassS { .. } => "fclass.s",
            Inst::FcvtSW { .. } => "fcvt.s.w",
            Inst::FcvtSWu { .. } => "fcvt.s.wu",
            Inst::FcvtSL { .. } => "fcvt.s.l",
            Inst::FcvtSLu { .. } => "fcvt.s.lu",
            Inst::FmvWX { .. } => "fmv.w.x",
            Inst::Fld { .. } => "fld",
            Inst::Fsd { .. } => "fsd",
            Inst::FmaddD { .. } => "fmadd.d",
            Inst::FmsubD { .. } => "fmsub.d",
            Inst::FnmsubD { .. } => "fnmsub.d",
            Inst::FnmaddD { .. } => "fnmadd.d",
            Inst::FaddD { .. } => "fadd.d",
            Inst::FsubD { .. } => "fsub.d",
            Inst::FmulD { .. } => "fmul.d",
            Inst::FdivD { .. } => "fdiv.d",
            Inst::FsqrtD { .. } => "fsqrt.d",
            Inst::FsgnjD { .. } => "fsgnj.d",
            Inst::FsgnjnD { .. } => "fsgnjn.d",
            Inst::FsgnjxD { .. } => "fsgnjx.d",
            Inst::FminD { .. } => "fmin.d",
            Inst::FmaxD { .. } => "fmax.d",
            Inst::FcvtSD { .. } => "fcvt.s.d",
            Inst::FcvtDS { .. } => "fcvt.d.s",
            Inst::FeqD { .. } => "feq.d",
            Inst::FltD { .. } => "flt.d",
            Inst::FleD { .. } => "fle.d",
            Inst::FclassD { .. } => "fclass.d",
            Inst::FcvtWD { .. } => "fcvt.w.d",
            Inst::FcvtWuD { .. } => "fcvt.wu.d",
            Inst::FcvtLD { .. } => "fcvt.l.d",
            Inst::FcvtLuD { .. } => "fcvt.lu.d",
            Inst::FcvtDW { .. } => "fcvt.d.w",
            Inst::FcvtDWu { .. } => "fcvt.d.wu",
            Inst::FcvtDL { .. } => "fcvt.d.l",
            Inst::FcvtDLu { .. } => "fcvt.d.lu",
            Inst::FmvXD { .. } => "fmv.x.d",
            Inst::FmvDX { .. } => "fmv.d.x",
        }
    }
}

/// Assembly text of `inst` (pc-relative targets printed as `.+offset`).
pub fn disasm(inst: &Inst) -> String {
    render(inst, None)
}

/// Assembly text of `inst` located at `pc` (branch and jump targets absolute).
pub fn disasm_at(inst: &Inst, pc: u64) -> String {
    render(inst, Some(pc))
}

fn rm_name(rm: RoundingMode) -> Option<&'static str> {
    match rm {
        RoundingMode::Rne => Some("rne"),
        RoundingMode::Rtz => Some("rtz"),
        RoundingMode::Rdn => Some("rdn"),
        RoundingMode::Rup => Some("rup"),
        RoundingMode::Rmm => Some("rmm"),
        // Reserved modes never come out of the decoder; print them so a
        // hand-built Inst is still visible.
        RoundingMode::Reserved5 => Some("5"),
        RoundingMode::Reserved6 => Some("6"),
        RoundingMode::Dyn => None,
    }
}

fn fence_set(bits: u8) -> String {
    if bits & 0xf == 0 {
        return "0".to_string();
    }
    "iorw"
        .chars()
        .enumerate()
        .filter(|(i, _)| bits & (8 >> i) != 0)
        .map(|(_, c)| c)
        .collect()
}

fn aqrl_suffix(aqrl: u8) -> &'static str {
    // Bit 1 is aq (instruction bit 26), bit 0 is rl (bit 25).
    match aqrl & 3 {
        0 => "",
        1 => ".rl",
        2 => ".aq",
        _ => ".aqrl",
    }
}

fn csr_text(csr: u16) -> String {
    match csr_name(csr) {
        Some(name) => name.to_string(),
        None => format!("{csr:#x}"),
    }
}

fn target(imm: i32, pc: Option<u64>) -> String {
    match pc {
        Some(pc) => format!("{:#x}", pc.wrapping_add(i64::from(imm) as u64)),
        None if imm < 0 => format!(".-{}", imm.unsigned_abs()),
        None => format!(".+{imm}"),
    }
}

fn with_rm(mut text: String, rm: RoundingMode) -> String {
    if let Some(name) = rm_name(rm) {
        text.push(',');
        text.push_str(name);
    }
    text
}

fn operands(inst: &Inst, pc: Option<u64>) -> String {
    use Inst::*;
    let x = xreg;
    let f = freg;
    match *inst {
        Illegal { .. } | Ecall | Ebreak | FenceI | Mret | Sret | Wfi => String::new(),
        Lui { rd, imm } | Auipc { rd, imm } => format!("{},{:#x}", x(rd), (imm as u32) >> 12),
        Jal { rd, imm } => format!("{},{}", x(rd), target(imm, pc)),
        Beq { rs1, rs2, imm }
        | Bne { rs1, rs2, imm }
        | Blt { rs1, rs2, imm }
        | Bge { rs1, rs2, imm }
        | Bltu { rs1, rs2, imm }
        | Bgeu { rs1, rs2, imm } => format!("{},{},{}", x(rs1), x(rs2), target(imm, pc)),
        Jalr { rd, rs1, imm }
        | Lb { rd, rs1, imm }
        | Lh { rd, rs1, imm }
        | Lw { rd, rs1, imm }
        | Ld { rd, rs1, imm }
        | Lbu { rd, rs1, imm }
        | Lhu { rd, rs1, imm }
        | Lwu { rd, rs1, imm } => format!("{},{}({})", x(rd), imm, x(rs1)),
        Flw { rd, rs1, imm } | Fld { rd, rs1, imm } => format!("{},{}({})", f(rd), imm, x(rs1)),
        Sb { rs1, rs2, imm }
        | Sh { rs1, rs2, imm }
        | Sw { rs1, rs2, imm }
        | Sd { rs1, rs2, imm } => {
            format!("{},{}({})", x(rs2), imm, x(rs1))
        }
        Fsw { rs1, rs2, imm } | Fsd { rs1, rs2, imm } => format!("{},{}({})", f(rs2), imm, x(rs1)),
        Addi { rd, rs1, imm }
        | Slti { rd, rs1, imm }
        | Sltiu { rd, rs1, imm }
        | Xori { rd, rs1, imm }
        | Ori { rd, rs1, imm }
        | Andi { rd, rs1, imm }
        | Addiw { rd, rs1, imm } => format!("{},{},{}", x(rd), x(rs1), imm),
        Slli { rd, rs1, shamt }
        | Srli { rd, rs1, shamt }
        | Srai { rd, rs1, shamt }
        | Slliw { rd, rs1, shamt }
        | Srliw { rd, rs1, shamt }
        | Sraiw { rd, rs1, shamt } => format!("{},{},{:#x}", x(rd), x(rs1), shamt),
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
        | Remuw { rd, rs1, rs2 } => format!("{},{},{}", x(rd), x(rs1), x(rs2)),
        Bit { op, rd, rs1, rs2 } => match op.form() {
            crate::bitmanip::Form::Reg => format!("{},{},{}", x(rd), x(rs1), x(rs2)),
            crate::bitmanip::Form::Unary => format!("{},{}", x(rd), x(rs1)),
            _ => format!("{},{},{:#x}", x(rd), x(rs1), rs2),
        },
        Fence { pred, succ, fm } => {
            if fm == 8 && pred == 3 && succ == 3 {
                String::new()
            } else {
                format!("{},{}", fence_set(pred), fence_set(succ))
            }
        }
        Csrrw { rd, rs1, csr } | Csrrs { rd, rs1, csr } | Csrrc { rd, rs1, csr } => {
            format!("{},{},{}", x(rd), csr_text(csr), x(rs1))
        }
        Csrrwi { rd, uimm, csr } | Csrrsi { rd, uimm, csr } | Csrrci { rd, uimm, csr } => {
            format!("{},{},{}", x(rd), csr_text(csr), uimm)
        }
        SfenceVma { rs1, rs2 } => format!("{},{}", x(rs1), x(rs2)),
        LrW { rd, rs1, .. } | LrD { rd, rs1, .. } => format!("{},({})", x(rd), x(rs1)),
        ScW { rd, rs1, rs2, .. }
        | AmoswapW { rd, rs1, rs2, .. }
        | AmoaddW { rd, rs1, rs2, .. }
        | AmoxorW { rd, rs1, rs2, .. }
        | AmoandW { rd, rs1, rs2, .. }
        | AmoorW { rd, rs1, rs2, .. }
        | AmominW { rd, rs1, rs2, .. }
        | AmomaxW { rd, rs1, rs2, .. }
        | AmominuW { rd, rs1, rs2, .. }
        | AmomaxuW { rd, rs1, rs2, .. }
        | ScD { rd, rs1, rs2, .. }
        | AmoswapD { rd, rs1, rs2, .. }
        | AmoaddD { rd, rs1, rs2, .. }
        | AmoxorD { rd, rs1, rs2, .. }
        | AmoandD { rd, rs1, rs2, .. }
        | AmoorD { rd, rs1, rs2, .. }
        | AmominD { rd, rs1, rs2, .. }
        | AmomaxD { rd, rs1, rs2, .. }
        | AmominuD { rd, rs1, rs2, .. }
        | AmomaxuD { rd, rs1, rs2, .. } => format!("{},{},({})", x(rd), x(rs2), x(rs1)),
        FmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        }
        | FmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        }
        | FnmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        }
        | FnmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        }
        | FmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        }
        | FmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        }
        | FnmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        }
        | FnmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => with_rm(format!("{},{},{},{}", f(rd), f(rs1), f(rs2), f(rs3)), rm),
        FaddS { rd, rs1, rs2, rm }
        | FsubS { rd, rs1, rs2, rm }
        | FmulS { rd, rs1, rs2, rm }
        | FdivS { rd, rs1, rs2, rm }
        | FaddD { rd, rs1, rs2, rm }
        | FsubD { rd, rs1, rs2, rm }
        | FmulD { rd, rs1, rs2, rm }
        | FdivD { rd, rs1, rs2, rm } => with_rm(format!("{},{},{}", f(rd), f(rs1), f(rs2)), rm),
        FsqrtS { rd, rs1, rm }
        | FsqrtD { rd, rs1, rm }
        | FcvtSD { rd, rs1, rm }
        | FcvtDS { rd, rs1, rm } => with_rm(format!("{},{}", f(rd), f(rs1)), rm),
        FsgnjS { rd, rs1, rs2 }
        | FsgnjnS { rd, rs1, rs2 }
        | FsgnjxS { rd, rs1, rs2 }
        | FminS { rd, rs1, rs2 }
        | FmaxS { rd, rs1, rs2 }
        | FsgnjD { rd, rs1, rs2 }
        | FsgnjnD { rd, rs1, rs2 }
        | FsgnjxD { rd, rs1, rs2 }
        | FminD { rd, rs1, rs2 }
        | FmaxD { rd, rs1, rs2 } => format!("{},{},{}", f(rd), f(rs1), f(rs2)),
        FeqS { rd, rs1, rs2 }
        | FltS { rd, rs1, rs2 }
        | FleS { rd, rs1, rs2 }
        | FeqD { rd, rs1, rs2 }
        | FltD { rd, rs1, rs2 }
        | FleD { rd, rs1, rs2 } => format!("{},{},{}", x(rd), f(rs1), f(rs2)),
        FcvtWS { rd, rs1, rm }
        | FcvtWuS { rd, rs1, rm }
        | FcvtLS { rd, rs1, rm }
        | FcvtLuS { rd, rs1, rm }
        | FcvtWD { rd, rs1, rm }
        | FcvtWuD { rd, rs1, rm }
        | FcvtLD { rd, rs1, rm }
        | FcvtLuD { rd, rs1, rm } => with_rm(format!("{},{}", x(rd), f(rs1)), rm),
        FcvtSW { rd, rs1, rm }
        | FcvtSWu { rd, rs1, rm }
        | FcvtSL { rd, rs1, rm }
        | FcvtSLu { rd, rs1, rm }
        | FcvtDW { rd, rs1, rm }
        | FcvtDWu { rd, rs1, rm }
        | FcvtDL { rd, rs1, rm }
        | FcvtDLu { rd, rs1, rm } => with_rm(format!("{},{}", f(rd), x(rs1)), rm),
        FmvXW { rd, rs1 } | FclassS { rd, rs1 } | FmvXD { rd, rs1 } | FclassD { rd, rs1 } => {
            format!("{},{}", x(rd), f(rs1))
        }
        FmvWX { rd, rs1 } | FmvDX { rd, rs1 } => format!("{},{}", f(rd), x(rs1)),
    }
}

fn render(inst: &Inst, pc: Option<u64>) -> String {
    let mut text = String::new();
    match *inst {
        Inst::Illegal { raw } if raw <= 0xffff && raw & 3 != 3 => {
            let _ = write!(text, ".2byte {raw:#x}");
            return text;
        }
        Inst::Illegal { raw } => {
            let _ = write!(text, ".4byte {raw:#x}");
            return text;
        }
        Inst::Fence {
            fm: 8,
            pred: 3,
            succ: 3,
        } => text.push_str("fence.tso"),
        _ => text.push_str(inst.mnemonic()),
    }
    if let Some(aqrl) = aqrl_of(inst) {
        text.push_str(aqrl_suffix(aqrl));
    }
    let ops = operands(inst, pc);
    if !ops.is_empty() {
        text.push(' ');
        text.push_str(&ops);
    }
    text
}

fn aqrl_of(inst: &Inst) -> Option<u8> {
    use Inst::*;
    match *inst {
        LrW { aqrl, .. }
        | ScW { aqrl, .. }
        | AmoswapW { aqrl, .. }
        | AmoaddW { aqrl, .. }
        | AmoxorW { aqrl, .. }
        | AmoandW { aqrl, .. }
        | AmoorW { aqrl, .. }
        | AmominW { aqrl, .. }
        | AmomaxW { aqrl, .. }
        | AmominuW { aqrl, .. }
        | AmomaxuW { aqrl, .. }
        | LrD { aqrl, .. }
        | ScD { aqrl, .. }
        | AmoswapD { aqrl, .. }
        | AmoaddD { aqrl, .. }
        | AmoxorD { aqrl, .. }
        | AmoandD { aqrl, .. }
        | AmoorD { aqrl, .. }
        | AmominD { aqrl, .. }
        | AmomaxD { aqrl, .. }
        | AmominuD { aqrl, .. }
        | AmomaxuD { aqrl, .. } => Some(aqrl),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{decode, decode_compressed};
    use crate::testgen::{one_of_each, Rng};

    #[test]
    fn disasm_common_forms_match_objdump_style() {
        let cases: &[(u32, &str)] = &[
            (0xff01_0113, "addi sp,sp,-16"),
            (0x0081_3503, "ld a0,8(sp)"),
            (0x00a1_3423, "sd a0,8(sp)"),
            (0x3005_1073, "csrrw zero,mstatus,a0"),
            (0x7c00_5073, "csrrwi zero,0x7c0,0"),
            (0x1234_52b7, "lui t0,0x12345"),
            (0x00b5_5513, "srli a0,a0,0xb"),
            (0x0ab5_a52f, "amoswap.w.rl a0,a1,(a1)"),
            (0x1405_352f, "lr.d.aq a0,(a0)"),
            (0x0020_9053, "fadd.s ft0,ft1,ft2,rtz"),
            (0x0020_f053, "fadd.s ft0,ft1,ft2"),
            (0xc005_1553, "fcvt.w.s a0,fa0,rtz"),
            (0x0ff0_000f, "fence iorw,iorw"),
            (0x8330_000f, "fence.tso"),
            (0x0100_000f, "fence w,0"),
            (0x12a5_8073, "sfence.vma a1,a0"),
            (0x3020_0073, "mret"),
            (0xffff_ffff, ".4byte 0xffffffff"),
        ];
        for &(raw, text) in cases {
            assert_eq!(disasm(&decode(raw)), text, "{raw:#010x}");
        }
    }

    #[test]
    fn disasm_branch_targets_relative_and_absolute() {
        // beq a0,a1,.+8
        let beq = decode(0x00b5_0463);
        assert_eq!(disasm(&beq), "beq a0,a1,.+8");
        assert_eq!(disasm_at(&beq, 0x8000_0000), "beq a0,a1,0x80000008");
        // c.j .-2 expands to jal zero,-2
        let back = decode_compressed(0xbffd);
        assert_eq!(disasm(&back), "jal zero,.-2");
    }

    #[test]
    fn disasm_illegal_compressed_prints_halfword() {
        assert_eq!(disasm(&decode_compressed(0x0000)), ".2byte 0x0");
    }

    #[test]
    fn disasm_every_variant_starts_with_mnemonic() {
        for inst in one_of_each(&mut Rng::new(3)) {
            let text = disasm(&inst);
            assert!(!inst.mnemonic().is_empty());
            let is_tso = matches!(
                inst,
                Inst::Fence {
                    fm: 8,
                    pred: 3,
                    succ: 3
                }
            );
            assert!(
                is_tso || text.starts_with(inst.mnemonic()),
                "{text} for {inst:?}"
            );
        }
    }
}
