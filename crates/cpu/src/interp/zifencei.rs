//! Zifencei: `fence.i` makes this hart's instruction fetches see its own
//! earlier stores. Stores to decoded code are tracked (`PAGE_CODE`), which
//! already covers a lone hart; with other harts sharing RAM a store racing
//! with a decode may be missed, so there `fence.i` must compare code with
//! the guest bytes again.
//!
//! Such a race needs a store window open on another hart while the decode
//! set flags that were clear (see `rvisor_memory::writers`). So a hart
//! records the pages it read that way; `fence.i` compares just those (or,
//! past a few, makes every block suspect), and once every window open at
//! the latest such read has closed, that comparison settles them: later
//! `fence.i`s have nothing to compare until the hart reads fresh code
//! again. Linux patches its static keys one instruction at a time, each
//! followed by a local `fence.i`: without this, every one of those made
//! every block suspect.

use rvisor_memory::writers::Snapshot;

use crate::interp::{Op, PENDING_FENCE_I};
use crate::Hart;

/// Pages whose code one `fence.i` may compare on its own; with more, it
/// makes every block suspect.
const MAX_UNSETTLED: usize = 16;

/// Which of this hart's code may have missed a racing store.
#[derive(Debug, Default)]
pub(crate) struct Settle {
    /// Physical pages read as code since their flag was last clear, not yet
    /// compared again after every window open then had closed.
    pages: Vec<u64>,
    /// More than [`MAX_UNSETTLED`] such pages.
    overflow: bool,
    /// The other harts' store windows at the latest such read.
    snap: Snapshot,
    /// The same, taken by a read not yet known to keep its code.
    reading: Snapshot,
    /// The pages the latest `fence.i` compared, and how many such fences.
    fenced: Vec<u64>,
    fenced_gen: u64,
}

impl Hart {
    /// `fence.i`: the run loop revalidates this hart's decoded blocks from
    /// the next block boundary on (the instruction ends its block).
    pub(super) fn fence_i(&mut self) {
        self.stats.fence_is += 1;
        if self.config.smp {
            self.interp.pending |= PENDING_FENCE_I;
        }
    }

    /// About to read code from RAM whose `PAGE_CODE` flags were just set;
    /// `fresh` if some of them were clear (then a store may race with the
    /// read: see `note_kept`). Returns whether `note_kept` must follow if
    /// the read keeps code.
    #[inline]
    pub(crate) fn note_read(&mut self, fresh: bool) -> bool {
        let fresh = fresh && self.config.smp;
        if fresh {
            self.ram.writers().snapshot(&mut self.interp.settle.reading);
        }
        fresh
    }

    /// The read that [`note_read`](Self::note_read) called fresh kept code
    /// of physical page `page`.
    pub(crate) fn note_kept(&mut self, page: u64) {
        let s = &mut self.interp.settle;
        std::mem::swap(&mut s.snap, &mut s.reading);
        if !s.pages.contains(&page) {
            if s.pages.len() < MAX_UNSETTLED {
                s.pages.push(page);
            } else {
                s.overflow = true;
            }
        }
    }

    /// An SMP `fence.i`. Pages read while no other hart can have had a
    /// store window open need nothing; a few others are compared now (the
    /// engines drop or check their code); more make every block suspect.
    /// Once every window open at the latest read has closed, those
    /// comparisons settle the pages for good.
    pub(super) fn fence_blocks(&mut self, arena: &mut Vec<Op>) {
        let s = &mut self.interp.settle;
        if s.pages.is_empty() && !s.overflow {
            self.stats.fence_is_settled += 1;
            return;
        }
        let closed = self
            .ram
            .writers()
            .closed_since(self.config.hart_id, &s.snap);
        if s.overflow {
            if closed {
                s.overflow = false;
                s.pages.clear();
            }
            self.interp.fence_gen += 1;
            if !self.interp.cache.suspect_all() {
                arena.clear();
            }
            self.stats.block_invalidations += 1;
            return;
        }
        s.fenced.clear();
        s.fenced.extend_from_slice(&s.pages);
        s.fenced_gen += 1;
        if closed {
            s.pages.clear();
        }
        let mut pages = std::mem::take(&mut s.fenced);
        self.stats.blocks_dropped += self.interp.cache.invalidate_pages(&mut pages) as u64;
        self.interp.settle.fenced = pages;
    }

    /// The pages the latest page-wise `fence.i` compared, and a count of
    /// such fences (see [`fence_blocks`](Self::fence_blocks)).
    pub(crate) fn fenced_pages(&self) -> (u64, &[u64]) {
        let s = &self.interp.settle;
        (s.fenced_gen, &s.fenced)
    }
}
