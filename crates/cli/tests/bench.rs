//! `rvisor bench` runs a built-in bench guest and reports its result check
//! (no timing is asserted: speed is measured, never tested).

use std::process::Command;

fn rvisor(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rvisor"))
        .args(args)
        .output()
        .expect("rvisor runs")
}

#[test]
fn bench_fp_runs_and_checks_its_result() {
    let out = rvisor(&["bench", "--no-qemu", "--reps", "1", "--only", "fp"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "status {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with("fp "))
        .unwrap_or_else(|| panic!("no fp row in:\n{stdout}"));
    assert!(row.ends_with("| ok"), "{row}");
    // the guest's deterministic instruction count is reported
    assert!(row.contains("364716859"), "{row}");
}

#[test]
fn bench_rejects_an_unknown_benchmark() {
    let out = rvisor(&["bench", "--only", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nosuch"), "{stderr}");
}
