//! Differential test: random programs run on the interpreter (the
//! reference) and on the translator (every block translated, and the
//! hot-threshold policy), and the full architectural state is compared.
//!
//! Programs mix RV64IM ALU operations, lui/auipc, forward branches, counted
//! loops (chaining), jal/jalr, loads and stores near a page boundary
//! (misaligned and page-crossing), random compressed instructions, CSR
//! reads of `minstret` (instret precision mid-block), instructions the
//! translator leaves to the interpreter (CSR, AMO, FP), and faulting
//! accesses; a trap handler skips the faulting instruction, so traps happen
//! in the middle of translated blocks. Every failure names its seed.

use std::sync::Arc;

use rvisor_cpu::{Exit, Hart, HartConfig, HartSignals};
use rvisor_isa::{decode_compressed, Asm, BitOp, Inst, RoundingMode};
use rvisor_jit::{Compiler, Jit, Library, Policy};
use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

const RAM_BASE: u64 = 0x8000_0000;
const RAM_SIZE: u64 = 1 << 20;
const HANDLER: u64 = RAM_BASE;
const CODE: u64 = RAM_BASE + 0x1000;
/// Two data pages; the base registers point near the boundary between them.
const DATA: u64 = RAM_BASE + 0x8_0000;
const DATA_LEN: usize = 0x2000;

/// Registers the random code must not write: the handler's scratch (t0-t2),
/// the data base pointers (s0, s1) and the loop counter (t6).
const RESERVED: [u8; 6] = [5, 6, 7, 8, 9, 31];

/// The registers of [`program_few_regs`]: more than the translator caches
/// in host registers in one block, so blocks mix cached and uncached
/// registers, and with x0 and the loop counter.
const FEW_REGS: [u8; 11] = [0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 31];

struct Rng(u64, &'static [u8]);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed, &[])
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A register: any, or one of the pool if there is one.
    fn reg(&mut self) -> u8 {
        match self.1.len() {
            0 => self.below(32) as u8,
            n => self.1[self.below(n as u64) as usize],
        }
    }
    fn rd(&mut self) -> u8 {
        loop {
            let r = self.reg();
            if !RESERVED.contains(&r) {
                return r;
            }
        }
    }
    fn imm12(&mut self) -> i32 {
        self.below(4096) as i32 - 2048
    }
}

/// The destination register of the instructions the generator accepts
/// from random compressed encodings (None: reject the encoding).
fn compressed_ok(inst: &Inst) -> bool {
    use Inst::*;
    let rd = match *inst {
        Addi { rd, .. }
        | Addiw { rd, .. }
        | Lui { rd, .. }
        | Slli { rd, .. }
        | Srli { rd, .. }
        | Srai { rd, .. }
        | Andi { rd, .. }
        | Add { rd, .. }
        | Sub { rd, .. }
        | Xor { rd, .. }
        | Or { rd, .. }
        | And { rd, .. }
        | Addw { rd, .. }
        | Subw { rd, .. }
        | Lw { rd, rs1: 8 | 9, .. }
        | Ld { rd, rs1: 8 | 9, .. } => rd,
        // Stores only through the data pointers: a store into the code
        // could write an endless loop.
        Sw { rs1: 8 | 9, .. } | Sd { rs1: 8 | 9, .. } => 0,
        _ => return false,
    };
    !RESERVED.contains(&rd)
}

fn alu(rng: &mut Rng) -> Inst {
    use Inst::*;
    if !rng.1.is_empty() && rng.below(4) == 0 {
        return idiom(rng);
    }
    let (rd, rs1, rs2) = (rng.rd(), rng.reg(), rng.reg());
    let imm = rng.imm12();
    let sh = rng.below(64) as u8;
    let shw = rng.below(32) as u8;
    match rng.below(43) {
        0 => Add { rd, rs1, rs2 },
        1 => Sub { rd, rs1, rs2 },
        2 => Sll { rd, rs1, rs2 },
        3 => Slt { rd, rs1, rs2 },
        4 => Sltu { rd, rs1, rs2 },
        5 => Xor { rd, rs1, rs2 },
        6 => Srl { rd, rs1, rs2 },
        7 => Sra { rd, rs1, rs2 },
        8 => Or { rd, rs1, rs2 },
        9 => And { rd, rs1, rs2 },
        10 => Addw { rd, rs1, rs2 },
        11 => Subw { rd, rs1, rs2 },
        12 => Sllw { rd, rs1, rs2 },
        13 => Srlw { rd, rs1, rs2 },
        14 => Sraw { rd, rs1, rs2 },
        15 => Mul { rd, rs1, rs2 },
        16 => Mulh { rd, rs1, rs2 },
        17 => Mulhsu { rd, rs1, rs2 },
        18 => Mulhu { rd, rs1, rs2 },
        19 => Div { rd, rs1, rs2 },
        20 => Divu { rd, rs1, rs2 },
        21 => Rem { rd, rs1, rs2 },
        22 => Remu { rd, rs1, rs2 },
        23 => Mulw { rd, rs1, rs2 },
        24 => Divw { rd, rs1, rs2 },
        25 => Divuw { rd, rs1, rs2 },
        26 => Remw { rd, rs1, rs2 },
        27 => Remuw { rd, rs1, rs2 },
        28 => Addi { rd, rs1, imm },
        29 => Slti { rd, rs1, imm },
        30 => Sltiu { rd, rs1, imm },
        31 => Xori { rd, rs1, imm },
        32 => Ori { rd, rs1, imm },
        33 => Andi { rd, rs1, imm },
        34 => Slli { rd, rs1, shamt: sh },
        35 => Srai { rd, rs1, shamt: sh },
        36 => Addiw { rd, rs1, imm },
        37 => Sraiw {
            rd,
            rs1,
            shamt: shw,
        },
        38 => Lui {
            rd,
            imm: (rng.next() as i32) & !0xfff,
        },
        // Shift amount 0 included: `srliw` by 0 is a sign extension.
        39 => Srli { rd, rs1, shamt: sh },
        40 => Srliw {
            rd,
            rs1,
            shamt: shw,
        },
        41 => Slliw {
            rd,
            rs1,
            shamt: shw,
        },
        _ if rng.below(2) == 0 => Auipc {
            rd,
            imm: (rng.next() as i32) & !0xfff,
        },
        _ => bit(rng, rd, rs1, rs2),
    }
}

/// A Zba/Zbb/Zbc/Zbs instruction (`rs2` a register, an immediate or 0 by its
/// form).
fn bit(rng: &mut Rng, rd: u8, rs1: u8, rs2: u8) -> Inst {
    use rvisor_isa::bitmanip::{Form, TABLE};
    let op = TABLE[rng.below(TABLE.len() as u64) as usize].0;
    let rs2 = match op.form() {
        Form::Reg => rs2,
        Form::Imm6 => rng.below(64) as u8,
        Form::Imm5 => rng.below(32) as u8,
        Form::Unary => 0,
    };
    Inst::Bit { op, rd, rs1, rs2 }
}

/// The pseudo-instructions compilers emit, often in place (rd = rs):
/// the translator has shortcuts for several.
fn idiom(rng: &mut Rng) -> Inst {
    use Inst::*;
    let rd = rng.rd();
    let rs = if rng.below(2) == 0 { rd } else { rng.reg() };
    match rng.below(9) {
        0 => Subw {
            rd,
            rs1: 0,
            rs2: rs,
        },
        1 => Sub {
            rd,
            rs1: 0,
            rs2: rs,
        },
        2 => Addiw {
            rd,
            rs1: rs,
            imm: 0,
        },
        3 => Xori {
            rd,
            rs1: rs,
            imm: -1,
        },
        4 => Addi {
            rd,
            rs1: rs,
            imm: 0,
        },
        5 => Sltiu {
            rd,
            rs1: rs,
            imm: 1,
        },
        6 => Sltu {
            rd,
            rs1: 0,
            rs2: rs,
        },
        7 => Addw {
            rd,
            rs1: rng.reg(),
            rs2: rd,
        },
        _ => Mulw {
            rd,
            rs1: rng.reg(),
            rs2: rd,
        },
    }
}

fn mem(rng: &mut Rng) -> Inst {
    use Inst::*;
    // Mostly the data bases (s0 points 8 bytes below the page boundary, s1
    // 3 bytes above); sometimes x0 (an access fault: no RAM there).
    let rs1 = match rng.below(8) {
        0 => 0,
        1..=4 => 8,
        _ => 9,
    };
    let imm = rng.below(32) as i32 - 16;
    let (rd, rs2) = (rng.rd(), rng.reg());
    match rng.below(11) {
        0 => Lb { rd, rs1, imm },
        1 => Lh { rd, rs1, imm },
        2 => Lw { rd, rs1, imm },
        3 => Ld { rd, rs1, imm },
        4 => Lbu { rd, rs1, imm },
        5 => Lhu { rd, rs1, imm },
        6 => Lwu { rd, rs1, imm },
        7 => Sb { rs1, rs2, imm },
        8 => Sh { rs1, rs2, imm },
        9 => Sw { rs1, rs2, imm },
        _ => Sd { rs1, rs2, imm },
    }
}

/// Instructions the translator leaves to the interpreter (or that trap).
fn other(rng: &mut Rng) -> Inst {
    use Inst::*;
    let rd = rng.rd();
    match rng.below(10) {
        // Run by the translator through the interpreter's semantics: a
        // lone hart's `fence.i` goes on in translated code, an SMP one
        // and `sfence.vma` end the block after them.
        8 => FenceI,
        9 => SfenceVma {
            rs1: rng.reg(),
            rs2: [0, rng.reg()][rng.below(2) as usize],
        },
        // minstret: instret must be exact in the middle of a block.
        0 => Csrrs {
            rd,
            rs1: 0,
            csr: 0xb02,
        },
        1 => Csrrw {
            rd,
            rs1: rng.reg(),
            csr: 0x340,
        },
        // AMOs: in line (add, swap; and/or/xor into x0) or not; x9 is
        // misaligned (a trap).
        2 => {
            let (rs1, rs2) = ([8, 8, 8, 9][rng.below(4) as usize], rng.reg());
            let rd = [rd, rd, 0][rng.below(3) as usize];
            match rng.below(9) {
                0 => AmoaddD {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 0,
                },
                1 => AmoaddW {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 0,
                },
                2 => AmoswapD {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 3,
                },
                3 => AmoswapW {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 2,
                },
                4 => AmoorD {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 0,
                },
                5 => AmoandW {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 0,
                },
                6 => AmoxorD {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 0,
                },
                7 => AmomaxuW {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 0,
                },
                _ => AmoorW {
                    rd,
                    rs1,
                    rs2,
                    aqrl: 1,
                },
            }
        }
        // Odd seeds have FP off (mstatus.FS = 0): illegal instruction.
        3..=6 => fp(rng),
        _ => Ebreak,
    }
}

/// A rounding mode: mostly DYN (`frm`, itself sometimes reserved) and the
/// static ones. The reserved encodings are [`emit_fp`]'s.
fn rm(rng: &mut Rng) -> RoundingMode {
    use RoundingMode::*;
    [Dyn, Dyn, Dyn, Rne, Rtz, Rdn, Rup, Rmm][rng.below(8) as usize]
}

/// An [`fp`] instruction; now and then one with a rounding-mode field
/// rewritten to a reserved encoding (5, 6: illegal instruction), which
/// the assembler refuses to produce.
fn emit_fp(a: &mut Asm, rng: &mut Rng) {
    let inst = fp(rng);
    let has_rm = format!("{inst:?}").contains("rm:");
    if has_rm && rng.below(8) == 0 {
        let w = rvisor_isa::encode(&inst).expect("fp encodes");
        a.word((w & !(7 << 12)) | (5 + rng.below(2) as u32) << 12);
    } else {
        a.emit(inst);
    }
}

/// An F/D instruction: the ones with direct helpers and a few left to the
/// interpreter's semantics (`fcvt.w.d`, `fmin`, `fclass`, `fcvt.s.d`).
fn fp(rng: &mut Rng) -> Inst {
    use Inst::*;
    let (rd, rs1, rs2, rs3) = (rng.reg(), rng.reg(), rng.reg(), rng.reg());
    let xd = rng.rd();
    let (mrs1, imm) = (8, rng.below(32) as i32 - 16);
    match rng.below(40) {
        0 => FaddD {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        1 => FsubD {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        2 => FmulD {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        3 => FdivD {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        4 => FaddS {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        5 => FsubS {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        6 => FmulS {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        7 => FdivS {
            rd,
            rs1,
            rs2,
            rm: rm(rng),
        },
        8 => FsqrtD {
            rd,
            rs1,
            rm: rm(rng),
        },
        9 => FsqrtS {
            rd,
            rs1,
            rm: rm(rng),
        },
        10 => FmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm: rm(rng),
        },
        11 => FmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm: rm(rng),
        },
        12 => FnmsubD {
            rd,
            rs1,
            rs2,
            rs3,
            rm: rm(rng),
        },
        13 if rng.below(2) == 0 => FnmaddS {
            rd,
            rs1,
            rs2,
            rs3,
            rm: rm(rng),
        },
        13 => FnmaddD {
            rd,
            rs1,
            rs2,
            rs3,
            rm: rm(rng),
        },
        14 => FmsubS {
            rd,
            rs1,
            rs2,
            rs3,
            rm: rm(rng),
        },
        15 => FsgnjD { rd, rs1, rs2 },
        16 => FsgnjnD { rd, rs1, rs2 },
        17 => FsgnjxS { rd, rs1, rs2 },
        18 => FsgnjS { rd, rs1, rs2 },
        19 => FeqD { rd: xd, rs1, rs2 },
        20 => FltD { rd: xd, rs1, rs2 },
        21 => FleS { rd: xd, rs1, rs2 },
        22 => FltS { rd: xd, rs1, rs2 },
        23 => FcvtDW {
            rd,
            rs1: rng.reg(),
            rm: rm(rng),
        },
        24 => FcvtDLu {
            rd,
            rs1: rng.reg(),
            rm: rm(rng),
        },
        25 => FcvtSL {
            rd,
            rs1: rng.reg(),
            rm: rm(rng),
        },
        26 => FcvtSWu {
            rd,
            rs1: rng.reg(),
            rm: rm(rng),
        },
        27 => FmvDX { rd, rs1: rng.reg() },
        28 => FmvXD { rd: xd, rs1 },
        29 => Fld { rd, rs1: mrs1, imm },
        30 => Flw { rd, rs1: mrs1, imm },
        31 => Fsd {
            rs1: mrs1,
            rs2,
            imm,
        },
        32 => Fsw {
            rs1: mrs1,
            rs2,
            imm,
        },
        // Fault: no RAM at x0 + imm.
        33 => Fld { rd, rs1: 0, imm },
        34 => FcvtWD {
            rd: xd,
            rs1,
            rm: rm(rng),
        },
        35 => FminD { rd, rs1, rs2 },
        36 => FclassS { rd: xd, rs1 },
        37 => FcvtSD {
            rd,
            rs1,
            rm: rm(rng),
        },
        38 => FmvXW { rd: xd, rs1 },
        _ => FmvWX { rd, rs1: rng.reg() },
    }
}

/// A random program ending in `wfi`.
fn program(seed: u64) -> Vec<u8> {
    program_from(Rng::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1))
}

/// A random program whose instructions use only [`FEW_REGS`] (besides the
/// fixed ones: data bases, jalr targets): each register is read and
/// written many times in a block, as the register cache needs to be
/// exercised (rd = rs, x0 operands, helper calls and slow paths between
/// a register's uses, traps inside loops that keep registers in host
/// registers).
fn program_few_regs(seed: u64) -> Vec<u8> {
    program_from(Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS))
}

fn program_from(mut rng: Rng) -> Vec<u8> {
    let mut a = Asm::new();
    let n = 40 + rng.below(200);
    let mut i = 0;
    while i < n {
        i += 1;
        match rng.below(100) {
            0..=39 => a.emit(alu(&mut rng)),
            40..=59 => a.emit(mem(&mut rng)),
            60..=69 => loop {
                let h = rng.next() as u16;
                if h & 3 == 3 {
                    continue;
                }
                let inst = decode_compressed(h);
                if compressed_ok(&inst) {
                    a.half(h);
                    break;
                }
            },
            70..=72 => a.emit(other(&mut rng)),
            73 | 74 => emit_fp(&mut a, &mut rng),
            75..=82 => {
                // A forward branch over a few instructions.
                let skip = a.label();
                let (rs1, rs2) = (rng.reg(), rng.reg());
                match rng.below(6) {
                    0 => a.beq(rs1, rs2, skip),
                    1 => a.bne(rs1, rs2, skip),
                    2 => a.blt(rs1, rs2, skip),
                    3 => a.bge(rs1, rs2, skip),
                    4 => a.bltu(rs1, rs2, skip),
                    _ => a.bgeu(rs1, rs2, skip),
                }
                for _ in 0..rng.below(4) {
                    a.emit(alu(&mut rng));
                }
                a.bind(skip);
            }
            83..=86 => {
                // A counted loop (chained blocks, budget checks).
                let top = a.label();
                a.li(31, 1 + rng.below(20));
                a.bind(top);
                for _ in 0..1 + rng.below(6) {
                    match rng.below(6) {
                        0 | 1 => a.emit(mem(&mut rng)),
                        3 => emit_fp(&mut a, &mut rng),
                        // An indirect jump inside the loop (jump cache).
                        2 => {
                            let t = 10 + rng.below(5) as u8;
                            a.emit(Inst::Auipc { rd: t, imm: 0 });
                            a.emit(Inst::Jalr {
                                rd: rng.rd(),
                                rs1: t,
                                imm: 12,
                            });
                            a.emit(alu(&mut rng));
                        }
                        _ => a.emit(alu(&mut rng)),
                    }
                }
                a.emit(Inst::Addi {
                    rd: 31,
                    rs1: 31,
                    imm: -1,
                });
                a.bne(31, 0, top);
            }
            87..=90 => {
                let over = a.label();
                a.jal(rng.rd(), over);
                a.emit(alu(&mut rng));
                a.bind(over);
            }
            91..=93 => {
                // jalr to 12 bytes past an auipc (skips one instruction).
                let t = 10 + rng.below(5) as u8;
                a.emit(Inst::Auipc { rd: t, imm: 0 });
                a.emit(Inst::Jalr {
                    rd: rng.rd(),
                    rs1: t,
                    imm: 12,
                });
                a.emit(alu(&mut rng));
            }
            _ => {
                // Pad to a page boundary now and then so blocks end there
                // and instructions straddle it.
                if rng.below(2) == 0 {
                    a.half(0x0001); // c.nop
                }
                a.emit(alu(&mut rng));
            }
        }
    }
    a.emit(Inst::Wfi);
    a.finish().expect("program assembles")
}

/// mtvec handler: skip the trapping instruction (2 or 4 bytes) and return.
fn handler() -> Vec<u8> {
    use Inst::*;
    let mut a = Asm::new();
    let short = a.label();
    a.emit(Csrrs {
        rd: 5,
        rs1: 0,
        csr: 0x341,
    });
    a.emit(Lhu {
        rd: 6,
        rs1: 5,
        imm: 0,
    });
    a.emit(Andi {
        rd: 6,
        rs1: 6,
        imm: 3,
    });
    a.emit(Addi {
        rd: 7,
        rs1: 0,
        imm: 3,
    });
    a.emit(Addi {
        rd: 5,
        rs1: 5,
        imm: 2,
    });
    a.bne(6, 7, short);
    a.emit(Addi {
        rd: 5,
        rs1: 5,
        imm: 2,
    });
    a.bind(short);
    a.emit(Csrrw {
        rd: 0,
        rs1: 5,
        csr: 0x341,
    });
    a.emit(Mret);
    a.finish().expect("handler assembles")
}

fn machine(code: &[u8], seed: u64) -> Hart {
    let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).expect("RAM"));
    assert!(ram.write_bytes(HANDLER - RAM_BASE, &handler()));
    assert!(ram.write_bytes(CODE - RAM_BASE, code));
    let mut rng = Rng::new(seed ^ 0x5555_aaaa_1234_5678 | 1);
    let data: Vec<u8> = (0..DATA_LEN).map(|_| rng.next() as u8).collect();
    assert!(ram.write_bytes(DATA - RAM_BASE, &data));
    let bus = Arc::new(BusBuilder::new(ram).build());
    let timers = TimerQueue::new(Clock::new());
    let mut h = Hart::new(
        HartConfig::machine(0, CODE),
        bus,
        HartSignals::new(),
        timers,
    );
    h.csr.mtvec = HANDLER;
    // One seed in three runs as a lone hart (a first flag then logs no
    // page for other harts); store tracking must see every store to code
    // either way.
    h.config.smp = !seed.is_multiple_of(3);

    if seed.is_multiple_of(2) {
        // FP on (mstatus.FS = Initial): F/D instructions execute.
        h.csr.mstatus |= 1 << 13;
    }
    for r in 1..32 {
        h.x[r] = match rng.below(6) {
            0 => rng.below(16),
            // Division corner cases: -1 and the most negative values.
            4 => [u64::MAX, 1 << 63, 0xffff_ffff, 0xffff_ffff_8000_0000][rng.below(4) as usize],
            1 => (rng.next() as i64 >> 40) as u64,
            _ => rng.next(),
        };
    }
    h.x[8] = DATA + 0x1000 - 8;
    h.x[9] = DATA + 0x1000 + 3;
    // f registers: boxed and unboxed binary32, binary64 values, NaNs and
    // infinities; `frm` sometimes reserved (DYN ops then trap).
    for r in 0..32 {
        h.f[r] = match rng.below(11) {
            // [0.5, 2) with a full significand: inexact products.
            10 => 0x3fe0_0000_0000_0000 + rng.below(1 << 53),
            // Small dyadic values: exact sums and products.
            6 | 7 => ((rng.below(256) as f64 - 128.0) / 4.0).to_bits(),
            // 27-bit significands: products just below and above 53 bits.
            8 => ((rng.below(1 << 27) | 1 << 26) as f64).to_bits() | rng.below(2) << 63,
            // Subnormals and the smallest normals (results near underflow).
            9 => rng.below(0x0030_0000_0000_0000) | rng.below(2) << 63,
            0 => 0xffff_ffff_0000_0000 | (rng.next() & 0xffff_ffff),
            1 => 0xffff_ffff_0000_0000 | u64::from((rng.below(2000) as f32 - 1000.0).to_bits()),
            2 => (rng.below(2000) as f64 / 7.0 - 100.0).to_bits(),
            3 => [
                0x7ff8_0000_0000_0000,
                0x7ff0_0000_0000_0001,
                f64::INFINITY.to_bits(),
                1 << 63,
            ][rng.below(4) as usize],
            _ => rng.next(),
        };
    }
    h.csr.frm = [0, 0, 0, 1, 2, 3, 4, 5, 7][rng.below(9) as usize];
    h
}

#[derive(Debug, PartialEq, Eq)]
struct State {
    x: [u64; 32],
    f: [u64; 32],
    fflags: u8,
    pc: u64,
    instret: u64,
    mepc: u64,
    mcause: u64,
    mtval: u64,
    mstatus: u64,
    mscratch: u64,
    exceptions: [u64; 24],
    data: Vec<u8>,
}

fn state(h: &Hart) -> State {
    let mut data = vec![0; DATA_LEN];
    assert!(h.ram.read_bytes(DATA - RAM_BASE, &mut data));
    State {
        x: h.x,
        f: h.f,
        fflags: h.csr.fflags,
        pc: h.pc,
        instret: h.stats.instret,
        mepc: h.csr.mepc,
        mcause: h.csr.mcause,
        mtval: h.csr.mtval,
        mstatus: h.csr.mstatus,
        mscratch: h.csr.mscratch,
        exceptions: h.stats.exceptions,
        data,
    }
}

/// Run to the final `wfi` with `step` (one call of an engine's `run`).
fn run_to_wfi(h: &mut Hart, mut step: impl FnMut(&mut Hart) -> Exit, seed: u64) {
    while h.stats.instret < 1_000_000 {
        match step(h) {
            Exit::Budget => {}
            Exit::Wfi => return,
            e => panic!("seed {seed}: unexpected exit {e:?}"),
        }
    }
    panic!("seed {seed}: program did not reach its wfi");
}

/// `x31 -= 1; bnez x31, top`: the end of the tests' counted loops.
fn count_down(a: &mut Asm, top: rvisor_isa::Label) {
    a.emit(Inst::Addi {
        rd: 31,
        rs1: 31,
        imm: -1,
    });
    a.bne(31, 0, top);
}

/// [`check_code`] for seeds 1..24, translating everything and hot code,
/// and under a budget of `small` instructions that stops it anywhere.
fn check_under_every_policy(code: &[u8], small: u64) {
    for seed in 1..24 {
        check_code(code, seed, Policy::Always, 1 << 20);
        check_code(code, seed, Policy::Hot(2), 1 << 20);
        check_code(code, seed, Policy::Always, small);
    }
}

fn check_seed(seed: u64, policy: Policy, budget: u64) {
    check_code(&program(seed), seed, policy, budget);
}

/// An FP-heavy program: mostly `fadd.d`/`fsub.d`/`fmul.d` under RNE or DYN
/// (the inline templates, exact and inexact, near underflow) among the
/// other F/D instructions, ending in `wfi`.
fn fp_program(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
    let mut a = Asm::new();
    for _ in 0..50 + rng.below(100) {
        // Results go to f16-f31 so that f0-f15 mostly keep their
        // initial, crafted values.
        let (rd, rs1, rs2) = (16 + rng.below(16) as u8, rng.reg(), rng.reg());
        let rm = [RoundingMode::Rne, RoundingMode::Dyn][rng.below(2) as usize];
        match rng.below(10) {
            0..=1 => a.emit(FaddD { rd, rs1, rs2, rm }),
            2..=3 => a.emit(FsubD { rd, rs1, rs2, rm }),
            4..=5 => a.emit(FmulD { rd, rs1, rs2, rm }),
            _ => emit_fp(&mut a, &mut rng),
        }
        // fflags is sticky: move it to an x register and clear it now and
        // then, so that each instruction's flags are compared.
        if rng.below(2) == 0 {
            a.emit(Csrrw {
                rd: rng.rd(),
                rs1: 0,
                csr: 0x001,
            });
        }
    }
    a.emit(Wfi);
    a.finish().expect("program assembles")
}

/// Registers an [`fp_loop_program`] draws (x and f alike).
const FP_LOOP_REGS: [u8; 6] = [10, 11, 16, 17, 18, 19];

/// Counted loops of F/D instructions over a few f registers, so that
/// each is used many times in a translation and kept in an xmm register:
/// doubles (the cache-aware templates) mixed with singles and helpers'
/// instructions on the same registers, stores and loads of them, and now
/// and then an access that faults or a CSR write in the loop.
fn fp_loop_program(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FP_LOOP_REGS);
    let mut a = Asm::new();
    for _ in 0..1 + rng.below(3) {
        let top = a.label();
        a.li(31, 1 + rng.below(12));
        a.bind(top);
        for _ in 0..4 + rng.below(16) {
            let (rd, rs1, rs2) = (rng.reg(), rng.reg(), rng.reg());
            let rm = [RoundingMode::Rne, RoundingMode::Dyn][rng.below(2) as usize];
            match rng.below(24) {
                0..=2 => a.emit(FaddD { rd, rs1, rs2, rm }),
                3 | 4 => a.emit(FsubD { rd, rs1, rs2, rm }),
                5..=7 => a.emit(FmulD { rd, rs1, rs2, rm }),
                8 => a.emit(FdivD { rd, rs1, rs2, rm }),
                9 => a.emit(FsgnjD { rd, rs1, rs2: rs1 }),
                10 => a.emit(FsgnjnD { rd, rs1, rs2: rs1 }),
                11 => a.emit(FsgnjxD { rd, rs1, rs2: rs1 }),
                12 => a.emit(FleD {
                    rd: rng.rd(),
                    rs1,
                    rs2,
                }),
                13 => a.emit(Fsd {
                    rs1: 8,
                    rs2,
                    imm: 8 * rng.below(4) as i32,
                }),
                14 => a.emit(Fld {
                    rd,
                    rs1: 8,
                    imm: 8 * rng.below(4) as i32,
                }),
                15 => a.emit(FcvtDW {
                    rd,
                    rs1: rng.reg(),
                    rm: RoundingMode::Rne,
                }),
                16 => a.emit(FcvtLD {
                    rd: rng.rd(),
                    rs1,
                    rm: RoundingMode::Rtz,
                }),
                // Fault (no RAM at x0 + 16): the handler skips it.
                17 if rng.below(4) == 0 => a.emit(Fld {
                    rd,
                    rs1: 0,
                    imm: 16,
                }),
                18 if rng.below(4) == 0 => a.emit(Csrrw {
                    rd: rng.rd(),
                    rs1: 0,
                    csr: 0x001,
                }),
                _ => emit_fp(&mut a, &mut rng),
            }
        }
        count_down(&mut a, top);
    }
    a.emit(Wfi);
    a.finish().expect("program assembles")
}

