//! Direct F/D helpers: one monomorphized function per operation (and
//! format), called from translated code with the operand fields packed at
//! translation time, instead of `helpers::ext`'s walk through the
//! interpreter's instruction match. The semantics are the interpreter's
//! (`rvisor_cpu::interp::fp`) step for step: the `mstatus.FS` check first
//! (illegal instruction), then the rounding mode (`frm` for DYN; reserved
//! modes illegal), operands through the NaN box, the `rvisor_fpu` routine,
//! flags accrued only when raised, and FS marked dirty on an f write.
//!
//! Packed operand word: `rd | rs1 << 8 | rs2 << 16 | rs3 << 24 | rm << 32`
//! (loads/stores: `imm` in bits 32..64 instead of `rm`).

use rvisor_cpu::interp::{Arith, Cmp, Double, Format, Int, Single};
use rvisor_cpu::{Exception, Hart, Trap};
use rvisor_fpu::Round;
use rvisor_isa::Inst;

use crate::helpers::{HelperRet, ST_CODE_WRITTEN, ST_OK, ST_TRAP};

/// A direct FP helper: hart, packed operands, raw encoding.
pub type FpFn = extern "sysv64" fn(*mut Hart, u64, u64) -> HelperRet;

// The operation of a helper is a const parameter (one monomorphized
// function each); these map it onto the interpreter's operation enums,
// whose `match` then folds away.
const ADD: u8 = 0;
const SUB: u8 = 1;
const MUL: u8 = 2;
const DIV: u8 = 3;
const EQ: u8 = 0;
const LT: u8 = 1;
const LE: u8 = 2;
const W: u8 = 0;
const WU: u8 = 1;
const L: u8 = 2;
const LU: u8 = 3;

#[inline(always)]
const fn arith_op(op: u8) -> Arith {
    match op {
        ADD => Arith::Add,
        SUB => Arith::Sub,
        MUL => Arith::Mul,
        _ => Arith::Div,
    }
}

#[inline(always)]
const fn cmp_op(op: u8) -> Cmp {
    match op {
        EQ => Cmp::Eq,
        LT => Cmp::Lt,
        _ => Cmp::Le,
    }
}

#[inline(always)]
const fn int_kind(k: u8) -> Int {
    match k {
        W => Int::W,
        WU => Int::Wu,
        L => Int::L,
        _ => Int::Lu,
    }
}

/// The unpacked operand word.
#[derive(Clone, Copy)]
struct Regs {
    rd: usize,
    rs1: usize,
    rs2: usize,
    rs3: usize,
    rm: u8,
    imm: i32,
}

#[inline(always)]
fn unpack(p: u64) -> Regs {
    Regs {
        rd: (p & 31) as usize,
        rs1: ((p >> 8) & 31) as usize,
        rs2: ((p >> 16) & 31) as usize,
        rs3: ((p >> 24) & 31) as usize,
        rm: (p >> 32) as u8,
        imm: (p >> 32) as u32 as i32,
    }
}

fn pack(rd: u8, rs1: u8, rs2: u8, rs3: u8, hi: u32) -> u64 {
    u64::from(rd)
        | u64::from(rs1) << 8
        | u64::from(rs2) << 16
        | u64::from(rs3) << 24
        | u64::from(hi) << 32
}

/// Store `t` for the dispatcher; the helper's failure status.
#[cold]
fn fail(h: &mut Hart, t: Trap) -> HelperRet {
    h.jit.trap = Some(t);
    HelperRet {
        val: 0,
        status: ST_TRAP,
    }
}

#[cold]
fn illegal(h: &mut Hart, raw: u64) -> HelperRet {
    fail(h, Trap::new(Exception::IllegalInst, raw))
}

const OK: HelperRet = HelperRet {
    val: 0,
    status: ST_OK,
};

/// `rm` resolved as the interpreter's `fp_round` does (7 = DYN).
#[inline(always)]
fn round(h: &Hart, rm: u8) -> Option<Round> {
    let bits = if rm == 7 { h.csr.frm } else { rm };
    match bits {
        0 => Some(Round::NearestEven),
        1 => Some(Round::TowardZero),
        2 => Some(Round::Down),
        3 => Some(Round::Up),
        4 => Some(Round::NearestMaxMag),
        _ => None,
    }
}

#[inline(always)]
fn fw(h: &mut Hart, rd: usize, v: u64, flags: u8) {
    if flags != 0 {
        h.accrue_fflags(flags);
    }
    h.f[rd] = v;
    h.set_fs_dirty();
}

