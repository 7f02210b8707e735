//! The host side of the guest console: stdin feeds the guest's UART (raw mode
//! when stdin is a terminal, with QEMU's Ctrl-A escapes), the guest's output
//! goes to stdout.

use std::io::Read;
use std::sync::{Arc, Mutex, OnceLock};

use crate::control::{ExitReason, VmControl};
use crate::sys::terminal;

/// Where console input goes (the current VM's UART).
pub type InputSink = Arc<dyn Fn(&[u8]) + Send + Sync>;

struct Target {
    sink: Option<InputSink>,
    control: Option<Arc<VmControl>>,
    /// Input read while no VM was attached (the pump starts before the
    /// machine's devices are wired, and a reset rebuilds them): handed to
    /// the next sink, so typed-ahead input is not lost.
    pending: Vec<u8>,
}

/// Most typed-ahead bytes kept while no VM is attached.
const PENDING_MAX: usize = 64 * 1024;

/// The console input pump: one thread per process (a rebooted VM gets the
/// same stdin).
pub struct Console {
    target: Mutex<Target>,
}

const CTRL_A: u8 = 0x01;

static CONSOLE: OnceLock<Arc<Console>> = OnceLock::new();

/// The help text for the escape key, printed on Ctrl-A h.
pub const ESCAPE_HELP: &str =
    "\r\nC-a x    quit rvisor\r\nC-a h    this help\r\nC-a C-a  send C-a to the guest\r\n";

impl Console {
    /// Start (once) the thread that reads stdin; put the terminal in raw mode
    /// if stdin is one.
    pub fn get() -> Arc<Console> {
        CONSOLE
            .get_or_init(|| {
                let interactive = terminal::stdin_is_tty();
                if interactive {
                    if let Err(e) = terminal::enter_raw_mode() {
                        tracing::warn!("cannot put the terminal in raw mode: {e}");
                    }
                }
                let c = Arc::new(Console {
                    target: Mutex::new(Target {
                        sink: None,
                        control: None,
                        pending: Vec::new(),
                    }),
                });
                let pump = c.clone();
                let _ = std::thread::Builder::new()
                    .name("rvisor-stdin".into())
                    .spawn(move || pump.pump(interactive));
                c
            })
            .clone()
    }

    /// Send input to `sink`; the escape sequence stops the VM through `control`.
    pub fn attach(&self, sink: InputSink, control: Arc<VmControl>) {
        let mut t = self.target.lock().unwrap_or_else(|e| e.into_inner());
        let pending = std::mem::take(&mut t.pending);
        if !pending.is_empty() {
            sink(&pending);
        }
        t.sink = Some(sink);
        t.control = Some(control);
    }

    /// Stop sending input anywhere.
    pub fn detach(&self) {
        let mut t = self.target.lock().unwrap_or_else(|e| e.into_inner());
        t.sink = None;
        t.control = None;
    }

    fn deliver(&self, bytes: &[u8]) {
        let sink = {
            let mut t = self.target.lock().unwrap_or_else(|e| e.into_inner());
            if t.sink.is_none() {
                let room = PENDING_MAX.saturating_sub(t.pending.len());
                t.pending.extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
            t.sink.clone()
        };
        if let Some(s) = sink {
            s(bytes);
        }
    }

    fn quit(&self) {
        let control = self
            .target
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .control
            .clone();
        if let Some(c) = control {
            c.stop(ExitReason::UserQuit);
        }
    }

    fn pump(&self, interactive: bool) {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 256];
        let mut escape = false;
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) => return, // EOF: the guest keeps running without input
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            if !interactive {
                self.deliver(&buf[..n]);
                continue;
            }
            let mut out = Vec::with_capacity(n);
            for &b in &buf[..n] {
                if escape {
                    escape = false;
                    match b {
                        b'x' | b'X' => {
                            terminal::restore();
                            eprintln!("\r\nrvisor: terminated by C-a x");
                            self.quit();
                        }
                        b'h' | b'H' | b'?' => eprint!("{ESCAPE_HELP}"),
                        CTRL_A => out.push(CTRL_A),
                        _ => {}
                    }
                } else if b == CTRL_A {
                    escape = true;
                } else {
                    out.push(b);
                }
            }
            if !out.is_empty() {
                self.deliver(&out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console() -> Console {
        Console {
            target: Mutex::new(Target {
                sink: None,
                control: None,
                pending: Vec::new(),
            }),
        }
    }

    #[test]
    fn console_input_typed_before_attach_reaches_the_sink() {
        let c = console();
        c.deliver(b"early ");
        c.deliver(b"bytes");
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        c.attach(
            Arc::new(move |b: &[u8]| g.lock().unwrap().extend_from_slice(b)),
            VmControl::new(),
        );
        c.deliver(b" late");
        assert_eq!(&got.lock().unwrap()[..], b"early bytes late");
        // Detached again (a reset): held for the next VM, bounded.
        c.detach();
        c.deliver(&vec![b'x'; PENDING_MAX + 10]);
        assert_eq!(c.target.lock().unwrap().pending.len(), PENDING_MAX);
    }
}
