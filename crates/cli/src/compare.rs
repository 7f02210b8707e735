//! `rvisor compare`: the same Debian guest booted fully virtualized
//! (`--mode full`: OpenSBI in M-mode, NS16550A console) and paravirtualized
//! (`--mode para`: SBI served by rvisor, virtio console and disk), and
//! optionally QEMU's two matching configurations (the flags of
//! tests/guests/qemu-baseline.sh), in interleaved repetitions. It charts the
//! medians of the times and of the VMM work behind them, as each rvisor run's
//! `--stats` report counts it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

use serde_json::{json, Value};

use crate::runs::{
    describe_failure, fixtures, load_average, median, parse_compute, qemu_version, rvisor_exe,
    secs, timed, Outcome, TempDir, QEMU, READY,
};

const BOOT_TIMEOUT: Duration = Duration::from_secs(600);
const BAR_WIDTH: f64 = 40.0;

/// Options of `rvisor compare`.
#[derive(clap::Args)]
pub struct CompareArgs {
    /// Harts (virtual CPUs) of every guest
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    cpus: u32,
    /// Repetitions of each configuration, interleaved (the chart shows medians)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,
    /// rvisor's execution engine
    #[arg(long, default_value = "auto", value_parser = ["interp", "jit", "auto"])]
    engine: String,
    /// Do not run QEMU even if it is installed
    #[arg(long)]
    no_qemu: bool,
    /// Print the results as one JSON document instead of the chart
    #[arg(long)]
    json: bool,
    /// Iterations of the guest's compute loop (its /init's rvisor.loops)
    #[arg(long, value_name = "N", default_value_t = 20000)]
    loops: u32,
    /// Load only these initramfs modules (the guest's rvisor.modules=; "none": none).
    /// Default: all of them
    #[arg(long, value_name = "A,B", value_parser = parse_modules)]
    modules: Option<String>,
}

fn parse_modules(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ','));
    if ok {
        Ok(s.to_string())
    } else {
        Err("a comma-separated list of module names, or none".into())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Vmm {
    Rvisor,
    Qemu,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Full,
    Para,
}

/// One column of the chart.
struct Config {
    vmm: Vmm,
    mode: Mode,
    runs: Runs,
}

impl Config {
    fn name(&self) -> &'static str {
        match (self.vmm, self.mode) {
            (Vmm::Rvisor, Mode::Full) => "rvisor full",
            (Vmm::Rvisor, Mode::Para) => "rvisor para",
            (Vmm::Qemu, Mode::Full) => "QEMU full",
            (Vmm::Qemu, Mode::Para) => "QEMU para",
        }
    }

    fn key(&self) -> &'static str {
        match (self.vmm, self.mode) {
            (Vmm::Rvisor, Mode::Full) => "rvisor_full",
            (Vmm::Rvisor, Mode::Para) => "rvisor_para",
            (Vmm::Qemu, Mode::Full) => "qemu_full",
            (Vmm::Qemu, Mode::Para) => "qemu_para",
        }
    }
}

/// One configuration's repetitions.
#[derive(Default)]
struct Runs {
    ready: Vec<f64>,
    poweroff: Vec<f64>,
    compute: Vec<f64>,
    compute_result: Option<String>,
    /// Each run's `--stats` counters (rvisor only).
    stats: Vec<BTreeMap<String, u64>>,
    failure: Option<String>,
}

impl Runs {
    fn record(&mut self, o: Result<Outcome, String>, want_stats: bool) {
        let o = match o {
            Ok(o) => o,
            Err(e) => return self.fail(e),
        };
        let Some(ready) = o.marker_at else {
            return self.fail(describe_failure(&o));
        };
        if o.status != Some(0) || !o.lines.iter().any(|l| l.contains("RVISOR-GUEST-POWEROFF")) {
            return self.fail(describe_failure(&o));
        }
        let Some((result, secs)) = o.lines.iter().find_map(|l| parse_compute(l)) else {
            return self.fail("no RVISOR-COMPUTE line".into());
        };
        if want_stats {
            match parse_stats(&o.stderr) {
                Some(s) => self.stats.push(s),
                None => return self.fail("no --stats report on stderr".into()),
            }
        }
        self.ready.push(ready.as_secs_f64());
        self.poweroff.push(o.wall.as_secs_f64());
        self.compute.push(secs);
        if self.compute_result.get_or_insert(result.clone()) != &result {
            self.fail(format!("compute result {result} varies between runs"));
        }
    }

