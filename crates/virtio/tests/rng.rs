//! virtio-rng driven by the mock driver.

mod common;

use common::*;
use rvisor_virtio::rng::regs::MAX_BYTES_PER_REQUEST;
use rvisor_virtio::rng::VirtioRng;

#[test]
fn rng_fills_writable_buffer_from_source() {
    let rng = VirtioRng::with_source(Box::new(std::io::repeat(0x5a)));
    let mut d = MockDriver::new(Box::new(rng));
    d.init(0, &[64]);
    let buf = d.alloc(64);
    d.add_chain(0, &[(buf, 64, true)]);
    d.kick(0);
    let (_, len) = d.wait_used(0).unwrap();
    assert_eq!((len, d.read_mem(buf, 64)), (64, vec![0x5a; 64]));
}

#[test]
fn rng_large_request_is_capped() {
    let rng = VirtioRng::with_source(Box::new(std::io::repeat(1)));
    let mut d = MockDriver::new(Box::new(rng));
    d.init(0, &[64]);
    let len = 2 * MAX_BYTES_PER_REQUEST as u32;
    let buf = d.alloc(u64::from(len));
    d.add_chain(0, &[(buf, len, true)]);
    d.kick(0);
    let (_, used) = d.wait_used(0).unwrap();
    assert_eq!(used as usize, MAX_BYTES_PER_REQUEST);
}

#[test]
fn rng_urandom_source_serves_requests() {
    let rng = VirtioRng::new().unwrap();
    let m = rng.metrics();
    let mut d = MockDriver::new(Box::new(rng));
    d.init(0, &[64]);
    let buf = d.alloc(32);
    d.add_chain(0, &[(buf, 32, true)]);
    d.kick(0);
    assert_eq!(d.wait_used(0).unwrap().1, 32);
    assert_eq!(m.snapshot().bytes, 32);
}
