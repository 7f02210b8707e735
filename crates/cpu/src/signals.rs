//! Asynchronous inputs to a hart: interrupt-pending bits driven by devices and
//! timers on other threads, and requests to stop. The hart polls one atomic word
//! at block boundaries; a hart parked in `wfi` is woken when a bit is raised.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rvisor_memory::IrqLine;

/// Bit in [`HartSignals::pending`] (above every `mip` bit) that asks the hart
/// to return `Exit::Stopped` at the next block boundary.
pub const EXIT_REQUEST: u64 = 1 << 63;
/// Bit asking the hart to flush its TLB and decoded blocks (remote fences).
pub const FLUSH_REQUEST: u64 = 1 << 62;
/// Bit asking the hart to drop decoded blocks only (remote `fence.i`, code
/// pages written by another hart).
pub const FENCE_I_REQUEST: u64 = 1 << 61;
/// The request bits (not interrupts).
pub const REQUEST_MASK: u64 = EXIT_REQUEST | FLUSH_REQUEST | FENCE_I_REQUEST;

/// Shared between a hart's thread and everything that signals it.
#[derive(Debug, Default)]
pub struct HartSignals {
    /// Interrupt-pending bits driven from outside the hart, in `mip` bit
    /// positions (MSIP 3, MTIP 7, MEIP 11, SEIP 9, SSIP 1, STIP 5), plus the
    /// request bits above. The hart ORs the `mip` bits into its view of `mip`.
    pub pending: AtomicU64,
    lock: Mutex<()>,
    cv: Condvar,
}

impl HartSignals {
    /// New signals with nothing pending.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Current pending word.
    #[inline(always)]
    pub fn load(&self) -> u64 {
        self.pending.load(Ordering::Acquire)
    }

    /// Set `bits` and wake the hart if it is parked.
    pub fn raise(&self, bits: u64) {
        let old = self.pending.fetch_or(bits, Ordering::AcqRel);
        if old & bits != bits {
            self.wake();
        }
    }

    /// Clear `bits`.
    pub fn lower(&self, bits: u64) {
        self.pending.fetch_and(!bits, Ordering::AcqRel);
    }

    /// Clear and return the request bits (`REQUEST_MASK`) that are set.
    pub fn take_requests(&self, bits: u64) -> u64 {
        self.pending.fetch_and(!bits, Ordering::AcqRel) & bits
    }

    /// Ask the hart to stop at its next block boundary.
    pub fn request_exit(&self) {
        self.raise(EXIT_REQUEST);
    }

    /// Wake the hart's thread if it is parked in [`wait`](Self::wait).
    pub fn wake(&self) {
        let _g = self.lock.lock().expect("signals lock poisoned");
        self.cv.notify_all();
    }

    /// Park until `pending & mask != 0` or `timeout` passes (spurious wake-ups
    /// are fine: the caller re-checks).
    pub fn wait(&self, mask: u64, timeout: Duration) {
        let g = self.lock.lock().expect("signals lock poisoned");
        if self.load() & mask != 0 {
            return;
        }
        let _ = self
            .cv
            .wait_timeout(g, timeout)
            .expect("signals lock poisoned");
    }
}

/// An interrupt line into one `mip` bit of one hart (what the platform hands
/// to the CLINT, the PLIC and the timer queue).
#[derive(Debug, Clone)]
pub struct HartIrq {
    signals: Arc<HartSignals>,
    bit: u64,
}

impl HartIrq {
    /// A line driving `mip` bit number `bit` of the hart behind `signals`.
    pub fn new(signals: Arc<HartSignals>, bit: u32) -> Self {
        Self {
            signals,
            bit: 1 << bit,
        }
    }
}

impl IrqLine for HartIrq {
    fn set_level(&self, level: bool) {
        if level {
            self.signals.raise(self.bit);
        } else {
            self.signals.lower(self.bit);
        }
    }
}
