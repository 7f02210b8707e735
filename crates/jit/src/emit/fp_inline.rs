//! Inline templates for FP compares (`feq`/`flt`/`fle`, both formats:
//! the host's compare unless an operand is a NaN or, for `.s`, not
//! NaN-boxed), sign injection of doubles (`fmv.d`, `fneg.d`, `fabs.d`),
//! and `fadd.d`, `fsub.d`, `fmul.d` and `fdiv.d` under round-to-nearest-even:
//! the host's SSE2 result, with the exactness proof `rvisor_fpu`'s fast
//! path uses (TwoSum for sums, odd significand parts for products) while
//! `fflags.NX` is clear, so result and `fflags` are the soft-float's.
//! Quotients have no such proof: `fdiv.d` is in line only once NX is set.
//! Whatever that fast path would decline (FS off, another rounding mode, a
//! non-finite operand, a result outside `[2^(emin+1), inf)`) takes the
//! out-of-line call of the direct helper, before any state is written.
//!
//! The host MXCSR is the default one (nearest-even, no FTZ/DAZ), as
//! `rvisor_fpu`'s own fast path requires. The templates use the scratch
//! registers rax, rcx, rdx, rsi, rdi and xmm0-xmm4 (free: every helper
//! call of the block clobbers them anyway), and no integer register the
//! register cache uses.

use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};
use rvisor_cpu::csr::mstatus;
use rvisor_cpu::Hart;
use rvisor_isa::{Inst, RoundingMode};

use super::fcache::{fo, FLoc};
use super::fp_state::{FS_DIRTY, FS_ON};
use super::{Emitter, Site, SlowCall, Stub};
use crate::fp;

const MSTATUS: i32 = std::mem::offset_of!(Hart, csr.mstatus) as i32;
const FRM: i32 = std::mem::offset_of!(Hart, csr.frm) as i32;
const FFLAGS: i32 = std::mem::offset_of!(Hart, csr.fflags) as i32;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Add,
    Sub,
    Mul,
    Div,
}

/// The x register an FP template writes in line (through the register
/// cache), if any.
pub(super) fn x_written_in_line(inst: &Inst) -> Option<u8> {
    match *inst {
        Inst::FeqD { rd, .. }
        | Inst::FltD { rd, .. }
        | Inst::FleD { rd, .. }
        | Inst::FeqS { rd, .. }
        | Inst::FltS { rd, .. }
        | Inst::FleS { rd, .. }
        | Inst::FmvXD { rd, .. }
        | Inst::FcvtLD { rd, .. }
        | Inst::FcvtWD { rd, .. }
        | Inst::FcvtLS { rd, .. }
        | Inst::FcvtWS { rd, .. }
        | Inst::FmvXW { rd, .. } => Some(rd),
        _ => None,
    }
}

impl Emitter {
    /// Emit `inst` inline if it is one of ours; false otherwise.
    pub(super) fn fp_inline(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        self.fp_compare(inst, raw, site)
            || self.fp_sign(inst, raw, site)
            || self.fp_arith(inst, raw, site)
            || self.fp_move(inst, raw, site)
            || self.fp_access(inst, raw, site)
            || self.fp_nx_raised(inst, raw, site)
            || self.fp_convert(inst, raw, site)
            || self.fp_single_bits(inst, raw, site)
    }

