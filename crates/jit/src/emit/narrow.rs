//! Which integer registers hold "narrow" values at each instruction of a
//! translation: values that are the sign extension of their own low 32
//! bits, as every W instruction, `lw`, `lui` and small constant leaves.
//!
//! RV64 code compiled from C is full of 32-bit arithmetic (`int`,
//! `uint32_t`): W instructions, and `and`/`or`/`xor` and `sext.w` between
//! their results. The register cache keeps a W result unextended in its
//! host register until something needs all 64 bits (see `RegCache::upper`).
//! Knowing which values are narrow lets the templates keep it so through
//! what does not need them: a bitwise operation on narrow values is done
//! on their low halves (its result is narrow too), `sext.w` of a narrow
//! value is a move, and a loop's back edge need not extend the narrow
//! values it carries round (each use that needs 64 bits extends its own,
//! and every exit writes extended values back). SHA-256's rounds carried a
//! `movsxd` per value per iteration.
//!
//! A forward "must" dataflow over the translation's body (its jumps inside
//! it are `inside`), solved by iteration to the greatest fixed point: the
//! entry knows x0 and the registers it checks, everything else starts at
//! all-narrow. Nothing here depends on the host code: it is a property of
//! the guest's values.
//!
//! What comes in at the entry is not known, and a loop's head meets it:
//! a translation of M-mode code with loops may guess that the registers
//! holding narrow values when it is made ([`guesses`]) do so whenever it
//! is entered, and checks that at its entry. An entry that finds one not
//! narrow leaves for the dispatcher, which has the interpreter run the
//! block and the code translated again without guesses (`Jit::
//! guess_failed`). The int guest's CRC loop then keeps its polynomial and
//! its 32-bit state unextended: 40 % faster.

use rvisor_cpu::interp::Op;
use rvisor_isa::{BitOp, Inst};

const ALL: u32 = u32::MAX;

/// The narrow registers after `inst`, given those before (`n`) and the
/// `lui` just before it, if that is the only way in (a 32-bit constant is
/// `lui` and `addi`, and the sum may or may not be narrow).
fn after(inst: &Inst, n: u32, lui: Option<(u8, i32)>) -> u32 {
    use Inst::*;
    let is = |r: u8| n & (1 << (r & 31)) != 0;
    let (rd, narrow) = match *inst {
        Addi { rd, rs1, imm } if lui.is_some_and(|(r, _)| r == rs1 && r != 0) => {
            let hi = lui.map_or(0, |(_, hi)| i64::from(hi));
            let v = hi + i64::from(imm);
            (rd, v == i64::from(v as i32))
        }
        Lui { rd, .. }
        | Lb { rd, .. }
        | Lh { rd, .. }
        | Lw { rd, .. }
        | Lbu { rd, .. }
        | Lhu { rd, .. }
        | Slti { rd, .. }
        | Sltiu { rd, .. }
        | Slt { rd, .. }
        | Sltu { rd, .. }
        | Addiw { rd, .. }
        | Slliw { rd, .. }
        | Srliw { rd, .. }
        | Sraiw { rd, .. }
        | Addw { rd, .. }
        | Subw { rd, .. }
        | Sllw { rd, .. }
        | Srlw { rd, .. }
        | Sraw { rd, .. }
        | Mulw { rd, .. }
        | Divw { rd, .. }
        | Divuw { rd, .. }
        | Remw { rd, .. }
        | Remuw { rd, .. } => (rd, true),
        // A 12-bit constant.
        Addi { rd, rs1: 0, .. } => (rd, true),
        // Copies (`mv`, `c.mv`).
        Addi { rd, rs1, imm: 0 } => (rd, is(rs1)),
        Add { rd, rs1: 0, rs2: r } | Add { rd, rs1: r, rs2: 0 } => (rd, is(r)),
        Xori { rd, rs1, .. } | Ori { rd, rs1, .. } | Andi { rd, rs1, .. } => (rd, is(rs1)),
        Xor { rd, rs1, rs2 } | Or { rd, rs1, rs2 } | And { rd, rs1, rs2 } => {
            (rd, is(rs1) && is(rs2))
        }
        // Shifting a sign extension right keeps it one; past bit 32 a
        // logical shift leaves at most 31 bits.
        Srai { rd, rs1, .. } => (rd, is(rs1)),
        Srli { rd, shamt, .. } => (rd, shamt > 32),
        Bit { op, rd, .. } if super::bits::narrow_result(op) => (rd, true),
        Bit { op, rd, rs1, rs2 } if super::bits::keeps_narrow(op) => (rd, is(rs1) && is(rs2)),
        _ => match inst.int_operands() {
            Some((_, rd)) => (rd, false),
            // A/F/D and system instructions: what they write is not
            // worth the cases.
            None => return 1,
        },
    };
    let bit = 1u32 << (rd & 31);
    let n = if narrow { n | bit } else { n & !bit };
    // x0 is zero.
    n | 1
}

