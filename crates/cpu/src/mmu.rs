//! Address translation: Sv39/Sv48/Sv57 page walks with A/D updates and every
//! page-fault case, PMP checks, and the TLB.

use crate::hart::HartConfig;

/// Translation state and TLB of one hart.
#[derive(Clone, Debug, Default)]
pub struct Mmu {}

impl Mmu {
    /// The reset state for `config`.
    pub fn new(config: &HartConfig) -> Self {
        let _ = config;
        Self::default()
    }
}
