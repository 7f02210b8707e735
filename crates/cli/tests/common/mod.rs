//! What the Linux end-to-end tests share: the guest fixtures, and running
//! rvisor as a child process with deadlines, its output collected on
//! threads so that a hung guest fails the test instead of hanging it.

// Each test crate uses its own subset.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The guest fixture directory (`RVISOR_GUESTS`, else
/// `~/.cache/rvisor-guests`), failing with how to fetch it if one of
/// `files` is missing.
pub fn fixtures(files: &[&str]) -> PathBuf {
    let dir = std::env::var_os("RVISOR_GUESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME is set");
            PathBuf::from(home).join(".cache/rvisor-guests")
        });
    for f in files {
        assert!(
            dir.join(f).is_file(),
            "guest fixture {} is missing: run tests/guests/fetch.sh (scripts/test.sh does it)",
            dir.join(f).display()
        );
    }
    dir
}

/// Collect a pipe's lines on a thread; they arrive on the channel.
pub fn lines(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Everything left on `rx` until the sender is gone (or 10 s pass).
pub fn drain(rx: &mpsc::Receiver<String>, into: &mut String) {
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        into.push_str(&line);
        into.push('\n');
    }
}

/// A running rvisor, killed if the test fails before it exits (an orphan
/// would keep the test harness's output pipe open).
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Wait for the child to exit; kill it and fail past `limit`.
pub fn wait_exit(child: &mut Child, limit: Duration, what: &str) -> Option<i32> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rvisor did not exit within {limit:?} ({what})");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Run with no input to the end, or fail past `limit`: (exit code,
/// stdout, stderr).
pub fn run_to_end(mut cmd: Command, limit: Duration) -> (Option<i32>, String, String) {
    let mut child = Running(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rvisor"),
    );
    let out = lines(child.0.stdout.take().expect("stdout"));
    let err = lines(child.0.stderr.take().expect("stderr"));
    let code = wait_exit(&mut child.0, limit, "run to the end");
    let (mut o, mut e) = (String::new(), String::new());
    drain(&out, &mut o);
    drain(&err, &mut e);
    (code, o, e)
}
