//! Tier 1: dynamic binary translation of RISC-V guest blocks to x86-64.
//!
//! Design (see also `docs/jit.md`):
//! - **Granularity**: the interpreter's decoded blocks (never crossing a
//!   page, at most 64 instructions). The translator takes the leading run
//!   of non-system instructions: RV64IM, branches, jumps, loads/stores
//!   inline; A/F/D through calls to the interpreter's own semantics. The
//!   block ends before a system instruction (CSR, xRET, `wfi`, `ecall`,
//!   fences of translation state), which the interpreter then executes with
//!   no block boundary in between, exactly where its own block would end:
//!   the interpreter stays the single source of truth for everything subtle.
//! - **Code generator**: a dynasm-rs template emitter ([`emit`]), ~1 µs per
//!   block; a block keeps its most used guest registers in host registers
//!   and writes them back to the `Hart` before every helper call and exit,
//!   so state is exact wherever Rust code sees it.
//! - **Memory**: loads/stores call Rust helpers ([`helpers`]) that run the
//!   interpreter's own load/store path (TLB, page walk, PMP, MMIO, page
//!   flags), so faults and device accesses are exactly the interpreter's.
//! - **Keying**: translations are keyed by (virtual pc, physical pc):
//!   pc-relative values are baked in as constants, so the same physical code
//!   mapped at two addresses gets two translations; privilege and MPRV/SUM
//!   are never baked in (the helpers check them at run time).
//! - **Chaining**: direct exits end in a `jmp rel32` the dispatcher patches to
//!   the successor's chain entry when both blocks lie in the same virtual
//!   and physical page (so the chained path needs no fetch translation:
//!   the mapping of a page can only change through instructions that exit
//!   to the dispatcher). Chain entries check the budget and the signal word.
//! - **Invalidation**: the interpreter's rules. A store to a `PAGE_CODE`
//!   page ends the block; at the next boundary the RAM code epoch has moved
//!   and the translations of the pages the RAM's code log names are
//!   compared with the guest bytes (all of the page's are dropped if one
//!   changed, so no chained jump can reach a dropped block). An SMP
//!   `fence.i` names the few pages that may have missed a racing store
//!   (`Hart::engine_fenced_pages`), checked at once; with many, it makes
//!   every page suspect (the interpreter's fence generation): the
//!   dispatcher compares a page's translations with the guest bytes when it
//!   next enters the page (chains never leave a page, and the jump cache
//!   starts a new epoch, so every way into a page passes the check). A hart
//!   reset (the interpreter's flush token) drops everything. The code cache
//!   is one bounded mapping flushed whole when full.
//! - **Sharing**: harts of one machine publish their translations in a
//!   [`Library`]; a hart about to translate a block copies and relocates
//!   another's code for it if the guest bytes still match.

mod background;
mod code;
mod emit;
mod fp;
mod helpers;
mod library;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rvisor_cpu::interp::Op;
use rvisor_cpu::mmu::{Access, DataMode};
use rvisor_cpu::signals::REQUEST_MASK;
use rvisor_cpu::{Exit, Hart, PrivilegeMode};
use rvisor_isa::Inst;
use rvisor_memory::ram::FLAG_SHIFT;

use crate::code::CodeBuffer;
use crate::emit::RET_TRAP;
use crate::helpers::{JcEntry, JcSet, CHECK_EVERY, JC_SIZE};
use crate::library::Template;

pub use background::Compiler;
pub use library::Library;

/// Runs of a block in the compiler's hands between the hart's looks for
/// its code.
const RECHECK_AFTER: u32 = 4;

/// Default size of a hart's translation cache.
pub const DEFAULT_CACHE_SIZE: usize = 128 << 20;
/// Executions after which `auto` translates a block.
pub const DEFAULT_HOT_THRESHOLD: u32 = 16;
/// Whether RAM at `pa` still holds the bytes `old` (a translation's
/// guest code: a region of several blocks may exceed one buffer, so it is
/// compared a buffer at a time).
fn same_bytes(ram: &rvisor_memory::GuestRam, pa: u64, old: &[u8]) -> bool {
    let Some(start) = ram.offset_of(pa, old.len() as u64) else {
        return false;
    };
    let mut buf = [0u8; 256];
    let mut off = start;
    for chunk in old.chunks(buf.len()) {
        let now = &mut buf[..chunk.len()];
        if !ram.read_bytes(off, now) || now != chunk {
            return false;
        }
        off += chunk.len() as u64;
    }
    true
}

/// The registers holding narrow values now: the sign extension of their
/// low 32 bits (see `emit::narrow`).
fn narrow_now(hart: &Hart) -> u32 {
    (1..32).fold(0, |m, r| {
        let v = hart.x[r];
        m | (u32::from(v == v as i32 as u64) << r)
    })
}

/// Where the hart's RAM is, for the emitter's M-mode accesses.
fn ram_of(hart: &Hart) -> emit::Ram {
    emit::Ram {
        base: hart.ram.base(),
        host: hart.ram.host_base() as u64,
    }
}

/// The guest code `ops` were decoded from, rebuilt from their raw bits
/// rather than read from RAM again: RAM may have changed since the decode
/// (a racing hart's unseen store), and the copy must describe what was
/// translated.
pub(crate) fn guest_bytes(ops: &[Op], pa: u64) -> Box<[u8]> {
    let mut bytes = Vec::with_capacity(ops.len() * 4);
    for op in ops {
        bytes.extend_from_slice(&op.raw.to_le_bytes()[..usize::from(op.len)]);
    }
    // Those of its page: an instruction straddling the page's end is
    // checked where it runs.
    bytes.truncate((0x1000 - (pa & 0xfff)) as usize);
    bytes.into_boxed_slice()
}

/// Whether the code after `op` (a call, return or jump ending what was
/// decoded so far, `ops`, `bytes` long) is where a branch before it goes:
/// the code after such an exit joins too, so that a function whose paths
/// each end in their own return (a state machine's cases) is one
/// translation whose branches jump inside it rather than leave by a side
/// exit for another (see `emit::region`); past a call, for a loop's tail
/// after it (see `emit::loop_tails`).
fn ends_before_target(op: &Op, ops: &[Op], bytes: u64) -> bool {
    matches!(op.inst, Inst::Jal { .. } | Inst::Jalr { .. }) && emit::reach(ops) >= bytes
}

/// Whether a translation goes on past `op`, the last of what was decoded
/// so far (see [`Jit::translate`]).
fn goes_on(op: &Op) -> bool {
    match op.inst {
        Inst::Jal { rd, imm } => rd == 0 && imm > 0,
        Inst::Jalr { .. } => false,
        inst if inst.is_control_flow() => true,
        // A whole flush ends the block (the translation state changed);
        // one of a single address may not (`helpers::sfence`).
        Inst::SfenceVma { rs1, .. } => rs1 != 0,
        inst => emit::translatable(&inst),
    }
}

/// Guesses of narrow registers that may fail (see [`Jit::guess_failed`])
/// before the translator makes no more: a guest whose loops' registers
/// keep changing kind does not pay a retranslation of a page each time.
const MAX_GUESSES_FAILED: u64 = 64;

/// Translations made again without paged probe groups (see
/// `emit::groups`) after which all code is made without them.
const MAX_GROUPS_DROPPED: usize = 4096;

/// The probe groups whose span failed (see `emit::groups`), per physical
/// pc of their translation: the code leaves after each such leader, and
/// is made again without paged groups once that happens often, not
/// because it happened now and then in a long run (a kernel function
/// whose frame straddles two pages of one task's stack in some calls).
#[derive(Default)]
struct GroupTries(HashMap<u64, (u32, u64)>);

