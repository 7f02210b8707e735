//! Paravirtualization end to end: the unmodified Debian kernel entered in
//! S-mode with rvisor serving the SBI, early output through SBI DBCN, then
//! virtio-console, the root filesystem on virtio-blk, power-off through SBI
//! SRST; on 1 and 2 vCPUs (the second started through SBI HSM). A file the
//! guest writes is read back by a second boot. Fixtures come from
//! `tests/guests/fetch.sh`; the tests work on a temporary copy of
//! `rootfs.ext4`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{drain, lines, wait_exit, Running};

/// One boot may take this long on a loaded 2-core host (a boot takes
/// 15-20 s when the machine is quiet).
const BOOT_LIMIT: Duration = Duration::from_secs(600);

fn fixtures() -> PathBuf {
    common::fixtures(&["Image", "initramfs.cpio.gz", "rootfs.ext4"])
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

/// The engine of the boots that do not name one (the CLI's default).
const DEFAULT_ENGINE: &str = "auto";

fn rvisor(cpus: &str, disk: &Path, append: &str) -> Command {
    rvisor_on(DEFAULT_ENGINE, cpus, disk, append)
}

fn rvisor_on(engine: &str, cpus: &str, disk: &Path, append: &str) -> Command {
    let g = fixtures();
    let mut c = Command::new(env!("CARGO_BIN_EXE_rvisor"));
    c.arg("run")
        .args(["--mode", "para", "--cpus", cpus, "--stats"])
        .args(["--engine", engine])
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

/// A boot with no input: (exit code, console output, stderr with --stats).
fn run_to_end(cmd: Command) -> (Option<i32>, String, String) {
    common::run_to_end(cmd, BOOT_LIMIT)
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

    // The host's view after the guest's sync and SRST power-off.
    fsck_clean(&disk.0);

    // The guest's view: a second boot (2 vCPUs again) mounts the disk and
    // reads the file, typed into its shell through virtio-console input.
    // The same boot takes hart 1 offline and back (SBI HSM stop, start)
    // and trims the file system (virtio-blk DISCARD).
    let mut sh = Shell::boot(rvisor(
        "2",
        &disk.0,
        "console=hvc0 rvisor.shell=1 rvisor.loops=1 quiet \
         rvisor.modules=virtio_mmio,virtio_blk,crc32c_generic,ext4",
    ));
    // The quotes keep the terminal's echo of a command from matching.
    sh.type_line("mount -t ext4 -o ro /dev/vda /mnt && echo READ\"\"BACK $(cat /mnt/rw-test)");
    sh.wait_for(&format!("READBACK {written}"));
    sh.type_line(
        "cd /sys/devices/system/cpu; echo 0 > cpu1/online; echo OFF\"\"LINE $(cat offline); \
         echo 1 > cpu1/online; echo ON\"\"LINE $(cat online); cd /",
    );
    sh.wait_for("OFFLINE 1");
    sh.wait_for("ONLINE 0-1");
    sh.type_line(
        "umount /mnt; mount -t ext4 /dev/vda /mnt && busybox fstrim /mnt && echo TRIM\"\"OK; umount /mnt",
    );
    sh.wait_for("TRIMOK");
    sh.type_line("poweroff -f");
    assert_eq!(sh.exit_code(), Some(0));
    fsck_clean(&disk.0);
}

/// A short para boot on `engine`: DBCN early output, hvc0 on virtio-mmio
/// (the only module loaded: the point is the engine under SBI, HSM and
/// remote fences, not the devices), READY, SRST power-off.
fn boot_ready_on(engine: &str, cpus: &str) {
    let disk = Disk::copy(&format!("{engine}-{cpus}"));
    let cmd = rvisor_on(
        engine,
        cpus,
        &disk.0,
        "console=hvc0 earlycon=sbi rvisor.test=1 rvisor.loops=1 rvisor.modules=virtio_mmio",
    );
    let (code, out, err) = run_to_end(cmd);
    let all = format!("{engine}, {cpus} harts:\n{out}\n--- stderr:\n{err}");
    assert!(
        out.contains("earlycon: sbi0") && out.contains("Linux version 6.12"),
        "no early output through SBI DBCN: {all}"
    );
    assert!(
        out.contains("printk: legacy console [hvc0] enabled"),
        "virtio-console never took over: {all}"
    );
    assert!(out.contains("RVISOR-GUEST-READY"), "not ready: {all}");
    assert!(out.contains(&format!("== nproc: {cpus}")), "{all}");
    assert!(out.contains("RVISOR-GUEST-POWEROFF"), "no power-off: {all}");
    assert_eq!(hypercalls(&err, "srst.system_reset"), 1, "{all}");
    if cpus != "1" {
        assert_eq!(hypercalls(&err, "hsm.hart_start"), 1, "{all}");
        assert!(
            hypercalls(&err, "rfence.remote_sfence_vma") > 0,
            "no remote fences served: {all}"
        );
    }
    assert_eq!(code, Some(0), "exit status after SRST shutdown: {all}");
}

// The boots above run the default engine (auto: interpret, translate what
// is hot); these run everything translated.
#[test]
fn linux_para_jit_one_vcpu_boots_to_ready() {
    boot_ready_on("jit", "1");
}

#[test]
fn linux_para_jit_two_vcpus_boot_to_ready() {
    boot_ready_on("jit", "2");
}

/// The host's view of an image: a clean ext4 (nothing left half-written).
fn fsck_clean(image: &Path) {
    let fsck = Command::new("e2fsck")
        .args(["-f", "-n"])
        .arg(image)
        .output()
        .expect("e2fsck (e2fsprogs, installed by fetch.sh) must be available");
    assert!(
        fsck.status.success(),
        "e2fsck finds the image damaged:\n{}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
}

/// A guest shell driven through rvisor's stdin (virtio-console input).
struct Shell {
    child: Running,
    stdin: std::process::ChildStdin,
    rx: mpsc::Receiver<String>,
    seen: String,
    deadline: Instant,
}

impl Shell {
    /// Start `cmd` (booting with `rvisor.shell=1`) and wait for the shell.
    fn boot(mut cmd: Command) -> Self {
        let mut child = Running(
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn rvisor"),
        );
        let stdin = child.0.stdin.take().expect("stdin");
        let rx = lines(child.0.stdout.take().expect("stdout"));
        let mut sh = Shell {
            child,
            stdin,
            rx,
            seen: String::new(),
            deadline: Instant::now() + BOOT_LIMIT,
        };
        sh.wait_for("RVISOR-GUEST-SHELL");
        // Let the shell print its prompt before typing.
        std::thread::sleep(Duration::from_secs(2));
        sh
    }

    fn wait_for(&mut self, needle: &str) {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                    if line.contains(needle) {
                        return;
                    }
                }
                Err(_) => panic!("never saw {needle:?}; output:\n{}", self.seen),
            }
        }
    }

    fn type_line(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .expect("write to rvisor's stdin");
    }

    /// Wait (at most 2 minutes) for rvisor to exit after a power-off.
    fn exit_code(&mut self) -> Option<i32> {
        wait_exit(&mut self.child.0, Duration::from_secs(120), "poweroff -f")
    }
}

