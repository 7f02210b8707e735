//! `rvisor bench`: the bare-metal bench guests (guests/bench, embedded in the
//! binary) and optionally the Debian boot, under rvisor and — when installed
//! — under `qemu-system-riscv64 -M virt` side by side in the same run.
//!
//! Each run is a child process (rvisor re-executes itself with `run`), so
//! both sides are measured the same way: wall time from spawn to exit, and
//! the guest's own kernel time (`ticks`, mtime at 10 MHz across the
//! benchmark kernel only). MIPS = the kernel's instruction count (`instret`,
//! exact in rvisor; QEMU without `-icount` reports no count, but the guest is
//! deterministic, so rvisor's count holds for it) / kernel time.
//!
//! `--native` adds the same kernels built for the host (see native.rs), as
//! the baseline the slowdown ratios are taken against.
//!
//! `--user` runs the same kernels once more, built as static Linux programs
//! (guests/linux), in the booted Debian guest: user code under Sv39, timed
//! with `rdtime`, after the boot's own background work has settled; and
//! then a few of the guest's own busybox applets (hashes, compression,
//! sorting, awk, sed) on input its /init makes, each timed the same way
//! and checked by its output's md5.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::runs::{
    describe_failure, fixtures, load_average, median, parse_compute, qemu_version, rvisor_exe,
    secs, timed, Outcome, TempDir, QEMU, READY,
};

static GUESTS: [(&str, &[u8]); 11] = [
    ("int", include_bytes!("../../../guests/bench/int.elf")),
    ("mem", include_bytes!("../../../guests/bench/mem.elf")),
    ("branch", include_bytes!("../../../guests/bench/branch.elf")),
    ("fp", include_bytes!("../../../guests/bench/fp.elf")),
    ("mix", include_bytes!("../../../guests/bench/mix.elf")),
    ("hash", include_bytes!("../../../guests/bench/hash.elf")),
    // The same sources built for RV64GC with Zba/Zbb/Zbs (RVA22's bit
    // manipulation: shifted adds, rotates, andn, min/max, ...), as
    // distributions moving past RV64GC build them (fp has none).
    ("int-zb", include_bytes!("../../../guests/bench/int-zb.elf")),
    ("mem-zb", include_bytes!("../../../guests/bench/mem-zb.elf")),
    (
        "branch-zb",
        include_bytes!("../../../guests/bench/branch-zb.elf"),
    ),
    ("mix-zb", include_bytes!("../../../guests/bench/mix-zb.elf")),
    (
        "hash-zb",
        include_bytes!("../../../guests/bench/hash-zb.elf"),
    ),
];

/// The kernel a bench row runs (the name its guest reports), and whether
/// it was built with Zba/Zbb/Zbs (QEMU's hart is then told to have them).
fn kernel(row: &str) -> (&str, bool) {
    match row.strip_suffix("-zb") {
        Some(k) => (k, true),
        None => (row, false),
    }
}

/// QEMU's hart for the Zb rows: the extensions named, whatever the QEMU
/// version's default.
const QEMU_ZB_CPU: &str = "rv64,zba=true,zbb=true,zbs=true";

/// The bench kernels as static RV64 Linux programs (guests/linux/rt.h).
static USER_GUESTS: [(&str, &[u8]); 6] = [
    ("int", include_bytes!("../../../guests/linux/int.elf")),
    ("mem", include_bytes!("../../../guests/linux/mem.elf")),
    ("branch", include_bytes!("../../../guests/linux/branch.elf")),
    ("fp", include_bytes!("../../../guests/linux/fp.elf")),
    ("mix", include_bytes!("../../../guests/linux/mix.elf")),
    ("hash", include_bytes!("../../../guests/linux/hash.elf")),
];

/// Prints the `time` CSR: the `--user` run's /init times the applets with
/// it (the shell's clock, /proc/uptime, counts in 10 ms steps).
static TICKS: &[u8] = include_bytes!("../../../guests/linux/ticks.elf");

