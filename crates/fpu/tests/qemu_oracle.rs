//! Differential test of every public function against real RISC-V F/D
//! instructions: `tests/oracle/oracle.c` is cross-compiled with
//! `riscv64-unknown-elf-gcc` and run under `qemu-riscv64-static`, whose
//! softfloat-based FPU implements the spec. Tens of thousands of vectors,
//! biased towards special and boundary operands, are compared bit-exactly
//! (result and fflags) for all five rounding modes.
//!
//! Missing tools are a failure, never a skip: an untested FPU must not look
//! green. `FPU_ORACLE_SEED` and `FPU_ORACLE_PER_OP` override the seed and the
//! vector count per (operation, rounding mode) pair for longer local runs.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rvisor_fpu::*;

const INSTALL_HINT: &str = "apt-get install gcc-riscv64-unknown-elf qemu-user-static";
const DEFAULT_SEED: u64 = 0x5eed_f00d_1234_5678;
const DEFAULT_PER_OP: usize = 10_000;
const MAX_REPORTED: usize = 40;

/// All rounding modes with their `frm` encodings.
const MODES: [(Round, u32); 5] = [
    (Round::NearestEven, 0),
    (Round::TowardZero, 1),
    (Round::Down, 2),
    (Round::Up, 3),
    (Round::NearestMaxMag, 4),
];

/// What kind of operands an operation takes, for the generator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operands {
    F32x1,
    F32x2,
    F32x3,
    F64x1,
    F64x2,
    F64x3,
    Int,
}

/// One operation: its opcode in `oracle.c`, how to call our implementation,
/// and which bits of the oracle's x register are the result.
struct Op {
    name: &'static str,
    code: u32,
    operands: Operands,
    mask: u64,
    eval: fn(u64, u64, u64, Round) -> (u64, u8),
}

const M32: u64 = 0xffff_ffff;
const M64: u64 = u64::MAX;

fn lo(x: u64) -> u32 {
    x as u32
}

fn b(x: (bool, u8)) -> (u64, u8) {
    (u64::from(x.0), x.1)
}

fn w32(x: (u32, u8)) -> (u64, u8) {
    (u64::from(x.0), x.1)
}

