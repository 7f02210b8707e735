//! Goldfish RTC at 0x101000, PLIC source 11 (platform.md §1, §3; register
//! semantics as QEMU `hw/rtc/goldfish_rtc.c` implements them and Linux
//! `drivers/rtc/rtc-goldfish.c` uses them).
//!
//! * Time is host wall-clock nanoseconds since the Unix epoch plus a guest
//!   offset: writing `TIME_LOW`/`TIME_HIGH` sets that half of the time (the
//!   guest's `hwclock -w`) without touching the host clock.
//! * Reading `TIME_LOW` latches `TIME_HIGH`, so a low-then-high read pair is
//!   consistent.
//! * Alarm: `ALARM_HIGH` then `ALARM_LOW` (which arms). An alarm in the past
//!   fires at once; otherwise the machine [`TimerQueue`] is armed for the
//!   equivalent machine-clock deadline. Firing sets the interrupt pending and
//!   disarms; the line is `pending && IRQ_ENABLED`; `CLEAR_INTERRUPT`
//!   acknowledges, `CLEAR_ALARM` cancels.
//! * Registers are 32-bit; an 8-byte access covers two, narrower accesses
//!   see/merge part of one.

mod regs;

pub use regs::WINDOW_SIZE;

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use rvisor_memory::clock::{TimerId, TIMEBASE_HZ};
use rvisor_memory::{IrqLine, MmioDevice, TimerQueue};

use crate::util::{bump, merge, metrics, read_regs, write_regs};
use regs::*;

metrics! {
    /// Event counts of the RTC, for `--stats`.
    GoldfishRtcStats / GoldfishRtcMetrics {
        /// Alarms armed by the guest.
        alarms_set,
        /// Alarms that fired.
        alarms_fired,
        /// Guest writes that changed the time.
        time_sets,
        /// Accesses to offsets with no register.
        mmio_unknown_accesses,
    }
}

/// Guest-visible RTC state (plain data, snapshot-able).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoldfishRtcState {
    /// Guest time minus host time, in ns (two's complement).
    pub offset_ns: u64,
    /// High half latched by the last `TIME_LOW` read.
    pub time_high_latch: u32,
    /// Programmed alarm time (guest ns).
    pub alarm_next: u64,
    /// An alarm is armed.
    pub alarm_running: bool,
    /// The alarm fired and was not acknowledged.
    pub irq_pending: bool,
    /// `IRQ_ENABLED` bit 0.
    pub irq_enabled: bool,
}

type HostClock = Box<dyn Fn() -> u64 + Send + Sync>;

struct Inner {
    st: Mutex<(GoldfishRtcState, Option<bool>)>,
    irq: Arc<dyn IrqLine>,
    timers: TimerQueue,
    timer: TimerId,
    hook: Arc<dyn IrqLine>,
    host_ns: HostClock,
    metrics: GoldfishRtcMetrics,
}

/// What the timer queue raises when an alarm deadline arrives.
struct AlarmHook(Weak<Inner>);

impl IrqLine for AlarmHook {
    fn set_level(&self, level: bool) {
        if let (true, Some(dev)) = (level, self.0.upgrade()) {
            dev.alarm_fired();
        }
    }
}

/// The goldfish RTC. Map it at 0x101000 with size [`WINDOW_SIZE`].
pub struct GoldfishRtc {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GoldfishRtc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GoldfishRtc")
    }
}

fn wall_clock_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Nanoseconds per machine-clock tick.
const NS_PER_TICK: u64 = 1_000_000_000 / TIMEBASE_HZ;

impl GoldfishRtc {
    /// An RTC on the host wall clock, signalling on `irq`, using `timers`
    /// for alarms.
    pub fn new(irq: Arc<dyn IrqLine>, timers: TimerQueue) -> Self {
        Self::with_host_clock(irq, timers, Box::new(wall_clock_ns))
    }

