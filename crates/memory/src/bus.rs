//! The physical bus: RAM, MMIO device windows and store watchers, fixed once
//! the machine is built. Anything not mapped is an access fault for the hart.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::ram::{GuestRam, PAGE_CODE, PAGE_WATCH};

/// A device reached through a window of guest-physical addresses.
///
/// Accesses of any width (1, 2, 4, 8) at any offset within the window may
/// arrive from any hart thread at any time; the device decides what they mean
/// (unknown registers read as zero and drop writes).
pub trait MmioDevice: Send + Sync {
    /// Read `size` bytes at `offset` from the window base.
    fn read(&self, offset: u64, size: u8) -> u64;
    /// Write the low `size` bytes of `value` at `offset` from the window base.
    fn write(&self, offset: u64, size: u8, value: u64);
    /// The window's bytes if it is immutable memory that harts may execute
    /// from (a boot ROM); `None` for devices, whose reads may have effects.
    fn code(&self) -> Option<&[u8]> {
        None
    }
}

/// Why a physical access failed (the hart raises an access fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusError {
    /// Nothing is mapped at that address.
    Unmapped,
}

struct Window {
    base: u64,
    size: u64,
    name: String,
    dev: Arc<dyn MmioDevice>,
    reads: AtomicU64,
    writes: AtomicU64,
}

/// Per-device access counts, for `--stats`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MmioStats {
    /// Device name.
    pub name: String,
    /// Reads served.
    pub reads: u64,
    /// Writes served.
    pub writes: u64,
}

/// Builds a [`Bus`].
pub struct BusBuilder {
    ram: Arc<GuestRam>,
    windows: Vec<Window>,
    watchers: Vec<Window>,
}

impl BusBuilder {
    /// A bus with `ram` and nothing else.
    pub fn new(ram: Arc<GuestRam>) -> Self {
        Self {
            ram,
            windows: Vec::new(),
            watchers: Vec::new(),
        }
    }

    /// Map `dev` at `base..base+size`. Panics on overlap: the memory map is
    /// built by our own code, so an overlap is a programming error.
    pub fn mmio(mut self, name: &str, base: u64, size: u64, dev: Arc<dyn MmioDevice>) -> Self {
        let end = base.checked_add(size).expect("MMIO window wraps");
        let ram_end = self.ram.base() + self.ram.size();
        assert!(
            end <= self.ram.base() || base >= ram_end,
            "MMIO window {name} overlaps RAM"
        );
        for w in &self.windows {
            assert!(
                end <= w.base || base >= w.base + w.size,
                "{name} overlaps {}",
                w.name
            );
        }
        self.windows.push(Window {
            base,
            size,
            name: name.to_string(),
            dev,
            reads: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        });
        self
    }

    /// Have `dev` see every store to the RAM range `base..base+size` after it
    /// reached RAM (`dev.write(pa - base, ..)`). The pages are flagged
    /// `PAGE_WATCH`, so engines route their stores through
    /// [`Bus::notify_store`].
    pub fn watch_stores(
        mut self,
        name: &str,
        base: u64,
        size: u64,
        dev: Arc<dyn MmioDevice>,
    ) -> Self {
        if let Some(off) = self.ram.offset_of(base, size.max(1)) {
            self.ram.set_flags(off, size.max(1), PAGE_WATCH);
            self.watchers.push(Window {
                base,
                size,
                name: name.to_string(),
                dev,
                reads: AtomicU64::new(0),
                writes: AtomicU64::new(0),
            });
        }
        self
    }

    /// Freeze the memory map.
    pub fn build(mut self) -> Bus {
        self.windows.sort_by_key(|w| w.base);
        Bus {
            ram: self.ram,
            windows: self.windows,
            watchers: self.watchers,
        }
    }
}

/// The frozen physical address space of one machine.
pub struct Bus {
    ram: Arc<GuestRam>,
    windows: Vec<Window>,
    watchers: Vec<Window>,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.windows.iter().map(|w| (&w.name, w.base)).collect();
        f.debug_struct("Bus")
            .field("ram", &self.ram)
            .field("mmio", &names)
            .finish()
    }
}

