//! Guest register caching within one translation.
//!
//! Within one translation the most-used guest registers live in host
//! registers: loaded from `Hart::x` on first read, written back before
//! every exit and every helper call (the interpreter, the helpers and the
//! trap path read `Hart::x`), reloaded after a call. Between the labels of
//! a translation the code is straight-line (slow paths are out of line and
//! come back to the point they left), so the state of each cached register
//! at each point is known when the code is emitted: no run-time
//! bookkeeping. Every jump inside the translation and every label brings
//! the state to one canonical state ([`Emitter::canonicalize`]), so all
//! paths into a label agree, loops included: across the iterations of a
//! loop inside a translation the registers stay in host registers.

use dynasmrt::{dynasm, DynasmApi};
use rvisor_cpu::interp::Op;
use rvisor_isa::Inst;

use super::{xo, Emitter};

/// Host registers the cache may use, in order of preference: the
/// callee-saved ones first (helper calls leave them alone), then the
/// caller-saved ones no template uses, then `rdx` and `rdi`, which a few
/// templates use as scratch: those [`Emitter::reserve`] them first. `rbx`
/// holds the hart pointer (the dispatcher's context is in the hart);
/// `rax`, `rcx`, `rsi` are template scratch; `rbp` is [`PENDING`].
const HOST: [u8; 10] = [13, 14, 15, 12, 8, 9, 10, 11, RDX, RDI];

/// rbp counts the instructions retired in translated code that
/// `stats.instret` does not hold yet (the architectural count is the
/// sum), less `Ctx::check_at`: the count is rbp + check_at. So a chain
/// entry or back edge sees the count reach check_at in rbp's sign, set by
/// the add just before or one `test`, with no compare to memory (3.7 % of
/// CoreMark's host instructions). -check_at on entry from the
/// dispatcher; the count is added to `instret` before each helper call
/// and by the epilogue. A memory add per block would chain every block
/// (and every iteration of a loop) to the last one's store.
pub(super) const PENDING: u8 = 5;

/// Host register numbers of the scratch registers the templates name.
pub(super) const RAX: u8 = 0;
pub(super) const RCX: u8 = 1;
pub(super) const RDX: u8 = 2;
pub(super) const RSI: u8 = 6;
pub(super) const RDI: u8 = 7;

/// The cache registers some templates use as scratch (see
/// [`Emitter::reserve`]).
pub(super) const SCRATCH: u32 = 1 << RDX | 1 << RDI;

fn caller_saved(h: u8) -> bool {
    (8..=11).contains(&h) || h == RDX || h == RDI
}

/// Where a cached register's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum St {
    /// Only in `Hart::x` (the host register holds nothing of use).
    Memory,
    /// In both, equal.
    Clean,
    /// In the host register; `Hart::x` may be stale.
    Dirty,
}

/// The cache's state at one point of the emitted code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RegCache {
    /// Host register of each guest register (0: not cached; x0 never is).
    host: [u8; 32],
    st: [St; 32],
    /// Guest registers some instruction of the block writes.
    written: u32,
    /// Cached registers holding a 32-bit result whose host register's
    /// upper half is not its sign extension yet (always dirty): the
    /// value is `sext(low 32 bits)`. Sign-extended when something needs
    /// all 64 bits ([`Emitter::loc`]) or before a write back: a chain of
    /// W instructions (hashes) pays one `movsxd`, not one each.
    upper: u32,
    /// Guest registers that may be virtual here (see `emit::late`): their
    /// values are shifts of a kept source while their group's flag is
    /// set, and every write-back computes them into `Hart::x`.
    pub(super) virt: u32,
    /// The groups whose windows this point is in.
    pub(super) vgroups: u32,
    /// Host registers (bits) the current template uses as scratch: the
    /// guest registers cached there count as uncached meanwhile (they
    /// were written back, see [`Emitter::reserve`]).
    reserved: u32,
    /// The f registers cached in xmm registers (see [`super::fcache`]):
    /// xmm number of each (0: not cached; xmm0-xmm4 are the FP
    /// templates' scratch), their state, and those the block writes.
    pub(super) fhost: [u8; 32],
    pub(super) fst: [St; 32],
    pub(super) fwritten: u32,
    /// The cached f registers (bits): most blocks have none.
    pub(super) fmask: u32,
}

/// A guest register operand: a host register or its `Hart::x` slot
/// (`[rbx + offset]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Loc {
    Reg(u8),
    Mem(i32),
}

