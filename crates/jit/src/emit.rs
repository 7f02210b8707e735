//! The template emitter: one fixed x86-64 sequence per guest instruction,
//! assembled with dynasm-rs.
//!
//! Register use in translated code: rbx = `*mut Hart` (the dispatcher's
//! context, `Hart::jit`, included); rax, rcx, rsi are scratch; r12-r15,
//! r8-r11, rdx and rdi cache the
//! block's most used guest registers ([`regs`]; templates that need rdx or
//! rdi as scratch reserve them first), written back to
//! `Hart::x` before every exit and every helper call; rbp counts retired
//! instructions not yet added to `stats.instret` (added before every
//! helper call and by the epilogue), less `ctx.check_at` (see
//! [`regs::PENDING`]). So the hart is exact wherever the
//! interpreter or a helper can see it.
//!
//! Layout of one translation (a region of guest code, see [`region`]):
//! ```text
//! chain_entry:  rbp >= 0 (the count reached ctx.check_at) -> out of
//!               line: budget (pending_limit)
//!               and signal word (*signals & ctx.irq_mask) -> dispatcher
//!               (pc = this translation's start)
//! entry:        (spin point)
//!               the body, one template per instruction; at each label
//!               (target of a jump inside the translation) the register
//!               cache is in its canonical state; jumps back to a label
//!               make the chain entry's checks first
//!               exits: registers written back, rbp += instructions, then
//!               a patchable `jmp rel32` (its stub stores pc), or the
//!               jump cache
//! out of line:  check and helper slow paths, helper-failure stubs,
//!               unchained exit stubs
//! ```
//! The dispatcher enters at `entry` (it has done the boundary work itself);
//! chained jumps from other translations enter at `chain_entry`.

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};
use rvisor_cpu::interp::Op;
use rvisor_cpu::mmu::{
    site_offset, tlb_offset, Access, DataMode, SiteEntry, TlbEntry, SITE_SLOTS, TLB_SIZE,
};

/// Size of a TLB entry (a power of two: the probe scales the index by a shift).
const ENTRY_BYTES: usize = std::mem::size_of::<TlbEntry>();
const _: () = assert!(ENTRY_BYTES.is_power_of_two());
use rvisor_cpu::Hart;
use rvisor_isa::Inst;
use rvisor_memory::ram::FLAG_SHIFT;

use crate::fp::{self, FpFn};
use groups::Role;
use regs::{Loc, RegCache, PENDING, RAX, RCX, RDI, RDX, RSI, SCRATCH};

mod amo;
mod bits;
pub(crate) mod divisor;
mod fcache;
mod fp_inline;
mod fp_state;
mod groups;
mod late;
mod narrow;
mod regs;
mod rotate;
mod spin_hook;
mod unroll;
use crate::helpers::{self, Ctx, HelperRet, CHECK_EVERY, JC_MIX, JC_SIZE, ST_CODE_WRITTEN};

/// Block status returned to the dispatcher in eax: carry on at `hart.pc`.
pub const RET_CONTINUE: i32 = 0;
/// The alignment of loops' first instructions in host code (see
/// [`Emitter::align_loop_head`]).
const LOOP_ALIGN: usize = 16;
const _: () = assert!(LOOP_ALIGN <= crate::code::BLOCK_ALIGN);

/// `Ctx::fallback` of an entry whose guess failed (see
/// [`Emitter::check_guesses`]): the interpreter runs the block, and the
/// dispatcher has its code translated again.
pub const FALLBACK_GUESS_FAILED: u64 = 2;
/// Labels a translation may be told not to check some registers at (see
/// `Request::unguarded`).
pub const UNGUARDED: usize = 4;

/// Likewise for a check on a way into a loop (see
/// [`narrow::plan_guarded`]): it left at the loop's label; the
/// translation at `Ctx::guard_pa` is made again without checking there
/// those of the registers `Ctx::guard_regs` that were not narrow.
pub const FALLBACK_GUARD_FAILED: u64 = 4;
/// Likewise for a guessed divisor (see [`divisor`]): its code is
/// translated again without divisor guesses.
pub const FALLBACK_DIVISOR_FAILED: u64 = 3;
/// Likewise for a paged probe group's leader whose span was not one page
/// of RAM its members could use (see [`groups`]): it left after its own
/// access, and the translation at `Ctx::guard_pa` is made again without
/// paged probe groups.
pub const FALLBACK_GROUP_FAILED: u64 = 5;

/// Block status: a helper stored a trap in `Ctx::trap`; pc and instret are
/// those of the faulting instruction.
pub const RET_TRAP: i32 = 1;

/// Offsets the templates use.
struct Layout {
    x: i32,
    pc: i32,
    instret: i32,
    pending_limit: i32,
    check_at: i32,
    chain_site: i32,
    signals: i32,
    irq_mask: i32,
    jcache: i32,
    fallback: i32,
    jc_epoch: i32,
    tlb_fetch: i32,
    tag_fetch: i32,
    indirect: i32,
    chain_va: i32,
    chain_pa: i32,
    guard_pa: i32,
    guard_regs: i32,
    tag_load: i32,
    tag_store: i32,
    flags_bias: i32,
    delta_guess: i32,
    ram_base: i32,
    ram_span: i32,
    group_span: i32,
    group_delta: i32,
    late_src: i32,
    late_on: i32,
    select_old: i32,
}

/// Offset from the hart pointer of a field of the dispatcher's context
/// (`Hart::jit`).
macro_rules! ctx {
    ($field:ident) => {
        (std::mem::offset_of!(Hart, jit) + std::mem::offset_of!(Ctx, $field)) as i32
    };
}

const fn layout() -> Layout {
    Layout {
        x: std::mem::offset_of!(Hart, x) as i32,
        pc: std::mem::offset_of!(Hart, pc) as i32,
        instret: std::mem::offset_of!(Hart, stats.instret) as i32,
        pending_limit: ctx!(pending_limit),
        check_at: ctx!(check_at),
        chain_site: ctx!(chain_site),
        signals: ctx!(signals),
        irq_mask: ctx!(irq_mask),
        jcache: ctx!(jcache),
        fallback: ctx!(fallback),
        jc_epoch: ctx!(jc_epoch),
        tlb_fetch: ctx!(tlb_fetch),
        tag_fetch: ctx!(tag_fetch),
        indirect: ctx!(indirect),
        chain_va: ctx!(chain_va),
        chain_pa: ctx!(chain_pa),
        guard_pa: ctx!(guard_pa),
        guard_regs: ctx!(guard_regs),
        tag_load: ctx!(tag_load),
        tag_store: ctx!(tag_store),
        flags_bias: ctx!(flags_bias),
        delta_guess: ctx!(delta_guess),
        ram_base: ctx!(ram_base),
        ram_span: ctx!(ram_span),
        group_span: ctx!(group_span),
        group_delta: ctx!(group_delta),
        late_src: ctx!(late_src),
        late_on: ctx!(late_on),
        select_old: ctx!(select_old),
    }
}

const L: Layout = layout();

/// Offsets in `Hart` of the load and store TLBs: translated code indexes
/// them from rbx, the hart pointer (the probe's entry offset is in rax).
const FETCH_TLB: i32 = tlb_offset(Access::Fetch) as i32;
const LOAD_TLB: i32 = tlb_offset(Access::Load) as i32;
const STORE_TLB: i32 = tlb_offset(Access::Store) as i32;
/// Offsets in `Hart` of the MMU's site cache and of its filled set (a
/// bit per slot).
const SITE: i32 = site_offset().0 as i32;
const SITE_FILLED: i32 = site_offset().1 as i32;

#[inline]
fn xo(r: u8) -> i32 {
    L.x + 8 * i32::from(r & 31)
}

type Asm = VecAssembler<X64Relocation>;

/// `jmp rel32` to the absolute host address `target` (dynasm-rs has no
/// extern relocations on x64). Code is placed at `base`, so the
/// displacement is known now; the code cache is far smaller than 2 GiB.
fn jmp_abs(a: &mut Asm, base: usize, target: usize) {
    let end = base + a.offset().0 + 5;
    let rel = (target as i64).wrapping_sub(end as i64) as i32;
    a.push(0xe9);
    a.push_i32(rel);
}

/// `call` the absolute host address `target` (in the code buffer: a rel32
/// reaches it) from code assembled for placement at `base`.
fn call_abs(a: &mut Asm, base: usize, target: usize) {
    let end = base + a.offset().0 + 5;
    let rel = (target as i64).wrapping_sub(end as i64) as i32;
    a.push(0xe8);
    a.push_i32(rel);
}

/// The shared stubs at the start of the code buffer.
pub struct Trampoline {
    /// Bytes to copy to `base`.
    pub code: Vec<u8>,
    /// Offset of `enter(hart, code) -> status`.
    pub enter: usize,
    /// Offset of the common epilogue (status in eax).
    pub epilogue: usize,
    /// Offset of the pending-count flush called before helper calls (see
    /// [`Emitter::flush_pending`]).
    pub flush_pending: usize,
}

/// Absolute addresses of the trampoline's shared code, for translations.
#[derive(Clone, Copy, Debug)]
pub struct Shared {
    /// The common epilogue.
    pub epilogue: usize,
    /// The pending-count flush routine (`call`ed; uses rax and rcx).
    pub flush_pending: usize,
}

/// Assemble the entry trampoline for code placed at `base`.
pub fn trampoline(base: usize) -> Trampoline {
    let mut a = Asm::new(base);
    let enter = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; push rbx
        ; push rbp
        ; push r12
        ; push r13
        ; push r14
        ; push r15
        ; sub rsp, 8
        ; mov rbx, rdi
        // Nothing pending: rbp = 0 - check_at (see `PENDING`).
        ; mov rbp, [rbx + L.check_at]
        ; neg rbp
        ; jmp rsi
    );
    let epilogue = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; add rbp, [rbx + L.check_at]
        ; add [rbx + L.instret], rbp
        ; add rsp, 8
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbp
        ; pop rbx
        ; ret
    );
    let flush_pending = a.offset().0;
    // Every slow path calls it before its helper: one copy here rather
    // than ~50 bytes in each.
    dynasm!(a
        ; .arch x64
        ; add Rq(PENDING), [rbx + L.check_at]
        ; mov rax, [rbx + L.pending_limit]
        ; sub rax, Rq(PENDING)
        ; sbb rcx, rcx
        ; not rcx
        ; and rax, rcx
        ; mov [rbx + L.pending_limit], rax
        ; mov QWORD [rbx + L.check_at], 0
        ; add [rbx + L.instret], Rq(PENDING)
        // Nothing pending and check_at 0.
        ; xor Rd(PENDING), Rd(PENDING)
        ; ret
    );
    Trampoline {
        code: a.finalize().unwrap_or_default(),
        enter,
        epilogue,
        flush_pending,
    }
}

/// How the hart accesses memory when a translation is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Modes {
    /// How load addresses translate.
    pub loads: DataMode,
    /// Where RAM is (M-mode accesses have its host address baked in).
    pub ram: Ram,
}

/// Where a load's or store's bytes are on the host: `[base + rcx + disp]`
/// if `indexed` (rcx holding the host's distance from the address),
/// else `[base + disp]`.
#[derive(Clone, Copy, Debug)]
struct Operand {
    base: u8,
    indexed: bool,
    disp: i32,
}

impl Operand {
    /// The va in rsi, the distance in rcx (after a TLB or RAM probe).
    const VA: Operand = Operand {
        base: RSI,
        indexed: true,
        disp: 0,
    };
}

/// Where guest RAM is: its guest-physical base and the host address it
/// is mapped at (fixed for a hart's life).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ram {
    pub base: u64,
    pub host: u64,
}

/// A translated block, assembled for its final address.
pub struct Emitted {
    /// The machine code.
    pub code: Vec<u8>,
    /// Offset of the dispatcher entry (after the chain-entry checks).
    pub entry: usize,
    /// Guest instructions translated (the rest of the decoded block, if
    /// any, is left to the interpreter).
    pub insns: usize,
    /// What depends on where the code is placed (see [`relocate`]).
    pub relocs: Vec<Reloc>,
}

/// A place in a translation's code that depends on where the code and its
/// code cache are: the code is position-independent otherwise (dynasm's
/// labels are relative, helpers and ops are at absolute addresses shared by
/// every code cache of the process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reloc {
    /// Offset of the field in the code.
    pub at: u32,
    pub kind: RelocKind,
}

/// What a [`Reloc`] field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelocKind {
    /// rel32 of a `jmp` to the cache's common epilogue.
    Epilogue,
    /// rel32 of a `call` of the cache's pending-count flush.
    FlushPending,
    /// imm64: the host address of a chain site of this code.
    Site,
}

/// Make `code`, assembled for host address `from`, fit host address `to`
/// of the code cache whose shared stubs are `shared`. `false` if a field
/// lies outside the code (never, for relocations the emitter recorded).
pub fn relocate(code: &mut [u8], relocs: &[Reloc], from: usize, to: usize, shared: Shared) -> bool {
    for r in relocs {
        let at = r.at as usize;
        match r.kind {
            RelocKind::Epilogue | RelocKind::FlushPending => {
                let target = match r.kind {
                    RelocKind::Epilogue => shared.epilogue,
                    _ => shared.flush_pending,
                };
                let end = to.wrapping_add(at + 4);
                let rel = (target as i64).wrapping_sub(end as i64) as i32;
                let Some(f) = code.get_mut(at..at + 4) else {
                    return false;
                };
                f.copy_from_slice(&rel.to_le_bytes());
            }
            RelocKind::Site => {
                let Some(f) = code.get_mut(at..at + 8) else {
                    return false;
                };
                let mut v = [0u8; 8];
                v.copy_from_slice(f);
                let site = u64::from_le_bytes(v)
                    .wrapping_sub(from as u64)
                    .wrapping_add(to as u64);
                f.copy_from_slice(&site.to_le_bytes());
            }
        }
    }
    true
}

/// Whether the translator handles `inst`: with a template, or (A, F, D,
/// and the system instructions `Hart::engine_system_inline` accepts: CSR
/// instructions on some CSRs, `fence.i`, `sfence.vma`) by a call to the
/// interpreter's semantics. Other system instructions (CSR, xRET, `wfi`,
/// `ecall`) end the translated block and are left to the interpreter.
pub fn translatable(inst: &Inst) -> bool {
    !inst.is_system() || Hart::engine_system_inline(inst)
}

/// Whether `inst` has an inline template.
fn templated(inst: &Inst) -> bool {
    use Inst::*;
    matches!(
        inst,
        Lui { .. }
            | Auipc { .. }
            | Jal { .. }
            | Jalr { .. }
            | Beq { .. }
            | Bne { .. }
            | Blt { .. }
            | Bge { .. }
            | Bltu { .. }
            | Bgeu { .. }
            | Lb { .. }
            | Lh { .. }
            | Lw { .. }
            | Ld { .. }
            | Lbu { .. }
            | Lhu { .. }
            | Lwu { .. }
            | Sb { .. }
            | Sh { .. }
            | Sw { .. }
            | Sd { .. }
            | Addi { .. }
            | Slti { .. }
            | Sltiu { .. }
            | Xori { .. }
            | Ori { .. }
            | Andi { .. }
            | Slli { .. }
            | Srli { .. }
            | Srai { .. }
            | Addiw { .. }
            | Slliw { .. }
            | Srliw { .. }
            | Sraiw { .. }
            | Add { .. }
            | Sub { .. }
            | Sll { .. }
            | Slt { .. }
            | Sltu { .. }
            | Xor { .. }
            | Srl { .. }
            | Sra { .. }
            | Or { .. }
            | And { .. }
            | Addw { .. }
            | Subw { .. }
            | Sllw { .. }
            | Srlw { .. }
            | Sraw { .. }
            | Fence { .. }
            | Mul { .. }
            | Mulh { .. }
            | Mulhsu { .. }
            | Mulhu { .. }
            | Div { .. }
            | Divu { .. }
            | Rem { .. }
            | Remu { .. }
            | Mulw { .. }
            | Divw { .. }
            | Divuw { .. }
            | Remw { .. }
            | Remuw { .. }
    ) || matches!(inst, Bit { op, .. } if bits::in_line(*op))
}

/// The M-extension divisions.
#[derive(Clone, Copy)]
enum DivKind {
    Div,
    Divu,
    Rem,
    Remu,
    Divw,
    Divuw,
    Remw,
    Remuw,
}

/// Where a memory instruction sits in its block.
#[derive(Clone, Copy)]
struct Site {
    pc: u64,
    next: u64,
    index: usize,
}

/// The helper a slow path calls.
enum SlowCall {
    /// The helper and the host register the value goes to.
    Load(LoadFn, u8),
    /// The helper and the source register.
    Store(StoreFn, u8),
    /// A group leader's helper, its destination (a load) or source (a
    /// store) register, and the group (see [`SlowPath::Group`]).
    Group {
        f: helpers::GroupFn,
        reg: u8,
        store: bool,
        info: u64,
        slot: u8,
        exit: DynamicLabel,
    },
    /// A direct FP helper, its packed operands and the raw encoding.
    Fp(FpFn, u64, u32),
    /// The interpreter's semantics of an A instruction (`helpers::ext`),
    /// which writes its destination in `Hart::x`.
    Ext(*const Op, u8),
}

/// What follows a load's or store's slow path (see [`Emitter::slow_resume`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlowPath {
    /// Back to the code after the access.
    Resume,
    /// Out of the translation after the access.
    Exit,
    /// A paged group leader's: its helper probes the group's span again
    /// (`helpers::group`, `info` as `helpers::group_info`); back to the
    /// code after the access if that found the delta, else out of the
    /// translation to the dispatcher, which has it made again without
    /// groups.
    Group { slot: u8, info: u64 },
    /// No slow path: an M-mode group member.
    Never,
}

/// Out-of-line code emitted after the block body.
// The slow paths carry the register cache they left (a copy, not a box:
// one allocation per load and store at translation time showed).
#[allow(clippy::large_enum_variant)]
enum Stub {
    /// A helper failed at instruction `index` (pc `pc`, next `next`):
    /// trap, or (stores) code written.
    Helper { label: DynamicLabel, site: Site },
    /// The out-of-line slow path of a load/store: va in rsi.
    Slow {
        label: DynamicLabel,
        resume: DynamicLabel,
        fail: DynamicLabel,
        call: SlowCall,
        /// The register cache where the fast path left.
        regs: RegCache,
        /// Skipped shifts (fused into rotates) a trap here must see.
        keep: Vec<rotate::Shift>,
        /// rsi = host register + displacement first, where the fast path
        /// addressed through the guest's base register instead of rsi.
        va: Option<(u8, i32)>,
    },
    /// The slow half of a chain entry's or back edge's checks.
    Check {
        label: DynamicLabel,
        resume: DynamicLabel,
        out: DynamicLabel,
    },
    /// A load whose TLB entry's delta is not the guessed one.
    Delta {
        label: DynamicLabel,
        access: DynamicLabel,
    },
    /// A paged load or store in a loop whose site cache slot (at `slot`) does not
    /// hold its page: the TLB's entry, copied into the slot, or the slow
    /// path.
    SiteMiss {
        label: DynamicLabel,
        access: DynamicLabel,
        slot: i32,
        store: bool,
        span: u16,
        slow: DynamicLabel,
        /// rsi = host register + displacement first (see `site_probe`).
        va: Option<(u8, i32)>,
    },
    /// The taken side of a forward branch inside the translation: the
    /// pending count added and the canonical state made there, so that
    /// the way that falls through pays for neither.
    Jump {
        label: DynamicLabel,
        /// The register cache at the branch.
        regs: RegCache,
        retired: usize,
        loose: u32,
        to: DynamicLabel,
        /// What the way checks, into a loop from before it, and the
        /// label's pc (see `Emitter::check_guards`).
        guard: (u32, u64),
    },
    /// The taken side of a conditional branch that leaves the
    /// translation in its middle: the cache written back, then the exit.
    /// Also the way out after a failed M-mode group leader's access (see
    /// `groups`), which writes the skipped shifts of `keep` too.
    Exit {
        label: DynamicLabel,
        /// The register cache at the branch (or after the access).
        regs: RegCache,
        pc: u64,
        retired: usize,
        keep: Vec<rotate::Shift>,
        /// A load's rd whose value is in rax (it has no host register: the
        /// code after the access stores it).
        rax_into: Option<u8>,
        /// Out to the dispatcher after a paged group leader whose span
        /// failed (see [`SlowPath::Group`]), never chained.
        group_failed: bool,
    },
    /// A back branch's failed checks (see [`Emitter::back_branch`]): the
    /// branch decided again, taken to leave for the dispatcher at
    /// `target`, else back to `stay`. `regs` and `narrow` as they were
    /// at the branch.
    BackFailed {
        label: DynamicLabel,
        regs: RegCache,
        narrow: u32,
        inst: Inst,
        stay: DynamicLabel,
        target: u64,
    },
    /// An unchained direct exit: records its patch site for the dispatcher.
    Chain {
        label: DynamicLabel,
        site: usize,
        pc: u64,
    },
}

struct Emitter {
    a: Asm,
    /// The guest register cache's state at the current point.
    regs: RegCache,
    /// The register the last `set_rd` wrote from rax, and the code
    /// offset just after that store: at that offset rax holds x[r]. An
    /// instruction that leaves rax alone moves the offset on (see
    /// `kept_rax`).
    last_store: Option<(u8, usize)>,
    /// Set by the register templates that neither write rax nor read
    /// anything through it but x[r] of `last_store` (an ALU operation,
    /// shift or move into a cached register).
    kept_rax: bool,
    /// A register whose host register the last flag-setting instruction
    /// computed in place (an `add`, `xor`, `or` or `and`, 32-bit for a
    /// narrow value), and the code offset just after it: there the zero
    /// flag tells whether x[r] is zero, so a `beqz`/`bnez` on it needs no
    /// `test` (a loop's counted `addiw`). Moves leave the flags alone and
    /// move the offset on (see `regs::mov_reg`).
    zero_flag: Option<(u8, usize)>,
    /// The code offset just after the last add to rbp: there the sign
    /// flag tells whether the count reached `check_at` (see
    /// [`Self::entry_checks`]). Moves leave it alone
    /// ([`Self::canonicalize`] moves the offset on).
    pending_flags: Option<usize>,
    /// Guest virtual and physical pc of the block.
    block_va: u64,
    block_pa: u64,
    base: usize,
    epilogue: usize,
    flush_pending_at: usize,
    /// The fields that depend on where the code is placed.
    relocs: Vec<Reloc>,
    stubs: Vec<Stub>,
    /// How the hart translated load addresses when this was made: loads
    /// use [`Ctx::delta_guess`] if one to one (see [`Emitter::tlb_probe`]),
    /// and only check the RAM bounds if unchecked too.
    loads: DataMode,
    /// Minus the guest-physical base of RAM, if it fits a displacement:
    /// [`Emitter::ram_probe`] then needs no load of it.
    ram_disp: Option<i32>,
    /// The host address of guest-physical 0, if it fits a displacement
    /// (RAM mapped at its guest-physical address, see
    /// `GuestRam::new`): the M-mode accesses then address RAM as
    /// `[x[rs1] + imm + host_disp]`.
    host_disp: Option<i32>,
    /// The next load's or store's part in a probe group.
    mem_role: Option<Role>,
    /// The slot of the group whose access the last load or store was,
    /// and the code offset where its template ended (see
    /// [`Self::chained`]).
    group_tail: Option<(u8, usize)>,
    /// Each paged group leader's store of its delta to its slot: the code
    /// range, the slot, and whether a member reads the slot (see
    /// [`silence_unread_slots`]).
    slot_stores: Vec<SlotStore>,
    /// The code offset where the current instruction's template began.
    op_start: usize,
    /// The block's shared helper-failure exit, once a site uses it.
    helper_exit: Option<DynamicLabel>,
    /// The skipped shifts the next load's or store's slow path computes.
    keep: Vec<rotate::Shift>,
    /// The host has BMI2 (`rorx`), asked once per translation.
    bmi2: bool,
    /// The host has FMA3 (`vfmadd231sd`), asked likewise.
    fma: bool,
    /// What is known of `mstatus.FS` before the current instruction
    /// ([`fp_state`]): the FP templates skip the checks it makes moot.
    fp_known: u8,
    /// The registers holding narrow values before the instruction being
    /// emitted (see [`narrow`]).
    narrow: u32,
    /// The groups of registers kept virtual (see [`late`]).
    late_groups: Vec<late::Group>,
    /// The offset in the block of the instruction being emitted: a
    /// site-cached load or store takes its slot of the MMU's site cache
    /// from a hash of its guest address (see [`Self::site_slot`]).
    inst_off: u16,
    /// The instruction being emitted is inside a loop of the translation.
    in_loop: bool,
    /// The divisors the translation's entry checks (see [`divisor`]).
    divisors: divisor::Divisors,
}

