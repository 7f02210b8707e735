//! The soft-float core shared by every operation: format descriptions,
//! unpacking a bit pattern into its class and exact value, and the single
//! rounding routine (`round_pack`) that turns an exact-or-sticky significand
//! into a bit pattern plus flags for any rounding mode.
//!
//! Every operation computes its result exactly, or exactly up to a "sticky"
//! (jammed) least significant bit that records that nonzero bits were shifted
//! out, and then calls `round_pack` once. Keeping all rounding, overflow,
//! underflow and subnormal handling in one place is what makes the five
//! rounding modes agree across operations.

use crate::{Round, NX, OF, UF};

/// An IEEE 754 binary interchange format, with bit patterns held in a `u64`.
pub(crate) trait Format {
    /// Stored fraction bits (the significand precision minus the hidden bit).
    const FRAC_BITS: u32;
    /// Exponent field width.
    const EXP_BITS: u32;
    /// Exponent bias.
    const BIAS: i32 = (1 << (Self::EXP_BITS - 1)) - 1;
    /// The all-ones exponent field (infinity and NaN).
    const EXP_MAX_FIELD: u64 = (1 << Self::EXP_BITS) - 1;
    /// The sign bit.
    const SIGN: u64 = 1 << (Self::FRAC_BITS + Self::EXP_BITS);
    /// The fraction field mask.
    const FRAC_MASK: u64 = (1 << Self::FRAC_BITS) - 1;
    /// Positive infinity.
    const INF: u64 = Self::EXP_MAX_FIELD << Self::FRAC_BITS;
    /// The most significant fraction bit: set for quiet NaNs.
    const QUIET_BIT: u64 = 1 << (Self::FRAC_BITS - 1);
    /// The RISC-V canonical NaN: positive, quiet, zero payload.
    const CANONICAL_NAN: u64 = Self::INF | Self::QUIET_BIT;
    /// The largest finite magnitude.
    const MAX_FINITE: u64 = Self::INF - 1;
}

/// binary32.
pub(crate) struct F32;
/// binary64.
pub(crate) struct F64;

impl Format for F32 {
    const FRAC_BITS: u32 = 23;
    const EXP_BITS: u32 = 8;
}

impl Format for F64 {
    const FRAC_BITS: u32 = 52;
    const EXP_BITS: u32 = 11;
}

/// What a bit pattern denotes, apart from its sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// ±0.
    Zero,
    /// A nonzero finite value `mant * 2^exp` (subnormals are not normalized).
    Finite {
        /// Power of two scaling `mant`.
        exp: i32,
        /// Integer significand, hidden bit included for normals.
        mant: u64,
    },
    /// ±∞.
    Inf,
    /// A NaN.
    Nan {
        /// True for signaling NaNs (quiet bit clear).
        signaling: bool,
    },
}

/// A decoded operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unpacked {
    /// The sign bit.
    pub sign: bool,
    /// The class and, for finite nonzero values, the exact value.
    pub kind: Kind,
}

/// Decodes a bit pattern of format `F`.
#[inline]
pub(crate) fn unpack<F: Format>(bits: u64) -> Unpacked {
    let sign = bits & F::SIGN != 0;
    let field = (bits >> F::FRAC_BITS) & F::EXP_MAX_FIELD;
    let frac = bits & F::FRAC_MASK;
    let kind = if field == F::EXP_MAX_FIELD {
        if frac == 0 {
            Kind::Inf
        } else {
            Kind::Nan {
                signaling: frac & F::QUIET_BIT == 0,
            }
        }
    } else if field == 0 {
        if frac == 0 {
            Kind::Zero
        } else {
            // Subnormals share the exponent of the smallest normal.
            Kind::Finite {
                exp: 1 - F::BIAS - F::FRAC_BITS as i32,
                mant: frac,
            }
        }
    } else {
        Kind::Finite {
            exp: field as i32 - F::BIAS - F::FRAC_BITS as i32,
            mant: frac | (1 << F::FRAC_BITS),
        }
    };
    Unpacked { sign, kind }
}

/// True if `bits` is a NaN of format `F`.
#[inline]
pub(crate) fn is_nan<F: Format>(bits: u64) -> bool {
    bits & !F::SIGN > F::INF
}

/// True if `bits` is a signaling NaN of format `F`.
#[inline]
pub(crate) fn is_snan<F: Format>(bits: u64) -> bool {
    is_nan::<F>(bits) && bits & F::QUIET_BIT == 0
}

