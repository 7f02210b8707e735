//! Paravirtualization end to end: the unmodified Debian kernel entered in
//! S-mode with rvisor serving the SBI, early output through SBI DBCN, then
//! virtio-console, the root filesystem on virtio-blk, power-off through SBI
//! SRST; on 1 and 2 vCPUs (the second started through SBI HSM). A file the
//! guest writes is read back by a second boot. Fixtures come from
//! `tests/guests/fetch.sh`; the tests work on a temporary copy of
//! `rootfs.ext4`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One boot may take this long on a loaded 2-core host (a boot takes
/// 15-20 s when the machine is quiet).
const BOOT_LIMIT: Duration = Duration::from_secs(600);

fn fixtures() -> PathBuf {
    let dir = std::env::var_os("RVISOR_GUESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME is set");
            PathBuf::from(home).join(".cache/rvisor-guests")
        });
    for f in ["Image", "initramfs.cpio.gz", "rootfs.ext4"] {
        assert!(
            dir.join(f).is_file(),
            "guest fixture {} is missing: run tests/guests/fetch.sh (scripts/test.sh does it)",
            dir.join(f).display()
        );
    }
    dir
}

/// A private copy of the fixture disk, removed when dropped.
struct Disk(PathBuf);

impl Disk {
    fn copy(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "rvisor-linux-para-{}-{tag}.ext4",
            std::process::id()
        ));
        std::fs::copy(fixtures().join("rootfs.ext4"), &path).expect("copy rootfs.ext4");
        Disk(path)
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn rvisor(cpus: &str, disk: &Path, append: &str) -> Command {
    let g = fixtures();
    let mut c = Command::new(env!("CARGO_BIN_EXE_rvisor"));
    c.arg("run")
        .args(["--mode", "para", "--cpus", cpus, "--stats"])
        .arg("--kernel")
        .arg(g.join("Image"))
        .arg("--initrd")
        .arg(g.join("initramfs.cpio.gz"))
        .arg("--disk")
        .arg(disk)
        .args(["--append", append])
        .env("RVISOR_LOG", "warn");
    c
}

/// Collect a pipe's lines on a thread; they arrive on the channel.
fn lines(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
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
fn drain(rx: &mpsc::Receiver<String>, into: &mut String) {
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        into.push_str(&line);
        into.push('\n');
    }
}

/// A running rvisor, killed if the test fails before it exits (an orphan
/// would keep the test harness's output pipe open).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Wait for the child to exit; kill it and fail past `limit`.
fn wait_exit(child: &mut Child, limit: Duration, what: &str) -> Option<i32> {
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

/// A boot with no input: (exit code, console output, stderr with --stats).
fn run_to_end(mut cmd: Command) -> (Option<i32>, String, String) {
    let mut child = Running(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rvisor"),
    );
    let out = lines(child.0.stdout.take().expect("stdout"));
    let err = lines(child.0.stderr.take().expect("stderr"));
    let code = wait_exit(&mut child.0, BOOT_LIMIT, "boot");
    let (mut o, mut e) = (String::new(), String::new());
    drain(&out, &mut o);
    drain(&err, &mut e);
    (code, o, e)
}

/// The count `--stats` printed for hypercall `name` ("srst.system_reset").
fn hypercalls(stats: &str, name: &str) -> u64 {
    stats
        .lines()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some(name)).then(|| w.next()?.parse().ok())?
        })
        .unwrap_or(0)
}

