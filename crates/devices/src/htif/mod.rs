//! HTIF `tohost`/`fromhost` (platform.md §10; Spike `fesvr/htif.cc`,
//! `device.cc`, `syscall.cc`): how riscv-tests and other Spike-style
//! bare-metal programs print and exit.
//!
//! The platform registers this device with
//! `BusBuilder::watch_stores("htif", tohost, 8, dev)`, so [`MmioDevice::write`]
//! runs after a store to `tohost` reached RAM. The device then reads the
//! whole 64-bit word from RAM, clears it (as Spike does on reading it), and
//! acts:
//!
//! * device 0, payload bit 0 set: exit with code `payload >> 1` (0 = pass,
//!   otherwise riscv-tests' failing `TESTNUM`), through
//!   [`SystemControl::shutdown`]; [`Htif::exit_code`] keeps the raw code.
//! * device 0, payload bit 0 clear: syscall proxy. The payload is the address
//!   of 8 u64s `{number, a0..a6}`; `write(1|2, buf, len)` goes to the
//!   console, `exit(code)` exits, anything else returns `-ENOSYS`. The result
//!   lands in slot 0 and `fromhost` receives 1.
//! * device 1 (bcd) command 1: print the payload's low byte. Command 0
//!   (read) is never answered: there is no HTIF stdin.
//!
//! Responses go to `fromhost` only while it is 0; otherwise up to
//! [`MAX_QUEUED_RESPONSES`] wait and are retried on the next command.
//!
//! **Partial stores.** Spike's host polls the whole 64-bit `tohost` now and
//! then; we act on the store instead, so a command written in two halves
//! must not be taken half-written. A store touching bytes 4..8 (or an
//! 8-byte store) completes a command. A store to the low half alone acts only
//! if the word is already an exit (device 0, command 0, bit 0 set): the
//! riscv-arch-test Spike model and older riscv-tests halt with a lone
//! `sw x1, tohost` and never write the high half, while current riscv-tests
//! follow theirs with `sw zero, tohost+4` (then `tohost` is already clear and
//! that store does nothing). Any other low-half value waits for the high half.
//!
//! Guest addresses outside RAM are ignored (counted), never fatal.

mod regs;

pub use regs::{MAX_QUEUED_RESPONSES, MAX_WRITE};

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use rvisor_memory::{GuestPhysAddr, GuestRam, MmioDevice, SystemControl};

use crate::error::DeviceError;
use crate::util::{bump, metrics, warn_limited};
use regs::*;

metrics! {
    /// Event counts of the HTIF, for `--stats`.
    HtifStats / HtifMetrics {
        /// Commands taken from `tohost`.
        commands,
        /// Syscalls served through magic memory.
        syscalls,
        /// Console bytes written (bcd and `write`).
        console_bytes,
        /// bcd reads that will never be answered.
        unanswered_reads,
        /// Commands for unknown devices or commands.
        unknown_commands,
        /// Guest addresses outside RAM (magic memory or buffers).
        bad_addresses,
        /// Responses dropped because `fromhost` stayed busy.
        dropped_responses,
    }
}

struct Locked {
    console: Box<dyn Write + Send>,
    responses: VecDeque<u64>,
    exit_code: Option<u64>,
}

/// The HTIF watcher of one machine.
pub struct Htif {
    ram: Arc<GuestRam>,
    tohost: u64,
    fromhost: Option<u64>,
    control: Arc<dyn SystemControl>,
    locked: Mutex<Locked>,
    metrics: HtifMetrics,
}

impl std::fmt::Debug for Htif {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Htif")
            .field("tohost_off", &self.tohost)
            .field("fromhost_off", &self.fromhost)
            .finish()
    }
}

/// RAM offset of the aligned 8-byte word at `addr`.
fn word_offset(
    ram: &GuestRam,
    what: &'static str,
    addr: GuestPhysAddr,
) -> Result<u64, DeviceError> {
    ram.offset_of(addr, 8)
        .filter(|off| off % 8 == 0)
        .ok_or(DeviceError::HtifAddressNotInRam { what, addr })
}

impl Htif {
    /// An HTIF for the program whose `tohost` (and optional `fromhost`)
    /// symbols are at these guest-physical addresses (8-byte aligned words
    /// in `ram`). Exits go to `control`, console output to `console`.
    pub fn new(
        ram: Arc<GuestRam>,
        tohost: GuestPhysAddr,
        fromhost: Option<GuestPhysAddr>,
        control: Arc<dyn SystemControl>,
        console: Box<dyn Write + Send>,
    ) -> Result<Self, DeviceError> {
        let tohost = word_offset(&ram, "tohost", tohost)?;
        let fromhost = fromhost
            .map(|a| word_offset(&ram, "fromhost", a))
            .transpose()?;
        Ok(Self {
            ram,
            tohost,
            fromhost,
            control,
            locked: Mutex::new(Locked {
                console,
                responses: VecDeque::new(),
                exit_code: None,
            }),
            metrics: HtifMetrics::default(),
        })
    }

