//! What the user asked for.

use std::path::PathBuf;

/// Which way the CPU is virtualized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Full virtualization: unmodified M-mode firmware, emulated hardware.
    Full,
    /// Paravirtualization: S-mode kernel, SBI served by rvisor, virtio I/O.
    Para,
}

/// Which engine runs guest code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The interpreter only.
    Interp,
    /// Translate everything.
    Jit,
    /// Interpret cold code, translate hot code.
    Auto,
}

/// An image given by path, or one built into rvisor.
#[derive(Clone, Debug)]
pub enum ImageSource {
    /// Read from this file.
    File(PathBuf),
    /// Built-in bytes, with a name for messages.
    Builtin(&'static str, &'static [u8]),
}

impl ImageSource {
    /// Read the bytes.
    pub fn read(&self, what: &'static str) -> Result<Vec<u8>, crate::VmError> {
        match self {
            ImageSource::File(p) => std::fs::read(p).map_err(|source| crate::VmError::ReadImage {
                what,
                path: p.clone(),
                source,
            }),
            ImageSource::Builtin(_, b) => Ok(b.to_vec()),
        }
    }
}

/// Everything needed to build and run one VM.
#[derive(Clone, Debug)]
pub struct VmConfig {
    /// Full or para.
    pub mode: Mode,
    /// Engine choice.
    pub engine: Engine,
    /// M-mode firmware (full mode), or a bare-metal program.
    pub firmware: Option<ImageSource>,
    /// Linux kernel `Image`.
    pub kernel: Option<ImageSource>,
    /// initrd / initramfs.
    pub initrd: Option<ImageSource>,
    /// Kernel command line.
    pub append: Option<String>,
    /// Guest RAM in bytes.
    pub mem: u64,
    /// Number of harts.
    pub cpus: u32,
    /// Print VMM counters at exit.
    pub stats: bool,
    /// Exit instead of restarting when the guest resets.
    pub no_reboot: bool,
    /// Write the generated device tree here and exit.
    pub dump_dtb: Option<PathBuf>,
}

impl Default for VmConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Full,
            engine: Engine::Auto,
            firmware: None,
            kernel: None,
            initrd: None,
            append: None,
            mem: 512 << 20,
            cpus: 1,
            stats: false,
            no_reboot: false,
            dump_dtb: None,
        }
    }
}

/// Most harts a VM may have.
pub const MAX_CPUS: u32 = 64;
/// Least guest RAM.
pub const MIN_MEM: u64 = 1 << 20;
/// Most guest RAM.
pub const MAX_MEM: u64 = 64 << 30;

impl VmConfig {
    /// Reject configurations no machine can be built from.
    pub fn validate(&self) -> Result<(), crate::VmError> {
        use crate::VmError::BadConfig;
        if self.cpus == 0 || self.cpus > MAX_CPUS {
            return Err(BadConfig(format!(
                "--cpus must be between 1 and {MAX_CPUS}, not {}",
                self.cpus
            )));
        }
        if self.mem < MIN_MEM {
            return Err(BadConfig(format!(
                "--mem {} bytes is too small: guest RAM must be at least 1M",
                self.mem
            )));
        }
        if self.mem > MAX_MEM || !self.mem.is_multiple_of(4096) {
            return Err(BadConfig(format!(
                "--mem must be a multiple of 4K and at most 64G, not {} bytes",
                self.mem
            )));
        }
        if self.initrd.is_some() && self.kernel.is_none() {
            return Err(BadConfig("--initrd needs --kernel".into()));
        }
        match self.mode {
            Mode::Full if self.firmware.is_none() => Err(BadConfig(
                "--mode full needs --firmware (e.g. OpenSBI's fw_dynamic.bin); rvisor ships no firmware of its own".into(),
            )),
            Mode::Para if self.kernel.is_none() => Err(BadConfig("--mode para needs --kernel".into())),
            _ => Ok(()),
        }
    }
}

/// Parse a size like `512M`, `2G`, `65536`, `64K` (binary units).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                'B' => 1,
                _ => return Err(format!("unknown size suffix in {s:?} (use K, M or G)")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 512M, 2G)"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_size_units() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn validate_rejects_bad_cpus_and_mem() {
        let mut c = VmConfig {
            firmware: Some(ImageSource::Builtin("x", &[])),
            ..Default::default()
        };
        assert!(c.validate().is_ok());
        c.cpus = 0;
        assert!(c.validate().is_err());
        c.cpus = 1;
        c.mem = 1024;
        assert!(c.validate().is_err());
    }
}