/// Busybox applets the `--user` run times in the booted guest after the
/// programs: CPU-bound work a user of the guest runs there, with the
/// fixture's busybox (Debian's busybox-static, pinned by the fixtures'
/// fetch.sh). Each: its name, its command line (its output goes to a
/// file), and the md5 of that output (GNU coreutils, awk and sed give
/// the same outputs; gzip's is busybox's own, the same under QEMU). The
/// input: /tmp/seq (the numbers 1 to 600000, 4.4 MB), /tmp/seq.gz (it,
/// gzipped) and /tmp/a (32 MiB of `a`).
static APPLETS: [(&str, &str, &str); 8] = [
    (
        "sha256",
        "/bin/busybox sha256sum /tmp/a",
        "56cccc7c195bf0c02e5f752ebfcf9367",
    ),
    (
        "md5",
        "/bin/busybox md5sum /tmp/a",
        "b1495874e149bee3e0e22def52354fb8",
    ),
    (
        "sha1",
        "/bin/busybox sha1sum /tmp/a",
        "422aa37cf424a7e1a89e4ff280a89df7",
    ),
    (
        "gzip",
        "/bin/busybox gzip -c /tmp/seq",
        "cb4358a6d23177581f681e6c9ee760f2",
    ),
    (
        "gunzip",
        "/bin/busybox gunzip -c /tmp/seq.gz",
        "4227a6765b501c1623bcfe623a7bc9e5",
    ),
    (
        "sort",
        "/bin/busybox sort -r /tmp/seq",
        "06464ff4c9a9d8b51e5944b3a9e73c5d",
    ),
    (
        "awk",
        "/bin/busybox awk 'BEGIN { s = 0; for (i = 0; i < 300000; i++) s += i * i % 7; print s }'",
        "4b0f323a6ff9b77c44257ca94a2cfe2c",
    ),
    (
        "sed",
        "/bin/busybox sed s/1/x/g /tmp/seq",
        "7e5f3bdbf4824e76bc60c50bf5397a25",
    ),
];

/// The `--user` run's /init (the kernel's `rdinit=`): it waits until the
/// harts have been at least 90 % idle for 0.2 s (the boot leaves work
/// behind: crypto self-tests, trace-event maps), for at most 10 s, then
/// runs each program, makes the applets' input and runs each applet
/// (`APPLETS` lines: see [`user_init`]), and powers off.
const USER_INIT: &str = r#"#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
n=$(/bin/busybox grep -c ^processor /proc/cpuinfo)
idle() { read -r _ _ _ _ t _ < /proc/stat; echo "$t"; }
i=0
while [ $i -lt 50 ]; do
  a=$(idle); /bin/busybox sleep 0.2; b=$(idle)
  [ $((b - a)) -ge $((18 * n)) ] && break
  i=$((i + 1))
done
echo "RVISOR-USER-SETTLED after $i"
for k in KERNELS; do "/rvisor-bench-$k"; done
/bin/busybox seq 1 600000 > /tmp/seq
/bin/busybox gzip -c /tmp/seq > /tmp/seq.gz
/bin/busybox dd if=/dev/zero bs=64k count=512 2>/dev/null | /bin/busybox tr '\0' a > /tmp/a
report() {
  r=$(/bin/busybox md5sum < /tmp/out)
  echo "RVISOR-BENCH name=$1 result=${r%% *} expect=$2 ok=1 ticks=$((t1 - t0)) instret=0"
}
APPLETS
/bin/busybox poweroff -f
"#;

/// [`USER_INIT`] for the programs `names` and the applets `applets`.
fn user_init(names: &[&str], applets: &[(&str, &str, &str)]) -> String {
    let lines: Vec<String> = applets
        .iter()
        .map(|(name, cmd, md5)| {
            format!(
                "t0=$(/rvisor-bench-ticks); {cmd} > /tmp/out 2>&1; t1=$(/rvisor-bench-ticks); report {name} {md5}"
            )
        })
        .collect();
    USER_INIT
        .replace("KERNELS", &names.join(" "))
        .replace("APPLETS", &lines.join("\n"))
}

const GUEST_TIMEOUT: Duration = Duration::from_secs(300);
const BOOT_TIMEOUT: Duration = Duration::from_secs(600);
/// mtime frequency of the `virt` board (and of rvisor's CLINT).
const TICKS_PER_SEC: f64 = 10_000_000.0;

