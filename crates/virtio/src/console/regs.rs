//! virtio-console constants (VIRTIO 1.2 §5.3). Only port 0 is offered: no
//! `VIRTIO_CONSOLE_F_SIZE`, `F_MULTIPORT` or `F_EMERG_WRITE`, so the config
//! fields are not valid and read as zero (§5.3.4).

/// Queue 0: receiveq (port 0), device → driver.
pub const RECEIVEQ: u16 = 0;
/// Queue 1: transmitq (port 0), driver → device.
pub const TRANSMITQ: u16 = 1;
/// Size of each queue.
pub const QUEUE_SIZE: u16 = 64;
/// Host-side bytes of input held while the guest has no receive buffers;
/// beyond that input is dropped and counted (style.md §6.6).
pub const INPUT_BUFFER_CAP: usize = 64 * 1024;
/// Bounce buffer for transmit copies.
pub const TX_CHUNK: usize = 4096;