    fn fail(&mut self, why: String) {
        self.failure.get_or_insert(why);
    }

    /// Median over the runs of a counter derived from one run's stats.
    fn work(&self, f: impl Fn(&BTreeMap<String, u64>) -> u64) -> Option<f64> {
        median(&self.stats.iter().map(|s| f(s) as f64).collect::<Vec<_>>())
    }
}

/// The `--stats` report as flat counters: "section/name" for one-number
/// lines, "section/name/word" for "N word, N word" lines, and "instret".
fn parse_stats(text: &str) -> Option<BTreeMap<String, u64>> {
    let start = text.find("== rvisor stats")?;
    let mut out = BTreeMap::new();
    let mut section = String::new();
    for line in text[start..].lines().skip(1) {
        if let Some(rest) = line.strip_prefix("instructions retired: ") {
            let n = rest.split_whitespace().next()?.parse().ok()?;
            out.insert("instret".to_string(), n);
        } else if let Some(entry) = line.strip_prefix("  ") {
            // Names are padded to 32 columns; a longer one has one space.
            let (name, rest) = entry.split_once("  ").or_else(|| entry.rsplit_once(' '))?;
            let (name, rest) = (name.trim(), rest.trim());
            let parts: Vec<&str> = rest.split(", ").collect();
            if parts.len() == 1 {
                if let Ok(n) = rest.parse() {
                    out.insert(format!("{section}/{name}"), n);
                }
                continue;
            }
            for p in parts {
                if let Some((n, word)) = p.split_once(' ') {
                    if let Ok(n) = n.parse() {
                        out.insert(format!("{section}/{name}/{word}"), n);
                    }
                }
            }
        } else if let Some(s) = line.strip_suffix(':') {
            section = s.to_string();
        } else if !line.trim().is_empty() {
            break;
        }
    }
    out.contains_key("instret").then_some(out)
}

const TRAPS: &str = "traps taken by cause/";
const MMIO: &str = "MMIO accesses by device/";
const VIRTIO: &str = "virtio devices/";
const HCALLS: &str = "hypercalls by extension.function/";

fn sum_where(s: &BTreeMap<String, u64>, f: impl Fn(&str) -> bool) -> u64 {
    s.iter().filter(|(k, _)| f(k)).map(|(_, v)| v).sum()
}

/// A counter derived from one run's `--stats`.
type Counter = Box<dyn Fn(&BTreeMap<String, u64>) -> u64>;

/// The VMM work that explains the difference, as (label, json key, counter).
type Work = (String, String, Counter);

/// One bar chart: its title and (config, value, value as shown) bars.
type Chart<'a> = (String, Vec<(&'a str, Option<f64>, String)>);

fn get(key: String) -> Counter {
    Box::new(move |s| s.get(&key).copied().unwrap_or(0))
}

