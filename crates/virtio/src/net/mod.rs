//! virtio-net (device ID 1, VIRTIO 1.2 §5.1): one receive and one transmit
//! queue, a fixed MAC (`VIRTIO_NET_F_MAC`), link always up
//! (`VIRTIO_NET_F_STATUS`), no offloads, no control queue, no mergeable
//! receive buffers.
//!
//! Transmit runs on the notifying thread: each chain is one
//! `virtio_net_hdr` + frame; the header is stripped and the frame goes to
//! the [`NetBackend`]. Receive runs on a host thread per device that waits
//! on the backend (a [`Tap`](crate::Tap) in production), holds at most one
//! frame while the guest has no receive buffer, writes an all-zero header
//! (`num_buffers` = 1) plus the frame into the next buffer, and raises the
//! interrupt. Reset stops and joins the thread.
//!
//! Files: `regs.rs` (constants, config layout), `metrics.rs` (counters);
//! the tap itself is `crate::sys::tap`.

pub mod metrics;
pub mod regs;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::device::{ActivateContext, ActivateError, VirtioDevice};
use crate::interrupt::Interrupt;
use crate::queue::{Queue, QueueError};
use crate::util::{add, bump, read_config_image, warn_limited};
use crate::worker::{Worker, WorkerCtl};

pub use metrics::{NetMetrics, NetStats};
use regs::*;

/// How long the receive thread waits for the backend or for receive buffers
/// before re-checking whether it must stop (bounds reset latency).
const RX_POLL: Duration = Duration::from_millis(20);

/// Where frames go and come from: bare Ethernet frames, no virtio header.
pub trait NetBackend: Send + Sync + 'static {
    /// Send one frame (dropping it is fine when the host side is full).
    fn send(&self, frame: &[u8]) -> io::Result<()>;
    /// Wait at most `timeout` for one frame; `Ok(None)` if none came.
    fn recv(&self, buf: &mut [u8], timeout: Duration) -> io::Result<Option<usize>>;
}

/// A virtio network card.
pub struct VirtioNet {
    backend: Arc<dyn NetBackend>,
    config: [u8; CONFIG_LEN],
    metrics: Arc<NetMetrics>,
    tx: Option<(Queue, Arc<Interrupt>)>,
    rx: Option<Worker>,
    frame: Vec<u8>,
}

impl std::fmt::Debug for VirtioNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtioNet")
            .field("mac", &&self.config[..6])
            .field("active", &self.tx.is_some())
            .finish_non_exhaustive()
    }
}

impl VirtioNet {
    /// A network card with address `mac` on `backend`.
    pub fn new(backend: Arc<dyn NetBackend>, mac: [u8; 6]) -> Self {
        Self {
            backend,
            config: config_image(mac),
            metrics: Arc::default(),
            tx: None,
            rx: None,
            frame: vec![0; NET_HDR_LEN + MAX_FRAME_LEN],
        }
    }

    /// The live counters.
    pub fn metrics(&self) -> Arc<NetMetrics> {
        self.metrics.clone()
    }

    fn transmit(&mut self) {
        let Some((queue, interrupt)) = self.tx.as_mut() else {
            return;
        };
        let ram = queue.ram().clone();
        let mut used = false;
        let mut broken: Option<QueueError> = None;
        loop {
            let chain = match queue.pop() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            };
            let len = chain.readable_len();
            if len < NET_HDR_LEN as u64 || len > self.frame.len() as u64 {
                bump(&self.metrics.tx_dropped);
            } else {
                let n = chain.reader(&ram).read(&mut self.frame);
                let frame = &self.frame[NET_HDR_LEN..n];
                match self.backend.send(frame) {
                    Ok(()) => {
                        bump(&self.metrics.tx_frames);
                        add(&self.metrics.tx_bytes, frame.len() as u64);
                    }
                    Err(_) => bump(&self.metrics.tx_errors),
                }
            }
            if let Err(e) = queue.add_used(chain.head(), 0) {
                broken = Some(e);
                break;
            }
            used = true;
        }
        if used && queue.needs_interrupt() {
            interrupt.signal_used();
        }
        if let Some(e) = broken {
            bump(&self.metrics.queue_errors);
            warn_limited!("virtio-net: transmit queue broken: {e}");
            interrupt.set_needs_reset();
            self.tx = None;
        }
    }
}

