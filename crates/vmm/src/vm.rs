//! Running a VM: one host thread per hart, the console, and the way out.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use rvisor_cpu::signals::EXIT_REQUEST;
use rvisor_cpu::stats::HartStats;
use rvisor_cpu::{Exit, Hart};
use rvisor_jit::{Compiler, Jit, Library, Policy};
use rvisor_platform::fdt::Profile;
use rvisor_platform::image::ImageBytes;
use rvisor_platform::machine::{self, MachineSpec, VirtioSpec};
use rvisor_virtio::blk::BlkConfig;

use crate::config::{Engine, Mode, VmConfig};
use crate::console::Console;
use crate::console_out::{ConsoleWriter, OUTPUT_BUFFER_CAP};
use crate::control::{ExitReason, HtifControl, VmControl};
use crate::halt_poll::HaltPoll;
use crate::para::{self, HartSbiState, HartShared, SbiHost};
use crate::stats::{HypercallCounts, VirtioDeviceStats, VmStats};
use crate::VmError;
use rvisor_platform::sbi::{self, hsm, SbiOutcome};

/// How a VM run ended.
#[derive(Debug)]
pub struct Outcome {
    /// Why it stopped.
    pub reason: ExitReason,
    /// What the VMM did.
    pub stats: VmStats,
}

/// Guest instructions a hart runs between looks at its signals when nothing
/// else stops it (an upper bound on exit latency, not a time slice).
const BUDGET: u64 = 1 << 20;

/// How often a hart publishes its steal time (at most; at budget ends).
const STEAL_PERIOD: std::time::Duration = std::time::Duration::from_millis(4);

/// Build the VM described by `config` and run it until the guest powers off
/// (restarting it on guest reset unless `no_reboot`).
pub fn run(config: &VmConfig) -> Result<Outcome, VmError> {
    config.validate()?;
    let firmware = config
        .firmware
        .as_ref()
        .map(|f| f.read("firmware"))
        .transpose()?;
    let kernel = config
        .kernel
        .as_ref()
        .map(|f| f.open("kernel"))
        .transpose()?;
    let initrd = config
        .initrd
        .as_ref()
        .map(|f| f.open("initrd"))
        .transpose()?;
    let mut boots = 0u64;
    loop {
        boots += 1;
        let outcome = run_once(
            config,
            firmware.as_deref(),
            kernel.as_ref().map(|k| k as &dyn ImageBytes),
            initrd.as_ref().map(|i| i as &dyn ImageBytes),
        )?;
        if outcome.reason == ExitReason::Reset && !config.no_reboot {
            tracing::info!("guest reset: rebooting (boot {})", boots + 1);
            continue;
        }
        return Ok(outcome);
    }
}

