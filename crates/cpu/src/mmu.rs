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

/// The kind of access being translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Instruction fetch.
    Fetch,
    /// Load (and LR).
    Load,
    /// Store, SC and AMO.
    Store,
}

impl crate::Hart {
    /// TLB fast path: the physical address for `va` if a valid TLB entry
    /// allows `access` in the current effective privilege; `None` otherwise
    /// (call [`translate`](Self::translate)).
    #[inline(always)]
    pub fn tlb_lookup(&self, va: u64, access: Access) -> Option<u64> {
        let _ = access;
        Some(va)
    }

    /// Full translation of `va` for `access` in the current effective
    /// privilege (MPRV applied for loads/stores): TLB, then page walk with A/D
    /// updates, then PMP. Page faults and access faults come back as `Trap`
    /// with `tval = va`.
    pub fn translate(&mut self, va: u64, access: Access) -> Result<u64, crate::Trap> {
        let _ = access;
        Ok(va)
    }

    /// `sfence.vma`: `vaddr`/`asid` are `None` for rs1/rs2 = x0. Checks
    /// `mstatus.TVM`; flushes the matching TLB entries.
    pub fn sfence_vma(&mut self, vaddr: Option<u64>, asid: Option<u64>) -> Result<(), crate::Trap> {
        let _ = (vaddr, asid);
        Ok(())
    }

    /// Drop every TLB entry (satp write, privilege or MPRV/SUM/MXR change).
    pub fn flush_tlb(&mut self) {}
}
