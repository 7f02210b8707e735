//! Random RV64GC programs for the differential test, as one flat image that
//! runs unchanged under `qemu-riscv64-static` (user mode) and on a bare
//! rvisor hart in M-mode.
//!
//! Layout (one RWX segment at `CODE_BASE`): prologue (x2 = scratch, signal
//! handlers installed, every other register and `fcsr` loaded from the init
//! table), the random stream, the epilogue (dump x1..x31, f0..f31, fcsr next
//! to the scratch buffer and the trap log, then `write(1, scratch, DUMP_LEN)`
//! and `exit(0)`), then rvisor's M-mode trap handler (`mtvec`; it stops at
//! the epilogue's first `ecall` with a `wfi`) and QEMU's signal handler.
//! Both handlers log (cause, pc) and resume after the trapping instruction.
//!
//! Regular loads and stores may be misaligned (both sides perform them on
//! RAM); AMOs and LR/SC are aligned except in the units meant to trap.
//! QEMU pushes its signal frames below x2, into the gap between code and
//! data.
//!
//! Reserved registers: x2 (the scratch base) and x9 (scratch + 256, the base
//! for compressed loads and stores) are never written by the stream, so
//! every memory access stays inside the 512-byte scratch buffer.

use super::enc::*;

pub const CODE_BASE: u64 = 0x8000_0000;
/// Data (scratch, dump, init tables) lives this far above the code; the
/// scratch buffer straddles a page boundary.
pub const DATA_OFFSET: usize = 0x1_0f00;
pub const DATA_BASE: u64 = CODE_BASE + DATA_OFFSET as u64;
pub const SCRATCH: usize = 512;
pub const DUMP_X: usize = 512;
pub const DUMP_F: usize = DUMP_X + 256;
pub const DUMP_FCSR: usize = DUMP_F + 256;
/// The trap log: a count, then (code, pc) of the first `MAX_TRAPS` traps.
/// The code is a Linux signal number under QEMU and `mcause` on rvisor.
pub const DUMP_TRAPS: usize = DUMP_FCSR + 8;
pub const MAX_TRAPS: usize = 16;
/// Bytes the program writes to stdout: scratch, x and f registers, fcsr,
/// trap log.
pub const DUMP_LEN: usize = DUMP_TRAPS + 8 + 16 * MAX_TRAPS;
const INIT_X: usize = DUMP_LEN;
const INIT_F: usize = INIT_X + 256;
const INIT_FCSR: usize = INIT_F + 256;
/// `struct sigaction` for `rt_sigaction` (handler, flags, mask).
const SIGACT: usize = INIT_FCSR + 8;
const DATA_LEN: usize = SIGACT + 24;
/// rvisor's trap handler's save area (rvisor only: beyond the ELF image):
/// x5, x6, x7, x28, x29, then (at 48) the final `ecall`'s pc and (at 56)
/// the trap log address.
pub const SAVE: u64 = DATA_BASE + 0x1000;

/// Deterministic xorshift64*, so every failure reproduces from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
}

pub struct Program {
    /// Code image at `CODE_BASE`.
    pub code: Vec<u8>,
    /// Data image at `DATA_BASE`.
    pub data: Vec<u8>,
    /// Address of the first `ecall` (the `write`).
    pub ecall_pc: u64,
    /// rvisor's M-mode trap handler (`mtvec`): logs traps like the QEMU
    /// signal handler does, emulates the prologue's syscalls, and stops at
    /// the final `ecall` with a `wfi`.
    pub trap_pc: u64,
    /// Offsets of the random stream within `code`.
    pub stream: std::ops::Range<usize>,
}

impl Program {
    /// Change every initial register value (for the test of the test).
    pub fn perturb(&mut self) {
        for b in &mut self.data[INIT_X + 8..INIT_FCSR] {
            *b ^= 0x10;
        }
        self.data[INIT_X + 16..][..8].copy_from_slice(&DATA_BASE.to_le_bytes());
        self.data[INIT_X + 72..][..8].copy_from_slice(&(DATA_BASE + 256).to_le_bytes());
    }

    /// The flat segment image: code, zero padding, data.
    pub fn image(&self) -> Vec<u8> {
        let mut img = self.code.clone();
        img.resize(DATA_OFFSET, 0);
        img.extend_from_slice(&self.data);
        img
    }
}

struct Code(Vec<u8>);

