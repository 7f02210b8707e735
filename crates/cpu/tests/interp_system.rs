//! Zicsr, traps through mtvec, ecall/ebreak, wfi, hypercalls, interrupts,
//! exit requests and budgets on the interpreter.

mod common;

use std::sync::Arc;

use common::{hart, run_to_wfi, BASE};
use rvisor_cpu::{Exit, Hart, HartConfig, HartSignals, PrivilegeMode};
use rvisor_isa::encode::Asm;
use rvisor_isa::Inst;
use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

const MSCRATCH: u16 = 0x340;
const MTVEC: u16 = 0x305;
const MCAUSE: u16 = 0x342;
const MEPC: u16 = 0x341;
const MTVAL: u16 = 0x343;
const MINSTRET: u16 = 0xb02;
const MIE: u16 = 0x304;
const MSTATUS: u16 = 0x300;

fn csrr(a: &mut Asm, rd: u8, csr: u16) {
    a.emit(Inst::Csrrs { rd, rs1: 0, csr });
}

fn csrw(a: &mut Asm, csr: u16, rs1: u8) {
    a.emit(Inst::Csrrw { rd: 0, rs1, csr });
}

/// Point mtvec at a handler that records mcause/mepc/mtval/minstret in
/// a0..a3 and stops with wfi; returns the handler label to bind.
fn with_handler(a: &mut Asm, body: impl FnOnce(&mut Asm)) {
    let handler = a.label();
    a.la(5, handler);
    csrw(a, MTVEC, 5);
    body(a);
    a.bind(handler);
    csrr(a, 10, MCAUSE);
    csrr(a, 11, MEPC);
    csrr(a, 12, MTVAL);
    csrr(a, 13, MINSTRET);
    a.emit(Inst::Wfi);
}

