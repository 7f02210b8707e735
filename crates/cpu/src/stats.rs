//! Counters of what the hart and its engine did, for `--stats`.

/// Per-hart event counters (plain integers: each hart owns its own).
#[derive(Clone, Debug, Default)]
pub struct HartStats {
    /// Instructions retired (also `minstret`).
    pub instret: u64,
    /// Synchronous exceptions taken, indexed by cause (0..=23).
    pub exceptions: [u64; 24],
    /// Interrupts taken, indexed by cause (0..=15).
    pub interrupts: [u64; 16],
    /// CSR instructions executed (sensitive instructions emulated).
    pub csr_ops: u64,
    /// `mret`/`sret` executed.
    pub xrets: u64,
    /// `wfi` executed.
    pub wfis: u64,
    /// `sfence.vma` executed.
    pub sfences: u64,
    /// `fence.i` executed.
    pub fence_is: u64,
    /// SMP `fence.i`s that had nothing to revalidate: every block was
    /// settled (see `interp::zifencei`).
    pub fence_is_settled: u64,
    /// Hypercalls (para-mode S-mode `ecall`s) exited to the VMM.
    pub hypercalls: u64,
    /// Blocks decoded into the block cache.
    pub blocks_decoded: u64,
    /// Block cache invalidations (code pages written, `fence.i`, flushes).
    pub block_invalidations: u64,
    /// Decoded blocks dropped because a store hit their page.
    pub blocks_dropped: u64,
    /// Decoded blocks kept after an SMP `fence.i` because their guest bytes
    /// had not changed.
    pub blocks_revalidated: u64,
    /// Full page-table walks (TLB misses).
    pub tlb_misses: u64,
    /// Host-thread yields in detected guest spin loops (see `spin`).
    pub spin_yields: u64,
    /// Translator (tier 1; zero under the interpreter): blocks translated.
    pub jit_blocks: u64,
    /// Translator: bytes of host code emitted.
    pub jit_code_bytes: u64,
    /// Translator: entries from the dispatcher into translated code.
    pub jit_dispatches: u64,
    /// Translator: blocks handed to the interpreter (cold, or starting with
    /// an instruction left to it).
    pub jit_interpreted: u64,
    /// Translator: direct exits patched into chained jumps.
    pub jit_chains: u64,
    /// Translator: whole translation-cache flushes.
    pub jit_flushes: u64,
    /// Translator: translations dropped because their page was written.
    pub jit_dropped: u64,
    /// Translator: pages whose translations were compared with the guest
    /// bytes after an SMP `fence.i` and kept.
    pub jit_pages_revalidated: u64,
    /// Translator: translations copied from another hart's.
    pub jit_adopted: u64,
    /// Translator: translations a compiler thread made.
    pub jit_compiled_beside: u64,
    /// Translator: entries that found a guessed narrow register holding
    /// a 64-bit value (the pc is translated again without guesses).
    pub jit_guesses_failed: u64,
    /// Translator: entries that found a guessed divisor register holding
    /// another value (the pc is translated again without them).
    pub jit_divisor_guesses_failed: u64,
    /// Translations whose way into a loop found a register it counted on
    /// holding a narrow value not holding one.
    pub jit_guards_failed: u64,
    /// Translations left after a probe group whose leader found its span
    /// unusable (the pc is translated again without paged groups).
    pub jit_groups_failed: u64,
    /// Translator: guest instructions retired in translated code.
    pub jit_insns_run: u64,
    /// Translator: returns from translated code to the dispatcher by
    /// reason (interpreted instruction, jump-cache miss, unchained direct
    /// exit, other: budget, interrupts, traps).
    pub jit_exits: [u64; 4],
    /// Instructions retired in U-, S- and M-mode (indexed by the privilege
    /// encoding, 0, 1 and 3), counted at privilege switches: an xRET in
    /// the middle of a block may credit the block's earlier instructions
    /// to the new mode (a block holds at most 64).
    pub instret_by_privilege: [u64; 4],
    /// `instret` at the last privilege switch.
    pub(crate) privilege_mark: u64,
}

impl HartStats {
    /// Credit the instructions retired since the last privilege switch to
    /// privilege `prv` (its encoding).
    pub(crate) fn credit_privilege(&mut self, prv: usize) {
        self.instret_by_privilege[prv & 3] += self.instret - self.privilege_mark;
        self.privilege_mark = self.instret;
    }
}