/// The two-operand ALU operations with a register or memory source.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Alu {
    Add,
    Sub,
    Xor,
    Or,
    And,
    Mul,
}

type LoadFn = extern "sysv64" fn(*mut Hart, u64) -> HelperRet;
type StoreFn = extern "sysv64" fn(*mut Hart, u64, u64) -> HelperRet;
type ExtFn = extern "sysv64" fn(*mut Hart, *const Op) -> HelperRet;
type SfenceFn = extern "sysv64" fn(*mut Hart, *const Op, u64) -> HelperRet;

impl Emitter {
    /// An emitter for the translation of guest (`pc`, `pa`) into `a`,
    /// assembled for host address `base`.
    fn new(
        (a, base): (Asm, usize),
        regs: RegCache,
        (pc, pa): (u64, u64),
        shared: Shared,
        Modes { loads, ram }: Modes,
    ) -> Self {
        Emitter {
            base,
            a,
            regs,
            last_store: None,
            kept_rax: false,
            zero_flag: None,
            pending_flags: None,
            block_va: pc,
            block_pa: pa,
            epilogue: shared.epilogue,
            flush_pending_at: shared.flush_pending,
            relocs: Vec::new(),
            stubs: Vec::new(),
            loads,
            bmi2: std::is_x86_feature_detected!("bmi2"),
            fma: std::is_x86_feature_detected!("fma"),
            ram_disp: i32::try_from((ram.base as i64).wrapping_neg())
                .ok()
                .filter(|_| ram.base <= i64::MAX as u64),
            host_disp: i32::try_from(ram.host.wrapping_sub(ram.base) as i64).ok(),
            mem_role: None,
            group_tail: None,
            slot_stores: Vec::new(),
            op_start: 0,
            helper_exit: None,
            keep: Vec::new(),
            fp_known: 0,
            narrow: 1,
            late_groups: Vec::new(),
            inst_off: 0,
            in_loop: false,
            divisors: divisor::Divisors::default(),
        }
    }

    /// `jmp` to the common epilogue.
    fn jmp_epilogue(&mut self) {
        jmp_abs(&mut self.a, self.base, self.epilogue);
        self.reloc(4, RelocKind::Epilogue);
    }

    /// `call` the pending-count flush.
    pub(super) fn call_flush_pending(&mut self) {
        call_abs(&mut self.a, self.base, self.flush_pending_at);
        self.reloc(4, RelocKind::FlushPending);
    }

    /// The `len`-byte field just emitted depends on the code's placement.
    fn reloc(&mut self, len: usize, kind: RelocKind) {
        let at = self.a.offset().0 - len;
        self.relocs.push(Reloc {
            at: at as u32,
            kind,
        });
    }

    /// rbp += `retired` (see [`PENDING`]).
    fn add_pending(&mut self, retired: usize) {
        if retired == 0 {
            return;
        }
        match i8::try_from(retired) {
            Ok(b) => dynasm!(self.a ; .arch x64 ; add Rq(PENDING), BYTE b),
            Err(_) => dynasm!(self.a ; .arch x64 ; add Rq(PENDING), retired as i32),
        }
        self.pending_flags = Some(self.a.offset().0);
    }

    /// Leave the block for guest pc `pc` after `retired` instructions,
    /// through a jump the dispatcher may patch to chain to the successor.
    fn exit_direct(&mut self, pc: u64, retired: usize) {
        if (pc ^ self.block_va) & !0xfff != 0 {
            // Never chained (the target page's mapping may change under
            // a patched jump): through the jump cache, whose entries the
            // translator drops when the translation state changes.
            dynasm!(self.a ; .arch x64 ; mov rax, QWORD pc as i64);
            self.exit_indirect(retired);
            return;
        }
        let label = self.a.new_dynamic_label();
        // pc is only stored when the dispatcher is reached: by the stub,
        // or by the successor's chain entry when its checks fail.
        self.add_pending(retired);
        dynasm!(self.a
            ; .arch x64
            ; jmp =>label
        );
        let site = self.base + self.a.offset().0 - 4;
        self.stubs.push(Stub::Chain { label, site, pc });
    }

    /// Leave the block with `rax` holding the next pc (not chained).
    /// Looks the target up in the jump cache (entries valid for the
    /// current translation-state epoch) and jumps to its chain entry;
    /// otherwise returns to the dispatcher, flagging the exit so that it
    /// fills the cache.
    fn exit_indirect(&mut self, retired: usize) {
        const SHIFT: i8 = ENTRY_BYTES.trailing_zeros() as i8;
        let miss = self.a.new_dynamic_label();
        let stale = self.a.new_dynamic_label();
        let other = self.a.new_dynamic_label();
        self.add_pending(retired);
        // `jc_index`: bits above the mask do not matter, so rotates
        // (which keep eax) do for copies and shifts.
        if self.bmi2 {
            dynasm!(self.a
                ; .arch x64
                ; rorx ecx, eax, 1
                ; rorx edx, eax, JC_MIX as i8
            );
        } else {
            dynasm!(self.a
                ; .arch x64
                ; mov ecx, eax
                ; mov edx, eax
                ; shr ecx, 1
                ; shr edx, JC_MIX as i8
            );
        }
        dynasm!(self.a
            ; .arch x64
            ; xor ecx, edx
            ; and ecx, (JC_SIZE - 1) as i32
            ; shl ecx, 5
            ; add rcx, [rbx + L.jcache]
            ; cmp rax, [rcx]
            ; jne =>other
            ; mov rdx, [rbx + L.jc_epoch]
            ; cmp rdx, [rcx + 8]
            ; jne =>stale
            ; jmp QWORD [rcx + 16]
            // An entry of an older translation epoch (a TLB flush, a
            // privilege's first run after one) whose code is current:
            // valid if the fetch TLB still maps its pc to its page.
            ; =>stale
            ; mov rsi, [rcx + 8]
            ; xor rsi, rdx
            ; shr rsi, 32
            ; jnz =>miss
            ; mov esi, eax
            ; shr esi, 12 - SHIFT
            ; and esi, ((TLB_SIZE - 1) << SHIFT) as i32
            ; add rsi, [rbx + L.tlb_fetch]
            ; mov rdi, rax
            ; and rdi, -4096
            ; or rdi, [rbx + L.tag_fetch]
            ; cmp rdi, [rsi + TlbEntry::TAG]
            ; jne =>miss
            ; mov rdi, [rsi + TlbEntry::PA_PAGE]
            ; cmp rdi, [rcx + 24]
            ; jne =>miss
            ; mov [rcx + 8], rdx
            ; jmp QWORD [rcx + 16]
            // The set's other way (see `JcSet`): only if current.
            ; =>other
            ; xor rcx, 32
            ; cmp rax, [rcx]
            ; jne =>miss
            ; mov rdx, [rbx + L.jc_epoch]
            ; cmp rdx, [rcx + 8]
            ; jne =>miss
            ; jmp QWORD [rcx + 16]
            ; =>miss
            ; mov [rbx + L.pc], rax
            ; mov QWORD [rbx + L.indirect], 1
            ; mov eax, RET_CONTINUE
        );
        self.jmp_epilogue();
    }

    /// The inline TLB probe shared by loads and stores: va in rsi; on a
    /// hit leaves the host address's distance from va in rcx (so the
    /// access is `[rsi + rcx]`), else jumps to `slow`. Exactly the
    /// interpreter's fast-path conditions: no page crossing (the last
    /// byte's page must carry the tag of the first's entry), a TLB entry
    /// for this access kind and privilege context, and RAM behind it (an
    /// entry's RAM tag is 0 otherwise).
    fn tlb_probe(&mut self, span: u16, store: bool, slow: DynamicLabel) {
        if self.site_probed(span) {
            return self.site_probe(span, store, slow, None);
        }
        let tlb = self.tlb_entry(span, store, slow);
        if store || self.loads == DataMode::Paged {
            dynasm!(self.a ; .arch x64 ; mov rcx, [rbx + rax + tlb + TlbEntry::HOST_DELTA]);
        } else {
            // The access uses the guessed delta once the entry is known to
            // hold it: a compare and a predicted branch instead of a load
            // the access would wait for, so a chain of dependent loads
            // (pointer chasing) pays one host load per guest load. Only
            // where the guess holds (RAM mapped one to one): elsewhere the
            // branch would be taken, and with the many sites of an OS the
            // predictor would miss it often.
            let other = self.a.new_dynamic_label();
            let access = self.a.new_dynamic_label();
            dynasm!(self.a
                ; .arch x64
                ; mov rcx, [rbx + L.delta_guess]
                ; cmp rcx, [rbx + rax + tlb + TlbEntry::HOST_DELTA]
                ; jne =>other
                ; =>access
            );
            self.stubs.push(Stub::Delta {
                label: other,
                access,
            });
        }
    }

    /// Whether an access of `span` bytes here checks a slot of the site
    /// cache (see [`Self::site_probe`]). (One access's span: a probe
    /// group's may be any.)
    fn site_probed(&self, span: u16) -> bool {
        self.in_loop && self.loads == DataMode::Paged && matches!(span, 1 | 2 | 4 | 8)
    }

    /// The tag check of [`Self::tlb_probe`]: rax = va's entry offset,
    /// rcx = its last byte's page | the context, equal to the entry's RAM
    /// tag or a jump to `slow`. Returns the TLB array's offset in `Hart`.
    fn tlb_entry(&mut self, span: u16, store: bool, slow: DynamicLabel) -> i32 {
        self.tlb_entry_at(RSI, span, store, slow)
    }

    /// [`Self::tlb_entry`] of the va in host register `va`.
    fn tlb_entry_at(&mut self, va: u8, span: u16, store: bool, slow: DynamicLabel) -> i32 {
        let (tlb, tag) = if store {
            (STORE_TLB, L.tag_store)
        } else {
            (LOAD_TLB, L.tag_load)
        };
        self.tlb_index(va);
        dynasm!(self.a
            ; .arch x64
            ; lea rcx, [Rq(va) + i32::from(span) - 1]
            ; and rcx, -4096
            ; or rcx, [rbx + tag]
            ; cmp rcx, [rbx + rax + tlb + TlbEntry::RAM_TAG]
            ; jne =>slow
        );
        tlb
    }

    /// rax = the offset of the entry of the va in host register `va` in a
    /// TLB array: the page-number bits of va in place, the rest masked
    /// off. `rorx` leaves va as it is: one instruction where a copy and a
    /// shift take two, on every load and store.
    fn tlb_index(&mut self, va: u8) {
        const SHIFT: i8 = ENTRY_BYTES.trailing_zeros() as i8;
        if self.bmi2 {
            dynasm!(self.a ; .arch x64 ; rorx eax, Rd(va), 12 - SHIFT);
        } else {
            dynasm!(self.a ; .arch x64 ; mov eax, Rd(va) ; shr eax, 12 - SHIFT);
        }
        dynasm!(self.a ; .arch x64 ; and eax, ((TLB_SIZE - 1) << SHIFT) as i32);
    }

    /// A paged load's or store's probe inside a loop of the translation:
    /// its slot of the MMU's site cache, a copy of the TLB entry the site
    /// used last, holds va's page (a hit is the tag's compare and the
    /// delta's load: no entry index to compute, and the access does not
    /// wait on the TLB), else the TLB probe as elsewhere, which fills the
    /// slot ([`Stub::SiteMiss`]). A loop's site mostly reaches the pages
    /// it reached the last time round (its stack frame, its array, its
    /// list's nodes). Not outside loops: busybox's shell, whose many
    /// sites each reach many pages, ran its loop 30 % slower with every
    /// user site cached (misses, mispredicted, and slots shared). In a
    /// kernel's loops too (Linux's ECC, bignum and hash self-tests walk
    /// arrays on the stack): a Debian boot ran 3.4 % fewer host
    /// instructions in translated code with them. A store slot is only
    /// filled from an entry on the inline path (no flag on its page), and
    /// the cache is emptied when a page loses it.
    ///
    /// The compared value keeps va's misalignment bits (below `span`),
    /// which a slot's tag has clear, and only an aligned access fills a
    /// slot: an access that is not naturally aligned matches no tag (the
    /// TLB probe serves it), so no access that crosses a page is done with
    /// the delta of either page. The tag is the page alone: the slots
    /// are emptied whenever the privilege or the TLB's context changes
    /// (`Hart::refresh_site_cache`), so code translated in one mode and run
    /// in another (as a kernel can make it) finds none of the other's.
    /// An or of that context into the compared value made a matrix
    /// column walk's round 1.34 ns instead of 1.13 (host microbenchmark).
    ///
    /// `va`: the host register and displacement the va is the sum of, where
    /// the access addresses from them (rsi is then computed out of line
    /// only), else the va is in rsi.
    fn site_probe(&mut self, span: u16, store: bool, slow: DynamicLabel, va: Option<(u8, i32)>) {
        debug_assert!(span.is_power_of_two() && span <= 8);
        let slot = self.site_slot(store);
        let miss = self.a.new_dynamic_label();
        let access = self.a.new_dynamic_label();
        match va {
            None => dynasm!(self.a ; .arch x64 ; mov rcx, rsi),
            Some((h, 0)) => dynasm!(self.a ; .arch x64 ; mov rcx, Rq(h)),
            Some((h, d)) => dynasm!(self.a ; .arch x64 ; lea rcx, [Rq(h) + d]),
        }
        dynasm!(self.a
            ; .arch x64
            ; and rcx, -4096 | (i32::from(span) - 1)
            ; cmp rcx, [rbx + slot + SiteEntry::TAG]
            ; jne =>miss
            ; mov rcx, [rbx + slot + SiteEntry::HOST_DELTA]
            ; =>access
        );
        self.stubs.push(Stub::SiteMiss {
            label: miss,
            access,
            slot,
            store,
            span,
            slow,
            va,
        });
    }

    /// The offset in `Hart` of the current instruction's site-cache slot,
    /// from its guest address: the copies of an unrolled loop's load, and
    /// the translations that hold one instruction (a loop entered at
    /// several of its blocks), use one slot. A slot of its own each made
    /// a strided walk miss once per copy at every page it entered: a
    /// matrix's column walk (stride 256, loop unrolled four times) missed
    /// one time in four.
    fn site_slot(&self, store: bool) -> i32 {
        let h = (self.block_pa.wrapping_add(u64::from(self.inst_off)) >> 1)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let half = SITE_SLOTS / 2;
        let k = (h >> 40) as usize % half + usize::from(store) * half;
        SITE + (k * std::mem::size_of::<SiteEntry>()) as i32
    }

    /// The probe of loads and stores translated in M-mode with no locked
    /// PMP entry (firmware, bare-metal programs), where every RAM address
    /// may be read and written and is its own physical address: the bounds
    /// of RAM decide (stores then check the granule flags), and the access
    /// is `[rsi + rcx]` as after [`Self::tlb_probe`]. Where the hart does
    /// not translate that way when the code runs (MPRV, S-mode),
    /// [`Ctx::ram_span`] is 0 and every access takes the slow path.
    fn ram_probe(&mut self, slow: DynamicLabel) {
        match self.ram_disp {
            Some(d) => dynasm!(self.a ; .arch x64 ; lea rcx, [rsi + d]),
            None => dynasm!(self.a
                ; .arch x64
                ; mov rcx, rsi
                ; sub rcx, [rbx + L.ram_base]
            ),
        }
        dynasm!(self.a
            ; .arch x64
            ; cmp rcx, [rbx + L.ram_span]
            ; jae =>slow
            ; mov rcx, [rbx + L.delta_guess]
        );
    }