/// Whether control goes on to the next instruction after `inst` (within
/// the body: a jump to a target outside it, a return, an exit, ends it).
fn falls_through(inst: &Inst) -> bool {
    !matches!(inst, Inst::Jal { .. } | Inst::Jalr { .. })
}

/// The narrow registers (bits) before each instruction of `body`, whose
/// jump at `i` lands at `inside[i]` if that is inside the body (a
/// branch's other way, if any, falls through), and whose entry has the
/// narrow registers `entry` (checked there, see [`guesses`]).
///
/// Run on every translation, so cheap: nothing to do without a loop (the
/// straight-line code an OS runs most passes once; its share of a boot's
/// time in this pass was 0.3 %) or a W instruction (nothing then leaves
/// a 32-bit result unextended), and one pass in order per round of the
/// loops' back edges (forward edges are met in the same pass).
#[cfg(test)]
pub fn plan(body: &[Op], inside: &[Option<usize>], entry: u32) -> Vec<u32> {
    plan_guarded(body, inside, entry, None).at
}

/// [`plan`], and what the ways into loops from before them check.
pub struct Guarded {
    /// The narrow registers before each instruction.
    pub at: Vec<u32>,
    /// Per instruction: the registers its fall-through into the next (a
    /// loop's head) must find narrow.
    pub fall: Vec<u32>,
    /// Per instruction: the registers its jump inside the body (into a
    /// loop) must find narrow.
    pub jump: Vec<u32>,
}

