//! The virtio-mmio transport, Version 2 (VIRTIO 1.2 §4.2; platform.md §9).
//!
//! One [`VirtioMmio`] serves one 0x1000-byte slot: it implements the register
//! file, feature negotiation, the device status state machine (§2.1, §3.1.1)
//! and queue setup, and drives a [`VirtioDevice`]. Registers are reached from
//! any hart thread, so state sits behind one mutex; the interrupt status is
//! shared with device workers through [`Interrupt`].
//!
//! Guest-facing rules (style.md §6.4): registers below 0x100 answer only
//! aligned 32-bit accesses (§4.2.2.2 "The driver MUST only use 32 bit wide
//! and aligned reads and writes"), anything else reads zero and is dropped;
//! config space is byte-granular at any width; writes in the wrong state are
//! ignored and counted.

pub mod regs;

use std::sync::{Arc, Mutex, MutexGuard};

use rvisor_memory::{GuestRam, IrqLine, MmioDevice};

use crate::device::{ActivateContext, VirtioDevice};
use crate::features::{VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1};
use crate::interrupt::Interrupt;
use crate::queue::{Queue, QueueConfig};
use crate::status::{ACKNOWLEDGE, DEVICE_NEEDS_RESET, DRIVER, DRIVER_OK, FAILED, FEATURES_OK};
use crate::util::{bump, metrics, warn_limited};

use regs::*;

/// Size of one virtio-mmio slot's window (QEMU virt: 0x1000 apart).
pub const VIRTIO_MMIO_WINDOW: u64 = 0x1000;

metrics! {
    /// Transport event counts, for `--stats`.
    TransportStats / TransportMetrics {
        /// Register reads that were not aligned 32-bit or hit no register.
        mmio_bad_reads,
        /// Register writes that were not aligned 32-bit or hit no register.
        mmio_bad_writes,
        /// Writes ignored because of the device status (e.g. queue setup
        /// after `DRIVER_OK`, status bits cleared without reset).
        writes_in_wrong_state,
        /// Queue setups refused at `QueueReady`.
        queue_setup_errors,
        /// `FEATURES_OK` refused (driver accepted bits not offered).
        features_refused,
        /// Device resets (Status = 0).
        resets,
        /// Activations (`DRIVER_OK`) that succeeded.
        activations,
        /// Activations refused by the device.
        activation_errors,
        /// Queue notifications delivered to the device.
        notifies,
        /// Queue notifications ignored (inactive device, bad index).
        notifies_ignored,
        /// Interrupts the device raised (filled from the interrupt state).
        interrupts,
    }
}

struct State {
    device: Box<dyn VirtioDevice>,
    max_sizes: Vec<u16>,
    status: u32,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    queues: Vec<QueueConfig>,
    active: bool,
    config_generation: u32,
}

/// One virtio-mmio slot: the transport registers plus the device behind them.
pub struct VirtioMmio {
    ram: Arc<GuestRam>,
    interrupt: Arc<Interrupt>,
    state: Mutex<State>,
    metrics: TransportMetrics,
}

impl std::fmt::Debug for VirtioMmio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtioMmio")
            .field("interrupt", &self.interrupt)
            .finish_non_exhaustive()
    }
}

/// A 32-bit half of a 64-bit value.
fn set_half(old: u64, high: bool, v: u32) -> u64 {
    if high {
        (old & 0xffff_ffff) | (u64::from(v) << 32)
    } else {
        (old & !0xffff_ffff) | u64::from(v)
    }
}

impl VirtioMmio {
    /// A slot serving `device`, raising `irq` (a PLIC source) while
    /// `InterruptStatus` is non-zero, with queues in `ram`.
    pub fn new(ram: Arc<GuestRam>, irq: Arc<dyn IrqLine>, device: Box<dyn VirtioDevice>) -> Self {
        let max_sizes = device.queue_max_sizes().to_vec();
        let queues = vec![QueueConfig::default(); max_sizes.len()];
        Self {
            ram,
            interrupt: Arc::new(Interrupt::new(irq)),
            state: Mutex::new(State {
                device,
                max_sizes,
                status: 0,
                device_features_sel: 0,
                driver_features_sel: 0,
                driver_features: 0,
                queue_sel: 0,
                queues,
                active: false,
                config_generation: 0,
            }),
            metrics: TransportMetrics::default(),
        }
    }

    /// Transport counters.
    pub fn stats(&self) -> TransportStats {
        TransportStats {
            interrupts: self.interrupt.raised(),
            ..self.metrics.snapshot()
        }
    }