impl Code {
    fn w(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn h(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&self) -> i32 {
        self.0.len() as i32
    }
}

/// A destination x register the stream may write (not x2, x9).
fn xd(r: &mut Rng) -> u8 {
    loop {
        let x = r.below(32) as u8;
        if x != 2 && x != 9 && (x != 0 || r.chance(20)) {
            return x;
        }
    }
}

/// A nonzero writable x register.
fn xt(r: &mut Rng) -> u8 {
    loop {
        let x = xd(r);
        if x != 0 {
            return x;
        }
    }
}

fn xs(r: &mut Rng) -> u8 {
    r.below(32) as u8
}

fn fr(r: &mut Rng) -> u8 {
    r.below(32) as u8
}

/// x8..x15 without x9, for compressed destinations.
fn xd_p(r: &mut Rng) -> u8 {
    r.pick(&[8, 10, 11, 12, 13, 14, 15])
}

fn xs_p(r: &mut Rng) -> u8 {
    8 + r.below(8) as u8
}

fn rm(r: &mut Rng) -> u32 {
    r.pick(&[0, 1, 2, 3, 4, 7, 7, 7])
}

fn imm12(r: &mut Rng) -> i32 {
    match r.below(4) {
        0 => r.below(32) as i32 - 16,
        1 => r.pick(&[0, 1, -1, 2047, -2048, 31, 32, 63, 64]),
        _ => ((r.next() as u32) as i32) >> 20,
    }
}

fn imm6(r: &mut Rng) -> i32 {
    ((r.next() as u32) as i32) >> 26
}

fn interesting_x(r: &mut Rng) -> u64 {
    const SPECIAL: [u64; 14] = [
        0,
        1,
        u64::MAX,
        1 << 63,
        (1 << 63) - 1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0xffff_ffff_8000_0000,
        0x1_0000_0000,
        2,
        u64::MAX - 1,
        0x80,
        0xffff,
    ];
    match r.below(4) {
        0 => r.pick(&SPECIAL),
        1 => r.below(64) as u64,
        2 => (r.next() as i32) as i64 as u64,
        _ => r.next(),
    }
}

fn interesting_f(r: &mut Rng) -> u64 {
    const BOX: u64 = 0xffff_ffff_0000_0000;
    const S: [u32; 16] = [
        0,
        0x8000_0000,
        0x3f80_0000,
        0xbf80_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x7fa0_0000, // signalling
        0x0000_0001, // smallest subnormal
        0x007f_ffff,
        0x0080_0000,
        0x7f7f_ffff,
        0x4f00_0000, // 2^31
        0x5f00_0000, // 2^63
        0xcf00_0000,
        0x3f00_0000, // 0.5
    ];
    const D: [u64; 16] = [
        0,
        1 << 63,
        0x3ff0_0000_0000_0000,
        0xbff0_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000,
        0x7ff4_0000_0000_0000, // signalling
        1,
        0x000f_ffff_ffff_ffff,
        0x0010_0000_0000_0000,
        0x7fef_ffff_ffff_ffff,
        0x41e0_0000_0000_0000, // 2^31
        0x43e0_0000_0000_0000, // 2^63
        0x3fe0_0000_0000_0000, // 0.5
        0x4330_0000_0000_0000, // 2^52
    ];
    match r.below(8) {
        0 => BOX | u64::from(r.pick(&S)),
        1 => r.pick(&D),
        // small integers and halves, as both formats
        2 => {
            let v = (r.below(64) as f64 - 32.0) / 2.0;
            BOX | u64::from((v as f32).to_bits())
        }
        3 => ((r.below(2000) as f64 - 1000.0) / 8.0).to_bits(),
        4 => BOX | (r.next() & 0xffff_ffff),
        5 => r.next(),
        // random finite values of moderate exponent
        6 => BOX | u64::from(0x3000_0000 + (r.next() as u32 & 0x1fff_ffff)),
        // an improperly boxed single
        _ => r.next() & 0xffff_ffff,
    }
}

struct Gen<'a> {
    r: &'a mut Rng,
    /// Nesting depth of forward-branch bodies.
    depth: u32,
}