/// The hart behind the dispatcher's pointer.
#[inline(always)]
fn hart<'a>(h: *mut Hart) -> &'a mut Hart {
    // SAFETY: the dispatcher passes the `&mut Hart` it holds, as a raw
    // pointer, for the duration of the translated code's run; nothing else
    // uses the hart meanwhile.
    unsafe { &mut *h }
}

/// Defines a helper `$name<F: Format, consts..>(h, r, raw)`: the FS check
/// is done before `$body` runs with `h: &mut Hart` and `r: Regs`.
macro_rules! helper {
    ($name:ident <$($c:ident),*> |$h:ident, $r:ident, $raw:ident| $body:block) => {
        // One shape for every helper; the moves and loads ignore `F`.
        #[allow(clippy::extra_unused_type_parameters)]
        extern "sysv64" fn $name<F: Format, $(const $c: u8),*>(
            hp: *mut Hart,
            p: u64,
            $raw: u64,
        ) -> HelperRet {
            let $h = hart(hp);
            if !$h.fp_enabled() {
                return illegal($h, $raw);
            }
            let $r = unpack(p);
            $body
        }
    };
}

helper!(arith<OP> |h, r, raw| {
    let Some(rm) = round(h, r.rm) else { return illegal(h, raw) };
    let (v, fl) = F::arith(arith_op(OP), F::operand(h.f[r.rs1]), F::operand(h.f[r.rs2]), rm);
    fw(h, r.rd, F::result(v), fl);
    OK
});

helper!(sqrt<> |h, r, raw| {
    let Some(rm) = round(h, r.rm) else { return illegal(h, raw) };
    let (v, fl) = F::sqrt(F::operand(h.f[r.rs1]), rm);
    fw(h, r.rd, F::result(v), fl);
    OK
});

// NEG: bit 0 negates the product (a), bit 1 the addend (c).
helper!(fma<NEG> |h, r, raw| {
    let Some(rm) = round(h, r.rm) else { return illegal(h, raw) };
    let mut a = F::operand(h.f[r.rs1]);
    let mut c = F::operand(h.f[r.rs3]);
    if NEG & 1 != 0 {
        a = a ^ F::SIGN;
    }
    if NEG & 2 != 0 {
        c = c ^ F::SIGN;
    }
    let b = F::operand(h.f[r.rs2]);
    // As the interpreter's `fp_fma`: the host's result once NX is accrued.
    if rm == Round::NearestEven && h.csr.fflags & rvisor_fpu::NX != 0 {
        if let Some(v) = F::fma_nx_raised(a, b, c) {
            fw(h, r.rd, F::result(v), 0);
            return OK;
        }
    }
    let (v, fl) = F::fma(a, b, c, rm);
    fw(h, r.rd, F::result(v), fl);
    OK
});

// K: 0 fsgnj, 1 fsgnjn, 2 fsgnjx; a bit operation (no flags, NaNs kept).
helper!(sgnj<K> |h, r, _raw| {
    let (a, b) = (F::operand(h.f[r.rs1]), F::operand(h.f[r.rs2]));
    let v = match K {
        0 => (a & !F::SIGN) | (b & F::SIGN),
        1 => (a & !F::SIGN) | (!b & F::SIGN),
        _ => a ^ (b & F::SIGN),
    };
    fw(h, r.rd, F::result(v), 0);
    OK
});

helper!(cmp<OP> |h, r, _raw| {
    let (v, fl) = F::cmp(cmp_op(OP), F::operand(h.f[r.rs1]), F::operand(h.f[r.rs2]));
    if fl != 0 {
        h.accrue_fflags(fl);
    }
    h.x[r.rd] = u64::from(v);
    h.x[0] = 0;
    // Also in rax, for the inline compare's slow path.
    HelperRet {
        val: u64::from(v),
        status: ST_OK,
    }
});

helper!(from_int<K> |h, r, raw| {
    let Some(rm) = round(h, r.rm) else { return illegal(h, raw) };
    let (v, fl) = F::from_int(int_kind(K), h.x[r.rs1], rm);
    fw(h, r.rd, F::result(v), fl);
    OK
});

// fcvt.{w,wu,l,lu}.{s,d}: the integer to rd, and in rax for the inline
// conversion's slow path.
helper!(to_int<K> |h, r, raw| {
    let Some(rm) = round(h, r.rm) else { return illegal(h, raw) };
    let (v, fl) = F::to_int(int_kind(K), F::operand(h.f[r.rs1]), rm);
    if fl != 0 {
        h.accrue_fflags(fl);
    }
    h.x[r.rd] = v;
    h.x[0] = 0;
    HelperRet {
        val: v,
        status: ST_OK,
    }
});

