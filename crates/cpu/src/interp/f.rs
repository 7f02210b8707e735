//! F extension (single precision) and the FP plumbing D shares: the FS
//! check, rounding-mode resolution, NaN-boxing and `fflags` accrual. The
//! operations F and D share are [`super::fp`]'s (generic over the format);
//! the arithmetic itself is `rvisor_fpu`'s.
//!
//! NaN-boxing (unprivileged spec, "NaN Boxing of Narrower Values"): a
//! binary32 operand whose upper 32 bits are not all ones reads as the
//! canonical NaN; every binary32 result is written with the upper bits set.
//! `fmv.x.w` and `fsw` move the low 32 bits without looking at the box.

use rvisor_fpu as fpu;
use rvisor_fpu::Round;
use rvisor_isa::{Inst, RoundingMode};

use super::fp::{shared_ops, Single};
use super::i::sext32;
use crate::trap::{Exception, Trap};
use crate::Hart;

const BOX: u64 = 0xffff_ffff_0000_0000;

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
        let shared = shared_ops!(self, inst, raw, Single;
            FmaddS FmsubS FnmsubS FnmaddS FaddS FsubS FmulS FdivS FsqrtS
            FsgnjS FsgnjnS FsgnjxS FminS FmaxS FcvtWS FcvtWuS FcvtLS FcvtLuS
            FeqS FltS FleS FclassS FcvtSW FcvtSWu FcvtSL FcvtSLu);
        if let Some(r) = shared {
            return r;
        }
        match inst {
            Inst::Flw { rd, rs1, imm } => {
                let v = self.load::<4>(self.xr(rs1).wrapping_add(imm as i64 as u64))?;
                self.fw(rd, nan_box(v as u32));
            }
            Inst::Fsw { rs1, rs2, imm } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                self.store::<4>(va, self.fr(rs2) & 0xffff_ffff)?;
            }
            Inst::FmvXW { rd, rs1 } => self.xw(rd, sext32(self.fr(rs1))),
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