/// A network namespace of the test's own, deleted when dropped, holding the
/// tap interface `TAP` at `HOST_IP`.
struct NetNs(String);

const TAP: &str = "rvtap0";
const HOST_IP: &str = "10.0.2.1";
const GUEST_IP: &str = "10.0.2.15";

impl NetNs {
    fn create() -> Self {
        let ns = NetNs(format!("rvisor-test-{}", std::process::id()));
        let run = |args: &[&str]| {
            let st = Command::new("ip")
                .args(args)
                .status()
                .expect("the ip command (iproute2) is needed for the net test");
            assert!(
                st.success(),
                "ip {args:?} failed: the net test needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)"
            );
        };
        run(&["netns", "add", &ns.0]);
        for cmd in [
            vec!["tuntap", "add", "dev", TAP, "mode", "tap"],
            vec!["addr", "add", &format!("{HOST_IP}/24"), "dev", TAP],
            vec!["link", "set", TAP, "up"],
        ] {
            let mut args = vec!["-n", ns.0.as_str()];
            args.extend(cmd.iter().copied());
            run(&args);
        }
        ns
    }

    /// `cmd` run inside the namespace.
    fn exec(&self, cmd: Command) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0])
            .arg(cmd.get_program())
            .args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
fn linux_para_net_guest_pings_the_host_over_a_tap_in_a_private_netns() {
    let ns = NetNs::create();
    let disk = Disk::copy("net");
    let mut cmd = rvisor(
        "1",
        &disk.0,
        "console=hvc0 rvisor.shell=1 rvisor.loops=1 quiet \
         rvisor.modules=virtio_mmio,virtio_net",
    );
    cmd.args(["--net", &format!("tap={TAP}")]);
    let mut sh = Shell::boot(ns.exec(cmd));
    sh.type_line(&format!(
        "busybox ip link set eth0 up && busybox ip addr add {GUEST_IP}/24 dev eth0 && \
         busybox ping -c 3 -W 5 {HOST_IP}; echo PING\"\"RC=$?"
    ));
    sh.wait_for("PINGRC=");
    assert!(
        sh.seen.contains("PINGRC=0") && sh.seen.contains(&format!("bytes from {HOST_IP}")),
        "guest got no ping replies from the host:\n{}",
        sh.seen
    );
    // The host saw the guest's traffic (ARP and ICMP) on its tap.
    let mut stats = Command::new("cat");
    stats.arg(format!("/sys/class/net/{TAP}/statistics/rx_packets"));
    let out = ns.exec(stats).output().expect("read the tap's counters");
    let rx: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    assert!(rx >= 4, "host tap received {rx} packets");
    sh.type_line("poweroff -f");
    assert_eq!(sh.exit_code(), Some(0));
}

