//! virtio-mmio register map, Version 2 (VIRTIO 1.2 §4.2.2, Linux
//! `include/uapi/linux/virtio_mmio.h`). All registers below `CONFIG` are
//! 32 bits wide and accessed with aligned 32-bit accesses only (§4.2.2.2).

/// "virt" in little-endian.
pub const MAGIC: u32 = 0x7472_6976;
/// Modern (non-legacy) register layout.
pub const VERSION: u32 = 2;
/// "QEMU": what QEMU reports; xv6-riscv refuses any other vendor.
pub const VENDOR_ID: u32 = 0x554D_4551;

/// `MagicValue` (R).
pub const MAGIC_VALUE: u64 = 0x000;
/// `Version` (R).
#[doc(alias = "VIRTIO_MMIO_VERSION")]
pub const VERSION_REG: u64 = 0x004;
/// `DeviceID` (R).
pub const DEVICE_ID: u64 = 0x008;
/// `VendorID` (R).
pub const VENDOR_ID_REG: u64 = 0x00c;
/// `DeviceFeatures` (R): 32 bits selected by `DeviceFeaturesSel`.
pub const DEVICE_FEATURES: u64 = 0x010;
/// `DeviceFeaturesSel` (W).
pub const DEVICE_FEATURES_SEL: u64 = 0x014;
/// `DriverFeatures` (W): 32 bits selected by `DriverFeaturesSel`.
pub const DRIVER_FEATURES: u64 = 0x020;
/// `DriverFeaturesSel` (W).
pub const DRIVER_FEATURES_SEL: u64 = 0x024;
/// `QueueSel` (W).
pub const QUEUE_SEL: u64 = 0x030;
/// `QueueSizeMax` (R).
#[doc(alias = "VIRTIO_MMIO_QUEUE_NUM_MAX")]
pub const QUEUE_SIZE_MAX: u64 = 0x034;
/// `QueueSize` (W).
#[doc(alias = "VIRTIO_MMIO_QUEUE_NUM")]
pub const QUEUE_SIZE: u64 = 0x038;
/// `QueueReady` (RW).
pub const QUEUE_READY: u64 = 0x044;
/// `QueueNotify` (W).
pub const QUEUE_NOTIFY: u64 = 0x050;
/// `InterruptStatus` (R).
pub const INTERRUPT_STATUS: u64 = 0x060;
/// `InterruptACK` (W).
pub const INTERRUPT_ACK: u64 = 0x064;
/// `Status` (RW).
pub const STATUS: u64 = 0x070;
/// `QueueDescLow` (W).
pub const QUEUE_DESC_LOW: u64 = 0x080;
/// `QueueDescHigh` (W).
pub const QUEUE_DESC_HIGH: u64 = 0x084;
/// `QueueDriverLow` (W), the available ring.
#[doc(alias = "VIRTIO_MMIO_QUEUE_AVAIL_LOW")]
pub const QUEUE_DRIVER_LOW: u64 = 0x090;
/// `QueueDriverHigh` (W).
#[doc(alias = "VIRTIO_MMIO_QUEUE_AVAIL_HIGH")]
pub const QUEUE_DRIVER_HIGH: u64 = 0x094;
/// `QueueDeviceLow` (W), the used ring.
#[doc(alias = "VIRTIO_MMIO_QUEUE_USED_LOW")]
pub const QUEUE_DEVICE_LOW: u64 = 0x0a0;
/// `QueueDeviceHigh` (W).
#[doc(alias = "VIRTIO_MMIO_QUEUE_USED_HIGH")]
pub const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
/// `SHMSel` (W).
pub const SHM_SEL: u64 = 0x0ac;
/// `SHMLenLow` (R): all ones, no shared memory regions (§4.2.2).
pub const SHM_LEN_LOW: u64 = 0x0b0;
/// `SHMLenHigh` (R).
pub const SHM_LEN_HIGH: u64 = 0x0b4;
/// `SHMBaseLow` (R).
pub const SHM_BASE_LOW: u64 = 0x0b8;
/// `SHMBaseHigh` (R).
pub const SHM_BASE_HIGH: u64 = 0x0bc;
/// `QueueReset` (RW), meaningful only with `VIRTIO_F_RING_RESET` (not offered).
pub const QUEUE_RESET: u64 = 0x0c0;
/// `ConfigGeneration` (R).
pub const CONFIG_GENERATION: u64 = 0x0fc;
/// Start of the device-specific configuration space.
pub const CONFIG: u64 = 0x100;