/// [`plan`] where (`guarding`) a way into a loop from before it checks
/// that the registers the loop carries round as 32-bit values hold
/// narrow ones: the loop's labels then count on them whatever comes in.
/// SHA-256's rounds carry the state words round so but get them from
/// 64-bit loads (the state saved on the stack): without the check, each
/// of them was extended every round. A failed check leaves the
/// translation at the label, and the code is made again without
/// checking those registers there.
///
/// The registers checked are those the loop writes and reads as an
/// operand that a narrow value makes cheaper ([`worth`]), never as an
/// address, nor those of `guarding`: those never to check (late shifts'
/// registers) and, per instruction, those not to check at a label there.
/// A register the loop's straight run from the label writes before
/// anything could see it (see `loose`) is never checked either: its
/// value coming in is never seen, and a check could fail on it for
/// nothing.
pub fn plan_guarded(
    body: &[Op],
    inside: &[Option<usize>],
    entry: u32,
    guarding: Option<(u32, &[u32])>,
) -> Guarded {
    let n = body.len();
    if super::back_edges(inside).next().is_none() || !body.iter().any(|op| is_w(&op.inst)) {
        return Guarded {
            at: vec![1; n],
            fall: vec![0; n],
            jump: vec![0; n],
        };
    }
    let target = targets(inside, n);
    // What a way in from before a loop need not bring narrow, per label
    // (it checks those): nothing at labels in no loop.
    let loops: Vec<(usize, usize)> = super::back_edges(inside)
        .filter(|&(t, i)| cycles(body, inside, t, i))
        .collect();
    let mut assumed = vec![0u32; n];
    if let Some((exclude, unchecked)) = guarding {
        let carried: Vec<u32> = loops
            .iter()
            .map(|&(t, i)| {
                let lp = &body[t..=i];
                worth(lp, &inside[t..=i], t) & written(lp) & !bases(lp)
            })
            .collect();
        for (l, a) in assumed.iter_mut().enumerate().skip(1) {
            // The innermost loop the label is in.
            let Some(k) = (0..loops.len())
                .filter(|&k| target[l] && loops[k].0 <= l && l <= loops[k].1)
                .min_by_key(|&k| loops[k].1 - loops[k].0)
            else {
                continue;
            };
            *a = carried[k] & !written_first(body, &target, l) & !exclude & !unchecked[l] & !1;
        }
    }
    let entering = |s: usize, l: usize| {
        assumed[l] != 0 && loops.iter().any(|&(t, i)| s < t && t <= l && l <= i)
    };
    let fall_in: Vec<bool> = (0..n).map(|s| s + 1 < n && entering(s, s + 1)).collect();
    let jump_in: Vec<bool> = (0..n)
        .map(|s| matches!(inside[s], Some(t) if t > s && t < n && entering(s, t)))
        .collect();
    let mut at = vec![ALL; n];
    let mut outs = vec![0u32; n];
    // What the back edges bring to their targets, from the last pass.
    let mut back = vec![ALL; n];
    let mut next_back = vec![ALL; n];
    loop {
        at.fill(ALL);
        next_back.fill(ALL);
        if n > 0 {
            at[0] = entry | 1;
        }
        for i in 0..n {
            at[i] &= back[i];
            let lui = match (i.checked_sub(1).map(|p| body[p].inst), target[i]) {
                (Some(Inst::Lui { rd, imm }), false) => Some((rd, imm)),
                _ => None,
            };
            let out = after(&body[i].inst, at[i], lui);
            outs[i] = out;
            if i + 1 < n && falls_through(&body[i].inst) {
                at[i + 1] &= out | if fall_in[i] { assumed[i + 1] } else { 0 };
            }
            match inside.get(i).copied().flatten() {
                Some(t) if t > i && t < n => {
                    at[t] &= out | if jump_in[i] { assumed[t] } else { 0 };
                }
                Some(t) if t <= i => next_back[t] &= out,
                _ => {}
            }
        }
        if next_back == back {
            break;
        }
        std::mem::swap(&mut back, &mut next_back);
    }
    let mut fall = vec![0u32; n];
    let mut jump = vec![0u32; n];
    for s in 0..n {
        if fall_in[s] && falls_through(&body[s].inst) {
            fall[s] = at[s + 1] & !outs[s];
        }
        if let (true, Some(t)) = (jump_in[s], inside[s]) {
            jump[s] = at[t] & !outs[s];
        }
    }
    Guarded { at, fall, jump }
}

/// Whether the back edge at `i` to `t` closes a loop: `i` is reached
/// from `t` without leaving `t..=i`. GCC jumps back to a function's
/// shared epilogue too (a state machine's cases, each setting its
/// result), which passes no instruction twice: its way in from before
/// brings whatever it brings, and a check there could only fail.
fn cycles(body: &[Op], inside: &[Option<usize>], t: usize, i: usize) -> bool {
    let mut reach = vec![false; i + 1 - t];
    reach[0] = true;
    loop {
        let mut changed = false;
        for k in t..=i {
            if !reach[k - t] {
                continue;
            }
            let mut mark = |j: usize| {
                if (t..=i).contains(&j) && !reach[j - t] {
                    reach[j - t] = true;
                    changed = true;
                }
            };
            if falls_through(&body[k].inst) {
                mark(k + 1);
            }
            if let Some(j) = inside[k] {
                mark(j);
            }
        }
        if reach[i - t] {
            return true;
        }
        if !changed {
            return false;
        }
    }
}

/// The registers a loop (`body`) writes. The others a way in brings as
/// they stay (the loop never changes them): counting them narrow would
/// take what the loop leaves them, nothing. (A register the loop writes
/// before reading is checked too, where something before its write could
/// see it: SHA-256's rotate temporaries, written after the round's loads,
/// hold state words from the stack when the rounds begin.)
fn written(body: &[Op]) -> u32 {
    body.iter().fold(0, |m, op| {
        m | op.inst.int_operands().map_or(0, |(_, rd)| 1 << (rd & 31))
    })
}