    /// The raw exit code the program reported (`payload >> 1`, or `exit`'s
    /// argument), once it exited.
    pub fn exit_code(&self) -> Option<u64> {
        self.lock().exit_code
    }

    /// Forget an exit (machine reset), so the next run can exit again.
    pub fn reset(&self) {
        let mut l = self.lock();
        l.exit_code = None;
        l.responses.clear();
    }

    /// Event counters.
    pub fn stats(&self) -> HtifStats {
        self.metrics.snapshot()
    }

    fn lock(&self) -> MutexGuard<'_, Locked> {
        self.locked.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn exit(&self, l: &mut Locked, code: u64) {
        // riscv-tests keep rewriting tohost until the machine stops: report
        // the first exit only.
        if l.exit_code.is_some() {
            return;
        }
        l.exit_code = Some(code);
        tracing::info!(code, "htif: guest exit");
        // Non-zero must stay non-zero when narrowed to an exit status.
        self.control
            .shutdown(i32::try_from(code).unwrap_or(i32::MAX));
    }

    fn console_write(&self, l: &mut Locked, bytes: &[u8]) {
        self.metrics
            .console_bytes
            .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        // Console errors are the host's problem; the guest sees success.
        let _ = l.console.write_all(bytes).and_then(|()| l.console.flush());
    }

    /// Queue a response and move queued ones to `fromhost` while it is free.
    fn respond(&self, l: &mut Locked, resp: Option<u64>) {
        let Some(off) = self.fromhost else {
            return;
        };
        if let Some(r) = resp {
            if l.responses.len() >= MAX_QUEUED_RESPONSES {
                bump(&self.metrics.dropped_responses);
            } else {
                l.responses.push_back(r);
            }
        }
        while let Some(&r) = l.responses.front() {
            if self.ram.load_u64(off) != Some(0) {
                break;
            }
            self.ram.store_u64(off, r);
            l.responses.pop_front();
        }
    }

    /// Serve the syscall block at `addr`; `None` if it is not in RAM.
    fn syscall(&self, l: &mut Locked, addr: u64) -> Option<()> {
        let mut raw = [0u8; MAGIC_SLOTS * 8];
        let off = self.ram.offset_of(addr, raw.len() as u64)?;
        if !self.ram.read_bytes(off, &mut raw) {
            return None;
        }
        let slot = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&raw[i * 8..i * 8 + 8]);
            u64::from_le_bytes(b)
        };
        bump(&self.metrics.syscalls);
        let result = match slot(0) {
            SYS_WRITE => self.sys_write(l, slot(1), slot(2), slot(3)),
            SYS_EXIT => {
                self.exit(l, slot(1));
                return Some(());
            }
            n => {
                warn_limited!("htif: unsupported syscall {n}");
                ENOSYS
            }
        };
        self.ram.store_u64(off, result as u64);
        Some(())
    }

    fn sys_write(&self, l: &mut Locked, fd: u64, buf: u64, len: u64) -> i64 {
        if fd != 1 && fd != 2 {
            return EBADF;
        }
        let len = len.min(MAX_WRITE);
        let Some(off) = self.ram.offset_of(buf, len) else {
            bump(&self.metrics.bad_addresses);
            return EFAULT;
        };
        let mut chunk = [0u8; 4096];
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(chunk.len() as u64) as usize;
            if !self.ram.read_bytes(off + done, &mut chunk[..n]) {
                return EFAULT;
            }
            self.console_write(l, &chunk[..n]);
            done += n as u64;
        }
        done as i64
    }

    fn command(&self, l: &mut Locked, tohost: u64) {
        bump(&self.metrics.commands);
        let device = (tohost >> DEVICE_SHIFT) as u8;
        let cmd = (tohost >> CMD_SHIFT) as u8;
        let payload = tohost & PAYLOAD_MASK;
        let header = tohost & !PAYLOAD_MASK;
        match (device, cmd) {
            (DEV_SYSCALL, 0) if payload & 1 == 1 => self.exit(l, payload >> 1),
            (DEV_SYSCALL, 0) => {
                if self.syscall(l, payload).is_some() {
                    self.respond(l, Some(header | 1));
                } else {
                    bump(&self.metrics.bad_addresses);
                    warn_limited!("htif: syscall block at {payload:#x} is not in RAM");
                }
            }
            (DEV_BCD, BCD_WRITE) => self.console_write(l, &[payload as u8]),
            (DEV_BCD, BCD_READ) => bump(&self.metrics.unanswered_reads),
            _ => {
                bump(&self.metrics.unknown_commands);
                warn_limited!("htif: unknown device {device} command {cmd}");
            }
        }
    }
}

