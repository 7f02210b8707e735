//! The semantics F and D share, written once over the operand format: the
//! arithmetic, FMA, sign injection, min/max, comparisons, classification
//! and integer conversions. [`Format`] says how a format reads its operand
//! (binary32 through the NaN box) and writes its result (binary32 boxed),
//! and which `rvisor_fpu` routine computes each operation;
//! [`shared_ops!`] maps one format's `Inst` variants onto the generic
//! methods. Only what differs (loads/stores, bit moves, binary32<->binary64
//! conversions) stays in [`super::f`] and [`super::d`].

use std::ops::{BitAnd, BitOr, BitXor, Not};

use rvisor_fpu as fpu;
use rvisor_fpu::Round;
use rvisor_isa::RoundingMode;

use super::f::{nan_box, unbox};
use super::i::sext32;
use crate::trap::Trap;
use crate::Hart;

/// An IEEE 754 format as the F or D extension holds it in an f register.
pub trait Format {
    /// The raw encoding.
    type Bits: Copy
        + BitAnd<Output = Self::Bits>
        + BitOr<Output = Self::Bits>
        + BitXor<Output = Self::Bits>
        + Not<Output = Self::Bits>;
    /// The sign bit.
    const SIGN: Self::Bits;
    /// An operand from raw register bits.
    fn operand(reg: u64) -> Self::Bits;
    /// Register bits for a result.
    fn result(v: Self::Bits) -> u64;
    /// `op` rounded per `rm`; the result and the exception flags.
    fn arith(op: Arith, a: Self::Bits, b: Self::Bits, rm: Round) -> (Self::Bits, u8);
    /// Square root.
    fn sqrt(a: Self::Bits, rm: Round) -> (Self::Bits, u8);
    /// `a * b + c`, rounded once.
    fn fma(a: Self::Bits, b: Self::Bits, c: Self::Bits, rm: Round) -> (Self::Bits, u8);
    /// [`Self::fma`] under round-to-nearest-even when NX is accrued
    /// already, by the host where that gives the same result and flags.
    fn fma_nx_raised(a: Self::Bits, b: Self::Bits, c: Self::Bits) -> Option<Self::Bits>;
    /// `fmin` (IEEE 754-2019 minimumNumber).
    fn min(a: Self::Bits, b: Self::Bits) -> (Self::Bits, u8);
    /// `fmax` (maximumNumber).
    fn max(a: Self::Bits, b: Self::Bits) -> (Self::Bits, u8);
    /// `feq`/`flt`/`fle`.
    fn cmp(op: Cmp, a: Self::Bits, b: Self::Bits) -> (bool, u8);
    /// `fclass`: the one-hot class mask.
    fn classify(a: Self::Bits) -> u64;
    /// To an integer, as the value `rd` receives (32-bit results
    /// sign-extended, the unsigned one too).
    fn to_int(kind: Int, a: Self::Bits, rm: Round) -> (u64, u8);
    /// From the integer in the low bits of `x` (per `kind`).
    fn from_int(kind: Int, x: u64, rm: Round) -> (Self::Bits, u8);
}

/// Rounded two-operand arithmetic.
#[derive(Clone, Copy)]
pub enum Arith {
    /// Addition.
    Add,
    /// Subtraction.
    Sub,
    /// Multiplication.
    Mul,
    /// Division.
    Div,
}

/// Comparisons (`feq` is quiet, `flt`/`fle` signalling: `rvisor_fpu`'s).
#[derive(Clone, Copy)]
pub enum Cmp {
    /// `feq` (quiet).
    Eq,
    /// `flt`.
    Lt,
    /// `fle`.
    Le,
}

/// Integer side of a conversion: `w`, `wu`, `l`, `lu`.
#[derive(Clone, Copy)]
pub enum Int {
    /// Signed 32-bit.
    W,
    /// Unsigned 32-bit.
    Wu,
    /// Signed 64-bit.
    L,
    /// Unsigned 64-bit.
    Lu,
}