fn check_code(code: &[u8], seed: u64, policy: Policy, budget: u64) {
    let jit = Jit::new(policy, 1 << 20).expect("code cache");
    check_code_with(code, seed, policy, budget, jit);
}

/// [`check_code`] with the translator `jit`, which is returned.
fn check_code_with(code: &[u8], seed: u64, policy: Policy, budget: u64, jit: Jit) -> Jit {
    check_code_stepping(code, seed, policy, budget, jit, || {})
}

/// [`check_code_with`], calling `after` after each run of the translator.
fn check_code_stepping(
    code: &[u8],
    seed: u64,
    policy: Policy,
    budget: u64,
    mut jit: Jit,
    mut after: impl FnMut(),
) -> Jit {
    let code = code.to_vec();
    // One seed in four runs in S-mode (satp bare): loads and stores probe
    // the TLB rather than RAM's bounds (traps still go to M-mode's
    // handler, whose `mret` comes back to S).
    let machine = |code: &[u8], seed: u64| {
        let mut h = machine(code, seed);
        if seed % 4 == 1 {
            h.mmu.open_pmp_for_supervisor();
            h.prv = rvisor_cpu::PrivilegeMode::Supervisor;
        }
        h
    };
    let mut reference = machine(&code, seed);
    run_to_wfi(&mut reference, |h| h.run(budget), seed);
    let mut translated = machine(&code, seed);
    run_to_wfi(
        &mut translated,
        |h| {
            let exit = jit.run(h, budget);
            after();
            exit
        },
        seed,
    );
    let (r, t) = (state(&reference), state(&translated));
    if r != t {
        for i in 0..32 {
            if r.x[i] != t.x[i] {
                eprintln!("x{i}: interp {:#x} jit {:#x}", r.x[i], t.x[i]);
            }
            if r.f[i] != t.f[i] {
                eprintln!("f{i}: interp {:#x} jit {:#x}", r.f[i], t.f[i]);
            }
        }
        for (i, (x, y)) in r.data.iter().zip(&t.data).enumerate() {
            if x != y {
                eprintln!("data[{i:#x}]: interp {x:#x} jit {y:#x}");
            }
        }
        if r.exceptions != t.exceptions || r.mscratch != t.mscratch {
            eprintln!(
                "exceptions, mscratch: interp {:?} {:#x} jit {:?} {:#x}",
                r.exceptions, r.mscratch, t.exceptions, t.mscratch
            );
        }
        if (r.fflags, r.mstatus) != (t.fflags, t.mstatus) {
            eprintln!(
                "fflags, mstatus: interp {:#x} {:#x} jit {:#x} {:#x}",
                r.fflags, r.mstatus, t.fflags, t.mstatus
            );
        }
        panic!(
            "seed {seed} ({policy:?}, budget {budget}): state differs\ninterp pc {:#x} instret {} mepc {:#x} mcause {} mtval {:#x}\njit    pc {:#x} instret {} mepc {:#x} mcause {} mtval {:#x}\njit stats {:?}",
            r.pc, r.instret, r.mepc, r.mcause, r.mtval, t.pc, t.instret, t.mepc, t.mcause, t.mtval, jit.stats
        );
    }
    if policy == Policy::Always {
        assert!(
            jit.stats.blocks_translated > 0,
            "seed {seed}: nothing was translated"
        );
    }
    jit
}

#[test]
fn random_programs_agree_with_the_interpreter_translating_everything() {
    for seed in 1..400 {
        check_seed(seed, Policy::Always, 1 << 20);
    }
}

/// A second hart's translator copies the translations the first one
/// published (into a code cache of its own, at other addresses) and runs
/// them: the copies agree with the interpreter. When the second hart runs
/// another program at the same addresses, only the code both share (the
/// trap handler) may be copied: the rest must be translated again.
#[test]
fn translations_copied_from_another_hart_agree_with_the_interpreter() {
    let (mut same, mut other) = (0, 0);
    for seed in 1..300 {
        let policy = [Policy::Always, Policy::Hot(2)][seed as usize % 2];
        for second in [seed, seed + 5000] {
            let library = Library::new(64 << 20);
            for (hart, s) in [seed, second].into_iter().enumerate() {
                let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
                jit.share(library.clone());
                let jit = check_code_with(&program(s), s, policy, 1 << 20, jit);
                match (hart, second == seed) {
                    // (Its own, once: a failed guess drops its page's
                    // code, and the rest of that page comes back from the
                    // library.)
                    (0, _) => assert!(
                        jit.stats.adopted == 0
                            || jit.stats.guesses_failed + jit.stats.divisor_guesses_failed > 0,
                        "seed {s}: nothing to copy yet, {} copied",
                        jit.stats.adopted
                    ),
                    (_, true) => same += jit.stats.adopted,
                    (_, false) => other += jit.stats.adopted,
                }
            }
        }
    }
    // How many are copied depends on the other tests running beside this
    // one: a translation of M-mode code is copied only to a hart whose RAM
    // the host placed where the first hart's was (its address is in the
    // code), and RAM goes at its guest address only when no other test's
    // RAM is there at the time. Alone 5,517 are copied, beside the rest of
    // the suite 844-1,780.
    assert!(same > 100, "only {same} translations copied");
    assert!(
        other > 0 && other < same / 4,
        "{other} copied of another program"
    );
}

/// Hot blocks translated by a compiler thread: with a thread that
/// delivers whenever it is done, and with results handed over after each
/// run of the translator (late, or never before the program ends), the
/// programs agree with the interpreter, under small budgets too.
#[test]
fn translations_made_by_a_compiler_thread_agree_with_the_interpreter() {
    let threaded = Compiler::spawn(1, || true).expect("a compiler thread");
    let manual = Compiler::manual();
    let mut beside = 0;
    for seed in 3000..3300 {
        let budget = if seed % 2 == 0 {
            1 << 20
        } else {
            1 + seed % 13
        };
        let mut jit = Jit::new(Policy::Hot(2), 1 << 20).expect("code cache");
        let code = program(seed);
        if seed % 3 == 0 {
            jit.compile_with(threaded.clone());
            jit = check_code_with(&code, seed, Policy::Hot(2), budget, jit);
        } else {
            jit.compile_with(manual.clone());
            let every = 1 + seed % 4;
            let mut runs = 0;
            jit = check_code_stepping(&code, seed, Policy::Hot(2), budget, jit, || {
                runs += 1;
                if runs % every == 0 {
                    manual.run_queued();
                }
            });
            manual.run_queued();
        }
        if seed % 3 != 0 {
            // (The thread's count depends on the host's load: it runs at
            // `SCHED_IDLE`, and the hart stops waiting for it.)
            beside += jit.stats.compiled_beside;
        }
    }
    assert!(beside > 500, "only {beside} translations made beside");
}

/// Code rewritten while its translation is being made: the compiler's
/// result, made from the old bytes, comes back after the store and must
/// not be used (on a lone hart and with SMP).
#[test]
fn a_translation_made_from_bytes_since_rewritten_is_not_used() {
    let (code, at) = rewritten_loop(2, true);
    for smp in [false, true] {
        let compiler = Compiler::manual();
        let mut jit = Jit::new(Policy::Hot(2), 1 << 20).expect("code cache");
        jit.compile_with(compiler.clone());
        let mut h = machine(&code, 3);
        h.config.smp = smp;
        // The loop turned hot in its first call and was sent.
        assert_eq!(jit.run(&mut h, 1 << 20), Exit::Wfi, "first wfi");
        let off = CODE - RAM_BASE + at;
        assert!(h.ram.store_u32(off, addi13(100)));
        assert!(h.ram.code_written(off, 4), "the bytes held code");
        assert!(
            compiler.run_queued() > 0,
            "nothing was sent to the compiler"
        );
        run_to_wfi(&mut h, |h| jit.run(h, 1 << 20), 3);
        assert_eq!(
            h.x[13],
            8 * (1 + 100),
            "smp {smp}: code made from the old bytes ran"
        );
    }
}

#[test]
fn fp_heavy_programs_agree_with_the_interpreter() {
    for seed in 2000..3000 {
        check_code(&fp_program(seed), seed, Policy::Always, 1 << 20);
    }
}

/// f registers kept in xmm registers across loop iterations, written
/// back at exits, traps and helper calls and synchronized around the
/// templates that use `Hart::f` (singles, helpers' instructions).
#[test]
fn fp_loops_agree_with_the_interpreter() {
    for seed in 4000..4600 {
        let code = fp_loop_program(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        check_code(&code, seed, Policy::Hot(2), 1 + seed % 17);
    }
}

#[test]
fn random_programs_agree_under_small_budgets_and_hot_threshold() {
    for seed in 1000..1200 {
        check_seed(seed, Policy::Hot(2), 1 + seed % 13);
        check_seed(seed, Policy::Always, 1 + seed % 7);
    }
}

#[test]
fn few_register_programs_agree_with_the_interpreter() {
    for seed in 3000..3400 {
        check_code(&program_few_regs(seed), seed, Policy::Always, 1 << 20);
    }
    for seed in 3400..3600 {
        check_code(&program_few_regs(seed), seed, Policy::Always, 1 + seed % 11);
        check_code(&program_few_regs(seed), seed, Policy::Hot(2), 1 + seed % 5);
    }
}

/// Runs of bit tests (`andi t, x, 2^k`, then `beqz`/`bnez t` over up to
/// six ALU instructions writing any registers), as an unrolled CRC has
/// them: the translator if-converts such runs, selecting each written
/// register's old or new value (from a host register or `Hart::x`), so
/// the random registers must agree whichever way each test goes; some
/// hammocks hold a faulting load (not converted), some runs are inside
/// counted loops.
fn program_bit_tests(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS);
    let mut a = Asm::new();
    for _ in 0..2 + rng.below(4) {
        let looped = rng.below(3) == 0;
        let top = a.label();
        if looped {
            a.li(31, 1 + rng.below(9));
            a.bind(top);
        }
        for _ in 0..4 + rng.below(6) {
            let (t, x) = (rng.rd(), rng.reg());
            a.emit(Andi {
                rd: t,
                rs1: x,
                imm: 1 << rng.below(11),
            });
            let skip = a.label();
            if rng.below(2) == 0 {
                a.beq(t, 0, skip);
            } else {
                a.bne(0, t, skip);
            }
            for k in 0..1 + rng.below(6) {
                if rng.below(12) == 0 {
                    a.emit(mem(&mut rng));
                } else if k == 0 && rng.below(2) == 0 {
                    // The tested register written in the hammock (as an
                    // unrolled CRC reuses it): compared in its old value.
                    a.emit(Lui {
                        rd: t,
                        imm: (rng.next() as i32) & !0xfff,
                    });
                } else {
                    a.emit(alu(&mut rng));
                }
            }
            a.bind(skip);
            // The data shifts on, as a CRC's does (not the loop's
            // counter).
            let d = if RESERVED.contains(&x) || x == 0 {
                rng.rd()
            } else {
                x
            };
            a.emit(Srli {
                rd: d,
                rs1: d,
                shamt: 1,
            });
        }
        if looped {
            count_down(&mut a, top);
        }
    }
    a.emit(Inst::Wfi);
    a.finish().expect("program assembles")
}

#[test]
fn unrolled_bit_tests_agree_with_the_interpreter() {
    for seed in 7000..7400 {
        let code = program_bit_tests(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        check_code(&code, seed, Policy::Hot(2), 1 + seed % 11);
    }
}

/// A program mostly of Zba/Zbb/Zbc/Zbs instructions on [`FEW_REGS`] (cached
/// and uncached registers, x0, rd = rs), among W instructions that leave
/// 32-bit results unextended in host registers (`andn`/`orn`/`xnor` of
/// narrow values work on low halves), in counted loops (narrow values at
/// loop heads), under short forward branches (if-converted), around
/// rotate idioms (fused, shifts kept late), and with faulting loads
/// between them.
fn program_bits(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS);
    let mut a = Asm::new();
    let some = |rng: &mut Rng, a: &mut Asm| {
        let (rd, rs1, rs2) = (rng.rd(), rng.reg(), rng.reg());
        match rng.below(8) {
            0 => a.emit(Addw { rd, rs1, rs2 }),
            1 => a.emit(Addiw {
                rd,
                rs1,
                imm: rng.imm12(),
            }),
            2 => a.emit(mem(rng)),
            _ => a.emit(bit(rng, rd, rs1, rs2)),
        }
    };
    for _ in 0..30 + rng.below(60) {
        match rng.below(10) {
            0..=4 => some(&mut rng, &mut a),
            5 | 6 => {
                let top = a.label();
                a.li(31, 1 + rng.below(12));
                a.bind(top);
                for _ in 0..2 + rng.below(6) {
                    some(&mut rng, &mut a);
                }
                count_down(&mut a, top);
            }
            7 => {
                let skip = a.label();
                let (rs1, rs2) = (rng.reg(), rng.reg());
                if rng.below(2) == 0 {
                    a.bltu(rs1, rs2, skip);
                } else {
                    a.bne(rs1, rs2, skip);
                }
                let rd = rng.rd();
                for _ in 0..1 + rng.below(3) {
                    let (rs1, rs2) = (rng.reg(), rng.reg());
                    a.emit(bit(&mut rng, rd, rs1, rs2));
                }
                a.bind(skip);
            }
            _ => {
                // x rotated right by s, 32-bit: srliw, slliw, or.
                let (x, t1, t2) = (rng.reg(), rng.rd(), rng.rd());
                let s = 1 + rng.below(31) as u8;
                a.emit(Srliw {
                    rd: t1,
                    rs1: x,
                    shamt: s,
                });
                some(&mut rng, &mut a);
                a.emit(Slliw {
                    rd: t2,
                    rs1: x,
                    shamt: 32 - s,
                });
                a.emit(Or {
                    rd: rng.rd(),
                    rs1: t1,
                    rs2: t2,
                });
            }
        }
    }
    a.emit(Inst::Wfi);
    a.finish().expect("program assembles")
}

/// Zba/Zbb/Zbc/Zbs translated in line agree with the interpreter's
/// semantics, every operation with operands in host registers or in
/// `Hart::x`, aliased or not, inside loops, hammocks and rotate windows.
#[test]
fn bit_manipulation_programs_agree_with_the_interpreter() {
    for seed in 5000..5300 {
        let code = program_bits(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        check_code(&code, seed, Policy::Hot(2), 1 + seed % 9);
    }
}

/// Programs full of GCC's zero-extended index, `slli t, x, 32; srli y,
/// t, s`, with t, x and y the same or apart, the shift's register read or
/// written again after (or not), loads and stores that may trap in
/// between, 32-bit results as x, in loops and hammocks.
fn program_zext(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS);
    let mut a = Asm::new();
    let some = |rng: &mut Rng, a: &mut Asm| {
        let (rd, rs1, rs2) = (rng.rd(), rng.reg(), rng.reg());
        match rng.below(6) {
            0 => a.emit(Addw { rd, rs1, rs2 }),
            1 => a.emit(Addiw {
                rd,
                rs1,
                imm: rng.imm12(),
            }),
            2 | 3 => a.emit(mem(rng)),
            _ => a.emit(alu(rng)),
        }
    };
    let idiom = |rng: &mut Rng, a: &mut Asm| {
        let x = rng.reg();
        let free = !RESERVED.contains(&x);
        let t = match rng.below(3) {
            0 if free => x,
            _ => rng.rd(),
        };
        let y = match rng.below(3) {
            0 => t,
            1 if free => x,
            _ => rng.rd(),
        };
        a.emit(Slli {
            rd: t,
            rs1: x,
            shamt: 32,
        });
        for _ in 0..rng.below(3) {
            some(rng, a);
        }
        a.emit(Srli {
            rd: y,
            rs1: t,
            shamt: [29, 30, 31, 32, 33, 40][rng.below(6) as usize],
        });
        if rng.below(3) == 0 {
            // t read after (it must hold x << 32)
            a.emit(Add {
                rd: rng.rd(),
                rs1: t,
                rs2: rng.reg(),
            });
        }
    };
    for _ in 0..30 + rng.below(60) {
        match rng.below(10) {
            0..=3 => idiom(&mut rng, &mut a),
            4 | 5 => some(&mut rng, &mut a),
            6 | 7 => {
                let top = a.label();
                a.li(31, 1 + rng.below(12));
                a.bind(top);
                for _ in 0..2 + rng.below(4) {
                    if rng.below(2) == 0 {
                        idiom(&mut rng, &mut a);
                    } else {
                        some(&mut rng, &mut a);
                    }
                }
                count_down(&mut a, top);
            }
            _ => {
                let skip = a.label();
                let (rs1, rs2) = (rng.reg(), rng.reg());
                a.bltu(rs1, rs2, skip);
                idiom(&mut rng, &mut a);
                a.bind(skip);
            }
        }
    }
    a.emit(Inst::Wfi);
    a.finish().expect("program assembles")
}

/// The zero-extended index fused into a 32-bit move and a shift agrees
/// with the interpreter, the skipped `slli` seen wherever it must be (a
/// trap in between, a later read, an exit).
#[test]
fn zero_extended_index_programs_agree_with_the_interpreter() {
    for seed in 10000..12000 {
        let code = program_zext(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        check_code(&code, seed, Policy::Always, 1 + seed % 7);
        check_code(&code, seed, Policy::Hot(2), 1 + seed % 9);
    }
}

/// Loops whose first instructions write 32-bit results into registers
/// that held 64-bit values before the loop (the loop's head takes them
/// unextended), then read, trap, leave or go round, under budgets that
/// stop them anywhere.
fn program_written_first(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS);
    let mut a = Asm::new();
    for _ in 0..3 + rng.below(5) {
        let top = a.label();
        a.li(31, 1 + rng.below(9));
        a.bind(top);
        for _ in 0..1 + rng.below(3) {
            let (rd, rs1, rs2) = (rng.rd(), rng.reg(), rng.reg());
            match rng.below(4) {
                0 => a.emit(Addw { rd, rs1, rs2 }),
                1 => a.emit(Addiw {
                    rd,
                    rs1,
                    imm: rng.imm12(),
                }),
                2 => a.emit(Sraiw {
                    rd,
                    rs1,
                    shamt: rng.below(32) as u8,
                }),
                _ => a.emit(Mulw { rd, rs1, rs2 }),
            }
        }
        for _ in 0..rng.below(5) {
            match rng.below(4) {
                0 => a.emit(mem(&mut rng)),
                1 => {
                    let skip = a.label();
                    a.bne(rng.reg(), rng.reg(), skip);
                    a.emit(alu(&mut rng));
                    a.bind(skip);
                }
                _ => a.emit(alu(&mut rng)),
            }
        }
        count_down(&mut a, top);
        // Something 64-bit into the registers before the next loop.
        for _ in 0..rng.below(3) {
            let rd = rng.rd();
            a.emit(Slli {
                rd,
                rs1: rng.reg(),
                shamt: 20 + rng.below(20) as u8,
            });
        }
    }
    a.emit(Inst::Wfi);
    a.finish().expect("program assembles")
}

#[test]
fn loops_writing_registers_first_agree_with_the_interpreter() {
    for seed in 20000..21000 {
        let code = program_written_first(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        check_code(&code, seed, Policy::Always, 1 + seed % 11);
        check_code(&code, seed, Policy::Hot(2), 1 + seed % 5);
    }
}

/// A function called round a loop whose cases each end in their own exit
/// (a return, a `j` to a shared tail, a `j` back out of it), with forward
/// branches over those exits: one translation covers the code after each
/// exit, and its branches to it jump inside (see `emit::region`).
fn program_returns(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS);
    let mut a = Asm::new();
    let branch = |rng: &mut Rng, a: &mut Asm, to: rvisor_isa::Label| {
        let (rs1, rs2) = (rng.reg(), rng.reg());
        match rng.below(6) {
            0 => a.beq(rs1, rs2, to),
            1 => a.bne(rs1, rs2, to),
            2 => a.blt(rs1, rs2, to),
            3 => a.bge(rs1, rs2, to),
            4 => a.bltu(rs1, rs2, to),
            _ => a.bgeu(rs1, rs2, to),
        }
    };
    let some = |rng: &mut Rng, a: &mut Asm| {
        for _ in 0..1 + rng.below(4) {
            match rng.below(5) {
                0 => a.emit(mem(rng)),
                1 => {
                    let skip = a.label();
                    branch(rng, a, skip);
                    a.emit(alu(rng));
                    a.bind(skip);
                }
                _ => a.emit(alu(rng)),
            }
        }
    };
    let (f, end) = (a.label(), a.label());
    a.li(31, 2 + rng.below(8));
    let top = a.label();
    a.bind(top);
    some(&mut rng, &mut a);
    a.jal(1, f);
    let after = a.label();
    a.bind(after);
    some(&mut rng, &mut a);
    count_down(&mut a, top);
    a.j(end);
    a.bind(f);
    let tail = a.label();
    for _ in 0..2 + rng.below(6) {
        let next = a.label();
        branch(&mut rng, &mut a, next);
        some(&mut rng, &mut a);
        match rng.below(4) {
            0 | 1 => a.emit(Jalr {
                rd: 0,
                rs1: 1,
                imm: 0,
            }),
            2 => a.j(tail),
            _ => a.j(after),
        }
        a.bind(next);
    }
    some(&mut rng, &mut a);
    a.bind(tail);
    some(&mut rng, &mut a);
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    a.bind(end);
    a.emit(Inst::Wfi);
    a.finish().expect("program assembles")
}

#[test]
fn functions_of_many_returns_agree_with_the_interpreter() {
    for seed in 30000..31500 {
        let code = program_returns(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        check_code(&code, seed, Policy::Always, 1 + seed % 13);
        check_code(&code, seed, Policy::Hot(2), 1 + seed % 7);
    }
}

/// Runs of loads and stores through one base register (M-mode probe
/// groups, whose members check nothing once their leader has checked the
/// span): the base near the end of RAM (spans that cross it), below RAM
/// (access faults), just past the code (stores into its flagged
/// granules) or in the data, round loops, under budgets that stop them
/// anywhere. A leader that fails leaves after its own access; the members
/// are checked again where the code goes on.
fn program_groups(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS);
    let mut a = Asm::new();
    let code_end = a.label();
    for _ in 0..2 + rng.below(4) {
        let base = 19 + rng.below(2) as u8;
        // (Loads only below RAM: a span reaching into it would store
        // over the trap handler.)
        let mut loads_only = false;
        let lo = match rng.below(6) {
            0 => {
                a.li(base, RAM_BASE + RAM_SIZE - rng.below(600));
                -(rng.below(64) as i32)
            }
            1 => {
                a.li(base, RAM_BASE - rng.below(64));
                loads_only = true;
                0
            }
            2 => {
                a.la(base, code_end);
                0
            }
            _ => {
                a.li(base, DATA + rng.below(DATA_LEN as u64 - 512));
                rng.below(64) as i32
            }
        };
        let top = a.label();
        a.li(31, 1 + rng.below(4));
        a.bind(top);
        for _ in 0..2 + rng.below(7) {
            let imm = lo + rng.below(480) as i32;
            let (rd, rs2) = (rng.rd(), rng.reg());
            let kind = if loads_only {
                rng.below(4)
            } else {
                rng.below(9)
            };
            a.emit(match kind {
                0 => Lb { rd, rs1: base, imm },
                1 => Lhu { rd, rs1: base, imm },
                2 => Lw { rd, rs1: base, imm },
                3 => Ld { rd, rs1: base, imm },
                4 => Sb {
                    rs1: base,
                    rs2,
                    imm,
                },
                5 => Sh {
                    rs1: base,
                    rs2,
                    imm,
                },
                6 => Sw {
                    rs1: base,
                    rs2,
                    imm,
                },
                7 => Sd {
                    rs1: base,
                    rs2,
                    imm,
                },
                _ => alu(&mut rng),
            });
        }
        count_down(&mut a, top);
    }
    a.emit(Inst::Wfi);
    a.bind(code_end);
    for _ in 0..128 {
        a.word(0);
    }
    a.finish().expect("program assembles")
}

#[test]
fn probe_groups_agree_with_the_interpreter() {
    for seed in 40000..41500 {
        let code = program_groups(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        check_code(&code, seed, Policy::Always, 1 + seed % 17);
        check_code(&code, seed, Policy::Hot(2), 1 + seed % 5);
    }
}

/// Loops that keep their registers in host registers and trap in a later
/// iteration (a load, then a store, walking off the end of RAM; the
/// handler skips them): registers, `instret` and the trap state must be
/// the interpreter's at each trap, and after the loops.
#[test]
fn loops_trapping_after_some_iterations_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    a.li(18, RAM_BASE + RAM_SIZE - 40);
    a.li(31, 12);
    let top = a.label();
    a.bind(top);
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 1,
    });
    a.emit(Ld {
        rd: 11,
        rs1: 18,
        imm: 0,
    });
    a.emit(Add {
        rd: 12,
        rs1: 12,
        rs2: 11,
    });
    a.emit(Addi {
        rd: 18,
        rs1: 18,
        imm: 8,
    });
    count_down(&mut a, top);
    a.li(18, RAM_BASE + RAM_SIZE - 24);
    a.li(31, 9);
    let top = a.label();
    a.bind(top);
    a.emit(Sd {
        rs1: 18,
        rs2: 10,
        imm: 0,
    });
    a.emit(Xor {
        rd: 10,
        rs1: 10,
        rs2: 12,
    });
    a.emit(Addi {
        rd: 18,
        rs1: 18,
        imm: 8,
    });
    count_down(&mut a, top);
    // Helper calls made in line: an AMO and an FP load (FP is on: even
    // seed).
    a.li(18, RAM_BASE + RAM_SIZE - 16);
    a.li(31, 5);
    let top = a.label();
    a.bind(top);
    a.emit(AmoaddD {
        rd: 11,
        rs1: 18,
        rs2: 10,
        aqrl: 0,
    });
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 3,
    });
    a.emit(Fld {
        rd: 1,
        rs1: 18,
        imm: 0,
    });
    a.emit(Addi {
        rd: 18,
        rs1: 18,
        imm: 8,
    });
    count_down(&mut a, top);
    a.emit(Csrrs {
        rd: 13,
        rs1: 0,
        csr: 0xb02,
    });
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    for budget in [1 << 20, 1, 2, 3, 5, 7, 11] {
        check_code(&code, 6, Policy::Always, budget);
        check_code(&code, 6, Policy::Hot(1), budget);
    }
    let mut h = machine(&code, 6);
    let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    run_to_wfi(&mut h, |h| jit.run(h, 1 << 20), 6);
    assert_eq!(
        jit.stats.traps,
        7 + 6 + 2 * 3,
        "the loops trap in later iterations"
    );
}

/// A loop's body from `top`: `x10 += 1; x11 = x10 - 7`, round again
/// while x10 is not x12 (3 instructions a round).
fn up_to_x12(a: &mut Asm, top: rvisor_isa::Label) {
    use Inst::*;
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 1,
    });
    a.emit(Addi {
        rd: 11,
        rs1: 10,
        imm: -7,
    });
    a.bne(10, 12, top);
}