// fcvt.s.d (format unused): rounds.
helper!(narrow<> |h, r, raw| {
    let Some(rm) = round(h, r.rm) else { return illegal(h, raw) };
    let (v, fl) = rvisor_fpu::f64_to_f32(h.f[r.rs1], rm);
    fw(h, r.rd, Single::result(v), fl);
    OK
});

// fcvt.d.s (format unused): exact, but rm must be valid.
helper!(widen<> |h, r, raw| {
    if round(h, r.rm).is_none() {
        return illegal(h, raw);
    }
    let (v, fl) = rvisor_fpu::f32_to_f64(Single::operand(h.f[r.rs1]));
    fw(h, r.rd, v, fl);
    OK
});

// fmv.d.x (N = 8) / fmv.w.x (N = 4: the low 32 bits, boxed); format
// unused.
helper!(fmv_to_f<N> |h, r, _raw| {
    let v = h.x[r.rs1];
    let v = if N == 4 { Single::result(v as u32) } else { v };
    fw(h, r.rd, v, 0);
    OK
});

// fmv.x.d (N = 8) / fmv.x.w (N = 4: the low 32 bits whatever the box,
// sign-extended); format unused. Also in rax, for the in-line move's
// slow path.
helper!(fmv_to_x<N> |h, r, _raw| {
    let v = h.f[r.rs1];
    let v = if N == 4 { v as u32 as i32 as i64 as u64 } else { v };
    h.x[r.rd] = v;
    h.x[0] = 0;
    HelperRet {
        val: v,
        status: ST_OK,
    }
});

// fld (N = 8) / flw (N = 4, boxed).
helper!(fload<N> |h, r, _raw| {
    let va = h.x[r.rs1].wrapping_add(r.imm as i64 as u64);
    match h.engine_load(va, N) {
        Ok(v) => {
            let v = if N == 4 { Single::result(v as u32) } else { v };
            fw(h, r.rd, v, 0);
            OK
        }
        Err(t) => fail(h, t),
    }
});

// fsd (N = 8) / fsw (N = 4, the low 32 bits whatever the box).
helper!(fstore<N> |h, r, _raw| {
    let va = h.x[r.rs1].wrapping_add(r.imm as i64 as u64);
    let v = h.f[r.rs2];
    let v = if N == 4 { v & 0xffff_ffff } else { v };
    match h.engine_store(va, N, v) {
        Ok(false) => OK,
        Ok(true) => HelperRet {
            val: 0,
            status: ST_CODE_WRITTEN,
        },
        Err(t) => fail(h, t),
    }
});

