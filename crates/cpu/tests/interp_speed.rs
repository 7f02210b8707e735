//! Interpreter speed on an integer loop (run with `--release -- --ignored
//! --nocapture`; the bar is >= 400 MIPS on the project's 2-core machine).

mod common;

use std::time::Instant;

use common::{hart, run_to_wfi};
use rvisor_isa::Inst;

#[test]
#[ignore = "speed measurement: run in --release"]
fn speed_integer_loop_reports_mips() {
    const ITERS: u64 = 100_000_000;
    let mut h = hart(|a| {
        a.li(5, ITERS);
        let top = a.label();
        a.bind(top);
        a.emit(Inst::Add {
            rd: 10,
            rs1: 10,
            rs2: 5,
        });
        a.emit(Inst::Xor {
            rd: 11,
            rs1: 11,
            rs2: 10,
        });
        a.emit(Inst::Slli {
            rd: 12,
            rs1: 11,
            shamt: 3,
        });
        a.emit(Inst::Addi {
            rd: 5,
            rs1: 5,
            imm: -1,
        });
        a.bne(5, 0, top);
        a.emit(Inst::Wfi);
    });
    let start = Instant::now();
    run_to_wfi(&mut h, u64::MAX);
    let secs = start.elapsed().as_secs_f64();
    let insns = h.stats.instret;
    println!(
        "integer loop: {insns} instructions in {secs:.3} s = {:.0} MIPS ({:.2} ns/insn)",
        insns as f64 / secs / 1e6,
        secs * 1e9 / insns as f64
    );
    let li = rvisor_isa::encode::li_sequence(5, ITERS as i64).len() as u64;
    assert_eq!(insns, li + ITERS * 5 + 1);
}

#[test]
#[ignore = "speed measurement: run in --release"]
fn speed_load_store_loop_reports_mips() {
    const ITERS: u64 = 50_000_000;
    let mut h = hart(|a| {
        a.li(5, ITERS);
        a.li(6, common::BASE + 0x8000);
        let top = a.label();
        a.bind(top);
        a.emit(Inst::Ld {
            rd: 10,
            rs1: 6,
            imm: 0,
        });
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 10,
            imm: 1,
        });
        a.emit(Inst::Sd {
            rs1: 6,
            rs2: 10,
            imm: 0,
        });
        a.emit(Inst::Lw {
            rd: 11,
            rs1: 6,
            imm: 8,
        });
        a.emit(Inst::Sw {
            rs1: 6,
            rs2: 10,
            imm: 12,
        });
        a.emit(Inst::Addi {
            rd: 5,
            rs1: 5,
            imm: -1,
        });
        a.bne(5, 0, top);
        a.emit(Inst::Wfi);
    });
    let start = Instant::now();
    run_to_wfi(&mut h, u64::MAX);
    let secs = start.elapsed().as_secs_f64();
    let insns = h.stats.instret;
    println!(
        "load/store loop: {insns} instructions in {secs:.3} s = {:.0} MIPS ({:.2} ns/insn)",
        insns as f64 / secs / 1e6,
        secs * 1e9 / insns as f64
    );
    assert_eq!(h.x[10], ITERS);
}
