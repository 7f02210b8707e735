//! Helpers shared by the unit tests of the privileged architecture.

use std::sync::Arc;

use rvisor_memory::{BusBuilder, Clock, GuestRam, TimerQueue};

use crate::{Hart, HartConfig, HartSignals};

/// Base of the test RAM.
pub(crate) const RAM_BASE: u64 = 0x8000_0000;
/// Size of the test RAM (16 MiB).
pub(crate) const RAM_SIZE: u64 = 16 << 20;

/// An M-mode hart (`HartConfig::machine`) over 16 MiB of RAM at 0x8000_0000.
pub(crate) fn hart() -> Hart {
    hart_with(HartConfig::machine(0, RAM_BASE))
}

/// A hart with `config` over 16 MiB of RAM at 0x8000_0000.
pub(crate) fn hart_with(config: HartConfig) -> Hart {
    let ram = Arc::new(GuestRam::new(RAM_BASE, RAM_SIZE).expect("test RAM"));
    let bus = Arc::new(BusBuilder::new(ram).build());
    let timers = TimerQueue::new(Clock::new());
    Hart::new(config, bus, HartSignals::new(), timers)
}