    /// rsi = x[rs1] + imm (the effective address of a load or store).
    fn address(&mut self, rs1: u8, imm: i32) {
        match self.loc(rs1) {
            Loc::Reg(h) if imm == 0 => dynasm!(self.a ; .arch x64 ; mov rsi, Rq(h)),
            Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; lea rsi, [Rq(h) + imm]),
            Loc::Mem(m) if imm == 0 => dynasm!(self.a ; .arch x64 ; mov rsi, [rbx + m]),
            Loc::Mem(m) => dynasm!(self.a
                ; .arch x64
                ; mov rsi, [rbx + m]
                ; add rsi, imm
            ),
        }
    }

    /// Flagged granules (code, watched) take `slow`: rcx holds the delta
    /// of the address in rsi. One access (at most 8 bytes) touches at most
    /// two 64-byte granules, a probe group's span (at most 512 bytes) at
    /// most 9: the check covers 2 or 16 from the first (the flag array has
    /// 16 zero bytes past its end for this).
    fn flag_check(&mut self, at: Operand, span: u16, slow: DynamicLabel) {
        let Operand { base, disp, .. } = at;
        if at.indexed {
            dynasm!(self.a ; .arch x64 ; lea rax, [Rq(base) + rcx + disp]);
        } else {
            dynasm!(self.a ; .arch x64 ; lea rax, [Rq(base) + disp]);
        }
        dynasm!(self.a
            ; .arch x64
            ; shr rax, FLAG_SHIFT as i8
            ; add rax, [rbx + L.flags_bias]
        );
        if span <= 8 {
            dynasm!(self.a ; .arch x64 ; cmp WORD [rax], 0 ; jne =>slow);
        } else {
            dynasm!(self.a
                ; .arch x64
                ; cmp QWORD [rax], 0
                ; jne =>slow
                ; cmp QWORD [rax + 8], 0
                ; jne =>slow
            );
        }
    }

    /// The probe of one access of `size` bytes at rsi: rcx = its host
    /// delta, or a jump to `slow`.
    fn probe(&mut self, size: u8, store: bool, slow: DynamicLabel) {
        if store {
            if self.loads == DataMode::Unchecked {
                self.ram_probe(slow);
                self.flag_check(Operand::VA, u16::from(size), slow);
            } else {
                // No flag check: the store TLB keeps flagged pages off
                // the inline path (`Hart::flag_code`).
                self.tlb_probe(u16::from(size), true, slow);
            }
        } else if self.loads == DataMode::Unchecked {
            self.ram_probe(slow);
        } else {
            self.tlb_probe(u16::from(size), false, slow);
        }
    }

    /// The operand of a load or store of `size` bytes at x[rs1] + imm,
    /// as its group role (taken from `mem_role`) wants, and binds `access`
    /// where a member's out-of-line probe comes back to. Also returns the
    /// register cache once the address is computed, and what the slow path
    /// computes rsi (the va) from where the operand's base is not rsi.
    fn mem_address(
        &mut self,
        (rs1, imm, size, store): (u8, i32, u8, bool),
        slow: DynamicLabel,
        access: DynamicLabel,
    ) -> (Operand, RegCache, Option<(u8, i32)>, SlowPath) {
        let unchecked = self.loads == DataMode::Unchecked;
        match self.mem_role.take() {
            None if unchecked => {
                let (op, regs, va) = self.ram_address(rs1, (imm, imm), L.ram_span, slow);
                if store {
                    self.flag_check(op, u16::from(size), slow);
                }
                dynasm!(self.a ; .arch x64 ; =>access);
                (op, regs, Some(va), SlowPath::Resume)
            }
            Some(Role::Leader {
                lo,
                span,
                store: group_stores,
                ..
            }) if unchecked => {
                let (op, regs, va) = self.ram_address(rs1, (imm, lo), L.group_span, slow);
                if group_stores {
                    let first = Operand {
                        disp: op.disp.wrapping_sub(imm).wrapping_add(lo),
                        ..op
                    };
                    self.flag_check(first, span, slow);
                }
                dynasm!(self.a ; .arch x64 ; =>access);
                (op, regs, Some(va), SlowPath::Exit)
            }
            Some(Role::Member { .. }) if unchecked => {
                let base = self.base_in_register(rs1);
                let regs = self.regs;
                let op = self.ram_operand(base, imm);
                dynasm!(self.a ; .arch x64 ; =>access);
                (op, regs, None, SlowPath::Never)
            }
            None => match self.loc(rs1) {
                // A loop's paged access through a cached base: the site
                // probe and the access address from it (no copy into rsi).
                Loc::Reg(h) if rs1 & 31 != 0 && self.site_probed(u16::from(size)) => {
                    let regs = self.regs;
                    self.site_probe(u16::from(size), store, slow, Some((h, imm)));
                    dynasm!(self.a ; .arch x64 ; =>access);
                    let at = Operand {
                        base: h,
                        indexed: true,
                        disp: imm,
                    };
                    (at, regs, Some((h, imm)), SlowPath::Resume)
                }
                // At a cached base itself (no offset) under paging: the
                // TLB probe reads the base register and the access
                // addresses from it, no copy into rsi (a pointer chase's
                // `ld a5, 0(a5)`, a byte loop's `lbu a3, 0(a4)`).
                Loc::Reg(h) if rs1 & 31 != 0 && imm == 0 && self.loads == DataMode::Paged => {
                    let regs = self.regs;
                    let tlb = self.tlb_entry_at(h, u16::from(size), store, slow);
                    dynasm!(self.a
                        ; .arch x64
                        ; mov rcx, [rbx + rax + tlb + TlbEntry::HOST_DELTA]
                        ; =>access
                    );
                    let at = Operand {
                        base: h,
                        indexed: true,
                        disp: 0,
                    };
                    (at, regs, Some((h, 0)), SlowPath::Resume)
                }
                _ => {
                    let regs = self.va_probe((rs1, imm, size, store), slow, access);
                    (Operand::VA, regs, None, SlowPath::Resume)
                }
            },
            Some(Role::Leader {
                lo,
                span,
                store: group_stores,
                slot,
            }) => {
                // Under paging, from a cached base as a lone access does
                // (no copy into rsi; the slow paths compute it): in a loop
                // through the site cache, elsewhere from the base itself
                // where the group starts there (a function's saves and
                // restores, a structure's fields from its start).
                let base = match self.loc(rs1) {
                    Loc::Reg(h) if rs1 & 31 != 0 && self.loads == DataMode::Paged => Some(h),
                    _ => None,
                };
                let regs = self.regs;
                // A span the TLB does not hold goes to the leader's own
                // slow path (`SlowPath::Group`), which probes it again
                // after the access.
                let from_base = match base {
                    Some(h) if self.site_probed(span) => {
                        self.site_probe(span, group_stores, slow, Some((h, lo)));
                        Some(h)
                    }
                    Some(h) if lo == 0 => {
                        let tlb = self.tlb_entry_at(h, span, group_stores, slow);
                        dynasm!(self.a
                            ; .arch x64
                            ; mov rcx, [rbx + rax + tlb + TlbEntry::HOST_DELTA]
                        );
                        Some(h)
                    }
                    _ => {
                        self.address(rs1, lo);
                        self.tlb_probe(span, group_stores, slow);
                        None
                    }
                };
                let store_at = self.a.offset().0;
                dynasm!(self.a ; .arch x64 ; mov [rbx + slot_offset(slot)], rcx);
                self.slot_stores.push(SlotStore {
                    code: store_at..self.a.offset().0,
                    slot,
                    read: false,
                });
                dynasm!(self.a ; .arch x64 ; =>access);
                let into = imm.wrapping_sub(lo);
                let info = helpers::group_info(slot, span, into as u16, group_stores);
                let (at, va) = match from_base {
                    Some(h) => (
                        Operand {
                            base: h,
                            indexed: true,
                            disp: imm,
                        },
                        (h, imm),
                    ),
                    None => (
                        Operand {
                            disp: into,
                            ..Operand::VA
                        },
                        (RSI, into),
                    ),
                };
                (at, regs, Some(va), SlowPath::Group { slot, info })
            }
            Some(Role::Member { slot }) => {
                // A member addresses from its base's host register where
                // it has one (a function's saves and restores are runs
                // of members). Its leader found the group's delta, or the
                // code left after the leader: a member checks nothing.
                let at = match self.loc(rs1) {
                    Loc::Reg(h) if rs1 & 31 != 0 => Operand {
                        base: h,
                        indexed: true,
                        disp: imm,
                    },
                    _ => {
                        self.address(rs1, imm);
                        Operand::VA
                    }
                };
                let regs = self.regs;
                if !self.chained(slot) {
                    // The latest leader of this slot is the member's own
                    // (a group's accesses come before the next group's).
                    if let Some(s) = self.slot_stores.iter_mut().rev().find(|s| s.slot == slot) {
                        s.read = true;
                    }
                    dynasm!(self.a ; .arch x64 ; mov rcx, [rbx + slot_offset(slot)]);
                }
                dynasm!(self.a ; .arch x64 ; =>access);
                (at, regs, None, SlowPath::Never)
            }
        }
    }

    /// Whether the member of group `slot` being emitted comes right after
    /// an access of its group, with nothing emitted in between but its own
    /// operands' loads (which leave rcx alone): rcx then holds the group's
    /// delta, which every access of a group leaves there (the leader's
    /// probe or its slow path, a member's load of the slot), and the
    /// member needs no instruction of its own. A function's saves and
    /// restores are such runs.
    fn chained(&self, slot: u8) -> bool {
        self.group_tail == Some((slot, self.op_start))
    }

    /// The va in rsi and its probe, binding `access` after it; returns
    /// the register cache once the address is computed.
    pub(super) fn va_probe(
        &mut self,
        (rs1, imm, size, store): (u8, i32, u8, bool),
        slow: DynamicLabel,
        access: DynamicLabel,
    ) -> RegCache {
        self.address(rs1, imm);
        let regs = self.regs;
        self.probe(size, store, slow);
        dynasm!(self.a ; .arch x64 ; =>access);
        regs
    }

    /// An M-mode access to x[rs1] + imm ([`DataMode::Unchecked`]): the
    /// bounds of RAM decide, as in [`Self::ram_probe`], but the access
    /// addresses RAM from the guest's base register itself, with the
    /// host's distance from guest-physical addresses folded into the
    /// displacement where it fits: no copy of the address into rsi and
    /// no load of the distance, on every access of firmware and
    /// bare-metal code. The slow path computes rsi itself.
    ///
    /// `(imm, from)`: the access's offset and the one whose distance into
    /// RAM is checked against the `limit` field of the context (a group
    /// leader checks its span's first byte against `Ctx::group_span`).
    fn ram_address(
        &mut self,
        rs1: u8,
        (imm, from): (i32, i32),
        limit: i32,
        slow: DynamicLabel,
    ) -> (Operand, RegCache, (u8, i32)) {
        let base = self.base_in_register(rs1);
        let regs = self.regs;
        match (
            self.ram_disp,
            self.ram_disp.and_then(|d| d.checked_add(from)),
        ) {
            (_, Some(d)) => dynasm!(self.a ; .arch x64 ; lea rcx, [Rq(base) + d]),
            // RAM at 0x8000_0000 and a negative offset: the sum does not
            // fit a displacement, the distance does as an immediate.
            (Some(d), None) => dynasm!(self.a
                ; .arch x64
                ; lea rcx, [Rq(base) + from]
                ; add rcx, d
            ),
            (None, None) => dynasm!(self.a
                ; .arch x64
                ; lea rcx, [Rq(base) + from]
                ; sub rcx, [rbx + L.ram_base]
            ),
        }
        dynasm!(self.a
            ; .arch x64
            ; cmp rcx, [rbx + limit]
            ; jae =>slow
        );
        (self.ram_operand(base, imm), regs, (base, imm))
    }

    /// The host register holding x[rs1]: its own, else rsi loaded.
    fn base_in_register(&mut self, rs1: u8) -> u8 {
        match self.loc(rs1) {
            Loc::Reg(h) => h,
            Loc::Mem(m) => {
                dynasm!(self.a ; .arch x64 ; mov rsi, [rbx + m]);
                RSI
            }
        }
    }

    /// The operand of an M-mode access to RAM at host register `base` +
    /// `imm` (guest-physical addresses, RAM mapped at their distance).
    fn ram_operand(&mut self, base: u8, imm: i32) -> Operand {
        match self.host_disp.and_then(|d| d.checked_add(imm)) {
            Some(disp) => Operand {
                base,
                indexed: false,
                disp,
            },
            None => {
                dynasm!(self.a ; .arch x64 ; mov rcx, [rbx + L.delta_guess]);
                Operand {
                    base,
                    indexed: true,
                    disp: imm,
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn load(&mut self, f: LoadFn, size: u8, signed: bool, rd: u8, rs1: u8, imm: i32, site: Site) {
        let fail = self.a.new_dynamic_label();
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        let access = self.a.new_dynamic_label();
        let (at, regs, va, after) = self.mem_address((rs1, imm, size, false), slow, access);
        // Straight into rd's host register if it has one (the slow path
        // moves the helper's result there).
        let to = match self.regs.host(rd) {
            Some(h) if rd & 31 != 0 => h,
            _ => RAX,
        };
        let Operand {
            base: b, disp: d, ..
        } = at;
        if at.indexed {
            match (size, signed) {
                (1, true) => dynasm!(self.a ; .arch x64 ; movsx Rq(to), BYTE [Rq(b) + rcx + d]),
                (1, false) => dynasm!(self.a ; .arch x64 ; movzx Rd(to), BYTE [Rq(b) + rcx + d]),
                (2, true) => dynasm!(self.a ; .arch x64 ; movsx Rq(to), WORD [Rq(b) + rcx + d]),
                (2, false) => dynasm!(self.a ; .arch x64 ; movzx Rd(to), WORD [Rq(b) + rcx + d]),
                (4, true) => dynasm!(self.a ; .arch x64 ; movsxd Rq(to), DWORD [Rq(b) + rcx + d]),
                (4, false) => dynasm!(self.a ; .arch x64 ; mov Rd(to), DWORD [Rq(b) + rcx + d]),
                _ => dynasm!(self.a ; .arch x64 ; mov Rq(to), QWORD [Rq(b) + rcx + d]),
            }
        } else {
            match (size, signed) {
                (1, true) => dynasm!(self.a ; .arch x64 ; movsx Rq(to), BYTE [Rq(b) + d]),
                (1, false) => dynasm!(self.a ; .arch x64 ; movzx Rd(to), BYTE [Rq(b) + d]),
                (2, true) => dynasm!(self.a ; .arch x64 ; movsx Rq(to), WORD [Rq(b) + d]),
                (2, false) => dynasm!(self.a ; .arch x64 ; movzx Rd(to), WORD [Rq(b) + d]),
                (4, true) => dynasm!(self.a ; .arch x64 ; movsxd Rq(to), DWORD [Rq(b) + d]),
                (4, false) => dynasm!(self.a ; .arch x64 ; mov Rd(to), DWORD [Rq(b) + d]),
                _ => dynasm!(self.a ; .arch x64 ; mov Rq(to), QWORD [Rq(b) + d]),
            }
        }
        dynasm!(self.a ; .arch x64 ; =>resume);
        self.set_rd(rd, to);
        let rax_into = (to == RAX && rd & 31 != 0).then_some(rd & 31);
        if let Some(resume) = self.slow_resume(after, resume, site, rax_into) {
            let call = self.slow_call(SlowCall::Load(f, to), after, (size, signed), site, rax_into);
            self.stubs.push(Stub::Slow {
                label: slow,
                resume,
                fail,
                call,
                regs,
                keep: std::mem::take(&mut self.keep),
                va,
            });
            self.stubs.push(Stub::Helper { label: fail, site });
        }
    }

    /// Where a load's or store's slow path goes on, as `after` says:
    /// `resume`, after the access; a stub that leaves the translation
    /// after it (an M-mode group's leader that failed its check, whose
    /// members check nothing); or nowhere, as there is no slow path (such
    /// a member). `rax_into`: the load's rd, if it has no host register
    /// (the code after the access stores rax there).
    fn slow_resume(
        &mut self,
        after: SlowPath,
        resume: DynamicLabel,
        site: Site,
        rax_into: Option<u8>,
    ) -> Option<DynamicLabel> {
        match after {
            SlowPath::Never => None,
            SlowPath::Resume | SlowPath::Group { .. } => Some(resume),
            SlowPath::Exit => Some(self.exit_after(site, rax_into, false)),
        }
    }

    /// A stub that leaves the translation after the access at `site`
    /// (see `Stub::Exit`), to the dispatcher if `group_failed`.
    fn exit_after(&mut self, site: Site, rax_into: Option<u8>, group_failed: bool) -> DynamicLabel {
        let out = self.a.new_dynamic_label();
        self.stubs.push(Stub::Exit {
            label: out,
            regs: self.regs,
            pc: site.next,
            retired: site.index + 1,
            keep: self.keep.clone(),
            rax_into,
            group_failed,
        });
        out
    }

    /// The slow path's call of a load or store (`plain`), or of its
    /// group leader's helper with the way out where the group's span
    /// failed (see [`SlowPath::Group`]). `rax_into` as for
    /// [`Self::slow_resume`].
    fn slow_call(
        &mut self,
        plain: SlowCall,
        after: SlowPath,
        (size, signed): (u8, bool),
        site: Site,
        rax_into: Option<u8>,
    ) -> SlowCall {
        let SlowPath::Group { slot, info } = after else {
            return plain;
        };
        let (reg, store) = match plain {
            SlowCall::Load(_, to) => (to, false),
            SlowCall::Store(_, rs2) => (rs2, true),
            // Only loads and stores lead groups.
            _ => return plain,
        };
        let exit = self.exit_after(site, rax_into, true);
        SlowCall::Group {
            f: helpers::group_fn(size, signed, store),
            reg,
            store,
            info,
            slot,
            exit,
        }
    }

    fn store(&mut self, f: StoreFn, size: u8, rs1: u8, rs2: u8, imm: i32, site: Site) {
        let fail = self.a.new_dynamic_label();
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        let access = self.a.new_dynamic_label();
        let value = if size <= 4 {
            self.loc32(rs2)
        } else {
            self.loc(rs2)
        };
        let (at, regs, va, after) = self.mem_address((rs1, imm, size, true), slow, access);
        // A cached value is stored straight from its host register (the
        // slow path reads it from `Hart::x` after the spill), x0 as an
        // immediate; rax is free once the probe is done.
        let value = match value {
            Loc::Reg(h) => Some(h),
            Loc::Mem(_) if rs2 & 31 == 0 => None,
            Loc::Mem(m) => {
                dynasm!(self.a ; .arch x64 ; mov rax, [rbx + m]);
                Some(RAX)
            }
        };
        let Operand {
            base: b, disp: d, ..
        } = at;
        match (value, size, at.indexed) {
            (Some(h), 1, true) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + rcx + d], Rb(h)),
            (Some(h), 2, true) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + rcx + d], Rw(h)),
            (Some(h), 4, true) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + rcx + d], Rd(h)),
            (Some(h), _, true) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + rcx + d], Rq(h)),
            (Some(h), 1, false) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + d], Rb(h)),
            (Some(h), 2, false) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + d], Rw(h)),
            (Some(h), 4, false) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + d], Rd(h)),
            (Some(h), _, false) => dynasm!(self.a ; .arch x64 ; mov [Rq(b) + d], Rq(h)),
            (None, 1, true) => dynasm!(self.a ; .arch x64 ; mov BYTE [Rq(b) + rcx + d], 0),
            (None, 2, true) => dynasm!(self.a ; .arch x64 ; mov WORD [Rq(b) + rcx + d], 0),
            (None, 4, true) => dynasm!(self.a ; .arch x64 ; mov DWORD [Rq(b) + rcx + d], 0),
            (None, _, true) => dynasm!(self.a ; .arch x64 ; mov QWORD [Rq(b) + rcx + d], 0),
            (None, 1, false) => dynasm!(self.a ; .arch x64 ; mov BYTE [Rq(b) + d], 0),
            (None, 2, false) => dynasm!(self.a ; .arch x64 ; mov WORD [Rq(b) + d], 0),
            (None, 4, false) => dynasm!(self.a ; .arch x64 ; mov DWORD [Rq(b) + d], 0),
            (None, _, false) => dynasm!(self.a ; .arch x64 ; mov QWORD [Rq(b) + d], 0),
        }
        dynasm!(self.a ; .arch x64 ; =>resume);
        if let Some(resume) = self.slow_resume(after, resume, site, None) {
            let call = self.slow_call(SlowCall::Store(f, rs2), after, (size, false), site, None);
            self.stubs.push(Stub::Slow {
                label: slow,
                resume,
                fail,
                call,
                regs,
                keep: std::mem::take(&mut self.keep),
                va,
            });
            self.stubs.push(Stub::Helper { label: fail, site });
        }
    }

    /// An A/F/D instruction through the interpreter's semantics (`op`
    /// must stay alive as long as the code).
    fn ext(&mut self, op: &Op, pc: u64, next: u64, index: usize) {
        // Registers a template unaware of the FP cache names go through
        // `Hart::f`.
        let unaware = fcache::uses(&op.inst).filter(|u| !u.aware());
        if let Some(u) = &unaware {
            self.fsync_before(u);
        }
        // The FP templates use rdx and rdi as scratch.
        self.reserve(SCRATCH);
        let inline = self.fp_inline(&op.inst, op.raw, Site { pc, next, index });
        self.release();
        if inline {
            if let Some(u) = &unaware {
                self.fsync_after(u);
            }
            return;
        }
        let fail = self.a.new_dynamic_label();
        // The helper reads and may write any x register.
        self.spill();
        if let Some((f, packed)) = fp::direct(&op.inst) {
            dynasm!(self.a
                ; .arch x64
                ; mov rdi, rbx
                ; mov rsi, QWORD packed as i64
                ; mov edx, op.raw as i32
                ; mov rax, QWORD f as usize as i64
                ; call rax
                ; test rdx, rdx
                ; jnz =>fail
            );
        } else if matches!(op.inst, Inst::SfenceVma { .. }) {
            let f: SfenceFn = helpers::sfence;
            dynasm!(self.a
                ; .arch x64
                ; mov rdi, rbx
                ; mov rsi, QWORD op as *const Op as i64
                ; mov rdx, QWORD pc as i64
                ; mov rax, QWORD f as usize as i64
                ; call rax
                ; test rdx, rdx
                ; jnz =>fail
            );
        } else {
            let f: ExtFn = if op.inst.is_system() {
                helpers::csr
            } else {
                helpers::ext
            };
            dynasm!(self.a
                ; .arch x64
                ; mov rdi, rbx
                ; mov rsi, QWORD op as *const Op as i64
                ; mov rax, QWORD f as usize as i64
                ; call rax
                ; test rdx, rdx
                ; jnz =>fail
            );
        }
        self.forget();
        self.stubs.push(Stub::Helper {
            label: fail,
            site: Site { pc, next, index },
        });
    }

    /// Division and remainder inline. The RISC-V special cases are taken
    /// out before the x86 instruction, which would fault on both: x/0
    /// (quotient all ones, remainder x) and divisor -1 for the signed forms
    /// (quotient -x, wrapping at MIN; remainder 0).
    fn divide(&mut self, rd: u8, rs1: u8, rs2: u8, kind: DivKind) {
        use DivKind::*;
        if rd == 0 {
            return;
        }
        let zero = self.a.new_dynamic_label();
        let minus1 = self.a.new_dynamic_label();
        let done = self.a.new_dynamic_label();
        let word = matches!(kind, Divw | Divuw | Remw | Remuw);
        let signed = matches!(kind, Div | Rem | Divw | Remw);
        let rem = matches!(kind, Rem | Remu | Remw | Remuw);
        // x86 division writes rdx.
        self.reserve(1 << RDX);
        let known = divisor::Kind { word, signed };
        if let Some(d) = self
            .divisors
            .of(rs2)
            .and_then(|v| divisor::usable(known, v))
        {
            // The dividend in rcx, as the division sees it.
            match (word, signed, self.loc32(rs1)) {
                (true, true, Loc::Reg(h)) => dynasm!(self.a ; .arch x64 ; movsxd rcx, Rd(h)),
                (true, true, Loc::Mem(m)) => {
                    dynasm!(self.a ; .arch x64 ; movsxd rcx, DWORD [rbx + m])
                }
                (true, false, _) => self.mov_to32(RCX, rs1),
                _ => self.mov_to(RCX, rs1),
            }
            self.divide_by(d, signed);
            if rem {
                match i32::try_from(d as i64) {
                    Ok(d) => dynasm!(self.a ; .arch x64 ; imul rdx, rax, d),
                    Err(_) => dynasm!(self.a
                        ; .arch x64
                        ; mov rdx, QWORD d as i64
                        ; imul rdx, rax
                    ),
                }
                // The remainder, in rcx.
                dynasm!(self.a ; .arch x64 ; sub rcx, rdx);
                if word {
                    dynasm!(self.a ; .arch x64 ; movsxd rcx, ecx);
                }
                self.release();
                self.set_rd(rd, RCX);
                return;
            }
            if word {
                dynasm!(self.a ; .arch x64 ; movsxd rax, eax);
            }
            self.release();
            self.set_rd(rd, RAX);
            return;
        }
        self.mov_to(RCX, rs2);
        self.mov_to(RAX, rs1);
        if word {
            dynasm!(self.a ; .arch x64 ; test ecx, ecx ; jz =>zero);
            if signed {
                dynasm!(self.a ; .arch x64 ; cmp ecx, -1 ; je =>minus1 ; cdq ; idiv ecx);
            } else {
                dynasm!(self.a ; .arch x64 ; xor edx, edx ; div ecx);
            }
            if rem {
                dynasm!(self.a ; .arch x64 ; movsxd rax, edx);
            } else {
                dynasm!(self.a ; .arch x64 ; movsxd rax, eax);
            }
        } else {
            dynasm!(self.a ; .arch x64 ; test rcx, rcx ; jz =>zero);
            if signed {
                dynasm!(self.a ; .arch x64 ; cmp rcx, -1 ; je =>minus1 ; cqo ; idiv rcx);
            } else {
                dynasm!(self.a ; .arch x64 ; xor edx, edx ; div rcx);
            }
            if rem {
                dynasm!(self.a ; .arch x64 ; mov rax, rdx);
            }
        }
        dynasm!(self.a ; .arch x64 ; jmp =>done ; =>zero);
        match (rem, word) {
            (false, _) => dynasm!(self.a ; .arch x64 ; mov rax, -1),
            (true, false) => {}
            (true, true) => dynasm!(self.a ; .arch x64 ; movsxd rax, eax),
        }
        dynasm!(self.a ; .arch x64 ; jmp =>done ; =>minus1);
        match (rem, word) {
            (true, _) => dynasm!(self.a ; .arch x64 ; xor eax, eax),
            (false, false) => dynasm!(self.a ; .arch x64 ; neg rax),
            (false, true) => dynasm!(self.a ; .arch x64 ; neg eax ; movsxd rax, eax),
        }
        dynasm!(self.a ; .arch x64 ; =>done);
        self.release();
        self.set_rd(rd, RAX);
    }

    /// The quotient of the dividend in rcx by `d` (see [`divisor`]) into
    /// rax, rcx left as it is; rdx clobbered.
    fn divide_by(&mut self, d: u64, signed: bool) {
        use divisor::Unsigned;
        if signed {
            let g = divisor::signed(d as i64);
            dynasm!(self.a ; .arch x64 ; mov rax, QWORD g.m ; imul rcx);
            match g.add {
                1 => dynasm!(self.a ; .arch x64 ; add rdx, rcx),
                -1 => dynasm!(self.a ; .arch x64 ; sub rdx, rcx),
                _ => {}
            }
            if g.s > 0 {
                dynasm!(self.a ; .arch x64 ; sar rdx, g.s as i8);
            }
            // Towards zero: one more for a negative quotient.
            dynasm!(self.a ; .arch x64 ; mov rax, rdx ; shr rax, 63 ; add rax, rdx);
            return;
        }
        match divisor::unsigned(d) {
            Unsigned::Shift(k) => dynasm!(self.a ; .arch x64 ; mov rax, rcx ; shr rax, k as i8),
            Unsigned::Mul { m, s } => {
                dynasm!(self.a ; .arch x64 ; mov rax, QWORD m as i64 ; mul rcx);
                if s > 0 {
                    dynasm!(self.a ; .arch x64 ; shr rdx, s as i8);
                }
                dynasm!(self.a ; .arch x64 ; mov rax, rdx);
            }
            Unsigned::MulAdd { m, s } => {
                dynasm!(self.a
                    ; .arch x64
                    ; mov rax, QWORD m as i64
                    ; mul rcx
                    ; mov rax, rcx
                    ; sub rax, rdx
                    ; shr rax, 1
                    ; add rax, rdx
                );
                if s > 0 {
                    dynasm!(self.a ; .arch x64 ; shr rax, s as i8);
                }
            }
            Unsigned::AtLeast => dynasm!(self.a
                ; .arch x64
                ; mov rdx, QWORD d as i64
                ; xor eax, eax
                ; cmp rcx, rdx
                ; setae al
            ),
        }
    }

    /// Compare x[rs1] with x[rs2] (flags as `cmp x[rs1], x[rs2]`).
    fn compare(&mut self, rs1: u8, rs2: u8) {
        if self.is_narrow(rs1) && self.is_narrow(rs2) {
            return self.compare32(rs1, rs2);
        }
        let b = self.loc(rs2);
        match (self.loc(rs1), b) {
            (Loc::Reg(x), Loc::Reg(y)) => dynasm!(self.a ; .arch x64 ; cmp Rq(x), Rq(y)),
            (Loc::Reg(x), Loc::Mem(_)) if rs2 == 0 => {
                dynasm!(self.a ; .arch x64 ; test Rq(x), Rq(x))
            }
            (Loc::Reg(x), Loc::Mem(m)) => dynasm!(self.a ; .arch x64 ; cmp Rq(x), [rbx + m]),
            (Loc::Mem(m), Loc::Reg(y)) => dynasm!(self.a ; .arch x64 ; cmp [rbx + m], Rq(y)),
            (Loc::Mem(_), Loc::Mem(m)) => {
                self.mov_to(RAX, rs1);
                dynasm!(self.a ; .arch x64 ; cmp rax, [rbx + m]);
            }
        }
    }

    /// [`Self::compare`] of two narrow values (each the sign extension of
    /// its low half): their low halves compare as they do, signed and
    /// unsigned (sign extension keeps both orders), and a 32-bit result
    /// left unextended stays so (an `int` loop counter's `addiw` and
    /// `bne` need no `movsxd` in between).
    fn compare32(&mut self, rs1: u8, rs2: u8) {
        let b = self.loc32(rs2);
        match (self.loc32(rs1), b) {
            (Loc::Reg(x), Loc::Reg(y)) => dynasm!(self.a ; .arch x64 ; cmp Rd(x), Rd(y)),
            (Loc::Reg(x), Loc::Mem(_)) if rs2 & 31 == 0 => {
                dynasm!(self.a ; .arch x64 ; test Rd(x), Rd(x))
            }
            (Loc::Reg(x), Loc::Mem(m)) => dynasm!(self.a ; .arch x64 ; cmp Rd(x), DWORD [rbx + m]),
            (Loc::Mem(m), Loc::Reg(y)) => dynasm!(self.a ; .arch x64 ; cmp DWORD [rbx + m], Rd(y)),
            (Loc::Mem(_), Loc::Mem(m)) => {
                self.mov_to32(RAX, rs1);
                dynasm!(self.a ; .arch x64 ; cmp eax, DWORD [rbx + m]);
            }
        }
    }

    /// The operands and offset of a conditional branch.
    fn branch_operands(inst: &Inst) -> Option<(u8, u8, i32)> {
        match *inst {
            Inst::Beq { rs1, rs2, imm }
            | Inst::Bne { rs1, rs2, imm }
            | Inst::Blt { rs1, rs2, imm }
            | Inst::Bge { rs1, rs2, imm }
            | Inst::Bltu { rs1, rs2, imm }
            | Inst::Bgeu { rs1, rs2, imm } => Some((rs1, rs2, imm)),
            _ => None,
        }
    }

    /// Compare a conditional branch's operands and jump to `label` when
    /// it is taken (`when` true) or not taken (`when` false).
    fn branch_to(&mut self, inst: &Inst, when: bool, label: DynamicLabel) {
        let Some((rs1, rs2, _)) = Self::branch_operands(inst) else {
            return;
        };
        let on_zero = matches!(inst, Inst::Beq { .. } | Inst::Bne { .. }) && rs2 & 31 == 0;
        if !(on_zero && self.zero_flag_of(rs1)) {
            self.compare(rs1, rs2);
        }
        self.jcc(inst, when, label);
    }

    /// The jump of a conditional branch on flags already set by
    /// [`Self::compare`]: to `label` when taken (`when` true) or not.
    fn jcc(&mut self, inst: &Inst, when: bool, label: DynamicLabel) {
        match (inst, when) {
            (Inst::Beq { .. }, true) | (Inst::Bne { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; je =>label)
            }
            (Inst::Bne { .. }, true) | (Inst::Beq { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; jne =>label)
            }
            (Inst::Blt { .. }, true) | (Inst::Bge { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; jl =>label)
            }
            (Inst::Bge { .. }, true) | (Inst::Blt { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; jge =>label)
            }
            (Inst::Bltu { .. }, true) | (Inst::Bgeu { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; jb =>label)
            }
            _ => dynasm!(self.a ; .arch x64 ; jae =>label),
        }
    }

    /// `dst = src` when a conditional branch whose operands set the flags
    /// (see [`Self::compare`]) is taken (`when` true) or not taken.
    fn cmov(&mut self, inst: &Inst, when: bool, dst: u8, src: u8) {
        match (inst, when) {
            (Inst::Beq { .. }, true) | (Inst::Bne { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmove Rq(dst), Rq(src))
            }
            (Inst::Bne { .. }, true) | (Inst::Beq { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovne Rq(dst), Rq(src))
            }
            (Inst::Blt { .. }, true) | (Inst::Bge { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovl Rq(dst), Rq(src))
            }
            (Inst::Bge { .. }, true) | (Inst::Blt { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovge Rq(dst), Rq(src))
            }
            (Inst::Bltu { .. }, true) | (Inst::Bgeu { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovb Rq(dst), Rq(src))
            }
            _ => dynasm!(self.a ; .arch x64 ; cmovae Rq(dst), Rq(src)),
        }
    }

    /// [`Self::cmov`] from `[rbx + src]`.
    fn cmov_mem(&mut self, inst: &Inst, when: bool, dst: u8, src: i32) {
        match (inst, when) {
            (Inst::Beq { .. }, true) | (Inst::Bne { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmove Rq(dst), [rbx + src])
            }
            (Inst::Bne { .. }, true) | (Inst::Beq { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovne Rq(dst), [rbx + src])
            }
            (Inst::Blt { .. }, true) | (Inst::Bge { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovl Rq(dst), [rbx + src])
            }
            (Inst::Bge { .. }, true) | (Inst::Blt { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovge Rq(dst), [rbx + src])
            }
            (Inst::Bltu { .. }, true) | (Inst::Bgeu { .. }, false) => {
                dynasm!(self.a ; .arch x64 ; cmovb Rq(dst), [rbx + src])
            }
            _ => dynasm!(self.a ; .arch x64 ; cmovae Rq(dst), [rbx + src]),
        }
    }

    /// [`Self::if_converted`] of skipped instructions that write several
    /// registers (`written`, bits), or one not in a host register: each
    /// one's old value is kept in `Ctx::select_old` (a store), and the
    /// select takes it back from there (a `cmov` from memory; through rax
    /// for a register in `Hart::x`). An unrolled CRC's bit test guards a
    /// constant made in two instructions, an `xor` and a 16-bit zero
    /// extension (five instructions, five registers): CoreMark built with
    /// `-O3 -funroll-loops` spent a third of its time in `crcu32`'s
    /// mispredicted branches.
    fn if_converted_many(
        &mut self,
        branch: &Inst,
        (skipped, narrow): (&[Op], &[u32]),
        pc: u64,
        written: u32,
    ) {
        const COUNTED: u8 = 6; // rsi
        let Some((rs1, rs2, _)) = Self::branch_operands(branch) else {
            return;
        };
        let regs: Vec<u8> = (1..32u8).filter(|r| written & 1 << r != 0).collect();
        debug_assert!(regs.len() <= SELECT_SLOTS);
        let slot = |k: usize| L.select_old + 8 * k as i32;
        for (k, &r) in regs.iter().enumerate() {
            match self.loc(r) {
                Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov [rbx + slot(k)], Rq(h)),
                Loc::Mem(m) => dynasm!(self.a
                    ; .arch x64
                    ; mov rax, [rbx + m]
                    ; mov [rbx + slot(k)], rax
                ),
            }
        }
        for (op, &n) in skipped.iter().zip(narrow) {
            let ipc = pc.wrapping_add(u64::from(op.off));
            self.narrow = n;
            self.simple(&op.inst, ipc, ipc.wrapping_add(u64::from(op.len)), 0);
        }
        // Every register extended (and the compare's operands located)
        // before the flags are set: nothing after the compare may
        // change them.
        let locs: Vec<Loc> = regs.iter().map(|&r| self.loc(r)).collect();
        // An operand the instructions wrote (the other one is x0, see
        // `hammock`) is compared in its old value.
        let old = |r: u8| regs.iter().position(|&w| w == r & 31 && r & 31 != 0);
        let (kept1, kept2) = (old(rs1), old(rs2));
        if kept1.is_none() {
            self.loc(rs1);
        }
        if kept2.is_none() {
            self.loc(rs2);
        }
        dynasm!(self.a
            ; .arch x64
            ; lea Rq(COUNTED), [Rq(PENDING) + skipped.len() as i32]
        );
        match (kept1, kept2) {
            (Some(k), _) => dynasm!(self.a ; .arch x64 ; cmp QWORD [rbx + slot(k)], 0),
            (_, Some(k)) => dynasm!(self.a
                ; .arch x64
                ; xor eax, eax
                ; cmp rax, [rbx + slot(k)]
            ),
            _ => self.compare(rs1, rs2),
        }
        for (k, loc) in locs.into_iter().enumerate() {
            match loc {
                Loc::Reg(h) => self.cmov_mem(branch, true, h, slot(k)),
                Loc::Mem(m) => {
                    dynasm!(self.a ; .arch x64 ; mov rax, [rbx + m]);
                    self.cmov_mem(branch, true, RAX, slot(k));
                    dynasm!(self.a ; .arch x64 ; mov [rbx + m], rax);
                }
            }
        }
        self.cmov(branch, false, PENDING, COUNTED);
    }

    /// A forward branch over `skipped` (instructions that only compute
    /// cached register `rd`, see [`hammock`]) without a jump: they run
    /// anyway, and the branch's outcome selects `rd`'s old or new value
    /// and the count retired. A branch on data the predictor cannot
    /// learn (a CRC's bit test) costs a mispredict half the time; this
    /// costs a few instructions. The branch itself is counted already.
    fn if_converted(
        &mut self,
        branch: &Inst,
        (skipped, narrow): (&[Op], &[u32]),
        pc: u64,
        rd: u8,
        h: u8,
    ) {
        const OLD: u8 = RDI;
        const COUNTED: u8 = 6; // rsi
        let Some((rs1, rs2, _)) = Self::branch_operands(branch) else {
            return;
        };
        debug_assert_ne!(h, OLD, "not if-converted (see `translate`)");
        // The old value goes to rdi if that is free, else to
        // `Ctx::select_old`: taking rdi from the guest register it holds
        // costs a write-back and a reload (in a loop, each time round:
        // the kernel's `mpihelp_submul_1` carries a register there).
        let in_memory = (1..32u8).any(|r| self.regs.loaded(r) == Some(OLD));
        if !in_memory {
            self.reserve(1 << OLD);
        }
        // The old value the select may keep, extended: the select's
        // result counts as extended.
        self.loc(rd);
        if in_memory {
            dynasm!(self.a ; .arch x64 ; mov [rbx + L.select_old], Rq(h));
        } else {
            dynasm!(self.a ; .arch x64 ; mov Rq(OLD), Rq(h));
        }
        for (op, &n) in skipped.iter().zip(narrow) {
            let ipc = pc.wrapping_add(u64::from(op.off));
            self.narrow = n;
            self.simple(&op.inst, ipc, ipc.wrapping_add(u64::from(op.len)), 0);
        }
        // Extended before the select: the old value it may keep is any
        // 64-bit value, which a later sign extension would clobber.
        self.loc(rd);
        // One instruction skipped under an unsigned compare: the count
        // retired takes the compare's carry (`compare` leaves CF = rs1 <
        // rs2 unsigned, whatever form it takes), no `lea` and `cmov`.
        let by_carry =
            skipped.len() == 1 && matches!(branch, Inst::Bltu { .. } | Inst::Bgeu { .. });
        if !by_carry {
            dynasm!(self.a
                ; .arch x64
                ; lea Rq(COUNTED), [Rq(PENDING) + skipped.len() as i32]
            );
        }
        self.compare(rs1, rs2);
        if in_memory {
            self.cmov_mem(branch, true, h, L.select_old);
        } else {
            self.cmov(branch, true, h, OLD);
            self.release();
        }
        match branch {
            // Not taken (the instruction retired) when rs1 < rs2: + CF.
            Inst::Bgeu { .. } if by_carry => dynasm!(self.a ; .arch x64 ; adc Rq(PENDING), 0),
            // Not taken when rs1 >= rs2: + 1 - CF.
            Inst::Bltu { .. } if by_carry => dynasm!(self.a ; .arch x64 ; sbb Rq(PENDING), -1),
            _ => self.cmov(branch, false, PENDING, COUNTED),
        }
        debug_assert_eq!(self.regs.host(rd), Some(h));
    }

    /// A conditional branch ending the block: both sides leave it.
    fn branch(&mut self, inst: &Inst, pc: u64, next: u64, retired: usize) {
        let Some((rs1, rs2, imm)) = Self::branch_operands(inst) else {
            return;
        };
        let target = pc.wrapping_add(imm as i64 as u64);
        let other = self.a.new_dynamic_label();
        if self.regs.virt != 0 {
            // Computing virtual registers sets flags: before the compare
            // (which reads none of them).
            self.write_back_all();
            self.compare(rs1, rs2);
        } else {
            self.compare(rs1, rs2);
            // Stores leave the flags alone.
            self.write_back_all();
        }
        self.jcc(inst, true, other);
        self.exit_direct(next, retired);
        dynasm!(self.a ; .arch x64 ; =>other);
        self.exit_direct(target, retired);
    }

    /// A conditional branch in the middle of a block whose taken side
    /// leaves it; the block goes on when it is not taken. `retired`
    /// counts the branch.
    fn side_exit(&mut self, inst: &Inst, pc: u64, retired: usize) {
        let Some((_, _, imm)) = Self::branch_operands(inst) else {
            return;
        };
        let target = pc.wrapping_add(imm as i64 as u64);
        let label = self.a.new_dynamic_label();
        self.branch_to(inst, true, label);
        // Out of line: the way that stays falls through.
        self.stubs.push(Stub::Exit {
            label,
            regs: self.regs,
            pc: target,
            retired,
            keep: Vec::new(),
            rax_into: None,
            group_failed: false,
        });
        self.last_store = None;
    }

    /// Before an instruction at `pc` that straddles its page's end (the
    /// translation's last, see [`straddles`]): the translation holds its
    /// first half, flagged as code with the rest of the page, but its
    /// second half, `hi`, lies on the next page, whose mapping may change
    /// and whose bytes are not flagged. So each time round the fetch TLB
    /// must map the next page to RAM under the current context, as the
    /// interpreter's fetch would find it, and hold `hi` there; else the
    /// translation leaves before the instruction, for the dispatcher's
    /// translation of it alone (`straddle`: fetched and run as the
    /// interpreter does, faults included).
    fn straddle_guard(&mut self, pc: u64, hi: u16, retired: usize) {
        let page = pc.wrapping_add(2);
        let index = (page >> 12) as usize & (TLB_SIZE - 1);
        let entry = FETCH_TLB + (index * ENTRY_BYTES) as i32;
        let ok = self.a.new_dynamic_label();
        let failed = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; mov rax, QWORD page as i64
            ; mov rcx, rax
            ; or rcx, [rbx + L.tag_fetch]
            ; cmp rcx, [rbx + entry + TlbEntry::RAM_TAG]
            ; jne =>failed
            ; add rax, [rbx + entry + TlbEntry::HOST_DELTA]
            ; cmp WORD [rax], hi as i16
            ; je =>ok
            ; =>failed
        );
        // As a side exit's: the state stays that of the path that stays.
        self.write_back_all();
        self.exit_direct(pc, retired);
        dynasm!(self.a ; .arch x64 ; =>ok);
        self.last_store = None;
    }

    /// A chain entry's checks, either of which jumps to `out`: the
    /// instruction budget (the retired count pending in rbp against what
    /// is left of it) and the signal word under the interrupt/request
    /// mask. In line, one compare of rbp with `Ctx::check_at`; the checks
    /// proper are made out of line when rbp reaches it, every
    /// [`CHECK_EVERY`] instructions or at the budget's end, whichever
    /// comes first.
    fn entry_checks(&mut self, out: DynamicLabel) {
        let label = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        // The count reached check_at when rbp is no longer negative: the
        // sign flag of the add just before, if nothing else came between.
        if self.pending_flags != Some(self.a.offset().0) {
            dynasm!(self.a ; .arch x64 ; test Rq(PENDING), Rq(PENDING));
        }
        dynasm!(self.a
            ; .arch x64
            ; jns =>label
            ; =>resume
        );
        self.stubs.push(Stub::Check { label, resume, out });
    }

    /// At the entry, before any register is cached: on to `failed` unless
    /// each register of `guess` holds a narrow value (see [`narrow`]).
    fn check_guesses(&mut self, guess: u32, failed: DynamicLabel) {
        let mut g = guess & !1;
        while g != 0 {
            let r = g.trailing_zeros() as u8;
            g &= g - 1;
            dynasm!(self.a
                ; .arch x64
                ; movsxd rax, DWORD [rbx + xo(r)]
                ; cmp rax, [rbx + xo(r)]
                ; jne =>failed
            );
        }
    }

    /// On a way into a loop from before it (see
    /// [`narrow::plan_guarded`]): back to the dispatcher at the loop's
    /// label `pc` unless each register of `guard` holds a narrow value.
    /// The registers are read where the state has them; the way out
    /// writes the state back with the guarded ones as they are, whole
    /// values whatever the label's canonical state calls them (they are
    /// not narrow there: the check failed).
    fn check_guards(&mut self, guard: u32, pc: u64) {
        let guard = guard & !1;
        if guard == 0 {
            return;
        }
        let failed = self.a.new_dynamic_label();
        let ok = self.a.new_dynamic_label();
        let mut g = guard;
        while g != 0 {
            let r = g.trailing_zeros() as u8;
            g &= g - 1;
            match self.regs.loaded(r) {
                Some(h) => dynasm!(self.a
                    ; .arch x64
                    ; movsxd rax, Rd(h)
                    ; cmp rax, Rq(h)
                    ; jne =>failed
                ),
                None => dynasm!(self.a
                    ; .arch x64
                    ; movsxd rax, DWORD [rbx + xo(r)]
                    ; cmp rax, [rbx + xo(r)]
                    ; jne =>failed
                ),
            }
        }
        dynasm!(self.a ; .arch x64 ; jmp =>ok ; =>failed);
        let state = self.regs.whole(guard);
        self.write_back(&state);
        dynasm!(self.a ; .arch x64 ; mov DWORD [rbx + L.guard_regs], guard as i32);
        self.leave_to_retranslate(pc, FALLBACK_GUARD_FAILED);
        dynasm!(self.a ; .arch x64 ; =>ok);
        // The checks used rax and the flags.
        self.last_store = None;
        self.zero_flag = None;
        self.pending_flags = None;
    }

    /// At the entry, before any register is cached: on to `failed`
    /// unless each register of `divisors` holds its value.
    fn check_divisors(&mut self, divisors: divisor::Divisors, failed: DynamicLabel) {
        for (r, v) in divisors.0 {
            if r == 0 {
                continue;
            }
            match i32::try_from(v as i64) {
                Ok(imm) => dynasm!(self.a ; .arch x64 ; cmp QWORD [rbx + xo(r)], imm),
                Err(_) => dynasm!(self.a
                    ; .arch x64
                    ; mov rax, QWORD v as i64
                    ; cmp [rbx + xo(r)], rax
                ),
            }
            dynasm!(self.a ; .arch x64 ; jne =>failed);
        }
    }

    /// Where an entry's guess failed (nothing done yet): back to the
    /// dispatcher, which runs the block at `pc` in the interpreter and has
    /// the code translated again without guesses.
    /// Out to the dispatcher at guest pc `pc`, naming this translation
    /// (`Ctx::guard_pa`) for it to make again, and why (`FALLBACK_*`).
    fn leave_to_retranslate(&mut self, pc: u64, why: u64) {
        dynasm!(self.a
            ; .arch x64
            ; mov rax, QWORD pc as i64
            ; mov [rbx + L.pc], rax
            ; mov rax, QWORD self.block_pa as i64
            ; mov [rbx + L.guard_pa], rax
            ; mov QWORD [rbx + L.fallback], why as i32
            ; mov eax, RET_CONTINUE
        );
        self.jmp_epilogue();
    }

    fn guess_failed_exit(&mut self, failed: DynamicLabel, pc: u64, why: u64) {
        dynasm!(self.a
            ; .arch x64
            ; =>failed
            ; mov rax, QWORD pc as i64
            ; mov [rbx + L.pc], rax
            ; mov QWORD [rbx + L.fallback], why as i32
            ; mov eax, RET_CONTINUE
        );
        self.jmp_epilogue();
    }

    /// Pad with no-ops to the next [`LOOP_ALIGN`] boundary: the top of a
    /// loop, which the code reaches once by falling into it and every time
    /// round by a jump. Where a loop started in its fetch block moved the
    /// fp guest's speed by 4 %. Counted from the code's start, which the
    /// code cache aligns as much, so that relocated code stays the same.
    fn align_loop_head(&mut self) {
        let at = self.a.offset().0;
        let mut pad = vec![0; at.wrapping_neg() % LOOP_ALIGN];
        fill_nop(&mut pad);
        self.a.extend(pad);
    }

    /// A jump back to `label` (guest pc `target`) inside the block, in
    /// the canonical state and with the retired count up to date: with
    /// the checks of a chain entry, so that every loop inside a
    /// translation still ends at the budget and takes interrupts; when
    /// one fails, the block leaves for the dispatcher at `target`.
    fn back_edge(&mut self, label: DynamicLabel, target: u64) {
        let out = self.a.new_dynamic_label();
        self.entry_checks(out);
        dynasm!(self.a ; .arch x64 ; jmp =>label ; =>out);
        self.leave_at(target);
    }

    /// Back to the dispatcher at guest pc `target`, the registers written
    /// back (a back edge whose checks failed).
    fn leave_at(&mut self, target: u64) {
        self.write_back_all();
        dynasm!(self.a
            ; .arch x64
            ; mov rax, QWORD target as i64
            ; mov [rbx + L.pc], rax
            ; mov eax, RET_CONTINUE
        );
        self.jmp_epilogue();
    }

    /// A conditional branch back to `label` (guest pc `target`), in the
    /// canonical state: the chain entry's checks come first, on both ways
    /// (the count is up to date either way), so that the branch itself
    /// jumps back. A branch over a [`Self::back_edge`] took two jumps a
    /// round, this takes one. When a check fails, the branch is decided
    /// again out of line (`Stub::BackFailed`): taken, the block leaves
    /// for the dispatcher at `target`; not taken, it goes on as if
    /// nothing failed (the next exit or back edge meets the same check).
    /// The way out of the loop falls through.
    fn back_branch(&mut self, inst: &Inst, label: DynamicLabel, target: u64) {
        let failed = self.a.new_dynamic_label();
        let stay = self.a.new_dynamic_label();
        self.entry_checks(failed);
        self.stubs.push(Stub::BackFailed {
            label: failed,
            regs: self.regs,
            narrow: self.narrow,
            inst: *inst,
            stay,
            target,
        });
        self.branch_to(inst, true, label);
        dynasm!(self.a ; .arch x64 ; =>stay);
    }

    /// One non-control-flow instruction at `pc` (index `i` in the block).
    // Keeping the `rd != 0` test inside each arm keeps one template per arm.
    #[allow(clippy::collapsible_match)]
    fn simple(&mut self, inst: &Inst, pc: u64, next: u64, i: usize) {
        use Inst::*;
        let site = Site { pc, next, index: i };
        match *inst {
            Lui { rd, imm } => {
                self.kept_rax = self.regs.host(rd).is_some();
                self.set_rd_imm(rd, imm);
            }
            Auipc { rd, imm } => {
                if rd != 0 {
                    let v = pc.wrapping_add(imm as i64 as u64);
                    let d = self.dst(rd);
                    dynasm!(self.a ; .arch x64 ; mov Rq(d), QWORD v as i64);
                    self.set_rd(rd, d);
                }
            }
            Lb { rd, rs1, imm } => self.load(helpers::load::<1, true>, 1, true, rd, rs1, imm, site),
            Lh { rd, rs1, imm } => self.load(helpers::load::<2, true>, 2, true, rd, rs1, imm, site),
            Lw { rd, rs1, imm } => self.load(helpers::load::<4, true>, 4, true, rd, rs1, imm, site),
            Ld { rd, rs1, imm } => {
                self.load(helpers::load::<8, false>, 8, false, rd, rs1, imm, site)
            }
            Lbu { rd, rs1, imm } => {
                self.load(helpers::load::<1, false>, 1, false, rd, rs1, imm, site)
            }
            Lhu { rd, rs1, imm } => {
                self.load(helpers::load::<2, false>, 2, false, rd, rs1, imm, site)
            }
            Lwu { rd, rs1, imm } => {
                self.load(helpers::load::<4, false>, 4, false, rd, rs1, imm, site)
            }
            Sb { rs1, rs2, imm } => self.store(helpers::store::<1>, 1, rs1, rs2, imm, site),
            Sh { rs1, rs2, imm } => self.store(helpers::store::<2>, 2, rs1, rs2, imm, site),
            Sw { rs1, rs2, imm } => self.store(helpers::store::<4>, 4, rs1, rs2, imm, site),
            Sd { rs1, rs2, imm } => self.store(helpers::store::<8>, 8, rs1, rs2, imm, site),
            Addi { rd, rs1, imm } => self.alu_imm(rd, rs1, imm, Alu::Add),
            Slti { rd, rs1, imm } | Sltiu { rd, rs1, imm } => {
                if rd != 0 {
                    match self.loc(rs1) {
                        Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; cmp Rq(h), imm),
                        Loc::Mem(m) => dynasm!(self.a ; .arch x64 ; cmp QWORD [rbx + m], imm),
                    }
                    self.set_rd_less(rd, matches!(inst, Slti { .. }));
                }
            }
            Xori { rd, rs1, imm } => self.alu_imm(rd, rs1, imm, Alu::Xor),
            Ori { rd, rs1, imm } => self.alu_imm(rd, rs1, imm, Alu::Or),
            Andi { rd, rs1, imm } => self.alu_imm(rd, rs1, imm, Alu::And),
            Slli { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 0, false),
            Srli { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 1, false),
            Srai { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 2, false),
            Slliw { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 0, true),
            Srliw { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 1, true),
            Sraiw { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 2, true),
            Addiw { rd, rs1, imm } => {
                if rd != 0 {
                    let d = self.dst(rd);
                    self.kept_rax = d != RAX;
                    match (imm, self.loc32(rs1)) {
                        // sext.w of a narrow value: a move.
                        (0, _) if self.is_narrow(rs1) => self.mov_reg(rd, rs1),
                        // sext.w
                        (0, Loc::Reg(h)) => {
                            dynasm!(self.a ; .arch x64 ; movsxd Rq(d), Rd(h));
                            self.set_rd(rd, d);
                        }
                        (0, Loc::Mem(m)) => {
                            dynasm!(self.a ; .arch x64 ; movsxd Rq(d), DWORD [rbx + m]);
                            self.set_rd(rd, d);
                        }
                        _ => {
                            self.mov_to32(d, rs1);
                            dynasm!(self.a ; .arch x64 ; add Rd(d), imm);
                            self.set_rd_w(rd, d);
                            self.sets_zero_flag(rd, d);
                        }
                    }
                }
            }
            Add { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Add, false),
            Sub { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Sub, false),
            Xor { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Xor, false),
            Or { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Or, false),
            And { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::And, false),
            Mul { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Mul, false),
            Addw { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Add, true),
            Subw { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Sub, true),
            Mulw { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, Alu::Mul, true),
            Slt { rd, rs1, rs2 } => self.set_less(rd, rs1, rs2, true),
            Sltu { rd, rs1, rs2 } => self.set_less(rd, rs1, rs2, false),
            Sll { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 0, false),
            Srl { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 1, false),
            Sra { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 2, false),
            Sllw { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 0, true),
            Srlw { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 1, true),
            Sraw { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 2, true),
            Mulh { rd, rs1, rs2 } | Mulhu { rd, rs1, rs2 } | Mulhsu { rd, rs1, rs2 } => {
                if rd != 0 {
                    // The one-operand multiply writes rdx.
                    self.reserve(1 << RDX);
                    let b = self.loc(rs2);
                    self.mov_to(RAX, rs1);
                    match (inst, b) {
                        (Mulh { .. }, Loc::Reg(h)) => dynasm!(self.a ; .arch x64 ; imul Rq(h)),
                        (Mulh { .. }, Loc::Mem(m)) => {
                            dynasm!(self.a ; .arch x64 ; imul QWORD [rbx + m])
                        }
                        (_, Loc::Reg(h)) => dynasm!(self.a ; .arch x64 ; mul Rq(h)),
                        (_, Loc::Mem(m)) => dynasm!(self.a ; .arch x64 ; mul QWORD [rbx + m]),
                    }
                    if matches!(inst, Mulhsu { .. }) {
                        // hi(signed a * unsigned b) = hi_u(a, b) - (a < 0 ? b : 0)
                        self.mov_to(RCX, rs1);
                        dynasm!(self.a ; .arch x64 ; sar rcx, 63);
                        self.alu_op(Alu::And, false, RCX, b);
                        dynasm!(self.a ; .arch x64 ; sub rdx, rcx);
                    }
                    self.release();
                    self.set_rd(rd, RDX);
                }
            }
            Div { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Div),
            Divu { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Divu),
            Rem { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Rem),
            Remu { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Remu),
            Divw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Divw),
            Divuw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Divuw),
            Remw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Remw),
            Remuw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Remuw),
            Bit { op, rd, rs1, rs2 } => self.bit(op, rd, rs1, rs2),
            // Only store→load ordering needs a host barrier on x86-64 (see
            // the interpreter's `fence_needs_store_load_barrier`).
            Fence { pred, succ, fm } => {
                if rvisor_cpu::interp::fence_needs_store_load_barrier(pred, succ, fm) {
                    dynasm!(self.a
                        ; .arch x64
                        ; mfence
                    );
                }
            }
            _ => {}
        }
    }

    /// `dst op= src`, 64-bit or (`word`) 32-bit.
    fn alu_op(&mut self, op: Alu, word: bool, dst: u8, src: Loc) {
        macro_rules! go {
            ($op:ident) => {
                match (word, src) {
                    (false, Loc::Reg(s)) => dynasm!(self.a ; .arch x64 ; $op Rq(dst), Rq(s)),
                    (false, Loc::Mem(m)) => dynasm!(self.a ; .arch x64 ; $op Rq(dst), QWORD [rbx + m]),
                    (true, Loc::Reg(s)) => dynasm!(self.a ; .arch x64 ; $op Rd(dst), Rd(s)),
                    (true, Loc::Mem(m)) => dynasm!(self.a ; .arch x64 ; $op Rd(dst), DWORD [rbx + m]),
                }
            };
        }
        match op {
            Alu::Add => go!(add),
            Alu::Sub => go!(sub),
            Alu::Xor => go!(xor),
            Alu::Or => go!(or),
            Alu::And => go!(and),
            Alu::Mul => go!(imul),
        }
    }

    /// `dst op= imm` (add, xor, or, and), with the short encoding of a
    /// byte-sized immediate.
    fn op_imm(&mut self, op: Alu, dst: u8, imm: i32) {
        if let Ok(b) = i8::try_from(imm) {
            match op {
                Alu::Add => dynasm!(self.a ; .arch x64 ; add Rq(dst), BYTE b),
                Alu::Xor => dynasm!(self.a ; .arch x64 ; xor Rq(dst), BYTE b),
                Alu::Or => dynasm!(self.a ; .arch x64 ; or Rq(dst), BYTE b),
                _ => dynasm!(self.a ; .arch x64 ; and Rq(dst), BYTE b),
            }
        } else {
            match op {
                Alu::Add => dynasm!(self.a ; .arch x64 ; add Rq(dst), imm),
                Alu::Xor => dynasm!(self.a ; .arch x64 ; xor Rq(dst), imm),
                Alu::Or => dynasm!(self.a ; .arch x64 ; or Rq(dst), imm),
                _ => dynasm!(self.a ; .arch x64 ; and Rq(dst), imm),
            }
        }
    }

    fn alu_imm(&mut self, rd: u8, rs1: u8, imm: i32, op: Alu) {
        if rd == 0 {
            return;
        }
        self.kept_rax = self.regs.host(rd).is_some();
        if rs1 == 0 {
            // li, and friends: a constant.
            self.set_rd_imm(rd, if op == Alu::And { 0 } else { imm });
            return;
        }
        if imm == 0 && matches!(op, Alu::Add | Alu::Or | Alu::Xor) {
            self.mov_reg(rd, rs1);
            return;
        }
        let bit = 1u32 << (rd & 31);
        if op == Alu::Add
            && rd & 31 == rs1 & 31
            && self.regs.host(rd).is_none()
            && self.regs.virt & bit == 0
            && !self.rax_holds(rd)
        {
            // An uncached register counted in place (a pointer stepped
            // under register pressure: SHA-256's message pointer): one
            // add to `Hart::x`, not a load, an add and a store; rax is
            // left alone.
            match i8::try_from(imm) {
                Ok(b) => dynasm!(self.a ; .arch x64 ; add QWORD [rbx + xo(rd)], BYTE i32::from(b)),
                Err(_) => dynasm!(self.a ; .arch x64 ; add QWORD [rbx + xo(rd)], imm),
            }
            self.kept_rax = true;
            return;
        }
        let d = self.dst(rd);
        if matches!(op, Alu::Xor | Alu::Or | Alu::And) && self.is_upper(rs1) {
            // A 32-bit result not extended yet, with a sign-extended
            // immediate: one too.
            self.mov_to32(d, rs1);
            match op {
                Alu::Xor => dynasm!(self.a ; .arch x64 ; xor Rd(d), imm),
                Alu::Or => dynasm!(self.a ; .arch x64 ; or Rd(d), imm),
                _ => dynasm!(self.a ; .arch x64 ; and Rd(d), imm),
            }
            self.set_rd_w(rd, d);
            return;
        }
        let src = self.loc(rs1);
        let flags = match src {
            Loc::Reg(s) if s != d && op == Alu::Add && imm != 0 => {
                dynasm!(self.a ; .arch x64 ; lea Rq(d), [Rq(s) + imm]);
                false
            }
            _ => {
                self.mov_to(d, rs1);
                let flags = imm != 0 || op == Alu::And;
                if flags {
                    self.op_imm(op, d, imm);
                }
                flags
            }
        };
        self.set_rd(rd, d);
        if flags {
            self.sets_zero_flag(rd, d);
        }
    }

    /// After an instruction that left the flags of host register `h`'s
    /// value, x[rd]'s whole or (narrow) low half, with nothing emitted
    /// after it: if h is rd's host register, a branch on x[rd] being
    /// zero can use the zero flag (see `zero_flag`).
    fn sets_zero_flag(&mut self, rd: u8, h: u8) {
        let rd = rd & 31;
        if rd != 0 && self.regs.host(rd) == Some(h) && self.regs.virt == 0 {
            self.zero_flag = Some((rd, self.a.offset().0));
        }
    }

    /// Whether the zero flag here tells whether x[r] is zero.
    fn zero_flag_of(&self, r: u8) -> bool {
        r & 31 != 0 && self.zero_flag == Some((r & 31, self.a.offset().0))
    }

    fn shift_imm(&mut self, rd: u8, rs1: u8, shamt: u8, op: u8, word: bool) {
        if rd == 0 {
            return;
        }
        let d = self.dst(rd);
        self.kept_rax = d != RAX;
        let sh = if word { shamt & 31 } else { shamt & 63 } as i8;
        if word {
            self.mov_to32(d, rs1);
            match op {
                0 => dynasm!(self.a ; .arch x64 ; shl Rd(d), sh),
                1 => dynasm!(self.a ; .arch x64 ; shr Rd(d), sh),
                _ => dynasm!(self.a ; .arch x64 ; sar Rd(d), sh),
            }
            if op == 1 && sh != 0 {
                // Bit 31 is clear: the zero-extended result is already
                // its own sign extension (hash rounds' `srliw`s).
                self.set_rd(rd, d);
            } else {
                self.set_rd_w(rd, d);
            }
            return;
        }
        // A left shift by 32 or more keeps only the low half: no sign
        // extension of a 32-bit result first.
        if op == 0 && sh >= 32 {
            self.mov_to32(d, rs1);
            dynasm!(self.a ; .arch x64 ; shl Rq(d), sh);
            self.set_rd(rd, d);
            return;
        }
        // An index scaled by 2, 4 or 8 (array addressing) from another
        // host register: one `lea` for a move and a shift.
        if let (0, 1..=3, Loc::Reg(h)) = (op, sh, self.loc(rs1)) {
            if h != d {
                match sh {
                    1 => dynasm!(self.a ; .arch x64 ; lea Rq(d), [Rq(h) + Rq(h)]),
                    2 => dynasm!(self.a ; .arch x64 ; lea Rq(d), [Rq(h) * 4]),
                    _ => dynasm!(self.a ; .arch x64 ; lea Rq(d), [Rq(h) * 8]),
                }
                self.set_rd(rd, d);
                return;
            }
        }
        self.mov_to(d, rs1);
        match op {
            0 => dynasm!(self.a ; .arch x64 ; shl Rq(d), sh),
            1 => dynasm!(self.a ; .arch x64 ; shr Rq(d), sh),
            _ => dynasm!(self.a ; .arch x64 ; sar Rq(d), sh),
        }
        self.set_rd(rd, d);
    }

    fn shift_rr(&mut self, rd: u8, rs1: u8, rs2: u8, op: u8, word: bool) {
        if rd == 0 {
            return;
        }
        // x86 masks the count to 6 bits (5 for 32-bit operands), as RISC-V
        // does. The count is in rcx before rd's register is written.
        if word {
            self.loc32(rs1);
            self.mov_to32(RCX, rs2);
            let d = self.dst(rd);
            self.mov_to32(d, rs1);
            match op {
                0 => dynasm!(self.a ; .arch x64 ; shl Rd(d), cl),
                1 => dynasm!(self.a ; .arch x64 ; shr Rd(d), cl),
                _ => dynasm!(self.a ; .arch x64 ; sar Rd(d), cl),
            }
            self.set_rd_w(rd, d);
            return;
        }
        self.loc(rs1);
        self.mov_to(RCX, rs2);
        let d = self.dst(rd);
        self.mov_to(d, rs1);
        match op {
            0 => dynasm!(self.a ; .arch x64 ; shl Rq(d), cl),
            1 => dynasm!(self.a ; .arch x64 ; shr Rq(d), cl),
            _ => dynasm!(self.a ; .arch x64 ; sar Rq(d), cl),
        }
        self.set_rd(rd, d);
    }

    /// Whether a bitwise operation of x[rs1] and x[rs2] is done on their
    /// low halves: both narrow, so the result is one too, and one a
    /// 32-bit result not extended yet, which that saves extending.
    fn low_halves(&self, rs1: u8, rs2: u8) -> bool {
        self.is_narrow(rs1) && self.is_narrow(rs2) && (self.is_upper(rs1) || self.is_upper(rs2))
    }

    /// x[rs2] and x[rs1] located, for a 32-bit operation (`word`) or a
    /// 64-bit one.
    fn operands(&mut self, rs1: u8, rs2: u8, word: bool) -> (Loc, Loc) {
        if word {
            (self.loc32(rs2), self.loc32(rs1))
        } else {
            (self.loc(rs2), self.loc(rs1))
        }
    }

    fn alu_rr(&mut self, rd: u8, rs1: u8, rs2: u8, op: Alu, word: bool) {
        if rd == 0 {
            return;
        }
        // Moves (`c.mv` is `add rd, x0, rs`): one move, no zeroing.
        let identity = matches!(op, Alu::Add | Alu::Or | Alu::Xor);
        if identity && (rs1 == 0 || rs2 == 0) || op == Alu::Sub && rs2 == 0 {
            let src = if rs1 == 0 { rs2 } else { rs1 };
            // A move into a cached register.
            self.kept_rax = self.regs.host(rd).is_some();
            if !word {
                self.mov_reg(rd, src);
                return;
            }
            let d = self.dst(rd);
            self.mov_to32(d, src);
            self.set_rd_w(rd, d);
            return;
        }
        let word = word || matches!(op, Alu::Xor | Alu::Or | Alu::And) && self.low_halves(rs1, rs2);
        let (b, a) = self.operands(rs1, rs2, word);
        // (Every way below computes in rd's own register, but one.)
        self.kept_rax = self.regs.host(rd).is_some();
        let commutes = matches!(op, Alu::Add | Alu::Xor | Alu::Or | Alu::And | Alu::Mul);
        match self.regs.host(rd) {
            // neg / negw in place.
            Some(h) if rd == rs2 && rs1 == 0 && op == Alu::Sub => {
                if word {
                    dynasm!(self.a ; .arch x64 ; neg Rd(h));
                    self.set_rd_w(rd, h);
                } else {
                    dynasm!(self.a ; .arch x64 ; neg Rq(h));
                    self.set_rd(rd, h);
                }
                return;
            }
            // rd = rs1 - rd as -rd + rs1, in place (not through rax and
            // back).
            Some(h) if rd == rs2 && rd != rs1 && op == Alu::Sub => {
                if word {
                    dynasm!(self.a ; .arch x64 ; neg Rd(h));
                    self.alu_op(Alu::Add, true, h, a);
                    self.set_rd_w(rd, h);
                } else {
                    dynasm!(self.a ; .arch x64 ; neg Rq(h));
                    self.alu_op(Alu::Add, false, h, a);
                    self.set_rd(rd, h);
                }
                return;
            }
            // rd = rs2 op rs1, in place.
            Some(h) if rd == rs2 && rd != rs1 && commutes => {
                self.alu_op(op, word, h, a);
                if word {
                    self.set_rd_w(rd, h);
                } else {
                    self.set_rd(rd, h);
                }
                return;
            }
            _ => {}
        }
        // rd's register cannot take rs1 first when it is rs2's too.
        let d = match self.regs.host(rd) {
            Some(h) if rd == rs1 || rd != rs2 => h,
            _ => RAX,
        };
        self.kept_rax = d != RAX;
        // x[rs2] still in rax from the store before: read from there.
        let b = match b {
            Loc::Mem(_) if d != RAX && self.rax_holds(rs2) => Loc::Reg(RAX),
            b => b,
        };
        if word {
            self.mov_to32(d, rs1);
            self.alu_op(op, true, d, b);
            self.set_rd_w(rd, d);
        } else {
            self.mov_to(d, rs1);
            self.alu_op(op, false, d, b);
            self.set_rd(rd, d);
        }
    }

    /// Before an instruction's template: what rax holds here (see
    /// `last_store`), for [`Self::keep_rax`].
    fn held_rax(&mut self) -> Option<(u8, usize)> {
        self.kept_rax = false;
        self.last_store.filter(|&(_, at)| at == self.a.offset().0)
    }

    /// After the template of an instruction writing x[rd]: rax still
    /// holds x[r] of `held` if the template left rax alone (`kept_rax`)
    /// and did not write x[r].
    fn keep_rax(&mut self, held: Option<(u8, usize)>, rd: u8) {
        if let Some((r, _)) = held {
            if self.kept_rax && rd & 31 != r && self.last_store == held {
                self.last_store = Some((r, self.a.offset().0));
            }
        }
    }

    /// x[rd] = x[x] rotated right by `amount` (32-bit, sign-extended, if
    /// `word`): see `rotate`.
    fn rotate(&mut self, rd: u8, x: u8, amount: u8, word: bool) {
        if rd == 0 {
            return;
        }
        let d = self.dst(rd);
        let n = amount as i8;
        // `rorx` reads its source where it is (another register, or
        // `Hart::x`): one instruction for a move (or load) and a rotate.
        let bmi2 = self.bmi2 && x & 31 != 0;
        self.kept_rax = d != RAX;
        // x[x] still in rax from the store before: rotated from there.
        let held = |e: &Self, l: Loc| match l {
            Loc::Mem(_) if e.rax_holds(x) => Loc::Reg(RAX),
            l => l,
        };
        if word {
            let l = self.loc32(x);
            match held(self, l) {
                Loc::Reg(h) if bmi2 && h != d => {
                    dynasm!(self.a ; .arch x64 ; rorx Rd(d), Rd(h), n)
                }
                Loc::Mem(m) if bmi2 => dynasm!(self.a ; .arch x64 ; rorx Rd(d), DWORD [rbx + m], n),
                _ => {
                    self.mov_to32(d, x);
                    dynasm!(self.a ; .arch x64 ; ror Rd(d), n);
                }
            }
            self.set_rd_w(rd, d);
        } else {
            let l = self.loc(x);
            match held(self, l) {
                Loc::Reg(h) if bmi2 && h != d => {
                    dynasm!(self.a ; .arch x64 ; rorx Rq(d), Rq(h), n)
                }
                Loc::Mem(m) if bmi2 => dynasm!(self.a ; .arch x64 ; rorx Rq(d), QWORD [rbx + m], n),
                _ => {
                    self.mov_to(d, x);
                    dynasm!(self.a ; .arch x64 ; ror Rq(d), n);
                }
            }
            self.set_rd(rd, d);
        }
    }

    /// x[rd] = zext32(x[x]) << amount (`>>` if `right`): a fused
    /// `slli t, x, 32; srli rd, t, s` (see `rotate::Fused::Zext`).
    fn zext_shift(&mut self, rd: u8, x: u8, amount: u8, right: bool) {
        if rd == 0 {
            return;
        }
        let d = self.dst(rd);
        match self.loc32(x) {
            Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov Rd(d), Rd(h)),
            Loc::Mem(_) if x & 31 == 0 => dynasm!(self.a ; .arch x64 ; xor Rd(d), Rd(d)),
            Loc::Mem(m) => dynasm!(self.a ; .arch x64 ; mov Rd(d), DWORD [rbx + m]),
        }
        let n = amount as i8;
        match (amount, right) {
            (0, _) => {}
            (1, false) => dynasm!(self.a ; .arch x64 ; add Rq(d), Rq(d)),
            (_, false) => dynasm!(self.a ; .arch x64 ; shl Rq(d), n),
            (_, true) => dynasm!(self.a ; .arch x64 ; shr Rd(d), n),
        }
        self.set_rd(rd, d);
    }

    /// slt / sltu.
    fn set_less(&mut self, rd: u8, rs1: u8, rs2: u8, signed: bool) {
        if rd == 0 {
            return;
        }
        self.compare(rs1, rs2);
        self.set_rd_less(rd, signed);
    }

    /// x[rd] = 1 if the last compare found less (signed or unsigned), else
    /// 0: set in rd's own host register when it has one.
    fn set_rd_less(&mut self, rd: u8, signed: bool) {
        let d = self.dst(rd);
        if signed {
            dynasm!(self.a ; .arch x64 ; setl Rb(d));
        } else {
            dynasm!(self.a ; .arch x64 ; setb Rb(d));
        }
        dynasm!(self.a ; .arch x64 ; movzx Rd(d), Rb(d));
        self.set_rd(rd, d);
    }

    /// A late group kept virtual (see [`late`]): its shifts' source
    /// values stored in their slots, its flag set.
    fn late_virtual(&mut self, group: u8, sources: &[(u8, u8)]) {
        for &(x, slot) in sources {
            let at = L.late_src + 8 * i32::from(slot);
            // Shifts that drop the upper half (32-bit ones, left by 32 or
            // more) need no sign extension of a 32-bit source first.
            let low_only = self.late_groups[usize::from(group)]
                .shifts
                .iter()
                .filter(|(_, k)| k.x & 31 == x & 31)
                .all(|(_, k)| k.word || (k.left && k.amount >= 32));
            let loc = if low_only { self.loc32(x) } else { self.loc(x) };
            match loc {
                Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov [rbx + at], Rq(h)),
                // (rcx: rax may hold what the next template reads back.)
                Loc::Mem(m) => dynasm!(self.a
                    ; .arch x64
                    ; mov rcx, [rbx + m]
                    ; mov [rbx + at], rcx
                ),
            }
        }
        let on = L.late_on + 8 * i32::from(group);
        dynasm!(self.a ; .arch x64 ; mov QWORD [rbx + on], 1);
        // Virtual from here: on the way into a label at this instruction,
        // which must not clear the flag just set.
        self.regs.virt |= self.late_groups[usize::from(group)].regs;
        self.regs.vgroups |= 1 << group;
    }

    /// Clear the flags of the late groups `groups` (bits): on a way into
    /// code where their registers may be virtual, along which they hold
    /// their own values.
    fn clear_late(&mut self, groups: u32) {
        let mut g = groups;
        while g != 0 {
            let on = L.late_on + 8 * g.trailing_zeros() as i32;
            g &= g - 1;
            dynasm!(self.a ; .arch x64 ; mov QWORD [rbx + on], 0);
        }
    }

    /// `Hart::x` of the registers of `virt` that are virtual in the
    /// groups `groups`: their shifts of their group's source values,
    /// where the group's flag is set. Uses rcx only: an indirect exit's
    /// target is in rax, and a slow path's address in rsi.
    pub(super) fn materialize_virtual(&mut self, virt: u32, groups: u32) {
        for g in 0..self.late_groups.len() {
            let mine = virt & self.late_groups[g].regs;
            if groups & 1 << g == 0 || mine == 0 {
                continue;
            }
            let skip = self.a.new_dynamic_label();
            let on = L.late_on + 8 * g as i32;
            dynasm!(self.a ; .arch x64 ; cmp QWORD [rbx + on], 0 ; je =>skip);
            for k in 0..self.late_groups[g].shifts.len() {
                let (src, shift) = self.late_groups[g].shifts[k];
                if mine & 1 << (shift.rd & 31) == 0 {
                    continue;
                }
                let at = L.late_src + 8 * i32::from(src);
                dynasm!(self.a ; .arch x64 ; mov rcx, [rbx + at]);
                self.shift_in(RCX, shift);
                dynasm!(self.a ; .arch x64 ; mov [rbx + xo(shift.rd)], rcx);
            }
            dynasm!(self.a ; .arch x64 ; =>skip);
        }
    }

    /// Host register `r` = a skipped shift's result from `r` (its source).
    fn shift_in(&mut self, r: u8, k: rotate::Shift) {
        let n = k.amount as i8;
        match (k.left, k.word) {
            (true, true) => dynasm!(self.a ; .arch x64 ; shl Rd(r), n ; movsxd Rq(r), Rd(r)),
            (false, true) if n != 0 => dynasm!(self.a ; .arch x64 ; shr Rd(r), n),
            (false, true) => dynasm!(self.a ; .arch x64 ; movsxd Rq(r), Rd(r)),
            (true, false) => dynasm!(self.a ; .arch x64 ; shl Rq(r), n),
            (false, false) => dynasm!(self.a ; .arch x64 ; shr Rq(r), n),
        }
    }

    /// A skipped shift computed where its register's value may next be
    /// seen (see `rotate::Plan::late`).
    fn late_shift(&mut self, k: rotate::Shift) {
        self.shift_imm(k.rd, k.x, k.amount, if k.left { 0 } else { 1 }, k.word);
    }

    /// `Hart::x[rd]` = a skipped shift's result, from `Hart::x[x]` (x
    /// has kept its value since the shift; the cache is written back).
    /// Uses rax.
    fn materialize(&mut self, k: rotate::Shift) {
        dynasm!(self.a ; .arch x64 ; mov rax, [rbx + xo(k.x)]);
        self.shift_in(RAX, k);
        dynasm!(self.a ; .arch x64 ; mov [rbx + xo(k.rd)], rax);
    }

    fn emit_stubs(&mut self) {
        // Stubs may push stubs of their own (a member's probe).
        while !self.stubs.is_empty() {
            self.emit_stub_batch();
        }
        if let Some(shared) = self.helper_exit.take() {
            self.helper_exit_code(shared);
        }
    }

    /// A helper-failure site packed for [`Self::helper_exit_code`]: the
    /// instruction's offset in the block (bits 0-15), its length (16-23)
    /// and index (24-31); `None` if they do not fit.
    fn helper_site(&self, pc: u64, next: u64, index: usize) -> Option<u32> {
        let off = u16::try_from(pc.wrapping_sub(self.block_va)).ok()?;
        let len = u8::try_from(next.wrapping_sub(pc)).ok()?;
        let index = u8::try_from(index).ok()?;
        Some(u32::from(off) | u32::from(len) << 16 | u32::from(index) << 24)
    }

    /// The exit all helper failures of the block share (each site sets
    /// esi to its packed [`Self::helper_site`] and jumps here, rdx
    /// holding the helper's status): a trap leaves pc at the instruction,
    /// the instructions before it retired; a store that hit code retired
    /// and ends the block. One copy per block, not ~80 bytes per memory
    /// access: most of a translation's code was such stubs.
    fn helper_exit_code(&mut self, shared: DynamicLabel) {
        let written = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; =>shared
            ; movzx eax, si
            ; mov rcx, QWORD self.block_va as i64
            ; add rax, rcx
            ; mov ecx, esi
            ; shr ecx, 24
            ; cmp rdx, ST_CODE_WRITTEN as i32
            ; je =>written
            ; mov [rbx + L.pc], rax
            ; add [rbx + L.instret], rcx
            ; mov eax, RET_TRAP
        );
        self.jmp_epilogue();
        dynasm!(self.a
            ; .arch x64
            ; =>written
            ; shr esi, 16
            ; and esi, 0xff
            ; add rax, rsi
            ; mov [rbx + L.pc], rax
            ; add rcx, 1
            ; add [rbx + L.instret], rcx
            ; mov eax, RET_CONTINUE
        );
        self.jmp_epilogue();
    }

    fn emit_stub_batch(&mut self) {
        for stub in std::mem::take(&mut self.stubs) {
            match stub {
                Stub::Slow {
                    label,
                    resume,
                    fail,
                    call,
                    regs,
                    keep,
                    va,
                } => {
                    // The helpers read `Hart::x` only through the trap
                    // path, and write no x register.
                    dynasm!(self.a ; .arch x64 ; =>label);
                    match va {
                        Some((RSI, 0)) | None => {}
                        Some((b, d)) => dynasm!(self.a ; .arch x64 ; lea rsi, [Rq(b) + d]),
                    }
                    self.write_back(&regs);
                    for k in keep {
                        self.materialize(k);
                    }
                    self.flush_pending();
                    dynasm!(self.a ; .arch x64 ; mov rdi, rbx);
                    match call {
                        SlowCall::Load(f, _) => dynasm!(self.a
                            ; .arch x64
                            ; mov rax, QWORD f as usize as i64
                        ),
                        SlowCall::Store(f, rs2) => dynasm!(self.a
                            ; .arch x64
                            ; mov rdx, [rbx + xo(rs2)]
                            ; mov rax, QWORD f as usize as i64
                        ),
                        SlowCall::Group {
                            f,
                            reg,
                            store,
                            info,
                            ..
                        } => {
                            if store {
                                dynasm!(self.a ; .arch x64 ; mov rdx, [rbx + xo(reg)]);
                            }
                            dynasm!(self.a
                                ; .arch x64
                                ; mov rcx, QWORD info as i64
                                ; mov rax, QWORD f as usize as i64
                            );
                        }
                        SlowCall::Fp(f, packed, raw) => dynasm!(self.a
                            ; .arch x64
                            ; mov rsi, QWORD packed as i64
                            ; mov edx, raw as i32
                            ; mov rax, QWORD f as usize as i64
                        ),
                        SlowCall::Ext(op, _) => {
                            let f: ExtFn = helpers::ext;
                            dynasm!(self.a
                                ; .arch x64
                                ; mov rsi, QWORD op as i64
                                ; mov rax, QWORD f as usize as i64
                            )
                        }
                    }
                    dynasm!(self.a
                        ; .arch x64
                        ; call rax
                        ; test rdx, rdx
                        ; jnz =>fail
                    );
                    self.reload_clobbered(&regs);
                    match call {
                        SlowCall::Load(_, to) if to != RAX => {
                            dynasm!(self.a ; .arch x64 ; mov Rq(to), rax);
                        }
                        SlowCall::Group {
                            reg, store: false, ..
                        } if reg != RAX => {
                            dynasm!(self.a ; .arch x64 ; mov Rq(reg), rax);
                        }
                        // The fast path's result register.
                        SlowCall::Ext(_, rd) if rd != 0 => {
                            dynasm!(self.a ; .arch x64 ; mov rax, [rbx + xo(rd)]);
                        }
                        _ => {}
                    }
                    if let SlowCall::Group { slot, exit, .. } = call {
                        // The members use the delta the helper found (a
                        // chained one in rcx), or none: out after this
                        // access.
                        dynasm!(self.a
                            ; .arch x64
                            ; mov rcx, [rbx + slot_offset(slot)]
                            ; cmp rcx, POISONED
                            ; je =>exit
                        );
                    }
                    dynasm!(self.a ; .arch x64 ; jmp =>resume);
                }
                Stub::Helper {
                    label,
                    site: Site { pc, next, index },
                } => {
                    if let Some(packed) = self.helper_site(pc, next, index) {
                        let shared = match self.helper_exit {
                            Some(l) => l,
                            None => {
                                let l = self.a.new_dynamic_label();
                                self.helper_exit = Some(l);
                                l
                            }
                        };
                        dynasm!(self.a
                            ; .arch x64
                            ; =>label
                            ; mov esi, packed as i32
                            ; jmp =>shared
                        );
                        continue;
                    }
                    // A site the packing cannot name: an exit of its own.
                    let written = self.a.new_dynamic_label();
                    dynasm!(self.a
                        ; .arch x64
                        ; =>label
                        ; cmp rdx, ST_CODE_WRITTEN as i32
                        ; je =>written
                        // Trap: the instructions before this one retired.
                        ; mov rax, QWORD pc as i64
                        ; mov [rbx + L.pc], rax
                        ; add QWORD [rbx + L.instret], index as i32
                        ; mov eax, RET_TRAP
                    );
                    self.jmp_epilogue();
                    // The store retired and hit code: end the block.
                    dynasm!(self.a
                        ; .arch x64
                        ; =>written
                        ; mov rax, QWORD next as i64
                        ; mov [rbx + L.pc], rax
                        ; add QWORD [rbx + L.instret], index as i32 + 1
                        ; mov eax, RET_CONTINUE
                    );
                    self.jmp_epilogue();
                }
                Stub::Jump {
                    label,
                    regs,
                    retired,
                    loose,
                    to,
                    guard,
                } => {
                    dynasm!(self.a ; .arch x64 ; =>label);
                    self.regs = regs;
                    self.add_pending(retired);
                    self.canonicalize(loose);
                    self.check_guards(guard.0, guard.1);
                    dynasm!(self.a ; .arch x64 ; jmp =>to);
                }
                Stub::BackFailed {
                    label,
                    regs,
                    narrow,
                    inst,
                    stay,
                    target,
                } => {
                    dynasm!(self.a ; .arch x64 ; =>label);
                    self.regs = regs;
                    let n = std::mem::replace(&mut self.narrow, narrow);
                    // The same compare as in line, on the same state.
                    self.branch_to(&inst, false, stay);
                    self.narrow = n;
                    self.leave_at(target);
                }
                Stub::Exit {
                    label,
                    regs,
                    pc,
                    retired,
                    keep,
                    rax_into,
                    group_failed,
                } => {
                    dynasm!(self.a ; .arch x64 ; =>label);
                    if let Some(rd) = rax_into {
                        dynasm!(self.a ; .arch x64 ; mov [rbx + xo(rd)], rax);
                    }
                    self.regs = regs;
                    self.write_back_all();
                    for k in keep {
                        self.materialize(k);
                    }
                    if group_failed {
                        // The interpreter runs the rest of the block (the
                        // members), no boundary in between.
                        self.add_pending(retired);
                        self.leave_to_retranslate(pc, FALLBACK_GROUP_FAILED);
                    } else {
                        self.exit_direct(pc, retired);
                    }
                }
                Stub::Check { label, resume, out } => {
                    // rbp is the count pending in here (see `PENDING`).
                    dynasm!(self.a
                        ; .arch x64
                        ; =>label
                        ; add Rq(PENDING), [rbx + L.check_at]
                        ; cmp Rq(PENDING), [rbx + L.pending_limit]
                        ; jae >failed
                        ; mov rax, [rbx + L.signals]
                        ; mov rax, [rax]
                        ; test rax, [rbx + L.irq_mask]
                        ; jnz >failed
                        // check_at = min(count + CHECK_EVERY, pending_limit)
                        ; lea rax, [Rq(PENDING) + CHECK_EVERY as i32]
                        ; cmp rax, [rbx + L.pending_limit]
                        ; jbe >armed
                        ; mov rax, [rbx + L.pending_limit]
                        ; armed:
                        ; mov [rbx + L.check_at], rax
                        ; sub Rq(PENDING), rax
                        ; jmp =>resume
                        ; failed:
                        ; sub Rq(PENDING), [rbx + L.check_at]
                        ; jmp =>out
                    );
                }
                Stub::Delta { label, access } => dynasm!(self.a
                    ; .arch x64
                    ; =>label
                    ; mov rcx, [rbx + rax + LOAD_TLB + TlbEntry::HOST_DELTA]
                    ; jmp =>access
                ),
                Stub::SiteMiss {
                    label,
                    access,
                    slot,
                    store,
                    span,
                    slow,
                    va,
                } => {
                    // The TLB probe as elsewhere (an access not naturally
                    // aligned, which the slot never matches, takes the
                    // inline path here too); a naturally aligned one
                    // copies the entry into the slot.
                    let unaligned = self.a.new_dynamic_label();
                    dynasm!(self.a ; .arch x64 ; =>label);
                    if let Some((h, d)) = va {
                        dynasm!(self.a ; .arch x64 ; lea rsi, [Rq(h) + d]);
                    }
                    let tlb = self.tlb_entry(span, store, slow);
                    if span > 1 {
                        dynasm!(self.a
                            ; .arch x64
                            ; test esi, i32::from(span) - 1
                            ; jnz =>unaligned
                        );
                    }
                    // The slot's tag: va's page; its bit in the filled
                    // set, for the cache to empty it.
                    let k = (slot - SITE) / std::mem::size_of::<SiteEntry>() as i32;
                    dynasm!(self.a
                        ; .arch x64
                        ; mov rcx, rsi
                        ; and rcx, -4096
                        ; mov [rbx + slot + SiteEntry::TAG], rcx
                        ; mov rcx, [rbx + rax + tlb + TlbEntry::HOST_DELTA]
                        ; mov [rbx + slot + SiteEntry::HOST_DELTA], rcx
                        ; bts QWORD [rbx + SITE_FILLED + k / 64 * 8], (k % 64) as i8
                        ; jmp =>access
                        ; =>unaligned
                        ; mov rcx, [rbx + rax + tlb + TlbEntry::HOST_DELTA]
                        ; jmp =>access
                    );
                }
                Stub::Chain { label, site, pc } => {
                    dynasm!(self.a
                        ; .arch x64
                        ; =>label
                        ; mov rax, QWORD pc as i64
                        ; mov [rbx + L.pc], rax
                        ; mov rax, QWORD site as i64
                    );
                    self.reloc(8, RelocKind::Site);
                    dynasm!(self.a
                        ; .arch x64
                        ; mov [rbx + L.chain_site], rax
                        ; mov rax, QWORD self.block_va as i64
                        ; mov [rbx + L.chain_va], rax
                        ; mov rax, QWORD self.block_pa as i64
                        ; mov [rbx + L.chain_pa], rax
                        ; mov eax, RET_CONTINUE
                    );
                    self.jmp_epilogue();
                }
            }
        }
    }
}

