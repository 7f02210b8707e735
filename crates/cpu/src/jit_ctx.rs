//! The translator's per-hart context ([`JitCtx`]).

use crate::Trap;

/// Host address deltas a translation's probe groups may keep at once
/// (see `rvisor-jit`'s `emit::groups`).
pub const JIT_GROUP_SLOTS: usize = 8;

/// Groups of shift results a translation may keep virtual at once (see
/// `rvisor-jit`'s `emit::late`), and their source values.
pub const JIT_LATE_SLOTS: usize = 4;

/// Registers an if-converted branch may select between old and new
/// values of (see `rvisor-jit`'s `Emitter::if_converted_many`).
pub const JIT_SELECT_SLOTS: usize = 6;

/// State shared between a translator's dispatcher and its translated code,
/// kept in the hart so that translated code reaches it through the hart
/// pointer (rbx) and leaves one more host register to guest registers.
/// Only the translator (`rvisor-jit`) reads or writes it.
#[repr(C)]
#[derive(Debug, Default)]
pub struct JitCtx {
    /// The trap a helper raised, for the dispatcher to take.
    pub trap: Option<Trap>,
    /// Address of the `jmp rel32` displacement of the exit taken last when
    /// it asked to be chained (0 otherwise).
    pub chain_site: usize,
    /// Instructions chained execution may retire beyond `instret` before
    /// it returns to the dispatcher (budget); translated code compares
    /// the count pending in rbp with it, and takes rbp off it when it
    /// adds rbp to `instret` (clamped at 0).
    pub pending_limit: u64,
    /// The pending count at which chain entries and back edges next look
    /// at the budget and the signal word (at most `pending_limit`; 0
    /// after rbp was added to `instret`).
    pub check_at: u64,
    /// Address of the hart's signal word (`HartSignals::pending`).
    pub signals: usize,
    /// Signal bits that end chained execution: the locally enabled
    /// interrupts and the requests.
    pub irq_mask: u64,
    /// The jump cache (`JC_SIZE` entries, `rvisor_jit::helpers::JcEntry`).
    pub jcache: usize,
    /// The epoch jump-cache entries must carry to be valid.
    pub jc_epoch: u64,
    /// The hart's fetch TLB (`TLB_SIZE` entries) and the tag context of
    /// the current privilege, for the jump cache's revalidation.
    pub tlb_fetch: usize,
    pub tag_fetch: u64,
    /// Set by an exit before an instruction left to the interpreter, which
    /// must run next without a block boundary.
    pub fallback: u64,
    /// Set by an indirect exit that missed the jump cache.
    pub indirect: u64,
    /// Guest virtual pc of the block whose exit recorded `chain_site`.
    pub chain_va: u64,
    /// Its physical pc.
    pub chain_pa: u64,
    /// Physical pc of the translation whose check on a way into a loop
    /// failed (`rvisor-jit`'s `emit::FALLBACK_GUARD_FAILED`).
    pub guard_pa: u64,
    /// And the registers (bits) the failed way checked.
    pub guard_regs: u64,
    /// Inline TLB probe (the entries are in the hart,
    /// `rvisor_cpu::mmu::tlb_offset`): the tag context of loads at the
    /// current privilege.
    pub tag_load: u64,
    /// Tag context of stores at the current privilege.
    pub tag_store: u64,
    /// Host address of the RAM page flags, less the host page number of
    /// RAM offset 0 (wrapping): adding a RAM host address's page number
    /// gives its page's flag byte.
    pub flags_bias: usize,
    /// The host address delta most loads' TLB entries hold (RAM mapped
    /// one to one): loads use it once their entry is seen to hold it.
    pub delta_guess: usize,
    /// Guest physical address of RAM.
    pub ram_base: u64,
    /// Loads translated for M-mode check only that their address lies
    /// this far into RAM: RAM's size less 7 while loads are M-mode's and
    /// unchecked, else 0 (every such load takes the slow path).
    pub ram_span: u64,
    /// The same for M-mode probe groups (`emit::groups`), whose leader
    /// checks the first byte of a span of up to 512 that its members
    /// reach unchecked: RAM's size less 512, else 0.
    pub group_span: u64,
    /// Host address deltas of probe groups (see `emit::groups`): filled
    /// by a group's first access, 1 if its probe failed (`emit::POISONED`).
    pub group_delta: [usize; JIT_GROUP_SLOTS],
    /// Values whose shifts some guest registers hold virtually (see
    /// `emit::late`), and per group whether they do (1) or hold their
    /// own values (0).
    pub late_src: [u64; JIT_LATE_SLOTS],
    pub late_on: [u64; JIT_LATE_SLOTS],
    /// The old values of the registers an if-converted branch's skipped
    /// instructions write, for the select after them.
    pub select_old: [u64; JIT_SELECT_SLOTS],
}
