//! The decoded-block cache: straight-line runs of pre-decoded instructions,
//! keyed by the guest-physical address of their first instruction.
//!
//! Blocks are keyed by physical pc only: decoding depends on nothing but the
//! bytes, and every privilege/translation/FP-enable check happens when an
//! instruction executes, so no hart mode bit needs to be part of the key. A
//! block never crosses a page, so one fetch translation per block is exact.
//!
//! Storage is an append-only arena of [`Op`]s plus a direct-mapped table of
//! `(pa, generation) -> arena range`. A flush bumps the generation and
//! empties the arena (O(1), no table sweep); a table collision simply
//! re-decodes, leaving the old ops as garbage until the arena limit flushes.
//!
//! An SMP `fence.i` only bumps the generation and keeps the arena: the
//! blocks of older generations whose ops are still in the arena become
//! *suspect*. The run loop's hot path sees them as misses; the cold path
//! compares a suspect block's raw bits with the current guest bytes and
//! either re-stamps it (no re-decode) or decodes it afresh.

use rvisor_isa::{decode, decode_compressed, insn_len, Inst};

use crate::mmu::Access;
use crate::trap::{Exception, Trap};
use crate::Hart;

/// Most instructions in one block: bounds the work between interrupt checks.
pub(crate) const MAX_BLOCK_INSNS: usize = 64;
/// Direct-mapped table entries (a power of two). A Debian boot decoded
/// 408 K blocks with 8 K entries, 269 K with 64 K (collisions re-decode,
/// and lose the block's run count); 32 K entries take 1 MiB.
const TABLE_SIZE: usize = 1 << 15;
/// Arena size (in ops) past which the whole cache is flushed before decoding.
const ARENA_LIMIT: usize = 1 << 18;

/// One pre-decoded instruction of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    /// The instruction.
    pub inst: Inst,
    /// Its raw bits (16 significant bits for compressed ones), for `xtval`
    /// on illegal-instruction traps raised at execution time.
    pub raw: u32,
    /// Byte offset of the instruction from the block's first pc.
    pub off: u16,
    /// Instruction length in bytes (2 or 4).
    pub len: u8,
}

/// A table slot: the arena range of the block starting at physical `pa`,
/// valid only while `gen` equals the cache's generation.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    pa: u64,
    gen: u32,
    start: u32,
    count: u16,
    bytes: u16,
    spin: u32,
    /// Executions counted by [`Hart::run_cold`](crate::Hart::run_cold).
    hits: u16,
}

/// A block found in (or just added to) the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockRef {
    /// First op in the arena.
    pub start: usize,
    /// Number of ops.
    pub count: usize,
    /// Bytes covered (pc after the block when it falls through).
    pub bytes: u64,
    /// Nonzero for a spin candidate: the register mask of
    /// [`crate::spin::spin_candidate`].
    pub spin: u32,
}

/// The direct-mapped block table (the arena lives beside it in
/// `InterpState` and is moved out while the run loop executes from it).
#[derive(Debug)]
pub(crate) struct BlockCache {
    table: Box<[Entry]>,
    gen: u32,
    /// The generation at which the arena was last emptied: entries from
    /// `arena_gen..gen` still point at live ops (suspect blocks).
    arena_gen: u32,
}

impl Default for BlockCache {
    fn default() -> Self {
        Self {
            table: vec![Entry::default(); TABLE_SIZE].into_boxed_slice(),
            gen: 1,
            arena_gen: 1,
        }
    }
}

#[inline(always)]
fn slot(pa: u64) -> usize {
    // Instructions are 2-byte aligned; fold in the page number so blocks at
    // the same page offset of different pages spread out.
    (((pa >> 1) ^ (pa >> 14)) as usize) & (TABLE_SIZE - 1)
}

impl BlockCache {
    /// The cached block starting at physical `pa`, if any.
    #[inline(always)]
    pub(crate) fn lookup(&self, pa: u64) -> Option<BlockRef> {
        let e = self.table.get(slot(pa))?;
        if e.pa == pa && e.gen == self.gen {
            Some(BlockRef {
                start: e.start as usize,
                count: usize::from(e.count),
                bytes: u64::from(e.bytes),
                spin: e.spin,
            })
        } else {
            None
        }
    }

    /// The suspect block starting at `pa` (made before the last
    /// [`suspect_all`](Self::suspect_all), ops still in the arena).
    fn suspect(&self, pa: u64) -> Option<BlockRef> {
        let e = self.table.get(slot(pa))?;
        (e.pa == pa && e.gen >= self.arena_gen && e.gen < self.gen).then_some(BlockRef {
            start: e.start as usize,
            count: usize::from(e.count),
            bytes: u64::from(e.bytes),
            spin: e.spin,
        })
    }

