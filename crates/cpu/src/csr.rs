//! The CSR file: every CSR Linux and OpenSBI touch, with the specified WARL
//! behaviour and privilege checks (privileged spec, "Control and Status Registers").
//!
//! State that other parts of the engine read on fast paths (`mstatus`, `mie`,
//! `mip`, `satp`, ...) is kept as plain `pub` fields. Code outside this file
//! that writes `mstatus`, `satp` or the PMP directly must call
//! [`Hart::flush_tlb`](crate::Hart::flush_tlb) afterwards.

use std::sync::Arc;

use rvisor_isa::csr as n;
use rvisor_memory::IrqLine;

use crate::hart::{HartConfig, PrivilegeMode};
use crate::trap::irq_bits;

/// `mstatus` fields (machine.adoc "Machine Status (mstatus) Register").
pub mod mstatus {
    /// Supervisor interrupt enable.
    pub const SIE: u64 = 1 << 1;
    /// Machine interrupt enable.
    pub const MIE: u64 = 1 << 3;
    /// SIE before the last trap into S.
    pub const SPIE: u64 = 1 << 5;
    /// MIE before the last trap into M.
    pub const MPIE: u64 = 1 << 7;
    /// Privilege before the last trap into S (0 = U, 1 = S).
    pub const SPP: u64 = 1 << 8;
    /// Vector state (no V extension: read-only 0).
    pub const VS: u64 = 3 << 9;
    /// Privilege before the last trap into M.
    pub const MPP: u64 = 3 << 11;
    /// Shift of `MPP`.
    pub const MPP_SHIFT: u32 = 11;
    /// FP state (Off, Initial, Clean, Dirty).
    pub const FS: u64 = 3 << 13;
    /// FS = Initial.
    pub const FS_INITIAL: u64 = 1 << 13;
    /// FS = Dirty.
    pub const FS_DIRTY: u64 = 3 << 13;
    /// Extension state summary (read-only 0).
    pub const XS: u64 = 3 << 15;
    /// Loads and stores in M use MPP's translation and protection.
    pub const MPRV: u64 = 1 << 17;
    /// S-mode may access U pages.
    pub const SUM: u64 = 1 << 18;
    /// Loads from executable pages succeed.
    pub const MXR: u64 = 1 << 19;
    /// Trap `satp` accesses and `sfence.vma` in S.
    pub const TVM: u64 = 1 << 20;
    /// Trap `wfi` below M.
    pub const TW: u64 = 1 << 21;
    /// Trap `sret` in S.
    pub const TSR: u64 = 1 << 22;
    /// UXL (bits 33:32) and SXL (35:34) both 2 = 64-bit, read-only.
    pub const XL64: u64 = (2 << 32) | (2 << 34);
    /// FS/VS/XS dirty summary.
    pub const SD: u64 = 1 << 63;
    /// Bits software writes through `mstatus`.
    pub const WRITABLE: u64 =
        SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    /// Bits visible through `sstatus` (supervisor.adoc "Supervisor Status").
    pub const SSTATUS_VIEW: u64 =
        SIE | SPIE | 1 << 6 | SPP | VS | FS | XS | SUM | MXR | SD | (3 << 32);
    /// Bits software writes through `sstatus`.
    pub const SSTATUS_WRITABLE: u64 = SIE | SPIE | SPP | FS | SUM | MXR;
}

/// `misa`: MXL = 2 (64-bit), extensions I M A F D C S U.
pub const MISA: u64 =
    (2 << 62) | (1 << 8) | (1 << 12) | 1 | (1 << 5) | (1 << 3) | (1 << 2) | (1 << 18) | (1 << 20);

/// `medeleg` bits that may be set: every standard exception cause this hart
/// raises except ECALL from M (machine.adoc "Machine Trap Delegation": bit 11
/// is read-only zero).
pub const MEDELEG_WRITABLE: u64 = 0x3ff | (1 << 12) | (1 << 13) | (1 << 15);
/// `mideleg` bits that may be set: the supervisor interrupts.
pub const MIDELEG_WRITABLE: u64 = irq_bits::SSI | irq_bits::STI | irq_bits::SEI;
/// Every interrupt bit this hart implements (in `mip`/`mie`).
pub const IRQ_MASK: u64 =
    irq_bits::SSI | irq_bits::MSI | irq_bits::STI | irq_bits::MTI | irq_bits::SEI | irq_bits::MEI;

/// `menvcfg.FIOM`.
pub const ENVCFG_FIOM: u64 = 1;
/// `menvcfg.STCE` (Sstc enable).
pub const MENVCFG_STCE: u64 = 1 << 63;

/// `tinfo` for a `tselect` that names no trigger: only type 0 ("none")
/// (debug spec, tinfo.info).
pub const TINFO_NO_TRIGGER: u64 = 1;

/// `satp.MODE` values.
pub mod satp {
    /// No translation.
    pub const BARE: u8 = 0;
    /// Three-level, 39-bit virtual addresses.
    pub const SV39: u8 = 8;
    /// Four-level, 48-bit.
    pub const SV48: u8 = 9;
    /// Five-level, 57-bit.
    pub const SV57: u8 = 10;
    /// ASID field (16 bits implemented: ASIDLEN = 16).
    pub const ASID_MASK: u64 = 0xffff << 44;
    /// PPN field.
    pub const PPN_MASK: u64 = (1 << 44) - 1;
}

/// Counter-enable / counter-inhibit bits.
const CY: u64 = 1;
const TM: u64 = 1 << 1;
const IR: u64 = 1 << 2;

/// A counter derived from the retired-instruction count: reads
/// `instret + offset` while counting, `frozen` while inhibited.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counter {
    offset: u64,
    frozen: u64,
}

