//! Shared helpers for the interpreter's program tests: a hart on 1 MiB of
//! RAM at 0x8000_0000 running a program built with `rvisor_isa::encode::Asm`.
#![allow(dead_code)]

use std::sync::Arc;

use rvisor_cpu::{Exit, Hart, HartConfig, HartSignals};
use rvisor_isa::encode::Asm;
use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

/// Where RAM and the program start.
pub const BASE: u64 = 0x8000_0000;

/// A machine-mode hart with `prog` at `BASE`; `extra` adds devices.
pub fn hart_with(prog: &[u8], extra: impl FnOnce(BusBuilder) -> BusBuilder) -> Hart {
    let ram = Arc::new(GuestRam::new(BASE, 1 << 20).expect("guest RAM"));
    assert!(ram.write_bytes(0, prog));
    let bus = Arc::new(extra(BusBuilder::new(ram)).build());
    Hart::new(
        HartConfig::machine(0, BASE),
        bus,
        HartSignals::new(),
        TimerQueue::new(Clock::new()),
    )
}

/// Assemble `f`'s program (the test ends it with `wfi`) and build a hart.
pub fn hart(f: impl FnOnce(&mut Asm)) -> Hart {
    let mut asm = Asm::new();
    f(&mut asm);
    let prog = asm.finish().expect("test program assembles");
    hart_with(&prog, |b| b)
}

/// Run until the program's final `wfi` (or fail after `budget`).
pub fn run_to_wfi(h: &mut Hart, budget: u64) {
    assert_eq!(h.run(budget), Exit::Wfi, "pc = {:#x}", h.pc);
}