/// Endless loops (one self-looping block, then two blocks chained to each
/// other): every `run` returns within its budget (the chain entries and
/// back edges count the instructions retired so far), with the registers
/// and pc the interpreter has after as many instructions.
#[test]
fn endless_chained_loops_return_within_the_budget() {
    use Inst::*;
    let mut a = Asm::new();
    let (one, two, other) = (a.label(), a.label(), a.label());
    a.bind(one);
    up_to_x12(&mut a, one);
    a.bind(two);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 3,
    });
    a.beq(0, 0, other);
    a.emit(Wfi);
    a.bind(other);
    a.emit(Xor {
        rd: 14,
        rs1: 14,
        rs2: 13,
    });
    a.j(two);
    let code = a.finish().expect("assembles");
    for budget in [1, 10, 1000, 100_000] {
        let mut h = machine(&code, 8);
        // The first loop ends after 5000 iterations.
        h.x[10] = 0;
        h.x[12] = 5000;
        let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
        let mut reference = machine(&code, 8);
        reference.x[10] = 0;
        reference.x[12] = 5000;
        for _ in 0..50 {
            let before = h.stats.instret;
            assert_eq!(jit.run(&mut h, budget), Exit::Budget);
            let ran = h.stats.instret - before;
            // (The 3-instruction loop is translated 4 times in a row, see
            // `emit::unroll`: it checks its budget every fourth round.)
            assert!(
                (budget..budget + 4 * 3).contains(&ran),
                "budget {budget}: ran {ran} instructions"
            );
            while reference.stats.instret < h.stats.instret {
                reference.run(1);
            }
            assert_eq!(state(&reference), state(&h), "budget {budget}");
        }
        assert!(
            jit.stats.chains > 0 || budget < 1000,
            "no block was chained"
        );
    }
}

/// A loop whose conditional back edge is also its last iteration's way
/// out: wherever the budget ends, around the last round included (the
/// check fails there whether or not the branch is taken), the run stops
/// within a few instructions of it with the interpreter's state: a branch
/// not taken goes on to the code after the loop, a branch taken stops at
/// the loop's head.
#[test]
fn a_loop_whose_budget_ends_at_its_last_round_agrees_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let top = a.label();
    a.bind(top);
    up_to_x12(&mut a, top);
    a.emit(Addi {
        rd: 13,
        rs1: 11,
        imm: 3,
    });
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    // 100 rounds of 3 instructions: the last branch retires the 300th.
    for budget in 290..=310 {
        let mut h = machine(&code, 9);
        let mut reference = machine(&code, 9);
        for m in [&mut h, &mut reference] {
            m.x[10] = 0;
            m.x[12] = 100;
        }
        let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
        let exit = jit.run(&mut h, budget);
        let ran = h.stats.instret;
        assert!(
            exit == Exit::Wfi || (budget..budget + 4 * 3).contains(&ran),
            "budget {budget}: {exit:?} after {ran} instructions"
        );
        while reference.stats.instret < ran {
            reference.run(1);
        }
        assert_eq!(state(&reference), state(&h), "budget {budget}");
    }
}

#[test]
fn the_generator_exercises_traps_and_translation() {
    // A test that always passes is no test: make sure the programs trap in
    // translated code and chain.
    let mut traps = 0;
    let mut chains = 0;
    for seed in 1..50 {
        let code = program(seed);
        let mut h = machine(&code, seed);
        let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
        run_to_wfi(&mut h, |h| jit.run(h, 1 << 20), seed);
        traps += jit.stats.traps;
        chains += jit.stats.chains;
    }
    assert!(traps > 0, "no trap was raised inside translated code");
    assert!(chains > 0, "no block was chained");
}

/// Self-modifying code: a loop stores data into its own code page every
/// iteration (bytes of no translation change: translations survive) and
/// once rewrites an instruction it executes (then `fence.i`): the new
/// instruction must run, in every engine, with the interpreter's state.
#[test]
fn self_modifying_code_agrees_with_the_interpreter() {
    use rvisor_isa::encode;
    use Inst::*;
    let new = encode(&Addi {
        rd: 13,
        rs1: 13,
        imm: 100,
    })
    .expect("encodable");
    let mut a = Asm::new();
    let (top, target, cont, end, data) = (a.label(), a.label(), a.label(), a.label(), a.label());
    a.la(10, target);
    a.la(14, data);
    a.li(11, u64::from(new));
    a.li(15, 2);
    a.li(31, 4);
    a.bind(top);
    a.emit(Addi {
        rd: 12,
        rs1: 12,
        imm: 1,
    });
    a.emit(Sw {
        rs1: 14,
        rs2: 12,
        imm: 0,
    });
    a.bind(target);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    count_down(&mut a, cont);
    a.j(end);
    a.bind(cont);
    a.bne(31, 15, top);
    a.emit(Sw {
        rs1: 10,
        rs2: 11,
        imm: 0,
    });
    a.emit(FenceI);
    a.j(top);
    a.bind(end);
    a.emit(Wfi);
    a.bind(data);
    a.word(0);
    let code = a.finish().expect("assembles");
    // A lone hart logs no flagged page for other harts; both must see
    // every store to code.
    for smp in [true, false] {
        for policy in [Policy::Always, Policy::Hot(2)] {
            let mut reference = machine(&code, 7);
            reference.config.smp = smp;
            reference.x[13] = 0;
            run_to_wfi(&mut reference, |h| h.run(1 << 20), 7);
            let mut translated = machine(&code, 7);
            translated.config.smp = smp;
            translated.x[13] = 0;
            let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
            run_to_wfi(&mut translated, |h| jit.run(h, 1 << 20), 7);
            let (r, t) = (state(&reference), state(&translated));
            assert_eq!(r, t, "{policy:?}: state differs");
            assert_eq!(
                t.x[13], 202,
                "{policy:?}: the rewritten instruction did not run"
            );
            if policy == Policy::Always {
                assert!(
                    jit.stats.revalidated > 0,
                    "no translation survived a data store"
                );
            }
        }
    }
}

/// A store that shares its probe with a store before it (see
/// `emit::groups`) into a page that came to hold translated code after
/// the store TLB mapped it: the group's probe must see the flag, so the
/// next call runs the rewritten callee, as in the interpreter. Also with
/// the page mapped for stores again after it held code, on a lone hart
/// (whose translated stores skip the flags: the TLB must keep them off
/// that page), in M-mode (stores probe RAM's bounds) and S-mode (the
/// TLB).
#[test]
fn a_store_sharing_a_probe_still_sees_code() {
    use Inst::*;
    // Without and with a TLB flush after the first call: the page's store
    // TLB entry made before it held code, and one made after.
    for flush in [false, true] {
        let code = rewritten_callee(|a| {
            // The store TLB maps the page again now that it holds code
            // (its entry must not be one for translated stores that skip
            // the flags).
            if flush {
                a.emit(SfenceVma { rs1: 0, rs2: 0 });
                // A store beside the code maps the page for stores again.
                a.emit(Sd {
                    rs1: 10,
                    rs2: 0,
                    imm: 512,
                });
            }
            // Rewrite it through a probe group led by a store after it.
            a.li(11, u64::from(addi13(100)));
            a.emit(Sd {
                rs1: 10,
                rs2: 0,
                imm: 8,
            });
            a.emit(Sw {
                rs1: 10,
                rs2: 11,
                imm: 0,
            });
        });
        check_rewritten_callee(&code, |_| {});
    }
}

/// The callee's `ret`.
const RET: Inst = Inst::Jalr {
    rd: 0,
    rs1: 1,
    imm: 0,
};

/// Code that writes a callee (`addi x13, x13, 1; ret`) at `DATA + 0x1000`
/// with integer stores (the store TLB maps its page) and calls it (its
/// page now holds translated code), then emits `rewrite`, which must make
/// the callee's first instruction `addi x13, x13, 100` (x10 points at it),
/// and calls it again.
fn rewritten_callee(rewrite: impl FnOnce(&mut Asm)) -> Vec<u8> {
    use Inst::*;
    let call = Jalr {
        rd: 1,
        rs1: 10,
        imm: 0,
    };
    let mut a = Asm::new();
    a.li(10, DATA + 0x1000);
    let ret = rvisor_isa::encode(&RET).expect("encodable");
    for (off, word) in [(0, addi13(1)), (4, ret)] {
        a.li(11, u64::from(word));
        a.emit(Sw {
            rs1: 10,
            rs2: 11,
            imm: off,
        });
    }
    a.emit(FenceI);
    a.emit(call);
    rewrite(&mut a);
    a.emit(call);
    a.emit(Wfi);
    a.finish().expect("assembles")
}

/// Runs `rewritten_callee` code interpreted and translated, on a lone
/// hart and with SMP (translated stores skip the granule flags of pages
/// the store TLB holds, `Hart::flag_code`), in M-mode (stores probe RAM's
/// bounds) and S-mode (bare: the TLB), each hart prepared by `setup`: the
/// rewritten callee must run, and the states agree.
fn check_rewritten_callee(code: &[u8], setup: impl Fn(&mut Hart)) {
    for (smp, supervisor) in [(true, false), (false, false), (true, true), (false, true)] {
        for policy in [Policy::Always, Policy::Hot(1)] {
            let prepare = |h: &mut Hart| {
                h.config.smp = smp;
                if supervisor {
                    h.mmu.open_pmp_for_supervisor();
                    h.prv = rvisor_cpu::PrivilegeMode::Supervisor;
                }
                h.x[13] = 0;
                setup(h);
            };
            let mut reference = machine(code, 7);
            prepare(&mut reference);
            run_to_wfi(&mut reference, |h| h.run(1 << 20), 7);
            let mut translated = machine(code, 7);
            prepare(&mut translated);
            let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
            run_to_wfi(&mut translated, |h| jit.run(h, 1 << 20), 7);
            let (r, t) = (state(&reference), state(&translated));
            assert_eq!(
                r.x[13], 101,
                "interpreter: the rewritten callee did not run"
            );
            assert_eq!(t.x[13], 101, "{policy:?}: the rewritten callee did not run");
            assert_eq!(r, t, "{policy:?}: state differs");
        }
    }
}

/// FP stores (`fsw`, `fsd`: the translator's inline probe) rewriting a
/// translated callee are seen like integer ones: on a lone hart and with
/// SMP, in M-mode and S-mode. The callee's rewritten word comes from an
/// f register; `fsd` also writes the word after it (its `ret`, unchanged).
#[test]
fn fp_stores_rewriting_code_are_seen() {
    use Inst::*;
    for double in [false, true] {
        let code = rewritten_callee(|a| {
            if double {
                let ret = rvisor_isa::encode(&RET).expect("encodable");
                a.li(11, u64::from(ret) << 32 | u64::from(addi13(100)));
                a.emit(FmvDX { rd: 3, rs1: 11 });
                a.emit(Fsd {
                    rs1: 10,
                    rs2: 3,
                    imm: 0,
                });
            } else {
                a.li(11, u64::from(addi13(100)));
                a.emit(FmvWX { rd: 3, rs1: 11 });
                a.emit(Fsw {
                    rs1: 10,
                    rs2: 3,
                    imm: 0,
                });
            }
        });
        // FP on and Dirty (SD summing it up, as a CSR write would set it):
        // the inline store's FS check passes.
        check_rewritten_callee(&code, |h| h.csr.mstatus |= 3 << 13 | 1 << 63);
    }
}

/// SMP `fence.i`: another hart's store can race with this hart's decode and
/// go unseen (the page keeps its `PAGE_CODE` flag). Modelled by a raw host
/// write that leaves the flag alone, made while the hart is parked in a
/// `wfi`: only the following `fence.i` may make the new code run, in the
/// interpreter and in the translator. A second `fence.i` with no change in
/// between finds nothing to compare.
#[test]
fn smp_fence_i_sees_code_written_behind_the_harts_back() {
    use rvisor_isa::encode;
    use Inst::*;
    let old = encode(&Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    })
    .expect("encodable");
    let new = encode(&Addi {
        rd: 13,
        rs1: 13,
        imm: 100,
    })
    .expect("encodable");
    let mut a = Asm::new();
    let (body, top, target) = (a.label(), a.label(), a.label());
    a.li(13, 0);
    a.jal(1, body);
    a.emit(Wfi); // the host rewrites `target` here
    a.emit(FenceI);
    // Called often enough to be translated again (hot) after the first
    // fence.i dropped it, so the second finds a translation to check.
    for _ in 0..3 {
        a.jal(1, body);
    }
    a.emit(FenceI);
    a.jal(1, body);
    a.emit(Wfi);
    a.bind(body);
    a.li(31, 8);
    a.bind(top);
    a.bind(target);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    count_down(&mut a, top);
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    let code = a.finish().expect("assembles");
    let at = code
        .chunks_exact(4)
        .position(|w| w == old.to_le_bytes())
        .expect("target in the code") as u64
        * 4;
    let run = |smp: bool, step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let mut h = machine(&code, 3);
        h.config.smp = smp;
        assert_eq!(step(&mut h), Exit::Wfi, "first wfi");
        // Behind the hart's back: a raw store (the one a racing hart makes)
        // clears no PAGE_CODE flag and moves no code epoch.
        assert!(h.ram.store_u32(CODE - RAM_BASE + at, new));
        run_to_wfi(&mut h, &mut *step, 3);
        h
    };
    type Step = Box<dyn FnMut(&mut Hart) -> Exit>;
    let mut drive: Vec<(&str, Step)> =
        vec![("interpreter", Box::new(|h: &mut Hart| h.run(1 << 20)))];
    for policy in [Policy::Always, Policy::Hot(2)] {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        drive.push(("jit", Box::new(move |h: &mut Hart| jit.run(h, 1 << 20))));
    }
    for (name, step) in &mut drive {
        let h = run(true, &mut **step);
        assert_eq!(h.x[13], 8 + 4 * 800, "{name}: stale code ran after fence.i");
        assert_eq!(
            h.stats.fence_is_settled, 1,
            "{name}: with no other hart to race with, the first fence.i's \
             comparison settles the page and the second has nothing to do"
        );
    }
    // The premise: without SMP, fence.i trusts store tracking, which never
    // saw this write, so the old code keeps running.
    let mut h = machine(&code, 3);
    h.config.smp = false;
    assert_eq!(h.run(1 << 20), Exit::Wfi);
    assert!(h.ram.store_u32(CODE - RAM_BASE + at, new));
    run_to_wfi(&mut h, |h| h.run(1 << 20), 3);
    assert_eq!(
        h.x[13],
        8 * 5,
        "the raw write was not behind the hart's back"
    );
}

/// An SMP `fence.i` run inside a translation (through the interpreter's
/// semantics) must end it: the code right after it in the same
/// translation may be what another hart rewrote, and only the boundary
/// work the fence leaves compares it. The racing store is a raw host write
/// made while the hart is parked in a `wfi` by a hart that has not left
/// its engine since (so no comparison settles the page); the second time
/// round, the translation that holds `fence.i` and the old instruction
/// runs again.
#[test]
fn smp_fence_i_ends_its_translation() {
    use Inst::*;
    let mut a = Asm::new();
    let top = a.label();
    a.li(13, 0);
    a.li(31, 2);
    a.bind(top);
    a.emit(Wfi); // the host rewrites the addi below here
    a.emit(FenceI);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    count_down(&mut a, top);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let at = code
        .chunks_exact(4)
        .position(|w| w == addi13(1).to_le_bytes())
        .expect("target in the code") as u64
        * 4;
    for (name, step) in &mut engines() {
        let mut h = machine(&code, 3);
        h.config.smp = true;
        let ram = h.ram.clone();
        ram.writers().set_running(0, true);
        ram.writers().set_running(1, true);
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: second wfi");
        assert!(h.ram.store_u32(CODE - RAM_BASE + at, addi13(100)));
        run_to_wfi(&mut h, &mut **step, 3);
        assert_eq!(h.x[13], 101, "{name}: stale code ran after fence.i");
    }
}

/// The body of the two tests below: `li x31, 8; loop: addi x13, x13, 1;
/// addi x31, x31, -1; bnez x31, loop; ret`, called `calls` times with a
/// `wfi` (where the host acts) and then `fence_i` before each call after
/// the first. Returns the code and the offset of the `addi x13` to rewrite.
fn rewritten_loop(calls: usize, fence_i: bool) -> (Vec<u8>, u64) {
    use rvisor_isa::encode;
    use Inst::*;
    let old = encode(&Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    })
    .expect("encodable");
    let mut a = Asm::new();
    let (body, top) = (a.label(), a.label());
    a.li(13, 0);
    a.jal(1, body);
    for _ in 1..calls {
        a.emit(Wfi);
        if fence_i {
            a.emit(FenceI);
        }
        a.jal(1, body);
    }
    a.emit(Wfi);
    a.bind(body);
    a.li(31, 8);
    a.bind(top);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    count_down(&mut a, top);
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    let code = a.finish().expect("assembles");
    let at = code
        .chunks_exact(4)
        .position(|w| w == old.to_le_bytes())
        .expect("target in the code") as u64
        * 4;
    (code, at)
}

fn addi13(imm: i32) -> u32 {
    rvisor_isa::encode(&Inst::Addi {
        rd: 13,
        rs1: 13,
        imm,
    })
    .expect("encodable")
}

/// While another hart may still be in the middle of a store (it has not
/// left its engine since this hart read the code), every `fence.i` must
/// compare the code again: a store racing with the read can land after the
/// first comparison. Once the other hart has moved on, one comparison
/// settles the page and later `fence.i`s have nothing to compare.
#[test]
fn smp_fence_i_compares_again_until_other_harts_have_moved_on() {
    let (code, at) = rewritten_loop(5, true);
    for (name, step) in &mut engines() {
        let mut h = machine(&code, 3);
        h.config.smp = true;
        let ram = h.ram.clone();
        let writers = ram.writers();
        writers.set_running(0, true);
        // Hart 1 runs and does not leave its engine until told below.
        writers.set_running(1, true);
        let mut raw_store = |h: &mut Hart, imm: i32| {
            assert_eq!(step(h), Exit::Wfi, "{name}: a wfi");
            // A racing hart's store: no flag cleared, no epoch moved.
            assert!(h.ram.store_u32(CODE - RAM_BASE + at, addi13(imm)));
        };
        raw_store(&mut h, 100);
        raw_store(&mut h, 7);
        raw_store(&mut h, 3);
        // Its last store landed; now it leaves its engine.
        writers.close_windows(1);
        run_to_wfi(&mut h, &mut **step, 3);
        run_to_wfi(&mut h, &mut **step, 3);
        assert_eq!(
            h.x[13],
            8 * (1 + 100 + 7 + 3 + 3),
            "{name}: a fence.i missed a store of a hart that was mid-store"
        );
        assert_eq!(
            h.stats.fence_is_settled, 1,
            "{name}: only the fence.i after the settling comparison has nothing to do"
        );
    }
}

/// Another hart's store to a code page clears the page's flag and moves
/// the code epoch; if that hart then decodes the page again (flagging it
/// anew) before this hart looks, this hart must still drop its code of the
/// page: the RAM's code log names the page. No `fence.i` is involved.
#[test]
fn code_written_by_another_hart_and_reflagged_is_still_dropped() {
    use rvisor_memory::ram::PAGE_CODE;
    let (code, at) = rewritten_loop(2, false);
    for smp in [false, true] {
        for (name, step) in &mut engines() {
            let mut h = machine(&code, 3);
            h.config.smp = smp;
            assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
            let off = CODE - RAM_BASE + at;
            // The other hart's store: bytes, then the flag it found set.
            assert!(h.ram.store_u32(off, addi13(100)));
            assert!(h.ram.code_written(off, 4), "the bytes held code");
            // Its decode of the page flags them again.
            h.ram.set_flags(off, 4, PAGE_CODE);
            run_to_wfi(&mut h, &mut **step, 3);
            assert_eq!(
                h.x[13],
                8 * (1 + 100),
                "{name}, smp {smp}: stale code ran after another hart's store"
            );
        }
    }
}

/// Data beside code in one page (a small bare-metal program's `.data` right
/// after its `.text`) is stored to without touching the code: only a store
/// into the code's own bytes invalidates it. With one flag per page, each of
/// the loop's stores dropped the page's code (CoreMark linked that way ran
/// 38 times slower).
#[test]
fn stores_beside_code_in_its_page_leave_the_code_alone() {
    use Inst::*;
    let mut a = Asm::new();
    let (lp, callee, data) = (a.label(), a.label(), a.label());
    a.li(13, 0);
    a.li(31, 200);
    a.la(10, data);
    a.bind(lp);
    a.emit(Sw {
        rs1: 10,
        rs2: 31,
        imm: 0,
    });
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    count_down(&mut a, lp);
    a.jal(1, callee);
    // Rewrite the callee (same page, other granule) and call it again.
    a.li(11, u64::from(addi13(500)));
    a.la(12, callee);
    a.emit(Sw {
        rs1: 12,
        rs2: 11,
        imm: 0,
    });
    a.jal(1, callee);
    a.emit(Wfi);
    while !a.here().is_multiple_of(64) {
        a.emit(Addi {
            rd: 0,
            rs1: 0,
            imm: 0,
        });
    }
    a.bind(callee);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1000,
    });
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    while !a.here().is_multiple_of(64) {
        a.emit(Addi {
            rd: 0,
            rs1: 0,
            imm: 0,
        });
    }
    a.bind(data);
    a.emit(Addi {
        rd: 0,
        rs1: 0,
        imm: 0,
    });
    let code = a.finish().expect("assembles");
    assert!(code.len() < 4096, "all in one page");
    for (name, step) in &mut engines() {
        let mut h = machine(&code, 3);
        run_to_wfi(&mut h, &mut **step, 3);
        assert_eq!(h.x[13], 200 + 1000 + 500, "{name}: wrong code ran");
        assert_eq!(
            h.stats.block_invalidations, 1,
            "{name}: only the store into the callee invalidates code"
        );
    }
}

/// A block chained to a neighbour in its page keeps jumping to the
/// neighbour's host code after the neighbour's table slot is taken by other
/// code. When the neighbour's bytes then change (a store and `fence.i`, as
/// when Linux patches a static key), the page check must compare that
/// evicted translation too: otherwise the kept block runs stale code.
#[test]
fn a_chained_neighbour_evicted_from_the_table_is_still_checked() {
    use rvisor_isa::encode;
    use Inst::*;
    let page = CODE;
    let (a_at, b_at) = (page + 0x200, page + 0x300);
    // Two pieces of code elsewhere in B's table set (of two slots): running
    // both evicts B.
    let mut same_set = (RAM_BASE + 0x1_0000..RAM_BASE + 0x8_0000)
        .step_by(4)
        .filter(|&e| rvisor_jit::table_set(e, e) == rvisor_jit::table_set(b_at, b_at));
    let evict = [
        same_set.next().expect("an address in B's set"),
        same_set.next().expect("a second address in B's set"),
    ];
    let new = encode(&Addi {
        rd: 13,
        rs1: 13,
        imm: 100,
    })
    .expect("encodable");
    let mut a = Asm::new();
    let (lp, block_a, block_b) = (a.label(), a.label(), a.label());
    a.li(13, 0);
    a.li(31, 20);
    a.bind(lp);
    a.jal(1, block_a);
    count_down(&mut a, lp);
    for e in evict {
        a.li(5, e);
        a.emit(Jalr {
            rd: 1,
            rs1: 5,
            imm: 0,
        });
    }
    a.li(11, u64::from(new));
    a.la(10, block_b);
    a.emit(Sw {
        rs1: 10,
        rs2: 11,
        imm: 0,
    });
    a.emit(FenceI);
    a.jal(1, block_a);
    a.emit(Wfi);
    while (a.here() as u64) < a_at - page {
        a.emit(Addi {
            rd: 0,
            rs1: 0,
            imm: 0,
        });
    }
    a.bind(block_a);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    a.j(block_b);
    while (a.here() as u64) < b_at - page {
        a.emit(Addi {
            rd: 0,
            rs1: 0,
            imm: 0,
        });
    }
    a.bind(block_b);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    let code = a.finish().expect("assembles");
    let ret = encode(&Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    })
    .expect("encodable");
    for smp in [false, true] {
        for policy in [Policy::Always, Policy::Hot(2)] {
            let mut h = machine(&code, 11);
            h.config.smp = smp;
            for e in evict {
                assert!(h.ram.write_bytes(e - RAM_BASE, &ret.to_le_bytes()));
            }
            let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
            run_to_wfi(&mut h, |h| jit.run(h, 1 << 20), 11);
            assert!(jit.stats.chains > 0, "{policy:?}: A was never chained to B");
            assert_eq!(
                h.x[13],
                20 * 2 + 1 + 100,
                "{policy:?}, smp {smp}: the evicted, rewritten neighbour ran stale"
            );
        }
    }
}

/// Direct jumps and branches between two code pages go through the jump
/// cache instead of the dispatcher (never chained): a loop bouncing
/// between the pages, with a conditional branch across too, agrees with
/// the interpreter under every policy and small budgets.
#[test]
fn direct_jumps_across_pages_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let (top, far, back, far_branch, cont, done) = (
        a.label(),
        a.label(),
        a.label(),
        a.label(),
        a.label(),
        a.label(),
    );
    a.li(13, 0);
    a.li(31, 300);
    a.bind(top);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 1,
    });
    a.j(far);
    a.bind(back);
    a.emit(Addi {
        rd: 31,
        rs1: 31,
        imm: -1,
    });
    a.emit(Andi {
        rd: 12,
        rs1: 31,
        imm: 1,
    });
    // Conditional branch into the next page.
    a.bne(12, 0, far_branch);
    a.bind(cont);
    a.bne(31, 0, top);
    a.j(done);
    while a.here() < 0x1000 {
        a.emit(Addi {
            rd: 0,
            rs1: 0,
            imm: 0,
        });
    }
    a.bind(far);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 3,
    });
    a.j(back);
    a.bind(far_branch);
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 5,
    });
    a.j(cont);
    a.bind(done);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    for policy in [Policy::Always, Policy::Hot(2)] {
        for budget in [1 << 20, 7] {
            check_code(&code, 5, policy, budget);
        }
    }
}

/// Sv39 PTE bits of a leaf: V R W X A D.
const LEAF: u64 = 0xcf;

fn pte(pa: u64, flags: u64) -> u64 {
    (pa >> 12) << 10 | flags
}

/// Where the remapping tests run their program.
const VA_MAIN: u64 = 0x2000_0000;

/// The S-mode hart of the remapping tests: `code` at virtual `VA_MAIN`
/// under Sv39, virtual page `va_c` mapped to `pa_c`, and `pages`
/// (physical address, bytes) written; PMP open to S, as OpenSBI leaves it.
/// Also returns the address of `va_c`'s PTE (the host remaps by writing
/// it).
fn remap_machine(code: &[u8], va_c: u64, pa_c: u64, pages: &[(u64, &[u8])]) -> (Hart, u64) {
    const SV39: u64 = 8 << 60;
    let (root, l1, l0_c, l0_main) = (
        RAM_BASE + 0x4_0000,
        RAM_BASE + 0x4_1000,
        RAM_BASE + 0x4_2000,
        RAM_BASE + 0x4_3000,
    );
    let slot = l0_c + ((va_c >> 12) & 0x1ff) * 8;
    let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).expect("RAM"));
    assert!(ram.write_bytes(CODE - RAM_BASE, code));
    for (pa, bytes) in pages {
        assert!(ram.write_bytes(pa - RAM_BASE, bytes));
    }
    let put = |at: u64, v: u64| assert!(ram.write_bytes(at - RAM_BASE, &v.to_le_bytes()));
    put(root, pte(l1, 1));
    put(root + ((va_c >> 30) & 0x1ff) * 8, pte(l1, 1));
    put(l1 + ((va_c >> 21) & 0x1ff) * 8, pte(l0_c, 1));
    put(l1 + ((VA_MAIN >> 21) & 0x1ff) * 8, pte(l0_main, 1));
    put(slot, pte(pa_c, LEAF));
    put(l0_main + ((VA_MAIN >> 12) & 0x1ff) * 8, pte(CODE, LEAF));
    let bus = Arc::new(BusBuilder::new(ram).build());
    let mut cfg = HartConfig::machine(0, VA_MAIN);
    cfg.reset_mode = rvisor_cpu::PrivilegeMode::Supervisor;
    let mut h = Hart::new(cfg, bus, HartSignals::new(), TimerQueue::new(Clock::new()));
    h.mmu.open_pmp_for_supervisor();
    h.csr.satp = SV39 | root >> 12;
    h.flush_tlb();
    (h, slot)
}

type Step = Box<dyn FnMut(&mut Hart) -> Exit>;

