//! virtio-rng / entropy device (device ID 4, VIRTIO 1.2 §5.4).
//!
//! The driver posts device-writable buffers; the device fills them from the
//! host entropy source (`/dev/urandom` by default), at most
//! [`MAX_BYTES_PER_REQUEST`](regs::MAX_BYTES_PER_REQUEST) per chain. Work is
//! small and bounded, so it runs on the notifying thread.
//!
//! Files: `regs.rs` (constants), `metrics.rs` (counters).

pub mod metrics;
pub mod regs;

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::device::{ActivateContext, ActivateError, VirtioDevice};
use crate::error::VirtioError;
use crate::interrupt::Interrupt;
use crate::queue::Queue;
use crate::util::{add, bump, warn_limited};

pub use metrics::{RngMetrics, RngStats};
use regs::*;

/// A virtio entropy device.
pub struct VirtioRng {
    source: Box<dyn Read + Send>,
    metrics: Arc<RngMetrics>,
    active: Option<(Queue, Arc<Interrupt>)>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for VirtioRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtioRng")
            .field("active", &self.active.is_some())
            .finish_non_exhaustive()
    }
}

impl VirtioRng {
    /// An entropy device reading `/dev/urandom`.
    pub fn new() -> Result<Self, VirtioError> {
        Self::with_path("/dev/urandom")
    }

    /// An entropy device reading the file (or character device) at `path`.
    pub fn with_path(path: impl AsRef<Path>) -> Result<Self, VirtioError> {
        let p = path.as_ref();
        let f = File::open(p).map_err(|source| VirtioError::OpenEntropy {
            path: p.to_path_buf(),
            source,
        })?;
        Ok(Self::with_source(Box::new(f)))
    }

    /// An entropy device reading `source` (tests use a fixed pattern).
    pub fn with_source(source: Box<dyn Read + Send>) -> Self {
        Self {
            source,
            metrics: Arc::default(),
            active: None,
            buf: vec![0; MAX_BYTES_PER_REQUEST],
        }
    }

    /// The live counters.
    pub fn metrics(&self) -> Arc<RngMetrics> {
        self.metrics.clone()
    }

    fn serve(&mut self) {
        let Some((queue, interrupt)) = self.active.as_mut() else {
            return;
        };
        let ram = queue.ram().clone();
        let mut used = false;
        loop {
            let chain = match queue.pop() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    bump(&self.metrics.queue_errors);
                    warn_limited!("virtio-rng: request queue broken: {e}");
                    interrupt.set_needs_reset();
                    self.active = None;
                    return;
                }
            };
            let want = usize::try_from(chain.writable_len())
                .unwrap_or(usize::MAX)
                .min(self.buf.len());
            let buf = &mut self.buf[..want];
            let len = match self.source.read_exact(buf) {
                Ok(()) => chain.writer(&ram).write(buf),
                Err(_) => {
                    bump(&self.metrics.source_errors);
                    0
                }
            };
            bump(&self.metrics.requests);
            add(&self.metrics.bytes, len as u64);
            if let Err(e) = queue.add_used(chain.head(), len as u32) {
                bump(&self.metrics.queue_errors);
                warn_limited!("virtio-rng: request queue broken: {e}");
                interrupt.set_needs_reset();
                self.active = None;
                return;
            }
            used = true;
        }
        if used && queue.needs_interrupt() {
            interrupt.signal_used();
        }
    }
}

impl VirtioDevice for VirtioRng {
    fn device_type(&self) -> u32 {
        crate::device_id::ENTROPY
    }

    fn device_features(&self) -> u64 {
        0
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE]
    }

    fn read_config(&self, _offset: u64, data: &mut [u8]) {
        data.fill(0);
    }

    fn activate(&mut self, mut ctx: ActivateContext) -> Result<(), ActivateError> {
        self.active = Some((ctx.take_queue(0)?, ctx.interrupt.clone()));
        Ok(())
    }

    fn notify(&mut self, queue: u16) {
        if queue == 0 {
            self.serve();
        }
    }

    fn reset(&mut self) {
        self.active = None;
    }
}
