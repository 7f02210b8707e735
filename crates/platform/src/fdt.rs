//! The flattened device tree describing exactly the machine rvisor built, in
//! the shape QEMU's `virt` board gives it (platform.md §4), so that OpenSBI
//! and Linux find every device where the virt board has it.

use vm_fdt::{FdtWriter, FdtWriterNode};

use crate::layout::*;

/// Which profile the tree describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Full virtualization: M-mode firmware, CLINT, PLIC with M and S contexts.
    Full,
    /// Paravirtualization: S-mode kernel, PLIC with S contexts only, no CLINT
    /// node (the QEMU/KVM precedent), virtio-mmio devices.
    Para,
}

/// What the device tree must describe.
#[derive(Clone, Debug)]
pub struct FdtParams {
    /// Profile.
    pub profile: Profile,
    /// Number of harts.
    pub cpus: u32,
    /// RAM size in bytes (RAM starts at `DRAM_BASE`).
    pub ram_size: u64,
    /// Kernel command line.
    pub bootargs: Option<String>,
    /// initrd start and end (guest-physical).
    pub initrd: Option<(u64, u64)>,
    /// `mmu-type`, e.g. "riscv,sv57".
    pub mmu_type: &'static str,
    /// ISA extensions beyond "imafdc" (lower-case names, e.g. "zicsr", "sstc").
    pub extensions: Vec<&'static str>,
    /// virtio-mmio slots in use (0..VIRTIO_SLOTS).
    pub virtio_slots: Vec<u32>,
    /// 32 random bytes for `/chosen/rng-seed`.
    pub rng_seed: [u8; 32],
}

/// The device tree could not be built (a bug: our inputs are all ours).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the device tree: {0}")]
pub struct FdtError(String);

impl From<vm_fdt::Error> for FdtError {
    fn from(e: vm_fdt::Error) -> Self {
        FdtError(e.to_string())
    }
}

const PH_PLIC: u32 = 1;
const PH_TEST: u32 = 2;
const PH_CPU_INTC_BASE: u32 = 0x100;
const PH_CPU_BASE: u32 = 0x1000;

fn reg(fdt: &mut FdtWriter, base: u64, size: u64) -> Result<(), vm_fdt::Error> {
    fdt.property_array_u64("reg", &[base, size])
}

fn isa_string(p: &FdtParams) -> String {
    let mut s = String::from("rv64imafdc");
    for e in &p.extensions {
        s.push('_');
        s.push_str(e);
    }
    s
}

