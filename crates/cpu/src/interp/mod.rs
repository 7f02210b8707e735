//! Tier 0: an interpreter over cached, pre-decoded blocks. The semantic
//! reference for every other engine.
//!
//! The run loop, at every block boundary: polls the hart's signal word and
//! pending interrupts, applies flush requests and code-epoch changes,
//! translates pc (one fetch translation per block: blocks never cross a
//! page), finds the block by physical pc in [`block`]'s cache, and executes
//! its ops with one `match` over [`Inst`]. Control-flow and system
//! instructions end a block, so they are always its last op.
//!
//! Architectural state is exact at every trap: pc is the faulting
//! instruction's, `stats.instret` counts exactly the retired instructions
//! (it is batched per block otherwise). Semantics live per extension:
//! [`i`], [`m`], [`a`], [`f`], [`d`], [`zicsr`], [`zifencei`], [`privileged`],
//! with loads and stores in [`mem`].

mod a;
mod b;
mod block;
mod cold;
mod d;
mod engine;
mod f;
mod fp;
mod i;
mod m;
mod mem;
mod privileged;
mod zicsr;
mod zifencei;

use rvisor_isa::Inst;

pub use self::block::Op;
use self::block::{BlockCache, Fetched};
pub use self::engine::Straddle;
/// F/D semantics over the operand format, shared with the translator's
/// direct FP helpers.
pub use self::fp::{Arith, Cmp, Double, Format, Int, Sgnj, Single};
use self::i::{imm64, sext32};
use crate::signals::{EXIT_REQUEST, FENCE_I_REQUEST, REQUEST_MASK, TLB_FLUSH_REQUEST};
use crate::trap::Trap;
use crate::{Exit, Hart};

/// `InterpState::pending`: a store hit a page holding decoded code.
pub(crate) const PENDING_CODE_WRITTEN: u8 = 1;
/// `InterpState::pending`: every decoded block must be compared with the
/// guest bytes before it runs again (SMP `fence.i`).
pub(crate) const PENDING_FENCE_I: u8 = 2;

/// An LR reservation: the physical address, width and the value LR read
/// (SC succeeds only by compare-and-swapping that value, which makes it
/// correct against stores from harts on other threads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reservation {
    pub pa: u64,
    pub size: u8,
    pub value: u64,
}

/// The most recent synchronous exception the interpreter raised (for
/// debuggers, `--stats` and tests; the architectural record is in the CSRs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapRecord {
    /// Cause and tval.
    pub trap: Trap,
    /// pc of the trapping instruction.
    pub epc: u64,
    /// `instret` when it was taken (instructions retired before it).
    pub instret: u64,
}

/// Interpreter state of one hart.
#[derive(Debug, Default)]
pub struct InterpState {
    cache: BlockCache,
    /// Decoded ops of every cached block (moved out while `run` executes).
    arena: Vec<Op>,
    /// `PENDING_*` bits raised by instruction semantics for the run loop.
    pub(crate) pending: u8,
    /// The RAM code epoch these blocks were decoded under.
    seen_epoch: u64,
    /// The LR reservation, if any.
    pub(crate) reservation: Option<Reservation>,
    last_trap: Option<TrapRecord>,
    /// Changes whenever every decoded block is dropped (see
    /// [`Hart::engine_flush_token`]).
    flush_token: engine::FlushToken,
    /// Counts SMP `fence.i`s (see [`Hart::engine_fence_gen`]).
    fence_gen: u64,
    /// What the next SMP `fence.i` must compare (see `zifencei`).
    settle: zifencei::Settle,
    /// Scratch: the pages written in the code epochs being caught up on.
    written: Vec<u64>,
    /// Where a translator has code (see [`Hart::run_cold`]).
    translated: cold::Translated,
}

impl InterpState {
    /// Empty caches.
    pub fn new() -> Self {
        Self::default()
    }

    /// Drop the LR/SC reservation (traps, xRET, context switches).
    pub fn clear_reservation(&mut self) {
        self.reservation = None;
    }

