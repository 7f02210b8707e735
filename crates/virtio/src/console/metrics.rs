//! virtio-console event counters, for `--stats`.

use crate::util::metrics;

metrics! {
    /// virtio-console counters.
    ConsoleStats / ConsoleMetrics {
        /// Bytes the guest transmitted.
        tx_bytes,
        /// Bytes delivered to the guest.
        rx_bytes,
        /// Input bytes dropped because the host-side buffer was full.
        rx_dropped,
        /// Writes to the output sink that failed.
        output_errors,
        /// Structural queue errors (device set `DEVICE_NEEDS_RESET`).
        queue_errors,
    }
}
