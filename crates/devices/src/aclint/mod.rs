//! SiFive-CLINT-compatible ACLINT (MSWI + MTIMER) at 0x2000000
//! (platform.md §2.1; RISC-V ACLINT spec v1.0 §2 "MTIMER", §3 "MSWI").
//!
//! * `msip[hart]` drives the hart's MSIP line (bit 0; reads return it).
//! * `mtimecmp[hart]` is 64 bits, any access width; MTIP is the level
//!   `mtime >= mtimecmp` (ACLINT §2.2). A write lowers the line when the
//!   deadline is in the future and arms the machine's [`TimerQueue`], which
//!   raises it later; a deadline already passed raises it at once.
//! * `mtime` reads the machine [`Clock`](rvisor_memory::Clock), the same one
//!   behind the `time` CSR. **Writes to `mtime` are ignored** (and counted):
//!   the clock is shared with every hart's `time` CSR and the timer queue, so
//!   a per-device offset would make `mtime` and `time` disagree. No guest we
//!   target (OpenSBI, Linux, xv6) writes `mtime`.

mod regs;
mod state;

pub use regs::{MAX_HARTS, MSIP_BASE, MTIME, MTIMECMP_BASE, WINDOW_SIZE};
pub use state::AclintState;

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use rvisor_memory::clock::TimerId;
use rvisor_memory::{IrqLine, MmioDevice, TimerQueue};

use crate::error::DeviceError;
use crate::util::{bump, metrics, read_regs, warn_limited, write_regs};
use state::Effect;

metrics! {
    /// Event counts of the CLINT, for `--stats`.
    AclintStats / AclintMetrics {
        /// Writes to `msip`.
        msip_writes,
        /// Writes to `mtimecmp`.
        mtimecmp_writes,
        /// Timer deadlines that raised MTIP.
        timer_fires,
        /// Writes to `mtime` (ignored).
        mtime_writes_ignored,
        /// Reads of no register.
        mmio_unknown_reads,
        /// Writes to no register.
        mmio_unknown_writes,
    }
}

struct Inner {
    state: Mutex<AclintState>,
    /// Serializes "update mtimecmp, then arm/disarm its timer" so that timer
    /// arms reach the queue in the same order as the writes (lock order:
    /// `arm_order` before `state`).
    arm_order: Mutex<()>,
    msip: Vec<Arc<dyn IrqLine>>,
    mtip: Vec<Arc<dyn IrqLine>>,
    timers: TimerQueue,
    timer_ids: Vec<TimerId>,
    /// What the timer queue raises: re-checks `mtime >= mtimecmp`.
    hooks: Vec<Arc<dyn IrqLine>>,
    metrics: AclintMetrics,
}

/// The line handed to the timer queue for one hart. Raising it re-checks
/// the comparison under the device lock, so a timer that fires for a stale
/// deadline can never leave MTIP high while `mtimecmp` is in the future.
struct TimerHook {
    dev: Weak<Inner>,
    hart: usize,
}

impl IrqLine for TimerHook {
    fn set_level(&self, level: bool) {
        if let (true, Some(dev)) = (level, self.dev.upgrade()) {
            dev.timer_fired(self.hart);
        }
    }
}

/// The CLINT of one socket. Cheap to share: wrap it in an `Arc` and map it
/// on the bus at 0x2000000 with size [`WINDOW_SIZE`].
pub struct Aclint {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Aclint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aclint")
            .field("harts", &self.inner.msip.len())
            .finish()
    }
}

