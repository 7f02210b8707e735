//! virtio-blk driven by the mock driver against a temp image.

mod common;

use common::*;
use rvisor_memory::MmioDevice;
use rvisor_virtio::blk::regs::*;
use rvisor_virtio::blk::{BlkConfig, VirtioBlk};
use rvisor_virtio::transport::regs::CONFIG;

const SECTORS: u64 = 64;

fn setup(
    img: &TempImage,
    ro: bool,
) -> (MockDriver, std::sync::Arc<rvisor_virtio::blk::BlkMetrics>) {
    let mut cfg = BlkConfig::new(&img.0).read_only(ro);
    cfg.serial = Some("rvisor-test-disk".into());
    let blk = VirtioBlk::open(&cfg).unwrap();
    let m = blk.metrics();
    let mut d = MockDriver::new(Box::new(blk));
    d.init(
        1 << VIRTIO_BLK_F_FLUSH | 1 << VIRTIO_BLK_F_RO | 1 << VIRTIO_BLK_F_DISCARD,
        &[128],
    );
    (d, m)
}

/// Submit header + data + status; returns (status byte, used len, data gpa).
fn request(
    d: &mut MockDriver,
    ty: u32,
    sector: u64,
    data: Option<&[u8]>,
    in_len: u32,
) -> (u8, u32, u64) {
    let hdr = d.alloc(16);
    let mut h = ty.to_le_bytes().to_vec();
    h.extend_from_slice(&[0; 4]);
    h.extend_from_slice(&sector.to_le_bytes());
    d.write_mem(hdr, &h);
    let status = d.alloc(1);
    d.write_mem(status, &[0xff]);
    let mut bufs = vec![(hdr, 16, false)];
    let buf = match data {
        Some(bytes) => {
            let b = d.alloc(bytes.len() as u64);
            d.write_mem(b, bytes);
            bufs.push((b, bytes.len() as u32, false));
            b
        }
        None if in_len > 0 => {
            let b = d.alloc(u64::from(in_len));
            bufs.push((b, in_len, true));
            b
        }
        None => 0,
    };
    bufs.push((status, 1, true));
    let head = d.add_chain(0, &bufs);
    d.kick(0);
    let (id, len) = d.wait_used(0).expect("request completes");
    assert_eq!(id, u32::from(head));
    (d.read_mem(status, 1)[0], len, buf)
}

#[test]
fn blk_config_capacity_reads_as_two_words() {
    let img = TempImage::new("cap", SECTORS * 512, 0);
    let (d, _) = setup(&img, false);
    let lo = d.dev.read(CONFIG, 4);
    let hi = d.dev.read(CONFIG + 4, 4);
    assert_eq!(hi << 32 | lo, SECTORS);
}

#[test]
fn blk_write_then_read_roundtrips_through_image() {
    let img = TempImage::new("rw", SECTORS * 512, 0);
    let (mut d, m) = setup(&img, false);
    let data: Vec<u8> = (0..1024u32).map(|i| (i * 7) as u8).collect();
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_OUT, 3, Some(&data), 0);
    assert_eq!(st, VIRTIO_BLK_S_OK);
    let file = std::fs::read(&img.0).unwrap();
    assert_eq!(&file[3 * 512..5 * 512], &data[..]);
    let (st, len, buf) = request(&mut d, VIRTIO_BLK_T_IN, 3, None, 1024);
    assert_eq!((st, len), (VIRTIO_BLK_S_OK, 1025));
    assert_eq!(d.read_mem(buf, 1024), data);
    assert_eq!((m.snapshot().reads, m.snapshot().writes), (1, 1));
}

#[test]
fn blk_flush_fsyncs_and_completes_ok() {
    let img = TempImage::new("flush", SECTORS * 512, 0);
    let (mut d, m) = setup(&img, false);
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_FLUSH, 0, None, 0);
    assert_eq!((st, m.snapshot().flushes), (VIRTIO_BLK_S_OK, 1));
}

#[test]
fn blk_read_only_write_is_ioerr_and_image_unchanged() {
    let img = TempImage::new("ro", SECTORS * 512, 0x11);
    let (mut d, _) = setup(&img, true);
    d.w32(rvisor_virtio::transport::regs::DEVICE_FEATURES_SEL, 0);
    assert_ne!(
        d.r32(rvisor_virtio::transport::regs::DEVICE_FEATURES) & 1 << VIRTIO_BLK_F_RO,
        0
    );
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_OUT, 0, Some(&[0x22; 512]), 0);
    assert_eq!(st, VIRTIO_BLK_S_IOERR);
    assert!(std::fs::read(&img.0).unwrap().iter().all(|&b| b == 0x11));
}

#[test]
fn blk_read_past_capacity_is_ioerr() {
    let img = TempImage::new("cap2", SECTORS * 512, 0);
    let (mut d, _) = setup(&img, false);
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_IN, SECTORS - 1, None, 1024);
    assert_eq!(st, VIRTIO_BLK_S_IOERR);
}

