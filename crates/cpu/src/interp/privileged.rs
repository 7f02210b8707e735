//! Privileged instructions and the traps that are instructions: `ecall`,
//! `ebreak`, `mret`/`sret`, `wfi`, `sfence.vma`, and illegal encodings. Every
//! check (TSR, TW, TVM, privilege) is the CSR/trap side's; this file wires
//! them to the run loop's exits.

use rvisor_isa::Inst;

use crate::trap::{Exception, Trap};
use crate::{Exit, Hart, PrivilegeMode};

impl Hart {
    /// `ecall`, `ebreak`, `wfi`, `sfence.vma` and `Illegal` at `self.pc`
    /// (instret exact). Inner `Ok(())`: retires normally; inner `Err`: the
    /// trap to take; outer `Err`: exit to the VMM (state already final).
    pub(super) fn exec_privileged(
        &mut self,
        inst: Inst,
        raw: u32,
    ) -> Result<Result<(), Trap>, Exit> {
        Ok(match inst {
            Inst::Ecall => Err(Trap::new(
                match self.prv {
                    PrivilegeMode::User => Exception::EcallU,
                    PrivilegeMode::Supervisor if self.config.hypercalls => {
                        // Para mode: the VMM serves the SBI call; pc stays AT
                        // the ecall until `finish_hypercall`.
                        self.stats.hypercalls += 1;
                        return Err(Exit::Hypercall);
                    }
                    PrivilegeMode::Supervisor => Exception::EcallS,
                    PrivilegeMode::Machine => Exception::EcallM,
                },
                0,
            )),
            Inst::Ebreak => Err(Trap::new(Exception::Breakpoint, self.pc)),
            Inst::Wfi => {
                if let Err(t) = self.wfi_allowed() {
                    return Ok(Err(t));
                }
                self.stats.wfis += 1;
                if self.wfi_wakeup_pending() {
                    Ok(())
                } else {
                    // wfi retires; the VMM parks the thread and calls run
                    // again with pc after the wfi.
                    self.stats.instret += 1;
                    self.pc = self.pc.wrapping_add(4);
                    return Err(Exit::Wfi);
                }
            }
            Inst::SfenceVma { rs1, rs2 } => self.exec_sfence_vma(rs1, rs2, raw),
            _ => Err(Trap::new(Exception::IllegalInst, u64::from(raw))),
        })
    }

    /// `sfence.vma rs1, rs2` (raw encoding `raw`, for the illegal
    /// instruction's `xtval`).
    pub(super) fn exec_sfence_vma(&mut self, rs1: u8, rs2: u8, raw: u32) -> Result<(), Trap> {
        let vaddr = (rs1 != 0).then(|| self.xr(rs1));
        let asid = (rs2 != 0).then(|| self.xr(rs2));
        self.stats.sfences += 1;
        // Blocks are keyed by physical pc and every block start
        // translates pc again, so only the TLB needs flushing.
        self.sfence_vma(vaddr, asid).map_err(|t| match t.cause {
            Exception::IllegalInst => Trap::new(t.cause, u64::from(raw)),
            _ => t,
        })
    }

    /// `mret`/`sret` at `self.pc`: the privileged side sets pc and mode.
    pub(super) fn exec_xret(&mut self, inst: Inst) -> Result<u64, Exit> {
        let r = if inst == Inst::Mret {
            self.mret()
        } else {
            self.sret()
        };
        match r {
            Ok(()) => {
                self.stats.instret += 1;
                self.stats.xrets += 1;
                self.interp.reservation = None;
            }
            Err(t) => self.raise(t),
        }
        Ok(1)
    }
}
