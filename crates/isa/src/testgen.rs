//! Test-only generators shared by the unit tests of this crate.

use crate::inst::{Inst, RoundingMode};

/// A small deterministic xorshift generator, so tests need no dependency and
/// every failure reproduces from its seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in `0..n` (`n` at most 256).
    pub(crate) fn below(&mut self, n: u32) -> u8 {
        (self.next_u32() % n) as u8
    }

    fn reg(&mut self) -> u8 {
        self.below(32)
    }

    fn imm_signed(&mut self, bits: u32) -> i32 {
        (self.next_u32() as i32) >> (32 - bits)
    }

    fn imm_even(&mut self, bits: u32) -> i32 {
        self.imm_signed(bits) & !1
    }

    fn imm_u(&mut self) -> i32 {
        (self.next_u32() & 0xffff_f000) as i32
    }

    fn csr(&mut self) -> u16 {
        (self.next_u32() & 0xfff) as u16
    }

    fn rm(&mut self) -> RoundingMode {
        const VALID: [u32; 6] = [0, 1, 2, 3, 4, 7];
        RoundingMode::from_bits(VALID[usize::from(self.below(6))])
    }
}

/// Number of `Inst` variants other than `Illegal`.
pub(crate) const VARIANTS: usize = 160;

/// One instance of every encodable `Inst` variant, with random valid fields.
pub(crate) fn one_of_each(r: &mut Rng) -> Vec<Inst> {
    vec![
        Inst::Lui {
            rd: r.reg(),
            imm: r.imm_u(),
        },
        Inst::Auipc {
            rd: r.reg(),
            imm: r.imm_u(),
        },
        Inst::Jal {
            rd: r.reg(),
            imm: r.imm_even(21),
        },
        Inst::Jalr {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Beq {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_even(13),
        },
        Inst::Bne {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_even(13),
        },
        Inst::Blt {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_even(13),
        },
        Inst::Bge {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_even(13),
        },
        Inst::Bltu {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_even(13),
        },
        Inst::Bgeu {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_even(13),
        },
        Inst::Lb {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Lh {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Lw {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Ld {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Lbu {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Lhu {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Lwu {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Sb {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Sh {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Sw {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Sd {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Addi {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Slti {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Sltiu {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Xori {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Ori {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Andi {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Slli {
            rd: r.reg(),
            rs1: r.reg(),
            shamt: r.below(64),
        },
        Inst::Srli {
            rd: r.reg(),
            rs1: r.reg(),
            shamt: r.below(64),
        },
        Inst::Srai {
            rd: r.reg(),
            rs1: r.reg(),
            shamt: r.below(64),
        },
        Inst::Add {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Sub {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Sll {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Slt {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Sltu {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Xor {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Srl {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Sra {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Or {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::And {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Addiw {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Slliw {
            rd: r.reg(),
            rs1: r.reg(),
            shamt: r.below(32),
        },
        Inst::Srliw {
            rd: r.reg(),
            rs1: r.reg(),
            shamt: r.below(32),
        },
        Inst::Sraiw {
            rd: r.reg(),
            rs1: r.reg(),
            shamt: r.below(32),
        },
        Inst::Addw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Subw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Sllw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Srlw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Sraw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Fence {
            pred: r.below(16),
            succ: r.below(16),
            fm: r.below(16),
        },
        Inst::Ecall,
        Inst::Ebreak,
        Inst::FenceI,
        Inst::Csrrw {
            rd: r.reg(),
            rs1: r.reg(),
            csr: r.csr(),
        },
        Inst::Csrrs {
            rd: r.reg(),
            rs1: r.reg(),
            csr: r.csr(),
        },
        Inst::Csrrc {
            rd: r.reg(),
            rs1: r.reg(),
            csr: r.csr(),
        },
        Inst::Csrrwi {
            rd: r.reg(),
            uimm: r.below(32),
            csr: r.csr(),
        },
        Inst::Csrrsi {
            rd: r.reg(),
            uimm: r.below(32),
            csr: r.csr(),
        },
        Inst::Csrrci {
            rd: r.reg(),
            uimm: r.below(32),
            csr: r.csr(),
        },
        Inst::Mret,
        Inst::Sret,
        Inst::Wfi,
        Inst::SfenceVma {
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Mul {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Mulh {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Mulhsu {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Mulhu {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Div {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Divu {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Rem {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Remu {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Mulw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Divw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Divuw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Remw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::Remuw {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::LrW {
            rd: r.reg(),
            rs1: r.reg(),
            aqrl: r.below(4),
        },
        Inst::ScW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoswapW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoaddW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoxorW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoandW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoorW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmominW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmomaxW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmominuW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmomaxuW {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::LrD {
            rd: r.reg(),
            rs1: r.reg(),
            aqrl: r.below(4),
        },
        Inst::ScD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoswapD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoaddD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoxorD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoandD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmoorD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmominD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmomaxD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmominuD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::AmomaxuD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            aqrl: r.below(4),
        },
        Inst::Flw {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Fsw {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::FmaddS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FmsubS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FnmsubS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FnmaddS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FaddS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FsubS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FmulS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FdivS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FsqrtS {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FsgnjS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FsgnjnS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FsgnjxS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FminS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FmaxS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FcvtWS {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtWuS {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtLS {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtLuS {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FmvXW {
            rd: r.reg(),
            rs1: r.reg(),
        },
        Inst::FeqS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FltS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FleS {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FclassS {
            rd: r.reg(),
            rs1: r.reg(),
        },
        Inst::FcvtSW {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtSWu {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtSL {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtSLu {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FmvWX {
            rd: r.reg(),
            rs1: r.reg(),
        },
        Inst::Fld {
            rd: r.reg(),
            rs1: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::Fsd {
            rs1: r.reg(),
            rs2: r.reg(),
            imm: r.imm_signed(12),
        },
        Inst::FmaddD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FmsubD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FnmsubD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FnmaddD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rs3: r.reg(),
            rm: r.rm(),
        },
        Inst::FaddD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FsubD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FmulD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FdivD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
            rm: r.rm(),
        },
        Inst::FsqrtD {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FsgnjD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FsgnjnD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FsgnjxD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FminD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FmaxD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FcvtSD {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtDS {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FeqD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FltD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FleD {
            rd: r.reg(),
            rs1: r.reg(),
            rs2: r.reg(),
        },
        Inst::FclassD {
            rd: r.reg(),
            rs1: r.reg(),
        },
        Inst::FcvtWD {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtWuD {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtLD {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtLuD {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtDW {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtDWu {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtDL {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FcvtDLu {
            rd: r.reg(),
            rs1: r.reg(),
            rm: r.rm(),
        },
        Inst::FmvXD {
            rd: r.reg(),
            rs1: r.reg(),
        },
        Inst::FmvDX {
            rd: r.reg(),
            rs1: r.reg(),
        },
    ]
}
