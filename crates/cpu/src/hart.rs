//! The hart: architectural state plus the engine state that caches it.
//!
//! Ownership of the pieces (so that work on them stays apart):
//! `csr.rs` (CSR file, WARL rules, privilege checks, xRET, interrupts in
//! `trap.rs`), `mmu.rs` (translation, TLB, PMP), `interp/` (decode cache,
//! instruction semantics, the run loop, loads/stores/AMOs).

use std::sync::Arc;

use rvisor_memory::clock::TimerId;
use rvisor_memory::{Bus, Clock, GuestRam, TimerQueue};

use crate::csr::CsrFile;
use crate::interp::InterpState;
use crate::mmu::Mmu;
use crate::signals::{HartIrq, HartSignals};
use crate::stats::HartStats;

/// Privilege mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum PrivilegeMode {
    /// User.
    User = 0,
    /// Supervisor.
    Supervisor = 1,
    /// Machine.
    Machine = 3,
}

/// Static configuration of one hart.
#[derive(Clone, Debug)]
pub struct HartConfig {
    /// `mhartid`.
    pub hart_id: u64,
    /// pc at reset.
    pub reset_pc: u64,
    /// Privilege mode at reset (M for full virtualization, S for para).
    pub reset_mode: PrivilegeMode,
    /// S-mode `ecall` exits to the VMM as a hypercall (para mode) instead of
    /// trapping to M-mode.
    pub hypercalls: bool,
    /// Largest `satp.MODE` accepted: 8 (Sv39), 9 (Sv48) or 10 (Sv57).
    pub max_satp_mode: u8,
    /// Number of PMP entries (0 or 16).
    pub pmp_entries: u8,
    /// Implement Sstc (`stimecmp`, `menvcfg.STCE`).
    pub sstc: bool,
    /// Other harts share this hart's RAM. A lone hart's decoded code is kept
    /// exact by store tracking alone (its own stores, AMOs and every host
    /// write invalidate code pages), so its `fence.i` need not drop blocks;
    /// with other harts, a store racing with a decode can go unseen, and
    /// `fence.i` is what the spec gives the guest to settle that.
    pub smp: bool,
}

impl HartConfig {
    /// A full-virtualization hart: resets in M-mode at `reset_pc`.
    pub fn machine(hart_id: u64, reset_pc: u64) -> Self {
        Self {
            hart_id,
            reset_pc,
            reset_mode: PrivilegeMode::Machine,
            hypercalls: false,
            max_satp_mode: 10,
            pmp_entries: 16,
            sstc: true,
            smp: true,
        }
    }
}

/// One RISC-V hart.
///
/// `repr(C)`, the fields translated code uses first (registers, pc, the
/// translator's context), cache-line aligned: translated code reaches
/// them from the hart's address with short displacements, and their
/// place no longer moves when some other field changes size. Left to the
/// compiler, one counter added to `HartStats` put the statistics between
/// the registers and the translator's context and made the Debian boot
/// 22 % slower.
#[repr(C, align(64))]
pub struct Hart {
    /// Integer registers; `x[0]` always reads 0.
    pub x: [u64; 32],
    /// Floating-point registers (raw bits; single-precision values NaN-boxed).
    pub f: [u64; 32],
    /// Program counter.
    pub pc: u64,
    /// A translator's context (see [`crate::jit_ctx`]).
    pub jit: crate::jit_ctx::JitCtx,
    /// Current privilege mode.
    pub prv: PrivilegeMode,
    /// CSR state.
    pub csr: CsrFile,
    /// Event counters.
    pub stats: HartStats,
    /// Spin-loop detector state.
    pub spin: crate::spin::SpinState,
    /// Static configuration.
    pub config: HartConfig,
    /// The physical address space.
    pub bus: Arc<Bus>,
    /// Guest RAM (the same as `bus.ram()`, kept here for the fast paths).
    pub ram: Arc<GuestRam>,
    /// Asynchronous inputs (interrupt lines, stop requests).
    pub signals: Arc<HartSignals>,
    /// The machine clock (`time` CSR).
    pub clock: Clock,
    /// Timer queue for `stimecmp` (Sstc).
    pub timers: TimerQueue,
    /// The `timers` slot of the supervisor timer (`stimecmp`, SBI set_timer).
    pub stimer_id: TimerId,
    /// The STIP line (bit 5 of `signals`) the supervisor timer raises.
    pub stip_line: Arc<HartIrq>,
    /// Interpreter state (decoded-block cache, LR/SC reservation).
    pub interp: InterpState,
    /// Address translation state and TLB.
    pub mmu: Mmu,
}

impl Hart {
    /// A hart in its reset state.
    pub fn new(
        config: HartConfig,
        bus: Arc<Bus>,
        signals: Arc<HartSignals>,
        timers: TimerQueue,
    ) -> Self {
        let ram = bus.ram().clone();
        let clock = timers.clock().clone();
        let csr = CsrFile::new(&config);
        let mmu = Mmu::new(&config);
        let stimer_id = timers.alloc();
        let stip_line = Arc::new(HartIrq::new(signals.clone(), 5));
        let mut hart = Self {
            x: [0; 32],
            f: [0; 32],
            pc: config.reset_pc,
            prv: config.reset_mode,
            csr,
            mmu,
            interp: InterpState::new(),
            config,
            bus,
            ram,
            signals,
            clock,
            timers,
            stats: HartStats::default(),
            stimer_id,
            stip_line,
            spin: crate::spin::SpinState::default(),
            jit: crate::jit_ctx::JitCtx::default(),
        };
        hart.reset();
        hart
    }

    /// Enter privilege `new`, crediting the instructions retired since the
    /// last switch to the mode being left.
    pub(crate) fn switch_privilege(&mut self, new: PrivilegeMode) {
        self.stats.credit_privilege(self.prv as usize);
        self.prv = new;
    }

    /// The counters, with the instructions retired since the last privilege
    /// switch credited to the current mode.
    pub fn stats_snapshot(&self) -> HartStats {
        let mut s = self.stats.clone();
        s.credit_privilege(self.prv as usize);
        s
    }

    /// Return to the reset state (registers zero, pc = reset pc, reset mode).
    pub fn reset(&mut self) {
        self.x = [0; 32];
        self.f = [0; 32];
        self.pc = self.config.reset_pc;
        self.switch_privilege(self.config.reset_mode);
        self.csr = CsrFile::new(&self.config);
        self.mmu.reset(&self.config);
        // A pending supervisor timer does not survive reset.
        self.timers.disarm(self.stimer_id);
        self.signals.lower(crate::trap::irq_bits::STI);
        if self.config.reset_mode != PrivilegeMode::Machine {
            self.mmu.open_pmp_for_supervisor();
        }
        self.interp = InterpState::new();
    }

    /// Enter S-mode at `pc` with a0 = `a0`, a1 = `a1`, translation off and
    /// supervisor interrupts disabled: the state SBI HSM `hart_start` and a
    /// non-retentive resume promise (SBI §9); other registers are undefined.
    pub fn start_supervisor(&mut self, pc: u64, a0: u64, a1: u64) {
        self.switch_privilege(PrivilegeMode::Supervisor);
        self.pc = pc;
        self.x[10] = a0;
        self.x[11] = a1;
        self.csr.satp = 0;
        self.csr.mstatus &= !crate::csr::mstatus::SIE;
        self.flush_tlb();
        self.interp.clear_reservation();
    }
}
