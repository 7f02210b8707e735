//! A hostile guest: random instruction words must never panic or hang the
//! interpreter (every run returns within its budget).

mod common;

use common::{hart_with, BASE};
use rvisor_cpu::Exit;

/// xorshift64*: deterministic, no dependency.
fn next(s: &mut u64) -> u64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn random_code_never_panics_and_returns() {
    for seed in 1..=8u64 {
        let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let prog: Vec<u8> = (0..0x4000).map(|_| next(&mut s) as u8).collect();
        let mut h = hart_with(&prog, |b| b);
        // Registers point all over the address space, including RAM.
        for r in 1..32 {
            h.x[r] = if r % 2 == 0 {
                BASE + (next(&mut s) & 0xf_ffff)
            } else {
                next(&mut s)
            };
        }
        for _ in 0..20 {
            match h.run(20_000) {
                Exit::Budget | Exit::Wfi | Exit::Stopped | Exit::Hypercall => {}
            }
        }
    }
}