    /// The most recent synchronous exception raised by an instruction or
    /// fetch.
    pub fn last_trap(&self) -> Option<TrapRecord> {
        self.last_trap
    }
}

/// Does `fence pred, succ` (with `fm`) need a host barrier? Guest accesses
/// are plain moves or locked instructions on x86-64, whose TSO order keeps
/// every ordering RISC-V fences ask for except one: a later load may pass an
/// earlier store still in the store buffer. So a fence that orders earlier
/// writes (W, or device output O) before later reads (R, or device input I)
/// — `fence rw,rw`, Linux's `smp_mb()` — needs a full host barrier; every
/// other fence, and `fence.tso` (which exempts store→load), costs nothing.
/// Without it two harts can each miss the other's store (the store-buffer
/// litmus test), which loses wake-ups in the guest's scheduler.
#[inline(always)]
pub fn fence_needs_store_load_barrier(pred: u8, succ: u8, fm: u8) -> bool {
    const W_OR_O: u8 = 0b0101;
    const R_OR_I: u8 = 0b1010;
    fm != 8 && pred & W_OR_O != 0 && succ & R_OR_I != 0
}

/// Return early from a block with a trap taken at op `$i`.
macro_rules! tryop {
    ($self:ident, $e:expr, $base:ident, $i:ident, $op:ident) => {
        match $e {
            Ok(v) => v,
            Err(t) => return Ok($self.trap_in_block($base, $i, $op, t)),
        }
    };
}

impl Hart {
    /// Read x register `r` (`r & 31` lets LLVM drop the bounds check).
    #[inline(always)]
    pub(crate) fn xr(&self, r: u8) -> u64 {
        self.x[usize::from(r & 31)]
    }

    /// Write x register `r`; writes to x0 are undone immediately.
    #[inline(always)]
    pub(crate) fn xw(&mut self, r: u8, v: u64) {
        self.x[usize::from(r & 31)] = v;
        self.x[0] = 0;
    }

    /// Run until an exit: at most about `budget` instructions (checked at
    /// block boundaries; a block holds at most 64). Traps count against the
    /// budget too, so a guest trapping in a loop still returns.
    pub fn run(&mut self, budget: u64) -> Exit {
        let mut arena = std::mem::take(&mut self.interp.arena);
        let exit = self.run_loop(&mut arena, budget);
        self.interp.arena = arena;
        exit
    }

    /// Complete a hypercall (`Exit::Hypercall`): pc moves past the `ecall`,
    /// which now retires.
    pub fn finish_hypercall(&mut self) {
        self.pc = self.pc.wrapping_add(4);
        self.stats.instret += 1;
    }

    /// Execute exactly one instruction (taking a pending interrupt first,
    /// if any; a fetch fault counts as the step), for single-stepping
    /// debuggers. `Some(exit)` if the
    /// instruction exits to the VMM (wfi, hypercall) or a stop was requested.
    pub fn step(&mut self) -> Option<Exit> {
        let mut arena = std::mem::take(&mut self.interp.arena);
        let r = self.step_inner(&mut arena);
        self.interp.arena = arena;
        r
    }

    fn step_inner(&mut self, arena: &mut Vec<Op>) -> Option<Exit> {
        if let Some(e) = self.boundary(arena) {
            return Some(e);
        }
        let pc = self.pc;
        match self.fetch_one(pc) {
            Ok(op) => self.exec_block_outlined(&[op], u64::from(op.len)).err(),
            Err(t) => {
                self.raise(t);
                None
            }
        }
    }

    fn run_loop(&mut self, arena: &mut Vec<Op>, budget: u64) -> Exit {
        let mut blocks = 0;
        self.run_loop_counted(arena, budget, None, &mut blocks)
    }

