//! Host-side construction errors (style.md §4: one `thiserror` enum per crate).
//! Guest mistakes never produce these; they get the device-defined outcome.

/// Why a device could not be built.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DeviceError {
    /// The number of harts is zero or above what the register map can address.
    #[error("hart count {count} is outside 1..={max}")]
    HartCountOutOfRange {
        /// Requested count.
        count: usize,
        /// Largest supported count.
        max: usize,
    },
    /// The per-hart interrupt line lists differ in length from the hart count.
    #[error("expected {expected} {what} lines, got {got}")]
    LineCountMismatch {
        /// Which list (`msip`, `mtip`).
        what: &'static str,
        /// Hart count.
        expected: usize,
        /// Lines given.
        got: usize,
    },
    /// The PLIC context count is zero or exceeds the register map.
    #[error("context count {count} is outside 1..={max}")]
    ContextCountOutOfRange {
        /// Requested count.
        count: usize,
        /// Largest supported count.
        max: usize,
    },
    /// The HTIF `tohost`/`fromhost` word is not 8 aligned bytes inside guest RAM.
    #[error("htif {what} address {addr:#x} is not an aligned word in guest RAM")]
    HtifAddressNotInRam {
        /// `tohost` or `fromhost`.
        what: &'static str,
        /// The address given.
        addr: u64,
    },
}