impl Gen<'_> {
    fn unit(&mut self, c: &mut Code) {
        let r = &mut *self.r;
        // Only at the top level is `c.len()` the absolute offset that
        // self-modifying code needs for its alignment.
        if self.depth == 0 && r.chance(2) {
            return self_modifying(r, c);
        }
        if r.chance(3) {
            return trapping(r, c);
        }
        match r.below(100) {
            0..=13 => int_reg(r, c),
            14..=17 => bitmanip(r, c),
            18..=29 => int_imm(r, c),
            30..=41 => compressed_alu(r, c),
            42..=51 => mem(r, c),
            52..=56 => atomic(r, c),
            57..=85 => fp(r, c),
            86..=88 => fcsr(r, c),
            _ => self.branch(c),
        }
    }

    fn body(&mut self, max_units: u32) -> Code {
        let mut c = Code(Vec::new());
        self.depth += 1;
        for _ in 0..1 + self.r.below(max_units) {
            if self.depth > 2 {
                int_reg(self.r, &mut c);
            } else {
                self.unit(&mut c);
            }
        }
        self.depth -= 1;
        c
    }

    /// A forward control transfer over a random body (taken or not).
    fn branch(&mut self, c: &mut Code) {
        let body = self.body(4);
        let n = body.len();
        let r = &mut *self.r;
        match r.below(8) {
            // c.beqz/c.bnez reach only 256 bytes
            4 if n < 250 => {
                let rs = xs_p(r);
                c.h(c_branch(r.chance(50), rs, 2 + n));
            }
            0..=2 | 4 => {
                let f3 = r.pick(&[0, 1, 4, 5, 6, 7]);
                // the same register twice makes "taken" likely for beq/bge
                let rs1 = xs(r);
                let rs2 = if r.chance(25) { rs1 } else { xs(r) };
                c.w(b(f3, rs1, rs2, 4 + n));
            }
            3 => c.w(j(xd(r), 4 + n)),
            5 => c.h(c_j(2 + n)),
            6 => {
                // auipc t, 0; jalr rd, t, 8 + n
                let t = xt(r);
                c.w(u(0x17, t, 0));
                c.w(i(0x67, 0, xd(r), t, 8 + n));
            }
            _ => {
                // auipc t, 0; addi t, t, 10 + n; c.jr t / c.jalr t
                let t = xt(r);
                c.w(u(0x17, t, 0));
                c.w(i(0x13, 0, t, t, 10 + n));
                c.h(c_cr(r.chance(50), t, 0));
            }
        }
        c.0.extend_from_slice(&body.0);
    }
}

/// Patch the next instruction slot and `fence.i` before executing it:
/// `auipc t, 0; li v, NEW; sw v, 20(t); fence.i; <slot: nop>`, where NEW is a
/// random ALU instruction or a compressed one followed by `c.nop`.
fn self_modifying(r: &mut Rng, c: &mut Code) {
    if !c.0.len().is_multiple_of(4) {
        c.h(0x0001); // c.nop: the slot must be word-aligned for `sw`
    }
    let t = xt(r);
    let v = loop {
        let x = xt(r);
        if x != t {
            break x;
        }
    };
    let mut new = Code(Vec::new());
    if r.chance(70) {
        int_reg(r, &mut new);
    } else {
        compressed_alu(r, &mut new);
        new.h(0x0001);
    }
    let word = u32::from_le_bytes(new.0[..4].try_into().expect("one word"));
    let lo = ((word << 20) as i32) >> 20;
    let hi = word.wrapping_sub(lo as u32) >> 12;
    c.w(u(0x17, t, 0)); // auipc t, 0
    c.w(u(0x37, v, hi)); // lui v, hi
    c.w(i(0x1b, 0, v, v, lo)); // addiw v, v, lo
    c.w(s(0x23, 2, t, v, 20)); // sw v, 20(t)
    c.w(0x0000_100f); // fence.i
    c.w(0x0000_0013); // the slot: nop until patched
}

/// An instruction that traps in both U-mode (QEMU) and M-mode (rvisor),
/// or (random encodings in register-only opcode spaces) may be legal.
/// Both sides log the trap and resume after the instruction.
fn trapping(r: &mut Rng, c: &mut Code) {
    match r.below(9) {
        0 => {
            if r.chance(50) {
                c.w(0x0010_0073); // ebreak
            } else {
                c.h(0x9002); // c.ebreak
            }
        }
        1 => {
            // a reserved static rounding mode
            let f7 = r.pick(&[0x00, 0x04, 0x08, 0x0c, 0x2c, 0x01, 0x05, 0x09, 0x0d, 0x2d]);
            c.w(self::r(0x53, 5 + r.below(2), f7, fr(r), fr(r), 0));
        }
        2 => {
            // dynamic rounding with an invalid frm, then a valid frm again
            c.w(i(0x73, 5, xd(r), 0, 2) | (5 + r.below(3)) << 15); // csrrwi frm, 5..7
            c.w(self::r(
                0x53,
                7,
                r.pick(&[0x00, 0x09, 0x2d]),
                fr(r),
                fr(r),
                0,
            ));
            c.w(i(0x73, 5, xd(r), r.below(5) as u8, 2));
        }
        3 => {
            // a misaligned AMO, LR or SC
            let wide = r.chance(50);
            let size = if wide { 8 } else { 4 };
            let t = xt(r);
            let off = loop {
                let o = r.below(SCRATCH as u32 - size + 1);
                if !o.is_multiple_of(size) {
                    break o as i32;
                }
            };
            c.w(i(0x13, 0, t, 2, off));
            // Not SC: QEMU 7.2 fails an SC that has no reservation at its
            // address before checking alignment (returns 1, no trap), where
            // the A extension requires the misaligned-address exception
            // rvisor raises.
            let f5 = r.pick(&[0x02, 0x01, 0x00, 0x0c, 0x1c]);
            c.w(amo(f5, wide, r.below(4), xd(r), t, xs(r)));
        }
        4 => {
            // reserved compressed encodings
            let rd = xt(r);
            let h: u16 = match r.below(8) {
                0 => 0x0000,
                1 => (u32::from(xd_p(r) - 8) << 2) as u16, // c.addi4spn, nzuimm = 0
                2 => 0x6001 | u16::from(rd) << 7,          // c.lui, imm 0
                3 => 0x6101,                               // c.addi16sp, imm 0
                4 => 0x2001 | (r.below(32) as u16) << 2,   // c.addiw x0
                5 => 0x4002 | (r.below(32) as u16) << 2,   // c.lwsp x0
                6 => 0x6002 | (r.below(32) as u16) << 2,   // c.ldsp x0
                _ => 0x8002,                               // c.jr x0
            };
            c.h(h);
        }
        _ => {
            // random fields in register-only opcode spaces: mostly illegal
            let op = r.pick(&[0x33, 0x3b, 0x13, 0x1b, 0x53, 0x53, 0x43, 0x4b]);
            let word = (r.next() as u32) & !0x7f | op;
            // keep rd off the reserved registers whatever the instruction is
            let word = word & !(0x1f << 7) | u32::from(xd(r)) << 7;
            let word = match op {
                // OP-IMM(-32): only the shifts can be illegal
                0x13 | 0x1b => word & !(7 << 12) | r.pick(&[1, 5]) << 12,
                _ => word,
            };
            c.w(word);
        }
    }
}

