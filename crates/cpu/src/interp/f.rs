//! F extension (single precision) and the FP plumbing D shares: the FS
//! check, rounding-mode resolution, NaN-boxing and `fflags` accrual. The
//! arithmetic itself is `rvisor_fpu`'s.
//!
//! NaN-boxing (unprivileged spec, "NaN Boxing of Narrower Values"): a
//! binary32 operand whose upper 32 bits are not all ones reads as the
//! canonical NaN; every binary32 result is written with the upper bits set.
//! `fmv.x.w` and `fsw` move the low 32 bits without looking at the box.

use rvisor_fpu as fpu;
use rvisor_fpu::Round;
use rvisor_isa::{Inst, RoundingMode};

use super::i::sext32;
use crate::trap::{Exception, Trap};
use crate::Hart;

const BOX: u64 = 0xffff_ffff_0000_0000;
const SIGN32: u32 = 0x8000_0000;

/// Box a binary32 result.
#[inline(always)]
pub(crate) fn nan_box(v: u32) -> u64 {
    BOX | u64::from(v)
}

/// Read a binary32 operand through the box.
#[inline(always)]
pub(crate) fn unbox(v: u64) -> u32 {
    if v & BOX == BOX {
        v as u32
    } else {
        fpu::F32_CANONICAL_NAN
    }
}

impl Hart {
    /// Illegal-instruction unless FP is enabled (`mstatus.FS` != Off).
    #[inline(always)]
    pub(super) fn fp_check(&self, raw: u32) -> Result<(), Trap> {
        if self.fp_enabled() {
            Ok(())
        } else {
            Err(Trap::new(Exception::IllegalInst, u64::from(raw)))
        }
    }

    /// Resolve `rm` (static, or `frm` for DYN); reserved modes are illegal.
    pub(super) fn fp_round(&self, rm: RoundingMode, raw: u32) -> Result<Round, Trap> {
        let bits = if rm == RoundingMode::Dyn {
            self.csr.frm
        } else {
            rm as u8
        };
        match bits {
            0 => Ok(Round::NearestEven),
            1 => Ok(Round::TowardZero),
            2 => Ok(Round::Down),
            3 => Ok(Round::Up),
            4 => Ok(Round::NearestMaxMag),
            _ => Err(Trap::new(Exception::IllegalInst, u64::from(raw))),
        }
    }

    /// Accrue exception flags (only when some were raised).
    #[inline(always)]
    pub(super) fn fp_flags(&mut self, flags: u8) {
        if flags != 0 {
            self.accrue_fflags(flags);
        }
    }

    /// Write f register `rd` (raw 64 bits) and mark FP state dirty.
    #[inline(always)]
    pub(super) fn fw(&mut self, rd: u8, v: u64) {
        self.f[usize::from(rd & 31)] = v;
        self.set_fs_dirty();
    }

    /// Read f register `r` (raw 64 bits).
    #[inline(always)]
    pub(super) fn fr(&self, r: u8) -> u64 {
        self.f[usize::from(r & 31)]
    }

    /// Read f register `r` as binary32 (through the NaN box).
    #[inline(always)]
    fn fs(&self, r: u8) -> u32 {
        unbox(self.fr(r))
    }

    /// Write a binary32 result with its flags.
    fn fw_s(&mut self, rd: u8, (v, flags): (u32, u8)) {
        self.fp_flags(flags);
        self.fw(rd, nan_box(v));
    }

    /// Write an integer result of an FP instruction with its flags.
    pub(super) fn xw_flags(&mut self, rd: u8, v: u64, flags: u8) {
        self.fp_flags(flags);
        self.xw(rd, v);
    }

    /// F instructions; `None` for anything else.
    pub(super) fn exec_f(&mut self, inst: Inst, raw: u32) -> Option<Result<(), Trap>> {
        if !is_f(&inst) {
            return None;
        }
        Some(
            self.fp_check(raw)
                .and_then(|()| self.exec_f_enabled(inst, raw)),
        )
    }