/// CSR state of one hart.
#[derive(Clone, Debug, Default)]
pub struct CsrFile {
    /// `mstatus` with SD kept up to date (sstatus is a view of it).
    pub mstatus: u64,
    /// `medeleg`.
    pub medeleg: u64,
    /// `mideleg`.
    pub mideleg: u64,
    /// `mie` (sie is a view of it).
    pub mie: u64,
    /// Software-writable part of `mip` (SSIP, STIP, SEIP); the hardware lines
    /// are in `Hart::signals`.
    pub mip: u64,
    /// `mtvec`.
    pub mtvec: u64,
    /// `stvec`.
    pub stvec: u64,
    /// `mscratch`.
    pub mscratch: u64,
    /// `sscratch`.
    pub sscratch: u64,
    /// `mepc`.
    pub mepc: u64,
    /// `sepc`.
    pub sepc: u64,
    /// `mcause`.
    pub mcause: u64,
    /// `scause`.
    pub scause: u64,
    /// `mtval`.
    pub mtval: u64,
    /// `stval`.
    pub stval: u64,
    /// `mcounteren` (32 bits).
    pub mcounteren: u64,
    /// `scounteren` (32 bits).
    pub scounteren: u64,
    /// `mcountinhibit` (CY, IR and the HPM bits; TM read-only 0).
    pub mcountinhibit: u64,
    /// `menvcfg`.
    pub menvcfg: u64,
    /// `senvcfg`.
    pub senvcfg: u64,
    /// `satp`.
    pub satp: u64,
    /// `stimecmp` (Sstc).
    pub stimecmp: u64,
    /// `mcycle` (counts retired instructions: one instruction per cycle).
    pub cycle: Counter,
    /// `minstret`.
    pub instret: Counter,
    /// `fflags` (accrued FP exception flags, 5 bits).
    pub fflags: u8,
    /// `frm` (dynamic rounding mode, 3 bits).
    pub frm: u8,
}

impl CsrFile {
    /// The reset state for `config` (machine.adoc "Reset": MIE = MPRV = 0,
    /// everything else the implementation's choice).
    ///
    /// A hart that resets below M (para mode) has no firmware to set up
    /// M-mode state, so it gets what OpenSBI would leave behind: supervisor
    /// interrupts and the usual exceptions delegated, counters enabled, Sstc
    /// enabled when implemented.
    pub fn new(config: &HartConfig) -> Self {
        let mut c = Self {
            mstatus: mstatus::XL64,
            stimecmp: u64::MAX,
            ..Self::default()
        };
        if config.reset_mode != PrivilegeMode::Machine {
            c.mideleg = MIDELEG_WRITABLE;
            // Everything but S-ecall (the hypercall) and M-ecall.
            c.medeleg = MEDELEG_WRITABLE & !(1 << 9);
            c.mcounteren = 0xffff_ffff;
            c.mstatus |= (config.reset_mode as u64) << mstatus::MPP_SHIFT;
            if config.sstc {
                c.menvcfg |= MENVCFG_STCE;
            }
        }
        c
    }

    /// Write `mstatus` bits, applying WARL rules (MPP keeps its old value for
    /// the reserved encoding 2) and recomputing SD.
    fn set_mstatus(&mut self, new: u64, mask: u64) {
        let mut v = (self.mstatus & !mask) | (new & mask);
        if (v & mstatus::MPP) >> mstatus::MPP_SHIFT == 2 {
            v = (v & !mstatus::MPP) | (self.mstatus & mstatus::MPP);
        }
        self.set_mstatus_raw(v);
    }

    /// Store an already-legal `mstatus`, fixing the read-only fields and SD.
    pub(crate) fn set_mstatus_raw(&mut self, v: u64) {
        let mut v = (v & mstatus::WRITABLE) | mstatus::XL64;
        if v & mstatus::FS == mstatus::FS_DIRTY {
            v |= mstatus::SD;
        }
        self.mstatus = v;
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

/// Why a CSR access is refused (becomes illegal-instruction).
struct Illegal;

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
        // `read` does not matter: no CSR here has read side effects. The
        // interpreter counts `stats.csr_ops`.
        let _ = read;
        let illegal = || crate::Trap::new(crate::Exception::IllegalInst, u64::from(raw));
        // csr[9:8] is the lowest privilege that may access the CSR, csr[11:10]
        // == 3 marks it read-only (priv spec "CSR Address Mapping Conventions").
        if (self.prv as u16) < (csr >> 8) & 3 {
            return Err(illegal());
        }
        if write && (csr >> 10) & 3 == 3 {
            return Err(illegal());
        }
        let (old, rmw_old) = self.csr_read(csr).map_err(|_| illegal())?;
        if write {
            let new = match op {
                CsrOp::Write => operand,
                CsrOp::Set => rmw_old | operand,
                CsrOp::Clear => rmw_old & !operand,
            };
            self.csr_write(csr, new).map_err(|_| illegal())?;
        }
        Ok(old)
    }

    /// Counter-enable check for `cycle`/`time`/`instret`/`hpmcounterN`
    /// (`bit` = N): S needs mcounteren, U needs mcounteren and scounteren
    /// (machine.adoc "Machine Counter-Enable Register").
    fn counter_allowed(&self, bit: u16) -> bool {
        let m = self.csr.mcounteren >> bit & 1 != 0;
        let s = self.csr.scounteren >> bit & 1 != 0;
        match self.prv {
            PrivilegeMode::Machine => true,
            PrivilegeMode::Supervisor => m,
            PrivilegeMode::User => m && s,
        }
    }

    fn counter_read(&self, c: Counter, inhibit_bit: u64) -> u64 {
        if self.csr.mcountinhibit & inhibit_bit != 0 {
            c.frozen
        } else {
            self.stats.instret.wrapping_add(c.offset)
        }
    }

