//! A mock virtio-mmio driver: builds rings in a `GuestRam` and drives a
//! `VirtioMmio` through `MmioDevice` reads/writes in the order Linux's
//! `drivers/virtio/virtio_mmio.c` and `virtio.c` use (reset, ACKNOWLEDGE,
//! DRIVER, features, FEATURES_OK, queue setup, DRIVER_OK, notify).
#![allow(dead_code)]

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rvisor_memory::{GuestRam, IrqLine, MmioDevice};
use rvisor_virtio::status::*;
use rvisor_virtio::transport::regs::*;
use rvisor_virtio::{VirtioDevice, VirtioMmio};

pub const RAM_BASE: u64 = 0x8000_0000;
pub const RAM_SIZE: u64 = 0x40_0000;
/// Rings live in the first 64 KiB (one 16 KiB block per queue).
pub const RINGS: u64 = RAM_BASE;
/// Data buffers come from here.
pub const ARENA: u64 = RAM_BASE + 0x1_0000;
pub const ARENA_END: u64 = RAM_BASE + 0x30_0000;
/// Never handed to the device: must never change.
pub const CANARY: u64 = RAM_BASE + 0x30_0000;
pub const CANARY_LEN: u64 = RAM_BASE + RAM_SIZE - CANARY;
pub const CANARY_BYTE: u8 = 0xa5;

pub const F_NEXT: u16 = 1;
pub const F_WRITE: u16 = 2;
pub const F_INDIRECT: u16 = 4;

/// An interrupt line that counts rising edges.
#[derive(Default)]
pub struct TestIrq {
    pub level: AtomicBool,
    pub raised: AtomicU64,
}

impl IrqLine for TestIrq {
    fn set_level(&self, level: bool) {
        if level && !self.level.swap(true, Ordering::SeqCst) {
            self.raised.fetch_add(1, Ordering::SeqCst);
        }
        self.level.store(level, Ordering::SeqCst);
    }
}

/// Driver-side view of one split queue.
#[derive(Clone, Copy, Debug, Default)]
pub struct MockQueue {
    pub size: u16,
    pub desc: u64,
    pub avail: u64,
    pub used: u64,
    pub avail_idx: u16,
    pub last_used: u16,
    pub next_desc: u16,
}

pub struct MockDriver {
    pub ram: Arc<GuestRam>,
    pub dev: VirtioMmio,
    pub irq: Arc<TestIrq>,
    pub queues: Vec<MockQueue>,
    next_alloc: u64,
}

pub fn off(ram: &GuestRam, gpa: u64) -> u64 {
    ram.offset_of(gpa, 1).expect("mock driver address in RAM")
}

