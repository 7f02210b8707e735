//! virtio-rng constants (VIRTIO 1.2 §5.4): one request queue, no feature
//! bits, no configuration space.

/// Queue size offered.
pub const QUEUE_SIZE: u16 = 64;
/// Most bytes served per request: bounds host work and reads per chain
/// (Linux asks for at most a page or so at a time anyway).
pub const MAX_BYTES_PER_REQUEST: usize = 64 * 1024;