    /// The slot's interrupt state (e.g. for a VMM that signals config changes).
    pub fn interrupt(&self) -> &Arc<Interrupt> {
        &self.interrupt
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A device that panicked mid-call leaves registers that are still
        // plain data; the next reset puts them right. Do not cascade panics
        // into every hart thread.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Features offered: the device's plus the transport's (§6).
    fn offered(st: &State) -> u64 {
        st.device.device_features() | (1 << VIRTIO_F_VERSION_1) | (1 << VIRTIO_F_INDIRECT_DESC)
    }

    fn read_reg(&self, st: &State, offset: u64) -> Option<u32> {
        let q = st.queues.get(st.queue_sel as usize);
        Some(match offset {
            MAGIC_VALUE => MAGIC,
            VERSION_REG => VERSION,
            DEVICE_ID => st.device.device_type(),
            VENDOR_ID_REG => VENDOR_ID,
            DEVICE_FEATURES => match st.device_features_sel {
                0 => Self::offered(st) as u32,
                1 => (Self::offered(st) >> 32) as u32,
                _ => 0,
            },
            QUEUE_SIZE_MAX => st
                .max_sizes
                .get(st.queue_sel as usize)
                .copied()
                .map_or(0, u32::from),
            QUEUE_READY => q.is_some_and(|q| q.ready).into(),
            INTERRUPT_STATUS => self.interrupt.status(),
            STATUS => {
                st.status
                    | if self.interrupt.needs_reset() {
                        DEVICE_NEEDS_RESET
                    } else {
                        0
                    }
            }
            // No shared memory regions: length -1 and base all ones (§4.2.2).
            SHM_LEN_LOW | SHM_LEN_HIGH | SHM_BASE_LOW | SHM_BASE_HIGH => u32::MAX,
            QUEUE_RESET => 0,
            CONFIG_GENERATION => st.config_generation,
            _ => return None,
        })
    }

    /// Full device reset (§2.4, §4.2.3.1): the device first (its workers
    /// stop touching RAM), then the registers and the interrupt line.
    fn reset(&self, st: &mut State) {
        st.device.reset();
        st.status = 0;
        st.device_features_sel = 0;
        st.driver_features_sel = 0;
        st.driver_features = 0;
        st.queue_sel = 0;
        st.queues
            .iter_mut()
            .for_each(|q| *q = QueueConfig::default());
        st.active = false;
        self.interrupt.reset();
        bump(&self.metrics.resets);
    }

    /// A guest error we cannot recover from without reset (§2.1.2).
    fn fail(&self, st: &mut State) {
        if st.active {
            st.device.reset();
            st.active = false;
        }
        self.interrupt.set_needs_reset();
    }

    fn write_status(&self, st: &mut State, v: u32) {
        if v == 0 {
            self.reset(st);
            return;
        }
        let old = st.status;
        let new = v & !DEVICE_NEEDS_RESET;
        // The driver only ever adds bits (§3.1.1); clearing any is refused.
        if new & old != old {
            bump(&self.metrics.writes_in_wrong_state);
            warn_limited!("virtio-mmio: status {old:#x} -> {new:#x} clears bits; ignored");
            return;
        }
        let added = new & !old;
        let mut accept = old | (added & FAILED);
        // §3.1.1 order: ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK.
        if added & ACKNOWLEDGE != 0 {
            accept |= ACKNOWLEDGE;
        }
        if added & DRIVER != 0 && accept & ACKNOWLEDGE != 0 {
            accept |= DRIVER;
        }
        if added & FEATURES_OK != 0 && accept & DRIVER != 0 {
            if st.driver_features & !Self::offered(st) == 0 {
                accept |= FEATURES_OK;
            } else {
                // §2.2.2: the device refuses; the driver re-reads and sees it clear.
                bump(&self.metrics.features_refused);
            }
        }
        if added & DRIVER_OK != 0 && accept & FEATURES_OK != 0 {
            accept |= DRIVER_OK;
        }
        if accept != new {
            bump(&self.metrics.writes_in_wrong_state);
        }
        st.status = accept;
        if accept & DRIVER_OK != 0 && old & DRIVER_OK == 0 {
            self.activate(st);
        }
    }

    fn activate(&self, st: &mut State) {
        if self.interrupt.needs_reset() {
            return;
        }
        let indirect = st.driver_features & (1 << VIRTIO_F_INDIRECT_DESC) != 0;
        let mut queues = Vec::with_capacity(st.queues.len());
        for (cfg, &max) in st.queues.iter().zip(&st.max_sizes) {
            // Ready queues were validated at QueueReady; this cannot fail.
            queues.push(
                cfg.ready
                    .then(|| Queue::new(self.ram.clone(), cfg, max, indirect).ok())
                    .flatten(),
            );
        }
        let ctx = ActivateContext {
            ram: self.ram.clone(),
            queues,
            interrupt: self.interrupt.clone(),
            features: st.driver_features,
        };
        match st.device.activate(ctx) {
            Ok(()) => {
                st.active = true;
                bump(&self.metrics.activations);
            }
            Err(e) => {
                bump(&self.metrics.activation_errors);
                warn_limited!("virtio-mmio: activation refused: {e}");
                st.device.reset();
                self.interrupt.set_needs_reset();
            }
        }
    }

    fn write_queue_ready(&self, st: &mut State, v: u32) {
        let sel = st.queue_sel as usize;
        let Some(cfg) = st.queues.get(sel).copied() else {
            bump(&self.metrics.mmio_bad_writes);
            return;
        };
        if v == 0 {
            if cfg.ready && st.active {
                // Un-readying a live queue without VIRTIO_F_RING_RESET is a
                // queue reset mid-flight (§2.6.1 needs that feature): quiesce.
                bump(&self.metrics.writes_in_wrong_state);
                warn_limited!("virtio-mmio: queue {sel} disabled while running");
                self.fail(st);
            }
            st.queues[sel].ready = false;
            return;
        }
        if cfg.ready || st.status & DRIVER_OK != 0 {
            bump(&self.metrics.writes_in_wrong_state);
            return;
        }
        let max = st.max_sizes[sel];
        match Queue::new(self.ram.clone(), &cfg, max, false) {
            Ok(_) => st.queues[sel].ready = true,
            Err(e) => {
                bump(&self.metrics.queue_setup_errors);
                warn_limited!("virtio-mmio: queue {sel} setup refused: {e}");
                self.fail(st);
            }
        }
    }

    /// Apply a queue-configuration register write, if the queue may change.
    fn write_queue_reg(&self, st: &mut State, offset: u64, v: u32) {
        let sel = st.queue_sel as usize;
        let locked = st.status & DRIVER_OK != 0;
        let Some(q) = st.queues.get_mut(sel) else {
            bump(&self.metrics.mmio_bad_writes);
            return;
        };
        // §4.2.2.2: the driver MUST NOT change a queue while QueueReady is 1.
        if q.ready || locked {
            bump(&self.metrics.writes_in_wrong_state);
            return;
        }
        match offset {
            QUEUE_SIZE => q.size = v.try_into().unwrap_or(0),
            QUEUE_DESC_LOW | QUEUE_DESC_HIGH => {
                q.desc = set_half(q.desc, offset == QUEUE_DESC_HIGH, v)
            }
            QUEUE_DRIVER_LOW | QUEUE_DRIVER_HIGH => {
                q.driver = set_half(q.driver, offset == QUEUE_DRIVER_HIGH, v)
            }
            _ => q.device = set_half(q.device, offset == QUEUE_DEVICE_HIGH, v),
        }
    }

    fn write_reg(&self, st: &mut State, offset: u64, v: u32) {
        match offset {
            DEVICE_FEATURES_SEL => st.device_features_sel = v,
            DRIVER_FEATURES_SEL => st.driver_features_sel = v,
            DRIVER_FEATURES => {
                // §3.1.1: features are written between DRIVER and FEATURES_OK.
                if st.status & DRIVER == 0 || st.status & FEATURES_OK != 0 {
                    bump(&self.metrics.writes_in_wrong_state);
                    return;
                }
                match st.driver_features_sel {
                    0 => st.driver_features = set_half(st.driver_features, false, v),
                    1 => st.driver_features = set_half(st.driver_features, true, v),
                    _ => {}
                }
            }
            QUEUE_SEL => st.queue_sel = v,
            QUEUE_SIZE | QUEUE_DESC_LOW | QUEUE_DESC_HIGH | QUEUE_DRIVER_LOW
            | QUEUE_DRIVER_HIGH | QUEUE_DEVICE_LOW | QUEUE_DEVICE_HIGH => {
                self.write_queue_reg(st, offset, v)
            }
            QUEUE_READY => self.write_queue_ready(st, v),
            QUEUE_NOTIFY => self.notify(st, v),
            INTERRUPT_ACK => self.interrupt.ack(v),
            STATUS => self.write_status(st, v),
            SHM_SEL | QUEUE_RESET => {}
            _ => bump(&self.metrics.mmio_bad_writes),
        }
    }

    fn notify(&self, st: &mut State, v: u32) {
        let idx = v as usize;
        let ok = st.active
            && !self.interrupt.needs_reset()
            && st.queues.get(idx).is_some_and(|q| q.ready);
        if ok {
            bump(&self.metrics.notifies);
            st.device.notify(v as u16);
        } else {
            bump(&self.metrics.notifies_ignored);
        }
    }
}

impl MmioDevice for VirtioMmio {
    fn read(&self, offset: u64, size: u8) -> u64 {
        let st = self.lock();
        if offset >= CONFIG {
            let mut buf = [0u8; 8];
            let Some(b) = buf.get_mut(..usize::from(size)) else {
                bump(&self.metrics.mmio_bad_reads);
                return 0;
            };
            st.device.read_config(offset - CONFIG, b);
            return u64::from_le_bytes(buf);
        }
        if size != 4 || !offset.is_multiple_of(4) {
            bump(&self.metrics.mmio_bad_reads);
            return 0;
        }
        self.read_reg(&st, offset).map_or_else(
            || {
                bump(&self.metrics.mmio_bad_reads);
                0
            },
            u64::from,
        )
    }

