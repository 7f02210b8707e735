//! virtio-blk event counters, for `--stats`.

use crate::util::metrics;

metrics! {
    /// virtio-blk counters.
    BlkStats / BlkMetrics {
        /// Completed read requests.
        reads,
        /// Completed write requests.
        writes,
        /// Completed flush requests (each one an fsync).
        flushes,
        /// Completed discard requests.
        discards,
        /// GET_ID requests.
        get_ids,
        /// Bytes read from the image.
        read_bytes,
        /// Bytes written to the image.
        written_bytes,
        /// Requests answered `VIRTIO_BLK_S_IOERR`.
        io_errors,
        /// Requests answered `VIRTIO_BLK_S_UNSUPP`.
        unsupported,
        /// Chains too malformed to carry a status byte (returned with len 0).
        invalid_requests,
        /// Structural queue errors (device set `DEVICE_NEEDS_RESET`).
        queue_errors,
    }
}