/// Every counter row, in chart order; sub-rows ("  ...") list the causes and
/// devices that occurred in any run of either mode.
fn work_rows(configs: &[Config]) -> Vec<Work> {
    let seen = |prefix: &str, suffix: &str| {
        let mut names: Vec<String> = configs
            .iter()
            .flat_map(|c| c.runs.stats.iter())
            .flat_map(|s| s.keys())
            .filter_map(|k| k.strip_prefix(prefix)?.strip_suffix(suffix))
            .map(|n| n.split('/').next().unwrap_or(n).to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let (causes, devices, virtio, hcalls) = (
        seen(TRAPS, ""),
        seen(MMIO, "/reads"),
        seen(VIRTIO, "/notifications"),
        seen(HCALLS, ""),
    );
    let mut rows: Vec<Work> = vec![(
        "instructions retired".into(),
        "instret".into(),
        get("instret".into()),
    )];
    for (mode, key) in [
        ("M-mode (firmware)", "m"),
        ("S-mode (kernel)", "s"),
        ("U-mode (user)", "u"),
    ] {
        rows.push((
            format!("  in {mode}"),
            format!("instret.{key}"),
            get(format!("instructions retired by privilege/{mode}")),
        ));
    }
    rows.push((
        "traps (exceptions + interrupts)".into(),
        "traps".into(),
        Box::new(|s| sum_where(s, |k| k.starts_with(TRAPS))),
    ));
    for c in causes {
        rows.push((
            format!("  {c}"),
            format!("trap.{c}"),
            get(format!("{TRAPS}{c}")),
        ));
    }
    rows.push((
        "SBI calls: ecalls to OpenSBI / hypercalls".into(),
        "sbi_calls".into(),
        Box::new(|s| {
            s.get(&format!("{TRAPS}ecall from S-mode"))
                .copied()
                .unwrap_or(0)
                + s.get("sensitive instructions emulated/hypercalls")
                    .copied()
                    .unwrap_or(0)
        }),
    ));
    for h in hcalls {
        rows.push((
            format!("  {h}"),
            format!("hypercall.{h}"),
            get(format!("{HCALLS}{h}")),
        ));
    }
    rows.push((
        "MMIO exits (all devices, reads + writes)".into(),
        "mmio_exits".into(),
        Box::new(|s| sum_where(s, |k| k.starts_with(MMIO))),
    ));
    for d in devices {
        let prefix = format!("{MMIO}{d}/");
        rows.push((
            format!("  {d}"),
            format!("mmio.{d}"),
            Box::new(move |s| sum_where(s, |k| k.starts_with(&prefix))),
        ));
    }
    rows.push((
        "virtio notifications (queue kicks)".into(),
        "virtio_notifications".into(),
        Box::new(|s| {
            sum_where(s, |k| {
                k.starts_with(VIRTIO) && k.ends_with("/notifications")
            })
        }),
    ));
    for v in virtio {
        rows.push((
            format!("  {v}"),
            format!("virtio.{v}"),
            get(format!("{VIRTIO}{v}/notifications")),
        ));
    }
    rows.push((
        "virtio interrupts".into(),
        "virtio_interrupts".into(),
        Box::new(|s| sum_where(s, |k| k.starts_with(VIRTIO) && k.ends_with("/interrupts"))),
    ));
    for (label, key, stat) in [
        (
            "TLB misses (page walks)",
            "tlb_misses",
            "engine/TLB misses (page walks)",
        ),
        (
            "CSR accesses emulated",
            "csr_accesses",
            "sensitive instructions emulated/CSR accesses",
        ),
        (
            "mret/sret",
            "xrets",
            "sensitive instructions emulated/mret/sret",
        ),
        (
            "sfence.vma",
            "sfence_vma",
            "sensitive instructions emulated/sfence.vma",
        ),
        ("wfi", "wfi", "sensitive instructions emulated/wfi"),
        (
            "spin-loop yields (host thread given away)",
            "spin_yields",
            "engine/spin-loop yields",
        ),
    ] {
        rows.push((label.into(), key.into(), get(stat.into())));
    }
    rows
}

fn append(mode: Mode, loops: u32, modules: Option<&str>) -> String {
    let console = match mode {
        Mode::Full => "console=ttyS0",
        Mode::Para => "console=hvc0 earlycon=sbi",
    };
    let mut s = format!("{console} rvisor.test=1 rvisor.loops={loops}");
    if let Some(m) = modules {
        s.push_str(&format!(" rvisor.modules={m}"));
    }
    s
}

fn rvisor_cmd(args: &CompareArgs, mode: Mode, fix: &Path, disk: &Path) -> Result<Command, String> {
    let mut c = rvisor_exe()?;
    c.args(["run", "--stats", "--engine", &args.engine, "--mem", "512M"])
        .args(["--cpus", &args.cpus.to_string()])
        .arg("--kernel")
        .arg(fix.join("Image"))
        .arg("--initrd")
        .arg(fix.join("initramfs.cpio.gz"))
        .args([
            "--append",
            &append(mode, args.loops, args.modules.as_deref()),
        ]);
    match mode {
        Mode::Full => c
            .args(["--mode", "full", "--firmware"])
            .arg(fix.join("fw_dynamic.bin")),
        Mode::Para => c.args(["--mode", "para", "--disk"]).arg(disk),
    };
    Ok(c)
}

/// QEMU as tests/guests/qemu-baseline.sh runs it (configs `full`, `para`).
fn qemu_cmd(args: &CompareArgs, mode: Mode, fix: &Path) -> Command {
    let mut c = Command::new(QEMU);
    c.args(["-M", "virt", "-smp", &args.cpus.to_string(), "-m", "512M"])
        .args([
            "-display",
            "none",
            "-monitor",
            "none",
            "-nic",
            "none",
            "-no-reboot",
        ])
        .arg("-kernel")
        .arg(fix.join("Image"))
        .arg("-initrd")
        .arg(fix.join("initramfs.cpio.gz"))
        .arg("-bios")
        .arg(fix.join("fw_dynamic.bin"))
        .args([
            "-append",
            &append(mode, args.loops, args.modules.as_deref()),
        ]);
    match mode {
        Mode::Full => c.args(["-serial", "stdio"]),
        Mode::Para => c
            .args(["-chardev", "stdio,mux=on,id=c0", "-serial", "chardev:c0"])
            .args([
                "-device",
                "virtio-serial-device",
                "-device",
                "virtconsole,chardev=c0",
            ])
            .arg("-drive")
            .arg(format!(
                "file={},format=raw,if=none,id=hd0,snapshot=on",
                fix.join("rootfs.ext4").display()
            ))
            .args(["-device", "virtio-blk-device,drive=hd0"]),
    };
    c
}

/// `rvisor compare`.
pub fn main(args: CompareArgs) -> ExitCode {
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("rvisor: compare: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &CompareArgs) -> Result<bool, String> {
    let fix = fixtures(&[
        "fw_dynamic.bin",
        "Image",
        "initramfs.cpio.gz",
        "rootfs.ext4",
    ])?;
    let qemu = if args.no_qemu { None } else { qemu_version() };
    // The para guest gets a private copy of the disk (QEMU uses snapshot=on).
    let tmp = TempDir::new("compare")?;
    let disk = tmp.path().join("rootfs.ext4");
    std::fs::copy(fix.join("rootfs.ext4"), &disk)
        .map_err(|e| format!("copying rootfs.ext4 to {}: {e}", disk.display()))?;
    let load_start = load_average();

    let mut configs: Vec<Config> = Vec::new();
    for vmm in [Vmm::Rvisor, Vmm::Qemu] {
        if vmm == Vmm::Qemu && qemu.is_none() {
            continue;
        }
        for mode in [Mode::Full, Mode::Para] {
            configs.push(Config {
                vmm,
                mode,
                runs: Runs::default(),
            });
        }
    }
    // Interleaved, so a noisy host weighs on every configuration alike.
    for rep in 1..=args.reps {
        for c in &mut configs {
            let cmd = match c.vmm {
                Vmm::Rvisor => rvisor_cmd(args, c.mode, &fix, &disk)?,
                Vmm::Qemu => qemu_cmd(args, c.mode, &fix),
            };
            let o = timed(cmd, READY, BOOT_TIMEOUT);
            c.runs.record(o, c.vmm == Vmm::Rvisor);
            eprintln!(
                "rvisor compare: run {rep}/{} {:<12} {}",
                args.reps,
                c.name(),
                match (&c.runs.failure, c.runs.poweroff.last()) {
                    (Some(f), _) => format!("FAILED: {f}"),
                    (None, Some(t)) => format!("{t:.2} s"),
                    (None, None) => "-".into(),
                }
            );
        }
    }
    let results: Vec<&String> = configs
        .iter()
        .filter_map(|c| c.runs.compute_result.as_ref())
        .collect();
    let agree = results.windows(2).all(|w| w[0] == w[1]);
    let all_ok = agree && configs.iter().all(|c| c.runs.failure.is_none());
    let rows = work_rows(&configs);
    let header = Header {
        args,
        qemu: qemu.as_deref(),
        load_start,
        load_end: load_average(),
    };
    if args.json {
        let doc = to_json(&header, &configs, &rows, agree);
        println!(
            "{}",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        );
    } else {
        print_chart(&header, &configs, &rows, agree);
    }
    Ok(all_ok)
}

struct Header<'a> {
    args: &'a CompareArgs,
    qemu: Option<&'a str>,
    load_start: Option<String>,
    load_end: Option<String>,
}

/// The time rows: (label, json key, samples).
fn time_rows(c: &Config) -> [(&'static str, &'static str, &Vec<f64>); 3] {
    [
        ("wall time to RVISOR-GUEST-READY", "ready_s", &c.runs.ready),
        (
            "wall time to power-off (exit)",
            "poweroff_s",
            &c.runs.poweroff,
        ),
        (
            "guest compute loop (guest uptime)",
            "compute_s",
            &c.runs.compute,
        ),
    ]
}

fn ratio(full: Option<f64>, para: Option<f64>) -> String {
    match (full, para) {
        (Some(f), Some(p)) if f > 0.0 => format!("{:.2}x", p / f),
        _ => "-".into(),
    }
}

fn count(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}

fn bar(v: f64, max: f64) -> String {
    let n = if max > 0.0 {
        (v / max * BAR_WIDTH).round() as usize
    } else {
        0
    };
    "#".repeat(n.max(usize::from(v > 0.0)))
}

fn print_chart(h: &Header, configs: &[Config], rows: &[Work], agree: bool) {
    let a = h.args;
    println!(
        "rvisor compare: Debian guest, {} hart(s), 512M, engine {}, {} repetition(s) interleaved, medians",
        a.cpus, a.engine, a.reps
    );
    println!(
        "guest command line: full: console=ttyS0 | para: console=hvc0 earlycon=sbi, \
         rootfs on virtio-blk (+ rvisor.test=1 rvisor.loops={}{})",
        a.loops,
        a.modules
            .as_ref()
            .map_or(String::new(), |m| format!(" rvisor.modules={m}"))
    );
    println!(
        "{}; host {} CPUs, load average {} at start, {} at end",
        match (h.qemu, a.no_qemu) {
            (Some(v), _) => format!("{v} (-M virt, TCG, flags of tests/guests/qemu-baseline.sh)"),
            (None, true) => "QEMU not run (--no-qemu)".into(),
            (None, false) => format!("{QEMU} not installed (Debian: qemu-system-misc)"),
        },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        h.load_start.as_deref().unwrap_or("?"),
        h.load_end.as_deref().unwrap_or("?"),
    );
    println!();
    let (rf, rp) = (&configs[0], &configs[1]);
    let qemu = configs.get(2..4);
    let mut head = format!(
        "{:<44} | {:>13} {:>13} {:>9}",
        "", "rvisor full", "rvisor para", "para/full"
    );
    if qemu.is_some() {
        head.push_str(&format!(
            " | {:>13} {:>13} {:>9}",
            "QEMU full", "QEMU para", "para/full"
        ));
    }
    println!("{head}");
    println!("{}", "-".repeat(head.len()));
    for i in 0..3 {
        let m = |c: &Config| median(time_rows(c)[i].2);
        let mut line = format!(
            "{:<44} | {:>13} {:>13} {:>9}",
            time_rows(rf)[i].0,
            secs(m(rf)),
            secs(m(rp)),
            ratio(m(rf), m(rp))
        );
        if let Some([qf, qp]) = qemu {
            line.push_str(&format!(
                " | {:>13} {:>13} {:>9}",
                secs(m(qf)),
                secs(m(qp)),
                ratio(m(qf), m(qp))
            ));
        }
        println!("{line}");
    }
    println!("{}", "-".repeat(head.len()));
    println!("VMM work (rvisor --stats; QEMU has no such counters):");
    for (label, _, f) in rows {
        let (vf, vp) = (rf.runs.work(f), rp.runs.work(f));
        if label.starts_with("  ") && vf.unwrap_or(0.0) + vp.unwrap_or(0.0) == 0.0 {
            continue;
        }
        println!(
            "{:<44} | {:>13} {:>13} {:>9}",
            label,
            count(vf),
            count(vp),
            ratio(vf, vp)
        );
    }
    println!();

    // Bar charts: each metric scaled to its own largest value.
    let mut charts: Vec<Chart> = Vec::new();
    for i in 0..3 {
        let bars = configs
            .iter()
            .map(|c| {
                let m = median(time_rows(c)[i].2);
                (c.name(), m, secs(m))
            })
            .collect();
        charts.push((time_rows(rf)[i].0.to_string(), bars));
    }
    for key in [
        "instret",
        "traps",
        "sbi_calls",
        "mmio_exits",
        "virtio_notifications",
        "tlb_misses",
    ] {
        if let Some((label, _, f)) = rows.iter().find(|r| r.1 == key) {
            let bars = configs[..2]
                .iter()
                .map(|c| {
                    let m = c.runs.work(f);
                    (c.name(), m, count(m))
                })
                .collect();
            charts.push((label.clone(), bars));
        }
    }
    for (title, bars) in charts {
        println!("{title}");
        let max = bars.iter().filter_map(|b| b.1).fold(0.0, f64::max);
        for (name, v, shown) in bars {
            let b = v.map_or(String::new(), |v| bar(v, max));
            println!("  {name:<12} {b:<w$} {shown}", w = BAR_WIDTH as usize);
        }
    }
    println!();
    let mut ok = true;
    for c in configs {
        if let Some(f) = &c.runs.failure {
            println!("FAIL {}: {f}", c.name());
            ok = false;
        }
    }
    if !agree {
        let all: Vec<String> = configs
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.name(),
                    c.runs.compute_result.as_deref().unwrap_or("-")
                )
            })
            .collect();
        println!("FAIL compute results differ: {}", all.join(", "));
        ok = false;
    }
    if ok {
        println!(
            "check: ok (every run reached {READY}, computed result {} and powered off)",
            rf.runs.compute_result.as_deref().unwrap_or("-")
        );
    }
    println!(
        "para/full < 1: para needs less. Full mode's SBI calls trap into OpenSBI in emulated \
         M-mode (its instructions are in the count); para's are served by rvisor directly."
    );
}

