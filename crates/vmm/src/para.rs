//! The VMM side of paravirtualization: hart state management (SBI HSM) across
//! hart threads, and the [`SbiEnv`] that serves a hart's hypercalls with the
//! machine's harts, console and power control.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rvisor_cpu::signals::FENCE_I_REQUEST;
use rvisor_cpu::trap::irq_bits;
use rvisor_cpu::{Hart, HartSignals};
use rvisor_memory::{GuestRam, SystemControl};
use rvisor_platform::sbi::{self, hsm, SbiCall, SbiEnv, SbiOutcome, SfenceVma};
use rvisor_virtio::console::ConsoleInput;

/// Cross-thread state of one hart, as the SBI HSM extension sees it.
pub struct HartShared {
    /// The hart's signals (interrupts, requests).
    pub signals: Arc<HartSignals>,
    state: AtomicU64,
    start: Mutex<Option<(u64, u64)>>,
    started: Condvar,
    /// The hart's thread runs no guest code now (parked in `wfi`, stopped,
    /// or gone); it acts on posted requests before it runs guest code again.
    parked: AtomicBool,
    /// Fence waits by this hart that gave up at [`FENCE_WAIT_LIMIT`].
    fence_timeouts: AtomicU64,
}

/// How long a remote `sfence.vma` waits for its targets before it gives up
/// (only a hart thread the host does not schedule for that long is that
/// slow; the guest then runs on, as it did before fences were waited for).
const FENCE_WAIT_LIMIT: Duration = Duration::from_millis(100);

impl HartShared {
    /// A hart in HSM state `state`.
    pub fn new(signals: Arc<HartSignals>, running: bool) -> Arc<Self> {
        Arc::new(Self {
            signals,
            state: AtomicU64::new(if running { hsm::STARTED } else { hsm::STOPPED }),
            start: Mutex::new(None),
            started: Condvar::new(),
            parked: AtomicBool::new(false),
            fence_timeouts: AtomicU64::new(0),
        })
    }

    /// Is the TLB flush with `ticket` done, or can the hart not use a stale
    /// translation before it does it (its run loop flushes at the first
    /// block boundary)?
    fn fence_done(&self, ticket: u64) -> bool {
        self.signals.tlb_flushed(ticket)
            || self.parked.load(Ordering::Acquire)
            || self.state() == hsm::STOPPED
    }

    /// Remote-fence waits of this hart that gave up (a target thread the
    /// host did not run for [`FENCE_WAIT_LIMIT`]).
    pub fn fence_timeouts(&self) -> u64 {
        self.fence_timeouts.load(Ordering::Relaxed)
    }

    /// Mark the hart's thread as running no guest code (`true`) or about
    /// to run it again.
    pub fn set_parked(&self, parked: bool) {
        self.parked.store(parked, Ordering::Release);
    }

    /// HSM state.
    pub fn state(&self) -> u64 {
        self.state.load(Ordering::Acquire)
    }

    /// Block until another hart starts this one (or the VM stops, which
    /// `stopping` tells: `None`). Remote fences posted meanwhile wait: the
    /// start flushes the TLB.
    pub fn wait_for_start(&self, stopping: &dyn Fn() -> bool) -> Option<(u64, u64)> {
        let mut g = self.start.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(s) = g.take() {
                return Some(s);
            }
            if stopping() {
                return None;
            }
            g = self
                .started
                .wait_timeout(g, Duration::from_millis(50))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn request_start(&self, addr: u64, opaque: u64) -> i64 {
        if self
            .state
            .compare_exchange(
                hsm::STOPPED,
                hsm::START_PENDING,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            return sbi::err::ALREADY_AVAILABLE;
        }
        *self.start.lock().unwrap_or_else(|e| e.into_inner()) = Some((addr, opaque));
        self.started.notify_all();
        sbi::err::SUCCESS
    }

    /// Mark the hart running.
    pub fn set_started(&self) {
        self.state.store(hsm::STARTED, Ordering::Release);
    }

    /// Mark the hart stopped.
    pub fn set_stopped(&self) {
        self.state.store(hsm::STOPPED, Ordering::Release);
    }

    /// Mark the hart suspended.
    pub fn set_suspended(&self) {
        self.state.store(hsm::SUSPENDED, Ordering::Release);
    }
}

/// What every hart's hypercalls share.
pub struct SbiHost {
    /// All harts.
    pub harts: Vec<Arc<HartShared>>,
    /// Power control.
    pub control: Arc<dyn SystemControl>,
    /// Console output (DBCN, legacy putchar).
    pub console: Arc<Mutex<Box<dyn Write + Send>>>,
    /// Guest RAM.
    pub ram: Arc<GuestRam>,
    /// Console input DBCN reads take: the virtio console's pending input,
    /// while no driver has claimed it (docs/hypercalls.md, "Console input").
    pub console_input: Option<ConsoleInput>,
}

/// Per-hart hypercall state kept by the hart's thread.
#[derive(Default)]
pub struct HartSbiState {
    /// Steal-time record address (SBI STA).
    pub steal_shmem: Option<u64>,
    /// Hypercalls served, by extension and function (`--stats`).
    pub calls: crate::stats::HypercallCounts,
}

struct CallEnv<'a> {
    host: &'a SbiHost,
    hart: &'a mut Hart,
    state: &'a mut HartSbiState,
    /// (target hart, ticket) of the TLB flushes this call posted.
    fences: Vec<(usize, u64)>,
}

