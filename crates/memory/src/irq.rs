//! Interrupt lines: how a device signals an interrupt controller or a hart
//! without knowing what is on the other end.

/// A level-triggered interrupt line.
pub trait IrqLine: Send + Sync {
    /// Drive the line high (`true`) or low (`false`).
    fn set_level(&self, level: bool);
}

/// A line connected to nothing (tests, absent devices).
#[derive(Default, Debug)]
pub struct NullIrq;

impl IrqLine for NullIrq {
    fn set_level(&self, _level: bool) {}
}

/// Machine-wide events a device may request (sifive_test, HTIF, SBI SRST):
/// the VMM implements this and stops or restarts every hart.
pub trait SystemControl: Send + Sync {
    /// Power the machine off; `code` becomes rvisor's exit status (0 = clean).
    fn shutdown(&self, code: i32);
    /// Reset the machine (cold reboot).
    fn reset(&self);
}

/// Remembers the request; for tests and machines run step by step.
#[derive(Default, Debug)]
pub struct RecordingControl {
    /// The last request: `Some(Ok(code))` for shutdown, `Some(Err(()))` for reset.
    pub last: std::sync::Mutex<Option<Result<i32, ()>>>,
}

impl SystemControl for RecordingControl {
    fn shutdown(&self, code: i32) {
        *self.last.lock().expect("poisoned") = Some(Ok(code));
    }
    fn reset(&self) {
        *self.last.lock().expect("poisoned") = Some(Err(()));
    }
}
