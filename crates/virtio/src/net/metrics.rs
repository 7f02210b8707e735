//! virtio-net event counters, for `--stats`.

use crate::util::metrics;

metrics! {
    /// virtio-net counters.
    NetStats / NetMetrics {
        /// Frames sent to the backend.
        tx_frames,
        /// Bytes sent to the backend (without virtio headers).
        tx_bytes,
        /// Transmit chains dropped (shorter than the header, larger than a frame).
        tx_dropped,
        /// Backend send errors.
        tx_errors,
        /// Frames delivered to the guest.
        rx_frames,
        /// Bytes delivered to the guest (without virtio headers).
        rx_bytes,
        /// Received frames dropped (guest buffer too small).
        rx_dropped,
        /// Backend receive errors.
        rx_errors,
        /// Structural queue errors (device set `DEVICE_NEEDS_RESET`).
        queue_errors,
    }
}
