//! Assembling a machine: RAM, devices on the bus, interrupt wiring, images
//! and device tree in memory, harts at their reset state.

use std::io::Write;
use std::sync::Arc;

use rvisor_cpu::trap::irq_bits;
use rvisor_cpu::{Hart, HartConfig, HartIrq, HartSignals, PrivilegeMode};
use rvisor_devices::{Aclint, GoldfishRtc, Htif, Ns16550a, Plic, SifiveTest};
use rvisor_memory::{
    Bus, BusBuilder, Clock, GuestRam, IrqLine, MmioDevice, SystemControl, TimerQueue,
};
use rvisor_virtio::blk::{BlkConfig, VirtioBlk};
use rvisor_virtio::console::{ConsoleInput, VirtioConsole};
use rvisor_virtio::net::VirtioNet;
use rvisor_virtio::rng::VirtioRng;
use rvisor_virtio::{Tap, VirtioDevice, VirtioMmio};

use crate::boot::{self, Firmware};
use crate::fdt::{self, FdtParams, Profile};
use crate::image::ImageBytes;
use crate::layout::*;
use crate::PlatformError;

/// What to build.
pub struct MachineSpec<'a> {
    /// Full or para.
    pub profile: Profile,
    /// Number of harts.
    pub cpus: u32,
    /// RAM bytes.
    pub mem: u64,
    /// Firmware / bare-metal program (full mode).
    pub firmware: Option<&'a [u8]>,
    /// Linux `Image`.
    pub kernel: Option<&'a dyn ImageBytes>,
    /// initrd.
    pub initrd: Option<&'a dyn ImageBytes>,
    /// Kernel command line.
    pub bootargs: Option<String>,
    /// Where the console (UART, HTIF) writes.
    pub console: Box<dyn Write + Send>,
    /// Power-off / reset requests from devices.
    pub control: Arc<dyn SystemControl>,
    /// Power-off requests from the HTIF (test results).
    pub htif_control: Arc<dyn SystemControl>,
    /// virtio-mmio devices, in slot order (slot n at `VIRTIO_BASE + n *
    /// VIRTIO_STRIDE`, PLIC source `VIRTIO_IRQ + n`).
    pub virtio: Vec<VirtioSpec>,
}

/// One virtio device to attach.
#[derive(Clone, Debug)]
pub enum VirtioSpec {
    /// virtio-console on the machine's console output; its input handle is
    /// returned in [`Machine::console_input`].
    Console,
    /// virtio-rng fed from the host's `/dev/urandom`.
    Rng,
    /// virtio-blk on a raw image.
    Blk(BlkConfig),
    /// virtio-net on a host tap interface.
    Net {
        /// Tap interface name.
        tap: String,
        /// The card's MAC address.
        mac: [u8; 6],
    },
}

/// An attached virtio-mmio slot.
pub struct VirtioSlot {
    /// Short device name for reports ("virtio-blk0").
    pub name: String,
    /// The transport (and the device behind it).
    pub mmio: Arc<VirtioMmio>,
}

/// A host error and its causes on one line ("cannot open X: No such file").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Create the device `spec` describes; console output goes to `out`.
fn virtio_device(
    spec: &VirtioSpec,
    out: &Arc<std::sync::Mutex<Box<dyn Write + Send>>>,
    console_input: &mut Option<ConsoleInput>,
) -> Result<(&'static str, Box<dyn VirtioDevice>), PlatformError> {
    let chain = |e: rvisor_virtio::VirtioError| PlatformError::Virtio(error_chain(&e));
    Ok(match spec {
        VirtioSpec::Console => {
            let c = VirtioConsole::new(Box::new(SharedOut(out.clone())));
            *console_input = Some(c.input());
            ("virtio-console", Box::new(c))
        }
        VirtioSpec::Rng => ("virtio-rng", Box::new(VirtioRng::new().map_err(chain)?)),
        VirtioSpec::Blk(cfg) => ("virtio-blk", Box::new(VirtioBlk::open(cfg).map_err(chain)?)),
        VirtioSpec::Net { tap, mac } => {
            let tap = Tap::open(tap).map_err(chain)?;
            ("virtio-net", Box::new(VirtioNet::new(Arc::new(tap), *mac)))
        }
    })
}

/// A built machine, ready for the VMM to run.
pub struct Machine {
    /// The physical address space.
    pub bus: Arc<Bus>,
    /// Harts at their reset state.
    pub harts: Vec<Hart>,
    /// The console UART (input goes here).
    pub uart: Option<Arc<Ns16550a>>,
    /// The device tree handed to the guest.
    pub dtb: Vec<u8>,
    /// The timer queue (keeps its thread alive as long as the machine).
    pub timers: TimerQueue,
    /// The console output every device shares.
    pub console: Arc<std::sync::Mutex<Box<dyn Write + Send>>>,
    /// Attached virtio-mmio slots, in slot order.
    pub virtio: Vec<VirtioSlot>,
    /// Input of the virtio console, if there is one.
    pub console_input: Option<ConsoleInput>,
    /// The firmware's signature area (`begin_signature`..`end_signature`).
    pub signature: Option<(u64, u64)>,
}