fn run_once(
    config: &VmConfig,
    firmware: Option<&[u8]>,
    kernel: Option<&dyn ImageBytes>,
    initrd: Option<&dyn ImageBytes>,
) -> Result<Outcome, VmError> {
    let control = VmControl::new();
    let output = ConsoleWriter::spawn(Box::new(std::io::stdout()), OUTPUT_BUFFER_CAP)
        .map_err(VmError::Thread)?;
    let spec = MachineSpec {
        profile: match config.mode {
            Mode::Full => Profile::Full,
            Mode::Para => Profile::Para,
        },
        cpus: config.cpus,
        mem: config.mem,
        firmware,
        kernel,
        initrd,
        bootargs: config.append.clone(),
        console: Box::new(output.handle()),
        control: control.clone(),
        htif_control: Arc::new(HtifControl(control.clone())),
        virtio: virtio_specs(config),
    };
    let machine = machine::build(spec)?;
    if let Some(path) = &config.dump_dtb {
        std::fs::write(path, &machine.dtb).map_err(|source| VmError::WriteFile {
            path: path.clone(),
            source,
        })?;
        return Ok(Outcome {
            reason: ExitReason::PowerOff { code: 0 },
            stats: VmStats::default(),
        });
    }
    if config.signature.is_some() {
        let Some((begin, end)) = machine.signature else {
            return Err(VmError::BadConfig(
                "--signature: the firmware has no begin_signature/end_signature symbols".into(),
            ));
        };
        if machine.bus.ram().offset_of(begin, end - begin).is_none() {
            return Err(VmError::BadConfig(format!(
                "--signature: begin_signature..end_signature ({begin:#x}..{end:#x}) is not in guest RAM"
            )));
        }
    }
    control.attach(machine.harts.iter().map(|h| h.signals.clone()).collect());

    let console = Console::get();
    // Input goes to the UART and to virtio-console (hvc0): a para guest may
    // have been told console=ttyS0 instead; the console nobody reads just
    // drops what overflows its buffer. Until a driver claims the virtio
    // console, SBI DBCN reads take its pending input (docs/hypercalls.md).
    let uart = machine.uart.clone();
    let hvc = machine.console_input.clone();
    if uart.is_some() || hvc.is_some() {
        console.attach(
            Arc::new(move |b: &[u8]| {
                if let Some(u) = &uart {
                    u.push_input(b);
                }
                if let Some(h) = &hvc {
                    h.push_input(b);
                }
            }),
            control.clone(),
        );
    }

    // Para mode: hart 0 runs, the others wait for SBI HSM hart_start (as
    // under KVM); full mode: every hart runs the firmware from reset.
    let para = config.mode == Mode::Para;
    let shared: Vec<Arc<HartShared>> = machine
        .harts
        .iter()
        .map(|h| HartShared::new(h.signals.clone(), !para || h.config.hart_id == 0))
        .collect();
    let sbi = para.then(|| {
        Arc::new(SbiHost {
            harts: shared.clone(),
            control: control.clone(),
            console: machine.console.clone(),
            ram: machine.bus.ram().clone(),
            console_input: machine.console_input.clone(),
        })
    });

    // Harts run mostly the same code: with more than one, each copies the
    // translations another made rather than translating again (bounded
    // like one hart's code cache).
    let library = (shared.len() > 1 && config.engine != Engine::Interp)
        .then(|| Library::new(config.tcache_size as usize));
    let ram = machine.bus.ram().clone();
    let compiler = spawn_compiler(config, move || rvisor_cpu::spin::core_spare(ram.writers()));
    let started = Instant::now();
    let mut threads = Vec::new();
    for (hart, shared) in machine.harts.into_iter().zip(shared) {
        let id = hart.config.hart_id;
        let ctx = HartCtx {
            control: control.clone(),
            shared,
            sbi: sbi.clone(),
            engine: config.engine,
            tcache_size: config.tcache_size as usize,
            library: library.clone(),
            compiler: compiler.clone(),
        };
        let t = std::thread::Builder::new()
            .name(format!("rvisor-hart{id}"))
            .spawn(move || run_hart(hart, &ctx))
            .map_err(VmError::Thread)?;
        threads.push(t);
    }
    let mut harts_stats: Vec<HartStats> = Vec::new();
    let mut hypercalls = HypercallCounts::default();
    for t in threads {
        match t.join() {
            Ok((stats, calls)) => {
                harts_stats.push(stats);
                hypercalls.merge(&calls);
            }
            Err(_) => control.stop(ExitReason::InternalError),
        }
    }
    console.detach();
    // Everything the guest wrote reaches stdout before the run ends.
    output.finish();
    let reason = control.reason().unwrap_or(ExitReason::InternalError);
    if let (Some((path, granularity)), Some(range)) = (&config.signature, machine.signature) {
        let text = signature_text(machine.bus.ram(), range, *granularity as usize).ok_or_else(
            || {
                VmError::BadConfig(format!(
                    "--signature: begin_signature..end_signature ({:#x}..{:#x}) is not in guest RAM",
                    range.0, range.1
                ))
            },
        )?;
        std::fs::write(path, text).map_err(|source| VmError::WriteFile {
            path: path.clone(),
            source,
        })?;
    }
    Ok(Outcome {
        reason,
        stats: VmStats {
            wall: started.elapsed(),
            harts: harts_stats,
            mmio: machine.bus.stats(),
            hypercalls,
            virtio: machine
                .virtio
                .iter()
                .map(|v| VirtioDeviceStats {
                    name: v.name.clone(),
                    transport: v.mmio.stats(),
                })
                .collect(),
        },
    })
}

/// The signature area `[begin, end)` as Spike's `+signature=` writes it:
/// one line per `granularity` bytes, most significant byte first, in hex,
/// the last line padded with zero bytes. `None` if the area is not in RAM.
fn signature_text(
    ram: &rvisor_memory::GuestRam,
    (begin, end): (u64, u64),
    granularity: usize,
) -> Option<String> {
    let len = end.checked_sub(begin)?;
    let off = ram.offset_of(begin, len)?;
    let mut bytes = vec![0u8; usize::try_from(len).ok()?];
    if !ram.read_bytes(off, &mut bytes) {
        return None;
    }
    let granularity = granularity.max(1);
    let mut text = String::with_capacity(bytes.len() * 2 + bytes.len() / granularity + 1);
    for line in bytes.chunks(granularity) {
        for i in (0..granularity).rev() {
            let b = line.get(i).copied().unwrap_or(0);
            let _ = write!(text, "{b:02x}");
        }
        text.push('\n');
    }
    Some(text)
}

