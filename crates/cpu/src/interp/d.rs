//! D extension (double precision). Shares the FS check, rounding-mode
//! resolution and flag accrual with [`super::f`]; binary64 values use the
//! whole register, conversions to/from binary32 box/unbox.

use rvisor_fpu as fpu;
use rvisor_isa::Inst;

use super::f::{nan_box, unbox};
use super::i::sext32;
use crate::trap::{Exception, Trap};
use crate::Hart;

const SIGN64: u64 = 1 << 63;

impl Hart {
    /// Write a binary64 result with its flags.
    fn fw_d(&mut self, rd: u8, (v, flags): (u64, u8)) {
        self.fp_flags(flags);
        self.fw(rd, v);
    }

    /// D instructions; `None` for anything else.
    pub(super) fn exec_d(&mut self, inst: Inst, raw: u32) -> Option<Result<(), Trap>> {
        if !is_d(&inst) {
            return None;
        }
        Some(
            self.fp_check(raw)
                .and_then(|()| self.exec_d_enabled(inst, raw)),
        )
    }

    fn exec_d_enabled(&mut self, inst: Inst, raw: u32) -> Result<(), Trap> {
        match inst {
            Inst::Fld { rd, rs1, imm } => {
                let v = self.load::<8>(self.xr(rs1).wrapping_add(imm as i64 as u64))?;
                self.fw(rd, v);
            }
            Inst::Fsd { rs1, rs2, imm } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                self.store::<8>(va, self.fr(rs2))?;
            }
            Inst::FmaddD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_fma(self.fr(rs1), self.fr(rs2), self.fr(rs3), rm);
                self.fw_d(rd, r);
            }
            Inst::FmsubD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_fma(self.fr(rs1), self.fr(rs2), self.fr(rs3) ^ SIGN64, rm);
                self.fw_d(rd, r);
            }
            Inst::FnmsubD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_fma(self.fr(rs1) ^ SIGN64, self.fr(rs2), self.fr(rs3), rm);
                self.fw_d(rd, r);
            }
            Inst::FnmaddD {
                rd,
                rs1,
                rs2,
                rs3,
                rm,
            } => {
                let rm = self.fp_round(rm, raw)?;
                let (a, c) = (self.fr(rs1) ^ SIGN64, self.fr(rs3) ^ SIGN64);
                let r = fpu::f64_fma(a, self.fr(rs2), c, rm);
                self.fw_d(rd, r);
            }
            Inst::FaddD { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_add(self.fr(rs1), self.fr(rs2), rm);
                self.fw_d(rd, r);
            }
            Inst::FsubD { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_sub(self.fr(rs1), self.fr(rs2), rm);
                self.fw_d(rd, r);
            }
            Inst::FmulD { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_mul(self.fr(rs1), self.fr(rs2), rm);
                self.fw_d(rd, r);
            }
            Inst::FdivD { rd, rs1, rs2, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_div(self.fr(rs1), self.fr(rs2), rm);
                self.fw_d(rd, r);
            }
            Inst::FsqrtD { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::f64_sqrt(self.fr(rs1), rm);
                self.fw_d(rd, r);
            }
            // Sign injection is a bit operation: no flags, NaNs pass through.
            Inst::FsgnjD { rd, rs1, rs2 } => {
                let v = (self.fr(rs1) & !SIGN64) | (self.fr(rs2) & SIGN64);
                self.fw(rd, v);
            }
            Inst::FsgnjnD { rd, rs1, rs2 } => {
                let v = (self.fr(rs1) & !SIGN64) | (!self.fr(rs2) & SIGN64);
                self.fw(rd, v);
            }
            Inst::FsgnjxD { rd, rs1, rs2 } => {
                let v = self.fr(rs1) ^ (self.fr(rs2) & SIGN64);
                self.fw(rd, v);
            }
            Inst::FminD { rd, rs1, rs2 } => {
                let r = fpu::f64_min(self.fr(rs1), self.fr(rs2));
                self.fw_d(rd, r);
            }
            Inst::FmaxD { rd, rs1, rs2 } => {
                let r = fpu::f64_max(self.fr(rs1), self.fr(rs2));
                self.fw_d(rd, r);
            }
            Inst::FcvtSD { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f64_to_f32(self.fr(rs1), rm);
                self.fp_flags(fl);
                self.fw(rd, nan_box(v));
            }
            Inst::FcvtDS { rd, rs1, rm } => {
                // Exact widening: rm is still checked for validity.
                self.fp_round(rm, raw)?;
                let r = fpu::f32_to_f64(unbox(self.fr(rs1)));
                self.fw_d(rd, r);
            }
            Inst::FeqD { rd, rs1, rs2 } => {
                let (v, fl) = fpu::f64_eq(self.fr(rs1), self.fr(rs2));
                self.xw_flags(rd, u64::from(v), fl);
            }
            Inst::FltD { rd, rs1, rs2 } => {
                let (v, fl) = fpu::f64_lt(self.fr(rs1), self.fr(rs2));
                self.xw_flags(rd, u64::from(v), fl);
            }
            Inst::FleD { rd, rs1, rs2 } => {
                let (v, fl) = fpu::f64_le(self.fr(rs1), self.fr(rs2));
                self.xw_flags(rd, u64::from(v), fl);
            }
            Inst::FclassD { rd, rs1 } => self.xw(rd, fpu::f64_classify(self.fr(rs1))),
            Inst::FcvtWD { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f64_to_i32(self.fr(rs1), rm);
                self.xw_flags(rd, v as i64 as u64, fl);
            }
            Inst::FcvtWuD { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f64_to_u32(self.fr(rs1), rm);
                self.xw_flags(rd, sext32(u64::from(v)), fl);
            }
            Inst::FcvtLD { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f64_to_i64(self.fr(rs1), rm);
                self.xw_flags(rd, v as u64, fl);
            }
            Inst::FcvtLuD { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let (v, fl) = fpu::f64_to_u64(self.fr(rs1), rm);
                self.xw_flags(rd, v, fl);
            }
            Inst::FcvtDW { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::i32_to_f64(self.xr(rs1) as i32, rm);
                self.fw_d(rd, r);
            }
            Inst::FcvtDWu { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::u32_to_f64(self.xr(rs1) as u32, rm);
                self.fw_d(rd, r);
            }
            Inst::FcvtDL { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::i64_to_f64(self.xr(rs1) as i64, rm);
                self.fw_d(rd, r);
            }
            Inst::FcvtDLu { rd, rs1, rm } => {
                let rm = self.fp_round(rm, raw)?;
                let r = fpu::u64_to_f64(self.xr(rs1), rm);
                self.fw_d(rd, r);
            }
            Inst::FmvXD { rd, rs1 } => self.xw(rd, self.fr(rs1)),
            Inst::FmvDX { rd, rs1 } => self.fw(rd, self.xr(rs1)),
            _ => return Err(Trap::new(Exception::IllegalInst, u64::from(raw))),
        }
        Ok(())
    }
}

