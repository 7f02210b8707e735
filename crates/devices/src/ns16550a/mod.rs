//! NS16550A UART at 0x10000000, reg-shift 0 (platform.md §3, §11; TI
//! PC16550D datasheet).
//!
//! Written here rather than with `vm-superio`'s `Serial`: we need the FCR
//! (FIFO enable/reset and IIR bits 7:6), a bounded host-side queue behind the
//! 16-byte FIFO so pasted text is not lost, and a state we can snapshot as
//! plain data; adapting `Serial` would have taken as much code.
//!
//! * All eight registers plus DLL/DLM; IIR priorities RLS > RDA/CTI > THRI >
//!   MSI; THRI pending when ETBEI is enabled with THR empty, cleared by an
//!   IIR read that reports it or by a THR write.
//! * Transmission is instantaneous: each THR byte goes to the output sink and
//!   is flushed at once (interactive console), so LSR.THRE|TEMT are always
//!   set. LSR never reads 0xFF.
//! * Input: the VMM's console thread calls [`Ns16550a::push_input`].
//! * MCR loopback (THR → RBR, modem outputs → MSR inputs) is implemented.
//! * Each register is one byte at offsets 0..=7; an access of any width at
//!   offset `n` reaches register `n` only (as QEMU's `serial_mm` does), and
//!   other offsets read 0.

mod regs;
mod state;

pub use regs::{FIFO_DEPTH, HOST_QUEUE_CAP, WINDOW_SIZE};
pub use state::Ns16550aState;

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use rvisor_memory::{IrqLine, MmioDevice};

use crate::util::{bump, metrics, warn_limited};

metrics! {
    /// Event counts of the UART, for `--stats`.
    Ns16550aStats / Ns16550aMetrics {
        /// Bytes sent to the output sink.
        tx_bytes,
        /// Host input bytes accepted by `push_input`.
        rx_bytes,
        /// Host input bytes refused because the host queue was full.
        rx_refused,
        /// Output sink write or flush failures.
        output_errors,
        /// Accesses to offsets with no register.
        mmio_unknown_accesses,
    }
}

struct Locked {
    st: Ns16550aState,
    out: Box<dyn Write + Send>,
    irq_level: Option<bool>,
}

/// The UART. Map it at 0x10000000 with size [`WINDOW_SIZE`]; its interrupt
/// line is PLIC source 10 on the virt board.
pub struct Ns16550a {
    locked: Mutex<Locked>,
    irq: Arc<dyn IrqLine>,
    metrics: Ns16550aMetrics,
}

impl std::fmt::Debug for Ns16550a {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ns16550a")
    }
}

impl Ns16550a {
    /// A UART sending its output to `out` and signalling on `irq`.
    pub fn new(out: Box<dyn Write + Send>, irq: Arc<dyn IrqLine>) -> Self {
        let dev = Self {
            locked: Mutex::new(Locked {
                st: Ns16550aState::new(),
                out,
                irq_level: None,
            }),
            irq,
            metrics: Ns16550aMetrics::default(),
        };
        dev.update(&mut dev.lock());
        dev
    }

    fn lock(&self) -> MutexGuard<'_, Locked> {
        self.locked.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, l: &mut Locked) {
        let level = l.st.irq_level();
        if l.irq_level != Some(level) {
            l.irq_level = Some(level);
            self.irq.set_level(level);
        }
    }

    /// Queue console input for the guest (called by the VMM's console
    /// thread). Returns how many bytes were taken: the host queue holds at
    /// most [`HOST_QUEUE_CAP`] bytes, and the caller keeps the rest and
    /// retries later. Raises the interrupt if the guest enabled it.
    pub fn push_input(&self, bytes: &[u8]) -> usize {
        let mut l = self.lock();
        let n = l.st.push_input(bytes);
        self.metrics
            .rx_bytes
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        let refused = bytes.len() - n;
        if refused > 0 {
            self.metrics
                .rx_refused
                .fetch_add(refused as u64, std::sync::atomic::Ordering::Relaxed);
        }
        self.update(&mut l);
        n
    }

    /// Input bytes accepted but not yet read by the guest.
    pub fn input_pending(&self) -> usize {
        let l = self.lock();
        l.st.rx.len() + l.st.host_rx.len()
    }

    /// Event counters.
    pub fn stats(&self) -> Ns16550aStats {
        self.metrics.snapshot()
    }

    /// A copy of the guest-visible state (for snapshots and tests).
    pub fn state(&self) -> Ns16550aState {
        self.lock().st.clone()
    }

    /// Machine reset: registers to their power-on values; input not yet read
    /// by the guest is kept (it was typed for whoever runs next).
    pub fn reset(&self) {
        let mut l = self.lock();
        let mut input = std::mem::take(&mut l.st.rx);
        input.append(&mut l.st.host_rx);
        l.st = Ns16550aState::new();
        l.st.push_input(&Vec::from(input));
        self.update(&mut l);
    }

    fn emit(&self, l: &mut Locked, byte: u8) {
        bump(&self.metrics.tx_bytes);
        // Flush every byte: prompts without a newline must show at once.
        if l.out
            .write_all(&[byte])
            .and_then(|()| l.out.flush())
            .is_err()
        {
            bump(&self.metrics.output_errors);
            warn_limited!("ns16550a: console output failed; byte dropped");
        }
    }
}

