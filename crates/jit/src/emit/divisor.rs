//! Division by a divisor known when the code is made, as a multiplication
//! by its reciprocal (Granlund and Montgomery, "Division by Invariant
//! Integers using Multiplication", PLDI 1994; Warren, "Hacker's Delight",
//! ch. 10).
//!
//! RISC-V compilers tuned for cores with a fast divider leave `div`/`rem`
//! by constants in the code, hoisted out of the loop into a register: the
//! int guest's `x % 977` is a `remw` by a register set before its loop.
//! A translation that starts at such a loop cannot see the constant, so a
//! translation of M- or U-mode code guesses that a divisor register the
//! code never writes holds, whenever it is entered, what it holds when
//! the code is made ([`candidates`]), and checks that at its entry, as
//! it does its narrow guesses (`narrow::guesses`): an entry that finds
//! another value leaves for the dispatcher, which has the code translated
//! again without guesses. An x86 `div` takes 10-20 cycles where the
//! multiplication takes 3-4.
//!
//! The sequences work on 64-bit values; the W forms divide their 32-bit
//! operands extended to 64 bits, whose quotient and remainder are those
//! of the 32-bit division (no overflow: the divisor is never 0 or -1).

use rvisor_cpu::interp::Op;
use rvisor_isa::{BitOp, Inst};

/// Most registers one translation guesses.
pub const MAX: usize = 6;

/// Registers a translation guesses hold divisors or shift amounts
/// (`(register, value)`; register 0: no guess in that place).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Divisors(pub [(u8, u64); MAX]);

impl Divisors {
    /// The guessed value of `r`, if guessed.
    pub fn of(&self, r: u8) -> Option<u64> {
        self.0
            .iter()
            .find(|&&(g, _)| g == r && r != 0)
            .map(|&(_, v)| v)
    }

    pub fn any(&self) -> bool {
        self.0.iter().any(|&(r, _)| r != 0)
    }

    /// Only the guesses `keep` keeps.
    pub fn filter(self, keep: impl Fn(u8, u64) -> bool) -> Self {
        let mut out = Self::default();
        let mut n = 0;
        for (r, v) in self.0 {
            if r != 0 && keep(r, v) {
                out.0[n] = (r, v);
                n += 1;
            }
        }
        out
    }
}

/// A division's kind: `word` (the W forms) and `signed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub word: bool,
    pub signed: bool,
}

/// The divisor register and kind of a division or remainder.
pub fn division(inst: &Inst) -> Option<(u8, Kind)> {
    use Inst::*;
    let k = |word, signed| Kind { word, signed };
    match *inst {
        Div { rs2, .. } | Rem { rs2, .. } => Some((rs2, k(false, true))),
        Divu { rs2, .. } | Remu { rs2, .. } => Some((rs2, k(false, false))),
        Divw { rs2, .. } | Remw { rs2, .. } => Some((rs2, k(true, true))),
        Divuw { rs2, .. } | Remuw { rs2, .. } => Some((rs2, k(true, false))),
        _ => None,
    }
}

/// The divisor a division of `kind` sees in a register holding `v`, as
/// a 64-bit value, if a multiplication can take its place: never 0, 1
/// or -1 (their special cases stay with the divide instruction).
pub fn usable(kind: Kind, v: u64) -> Option<u64> {
    let d = match (kind.word, kind.signed) {
        (false, _) => v,
        (true, true) => v as i32 as i64 as u64,
        (true, false) => u64::from(v as u32),
    };
    let ok = if kind.signed {
        let d = d as i64;
        d != i64::MIN && d.unsigned_abs() >= 2
    } else {
        d >= 2
    };
    ok.then_some(d)
}

/// The amount register of a shift or rotate by a register.
///
/// Compilers hoist constant amounts out of loops as they do divisors
/// (hash-zb's message schedule rotates by three registers set before
/// it); a translation that guesses one shifts by an immediate instead:
/// no move of the amount to `cl`, and rotates become one `rorx`.
pub fn shift_amount(inst: &Inst) -> Option<u8> {
    use Inst::*;
    match *inst {
        Sll { rs2, .. }
        | Srl { rs2, .. }
        | Sra { rs2, .. }
        | Sllw { rs2, .. }
        | Srlw { rs2, .. }
        | Sraw { rs2, .. } => Some(rs2),
        Bit {
            op: BitOp::Rol | BitOp::Ror | BitOp::Rolw | BitOp::Rorw,
            rs2,
            ..
        } => Some(rs2),
        _ => None,
    }
}

