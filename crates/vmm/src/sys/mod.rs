//! Host-specific code (termios, signals). The only `unsafe` of the VMM lives here.
#![allow(unsafe_code)]

pub mod terminal;