fn ops() -> Vec<Op> {
    use Operands::*;
    macro_rules! op {
        ($name:expr, $code:expr, $operands:expr, $mask:expr, $eval:expr) => {
            Op {
                name: $name,
                code: $code,
                operands: $operands,
                mask: $mask,
                eval: $eval,
            }
        };
    }
    vec![
        op!("fadd.s", 0, F32x2, M32, |a, b_, _, rm| w32(f32_add(
            lo(a),
            lo(b_),
            rm
        ))),
        op!("fsub.s", 1, F32x2, M32, |a, b_, _, rm| w32(f32_sub(
            lo(a),
            lo(b_),
            rm
        ))),
        op!("fmul.s", 2, F32x2, M32, |a, b_, _, rm| w32(f32_mul(
            lo(a),
            lo(b_),
            rm
        ))),
        op!("fdiv.s", 3, F32x2, M32, |a, b_, _, rm| w32(f32_div(
            lo(a),
            lo(b_),
            rm
        ))),
        op!("fsqrt.s", 4, F32x1, M32, |a, _, _, rm| w32(f32_sqrt(
            lo(a),
            rm
        ))),
        op!("fmadd.s", 5, F32x3, M32, |a, b_, c, rm| w32(f32_fma(
            lo(a),
            lo(b_),
            lo(c),
            rm
        ))),
        op!("fmin.s", 6, F32x2, M32, |a, b_, _, _| w32(f32_min(
            lo(a),
            lo(b_)
        ))),
        op!("fmax.s", 7, F32x2, M32, |a, b_, _, _| w32(f32_max(
            lo(a),
            lo(b_)
        ))),
        op!("feq.s", 8, F32x2, M64, |a, b_, _, _| b(f32_eq(
            lo(a),
            lo(b_)
        ))),
        op!("flt.s", 9, F32x2, M64, |a, b_, _, _| b(f32_lt(
            lo(a),
            lo(b_)
        ))),
        op!("fle.s", 10, F32x2, M64, |a, b_, _, _| b(f32_le(
            lo(a),
            lo(b_)
        ))),
        op!("fclass.s", 11, F32x1, M64, |a, _, _, _| (
            f32_classify(lo(a)),
            0
        )),
        op!("fcvt.w.s", 12, F32x1, M32, |a, _, _, rm| {
            let (v, f) = f32_to_i32(lo(a), rm);
            (u64::from(v as u32), f)
        }),
        op!("fcvt.wu.s", 13, F32x1, M32, |a, _, _, rm| w32(f32_to_u32(
            lo(a),
            rm
        ))),
        op!("fcvt.l.s", 14, F32x1, M64, |a, _, _, rm| {
            let (v, f) = f32_to_i64(lo(a), rm);
            (v as u64, f)
        }),
        op!("fcvt.lu.s", 15, F32x1, M64, |a, _, _, rm| f32_to_u64(
            lo(a),
            rm
        )),
        op!("fcvt.s.w", 16, Int, M32, |a, _, _, rm| w32(i32_to_f32(
            lo(a) as i32,
            rm
        ))),
        op!("fcvt.s.wu", 17, Int, M32, |a, _, _, rm| w32(u32_to_f32(
            lo(a),
            rm
        ))),
        op!("fcvt.s.l", 18, Int, M32, |a, _, _, rm| w32(i64_to_f32(
            a as i64, rm
        ))),
        op!("fcvt.s.lu", 19, Int, M32, |a, _, _, rm| w32(u64_to_f32(
            a, rm
        ))),
        op!("fadd.d", 20, F64x2, M64, |a, b_, _, rm| f64_add(a, b_, rm)),
        op!("fsub.d", 21, F64x2, M64, |a, b_, _, rm| f64_sub(a, b_, rm)),
        op!("fmul.d", 22, F64x2, M64, |a, b_, _, rm| f64_mul(a, b_, rm)),
        op!("fdiv.d", 23, F64x2, M64, |a, b_, _, rm| f64_div(a, b_, rm)),
        op!("fsqrt.d", 24, F64x1, M64, |a, _, _, rm| f64_sqrt(a, rm)),
        op!("fmadd.d", 25, F64x3, M64, |a, b_, c, rm| f64_fma(
            a, b_, c, rm
        )),
        op!("fmin.d", 26, F64x2, M64, |a, b_, _, _| f64_min(a, b_)),
        op!("fmax.d", 27, F64x2, M64, |a, b_, _, _| f64_max(a, b_)),
        op!("feq.d", 28, F64x2, M64, |a, b_, _, _| b(f64_eq(a, b_))),
        op!("flt.d", 29, F64x2, M64, |a, b_, _, _| b(f64_lt(a, b_))),
        op!("fle.d", 30, F64x2, M64, |a, b_, _, _| b(f64_le(a, b_))),
        op!("fclass.d", 31, F64x1, M64, |a, _, _, _| (
            f64_classify(a),
            0
        )),
        op!("fcvt.w.d", 32, F64x1, M32, |a, _, _, rm| {
            let (v, f) = f64_to_i32(a, rm);
            (u64::from(v as u32), f)
        }),
        op!("fcvt.wu.d", 33, F64x1, M32, |a, _, _, rm| w32(f64_to_u32(
            a, rm
        ))),
        op!("fcvt.l.d", 34, F64x1, M64, |a, _, _, rm| {
            let (v, f) = f64_to_i64(a, rm);
            (v as u64, f)
        }),
        op!("fcvt.lu.d", 35, F64x1, M64, |a, _, _, rm| f64_to_u64(a, rm)),
        op!("fcvt.d.w", 36, Int, M64, |a, _, _, rm| i32_to_f64(
            lo(a) as i32,
            rm
        )),
        op!("fcvt.d.wu", 37, Int, M64, |a, _, _, rm| u32_to_f64(
            lo(a),
            rm
        )),
        op!("fcvt.d.l", 38, Int, M64, |a, _, _, rm| i64_to_f64(
            a as i64, rm
        )),
        op!("fcvt.d.lu", 39, Int, M64, |a, _, _, rm| u64_to_f64(a, rm)),
        op!("fcvt.d.s", 40, F32x1, M64, |a, _, _, _| f32_to_f64(lo(a))),
        op!("fcvt.s.d", 41, F64x1, M32, |a, _, _, rm| w32(f64_to_f32(
            a, rm
        ))),
    ]
}