    fn insert(&mut self, pa: u64, b: BlockRef) {
        let gen = self.gen;
        if let Some(e) = self.table.get_mut(slot(pa)) {
            *e = Entry {
                pa,
                gen,
                start: b.start as u32,
                count: b.count as u16,
                bytes: b.bytes as u16,
                spin: b.spin,
                hits: 0,
            };
        }
    }

    /// Count one more execution of the cached block at `pa`; its count
    /// so far (saturating; 0 if it is not cached).
    #[inline(always)]
    pub(crate) fn hit(&mut self, pa: u64) -> u16 {
        match self.table.get_mut(slot(pa)) {
            Some(e) if e.pa == pa => {
                e.hits = e.hits.saturating_add(1);
                e.hits
            }
            _ => 0,
        }
    }

    /// Forget the blocks made from physical pages `pages` (a store hit
    /// them since they were decoded). Far cheaper than a full flush when
    /// one page of a large working set is rewritten (freed code pages
    /// reused as data). The dropped ops stay in the arena as garbage until
    /// the arena limit flushes it. Returns how many blocks were dropped.
    pub(crate) fn invalidate_pages(&mut self, pages: &mut Vec<u64>) -> usize {
        pages.sort_unstable();
        pages.dedup();
        let gen = self.gen;
        let mut dropped = 0;
        for e in self.table.iter_mut().filter(|e| e.gen == gen) {
            if pages.binary_search(&(e.pa >> 12)).is_ok() {
                e.gen = 0;
                dropped += 1;
            }
        }
        dropped
    }

    /// Forget every block (the caller empties the arena).
    pub(crate) fn invalidate(&mut self) {
        self.bump();
        self.arena_gen = self.gen;
    }

    /// Make every block suspect: it must be compared with the guest bytes
    /// before it runs again (`fence.i` on SMP). `false` if the generation
    /// wrapped and every block was forgotten instead (the caller empties
    /// the arena).
    pub(crate) fn suspect_all(&mut self) -> bool {
        self.bump()
    }

    /// Next generation; on wrap-around sweeps the table and returns `false`.
    fn bump(&mut self) -> bool {
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            // Generation wrapped: old entries could alias; sweep once.
            self.table.fill(Entry::default());
            self.gen = 1;
            self.arena_gen = 1;
            return false;
        }
        true
    }
}

/// Outcome of looking for the code at pc.
pub(crate) enum Fetched {
    /// A cached block.
    Block(BlockRef),
    /// A single instruction that straddles a page boundary; never cached
    /// because its second half depends on a second translation.
    Single(Op),
}

impl Hart {
    /// Translate pc for fetch: TLB fast path, then the full walk.
    #[inline(always)]
    pub(crate) fn fetch_translate(&mut self, va: u64) -> Result<u64, Trap> {
        match self.tlb_lookup(va, Access::Fetch) {
            Some(pa) => Ok(pa),
            None => self.translate(va, Access::Fetch),
        }
    }

    /// Find or decode the block at `pc` (physical `pa`), appending new ops to
    /// `arena`.
    pub(crate) fn fetch_block(
        &mut self,
        arena: &mut Vec<Op>,
        pc: u64,
        pa: u64,
    ) -> Result<Fetched, Trap> {
        if let Some(b) = self.interp.cache.lookup(pa) {
            return Ok(Fetched::Block(b));
        }
        self.decode_block(arena, pc, pa)
    }

    /// Read the 16-bit parcel at physical `pa`; instruction access fault
    /// (tval = `va`) if it is not RAM (executing from MMIO is refused).
    fn fetch_parcel(&self, va: u64, pa: u64) -> Result<u16, Trap> {
        match self.ram.offset_of(pa, 2) {
            Some(off) => self.ram.load_u16(off),
            // Outside RAM only ROM is executable (its bytes never change, so
            // its blocks need no PAGE_CODE tracking).
            None => self.bus.fetch_u16(pa),
        }
        .ok_or(Trap::new(Exception::InstAccessFault, va))
    }