/// What the receive thread owns.
struct RxWorker {
    queue: Queue,
    backend: Arc<dyn NetBackend>,
    interrupt: Arc<Interrupt>,
    metrics: Arc<NetMetrics>,
}

/// Outcome of offering one frame to the guest.
enum Delivery {
    Done,
    NoBuffer,
    Broken,
}

impl RxWorker {
    fn run(mut self, ctl: Arc<WorkerCtl>) {
        let mut buf = vec![0u8; NET_HDR_LEN + MAX_FRAME_LEN];
        let mut pending: Option<usize> = None;
        let mut broken = false;
        while !ctl.stopping() {
            let n = match pending {
                Some(n) => n,
                None => match self.backend.recv(&mut buf[NET_HDR_LEN..], RX_POLL) {
                    Ok(Some(n)) => n,
                    Ok(None) => continue,
                    Err(_) => {
                        bump(&self.metrics.rx_errors);
                        // Do not spin on a failing backend.
                        ctl.wait_timeout(RX_POLL);
                        continue;
                    }
                },
            };
            if broken {
                bump(&self.metrics.rx_dropped);
                pending = None;
                continue;
            }
            pending = Some(n);
            match self.deliver(&mut buf[..NET_HDR_LEN + n]) {
                Delivery::Done => pending = None,
                Delivery::NoBuffer => {
                    // Hold the frame until the guest posts buffers (notify).
                    ctl.wait_timeout(RX_POLL);
                }
                Delivery::Broken => broken = true,
            }
        }
    }

    /// Write `packet` (header space + frame) into the next receive buffer.
    fn deliver(&mut self, packet: &mut [u8]) -> Delivery {
        let ram = self.queue.ram().clone();
        let chain = match self.queue.pop() {
            Ok(Some(c)) => c,
            Ok(None) => return Delivery::NoBuffer,
            Err(e) => return self.fail(&e),
        };
        // §5.1.6.4: no offloads negotiated, so flags/gso are zero; one buffer.
        packet[..NET_HDR_LEN].fill(0);
        packet[NUM_BUFFERS_OFFSET..NUM_BUFFERS_OFFSET + 2].copy_from_slice(&1u16.to_le_bytes());
        let mut w = chain.writer(&ram);
        if w.remaining() < packet.len() as u64 {
            bump(&self.metrics.rx_dropped);
        } else {
            w.write(packet);
            bump(&self.metrics.rx_frames);
            add(&self.metrics.rx_bytes, (packet.len() - NET_HDR_LEN) as u64);
        }
        if let Err(e) = self.queue.add_used(chain.head(), w.written()) {
            return self.fail(&e);
        }
        if self.queue.needs_interrupt() {
            self.interrupt.signal_used();
        }
        Delivery::Done
    }

    fn fail(&self, e: &QueueError) -> Delivery {
        bump(&self.metrics.queue_errors);
        warn_limited!("virtio-net: receive queue broken: {e}");
        self.interrupt.set_needs_reset();
        Delivery::Broken
    }
}

impl VirtioDevice for VirtioNet {
    fn device_type(&self) -> u32 {
        crate::device_id::NET
    }

    fn device_features(&self) -> u64 {
        (1 << VIRTIO_NET_F_MAC) | (1 << VIRTIO_NET_F_STATUS)
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE, QUEUE_SIZE]
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_image(&self.config, offset, data);
    }

    fn activate(&mut self, mut ctx: ActivateContext) -> Result<(), ActivateError> {
        self.reset();
        let rxq = ctx.take_queue(usize::from(RECEIVEQ))?;
        let txq = ctx.take_queue(usize::from(TRANSMITQ))?;
        let w = RxWorker {
            queue: rxq,
            backend: self.backend.clone(),
            interrupt: ctx.interrupt.clone(),
            metrics: self.metrics.clone(),
        };
        self.rx = Some(Worker::spawn("rvisor-virtio-net-rx", move |ctl| {
            w.run(ctl)
        })?);
        self.tx = Some((txq, ctx.interrupt.clone()));
        Ok(())
    }

    fn notify(&mut self, queue: u16) {
        match (queue, &self.rx) {
            (RECEIVEQ, Some(w)) => w.kick(),
            (TRANSMITQ, _) => self.transmit(),
            _ => {}
        }
    }

    fn reset(&mut self) {
        self.tx = None;
        if let Some(w) = self.rx.take() {
            w.stop();
        }
    }
}
