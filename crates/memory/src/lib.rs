//! The machine's memory side: guest RAM (one host mapping shared by every hart),
//! the physical bus that sends every other address to an MMIO device, interrupt
//! lines, and the machine clock with its timer queue.
//!
//! Layer: below `cpu` and `devices`; knows nothing of harts, instructions or
//! engines. All `unsafe` for guest RAM lives in [`ram`].
#![deny(missing_docs)]

pub mod bus;
pub mod clock;
mod code_log;
pub mod irq;
pub mod ram;
pub mod writers;

pub use bus::{Bus, BusBuilder, BusError, MmioDevice};
pub use clock::{Clock, TimerQueue};
pub use irq::{IrqLine, NullIrq, RecordingControl, SystemControl};
pub use ram::{GuestRam, RamError};

/// A guest-physical address.
pub type GuestPhysAddr = u64;
