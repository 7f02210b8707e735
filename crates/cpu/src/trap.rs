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
            self.switch_privilege(PrivilegeMode::Supervisor);
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
            self.switch_privilege(PrivilegeMode::Machine);
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

    /// The interrupts (`mip` bits) that would be taken now if pending:
    /// enabled in `mie` and by the global enables of the current
    /// privilege. It changes only with `mstatus`, `mie`, `mideleg` or the
    /// privilege.
    #[inline]
    pub fn takeable_interrupts(&self) -> u64 {
        self.csr.mie & IRQ_MASK & self.globally_enabled()
    }

    /// machine.adoc "Machine Interrupt Registers": an M-level interrupt is
    /// taken if prv < M or MIE; a delegated one if prv < S, or prv = S and
    /// SIE (never in M). The `mip` bits so enabled.
    #[inline]
    fn globally_enabled(&self) -> u64 {
        let ms = self.csr.mstatus;
        let m_on = self.prv != PrivilegeMode::Machine || ms & mstatus::MIE != 0;
        let s_on = match self.prv {
            PrivilegeMode::User => true,
            PrivilegeMode::Supervisor => ms & mstatus::SIE != 0,
            PrivilegeMode::Machine => false,
        };
        let mut enabled = 0;
        if m_on {
            enabled |= !self.csr.mideleg;
        }
        if s_on {
            enabled |= self.csr.mideleg;
        }
        enabled
    }

    fn select_interrupt(&self, pending: u64) -> Option<Interrupt> {
        let enabled = pending & self.globally_enabled();
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
        self.switch_privilege(new);
        self.pc = self.csr.mepc;
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
        self.switch_privilege(new);
        self.pc = self.csr.sepc;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::MEDELEG_WRITABLE;
    use crate::test_util::hart;
    use crate::Hart;
    use irq_bits::{MEI, MSI, MTI, SEI, SSI, STI};

    const ALL_EXCEPTIONS: [Exception; 14] = [
        Exception::InstMisaligned,
        Exception::InstAccessFault,
        Exception::IllegalInst,
        Exception::Breakpoint,
        Exception::LoadMisaligned,
        Exception::LoadAccessFault,
        Exception::StoreMisaligned,
        Exception::StoreAccessFault,
        Exception::EcallU,
        Exception::EcallS,
        Exception::EcallM,
        Exception::InstPageFault,
        Exception::LoadPageFault,
        Exception::StorePageFault,
    ];

    fn trap_hart() -> Hart {
        let mut h = hart();
        h.csr.mtvec = 0x8000_1001; // vectored
        h.csr.stvec = 0x8000_2001; // vectored
        h
    }

    #[test]
    fn trap_each_cause_delegated_from_u_goes_to_s() {
        for e in ALL_EXCEPTIONS {
            let mut h = trap_hart();
            h.csr.medeleg = MEDELEG_WRITABLE;
            h.csr.mstatus |= mstatus::SIE;
            h.prv = PrivilegeMode::User;
            h.take_trap(Trap::new(e, 0x55), 0x1000);
            if e == Exception::EcallM {
                // Never delegable: medeleg bit 11 is read-only zero.
                assert_eq!(h.prv, PrivilegeMode::Machine);
                continue;
            }
            assert_eq!(h.prv, PrivilegeMode::Supervisor, "{e:?}");
            assert_eq!(h.csr.scause, e as u64);
            assert_eq!(h.csr.sepc, 0x1000);
            assert_eq!(h.csr.stval, 0x55);
            // Exceptions use BASE even in vectored mode.
            assert_eq!(h.pc, 0x8000_2000);
            assert_eq!(h.csr.mstatus & mstatus::SPP, 0);
            assert_ne!(h.csr.mstatus & mstatus::SPIE, 0);
            assert_eq!(h.csr.mstatus & mstatus::SIE, 0);
            assert_eq!(h.csr.mcause, 0);
            assert_eq!(h.csr.mepc, 0);
            assert_eq!(h.stats.exceptions[e as usize], 1);
        }
    }

    #[test]
    fn trap_each_cause_undelegated_from_s_goes_to_m() {
        for e in ALL_EXCEPTIONS {
            let mut h = trap_hart();
            h.csr.mstatus |= mstatus::MIE;
            h.prv = PrivilegeMode::Supervisor;
            h.take_trap(Trap::new(e, 0x77), 0x2002);
            assert_eq!(h.prv, PrivilegeMode::Machine);
            assert_eq!(h.csr.mcause, e as u64);
            assert_eq!(h.csr.mepc, 0x2002);
            assert_eq!(h.csr.mtval, 0x77);
            assert_eq!(h.pc, 0x8000_1000);
            assert_eq!(h.csr.mstatus & mstatus::MPP, 1 << mstatus::MPP_SHIFT);
            assert_ne!(h.csr.mstatus & mstatus::MPIE, 0);
            assert_eq!(h.csr.mstatus & mstatus::MIE, 0);
        }
    }

    #[test]
    fn trap_from_m_never_delegated() {
        let mut h = trap_hart();
        h.csr.medeleg = MEDELEG_WRITABLE;
        h.take_trap(Trap::new(Exception::IllegalInst, 0x13), 0x3000);
        assert_eq!(h.prv, PrivilegeMode::Machine);
        assert_eq!(h.csr.mcause, 2);
        assert_eq!(h.csr.mstatus & mstatus::MPP, mstatus::MPP);
        assert_eq!(h.csr.scause, 0);
    }

    #[test]
    fn trap_from_s_delegated_sets_spp() {
        let mut h = trap_hart();
        h.csr.medeleg = MEDELEG_WRITABLE;
        h.prv = PrivilegeMode::Supervisor;
        h.take_trap(Trap::new(Exception::LoadPageFault, 0xdead), 0x4000);
        assert_eq!(h.prv, PrivilegeMode::Supervisor);
        assert_ne!(h.csr.mstatus & mstatus::SPP, 0);
        assert_eq!(h.csr.mstatus & mstatus::SPIE, 0);
    }

    #[test]
    fn trap_interrupt_vectored_and_cause_bit() {
        let mut h = trap_hart();
        h.pc = 0x5000;
        h.prv = PrivilegeMode::User;
        h.take_interrupt(Interrupt::MachineTimer);
        assert_eq!(h.pc, 0x8000_1000 + 4 * 7);
        assert_eq!(h.csr.mcause, 1 << 63 | 7);
        assert_eq!(h.csr.mepc, 0x5000);
        assert_eq!(h.csr.mtval, 0);
        assert_eq!(h.stats.interrupts[7], 1);
        let mut h = trap_hart();
        h.csr.mideleg = 0x222;
        h.csr.stvec = 0x8000_2000; // direct
        h.prv = PrivilegeMode::User;
        h.pc = 0x6000;
        h.take_interrupt(Interrupt::SupervisorTimer);
        assert_eq!(h.prv, PrivilegeMode::Supervisor);
        assert_eq!(h.pc, 0x8000_2000);
        assert_eq!(h.csr.scause, 1 << 63 | 5);
        assert_eq!(h.csr.sepc, 0x6000);
    }

    #[test]
    fn interrupt_priority_order_for_m() {
        let mut h = hart();
        h.csr.mie = 0xaaa;
        h.prv = PrivilegeMode::User;
        h.signals.raise(MEI | MSI | MTI);
        h.csr.mip = SEI | SSI | STI;
        let mut order = Vec::new();
        while let Some(i) = h.pending_interrupt() {
            order.push(i);
            h.csr.mie &= !(1 << i as u32);
        }
        assert_eq!(
            order,
            [
                Interrupt::MachineExternal,
                Interrupt::MachineSoft,
                Interrupt::MachineTimer,
                Interrupt::SupervisorExternal,
                Interrupt::SupervisorSoft,
                Interrupt::SupervisorTimer,
            ]
        );
    }

    #[test]
    fn interrupt_m_level_needs_mie_only_in_m() {
        let mut h = hart();
        h.csr.mie = MTI;
        h.signals.raise(MTI);
        assert_eq!(h.pending_interrupt(), None);
        assert!(h.wfi_wakeup_pending());
        h.csr.mstatus |= mstatus::MIE;
        assert_eq!(h.pending_interrupt(), Some(Interrupt::MachineTimer));
        h.csr.mstatus &= !mstatus::MIE;
        h.prv = PrivilegeMode::Supervisor;
        assert_eq!(h.pending_interrupt(), Some(Interrupt::MachineTimer));
    }

    #[test]
    fn interrupt_delegated_rules_by_mode() {
        let mut h = hart();
        h.csr.mideleg = 0x222;
        h.csr.mie = STI;
        h.csr.mip = STI;
        h.csr.mstatus |= mstatus::MIE | mstatus::SIE;
        // Never taken in M, even with both enables.
        assert_eq!(h.pending_interrupt(), None);
        h.prv = PrivilegeMode::Supervisor;
        assert_eq!(h.pending_interrupt(), Some(Interrupt::SupervisorTimer));
        h.csr.mstatus &= !mstatus::SIE;
        assert_eq!(h.pending_interrupt(), None);
        h.prv = PrivilegeMode::User;
        assert_eq!(h.pending_interrupt(), Some(Interrupt::SupervisorTimer));
        // Not enabled in mie: nothing, and wfi keeps sleeping.
        h.csr.mie = 0;
        assert_eq!(h.pending_interrupt(), None);
        assert!(!h.wfi_wakeup_pending());
    }

    #[test]
    fn interrupt_m_level_beats_higher_numbered_s_level() {
        let mut h = hart();
        h.csr.mideleg = SEI;
        h.csr.mie = SEI | MTI;
        h.csr.mip = SEI;
        h.signals.raise(MTI);
        h.prv = PrivilegeMode::Supervisor;
        h.csr.mstatus |= mstatus::SIE;
        assert_eq!(h.pending_interrupt(), Some(Interrupt::MachineTimer));
    }

    #[test]
    fn interrupt_ignores_request_bits() {
        let mut h = hart();
        h.csr.mie = u64::MAX;
        h.csr.mstatus |= mstatus::MIE;
        h.signals.raise(crate::signals::REQUEST_MASK);
        assert_eq!(h.pending_interrupt(), None);
        assert!(!h.wfi_wakeup_pending());
    }

    #[test]
    fn mret_restores_mpp_mpie_and_clears_mprv() {
        let mut h = hart();
        h.csr.mepc = 0x8000_4000;
        h.csr.mstatus |= mstatus::MPIE | mstatus::MPRV | 1 << mstatus::MPP_SHIFT;
        h.mret().expect("mret");
        assert_eq!(h.prv, PrivilegeMode::Supervisor);
        assert_eq!(h.pc, 0x8000_4000);
        let ms = h.csr.mstatus;
        assert_ne!(ms & mstatus::MIE, 0);
        assert_ne!(ms & mstatus::MPIE, 0);
        assert_eq!(ms & mstatus::MPP, 0);
        assert_eq!(ms & mstatus::MPRV, 0);
        // Not in M: illegal with the instruction bits as tval.
        assert_eq!(h.mret(), Err(Trap::new(Exception::IllegalInst, MRET)));
    }

    #[test]
    fn mret_to_m_keeps_mprv() {
        let mut h = hart();
        h.csr.mstatus |= mstatus::MPRV | mstatus::MPP;
        h.mret().expect("mret");
        assert_eq!(h.prv, PrivilegeMode::Machine);
        assert_ne!(h.csr.mstatus & mstatus::MPRV, 0);
        assert_eq!(h.csr.mstatus & mstatus::MIE, 0);
    }

    #[test]
    fn sret_restores_spp_spie_and_checks_tsr() {
        let mut h = hart();
        h.prv = PrivilegeMode::Supervisor;
        h.csr.sepc = 0x1234;
        h.csr.mstatus |= mstatus::SPIE | mstatus::MPRV;
        h.sret().expect("sret");
        assert_eq!(h.prv, PrivilegeMode::User);
        assert_eq!(h.pc, 0x1234);
        let ms = h.csr.mstatus;
        assert_ne!(ms & mstatus::SIE, 0);
        assert_ne!(ms & mstatus::SPIE, 0);
        assert_eq!(ms & mstatus::MPRV, 0);
        assert_eq!(h.sret(), Err(Trap::new(Exception::IllegalInst, SRET)));
        h.prv = PrivilegeMode::Supervisor;
        h.csr.mstatus |= mstatus::TSR | mstatus::SPP;
        assert_eq!(h.sret(), Err(Trap::new(Exception::IllegalInst, SRET)));
        // TSR does not apply to M.
        h.prv = PrivilegeMode::Machine;
        h.sret().expect("sret from M");
        assert_eq!(h.prv, PrivilegeMode::Supervisor);
        assert_eq!(h.csr.mstatus & mstatus::SPP, 0);
    }

    #[test]
    fn wfi_allowed_by_mode_and_tw() {
        let mut h = hart();
        assert!(h.wfi_allowed().is_ok());
        h.csr.mstatus |= mstatus::TW;
        assert!(h.wfi_allowed().is_ok());
        h.prv = PrivilegeMode::Supervisor;
        assert_eq!(h.wfi_allowed(), Err(Trap::new(Exception::IllegalInst, WFI)));
        h.csr.mstatus &= !mstatus::TW;
        assert!(h.wfi_allowed().is_ok());
        h.prv = PrivilegeMode::User;
        assert!(h.wfi_allowed().is_err());
    }

    #[test]
    fn trap_round_trip_keeps_tlb_contexts_apart() {
        use crate::mmu::Access;
        let mut h = hart();
        h.csr.mstatus |= mstatus::MPRV; // MPP = U: M loads act as U
        h.mmu.open_pmp_for_supervisor();
        assert_eq!(h.translate(0x8000_0000, Access::Load), Ok(0x8000_0000));
        // A trap from S writes MPP = S: the M-mode load context follows.
        h.prv = PrivilegeMode::Supervisor;
        h.take_trap(Trap::new(Exception::EcallS, 0), 0x100);
        assert_eq!(h.effective_priv(Access::Load), PrivilegeMode::Supervisor);
        assert_eq!(h.tlb_lookup(0x8000_0000, Access::Load), None);
    }
}
