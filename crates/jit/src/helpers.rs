//! Rust helpers called from translated code: loads and stores through the
//! hart's own MMU/TLB and bus (so faults, MMIO and page flags are exactly
//! the interpreter's), and A/F/D instructions through its semantics.
//!
//! Calling convention: System V (`extern "sysv64"`). Helpers that can fail
//! return `HelperRet` in rax:rdx; `status` 0 = ok, [`ST_TRAP`] = a trap was
//! stored in the context, [`ST_CODE_WRITTEN`] = the store hit code (the
//! block must end after it). A panic cannot unwind out of these (non-unwind
//! ABI): it aborts the process instead of corrupting translated frames.

use rvisor_cpu::interp::Op;
use rvisor_cpu::signals::REQUEST_MASK;
use rvisor_cpu::{Hart, Trap};

/// Helper status: ok.
pub const ST_OK: u64 = 0;
/// Helper status: a trap is stored in [`Ctx::trap`].
pub const ST_TRAP: u64 = 1;
/// Helper status: the store hit a page holding code.
pub const ST_CODE_WRITTEN: u64 = 2;

/// State shared between the dispatcher and translated code: in the hart
/// (`Hart::jit`), at a fixed offset from rbx.
pub use rvisor_cpu::jit_ctx::JitCtx as Ctx;

/// Instructions translated code runs between two looks at the signal
/// word (and the budget): an interrupt or request raised meanwhile is
/// taken within this many instructions (plus one translation's), for one
/// compare of a register at each chain entry and back edge.
pub const CHECK_EVERY: u64 = 1024;

/// Jump-cache entries (a power of two).
pub const JC_SIZE: usize = 16384;

/// The jump-cache entry of guest pc `va`: the page offset's bits mixed
/// with the page number's, so that targets at the same offset of
/// different pages (function entries, return points) spread out.
/// Translated code computes the same ([`emit`](crate::emit)'s
/// `exit_indirect`).
#[inline(always)]
pub fn jc_index(va: u64) -> usize {
    ((va >> 1) ^ (va >> JC_MIX)) as usize & (JC_SIZE - 1)
}

/// The shift that brings page-number bits under the offset bits.
pub const JC_MIX: u8 = 15;
const _: () = assert!(JC_MIX < 32, "translated code hashes with 32-bit shifts");
const _: () = assert!(
    JC_MIX as u32 + JC_SIZE.trailing_zeros() <= 32,
    "translated code may hash with 32-bit rotates"
);

/// A jump-cache entry: indirect-jump target `va` -> chain entry `code`,
/// valid while `epoch` is the translator's current one; an entry of an
/// older epoch whose code generation (the high half) is current is valid
/// again if the fetch TLB still maps `va` to `pa_page`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct JcEntry {
    /// Guest virtual pc.
    pub va: u64,
    /// Code generation << 32 | translation epoch it was made or last
    /// checked under (0 = never).
    pub epoch: u64,
    /// Host address of the target's chain entry.
    pub code: usize,
    /// The target's physical page.
    pub pa_page: u64,
}

/// The jump cache's two-way sets: a target that misses its entry (the
/// one its hash names) is looked for in the other of the set, whose
/// address differs in bit 5 only (the set is 64 bytes, so aligned). Two
/// hot targets with one hash (a busybox loop had such a pair) then no
/// longer evict each other every time round.
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug, Default)]
pub struct JcSet(pub [JcEntry; 2]);

const _: () = assert!(std::mem::size_of::<JcEntry>() == 32 && std::mem::size_of::<JcSet>() == 64);

impl JcSet {
    /// Put `e`, the target of index `i` (`jc_index`), in its set: in its
    /// own way if that is free (empty, of another epoch, or its own),
    /// else in the other way if that is free, else in its own way with
    /// the entry there moving to the other way (whose entry goes).
    pub fn fill(sets: &mut [JcSet], i: usize, e: JcEntry) {
        let Some(set) = sets.get_mut(i >> 1) else {
            return;
        };
        let (way, other) = (i & 1, (i & 1) ^ 1);
        let free = |x: &JcEntry| x.va == 0 || x.va == e.va || x.epoch != e.epoch;
        if free(&set.0[way]) {
            if set.0[other].va == e.va {
                set.0[other] = JcEntry::default();
            }
            set.0[way] = e;
        } else if free(&set.0[other]) {
            set.0[other] = e;
        } else {
            set.0[other] = set.0[way];
            set.0[way] = e;
        }
    }
}