/// splitmix64: tiny, deterministic, good enough to spread test vectors.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Layout of a float format, for the generator.
#[derive(Clone, Copy)]
struct Fmt {
    frac: u32,
    exp: u32,
}

const S: Fmt = Fmt { frac: 23, exp: 8 };
const D: Fmt = Fmt { frac: 52, exp: 11 };

impl Fmt {
    fn bias(self) -> u64 {
        (1 << (self.exp - 1)) - 1
    }
    fn sign(self) -> u64 {
        1 << (self.frac + self.exp)
    }
    fn frac_mask(self) -> u64 {
        (1 << self.frac) - 1
    }
    fn inf(self) -> u64 {
        ((1 << self.exp) - 1) << self.frac
    }
    fn pack(self, biased_exp: u64, frac: u64) -> u64 {
        (biased_exp << self.frac) | (frac & self.frac_mask())
    }
    /// A fraction with a structure that provokes ties and carries: all ones,
    /// a single bit, few bits, or random.
    fn fraction(self, rng: &mut Rng) -> u64 {
        let m = self.frac_mask();
        match rng.below(6) {
            0 => m,
            1 => 1 << rng.below(u64::from(self.frac)),
            2 => m >> rng.below(u64::from(self.frac)),
            3 => (m << rng.below(u64::from(self.frac))) & m,
            4 => 0,
            _ => rng.next() & m,
        }
    }

    /// A positive magnitude biased towards special and boundary values.
    fn magnitude(self, rng: &mut Rng) -> u64 {
        let max_exp = (1u64 << self.exp) - 1;
        let quiet = 1u64 << (self.frac - 1);
        match rng.below(20) {
            0 => 0,
            1 => self.inf(),
            2 => self.inf() | quiet | (rng.next() & (quiet - 1) & u64::from(rng.chance(50))),
            3 => self.inf() | (rng.next() & (quiet - 1)).max(1),
            4 => 1,
            5 => self.frac_mask(),
            6 => rng.next() & self.frac_mask(),
            7 => self.pack(1, self.fraction(rng)),
            8 => self.pack(max_exp - 1, self.frac_mask() - rng.below(3)),
            9 => self.pack(1 + rng.below(max_exp - 1), 0),
            10 | 11 => self.pack(self.bias() + rng.below(70) - 5, self.fraction(rng)),
            12 => self.pack(self.bias() - rng.below(8), self.fraction(rng)),
            13 => self.pack(rng.below(max_exp), self.fraction(rng)),
            _ => rng.next() & (self.sign() - 1),
        }
    }

    fn value(self, rng: &mut Rng) -> u64 {
        let sign = if rng.chance(50) { self.sign() } else { 0 };
        sign | self.magnitude(rng)
    }

    /// Nudges a bit pattern by a few ulps (crossing binades and into NaN
    /// space is fine: every pattern is a valid input).
    fn nudge(self, x: u64, rng: &mut Rng) -> u64 {
        let delta = rng.below(5);
        let all = self.sign() | (self.sign() - 1);
        if rng.chance(50) {
            x.wrapping_add(delta) & all
        } else {
            x.wrapping_sub(delta) & all
        }
    }
}

/// Operands close to integer-conversion boundaries: ±2^31, ±2^32, ±2^63,
/// ±2^64, ±0.5, ±1 and small integers, nudged by a few ulps, plus values
/// with fractions near a half.
fn conversion_operand(fmt: Fmt, rng: &mut Rng) -> u64 {
    let exps = [31u64, 32, 63, 64, 0, 1, 2, 3, 30, 62];
    let sign = if rng.chance(50) { fmt.sign() } else { 0 };
    match rng.below(4) {
        0 | 1 => {
            let e = exps[rng.below(exps.len() as u64) as usize];
            fmt.nudge(sign | fmt.pack(fmt.bias() + e, 0), rng)
        }
        // -0.5, 0.5 and friends.
        2 => fmt.nudge(sign | fmt.pack(fmt.bias() - 1 - rng.below(3), 0), rng),
        _ => sign | fmt.pack(fmt.bias() + rng.below(66), fmt.fraction(rng)),
    }
}