impl Bus {
    /// Guest RAM.
    #[inline(always)]
    pub fn ram(&self) -> &Arc<GuestRam> {
        &self.ram
    }

    fn window(&self, pa: u64, size: u8) -> Option<&Window> {
        let idx = self.windows.partition_point(|w| w.base <= pa);
        let w = self.windows.get(idx.checked_sub(1)?)?;
        let off = pa - w.base;
        (off < w.size && u64::from(size) <= w.size - off).then_some(w)
    }

    /// Physical read of `size` (1, 2, 4 or 8) bytes: RAM or a device.
    pub fn read(&self, pa: u64, size: u8) -> Result<u64, BusError> {
        if let Some(off) = self.ram.offset_of(pa, u64::from(size)) {
            let v = match size {
                1 => self.ram.load_u8(off).map(u64::from),
                2 => self.ram.load_u16(off).map(u64::from),
                4 => self.ram.load_u32(off).map(u64::from),
                _ => self.ram.load_u64(off),
            };
            return v.ok_or(BusError::Unmapped);
        }
        let w = self.window(pa, size).ok_or(BusError::Unmapped)?;
        w.reads.fetch_add(1, Ordering::Relaxed);
        let mask = if size >= 8 {
            u64::MAX
        } else {
            (1u64 << (size * 8)) - 1
        };
        Ok(w.dev.read(pa - w.base, size) & mask)
    }

    /// Physical write of `size` (1, 2, 4 or 8) bytes: RAM or a device.
    pub fn write(&self, pa: u64, size: u8, value: u64) -> Result<(), BusError> {
        if let Some(off) = self.ram.offset_of(pa, u64::from(size)) {
            let ok = match size {
                1 => self.ram.store_u8(off, value as u8),
                2 => self.ram.store_u16(off, value as u16),
                4 => self.ram.store_u32(off, value as u32),
                _ => self.ram.store_u64(off, value),
            };
            if !ok {
                return Err(BusError::Unmapped);
            }
            let flags = self.ram.flags(off, u64::from(size));
            if flags & PAGE_WATCH != 0 {
                self.notify_store(pa, size, value);
            }
            if flags & PAGE_CODE != 0 {
                self.ram.host_wrote(off, u64::from(size));
            }
            return Ok(());
        }
        let w = self.window(pa, size).ok_or(BusError::Unmapped)?;
        w.writes.fetch_add(1, Ordering::Relaxed);
        let mask = if size >= 8 {
            u64::MAX
        } else {
            (1u64 << (size * 8)) - 1
        };
        w.dev.write(pa - w.base, size, value & mask);
        Ok(())
    }

