//! Memory accesses that share one TLB probe.
//!
//! Within straight-line code (no label in between), accesses through the
//! same base register while it keeps its value (a function's saves and
//! restores through `sp`, the fields of one structure) usually fall in
//! one page. The first of them, the leader, probes the TLB once for the
//! bytes all of them touch and keeps the host address delta in a
//! [`Ctx::group_delta`](crate::helpers::Ctx) slot (and in rcx); the
//! others, the members, use it and check nothing: one load of the slot,
//! or nothing at all right after another access of the group, which left
//! the delta in rcx (`Emitter::chained`).
//!
//! A leader whose probe fails makes its own access through its helper
//! (`helpers::group`), which then finds the span's delta in the TLB (the
//! access filled it; for a group with stores, a walk that sets no A or D
//! bit fills the store entry). Where there is none (the span is not
//! mapped RAM, for stores not free of code, or covers two pages that are
//! not neighbours in guest-physical memory), the translation leaves after
//! the leader's access and the interpreter runs the rest of the block, so
//! only the leader's own access can fault and faults stay exact. A
//! translation that leaves that way 256 times in a row (a stack frame
//! across two pages) is made again without paged groups
//! (`emit::FALLBACK_GROUP_FAILED`).
//!
//! In M-mode code that checks only the bounds of RAM (`DataMode::Unchecked`)
//! a group's leader checks that its span lies in RAM (and, with stores, in
//! granules free of code) and its members check nothing. A leader that
//! finds otherwise makes its own access out of line and then leaves the
//! translation for the next instruction, where the members are checked
//! again by what runs there.

use rvisor_cpu::interp::Op;
use rvisor_isa::Inst;

/// Delta slots in `Ctx` (groups alive at one point of the code).
pub const SLOTS: usize = rvisor_cpu::jit_ctx::JIT_GROUP_SLOTS;

/// Widest span of bytes one group may cover (wider, and it would straddle
/// pages too often).
pub const MAX_SPAN: i64 = 512;

/// An access's part in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Probes `[x[rs1] + lo, x[rs1] + lo + span)` (as a store if `store`:
    /// some member writes) and fills `slot`.
    Leader {
        lo: i32,
        span: u16,
        store: bool,
        slot: u8,
    },
    /// Uses the delta in `slot` (or rcx), unchecked.
    Member { slot: u8 },
}

/// A load or store a group may hold: (base, offset, size, is a store).
fn access(inst: &Inst) -> Option<(u8, i32, u8, bool)> {
    use Inst::*;
    let (rs1, imm, size, store) = match *inst {
        Lb { rs1, imm, .. } | Lbu { rs1, imm, .. } => (rs1, imm, 1, false),
        Lh { rs1, imm, .. } | Lhu { rs1, imm, .. } => (rs1, imm, 2, false),
        Lw { rs1, imm, .. } | Lwu { rs1, imm, .. } => (rs1, imm, 4, false),
        Ld { rs1, imm, .. } => (rs1, imm, 8, false),
        Sb { rs1, imm, .. } => (rs1, imm, 1, true),
        Sh { rs1, imm, .. } => (rs1, imm, 2, true),
        Sw { rs1, imm, .. } => (rs1, imm, 4, true),
        Sd { rs1, imm, .. } => (rs1, imm, 8, true),
        _ => return None,
    };
    (rs1 != 0).then_some((rs1, imm, size, store))
}

#[derive(Clone)]
struct Open {
    base: u8,
    members: Vec<usize>,
    lo: i64,
    hi: i64,
    store: bool,
}

