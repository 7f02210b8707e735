//! What the user asked for.

use std::io::Read;
use std::path::PathBuf;

use rvisor_memory::GuestRam;
use rvisor_platform::image::{ImageBytes, HEAD};

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

    /// Open as a boot image (kernel, initrd) that is copied into guest RAM
    /// at each boot: only its head is kept in memory.
    pub fn open(&self, what: &'static str) -> Result<BootImage, crate::VmError> {
        match self {
            ImageSource::File(p) => {
                let err = |source| crate::VmError::ReadImage {
                    what,
                    path: p.clone(),
                    source,
                };
                let mut f = std::fs::File::open(p).map_err(err)?;
                let len = f.metadata().map_err(err)?.len();
                let mut head = vec![0; len.min(HEAD as u64) as usize];
                f.read_exact(&mut head).map_err(err)?;
                Ok(BootImage::File {
                    path: p.clone(),
                    head,
                    len,
                })
            }
            ImageSource::Builtin(_, b) => Ok(BootImage::Builtin(b)),
        }
    }
}

/// A kernel or initrd: a file streamed into guest RAM at each boot (a
/// Debian kernel is 31 MB: no copy of it is kept for the VM's lifetime),
/// or built-in bytes.
#[derive(Debug)]
pub enum BootImage {
    /// A file, with its first bytes and its length when it was opened.
    File {
        /// Its path.
        path: PathBuf,
        /// Its first `min(len, HEAD)` bytes.
        head: Vec<u8>,
        /// Its length.
        len: u64,
    },
    /// Built-in bytes.
    Builtin(&'static [u8]),
}

/// Bytes read from a boot image file at a time.
const CHUNK: u64 = 1 << 20;

impl ImageBytes for BootImage {
    fn head(&self) -> &[u8] {
        match self {
            BootImage::File { head, .. } => head,
            BootImage::Builtin(b) => b.head(),
        }
    }

    fn len(&self) -> u64 {
        match self {
            BootImage::File { len, .. } => *len,
            BootImage::Builtin(b) => <[u8]>::len(b) as u64,
        }
    }

    fn copy_into(&self, ram: &GuestRam, off: u64) -> std::io::Result<()> {
        match self {
            BootImage::Builtin(b) => b.copy_into(ram, off),
            BootImage::File { path, len, .. } => stream(path, *len, ram, off)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        }
    }
}

/// Copy the first `len` bytes of the file at `path` into guest RAM at
/// `off`, a chunk at a time.
fn stream(path: &std::path::Path, len: u64, ram: &GuestRam, off: u64) -> std::io::Result<()> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0; CHUNK.min(len) as usize];
    let mut pos = 0;
    while pos < len {
        let n = (len - pos).min(CHUNK) as usize;
        // A file that shrank since it was checked ends early: an error.
        f.read_exact(&mut buf[..n])?;
        if !ram.write_bytes(off + pos, &buf[..n]) {
            return Err(std::io::Error::other("image outside guest RAM"));
        }
        pos += n as u64;
    }
    Ok(())
}

/// A disk image for virtio-blk (`--disk FILE[,ro]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskSpec {
    /// Raw image path.
    pub path: PathBuf,
    /// Attach read-only.
    pub read_only: bool,
}

impl std::str::FromStr for DiskSpec {
    type Err = String;
    /// `FILE` or `FILE,ro` (or `FILE,rw`).
    fn from_str(s: &str) -> Result<Self, String> {
        let (path, opts) = match s.rsplit_once(',') {
            Some((p, o)) if o == "ro" || o == "rw" => (p, Some(o)),
            _ => (s, None),
        };
        if path.is_empty() {
            return Err("--disk needs a file name (FILE or FILE,ro)".into());
        }
        Ok(Self {
            path: PathBuf::from(path),
            read_only: opts == Some("ro"),
        })
    }
}

/// A network card for virtio-net (`--net tap=NAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetSpec {
    /// Host tap interface name.
    pub tap: String,
}

impl std::str::FromStr for NetSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.strip_prefix("tap=") {
            Some(name) if !name.is_empty() && name.len() < 16 && !name.contains(',') => {
                Ok(Self { tap: name.into() })
            }
            Some(_) => Err(format!(
                "bad tap name in {s:?}: it must be 1 to 15 characters"
            )),
            None => Err(format!("unsupported --net {s:?} (use tap=NAME)")),
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
    /// virtio-blk disks (para mode).
    pub disks: Vec<DiskSpec>,
    /// virtio-net cards (para mode).
    pub nets: Vec<NetSpec>,
    /// Bytes of translated code each hart's translator may hold.
    pub tcache_size: u64,
    /// Host threads that emit hot blocks' code while the harts interpret
    /// on (`--engine auto`); `None`: one if the host has a core to spare.
    pub jit_threads: Option<u32>,
    /// Write the firmware's signature area here at exit, in lines of this
    /// many bytes (riscv-arch-test; Spike's `+signature=`).
    pub signature: Option<(PathBuf, u32)>,
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
            disks: Vec::new(),
            nets: Vec::new(),
            tcache_size: rvisor_jit::DEFAULT_CACHE_SIZE as u64,
            jit_threads: None,
            signature: None,
        }
    }
}

