//! M extension semantics. Division by zero and signed overflow do not trap:
//! x/0 = all ones, x%0 = x, MIN/-1 = MIN, MIN%-1 = 0 (unprivileged spec,
//! "Division Operations").

use super::i::sext32;

#[inline(always)]
pub(crate) fn mulh(a: u64, b: u64) -> u64 {
    ((i128::from(a as i64) * i128::from(b as i64)) >> 64) as u64
}

#[inline(always)]
pub(crate) fn mulhsu(a: u64, b: u64) -> u64 {
    ((i128::from(a as i64).wrapping_mul(i128::from(b))) >> 64) as u64
}

#[inline(always)]
pub(crate) fn mulhu(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) >> 64) as u64
}

#[inline(always)]
pub(crate) fn div(a: u64, b: u64) -> u64 {
    if b == 0 {
        u64::MAX
    } else {
        (a as i64).wrapping_div(b as i64) as u64
    }
}

#[inline(always)]
pub(crate) fn divu(a: u64, b: u64) -> u64 {
    a.checked_div(b).unwrap_or(u64::MAX)
}

#[inline(always)]
pub(crate) fn rem(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        (a as i64).wrapping_rem(b as i64) as u64
    }
}

#[inline(always)]
pub(crate) fn remu(a: u64, b: u64) -> u64 {
    a.checked_rem(b).unwrap_or(a)
}

#[inline(always)]
pub(crate) fn mulw(a: u64, b: u64) -> u64 {
    sext32(a.wrapping_mul(b))
}

#[inline(always)]
pub(crate) fn divw(a: u64, b: u64) -> u64 {
    let (a, b) = (a as i32, b as i32);
    if b == 0 {
        u64::MAX
    } else {
        a.wrapping_div(b) as i64 as u64
    }
}

#[inline(always)]
pub(crate) fn divuw(a: u64, b: u64) -> u64 {
    (a as u32)
        .checked_div(b as u32)
        .map_or(u64::MAX, |q| sext32(u64::from(q)))
}

#[inline(always)]
pub(crate) fn remw(a: u64, b: u64) -> u64 {
    let (a, b) = (a as i32, b as i32);
    if b == 0 {
        a as i64 as u64
    } else {
        a.wrapping_rem(b) as i64 as u64
    }
}

#[inline(always)]
pub(crate) fn remuw(a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32, b as u32);
    if b == 0 {
        sext32(u64::from(a))
    } else {
        sext32(u64::from(a % b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = i64::MIN as u64;
    const NEG1: u64 = u64::MAX;

    #[test]
    fn div_by_zero_gives_all_ones_and_dividend() {
        assert_eq!(div(7, 0), NEG1);
        assert_eq!(divu(7, 0), NEG1);
        assert_eq!(rem(7, 0), 7);
        assert_eq!(remu(7, 0), 7);
        assert_eq!(divw(7, 0), NEG1);
        assert_eq!(divuw(7, 0), NEG1);
        assert_eq!(remw(0xffff_ffff_8000_0001, 0), 0xffff_ffff_8000_0001);
        assert_eq!(remuw(0x8000_0001, 0), 0xffff_ffff_8000_0001);
    }

    #[test]
    fn div_overflow_gives_min_and_zero() {
        assert_eq!(div(MIN, NEG1), MIN);
        assert_eq!(rem(MIN, NEG1), 0);
        assert_eq!(divw(0x8000_0000, NEG1), 0xffff_ffff_8000_0000);
        assert_eq!(remw(0x8000_0000, NEG1), 0);
    }

    #[test]
    fn mulh_variants_high_halves() {
        assert_eq!(mulh(NEG1, NEG1), 0);
        assert_eq!(mulhu(NEG1, NEG1), NEG1 - 1);
        assert_eq!(mulhsu(NEG1, NEG1), NEG1);
        assert_eq!(mulhsu(2, NEG1), 1);
        assert_eq!(mulw(0x8000_0000, 1), 0xffff_ffff_8000_0000);
    }
}