impl MockDriver {
    pub fn new(device: Box<dyn VirtioDevice>) -> Self {
        let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).unwrap());
        assert!(ram.write_bytes(CANARY - RAM_BASE, &vec![CANARY_BYTE; CANARY_LEN as usize]));
        let irq = Arc::new(TestIrq::default());
        let dev = VirtioMmio::new(ram.clone(), irq.clone(), device);
        Self {
            ram,
            dev,
            irq,
            queues: Vec::new(),
            next_alloc: ARENA,
        }
    }

    pub fn r32(&self, offset: u64) -> u32 {
        self.dev.read(offset, 4) as u32
    }

    pub fn w32(&self, offset: u64, v: u32) {
        self.dev.write(offset, 4, u64::from(v));
    }

    pub fn status(&self) -> u32 {
        self.r32(STATUS)
    }

    pub fn needs_reset(&self) -> bool {
        self.status() & DEVICE_NEEDS_RESET != 0
    }

    /// Bump-allocate `len` bytes of the data arena (wraps around).
    pub fn alloc(&mut self, len: u64) -> u64 {
        let len = (len + 15) & !15;
        if self.next_alloc + len > ARENA_END {
            self.next_alloc = ARENA;
        }
        let a = self.next_alloc;
        self.next_alloc += len;
        a
    }

    pub fn write_mem(&self, gpa: u64, data: &[u8]) {
        assert!(self.ram.write_bytes(off(&self.ram, gpa), data));
    }

    pub fn read_mem(&self, gpa: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        assert!(self.ram.read_bytes(off(&self.ram, gpa), &mut v));
        v
    }

    /// Full Linux-style bring-up; returns the negotiated features.
    /// `accept` are the device-specific feature bits the driver knows.
    pub fn init(&mut self, accept: u64, sizes: &[u16]) -> u64 {
        assert_eq!(self.r32(MAGIC_VALUE), 0x7472_6976);
        assert_eq!(self.r32(VERSION_REG), 2);
        assert_ne!(self.r32(DEVICE_ID), 0);
        self.w32(STATUS, 0);
        assert_eq!(self.status(), 0);
        self.w32(STATUS, ACKNOWLEDGE);
        self.w32(STATUS, ACKNOWLEDGE | DRIVER);
        self.w32(DEVICE_FEATURES_SEL, 1);
        let hi = u64::from(self.r32(DEVICE_FEATURES));
        self.w32(DEVICE_FEATURES_SEL, 0);
        let lo = u64::from(self.r32(DEVICE_FEATURES));
        let offered = hi << 32 | lo;
        assert_ne!(offered & (1 << 32), 0, "VERSION_1 must be offered");
        let features = offered & (accept | 1 << 32);
        self.w32(DRIVER_FEATURES_SEL, 1);
        self.w32(DRIVER_FEATURES, (features >> 32) as u32);
        self.w32(DRIVER_FEATURES_SEL, 0);
        self.w32(DRIVER_FEATURES, features as u32);
        self.w32(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        assert_ne!(self.status() & FEATURES_OK, 0, "FEATURES_OK refused");
        self.queues.clear();
        for (i, &want) in sizes.iter().enumerate() {
            self.setup_queue(i as u32, want);
        }
        self.w32(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        features
    }

    fn setup_queue(&mut self, i: u32, want: u16) {
        self.w32(QUEUE_SEL, i);
        assert_eq!(self.r32(QUEUE_READY), 0);
        let max = self.r32(QUEUE_SIZE_MAX) as u16;
        assert!(max > 0);
        let size = want.min(max);
        let block = RINGS + u64::from(i) * 0x4000;
        let q = MockQueue {
            size,
            desc: block,
            avail: block + 0x1000 + 0x800,
            used: block + 0x2000,
            ..Default::default()
        };
        assert!(self.ram.write_bytes(block - RAM_BASE, &[0u8; 0x4000]));
        self.w32(QUEUE_SIZE, u32::from(size));
        for (lo, v) in [
            (QUEUE_DESC_LOW, q.desc),
            (QUEUE_DRIVER_LOW, q.avail),
            (QUEUE_DEVICE_LOW, q.used),
        ] {
            self.w32(lo, v as u32);
            self.w32(lo + 4, (v >> 32) as u32);
        }
        self.w32(QUEUE_READY, 1);
        assert_eq!(self.r32(QUEUE_READY), 1);
        self.queues.push(q);
    }

    /// Write raw descriptor `i` of queue `q`.
    pub fn write_desc(&self, q: usize, i: u16, addr: u64, len: u32, flags: u16, next: u16) {
        let mq = self.queues[q];
        let at = off(&self.ram, mq.desc) + 16 * u64::from(i % mq.size);
        self.write_desc_at(at, addr, len, flags, next);
    }

    /// Write a descriptor at RAM offset `at`.
    pub fn write_desc_at(&self, at: u64, addr: u64, len: u32, flags: u16, next: u16) {
        assert!(self.ram.store_u64(at, addr));
        assert!(self.ram.store_u32(at + 8, len));
        assert!(self.ram.store_u16(at + 12, flags));
        assert!(self.ram.store_u16(at + 14, next));
    }

    /// Put `head` in the next available slot and publish it.
    pub fn publish(&mut self, q: usize, head: u16) {
        let mq = &mut self.queues[q];
        let slot = u64::from(mq.avail_idx % mq.size);
        let base = off(&self.ram, mq.avail);
        assert!(self.ram.store_u16(base + 4 + 2 * slot, head));
        mq.avail_idx = mq.avail_idx.wrapping_add(1);
        fence(Ordering::SeqCst);
        assert!(self.ram.store_u16(base + 2, mq.avail_idx));
    }

    /// Add a chain of `(addr, len, device_writable)` buffers; returns its head.
    pub fn add_chain(&mut self, q: usize, bufs: &[(u64, u32, bool)]) -> u16 {
        let size = self.queues[q].size;
        let head = self.queues[q].next_desc;
        for (k, &(addr, len, w)) in bufs.iter().enumerate() {
            let i = (head + k as u16) % size;
            let last = k + 1 == bufs.len();
            let flags = if w { F_WRITE } else { 0 } | if last { 0 } else { F_NEXT };
            self.write_desc(q, i, addr, len, flags, (i + 1) % size);
        }
        self.queues[q].next_desc = (head + bufs.len() as u16) % size;
        self.publish(q, head);
        head
    }

    pub fn kick(&self, q: usize) {
        self.w32(QUEUE_NOTIFY, q as u32);
    }

    /// Take the next used element, if the device has returned one.
    pub fn try_used(&mut self, q: usize) -> Option<(u32, u32)> {
        let mq = &mut self.queues[q];
        let base = off(&self.ram, mq.used);
        let idx = self.ram.load_u16(base + 2).unwrap();
        fence(Ordering::SeqCst);
        if idx == mq.last_used {
            return None;
        }
        let slot = u64::from(mq.last_used % mq.size);
        let id = self.ram.load_u32(base + 4 + 8 * slot).unwrap();
        let len = self.ram.load_u32(base + 8 + 8 * slot).unwrap();
        mq.last_used = mq.last_used.wrapping_add(1);
        Some((id, len))
    }

    /// Wait (at most 5 s) for the next used element, acknowledging
    /// interrupts as Linux's `vm_interrupt` does.
    pub fn wait_used(&mut self, q: usize) -> Option<(u32, u32)> {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            let isr = self.r32(INTERRUPT_STATUS);
            if isr != 0 {
                self.w32(INTERRUPT_ACK, isr);
            }
            if let Some(u) = self.try_used(q) {
                return Some(u);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        None
    }

    /// Whether the canary region is untouched.
    pub fn canary_intact(&self) -> bool {
        let mut v = vec![0; CANARY_LEN as usize];
        assert!(self.ram.read_bytes(CANARY - RAM_BASE, &mut v));
        v.iter().all(|&b| b == CANARY_BYTE)
    }
}

/// A small deterministic PRNG (xorshift64*) so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

/// A temp file of `len` bytes filled with `fill`, deleted on drop.
pub struct TempImage(pub std::path::PathBuf);

impl TempImage {
    pub fn new(tag: &str, len: u64, fill: u8) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!(
            "rvisor-virtio-{tag}-{}-{n}.img",
            std::process::id()
        ));
        std::fs::write(&p, vec![fill; len as usize]).unwrap();
        Self(p)
    }
}

impl Drop for TempImage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