/// Sign injection: `fsgnj`, `fsgnjn`, `fsgnjx`.
#[derive(Clone, Copy)]
pub enum Sgnj {
    /// `fsgnj`.
    Copy,
    /// `fsgnjn`.
    Negate,
    /// `fsgnjx`.
    Xor,
}

/// binary32 (F), NaN-boxed in the 64-bit registers.
pub struct Single;

/// binary64 (D).
pub struct Double;

impl Format for Single {
    type Bits = u32;
    const SIGN: u32 = 1 << 31;

    #[inline(always)]
    fn operand(reg: u64) -> u32 {
        unbox(reg)
    }
    #[inline(always)]
    fn result(v: u32) -> u64 {
        nan_box(v)
    }
    #[inline(always)]
    fn arith(op: Arith, a: u32, b: u32, rm: Round) -> (u32, u8) {
        match op {
            Arith::Add => fpu::f32_add(a, b, rm),
            Arith::Sub => fpu::f32_sub(a, b, rm),
            Arith::Mul => fpu::f32_mul(a, b, rm),
            Arith::Div => fpu::f32_div(a, b, rm),
        }
    }
    #[inline(always)]
    fn sqrt(a: u32, rm: Round) -> (u32, u8) {
        fpu::f32_sqrt(a, rm)
    }
    #[inline(always)]
    fn fma(a: u32, b: u32, c: u32, rm: Round) -> (u32, u8) {
        fpu::f32_fma(a, b, c, rm)
    }
    #[inline(always)]
    fn fma_nx_raised(a: u32, b: u32, c: u32) -> Option<u32> {
        fpu::f32_fma_nx_raised(a, b, c)
    }
    #[inline(always)]
    fn min(a: u32, b: u32) -> (u32, u8) {
        fpu::f32_min(a, b)
    }
    #[inline(always)]
    fn max(a: u32, b: u32) -> (u32, u8) {
        fpu::f32_max(a, b)
    }
    #[inline(always)]
    fn cmp(op: Cmp, a: u32, b: u32) -> (bool, u8) {
        match op {
            Cmp::Eq => fpu::f32_eq(a, b),
            Cmp::Lt => fpu::f32_lt(a, b),
            Cmp::Le => fpu::f32_le(a, b),
        }
    }
    #[inline(always)]
    fn classify(a: u32) -> u64 {
        fpu::f32_classify(a)
    }
    #[inline(always)]
    fn to_int(kind: Int, a: u32, rm: Round) -> (u64, u8) {
        match kind {
            Int::W => widen_i32(fpu::f32_to_i32(a, rm)),
            Int::Wu => widen_u32(fpu::f32_to_u32(a, rm)),
            Int::L => widen_i64(fpu::f32_to_i64(a, rm)),
            Int::Lu => fpu::f32_to_u64(a, rm),
        }
    }
    #[inline(always)]
    fn from_int(kind: Int, x: u64, rm: Round) -> (u32, u8) {
        match kind {
            Int::W => fpu::i32_to_f32(x as i32, rm),
            Int::Wu => fpu::u32_to_f32(x as u32, rm),
            Int::L => fpu::i64_to_f32(x as i64, rm),
            Int::Lu => fpu::u64_to_f32(x, rm),
        }
    }
}

impl Format for Double {
    type Bits = u64;
    const SIGN: u64 = 1 << 63;

