//! Traps: synchronous exceptions and interrupts, their causes, delegation and
//! how a hart takes them (privileged spec, "Machine Trap Delegation" and the
//! `mcause`/`scause` tables).

/// Synchronous exception causes (`mcause` with the interrupt bit clear).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exception {
    /// Instruction address misaligned.
    InstMisaligned = 0,
    /// Instruction access fault.
    InstAccessFault = 1,
    /// Illegal instruction.
    IllegalInst = 2,
    /// Breakpoint.
    Breakpoint = 3,
    /// Load address misaligned.
    LoadMisaligned = 4,
    /// Load access fault.
    LoadAccessFault = 5,
    /// Store/AMO address misaligned.
    StoreMisaligned = 6,
    /// Store/AMO access fault.
    StoreAccessFault = 7,
    /// Environment call from U-mode.
    EcallU = 8,
    /// Environment call from S-mode.
    EcallS = 9,
    /// Environment call from M-mode.
    EcallM = 11,
    /// Instruction page fault.
    InstPageFault = 12,
    /// Load page fault.
    LoadPageFault = 13,
    /// Store/AMO page fault.
    StorePageFault = 15,
}

/// Interrupt causes (`mcause` with the interrupt bit set); the value is also
/// the bit number in `mip`/`mie`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Interrupt {
    /// Supervisor software interrupt.
    SupervisorSoft = 1,
    /// Machine software interrupt.
    MachineSoft = 3,
    /// Supervisor timer interrupt.
    SupervisorTimer = 5,
    /// Machine timer interrupt.
    MachineTimer = 7,
    /// Supervisor external interrupt.
    SupervisorExternal = 9,
    /// Machine external interrupt.
    MachineExternal = 11,
}

/// `mip`/`mie` bit masks.
pub mod irq_bits {
    /// SSIP/SSIE
    pub const SSI: u64 = 1 << 1;
    /// MSIP/MSIE
    pub const MSI: u64 = 1 << 3;
    /// STIP/STIE
    pub const STI: u64 = 1 << 5;
    /// MTIP/MTIE
    pub const MTI: u64 = 1 << 7;
    /// SEIP/SEIE
    pub const SEI: u64 = 1 << 9;
    /// MEIP/MEIE
    pub const MEI: u64 = 1 << 11;
}

/// A synchronous exception about to be taken: cause and the value for
/// `mtval`/`stval` (faulting address, or the instruction bits for
/// illegal-instruction, or 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trap {
    /// The cause.
    pub cause: Exception,
    /// The trap value.
    pub tval: u64,
}

impl Trap {
    /// A trap with cause and value.
    #[inline]
    pub fn new(cause: Exception, tval: u64) -> Self {
        Self { cause, tval }
    }
}

impl crate::Hart {
    /// Take synchronous exception `trap` raised by the instruction at `epc`:
    /// delegate by `medeleg`, update xEPC/xCAUSE/xTVAL/xSTATUS, change
    /// privilege and set pc to the trap vector.
    pub fn take_trap(&mut self, trap: Trap, epc: u64) {
        let _ = (trap, epc);
    }

    /// The highest-priority interrupt that is pending, enabled and may be
    /// taken in the current privilege mode, if any (mip = software bits |
    /// `signals.pending` bits).
    pub fn pending_interrupt(&self) -> Option<Interrupt> {
        None
    }

    /// Take interrupt `irq` with `self.pc` as the interrupted pc.
    pub fn take_interrupt(&mut self, irq: Interrupt) {
        let _ = irq;
    }

    /// True if some interrupt is pending and locally enabled (`mip & mie`),
    /// regardless of global enables and delegation: the condition that ends `wfi`.
    pub fn wfi_wakeup_pending(&self) -> bool {
        false
    }

    /// `mret` (pc is set to `mepc`); illegal-instruction if not in M-mode.
    pub fn mret(&mut self) -> Result<(), Trap> {
        Ok(())
    }

    /// `sret` (pc is set to `sepc`); illegal below S-mode or with `mstatus.TSR` in S.
    pub fn sret(&mut self) -> Result<(), Trap> {
        Ok(())
    }

    /// Checks `wfi` may execute here (`mstatus.TW`, U-mode); the caller parks.
    pub fn wfi_allowed(&self) -> Result<(), Trap> {
        Ok(())
    }
}
