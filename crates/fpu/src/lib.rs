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
    let _ = (a, b, rm);
    todo!("f32_add")
}

/// `a - b` rounded by `rm`, with the flags raised.
pub fn f32_sub(a: u32, b: u32, rm: Round) -> (u32, u8) {
    let _ = (a, b, rm);
    todo!("f32_sub")
}

/// `a * b` rounded by `rm`, with the flags raised.
pub fn f32_mul(a: u32, b: u32, rm: Round) -> (u32, u8) {
    let _ = (a, b, rm);
    todo!("f32_mul")
}

/// `a / b` rounded by `rm`, with the flags raised.
pub fn f32_div(a: u32, b: u32, rm: Round) -> (u32, u8) {
    let _ = (a, b, rm);
    todo!("f32_div")
}

/// Square root of `a`.
pub fn f32_sqrt(a: u32, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!("f32_sqrt")
}

/// `a * b + c` with a single rounding (callers negate operands for fmsub/fnmsub/fnmadd).
pub fn f32_fma(a: u32, b: u32, c: u32, rm: Round) -> (u32, u8) {
    let _ = (a, b, c, rm);
    todo!("f32_fma")
}

/// `fmin`: minimumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f32_min(a: u32, b: u32) -> (u32, u8) {
    let _ = (a, b);
    todo!("f32_min")
}

/// `fmax`: maximumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f32_max(a: u32, b: u32) -> (u32, u8) {
    let _ = (a, b);
    todo!("f32_max")
}

/// `feq`: quiet comparison (NV only for signaling NaNs).
pub fn f32_eq(a: u32, b: u32) -> (bool, u8) {
    let _ = (a, b);
    todo!("f32_eq")
}

/// `flt`: signaling comparison (NV for any NaN).
pub fn f32_lt(a: u32, b: u32) -> (bool, u8) {
    let _ = (a, b);
    todo!("f32_lt")
}

/// `fle`: signaling comparison (NV for any NaN).
pub fn f32_le(a: u32, b: u32) -> (bool, u8) {
    let _ = (a, b);
    todo!("f32_le")
}

/// `fclass`: the 10-bit class mask.
pub fn f32_classify(a: u32) -> u64 {
    let _ = (a);
    todo!("f32_classify")
}

/// Convert to `i32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_i32(a: u32, rm: Round) -> (i32, u8) {
    let _ = (a, rm);
    todo!("f32_to_i32")
}

/// Convert `i32` to f32, rounded by `rm`.
pub fn i32_to_f32(a: i32, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!()
}

/// Convert to `u32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_u32(a: u32, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!("f32_to_u32")
}

/// Convert `u32` to f32, rounded by `rm`.
pub fn u32_to_f32(a: u32, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!()
}

/// Convert to `i64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_i64(a: u32, rm: Round) -> (i64, u8) {
    let _ = (a, rm);
    todo!("f32_to_i64")
}

/// Convert `i64` to f32, rounded by `rm`.
pub fn i64_to_f32(a: i64, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!()
}

/// Convert to `u64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f32_to_u64(a: u32, rm: Round) -> (u64, u8) {
    let _ = (a, rm);
    todo!("f32_to_u64")
}

/// Convert `u64` to f32, rounded by `rm`.
pub fn u64_to_f32(a: u64, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!()
}

/// `a + b` rounded by `rm`, with the flags raised.
pub fn f64_add(a: u64, b: u64, rm: Round) -> (u64, u8) {
    let _ = (a, b, rm);
    todo!("f64_add")
}

/// `a - b` rounded by `rm`, with the flags raised.
pub fn f64_sub(a: u64, b: u64, rm: Round) -> (u64, u8) {
    let _ = (a, b, rm);
    todo!("f64_sub")
}

/// `a * b` rounded by `rm`, with the flags raised.
pub fn f64_mul(a: u64, b: u64, rm: Round) -> (u64, u8) {
    let _ = (a, b, rm);
    todo!("f64_mul")
}

/// `a / b` rounded by `rm`, with the flags raised.
pub fn f64_div(a: u64, b: u64, rm: Round) -> (u64, u8) {
    let _ = (a, b, rm);
    todo!("f64_div")
}

/// Square root of `a`.
pub fn f64_sqrt(a: u64, rm: Round) -> (u64, u8) {
    let _ = (a, rm);
    todo!("f64_sqrt")
}

/// `a * b + c` with a single rounding (callers negate operands for fmsub/fnmsub/fnmadd).
pub fn f64_fma(a: u64, b: u64, c: u64, rm: Round) -> (u64, u8) {
    let _ = (a, b, c, rm);
    todo!("f64_fma")
}

/// `fmin`: minimumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f64_min(a: u64, b: u64) -> (u64, u8) {
    let _ = (a, b);
    todo!("f64_min")
}

/// `fmax`: maximumNumber, -0 < +0, NV only for signaling NaN inputs.
pub fn f64_max(a: u64, b: u64) -> (u64, u8) {
    let _ = (a, b);
    todo!("f64_max")
}

/// `feq`: quiet comparison (NV only for signaling NaNs).
pub fn f64_eq(a: u64, b: u64) -> (bool, u8) {
    let _ = (a, b);
    todo!("f64_eq")
}

/// `flt`: signaling comparison (NV for any NaN).
pub fn f64_lt(a: u64, b: u64) -> (bool, u8) {
    let _ = (a, b);
    todo!("f64_lt")
}

/// `fle`: signaling comparison (NV for any NaN).
pub fn f64_le(a: u64, b: u64) -> (bool, u8) {
    let _ = (a, b);
    todo!("f64_le")
}

/// `fclass`: the 10-bit class mask.
pub fn f64_classify(a: u64) -> u64 {
    let _ = (a);
    todo!("f64_classify")
}

/// Convert to `i32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_i32(a: u64, rm: Round) -> (i32, u8) {
    let _ = (a, rm);
    todo!("f64_to_i32")
}

/// Convert `i32` to f64, rounded by `rm`.
pub fn i32_to_f64(a: i32, rm: Round) -> (u64, u8) {
    let _ = (a, rm);
    todo!()
}

/// Convert to `u32`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_u32(a: u64, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!("f64_to_u32")
}

/// Convert `u32` to f64, rounded by `rm`.
pub fn u32_to_f64(a: u32, rm: Round) -> (u64, u8) {
    let _ = (a, rm);
    todo!()
}

/// Convert to `i64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_i64(a: u64, rm: Round) -> (i64, u8) {
    let _ = (a, rm);
    todo!("f64_to_i64")
}

/// Convert `i64` to f64, rounded by `rm`.
pub fn i64_to_f64(a: i64, rm: Round) -> (u64, u8) {
    let _ = (a, rm);
    todo!()
}

/// Convert to `u64`, saturating (NaN gives the maximum), NV when out of range.
pub fn f64_to_u64(a: u64, rm: Round) -> (u64, u8) {
    let _ = (a, rm);
    todo!("f64_to_u64")
}

/// Convert `u64` to f64, rounded by `rm`.
pub fn u64_to_f64(a: u64, rm: Round) -> (u64, u8) {
    let _ = (a, rm);
    todo!()
}

/// Widen binary32 to binary64 (exact; signaling NaN gives NV and the canonical NaN).
pub fn f32_to_f64(a: u32) -> (u64, u8) {
    let _ = a;
    todo!()
}

/// Narrow binary64 to binary32, rounded by `rm`.
pub fn f64_to_f32(a: u64, rm: Round) -> (u32, u8) {
    let _ = (a, rm);
    todo!()
}
