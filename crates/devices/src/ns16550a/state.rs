//! The NS16550A as a pure state machine: register accesses and host input in;
//! bytes to transmit and the interrupt level out (style.md §6.9).

use std::collections::VecDeque;

use super::regs::*;

/// Guest-visible UART state plus the host-side input queue (plain data,
/// snapshot-able).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ns16550aState {
    /// Receive FIFO (or the 1-byte holding register with FIFOs off).
    pub rx: VecDeque<u8>,
    /// Host input waiting for room in `rx` (at most [`HOST_QUEUE_CAP`]).
    pub host_rx: VecDeque<u8>,
    /// Interrupt enable (4 bits).
    pub ier: u8,
    /// Line control.
    pub lcr: u8,
    /// Modem control (5 bits).
    pub mcr: u8,
    /// Sticky LSR error bits (OE, PE, FE, BI), cleared by reading LSR.
    pub lsr_errors: u8,
    /// Modem status including delta bits.
    pub msr: u8,
    /// Scratch.
    pub scr: u8,
    /// Divisor latch low.
    pub dll: u8,
    /// Divisor latch high.
    pub dlm: u8,
    /// FCR.0: FIFOs enabled.
    pub fifo_enabled: bool,
    /// Receive trigger level (1, 4, 8, 14) from FCR bits 7:6.
    pub rx_trigger: u8,
    /// A THR-empty interrupt is pending (datasheet Table 4: cleared by
    /// reading IIR when it is the source, or by writing THR).
    pub thr_ipending: bool,
}

impl Default for Ns16550aState {
    fn default() -> Self {
        Self::new()
    }
}

/// Modem status lines when not in loopback: a terminal is attached and ready
/// (QEMU reports DCD|DSR|CTS as well).
const MSR_ATTACHED: u8 = MSR_DCD | MSR_DSR | MSR_CTS;

impl Ns16550aState {
    /// Power-on state (datasheet Table 6 "UART Reset Configuration").
    pub fn new() -> Self {
        Self {
            rx: VecDeque::with_capacity(FIFO_DEPTH),
            host_rx: VecDeque::new(),
            ier: 0,
            lcr: 0,
            mcr: 0,
            lsr_errors: 0,
            msr: MSR_ATTACHED,
            scr: 0,
            dll: 0,
            dlm: 0,
            fifo_enabled: false,
            rx_trigger: 1,
            thr_ipending: false,
        }
    }

    fn loopback(&self) -> bool {
        self.mcr & MCR_LOOP != 0
    }

    fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.fifo_enabled {
            FIFO_DEPTH
        } else {
            1
        }
    }

    /// Move queued host input into the FIFO while there is room (not in
    /// loopback, where the serial input is disconnected: datasheet §8.6.4).
    fn refill(&mut self) {
        if self.loopback() {
            return;
        }
        while self.rx.len() < self.rx_capacity() {
            let Some(b) = self.host_rx.pop_front() else {
                break;
            };
            self.rx.push_back(b);
        }
    }

    /// Queue host input; returns how many bytes were taken (the rest did
    /// not fit the bounded host queue and stays with the caller).
    pub fn push_input(&mut self, bytes: &[u8]) -> usize {
        let room = HOST_QUEUE_CAP.saturating_sub(self.host_rx.len());
        let n = bytes.len().min(room);
        self.host_rx.extend(&bytes[..n]);
        self.refill();
        n
    }

    /// The highest-priority pending interrupt (datasheet Table 4): RLS >
    /// RDA/timeout > THRE > MSR; [`IIR_NONE`] if none.
    pub fn interrupt_id(&self) -> u8 {
        if self.ier & IER_ELSI != 0 && self.lsr_errors & LSR_ERRORS != 0 {
            IIR_RLS
        } else if self.ier & IER_ERBFI != 0 && !self.rx.is_empty() {
            // Below the trigger level the 16550A reports a character timeout
            // after four character times; we let that time elapse at once.
            if self.fifo_enabled && self.rx.len() < usize::from(self.rx_trigger) {
                IIR_CTI
            } else {
                IIR_RDA
            }
        } else if self.ier & IER_ETBEI != 0 && self.thr_ipending {
            IIR_THRI
        } else if self.ier & IER_EDSSI != 0 && self.msr & 0x0f != 0 {
            IIR_MSI
        } else {
            IIR_NONE
        }
    }

    /// Level of the interrupt output.
    pub fn irq_level(&self) -> bool {
        self.interrupt_id() != IIR_NONE
    }

    /// The line status. THRE and TEMT are always set: transmission is
    /// instantaneous. With no parity/framing errors and no break, LSR can
    /// never read 0xFF (Linux's "LSR safety check", platform.md §11).
    pub fn lsr(&self) -> u8 {
        let dr = if self.rx.is_empty() { 0 } else { LSR_DR };
        dr | self.lsr_errors | LSR_THRE | LSR_TEMT
    }

    fn modem_inputs(&self) -> u8 {
        if !self.loopback() {
            return MSR_ATTACHED;
        }
        // Loopback wires the modem outputs back to the inputs (datasheet §8.6.4).
        let m = self.mcr;
        let mut s = 0;
        if m & MCR_RTS != 0 {
            s |= MSR_CTS;
        }
        if m & MCR_DTR != 0 {
            s |= MSR_DSR;
        }
        if m & MCR_OUT1 != 0 {
            s |= MSR_RI;
        }
        if m & MCR_OUT2 != 0 {
            s |= MSR_DCD;
        }
        s
    }

    fn update_msr(&mut self) {
        let old = self.msr & 0xf0;
        let new = self.modem_inputs();
        let changed = old ^ new;
        let mut delta = self.msr & 0x0f;
        if changed & MSR_CTS != 0 {
            delta |= MSR_DCTS;
        }
        if changed & MSR_DSR != 0 {
            delta |= MSR_DDSR;
        }
        if changed & MSR_DCD != 0 {
            delta |= MSR_DDCD;
        }
        if old & MSR_RI != 0 && new & MSR_RI == 0 {
            delta |= MSR_TERI;
        }
        self.msr = new | delta;
    }

    /// Guest read of register `reg` (0..=7).
    pub fn read(&mut self, reg: u64) -> u8 {
        match reg {
            RBR_THR if self.dlab() => self.dll,
            RBR_THR => {
                let b = self.rx.pop_front().unwrap_or(0);
                self.refill();
                b
            }
            IER if self.dlab() => self.dlm,
            IER => self.ier,
            IIR_FCR => {
                let id = self.interrupt_id();
                if id == IIR_THRI {
                    self.thr_ipending = false;
                }
                id | if self.fifo_enabled {
                    IIR_FIFO_ENABLED
                } else {
                    0
                }
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let v = self.lsr();
                self.lsr_errors = 0;
                v
            }
            MSR => {
                let v = self.msr;
                self.msr &= 0xf0;
                v
            }
            SCR => self.scr,
            _ => 0,
        }
    }

    /// Guest write of `val` to register `reg` (0..=7); returns the byte to
    /// send to the output, if any.
    pub fn write(&mut self, reg: u64, val: u8) -> Option<u8> {
        match reg {
            RBR_THR if self.dlab() => self.dll = val,
            RBR_THR => return self.transmit(val),
            IER if self.dlab() => self.dlm = val,
            IER => {
                let old = self.ier;
                self.ier = val & 0x0f;
                if self.ier & IER_ETBEI == 0 {
                    self.thr_ipending = false;
                } else if old & IER_ETBEI == 0 {
                    // Enabling ETBEI with THR empty raises THRI at once
                    // (datasheet Table 4; Linux's THRE test relies on it).
                    self.thr_ipending = true;
                }
            }
            IIR_FCR => self.write_fcr(val),
            LCR => self.lcr = val,
            MCR => {
                self.mcr = val & MCR_MASK;
                self.update_msr();
                self.refill();
            }
            SCR => self.scr = val,
            // LSR and MSR are read-only here (factory test only on a 16550A).
            _ => {}
        }
        None
    }

    fn transmit(&mut self, byte: u8) -> Option<u8> {
        // Writing THR clears THRI; the byte leaves at once, so THR is empty
        // again and THRI is pending again.
        self.thr_ipending = false;
        let out = if self.loopback() {
            if self.rx.len() < self.rx_capacity() {
                self.rx.push_back(byte);
            } else {
                self.lsr_errors |= LSR_OE;
            }
            None
        } else {
            Some(byte)
        };
        self.thr_ipending = true;
        out
    }

    fn write_fcr(&mut self, val: u8) {
        let enable = val & FCR_ENABLE != 0;
        // Changing FCR.0 clears both FIFOs (datasheet §8.6.3, FCR bit 0).
        if enable != self.fifo_enabled {
            self.rx.clear();
        }
        self.fifo_enabled = enable;
        if !enable {
            self.rx_trigger = 1;
            self.refill();
            return;
        }
        if val & FCR_CLEAR_RX != 0 {
            self.rx.clear();
        }
        self.rx_trigger = [1, 4, 8, 14][usize::from(val >> 6)];
        self.refill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fifo_on() -> Ns16550aState {
        let mut st = Ns16550aState::new();
        st.write(IIR_FCR, FCR_ENABLE);
        st
    }

    #[test]
    fn state_reset_lsr_is_thre_temt_and_iir_none() {
        let mut st = Ns16550aState::new();
        assert_eq!(st.read(LSR), LSR_THRE | LSR_TEMT);
        assert_eq!(st.read(IIR_FCR), IIR_NONE);
    }

    #[test]
    fn state_thr_write_outputs_byte() {
        let mut st = Ns16550aState::new();
        assert_eq!(st.write(RBR_THR, b'A'), Some(b'A'));
    }

    #[test]
    fn state_enabling_etbei_raises_thri_until_iir_read() {
        let mut st = Ns16550aState::new();
        st.write(IER, IER_ETBEI);
        assert!(st.irq_level());
        assert_eq!(st.read(IIR_FCR), IIR_THRI);
        assert!(!st.irq_level());
        assert_eq!(st.read(IIR_FCR), IIR_NONE);
    }

    #[test]
    fn state_thr_write_rearms_thri() {
        let mut st = Ns16550aState::new();
        st.write(IER, IER_ETBEI);
        st.read(IIR_FCR);
        st.write(RBR_THR, b'x');
        assert_eq!(st.read(IIR_FCR), IIR_THRI);
    }

    #[test]
    fn state_disabling_etbei_drops_thri() {
        let mut st = Ns16550aState::new();
        st.write(IER, IER_ETBEI);
        st.write(IER, 0);
        st.write(IER, IER_ERBFI);
        assert!(!st.irq_level());
    }

    #[test]
    fn state_rx_has_priority_over_thri() {
        let mut st = Ns16550aState::new();
        st.write(IER, IER_ETBEI | IER_ERBFI);
        st.push_input(b"k");
        assert_eq!(st.read(IIR_FCR), IIR_RDA);
        assert_eq!(st.read(RBR_THR), b'k');
        assert_eq!(st.read(IIR_FCR), IIR_THRI);
    }

    #[test]
    fn state_line_status_has_priority_over_rx() {
        let mut st = fifo_on();
        st.write(MCR, MCR_LOOP);
        st.write(IER, IER_ELSI | IER_ERBFI);
        for b in 0..=FIFO_DEPTH as u8 {
            st.write(RBR_THR, b); // the 17th overruns
        }
        assert_eq!(st.read(IIR_FCR) & 0x0f, IIR_RLS);
        assert_eq!(st.read(LSR) & LSR_OE, LSR_OE);
        assert_eq!(st.read(LSR) & LSR_OE, 0, "OE clears on read");
        assert_eq!(st.read(IIR_FCR) & 0x0f, IIR_RDA);
    }

    #[test]
    fn state_fifo_below_trigger_reports_timeout() {
        let mut st = Ns16550aState::new();
        st.write(IIR_FCR, FCR_ENABLE | 0x40); // trigger level 4
        st.write(IER, IER_ERBFI);
        st.push_input(b"ab");
        assert_eq!(st.read(IIR_FCR), IIR_FIFO_ENABLED | IIR_CTI);
        st.push_input(b"cd");
        assert_eq!(st.read(IIR_FCR), IIR_FIFO_ENABLED | IIR_RDA);
    }

    #[test]
    fn state_input_beyond_fifo_waits_in_host_queue() {
        let mut st = fifo_on();
        let text = [b'p'; 40];
        assert_eq!(st.push_input(&text), 40);
        assert_eq!(st.rx.len(), FIFO_DEPTH);
        assert_eq!(st.host_rx.len(), 40 - FIFO_DEPTH);
        let got: Vec<u8> = (0..40).map(|_| st.read(RBR_THR)).collect();
        assert_eq!(got, text);
        assert_eq!(st.read(LSR) & LSR_DR, 0);
    }

    #[test]
    fn state_host_queue_is_bounded() {
        let mut st = Ns16550aState::new();
        let big = vec![0u8; HOST_QUEUE_CAP + 100];
        assert_eq!(st.push_input(&big), HOST_QUEUE_CAP);
        st.push_input(&big); // tops up the byte that moved into the FIFO
        assert_eq!(st.push_input(b"more"), 0);
        assert_eq!(st.host_rx.len(), HOST_QUEUE_CAP);
    }

    #[test]
    fn state_fifo_disabled_holds_one_byte() {
        let mut st = Ns16550aState::new();
        st.push_input(b"xy");
        assert_eq!(st.rx.len(), 1);
        assert_eq!(st.read(RBR_THR), b'x');
        assert_eq!(st.read(RBR_THR), b'y');
    }

    #[test]
    fn state_fcr_clear_rx_empties_fifo() {
        let mut st = fifo_on();
        st.push_input(b"abc");
        st.write(IIR_FCR, FCR_ENABLE | FCR_CLEAR_RX);
        assert_eq!(st.read(LSR) & LSR_DR, 0);
    }

    #[test]
    fn state_dlab_switches_to_divisor_latches() {
        let mut st = Ns16550aState::new();
        st.write(LCR, LCR_DLAB | 0x03);
        assert_eq!(st.write(RBR_THR, 0x0c), None);
        st.write(IER, 0x01);
        assert_eq!((st.read(RBR_THR), st.read(IER)), (0x0c, 0x01));
        st.write(LCR, 0x03);
        assert_eq!(st.ier, 0);
        assert_eq!(st.read(LCR), 0x03);
    }

    #[test]
    fn state_loopback_routes_thr_to_rbr_and_modem_lines() {
        let mut st = fifo_on();
        st.write(MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
        assert_eq!(st.write(RBR_THR, b'z'), None);
        assert_eq!(st.read(RBR_THR), b'z');
        let msr = st.read(MSR);
        assert_eq!(msr & 0xf0, MSR_CTS | MSR_DCD);
        assert_eq!(st.read(MSR) & 0x0f, 0, "delta bits clear on read");
    }

    #[test]
    fn state_scratch_holds_any_value() {
        let mut st = Ns16550aState::new();
        st.write(SCR, 0xa5);
        assert_eq!(st.read(SCR), 0xa5);
    }

    #[test]
    fn state_msr_change_interrupts_when_enabled() {
        let mut st = Ns16550aState::new();
        st.write(IER, IER_EDSSI);
        st.write(MCR, MCR_LOOP);
        assert_eq!(st.read(IIR_FCR), IIR_MSI);
        st.read(MSR);
        assert!(!st.irq_level());
    }
}
