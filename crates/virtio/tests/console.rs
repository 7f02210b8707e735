//! virtio-console driven by the mock driver.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use rvisor_virtio::console::regs::INPUT_BUFFER_CAP;
use rvisor_virtio::console::VirtioConsole;
use rvisor_virtio::transport::regs::STATUS;

/// A `Write` sink the test can inspect.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);
impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn setup() -> (MockDriver, Sink, rvisor_virtio::console::ConsoleInput) {
    let sink = Sink::default();
    let con = VirtioConsole::new(Box::new(sink.clone()));
    let input = con.input();
    let mut d = MockDriver::new(Box::new(con));
    d.init(0, &[64, 64]);
    (d, sink, input)
}

#[test]
fn console_transmit_reaches_output() {
    let (mut d, sink, _) = setup();
    let a = d.alloc(6);
    let b = d.alloc(6);
    d.write_mem(a, b"hello ");
    d.write_mem(b, b"world\n");
    d.add_chain(1, &[(a, 6, false), (b, 6, false)]);
    d.kick(1);
    assert!(d.wait_used(1).is_some());
    assert_eq!(&sink.0.lock().unwrap()[..], b"hello world\n");
}

#[test]
fn console_input_fills_posted_receive_buffer() {
    let (mut d, _, input) = setup();
    let buf = d.alloc(16);
    d.add_chain(0, &[(buf, 16, true)]);
    d.kick(0);
    assert_eq!(input.push_input(b"ls\n"), 3);
    let (_, len) = d.wait_used(0).unwrap();
    assert_eq!((len, d.read_mem(buf, 3)), (3, b"ls\n".to_vec()));
}

#[test]
fn console_input_before_buffers_is_held_until_posted() {
    let (mut d, _, input) = setup();
    input.push_input(b"early");
    let buf = d.alloc(16);
    d.add_chain(0, &[(buf, 16, true)]);
    d.kick(0);
    let (_, len) = d.wait_used(0).unwrap();
    assert_eq!((len, d.read_mem(buf, 5)), (5, b"early".to_vec()));
}

#[test]
fn console_input_beyond_cap_is_dropped() {
    let (_, _, input) = setup();
    let big = vec![b'x'; INPUT_BUFFER_CAP + 100];
    assert_eq!(input.push_input(&big), INPUT_BUFFER_CAP);
}

#[test]
fn console_input_raises_interrupt() {
    let (mut d, _, input) = setup();
    let buf = d.alloc(16);
    d.add_chain(0, &[(buf, 16, true)]);
    d.kick(0);
    input.push_input(b"x");
    assert!(d.irq.level.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn console_unclaimed_input_goes_to_another_reader_until_driver_ok_then_to_the_queue() {
    let sink = Sink::default();
    let con = VirtioConsole::new(Box::new(sink));
    let input = con.input();
    let mut d = MockDriver::new(Box::new(con));
    // No driver yet: another reader (SBI DBCN) takes input in order.
    input.push_input(b"abcdef");
    let mut b = [0u8; 4];
    assert_eq!(input.take_unclaimed(&mut b), 4);
    assert_eq!(&b, b"abcd");
    // The driver comes up: what nobody took is its, and only its.
    d.init(0, &[64, 64]);
    input.push_input(b"gh");
    assert_eq!(input.take_unclaimed(&mut b), 0);
    let buf = d.alloc(16);
    d.add_chain(0, &[(buf, 16, true)]);
    d.kick(0);
    let (_, len) = d.wait_used(0).unwrap();
    assert_eq!((len, d.read_mem(buf, 4)), (4, b"efgh".to_vec()));
    // Reset (driver gone): input is unclaimed again.
    d.w32(STATUS, 0);
    input.push_input(b"ij");
    assert_eq!(input.take_unclaimed(&mut b), 2);
    assert_eq!(&b[..2], b"ij");
}