/// A Zba/Zbb/Zbc/Zbs instruction on random registers (QEMU runs with those
/// extensions on), its immediate (shift amount, bit index) random too.
fn bitmanip(r: &mut Rng, c: &mut Code) {
    use rvisor_isa::bitmanip::{Form, TABLE};
    let op = TABLE[r.below(TABLE.len() as u32) as usize].0;
    let rs2 = match op.form() {
        Form::Reg => xs(r),
        Form::Imm6 => r.below(64) as u8,
        Form::Imm5 => r.below(32) as u8,
        Form::Unary => 0,
    };
    c.w(op.encode(xd(r), xs(r), rs2).expect("fields in range"));
}

fn int_reg(r: &mut Rng, c: &mut Code) {
    // (opcode, f3, f7)
    const OPS: [(u32, u32, u32); 28] = [
        (0x33, 0, 0),
        (0x33, 0, 0x20),
        (0x33, 1, 0),
        (0x33, 2, 0),
        (0x33, 3, 0),
        (0x33, 4, 0),
        (0x33, 5, 0),
        (0x33, 5, 0x20),
        (0x33, 6, 0),
        (0x33, 7, 0),
        (0x33, 0, 1),
        (0x33, 1, 1),
        (0x33, 2, 1),
        (0x33, 3, 1),
        (0x33, 4, 1),
        (0x33, 5, 1),
        (0x33, 6, 1),
        (0x33, 7, 1),
        (0x3b, 0, 0),
        (0x3b, 0, 0x20),
        (0x3b, 1, 0),
        (0x3b, 5, 0),
        (0x3b, 5, 0x20),
        (0x3b, 0, 1),
        (0x3b, 4, 1),
        (0x3b, 5, 1),
        (0x3b, 6, 1),
        (0x3b, 7, 1),
    ];
    let (op, f3, f7) = r.pick(&OPS);
    c.w(self::r(op, f3, f7, xd(r), xs(r), xs(r)));
}

fn int_imm(r: &mut Rng, c: &mut Code) {
    let rd = xd(r);
    let rs1 = xs(r);
    match r.below(12) {
        0..=4 => {
            let f3 = r.pick(&[0, 2, 3, 4, 6, 7]);
            c.w(i(0x13, f3, rd, rs1, imm12(r)));
        }
        5 => {
            let (f3, hi) = r.pick(&[(1, 0), (5, 0), (5, 0x400)]);
            c.w(i(0x13, f3, rd, rs1, hi | r.below(64) as i32));
        }
        6 => c.w(i(0x1b, 0, rd, rs1, imm12(r))),
        7 => {
            let (f3, hi) = r.pick(&[(1, 0), (5, 0), (5, 0x400)]);
            c.w(i(0x1b, f3, rd, rs1, hi | r.below(32) as i32));
        }
        8 | 9 => c.w(u(0x37, rd, r.next() as u32)),
        10 => c.w(u(0x17, rd, r.next() as u32)),
        _ => c.w(0x0ff0_000f), // fence iorw, iorw
    }
}