/// Options of `rvisor bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// rvisor's execution engine
    #[arg(long, default_value = "auto", value_parser = ["interp", "jit", "auto"])]
    engine: String,
    /// Repetitions per benchmark (the table shows medians)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,
    /// Run only this benchmark (int, mem, branch, fp, mix, hash; the same
    /// built with Zba/Zbb/Zbs: int-zb, mem-zb, branch-zb, mix-zb, hash-zb;
    /// boot, user); repeatable
    #[arg(long, value_name = "NAME", value_parser = [
        "int", "mem", "branch", "fp", "mix", "hash", "int-zb", "mem-zb", "branch-zb", "mix-zb",
        "hash-zb", "boot", "user",
    ])]
    only: Vec<String>,
    /// Do not run QEMU even if it is installed
    #[arg(long)]
    no_qemu: bool,
    /// Also time the Debian boot to RVISOR-GUEST-READY in full mode (fixtures
    /// from $RVISOR_GUESTS or ~/.cache/rvisor-guests)
    #[arg(long)]
    boot: bool,
    /// Also run the bench kernels as user programs in the booted Debian
    /// guest (static Linux builds, timed by the guest's clock; fixtures as
    /// for --boot), then some of the guest's busybox applets (sha256sum,
    /// md5sum, sha1sum, gzip, gunzip, sort, awk, sed)
    #[arg(long)]
    user: bool,
    /// Harts for the boot and user benchmarks
    #[arg(long, value_name = "N", default_value_t = 1)]
    cpus: u32,
    /// Iterations of the Debian guest's compute loop (its /init's rvisor.loops)
    #[arg(long, value_name = "N", default_value_t = 20000)]
    loops: u32,
    /// Also run the bench kernels natively (built with the host's cc -O2) and
    /// show the rvisor/native and QEMU/native time ratios
    #[arg(long)]
    native: bool,
}

/// The fields of a `RVISOR-BENCH` line.
#[derive(Debug, PartialEq, Eq)]
struct BenchLine {
    name: String,
    result: String,
    expect: String,
    ok: bool,
    ticks: u64,
    instret: u64,
}

fn parse_line(line: &str) -> Option<BenchLine> {
    let rest = line.trim().strip_prefix("RVISOR-BENCH ")?;
    let field = |key: &str| {
        rest.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_string)
    };
    Some(BenchLine {
        name: field("name")?,
        result: field("result")?,
        expect: field("expect")?,
        ok: field("ok")? == "1",
        ticks: field("ticks")?.parse().ok()?,
        instret: field("instret")?.parse().ok()?,
    })
}

/// One side's runs of one benchmark.
#[derive(Default)]
struct Side {
    walls: Vec<f64>,
    kernel: Vec<f64>,
    instret: Option<u64>,
    /// Boot only: in-guest compute loop seconds and its result.
    compute: Vec<f64>,
    compute_result: Option<String>,
    failure: Option<String>,
}

impl Side {
    fn record_guest(&mut self, name: &str, o: Result<Outcome, String>) {
        let o = match o {
            Ok(o) => o,
            Err(e) => return self.fail(e),
        };
        let line = o.marker_line.as_deref().and_then(parse_line);
        match line {
            Some(l) if l.name == name && l.ok && l.result == l.expect && o.status == Some(0) => {
                self.walls.push(o.wall.as_secs_f64());
                self.kernel.push(l.ticks as f64 / TICKS_PER_SEC);
                self.instret.get_or_insert(l.instret);
            }
            Some(l) if !l.ok || l.result != l.expect => {
                self.fail(format!("result {} != expected {}", l.result, l.expect))
            }
            _ => self.fail(describe_failure(&o)),
        }
    }

