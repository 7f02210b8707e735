//! Cold code run for a translator ([`Hart::run_cold`]): the interpreter
//! goes on from block to block while the blocks it meets are cold, rather
//! than returning to the translator's dispatcher after each one (a Linux
//! boot interprets about a million blocks; each dispatch costs a table
//! lookup that misses the host's caches). It stops before a block that
//! turned hot (the dispatcher translates it) or that a translation may
//! exist for (the dispatcher runs it).

use super::Op;
use crate::{Exit, Hart};

/// Bits of [`Translated`]: 128 KiB, hashed by physical address.
const BITS: usize = 1 << 20;

/// Physical addresses a translator made code for since it last dropped
/// everything, as a hashed bit set: a clear bit means certainly none, a
/// set bit only maybe (the interpreter then hands over; the dispatcher
/// finds out).
#[derive(Debug, Default)]
pub(crate) struct Translated {
    bits: Vec<u64>,
}

#[inline(always)]
fn bit(pa: u64) -> (usize, u64) {
    let h = ((pa >> 1) ^ (pa >> 21)) as usize & (BITS - 1);
    (h / 64, 1 << (h % 64))
}

impl Translated {
    pub(crate) fn note(&mut self, pa: u64) {
        if self.bits.is_empty() {
            self.bits = vec![0; BITS / 64];
        }
        let (w, b) = bit(pa);
        if let Some(word) = self.bits.get_mut(w) {
            *word |= b;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.bits.fill(0);
    }

    #[inline(always)]
    pub(crate) fn maybe(&self, pa: u64) -> bool {
        let (w, b) = bit(pa);
        self.bits.get(w).is_some_and(|word| word & b != 0)
    }
}

impl Hart {
    /// Interpret for a translator: run blocks as [`run`](Self::run) does,
    /// but stop before a block (other than the first) that has run more
    /// than `hot` times here or that a translation was noted for
    /// ([`engine_translated`](Self::engine_translated)). Returns the exit
    /// and the number of blocks run; [`Exit::Budget`] with instructions
    /// left over means it stopped at such a block (pc).
    pub fn run_cold(&mut self, budget: u64, hot: u16) -> (Exit, u64) {
        let mut arena: Vec<Op> = std::mem::take(&mut self.interp.arena);
        let mut blocks = 0;
        let exit = self.run_loop_counted(&mut arena, budget, Some(hot), &mut blocks);
        self.interp.arena = arena;
        (exit, blocks)
    }

    /// Whether [`run_cold`](Self::run_cold) hands the block at `pa` over.
    #[inline(always)]
    pub(super) fn hand_over(&mut self, pa: u64, hot: u16) -> bool {
        self.interp.translated.maybe(pa) || self.interp.cache.hit(pa) > hot
    }

    /// A translator made code for the block at physical `pa`.
    pub fn engine_translated(&mut self, pa: u64) {
        self.interp.translated.note(pa);
    }

    /// A translator dropped all its code.
    pub fn engine_dropped_all(&mut self) {
        self.interp.translated.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translated_set_has_no_false_negatives_and_clears() {
        let mut t = Translated::default();
        assert!(!t.maybe(0x8000_0000), "empty before any note");
        let pas: Vec<u64> = (0..5000u64).map(|i| 0x8000_0000 + i * 0x26).collect();
        for &pa in &pas {
            t.note(pa);
        }
        assert!(pas.iter().all(|&pa| t.maybe(pa)));
        let others = (0..5000u64)
            .map(|i| 0x9000_0000 + i * 0x1002)
            .filter(|&pa| t.maybe(pa))
            .count();
        assert!(others < 100, "{others} false positives of 5000");
        t.clear();
        assert!(pas.iter().all(|&pa| !t.maybe(pa)));
    }
}
