//! Arithmetic: add, multiply, divide, square root and fused multiply-add,
//! generic over the format. Special operands (NaN, ∞, 0) are settled first;
//! finite operands are combined exactly (or exactly up to a sticky bit) in
//! integers and rounded once by `round_pack`.

use crate::soft::{inf, nan_result, round_pack_wide, shr_jam128, unpack, zero, Format, Kind};
use crate::{Round, DZ, NV};

/// Bit position where `add_aligned` expects leading ones: two bits of
/// headroom above it absorb a carry, and the low end leaves room for sticky.
const LEAD: u32 = 125;

/// Normalizes an integer significand so its leading one is at bit `LEAD`,
/// adjusting the exponent to keep the value.
#[inline]
fn normalize(exp: i32, sig: u128) -> (i32, u128) {
    let shift = sig.leading_zeros() as i32 - (127 - LEAD as i32);
    if shift >= 0 {
        (exp - shift, sig << shift)
    } else {
        // Only reachable for significands wider than 126 bits, which no
        // caller produces; jam to stay correct anyway.
        (exp - shift, shr_jam128(sig, shift.unsigned_abs()))
    }
}

/// Sum of two normalized nonzero terms `(-1)^s * x * 2^e`, rounded once.
///
/// The term with the smaller exponent is shifted right with a sticky bit.
/// This is exact for rounding because the larger term's bit 0 is always 0
/// (significands are at most 106 bits wide), so a jammed difference is odd
/// and lies strictly between the same even neighbours as the true one, and
/// heavy cancellation only happens when nothing was shifted out.
fn add_aligned<F: Format>(x: (bool, i32, u128), y: (bool, i32, u128), rm: Round) -> (u64, u8) {
    let (x, y) = if y.1 > x.1 || (y.1 == x.1 && y.2 > x.2) {
        (y, x)
    } else {
        (x, y)
    };
    let (sx, ex, mx) = x;
    let (sy, ey, my) = y;
    let my = shr_jam128(my, ex.abs_diff(ey));
    if sx == sy {
        round_pack_wide::<F>(sx, ex, mx + my, rm)
    } else if mx == my {
        // Exact cancellation: +0, except -0 when rounding down (IEEE 754 §6.3).
        (zero::<F>(rm == Round::Down), 0)
    } else {
        round_pack_wide::<F>(sx, ex, mx - my, rm)
    }
}

/// `a + b` in format `F`.
pub(crate) fn add<F: Format>(a: u64, b: u64, rm: Round) -> (u64, u8) {
    let ua = unpack::<F>(a);
    let ub = unpack::<F>(b);
    if let Some(r) = nan_result::<F>(&[ua, ub]) {
        return r;
    }
    match (ua.kind, ub.kind) {
        (Kind::Inf, Kind::Inf) if ua.sign != ub.sign => (F::CANONICAL_NAN, NV),
        (Kind::Inf, _) => (a, 0),
        (_, Kind::Inf) => (b, 0),
        (Kind::Zero, Kind::Zero) => {
            let sign = if ua.sign == ub.sign {
                ua.sign
            } else {
                rm == Round::Down
            };
            (zero::<F>(sign), 0)
        }
        (Kind::Zero, _) => (b, 0),
        (_, Kind::Zero) => (a, 0),
        (Kind::Finite { exp: ea, mant: ma }, Kind::Finite { exp: eb, mant: mb }) => {
            let (ea, ma) = normalize(ea, u128::from(ma));
            let (eb, mb) = normalize(eb, u128::from(mb));
            add_aligned::<F>((ua.sign, ea, ma), (ub.sign, eb, mb), rm)
        }
        // NaNs were handled above.
        _ => (F::CANONICAL_NAN, 0),
    }
}