    #[inline(always)]
    pub(super) fn run_loop_counted(
        &mut self,
        arena: &mut Vec<Op>,
        budget: u64,
        hot: Option<u16>,
        blocks: &mut u64,
    ) -> Exit {
        let mut done: u64 = 0;
        loop {
            if let Some(e) = self.boundary(arena) {
                return e;
            }
            if done >= budget {
                return Exit::Budget;
            }
            let pc = self.pc;
            let pa = match self.fetch_translate(pc) {
                Ok(pa) => pa,
                Err(t) => {
                    self.raise(t);
                    done += 1;
                    continue;
                }
            };
            if let Some(hot) = hot {
                if *blocks > 0 && self.hand_over(pa, hot) {
                    return Exit::Budget;
                }
                *blocks += 1;
            }
            // Hot path inline (cache hit); decoding and one-off fetches out
            // of line.
            let r = match self.interp.cache.lookup(pa) {
                Some(b) => match arena.get(b.start..b.start + b.count) {
                    Some(ops) => {
                        if b.spin != 0 {
                            self.spin_pass(pc, b.spin);
                        }
                        self.exec_block(ops, b.bytes)
                    }
                    None => Ok(1), // unreachable: ranges come from this arena
                },
                None => self.run_uncached(arena, pc, pa),
            };
            match r {
                Ok(n) => done += n.max(1),
                Err(e) => return e,
            }
        }
    }

    /// A block-cache miss: decode (or fetch a page-straddling instruction)
    /// and execute it.
    #[inline(never)]
    fn run_uncached(&mut self, arena: &mut Vec<Op>, pc: u64, pa: u64) -> Result<u64, Exit> {
        match self.fetch_block(arena, pc, pa) {
            Ok(Fetched::Block(b)) => match arena.get(b.start..b.start + b.count) {
                Some(ops) => self.exec_block_outlined(ops, b.bytes),
                None => Ok(1),
            },
            Ok(Fetched::Single(op)) => self.exec_block_outlined(&[op], u64::from(op.len)),
            Err(t) => {
                self.raise(t);
                Ok(1)
            }
        }
    }

    /// [`exec_block`](Self::exec_block) for the cold callers, so that only
    /// the run loop's copy is inlined.
    #[inline(never)]
    fn exec_block_outlined(&mut self, ops: &[Op], bytes: u64) -> Result<u64, Exit> {
        self.exec_block(ops, bytes)
    }

    /// The block-boundary checks: requests, interrupts, code invalidation.
    /// One atomic load and two compares when nothing is going on.
    #[inline(always)]
    fn boundary(&mut self, arena: &mut Vec<Op>) -> Option<Exit> {
        let sig = self.signals.load();
        if sig & REQUEST_MASK != 0 || self.interrupt_candidates(sig) != 0 {
            if let Some(e) = self.boundary_slow(arena, sig) {
                return Some(e);
            }
        }
        let epoch = self.ram.code_epoch();
        if self.interp.pending != 0 || epoch != self.interp.seen_epoch {
            self.code_changed(arena, epoch);
        }
        None
    }

    /// Code may have changed: a store to a code page (this hart's or
    /// another's, seen through the RAM code epoch) drops the blocks of pages
    /// whose `PAGE_CODE` flag the store cleared; an SMP `fence.i` makes
    /// every block suspect.
    #[cold]
    fn code_changed(&mut self, arena: &mut Vec<Op>, epoch: u64) {
        let pending = std::mem::take(&mut self.interp.pending);
        if epoch != self.interp.seen_epoch || pending & PENDING_CODE_WRITTEN != 0 {
            let seen = std::mem::replace(&mut self.interp.seen_epoch, epoch);
            let mut pages = std::mem::take(&mut self.interp.written);
            if self.ram.code_written_since(seen, epoch, &mut pages) {
                let dropped = self.interp.cache.invalidate_pages(&mut pages);
                self.stats.blocks_dropped += dropped as u64;
            } else {
                arena.clear();
                self.interp.cache.invalidate();
            }
            self.interp.written = pages;
            self.stats.block_invalidations += 1;
        }
        if pending & PENDING_FENCE_I != 0 {
            self.fence_blocks(arena);
        }
    }

    /// Interrupt bits that are pending and locally enabled (a superset of
    /// what may be taken; `pending_interrupt` decides).
    #[inline(always)]
    fn interrupt_candidates(&self, sig: u64) -> u64 {
        (sig | self.csr.mip) & self.csr.mie
    }

