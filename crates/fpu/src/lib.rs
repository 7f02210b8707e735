//! F and D semantics as pure functions: operands are raw bit patterns, results
//! are raw bit patterns plus the exception flags raised (`fflags` bits).
//! Layer: beside `isa`; no hart state. NaN-boxing is the hart's business:
//! binary32 functions take and return the low 32 bits.
//!
//! Every result follows the RISC-V F/D chapters of the unprivileged spec:
//! NaN results are the canonical NaN (0x7fc00000 / 0x7ff8000000000000),
//! `fmin`/`fmax` follow IEEE 754-2019 minimumNumber/maximumNumber (with
//! -0 < +0), float-to-integer conversions saturate with NV on overflow and
//! NaN (NaN converts to the largest positive integer). Underflow is
//! detected after rounding and UF is raised only for tiny inexact results.
//!
//! Inside: `soft` unpacks operands and holds the one rounding routine every
//! operation ends in; `arith` (add, mul, div, sqrt, fma), `compare` (feq,
//! flt, fle, fmin, fmax, fclass) and `convert` (integer and format
//! conversions) compute exact results with a sticky bit; `fast` answers the
//! common round-to-nearest-even case with the host FPU when it can prove the
//! flags. `tests/qemu_oracle.rs` checks all of it bit-exactly against real
//! RISC-V F/D instructions run under QEMU.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod arith;
mod compare;
mod convert;
mod fast;
mod soft;

use soft::{F32, F64};

/// `fflags` bit: invalid operation.
pub const NV: u8 = 0x10;
/// `fflags` bit: divide by zero.
pub const DZ: u8 = 0x08;
/// `fflags` bit: overflow.
pub const OF: u8 = 0x04;
/// `fflags` bit: underflow.
pub const UF: u8 = 0x02;
/// `fflags` bit: inexact.
pub const NX: u8 = 0x01;

/// A rounding mode (already resolved: never "dynamic").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// To nearest, ties to even.
    NearestEven,
    /// Towards zero.
    TowardZero,
    /// Towards −∞.
    Down,
    /// Towards +∞.
    Up,
    /// To nearest, ties away from zero (max magnitude).
    NearestMaxMag,
}

/// The canonical binary32 NaN.
pub const F32_CANONICAL_NAN: u32 = 0x7fc0_0000;
/// The canonical binary64 NaN.
pub const F64_CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// `a + b` rounded by `rm`, with the flags raised.
pub fn f32_add(a: u32, b: u32, rm: Round) -> (u32, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f32_add(a, b) {
            return r;
        }
    }
    let (r, f) = arith::add::<F32>(u64::from(a), u64::from(b), rm);
    (r as u32, f)
}

/// `a - b` rounded by `rm`, with the flags raised.
pub fn f32_sub(a: u32, b: u32, rm: Round) -> (u32, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f32_add(a, b ^ (0x8000_0000)) {
            return r;
        }
    }
    // Subtraction is addition of the negation; NaN signs do not matter
    // because NaN results are always canonical.
    let (r, f) = arith::add::<F32>(u64::from(a), u64::from(b) ^ soft::sign_bit::<F32>(), rm);
    (r as u32, f)
}

/// `a * b` rounded by `rm`, with the flags raised.
pub fn f32_mul(a: u32, b: u32, rm: Round) -> (u32, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f32_mul(a, b) {
            return r;
        }
    }
    let (r, f) = arith::mul::<F32>(u64::from(a), u64::from(b), rm);
    (r as u32, f)
}

/// `a / b` rounded by `rm`, with the flags raised.
pub fn f32_div(a: u32, b: u32, rm: Round) -> (u32, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f32_div(a, b) {
            return r;
        }
    }
    let (r, f) = arith::div::<F32>(u64::from(a), u64::from(b), rm);
    (r as u32, f)
}

/// Square root of `a`.
pub fn f32_sqrt(a: u32, rm: Round) -> (u32, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f32_sqrt(a) {
            return r;
        }
    }
    let (r, f) = arith::sqrt::<F32>(u64::from(a), rm);
    (r as u32, f)
}

