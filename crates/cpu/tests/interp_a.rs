//! A extension: LR/SC, AMOs, misaligned and non-RAM atomics, and a
//! two-thread AMO counter on shared RAM.

mod common;

use std::sync::Arc;

use common::{hart, hart_with, run_to_wfi, BASE};
use rvisor_cpu::{Exception, Exit, Hart, HartConfig, HartSignals};
use rvisor_isa::encode::Asm;
use rvisor_isa::Inst;
use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

const DATA: u64 = BASE + 0x8000;

#[test]
fn lr_sc_pair_succeeds_and_second_sc_fails() {
    let mut h = hart(|a| {
        a.li(5, DATA);
        a.li(6, 7);
        a.emit(Inst::LrD {
            rd: 10,
            rs1: 5,
            aqrl: 0,
        });
        a.emit(Inst::ScD {
            rd: 11,
            rs1: 5,
            rs2: 6,
            aqrl: 0,
        });
        a.emit(Inst::ScD {
            rd: 12,
            rs1: 5,
            rs2: 0,
            aqrl: 0,
        });
        a.emit(Inst::Ld {
            rd: 13,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!((h.x[10], h.x[11], h.x[12], h.x[13]), (0, 0, 1, 7));
}

#[test]
fn sc_fails_after_intervening_store() {
    let mut h = hart(|a| {
        a.li(5, DATA);
        a.li(6, 9);
        a.emit(Inst::LrW {
            rd: 10,
            rs1: 5,
            aqrl: 0,
        });
        a.emit(Inst::Sw {
            rs1: 5,
            rs2: 6,
            imm: 0,
        });
        a.emit(Inst::ScW {
            rd: 11,
            rs1: 5,
            rs2: 0,
            aqrl: 0,
        });
        a.emit(Inst::Lw {
            rd: 12,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!((h.x[11], h.x[12]), (1, 9));
}

#[test]
fn amo_ops_return_old_value_and_update_memory() {
    let mut h = hart(|a| {
        a.li(5, DATA);
        a.li(6, u64::MAX); // -1
        a.li(7, 5);
        a.emit(Inst::Sw {
            rs1: 5,
            rs2: 7,
            imm: 0,
        });
        a.emit(Inst::AmoaddW {
            rd: 10,
            rs1: 5,
            rs2: 6,
            aqrl: 0,
        }); // 5 -> 4
        a.emit(Inst::AmominW {
            rd: 11,
            rs1: 5,
            rs2: 6,
            aqrl: 0,
        }); // 4 -> -1
        a.emit(Inst::AmomaxuW {
            rd: 12,
            rs1: 5,
            rs2: 7,
            aqrl: 0,
        }); // -1 stays
        a.emit(Inst::AmoswapD {
            rd: 13,
            rs1: 5,
            rs2: 7,
            aqrl: 0,
        });
        a.emit(Inst::Ld {
            rd: 14,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 5);
    assert_eq!(h.x[11], 4);
    assert_eq!(h.x[12], u64::MAX); // old value sign-extended
    assert_eq!(h.x[13], 0xffff_ffff);
    assert_eq!(h.x[14], 5);
}

#[test]
fn misaligned_amo_raises_store_misaligned() {
    let mut h = hart(|a| {
        a.li(5, DATA + 2);
        a.emit(Inst::AmoaddW {
            rd: 10,
            rs1: 5,
            rs2: 0,
            aqrl: 0,
        });
        a.emit(Inst::Wfi);
    });
    assert_eq!(h.run(1), Exit::Budget);
    let t = h.interp.last_trap().expect("trapped");
    assert_eq!(t.trap.cause, Exception::StoreMisaligned);
    assert_eq!(t.trap.tval, DATA + 2);
}

#[test]
fn misaligned_lr_raises_load_misaligned() {
    let mut h = hart(|a| {
        a.li(5, DATA + 4);
        a.emit(Inst::LrD {
            rd: 10,
            rs1: 5,
            aqrl: 0,
        });
        a.emit(Inst::Wfi);
    });
    assert_eq!(h.run(1), Exit::Budget);
    let t = h.interp.last_trap().expect("trapped");
    assert_eq!(t.trap.cause, Exception::LoadMisaligned);
}

#[test]
fn amo_outside_ram_raises_access_fault() {
    let mut a = Asm::new();
    a.li(5, 0x1000);
    a.emit(Inst::AmoorD {
        rd: 10,
        rs1: 5,
        rs2: 0,
        aqrl: 0,
    });
    a.emit(Inst::Wfi);
    let mut h = hart_with(&a.finish().expect("assembles"), |b| b);
    assert_eq!(h.run(1), Exit::Budget);
    let t = h.interp.last_trap().expect("trapped");
    assert_eq!(t.trap.cause, Exception::StoreAccessFault);
    assert_eq!(t.trap.tval, 0x1000);
}

#[test]
fn amo_counter_two_threads_loses_no_increment() {
    const N: u64 = 100_000;
    let mut a = Asm::new();
    a.li(5, DATA);
    a.li(6, N);
    a.li(7, 1);
    let top = a.label();
    a.bind(top);
    a.emit(Inst::AmoaddD {
        rd: 0,
        rs1: 5,
        rs2: 7,
        aqrl: 3,
    });
    // An LR/SC increment of a second counter, to exercise SC under contention.
    let retry = a.label();
    a.bind(retry);
    a.emit(Inst::LrD {
        rd: 10,
        rs1: 5,
        aqrl: 0,
    });
    a.emit(Inst::Addi {
        rd: 10,
        rs1: 10,
        imm: 0,
    });
    a.emit(Inst::LrW {
        rd: 11,
        rs1: 28,
        aqrl: 0,
    });
    a.emit(Inst::Addi {
        rd: 11,
        rs1: 11,
        imm: 1,
    });
    a.emit(Inst::ScW {
        rd: 12,
        rs1: 28,
        rs2: 11,
        aqrl: 0,
    });
    a.bne(12, 0, retry);
    a.emit(Inst::Addi {
        rd: 6,
        rs1: 6,
        imm: -1,
    });
    a.bne(6, 0, top);
    a.emit(Inst::Wfi);
    let prog = a.finish().expect("assembles");
    let ram = Arc::new(GuestRam::new(BASE, 1 << 20).expect("ram"));
    assert!(ram.write_bytes(0, &prog));
    let bus = Arc::new(BusBuilder::new(ram.clone()).build());
    let threads: Vec<_> = (0..2)
        .map(|id| {
            let bus = bus.clone();
            std::thread::spawn(move || {
                let mut h = Hart::new(
                    HartConfig::machine(id, BASE),
                    bus,
                    HartSignals::new(),
                    TimerQueue::new(Clock::new()),
                );
                h.x[28] = DATA + 0x40;
                h.run(u64::MAX)
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().expect("hart thread"), Exit::Wfi);
    }
    assert_eq!(ram.load_u64(0x8000), Some(2 * N));
    assert_eq!(ram.load_u32(0x8040), Some(2 * N as u32));
}
