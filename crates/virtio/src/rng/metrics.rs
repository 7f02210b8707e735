//! virtio-rng event counters, for `--stats`.

use crate::util::metrics;

metrics! {
    /// virtio-rng counters.
    RngStats / RngMetrics {
        /// Requests served.
        requests,
        /// Random bytes written to the guest.
        bytes,
        /// Reads of the entropy source that failed (request answered empty).
        source_errors,
        /// Structural queue errors (device set `DEVICE_NEEDS_RESET`).
        queue_errors,
    }
}