    /// A CSR write takes effect after the writing instruction retired, so the
    /// next instruction reads `v` (the interpreter counts this instruction
    /// after we return).
    fn counter_write(&mut self, which: u64, v: u64) {
        let inhibited = self.csr.mcountinhibit & which != 0;
        let instret = self.stats.instret;
        let c = if which == CY {
            &mut self.csr.cycle
        } else {
            &mut self.csr.instret
        };
        if inhibited {
            c.frozen = v;
        } else {
            c.offset = v.wrapping_sub(instret.wrapping_add(1));
        }
    }

    /// The value of `mip` as software reads it.
    pub fn mip_value(&self) -> u64 {
        (self.csr.mip | self.signals.load()) & IRQ_MASK
    }

    fn sstc_enabled(&self) -> bool {
        self.config.sstc && self.csr.menvcfg & MENVCFG_STCE != 0
    }

    /// Read a CSR after the generic checks: `(value, value for read-modify-write)`.
    fn csr_read(&self, csr: u16) -> Result<(u64, u64), Illegal> {
        let c = &self.csr;
        let v = match csr {
            n::FFLAGS | n::FRM | n::FCSR => {
                if !self.fp_enabled() {
                    return Err(Illegal);
                }
                match csr {
                    n::FFLAGS => u64::from(c.fflags & 0x1f),
                    n::FRM => u64::from(c.frm & 7),
                    _ => u64::from(c.frm & 7) << 5 | u64::from(c.fflags & 0x1f),
                }
            }
            n::CYCLE..=n::HPMCOUNTER31 => {
                let bit = csr - n::CYCLE;
                if !self.counter_allowed(bit) {
                    return Err(Illegal);
                }
                match csr {
                    n::CYCLE => self.counter_read(c.cycle, CY),
                    n::TIME => self.clock.now(),
                    n::INSTRET => self.counter_read(c.instret, IR),
                    _ => 0,
                }
            }
            n::MCYCLE => self.counter_read(c.cycle, CY),
            n::MINSTRET => self.counter_read(c.instret, IR),
            n::MHPMCOUNTER3..=n::MHPMCOUNTER31 | n::MHPMEVENT3..=n::MHPMEVENT31 => 0,
            n::SSTATUS => c.mstatus & mstatus::SSTATUS_VIEW,
            n::SIE => c.mie & c.mideleg,
            n::STVEC => c.stvec,
            n::SCOUNTEREN => c.scounteren,
            n::SENVCFG => c.senvcfg,
            n::SSCRATCH => c.sscratch,
            n::SEPC => c.sepc,
            n::SCAUSE => c.scause,
            n::STVAL => c.stval,
            n::SIP => {
                let v = self.mip_value() & c.mideleg;
                // Only the software SEIP bit takes part in read-modify-write
                // (machine.adoc, "Machine Interrupt (mip and mie) Registers").
                let rmw = (v & !irq_bits::SEI) | (c.mip & irq_bits::SEI & c.mideleg);
                return Ok((v, rmw));
            }
            n::STIMECMP => {
                if !self.config.sstc {
                    return Err(Illegal);
                }
                // sstc.adoc: S-mode access needs menvcfg.STCE and mcounteren.TM.
                if self.prv < PrivilegeMode::Machine
                    && (c.menvcfg & MENVCFG_STCE == 0 || c.mcounteren & TM == 0)
                {
                    return Err(Illegal);
                }
                c.stimecmp
            }
            n::SATP => {
                if self.prv == PrivilegeMode::Supervisor && c.mstatus & mstatus::TVM != 0 {
                    return Err(Illegal);
                }
                c.satp
            }
            n::MVENDORID | n::MARCHID | n::MIMPID | n::MCONFIGPTR => 0,
            n::MHARTID => self.config.hart_id,
            n::MSTATUS => c.mstatus,
            n::MISA => MISA,
            n::MEDELEG => c.medeleg,
            n::MIDELEG => c.mideleg,
            n::MIE => c.mie,
            n::MTVEC => c.mtvec,
            n::MCOUNTEREN => c.mcounteren,
            n::MENVCFG => c.menvcfg,
            n::MCOUNTINHIBIT => c.mcountinhibit,
            n::MSCRATCH => c.mscratch,
            n::MEPC => c.mepc,
            n::MCAUSE => c.mcause,
            n::MTVAL => c.mtval,
            n::MIP => {
                let v = self.mip_value();
                let rmw = (v & !irq_bits::SEI) | (c.mip & irq_bits::SEI);
                return Ok((v, rmw));
            }
            // RV64 has only the even pmpcfg registers (machine.adoc "PMP CSRs").
            n::PMPCFG0..=n::PMPCFG15 => {
                let i = usize::from(csr - n::PMPCFG0);
                if i % 2 != 0 {
                    return Err(Illegal);
                }
                self.mmu.pmp.read_cfg(i)
            }
            n::PMPADDR0..=n::PMPADDR63 => self.mmu.pmp.read_addr(usize::from(csr - n::PMPADDR0)),
            // Sdtrig with zero triggers (debug spec "Trigger Module Registers"):
            // software enumerates triggers by writing tselect and reading it
            // back, then reading tinfo/tdata1. tselect holds only 0, tdata1 of
            // the trigger it names reads type 0 ("no trigger at this
            // tselect"), tinfo reports only type 0, and writes are ignored.
            // riscv-tests `breakpoint` and OpenSBI's trigger probe then find
            // no usable trigger instead of trapping on the probe.
            n::TSELECT | n::TDATA1 | n::TDATA2 | n::TDATA3 => 0,
            n::TINFO => TINFO_NO_TRIGGER,
            // No tcontrol/mcontext/scontext, no debug mode, no H, no Smepmp:
            // those CSRs do not exist and raise illegal-instruction.
            _ => return Err(Illegal),
        };
        Ok((v, v))
    }

