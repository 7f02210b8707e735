//! `--stats`: what the VMM did for the guest, printed at exit.

use std::fmt::Write as _;
use std::time::Duration;

use rvisor_cpu::stats::HartStats;
use rvisor_memory::bus::MmioStats;
use rvisor_platform::sbi::eid;
use rvisor_virtio::TransportStats;

/// Hypercalls served, by (extension ID, function ID).
#[derive(Debug, Default, Clone)]
pub struct HypercallCounts(std::collections::BTreeMap<(u64, u64), u64>);

impl HypercallCounts {
    /// Count one call.
    pub fn count(&mut self, eid: u64, fid: u64) {
        *self.0.entry((eid, fid)).or_default() += 1;
    }

    /// Add another hart's counts.
    pub fn merge(&mut self, other: &Self) {
        for (k, v) in &other.0 {
            *self.0.entry(*k).or_default() += v;
        }
    }

    /// Calls of `eid`/`fid`.
    pub fn get(&self, eid: u64, fid: u64) -> u64 {
        self.0.get(&(eid, fid)).copied().unwrap_or(0)
    }

    /// Total calls.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// One virtio-mmio slot's counters.
#[derive(Debug, Clone)]
pub struct VirtioDeviceStats {
    /// Device name ("virtio-blk0").
    pub name: String,
    /// Transport counters (notifications, interrupts, errors).
    pub transport: TransportStats,
}

/// Counters gathered from every hart and device when the VM stopped.
#[derive(Debug, Default, Clone)]
pub struct VmStats {
    /// Wall time the harts ran.
    pub wall: Duration,
    /// Per-hart counters.
    pub harts: Vec<HartStats>,
    /// Per-device MMIO counts.
    pub mmio: Vec<MmioStats>,
    /// Hypercalls by extension and function (para mode).
    pub hypercalls: HypercallCounts,
    /// Per-slot virtio counters (para mode).
    pub virtio: Vec<VirtioDeviceStats>,
}

/// Name of SBI extension `e` and function `f` (SBI v3.0 chapter names).
fn sbi_name(e: u64, f: u64) -> String {
    let (ext, funcs): (&str, &[&str]) = match e {
        eid::BASE => (
            "base",
            &[
                "get_spec_version",
                "get_impl_id",
                "get_impl_version",
                "probe_extension",
                "get_mvendorid",
                "get_marchid",
                "get_mimpid",
            ],
        ),
        eid::TIME => ("time", &["set_timer"]),
        eid::IPI => ("ipi", &["send_ipi"]),
        eid::RFENCE => (
            "rfence",
            &[
                "remote_fence_i",
                "remote_sfence_vma",
                "remote_sfence_vma_asid",
                "remote_hfence_gvma_vmid",
                "remote_hfence_gvma",
                "remote_hfence_vvma_asid",
                "remote_hfence_vvma",
            ],
        ),
        eid::HSM => (
            "hsm",
            &["hart_start", "hart_stop", "hart_get_status", "hart_suspend"],
        ),
        eid::SRST => ("srst", &["system_reset"]),
        eid::DBCN => (
            "dbcn",
            &["console_write", "console_read", "console_write_byte"],
        ),
        eid::STA => ("sta", &["steal_time_set_shmem"]),
        0..=0xf => return format!("legacy {e:#x}"),
        _ => return format!("eid {e:#x} fid {f}"),
    };
    match funcs.get(f as usize) {
        Some(n) => format!("{ext}.{n}"),
        None => format!("{ext}.fid{f}"),
    }
}

const EXCEPTION_NAMES: [&str; 16] = [
    "instruction address misaligned",
    "instruction access fault",
    "illegal instruction",
    "breakpoint",
    "load address misaligned",
    "load access fault",
    "store/AMO address misaligned",
    "store/AMO access fault",
    "ecall from U-mode",
    "ecall from S-mode",
    "reserved (10)",
    "ecall from M-mode",
    "instruction page fault",
    "load page fault",
    "reserved (14)",
    "store/AMO page fault",
];

fn interrupt_name(i: usize) -> String {
    match i {
        1 => "supervisor software".into(),
        3 => "machine software".into(),
        5 => "supervisor timer".into(),
        7 => "machine timer".into(),
        9 => "supervisor external".into(),
        11 => "machine external".into(),
        _ => format!("interrupt {i}"),
    }
}

impl VmStats {
    /// Total retired instructions.
    pub fn instret(&self) -> u64 {
        self.harts.iter().map(|h| h.instret).sum()
    }

