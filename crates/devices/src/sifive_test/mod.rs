//! The sifive_test finisher at 0x100000 (platform.md §11): one 32-bit
//! register at offset 0 whose low 16 bits are a command and high 16 bits a
//! code. Linux uses it through `syscon-poweroff`/`syscon-reboot`; bare-metal
//! tests write it directly. Reads return 0.

mod regs;

pub use regs::{FINISHER_FAIL, FINISHER_PASS, FINISHER_RESET, WINDOW_SIZE};

use std::sync::Arc;

use rvisor_memory::{MmioDevice, SystemControl};

use crate::util::{bump, metrics, warn_limited};

metrics! {
    /// Event counts of the test finisher.
    SifiveTestStats / SifiveTestMetrics {
        /// FINISHER_PASS / FINISHER_FAIL writes.
        shutdowns,
        /// FINISHER_RESET writes.
        resets,
        /// Writes with another command or at another offset.
        ignored_writes,
    }
}

/// The finisher; map it at 0x100000 with size [`WINDOW_SIZE`].
pub struct SifiveTest {
    control: Arc<dyn SystemControl>,
    metrics: SifiveTestMetrics,
}

impl std::fmt::Debug for SifiveTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SifiveTest")
    }
}

impl SifiveTest {
    /// A finisher that asks `control` to power off or reset the machine.
    pub fn new(control: Arc<dyn SystemControl>) -> Self {
        Self {
            control,
            metrics: SifiveTestMetrics::default(),
        }
    }

    /// Event counters.
    pub fn stats(&self) -> SifiveTestStats {
        self.metrics.snapshot()
    }
}

impl MmioDevice for SifiveTest {
    fn read(&self, _offset: u64, _size: u8) -> u64 {
        0
    }

    fn write(&self, offset: u64, size: u8, value: u64) {
        // QEMU accepts 2- to 4-byte accesses; we also take 8-byte stores
        // (their low word is the register). A byte cannot hold a command.
        if offset != regs::FINISHER || !matches!(size, 2 | 4 | 8) {
            bump(&self.metrics.ignored_writes);
            return;
        }
        let word = value as u32;
        let (cmd, code) = (word & 0xffff, word >> 16);
        match cmd {
            FINISHER_PASS => {
                bump(&self.metrics.shutdowns);
                self.control.shutdown(0);
            }
            FINISHER_FAIL => {
                bump(&self.metrics.shutdowns);
                // A failure must not look like success: code 0 becomes 1.
                let code = if code == 0 { 1 } else { code };
                self.control.shutdown(i32::try_from(code).unwrap_or(1));
            }
            FINISHER_RESET => {
                bump(&self.metrics.resets);
                self.control.reset();
            }
            _ => {
                bump(&self.metrics.ignored_writes);
                warn_limited!("sifive_test: unknown command {cmd:#x} ignored");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Rng;
    use rvisor_memory::RecordingControl;

    fn rig() -> (SifiveTest, Arc<RecordingControl>) {
        let ctl = Arc::new(RecordingControl::default());
        (SifiveTest::new(ctl.clone()), ctl)
    }

    fn last(ctl: &RecordingControl) -> Option<Result<i32, ()>> {
        *ctl.last.lock().unwrap()
    }

    #[test]
    fn sifive_test_pass_shuts_down_with_zero() {
        let (dev, ctl) = rig();
        dev.write(0, 4, 0x5555);
        assert_eq!(last(&ctl), Some(Ok(0)));
    }

    #[test]
    fn sifive_test_fail_shuts_down_with_code() {
        let (dev, ctl) = rig();
        dev.write(0, 4, (42 << 16) | 0x3333);
        assert_eq!(last(&ctl), Some(Ok(42)));
    }

    #[test]
    fn sifive_test_fail_with_zero_code_exits_one() {
        let (dev, ctl) = rig();
        dev.write(0, 4, 0x3333);
        assert_eq!(last(&ctl), Some(Ok(1)));
    }

    #[test]
    fn sifive_test_reset_command_resets() {
        let (dev, ctl) = rig();
        dev.write(0, 4, 0x7777);
        assert_eq!(last(&ctl), Some(Err(())));
        assert_eq!(dev.stats().resets, 1);
    }

    #[test]
    fn sifive_test_unknown_command_is_ignored() {
        let (dev, ctl) = rig();
        dev.write(0, 4, 0x1234);
        dev.write(4, 4, 0x5555);
        dev.write(0, 1, 0x55);
        assert_eq!(last(&ctl), None);
        assert_eq!(dev.stats().ignored_writes, 3);
        assert_eq!(dev.read(0, 4), 0);
    }

    #[test]
    fn sifive_test_hostile_access_stream_never_panics() {
        let (dev, _) = rig();
        let mut rng = Rng::new(7);
        for _ in 0..3000 {
            let off = rng.next() % 0x10;
            dev.write(off, rng.size(), rng.next());
            dev.read(rng.next(), rng.size());
        }
    }
}