impl GroupTries {
    /// Failures in a row after which the code goes without groups.
    const TRIES: u32 = 256;
    /// Guest instructions between two failures that start the count
    /// again (an exit costs about as much as a few thousand).
    const WINDOW: u64 = 1 << 22;

    /// A group of the translation at `pa` failed after `now` guest
    /// instructions run: whether it is time to go without groups there.
    fn failed(&mut self, pa: u64, now: u64) -> bool {
        let (tries, last) = self.0.entry(pa).or_insert((0, now));
        if now.wrapping_sub(*last) > Self::WINDOW {
            *tries = 0;
        }
        *last = now;
        *tries += 1;
        *tries == Self::TRIES
    }
}

/// Most saved guest-code copies before the whole cache is flushed.
const MAX_COPIES: usize = 1 << 20;
/// Table slots (a power of two), in sets of two ways: with one way, two
/// hot blocks sharing a slot kept resetting each other's execution count
/// and were interpreted forever (2.5 M interpreted dispatches in a shell
/// loop that runs 1.4 G instructions).
const TABLE_SIZE: usize = 1 << 15;

/// When blocks are translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Translate every block the first time it runs.
    Always,
    /// Interpret a block until it has run this many times.
    Hot(u32),
}

/// Counters for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct JitStats {
    /// Blocks translated.
    pub blocks_translated: u64,
    /// Guest instructions translated.
    pub insns_translated: u64,
    /// Bytes of host code emitted.
    pub code_bytes: u64,
    /// Dispatches into translated code.
    pub dispatches: u64,
    /// Guest instructions retired in translated code (the rest of the
    /// hart's count ran in the interpreter).
    pub insns_run: u64,
    /// Blocks (or single instructions) handed to the interpreter.
    pub interpreted: u64,
    /// Direct exits patched into chained jumps.
    pub chains: u64,
    /// Whole-cache flushes (full cache, `fence.i`, reset).
    pub flushes: u64,
    /// Translations dropped because their page was written.
    pub dropped: u64,
    /// Traps raised inside translated code.
    pub traps: u64,
    /// Pages whose translations were kept after a store to the page
    /// because their guest bytes did not change.
    pub revalidated: u64,
    /// Pages whose translations were compared with the guest bytes after a
    /// `fence.i` and kept.
    pub pages_revalidated: u64,
    /// Translations copied from another hart's (see [`Library`]) rather
    /// than made here (counted in `blocks_translated` too).
    pub adopted: u64,
    /// Translations a compiler thread made (see [`Compiler`]; counted in
    /// `blocks_translated` too).
    pub compiled_beside: u64,
    /// Translations whose entry found a register it counted on holding a
    /// narrow value not holding one (see `emit::narrow`): their page's
    /// code is translated again, that code without such guesses.
    pub guesses_failed: u64,
    /// Likewise for divisors it counted on (see `emit::divisor`).
    pub divisor_guesses_failed: u64,
    /// Likewise for the ways into its loops (see
    /// `emit::narrow::plan_guarded`): translated again without such
    /// checks, its entry's guesses kept.
    pub guards_failed: u64,
    /// Translations left after a probe group's leader whose span was not
    /// one page of RAM its members could use (see `emit::groups`):
    /// translated again without paged probe groups.
    pub groups_failed: u64,
    /// Returns from translated code to the dispatcher, by why: an
    /// instruction left to the interpreter (CSR access, xRET, fences,
    /// ecall, wfi), an indirect jump that missed the jump cache, a direct
    /// exit not chained (yet), and the rest (budget, interrupts and
    /// requests, traps).
    pub exits: [u64; 4],
}

/// Most instructions one translation is made from (blocks joined past
/// conditional branches and the interpreter's block cap).
const MAX_REGION_OPS: usize = 512;

/// Indexes of [`JitStats::exits`].
const EXIT_FALLBACK: usize = 0;
const EXIT_INDIRECT: usize = 1;
const EXIT_UNCHAINED: usize = 2;
const EXIT_OTHER: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Seen, not translated yet (`hits` counts executions).
    Counting,
    /// Translated: `entry`/`chain` are host addresses.
    Translated,
    /// The block starts with an instruction the translator leaves to the
    /// interpreter.
    Interpret,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    va: u64,
    pa: u64,
    gen: u32,
    hits: u32,
    state: State,
    entry: usize,
    chain: usize,
    /// Index of the guest bytes in `Jit::code_copies`.
    copy: u32,
    /// The interpreter's fence generation at which the guest bytes were
    /// last compared with (or translated from) memory.
    fence: u64,
}

impl Default for Slot {
    fn default() -> Self {
        Self {
            va: 0,
            pa: 0,
            gen: 0,
            hits: 0,
            state: State::Counting,
            entry: 0,
            chain: 0,
            copy: u32::MAX,
            fence: 0,
        }
    }
}

/// The translations made from one physical page.
#[derive(Debug, Default)]
struct PageCode {
    /// The fence generation at which they were last known to match the
    /// guest bytes (compared, or made).
    checked: u64,
    made: Vec<Made>,
}

/// One translation made from a page: where its guest bytes were and the
/// copy of them it was made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Made {
    /// The table slot it was made in (which may hold other code now).
    slot: u32,
    /// Index in `Jit::code_copies` (`u32::MAX`: code outside RAM).
    copy: u32,
    pa: u64,
}

impl Made {
    /// Does `s` still hold this translation?
    fn owns(&self, s: &Slot, gen: u32) -> bool {
        s.gen == gen && s.state == State::Translated && s.pa == self.pa && s.copy == self.copy
    }
}

/// The translation-table set of the block at (`va`, `pa`): for tests that
/// need blocks to compete for one set (of two slots).
#[doc(hidden)]
pub fn table_set(va: u64, pa: u64) -> usize {
    set_index(va, pa)
}

/// The set of (`va`, `pa`); its slots are `2 * set` and `2 * set + 1`.
/// Words of `Jit::jc_pages`.
const JC_PAGE_WORDS: usize = 16;

/// The bit of `Jit::jc_pages` for the virtual page holding `va`.
#[inline(always)]
fn jc_page_bit(va: u64) -> (usize, u64) {
    let h = ((va >> 12) ^ (va >> 22)) as usize & (JC_PAGE_WORDS * 64 - 1);
    (h / 64, 1 << (h % 64))
}

/// Of the virtual address only, so that the dispatcher can start loading
/// the set before it has translated the pc (the table is too big for the
/// host's caches).
#[inline(always)]
fn set_index(va: u64, _pa: u64) -> usize {
    (((va >> 1) ^ (va >> 15) ^ (va >> 29)) as usize) & (TABLE_SIZE / 2 - 1)
}

/// `/tmp/perf-PID.map`, which `perf report` reads to name JIT code, when
/// the environment asks for it (a developer's tool: blocks are named by
/// guest pc).
fn perf_map() -> Option<std::io::LineWriter<std::fs::File>> {
    std::env::var_os("RVISOR_PERF_MAP")?;
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
    Some(std::io::LineWriter::new(file))
}

type EnterFn = extern "sysv64" fn(*mut Hart, usize) -> u32;

