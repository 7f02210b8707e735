//! virtio-net driven by the mock driver over an in-memory backend.

mod common;

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use common::*;
use rvisor_memory::MmioDevice;
use rvisor_virtio::net::{NetBackend, VirtioNet};
use rvisor_virtio::transport::regs::CONFIG;

/// Frames the guest sent, and frames waiting to be received.
#[derive(Default)]
struct Loop {
    sent: Mutex<Vec<Vec<u8>>>,
    inbound: Mutex<VecDeque<Vec<u8>>>,
    cv: Condvar,
}

impl Loop {
    fn inject(&self, frame: &[u8]) {
        self.inbound.lock().unwrap().push_back(frame.to_vec());
        self.cv.notify_all();
    }
}

impl NetBackend for Loop {
    fn send(&self, frame: &[u8]) -> io::Result<()> {
        self.sent.lock().unwrap().push(frame.to_vec());
        Ok(())
    }
    fn recv(&self, buf: &mut [u8], timeout: Duration) -> io::Result<Option<usize>> {
        let q = self.inbound.lock().unwrap();
        let (mut q, _) = self
            .cv
            .wait_timeout_while(q, timeout, |q| q.is_empty())
            .unwrap();
        Ok(q.pop_front().map(|f| {
            let n = f.len().min(buf.len());
            buf[..n].copy_from_slice(&f[..n]);
            n
        }))
    }
}

const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

fn setup() -> (MockDriver, Arc<Loop>) {
    let backend = Arc::new(Loop::default());
    let net = VirtioNet::new(backend.clone(), MAC);
    let mut d = MockDriver::new(Box::new(net));
    d.init(1 << 5 | 1 << 16, &[256, 256]);
    (d, backend)
}

#[test]
fn net_config_reports_mac_and_link_up() {
    let (d, _) = setup();
    let mac: Vec<u8> = (0..6).map(|i| d.dev.read(CONFIG + i, 1) as u8).collect();
    assert_eq!((mac, d.dev.read(CONFIG + 6, 2)), (MAC.to_vec(), 1));
}

#[test]
fn net_transmit_strips_header_and_sends_frame() {
    let (mut d, backend) = setup();
    let hdr = d.alloc(12);
    let frame = d.alloc(60);
    d.write_mem(hdr, &[0; 12]);
    d.write_mem(frame, &[0xab; 60]);
    d.add_chain(1, &[(hdr, 12, false), (frame, 60, false)]);
    d.kick(1);
    assert!(d.wait_used(1).is_some());
    assert_eq!(backend.sent.lock().unwrap().clone(), vec![vec![0xab; 60]]);
}

#[test]
fn net_receive_writes_header_and_frame() {
    let (mut d, backend) = setup();
    let buf = d.alloc(1526);
    d.add_chain(0, &[(buf, 1526, true)]);
    d.kick(0);
    backend.inject(&[0xcd; 64]);
    let (_, len) = d.wait_used(0).unwrap();
    let got = d.read_mem(buf, 76);
    assert_eq!(len, 76);
    assert_eq!(&got[10..12], &[1, 0]); // num_buffers = 1
    assert_eq!(&got[12..], &[0xcd; 64][..]);
}

#[test]
fn net_receive_waits_for_buffers() {
    let (mut d, backend) = setup();
    backend.inject(&[0x11; 60]);
    std::thread::sleep(Duration::from_millis(50));
    let buf = d.alloc(1526);
    d.add_chain(0, &[(buf, 1526, true)]);
    d.kick(0);
    assert_eq!(d.wait_used(0).unwrap().1, 72);
}

#[test]
fn net_receive_buffer_too_small_drops_frame() {
    let (mut d, backend) = setup();
    let buf = d.alloc(32);
    d.add_chain(0, &[(buf, 32, true)]);
    d.kick(0);
    backend.inject(&[0x11; 60]);
    assert_eq!(d.wait_used(0).unwrap().1, 0);
}