/// The direct helper and packed operands for `inst`, if it has one.
pub fn direct(inst: &Inst) -> Option<(FpFn, u64)> {
    use Inst::*;
    let rr = |rd, rs1, rs2, rm: rvisor_isa::RoundingMode| pack(rd, rs1, rs2, 0, rm as u32);
    Some(match *inst {
        FaddD { rd, rs1, rs2, rm } => (arith::<Double, ADD> as FpFn, rr(rd, rs1, rs2, rm)),
        FsubD { rd, rs1, rs2, rm } => (arith::<Double, SUB>, rr(rd, rs1, rs2, rm)),
        FmulD { rd, rs1, rs2, rm } => (arith::<Double, MUL>, rr(rd, rs1, rs2, rm)),
        FdivD { rd, rs1, rs2, rm } => (arith::<Double, DIV>, rr(rd, rs1, rs2, rm)),
        FaddS { rd, rs1, rs2, rm } => (arith::<Single, ADD>, rr(rd, rs1, rs2, rm)),
        FsubS { rd, rs1, rs2, rm } => (arith::<Single, SUB>, rr(rd, rs1, rs2, rm)),
        FmulS { rd, rs1, rs2, rm } => (arith::<Single, MUL>, rr(rd, rs1, rs2, rm)),
        FdivS { rd, rs1, rs2, rm } => (arith::<Single, DIV>, rr(rd, rs1, rs2, rm)),
        FsqrtD { rd, rs1, rm } => (sqrt::<Double>, rr(rd, rs1, 0, rm)),
        FsqrtS { rd, rs1, rm } => (sqrt::<Single>, rr(rd, rs1, 0, rm)),
        FmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Double, 0>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Double, 2>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FnmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Double, 1>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FnmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Double, 3>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Single, 0>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Single, 2>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FnmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Single, 1>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FnmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm,
        } => (fma::<Single, 3>, pack(rd, rs1, rs2, rs3, rm as u32)),
        FsgnjD { rd, rs1, rs2 } => (sgnj::<Double, 0>, pack(rd, rs1, rs2, 0, 0)),
        FsgnjnD { rd, rs1, rs2 } => (sgnj::<Double, 1>, pack(rd, rs1, rs2, 0, 0)),
        FsgnjxD { rd, rs1, rs2 } => (sgnj::<Double, 2>, pack(rd, rs1, rs2, 0, 0)),
        FsgnjS { rd, rs1, rs2 } => (sgnj::<Single, 0>, pack(rd, rs1, rs2, 0, 0)),
        FsgnjnS { rd, rs1, rs2 } => (sgnj::<Single, 1>, pack(rd, rs1, rs2, 0, 0)),
        FsgnjxS { rd, rs1, rs2 } => (sgnj::<Single, 2>, pack(rd, rs1, rs2, 0, 0)),
        FeqD { rd, rs1, rs2 } => (cmp::<Double, EQ>, pack(rd, rs1, rs2, 0, 0)),
        FltD { rd, rs1, rs2 } => (cmp::<Double, LT>, pack(rd, rs1, rs2, 0, 0)),
        FleD { rd, rs1, rs2 } => (cmp::<Double, LE>, pack(rd, rs1, rs2, 0, 0)),
        FeqS { rd, rs1, rs2 } => (cmp::<Single, EQ>, pack(rd, rs1, rs2, 0, 0)),
        FltS { rd, rs1, rs2 } => (cmp::<Single, LT>, pack(rd, rs1, rs2, 0, 0)),
        FleS { rd, rs1, rs2 } => (cmp::<Single, LE>, pack(rd, rs1, rs2, 0, 0)),
        FcvtDW { rd, rs1, rm } => (from_int::<Double, W>, rr(rd, rs1, 0, rm)),
        FcvtDWu { rd, rs1, rm } => (from_int::<Double, WU>, rr(rd, rs1, 0, rm)),
        FcvtDL { rd, rs1, rm } => (from_int::<Double, L>, rr(rd, rs1, 0, rm)),
        FcvtDLu { rd, rs1, rm } => (from_int::<Double, LU>, rr(rd, rs1, 0, rm)),
        FcvtSW { rd, rs1, rm } => (from_int::<Single, W>, rr(rd, rs1, 0, rm)),
        FcvtSWu { rd, rs1, rm } => (from_int::<Single, WU>, rr(rd, rs1, 0, rm)),
        FcvtSL { rd, rs1, rm } => (from_int::<Single, L>, rr(rd, rs1, 0, rm)),
        FcvtSLu { rd, rs1, rm } => (from_int::<Single, LU>, rr(rd, rs1, 0, rm)),
        FcvtWD { rd, rs1, rm } => (to_int::<Double, W>, rr(rd, rs1, 0, rm)),
        FcvtWuD { rd, rs1, rm } => (to_int::<Double, WU>, rr(rd, rs1, 0, rm)),
        FcvtLD { rd, rs1, rm } => (to_int::<Double, L>, rr(rd, rs1, 0, rm)),
        FcvtLuD { rd, rs1, rm } => (to_int::<Double, LU>, rr(rd, rs1, 0, rm)),
        FcvtWS { rd, rs1, rm } => (to_int::<Single, W>, rr(rd, rs1, 0, rm)),
        FcvtWuS { rd, rs1, rm } => (to_int::<Single, WU>, rr(rd, rs1, 0, rm)),
        FcvtLS { rd, rs1, rm } => (to_int::<Single, L>, rr(rd, rs1, 0, rm)),
        FcvtLuS { rd, rs1, rm } => (to_int::<Single, LU>, rr(rd, rs1, 0, rm)),
        FcvtSD { rd, rs1, rm } => (narrow::<Double>, rr(rd, rs1, 0, rm)),
        FcvtDS { rd, rs1, rm } => (widen::<Double>, rr(rd, rs1, 0, rm)),
        FmvDX { rd, rs1 } => (fmv_to_f::<Double, 8>, pack(rd, rs1, 0, 0, 0)),
        FmvWX { rd, rs1 } => (fmv_to_f::<Double, 4>, pack(rd, rs1, 0, 0, 0)),
        FmvXW { rd, rs1 } => (fmv_to_x::<Double, 4>, pack(rd, rs1, 0, 0, 0)),
        FmvXD { rd, rs1 } => (fmv_to_x::<Double, 8>, pack(rd, rs1, 0, 0, 0)),
        Fld { rd, rs1, imm } => (fload::<Double, 8>, pack(rd, rs1, 0, 0, imm as u32)),
        Flw { rd, rs1, imm } => (fload::<Double, 4>, pack(rd, rs1, 0, 0, imm as u32)),
        Fsd { rs1, rs2, imm } => (fstore::<Double, 8>, pack(0, rs1, rs2, 0, imm as u32)),
        Fsw { rs1, rs2, imm } => (fstore::<Double, 4>, pack(0, rs1, rs2, 0, imm as u32)),
        _ => return None,
    })
}
