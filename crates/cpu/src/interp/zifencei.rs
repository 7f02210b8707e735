//! Zifencei: `fence.i` makes this hart's instruction fetches see its own
//! earlier stores. Stores to decoded code are tracked (`PAGE_CODE`), which
//! already covers a lone hart; with other harts sharing RAM a store racing
//! with a decode may be missed, so there `fence.i` drops every decoded block.

use crate::interp::PENDING_FLUSH_BLOCKS;
use crate::Hart;

impl Hart {
    /// `fence.i`: the run loop drops this hart's decoded blocks at the next
    /// block boundary (the instruction ends its block).
    pub(super) fn fence_i(&mut self) {
        self.stats.fence_is += 1;
        if self.config.smp {
            self.interp.pending |= PENDING_FLUSH_BLOCKS;
        }
    }
}