    /// Re-stamp the suspect block at `pa` if the guest bytes still hold
    /// its instructions.
    fn revalidate(&mut self, arena: &[Op], pc: u64, pa: u64) -> Option<BlockRef> {
        let b = self.interp.cache.suspect(pa)?;
        let ops = arena.get(b.start..b.start + b.count)?;
        // As in decoding: flag first, so a store racing with the
        // comparison either lands before our reads or sees the flag.
        let fresh = self
            .ram
            .offset_of(pa, b.bytes)
            .is_some_and(|off| self.flag_code(off, b.bytes));
        let fresh = self.note_read(fresh);
        for op in ops {
            let a = pa.wrapping_add(u64::from(op.off));
            let va = pc.wrapping_add(u64::from(op.off));
            let lo = self.fetch_parcel(va, a).ok()?;
            let raw = if op.len == 4 {
                let hi = self
                    .fetch_parcel(va.wrapping_add(2), a.wrapping_add(2))
                    .ok()?;
                u32::from(lo) | (u32::from(hi) << 16)
            } else {
                u32::from(lo)
            };
            if raw != op.raw {
                return None;
            }
        }
        if fresh {
            self.note_kept(pa >> 12);
        }
        self.interp.cache.insert(pa, b);
        self.stats.blocks_revalidated += 1;
        Some(b)
    }

    #[cold]
    fn decode_block(&mut self, arena: &mut Vec<Op>, pc: u64, pa: u64) -> Result<Fetched, Trap> {
        if let Some(b) = self.revalidate(arena, pc, pa) {
            return Ok(Fetched::Block(b));
        }
        if pa & 1 != 0 {
            // Unreachable with IALIGN=16 (jalr clears bit 0, offsets are
            // even) unless an xRET/trap vector misbehaves; refuse it exactly.
            return Err(Trap::new(Exception::InstMisaligned, pc));
        }
        let first = self.fetch_parcel(pc, pa)?;
        if insn_len(first) == 4 && pa & 0xfff == 0xffe {
            return self.fetch_straddling(pc, first).map(Fetched::Single);
        }
        if arena.len() >= ARENA_LIMIT {
            arena.clear();
            self.interp.cache.invalidate();
            self.stats.block_invalidations += 1;
        }
        // Flag each granule before reading it, so a store racing with this
        // decode either lands before our read or sees the flag.
        // All offsets from pa: flags are set up to `flagged`, in whole
        // granules (the first starts `lead` bytes before pa).
        let page_left = 0x1000 - (pa & 0xfff);
        let lead = pa & 63;
        let mut flagged: u64 = 0;
        let mut fresh = false;
        let start = arena.len();
        let mut k: u64 = 0;
        loop {
            let a = pa.wrapping_add(k);
            if k + 4 > flagged && flagged < page_left {
                // Through the granule of the instruction's last byte.
                let upto = ((lead + k + 4).next_multiple_of(64) - lead).min(page_left);
                if let Some(off) = self.ram.offset_of(pa.wrapping_add(flagged), upto - flagged) {
                    let new = self.flag_code(off, upto - flagged);
                    fresh |= self.note_read(new);
                }
                flagged = upto;
            }
            let lo = match self.fetch_parcel(pc.wrapping_add(k), a) {
                Ok(v) => v,
                // Only the first parcel's fault matters; a later one ends the
                // block and faults when (if) execution gets there.
                Err(t) if k == 0 => return Err(t),
                Err(_) => break,
            };
            let (inst, raw, len) = if insn_len(lo) == 4 {
                if a & 0xfff == 0xffe {
                    break; // straddles the page: its own uncached fetch
                }
                let Ok(hi) = self.fetch_parcel(pc.wrapping_add(k + 2), a.wrapping_add(2)) else {
                    break;
                };
                let raw = u32::from(lo) | (u32::from(hi) << 16);
                (decode(raw), raw, 4u8)
            } else {
                (decode_compressed(lo), u32::from(lo), 2u8)
            };
            arena.push(Op {
                inst,
                raw,
                off: k as u16,
                len,
            });
            k += u64::from(len);
            let ends = inst.is_control_flow() || inst.is_system();
            if ends || arena.len() - start >= MAX_BLOCK_INSNS || pa.wrapping_add(k) & 0xfff == 0 {
                break;
            }
        }
        let spin = arena
            .get(start..)
            .and_then(|ops| crate::spin::spin_candidate(pc, ops))
            .unwrap_or(0);
        let b = BlockRef {
            start,
            count: arena.len() - start,
            bytes: k,
            spin,
        };
        if fresh {
            self.note_kept(pa >> 12);
        }
        self.interp.cache.insert(pa, b);
        self.stats.blocks_decoded += 1;
        Ok(Fetched::Block(b))
    }

    /// Fetch a 32-bit instruction whose halves lie on two pages: the second
    /// half needs its own translation (fault tval = its address).
    #[cold]
    fn fetch_straddling(&mut self, pc: u64, lo: u16) -> Result<Op, Trap> {
        let va2 = pc.wrapping_add(2);
        let pa2 = self.fetch_translate(va2)?;
        let hi = self.fetch_parcel(va2, pa2)?;
        let raw = u32::from(lo) | (u32::from(hi) << 16);
        Ok(Op {
            inst: decode(raw),
            raw,
            off: 0,
            len: 4,
        })
    }