/// [`f32_fma`] under round-to-nearest-even for a caller whose accrued
/// `fflags` already hold NX: the result, computed with the host's fused
/// multiply-add, where it is the same and raises no other flag (finite
/// operands, a normal result); `None` otherwise (then call [`f32_fma`]).
pub fn f32_fma_nx_raised(a: u32, b: u32, c: u32) -> Option<u32> {
    fast::f32_fma_nx_raised(a, b, c)
}

/// `a * b + c` with a single rounding (callers negate operands for fmsub/fnmsub/fnmadd).
pub fn f32_fma(a: u32, b: u32, c: u32, rm: Round) -> (u32, u8) {
    let (r, f) = arith::fma::<F32>(u64::from(a), u64::from(b), u64::from(c), rm);
    (r as u32, f)
}

/// `fmin`: minimumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f32_min(a: u32, b: u32) -> (u32, u8) {
    let (r, f) = compare::min_max::<F32>(u64::from(a), u64::from(b), false);
    (r as u32, f)
}

/// `fmax`: maximumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f32_max(a: u32, b: u32) -> (u32, u8) {
    let (r, f) = compare::min_max::<F32>(u64::from(a), u64::from(b), true);
    (r as u32, f)
}

/// `feq`: quiet comparison (NV only for signaling NaNs).
pub fn f32_eq(a: u32, b: u32) -> (bool, u8) {
    compare::eq::<F32>(u64::from(a), u64::from(b))
}

/// `flt`: signaling comparison (NV for any NaN).
pub fn f32_lt(a: u32, b: u32) -> (bool, u8) {
    compare::lt::<F32>(u64::from(a), u64::from(b))
}

/// `fle`: signaling comparison (NV for any NaN).
pub fn f32_le(a: u32, b: u32) -> (bool, u8) {
    compare::le::<F32>(u64::from(a), u64::from(b))
}

/// `fclass`: the 10-bit class mask.
pub fn f32_classify(a: u32) -> u64 {
    compare::classify::<F32>(u64::from(a))
}

/// Convert to `i32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_i32(a: u32, rm: Round) -> (i32, u8) {
    let (v, f) =
        convert::to_int::<F32>(u64::from(a), rm, i128::from(i32::MIN), i128::from(i32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i32, f)
}

/// Convert `i32` to f32, rounded by `rm`.
pub fn i32_to_f32(a: i32, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(a < 0, u64::from(a.unsigned_abs()), rm);
    (r as u32, f)
}

/// Convert to `u32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_u32(a: u32, rm: Round) -> (u32, u8) {
    let (v, f) = convert::to_int::<F32>(u64::from(a), rm, 0, i128::from(u32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u32, f)
}

/// Convert `u32` to f32, rounded by `rm`.
pub fn u32_to_f32(a: u32, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(false, u64::from(a), rm);
    (r as u32, f)
}

/// Convert to `i64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_i64(a: u32, rm: Round) -> (i64, u8) {
    let (v, f) =
        convert::to_int::<F32>(u64::from(a), rm, i128::from(i64::MIN), i128::from(i64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i64, f)
}

/// Convert `i64` to f32, rounded by `rm`.
pub fn i64_to_f32(a: i64, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(a < 0, a.unsigned_abs(), rm);
    (r as u32, f)
}

/// Convert to `u64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_u64(a: u32, rm: Round) -> (u64, u8) {
    let (v, f) = convert::to_int::<F32>(u64::from(a), rm, 0, i128::from(u64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u64, f)
}

/// Convert `u64` to f32, rounded by `rm`.
pub fn u64_to_f32(a: u64, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(false, a, rm);
    (r as u32, f)
}

/// `a + b` rounded by `rm`, with the flags raised.
pub fn f64_add(a: u64, b: u64, rm: Round) -> (u64, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f64_add(a, b) {
            return r;
        }
    }
    arith::add::<F64>(a, b, rm)
}

/// `a - b` rounded by `rm`, with the flags raised.
pub fn f64_sub(a: u64, b: u64, rm: Round) -> (u64, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f64_add(a, b ^ (1 << 63)) {
            return r;
        }
    }
    // Subtraction is addition of the negation; NaN signs do not matter
    // because NaN results are always canonical.
    arith::add::<F64>(a, b ^ soft::sign_bit::<F64>(), rm)
}

/// `a * b` rounded by `rm`, with the flags raised.
pub fn f64_mul(a: u64, b: u64, rm: Round) -> (u64, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f64_mul(a, b) {
            return r;
        }
    }
    arith::mul::<F64>(a, b, rm)
}

