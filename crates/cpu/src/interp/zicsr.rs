//! Zicsr: the six CSR instructions, through the CSR file's `csr_access`
//! (which owns every privilege, read-only and WARL rule).

use rvisor_isa::Inst;

use crate::csr::CsrOp;
use crate::{Exit, Hart};

/// A CSR instruction's operation on its operands.
pub(crate) struct CsrInst {
    pub rd: u8,
    pub csr: u16,
    pub op: CsrOp,
    pub operand: u64,
    /// It reads the CSR (rd != x0 for `csrrw`).
    pub read: bool,
    /// It writes the CSR (rs1 != x0 / uimm != 0 for set and clear).
    pub write: bool,
}

impl Hart {
    /// The operation of CSR instruction `inst` (`None`: not one).
    pub(crate) fn csr_inst(&self, inst: Inst) -> Option<CsrInst> {
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
            _ => return None,
        };
        Some(CsrInst {
            rd,
            csr,
            op,
            operand,
            read,
            write,
        })
    }

    /// Execute a CSR instruction at `self.pc` with `stats.instret` exact
    /// (it is the last op of its block).
    pub(super) fn exec_csr(&mut self, inst: Inst, raw: u32, len: u64) -> Result<u64, Exit> {
        let Some(CsrInst {
            rd,
            csr,
            op,
            operand,
            read,
            write,
        }) = self.csr_inst(inst)
        else {
            return Ok(1);
        };
        self.stats.csr_ops += 1;
        match self.csr_access(csr, op, operand, read, write, raw) {
            Ok(old) => {
                self.xw(rd, old);
                // Always counted: the CSR file keeps `minstret` as an offset
                // from `stats.instret` and compensates a write for this
                // increment ("the write is done instead of the increment").
                self.stats.instret += 1;
                self.pc = self.pc.wrapping_add(len);
            }
            Err(t) => self.raise(t),
        }
        Ok(1)
    }
}
