//! Emulated devices of the virt board. Each device is a state machine behind the
//! `MmioDevice` trait of `rvisor-memory`; it raises interrupt lines and knows
//! nothing of harts or engines.
#![forbid(unsafe_code)]
