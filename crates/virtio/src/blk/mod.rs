//! virtio-blk (device ID 2, VIRTIO 1.2 §5.2) over a raw image file.
//!
//! One request queue. Requests run on a worker thread per device: a
//! `QueueNotify` only kicks the worker and returns at once, so a hart never
//! waits for disk I/O. The worker pops chains, performs them against the
//! image, writes the status byte last, returns the chain and raises the
//! interrupt. `FLUSH` fsyncs the image before it completes; `DISCARD` (one
//! segment per request, offered unless read-only) punches a hole in it. Reset (and drop)
//! stops and joins the worker before returning, so no request outlives it.
//!
//! Files: `regs.rs` (spec constants, config layout), `request.rs` (parsing
//! and execution), `metrics.rs` (counters).

pub mod metrics;
pub mod regs;
mod request;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rvisor_memory::GuestRam;

use crate::device::{ActivateContext, ActivateError, VirtioDevice};
use crate::error::VirtioError;
use crate::interrupt::Interrupt;
use crate::queue::Queue;
use crate::util::{bump, read_config_image, warn_limited};
use crate::worker::{Worker, WorkerCtl};

pub use metrics::{BlkMetrics, BlkStats};
use regs::*;
use request::{Disk, RequestError, CHUNK};

/// How to open a disk image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlkConfig {
    /// Path of the raw image.
    pub path: PathBuf,
    /// Open read-only and offer `VIRTIO_BLK_F_RO`; writes fail with IOERR.
    pub read_only: bool,
    /// GET_ID answer (at most 20 bytes used); default: the file name.
    pub serial: Option<String>,
}

impl BlkConfig {
    /// A writable image at `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
            read_only: false,
            serial: None,
        }
    }

    /// Set read-only.
    pub fn read_only(mut self, ro: bool) -> Self {
        self.read_only = ro;
        self
    }
}

/// A virtio block device.
#[derive(Debug)]
pub struct VirtioBlk {
    disk: Arc<Disk>,
    config: [u8; CONFIG_LEN],
    metrics: Arc<BlkMetrics>,
    worker: Option<Worker>,
}

impl VirtioBlk {
    /// Open the image described by `cfg`. The capacity is the file size in
    /// whole 512-byte sectors (a trailing partial sector is not exposed).
    pub fn open(cfg: &BlkConfig) -> Result<Self, VirtioError> {
        let file = OpenOptions::new()
            .read(true)
            .write(!cfg.read_only)
            .open(&cfg.path)
            .map_err(|source| VirtioError::OpenImage {
                path: cfg.path.clone(),
                source,
            })?;
        let len = file
            .metadata()
            .map_err(|source| VirtioError::ImageMetadata {
                path: cfg.path.clone(),
                source,
            })?
            .len();
        let capacity = len / SECTOR_SIZE;
        let serial = cfg.serial.clone().unwrap_or_else(|| {
            cfg.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let mut id = [0u8; ID_BYTES];
        let n = serial.len().min(ID_BYTES);
        id[..n].copy_from_slice(&serial.as_bytes()[..n]);
        Ok(Self {
            disk: Arc::new(Disk {
                file,
                capacity,
                read_only: cfg.read_only,
                id,
            }),
            config: config_image(capacity),
            metrics: Arc::default(),
            worker: None,
        })
    }

    /// Capacity in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.disk.capacity
    }

    /// The live counters (keep a clone before handing the device to the
    /// transport).
    pub fn metrics(&self) -> Arc<BlkMetrics> {
        self.metrics.clone()
    }
}

/// What the worker thread owns.
struct BlkWorker {
    queue: Queue,
    disk: Arc<Disk>,
    interrupt: Arc<Interrupt>,
    metrics: Arc<BlkMetrics>,
    broken: bool,
}

impl BlkWorker {
    fn run(mut self, ctl: Arc<WorkerCtl>) {
        let mut bounce = vec![0u8; CHUNK];
        while ctl.wait() {
            if !self.broken {
                self.drain(&ctl, &mut bounce);
            }
        }
    }

    /// Serve every available chain, then interrupt once.
    fn drain(&mut self, ctl: &WorkerCtl, bounce: &mut [u8]) {
        let ram: Arc<GuestRam> = self.queue.ram().clone();
        let mut used = false;
        while !ctl.stopping() {
            let chain = match self.queue.pop() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    self.fail(&e);
                    break;
                }
            };
            let len = match request::parse(&chain, &ram) {
                Ok(req) => self.disk.execute(&req, &chain, &ram, &self.metrics, bounce),
                Err(RequestError::HeaderTooShort(n)) => {
                    // The status byte exists, so answer with an error.
                    bump(&self.metrics.invalid_requests);
                    warn_limited!("virtio-blk: request header is {n} bytes, not 16");
                    let mut w = chain.writer(&ram);
                    w.write_at(chain.writable_len() - 1, &[VIRTIO_BLK_S_IOERR]);
                    w.written()
                }
                Err(RequestError::StatusByteMissing) => {
                    // No way to answer (QEMU: "virtio-blk missing headers"):
                    // the device needs a reset (§2.1.2).
                    bump(&self.metrics.invalid_requests);
                    warn_limited!("virtio-blk: request has no status byte");
                    let _ = self.queue.add_used(chain.head(), 0);
                    self.broken = true;
                    self.interrupt.set_needs_reset();
                    break;
                }
            };
            if let Err(e) = self.queue.add_used(chain.head(), len) {
                self.fail(&e);
                break;
            }
            used = true;
        }
        if used && self.queue.needs_interrupt() {
            self.interrupt.signal_used();
        }
    }

    fn fail(&mut self, e: &crate::queue::QueueError) {
        bump(&self.metrics.queue_errors);
        warn_limited!("virtio-blk: request queue broken: {e}");
        self.broken = true;
        self.interrupt.set_needs_reset();
    }
}

impl VirtioDevice for VirtioBlk {
    fn device_type(&self) -> u32 {
        crate::device_id::BLOCK
    }

    fn device_features(&self) -> u64 {
        let mut f =
            (1 << VIRTIO_BLK_F_FLUSH) | (1 << VIRTIO_BLK_F_SEG_MAX) | (1 << VIRTIO_BLK_F_BLK_SIZE);
        if self.disk.read_only {
            f |= 1 << VIRTIO_BLK_F_RO;
        } else {
            f |= 1 << VIRTIO_BLK_F_DISCARD;
        }
        f
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE]
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_image(&self.config, offset, data);
    }

    fn activate(&mut self, mut ctx: ActivateContext) -> Result<(), ActivateError> {
        self.reset();
        let w = BlkWorker {
            queue: ctx.take_queue(0)?,
            disk: self.disk.clone(),
            interrupt: ctx.interrupt.clone(),
            metrics: self.metrics.clone(),
            broken: false,
        };
        self.worker = Some(Worker::spawn("rvisor-virtio-blk", move |ctl| w.run(ctl))?);
        Ok(())
    }

    fn notify(&mut self, queue: u16) {
        if let (0, Some(w)) = (queue, &self.worker) {
            w.kick();
        }
    }

    fn reset(&mut self) {
        if let Some(w) = self.worker.take() {
            w.stop();
        }
    }
}
