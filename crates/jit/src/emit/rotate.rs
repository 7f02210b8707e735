//! Rotates written as two shifts and an `or` (RV64GC has no rotate:
//! `srliw t1, x, s; slliw t2, x, 32 - s; or d, t1, t2`, and the 64-bit
//! `srli`/`slli` form), as hashes and ciphers are full of: one host
//! rotate at the `or`, nothing at the shifts. Only where nothing can see
//! the shifts' results: the instructions between them and the `or`, and
//! after it until both are written again, are register-only ones or
//! integer loads and stores (no helper, exit or label), none of them
//! reads the shifts' results, and `x` keeps its value throughout. A load
//! or store in there may trap, and a trap must see the shifts' results:
//! its slow path computes them into `Hart::x` before its helper runs
//! ([`Plan::keep`]). Compilers interleave a hash round's loads with its
//! rotates, so most rotates have one in their span.

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
    /// `rd = zext32(x) << amount` (`right`: `>>`): the `srli` of
    /// `slli t, x, 32; srli rd, t, s`, GCC's zero-extended (and scaled)
    /// unsigned index, as one 32-bit move and a shift.
    Zext { x: u8, amount: u8, right: bool },
}

/// A skipped shift a trap between it and its register's next write must
/// see: `rd = x << amount` (`left`) or `x >> amount` (logical), of the
/// low 32 bits and sign-extended if `word`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    pub rd: u8,
    pub x: u8,
    pub amount: u8,
    pub left: bool,
    pub word: bool,
}

/// What the translator emits for each instruction of a translation, and
/// the skipped shifts each load or store's slow path computes first.
#[derive(Debug)]
pub struct Plan {
    pub fused: Vec<Fused>,
    pub keep: Vec<Vec<Shift>>,
    /// Skipped shifts whose register nothing writes again before a label,
    /// a jump, a helper or the translation's end: computed there, before
    /// that instruction (index `ops.len()`: at the end), off the rotate's
    /// critical path.
    pub late: Vec<Vec<Shift>>,
}

