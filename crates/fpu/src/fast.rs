//! Host-FPU fast paths for the common case: round-to-nearest-even, finite
//! operands, and a result whose exponent is safely inside the normal range.
//!
//! Rust's float arithmetic is IEEE 754 round-to-nearest-even on every host we
//! build for (x86-64 SSE2 with the default MXCSR: code that changes MXCSR's
//! rounding mode or sets FTZ/DAZ must restore it before calling in), so in that case the host result is the correctly rounded one.
//! What the host does not give us is the flags, so each fast path proves
//! exactness (or not) with an exact error term. Only NX can then be raised:
//! the operands are finite and not NaN (no NV), divisors are nonzero (no DZ),
//! and the result is at least 2^(emin+1) and finite (no OF, and no UF even
//! with tininess detected after rounding). Anything else returns `None` and
//! takes the soft-float path.

use crate::NX;

/// Biased exponent field of a binary32 pattern.
#[inline]
fn field32(x: u32) -> u32 {
    (x >> 23) & 0xff
}

/// Biased exponent field of a binary64 pattern.
#[inline]
fn field64(x: u64) -> u64 {
    (x >> 52) & 0x7ff
}

/// A result safely inside the normal range (see the module doc).
#[inline]
fn safe32(r: f32) -> bool {
    let f = field32(r.to_bits());
    (2..0xff).contains(&f)
}

#[inline]
fn safe64(r: f64) -> bool {
    let f = field64(r.to_bits());
    (2..0x7ff).contains(&f)
}

#[inline]
fn finite32(x: u32) -> bool {
    field32(x) != 0xff
}

#[inline]
fn finite64(x: u64) -> bool {
    field64(x) != 0x7ff
}

#[inline]
fn nx(inexact: bool) -> u8 {
    if inexact {
        NX
    } else {
        0
    }
}

/// Odd part of a binary64 significand (hidden bit included) and whether the
/// operand is nonzero; used to decide exactness of products and quotients.
#[inline]
fn odd_mant64(x: u64) -> u64 {
    let frac = x & ((1 << 52) - 1);
    let mant = if field64(x) == 0 {
        frac
    } else {
        frac | 1 << 52
    };
    mant >> mant.trailing_zeros().min(63)
}

/// TwoSum (Knuth): the rounding error of `s = a + b` is exactly
/// `(a - (s - bv)) + (b - bv)` under round-to-nearest without overflow.
macro_rules! two_sum_inexact {
    ($a:expr, $b:expr, $s:expr) => {{
        let bv = $s - $a;
        let av = $s - bv;
        (($a - av) + ($b - bv)) != 0.0
    }};
}

/// `a + b` for binary32.
#[inline]
pub(crate) fn f32_add(a: u32, b: u32) -> Option<(u32, u8)> {
    if !(finite32(a) && finite32(b)) {
        return None;
    }
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    let s = x + y;
    safe32(s).then(|| (s.to_bits(), nx(two_sum_inexact!(x, y, s))))
}

/// `a * b` for binary32: the f64 product is exact (48 bits), so rounding it
/// once to f32 is correct and comparing back decides exactness.
#[inline]
pub(crate) fn f32_mul(a: u32, b: u32) -> Option<(u32, u8)> {
    if !(finite32(a) && finite32(b)) {
        return None;
    }
    let p = f64::from(f32::from_bits(a)) * f64::from(f32::from_bits(b));
    let r = p as f32;
    safe32(r).then(|| (r.to_bits(), nx(f64::from(r) != p)))
}

/// `a / b` for binary32: an f64 quotient rounded to f32 is correctly
/// rounded (53 >= 2*24 + 2), and `r * b` is exact in f64.
#[inline]
pub(crate) fn f32_div(a: u32, b: u32) -> Option<(u32, u8)> {
    if !(finite32(a) && finite32(b)) || b << 1 == 0 {
        return None;
    }
    let (x, y) = (f64::from(f32::from_bits(a)), f64::from(f32::from_bits(b)));
    let r = (x / y) as f32;
    safe32(r).then(|| (r.to_bits(), nx(f64::from(r) * y != x)))
}

/// Square root for binary32, by the same double-precision argument as
/// `f32_div`.
#[inline]
pub(crate) fn f32_sqrt(a: u32) -> Option<(u32, u8)> {
    if !finite32(a) || a >> 31 != 0 {
        return None;
    }
    let x = f64::from(f32::from_bits(a));
    let r = x.sqrt() as f32;
    let r64 = f64::from(r);
    safe32(r).then(|| (r.to_bits(), nx(r64 * r64 != x)))
}

