//! Comparisons, `fmin`/`fmax` and `fclass`, generic over the format. None of
//! these round, so they work directly on bit patterns.

use crate::soft::{is_nan, is_snan, Format};
use crate::NV;

/// NV when either operand is a signaling NaN.
#[inline]
fn snan_flags<F: Format>(a: u64, b: u64) -> u8 {
    if is_snan::<F>(a) || is_snan::<F>(b) {
        NV
    } else {
        0
    }
}

/// Numeric equality of two non-NaN values (+0 == -0).
#[inline]
fn ordered_eq<F: Format>(a: u64, b: u64) -> bool {
    a == b || (a | b) & !F::SIGN == 0
}

/// `a < b` for non-NaN values with -0 and +0 ordered as `minus_zero_less`
/// says: equal for comparisons, -0 < +0 for `fmin`/`fmax`.
#[inline]
fn ordered_lt<F: Format>(a: u64, b: u64, minus_zero_less: bool) -> bool {
    let sa = a & F::SIGN != 0;
    let sb = b & F::SIGN != 0;
    if sa != sb {
        // Different signs: the negative one is less unless both are zeros.
        sa && (minus_zero_less || (a | b) & !F::SIGN != 0)
    } else if sa {
        // Both negative: the larger magnitude is the smaller number.
        a > b
    } else {
        a < b
    }
}

/// `feq`: quiet, NV only for signaling NaNs.
pub(crate) fn eq<F: Format>(a: u64, b: u64) -> (bool, u8) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        return (false, snan_flags::<F>(a, b));
    }
    (ordered_eq::<F>(a, b), 0)
}

/// `flt`: signaling, NV for any NaN.
pub(crate) fn lt<F: Format>(a: u64, b: u64) -> (bool, u8) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        return (false, NV);
    }
    (ordered_lt::<F>(a, b, false), 0)
}

/// `fle`: signaling, NV for any NaN.
pub(crate) fn le<F: Format>(a: u64, b: u64) -> (bool, u8) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        return (false, NV);
    }
    (ordered_eq::<F>(a, b) || ordered_lt::<F>(a, b, false), 0)
}

/// `fmin` (`want_max == false`) or `fmax`: IEEE 754-2019
/// minimumNumber/maximumNumber with -0 < +0, as RISC-V F 2.2 specifies.
pub(crate) fn min_max<F: Format>(a: u64, b: u64, want_max: bool) -> (u64, u8) {
    let flags = snan_flags::<F>(a, b);
    let result = match (is_nan::<F>(a), is_nan::<F>(b)) {
        (true, true) => F::CANONICAL_NAN,
        (true, false) => b,
        (false, true) => a,
        (false, false) => {
            if ordered_lt::<F>(a, b, true) != want_max {
                a
            } else {
                b
            }
        }
    };
    (result, flags)
}

/// `fclass`: exactly one of bits 0..=9 set (RISC-V F, "Single-Precision
/// Floating-Point Classify Instruction").
pub(crate) fn classify<F: Format>(a: u64) -> u64 {
    let sign = a & F::SIGN != 0;
    let mag = a & !F::SIGN;
    let field = mag >> F::FRAC_BITS;
    let bit = if mag == F::INF {
        if sign {
            0
        } else {
            7
        }
    } else if is_nan::<F>(a) {
        if is_snan::<F>(a) {
            8
        } else {
            9
        }
    } else if mag == 0 {
        if sign {
            3
        } else {
            4
        }
    } else if field == 0 {
        if sign {
            2
        } else {
            5
        }
    } else if sign {
        1
    } else {
        6
    };
    1 << bit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soft::F32;

    const POS_ZERO: u64 = 0;
    const NEG_ZERO: u64 = 0x8000_0000;
    const ONE: u64 = 0x3f80_0000;
    const QNAN: u64 = 0x7fc0_0001;
    const SNAN: u64 = 0x7f80_0001;

    #[test]
    fn min_max_signed_zeros_order_minus_first() {
        assert_eq!(min_max::<F32>(POS_ZERO, NEG_ZERO, false), (NEG_ZERO, 0));
        assert_eq!(min_max::<F32>(NEG_ZERO, POS_ZERO, true), (POS_ZERO, 0));
    }

    #[test]
    fn min_max_one_quiet_nan_returns_other_quietly() {
        assert_eq!(min_max::<F32>(QNAN, ONE, false), (ONE, 0));
    }

    #[test]
    fn min_max_signaling_nan_returns_other_with_nv() {
        assert_eq!(min_max::<F32>(ONE, SNAN, true), (ONE, NV));
    }

    #[test]
    fn min_max_two_nans_give_canonical_nan() {
        assert_eq!(min_max::<F32>(QNAN, QNAN, true), (0x7fc0_0000, 0));
    }

    #[test]
    fn eq_zeros_of_both_signs_are_equal() {
        assert_eq!(eq::<F32>(POS_ZERO, NEG_ZERO), (true, 0));
    }

    #[test]
    fn eq_quiet_nan_is_quiet() {
        assert_eq!(eq::<F32>(QNAN, QNAN), (false, 0));
        assert_eq!(eq::<F32>(SNAN, ONE), (false, NV));
    }

    #[test]
    fn lt_quiet_nan_signals() {
        assert_eq!(lt::<F32>(QNAN, ONE), (false, NV));
        assert_eq!(le::<F32>(ONE, QNAN), (false, NV));
    }

    #[test]
    fn lt_negative_values_order_by_magnitude() {
        assert_eq!(lt::<F32>(0xc000_0000, 0xbf80_0000), (true, 0)); // -2 < -1
        assert_eq!(le::<F32>(NEG_ZERO, POS_ZERO), (true, 0));
        assert_eq!(lt::<F32>(NEG_ZERO, POS_ZERO), (false, 0));
    }

    #[test]
    fn classify_each_class_sets_its_bit() {
        assert_eq!(classify::<F32>(0xff80_0000), 1 << 0);
        assert_eq!(classify::<F32>(0xbf80_0000), 1 << 1);
        assert_eq!(classify::<F32>(0x8000_0001), 1 << 2);
        assert_eq!(classify::<F32>(NEG_ZERO), 1 << 3);
        assert_eq!(classify::<F32>(POS_ZERO), 1 << 4);
        assert_eq!(classify::<F32>(0x0000_0001), 1 << 5);
        assert_eq!(classify::<F32>(ONE), 1 << 6);
        assert_eq!(classify::<F32>(0x7f80_0000), 1 << 7);
        assert_eq!(classify::<F32>(SNAN), 1 << 8);
        assert_eq!(classify::<F32>(QNAN), 1 << 9);
    }
}
