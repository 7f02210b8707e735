//! Traps: synchronous exceptions and interrupts, their causes, delegation and
//! how a hart takes them (privileged spec, "Machine Trap Delegation" and the
//! `mcause`/`scause` tables).

use crate::csr::{mstatus, IRQ_MASK};
use crate::hart::PrivilegeMode;

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

/// `mret` encoding: the tval of its illegal-instruction trap.
const MRET: u64 = 0x3020_0073;
/// `sret` encoding.
const SRET: u64 = 0x1020_0073;
/// `wfi` encoding.
const WFI: u64 = 0x1050_0073;

/// Interrupts in the order they are taken when several are pending
/// (machine.adoc "Machine Interrupt Registers": MEI, MSI, MTI, SEI, SSI, STI).
const PRIORITY: [Interrupt; 6] = [
    Interrupt::MachineExternal,
    Interrupt::MachineSoft,
    Interrupt::MachineTimer,
    Interrupt::SupervisorExternal,
    Interrupt::SupervisorSoft,
    Interrupt::SupervisorTimer,
];

impl crate::Hart {
    /// Take synchronous exception `trap` raised by the instruction at `epc`:
    /// delegate by `medeleg`, update xEPC/xCAUSE/xTVAL/xSTATUS, change
    /// privilege and set pc to the trap vector.
    pub fn take_trap(&mut self, trap: Trap, epc: u64) {
        let cause = trap.cause as u64;
        if let Some(n) = self.stats.exceptions.get_mut(cause as usize) {
            *n += 1;
        }
        // Exceptions always use the vector base, even in vectored mode.
        self.enter_trap(cause, epc, trap.tval, false);
    }

    /// Common trap entry (machine.adoc "Machine Trap Delegation"; the trap
    /// goes to S only if delegated and the hart is not in M: traps never
    /// lower the privilege).
    fn enter_trap(&mut self, cause: u64, epc: u64, tval: u64, interrupt: bool) {
        let code = cause & 63;
        let deleg = if interrupt {
            self.csr.mideleg
        } else {
            self.csr.medeleg
        };
        let prv = self.prv;
        let ms = self.csr.mstatus;
        let mcause = cause | if interrupt { 1 << 63 } else { 0 };
        let tvec;
        if prv != PrivilegeMode::Machine && deleg >> code & 1 != 0 {
            self.csr.scause = mcause;
            self.csr.sepc = epc & !1;
            self.csr.stval = tval;
            let mut v = ms & !(mstatus::SPP | mstatus::SPIE | mstatus::SIE);
            if prv == PrivilegeMode::Supervisor {
                v |= mstatus::SPP;
            }
            if ms & mstatus::SIE != 0 {
                v |= mstatus::SPIE;
            }
            self.csr.set_mstatus_raw(v);
            self.prv = PrivilegeMode::Supervisor;
            tvec = self.csr.stvec;
        } else {
            self.csr.mcause = mcause;
            self.csr.mepc = epc & !1;
            self.csr.mtval = tval;
            let mut v = ms & !(mstatus::MPP | mstatus::MPIE | mstatus::MIE);
            v |= (prv as u64) << mstatus::MPP_SHIFT;
            if ms & mstatus::MIE != 0 {
                v |= mstatus::MPIE;
            }
            self.csr.set_mstatus_raw(v);
            self.prv = PrivilegeMode::Machine;
            tvec = self.csr.mtvec;
        }
        let base = tvec & !3;
        self.pc = if interrupt && tvec & 3 == 1 {
            base.wrapping_add(4 * code)
        } else {
            base
        };
        self.after_privilege_change();
    }

    /// A trap or xRET happened: the LR/SC reservation is lost (unpriv spec
    /// "Load-Reserved/Store-Conditional": an SC after a trap must fail) and
    /// the TLB contexts follow the new MPP/MPRV.
    fn after_privilege_change(&mut self) {
        self.interp.clear_reservation();
        self.mmu_update_ctx();
    }

    /// The highest-priority interrupt that is pending, enabled and may be
    /// taken in the current privilege mode, if any (mip = software bits |
    /// `signals.pending` bits).
    #[inline]
    pub fn pending_interrupt(&self) -> Option<Interrupt> {
        let pending = (self.csr.mip | self.signals.load()) & self.csr.mie & IRQ_MASK;
        if pending == 0 {
            return None;
        }
        self.select_interrupt(pending)
    }