/// `a + b` for binary64.
#[inline]
pub(crate) fn f64_add(a: u64, b: u64) -> Option<(u64, u8)> {
    if !(finite64(a) && finite64(b)) {
        return None;
    }
    let (x, y) = (f64::from_bits(a), f64::from_bits(b));
    let s = x + y;
    safe64(s).then(|| (s.to_bits(), nx(two_sum_inexact!(x, y, s))))
}

/// `a * b` for binary64: exact iff the product of the odd parts of the
/// significands fits in 53 bits (the result being normal).
#[inline]
pub(crate) fn f64_mul(a: u64, b: u64) -> Option<(u64, u8)> {
    if !(finite64(a) && finite64(b)) {
        return None;
    }
    let r = f64::from_bits(a) * f64::from_bits(b);
    if !safe64(r) {
        return None;
    }
    let p = u128::from(odd_mant64(a)) * u128::from(odd_mant64(b));
    Some((r.to_bits(), nx(p >> 53 != 0)))
}

/// `a / b` for binary64: a quotient of dyadic numbers is dyadic (hence, in
/// the normal range, exact) iff the divisor's odd part divides the
/// dividend's.
#[inline]
pub(crate) fn f64_div(a: u64, b: u64) -> Option<(u64, u8)> {
    if !(finite64(a) && finite64(b)) || b << 1 == 0 {
        return None;
    }
    let r = f64::from_bits(a) / f64::from_bits(b);
    if !safe64(r) {
        return None;
    }
    Some((
        r.to_bits(),
        nx(!odd_mant64(a).is_multiple_of(odd_mant64(b))),
    ))
}

/// Square root for binary64: the correctly rounded root is exact iff its
/// odd part squared is the operand's odd part.
#[inline]
pub(crate) fn f64_sqrt(a: u64) -> Option<(u64, u8)> {
    if !finite64(a) || a >> 63 != 0 {
        return None;
    }
    let r = f64::from_bits(a).sqrt();
    if !safe64(r) {
        return None;
    }
    let root = u128::from(odd_mant64(r.to_bits()));
    Some((r.to_bits(), nx(root * root != u128::from(odd_mant64(a)))))
}

/// `a * b + c` for binary64 (round to nearest even) by the host's fused
/// multiply-add, for a caller whose accrued NX flag is raised already: the
/// host gives the correctly rounded result but no cheap proof of
/// exactness, and then none is needed. Finite operands and a result safely
/// inside the normal range leave NX the only flag the operation could
/// raise (see the module doc), so the flags stay as they are.
#[inline]
pub(crate) fn f64_fma_nx_raised(a: u64, b: u64, c: u64) -> Option<u64> {
    if !(finite64(a) && finite64(b) && finite64(c)) {
        return None;
    }
    let r = f64::from_bits(a).mul_add(f64::from_bits(b), f64::from_bits(c));
    safe64(r).then(|| r.to_bits())
}

