//! Which RISC-V fences need a host barrier on x86-64 (TSO): exactly those
//! ordering earlier stores before later loads.

use rvisor_cpu::interp::fence_needs_store_load_barrier as needs;

const R: u8 = 0b0010;
const W: u8 = 0b0001;
const I: u8 = 0b1000;
const O: u8 = 0b0100;

#[test]
fn fence_store_load_orderings_need_a_host_barrier() {
    // smp_mb(): fence rw,rw; also w,r and the device variants.
    assert!(needs(R | W, R | W, 0));
    assert!(needs(W, R, 0));
    assert!(needs(O, I, 0));
    assert!(needs(I | O | R | W, I | O | R | W, 0));
}

#[test]
fn fence_orderings_tso_already_gives_are_free() {
    assert!(!needs(R, R | W, 0)); // smp_rmb / acquire
    assert!(!needs(R | W, W, 0)); // release
    assert!(!needs(W, W, 0)); // smp_wmb
    assert!(!needs(R | W, R | W, 8)); // fence.tso exempts store→load
    assert!(!needs(0, 0, 0));
}
