//! Guest console output off the vCPU threads: the UART, virtio-console, the
//! HTIF and SBI DBCN write into a bounded buffer, and one writer thread
//! copies it to the host stream (stdout). A slow or stalled reader of stdout
//! then costs a hart nothing until the buffer is full; past that, writers
//! wait for room (back-pressure: memory stays bounded, no output is dropped
//! while the stream accepts it). [`ConsoleWriter::finish`] writes out
//! everything buffered before the VM's run returns.

use std::collections::VecDeque;
use std::io::{ErrorKind, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Bytes buffered between the guest's devices and the host stream.
pub const OUTPUT_BUFFER_CAP: usize = 64 * 1024;

/// How long the writer thread, having written, waits for more before it
/// asks to be woken. A guest prints through a UART a byte at a time, a
/// few microseconds apart: woken for each line, the thread took a host
/// core from a hart 2,300 times in a 2-hart Debian boot (1,800 and 1,200
/// preemptions of the two hart threads). The first byte after a pause is
/// written at once; a burst's others at most this much later.
const LINGER: std::time::Duration = std::time::Duration::from_millis(1);

#[derive(Default)]
struct State {
    data: VecDeque<u8>,
    /// The writer thread holds bytes it took but has not written yet.
    writing: bool,
    /// No more writes: the thread writes what is left and ends.
    closed: bool,
    /// The host stream failed (closed pipe): output is discarded.
    failed: bool,
    /// The writer thread waits for data: the next write must wake it.
    /// Writes made while it is busy with the stream wake nobody (a
    /// `Condvar` notify is a system call even with no waiter, and a
    /// console prints a byte per UART write).
    idle: bool,
    /// Writers waiting for room.
    blocked: usize,
    /// Wake-ups of the writer thread made by writes.
    wakeups: u64,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when data arrives or the writer is closed.
    more: Condvar,
    /// Signalled when the thread made room or finished a batch.
    room: Condvar,
    cap: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The owner of the writer thread.
pub struct ConsoleWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A `Write` handle for devices: copies into the buffer, waits only when
/// it is full. `flush` does not wait for the host stream (the thread
/// flushes after every batch).
#[derive(Clone)]
pub struct ConsoleOut(Arc<Shared>);

impl ConsoleWriter {
    /// Start a writer thread copying to `out` through a buffer of `cap` bytes.
    pub fn spawn(out: Box<dyn Write + Send>, cap: usize) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            more: Condvar::new(),
            room: Condvar::new(),
            cap: cap.max(1),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("rvisor-console-out".into())
            .spawn(move || pump(&s, out))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// A handle for the machine's devices.
    pub fn handle(&self) -> ConsoleOut {
        ConsoleOut(self.shared.clone())
    }

    /// Write out everything buffered, then stop the thread. Later writes
    /// through handles are discarded.
    pub fn finish(mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.shared.lock().closed = true;
        self.shared.more.notify_all();
        self.shared.room.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ConsoleWriter {
    fn drop(&mut self) {
        self.close();
    }
}

fn pump(s: &Shared, mut out: Box<dyn Write + Send>) {
    let mut chunk = Vec::new();
    loop {
        {
            let mut st = s.lock();
            st.writing = false;
            if st.blocked > 0 {
                s.room.notify_all();
            }
            let mut lingered = false;
            while st.data.is_empty() && !st.closed {
                if !lingered {
                    lingered = true;
                    st = s
                        .more
                        .wait_timeout(st, LINGER)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                    continue;
                }
                st.idle = true;
                st = s.more.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            st.idle = false;
            if st.data.is_empty() {
                return;
            }
            chunk.clear();
            chunk.extend(st.data.drain(..));
            st.writing = true;
            if st.blocked > 0 {
                s.room.notify_all();
            }
        }
        if out.write_all(&chunk).and_then(|()| out.flush()).is_err() {
            let mut st = s.lock();
            st.failed = true;
            st.data.clear();
        }
    }
}

impl Write for ConsoleOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let s = &*self.0;
        let mut st = s.lock();
        loop {
            if st.failed {
                return Err(ErrorKind::BrokenPipe.into());
            }
            if st.closed {
                return Ok(buf.len());
            }
            let room = s.cap.saturating_sub(st.data.len());
            if room > 0 {
                let n = room.min(buf.len());
                st.data.extend(&buf[..n]);
                if st.idle {
                    st.idle = false;
                    st.wakeups += 1;
                    s.more.notify_one();
                }
                return Ok(n);
            }
            st.blocked += 1;
            st = s.room.wait(st).unwrap_or_else(|e| e.into_inner());
            st.blocked -= 1;
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A host stream that accepts nothing until the test opens the gate,
    /// then records everything.
    struct Gated {
        gate: mpsc::Receiver<()>,
        open: bool,
        got: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Gated {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if !self.open {
                let _ = self.gate.recv();
                self.open = true;
            }
            self.got.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn gated(cap: usize) -> (ConsoleWriter, mpsc::Sender<()>, Arc<Mutex<Vec<u8>>>) {
        let (tx, rx) = mpsc::channel();
        let got = Arc::new(Mutex::new(Vec::new()));
        let out = Gated {
            gate: rx,
            open: false,
            got: got.clone(),
        };
        (ConsoleWriter::spawn(Box::new(out), cap).unwrap(), tx, got)
    }

    #[test]
    fn console_out_a_stalled_stream_does_not_stall_writers_until_the_buffer_is_full() {
        let (w, gate, got) = gated(1024);
        let mut h = w.handle();
        // The thread takes the first write and blocks in the stream; the
        // next 1024 bytes fill the buffer without waiting.
        h.write_all(b"first").unwrap();
        h.flush().unwrap();
        while !w.shared.lock().writing {
            std::thread::sleep(Duration::from_millis(1));
        }
        h.write_all(&[b'x'; 1024]).unwrap();
        // One more byte must wait for the stream: back-pressure.
        let (done_tx, done_rx) = mpsc::channel();
        let mut h2 = w.handle();
        let t = std::thread::spawn(move || {
            h2.write_all(b"!").unwrap();
            done_tx.send(()).unwrap();
        });
        assert!(done_rx.recv_timeout(Duration::from_millis(200)).is_err());
        gate.send(()).unwrap();
        done_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        t.join().unwrap();
        w.finish();
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 5 + 1024 + 1);
        assert!(got.starts_with(b"first") && got.ends_with(b"x!"));
    }

    #[test]
    fn console_out_writes_wake_the_writer_only_when_it_waits() {
        let (w, gate, got) = gated(1 << 16);
        let mut h = w.handle();
        let wait_idle = || {
            while !w.shared.lock().idle {
                std::thread::sleep(Duration::from_millis(1));
            }
        };
        wait_idle();
        h.write_all(b"first").unwrap();
        while !w.shared.lock().writing {
            std::thread::sleep(Duration::from_millis(1));
        }
        // The thread is busy with the stream: bytes written one at a time
        // (as a UART takes them) queue without a wake-up each.
        for _ in 0..1000 {
            h.write_all(b"x").unwrap();
        }
        assert_eq!(w.shared.lock().wakeups, 1);
        gate.send(()).unwrap();
        // Once the thread has drained the buffer and waits again, the
        // next write wakes it.
        wait_idle();
        h.write_all(b"!").unwrap();
        assert_eq!(w.shared.lock().wakeups, 2);
        w.finish();
        assert_eq!(got.lock().unwrap().len(), 5 + 1000 + 1);
    }

    #[test]
    fn console_out_finish_writes_everything_buffered() {
        let (w, gate, got) = gated(1 << 20);
        let mut h = w.handle();
        let text: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for c in text.chunks(777) {
            h.write_all(c).unwrap();
        }
        gate.send(()).unwrap();
        w.finish();
        assert_eq!(*got.lock().unwrap(), text);
    }

    #[test]
    fn console_out_a_failed_stream_makes_writes_fail_without_blocking() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let w = ConsoleWriter::spawn(Box::new(Broken), 16).unwrap();
        let mut h = w.handle();
        let _ = h.write_all(b"lost");
        std::thread::sleep(Duration::from_millis(50));
        for _ in 0..100 {
            assert!(h.write_all(&[0u8; 64]).is_err());
        }
        w.finish();
    }
}
