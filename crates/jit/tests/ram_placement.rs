//! Where guest RAM sits in the host's address space. Translated M-mode
//! code reaches RAM at its guest-physical address plus a displacement when
//! RAM is mapped at that address (`GuestRam::new` asks for it), and through
//! a distance it loads otherwise. A translator that ran a hart with RAM in
//! one place and then runs one with RAM in another must not use the first
//! one's code (the address is baked in; a hart's flush token starts the
//! cache over). A test binary of its own: in a fresh process nothing else
//! holds RAM's guest address.

use std::sync::Arc;

use rvisor_cpu::{Exit, Hart, HartConfig, HartSignals};
use rvisor_isa::{Asm, Inst};
use rvisor_jit::{Jit, Policy};
use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

const RAM_BASE: u64 = 0x8000_0000;
const RAM_SIZE: u64 = 1 << 20;
const CODE: u64 = RAM_BASE + 0x1000;
const DATA: u64 = RAM_BASE + 0x8_0000;

/// Fills 64 words at DATA with a running value (word, byte and halfword
/// stores, x0 stored too), reads them back with every load width into a
/// checksum in a0, then `wfi`.
fn program() -> Vec<u8> {
    use Inst::*;
    let mut a = Asm::new();
    a.li(8, DATA); // s0: the array
    a.li(9, 64); // s1: count
    a.li(10, 0); // a0: checksum
    a.li(11, 0x1234_5678_9abc_def1); // a1: running value
    let fill = a.label();
    a.bind(fill);
    a.emit(Sd {
        rs1: 8,
        rs2: 11,
        imm: 0,
    });
    a.emit(Sb {
        rs1: 8,
        rs2: 0,
        imm: 3,
    });
    a.emit(Sh {
        rs1: 8,
        rs2: 11,
        imm: 4,
    });
    a.emit(Slli {
        rd: 12,
        rs1: 11,
        shamt: 7,
    });
    a.emit(Xor {
        rd: 11,
        rs1: 11,
        rs2: 12,
    });
    a.emit(Addi {
        rd: 8,
        rs1: 8,
        imm: 8,
    });
    a.emit(Addi {
        rd: 9,
        rs1: 9,
        imm: -1,
    });
    a.bne(9, 0, fill);
    a.li(8, DATA);
    a.li(9, 64);
    let sum = a.label();
    a.bind(sum);
    for (k, inst) in [
        Ld {
            rd: 12,
            rs1: 8,
            imm: 0,
        },
        Lw {
            rd: 13,
            rs1: 8,
            imm: 4,
        },
        Lhu {
            rd: 14,
            rs1: 8,
            imm: 2,
        },
        Lb {
            rd: 15,
            rs1: 8,
            imm: 7,
        },
    ]
    .into_iter()
    .enumerate()
    {
        a.emit(inst);
        a.emit(Slli {
            rd: 10,
            rs1: 10,
            shamt: 3 + k as u8,
        });
        a.emit(Add {
            rd: 10,
            rs1: 10,
            rs2: 12 + k as u8,
        });
    }
    a.emit(Addi {
        rd: 8,
        rs1: 8,
        imm: 8,
    });
    a.emit(Addi {
        rd: 9,
        rs1: 9,
        imm: -1,
    });
    a.bne(9, 0, sum);
    a.emit(Wfi);
    a.finish().expect("program assembles")
}

fn machine(code: &[u8]) -> Hart {
    let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).expect("RAM"));
    assert!(ram.write_bytes(CODE - RAM_BASE, code));
    let bus = Arc::new(BusBuilder::new(ram).build());
    Hart::new(
        HartConfig::machine(0, CODE),
        bus,
        HartSignals::new(),
        TimerQueue::new(Clock::new()),
    )
}

fn run_to_wfi(h: &mut Hart, mut step: impl FnMut(&mut Hart) -> Exit) {
    while h.stats.instret < 1_000_000 {
        match step(h) {
            Exit::Budget => {}
            Exit::Wfi => return,
            e => panic!("unexpected exit {e:?}"),
        }
    }
    panic!("the program did not reach its wfi");
}

/// What the program leaves: its registers and its array.
fn outcome(h: &Hart) -> (Vec<u64>, Vec<u8>) {
    let mut data = vec![0u8; 64 * 8];
    assert!(h.ram.read_bytes(DATA - RAM_BASE, &mut data));
    (h.x.to_vec(), data)
}

#[test]
fn m_mode_code_agrees_with_the_interpreter_wherever_ram_is_mapped() {
    let code = program();
    let mut reference = machine(&code);
    run_to_wfi(&mut reference, |h| h.run(1 << 20));
    let expected = outcome(&reference);
    drop(reference);

    let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    let mut first = machine(&code);
    assert_eq!(
        first.ram.host_base() as u64,
        RAM_BASE,
        "in a fresh process RAM is mapped at its guest-physical address"
    );
    run_to_wfi(&mut first, |h| jit.run(h, 1 << 20));
    assert_eq!(outcome(&first), expected, "RAM at its guest address");
    assert!(jit.stats.blocks_translated > 0, "nothing was translated");

    // The first machine keeps its RAM: the second's is elsewhere, and the
    // translator that made code for the first runs it.
    let mut second = machine(&code);
    assert_ne!(second.ram.host_base() as u64, RAM_BASE);
    run_to_wfi(&mut second, |h| jit.run(h, 1 << 20));
    assert_eq!(outcome(&second), expected, "RAM elsewhere, same translator");
    assert_eq!(
        outcome(&first),
        expected,
        "the second machine's run left the first one's RAM alone"
    );
}