/// Of the registers `now` narrow (when the code is translated), those a
/// translation's entry should check to count on them (see [`plan`]'s
/// `entry`): where the body has a loop and W instructions, the registers
/// it reads before writing them, and reads inside a loop as an operand
/// of what a narrow value makes cheaper (a bitwise operation, `sext.w`,
/// `mv`, a compare). What the translation reads of them comes in from outside,
/// where nothing proves it narrow: a constant `lui`/`addi` made before
/// the loop's translation starts, a 32-bit state loaded from memory. A
/// loop carrying such values round would otherwise extend them each time.
///
/// Never a load's or store's base: an address is narrow or not by where
/// memory is (a kernel's image and its linear map), and a guess that
/// fails costs a retranslation.
pub fn guesses(body: &[Op], inside: &[Option<usize>], now: u32) -> u32 {
    if !body.iter().any(|op| is_w(&op.inst)) {
        return 0;
    }
    let (mut written, mut live_in) = (0u32, 0u32);
    for op in body {
        if let Some((reads, rd)) = op.inst.int_operands() {
            for r in reads {
                live_in |= (1 << (r & 31)) & !written;
            }
            written |= 1 << (rd & 31);
        }
    }
    now & worth(body, inside, 0) & live_in & !bases(body) & !1
}

/// The registers the loops of `body` read as an operand of what a narrow
/// value makes cheaper: a bitwise operation, `sext.w`, `mv`, a compare.
/// `inside` gives the jumps' targets less `base` (those of a slice of a
/// body: the loops closed within it count).
fn worth(body: &[Op], inside: &[Option<usize>], base: usize) -> u32 {
    use Inst::*;
    let mut worth = 0u32;
    let loops = inside.iter().enumerate().filter_map(|(i, t)| {
        t.and_then(|t| t.checked_sub(base))
            .filter(|&t| t <= i)
            .map(|t| (t, i))
    });
    for (t, i) in loops {
        for op in &body[t..=i] {
            worth |= match op.inst {
                Xor { rs1, rs2, .. } | Or { rs1, rs2, .. } | And { rs1, rs2, .. } => {
                    1 << (rs1 & 31) | 1 << (rs2 & 31)
                }
                Bit { op, rs1, rs2, .. } if super::bits::inverted_bitwise(op) => {
                    1 << (rs1 & 31) | 1 << (rs2 & 31)
                }
                // A loop's bound, compared with a 32-bit counter: the
                // compare is 32-bit when both are narrow.
                Slt { rs1, rs2, .. } | Sltu { rs1, rs2, .. } => 1 << (rs1 & 31) | 1 << (rs2 & 31),
                ref branch if super::compared(branch) != 0 => super::compared(branch),
                Add { rs1: 0, rs2: r, .. }
                | Add { rs1: r, rs2: 0, .. }
                | Addi { rs1: r, imm: 0, .. }
                | Xori { rs1: r, .. }
                | Ori { rs1: r, .. }
                | Andi { rs1: r, .. }
                | Addiw { rs1: r, imm: 0, .. } => 1 << (r & 31),
                _ => 0,
            };
        }
    }
    worth
}

/// The base registers of the loads, stores and indirect jumps of `body`.
fn bases(body: &[Op]) -> u32 {
    use Inst::*;
    body.iter().fold(0, |m, op| {
        m | match op.inst {
            Lb { rs1, .. }
            | Lh { rs1, .. }
            | Lw { rs1, .. }
            | Ld { rs1, .. }
            | Lbu { rs1, .. }
            | Lhu { rs1, .. }
            | Lwu { rs1, .. }
            | Sb { rs1, .. }
            | Sh { rs1, .. }
            | Sw { rs1, .. }
            | Sd { rs1, .. }
            | Jalr { rs1, .. } => 1 << (rs1 & 31),
            _ => 0,
        }
    })
}