impl JcEntry {
    /// An entry for `va` (physical `pa`).
    pub fn new(va: u64, epoch: u64, code: usize, pa: u64) -> Self {
        Self {
            va,
            epoch,
            code,
            pa_page: pa & !0xfff,
        }
    }
}

/// Two-register return value (rax = `val`, rdx = `status`).
#[repr(C)]
pub struct HelperRet {
    /// Loaded value.
    pub val: u64,
    /// `ST_*`.
    pub status: u64,
}

/// Load `N` bytes at `va`, sign-extended if `S`.
pub extern "sysv64" fn load<const N: u8, const S: bool>(hart: *mut Hart, va: u64) -> HelperRet {
    // SAFETY: the dispatcher passes the `&mut Hart` it holds, as a raw
    // pointer, for the duration of the translated code's run; nothing else
    // uses the hart meanwhile.
    let hart = unsafe { &mut *hart };
    match hart.engine_load(va, N) {
        Ok(v) => {
            let val = if S {
                let sh = 64 - 8 * u32::from(N);
                (((v << sh) as i64) >> sh) as u64
            } else {
                v
            };
            HelperRet { val, status: ST_OK }
        }
        Err(t) => {
            hart.jit.trap = Some(t);
            HelperRet {
                val: 0,
                status: ST_TRAP,
            }
        }
    }
}

/// Store the low `N` bytes of `v` at `va`.
pub extern "sysv64" fn store<const N: u8>(hart: *mut Hart, va: u64, v: u64) -> HelperRet {
    // SAFETY: as in `load`.
    let hart = unsafe { &mut *hart };
    let r = hart.engine_store(va, N, v);
    ends_block(hart, r)
}

/// A probe group leader's access (see `emit::groups`) whose probe of its
/// group's span failed: `info` packs the group's slot (bits 7:0), the
/// span's length (23:8), how far the leader's own address lies into it
/// (39:24) and whether a member stores (bit 40).
pub type GroupFn = extern "sysv64" fn(*mut Hart, u64, u64, u64) -> HelperRet;

/// The [`group`] helper of a leader's access of `size` bytes.
pub fn group_fn(size: u8, signed: bool, store: bool) -> GroupFn {
    match (size, signed, store) {
        (1, _, true) => group::<1, false, true>,
        (2, _, true) => group::<2, false, true>,
        (4, _, true) => group::<4, false, true>,
        (_, _, true) => group::<8, false, true>,
        (1, true, false) => group::<1, true, false>,
        (2, true, false) => group::<2, true, false>,
        (4, true, false) => group::<4, true, false>,
        (1, false, false) => group::<1, false, false>,
        (2, false, false) => group::<2, false, false>,
        (4, false, false) => group::<4, false, false>,
        _ => group::<8, false, false>,
    }
}

/// The `info` of a [`GroupFn`].
pub fn group_info(slot: u8, span: u16, into: u16, store: bool) -> u64 {
    u64::from(slot) | u64::from(span) << 8 | u64::from(into) << 24 | u64::from(store) << 40
}

/// A group leader's load (`N` bytes, sign-extended if `S`) or store (of
/// `v`, if `STORE`) at `va`, as [`load`] and [`store`] do it, then its
/// group's span probed again (the access filled the TLB): its delta in
/// the slot, or `emit::POISONED` if the members cannot use one (the code
/// leaves the translation after the access; see
/// `emit::FALLBACK_GROUP_FAILED`).
pub extern "sysv64" fn group<const N: u8, const S: bool, const STORE: bool>(
    hart: *mut Hart,
    va: u64,
    v: u64,
    info: u64,
) -> HelperRet {
    let r = if STORE {
        store::<N>(hart, va, v)
    } else {
        load::<N, S>(hart, va)
    };
    if r.status == ST_OK {
        // SAFETY: as in `load`.
        let hart = unsafe { &mut *hart };
        let slot = (info & 0xff) as usize % hart.jit.group_delta.len();
        let span = (info >> 8) as u16;
        let lo = va.wrapping_sub(info >> 24 & 0xffff);
        hart.jit.group_delta[slot] = match hart.group_delta(lo, span, info >> 40 & 1 != 0) {
            Some(d) => d as usize,
            None => crate::emit::POISONED as usize,
        };
    }
    r
}

