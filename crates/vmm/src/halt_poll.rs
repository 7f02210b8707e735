//! Adaptive polling before a hart's thread sleeps in `wfi` (the idea of
//! KVM's halt polling).
//!
//! Waking a sleeping thread costs 30–60 µs on a virtualized host (the
//! host's idle vCPU must be woken too), and an SMP guest waits for that on
//! every IPI it sends to an idle hart. A hart whose recent sleeps were that
//! short first polls its pending word for a while; one whose sleeps are
//! long (an idle guest) does not poll at all, so idle VMs cost no CPU.
//! Nor does a hart poll when the running harts take every host core: it
//! would take one from a hart with work (a 4-hart boot on 2 cores polling
//! 1 ms took twice as long).

use std::time::{Duration, Instant};

use rvisor_cpu::HartSignals;

/// First window after a short sleep.
const START: Duration = Duration::from_micros(20);
/// Longest window: sleeps longer than this are not worth polling for.
const MAX: Duration = Duration::from_micros(200);
/// The timeout of the sleep itself only bounds the damage of a missed
/// wake-up.
const SLEEP_TIMEOUT: Duration = Duration::from_millis(50);

/// One hart's polling window.
#[derive(Debug, Default)]
pub(crate) struct HaltPoll {
    window: Duration,
}

impl HaltPoll {
    /// Wait until `signals` has a bit of `mask` pending (or the sleep's
    /// timeout passes): poll for the current window if a host core is
    /// `spare`, then sleep; adapt the window to how long the wait took.
    pub(crate) fn wait(&mut self, signals: &HartSignals, mask: u64, spare: bool) {
        let start = Instant::now();
        if spare && !self.window.is_zero() {
            while signals.load() & mask == 0 {
                if start.elapsed() >= self.window {
                    break;
                }
                std::hint::spin_loop();
            }
            if signals.load() & mask != 0 {
                return;
            }
        }
        signals.wait(mask, SLEEP_TIMEOUT);
        self.adapt(start.elapsed());
    }

    /// After a wait that slept, lasting `waited` in all: grow the window
    /// if a longer one would have caught the wake-up, drop it if the
    /// wait was too long for any.
    fn adapt(&mut self, waited: Duration) {
        self.window = if waited <= MAX {
            (self.window * 2).clamp(START, MAX)
        } else {
            Duration::ZERO
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_grows_after_short_sleeps_and_drops_after_a_long_one() {
        let mut p = HaltPoll::default();
        assert!(p.window.is_zero(), "no polling before any sleep");
        p.adapt(Duration::from_micros(40));
        assert_eq!(p.window, START);
        p.adapt(Duration::from_micros(40));
        assert_eq!(p.window, START * 2);
        for _ in 0..10 {
            p.adapt(Duration::from_micros(100));
        }
        assert_eq!(p.window, MAX, "bounded");
        p.adapt(Duration::from_millis(5));
        assert!(p.window.is_zero(), "an idle hart stops polling");
    }

    #[test]
    fn a_pending_bit_ends_the_poll_without_sleeping() {
        let s = HartSignals::new();
        let mut p = HaltPoll {
            window: Duration::from_secs(5),
        };
        s.raise(1 << 3);
        let t = Instant::now();
        p.wait(&s, 1 << 3, true);
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!(p.window, Duration::from_secs(5), "no sleep: unchanged");
    }

    #[test]
    fn without_a_spare_core_the_hart_sleeps_at_once() {
        let s = HartSignals::new();
        s.raise(1 << 3);
        // A poll would see the bit and return before adapting the window;
        // the sleep sees it too, but the wait counts as a short sleep.
        let mut p = HaltPoll { window: START };
        p.wait(&s, 1 << 3, true);
        assert_eq!(p.window, START, "polled");
        p.wait(&s, 1 << 3, false);
        assert_eq!(p.window, START * 2, "slept");
    }

    #[test]
    fn a_bit_raised_while_polling_is_seen() {
        let s = HartSignals::new();
        let mut p = HaltPoll { window: MAX };
        let s2 = s.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_micros(50));
            s2.raise(1 << 7);
        });
        p.wait(&s, 1 << 7, true);
        t.join().expect("raiser");
        assert_ne!(s.load() & (1 << 7), 0);
    }
}
