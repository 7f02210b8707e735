//! NS16550A register map with reg-shift 0 (platform.md §3, §11; TI PC16550D
//! datasheet §8.4 "Register Addresses" / Table 2, §8.6 "Registers").

/// Receiver buffer (read) / transmitter holding (write); DLL when LCR.DLAB.
#[doc(alias = "UART_RX")]
pub const RBR_THR: u64 = 0;
/// Interrupt enable; DLM when LCR.DLAB.
#[doc(alias = "UART_IER")]
pub const IER: u64 = 1;
/// Interrupt identification (read) / FIFO control (write).
#[doc(alias = "UART_IIR")]
pub const IIR_FCR: u64 = 2;
/// Line control.
#[doc(alias = "UART_LCR")]
pub const LCR: u64 = 3;
/// Modem control.
#[doc(alias = "UART_MCR")]
pub const MCR: u64 = 4;
/// Line status.
#[doc(alias = "UART_LSR")]
pub const LSR: u64 = 5;
/// Modem status.
#[doc(alias = "UART_MSR")]
pub const MSR: u64 = 6;
/// Scratch.
#[doc(alias = "UART_SCR")]
pub const SCR: u64 = 7;
/// Size of the window on the virt board.
pub const WINDOW_SIZE: u64 = 0x100;

/// IER: received data available interrupt (datasheet Table 2, IER bit 0).
pub const IER_ERBFI: u8 = 0x01;
/// IER: transmitter holding register empty interrupt.
pub const IER_ETBEI: u8 = 0x02;
/// IER: receiver line status interrupt.
pub const IER_ELSI: u8 = 0x04;
/// IER: modem status interrupt.
pub const IER_EDSSI: u8 = 0x08;

/// IIR: no interrupt pending (bit 0 set).
#[doc(alias = "UART_IIR_NO_INT")]
pub const IIR_NONE: u8 = 0x01;
/// IIR: receiver line status, priority 1 (highest).
#[doc(alias = "UART_IIR_RLSI")]
pub const IIR_RLS: u8 = 0x06;
/// IIR: received data available, priority 2.
#[doc(alias = "UART_IIR_RDI")]
pub const IIR_RDA: u8 = 0x04;
/// IIR: character timeout, priority 2 (FIFO mode).
#[doc(alias = "UART_IIR_RX_TIMEOUT")]
pub const IIR_CTI: u8 = 0x0c;
/// IIR: transmitter holding register empty, priority 3.
#[doc(alias = "UART_IIR_THRI")]
pub const IIR_THRI: u8 = 0x02;
/// IIR: modem status, priority 4 (lowest).
#[doc(alias = "UART_IIR_MSI")]
pub const IIR_MSI: u8 = 0x00;
/// IIR bits 7:6 set when the FIFOs are enabled.
pub const IIR_FIFO_ENABLED: u8 = 0xc0;

/// FCR: enable FIFOs.
pub const FCR_ENABLE: u8 = 0x01;
/// FCR: clear the receive FIFO.
pub const FCR_CLEAR_RX: u8 = 0x02;

/// LCR: divisor latch access bit.
pub const LCR_DLAB: u8 = 0x80;

/// MCR: DTR.
pub const MCR_DTR: u8 = 0x01;
/// MCR: RTS.
pub const MCR_RTS: u8 = 0x02;
/// MCR: OUT1.
pub const MCR_OUT1: u8 = 0x04;
/// MCR: OUT2.
pub const MCR_OUT2: u8 = 0x08;
/// MCR: loopback.
pub const MCR_LOOP: u8 = 0x10;
/// MCR bits a 16550A implements.
pub const MCR_MASK: u8 = 0x1f;

/// LSR: data ready.
pub const LSR_DR: u8 = 0x01;
/// LSR: overrun error.
pub const LSR_OE: u8 = 0x02;
/// LSR: errors that raise a receiver line status interrupt (OE, PE, FE, BI).
pub const LSR_ERRORS: u8 = 0x1e;
/// LSR: transmitter holding register empty.
pub const LSR_THRE: u8 = 0x20;
/// LSR: transmitter empty.
pub const LSR_TEMT: u8 = 0x40;

/// MSR: delta CTS.
pub const MSR_DCTS: u8 = 0x01;
/// MSR: delta DSR.
pub const MSR_DDSR: u8 = 0x02;
/// MSR: trailing edge of RI.
pub const MSR_TERI: u8 = 0x04;
/// MSR: delta DCD.
pub const MSR_DDCD: u8 = 0x08;
/// MSR: clear to send.
pub const MSR_CTS: u8 = 0x10;
/// MSR: data set ready.
pub const MSR_DSR: u8 = 0x20;
/// MSR: ring indicator.
pub const MSR_RI: u8 = 0x40;
/// MSR: data carrier detect.
pub const MSR_DCD: u8 = 0x80;

/// Receive FIFO depth of the 16550A.
pub const FIFO_DEPTH: usize = 16;
/// Host-side input queue behind the FIFO (bytes), so pasted text is not lost.
pub const HOST_QUEUE_CAP: usize = 64 * 1024;