/// What a probe group's slot holds when its leader found no delta for
/// the group's span (`helpers::group`): never a delta, which is a
/// difference of page addresses. (Not 0: where guest RAM is mapped at its
/// own address, as for M-mode code and identity-mapped kernels, 0 is the
/// delta of every RAM page.)
pub(crate) const POISONED: i32 = 1;

/// A paged group leader's store of the group's delta to its slot.
struct SlotStore {
    code: std::ops::Range<usize>,
    slot: u8,
    /// Whether a member loads the slot. A member right after another
    /// access of its group takes the delta from rcx, and the leader's own
    /// slow path reads only what `helpers::group` wrote: a group whose
    /// members all follow one another (a function's saves and restores,
    /// a list node's load and store) never reads the stored value.
    read: bool,
}

/// Overwrite the slot stores no member reads with `nop`s of their length
/// (after assembly: whether a member reads the slot is known only once
/// the group's members are emitted). A `nop` takes no store unit.
fn silence_unread_slots(stores: &[SlotStore], code: &mut [u8]) {
    for s in stores.iter().filter(|s| !s.read) {
        if let Some(bytes) = code.get_mut(s.code.clone()) {
            fill_nop(bytes);
        }
    }
}

/// `bytes` as the recommended multi-byte `nop`s (Intel SDM Vol. 2B, NOP;
/// the long ones have a memory operand), at most 9 bytes each.
fn fill_nop(bytes: &mut [u8]) {
    const NOPS: [&[u8]; 9] = [
        &[0x90],
        &[0x66, 0x90],
        &[0x0f, 0x1f, 0x00],
        &[0x0f, 0x1f, 0x40, 0x00],
        &[0x0f, 0x1f, 0x44, 0x00, 0x00],
        &[0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
        &[0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
        &[0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        &[0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    ];
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = rest.len().min(NOPS.len());
        let (head, tail) = rest.split_at_mut(n);
        head.copy_from_slice(NOPS[n - 1]);
        rest = tail;
    }
}

/// Offset from the hart pointer of probe group slot `slot` (in `Ctx`).
fn slot_offset(slot: u8) -> i32 {
    L.group_delta + 8 * i32::from(slot)
}

/// An instruction of registers only (no memory, helper, trap or jump):
/// its (reads, written register).
fn register_only(inst: &Inst) -> Option<([u8; 2], u8)> {
    use Inst::*;
    match inst {
        Lui { .. }
        | Auipc { .. }
        | Addi { .. }
        | Slti { .. }
        | Sltiu { .. }
        | Xori { .. }
        | Ori { .. }
        | Andi { .. }
        | Slli { .. }
        | Srli { .. }
        | Srai { .. }
        | Addiw { .. }
        | Slliw { .. }
        | Srliw { .. }
        | Sraiw { .. }
        | Add { .. }
        | Sub { .. }
        | Sll { .. }
        | Slt { .. }
        | Sltu { .. }
        | Xor { .. }
        | Srl { .. }
        | Sra { .. }
        | Or { .. }
        | And { .. }
        | Addw { .. }
        | Subw { .. }
        | Sllw { .. }
        | Srlw { .. }
        | Sraw { .. }
        | Mul { .. }
        | Mulw { .. } => inst.int_operands(),
        Bit { op, .. } if bits::in_line(*op) => inst.int_operands(),
        _ => None,
    }
}

/// An op of `inst` (for unit tests of the planning passes).
#[cfg(test)]
fn test_op(inst: Inst) -> Op {
    Op {
        inst,
        raw: 0,
        off: 0,
        len: 4,
    }
}

/// Longest run of instructions a branch is if-converted over: a bit
/// test (see [`bit_test`]), and any other branch.
const HAMMOCK_MAX: usize = 6;
const HAMMOCK_MAX_OTHER: usize = 4;

/// Bit tests over hammocks in one translation from which they are taken
/// for an unrolled bit-serial loop (see [`bit_test`]).
const BIT_TESTS_UNROLLED: usize = 4;

/// Registers an if-converted branch may select (`Ctx::select_old`).
const SELECT_SLOTS: usize = rvisor_cpu::jit_ctx::JIT_SELECT_SLOTS;

/// If the conditional branch `ops[i]` jumps forward to `t` over
/// instructions that cannot trap and read no memory, with no other way
/// into them, writing at most [`SELECT_SLOTS`] registers other than the
/// branch's operands: those registers (bits).
fn hammock(ops: &[Op], labels: &[Option<DynamicLabel>], i: usize, t: usize) -> Option<u32> {
    let (rs1, rs2, _) = Emitter::branch_operands(&ops[i].inst)?;
    let skipped = ops
        .get(i + 1..t)
        .filter(|s| (1..=HAMMOCK_MAX).contains(&s.len()))?;
    if labels[i + 1..t].iter().any(Option::is_some) {
        return None;
    }
    let mut written = 0u32;
    for op in skipped {
        let (_, rd) = register_only(&op.inst)?;
        written |= 1 << (rd & 31);
    }
    let written = written & !1;
    // The compare comes after the instructions: an operand they write is
    // compared in its kept old value, against x0 only (see
    // `Emitter::if_converted_many`).
    let kept = written & compared(&ops[i].inst) == 0 || (rs1 & 31 == 0 || rs2 & 31 == 0);
    (written != 0 && kept && written.count_ones() as usize <= SELECT_SLOTS).then_some(written)
}

/// The registers (bits) a conditional branch compares.
fn compared(inst: &Inst) -> u32 {
    Emitter::branch_operands(inst).map_or(0, |(a, b, _)| 1 << (a & 31) | 1 << (b & 31))
}

/// Whether the conditional branch `ops[i]` tests one bit of a value
/// (`andi t, x, 2^k` then `beqz`/`bnez t` in the same straight line).
/// Where a translation holds several such tests over hammocks (an
/// unrolled CRC's or bit-serial loop's, on data the predictor cannot
/// learn), they are if-converted whatever they write. Other branches are
/// if-converted only over one cached register, and over at most
/// [`HAMMOCK_MAX_OTHER`] instructions: the selects and the instructions
/// run either way cost more than a predicted branch (CoreMark built with
/// -O2 lost 4 % with every hammock converted, 3 % with every bit test's;
/// its list code tests a node's low bit, the same way each time).
fn bit_test(ops: &[Op], labels: &[Option<DynamicLabel>], i: usize) -> bool {
    let t = match ops[i].inst {
        Inst::Beq { rs1, rs2: 0, .. } | Inst::Bne { rs1, rs2: 0, .. } => rs1,
        Inst::Beq { rs1: 0, rs2, .. } | Inst::Bne { rs1: 0, rs2, .. } => rs2,
        _ => return false,
    };
    for j in (0..i).rev() {
        match ops[j].inst.int_operands() {
            Some((_, rd)) if rd == t => {
                return matches!(ops[j].inst, Inst::Andi { rd, imm, .. }
                    if rd != 0 && imm > 0 && (imm as u32).is_power_of_two());
            }
            Some(_) if labels[j].is_none() => {}
            _ => return false,
        }
    }
    false
}

/// The guest pc a conditional branch or `jal` at `at` jumps to.
fn jump_target(inst: &Inst, at: u64) -> Option<u64> {
    match *inst {
        Inst::Jal { imm, .. }
        | Inst::Beq { imm, .. }
        | Inst::Bne { imm, .. }
        | Inst::Blt { imm, .. }
        | Inst::Bge { imm, .. }
        | Inst::Bltu { imm, .. }
        | Inst::Bgeu { imm, .. } => Some(at.wrapping_add(imm as i64 as u64)),
        _ => None,
    }
}

/// The spin-wait mask (`rvisor_cpu::spin::spin_candidate`) of the loop
/// `ops[t..=i]` of a translation starting at guest pc `pc`.
fn spin_loop(ops: &[Op], pc: u64, t: usize, i: usize) -> Option<u32> {
    let base = ops[t].off;
    let body: Vec<Op> = ops[t..=i]
        .iter()
        .map(|op| Op {
            off: op.off - base,
            ..*op
        })
        .collect();
    rvisor_cpu::spin::spin_candidate(pc.wrapping_add(u64::from(base)), &body)
}

/// The loops of a translation's body whose jumps land at `inside[i]`:
/// each back edge's (head, jump) index, the jump at the loop's end.
pub(super) fn back_edges(inside: &[Option<usize>]) -> impl Iterator<Item = (usize, usize)> + '_ {
    inside
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.filter(|&t| t <= i).map(|t| (t, i)))
}

/// Where the register plans of a translation's body start: at 0, and, if
/// the body uses more registers than the cache holds, at the head of each
/// loop that follows a complete sibling loop (a hash's message schedule,
/// then its rounds): each such loop keeps its own most used registers.
/// The emitter writes the cache back and takes the next plan where one
/// part ends, and jumps between parts do the same on their way.
fn parts(body: &[Op], inside: &[Option<usize>]) -> Vec<usize> {
    let mut starts = vec![0];
    if !regs::pressing(body) {
        return starts;
    }
    let mut done: Option<usize> = None;
    for (t, i) in back_edges(inside) {
        if done.is_some_and(|end| t > end) && starts.last().is_some_and(|&s| t > s) {
            starts.push(t);
        }
        done = Some(done.map_or(i, |end| end.max(i)));
    }
    starts
}

/// How much of `ops` (all translatable, contiguous from guest pc `pc`)
/// one translation covers, and where its jumps that stay inside it go.
///
/// A translation runs on past conditional branches (whose taken side
/// leaves, or jumps inside) and `j`s to an instruction it covers, so that
/// if/else diamonds and loops are one piece of host code; it ends at its
/// first call, indirect jump, or `j` elsewhere that no branch before it
/// jumps over (a function's cases that each return are one translation),
/// or at its first exit if that would take in more registers than the
/// cache holds. Jumps back (if `back`)
/// stay inside too, through the budget and interrupt checks, unless the
/// loop looks like a spin-wait, which must pass a spin point every time
/// round: it leaves for a translation of its own. The last result is the
/// spin mask of such a loop back to the start.
fn region(ops: &[Op], pc: u64, back: bool) -> (usize, Vec<Option<usize>>, Option<u32>) {
    let index_of = |target: u64| {
        let off = u16::try_from(target.wrapping_sub(pc)).ok()?;
        ops.binary_search_by_key(&off, |op| op.off).ok()
    };
    let at = |op: &Op| pc.wrapping_add(u64::from(op.off));
    let stays = |i: usize, t: usize, len: usize| {
        t < len && (t > i || back && spin_loop(ops, pc, t, i).is_none())
    };
    // How far the translation goes: to its first exit, or (`past`) to
    // its first exit that no forward branch before it jumps over.
    let end = |past: bool| {
        let mut furthest = 0usize;
        ops.iter()
            .enumerate()
            .position(|(i, op)| {
                let target = jump_target(&op.inst, at(op)).and_then(index_of);
                let call = matches!(op.inst, Inst::Jal { rd: 1..=31, .. });
                if let Some(t) = target.filter(|&t| t > i && !call) {
                    furthest = furthest.max(t);
                }
                let exits = match op.inst {
                    Inst::Jalr { .. } => true,
                    Inst::Jal { rd, .. } => {
                        rd != 0 || target.is_none_or(|t| !stays(i, t, ops.len()))
                    }
                    _ => false,
                };
                exits && (!past || call || furthest <= i)
            })
            .map_or(ops.len(), |i| i + 1)
    };
    // Past exits only while the cache holds every register the code
    // uses: else its loops would share the host registers with the rest
    // (a list merge's inner loop lost 10 % that way).
    let len = match end(true) {
        long if regs::pressing(&ops[..long]) => end(false),
        long => long,
    };
    let mut spin = None;
    let inside = ops[..len]
        .iter()
        .enumerate()
        .map(|(i, op)| {
            if op.inst.is_control_flow() && !matches!(op.inst, Inst::Jal { rd: 1..=31, .. }) {
                let t = jump_target(&op.inst, at(op)).and_then(index_of)?;
                if back && t == 0 && spin.is_none() {
                    spin = spin_loop(ops, pc, 0, i);
                }
                stays(i, t, len).then_some(t)
            } else {
                None
            }
        })
        .collect();
    (len, inside, spin)
}

/// Most instructions of a loop tail (see [`loop_tails`]) before its jump.
const MAX_TAIL: usize = 6;

/// gcc may end a loop with a conditional branch to a few instructions
/// placed after the function's body, which jump back into the loop (a
/// rotated loop whose variables change places each round: busybox's
/// SHA-1 rounds, `bnez a1, tail` where the tail is three `mv`s and a
/// `j` to the loop's head). Such a tail, decoded past the region's end
/// (`Jit::translate` decodes on past a call or return that a branch
/// jumps over), joins the translation after the region, so that the
/// loop stays inside it with its registers cached, instead of leaving
/// by a side exit to the tail's own translation and coming back by a
/// chain every round. What lies between the region and a tail is left
/// out: the indices in `ops` of the region's instructions and then of
/// the tails', and the jumps inside that body, renumbered; `None` if no
/// branch of the region goes to such a tail. `len` and `inside` are
/// [`region`]'s.
fn loop_tails(
    ops: &[Op],
    pc: u64,
    len: usize,
    inside: &[Option<usize>],
) -> Option<(Vec<usize>, Vec<Option<usize>>)> {
    let index_of = |target: u64| {
        let off = u16::try_from(target.wrapping_sub(pc)).ok()?;
        ops.binary_search_by_key(&off, |op| op.off).ok()
    };
    let at = |op: &Op| pc.wrapping_add(u64::from(op.off));
    // A tail at `s`: the index of its jump back into the region, and
    // where that goes.
    let tail_end = |s: usize| {
        let j = (s..ops.len().min(s + MAX_TAIL + 1)).find(|&k| {
            let op = &ops[k];
            op.inst.is_control_flow() || !templated(&op.inst) || straddles(op, at(op))
        })?;
        let op = &ops[j];
        if !matches!(op.inst, Inst::Jal { rd: 0, .. }) || straddles(op, at(op)) {
            return None;
        }
        let t = jump_target(&op.inst, at(op)).and_then(index_of)?;
        (t < len).then_some((j, t))
    };
    // (branch, tail start) and (tail start, its jump). Only a branch that
    // the tail takes back to a loop's head at or before it: a tail that
    // goes on after its branch (a merge's first element, taken once a
    // merge) would make a loop head of code that the way falling through
    // reaches every time, which then pays for the head's canonical state
    // (mix's list sort: +2.4 % host instructions).
    let mut links = Vec::new();
    let mut tails: Vec<(usize, usize)> = Vec::new();
    for (i, op) in ops[..len].iter().enumerate() {
        if inside[i].is_some() || Emitter::branch_operands(&op.inst).is_none() {
            continue;
        }
        let Some(s) = jump_target(&op.inst, at(op))
            .and_then(index_of)
            .filter(|&s| s >= len)
        else {
            continue;
        };
        let Some((j, _)) = tail_end(s).filter(|&(_, t)| t <= i) else {
            continue;
        };
        if !tails.iter().any(|&(t, _)| t == s) {
            tails.push((s, j));
        }
        links.push((i, s));
    }
    if links.is_empty() {
        return None;
    }
    let mut keep: Vec<usize> = (0..len).collect();
    for &(s, j) in &tails {
        keep.extend(s..=j);
    }
    keep.sort_unstable();
    keep.dedup();
    let at_index = |o: usize| keep.binary_search(&o).ok();
    let renumbered = keep
        .iter()
        .map(|&o| {
            if o < len {
                let tail = links.iter().find(|&&(i, _)| i == o).map(|&(_, s)| s);
                return tail.and_then(at_index).or(inside[o]);
            }
            let op = &ops[o];
            tails
                .iter()
                .any(|&(_, j)| j == o)
                .then(|| jump_target(&op.inst, at(op)).and_then(index_of))
                .flatten()
        })
        .collect();
    Some((keep, renumbered))
}

/// Widest span an M-mode probe group's leader checks (see `groups`).
pub const GROUP_SPAN: u64 = groups::MAX_SPAN as u64;

/// The furthest byte offset (from the first of `ops`, whose offsets are
/// from it) that a forward conditional branch or `j` of `ops` goes to, 0
/// if none: the code up to it belongs to the translation (see [`region`]).
pub fn reach(ops: &[Op]) -> u64 {
    ops.iter()
        .filter_map(|op| {
            let off = u64::from(op.off);
            let call = matches!(op.inst, Inst::Jal { rd: 1..=31, .. });
            // (Past a page, never: decoding stops at the page's end.)
            jump_target(&op.inst, off).filter(|&t| t > off && t < 0x1000 && !call)
        })
        .max()
        .unwrap_or(0)
}

/// Whether `op`, at guest pc `pc`, is a 32-bit instruction straddling a
/// page boundary (a translation may end with one, see
/// [`Emitter::straddle_guard`]).
pub fn straddles(op: &Op, pc: u64) -> bool {
    op.len == 4 && pc & 0xfff == 0xffe
}

/// The translation of an instruction that straddles a page boundary at
/// guest pc `pc` (see `Hart::engine_straddle`): a helper fetches, decodes
/// and runs it every time (nothing in the code depends on its bytes or on
/// the second page's mapping), then the code goes on at the pc it left
/// through the jump cache. Chained to from its page like any translation
/// (and from a translation ending with the same instruction whose check
/// failed, see [`Emitter::straddle_guard`]), so a hot loop over a page
/// boundary does not return to the dispatcher twice round.
pub fn straddle(pc: u64, pa: u64, base: usize, shared: Shared, ram: Ram) -> Option<Emitted> {
    let modes = Modes {
        loads: DataMode::Paged,
        ram,
    };
    let mut e = Emitter::new(
        (Asm::new(base), base),
        RegCache::none(),
        (pc, pa),
        shared,
        modes,
    );
    let to_dispatcher = e.a.new_dynamic_label();
    let not_done = e.a.new_dynamic_label();
    let written = e.a.new_dynamic_label();
    e.entry_checks(to_dispatcher);
    let entry = e.a.offset().0;
    let f: extern "sysv64" fn(*mut Hart) -> HelperRet = helpers::straddle;
    dynasm!(e.a
        ; .arch x64
        ; mov rax, QWORD pc as i64
        ; mov [rbx + L.pc], rax
    );
    e.call_flush_pending();
    dynasm!(e.a
        ; .arch x64
        ; mov rdi, rbx
        ; mov rax, QWORD f as usize as i64
        ; call rax
        ; test rdx, rdx
        ; jnz =>not_done
        ; mov rax, [rbx + L.pc]
    );
    e.exit_indirect(0);
    dynasm!(e.a
        ; .arch x64
        ; =>not_done
        // A store to code, or a trap: to the dispatcher, pc already set.
        ; cmp rdx, ST_CODE_WRITTEN as i32
        ; je =>written
        // A system instruction: the interpreter runs it at once, as the
        // end of the block that led here.
        ; mov QWORD [rbx + L.fallback], 1
        ; mov eax, RET_CONTINUE
    );
    e.jmp_epilogue();
    dynasm!(e.a
        ; .arch x64
        ; =>to_dispatcher
        ; mov rax, QWORD pc as i64
        ; mov [rbx + L.pc], rax
        ; =>written
        ; mov eax, RET_CONTINUE
    );
    e.jmp_epilogue();
    e.emit_stubs();
    let code = e.a.finalize().ok()?;
    Some(Emitted {
        code,
        entry,
        insns: 0,
        relocs: e.relocs,
    })
}

/// Everything a translation depends on besides its ops: the code it makes
/// is a function of these and the ops alone (a compiler thread makes it
/// from them, see `background`).
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// Guest virtual and physical pc of the first op.
    pub pc: u64,
    pub pa: u64,
    /// Length of the guest code the ops cover.
    pub bytes: u64,
    /// Host address the code is assembled for.
    pub base: usize,
    pub shared: Shared,
    pub modes: Modes,
    /// The registers that hold narrow values now (see [`narrow`]), which
    /// a translation with loops may count on, checking them at its entry;
    /// bit 0 (x0, never guessed): the ways into its loops may check what
    /// they bring (see [`narrow::plan_guarded`]).
    pub guess: u32,
    /// The registers the ways into loops must not check (a check of
    /// theirs failed there): per label, by its offset from `pa`
    /// (`u16::MAX`: every label); unused entries check all.
    pub unguarded: [(u16, u32); UNGUARDED],
    /// The divisors it may count on likewise (see [`divisor`]).
    pub divisors: divisor::Divisors,
    /// Whether loads and stores under address translation may share
    /// probes (see [`groups`]): not where a group's span failed
    /// ([`FALLBACK_GROUP_FAILED`]).
    pub grouping: bool,
}