/// The integer registers an instruction with a template reads and writes
/// (x0 included). A/F/D instructions reach `Hart::x` through helpers and
/// count for nothing, except the AMOs done in line and the x destination
/// of the FP templates that write it in line (see `fp_inline`): it must
/// count as written, or a label's canonical state would call it clean and
/// exits would not write it back.
fn operands(inst: &Inst) -> ([u8; 2], u8) {
    if let Some((_, _, rd, rs1, rs2)) = super::amo::amo_in_line(inst) {
        return ([rs1, rs2], rd);
    }
    inst.int_operands().unwrap_or_else(|| {
        (
            [0, 0],
            super::fp_inline::x_written_in_line(inst).unwrap_or(0),
        )
    })
}

/// Whether `ops` use more integer registers than the cache holds.
pub(super) fn pressing(ops: &[Op]) -> bool {
    let mut used = 0u32;
    for op in ops {
        let (reads, rd) = operands(&op.inst);
        for r in reads.into_iter().chain([rd]) {
            used |= 1 << (r & 31);
        }
    }
    (used & !1).count_ones() as usize > HOST.len()
}

impl RegCache {
    /// No register cached.
    pub(super) fn none() -> Self {
        Self {
            host: [0; 32],
            st: [St::Memory; 32],
            written: 0,
            upper: 0,
            virt: 0,
            vgroups: 0,
            reserved: 0,
            fhost: [0; 32],
            fst: [St::Memory; 32],
            fwritten: 0,
            fmask: 0,
        }
    }

    /// Choose the cached registers of the block `ops`: the most used
    /// ones (reads and writes), a use inside `depth[i]` nested loops of
    /// the block counting 8^depth times (a use in the innermost loop is
    /// made every time round), among those used at least twice so
    /// counted.
    #[cfg(test)]
    pub(super) fn plan(ops: &[Op], depth: &[u8]) -> Self {
        Self::plan_fused(ops, depth, &[])
    }

    /// [`Self::plan`] of ops some of which are fused (see `rotate`, `None`
    /// past the end of `fused`): a shift only a rotate reads counts for
    /// nothing, the rotate for its source and destination. (The shifts'
    /// own registers are virtual, or written late: cached, they would
    /// hold a host register the rounds of a hash need.)
    pub(super) fn plan_fused(ops: &[Op], depth: &[u8], fused: &[Option<(u8, u8)>]) -> Self {
        let mut uses = [0u32; 32];
        let mut first = [usize::MAX; 32];
        let mut written = 0u32;
        for (i, op) in ops.iter().enumerate() {
            let weight = 8u32.pow(u32::from(depth.get(i).copied().unwrap_or(0).min(3)));
            // (What the block writes, it writes as the instructions do.)
            let own = operands(&op.inst);
            let (reads, rd) = fused
                .get(i)
                .copied()
                .flatten()
                .map_or(own, |(x, rd)| ([x, 0], rd));
            for r in reads.into_iter().chain([rd]) {
                let r = usize::from(r & 31);
                if r != 0 {
                    uses[r] += weight;
                    first[r] = first[r].min(i);
                }
            }
            // Uncached, a base register costs a load into a scratch
            // register and an in-place update a load and a store.
            let base = super::rotate::plain_access(&op.inst).is_some();
            if (base || rd != 0 && rd == reads[0]) && reads[0] & 31 != 0 {
                uses[usize::from(reads[0] & 31)] += weight;
            }
            if own.1 != 0 {
                written |= 1 << (own.1 & 31);
            }
        }
        let mut regs: Vec<usize> = (1..32).filter(|&r| uses[r] >= 2).collect();
        regs.sort_by_key(|&r| (std::cmp::Reverse(uses[r]), first[r]));
        let mut c = Self::none();
        c.written = written;
        for (&r, &h) in regs.iter().zip(HOST.iter()) {
            c.host[r] = h;
        }
        super::fcache::plan(&mut c, ops, depth);
        c
    }

    /// The cached f registers and their xmm registers.
    pub(super) fn fcached(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        let mut m = self.fmask;
        std::iter::from_fn(move || {
            if m == 0 {
                return None;
            }
            let r = m.trailing_zeros() as u8;
            m &= m - 1;
            Some((r, self.fhost[usize::from(r)]))
        })
    }

