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
/// Bit asking the hart to drop decoded blocks only (remote `fence.i`, code
/// pages written by another hart).
pub const FENCE_I_REQUEST: u64 = 1 << 61;
/// Bit asking the hart to flush its TLB (remote `sfence.vma`); the flushes
/// asked for are counted, see [`HartSignals::post_tlb_flush`].
pub const TLB_FLUSH_REQUEST: u64 = 1 << 60;
/// The request bits (not interrupts).
pub const REQUEST_MASK: u64 = EXIT_REQUEST | FENCE_I_REQUEST | TLB_FLUSH_REQUEST;

/// Shared between a hart's thread and everything that signals it.
#[derive(Debug, Default)]
pub struct HartSignals {
    /// Interrupt-pending bits driven from outside the hart, in `mip` bit
    /// positions (MSIP 3, MTIP 7, MEIP 11, SEIP 9, SSIP 1, STIP 5), plus the
    /// request bits above. The hart ORs the `mip` bits into its view of `mip`.
    pub pending: AtomicU64,
    /// TLB flushes asked for (a count: the latest is the ticket).
    tlb_posted: AtomicU64,
    /// `tlb_posted` as it was when the hart last flushed for them.
    tlb_done: AtomicU64,
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

    /// Ask the hart to flush its TLB at its next block boundary (which
    /// translated code reaches within one block). Returns the ticket that
    /// [`tlb_flushed`](Self::tlb_flushed) reports done.
    pub fn post_tlb_flush(&self) -> u64 {
        let ticket = self.tlb_posted.fetch_add(1, Ordering::AcqRel) + 1;
        self.raise(TLB_FLUSH_REQUEST);
        ticket
    }

    /// Has the hart flushed its TLB since the flush with `ticket` was posted?
    pub fn tlb_flushed(&self, ticket: u64) -> bool {
        self.tlb_done.load(Ordering::Acquire) >= ticket
    }

    /// The flushes posted so far, to record as done once the TLB is flushed
    /// (read before flushing: a later post raises the request again).
    pub(crate) fn tlb_flushes_posted(&self) -> Option<u64> {
        let posted = self.tlb_posted.load(Ordering::Acquire);
        (posted != self.tlb_done.load(Ordering::Acquire)).then_some(posted)
    }

    pub(crate) fn tlb_flushes_done(&self, posted: u64) {
        self.tlb_done.fetch_max(posted, Ordering::AcqRel);
    }

    /// Wake the hart's thread if it is parked in [`wait`](Self::wait).
    pub fn wake(&self) {
        // The lock guards no data (only the sleep/wake handshake), so a
        // panic that poisoned it left nothing inconsistent.
        let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }

    /// Park until `pending & mask != 0` or `timeout` passes (spurious wake-ups
    /// are fine: the caller re-checks).
    pub fn wait(&self, mask: u64, timeout: Duration) {
        let g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.load() & mask != 0 {
            return;
        }
        let _ = self
            .cv
            .wait_timeout(g, timeout)
            .unwrap_or_else(|e| e.into_inner());
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