    #[cold]
    fn boundary_slow(&mut self, arena: &mut Vec<Op>, sig: u64) -> Option<Exit> {
        if sig & REQUEST_MASK != 0 {
            let req = self.signals.take_requests(REQUEST_MASK);
            if req & TLB_FLUSH_REQUEST != 0 {
                // Decoded and translated code is keyed by physical address
                // and stays; the translator sees the new TLB generation.
                self.apply_tlb_flushes();
            }
            if req & FENCE_I_REQUEST != 0 {
                self.fence_blocks(arena);
            }
            if req & EXIT_REQUEST != 0 {
                return Some(Exit::Stopped);
            }
        }
        if let Some(irq) = self.pending_interrupt() {
            // take_interrupt counts it in stats.interrupts.
            self.interp.reservation = None;
            self.take_interrupt(irq);
        }
        None
    }

    /// Take synchronous exception `t` at `self.pc`.
    /// (`take_trap` counts it in `stats.exceptions`.)
    pub(crate) fn raise(&mut self, t: Trap) {
        let pc = self.pc;
        self.interp.last_trap = Some(TrapRecord {
            trap: t,
            epc: pc,
            instret: self.stats.instret,
        });
        self.take_trap(t, pc);
    }

    /// Op `i` of the block starting at `base` raised `t`: the ops before it
    /// retired. Returns the steps consumed.
    #[cold]
    fn trap_in_block(&mut self, base: u64, i: usize, op: &Op, t: Trap) -> u64 {
        self.stats.instret += i as u64;
        self.pc = base.wrapping_add(u64::from(op.off));
        self.raise(t);
        i as u64 + 1
    }

    /// Ops `0..=i` retired; continue at `next`.
    #[inline(always)]
    fn retire_to(&mut self, i: usize, next: u64) -> Result<u64, Exit> {
        self.stats.instret += i as u64 + 1;
        self.pc = next;
        Ok(i as u64 + 1)
    }

