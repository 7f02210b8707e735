//! The code epoch and the log of the pages behind it.
//!
//! A write that clears a page's `PAGE_CODE` flag advances the epoch and
//! records the page under the new epoch. An engine that sees the epoch move
//! reads which pages were written and checks exactly those. Looking at the
//! flags instead would miss a page whose flag another hart has set again
//! (by decoding it anew) before this hart looked.

use std::sync::atomic::{AtomicU64, Ordering};

/// Epochs the log remembers (a power of two). An engine that falls further
/// behind checks everything.
const SLOTS: usize = 1024;
/// Bits of a slot holding the page number; the rest tag it with its epoch.
const PAGE_BITS: u32 = 40;
const PAGE_MASK: u64 = (1 << PAGE_BITS) - 1;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct CodeLog {
    epoch: AtomicU64,
    slots: Box<[AtomicU64]>,
}

impl Default for CodeLog {
    fn default() -> Self {
        Self {
            epoch: AtomicU64::new(0),
            // Epoch 0 is never logged, so an empty slot never matches.
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl CodeLog {
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Physical page `page` lost its code: advance the epoch and log it.
    pub(crate) fn written(&self, page: u64) {
        let e = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        let tag = e << PAGE_BITS;
        self.slots[e as usize % SLOTS].store(tag | (page & PAGE_MASK), Ordering::Release);
    }

    /// The pages written in epochs `seen + 1 ..= now`, into `out`. `false`
    /// if the log no longer (or does not yet) hold them all: check every
    /// page then.
    pub(crate) fn written_since(&self, seen: u64, now: u64, out: &mut Vec<u64>) -> bool {
        out.clear();
        if now.wrapping_sub(seen) > SLOTS as u64 {
            return false;
        }
        for e in seen.wrapping_add(1)..=now {
            let v = self.slots[e as usize % SLOTS].load(Ordering::Acquire);
            // A writer between its epoch step and its slot store, or an
            // entry already overwritten.
            if v >> PAGE_BITS != e & (u64::MAX >> PAGE_BITS) {
                return false;
            }
            out.push(v & PAGE_MASK);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_names_each_written_page_once_per_write() {
        let log = CodeLog::default();
        let mut out = Vec::new();
        assert!(log.written_since(0, log.epoch(), &mut out));
        assert!(out.is_empty());
        log.written(0x80001);
        log.written(0x80003);
        log.written(0x80001);
        assert!(log.written_since(0, log.epoch(), &mut out));
        assert_eq!(out, [0x80001, 0x80003, 0x80001]);
        assert!(log.written_since(2, log.epoch(), &mut out));
        assert_eq!(out, [0x80001]);
    }

    #[test]
    fn an_engine_too_far_behind_is_told_to_check_everything() {
        let log = CodeLog::default();
        let mut out = Vec::new();
        for p in 0..SLOTS as u64 + 1 {
            log.written(p);
        }
        assert!(!log.written_since(0, log.epoch(), &mut out));
        assert!(log.written_since(1, log.epoch(), &mut out));
        assert_eq!(out.len(), SLOTS);
        // A slot not yet written for the epoch asked about.
        assert!(!log.written_since(log.epoch(), log.epoch() + 1, &mut out));
    }
}
