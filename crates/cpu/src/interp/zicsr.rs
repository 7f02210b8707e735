//! Zicsr: the six CSR instructions, through the CSR file's `csr_access`
//! (which owns every privilege, read-only and WARL rule).

use rvisor_isa::Inst;

use crate::csr::CsrOp;
use crate::{Exit, Hart};

/// `minstret`: a write to it replaces the writing instruction's own
/// increment (Zicntr: "the write is done instead of the increment").
const CSR_MINSTRET: u16 = 0xb02;

impl Hart {
    /// Execute a CSR instruction at `self.pc` with `stats.instret` exact.
    pub(super) fn exec_csr(&mut self, inst: Inst, raw: u32, len: u64) -> Result<u64, Exit> {
        let (rd, csr, op, operand, read, write) = match inst {
            Inst::Csrrw { rd, rs1, csr } => (rd, csr, CsrOp::Write, self.xr(rs1), rd != 0, true),
            Inst::Csrrs { rd, rs1, csr } => (rd, csr, CsrOp::Set, self.xr(rs1), true, rs1 != 0),
            Inst::Csrrc { rd, rs1, csr } => (rd, csr, CsrOp::Clear, self.xr(rs1), true, rs1 != 0),
            Inst::Csrrwi { rd, uimm, csr } => {
                (rd, csr, CsrOp::Write, u64::from(uimm), rd != 0, true)
            }
            Inst::Csrrsi { rd, uimm, csr } => {
                (rd, csr, CsrOp::Set, u64::from(uimm), true, uimm != 0)
            }
            Inst::Csrrci { rd, uimm, csr } => {
                (rd, csr, CsrOp::Clear, u64::from(uimm), true, uimm != 0)
            }
            _ => return Ok(1),
        };
        self.stats.csr_ops += 1;
        match self.csr_access(csr, op, operand, read, write, raw) {
            Ok(old) => {
                self.xw(rd, old);
                if !(write && csr == CSR_MINSTRET) {
                    self.stats.instret += 1;
                }
                self.pc = self.pc.wrapping_add(len);
            }
            Err(t) => self.raise(t),
        }
        Ok(1)
    }
}