/// Boot with every module the initramfs has and check the para path:
/// early DBCN output, hvc0 taking over, READY, the disk marker, SRST.
fn boot(cpus: &str, disk: &Disk, extra: &str) -> (String, String) {
    let append = format!("console=hvc0 earlycon=sbi rvisor.test=1 {extra}");
    let (code, out, err) = run_to_end(rvisor(cpus, &disk.0, &append));
    let all = format!("{out}\n--- stderr:\n{err}");
    // Early output can only have come through SBI DBCN: the UART has no
    // driver bound to it and virtio_mmio is not loaded yet.
    assert!(
        out.contains("earlycon: sbi0") && out.contains("Linux version 6.12"),
        "no early kernel output through SBI DBCN:\n{all}"
    );
    assert!(
        out.contains("printk: legacy console [hvc0] enabled"),
        "virtio-console never took over:\n{all}"
    );
    assert!(out.contains("RVISOR-GUEST-READY"), "not ready:\n{all}");
    assert!(
        out.contains("RVISOR-DISK-OK /dev/vda rvisor-rootfs-ok fixture-rev=1"),
        "marker file not read from virtio-blk:\n{all}"
    );
    assert!(
        out.contains("RVISOR-HWRNG virtio_rng.0"),
        "virtio-rng missing:\n{all}"
    );
    assert!(
        out.contains("RVISOR-GUEST-POWEROFF"),
        "no power-off:\n{all}"
    );
    assert_eq!(
        hypercalls(&err, "srst.system_reset"),
        1,
        "power-off did not go through SBI SRST:\n{all}"
    );
    assert!(
        hypercalls(&err, "dbcn.console_write") > 0,
        "no DBCN writes counted:\n{all}"
    );
    assert_eq!(code, Some(0), "exit status after SRST shutdown:\n{all}");
    (out, err)
}

#[test]
fn linux_para_one_vcpu_boots_on_virtio_and_shuts_down_through_srst() {
    let disk = Disk::copy("1cpu");
    let (out, _) = boot("1", &disk, "");
    assert!(out.contains("== nproc: 1"), "{out}");
    for m in ["virtio_mmio", "virtio_blk", "virtio_rng", "ext4"] {
        assert!(
            out.lines()
                .skip_while(|l| !l.starts_with("== modules:"))
                .nth(1)
                .is_some_and(|l| l.split_whitespace().any(|w| w == m)),
            "module {m} not loaded from the initramfs:\n{out}"
        );
    }
}

#[test]
fn linux_para_two_vcpus_write_a_file_that_a_second_boot_reads_back() {
    let disk = Disk::copy("2cpu");
    let (out, err) = boot("2", &disk, "rvisor.diskrw=1");
    assert!(out.contains("== nproc: 2"), "{out}");
    assert_eq!(
        hypercalls(&err, "hsm.hart_start"),
        1,
        "second hart not started through SBI HSM:\n{err}"
    );
    let written = out
        .lines()
        .find_map(|l| l.split_once("RVISOR-DISK-RW-OK /dev/vda "))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| panic!("guest did not write its file:\n{out}"));
    assert!(written.starts_with("rw-test "), "{written}");

    // The host's view: the image is a clean ext4 after the guest's sync and
    // power-off (nothing left half-written by the VMM).
    let fsck = Command::new("e2fsck")
        .args(["-f", "-n"])
        .arg(&disk.0)
        .output()
        .expect("e2fsck (e2fsprogs, installed by fetch.sh) must be available");
    assert!(
        fsck.status.success(),
        "e2fsck finds the image damaged:\n{}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );

    // The guest's view: a second boot mounts the disk and reads the file,
    // typed into its shell through virtio-console input.
    let mut child = Running(
        rvisor(
            "1",
            &disk.0,
            "console=hvc0 rvisor.shell=1 rvisor.loops=1 quiet \
         rvisor.modules=virtio_mmio,virtio_blk,crc32c_generic,ext4",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rvisor"),
    );
    let mut stdin = child.0.stdin.take().expect("stdin");
    let rx = lines(child.0.stdout.take().expect("stdout"));
    let deadline = Instant::now() + BOOT_LIMIT;
    let mut seen = String::new();
    let mut wait_for = |needle: &str| loop {
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
    wait_for("RVISOR-GUEST-SHELL");
    std::thread::sleep(Duration::from_secs(2));
    // The quotes keep the terminal's echo of the command from matching.
    stdin
        .write_all(b"mount -t ext4 -o ro /dev/vda /mnt && echo READ\"\"BACK $(cat /mnt/rw-test)\n")
        .expect("write");
    wait_for(&format!("READBACK {written}"));
    stdin
        .write_all(b"umount /mnt; poweroff -f\n")
        .expect("write");
    let code = wait_exit(&mut child.0, Duration::from_secs(120), "poweroff -f");
    assert_eq!(code, Some(0));
}
