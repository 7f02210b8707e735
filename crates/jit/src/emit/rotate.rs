//! Rotates written as two shifts and an `or` (RV64GC has no rotate:
//! `srliw t1, x, s; slliw t2, x, 32 - s; or d, t1, t2`, and the 64-bit
//! `srli`/`slli` form), as hashes and ciphers are full of: one host
//! rotate at the `or`, nothing at the shifts. Only where nothing can see
//! the shifts' results: the instructions between them and the `or`, and
//! after it until both are written again, are register-only ones (no
//! memory access, helper, exit or label), and none of them reads the
//! shifts' results.

use rvisor_cpu::interp::Op;
use rvisor_isa::Inst;

use super::register_only;

/// What the translator emits for an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fused {
    /// As usual.
    No,
    /// Nothing (a shift whose result only the rotate used).
    Skip,
    /// `rd = rotate right(x, amount)`, 32-bit (sign-extended) if `word`.
    Rotate { x: u8, amount: u8, word: bool },
}

/// A shift by a constant: (rd, rs1, amount, left, word).
fn shift(inst: &Inst) -> Option<(u8, u8, u8, bool, bool)> {
    match *inst {
        Inst::Slli { rd, rs1, shamt } => Some((rd, rs1, shamt, true, false)),
        Inst::Srli { rd, rs1, shamt } => Some((rd, rs1, shamt, false, false)),
        Inst::Slliw { rd, rs1, shamt } => Some((rd, rs1, shamt, true, true)),
        Inst::Srliw { rd, rs1, shamt } => Some((rd, rs1, shamt, false, true)),
        _ => None,
    }
}

fn reads(r: &([u8; 2], u8), x: u8) -> bool {
    r.0.contains(&x)
}

/// Per instruction of `ops` (a translation's body; `label[i]` when
/// something jumps to `i`): what to emit for it.
pub fn plan(ops: &[Op], label: &[bool]) -> Vec<Fused> {
    let mut out = vec![Fused::No; ops.len()];
    if !ops.iter().any(|op| matches!(op.inst, Inst::Or { .. })) {
        return out;
    }
    let regs: Vec<Option<([u8; 2], u8)>> = ops.iter().map(|op| register_only(&op.inst)).collect();
    for k in 0..ops.len() {
        let Inst::Or { rd, rs1, rs2 } = ops[k].inst else {
            continue;
        };
        if rs1 == rs2 || rs1 == 0 || rs2 == 0 {
            continue;
        }
        if let Some((x, amount, word, defs)) = pair(ops, &regs, label, k, rs1, rs2) {
            if dead_after(&regs, label, k, rd, [rs1, rs2])
                && defs.iter().all(|&d| out[d] == Fused::No)
            {
                out[defs[0]] = Fused::Skip;
                out[defs[1]] = Fused::Skip;
                out[k] = Fused::Rotate { x, amount, word };
            }
        }
    }
    out
}

/// The shifts defining `a` and `b` for the `or` at `k`, if they are a
/// right and a left shift of one register by complementary amounts with
/// only register-only instructions from them to `k` that leave it alone
/// and read neither result: (x, right amount, word, their indices).
fn pair(
    ops: &[Op],
    regs: &[Option<([u8; 2], u8)>],
    label: &[bool],
    k: usize,
    a: u8,
    b: u8,
) -> Option<(u8, u8, bool, [usize; 2])> {
    let mut defs: [Option<usize>; 2] = [None, None];
    let mut i = k;
    while defs.iter().any(Option::is_none) {
        if label[i] || i == 0 {
            return None;
        }
        i -= 1;
        let r = regs[i]?;
        for (n, t) in [a, b].into_iter().enumerate() {
            if defs[n].is_none() && r.1 == t {
                defs[n] = Some(i);
            } else if defs[n].is_none() && reads(&r, t) {
                // Read between its definition and the `or`.
                return None;
            }
        }
    }
    let (da, db) = (defs[0]?, defs[1]?);
    let (_, xa, sa, left_a, wa) = shift(&ops[da].inst)?;
    let (_, xb, sb, left_b, wb) = shift(&ops[db].inst)?;
    let bits = if wa { 32 } else { 64 };
    if xa != xb || xa == a || xa == b || wa != wb || left_a == left_b || sa == 0 || sb == 0 {
        return None;
    }
    if u32::from(sa) + u32::from(sb) != bits {
        return None;
    }
    // x keeps its value from the first shift to the `or`.
    let first = da.min(db);
    if regs[first + 1..k]
        .iter()
        .any(|r| r.is_none_or(|r| r.1 == xa))
    {
        return None;
    }
    let right = if left_a { sb } else { sa };
    Some((xa, right, wa, [da, db]))
}