    /// Write a CSR that `csr_read` accepted, applying its WARL rules.
    fn csr_write(&mut self, csr: u16, v: u64) -> Result<(), Illegal> {
        match csr {
            n::FFLAGS => {
                self.csr.fflags = (v & 0x1f) as u8;
                self.set_fs_dirty();
            }
            n::FRM => {
                self.csr.frm = (v & 7) as u8;
                self.set_fs_dirty();
            }
            n::FCSR => {
                self.csr.fflags = (v & 0x1f) as u8;
                self.csr.frm = (v >> 5 & 7) as u8;
                self.set_fs_dirty();
            }
            n::MCYCLE => self.counter_write(CY, v),
            n::MINSTRET => self.counter_write(IR, v),
            n::MHPMCOUNTER3..=n::MHPMCOUNTER31 | n::MHPMEVENT3..=n::MHPMEVENT31 => {}
            n::SSTATUS => {
                self.csr.set_mstatus(v, mstatus::SSTATUS_WRITABLE);
                self.mmu_update_ctx();
            }
            n::MSTATUS => {
                self.csr.set_mstatus(v, mstatus::WRITABLE);
                self.mmu_update_ctx();
            }
            n::SIE => {
                let m = self.csr.mideleg & MIDELEG_WRITABLE;
                self.csr.mie = (self.csr.mie & !m) | (v & m);
            }
            n::MIE => self.csr.mie = v & IRQ_MASK,
            n::SIP => {
                // Only SSIP is writable through sip, and only when delegated.
                let m = self.csr.mideleg & irq_bits::SSI;
                self.write_mip_bits(v, m);
            }
            n::MIP => {
                let mut m = irq_bits::SSI | irq_bits::SEI | irq_bits::STI;
                // sstc.adoc: with STCE, STIP reflects stimecmp and is read-only.
                if self.sstc_enabled() {
                    m &= !irq_bits::STI;
                }
                self.write_mip_bits(v, m);
            }
            n::STVEC => self.csr.stvec = legal_tvec(self.csr.stvec, v),
            n::MTVEC => self.csr.mtvec = legal_tvec(self.csr.mtvec, v),
            n::SCOUNTEREN => self.csr.scounteren = v & 0xffff_ffff,
            n::MCOUNTEREN => self.csr.mcounteren = v & 0xffff_ffff,
            n::MCOUNTINHIBIT => self.write_countinhibit(v & 0xffff_fffd),
            n::SENVCFG => self.csr.senvcfg = v & ENVCFG_FIOM,
            n::MENVCFG => {
                let mut m = ENVCFG_FIOM;
                if self.config.sstc {
                    m |= MENVCFG_STCE;
                }
                let old = self.csr.menvcfg;
                self.csr.menvcfg = v & m;
                if (old ^ self.csr.menvcfg) & MENVCFG_STCE != 0 {
                    self.stce_changed();
                }
            }
            n::SSCRATCH => self.csr.sscratch = v,
            n::MSCRATCH => self.csr.mscratch = v,
            // IALIGN = 16: only bit 0 is zero.
            n::SEPC => self.csr.sepc = v & !1,
            n::MEPC => self.csr.mepc = v & !1,
            n::SCAUSE => self.csr.scause = v,
            n::MCAUSE => self.csr.mcause = v,
            n::STVAL => self.csr.stval = v,
            n::MTVAL => self.csr.mtval = v,
            n::MEDELEG => self.csr.medeleg = v & MEDELEG_WRITABLE,
            n::MIDELEG => self.csr.mideleg = v & MIDELEG_WRITABLE,
            n::MISA => {}
            // Zero triggers: tselect is WARL with the single legal value 0
            // and the absent trigger's registers ignore writes.
            n::TSELECT | n::TDATA1 | n::TDATA2 | n::TDATA3 | n::TINFO => {}
            n::STIMECMP => {
                self.csr.stimecmp = v;
                if self.sstc_enabled() {
                    self.arm_stimer(v);
                }
            }
            n::SATP => self.write_satp(v),
            n::PMPCFG0..=n::PMPCFG15 => {
                if self.mmu.pmp.write_cfg(usize::from(csr - n::PMPCFG0), v) {
                    self.flush_tlb();
                }
            }
            n::PMPADDR0..=n::PMPADDR63 => {
                if self.mmu.pmp.write_addr(usize::from(csr - n::PMPADDR0), v) {
                    self.flush_tlb();
                }
            }
            _ => return Err(Illegal),
        }
        Ok(())
    }

    /// Update the software-writable `mip` bits in `mask` from `v`. Clearing
    /// SSIP also drops an SSIP a device (ACLINT SSWI) latched in the signals.
    fn write_mip_bits(&mut self, v: u64, mask: u64) {
        self.csr.mip = (self.csr.mip & !mask) | (v & mask);
        if mask & irq_bits::SSI != 0 && v & irq_bits::SSI == 0 {
            self.signals.lower(irq_bits::SSI);
        }
    }

    fn write_countinhibit(&mut self, v: u64) {
        let old = self.csr.mcountinhibit;
        let instret = self.stats.instret;
        for (bit, c) in [(CY, &mut self.csr.cycle), (IR, &mut self.csr.instret)] {
            if old & bit == 0 && v & bit != 0 {
                c.frozen = instret.wrapping_add(c.offset);
            } else if old & bit != 0 && v & bit == 0 {
                c.offset = c.frozen.wrapping_sub(instret.wrapping_add(1));
            }
        }
        self.csr.mcountinhibit = v;
    }