/// Translate the leading translatable ops of `ops` (contiguous guest code
/// whose first instruction is at guest pc `req.pc`) for `req`. `None` if
/// the first op is not translatable.
pub fn translate(ops: &[Op], req: Request) -> Option<Emitted> {
    let Request {
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
    } = req;
    let n = ops.iter().take_while(|op| translatable(&op.inst)).count();
    if n == 0 {
        return None;
    }
    // A spin-wait loop's body (its first block) is translated alone, as
    // it always was, and passes its spin point every time round.
    let first = ops[..n]
        .iter()
        .position(|op| op.inst.is_control_flow())
        .map_or(n, |i| i + 1);
    let (len, inside, spin) = match rvisor_cpu::spin::spin_candidate(pc, &ops[..first]) {
        Some(mask) => {
            let (len, inside, _) = region(&ops[..first], pc, false);
            (len, inside, Some(mask))
        }
        None => region(&ops[..n], pc, true),
    };
    // Guest instructions the translation covers (a loop tail's, and what
    // lies before it, too).
    let mut region_len = len;
    // The region's instructions and its loops' tails (see `loop_tails`):
    // `kept` maps them to `ops`.
    let tailed: Vec<Op>;
    let (region_ops, inside, kept) = match spin
        .is_none()
        .then(|| loop_tails(&ops[..n], pc, len, &inside))
        .flatten()
    {
        Some((keep, renumbered)) => {
            region_len = keep.last().map_or(len, |&o| o + 1);
            tailed = keep.iter().map(|&o| ops[o]).collect();
            (&tailed[..], renumbered, Some(keep))
        }
        None => (&ops[..len], inside, None),
    };
    let len = region_ops.len();
    // The divisors and shift amounts the body uses of those guessed (a
    // spin loop's body checks nothing); shifts by a guessed amount become
    // shifts by an immediate before anything looks at them.
    let loops: Vec<(usize, usize)> = back_edges(&inside).collect();
    let divisors = divisors.filter(|r, _| spin.is_none() && divisor::holds(region_ops, &loops, r));
    // (Only the translation's analyses and the emitter's loop below see
    // these; see there.)
    let shifted: Vec<Op>;
    let body = match divisor::immediate_shifts(region_ops, divisors) {
        Some(v) => {
            shifted = v;
            &shifted[..]
        }
        None => region_ops,
    };
    // Small loops translated twice (see `unroll`): what follows sees the
    // longer body; `orig` maps its ops to the region's.
    let unrolled: Vec<Op>;
    let (body, inside, orig) = match spin
        .is_none()
        .then(|| unroll::unroll(body, &inside[..len], pc))
        .flatten()
    {
        Some(u) => {
            unrolled = u.body;
            (&unrolled[..], u.inside, u.orig)
        }
        None => (body, inside, (0..len).collect::<Vec<usize>>()),
    };
    // `orig` into `ops` (helper calls pass the caller's ops).
    let orig: Vec<usize> = match &kept {
        Some(keep) => orig.iter().map(|&o| keep[o]).collect(),
        None => orig,
    };
    let len = body.len();
    // Bit 0 of the guess: the code may guess at all (see `Jit::
    // translate`), so the ways into its loops may check what they bring
    // (see `narrow::plan_guarded`).
    let guarding = guess & 1 != 0 && spin.is_none();
    // The registers the entry checks hold narrow values (a spin loop's
    // body is entered too often to check anything).
    let guess = match spin {
        None => narrow::guesses(body, &inside[..len], guess),
        Some(_) => 0,
    };
    // Loop nesting depth of each instruction: the register cache
    // favours what inner loops use.
    let mut depth = vec![0u8; len];
    for (t, i) in back_edges(&inside) {
        for d in &mut depth[t..=i] {
            *d = d.saturating_add(1);
        }
    }
    // A register plan per part of the body (see `parts`), of the
    // operands the fused rotates leave (those fused where no jump might
    // land, before what is if-converted is known; see below), when the
    // body uses more registers than the cache holds (else which are
    // cached hardly depends on it).
    let starts = parts(body, &inside);
    let operands = if !regs::pressing(body) {
        Vec::new()
    } else {
        let mut label = vec![false; len];
        for (i, t) in inside.iter().enumerate().take(len) {
            match *t {
                Some(t) if t > i => label[i + 1..=t.min(len - 1)].fill(true),
                Some(t) => label[t.min(len - 1)] = true,
                None => {}
            }
        }
        if let Some(l) = label.last_mut() {
            *l = true;
        }
        rotate::plan(body, &label).operands(body)
    };
    let plans: Vec<RegCache> = starts
        .iter()
        .enumerate()
        .map(|(k, &from)| {
            let to = starts.get(k + 1).copied().unwrap_or(len);
            RegCache::plan_fused(
                &body[from..to],
                &depth[from..to],
                operands.get(from..to).unwrap_or(&[]),
            )
        })
        .collect();
    let part_of = |i: usize| starts.partition_point(|&from| from <= i) - 1;
    // Sized for a typical translation up front (growing the buffers
    // showed in profiles): bytes, local, global and dynamic labels,
    // static and dynamic references.
    let asm = Asm::new_with_capacity(base, 96 * len + 512, 8, 0, 6 * len + 8, 8, 6 * len + 8);
    let mut e = Emitter::new((asm, base), plans[0], (pc, pa), shared, modes);
    e.stubs.reserve(2 * len + 4);
    let to_dispatcher = e.a.new_dynamic_label();
    e.entry_checks(to_dispatcher);
    let entry = e.a.offset().0;
    let guess_failed = e.a.new_dynamic_label();
    e.check_guesses(guess, guess_failed);
    let divisor_failed = e.a.new_dynamic_label();
    e.check_divisors(divisors, divisor_failed);
    e.divisors = divisors;
    if let Some(mask) = spin {
        // Before any guest register is cached: the call clobbers r8-r11,
        // rdx and rdi.
        e.spin_point(pc, mask);
    }
    let labels: Vec<Option<DynamicLabel>> = {
        let mut l = vec![None; len];
        for &t in inside.iter().flatten() {
            l[t] = Some(e.a.new_dynamic_label());
        }
        l
    };
    // Forward branches over a hammock are if-converted (see
    // `if_converted`): no jump. The registers its instructions write
    // (bits), 0 for other instructions.
    let hammocks: Vec<Option<u32>> = (0..len)
        .map(|i| match inside[i] {
            Some(t) if t > i && Emitter::branch_operands(&body[i].inst).is_some() => {
                hammock(body, &labels, i, t)
            }
            _ => None,
        })
        .collect();
    // Bit tests over hammocks, unrolled (see `bit_test`).
    let bit_tests: Vec<bool> = (0..len)
        .map(|i| hammocks[i].is_some() && bit_test(body, &labels, i))
        .collect();
    let unrolled = bit_tests.iter().filter(|&&b| b).count() >= BIT_TESTS_UNROLLED;
    let converted: Vec<u32> = (0..len)
        .map(|i| {
            hammocks[i]
                .filter(|&w| {
                    // One register in a host register (but rdi, which
                    // the select keeps the old value in), or a bit test
                    // of an unrolled run.
                    let n = inside[i].map_or(0, |t| t - i - 1);
                    let one = w.count_ones() == 1
                        && w & compared(&body[i].inst) == 0
                        && n <= HAMMOCK_MAX_OTHER
                        && plans[part_of(i)]
                            .host(w.trailing_zeros() as u8)
                            .is_some_and(|h| h != RDI);
                    one || unrolled && bit_tests[i]
                })
                .unwrap_or(0)
        })
        .collect();
    // Labels a jump reaches: an if-converted branch jumps nowhere, so a
    // label only such branches target needs no canonical state (the code
    // before it falls through with its own).
    let mut jumped = vec![false; len];
    for (i, t) in inside.iter().enumerate().take(len) {
        if let Some(t) = t.filter(|&t| t < len && converted[i] == 0) {
            jumped[t] = true;
        }
    }
    let (roles, mut fused) = {
        // Where some jump lands (not only if-converted branches): the
        // probe groups and rotates do not reach across.
        let mut label = jumped.clone();
        // Nor across the exit before a straddling instruction.
        if body
            .last()
            .is_some_and(|op| straddles(op, pc.wrapping_add(u64::from(op.off))))
        {
            label[len - 1] = true;
        }
        // Fused shifts neither inside an if-converted hammock nor across
        // its end: the hammock is emitted as it stands, and a path that
        // skips it must not see a late shift of a fusion begun inside.
        let mut fuse_label = label.clone();
        for (i, t) in inside.iter().enumerate().take(len) {
            if let Some(t) = t.filter(|_| converted[i] != 0) {
                for l in &mut fuse_label[i + 1..=t.min(len - 1)] {
                    *l = true;
                }
            }
        }
        // M-mode leaders check only RAM's bounds, as an access alone
        // does: their groups may reach out of loops (see `groups::plan`).
        let group_depth: &[u8] = match e.loads {
            DataMode::Unchecked => &[],
            _ => &depth,
        };
        let grouped = if grouping || e.loads == DataMode::Unchecked {
            groups::plan(body, &label, group_depth)
        } else {
            vec![None; body.len()]
        };
        (grouped, rotate::plan(body, &fuse_label))
    };
    let fp_known = fp_state::plan(body, &inside[..len]);
    let virt = late::plan(
        body,
        (&inside[..len], &converted),
        &fused.fused,
        &fused.late,
    );
    e.late_groups = virt.groups.clone();
    e.clear_late(virt.clears(0, 0));
    // Never a register a late shift writes: it may be virtual where the
    // check would read it.
    let guarding = guarding.then(|| {
        fused
            .late
            .iter()
            .flatten()
            .fold(0u32, |m, k| m | 1 << (k.rd & 31))
            | virt.groups.iter().fold(0u32, |m, g| m | g.regs)
    });
    let unguarded: Vec<u32> = body
        .iter()
        .map(|op| {
            let off = op.off;
            unguarded
                .iter()
                .filter(|&&(o, _)| o == off || o == u16::MAX)
                .fold(0, |m, &(_, r)| m | r)
        })
        .collect();
    let narrow::Guarded {
        at: narrow,
        fall: guard_fall,
        jump: guard_jump,
    } = narrow::plan_guarded(
        body,
        &inside[..len],
        guess,
        guarding.map(|late| (late, &unguarded[..])),
    );
    // What the if-converted branches that skip to a label check there:
    // where the code falls into it (they jump nowhere).
    let mut guard_into = vec![0u32; len];
    for (i, t) in inside.iter().enumerate().take(len) {
        if let Some(t) = t.filter(|&t| t > i && t < len && converted[i] != 0) {
            guard_into[t] |= guard_jump[i];
        }
    }
    for (g, f) in guard_into.iter_mut().skip(1).zip(&guard_fall) {
        *g |= f;
    }
    let loose = narrow::loose(body, &inside[..len], &narrow);
    let mut loop_head = vec![false; len];
    for (t, _) in back_edges(&inside) {
        loop_head[t] = true;
    }
    // Instructions retired on the current path since rbp was last brought
    // up to date (at every jump inside the block and at its targets, so
    // that every path into a label has counted its own).
    let mut seg = 0usize;
    let mut reachable = true;
    // The part whose register plan the emitter's state follows.
    let mut part = 0usize;
    // Instructions before this index were emitted already (if-converted).
    let mut skip_to = 0usize;
    for (i, op) in body.iter().enumerate() {
        if i < skip_to {
            continue;
        }
        // Helper calls pass their op's address, which must outlive the
        // code: the caller's op, but where a guessed shift amount made
        // another (a shift, which calls nothing).
        let op = if op.inst == ops[orig[i]].inst {
            &ops[orig[i]]
        } else {
            op
        };
        // Registers the late shifts computed here write (they hold their
        // own values from here even where a group's window says virtual).
        let mut late_written = 0u32;
        if reachable {
            let shifts = std::mem::take(&mut fused.late[i]);
            match &virt.at[i] {
                Some((g, sources)) => e.late_virtual(*g, sources),
                None => {
                    for k in shifts {
                        late_written |= 1 << (k.rd & 31);
                        e.late_shift(k);
                    }
                }
            }
        }
        if let Some(label) = labels[i] {
            let k = part_of(i);
            if reachable {
                e.clear_late(virt.clears(e.regs.virt, i));
                e.add_pending(seg);
                if k != part {
                    e.write_back_all();
                    e.regs = plans[k];
                    e.canonicalize(loose[i]);
                } else if jumped[i] {
                    e.canonicalize(loose[i]);
                }
                e.check_guards(guard_into[i], pc.wrapping_add(u64::from(op.off)));
            } else {
                e.regs = plans[k];
                e.assume_canonical(loose[i]);
            }
            part = k;
            if loop_head[i] {
                e.align_loop_head();
            }
            // Other ways in bring rax, rcx and the flags as they left them.
            e.last_store = None;
            e.zero_flag = None;
            e.group_tail = None;
            dynasm!(e.a ; .arch x64 ; =>label);
            seg = 0;
            reachable = true;
        }
        if !reachable {
            continue;
        }
        let ipc = pc.wrapping_add(u64::from(op.off));
        let next = ipc.wrapping_add(u64::from(op.len));
        let inner = inside[i].and_then(|t| labels[t]);
        e.keep = std::mem::take(&mut fused.keep[i]);
        e.fp_known = fp_known[i];
        (e.regs.virt, e.regs.vgroups) = virt.before[i];
        e.regs.virt &= !late_written;
        e.narrow = narrow[i];
        e.in_loop = depth[i] > 0;
        e.inst_off = op.off;
        if straddles(op, ipc) {
            e.straddle_guard(ipc, (op.raw >> 16) as u16, seg);
        }
        e.op_start = e.a.offset().0;
        match (fused.fused[i], op.inst) {
            (rotate::Fused::Skip, inst) => {
                if let Some((_, rd)) = inst.int_operands() {
                    e.regs.virt &= !(1 << (rd & 31));
                }
                seg += 1;
                continue;
            }
            (rotate::Fused::Rotate { x, amount, word }, Inst::Or { rd, .. }) => {
                let held = e.held_rax();
                e.rotate(rd, x, amount, word);
                e.keep_rax(held, rd);
                seg += 1;
                continue;
            }
            (rotate::Fused::Zext { x, amount, right }, inst) => {
                let rd = inst.int_operands().map_or(0, |(_, rd)| rd);
                e.zext_shift(rd, x, amount, right);
                seg += 1;
                continue;
            }
            _ => {}
        }
        match op.inst {
            Inst::Jal { rd, imm } => {
                if rd != 0 {
                    let d = e.dst(rd);
                    dynasm!(e.a ; .arch x64 ; mov Rq(d), QWORD next as i64);
                    e.set_rd(rd, d);
                }
                let target = ipc.wrapping_add(imm as i64 as u64);
                match inside[i].zip(inner) {
                    Some((t, label)) => {
                        e.clear_late(virt.clears(e.regs.virt, t));
                        e.add_pending(seg + 1);
                        e.canonicalize(loose[t]);
                        e.enter_part(part, part_of(t), &plans, loose[t]);
                        if t <= i {
                            e.back_edge(label, target);
                        } else {
                            e.check_guards(guard_jump[i], target);
                            dynasm!(e.a ; .arch x64 ; jmp =>label);
                        }
                    }
                    None => {
                        e.write_back_all();
                        e.exit_direct(target, seg + 1);
                    }
                }
                reachable = false;
            }
            Inst::Jalr { rd, rs1, imm } => {
                match e.loc(rs1) {
                    Loc::Reg(h) if imm == 0 => dynasm!(e.a ; .arch x64 ; mov rax, Rq(h)),
                    Loc::Reg(h) => dynasm!(e.a ; .arch x64 ; lea rax, [Rq(h) + imm]),
                    Loc::Mem(m) => dynasm!(e.a ; .arch x64 ; mov rax, [rbx + m] ; add rax, imm),
                }
                dynasm!(e.a ; .arch x64 ; and rax, -2);
                if rd != 0 {
                    let d = match e.regs.host(rd) {
                        Some(h) => h,
                        None => RCX,
                    };
                    dynasm!(e.a ; .arch x64 ; mov Rq(d), QWORD next as i64);
                    e.set_rd(rd, d);
                }
                e.write_back_all();
                e.exit_indirect(seg + 1);
                reachable = false;
            }
            inst if inst.is_control_flow() => {
                let plain = |t: usize| {
                    t > i
                        && converted[i] == 0
                        && part_of(t) == part
                        && virt.clears(e.regs.virt, t) == 0
                };
                if let Some((t, label)) = inside[i].zip(inner).filter(|&(t, _)| plain(t)) {
                    // Forward, in the part, clearing no flag: the taken
                    // side's work is out of line.
                    let out = e.a.new_dynamic_label();
                    e.branch_to(&inst, true, out);
                    e.stubs.push(Stub::Jump {
                        label: out,
                        regs: e.regs,
                        retired: seg + 1,
                        loose: loose[t],
                        to: label,
                        guard: (guard_jump[i], pc.wrapping_add(u64::from(body[t].off))),
                    });
                    e.last_store = None;
                    seg += 1;
                } else if let Some((t, label)) = inside[i].zip(inner) {
                    e.add_pending(seg + 1);
                    seg = 0;
                    let written = converted[i];
                    if written == 0 {
                        e.canonicalize(loose[t]);
                    }
                    // One register in a host register (but rdi, which
                    // keeps the old value), not the branch's operand: the
                    // select from a register.
                    let one = (written.count_ones() == 1 && written & compared(&inst) == 0)
                        .then(|| written.trailing_zeros() as u8)
                        .and_then(|rd| Some((rd, e.regs.host(rd).filter(|&h| h != RDI)?)));
                    let clears = virt.clears(e.regs.virt, t);
                    if written != 0 {
                        let skipped = (&body[i + 1..t], &narrow[i + 1..t]);
                        match one {
                            Some((rd, h)) => e.if_converted(&inst, skipped, pc, rd, h),
                            None => e.if_converted_many(&inst, skipped, pc, written),
                        }
                        skip_to = t;
                    } else if t <= i && part_of(t) == part && clears == 0 {
                        let target = pc.wrapping_add(u64::from(body[t].off));
                        e.back_branch(&inst, label, target);
                    } else {
                        // Taken, it leaves the part (or loops back, or
                        // clears a flag of virtual registers): the way
                        // out is emitted after a jump over it. (A plain
                        // forward jump was taken out of line above.)
                        let stay = e.a.new_dynamic_label();
                        e.branch_to(&inst, false, stay);
                        let here = e.regs;
                        e.clear_late(clears);
                        e.enter_part(part, part_of(t), &plans, loose[t]);
                        let target = pc.wrapping_add(u64::from(body[t].off));
                        if t <= i {
                            e.back_edge(label, target);
                        } else {
                            e.check_guards(guard_jump[i], target);
                            dynasm!(e.a ; .arch x64 ; jmp =>label);
                        }
                        dynasm!(e.a ; .arch x64 ; =>stay);
                        e.regs = here;
                    }
                } else if i + 1 == len {
                    e.branch(&inst, ipc, next, seg + 1);
                    reachable = false;
                } else {
                    e.side_exit(&inst, ipc, seg + 1);
                    seg += 1;
                }
            }
            inst if templated(&inst) => {
                let held = e.held_rax();
                e.mem_role = roles[i];
                e.simple(&inst, ipc, next, seg);
                e.mem_role = None;
                e.keep_rax(held, inst.int_operands().map_or(0, |(_, rd)| rd));
                e.group_tail = match roles[i] {
                    Some(Role::Leader { slot, .. } | Role::Member { slot }) => {
                        Some((slot, e.a.offset().0))
                    }
                    None => None,
                };
                seg += 1;
            }
            inst if amo::amo_in_line(&inst).is_some() => {
                let amo = amo::amo_in_line(&inst).expect("matched");
                e.amo(
                    op,
                    amo,
                    Site {
                        pc: ipc,
                        next,
                        index: seg,
                    },
                );
                seg += 1;
            }
            _ => {
                e.ext(op, ipc, next, seg);
                seg += 1;
            }
        }
    }
    if reachable {
        for k in std::mem::take(&mut fused.late[len]) {
            e.late_shift(k);
        }
        e.write_back_all();
        // Fell off the end of the block, or stopped before an instruction
        // the interpreter must execute.
        match ops.get(region_len) {
            Some(op) => {
                // The interpreter runs this instruction as the end of the
                // same block: no boundary (interrupt) in between.
                let at = pc.wrapping_add(u64::from(op.off));
                dynasm!(e.a
                    ; .arch x64
                    ; mov rax, QWORD at as i64
                    ; mov [rbx + L.pc], rax
                    ; add QWORD [rbx + L.instret], seg as i32
                    ; mov QWORD [rbx + L.fallback], 1
                    ; mov eax, RET_CONTINUE
                );
                e.jmp_epilogue();
            }
            None => e.exit_direct(pc.wrapping_add(bytes), seg),
        }
    }
    dynasm!(e.a
        ; .arch x64
        ; =>to_dispatcher
        ; mov rax, QWORD pc as i64
        ; mov [rbx + L.pc], rax
        ; mov eax, RET_CONTINUE
    );
    e.jmp_epilogue();
    if guess != 0 {
        e.guess_failed_exit(guess_failed, pc, FALLBACK_GUESS_FAILED);
    }
    if divisors.any() {
        e.guess_failed_exit(divisor_failed, pc, FALLBACK_DIVISOR_FAILED);
    }
    e.emit_stubs();
    let mut code = e.a.finalize().ok()?;
    silence_unread_slots(&e.slot_stores, &mut code);
    Some(Emitted {
        code,
        entry,
        insns: region_len,
        relocs: e.relocs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `adds` over registers `regs` (each `x[r] += x[r + 1]`) then a
    /// back edge to the first: one loop's body.
    fn add_loop(ops: &mut Vec<Op>, inside: &mut Vec<Option<usize>>, regs: std::ops::Range<u8>) {
        let head = ops.len();
        for r in regs {
            ops.push(test_op(Inst::Add {
                rd: r,
                rs1: r,
                rs2: r + 1,
            }));
            inside.push(None);
        }
        ops.push(test_op(Inst::Bne {
            rs1: 30,
            rs2: 0,
            imm: 0,
        }));
        inside.push(Some(head));
    }

    #[test]
    fn sibling_loops_get_register_plans_of_their_own_when_registers_press() {
        let (mut ops, mut inside) = (Vec::new(), Vec::new());
        add_loop(&mut ops, &mut inside, 5..13);
        let second = ops.len();
        add_loop(&mut ops, &mut inside, 13..21);
        assert_eq!(parts(&ops, &inside), vec![0, second]);
        // Few registers: one plan serves both.
        let (mut ops, mut inside) = (Vec::new(), Vec::new());
        add_loop(&mut ops, &mut inside, 5..8);
        add_loop(&mut ops, &mut inside, 8..11);
        assert_eq!(parts(&ops, &inside), vec![0]);
        // A loop nested in another is not a sibling: x5..x12's loop, then
        // more registers and an outer back edge to 0 over both.
        let (mut ops, mut inside) = (Vec::new(), Vec::new());
        add_loop(&mut ops, &mut inside, 5..13);
        add_loop(&mut ops, &mut inside, 13..21);
        let last = ops.len() - 1;
        inside[last] = Some(0);
        assert_eq!(parts(&ops, &inside), vec![0]);
    }

    /// Loads and stores through distinct base registers (so no two share
    /// a probe), at guest pc 0x8000_0000.
    fn accesses(n: u8) -> Vec<Op> {
        (0..n)
            .map(|i| {
                let inst = if i % 2 == 0 {
                    Inst::Ld {
                        rd: 5,
                        rs1: 8 + i,
                        imm: 8,
                    }
                } else {
                    Inst::Sd {
                        rs1: 8 + i,
                        rs2: 6,
                        imm: 16,
                    }
                };
                Op {
                    off: u16::from(i) * 4,
                    ..test_op(inst)
                }
            })
            .collect()
    }

    /// The translation of `ops` (contiguous from guest 0x8000_0000,
    /// paged loads) placed `place` bytes into a code cache at `cache`, and
    /// that cache's shared stubs.
    fn translate_at(ops: &[Op], cache: usize, place: usize) -> (Emitted, Shared) {
        let t = trampoline(cache);
        let shared = Shared {
            epilogue: cache + t.epilogue,
            flush_pending: cache + t.flush_pending,
        };
        let modes = Modes {
            loads: DataMode::Paged,
            ram: Ram {
                base: 0x8000_0000,
                host: 0x7f00_0000_0000,
            },
        };
        let len = ops
            .last()
            .map_or(0, |op| u64::from(op.off) + u64::from(op.len));
        let req = Request {
            pc: 0x8000_0000,
            pa: 0x8000_0000,
            bytes: len,
            base: cache + place,
            shared,
            modes,
            guess: 0,
            unguarded: [(0, 0); UNGUARDED],
            grouping: true,
            divisors: divisor::Divisors::default(),
        };
        let e = translate(ops, req).expect("translatable");
        (e, shared)
    }

    /// Whether `code` stores rcx to a probe group's slot.
    fn stores_a_slot(code: &[u8]) -> bool {
        (0..groups::SLOTS as u8).any(|slot| {
            let mut store = vec![0x48, 0x89, 0x8b];
            store.extend_from_slice(&slot_offset(slot).to_le_bytes());
            code.windows(store.len()).any(|w| w == store)
        })
    }

    /// A paged group leader stores its delta to the slot only where a
    /// member loads it from there: not where each member follows an
    /// access of its group (rcx holds the delta).
    #[test]
    fn a_group_whose_members_follow_one_another_stores_no_slot() {
        use rvisor_isa::Inst::*;
        let ld = |rd, imm| test_op(Ld { rd, rs1: 8, imm });
        let mut chained = vec![ld(5, 0), ld(6, 8), ld(7, 16)];
        let mut apart = vec![
            ld(5, 0),
            test_op(Addi {
                rd: 9,
                rs1: 9,
                imm: 1,
            }),
            ld(7, 16),
        ];
        for ops in [&mut chained, &mut apart] {
            for (i, op) in ops.iter_mut().enumerate() {
                op.off = 4 * i as u16;
            }
        }
        let (e, _) = translate_at(&chained, 0x10_0000, 0);
        assert!(!stores_a_slot(&e.code), "chained members: no slot store");
        let (e, _) = translate_at(&apart, 0x10_0000, 0);
        assert!(stores_a_slot(&e.code), "a member apart loads the slot");
    }

    /// The site-cache slots a translation's probes compare with
    /// (`cmp rcx, [rbx + slot]`), in code order.
    fn site_slots_compared(code: &[u8]) -> Vec<i32> {
        let slots = SITE..SITE + (SITE_SLOTS * std::mem::size_of::<SiteEntry>()) as i32;
        code.windows(7)
            .filter(|w| w[..3] == [0x48, 0x3b, 0x8b])
            .map(|w| i32::from_le_bytes([w[3], w[4], w[5], w[6]]))
            .filter(|d| slots.contains(d))
            .collect()
    }

    /// The copies of an unrolled loop's load share its site-cache slot
    /// (one miss per page the walk enters, not one per copy); two loads
    /// of the loop have a slot each.
    #[test]
    fn an_unrolled_loads_copies_share_one_site_slot() {
        use rvisor_isa::Inst::*;
        let mut ops = vec![
            test_op(Lw {
                rd: 11,
                rs1: 14,
                imm: 0,
            }),
            test_op(Lw {
                rd: 15,
                rs1: 13,
                imm: 0,
            }),
            test_op(Addi {
                rd: 14,
                rs1: 14,
                imm: 4,
            }),
            test_op(Addi {
                rd: 13,
                rs1: 13,
                imm: 256,
            }),
            test_op(Bne {
                rs1: 14,
                rs2: 16,
                imm: -16,
            }),
        ];
        for (i, op) in ops.iter_mut().enumerate() {
            op.off = 4 * i as u16;
        }
        let (e, _) = translate_at(&ops, 0x10_0000, 0);
        let slots = site_slots_compared(&e.code);
        assert!(
            slots.len() >= 4,
            "both loads unrolled and site-cached: {slots:?}"
        );
        let mut distinct = slots.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 2, "one slot per load: {slots:?}");
        assert!(
            slots.chunks(2).all(|c| c == &slots[..2]),
            "each copy probes the loads' slots in order: {slots:?}"
        );
    }

    /// A loop's tail after a call (three instructions and a jump back to
    /// the head) joins the translation: it covers the guest code through
    /// the tail's jump, the call and what follows it left out; with no
    /// branch to it, the translation ends at the call.
    #[test]
    fn a_loop_tail_after_a_call_joins_the_translation() {
        use rvisor_isa::Inst::*;
        let mut ops = vec![
            test_op(Add {
                rd: 5,
                rs1: 5,
                rs2: 6,
            }),
            test_op(Addi {
                rd: 31,
                rs1: 31,
                imm: -1,
            }),
            test_op(Bltu {
                rs1: 5,
                rs2: 6,
                imm: 16,
            }),
            test_op(Bne {
                rs1: 31,
                rs2: 0,
                imm: 12,
            }),
            test_op(Jal { rd: 1, imm: 64 }),
            test_op(Jal { rd: 0, imm: 64 }),
            test_op(Addi {
                rd: 8,
                rs1: 5,
                imm: 0,
            }),
            test_op(Addi {
                rd: 5,
                rs1: 6,
                imm: 0,
            }),
            test_op(Add {
                rd: 6,
                rs1: 8,
                rs2: 7,
            }),
            test_op(Jal { rd: 0, imm: -36 }),
        ];
        for (i, op) in ops.iter_mut().enumerate() {
            op.off = 4 * i as u16;
        }
        let (e, _) = translate_at(&ops, 0x10_0000, 0);
        assert_eq!(e.insns, ops.len(), "through the tail's jump");
        // A tail that goes on after its branches (to the call) closes no
        // loop: left out.
        let mut on = ops.clone();
        on[9].inst = Jal { rd: 0, imm: -20 };
        let (e, _) = translate_at(&on, 0x10_0000, 0);
        assert_eq!(e.insns, 5, "to the call");
        // The tail reached by nothing: the call ends it.
        ops[2].inst = Bltu {
            rs1: 5,
            rs2: 6,
            imm: 4,
        };
        ops[3].inst = Bne {
            rs1: 31,
            rs2: 0,
            imm: -12,
        };
        let (e, _) = translate_at(&ops, 0x10_0000, 0);
        assert_eq!(e.insns, 5, "to the call");
    }

    /// rdi and rdx may cache guest registers: their byte forms must be
    /// `dil`/`dl` (a REX prefix), never `bh`.
    #[test]
    fn byte_stores_from_rdi_name_dil() {
        let mut a = Asm::new(0);
        dynasm!(a ; .arch x64 ; mov [rsi + rcx], Rb(RDI));
        let code = a.finalize().expect("assembles");
        assert_eq!(code, [0x40, 0x88, 0x3c, 0x0e], "mov [rsi + rcx], dil");
    }

    /// Code assembled for one place and relocated to another is the code
    /// assembled for the other: no placement-dependent field is missed.
    #[test]
    fn relocated_code_equals_code_assembled_in_place() {
        use rvisor_isa::Inst::*;
        // Loads and stores (slow paths call the pending flush), a loop, a
        // forward branch out (chained exit), an FP op (helper with an op
        // pointer), an exit to another page and one past the end.
        let mut ops = accesses(6);
        let more = [
            Addi {
                rd: 5,
                rs1: 5,
                imm: -1,
            },
            Bne {
                rs1: 5,
                rs2: 0,
                imm: -8,
            },
            FaddD {
                rd: 1,
                rs1: 2,
                rs2: 3,
                rm: rvisor_isa::RoundingMode::Dyn,
            },
            Beq {
                rs1: 6,
                rs2: 7,
                imm: 0x40,
            },
            Jal { rd: 1, imm: 0x2000 },
        ];
        for inst in more {
            let off = ops.len() as u16 * 4;
            ops.push(Op {
                off,
                ..test_op(inst)
            });
        }
        let (a, _) = translate_at(&ops, 0x1000_0000, 0x1234);
        let (b, shared_b) = translate_at(&ops, 0x5000_0000, 0x9_8760);
        assert_eq!(a.insns, ops.len());
        let kinds = |k: RelocKind| a.relocs.iter().filter(|r| r.kind == k).count();
        assert!(kinds(RelocKind::Epilogue) > 0 && kinds(RelocKind::FlushPending) > 0);
        assert!(kinds(RelocKind::Site) > 0, "the chained exit's site");
        assert_ne!(a.code, b.code);
        let mut moved = a.code.clone();
        assert!(relocate(
            &mut moved,
            &a.relocs,
            0x1000_1234,
            0x5009_8760,
            shared_b
        ));
        assert!(
            moved == b.code,
            "relocated code differs from code made in place"
        );
        assert_eq!(a.relocs, b.relocs);
    }

    #[test]
    fn memory_accesses_share_their_failure_exit_and_pending_flush() {
        let size = |n: u8| {
            let (e, _) = translate_at(&accesses(n), 0x1000_0000, 0x1000);
            assert_eq!(e.insns, usize::from(n));
            e.code.len()
        };
        // In line: address, probe, access (~45 bytes); out of line: the
        // slow path's spills, call and reloads. A failure exit of its own
        // (~80 bytes) or the pending flush in line (~45) would exceed it.
        let per_access = (size(21) - size(1)) / 20;
        assert!(per_access < 180, "{per_access} bytes per access");
    }
}