    fn cached(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        (1..32u8).filter_map(|r| self.host(r).map(|h| (r, h)))
    }

    /// Host register holding x[r] now: cached (not reserved) and loaded.
    pub(super) fn loaded(&self, r: u8) -> Option<u8> {
        self.host(r)
            .filter(|_| self.st[usize::from(r & 31)] != St::Memory)
    }

    /// This state with the registers `mask` counted as holding their
    /// whole values, not 32-bit results to extend.
    pub(super) fn whole(mut self, mask: u32) -> Self {
        self.upper &= !mask;
        self
    }

    /// Host register of guest register `r`, if cached (and not reserved).
    pub(super) fn host(&self, r: u8) -> Option<u8> {
        match self.host[usize::from(r & 31)] {
            0 => None,
            h if self.reserved & 1 << h != 0 => None,
            h => Some(h),
        }
    }
}

impl Emitter {
    /// Where x[r] is now; a cached register not loaded yet is loaded.
    /// Every operand of a template must be located before its first jump
    /// to an out-of-line path, so that both paths agree on the state.
    pub(super) fn loc(&mut self, r: u8) -> Loc {
        let loc = self.loc32(r);
        if let Loc::Reg(h) = loc {
            self.sign_extend(r & 31, h);
        }
        loc
    }

    /// [`Self::loc`] for a use of the low 32 bits only (W instructions,
    /// narrow stores): a register's upper half may be anything.
    pub(super) fn loc32(&mut self, r: u8) -> Loc {
        let r = r & 31;
        let Some(h) = self.regs.host(r) else {
            return Loc::Mem(xo(r));
        };
        if self.regs.st[usize::from(r)] == St::Memory {
            dynasm!(self.a ; .arch x64 ; mov Rq(h), [rbx + xo(r)]);
            self.regs.st[usize::from(r)] = St::Clean;
        }
        Loc::Reg(h)
    }

    /// Host register `dst` = x[r]. Skips the load of an uncached register
    /// into rax (and its store-to-load forwarding latency on dependency
    /// chains) when the code emitted just before is the store of x[r] from
    /// rax: nothing in between can have changed either, and no jump lands
    /// between them (labels inside a block body are placed before such
    /// stores or end the block).
    pub(super) fn mov_to(&mut self, dst: u8, r: u8) {
        let loc = self.loc(r);
        self.move_from(dst, r, loc, false);
    }