fn compressed_alu(r: &mut Rng, c: &mut Code) {
    match r.below(12) {
        0 => c.h(c_ci(1, 0, xt(r), imm6(r))), // c.addi
        1 => c.h(c_ci(1, 1, xt(r), imm6(r))), // c.addiw
        2 => c.h(c_ci(1, 2, xt(r), imm6(r))), // c.li
        3 => {
            let mut imm = imm6(r);
            if imm == 0 {
                imm = 1;
            }
            c.h(c_lui(xt(r), imm));
        }
        4 => c.h(c_alu_imm(r.below(2), xd_p(r), 1 + r.below(63) as i32)),
        5 => c.h(c_alu_imm(2, xd_p(r), imm6(r))),
        6 => c.h(c_ca(false, r.below(4), xd_p(r), xs_p(r))),
        7 => c.h(c_ca(true, r.below(2), xd_p(r), xs_p(r))),
        8 => c.h(c_ci(2, 0, xt(r), 1 + r.below(63) as i32)), // c.slli
        9 => c.h(c_cr(false, xt(r), 1 + r.below(31) as u8)), // c.mv
        10 => c.h(c_cr(true, xt(r), 1 + r.below(31) as u8)), // c.add
        _ => {
            let uimm = 4 * (1 + r.below(255));
            c.h(c_addi4spn(xd_p(r), uimm));
        }
    }
}

fn mem(r: &mut Rng, c: &mut Code) {
    match r.below(10) {
        0..=2 => {
            // 32-bit integer load/store from x2 (0..512) or x9 (-256..256)
            let (store, f3) = if r.chance(50) {
                (false, r.below(7))
            } else {
                (true, r.below(4))
            };
            let size = 1 << (f3 & 3);
            let (base, off) = base_off(r, size);
            if store {
                c.w(s(0x23, f3, base, xs(r), off));
            } else {
                c.w(i(0x03, f3, xd(r), base, off));
            }
        }
        3 => {
            let f3 = 2 + r.below(2);
            let (base, off) = base_off(r, 1 << f3);
            if r.chance(50) {
                c.w(i(0x07, f3, fr(r), base, off));
            } else {
                c.w(s(0x27, f3, base, fr(r), off));
            }
        }
        4..=6 => {
            // c.lw c.ld c.fld c.sw c.sd c.fsd from x9
            let f3 = r.pick(&[1, 2, 3, 5, 6, 7]);
            let word = f3 == 2 || f3 == 6;
            let uimm = if word {
                4 * r.below(32)
            } else {
                8 * r.below(32)
            };
            let reg = match f3 {
                2 | 3 => xd_p(r),
                _ => xs_p(r),
            };
            c.h(c_mem(f3, reg, 9, uimm));
        }
        _ => {
            // c.lwsp c.ldsp c.fldsp c.swsp c.sdsp c.fsdsp from x2
            let f3 = r.pick(&[1, 2, 3, 5, 6, 7]);
            let uimm = if f3 == 2 || f3 == 6 {
                4 * r.below(64)
            } else {
                8 * r.below(64)
            };
            match f3 {
                1 => c.h(c_load_sp(1, fr(r), uimm)),
                2 | 3 => c.h(c_load_sp(f3, xt(r), uimm)),
                5 => c.h(c_store_sp(5, fr(r), uimm)),
                _ => c.h(c_store_sp(f3, xs(r), uimm)),
            }
        }
    }
}

/// A base register and an offset inside the scratch buffer: naturally
/// aligned, or (a quarter of the time) misaligned, which both QEMU and
/// rvisor perform on RAM; some of those cross the page boundary.
fn base_off(r: &mut Rng, size: u32) -> (u8, i32) {
    let slot = if r.chance(25) {
        r.below(SCRATCH as u32 - size + 1) as i32
    } else {
        (r.below(SCRATCH as u32 / size) * size) as i32
    };
    if r.chance(50) {
        (2, slot)
    } else {
        (9, slot - 256)
    }
}

fn atomic(r: &mut Rng, c: &mut Code) {
    let wide = r.chance(50);
    let size = if wide { 8 } else { 4 };
    let t = xt(r);
    let off = (r.below(SCRATCH as u32 / size) * size) as i32;
    c.w(i(0x13, 0, t, 2, off)); // addi t, x2, off
    let aqrl = r.below(4);
    if r.chance(30) {
        // lr; a few ALU ops that leave t alone; sc (or a lone sc)
        if r.chance(85) {
            let rd = loop {
                let x = xd(r);
                if x != t {
                    break x;
                }
            };
            c.w(amo(0x02, wide, aqrl, rd, t, 0));
            for _ in 0..r.below(3) {
                let rd = loop {
                    let x = xd(r);
                    if x != t {
                        break x;
                    }
                };
                c.w(self::r(0x33, r.pick(&[0, 4, 6, 7]), 0, rd, xs(r), xs(r)));
            }
        }
        c.w(amo(0x03, wide, aqrl, xd(r), t, xs(r)));
    } else {
        let f5 = r.pick(&[0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c]);
        c.w(amo(f5, wide, aqrl, xd(r), t, xs(r)));
    }
}

