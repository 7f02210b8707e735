//! F and D semantics as pure functions: operands are raw bit patterns, results
//! are raw bit patterns plus the exception flags raised (`fflags` bits).
//! Layer: beside `isa`; no hart state. NaN-boxing is the hart's business:
//! binary32 functions take and return the low 32 bits.
//!
//! Every result follows the RISC-V F/D chapters of the unprivileged spec:
//! NaN results are the canonical NaN (0x7fc00000 / 0x7ff8000000000000),
//! `fmin`/`fmax` follow IEEE 754-2019 minimumNumber/maximumNumber (with
//! -0 < +0), float-to-integer conversions saturate with NV on overflow and
//! NaN (NaN converts to the largest positive integer).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod arith;
mod compare;
mod convert;
mod soft;

use soft::{F32, F64};

/// `fflags` bit: invalid operation.
pub const NV: u8 = 0x10;
/// `fflags` bit: divide by zero.
pub const DZ: u8 = 0x08;
/// `fflags` bit: overflow.
pub const OF: u8 = 0x04;
/// `fflags` bit: underflow.
pub const UF: u8 = 0x02;
/// `fflags` bit: inexact.
pub const NX: u8 = 0x01;

/// A rounding mode (already resolved: never "dynamic").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// To nearest, ties to even.
    NearestEven,
    /// Towards zero.
    TowardZero,
    /// Towards −∞.
    Down,
    /// Towards +∞.
    Up,
    /// To nearest, ties away from zero (max magnitude).
    NearestMaxMag,
}

/// The canonical binary32 NaN.
pub const F32_CANONICAL_NAN: u32 = 0x7fc0_0000;
/// The canonical binary64 NaN.
pub const F64_CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// `a + b` rounded by `rm`, with the flags raised.
pub fn f32_add(a: u32, b: u32, rm: Round) -> (u32, u8) {
    let (r, f) = arith::add::<F32>(u64::from(a), u64::from(b), rm);
    (r as u32, f)
}

/// `a - b` rounded by `rm`, with the flags raised.
pub fn f32_sub(a: u32, b: u32, rm: Round) -> (u32, u8) {
    // Subtraction is addition of the negation; NaN signs do not matter
    // because NaN results are always canonical.
    let (r, f) = arith::add::<F32>(u64::from(a), u64::from(b) ^ soft::sign_bit::<F32>(), rm);
    (r as u32, f)
}

/// `a * b` rounded by `rm`, with the flags raised.
pub fn f32_mul(a: u32, b: u32, rm: Round) -> (u32, u8) {
    let (r, f) = arith::mul::<F32>(u64::from(a), u64::from(b), rm);
    (r as u32, f)
}

/// `a / b` rounded by `rm`, with the flags raised.
pub fn f32_div(a: u32, b: u32, rm: Round) -> (u32, u8) {
    let (r, f) = arith::div::<F32>(u64::from(a), u64::from(b), rm);
    (r as u32, f)
}

/// Square root of `a`.
pub fn f32_sqrt(a: u32, rm: Round) -> (u32, u8) {
    let (r, f) = arith::sqrt::<F32>(u64::from(a), rm);
    (r as u32, f)
}

/// `a * b + c` with a single rounding (callers negate operands for fmsub/fnmsub/fnmadd).
pub fn f32_fma(a: u32, b: u32, c: u32, rm: Round) -> (u32, u8) {
    let (r, f) = arith::fma::<F32>(u64::from(a), u64::from(b), u64::from(c), rm);
    (r as u32, f)
}

/// `fmin`: minimumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f32_min(a: u32, b: u32) -> (u32, u8) {
    let (r, f) = compare::min_max::<F32>(u64::from(a), u64::from(b), false);
    (r as u32, f)
}

/// `fmax`: maximumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f32_max(a: u32, b: u32) -> (u32, u8) {
    let (r, f) = compare::min_max::<F32>(u64::from(a), u64::from(b), true);
    (r as u32, f)
}

/// `feq`: quiet comparison (NV only for signaling NaNs).
pub fn f32_eq(a: u32, b: u32) -> (bool, u8) {
    compare::eq::<F32>(u64::from(a), u64::from(b))
}

/// `flt`: signaling comparison (NV for any NaN).
pub fn f32_lt(a: u32, b: u32) -> (bool, u8) {
    compare::lt::<F32>(u64::from(a), u64::from(b))
}

/// `fle`: signaling comparison (NV for any NaN).
pub fn f32_le(a: u32, b: u32) -> (bool, u8) {
    compare::le::<F32>(u64::from(a), u64::from(b))
}

/// `fclass`: the 10-bit class mask.
pub fn f32_classify(a: u32) -> u64 {
    compare::classify::<F32>(u64::from(a))
}

/// Convert to `i32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_i32(a: u32, rm: Round) -> (i32, u8) {
    let (v, f) =
        convert::to_int::<F32>(u64::from(a), rm, i128::from(i32::MIN), i128::from(i32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i32, f)
}

/// Convert `i32` to f32, rounded by `rm`.
pub fn i32_to_f32(a: i32, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(a < 0, u64::from(a.unsigned_abs()), rm);
    (r as u32, f)
}

/// Convert to `u32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_u32(a: u32, rm: Round) -> (u32, u8) {
    let (v, f) = convert::to_int::<F32>(u64::from(a), rm, 0, i128::from(u32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u32, f)
}