/// `a / b` rounded by `rm`, with the flags raised.
pub fn f64_div(a: u64, b: u64, rm: Round) -> (u64, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f64_div(a, b) {
            return r;
        }
    }
    arith::div::<F64>(a, b, rm)
}

/// Square root of `a`.
pub fn f64_sqrt(a: u64, rm: Round) -> (u64, u8) {
    if rm == Round::NearestEven {
        if let Some(r) = fast::f64_sqrt(a) {
            return r;
        }
    }
    arith::sqrt::<F64>(a, rm)
}

/// [`f32_fma_nx_raised`] for binary64.
pub fn f64_fma_nx_raised(a: u64, b: u64, c: u64) -> Option<u64> {
    fast::f64_fma_nx_raised(a, b, c)
}

/// `a * b + c` with a single rounding (callers negate operands for fmsub/fnmsub/fnmadd).
pub fn f64_fma(a: u64, b: u64, c: u64, rm: Round) -> (u64, u8) {
    arith::fma::<F64>(a, b, c, rm)
}

/// `fmin`: minimumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f64_min(a: u64, b: u64) -> (u64, u8) {
    compare::min_max::<F64>(a, b, false)
}

/// `fmax`: maximumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f64_max(a: u64, b: u64) -> (u64, u8) {
    compare::min_max::<F64>(a, b, true)
}

/// `feq`: quiet comparison (NV only for signaling NaNs).
pub fn f64_eq(a: u64, b: u64) -> (bool, u8) {
    compare::eq::<F64>(a, b)
}

/// `flt`: signaling comparison (NV for any NaN).
pub fn f64_lt(a: u64, b: u64) -> (bool, u8) {
    compare::lt::<F64>(a, b)
}

/// `fle`: signaling comparison (NV for any NaN).
pub fn f64_le(a: u64, b: u64) -> (bool, u8) {
    compare::le::<F64>(a, b)
}

/// `fclass`: the 10-bit class mask.
pub fn f64_classify(a: u64) -> u64 {
    compare::classify::<F64>(a)
}

/// Convert to `i32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_i32(a: u64, rm: Round) -> (i32, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, i128::from(i32::MIN), i128::from(i32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i32, f)
}

/// Convert `i32` to f64, rounded by `rm`.
pub fn i32_to_f64(a: i32, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(a < 0, u64::from(a.unsigned_abs()), rm)
}

/// Convert to `u32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_u32(a: u64, rm: Round) -> (u32, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, 0, i128::from(u32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u32, f)
}

/// Convert `u32` to f64, rounded by `rm`.
pub fn u32_to_f64(a: u32, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(false, u64::from(a), rm)
}

/// Convert to `i64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_i64(a: u64, rm: Round) -> (i64, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, i128::from(i64::MIN), i128::from(i64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i64, f)
}

/// Convert `i64` to f64, rounded by `rm`.
pub fn i64_to_f64(a: i64, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(a < 0, a.unsigned_abs(), rm)
}

/// Convert to `u64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_u64(a: u64, rm: Round) -> (u64, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, 0, i128::from(u64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u64, f)
}

/// Convert `u64` to f64, rounded by `rm`.
pub fn u64_to_f64(a: u64, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(false, a, rm)
}

/// Widen binary32 to binary64 (exact; signaling NaN gives NV and the canonical NaN).
pub fn f32_to_f64(a: u32) -> (u64, u8) {
    // Widening is exact, so the rounding mode is irrelevant.
    convert::float_to_float::<F32, F64>(u64::from(a), Round::NearestEven)
}