#[test]
fn csr_write_then_read_roundtrips() {
    let mut h = hart(|a| {
        a.li(5, 0x1234);
        csrw(a, MSCRATCH, 5);
        csrr(a, 10, MSCRATCH);
        a.emit(Inst::Csrrsi {
            rd: 11,
            uimm: 1,
            csr: MSCRATCH,
        });
        csrr(a, 12, MSCRATCH);
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!((h.x[10], h.x[11], h.x[12]), (0x1234, 0x1234, 0x1235));
    assert_eq!(h.stats.csr_ops, 4);
}

#[test]
fn minstret_reads_instructions_retired_before() {
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 5,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Addi {
            rd: 5,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Addi {
            rd: 5,
            rs1: 0,
            imm: 100,
        });
        csrr(a, 10, MINSTRET); // 3 before it
        csrw(a, MINSTRET, 5); // next instruction reads 100
        csrr(a, 11, MINSTRET);
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!((h.x[10], h.x[11]), (3, 100));
}

#[test]
fn ecall_from_m_traps_with_cause_11_and_epc() {
    let mut ecall_at = 0;
    let mut h = hart(|a| {
        with_handler(a, |a| {
            ecall_at = a.here() as u64;
            a.emit(Inst::Ecall);
        })
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 11);
    assert_eq!(h.x[11], BASE + ecall_at);
}

#[test]
fn ebreak_traps_with_tval_pc() {
    let mut at = 0;
    let mut h = hart(|a| {
        with_handler(a, |a| {
            at = a.here() as u64;
            a.emit(Inst::Ebreak);
        })
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 3);
    assert_eq!(h.x[12], BASE + at);
}

#[test]
fn load_fault_mid_block_reaches_handler_with_exact_state() {
    let mut at = 0;
    let mut h = hart(|a| {
        with_handler(a, |a| {
            a.emit(Inst::Addi {
                rd: 6,
                rs1: 0,
                imm: 1,
            });
            a.emit(Inst::Addi {
                rd: 7,
                rs1: 0,
                imm: 0x7f0,
            });
            at = a.here() as u64;
            // Unmapped (and aligned, so not a misaligned exception).
            a.emit(Inst::Lw {
                rd: 8,
                rs1: 7,
                imm: 4,
            });
            a.emit(Inst::Addi {
                rd: 9,
                rs1: 0,
                imm: 1,
            });
        })
    });
    // Instructions before the load: la (2) + csrw + 2 addi.
    let before = 5;
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 5); // load access fault
    assert_eq!(h.x[11], BASE + at);
    assert_eq!(h.x[12], 0x7f4);
    // minstret is read by the handler's 4th instruction.
    assert_eq!(h.x[13], before + 3);
    assert_eq!((h.x[6], h.x[8], h.x[9]), (1, 0, 0));
}

#[test]
fn wfi_exits_with_pc_after() {
    let mut h = hart(|a| {
        a.emit(Inst::Wfi);
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    assert_eq!(h.run(100), Exit::Wfi);
    assert_eq!(h.pc, BASE + 4);
    assert_eq!(h.stats.wfis, 1);
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 1);
}

#[test]
fn infinite_loop_returns_on_budget() {
    let mut h = hart(|a| {
        let l = a.label();
        a.bind(l);
        a.j(l);
    });
    assert_eq!(h.run(1000), Exit::Budget);
    assert!(h.stats.instret >= 1000 && h.stats.instret < 1100);
}

#[test]
fn exit_request_stops_then_resumes() {
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    h.signals.request_exit();
    assert_eq!(h.run(100), Exit::Stopped);
    assert_eq!(h.stats.instret, 0);
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 1);
}

/// A remote `sfence.vma` posted to a running hart: it flushes its TLB at
/// the next block boundary and reports the ticket done, without leaving
/// its run loop (the guest does not notice).
#[test]
fn posted_tlb_flush_is_done_at_the_next_boundary_without_an_exit() {
    use rvisor_cpu::mmu::Access;
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    let before = h.tlb_probe(Access::Load).1;
    let ticket = h.signals.post_tlb_flush();
    assert!(!h.signals.tlb_flushed(ticket));
    assert_eq!(h.run(100), Exit::Wfi);
    assert!(h.signals.tlb_flushed(ticket));
    assert_ne!(
        h.tlb_probe(Access::Load).1,
        before,
        "the TLB was not flushed"
    );
    assert_eq!(h.x[10], 1);
    // Nothing posted since: no second flush.
    let after = h.tlb_probe(Access::Load).1;
    assert!(!h.apply_tlb_flushes());
    assert_eq!(h.tlb_probe(Access::Load).1, after);
}

/// `--stats` splits instructions by privilege: 100 loop iterations in
/// M-mode, then `mret` to S-mode and 50 there (credited at the switch,
/// within one block of the exact split).
#[test]
fn instructions_are_counted_by_privilege() {
    let mut h = hart(|a| {
        let (m_loop, s_code, s_loop) = (a.label(), a.label(), a.label());
        // PMP: all of memory for S-mode (NAPOT, RWX).
        a.li(5, u64::MAX >> 10);
        csrw(a, 0x3b0, 5);
        a.li(5, 0x1f);
        csrw(a, 0x3a0, 5);
        a.li(5, 100);
        a.bind(m_loop);
        a.emit(Inst::Addi {
            rd: 5,
            rs1: 5,
            imm: -1,
        });
        a.bne(5, 0, m_loop);
        a.la(6, s_code);
        csrw(a, MEPC, 6);
        a.li(7, 1 << 11); // MPP = S
        csrw(a, MSTATUS, 7);
        a.emit(Inst::Mret);
        a.bind(s_code);
        a.li(5, 50);
        a.bind(s_loop);
        a.emit(Inst::Addi {
            rd: 5,
            rs1: 5,
            imm: -1,
        });
        a.bne(5, 0, s_loop);
        a.emit(Inst::Wfi);
    });
    assert_eq!(h.run(10_000), Exit::Wfi);
    assert_eq!(h.prv, PrivilegeMode::Supervisor);
    let s = h.stats_snapshot();
    let (u, sv, m) = (
        s.instret_by_privilege[0],
        s.instret_by_privilege[1],
        s.instret_by_privilege[3],
    );
    assert_eq!(u + sv + m, s.instret);
    assert_eq!(u, 0);
    assert!((200..=220).contains(&m), "M-mode instructions: {m}");
    assert!((100..=120).contains(&sv), "S-mode instructions: {sv}");
}

#[test]
fn supervisor_ecall_in_para_mode_is_hypercall() {
    let mut a = Asm::new();
    a.emit(Inst::Addi {
        rd: 17,
        rs1: 0,
        imm: 0x10,
    });
    a.emit(Inst::Ecall);
    a.emit(Inst::Addi {
        rd: 11,
        rs1: 10,
        imm: 1,
    });
    a.emit(Inst::Wfi);
    let prog = a.finish().expect("assembles");
    let ram = Arc::new(GuestRam::new(BASE, 1 << 20).expect("ram"));
    assert!(ram.write_bytes(0, &prog));
    let mut cfg = HartConfig::machine(0, BASE);
    cfg.reset_mode = PrivilegeMode::Supervisor;
    cfg.hypercalls = true;
    let bus = Arc::new(BusBuilder::new(ram).build());
    let mut h = Hart::new(cfg, bus, HartSignals::new(), TimerQueue::new(Clock::new()));
    assert_eq!(h.run(100), Exit::Hypercall);
    assert_eq!(h.pc, BASE + 4);
    assert_eq!(h.x[17], 0x10);
    h.x[10] = 41;
    h.finish_hypercall();
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[11], 42);
    assert_eq!(h.stats.hypercalls, 1);
}

#[test]
fn pending_enabled_interrupt_is_taken_at_block_boundary() {
    let mut h = hart(|a| {
        let handler = a.label();
        a.la(5, handler);
        csrw(a, MTVEC, 5);
        a.li(6, 1 << 3); // MSIE
        csrw(a, MIE, 6);
        a.emit(Inst::Csrrsi {
            rd: 0,
            uimm: 8,
            csr: MSTATUS,
        }); // MIE
        let l = a.label();
        a.bind(l);
        a.j(l);
        a.bind(handler);
        csrr(a, 10, MCAUSE);
        csrw(a, MIE, 0); // else wfi would see the interrupt and fall through
        a.emit(Inst::Wfi);
    });
    h.signals.raise(1 << 3); // MSIP
    run_to_wfi(&mut h, 1000);
    assert_eq!(h.x[10], (1 << 63) | 3);
    assert_eq!(h.stats.interrupts[3], 1);
}

#[test]
fn fence_i_after_code_store_runs_new_code() {
    let new = rvisor_isa::encode::encode(&Inst::Addi {
        rd: 10,
        rs1: 0,
        imm: 7,
    })
    .expect("encodes");
    let mut h = hart(|a| {
        let patch = a.label();
        a.la(5, patch);
        a.li(6, u64::from(new));
        let first = a.label();
        a.j(first);
        a.bind(patch);
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        }); // patched to 7
        a.emit(Inst::Wfi);
        a.bind(first);
        a.emit(Inst::Sw {
            rs1: 5,
            rs2: 6,
            imm: 0,
        });
        a.emit(Inst::FenceI);
        a.emit(Inst::Jalr {
            rd: 0,
            rs1: 5,
            imm: 0,
        });
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 7);
    assert_eq!(h.stats.fence_is, 1);
}
