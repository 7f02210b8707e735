//! Full virtualization end to end: the unmodified Debian kernel, booted by the
//! unmodified OpenSBI firmware, on 1 and 2 harts, with the default engine
//! (`auto`), the translator alone (`jit`) and the interpreter alone, and an
//! interactive shell driven through a pipe. Fixtures come from `tests/guests/fetch.sh`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    common::fixtures(&["Image", "initramfs.cpio.gz", "fw_dynamic.bin"])
}

fn rvisor(args: &[&str]) -> Command {
    let g = fixtures();
    let mut c = Command::new(env!("CARGO_BIN_EXE_rvisor"));
    c.arg("run")
        .arg("--mode")
        .arg("full")
        .arg("--firmware")
        .arg(g.join("fw_dynamic.bin"))
        .arg("--kernel")
        .arg(g.join("Image"))
        .arg("--initrd")
        .arg(g.join("initramfs.cpio.gz"))
        .args(args);
    c
}

fn boot(cpus: &str) -> String {
    boot_on(cpus, "auto")
}

/// Boot to power-off on `cpus` harts with `--engine engine`.
fn boot_on(cpus: &str, engine: &str) -> String {
    boot_with(cpus, engine, &[]).0
}

/// [`boot_on`] with `extra` arguments; the console output and stderr.
fn boot_with(cpus: &str, engine: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec![
        "--cpus",
        cpus,
        "--engine",
        engine,
        "--append",
        "console=ttyS0 rvisor.test=1",
    ];
    args.extend_from_slice(extra);
    let mut cmd = rvisor(&args);
    cmd.env("RVISOR_LOG", "warn");
    let (code, out, err) = common::run_to_end(cmd, Duration::from_secs(600));
    eprint!("{err}");
    assert!(out.contains("OpenSBI v"), "no OpenSBI banner:\n{out}");
    assert!(out.contains("Linux version 6.12"), "no kernel log:\n{out}");
    assert!(
        out.contains("RVISOR-GUEST-READY"),
        "guest never became ready:\n{out}"
    );
    assert!(
        out.contains("RVISOR-COMPUTE loops=20000 result=670626"),
        "compute loop wrong:\n{out}"
    );
    assert!(
        out.contains("RVISOR-GUEST-POWEROFF"),
        "guest did not power off:\n{out}"
    );
    assert_eq!(code, Some(0), "exit status after a clean power-off");
    (out, err)
}

/// The count `--stats` printed on the line starting with `name`.
fn stat(stats: &str, name: &str) -> u64 {
    stats
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {name:?} in --stats:\n{stats}"))
}

#[test]
fn linux_full_one_hart_boots_and_powers_off() {
    let out = boot("1");
    assert!(out.contains("== nproc: 1"), "{out}");
}

#[test]
fn linux_full_two_harts_boot_and_cpuinfo_shows_both() {
    let (out, stats) = boot_with("2", "auto", &["--stats"]);
    assert!(
        out.contains("processor\t: 1"),
        "second hart missing from /proc/cpuinfo:\n{out}"
    );
    assert!(out.contains("== nproc: 2"), "{out}");
    // The harts share their translations, and nearly everything runs
    // translated.
    let made = stat(&stats, "blocks translated");
    let copied = stat(&stats, "of them copied from other harts");
    assert!(copied > 1000 && copied < made, "{copied} of {made} copied");
    let run = stat(&stats, "instructions run translated");
    let all = stat(&stats, "instructions retired:");
    assert!(run > all / 10 * 9, "{run} of {all} translated");
}

/// The translator translating every block boots the same kernel.
#[test]
fn linux_full_boots_with_engine_jit_on_one_and_two_harts() {
    let out = boot_on("1", "jit");
    assert!(out.contains("== nproc: 1"), "{out}");
    let out = boot_on("2", "jit");
    assert!(out.contains("== nproc: 2"), "{out}");
}

/// The reference engine alone (the default, `auto`, translates hot code).
#[test]
fn linux_full_boots_with_engine_interp() {
    let out = boot_on("1", "interp");
    assert!(out.contains("== nproc: 1"), "{out}");
}

#[test]
fn linux_full_shell_through_a_pipe_runs_commands() {
    let mut child = rvisor(&[
        "--append",
        "console=ttyS0 rvisor.shell=1 rvisor.modules=none quiet",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    .spawn()
    .expect("spawn rvisor");
    let mut stdin = child.stdin.take().expect("stdin");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut seen = String::new();
    let wait_for = |needle: &str, seen: &mut String| loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(needle) {
                    return;
                }
            }
            Err(_) => panic!("never saw {needle:?}; output:\n{seen}"),
        }
    };
    wait_for("RVISOR-GUEST-SHELL", &mut seen);
    // Give the shell a moment to print its prompt, then type. The quotes keep
    // the terminal's echo of our input from matching the expected output.
    std::thread::sleep(Duration::from_secs(2));
    stdin
        .write_all(b"echo hel\"\"lo-from-guest; uname -m\n")
        .expect("write");
    wait_for("hello-from-guest", &mut seen);
    wait_for("riscv64", &mut seen);
    stdin.write_all(b"poweroff -f\n").expect("write");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no power-off after poweroff -f"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(0));
}