    /// As [`new`](Self::new), reading host time (ns since the epoch) from
    /// `host_ns` instead of the system clock (tests, deterministic runs).
    pub fn with_host_clock(irq: Arc<dyn IrqLine>, timers: TimerQueue, host_ns: HostClock) -> Self {
        let timer = timers.alloc();
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            st: Mutex::new((GoldfishRtcState::default(), None)),
            irq,
            timers,
            timer,
            hook: Arc::new(AlarmHook(weak.clone())),
            host_ns,
            metrics: GoldfishRtcMetrics::default(),
        });
        inner.update(&mut inner.lock());
        Self { inner }
    }

    /// Event counters.
    pub fn stats(&self) -> GoldfishRtcStats {
        self.inner.metrics.snapshot()
    }

    /// A copy of the guest-visible state.
    pub fn state(&self) -> GoldfishRtcState {
        self.inner.lock().0.clone()
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, (GoldfishRtcState, Option<bool>)> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, l: &mut (GoldfishRtcState, Option<bool>)) {
        let level = l.0.irq_pending && l.0.irq_enabled;
        if l.1 != Some(level) {
            l.1 = Some(level);
            self.irq.set_level(level);
        }
    }

    fn now(&self, st: &GoldfishRtcState) -> u64 {
        (self.host_ns)().wrapping_add(st.offset_ns)
    }

    /// Fire or (re)arm the alarm. Returns the machine-clock deadline to arm
    /// after the lock is dropped (the queue may call the hook synchronously).
    fn schedule(&self, st: &mut GoldfishRtcState) -> Option<u64> {
        let now = self.now(st);
        if st.alarm_next <= now {
            st.alarm_running = false;
            st.irq_pending = true;
            bump(&self.metrics.alarms_fired);
            return None;
        }
        st.alarm_running = true;
        let ticks = (st.alarm_next - now).div_ceil(NS_PER_TICK);
        Some(self.timers.clock().now().saturating_add(ticks))
    }

    fn arm(&self, deadline: Option<u64>) {
        match deadline {
            Some(d) => self.timers.arm(self.timer, d, self.hook.clone()),
            None => self.timers.disarm(self.timer),
        }
    }

    fn alarm_fired(&self) {
        let deadline = {
            let mut l = self.lock();
            if !l.0.alarm_running {
                return; // cancelled meanwhile
            }
            // A deadline for an alarm since moved later just re-arms.
            let d = self.schedule(&mut l.0);
            self.update(&mut l);
            d
        };
        if deadline.is_some() {
            self.arm(deadline);
        }
    }

    fn read_reg(&self, st: &mut GoldfishRtcState, reg: u64) -> u32 {
        match reg {
            TIME_LOW => {
                let t = self.now(st);
                st.time_high_latch = (t >> 32) as u32;
                t as u32
            }
            TIME_HIGH => st.time_high_latch,
            ALARM_LOW => st.alarm_next as u32,
            ALARM_HIGH => (st.alarm_next >> 32) as u32,
            IRQ_ENABLED => u32::from(st.irq_enabled),
            ALARM_STATUS => u32::from(st.alarm_running),
            _ => {
                if reg != CLEAR_ALARM && reg != CLEAR_INTERRUPT {
                    bump(&self.metrics.mmio_unknown_accesses);
                }
                0
            }
        }
    }

    /// Apply a write; returns `Some(deadline)` when the timer must change.
    fn write_reg(
        &self,
        st: &mut GoldfishRtcState,
        reg: u64,
        bits: u64,
        mask: u64,
    ) -> Option<Option<u64>> {
        let (bits, mask) = (bits & 0xffff_ffff, mask & 0xffff_ffff);
        match reg {
            TIME_LOW | TIME_HIGH => {
                let shift = if reg == TIME_HIGH { 32 } else { 0 };
                let now = self.now(st);
                let new = merge(now, bits << shift, mask << shift);
                st.offset_ns = st.offset_ns.wrapping_add(new.wrapping_sub(now));
                bump(&self.metrics.time_sets);
                None
            }
            ALARM_HIGH => {
                st.alarm_next = merge(st.alarm_next, bits << 32, mask << 32);
                None
            }
            ALARM_LOW => {
                st.alarm_next = merge(st.alarm_next, bits, mask);
                bump(&self.metrics.alarms_set);
                Some(self.schedule(st))
            }
            IRQ_ENABLED => {
                if mask & 1 != 0 {
                    st.irq_enabled = bits & 1 != 0;
                }
                None
            }
            CLEAR_ALARM => {
                st.alarm_running = false;
                Some(None)
            }
            CLEAR_INTERRUPT => {
                st.irq_pending = false;
                None
            }
            _ => {
                bump(&self.metrics.mmio_unknown_accesses);
                None
            }
        }
    }
}

impl MmioDevice for GoldfishRtc {
    fn read(&self, offset: u64, size: u8) -> u64 {
        let inner = &self.inner;
        let mut l = inner.lock();
        read_regs(offset, size, 4, |reg| {
            u64::from(inner.read_reg(&mut l.0, reg))
        })
    }