#[test]
fn linux_para_bad_disk_and_net_arguments_are_one_line_errors() {
    let g = fixtures();
    let dir = std::env::temp_dir();
    let cases: [(&[&str], &str); 5] = [
        (&["--disk", "/nonexistent/rvisor.img"], "no such file"),
        (
            &["--disk", dir.to_str().expect("utf-8 temp dir")],
            "not a regular file",
        ),
        (&["--net", "user"], "use tap=NAME"),
        (&["--net", "tap=name-longer-than-15"], "1 to 15 characters"),
        (
            &["--mode", "full", "--disk", "/dev/null"],
            "only --mode para",
        ),
    ];
    for (args, want) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_rvisor"))
            .args(["run", "--kernel"])
            .arg(g.join("Image"))
            .args(args)
            .args(if args.contains(&"full") {
                vec!["--firmware".into(), g.join("fw_dynamic.bin")]
            } else {
                vec!["--mode".into(), PathBuf::from("para")]
            })
            .stdin(Stdio::null())
            .output()
            .expect("run rvisor");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} accepted");
        assert_eq!(err.lines().count(), 1, "{args:?}: not one line:\n{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// A minimal para-mode "kernel" (a Linux `Image` header and code) that has
/// no virtio driver: it polls SBI DBCN console_read, echoes what it got
/// through DBCN console_write, and powers off through SBI SRST once a read
/// ends in `q`. Assembled here so the test needs no cross toolchain.
mod sbi_echo {
    const A0: u32 = 10;
    const A1: u32 = 11;
    const A2: u32 = 12;
    const A6: u32 = 16;
    const A7: u32 = 17;
    const S0: u32 = 8;
    const S1: u32 = 9;
    const T0: u32 = 5;
    const T1: u32 = 6;

    fn i(op: u32, f3: u32, rd: u32, rs1: u32, imm: i32) -> u32 {
        ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
    }
    fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
        i(0x13, 0, rd, rs1, imm)
    }
    fn lui(rd: u32, hi20: u32) -> u32 {
        (hi20 << 12) | (rd << 7) | 0x37
    }
    fn b(f3: u32, rs1: u32, rs2: u32, off: i32) -> u32 {
        let o = off as u32;
        ((o >> 12 & 1) << 31)
            | ((o >> 5 & 0x3f) << 25)
            | (rs2 << 20)
            | (rs1 << 15)
            | (f3 << 12)
            | ((o >> 1 & 0xf) << 8)
            | ((o >> 11 & 1) << 7)
            | 0x63
    }
    fn jal0(off: i32) -> u32 {
        let o = off as u32;
        ((o >> 20 & 1) << 31)
            | ((o >> 1 & 0x3ff) << 21)
            | ((o >> 11 & 1) << 20)
            | ((o >> 12 & 0xff) << 12)
            | 0x6f
    }
    const ECALL: u32 = 0x73;

    /// The `Image` bytes.
    pub fn image() -> Vec<u8> {
        let mut code: Vec<u32> = vec![
            0x17 | (S0 << 7),                           // auipc s0, 0
            addi(S0, S0, 0x7c0),                        // s0 = buffer (image + 0x800)
            lui(A7, 0x44424),                           // loop: a7 = DBCN
            addi(A7, A7, 0x34e),                        //   (fits: no sign carry)
            addi(A6, 0, 1),                             // console_read
            addi(A0, 0, 64),                            // 64 bytes
            addi(A1, S0, 0),                            // at s0
            addi(A2, 0, 0),                             // high half 0
            ECALL,                                      //
            0,                                          // bne a0, x0, loop
            0,                                          // beq a1, x0, loop
            addi(S1, A1, 0),                            // s1 = n
            addi(A6, 0, 0),                             // console_write
            addi(A0, S1, 0),                            //
            addi(A1, S0, 0),                            //
            addi(A2, 0, 0),                             //
            ECALL,                                      //
            0x33 | (T0 << 7) | (S0 << 15) | (S1 << 20), // add t0, s0, s1
            i(0x03, 4, T0, T0, -1),                     // lbu t0, -1(t0)
            addi(T1, 0, i32::from(b'q')),
            0,                // bne t0, t1, loop
            lui(A7, 0x53525), // SRST
            addi(A7, A7, 0x354),
            addi(A6, 0, 0),
            addi(A0, 0, 0), // shutdown
            addi(A1, 0, 0), // no reason
            ECALL,
            jal0(0), // (not reached)
        ];
        let to_loop = |at: usize| -((at as i32 - 2) * 4);
        code[9] = b(1, A0, 0, to_loop(9));
        code[10] = b(0, A1, 0, to_loop(10));
        code[20] = b(1, T0, T1, to_loop(20));
        let mut img = vec![0u8; 0x1000];
        img[0..4].copy_from_slice(&jal0(64).to_le_bytes());
        img[16..24].copy_from_slice(&0x2000u64.to_le_bytes()); // image_size
        img[0x30..0x38].copy_from_slice(b"RISCV\0\0\0");
        img[0x38..0x3c].copy_from_slice(b"RSC\x05");
        for (n, w) in code.iter().enumerate() {
            img[64 + 4 * n..68 + 4 * n].copy_from_slice(&w.to_le_bytes());
        }
        img
    }
}