/// The registers an integer load or store reads and writes (rd 0 for a
/// store); other memory accesses (atomics, FP) take helpers the slow
/// paths' computing does not cover.
pub(super) fn plain_access(inst: &Inst) -> Option<([u8; 2], u8)> {
    use Inst::*;
    match inst {
        Lb { .. } | Lh { .. } | Lw { .. } | Ld { .. } | Lbu { .. } | Lhu { .. } | Lwu { .. } => {
            inst.int_operands()
        }
        Sb { .. } | Sh { .. } | Sw { .. } | Sd { .. } => inst.int_operands(),
        _ => None,
    }
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

/// An instruction between a fused rotate's shifts and the rewrites of
/// their registers: register-only, or a plain load or store (`true`).
#[derive(Clone, Copy)]
struct Step {
    reads: [u8; 2],
    rd: u8,
    access: bool,
}

fn step(op: &Op) -> Option<Step> {
    if let Some((reads, rd)) = register_only(&op.inst) {
        return Some(Step {
            reads,
            rd,
            access: false,
        });
    }
    plain_access(&op.inst).map(|(reads, rd)| Step {
        reads,
        rd,
        access: true,
    })
}

impl Plan {
    /// The integer operands each fused op of `ops` leaves, as (source,
    /// destination): x0's for a skipped shift (it reads and writes
    /// nothing), the source and destination of a rotate or zero-extended
    /// shift; `None` for the others.
    pub fn operands(&self, ops: &[Op]) -> Vec<Option<(u8, u8)>> {
        ops.iter()
            .zip(&self.fused)
            .map(|(op, f)| {
                let rd = op.inst.int_operands().map_or(0, |(_, rd)| rd);
                match *f {
                    Fused::No => None,
                    Fused::Skip => Some((0, 0)),
                    Fused::Rotate { x, .. } | Fused::Zext { x, .. } => Some((x, rd)),
                }
            })
            .collect()
    }
}

/// Per instruction of `ops` (a translation's body; `label[i]` when
/// something jumps to `i`): what to emit for it.
pub fn plan(ops: &[Op], label: &[bool]) -> Plan {
    let mut out = Plan {
        fused: vec![Fused::No; ops.len()],
        keep: vec![Vec::new(); ops.len()],
        late: vec![Vec::new(); ops.len() + 1],
    };
    if !ops
        .iter()
        .any(|op| matches!(op.inst, Inst::Or { .. } | Inst::Srli { .. }))
    {
        return out;
    }
    let steps: Vec<Option<Step>> = ops.iter().map(step).collect();
    zext_shifts(ops, &steps, label, &mut out);
    for k in 0..ops.len() {
        let Inst::Or { rd, rs1, rs2 } = ops[k].inst else {
            continue;
        };
        if rs1 == rs2 || rs1 == 0 || rs2 == 0 {
            continue;
        }
        let Some((x, amount, word, defs)) = pair(ops, &steps, label, k, rs1, rs2) else {
            continue;
        };
        if defs.iter().any(|&d| out.fused[d] != Fused::No) {
            continue;
        }
        // Where each shift's register is written again (the `or`'s own
        // register at the `or`).
        let mut ends = [k; 2];
        let mut late = [false; 2];
        let mut ok = true;
        for (n, t) in [rs1, rs2].into_iter().enumerate() {
            if t != rd {
                match dead_after(&steps, label, k, t, x, rd == x) {
                    Some((end, rewritten)) => {
                        ends[n] = end;
                        late[n] = !rewritten;
                    }
                    None => ok = false,
                }
            }
        }
        if !ok {
            continue;
        }
        for (n, &d) in defs.iter().enumerate() {
            out.fused[d] = Fused::Skip;
            let Some((t, _, sh, left, w)) = shift(&ops[d].inst) else {
                continue;
            };
            let kept = Shift {
                rd: t,
                x,
                amount: sh,
                left,
                word: w,
            };
            let last = if t == rd { k } else { ends[n] };
            if t != rd && late[n] {
                out.late[last].push(kept);
            }
            for (s, keep) in steps[d + 1..last].iter().zip(&mut out.keep[d + 1..last]) {
                if s.is_some_and(|s| s.access) {
                    keep.push(kept);
                }
            }
        }
        out.fused[k] = Fused::Rotate { x, amount, word };
    }
    out
}

/// Fuse each `slli t, x, 32; srli rd, t, s` (see [`Fused::Zext`]) whose
/// `slli` result nothing else reads before `t` is written again: the
/// `slli` is skipped and, where `t` is not `rd`, computed late or kept
/// for the slow paths in between, as a rotate's shifts are.
fn zext_shifts(ops: &[Op], steps: &[Option<Step>], label: &[bool], out: &mut Plan) {
    for k in 0..ops.len() {
        let Inst::Srli { rd, rs1: t, shamt } = ops[k].inst else {
            continue;
        };
        if t == 0 || shamt == 0 || out.fused[k] != Fused::No {
            continue;
        }
        // The `slli` defining t, with nothing but register-only
        // instructions and plain loads and stores in between that leave
        // t and x alone and do not read t.
        let mut i = k;
        let d = loop {
            if label[i] || i == 0 {
                break None;
            }
            i -= 1;
            let Some(s) = steps[i] else { break None };
            if s.rd == t {
                break (!s.access).then_some(i);
            }
            if s.reads.contains(&t) {
                break None;
            }
        };
        let Some(d) = d else { continue };
        let Inst::Slli {
            rs1: x, shamt: 32, ..
        } = ops[d].inst
        else {
            continue;
        };
        if x == 0 || out.fused[d] != Fused::No {
            continue;
        }
        let zext = Fused::Zext {
            x,
            amount: shamt.abs_diff(32),
            right: shamt > 32,
        };
        if x == t || steps[d + 1..k].iter().any(|s| s.is_none_or(|s| s.rd == x)) {
            // In place (`slli a5, a5, 32; srli a5, a5, 30`), or x written
            // in between (`mpihelp_*`'s `slli a4, a6, 32; srli a6, a6,
            // 32; srli a4, a4, 32`): done at the `slli`, whose register
            // then holds the `srli`'s result at once, and the `srli`
            // skipped. Only where nothing can see the value in between:
            // register-only instructions that do not read it (a load or
            // store may trap). (Skipping the `slli` instead would leave
            // the `srli` reading a register the shift wrote, or x's new
            // value.)
            let unseen = steps[d + 1..k].iter().all(|s| s.is_some_and(|s| !s.access));
            if t == rd && unseen {
                out.fused[d] = zext;
                out.fused[k] = Fused::Skip;
            }
            continue;
        }
        let kept = Shift {
            rd: t,
            x,
            amount: 32,
            left: true,
            word: false,
        };
        let last = if t == rd {
            k
        } else {
            match dead_after(steps, label, k, t, x, rd == x) {
                Some((end, rewritten)) => {
                    if !rewritten {
                        out.late[end].push(kept);
                    }
                    end
                }
                None => continue,
            }
        };
        for (s, keep) in steps[d + 1..last].iter().zip(&mut out.keep[d + 1..last]) {
            if s.is_some_and(|s| s.access) {
                keep.push(kept);
            }
        }
        out.fused[d] = Fused::Skip;
        out.fused[k] = zext;
    }
}

/// The shifts defining `a` and `b` for the `or` at `k`, if they are a
/// right and a left shift of one register by complementary amounts with
/// only register-only instructions, loads and stores from them to `k`
/// that leave it alone and read neither result: (x, right amount, word,
/// their indices, by `a` then `b`).
fn pair(
    ops: &[Op],
    steps: &[Option<Step>],
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
        let s = steps[i]?;
        for (n, t) in [a, b].into_iter().enumerate() {
            if defs[n].is_none() && s.rd == t && !s.access {
                defs[n] = Some(i);
            } else if defs[n].is_none() && (s.reads.contains(&t) || s.rd == t) {
                // Read (or loaded) between its definition and the `or`.
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
    if steps[first + 1..k]
        .iter()
        .any(|s| s.is_none_or(|s| s.rd == xa))
    {
        return None;
    }
    let right = if left_a { sb } else { sa };
    Some((xa, right, wa, [da, db]))
}

/// Where `t` (a skipped shift's register other than the `or`'s) is next
/// written after `k` by a register-only instruction that does not read
/// it (`true`), with only register-only instructions, loads and stores
/// that neither read nor load it before that, and no load or store after
/// a change of `x` (their slow paths compute `t` from it). Otherwise,
/// where `t` must be computed (`false`): before the first instruction
/// that needs it (one that reads or loads it, a label, one neither
/// register-only nor a load or store, the end), or before `x` changes if
/// that comes first. None if the `or` itself writes `x` (`or_writes_x`)
/// and `t` is needed before it is written.
fn dead_after(
    steps: &[Option<Step>],
    label: &[bool],
    k: usize,
    t: u8,
    x: u8,
    or_writes_x: bool,
) -> Option<(usize, bool)> {
    // Where x is first written after the `or` (t is computed from x).
    let mut x_written: Option<usize> = None;
    let late = |j: usize, x_written: Option<usize>| match x_written {
        Some(c) => Some((c, false)),
        None => (!or_writes_x).then_some((j, false)),
    };
    for j in k + 1..steps.len() {
        let x_changed = or_writes_x || x_written.is_some();
        let Some(s) = steps[j].filter(|_| !label[j]) else {
            return late(j, x_written);
        };
        if s.reads.contains(&t) || (s.access && (s.rd == t || x_changed)) {
            return late(j, x_written);
        }
        if s.rd == t {
            return Some((j, true));
        }
        // (Where the `or` wrote x, x's next write is no later point to
        // compute t at: it is gone already.)
        if s.rd == x && x_written.is_none() && !or_writes_x {
            x_written = Some(j);
        }
    }
    late(steps.len(), x_written)
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
        let f = plan(&ops, &[false; 6]).fused;
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

    fn slli(rd: u8, rs1: u8, shamt: u8) -> Op {
        op(Slli { rd, rs1, shamt })
    }

    fn srli(rd: u8, rs1: u8, shamt: u8) -> Op {
        op(Srli { rd, rs1, shamt })
    }

    /// `x << 32 >> (32 - amount)`, done at the `slli`.
    fn zext_left(x: u8, amount: u8) -> Fused {
        Fused::Zext {
            x,
            amount,
            right: false,
        }
    }

    #[test]
    fn a_zero_extended_index_is_one_move_and_a_shift() {
        // slli a4, a3, 32; lh a5, 0(a0); srli a5, a4, 31; add a4, a5, a0
        let ops = [
            slli(14, 13, 32),
            op(Lh {
                rd: 15,
                rs1: 10,
                imm: 0,
            }),
            srli(15, 14, 31),
            op(Add {
                rd: 14,
                rs1: 15,
                rs2: 10,
            }),
        ];
        let p = plan(&ops, &[false; 4]);
        assert_eq!(p.fused[0], Fused::Skip);
        let zext = zext_left(13, 1);
        assert_eq!(p.fused[2], zext);
        // The load's slow path must see a4 = a3 << 32; the add writes a4
        // again, so nothing computes it late.
        assert_eq!(p.keep[1].len(), 1);
        assert!(p.late.iter().all(Vec::is_empty));

        // In place and adjacent: done at the slli, the srli skipped.
        let p = plan(&[slli(14, 14, 32), srli(14, 14, 30)], &[false; 2]);
        assert_eq!(p.fused, vec![zext_left(14, 2), Fused::Skip]);
        // In place with a register-only instruction between that does
        // not read the register: done at the slli too.
        let ops = [
            slli(14, 14, 32),
            op(Addi {
                rd: 5,
                rs1: 5,
                imm: 1,
            }),
            srli(14, 14, 30),
        ];
        let p = plan(&ops, &[false; 3]);
        assert_eq!(p.fused, vec![zext_left(14, 2), Fused::No, Fused::Skip]);
        // The source written between (`mpihelp_submul_1`: slli a4, a6,
        // 32; srli a6, a6, 32; srli a4, a4, 32): at the slli, from the
        // source's value there.
        let ops = [slli(14, 16, 32), srli(16, 16, 32), srli(14, 14, 32)];
        let p = plan(&ops, &[false; 3]);
        assert_eq!(p.fused, vec![zext_left(16, 0), Fused::No, Fused::Skip]);
        // Not where a load between may trap (its handler would see the
        // srli's result early), nor where something between reads the
        // shifted value.
        let load = |rd| {
            op(Ld {
                rd,
                rs1: 10,
                imm: 0,
            })
        };
        let read = addi(5, 14, 0);
        for ops in [
            [slli(14, 14, 32), load(5), srli(14, 14, 30)],
            [slli(14, 16, 32), load(16), srli(14, 14, 30)],
            [slli(14, 14, 32), read, srli(14, 14, 30)],
            [slli(14, 16, 32), read, srli(14, 14, 30)],
        ] {
            let f = plan(&ops, &[false; 3]).fused;
            assert!(f.iter().all(|f| *f == Fused::No), "{ops:?}: {f:?}");
        }
        // The shift's result read after: computed late, before the read.
        let ops = [
            slli(14, 13, 32),
            srli(15, 14, 40),
            op(Add {
                rd: 6,
                rs1: 14,
                rs2: 0,
            }),
        ];
        let p = plan(&ops, &[false; 3]);
        assert_eq!(
            p.fused[1],
            Fused::Zext {
                x: 13,
                amount: 8,
                right: true
            }
        );
        assert_eq!(p.late[2].len(), 1);
        // Not across a label.
        assert!(plan(&ops, &[false, true, false])
            .fused
            .iter()
            .all(|f| *f == Fused::No));
    }

    /// `addi rd, rs1, imm` as an op.
    fn addi(rd: u8, rs1: u8, imm: i32) -> Op {
        op(Addi { rd, rs1, imm })
    }

    /// `srli x5, x10, 13; slli x6, x10, 51; or rd, x5, x6`.
    fn rotate_x10_into(rd: u8) -> Vec<Op> {
        vec![
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
            op(Or { rd, rs1: 5, rs2: 6 }),
        ]
    }

    /// The rotate of `x10` right by 13 the test below fuses.
    const ROT: Fused = Fused::Rotate {
        x: 10,
        amount: 13,
        word: false,
    };

    #[test]
    fn a_shift_result_seen_later_or_by_a_trap_keeps_the_shifts() {
        let base = rotate_x10_into(7);
        let both = [
            Shift {
                rd: 5,
                x: 10,
                amount: 13,
                left: false,
                word: false,
            },
            Shift {
                rd: 6,
                x: 10,
                amount: 51,
                left: true,
                word: false,
            },
        ];
        // x5 and x6 are never written again: live out, computed at the
        // end.
        let p = plan(&base, &[false; 3]);
        assert_eq!(p.fused[2], ROT);
        assert_eq!(p.late[3], both);
        // Before x changes, if it does before the end.
        let mut o = base.to_vec();
        o.push(addi(10, 10, 1));
        o.push(addi(9, 9, 1));
        let p = plan(&o, &[false; 5]);
        assert_eq!(p.late[3], both);
        assert!(p.late[5].is_empty());
        // At a label: computed before it.
        let mut o = base.to_vec();
        o.push(addi(9, 9, 1));
        let p = plan(&o, &[false, false, false, true]);
        assert_eq!(p.fused[2], ROT);
        assert_eq!(p.late[3], both);
        assert!(p.late[4].is_empty());
        // Written again, but a load (which may trap) comes first: fused,
        // and the load's slow path computes both shifts.
        let mut ops = base.to_vec();
        ops.push(op(Ld {
            rd: 8,
            rs1: 2,
            imm: 0,
        }));
        ops.push(addi(5, 0, 1));
        ops.push(addi(6, 0, 1));
        let p = plan(&ops, &[false; 6]);
        assert_eq!(p.fused[..3], [Fused::Skip, Fused::Skip, ROT]);
        assert_eq!(p.keep[3], both);
        assert!(p.late.iter().all(Vec::is_empty), "written again");
        // A load that reads a shift's result or loads into it, or a store
        // that stores it: that one is computed before it (the other's is
        // written again after the load: its slow path computes it).
        for (bad, t) in [
            (
                Ld {
                    rd: 8,
                    rs1: 5,
                    imm: 0,
                },
                0,
            ),
            (
                Ld {
                    rd: 6,
                    rs1: 2,
                    imm: 0,
                },
                1,
            ),
            (
                Sd {
                    rs1: 2,
                    rs2: 6,
                    imm: 0,
                },
                1,
            ),
        ] {
            let mut o = ops.clone();
            o[3] = op(bad);
            let p = plan(&o, &[false; 6]);
            assert_eq!(p.late[3], [both[t]], "{bad:?}");
            assert_eq!(p.keep[3], [both[1 - t]], "{bad:?}");
        }
        // x changes before the load: both computed before it changes
        // (the load's slow path could not).
        let mut o = ops.clone();
        o.insert(3, addi(10, 0, 3));
        let p = plan(&o, &[false; 7]);
        assert_eq!(p.late[3], both);
        assert!(p.keep.iter().all(Vec::is_empty));
        // An atomic takes a helper the slow path's computing does not
        // cover: the shifts are computed before it.
        let mut o = ops.clone();
        o[3] = op(AmoaddD {
            rd: 8,
            rs1: 2,
            rs2: 9,
            aqrl: 0,
        });
        let p = plan(&o, &[false; 6]);
        assert_eq!(p.late[3], both);
        assert!(p.keep.iter().all(Vec::is_empty));
        // Written again first: fused (64-bit).
        ops.remove(3);
        let f = plan(&ops, &[false; 5]).fused;
        assert_eq!(f[2], ROT);
        // Amounts that do not add up, or x changed between the shifts:
        // not.
        let mut bad = ops.clone();
        bad[1] = op(Slli {
            rd: 6,
            rs1: 10,
            shamt: 50,
        });
        assert!(plan(&bad, &[false; 5])
            .fused
            .iter()
            .all(|f| *f == Fused::No));
        let mut bad = ops.clone();
        bad.insert(1, addi(10, 10, 1));
        assert!(plan(&bad, &[false; 6])
            .fused
            .iter()
            .all(|f| *f == Fused::No));
    }

    /// A rotate in place (`or x, t1, t2`) leaves nowhere to compute a
    /// shift's register read later from: x is gone at the `or`, and x's
    /// next write is no such place (the random bit-manipulation programs
    /// found it computed there, from the rotated value).
    #[test]
    fn a_rotate_in_place_whose_shift_is_read_later_is_not_fused() {
        let mut ops = rotate_x10_into(10);
        ops.extend([
            addi(6, 0, 1),
            // x written again, then x5 read.
            addi(10, 10, 1),
            addi(9, 5, 1),
        ]);
        let p = plan(&ops, &[false; 6]);
        assert!(p.fused.iter().all(|f| *f == Fused::No), "{:?}", p.fused);
        assert!(p.late.iter().all(Vec::is_empty));
        // Written again before it is read: fused.
        ops[5] = addi(5, 0, 2);
        let p = plan(&ops, &[false; 6]);
        assert_eq!(
            p.fused[2],
            Fused::Rotate {
                x: 10,
                amount: 13,
                word: false
            }
        );
        assert!(p.late.iter().all(Vec::is_empty));
    }
}