/// The status of an operation that may end the block after it
/// (`Ok(true)`: a store hit code, a CSR write needs a boundary) or trap
/// (stored in `Hart::jit` for the dispatcher).
fn ends_block(hart: &mut Hart, r: Result<bool, Trap>) -> HelperRet {
    let status = match r {
        Ok(false) => ST_OK,
        // The instruction retired; the block ends after it.
        Ok(true) => ST_CODE_WRITTEN,
        Err(t) => {
            hart.jit.trap = Some(t);
            ST_TRAP
        }
    };
    HelperRet { val: 0, status }
}

/// A system instruction the interpreter lets engines run in the middle of
/// a block (`Hart::engine_system_inline`: some CSR instructions,
/// `fence.i`, `sfence.vma`), by its semantics; like a store that hit code,
/// one that needs a block boundary after it reports [`ST_CODE_WRITTEN`].
pub extern "sysv64" fn csr(hart: *mut Hart, op: *const Op) -> HelperRet {
    // SAFETY: as in `load`.
    let hart = unsafe { &mut *hart };
    // SAFETY: as in `ext`.
    let op = unsafe { &*op };
    let r = hart.engine_exec_system(op);
    // An interrupt enable set with nothing pending goes on in translated
    // code: the checks must see the interrupts it lets in from now on.
    hart.jit.irq_mask = hart.takeable_interrupts() | REQUEST_MASK;
    ends_block(hart, r)
}

/// `sfence.vma` at guest pc `pc` (`Hart::engine_sfence_vma`): a flush of
/// one page the code is not on goes on in translated code. Jump-cache
/// entries stamped with the current epoch would skip the fetch TLB, which
/// may have lost their page: the epoch translated code compares with
/// becomes one no entry holds (translation epoch 0 of the current code
/// generation), so each is checked against the fetch TLB before use, and
/// the dispatcher renews its epochs when it sees the flush.
pub extern "sysv64" fn sfence(hart: *mut Hart, op: *const Op, pc: u64) -> HelperRet {
    // SAFETY: as in `load`.
    let hart = unsafe { &mut *hart };
    // SAFETY: as in `ext`.
    let op = unsafe { &*op };
    let r = hart.engine_sfence_vma(op, pc);
    if r == Ok(false) {
        hart.jit.jc_epoch &= !u64::from(u32::MAX);
    }
    ends_block(hart, r)
}

/// Helper status of [`straddle`]: the dispatcher's interpreter must run
/// the instruction.
pub const ST_INTERPRET: u64 = 3;

/// The page-straddling instruction at `pc` (see
/// `Hart::engine_straddle`): [`ST_OK`] to go on at `pc`,
/// [`ST_CODE_WRITTEN`] after a store to code or a trap (the dispatcher must
/// go on: a trap may change the privilege and the translation state, which
/// translated code takes as fixed), [`ST_INTERPRET`] if nothing was done.
pub extern "sysv64" fn straddle(hart: *mut Hart) -> HelperRet {
    // SAFETY: as in `load`.
    let hart = unsafe { &mut *hart };
    let status = match hart.engine_straddle() {
        rvisor_cpu::interp::Straddle::Done => ST_OK,
        rvisor_cpu::interp::Straddle::CodeWritten | rvisor_cpu::interp::Straddle::Trapped => {
            ST_CODE_WRITTEN
        }
        rvisor_cpu::interp::Straddle::Interpret => ST_INTERPRET,
    };
    HelperRet { val: 0, status }
}