    /// `satp` WARL: a write with an unsupported MODE is ignored entirely
    /// (supervisor.adoc "Supervisor Address Translation and Protection").
    fn write_satp(&mut self, v: u64) {
        let mode = (v >> 60) as u8;
        let max = self.config.max_satp_mode.min(satp::SV57);
        let ok = mode == satp::BARE || (satp::SV39..=max).contains(&mode);
        if !ok {
            return;
        }
        self.csr.satp = v & (0xf << 60 | satp::ASID_MASK | satp::PPN_MASK);
        self.flush_tlb();
    }

    /// STCE toggled: switch STIP between the software bit and stimecmp.
    fn stce_changed(&mut self) {
        self.csr.mip &= !irq_bits::STI;
        if self.sstc_enabled() {
            self.arm_stimer(self.csr.stimecmp);
        } else {
            self.timers.disarm(self.stimer_id);
            self.signals.lower(irq_bits::STI);
        }
    }

    /// STIP = (time >= deadline): lower the line if the deadline is ahead and
    /// let the timer queue raise it then (or at once if already passed).
    fn arm_stimer(&mut self, deadline: u64) {
        if self.clock.now() < deadline {
            self.signals.lower(irq_bits::STI);
        }
        if deadline == u64::MAX {
            // Never: nothing to wait for.
            self.timers.disarm(self.stimer_id);
            return;
        }
        let line: Arc<dyn IrqLine> = self.stip_line.clone();
        self.timers.arm(self.stimer_id, deadline, line);
    }

    /// SBI `set_timer` for the para-mode VMM: STIP becomes pending once
    /// `time >= deadline` and is cleared now if the deadline is in the future
    /// (SBI TIME extension). Shares the Sstc timer (and `stimecmp`).
    pub fn set_supervisor_timer(&mut self, deadline: u64) {
        self.csr.stimecmp = deadline;
        self.arm_stimer(deadline);
    }

    /// True if F/D instructions may execute (`mstatus.FS` != Off).
    #[inline(always)]
    pub fn fp_enabled(&self) -> bool {
        self.csr.mstatus & mstatus::FS != 0
    }

    /// Accrue FP exception `flags` into `fflags` and mark FP state dirty.
    #[inline(always)]
    pub fn accrue_fflags(&mut self, flags: u8) {
        self.csr.fflags |= flags & 0x1f;
        self.set_fs_dirty();
    }

    /// Mark FP state dirty (`mstatus.FS` = Dirty) after writing an f register.
    #[inline(always)]
    pub fn set_fs_dirty(&mut self) {
        self.csr.mstatus |= mstatus::FS_DIRTY | mstatus::SD;
    }
}

