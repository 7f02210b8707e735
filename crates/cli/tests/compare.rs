//! `rvisor compare` boots the Debian guest (fixtures from
//! tests/guests/fetch.sh) in full and para mode and charts both; these tests
//! check the chart's content and the JSON document, never timings.

use std::process::{Command, Output};

/// A fast guest: only the modules the para disk needs, a short compute loop.
const FAST: &[&str] = &[
    "compare",
    "--reps",
    "1",
    "--no-qemu",
    "--modules",
    "virtio_mmio,virtio_blk",
    "--loops",
    "200",
];

fn rvisor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rvisor"))
        .args(args)
        .output()
        .expect("rvisor runs")
}

fn check_success(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "status {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The numbers of a chart row "label | full para ratio", without units.
fn row<'a>(chart: &'a str, label: &str) -> Vec<&'a str> {
    let line = chart
        .lines()
        .find(|l| l.starts_with(label) && l.contains('|'))
        .unwrap_or_else(|| panic!("no row {label:?} in:\n{chart}"));
    line.split('|')
        .nth(1)
        .expect("values")
        .split_whitespace()
        .filter(|w| *w != "s")
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

#[test]
fn compare_charts_both_modes_and_the_vmm_work_behind_them() {
    let chart = check_success(&rvisor(FAST));
    let head = chart
        .lines()
        .find(|l| l.contains("rvisor full"))
        .unwrap_or_else(|| panic!("no header in:\n{chart}"));
    assert!(head.contains("rvisor para"), "{head}");

    for label in ["wall time to RVISOR-GUEST-READY", "wall time to power-off"] {
        let v = row(&chart, label);
        assert!(num(v[0]) > 0.0 && num(v[1]) > 0.0, "{label}: {v:?}");
    }
    let (ready, off) = (
        row(&chart, "wall time to RVISOR-GUEST-READY"),
        row(&chart, "wall time to power-off"),
    );
    assert!(num(ready[0]) <= num(off[0]) && num(ready[1]) <= num(off[1]));

    // A Linux boot retires hundreds of millions of instructions either way.
    let instret = row(&chart, "instructions retired");
    assert!(
        num(instret[0]) > 1e8 && num(instret[1]) > 1e8,
        "{instret:?}"
    );
    // Full mode calls OpenSBI through ecalls and talks to the UART by MMIO;
    // para mode makes hypercalls and kicks virtio queues instead.
    let sbi = row(&chart, "SBI calls");
    assert!(num(sbi[0]) > 0.0 && num(sbi[1]) > 0.0, "{sbi:?}");
    let ecall_s = row(&chart, "  ecall from S-mode");
    assert!(
        num(ecall_s[0]) > 0.0 && num(ecall_s[1]) == 0.0,
        "{ecall_s:?}"
    );
    let kicks = row(&chart, "virtio notifications");
    assert!(num(kicks[0]) == 0.0 && num(kicks[1]) > 0.0, "{kicks:?}");
    let uart = row(&chart, "  ns16550a");
    assert!(num(uart[0]) > num(uart[1]), "{uart:?}");
    let tlb = row(&chart, "TLB misses");
    assert!(num(tlb[0]) > 0.0 && num(tlb[1]) > 0.0, "{tlb:?}");
    assert!(chart.contains("check: ok"), "{chart}");
    // The bar chart follows the table.
    assert!(
        chart.contains("  rvisor para  #"),
        "no bar chart in:\n{chart}"
    );
}

#[test]
fn compare_json_has_both_modes() {
    let mut args = FAST.to_vec();
    args.push("--json");
    let out = check_success(&rvisor(&args));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("stdout is one JSON document");
    assert_eq!(doc["ok"], true, "{doc}");
    assert!(doc["configs"].get("qemu_full").is_none(), "{doc}");
    for key in ["rvisor_full", "rvisor_para"] {
        let c = &doc["configs"][key];
        assert_eq!(c["runs"], 1, "{c}");
        let ready = c["times"]["ready_s"].as_f64().expect("ready_s");
        let off = c["times"]["poweroff_s"].as_f64().expect("poweroff_s");
        assert!(ready > 0.0 && ready <= off, "{c}");
        assert!(c["work"]["instret"].as_f64().expect("instret") > 1e8, "{c}");
        assert_eq!(
            c["compute_result"],
            doc["configs"]["rvisor_full"]["compute_result"]
        );
    }
    assert!(doc["configs"]["rvisor_para"]["work"]["virtio_notifications"].as_f64() > Some(0.0));
}

#[test]
fn compare_without_fixtures_says_how_to_fetch_them() {
    let out = Command::new(env!("CARGO_BIN_EXE_rvisor"))
        .args(["compare", "--no-qemu"])
        .env("RVISOR_GUESTS", "/nonexistent/rvisor-guests")
        .output()
        .expect("rvisor runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("tests/guests/fetch.sh"), "{stderr}");
}
