//! Conversions: float to integer (saturating, RISC-V F "Floating-Point
//! Conversion and Move Instructions"), integer to float, and between the two
//! float formats.

use crate::soft::{round_pack, unpack, zero, Format, Kind};
use crate::{Round, NV, NX};

/// Rounds a float to an integer and checks it against `[min, max]`.
///
/// Out-of-range results saturate with NV alone (no NX): NaN and too-large
/// values give `max`, too-small values give `min`. A negative value that
/// rounds to zero is in range even for unsigned targets (NX only).
pub(crate) fn to_int<F: Format>(a: u64, rm: Round, min: i128, max: i128) -> (i128, u8) {
    let ua = unpack::<F>(a);
    let (exp, mant) = match ua.kind {
        Kind::Nan { .. } => return (max, NV),
        Kind::Inf => return (if ua.sign { min } else { max }, NV),
        Kind::Zero => return (0, 0),
        Kind::Finite { exp, mant } => (exp, mant),
    };
    let mant = u128::from(mant);
    let (magnitude, inexact) = if exp >= 0 {
        // Any mantissa times 2^64 is already beyond every target range;
        // clamping the shift keeps the product inside an i128.
        (mant << exp.min(64), false)
    } else {
        // Shifts beyond the mantissa width all truncate to 0 with the whole
        // mantissa below half an ulp, so clamping keeps the result.
        let shift = exp.unsigned_abs().min(100);
        let int = mant >> shift;
        let rem = mant & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        let up = rem != 0
            && match rm {
                Round::NearestEven => rem > half || (rem == half && int & 1 != 0),
                Round::NearestMaxMag => rem >= half,
                Round::TowardZero => false,
                Round::Down => ua.sign,
                Round::Up => !ua.sign,
            };
        (int + u128::from(up), rem != 0)
    };
    // magnitude < 2^117, so it fits an i128 either way.
    let value = if ua.sign {
        -(magnitude as i128)
    } else {
        magnitude as i128
    };
    if value < min {
        (min, NV)
    } else if value > max {
        (max, NV)
    } else {
        (value, if inexact { NX } else { 0 })
    }
}

/// Converts `(-1)^sign * magnitude` to format `F`.
pub(crate) fn from_int<F: Format>(sign: bool, magnitude: u64, rm: Round) -> (u64, u8) {
    if magnitude == 0 {
        return (0, 0);
    }
    round_pack::<F>(sign, 0, magnitude, rm)
}

/// Converts between formats (widening is always exact). A signaling NaN
/// raises NV; every NaN becomes the destination's canonical NaN.
pub(crate) fn float_to_float<S: Format, D: Format>(a: u64, rm: Round) -> (u64, u8) {
    let ua = unpack::<S>(a);
    match ua.kind {
        Kind::Nan { signaling } => (D::CANONICAL_NAN, if signaling { NV } else { 0 }),
        Kind::Inf => (zero::<D>(ua.sign) | D::INF, 0),
        Kind::Zero => (zero::<D>(ua.sign), 0),
        Kind::Finite { exp, mant } => round_pack::<D>(ua.sign, exp, mant, rm),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soft::{F32, F64};

    const I32: (i128, i128) = (i32::MIN as i128, i32::MAX as i128);
    const U32: (i128, i128) = (0, u32::MAX as i128);

    #[test]
    fn to_int_half_ties_to_even() {
        // 2.5 -> 2, 3.5 -> 4 in RNE.
        assert_eq!(
            to_int::<F32>(0x4020_0000, Round::NearestEven, I32.0, I32.1),
            (2, NX)
        );
        assert_eq!(
            to_int::<F32>(0x4060_0000, Round::NearestEven, I32.0, I32.1),
            (4, NX)
        );
    }

    #[test]
    fn to_int_negative_fraction_to_unsigned_is_zero_inexact() {
        // -0.3 with RTZ: 0, NX only.
        assert_eq!(
            to_int::<F32>(0xbe99_999a, Round::TowardZero, U32.0, U32.1),
            (0, NX)
        );
    }

    #[test]
    fn to_int_minus_one_to_unsigned_is_invalid() {
        assert_eq!(
            to_int::<F32>(0xbf80_0000, Round::TowardZero, U32.0, U32.1),
            (0, NV)
        );
    }

    #[test]
    fn to_int_huge_exponent_saturates() {
        assert_eq!(
            to_int::<F64>(0x7fef_ffff_ffff_ffff, Round::NearestEven, I32.0, I32.1),
            (I32.1, NV)
        );
    }

    #[test]
    fn from_int_large_u64_rounds() {
        // u64::MAX rounds up to 2^64 in RNE.
        assert_eq!(
            from_int::<F32>(false, u64::MAX, Round::NearestEven),
            (0x5f80_0000, NX)
        );
        assert_eq!(
            from_int::<F32>(false, u64::MAX, Round::TowardZero),
            (0x5f7f_ffff, NX)
        );
    }

    #[test]
    fn float_to_float_narrowing_subnormal_underflows() {
        // 2^-140 as binary64 is exactly representable as a binary32 subnormal.
        assert_eq!(
            float_to_float::<F64, F32>(0x3730_0000_0000_0000, Round::NearestEven),
            (0x0000_0200, 0)
        );
    }

    #[test]
    fn float_to_float_signaling_nan_is_invalid() {
        assert_eq!(
            float_to_float::<F32, F64>(0x7f80_0001, Round::NearestEven),
            (0x7ff8_0000_0000_0000, NV)
        );
    }
}