/// `a * b` in format `F`.
pub(crate) fn mul<F: Format>(a: u64, b: u64, rm: Round) -> (u64, u8) {
    let ua = unpack::<F>(a);
    let ub = unpack::<F>(b);
    if let Some(r) = nan_result::<F>(&[ua, ub]) {
        return r;
    }
    let sign = ua.sign != ub.sign;
    match (ua.kind, ub.kind) {
        (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf) => (F::CANONICAL_NAN, NV),
        (Kind::Inf, _) | (_, Kind::Inf) => (inf::<F>(sign), 0),
        (Kind::Zero, _) | (_, Kind::Zero) => (zero::<F>(sign), 0),
        (Kind::Finite { exp: ea, mant: ma }, Kind::Finite { exp: eb, mant: mb }) => {
            round_pack_wide::<F>(sign, ea + eb, u128::from(ma) * u128::from(mb), rm)
        }
        _ => (F::CANONICAL_NAN, 0),
    }
}

/// `a / b` in format `F`.
pub(crate) fn div<F: Format>(a: u64, b: u64, rm: Round) -> (u64, u8) {
    let ua = unpack::<F>(a);
    let ub = unpack::<F>(b);
    if let Some(r) = nan_result::<F>(&[ua, ub]) {
        return r;
    }
    let sign = ua.sign != ub.sign;
    match (ua.kind, ub.kind) {
        (Kind::Inf, Kind::Inf) | (Kind::Zero, Kind::Zero) => (F::CANONICAL_NAN, NV),
        (Kind::Inf, _) => (inf::<F>(sign), 0),
        (_, Kind::Inf) => (zero::<F>(sign), 0),
        (Kind::Zero, _) => (zero::<F>(sign), 0),
        (_, Kind::Zero) => (inf::<F>(sign), DZ),
        (Kind::Finite { exp: ea, mant: ma }, Kind::Finite { exp: eb, mant: mb }) => {
            // Dividend's leading one at bit 125, divisor's at bit 62: the
            // quotient then has 63 or 64 bits, plenty for rounding, and the
            // remainder decides the sticky bit.
            let na = 125 - (63 - ma.leading_zeros());
            let nb = 62 - (63 - mb.leading_zeros());
            let num = u128::from(ma) << na;
            let den = u128::from(mb << nb);
            let q = num / den;
            let sticky = u128::from(num % den != 0);
            let exp = ea - na as i32 - (eb - nb as i32);
            round_pack_wide::<F>(sign, exp, q | sticky, rm)
        }
        _ => (F::CANONICAL_NAN, 0),
    }
}

/// Square root in format `F`.
pub(crate) fn sqrt<F: Format>(a: u64, rm: Round) -> (u64, u8) {
    let ua = unpack::<F>(a);
    if let Some(r) = nan_result::<F>(&[ua]) {
        return r;
    }
    match ua.kind {
        // sqrt(-0) is -0 (IEEE 754 §5.4.1).
        Kind::Zero => (a, 0),
        _ if ua.sign => (F::CANONICAL_NAN, NV),
        Kind::Inf => (a, 0),
        Kind::Finite { exp, mant } => {
            // Scale to 125 or 126 bits with an even exponent: the integer
            // root then has 63 bits and the remainder gives the sticky bit.
            let len = 64 - mant.leading_zeros() as i32;
            let mut shift = 126 - len;
            if (exp - shift) % 2 != 0 {
                shift -= 1;
            }
            let m = u128::from(mant) << shift;
            let root = m.isqrt();
            let sticky = u128::from(root * root != m);
            round_pack_wide::<F>(false, (exp - shift) / 2, root | sticky, rm)
        }
        Kind::Nan { .. } => (F::CANONICAL_NAN, 0),
    }
}

