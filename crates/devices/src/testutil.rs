//! Test helpers: an interrupt line that records its level, a shared output
//! buffer, and a small deterministic PRNG for hostile access streams.
#![allow(dead_code)] // each helper serves some device tests, not all of them

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rvisor_memory::IrqLine;

/// Remembers its level and how many times it was driven high from low.
#[derive(Debug, Default)]
pub struct TestLine {
    level: AtomicBool,
    rises: AtomicU64,
}

impl TestLine {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }
    pub fn level(&self) -> bool {
        self.level.load(Ordering::SeqCst)
    }
    pub fn rises(&self) -> u64 {
        self.rises.load(Ordering::SeqCst)
    }
}

impl IrqLine for TestLine {
    fn set_level(&self, level: bool) {
        if level && !self.level.swap(true, Ordering::SeqCst) {
            self.rises.fetch_add(1, Ordering::SeqCst);
        }
        if !level {
            self.level.store(false, Ordering::SeqCst);
        }
    }
}

/// A `Write` sink whose bytes the test can inspect.
#[derive(Clone, Debug, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// xorshift64*: deterministic, good enough to spray registers.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A size the bus can produce, plus the odd invalid one.
    pub fn size(&mut self) -> u8 {
        [1, 2, 4, 8, 1, 2, 4, 8, 3, 0][(self.next() % 10) as usize]
    }
}