    /// machine.adoc "Machine Interrupt Registers": an M-level interrupt is
    /// taken if prv < M or MIE; a delegated one if prv < S, or prv = S and
    /// SIE (never in M).
    fn select_interrupt(&self, pending: u64) -> Option<Interrupt> {
        let ms = self.csr.mstatus;
        let m_on = self.prv != PrivilegeMode::Machine || ms & mstatus::MIE != 0;
        let s_on = match self.prv {
            PrivilegeMode::User => true,
            PrivilegeMode::Supervisor => ms & mstatus::SIE != 0,
            PrivilegeMode::Machine => false,
        };
        let mut enabled = 0;
        if m_on {
            enabled |= pending & !self.csr.mideleg;
        }
        if s_on {
            enabled |= pending & self.csr.mideleg;
        }
        if enabled == 0 {
            return None;
        }
        // M-level interrupts first, then by the fixed priority order.
        let m_level = enabled & !self.csr.mideleg;
        let set = if m_level != 0 { m_level } else { enabled };
        PRIORITY.into_iter().find(|&i| set >> (i as u32) & 1 != 0)
    }

    /// Take interrupt `irq` with `self.pc` as the interrupted pc.
    pub fn take_interrupt(&mut self, irq: Interrupt) {
        let cause = irq as u64;
        if let Some(n) = self.stats.interrupts.get_mut(cause as usize) {
            *n += 1;
        }
        self.enter_trap(cause, self.pc, 0, true);
    }

    /// True if some interrupt is pending and locally enabled (`mip & mie`),
    /// regardless of global enables and delegation: the condition that ends `wfi`.
    #[inline]
    pub fn wfi_wakeup_pending(&self) -> bool {
        (self.csr.mip | self.signals.load()) & self.csr.mie & IRQ_MASK != 0
    }

    /// `mret` (pc is set to `mepc`); illegal-instruction if not in M-mode.
    pub fn mret(&mut self) -> Result<(), Trap> {
        if self.prv != PrivilegeMode::Machine {
            return Err(Trap::new(Exception::IllegalInst, MRET));
        }
        let ms = self.csr.mstatus;
        let new = match (ms & mstatus::MPP) >> mstatus::MPP_SHIFT {
            0 => PrivilegeMode::User,
            1 => PrivilegeMode::Supervisor,
            _ => PrivilegeMode::Machine,
        };
        // MIE = MPIE, MPIE = 1, MPP = U; MPRV = 0 when leaving M
        // (machine.adoc "Privilege and Global Interrupt-Enable Stack").
        let mut v = ms & !(mstatus::MIE | mstatus::MPP);
        if ms & mstatus::MPIE != 0 {
            v |= mstatus::MIE;
        }
        v |= mstatus::MPIE;
        if new != PrivilegeMode::Machine {
            v &= !mstatus::MPRV;
        }
        self.csr.set_mstatus_raw(v);
        self.prv = new;
        self.pc = self.csr.mepc;
        self.stats.xrets += 1;
        self.after_privilege_change();
        Ok(())
    }

    /// `sret` (pc is set to `sepc`); illegal below S-mode or with `mstatus.TSR` in S.
    pub fn sret(&mut self) -> Result<(), Trap> {
        let ms = self.csr.mstatus;
        if self.prv == PrivilegeMode::User
            || (self.prv == PrivilegeMode::Supervisor && ms & mstatus::TSR != 0)
        {
            return Err(Trap::new(Exception::IllegalInst, SRET));
        }
        let new = if ms & mstatus::SPP != 0 {
            PrivilegeMode::Supervisor
        } else {
            PrivilegeMode::User
        };
        let mut v = ms & !(mstatus::SIE | mstatus::SPP | mstatus::MPRV);
        if ms & mstatus::SPIE != 0 {
            v |= mstatus::SIE;
        }
        v |= mstatus::SPIE;
        self.csr.set_mstatus_raw(v);
        self.prv = new;
        self.pc = self.csr.sepc;
        self.stats.xrets += 1;
        self.after_privilege_change();
        Ok(())
    }

    /// Checks `wfi` may execute here (`mstatus.TW`, U-mode); the caller parks.
    pub fn wfi_allowed(&self) -> Result<(), Trap> {
        // machine.adoc "Virtualization Support in mstatus": TW traps wfi below
        // M; in U-mode wfi is illegal (S-mode is implemented).
        let tw = self.csr.mstatus & mstatus::TW != 0;
        match self.prv {
            PrivilegeMode::Machine => Ok(()),
            PrivilegeMode::Supervisor if !tw => Ok(()),
            _ => Err(Trap::new(Exception::IllegalInst, WFI)),
        }
    }
}