impl MmioDevice for Ns16550a {
    fn read(&self, offset: u64, _size: u8) -> u64 {
        if offset > regs::SCR {
            bump(&self.metrics.mmio_unknown_accesses);
            return 0;
        }
        let mut l = self.lock();
        let v = l.st.read(offset);
        self.update(&mut l);
        u64::from(v)
    }

    fn write(&self, offset: u64, _size: u8, value: u64) {
        if offset > regs::SCR {
            bump(&self.metrics.mmio_unknown_accesses);
            return;
        }
        let mut l = self.lock();
        if let Some(byte) = l.st.write(offset, value as u8) {
            self.emit(&mut l, byte);
        }
        self.update(&mut l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Rng, SharedBuf, TestLine};
    use regs::{IER, IER_ERBFI, IER_ETBEI, IIR_FCR, LSR, RBR_THR};

    fn rig() -> (Ns16550a, SharedBuf, Arc<TestLine>) {
        let buf = SharedBuf::default();
        let line = TestLine::new();
        (
            Ns16550a::new(Box::new(buf.clone()), line.clone()),
            buf,
            line,
        )
    }

    #[test]
    fn ns16550a_thr_bytes_reach_output() {
        let (uart, buf, _) = rig();
        for &b in b"hi\n" {
            uart.write(RBR_THR, 1, u64::from(b));
        }
        assert_eq!(buf.contents(), b"hi\n");
        assert_eq!(uart.stats().tx_bytes, 3);
    }

    #[test]
    fn ns16550a_input_raises_irq_and_reading_lowers_it() {
        let (uart, _, line) = rig();
        uart.write(IER, 1, u64::from(IER_ERBFI));
        assert_eq!(uart.push_input(b"a"), 1);
        assert!(line.level());
        assert_eq!(uart.read(RBR_THR, 1), u64::from(b'a'));
        assert!(!line.level());
    }

    #[test]
    fn ns16550a_thri_irq_follows_iir_read_and_thr_write() {
        let (uart, _, line) = rig();
        uart.write(IER, 1, u64::from(IER_ETBEI));
        assert!(line.level());
        uart.read(IIR_FCR, 1);
        assert!(!line.level());
        uart.write(RBR_THR, 1, 0x41);
        assert!(line.level());
    }

    #[test]
    fn ns16550a_wide_access_reaches_one_register() {
        let (uart, _, _) = rig();
        assert_eq!(uart.read(LSR, 4), 0x60);
        assert_eq!(uart.read(8, 4), 0);
        assert_eq!(uart.stats().mmio_unknown_accesses, 1);
    }

    #[test]
    fn ns16550a_reset_keeps_pending_host_input() {
        let (uart, _, _) = rig();
        uart.push_input(b"xyz");
        uart.reset();
        assert_eq!(uart.input_pending(), 3);
        assert_eq!(uart.read(RBR_THR, 1), u64::from(b'x'));
    }

    #[test]
    fn ns16550a_hostile_access_stream_never_panics_or_reads_lsr_ff() {
        let (uart, _, line) = rig();
        let mut rng = Rng::new(0x16550);
        for _ in 0..5000 {
            let off = if rng.next().is_multiple_of(8) {
                rng.next()
            } else {
                rng.next() % 8
            };
            match rng.next() % 4 {
                0 => {
                    uart.write(off, rng.size(), rng.next());
                }
                1 => {
                    uart.push_input(&rng.next().to_le_bytes());
                }
                _ => {
                    uart.read(off, rng.size());
                }
            }
            // LCR.DLAB does not hide LSR.
            assert_ne!(uart.read(LSR, 1), 0xff);
        }
        assert_eq!(line.level(), uart.state().irq_level());
    }
}