    fn record_boot(&mut self, o: Result<Outcome, String>) {
        match o {
            Ok(o) => match o.marker_at {
                Some(at) => {
                    self.kernel.push(at.as_secs_f64());
                    self.walls.push(o.wall.as_secs_f64());
                    match o.lines.iter().find_map(|l| parse_compute(l)) {
                        Some((result, secs)) => {
                            self.compute.push(secs);
                            if self.compute_result.get_or_insert(result.clone()) != &result {
                                self.fail(format!("compute result {result} varies between runs"));
                            }
                        }
                        None => self.fail("no RVISOR-COMPUTE line".into()),
                    }
                    if o.status != Some(0) {
                        self.fail(describe_failure(&o));
                    }
                }
                None => self.fail(describe_failure(&o)),
            },
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, why: String) {
        self.failure.get_or_insert(why);
    }
}

fn mips(instret: Option<u64>, t: Option<f64>) -> Option<f64> {
    Some(instret? as f64 / t? / 1e6)
}

fn rvisor_cmd(engine: &str) -> Result<Command, String> {
    let mut c = rvisor_exe()?;
    c.args(["run", "--mode", "full", "--engine", engine]);
    Ok(c)
}

fn boot_append(loops: u32) -> String {
    format!("console=ttyS0 rvisor.test=1 rvisor.loops={loops}")
}

fn boot_args(fix: &Path, cpus: u32, initrd: &Path, append: String) -> Vec<String> {
    let p = |f: &str| fix.join(f).display().to_string();
    vec![
        "--firmware".into(),
        p("fw_dynamic.bin"),
        "--kernel".into(),
        p("Image"),
        "--initrd".into(),
        initrd.display().to_string(),
        "--append".into(),
        append,
        "--mem".into(),
        "512M".into(),
        "--cpus".into(),
        cpus.to_string(),
    ]
}

fn qemu_boot_cmd(fix: &Path, cpus: u32, initrd: &Path, append: &str) -> Command {
    let p = |f: &str| fix.join(f);
    let mut c = Command::new(QEMU);
    c.args(["-M", "virt", "-smp", &cpus.to_string(), "-m", "512M"])
        .args([
            "-display",
            "none",
            "-monitor",
            "none",
            "-nic",
            "none",
            "-no-reboot",
        ])
        .arg("-bios")
        .arg(p("fw_dynamic.bin"))
        .arg("-kernel")
        .arg(p("Image"))
        .arg("-initrd")
        .arg(initrd)
        .args(["-serial", "stdio", "-append", append]);
    c
}

/// The fixture's initramfs with the user programs and their /init
/// appended, written into `dir`.
fn user_initrd(fix: &Path, dir: &Path, names: &[&str]) -> Result<std::path::PathBuf, String> {
    let base = fix.join("initramfs.cpio.gz");
    let first = std::fs::read(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    let mut overlay = crate::cpio::Cpio::new();
    overlay.file("rvisor-bench", 0o755, user_init(names, &APPLETS).as_bytes());
    overlay.file("rvisor-bench-ticks", 0o755, TICKS);
    for (name, elf) in USER_GUESTS.iter().filter(|(n, _)| names.contains(n)) {
        overlay.file(&format!("rvisor-bench-{name}"), 0o755, elf);
    }
    let path = dir.join("user-initramfs.cpio");
    std::fs::write(&path, crate::cpio::concat(&first, &overlay.finish()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// One booted guest's run of the user programs `names`: each one's
/// `RVISOR-BENCH` line goes to its side.
fn record_user(sides: &mut [Side], names: &[&str], o: &Result<Outcome, String>) {
    let o = match o {
        Ok(o) => o,
        Err(e) => return sides.iter_mut().for_each(|s| s.fail(e.clone())),
    };
    for (side, name) in sides.iter_mut().zip(names) {
        let line = o
            .lines
            .iter()
            .filter_map(|l| parse_line(l))
            .find(|l| l.name == *name);
        match line {
            Some(l) if l.ok && l.result == l.expect => {
                side.kernel.push(l.ticks as f64 / TICKS_PER_SEC);
            }
            Some(l) => side.fail(format!("result {} != expected {}", l.result, l.expect)),
            None => side.fail(describe_failure(o)),
        }
    }
}

/// `rvisor bench`.
pub fn main(args: BenchArgs) -> ExitCode {
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("rvisor: bench: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &BenchArgs) -> Result<bool, String> {
    let wanted = |name: &str| {
        if args.only.is_empty() {
            match name {
                "boot" => args.boot,
                "user" => args.user,
                _ => true,
            }
        } else {
            args.only.iter().any(|o| o == name)
        }
    };
    let qemu = if args.no_qemu { None } else { qemu_version() };
    let boot_fix = if wanted("boot") || wanted("user") {
        Some(fixtures(&["fw_dynamic.bin", "Image", "initramfs.cpio.gz"])?)
    } else {
        None
    };
    let tmp = TempDir::new("bench")?;

    println!(
        "rvisor bench: engine {}, {} repetition(s), medians; {}; host {} CPUs",
        args.engine,
        args.reps,
        match (&qemu, args.no_qemu) {
            (Some(v), _) => format!("{v} (-M virt, TCG)"),
            (None, true) => "QEMU not run (--no-qemu)".into(),
            (None, false) => format!("{QEMU} not installed (Debian: qemu-system-misc)"),
        },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // Both sides share the host with whatever else runs: say how busy it was.
    if let Some(load) = load_average() {
        println!("host load average at start: {load}");
    }
    let names: Vec<&str> = GUESTS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| wanted(n))
        .collect();
    // The native baseline of a Zb row is its kernel's.
    let mut kernels: Vec<&str> = names.iter().map(|n| kernel(n).0).collect();
    kernels.dedup();
    // Built once, up front, so compiling is not timed; None: not asked for.
    let native =
        (args.native && !names.is_empty()).then(|| crate::native::build(tmp.path(), &kernels));
    match &native {
        Some(Ok(_)) => println!(
            "native: the same kernels built with {} (-O2 -ffp-contract=off, guests/native/rt.h)",
            crate::native::compiler(),
        ),
        Some(Err(e)) => println!("native: no baseline: {e}"),
        None => {}
    }
    let mut all_ok = true;
    if !names.is_empty() {
        print_header("bench", args.native);
    }
    for (name, elf) in GUESTS.iter().filter(|(n, _)| wanted(n)) {
        let (k, zb) = kernel(name);
        let path = tmp.path().join(format!("{name}.elf"));
        std::fs::write(&path, elf).map_err(|e| format!("{}: {e}", path.display()))?;
        let (mut rv, mut qe, mut na) = (Side::default(), Side::default(), Side::default());
        let native_exe = match &native {
            Some(Ok(built)) => built.iter().find(|(n, _)| n == k).map(|(_, p)| p),
            _ => None,
        };
        // Interleaved, so a noisy host affects all sides alike.
        for _ in 0..args.reps {
            if let Some(exe) = native_exe {
                na.record_guest(k, timed(Command::new(exe), "RVISOR-BENCH", GUEST_TIMEOUT));
            }
            let mut c = rvisor_cmd(&args.engine)?;
            c.arg("--firmware").arg(&path).args(["--mem", "128M"]);
            rv.record_guest(k, timed(c, "RVISOR-BENCH", GUEST_TIMEOUT));
            if qemu.is_some() {
                let mut c = Command::new(QEMU);
                c.args(["-M", "virt", "-m", "128M", "-nographic"]);
                if zb {
                    c.args(["-cpu", QEMU_ZB_CPU]);
                }
                c.arg("-bios").arg(&path);
                qe.record_guest(k, timed(c, "RVISOR-BENCH", GUEST_TIMEOUT));
            }
        }
        let instret = rv.instret.or(qe.instret);
        let native_col = match &native {
            None => None,
            Some(Ok(_)) => Some(Ok(&na)),
            Some(Err(_)) => Some(Err(())),
        };
        all_ok &= print_row(name, instret, &rv, &qe, native_col, qemu.is_some());
    }

    if let Some(fix) = boot_fix.as_ref().filter(|_| wanted("user")) {
        let names: Vec<&str> = USER_GUESTS.iter().map(|(n, _)| *n).collect();
        let initrd = user_initrd(fix, tmp.path(), &names)?;
        let append = "console=ttyS0 rdinit=/rvisor-bench";
        let applets: Vec<&str> = APPLETS.iter().map(|(n, _, _)| *n).collect();
        let sides = |n: &[&str]| -> Vec<Side> { n.iter().map(|_| Side::default()).collect() };
        let (mut rv, mut qe) = (sides(&names), sides(&names));
        let (mut rv_app, mut qe_app) = (sides(&applets), sides(&applets));
        for _ in 0..args.reps {
            let mut c = rvisor_cmd(&args.engine)?;
            c.args(boot_args(fix, args.cpus, &initrd, append.into()));
            let o = timed(c, "RVISOR-BENCH", BOOT_TIMEOUT);
            record_user(&mut rv, &names, &o);
            record_user(&mut rv_app, &applets, &o);
            if qemu.is_some() {
                let c = qemu_boot_cmd(fix, args.cpus, &initrd, append);
                let o = timed(c, "RVISOR-BENCH", BOOT_TIMEOUT);
                record_user(&mut qe, &names, &o);
                record_user(&mut qe_app, &applets, &o);
            }
        }
        println!();
        println!(
            "the same kernels as user programs in the booted Debian guest ({} hart(s), kernel time by rdtime):",
            args.cpus
        );
        print_header("user", false);
        for ((name, r), q) in names.iter().zip(&rv).zip(&qe) {
            all_ok &= print_row(name, None, r, q, None, qemu.is_some());
        }
        println!();
        println!("the guest's busybox applets, same boot (time by rdtime, output checked by md5):");
        print_header("applet", false);
        for ((name, r), q) in applets.iter().zip(&rv_app).zip(&qe_app) {
            all_ok &= print_row(name, None, r, q, None, qemu.is_some());
        }
    }

    if let Some(fix) = boot_fix.filter(|_| wanted("boot")) {
        let initrd = fix.join("initramfs.cpio.gz");
        let (mut rv, mut qe) = (Side::default(), Side::default());
        for _ in 0..args.reps {
            let mut c = rvisor_cmd(&args.engine)?;
            c.args(boot_args(&fix, args.cpus, &initrd, boot_append(args.loops)));
            rv.record_boot(timed(c, READY, BOOT_TIMEOUT));
            if qemu.is_some() {
                let c = qemu_boot_cmd(&fix, args.cpus, &initrd, &boot_append(args.loops));
                qe.record_boot(timed(c, READY, BOOT_TIMEOUT));
            }
        }
        let (rk, qk) = (median(&rv.kernel), median(&qe.kernel));
        println!();
        println!(
            "{:<9} {:>12} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>11} | check",
            "boot",
            format!("{} hart(s)", args.cpus),
            "exit",
            "ready",
            "",
            "exit",
            "ready",
            "",
            "time ratio"
        );
        let ratio = match (rk, qk) {
            (Some(r), Some(q)) => format!("{:.2}x", r / q),
            _ => "-".into(),
        };
        let ok = rv.failure.is_none() && qe.failure.is_none();
        println!(
            "{:<9} {:>12} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>11} | {}",
            "boot",
            "",
            secs(median(&rv.walls)),
            secs(rk),
            "",
            secs(median(&qe.walls)),
            secs(qk),
            "",
            ratio,
            check(&[("rvisor", &rv), ("QEMU", &qe)])
        );
        let (rc, qc) = (median(&rv.compute), median(&qe.compute));
        let agree = match (&rv.compute_result, &qe.compute_result) {
            (Some(r), Some(q)) if r != q => format!("FAIL result {r} != QEMU's {q}"),
            (Some(r), _) => format!("ok (result {r})"),
            _ => "-".into(),
        };
        println!(
            "{:<9} {:>12} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>11} | {}",
            "compute",
            format!("loops={}", args.loops),
            "",
            secs(rc),
            "",
            "",
            secs(qc),
            "",
            match (rc, qc) {
                (Some(r), Some(q)) => format!("{:.3}x", q / r),
                _ => "-".into(),
            },
            agree
        );
        all_ok &= ok && !agree.starts_with("FAIL");
    }
    println!();
    println!("rvisor/QEMU: guest benches: speed ratio on the benchmark kernel (QEMU kernel time / rvisor's; > 1: rvisor faster)");
    if wanted("user") {
        println!("             user: the same, the kernel run as a user program in the booted Debian guest");
        println!("             applet: a busybox applet of the guest's own, in the same boot");
    }
    if wanted("boot") {
        println!("             boot: time to {READY}, rvisor / QEMU (< 1: rvisor faster)");
        println!("             compute: the booted guest's busybox-sh loop (guest uptime), QEMU / rvisor (> 1: rvisor faster)");
    }
    if native.is_some() {
        println!("rvisor/native, QEMU/native: kernel time over the host's native kernel time (how many times slower than native)");
    }
    Ok(all_ok)
}

/// The column heads of a table of bench kernels, the first one `first`.
fn print_header(first: &str, native: bool) {
    println!(
        "{:<9} {:>12} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>11} |{} check",
        first,
        "instructions",
        "rvisor",
        "kernel",
        "MIPS",
        "QEMU",
        "kernel",
        "MIPS",
        "rvisor/QEMU",
        if native {
            format!(
                " {:>9} {:>13} {:>11} |",
                "native", "rvisor/native", "QEMU/native"
            )
        } else {
            String::new()
        }
    );
}

fn check(sides: &[(&str, &Side)]) -> String {
    let failed: Vec<String> = sides
        .iter()
        .filter_map(|(who, s)| Some(format!("{who}: {}", s.failure.as_ref()?)))
        .collect();
    if failed.is_empty() {
        "ok".into()
    } else {
        format!("FAIL {}", failed.join("; "))
    }
}

/// One bench's row. `native`: None without --native, Err when there is no
/// native build.
fn print_row(
    name: &str,
    instret: Option<u64>,
    rv: &Side,
    qe: &Side,
    native: Option<Result<&Side, ()>>,
    with_qemu: bool,
) -> bool {
    let (rk, qk) = (median(&rv.kernel), median(&qe.kernel));
    let ratio = match (rk, qk) {
        (Some(r), Some(q)) => format!("{:.3}x", q / r),
        _ => "-".into(),
    };
    let fmt_mips = |m: Option<f64>| m.map_or("-".into(), |m| format!("{m:.0}"));
    let q_wall = if with_qemu {
        secs(median(&qe.walls))
    } else {
        "-".into()
    };
    let mut sides = vec![("rvisor", rv), ("QEMU", qe)];
    let native_cols = match native {
        None => String::new(),
        Some(Err(())) => format!(" {:>9} {:>13} {:>11} |", "no cc", "-", "-"),
        Some(Ok(na)) => {
            sides.push(("native", na));
            let nk = median(&na.kernel);
            let slowdown = |t: Option<f64>| match (t, nk) {
                (Some(t), Some(n)) if n > 0.0 => format!("{:.1}x", t / n),
                _ => "-".into(),
            };
            format!(
                " {:>9} {:>13} {:>11} |",
                nk.map_or("-".into(), |n| format!("{n:.3} s")),
                slowdown(rk),
                slowdown(qk)
            )
        }
    };
    println!(
        "{:<9} {:>12} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>11} |{} {}",
        name,
        instret.map_or("-".into(), |i| i.to_string()),
        secs(median(&rv.walls)),
        secs(rk),
        fmt_mips(mips(instret, rk)),
        q_wall,
        secs(qk),
        fmt_mips(mips(instret, qk)),
        ratio,
        native_cols,
        check(&sides)
    );
    sides.iter().all(|(_, s)| s.failure.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_bench_line() {
        let l = parse_line(
            "RVISOR-BENCH name=fp result=0x40c28b9ed8fd76d1 expect=0x40c28b9ed8fd76d1 ok=1 ticks=19286181 instret=364716859\r",
        )
        .expect("parses");
        assert_eq!(l.name, "fp");
        assert!(l.ok);
        assert_eq!(l.ticks, 19_286_181);
        assert_eq!(l.instret, 364_716_859);
        assert_eq!(parse_line("RVISOR-BENCH name=fp ok=1"), None);
        assert_eq!(parse_line("hello"), None);
    }

    #[test]
    fn every_bundled_guest_can_be_chosen_with_only() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            bench: BenchArgs,
        }
        for (name, elf) in GUESTS {
            assert!(elf.starts_with(b"\x7fELF"), "{name}");
            let cli = <Cli as clap::Parser>::try_parse_from(["bench", "--only", name])
                .unwrap_or_else(|e| panic!("--only {name}: {e}"));
            assert_eq!(cli.bench.only, [name]);
        }
        for (name, elf) in USER_GUESTS {
            assert!(elf.starts_with(b"\x7fELF"), "{name}");
            assert!(GUESTS.iter().any(|(n, _)| *n == name), "{name}");
        }
        // Each Zb row's kernel has a row of its own (its native build).
        for (name, _) in GUESTS {
            let (k, _) = kernel(name);
            assert!(GUESTS.iter().any(|(n, _)| *n == k), "{name}");
        }
    }

    /// The user run's /init names every program it runs, as the overlay
    /// calls them.
    #[test]
    fn the_user_init_runs_each_program() {
        let init = user_init(&["int", "mix"], &APPLETS[..2]);
        assert!(init.starts_with("#!/bin/busybox sh\n"));
        assert!(init.contains("for k in int mix; do \"/rvisor-bench-$k\"; done"));
        assert!(init.contains(
            "t0=$(/rvisor-bench-ticks); /bin/busybox md5sum /tmp/a > /tmp/out 2>&1; \
             t1=$(/rvisor-bench-ticks); report md5 "
        ));
        assert!(!init.contains("sha1sum"), "only the applets asked for");
        assert!(init.contains("poweroff -f"));
    }
}