    #[inline(always)]
    fn operand(reg: u64) -> u64 {
        reg
    }
    #[inline(always)]
    fn result(v: u64) -> u64 {
        v
    }
    #[inline(always)]
    fn arith(op: Arith, a: u64, b: u64, rm: Round) -> (u64, u8) {
        match op {
            Arith::Add => fpu::f64_add(a, b, rm),
            Arith::Sub => fpu::f64_sub(a, b, rm),
            Arith::Mul => fpu::f64_mul(a, b, rm),
            Arith::Div => fpu::f64_div(a, b, rm),
        }
    }
    #[inline(always)]
    fn sqrt(a: u64, rm: Round) -> (u64, u8) {
        fpu::f64_sqrt(a, rm)
    }
    #[inline(always)]
    fn fma(a: u64, b: u64, c: u64, rm: Round) -> (u64, u8) {
        fpu::f64_fma(a, b, c, rm)
    }
    #[inline(always)]
    fn fma_nx_raised(a: u64, b: u64, c: u64) -> Option<u64> {
        fpu::f64_fma_nx_raised(a, b, c)
    }
    #[inline(always)]
    fn min(a: u64, b: u64) -> (u64, u8) {
        fpu::f64_min(a, b)
    }
    #[inline(always)]
    fn max(a: u64, b: u64) -> (u64, u8) {
        fpu::f64_max(a, b)
    }
    #[inline(always)]
    fn cmp(op: Cmp, a: u64, b: u64) -> (bool, u8) {
        match op {
            Cmp::Eq => fpu::f64_eq(a, b),
            Cmp::Lt => fpu::f64_lt(a, b),
            Cmp::Le => fpu::f64_le(a, b),
        }
    }
    #[inline(always)]
    fn classify(a: u64) -> u64 {
        fpu::f64_classify(a)
    }
    #[inline(always)]
    fn to_int(kind: Int, a: u64, rm: Round) -> (u64, u8) {
        match kind {
            Int::W => widen_i32(fpu::f64_to_i32(a, rm)),
            Int::Wu => widen_u32(fpu::f64_to_u32(a, rm)),
            Int::L => widen_i64(fpu::f64_to_i64(a, rm)),
            Int::Lu => fpu::f64_to_u64(a, rm),
        }
    }
    #[inline(always)]
    fn from_int(kind: Int, x: u64, rm: Round) -> (u64, u8) {
        match kind {
            Int::W => fpu::i32_to_f64(x as i32, rm),
            Int::Wu => fpu::u32_to_f64(x as u32, rm),
            Int::L => fpu::i64_to_f64(x as i64, rm),
            Int::Lu => fpu::u64_to_f64(x, rm),
        }
    }
}

fn widen_i32((v, fl): (i32, u8)) -> (u64, u8) {
    (v as i64 as u64, fl)
}

fn widen_u32((v, fl): (u32, u8)) -> (u64, u8) {
    (sext32(u64::from(v)), fl)
}

fn widen_i64((v, fl): (i64, u8)) -> (u64, u8) {
    (v as u64, fl)
}

impl Hart {
    /// f register `r` as an `F` operand.
    #[inline(always)]
    fn fop<F: Format>(&self, r: u8) -> F::Bits {
        F::operand(self.fr(r))
    }

    /// Write an `F` result with its flags.
    #[inline(always)]
    fn fw_fmt<F: Format>(&mut self, rd: u8, (v, flags): (F::Bits, u8)) {
        self.fp_flags(flags);
        self.fw(rd, F::result(v));
    }