/// If any operand is a NaN, the RISC-V result: the canonical NaN, with NV
/// when any operand is signaling (RISC-V never propagates payloads).
#[inline]
pub(crate) fn nan_result<F: Format>(ops: &[Unpacked]) -> Option<(u64, u8)> {
    let mut any_nan = false;
    let mut flags = 0;
    for op in ops {
        if let Kind::Nan { signaling } = op.kind {
            any_nan = true;
            if signaling {
                flags = crate::NV;
            }
        }
    }
    any_nan.then_some((F::CANONICAL_NAN, flags))
}

/// The sign bit of format `F`, for callers outside this module.
#[inline]
pub(crate) fn sign_bit<F: Format>() -> u64 {
    F::SIGN
}

/// Signed zero of format `F`.
#[inline]
pub(crate) fn zero<F: Format>(sign: bool) -> u64 {
    if sign {
        F::SIGN
    } else {
        0
    }
}

/// Signed infinity of format `F`.
#[inline]
pub(crate) fn inf<F: Format>(sign: bool) -> u64 {
    zero::<F>(sign) | F::INF
}

/// Shifts right by `n`, OR-ing every bit shifted out into bit 0 (sticky).
#[inline]
pub(crate) fn shr_jam64(x: u64, n: u32) -> u64 {
    if n == 0 {
        x
    } else if n < 64 {
        (x >> n) | u64::from(x << (64 - n) != 0)
    } else {
        u64::from(x != 0)
    }
}

/// Shifts right by `n`, OR-ing every bit shifted out into bit 0 (sticky).
#[inline]
pub(crate) fn shr_jam128(x: u128, n: u32) -> u128 {
    if n == 0 {
        x
    } else if n < 128 {
        (x >> n) | u128::from(x << (128 - n) != 0)
    } else {
        u128::from(x != 0)
    }
}

/// Whether rounding away from the truncated value is required, given the
/// discarded bits `rem` (nonzero), the value of half an ulp in the same
/// units, and the parity of the truncated significand.
#[inline]
fn round_up(sign: bool, odd: bool, rem: u64, half: u64, rm: Round) -> bool {
    match rm {
        Round::NearestEven => rem > half || (rem == half && odd),
        Round::NearestMaxMag => rem >= half,
        Round::TowardZero => false,
        Round::Down => sign,
        Round::Up => !sign,
    }
}

/// The result of an overflow: ∞ or the largest finite value depending on
/// whether the rounding mode rounds away from zero for this sign
/// (IEEE 754-2019 §7.4).
fn overflow<F: Format>(sign: bool, rm: Round) -> (u64, u8) {
    let to_inf = match rm {
        Round::NearestEven | Round::NearestMaxMag => true,
        Round::TowardZero => false,
        Round::Down => sign,
        Round::Up => !sign,
    };
    let mag = if to_inf { F::INF } else { F::MAX_FINITE };
    (zero::<F>(sign) | mag, OF | NX)
}