/// `inst`, a shift or rotate by a register that holds `v`, as the same
/// operation by an immediate (the amount's low 6 bits, 5 for the W
/// forms, as the spec reads it; a left rotate as a right one). Anything
/// else unchanged.
pub fn by_immediate(inst: Inst, v: u64) -> Inst {
    use Inst::*;
    let (a, aw) = ((v & 63) as u8, (v & 31) as u8);
    let rot = |op, rd, rs1, rs2| Bit { op, rd, rs1, rs2 };
    match inst {
        Sll { rd, rs1, .. } => Slli { rd, rs1, shamt: a },
        Srl { rd, rs1, .. } => Srli { rd, rs1, shamt: a },
        Sra { rd, rs1, .. } => Srai { rd, rs1, shamt: a },
        Sllw { rd, rs1, .. } => Slliw { rd, rs1, shamt: aw },
        Srlw { rd, rs1, .. } => Srliw { rd, rs1, shamt: aw },
        Sraw { rd, rs1, .. } => Sraiw { rd, rs1, shamt: aw },
        Bit { op, rd, rs1, .. } => match op {
            BitOp::Rol => rot(BitOp::Rori, rd, rs1, (64 - a) & 63),
            BitOp::Ror => rot(BitOp::Rori, rd, rs1, a),
            BitOp::Rolw => rot(BitOp::Roriw, rd, rs1, (32 - aw) & 31),
            BitOp::Rorw => rot(BitOp::Roriw, rd, rs1, aw),
            _ => inst,
        },
        _ => inst,
    }
}

/// `ops` with each shift or rotate by a register `divisors` guesses made
/// one by an immediate, or `None` if there is none.
pub fn immediate_shifts(ops: &[Op], divisors: Divisors) -> Option<Vec<Op>> {
    let amount = |op: &Op| shift_amount(&op.inst).and_then(|r| divisors.of(r));
    ops.iter().any(|op| amount(op).is_some()).then(|| {
        ops.iter()
            .map(|op| match amount(op) {
                Some(v) => Op {
                    inst: by_immediate(op.inst, v),
                    ..*op
                },
                None => *op,
            })
            .collect()
    })
}

/// The integer registers `op` may write (bits). Those whose destination
/// the decoder does not spell out (A, F, D, system) name the instruction's
/// `rd` field, whatever kind of register it is: more than they write.
fn written(op: &Op) -> u32 {
    let rd = match op.inst.int_operands() {
        Some((_, rd)) => rd,
        None => ((op.raw >> 7) & 31) as u8,
    };
    1 << (rd & 31)
}

/// The register `op` reads as a divisor or shift amount, if any.
fn guessable(op: &Op) -> Option<u8> {
    division(&op.inst)
        .map(|(r, _)| r)
        .or_else(|| shift_amount(&op.inst))
}

/// The registers `ops` may guess given the registers `x` now: the
/// divisor registers of their divisions and the amount registers of
/// their shifts that no op up to their last use writes (code after it,
/// a function's epilogue restoring them, may), a divisor only if each
/// of its divisions can multiply by its value. [`holds`] checks the
/// loops of the code made.
pub fn candidates(ops: &[Op], x: &[u64; 32]) -> Divisors {
    // Registers read after something wrote them.
    let mut spoiled = 1u32;
    let mut written_so_far = 0u32;
    for op in ops {
        if let Some(r) = guessable(op) {
            if written_so_far & 1 << (r & 31) != 0 {
                spoiled |= 1 << (r & 31);
            }
        }
        written_so_far |= written(op);
    }
    let mut out = Divisors::default();
    let mut n = 0;
    for op in ops {
        let Some(r) = guessable(op) else {
            continue;
        };
        if n == MAX || spoiled & 1 << (r & 31) != 0 || out.of(r).is_some() {
            continue;
        }
        let v = x[usize::from(r & 31)];
        let every = ops.iter().all(|o| {
            division(&o.inst)
                .filter(|&(s, _)| s == r)
                .is_none_or(|(_, k)| usable(k, v).is_some())
        });
        if every {
            out.0[n] = (r, v);
            n += 1;
        }
    }
    out
}

