//! A hostile driver: malicious descriptor chains and random register traffic
//! against every device. The host must stay up, the device must touch no
//! guest memory outside what the driver handed it (a canary region never
//! changes), and each malformed request must get an error status or
//! `DEVICE_NEEDS_RESET`.

mod common;

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rvisor_memory::MmioDevice;
use rvisor_virtio::blk::regs::*;
use rvisor_virtio::blk::{BlkConfig, VirtioBlk};
use rvisor_virtio::console::VirtioConsole;
use rvisor_virtio::net::{NetBackend, VirtioNet};
use rvisor_virtio::rng::VirtioRng;
use rvisor_virtio::transport::regs::*;
use rvisor_virtio::VirtioDevice;

/// A net backend that hands out random frames now and then.
#[derive(Default)]
struct Noise(Mutex<VecDeque<Vec<u8>>>);
impl NetBackend for Noise {
    fn send(&self, _frame: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn recv(&self, buf: &mut [u8], timeout: Duration) -> io::Result<Option<usize>> {
        match self.0.lock().unwrap().pop_front() {
            Some(f) => {
                let n = f.len().min(buf.len());
                buf[..n].copy_from_slice(&f[..n]);
                Ok(Some(n))
            }
            None => {
                std::thread::sleep(timeout.min(Duration::from_millis(1)));
                Ok(None)
            }
        }
    }
}

fn rand_addr(r: &mut Rng) -> u64 {
    match r.below(10) {
        0..=4 => ARENA + r.below(ARENA_END - ARENA - 0x2_0000),
        5 => RAM_BASE - 1 - r.below(0x1000),
        6 => RAM_BASE + RAM_SIZE - r.below(64),
        7 => r.next(),
        8 => u64::MAX - r.below(16),
        _ => 0,
    }
}

fn rand_len(r: &mut Rng) -> u32 {
    match r.below(8) {
        0 => 0,
        1 => 1,
        2 | 3 => r.below(4096) as u32,
        4 => r.below(0x1_0000) as u32,
        5 => u32::MAX,
        6 => 0x8000_0000,
        _ => 16 + 512 * r.below(4) as u32,
    }
}

fn rand_flags(r: &mut Rng) -> u16 {
    let mut f = 0;
    if r.below(3) != 0 {
        f |= F_NEXT;
    }
    if r.chance(2) {
        f |= F_WRITE;
    }
    if r.chance(8) {
        f |= F_INDIRECT;
    }
    f
}

fn rand_next(r: &mut Rng, i: u16, head: u16, size: u16) -> u16 {
    match r.below(8) {
        0 => i,                          // self loop
        1 => head,                       // loop to head
        2 => size + r.below(100) as u16, // past the table
        3 => 0xffff,
        4 => r.below(u64::from(size)) as u16, // anywhere
        _ => i.wrapping_add(1) % size.max(1),
    }
}

/// Write a random chain starting at a random head of queue `q`, publish it,
/// sometimes with a bogus avail index, and kick.
fn malicious_chain(d: &mut MockDriver, r: &mut Rng, q: usize) {
    let size = d.queues[q].size;
    let head = r.below(u64::from(size)) as u16;
    let n = 1 + r.below(6) as u16;
    for k in 0..n {
        let i = (head + k) % size;
        let flags = rand_flags(r);
        let (addr, len) = if flags & F_INDIRECT != 0 && r.chance(2) {
            // A random indirect table in the arena.
            let entries = 1 + r.below(8) as u16;
            let table = d.alloc(16 * u64::from(entries));
            for e in 0..entries {
                let at = off(&d.ram, table) + 16 * u64::from(e);
                let (a, l, f) = (rand_addr(r), rand_len(r), rand_flags(r));
                let nx = rand_next(r, e, 0, entries);
                d.write_desc_at(at, a, l, f, nx);
            }
            let len = if r.chance(4) {
                rand_len(r)
            } else {
                16 * u32::from(entries)
            };
            (table, len)
        } else {
            (rand_addr(r), rand_len(r))
        };
        let next = rand_next(r, i, head, size);
        d.write_desc(q, i, addr, len, flags, next);
    }
    let published = if r.chance(20) {
        size + r.below(64) as u16
    } else {
        head
    };
    d.publish(q, published);
    if r.chance(20) {
        // avail.idx runs far ahead of what was really published.
        let mq = &mut d.queues[q];
        mq.avail_idx = mq.avail_idx.wrapping_add(size + 1 + r.below(1000) as u16);
        let at = off(&d.ram, mq.avail) + 2;
        assert!(d.ram.store_u16(at, mq.avail_idx));
    }
    d.kick(q);
}

/// A register write at a random offset, width and value; queue addresses
/// never point into the canary (the driver owns that memory).
fn random_register_write(d: &MockDriver, r: &mut Rng) {
    let offset = if r.chance(2) {
        r.below(0x44) * 4
    } else {
        r.below(0x140)
    };
    let size = [1u8, 2, 4, 8, 3][r.below(5) as usize];
    let mut value = r.next();
    if (QUEUE_DESC_LOW..=QUEUE_DEVICE_HIGH).contains(&(offset & !3)) {
        value = match r.below(3) {
            0 => RINGS + r.below(0x1_0000),
            1 => 0,
            _ => (value & 0xffff_ffff) | 0x4000_0000, // below RAM
        };
    }
    if offset == STATUS && r.chance(2) {
        value = r.below(256); // plausible status bit patterns, including 0 = reset
    }
    d.dev.write(offset, size, value);
}

/// Run `rounds` hostile actions against one device.
fn hammer(make: &dyn Fn() -> Box<dyn VirtioDevice>, sizes: &[u16], seed: u64, rounds: u32) {
    let mut r = Rng(seed);
    let mut d = MockDriver::new(make());
    d.init(u64::MAX, sizes);
    let t0 = Instant::now();
    for round in 0..rounds {
        match r.below(12) {
            0..=6 => {
                let q = r.below(sizes.len() as u64) as usize;
                malicious_chain(&mut d, &mut r, q);
            }
            7 | 8 => random_register_write(&d, &mut r),
            9 => {
                let _ = d
                    .dev
                    .read(r.below(0x140), [1u8, 2, 4, 8][r.below(4) as usize]);
            }
            10 => {
                let isr = d.r32(INTERRUPT_STATUS);
                d.w32(INTERRUPT_ACK, isr);
            }
            _ => {
                d = MockDriver::new(make());
                d.init(u64::MAX, sizes);
            }
        }
        if round % 16 == 15 && (d.status() & 0x4f != 0x0f || d.needs_reset()) {
            // Broken or half-reset by random writes: start over as Linux would.
            d.w32(STATUS, 0);
            assert_eq!(d.status(), 0, "reset completes synchronously");
            d.init(u64::MAX, sizes);
        }
        if round % 256 == 0 {
            assert!(d.canary_intact(), "device wrote outside driver memory");
        }
    }
    assert!(d.canary_intact(), "device wrote outside driver memory");
    assert!(t0.elapsed() < Duration::from_secs(60), "no hang");
}

#[test]
fn adversarial_blk_random_chains_keep_host_up() {
    let img = TempImage::new("adv", 64 * 512, 0);
    let path = img.0.clone();
    hammer(
        &|| Box::new(VirtioBlk::open(&BlkConfig::new(&path)).unwrap()),
        &[128],
        0x1234_5678,
        3000,
    );
}

#[test]
fn adversarial_console_random_chains_keep_host_up() {
    hammer(
        &|| {
            let c = VirtioConsole::new(Box::new(io::sink()));
            c.input().push_input(b"hostile input");
            Box::new(c)
        },
        &[64, 64],
        0x9abc_def0,
        3000,
    );
}

#[test]
fn adversarial_rng_random_chains_keep_host_up() {
    hammer(
        &|| Box::new(VirtioRng::with_source(Box::new(io::repeat(7)))),
        &[64],
        0x0f0f_0f0f,
        3000,
    );
}

#[test]
fn adversarial_net_random_chains_keep_host_up() {
    hammer(
        &|| {
            let noise = Arc::new(Noise::default());
            for i in 0..32u8 {
                noise
                    .0
                    .lock()
                    .unwrap()
                    .push_back(vec![i; 60 + usize::from(i) * 40]);
            }
            Box::new(VirtioNet::new(noise, [2, 0, 0, 0, 0, 1]))
        },
        &[256, 256],
        0x5555_aaaa,
        3000,
    );
}

// ---- a catalogue of malformed block requests, each on a fresh device ----

enum Outcome {
    Status(u8),
    NeedsReset,
}

/// Wait for either a used element (then read the status byte at `status`)
/// or DEVICE_NEEDS_RESET.
fn outcome(d: &mut MockDriver, status: u64) -> Outcome {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(5) {
        if d.needs_reset() {
            return Outcome::NeedsReset;
        }
        if d.try_used(0).is_some() {
            return Outcome::Status(d.read_mem(status, 1)[0]);
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    panic!("device neither answered nor asked for a reset");
}

fn blk_driver() -> (MockDriver, TempImage) {
    let img = TempImage::new("cat", 64 * 512, 0);
    let mut d = MockDriver::new(Box::new(VirtioBlk::open(&BlkConfig::new(&img.0)).unwrap()));
    d.init(u64::MAX, &[16]);
    (d, img)
}

fn header(d: &mut MockDriver, ty: u32, sector: u64) -> u64 {
    let h = d.alloc(16);
    let mut b = ty.to_le_bytes().to_vec();
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&sector.to_le_bytes());
    d.write_mem(h, &b);
    h
}

fn assert_error(o: Outcome) {
    match o {
        Outcome::NeedsReset => {}
        Outcome::Status(s) => assert!(
            s == VIRTIO_BLK_S_IOERR || s == VIRTIO_BLK_S_UNSUPP,
            "status {s} is not an error"
        ),
    }
}

#[test]
fn adversarial_blk_descriptor_loop_needs_reset() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_IN, 0);
    d.write_desc(0, 0, h, 16, F_NEXT, 1);
    d.write_desc(0, 1, h, 16, F_NEXT, 0);
    d.publish(0, 0);
    d.kick(0);
    assert!(matches!(outcome(&mut d, h), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_buffer_outside_ram_needs_reset() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_IN, 0);
    let s = d.alloc(1);
    d.add_chain(
        0,
        &[
            (h, 16, false),
            (RAM_BASE + RAM_SIZE - 256, 512, true),
            (s, 1, true),
        ],
    );
    d.kick(0);
    assert!(matches!(outcome(&mut d, s), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_huge_length_needs_reset() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_IN, 0);
    let s = d.alloc(1);
    d.add_chain(0, &[(h, 16, false), (ARENA, u32::MAX, true), (s, 1, true)]);
    d.kick(0);
    assert!(matches!(outcome(&mut d, s), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_head_past_queue_size_needs_reset() {
    let (mut d, _img) = blk_driver();
    d.publish(0, 16);
    d.kick(0);
    assert!(matches!(outcome(&mut d, ARENA), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_avail_idx_far_ahead_needs_reset() {
    let (mut d, _img) = blk_driver();
    let at = off(&d.ram, d.queues[0].avail) + 2;
    assert!(d.ram.store_u16(at, 17));
    d.kick(0);
    assert!(matches!(outcome(&mut d, ARENA), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_missing_status_byte_needs_reset() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_FLUSH, 0);
    d.add_chain(0, &[(h, 16, false)]);
    d.kick(0);
    assert!(matches!(outcome(&mut d, h), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_short_header_is_ioerr() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_IN, 0);
    let s = d.alloc(1);
    d.add_chain(0, &[(h, 8, false), (s, 1, true)]);
    d.kick(0);
    assert_error(outcome(&mut d, s));
}

#[test]
fn adversarial_blk_sector_past_capacity_is_ioerr() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_OUT, 64);
    let data = d.alloc(512);
    let s = d.alloc(1);
    d.add_chain(0, &[(h, 16, false), (data, 512, false), (s, 1, true)]);
    d.kick(0);
    assert_error(outcome(&mut d, s));
}

#[test]
fn adversarial_blk_partial_sector_is_ioerr() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_IN, 0);
    let data = d.alloc(100);
    let s = d.alloc(1);
    d.add_chain(0, &[(h, 16, false), (data, 100, true), (s, 1, true)]);
    d.kick(0);
    assert_error(outcome(&mut d, s));
}

#[test]
fn adversarial_blk_indirect_loop_needs_reset() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_IN, 0);
    let table = d.alloc(32);
    let t = off(&d.ram, table);
    d.write_desc_at(t, h, 16, F_NEXT, 1);
    d.write_desc_at(t + 16, h, 16, F_NEXT, 0);
    d.write_desc(0, 0, table, 32, F_INDIRECT, 0);
    d.publish(0, 0);
    d.kick(0);
    assert!(matches!(outcome(&mut d, h), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_readable_after_writable_needs_reset() {
    let (mut d, _img) = blk_driver();
    let h = header(&mut d, VIRTIO_BLK_T_IN, 0);
    let s = d.alloc(1);
    d.add_chain(0, &[(s, 1, true), (h, 16, false)]);
    d.kick(0);
    assert!(matches!(outcome(&mut d, s), Outcome::NeedsReset));
}

#[test]
fn adversarial_blk_queue_disabled_mid_flight_needs_reset_then_recovers() {
    let (mut d, _img) = blk_driver();
    for _ in 0..8 {
        let h = header(&mut d, VIRTIO_BLK_T_FLUSH, 0);
        let s = d.alloc(1);
        d.add_chain(0, &[(h, 16, false), (s, 1, true)]);
    }
    d.kick(0);
    d.w32(QUEUE_SEL, 0);
    d.w32(QUEUE_READY, 0);
    assert!(d.needs_reset());
    d.w32(STATUS, 0);
    d.init(u64::MAX, &[16]);
    let h = header(&mut d, VIRTIO_BLK_T_FLUSH, 0);
    let s = d.alloc(1);
    d.add_chain(0, &[(h, 16, false), (s, 1, true)]);
    d.kick(0);
    assert!(matches!(
        outcome(&mut d, s),
        Outcome::Status(VIRTIO_BLK_S_OK)
    ));
}

#[test]
fn adversarial_register_every_offset_and_width_is_harmless() {
    let (d, _img) = blk_driver();
    for offset in 0..0x1000u64 {
        for size in [1u8, 2, 3, 4, 8, 16] {
            let _ = d.dev.read(offset, size);
        }
    }
    // Writes everywhere except Status (a reset is fine too, but keep it up).
    for offset in (0..0x200u64).filter(|o| *o & !3 != STATUS) {
        for size in [1u8, 2, 4, 8] {
            d.dev.write(offset, size, u64::MAX);
        }
    }
    assert!(d.canary_intact());
}

// ---- every device: queue reset and device reset with chains in flight ----

/// A device under test, the queue its chains go to, and whether they are
/// device-writable (receive-like) or device-readable (transmit-like).
struct Target {
    make: Box<dyn Fn() -> Box<dyn VirtioDevice>>,
    sizes: &'static [u16],
    queue: usize,
    writable: bool,
}

fn targets(img: &std::path::Path) -> Vec<(&'static str, Target)> {
    let path = img.to_path_buf();
    vec![
        (
            "blk",
            Target {
                // Chains without a header are still popped and answered.
                make: Box::new(move || Box::new(VirtioBlk::open(&BlkConfig::new(&path)).unwrap())),
                sizes: &[64],
                queue: 0,
                writable: true,
            },
        ),
        (
            "rng",
            Target {
                make: Box::new(|| Box::new(VirtioRng::with_source(Box::new(io::repeat(9))))),
                sizes: &[64],
                queue: 0,
                writable: true,
            },
        ),
        (
            "console-tx",
            Target {
                make: Box::new(|| Box::new(VirtioConsole::new(Box::new(io::sink())))),
                sizes: &[64, 64],
                queue: 1,
                writable: false,
            },
        ),
        (
            "net-tx",
            Target {
                make: Box::new(|| {
                    Box::new(VirtioNet::new(
                        Arc::new(Noise::default()),
                        [2, 0, 0, 0, 0, 2],
                    ))
                }),
                sizes: &[64, 64],
                queue: 1,
                writable: false,
            },
        ),
    ]
}

/// Fill queue `t.queue` with chains and notify.
fn flood(d: &mut MockDriver, t: &Target) {
    let n = t.sizes[t.queue].min(32);
    for _ in 0..n {
        let buf = d.alloc(1514);
        d.add_chain(t.queue, &[(buf, 1514, t.writable)]);
    }
    d.kick(t.queue);
}

/// After a reset the device serves a well-formed chain again.
fn serves_again(d: &mut MockDriver, t: &Target, name: &str) {
    d.w32(STATUS, 0);
    assert_eq!(d.status(), 0, "{name}: reset completes synchronously");
    d.init(u64::MAX, t.sizes);
    let buf = d.alloc(1514);
    d.add_chain(t.queue, &[(buf, 1514, t.writable)]);
    d.kick(t.queue);
    assert!(
        d.wait_used(t.queue).is_some(),
        "{name}: no service after reset"
    );
}

#[test]
fn adversarial_every_device_queue_disabled_mid_flight_needs_reset_then_recovers() {
    let img = TempImage::new("midflight-q", 64 * 512, 0);
    for (name, t) in targets(&img.0) {
        for round in 0..20 {
            let mut d = MockDriver::new((t.make)());
            d.init(u64::MAX, t.sizes);
            flood(&mut d, &t);
            if round % 2 == 1 {
                std::thread::sleep(Duration::from_micros(50));
            }
            d.w32(QUEUE_SEL, t.queue as u32);
            d.w32(QUEUE_READY, 0);
            assert!(d.needs_reset(), "{name}: queue reset without RING_RESET");
            // Notifications to a broken device are ignored, not served.
            d.kick(t.queue);
            assert!(d.canary_intact(), "{name}: wrote outside driver memory");
            serves_again(&mut d, &t, name);
        }
    }
}

#[test]
fn adversarial_every_device_reset_mid_flight_stops_dma_then_recovers() {
    let img = TempImage::new("midflight-r", 64 * 512, 0);
    for (name, t) in targets(&img.0) {
        for round in 0..20 {
            let mut d = MockDriver::new((t.make)());
            d.init(u64::MAX, t.sizes);
            flood(&mut d, &t);
            if round % 2 == 1 {
                std::thread::sleep(Duration::from_micros(50));
            }
            d.w32(STATUS, 0);
            // Once reset returns no device thread touches RAM: the used
            // index must not move any more.
            let used = off(&d.ram, d.queues[t.queue].used) + 2;
            let before = d.ram.load_u16(used).unwrap();
            std::thread::sleep(Duration::from_millis(5));
            assert_eq!(
                d.ram.load_u16(used).unwrap(),
                before,
                "{name}: device wrote RAM after reset"
            );
            assert!(d.canary_intact(), "{name}: wrote outside driver memory");
            serves_again(&mut d, &t, name);
        }
    }
}

#[test]
fn adversarial_device_write_into_decoded_code_page_invalidates_it() {
    use rvisor_memory::ram::PAGE_CODE;
    let mut d = MockDriver::new(Box::new(VirtioRng::with_source(Box::new(io::repeat(0x13)))));
    d.init(u64::MAX, &[16]);
    // A page a hart has decoded code from, reused as a receive buffer (the
    // page cache does this with virtio-blk reads of executables).
    let buf = d.alloc(8192);
    let page = (off(&d.ram, buf) + 4095) & !4095;
    d.ram.set_flags(page, 64, PAGE_CODE);
    let epoch = d.ram.code_epoch();
    d.add_chain(0, &[(buf, 8192, true)]);
    d.kick(0);
    assert!(d.wait_used(0).is_some());
    assert_eq!(d.ram.flags(page, 64) & PAGE_CODE, 0, "code mark kept");
    assert!(d.ram.code_epoch() > epoch, "harts not told to re-decode");
}
