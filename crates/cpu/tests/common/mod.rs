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

/// a0 = n + (n - 1) + ... + 1 with a1 counting down: `li a1, n` (one
/// instruction for n < 2048), a three-instruction loop at `BASE + 4`,
/// then `wfi`.
pub fn summing_loop(n: u64) -> Hart {
    hart(|a| {
        a.li(11, n);
        let top = a.label();
        a.bind(top);
        a.emit(rvisor_isa::Inst::Add {
            rd: 10,
            rs1: 10,
            rs2: 11,
        });
        a.emit(rvisor_isa::Inst::Addi {
            rd: 11,
            rs1: 11,
            imm: -1,
        });
        a.bne(11, 0, top);
        a.emit(rvisor_isa::Inst::Wfi);
    })
}

/// Run until the program's final `wfi` (or fail after `budget`).
pub fn run_to_wfi(h: &mut Hart, budget: u64) {
    assert_eq!(h.run(budget), Exit::Wfi, "pc = {:#x}", h.pc);
}

/// `mstatus.FS` = Initial, so F/D instructions may execute.
pub fn fp_on(a: &mut Asm) {
    a.li(31, 0x2000);
    a.emit(rvisor_isa::Inst::Csrrs {
        rd: 0,
        rs1: 31,
        csr: 0x300,
    });
}

/// Single-step until the first trap; returns its record.
pub fn step_to_trap(h: &mut Hart, max_steps: usize) -> rvisor_cpu::interp::TrapRecord {
    for _ in 0..max_steps {
        let _ = h.step();
        if let Some(t) = h.interp.last_trap() {
            return t;
        }
    }
    panic!("no trap within {max_steps} steps; pc = {:#x}", h.pc);
}
