//! `--stats`: what the VMM did for the guest, printed at exit.

use std::fmt::Write as _;
use std::time::Duration;

use rvisor_cpu::stats::HartStats;
use rvisor_memory::bus::MmioStats;

/// Counters gathered from every hart and device when the VM stopped.
#[derive(Debug, Default, Clone)]
pub struct VmStats {
    /// Wall time the harts ran.
    pub wall: Duration,
    /// Per-hart counters.
    pub harts: Vec<HartStats>,
    /// Per-device MMIO counts.
    pub mmio: Vec<MmioStats>,
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
            "TLB misses (page walks)",
            sum(|h| h.tlb_misses)
        );
        type Counter = (&'static str, fn(&HartStats) -> u64);
        let jit: [Counter; 7] = [
            ("blocks translated", |h| h.jit_blocks),
            ("translated code bytes", |h| h.jit_code_bytes),
            ("dispatches to translated code", |h| h.jit_dispatches),
            ("blocks interpreted (jit engine)", |h| h.jit_interpreted),
            ("chained exits", |h| h.jit_chains),
            ("translation cache flushes", |h| h.jit_flushes),
            ("translations dropped (writes)", |h| h.jit_dropped),
        ];
        if sum(|h| h.jit_blocks) > 0 {
            for (name, f) in jit {
                let _ = writeln!(s, "  {:<32} {}", name, sum(f));
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