/// `mtvec`/`stvec` WARL: MODE 0 (direct) and 1 (vectored); a reserved MODE
/// (>= 2) leaves the register unchanged. BASE is 4-byte aligned by construction.
fn legal_tvec(old: u64, v: u64) -> u64 {
    if v & 3 >= 2 {
        old
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hart;
    use crate::{Exception, Hart};

    const RAW: u32 = 0x1234_5673;

    fn rd(h: &mut Hart, csr: u16) -> Result<u64, crate::Trap> {
        h.csr_access(csr, CsrOp::Set, 0, true, false, RAW)
    }

    fn wr(h: &mut Hart, csr: u16, v: u64) -> Result<u64, crate::Trap> {
        h.csr_access(csr, CsrOp::Write, v, true, true, RAW)
    }

    fn wr_rd(h: &mut Hart, csr: u16, v: u64) -> u64 {
        wr(h, csr, v).expect("write");
        rd(h, csr).expect("read")
    }

    fn is_illegal(r: Result<u64, crate::Trap>) -> bool {
        r == Err(crate::Trap::new(Exception::IllegalInst, u64::from(RAW)))
    }

    #[test]
    fn csr_misa_reads_rv64_imafdcsu_and_ignores_writes() {
        let mut h = hart();
        assert_eq!(rd(&mut h, n::MISA), Ok(0x8000_0000_0014_112d));
        assert_eq!(wr_rd(&mut h, n::MISA, 0), 0x8000_0000_0014_112d);
    }

    #[test]
    fn csr_id_registers_read_only() {
        let mut h = hart();
        assert_eq!(rd(&mut h, n::MVENDORID), Ok(0));
        assert_eq!(rd(&mut h, n::MARCHID), Ok(0));
        assert_eq!(rd(&mut h, n::MIMPID), Ok(0));
        assert_eq!(rd(&mut h, n::MCONFIGPTR), Ok(0));
        assert_eq!(rd(&mut h, n::MHARTID), Ok(0));
        assert!(is_illegal(wr(&mut h, n::MHARTID, 1)));
        // csrrs with rs1 = x0 does not write: legal.
        assert_eq!(
            h.csr_access(n::MHARTID, CsrOp::Set, 0, true, false, RAW),
            Ok(0)
        );
    }

    #[test]
    fn csr_privilege_below_required_is_illegal() {
        let mut h = hart();
        h.prv = PrivilegeMode::Supervisor;
        assert!(is_illegal(rd(&mut h, n::MSTATUS)));
        assert!(rd(&mut h, n::SSTATUS).is_ok());
        h.prv = PrivilegeMode::User;
        assert!(is_illegal(rd(&mut h, n::SSTATUS)));
        assert!(is_illegal(rd(&mut h, n::SATP)));
    }

    #[test]
    fn csr_unknown_and_absent_are_illegal() {
        let mut h = hart();
        for csr in [
            0x7c0,
            n::TCONTROL,
            n::MCONTEXT,
            n::DCSR,
            n::MTINST,
            n::MSECCFG,
            0x5ff,
        ] {
            assert!(is_illegal(rd(&mut h, csr)), "{csr:#x}");
        }
    }

    #[test]
    fn csr_triggers_probe_finds_none() {
        let mut h = hart();
        // Probe as riscv-tests `breakpoint` and debuggers do: select, read
        // back, then program an mcontrol and see whether it stuck.
        assert_eq!(wr_rd(&mut h, n::TSELECT, 0), 0);
        assert_eq!(wr_rd(&mut h, n::TSELECT, 1), 0);
        let mcontrol = 2 << 60 | 1 << 6 | 1 << 2;
        assert_eq!(wr_rd(&mut h, n::TDATA1, mcontrol), 0);
        assert_eq!(wr_rd(&mut h, n::TDATA2, 0x8000_0000), 0);
        assert_eq!(wr_rd(&mut h, n::TDATA3, u64::MAX), 0);
        assert_eq!(wr_rd(&mut h, n::TINFO, 0), TINFO_NO_TRIGGER);
        // M-mode only.
        h.prv = PrivilegeMode::Supervisor;
        assert!(is_illegal(rd(&mut h, n::TSELECT)));
    }

    #[test]
    fn csr_mstatus_all_ones_keeps_only_legal_fields() {
        let mut h = hart();
        let v = wr_rd(&mut h, n::MSTATUS, u64::MAX);
        assert_eq!(v, mstatus::WRITABLE | mstatus::XL64 | mstatus::SD);
        let v = wr_rd(&mut h, n::MSTATUS, 0);
        assert_eq!(v, mstatus::XL64);
    }

    #[test]
    fn csr_mstatus_mpp_reserved_value_keeps_old() {
        let mut h = hart();
        wr(&mut h, n::MSTATUS, 1 << 11).expect("write");
        let v = wr_rd(&mut h, n::MSTATUS, 2 << 11);
        assert_eq!(v & mstatus::MPP, 1 << 11);
    }

    #[test]
    fn csr_mstatus_fs_dirty_sets_sd_and_gates_fcsr() {
        let mut h = hart();
        assert!(!h.fp_enabled());
        assert!(is_illegal(rd(&mut h, n::FCSR)));
        assert!(is_illegal(rd(&mut h, n::FFLAGS)));
        wr(&mut h, n::MSTATUS, mstatus::FS_INITIAL).expect("write");
        assert!(h.fp_enabled());
        assert_eq!(wr_rd(&mut h, n::FCSR, 0xfff), 0xff);
        assert_eq!(rd(&mut h, n::FRM), Ok(7));
        assert_eq!(rd(&mut h, n::FFLAGS), Ok(0x1f));
        let ms = rd(&mut h, n::MSTATUS).expect("read");
        assert_eq!(ms & mstatus::FS, mstatus::FS_DIRTY);
        assert_ne!(ms & mstatus::SD, 0);
    }

    #[test]
    fn csr_accrue_fflags_sets_dirty() {
        let mut h = hart();
        wr(&mut h, n::MSTATUS, mstatus::FS_INITIAL).expect("write");
        h.accrue_fflags(0x3);
        assert_eq!(rd(&mut h, n::FFLAGS), Ok(3));
        assert_eq!(h.csr.mstatus & mstatus::FS, mstatus::FS_DIRTY);
    }

    #[test]
    fn csr_sstatus_is_restricted_view() {
        let mut h = hart();
        wr(&mut h, n::MSTATUS, u64::MAX).expect("write");
        let s = rd(&mut h, n::SSTATUS).expect("read");
        assert_eq!(
            s,
            mstatus::SIE
                | mstatus::SPIE
                | mstatus::SPP
                | mstatus::FS
                | mstatus::SUM
                | mstatus::MXR
                | mstatus::SD
                | (2 << 32)
        );
        wr(&mut h, n::SSTATUS, 0).expect("write");
        let m = rd(&mut h, n::MSTATUS).expect("read");
        assert_eq!(m & mstatus::SSTATUS_WRITABLE, 0);
        assert_ne!(m & mstatus::MIE, 0);
        assert_ne!(m & mstatus::TVM, 0);
    }

    #[test]
    fn csr_medeleg_mideleg_writable_bits() {
        let mut h = hart();
        assert_eq!(wr_rd(&mut h, n::MEDELEG, u64::MAX), 0xb3ff);
        assert_eq!(wr_rd(&mut h, n::MIDELEG, u64::MAX), 0x222);
        assert_eq!(wr_rd(&mut h, n::MEDELEG, 0), 0);
    }

    #[test]
    fn csr_mie_sie_view_follows_mideleg() {
        let mut h = hart();
        assert_eq!(wr_rd(&mut h, n::MIE, u64::MAX), 0xaaa);
        assert_eq!(rd(&mut h, n::SIE), Ok(0));
        wr(&mut h, n::MIDELEG, 0x222).expect("write");
        assert_eq!(rd(&mut h, n::SIE), Ok(0x222));
        wr(&mut h, n::SIE, 0).expect("write");
        assert_eq!(rd(&mut h, n::MIE), Ok(0x888));
    }

    #[test]
    fn csr_mip_software_bits_and_hardware_lines() {
        let mut h = hart();
        assert_eq!(wr_rd(&mut h, n::MIP, u64::MAX), 0x222);
        h.signals.raise(irq_bits::MTI | irq_bits::SEI);
        assert_eq!(rd(&mut h, n::MIP), Ok(0x2a2));
        // Clearing SEIP by software leaves the external line visible.
        h.csr_access(n::MIP, CsrOp::Clear, irq_bits::SEI, true, true, RAW)
            .expect("clear");
        assert_eq!(rd(&mut h, n::MIP), Ok(0x2a2));
        assert_eq!(h.csr.mip & irq_bits::SEI, 0);
        // Read-modify-write does not latch the line into the software bit.
        h.csr.mip = 0;
        h.csr_access(n::MIP, CsrOp::Set, irq_bits::SSI, true, true, RAW)
            .expect("set");
        assert_eq!(h.csr.mip, irq_bits::SSI);
    }

    #[test]
    fn csr_sip_only_delegated_ssip_writable() {
        let mut h = hart();
        h.prv = PrivilegeMode::Supervisor;
        wr(&mut h, n::SIP, u64::MAX).expect("write");
        assert_eq!(h.csr.mip, 0);
        h.csr.mideleg = 0x222;
        wr(&mut h, n::SIP, u64::MAX).expect("write");
        assert_eq!(h.csr.mip, irq_bits::SSI);
        h.signals.raise(irq_bits::STI | irq_bits::MTI);
        assert_eq!(rd(&mut h, n::SIP), Ok(0x22));
    }

    #[test]
    fn csr_mtvec_stvec_reserved_mode_keeps_old() {
        let mut h = hart();
        assert_eq!(wr_rd(&mut h, n::MTVEC, 0x8000_0001), 0x8000_0001);
        assert_eq!(wr_rd(&mut h, n::MTVEC, 0x9000_0002), 0x8000_0001);
        assert_eq!(wr_rd(&mut h, n::STVEC, 0x8000_0100), 0x8000_0100);
        assert_eq!(wr_rd(&mut h, n::STVEC, 0x3), 0x8000_0100);
    }

    #[test]
    fn csr_epc_bit0_zero_cause_tval_scratch_any() {
        let mut h = hart();
        assert_eq!(wr_rd(&mut h, n::MEPC, u64::MAX), u64::MAX - 1);
        assert_eq!(wr_rd(&mut h, n::SEPC, 0x8000_0003), 0x8000_0002);
        for csr in [
            n::MCAUSE,
            n::SCAUSE,
            n::MTVAL,
            n::STVAL,
            n::MSCRATCH,
            n::SSCRATCH,
        ] {
            assert_eq!(
                wr_rd(&mut h, csr, 0xdead_beef_1234_5678),
                0xdead_beef_1234_5678
            );
        }
    }

    #[test]
    fn csr_counteren_32_bits_and_gate_user_views() {
        let mut h = hart();
        assert_eq!(wr_rd(&mut h, n::MCOUNTEREN, u64::MAX), 0xffff_ffff);
        assert_eq!(wr_rd(&mut h, n::SCOUNTEREN, u64::MAX), 0xffff_ffff);
        wr(&mut h, n::MCOUNTEREN, TM).expect("write");
        wr(&mut h, n::SCOUNTEREN, 0).expect("write");
        h.prv = PrivilegeMode::Supervisor;
        assert!(rd(&mut h, n::TIME).is_ok());
        assert!(is_illegal(rd(&mut h, n::CYCLE)));
        assert!(is_illegal(rd(&mut h, n::INSTRET)));
        h.prv = PrivilegeMode::User;
        assert!(is_illegal(rd(&mut h, n::TIME)));
        h.csr.scounteren = TM;
        assert!(rd(&mut h, n::TIME).is_ok());
        assert!(is_illegal(rd(&mut h, n::HPMCOUNTER3)));
    }

    #[test]
    fn csr_minstret_write_seen_by_next_instruction() {
        let mut h = hart();
        h.stats.instret = 100;
        assert_eq!(rd(&mut h, n::MINSTRET), Ok(100));
        assert_eq!(rd(&mut h, n::INSTRET), Ok(100));
        assert_eq!(rd(&mut h, n::MCYCLE), Ok(100));
        wr(&mut h, n::MINSTRET, 5000).expect("write");
        h.stats.instret += 1;
        assert_eq!(rd(&mut h, n::MINSTRET), Ok(5000));
        wr(&mut h, n::MCYCLE, 7).expect("write");
        h.stats.instret += 1;
        assert_eq!(rd(&mut h, n::CYCLE), Ok(7));
    }

    #[test]
    fn csr_mcountinhibit_freezes_counters() {
        let mut h = hart();
        h.stats.instret = 10;
        assert_eq!(wr_rd(&mut h, n::MCOUNTINHIBIT, u64::MAX), 0xffff_fffd);
        h.stats.instret = 50;
        assert_eq!(rd(&mut h, n::MINSTRET), Ok(10));
        wr(&mut h, n::MINSTRET, 3).expect("write");
        assert_eq!(rd(&mut h, n::MINSTRET), Ok(3));
        wr(&mut h, n::MCOUNTINHIBIT, 0).expect("write");
        h.stats.instret += 1;
        assert_eq!(rd(&mut h, n::MINSTRET), Ok(3));
        h.stats.instret += 4;
        assert_eq!(rd(&mut h, n::MINSTRET), Ok(7));
    }

    #[test]
    fn csr_hpm_counters_read_zero_ignore_writes() {
        let mut h = hart();
        for csr in [
            n::MHPMCOUNTER3,
            n::MHPMCOUNTER31,
            n::MHPMEVENT3,
            n::MHPMEVENT31,
        ] {
            assert_eq!(wr_rd(&mut h, csr, u64::MAX), 0);
        }
        assert_eq!(rd(&mut h, n::HPMCOUNTER31), Ok(0));
        assert!(is_illegal(wr(&mut h, n::HPMCOUNTER3, 1)));
    }

    #[test]
    fn csr_envcfg_writable_bits() {
        let mut h = hart();
        assert_eq!(
            wr_rd(&mut h, n::MENVCFG, u64::MAX),
            MENVCFG_STCE | ENVCFG_FIOM
        );
        assert_eq!(wr_rd(&mut h, n::SENVCFG, u64::MAX), ENVCFG_FIOM);
        h.config.sstc = false;
        assert_eq!(wr_rd(&mut h, n::MENVCFG, u64::MAX), ENVCFG_FIOM);
        assert!(is_illegal(rd(&mut h, n::STIMECMP)));
    }

    #[test]
    fn csr_satp_mode_probe_falls_back() {
        let mut h = hart();
        h.config.max_satp_mode = satp::SV39;
        let ppn = 0x8_0000u64;
        // Linux set_satp_mode: try Sv57, then Sv48, then Sv39.
        for (mode, sticks) in [(satp::SV57, false), (satp::SV48, false), (satp::SV39, true)] {
            let v = u64::from(mode) << 60 | ppn;
            wr(&mut h, n::SATP, v).expect("write");
            let back = h
                .csr_access(n::SATP, CsrOp::Write, 0, true, true, RAW)
                .expect("swap");
            assert_eq!(back == v, sticks, "mode {mode}");
        }
    }

    #[test]
    fn csr_satp_unsupported_mode_write_ignored_entirely() {
        let mut h = hart();
        let good = 9u64 << 60 | 0xffff << 44 | 0x1234;
        assert_eq!(wr_rd(&mut h, n::SATP, good), good);
        for mode in [1u64, 7, 11, 15] {
            assert_eq!(wr_rd(&mut h, n::SATP, mode << 60 | 5), good);
        }
        assert_eq!(
            wr_rd(&mut h, n::SATP, 10u64 << 60 | u64::MAX >> 4),
            !(0xf << 60) | 10u64 << 60
        );
        assert_eq!(wr_rd(&mut h, n::SATP, 0), 0);
    }

    #[test]
    fn csr_satp_tvm_traps_in_s() {
        let mut h = hart();
        h.csr.mstatus |= mstatus::TVM;
        h.prv = PrivilegeMode::Supervisor;
        assert!(is_illegal(rd(&mut h, n::SATP)));
        h.prv = PrivilegeMode::Machine;
        assert!(rd(&mut h, n::SATP).is_ok());
    }

    #[test]
    fn csr_stimecmp_s_access_needs_stce_and_tm() {
        let mut h = hart();
        assert!(rd(&mut h, n::STIMECMP).is_ok());
        h.prv = PrivilegeMode::Supervisor;
        assert!(is_illegal(rd(&mut h, n::STIMECMP)));
        h.csr.menvcfg = MENVCFG_STCE;
        assert!(is_illegal(rd(&mut h, n::STIMECMP)));
        h.csr.mcounteren = TM;
        assert!(rd(&mut h, n::STIMECMP).is_ok());
    }

    #[test]
    fn csr_stimecmp_drives_stip_when_stce() {
        let mut h = hart();
        wr(&mut h, n::MENVCFG, MENVCFG_STCE).expect("write");
        // STIP is read-only under STCE.
        wr(&mut h, n::MIP, irq_bits::STI).expect("write");
        assert_eq!(h.csr.mip & irq_bits::STI, 0);
        wr(&mut h, n::STIMECMP, 0).expect("write");
        assert_ne!(h.mip_value() & irq_bits::STI, 0);
        wr(&mut h, n::STIMECMP, u64::MAX).expect("write");
        assert_eq!(h.mip_value() & irq_bits::STI, 0);
        let now = h.clock.now();
        wr(&mut h, n::STIMECMP, now + 20_000).expect("write"); // 2 ms
        assert_eq!(h.mip_value() & irq_bits::STI, 0);
        let t0 = std::time::Instant::now();
        while h.mip_value() & irq_bits::STI == 0 && t0.elapsed().as_secs() < 5 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_ne!(h.mip_value() & irq_bits::STI, 0);
    }

    #[test]
    fn csr_set_supervisor_timer_raises_and_clears_stip() {
        let mut h = hart();
        h.set_supervisor_timer(0);
        assert_ne!(h.mip_value() & irq_bits::STI, 0);
        h.set_supervisor_timer(h.clock.now() + 1_000_000_000);
        assert_eq!(h.mip_value() & irq_bits::STI, 0);
    }

    #[test]
    fn csr_reset_below_m_sets_firmware_defaults() {
        let mut cfg = HartConfig::machine(3, 0x8020_0000);
        cfg.reset_mode = PrivilegeMode::Supervisor;
        let mut h = crate::test_util::hart_with(cfg);
        assert_eq!(h.prv, PrivilegeMode::Supervisor);
        assert_eq!(h.csr.mideleg, MIDELEG_WRITABLE);
        assert_eq!(h.csr.medeleg & (1 << 9), 0);
        assert_ne!(h.csr.medeleg & (1 << 13), 0);
        // time and stimecmp usable from S; PMP open for S.
        assert!(rd(&mut h, n::TIME).is_ok());
        assert!(rd(&mut h, n::STIMECMP).is_ok());
        assert_eq!(
            h.translate(0x8000_0000, crate::mmu::Access::Store),
            Ok(0x8000_0000)
        );
    }

    #[test]
    fn csr_pmp_registers_rv64_layout() {
        let mut h = hart();
        assert!(is_illegal(rd(&mut h, n::PMPCFG1)));
        assert!(is_illegal(rd(&mut h, n::PMPCFG15)));
        assert_eq!(wr_rd(&mut h, n::PMPADDR0, u64::MAX), (1 << 54) - 1);
        assert_eq!(wr_rd(&mut h, n::PMPADDR63, u64::MAX), 0);
        assert_eq!(wr_rd(&mut h, n::PMPCFG0, 0x1f), 0x1f);
        assert_eq!(wr_rd(&mut h, n::PMPCFG14, u64::MAX), 0);
    }
}