/// `a * b + c` with one rounding, in format `F`.
pub(crate) fn fma<F: Format>(a: u64, b: u64, c: u64, rm: Round) -> (u64, u8) {
    let ua = unpack::<F>(a);
    let ub = unpack::<F>(b);
    let uc = unpack::<F>(c);
    let inf_times_zero = matches!(
        (ua.kind, ub.kind),
        (Kind::Inf, Kind::Zero) | (Kind::Zero, Kind::Inf)
    );
    if let Some((nan, flags)) = nan_result::<F>(&[ua, ub, uc]) {
        // RISC-V F chapter: fused multiply-add raises NV for ∞ × 0 even when
        // the addend is a quiet NaN.
        return (nan, if inf_times_zero { NV } else { flags });
    }
    if inf_times_zero {
        return (F::CANONICAL_NAN, NV);
    }
    let sp = ua.sign != ub.sign;
    let product_inf = ua.kind == Kind::Inf || ub.kind == Kind::Inf;
    let product_zero = ua.kind == Kind::Zero || ub.kind == Kind::Zero;
    match uc.kind {
        Kind::Inf if product_inf && uc.sign != sp => return (F::CANONICAL_NAN, NV),
        _ if product_inf => return (inf::<F>(sp), 0),
        Kind::Inf => return (c, 0),
        Kind::Zero if product_zero => {
            let sign = if sp == uc.sign { sp } else { rm == Round::Down };
            return (zero::<F>(sign), 0);
        }
        _ if product_zero => return (c, 0),
        _ => {}
    }
    let (Kind::Finite { exp: ea, mant: ma }, Kind::Finite { exp: eb, mant: mb }) =
        (ua.kind, ub.kind)
    else {
        return (F::CANONICAL_NAN, 0);
    };
    let product = u128::from(ma) * u128::from(mb);
    let Kind::Finite { exp: ec, mant: mc } = uc.kind else {
        // Zero addend: the result is the rounded product.
        return round_pack_wide::<F>(sp, ea + eb, product, rm);
    };
    let (ep, mp) = normalize(ea + eb, product);
    let (ec, mc) = normalize(ec, u128::from(mc));
    add_aligned::<F>((sp, ep, mp), (uc.sign, ec, mc), rm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soft::{F32, F64};
    use crate::{NX, OF};

    #[test]
    fn add_one_plus_one_is_two() {
        assert_eq!(
            add::<F32>(0x3f80_0000, 0x3f80_0000, Round::NearestEven),
            (0x4000_0000, 0)
        );
    }

    #[test]
    fn add_far_apart_operands_sets_nx() {
        // 1 + 2^-60 in binary64 rounds back to 1 (or up for RUP).
        let tiny = 0x3c30_0000_0000_0000; // 2^-60
        assert_eq!(
            add::<F64>(0x3ff0_0000_0000_0000, tiny, Round::NearestEven),
            (0x3ff0_0000_0000_0000, NX)
        );
        assert_eq!(
            add::<F64>(0x3ff0_0000_0000_0000, tiny, Round::Up),
            (0x3ff0_0000_0000_0001, NX)
        );
    }

    #[test]
    fn add_cancellation_far_apart_round_down_is_below_one() {
        // 1 - 2^-60 rounded down is the largest double below 1.
        let tiny_neg = 0xbc30_0000_0000_0000;
        assert_eq!(
            add::<F64>(0x3ff0_0000_0000_0000, tiny_neg, Round::Down),
            (0x3fef_ffff_ffff_ffff, NX)
        );
    }

    #[test]
    fn mul_max_by_two_overflows() {
        assert_eq!(
            mul::<F32>(0x7f7f_ffff, 0x4000_0000, Round::TowardZero),
            (0x7f7f_ffff, OF | NX)
        );
    }

    #[test]
    fn div_one_by_three_is_inexact() {
        assert_eq!(
            div::<F32>(0x3f80_0000, 0x4040_0000, Round::NearestEven),
            (0x3eaa_aaab, NX)
        );
    }

    #[test]
    fn sqrt_two_rounds_correctly() {
        assert_eq!(
            sqrt::<F64>(0x4000_0000_0000_0000, Round::NearestEven),
            (0x3ff6_a09e_667f_3bcd, NX)
        );
    }

    #[test]
    fn sqrt_four_is_exact() {
        assert_eq!(sqrt::<F32>(0x4080_0000, Round::Up), (0x4000_0000, 0));
    }

    #[test]
    fn fma_exact_cancellation_gives_positive_zero() {
        // 1 * 1 + -1 = +0 in RNE.
        assert_eq!(
            fma::<F32>(0x3f80_0000, 0x3f80_0000, 0xbf80_0000, Round::NearestEven),
            (0, 0)
        );
    }
}