/// An A/F/D instruction, run by the interpreter's own semantics.
pub extern "sysv64" fn ext(hart: *mut Hart, op: *const Op) -> HelperRet {
    // SAFETY: as in `load`.
    let hart = unsafe { &mut *hart };
    // SAFETY: `op` points into the boxed op list the translator keeps
    // alive until it flushes the code that refers to it.
    let op = unsafe { &*op };
    let r = hart.engine_exec_ext(op);
    ends_block(hart, r)
}

#[cfg(test)]
mod csr_tests {
    use std::sync::Arc;

    use rvisor_cpu::{HartConfig, HartSignals};
    use rvisor_isa::Inst;
    use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

    use super::*;

    /// An in-line CSR write that enables an interrupt with nothing pending
    /// lets the translation go on, with the interrupt in the mask its
    /// checks test from then on; one that disables it takes it out.
    #[test]
    fn csr_writes_in_line_update_the_interrupt_mask() {
        const MSIP: u64 = 1 << 3;
        let ram = Arc::new(GuestRam::new(0x8000_0000, 1 << 20).expect("RAM"));
        let bus = Arc::new(BusBuilder::new(ram).build());
        let config = HartConfig::machine(0, 0x8000_0000);
        let timers = TimerQueue::new(Clock::new());
        let mut hart = Hart::new(config, bus, HartSignals::new(), timers);
        hart.csr.mie = MSIP;
        hart.csr.mstatus &= !(1 << 3);
        hart.jit.irq_mask = hart.takeable_interrupts() | REQUEST_MASK;
        assert_eq!(hart.jit.irq_mask & MSIP, 0, "masked by MIE");
        let op = |inst: Inst| Op {
            inst,
            raw: rvisor_isa::encode(&inst).expect("encodes"),
            off: 0,
            len: 4,
        };
        let set = op(Inst::Csrrsi {
            rd: 0,
            uimm: 8,
            csr: 0x300,
        });
        let r = csr(&mut hart, &set);
        assert_eq!(r.status, ST_OK, "nothing pending: the block goes on");
        assert_ne!(hart.jit.irq_mask & MSIP, 0, "MIE lets MSIP in");
        let clear = op(Inst::Csrrci {
            rd: 0,
            uimm: 8,
            csr: 0x300,
        });
        assert_eq!(csr(&mut hart, &clear).status, ST_OK);
        assert_eq!(hart.jit.irq_mask & MSIP, 0);
        assert_eq!(hart.jit.irq_mask & REQUEST_MASK, REQUEST_MASK);
    }
}

#[cfg(test)]
mod jc_tests {
    use super::*;

    fn entry(va: u64, epoch: u64) -> JcEntry {
        JcEntry::new(va, epoch, va as usize, va)
    }

    #[test]
    fn two_targets_of_one_set_both_stay() {
        let mut sets = vec![JcSet::default(); 1];
        // Different ways of the set (a busybox loop's pair), filled in
        // turn: neither evicts the other.
        JcSet::fill(&mut sets, 0, entry(0x4b472, 7));
        JcSet::fill(&mut sets, 1, entry(0xfb45c, 7));
        JcSet::fill(&mut sets, 0, entry(0x4b472, 7));
        assert_eq!((sets[0].0[0].va, sets[0].0[1].va), (0x4b472, 0xfb45c));
        // Same way: the newcomer takes the free other way.
        let mut sets = vec![JcSet::default(); 1];
        JcSet::fill(&mut sets, 0, entry(0x100, 7));
        JcSet::fill(&mut sets, 0, entry(0x200, 7));
        assert_eq!((sets[0].0[0].va, sets[0].0[1].va), (0x100, 0x200));
        // A third: its own way's entry moves over, the other's goes.
        JcSet::fill(&mut sets, 0, entry(0x300, 7));
        assert_eq!((sets[0].0[0].va, sets[0].0[1].va), (0x300, 0x100));
        // An entry of another epoch is free; a target is never in both.
        JcSet::fill(&mut sets, 1, entry(0x100, 8));
        assert_eq!((sets[0].0[0].va, sets[0].0[1].va), (0x300, 0x100));
        assert_eq!(sets[0].0[1].epoch, 8);
        JcSet::fill(&mut sets, 0, entry(0x100, 9));
        assert_eq!((sets[0].0[0].va, sets[0].0[1].va), (0x100, 0));
    }
}
