//! Late shifts kept virtual across a loop's back edge.
//!
//! A rotate fused from two shifts and an `or` (see `rotate`) leaves the
//! shifts' own registers unwritten. Where nothing writes them again before
//! a label or the end of the translation, their values are computed late,
//! before the shifts' source changes (`rotate::Plan::late`): a trap
//! further on must see them. In a hash round they are written again only
//! in the next iteration, after its loads, so every iteration computed
//! them (three instructions each, 9 of the SHA-256 round's 93), for traps
//! that never come.
//!
//! Instead, a group of late shifts inside a loop can be kept virtual: at
//! the late point the translation stores the shifts' source values and
//! sets the group's flag (two or three stores), and every exit while the
//! registers may be virtual computes them into `Hart::x` if the flag is
//! set (`Emitter::write_back`). The flag tells the paths apart that reach
//! the same code with the registers virtual (round the loop) or real (into
//! it): the ways in clear it. Only where that holds up (`plan`): inside a
//! loop; no emitted code reads a virtual register (a fused rotate reads
//! its source, an if-converted branch the registers it selects, the late shifts
//! computed at a point their sources); every way into an instruction
//! brings all of a group's registers virtual or none; no helper or A/F/D
//! instruction runs in between; and a register is in one group's window
//! at a time. Computing them uses rcx only: an indirect exit's target is
//! in rax (the Linux kernel's sha256 loop has a call in its window).

use rvisor_cpu::interp::Op;
use rvisor_isa::Inst;

use super::rotate::{Fused, Shift};

/// Groups (and source values) one translation may keep virtual.
pub const SLOTS: usize = rvisor_cpu::jit_ctx::JIT_LATE_SLOTS;

/// A group of late shifts kept virtual: its registers, and for each its
/// shift and the slot of the shift's source value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub regs: u32,
    pub shifts: Vec<(u8, Shift)>,
}

/// The (source register, slot) pairs a late point stores.
pub type Sources = Vec<(u8, u8)>;

/// What to keep virtual.
#[derive(Debug)]
pub struct Plan {
    /// Per late point (an index of `rotate::Plan::late`): its group if
    /// its shifts are kept virtual, and the (source register, slot) pairs
    /// to store there.
    pub at: Vec<Option<(u8, Sources)>>,
    /// Per instruction: the registers that may be virtual before it, and
    /// the groups whose windows it is in (a register may belong to
    /// several groups, whose windows do not meet).
    pub before: Vec<(u32, u32)>,
    pub groups: Vec<Group>,
}

impl Plan {
    fn none(n: usize) -> Self {
        Plan {
            at: vec![None; n + 1],
            before: vec![(0, 0); n],
            groups: Vec::new(),
        }
    }

    /// The groups whose flags a way into instruction `t` must clear, when
    /// `out` are the registers virtual on it.
    pub fn clears(&self, out: u32, t: usize) -> u32 {
        let (into, active) = self.before.get(t).copied().unwrap_or((0, 0));
        self.groups
            .iter()
            .enumerate()
            .filter(|&(g, grp)| active & 1 << g != 0 && grp.regs & into != 0 && grp.regs & out == 0)
            .fold(0, |m, (g, _)| m | 1 << g)
    }
}

/// What instruction `i` reads and writes as emitted (a skipped shift
/// nothing, a fused rotate its source; an if-converted branch also reads
/// the registers it selects, see `window`), or `None` for an instruction
/// that reaches `Hart::x` through a helper.
fn uses(op: &Op, fused: Fused) -> Option<([u8; 2], u8)> {
    match fused {
        Fused::Skip => {
            let (_, rd) = op.inst.int_operands()?;
            Some(([0, 0], rd))
        }
        Fused::Rotate { x, .. } | Fused::Zext { x, .. } => {
            let (_, rd) = op.inst.int_operands()?;
            Some(([x, 0], rd))
        }
        Fused::No => op.inst.int_operands(),
    }
}

fn falls_through(inst: &Inst) -> bool {
    !matches!(inst, Inst::Jal { .. } | Inst::Jalr { .. })
}

