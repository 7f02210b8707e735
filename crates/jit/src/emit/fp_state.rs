//! What a translation knows of `mstatus.FS` at each instruction.
//!
//! Every F/D template checks FS before it touches FP state: on (any
//! F/D instruction) or Dirty (one that writes an f register, so that it
//! need not store `mstatus`). Once one instruction has passed such a
//! check, FS stays so until a CSR instruction runs: nothing else in a
//! translation lowers it (an instruction that traps leaves the
//! translation, and a helper that completes an F/D instruction only ever
//! raises FS to Dirty). So a later instruction on every path from it
//! needs no check of its own: a chain of FP arithmetic checks FS once,
//! not once per instruction (four instructions each).
//!
//! A forward "must" dataflow over the translation's body (its jumps
//! inside it are `inside`), solved by iteration to the greatest fixed
//! point: the entry knows nothing, everything else starts at all-known.
//! (A CSR write that changes `mstatus` ends the translation when it runs,
//! through its helper's status; the analysis does not count on that.)

use rvisor_cpu::interp::Op;
use rvisor_isa::Inst;

/// `mstatus.FS` is not Off.
pub const FS_ON: u8 = 1;
/// `mstatus.FS` is Dirty.
pub const FS_DIRTY: u8 = 2;
const ALL: u8 = FS_ON | FS_DIRTY;

/// What executing `inst` to its end tells of FS afterwards: `Some(facts
/// gained)`, or `None` if it may lower FS (a CSR write).
fn effect(inst: &Inst) -> Option<u8> {
    use Inst::*;
    if inst.is_system() {
        return None;
    }
    Some(match inst {
        // F/D instructions that write no f register: FS must have been
        // on, or they would have trapped.
        Fsw { .. }
        | Fsd { .. }
        | FcvtWS { .. }
        | FcvtWuS { .. }
        | FcvtLS { .. }
        | FcvtLuS { .. }
        | FmvXW { .. }
        | FeqS { .. }
        | FltS { .. }
        | FleS { .. }
        | FclassS { .. }
        | FeqD { .. }
        | FltD { .. }
        | FleD { .. }
        | FclassD { .. }
        | FcvtWD { .. }
        | FcvtWuD { .. }
        | FcvtLD { .. }
        | FcvtLuD { .. }
        | FmvXD { .. } => FS_ON,
        // The rest of F/D writes an f register, which makes FS Dirty.
        Flw { .. } | Fld { .. } | FmvWX { .. } | FmvDX { .. } => ALL,
        FmaddS { .. } | FmsubS { .. } | FnmsubS { .. } | FnmaddS { .. } => ALL,
        FaddS { .. } | FsubS { .. } | FmulS { .. } | FdivS { .. } | FsqrtS { .. } => ALL,
        FsgnjS { .. } | FsgnjnS { .. } | FsgnjxS { .. } | FminS { .. } | FmaxS { .. } => ALL,
        FcvtSW { .. } | FcvtSWu { .. } | FcvtSL { .. } | FcvtSLu { .. } => ALL,
        FmaddD { .. } | FmsubD { .. } | FnmsubD { .. } | FnmaddD { .. } => ALL,
        FaddD { .. } | FsubD { .. } | FmulD { .. } | FdivD { .. } | FsqrtD { .. } => ALL,
        FsgnjD { .. } | FsgnjnD { .. } | FsgnjxD { .. } | FminD { .. } | FmaxD { .. } => ALL,
        FcvtSD { .. } | FcvtDS { .. } => ALL,
        FcvtDW { .. } | FcvtDWu { .. } | FcvtDL { .. } | FcvtDLu { .. } => ALL,
        _ => 0,
    })
}

/// Whether control goes on to the next instruction after `inst` (within
/// the body: a jump to a target outside it, a return, an exit, ends it).
fn falls_through(inst: &Inst) -> bool {
    !matches!(inst, Inst::Jal { .. } | Inst::Jalr { .. })
}