impl SbiEnv for CallEnv<'_> {
    fn hart_id(&self) -> u64 {
        self.hart.config.hart_id
    }
    fn hart_count(&self) -> u64 {
        self.host.harts.len() as u64
    }
    fn set_timer(&mut self, deadline: u64) {
        self.hart.set_supervisor_timer(deadline);
    }
    fn send_ipi(&self, hart: u64) {
        if let Some(h) = self.host.harts.get(hart as usize) {
            h.signals.raise(irq_bits::SSI);
        }
    }
    fn remote_fence_i(&self, hart: u64) {
        if let Some(h) = self.host.harts.get(hart as usize) {
            h.signals.raise(FENCE_I_REQUEST);
        }
    }
    fn remote_sfence_vma(&mut self, hart: u64, fence: SfenceVma) {
        // The TLB caches 4 KiB pieces of superpages without their size, so
        // dropping the pages of `fence.range` alone could leave pieces of a
        // remapped superpage behind: every fence flushes the whole TLB,
        // which is one generation bump. What the range and ASID save is
        // elsewhere: the target keeps its decoded and translated code.
        let _ = fence;
        if hart == self.hart.config.hart_id {
            self.hart.flush_tlb();
        } else if let Some(h) = self.host.harts.get(hart as usize) {
            self.fences
                .push((hart as usize, h.signals.post_tlb_flush()));
        }
    }
    fn remote_fences_posted(&mut self) {
        if self.fences.is_empty() {
            return;
        }
        let own = self.host.harts.get(self.hart.config.hart_id as usize);
        let start = Instant::now();
        let mut spins = 0u32;
        loop {
            // A target may be waiting for this hart's own flush.
            self.hart.apply_tlb_flushes();
            if self
                .fences
                .iter()
                .all(|&(h, t)| self.host.harts[h].fence_done(t))
            {
                break;
            }
            if start.elapsed() > FENCE_WAIT_LIMIT {
                if let Some(own) = own {
                    own.fence_timeouts.fetch_add(1, Ordering::Relaxed);
                }
                tracing::debug!("remote sfence.vma: a target hart did not answer in time");
                break;
            }
            spins += 1;
            if spins < 64 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(Duration::from_micros(20));
            }
        }
        self.fences.clear();
    }
    fn hart_state(&self, hart: u64) -> u64 {
        self.host
            .harts
            .get(hart as usize)
            .map_or(hsm::STOPPED, |h| h.state())
    }
    fn hart_start(&self, hart: u64, addr: u64, opaque: u64) -> i64 {
        match self.host.harts.get(hart as usize) {
            Some(h) => h.request_start(addr, opaque),
            None => sbi::err::INVALID_PARAM,
        }
    }
    fn system_reset(&self, reset: bool, failure: bool) {
        if reset {
            self.host.control.reset();
        } else {
            self.host.control.shutdown(i32::from(failure));
        }
    }
    fn console_write(&self, bytes: &[u8]) -> usize {
        let mut out = self.host.console.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(bytes);
        let _ = out.flush();
        bytes.len()
    }
    fn console_read(&self, buf: &mut [u8]) -> usize {
        self.host
            .console_input
            .as_ref()
            .map_or(0, |i| i.take_unclaimed(buf))
    }
    fn read_phys(&self, pa: u64, buf: &mut [u8]) -> bool {
        self.host
            .ram
            .offset_of(pa, buf.len() as u64)
            .is_some_and(|off| self.host.ram.read_bytes(off, buf))
    }
    fn write_phys(&self, pa: u64, buf: &[u8]) -> bool {
        self.host
            .ram
            .offset_of(pa, buf.len() as u64)
            .is_some_and(|off| {
                let ok = self.host.ram.write_bytes(off, buf);
                rvisor_virtio::dma_written(&self.host.ram, off, buf.len() as u64);
                ok
            })
    }
    fn set_steal_time_shmem(&mut self, pa: Option<u64>) {
        self.state.steal_shmem = pa;
    }
    fn is_ram(&self, addr: u64) -> bool {
        self.host.ram.offset_of(addr, 2).is_some()
    }
}

