//! F and D semantics as pure functions: operands are raw bit patterns, results
//! are raw bit patterns plus the exception flags raised (`fflags` bits).
//! Layer: beside `isa`; no hart state. NaN-boxing is the hart's business.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