/// A callee: `x13 += imm; ret`.
fn add_x13_and_return(imm: i32) -> Vec<u8> {
    let mut a = Asm::new();
    a.emit(Inst::Addi {
        rd: 13,
        rs1: 13,
        imm,
    });
    a.emit(Inst::Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    a.finish().expect("assembles")
}

/// The interpreter, and the translator translating everything and hot
/// code only.
fn engines() -> Vec<(String, Step)> {
    let mut drive: Vec<(String, Step)> = vec![(
        "interpreter".into(),
        Box::new(|h: &mut Hart| h.run(1 << 20)),
    )];
    for policy in [Policy::Always, Policy::Hot(2)] {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        drive.push((
            format!("{policy:?}"),
            Box::new(move |h: &mut Hart| jit.run(h, 1 << 20)),
        ));
    }
    // Hot code translated by a compiler thread, its results handed over
    // after each run (as late as a busy thread would deliver them).
    let compiler = Compiler::manual();
    let mut jit = Jit::new(Policy::Hot(2), 1 << 20).expect("code cache");
    jit.compile_with(compiler.clone());
    drive.push((
        "Hot(2) with a compiler thread".into(),
        Box::new(move |h: &mut Hart| {
            let exit = jit.run(h, 1 << 20);
            compiler.run_queued();
            exit
        }),
    ));
    drive
}

/// `sfence.vma` of one address keeps the rest of the TLB, so the jump
/// cache cannot rely on the TLB generation alone: an S-mode program calls
/// code at a virtual page through `jalr` (jump cache), the host remaps that
/// page to other code, and after `sfence.vma` of that page the next call
/// must run the new code, in every engine.
#[test]
fn sfence_of_one_code_page_reaches_the_jump_cache() {
    use Inst::*;
    let (pa_old, pa_new) = (RAM_BASE + 0x5_0000, RAM_BASE + 0x5_1000);
    let va_c = 0x1000_0000u64;
    let mut a = Asm::new();
    a.li(13, 0);
    call_ten_times(&mut a, va_c);
    a.emit(Wfi); // the host remaps va_c here
    a.emit(SfenceVma { rs1: 5, rs2: 0 });
    a.emit(Jalr {
        rd: 1,
        rs1: 5,
        imm: 0,
    });
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let (old, new) = (add_x13_and_return(1), add_x13_and_return(100));
    let pages: [(u64, &[u8]); 2] = [(pa_old, &old), (pa_new, &new)];
    for (name, step) in &mut engines() {
        let (mut h, slot) = remap_machine(&code, va_c, pa_old, &pages);
        let remap = |h: &Hart| assert!(h.ram.store_u64(slot - RAM_BASE, pte(pa_new, LEAF)));
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
        assert_eq!(h.x[13], 10, "{name}: before the remap");
        remap(&h);
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: second wfi");
        assert_eq!(h.x[13], 110, "{name}: stale code after sfence.vma");
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
    }
}

/// A translation that ends with an instruction straddling two pages
/// checks the second page each time it runs it: a function whose
/// `addi x14, x14, imm` straddles its page's end (the immediate is all in
/// the second half) is called 10 times, then again after the host remaps
/// the second page to a copy with another immediate (and the guest
/// fences it), then again after the guest stores a third immediate there
/// (and runs `fence.i`): every engine adds each immediate 10 times.
#[test]
fn a_straddling_instruction_follows_its_second_page() {
    use rvisor_isa::encode;
    use Inst::*;
    let va_c = 0x1000_0000u64;
    let (pa_1, pa_2, pa_2b) = (
        RAM_BASE + 0x5_0000,
        RAM_BASE + 0x5_1000,
        RAM_BASE + 0x5_2000,
    );
    let addi = |imm| {
        encode(&Addi {
            rd: 14,
            rs1: 14,
            imm,
        })
        .expect("encodable")
    };
    let (a1, a2, a3) = (addi(5), addi(300), addi(-7));
    assert_eq!(
        a1 & 0xffff,
        a2 & 0xffff,
        "the immediates differ in the second half only"
    );
    // The function: three `addi x13` and a c.nop up to 0xffe, the
    // straddler, then `ret` on the next page.
    let mut f = Asm::new();
    for _ in 0..3 {
        f.emit(Addi {
            rd: 13,
            rs1: 13,
            imm: 1,
        });
    }
    f.half(0x0001);
    f.half(a1 as u16);
    let first = f.finish().expect("assembles");
    let second = |hi: u32| {
        let mut s = Asm::new();
        s.half((hi >> 16) as u16);
        s.emit(Jalr {
            rd: 0,
            rs1: 1,
            imm: 0,
        });
        s.finish().expect("assembles")
    };
    let (second_1, second_2) = (second(a1), second(a2));
    let mut a = Asm::new();
    let calls = |a: &mut Asm| {
        let lp = a.label();
        a.li(31, 10);
        a.bind(lp);
        a.emit(Jalr {
            rd: 1,
            rs1: 5,
            imm: 0,
        });
        count_down(a, lp);
    };
    a.li(13, 0);
    a.li(14, 0);
    a.li(5, va_c + 0xff0);
    a.li(6, va_c + 0x1000);
    calls(&mut a);
    a.emit(Wfi); // the host remaps the second page here
    a.emit(SfenceVma { rs1: 6, rs2: 0 });
    calls(&mut a);
    a.li(7, u64::from(a3 >> 16));
    a.emit(Sh {
        rs1: 6,
        rs2: 7,
        imm: 0,
    });
    a.emit(FenceI);
    calls(&mut a);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let pages: [(u64, &[u8]); 3] = [
        (pa_1 + 0xff0, &first),
        (pa_2, &second_1),
        (pa_2b, &second_2),
    ];
    for (name, step) in &mut engines() {
        let (mut h, slot) = remap_machine(&code, va_c + 0x1000, pa_2, &pages);
        assert!(h.ram.store_u64(slot - 8 - RAM_BASE, pte(pa_1, LEAF)));
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
        assert_eq!(h.x[14], 50, "{name}: before the remap");
        assert!(h.ram.store_u64(slot - RAM_BASE, pte(pa_2b, LEAF)));
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: second wfi");
        assert_eq!(h.x[13], 90, "{name}");
        assert_eq!(h.x[14], 50 + 3000 - 70, "{name}: a stale second half ran");
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
    }
}

/// Call the function at `va` ten times (through x5, counting in x31).
fn call_ten_times(a: &mut Asm, va: u64) {
    let lp = a.label();
    a.li(31, 10);
    a.li(5, va);
    a.bind(lp);
    a.emit(Inst::Jalr {
        rd: 1,
        rs1: 5,
        imm: 0,
    });
    count_down(a, lp);
}

/// [`remap_machine`] with virtual page `va` on frame `from`, the page
/// table that maps it also mapped (at `va + 0x2000`), and for a guest that
/// flips the page between the two frames: x7 the PTE's address, x8 the
/// PTE for frame `to`, x9 the two PTEs xored (`sd x8, 0(x7); xor x8, x8,
/// x9` flips it, and back the next time).
fn flip_machine(code: &[u8], va: u64, (from, to): (u64, u64), pages: &[(u64, &[u8])]) -> Hart {
    let va_pt = va + 0x2000;
    let (mut h, slot) = remap_machine(code, va, from, pages);
    let l0 = slot & !0xfff;
    let pt_slot = l0 + ((va_pt >> 12) & 0x1ff) * 8;
    assert!(h.ram.store_u64(pt_slot - RAM_BASE, pte(l0, LEAF)));
    h.x[7] = va_pt + (slot & 0xfff);
    h.x[8] = pte(to, LEAF);
    h.x[9] = pte(from, LEAF) ^ pte(to, LEAF);
    h
}

/// The guest side of [`flip_machine`]: flip the page to the other frame
/// (and back the next time).
fn flip(a: &mut Asm) {
    a.emit(Inst::Sd {
        rs1: 7,
        rs2: 8,
        imm: 0,
    });
    a.emit(Inst::Xor {
        rd: 8,
        rs1: 8,
        rs2: 9,
    });
}

/// A translation goes on past `sfence.vma` of an address off its own
/// page (Linux patches its text through a fixmap page fenced twice per
/// instruction): the guest stores to a data page, rewrites the page's PTE
/// through a mapping of the page table to flip it to the other of two
/// frames, fences the page, and stores to it again, ten times round a
/// loop. The stores before and after the fence through one base register
/// would share a probe group: the fence must end it (the second store
/// would reach the old frame), and the store after it must find the TLB
/// entry gone.
#[test]
fn stores_after_sfence_of_their_page_reach_the_new_frame() {
    use Inst::*;
    let va_d = 0x1000_0000u64;
    let (pa_a, pa_b) = (RAM_BASE + 0x5_0000, RAM_BASE + 0x5_1000);
    let zeros = [0u8; 16];
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 10);
    a.li(6, va_d);
    a.bind(lp);
    a.emit(Sd {
        rs1: 6,
        rs2: 31,
        imm: 0,
    });
    flip(&mut a);
    a.emit(SfenceVma { rs1: 6, rs2: 0 });
    a.emit(Sd {
        rs1: 6,
        rs2: 31,
        imm: 8,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let pages: [(u64, &[u8]); 2] = [(pa_a, &zeros), (pa_b, &zeros)];
    for (name, step) in &mut engines() {
        let mut h = flip_machine(&code, va_d, (pa_a, pa_b), &pages);
        assert_eq!(step(&mut h), Exit::Wfi, "{name}");
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
        // Rounds 10, 8, .. 2 (x31) start on frame a and end on b; rounds
        // 9, 7, .. 1 the other way round.
        let word = |pa: u64| h.ram.load_u64(pa - RAM_BASE).expect("RAM");
        assert_eq!((word(pa_a), word(pa_b)), (2, 1), "{name}: first stores");
        assert_eq!(
            (word(pa_a + 8), word(pa_b + 8)),
            (1, 2),
            "{name}: a store after the fence reached the old frame"
        );
    }
}

/// A kernel's loop loads through the site cache (`Emitter::site_probe`),
/// whose slots carry no TLB generation: a full `sfence.vma` must empty
/// them. An inner loop loads a word from a data page three times; then
/// the outer loop rewrites the page's PTE (through a mapping of the page
/// table) to flip it to the other of two frames, and fences everything
/// (which ends the translation), ten times round: the inner loops
/// alternate between the frames' words.
#[test]
fn loads_after_a_full_sfence_reach_the_new_frame() {
    use Inst::*;
    let va_d = 0x1000_0000u64;
    let (pa_a, pa_b) = (RAM_BASE + 0x5_0000, RAM_BASE + 0x5_1000);
    let (one, hundred) = (1u64.to_le_bytes(), 100u64.to_le_bytes());
    let mut a = Asm::new();
    let (outer, inner) = (a.label(), a.label());
    a.li(31, 10);
    a.li(6, va_d);
    a.li(13, 0);
    a.bind(outer);
    a.li(30, 3);
    a.bind(inner);
    a.emit(Ld {
        rd: 10,
        rs1: 6,
        imm: 0,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 10,
    });
    a.emit(Addi {
        rd: 30,
        rs1: 30,
        imm: -1,
    });
    a.bne(30, 0, inner);
    flip(&mut a);
    a.emit(SfenceVma { rs1: 0, rs2: 0 });
    count_down(&mut a, outer);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let pages: [(u64, &[u8]); 2] = [(pa_a, &one), (pa_b, &hundred)];
    for (name, step) in &mut engines() {
        let mut h = flip_machine(&code, va_d, (pa_a, pa_b), &pages);
        let mut steps = 0;
        while step(&mut h) != Exit::Wfi {
            steps += 1;
            assert!(steps < 1000, "{name}: no wfi");
        }
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
        assert_eq!(
            h.x[13],
            5 * 3 + 5 * 300,
            "{name}: a load after the fence read the old frame"
        );
    }
}

/// `sfence.vma` of the page a translation runs on ends it: a function
/// rewrites its own page's PTE (through a mapping of the page table) to
/// flip the page to the other of two frames, fences it, and the
/// instructions after the fence come from the new frame, which differs in
/// one immediate: each call shifts one bit into x13 saying which frame
/// ran it.
#[test]
fn sfence_of_its_own_page_ends_a_translation() {
    use Inst::*;
    let va_c = 0x1000_0000u64;
    let (pa_1, pa_2) = (RAM_BASE + 0x5_0000, RAM_BASE + 0x5_1000);
    let frame = |bit: i32| {
        let mut f = Asm::new();
        flip(&mut f);
        f.emit(SfenceVma { rs1: 5, rs2: 0 });
        f.emit(Slli {
            rd: 13,
            rs1: 13,
            shamt: 1,
        });
        f.emit(Addi {
            rd: 13,
            rs1: 13,
            imm: bit,
        });
        f.emit(Jalr {
            rd: 0,
            rs1: 1,
            imm: 0,
        });
        f.finish().expect("assembles")
    };
    let (frame_1, frame_2) = (frame(1), frame(0));
    let mut a = Asm::new();
    a.li(13, 0);
    call_ten_times(&mut a, va_c);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let pages: [(u64, &[u8]); 2] = [(pa_1, &frame_1), (pa_2, &frame_2)];
    for (name, step) in &mut engines() {
        let mut h = flip_machine(&code, va_c, (pa_1, pa_2), &pages);
        assert_eq!(step(&mut h), Exit::Wfi, "{name}");
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
        // Calls 1, 3, .. flip frame 1 to 2 and finish in frame 2 (bit 0).
        assert_eq!(
            h.x[13], 0b01_0101_0101,
            "{name}: code after the fence came from the old frame"
        );
    }
}

/// The same through a 2 MiB page: a call through `jalr` runs code in a
/// superpage; the host replaces the superpage by a table mapping the
/// callee's page elsewhere, and the guest fences another address of the
/// region (which the superpage's translation covered too): the next call
/// must run the new code.
#[test]
fn sfence_inside_a_superpage_reaches_the_jump_cache() {
    use Inst::*;
    let va_c = 0x1000_0000u64; // 2 MiB aligned
    let (off, pa_new) = (0x5_0000u64, RAM_BASE + 0x5_1000);
    let mut a = Asm::new();
    let lp = a.label();
    a.li(13, 0);
    a.li(31, 10);
    a.li(5, va_c + off);
    a.li(6, va_c + 0x1000);
    a.bind(lp);
    a.emit(Jalr {
        rd: 1,
        rs1: 5,
        imm: 0,
    });
    count_down(&mut a, lp);
    a.emit(Wfi); // the host remaps the region here
    a.emit(SfenceVma { rs1: 6, rs2: 0 });
    a.emit(Jalr {
        rd: 1,
        rs1: 5,
        imm: 0,
    });
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let (old, new) = (add_x13_and_return(1), add_x13_and_return(100));
    let pages: [(u64, &[u8]); 2] = [(RAM_BASE + off, &old), (pa_new, &new)];
    for (name, step) in &mut engines() {
        // remap_machine maps va_c's page through the table at l0_c; make
        // its level-1 entry a 2 MiB leaf over RAM instead.
        let (mut h, slot) = remap_machine(&code, va_c + off, pa_new, &pages);
        let l0_c = slot & !0xfff;
        let l1_slot = RAM_BASE + 0x4_1000 + ((va_c >> 21) & 0x1ff) * 8;
        assert!(h.ram.store_u64(l1_slot - RAM_BASE, pte(RAM_BASE, LEAF)));
        h.flush_tlb();
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
        assert_eq!(h.x[13], 10, "{name}: before the remap");
        assert!(h.ram.store_u64(l1_slot - RAM_BASE, pte(l0_c, 1)));
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: second wfi");
        assert_eq!(h.x[13], 110, "{name}: stale code after sfence.vma");
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
    }
}

/// A load or store that straddles two virtual pages mapped to physical
/// pages far apart reads and writes both halves where the page tables say
/// (translated code's inline TLB path must leave it to the slow path: the
/// host bytes after the first page belong to another guest page).
#[test]
fn accesses_straddling_pages_mapped_apart_agree_with_the_interpreter() {
    use Inst::*;
    let va = STRADDLE_VA;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(13, 0);
    a.li(14, 0);
    a.li(31, 20);
    a.li(5, va + 0xffc);
    a.bind(lp);
    // x10 = 8 bytes across the boundary; x13 accumulates; then store
    // x13 across the boundary and read its two halves back one page each.
    a.emit(Ld {
        rd: 10,
        rs1: 5,
        imm: 0,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 10,
    });
    a.emit(Lw {
        rd: 11,
        rs1: 5,
        imm: 2,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 11,
    });
    a.emit(Sd {
        rs1: 5,
        rs2: 13,
        imm: 0,
    });
    a.emit(Lwu {
        rd: 12,
        rs1: 5,
        imm: 4,
    });
    a.emit(Add {
        rd: 14,
        rs1: 14,
        rs2: 12,
    });
    a.emit(Sh {
        rs1: 5,
        rs2: 14,
        imm: 3,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    straddle_agrees(&a.finish().expect("assembles"));
}

/// Virtual pages `STRADDLE_VA` and the next map to physical pages 12K
/// apart (`STRADDLE_PA`: low, the page after it, high).
const STRADDLE_VA: u64 = 0x1000_0000;
const STRADDLE_PA: [u64; 3] = [
    RAM_BASE + 0x5_0000,
    RAM_BASE + 0x5_1000,
    RAM_BASE + 0x5_3000,
];

/// Runs `code` (S-mode, Sv39, at virtual 0x2000_0000, ending in `wfi`)
/// over the pages of `STRADDLE_VA` in every engine: x13, x14 and the
/// three physical pages must agree with the interpreter's, and the page
/// after the low one (mapped nowhere) must be untouched.
fn straddle_agrees(code: &[u8]) {
    const SV39: u64 = 8 << 60;
    let (root, l1, l0) = (
        RAM_BASE + 0x4_0000,
        RAM_BASE + 0x4_1000,
        RAM_BASE + 0x4_2000,
    );
    let [pa_lo, pa_gap, pa_hi] = STRADDLE_PA;
    let (va, va_main) = (STRADDLE_VA, 0x2000_0000u64);
    let run = |name: &str, step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).expect("RAM"));
        assert!(ram.write_bytes(CODE - RAM_BASE, code));
        let fill = |pa: u64, seed: u8| {
            let bytes: Vec<u8> = (0..4096u32)
                .map(|i| (i as u8).wrapping_mul(7) ^ seed)
                .collect();
            assert!(ram.write_bytes(pa - RAM_BASE, &bytes));
        };
        fill(pa_lo, 0x11);
        fill(pa_gap, 0x5a);
        fill(pa_hi, 0xc3);
        let put = |at: u64, v: u64| assert!(ram.write_bytes(at - RAM_BASE, &v.to_le_bytes()));
        put(root, pte(l1, 1));
        put(l1 + ((va >> 21) & 0x1ff) * 8, pte(l0, 1));
        put(l1 + ((va_main >> 21) & 0x1ff) * 8, pte(l0 + 0x1000, 1));
        put(l0 + ((va >> 12) & 0x1ff) * 8, pte(pa_lo, LEAF));
        put(l0 + (((va >> 12) + 1) & 0x1ff) * 8, pte(pa_hi, LEAF));
        put(l0 + 0x1000 + ((va_main >> 12) & 0x1ff) * 8, pte(CODE, LEAF));
        let bus = Arc::new(BusBuilder::new(ram.clone()).build());
        let mut cfg = HartConfig::machine(0, va_main);
        cfg.reset_mode = rvisor_cpu::PrivilegeMode::Supervisor;
        let mut h = Hart::new(cfg, bus, HartSignals::new(), TimerQueue::new(Clock::new()));
        h.csr.satp = SV39 | root >> 12;
        h.flush_tlb();
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: wfi");
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
        let mut pages = vec![0; 3 * 4096];
        for (k, pa) in STRADDLE_PA.iter().enumerate() {
            assert!(ram.read_bytes(pa - RAM_BASE, &mut pages[k * 4096..(k + 1) * 4096]));
        }
        assert_eq!(
            pages[4096], 0x5a,
            "{name}: wrote the physical page after the first"
        );
        (h.x[13], h.x[14], pages)
    };
    let want = run("interpreter", &mut |h: &mut Hart| h.run(1 << 20));
    for policy in [Policy::Always, Policy::Hot(2)] {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        let got = run(&format!("{policy:?}"), &mut |h: &mut Hart| {
            jit.run(h, 1 << 20)
        });
        assert!(
            got == want,
            "{policy:?}: x13 {:#x} x14 {:#x} (interpreter: {:#x} {:#x}) or memory differ",
            got.0,
            got.1,
            want.0,
            want.1
        );
    }
}

/// A U-mode hart under Sv39 running `code` (mapped user at `VA_MAIN`),
/// with the user pages `pages` (virtual, physical, bytes) mapped, all in
/// one 2 MiB region; its traps go to an M-mode `wfi`.
fn user_hart(code: &[u8], pages: &[(u64, u64, Vec<u8>)]) -> Hart {
    use Inst::*;
    const SV39: u64 = 8 << 60;
    const USER: u64 = 0x10;
    let (root, l1, l0, l0_main) = (
        RAM_BASE + 0x4_0000,
        RAM_BASE + 0x4_1000,
        RAM_BASE + 0x4_2000,
        RAM_BASE + 0x4_3000,
    );
    let trap = RAM_BASE + 0x4_4000;
    let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).expect("RAM"));
    assert!(ram.write_bytes(CODE - RAM_BASE, code));
    let mut w = Asm::new();
    w.emit(Wfi);
    assert!(ram.write_bytes(trap - RAM_BASE, &w.finish().expect("assembles")));
    let put = |at: u64, v: u64| assert!(ram.write_bytes(at - RAM_BASE, &v.to_le_bytes()));
    put(root, pte(l1, 1));
    put(l1 + ((VA_MAIN >> 21) & 0x1ff) * 8, pte(l0_main, 1));
    put(
        l0_main + ((VA_MAIN >> 12) & 0x1ff) * 8,
        pte(CODE, LEAF | USER),
    );
    for (va, pa, bytes) in pages {
        assert_eq!(va >> 21, pages[0].0 >> 21, "one region");
        assert!(ram.write_bytes(pa - RAM_BASE, bytes));
        put(l1 + ((va >> 21) & 0x1ff) * 8, pte(l0, 1));
        put(l0 + ((va >> 12) & 0x1ff) * 8, pte(*pa, LEAF | USER));
    }
    let bus = Arc::new(BusBuilder::new(ram).build());
    let mut cfg = HartConfig::machine(0, VA_MAIN);
    cfg.reset_mode = rvisor_cpu::PrivilegeMode::User;
    let mut h = Hart::new(cfg, bus, HartSignals::new(), TimerQueue::new(Clock::new()));
    h.mmu.open_pmp_for_supervisor();
    // (A hart reset to U or S mode delegates its traps to S.)
    h.csr.medeleg = 0;
    h.csr.mtvec = trap;
    h.csr.satp = SV39 | root >> 12;
    h.flush_tlb();
    h
}

/// Run a [`user_hart`] to its `wfi`: the program must end with its
/// `ecall` and take no other trap.
fn run_user(h: &mut Hart, step: &mut dyn FnMut(&mut Hart) -> Exit) {
    let mut steps = 0;
    while step(h) == Exit::Budget {
        steps += 1;
        assert!(steps < 1000, "no wfi: pc {:#x}, {:?}", h.pc, h.prv);
    }
    assert_eq!(h.csr.mcause, 8, "ends with the ecall");
    assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 1, "no other trap");
}

/// One load site, 40 times round: x13 += the 8 bytes at x6, starting
/// at `first`, x6 flipping by `flip` (xor) each time.
fn loads_by_turns(a: &mut Asm, first: u64, flip: u64) {
    use Inst::*;
    let top = a.label();
    a.li(6, first);
    a.li(15, flip);
    a.li(31, 40);
    a.bind(top);
    a.emit(Ld {
        rd: 7,
        rs1: 6,
        imm: 0,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 7,
    });
    a.emit(Xor {
        rd: 6,
        rs1: 6,
        rs2: 15,
    });
    count_down(a, top);
}

/// The engines of the user-mode tests: the translator translating
/// everything and hot code, and everything with short budgets.
const USER_ENGINES: [(Policy, u64); 3] = [
    (Policy::Always, 1 << 20),
    (Policy::Hot(2), 1 << 20),
    (Policy::Always, 37),
];

/// In a user process a load site checks its slot of the MMU's site
/// cache, a copy of the TLB entry it used last, before the TLB (see
/// `Emitter::site_probe`): U-mode code under Sv39 loads through one site
/// from two virtual pages mapped to physical pages apart (so with two
/// deltas), alternating and in runs, and through another site from one
/// page only; then one site loads at the first page's end and across
/// the two pages' boundary by turns. The sums must agree with the
/// interpreter's, in every engine and with budgets that stop the loops
/// anywhere. The program ends with an `ecall` to an M-mode `wfi`.
#[test]
fn user_loads_whose_page_changes_agree_with_the_interpreter() {
    use Inst::*;
    let (pa_lo, pa_hi) = (RAM_BASE + 0x5_3000, RAM_BASE + 0x5_0000);
    let va = 0x1000_0000u64;
    let mut a = Asm::new();
    let (top, same) = (a.label(), a.label());
    a.li(6, va);
    a.li(9, va + 0x1008);
    a.li(11, va);
    a.li(12, 0x1ff8);
    a.li(15, 0x1000);
    a.li(31, 300);
    a.bind(top);
    // x6 flips between the pages every iteration, or stays for a run of
    // eight (bit 3 of the count).
    a.emit(Ld {
        rd: 7,
        rs1: 6,
        imm: 0,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 7,
    });
    a.emit(Ld {
        rd: 8,
        rs1: 9,
        imm: 0,
    });
    a.emit(Xor {
        rd: 14,
        rs1: 14,
        rs2: 8,
    });
    a.emit(Andi {
        rd: 10,
        rs1: 31,
        imm: 8,
    });
    a.bne(10, 0, same);
    a.emit(Xor {
        rd: 6,
        rs1: 6,
        rs2: 15,
    });
    a.bind(same);
    a.emit(Addi {
        rd: 6,
        rs1: 6,
        imm: 8,
    });
    a.emit(And {
        rd: 6,
        rs1: 6,
        rs2: 12,
    });
    a.emit(Or {
        rd: 6,
        rs1: 6,
        rs2: 11,
    });
    count_down(&mut a, top);
    // One site loads the low page's last 8 bytes, then 8 bytes 4 on
    // (across the boundary of the two pages mapped apart), by turns: the
    // crossing load must not use the slot's delta of the low page.
    loads_by_turns(&mut a, va + 0xff8, 0xff8 ^ 0xffc);
    a.emit(Ecall);
    let code = a.finish().expect("assembles");
    let page = |seed: u8| -> Vec<u8> {
        (0..4096u32)
            .map(|i| (i as u8).wrapping_mul(13) ^ seed)
            .collect()
    };
    let pages = [(va, pa_lo, page(0x11)), (va + 0x1000, pa_hi, page(0xc3))];
    let run = |step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let mut h = user_hart(&code, &pages);
        run_user(&mut h, step);
        (h.x, h.stats.instret)
    };
    let want = run(&mut |h: &mut Hart| h.run(1 << 20));
    for (policy, budget) in USER_ENGINES {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        let got = run(&mut |h: &mut Hart| jit.run(h, budget));
        assert_eq!(got, want, "{policy:?}, budget {budget}");
    }
    // Stopped inside the first loop (the ecall's trap to M-mode would
    // empty the slots): its load sites filled theirs. A single-page
    // fence (the guest kernel unmapping a page) empties them: they copy
    // TLB entries it drops; so does a trap into S-mode.
    let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    let mut h = user_hart(&code, &pages);
    assert_eq!(jit.run(&mut h, 1000), Exit::Budget);
    assert!(
        h.mmu.site_cache().0 >= 2,
        "the load sites filled their slots"
    );
    h.prv = rvisor_cpu::PrivilegeMode::Supervisor;
    h.sfence_vma(Some(va + 0x5000), None)
        .expect("S-mode may fence");
    assert_eq!(
        h.mmu.site_cache(),
        (0, false),
        "slots left after sfence.vma"
    );
    h.prv = rvisor_cpu::PrivilegeMode::User;
    assert_eq!(jit.run(&mut h, 1000), Exit::Budget);
    assert!(h.mmu.site_cache().0 >= 2, "filled again");
    h.prv = rvisor_cpu::PrivilegeMode::Supervisor;
    h.refresh_site_cache();
    assert_eq!(h.mmu.site_cache(), (0, false), "slots left in S-mode");
}

