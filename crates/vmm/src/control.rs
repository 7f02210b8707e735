//! How a running VM is told to stop: the guest (power-off, reset, HTIF exit)
//! or the user (console escape) records a reason, and every hart is asked to
//! leave its run loop.

use std::sync::{Arc, Mutex};

use rvisor_cpu::HartSignals;
use rvisor_memory::SystemControl;

/// Why the VM stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// The guest powered off (sifive_test, SBI SRST); `code` 0 is a clean power-off.
    PowerOff {
        /// Exit code the guest gave (0 = success).
        code: i32,
    },
    /// An HTIF program reported its result: 0 = pass, otherwise the failing test number.
    Htif {
        /// HTIF exit code.
        code: i32,
    },
    /// The guest asked for a reset.
    Reset,
    /// The user quit from the console.
    UserQuit,
    /// A hart thread ended unexpectedly (a bug in rvisor).
    InternalError,
}

impl ExitReason {
    /// The process exit status this reason maps to.
    pub fn exit_status(self) -> i32 {
        match self {
            ExitReason::PowerOff { code } | ExitReason::Htif { code } => {
                if code == 0 {
                    0
                } else {
                    code.clamp(1, 255)
                }
            }
            ExitReason::Reset | ExitReason::UserQuit => 0,
            ExitReason::InternalError => 70,
        }
    }
}

/// The stop switch of one VM.
#[derive(Default)]
pub struct VmControl {
    reason: Mutex<Option<ExitReason>>,
    harts: Mutex<Vec<Arc<HartSignals>>>,
}

impl VmControl {
    /// A control with no harts attached yet.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Attach the harts to stop.
    pub fn attach(&self, harts: Vec<Arc<HartSignals>>) {
        *self.harts.lock().unwrap_or_else(|e| e.into_inner()) = harts;
    }

    /// Record `reason` (the first one wins) and stop every hart.
    pub fn stop(&self, reason: ExitReason) {
        {
            let mut r = self.reason.lock().unwrap_or_else(|e| e.into_inner());
            if r.is_none() {
                *r = Some(reason);
            }
        }
        for h in self.harts.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            h.request_exit();
        }
    }

    /// The recorded reason.
    pub fn reason(&self) -> Option<ExitReason> {
        *self.reason.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SystemControl for VmControl {
    fn shutdown(&self, code: i32) {
        self.stop(ExitReason::PowerOff { code });
    }
    fn reset(&self) {
        self.stop(ExitReason::Reset);
    }
}

/// The HTIF's view of the control: its exits are test results.
pub struct HtifControl(pub Arc<VmControl>);

impl SystemControl for HtifControl {
    fn shutdown(&self, code: i32) {
        self.0.stop(ExitReason::Htif { code });
    }
    fn reset(&self) {
        self.0.stop(ExitReason::Reset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_first_reason_wins_and_harts_are_stopped() {
        let c = VmControl::new();
        let s = HartSignals::new();
        c.attach(vec![s.clone()]);
        HtifControl(c.clone()).shutdown(3);
        c.shutdown(0);
        assert_eq!(c.reason(), Some(ExitReason::Htif { code: 3 }));
        assert_ne!(s.load() & rvisor_cpu::signals::EXIT_REQUEST, 0);
        assert_eq!(ExitReason::Htif { code: 3 }.exit_status(), 3);
        assert_eq!(ExitReason::PowerOff { code: 0 }.exit_status(), 0);
        assert_eq!(ExitReason::PowerOff { code: 4096 }.exit_status(), 255);
    }
}