/// Convert `u32` to f32, rounded by `rm`.
pub fn u32_to_f32(a: u32, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(false, u64::from(a), rm);
    (r as u32, f)
}

/// Convert to `i64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_i64(a: u32, rm: Round) -> (i64, u8) {
    let (v, f) =
        convert::to_int::<F32>(u64::from(a), rm, i128::from(i64::MIN), i128::from(i64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i64, f)
}

/// Convert `i64` to f32, rounded by `rm`.
pub fn i64_to_f32(a: i64, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(a < 0, a.unsigned_abs(), rm);
    (r as u32, f)
}

/// Convert to `u64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_u64(a: u32, rm: Round) -> (u64, u8) {
    let (v, f) = convert::to_int::<F32>(u64::from(a), rm, 0, i128::from(u64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u64, f)
}

/// Convert `u64` to f32, rounded by `rm`.
pub fn u64_to_f32(a: u64, rm: Round) -> (u32, u8) {
    let (r, f) = convert::from_int::<F32>(false, a, rm);
    (r as u32, f)
}

/// `a + b` rounded by `rm`, with the flags raised.
pub fn f64_add(a: u64, b: u64, rm: Round) -> (u64, u8) {
    arith::add::<F64>(a, b, rm)
}

/// `a - b` rounded by `rm`, with the flags raised.
pub fn f64_sub(a: u64, b: u64, rm: Round) -> (u64, u8) {
    // Subtraction is addition of the negation; NaN signs do not matter
    // because NaN results are always canonical.
    arith::add::<F64>(a, b ^ soft::sign_bit::<F64>(), rm)
}

/// `a * b` rounded by `rm`, with the flags raised.
pub fn f64_mul(a: u64, b: u64, rm: Round) -> (u64, u8) {
    arith::mul::<F64>(a, b, rm)
}

/// `a / b` rounded by `rm`, with the flags raised.
pub fn f64_div(a: u64, b: u64, rm: Round) -> (u64, u8) {
    arith::div::<F64>(a, b, rm)
}

/// Square root of `a`.
pub fn f64_sqrt(a: u64, rm: Round) -> (u64, u8) {
    arith::sqrt::<F64>(a, rm)
}

/// `a * b + c` with a single rounding (callers negate operands for fmsub/fnmsub/fnmadd).
pub fn f64_fma(a: u64, b: u64, c: u64, rm: Round) -> (u64, u8) {
    arith::fma::<F64>(a, b, c, rm)
}

/// `fmin`: minimumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f64_min(a: u64, b: u64) -> (u64, u8) {
    compare::min_max::<F64>(a, b, false)
}

/// `fmax`: maximumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f64_max(a: u64, b: u64) -> (u64, u8) {
    compare::min_max::<F64>(a, b, true)
}

/// `feq`: quiet comparison (NV only for signaling NaNs).
pub fn f64_eq(a: u64, b: u64) -> (bool, u8) {
    compare::eq::<F64>(a, b)
}

/// `flt`: signaling comparison (NV for any NaN).
pub fn f64_lt(a: u64, b: u64) -> (bool, u8) {
    compare::lt::<F64>(a, b)
}

/// `fle`: signaling comparison (NV for any NaN).
pub fn f64_le(a: u64, b: u64) -> (bool, u8) {
    compare::le::<F64>(a, b)
}

/// `fclass`: the 10-bit class mask.
pub fn f64_classify(a: u64) -> u64 {
    compare::classify::<F64>(a)
}

/// Convert to `i32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_i32(a: u64, rm: Round) -> (i32, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, i128::from(i32::MIN), i128::from(i32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i32, f)
}

/// Convert `i32` to f64, rounded by `rm`.
pub fn i32_to_f64(a: i32, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(a < 0, u64::from(a.unsigned_abs()), rm)
}

/// Convert to `u32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_u32(a: u64, rm: Round) -> (u32, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, 0, i128::from(u32::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u32, f)
}

/// Convert `u32` to f64, rounded by `rm`.
pub fn u32_to_f64(a: u32, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(false, u64::from(a), rm)
}

/// Convert to `i64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_i64(a: u64, rm: Round) -> (i64, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, i128::from(i64::MIN), i128::from(i64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as i64, f)
}

/// Convert `i64` to f64, rounded by `rm`.
pub fn i64_to_f64(a: i64, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(a < 0, a.unsigned_abs(), rm)
}

/// Convert to `u64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_u64(a: u64, rm: Round) -> (u64, u8) {
    let (v, f) = convert::to_int::<F64>(a, rm, 0, i128::from(u64::MAX));
    // `to_int` clamps to the range it was given, so the cast is exact.
    (v as u64, f)
}

/// Convert `u64` to f64, rounded by `rm`.
pub fn u64_to_f64(a: u64, rm: Round) -> (u64, u8) {
    convert::from_int::<F64>(false, a, rm)
}

/// Widen binary32 to binary64 (exact; signaling NaN gives NV and the canonical NaN).
pub fn f32_to_f64(a: u32) -> (u64, u8) {
    // Widening is exact, so the rounding mode is irrelevant.
    convert::float_to_float::<F32, F64>(u64::from(a), Round::NearestEven)
}

/// Narrow binary64 to binary32, rounded by `rm`.
pub fn f64_to_f32(a: u64, rm: Round) -> (u32, u8) {
    let (r, f) = convert::float_to_float::<F64, F32>(a, rm);
    (r as u32, f)
}
