//! Why [`Hart::run`](crate::Hart::run) returned to its caller (the VMM).

/// The reason the engine handed control back to the VMM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The instruction budget given to `run` is used up; call `run` again.
    Budget,
    /// `wfi` with no locally enabled interrupt pending: the VMM parks the
    /// thread (`HartSignals::wait`) and calls `run` again; pc is already past
    /// the `wfi`.
    Wfi,
    /// `ecall` from S-mode on a hart configured for paravirtualization: a
    /// hypercall. a0..a7 hold the SBI call; the VMM serves it, writes a0/a1
    /// and calls `Hart::finish_hypercall` (which moves pc past the `ecall`).
    Hypercall,
    /// `HartSignals::request_exit` was called (power-off, reset, pause).
    Stopped,
}
