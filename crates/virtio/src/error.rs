//! Host-side failures (style.md §4: one `thiserror` enum per crate). Guest
//! mistakes never produce these; they get the outcome the virtio spec defines.

/// Why a device or backend could not be built.
#[derive(Debug, thiserror::Error)]
pub enum VirtioError {
    /// The disk image could not be opened.
    #[error("cannot open disk image {path}")]
    OpenImage {
        /// Image path.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The disk image size could not be read.
    #[error("cannot read the size of disk image {path}")]
    ImageMetadata {
        /// Image path.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The entropy source could not be opened.
    #[error("cannot open the entropy source {path}")]
    OpenEntropy {
        /// Source path.
        path: std::path::PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The tap interface name is empty or longer than `IFNAMSIZ - 1` bytes.
    #[error("tap name {name:?} must be 1 to 15 bytes without NUL")]
    TapNameInvalid {
        /// The name given.
        name: String,
    },
    /// `/dev/net/tun` could not be opened or `TUNSETIFF` failed.
    #[error("cannot attach to tap {name}")]
    Tap {
        /// Interface name.
        name: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
