//! The interface between the virtio-mmio transport and a device model.
//!
//! The transport owns the registers (§4.2.2), negotiates features, validates
//! queue setup, and on `DRIVER_OK` hands the device its queues through
//! [`VirtioDevice::activate`]. From then on the device owns the queues (and
//! may move them to worker threads) until [`VirtioDevice::reset`], which must
//! return only once no thread of the device touches guest RAM any more.

use std::sync::Arc;

use rvisor_memory::GuestRam;

use crate::interrupt::Interrupt;
use crate::queue::Queue;

/// Everything a device needs to run, handed over at `DRIVER_OK`.
pub struct ActivateContext {
    /// Guest RAM.
    pub ram: Arc<GuestRam>,
    /// One entry per queue index the device declared; `None` where the
    /// driver did not set `QueueReady`.
    pub queues: Vec<Option<Queue>>,
    /// The slot's interrupt state.
    pub interrupt: Arc<Interrupt>,
    /// Features the driver accepted (already a subset of the offer).
    pub features: u64,
}

impl ActivateContext {
    /// Take queue `index`, or fail if the driver did not enable it.
    pub fn take_queue(&mut self, index: usize) -> Result<Queue, ActivateError> {
        self.queues
            .get_mut(index)
            .and_then(Option::take)
            .ok_or(ActivateError::QueueNotReady(index))
    }
}

/// Why a device refused `DRIVER_OK`; the transport sets `DEVICE_NEEDS_RESET`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActivateError {
    /// A queue the device needs was not made ready.
    #[error("queue {0} is not ready")]
    QueueNotReady(usize),
    /// A host resource (worker thread) could not be created.
    #[error("cannot start the device worker: {0}")]
    WorkerSpawnFailed(String),
}

/// A virtio device model driven by [`VirtioMmio`](crate::VirtioMmio).
///
/// Methods are called with the transport's lock held, from whichever hart
/// thread touched the MMIO window: they must return promptly (hand long work
/// to a worker) and must never call back into the transport.
pub trait VirtioDevice: Send {
    /// Device type (§5, e.g. 2 for block).
    fn device_type(&self) -> u32;

    /// Device-specific feature bits offered; the transport adds
    /// `VIRTIO_F_VERSION_1` and `VIRTIO_F_INDIRECT_DESC`.
    fn device_features(&self) -> u64;

    /// `QueueSizeMax` of each queue, by index.
    fn queue_max_sizes(&self) -> &[u16];

    /// Read device configuration space at `offset` into `data` (any width,
    /// byte-granular; unknown bytes read as zero).
    fn read_config(&self, offset: u64, data: &mut [u8]);

    /// Write device configuration space; ignored unless the device has
    /// writable fields.
    fn write_config(&mut self, offset: u64, data: &[u8]) {
        let _ = (offset, data);
    }

    /// Start the device with its queues (`DRIVER_OK`).
    fn activate(&mut self, ctx: ActivateContext) -> Result<(), ActivateError>;

    /// The driver notified queue `queue` (`QueueNotify`); only called while
    /// the device is active and the queue exists.
    fn notify(&mut self, queue: u16);

    /// Device reset: stop every worker, drop the queues and in-flight
    /// requests. Must not return while any device thread can still touch
    /// guest RAM.
    fn reset(&mut self);
}
