//! Store windows of the harts that share RAM, so that an SMP `fence.i` can
//! tell whether any of a hart's decoded code may have missed a store.
//!
//! A decode flags its page `PAGE_CODE` (a locked write) and then reads the
//! bytes; a store checks the flag and writes (translated code), or writes
//! and checks (the interpreter). Neither order has a full barrier between
//! the check and the write, so a store that checked before the flag was set
//! can land after the decode read the old bytes. That is the only way a
//! decoded block can go stale unseen, and it needs a store *window* (check
//! to write) open on another hart while the decode flags the page.
//!
//! Each hart owns a sequence word: odd while it runs guest code, even while
//! it is parked or stopped. The hart changes it with a locked add (a full
//! barrier, so its earlier stores are visible) every time it returns from
//! its engine and whenever it parks or resumes; every store window lies
//! between two changes. A decode takes a [`Snapshot`] of the other harts'
//! words after flagging its page and before reading it. Later, if every
//! other hart has changed its word since (or was parked at the snapshot),
//! every window open during the decode has closed: one more comparison of
//! the block with RAM settles it for good, because every store that starts
//! after the flag was set sees the flag and moves the code epoch.
//!
//! Host writers other than harts (device threads) put a full fence between
//! their write and their flag check ([`GuestRam::host_wrote`]), which closes
//! their window at once.
//!
//! [`GuestRam::host_wrote`]: crate::GuestRam::host_wrote

use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Most harts that can own a sequence word (the VMM's `--cpus` limit).
pub const MAX_WRITERS: usize = 64;

/// One hart's sequence word, alone in its cache line: it changes at every
/// engine return, and other harts only read it when they decode.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Word(AtomicU64);

/// The harts' sequence words (see the module docs).
#[derive(Debug)]
pub struct Writers {
    words: Box<[Word]>,
    /// One past the highest hart that ever ran.
    len: AtomicUsize,
    /// A hart beyond [`MAX_WRITERS`] ran: its windows cannot be seen, so no
    /// decode is ever settled.
    untracked: AtomicBool,
}

impl Default for Writers {
    fn default() -> Self {
        Self {
            words: (0..MAX_WRITERS).map(|_| Word::default()).collect(),
            len: AtomicUsize::new(0),
            untracked: AtomicBool::new(false),
        }
    }
}

/// The other harts' sequence words as one hart saw them at a decode.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    words: Vec<u64>,
}

impl Writers {
    /// Hart `id` starts (true) or stops (false) running guest code.
    pub fn set_running(&self, id: u64, running: bool) {
        let Some(w) = self.word(id) else {
            return;
        };
        if (w.load(Ordering::Relaxed) & 1 == 1) != running {
            w.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Hart `id` left its engine: every store it made is visible, and every
    /// window it had open is closed.
    pub fn close_windows(&self, id: u64) {
        if let Some(w) = self.word(id) {
            w.fetch_add(2, Ordering::SeqCst);
        }
    }

    fn word(&self, id: u64) -> Option<&AtomicU64> {
        let Some(w) = usize::try_from(id).ok().and_then(|i| self.words.get(i)) else {
            self.untracked.store(true, Ordering::SeqCst);
            return None;
        };
        self.len.fetch_max(id as usize + 1, Ordering::SeqCst);
        Some(&w.0)
    }

    /// Record the other harts' words into `snap`. Call it after flagging
    /// the page and before reading its bytes.
    pub fn snapshot(&self, snap: &mut Snapshot) {
        // Orders the page flag's write before these reads (it already is on
        // x86, where the flag is a locked write; this says so to Rust).
        fence(Ordering::SeqCst);
        let len = self.len.load(Ordering::SeqCst);
        snap.words.clear();
        snap.words.extend(
            self.words
                .iter()
                .take(len)
                .map(|w| w.0.load(Ordering::SeqCst)),
        );
    }

    /// Whether every window that was open on another hart than `me` when
    /// `snap` was taken has closed since.
    pub fn closed_since(&self, me: u64, snap: &Snapshot) -> bool {
        if self.untracked.load(Ordering::SeqCst) {
            return false;
        }
        let len = self.len.load(Ordering::SeqCst);
        self.words.iter().take(len).enumerate().all(|(i, w)| {
            let then = snap.words.get(i).copied().unwrap_or(0);
            i as u64 == me || then & 1 == 0 || w.0.load(Ordering::SeqCst) != then
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_hart_must_move_before_a_decode_is_settled() {
        let w = Writers::default();
        w.set_running(0, true);
        w.set_running(1, true);
        let mut snap = Snapshot::default();
        w.snapshot(&mut snap);
        // Hart 0's own word never matters to hart 0.
        w.close_windows(0);
        assert!(!w.closed_since(0, &snap), "hart 1 may still be mid-store");
        w.close_windows(1);
        assert!(w.closed_since(0, &snap));
    }

    #[test]
    fn parked_harts_have_no_window() {
        let w = Writers::default();
        w.set_running(0, true);
        w.set_running(1, true);
        w.set_running(1, false);
        let mut snap = Snapshot::default();
        w.snapshot(&mut snap);
        assert!(w.closed_since(0, &snap), "hart 1 was parked");
        // Waking up and parking again moves the word too.
        let mut snap = Snapshot::default();
        w.set_running(1, true);
        w.snapshot(&mut snap);
        assert!(!w.closed_since(0, &snap));
        w.set_running(1, false);
        assert!(w.closed_since(0, &snap));
    }

    #[test]
    fn a_hart_that_starts_after_the_snapshot_had_no_window_then() {
        let w = Writers::default();
        w.set_running(0, true);
        let mut snap = Snapshot::default();
        w.snapshot(&mut snap);
        w.set_running(5, true);
        assert!(w.closed_since(0, &snap));
    }

    #[test]
    fn a_hart_without_a_word_settles_nothing() {
        let w = Writers::default();
        w.set_running(MAX_WRITERS as u64, true);
        let snap = Snapshot::default();
        assert!(!w.closed_since(0, &snap));
    }
}
