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
