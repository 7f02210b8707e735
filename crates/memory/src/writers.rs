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
//! Translated code's stores do not check the flags of a page that had none
//! when the hart filled its TLB entry for it (fast stores; the fill marks
//! the page, `GuestRam::mark_fast_stores`). So when a marked page gets a
//! flag, the flagging hart logs it here ([`Writers::page_flagged`]) before
//! its snapshot, and every hart, each time its word changes, takes its
//! store entries for logged pages off the fast path
//! ([`Writers::flagged_since`]) before it runs guest code again. A hart
//! whose word moved after a snapshot thus checks flags on that page from
//! then on, and its stores before that lay in windows the snapshot waits
//! for: fast stores keep the rule above.
//!
//! Host writers other than harts (device threads) put a full fence between
//! their write and their flag check ([`GuestRam::host_wrote`]), which closes
//! their window at once.
//!
//! [`GuestRam::host_wrote`]: crate::GuestRam::host_wrote

use std::collections::VecDeque;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Most harts that can own a sequence word (the VMM's `--cpus` limit).
pub const MAX_WRITERS: usize = 64;

/// Pages the log keeps; a hart further behind drops its whole store TLB
/// instead.
pub const FLAG_LOG: usize = 64;

/// The latest pages logged (physical page addresses), oldest first:
/// `pages[i]` was number `first + i` (numbered from 1).
#[derive(Debug, Default)]
struct FlagLog {
    first: u64,
    pages: VecDeque<u64>,
}

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
    /// Pages logged by [`page_flagged`](Self::page_flagged) so far.
    flagged: AtomicU64,
    log: Mutex<FlagLog>,
}

impl Default for Writers {
    fn default() -> Self {
        Self {
            words: (0..MAX_WRITERS).map(|_| Word::default()).collect(),
            len: AtomicUsize::new(0),
            untracked: AtomicBool::new(false),
            flagged: AtomicU64::new(0),
            log: Mutex::new(FlagLog {
                first: 1,
                pages: VecDeque::with_capacity(FLAG_LOG),
            }),
        }
    }
}

/// What a hart must take off its store TLB's fast path
/// ([`Writers::flagged_since`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flagged {
    /// Nothing new.
    Nothing,
    /// The entries of the pages in the first `n` slots of the buffer.
    Pages(usize),
    /// Everything: more pages were flagged than the log keeps.
    All,
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

    /// How many harts run guest code now (not parked in `wfi`, not stopped).
    pub fn running(&self) -> usize {
        let len = self.len.load(Ordering::Relaxed).min(self.words.len());
        self.words[..len]
            .iter()
            .filter(|w| w.0.load(Ordering::Relaxed) & 1 == 1)
            .count()
    }

    /// Hart `id` left its engine: every store it made is visible, and every
    /// window it had open is closed.
    pub fn close_windows(&self, id: u64) {
        if let Some(w) = self.word(id) {
            w.fetch_add(2, Ordering::SeqCst);
        }
    }

    /// Physical page `page`, marked for fast stores, got a flag: log it
    /// for the other harts' store TLBs. Call it after setting the flag and before the
    /// snapshot.
    pub fn page_flagged(&self, page: u64) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.pages.len() == FLAG_LOG {
            log.pages.pop_front();
            log.first += 1;
        }
        log.pages.push_back(page);
        let n = log.first + log.pages.len() as u64 - 1;
        self.flagged.store(n, Ordering::SeqCst);
    }

    /// The pages logged since a hart that had seen `seen` of them
    /// looked, put in `pages`; `seen` becomes the count now. Call it after
    /// the hart's word changed and before it runs guest code.
    pub fn flagged_since(&self, seen: &mut u64, pages: &mut [u64; FLAG_LOG]) -> Flagged {
        // After the word's locked add: a page logged before a snapshot
        // that saw the old word is seen here.
        if self.flagged.load(Ordering::SeqCst) == *seen {
            return Flagged::Nothing;
        }
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let now = log.first + log.pages.len() as u64 - 1;
        let from = *seen + 1;
        *seen = now;
        if from < log.first {
            return Flagged::All;
        }
        let mut n = 0;
        for (p, &page) in pages
            .iter_mut()
            .zip(log.pages.iter().skip((from - log.first) as usize))
        {
            *p = page;
            n += 1;
        }
        Flagged::Pages(n)
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
    fn running_counts_the_harts_not_parked() {
        let w = Writers::default();
        assert_eq!(w.running(), 0);
        w.set_running(0, true);
        w.set_running(3, true);
        w.set_running(3, true);
        assert_eq!(w.running(), 2, "a repeated start counts once");
        w.close_windows(3);
        assert_eq!(w.running(), 2, "closing windows is not parking");
        w.set_running(0, false);
        assert_eq!(w.running(), 1);
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
    fn a_hart_sees_each_logged_page_once() {
        let w = Writers::default();
        let (mut seen, mut p) = (0, [0; FLAG_LOG]);
        assert_eq!(w.flagged_since(&mut seen, &mut p), Flagged::Nothing);
        w.page_flagged(0x8000_1000);
        w.page_flagged(0x8000_5000);
        assert_eq!(w.flagged_since(&mut seen, &mut p), Flagged::Pages(2));
        assert_eq!(&p[..2], &[0x8000_1000, 0x8000_5000]);
        assert_eq!(w.flagged_since(&mut seen, &mut p), Flagged::Nothing);
        w.page_flagged(0x8000_9000);
        assert_eq!(w.flagged_since(&mut seen, &mut p), Flagged::Pages(1));
        assert_eq!(p[0], 0x8000_9000);
    }

    #[test]
    fn a_hart_too_far_behind_drops_everything() {
        let w = Writers::default();
        let (mut seen, mut p) = (0, [0; FLAG_LOG]);
        for i in 0..FLAG_LOG as u64 {
            w.page_flagged(i << 12);
        }
        let mut fresh = seen;
        assert_eq!(
            w.flagged_since(&mut fresh, &mut p),
            Flagged::Pages(FLAG_LOG)
        );
        w.page_flagged(0x8000_0000);
        assert_eq!(w.flagged_since(&mut seen, &mut p), Flagged::All);
        assert_eq!(w.flagged_since(&mut seen, &mut p), Flagged::Nothing);
        assert_eq!(w.flagged_since(&mut fresh, &mut p), Flagged::Pages(1));
        assert_eq!(p[0], 0x8000_0000);
    }

    #[test]
    fn a_hart_without_a_word_settles_nothing() {
        let w = Writers::default();
        w.set_running(MAX_WRITERS as u64, true);
        let snap = Snapshot::default();
        assert!(!w.closed_since(0, &snap));
    }
}