    /// Execute the ops of one block starting at `self.pc`; `bytes` is the
    /// fall-through distance. Returns the steps consumed (retired
    /// instructions plus a trapping one), or an exit to the VMM.
    #[inline(always)]
    fn exec_block(&mut self, ops: &[Op], bytes: u64) -> Result<u64, Exit> {
        let base = self.pc;
        for (i, op) in ops.iter().enumerate() {
            let pc = || base.wrapping_add(u64::from(op.off));
            let next = || base.wrapping_add(u64::from(op.off) + u64::from(op.len));
            match op.inst {
                // ---- I: upper immediates, jumps, branches --------------
                Inst::Lui { rd, imm } => self.xw(rd, imm64(imm)),
                Inst::Auipc { rd, imm } => self.xw(rd, pc().wrapping_add(imm64(imm))),
                Inst::Jal { rd, imm } => {
                    self.xw(rd, next());
                    return self.retire_to(i, pc().wrapping_add(imm64(imm)));
                }
                Inst::Jalr { rd, rs1, imm } => {
                    let target = self.xr(rs1).wrapping_add(imm64(imm)) & !1;
                    self.xw(rd, next());
                    return self.retire_to(i, target);
                }
                Inst::Beq { rs1, rs2, imm } => {
                    let t = self.xr(rs1) == self.xr(rs2);
                    return self.branch(i, t, pc(), imm, next());
                }
                Inst::Bne { rs1, rs2, imm } => {
                    let t = self.xr(rs1) != self.xr(rs2);
                    return self.branch(i, t, pc(), imm, next());
                }
                Inst::Blt { rs1, rs2, imm } => {
                    let t = (self.xr(rs1) as i64) < (self.xr(rs2) as i64);
                    return self.branch(i, t, pc(), imm, next());
                }
                Inst::Bge { rs1, rs2, imm } => {
                    let t = (self.xr(rs1) as i64) >= (self.xr(rs2) as i64);
                    return self.branch(i, t, pc(), imm, next());
                }
                Inst::Bltu { rs1, rs2, imm } => {
                    let t = self.xr(rs1) < self.xr(rs2);
                    return self.branch(i, t, pc(), imm, next());
                }
                Inst::Bgeu { rs1, rs2, imm } => {
                    let t = self.xr(rs1) >= self.xr(rs2);
                    return self.branch(i, t, pc(), imm, next());
                }

                // ---- I: loads and stores ------------------------------
                Inst::Lb { rd, rs1, imm } => {
                    let v = tryop!(
                        self,
                        self.load::<1>(self.xr(rs1).wrapping_add(imm64(imm))),
                        base,
                        i,
                        op
                    );
                    self.xw(rd, v as u8 as i8 as i64 as u64);
                }
                Inst::Lh { rd, rs1, imm } => {
                    let v = tryop!(
                        self,
                        self.load::<2>(self.xr(rs1).wrapping_add(imm64(imm))),
                        base,
                        i,
                        op
                    );
                    self.xw(rd, v as u16 as i16 as i64 as u64);
                }
                Inst::Lw { rd, rs1, imm } => {
                    let v = tryop!(
                        self,
                        self.load::<4>(self.xr(rs1).wrapping_add(imm64(imm))),
                        base,
                        i,
                        op
                    );
                    self.xw(rd, sext32(v));
                }
                Inst::Ld { rd, rs1, imm } => {
                    let v = tryop!(
                        self,
                        self.load::<8>(self.xr(rs1).wrapping_add(imm64(imm))),
                        base,
                        i,
                        op
                    );
                    self.xw(rd, v);
                }
                Inst::Lbu { rd, rs1, imm } => {
                    let v = tryop!(
                        self,
                        self.load::<1>(self.xr(rs1).wrapping_add(imm64(imm))),
                        base,
                        i,
                        op
                    );
                    self.xw(rd, v);
                }
                Inst::Lhu { rd, rs1, imm } => {
                    let v = tryop!(
                        self,
                        self.load::<2>(self.xr(rs1).wrapping_add(imm64(imm))),
                        base,
                        i,
                        op
                    );
                    self.xw(rd, v);
                }
                Inst::Lwu { rd, rs1, imm } => {
                    let v = tryop!(
                        self,
                        self.load::<4>(self.xr(rs1).wrapping_add(imm64(imm))),
                        base,
                        i,
                        op
                    );
                    self.xw(rd, v);
                }
                Inst::Sb { rs1, rs2, imm } => {
                    tryop!(
                        self,
                        self.store::<1>(self.xr(rs1).wrapping_add(imm64(imm)), self.xr(rs2)),
                        base,
                        i,
                        op
                    );
                    if self.interp.pending != 0 {
                        return self.retire_to(i, next());
                    }
                }
                Inst::Sh { rs1, rs2, imm } => {
                    tryop!(
                        self,
                        self.store::<2>(self.xr(rs1).wrapping_add(imm64(imm)), self.xr(rs2)),
                        base,
                        i,
                        op
                    );
                    if self.interp.pending != 0 {
                        return self.retire_to(i, next());
                    }
                }
                Inst::Sw { rs1, rs2, imm } => {
                    tryop!(
                        self,
                        self.store::<4>(self.xr(rs1).wrapping_add(imm64(imm)), self.xr(rs2)),
                        base,
                        i,
                        op
                    );
                    if self.interp.pending != 0 {
                        return self.retire_to(i, next());
                    }
                }
                Inst::Sd { rs1, rs2, imm } => {
                    tryop!(
                        self,
                        self.store::<8>(self.xr(rs1).wrapping_add(imm64(imm)), self.xr(rs2)),
                        base,
                        i,
                        op
                    );
                    if self.interp.pending != 0 {
                        return self.retire_to(i, next());
                    }
                }

                // ---- I: register-immediate ----------------------------
                Inst::Addi { rd, rs1, imm } => self.xw(rd, self.xr(rs1).wrapping_add(imm64(imm))),
                Inst::Slti { rd, rs1, imm } => self.xw(rd, i::slt(self.xr(rs1), imm64(imm))),
                Inst::Sltiu { rd, rs1, imm } => self.xw(rd, i::sltu(self.xr(rs1), imm64(imm))),
                Inst::Xori { rd, rs1, imm } => self.xw(rd, self.xr(rs1) ^ imm64(imm)),
                Inst::Ori { rd, rs1, imm } => self.xw(rd, self.xr(rs1) | imm64(imm)),
                Inst::Andi { rd, rs1, imm } => self.xw(rd, self.xr(rs1) & imm64(imm)),
                Inst::Slli { rd, rs1, shamt } => {
                    self.xw(rd, i::sll(self.xr(rs1), u64::from(shamt)))
                }
                Inst::Srli { rd, rs1, shamt } => {
                    self.xw(rd, i::srl(self.xr(rs1), u64::from(shamt)))
                }
                Inst::Srai { rd, rs1, shamt } => {
                    self.xw(rd, i::sra(self.xr(rs1), u64::from(shamt)))
                }
                Inst::Addiw { rd, rs1, imm } => self.xw(rd, i::addw(self.xr(rs1), imm64(imm))),
                Inst::Slliw { rd, rs1, shamt } => {
                    self.xw(rd, i::sllw(self.xr(rs1), u64::from(shamt)))
                }
                Inst::Srliw { rd, rs1, shamt } => {
                    self.xw(rd, i::srlw(self.xr(rs1), u64::from(shamt)))
                }
                Inst::Sraiw { rd, rs1, shamt } => {
                    self.xw(rd, i::sraw(self.xr(rs1), u64::from(shamt)))
                }

                // ---- I: register-register -----------------------------
                Inst::Add { rd, rs1, rs2 } => self.xw(rd, self.xr(rs1).wrapping_add(self.xr(rs2))),
                Inst::Sub { rd, rs1, rs2 } => self.xw(rd, self.xr(rs1).wrapping_sub(self.xr(rs2))),
                Inst::Sll { rd, rs1, rs2 } => self.xw(rd, i::sll(self.xr(rs1), self.xr(rs2))),
                Inst::Slt { rd, rs1, rs2 } => self.xw(rd, i::slt(self.xr(rs1), self.xr(rs2))),
                Inst::Sltu { rd, rs1, rs2 } => self.xw(rd, i::sltu(self.xr(rs1), self.xr(rs2))),
                Inst::Xor { rd, rs1, rs2 } => self.xw(rd, self.xr(rs1) ^ self.xr(rs2)),
                Inst::Srl { rd, rs1, rs2 } => self.xw(rd, i::srl(self.xr(rs1), self.xr(rs2))),
                Inst::Sra { rd, rs1, rs2 } => self.xw(rd, i::sra(self.xr(rs1), self.xr(rs2))),
                Inst::Or { rd, rs1, rs2 } => self.xw(rd, self.xr(rs1) | self.xr(rs2)),
                Inst::And { rd, rs1, rs2 } => self.xw(rd, self.xr(rs1) & self.xr(rs2)),
                Inst::Addw { rd, rs1, rs2 } => self.xw(rd, i::addw(self.xr(rs1), self.xr(rs2))),
                Inst::Subw { rd, rs1, rs2 } => self.xw(rd, i::subw(self.xr(rs1), self.xr(rs2))),
                Inst::Sllw { rd, rs1, rs2 } => self.xw(rd, i::sllw(self.xr(rs1), self.xr(rs2))),
                Inst::Srlw { rd, rs1, rs2 } => self.xw(rd, i::srlw(self.xr(rs1), self.xr(rs2))),
                Inst::Sraw { rd, rs1, rs2 } => self.xw(rd, i::sraw(self.xr(rs1), self.xr(rs2))),
                Inst::Fence { pred, succ, fm } => {
                    if fence_needs_store_load_barrier(pred, succ, fm) {
                        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
                    }
                }

                // ---- M ------------------------------------------------
                Inst::Mul { rd, rs1, rs2 } => self.xw(rd, self.xr(rs1).wrapping_mul(self.xr(rs2))),
                Inst::Mulh { rd, rs1, rs2 } => self.xw(rd, m::mulh(self.xr(rs1), self.xr(rs2))),
                Inst::Mulhsu { rd, rs1, rs2 } => self.xw(rd, m::mulhsu(self.xr(rs1), self.xr(rs2))),
                Inst::Mulhu { rd, rs1, rs2 } => self.xw(rd, m::mulhu(self.xr(rs1), self.xr(rs2))),
                Inst::Div { rd, rs1, rs2 } => self.xw(rd, m::div(self.xr(rs1), self.xr(rs2))),
                Inst::Divu { rd, rs1, rs2 } => self.xw(rd, m::divu(self.xr(rs1), self.xr(rs2))),
                Inst::Rem { rd, rs1, rs2 } => self.xw(rd, m::rem(self.xr(rs1), self.xr(rs2))),
                Inst::Remu { rd, rs1, rs2 } => self.xw(rd, m::remu(self.xr(rs1), self.xr(rs2))),
                Inst::Mulw { rd, rs1, rs2 } => self.xw(rd, m::mulw(self.xr(rs1), self.xr(rs2))),
                Inst::Divw { rd, rs1, rs2 } => self.xw(rd, m::divw(self.xr(rs1), self.xr(rs2))),
                Inst::Divuw { rd, rs1, rs2 } => self.xw(rd, m::divuw(self.xr(rs1), self.xr(rs2))),
                Inst::Remw { rd, rs1, rs2 } => self.xw(rd, m::remw(self.xr(rs1), self.xr(rs2))),
                Inst::Remuw { rd, rs1, rs2 } => self.xw(rd, m::remuw(self.xr(rs1), self.xr(rs2))),

                // ---- System (always the last op of a block) -----------
                inst if inst.is_system() => {
                    self.stats.instret += i as u64;
                    self.pc = pc();
                    return self.exec_system(op).map(|n| n + i as u64);
                }

                // ---- A, F, D ------------------------------------------
                inst => {
                    tryop!(self, self.exec_ext(inst, op.raw), base, i, op);
                    if self.interp.pending != 0 {
                        return self.retire_to(i, next());
                    }
                }
            }
        }
        let n = ops.len();
        self.stats.instret += n as u64;
        self.pc = base.wrapping_add(bytes);
        Ok(n as u64)
    }

