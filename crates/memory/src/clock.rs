//! The machine clock (`mtime`, `time`) and a timer queue that raises interrupt
//! lines at deadlines, so that neither a running hart nor a sleeping one has to
//! poll the host clock.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::irq::IrqLine;

/// The timebase of the virt board: 10 MHz (QEMU `RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ`).
pub const TIMEBASE_HZ: u64 = 10_000_000;

/// Monotonic machine time in timebase ticks since the machine was created.
#[derive(Debug, Clone)]
pub struct Clock {
    start: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A clock reading 0 now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }

    /// Current time in ticks.
    #[inline]
    pub fn now(&self) -> u64 {
        let ns = self.start.elapsed().as_nanos() as u64;
        ns / (1_000_000_000 / TIMEBASE_HZ)
    }

    /// The host instant at which the clock reads `ticks`.
    pub fn instant_of(&self, ticks: u64) -> Instant {
        let ns = ticks.saturating_mul(1_000_000_000 / TIMEBASE_HZ);
        self.start
            .checked_add(Duration::from_nanos(ns))
            .unwrap_or_else(|| self.start + Duration::from_secs(86400 * 365 * 100))
    }
}

/// Identifies one armed timer in a [`TimerQueue`].
pub type TimerId = usize;

struct Slot {
    deadline: u64,
    line: Arc<dyn IrqLine>,
}

struct State {
    slots: Vec<Option<Slot>>,
    shutdown: bool,
}

struct Inner {
    clock: Clock,
    state: Mutex<State>,
    cv: Condvar,
}

/// Raises interrupt lines when the clock reaches their deadlines. One host
/// thread per machine serves every timer (mtimecmp, stimecmp, SBI set_timer).
#[derive(Clone)]
pub struct TimerQueue {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TimerQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TimerQueue")
    }
}

impl TimerQueue {
    /// A timer queue on `clock`, with its service thread started.
    pub fn new(clock: Clock) -> Self {
        let inner = Arc::new(Inner {
            clock,
            state: Mutex::new(State {
                slots: Vec::new(),
                shutdown: false,
            }),
            cv: Condvar::new(),
        });
        let worker = inner.clone();
        std::thread::Builder::new()
            .name("rvisor-timer".into())
            .spawn(move || serve(&worker))
            .expect("cannot start the timer thread");
        Self { inner }
    }

    /// The clock this queue runs on.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// A new timer id (disarmed).
    pub fn alloc(&self) -> TimerId {
        let mut st = self.inner.state.lock().expect("timer lock poisoned");
        st.slots.push(None);
        st.slots.len() - 1
    }

    /// Raise `line` once the clock reaches `deadline` (at once if it has).
    /// Re-arming replaces the previous deadline of `id`.
    pub fn arm(&self, id: TimerId, deadline: u64, line: Arc<dyn IrqLine>) {
        if self.inner.clock.now() >= deadline {
            self.disarm(id);
            line.set_level(true);
            return;
        }
        let mut st = self.inner.state.lock().expect("timer lock poisoned");
        if let Some(s) = st.slots.get_mut(id) {
            *s = Some(Slot { deadline, line });
        }
        drop(st);
        self.inner.cv.notify_one();
    }

    /// Cancel timer `id` (its line is left as it is).
    pub fn disarm(&self, id: TimerId) {
        let mut st = self.inner.state.lock().expect("timer lock poisoned");
        if let Some(s) = st.slots.get_mut(id) {
            *s = None;
        }
    }
}

impl Drop for TimerQueue {
    fn drop(&mut self) {
        // The worker holds one reference; when only it and this handle remain
        // and this handle goes, stop the worker.
        if Arc::strong_count(&self.inner) == 2 {
            if let Ok(mut st) = self.inner.state.lock() {
                st.shutdown = true;
            }
            self.inner.cv.notify_one();
        }
    }
}

fn serve(inner: &Inner) {
    let mut st = inner.state.lock().expect("timer lock poisoned");
    loop {
        if st.shutdown {
            return;
        }
        let now = inner.clock.now();
        let mut next: Option<u64> = None;
        let mut fire = Vec::new();
        for s in st.slots.iter_mut() {
            if let Some(slot) = s {
                if slot.deadline <= now {
                    fire.push(slot.line.clone());
                    *s = None;
                } else {
                    next = Some(next.map_or(slot.deadline, |n: u64| n.min(slot.deadline)));
                }
            }
        }
        if !fire.is_empty() {
            drop(st);
            for l in fire {
                l.set_level(true);
            }
            st = inner.state.lock().expect("timer lock poisoned");
            continue;
        }
        st = match next {
            Some(d) => {
                let wait = inner
                    .clock
                    .instant_of(d)
                    .saturating_duration_since(Instant::now());
                inner
                    .cv
                    .wait_timeout(st, wait.max(Duration::from_micros(20)))
                    .expect("timer lock poisoned")
                    .0
            }
            None => inner.cv.wait(st).expect("timer lock poisoned"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Default)]
    struct Flag(AtomicBool);
    impl IrqLine for Flag {
        fn set_level(&self, level: bool) {
            self.0.store(level, Ordering::SeqCst);
        }
    }

    #[test]
    fn timer_fires_after_deadline_and_not_when_disarmed() {
        let q = TimerQueue::new(Clock::new());
        let a = q.alloc();
        let b = q.alloc();
        let fa = Arc::new(Flag::default());
        let fb = Arc::new(Flag::default());
        let now = q.clock().now();
        q.arm(a, now + TIMEBASE_HZ / 100, fa.clone()); // 10 ms
        q.arm(b, now + TIMEBASE_HZ / 100, fb.clone());
        q.disarm(b);
        assert!(!fa.0.load(Ordering::SeqCst));
        let t0 = Instant::now();
        while !fa.0.load(Ordering::SeqCst) && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(fa.0.load(Ordering::SeqCst));
        assert!(q.clock().now() >= now + TIMEBASE_HZ / 100);
        assert!(!fb.0.load(Ordering::SeqCst));
    }
}