fn cpus(fdt: &mut FdtWriter, p: &FdtParams) -> Result<(), vm_fdt::Error> {
    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32(
        "timebase-frequency",
        rvisor_memory::clock::TIMEBASE_HZ as u32,
    )?;
    let mut exts: Vec<String> = ["i", "m", "a", "f", "d", "c"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    exts.extend(p.extensions.iter().map(|s| s.to_string()));
    for hart in 0..p.cpus {
        let cpu = fdt.begin_node(&format!("cpu@{hart}"))?;
        fdt.property_phandle(PH_CPU_BASE + hart)?;
        fdt.property_string("device_type", "cpu")?;
        fdt.property_u32("reg", hart)?;
        fdt.property_string("status", "okay")?;
        fdt.property_string("compatible", "riscv")?;
        fdt.property_string("riscv,isa", &isa_string(p))?;
        fdt.property_string("riscv,isa-base", "rv64i")?;
        fdt.property_string_list("riscv,isa-extensions", exts.clone())?;
        fdt.property_string("mmu-type", p.mmu_type)?;
        let intc = fdt.begin_node("interrupt-controller")?;
        fdt.property_u32("#address-cells", 0)?;
        fdt.property_u32("#interrupt-cells", 1)?;
        fdt.property_null("interrupt-controller")?;
        fdt.property_string("compatible", "riscv,cpu-intc")?;
        fdt.property_phandle(PH_CPU_INTC_BASE + hart)?;
        fdt.end_node(intc)?;
        fdt.end_node(cpu)?;
    }
    let map = fdt.begin_node("cpu-map")?;
    let cluster = fdt.begin_node("cluster0")?;
    for hart in 0..p.cpus {
        let core = fdt.begin_node(&format!("core{hart}"))?;
        fdt.property_u32("cpu", PH_CPU_BASE + hart)?;
        fdt.end_node(core)?;
    }
    fdt.end_node(cluster)?;
    fdt.end_node(map)?;
    fdt.end_node(cpus)
}

/// The SiFive test device ("syscon") that powers off and resets a full
/// machine. A para machine has none: the kernel then powers off through SBI
/// SRST, the hypercall a para guest is meant to use.
fn test_device(fdt: &mut FdtWriter) -> Result<(), vm_fdt::Error> {
    let test = fdt.begin_node(&format!("test@{TEST_BASE:x}"))?;
    fdt.property_string_list(
        "compatible",
        vec![
            "sifive,test1".into(),
            "sifive,test0".into(),
            "syscon".into(),
        ],
    )?;
    reg(fdt, TEST_BASE, TEST_SIZE)?;
    fdt.property_phandle(PH_TEST)?;
    fdt.end_node(test)
}

fn soc_devices(fdt: &mut FdtWriter, p: &FdtParams) -> Result<(), vm_fdt::Error> {
    if p.profile == Profile::Full {
        test_device(fdt)?;
    }

    let rtc = fdt.begin_node(&format!("rtc@{RTC_BASE:x}"))?;
    fdt.property_string("compatible", "google,goldfish-rtc")?;
    reg(fdt, RTC_BASE, RTC_SIZE)?;
    fdt.property_u32("interrupt-parent", PH_PLIC)?;
    fdt.property_u32("interrupts", RTC_IRQ)?;
    fdt.end_node(rtc)?;

    let uart = fdt.begin_node(&format!("serial@{UART0_BASE:x}"))?;
    fdt.property_string("compatible", "ns16550a")?;
    reg(fdt, UART0_BASE, UART0_SIZE)?;
    fdt.property_u32("clock-frequency", UART_CLOCK_HZ)?;
    fdt.property_u32("interrupt-parent", PH_PLIC)?;
    fdt.property_u32("interrupts", UART0_IRQ)?;
    fdt.end_node(uart)?;

    for &slot in &p.virtio_slots {
        let base = VIRTIO_BASE + u64::from(slot) * VIRTIO_STRIDE;
        let v = fdt.begin_node(&format!("virtio_mmio@{base:x}"))?;
        fdt.property_string("compatible", "virtio,mmio")?;
        reg(fdt, base, VIRTIO_STRIDE)?;
        fdt.property_u32("interrupt-parent", PH_PLIC)?;
        fdt.property_u32("interrupts", VIRTIO_IRQ + slot)?;
        fdt.end_node(v)?;
    }

    if p.profile == Profile::Full {
        let clint = fdt.begin_node(&format!("clint@{CLINT_BASE:x}"))?;
        fdt.property_string_list(
            "compatible",
            vec!["sifive,clint0".into(), "riscv,clint0".into()],
        )?;
        reg(fdt, CLINT_BASE, CLINT_SIZE)?;
        let mut ie = Vec::new();
        for hart in 0..p.cpus {
            ie.extend([PH_CPU_INTC_BASE + hart, 3, PH_CPU_INTC_BASE + hart, 7]);
        }
        fdt.property_array_u32("interrupts-extended", &ie)?;
        fdt.end_node(clint)?;
    }

    let plic = fdt.begin_node(&format!("plic@{PLIC_BASE:x}"))?;
    fdt.property_string_list(
        "compatible",
        vec!["sifive,plic-1.0.0".into(), "riscv,plic0".into()],
    )?;
    reg(fdt, PLIC_BASE, PLIC_SIZE)?;
    fdt.property_u32("#address-cells", 0)?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_u32("riscv,ndev", PLIC_SOURCES - 1)?;
    fdt.property_phandle(PH_PLIC)?;
    let mut ie = Vec::new();
    for hart in 0..p.cpus {
        if p.profile == Profile::Full {
            ie.extend([PH_CPU_INTC_BASE + hart, 11]);
        }
        ie.extend([PH_CPU_INTC_BASE + hart, 9]);
    }
    fdt.property_array_u32("interrupts-extended", &ie)?;
    fdt.end_node(plic)
}

fn syscon_node(
    fdt: &mut FdtWriter,
    name: &str,
    compat: &str,
    value: u32,
) -> Result<(), vm_fdt::Error> {
    let n: FdtWriterNode = fdt.begin_node(name)?;
    fdt.property_string("compatible", compat)?;
    fdt.property_u32("regmap", PH_TEST)?;
    fdt.property_u32("offset", 0)?;
    fdt.property_u32("value", value)?;
    fdt.end_node(n)
}

/// Build the device tree blob.
pub fn build(p: &FdtParams) -> Result<Vec<u8>, FdtError> {
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "riscv-virtio")?;
    fdt.property_string("model", "riscv-virtio,qemu (rvisor)")?;

    let chosen = fdt.begin_node("chosen")?;
    fdt.property_string("stdout-path", &format!("/soc/serial@{UART0_BASE:x}"))?;
    if let Some(args) = &p.bootargs {
        fdt.property_string("bootargs", args)?;
    }
    if let Some((start, end)) = p.initrd {
        fdt.property_u64("linux,initrd-start", start)?;
        fdt.property_u64("linux,initrd-end", end)?;
    }
    fdt.property("rng-seed", &p.rng_seed)?;
    fdt.end_node(chosen)?;

    let aliases = fdt.begin_node("aliases")?;
    fdt.property_string("serial0", &format!("/soc/serial@{UART0_BASE:x}"))?;
    fdt.end_node(aliases)?;

    let mem = fdt.begin_node(&format!("memory@{DRAM_BASE:x}"))?;
    fdt.property_string("device_type", "memory")?;
    reg(&mut fdt, DRAM_BASE, p.ram_size)?;
    fdt.end_node(mem)?;

    cpus(&mut fdt, p)?;

    let soc = fdt.begin_node("soc")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "simple-bus")?;
    fdt.property_null("ranges")?;
    soc_devices(&mut fdt, p)?;
    fdt.end_node(soc)?;

    if p.profile == Profile::Full {
        syscon_node(&mut fdt, "poweroff", "syscon-poweroff", 0x5555)?;
        syscon_node(&mut fdt, "reboot", "syscon-reboot", 0x7777)?;
    }

    fdt.end_node(root)?;
    Ok(fdt.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(profile: Profile, cpus: u32) -> FdtParams {
        FdtParams {
            profile,
            cpus,
            ram_size: 512 << 20,
            bootargs: Some("console=ttyS0".into()),
            initrd: Some((0x8820_0000, 0x8860_0000)),
            mmu_type: "riscv,sv57",
            extensions: vec!["zicntr", "zicsr", "zifencei", "sstc"],
            virtio_slots: vec![],
            rng_seed: [7; 32],
        }
    }

    #[test]
    fn fdt_full_has_magic_and_devices() {
        let dtb = build(&params(Profile::Full, 2)).unwrap();
        assert_eq!(&dtb[0..4], &[0xd0, 0x0d, 0xfe, 0xed]);
        let text = String::from_utf8_lossy(&dtb);
        for needle in [
            "clint@2000000",
            "plic@c000000",
            "serial@10000000",
            "cpu@1",
            "ns16550a",
        ] {
            assert!(text.contains(needle), "{needle} missing");
        }
    }

    #[test]
    fn fdt_para_has_no_clint() {
        let mut p = params(Profile::Para, 1);
        p.virtio_slots = vec![0, 1];
        let dtb = build(&p).unwrap();
        let text = String::from_utf8_lossy(&dtb);
        assert!(!text.contains("clint@"));
        assert!(!text.contains("syscon"), "para powers off through SBI SRST");
        assert!(text.contains("virtio_mmio@10002000"));
    }
}