/// Narrow binary64 to binary32, rounded by `rm`.
pub fn f64_to_f32(a: u64, rm: Round) -> (u32, u8) {
    let (r, f) = convert::float_to_float::<F64, F32>(a, rm);
    (r as u32, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_S: u32 = 0x3f80_0000;
    const NEG_ONE_S: u32 = 0xbf80_0000;
    const INF_S: u32 = 0x7f80_0000;
    const NEG_INF_S: u32 = 0xff80_0000;
    const MAX_S: u32 = 0x7f7f_ffff;
    const MIN_NORMAL_S: u32 = 0x0080_0000;
    const MAX_SUB_S: u32 = 0x007f_ffff;
    const MIN_SUB_S: u32 = 0x0000_0001;
    const SNAN_S: u32 = 0x7f80_0001;
    const QNAN_S: u32 = 0x7fc1_2345;
    const NEG_ZERO_S: u32 = 0x8000_0000;
    const HALF_S: u32 = 0x3f00_0000;

    const ONE_D: u64 = 0x3ff0_0000_0000_0000;
    const INF_D: u64 = 0x7ff0_0000_0000_0000;
    const MAX_D: u64 = 0x7fef_ffff_ffff_ffff;
    const SNAN_D: u64 = 0x7ff0_0000_0000_0001;
    const QNAN_D: u64 = 0xfff8_0000_0000_1234;

    // --- signed zeros ---

    #[test]
    fn f32_add_opposite_values_is_positive_zero() {
        assert_eq!(f32_add(ONE_S, NEG_ONE_S, Round::NearestEven), (0, 0));
    }

    #[test]
    fn f32_add_opposite_values_round_down_is_negative_zero() {
        assert_eq!(f32_add(ONE_S, NEG_ONE_S, Round::Down), (NEG_ZERO_S, 0));
    }

    #[test]
    fn f32_add_negative_zeros_is_negative_zero() {
        assert_eq!(f32_add(NEG_ZERO_S, NEG_ZERO_S, Round::Up), (NEG_ZERO_S, 0));
    }

    #[test]
    fn f32_sub_zero_minus_zero_is_positive_zero() {
        assert_eq!(f32_sub(0, 0, Round::NearestEven), (0, 0));
    }

    #[test]
    fn f64_mul_negative_by_zero_is_negative_zero() {
        assert_eq!(
            f64_mul(0xbff0_0000_0000_0000, 0, Round::NearestEven),
            (1 << 63, 0)
        );
    }

    #[test]
    fn f32_sqrt_negative_zero_is_negative_zero() {
        assert_eq!(f32_sqrt(NEG_ZERO_S, Round::NearestEven), (NEG_ZERO_S, 0));
    }

    // --- subnormals and underflow ---

    #[test]
    fn f32_add_max_subnormal_plus_min_subnormal_is_min_normal() {
        assert_eq!(
            f32_add(MAX_SUB_S, MIN_SUB_S, Round::NearestEven),
            (MIN_NORMAL_S, 0)
        );
    }

    #[test]
    fn f32_mul_min_subnormal_by_half_ties_to_even_zero() {
        assert_eq!(f32_mul(MIN_SUB_S, HALF_S, Round::NearestEven), (0, UF | NX));
    }

    #[test]
    fn f32_mul_min_subnormal_by_half_max_mag_stays_min_subnormal() {
        assert_eq!(
            f32_mul(MIN_SUB_S, HALF_S, Round::NearestMaxMag),
            (MIN_SUB_S, UF | NX)
        );
    }

    #[test]
    fn f32_mul_min_subnormal_by_half_up_stays_min_subnormal() {
        assert_eq!(f32_mul(MIN_SUB_S, HALF_S, Round::Up), (MIN_SUB_S, UF | NX));
    }

    #[test]
    fn f32_mul_exact_subnormal_result_raises_nothing() {
        // 2^-126 * 0.5 = 2^-127 is an exact subnormal: tiny but exact, no UF.
        assert_eq!(
            f32_mul(MIN_NORMAL_S, HALF_S, Round::NearestEven),
            (0x0040_0000, 0)
        );
    }

    #[test]
    fn f32_mul_rounding_up_to_min_normal_is_not_tiny() {
        // 0x807fffff * (1 + 2^-23) is just below -2^-126 and rounds to it at
        // full precision: not tiny after rounding, so NX without UF.
        assert_eq!(
            f32_mul(0x807f_ffff, 0x3f80_0001, Round::NearestEven),
            (0x8080_0000, NX)
        );
    }

    #[test]
    fn f32_div_min_normal_by_two_minus_ulp_underflows() {
        // 2^-126 / (2 - 2^-23) is inexact and tiny.
        assert_eq!(
            f32_div(MIN_NORMAL_S, 0x3fff_ffff, Round::NearestEven),
            (0x0040_0000, UF | NX)
        );
    }

    #[test]
    fn f64_to_f32_below_min_normal_rounds_to_min_normal_without_uf() {
        // 2^-126 - 2^-151: a tie at full precision, rounds up to 2^-126.
        assert_eq!(
            f64_to_f32(0x380f_ffff_f000_0000, Round::NearestEven),
            (MIN_NORMAL_S, NX)
        );
    }

    // --- ties in each rounding mode (1 + 2^-24 is exactly halfway) ---

    const ULP_HALF_S: u32 = 0x3380_0000; // 2^-24
    const ONE_PLUS_ULP_S: u32 = 0x3f80_0001;

    #[test]
    fn f32_add_tie_nearest_even_rounds_to_even() {
        assert_eq!(f32_add(ONE_S, ULP_HALF_S, Round::NearestEven), (ONE_S, NX));
    }

    #[test]
    fn f32_add_tie_max_mag_rounds_away() {
        assert_eq!(
            f32_add(ONE_S, ULP_HALF_S, Round::NearestMaxMag),
            (ONE_PLUS_ULP_S, NX)
        );
    }

    #[test]
    fn f32_add_tie_toward_zero_truncates() {
        assert_eq!(f32_add(ONE_S, ULP_HALF_S, Round::TowardZero), (ONE_S, NX));
    }

    #[test]
    fn f32_add_tie_down_truncates_positive() {
        assert_eq!(f32_add(ONE_S, ULP_HALF_S, Round::Down), (ONE_S, NX));
    }

    #[test]
    fn f32_add_tie_up_rounds_up_positive() {
        assert_eq!(f32_add(ONE_S, ULP_HALF_S, Round::Up), (ONE_PLUS_ULP_S, NX));
    }

    #[test]
    fn f32_add_odd_tie_nearest_even_rounds_up() {
        // (1 + 2^-23) + 2^-24 ties between an odd and an even neighbour.
        assert_eq!(
            f32_add(ONE_PLUS_ULP_S, ULP_HALF_S, Round::NearestEven),
            (0x3f80_0002, NX)
        );
    }

    // --- overflow by rounding mode ---

    #[test]
    fn f32_mul_overflow_nearest_is_inf() {
        assert_eq!(
            f32_mul(MAX_S, 0x4000_0000, Round::NearestEven),
            (INF_S, OF | NX)
        );
    }

    #[test]
    fn f32_mul_overflow_toward_zero_is_max() {
        assert_eq!(
            f32_mul(MAX_S, 0x4000_0000, Round::TowardZero),
            (MAX_S, OF | NX)
        );
    }

    #[test]
    fn f32_mul_negative_overflow_up_is_negative_max() {
        assert_eq!(
            f32_mul(MAX_S, 0xc000_0000, Round::Up),
            (0xff7f_ffff, OF | NX)
        );
    }

    #[test]
    fn f32_mul_negative_overflow_down_is_negative_inf() {
        assert_eq!(
            f32_mul(MAX_S, 0xc000_0000, Round::Down),
            (NEG_INF_S, OF | NX)
        );
    }

    #[test]
    fn f64_add_max_plus_half_ulp_nearest_even_overflows() {
        // MAX + 2^970 (half an ulp of MAX) ties to the even neighbour 2^1024.
        assert_eq!(
            f64_add(MAX_D, 0x7c90_0000_0000_0000, Round::NearestEven),
            (INF_D, OF | NX)
        );
    }

    #[test]
    fn f64_add_max_plus_small_stays_max_without_overflow() {
        assert_eq!(f64_add(MAX_D, ONE_D, Round::NearestEven), (MAX_D, NX));
    }

    // --- NaNs and invalid operations ---

    #[test]
    fn f32_add_quiet_nan_gives_canonical_nan_quietly() {
        assert_eq!(
            f32_add(QNAN_S, ONE_S, Round::NearestEven),
            (F32_CANONICAL_NAN, 0)
        );
    }

    #[test]
    fn f32_add_signaling_nan_raises_nv() {
        assert_eq!(
            f32_add(ONE_S, SNAN_S, Round::NearestEven),
            (F32_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f32_add_inf_minus_inf_is_invalid() {
        assert_eq!(
            f32_add(INF_S, NEG_INF_S, Round::NearestEven),
            (F32_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f32_mul_zero_by_inf_is_invalid() {
        assert_eq!(
            f32_mul(0, INF_S, Round::NearestEven),
            (F32_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f64_div_zero_by_zero_is_invalid() {
        assert_eq!(
            f64_div(0, 1 << 63, Round::NearestEven),
            (F64_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f64_div_inf_by_inf_is_invalid() {
        assert_eq!(
            f64_div(INF_D, INF_D, Round::NearestEven),
            (F64_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f64_div_one_by_negative_zero_is_negative_inf_dz() {
        assert_eq!(
            f64_div(ONE_D, 1 << 63, Round::NearestEven),
            (INF_D | 1 << 63, DZ)
        );
    }

    #[test]
    fn f64_sqrt_negative_is_invalid() {
        assert_eq!(
            f64_sqrt(0xbff0_0000_0000_0000, Round::NearestEven),
            (F64_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f64_sqrt_quiet_nan_is_quiet() {
        assert_eq!(f64_sqrt(QNAN_D, Round::NearestEven), (F64_CANONICAL_NAN, 0));
    }

    #[test]
    fn f32_fma_zero_times_inf_plus_quiet_nan_is_invalid() {
        assert_eq!(
            f32_fma(0, INF_S, QNAN_S, Round::NearestEven),
            (F32_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f32_fma_inf_product_minus_inf_is_invalid() {
        assert_eq!(
            f32_fma(INF_S, ONE_S, NEG_INF_S, Round::NearestEven),
            (F32_CANONICAL_NAN, NV)
        );
    }

    #[test]
    fn f64_fma_single_rounding_keeps_low_product_bits() {
        // (1 + 2^-52)^2 - (1 + 2^-51) = 2^-104 exactly: a separate multiply
        // would have rounded that term away.
        let x = 0x3ff0_0000_0000_0001;
        assert_eq!(
            f64_fma(x, x, 0xbff0_0000_0000_0002, Round::NearestEven),
            (0x3970_0000_0000_0000, 0)
        );
    }

    // --- fmin / fmax ---

    #[test]
    fn f32_min_of_zeros_is_negative_zero() {
        assert_eq!(f32_min(0, NEG_ZERO_S), (NEG_ZERO_S, 0));
    }

    #[test]
    fn f32_max_of_zeros_is_positive_zero() {
        assert_eq!(f32_max(NEG_ZERO_S, 0), (0, 0));
    }

    #[test]
    fn f64_max_quiet_nan_and_number_is_number() {
        assert_eq!(f64_max(QNAN_D, ONE_D), (ONE_D, 0));
    }

    #[test]
    fn f64_min_signaling_nan_and_number_is_number_with_nv() {
        assert_eq!(f64_min(ONE_D, SNAN_D), (ONE_D, NV));
    }

    #[test]
    fn f64_min_two_nans_is_canonical_nan() {
        assert_eq!(f64_min(QNAN_D, SNAN_D), (F64_CANONICAL_NAN, NV));
    }

    // --- comparisons and classify ---

    #[test]
    fn f64_eq_quiet_nan_raises_nothing() {
        assert_eq!(f64_eq(QNAN_D, QNAN_D), (false, 0));
    }

    #[test]
    fn f64_le_quiet_nan_raises_nv() {
        assert_eq!(f64_le(QNAN_D, ONE_D), (false, NV));
    }

    #[test]
    fn f64_classify_signaling_nan_is_bit_8() {
        assert_eq!(f64_classify(SNAN_D), 1 << 8);
    }

    // --- float to integer ---

    #[test]
    fn f32_to_i32_two_pow_31_saturates_with_nv() {
        assert_eq!(f32_to_i32(0x4f00_0000, Round::NearestEven), (i32::MAX, NV));
    }

    #[test]
    fn f32_to_i32_minus_two_pow_31_is_exact() {
        assert_eq!(f32_to_i32(0xcf00_0000, Round::NearestEven), (i32::MIN, 0));
    }

    #[test]
    fn f64_to_i32_max_is_exact() {
        // 2147483647.0
        assert_eq!(
            f64_to_i32(0x41df_ffff_ffc0_0000, Round::NearestEven),
            (i32::MAX, 0)
        );
    }

    #[test]
    fn f64_to_i32_max_plus_half_rounds_out_of_range() {
        // 2147483647.5 rounds to 2^31 in RNE: invalid, saturated.
        assert_eq!(
            f64_to_i32(0x41df_ffff_ffe0_0000, Round::NearestEven),
            (i32::MAX, NV)
        );
    }

    #[test]
    fn f64_to_i32_max_plus_half_toward_zero_is_max_inexact() {
        assert_eq!(
            f64_to_i32(0x41df_ffff_ffe0_0000, Round::TowardZero),
            (i32::MAX, NX)
        );
    }

    #[test]
    fn f64_to_i64_two_pow_63_saturates() {
        assert_eq!(
            f64_to_i64(0x43e0_0000_0000_0000, Round::NearestEven),
            (i64::MAX, NV)
        );
    }

    #[test]
    fn f64_to_u64_two_pow_63_is_exact() {
        assert_eq!(
            f64_to_u64(0x43e0_0000_0000_0000, Round::NearestEven),
            (1 << 63, 0)
        );
    }

    #[test]
    fn f64_to_u64_two_pow_64_saturates() {
        assert_eq!(
            f64_to_u64(0x43f0_0000_0000_0000, Round::NearestEven),
            (u64::MAX, NV)
        );
    }

    #[test]
    fn f32_to_u32_minus_half_nearest_is_zero_inexact() {
        assert_eq!(f32_to_u32(0xbf00_0000, Round::NearestEven), (0, NX));
    }

    #[test]
    fn f32_to_u32_minus_half_down_is_invalid() {
        // -0.5 rounds to -1 when rounding down: out of range.
        assert_eq!(f32_to_u32(0xbf00_0000, Round::Down), (0, NV));
    }

    #[test]
    fn f32_to_u32_minus_one_is_invalid() {
        assert_eq!(f32_to_u32(NEG_ONE_S, Round::TowardZero), (0, NV));
    }

    #[test]
    fn f32_to_u64_nan_is_max() {
        assert_eq!(f32_to_u64(QNAN_S, Round::NearestEven), (u64::MAX, NV));
    }

    #[test]
    fn f32_to_i64_negative_inf_is_min() {
        assert_eq!(f32_to_i64(NEG_INF_S, Round::NearestEven), (i64::MIN, NV));
    }

    #[test]
    fn f32_to_i32_negative_zero_is_zero_exact() {
        assert_eq!(f32_to_i32(NEG_ZERO_S, Round::Down), (0, 0));
    }

    // --- integer to float ---

    #[test]
    fn i32_to_f32_max_rounds_to_two_pow_31() {
        assert_eq!(i32_to_f32(i32::MAX, Round::NearestEven), (0x4f00_0000, NX));
    }

    #[test]
    fn i64_to_f64_min_is_exact() {
        assert_eq!(
            i64_to_f64(i64::MIN, Round::NearestEven),
            (0xc3e0_0000_0000_0000, 0)
        );
    }

    #[test]
    fn u64_to_f64_max_toward_zero_is_below_two_pow_64() {
        assert_eq!(
            u64_to_f64(u64::MAX, Round::TowardZero),
            (0x43ef_ffff_ffff_ffff, NX)
        );
    }

    #[test]
    fn u32_to_f64_max_is_exact() {
        assert_eq!(
            u32_to_f64(u32::MAX, Round::NearestEven),
            (0x41ef_ffff_ffe0_0000, 0)
        );
    }

    #[test]
    fn i32_to_f32_zero_is_positive_zero() {
        assert_eq!(i32_to_f32(0, Round::Down), (0, 0));
    }

    // --- between formats ---

    #[test]
    fn f32_to_f64_min_subnormal_is_exact_normal() {
        assert_eq!(f32_to_f64(MIN_SUB_S), (0x36a0_0000_0000_0000, 0));
    }

    #[test]
    fn f32_to_f64_signaling_nan_is_canonical_with_nv() {
        assert_eq!(f32_to_f64(SNAN_S), (F64_CANONICAL_NAN, NV));
    }

    #[test]
    fn f64_to_f32_quiet_nan_is_canonical_quietly() {
        assert_eq!(
            f64_to_f32(QNAN_D, Round::NearestEven),
            (F32_CANONICAL_NAN, 0)
        );
    }

    #[test]
    fn f64_to_f32_max_overflows_by_mode() {
        assert_eq!(f64_to_f32(MAX_D, Round::NearestEven), (INF_S, OF | NX));
        assert_eq!(f64_to_f32(MAX_D, Round::TowardZero), (MAX_S, OF | NX));
    }
}