/// The site cache's slots hold what the TLB gives under the current
/// context: an S-mode loop loads from a user page with SUM set, clears
/// SUM (a CSR write, no fence) and runs again, and its first load must
/// then take a page fault, in every engine (a slot filled under SUM
/// would let it through).
#[test]
fn a_loop_run_again_after_sum_is_cleared_takes_its_page_fault() {
    use Inst::*;
    const SUM: u64 = 1 << 18;
    let (va, pa) = (0x1000_0000u64, RAM_BASE + 0x5_3000);
    let mut a = Asm::new();
    let round = a.label();
    a.li(20, 2);
    a.li(21, SUM);
    a.bind(round);
    loads_by_turns(&mut a, va, 8);
    a.emit(Csrrc {
        rd: 0,
        rs1: 21,
        csr: rvisor_isa::csr::SSTATUS,
    });
    a.emit(Addi {
        rd: 20,
        rs1: 20,
        imm: -1,
    });
    a.bne(20, 0, round);
    a.emit(Ecall);
    let code = a.finish().expect("assembles");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i as u8) ^ 0x3c).collect();
    let pages = [(va, pa, bytes)];
    let run = |step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let mut h = user_hart(&code, &pages);
        // The code page without the U bit, run in S-mode with SUM set.
        let l0_main = RAM_BASE + 0x4_3000;
        let at = l0_main + ((VA_MAIN >> 12) & 0x1ff) * 8;
        assert!(h
            .ram
            .write_bytes(at - RAM_BASE, &pte(CODE, LEAF).to_le_bytes()));
        h.prv = rvisor_cpu::PrivilegeMode::Supervisor;
        h.csr.mstatus |= SUM;
        h.flush_tlb();
        let mut steps = 0;
        while step(&mut h) == Exit::Budget {
            steps += 1;
            assert!(steps < 1000, "no wfi: pc {:#x}, {:?}", h.pc, h.prv);
        }
        assert_eq!(h.csr.mcause, 13, "a load page fault");
        (h.x, h.stats.instret, h.csr.mepc, h.csr.mtval)
    };
    let want = run(&mut |h: &mut Hart| h.run(1 << 20));
    assert_eq!(want.3, va, "the second round's first load faults");
    for (policy, budget) in USER_ENGINES {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        let got = run(&mut |h: &mut Hart| jit.run(h, budget));
        assert_eq!(got, want, "{policy:?}, budget {budget}");
    }
}

/// A user loop that loads from the first page of the address space (a
/// guest may map it): its site's slot must not take the compare value of
/// page 0 for a slot that holds nothing (no delta: the host address would
/// be the guest's va), in every engine.
#[test]
fn user_loads_from_page_zero_agree_with_the_interpreter() {
    use Inst::*;
    let pa = RAM_BASE + 0x5_3000;
    let mut a = Asm::new();
    loads_by_turns(&mut a, 0, 8);
    a.emit(Ecall);
    let code = a.finish().expect("assembles");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i as u8).wrapping_mul(29) ^ 0x5a)
        .collect();
    let pages = [(0, pa, bytes)];
    let run = |step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let mut h = user_hart(&code, &pages);
        run_user(&mut h, step);
        (h.x, h.stats.instret)
    };
    let want = run(&mut |h: &mut Hart| h.run(1 << 20));
    assert_ne!(want.0[13], 0, "the loads read the page's bytes");
    for (policy, budget) in USER_ENGINES {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        let got = run(&mut |h: &mut Hart| jit.run(h, budget));
        assert_eq!(got, want, "{policy:?}, budget {budget}");
    }
}

/// A random user program of loops over loads and stores (every size,
/// offsets that make some misaligned and some cross the boundary between
/// two pages mapped apart) among ALU instructions on [`FEW_REGS`]: the
/// loops' sites use the site cache (slots filled, hit, missed across
/// the pages, and never matched by an access that crosses them).
fn user_memory_program(seed: u64, va: u64) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1, &FEW_REGS);
    let mut a = Asm::new();
    a.li(8, va + 0x1000 - 8);
    a.li(9, va + 0x1000 + 3);
    for _ in 0..3 + rng.below(6) {
        let top = a.label();
        a.li(31, 1 + rng.below(30));
        a.bind(top);
        for _ in 0..2 + rng.below(8) {
            if rng.below(3) == 0 {
                a.emit(alu(&mut rng));
            } else {
                // mem()'s accesses, through the data pointers only (x0
                // would fault: one trap ends a user run).
                let inst = loop {
                    let inst = mem(&mut rng);
                    if inst.int_operands().is_some_and(|(r, _)| r[0] != 0) {
                        break inst;
                    }
                };
                a.emit(inst);
            }
        }
        // The pointers walk a little, so sites meet both pages.
        a.emit(Inst::Xori {
            rd: 8,
            rs1: 8,
            imm: 8,
        });
        count_down(&mut a, top);
    }
    a.emit(Inst::Ecall);
    a.finish().expect("assembles")
}

#[test]
fn random_user_memory_loops_agree_with_the_interpreter() {
    let (pa_lo, pa_hi) = (RAM_BASE + 0x5_3000, RAM_BASE + 0x5_0000);
    let va = 0x1000_0000u64;
    for seed in 1..150 {
        let code = user_memory_program(seed, va);
        let mut rng = Rng::new(seed | 1);
        let mut page = || -> Vec<u8> { (0..4096).map(|_| rng.next() as u8).collect() };
        let pages = [(va, pa_lo, page()), (va + 0x1000, pa_hi, page())];
        let run = |step: &mut dyn FnMut(&mut Hart) -> Exit| {
            let mut h = user_hart(&code, &pages);
            for r in [10, 11, 12, 13, 14, 15, 16, 17, 18] {
                h.x[r] = (r as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (r % 7);
            }
            run_user(&mut h, step);
            let mut data = vec![0; 0x1000 * 2];
            assert!(h.ram.read_bytes(pa_lo - RAM_BASE, &mut data[..0x1000]));
            assert!(h.ram.read_bytes(pa_hi - RAM_BASE, &mut data[0x1000..]));
            (h.x, h.stats.instret, data)
        };
        let want = run(&mut |h: &mut Hart| h.run(1 << 20));
        for (policy, budget) in USER_ENGINES {
            let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
            let got = run(&mut |h: &mut Hart| jit.run(h, budget));
            assert!(
                got == want,
                "seed {seed}, {policy:?}, budget {budget}: registers, instret or memory differ"
            );
        }
    }
}

/// A translation made for U-mode may run in S-mode (a kernel that maps
/// the same page at the same address without the U bit and jumps there):
/// its site probes then see a context whose low bits are set (S, SUM),
/// which a misaligned address could match in the compare. Slots are
/// filled only under a context with those bits clear, so one site's
/// aligned loads from a page's last 8 bytes and its loads one byte on
/// (misaligned by 1, across the boundary of two pages mapped apart) must
/// agree with the interpreter's in S-mode too.
#[test]
fn a_user_translation_run_in_s_mode_crosses_no_page_through_its_slots() {
    use Inst::*;
    const SUM: u64 = 1 << 18;
    let (pa_lo, pa_hi) = (RAM_BASE + 0x5_3000, RAM_BASE + 0x5_0000);
    let va = 0x1000_0000u64;
    let mut a = Asm::new();
    loads_by_turns(&mut a, va + 0xff8, 1);
    a.emit(Ecall);
    let code = a.finish().expect("assembles");
    let page = |seed: u8| -> Vec<u8> { (0..4096u32).map(|i| (i as u8) ^ seed).collect() };
    let pages = [(va, pa_lo, page(0x11)), (va + 0x1000, pa_hi, page(0xc3))];
    // Runs the program in U-mode, then again in S-mode (SUM set) from its
    // code page remapped without the U bit.
    let run = |step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let mut h = user_hart(&code, &pages);
        run_user(&mut h, step);
        let user = h.x[13];
        let root = (h.csr.satp & ((1 << 44) - 1)) << 12;
        let l0_main = RAM_BASE + 0x4_3000;
        assert_eq!(root, RAM_BASE + 0x4_0000);
        let at = l0_main + ((VA_MAIN >> 12) & 0x1ff) * 8;
        assert!(h
            .ram
            .write_bytes(at - RAM_BASE, &pte(CODE, LEAF).to_le_bytes()));
        h.flush_tlb();
        h.prv = rvisor_cpu::PrivilegeMode::Supervisor;
        h.csr.mstatus |= SUM;
        h.pc = VA_MAIN;
        h.x[13] = 0;
        h.stats.exceptions = [0; 24];
        let mut steps = 0;
        while step(&mut h) == Exit::Budget {
            steps += 1;
            assert!(steps < 1000, "no wfi: pc {:#x}, {:?}", h.pc, h.prv);
        }
        assert_eq!(h.csr.mcause, 9, "S-mode ends with the ecall");
        (user, h.x[13])
    };
    let want = run(&mut |h: &mut Hart| h.run(1 << 20));
    assert_eq!(want.0, want.1, "both modes load the same bytes");
    for (policy, budget) in USER_ENGINES {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        let got = run(&mut |h: &mut Hart| jit.run(h, budget));
        assert_eq!(got, want, "{policy:?}, budget {budget}");
    }
}

/// A user process writes code and runs it (a JIT, a loader): its store
/// sites' slots of the site cache (see `Emitter::site_probe`) are filled
/// while the page holds no translated code, and must not let a store
/// past the code's page once it does. Each round stores one of two
/// `addi` instructions and a `ret` through the same two sites in a loop,
/// and from the second round on runs `fence.i` and calls the code: x13
/// must add up the new instruction's immediate every round, in every
/// engine.
#[test]
fn user_stores_to_code_they_run_agree_with_the_interpreter() {
    use Inst::*;
    let (va_c, pa_c) = (0x1000_0000u64, RAM_BASE + 0x5_2000);
    let word = |inst: Inst| {
        let mut w = Asm::new();
        w.emit(inst);
        let b = w.finish().expect("assembles");
        u64::from(u32::from_le_bytes(b[..4].try_into().expect("4 bytes")))
    };
    let add = |imm| {
        word(Addi {
            rd: 13,
            rs1: 13,
            imm,
        })
    };
    let ret = word(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    let mut a = Asm::new();
    let (top, store, stored) = (a.label(), a.label(), a.label());
    a.li(20, va_c);
    a.li(21, add(1));
    a.li(22, ret);
    a.li(23, add(1) ^ add(100));
    a.li(24, 2);
    a.li(30, 34);
    a.bind(top);
    // The stores loop (the slots are a loop's sites'): three times round.
    a.li(31, 3);
    a.bind(store);
    a.emit(Sw {
        rs1: 20,
        rs2: 21,
        imm: 0,
    });
    a.emit(Sw {
        rs1: 20,
        rs2: 22,
        imm: 4,
    });
    count_down(&mut a, store);
    // The first two rounds only store (the sites' slots fill while the
    // page holds no code).
    a.emit(Addi {
        rd: 24,
        rs1: 24,
        imm: -1,
    });
    a.blt(0, 24, stored);
    a.emit(FenceI);
    a.emit(Jalr {
        rd: 1,
        rs1: 20,
        imm: 0,
    });
    a.bind(stored);
    a.emit(Xor {
        rd: 21,
        rs1: 21,
        rs2: 23,
    });
    a.emit(Addi {
        rd: 30,
        rs1: 30,
        imm: -1,
    });
    a.bne(30, 0, top);
    a.emit(Ecall);
    let code = a.finish().expect("assembles");
    let pages = [(va_c, pa_c, vec![0; 4096])];
    let mut reference = user_hart(&code, &pages);
    run_user(&mut reference, &mut |h: &mut Hart| h.run(1 << 20));
    assert_eq!(
        reference.x[13],
        17 * 100 + 16,
        "the interpreter ran each new code"
    );
    for (policy, budget) in USER_ENGINES {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        let mut h = user_hart(&code, &pages);
        run_user(&mut h, &mut |h: &mut Hart| jit.run(h, budget));
        assert_eq!(
            (h.x, h.stats.instret),
            (reference.x, reference.stats.instret),
            "{policy:?}, budget {budget}"
        );
    }
}

/// Loads and stores through one base register share one TLB probe (see
/// `emit::groups`): their base walks across the boundary of two virtual
/// pages mapped apart, so the group's bytes are in one page on some
/// passes and straddle on others, where the first access's probe fails
/// and every other access must find its own page (not the delta a
/// previous pass left).
#[test]
fn accesses_sharing_a_probe_agree_with_the_interpreter_across_pages() {
    use Inst::*;
    let va = STRADDLE_VA;
    let mut a = Asm::new();
    let (outer, inner) = (a.label(), a.label());
    a.li(13, 0);
    a.li(14, 0);
    a.li(30, 3);
    a.bind(outer);
    a.li(5, va + 0xfd0);
    a.li(31, 24);
    a.bind(inner);
    a.emit(Ld {
        rd: 10,
        rs1: 5,
        imm: 0,
    });
    a.emit(Ld {
        rd: 11,
        rs1: 5,
        imm: 16,
    });
    a.emit(Slli {
        rd: 13,
        rs1: 13,
        shamt: 1,
    });
    a.emit(Xor {
        rd: 13,
        rs1: 13,
        rs2: 10,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 11,
    });
    a.emit(Sw {
        rs1: 5,
        rs2: 13,
        imm: 4,
    });
    a.emit(Lhu {
        rd: 12,
        rs1: 5,
        imm: 12,
    });
    a.emit(Sb {
        rs1: 5,
        rs2: 12,
        imm: 20,
    });
    a.emit(Add {
        rd: 14,
        rs1: 14,
        rs2: 12,
    });
    a.emit(Addi {
        rd: 5,
        rs1: 5,
        imm: 4,
    });
    count_down(&mut a, inner);
    a.emit(Addi {
        rd: 30,
        rs1: 30,
        imm: -1,
    });
    a.bne(30, 0, outer);
    a.emit(Wfi);
    straddle_agrees(&a.finish().expect("assembles"));
}

/// Runs `code` (S-mode, Sv39, at virtual 0x2000_0000, ending in `wfi`)
/// with `STRADDLE_VA` and the page after it mapped with `flags` to the
/// physical pages `lo` and `hi`, by `engine` (`None`: the interpreter):
/// x10 to x14, the low page's PTE afterwards, and the probe groups that
/// failed (`jit_groups_failed`).
fn run_paged_groups(
    code: &[u8],
    (lo, hi, flags): (u64, u64, u64),
    engine: Option<Policy>,
) -> ([u64; 5], u64, u64) {
    const SV39: u64 = 8 << 60;
    let (root, l1, l0) = (
        RAM_BASE + 0x4_0000,
        RAM_BASE + 0x4_1000,
        RAM_BASE + 0x4_2000,
    );
    let (va, va_main) = (STRADDLE_VA, 0x2000_0000u64);
    let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).expect("RAM"));
    assert!(ram.write_bytes(CODE - RAM_BASE, code));
    for (pa, seed) in [(lo, 0x11u8), (hi, 0xc3)] {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i as u8).wrapping_mul(7) ^ seed)
            .collect();
        assert!(ram.write_bytes(pa - RAM_BASE, &bytes));
    }
    let put = |at: u64, v: u64| assert!(ram.write_bytes(at - RAM_BASE, &v.to_le_bytes()));
    let lo_pte = l0 + ((va >> 12) & 0x1ff) * 8;
    put(root, pte(l1, 1));
    put(l1 + ((va >> 21) & 0x1ff) * 8, pte(l0, 1));
    put(l1 + ((va_main >> 21) & 0x1ff) * 8, pte(l0 + 0x1000, 1));
    put(lo_pte, pte(lo, flags));
    put(l0 + (((va >> 12) + 1) & 0x1ff) * 8, pte(hi, flags));
    put(l0 + 0x1000 + ((va_main >> 12) & 0x1ff) * 8, pte(CODE, LEAF));
    let bus = Arc::new(BusBuilder::new(ram.clone()).build());
    let mut cfg = HartConfig::machine(0, va_main);
    cfg.reset_mode = rvisor_cpu::PrivilegeMode::Supervisor;
    let mut h = Hart::new(cfg, bus, HartSignals::new(), TimerQueue::new(Clock::new()));
    h.csr.satp = SV39 | root >> 12;
    h.flush_tlb();
    let exit = match engine {
        None => h.run(1 << 20),
        Some(policy) => Jit::new(policy, 1 << 20)
            .expect("code cache")
            .run(&mut h, 1 << 20),
    };
    assert_eq!(exit, Exit::Wfi, "{engine:?}: wfi");
    assert_eq!(
        h.stats.exceptions.iter().sum::<u64>(),
        0,
        "{engine:?}: trapped"
    );
    let mut word = [0u8; 8];
    assert!(ram.read_bytes(lo_pte - RAM_BASE, &mut word));
    let x = [h.x[10], h.x[11], h.x[12], h.x[13], h.x[14]];
    (x, u64::from_le_bytes(word), h.stats.jit_groups_failed)
}

/// A probe group of two loads through x5 (8 bytes apart) folded into
/// x13: across a page's end where x5 points 8 bytes before it.
fn straddling_group(a: &mut Asm) {
    use Inst::*;
    a.emit(Ld {
        rd: 10,
        rs1: 5,
        imm: 0,
    });
    a.emit(Ld {
        rd: 11,
        rs1: 5,
        imm: 8,
    });
    a.emit(Xor {
        rd: 12,
        rs1: 10,
        rs2: 11,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 12,
    });
    a.emit(Slli {
        rd: 13,
        rs1: 13,
        shamt: 1,
    });
}

/// A loop whose probe group (two loads through one base) spans the end
/// of `STRADDLE_VA`'s page, `rounds` times.
fn straddling_group_loop(rounds: u64) -> Vec<u8> {
    use Inst::*;
    let mut a = Asm::new();
    a.li(5, STRADDLE_VA + 0xff8);
    a.li(31, rounds);
    a.li(13, 0);
    let top = a.label();
    a.bind(top);
    straddling_group(&mut a);
    count_down(&mut a, top);
    a.emit(Wfi);
    a.finish().expect("assembles")
}

/// A group whose span covers two pages mapped to physical pages that
/// are not neighbours has no one delta for its members: its leader makes
/// its own access and the translation leaves after it, and after
/// 256 such exits in a row the code is made again without paged
/// groups, so a loop of 1000 rounds does not leave in every round. Where
/// the pages are neighbours (a kernel's linear map), one delta serves
/// both and no group fails.
#[test]
fn a_group_across_pages_leaves_a_while_then_goes_without() {
    let code = straddling_group_loop(1000);
    let [lo, _, hi] = STRADDLE_PA;
    for (pages, apart) in [((lo, hi, LEAF), true), ((lo, lo + 0x1000, LEAF), false)] {
        let want = run_paged_groups(&code, pages, None);
        for policy in [Policy::Always, Policy::Hot(2)] {
            let (x, pte, failed) = run_paged_groups(&code, pages, Some(policy));
            assert_eq!(
                (x, pte),
                (want.0, want.1),
                "{policy:?}, pages apart: {apart}"
            );
            if apart {
                assert!(
                    (256..600).contains(&failed),
                    "{policy:?}: {failed} groups failed"
                );
            } else {
                assert_eq!(failed, 0, "{policy:?}: neighbouring pages");
            }
        }
    }
}

/// The same group in a function a loop calls (a chained jump from the
/// caller's block into it): once the function's code is made again
/// without groups, the caller's chain still reaches its old code, whose
/// next failure takes the page's translations, so the calls do not leave
/// in every round either.
#[test]
fn a_group_that_fails_in_a_called_function_goes_without_too() {
    use Inst::*;
    let mut a = Asm::new();
    let (outer, func) = (a.label(), a.label());
    a.li(5, STRADDLE_VA + 0xff8);
    a.li(9, 1000);
    a.li(13, 0);
    a.bind(outer);
    a.jal(1, func);
    a.emit(Addi {
        rd: 9,
        rs1: 9,
        imm: -1,
    });
    a.bne(9, 0, outer);
    a.emit(Wfi);
    a.bind(func);
    straddling_group(&mut a);
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    let code = a.finish().expect("assembles");
    let [lo, _, hi] = STRADDLE_PA;
    let want = run_paged_groups(&code, (lo, hi, LEAF), None);
    for policy in [Policy::Always, Policy::Hot(2)] {
        let (x, pte, failed) = run_paged_groups(&code, (lo, hi, LEAF), Some(policy));
        assert_eq!((x, pte), (want.0, want.1), "{policy:?}");
        assert!(
            (256..600).contains(&failed),
            "{policy:?}: {failed} groups failed"
        );
    }
}

/// A group with stores whose leader is a load, on a page whose PTE has
/// no D bit: the leader may not set D for its members (a branch may skip
/// them), so it leaves after its own access; the interpreter's PTE and
/// registers result whether the store runs or not.
#[test]
fn a_group_leader_sets_no_dirty_bit_for_its_members() {
    use Inst::*;
    const CLEAN: u64 = LEAF & !0x80;
    let [lo, _, hi] = STRADDLE_PA;
    for store in [0u64, 1] {
        let mut a = Asm::new();
        let out = a.label();
        a.li(5, STRADDLE_VA + 0x100);
        a.li(11, store);
        a.li(12, 0x1234_5678);
        a.emit(Ld {
            rd: 10,
            rs1: 5,
            imm: 0,
        });
        a.beq(11, 0, out);
        a.emit(Sd {
            rs1: 5,
            rs2: 12,
            imm: 8,
        });
        a.emit(Ld {
            rd: 13,
            rs1: 5,
            imm: 8,
        });
        a.bind(out);
        a.emit(Wfi);
        let code = a.finish().expect("assembles");
        let want = run_paged_groups(&code, (lo, hi, CLEAN), None);
        assert_eq!(want.1 & 0x80 != 0, store == 1, "the interpreter's D bit");
        for policy in [Policy::Always, Policy::Hot(2)] {
            let (x, pte, _) = run_paged_groups(&code, (lo, hi, CLEAN), Some(policy));
            assert_eq!((x, pte), (want.0, want.1), "{policy:?}, store: {store}");
        }
    }
}

/// An if/else inside one translation (a forward branch and a forward `j`
/// that stay in it), with a helper call (AMO) on one side: both paths
/// must bring the cached registers to the same state at the join, and
/// count their own instructions.
#[test]
fn branches_inside_a_translation_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let (lp, other, join, skip) = (a.label(), a.label(), a.label(), a.label());
    a.li(31, 50);
    a.bind(lp);
    let add = |a: &mut Asm, rd: u8, rs1: u8, rs2: u8| a.emit(Add { rd, rs1, rs2 });
    add(&mut a, 10, 10, 11);
    add(&mut a, 12, 12, 10);
    add(&mut a, 14, 14, 12);
    a.emit(Andi {
        rd: 15,
        rs1: 10,
        imm: 1,
    });
    a.beq(15, 0, other);
    a.emit(AmoaddD {
        rd: 13,
        rs1: 8,
        rs2: 11,
        aqrl: 0,
    });
    add(&mut a, 16, 16, 13);
    a.jal(0, join);
    a.bind(other);
    add(&mut a, 13, 13, 14);
    a.emit(Xor {
        rd: 16,
        rs1: 16,
        rs2: 12,
    });
    a.bind(join);
    add(&mut a, 10, 10, 13);
    add(&mut a, 11, 11, 16);
    add(&mut a, 17, 17, 10);
    add(&mut a, 18, 18, 11);
    // If-then: the helper call falls through into the join.
    a.emit(Andi {
        rd: 15,
        rs1: 11,
        imm: 2,
    });
    a.bne(15, 0, skip);
    a.emit(AmoaddD {
        rd: 14,
        rs1: 8,
        rs2: 12,
        aqrl: 0,
    });
    a.bind(skip);
    add(&mut a, 12, 12, 14);
    add(&mut a, 16, 16, 12);
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 7);
}

/// Forward branches over a few instructions that compute one register
/// are if-converted (both sides computed, one kept): a CRC-style bit loop
/// whose branch follows the data, an if-then that reads the register it
/// writes, and one whose register is the branch's operand (not
/// converted), under budgets that stop it anywhere.
#[test]
fn if_converted_branches_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let (lp, keep, skip, same) = (a.label(), a.label(), a.label(), a.label());
    a.li(31, 64);
    a.li(12, 0xa001);
    a.bind(lp);
    a.emit(Andi {
        rd: 14,
        rs1: 10,
        imm: 1,
    });
    a.emit(Srli {
        rd: 10,
        rs1: 10,
        shamt: 1,
    });
    a.emit(Xor {
        rd: 13,
        rs1: 10,
        rs2: 12,
    });
    a.beq(14, 0, keep);
    a.emit(Slli {
        rd: 10,
        rs1: 13,
        shamt: 48,
    });
    a.emit(Srli {
        rd: 10,
        rs1: 10,
        shamt: 48,
    });
    a.bind(keep);
    // max(x11, x15) into x11: reads what it writes.
    a.bge(11, 15, skip);
    a.emit(Add {
        rd: 11,
        rs1: 15,
        rs2: 0,
    });
    a.emit(Addi {
        rd: 11,
        rs1: 11,
        imm: 3,
    });
    a.bind(skip);
    a.emit(Add {
        rd: 15,
        rs1: 15,
        rs2: 10,
    });
    // The skipped instruction writes the branch's own operand.
    a.bltu(16, 10, same);
    a.emit(Addi {
        rd: 16,
        rs1: 16,
        imm: 7,
    });
    a.bind(same);
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 5);
}

/// An if-converted branch in a loop whose register cache is full (ten
/// registers, the last in rdi, where the select's old value used to go)
/// keeps the old value in memory instead: the shape of the kernel's
/// `mpihelp_submul_1`, a carry added under an unsigned compare, with the
/// registers (seeded at random) stepped each time round. Both unsigned
/// branches, whose one skipped instruction is counted by the carry.
#[test]
fn if_converted_branches_beside_a_full_register_cache_agree() {
    let add = |a: &mut Asm, rd: u8, rs1: u8, rs2: u8| a.emit(Inst::Add { rd, rs1, rs2 });
    let mut a = Asm::new();
    let (lp, skip, other) = (a.label(), a.label(), a.label());
    a.li(31, 40);
    a.bind(lp);
    // Twelve registers read twice or more each time round: ten cached.
    for r in 5..16u8 {
        add(&mut a, r, r, r + 1);
    }
    for r in 5..16u8 {
        add(&mut a, r + 1, r + 1, r);
    }
    a.bgeu(8, 9, skip);
    a.emit(Inst::Addi {
        rd: 10,
        rs1: 10,
        imm: 1,
    });
    a.bind(skip);
    // The other unsigned branch (the count retired takes the carry
    // either way round).
    a.bltu(11, 12, other);
    a.emit(Inst::Addi {
        rd: 13,
        rs1: 13,
        imm: 5,
    });
    a.bind(other);
    add(&mut a, 16, 16, 10);
    add(&mut a, 16, 16, 13);
    count_down(&mut a, lp);
    a.emit(Inst::Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 9);
}

/// A zero extension written as `slli t, x, 32; srli t, t, s` with
/// register-only instructions between, one of them writing x (the
/// kernel's `mpihelp_submul_1`: `slli a4, a6, 32; srli a6, a6, 32; srli
/// a4, a4, 32`), is done at the `slli` from x's value there; and where a
/// load sits between, as before. Seeded registers, budgets that stop it
/// anywhere.
#[test]
fn zero_extensions_around_other_instructions_agree() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 30);
    a.li(8, 0x8000_0000); // RAM's base: the loads' address
    a.bind(lp);
    a.emit(Mul {
        rd: 16,
        rs1: 16,
        rs2: 17,
    });
    a.emit(Slli {
        rd: 14,
        rs1: 16,
        shamt: 32,
    });
    a.emit(Srli {
        rd: 16,
        rs1: 16,
        shamt: 32,
    });
    a.emit(Srli {
        rd: 14,
        rs1: 14,
        shamt: 32,
    });
    // In place, a register-only instruction between.
    a.emit(Slli {
        rd: 15,
        rs1: 15,
        shamt: 32,
    });
    a.emit(Addi {
        rd: 17,
        rs1: 17,
        imm: 3,
    });
    a.emit(Srli {
        rd: 15,
        rs1: 15,
        shamt: 29,
    });
    // A load between, the source written by it.
    a.emit(Slli {
        rd: 12,
        rs1: 13,
        shamt: 32,
    });
    a.emit(Ld {
        rd: 13,
        rs1: 8,
        imm: 0,
    });
    a.emit(Srli {
        rd: 12,
        rs1: 12,
        shamt: 33,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 14,
    });
    a.emit(Xor {
        rd: 15,
        rs1: 15,
        rs2: 12,
    });
    a.emit(Add {
        rd: 16,
        rs1: 16,
        rs2: 15,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 6);
}

