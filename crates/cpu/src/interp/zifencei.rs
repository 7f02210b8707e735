//! Zifencei: `fence.i` makes this hart's instruction fetches see its own
//! earlier stores. Stores to decoded code are tracked (`PAGE_CODE`), which
//! already covers a lone hart; with other harts sharing RAM a store racing
//! with a decode may be missed, so there `fence.i` makes every decoded block
//! suspect: it is compared with the guest bytes before it runs again.

use crate::interp::PENDING_FENCE_I;
use crate::Hart;

impl Hart {
    /// `fence.i`: the run loop revalidates this hart's decoded blocks from
    /// the next block boundary on (the instruction ends its block).
    pub(super) fn fence_i(&mut self) {
        self.stats.fence_is += 1;
        if self.config.smp {
            self.interp.pending |= PENDING_FENCE_I;
        }
    }
}
