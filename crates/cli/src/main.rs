//! `rvisor`: run RISC-V guests on an x86-64 Linux host, fully virtualized or
//! paravirtualized, on one engine.

mod bench;
mod compare;
mod cpio;
mod native;
mod runs;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use rvisor_vmm::config::{DiskSpec, NetSpec};
use rvisor_vmm::{parse_size, Engine, ExitReason, ImageSource, Mode, VmConfig};

/// The built-in guest `rvisor run` boots when given no image (guests/hello).
static HELLO_ELF: &[u8] = include_bytes!("../../../guests/hello/hello.elf");

#[derive(Parser)]
#[command(
    name = "rvisor",
    version,
    about = "A RISC-V hypervisor: full virtualization and paravirtualization on one engine",
    long_about = "rvisor runs RISC-V (RV64GC) guests on an x86-64 Linux host.\n\n\
        --mode full: the guest is unmodified; its own M-mode firmware (e.g. OpenSBI) boots\n\
        the kernel on emulated virt-board hardware (CLINT, PLIC, NS16550A, RTC).\n\
        --mode para: the kernel starts in S-mode and calls rvisor through the SBI.\n\n\
        Run with no image to boot the built-in demo guest."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Boot a guest (with no image: the built-in demo guest)
    Run(RunArgs),
    /// Run the built-in benchmark guests (and the Debian boot) under rvisor and QEMU
    Bench(bench::BenchArgs),
    /// Boot the Debian guest in full and para mode (and under QEMU) side by side and chart the difference
    Compare(compare::CompareArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    /// Unmodified guest: M-mode firmware, emulated hardware
    Full,
    /// Hypervisor-aware guest: S-mode kernel, SBI hypercalls, virtio
    Para,
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineArg {
    /// Interpreter only
    Interp,
    /// Translate all code
    Jit,
    /// Interpret cold code, translate hot code
    Auto,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Virtualization mode
    #[arg(long, value_enum, default_value = "full")]
    mode: ModeArg,
    /// M-mode firmware or bare-metal program (ELF, or flat binary loaded at 0x80000000)
    #[arg(long, value_name = "FILE")]
    firmware: Option<PathBuf>,
    /// Linux kernel Image
    #[arg(long, value_name = "FILE")]
    kernel: Option<PathBuf>,
    /// initrd / initramfs
    #[arg(long, value_name = "FILE")]
    initrd: Option<PathBuf>,
    /// Kernel command line
    #[arg(long, value_name = "CMDLINE")]
    append: Option<String>,
    /// Guest RAM (e.g. 512M, 2G)
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_size)]
    mem: u64,
    /// Number of harts (virtual CPUs)
    #[arg(long, value_name = "N", default_value_t = 1)]
    cpus: u32,
    /// Execution engine
    #[arg(long, value_enum, default_value = "auto")]
    engine: EngineArg,
    /// Translated-code cache per hart, and the bound of the translations harts share (1M to 1G; each emptied whole when full)
    #[arg(long, value_name = "SIZE", default_value = "128M", value_parser = parse_size)]
    tcache_size: u64,
    /// Host threads that translate hot code while the harts interpret on (engine auto; 0: each hart translates its own) [default: 1 if the host has more cores than --cpus, else 0]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=8))]
    jit_threads: Option<u32>,
    /// Print what the VMM did (traps, emulated instructions, MMIO, interrupts) at exit
    #[arg(long)]
    stats: bool,
    /// Exit when the guest resets instead of rebooting it
    #[arg(long)]
    no_reboot: bool,
    /// Write the generated device tree blob to FILE and exit
    #[arg(long, value_name = "FILE")]
    dump_dtb: Option<PathBuf>,
    /// Attach a raw disk image as virtio-blk (para mode; repeatable; ",ro" for read-only)
    #[arg(long, value_name = "FILE[,ro]")]
    disk: Vec<DiskSpec>,
    /// Attach a virtio-net card to an existing host tap interface (para mode; repeatable)
    #[arg(long, value_name = "tap=NAME")]
    net: Vec<NetSpec>,
    /// At exit, write the firmware's begin_signature..end_signature memory to FILE in hex
    /// (riscv-arch-test signatures, as Spike's +signature= writes them)
    #[arg(long, value_name = "FILE")]
    signature: Option<PathBuf>,
    /// Bytes per line of the --signature file
    #[arg(long, value_name = "N", default_value_t = 4, requires = "signature")]
    signature_granularity: u32,
}

fn config_from(args: RunArgs) -> VmConfig {
    let builtin = args.firmware.is_none() && args.kernel.is_none();
    VmConfig {
        mode: match args.mode {
            ModeArg::Full => Mode::Full,
            ModeArg::Para => Mode::Para,
        },
        engine: match args.engine {
            EngineArg::Interp => Engine::Interp,
            EngineArg::Jit => Engine::Jit,
            EngineArg::Auto => Engine::Auto,
        },
        firmware: if builtin && matches!(args.mode, ModeArg::Full) {
            Some(ImageSource::Builtin("hello", HELLO_ELF))
        } else {
            args.firmware.map(ImageSource::File)
        },
        kernel: args.kernel.map(ImageSource::File),
        initrd: args.initrd.map(ImageSource::File),
        append: args.append,
        mem: args.mem,
        cpus: args.cpus,
        stats: args.stats,
        no_reboot: args.no_reboot,
        dump_dtb: args.dump_dtb,
        disks: args.disk,
        nets: args.net,
        tcache_size: args.tcache_size,
        jit_threads: args.jit_threads,
        signature: args
            .signature
            .map(|path| (path, args.signature_granularity)),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RVISOR_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || matches!(
                    e.kind(),
                    ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                )
            {
                e.exit();
            }
            // One clear line, not clap's usage block: "rvisor: unexpected argument ...".
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            // "...were not provided:" names them on the next line.
            let detail = match first.ends_with(':') {
                true => text.lines().skip(1).map(str::trim).find(|l| !l.is_empty()),
                false => None,
            };
            match detail {
                Some(d) => eprintln!("rvisor: {first} {d} (see rvisor --help)"),
                None => eprintln!("rvisor: {first} (see rvisor --help)"),
            }
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Bench(args) => bench::main(args),
        Command::Compare(args) => compare::main(args),
        Command::Run(args) => {
            let config = config_from(args);
            let result = rvisor_vmm::run(&config);
            rvisor_vmm::restore_terminal();
            match result {
                Ok(outcome) => {
                    if config.stats {
                        eprint!("{}", outcome.stats.report());
                    }
                    match outcome.reason {
                        ExitReason::Htif { code } if code != 0 => {
                            eprintln!("rvisor: guest reported failure: test {code} failed (HTIF exit code {code})");
                        }
                        ExitReason::PowerOff { code } if code != 0 => {
                            eprintln!("rvisor: guest powered off with failure code {code}");
                        }
                        ExitReason::InternalError => {
                            eprintln!("rvisor: internal error: a hart thread stopped unexpectedly");
                        }
                        _ => {}
                    }
                    ExitCode::from(outcome.reason.exit_status() as u8)
                }
                Err(e) => {
                    eprintln!("rvisor: error: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}