/// True for the D instructions.
fn is_d(inst: &Inst) -> bool {
    matches!(
        inst,
        Inst::Fld { .. }
            | Inst::Fsd { .. }
            | Inst::FmaddD { .. }
            | Inst::FmsubD { .. }
            | Inst::FnmsubD { .. }
            | Inst::FnmaddD { .. }
            | Inst::FaddD { .. }
            | Inst::FsubD { .. }
            | Inst::FmulD { .. }
            | Inst::FdivD { .. }
            | Inst::FsqrtD { .. }
            | Inst::FsgnjD { .. }
            | Inst::FsgnjnD { .. }
            | Inst::FsgnjxD { .. }
            | Inst::FminD { .. }
            | Inst::FmaxD { .. }
            | Inst::FcvtSD { .. }
            | Inst::FcvtDS { .. }
            | Inst::FeqD { .. }
            | Inst::FltD { .. }
            | Inst::FleD { .. }
            | Inst::FclassD { .. }
            | Inst::FcvtWD { .. }
            | Inst::FcvtWuD { .. }
            | Inst::FcvtLD { .. }
            | Inst::FcvtLuD { .. }
            | Inst::FcvtDW { .. }
            | Inst::FcvtDWu { .. }
            | Inst::FcvtDL { .. }
            | Inst::FcvtDLu { .. }
            | Inst::FmvXD { .. }
            | Inst::FmvDX { .. }
    )
}
