//! Emulated devices of the virt board (`docs/platform.md` §2, §3, §10, §11):
//! ACLINT/CLINT, PLIC, NS16550A UART, goldfish RTC, sifive_test and HTIF.
//!
//! Layer: above `rvisor-memory`, below `platform`. Each device is a state
//! machine behind the [`MmioDevice`](rvisor_memory::MmioDevice) trait; it
//! drives [`IrqLine`](rvisor_memory::IrqLine)s handed to it by the platform and
//! knows nothing of harts, CSRs or execution engines.
//!
//! Every device folder has the same shape: `mod.rs` (public type, bus glue,
//! metrics), `regs.rs` (register map from the datasheet/spec), and, where the
//! logic is more than a few lines, `state.rs` (the pure state machine: plain
//! data, snapshot-able, tested without threads).
//!
//! Guests are hostile: any offset, any width (1, 2, 4, 8, or anything else),
//! any order. Unknown registers read as zero and drop writes; nothing a guest
//! does can panic, hang, or grow host memory without a bound.
//!
//! Locking contract: a device calls `IrqLine::set_level` while holding its own
//! lock (so levels are never delivered out of order). The lines given to a
//! device must therefore never call back into that same device; lock order is
//! always device → interrupt controller → hart.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod aclint;
pub mod error;
pub mod goldfish_rtc;
pub mod htif;
pub mod ns16550a;
pub mod plic;
pub mod sifive_test;
mod util;

#[cfg(test)]
mod testutil;

pub use aclint::{Aclint, AclintStats};
pub use error::DeviceError;
pub use goldfish_rtc::{GoldfishRtc, GoldfishRtcStats};
pub use htif::{Htif, HtifStats};
pub use ns16550a::{Ns16550a, Ns16550aStats};
pub use plic::{Plic, PlicStats};
pub use sifive_test::{SifiveTest, SifiveTestStats};
