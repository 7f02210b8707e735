//! Goldfish RTC register map (QEMU `hw/rtc/goldfish_rtc.c`, Linux
//! `drivers/rtc/rtc-goldfish.c`). All registers are 32-bit.

/// Read: current time in ns, low 32 bits; latches the high half.
#[doc(alias = "RTC_TIME_LOW")]
pub const TIME_LOW: u64 = 0x00;
/// Read: high 32 bits latched by the last `TIME_LOW` read.
#[doc(alias = "RTC_TIME_HIGH")]
pub const TIME_HIGH: u64 = 0x04;
/// Alarm low 32 bits; writing it arms the alarm.
#[doc(alias = "RTC_ALARM_LOW")]
pub const ALARM_LOW: u64 = 0x08;
/// Alarm high 32 bits.
#[doc(alias = "RTC_ALARM_HIGH")]
pub const ALARM_HIGH: u64 = 0x0c;
/// Bit 0 enables the interrupt output.
#[doc(alias = "RTC_IRQ_ENABLED")]
pub const IRQ_ENABLED: u64 = 0x10;
/// Write: cancel the armed alarm.
#[doc(alias = "RTC_CLEAR_ALARM")]
pub const CLEAR_ALARM: u64 = 0x14;
/// Read: 1 while an alarm is armed.
#[doc(alias = "RTC_ALARM_STATUS")]
pub const ALARM_STATUS: u64 = 0x18;
/// Write: acknowledge the interrupt.
#[doc(alias = "RTC_CLEAR_INTERRUPT")]
pub const CLEAR_INTERRUPT: u64 = 0x1c;
/// Size of the window on the virt board.
pub const WINDOW_SIZE: u64 = 0x1000;