/// Is each of `ts` (other than `rd`, which the `or` writes) written again
/// after `k` by a register-only instruction that does not read it, with
/// only register-only instructions that do not read it before that?
fn dead_after(
    regs: &[Option<([u8; 2], u8)>],
    label: &[bool],
    k: usize,
    rd: u8,
    ts: [u8; 2],
) -> bool {
    ts.into_iter().filter(|&t| t != rd).all(|t| {
        for j in k + 1..regs.len() {
            if label[j] {
                return false;
            }
            let Some(r) = regs[j] else {
                return false;
            };
            if reads(&r, t) {
                return false;
            }
            if r.1 == t {
                return true;
            }
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Inst::*;

    use crate::emit::test_op as op;

    #[test]
    fn a_rotate_of_a_hash_round_is_fused() {
        let ops = [
            op(Slliw {
                rd: 12,
                rs1: 29,
                shamt: 25,
            }),
            op(Srliw {
                rd: 31,
                rs1: 29,
                shamt: 7,
            }),
            op(Addw {
                rd: 11,
                rs1: 11,
                rs2: 30,
            }),
            op(Or {
                rd: 31,
                rs1: 31,
                rs2: 12,
            }),
            op(Srliw {
                rd: 30,
                rs1: 22,
                shamt: 7,
            }),
            op(Slliw {
                rd: 12,
                rs1: 22,
                shamt: 25,
            }),
        ];
        let f = plan(&ops, &[false; 6]);
        assert_eq!(f[0], Fused::Skip);
        assert_eq!(f[1], Fused::Skip);
        assert_eq!(f[2], Fused::No);
        assert_eq!(
            f[3],
            Fused::Rotate {
                x: 29,
                amount: 7,
                word: true
            }
        );
    }

    #[test]
    fn a_shift_result_seen_later_or_by_a_trap_keeps_the_shifts() {
        let base = [
            op(Srli {
                rd: 5,
                rs1: 10,
                shamt: 13,
            }),
            op(Slli {
                rd: 6,
                rs1: 10,
                shamt: 51,
            }),
            op(Or {
                rd: 7,
                rs1: 5,
                rs2: 6,
            }),
        ];
        // x5 and x6 are never written again: live out.
        assert!(plan(&base, &[false; 3]).iter().all(|f| *f == Fused::No));
        // Written again, but a load (which may trap) comes first.
        let mut ops = base.to_vec();
        ops.push(op(Ld {
            rd: 8,
            rs1: 2,
            imm: 0,
        }));
        ops.push(op(Addi {
            rd: 5,
            rs1: 0,
            imm: 1,
        }));
        ops.push(op(Addi {
            rd: 6,
            rs1: 0,
            imm: 1,
        }));
        assert!(plan(&ops, &[false; 6]).iter().all(|f| *f == Fused::No));
        // Written again first: fused (64-bit).
        ops.remove(3);
        let f = plan(&ops, &[false; 5]);
        assert_eq!(
            f[2],
            Fused::Rotate {
                x: 10,
                amount: 13,
                word: false
            }
        );
        // Amounts that do not add up, or x changed in between: not.
        let mut bad = ops.clone();
        bad[1] = op(Slli {
            rd: 6,
            rs1: 10,
            shamt: 50,
        });
        assert!(plan(&bad, &[false; 5]).iter().all(|f| *f == Fused::No));
        let mut bad = ops.clone();
        bad.insert(
            1,
            op(Addi {
                rd: 10,
                rs1: 10,
                imm: 1,
            }),
        );
        assert!(plan(&bad, &[false; 6]).iter().all(|f| *f == Fused::No));
    }
}