    /// The report `--stats` prints.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let secs = self.wall.as_secs_f64();
        let instret = self.instret();
        let _ = writeln!(
            s,
            "== rvisor stats ({} hart(s), {:.3} s wall)",
            self.harts.len(),
            secs
        );
        let _ = writeln!(
            s,
            "instructions retired: {instret} ({:.1} M/s)",
            instret as f64 / secs.max(1e-9) / 1e6
        );
        let sum = |f: fn(&HartStats) -> u64| self.harts.iter().map(f).sum::<u64>();
        let _ = writeln!(s, "instructions retired by privilege:");
        for (mode, i) in [
            ("M-mode (firmware)", 3),
            ("S-mode (kernel)", 1),
            ("U-mode (user)", 0),
        ] {
            let n: u64 = self.harts.iter().map(|h| h.instret_by_privilege[i]).sum();
            let _ = writeln!(s, "  {mode:<32} {n}");
        }
        let _ = writeln!(s, "traps taken by cause:");
        for (i, name) in EXCEPTION_NAMES.iter().enumerate() {
            let n: u64 = self
                .harts
                .iter()
                .map(|h| h.exceptions.get(i).copied().unwrap_or(0))
                .sum();
            if n > 0 {
                let _ = writeln!(s, "  {name:<32} {n}");
            }
        }
        for i in 0..16 {
            let n: u64 = self.harts.iter().map(|h| h.interrupts[i]).sum();
            if n > 0 {
                let _ = writeln!(
                    s,
                    "  {:<32} {n}",
                    format!("{} interrupt", interrupt_name(i))
                );
            }
        }
        let _ = writeln!(s, "sensitive instructions emulated:");
        let _ = writeln!(s, "  {:<32} {}", "CSR accesses", sum(|h| h.csr_ops));
        let _ = writeln!(s, "  {:<32} {}", "mret/sret", sum(|h| h.xrets));
        let _ = writeln!(s, "  {:<32} {}", "wfi", sum(|h| h.wfis));
        let _ = writeln!(s, "  {:<32} {}", "sfence.vma", sum(|h| h.sfences));
        let _ = writeln!(s, "  {:<32} {}", "fence.i", sum(|h| h.fence_is));
        let _ = writeln!(s, "  {:<32} {}", "hypercalls", sum(|h| h.hypercalls));
        let _ = writeln!(s, "engine:");
        let _ = writeln!(
            s,
            "  {:<32} {}",
            "blocks decoded",
            sum(|h| h.blocks_decoded)
        );
        let _ = writeln!(
            s,
            "  {:<32} {}",
            "block invalidations",
            sum(|h| h.block_invalidations)
        );
        let _ = writeln!(
            s,
            "  {:<32} {}",
            "blocks revalidated (fence.i)",
            sum(|h| h.blocks_revalidated)
        );
        let _ = writeln!(
            s,
            "  {:<32} {}",
            "fence.i with nothing to check",
            sum(|h| h.fence_is_settled)
        );
        let _ = writeln!(
            s,
            "  {:<32} {}",
            "TLB misses (page walks)",
            sum(|h| h.tlb_misses)
        );
        let _ = writeln!(s, "  {:<32} {}", "spin-loop yields", sum(|h| h.spin_yields));
        type Counter = (&'static str, fn(&HartStats) -> u64);
        let jit: [Counter; 18] = [
            ("blocks translated", |h| h.jit_blocks),
            ("  of them copied from other harts", |h| h.jit_adopted),
            ("  made by the compiler thread", |h| h.jit_compiled_beside),
            ("translated code bytes", |h| h.jit_code_bytes),
            ("dispatches to translated code", |h| h.jit_dispatches),
            ("blocks interpreted (jit engine)", |h| h.jit_interpreted),
            ("chained exits", |h| h.jit_chains),
            ("translation cache flushes", |h| h.jit_flushes),
            ("translations dropped (writes)", |h| h.jit_dropped),
            ("pages revalidated (fence.i)", |h| h.jit_pages_revalidated),
            ("narrow-register guesses failed", |h| h.jit_guesses_failed),
            ("divisor guesses failed", |h| h.jit_divisor_guesses_failed),
            ("loop-entry checks failed", |h| h.jit_guards_failed),
            ("probe groups failed", |h| h.jit_groups_failed),
            ("exits: to the interpreter", |h| h.jit_exits[0]),
            ("exits: jump-cache misses", |h| h.jit_exits[1]),
            ("exits: unchained jumps", |h| h.jit_exits[2]),
            ("exits: budget, irq, trap", |h| h.jit_exits[3]),
        ];
        if sum(|h| h.jit_blocks) > 0 {
            for (name, f) in jit {
                let _ = writeln!(s, "  {:<32} {}", name, sum(f));
            }
            // The translation cache's hit rate, by what it is for: the
            // share of the guest's instructions that ran translated.
            let run = sum(|h| h.jit_insns_run);
            let _ = writeln!(
                s,
                "  {:<32} {run} ({:.1} % of all)",
                "instructions run translated",
                100.0 * run as f64 / self.instret().max(1) as f64
            );
        }
        if self.hypercalls.total() > 0 {
            let _ = writeln!(s, "hypercalls by extension.function:");
            for ((e, f), n) in &self.hypercalls.0 {
                let _ = writeln!(s, "  {:<32} {n}", sbi_name(*e, *f));
            }
        }
        if !self.virtio.is_empty() {
            let _ = writeln!(s, "virtio devices:");
            for v in &self.virtio {
                let t = &v.transport;
                let _ = writeln!(
                    s,
                    "  {:<32} {} notifications, {} interrupts, {} resets",
                    v.name, t.notifies, t.interrupts, t.resets
                );
                let errs = t.mmio_bad_reads
                    + t.mmio_bad_writes
                    + t.writes_in_wrong_state
                    + t.queue_setup_errors
                    + t.activation_errors
                    + t.notifies_ignored;
                if errs > 0 {
                    let _ = writeln!(s, "  {:<32} {errs} driver errors", "");
                }
            }
        }
        let _ = writeln!(s, "MMIO accesses by device:");
        for m in &self.mmio {
            if m.reads + m.writes > 0 {
                let _ = writeln!(s, "  {:<32} {} reads, {} writes", m.name, m.reads, m.writes);
            }
        }
        s
    }
}