    /// `fmadd`, `fmsub` (`neg_c`), `fnmsub` (`neg_ab`), `fnmadd` (both):
    /// the negations flip signs before the single rounding.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fp_fma<F: Format>(
        &mut self,
        rd: u8,
        rs1: u8,
        rs2: u8,
        rs3: u8,
        neg_ab: bool,
        neg_c: bool,
        rm: RoundingMode,
        raw: u32,
    ) -> Result<(), Trap> {
        let rm = self.fp_round(rm, raw)?;
        let mut a = self.fop::<F>(rs1);
        let mut c = self.fop::<F>(rs3);
        if neg_ab {
            a = a ^ F::SIGN;
        }
        if neg_c {
            c = c ^ F::SIGN;
        }
        let b = self.fop::<F>(rs2);
        // Once NX is accrued (FP code soon raises it, and seldom clears
        // it) the host's fused multiply-add gives result and flags.
        if rm == Round::NearestEven && self.csr.fflags & fpu::NX != 0 {
            if let Some(v) = F::fma_nx_raised(a, b, c) {
                self.fw_fmt::<F>(rd, (v, 0));
                return Ok(());
            }
        }
        let r = F::fma(a, b, c, rm);
        self.fw_fmt::<F>(rd, r);
        Ok(())
    }

    #[inline(always)]
    pub(super) fn fp_arith<F: Format>(
        &mut self,
        op: Arith,
        rd: u8,
        rs1: u8,
        rs2: u8,
        rm: RoundingMode,
        raw: u32,
    ) -> Result<(), Trap> {
        let rm = self.fp_round(rm, raw)?;
        let r = F::arith(op, self.fop::<F>(rs1), self.fop::<F>(rs2), rm);
        self.fw_fmt::<F>(rd, r);
        Ok(())
    }

    pub(super) fn fp_sqrt<F: Format>(
        &mut self,
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
        raw: u32,
    ) -> Result<(), Trap> {
        let rm = self.fp_round(rm, raw)?;
        let r = F::sqrt(self.fop::<F>(rs1), rm);
        self.fw_fmt::<F>(rd, r);
        Ok(())
    }

    /// Sign injection is a bit operation: no flags, NaNs pass through.
    pub(super) fn fp_sgnj<F: Format>(&mut self, op: Sgnj, rd: u8, rs1: u8, rs2: u8) {
        let (a, b) = (self.fop::<F>(rs1), self.fop::<F>(rs2));
        let v = match op {
            Sgnj::Copy => (a & !F::SIGN) | (b & F::SIGN),
            Sgnj::Negate => (a & !F::SIGN) | (!b & F::SIGN),
            Sgnj::Xor => a ^ (b & F::SIGN),
        };
        self.fw(rd, F::result(v));
    }

    pub(super) fn fp_minmax<F: Format>(&mut self, max: bool, rd: u8, rs1: u8, rs2: u8) {
        let (a, b) = (self.fop::<F>(rs1), self.fop::<F>(rs2));
        let r = if max { F::max(a, b) } else { F::min(a, b) };
        self.fw_fmt::<F>(rd, r);
    }

    pub(super) fn fp_cmp<F: Format>(&mut self, op: Cmp, rd: u8, rs1: u8, rs2: u8) {
        let (v, fl) = F::cmp(op, self.fop::<F>(rs1), self.fop::<F>(rs2));
        self.xw_flags(rd, u64::from(v), fl);
    }

    pub(super) fn fp_classify<F: Format>(&mut self, rd: u8, rs1: u8) {
        self.xw(rd, F::classify(self.fop::<F>(rs1)));
    }

    pub(super) fn fp_to_int<F: Format>(
        &mut self,
        kind: Int,
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
        raw: u32,
    ) -> Result<(), Trap> {
        let rm = self.fp_round(rm, raw)?;
        let (v, fl) = F::to_int(kind, self.fop::<F>(rs1), rm);
        self.xw_flags(rd, v, fl);
        Ok(())
    }

    pub(super) fn fp_from_int<F: Format>(
        &mut self,
        kind: Int,
        rd: u8,
        rs1: u8,
        rm: RoundingMode,
        raw: u32,
    ) -> Result<(), Trap> {
        let rm = self.fp_round(rm, raw)?;
        let r = F::from_int(kind, self.xr(rs1), rm);
        self.fw_fmt::<F>(rd, r);
        Ok(())
    }
}

