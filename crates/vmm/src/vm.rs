//! Running a VM: one host thread per hart, the console, and the way out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rvisor_cpu::signals::REQUEST_MASK;
use rvisor_cpu::stats::HartStats;
use rvisor_cpu::{Exit, Hart};
use rvisor_platform::fdt::Profile;
use rvisor_platform::machine::{self, MachineSpec};

use crate::config::{Mode, VmConfig};
use crate::console::Console;
use crate::control::{ExitReason, HtifControl, VmControl};
use crate::stats::VmStats;
use crate::VmError;

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
        .map(|f| f.read("kernel"))
        .transpose()?;
    let initrd = config
        .initrd
        .as_ref()
        .map(|f| f.read("initrd"))
        .transpose()?;
    let mut boots = 0u64;
    loop {
        boots += 1;
        let outcome = run_once(
            config,
            firmware.as_deref(),
            kernel.as_deref(),
            initrd.as_deref(),
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
    kernel: Option<&[u8]>,
    initrd: Option<&[u8]>,
) -> Result<Outcome, VmError> {
    let control = VmControl::new();
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
        console: Box::new(std::io::stdout()),
        control: control.clone(),
        htif_control: Arc::new(HtifControl(control.clone())),
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
    control.attach(machine.harts.iter().map(|h| h.signals.clone()).collect());

    let console = Console::get();
    if let Some(uart) = machine.uart.clone() {
        console.attach(
            Arc::new(move |b: &[u8]| uart.push_input(b)),
            control.clone(),
        );
    }

    let started = Instant::now();
    let mut threads = Vec::new();
    for hart in machine.harts {
        let id = hart.config.hart_id;
        let control = control.clone();
        let t = std::thread::Builder::new()
            .name(format!("rvisor-hart{id}"))
            .spawn(move || run_hart(hart, &control))
            .map_err(VmError::Thread)?;
        threads.push(t);
    }
    let mut harts_stats: Vec<HartStats> = Vec::new();
    for t in threads {
        match t.join() {
            Ok(stats) => harts_stats.push(stats),
            Err(_) => control.stop(ExitReason::InternalError),
        }
    }
    console.detach();
    let reason = control.reason().unwrap_or(ExitReason::InternalError);
    Ok(Outcome {
        reason,
        stats: VmStats {
            wall: started.elapsed(),
            harts: harts_stats,
            mmio: machine.bus.stats(),
        },
    })
}

/// A hart's thread: run, park on `wfi`, until the VM stops.
fn run_hart(mut hart: Hart, control: &VmControl) -> HartStats {
    loop {
        match hart.run(BUDGET) {
            Exit::Budget => {}
            Exit::Wfi => {
                // Wake on any locally enabled interrupt or request; the timeout
                // only bounds the damage of a missed wake-up.
                let mask = hart.csr.mie | REQUEST_MASK;
                hart.signals.wait(mask, Duration::from_millis(50));
            }
            Exit::Hypercall => {
                // Paravirtual SBI is served in para mode only; a full-mode hart
                // never exits this way.
                hart.x[10] = (-2i64) as u64; // SBI_ERR_NOT_SUPPORTED
                hart.finish_hypercall();
            }
            Exit::Stopped => {
                // Other harts may still be running: make sure they stop too.
                if control.reason().is_none() {
                    control.stop(ExitReason::InternalError);
                }
                return hart.stats.clone();
            }
        }
    }
}
