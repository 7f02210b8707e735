//! D extension (double precision). Shares the FS check, rounding-mode
//! resolution and flag accrual with [`super::f`] and the operations common
//! to F and D with [`super::fp`]; binary64 values use the whole register,
//! conversions to/from binary32 box/unbox.

use rvisor_fpu as fpu;
use rvisor_isa::Inst;

use super::f::{nan_box, unbox};
use super::fp::{shared_ops, Double};
use crate::trap::{Exception, Trap};
use crate::Hart;

impl Hart {
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
        let shared = shared_ops!(self, inst, raw, Double;
            FmaddD FmsubD FnmsubD FnmaddD FaddD FsubD FmulD FdivD FsqrtD
            FsgnjD FsgnjnD FsgnjxD FminD FmaxD FcvtWD FcvtWuD FcvtLD FcvtLuD
            FeqD FltD FleD FclassD FcvtDW FcvtDWu FcvtDL FcvtDLu);
        if let Some(r) = shared {
            return r;
        }
        match inst {
            Inst::Fld { rd, rs1, imm } => {
                let v = self.load::<8>(self.xr(rs1).wrapping_add(imm as i64 as u64))?;
                self.fw(rd, v);
            }
            Inst::Fsd { rs1, rs2, imm } => {
                let va = self.xr(rs1).wrapping_add(imm as i64 as u64);
                self.store::<8>(va, self.fr(rs2))?;
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
                let (v, fl) = fpu::f32_to_f64(unbox(self.fr(rs1)));
                self.fp_flags(fl);
                self.fw(rd, v);
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