/// The translator of one hart (each hart thread owns one).
pub struct Jit {
    policy: Policy,
    /// The pc the interpreter stopped at because its block turned hot
    /// (see [`Jit::interpret_cold`]): translated at its next dispatch.
    hot_pc: Option<u64>,
    buf: CodeBuffer,
    enter: EnterFn,
    shared: emit::Shared,
    table: Box<[Slot]>,
    /// Per set: the way used last (the other one is replaced first).
    mru: Box<[u8]>,
    gen: u32,
    seen_epoch: u64,
    seen_flush: u64,
    seen_fence: u64,
    /// The interpreter's count of page-wise `fence.i`s last seen.
    seen_fenced_pages: u64,
    ops: Vec<Op>,
    /// The decoded ops translated code refers to (let go at flushes; a
    /// [`Library`] may hold them too).
    op_store: Vec<Arc<[Op]>>,
    /// The translations this hart shares with the machine's other harts.
    library: Option<Arc<Library>>,
    /// The compiler thread hot blocks go to, if the host has one to spare.
    outbox: Option<background::Outbox>,
    /// Physical page number -> every translation made from it since the
    /// last flush, including those whose table slot was since taken by
    /// other code: their host code lives on, and blocks of the same page
    /// may still be chained to it.
    pages: HashMap<u64, PageCode>,
    /// Guest bytes each translation was made from (`Slot::copy` indexes).
    code_copies: Vec<Box<[u8]>>,
    /// Physical pcs whose translation counts on no register holding a
    /// narrow value (one that did failed its guess).
    no_guess: HashSet<u64>,
    /// Likewise for checks on the ways into loops: the registers (bits)
    /// not to check at each label (physical pc), those a check there
    /// found not narrow (a register a loop overwrites may bring anything
    /// in).
    no_guard: HashMap<u64, u32>,
    /// Physical pcs translated without divisor guesses since one failed.
    no_divisor: HashSet<u64>,
    /// Physical pcs translated without paged probe groups since a
    /// group's span failed there.
    no_group: HashSet<u64>,
    /// How often a group's span failed in the translation at each
    /// physical pc lately.
    group_tries: GroupTries,
    /// Reused buffer of written pages.
    scratch: Vec<u64>,
    /// The jump cache for indirect jumps (read by translated code).
    jcache: Box<[JcSet]>,
    /// The epoch of the current privilege's entries (code generation <<
    /// 32 | translation epoch).
    jc_epoch: u64,
    /// The code generation (32 bits, never 0: entries never filled have 0).
    jc_code: u64,
    /// Last epoch handed out.
    jc_last: u64,
    /// Per privilege: the translation state (fetch TLB context and satp)
    /// its epoch was made for, and that epoch. A trap to S and the return
    /// to U switch epochs without dropping either's entries.
    jc_snapshot: [u64; 4],
    jc_prv_epoch: [u64; 4],
    /// The privilege `jc_epoch` is of.
    jc_prv: usize,
    /// The hart's single-page TLB flushes seen so far.
    jc_page_flushes: u64,
    /// Virtual pages (hashed, one bit each) the jump cache has entries in
    /// (of any privilege) since it was last dropped whole: a single-page
    /// flush of another page keeps the epochs.
    jc_pages: [u64; JC_PAGE_WORDS],
    /// `perf` symbol map of translated code (`RVISOR_PERF_MAP=1`).
    perf_map: Option<std::io::LineWriter<std::fs::File>>,
    /// Counters.
    pub stats: JitStats,
}

