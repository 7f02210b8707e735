//! Zba, Zbb, Zbc and Zbs semantics (unprivileged spec, "B Extension for Bit
//! Manipulation"). None of them traps.

use rvisor_isa::bitmanip::Form;
use rvisor_isa::{BitOp, Inst};

use super::i::sext32;
use crate::hart::Hart;

/// The result of `op` on `a` (x[rs1]) and `b` (x[rs2], or the immediate).
pub fn bit(op: BitOp, a: u64, b: u64) -> u64 {
    use BitOp::*;
    let uw = a & 0xffff_ffff;
    let w = a as u32;
    match op {
        Sh1add => (a << 1).wrapping_add(b),
        Sh2add => (a << 2).wrapping_add(b),
        Sh3add => (a << 3).wrapping_add(b),
        AddUw => uw.wrapping_add(b),
        Sh1addUw => (uw << 1).wrapping_add(b),
        Sh2addUw => (uw << 2).wrapping_add(b),
        Sh3addUw => (uw << 3).wrapping_add(b),
        SlliUw => uw << (b & 63),
        Andn => a & !b,
        Orn => a | !b,
        Xnor => !(a ^ b),
        Clz => u64::from(a.leading_zeros()),
        Clzw => u64::from(w.leading_zeros()),
        Ctz => u64::from(a.trailing_zeros()),
        Ctzw => u64::from(w.trailing_zeros()),
        Cpop => u64::from(a.count_ones()),
        Cpopw => u64::from(w.count_ones()),
        Max => (a as i64).max(b as i64) as u64,
        Maxu => a.max(b),
        Min => (a as i64).min(b as i64) as u64,
        Minu => a.min(b),
        SextB => a as i8 as i64 as u64,
        SextH => a as i16 as i64 as u64,
        ZextH => a & 0xffff,
        Rol => a.rotate_left((b & 63) as u32),
        Rolw => sext32(u64::from(w.rotate_left((b & 31) as u32))),
        Ror | Rori => a.rotate_right((b & 63) as u32),
        Rorw | Roriw => sext32(u64::from(w.rotate_right((b & 31) as u32))),
        OrcB => {
            let mut r = 0;
            for i in 0..8 {
                if (a >> (8 * i)) & 0xff != 0 {
                    r |= 0xff << (8 * i);
                }
            }
            r
        }
        Rev8 => a.swap_bytes(),
        Bclr | Bclri => a & !(1 << (b & 63)),
        Bext | Bexti => (a >> (b & 63)) & 1,
        Binv | Binvi => a ^ (1 << (b & 63)),
        Bset | Bseti => a | (1 << (b & 63)),
        Clmul => clmul(a, b) as u64,
        Clmulh => (clmul(a, b) >> 64) as u64,
        // Bits 126..63 of the product.
        Clmulr => (clmul(a, b) >> 63) as u64,
    }
}

/// The 128-bit carry-less product of `a` and `b`.
fn clmul(a: u64, b: u64) -> u128 {
    (0..64)
        .filter(|i| b >> i & 1 != 0)
        .fold(0, |p, i| p ^ u128::from(a) << i)
}

impl Hart {
    /// Zba/Zbb/Zbc/Zbs instructions; `None` for anything else.
    pub(super) fn exec_b(&mut self, inst: Inst) -> Option<()> {
        let Inst::Bit { op, rd, rs1, rs2 } = inst else {
            return None;
        };
        let b = match op.form() {
            Form::Reg => self.xr(rs2),
            _ => u64::from(rs2),
        };
        let v = bit(op, self.xr(rs1), b);
        self.xw(rd, v);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BitOp::*;

    /// Values worked out by hand from the spec's pseudocode.
    #[test]
    fn operations_give_the_specs_results() {
        let a = 0x8000_0000_f0f0_0100u64;
        let cases = [
            (Sh1add, a, 3, 0x0000_0001_e1e0_0203),
            (Sh3add, 1, 1, 9),
            (AddUw, a, 1, 0xf0f0_0101),
            (Sh2addUw, 0xffff_ffff_0000_0001, 0, 4),
            (SlliUw, 0xffff_ffff_8000_0000, 4, 0x8_0000_0000),
            (Andn, 0xff, 0x0f, 0xf0),
            (Orn, 0, !0xf0u64, 0xf0),
            (Xnor, 0xf0, 0xff, !0x0fu64),
            (Clz, 1, 0, 63),
            (Clz, 0, 0, 64),
            (Clzw, 0xffff_ffff_0000_8000, 0, 16),
            (Clzw, 0xffff_ffff_0000_0000, 0, 32),
            (Ctz, 0x100, 0, 8),
            (Ctz, 0, 0, 64),
            (Ctzw, 0x1_0000_0000, 0, 32),
            (Cpop, u64::MAX, 0, 64),
            (Cpopw, 0xffff_ffff_0000_0003, 0, 2),
            (Max, u64::MAX, 1, 1),
            (Maxu, u64::MAX, 1, u64::MAX),
            (Min, u64::MAX, 1, u64::MAX),
            (Minu, u64::MAX, 1, 1),
            (SextB, 0x80, 0, 0xffff_ffff_ffff_ff80),
            (SextH, 0x1_7fff, 0, 0x7fff),
            (ZextH, u64::MAX, 0, 0xffff),
            (Rol, a, 4, 0x0000_000f_0f00_1008),
            (Rolw, 0x8000_0001, 1, 3),
            (Rolw, 0x4000_0000, 1, 0xffff_ffff_8000_0000),
            (Ror, 1, 1, 0x8000_0000_0000_0000),
            (Rori, 1, 65, 0x8000_0000_0000_0000),
            (Rorw, 1, 1, 0xffff_ffff_8000_0000),
            (Roriw, 0xffff_ffff_0000_0002, 1, 1),
            (OrcB, 0x0100_0000_0080_0000, 0, 0xff00_0000_00ff_0000),
            (Rev8, 0x0102_0304_0506_0708, 0, 0x0807_0605_0403_0201),
            (Bclr, u64::MAX, 63 + 64, !(1u64 << 63)),
            (Bext, a, 63, 1),
            (Bexti, a, 8, 1),
            (Binv, 0, 3, 8),
            (Bset, 0, 32, 0x1_0000_0000),
            (Bseti, 1, 0, 1),
            // (x + 1)^2 = x^2 + 1 without carries.
            (Clmul, 3, 3, 5),
            (Clmul, 1 << 63, 2, 0),
            (Clmulh, 1 << 63, 2, 1),
            (Clmulr, 1 << 63, 1 << 63, 1 << 63),
            // All ones squared: every even power below 127.
            (Clmul, u64::MAX, u64::MAX, 0x5555_5555_5555_5555),
            (Clmulh, u64::MAX, u64::MAX, 0x5555_5555_5555_5555),
            (Clmulr, u64::MAX, u64::MAX, 0xaaaa_aaaa_aaaa_aaaa),
        ];
        for (op, a, b, want) in cases {
            assert_eq!(bit(op, a, b), want, "{op:?}({a:#x}, {b:#x})");
        }
    }
}
