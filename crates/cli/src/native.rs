//! `rvisor bench --native`: the bench guests' kernels built for the host
//! with its `cc -O2`, for the ratio to the same work run natively. The guest
//! sources are embedded; guests/native/rt.h stands in for the bare-metal
//! runtime (entry, UART, mtime, power-off), so each program prints the same
//! `RVISOR-BENCH` line as its guest and exits 0 when its result matches.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The sources, by their path under guests/.
static SOURCES: [(&str, &str); 11] = [
    ("native/rt.h", include_str!("../../../guests/native/rt.h")),
    (
        "common/kernels.h",
        include_str!("../../../guests/common/kernels.h"),
    ),
    ("common/mix.h", include_str!("../../../guests/common/mix.h")),
    (
        "common/params.h",
        include_str!("../../../guests/common/params.h"),
    ),
    (
        "bench/bench.h",
        include_str!("../../../guests/bench/bench.h"),
    ),
    ("bench/int.c", include_str!("../../../guests/bench/int.c")),
    ("bench/mem.c", include_str!("../../../guests/bench/mem.c")),
    (
        "bench/branch.c",
        include_str!("../../../guests/bench/branch.c"),
    ),
    ("bench/fp.c", include_str!("../../../guests/bench/fp.c")),
    ("bench/mix.c", include_str!("../../../guests/bench/mix.c")),
    ("bench/hash.c", include_str!("../../../guests/bench/hash.c")),
];

/// The flags of guests/build.sh that decide the result (no FMA contraction:
/// the fp kernel is bit-exact on any IEEE-754 implementation).
const CFLAGS: [&str; 4] = ["-O2", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno"];

/// Build the host programs of `names` in `dir`: (name, program) each, or why
/// there is no native baseline (no `cc`, or it failed).
pub fn build(dir: &Path, names: &[&str]) -> Result<Vec<(String, PathBuf)>, String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    match Command::new(&cc).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => return Err(format!("no host C compiler ({cc})")),
    }
    let src = dir.join("native-src");
    for (path, text) in SOURCES {
        let p = src.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let mut out = Vec::new();
    for name in names {
        let exe = dir.join(format!("{name}-native"));
        // native/ first: bench.h's "rt.h" must be the host stand-in.
        let r = Command::new(&cc)
            .args(CFLAGS)
            .arg("-I")
            .arg(src.join("native"))
            .arg("-I")
            .arg(src.join("common"))
            .arg("-I")
            .arg(src.join("bench"))
            .arg(src.join(format!("bench/{name}.c")))
            .arg("-o")
            .arg(&exe)
            .output()
            .map_err(|e| format!("{cc}: {e}"))?;
        if !r.status.success() {
            let err = String::from_utf8_lossy(&r.stderr);
            let first = err
                .lines()
                .find(|l| l.contains("error"))
                .unwrap_or("failed");
            return Err(format!("{cc} failed on {name}.c: {first}"));
        }
        out.push((name.to_string(), exe));
    }
    Ok(out)
}

/// `cc --version`'s first line, for the table's header.
pub fn compiler() -> String {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    Command::new(&cc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or(cc)
}