fn fp(r: &mut Rng, c: &mut Code) {
    let fmt = r.below(2); // 0 = S, 1 = D
    let (fd, f1, f2, f3) = (fr(r), fr(r), fr(r), fr(r));
    match r.below(20) {
        0..=5 => {
            let f5 = r.pick(&[0x00, 0x04, 0x08, 0x0c]);
            c.w(self::r(0x53, rm(r), f5 | fmt, fd, f1, f2));
        }
        6 => c.w(self::r(0x53, rm(r), 0x2c | fmt, fd, f1, 0)), // fsqrt
        7 => c.w(self::r(0x53, r.below(3), 0x10 | fmt, fd, f1, f2)), // fsgnj*
        8 => c.w(self::r(0x53, r.below(2), 0x14 | fmt, fd, f1, f2)), // fmin/fmax
        9 => c.w(self::r(0x53, r.below(3), 0x50 | fmt, xd(r), f1, f2)), // fle/flt/feq
        10 | 11 => c.w(self::r(
            0x53,
            rm(r),
            0x60 | fmt,
            xd(r),
            f1,
            r.below(4) as u8,
        )),
        12 => c.w(self::r(
            0x53,
            rm(r),
            0x68 | fmt,
            fd,
            xs(r),
            r.below(4) as u8,
        )),
        13 => c.w(self::r(0x53, r.below(2), 0x70 | fmt, xd(r), f1, 0)), // fmv.x / fclass
        14 => c.w(self::r(0x53, 0, 0x78 | fmt, fd, xs(r), 0)),          // fmv.{w,d}.x
        15 => {
            // fcvt.s.d / fcvt.d.s
            if fmt == 0 {
                c.w(self::r(0x53, rm(r), 0x20, fd, f1, 1));
            } else {
                c.w(self::r(0x53, rm(r), 0x21, fd, f1, 0));
            }
        }
        _ => {
            let op = r.pick(&[0x43, 0x47, 0x4b, 0x4f]);
            c.w(r4(op, fmt, rm(r), fd, f1, f2, f3));
        }
    }
}

fn fcsr(r: &mut Rng, c: &mut Code) {
    // CSR instructions on fflags (1), frm (2), fcsr (3) that can never make
    // frm invalid (which would turn later dynamic-rm instructions illegal).
    let rd = xd(r);
    let enc = match r.below(6) {
        0 => i(0x73, r.pick(&[1, 2, 3]), rd, xs(r), 1), // csrrw/s/c fflags, rs
        1 => i(0x73, r.pick(&[5, 6, 7]), rd, r.below(32) as u8, 1), // ...i fflags
        2 => i(0x73, 5, rd, r.below(5) as u8, 2),       // csrrwi frm, 0..4
        3 => i(0x73, r.pick(&[5, 6, 7]), rd, r.below(32) as u8, 3), // ...i fcsr
        4 => i(0x73, 2, rd, 0, r.pick(&[1, 2, 3])),     // csrr
        _ => i(0x73, 7, rd, r.below(32) as u8, 2),      // csrrci frm keeps it valid
    };
    c.w(enc);
}

/// Load the 32-bit address `DATA_BASE + off` into `rd`.
fn data_addr(c: &mut Code, rd: u8, off: usize) {
    let a = DATA_BASE + off as u64;
    let hi = (a + 0x800) >> 12;
    c.w(u(0x37, rd, hi as u32));
    c.w(i(0x13, 0, rd, rd, (a as i64 - (hi << 12) as i64) as i32));
    c.w(i(0x13, 1, rd, rd, 32));
    c.w(i(0x13, 5, rd, rd, 32));
}

