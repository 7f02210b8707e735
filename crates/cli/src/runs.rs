//! What `rvisor bench` and `rvisor compare` share: timed child runs, medians,
//! parsing of the guests' marker lines, guest fixtures and temporary files.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const QEMU: &str = "qemu-system-riscv64";
/// The Debian guest's /init prints this once userspace is up.
pub const READY: &str = "RVISOR-GUEST-READY";

/// What one child process did.
pub struct Outcome {
    /// Spawn to exit.
    pub wall: Duration,
    /// Spawn to the first line containing the marker.
    pub marker_at: Option<Duration>,
    /// That line.
    pub marker_line: Option<String>,
    /// Exit status code (None: killed by a signal or by the timeout).
    pub status: Option<i32>,
    pub timed_out: bool,
    /// Every line of stdout.
    pub lines: Vec<String>,
    /// All of stderr (where `rvisor run --stats` reports).
    pub stderr: String,
    /// stdout's last lines and stderr, for error messages.
    pub tail: String,
}

/// Run `cmd` with stdin closed and stdout/stderr captured, noting when a
/// line containing `marker` appears; kill it after `limit`.
pub fn timed(mut cmd: Command, marker: &str, limit: Duration) -> Result<Outcome, String> {
    let shown = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let marker = marker.to_string();
    let reader = std::thread::spawn(move || {
        let mut found = None;
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).split(b'\n') {
            let Ok(line) = line else { break };
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            if found.is_none() && line.contains(&marker) {
                found = Some((start.elapsed(), line.clone()));
            }
            lines.push(line);
        }
        (found, lines)
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().map_err(|e| e.to_string())?;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(format!("waiting for {shown}: {e}")),
        }
    };
    let wall = start.elapsed();
    let (found, lines) = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let mut tail = lines[lines.len().saturating_sub(20)..].join("\n");
    if !stderr.trim().is_empty() {
        tail = format!("{tail}\n{}", stderr.trim_end());
    }
    Ok(Outcome {
        wall,
        marker_at: found.as_ref().map(|f| f.0),
        marker_line: found.map(|f| f.1),
        status: status.code(),
        timed_out,
        lines,
        stderr,
        tail,
    })
}

/// One line why a run failed: how it ended and its last output.
pub fn describe_failure(o: &Outcome) -> String {
    let how = if o.timed_out {
        "timed out".to_string()
    } else {
        match o.status {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        }
    };
    let last = o.tail.lines().last().unwrap_or("(no output)");
    format!("{how}; last output: {last}")
}

/// `RVISOR-COMPUTE loops=N result=R start=S end=E` (the Debian guest's
/// busybox-sh loop; S and E are the guest's uptime): (result, seconds).
pub fn parse_compute(line: &str) -> Option<(String, f64)> {
    let rest = line.trim().strip_prefix("RVISOR-COMPUTE ")?;
    let field = |key: &str| {
        rest.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    };
    let start: f64 = field("start")?.parse().ok()?;
    let end: f64 = field("end")?.parse().ok()?;
    Some((field("result")?.to_string(), end - start))
}

pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

pub fn secs(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| format!("{s:.2} s"))
}

/// The first line of `qemu-system-riscv64 --version`, if it runs.
pub fn qemu_version() -> Option<String> {
    let out = Command::new(QEMU).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    )
}

/// This very binary, to re-execute as `rvisor run`.
pub fn rvisor_exe() -> Result<Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the rvisor binary: {e}"))?;
    Ok(Command::new(exe))
}

/// The host's load average, as `/proc/loadavg` gives it ("1.2 0.8 0.5").
pub fn load_average() -> Option<String> {
    let load = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A directory of our own under the system's temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("rvisor-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The guest fixture directory ($RVISOR_GUESTS or ~/.cache/rvisor-guests),
/// checked to hold `files`.
pub fn fixtures(files: &[&str]) -> Result<PathBuf, String> {
    let dir = match std::env::var_os("RVISOR_GUESTS") {
        Some(d) => PathBuf::from(d),
        None => {
            let home = std::env::var_os("HOME").ok_or("HOME is not set; set RVISOR_GUESTS")?;
            PathBuf::from(home).join(".cache/rvisor-guests")
        }
    };
    for f in files {
        if !dir.join(f).is_file() {
            return Err(format!(
                "{} missing: fetch the guest fixtures with tests/guests/fetch.sh (or set RVISOR_GUESTS)",
                dir.join(f).display()
            ));
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_compute_line() {
        let (r, t) =
            parse_compute("RVISOR-COMPUTE loops=20000 result=670626 start=3.25 end=4.75\r")
                .expect("parses");
        assert_eq!(r, "670626");
        assert!((t - 1.5).abs() < 1e-9);
        assert_eq!(parse_compute("RVISOR-COMPUTE loops=1"), None);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