/// The virtio devices of a para machine: console and rng always (slots 0
/// and 1), then the disks, then the network cards.
fn virtio_specs(config: &VmConfig) -> Vec<VirtioSpec> {
    if config.mode != Mode::Para {
        return Vec::new();
    }
    let mut v = vec![VirtioSpec::Console, VirtioSpec::Rng];
    v.extend(
        config
            .disks
            .iter()
            .map(|d| VirtioSpec::Blk(BlkConfig::new(&d.path).read_only(d.read_only))),
    );
    v.extend(
        config
            .nets
            .iter()
            .enumerate()
            .map(|(i, n)| VirtioSpec::Net {
                tap: n.tap.clone(),
                // QEMU's default MAC prefix (52:54:00, locally administered).
                mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56 + i as u8],
            }),
    );
    v
}

/// What a hart thread needs besides its hart.
struct HartCtx {
    control: Arc<VmControl>,
    shared: Arc<HartShared>,
    sbi: Option<Arc<SbiHost>>,
    engine: Engine,
    tcache_size: usize,
    /// The translations the machine's harts share.
    library: Option<Arc<Library>>,
    /// The threads that translate hot blocks beside the harts.
    compiler: Option<Arc<Compiler>>,
}

/// The compiler threads `config` asks for: by default one, if the host
/// has a core besides those the harts run on. (A 2-hart boot on 2 cores
/// was no faster with one, at 0.3 s more CPU; with one core it would only
/// delay each block's code.) Only `--engine auto` interprets while a
/// block's code is made.
fn spawn_compiler(
    config: &VmConfig,
    spare: impl Fn() -> bool + Send + Sync + 'static,
) -> Option<Arc<Compiler>> {
    if config.engine != Engine::Auto {
        return None;
    }
    let spare_core = rvisor_cpu::spin::host_cores() > config.cpus as usize;
    let threads = config.jit_threads.unwrap_or(u32::from(spare_core));
    if threads == 0 {
        return None;
    }
    match Compiler::spawn(threads as usize, spare) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!("no compiler thread ({e}); harts translate their own code");
            None
        }
    }
}

/// The translator for `engine` (none: interpret). A host that refuses the
/// code cache mapping falls back to the interpreter.
fn make_jit(ctx: &HartCtx) -> Option<Jit> {
    let (engine, cache_size) = (ctx.engine, ctx.tcache_size);
    let policy = match engine {
        Engine::Interp => return None,
        Engine::Jit => Policy::Always,
        Engine::Auto => Policy::Hot(rvisor_jit::DEFAULT_HOT_THRESHOLD),
    };
    match Jit::new(policy, cache_size) {
        Ok(mut j) => {
            if let Some(l) = &ctx.library {
                j.share(l.clone());
            }
            if let Some(c) = &ctx.compiler {
                j.compile_with(c.clone());
            }
            Some(j)
        }
        Err(e) => {
            tracing::warn!("no translation cache ({e}); interpreting");
            None
        }
    }
}

/// Park until an interrupt the hart enabled locally is pending, or a stop.
/// Other requests (remote fences) wait for the hart's next block boundary:
/// a parked hart runs no guest code, so nobody waits for it to act on them.
fn park(hart: &mut Hart, ctx: &HartCtx, poll: &mut HaltPoll) {
    let mask = hart.csr.mie | EXIT_REQUEST;
    ctx.shared.set_parked(true);
    hart.set_running(false);
    poll.wait(
        &hart.signals,
        mask,
        rvisor_cpu::spin::core_spare(hart.ram.writers()),
    );
    hart.set_running(true);
    ctx.shared.set_parked(false);
}

/// The hart's exit request is in: true if the VM stops.
fn stopping(ctx: &HartCtx) -> bool {
    // `VmControl::stop` records its reason before it raises the request.
    ctx.control.reason().is_some()
}

/// Sleep in an SBI HSM suspend until an enabled interrupt is pending;
/// false if the VM stops instead.
fn suspend(hart: &mut Hart, ctx: &HartCtx, poll: &mut HaltPoll) -> bool {
    while !hart.wfi_wakeup_pending() {
        if hart.signals.load() & EXIT_REQUEST != 0 && stopping(ctx) {
            return false;
        }
        park(hart, ctx, poll);
    }
    true
}