    /// `fmv.w.x` (how GCC loads a float constant), `fmv.x.w`, and
    /// `fsgnj`/`fsgnjn`/`fsgnjx.s` (`fmv.s`, `fneg.s`, `fabs.s`): bit
    /// moves that raise no flag; FS must be on (Dirty where an f register
    /// is written), and the sign injections' operands boxed (else they are
    /// the canonical NaN: the helper's business).
    fn fp_single_bits(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        if !matches!(
            inst,
            Inst::FmvWX { .. }
                | Inst::FmvXW { .. }
                | Inst::FsgnjS { .. }
                | Inst::FsgnjnS { .. }
                | Inst::FsgnjxS { .. }
        ) {
            return false;
        }
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        match *inst {
            Inst::FmvWX { rd, rs1 } => {
                // The x operand first (see `loc`).
                let src = self.loc32(rs1);
                let regs = self.regs;
                self.fs_dirty_or(slow);
                match src {
                    super::regs::Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov eax, Rd(h)),
                    super::regs::Loc::Mem(m) => dynasm!(self.a ; .arch x64 ; mov eax, [rbx + m]),
                }
                dynasm!(self.a
                    ; .arch x64
                    ; mov [rbx + fo(rd)], eax
                    ; mov DWORD [rbx + fo(rd) + 4], -1
                    ; =>resume
                );
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            Inst::FmvXW { rd, rs1 } => {
                let regs = self.regs;
                self.fs_on_or(slow);
                dynasm!(self.a
                    ; .arch x64
                    ; movsxd rax, DWORD [rbx + fo(rs1)]
                    ; =>resume
                );
                self.set_rd(rd, super::regs::RAX);
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            Inst::FsgnjS { rd, rs1, rs2 }
            | Inst::FsgnjnS { rd, rs1, rs2 }
            | Inst::FsgnjxS { rd, rs1, rs2 } => {
                let regs = self.regs;
                self.fs_dirty_or(slow);
                self.boxed_or(&[rs1, rs2], slow);
                dynasm!(self.a
                    ; .arch x64
                    ; mov eax, [rbx + fo(rs1)]
                    ; mov ecx, [rbx + fo(rs2)]
                );
                match *inst {
                    // (a & !SIGN) | (b & SIGN)
                    Inst::FsgnjS { .. } => dynasm!(self.a
                        ; .arch x64
                        ; and eax, 0x7fff_ffff
                        ; and ecx, i32::MIN
                        ; or eax, ecx
                    ),
                    // (a & !SIGN) | (!b & SIGN)
                    Inst::FsgnjnS { .. } => dynasm!(self.a
                        ; .arch x64
                        ; and eax, 0x7fff_ffff
                        ; not ecx
                        ; and ecx, i32::MIN
                        ; or eax, ecx
                    ),
                    // a ^ (b & SIGN)
                    _ => dynasm!(self.a
                        ; .arch x64
                        ; and ecx, i32::MIN
                        ; xor eax, ecx
                    ),
                }
                dynasm!(self.a
                    ; .arch x64
                    ; mov [rbx + fo(rd)], eax
                    ; mov DWORD [rbx + fo(rd) + 4], -1
                    ; =>resume
                );
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            _ => return false,
        }
        true
    }

    /// Conversions C code makes all the time, by the host where it gives
    /// the same result and flags, else the direct helper:
    /// - `fcvt.l.d`/`fcvt.w.d` with `rtz` (a C cast): the host's
    ///   truncation; its "integer indefinite" (out of range, NaN, or the
    ///   most negative integer itself) takes the helper; NX if converting
    ///   back does not give the operand.
    /// - `fcvt.d.l` of an integer below 2^53 in magnitude: exact.
    /// - `fcvt.d.s`: exact for a boxed, finite or infinite operand (NaNs
    ///   take the helper: the host keeps payloads).
    /// - `fcvt.s.d` under round-to-nearest-even once NX is accrued, with a
    ///   finite, normal result (as `fp_nx_raised`).
    fn fp_convert(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        let valid = |rm: RoundingMode| !matches!(rm as u8, 5 | 6);
        let ok = match *inst {
            Inst::FcvtLD { rm, .. }
            | Inst::FcvtWD { rm, .. }
            | Inst::FcvtLS { rm, .. }
            | Inst::FcvtWS { rm, .. } => rm == RoundingMode::Rtz,
            Inst::FcvtDL { rm, .. }
            | Inst::FcvtDS { rm, .. }
            | Inst::FcvtSL { rm, .. }
            | Inst::FcvtSW { rm, .. } => valid(rm),
            Inst::FcvtSD { rm, .. } => rm == RoundingMode::Rne || rm == RoundingMode::Dyn,
            _ => false,
        };
        if !ok {
            return false;
        }
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        match *inst {
            Inst::FcvtLD { rd, rs1, .. }
            | Inst::FcvtWD { rd, rs1, .. }
            | Inst::FcvtLS { rd, rs1, .. }
            | Inst::FcvtWS { rd, rs1, .. } => {
                let word = matches!(inst, Inst::FcvtWD { .. } | Inst::FcvtWS { .. });
                let single = matches!(inst, Inst::FcvtLS { .. } | Inst::FcvtWS { .. });
                let exact = self.a.new_dynamic_label();
                let a = (!single).then(|| self.floc(rs1));
                let regs = self.regs;
                self.fs_dirty_or(slow);
                match a {
                    None => {
                        self.boxed_or(&[rs1], slow);
                        dynasm!(self.a ; .arch x64 ; movss xmm0, [rbx + fo(rs1)]);
                    }
                    Some(a) => self.fmov_to(0, a),
                }
                match (word, single) {
                    (true, false) => dynasm!(self.a ; .arch x64 ; cvttsd2si eax, xmm0),
                    (true, true) => dynasm!(self.a ; .arch x64 ; cvttss2si eax, xmm0),
                    (false, false) => dynasm!(self.a ; .arch x64 ; cvttsd2si rax, xmm0),
                    (false, true) => dynasm!(self.a ; .arch x64 ; cvttss2si rax, xmm0),
                }
                if word {
                    dynasm!(self.a
                        ; .arch x64
                        ; cmp eax, i32::MIN
                        ; je =>slow
                        ; movsxd rax, eax
                    );
                } else {
                    dynasm!(self.a
                        ; .arch x64
                        ; mov rcx, QWORD i64::MIN
                        ; cmp rax, rcx
                        ; je =>slow
                    );
                }
                // Not NaN (that was indefinite): ordered, so equal is ZF.
                // Converting back is exact: a value of more bits than the
                // format's significand was an integer already.
                dynasm!(self.a ; .arch x64 ; xorps xmm1, xmm1);
                if single {
                    dynasm!(self.a ; .arch x64 ; cvtsi2ss xmm1, rax ; ucomiss xmm0, xmm1);
                } else {
                    dynasm!(self.a ; .arch x64 ; cvtsi2sd xmm1, rax ; ucomisd xmm0, xmm1);
                }
                dynasm!(self.a
                    ; .arch x64
                    ; je =>exact
                    ; or BYTE [rbx + FFLAGS], fpu_nx()
                    ; =>exact
                    ; =>resume
                );
                self.set_rd(rd, super::regs::RAX);
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            Inst::FcvtDL { rd, rs1, rm } => {
                // The x operand first (see `loc`).
                let src = self.loc(rs1);
                let regs = self.fsnapshot(Some(rd));
                self.fs_dirty_or(slow);
                if rm == RoundingMode::Dyn {
                    dynasm!(self.a ; .arch x64 ; cmp BYTE [rbx + FRM], 4 ; ja =>slow);
                }
                match src {
                    super::regs::Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov rax, Rq(h)),
                    super::regs::Loc::Mem(m) => dynasm!(self.a ; .arch x64 ; mov rax, [rbx + m]),
                }
                // |x| < 2^53: x >> 53 is 0 or -1.
                dynasm!(self.a
                    ; .arch x64
                    ; mov rcx, rax
                    ; sar rcx, 53
                    ; add rcx, 1
                    ; cmp rcx, 1
                    ; ja =>slow
                    ; xorps xmm0, xmm0
                    ; cvtsi2sd xmm0, rax
                );
                self.fset(rd, 0);
                dynasm!(self.a ; .arch x64 ; =>resume);
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            Inst::FcvtSL { rd, rs1, rm } | Inst::FcvtSW { rd, rs1, rm } => {
                let word = matches!(inst, Inst::FcvtSW { .. });
                // The x operand first (see `loc`).
                let src = if word { self.loc32(rs1) } else { self.loc(rs1) };
                let regs = self.regs;
                self.fs_dirty_or(slow);
                if rm == RoundingMode::Dyn {
                    dynasm!(self.a ; .arch x64 ; cmp BYTE [rbx + FRM], 4 ; ja =>slow);
                }
                match (src, word) {
                    (super::regs::Loc::Reg(h), true) => {
                        dynasm!(self.a ; .arch x64 ; movsxd rax, Rd(h))
                    }
                    (super::regs::Loc::Mem(m), true) => {
                        dynasm!(self.a ; .arch x64 ; movsxd rax, DWORD [rbx + m])
                    }
                    (super::regs::Loc::Reg(h), false) => {
                        dynasm!(self.a ; .arch x64 ; mov rax, Rq(h))
                    }
                    (super::regs::Loc::Mem(m), false) => {
                        dynasm!(self.a ; .arch x64 ; mov rax, [rbx + m])
                    }
                }
                // |x| < 2^24 (exact in binary32): x >> 24 is 0 or -1.
                dynasm!(self.a
                    ; .arch x64
                    ; mov rcx, rax
                    ; sar rcx, 24
                    ; add rcx, 1
                    ; cmp rcx, 1
                    ; ja =>slow
                    ; xorps xmm0, xmm0
                    ; cvtsi2ss xmm0, rax
                    ; movss [rbx + fo(rd)], xmm0
                    ; mov DWORD [rbx + fo(rd) + 4], -1
                    ; =>resume
                );
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            Inst::FcvtDS { rd, rs1, rm } => {
                let regs = self.regs;
                self.fs_dirty_or(slow);
                if rm == RoundingMode::Dyn {
                    dynasm!(self.a ; .arch x64 ; cmp BYTE [rbx + FRM], 4 ; ja =>slow);
                }
                // Boxed, and not a NaN (exponent all ones with a fraction).
                self.boxed_or(&[rs1], slow);
                dynasm!(self.a
                    ; .arch x64
                    ; mov eax, [rbx + fo(rs1)]
                    ; and eax, 0x7fff_ffff
                    ; cmp eax, 0x7f80_0000
                    ; ja =>slow
                    ; movss xmm0, [rbx + fo(rs1)]
                    ; cvtss2sd xmm0, xmm0
                    ; movsd [rbx + fo(rd)], xmm0
                    ; =>resume
                );
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            Inst::FcvtSD { rd, rs1, rm } => {
                let regs = self.regs;
                self.fs_dirty_or(slow);
                self.rne_nx_accrued_or(rm, slow);
                dynasm!(self.a
                    ; .arch x64
                    ; movsd xmm0, [rbx + fo(rs1)]
                    ; xorps xmm2, xmm2
                    ; cvtsd2ss xmm2, xmm0
                );
                self.store_normal(true, rd, slow);
                dynasm!(self.a ; .arch x64 ; =>resume);
                self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            }
            _ => return false,
        }
        true
    }

    /// `fadd`/`fsub`/`fmul`/`fdiv`/`fsqrt.s`, `fsqrt.d` and the fused
    /// multiply-adds (`.s`, `.d`: FMA3) under round-to-nearest-even once
    /// NX is accrued: the host's result is the correctly rounded one, and
    /// a finite, normal result can then only have raised NX (a NaN or
    /// infinite operand gives a NaN or infinite result, declined like a
    /// zero, tiny or divide-by-zero one). Single operands must be
    /// NaN-boxed; the result is boxed. Anything else takes the direct
    /// helper.
    fn fp_nx_raised(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        use Inst::*;
        // Operation, single, rd, sources, rm.
        let (op, single, rd, srcs, rm): (NxOp, bool, u8, &[u8], RoundingMode) = match *inst {
            FaddS { rd, rs1, rs2, rm } => (NxOp::Add, true, rd, &[rs1, rs2], rm),
            FsubS { rd, rs1, rs2, rm } => (NxOp::Sub, true, rd, &[rs1, rs2], rm),
            FmulS { rd, rs1, rs2, rm } => (NxOp::Mul, true, rd, &[rs1, rs2], rm),
            FdivS { rd, rs1, rs2, rm } => (NxOp::Div, true, rd, &[rs1, rs2], rm),
            FsqrtS { rd, rs1, rm } => (NxOp::Sqrt, true, rd, &[rs1], rm),
            FsqrtD { rd, rs1, rm } => (NxOp::Sqrt, false, rd, &[rs1], rm),
            FmaddS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(0), true, rd, &[rs1, rs2, rs3], rm),
            FnmsubS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(1), true, rd, &[rs1, rs2, rs3], rm),
            FmsubS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(2), true, rd, &[rs1, rs2, rs3], rm),
            FnmaddS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(3), true, rd, &[rs1, rs2, rs3], rm),
            FmaddD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(0), false, rd, &[rs1, rs2, rs3], rm),
            FnmsubD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(1), false, rd, &[rs1, rs2, rs3], rm),
            FmsubD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(2), false, rd, &[rs1, rs2, rs3], rm),
            FnmaddD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => (NxOp::Fma(3), false, rd, &[rs1, rs2, rs3], rm),
            _ => return false,
        };
        let srcs = srcs.to_vec();
        if matches!(op, NxOp::Fma(_)) && !self.fma
            || rm != RoundingMode::Rne && rm != RoundingMode::Dyn
        {
            return false;
        }
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        // Doubles may be cached (see `fcache`); singles are in memory.
        let locs: Vec<FLoc> = if single {
            Vec::new()
        } else {
            srcs.iter().map(|&r| self.floc(r)).collect()
        };
        let regs = if single {
            self.regs
        } else {
            self.fsnapshot(Some(rd))
        };
        self.fs_dirty_or(slow);
        self.rne_nx_accrued_or(rm, slow);
        if single {
            self.boxed_or(&srcs, slow);
        }
        // Sources in xmm0, xmm1, xmm2; the result in xmm2.
        for (n, &r) in srcs.iter().enumerate() {
            match (single, n) {
                (true, 0) => dynasm!(self.a ; .arch x64 ; movss xmm0, [rbx + fo(r)]),
                (true, 1) => dynasm!(self.a ; .arch x64 ; movss xmm1, [rbx + fo(r)]),
                (true, _) => dynasm!(self.a ; .arch x64 ; movss xmm2, [rbx + fo(r)]),
                (false, n) => self.fmov_to(n as u8, locs[n]),
            }
        }
        match (op, single) {
            (NxOp::Add, _) => dynasm!(self.a ; .arch x64 ; movaps xmm2, xmm0 ; addss xmm2, xmm1),
            (NxOp::Sub, _) => dynasm!(self.a ; .arch x64 ; movaps xmm2, xmm0 ; subss xmm2, xmm1),
            (NxOp::Mul, _) => dynasm!(self.a ; .arch x64 ; movaps xmm2, xmm0 ; mulss xmm2, xmm1),
            (NxOp::Div, _) => dynasm!(self.a ; .arch x64 ; movaps xmm2, xmm0 ; divss xmm2, xmm1),
            // xmm2 zeroed first: the square root writes only its low
            // part, and would wait for the last writer of the rest.
            (NxOp::Sqrt, true) => {
                dynasm!(self.a ; .arch x64 ; xorps xmm2, xmm2 ; sqrtss xmm2, xmm0)
            }
            (NxOp::Sqrt, false) => {
                dynasm!(self.a ; .arch x64 ; xorps xmm2, xmm2 ; sqrtsd xmm2, xmm0)
            }
            // xmm2 = ±(xmm0 * xmm1) ± xmm2, rounded once.
            (NxOp::Fma(0), true) => dynasm!(self.a ; .arch x64 ; vfmadd231ss xmm2, xmm0, xmm1),
            (NxOp::Fma(1), true) => dynasm!(self.a ; .arch x64 ; vfnmadd231ss xmm2, xmm0, xmm1),
            (NxOp::Fma(2), true) => dynasm!(self.a ; .arch x64 ; vfmsub231ss xmm2, xmm0, xmm1),
            (NxOp::Fma(_), true) => dynasm!(self.a ; .arch x64 ; vfnmsub231ss xmm2, xmm0, xmm1),
            (NxOp::Fma(0), false) => dynasm!(self.a ; .arch x64 ; vfmadd231sd xmm2, xmm0, xmm1),
            (NxOp::Fma(1), false) => dynasm!(self.a ; .arch x64 ; vfnmadd231sd xmm2, xmm0, xmm1),
            (NxOp::Fma(2), false) => dynasm!(self.a ; .arch x64 ; vfmsub231sd xmm2, xmm0, xmm1),
            (NxOp::Fma(_), false) => dynasm!(self.a ; .arch x64 ; vfnmsub231sd xmm2, xmm0, xmm1),
        }
        self.store_normal(single, rd, slow);
        dynasm!(self.a ; .arch x64 ; =>resume);
        self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
        true
    }

    /// `fld`/`flw`/`fsd`/`fsw`: the integer accesses' inline probe, the
    /// value moved between memory and the f register in the hart (`flw`
    /// NaN-boxes, `fsw` stores the low half whatever the box). FS off (or
    /// not Dirty yet, for loads, which write an f register) and every
    /// probe failure take the direct helper (`fp::fload`/`fstore`), which
    /// does the whole instruction: C library code saves and restores f
    /// registers (`setjmp`, `longjmp`, context switches) with no other FP.
    fn fp_access(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        let (rs1, imm, size, reg, store) = match *inst {
            Inst::Fld { rd, rs1, imm } => (rs1, imm, 8u8, rd, false),
            Inst::Flw { rd, rs1, imm } => (rs1, imm, 4, rd, false),
            Inst::Fsd { rs1, rs2, imm } => (rs1, imm, 8, rs2, true),
            Inst::Fsw { rs1, rs2, imm } => (rs1, imm, 4, rs2, true),
            _ => return false,
        };
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        self.address(rs1, imm);
        // A double's register may be cached (see `fcache`).
        let value = (store && size == 8).then(|| self.floc(reg));
        let regs = if store || size != 8 {
            self.regs
        } else {
            self.fsnapshot(Some(reg))
        };
        if store {
            self.fs_on_or(slow);
        } else {
            self.fs_dirty_or(slow);
        }
        self.probe(size, store, slow);
        match (store, size) {
            (true, 8) => self.fstore_from(value.expect("located")),
            (true, _) => dynasm!(self.a
                ; .arch x64
                ; mov edx, [rbx + fo(reg)]
                ; mov [rsi + rcx], edx
            ),
            (false, 8) => self.fset_loaded(reg),
            (false, _) => dynasm!(self.a
                ; .arch x64
                ; mov eax, [rsi + rcx]
                ; mov [rbx + fo(reg)], eax
                ; mov DWORD [rbx + fo(reg) + 4], -1
            ),
        }
        dynasm!(self.a ; .arch x64 ; =>resume);
        self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
        true
    }

    /// `fmv.d.x`, `fmv.x.d`, and `fcvt.d.w`/`fcvt.d.wu` under a static
    /// rounding mode (every 32-bit integer is a double: exact, no flag):
    /// moves and one host conversion, FS permitting.
    fn fp_move(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        let (rd, rs1) = match *inst {
            Inst::FmvDX { rd, rs1 } | Inst::FmvXD { rd, rs1 } => (rd, rs1),
            Inst::FcvtDW { rd, rs1, rm } | Inst::FcvtDWu { rd, rs1, rm }
                if rm != RoundingMode::Dyn =>
            {
                (rd, rs1)
            }
            _ => return false,
        };
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        let regs;
        if let Inst::FmvXD { .. } = inst {
            let a = self.floc(rs1);
            regs = self.regs;
            self.fs_on_or(slow);
            self.fbits_to(super::regs::RAX, a);
            dynasm!(self.a ; .arch x64 ; =>resume);
            self.set_rd(rd, super::regs::RAX);
        } else {
            // The x operand first (see `loc`).
            let src = self.loc(rs1);
            regs = self.fsnapshot(Some(rd));
            self.fs_dirty_or(slow);
            match src {
                super::regs::Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov rax, Rq(h)),
                super::regs::Loc::Mem(m) => dynasm!(self.a ; .arch x64 ; mov rax, [rbx + m]),
            }
            match inst {
                // xmm0 zeroed first: the conversion writes only its low
                // half, and would wait for the last writer of the rest.
                Inst::FcvtDW { .. } => {
                    dynasm!(self.a
                        ; .arch x64
                        ; xorps xmm0, xmm0
                        ; cvtsi2sd xmm0, eax
                    );
                    self.fset(rd, 0);
                }
                Inst::FcvtDWu { .. } => {
                    dynasm!(self.a
                        ; .arch x64
                        ; mov eax, eax
                        ; xorps xmm0, xmm0
                        ; cvtsi2sd xmm0, rax
                    );
                    self.fset(rd, 0);
                }
                _ => self.fset_bits(rd, super::regs::RAX),
            }
            dynasm!(self.a ; .arch x64 ; =>resume);
        }
        self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
        true
    }

    /// `feq`/`flt`/`fle` (`.d`, `.s`): the host's ordered compare when
    /// neither operand is a NaN (no flag can be raised then), and for `.s`
    /// both are NaN-boxed; otherwise the direct helper, out of line. The
    /// result goes to rd as a load's does.
    fn fp_compare(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        let (rd, rs1, rs2, single) = match *inst {
            Inst::FeqD { rd, rs1, rs2 }
            | Inst::FltD { rd, rs1, rs2 }
            | Inst::FleD { rd, rs1, rs2 } => (rd, rs1, rs2, false),
            Inst::FeqS { rd, rs1, rs2 }
            | Inst::FltS { rd, rs1, rs2 }
            | Inst::FleS { rd, rs1, rs2 } => (rd, rs1, rs2, true),
            _ => return false,
        };
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        // Operands first (see `loc`): rd may be cached.
        let locs = (!single).then(|| (self.floc(rs1), self.floc(rs2)));
        let regs = self.regs;
        self.fs_on_or(slow);
        match locs {
            None => {
                self.boxed_or(&[rs1, rs2], slow);
                dynasm!(self.a
                    ; .arch x64
                    ; movss xmm0, [rbx + fo(rs1)]
                    ; ucomiss xmm0, [rbx + fo(rs2)]
                );
            }
            Some((a, b)) => {
                self.fmov_to(0, a);
                match b {
                    FLoc::Xmm(x) => dynasm!(self.a ; .arch x64 ; ucomisd xmm0, Rx(x)),
                    FLoc::Mem(m) => dynasm!(self.a ; .arch x64 ; ucomisd xmm0, QWORD [rbx + m]),
                }
            }
        }
        dynasm!(self.a ; .arch x64 ; jp =>slow);
        match inst {
            Inst::FeqD { .. } | Inst::FeqS { .. } => dynasm!(self.a ; .arch x64 ; sete al),
            Inst::FltD { .. } | Inst::FltS { .. } => dynasm!(self.a ; .arch x64 ; setb al),
            _ => dynasm!(self.a ; .arch x64 ; setbe al),
        }
        dynasm!(self.a
            ; .arch x64
            ; movzx eax, al
            ; =>resume
        );
        self.set_rd(rd, super::regs::RAX);
        self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
        true
    }

    /// `fsgnj`/`fsgnjn`/`fsgnjx.d` (`fmv.d`, `fneg.d`, `fabs.d`): bit
    /// operations that raise no flag; only FS must be on.
    fn fp_sign(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        let (k, rd, rs1, rs2) = match *inst {
            Inst::FsgnjD { rd, rs1, rs2 } => (0, rd, rs1, rs2),
            Inst::FsgnjnD { rd, rs1, rs2 } => (1, rd, rs1, rs2),
            Inst::FsgnjxD { rd, rs1, rs2 } => (2, rd, rs1, rs2),
            _ => return false,
        };
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        let a = self.floc(rs1);
        let b = self.floc(rs2);
        let regs = self.fsnapshot(Some(rd));
        self.fs_dirty_or(slow);
        if rs1 == rs2 {
            // `fmv.d`, `fneg.d`, `fabs.d`: the sign from the operand itself.
            match (k, a) {
                (0, FLoc::Xmm(x)) => self.fset(rd, x),
                _ => {
                    self.fbits_to(super::regs::RAX, a);
                    match k {
                        0 => {}
                        1 => dynasm!(self.a ; .arch x64 ; btc rax, 63),
                        _ => dynasm!(self.a ; .arch x64 ; btr rax, 63),
                    }
                    self.fset_bits(rd, super::regs::RAX);
                }
            }
            dynasm!(self.a ; .arch x64 ; =>resume);
            self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
            return true;
        }
        self.fbits_to(super::regs::RAX, a);
        self.fbits_to(super::regs::RCX, b);
        match k {
            // (a & !SIGN) | (b & SIGN)
            0 => dynasm!(self.a
                ; .arch x64
                ; btr rax, 63
                ; shr rcx, 63
                ; shl rcx, 63
                ; or rax, rcx
            ),
            // (a & !SIGN) | (!b & SIGN)
            1 => dynasm!(self.a
                ; .arch x64
                ; btr rax, 63
                ; not rcx
                ; shr rcx, 63
                ; shl rcx, 63
                ; or rax, rcx
            ),
            // a ^ (b & SIGN)
            _ => dynasm!(self.a
                ; .arch x64
                ; shr rcx, 63
                ; shl rcx, 63
                ; xor rax, rcx
            ),
        }
        self.fset_bits(rd, super::regs::RAX);
        dynasm!(self.a ; .arch x64 ; =>resume);
        self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
        true
    }

    /// The out-of-line path from `slow` back to `resume`: the direct helper
    /// `call`, whose failure (FS off, a bad rounding mode) traps at
    /// `site`.
    fn fp_slow_path(
        &mut self,
        slow: DynamicLabel,
        resume: DynamicLabel,
        call: SlowCall,
        regs: super::regs::RegCache,
        site: Site,
    ) {
        let fail = self.a.new_dynamic_label();
        self.stubs.push(Stub::Slow {
            label: slow,
            resume,
            fail,
            call,
            regs,
            keep: Vec::new(),
            va: None,
        });
        self.stubs.push(Stub::Helper { label: fail, site });
    }

    /// Jump to `slow` unless each f register of `regs` holds a NaN-boxed
    /// single (upper half all ones), as the single-precision templates
    /// need.
    fn boxed_or(&mut self, regs: &[u8], slow: DynamicLabel) {
        for &r in regs {
            dynasm!(self.a
                ; .arch x64
                ; cmp DWORD [rbx + fo(r) + 4], -1
                ; jne =>slow
            );
        }
    }

    /// Jump to `slow` unless `mstatus.FS` is Dirty already: templates that
    /// write an f register or `fflags` then need not store `mstatus` (a
    /// read-modify-write of it per instruction chained every FP
    /// instruction to the previous one's store); the helper marks it
    /// dirty the first time. Likewise `fflags` is only stored when a flag
    /// is new. Uses eax.
    /// Nothing if an earlier instruction made FS Dirty on every path here
    /// (see [`super::fp_state`]).
    fn fs_dirty_or(&mut self, slow: DynamicLabel) {
        if self.fp_known & FS_DIRTY != 0 {
            return;
        }
        dynasm!(self.a
            ; .arch x64
            ; mov eax, [rbx + MSTATUS]
            ; and eax, mstatus::FS as i32
            ; cmp eax, mstatus::FS as i32
            ; jne =>slow
        );
    }

    /// Jump to `slow` if `mstatus.FS` is Off (the helper then raises the
    /// illegal-instruction trap), unless FS is known to be on here.
    fn fs_on_or(&mut self, slow: DynamicLabel) {
        if self.fp_known & FS_ON != 0 {
            return;
        }
        dynasm!(self.a
            ; .arch x64
            ; test DWORD [rbx + MSTATUS], mstatus::FS as i32
            ; jz =>slow
        );
    }

    /// Jump to `slow` unless rounding is to nearest even (`rm` RNE, or DYN
    /// with `frm` = 0) and NX is accrued already: then a finite, normal
    /// host result raises no flag that is not set (see `fp_nx_raised`).
    fn rne_nx_accrued_or(&mut self, rm: RoundingMode, slow: DynamicLabel) {
        if rm == RoundingMode::Dyn {
            dynasm!(self.a ; .arch x64 ; cmp BYTE [rbx + FRM], 0 ; jne =>slow);
        }
        dynasm!(self.a ; .arch x64 ; test BYTE [rbx + FFLAGS], fpu_nx() ; jz =>slow);
    }

    /// f[rd] = the result in xmm2 (binary32, boxed, if `single`), unless
    /// its exponent field is outside [2, all ones): zero, tiny, infinite
    /// and NaN results jump to `slow`. Uses edx.
    fn store_normal(&mut self, single: bool, rd: u8, slow: DynamicLabel) {
        if single {
            dynasm!(self.a
                ; .arch x64
                ; movd edx, xmm2
                ; shr edx, 23
                ; and edx, 0xff
                ; sub edx, 2
                ; cmp edx, 0xff - 2
                ; jae =>slow
                ; movss [rbx + fo(rd)], xmm2
                ; mov DWORD [rbx + fo(rd) + 4], -1
            );
        } else {
            dynasm!(self.a
                ; .arch x64
                ; movq rdx, xmm2
                ; shr rdx, 52
                ; and edx, 0x7ff
                ; sub edx, 2
                ; cmp edx, 0x7ff - 2
                ; jae =>slow
            );
            self.fset(rd, 2);
        }
    }

    /// `fadd`/`fsub`/`fmul.d` (see the module's comment).
    fn fp_arith(&mut self, inst: &Inst, raw: u32, site: Site) -> bool {
        let (kind, rd, rs1, rs2, rm) = match *inst {
            Inst::FaddD { rd, rs1, rs2, rm } => (Kind::Add, rd, rs1, rs2, rm),
            Inst::FsubD { rd, rs1, rs2, rm } => (Kind::Sub, rd, rs1, rs2, rm),
            Inst::FmulD { rd, rs1, rs2, rm } => (Kind::Mul, rd, rs1, rs2, rm),
            Inst::FdivD { rd, rs1, rs2, rm } => (Kind::Div, rd, rs1, rs2, rm),
            _ => return false,
        };
        if rm != RoundingMode::Rne && rm != RoundingMode::Dyn {
            return false;
        }
        let Some((f, packed)) = fp::direct(inst) else {
            return false;
        };
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        let exact = self.a.new_dynamic_label();
        let a = self.floc(rs1);
        let b = self.floc(rs2);
        let regs = self.fsnapshot(Some(rd));
        self.fs_dirty_or(slow);
        if rm == RoundingMode::Dyn {
            dynasm!(self.a ; .arch x64 ; cmp BYTE [rbx + FRM], 0 ; jne =>slow);
        }
        if kind == Kind::Div {
            // No exactness proof for quotients: only once NX is set
            // (sticky, so nearly always after the first inexact result)
            // does it not matter whether this one is exact.
            dynasm!(self.a ; .arch x64 ; test BYTE [rbx + FFLAGS], fpu_nx() ; jz =>slow);
        }
        // The operands go straight to xmm registers and the result is
        // stored from one: a chain of dependent FP instructions waits
        // for no move between register files. A NaN or infinite operand
        // (or a zero divisor) gives a NaN or infinite result, which the
        // result's check below declines: the operands need no check of
        // their own.
        self.fmov_to(0, a);
        self.fmov_to(1, b);
        dynasm!(self.a ; .arch x64 ; movapd xmm2, xmm0);
        match kind {
            Kind::Mul => dynasm!(self.a ; .arch x64 ; mulsd xmm2, xmm1),
            Kind::Div => dynasm!(self.a ; .arch x64 ; divsd xmm2, xmm1),
            Kind::Sub => dynasm!(self.a ; .arch x64 ; subsd xmm2, xmm1),
            Kind::Add => dynasm!(self.a ; .arch x64 ; addsd xmm2, xmm1),
        }
        self.store_normal(false, rd, slow);
        if kind != Kind::Div {
            // Whether the result is exact only matters while NX is clear.
            dynasm!(self.a ; .arch x64 ; test BYTE [rbx + FFLAGS], fpu_nx() ; jnz =>exact);
        }
        if kind == Kind::Mul {
            // Inexact iff the product of the odd parts of the significands
            // (hidden bit included) needs more than 53 bits.
            // a's odd part to rdi, b's to rsi.
            dynasm!(self.a
                ; .arch x64
                ; movq rax, xmm0
                ; movq rcx, xmm1
                ; mov rdi, rax
                ; shl rdi, 12
                ; shr rdi, 12
                ; shr rax, 52
                ; and eax, 0x7ff
                ; setnz al
                ; movzx eax, al
                ; shl rax, 52
                ; or rdi, rax
                ; mov rsi, rcx
                ; shl rsi, 12
                ; shr rsi, 12
                ; shr rcx, 52
                ; and ecx, 0x7ff
                ; setnz cl
                ; movzx ecx, cl
                ; shl rcx, 52
                ; or rsi, rcx
            );
            // Nonzero: a zero operand gives a zero result, declined above.
            dynasm!(self.a
                ; .arch x64
                ; bsf rcx, rdi
                ; shr rdi, cl
                ; bsf rcx, rsi
                ; shr rsi, cl
                ; mov rax, rdi
                ; mul rsi
                ; shr rax, 53
                ; or rax, rdx
                ; jz =>exact
                ; or BYTE [rbx + FFLAGS], fpu_nx()
            );
        } else if kind != Kind::Div {
            // TwoSum of a and b' (b, or -b for a difference): t = s - a,
            // err = (a - (s - t)) + (b' - t); for -b the last term is
            // -(b + t), the same rounding (nearest-even is symmetric).
            dynasm!(self.a
                ; .arch x64
                ; movapd xmm3, xmm2
                ; subsd xmm3, xmm0
                ; movapd xmm4, xmm2
                ; subsd xmm4, xmm3
                ; subsd xmm0, xmm4
            );
            if kind == Kind::Sub {
                dynasm!(self.a ; .arch x64 ; addsd xmm1, xmm3 ; subsd xmm0, xmm1);
            } else {
                dynasm!(self.a ; .arch x64 ; subsd xmm1, xmm3 ; addsd xmm0, xmm1);
            }
            dynasm!(self.a
                ; .arch x64
                ; xorpd xmm1, xmm1
                ; ucomisd xmm0, xmm1
                ; je =>exact
                ; or BYTE [rbx + FFLAGS], fpu_nx()
            );
        }
        dynasm!(self.a ; .arch x64 ; =>exact ; =>resume);
        self.fp_slow_path(slow, resume, SlowCall::Fp(f, packed, raw), regs, site);
        true
    }
}

/// The operations of [`Emitter::fp_nx_raised`]; `Fma`'s bits negate the
/// product (1) and the addend (2).
#[derive(Clone, Copy)]
enum NxOp {
    Add,
    Sub,
    Mul,
    Div,
    Sqrt,
    Fma(u8),
}

fn fpu_nx() -> i8 {
    rvisor_fpu::NX as i8
}