/// A guest without a virtio-console driver reads typed input through SBI
/// DBCN (the virtio console's pending input, unclaimed), on each engine;
/// its echo must all be on stdout when rvisor exits.
#[test]
fn para_guest_without_virtio_driver_reads_console_input_through_sbi_dbcn() {
    let image = std::env::temp_dir().join(format!("rvisor-sbi-echo-{}.img", std::process::id()));
    std::fs::write(&image, sbi_echo::image()).expect("write test image");
    for engine in ["interp", "jit"] {
        let mut child = Running(
            Command::new(env!("CARGO_BIN_EXE_rvisor"))
                .args(["run", "--mode", "para", "--mem", "64M", "--engine", engine])
                .arg("--kernel")
                .arg(&image)
                .env("RVISOR_LOG", "warn")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn rvisor"),
        );
        let mut stdin = child.0.stdin.take().expect("stdin");
        let out = lines(child.0.stdout.take().expect("stdout"));
        let err = lines(child.0.stderr.take().expect("stderr"));
        stdin.write_all(b"hello sbi\n").expect("type");
        std::thread::sleep(Duration::from_millis(300));
        stdin.write_all(b"second line\nq").expect("type");
        let code = wait_exit(&mut child.0, Duration::from_secs(60), "SRST after q");
        let (mut o, mut e) = (String::new(), String::new());
        drain(&out, &mut o);
        drain(&err, &mut e);
        assert_eq!(
            o, "hello sbi\nsecond line\nq\n",
            "{engine}: echo through DBCN\n--- stderr:\n{e}"
        );
        assert_eq!(code, Some(0), "{engine}: exit after SRST\n{e}");
    }
    let _ = std::fs::remove_file(&image);
}