fn to_json(h: &Header, configs: &[Config], rows: &[Work], agree: bool) -> Value {
    let a = h.args;
    let mut out = serde_json::Map::new();
    for c in configs {
        let mut times = serde_json::Map::new();
        for (_, key, samples) in time_rows(c) {
            times.insert(key.into(), json!(median(samples)));
            times.insert(format!("{key}_runs"), json!(samples));
        }
        let work: serde_json::Map<String, Value> = if c.vmm == Vmm::Rvisor {
            rows.iter()
                .filter_map(|(_, key, f)| Some((key.clone(), json!(c.runs.work(f)?))))
                .collect()
        } else {
            serde_json::Map::new()
        };
        out.insert(
            c.key().into(),
            json!({
                "name": c.name(),
                "vmm": if c.vmm == Vmm::Rvisor { "rvisor" } else { "qemu" },
                "mode": if c.mode == Mode::Full { "full" } else { "para" },
                "ok": c.runs.failure.is_none(),
                "failure": c.runs.failure,
                "runs": c.runs.poweroff.len(),
                "compute_result": c.runs.compute_result,
                "times": times,
                "work": if c.vmm == Vmm::Rvisor { Value::Object(work) } else { Value::Null },
            }),
        );
    }
    json!({
        "guest": {
            "cpus": a.cpus,
            "mem": "512M",
            "loops": a.loops,
            "modules": a.modules,
            "append_full": append(Mode::Full, a.loops, a.modules.as_deref()),
            "append_para": append(Mode::Para, a.loops, a.modules.as_deref()),
        },
        "engine": a.engine,
        "reps": a.reps,
        "qemu": h.qemu,
        "host": {
            "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
            "load_start": h.load_start,
            "load_end": h.load_end,
        },
        "compute_results_agree": agree,
        "ok": agree && configs.iter().all(|c| c.runs.failure.is_none()),
        "configs": out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "noise\n== rvisor stats (1 hart(s), 3.021 s wall)
instructions retired: 2051660120 (679.1 M/s)
instructions retired by privilege:
  M-mode (firmware)                151660120
  S-mode (kernel)                  1400000000
  U-mode (user)                    500000000
traps taken by cause:
  ecall from U-mode                1168
  supervisor timer interrupt       564
sensitive instructions emulated:
  CSR accesses                     361653
  hypercalls                       37
engine:
  TLB misses (page walks)          1952592
  blocks interpreted (jit engine)  1813046
hypercalls by extension.function:
  dbcn.console_write               14
virtio devices:
  virtio-console0                  143 notifications, 79 interrupts, 2 resets
MMIO accesses by device:
  plic                             277 reads, 264 writes
";

    #[test]
    fn parses_a_stats_report() {
        let s = parse_stats(REPORT).expect("parses");
        assert_eq!(s["instret"], 2_051_660_120);
        assert_eq!(
            s["instructions retired by privilege/M-mode (firmware)"],
            151_660_120
        );
        assert_eq!(
            s["instructions retired by privilege/U-mode (user)"],
            500_000_000
        );
        assert_eq!(s["traps taken by cause/ecall from U-mode"], 1168);
        assert_eq!(s["traps taken by cause/supervisor timer interrupt"], 564);
        assert_eq!(s["sensitive instructions emulated/hypercalls"], 37);
        assert_eq!(s["engine/blocks interpreted (jit engine)"], 1_813_046);
        assert_eq!(s["hypercalls by extension.function/dbcn.console_write"], 14);
        assert_eq!(s["virtio devices/virtio-console0/notifications"], 143);
        assert_eq!(s["MMIO accesses by device/plic/writes"], 264);
        assert_eq!(parse_stats("no report"), None);
    }

    #[test]
    fn work_rows_sum_what_explains_the_difference() {
        let mut c = Config {
            vmm: Vmm::Rvisor,
            mode: Mode::Para,
            runs: Runs::default(),
        };
        c.runs.stats.push(parse_stats(REPORT).expect("parses"));
        let rows = work_rows(std::slice::from_ref(&c));
        let val = |key: &str| {
            let (_, _, f) = rows.iter().find(|r| r.1 == key).expect(key);
            c.runs.work(f)
        };
        assert_eq!(val("traps"), Some(1732.0));
        assert_eq!(val("sbi_calls"), Some(37.0));
        assert_eq!(val("mmio_exits"), Some(541.0));
        assert_eq!(val("mmio.plic"), Some(541.0));
        assert_eq!(val("virtio_notifications"), Some(143.0));
        assert_eq!(val("virtio_interrupts"), Some(79.0));
        assert_eq!(val("tlb_misses"), Some(1_952_592.0));
    }

    #[test]
    fn modules_are_checked() {
        assert!(parse_modules("virtio_mmio,virtio_blk").is_ok());
        assert!(parse_modules("none").is_ok());
        assert!(parse_modules("a b").is_err());
        assert!(parse_modules("").is_err());
    }
}