    fn write(&self, offset: u64, size: u8, value: u64) {
        let inner = &self.inner;
        let mut timer = None;
        {
            let mut l = inner.lock();
            write_regs(offset, size, value, 4, |reg, bits, mask| {
                if let Some(t) = inner.write_reg(&mut l.0, reg, bits, mask) {
                    timer = Some(t);
                }
            });
            inner.update(&mut l);
        }
        if let Some(deadline) = timer {
            inner.arm(deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Rng, TestLine};
    use rvisor_memory::Clock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    /// An RTC whose host clock the test moves by hand.
    fn rig() -> (GoldfishRtc, Arc<AtomicU64>, Arc<TestLine>) {
        let host = Arc::new(AtomicU64::new(0x1_2345_6789));
        let h = host.clone();
        let line = TestLine::new();
        let rtc = GoldfishRtc::with_host_clock(
            line.clone(),
            TimerQueue::new(Clock::new()),
            Box::new(move || h.load(Ordering::SeqCst)),
        );
        (rtc, host, line)
    }

    #[test]
    fn goldfish_rtc_time_low_latches_high() {
        let (rtc, host, _) = rig();
        assert_eq!(rtc.read(TIME_LOW, 4), 0x2345_6789);
        host.store(0x2_0000_0000, Ordering::SeqCst);
        assert_eq!(rtc.read(TIME_HIGH, 4), 1, "latched at the TIME_LOW read");
    }

    #[test]
    fn goldfish_rtc_wide_read_returns_whole_time() {
        let (rtc, _, _) = rig();
        assert_eq!(rtc.read(TIME_LOW, 8), 0x1_2345_6789);
    }

    #[test]
    fn goldfish_rtc_time_write_sets_guest_offset() {
        let (rtc, host, _) = rig();
        rtc.write(TIME_HIGH, 4, 5);
        rtc.write(TIME_LOW, 4, 0);
        assert_eq!(rtc.read(TIME_LOW, 8), 5 << 32);
        host.fetch_add(10, Ordering::SeqCst);
        assert_eq!(rtc.read(TIME_LOW, 8), (5 << 32) + 10);
    }

    #[test]
    fn goldfish_rtc_alarm_in_past_fires_when_enabled() {
        let (rtc, _, line) = rig();
        rtc.write(ALARM_HIGH, 4, 0);
        rtc.write(ALARM_LOW, 4, 1);
        assert!(!line.level(), "IRQ_ENABLED still 0");
        rtc.write(IRQ_ENABLED, 4, 1);
        assert!(line.level());
        assert_eq!(rtc.read(ALARM_STATUS, 4), 0);
        rtc.write(CLEAR_INTERRUPT, 4, 1);
        assert!(!line.level());
    }

    #[test]
    fn goldfish_rtc_future_alarm_fires_via_timer_queue() {
        let (rtc, host, line) = rig();
        rtc.write(IRQ_ENABLED, 4, 1);
        let at = host.load(Ordering::SeqCst) + 5_000_000; // 5 ms
        rtc.write(ALARM_HIGH, 4, at >> 32);
        rtc.write(ALARM_LOW, 4, at & 0xffff_ffff);
        assert_eq!(rtc.read(ALARM_STATUS, 4), 1);
        // The timer fires after 5 ms of machine time; the (frozen) host clock
        // says it is still early, so the device re-arms until host time moves.
        std::thread::sleep(Duration::from_millis(10));
        host.store(at, Ordering::SeqCst);
        let t0 = Instant::now();
        while !line.level() && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(line.level());
        assert_eq!(rtc.read(ALARM_STATUS, 4), 0);
    }

    #[test]
    fn goldfish_rtc_clear_alarm_cancels() {
        let (rtc, host, _) = rig();
        let at = host.load(Ordering::SeqCst) + 1_000_000_000;
        rtc.write(ALARM_HIGH, 4, at >> 32);
        rtc.write(ALARM_LOW, 4, at & 0xffff_ffff);
        rtc.write(CLEAR_ALARM, 4, 1);
        assert_eq!(rtc.read(ALARM_STATUS, 4), 0);
        assert_eq!(rtc.read(ALARM_LOW, 8), at);
    }

    #[test]
    fn goldfish_rtc_hostile_access_stream_never_panics() {
        let (rtc, host, _) = rig();
        let mut rng = Rng::new(0x601d);
        for _ in 0..3000 {
            host.store(rng.next(), Ordering::SeqCst);
            let off = if rng.next() & 3 == 0 {
                rng.next()
            } else {
                rng.next() % 0x24
            };
            if rng.next() & 1 == 0 {
                rtc.write(off, rng.size(), rng.next());
            } else {
                rtc.read(off, rng.size());
            }
        }
    }
}
