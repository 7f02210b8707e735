//! Paravirtual I/O for rvisor: the virtio-mmio transport (VIRTIO 1.2 §4.2,
//! modern "Version 2" register layout only), the split virtqueue (§2.7), and
//! the devices blk (§5.2), console (§5.3), entropy/rng (§5.4) and net (§5.1),
//! with their host backends (raw image file, `Write` sink, `/dev/urandom`,
//! Linux tap).
//!
//! Layer: above `rvisor-memory`, below `platform`. A device sees guest RAM
//! only through [`GuestRam`](rvisor_memory::GuestRam)'s checked copy-in /
//! copy-out accessors, raises its interrupt through one
//! [`IrqLine`](rvisor_memory::IrqLine) (a PLIC source the platform hands it),
//! and knows nothing of harts, CSRs, engines or the device tree.
//!
//! How the platform wires one slot (see `README.md`):
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use rvisor_memory::{GuestRam, NullIrq, MmioDevice};
//! # use rvisor_virtio::{VirtioMmio, blk::{VirtioBlk, BlkConfig}};
//! let ram = Arc::new(GuestRam::new(0x8000_0000, 64 << 20).unwrap());
//! let blk = VirtioBlk::open(&BlkConfig::new("disk.img")).unwrap();
//! let slot: Arc<dyn MmioDevice> = Arc::new(VirtioMmio::new(ram, Arc::new(NullIrq), Box::new(blk)));
//! // BusBuilder::mmio("virtio0", 0x1000_1000, VIRTIO_MMIO_WINDOW, slot)
//! ```
//!
//! A guest is hostile (style.md §6): every index, address, length and
//! register access is checked. A structurally broken virtqueue (descriptor
//! loop, buffer outside RAM, index past the queue size, avail index running
//! ahead) makes the device stop using that queue and set
//! `DEVICE_NEEDS_RESET` with a configuration-change interrupt, as QEMU's
//! `virtio_error()` does; a well-formed request with bad contents gets the
//! device's own error status (e.g. `VIRTIO_BLK_S_IOERR`). Nothing a guest
//! does panics, hangs or allocates without a host-chosen bound.
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod blk;
pub mod console;
pub mod device;
pub mod error;
pub mod interrupt;
pub mod net;
pub mod queue;
pub mod rng;
mod sys;
pub mod transport;
mod util;
mod worker;

pub use device::{ActivateContext, ActivateError, VirtioDevice};
pub use error::VirtioError;
pub use interrupt::Interrupt;
pub use queue::{DescriptorChain, Queue, QueueConfig, QueueError, QueueSetupError};
pub use sys::tap::Tap;
pub use transport::{TransportStats, VirtioMmio, VIRTIO_MMIO_WINDOW};
pub use util::dma_written;

/// Device type IDs (VIRTIO 1.2 §5 "Device Types").
pub mod device_id {
    /// Network card (§5.1).
    pub const NET: u32 = 1;
    /// Block device (§5.2).
    pub const BLOCK: u32 = 2;
    /// Console (§5.3).
    pub const CONSOLE: u32 = 3;
    /// Entropy source (§5.4).
    pub const ENTROPY: u32 = 4;
}

/// Device status bits (VIRTIO 1.2 §2.1 "Device Status Field").
pub mod status {
    /// The guest has noticed the device.
    #[doc(alias = "VIRTIO_CONFIG_S_ACKNOWLEDGE")]
    pub const ACKNOWLEDGE: u32 = 1;
    /// The guest knows how to drive the device.
    #[doc(alias = "VIRTIO_CONFIG_S_DRIVER")]
    pub const DRIVER: u32 = 2;
    /// The driver is set up and ready to drive the device.
    #[doc(alias = "VIRTIO_CONFIG_S_DRIVER_OK")]
    pub const DRIVER_OK: u32 = 4;
    /// Feature negotiation is complete.
    #[doc(alias = "VIRTIO_CONFIG_S_FEATURES_OK")]
    pub const FEATURES_OK: u32 = 8;
    /// The device hit an error from which it cannot recover until reset.
    #[doc(alias = "VIRTIO_CONFIG_S_NEEDS_RESET")]
    pub const DEVICE_NEEDS_RESET: u32 = 64;
    /// The guest gave up on the device.
    #[doc(alias = "VIRTIO_CONFIG_S_FAILED")]
    pub const FAILED: u32 = 128;
}

/// Reserved (transport-independent) feature bits (VIRTIO 1.2 §6).
pub mod features {
    /// Descriptors may point at indirect descriptor tables (§2.7.5.3).
    #[doc(alias = "VIRTIO_RING_F_INDIRECT_DESC")]
    pub const VIRTIO_F_INDIRECT_DESC: u32 = 28;
    /// `used_event`/`avail_event` notification suppression (§2.7.7); not offered.
    #[doc(alias = "VIRTIO_RING_F_EVENT_IDX")]
    pub const VIRTIO_F_EVENT_IDX: u32 = 29;
    /// Compliance with VIRTIO 1.x (not legacy).
    pub const VIRTIO_F_VERSION_1: u32 = 32;
}