/// A loop whose back branch goes to a tail placed after a call and an
/// exit, a few instructions (moves that rotate registers, a load) that
/// jump back to its head, as gcc lays out busybox's SHA-1 rounds: the
/// tail joins the loop's translation. A second branch shares the tail.
/// Seeded registers, budgets that stop it anywhere (in the tail too).
#[test]
fn loops_closed_by_a_tail_after_the_function_agree() {
    use Inst::*;
    let mut a = Asm::new();
    let (top, tail, func, end, out) = (a.label(), a.label(), a.label(), a.label(), a.label());
    a.li(31, 25);
    a.li(11, 0x8000_0000); // RAM's base: the tail's load
    a.bind(top);
    a.emit(Add {
        rd: 5,
        rs1: 5,
        rs2: 6,
    });
    a.emit(Xor {
        rd: 6,
        rs1: 6,
        rs2: 7,
    });
    a.emit(Addi {
        rd: 31,
        rs1: 31,
        imm: -1,
    });
    a.beq(31, 0, out);
    a.bltu(5, 6, tail);
    a.emit(Addi {
        rd: 7,
        rs1: 7,
        imm: 3,
    });
    a.bne(31, 0, tail);
    a.bind(out);
    a.jal(1, func);
    a.j(end);
    a.bind(tail);
    a.emit(Addi {
        rd: 8,
        rs1: 5,
        imm: 0,
    });
    a.emit(Addi {
        rd: 5,
        rs1: 6,
        imm: 0,
    });
    a.emit(Lw {
        rd: 10,
        rs1: 11,
        imm: 8,
    });
    a.emit(Add {
        rd: 6,
        rs1: 8,
        rs2: 10,
    });
    a.j(top);
    a.bind(func);
    a.emit(Addi {
        rd: 9,
        rs1: 9,
        imm: 3,
    });
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    a.bind(end);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 7);
    // Translated whole, the loop and its tail are one translation: the
    // tail starts none of its own.
    let mut m = machine(&code, 1);
    let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    run_to_wfi(&mut m, &mut |h: &mut Hart| jit.run(h, 1 << 20), 1);
    assert_eq!(
        jit.stats.chains, 0,
        "no exit to the tail's translation nor back"
    );
}

/// Narrow values (see `emit::narrow`) stay 32-bit results through what
/// does not need their upper halves: `xor` of two, `sext.w` and `mv` of
/// one, a loop's back edge, and an if-converted branch whose register
/// holds one on both ways (the select must not keep an unextended old
/// value); then 64-bit uses see them whole. Values with bit 31 set, under
/// budgets that stop the loop anywhere.
#[test]
fn narrow_values_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let (lp, skip) = (a.label(), a.label());
    a.li(31, 50);
    a.li(12, 0x7654_3210_9abc_def1);
    a.emit(Addiw {
        rd: 10,
        rs1: 10,
        imm: 0,
    });
    a.emit(Addiw {
        rd: 11,
        rs1: 0,
        imm: -5,
    });
    a.bind(lp);
    a.emit(Addw {
        rd: 10,
        rs1: 10,
        rs2: 12,
    });
    a.emit(Xor {
        rd: 13,
        rs1: 10,
        rs2: 11,
    });
    a.emit(Addiw {
        rd: 14,
        rs1: 13,
        imm: 0,
    });
    a.emit(Add {
        rd: 15,
        rs1: 14,
        rs2: 0,
    });
    a.emit(Slli {
        rd: 12,
        rs1: 12,
        shamt: 1,
    });
    a.bge(12, 0, skip);
    a.emit(Addiw {
        rd: 10,
        rs1: 10,
        imm: 0x123,
    });
    a.bind(skip);
    a.emit(Add {
        rd: 16,
        rs1: 16,
        rs2: 10,
    });
    a.emit(Srai {
        rd: 17,
        rs1: 15,
        shamt: 40,
    });
    a.emit(Add {
        rd: 16,
        rs1: 16,
        rs2: 17,
    });
    a.emit(Xori {
        rd: 12,
        rs1: 12,
        imm: 0x5a5,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    for seed in [5, 6, 8] {
        check_under_every_policy(&code, seed);
    }
}

/// A loop entered past its first instructions (SHA-256's rounds, whose
/// first copies the way in skips) keeps the values it leaves unextended
/// so at that label and at a forward branch's label inside it (see
/// `narrow::loose`); the 64-bit uses after both labels, the exits and
/// the budget's see them whole. One register comes in 64-bit on the way
/// in, so it may not be taken loose at the entered label.
#[test]
fn loops_entered_past_their_head_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let (lp, mid, skip) = (a.label(), a.label(), a.label());
    a.li(31, 40);
    a.li(12, 0x7654_3210_9abc_def1);
    a.emit(Addiw {
        rd: 10,
        rs1: 10,
        imm: 0,
    });
    a.emit(Addiw {
        rd: 11,
        rs1: 0,
        imm: -5,
    });
    a.li(13, 0x1234_5678_9abc_def0);
    a.j(mid);
    a.bind(lp);
    // The first copies, which the way in skips.
    a.emit(Addiw {
        rd: 13,
        rs1: 10,
        imm: 0,
    });
    a.emit(Addw {
        rd: 11,
        rs1: 11,
        rs2: 13,
    });
    a.bind(mid);
    a.emit(Addw {
        rd: 10,
        rs1: 10,
        rs2: 12,
    });
    a.emit(Xor {
        rd: 14,
        rs1: 10,
        rs2: 11,
    });
    // 64-bit uses between the labels.
    a.emit(Add {
        rd: 17,
        rs1: 17,
        rs2: 13,
    });
    // Over more than an if-converted hammock: a jump to a label.
    a.bge(12, 0, skip);
    for k in 0..8 {
        a.emit(Addiw {
            rd: 10 + (k % 3) as u8,
            rs1: 10 + ((k + 1) % 3) as u8,
            imm: 0xf1 * (k + 1),
        });
    }
    a.bind(skip);
    a.emit(Add {
        rd: 16,
        rs1: 16,
        rs2: 10,
    });
    a.emit(Srai {
        rd: 18,
        rs1: 14,
        shamt: 40,
    });
    a.emit(Add {
        rd: 16,
        rs1: 16,
        rs2: 18,
    });
    a.emit(Add {
        rd: 16,
        rs1: 16,
        rs2: 11,
    });
    a.emit(Slli {
        rd: 12,
        rs1: 12,
        shamt: 1,
    });
    a.emit(Xori {
        rd: 12,
        rs1: 12,
        imm: 0x5a5,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 7);
}

/// Branches between narrow values compare their low halves (see
/// `Emitter::compare32`): signed and unsigned orders, equality and
/// compares with x0, of 32-bit results with and without bit 31 set. Each
/// closes a loop of its own right after the `mulw`, `addw` and `subw`
/// that make its operands, which are still unextended there (a back
/// edge keeps them so; a forward branch inside the translation extends
/// them first); each loop counts its rounds in a register of its own and
/// leaves after 4 at most.
#[test]
fn branches_between_narrow_values_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let outer = a.label();
    a.li(31, 30);
    a.li(13, 1_103_515_245);
    a.bind(outer);
    type Branch = fn(&mut Asm, u8, u8, rvisor_isa::Label);
    let branches: [(Branch, u8, u8); 11] = [
        (Asm::bltu, 10, 25),
        (Asm::bgeu, 25, 10),
        (Asm::blt, 10, 25),
        (Asm::bge, 25, 10),
        (Asm::blt, 10, 0),
        (Asm::bgeu, 0, 25),
        (Asm::beq, 10, 10),
        (Asm::bne, 25, 0),
        (Asm::bltu, 11, 10),
        (Asm::blt, 10, 11),
        (Asm::bge, 11, 0),
    ];
    for (k, (branch, x, y)) in branches.into_iter().enumerate() {
        let lp = a.label();
        let r = 14 + k as u8;
        a.bind(lp);
        // x10: a 32-bit generator's next value; x25 sums them; x11 their
        // difference: signs all over the place.
        a.emit(Mulw {
            rd: 10,
            rs1: 10,
            rs2: 13,
        });
        a.emit(Addiw {
            rd: 10,
            rs1: 10,
            imm: 0x39,
        });
        a.emit(Addw {
            rd: 25,
            rs1: 25,
            rs2: 10,
        });
        a.emit(Subw {
            rd: 11,
            rs1: 10,
            rs2: 25,
        });
        a.emit(Addi {
            rd: r,
            rs1: r,
            imm: 1,
        });
        // At most 4 rounds (`beq x10, x10` would loop for ever).
        let out = a.label();
        a.emit(Andi {
            rd: 12,
            rs1: r,
            imm: 3,
        });
        a.beq(12, 0, out);
        branch(&mut a, x, y, lp);
        a.bind(out);
    }
    count_down(&mut a, outer);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    for seed in [2, 5, 6] {
        check_under_every_policy(&code, seed);
    }
}

/// A loop translated while a register it reads holds a narrow value
/// counts on that (see `emit::narrow`), checked at its entry: called
/// again with a 64-bit value there, the check fails, the interpreter runs
/// the block and the code is translated again without the guess. The
/// results agree with the interpreter's both times, under every policy
/// and budget.
#[test]
fn a_failed_guess_of_a_narrow_register_agrees_with_the_interpreter() {
    let code = narrow_guess_program();
    // An M-mode seed (S-mode code guesses nothing): the second call's
    // entry finds x12 not narrow, once.
    let jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    let jit = check_code_with(&code, 2, Policy::Always, 1 << 20, jit);
    check_under_every_policy(&code, 3);
    assert_eq!(jit.stats.guesses_failed, 1, "{:?}", jit.stats);
}

/// The same in U-mode (user processes guess too): the program's `ecall`
/// goes to a handler that returns to M-mode, at the `wfi` after it.
#[test]
fn a_failed_guess_in_user_mode_agrees_with_the_interpreter() {
    use Inst::*;
    let code = narrow_guess_program();
    let mut a = Asm::new();
    a.emit(Csrrs {
        rd: 5,
        rs1: 0,
        csr: 0x341,
    });
    a.emit(Addi {
        rd: 5,
        rs1: 5,
        imm: 4,
    });
    a.emit(Csrrw {
        rd: 0,
        rs1: 5,
        csr: 0x341,
    });
    a.li(6, 0x1800);
    a.emit(Csrrs {
        rd: 0,
        rs1: 6,
        csr: 0x300,
    });
    a.emit(Mret);
    let handler = a.finish().expect("handler assembles");
    for (policy, budget) in [
        (Policy::Always, 1 << 20),
        (Policy::Always, 7),
        (Policy::Hot(2), 1 << 20),
    ] {
        let user = |seed| {
            let mut h = machine(&code, seed);
            assert!(h.ram.write_bytes(HANDLER - RAM_BASE, &handler));
            h.mmu.open_pmp_for_supervisor();
            h.prv = rvisor_cpu::PrivilegeMode::User;
            h
        };
        for seed in 1..6 {
            let mut reference = user(seed);
            run_to_wfi(&mut reference, |h| h.run(budget), seed);
            let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
            let mut translated = user(seed);
            run_to_wfi(&mut translated, |h| jit.run(h, budget), seed);
            assert_eq!(
                reference.prv,
                rvisor_cpu::PrivilegeMode::Machine,
                "the program ends in M-mode"
            );
            assert_eq!(
                state(&reference),
                state(&translated),
                "seed {seed} {policy:?} {budget}"
            );
            if budget > 7 && policy == Policy::Always {
                assert_eq!(jit.stats.guesses_failed, 1, "{:?}", jit.stats);
            }
        }
    }
}

/// A loop entered at a label inside it (GCC's way with rotated loops)
/// whose way in brings a register from a 64-bit operation that the loop
/// carries round as a 32-bit value: the way in checks that it holds a
/// narrow value (see `emit::narrow::plan_guarded`), and the loop then
/// keeps it unextended. Called again with a 64-bit value there, the check
/// fails: the code leaves at the label with the value whole (the label's
/// state counts it a 32-bit result; extended, the sums differ), and is
/// translated again without that check. Under every policy and budget.
#[test]
fn a_failed_check_on_the_way_into_a_loop_agrees_with_the_interpreter() {
    let code = loop_entry_program();
    // An M-mode seed (S-mode code checks nothing).
    let jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    let jit = check_code_with(&code, 2, Policy::Always, 1 << 20, jit);
    assert_eq!(jit.stats.guards_failed, 1, "{:?}", jit.stats);
    assert_eq!(jit.stats.guesses_failed, 0, "{:?}", jit.stats);
    check_under_every_policy(&code, 5);
}

/// See [`a_failed_check_on_the_way_into_a_loop_agrees_with_the_interpreter`].
fn loop_entry_program() -> Vec<u8> {
    use Inst::*;
    let mut a = Asm::new();
    let (func, lp, mid) = (a.label(), a.label(), a.label());
    a.li(13, 0x1234_5678);
    a.jal(1, func);
    a.li(13, 0x1234_5678_9abc_def0);
    a.jal(1, func);
    a.li(13, 0x7fff_0000);
    a.jal(1, func);
    a.emit(Wfi);
    // func: x10 = a 32-bit mix of x12 = x13 over 20 rounds, added into
    // x15 with x12's last value and the sum of its values. (x12 is written before it is read: the
    // entry guesses nothing of it.)
    a.bind(func);
    a.li(5, 0);
    // Not a copy: the analysis cannot tell that x12 is narrow.
    a.emit(Add {
        rd: 12,
        rs1: 13,
        rs2: 5,
    });
    a.li(11, 20);
    a.li(10, 0xffff_ffff_9000_0000);
    a.j(mid);
    a.bind(lp);
    a.emit(Addw {
        rd: 12,
        rs1: 12,
        rs2: 11,
    });
    a.bind(mid);
    a.emit(Xor {
        rd: 10,
        rs1: 10,
        rs2: 12,
    });
    // All 64 bits of x12 count here.
    a.emit(Add {
        rd: 14,
        rs1: 14,
        rs2: 12,
    });
    round_end(&mut a, lp, &[12, 14]);
    a.finish().expect("assembles")
}

/// The end of a round of [`narrow_guess_program`]'s and
/// [`loop_entry_program`]'s loops: x10 extended, x11 counted down to 0
/// back to `lp`, then x10 and the registers `sums` added into x15, and
/// a return.
fn round_end(a: &mut Asm, lp: rvisor_isa::Label, sums: &[u8]) {
    use Inst::*;
    a.emit(Addiw {
        rd: 10,
        rs1: 10,
        imm: 0,
    });
    a.emit(Addi {
        rd: 11,
        rs1: 11,
        imm: -1,
    });
    a.bne(11, 0, lp);
    for &r in [10].iter().chain(sums) {
        a.emit(Add {
            rd: 15,
            rs1: 15,
            rs2: r,
        });
    }
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
}

/// Divisions by registers set before their loop (see `emit::divisor`):
/// each copy of a function is translated while its divisors hold values
/// of every kind (small, large, negative, powers of two, above 2^63, as
/// words negative or large), which its entry then checks. The first copy
/// is called again with other divisors: its check fails once and it is
/// translated again without them. Dividends of every size, the most
/// negative ones among them, under every policy and budget.
#[test]
fn divisions_by_guessed_divisors_agree_with_the_interpreter() {
    let code = divisor_program();
    let jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    // An M-mode seed (S-mode code guesses nothing).
    let jit = check_code_with(&code, 2, Policy::Always, 1 << 20, jit);
    assert_eq!(jit.stats.divisor_guesses_failed, 1, "{:?}", jit.stats);
    assert_eq!(jit.stats.guesses_failed, 0, "{:?}", jit.stats);
    check_under_every_policy(&code, 9);
}

/// The program of the test above; it ends with `ecall; wfi`.
fn divisor_program() -> Vec<u8> {
    use Inst::*;
    let sets: [[u64; 4]; 6] = [
        [977, 10, 7, 3],
        [-977i64 as u64, (1 << 40) + 3, 0x8000_0001, 0xffff_fff9],
        [16, 1 << 31, -8i64 as u64, 1 << 16],
        [(1 << 63) + 5, u64::MAX - 2, 0x1_0000_0003, 0x7fff_ffff],
        [1_000_000_007, -3i64 as u64, -977i64 as u64, 6],
        [(1 << 62) + 1, 1 << 63, 0xffff_fffe, 0x8000_0000],
    ];
    let mut a = Asm::new();
    let funcs: Vec<_> = sets.iter().map(|_| a.label()).collect();
    for (set, &f) in sets.iter().zip(&funcs) {
        for (r, &v) in (5..=8).zip(set) {
            a.li(r, v);
        }
        a.jal(1, f);
    }
    // The first copy again, with other divisors.
    for (r, &v) in (5..=8).zip(&sets[1]) {
        a.li(r, v);
    }
    a.jal(1, funcs[0]);
    a.emit(Ecall);
    a.emit(Wfi);
    for &f in &funcs {
        a.bind(f);
        let lp = a.label();
        a.li(11, 12);
        a.li(9, 1 << 63);
        a.bind(lp);
        // x10: dividends of every size and sign.
        a.li(12, 0x9e37_79b9_7f4a_7c15);
        a.emit(Mul {
            rd: 10,
            rs1: 10,
            rs2: 12,
        });
        a.emit(Add {
            rd: 10,
            rs1: 10,
            rs2: 11,
        });
        a.emit(Srl {
            rd: 12,
            rs1: 10,
            rs2: 11,
        });
        let ops: [fn(u8, u8, u8) -> Inst; 8] = [
            |rd, rs1, rs2| Div { rd, rs1, rs2 },
            |rd, rs1, rs2| Divu { rd, rs1, rs2 },
            |rd, rs1, rs2| Rem { rd, rs1, rs2 },
            |rd, rs1, rs2| Remu { rd, rs1, rs2 },
            |rd, rs1, rs2| Divw { rd, rs1, rs2 },
            |rd, rs1, rs2| Divuw { rd, rs1, rs2 },
            |rd, rs1, rs2| Remw { rd, rs1, rs2 },
            |rd, rs1, rs2| Remuw { rd, rs1, rs2 },
        ];
        for (k, op) in ops.iter().enumerate() {
            // Each kind by every divisor, of x10, x12 (smaller) and
            // the most negative value.
            for d in 5..=8u8 {
                for (n, x) in [(10u8, 13u8), (12, 14), (9, 16)] {
                    a.emit(op(x, n, d));
                    a.emit(Add {
                        rd: 15,
                        rs1: 15,
                        rs2: x,
                    });
                    // (A rotate: every result counts to the end.)
                    a.emit(Bit {
                        op: BitOp::Rori,
                        rd: 15,
                        rs1: 15,
                        rs2: 1 + (k as u8 + d) % 7,
                    });
                }
            }
        }
        a.emit(Addi {
            rd: 11,
            rs1: 11,
            imm: -1,
        });
        a.bne(11, 0, lp);
        a.emit(Jalr {
            rd: 0,
            rs1: 1,
            imm: 0,
        });
    }
    a.finish().expect("assembles")
}

/// A function whose loop mixes x12 into x10 and x14, called with x12
/// narrow, then 64-bit, then narrow again; it ends with `ecall; wfi`
/// (in M-mode the handler skips the `ecall`).
fn narrow_guess_program() -> Vec<u8> {
    use Inst::*;
    let mut a = Asm::new();
    let (func, lp) = (a.label(), a.label());
    a.li(12, 0x8765_4321);
    a.emit(Addiw {
        rd: 12,
        rs1: 12,
        imm: 0,
    });
    a.jal(1, func);
    a.li(12, 0x1234_5678_1abc_def0);
    a.jal(1, func);
    a.li(12, 0x7fff_0000);
    a.jal(1, func);
    a.emit(Ecall);
    a.emit(Wfi);
    // func: x10 = a 32-bit mix of x12 over 20 rounds, added into x15.
    a.bind(func);
    a.li(11, 20);
    // Negative: x12's upper half shows in x14 when it is not narrow.
    a.li(10, 0xffff_ffff_9000_0000);
    a.bind(lp);
    a.emit(Addw {
        rd: 13,
        rs1: 10,
        rs2: 11,
    });
    a.emit(And {
        rd: 14,
        rs1: 13,
        rs2: 12,
    });
    a.emit(Xor {
        rd: 10,
        rs1: 10,
        rs2: 14,
    });
    round_end(&mut a, lp, &[14]);
    a.finish().expect("assembles")
}

/// A rotate's shift results that only the next iteration writes again
/// are kept virtual round the loop (see `emit::late`): a trap at the
/// next iteration's load, before they are written, must see them. The
/// program's own trap handler adds them into x20, the load faults every
/// other few iterations, and budgets stop the loop anywhere. After the
/// loop they are still virtual at an indirect jump, whose target the
/// exit's computing of them must leave alone.
#[test]
fn virtual_late_shifts_are_what_traps_see() {
    use Inst::*;
    let mut a = Asm::new();
    let (lp, handler, after) = (a.label(), a.label(), a.label());
    a.la(21, handler);
    a.emit(Csrrw {
        rd: 0,
        rs1: 21,
        csr: 0x305,
    });
    a.li(31, 40);
    a.li(10, 0x1234_5678);
    a.li(8, DATA);
    a.bind(lp);
    // x14 = x8, or far outside RAM when bit 2 of the counter is set.
    a.emit(Andi {
        rd: 14,
        rs1: 31,
        imm: 4,
    });
    a.emit(Slli {
        rd: 14,
        rs1: 14,
        shamt: 40,
    });
    a.emit(Add {
        rd: 14,
        rs1: 14,
        rs2: 8,
    });
    a.emit(Lw {
        rd: 5,
        rs1: 14,
        imm: 0,
    });
    // x15 = ror32(x10, 7): x12 and x13 are dead until written again in
    // the next iteration, after its load.
    a.emit(Srliw {
        rd: 12,
        rs1: 10,
        shamt: 7,
    });
    a.emit(Slliw {
        rd: 13,
        rs1: 10,
        shamt: 25,
    });
    a.emit(Or {
        rd: 15,
        rs1: 12,
        rs2: 13,
    });
    a.emit(Add {
        rd: 16,
        rs1: 16,
        rs2: 15,
    });
    // x10 changes: the late point.
    a.emit(Addw {
        rd: 10,
        rs1: 15,
        rs2: 5,
    });
    count_down(&mut a, lp);
    a.la(22, after);
    a.emit(Jalr {
        rd: 0,
        rs1: 22,
        imm: 0,
    });
    a.emit(Wfi);
    a.bind(after);
    a.emit(Addi {
        rd: 23,
        rs1: 0,
        imm: 1,
    });
    a.emit(Wfi);
    a.bind(handler);
    a.emit(Add {
        rd: 20,
        rs1: 20,
        rs2: 12,
    });
    a.emit(Slli {
        rd: 20,
        rs1: 20,
        shamt: 1,
    });
    a.emit(Add {
        rd: 20,
        rs1: 20,
        rs2: 13,
    });
    a.emit(Csrrs {
        rd: 21,
        rs1: 0,
        csr: 0x341,
    });
    a.emit(Addi {
        rd: 21,
        rs1: 21,
        imm: 4,
    });
    a.emit(Csrrw {
        rd: 0,
        rs1: 21,
        csr: 0x341,
    });
    a.emit(Mret);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 3);
}

/// Rotates written as two shifts and an `or` (as hash rounds are) are
/// one host rotate when nothing sees the shifts' results (see
/// `emit::rotate`): 32- and 64-bit ones, one whose shift results are
/// read later and one whose source changes in between (both kept as
/// shifts), under budgets that stop the loop anywhere.
#[test]
fn rotates_from_shifts_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 40);
    a.bind(lp);
    // 32-bit: x12 = ror32(x10, 7) ^ ror32(x10, 18).
    a.emit(Slliw {
        rd: 14,
        rs1: 10,
        shamt: 25,
    });
    a.emit(Srliw {
        rd: 15,
        rs1: 10,
        shamt: 7,
    });
    a.emit(Addw {
        rd: 11,
        rs1: 11,
        rs2: 10,
    });
    a.emit(Or {
        rd: 15,
        rs1: 15,
        rs2: 14,
    });
    a.emit(Srliw {
        rd: 16,
        rs1: 10,
        shamt: 18,
    });
    a.emit(Slliw {
        rd: 14,
        rs1: 10,
        shamt: 14,
    });
    a.emit(Or {
        rd: 12,
        rs1: 14,
        rs2: 16,
    });
    a.emit(Xor {
        rd: 12,
        rs1: 12,
        rs2: 15,
    });
    a.emit(Addi {
        rd: 14,
        rs1: 0,
        imm: 3,
    });
    a.emit(Addi {
        rd: 16,
        rs1: 0,
        imm: 5,
    });
    // 64-bit: x10 = ror64(x10 + x12, 13).
    a.emit(Add {
        rd: 10,
        rs1: 10,
        rs2: 12,
    });
    a.emit(Srli {
        rd: 17,
        rs1: 10,
        shamt: 13,
    });
    a.emit(Slli {
        rd: 18,
        rs1: 10,
        shamt: 51,
    });
    a.emit(Or {
        rd: 10,
        rs1: 17,
        rs2: 18,
    });
    a.emit(Xori {
        rd: 17,
        rs1: 0,
        imm: 1,
    });
    a.emit(Xori {
        rd: 18,
        rs1: 0,
        imm: 2,
    });
    // Shift results read after the `or`: shifts kept.
    a.emit(Srli {
        rd: 19,
        rs1: 11,
        shamt: 3,
    });
    a.emit(Slli {
        rd: 20,
        rs1: 11,
        shamt: 61,
    });
    a.emit(Or {
        rd: 21,
        rs1: 19,
        rs2: 20,
    });
    a.emit(Add {
        rd: 11,
        rs1: 21,
        rs2: 19,
    });
    // The source changes between the shifts: not a rotate.
    a.emit(Srliw {
        rd: 22,
        rs1: 13,
        shamt: 9,
    });
    a.emit(Addi {
        rd: 13,
        rs1: 13,
        imm: 77,
    });
    a.emit(Slliw {
        rd: 23,
        rs1: 13,
        shamt: 23,
    });
    a.emit(Or {
        rd: 13,
        rs1: 22,
        rs2: 23,
    });
    a.emit(Addi {
        rd: 22,
        rs1: 0,
        imm: 0,
    });
    a.emit(Addi {
        rd: 23,
        rs1: 0,
        imm: 0,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 6);
}

/// A rotate whose span holds loads that trap (compilers interleave a hash
/// round's loads with its rotates): the shifts are fused away, so the
/// loads' slow paths must put their results in the hart for the trap
/// handler and for the code after it, which runs from a new translation
/// that starts between the shifts and the `or`.
#[test]
fn rotates_spanning_trapping_loads_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 40);
    a.li(9, 0x10); // no memory there: loads fault, the handler skips them
    a.li(10, 0x1234_5678_9abc_def1);
    a.bind(lp);
    a.emit(Slliw {
        rd: 14,
        rs1: 10,
        shamt: 25,
    });
    a.emit(Lw {
        rd: 8,
        rs1: 9,
        imm: 0,
    });
    a.emit(Srliw {
        rd: 15,
        rs1: 10,
        shamt: 7,
    });
    a.emit(Addw {
        rd: 11,
        rs1: 11,
        rs2: 10,
    });
    a.emit(Or {
        rd: 15,
        rs1: 15,
        rs2: 14,
    });
    a.emit(Ld {
        rd: 8,
        rs1: 9,
        imm: 8,
    });
    a.emit(Add {
        rd: 12,
        rs1: 12,
        rs2: 15,
    });
    // x14 is seen by the trap above only: written again here.
    a.emit(Addi {
        rd: 14,
        rs1: 0,
        imm: 3,
    });
    // 64-bit, with a store in the span that does not trap.
    a.li(13, DATA);
    a.emit(Srli {
        rd: 16,
        rs1: 10,
        shamt: 13,
    });
    a.emit(Sd {
        rs1: 13,
        rs2: 12,
        imm: 8,
    });
    a.emit(Slli {
        rd: 17,
        rs1: 10,
        shamt: 51,
    });
    a.emit(Or {
        rd: 18,
        rs1: 16,
        rs2: 17,
    });
    a.emit(Lbu {
        rd: 8,
        rs1: 9,
        imm: 1,
    });
    a.emit(Addi {
        rd: 16,
        rs1: 0,
        imm: 1,
    });
    a.emit(Addi {
        rd: 17,
        rs1: 0,
        imm: 2,
    });
    a.emit(Add {
        rd: 10,
        rs1: 10,
        rs2: 18,
    });
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 0x123,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 6);
}