/// The instructions F and D share, for one format: evaluates to
/// `Some(result)` for them and `None` for every other instruction.
/// The variant names are given in this order: fmadd fmsub fnmsub fnmadd
/// fadd fsub fmul fdiv fsqrt fsgnj fsgnjn fsgnjx fmin fmax fcvt.w fcvt.wu
/// fcvt.l fcvt.lu feq flt fle fclass fcvt.from-w .from-wu .from-l .from-lu.
macro_rules! shared_ops {
    ($h:expr, $inst:expr, $raw:expr, $F:ty;
     $fmadd:ident $fmsub:ident $fnmsub:ident $fnmadd:ident
     $fadd:ident $fsub:ident $fmul:ident $fdiv:ident $fsqrt:ident
     $fsgnj:ident $fsgnjn:ident $fsgnjx:ident $fmin:ident $fmax:ident
     $cvt_w:ident $cvt_wu:ident $cvt_l:ident $cvt_lu:ident
     $feq:ident $flt:ident $fle:ident $fclass:ident
     $from_w:ident $from_wu:ident $from_l:ident $from_lu:ident) => {{
        use rvisor_isa::Inst;
        use $crate::interp::fp::{Arith, Cmp, Int, Sgnj};
        let (h, raw): (&mut $crate::Hart, u32) = (&mut *$h, $raw);
        match $inst {
            Inst::$fmadd {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => Some(h.fp_fma::<$F>(rd, rs1, rs2, rs3, false, false, rm, raw)),
            Inst::$fmsub {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => Some(h.fp_fma::<$F>(rd, rs1, rs2, rs3, false, true, rm, raw)),
            Inst::$fnmsub {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => Some(h.fp_fma::<$F>(rd, rs1, rs2, rs3, true, false, rm, raw)),
            Inst::$fnmadd {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => Some(h.fp_fma::<$F>(rd, rs1, rs2, rs3, true, true, rm, raw)),
            Inst::$fadd { rd, rs1, rs2, rm } => {
                Some(h.fp_arith::<$F>(Arith::Add, rd, rs1, rs2, rm, raw))
            }
            Inst::$fsub { rd, rs1, rs2, rm } => {
                Some(h.fp_arith::<$F>(Arith::Sub, rd, rs1, rs2, rm, raw))
            }
            Inst::$fmul { rd, rs1, rs2, rm } => {
                Some(h.fp_arith::<$F>(Arith::Mul, rd, rs1, rs2, rm, raw))
            }
            Inst::$fdiv { rd, rs1, rs2, rm } => {
                Some(h.fp_arith::<$F>(Arith::Div, rd, rs1, rs2, rm, raw))
            }
            Inst::$fsqrt { rd, rs1, rm } => Some(h.fp_sqrt::<$F>(rd, rs1, rm, raw)),
            Inst::$fsgnj { rd, rs1, rs2 } => {
                h.fp_sgnj::<$F>(Sgnj::Copy, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$fsgnjn { rd, rs1, rs2 } => {
                h.fp_sgnj::<$F>(Sgnj::Negate, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$fsgnjx { rd, rs1, rs2 } => {
                h.fp_sgnj::<$F>(Sgnj::Xor, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$fmin { rd, rs1, rs2 } => {
                h.fp_minmax::<$F>(false, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$fmax { rd, rs1, rs2 } => {
                h.fp_minmax::<$F>(true, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$cvt_w { rd, rs1, rm } => Some(h.fp_to_int::<$F>(Int::W, rd, rs1, rm, raw)),
            Inst::$cvt_wu { rd, rs1, rm } => Some(h.fp_to_int::<$F>(Int::Wu, rd, rs1, rm, raw)),
            Inst::$cvt_l { rd, rs1, rm } => Some(h.fp_to_int::<$F>(Int::L, rd, rs1, rm, raw)),
            Inst::$cvt_lu { rd, rs1, rm } => Some(h.fp_to_int::<$F>(Int::Lu, rd, rs1, rm, raw)),
            Inst::$feq { rd, rs1, rs2 } => {
                h.fp_cmp::<$F>(Cmp::Eq, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$flt { rd, rs1, rs2 } => {
                h.fp_cmp::<$F>(Cmp::Lt, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$fle { rd, rs1, rs2 } => {
                h.fp_cmp::<$F>(Cmp::Le, rd, rs1, rs2);
                Some(Ok(()))
            }
            Inst::$fclass { rd, rs1 } => {
                h.fp_classify::<$F>(rd, rs1);
                Some(Ok(()))
            }
            Inst::$from_w { rd, rs1, rm } => Some(h.fp_from_int::<$F>(Int::W, rd, rs1, rm, raw)),
            Inst::$from_wu { rd, rs1, rm } => Some(h.fp_from_int::<$F>(Int::Wu, rd, rs1, rm, raw)),
            Inst::$from_l { rd, rs1, rm } => Some(h.fp_from_int::<$F>(Int::L, rd, rs1, rm, raw)),
            Inst::$from_lu { rd, rs1, rm } => Some(h.fp_from_int::<$F>(Int::Lu, rd, rs1, rm, raw)),
            _ => None,
        }
    }};
}

pub(super) use shared_ops;