fn float_operand(fmt: Fmt, rng: &mut Rng, conversion: bool) -> u64 {
    if conversion && rng.chance(60) {
        conversion_operand(fmt, rng)
    } else {
        fmt.value(rng)
    }
}

/// Integers biased towards rounding boundaries of binary32/binary64.
fn int_operand(rng: &mut Rng) -> u64 {
    let shift = rng.below(64);
    match rng.below(7) {
        0 => rng.below(16).wrapping_sub(8),
        1 => (1u64 << shift).wrapping_add(rng.below(5)).wrapping_sub(2),
        2 => u64::MAX >> shift,
        3 => (u64::MAX >> shift) ^ (1 << rng.below(64 - shift)),
        4 => i32::MIN as u64 ^ (rng.below(4) << 30),
        5 => u64::from(rng.next() as u32),
        _ => rng.next(),
    }
}

/// For fma: an addend close to `-(a*b)` so that massive cancellation gets
/// exercised, computed with the host FPU (only needs to be approximate).
fn cancelling_addend(fmt: Fmt, a: u64, b_: u64, rng: &mut Rng) -> u64 {
    let p = if fmt.frac == 23 {
        u64::from((-(f32::from_bits(a as u32) * f32::from_bits(b_ as u32))).to_bits())
    } else {
        (-(f64::from_bits(a) * f64::from_bits(b_))).to_bits()
    };
    fmt.nudge(p, rng)
}

/// Converts a host value to format `fmt` (host rounding; only needs to be
/// close, the caller nudges it anyway).
fn from_host(fmt: Fmt, x: f64) -> u64 {
    if fmt.frac == 23 {
        u64::from((x as f32).to_bits())
    } else {
        x.to_bits()
    }
}

/// The boundaries where rounding decides underflow and overflow: the
/// smallest normal, the largest finite, and small multiples of the smallest
/// subnormal, as host values.
fn boundary(fmt: Fmt, rng: &mut Rng) -> f64 {
    let min_normal = 2f64.powi(1 - fmt.bias() as i32);
    let min_sub = min_normal * 2f64.powi(-(fmt.frac as i32));
    match rng.below(4) {
        0 | 1 => min_normal,
        2 => max_finite(fmt),
        _ => min_sub * (1 + rng.below(4)) as f64 * 0.5,
    }
}

fn max_finite(fmt: Fmt) -> f64 {
    if fmt.frac == 23 {
        f64::from(f32::MAX)
    } else {
        f64::MAX
    }
}

/// Operands whose exact product (or quotient) lands within a few ulps of an
/// underflow or overflow boundary, with many more significant bits than the
/// format holds: the only way to test tininess-after-rounding and
/// overflow-after-rounding, which random operands almost never reach.
fn directed_pair(fmt: Fmt, rng: &mut Rng, divide: bool) -> (u64, u64) {
    let target = boundary(fmt, rng);
    let b_ = fmt.pack(fmt.bias() - 1 + rng.below(3), fmt.fraction(rng) | 1);
    let bh = if fmt.frac == 23 {
        f64::from(f32::from_bits(b_ as u32))
    } else {
        f64::from_bits(b_)
    };
    let a = from_host(fmt, if divide { target * bh } else { target / bh });
    let sign = if rng.chance(50) { fmt.sign() } else { 0 };
    (fmt.nudge(a, rng) ^ sign, b_)
}

/// binary64 operands near binary32 boundaries, nudged by up to 2^31 binary64
/// ulps so the narrowing conversion sees every rounding situation there.
fn narrowing_operand(rng: &mut Rng) -> u64 {
    let x = from_host(
        D,
        boundary(S, rng) * [1.0, 0.5, 0.25, 1.5][rng.below(4) as usize],
    );
    let delta = rng.below(1 << 31) >> rng.below(31);
    let sign = if rng.chance(50) { D.sign() } else { 0 };
    let x = if rng.chance(50) { x + delta } else { x - delta };
    x ^ sign
}