/// A hart's thread: run, park on `wfi`, serve hypercalls, until the VM stops.
fn run_hart(mut hart: Hart, ctx: &HartCtx) -> (HartStats, HypercallCounts) {
    let mut sbi_state = HartSbiState::default();
    // Steal time is read from procfs (a file open and read): only while
    // the guest has a steal-time record, and at most every STEAL_PERIOD.
    // The count starts when the record is set.
    let mut steal_base: Option<u64> = None;
    let mut steal_read = std::time::Instant::now();
    if ctx.shared.state() != hsm::STARTED && !start_stopped_hart(&mut hart, ctx) {
        return (hart.stats_snapshot(), sbi_state.calls);
    }
    let mut poll = HaltPoll::default();
    let mut jit = make_jit(ctx);
    hart.set_running(true);
    loop {
        let exit = match &mut jit {
            Some(j) => j.run(&mut hart, BUDGET),
            None => hart.run(BUDGET),
        };
        // Other harts' SMP `fence.i`s wait for this to trust their code.
        hart.close_store_windows();
        match exit {
            Exit::Budget => match (sbi_state.steal_shmem, &ctx.sbi) {
                (Some(pa), Some(sbi)) => {
                    if steal_base.is_none() || steal_read.elapsed() >= STEAL_PERIOD {
                        steal_read = std::time::Instant::now();
                        if let Some(now) = para::thread_steal_ns() {
                            let base = *steal_base.get_or_insert(now);
                            para::write_steal_time(&sbi.ram, pa, now.saturating_sub(base));
                        }
                    }
                }
                _ => steal_base = None,
            },
            Exit::Wfi => park(&mut hart, ctx, &mut poll),
            Exit::Hypercall => {
                let Some(sbi) = &ctx.sbi else {
                    // Only para-mode harts exit on ecall.
                    hart.x[10] = sbi::err::NOT_SUPPORTED as u64;
                    hart.finish_hypercall();
                    continue;
                };
                match para::serve(sbi, &mut hart, &mut sbi_state) {
                    SbiOutcome::Return(r) => {
                        hart.x[10] = r.error as u64;
                        hart.x[11] = r.value;
                        hart.finish_hypercall();
                    }
                    SbiOutcome::ReturnLegacy(v) => {
                        hart.x[10] = v as u64;
                        hart.finish_hypercall();
                    }
                    SbiOutcome::Stop => {
                        ctx.shared.set_stopped();
                        if !start_stopped_hart(&mut hart, ctx) {
                            break;
                        }
                    }
                    SbiOutcome::SuspendRetentive => {
                        hart.x[10] = 0;
                        hart.finish_hypercall();
                        ctx.shared.set_suspended();
                        let woken = suspend(&mut hart, ctx, &mut poll);
                        ctx.shared.set_started();
                        if !woken {
                            break;
                        }
                    }
                    SbiOutcome::SuspendNonRetentive {
                        resume_addr,
                        opaque,
                    } => {
                        ctx.shared.set_suspended();
                        if !suspend(&mut hart, ctx, &mut poll) {
                            break;
                        }
                        let id = hart.config.hart_id;
                        hart.start_supervisor(resume_addr, id, opaque);
                        ctx.shared.set_started();
                    }
                }
            }
            Exit::Stopped => {
                if stopping(ctx) {
                    break;
                }
            }
        }
    }
    // Nobody waits for this hart's fences any more.
    ctx.shared.set_parked(true);
    hart.set_running(false);
    // Other harts may still be running: make sure they stop too.
    if ctx.control.reason().is_none() {
        ctx.control.stop(ExitReason::InternalError);
    }
    (hart.stats_snapshot(), sbi_state.calls)
}

/// Wait until SBI HSM starts this hart; false if the VM stopped instead.
fn start_stopped_hart(hart: &mut Hart, ctx: &HartCtx) -> bool {
    ctx.shared.set_parked(true);
    hart.set_running(false);
    let started = ctx
        .shared
        .wait_for_start(&|| ctx.control.reason().is_some());
    ctx.shared.set_parked(false);
    match started {
        Some((addr, opaque)) => {
            let id = hart.config.hart_id;
            hart.start_supervisor(addr, id, opaque);
            // (Its TLB is empty; this records the fences posted meanwhile.)
            hart.apply_tlb_flushes();
            hart.set_running(true);
            ctx.shared.set_started();
            true
        }
        None => false,
    }
}