    /// Fetch the 16-bit instruction parcel at `pa` from an executable
    /// window (a ROM); `None` if `pa` is not in one. Engines use this when pc
    /// is outside RAM: real boards execute their reset vector from ROM.
    pub fn fetch_u16(&self, pa: u64) -> Option<u16> {
        let w = self.window(pa, 2)?;
        let code = w.dev.code()?;
        let off = usize::try_from(pa - w.base).ok()?;
        let b = code.get(off..off.checked_add(2)?)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Tell the store watchers of `pa` about a store that already reached RAM.
    /// Engines call this when a store hits a page flagged `PAGE_WATCH`.
    pub fn notify_store(&self, pa: u64, size: u8, value: u64) {
        for w in &self.watchers {
            let end = pa + u64::from(size);
            if pa < w.base + w.size && end > w.base {
                w.writes.fetch_add(1, Ordering::Relaxed);
                w.dev.write(pa.wrapping_sub(w.base), size, value);
            }
        }
    }

    /// Access counts per MMIO device and watcher.
    pub fn stats(&self) -> Vec<MmioStats> {
        self.windows
            .iter()
            .chain(&self.watchers)
            .map(|w| MmioStats {
                name: w.name.clone(),
                reads: w.reads.load(Ordering::Relaxed),
                writes: w.writes.load(Ordering::Relaxed),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(u64, u8, u64)>>);
    impl MmioDevice for Recorder {
        fn read(&self, offset: u64, _size: u8) -> u64 {
            offset + 0x100
        }
        fn write(&self, offset: u64, size: u8, value: u64) {
            self.0.lock().unwrap().push((offset, size, value));
        }
    }

    fn bus() -> (Bus, Arc<Recorder>, Arc<Recorder>) {
        let ram = Arc::new(GuestRam::new(0x8000_0000, 0x4000).unwrap());
        let dev = Arc::new(Recorder::default());
        let watch = Arc::new(Recorder::default());
        let bus = BusBuilder::new(ram)
            .mmio("dev", 0x1000_0000, 0x100, dev.clone())
            .watch_stores("tohost", 0x8000_1000, 8, watch.clone())
            .build();
        (bus, dev, watch)
    }

    struct Rom(Vec<u8>);
    impl MmioDevice for Rom {
        fn read(&self, _offset: u64, _size: u8) -> u64 {
            0
        }
        fn write(&self, _offset: u64, _size: u8, _value: u64) {}
        fn code(&self) -> Option<&[u8]> {
            Some(&self.0)
        }
    }

    #[test]
    fn only_rom_windows_are_fetchable() {
        let (bus, ..) = bus();
        let ram = bus.ram().clone();
        let bus = BusBuilder::new(ram)
            .mmio(
                "rom",
                0x1000,
                0x1000,
                Arc::new(Rom(vec![0x97, 0x02, 0x13, 0x86])),
            )
            .mmio("dev", 0x1000_0000, 0x100, Arc::new(Recorder::default()))
            .build();
        assert_eq!(bus.fetch_u16(0x1000), Some(0x0297));
        assert_eq!(bus.fetch_u16(0x1002), Some(0x8613));
        // Past the ROM's bytes, a device window, unmapped space, RAM.
        assert_eq!(bus.fetch_u16(0x1003), None);
        assert_eq!(bus.fetch_u16(0x1004), None);
        assert_eq!(bus.fetch_u16(0x1000_0000), None);
        assert_eq!(bus.fetch_u16(0x2000_0000), None);
        assert_eq!(bus.fetch_u16(0x8000_0000), None);
    }

    #[test]
    fn bus_routes_ram_and_mmio() {
        let (bus, dev, _) = bus();
        bus.write(0x8000_0010, 4, 0xdead_beef).unwrap();
        assert_eq!(bus.read(0x8000_0010, 4), Ok(0xdead_beef));
        assert_eq!(bus.read(0x1000_0005, 1), Ok(0x05));
        bus.write(0x1000_0004, 2, 0x1_2345).unwrap();
        assert_eq!(dev.0.lock().unwrap()[0], (4, 2, 0x2345));
    }

    #[test]
    fn bus_unmapped_and_straddling_accesses_fault() {
        let (bus, _, _) = bus();
        assert_eq!(bus.read(0x2000_0000, 4), Err(BusError::Unmapped));
        assert_eq!(bus.read(0x1000_00fe, 4), Err(BusError::Unmapped));
        assert_eq!(bus.read(0x8000_3ffe, 4), Err(BusError::Unmapped));
        assert_eq!(bus.write(u64::MAX, 8, 0), Err(BusError::Unmapped));
    }

    #[test]
    fn bus_store_watch_sees_stores_after_ram() {
        let (bus, _, watch) = bus();
        bus.write(0x8000_1000, 8, 0x1).unwrap();
        bus.write(0x8000_1800, 8, 0x2).unwrap(); // same page, outside the window
        assert_eq!(bus.read(0x8000_1000, 8), Ok(1));
        assert_eq!(*watch.0.lock().unwrap(), vec![(0, 8, 1)]);
    }
}
