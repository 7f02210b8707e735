//! Tier 0: an interpreter over cached, pre-decoded blocks. The semantic
//! reference for every other engine.

/// Interpreter state of one hart.
#[derive(Debug, Default)]
pub struct InterpState {}

impl InterpState {
    /// Empty caches.
    pub fn new() -> Self {
        Self::default()
    }
}

impl crate::Hart {
    /// Run until an exit: at most about `budget` instructions (checked at
    /// block boundaries).
    pub fn run(&mut self, budget: u64) -> crate::Exit {
        let _ = budget;
        crate::Exit::Budget
    }

    /// Complete a hypercall (`Exit::Hypercall`): pc moves past the `ecall`.
    pub fn finish_hypercall(&mut self) {
        self.pc = self.pc.wrapping_add(4);
    }
}
