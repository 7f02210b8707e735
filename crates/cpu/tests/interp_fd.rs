//! F and D on the interpreter: NaN-boxing, flags, rounding-mode checks,
//! conversions and bit moves.

mod common;

use common::{hart, run_to_wfi};
use rvisor_cpu::Exception;
use rvisor_isa::{Inst, RoundingMode};

const ONE_S: u64 = 0x3f80_0000;
const CANON_S: u64 = 0xffff_ffff_7fc0_0000;

#[test]
fn fadd_s_boxes_result() {
    let mut h = hart(|a| {
        common::fp_on(a);
        a.li(5, ONE_S);
        a.emit(Inst::FmvWX { rd: 1, rs1: 5 });
        a.emit(Inst::FaddS {
            rd: 2,
            rs1: 1,
            rs2: 1,
            rm: RoundingMode::Rne,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.f[1], 0xffff_ffff_3f80_0000);
    assert_eq!(h.f[2], 0xffff_ffff_4000_0000);
}

#[test]
fn unboxed_single_operand_reads_as_canonical_nan() {
    let mut h = hart(|a| {
        common::fp_on(a);
        a.li(5, ONE_S); // upper bits zero: not a valid box
        a.emit(Inst::FmvDX { rd: 1, rs1: 5 });
        a.emit(Inst::FaddS {
            rd: 2,
            rs1: 1,
            rs2: 1,
            rm: RoundingMode::Rne,
        });
        a.emit(Inst::FsgnjS {
            rd: 3,
            rs1: 1,
            rs2: 1,
        });
        a.emit(Inst::FmvXW { rd: 10, rs1: 1 }); // moves the raw low bits
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.f[2], CANON_S);
    assert_eq!(h.f[3], CANON_S);
    assert_eq!(h.x[10], ONE_S);
    assert_eq!(h.csr.fflags, 0); // quiet NaN in: no flags
}

#[test]
fn fdiv_by_zero_accrues_dz() {
    let mut h = hart(|a| {
        common::fp_on(a);
        a.li(5, 1.0f64.to_bits());
        a.emit(Inst::FmvDX { rd: 1, rs1: 5 });
        a.emit(Inst::FmvDX { rd: 2, rs1: 0 });
        a.emit(Inst::FdivD {
            rd: 3,
            rs1: 1,
            rs2: 2,
            rm: RoundingMode::Rne,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.f[3], f64::INFINITY.to_bits());
    assert_eq!(h.csr.fflags, rvisor_fpu::DZ);
}

#[test]
fn fcvt_w_results_sign_extend_to_64() {
    let mut h = hart(|a| {
        common::fp_on(a);
        a.li(5, (-3.0f64).to_bits());
        a.emit(Inst::FmvDX { rd: 1, rs1: 5 });
        a.emit(Inst::FcvtWD {
            rd: 10,
            rs1: 1,
            rm: RoundingMode::Rtz,
        });
        a.li(6, 4_000_000_000f64.to_bits());
        a.emit(Inst::FmvDX { rd: 2, rs1: 6 });
        a.emit(Inst::FcvtWuD {
            rd: 11,
            rs1: 2,
            rm: RoundingMode::Rtz,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], (-3i64) as u64);
    assert_eq!(h.x[11], 4_000_000_000u32 as i32 as i64 as u64);
}

#[test]
fn fsgnj_d_is_bit_operation_without_flags() {
    let mut h = hart(|a| {
        common::fp_on(a);
        a.li(5, 0x7ff0_0000_0000_0001); // signaling NaN
        a.emit(Inst::FmvDX { rd: 1, rs1: 5 });
        a.emit(Inst::FsgnjnD {
            rd: 2,
            rs1: 1,
            rs2: 1,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.f[2], 0xfff0_0000_0000_0001);
    assert_eq!(h.csr.fflags, 0);
}

#[test]
fn fp_instruction_with_fs_off_is_illegal() {
    let mut h = hart(|a| {
        a.emit(Inst::FmvDX { rd: 1, rs1: 0 });
        a.emit(Inst::Wfi);
    });
    let t = common::step_to_trap(&mut h, 10);
    assert_eq!(t.trap.cause, Exception::IllegalInst);
    assert_eq!(t.epc, common::BASE);
}

#[test]
fn reserved_static_rounding_mode_is_illegal() {
    let mut h = hart(|a| {
        common::fp_on(a);
        // fadd.d f1, f0, f0 with rm = 5 (the encoder refuses to build it).
        a.word(0x0200_50d3);
        a.emit(Inst::Wfi);
    });
    let t = common::step_to_trap(&mut h, 10);
    assert_eq!(t.trap.cause, Exception::IllegalInst);
    assert_ne!(t.trap.tval, 0);
}

#[test]
fn dynamic_rounding_with_bad_frm_is_illegal() {
    let mut h = hart(|a| {
        common::fp_on(a);
        a.emit(Inst::FaddD {
            rd: 1,
            rs1: 0,
            rs2: 0,
            rm: RoundingMode::Dyn,
        });
        a.emit(Inst::Wfi);
    });
    h.csr.frm = 5;
    let t = common::step_to_trap(&mut h, 10);
    assert_eq!(t.trap.cause, Exception::IllegalInst);
}

#[test]
fn flw_boxes_and_fsw_stores_low_bits() {
    let mut h = hart(|a| {
        common::fp_on(a);
        a.li(5, common::BASE + 0x8000);
        a.li(6, 0x1234_5678_4049_0fdb);
        a.emit(Inst::Sd {
            rs1: 5,
            rs2: 6,
            imm: 0,
        });
        a.emit(Inst::Flw {
            rd: 1,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::FmvDX { rd: 2, rs1: 6 });
        a.emit(Inst::Fsw {
            rs1: 5,
            rs2: 2,
            imm: 8,
        });
        a.emit(Inst::Ld {
            rd: 10,
            rs1: 5,
            imm: 8,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.f[1], 0xffff_ffff_4049_0fdb);
    assert_eq!(h.x[10], 0x4049_0fdb);
}
