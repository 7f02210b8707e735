//! virtio-console (device ID 3, VIRTIO 1.2 §5.3), single port.
//!
//! Output: chains on the transmit queue are copied to a
//! `Box<dyn Write + Send>` and flushed after each batch, on the notifying
//! thread. Input: the VMM calls [`ConsoleInput::push_input`] (from its stdin
//! thread, say); bytes wait in a bounded host buffer until the guest posts
//! receive buffers, and each delivery raises the interrupt.
//!
//! Files: `regs.rs` (constants), `metrics.rs` (counters).

pub mod metrics;
pub mod regs;

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::device::{ActivateContext, ActivateError, VirtioDevice};
use crate::interrupt::Interrupt;
use crate::queue::{Queue, QueueError};
use crate::util::{add, bump, warn_limited};

pub use metrics::{ConsoleMetrics, ConsoleStats};
use regs::*;

/// Receive side, shared between the device and [`ConsoleInput`] handles.
#[derive(Default)]
struct Rx {
    pending: VecDeque<u8>,
    active: Option<(Queue, Arc<Interrupt>)>,
}

impl Rx {
    /// Move pending input into receive buffers; interrupt if any were used.
    fn fill(&mut self, metrics: &ConsoleMetrics) {
        let Some((queue, interrupt)) = self.active.as_mut() else {
            return;
        };
        let ram = queue.ram().clone();
        let mut used = false;
        let mut broken: Option<QueueError> = None;
        while !self.pending.is_empty() {
            let chain = match queue.pop() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    broken = Some(e);
                    break;
                }
            };
            let mut w = chain.writer(&ram);
            let (a, b) = self.pending.as_slices();
            let n = w.write(a) + if w.remaining() > 0 { w.write(b) } else { 0 };
            self.pending.drain(..n);
            add(&metrics.rx_bytes, n as u64);
            if let Err(e) = queue.add_used(chain.head(), w.written()) {
                broken = Some(e);
                break;
            }
            used = true;
        }
        if used && queue.needs_interrupt() {
            interrupt.signal_used();
        }
        if let Some(e) = broken {
            bump(&metrics.queue_errors);
            warn_limited!("virtio-console: receive queue broken: {e}");
            interrupt.set_needs_reset();
            self.active = None;
        }
    }
}

fn lock(rx: &Mutex<Rx>) -> MutexGuard<'_, Rx> {
    rx.lock().unwrap_or_else(|e| e.into_inner())
}

/// A handle the VMM keeps to feed console input to the guest.
#[derive(Clone)]
pub struct ConsoleInput {
    rx: Arc<Mutex<Rx>>,
    metrics: Arc<ConsoleMetrics>,
}

impl std::fmt::Debug for ConsoleInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleInput")
    }
}

impl ConsoleInput {
    /// Queue `data` for the guest and deliver what fits into its receive
    /// buffers now. Bytes beyond [`INPUT_BUFFER_CAP`] pending are dropped;
    /// returns how many bytes were accepted.
    pub fn push_input(&self, data: &[u8]) -> usize {
        let mut rx = lock(&self.rx);
        let room = INPUT_BUFFER_CAP.saturating_sub(rx.pending.len());
        let n = data.len().min(room);
        rx.pending.extend(&data[..n]);
        add(&self.metrics.rx_dropped, (data.len() - n) as u64);
        rx.fill(&self.metrics);
        n
    }

    /// Take up to `buf.len()` pending input bytes for another reader (the SBI
    /// debug console), but only while the driver has not claimed the input
    /// (no `DRIVER_OK` since the last reset). Once it has, every byte belongs
    /// to the receive queue and this returns 0: one byte never reaches two
    /// readers, and none typed before the driver came up is lost.
    pub fn take_unclaimed(&self, buf: &mut [u8]) -> usize {
        let mut rx = lock(&self.rx);
        if rx.active.is_some() {
            return 0;
        }
        let n = buf.len().min(rx.pending.len());
        for (d, s) in buf.iter_mut().zip(rx.pending.drain(..n)) {
            *d = s;
        }
        n
    }
}

/// A virtio console.
pub struct VirtioConsole {
    output: Box<dyn Write + Send>,
    rx: Arc<Mutex<Rx>>,
    tx: Option<(Queue, Arc<Interrupt>)>,
    metrics: Arc<ConsoleMetrics>,
}

impl std::fmt::Debug for VirtioConsole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtioConsole")
            .field("active", &self.tx.is_some())
            .finish_non_exhaustive()
    }
}

impl VirtioConsole {
    /// A console writing guest output to `output`.
    pub fn new(output: Box<dyn Write + Send>) -> Self {
        Self {
            output,
            rx: Arc::default(),
            tx: None,
            metrics: Arc::default(),
        }
    }

    /// A handle for feeding input (keep it before handing the device over).
    pub fn input(&self) -> ConsoleInput {
        ConsoleInput {
            rx: self.rx.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// The live counters.
    pub fn metrics(&self) -> Arc<ConsoleMetrics> {
        self.metrics.clone()
    }

    fn transmit(&mut self) {
        let Some((queue, interrupt)) = self.tx.as_mut() else {
            return;
        };
        let ram = queue.ram().clone();
        let mut buf = [0u8; TX_CHUNK];
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
            let mut r = chain.reader(&ram);
            loop {
                let n = r.read(&mut buf);
                if n == 0 {
                    break;
                }
                add(&self.metrics.tx_bytes, n as u64);
                if self.output.write_all(&buf[..n]).is_err() {
                    bump(&self.metrics.output_errors);
                }
            }
            if let Err(e) = queue.add_used(chain.head(), 0) {
                broken = Some(e);
                break;
            }
            used = true;
        }
        if self.output.flush().is_err() {
            bump(&self.metrics.output_errors);
        }
        if used && queue.needs_interrupt() {
            interrupt.signal_used();
        }
        if let Some(e) = broken {
            bump(&self.metrics.queue_errors);
            warn_limited!("virtio-console: transmit queue broken: {e}");
            interrupt.set_needs_reset();
            self.tx = None;
        }
    }
}

impl VirtioDevice for VirtioConsole {
    fn device_type(&self) -> u32 {
        crate::device_id::CONSOLE
    }

    fn device_features(&self) -> u64 {
        0
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE, QUEUE_SIZE]
    }

    fn read_config(&self, _offset: u64, data: &mut [u8]) {
        data.fill(0);
    }

    fn activate(&mut self, mut ctx: ActivateContext) -> Result<(), ActivateError> {
        let rxq = ctx.take_queue(usize::from(RECEIVEQ))?;
        let txq = ctx.take_queue(usize::from(TRANSMITQ))?;
        self.tx = Some((txq, ctx.interrupt.clone()));
        let mut rx = lock(&self.rx);
        rx.active = Some((rxq, ctx.interrupt.clone()));
        rx.fill(&self.metrics);
        Ok(())
    }

    fn notify(&mut self, queue: u16) {
        match queue {
            RECEIVEQ => lock(&self.rx).fill(&self.metrics),
            TRANSMITQ => self.transmit(),
            _ => {}
        }
    }

    fn reset(&mut self) {
        self.tx = None;
        // Pending input stays: it is host data, not device state.
        lock(&self.rx).active = None;
    }
}
