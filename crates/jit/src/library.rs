//! Translations shared between the harts of one machine.
//!
//! Each hart owns its code cache (see `code.rs`: no cross-modifying code,
//! invalidation stays the hart's own business), but harts run mostly the
//! same code: in a 2-hart Linux boot 45 % of the translations were made a
//! second time by the other hart. A hart that translates a block publishes
//! the code it emitted here, with the guest bytes it was made from and the
//! fields that depend on where the code sits ([`Reloc`]); another hart that
//! needs the block copies the code into its own cache and relocates it
//! instead of translating again, if the guest bytes in memory still match.
//! (It still interprets the block up to the hot threshold's times first:
//! adopting at first sight, with the interpreter handing over every block
//! some hart translated, made a 2-hart boot no faster.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rvisor_cpu::interp::Op;

use crate::emit::{Modes, Reloc};

/// Code a hart emitted for one block, as placed in its cache.
#[derive(Debug)]
pub(crate) struct Template {
    pub code: Box<[u8]>,
    /// The host address `code` was assembled for.
    pub base: usize,
    pub entry: usize,
    pub insns: usize,
    pub relocs: Box<[Reloc]>,
    /// The ops the code points at (helper calls): shared, so that they
    /// live as long as any cache holds the code.
    pub ops: Arc<[Op]>,
    /// The guest bytes of the translated instructions.
    pub guest: Box<[u8]>,
    /// How the hart accessed memory when the code was made (baked in).
    pub modes: Modes,
}

impl Template {
    fn size(&self) -> usize {
        self.code.len() + self.guest.len() + std::mem::size_of_val(&*self.ops) + 128
    }
}

#[derive(Default)]
struct Inner {
    map: HashMap<(u64, u64, Modes), Arc<Template>>,
    bytes: usize,
}

/// The translations of one machine's harts, keyed by guest (virtual pc,
/// physical pc) and the memory modes baked in (harts in different modes
/// keep one each rather than replacing each other's), bounded in memory
/// (emptied whole when full, like a code cache).
pub struct Library {
    inner: Mutex<Inner>,
    limit: usize,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Library {
    /// An empty library holding at most about `limit` bytes.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner::default()),
            limit,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Entries are immutable once in: a panic elsewhere left nothing
        // half-made.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The translation published for (`pc`, `pa`) under `modes`, if any.
    pub(crate) fn get(&self, pc: u64, pa: u64, modes: Modes) -> Option<Arc<Template>> {
        self.lock().map.get(&(pc, pa, modes)).cloned()
    }

    /// Publish `t` as the translation of (`pc`, `pa`), replacing any
    /// older one.
    pub(crate) fn publish(&self, pc: u64, pa: u64, t: Template) {
        let size = t.size();
        let mut g = self.lock();
        if g.bytes + size > self.limit {
            g.map.clear();
            g.bytes = 0;
        }
        g.bytes += size;
        let modes = t.modes;
        if let Some(old) = g.map.insert((pc, pa, modes), Arc::new(t)) {
            g.bytes = g.bytes.saturating_sub(old.size());
        }
    }

    /// Published translations.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is published.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::Modes;
    use rvisor_cpu::mmu::DataMode;

    use crate::emit::Ram;

    fn template(code: usize) -> Template {
        Template {
            code: vec![0x90; code].into_boxed_slice(),
            base: 0x1000,
            entry: 0,
            insns: 1,
            relocs: Box::new([]),
            ops: Arc::from(Vec::<Op>::new()),
            guest: vec![0x13, 0, 0, 0].into_boxed_slice(),
            modes: Modes {
                loads: DataMode::Paged,
                ram: RAM,
            },
        }
    }

    const RAM: Ram = Ram {
        base: 0x8000_0000,
        host: 0x7f00_0000_0000,
    };

    /// A guest that keeps making new code cannot grow the library past its
    /// bound: it is emptied whole, like a code cache.
    #[test]
    fn the_library_stays_within_its_bound() {
        let lib = Library::new(64 << 10);
        assert!(lib.is_empty());
        lib.publish(0x1000, 0x8000_1000, template(1000));
        let modes = template(0).modes;
        assert!(lib.get(0x1000, 0x8000_1000, modes).is_some());
        assert!(
            lib.get(0x1000, 0x8000_2000, modes).is_none(),
            "keyed by both pcs"
        );
        let other = Modes {
            loads: DataMode::Unchecked,
            ram: RAM,
        };
        assert!(
            lib.get(0x1000, 0x8000_1000, other).is_none(),
            "and the modes"
        );
        let elsewhere = Modes {
            ram: Ram {
                host: 0x8000_0000,
                ..RAM
            },
            ..modes
        };
        assert!(
            lib.get(0x1000, 0x8000_1000, elsewhere).is_none(),
            "and where RAM is"
        );
        // Publishing again replaces, and does not count twice.
        lib.publish(0x1000, 0x8000_1000, template(1000));
        assert_eq!(lib.len(), 1);
        let mut most = 0;
        for i in 0..1000u64 {
            lib.publish(i * 4, 0x8000_0000 + i * 4, template(1000));
            most = most.max(lib.len());
            assert!(lib.lock().bytes <= 64 << 10);
        }
        assert!(most > 30 && most < 64, "held at most {most}");
    }
}
