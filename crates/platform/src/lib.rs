//! Machine profiles: what a `full` and a `para` machine contain and how a guest is
//! placed in them (firmware, kernel, initrd, device tree) and started.
#![forbid(unsafe_code)]
pub mod layout; pub mod loader;
pub mod fdt;
