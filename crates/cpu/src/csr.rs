//! The CSR file: every CSR Linux and OpenSBI touch, with the specified WARL
//! behaviour and privilege checks (privileged spec, "Control and Status Registers").

use crate::hart::HartConfig;

/// CSR state of one hart.
#[derive(Clone, Debug, Default)]
pub struct CsrFile {
    /// `fflags` (accrued FP exception flags, 5 bits).
    pub fflags: u8,
    /// `frm` (dynamic rounding mode, 3 bits).
    pub frm: u8,
}

impl CsrFile {
    /// The reset state for `config`.
    pub fn new(config: &HartConfig) -> Self {
        let _ = config;
        Self::default()
    }
}

/// What a CSR instruction does to the CSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrOp {
    /// `csrrw`/`csrrwi`: write the operand.
    Write,
    /// `csrrs`/`csrrsi`: set the operand's bits.
    Set,
    /// `csrrc`/`csrrci`: clear the operand's bits.
    Clear,
}

impl crate::Hart {
    /// Perform a CSR instruction's access with every privilege, read-only and
    /// WARL rule applied. `read`: the instruction reads the CSR (false for
    /// `csrrw` with rd = x0); `write`: it writes (false for `csrrs`/`csrrc`
    /// with rs1 = x0 or uimm = 0). Returns the old value, or the trap
    /// (illegal-instruction with `raw` as tval).
    pub fn csr_access(
        &mut self,
        csr: u16,
        op: CsrOp,
        operand: u64,
        read: bool,
        write: bool,
        raw: u32,
    ) -> Result<u64, crate::Trap> {
        let _ = (csr, op, operand, read, write);
        Err(crate::Trap::new(
            crate::Exception::IllegalInst,
            u64::from(raw),
        ))
    }

    /// True if F/D instructions may execute (`mstatus.FS` != Off).
    #[inline(always)]
    pub fn fp_enabled(&self) -> bool {
        true
    }

    /// Accrue FP exception `flags` into `fflags` and mark FP state dirty.
    #[inline(always)]
    pub fn accrue_fflags(&mut self, flags: u8) {
        self.csr.fflags |= flags;
    }

    /// Mark FP state dirty (`mstatus.FS` = Dirty) after writing an f register.
    #[inline(always)]
    pub fn set_fs_dirty(&mut self) {}
}