/// Log (code, pc) at `DUMP_TRAPS` with the log base in x6 and the count in
/// x7 (clobbers x28), then set x5 = the pc in x5 + that instruction's length.
fn log_and_skip(c: &mut Code, code_reg: u8) {
    c.w(i(0x03, 3, 7, 6, 0)); // ld x7, 0(x6)
    c.w(i(0x13, 3, 29, 7, MAX_TRAPS as i32)); // sltiu x29, x7, MAX
    c.w(b(0, 29, 0, 20)); // beq x29, x0, +20
    c.w(i(0x13, 1, 29, 7, 4)); // slli x29, x7, 4
    c.w(self::r(0x33, 0, 0, 29, 29, 6)); // add x29, x29, x6
    c.w(s(0x23, 3, 29, code_reg, 8)); // sd code, 8(x29)
    c.w(s(0x23, 3, 29, 5, 16)); // sd x5, 16(x29)
    c.w(i(0x13, 0, 7, 7, 1)); // addi x7, x7, 1
    c.w(s(0x23, 3, 6, 7, 0)); // sd x7, 0(x6)
    c.w(i(0x03, 5, 29, 5, 0)); // lhu x29, 0(x5)
    c.w(i(0x13, 7, 29, 29, 3)); // andi x29, x29, 3
    c.w(i(0x13, 0, 7, 0, 3)); // addi x7, x0, 3
    c.w(i(0x13, 0, 5, 5, 2)); // addi x5, x5, 2
    c.w(b(1, 29, 7, 8)); // bne x29, x7, +8
    c.w(i(0x13, 0, 5, 5, 2)); // addi x5, x5, 2
}

/// Under QEMU (user mode): the SA_SIGINFO handler. a0 = signal, a2 =
/// ucontext, whose `uc_mcontext.sc_regs.pc` is at 176 (riscv64 Linux ABI);
/// every register is restored by the sigreturn `ra` leads to.
fn qemu_signal_handler(c: &mut Code) {
    c.w(i(0x03, 3, 5, 12, 176)); // ld x5, 176(a2)
    data_addr(c, 6, DUMP_TRAPS);
    log_and_skip(c, 10);
    c.w(s(0x23, 3, 12, 5, 176)); // sd x5, 176(a2)
    c.w(i(0x67, 0, 0, 1, 0)); // ret
}

/// On rvisor (M-mode, `mtvec`): `mscratch` holds `SAVE`. The final `ecall`
/// stops at a `wfi`; other `ecall`s (the prologue's rt_sigaction) return 0;
/// any other trap is logged with its `mcause` and skipped.
fn rvisor_trap_handler(c: &mut Code) {
    const MSCRATCH: i32 = 0x340;
    const MEPC: i32 = 0x341;
    const MCAUSE: i32 = 0x342;
    c.w(i(0x73, 1, 31, 31, MSCRATCH)); // csrrw x31, mscratch, x31
    for (k, x) in [5u8, 6, 7, 28, 29].into_iter().enumerate() {
        c.w(s(0x23, 3, 31, x, 8 * k as i32));
    }
    c.w(i(0x73, 2, 5, 0, MEPC)); // csrr x5, mepc
    c.w(i(0x73, 2, 28, 0, MCAUSE)); // csrr x28, mcause
    c.w(i(0x13, 0, 6, 0, 11)); // addi x6, x0, 11
    let not_ecall = c.len();
    c.w(0); // bne x28, x6, log (patched)
    c.w(i(0x03, 3, 7, 31, 48)); // ld x7, 48(x31): the final ecall
    let stop = c.len();
    c.w(0); // beq x5, x7, wfi (patched)
    c.w(i(0x13, 0, 10, 0, 0)); // a0 = 0
    c.w(i(0x13, 0, 5, 5, 4)); // skip the ecall
    let to_set = c.len();
    c.w(0); // jal x0, set (patched)
    let log = c.len();
    c.w(i(0x03, 3, 6, 31, 56)); // ld x6, 56(x31): the log
    log_and_skip(c, 28);
    let set = c.len();
    c.w(i(0x73, 1, 0, 5, MEPC)); // csrw mepc, x5
    for (k, x) in [5u8, 6, 7, 28, 29].into_iter().enumerate() {
        c.w(i(0x03, 3, x, 31, 8 * k as i32));
    }
    c.w(i(0x73, 1, 31, 31, MSCRATCH)); // csrrw x31, mscratch, x31
    c.w(0x3020_0073); // mret
    let wfi = c.len();
    c.w(0x1050_0073); // wfi
    let patch = |c: &mut Code, at: i32, w: u32| {
        c.0[at as usize..at as usize + 4].copy_from_slice(&w.to_le_bytes());
    };
    patch(c, not_ecall, b(1, 28, 6, log - not_ecall));
    patch(c, stop, b(0, 5, 7, wfi - stop));
    patch(c, to_set, j(0, set - to_set));
}