    /// [`Self::mov_to`] or (`word`) [`Self::mov_to32`] from `loc`, where
    /// x[r] is.
    pub(super) fn move_from(&mut self, dst: u8, r: u8, loc: Loc, word: bool) {
        match loc {
            Loc::Reg(h) if h == dst => {}
            Loc::Reg(h) if word => dynasm!(self.a ; .arch x64 ; mov Rd(dst), Rd(h)),
            Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov Rq(dst), Rq(h)),
            Loc::Mem(_) if r & 31 == 0 => dynasm!(self.a ; .arch x64 ; xor Rd(dst), Rd(dst)),
            Loc::Mem(_) if dst == RAX && self.rax_holds(r) => {}
            Loc::Mem(_) if self.rax_holds(r) && word => {
                dynasm!(self.a ; .arch x64 ; mov Rd(dst), eax)
            }
            Loc::Mem(_) if self.rax_holds(r) => dynasm!(self.a ; .arch x64 ; mov Rq(dst), rax),
            Loc::Mem(m) if word => dynasm!(self.a ; .arch x64 ; mov Rd(dst), DWORD [rbx + m]),
            Loc::Mem(m) => dynasm!(self.a ; .arch x64 ; mov Rq(dst), [rbx + m]),
        }
    }

    /// Whether rax holds x[r] here, stored from it just before (see
    /// `Emitter::last_store`).
    pub(super) fn rax_holds(&self, r: u8) -> bool {
        r & 31 != 0 && self.last_store == Some((r & 31, self.a.offset().0))
    }

    /// Give x[r]'s host register `h` its full 64-bit value.
    fn sign_extend(&mut self, r: u8, h: u8) {
        if self.regs.upper & (1 << r) != 0 {
            dynasm!(self.a ; .arch x64 ; movsxd Rq(h), Rd(h));
            self.regs.upper &= !(1 << r);
        }
    }

    /// Whether x[r] is now a 32-bit result not sign-extended yet.
    pub(super) fn is_upper(&self, r: u8) -> bool {
        self.regs.upper & (1 << (r & 31)) != 0
    }

    /// Whether x[r]'s value is the sign extension of its low 32 bits
    /// (see `emit::narrow`), extended in its host register or not.
    pub(super) fn is_narrow(&self, r: u8) -> bool {
        (self.narrow | self.regs.upper | 1) & (1 << (r & 31)) != 0
    }

    /// [`Self::mov_to`] of the low 32 bits only (the upper half of `dst`
    /// is cleared).
    pub(super) fn mov_to32(&mut self, dst: u8, r: u8) {
        let loc = self.loc32(r);
        self.move_from(dst, r, loc, true);
    }

    /// x[rd] = the sign extension of the low 32 bits of host register
    /// `src`: left for later in rd's own host register.
    pub(super) fn set_rd_w(&mut self, rd: u8, src: u8) {
        let rd = rd & 31;
        self.regs.virt &= !(1 << rd);
        if rd != 0 && self.regs.host(rd) == Some(src) {
            self.regs.st[usize::from(rd)] = St::Dirty;
            self.regs.upper |= 1 << rd;
            return;
        }
        dynasm!(self.a ; .arch x64 ; movsxd Rq(src), Rd(src));
        self.set_rd(rd, src);
    }

    /// x[rd] = x[rs] (`mv`): one move into rd's host register, or through
    /// rax into `Hart::x` (so that the next template reading rd from rax
    /// skips the load: storing straight from rs's host register made the
    /// next read wait for the store, and a Linux boot 3 % slower).
    pub(super) fn mov_reg(&mut self, rd: u8, rs: u8) {
        if rd & 31 == 0 {
            return;
        }
        if rd & 31 == rs & 31 {
            // x[rd] keeps its value.
            return;
        }
        // Moves leave the flags alone (rs is not x0, whose move is a
        // `xor`; no virtual register is computed).
        let flag = self.zero_flag.filter(|&(r, at)| {
            at == self.a.offset().0 && r != rd & 31 && rs & 31 != 0 && self.regs.virt == 0
        });
        self.mov_reg_inner(rd, rs);
        if let Some((r, _)) = flag {
            self.zero_flag = Some((r, self.a.offset().0));
        }
    }

    fn mov_reg_inner(&mut self, rd: u8, rs: u8) {
        // A 32-bit result moves as one (the copy is extended where it is
        // needed whole, like the original), or extended on its way to
        // `Hart::x`, the original left as it is.
        if let Some(h) = self.regs.host(rs).filter(|_| self.is_upper(rs)) {
            match self.regs.host(rd) {
                Some(d) => {
                    dynasm!(self.a ; .arch x64 ; mov Rd(d), Rd(h));
                    self.set_rd_w(rd, d);
                }
                None => {
                    dynasm!(self.a ; .arch x64 ; movsxd rax, Rd(h));
                    self.set_rd(rd, RAX);
                }
            }
            return;
        }
        let d = self.dst(rd);
        self.mov_to(d, rs);
        self.set_rd(rd, d);
    }

    /// The host register an instruction writing `rd` should compute
    /// into: rd's own if cached, else rax (then [`Self::set_rd`]).
    pub(super) fn dst(&self, rd: u8) -> u8 {
        self.regs.host(rd).unwrap_or(RAX)
    }

    /// x[rd] = host register `src` (x0 stays zero).
    pub(super) fn set_rd(&mut self, rd: u8, src: u8) {
        let rd = rd & 31;
        if rd == 0 {
            return;
        }
        self.regs.virt &= !(1 << rd);
        self.regs.upper &= !(1 << rd);
        match self.regs.host(rd) {
            Some(h) => {
                if h != src {
                    dynasm!(self.a ; .arch x64 ; mov Rq(h), Rq(src));
                }
                self.regs.st[usize::from(rd)] = St::Dirty;
            }
            None => {
                dynasm!(self.a ; .arch x64 ; mov [rbx + xo(rd)], Rq(src));
                if src == RAX {
                    self.last_store = Some((rd, self.a.offset().0));
                }
            }
        }
    }

    /// x[rd] = a sign-extended 32-bit constant.
    pub(super) fn set_rd_imm(&mut self, rd: u8, imm: i32) {
        let rd = rd & 31;
        if rd == 0 {
            return;
        }
        self.regs.virt &= !(1 << rd);
        self.regs.upper &= !(1 << rd);
        match self.regs.host(rd) {
            Some(h) => {
                dynasm!(self.a ; .arch x64 ; mov Rq(h), imm);
                self.regs.st[usize::from(rd)] = St::Dirty;
            }
            None => dynasm!(self.a ; .arch x64 ; mov QWORD [rbx + xo(rd)], imm),
        }
    }

    /// Write the dirty registers of `state` back to `Hart::x` (the
    /// emitter's own state is left as it is).
    pub(super) fn write_back(&mut self, state: &RegCache) {
        for (r, h) in state.cached() {
            if state.st[usize::from(r)] == St::Dirty {
                // In place: whatever path goes on from here counts the
                // register as maybe not extended, which it may be.
                if state.upper & (1 << r) != 0 {
                    dynasm!(self.a ; .arch x64 ; movsxd Rq(h), Rd(h));
                }
                dynasm!(self.a ; .arch x64 ; mov [rbx + xo(r)], Rq(h));
            }
        }
        for (r, x) in state.fcached() {
            if state.fst[usize::from(r)] == St::Dirty {
                dynasm!(self.a ; .arch x64 ; movsd QWORD [rbx + super::fcache::fo(r)], Rx(x));
            }
        }
        // After the cached registers: a virtual one's host register holds
        // a stale value.
        if state.virt != 0 {
            self.materialize_virtual(state.virt, state.vgroups);
        }
    }

    /// Make the host registers `mask` (bits, of [`SCRATCH`]) free for the
    /// template about to be emitted: the guest registers cached there are
    /// written back if dirty and count as uncached until
    /// [`Self::release`] (then they are loaded again when next used). No
    /// jump inside the block may be emitted meanwhile (its target's state
    /// would have them loaded).
    pub(super) fn reserve(&mut self, mask: u32) {
        debug_assert_eq!(mask & !SCRATCH, 0);
        let s = self.regs;
        for (r, h) in s.cached() {
            if mask & 1 << h == 0 {
                continue;
            }
            let i = usize::from(r);
            if self.regs.st[i] == St::Dirty {
                self.sign_extend(r, h);
                dynasm!(self.a ; .arch x64 ; mov [rbx + xo(r)], Rq(h));
            }
            self.regs.st[i] = St::Memory;
            self.regs.upper &= !(1 << r);
        }
        self.regs.reserved |= mask;
    }

    /// End a [`Self::reserve`].
    pub(super) fn release(&mut self) {
        self.regs.reserved = 0;
    }

    /// [`Self::write_back`] of the current state, before an exit.
    pub(super) fn write_back_all(&mut self) {
        let s = self.regs;
        self.write_back(&s);
    }

    /// Add the pending instruction count to `stats.instret` (before a
    /// helper call: the hart is exact wherever Rust code can see it), and
    /// take it off the budget left (clamped at 0); the next chain entry or
    /// back edge makes the full checks. Uses rax and rcx.
    pub(super) fn flush_pending(&mut self) {
        self.call_flush_pending();
    }

    /// Before a helper call made in line: `Hart::x` and `instret` become
    /// exact.
    pub(super) fn spill(&mut self) {
        self.flush_pending();
        self.write_back_all();
        self.regs.upper = 0;
        self.regs.virt = 0;
        for st in self.regs.st.iter_mut().chain(self.regs.fst.iter_mut()) {
            if *st == St::Dirty {
                *st = St::Clean;
            }
        }
    }

    /// After a helper call made in line: the helper may have written any
    /// x register and clobbered the caller-saved host registers; cached
    /// registers are read again when next used.
    pub(super) fn forget(&mut self) {
        self.regs.st = [St::Memory; 32];
        self.regs.fst = [St::Memory; 32];
        self.regs.upper = 0;
    }

    /// In an out-of-line path, after a helper call that writes no x
    /// register: reload the caller-saved host registers `state` holds
    /// values in (written back before the call).
    pub(super) fn reload_clobbered(&mut self, state: &RegCache) {
        for (r, h) in state.cached() {
            if caller_saved(h) && state.st[usize::from(r)] != St::Memory {
                dynasm!(self.a ; .arch x64 ; mov Rq(h), [rbx + xo(r)]);
            }
        }
        // Every xmm register is caller-saved.
        for (r, x) in state.fcached() {
            if state.fst[usize::from(r)] != St::Memory {
                dynasm!(self.a ; .arch x64 ; movsd Rx(x), QWORD [rbx + super::fcache::fo(r)]);
            }
        }
    }

    /// Bring the state to the one every jump to a label agrees on: each
    /// cached register loaded, counted dirty if the block writes it
    /// anywhere (so no path needs stores to get there), and sign-extended
    /// unless it is in `loose` (narrow there, see `emit::narrow`: it may
    /// stay a 32-bit result, as a loop carries one round). Jumps inside
    /// the block and their targets, and the top of a looping block, are in
    /// this state.
    pub(super) fn canonicalize(&mut self, loose: u32) {
        debug_assert_eq!(self.regs.reserved, 0, "a jump inside a reserving template");
        // Loads and sign extensions leave the flags alone.
        let flags = self.pending_flags == Some(self.a.offset().0);
        self.canonicalize_state(loose);
        if flags {
            self.pending_flags = Some(self.a.offset().0);
        }
    }

    fn canonicalize_state(&mut self, loose: u32) {
        let s = self.regs;
        for (r, h) in s.cached() {
            if loose & s.written & (1 << r) == 0 {
                self.sign_extend(r, h);
            }
            if s.st[usize::from(r)] == St::Memory {
                dynasm!(self.a ; .arch x64 ; mov Rq(h), [rbx + xo(r)]);
            }
        }
        for (r, x) in s.fcached() {
            if s.fst[usize::from(r)] == St::Memory {
                dynasm!(self.a ; .arch x64 ; movsd Rx(x), QWORD [rbx + super::fcache::fo(r)]);
            }
        }
        self.assume_canonical(loose);
    }

    /// Before a jump from part `from` of the body to a label of part `to`
    /// (see `emit::parts`), in `from`'s canonical state: if they differ,
    /// write the cache back and take `to`'s plan, canonical.
    pub(super) fn enter_part(&mut self, from: usize, to: usize, plans: &[RegCache], loose: u32) {
        if from != to {
            self.write_back_all();
            self.regs = plans[to];
            self.canonicalize(loose);
        }
    }

    /// Take the state to be the canonical one of a label whose `loose`
    /// registers may arrive as 32-bit results (at a label only jumps
    /// reach: each of them canonicalized).
    pub(super) fn assume_canonical(&mut self, loose: u32) {
        debug_assert_eq!(self.regs.reserved, 0, "a label inside a reserving template");
        let s = self.regs;
        self.regs.upper = 0;
        for (r, _) in s.cached() {
            if loose & s.written & (1 << r) != 0 {
                self.regs.upper |= 1 << r;
            }
        }
        for (r, _) in s.cached() {
            self.regs.st[usize::from(r)] = if s.written & (1 << r) != 0 {
                St::Dirty
            } else {
                St::Clean
            };
        }
        for (r, _) in s.fcached() {
            self.regs.fst[usize::from(r)] = if s.fwritten & (1 << r) != 0 {
                St::Dirty
            } else {
                St::Clean
            };
        }
        self.last_store = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::emit::test_op as op;

    #[test]
    fn plan_picks_the_most_used_registers() {
        use Inst::*;
        let ops = [
            op(Add {
                rd: 10,
                rs1: 10,
                rs2: 11,
            }),
            op(Add {
                rd: 10,
                rs1: 10,
                rs2: 12,
            }),
            op(Addi {
                rd: 13,
                rs1: 0,
                imm: 1,
            }),
            op(Bne {
                rs1: 10,
                rs2: 11,
                imm: -8,
            }),
        ];
        let c = RegCache::plan(&ops, &[0; 4]);
        assert_eq!(c.host(10), Some(HOST[0]));
        assert_eq!(c.host(11), Some(HOST[1]));
        assert_eq!(c.host(12), None, "used once");
        assert_eq!(c.host(0), None, "x0 is never cached");
        let c = RegCache::plan(&ops, &[1; 4]);
        assert!(c.host(12).is_some() && c.host(13).is_some());
        assert_eq!(c.written, 1 << 10 | 1 << 13);
    }

    #[test]
    fn plan_uses_at_most_the_host_registers() {
        let ops: Vec<Op> = (1..32u8)
            .map(|r| {
                op(Inst::Add {
                    rd: r,
                    rs1: r,
                    rs2: r,
                })
            })
            .collect();
        let c = RegCache::plan(&ops, &[1; 31]);
        assert_eq!(c.cached().count(), HOST.len());
        assert!(c.cached().all(|(_, h)| h != PENDING));
    }
}