#[test]
fn blk_huge_sector_is_ioerr() {
    let img = TempImage::new("huge", SECTORS * 512, 0);
    let (mut d, _) = setup(&img, false);
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_IN, u64::MAX, None, 512);
    assert_eq!(st, VIRTIO_BLK_S_IOERR);
}

#[test]
fn blk_get_id_returns_serial() {
    let img = TempImage::new("id", SECTORS * 512, 0);
    let (mut d, _) = setup(&img, false);
    let (st, _, buf) = request(&mut d, VIRTIO_BLK_T_GET_ID, 0, None, 20);
    assert_eq!(st, VIRTIO_BLK_S_OK);
    assert_eq!(&d.read_mem(buf, 16)[..], b"rvisor-test-disk");
}

#[test]
fn blk_unknown_type_is_unsupp() {
    let img = TempImage::new("unsupp", SECTORS * 512, 0);
    let (mut d, _) = setup(&img, false);
    let (st, _, _) = request(&mut d, 0x77, 0, None, 0);
    assert_eq!(st, VIRTIO_BLK_S_UNSUPP);
}

#[test]
fn blk_completion_raises_interrupt() {
    let img = TempImage::new("irq", SECTORS * 512, 0);
    let (mut d, _) = setup(&img, false);
    request(&mut d, VIRTIO_BLK_T_FLUSH, 0, None, 0);
    assert!(d.irq.raised.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

#[test]
fn blk_reset_mid_flight_then_reinit_works() {
    let img = TempImage::new("reset", SECTORS * 512, 0);
    let (mut d, _) = setup(&img, false);
    for _ in 0..64 {
        let b = d.alloc(512);
        let s = d.alloc(16);
        let h = d.alloc(16);
        d.write_mem(h, &[0; 16]);
        d.add_chain(0, &[(h, 16, false), (b, 512, true), (s, 1, true)]);
    }
    d.kick(0);
    d.w32(rvisor_virtio::transport::regs::STATUS, 0);
    assert_eq!(d.status(), 0);
    d.init(0, &[128]);
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_FLUSH, 0, None, 0);
    assert_eq!(st, VIRTIO_BLK_S_OK);
}

fn segment(sector: u64, sectors: u32, flags: u32) -> Vec<u8> {
    let mut s = sector.to_le_bytes().to_vec();
    s.extend_from_slice(&sectors.to_le_bytes());
    s.extend_from_slice(&flags.to_le_bytes());
    s
}

#[test]
fn blk_discard_zeroes_the_range_and_keeps_the_size() {
    let img = TempImage::new("discard", SECTORS * 512, 0x5a);
    let (mut d, m) = setup(&img, false);
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_DISCARD, 0, Some(&segment(8, 16, 0)), 0);
    assert_eq!((st, m.snapshot().discards), (VIRTIO_BLK_S_OK, 1));
    let file = std::fs::read(&img.0).unwrap();
    assert_eq!(file.len() as u64, SECTORS * 512);
    assert!(
        file[8 * 512..24 * 512].iter().all(|&b| b == 0),
        "range not zero"
    );
    assert!(
        file[..8 * 512].iter().all(|&b| b == 0x5a),
        "before the range"
    );
    assert!(
        file[24 * 512..].iter().all(|&b| b == 0x5a),
        "after the range"
    );
}

#[test]
fn blk_discard_bad_segments_are_refused_and_image_unchanged() {
    let img = TempImage::new("discard-bad", SECTORS * 512, 0x5a);
    let (mut d, _) = setup(&img, false);
    let mut two = segment(0, 8, 0);
    two.extend(segment(8, 8, 0));
    for (data, want) in [
        (segment(0, 8, 1), VIRTIO_BLK_S_UNSUPP), // unmap flag
        (two, VIRTIO_BLK_S_UNSUPP),              // more than max_discard_seg
        (vec![0; 8], VIRTIO_BLK_S_UNSUPP),       // partial segment
        (segment(SECTORS - 4, 8, 0), VIRTIO_BLK_S_IOERR), // past capacity
        (segment(u64::MAX / 2, 8, 0), VIRTIO_BLK_S_IOERR), // overflow
    ] {
        let (st, _, _) = request(&mut d, VIRTIO_BLK_T_DISCARD, 0, Some(&data), 0);
        assert_eq!(st, want, "{data:?}");
    }
    assert!(std::fs::read(&img.0).unwrap().iter().all(|&b| b == 0x5a));
}

#[test]
fn blk_read_only_discard_is_ioerr() {
    let img = TempImage::new("discard-ro", SECTORS * 512, 0x5a);
    let (mut d, _) = setup(&img, true);
    let (st, _, _) = request(&mut d, VIRTIO_BLK_T_DISCARD, 0, Some(&segment(0, 8, 0)), 0);
    assert_eq!(st, VIRTIO_BLK_S_IOERR);
    assert!(std::fs::read(&img.0).unwrap().iter().all(|&b| b == 0x5a));
}
