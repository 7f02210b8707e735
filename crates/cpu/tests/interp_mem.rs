//! Loads, stores, precise traps, misaligned accesses, MMIO, store watchers
//! and self-modifying code.

mod common;

use std::sync::{Arc, Mutex};

use common::{hart, hart_with, run_to_wfi, BASE};
use rvisor_cpu::{Exception, Exit};
use rvisor_isa::encode::Asm;
use rvisor_isa::Inst;
use rvisor_memory::MmioDevice;

const DATA: u64 = BASE + 0x8000;

#[test]
fn load_fault_mid_block_is_precise() {
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        }); // retires
        a.emit(Inst::Addi {
            rd: 11,
            rs1: 0,
            imm: 2,
        }); // retires
        a.emit(Inst::Ld {
            rd: 12,
            rs1: 0,
            imm: 0x100,
        }); // address 0x100: unmapped
        a.emit(Inst::Addi {
            rd: 13,
            rs1: 0,
            imm: 3,
        }); // must not execute
        a.emit(Inst::Wfi);
    });
    assert_eq!(h.run(1), Exit::Budget);
    let t = h.interp.last_trap().expect("load faulted");
    assert_eq!(t.trap.cause, Exception::LoadAccessFault);
    assert_eq!(t.trap.tval, 0x100);
    assert_eq!(t.epc, BASE + 8);
    assert_eq!(t.instret, 2);
    assert_eq!((h.x[10], h.x[11], h.x[12], h.x[13]), (1, 2, 0, 0));
}

