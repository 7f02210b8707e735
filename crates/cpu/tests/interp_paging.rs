//! The interpreter under Sv39 translation: fetches, loads and faults with
//! virtual addresses.

mod common;

use common::{hart_with, run_to_wfi, BASE};
use rvisor_isa::encode::Asm;
use rvisor_isa::Inst;

const V: u64 = 1;
const R: u64 = 2;
const W: u64 = 4;
const X: u64 = 8;
const A: u64 = 64;
const D: u64 = 128;
/// Page tables and the S-mode code page (RAM offsets).
const ROOT: u64 = 0x1_0000;
const L1: u64 = 0x1_1000;
const L0: u64 = 0x1_2000;
const CODE: u64 = 0x2_0000;
const DATA: u64 = 0x2_1000;

fn pte(off: u64, flags: u64) -> u64 {
    ((BASE + off) >> 12) << 10 | flags
}

/// M-mode prologue: handler in mtvec (records mcause, mtval, mepc in
/// a0..a2), Sv39 on, then `mret` to S-mode at `entry`.
fn enter_s_mode(entry: u64) -> Vec<u8> {
    let mut a = Asm::new();
    let handler = a.label();
    a.la(5, handler);
    a.emit(Inst::Csrrw {
        rd: 0,
        rs1: 5,
        csr: 0x305,
    });
    // PMP: one NAPOT entry over everything, RWX, so S-mode may access.
    a.li(5, u64::MAX >> 10);
    a.emit(Inst::Csrrw {
        rd: 0,
        rs1: 5,
        csr: 0x3b0,
    });
    a.li(5, 0x1f);
    a.emit(Inst::Csrrw {
        rd: 0,
        rs1: 5,
        csr: 0x3a0,
    });
    a.li(5, (8 << 60) | ((BASE + ROOT) >> 12));
    a.emit(Inst::Csrrw {
        rd: 0,
        rs1: 5,
        csr: 0x180,
    });
    a.li(5, entry);
    a.emit(Inst::Csrrw {
        rd: 0,
        rs1: 5,
        csr: 0x341,
    });
    a.li(5, 0x1800);
    a.emit(Inst::Csrrc {
        rd: 0,
        rs1: 5,
        csr: 0x300,
    });
    a.li(5, 0x800); // MPP = S
    a.emit(Inst::Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x300,
    });
    a.emit(Inst::Mret);
    a.bind(handler);
    a.emit(Inst::Csrrs {
        rd: 10,
        rs1: 0,
        csr: 0x342,
    });
    a.emit(Inst::Csrrs {
        rd: 11,
        rs1: 0,
        csr: 0x343,
    });
    a.emit(Inst::Csrrs {
        rd: 12,
        rs1: 0,
        csr: 0x341,
    });
    a.emit(Inst::Wfi);
    a.finish().expect("assembles")
}

/// VA 0x1000 -> CODE (RX), VA 0x3000 -> DATA (RW); VA 0x2000 unmapped.
fn map(h: &rvisor_cpu::Hart) {
    assert!(h.ram.store_u64(ROOT, pte(L1, V)));
    assert!(h.ram.store_u64(L1, pte(L0, V)));
    assert!(h.ram.store_u64(L0 + 8, pte(CODE, V | R | X | A)));
    assert!(h.ram.store_u64(L0 + 3 * 8, pte(DATA, V | R | W | A | D)));
}

#[test]
fn fetch_straddling_into_unmapped_page_faults_with_second_page_tval() {
    let mut h = hart_with(&enter_s_mode(0x1ffe), |b| b);
    map(&h);
    // The low half of `addi a0, zero, 1` at the last parcel of the page.
    let addi = rvisor_isa::encode::encode(&Inst::Addi {
        rd: 10,
        rs1: 0,
        imm: 1,
    })
    .expect("encodes");
    assert!(h.ram.store_u16(CODE + 0xffe, addi as u16));
    run_to_wfi(&mut h, 1000);
    assert_eq!(h.x[10], 12); // instruction page fault
    assert_eq!(h.x[11], 0x2000);
    assert_eq!(h.x[12], 0x1ffe);
}

#[test]
fn supervisor_code_loads_through_translation_and_faults_precisely() {
    let mut h = hart_with(&enter_s_mode(0x1000), |b| b);
    map(&h);
    assert!(h.ram.store_u64(DATA + 8, 0x55));
    let mut s = Asm::new();
    s.li(6, 0x3000);
    s.emit(Inst::Ld {
        rd: 7,
        rs1: 6,
        imm: 8,
    }); // 0x55 via VA 0x3008
    s.emit(Inst::Sd {
        rs1: 6,
        rs2: 7,
        imm: 16,
    });
    s.emit(Inst::Ld {
        rd: 8,
        rs1: 6,
        imm: -8,
    }); // VA 0x2ff8: unmapped
    s.emit(Inst::Wfi);
    assert!(h.ram.write_bytes(CODE, &s.finish().expect("assembles")));
    run_to_wfi(&mut h, 1000);
    assert_eq!(h.x[7], 0x55);
    assert_eq!(h.ram.load_u64(DATA + 16), Some(0x55));
    assert_eq!(h.x[10], 13); // load page fault
    assert_eq!(h.x[11], 0x2ff8);
    assert_eq!(h.x[12], 0x100c);
}
