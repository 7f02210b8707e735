//! Zifencei: `fence.i` makes this hart's instruction fetches see its own
//! earlier stores, which for us means dropping every decoded block.

use crate::interp::PENDING_FLUSH_BLOCKS;
use crate::Hart;

impl Hart {
    /// `fence.i`: the run loop drops this hart's decoded blocks at the next
    /// block boundary (the instruction ends its block).
    pub(super) fn fence_i(&mut self) {
        self.stats.fence_is += 1;
        self.interp.pending |= PENDING_FLUSH_BLOCKS;
    }
}