/// The FS facts ([`FS_ON`], [`FS_DIRTY`]) that hold before each
/// instruction of `body`, whose jump at `i` lands at `inside[i]` if that
/// is inside the body (a branch's other way, if any, falls through).
pub fn plan(body: &[Op], inside: &[Option<usize>]) -> Vec<u8> {
    let n = body.len();
    // Most translations have no F/D instruction: nothing to know.
    if !body
        .iter()
        .any(|op| effect(&op.inst).is_some_and(|g| g != 0))
    {
        return vec![0; n];
    }
    let mut at = vec![ALL; n];
    // Whether any edge reaches i (unreached instructions keep ALL: they
    // are never emitted).
    let mut next = vec![ALL; n];
    loop {
        next.fill(ALL);
        next[0] = 0;
        for i in 0..n {
            let out = match effect(&body[i].inst) {
                Some(gain) => at[i] | gain,
                None => 0,
            };
            if i + 1 < n && falls_through(&body[i].inst) {
                next[i + 1] &= out;
            }
            if let Some(t) = inside.get(i).copied().flatten() {
                if t < n {
                    next[t] &= out;
                }
            }
        }
        if next == at {
            return at;
        }
        std::mem::swap(&mut at, &mut next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvisor_isa::RoundingMode;

    fn op(inst: Inst) -> Op {
        Op {
            inst,
            raw: 0,
            off: 0,
            len: 4,
        }
    }

    fn fadd() -> Inst {
        Inst::FaddD {
            rd: 1,
            rs1: 2,
            rs2: 3,
            rm: RoundingMode::Dyn,
        }
    }

    #[test]
    fn straight_line_knows_after_the_first() {
        let body = [
            op(Inst::FleD {
                rd: 5,
                rs1: 1,
                rs2: 2,
            }),
            op(fadd()),
            op(fadd()),
        ];
        let f = plan(&body, &[None, None, None]);
        assert_eq!(f, vec![0, FS_ON, ALL]);
    }

    #[test]
    fn a_csr_instruction_forgets() {
        let body = [
            op(fadd()),
            op(Inst::Csrrw {
                rd: 0,
                rs1: 5,
                csr: 0x300,
            }),
            op(fadd()),
        ];
        let f = plan(&body, &[None, None, None]);
        assert_eq!(f, vec![0, ALL, 0]);
    }

    #[test]
    fn a_loop_entered_after_fp_knows_throughout() {
        // 0: fadd; 1: j 3; 2: fadd (loop head, only reached by 4's back
        // edge); 3: addi; 4: bne -> 2.
        let addi = Inst::Addi {
            rd: 5,
            rs1: 5,
            imm: 1,
        };
        let bne = Inst::Bne {
            rs1: 5,
            rs2: 6,
            imm: -4,
        };
        let body = [
            op(fadd()),
            op(Inst::Jal { rd: 0, imm: 4 }),
            op(fadd()),
            op(addi),
            op(bne),
        ];
        let inside = [None, Some(3), None, None, Some(2)];
        let f = plan(&body, &inside);
        assert_eq!(f[2], ALL);
        assert_eq!(f[3], ALL);
    }

    #[test]
    fn a_join_keeps_only_what_both_ways_know() {
        // 0: beq -> 2; 1: fadd; 2: fadd (reached with and without 1).
        let beq = Inst::Beq {
            rs1: 5,
            rs2: 6,
            imm: 8,
        };
        let body = [op(beq), op(fadd()), op(fadd())];
        let f = plan(&body, &[Some(2), None, None]);
        assert_eq!(f, vec![0, 0, 0]);
    }

    #[test]
    fn a_loop_with_a_csr_write_forgets_at_its_head() {
        // 0: fadd; 1: fadd (head); 2: csrrw; 3: bne -> 1.
        let body = [
            op(fadd()),
            op(fadd()),
            op(Inst::Csrrw {
                rd: 0,
                rs1: 5,
                csr: 0x001,
            }),
            op(Inst::Bne {
                rs1: 5,
                rs2: 6,
                imm: -8,
            }),
        ];
        let f = plan(&body, &[None, None, None, Some(1)]);
        assert_eq!(f[1], 0);
        assert_eq!(f[3], 0);
    }
}