/// Serve the hypercall `hart` stopped at (`Exit::Hypercall`).
pub fn serve(host: &SbiHost, hart: &mut Hart, state: &mut HartSbiState) -> SbiOutcome {
    let x = &hart.x;
    let call = SbiCall {
        eid: x[17],
        fid: x[16],
        args: [x[10], x[11], x[12], x[13], x[14], x[15]],
    };
    state.calls.count(call.eid, call.fid);
    let mut env = CallEnv {
        host,
        hart,
        state,
        fences: Vec::new(),
    };
    sbi::dispatch(&call, &mut env)
}

/// Nanoseconds this thread has waited on a host run queue while runnable
/// (`/proc/thread-self/schedstat`, second field): the steal time of the vCPU
/// it runs.
pub fn thread_steal_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().nth(1)?.parse().ok()
}

/// Publish `steal_ns` in the STA record at `pa` (SBI §STA: sequence odd
/// while writing, even after).
pub fn write_steal_time(ram: &GuestRam, pa: u64, steal_ns: u64) {
    let Some(off) = ram.offset_of(pa, 64) else {
        return;
    };
    let seq = ram.load_u32(off).unwrap_or(0);
    let odd = seq.wrapping_add(1) | 1;
    ram.store_u32(off, odd);
    ram.store_u64(off + 8, steal_ns);
    ram.store_u8(off + 16, 0);
    ram.store_u32(off, odd.wrapping_add(1));
    rvisor_virtio::dma_written(ram, off, 64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvisor_cpu::signals::{EXIT_REQUEST, TLB_FLUSH_REQUEST};
    use rvisor_cpu::{HartConfig, PrivilegeMode};
    use rvisor_memory::{BusBuilder, Clock, RecordingControl, TimerQueue};
    use rvisor_platform::sbi::{eid, SbiRet};

    const RAM_BASE: u64 = 0x8000_0000;
    const RAM_SIZE: u64 = 1 << 20;

    fn machine(harts: usize) -> (SbiHost, Vec<Hart>) {
        let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).unwrap());
        let bus = Arc::new(BusBuilder::new(ram.clone()).build());
        let timers = TimerQueue::new(Clock::new());
        let mut hs = Vec::new();
        let mut shared = Vec::new();
        for id in 0..harts {
            let signals = HartSignals::new();
            let mut cfg = HartConfig::machine(id as u64, RAM_BASE);
            cfg.reset_mode = PrivilegeMode::Supervisor;
            cfg.hypercalls = true;
            hs.push(Hart::new(cfg, bus.clone(), signals.clone(), timers.clone()));
            let sh = HartShared::new(signals, id == 0);
            // No thread runs these harts' guest code unless a test says so.
            sh.set_parked(true);
            shared.push(sh);
        }
        let host = SbiHost {
            harts: shared,
            control: Arc::new(RecordingControl::default()),
            console: Arc::new(Mutex::new(Box::new(std::io::sink()))),
            ram,
            console_input: None,
        };
        (host, hs)
    }

    /// Guest-physical addresses around the edges of RAM and far outside.
    fn addr(r: u64, x: u64) -> u64 {
        match r % 8 {
            0 => RAM_BASE + x % RAM_SIZE,
            1 => RAM_BASE + RAM_SIZE - x % 80,
            2 => RAM_BASE.wrapping_sub(1 + x % 64),
            3 => u64::MAX - x % 64,
            4 => x,
            5 => x % 4,
            6 => RAM_BASE + RAM_SIZE + x % 0x1000,
            _ => 0x1000_1000,
        }
    }

    #[test]
    fn para_random_hypercalls_through_the_vmm_stay_in_ram() {
        let (host, mut harts) = machine(2);
        let mut state = HartSbiState::default();
        let eids = [
            eid::BASE,
            eid::TIME,
            eid::IPI,
            eid::RFENCE,
            eid::HSM,
            eid::SRST,
            eid::DBCN,
            eid::STA,
            0x4853_4D00, // no such extension
            0,
            1,
            2,
            3,
            4,
            5,
            6,
            7,
            8,
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..50_000 {
            let hart = &mut harts[(next() % 2) as usize];
            hart.x[17] = eids[(next() % eids.len() as u64) as usize];
            hart.x[16] = next() % 8;
            for a in 10..16 {
                let (r, v) = (next(), next());
                hart.x[a] = match r % 4 {
                    0 => addr(r >> 2, v),
                    1 => v % 4096,
                    2 => u64::MAX,
                    _ => v,
                };
            }
            let _ = serve(&host, hart, &mut state);
            // Whatever happened, every hart is in a state HSM defines.
            for h in &host.harts {
                assert!(h.state() <= hsm::SUSPENDED);
            }
            if let Some(pa) = state.steal_shmem {
                assert!(
                    host.ram.offset_of(pa, 64).is_some(),
                    "STA record outside RAM"
                );
                write_steal_time(&host.ram, pa, next());
            }
        }
        assert_eq!(state.calls.total(), 50_000);
    }

    #[test]
    fn para_sta_record_outside_ram_or_misaligned_is_refused() {
        let (host, mut harts) = machine(1);
        let mut state = HartSbiState::default();
        for (pa, want) in [
            (RAM_BASE + RAM_SIZE, sbi::err::INVALID_ADDRESS),
            (RAM_BASE - 64, sbi::err::INVALID_ADDRESS),
            (RAM_BASE + RAM_SIZE - 32, sbi::err::INVALID_PARAM),
        ] {
            let h = &mut harts[0];
            h.x[17] = eid::STA;
            h.x[16] = 0;
            h.x[10] = pa;
            h.x[11] = 0;
            h.x[12] = 0;
            let SbiOutcome::Return(r) = serve(&host, h, &mut state) else {
                panic!("STA returns");
            };
            assert_eq!(r.error, want, "{pa:#x}");
            assert_eq!(state.steal_shmem, None);
        }
    }

    #[test]
    fn para_dbcn_write_past_ram_end_is_invalid_param() {
        let (host, mut harts) = machine(1);
        let mut state = HartSbiState::default();
        let h = &mut harts[0];
        h.x[17] = eid::DBCN;
        h.x[16] = 0;
        h.x[10] = 64;
        h.x[11] = RAM_BASE + RAM_SIZE - 16;
        h.x[12] = 0;
        let SbiOutcome::Return(r) = serve(&host, h, &mut state) else {
            panic!("DBCN returns");
        };
        assert_eq!(r.error, sbi::err::INVALID_PARAM);
    }

    fn dbcn_read(host: &SbiHost, hart: &mut Hart, len: u64, pa: u64) -> SbiRet {
        hart.x[17] = eid::DBCN;
        hart.x[16] = 1;
        hart.x[10] = len;
        hart.x[11] = pa;
        hart.x[12] = 0;
        let SbiOutcome::Return(r) = serve(host, hart, &mut HartSbiState::default()) else {
            panic!("DBCN returns");
        };
        r
    }

    #[test]
    fn para_dbcn_read_takes_console_input_until_virtio_console_is_driven() {
        let (mut host, mut harts) = machine(1);
        let con = rvisor_virtio::console::VirtioConsole::new(Box::new(std::io::sink()));
        let input = con.input();
        host.console_input = Some(input.clone());
        let h = &mut harts[0];
        assert_eq!(dbcn_read(&host, h, 16, RAM_BASE + 0x100).value, 0);
        input.push_input(b"hello");
        let r = dbcn_read(&host, h, 3, RAM_BASE + 0x100);
        assert_eq!((r.error, r.value), (0, 3));
        let r = dbcn_read(&host, h, 16, RAM_BASE + 0x200);
        assert_eq!((r.error, r.value), (0, 2));
        let mut got = [0u8; 5];
        let off = host.ram.offset_of(RAM_BASE + 0x100, 3).unwrap();
        assert!(host.ram.read_bytes(off, &mut got[..3]));
        let off = host.ram.offset_of(RAM_BASE + 0x200, 2).unwrap();
        assert!(host.ram.read_bytes(off, &mut got[3..]));
        assert_eq!(&got, b"hello");
        // A read into memory that is not RAM takes nothing.
        input.push_input(b"x");
        let r = dbcn_read(&host, h, 4, RAM_BASE + RAM_SIZE - 2);
        assert_eq!(r.error, sbi::err::INVALID_PARAM);
        // Legacy getchar takes from the same buffer.
        h.x[17] = eid::LEGACY_GETCHAR;
        let SbiOutcome::ReturnLegacy(c) = serve(&host, h, &mut HartSbiState::default()) else {
            panic!("getchar returns");
        };
        assert_eq!(c, i64::from(b'x'));
        let SbiOutcome::ReturnLegacy(c) = serve(&host, h, &mut HartSbiState::default()) else {
            panic!("getchar returns");
        };
        assert_eq!(c, -1);
    }

    fn rfence(host: &SbiHost, hart: &mut Hart, mask: u64, start: u64, size: u64) -> SbiRet {
        hart.x[17] = eid::RFENCE;
        hart.x[16] = 1;
        hart.x[10] = mask;
        hart.x[11] = 0;
        hart.x[12] = start;
        hart.x[13] = size;
        let SbiOutcome::Return(r) = serve(host, hart, &mut HartSbiState::default()) else {
            panic!("RFENCE returns");
        };
        r
    }

    #[test]
    fn para_remote_sfence_waits_for_running_targets_and_two_harts_fencing_each_other_finish() {
        let (host, mut harts) = machine(2);
        for h in &host.harts {
            h.set_started();
            h.set_parked(false);
        }
        let (h0, h1) = harts.split_at_mut(1);
        let (h0, h1) = (&mut h0[0], &mut h1[0]);
        // Each hart fences the other many times at once: each must act on
        // the other's request while it waits for its own (no deadlock, no
        // time-outs), and the request asks the target to flush its TLB.
        // A hart done with its own fences keeps serving the other's until
        // both are done, as a running hart thread would.
        let finished = std::sync::atomic::AtomicUsize::new(0);
        let serve_until_both_done = |h: &mut Hart| {
            finished.fetch_add(1, Ordering::AcqRel);
            while finished.load(Ordering::Acquire) < 2 {
                h.apply_tlb_flushes();
                std::thread::yield_now();
            }
            h.apply_tlb_flushes();
        };
        std::thread::scope(|s| {
            let host = &host;
            let serve = &serve_until_both_done;
            s.spawn(move || {
                for _ in 0..200 {
                    assert_eq!(rfence(host, h1, 0b01, 0x4000, 0x1000).error, 0);
                }
                serve(h1);
            });
            for _ in 0..200 {
                assert_eq!(rfence(host, h0, 0b10, 0, u64::MAX).error, 0);
            }
            serve(h0);
        });
        for h in &host.harts {
            assert_eq!(h.fence_timeouts(), 0);
            assert!(h.signals.tlb_flushed(200));
            assert_ne!(h.signals.load() & TLB_FLUSH_REQUEST, 0);
            // Only the TLB: the hart is not asked to leave its run loop.
            assert_eq!(h.signals.load() & EXIT_REQUEST, 0);
        }
        // A target that runs no guest code is not waited for, and a fence
        // naming a missing hart or a wrapping range posts nothing.
        host.harts[1].set_parked(true);
        let before = host.harts[1].signals.post_tlb_flush();
        assert_eq!(rfence(&host, &mut harts[0], 0b10, 0, 4096).error, 0);
        assert_eq!(host.harts[0].fence_timeouts(), 0);
        assert_eq!(
            rfence(&host, &mut harts[0], 0b110, 0, 4096).error,
            sbi::err::INVALID_PARAM
        );
        assert_eq!(
            rfence(&host, &mut harts[0], 0b10, u64::MAX, 2).error,
            sbi::err::INVALID_ADDRESS
        );
        assert_eq!(host.harts[1].signals.post_tlb_flush(), before + 2);
    }
}