/// Which late groups of a translation's `body` to keep virtual: its jumps
/// inside it are `inside`, `converted` the registers its if-converted
/// branches select (bits, per instruction),
/// `fused` and `late` from `rotate::plan`.
pub fn plan(
    body: &[Op],
    (inside, converted): (&[Option<usize>], &[u32]),
    fused: &[Fused],
    late: &[Vec<Shift>],
) -> Plan {
    let n = body.len();
    let mut plan = Plan::none(n);
    if late.iter().take(n).all(Vec::is_empty) {
        return plan;
    }
    // Ways into each instruction other than falling through.
    let mut jumps_in: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, t) in inside.iter().enumerate().take(n) {
        if let Some(t) = t.filter(|&t| t < n) {
            jumps_in[t].push(i);
        }
    }
    let in_loop = |p: usize| super::back_edges(inside).any(|(t, i)| t <= p && p <= i);
    let mut srcs = 0usize;
    for (p, shifts) in late.iter().enumerate().take(n) {
        if shifts.is_empty() || !in_loop(p) || plan.groups.len() == SLOTS {
            continue;
        }
        let regs = shifts.iter().fold(0u32, |m, k| m | 1 << (k.rd & 31));
        let mut sources: Vec<u8> = shifts.iter().map(|k| k.x & 31).collect();
        sources.sort_unstable();
        sources.dedup();
        if srcs + sources.len() > SLOTS {
            continue;
        }
        let Some(window) = window(body, (inside, converted), (fused, late), &jumps_in, p, regs)
        else {
            continue;
        };
        // A register is in one group's window at a time.
        if window.iter().zip(&plan.before).any(|(w, b)| w & b.0 != 0) {
            continue;
        }
        let g = plan.groups.len();
        let slots: Vec<(u8, u8)> = sources
            .iter()
            .enumerate()
            .map(|(j, &x)| (x, (srcs + j) as u8))
            .collect();
        srcs += sources.len();
        let shifts = shifts
            .iter()
            .map(|k| {
                let src = slots
                    .iter()
                    .find(|(x, _)| *x == k.x & 31)
                    .map_or(0, |s| s.1);
                (src, *k)
            })
            .collect();
        plan.groups.push(Group { regs, shifts });
        plan.at[p] = Some((g as u8, slots));
        for (b, &w) in plan.before.iter_mut().zip(&window) {
            if w != 0 {
                *b = (b.0 | w, b.1 | 1 << g);
            }
        }
    }
    plan
}

