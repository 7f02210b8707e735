//! Hooks for other engines (the translator in `rvisor-jit`): the pieces of
//! the run loop and of the memory path they share with the interpreter, so
//! that block boundaries, invalidation, loads/stores and traps behave
//! exactly as here.

use std::sync::atomic::{AtomicU64, Ordering};

use super::block::Fetched;
use super::{Op, PENDING_CODE_WRITTEN};
use rvisor_isa::Inst;

use crate::trap::Trap;
use crate::{Exit, Hart};

/// A value unique to one "all decoded code dropped" event (a new
/// `InterpState`: hart reset). Another engine compares it to decide to
/// flush too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FlushToken(u64);

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

impl Default for FlushToken {
    fn default() -> Self {
        Self(NEXT_TOKEN.fetch_add(1, Ordering::Relaxed))
    }
}

/// What [`Hart::engine_straddle`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Straddle {
    /// Ran it (or took its trap): go on at `pc`.
    Done,
    /// Ran it, and it stored to code: a block boundary must come next.
    CodeWritten,
    /// It trapped (the trap is taken: pc is the handler's): the privilege
    /// and translation state may have changed, so the engine's dispatcher
    /// must go on.
    Trapped,
    /// A system instruction: the interpreter must run it (its exits go to
    /// the VMM); nothing was done.
    Interpret,
}

impl Hart {
    /// Fetch, decode and run the one instruction at `pc` as the
    /// interpreter runs an instruction that straddles a page boundary: it
    /// never caches those (the second half comes through a second
    /// translation), so both halves are fetched through the TLB and decoded
    /// every time, and nothing about it can go stale. An engine runs such
    /// an instruction this way between its translations instead of
    /// returning to its dispatcher twice.
    pub fn engine_straddle(&mut self) -> Straddle {
        let op = match self.fetch_one(self.pc) {
            Ok(op) => op,
            Err(t) => {
                self.raise(t);
                return Straddle::Trapped;
            }
        };
        if op.inst.is_system() {
            return Straddle::Interpret;
        }
        let traps = self.stats.exceptions.iter().sum::<u64>();
        // Only system instructions exit to the VMM.
        let _ = self.exec_block_outlined(&[op], u64::from(op.len));
        if self.stats.exceptions.iter().sum::<u64>() != traps {
            Straddle::Trapped
        } else if self.interp.pending & PENDING_CODE_WRITTEN != 0 {
            Straddle::CodeWritten
        } else {
            Straddle::Done
        }
    }

    /// The block-boundary work of the interpreter's run loop: stop requests,
    /// remote TLB flushes and `fence.i`, taking a pending interrupt, and code
    /// invalidation.
    /// `Some(exit)` if the engine must return to the VMM.
    ///
    /// One difference: when code pages were written, every decoded block is
    /// dropped (one generation bump) instead of sweeping the table for the
    /// written pages. Under another engine the interpreter holds only cold
    /// blocks, and the sweep dominated guests that keep data in their code
    /// pages. Dropping more blocks than needed is always safe, and the
    /// flush token does not change (the other engine keeps its code).
    #[inline]
    pub fn engine_boundary(&mut self) -> Option<Exit> {
        let epoch = self.ram.code_epoch();
        if epoch != self.interp.seen_epoch {
            self.interp.seen_epoch = epoch;
            self.interp.pending &= !PENDING_CODE_WRITTEN;
            self.interp.arena.clear();
            self.interp.cache.invalidate();
            self.stats.block_invalidations += 1;
        }
        let mut arena = std::mem::take(&mut self.interp.arena);
        let r = self.boundary(&mut arena);
        self.interp.arena = arena;
        r
    }

    /// Execute the interpreter's block at pc *without* a boundary before it:
    /// for an engine that stopped just before an instruction it leaves to
    /// the interpreter, so that no interrupt can be taken between the two
    /// halves of what the interpreter runs as one block. Returns the steps
    /// taken, or an exit.
    pub fn engine_continue_block(&mut self) -> Result<u64, Exit> {
        let mut arena = std::mem::take(&mut self.interp.arena);
        let pc = self.pc;
        let r = match self.fetch_translate(pc) {
            Ok(pa) => self.run_uncached(&mut arena, pc, pa),
            Err(t) => {
                self.raise(t);
                Ok(1)
            }
        };
        self.interp.arena = arena;
        r
    }

    /// Changes whenever the interpreter dropped every decoded block; an
    /// engine that sees it change drops all its code too.
    pub fn engine_flush_token(&self) -> u64 {
        self.interp.flush_token.0
    }

