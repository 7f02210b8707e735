//! RV64I integer semantics as pure functions (the dispatcher in `mod.rs`
//! wires them to registers). `*W` results are sign-extended from 32 bits.

/// Sign-extend the low 32 bits.
#[inline(always)]
pub(crate) fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

/// Immediate as a 64-bit two's-complement addend.
#[inline(always)]
pub(crate) fn imm64(imm: i32) -> u64 {
    imm as i64 as u64
}

#[inline(always)]
pub(crate) fn slt(a: u64, b: u64) -> u64 {
    u64::from((a as i64) < (b as i64))
}

#[inline(always)]
pub(crate) fn sltu(a: u64, b: u64) -> u64 {
    u64::from(a < b)
}

#[inline(always)]
pub(crate) fn sll(a: u64, sh: u64) -> u64 {
    a << (sh & 63)
}

#[inline(always)]
pub(crate) fn srl(a: u64, sh: u64) -> u64 {
    a >> (sh & 63)
}

#[inline(always)]
pub(crate) fn sra(a: u64, sh: u64) -> u64 {
    ((a as i64) >> (sh & 63)) as u64
}

#[inline(always)]
pub(crate) fn addw(a: u64, b: u64) -> u64 {
    sext32(a.wrapping_add(b))
}

#[inline(always)]
pub(crate) fn subw(a: u64, b: u64) -> u64 {
    sext32(a.wrapping_sub(b))
}

#[inline(always)]
pub(crate) fn sllw(a: u64, sh: u64) -> u64 {
    sext32(u64::from((a as u32) << (sh & 31)))
}

#[inline(always)]
pub(crate) fn srlw(a: u64, sh: u64) -> u64 {
    sext32(u64::from((a as u32) >> (sh & 31)))
}

#[inline(always)]
pub(crate) fn sraw(a: u64, sh: u64) -> u64 {
    ((a as i32) >> (sh & 31)) as i64 as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w_ops_results_are_sign_extended() {
        assert_eq!(addw(0x7fff_ffff, 1), 0xffff_ffff_8000_0000);
        assert_eq!(subw(0, 1), u64::MAX);
        assert_eq!(sllw(1, 31), 0xffff_ffff_8000_0000);
        assert_eq!(srlw(0xffff_ffff_8000_0000, 0), 0xffff_ffff_8000_0000);
        assert_eq!(srlw(0x8000_0000, 1), 0x4000_0000);
        assert_eq!(sraw(0x8000_0000, 4), 0xffff_ffff_f800_0000);
    }

    #[test]
    fn shifts_amount_masked_to_six_bits() {
        assert_eq!(sll(1, 64), 1);
        assert_eq!(srl(2, 65), 1);
        assert_eq!(sra(u64::MAX, 63), u64::MAX);
    }

    #[test]
    fn slt_signed_and_unsigned_differ() {
        assert_eq!(slt(u64::MAX, 0), 1);
        assert_eq!(sltu(u64::MAX, 0), 0);
    }
}
