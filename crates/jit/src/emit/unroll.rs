//! Small loops unrolled.
//!
//! A loop of a few instructions whose last one branches back to its
//! first (a CRC's bit loop, a copy or a search) pays, every time round,
//! for its budget check (an add to the retired count, a compare with the
//! budget and a branch) besides its own instructions: the int guest's
//! 8-instruction CRC round was 13 host instructions. Translated two to
//! four times in a row (see [`copies`]), every copy's branch but the
//! last's inverted to leave the loop (a forward branch to what follows
//! it) and the last one's going back to the first, the loop checks its
//! budget once per pass through all its copies: the same
//! guest instructions, in the same order, retired and trapping where
//! they would.
//!
//! The copies are ops of the translation's body like any other, so every
//! analysis (narrow values, register plans, late shifts) sees them as
//! they are; only the instructions of the guest they stand for (`orig`)
//! stay those of the region, for the code's guest bytes and for the ops
//! helpers are handed.

use rvisor_cpu::interp::Op;
use rvisor_isa::Inst;

/// Most instructions of a loop that is unrolled: the gain is the budget
/// check, worth little beside a longer body.
const MAX_LOOP: usize = 12;

/// Most instructions of a loop's copies together: a loop of up to 8
/// instructions is translated 4 times, one of 9 or 10 three times, the
/// others twice. (The int guest's 8-instruction CRC round: 11.5 host
/// instructions a round translated twice, 9.5 four times, with the zero
/// flag of its counter's add.)
const MAX_COPIES_LEN: usize = 32;

/// How many times a loop of `len` instructions is translated.
fn copies(len: usize) -> usize {
    (MAX_COPIES_LEN / len.max(1)).clamp(2, 4)
}

/// A body with its small loops unrolled.
pub struct Unrolled {
    pub body: Vec<Op>,
    /// The target of each jump inside the body, as `inside` is.
    pub inside: Vec<Option<usize>>,
    /// The index in the original body of each op.
    pub orig: Vec<usize>,
}

/// The conditional branch that leaves when `inst` (a conditional branch
/// back) would go round, landing `len` bytes on, at the next instruction.
fn inverted(inst: &Inst, len: u8) -> Option<Inst> {
    use Inst::*;
    let imm = i32::from(len);
    Some(match *inst {
        Beq { rs1, rs2, .. } => Bne { rs1, rs2, imm },
        Bne { rs1, rs2, .. } => Beq { rs1, rs2, imm },
        Blt { rs1, rs2, .. } => Bge { rs1, rs2, imm },
        Bge { rs1, rs2, .. } => Blt { rs1, rs2, imm },
        Bltu { rs1, rs2, .. } => Bgeu { rs1, rs2, imm },
        Bgeu { rs1, rs2, .. } => Bltu { rs1, rs2, imm },
        _ => return None,
    })
}

/// The loops of `body` (jumps inside it at `inside`, starting at guest
/// pc `pc`) worth unrolling, as `(head, branch)`: a conditional branch
/// back to a head at most [`MAX_LOOP`] instructions before it, with
/// nothing in between but in-line instructions (no jump, no label, no
/// instruction across a page's end).
fn loops(body: &[Op], inside: &[Option<usize>], pc: u64) -> Vec<(usize, usize)> {
    let mut target = vec![false; body.len()];
    for &t in inside.iter().flatten() {
        if let Some(l) = target.get_mut(t) {
            *l = true;
        }
    }
    let at = |op: &Op| pc.wrapping_add(u64::from(op.off));
    super::back_edges(inside)
        .filter(|&(t, i)| {
            i - t < MAX_LOOP
                && inverted(&body[i].inst, body[i].len).is_some()
                && !super::straddles(&body[i], at(&body[i]))
                && (t..i).all(|k| {
                    let op = &body[k];
                    super::templated(&op.inst)
                        && !op.inst.is_control_flow()
                        && inside[k].is_none()
                        && (k == t || !target[k])
                        && !super::straddles(op, at(op))
                })
                && !target[i]
        })
        .collect()
}

/// `body` with each small loop translated [`copies`] times (see the module's
/// comment), or `None` if it has none.
pub fn unroll(body: &[Op], inside: &[Option<usize>], pc: u64) -> Option<Unrolled> {
    let loops = loops(body, inside, pc);
    if loops.is_empty() {
        return None;
    }
    // Where each op of the body goes: after the copies before it.
    let mut new_index = Vec::with_capacity(body.len() + 1);
    let mut shift = 0;
    let mut l = loops.iter().peekable();
    for k in 0..=body.len() {
        new_index.push(k + shift);
        if let Some(&&(t, i)) = l.peek() {
            if k == i {
                shift += (copies(i - t + 1) - 1) * (i - t + 1);
                l.next();
            }
        }
    }
    let n = body.len() + shift;
    let (mut out, mut to, mut orig) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let moved = |t: Option<usize>| t.map(|t| new_index[t]);
    let mut l = loops.iter().peekable();
    let mut k = 0;
    while k < body.len() {
        match l.peek() {
            Some(&&(t, i)) if k == t => {
                l.next();
                // All copies but the last: their branches leave the loop.
                for _ in 1..copies(i - t + 1) {
                    for (j, op) in body.iter().enumerate().take(i).skip(t) {
                        out.push(*op);
                        to.push(None);
                        orig.push(j);
                    }
                    let branch = body[i];
                    out.push(Op {
                        inst: inverted(&branch.inst, branch.len).expect("a conditional branch"),
                        ..branch
                    });
                    to.push(Some(new_index[i + 1]).filter(|&x| x < n));
                    orig.push(i);
                }
                // The last: as the loop was, back to the first.
                for (j, op) in body.iter().enumerate().take(i + 1).skip(t) {
                    out.push(*op);
                    to.push(None);
                    orig.push(j);
                }
                *to.last_mut().expect("the branch") = Some(new_index[t]);
                k = i + 1;
            }
            _ => {
                out.push(body[k]);
                to.push(moved(inside[k]));
                orig.push(k);
                k += 1;
            }
        }
    }
    debug_assert_eq!(out.len(), n);
    Some(Unrolled {
        body: out,
        inside: to,
        orig,
    })
}