    /// A conditional branch (the last op of its block).
    #[inline(always)]
    fn branch(&mut self, i: usize, taken: bool, pc: u64, imm: i32, next: u64) -> Result<u64, Exit> {
        let target = if taken {
            pc.wrapping_add(imm64(imm))
        } else {
            next
        };
        self.retire_to(i, target)
    }

    /// A, F and D instructions (may trap; never end a block on their own).
    #[inline(never)]
    fn exec_ext(&mut self, inst: Inst, raw: u32) -> Result<(), Trap> {
        if let Some(r) = self.exec_a(inst) {
            return r;
        }
        if self.exec_b(inst).is_some() {
            return Ok(());
        }
        if let Some(r) = self.exec_f(inst, raw) {
            return r;
        }
        if let Some(r) = self.exec_d(inst, raw) {
            return r;
        }
        Err(Trap::new(crate::Exception::IllegalInst, u64::from(raw)))
    }

    /// A system instruction at `self.pc` with `stats.instret` exact. Returns
    /// the steps it consumed (1) or an exit.
    #[inline(never)]
    fn exec_system(&mut self, op: &Op) -> Result<u64, Exit> {
        let len = u64::from(op.len);
        let r = match op.inst {
            Inst::FenceI => {
                self.fence_i();
                Ok(())
            }
            Inst::Csrrw { .. }
            | Inst::Csrrs { .. }
            | Inst::Csrrc { .. }
            | Inst::Csrrwi { .. }
            | Inst::Csrrsi { .. }
            | Inst::Csrrci { .. } => {
                return self.exec_csr(op.inst, op.raw, len);
            }
            Inst::Mret | Inst::Sret => return self.exec_xret(op.inst),
            inst => self.exec_privileged(inst, op.raw)?,
        };
        match r {
            Ok(()) => {
                self.stats.instret += 1;
                self.pc = self.pc.wrapping_add(len);
            }
            Err(t) => self.raise(t),
        }
        Ok(1)
    }
}