#[test]
fn store_load_all_widths_sign_and_zero_extend() {
    let mut h = hart(|a| {
        a.li(5, DATA);
        a.li(6, 0x8081_8283_8485_8687);
        a.emit(Inst::Sd {
            rs1: 5,
            rs2: 6,
            imm: 0,
        });
        a.emit(Inst::Lb {
            rd: 10,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::Lbu {
            rd: 11,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::Lh {
            rd: 12,
            rs1: 5,
            imm: 2,
        });
        a.emit(Inst::Lhu {
            rd: 13,
            rs1: 5,
            imm: 2,
        });
        a.emit(Inst::Lw {
            rd: 14,
            rs1: 5,
            imm: 4,
        });
        a.emit(Inst::Lwu {
            rd: 15,
            rs1: 5,
            imm: 4,
        });
        a.emit(Inst::Sb {
            rs1: 5,
            rs2: 0,
            imm: 7,
        });
        a.emit(Inst::Ld {
            rd: 16,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 0xffff_ffff_ffff_ff87);
    assert_eq!(h.x[11], 0x87);
    assert_eq!(h.x[12], 0xffff_ffff_ffff_8485);
    assert_eq!(h.x[13], 0x8485);
    assert_eq!(h.x[14], 0xffff_ffff_8081_8283);
    assert_eq!(h.x[15], 0x8081_8283);
    assert_eq!(h.x[16], 0x0081_8283_8485_8687);
}

#[test]
fn misaligned_access_crossing_page_is_performed() {
    let mut h = hart(|a| {
        a.li(5, DATA + 0xffd); // 8 bytes across the page at DATA + 0x1000
        a.li(6, 0x1122_3344_5566_7788);
        a.emit(Inst::Sd {
            rs1: 5,
            rs2: 6,
            imm: 0,
        });
        a.emit(Inst::Ld {
            rd: 10,
            rs1: 5,
            imm: 0,
        });
        a.emit(Inst::Lw {
            rd: 11,
            rs1: 5,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 0x1122_3344_5566_7788);
    assert_eq!(h.x[11], 0x4455_6677);
    assert_eq!(h.ram.load_u8(0x9000), Some(0x55));
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(u64, u8, u64)>>);

impl MmioDevice for Recorder {
    fn read(&self, offset: u64, _size: u8) -> u64 {
        0x1000 + offset
    }
    fn write(&self, offset: u64, size: u8, value: u64) {
        self.0.lock().expect("recorder").push((offset, size, value));
    }
}

fn mmio_prog() -> Vec<u8> {
    let mut a = Asm::new();
    a.li(5, 0x1000_0000);
    a.emit(Inst::Lw {
        rd: 10,
        rs1: 5,
        imm: 8,
    });
    a.li(6, 0xab);
    a.emit(Inst::Sb {
        rs1: 5,
        rs2: 6,
        imm: 3,
    });
    a.emit(Inst::Lw {
        rd: 11,
        rs1: 5,
        imm: 2,
    }); // misaligned MMIO: traps
    a.emit(Inst::Wfi);
    a.finish().expect("assembles")
}

#[test]
fn mmio_reaches_device_and_misaligned_mmio_traps() {
    let dev = Arc::new(Recorder::default());
    let d = dev.clone();
    let mut h = hart_with(&mmio_prog(), |b| b.mmio("dev", 0x1000_0000, 0x100, d));
    assert_eq!(h.run(1), Exit::Budget);
    assert_eq!(h.x[10], 0x1008);
    assert_eq!(*dev.0.lock().expect("recorder"), vec![(3, 1, 0xab)]);
    let t = h.interp.last_trap().expect("misaligned");
    assert_eq!(t.trap.cause, Exception::LoadMisaligned);
    assert_eq!(t.trap.tval, 0x1000_0002);
}

#[test]
fn store_to_watched_page_notifies_watcher() {
    let watch = Arc::new(Recorder::default());
    let w = watch.clone();
    let mut a = Asm::new();
    a.li(5, DATA);
    a.li(6, 1);
    a.emit(Inst::Sd {
        rs1: 5,
        rs2: 6,
        imm: 0,
    });
    a.emit(Inst::Wfi);
    let prog = a.finish().expect("assembles");
    let mut h = hart_with(&prog, |b| b.watch_stores("tohost", DATA, 8, w));
    run_to_wfi(&mut h, 100);
    assert_eq!(*watch.0.lock().expect("recorder"), vec![(0, 8, 1)]);
}

#[test]
fn self_modifying_store_in_same_block_takes_effect() {
    // The sw patches the very next instruction (in the same block) from
    // `addi a0, zero, 1` to `addi a0, zero, 2`.
    let patched = rvisor_isa::encode::encode(&Inst::Addi {
        rd: 10,
        rs1: 0,
        imm: 2,
    })
    .expect("encodes");
    let mut h = hart(|a| {
        a.li(6, u64::from(patched));
        a.emit(Inst::Auipc { rd: 5, imm: 0 });
        a.emit(Inst::Sw {
            rs1: 5,
            rs2: 6,
            imm: 8,
        });
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 2);
}

#[test]
fn self_modifying_code_in_loop_is_redecoded() {
    // Run a block once, patch it from the outside, run it again.
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 10,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut h, 100);
    let patched = rvisor_isa::encode::encode(&Inst::Addi {
        rd: 10,
        rs1: 10,
        imm: 5,
    })
    .expect("encodes");
    // A guest store from another "hart" path: use the hart's own store
    // through a tiny program placed elsewhere.
    let mut a = Asm::new();
    a.li(5, BASE);
    a.li(6, u64::from(patched));
    a.emit(Inst::Sw {
        rs1: 5,
        rs2: 6,
        imm: 0,
    });
    a.li(7, BASE);
    a.emit(Inst::Jalr {
        rd: 0,
        rs1: 7,
        imm: 0,
    });
    let prog = a.finish().expect("assembles");
    assert!(h.ram.write_bytes(0x4000, &prog));
    h.pc = BASE + 0x4000;
    run_to_wfi(&mut h, 100);
    assert_eq!(h.x[10], 6);
}

#[test]
fn fetch_from_unmapped_address_faults_with_tval() {
    let mut h = hart(|a| {
        a.li(5, 0x2000);
        a.emit(Inst::Jalr {
            rd: 0,
            rs1: 5,
            imm: 0,
        });
    });
    assert_eq!(h.run(1), Exit::Budget);
    assert_eq!(h.run(1), Exit::Budget);
    let t = h.interp.last_trap().expect("fetch faulted");
    assert_eq!(t.trap.cause, Exception::InstAccessFault);
    assert_eq!(t.trap.tval, 0x2000);
}

#[test]
fn instruction_straddling_page_executes() {
    // c.nop pads so that a 32-bit addi starts at offset 0xffe.
    let mut prog = vec![0u8; 0x1006];
    for i in (0..0xffe).step_by(2) {
        prog[i..i + 2].copy_from_slice(&0x0001u16.to_le_bytes());
    }
    let addi = rvisor_isa::encode::encode(&Inst::Addi {
        rd: 10,
        rs1: 0,
        imm: 42,
    })
    .expect("encodes");
    prog[0xffe..0x1002].copy_from_slice(&addi.to_le_bytes());
    prog[0x1002..0x1006].copy_from_slice(&0x1050_0073u32.to_le_bytes());
    let mut h = hart_with(&prog, |b| b);
    run_to_wfi(&mut h, 10_000);
    assert_eq!(h.x[10], 42);
    assert_eq!(h.stats.instret, 0x7ff + 1 + 1);
}

#[test]
fn code_written_by_other_hart_is_redecoded_via_epoch() {
    // Hart A runs `addi a0, a0, 1; wfi` at BASE; hart B, sharing RAM,
    // patches it to `addi a0, a0, 5`; A must see the new code.
    let mut a = hart(|a| {
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 10,
            imm: 1,
        });
        a.emit(Inst::Wfi);
    });
    run_to_wfi(&mut a, 100);
    let patched = rvisor_isa::encode::encode(&Inst::Addi {
        rd: 10,
        rs1: 10,
        imm: 5,
    })
    .expect("encodes");
    let mut p = Asm::new();
    p.li(5, BASE);
    p.li(6, u64::from(patched));
    p.emit(Inst::Sw {
        rs1: 5,
        rs2: 6,
        imm: 0,
    });
    p.emit(Inst::Wfi);
    assert!(a.ram.write_bytes(0x4000, &p.finish().expect("assembles")));
    let mut b = rvisor_cpu::Hart::new(
        rvisor_cpu::HartConfig::machine(1, BASE + 0x4000),
        a.bus.clone(),
        rvisor_cpu::HartSignals::new(),
        rvisor_memory::TimerQueue::new(rvisor_memory::Clock::new()),
    );
    run_to_wfi(&mut b, 100);
    a.pc = BASE;
    run_to_wfi(&mut a, 100);
    assert_eq!(a.x[10], 6);
}

#[test]
fn step_executes_exactly_one_instruction() {
    let mut h = hart(|a| {
        a.emit(Inst::Addi {
            rd: 10,
            rs1: 0,
            imm: 1,
        });
        a.emit(Inst::Addi {
            rd: 11,
            rs1: 0,
            imm: 2,
        });
        a.emit(Inst::Wfi);
    });
    assert_eq!(h.step(), None);
    assert_eq!((h.x[10], h.x[11], h.pc), (1, 0, BASE + 4));
    assert_eq!(h.stats.instret, 1);
}

#[test]
fn split_store_past_ram_end_traps_without_partial_write() {
    let mut h = hart(|a| {
        a.li(5, BASE + 0xf_fffc); // 4 bytes in RAM, 4 beyond its end
        a.li(6, u64::MAX);
        a.emit(Inst::Sd {
            rs1: 5,
            rs2: 6,
            imm: 0,
        });
        a.emit(Inst::Wfi);
    });
    let t = common::step_to_trap(&mut h, 10);
    assert_eq!(t.trap.cause, Exception::StoreMisaligned);
    assert_eq!(t.trap.tval, BASE + 0xf_fffc);
    assert_eq!(h.ram.load_u32(0xf_fffc), Some(0));
}
