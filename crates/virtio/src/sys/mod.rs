//! Host-specific code (style.md §2): the only `unsafe` of this crate.

pub mod tap;