impl Aclint {
    /// A CLINT for `harts` harts: `msip[h]` and `mtip[h]` are hart `h`'s
    /// machine software and timer interrupt lines (mip.MSIP, mip.MTIP), and
    /// `timers` the machine's timer queue (its clock is `mtime`). All lines
    /// are driven low at construction.
    pub fn new(
        harts: usize,
        msip: Vec<Arc<dyn IrqLine>>,
        mtip: Vec<Arc<dyn IrqLine>>,
        timers: TimerQueue,
    ) -> Result<Self, DeviceError> {
        if harts == 0 || harts > MAX_HARTS {
            return Err(DeviceError::HartCountOutOfRange {
                count: harts,
                max: MAX_HARTS,
            });
        }
        for (what, got) in [("msip", msip.len()), ("mtip", mtip.len())] {
            if got != harts {
                return Err(DeviceError::LineCountMismatch {
                    what,
                    expected: harts,
                    got,
                });
            }
        }
        let timer_ids = (0..harts).map(|_| timers.alloc()).collect();
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            state: Mutex::new(AclintState::new(harts)),
            arm_order: Mutex::new(()),
            msip,
            mtip,
            timers,
            timer_ids,
            hooks: (0..harts)
                .map(|hart| {
                    Arc::new(TimerHook {
                        dev: weak.clone(),
                        hart,
                    }) as Arc<dyn IrqLine>
                })
                .collect(),
            metrics: AclintMetrics::default(),
        });
        for h in 0..harts {
            inner.msip[h].set_level(false);
            inner.mtip[h].set_level(false);
        }
        Ok(Self { inner })
    }

    /// Number of harts served.
    pub fn harts(&self) -> usize {
        self.inner.msip.len()
    }

    /// Event counters.
    pub fn stats(&self) -> AclintStats {
        self.inner.metrics.snapshot()
    }

    /// A copy of the guest-visible state (for snapshots and tests).
    pub fn state(&self) -> AclintState {
        self.inner.lock().clone()
    }

    /// Machine reset: `msip` = 0, `mtimecmp` = all ones, every line low,
    /// timers disarmed.
    pub fn reset(&self) {
        let _order = self
            .inner
            .arm_order
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut st = self.inner.lock();
        *st = AclintState::new(self.harts());
        for h in 0..self.harts() {
            self.inner.timers.disarm(self.inner.timer_ids[h]);
            self.inner.msip[h].set_level(false);
            self.inner.mtip[h].set_level(false);
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, AclintState> {
        // A panic elsewhere while holding the lock leaves plain data behind;
        // keep serving the guest rather than cascading the panic.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> u64 {
        self.timers.clock().now()
    }

    /// Bring MTIP of `hart` in line with its `mtimecmp` and (re)arm its timer.
    /// With `change` set, apply that write to the state first, atomically
    /// with the re-evaluation.
    fn sync_timer(&self, hart: usize, change: Option<(u64, u64, u64)>) {
        let _order = self.arm_order.lock().unwrap_or_else(|e| e.into_inner());
        let (due, deadline) = {
            let mut st = self.lock();
            if let Some((unit, bits, mask)) = change {
                st.write_unit(unit, bits, mask);
            }
            let Some(&cmp) = st.mtimecmp.get(hart) else {
                return;
            };
            let due = self.now() >= cmp;
            self.mtip[hart].set_level(due);
            (due, cmp)
        };
        // The state lock is released: if the deadline passed meanwhile, the
        // queue calls our hook synchronously and the hook takes that lock.
        if due || deadline == u64::MAX {
            self.timers.disarm(self.timer_ids[hart]);
        } else {
            self.timers
                .arm(self.timer_ids[hart], deadline, self.hooks[hart].clone());
        }
    }

    /// The timer queue reached a deadline armed for `hart`.
    fn timer_fired(&self, hart: usize) {
        let stale = {
            let st = self.lock();
            let Some(&cmp) = st.mtimecmp.get(hart) else {
                return;
            };
            if self.now() >= cmp {
                bump(&self.metrics.timer_fires);
                self.mtip[hart].set_level(true);
                false
            } else {
                true
            }
        };
        // A deadline that was replaced while it fired: make sure the current
        // one is armed. (Never reached from inside `sync_timer`: there the
        // deadline is the current `mtimecmp` and it has passed.)
        if stale {
            self.sync_timer(hart, None);
        }
    }
}

impl MmioDevice for Aclint {
    fn read(&self, offset: u64, size: u8) -> u64 {
        let inner = &self.inner;
        let now = inner.now();
        let st = inner.lock();
        read_regs(offset, size, 8, |unit| {
            if unit >= WINDOW_SIZE {
                bump(&inner.metrics.mmio_unknown_reads);
            }
            st.read_unit(unit, now)
        })
    }

    fn write(&self, offset: u64, size: u8, value: u64) {
        let inner = &self.inner;
        write_regs(offset, size, value, 8, |unit, bits, mask| {
            let kind = inner.lock().kind(unit);
            match kind {
                Effect::Mtimecmp(h) => {
                    bump(&inner.metrics.mtimecmp_writes);
                    inner.sync_timer(h, Some((unit, bits, mask)));
                }
                Effect::Msip(..) => {
                    bump(&inner.metrics.msip_writes);
                    let mut st = inner.lock();
                    if let Effect::Msip(a, b) = st.write_unit(unit, bits, mask) {
                        for h in [Some(a), b].into_iter().flatten() {
                            inner.msip[h].set_level(st.msip[h]);
                        }
                    }
                }
                Effect::MtimeWrite => {
                    bump(&inner.metrics.mtime_writes_ignored);
                    warn_limited!(
                        "clint: write to mtime ignored (mtime follows the machine clock)"
                    );
                }
                Effect::Unknown => {
                    bump(&inner.metrics.mmio_unknown_writes);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Rng, TestLine};
    use rvisor_memory::Clock;
    use std::time::{Duration, Instant};

    struct Rig {
        clint: Aclint,
        msip: Vec<Arc<TestLine>>,
        mtip: Vec<Arc<TestLine>>,
    }

    fn rig(harts: usize) -> Rig {
        let msip: Vec<_> = (0..harts).map(|_| TestLine::new()).collect();
        let mtip: Vec<_> = (0..harts).map(|_| TestLine::new()).collect();
        let clint = Aclint::new(
            harts,
            msip.iter().map(|l| l.clone() as Arc<dyn IrqLine>).collect(),
            mtip.iter().map(|l| l.clone() as Arc<dyn IrqLine>).collect(),
            TimerQueue::new(Clock::new()),
        )
        .unwrap();
        Rig { clint, msip, mtip }
    }

    #[test]
    fn aclint_new_line_count_mismatch_is_error() {
        let err = Aclint::new(2, vec![], vec![], TimerQueue::new(Clock::new())).unwrap_err();
        assert_eq!(
            err,
            DeviceError::LineCountMismatch {
                what: "msip",
                expected: 2,
                got: 0
            }
        );
    }

    #[test]
    fn aclint_new_zero_harts_is_error() {
        let err = Aclint::new(0, vec![], vec![], TimerQueue::new(Clock::new())).unwrap_err();
        assert!(matches!(
            err,
            DeviceError::HartCountOutOfRange { count: 0, .. }
        ));
    }

    #[test]
    fn aclint_msip_write_drives_line_and_reads_back() {
        let r = rig(2);
        r.clint.write(4, 4, 0xffff_ffff);
        assert!(r.msip[1].level());
        assert!(!r.msip[0].level());
        assert_eq!(r.clint.read(4, 4), 1);
        r.clint.write(4, 4, 0);
        assert!(!r.msip[1].level());
    }

    #[test]
    fn aclint_mtimecmp_reset_value_is_all_ones_and_mtip_low() {
        let r = rig(1);
        assert_eq!(r.clint.read(MTIMECMP_BASE, 8), u64::MAX);
        assert!(!r.mtip[0].level());
    }

    #[test]
    fn aclint_mtimecmp_in_past_raises_mtip_at_once() {
        let r = rig(1);
        r.clint.write(MTIMECMP_BASE, 8, 0);
        assert!(r.mtip[0].level());
    }

    #[test]
    fn aclint_mtimecmp_in_future_lowers_mtip() {
        let r = rig(1);
        r.clint.write(MTIMECMP_BASE, 8, 0);
        r.clint.write(MTIMECMP_BASE, 8, u64::MAX - 1);
        assert!(!r.mtip[0].level());
    }

    #[test]
    fn aclint_mtimecmp_32bit_halves_compose() {
        // The RV32 idiom (privileged spec §3.2.1): high = -1, low, high.
        let r = rig(2);
        let base = MTIMECMP_BASE + 8;
        r.clint.write(base + 4, 4, 0xffff_ffff);
        r.clint.write(base, 4, 0x89ab_cdef);
        r.clint.write(base + 4, 4, 0x0123_4567);
        assert_eq!(r.clint.read(base, 8), 0x0123_4567_89ab_cdef);
        assert_eq!(r.clint.read(base + 4, 4), 0x0123_4567);
        assert_eq!(r.clint.read(base + 2, 2), 0x89ab);
    }

    #[test]
    fn aclint_timer_deadline_raises_mtip_later() {
        let r = rig(1);
        let now = r.clint.read(MTIME, 8);
        r.clint.write(MTIMECMP_BASE, 8, now + 100_000); // 10 ms at 10 MHz
        assert!(!r.mtip[0].level());
        let t0 = Instant::now();
        while !r.mtip[0].level() && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(r.mtip[0].level());
        assert!(r.clint.read(MTIME, 8) >= now + 100_000);
        assert_eq!(r.clint.stats().timer_fires, 1);
    }

    #[test]
    fn aclint_rearm_to_later_deadline_keeps_mtip_low() {
        let r = rig(1);
        let now = r.clint.read(MTIME, 8);
        r.clint.write(MTIMECMP_BASE, 8, now + 10_000); // 1 ms
        r.clint.write(MTIMECMP_BASE, 8, now + 100_000_000); // 10 s
        std::thread::sleep(Duration::from_millis(20));
        assert!(!r.mtip[0].level());
    }

    #[test]
    fn aclint_mtime_write_is_ignored_and_counted() {
        let r = rig(1);
        r.clint.write(MTIME, 8, u64::MAX);
        assert!(r.clint.read(MTIME, 8) < u64::MAX / 2);
        assert_eq!(r.clint.stats().mtime_writes_ignored, 1);
    }

    #[test]
    fn aclint_reset_clears_msip_and_mtimecmp() {
        let r = rig(1);
        r.clint.write(0, 4, 1);
        r.clint.write(MTIMECMP_BASE, 8, 0);
        r.clint.reset();
        assert!(!r.msip[0].level());
        assert!(!r.mtip[0].level());
        assert_eq!(r.clint.state(), AclintState::new(1));
    }

    #[test]
    fn aclint_hostile_access_stream_never_panics() {
        let r = rig(3);
        let mut rng = Rng::new(0xc1_1a7);
        for _ in 0..5000 {
            // Mostly inside the window, sometimes anywhere at all.
            let off = match rng.next() % 4 {
                0 => rng.next(),
                1 => MTIMECMP_BASE + rng.next() % 0x40,
                _ => rng.next() % WINDOW_SIZE,
            };
            let size = rng.size();
            if rng.next() & 1 == 0 {
                r.clint.read(off, size);
            } else {
                r.clint.write(off, size, rng.next());
            }
        }
        // Still coherent afterwards.
        r.clint.write(0, 4, 1);
        assert!(r.msip[0].level());
    }
}