/// Whether a guess about `r`, checked at the entry of code made of
/// `body` whose jumps back go from `i` to `t` for each `(t, i)` of
/// `back_edges`, holds wherever the body reads `r` as a divisor or
/// amount: the body reads it so, and no write of it reaches such a read,
/// whether falling through or jumping forward (a write before the last
/// read) or by a jump back (a loop around a write and a read).
pub fn holds(body: &[Op], back_edges: &[(usize, usize)], r: u8) -> bool {
    let bit = 1 << (r & 31);
    let Some(last_read) = body.iter().rposition(|op| guessable(op) == Some(r)) else {
        return false;
    };
    match body.iter().position(|op| written(op) & bit != 0) {
        None => true,
        Some(w) => w > last_read && !back_edges.iter().any(|&(t, i)| t <= last_read && i >= w),
    }
}

/// How an unsigned 64-bit `n / d` is computed for a `d` of at least 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsigned {
    /// `n >> k` (d = 2^k).
    Shift(u32),
    /// `mulhi(n, m) >> s`.
    Mul { m: u64, s: u32 },
    /// `t = mulhi(n, m); (((n - t) >> 1) + t) >> s` (a 65-bit reciprocal).
    MulAdd { m: u64, s: u32 },
    /// `n >= d` (d above 2^63: the quotient is 0 or 1).
    AtLeast,
}

/// The reciprocal of an unsigned `d` (at least 2).
pub fn unsigned(d: u64) -> Unsigned {
    if d.is_power_of_two() {
        return Unsigned::Shift(d.trailing_zeros());
    }
    if d > 1 << 63 {
        return Unsigned::AtLeast;
    }
    // l = floor(log2 d) < 63, and 2^l < d < 2^(l+1).
    let l = 63 - d.leading_zeros();
    let d128 = u128::from(d);
    // m = ceil(2^(64+l) / d) < 2^64 is exact for every n < 2^64 when its
    // error e = m d - 2^(64+l) is at most 2^l (then n e < 2^(64+l)).
    let p = 1u128 << (64 + l);
    let (q, r) = (p / d128, p % d128);
    let e = d128 - r;
    if e <= 1u128 << l {
        return Unsigned::Mul {
            m: (q + 1) as u64,
            s: l,
        };
    }
    // Else ceil(2^(65+l) / d), in [2^64, 2^65), is exact (its error is
    // below d <= 2^(l+1)); its low 64 bits and the carried 2^64 n.
    let p = 1u128 << (65 + l);
    let m = p / d128 + u128::from(!p.is_multiple_of(d128));
    Unsigned::MulAdd { m: m as u64, s: l }
}

/// How a signed 64-bit `n / d` is computed, for `2 <= |d| < 2^63`:
/// `q = mulhi_signed(n, m) + add * n; q >>= s (arithmetic); q += q < 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signed {
    pub m: i64,
    pub s: u32,
    /// 1: add n, -1: subtract it, 0: neither.
    pub add: i8,
}

