//! The VMM: builds a VM from a `VmConfig`, runs one host thread per hart and
//! handles what the harts cannot (console, exits, power-off, reset, stats).
//!
//! Layer: top of the stack below the CLI. `unsafe` only in `sys/`.
#![deny(unsafe_code)]

pub mod config;
pub mod console;
pub mod console_out;
pub mod control;
mod halt_poll;
pub mod para;
pub mod stats;
mod sys;
pub mod vm;

pub use config::{parse_size, Engine, ImageSource, Mode, VmConfig};
pub use control::ExitReason;
pub use vm::{run, Outcome};

/// Restore the host terminal (call before printing an error and exiting).
pub fn restore_terminal() {
    sys::terminal::restore();
}

/// Why a VM could not be built or run (host-side failures, bad input).
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// An option value is unusable.
    #[error("{0}")]
    BadConfig(String),
    /// An image file could not be read.
    #[error("cannot read {what} {path}: {source}")]
    ReadImage {
        /// Which image.
        what: &'static str,
        /// Its path.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An output file could not be written.
    #[error("cannot write {path}: {source}")]
    WriteFile {
        /// Its path.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The machine could not be built.
    #[error(transparent)]
    Platform(#[from] rvisor_platform::PlatformError),
    /// A host thread could not be started.
    #[error("cannot start a host thread: {0}")]
    Thread(std::io::Error),
}