/// CSR instructions the translator runs in line: one that makes a pending
/// interrupt deliverable (`csrsi mstatus, MIE` with SSIP pending and
/// enabled) must end the translation there, so the interrupt is taken
/// right after it, as the interpreter takes it; one that only masks
/// (`csrci mstatus, MIE`) need not.
#[test]
fn an_interrupt_enabled_by_a_csr_write_is_taken_right_after_it() {
    use Inst::*;
    const SSIP: u64 = 2;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(5, SSIP);
    a.li(20, 0);
    a.emit(Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x304,
    }); // mie.SSIE
    a.emit(Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x344,
    }); // mip.SSIP
    a.li(31, 40);
    a.bind(lp);
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 1,
    });
    a.emit(Csrrsi {
        rd: 0,
        uimm: 8,
        csr: 0x300,
    }); // mstatus.MIE: taken here
    a.emit(Addi {
        rd: 11,
        rs1: 11,
        imm: 1,
    });
    a.emit(Csrrs {
        rd: 12,
        rs1: 0,
        csr: 0x340,
    }); // a plain read
    a.emit(Csrrci {
        rd: 0,
        uimm: 8,
        csr: 0x300,
    });
    a.emit(Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x344,
    });
    count_down(&mut a, lp);
    a.emit(Csrrc {
        rd: 0,
        rs1: 5,
        csr: 0x344,
    }); // or wfi would not wait
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    // The handler records where it was taken and clears the interrupt.
    let mut h = Asm::new();
    h.emit(Csrrs {
        rd: 21,
        rs1: 0,
        csr: 0x341,
    });
    h.emit(Addi {
        rd: 20,
        rs1: 20,
        imm: 1,
    });
    h.emit(Csrrw {
        rd: 0,
        rs1: 20,
        csr: 0x340,
    });
    h.li(6, SSIP);
    h.emit(Csrrc {
        rd: 0,
        rs1: 6,
        csr: 0x344,
    });
    h.emit(Mret);
    let handler = h.finish().expect("assembles");
    let run = |step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let mut m = machine(&code, 1);
        m.csr.mstatus &= !(1 << 3);
        assert!(m.ram.write_bytes(HANDLER - RAM_BASE, &handler));
        run_to_wfi(&mut m, step, 1);
        m
    };
    let want = run(&mut |h: &mut Hart| h.run(1 << 20));
    assert_eq!(want.x[20], 40, "the interpreter took every interrupt");
    for policy in [Policy::Always, Policy::Hot(2)] {
        let mut jit = Jit::new(policy, 1 << 20).expect("code cache");
        let got = run(&mut |h: &mut Hart| jit.run(h, 1 << 20));
        assert_eq!(state(&got), state(&want), "{policy:?}");
        assert_eq!(
            got.x[21], want.x[21],
            "{policy:?}: where the last one was taken"
        );
        assert!(jit.stats.blocks_translated > 0);
    }
}

/// A jump-cache entry of an older translation epoch is used again only if
/// the fetch TLB maps its pc to the page it was made from, and only if its
/// code was not dropped since. (1) The host remaps a code page; after
/// `sfence.vma` a call to another function of the page walks the new
/// mapping into the TLB, and the next call through the old entry must run
/// the new code. (2) The program rewrites its callee and runs `fence.i`
/// with the mapping unchanged: the old entry's code is gone.
#[test]
fn stale_jump_cache_entries_are_revalidated_not_trusted() {
    use Inst::*;
    let (pa_old, pa_new) = (RAM_BASE + 0x5_0000, RAM_BASE + 0x5_1000);
    // Not in the direct-mapped TLB set of `VA_MAIN`.
    let va_c = 0x1000_1000u64;
    // The callee page: `x13 += imm; ret` at 0, a bare `ret` at 0x100.
    let page = |imm: i32| {
        let mut code = add_x13_and_return(imm);
        code.resize(0x100, 0);
        let mut b = Asm::new();
        b.emit(Jalr {
            rd: 0,
            rs1: 1,
            imm: 0,
        });
        code.extend(b.finish().expect("assembles"));
        code
    };
    let new_first = rvisor_isa::encode(&Addi {
        rd: 13,
        rs1: 13,
        imm: 1000,
    })
    .expect("encodes");
    let mut a = Asm::new();
    let (lp, lp2) = (a.label(), a.label());
    a.li(13, 0);
    a.li(31, 10);
    a.li(5, va_c);
    a.li(6, va_c + 0x100);
    a.bind(lp);
    a.emit(Jalr {
        rd: 1,
        rs1: 5,
        imm: 0,
    });
    count_down(&mut a, lp);
    a.emit(Wfi); // the host remaps va_c here
    a.emit(SfenceVma { rs1: 5, rs2: 0 });
    a.emit(Jalr {
        rd: 1,
        rs1: 6,
        imm: 0,
    }); // the new mapping into the TLB
    a.emit(Jalr {
        rd: 1,
        rs1: 5,
        imm: 0,
    }); // must run the new code: +100
        // (2) Rewrite the first instruction of the (new) callee: +1000.
    a.li(7, u64::from(new_first));
    a.emit(Sw {
        rs1: 5,
        rs2: 7,
        imm: 0,
    });
    a.emit(FenceI);
    a.li(31, 3);
    a.bind(lp2);
    a.emit(Jalr {
        rd: 1,
        rs1: 5,
        imm: 0,
    });
    count_down(&mut a, lp2);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let (old, new) = (page(1), page(100));
    let pages: [(u64, &[u8]); 2] = [(pa_old, &old), (pa_new, &new)];
    for (name, step) in &mut engines() {
        let (mut h, slot) = remap_machine(&code, va_c, pa_old, &pages);
        let remap = |h: &Hart| assert!(h.ram.store_u64(slot - RAM_BASE, pte(pa_new, LEAF)));
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
        assert_eq!(h.x[13], 10, "{name}: before the remap");
        remap(&h);
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: second wfi");
        assert_eq!(
            h.x[13],
            10 + 100 + 3 * 1000,
            "{name}: stale code through the jump cache"
        );
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
    }
}

/// Code translated while data addresses are physical (M-mode) checks only
/// the bounds of RAM (no locked PMP entry) or guesses that the TLB entry
/// maps RAM one to one (one locked); the same translation run with
/// `mstatus.MPRV` (data through S-mode page tables) must load and store
/// where the page tables say, not where the guess points. An M-mode
/// program sums a word of a page through a callee (storing the sum beside
/// it), turns MPRV on with that address mapped elsewhere, and sums again
/// through the same callee.
#[test]
fn loads_translated_without_paging_follow_mprv_translation() {
    use Inst::*;
    const MSTATUS: u16 = 0x300;
    let (pa_a, pa_b) = (RAM_BASE + 0x6_0000, RAM_BASE + 0x7_0000);
    let mut a = Asm::new();
    let (lp, lp2, callee) = (a.label(), a.label(), a.label());
    a.li(13, 0);
    a.li(31, 20);
    a.li(5, pa_a);
    a.bind(lp);
    a.jal(1, callee);
    count_down(&mut a, lp);
    a.emit(Wfi);
    // MPRV with MPP = S: loads go through Sv39, where virtual `pa_a` maps
    // to `pa_b`.
    a.li(7, 1 << 17 | 1 << 11);
    a.emit(Csrrs {
        rd: 0,
        rs1: 7,
        csr: MSTATUS,
    });
    a.li(31, 20);
    a.bind(lp2);
    a.jal(1, callee);
    count_down(&mut a, lp2);
    a.emit(Wfi);
    a.bind(callee);
    a.emit(Ld {
        rd: 14,
        rs1: 5,
        imm: 0,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 14,
    });
    a.emit(Sd {
        rs1: 5,
        rs2: 13,
        imm: 8,
    });
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    let code = a.finish().expect("assembles");
    let pages: [(u64, &[u8]); 2] = [(pa_a, &1u64.to_le_bytes()), (pa_b, &1000u64.to_le_bytes())];
    // Unlocked, the PMP entry leaves M-mode's accesses unchecked (loads
    // check only the bounds of RAM); locked, it applies to M (loads probe
    // the TLB).
    for (locked, (name, step)) in [false, true]
        .into_iter()
        .flat_map(|l| engines().into_iter().map(move |e| (l, e)))
    {
        let name = format!("{name}, locked {locked}");
        let mut step = step;
        let (mut h, _) = remap_machine(&code, pa_a, pa_b, &pages);
        if locked {
            use rvisor_cpu::pmp::{A_NAPOT, CFG_L, CFG_R, CFG_W, CFG_X};
            let cfg = A_NAPOT | CFG_L | CFG_R | CFG_W | CFG_X;
            assert!(h.mmu.pmp.write_cfg(0, u64::from(cfg)));
            h.flush_tlb();
        }
        h.prv = rvisor_cpu::PrivilegeMode::Machine;
        h.pc = CODE;
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
        assert_eq!(h.x[13], 20, "{name}: physical loads");
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: second wfi");
        assert_eq!(h.x[13], 20 + 20 * 1000, "{name}: loads under MPRV");
        let word = |pa: u64| h.ram.load_u64(pa + 8 - RAM_BASE);
        assert_eq!(word(pa_a), Some(20), "{name}: physical stores");
        assert_eq!(
            word(pa_b),
            Some(20 + 20 * 1000),
            "{name}: stores under MPRV"
        );
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
    }
}

/// x registers written by in-line FP instructions (compares, `fmv.x.d`)
/// inside a loop of one translation: at the loop's label the register
/// cache must count them as written, so that the exits write them back.
#[test]
fn x_registers_written_by_in_line_fp_reach_the_hart() {
    use Inst::*;
    for tail in [
        FmvXD { rd: 10, rs1: 31 },
        FltD {
            rd: 10,
            rs1: 30,
            rs2: 31,
        },
    ] {
        let mut a = Asm::new();
        let lp = a.label();
        a.li(31, 5);
        a.bind(lp);
        a.emit(Sd {
            rs1: 8,
            rs2: 10,
            imm: -8,
        });
        a.emit(tail);
        a.emit(Addi {
            rd: 31,
            rs1: 31,
            imm: -1,
        });
        a.bne(31, 0, lp);
        a.emit(Wfi);
        let code = a.finish().expect("assembles");
        for seed in 1..24 {
            check_code(&code, seed, Policy::Always, 1 << 20);
        }
    }
}

/// FP instructions after one that made `mstatus.FS` Dirty skip their own
/// check (see the translator's `fp_state`), but a CSR write in between
/// may turn FP off (`sstatus`, which translated code writes through a
/// helper; a CSR instruction ends its block): the instructions after it
/// must check again, and trap (the handler skips them), in a loop whose
/// head is reached both ways.
#[test]
fn fp_checks_come_back_after_a_csr_write() {
    use Inst::*;
    // mstatus.FS, as the immediate of csrrc/csrrs through x7.
    let fs = 3 << 13;
    let fadd = |rd| FaddD {
        rd,
        rs1: 1,
        rs2: 2,
        rm: RoundingMode::Rne,
    };
    for off_in_loop in [false, true] {
        let mut a = Asm::new();
        a.li(7, fs);
        a.li(31, 6);
        let top = a.label();
        a.emit(fadd(10));
        a.bind(top);
        a.emit(fadd(11));
        a.emit(FleD {
            rd: 12,
            rs1: 10,
            rs2: 11,
        });
        // Every other iteration turns FP off (the next fadd, fle and fsd
        // trap), the others turn it back on.
        a.emit(Andi {
            rd: 13,
            rs1: 31,
            imm: 1,
        });
        let on = a.label();
        let after = a.label();
        a.bne(13, 0, on);
        if off_in_loop {
            a.emit(Csrrc {
                rd: 0,
                rs1: 7,
                csr: 0x100,
            });
        }
        a.jal(0, after);
        a.bind(on);
        a.emit(Csrrs {
            rd: 0,
            rs1: 7,
            csr: 0x100,
        });
        a.bind(after);
        a.emit(fadd(14));
        a.emit(FleD {
            rd: 15,
            rs1: 14,
            rs2: 10,
        });
        a.emit(Fsd {
            rs1: 8,
            rs2: 14,
            imm: 0,
        });
        a.emit(Addi {
            rd: 16,
            rs1: 16,
            imm: 1,
        });
        count_down(&mut a, top);
        a.emit(Wfi);
        let code = a.finish().expect("assembles");
        check_under_every_policy(&code, 5);
    }
}

/// Two sibling loops that together use more registers than the cache
/// holds, inside an outer loop: each loop gets a register plan of its own
/// (the translator's `emit::parts`), with the cache written back where one
/// part ends. The outer loop's back edge jumps from the second part to the
/// first: it must write the second part's registers back on its way (every
/// register carries a sum from one outer iteration to the next).
#[test]
fn sibling_loops_with_their_own_registers_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let outer = a.label();
    a.li(31, 3);
    a.bind(outer);
    for (first, last) in [(5u8, 12u8), (13, 20)] {
        let inner = a.label();
        a.li(30, 4);
        a.bind(inner);
        for r in first..=last {
            a.emit(Add {
                rd: r,
                rs1: r,
                rs2: r + 1,
            });
        }
        a.emit(Addi {
            rd: 30,
            rs1: 30,
            imm: -1,
        });
        a.bne(30, 0, inner);
    }
    count_down(&mut a, outer);
    a.emit(Wfi);
    check_under_every_policy(&a.finish().expect("assembles"), 7);
}

/// 32-bit results left unextended in host registers (see `regs::upper`)
/// and every kind of use that must see all 64 bits: 64-bit arithmetic,
/// bitwise operations with an extended operand, compares, stores and
/// loads of the value, a select (if-converted hammock) that may keep an
/// older 64-bit value, a trap in the middle (its handler sees `Hart::x`)
/// and the loop's back edge.
#[test]
fn unextended_word_results_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 30);
    a.li(9, 0x10); // no memory there: the load faults, the handler skips it
    a.li(13, DATA);
    a.li(10, 0x1234_5678_9abc_def1);
    a.li(11, 0x7fff_fff0);
    a.li(12, 0xaaaa_aaaa_aaaa_aaab);
    a.bind(lp);
    a.emit(Addw {
        rd: 14,
        rs1: 10,
        rs2: 11,
    }); // overflows: negative
    a.emit(Slliw {
        rd: 15,
        rs1: 14,
        shamt: 3,
    });
    a.emit(Xor {
        rd: 16,
        rs1: 14,
        rs2: 15,
    }); // both unextended
    a.emit(Xori {
        rd: 17,
        rs1: 16,
        imm: -1,
    });
    a.emit(Or {
        rd: 18,
        rs1: 17,
        rs2: 12,
    }); // one full 64-bit operand
    a.emit(Add {
        rd: 12,
        rs1: 12,
        rs2: 10,
    }); // 64-bit arithmetic: x12 is no 32-bit value now
    a.emit(Sw {
        rs1: 13,
        rs2: 16,
        imm: 0,
    });
    a.emit(Sd {
        rs1: 13,
        rs2: 17,
        imm: 8,
    });
    a.emit(Ld {
        rd: 19,
        rs1: 13,
        imm: 8,
    });
    a.emit(Sub {
        rd: 20,
        rs1: 19,
        rs2: 17,
    });
    a.emit(Srliw {
        rd: 21,
        rs1: 10,
        shamt: 1,
    });
    // Over one addw every other pass: a select of x12's old 64-bit value
    // or the addw's result.
    a.emit(Andi {
        rd: 24,
        rs1: 31,
        imm: 1,
    });
    a.emit(Bne {
        rs1: 24,
        rs2: 0,
        imm: 8,
    });
    a.emit(Addw {
        rd: 12,
        rs1: 21,
        rs2: 14,
    });
    a.emit(Mulw {
        rd: 22,
        rs1: 17,
        rs2: 15,
    });
    a.emit(Slt {
        rd: 23,
        rs1: 22,
        rs2: 16,
    });
    a.emit(Add {
        rd: 10,
        rs1: 10,
        rs2: 22,
    });
    a.emit(Addiw {
        rd: 11,
        rs1: 11,
        imm: 0x765,
    });
    a.emit(Lw {
        rd: 8,
        rs1: 9,
        imm: 0,
    }); // traps with x11, x22 unextended
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 6);
}

/// Single-precision arithmetic, `fsqrt` and single fused multiply-adds
/// once NX is accrued (the translator's host-FPU path) agree with the
/// interpreter: normal results, and the ones it must leave to the helper
/// (zero, tiny, infinite and NaN results, a zero divisor, unboxed
/// operands, NX clear again, a rounding mode other than RNE).
#[test]
fn float_ops_with_nx_accrued_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 6);
    // FS dirty, NX accrued.
    a.li(5, 3 << 13);
    a.emit(Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x300,
    });
    let singles: [(u8, f32); 8] = [
        (1, 1.5),
        (2, 3.25),
        (3, -2.0),
        (4, 1.2e-38),
        (5, 0.0),
        (6, f32::INFINITY),
        (7, 1e30),
        (8, 0.1),
    ];
    for (r, v) in singles {
        a.li(6, u64::from(v.to_bits()));
        a.emit(FmvWX { rd: r, rs1: 6 });
    }
    a.li(6, 0x4000_0000_3fc0_0000); // 1.5f, badly boxed
    a.emit(FmvDX { rd: 9, rs1: 6 });
    a.li(6, 2f64.to_bits());
    a.emit(FmvDX { rd: 10, rs1: 6 });
    a.li(7, 1);
    a.bind(lp);
    // fflags = NX in odd rounds, nothing in even ones.
    a.emit(Csrrw {
        rd: 0,
        rs1: 7,
        csr: 0x001,
    });
    let rne = RoundingMode::Rne;
    let dyn_ = RoundingMode::Dyn;
    let mut d = 11u8;
    let mut next = || {
        d = if d == 31 { 11 } else { d + 1 };
        d
    };
    for (rs1, rs2) in [
        (1, 2),
        (2, 3),
        (4, 8),
        (1, 5),
        (6, 1),
        (7, 7),
        (8, 9),
        (3, 1),
    ] {
        a.emit(FaddS {
            rd: next(),
            rs1,
            rs2,
            rm: rne,
        });
        a.emit(FsubS {
            rd: next(),
            rs1,
            rs2,
            rm: dyn_,
        });
        a.emit(FmulS {
            rd: next(),
            rs1,
            rs2,
            rm: rne,
        });
        a.emit(FdivS {
            rd: next(),
            rs1,
            rs2,
            rm: rne,
        });
        a.emit(FsqrtS {
            rd: next(),
            rs1,
            rm: rne,
        });
        for rs3 in [2, 4] {
            a.emit(FmaddS {
                rd: next(),
                rs1,
                rs2,
                rs3,
                rm: rne,
            });
            a.emit(FnmsubS {
                rd: next(),
                rs1,
                rs2,
                rs3,
                rm: dyn_,
            });
            a.emit(FmsubS {
                rd: next(),
                rs1,
                rs2,
                rs3,
                rm: rne,
            });
            a.emit(FnmaddS {
                rd: next(),
                rs1,
                rs2,
                rs3,
                rm: rne,
            });
        }
        // Round toward zero: not the host's mode.
        a.emit(FaddS {
            rd: next(),
            rs1,
            rs2,
            rm: RoundingMode::Rtz,
        });
    }
    a.emit(FsqrtD {
        rd: 10,
        rs1: 10,
        rm: rne,
    });
    a.emit(FsqrtD {
        rd: next(),
        rs1: 3,
        rm: rne,
    });
    // The chain goes on from the results: f1 = f1 * f2 + f8 each round.
    a.emit(FmaddS {
        rd: 1,
        rs1: 1,
        rs2: 2,
        rs3: 8,
        rm: rne,
    });
    a.emit(Andi {
        rd: 7,
        rs1: 31,
        imm: 1,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 13);
}

/// The conversions the translator does with the host (`fcvt.l.d` and
/// `fcvt.w.d` with `rtz`, `fcvt.d.l`, `fcvt.d.s`, `fcvt.s.d`) agree with
/// the interpreter on exact and inexact values, the integer range's ends,
/// NaNs, infinities, tiny values and unboxed operands, with NX accrued
/// and not.
#[test]
fn conversions_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 4);
    a.li(5, 3 << 13);
    a.emit(Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x300,
    });
    let doubles: [f64; 14] = [
        2.75,
        -2.75,
        -0.0,
        -0.5,
        1e300,
        9_223_372_036_854_775_808.0,  // 2^63: out of range
        -9_223_372_036_854_775_808.0, // -2^63: the host's indefinite value, yet in range
        2147483648.0,
        -2147483648.0,
        -2147483649.0,
        f64::NAN,
        f64::NEG_INFINITY,
        1e-320,
        123456789.0,
    ];
    let ints: [u64; 6] = [
        7,
        (-9i64) as u64,
        (1 << 53) - 1,
        1 << 53,
        (1 << 60) + 1,
        i64::MIN as u64,
    ];
    let singles: [u32; 5] = [
        1.5f32.to_bits(),
        f32::INFINITY.to_bits(),
        0x7fa0_0000,
        1,
        0x8000_0001,
    ];
    a.li(7, 1);
    a.li(9, 31);
    a.bind(lp);
    // x30 folds every integer result and x29 every conversion's flags
    // (fflags is set back to NX, or nothing, in odd and even rounds after
    // each), so that no result is lost.
    let fold = |a: &mut Asm, acc: u8, r: u8| {
        a.emit(Mul {
            rd: acc,
            rs1: acc,
            rs2: 9,
        });
        a.emit(Add {
            rd: acc,
            rs1: acc,
            rs2: r,
        });
    };
    let flags = |a: &mut Asm| {
        a.emit(Csrrw {
            rd: 8,
            rs1: 7,
            csr: 0x001,
        });
        fold(a, 29, 8);
    };
    a.emit(Csrrw {
        rd: 0,
        rs1: 7,
        csr: 0x001,
    });
    for (n, v) in doubles.iter().enumerate() {
        a.li(6, v.to_bits());
        a.emit(FmvDX { rd: 1, rs1: 6 });
        a.emit(FcvtLD {
            rd: 10,
            rs1: 1,
            rm: RoundingMode::Rtz,
        });
        fold(&mut a, 30, 10);
        flags(&mut a);
        a.emit(FcvtWD {
            rd: 11,
            rs1: 1,
            rm: RoundingMode::Rtz,
        });
        fold(&mut a, 30, 11);
        flags(&mut a);
        a.emit(FcvtSD {
            rd: 2 + (n % 8) as u8,
            rs1: 1,
            rm: RoundingMode::Rne,
        });
        flags(&mut a);
        a.emit(FcvtSD {
            rd: 20 + (n % 8) as u8,
            rs1: 1,
            rm: RoundingMode::Dyn,
        });
        flags(&mut a);
    }
    for (n, &v) in ints.iter().enumerate() {
        a.li(6, v);
        a.emit(FcvtDL {
            rd: 12 + n as u8,
            rs1: 6,
            rm: RoundingMode::Rtz,
        });
        flags(&mut a);
        a.emit(FcvtDL {
            rd: 18 + n as u8,
            rs1: 6,
            rm: RoundingMode::Dyn,
        });
        flags(&mut a);
    }
    for (n, &v) in singles.iter().enumerate() {
        a.li(6, u64::from(v));
        a.emit(FmvWX { rd: 1, rs1: 6 });
        a.emit(FcvtDS {
            rd: 25 + n as u8,
            rs1: 1,
            rm: RoundingMode::Rne,
        });
        flags(&mut a);
    }
    // Unboxed: a canonical NaN.
    a.li(6, 0x3ff0_0000_0000_0000);
    a.emit(FmvDX { rd: 1, rs1: 6 });
    a.emit(FcvtDS {
        rd: 31,
        rs1: 1,
        rm: RoundingMode::Dyn,
    });
    flags(&mut a);
    a.emit(FcvtWS {
        rd: 10,
        rs1: 1,
        rm: RoundingMode::Rtz,
    });
    fold(&mut a, 30, 10);
    flags(&mut a);
    // Single to integer and back.
    let floats: [f32; 9] = [
        2.75,
        -2.75,
        -0.5,
        3e9,
        -2147483648.0,
        f32::NAN,
        f32::INFINITY,
        1e20,
        16777216.0,
    ];
    for v in floats {
        a.li(6, u64::from(v.to_bits()));
        a.emit(FmvWX { rd: 1, rs1: 6 });
        a.emit(FcvtLS {
            rd: 10,
            rs1: 1,
            rm: RoundingMode::Rtz,
        });
        fold(&mut a, 30, 10);
        flags(&mut a);
        a.emit(FcvtWS {
            rd: 11,
            rs1: 1,
            rm: RoundingMode::Rtz,
        });
        fold(&mut a, 30, 11);
        flags(&mut a);
    }
    let words: [u64; 8] = [
        7,
        (-9i64) as u64,
        (1 << 24) - 1,
        1 << 24,
        (1 << 24) + 1,
        (1 << 31) - 1,
        0xffff_ffff_0000_0001,
        i64::MIN as u64,
    ];
    for (n, &v) in words.iter().enumerate() {
        a.li(6, v);
        a.emit(FcvtSW {
            rd: 12 + n as u8,
            rs1: 6,
            rm: RoundingMode::Rne,
        });
        flags(&mut a);
        a.emit(FcvtSL {
            rd: 20 + n as u8,
            rs1: 6,
            rm: RoundingMode::Dyn,
        });
        flags(&mut a);
    }
    a.emit(Andi {
        rd: 7,
        rs1: 31,
        imm: 1,
    });
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 11);
}

/// Instructions straddling a page boundary in a hot loop (the translator
/// runs each through `Hart::engine_straddle` from a translation of its
/// own): ALU, load, store, a branch taken every other round, `jal`, FP, a
/// CSR access (left to the interpreter), and a store rewriting an
/// instruction the loop runs later.
#[test]
fn straddling_instructions_in_a_loop_agree_with_the_interpreter() {
    use rvisor_isa::encode;
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    let target = a.label();
    a.li(31, 24);
    a.li(5, 3 << 13);
    a.emit(Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x300,
    });
    a.li(13, DATA);
    a.li(9, 0x10); // no memory there
    a.li(10, 3);
    a.li(11, 0x1234_5678);
    a.emit(FmvDX { rd: 2, rs1: 11 });
    let rewritten = a.label();
    a.la(20, rewritten);
    let add = |imm| {
        u64::from(
            encode(&Addi {
                rd: 21,
                rs1: 21,
                imm,
            })
            .expect("encodable"),
        )
    };
    a.li(22, add(1));
    a.li(23, add(100));
    a.bind(lp);
    // Each straddler at offset 0xffe of its page; `j` over the padding to
    // the instruction before it.
    let straddle = |a: &mut Asm, inst: Inst| {
        let before = a.label();
        a.j(before);
        while a.here() % 0x1000 != 0xffa {
            a.half(0x0001); // c.nop
        }
        a.bind(before);
        a.emit(Xori {
            rd: 12,
            rs1: 12,
            imm: 0x55,
        });
        assert_eq!(a.here() % 0x1000, 0xffe);
        a.emit(inst);
    };
    straddle(
        &mut a,
        Add {
            rd: 10,
            rs1: 10,
            rs2: 11,
        },
    );
    straddle(
        &mut a,
        Ld {
            rd: 12,
            rs1: 13,
            imm: 8,
        },
    );
    straddle(
        &mut a,
        Sd {
            rs1: 13,
            rs2: 10,
            imm: 16,
        },
    );
    a.emit(Andi {
        rd: 7,
        rs1: 31,
        imm: 1,
    });
    // Taken every other round (over an `addi`).
    straddle(
        &mut a,
        Beq {
            rs1: 7,
            rs2: 0,
            imm: 8,
        },
    );
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 7,
    });
    straddle(
        &mut a,
        FaddD {
            rd: 1,
            rs1: 1,
            rs2: 2,
            rm: RoundingMode::Rne,
        },
    );
    straddle(
        &mut a,
        Csrrs {
            rd: 8,
            rs1: 0,
            csr: 0x340,
        },
    ); // mscratch
    a.emit(Add {
        rd: 10,
        rs1: 10,
        rs2: 8,
    });
    // Rewrite the `addi x21` below: +1 in odd rounds, +100 in even ones.
    let even = a.label();
    a.emit(Bne {
        rs1: 7,
        rs2: 0,
        imm: 8,
    });
    a.j(even);
    straddle(
        &mut a,
        Sw {
            rs1: 20,
            rs2: 22,
            imm: 0,
        },
    );
    a.j(target);
    a.bind(even);
    straddle(
        &mut a,
        Sw {
            rs1: 20,
            rs2: 23,
            imm: 0,
        },
    );
    a.bind(target);
    a.emit(FenceI);
    a.bind(rewritten);
    a.emit(Addi {
        rd: 21,
        rs1: 21,
        imm: 5,
    });
    straddle(&mut a, Jal { rd: 1, imm: 4 });
    // No memory at x9: an access fault, taken to M-mode's handler (from
    // S-mode in the S-mode seeds), which skips it.
    straddle(
        &mut a,
        Lw {
            rd: 8,
            rs1: 9,
            imm: 0,
        },
    );
    // The loop is longer than a branch reaches.
    let done = a.label();
    a.emit(Addi {
        rd: 31,
        rs1: 31,
        imm: -1,
    });
    a.beq(31, 0, done);
    a.j(lp);
    a.bind(done);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    // Seeds 1 and 5 run in S-mode with FP off (the `csrrs` of mstatus
    // and every FP instruction trap to M-mode): the straddling ones trap
    // from a translation of their own.
    for seed in [1, 2, 4, 5] {
        for policy in [Policy::Always, Policy::Hot(2)] {
            for budget in [1 << 20, 9] {
                check_code(&code, seed, policy, budget);
            }
        }
    }
}