/// Build the program for `seed` with `units` random units.
pub fn program(seed: u64, units: u32) -> Program {
    let mut r = Rng::new(seed);
    // The data first: then program(seed, k) for k < units runs a prefix of
    // the same stream from the same state (what the minimizer relies on).
    let mut data = vec![0u8; DATA_LEN];
    for chunk in data[..SCRATCH].chunks_mut(8) {
        chunk.copy_from_slice(&interesting_x(&mut r).to_le_bytes());
    }
    for x in 1..32 {
        let v = interesting_x(&mut r);
        data[INIT_X + 8 * x..][..8].copy_from_slice(&v.to_le_bytes());
    }
    data[INIT_X + 16..][..8].copy_from_slice(&DATA_BASE.to_le_bytes());
    data[INIT_X + 72..][..8].copy_from_slice(&(DATA_BASE + 256).to_le_bytes());
    for f in 0..32 {
        let v = interesting_f(&mut r);
        data[INIT_F + 8 * f..][..8].copy_from_slice(&v.to_le_bytes());
    }
    let fcsr = u64::from(r.below(5) << 5 | r.below(32));
    data[INIT_FCSR..][..8].copy_from_slice(&fcsr.to_le_bytes());

    let mut c = Code(Vec::new());

    // prologue: x2 = DATA_BASE (lui and addi sign-extend: clear the top half)
    let hi = (DATA_BASE + 0x800) >> 12;
    c.w(u(0x37, 2, hi as u32));
    c.w(i(
        0x13,
        0,
        2,
        2,
        (DATA_BASE as i64 - (hi << 12) as i64) as i32,
    ));
    c.w(i(0x13, 1, 2, 2, 32)); // slli x2, x2, 32
    c.w(i(0x13, 5, 2, 2, 32)); // srli x2, x2, 32
                               // rt_sigaction for SIGILL, SIGTRAP, SIGBUS, SIGSEGV (on rvisor, the
                               // trap handler returns 0 from these)
    for sig in [4, 5, 7, 11] {
        c.w(i(0x13, 0, 10, 0, sig));
        c.w(i(0x13, 0, 11, 2, SIGACT as i32));
        c.w(i(0x13, 0, 12, 0, 0));
        c.w(i(0x13, 0, 13, 0, 8));
        c.w(i(0x13, 0, 17, 0, 134));
        c.w(0x73);
    }
    c.w(i(0x03, 3, 1, 2, INIT_FCSR as i32)); // ld x1, INIT_FCSR(x2)
    c.w(i(0x73, 1, 0, 1, 3)); // csrw fcsr, x1
    for f in 0..32u8 {
        c.w(i(0x07, 3, f, 2, (INIT_F + 8 * usize::from(f)) as i32));
    }
    for x in 1..32u8 {
        if x != 2 {
            c.w(i(0x03, 3, x, 2, (INIT_X + 8 * usize::from(x)) as i32));
        }
    }

    let start = c.0.len();
    let mut g = Gen {
        r: &mut r,
        depth: 0,
    };
    for _ in 0..units {
        g.unit(&mut c);
    }
    let end = c.0.len();

    // epilogue: dump, write(1, x2, DUMP_LEN), exit(0)
    for x in 1..32u8 {
        c.w(s(0x23, 3, 2, x, (DUMP_X + 8 * usize::from(x)) as i32));
    }
    for f in 0..32u8 {
        c.w(s(0x27, 3, 2, f, (DUMP_F + 8 * usize::from(f)) as i32));
    }
    c.w(i(0x73, 2, 1, 0, 3)); // frcsr x1
    c.w(s(0x23, 3, 2, 1, DUMP_FCSR as i32));
    c.w(i(0x13, 0, 17, 0, 64)); // a7 = write
    c.w(i(0x13, 0, 10, 0, 1)); // a0 = stdout
    c.w(i(0x13, 0, 11, 2, 0)); // a1 = x2
    c.w(i(0x13, 0, 12, 0, DUMP_LEN as i32)); // a2
    let ecall_pc = CODE_BASE + c.0.len() as u64;
    c.w(0x73);
    c.w(i(0x13, 0, 17, 0, 93)); // a7 = exit
    c.w(i(0x13, 0, 10, 0, 0));
    c.w(0x73);
    if !c.0.len().is_multiple_of(4) {
        c.h(0x0001); // c.nop: mtvec must be 4-aligned
    }
    let trap_pc = CODE_BASE + c.0.len() as u64;
    rvisor_trap_handler(&mut c);
    let sig_pc = CODE_BASE + c.0.len() as u64;
    qemu_signal_handler(&mut c);
    data[SIGACT..][..8].copy_from_slice(&sig_pc.to_le_bytes());
    // SA_SIGINFO | SA_NODEFER
    data[SIGACT + 8..][..8].copy_from_slice(&0x4000_0004u64.to_le_bytes());
    // leave 4 KiB below the data for QEMU's signal frames
    assert!(
        c.0.len() + 0x1000 <= DATA_OFFSET,
        "program too long for its code area"
    );

    Program {
        code: c.0,
        data,
        ecall_pc,
        trap_pc,
        stream: start..end,
    }
}
