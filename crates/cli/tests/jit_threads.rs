//! The built-in guest runs right whoever translates its hot code: the
//! hart threads alone (`--jit-threads 0`), or compiler threads beside them.

use std::process::Command;

fn run_builtin(threads: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rvisor"))
        .args(["run", "--stats", "--jit-threads", threads])
        .output()
        .expect("spawn rvisor");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "--jit-threads {threads}: {stderr}");
    assert!(stdout.contains("bye"), "--jit-threads {threads}: {stdout}");
    assert_eq!(
        stdout.matches(" ok").count(),
        2,
        "--jit-threads {threads}: both bench results checked:\n{stdout}"
    );
    format!("{stdout}{stderr}")
}

/// The count of blocks the compiler threads made, from `--stats`.
fn made_beside(out: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.contains("made by the compiler thread"))
        .unwrap_or_else(|| panic!("no compiler line in --stats:\n{out}"));
    line.split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line:?}"))
}

#[test]
fn the_builtin_guest_agrees_with_and_without_compiler_threads() {
    let alone = run_builtin("0");
    assert_eq!(made_beside(&alone), 0, "no thread, nothing made beside");
    // The bench lines less their timings.
    let results = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("bench "))
            .map(|l| l.split(" ticks=").next().unwrap_or(l).to_owned())
            .collect()
    };
    for threads in ["1", "2"] {
        let out = run_builtin(threads);
        assert_eq!(results(&out), results(&alone), "--jit-threads {threads}");
    }
}