/// Device 0, command 0, payload bit 0: "exit with payload >> 1".
fn is_exit(tohost: u64) -> bool {
    tohost & !PAYLOAD_MASK == 0 && tohost & 1 == 1
}

impl MmioDevice for Htif {
    fn read(&self, _offset: u64, _size: u8) -> u64 {
        0
    }

    fn write(&self, offset: u64, size: u8, _value: u64) {
        let end = offset.saturating_add(u64::from(size));
        if offset >= 8 {
            return;
        }
        let low_half_only = end <= 4 && size < 8;
        let mut l = self.lock();
        // Give queued responses a chance first: the guest may have drained
        // fromhost since.
        self.respond(&mut l, None);
        let Some(tohost) = self.ram.load_u64(self.tohost) else {
            return;
        };
        if tohost == 0 {
            return;
        }
        // Wait for the high half of a low-then-high pair (see module docs).
        if low_half_only && !is_exit(tohost) {
            return;
        }
        self.ram.store_u64(self.tohost, 0);
        self.command(&mut l, tohost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{Rng, SharedBuf};
    use rvisor_memory::RecordingControl;

    const BASE: u64 = 0x8000_0000;
    const TOHOST: u64 = BASE + 0x1000;
    const FROMHOST: u64 = BASE + 0x1040;
    const MAGIC: u64 = BASE + 0x2000;
    const BUF: u64 = BASE + 0x3000;

    struct Rig {
        htif: Htif,
        ram: Arc<GuestRam>,
        ctl: Arc<RecordingControl>,
        out: SharedBuf,
    }

    fn rig() -> Rig {
        let ram = Arc::new(GuestRam::new(BASE, 0x10000).unwrap());
        let ctl = Arc::new(RecordingControl::default());
        let out = SharedBuf::default();
        let htif = Htif::new(
            ram.clone(),
            TOHOST,
            Some(FROMHOST),
            ctl.clone(),
            Box::new(out.clone()),
        )
        .unwrap();
        Rig {
            htif,
            ram,
            ctl,
            out,
        }
    }

    impl Rig {
        /// A 64-bit store to tohost, as the bus would deliver it.
        fn store(&self, v: u64) {
            self.ram.store_u64(TOHOST - BASE, v);
            self.htif.write(0, 8, v);
        }
        fn load(&self, pa: u64) -> u64 {
            self.ram.load_u64(pa - BASE).unwrap()
        }
        fn magic(&self, slots: [u64; 8]) {
            for (i, s) in slots.iter().enumerate() {
                self.ram.store_u64(MAGIC - BASE + 8 * i as u64, *s);
            }
        }
        fn last(&self) -> Option<Result<i32, ()>> {
            *self.ctl.last.lock().unwrap()
        }
    }

    #[test]
    fn htif_pass_exits_zero_and_clears_tohost() {
        let r = rig();
        r.store(1);
        assert_eq!(r.last(), Some(Ok(0)));
        assert_eq!(r.htif.exit_code(), Some(0));
        assert_eq!(r.load(TOHOST), 0);
    }

    #[test]
    fn htif_fail_exits_with_testnum() {
        let r = rig();
        r.store((5 << 1) | 1);
        assert_eq!(r.last(), Some(Ok(5)));
        assert_eq!(r.htif.exit_code(), Some(5));
    }

    /// A 4-byte store of `v` at tohost + `offset`, as the bus delivers it.
    fn store_word(r: &Rig, offset: u64, v: u32) {
        r.ram.store_u32(TOHOST - BASE + offset, v);
        r.htif.write(offset, 4, u64::from(v));
    }

    #[test]
    fn htif_low_word_exit_acts_at_once_and_high_word_is_harmless() {
        // riscv-tests: sw gp, tohost; sw zero, tohost+4.
        let r = rig();
        store_word(&r, 0, (3 << 1) | 1);
        assert_eq!(r.last(), Some(Ok(3)));
        assert_eq!(r.load(TOHOST), 0);
        store_word(&r, 4, 0);
        assert_eq!(r.htif.stats().commands, 1);
    }

    #[test]
    fn htif_lone_low_word_exit_is_enough() {
        // riscv-arch-test Spike model: `sw x1, tohost` in a loop, no high half.
        let r = rig();
        store_word(&r, 0, 1);
        assert_eq!(r.last(), Some(Ok(0)));
        store_word(&r, 0, 1);
        assert_eq!(r.htif.exit_code(), Some(0));
    }

    #[test]
    fn htif_split_command_waits_for_high_word() {
        // A bcd write stored low half first: the low half alone is even and
        // must not be taken as a syscall pointer.
        let r = rig();
        store_word(&r, 0, u32::from(b'Z'));
        assert_eq!(r.htif.stats().commands, 0);
        store_word(&r, 4, 0x0101_0000);
        assert_eq!(r.out.contents(), b"Z");
        assert_eq!(r.load(TOHOST), 0);
    }

    #[test]
    fn htif_repeated_exit_reports_once() {
        let r = rig();
        r.store(1);
        *r.ctl.last.lock().unwrap() = None;
        r.store(1);
        assert_eq!(r.last(), None);
    }

    #[test]
    fn htif_bcd_write_prints_char_without_response() {
        let r = rig();
        r.store((1 << 56) | (1 << 48) | u64::from(b'A'));
        assert_eq!(r.out.contents(), b"A");
        assert_eq!(r.load(FROMHOST), 0);
        assert_eq!(r.load(TOHOST), 0);
    }

    #[test]
    fn htif_sys_write_prints_and_returns_length() {
        let r = rig();
        r.ram.write_bytes(BUF - BASE, b"hello");
        r.magic([SYS_WRITE, 1, BUF, 5, 0, 0, 0, 0]);
        r.store(MAGIC);
        assert_eq!(r.out.contents(), b"hello");
        assert_eq!(r.load(MAGIC), 5);
        assert_eq!(r.load(FROMHOST), 1);
    }

    #[test]
    fn htif_sys_write_bad_buffer_returns_efault() {
        let r = rig();
        r.magic([SYS_WRITE, 1, 0x10, 5, 0, 0, 0, 0]);
        r.store(MAGIC);
        assert_eq!(r.load(MAGIC) as i64, EFAULT);
    }

    #[test]
    fn htif_sys_write_other_fd_returns_ebadf() {
        let r = rig();
        r.magic([SYS_WRITE, 7, BUF, 5, 0, 0, 0, 0]);
        r.store(MAGIC);
        assert_eq!(r.load(MAGIC) as i64, EBADF);
    }

    #[test]
    fn htif_unknown_syscall_returns_enosys() {
        let r = rig();
        r.magic([1234, 0, 0, 0, 0, 0, 0, 0]);
        r.store(MAGIC);
        assert_eq!(r.load(MAGIC) as i64, ENOSYS);
    }

    #[test]
    fn htif_sys_exit_exits_with_argument() {
        let r = rig();
        r.magic([SYS_EXIT, 42, 0, 0, 0, 0, 0, 0]);
        r.store(MAGIC);
        assert_eq!(r.last(), Some(Ok(42)));
    }

    #[test]
    fn htif_magic_block_outside_ram_is_ignored() {
        let r = rig();
        r.store(0x10);
        assert_eq!(r.load(TOHOST), 0);
        assert_eq!(r.load(FROMHOST), 0);
        assert_eq!(r.htif.stats().bad_addresses, 1);
    }

    #[test]
    fn htif_busy_fromhost_queues_response() {
        let r = rig();
        r.ram.store_u64(FROMHOST - BASE, 0x99);
        r.magic([1234, 0, 0, 0, 0, 0, 0, 0]);
        r.store(MAGIC);
        assert_eq!(r.load(FROMHOST), 0x99);
        r.ram.store_u64(FROMHOST - BASE, 0);
        r.store((1 << 56) | (1 << 48) | u64::from(b'x'));
        assert_eq!(r.load(FROMHOST), 1);
    }

    #[test]
    fn htif_new_tohost_outside_ram_is_error() {
        let ram = Arc::new(GuestRam::new(BASE, 0x1000).unwrap());
        let ctl = Arc::new(RecordingControl::default());
        let err = Htif::new(ram, 0x1000, None, ctl, Box::new(std::io::sink())).unwrap_err();
        assert_eq!(
            err,
            DeviceError::HtifAddressNotInRam {
                what: "tohost",
                addr: 0x1000
            }
        );
    }

    #[test]
    fn htif_hostile_commands_never_panic() {
        let r = rig();
        let mut rng = Rng::new(0x4717);
        for _ in 0..3000 {
            // Random device/command with payloads pointing anywhere,
            // sometimes into the magic block with random syscall slots.
            let payload = match rng.next() % 3 {
                0 => MAGIC & !1,
                1 => rng.next() & PAYLOAD_MASK & !1,
                _ => rng.next() & PAYLOAD_MASK,
            };
            r.magic([
                rng.next() % 100,
                rng.next() % 3,
                BUF,
                rng.next() % (1 << 22),
                0,
                0,
                0,
                0,
            ]);
            let v = ((rng.next() % 3) << 56) | ((rng.next() % 3) << 48) | payload;
            r.htif.reset();
            r.ram.store_u64(TOHOST - BASE, v);
            r.htif.write(rng.next() % 12, rng.size(), v);
        }
    }
}
