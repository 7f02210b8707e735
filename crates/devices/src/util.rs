//! Helpers shared by every device: splitting an access of any width into
//! naturally aligned register pieces, event counters, rate-limited warnings.

use std::sync::atomic::{AtomicU64, Ordering};

/// Largest access the bus hands a device (bytes).
const MAX_ACCESS: u64 = 8;

/// The part of a guest access that falls into one naturally aligned register
/// of `width` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Offset of the register (aligned to `width`).
    pub reg: u64,
    /// Mask of the register bits the access covers.
    pub mask: u64,
    /// Left shift that moves access bits into register position (negative:
    /// right shift), in bits.
    shift: i32,
}

impl Piece {
    /// Access-value bits moved to register position.
    pub fn value_to_reg(self, value: u64) -> u64 {
        let v = if self.shift >= 0 {
            value.checked_shl(self.shift.unsigned_abs()).unwrap_or(0)
        } else {
            value.checked_shr(self.shift.unsigned_abs()).unwrap_or(0)
        };
        v & self.mask
    }

    /// Register bits moved to access-value position.
    pub fn reg_to_value(self, reg_value: u64) -> u64 {
        let v = reg_value & self.mask;
        if self.shift >= 0 {
            v.checked_shr(self.shift.unsigned_abs()).unwrap_or(0)
        } else {
            v.checked_shl(self.shift.unsigned_abs()).unwrap_or(0)
        }
    }
}

/// Split an access of `size` bytes at `offset` into pieces, one per register
/// of `width` (4 or 8) bytes it touches. Sizes other than 1, 2, 4 and 8 and
/// accesses that wrap the address space yield nothing (read as zero, writes
/// dropped). At most two pieces: an access is at most 8 bytes.
pub(crate) fn pieces(offset: u64, size: u8, width: u64) -> impl Iterator<Item = Piece> {
    let size = u64::from(size);
    let valid = matches!(size, 1 | 2 | 4 | 8) && offset.checked_add(size).is_some();
    let end = if valid { offset + size } else { offset };
    let first = offset & !(width - 1);
    (0..MAX_ACCESS / width + 1).filter_map(move |i| {
        let reg = first.checked_add(i * width)?;
        let lo = offset.max(reg);
        let hi = end.min(reg.saturating_add(width));
        if lo >= hi {
            return None;
        }
        let nbytes = hi - lo;
        let lane = lo - reg; // byte position inside the register
        let pos = lo - offset; // byte position inside the access value
        let mask = if nbytes >= 8 {
            u64::MAX
        } else {
            ((1u64 << (nbytes * 8)) - 1) << (lane * 8)
        };
        // lane, pos < 8, so the difference fits an i32 comfortably.
        let shift = (lane as i32 - pos as i32) * 8;
        Some(Piece { reg, mask, shift })
    })
}

/// Read an access made of `width`-byte registers, calling `read_reg` once per
/// register touched.
pub(crate) fn read_regs(
    offset: u64,
    size: u8,
    width: u64,
    mut read_reg: impl FnMut(u64) -> u64,
) -> u64 {
    pieces(offset, size, width).fold(0, |acc, p| acc | p.reg_to_value(read_reg(p.reg)))
}

/// Write an access made of `width`-byte registers: `write_reg(reg, bits, mask)`
/// once per register touched, `bits` already in register position.
pub(crate) fn write_regs(
    offset: u64,
    size: u8,
    value: u64,
    width: u64,
    mut write_reg: impl FnMut(u64, u64, u64),
) {
    for p in pieces(offset, size, width) {
        write_reg(p.reg, p.value_to_reg(value), p.mask);
    }
}

/// `old` with the bits under `mask` replaced by those of `bits`.
pub(crate) fn merge(old: u64, bits: u64, mask: u64) -> u64 {
    (old & !mask) | (bits & mask)
}