/// Where the registers `regs`, virtual before instruction `p`, may stay
/// virtual (per instruction, before it), or `None` if they cannot be kept
/// so (see the module's conditions).
fn window(
    body: &[Op],
    (inside, converted): (&[Option<usize>], &[u32]),
    (fused, late): (&[Fused], &[Vec<Shift>]),
    jumps_in: &[Vec<usize>],
    p: usize,
    regs: u32,
) -> Option<Vec<u32>> {
    let n = body.len();
    let mut v = vec![0u32; n];
    v[p] = regs;
    let mut work = vec![p];
    // The late shifts computed before instruction i read their sources
    // and write their registers (the group's own, at its late point,
    // stay virtual).
    let sources = |i: usize| {
        late.get(i)
            .map_or(0, |l| l.iter().fold(0u32, |m, k| m | 1 << (k.x & 31)))
    };
    // Only on the way that falls into i: the translator computes them
    // before a label, so a jump to it brings the registers as they were.
    let written = |i: usize| {
        if !jumps_in[i].is_empty() {
            return 0;
        }
        let w = late
            .get(i)
            .map_or(0, |l| l.iter().fold(0u32, |m, k| m | 1 << (k.rd & 31)));
        if i == p {
            w & !regs
        } else {
            w
        }
    };
    let out = |v: &[u32], i: usize| -> Option<u32> {
        let (reads, rd) = uses(&body[i], fused[i])?;
        let vi = v[i] & !written(i);
        // An if-converted branch also reads the registers it selects.
        let selects = converted.get(i).copied().unwrap_or(0);
        if reads.iter().any(|&r| r != 0 && vi & 1 << (r & 31) != 0)
            || vi & selects != 0
            || v[i] & sources(i) != 0
        {
            return None;
        }
        let o = vi & !(1 << (rd & 31));
        // Off the end of the body: the late shifts there read theirs too.
        if i + 1 == n && falls_through(&body[i].inst) && o & sources(n) != 0 {
            return None;
        }
        Some(o)
    };
    while let Some(i) = work.pop() {
        if v[i] == 0 {
            continue;
        }
        let o = out(&v, i)?;
        let mut next = Vec::with_capacity(2);
        if i + 1 < n && falls_through(&body[i].inst) {
            next.push(i + 1);
        }
        if let Some(t) = inside.get(i).copied().flatten().filter(|&t| t < n) {
            next.push(t);
        }
        for j in next {
            if o & !v[j] != 0 {
                v[j] |= o;
                work.push(j);
            }
        }
    }
    // Every way into a reached instruction brings all of its virtual
    // registers or none (then it clears the flag); the late point's own
    // way in is the fallthrough that stores the values.
    for t in 0..n {
        if v[t] == 0 {
            continue;
        }
        let mut ways: Vec<usize> = jumps_in[t].clone();
        if t > 0 && falls_through(&body[t - 1].inst) {
            ways.push(t - 1);
        }
        for i in ways {
            if t == p && i + 1 == p {
                continue;
            }
            let o = if v[i] == 0 { 0 } else { out(&v, i)? };
            if o & v[t] != 0 && o & v[t] != v[t] {
                return None;
            }
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_op as op;
    use Inst::*;

    fn shift(rd: u8, x: u8, amount: u8) -> Shift {
        Shift {
            rd,
            x,
            amount,
            left: false,
            word: true,
        }
    }

    /// A hash round's shape: a load at the loop's top (a trap there must
    /// see x12), the shift's register written again after it, its late
    /// point before the source changes, the back edge.
    /// A translation's body, its jumps inside, its fused instructions and
    /// its late shifts.
    type Round = (Vec<Op>, Vec<Option<usize>>, Vec<Fused>, Vec<Vec<Shift>>);

    fn round() -> Round {
        let body = vec![
            op(Lw {
                rd: 5,
                rs1: 6,
                imm: 0,
            }),
            // 1: srliw x12, x10, 2 (skipped: fused into a rotate)
            op(Srliw {
                rd: 12,
                rs1: 10,
                shamt: 2,
            }),
            op(Addw {
                rd: 7,
                rs1: 5,
                rs2: 7,
            }),
            // 3: the late point: x10 changes.
            op(Addiw {
                rd: 10,
                rs1: 7,
                imm: 0,
            }),
            op(Bne {
                rs1: 7,
                rs2: 0,
                imm: -14,
            }),
        ];
        let mut inside = vec![None; 5];
        inside[4] = Some(0);
        let mut fused = vec![Fused::No; 5];
        fused[1] = Fused::Skip;
        let mut late = vec![Vec::new(); 6];
        late[3].push(shift(12, 10, 2));
        (body, inside, fused, late)
    }

    #[test]
    fn a_round_keeps_its_late_shift_virtual_to_its_next_write() {
        let (body, inside, fused, late) = round();
        let p = plan(&body, (&inside, &[0; 5]), &fused, &late);
        assert_eq!(p.at[3], Some((0, vec![(10, 0)])));
        let x12 = 1 << 12;
        // Virtual from the late point round the back edge to the skipped
        // shift, and out of the loop.
        let v = (x12, 1);
        assert_eq!(p.before, vec![v, v, (0, 0), v, v]);
        // The way into the loop's top from before it (none here) would
        // clear the flag; the back edge brings it.
        assert_eq!(p.clears(x12, 0), 0);
        assert_eq!(p.clears(0, 0), 1);
    }

    #[test]
    fn a_read_of_the_virtual_register_keeps_it_real() {
        let (mut body, inside, fused, late) = round();
        body[2] = op(Addw {
            rd: 7,
            rs1: 5,
            rs2: 12,
        });
        // x12 is read at 2 only after its write at 1: still virtual.
        assert!(plan(&body, (&inside, &[0; 5]), &fused, &late).at[3].is_some());
        body[0] = op(Lw {
            rd: 5,
            rs1: 12,
            imm: 0,
        });
        let p = plan(&body, (&inside, &[0; 5]), &fused, &late);
        assert_eq!(p.at[3], None, "read at the loop's top before its write");
        assert_eq!(p.before, vec![(0, 0); 5]);
    }

    /// A late shift of another fusion due at the loop's top is computed
    /// on the way in from before the loop only: the back edge brings
    /// x12 virtual to the top's read all the same.
    #[test]
    fn a_late_shift_at_a_label_does_not_cover_the_jumps_into_it() {
        let (mut body, inside, fused, mut late) = round();
        body[0] = op(Lw {
            rd: 5,
            rs1: 12,
            imm: 0,
        });
        late[0].push(shift(12, 9, 3));
        let p = plan(&body, (&inside, &[0; 5]), &fused, &late);
        assert_eq!(p.at[3], None, "read at the loop's top, after the back edge");
    }

    #[test]
    fn outside_loops_late_shifts_stay_as_they_are() {
        let (body, mut inside, fused, late) = round();
        inside[4] = None;
        assert_eq!(plan(&body, (&inside, &[0; 5]), &fused, &late).at[3], None);
    }
}