    /// An engine is about to compare its code with the guest bytes, having
    /// set their `PAGE_CODE` flags, `fresh` if some were clear. `true` if
    /// it must call [`engine_code_kept`](Self::engine_code_kept) if it
    /// keeps the code.
    pub fn engine_code_read(&mut self, fresh: bool) -> bool {
        self.note_read(fresh)
    }

    /// The comparison [`engine_code_read`](Self::engine_code_read) called
    /// fresh kept code of physical page `page`: an SMP `fence.i` must
    /// compare it again (see `zifencei`).
    pub fn engine_code_kept(&mut self, page: u64) {
        self.note_kept(page);
    }

    /// Physical pages whose code the latest page-wise SMP `fence.i`
    /// compared (the interpreter dropped its blocks there), and a count
    /// that changes at each such fence: an engine that sees it change must
    /// compare its code of those pages before running it again.
    pub fn engine_fenced_pages(&self) -> (u64, &[u64]) {
        self.fenced_pages()
    }

    /// Changes at every SMP `fence.i` (this hart's or requested remotely):
    /// an engine that sees it change must compare its code with the guest
    /// bytes before running it again.
    pub fn engine_fence_gen(&self) -> u64 {
        self.interp.fence_gen
    }

    /// The instruction straddling the page boundary at `pc` (physical
    /// `pa`, 2 bytes before the page's end) for a translation to end with,
    /// if both halves can be fetched now. Its first half is flagged as
    /// code; the second half is not (the translation must compare the
    /// next page's fetch translation and bytes each time it runs it).
    pub fn engine_straddling_op(&mut self, pc: u64, pa: u64) -> Option<Op> {
        self.straddling_op(pc, pa)
    }

    /// The decoded ops of the block at `pc` (physical `pa`), as the
    /// interpreter would execute them, appended to `out`; the block's page
    /// is flagged `PAGE_CODE`. `None` if there is no cacheable block there
    /// (fetch fault, or an instruction straddling a page): interpret it.
    pub fn engine_block(&mut self, pc: u64, pa: u64, out: &mut Vec<Op>) -> Option<u64> {
        let mut arena = std::mem::take(&mut self.interp.arena);
        let r = match self.fetch_block(&mut arena, pc, pa) {
            Ok(Fetched::Block(b)) => arena.get(b.start..b.start + b.count).map(|ops| {
                out.extend_from_slice(ops);
                b.bytes
            }),
            _ => None,
        };
        self.interp.arena = arena;
        r
    }

    /// A load of `size` (1, 2, 4, 8) bytes, zero-extended, exactly as the
    /// interpreter performs it.
    #[inline]
    pub fn engine_load(&mut self, va: u64, size: u8) -> Result<u64, Trap> {
        match size {
            1 => self.load::<1>(va),
            2 => self.load::<2>(va),
            4 => self.load::<4>(va),
            _ => self.load::<8>(va),
        }
    }

    /// A store of the low `size` bytes of `v`, exactly as the interpreter
    /// performs it. `Ok(true)` if the store hit code: the current block must
    /// end after it (the next boundary invalidates).
    #[inline]
    pub fn engine_store(&mut self, va: u64, size: u8, v: u64) -> Result<bool, Trap> {
        match size {
            1 => self.store::<1>(va, v),
            2 => self.store::<2>(va, v),
            4 => self.store::<4>(va, v),
            _ => self.store::<8>(va, v),
        }?;
        Ok(self.interp.pending != 0)
    }

    /// Execute one A, F or D instruction exactly as the interpreter does
    /// inside a block. `Ok(true)` if the block must end after it (it wrote
    /// code).
    #[inline]
    pub fn engine_exec_ext(&mut self, op: &Op) -> Result<bool, Trap> {
        self.exec_ext(op.inst, op.raw)?;
        Ok(self.interp.pending != 0)
    }