    /// The 32-bit instruction at `pc` (physical `pa`, its page's last two
    /// bytes) whose second half lies on the next page, for a translation
    /// that ends with it: its first half is flagged as code as a block's
    /// bytes are, its second half fetched through the next page's own
    /// translation and not flagged (the translation compares that page's
    /// mapping and bytes each time it runs the instruction). `None` where
    /// either half cannot be fetched now, or the parcel is a compressed
    /// instruction.
    pub(crate) fn straddling_op(&mut self, pc: u64, pa: u64) -> Option<Op> {
        if pa & 0xfff != 0xffe {
            return None;
        }
        let off = self.ram.offset_of(pa, 2)?;
        let new = self.flag_code(off, 2);
        let fresh = self.note_read(new);
        let lo = self.fetch_parcel(pc, pa).ok()?;
        if insn_len(lo) != 4 {
            return None;
        }
        let op = self.fetch_straddling(pc, lo).ok()?;
        if fresh {
            self.note_kept(pa >> 12);
        }
        Some(op)
    }

    /// Fetch and decode the single instruction at `pc` without caching it
    /// (single-stepping).
    pub(crate) fn fetch_one(&mut self, pc: u64) -> Result<Op, Trap> {
        let pa = self.fetch_translate(pc)?;
        let lo = self.fetch_parcel(pc, pa)?;
        if insn_len(lo) == 2 {
            return Ok(Op {
                inst: decode_compressed(lo),
                raw: u32::from(lo),
                off: 0,
                len: 2,
            });
        }
        if pa & 0xfff == 0xffe {
            return self.fetch_straddling(pc, lo);
        }
        let hi = self.fetch_parcel(pc.wrapping_add(2), pa.wrapping_add(2))?;
        let raw = u32::from(lo) | (u32::from(hi) << 16);
        Ok(Op {
            inst: decode(raw),
            raw,
            off: 0,
            len: 4,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_invalidate_forgets_blocks() {
        let mut c = BlockCache::default();
        let b = BlockRef {
            start: 3,
            count: 2,
            bytes: 6,
            spin: 0,
        };
        c.insert(0x8000_0000, b);
        assert_eq!(c.lookup(0x8000_0000), Some(b));
        assert_eq!(c.lookup(0x8000_1000), None);
        c.invalidate();
        assert_eq!(c.lookup(0x8000_0000), None);
    }

    #[test]
    fn cache_written_page_drops_only_its_blocks() {
        let mut c = BlockCache::default();
        let b = BlockRef {
            start: 0,
            count: 1,
            bytes: 4,
            spin: 0,
        };
        c.insert(0x8000_1000, b);
        c.insert(0x8000_2000, b);
        assert_eq!(c.invalidate_pages(&mut vec![0x80001, 0x80003, 0x80001]), 1);
        assert_eq!(c.lookup(0x8000_1000), None);
        assert_eq!(c.lookup(0x8000_2000), Some(b));
    }

    #[test]
    fn cache_fence_makes_blocks_suspect_until_the_arena_is_emptied() {
        let mut c = BlockCache::default();
        let b = BlockRef {
            start: 0,
            count: 1,
            bytes: 4,
            spin: 0,
        };
        c.insert(0x8000_0000, b);
        assert_eq!(c.suspect(0x8000_0000), None, "a valid block is not suspect");
        assert!(c.suspect_all());
        assert_eq!(c.lookup(0x8000_0000), None);
        assert_eq!(c.suspect(0x8000_0000), Some(b));
        assert!(c.suspect_all());
        assert_eq!(c.suspect(0x8000_0000), Some(b), "still in the arena");
        c.insert(0x8000_0000, b);
        assert_eq!(c.lookup(0x8000_0000), Some(b));
        assert!(c.suspect_all());
        c.invalidate();
        assert_eq!(c.suspect(0x8000_0000), None, "its ops are gone");
    }

    #[test]
    fn cache_generation_wrap_sweeps_table() {
        let mut c = BlockCache {
            gen: u32::MAX,
            ..BlockCache::default()
        };
        let b = BlockRef {
            start: 0,
            count: 1,
            bytes: 4,
            spin: 0,
        };
        c.insert(0x1000, b);
        c.invalidate();
        assert_eq!(c.gen, 1);
        assert_eq!(c.lookup(0x1000), None);
    }
}