/// [`f64_fma_nx_raised`] for binary32.
#[inline]
pub(crate) fn f32_fma_nx_raised(a: u32, b: u32, c: u32) -> Option<u32> {
    if !(finite32(a) && finite32(b) && finite32(c)) {
        return None;
    }
    let r = f32::from_bits(a).mul_add(f32::from_bits(b), f32::from_bits(c));
    safe32(r).then(|| r.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soft::{F32, F64};
    use crate::{arith, Round, NX};

    /// splitmix64, to spread operands over the whole encoding space.
    fn next(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Operands with exponents close together so sums, products and
    /// quotients stay in range and are sometimes exact.
    fn operand64(state: &mut u64) -> u64 {
        let r = next(state);
        let frac = match r % 3 {
            0 => r >> 12,
            1 => (r >> 12) & !((1 << 40) - 1),
            _ => 0,
        } & ((1 << 52) - 1);
        let exp = 1023 - 20 + (r >> 58) % 40;
        (r & 1 << 63) | exp << 52 | frac
    }

    fn operand32(state: &mut u64) -> u32 {
        let r = next(state);
        let frac = (match r % 3 {
            0 => r >> 41,
            1 => (r >> 41) & !0xffff,
            _ => 0,
        }) as u32
            & 0x7f_ffff;
        let exp = (127 - 10 + (r >> 58) % 20) as u32;
        ((r >> 63) as u32) << 31 | exp << 23 | frac
    }

    /// The fused multiply-add with NX raised already: when it answers, the
    /// soft-float result is the same and raises nothing but NX. Addends of
    /// all sizes, cancellation to tiny results and to zero included.
    #[test]
    fn fma_with_nx_raised_agrees_with_soft_float() {
        let mut state = 11;
        let rne = Round::NearestEven;
        let (mut answered, mut exact) = (0, 0);
        for i in 0..40_000 {
            let (a, b) = (operand64(&mut state), operand64(&mut state));
            let c = match i % 4 {
                // Cancellation: minus the rounded product, nudged.
                0 => (f64::from_bits(a) * f64::from_bits(b)).to_bits() ^ 1 << 63,
                1 => ((f64::from_bits(a) * f64::from_bits(b)).to_bits() ^ 1 << 63) + 1,
                _ => operand64(&mut state),
            };
            let (soft, flags) = arith::fma::<F64>(a, b, c, rne);
            if let Some(r) = f64_fma_nx_raised(a, b, c) {
                answered += 1;
                exact += usize::from(flags == 0);
                assert_eq!(r, soft, "fma {a:#x} {b:#x} {c:#x}");
                assert_eq!(flags & !NX, 0, "fma {a:#x} {b:#x} {c:#x}");
            }
            let (a, b) = (operand32(&mut state), operand32(&mut state));
            let c = match i % 4 {
                0 => (f32::from_bits(a) * f32::from_bits(b)).to_bits() ^ 1 << 31,
                _ => operand32(&mut state),
            };
            let (soft, flags) = arith::fma::<F32>(a.into(), b.into(), c.into(), rne);
            if let Some(r) = f32_fma_nx_raised(a, b, c) {
                assert_eq!(u64::from(r), soft, "fma {a:#x} {b:#x} {c:#x}");
                assert_eq!(flags & !NX, 0, "fma {a:#x} {b:#x} {c:#x}");
            }
        }
        // Most answer; some of them exactly (the flag would have mattered).
        assert!(answered > 25_000 && exact > 100, "{answered} {exact}");
        // Zero and tiny results, infinities and NaNs are left to soft float.
        let one = 1f64.to_bits();
        assert_eq!(f64_fma_nx_raised(one, one, (-1f64).to_bits()), None);
        assert_eq!(f64_fma_nx_raised(f64::INFINITY.to_bits(), one, one), None);
        assert_eq!(
            f64_fma_nx_raised(f64::MIN_POSITIVE.to_bits(), 0.5f64.to_bits(), 0),
            None
        );
        assert_eq!(
            f32_fma_nx_raised(f32::NAN.to_bits(), 1f32.to_bits(), 0),
            None
        );
    }

    /// Table-style check: the fast path, when it answers, agrees with the
    /// soft-float reference, which the QEMU oracle test validates.
    #[test]
    fn fast_path_random_operands_agree_with_soft_float() {
        let mut state = 7;
        let rne = Round::NearestEven;
        for _ in 0..20_000 {
            let (a, b) = (operand64(&mut state), operand64(&mut state));
            if let Some(r) = f64_add(a, b) {
                assert_eq!(r, arith::add::<F64>(a, b, rne), "add {a:#x} {b:#x}");
            }
            if let Some(r) = f64_mul(a, b) {
                assert_eq!(r, arith::mul::<F64>(a, b, rne), "mul {a:#x} {b:#x}");
            }
            if let Some(r) = f64_div(a, b) {
                assert_eq!(r, arith::div::<F64>(a, b, rne), "div {a:#x} {b:#x}");
            }
            if let Some(r) = f64_sqrt(a) {
                assert_eq!(r, arith::sqrt::<F64>(a, rne), "sqrt {a:#x}");
            }
            let (a, b) = (operand32(&mut state), operand32(&mut state));
            let (wa, wb) = (u64::from(a), u64::from(b));
            let widen = |r: (u32, u8)| (u64::from(r.0), r.1);
            if let Some(r) = f32_add(a, b) {
                assert_eq!(
                    widen(r),
                    arith::add::<F32>(wa, wb, rne),
                    "add {a:#x} {b:#x}"
                );
            }
            if let Some(r) = f32_mul(a, b) {
                assert_eq!(
                    widen(r),
                    arith::mul::<F32>(wa, wb, rne),
                    "mul {a:#x} {b:#x}"
                );
            }
            if let Some(r) = f32_div(a, b) {
                assert_eq!(
                    widen(r),
                    arith::div::<F32>(wa, wb, rne),
                    "div {a:#x} {b:#x}"
                );
            }
            if let Some(r) = f32_sqrt(a) {
                assert_eq!(widen(r), arith::sqrt::<F32>(wa, rne), "sqrt {a:#x}");
            }
        }
    }

    #[test]
    fn f64_mul_exact_product_has_no_nx() {
        // 1.5 * 1.5 = 2.25
        assert_eq!(
            f64_mul(0x3ff8_0000_0000_0000, 0x3ff8_0000_0000_0000),
            Some((0x4002_0000_0000_0000, 0))
        );
    }

    #[test]
    fn f64_div_by_zero_declines() {
        assert_eq!(f64_div(0x3ff0_0000_0000_0000, 0), None);
    }

    #[test]
    fn f32_add_to_subnormal_declines() {
        // min normal - tiny bit lands below 2^-125: left to the soft path.
        assert_eq!(f32_add(0x0080_0001, 0x8080_0000), None);
    }
}