    fn exec_f_enabled(&mut self, inst: Inst, raw: u32) -> Result<(), Trap> {
        match inst {
            Inst::Flw { rd, rs1, imm } => {
                let v = self.load::<4>(self.xr(rs1).wrapping_add(imm as i64 as u64))?;
                self.fw(rd, nan_box(v as u32));
            }
            Inst::Fsw { rs1, rs2, imm } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                self.store::<4>(va, self.fr(rs2) & 0xffff_ffff)?;
            }
            Inst::FmaddS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_fma(self.fs(rs1), self.fs(rs2), self.fs(rs3), rm);
                self.fw_s(rd, r);
            }
            Inst::FmsubS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_fma(self.fs(rs1), self.fs(rs2), self.fs(rs3) ^ SIGN32, rm);
                self.fw_s(rd, r);
            }
            Inst::FnmsubS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_fma(self.fs(rs1) ^ SIGN32, self.fs(rs2), self.fs(rs3), rm);
                self.fw_s(rd, r);
            }
            Inst::FnmaddS {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let (a, c) = (self.fs(rs1) ^ SIGN32, self.fs(rs3) ^ SIGN32);
                let r = fpu::f32_fma(a, self.fs(rs2), c, rm);
                self.fw_s(rd, r);
            }
            Inst::FaddS { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_add(self.fs(rs1), self.fs(rs2), rm);
                self.fw_s(rd, r);
            }
            Inst::FsubS { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_sub(self.fs(rs1), self.fs(rs2), rm);
                self.fw_s(rd, r);
            }
            Inst::FmulS { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_mul(self.fs(rs1), self.fs(rs2), rm);
                self.fw_s(rd, r);
            }
            Inst::FdivS { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_div(self.fs(rs1), self.fs(rs2), rm);
                self.fw_s(rd, r);
            }
            Inst::FsqrtS { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f32_sqrt(self.fs(rs1), rm);
                self.fw_s(rd, r);
            }
            // Sign injection is a bit operation: no flags, NaNs pass through.
            Inst::FsgnjS { rd, rs1, rs2 } => {
                let v = (self.fs(rs1) & !SIGN32) | (self.fs(rs2) & SIGN32);
                self.fw(rd, nan_box(v));
            }
            Inst::FsgnjnS { rd, rs1, rs2 } => {
                let v = (self.fs(rs1) & !SIGN32) | (!self.fs(rs2) & SIGN32);
                self.fw(rd, nan_box(v));
            }
            Inst::FsgnjxS { rd, rs1, rs2 } => {
                let v = self.fs(rs1) ^ (self.fs(rs2) & SIGN32);
                self.fw(rd, nan_box(v));
            }
            Inst::FminS { rd, rs1, rs2 } => {
                let r = fpu::f32_min(self.fs(rs1), self.fs(rs2));
                self.fw_s(rd, r);
            }
            Inst::FmaxS { rd, rs1, rs2 } => {
                let r = fpu::f32_max(self.fs(rs1), self.fs(rs2));
                self.fw_s(rd, r);
            }
            // Conversions to 32-bit integers sign-extend (also the unsigned one).
            Inst::FcvtWS { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f32_to_i32(self.fs(rs1), rm);
                self.xw_flags(rd, v as i64 as u64, fl);
            }
            Inst::FcvtWuS { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f32_to_u32(self.fs(rs1), rm);
                self.xw_flags(rd, sext32(u64::from(v)), fl);
            }
            Inst::FcvtLS { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f32_to_i64(self.fs(rs1), rm);
                self.xw_flags(rd, v as u64, fl);
            }
            Inst::FcvtLuS { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f32_to_u64(self.fs(rs1), rm);
                self.xw_flags(rd, v, fl);
            }
            Inst::FmvXW { rd, rs1 } => self.xw(rd, sext32(self.fr(rs1))),
            Inst::FeqS { rd, rs1, rs2 } => {
                let (v, fl) = fpu::f32_eq(self.fs(rs1), self.fs(rs2));
                self.xw_flags(rd, u64::from(v), fl);
            }
            Inst::FltS { rd, rs1, rs2 } => {
                let (v, fl) = fpu::f32_lt(self.fs(rs1), self.fs(rs2));
                self.xw_flags(rd, u64::from(v), fl);
            }
            Inst::FleS { rd, rs1, rs2 } => {
                let (v, fl) = fpu::f32_le(self.fs(rs1), self.fs(rs2));
                self.xw_flags(rd, u64::from(v), fl);
            }
            Inst::FclassS { rd, rs1 } => self.xw(rd, fpu::f32_classify(self.fs(rs1))),
            Inst::FcvtSW { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::i32_to_f32(self.xr(rs1) as i32, rm);
                self.fw_s(rd, r);
            }
            Inst::FcvtSWu { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::u32_to_f32(self.xr(rs1) as u32, rm);
                self.fw_s(rd, r);
            }
            Inst::FcvtSL { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::i64_to_f32(self.xr(rs1) as i64, rm);
                self.fw_s(rd, r);
            }
            Inst::FcvtSLu { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::u64_to_f32(self.xr(rs1), rm);
                self.fw_s(rd, r);
            }
            Inst::FmvWX { rd, rs1 } => self.fw(rd, nan_box(self.xr(rs1) as u32)),
            _ => return Err(Trap::new(Exception::IllegalInst, u64::from(raw))),
        }
        Ok(())
    }
}

/// True for the F instructions.
fn is_f(inst: &Inst) -> bool {
    matches!(
        inst,
        Inst::Flw { .. }
            | Inst::Fsw { .. }
            | Inst::FmaddS { .. }
            | Inst::FmsubS { .. }
            | Inst::FnmsubS { .. }
            | Inst::FnmaddS { .. }
            | Inst::FaddS { .. }
            | Inst::FsubS { .. }
            | Inst::FmulS { .. }
            | Inst::FdivS { .. }
            | Inst::FsqrtS { .. }
            | Inst::FsgnjS { .. }
            | Inst::FsgnjnS { .. }
            | Inst::FsgnjxS { .. }
            | Inst::FminS { .. }
            | Inst::FmaxS { .. }
            | Inst::FcvtWS { .. }
            | Inst::FcvtWuS { .. }
            | Inst::FcvtLS { .. }
            | Inst::FcvtLuS { .. }
            | Inst::FmvXW { .. }
            | Inst::FeqS { .. }
            | Inst::FltS { .. }
            | Inst::FleS { .. }
            | Inst::FclassS { .. }
            | Inst::FcvtSW { .. }
            | Inst::FcvtSWu { .. }
            | Inst::FcvtSL { .. }
            | Inst::FcvtSLu { .. }
            | Inst::FmvWX { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbox_improperly_boxed_reads_canonical_nan() {
        assert_eq!(unbox(0x0000_0000_3f80_0000), fpu::F32_CANONICAL_NAN);
        assert_eq!(unbox(0xffff_fffe_3f80_0000), fpu::F32_CANONICAL_NAN);
        assert_eq!(unbox(nan_box(0x3f80_0000)), 0x3f80_0000);
    }
}