    fn write(&self, offset: u64, size: u8, value: u64) {
        let mut st = self.lock();
        if offset >= CONFIG {
            let bytes = value.to_le_bytes();
            let Some(b) = bytes.get(..usize::from(size)) else {
                bump(&self.metrics.mmio_bad_writes);
                return;
            };
            // §4.2.2.2-like rule: config is written only once the driver
            // knows the device (after DRIVER), never before.
            if st.status & DRIVER == 0 {
                bump(&self.metrics.writes_in_wrong_state);
                return;
            }
            st.device.write_config(offset - CONFIG, b);
            return;
        }
        if size != 4 || !offset.is_multiple_of(4) {
            bump(&self.metrics.mmio_bad_writes);
            return;
        }
        self.write_reg(&mut st, offset, value as u32);
    }
}

impl Drop for VirtioMmio {
    fn drop(&mut self) {
        // Stop device workers before RAM can go away.
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        st.device.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interrupt::tests::Level;
    use crate::queue::tests::{ram, AVAIL, DESC, USED};
    use std::sync::atomic::Ordering;

    /// A device with one queue that records what the transport did to it.
    #[derive(Default)]
    struct Dummy {
        active: bool,
        notified: Vec<u16>,
    }
    impl VirtioDevice for Dummy {
        fn device_type(&self) -> u32 {
            4
        }
        fn device_features(&self) -> u64 {
            1 << 3
        }
        fn queue_max_sizes(&self) -> &[u16] {
            &[16]
        }
        fn read_config(&self, offset: u64, data: &mut [u8]) {
            crate::util::read_config_image(&[0x11, 0x22, 0x33, 0x44], offset, data);
        }
        fn activate(&mut self, mut ctx: ActivateContext) -> Result<(), crate::ActivateError> {
            ctx.take_queue(0)?;
            self.active = true;
            Ok(())
        }
        fn notify(&mut self, queue: u16) {
            self.notified.push(queue);
        }
        fn reset(&mut self) {
            self.active = false;
        }
    }

    fn slot() -> (VirtioMmio, Arc<Level>) {
        let line = Arc::new(Level::default());
        let dev = VirtioMmio::new(ram(), line.clone(), Box::new(Dummy::default()));
        (dev, line)
    }

    fn w(d: &VirtioMmio, off: u64, v: u32) {
        d.write(off, 4, u64::from(v));
    }

    fn r(d: &VirtioMmio, off: u64) -> u32 {
        d.read(off, 4) as u32
    }

    fn setup_queue(d: &VirtioMmio, size: u32, desc: u64) {
        w(d, QUEUE_SEL, 0);
        w(d, QUEUE_SIZE, size);
        w(d, QUEUE_DESC_LOW, desc as u32);
        w(d, QUEUE_DESC_HIGH, (desc >> 32) as u32);
        w(d, QUEUE_DRIVER_LOW, AVAIL as u32);
        w(d, QUEUE_DRIVER_HIGH, 0);
        w(d, QUEUE_DEVICE_LOW, USED as u32);
        w(d, QUEUE_DEVICE_HIGH, 0);
        w(d, QUEUE_READY, 1);
    }

    fn negotiate(d: &VirtioMmio) {
        w(d, STATUS, ACKNOWLEDGE);
        w(d, STATUS, ACKNOWLEDGE | DRIVER);
        w(d, DRIVER_FEATURES_SEL, 1);
        w(d, DRIVER_FEATURES, 1);
        w(d, DRIVER_FEATURES_SEL, 0);
        w(d, DRIVER_FEATURES, 0);
        w(d, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
    }

    #[test]
    fn transport_identity_registers_read_spec_values() {
        let (d, _) = slot();
        assert_eq!(
            [
                r(&d, MAGIC_VALUE),
                r(&d, VERSION_REG),
                r(&d, DEVICE_ID),
                r(&d, VENDOR_ID_REG)
            ],
            [0x7472_6976, 2, 4, 0x554D_4551]
        );
    }

    #[test]
    fn transport_features_high_window_offers_version_1() {
        let (d, _) = slot();
        w(&d, DEVICE_FEATURES_SEL, 1);
        assert_eq!(r(&d, DEVICE_FEATURES), 1);
    }

    #[test]
    fn transport_narrow_register_read_is_zero() {
        let (d, _) = slot();
        assert_eq!(d.read(MAGIC_VALUE, 1), 0);
        assert_eq!(d.stats().mmio_bad_reads, 1);
    }

    #[test]
    fn transport_config_read_is_byte_granular() {
        let (d, _) = slot();
        assert_eq!(d.read(CONFIG + 1, 2), 0x3322);
    }

    #[test]
    fn transport_features_not_offered_refuse_features_ok() {
        let (d, _) = slot();
        w(&d, STATUS, ACKNOWLEDGE | DRIVER);
        w(&d, DRIVER_FEATURES, 1 << 7);
        w(&d, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        assert_eq!(r(&d, STATUS) & FEATURES_OK, 0);
    }

    #[test]
    fn transport_driver_ok_before_features_ok_is_not_accepted() {
        let (d, _) = slot();
        w(&d, STATUS, ACKNOWLEDGE | DRIVER | DRIVER_OK);
        assert_eq!(r(&d, STATUS), ACKNOWLEDGE | DRIVER);
    }

    #[test]
    fn transport_bad_queue_size_sets_needs_reset_and_interrupt() {
        let (d, line) = slot();
        negotiate(&d);
        setup_queue(&d, 3, DESC);
        assert_eq!(r(&d, QUEUE_READY), 0);
        assert_ne!(r(&d, STATUS) & DEVICE_NEEDS_RESET, 0);
        assert_eq!(r(&d, INTERRUPT_STATUS), 2);
        assert!(line.0.load(Ordering::SeqCst));
    }

    #[test]
    fn transport_queue_outside_ram_sets_needs_reset() {
        let (d, _) = slot();
        negotiate(&d);
        setup_queue(&d, 16, 0x1_0000_0000);
        assert_ne!(r(&d, STATUS) & DEVICE_NEEDS_RESET, 0);
    }

    #[test]
    fn transport_reset_clears_status_interrupt_and_queues() {
        let (d, line) = slot();
        negotiate(&d);
        setup_queue(&d, 16, DESC);
        w(&d, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        d.interrupt().signal_used();
        w(&d, STATUS, 0);
        assert_eq!(
            [r(&d, STATUS), r(&d, INTERRUPT_STATUS), r(&d, QUEUE_READY)],
            [0, 0, 0]
        );
        assert!(!line.0.load(Ordering::SeqCst));
    }

    #[test]
    fn transport_notify_active_queue_reaches_device() {
        let (d, _) = slot();
        negotiate(&d);
        setup_queue(&d, 16, DESC);
        w(&d, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        w(&d, QUEUE_NOTIFY, 0);
        w(&d, QUEUE_NOTIFY, 7);
        assert_eq!((d.stats().notifies, d.stats().notifies_ignored), (1, 1));
    }

    #[test]
    fn transport_queue_disabled_mid_flight_sets_needs_reset() {
        let (d, _) = slot();
        negotiate(&d);
        setup_queue(&d, 16, DESC);
        w(&d, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        w(&d, QUEUE_READY, 0);
        assert_ne!(r(&d, STATUS) & DEVICE_NEEDS_RESET, 0);
    }

    #[test]
    fn transport_interrupt_ack_lowers_line() {
        let (d, line) = slot();
        d.interrupt().signal_used();
        w(&d, INTERRUPT_ACK, 1);
        assert!(!line.0.load(Ordering::SeqCst));
    }

    #[test]
    fn transport_queue_config_after_ready_is_ignored() {
        let (d, _) = slot();
        negotiate(&d);
        setup_queue(&d, 16, DESC);
        w(&d, QUEUE_SIZE, 3);
        assert_eq!(d.stats().writes_in_wrong_state, 1);
    }
}