/// Rounds `(-1)^sign * sig * 2^exp` to format `F`. `sig` may carry a sticky
/// bit in bit 0 (see `shr_jam64`) as long as it has at least two bits below
/// the rounding position, which holds whenever `sig` has 2 more significant
/// bits than the format's precision.
///
/// Underflow follows RISC-V: tininess is detected after rounding, and UF is
/// raised only when the result is both tiny and inexact.
pub(crate) fn round_pack<F: Format>(sign: bool, exp: i32, sig: u64, rm: Round) -> (u64, u8) {
    if sig == 0 {
        return (zero::<F>(sign), 0);
    }
    // Put the leading one at bit 62 so a rounding carry has room in bit 63.
    let lz = sig.leading_zeros();
    let (sig, exp) = if lz == 0 {
        (shr_jam64(sig, 1), exp + 1)
    } else {
        (sig << (lz - 1), exp - (lz as i32 - 1))
    };
    // Biased exponent of the leading one; callers keep `exp` within a few
    // thousand of zero, so this cannot overflow an i32.
    let biased = exp + 62 + F::BIAS;
    if biased >= F::EXP_MAX_FIELD as i32 {
        return overflow::<F>(sign, rm);
    }
    let round_bits = 62 - F::FRAC_BITS;
    let round_mask = (1u64 << round_bits) - 1;
    let half = 1u64 << (round_bits - 1);
    let mut flags = 0;
    let (sig, biased) = if biased <= 0 {
        // Tiny after rounding means: rounded to full precision with an
        // unbounded exponent, the magnitude is still below 2^emin. Only a
        // value just below 2^emin (biased == 0) can round up out of it.
        let tiny = biased < 0 || {
            let rem = sig & round_mask;
            let m = sig >> round_bits;
            let up = rem != 0 && round_up(sign, m & 1 != 0, rem, half, rm);
            m + u64::from(up) < (2 << F::FRAC_BITS)
        };
        // Denormalize: the subnormal exponent is that of biased field 1,
        // without a hidden bit.
        let shifted = shr_jam64(sig, (1 - biased).unsigned_abs());
        if tiny && shifted & round_mask != 0 {
            flags |= UF;
        }
        (shifted, 1)
    } else {
        (sig, biased)
    };
    let rem = sig & round_mask;
    let mut m = sig >> round_bits;
    if rem != 0 {
        flags |= NX;
        if round_up(sign, m & 1 != 0, rem, half, rm) {
            m += 1;
        }
    }
    // Adding the hidden bit (or a carry out of a subnormal) to the exponent
    // field is exactly how the encoding moves to the next binade.
    let packed = ((biased as u64 - 1) << F::FRAC_BITS) + m;
    if packed >= F::INF {
        return overflow::<F>(sign, rm);
    }
    (zero::<F>(sign) | packed, flags)
}

/// `round_pack` for a 128-bit significand: jams it down to 64 bits first,
/// which keeps far more than the two extra bits rounding needs.
pub(crate) fn round_pack_wide<F: Format>(sign: bool, exp: i32, sig: u128, rm: Round) -> (u64, u8) {
    let len = 128 - sig.leading_zeros();
    if len <= 64 {
        round_pack::<F>(sign, exp, sig as u64, rm)
    } else {
        let shift = len - 64;
        round_pack::<F>(sign, exp + shift as i32, shr_jam128(sig, shift) as u64, rm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shr_jam64_lost_bits_set_sticky() {
        assert_eq!(shr_jam64(0b1001, 3), 0b1);
        assert_eq!(shr_jam64(0b1000, 3), 0b1);
        assert_eq!(shr_jam64(0b10001, 3), 0b11);
        assert_eq!(shr_jam64(5, 64), 1);
        assert_eq!(shr_jam64(0, 200), 0);
    }

    #[test]
    fn shr_jam128_huge_shift_keeps_sticky() {
        assert_eq!(shr_jam128(1, 1000), 1);
        assert_eq!(shr_jam128(1 << 100, 100), 1);
    }

    #[test]
    fn unpack_subnormal_has_min_exponent() {
        assert_eq!(
            unpack::<F32>(1),
            Unpacked {
                sign: false,
                kind: Kind::Finite { exp: -149, mant: 1 }
            }
        );
    }

    #[test]
    fn unpack_one_has_hidden_bit() {
        assert_eq!(
            unpack::<F64>(0x3ff0_0000_0000_0000),
            Unpacked {
                sign: false,
                kind: Kind::Finite {
                    exp: -52,
                    mant: 1 << 52
                }
            }
        );
    }

    #[test]
    fn round_pack_exact_integer_is_exact() {
        assert_eq!(
            round_pack::<F32>(false, 0, 3, Round::NearestEven),
            (0x4040_0000, 0)
        );
    }

    #[test]
    fn round_pack_below_min_subnormal_half_rounds_to_zero_with_uf() {
        // 2^-150 is exactly half the smallest subnormal: ties-to-even gives 0.
        assert_eq!(
            round_pack::<F32>(false, -150, 1, Round::NearestEven),
            (0, UF | NX)
        );
        assert_eq!(
            round_pack::<F32>(false, -150, 1, Round::NearestMaxMag),
            (1, UF | NX)
        );
    }

    #[test]
    fn round_pack_rounding_up_to_min_normal_is_not_tiny() {
        // (2^24 - 1) * 2^-150 * 2 = just below 2^-126 with 25 bits: rounds up
        // to 2^-126 at unbounded precision, so no UF (tininess after rounding).
        let sig = (1u64 << 25) - 1;
        assert_eq!(
            round_pack::<F32>(false, -151, sig, Round::NearestEven),
            (0x0080_0000, NX)
        );
    }
}
