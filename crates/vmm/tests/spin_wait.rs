//! Spin-loop detection on a bare-metal 2-hart guest: hart 0 spins on a
//! flag that hart 1 sets after a long count. The guest must still finish
//! (the yield changes nothing it can see, and the flag's store is seen),
//! and the spin-loop yield counter must move.

use rvisor_isa::{Asm, Inst};
use rvisor_vmm::{Engine, ExitReason, ImageSource, Mode, VmConfig};

const FLAG: u64 = 0x8010_0000;
const TEST_DEVICE: u64 = 0x10_0000;
const FINISHER_PASS: u64 = 0x5555;
// Registers.
const A0: u8 = 10;
const S0: u8 = 8;
const T0: u8 = 5;
const T1: u8 = 6;
const T2: u8 = 7;

/// How hart 0 waits for the flag.
#[derive(Clone, Copy, Debug)]
enum Wait {
    /// `1: lw t0, (s0); beqz t0, 1b` (OpenSBI's lock wait has this shape).
    Load,
    /// Linux's `cpu_relax()` loop: load, test, `div`, `pause`, jump back.
    Pause,
}

/// Hart 1's count: long enough that hart 0 reaches its loop and spins in
/// it, on a loaded 2-core host too (translated, 20 million rounds took
/// 10 ms, less than a busy host took to start hart 0's thread).
fn rounds(engine: Engine) -> u64 {
    match engine {
        Engine::Interp => 20_000_000,
        _ => 200_000_000,
    }
}

fn program(wait: Wait, rounds: u64) -> Vec<u8> {
    let mut a = Asm::new();
    let worker = a.label();
    let waiting = a.label();
    let done = a.label();
    let count = a.label();
    let park = a.label();
    // The reset ROM passes a0 = mhartid.
    a.li(S0, FLAG);
    a.bne(A0, 0, worker);
    a.bind(waiting);
    a.emit(Inst::Lw {
        rd: T0,
        rs1: S0,
        imm: 0,
    });
    match wait {
        Wait::Load => a.beq(T0, 0, waiting),
        Wait::Pause => {
            a.bne(T0, 0, done);
            a.emit(Inst::Div {
                rd: T1,
                rs1: T1,
                rs2: 0,
            });
            a.emit(Inst::Fence {
                pred: 1,
                succ: 0,
                fm: 0,
            });
            a.j(waiting);
        }
    }
    a.bind(done);
    a.li(T0, TEST_DEVICE);
    a.li(T1, FINISHER_PASS);
    a.emit(Inst::Sw {
        rs1: T0,
        rs2: T1,
        imm: 0,
    });
    a.j(done);
    // Hart 1: count a while (a counted loop is no spin), then set the flag.
    a.bind(worker);
    a.li(T2, rounds);
    a.bind(count);
    a.emit(Inst::Addi {
        rd: T2,
        rs1: T2,
        imm: -1,
    });
    a.bne(T2, 0, count);
    a.li(T0, 1);
    a.emit(Inst::Sw {
        rs1: S0,
        rs2: T0,
        imm: 0,
    });
    a.bind(park);
    a.emit(Inst::Wfi);
    a.j(park);
    a.finish().expect("valid program")
}

fn run(wait: Wait, engine: Engine) {
    let image: &'static [u8] = Box::leak(program(wait, rounds(engine)).into_boxed_slice());
    let config = VmConfig {
        mode: Mode::Full,
        engine,
        firmware: Some(ImageSource::Builtin("spin-wait", image)),
        mem: 64 << 20,
        cpus: 2,
        ..VmConfig::default()
    };
    let outcome = rvisor_vmm::run(&config).expect("vm runs");
    assert_eq!(
        outcome.reason,
        ExitReason::PowerOff { code: 0 },
        "{wait:?} on {engine:?}"
    );
    let h = &outcome.stats.harts;
    assert!(
        h[0].spin_yields > 0,
        "{wait:?} on {engine:?}: the waiting hart never yielded ({} instructions)",
        h[0].instret
    );
    // The counting hart is never taken for a spinning one.
    assert_eq!(h[1].spin_yields, 0, "{wait:?} on {engine:?}");
}

#[test]
fn a_load_spin_yields_and_sees_the_store_translated() {
    run(Wait::Load, Engine::Jit);
}

#[test]
fn a_load_spin_yields_and_sees_the_store_interpreted() {
    run(Wait::Load, Engine::Interp);
}

#[test]
fn a_pause_loop_yields_and_sees_the_store_translated() {
    run(Wait::Pause, Engine::Jit);
}

#[test]
fn a_pause_loop_yields_and_sees_the_store_interpreted() {
    run(Wait::Pause, Engine::Interp);
}