/// The reciprocal of a signed `d` (Hacker's Delight, figure 10-1).
pub fn signed(d: i64) -> Signed {
    const TWO63: u64 = 1 << 63;
    let ad = d.unsigned_abs();
    let t = TWO63 + ((d as u64) >> 63);
    // |nc|, the largest value with nc mod d = d - 1.
    let anc = t - 1 - t % ad;
    let mut p = 63u32;
    let (mut q1, mut r1) = (TWO63 / anc, TWO63 % anc);
    let (mut q2, mut r2) = (TWO63 / ad, TWO63 % ad);
    loop {
        p += 1;
        q1 = q1.wrapping_mul(2);
        r1 = r1.wrapping_mul(2);
        if r1 >= anc {
            q1 = q1.wrapping_add(1);
            r1 -= anc;
        }
        q2 = q2.wrapping_mul(2);
        r2 = r2.wrapping_mul(2);
        if r2 >= ad {
            q2 = q2.wrapping_add(1);
            r2 -= ad;
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    let m = q2.wrapping_add(1) as i64;
    let m = if d < 0 { m.wrapping_neg() } else { m };
    let add = match (d > 0, m < 0) {
        (true, true) => 1,
        (false, false) => -1,
        _ => 0,
    };
    Signed { m, s: p - 64, add }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the host sequence for `u` computes (the emitter's templates,
    /// step by step).
    fn run_unsigned(n: u64, d: u64, u: Unsigned) -> u64 {
        let mulhi = |a: u64, b: u64| ((u128::from(a) * u128::from(b)) >> 64) as u64;
        match u {
            Unsigned::Shift(k) => n >> k,
            Unsigned::Mul { m, s } => mulhi(n, m) >> s,
            Unsigned::MulAdd { m, s } => {
                let t = mulhi(n, m);
                (((n - t) >> 1) + t) >> s
            }
            Unsigned::AtLeast => u64::from(n >= d),
        }
    }

    fn run_signed(n: i64, g: Signed) -> i64 {
        let hi = ((i128::from(n) * i128::from(g.m)) >> 64) as i64;
        let q = match g.add {
            1 => hi.wrapping_add(n),
            -1 => hi.wrapping_sub(n),
            _ => hi,
        };
        let q = q >> g.s;
        q.wrapping_add(((q as u64) >> 63) as i64)
    }

    /// Divisors: all small ones, powers of two and their neighbours, and
    /// pseudo-random ones of every size.
    fn divisors() -> Vec<u64> {
        let mut d: Vec<u64> = (2..=1100).collect();
        for k in 1..64 {
            let p = 1u64 << k;
            d.extend([p - 1, p, p + 1, p.wrapping_mul(3) / 2, u64::MAX / p]);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            d.push(x >> (x % 64));
        }
        d.extend([977, 1_000_000_007, u64::MAX, u64::MAX - 1, 1 << 63]);
        d.retain(|&d| d >= 2);
        d
    }

    fn dividends(d: u64, seed: u64) -> Vec<u64> {
        let mut n = vec![
            0,
            1,
            d - 1,
            d,
            d + 1,
            d.wrapping_mul(2),
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            (1 << 63) - 1,
            (1 << 63) + 1,
            u64::MAX / d * d,
            (u64::MAX / d * d).wrapping_sub(1),
        ];
        let mut x = seed | 1;
        for _ in 0..200 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            n.push(x >> (x % 64));
        }
        n
    }

    #[test]
    fn unsigned_reciprocals_divide_exactly() {
        for d in divisors() {
            let u = unsigned(d);
            for n in dividends(d, d) {
                assert_eq!(run_unsigned(n, d, u), n / d, "{n} / {d} by {u:?}");
            }
        }
        // Both kinds of reciprocal occur.
        assert!(matches!(unsigned(7), Unsigned::MulAdd { .. }));
        assert!(matches!(unsigned(10), Unsigned::Mul { .. }));
    }

    #[test]
    fn signed_reciprocals_divide_exactly() {
        for d in divisors() {
            for d in [d as i64, (d as i64).wrapping_neg()] {
                if d == i64::MIN || d.unsigned_abs() < 2 {
                    continue;
                }
                let g = signed(d);
                for n in dividends(d.unsigned_abs(), d as u64) {
                    let n = n as i64;
                    for n in [n, n.wrapping_neg(), i64::MIN, i64::MAX] {
                        assert_eq!(run_signed(n, g), n.wrapping_div(d), "{n} / {d} by {g:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_divisors_the_code_never_writes_are_guessed() {
        use rvisor_cpu::interp::Op;
        let op = |inst| Op {
            inst,
            raw: 0,
            off: 0,
            len: 4,
        };
        let mut x = [0u64; 32];
        x[5] = 977;
        x[6] = 10;
        x[7] = u64::MAX; // -1: not usable signed
        x[8] = 1 << 32; // 0 as a word
        let ops = [
            op(Inst::Remw {
                rd: 10,
                rs1: 11,
                rs2: 5,
            }),
            op(Inst::Divu {
                rd: 10,
                rs1: 11,
                rs2: 6,
            }),
            op(Inst::Addi {
                rd: 6,
                rs1: 6,
                imm: 1,
            }),
            op(Inst::Div {
                rd: 10,
                rs1: 11,
                rs2: 7,
            }),
            op(Inst::Divu {
                rd: 10,
                rs1: 11,
                rs2: 8,
            }),
            op(Inst::Remuw {
                rd: 10,
                rs1: 11,
                rs2: 8,
            }),
            op(Inst::Divu {
                rd: 10,
                rs1: 11,
                rs2: 6,
            }),
            // A shift amount, written after its last read (an epilogue).
            op(Inst::Sllw {
                rd: 10,
                rs1: 11,
                rs2: 9,
            }),
            op(Inst::Addi {
                rd: 9,
                rs1: 0,
                imm: 1,
            }),
        ];
        x[9] = 77;
        let c = candidates(&ops, &x);
        assert_eq!(c.of(5), Some(977));
        assert_eq!(c.of(6), None, "written before a read");
        assert_eq!(c.of(7), None, "-1");
        assert_eq!(c.of(8), None, "0 as a word");
        assert_eq!(c.of(9), Some(77), "written after its last read");
        // The made code's loops: none reaches a read from the write; a
        // loop around both does.
        assert!(holds(&ops, &[(0, 1)], 9) && holds(&ops, &[], 5));
        assert!(!holds(&ops, &[(3, 8)], 9), "a loop around the write");
        assert!(!holds(&ops, &[], 6) && !holds(&ops, &[], 12));
        // An instruction the decoder does not spell out (here `csrrs x5,
        // ...`) counts as writing its rd field.
        let mut more = ops.to_vec();
        more.insert(
            0,
            Op {
                inst: Inst::Wfi,
                raw: 5 << 7,
                off: 0,
                len: 4,
            },
        );
        assert_eq!(candidates(&more, &x).of(5), None);
        assert!(!holds(&more, &[], 5));
    }

    /// A shift by a register holding `v` as one by an immediate: the
    /// same result for every amount, every value, every kind (the
    /// interpreter's reading of the amount, written out).
    #[test]
    fn shifts_by_a_guessed_amount_shift_by_the_same_immediate() {
        use Inst::*;
        let sext = |v: u32| v as i32 as i64 as u64;
        // What the spec gives for each operation and amount register.
        let by_reg = |inst: Inst, x: u64, v: u64| -> u64 {
            let (a, aw) = ((v & 63) as u32, (v & 31) as u32);
            match inst {
                Sll { .. } => x << a,
                Srl { .. } => x >> a,
                Sra { .. } => ((x as i64) >> a) as u64,
                Sllw { .. } => sext((x as u32) << aw),
                Srlw { .. } => sext((x as u32) >> aw),
                Sraw { .. } => sext(((x as i32) >> aw) as u32),
                Bit { op: BitOp::Rol, .. } => x.rotate_left(a),
                Bit { op: BitOp::Ror, .. } => x.rotate_right(a),
                Bit {
                    op: BitOp::Rolw, ..
                } => sext((x as u32).rotate_left(aw)),
                Bit {
                    op: BitOp::Rorw, ..
                } => sext((x as u32).rotate_right(aw)),
                _ => unreachable!(),
            }
        };
        let by_imm = |inst: Inst, x: u64| -> u64 {
            match inst {
                Slli { shamt, .. } => x << shamt,
                Srli { shamt, .. } => x >> shamt,
                Srai { shamt, .. } => ((x as i64) >> shamt) as u64,
                Slliw { shamt, .. } => sext((x as u32) << shamt),
                Srliw { shamt, .. } => sext((x as u32) >> shamt),
                Sraiw { shamt, .. } => sext(((x as i32) >> shamt) as u32),
                Bit {
                    op: BitOp::Rori,
                    rs2,
                    ..
                } => x.rotate_right(u32::from(rs2)),
                Bit {
                    op: BitOp::Roriw,
                    rs2,
                    ..
                } => sext((x as u32).rotate_right(u32::from(rs2))),
                other => panic!("not by an immediate: {other:?}"),
            }
        };
        let (rd, rs1, rs2) = (1, 2, 3);
        let bit = |op| Bit { op, rd, rs1, rs2 };
        let kinds = [
            Sll { rd, rs1, rs2 },
            Srl { rd, rs1, rs2 },
            Sra { rd, rs1, rs2 },
            Sllw { rd, rs1, rs2 },
            Srlw { rd, rs1, rs2 },
            Sraw { rd, rs1, rs2 },
            bit(BitOp::Rol),
            bit(BitOp::Ror),
            bit(BitOp::Rolw),
            bit(BitOp::Rorw),
        ];
        let xs = [0x8123_4567_89ab_cdefu64, 0x7fff_ffff_8000_0001, 1, u64::MAX];
        for inst in kinds {
            assert_eq!(shift_amount(&inst), Some(rs2));
            for v in (0..200u64).chain([u64::MAX, 1 << 63, (1 << 32) + 33]) {
                let imm = by_immediate(inst, v);
                for x in xs {
                    assert_eq!(
                        by_reg(inst, x, v),
                        by_imm(imm, x),
                        "{inst:?} by {v}: {imm:?}"
                    );
                }
            }
        }
        assert_eq!(shift_amount(&Slli { rd, rs1, shamt: 3 }), None);
    }
}