/// A W instruction (RV64's 32-bit arithmetic, `sext.w` among them).
fn is_w(inst: &Inst) -> bool {
    use Inst::*;
    matches!(
        inst,
        Addiw { .. }
            | Slliw { .. }
            | Srliw { .. }
            | Sraiw { .. }
            | Addw { .. }
            | Subw { .. }
            | Sllw { .. }
            | Srlw { .. }
            | Sraw { .. }
            | Mulw { .. }
            | Divw { .. }
            | Divuw { .. }
            | Remw { .. }
            | Remuw { .. }
    ) || matches!(
        inst,
        Bit {
            op: BitOp::Rolw | BitOp::Rorw | BitOp::Roriw,
            ..
        }
    )
}

/// Whether `inst` may leave its destination a 32-bit result not extended
/// yet (see `RegCache::upper`): a W instruction, or a bitwise operation,
/// `sext.w` or `mv` that passes one on.
fn may_leave_upper(inst: &Inst) -> bool {
    use Inst::*;
    is_w(inst)
        || matches!(
            inst,
            Xor { .. }
                | Or { .. }
                | And { .. }
                | Xori { .. }
                | Ori { .. }
                | Andi { .. }
                | Add { .. }
                | Addi { .. }
        )
        || matches!(inst, Bit { op, .. } if super::bits::inverted_bitwise(*op))
}

/// The registers each label of `body` may receive as 32-bit results not
/// extended yet (bits; 0 where `i` is no label): at a loop's head, the
/// narrow ones its body may leave so, and so at the labels inside the
/// loop. Elsewhere every register arrives extended: a label past a
/// forward branch outside loops is passed once, and marking a
/// register there as maybe unextended would cost each later 64-bit use
/// of it an extension, where the jump pays at most one.
pub fn loose(body: &[Op], inside: &[Option<usize>], narrow: &[u32]) -> Vec<u32> {
    let mut loose = vec![0u32; body.len()];
    let target = targets(inside, body.len());
    for (t, i) in super::back_edges(inside) {
        let mut w = 0u32;
        for op in &body[t..=i] {
            if let Some((_, rd)) = op.inst.int_operands() {
                if may_leave_upper(&op.inst) {
                    w |= 1 << (rd & 31);
                }
            }
        }
        loose[t] |= w & !1;
        // A label inside the loop is passed every time round too: where
        // the way from the head brings such a register unextended, it
        // stays so (SHA-256's rounds, entered past their first copies,
        // extended eight values per round at that label).
        for j in t + 1..=i {
            if target[j] {
                loose[j] |= w & !1;
            }
        }
    }
    for (l, n) in loose.iter_mut().zip(narrow) {
        *l &= n;
    }
    // A register the loop writes first, before anything could see it (a
    // read, a trap, an exit, a jump), may arrive unextended whatever the
    // way in brings: a value from before the loop is never seen as such.
    // The back edges must bring it narrow, though: one whose budget check
    // fails writes the canonical state back.
    for (t, i) in super::back_edges(inside) {
        let written_first = written_first(body, &target, t);
        let back = narrow[i]
            & !body[i]
                .inst
                .int_operands()
                .map_or(0, |(_, rd)| 1 << (rd & 31));
        loose[t] |= written_first & back & !1;
    }
    loose
}

/// Which of the `n` instructions a jump inside the body lands on.
fn targets(inside: &[Option<usize>], n: usize) -> Vec<bool> {
    let mut target = vec![false; n];
    for &t in inside.iter().flatten() {
        if t < n {
            target[t] = true;
        }
    }
    target
}