    /// Whether an engine may run the system instruction `inst` in the
    /// middle of a block through
    /// [`engine_exec_system`](Self::engine_exec_system): `fence.i`,
    /// `sfence.vma` (which then ends the block), and CSR instructions whose
    /// CSR is plain state (trap CSRs, scratch, `time`, `mhartid`) or one
    /// whose writes that matter for a block boundary are detected there
    /// (`sstatus`/`mstatus`, `sie`/`mie`, `sip`/`mip`). Counters that
    /// depend on `instret` within the block, `satp`, FP and PMP CSRs are
    /// left to the interpreter.
    pub fn engine_system_inline(inst: &Inst) -> bool {
        use rvisor_isa::csr as n;
        let csr = match *inst {
            Inst::FenceI | Inst::SfenceVma { .. } => return true,
            Inst::Csrrw { csr, .. }
            | Inst::Csrrs { csr, .. }
            | Inst::Csrrc { csr, .. }
            | Inst::Csrrwi { csr, .. }
            | Inst::Csrrsi { csr, .. }
            | Inst::Csrrci { csr, .. } => csr,
            _ => return false,
        };
        matches!(
            csr,
            n::SSTATUS
                | n::SIE
                | n::STVEC
                | n::SSCRATCH
                | n::SEPC
                | n::SCAUSE
                | n::STVAL
                | n::SIP
                | n::MSTATUS
                | n::MIE
                | n::MTVEC
                | n::MSCRATCH
                | n::MEPC
                | n::MCAUSE
                | n::MTVAL
                | n::MIP
                | n::TIME
                | n::MHARTID
        )
    }

    /// `sfence.vma` at guest pc `pc` in the middle of a block, as
    /// [`engine_exec_system`](Self::engine_exec_system) runs it, except
    /// that `Ok(false)` says the block may go on: the flush was of one
    /// page (or one 2 MiB page's region) that does not hold `pc`. Such a
    /// flush changes nothing an engine's code takes as fixed within a
    /// page but that page's entries (which its accesses look up anew) and
    /// where indirect jumps into it lead (which the engine must check
    /// again). Linux patches its text through a fixmap page, fenced when
    /// mapped and when unmapped: a Debian boot patches ~44 K instructions
    /// and fences single pages 118 K times.
    pub fn engine_sfence_vma(&mut self, op: &Op, pc: u64) -> Result<bool, Trap> {
        let Inst::SfenceVma { rs1, rs2 } = op.inst else {
            return self.engine_exec_system(op);
        };
        let (before, _, _) = self.tlb_page_flushes();
        self.exec_sfence_vma(rs1, rs2, op.raw)?;
        let (after, first, pages) = self.tlb_page_flushes();
        let one = after == before.wrapping_add(1);
        let code = pc & !0xfff;
        let holds_code = code.wrapping_sub(first) < pages << 12;
        Ok(!one || holds_code)
    }

    /// Execute a system instruction that
    /// [`engine_system_inline`](Self::engine_system_inline) accepts, in
    /// the middle of a block, exactly as the interpreter does (pc and
    /// `instret` are the engine's to advance). `Ok(true)`: the block must
    /// end after it, because it may have made an interrupt deliverable or
    /// changed what the engine caches of the translation state (`mstatus`
    /// bits other than interrupt disables, `mie`, `mip`; any
    /// `sfence.vma`), or left work for the boundary (an SMP `fence.i`).
    /// A lone hart's `fence.i` needs nothing: engines drop code when a
    /// store reaches it, not at the fence.
    pub fn engine_exec_system(&mut self, op: &Op) -> Result<bool, Trap> {
        use crate::csr::mstatus;
        match op.inst {
            Inst::FenceI => {
                self.fence_i();
                return Ok(self.interp.pending != 0);
            }
            Inst::SfenceVma { rs1, rs2 } => {
                self.exec_sfence_vma(rs1, rs2, op.raw)?;
                return Ok(true);
            }
            _ => {}
        }
        let Some(c) = self.csr_inst(op.inst) else {
            return Ok(true);
        };
        let before = (self.csr.mstatus, self.csr.mie, self.csr.mip, self.prv);
        self.stats.csr_ops += 1;
        let old = self.csr_access(c.csr, c.op, c.operand, c.read, c.write, op.raw)?;
        self.xw(c.rd, old);
        let (ms, mie, mip, prv) = (self.csr.mstatus, self.csr.mie, self.csr.mip, self.prv);
        // Changing SIE/MIE only matters if it lets a pending interrupt in
        // (one raised meanwhile is taken at the engine's next check, as
        // if it had come a little later).
        let enables = mstatus::SIE | mstatus::MIE;
        let pending = mip | self.signals.pending.load(Ordering::Relaxed);
        let quiet = (ms ^ before.0) & !enables == 0
            && (ms & enables & !before.0 == 0 || pending & mie == 0)
            && mie == before.1
            && mip == before.2
            && prv == before.3;
        Ok(!quiet)
    }

    /// Take synchronous exception `t` at `self.pc` (pc and `instret` must
    /// already be those of the trapping instruction).
    pub fn engine_raise(&mut self, t: Trap) {
        self.raise(t);
    }
}