/// Most harts a VM may have.
pub const MAX_CPUS: u32 = 64;
/// Least guest RAM.
pub const MIN_MEM: u64 = 1 << 20;
/// Most guest RAM.
pub const MAX_MEM: u64 = 64 << 30;
/// Least translation cache per hart (room for the trampoline and a few
/// thousand blocks).
pub const MIN_TCACHE: u64 = 1 << 20;
/// Most translation cache per hart (chained jumps are rel32).
pub const MAX_TCACHE: u64 = 1 << 30;

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
        if !(MIN_TCACHE..=MAX_TCACHE).contains(&self.tcache_size) {
            return Err(BadConfig(format!(
                "--tcache-size must be between 1M and 1G, not {} bytes",
                self.tcache_size
            )));
        }
        if let Some((_, g)) = &self.signature {
            if !g.is_power_of_two() || *g > 64 {
                return Err(BadConfig(format!(
                    "--signature-granularity must be a power of two up to 64, not {g}"
                )));
            }
            if self.firmware.is_none() {
                return Err(BadConfig(
                    "--signature needs a --firmware ELF with begin_signature and end_signature"
                        .into(),
                ));
            }
        }
        if self.mode == Mode::Full && !(self.disks.is_empty() && self.nets.is_empty()) {
            return Err(BadConfig(
                "--disk and --net attach virtio devices, which only --mode para has".into(),
            ));
        }
        // Console and rng always take two of the eight slots.
        let virtio = 2 + self.disks.len() + self.nets.len();
        if virtio as u64 > rvisor_platform::layout::VIRTIO_SLOTS {
            return Err(BadConfig(format!(
                "too many --disk/--net: at most {} in total",
                rvisor_platform::layout::VIRTIO_SLOTS - 2
            )));
        }
        for d in &self.disks {
            if !d.path.exists() {
                return Err(BadConfig(format!(
                    "--disk {}: no such file",
                    d.path.display()
                )));
            }
            if !d.path.is_file() {
                return Err(BadConfig(format!(
                    "--disk {}: not a regular file (rvisor takes raw image files)",
                    d.path.display()
                )));
            }
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
    fn boot_images_stream_from_their_file_at_each_copy() {
        let dir = std::env::temp_dir().join(format!("rvisor-bootimage-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("image");
        // Longer than a chunk and than the head, not a multiple of either.
        let bytes: Vec<u8> = (0..(CHUNK as usize + 12345))
            .map(|i| (i * 7 + i / 4096) as u8)
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        let img = ImageSource::File(path.clone()).open("kernel").unwrap();
        assert_eq!(img.len(), bytes.len() as u64);
        assert_eq!(img.head(), &bytes[..HEAD]);
        let ram = GuestRam::new(0x8000_0000, 4 << 20).unwrap();
        img.copy_into(&ram, 0x1000).unwrap();
        let mut back = vec![0; bytes.len()];
        assert!(ram.read_bytes(0x1000, &mut back));
        assert_eq!(back, bytes);
        // Too little RAM past the offset, and a file that shrank since it
        // was opened: errors, not a partial image passed off as whole.
        assert!(img.copy_into(&ram, (4 << 20) - 4096).is_err());
        std::fs::write(&path, &bytes[..1000]).unwrap();
        let e = img.copy_into(&ram, 0x1000).unwrap_err();
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        // A missing file is the error the user sees first.
        assert!(ImageSource::File(path).open("kernel").is_err());
    }

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
    fn disk_and_net_specs_parse() {
        let d: DiskSpec = "a.img,ro".parse().unwrap();
        assert_eq!((d.path, d.read_only), (PathBuf::from("a.img"), true));
        let d: DiskSpec = "x,y.img".parse().unwrap();
        assert_eq!((d.path, d.read_only), (PathBuf::from("x,y.img"), false));
        assert!("".parse::<DiskSpec>().is_err());
        assert_eq!("tap=tap0".parse::<NetSpec>().unwrap().tap, "tap0");
        assert!("user".parse::<NetSpec>().is_err());
        assert!("tap=".parse::<NetSpec>().is_err());
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

    #[test]
    fn validate_bounds_the_translation_cache() {
        let mut c = VmConfig {
            firmware: Some(ImageSource::Builtin("x", &[])),
            ..Default::default()
        };
        c.tcache_size = MIN_TCACHE;
        assert!(c.validate().is_ok());
        c.tcache_size = MIN_TCACHE - 1;
        assert!(c.validate().is_err());
        c.tcache_size = MAX_TCACHE + 1;
        assert!(c.validate().is_err());
    }
}