/// Add one to an event counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Declares a device's atomic counters and the plain copy `stats()` returns.
macro_rules! metrics {
    (
        $(#[$m:meta])* $stats:ident / $metrics:ident {
            $( $(#[$fm:meta])* $field:ident ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $stats {
            $( $(#[$fm])* pub $field: u64, )*
        }

        #[derive(Debug, Default)]
        pub(crate) struct $metrics {
            $( pub(crate) $field: std::sync::atomic::AtomicU64, )*
        }

        impl $metrics {
            pub(crate) fn snapshot(&self) -> $stats {
                $stats {
                    $( $field: self.$field.load(std::sync::atomic::Ordering::Relaxed), )*
                }
            }
        }
    };
}
pub(crate) use metrics;

/// How many warnings one call site may log before going quiet (style.md §6.8,
/// §10: anything a guest can trigger is rate-limited; counters keep counting).
pub(crate) const WARN_LIMIT: u64 = 10;

/// `tracing::warn!` that logs at most [`WARN_LIMIT`] times per call site.
macro_rules! warn_limited {
    ($($arg:tt)*) => {{
        static SEEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        if SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < $crate::util::WARN_LIMIT {
            tracing::warn!($($arg)*);
        }
    }};
}
pub(crate) use warn_limited;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_aligned_word_is_one_full_piece() {
        let p: Vec<_> = pieces(0x10, 4, 4).collect();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].reg, 0x10);
        assert_eq!(p[0].mask, 0xffff_ffff);
        assert_eq!(p[0].value_to_reg(0x1234_5678), 0x1234_5678);
    }

    #[test]
    fn pieces_byte_in_middle_shifts_into_lane() {
        let p: Vec<_> = pieces(0x12, 1, 4).collect();
        assert_eq!(p[0].reg, 0x10);
        assert_eq!(p[0].mask, 0x00ff_0000);
        assert_eq!(p[0].value_to_reg(0xab), 0x00ab_0000);
        assert_eq!(p[0].reg_to_value(0x00cd_0000), 0xcd);
    }

    #[test]
    fn read_regs_misaligned_dword_spans_two_words() {
        // Registers hold their own offset; an 8-byte read at 2 sees the top
        // half of word 0, all of word 4 and the bottom half of word 8.
        let v = read_regs(2, 8, 4, |reg| reg * 0x0101_0101);
        assert_eq!(v, 0x0808_0404_0404_0000);
    }

    #[test]
    fn read_regs_dword_over_two_words_combines_halves() {
        let v = read_regs(
            0,
            8,
            4,
            |reg| if reg == 0 { 0x1111_1111 } else { 0x2222_2222 },
        );
        assert_eq!(v, 0x2222_2222_1111_1111);
    }

    #[test]
    fn write_regs_high_half_of_dword_register() {
        let mut seen = Vec::new();
        write_regs(0x4, 4, 0xdead_beef, 8, |reg, bits, mask| {
            seen.push((reg, bits, mask))
        });
        assert_eq!(
            seen,
            vec![(0, 0xdead_beef_0000_0000, 0xffff_ffff_0000_0000)]
        );
    }

    #[test]
    fn pieces_bad_size_or_wrapping_access_yields_nothing() {
        assert_eq!(pieces(0, 3, 4).count(), 0);
        assert_eq!(pieces(0, 0, 4).count(), 0);
        assert_eq!(pieces(u64::MAX - 2, 8, 4).count(), 0);
        assert_eq!(read_regs(u64::MAX, 8, 8, |_| u64::MAX), 0);
    }

    #[test]
    fn pieces_register_near_top_of_address_space_is_reachable() {
        let v = read_regs(u64::MAX - 15, 8, 8, |_| 0x55);
        assert_eq!(v, 0x55);
    }

    #[test]
    fn merge_replaces_only_masked_bits() {
        assert_eq!(merge(0xffff_0000, 0x1234, 0xffff), 0xffff_1234);
    }
}