/// The reset ROM: read-only bytes; writes are ignored.
struct Rom(Vec<u8>);

impl MmioDevice for Rom {
    fn read(&self, offset: u64, size: u8) -> u64 {
        let mut v = 0u64;
        for i in 0..u64::from(size.min(8)) {
            let b = offset
                .checked_add(i)
                .and_then(|o| self.0.get(o as usize))
                .copied()
                .unwrap_or(0);
            v |= u64::from(b) << (8 * i);
        }
        v
    }
    fn write(&self, _offset: u64, _size: u8, _value: u64) {}
    fn code(&self) -> Option<&[u8]> {
        Some(&self.0)
    }
}

/// A console sink shared by the UART and the HTIF.
struct SharedOut(Arc<std::sync::Mutex<Box<dyn Write + Send>>>);

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

fn irq(signals: &Arc<HartSignals>, bit: u64) -> Arc<dyn IrqLine> {
    Arc::new(HartIrq::new(signals.clone(), bit.trailing_zeros()))
}

fn rng_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut seed);
    }
    seed
}

/// Build the machine `spec` describes.
pub fn build(spec: MachineSpec<'_>) -> Result<Machine, PlatformError> {
    let ram = Arc::new(GuestRam::new(DRAM_BASE, spec.mem)?);
    let timers = TimerQueue::new(Clock::new());
    let cpus = spec.cpus as usize;
    let signals: Vec<Arc<HartSignals>> = (0..cpus).map(|_| HartSignals::new()).collect();
    let out = Arc::new(std::sync::Mutex::new(spec.console));

    // Interrupt controller contexts: M then S per hart in full mode (OpenSBI
    // expects M contexts), S only in para mode (the QEMU/KVM precedent).
    let mut contexts: Vec<Arc<dyn IrqLine>> = Vec::new();
    for s in &signals {
        if spec.profile == Profile::Full {
            contexts.push(irq(s, irq_bits::MEI));
        }
        contexts.push(irq(s, irq_bits::SEI));
    }
    let plic = Arc::new(Plic::new(contexts)?);
    let uart_irq = plic
        .source(UART0_IRQ)
        .ok_or(PlatformError::Internal("PLIC source for UART"))?;
    let rtc_irq = plic
        .source(RTC_IRQ)
        .ok_or(PlatformError::Internal("PLIC source for RTC"))?;
    let uart = Arc::new(Ns16550a::new(Box::new(SharedOut(out.clone())), uart_irq));
    let rtc = Arc::new(GoldfishRtc::new(rtc_irq, timers.clone()));
    let test = Arc::new(SifiveTest::new(spec.control.clone()));

    let mut bus = BusBuilder::new(ram.clone())
        .mmio("goldfish_rtc", RTC_BASE, RTC_SIZE, rtc)
        .mmio("plic", PLIC_BASE, PLIC_SIZE, plic.clone())
        .mmio("ns16550a", UART0_BASE, UART0_SIZE, uart.clone());
    if spec.virtio.len() as u64 > VIRTIO_SLOTS {
        return Err(PlatformError::TooManyVirtio(spec.virtio.len()));
    }
    let mut virtio = Vec::with_capacity(spec.virtio.len());
    let mut console_input = None;
    let mut kinds = std::collections::HashMap::<&str, u32>::new();
    for (slot, vs) in spec.virtio.iter().enumerate() {
        let (kind, device) = virtio_device(vs, &out, &mut console_input)?;
        let n = kinds.entry(kind).or_default();
        let name = format!("{kind}{n}");
        *n += 1;
        let line = plic
            .source(VIRTIO_IRQ + slot as u32)
            .ok_or(PlatformError::Internal("PLIC source for virtio"))?;
        let mmio = Arc::new(VirtioMmio::new(ram.clone(), line, device));
        let base = VIRTIO_BASE + slot as u64 * VIRTIO_STRIDE;
        bus = bus.mmio(&name, base, rvisor_virtio::VIRTIO_MMIO_WINDOW, mmio.clone());
        virtio.push(VirtioSlot { name, mmio });
    }
    if spec.profile == Profile::Full {
        bus = bus.mmio("sifive_test", TEST_BASE, TEST_SIZE, test);
        let msip = signals.iter().map(|s| irq(s, irq_bits::MSI)).collect();
        let mtip = signals.iter().map(|s| irq(s, irq_bits::MTI)).collect();
        let clint = Arc::new(Aclint::new(cpus, msip, mtip, timers.clone())?);
        bus = bus.mmio("clint", CLINT_BASE, CLINT_SIZE, clint);
    }

    // Firmware (full mode) and the HTIF, if the program has `tohost`.
    let firmware = spec
        .firmware
        .map(|f| Firmware::parse(f.to_vec()))
        .transpose()?;
    if let Some((tohost, fromhost)) = firmware.as_ref().and_then(|f| f.htif) {
        if ram.offset_of(tohost, 8).is_some() {
            let htif = Arc::new(Htif::new(
                ram.clone(),
                tohost,
                fromhost,
                spec.htif_control.clone(),
                Box::new(SharedOut(out.clone())),
            )?);
            bus = bus.watch_stores("htif", tohost, 8, htif);
        }
    }

    let signature = firmware.as_ref().and_then(|f| f.signature);

    // Images and device tree placement.
    let mut extensions = vec!["zicntr", "zicsr", "zifencei", "zba", "zbb", "zbc", "zbs"];
    if spec.profile == Profile::Full || spec.profile == Profile::Para {
        extensions.push("sstc");
    }
    let mut params = FdtParams {
        profile: spec.profile,
        cpus: spec.cpus,
        ram_size: spec.mem,
        bootargs: spec.bootargs.clone(),
        initrd: None,
        mmu_type: "riscv,sv57",
        extensions,
        virtio_slots: (0..virtio.len() as u32).collect(),
        rng_seed: rng_seed(),
    };
    // The tree's size does not depend on the initrd addresses: size it first.
    let probe = fdt::build(&FdtParams {
        initrd: spec.initrd.map(|_| (0, 0)),
        ..params.clone()
    })?;
    let fw_end = firmware.as_ref().map(|f| f.span.1);
    let placement = boot::place(
        spec.mem,
        if spec.profile == Profile::Full {
            fw_end
        } else {
            None
        },
        spec.kernel,
        spec.initrd.map(|i| i.len()),
        probe.len() as u64 + 4096,
    )?;
    params.initrd = placement.initrd;
    let dtb = fdt::build(&params)?;

    if let Some(fw) = &firmware {
        fw.load(&ram)?;
    }
    if let (Some(k), Some((start, _))) = (spec.kernel, placement.kernel) {
        let off = ram
            .offset_of(start, k.len())
            .ok_or(PlatformError::Internal("kernel placement"))?;
        k.copy_into(&ram, off)
            .map_err(|source| PlatformError::CopyImage {
                what: "kernel",
                source,
            })?;
    }
    if let (Some(i), Some((start, _))) = (spec.initrd, placement.initrd) {
        let off = ram
            .offset_of(start, i.len())
            .ok_or(PlatformError::Internal("initrd placement"))?;
        i.copy_into(&ram, off)
            .map_err(|source| PlatformError::CopyImage {
                what: "initrd",
                source,
            })?;
    }
    let fdt_off = ram
        .offset_of(placement.fdt, dtb.len() as u64)
        .ok_or(PlatformError::Internal("device tree placement"))?;
    ram.write_bytes(fdt_off, &dtb);

    // Reset state: full-mode harts start at the reset vector and run the ROM,
    // which hands over to the firmware as QEMU's does (a0 = hartid, a1 = fdt,
    // a2 = fw_dynamic_info); para-mode harts enter the kernel directly with
    // the registers the Linux boot protocol gives.
    let kernel_entry = placement.kernel.map_or(0, |k| k.0);
    let entry = match (spec.profile, &firmware) {
        (Profile::Full, Some(fw)) => fw.entry,
        _ => kernel_entry,
    };
    let rom = boot::reset_rom(entry, placement.fdt, kernel_entry, 1);
    bus = bus.mmio("mrom", MROM_BASE, MROM_SIZE, Arc::new(Rom(rom)));
    let bus = Arc::new(bus.build());

    let mut harts = Vec::with_capacity(cpus);
    for (id, s) in signals.iter().enumerate() {
        let para = spec.profile == Profile::Para;
        let mut cfg = HartConfig::machine(id as u64, if para { entry } else { MROM_BASE });
        cfg.smp = cpus > 1;
        if para {
            cfg.reset_mode = PrivilegeMode::Supervisor;
            cfg.hypercalls = true;
        }
        let mut hart = Hart::new(cfg, bus.clone(), s.clone(), timers.clone());
        if para {
            // What OpenSBI leaves behind for the kernel: user mode may read
            // cycle, time and instret. Linux only rewrites scounteren from
            // its SBI PMU driver, which a para machine does not offer, so
            // without this the vDSO's clock_gettime (`rdtime`) would fault.
            hart.csr.scounteren = 0x7;
            hart.x[10] = id as u64;
            hart.x[11] = placement.fdt;
        }
        harts.push(hart);
    }

    Ok(Machine {
        bus,
        harts,
        uart: Some(uart),
        dtb,
        timers,
        console: out,
        virtio,
        console_input,
        signature,
    })
}