/// Indirect jumps to two targets with the same jump-cache entry, taken in
/// turn: the second lives in its set's other way (`JcSet`), which
/// translated code looks in before the dispatcher; each call must still
/// reach its own target.
#[test]
fn indirect_targets_sharing_a_jump_cache_entry_agree_with_the_interpreter() {
    use Inst::*;
    let index = |va: u64| ((va >> 1) ^ (va >> 15)) & 0x3fff;
    let a_off = 0x2000u64;
    let b_off = (0x3000..0x7_0000u64)
        .step_by(2)
        .find(|&off| index(CODE + off) == index(CODE + a_off))
        .expect("a colliding target");
    let mut a = Asm::new();
    let lp = a.label();
    let call_b = a.label();
    let called = a.label();
    a.li(31, 40);
    a.li(10, 0);
    a.li(6, CODE + a_off);
    a.li(7, CODE + b_off);
    a.bind(lp);
    a.emit(Andi {
        rd: 8,
        rs1: 31,
        imm: 1,
    });
    a.bne(8, 0, call_b);
    a.emit(Jalr {
        rd: 1,
        rs1: 6,
        imm: 0,
    });
    a.j(called);
    a.bind(call_b);
    a.emit(Jalr {
        rd: 1,
        rs1: 7,
        imm: 0,
    });
    a.bind(called);
    count_down(&mut a, lp);
    a.emit(Wfi);
    // The two functions: x10 += 1 and x10 *= 3 (order matters).
    let ret = Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    };
    for (off, body) in [
        (
            a_off,
            Addi {
                rd: 10,
                rs1: 10,
                imm: 1,
            },
        ),
        (
            b_off,
            Mul {
                rd: 10,
                rs1: 10,
                rs2: 11,
            },
        ),
    ] {
        while (a.here() as u64) < off {
            a.half(0x0001);
        }
        assert_eq!(a.here() as u64, off);
        a.emit(body);
        a.emit(ret);
    }
    let code = a.finish().expect("assembles");
    for seed in [3, 6] {
        for policy in [Policy::Always, Policy::Hot(2)] {
            check_code(&code, seed, policy, 1 << 20);
        }
    }
}

/// Rotates whose shifts' registers nothing writes again in the span: the
/// shifts are computed where the span ends (the loop's back edge, an
/// atomic's helper, the translation's end), and their values must be
/// there afterwards, in the loop and after it.
#[test]
fn rotates_with_live_out_shift_registers_agree_with_the_interpreter() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 20);
    a.li(13, DATA);
    a.li(10, 0x1234_5678_9abc_def1);
    a.bind(lp);
    a.emit(Srliw {
        rd: 14,
        rs1: 10,
        shamt: 7,
    });
    a.emit(Slliw {
        rd: 15,
        rs1: 10,
        shamt: 25,
    });
    a.emit(Or {
        rd: 16,
        rs1: 14,
        rs2: 15,
    });
    a.emit(Srli {
        rd: 17,
        rs1: 10,
        shamt: 9,
    });
    a.emit(Slli {
        rd: 18,
        rs1: 10,
        shamt: 55,
    });
    a.emit(Lw {
        rd: 19,
        rs1: 13,
        imm: 0,
    });
    a.emit(Or {
        rd: 20,
        rs1: 18,
        rs2: 17,
    });
    a.emit(Add {
        rd: 21,
        rs1: 21,
        rs2: 16,
    });
    a.emit(AmoaddD {
        rd: 22,
        rs1: 13,
        rs2: 20,
        aqrl: 0,
    });
    a.emit(Xor {
        rd: 10,
        rs1: 10,
        rs2: 22,
    });
    a.emit(Slliw {
        rd: 23,
        rs1: 10,
        shamt: 3,
    });
    a.emit(Srliw {
        rd: 24,
        rs1: 10,
        shamt: 29,
    });
    a.emit(Or {
        rd: 25,
        rs1: 23,
        rs2: 24,
    });
    a.emit(Add {
        rd: 27,
        rs1: 27,
        rs2: 23,
    }); // reads a shift's result: computed before it
    a.emit(Add {
        rd: 21,
        rs1: 21,
        rs2: 25,
    });
    count_down(&mut a, lp);
    a.emit(Add {
        rd: 26,
        rs1: 14,
        rs2: 24,
    });
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    check_under_every_policy(&code, 7);
}

/// An M-mode program for the interrupt-mask tests: enable MSIP in `mie`,
/// then count in x10 for `n` passes (`n` = 0: forever), setting
/// `mstatus.MIE` in each if `enable` (nothing pending yet: translated code
/// goes on in line), before `wfi` with `mie` cleared. The handler records `mcause` in x21,
/// sets x20 and clears `mie` before its `wfi`.
fn msip_program(enable: bool, n: u64) -> (Vec<u8>, Vec<u8>) {
    use Inst::*;
    const MSIP: u64 = 8;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(20, 0);
    a.li(31, n);
    a.li(5, MSIP);
    a.emit(Addi {
        rd: 11,
        rs1: 10,
        imm: 0,
    });
    a.emit(Csrrs {
        rd: 0,
        rs1: 5,
        csr: 0x304,
    });
    a.bind(lp);
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 1,
    });
    if enable {
        // In the 1000th pass, inside the loop: the translation entered
        // with MIE clear goes on round the loop after setting it.
        let skip = a.label();
        a.li(6, 1000);
        a.emit(Sub {
            rd: 7,
            rs1: 10,
            rs2: 11,
        });
        a.bne(7, 6, skip);
        a.emit(Csrrsi {
            rd: 0,
            uimm: 8,
            csr: 0x300,
        });
        a.bind(skip);
    }
    if n == 0 {
        a.j(lp);
    } else {
        count_down(&mut a, lp);
    }
    a.emit(Csrrw {
        rd: 0,
        rs1: 0,
        csr: 0x304,
    });
    a.emit(Wfi);
    let mut h = Asm::new();
    h.emit(Csrrs {
        rd: 21,
        rs1: 0,
        csr: 0x342,
    });
    h.li(20, 1);
    h.emit(Csrrw {
        rd: 0,
        rs1: 0,
        csr: 0x304,
    });
    h.emit(Wfi);
    (
        a.finish().expect("assembles"),
        h.finish().expect("assembles"),
    )
}

/// An interrupt raised from another thread while translated code loops
/// (after an enable set in line, with nothing pending then) is taken at
/// the loop's next check, not at the end of its budget. (That the CSR
/// helper updates the checks' mask is tested in `helpers.rs`: here the
/// first pass after the enable reaches the dispatcher anyway.)
#[test]
fn an_interrupt_raised_after_an_enable_in_line_is_taken_by_translated_code() {
    let (code, handler) = msip_program(true, 1 << 40);
    let mut m = machine(&code, 1);
    m.csr.mstatus &= !(1 << 3);
    assert!(m.ram.write_bytes(HANDLER - RAM_BASE, &handler));
    let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    let signals = m.signals.clone();
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        signals.raise(1 << 3);
    });
    // Far more than 20 ms of guest instructions.
    let exit = jit.run(&mut m, 1 << 36);
    raiser.join().expect("raiser");
    assert!(matches!(exit, Exit::Wfi), "{exit:?}: the loop ran on");
    assert_eq!(m.x[20], 1, "the handler ran");
    assert_eq!(m.x[21], 1 << 63 | 3, "machine software interrupt");
}

/// An interrupt pending (`mip.SSIP`, set by the program) and enabled in
/// `mie` but masked by `mstatus.MIE` does not make translated code return
/// to the dispatcher after every block: the loop runs in translated code,
/// and agrees with the interpreter.
#[test]
fn a_masked_pending_interrupt_leaves_translated_loops_alone() {
    use Inst::*;
    const SSIP: u64 = 2;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(31, 100_000);
    a.li(5, SSIP);
    for csr in [0x304, 0x344] {
        // mie.SSIE, mip.SSIP
        a.emit(Csrrs { rd: 0, rs1: 5, csr });
    }
    a.bind(lp);
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 1,
    });
    count_down(&mut a, lp);
    a.emit(Csrrc {
        rd: 0,
        rs1: 5,
        csr: 0x344,
    });
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let run = |step: &mut dyn FnMut(&mut Hart) -> Exit| {
        let mut m = machine(&code, 1);
        m.csr.mstatus &= !(1 << 3);
        run_to_wfi(&mut m, step, 1);
        m
    };
    let want = run(&mut |h: &mut Hart| h.run(1 << 20));
    assert_eq!(want.csr.mcause, 0, "never taken");
    let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    let got = run(&mut |h: &mut Hart| jit.run(h, 1 << 20));
    assert_eq!(state(&got), state(&want));
    assert!(
        jit.stats.dispatches < 1000,
        "{} dispatches for 100000 passes",
        jit.stats.dispatches
    );
}

/// Translated stores skip the flags of pages that had none when the TLB
/// entry was filled. When another hart reads code from such a page (and
/// flags it), this hart's entry must leave the inline path once its store
/// window moves (`Hart::close_store_windows`): its next store to the page
/// must then see the flag and drop the other hart's code. An S-mode hart
/// (M-mode stores check every flag) stores into a page ten times, the
/// other hart flags the page while this one waits in `wfi`, and this one
/// stores again.
#[test]
fn stores_see_a_page_another_hart_flagged_once_their_window_moved() {
    use rvisor_memory::ram::PAGE_CODE;
    use Inst::*;
    let pa_c = RAM_BASE + 0x5_0000;
    let va_c = 0x1000_0000u64;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(5, va_c);
    a.li(31, 10);
    a.bind(lp);
    a.emit(Sw {
        rs1: 5,
        rs2: 31,
        imm: 0,
    });
    count_down(&mut a, lp);
    a.emit(Wfi); // the other hart flags the page here
    a.emit(Sw {
        rs1: 5,
        rs2: 5,
        imm: 8,
    });
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let off = pa_c - RAM_BASE;
    for (name, step) in &mut engines() {
        if name.contains("Hot") {
            // Its second store runs once: interpreted, it checks anyway.
            continue;
        }
        let (mut h, _) = remap_machine(&code, va_c, pa_c, &[]);
        h.config.smp = true;
        let mut other = Hart::new(
            HartConfig::machine(1, 0),
            h.bus.clone(),
            HartSignals::new(),
            TimerQueue::new(Clock::new()),
        );
        other.config.smp = true;
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: first wfi");
        assert!(other.flag_code(off, 64), "{name}: the page's first flag");
        assert!(
            !h.ram.take_fast_stores(off),
            "{name}: the flag took the mark (and logged the page)"
        );
        h.close_store_windows();
        assert_eq!(step(&mut h), Exit::Wfi, "{name}: second wfi");
        assert_eq!(
            h.ram.flags(off, 64) & PAGE_CODE,
            0,
            "{name}: the store did not see the other hart's code"
        );
        assert_eq!(h.stats.exceptions.iter().sum::<u64>(), 0, "{name}: trapped");
    }
}

/// Straight-line code longer than the interpreter's block cap (64
/// instructions) is one translation, not several chained ones: a loop of
/// 150 `addi`s then runs as one translation's inner loop (each chain
/// boundary wrote back and reloaded the cached registers; the Linux
/// kernel's unrolled sha256 rounds spent 19 % less time without them).
#[test]
fn straight_line_code_past_the_block_cap_is_one_translation() {
    use Inst::*;
    let mut a = Asm::new();
    let lp = a.label();
    a.li(13, 0);
    a.li(31, 20);
    a.bind(lp);
    for i in 0..150 {
        a.emit(Addi {
            rd: 13 + (i % 3),
            rs1: 13 + (i % 3),
            imm: 1,
        });
    }
    count_down(&mut a, lp);
    a.emit(Wfi);
    let code = a.finish().expect("assembles");
    let mut want = machine(&code, 3);
    run_to_wfi(&mut want, |h: &mut Hart| h.run(1 << 20), 3);
    assert_eq!(want.x[13], 20 * 50, "the interpreter ran every pass");
    let mut jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    let mut got = machine(&code, 3);
    run_to_wfi(&mut got, |h: &mut Hart| jit.run(h, 1 << 20), 3);
    assert_eq!(state(&got), state(&want));
    assert_eq!(
        jit.stats.blocks_translated, 1,
        "one translation from the entry to the wfi"
    );
}

/// Shifts and rotates by registers set before their loop (see
/// `emit::divisor`): each copy of a function is translated while its
/// amount registers hold amounts of every kind (0, 31, 32, 63, 64 and
/// up, all ones), and is made to shift by immediates. Each copy writes
/// one of them after its loop (an epilogue: still guessed); the first
/// copy is called again with other amounts (its check fails once); a
/// last function writes its amount register inside its loop, after
/// reading it, so the value changes round the loop (never guessed).
#[test]
fn shifts_by_guessed_amounts_agree_with_the_interpreter() {
    let code = shift_program();
    let jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    // An M-mode seed (S-mode code guesses nothing).
    let jit = check_code_with(&code, 2, Policy::Always, 1 << 20, jit);
    assert_eq!(jit.stats.divisor_guesses_failed, 1, "{:?}", jit.stats);
    check_under_every_policy(&code, 9);
}

/// The program of the test above; it ends with `ecall; wfi`.
fn shift_program() -> Vec<u8> {
    use Inst::*;
    let sets: [[u64; 4]; 4] = [
        [3, 17, 31, 63],
        [0, 32, 64 + 5, u64::MAX],
        [(1 << 63) | 7, 33, 1, 48],
        [13, 15, 14, 7],
    ];
    let mut a = Asm::new();
    let funcs: Vec<_> = sets.iter().map(|_| a.label()).collect();
    let changing = a.label();
    for (set, &f) in sets.iter().zip(&funcs) {
        for (r, &v) in (5..=8).zip(set) {
            a.li(r, v);
        }
        a.jal(1, f);
    }
    // The first copy again, with other amounts.
    for (r, &v) in (5..=8).zip(&sets[1]) {
        a.li(r, v);
    }
    a.jal(1, funcs[0]);
    a.li(8, 3);
    a.jal(1, changing);
    a.emit(Ecall);
    a.emit(Wfi);
    let bit = |op| move |rd, rs1, rs2| Bit { op, rd, rs1, rs2 };
    let kinds: [&dyn Fn(u8, u8, u8) -> Inst; 10] = [
        &|rd, rs1, rs2| Sll { rd, rs1, rs2 },
        &|rd, rs1, rs2| Srl { rd, rs1, rs2 },
        &|rd, rs1, rs2| Sra { rd, rs1, rs2 },
        &|rd, rs1, rs2| Sllw { rd, rs1, rs2 },
        &|rd, rs1, rs2| Srlw { rd, rs1, rs2 },
        &|rd, rs1, rs2| Sraw { rd, rs1, rs2 },
        &bit(BitOp::Rol),
        &bit(BitOp::Ror),
        &bit(BitOp::Rolw),
        &bit(BitOp::Rorw),
    ];
    // x10 takes values of every size and sign round the loop; x15 sums
    // the shifted values.
    let body = |a: &mut Asm, amounts: std::ops::RangeInclusive<u8>| {
        a.li(12, 0x9e37_79b9_7f4a_7c15);
        a.emit(Mul {
            rd: 10,
            rs1: 10,
            rs2: 12,
        });
        a.emit(Add {
            rd: 10,
            rs1: 10,
            rs2: 11,
        });
        for (k, kind) in kinds.iter().enumerate() {
            for d in amounts.clone() {
                a.emit(kind(13, 10, d));
                a.emit(Xor {
                    rd: 15,
                    rs1: 15,
                    rs2: 13,
                });
                // (A rotate: every result counts to the end.)
                a.emit(Bit {
                    op: BitOp::Rori,
                    rd: 15,
                    rs1: 15,
                    rs2: 1 + (k as u8 + d) % 7,
                });
            }
        }
    };
    let countdown = |a: &mut Asm, lp| {
        a.emit(Addi {
            rd: 11,
            rs1: 11,
            imm: -1,
        });
        a.bne(11, 0, lp);
    };
    let ret = Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    };
    for (k, &f) in funcs.iter().enumerate() {
        a.bind(f);
        let lp = a.label();
        a.li(11, 12);
        a.bind(lp);
        body(&mut a, 5..=8);
        countdown(&mut a, lp);
        // After the last read: the guess held wherever it was read.
        a.emit(Addi {
            rd: 5 + k as u8,
            rs1: 0,
            imm: 99,
        });
        a.emit(ret);
    }
    a.bind(changing);
    let lp = a.label();
    a.li(11, 12);
    a.bind(lp);
    body(&mut a, 8..=8);
    a.emit(Addi {
        rd: 8,
        rs1: 8,
        imm: 5,
    });
    countdown(&mut a, lp);
    a.emit(ret);
    a.finish().expect("assembles")
}

/// Register code over every register, so that many are not cached in
/// host registers, in a loop: a value stored to `Hart::x` from rax is
/// read again from rax by the next instructions that leave rax alone
/// (see `Emitter::keep_rax`). `sub rd, rs1, rd` with rd cached computes
/// in rax: a value read from rax after it would be wrong. Fused 32-bit
/// rotates read their source from rax too, and moves, `sext.w` and
/// `lui` into cached registers leave it.
#[test]
fn values_left_in_rax_agree_with_the_interpreter() {
    check_programs(rax_program, 3, 17);
}

/// [`check_code`] of the programs `program` makes for seeds 1..300,
/// translating everything; every `every`th also translating hot code and
/// under a budget below `small` instructions.
fn check_programs(program: fn(u64) -> Vec<u8>, every: u64, small: u64) {
    for seed in 1..300 {
        let code = program(seed);
        check_code(&code, seed, Policy::Always, 1 << 20);
        if seed % every == 0 {
            check_code(&code, seed, Policy::Hot(2), 1 << 20);
            check_code(&code, seed, Policy::Always, 1 + seed % small);
        }
    }
}

/// The program of the test above; it ends with `ecall; wfi`.
fn rax_program(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut a = Asm::new();
    for r in 1..32 {
        if !RESERVED.contains(&r) {
            let v = rng.next();
            a.li(
                r,
                if rng.below(2) == 0 {
                    v as i32 as i64 as u64
                } else {
                    v
                },
            );
        }
    }
    a.li(31, 3 + rng.below(4));
    let lp = a.label();
    a.bind(lp);
    for _ in 0..40 + rng.below(40) {
        let (rd, rs1, rs2) = (rng.rd(), rng.reg(), rng.reg());
        let n = 1 + rng.below(31) as u8;
        let imm = rng.imm12();
        match rng.below(18) {
            14 => a.emit(Add { rd, rs1: 0, rs2 }),
            15 => a.emit(Addiw { rd, rs1, imm: 0 }),
            16 => a.emit(Addiw { rd, rs1, imm }),
            17 => a.emit(Lui { rd, imm: imm << 12 }),
            0 => a.emit(Add { rd, rs1, rs2 }),
            1 => a.emit(Sub { rd, rs1, rs2 }),
            2 => a.emit(Sub { rd, rs1, rs2: rd }),
            3 => a.emit(Subw { rd, rs1, rs2: rd }),
            4 => a.emit(Xor { rd, rs1, rs2 }),
            5 => a.emit(Addw { rd, rs1, rs2 }),
            6 => a.emit(Addi { rd, rs1, imm }),
            7 => a.emit(Srliw { rd, rs1, shamt: n }),
            8 => a.emit(Slli { rd, rs1, shamt: n }),
            9 => a.emit(Mul { rd, rs1, rs2 }),
            10 => a.emit(And { rd, rs1, rs2 }),
            11 => a.emit(Or { rd, rs1, rs2 }),
            12 => a.emit(Mulw { rd, rs1, rs2: rd }),
            _ => {
                // A 32-bit rotate the translator fuses.
                let t = rng.rd();
                a.emit(Srliw {
                    rd: t,
                    rs1,
                    shamt: n,
                });
                a.emit(Slliw {
                    rd,
                    rs1,
                    shamt: 32 - n,
                });
                a.emit(Or {
                    rd,
                    rs1: rd,
                    rs2: t,
                });
            }
        }
    }
    count_down(&mut a, lp);
    a.emit(Ecall);
    a.emit(Wfi);
    a.finish().expect("assembles")
}

/// Small loops of every branch kind, of register and memory
/// instructions (accesses that fault among them), which the translator
/// translates two to four times in a row (see `emit::unroll`): the first
/// copies leave by the inverted branch, the last goes round; loops that
/// end their translation leave by a side exit. Under small budgets too,
/// which stop them in any copy.
#[test]
fn unrolled_small_loops_agree_with_the_interpreter() {
    check_programs(small_loops_program, 4, 23);
}

/// The program of the test above; it ends with `ecall; wfi`.
fn small_loops_program(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng::new(seed.wrapping_mul(0xd1b5_4a32_d192_ed03) | 1);
    let mut a = Asm::new();
    for _ in 0..1 + rng.below(4) {
        let kind = rng.below(6);
        // (`bge x31, x0` goes round once more, down to -1.)
        a.li(31, 1 + rng.below(20));
        let top = a.label();
        a.bind(top);
        for _ in 0..1 + rng.below(10) {
            let inst = if rng.below(3) == 0 {
                mem(&mut rng)
            } else {
                alu(&mut rng)
            };
            a.emit(inst);
        }
        a.emit(Addi {
            rd: 31,
            rs1: 31,
            imm: -1,
        });
        match kind {
            0 => a.bne(31, 0, top),
            1 => a.blt(0, 31, top),
            2 => a.bltu(0, 31, top),
            3 => a.bge(31, 0, top),
            // Round again only at 0 (once more, down to -1).
            4 => a.bgeu(0, 31, top),
            _ => a.beq(31, 0, top),
        }
    }
    a.emit(Ecall);
    a.emit(Wfi);
    a.finish().expect("assembles")
}

/// `beqz`/`bnez` right after adds, ands, ors and xors of small values
/// (zero often), with moves, other ALU instructions, `lea`-made adds and
/// labels in between: a branch takes the zero flag of the instruction
/// before only when that instruction computed its register in place and
/// nothing but moves of other registers came between (see
/// `Emitter::zero_flag`).
#[test]
fn branches_on_zero_flags_agree_with_the_interpreter() {
    check_programs(zero_flag_program, 3, 17);
}

/// The program of the test above; it ends with `ecall; wfi`. Each group
/// sets a register (in place or not), moves registers (into it, out of
/// it, from x0), then branches on it or another over a store (which
/// keeps the branch a branch, not a select); the branches' targets land
/// on later groups' setters or branches.
fn zero_flag_program(seed: u64) -> Vec<u8> {
    use Inst::*;
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
    let pool = [10u8, 11, 12, 13, 14];
    let pick = |rng: &mut Rng| pool[rng.below(pool.len() as u64) as usize];
    let mut a = Asm::new();
    for &r in &pool {
        a.li(r, rng.below(5));
    }
    a.li(31, 2 + rng.below(9));
    let lp = a.label();
    a.bind(lp);
    let mut pending: Vec<rvisor_isa::Label> = Vec::new();
    for _ in 0..4 + rng.below(6) {
        if !pending.is_empty() && rng.below(3) == 0 {
            a.bind(pending.remove(0));
        }
        let (r, s) = (pick(&mut rng), pick(&mut rng));
        let rs1 = if rng.below(3) == 0 { s } else { r };
        let imm = rng.below(5) as i32 - 2;
        a.emit(match rng.below(6) {
            0 => Addiw { rd: r, rs1, imm },
            1 => Addi { rd: r, rs1, imm },
            2 => Andi {
                rd: r,
                rs1,
                imm: rng.below(4) as i32,
            },
            3 => Xori { rd: r, rs1, imm },
            4 => Ori { rd: r, rs1, imm },
            _ => Sub { rd: r, rs1, rs2: s },
        });
        for _ in 0..rng.below(3) {
            let (d, s) = (pick(&mut rng), pick(&mut rng));
            a.emit(match rng.below(4) {
                0 => Addi {
                    rd: d,
                    rs1: s,
                    imm: 0,
                },
                1 => Addiw {
                    rd: d,
                    rs1: s,
                    imm: 0,
                },
                // A move of x0: a `xor`.
                2 => Addiw {
                    rd: d,
                    rs1: 0,
                    imm: 0,
                },
                _ => Add {
                    rd: d,
                    rs1: 0,
                    rs2: s,
                },
            });
        }
        if !pending.is_empty() && rng.below(3) == 0 {
            a.bind(pending.remove(0));
        }
        let on = if rng.below(4) == 0 { pick(&mut rng) } else { r };
        let skip = a.label();
        if rng.below(2) == 0 {
            a.beq(on, 0, skip);
        } else {
            a.bne(on, 0, skip);
        }
        a.emit(Sd {
            rs1: 8,
            rs2: on,
            imm: 0,
        });
        pending.push(skip);
    }
    for label in pending {
        a.bind(label);
    }
    count_down(&mut a, lp);
    a.emit(Ecall);
    a.emit(Wfi);
    a.finish().expect("assembles")
}

/// A function called again and again with divisors that change: its
/// translation, reached by a chained jump from its caller's, fails its
/// entry check once and is translated again without guesses (a failure
/// charged to the caller's translation, entered from the dispatcher,
/// left the function's guessing code in place to fail at every other
/// call).
#[test]
fn a_chained_translation_whose_guess_fails_is_translated_again() {
    use Inst::*;
    let mut a = Asm::new();
    let (f, outer, odd) = (a.label(), a.label(), a.label());
    // One call site, so that its translation is chained to f's.
    a.li(20, 15);
    a.bind(outer);
    // The other divisor every fourth call, once the calls are chained.
    a.emit(Andi {
        rd: 21,
        rs1: 20,
        imm: 3,
    });
    a.li(5, 977);
    a.beq(21, 0, odd);
    a.li(5, 1_000_003);
    a.bind(odd);
    a.jal(1, f);
    a.emit(Addi {
        rd: 20,
        rs1: 20,
        imm: -1,
    });
    a.bne(20, 0, outer);
    a.emit(Ecall);
    a.emit(Wfi);
    a.bind(f);
    let lp = a.label();
    a.li(11, 50);
    a.bind(lp);
    a.emit(Mul {
        rd: 10,
        rs1: 10,
        rs2: 10,
    });
    a.emit(Addi {
        rd: 10,
        rs1: 10,
        imm: 7,
    });
    a.emit(Remu {
        rd: 12,
        rs1: 10,
        rs2: 5,
    });
    a.emit(Add {
        rd: 13,
        rs1: 13,
        rs2: 12,
    });
    a.emit(Addi {
        rd: 11,
        rs1: 11,
        imm: -1,
    });
    a.bne(11, 0, lp);
    a.emit(Jalr {
        rd: 0,
        rs1: 1,
        imm: 0,
    });
    let code = a.finish().expect("assembles");
    let jit = Jit::new(Policy::Always, 1 << 20).expect("code cache");
    // An M-mode seed (S-mode code guesses nothing).
    let jit = check_code_with(&code, 2, Policy::Always, 1 << 20, jit);
    assert!(jit.stats.chains > 0, "{:?}", jit.stats);
    assert_eq!(jit.stats.divisor_guesses_failed, 1, "{:?}", jit.stats);
}
