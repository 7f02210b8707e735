//! Helpers shared by the transport and every device: event counters and
//! rate-limited warnings (style.md §6.8, §10).

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

        /// Live atomic counters, shared with the device's threads;
        /// `snapshot()` copies them.
        #[derive(Debug, Default)]
        pub struct $metrics {
            $( pub(crate) $field: std::sync::atomic::AtomicU64, )*
        }

        impl $metrics {
            /// A consistent-enough copy of every counter (each read relaxed).
            pub fn snapshot(&self) -> $stats {
                $stats {
                    $( $field: self.$field.load(std::sync::atomic::Ordering::Relaxed), )*
                }
            }
        }
    };
}
pub(crate) use metrics;

/// Add `n` to an event counter.
pub(crate) fn add(counter: &std::sync::atomic::AtomicU64, n: u64) {
    counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
}

/// Add one to an event counter.
pub(crate) fn bump(counter: &std::sync::atomic::AtomicU64) {
    add(counter, 1);
}

/// How many warnings one call site may log before going quiet; the counters
/// keep counting.
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

/// After the device wrote `len` bytes of guest RAM at offset `off` (DMA):
/// if any page there holds code a hart decoded, drop that mark and advance
/// the RAM code epoch, so every hart re-decodes instead of running stale
/// blocks (the page cache filled from virtio-blk is executed later).
pub fn dma_written(ram: &rvisor_memory::GuestRam, off: u64, len: u64) {
    ram.host_wrote(off, len);
}

/// Copy `data.len()` bytes of a little-endian config image starting at
/// `offset` into `data`; bytes past the image read as zero (§4.2.2: config
/// space is byte-granular; unknown fields read as zero).
pub(crate) fn read_config_image(image: &[u8], offset: u64, data: &mut [u8]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b = usize::try_from(offset)
            .ok()
            .and_then(|o| o.checked_add(i))
            .and_then(|o| image.get(o))
            .copied()
            .unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_config_image_past_end_reads_zero() {
        let mut buf = [0xff; 4];
        read_config_image(&[1, 2, 3], 1, &mut buf);
        assert_eq!(buf, [2, 3, 0, 0]);
    }

    #[test]
    fn read_config_image_huge_offset_reads_zero() {
        let mut buf = [0xff; 2];
        read_config_image(&[1, 2, 3], u64::MAX, &mut buf);
        assert_eq!(buf, [0, 0]);
    }
}
