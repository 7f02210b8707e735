//! The transport's interrupt state (VIRTIO 1.2 §4.2.2 `InterruptStatus`):
//! shared by the transport (which reads and acknowledges it) and device
//! workers (which raise it from their own threads).
//!
//! The line is level-triggered and asserted exactly while `InterruptStatus`
//! is non-zero (platform.md §9). Status and level change under one lock so
//! a worker raising and a hart acknowledging can never leave the line low
//! with a bit set.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rvisor_memory::IrqLine;

/// `InterruptStatus` bit 0: the device used a buffer in some virtqueue.
#[doc(alias = "VIRTIO_MMIO_INT_VRING")]
pub const INT_USED_BUFFER: u32 = 1;
/// `InterruptStatus` bit 1: the configuration (or device status) changed.
#[doc(alias = "VIRTIO_MMIO_INT_CONFIG")]
pub const INT_CONFIG_CHANGE: u32 = 2;

/// Interrupt status of one virtio-mmio slot plus the `DEVICE_NEEDS_RESET`
/// flag devices set from any thread.
pub struct Interrupt {
    line: Arc<dyn IrqLine>,
    status: Mutex<u32>,
    needs_reset: AtomicBool,
    raised: AtomicU64,
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interrupt")
            .field("status", &self.status())
            .field("needs_reset", &self.needs_reset())
            .finish()
    }
}

impl Interrupt {
    /// Interrupt state driving `line`, initially clear.
    pub fn new(line: Arc<dyn IrqLine>) -> Self {
        Self {
            line,
            status: Mutex::new(0),
            needs_reset: AtomicBool::new(false),
            raised: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, u32> {
        // A panic elsewhere while holding this lock leaves a plain u32 behind,
        // which is always consistent; keep going rather than propagate.
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn raise(&self, bits: u32) {
        self.raised.fetch_add(1, Ordering::Relaxed);
        let mut s = self.lock();
        *s |= bits;
        self.line.set_level(true);
    }

    /// Signal that buffers were added to a used ring.
    pub fn signal_used(&self) {
        self.raise(INT_USED_BUFFER);
    }

    /// Signal a configuration change.
    pub fn signal_config(&self) {
        self.raise(INT_CONFIG_CHANGE);
    }

    /// Set `DEVICE_NEEDS_RESET` and notify the driver with a configuration
    /// change interrupt (§2.1.2: "the device SHOULD set DEVICE_NEEDS_RESET ...
    /// and send a device configuration change notification").
    pub fn set_needs_reset(&self) {
        if !self.needs_reset.swap(true, Ordering::AcqRel) {
            self.signal_config();
        }
    }

    /// Whether `DEVICE_NEEDS_RESET` is set.
    pub fn needs_reset(&self) -> bool {
        self.needs_reset.load(Ordering::Acquire)
    }

    /// How many times the device raised an interrupt (`--stats`).
    pub fn raised(&self) -> u64 {
        self.raised.load(Ordering::Relaxed)
    }

    /// Current `InterruptStatus`.
    pub fn status(&self) -> u32 {
        *self.lock()
    }

    /// `InterruptACK`: clear the written bits; drop the line if none remain.
    pub(crate) fn ack(&self, bits: u32) {
        let mut s = self.lock();
        *s &= !bits;
        self.line.set_level(*s != 0);
    }

    /// Device reset: clear status, `DEVICE_NEEDS_RESET`, and the line.
    pub(crate) fn reset(&self) {
        let mut s = self.lock();
        *s = 0;
        self.needs_reset.store(false, Ordering::Release);
        self.line.set_level(false);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A line that remembers its level.
    #[derive(Default)]
    pub(crate) struct Level(pub(crate) AtomicBool);
    impl IrqLine for Level {
        fn set_level(&self, level: bool) {
            self.0.store(level, Ordering::SeqCst);
        }
    }

    #[test]
    fn interrupt_ack_of_one_bit_keeps_line_high_for_other() {
        let line = Arc::new(Level::default());
        let irq = Interrupt::new(line.clone());
        irq.signal_used();
        irq.signal_config();
        irq.ack(INT_USED_BUFFER);
        assert!(line.0.load(Ordering::SeqCst));
        irq.ack(INT_CONFIG_CHANGE);
        assert!(!line.0.load(Ordering::SeqCst));
    }

    #[test]
    fn interrupt_needs_reset_raises_config_change_once() {
        let irq = Interrupt::new(Arc::new(Level::default()));
        irq.set_needs_reset();
        irq.ack(INT_CONFIG_CHANGE);
        irq.set_needs_reset();
        assert_eq!((irq.status(), irq.needs_reset()), (0, true));
    }
}
