//! Machine profiles: what a `full` and a `para` machine contain and how a guest is
//! placed in them (firmware, kernel, initrd, device tree) and started.
//!
//! Layer: assembles `memory`, `devices` and `cpu`; knows nothing of threads or
//! the host console (that is the VMM's job).
#![forbid(unsafe_code)]

pub mod boot;
pub mod fdt;
pub mod image;
pub mod layout;
pub mod loader;
pub mod machine;
pub mod sbi;

pub use loader::LoadError;

/// Why a machine could not be built from the given configuration.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// An image is malformed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// An image does not fit in guest RAM.
    #[error("the {what} does not fit in guest RAM ({need} bytes needed, RAM is {ram_size} bytes; raise --mem)")]
    DoesNotFit {
        /// Which image.
        what: &'static str,
        /// Bytes needed (from RAM base).
        need: u64,
        /// RAM size.
        ram_size: u64,
    },
    /// A boot image could not be copied into guest RAM (its file could
    /// not be read again, or is shorter than when it was checked).
    #[error("cannot load the {what}: {source}")]
    CopyImage {
        /// Which image.
        what: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An initrd was given without a kernel.
    #[error("--initrd needs --kernel")]
    InitrdWithoutKernel,
    /// RAM could not be created.
    #[error(transparent)]
    Ram(#[from] rvisor_memory::RamError),
    /// A device could not be created.
    #[error(transparent)]
    Device(#[from] rvisor_devices::DeviceError),
    /// A broken invariant of our own (a bug in rvisor).
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// A virtio device or its host backend could not be set up (the
    /// message carries the OS error).
    #[error("{0}")]
    Virtio(String),
    /// More virtio devices than the machine has slots.
    #[error("too many virtio devices: {0} requested, the machine has {max} slots (console and rng take two)", max = layout::VIRTIO_SLOTS)]
    TooManyVirtio(usize),
    /// The device tree could not be built.
    #[error(transparent)]
    Fdt(#[from] fdt::FdtError),
}
