//! `rvisor bench` runs a built-in bench guest and reports its result check
//! (no timing is asserted: speed is measured, never tested).

use std::process::Command;

fn rvisor(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rvisor"))
        .args(args)
        .output()
        .expect("rvisor runs")
}

/// `rvisor ARGS`, which must succeed: its standard output.
fn bench_ok(args: &[&str]) -> String {
    let out = rvisor(args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "status {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Run bench guest `name` alone (no QEMU, one repetition): it must pass
/// its own result check and report its deterministic instruction count.
fn bench_guest_checks_its_result(name: &str, instructions: &str) {
    let stdout = bench_ok(&["bench", "--no-qemu", "--reps", "1", "--only", name]);
    let row = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} row in:\n{stdout}"));
    assert!(row.ends_with("| ok"), "{row}");
    assert!(row.contains(instructions), "{row}");
}

#[test]
fn bench_fp_runs_and_checks_its_result() {
    bench_guest_checks_its_result("fp", "364716859");
}

/// The CoreMark-like guest: a wrong result in any of its phases (list,
/// matrix, state machine, CRC) fails the check.
#[test]
fn bench_mix_runs_and_checks_its_result() {
    bench_guest_checks_its_result("mix", "1528767493");
}

/// The SHA-256 guest: its digest, chained over the repetitions.
#[test]
fn bench_hash_runs_and_checks_its_digest() {
    bench_guest_checks_its_result("hash", "1406339228");
}

/// The same SHA-256 built with Zba/Zbb/Zbs (rotates, andn): its own
/// instruction count, the same digest check.
#[test]
fn bench_hash_built_with_zb_runs_and_checks_its_digest() {
    bench_guest_checks_its_result("hash-zb", "1088096395");
}

/// The CoreMark-like guest built with Zba/Zbb/Zbs.
#[test]
fn bench_mix_built_with_zb_runs_and_checks_its_result() {
    bench_guest_checks_its_result("mix-zb", "1476396083");
}

#[test]
fn bench_rejects_an_unknown_benchmark() {
    let out = rvisor(&["bench", "--only", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nosuch"), "{stderr}");
}

#[test]
fn bench_native_builds_the_same_kernel_for_the_host_and_checks_it() {
    let stdout = bench_ok(&[
        "bench",
        "--no-qemu",
        "--reps",
        "1",
        "--only",
        "int",
        "--native",
    ]);
    assert!(
        stdout.contains("native: the same kernels built with"),
        "no native build (the host needs cc):\n{stdout}"
    );
    let head = stdout
        .lines()
        .find(|l| l.starts_with("bench "))
        .unwrap_or_else(|| panic!("no header in:\n{stdout}"));
    assert!(
        head.contains("rvisor/native") && head.contains("QEMU/native"),
        "{head}"
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with("int "))
        .unwrap_or_else(|| panic!("no int row in:\n{stdout}"));
    // A failed native result check would show up as "FAIL native: ...".
    assert!(row.ends_with("| ok"), "{row}");
    let native: Vec<&str> = row
        .split('|')
        .nth(4)
        .expect("native columns")
        .split_whitespace()
        .collect();
    // "<secs> s <ratio>x -" (no QEMU run)
    assert_eq!(native.len(), 4, "{row}");
    assert!(native[0].parse::<f64>().is_ok_and(|t| t > 0.0), "{row}");
    assert!(native[2].ends_with('x'), "{row}");
}

/// `--user` boots the Debian guest (fixtures from tests/guests/fetch.sh)
/// with the bench kernels built as static Linux programs, and every one
/// of them, run as a user process under Sv39, must pass its own result
/// check; so must each of the guest's busybox applets the same boot runs
/// (the md5 of its output).
#[test]
fn bench_user_runs_the_kernels_as_programs_in_the_booted_guest() {
    let stdout = bench_ok(&["bench", "--no-qemu", "--reps", "1", "--only", "user"]);
    let table = stdout
        .split_once("in the booted Debian guest")
        .unwrap_or_else(|| panic!("no user table in:\n{stdout}"))
        .1;
    let (programs, applets) = table
        .split_once("busybox applets")
        .unwrap_or_else(|| panic!("no applet table in:\n{stdout}"));
    let names = [
        (programs, &["int", "mem", "branch", "fp", "mix", "hash"][..]),
        (
            applets,
            &[
                "sha256", "md5", "sha1", "gzip", "gunzip", "sort", "awk", "sed",
            ][..],
        ),
    ];
    for (part, names) in names {
        for name in names {
            let row = part
                .lines()
                .find(|l| l.starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("no {name} row in:\n{stdout}"));
            assert!(row.ends_with("| ok"), "{row}");
        }
    }
}