/// The role of each instruction of `ops` (a translation's body; `label[i]`
/// when something jumps to `i`, `depth[i]` the number of its loops, or
/// `depth` empty where groups may reach out of loops: M-mode leaders
/// check only RAM's bounds, as an access alone does).
///
/// A group does not reach out of a loop: an access after the loop's
/// backward branch (no label ends the group there) would make the access
/// inside the loop its leader, which probes the TLB for the span every
/// time round (and stores the slot) where alone it checks its site-cache
/// slot. A string loop of busybox's (`lbu` from its pointer, then a load
/// two bytes on after the loop) paid 13 instructions a byte for one
/// member's probe per string.
pub fn plan(ops: &[Op], label: &[bool], depth: &[u8]) -> Vec<Option<Role>> {
    let mut roles = vec![None; ops.len()];
    let mut open: Vec<Open> = Vec::new();
    let mut done: Vec<Open> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        if label[i] {
            done.append(&mut open);
        }
        if let Some((base, imm, size, store)) = access(&op.inst) {
            let (lo, hi) = (i64::from(imm), i64::from(imm) + i64::from(size));
            let depth_of = |k: usize| depth.get(k).copied().unwrap_or(0);
            match open.iter().position(|g| g.base == base) {
                Some(k)
                    if hi.max(open[k].hi) - lo.min(open[k].lo) <= MAX_SPAN
                        && depth_of(open[k].members[0]) == depth_of(i) =>
                {
                    let g = &mut open[k];
                    g.members.push(i);
                    g.lo = g.lo.min(lo);
                    g.hi = g.hi.max(hi);
                    g.store |= store;
                }
                found => {
                    if let Some(k) = found {
                        done.push(open.swap_remove(k));
                    }
                    open.push(Open {
                        base,
                        members: vec![i],
                        lo,
                        hi,
                        store,
                    });
                }
            }
        }
        // A written base register ends its group; an instruction left to
        // a helper may write any.
        match op.inst.int_operands() {
            Some((_, rd)) => {
                if let Some(k) = open.iter().position(|g| rd != 0 && g.base == rd) {
                    done.push(open.swap_remove(k));
                }
            }
            None => done.append(&mut open),
        }
    }
    done.append(&mut open);
    // Slots: groups whose lives overlap need different ones.
    done.retain(|g| g.members.len() > 1);
    done.sort_by_key(|g| g.members[0]);
    let mut free_at = [0usize; SLOTS];
    for g in done {
        let (first, last) = (g.members[0], g.members[g.members.len() - 1]);
        let Some(slot) = (0..SLOTS).find(|&s| free_at[s] <= first) else {
            continue;
        };
        free_at[slot] = last + 1;
        let slot = slot as u8;
        roles[first] = Some(Role::Leader {
            lo: g.lo as i32,
            span: (g.hi - g.lo) as u16,
            store: g.store,
            slot,
        });
        for &m in &g.members[1..] {
            roles[m] = Some(Role::Member { slot });
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::emit::test_op as op;

    #[test]
    fn saves_through_sp_share_one_probe_until_sp_changes() {
        use Inst::*;
        let ops = [
            op(Sd {
                rs1: 2,
                rs2: 1,
                imm: 8,
            }),
            op(Sd {
                rs1: 2,
                rs2: 8,
                imm: 0,
            }),
            op(Ld {
                rd: 10,
                rs1: 2,
                imm: 16,
            }),
            op(Addi {
                rd: 2,
                rs1: 2,
                imm: -32,
            }),
            op(Sd {
                rs1: 2,
                rs2: 1,
                imm: 8,
            }),
        ];
        let roles = plan(&ops, &[false; 5], &[0; 5]);
        assert_eq!(
            roles[0],
            Some(Role::Leader {
                lo: 0,
                span: 24,
                store: true,
                slot: 0
            })
        );
        assert_eq!(roles[1], Some(Role::Member { slot: 0 }));
        assert_eq!(roles[2], Some(Role::Member { slot: 0 }));
        // sp changed: alone, no group.
        assert_eq!(roles[4], None);
    }

    #[test]
    fn a_label_or_a_far_offset_starts_a_new_group() {
        use Inst::*;
        let ops = [
            op(Ld {
                rd: 10,
                rs1: 11,
                imm: 0,
            }),
            op(Ld {
                rd: 12,
                rs1: 11,
                imm: 8,
            }),
            op(Ld {
                rd: 13,
                rs1: 11,
                imm: 16,
            }),
            op(Ld {
                rd: 14,
                rs1: 11,
                imm: 24,
            }),
            op(Ld {
                rd: 15,
                rs1: 11,
                imm: 2000,
            }),
            op(Ld {
                rd: 16,
                rs1: 11,
                imm: 2008,
            }),
        ];
        let mut label = [false; 6];
        label[2] = true;
        let roles = plan(&ops, &label, &[0; 6]);
        assert!(matches!(roles[0], Some(Role::Leader { span: 16, .. })));
        assert!(matches!(roles[2], Some(Role::Leader { span: 16, .. })));
        assert!(matches!(roles[3], Some(Role::Member { .. })));
        assert!(matches!(roles[4], Some(Role::Leader { lo: 2000, .. })));
    }

    #[test]
    fn a_load_into_its_own_base_ends_the_group_after_it() {
        use Inst::*;
        let ops = [
            op(Ld {
                rd: 10,
                rs1: 10,
                imm: 0,
            }),
            op(Ld {
                rd: 11,
                rs1: 10,
                imm: 8,
            }),
        ];
        assert!(plan(&ops, &[false; 2], &[0; 2]).iter().all(Option::is_none));
    }

    #[test]
    fn a_group_does_not_reach_out_of_its_loop() {
        use Inst::*;
        let ops = [
            op(Lbu {
                rd: 10,
                rs1: 11,
                imm: 0,
            }),
            op(Lbu {
                rd: 12,
                rs1: 11,
                imm: 1,
            }),
            op(Bne {
                rs1: 10,
                rs2: 0,
                imm: -8,
            }),
            op(Lbu {
                rd: 13,
                rs1: 11,
                imm: 2,
            }),
            op(Lbu {
                rd: 14,
                rs1: 11,
                imm: 3,
            }),
        ];
        let roles = plan(&ops, &[true, false, false, false, false], &[1, 1, 1, 0, 0]);
        assert!(matches!(roles[0], Some(Role::Leader { span: 2, .. })));
        assert!(matches!(roles[1], Some(Role::Member { .. })));
        assert!(matches!(
            roles[3],
            Some(Role::Leader { lo: 2, span: 2, .. })
        ));
        assert!(matches!(roles[4], Some(Role::Member { .. })));
    }
}