/// A perfect square (of a number with half the format's precision) nudged by
/// a few ulps: square roots that are exact or barely inexact.
fn exact_square(fmt: Fmt, rng: &mut Rng) -> u64 {
    let root = (rng.next() >> (64 - fmt.frac.div_ceil(2))) | 1;
    let square = (root * root) as f64 * 2f64.powi(rng.below(40) as i32 - 20);
    fmt.nudge(from_host(fmt, square), rng)
}

fn operands(op: &Op, rng: &mut Rng) -> [u64; 3] {
    use Operands::*;
    let conversion = op.name.starts_with("fcvt");
    if op.name == "fcvt.s.d" && rng.chance(40) {
        return [narrowing_operand(rng), 0, 0];
    }
    if op.name.starts_with("fsqrt") && rng.chance(30) {
        let fmt = if op.operands == F32x1 { S } else { D };
        return [exact_square(fmt, rng), 0, 0];
    }
    let directed = ["fmul", "fdiv", "fmadd"]
        .iter()
        .any(|p| op.name.starts_with(p));
    if directed && rng.chance(30) {
        let fmt = if op.operands == F32x2 || op.operands == F32x3 {
            S
        } else {
            D
        };
        let (a, b_) = directed_pair(fmt, rng, op.name.starts_with("fdiv"));
        // A tiny addend keeps fma results near the boundary.
        let c = (rng.below(2) * fmt.sign()) | rng.below(3);
        return [a, b_, c];
    }
    let (fmt, n) = match op.operands {
        Int => return [int_operand(rng), 0, 0],
        F32x1 => (S, 1),
        F32x2 => (S, 2),
        F32x3 => (S, 3),
        F64x1 => (D, 1),
        F64x2 => (D, 2),
        F64x3 => (D, 3),
    };
    let a = float_operand(fmt, rng, conversion);
    let mut b_ = if n >= 2 { fmt.value(rng) } else { 0 };
    // Nearby and opposite operands: cancellation in add/sub, ties in
    // comparisons, equal-magnitude min/max.
    if n == 2 && rng.chance(25) {
        b_ = fmt.nudge(a ^ (fmt.sign() * rng.below(2)), rng);
    }
    let c = match n {
        3 if rng.chance(30) => cancelling_addend(fmt, a, b_, rng),
        3 => fmt.value(rng),
        _ => 0,
    };
    [a, b_, c]
}

/// The oracle binary, built once per test binary run: tests run in parallel
/// and must not rewrite an executable another test is running.
fn oracle() -> PathBuf {
    static ORACLE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ORACLE.get_or_init(build_oracle).clone()
}

fn build_oracle() -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/oracle.c");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fpu-oracle");
    let status = Command::new("riscv64-unknown-elf-gcc")
        .args(["-O2", "-march=rv64gc", "-mabi=lp64d", "-nostdlib"])
        .args(["-ffreestanding", "-static", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-lgcc")
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run riscv64-unknown-elf-gcc ({e}); install it: {INSTALL_HINT}")
        });
    assert!(status.success(), "building the FPU oracle failed: {status}");
    out
}