impl std::fmt::Debug for Jit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jit")
            .field("policy", &self.policy)
            .field("buf", &self.buf)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Jit {
    /// A translator with a code cache of `cache_size` bytes.
    pub fn new(policy: Policy, cache_size: usize) -> std::io::Result<Self> {
        let mut buf = CodeBuffer::new(cache_size)?;
        let t = emit::trampoline(buf.cursor());
        let base = buf.push(&t.code).ok_or(std::io::ErrorKind::OutOfMemory)?;
        buf.reserve_prefix();
        // SAFETY: `base + t.enter` is the entry trampoline just written into
        // our executable mapping, which lives as long as `self`; it follows
        // the sysv64 convention with this signature (saves the callee-saved
        // registers, jumps to the block in rsi, returns eax via the
        // epilogue).
        let enter = unsafe { std::mem::transmute::<usize, EnterFn>(base + t.enter) };
        Ok(Self {
            policy,
            hot_pc: None,
            buf,
            enter,
            shared: emit::Shared {
                epilogue: base + t.epilogue,
                flush_pending: base + t.flush_pending,
            },
            table: vec![Slot::default(); TABLE_SIZE].into_boxed_slice(),
            mru: vec![0; TABLE_SIZE / 2].into_boxed_slice(),
            gen: 1,
            seen_epoch: 0,
            seen_flush: 0,
            seen_fence: 0,
            seen_fenced_pages: 0,
            ops: Vec::with_capacity(64),
            op_store: Vec::new(),
            library: None,
            outbox: None,
            pages: HashMap::new(),
            code_copies: Vec::new(),
            no_guess: HashSet::new(),
            no_guard: HashMap::new(),
            no_divisor: HashSet::new(),
            no_group: HashSet::new(),
            group_tries: GroupTries::default(),
            scratch: Vec::new(),
            jcache: vec![JcSet::default(); JC_SIZE / 2].into_boxed_slice(),
            jc_epoch: 1 << 32 | 1,
            jc_code: 1,
            jc_last: 1,
            jc_snapshot: [0; 4],
            jc_prv_epoch: [1; 4],
            jc_prv: 0,
            jc_page_flushes: 0,
            jc_pages: [0; JC_PAGE_WORDS],
            perf_map: perf_map(),
            stats: JitStats::default(),
        })
    }

    /// Share translations with the other harts that share `library`.
    pub fn share(&mut self, library: Arc<Library>) {
        self.library = Some(library);
    }

    /// Have `compiler` emit the code of blocks that turn hot while this
    /// hart interprets on (only under [`Policy::Hot`]: [`Policy::Always`]
    /// has nothing to interpret meanwhile).
    pub fn compile_with(&mut self, compiler: Arc<Compiler>) {
        if matches!(self.policy, Policy::Hot(_)) {
            self.outbox = Some(background::Outbox::new(compiler));
        }
    }

    /// Bytes of translated code currently held.
    pub fn cache_bytes(&self) -> usize {
        self.buf.used()
    }

    /// Drop every translation (and tell the hart's interpreter, which
    /// hands blocks it may have code for over to the dispatcher).
    fn flush(&mut self, hart: &mut Hart) {
        hart.engine_dropped_all();
        self.buf.flush();
        self.new_jc_epoch();
        self.code_copies.clear();
        self.pages.clear();
        self.op_store.clear();
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.table.fill(Slot::default());
            self.gen = 1;
        }
        self.stats.flushes += 1;
    }

    /// Follow the interpreter's invalidations.
    #[inline(always)]
    fn sync(&mut self, hart: &mut Hart) {
        let token = hart.engine_flush_token();
        if token != self.seen_flush {
            self.seen_flush = token;
            self.seen_epoch = hart.ram.code_epoch();
            self.seen_fence = hart.engine_fence_gen();
            self.seen_fenced_pages = hart.engine_fenced_pages().0;
            self.flush(hart);
            return;
        }
        let fence = hart.engine_fence_gen();
        if fence != self.seen_fence {
            // Every slot's stamp is now stale; indirect jumps must come
            // back to the dispatcher to see that.
            self.seen_fence = fence;
            self.new_jc_epoch();
        }
        let (gen, _) = hart.engine_fenced_pages();
        if gen != self.seen_fenced_pages {
            self.seen_fenced_pages = gen;
            self.check_fenced_pages(hart);
        }
        let epoch = hart.ram.code_epoch();
        if epoch != self.seen_epoch {
            let seen = std::mem::replace(&mut self.seen_epoch, epoch);
            self.drop_written_pages(hart, seen, epoch);
        }
    }

    /// A page-wise SMP `fence.i`: compare the translations of the pages it
    /// names now.
    #[cold]
    fn check_fenced_pages(&mut self, hart: &mut Hart) {
        let mut pages = std::mem::take(&mut self.scratch);
        pages.clear();
        pages.extend_from_slice(hart.engine_fenced_pages().1);
        self.stats.pages_revalidated += self.check_pages(hart, &mut pages);
        self.scratch = pages;
    }

    /// [`Self::check_page`] for each page of `pages` that holds
    /// translations; returns how many kept theirs.
    fn check_pages(&mut self, hart: &mut Hart, pages: &mut Vec<u64>) -> u64 {
        pages.sort_unstable();
        pages.dedup();
        let mut kept = 0;
        for &page in pages.iter() {
            if self.pages.contains_key(&page) && self.check_page(hart, page) {
                kept += 1;
            }
        }
        kept
    }

    /// Code pages were written: compare the translations made from the
    /// pages the RAM's code log names (all pages holding translations if it
    /// lost count), and drop those of any page whose bytes changed. Data
    /// sharing a page with code makes a write there no proof of a change.
    #[cold]
    fn drop_written_pages(&mut self, hart: &mut Hart, seen: u64, now: u64) {
        let mut written = std::mem::take(&mut self.scratch);
        if !hart.ram.code_written_since(seen, now, &mut written) {
            written.clear();
            written.extend(self.pages.keys().copied());
        }
        self.stats.revalidated += self.check_pages(hart, &mut written);
        self.scratch = written;
    }

    /// Compare every translation made from physical `page` with the guest
    /// bytes: if all still match, stamp those still in the table with the
    /// current fence generation and return `true`; otherwise drop every
    /// translation of the page and return `false`.
    ///
    /// "Every" includes translations whose slot was since taken by other
    /// code: a block of the page chained to one jumps to its host code
    /// without the table, so comparing only the slots' current owners
    /// would let a kept block run a changed neighbour's stale code.
    #[cold]
    fn check_page(&mut self, hart: &mut Hart, page: u64) -> bool {
        let gen = self.gen;
        let Some(PageCode { mut made, .. }) = self.pages.remove(&page) else {
            return true;
        };
        made.sort_unstable();
        made.dedup();
        // Flag the translated bytes again before comparing, so a store
        // racing with the comparison either lands before it or moves the
        // epoch.
        let in_ram = hart.ram.offset_of(page << 12, 2);
        let mut new = false;
        for m in &made {
            if let Some(old) = self.code_copies.get(m.copy as usize) {
                let len = old.len() as u64;
                if let Some(off) = hart.ram.offset_of(m.pa, len) {
                    new |= hart.flag_code(off, len);
                }
            }
        }
        let fresh = hart.engine_code_read(new);
        let ram = &hart.ram;
        let same = made
            .iter()
            .all(|m| match self.code_copies.get(m.copy as usize) {
                Some(old) => same_bytes(ram, m.pa, old),
                // No copy: only code outside RAM (ROM) never changes.
                None => in_ram.is_none(),
            });
        if same {
            if fresh {
                hart.engine_code_kept(page);
            }
            for m in &made {
                let s = &mut self.table[m.slot as usize];
                if m.owns(s, gen) {
                    s.fence = self.seen_fence;
                }
            }
            let checked = self.seen_fence;
            self.pages.insert(page, PageCode { checked, made });
            return true;
        }
        self.drop_made(&made);
        false
    }

    /// Drop the translations `made` (of one page): their slots translate
    /// again when next hot.
    fn drop_made(&mut self, made: &[Made]) {
        let gen = self.gen;
        for m in made {
            let s = &mut self.table[m.slot as usize];
            if m.owns(s, gen) {
                self.stats.dropped += 1;
                s.gen = 0;
            }
        }
        self.new_jc_epoch();
    }

    /// The translation entered at physical pc `pa` found a guess of its
    /// wrong: its page's translations go (blocks of the page chain to it
    /// directly), and that pc is translated again without guesses. Once a
    /// pc at most, so a guest cannot keep the translator busy with it.
    /// A check on a way into a loop (`why`: `FALLBACK_GUARD_FAILED`)
    /// names its label's physical pc and the registers it found not
    /// narrow (`bad`): only those are no longer checked there, once per
    /// register and label at most.
    #[cold]
    fn guess_failed(&mut self, pa: u64, why: u64, bad: (u64, u32)) {
        let first = if why == emit::FALLBACK_DIVISOR_FAILED {
            self.stats.divisor_guesses_failed += 1;
            self.no_divisor.insert(pa)
        } else if why == emit::FALLBACK_GROUP_FAILED {
            // A span that failed once (a structure on a user stack across
            // pages) may not fail again: the code is made again without
            // groups only when it keeps failing.
            self.stats.groups_failed += 1;
            if self.no_group.contains(&pa) {
                // The old code, which a block of its page chains to: the
                // page's translations go (the chains with them).
                if let Some(PageCode { made, .. }) = self.pages.remove(&(pa >> 12)) {
                    self.drop_made(&made);
                }
            } else if self.group_tries.failed(pa, self.stats.insns_run) {
                self.no_group.insert(pa);
                self.drop_entry(pa);
            }
            return;
        } else if why == emit::FALLBACK_GUARD_FAILED {
            // A check there failed: the code is made again without
            // checking those registers there (once per register at most).
            self.stats.guards_failed += 1;
            *self.no_guard.entry(bad.0).or_insert(0) |= bad.1;
            true
        } else {
            self.stats.guesses_failed += 1;
            self.no_guess.insert(pa)
        };
        if first {
            if let Some(PageCode { made, .. }) = self.pages.remove(&(pa >> 12)) {
                self.drop_made(&made);
            }
        }
    }

    /// Drop the translations entered at physical pc `pa`, not the rest of
    /// its page: they translate again when next dispatched. Blocks of the
    /// page chained to one of them still run its code, which stays right
    /// (its groups leave where they fail, and the first such exit takes
    /// the page's translations) and goes with them when the page's code
    /// changes; the jump cache forgets it.
    fn drop_entry(&mut self, pa: u64) {
        let gen = self.gen;
        if let Some(PageCode { made, .. }) = self.pages.get(&(pa >> 12)) {
            for m in made.iter().filter(|m| m.pa == pa) {
                let s = &mut self.table[m.slot as usize];
                if m.owns(s, gen) {
                    self.stats.dropped += 1;
                    s.gen = 0;
                }
            }
        }
        self.new_jc_epoch();
    }

    /// The labels of the code at `pa` (in its page) that must not check
    /// some registers (see `emit::Request::unguarded`): a few, else every
    /// label checks none of them.
    fn unguarded(&self, pa: u64) -> [(u16, u32); emit::UNGUARDED] {
        let mut u = [(0, 0); emit::UNGUARDED];
        let mut n = 0;
        let mut here: Vec<(u64, u32)> = self
            .no_guard
            .iter()
            .filter(|&(&at, _)| at >> 12 == pa >> 12 && at >= pa)
            .map(|(&at, &regs)| (at, regs))
            .collect();
        here.sort_unstable();
        for (at, regs) in here {
            if n < emit::UNGUARDED - 1 {
                u[n] = ((at - pa) as u16, regs);
                n += 1;
            } else {
                u[emit::UNGUARDED - 1].0 = u16::MAX;
                u[emit::UNGUARDED - 1].1 |= regs;
            }
        }
        u
    }

    /// Remember that slot `idx` holds a translation of the guest code
    /// `bytes` (at `pa`), kept for revalidation (see [`guest_bytes`]).
    fn note_page(&mut self, ram: &rvisor_memory::GuestRam, pa: u64, bytes: Box<[u8]>, idx: usize) {
        let ok = ram.offset_of(pa, bytes.len() as u64).is_some();
        let copy = if ok {
            self.code_copies.push(bytes);
            (self.code_copies.len() - 1) as u32
        } else {
            u32::MAX
        };
        self.table[idx].copy = copy;
        let checked = self.seen_fence;
        let page = self.pages.entry(pa >> 12).or_insert_with(|| PageCode {
            checked,
            made: Vec::new(),
        });
        page.made.push(Made {
            slot: idx as u32,
            copy,
            pa,
        });
    }

    /// Hand one block to the interpreter. Returns the steps it took.
    fn interpret(&mut self, hart: &mut Hart) -> Result<u64, Exit> {
        self.stats.interpreted += 1;
        let before = hart.stats.instret;
        match hart.run(1) {
            Exit::Budget => Ok((hart.stats.instret - before).max(1)),
            e => Err(e),
        }
    }

    /// Interpret from the current block on, as long as the blocks met are
    /// cold: one dispatch for a run of cold blocks rather than one each.
    /// The interpreter stops before a block it has run more than the hot
    /// threshold's times (it has, or is about to get, a translation):
    /// that block's next dispatch translates it.
    fn interpret_cold(&mut self, hart: &mut Hart, budget: u64) -> Result<u64, Exit> {
        let Policy::Hot(n) = self.policy else {
            return self.interpret(hart);
        };
        let before = hart.stats.instret;
        let (exit, blocks) = hart.run_cold(budget, u16::try_from(n).unwrap_or(u16::MAX));
        self.stats.interpreted += blocks;
        let done = (hart.stats.instret - before).max(1);
        match exit {
            Exit::Budget => {
                if done < budget {
                    self.hot_pc = Some(hart.pc);
                }
                Ok(done)
            }
            e => Err(e),
        }
    }

    /// Translate the block at (`pc`, `pa`) into slot `idx`.
    #[cold]
    fn translate(&mut self, hart: &mut Hart, idx: usize, pc: u64, pa: u64) {
        if self.code_copies.len() >= MAX_COPIES {
            // Bound the side tables of a guest that keeps rewriting code
            // the translator never emits anything for.
            self.flush(hart);
            self.table[idx] = Slot {
                va: pc,
                pa,
                gen: self.gen,
                ..Slot::default()
            };
        }
        // Translations of this page made before the last `fence.i` and not
        // compared since (a translation that holds a loop is not entered
        // again through the dispatcher) would fail the page's next check
        // if their bytes changed, and take this one down with them: compare
        // them first.
        if self
            .pages
            .get(&(pa >> 12))
            .is_some_and(|p| p.checked != self.seen_fence)
            && self.check_page(hart, pa >> 12)
        {
            self.stats.pages_revalidated += 1;
        }
        let modes = emit::Modes {
            loads: hart.load_mode(),
            ram: ram_of(hart),
        };
        // M- and U-mode code guesses (firmware, bare-metal programs, user
        // processes: a Debian boot's failed 2 times), S-mode code not: an
        // OS kernel's registers change kind (addresses in its image are
        // narrow, in its linear map not), and its guesses failed 29 times
        // a boot, each costing a page's retranslation.
        let guessing = hart.prv != PrivilegeMode::Supervisor
            && self.stats.guesses_failed < MAX_GUESSES_FAILED
            && !self.no_guess.contains(&pa);
        // Divisors likewise, with a count of their own: a guest whose
        // divisors change must not end its narrow guesses.
        let dividing = hart.prv != PrivilegeMode::Supervisor
            && self.stats.divisor_guesses_failed < MAX_GUESSES_FAILED
            && !self.no_divisor.contains(&pa);
        // And checks on the ways into loops, with a count of their own
        // too: a misjudged loop must not end the entry's guesses.
        let guarding =
            hart.prv != PrivilegeMode::Supervisor && self.stats.guards_failed < MAX_GUESSES_FAILED;
        let unguarded = self.unguarded(pa);
        // Paged probe groups, but not where one failed, nor anywhere once
        // that happened too often (each failure costs a page's code).
        let grouping = self.no_group.len() < MAX_GROUPS_DROPPED && !self.no_group.contains(&pa);
        let no = (self.no_guess.contains(&pa), self.no_divisor.contains(&pa));
        let unguessed = move |guessed: bool,
                              divided: bool,
                              checked: Option<[(u16, u32); emit::UNGUARDED]>,
                              grouped: bool| {
            !(guessed && no.0
                || divided && no.1
                || checked.is_some_and(|u| u != unguarded)
                || grouped && !grouping)
        };
        // The compiler thread's work for this block, if it was sent there;
        // a block whose work could not be used, or came late, is
        // translated on this thread (`here`), not sent again.
        let mut here = false;
        if let Some(outbox) = self.outbox.as_mut() {
            match outbox.take(pc, pa) {
                background::Sent::Pending => {
                    self.wait_for_compiler(idx);
                    return;
                }
                background::Sent::Done(done) => {
                    here = true;
                    let usable = done.template.filter(|t| {
                        t.modes == modes
                            && unguessed(done.guessed, done.divided, done.guarded, done.grouped)
                    });
                    if let Some(t) = usable {
                        if self.adopt(hart, idx, (pc, pa), &t, modes, "") {
                            self.stats.compiled_beside += 1;
                            if let Some(l) = &self.library {
                                l.publish(pc, pa, t);
                            }
                            return;
                        }
                    }
                    // Made for other bytes or modes.
                }
                background::Sent::Late => here = true,
                background::Sent::No => {}
            }
        }
        let published = self.library.as_ref().and_then(|l| l.get(pc, pa, modes));
        // (A published translation may have guessed where this pc's guess
        // failed.)
        if let Some(t) = published.filter(|_| unguessed(true, true, Some(Default::default()), true))
        {
            if self.adopt(hart, idx, (pc, pa), &t, modes, " adopted") {
                self.stats.adopted += 1;
                return;
            }
        }
        self.ops.clear();
        let Some(mut bytes) = hart.engine_block(pc, pa, &mut self.ops) else {
            // The interpreter has no block here: an instruction straddling
            // two pages (or a fetch fault, which the helper raises too).
            if pa & 0xfff == 0xffe {
                self.translate_straddle(hart, idx, pc, pa);
            } else {
                self.table[idx].state = State::Interpret;
            }
            return;
        };
        // Past a conditional branch or a forward `j`, the code that
        // follows in the same page joins the translation (see
        // `emit::region`, which decides how much of it is used); so does
        // the rest of straight-line code that the interpreter's block cap
        // (`MAX_BLOCK_INSNS`) cut.
        while self.ops.len() < MAX_REGION_OPS
            && (pa.wrapping_add(bytes) & 0xfff) != 0
            && self
                .ops
                .last()
                .is_some_and(|op| goes_on(op) || ends_before_target(op, &self.ops, bytes))
        {
            let first = self.ops.len();
            let Some(more) = hart.engine_block(
                pc.wrapping_add(bytes),
                pa.wrapping_add(bytes),
                &mut self.ops,
            ) else {
                break;
            };
            let Ok(shift) = u16::try_from(bytes) else {
                self.ops.truncate(first);
                break;
            };
            for op in &mut self.ops[first..] {
                op.off = op.off.wrapping_add(shift);
            }
            bytes += more;
        }
        // An instruction straddling the page's end ends the translation:
        // a hot loop runs it in line instead of leaving for its helper
        // translation (`emit::straddle`) every round. Its second half is
        // checked each time it runs (`emit::Emitter::straddle_guard`).
        if self.ops.len() < MAX_REGION_OPS
            && (pa.wrapping_add(bytes) & 0xfff) == 0xffe
            && self.ops.last().is_some_and(goes_on)
        {
            let at = (pc.wrapping_add(bytes), pa.wrapping_add(bytes));
            if let (Some(op), Ok(off)) =
                (hart.engine_straddling_op(at.0, at.1), u16::try_from(bytes))
            {
                if emit::translatable(&op.inst) {
                    self.ops.push(Op { off, ..op });
                    bytes += 4;
                }
            }
        }
        if self
            .ops
            .first()
            .is_none_or(|op| !emit::translatable(&op.inst))
        {
            self.table[idx].state = State::Interpret;
            return;
        }
        // Translated code points at its ops (A/F/D helper calls): keep them
        // in an allocation of their own until the code is flushed (and the
        // library lets go of them).
        let ops: Arc<[Op]> = self.ops.as_slice().into();
        let shared = self.shared;
        // Bit 0 (x0, never guessed): the ways into loops may check what
        // they bring.
        let guess = if guessing { narrow_now(hart) } else { 0 } | u32::from(guarding);
        let divisors = if dividing {
            emit::divisor::candidates(&ops, &hart.x)
        } else {
            emit::divisor::Divisors::default()
        };
        let req = |base| emit::Request {
            pc,
            pa,
            bytes,
            base,
            shared,
            modes,
            guess,
            unguarded,
            divisors,
            grouping,
        };
        if let Some(outbox) = self.outbox.as_mut().filter(|_| !here) {
            if outbox.send(ops.clone(), req(self.buf.cursor())) {
                self.wait_for_compiler(idx);
                return;
            }
        }
        let made = self.install(hart, idx, (pc, pa), "", |base| {
            emit::translate(&ops, req(base))
        });
        if let Some((base, e)) = made {
            let guest = guest_bytes(ops.get(..e.insns).unwrap_or(&ops), pa);
            if let Some(l) = &self.library {
                l.publish(
                    pc,
                    pa,
                    Template {
                        code: e.code.into_boxed_slice(),
                        base,
                        entry: e.entry,
                        insns: e.insns,
                        relocs: e.relocs.into_boxed_slice(),
                        ops: ops.clone(),
                        guest: guest.clone(),
                        modes,
                    },
                );
            }
            self.note_page(&hart.ram, pa, guest, idx);
            self.op_store.push(ops);
        }
    }

    /// Make the published translation `t` of (`pc`, `pa`) slot `idx`'s, if
    /// it was made under the same memory modes from the guest bytes in
    /// memory now. The comparison follows [`Self::check_page`]'s order
    /// (flag the bytes as code, then read them), so a store racing with it
    /// either lands before it or moves the code epoch.
    fn adopt(
        &mut self,
        hart: &mut Hart,
        idx: usize,
        (pc, pa): (u64, u64),
        t: &Template,
        modes: emit::Modes,
        tag: &str,
    ) -> bool {
        let len = t.guest.len() as u64;
        // Code outside RAM (ROM) has no copy to compare: translated here.
        let Some(off) = hart.ram.offset_of(pa, len) else {
            return false;
        };
        debug_assert_eq!(t.modes, modes, "the library is keyed by them");
        if (pa & 0xfff) + len > 0x1000 {
            return false;
        }
        let new = hart.flag_code(off, len);
        let fresh = hart.engine_code_read(new);
        if !same_bytes(&hart.ram, pa, &t.guest) {
            return false;
        }
        if fresh {
            hart.engine_code_kept(pa >> 12);
        }
        let shared = self.shared;
        let made = self.install(hart, idx, (pc, pa), tag, |base| {
            let mut code = t.code.to_vec();
            emit::relocate(&mut code, &t.relocs, t.base, base, shared).then_some(emit::Emitted {
                code,
                entry: t.entry,
                insns: t.insns,
                relocs: Vec::new(),
            })
        });
        if made.is_none() {
            return false;
        }
        self.note_page(&hart.ram, pa, t.guest.clone(), idx);
        self.op_store.push(t.ops.clone());
        true
    }

    /// Leave slot `idx`'s block to the interpreter while the compiler
    /// thread makes its code: it asks again after a few more runs (or at
    /// once, if the interpreter stops before it as a hot block).
    fn wait_for_compiler(&mut self, idx: usize) {
        if let Policy::Hot(n) = self.policy {
            self.table[idx].hits = n.saturating_sub(RECHECK_AFTER);
        }
    }

    /// Install `emit::straddle`'s code for the instruction at (`pc`,
    /// `pa`), which straddles a page boundary, in slot `idx`. It depends
    /// on no guest byte: nothing to note for invalidation.
    #[cold]
    fn translate_straddle(&mut self, hart: &mut Hart, idx: usize, pc: u64, pa: u64) {
        let (shared, ram) = (self.shared, ram_of(hart));
        self.install(hart, idx, (pc, pa), " straddle", |base| {
            emit::straddle(pc, pa, base, shared, ram)
        });
    }

    /// Emit code with `make` (for its placement address) into the code
    /// buffer and make slot `idx` its translation of (`pc`, `pa`); a full
    /// buffer is flushed and `make` called once more. The guest
    /// instructions the code covers, or `None` (the slot is then left to
    /// the interpreter). `tag` follows the perf map's name.
    fn install(
        &mut self,
        hart: &mut Hart,
        idx: usize,
        (pc, pa): (u64, u64),
        tag: &str,
        make: impl Fn(usize) -> Option<emit::Emitted>,
    ) -> Option<(usize, emit::Emitted)> {
        for attempt in 0..2 {
            let Some(e) = make(self.buf.cursor()) else {
                break;
            };
            if let Some(at) = self.buf.push(&e.code) {
                self.stats.blocks_translated += 1;
                self.stats.insns_translated += e.insns as u64;
                self.stats.code_bytes += e.code.len() as u64;
                self.table[idx] = Slot {
                    va: pc,
                    pa,
                    gen: self.gen,
                    hits: 0,
                    state: State::Translated,
                    entry: at + e.entry,
                    chain: at,
                    copy: u32::MAX,
                    fence: self.seen_fence,
                };
                if let Some(m) = self.perf_map.as_mut() {
                    use std::io::Write;
                    // A failed write only loses profiler symbols.
                    let _ = writeln!(m, "{at:x} {:x} rv {pc:#x}{tag}", e.code.len());
                    if let Some(dir) = std::env::var_os("RVISOR_JIT_DUMP") {
                        // `objdump -D -b binary -mi386:x86-64 --adjust-vma=AT`
                        let path = std::path::Path::new(&dir).join(format!("{pc:x}-{at:x}.bin"));
                        let _ = std::fs::write(path, &e.code);
                    }
                }
                hart.engine_translated(pa);
                return Some((at, e));
            }
            if attempt == 0 {
                // Full: start over (the slot being filled is re-created).
                self.flush(hart);
                self.table[idx] = Slot {
                    va: pc,
                    pa,
                    gen: self.gen,
                    ..Slot::default()
                };
            }
        }
        self.table[idx].state = State::Interpret;
        None
    }

    /// Start loading the table set of `va` into the host's caches.
    #[inline(always)]
    fn prefetch_set(&self, va: u64) {
        let set = set_index(va, 0);
        if let Some(ways) = self.table.get(2 * set..2 * set + 2) {
            // Loads nothing waits for: the host runs on meanwhile.
            std::hint::black_box(ways[0].gen ^ ways[1].fence as u32);
        }
    }

    /// The slot holding (`va`, `pa`), if any.
    #[inline(always)]
    fn find(&self, va: u64, pa: u64) -> Option<usize> {
        let set = set_index(va, pa);
        (2 * set..2 * set + 2).find(|&i| {
            let s = &self.table[i];
            s.gen == self.gen && s.va == va && s.pa == pa
        })
    }

    /// The slot of (`va`, `pa`): its own, or a new one (counting) in place
    /// of a free way or of the way its set used less recently.
    #[inline(always)]
    fn slot_for(&mut self, va: u64, pa: u64) -> usize {
        let set = set_index(va, pa);
        let idx = match self.find(va, pa) {
            Some(i) => i,
            None => {
                let (a, b) = (2 * set, 2 * set + 1);
                let victim = if self.table[a].gen != self.gen {
                    a
                } else if self.table[b].gen != self.gen {
                    b
                } else {
                    2 * set + 1 - usize::from(self.mru[set] & 1)
                };
                self.table[victim] = Slot {
                    va,
                    pa,
                    gen: self.gen,
                    ..Slot::default()
                };
                victim
            }
        };
        self.mru[set] = (idx & 1) as u8;
        idx
    }

    /// Patch the exit the last run recorded to jump straight to the block
    /// now at `hart.pc`, if it is translated and in the same page as the
    /// block that exited.
    fn try_chain(&mut self, hart: &mut Hart) {
        let site = std::mem::take(&mut hart.jit.chain_site);
        let (from_va, from_pa) = (hart.jit.chain_va, hart.jit.chain_pa);
        let va = hart.pc;
        if (va ^ from_va) & !0xfff != 0 {
            return;
        }
        let pa = (from_pa & !0xfff) | (va & 0xfff);
        let Some(idx) = self.find(va, pa) else {
            return;
        };
        let s = self.table[idx];
        if s.state == State::Translated && s.fence == self.seen_fence {
            // A forward jump (to a block starting later in the page) skips
            // the budget and signal checks: chains only link blocks of one
            // page, so every cycle of them takes a backward one, which
            // checks; and the blocks between two checks are fewer than a
            // page holds.
            let to = if va > from_va { s.entry } else { s.chain };
            let rel = (to as i64).wrapping_sub(site as i64 + 4);
            if let Ok(rel) = i32::try_from(rel) {
                self.buf.patch_u32(site, rel as u32);
                self.stats.chains += 1;
            }
        }
    }

    /// Run `hart` until an exit, as [`Hart::run`] does, translating blocks
    /// according to the policy.
    pub fn run(&mut self, hart: &mut Hart, budget: u64) -> Exit {
        let exit = self.run_inner(hart, budget);
        let s = &self.stats;
        let h = &mut hart.stats;
        h.jit_blocks = s.blocks_translated;
        h.jit_code_bytes = s.code_bytes;
        h.jit_dispatches = s.dispatches;
        h.jit_interpreted = s.interpreted;
        h.jit_chains = s.chains;
        h.jit_flushes = s.flushes;
        h.jit_dropped = s.dropped;
        h.jit_pages_revalidated = s.pages_revalidated;
        h.jit_adopted = s.adopted;
        h.jit_compiled_beside = s.compiled_beside;
        h.jit_guesses_failed = s.guesses_failed;
        h.jit_divisor_guesses_failed = s.divisor_guesses_failed;
        h.jit_guards_failed = s.guards_failed;
        h.jit_groups_failed = s.groups_failed;
        h.jit_insns_run = s.insns_run;
        h.jit_exits = s.exits;
        exit
    }

    fn run_inner(&mut self, hart: &mut Hart, budget: u64) -> Exit {
        let mut steps: u64 = 0;
        // Fixed for the hart's RAM: once per run, not per dispatch.
        hart.jit.flags_bias = (hart.ram.page_flags_ptr() as usize)
            .wrapping_sub(hart.ram.host_base() as usize >> FLAG_SHIFT);
        hart.jit.delta_guess =
            (hart.ram.host_base() as usize).wrapping_sub(hart.ram.base() as usize);
        hart.jit.ram_base = hart.ram.base();
        loop {
            if let Some(e) = hart.engine_boundary() {
                return e;
            }
            self.sync(hart);
            if steps >= budget {
                return Exit::Budget;
            }
            let pc = hart.pc;
            self.prefetch_set(pc);
            let pa = match hart.tlb_lookup(pc, Access::Fetch) {
                Some(pa) => pa,
                None => match hart.translate(pc, Access::Fetch) {
                    Ok(pa) => pa,
                    // The interpreter raises the fetch fault.
                    Err(_) => match self.interpret(hart) {
                        Ok(n) => {
                            steps += n;
                            continue;
                        }
                        Err(e) => return e,
                    },
                },
            };
            self.refresh_epoch(hart);
            let from_indirect = std::mem::take(&mut hart.jit.indirect) != 0;
            let idx = self.slot_for(pc, pa);
            let s = &mut self.table[idx];
            if s.state == State::Counting {
                s.hits = s.hits.saturating_add(1);
                let hot = match self.policy {
                    Policy::Always => true,
                    Policy::Hot(n) => s.hits >= n || self.hot_pc == Some(pc),
                };
                if hot {
                    self.translate(hart, idx, pc, pa);
                }
            }
            let mut s = self.table[idx];
            if s.state == State::Translated && s.gen == self.gen && s.fence != self.seen_fence {
                // First entry into this page since a `fence.i`.
                if self.check_page(hart, pa >> 12) {
                    self.stats.pages_revalidated += 1;
                }
                s = self.table[idx];
                if s.fence != self.seen_fence {
                    // Not vouched for by the check: translate it again.
                    self.table[idx].gen = 0;
                    s.gen = 0;
                }
            }
            self.hot_pc = None;
            if s.state != State::Translated || s.gen != self.gen {
                match self.interpret_cold(hart, budget - steps) {
                    Ok(n) => steps += n,
                    Err(e) => return e,
                }
                continue;
            }
            if from_indirect {
                let e = JcEntry::new(pc, self.jc_epoch, s.chain, pa);
                JcSet::fill(&mut self.jcache, helpers::jc_index(pc), e);
                let (w, bit) = jc_page_bit(pc);
                self.jc_pages[w] |= bit;
            }
            steps += self.execute(hart, s.entry, budget - steps);
            match hart.jit.fallback {
                // A group leader left after its access and named its
                // translation.
                emit::FALLBACK_GROUP_FAILED => {
                    self.guess_failed(hart.jit.guard_pa, emit::FALLBACK_GROUP_FAILED, (0, 0));
                }
                emit::FALLBACK_GUESS_FAILED | emit::FALLBACK_DIVISOR_FAILED => {
                    // The translation whose entry check failed left at its
                    // own pc: it may be one chained to from the one
                    // entered here.
                    let failed = hart.tlb_lookup(hart.pc, Access::Fetch).unwrap_or(pa);
                    self.guess_failed(failed, hart.jit.fallback, (0, 0));
                }
                // A way into a loop left at the loop's label and named
                // its translation.
                emit::FALLBACK_GUARD_FAILED => {
                    // The label's physical pc (in the translation's page),
                    // and the registers checked there that were not
                    // narrow (all it checked, should none be: progress).
                    let at = hart.jit.guard_pa & !0xfff | hart.pc & 0xfff;
                    let checked = hart.jit.guard_regs as u32;
                    let bad = match !narrow_now(hart) & checked {
                        0 => checked,
                        b => b,
                    };
                    self.guess_failed(hart.jit.guard_pa, emit::FALLBACK_GUARD_FAILED, (at, bad));
                }
                _ => {}
            }
            let why = if hart.jit.fallback != 0 {
                EXIT_FALLBACK
            } else if hart.jit.indirect != 0 {
                EXIT_INDIRECT
            } else if hart.jit.chain_site != 0 {
                EXIT_UNCHAINED
            } else {
                EXIT_OTHER
            };
            self.stats.exits[why] += 1;
            if hart.jit.chain_site != 0 {
                self.try_chain(hart);
            }
            if std::mem::take(&mut hart.jit.fallback) != 0 {
                self.stats.interpreted += 1;
                match hart.engine_continue_block() {
                    Ok(n) => steps += n,
                    Err(e) => return e,
                }
            }
        }
    }

    /// Jump-cache entries hold (va -> code) pairs made under a
    /// translation state (page tables, privilege, TLB generation: all
    /// reflected in the fetch TLB context) and a code generation. A change
    /// of the translation state starts a new translation epoch for that
    /// privilege: translated code then revalidates an entry against the
    /// fetch TLB (see `JcEntry`) before it uses it. Dropping code starts a
    /// new code generation, which no entry survives.
    #[inline(always)]
    fn refresh_epoch(&mut self, hart: &mut Hart) {
        let prv = hart.prv as usize & 3;
        let (tlb, tag) = hart.tlb_probe(Access::Fetch);
        // Translated code's revalidation of stale entries reads them.
        hart.jit.tlb_fetch = tlb as usize;
        hart.jit.tag_fetch = tag;
        let snap = tag ^ hart.csr.satp.rotate_left(17);
        if snap != self.jc_snapshot[prv] {
            self.jc_snapshot[prv] = snap;
            self.jc_prv_epoch[prv] = self.next_trans_epoch();
        }
        self.jc_prv = prv;
        self.jc_epoch = self.jc_code << 32 | self.jc_prv_epoch[prv];
        let (flushes, page, pages) = hart.tlb_page_flushes();
        if flushes != self.jc_page_flushes {
            // One `sfence.vma` of one page per boundary at most; more, a
            // 2 MiB page's region, or one page with entries, and every
            // entry must be revalidated.
            let one = flushes == self.jc_page_flushes.wrapping_add(1) && pages == 1;
            self.jc_page_flushes = flushes;
            let (w, bit) = jc_page_bit(page);
            if !one || self.jc_pages[w] & bit != 0 {
                self.renew_trans_epochs();
            }
        }
    }

    /// A translation epoch no entry has (after 2^32 of them, the code
    /// generation moves too, so none can come back).
    fn next_trans_epoch(&mut self) -> u64 {
        self.jc_last += 1;
        if self.jc_last > u64::from(u32::MAX) {
            self.jc_last = 1;
            self.jc_code = (self.jc_code % u64::from(u32::MAX)) + 1;
        }
        self.jc_last
    }

    /// Every privilege's entries must be revalidated before use.
    fn renew_trans_epochs(&mut self) {
        for p in 0..4 {
            self.jc_prv_epoch[p] = self.next_trans_epoch();
        }
        self.jc_epoch = self.jc_code << 32 | self.jc_prv_epoch[self.jc_prv];
        self.jc_pages = [0; JC_PAGE_WORDS];
    }

    /// Drop every jump-cache entry (of every privilege): code went.
    fn new_jc_epoch(&mut self) {
        // Never 0: an entry never filled has code generation 0.
        self.jc_code = (self.jc_code % u64::from(u32::MAX)) + 1;
        self.renew_trans_epochs();
    }

    fn execute(&mut self, hart: &mut Hart, entry: usize, left: u64) -> u64 {
        // Only interrupts that would be taken make translated code leave:
        // one pending but masked (a kernel's timer interrupt in a section
        // with interrupts off) would otherwise end every block. What is
        // takeable changes only through instructions that leave
        // translated code, or through the CSR helper, which updates the
        // mask.
        let takeable = hart.takeable_interrupts();
        hart.jit.irq_mask = takeable | REQUEST_MASK;
        // A pending takeable interrupt would make every chain entry bail
        // out anyway; run single blocks from the dispatcher instead.
        hart.jit.pending_limit = if hart.csr.mip & takeable != 0 {
            0
        } else {
            left
        };
        hart.jit.check_at = hart.jit.pending_limit.min(CHECK_EVERY);
        hart.jit.signals = &hart.signals.pending as *const _ as usize;
        hart.jit.tag_load = hart.tlb_probe(Access::Load).1;
        hart.jit.tag_store = hart.tlb_probe(Access::Store).1;
        hart.refresh_site_cache();
        // Loads of the last 7 bytes take the slow path, whatever their
        // size.
        (hart.jit.ram_span, hart.jit.group_span) = if hart.load_mode() == DataMode::Unchecked {
            let size = hart.ram.size();
            (
                size.saturating_sub(7),
                size.saturating_sub(emit::GROUP_SPAN),
            )
        } else {
            (0, 0)
        };
        hart.jit.chain_site = 0;
        hart.jit.indirect = 0;
        hart.jit.fallback = 0;
        hart.jit.jcache = self.jcache.as_ptr() as usize;
        hart.jit.jc_epoch = self.jc_epoch;
        self.stats.dispatches += 1;
        let before = hart.stats.instret;
        let status = (self.enter)(hart, entry);
        let mut steps = hart.stats.instret.wrapping_sub(before);
        self.stats.insns_run += steps;
        if status == RET_TRAP as u32 {
            if let Some(t) = hart.jit.trap.take() {
                self.stats.traps += 1;
                hart.engine_raise(t);
            }
            steps += 1;
        }
        steps.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups that fail often lose their groups at the 256th failure (and
    /// only then); ones that fail now and then in a long run never do, and
    /// each translation counts for itself.
    #[test]
    fn groups_go_after_failing_often_not_now_and_then() {
        let mut t = GroupTries::default();
        let often: Vec<bool> = (0..300).map(|i| t.failed(0x1000, i * 1000)).collect();
        assert_eq!(often.iter().filter(|&&b| b).count(), 1);
        assert!(often[GroupTries::TRIES as usize - 1]);
        let far = GroupTries::WINDOW + 1;
        assert!((0..1000).all(|i| !t.failed(0x2000, i * far)));
        assert!((1..GroupTries::TRIES).all(|i| !t.failed(0x3000, u64::from(i))));
        assert!(t.failed(0x3000, 1000));
    }

    /// A region of several blocks has more guest code than one compare
    /// buffer: unchanged, it still compares equal (its translations are
    /// kept, and can be copied to another hart); one changed byte anywhere
    /// is seen.
    #[test]
    fn guest_code_longer_than_a_buffer_compares() {
        let ram = rvisor_memory::GuestRam::new(0x8000_0000, 1 << 16).expect("RAM");
        let code: Vec<u8> = (0..600u32).map(|i| (i * 7) as u8).collect();
        assert!(ram.write_bytes(0x100, &code));
        assert!(same_bytes(&ram, 0x8000_0100, &code));
        assert!(same_bytes(&ram, 0x8000_0100, &code[..4]));
        let mut changed = code.clone();
        changed[599] ^= 1;
        assert!(!same_bytes(&ram, 0x8000_0100, &changed));
        changed[599] ^= 1;
        changed[300] ^= 1;
        assert!(!same_bytes(&ram, 0x8000_0100, &changed));
        assert!(!same_bytes(&ram, 0x8000_fe00, &code), "past the end of RAM");
    }
}
