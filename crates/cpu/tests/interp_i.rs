//! RV64I and M programs on the interpreter.

mod common;

use common::{hart, run_to_wfi, summing_loop, BASE};
use rvisor_isa::Inst;

#[test]
fn loop_sum_counts_down_and_retires_exactly() {
    // a0 = 10 + 9 + ... + 1, with a1 as the counter.
    let mut h = summing_loop(10);
    run_to_wfi(&mut h, 1000);
    assert_eq!(h.x[10], 55);
    // li (1) + 10 iterations x 3 + wfi.
    assert_eq!(h.stats.instret, 1 + 30 + 1);
    assert_eq!(h.pc, BASE + 4 * 5);
}

#[test]
fn x0_writes_never_stick() {
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 0,
            rs1: 0,
            imm: 5,
        });
        a.emit(Inst::Lui { rd: 0, imm: 0x1000 });
        a.emit(Inst::Add {
            rd: 10,
            rs1: 0,
            rs2: 0,
        });
        a.emit(Inst::Jal { rd: 0, imm: 4 });
        a.emit(Inst::Addi {
            rd: 11,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[0], 0);
    assert_eq!(h.x[10], 0);
    assert_eq!(h.x[11], 1);
}

#[test]
fn w_ops_sign_extend_results() {
    let mut h = hart(|a| {
        a.li(5, 0x7fff_ffff);
        a.emit(Inst::Addiw {
            rd: 10,
            rs1: 5,
            imm: 1,
        });
        a.emit(Inst::Slliw {
            rd: 11,
            rs1: 5,
            shamt: 1,
        });
        a.emit(Inst::Subw {
            rd: 12,
            rs1: 0,
            rs2: 5,
        });
        a.emit(Inst::Sraiw {
            rd: 13,
            rs1: 10,
            shamt: 31,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 0xffff_ffff_8000_0000);
    assert_eq!(h.x[11], 0xffff_ffff_ffff_fffe);
    assert_eq!(h.x[12], 0xffff_ffff_8000_0001);
    assert_eq!(h.x[13], u64::MAX);
}

#[test]
fn jal_jalr_link_and_clear_bit0() {
    let mut h = hart(|a| {
        let f = a.label();
        a.jal(1, f); // 0: call
        a.emit(Inst::Wfi); // 4
        a.bind(f);
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 1,
            imm: 1,
        }); // 8: a0 = ra | 1
        a.emit(Inst::Jalr {
            rd: 0,
            rs1: 10,
            imm: 0,
        }); // return with bit 0 set
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[1], BASE + 4);
    assert_eq!(h.pc, BASE + 8);
}

#[test]
fn auipc_branches_and_compares_use_instruction_pc() {
    let mut h = hart(|a| {
        a.emit(Inst::Auipc {
            rd: 10,
            imm: 0x1000,
        }); // 0
        a.li(5, u64::MAX); // 4
        a.emit(Inst::Slt {
            rd: 11,
            rs1: 5,
            rs2: 0,
        }); // -1 < 0
        a.emit(Inst::Sltu {
            rd: 12,
            rs1: 5,
            rs2: 0,
        }); // MAX < 0 unsigned: no
        a.emit(Inst::Sltiu {
            rd: 13,
            rs1: 0,
            imm: -1,
        }); // 0 < MAX
        let skip = a.label();
        a.blt(5, 0, skip);
        a.emit(Inst::Addi {
            rd: 14,
            rs1: 0,
            imm: 1,
        }); // skipped
        a.bind(skip);
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], BASE + 0x1000);
    assert_eq!((h.x[11], h.x[12], h.x[13], h.x[14]), (1, 0, 1, 0));
}

#[test]
fn compressed_instructions_execute_with_length_two() {
    // c.li a0, 5 ; c.addi a0, 3 ; c.mv a1, a0 ; wfi
    let prog: Vec<u8> = [0x4515u16, 0x050d, 0x85aa]
        .iter()
        .flat_map(|h| h.to_le_bytes())
        .chain(0x1050_0073u32.to_le_bytes())
        .collect();
    let mut h = common::hart_with(&prog, |b| b);
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 8);
    assert_eq!(h.x[11], 8);
    assert_eq!(h.pc, BASE + 10);
    assert_eq!(h.stats.instret, 4);
}

#[test]
fn m_division_by_zero_and_overflow_follow_spec() {
    let mut h = hart(|a| {
        a.li(5, 7);
        a.li(6, i64::MIN as u64);
        a.li(7, u64::MAX);
        a.emit(Inst::Div {
            rd: 10,
            rs1: 5,
            rs2: 0,
        });
        a.emit(Inst::Remu {
            rd: 11,
            rs1: 5,
            rs2: 0,
        });
        a.emit(Inst::Div {
            rd: 12,
            rs1: 6,
            rs2: 7,
        });
        a.emit(Inst::Rem {
            rd: 13,
            rs1: 6,
            rs2: 7,
        });
        a.emit(Inst::Mulh {
            rd: 14,
            rs1: 7,
            rs2: 7,
        });
        a.emit(Inst::Divuw {
            rd: 15,
            rs1: 7,
            rs2: 5,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], u64::MAX);
    assert_eq!(h.x[11], 7);
    assert_eq!(h.x[12], i64::MIN as u64);
    assert_eq!(h.x[13], 0);
    assert_eq!(h.x[14], 0);
    assert_eq!(h.x[15], (0xffff_ffffu64 / 7) as u32 as i32 as i64 as u64);
}

#[test]
fn illegal_instruction_traps_with_raw_bits() {
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        });
        a.word(0); // all zeros: illegal
    });
    assert_eq!(h.run(1), rvisor_cpu::Exit::Budget);
    let t = h.interp.last_trap().expect("trapped");
    assert_eq!(t.trap.cause, rvisor_cpu::Exception::IllegalInst);
    assert_eq!(t.epc, BASE + 4);
    assert_eq!(h.stats.instret, 1);
}