/// The registers written before they are read in the straight run of
/// register-only instructions from `t` (no label after `t` in it): from
/// there to their writes nothing can see their values.
fn written_first(body: &[Op], target: &[bool], t: usize) -> u32 {
    let (mut read, mut written) = (0u32, 0u32);
    for (j, op) in body.iter().enumerate().skip(t) {
        if j > t && target[j] {
            break;
        }
        let Some((reads, rd)) = super::register_only(&op.inst) else {
            break;
        };
        for r in reads {
            read |= (1 << (r & 31)) & !written;
        }
        written |= (1 << (rd & 31)) & !read;
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_op as op;
    use Inst::*;

    #[test]
    fn w_results_are_narrow_and_bitwise_operations_keep_them_so() {
        let body = [
            op(Addw {
                rd: 10,
                rs1: 11,
                rs2: 12,
            }),
            op(Lw {
                rd: 11,
                rs1: 2,
                imm: 0,
            }),
            op(Xor {
                rd: 12,
                rs1: 10,
                rs2: 11,
            }),
            op(Or {
                rd: 13,
                rs1: 12,
                rs2: 14,
            }),
            op(Add {
                rd: 10,
                rs1: 10,
                rs2: 11,
            }),
            // A loop: straight-line code is not analysed.
            op(Bne {
                rs1: 0,
                rs2: 0,
                imm: -20,
            }),
        ];
        let mut inside = [None; 6];
        inside[5] = Some(0);
        let n = plan(&body, &inside, 0);
        assert_eq!(plan(&body, &[None; 6], 0), vec![1; 6], "no loop");
        assert_eq!(n[0], 1, "the entry knows x0 only");
        assert_eq!(n[1], 1 | 1 << 10);
        assert_eq!(n[2], 1 | 1 << 10 | 1 << 11);
        assert_eq!(n[3], 1 | 1 << 10 | 1 << 11 | 1 << 12);
        assert_eq!(n[4], 1 | 1 << 10 | 1 << 11 | 1 << 12, "x14 is not narrow");
        assert_eq!(n[5], 1 | 1 << 11 | 1 << 12, "a 64-bit add is not");
    }

    /// `mv` (`addi rd, rs, 0`) and `c.mv` (`add rd, x0, rs`) copy what
    /// their source is; other adds and `addi`s make no narrow value.
    #[test]
    fn copies_are_what_they_copy() {
        let body = [
            op(Addw {
                rd: 10,
                rs1: 10,
                rs2: 10,
            }),
            op(Addi {
                rd: 11,
                rs1: 10,
                imm: 0,
            }),
            op(Add {
                rd: 12,
                rs1: 0,
                rs2: 11,
            }),
            op(Add {
                rd: 13,
                rs1: 14,
                rs2: 0,
            }),
            op(Addi {
                rd: 15,
                rs1: 10,
                imm: 1,
            }),
            op(Bne {
                rs1: 0,
                rs2: 0,
                imm: -20,
            }),
        ];
        let mut inside = [None; 6];
        inside[5] = Some(0);
        let n = plan(&body, &inside, 1 << 14);
        assert_eq!(n[2] & 1 << 11, 1 << 11, "mv of a narrow value");
        assert_eq!(n[3] & 1 << 12, 1 << 12, "c.mv of a narrow value");
        assert_eq!(n[4] & 1 << 13, 1 << 13, "c.mv of a narrow entry value");
        assert_eq!(n[5] & 1 << 15, 0, "x10 + 1 may not fit 32 bits");
        let n = plan(&body, &inside, 0);
        assert_eq!(n[4] & 1 << 13, 0, "c.mv of a 64-bit value");
    }

    /// `lui` and `addi` make a narrow constant or not, as their sum fits
    /// 32 bits or not; not where a jump lands between them.
    #[test]
    fn lui_and_addi_constants_are_narrow_if_they_fit() {
        let body = [
            op(Addw {
                rd: 9,
                rs1: 9,
                rs2: 9,
            }),
            op(Lui {
                rd: 10,
                imm: -0x1247_8000,
            }),
            op(Addi {
                rd: 10,
                rs1: 10,
                imm: 0x320,
            }),
            op(Lui {
                rd: 11,
                imm: i32::MIN,
            }),
            op(Addi {
                rd: 11,
                rs1: 11,
                imm: -1,
            }),
            op(Lui {
                rd: 12,
                imm: 0x1000,
            }),
            op(Addi {
                rd: 12,
                rs1: 12,
                imm: 1,
            }),
            op(Bne {
                rs1: 0,
                rs2: 0,
                imm: -26,
            }),
        ];
        let mut inside = [None; 8];
        inside[7] = Some(0);
        let n = plan(&body, &inside, 0);
        assert_ne!(n[3] & 1 << 10, 0, "0xffffffffedb88320 is narrow");
        assert_eq!(n[5] & 1 << 11, 0, "0xffffffff7fffffff is not");
        inside[0] = Some(6);
        let n = plan(&body, &inside, 0);
        assert_eq!(n[7] & 1 << 12, 0, "a jump lands on the addi");
    }

    /// At a loop's head a register is narrow only if it is on the way in
    /// and on the way round; an instruction the analysis does not know
    /// forgets everything.
    #[test]
    fn loop_heads_meet_both_ways_in() {
        let body = [
            op(Addiw {
                rd: 10,
                rs1: 10,
                imm: 0,
            }),
            op(Addiw {
                rd: 11,
                rs1: 11,
                imm: 0,
            }),
            // The loop: 0x8, x10 stays narrow, x11 does not.
            op(Xori {
                rd: 10,
                rs1: 10,
                imm: -1,
            }),
            op(Slli {
                rd: 11,
                rs1: 11,
                shamt: 3,
            }),
            op(Bne {
                rs1: 10,
                rs2: 0,
                imm: -8,
            }),
            op(Csrrs {
                rd: 12,
                rs1: 0,
                csr: 0xc00,
            }),
            op(Wfi),
        ];
        let mut inside = [None; 7];
        inside[4] = Some(2);
        let n = plan(&body, &inside, 0);
        assert_eq!(n[2], 1 | 1 << 10, "x11 is not narrow round the loop");
        assert_eq!(n[5], 1 | 1 << 10);
        assert_eq!(n[6], 1, "after a CSR instruction nothing is known");
    }

    /// A loop's head takes unextended the registers the loop writes first
    /// (before any read, trap or jump) if its back edge brings them
    /// narrow, whatever comes in from before the loop.
    #[test]
    fn a_loop_head_takes_registers_written_first_loose() {
        let body = [
            // x12 is 64-bit on the way in.
            op(Slli {
                rd: 12,
                rs1: 12,
                shamt: 40,
            }),
            // The loop: x12 written first, x13 read before its write,
            // x14 written first but 64-bit round the loop.
            op(Addw {
                rd: 12,
                rs1: 10,
                rs2: 11,
            }),
            op(Addiw {
                rd: 13,
                rs1: 13,
                imm: 1,
            }),
            op(Slli {
                rd: 14,
                rs1: 12,
                shamt: 33,
            }),
            op(Bne {
                rs1: 13,
                rs2: 0,
                imm: -12,
            }),
        ];
        let mut inside = [None; 5];
        inside[4] = Some(1);
        let n = plan(&body, &inside, 0);
        let l = loose(&body, &inside, &n);
        assert_eq!(l[1] & 1 << 12, 1 << 12);
        assert_eq!(l[1] & 1 << 14, 0, "64-bit round the loop");
        // x13 is read first and not known narrow on the way in.
        assert_eq!(l[1] & 1 << 13, 0);
        // A load first: a trap there would see x12 as it came in.
        let mut body = body;
        body[1] = op(Lw {
            rd: 15,
            rs1: 10,
            imm: 0,
        });
        body[2] = op(Addw {
            rd: 12,
            rs1: 10,
            rs2: 11,
        });
        let n = plan(&body, &inside, 0);
        assert_eq!(loose(&body, &inside, &n)[1] & 1 << 12, 0);
    }

    /// A label inside a loop (a loop entered past its first instructions,
    /// as SHA-256's rounds are) takes loose what the loop may leave
    /// unextended and is narrow there; one outside every loop takes
    /// nothing.
    #[test]
    fn a_label_inside_a_loop_takes_the_loops_registers_loose() {
        let body = [
            // x12 and x13 narrow on the way in; x14 not.
            op(Addiw {
                rd: 12,
                rs1: 0,
                imm: 5,
            }),
            op(Addiw {
                rd: 13,
                rs1: 0,
                imm: 3,
            }),
            // j to 4, into the loop (whose head is 3).
            op(Jal { rd: 0, imm: 8 }),
            // 3: the loop's first copy.
            op(Addiw {
                rd: 13,
                rs1: 12,
                imm: 0,
            }),
            // 4: entered here from 2.
            op(Addw {
                rd: 12,
                rs1: 12,
                rs2: 13,
            }),
            op(Add {
                rd: 14,
                rs1: 14,
                rs2: 12,
            }),
            op(Bne {
                rs1: 12,
                rs2: 0,
                imm: -12,
            }),
            // 7: after the loop, a forward branch's target.
            op(Beq {
                rs1: 12,
                rs2: 0,
                imm: 4,
            }),
            op(Addw {
                rd: 12,
                rs1: 12,
                rs2: 12,
            }),
            op(Addi {
                rd: 0,
                rs1: 0,
                imm: 0,
            }),
        ];
        let mut inside = [None; 10];
        inside[2] = Some(4);
        inside[6] = Some(3);
        inside[7] = Some(9);
        let n = plan(&body, &inside, 0);
        let l = loose(&body, &inside, &n);
        assert_eq!(l[3], 1 << 12 | 1 << 13, "the head");
        assert_eq!(l[4], 1 << 12 | 1 << 13, "the label inside");
        assert_eq!(l[9], 0, "a label after the loop");
        // Not narrow where the way in brings a 64-bit value.
        let mut body = body;
        body[1] = op(Slli {
            rd: 13,
            rs1: 13,
            shamt: 40,
        });
        let n = plan(&body, &inside, 0);
        assert_eq!(loose(&body, &inside, &n)[4], 1 << 12);
    }

    /// A loop entered at a label inside it, whose way in brings x12 from
    /// a 64-bit shift: that way checks x12 (and only it), and the label
    /// counts x12 narrow; without checks it does not. x14, which the loop
    /// never writes, is never checked; a jump back to a shared epilogue
    /// closes no loop and checks nothing.
    #[test]
    fn the_way_into_a_loop_checks_what_the_loop_carries() {
        let body = [
            op(Slli {
                rd: 12,
                rs1: 13,
                shamt: 1,
            }),
            // 1: j 3 (into the loop, past its head).
            op(Jal { rd: 0, imm: 8 }),
            // 2: the head.
            op(Addw {
                rd: 12,
                rs1: 12,
                rs2: 11,
            }),
            // 3: the label inside.
            op(Xor {
                rd: 10,
                rs1: 12,
                rs2: 14,
            }),
            op(Addw {
                rd: 10,
                rs1: 10,
                rs2: 10,
            }),
            // 5: back to the head.
            op(Bne {
                rs1: 11,
                rs2: 0,
                imm: -12,
            }),
            op(Addi {
                rd: 0,
                rs1: 0,
                imm: 0,
            }),
        ];
        let mut inside = [None; 7];
        inside[1] = Some(3);
        inside[5] = Some(2);
        let none = [0u32; 7];
        let g = plan_guarded(&body, &inside, 0, Some((0, &none)));
        assert_eq!(g.jump[1], 1 << 12, "the way in checks x12");
        assert_eq!(g.fall.iter().chain(&g.jump).filter(|&&m| m != 0).count(), 1);
        assert_ne!(g.at[3] & 1 << 12, 0, "x12 narrow at the label");
        assert_eq!(g.at[3] & 1 << 14, 0, "x14: the loop never writes it");
        assert_eq!(plan(&body, &inside, 0)[3] & 1 << 12, 0, "unchecked: not");
        // Not where a check of x12 failed, nor where late shifts write it.
        let mut told = none;
        told[3] = 1 << 12;
        assert_eq!(plan_guarded(&body, &inside, 0, Some((0, &told))).jump[1], 0);
        assert_eq!(
            plan_guarded(&body, &inside, 0, Some((1 << 12, &none))).jump[1],
            0
        );
        // A jump back to a return (a shared epilogue) closes no loop: the
        // same way in checks nothing there.
        let mut body = body;
        body[2] = op(Jalr {
            rd: 0,
            rs1: 1,
            imm: 0,
        });
        body[4] = op(Addw {
            rd: 12,
            rs1: 12,
            rs2: 10,
        });
        let g = plan_guarded(&body, &inside, 0, Some((0, &none)));
        assert!(
            g.fall.iter().chain(&g.jump).all(|&m| m == 0),
            "{:?}",
            g.jump
        );
    }
}