/// Runs `vectors` (encoded records) through the oracle under QEMU.
fn run_oracle(oracle: &Path, input: Vec<u8>) -> Vec<u8> {
    let mut child = Command::new("qemu-riscv64-static")
        .arg(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run qemu-riscv64-static ({e}); install it: {INSTALL_HINT}")
        });
    let mut stdin = child.stdin.take().expect("stdin was requested as a pipe");
    // Feed from a thread: the oracle writes results while we still write
    // vectors, and both pipes have bounded buffers.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout was requested as a pipe")
        .read_to_end(&mut output)
        .expect("reading the oracle's output");
    writer
        .join()
        .expect("writer thread")
        .expect("writing the oracle's input");
    let status = child.wait().expect("waiting for the oracle");
    assert!(status.success(), "the FPU oracle failed: {status}");
    output
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Queues vectors, runs them through the oracle in bounded batches (so long
/// runs do not hold gigabytes), and collects mismatches.
struct Checker {
    oracle: PathBuf,
    ops: Vec<Op>,
    cases: Vec<(usize, Round, [u64; 3])>,
    input: Vec<u8>,
    compared: usize,
    mismatches: Vec<String>,
}

const BATCH: usize = 1 << 18;

impl Checker {
    fn new() -> Self {
        Self {
            oracle: oracle(),
            ops: ops(),
            cases: Vec::new(),
            input: Vec::new(),
            compared: 0,
            mismatches: Vec::new(),
        }
    }

    fn push(&mut self, op_index: usize, (rm, frm): (Round, u32), v: [u64; 3]) {
        self.input
            .extend_from_slice(&self.ops[op_index].code.to_le_bytes());
        self.input.extend_from_slice(&frm.to_le_bytes());
        for x in v {
            self.input.extend_from_slice(&x.to_le_bytes());
        }
        self.cases.push((op_index, rm, v));
        if self.cases.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.cases.is_empty() {
            return;
        }
        let output = run_oracle(&self.oracle, std::mem::take(&mut self.input));
        assert_eq!(
            output.len(),
            self.cases.len() * 16,
            "the oracle answered a different number of vectors"
        );
        for (i, &(op_index, rm, [a, b_, c])) in self.cases.iter().enumerate() {
            let op = &self.ops[op_index];
            let rec = &output[i * 16..i * 16 + 16];
            let want_res = u64::from_le_bytes(rec[..8].try_into().expect("8 bytes")) & op.mask;
            let want_flags = u64::from_le_bytes(rec[8..].try_into().expect("8 bytes"));
            let (got_res, got_flags) = (op.eval)(a, b_, c, rm);
            if got_res != want_res || u64::from(got_flags) != want_flags {
                self.mismatches.push(format!(
                    "{} {:?} a={a:#x} b={b_:#x} c={c:#x}: want {want_res:#x} flags \
                     {want_flags:#04x}, got {got_res:#x} flags {got_flags:#04x}",
                    op.name, rm
                ));
            }
        }
        self.compared += self.cases.len();
        self.cases.clear();
    }

    /// Flushes, prints the tally and fails on any mismatch.
    fn finish(mut self, what: &str) {
        self.flush();
        println!(
            "{what}: compared {} vectors: {} mismatches",
            self.compared,
            self.mismatches.len()
        );
        assert!(
            self.mismatches.is_empty(),
            "{what}: {} of {} vectors differ from the RISC-V oracle; first ones:\n{}",
            self.mismatches.len(),
            self.compared,
            self.mismatches[..self.mismatches.len().min(MAX_REPORTED)].join("\n")
        );
    }
}

#[test]
fn qemu_oracle_all_ops_all_modes_match_bit_exactly() {
    let seed = env_or("FPU_ORACLE_SEED", DEFAULT_SEED);
    let per_op = env_or("FPU_ORACLE_PER_OP", DEFAULT_PER_OP);
    let mut checker = Checker::new();
    let mut rng = Rng(seed);
    for op_index in 0..checker.ops.len() {
        for mode in MODES {
            for _ in 0..per_op {
                let v = operands(&checker.ops[op_index], &mut rng);
                checker.push(op_index, mode, v);
            }
        }
    }
    checker.finish(&format!(
        "random vectors, {per_op} per op and mode, seed {seed:#x}"
    ));
}

/// Every binary32 unary operation (sqrt, fclass, conversions to integers
/// and to binary64) over an evenly spread sweep of all 2^32 bit patterns,
/// with a varying low part so every fraction bit gets exercised.
#[test]
fn qemu_oracle_f32_unary_sweep_matches_bit_exactly() {
    const STRIDE: u64 = 1 << 16;
    let mut checker = Checker::new();
    let unary: Vec<usize> = (0..checker.ops.len())
        .filter(|&i| checker.ops[i].operands == Operands::F32x1)
        .collect();
    let mut rng = Rng(DEFAULT_SEED ^ 0x0517_7ee9);
    for high in (0..1u64 << 32).step_by(STRIDE as usize) {
        let a = high | (rng.next() % STRIDE) >> rng.below(17);
        for &op_index in &unary {
            for mode in MODES {
                checker.push(op_index, mode, [a, 0, 0]);
            }
        }
    }
    checker.finish("binary32 unary sweep");
}
