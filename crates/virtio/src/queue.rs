//! The split virtqueue (VIRTIO 1.2 §2.7), device side, with strict checks.
//!
//! # Decision: our own implementation, not rust-vmm `virtio-queue`
//!
//! `virtio-queue` 0.18 is generic over vm-memory's `GuestMemory`/`Bytes`
//! traits and hands out `VolatileSlice`s into guest memory. Our RAM is
//! `rvisor_memory::GuestRam`, which deliberately exposes only checked copy-in
//! / copy-out accessors (style.md §5: never a reference into RAM). Using the
//! crate would mean implementing vm-memory's region traits over a raw host
//! pointer (new `unsafe` outside `memory`) and pulling vm-memory, its
//! bitmap and atomic layers into our dependency tree, for a ring that is ~300
//! lines to write. The split ring is small and fully specified, and owning it
//! lets every check return a named [`QueueError`] that the devices turn into
//! `DEVICE_NEEDS_RESET`. We keep the same shape (pop a chain, read/write it
//! through cursors, push a used element) so a later switch stays possible.
//!
//! # Bounds (style.md §6.3)
//!
//! - `avail.idx` may be at most `size` entries ahead of what we consumed
//!   (§2.7.13.3 "the driver MUST NOT ... more than queue size").
//! - A chain visits at most `size` descriptors of the table (§2.7.5.3.1) so a
//!   `next` loop ends; an indirect table has at most [`MAX_INDIRECT_DESCS`]
//!   entries and a loop inside it ends after that many.
//! - Every buffer `[addr, addr+len)` lies entirely inside guest RAM, checked
//!   when the chain is popped; byte totals are summed with `checked_add`.
//! - Ring indices wrap with `Wrapping<u16>` (§2.7.6, §2.7.8).

use std::num::Wrapping;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;

use rvisor_memory::GuestRam;

/// This marks a buffer as continuing via the `next` field (§2.7.5).
#[doc(alias = "VRING_DESC_F_NEXT")]
pub const VIRTQ_DESC_F_NEXT: u16 = 1;
/// This marks a buffer as device write-only (otherwise device read-only).
#[doc(alias = "VRING_DESC_F_WRITE")]
pub const VIRTQ_DESC_F_WRITE: u16 = 2;
/// The buffer holds a table of indirect descriptors (§2.7.5.3).
#[doc(alias = "VRING_DESC_F_INDIRECT")]
pub const VIRTQ_DESC_F_INDIRECT: u16 = 4;
/// `avail.flags`: the driver asks not to be interrupted (§2.7.7).
#[doc(alias = "VRING_AVAIL_F_NO_INTERRUPT")]
pub const VIRTQ_AVAIL_F_NO_INTERRUPT: u16 = 1;

/// Size of one descriptor: `le64 addr, le32 len, le16 flags, le16 next`.
pub const DESC_SIZE: u64 = 16;
/// Most entries an indirect table may hold (QEMU's `VIRTQUEUE_MAX_SIZE`);
/// the spec lets an indirect chain exceed the queue size, so it needs its own cap.
pub const MAX_INDIRECT_DESCS: u32 = 1024;
/// Largest queue size the split ring allows (§2.7: "Queue Size ... 32768").
pub const MAX_QUEUE_SIZE: u16 = 32768;

/// Bytes of the descriptor table for `size` entries (§2.7, 16-byte aligned).
fn desc_table_len(size: u16) -> u64 {
    DESC_SIZE * u64::from(size)
}
/// Bytes of the driver area: `flags, idx, ring[size], used_event` (§2.7.6).
fn avail_ring_len(size: u16) -> u64 {
    6 + 2 * u64::from(size)
}
/// Bytes of the device area: `flags, idx, {id, len}[size], avail_event` (§2.7.8).
fn used_ring_len(size: u16) -> u64 {
    6 + 8 * u64::from(size)
}

/// One queue's transport registers, as the driver wrote them (§4.2.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueConfig {
    /// `QueueSize`.
    pub size: u16,
    /// `QueueDesc` (guest-physical).
    pub desc: u64,
    /// `QueueDriver`, the available ring (guest-physical).
    pub driver: u64,
    /// `QueueDevice`, the used ring (guest-physical).
    pub device: u64,
    /// `QueueReady`.
    pub ready: bool,
}

/// Why a queue configuration was refused when the driver set `QueueReady`
/// (§4.2.2.2: size a power of two within the maximum, §2.7 alignments).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueSetupError {
    /// The device has no queue at this index (`QueueSizeMax` reads 0).
    #[error("queue does not exist")]
    QueueAbsent,
    /// `QueueSize` is zero or not a power of two.
    #[error("queue size {0} is not a power of two")]
    QueueSizeNotPowerOfTwo(u16),
    /// `QueueSize` exceeds `QueueSizeMax`.
    #[error("queue size {size} exceeds the maximum {max}")]
    QueueSizeAboveMax {
        /// Size written.
        size: u16,
        /// `QueueSizeMax`.
        max: u16,
    },
    /// A ring address is not aligned as §2.7 requires (16, 2, 4).
    #[error("{ring} ring address {addr:#x} is misaligned")]
    RingMisaligned {
        /// `descriptor`, `available` or `used`.
        ring: &'static str,
        /// Address written.
        addr: u64,
    },
    /// A ring does not lie entirely inside guest RAM.
    #[error("{ring} ring at {addr:#x} is not entirely in guest RAM")]
    RingOutsideRam {
        /// `descriptor`, `available` or `used`.
        ring: &'static str,
        /// Address written.
        addr: u64,
    },
}

/// A structural driver error found while using a queue. The device stops
/// using the queue and sets `DEVICE_NEEDS_RESET` (§2.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// `avail.idx` ran more than the queue size ahead of the device.
    #[error("avail idx {avail_idx} is more than the queue size ahead of {next_avail}")]
    AvailIndexTooFarAhead {
        /// `avail.idx` read.
        avail_idx: u16,
        /// Next entry the device would consume.
        next_avail: u16,
    },
    /// An available-ring entry names a descriptor past the queue size.
    #[error("chain head {0} is past the queue size")]
    HeadIndexOutOfRange(u16),
    /// A `next` field names a descriptor past the table.
    #[error("next index {0} is past the descriptor table")]
    NextIndexOutOfRange(u16),
    /// The chain is longer than the queue (or indirect table): a loop.
    #[error("descriptor chain is longer than its table")]
    DescriptorChainTooLong,
    /// A buffer does not lie entirely inside guest RAM.
    #[error("buffer {addr:#x}+{len:#x} is not entirely in guest RAM")]
    BufferOutsideRam {
        /// Buffer address.
        addr: u64,
        /// Buffer length.
        len: u32,
    },
    /// An indirect descriptor was used without `VIRTIO_F_INDIRECT_DESC`.
    #[error("indirect descriptor without VIRTIO_F_INDIRECT_DESC")]
    IndirectNotNegotiated,
    /// An indirect table's length is zero, not a multiple of 16, or too big.
    #[error("indirect table length {0} is invalid")]
    IndirectTableLengthInvalid(u32),
    /// An indirect table holds another indirect descriptor (§2.7.5.3.1).
    #[error("indirect descriptor inside an indirect table")]
    NestedIndirectTable,
    /// A descriptor has both INDIRECT and NEXT (§2.7.5.3.1).
    #[error("descriptor has both INDIRECT and NEXT")]
    IndirectWithNext,
    /// A device-readable buffer follows a device-writable one (§2.7.4.2).
    #[error("device-readable descriptor after a device-writable one")]
    ReadableAfterWritable,
    /// The chain's byte total overflowed.
    #[error("descriptor chain byte total overflows")]
    ByteTotalOverflow,
    /// A ring access fell outside RAM (cannot happen after setup checks).
    #[error("ring access outside guest RAM")]
    RingOutsideRam,
    /// The used ring is full: the device returned more than it popped.
    #[error("used ring overflow")]
    UsedRingFull,
}

/// One validated buffer of a chain: a RAM offset and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Buffer {
    off: u64,
    len: u32,
}

/// A descriptor chain popped from the available ring, every buffer already
/// checked to lie inside RAM. Readable buffers come first, then writable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescriptorChain {
    head: u16,
    readable: Vec<Buffer>,
    writable: Vec<Buffer>,
    readable_len: u64,
    writable_len: u64,
}

impl DescriptorChain {
    /// Index of the head descriptor (the used-ring `id`).
    pub fn head(&self) -> u16 {
        self.head
    }

    /// Total bytes of the device-readable buffers.
    pub fn readable_len(&self) -> u64 {
        self.readable_len
    }

    /// Total bytes of the device-writable buffers.
    pub fn writable_len(&self) -> u64 {
        self.writable_len
    }

    /// A cursor over the readable bytes.
    pub fn reader<'a>(&'a self, ram: &'a GuestRam) -> ChainReader<'a> {
        ChainReader {
            ram,
            bufs: &self.readable,
            pos: 0,
            total: self.readable_len,
        }
    }

    /// A cursor over the writable bytes.
    pub fn writer<'a>(&'a self, ram: &'a GuestRam) -> ChainWriter<'a> {
        ChainWriter {
            ram,
            bufs: &self.writable,
            pos: 0,
            total: self.writable_len,
            high_water: 0,
        }
    }

    /// Append a buffer (RAM offset), keeping the readable-then-writable order.
    fn push(&mut self, off: u64, len: u32, writable: bool) -> Result<(), QueueError> {
        if len == 0 {
            return Ok(());
        }
        let b = Buffer { off, len };
        if writable {
            self.writable_len = self
                .writable_len
                .checked_add(u64::from(len))
                .ok_or(QueueError::ByteTotalOverflow)?;
            self.writable.push(b);
        } else {
            if !self.writable.is_empty() {
                return Err(QueueError::ReadableAfterWritable);
            }
            self.readable_len = self
                .readable_len
                .checked_add(u64::from(len))
                .ok_or(QueueError::ByteTotalOverflow)?;
            self.readable.push(b);
        }
        Ok(())
    }
}

/// Walk `bufs` (a byte stream of `total` bytes) from `pos`, calling `f` with
/// each (RAM offset, range in the caller's slice) piece; returns bytes done.
fn for_each_piece(
    bufs: &[Buffer],
    pos: u64,
    want: usize,
    mut f: impl FnMut(u64, std::ops::Range<usize>) -> bool,
) -> usize {
    let mut skip = pos;
    let mut done = 0usize;
    for b in bufs {
        if done == want {
            break;
        }
        let len = u64::from(b.len);
        if skip >= len {
            skip -= len;
            continue;
        }
        let avail = len - skip;
        let n = usize::try_from(avail)
            .unwrap_or(usize::MAX)
            .min(want - done);
        if !f(b.off + skip, done..done + n) {
            break;
        }
        done += n;
        skip = 0;
    }
    done
}

/// Reads the device-readable part of a chain as one byte stream.
pub struct ChainReader<'a> {
    ram: &'a GuestRam,
    bufs: &'a [Buffer],
    pos: u64,
    total: u64,
}

impl ChainReader<'_> {
    /// Bytes not yet read.
    pub fn remaining(&self) -> u64 {
        self.total - self.pos
    }

    /// Copy up to `buf.len()` bytes out of guest RAM; returns bytes copied.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        let ram = self.ram;
        let n = for_each_piece(self.bufs, self.pos, buf.len(), |off, r| {
            ram.read_bytes(off, &mut buf[r])
        });
        self.pos += n as u64;
        n
    }

    /// Skip `n` bytes (clamped to what remains).
    pub fn skip(&mut self, n: u64) {
        self.pos = self.pos.saturating_add(n).min(self.total);
    }
}

/// Writes the device-writable part of a chain as one byte stream.
pub struct ChainWriter<'a> {
    ram: &'a GuestRam,
    bufs: &'a [Buffer],
    pos: u64,
    total: u64,
    high_water: u64,
}

impl ChainWriter<'_> {
    /// Bytes left from the cursor to the end.
    pub fn remaining(&self) -> u64 {
        self.total - self.pos
    }

    /// Copy up to `data.len()` bytes into guest RAM at the cursor; returns
    /// bytes copied.
    pub fn write(&mut self, data: &[u8]) -> usize {
        let n = self.write_at(self.pos, data);
        self.pos += n as u64;
        n
    }

    /// Copy `data` at byte `pos` of the writable stream (cursor unchanged).
    pub fn write_at(&mut self, pos: u64, data: &[u8]) -> usize {
        let ram = self.ram;
        let n = for_each_piece(self.bufs, pos, data.len(), |off, r| {
            let len = r.len() as u64;
            let ok = ram.write_bytes(off, &data[r]);
            if ok {
                crate::util::dma_written(ram, off, len);
            }
            ok
        });
        if n > 0 {
            self.high_water = self.high_water.max(pos + n as u64);
        }
        n
    }

    /// Bytes from the start of the writable stream up to the furthest byte
    /// written: the used-ring `len` (§2.7.8).
    pub fn written(&self) -> u32 {
        u32::try_from(self.high_water).unwrap_or(u32::MAX)
    }
}

/// A device-side split virtqueue over validated rings.
pub struct Queue {
    ram: Arc<GuestRam>,
    size: u16,
    desc: u64,
    avail: u64,
    used: u64,
    indirect: bool,
    next_avail: Wrapping<u16>,
    next_used: Wrapping<u16>,
    in_flight: u16,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("size", &self.size)
            .field("next_avail", &self.next_avail.0)
            .field("next_used", &self.next_used.0)
            .finish()
    }
}

impl Queue {
    /// Check `cfg` against `max_size` and guest RAM and build the queue
    /// (§4.2.2.2, §2.7 alignment table). `indirect` says whether
    /// `VIRTIO_F_INDIRECT_DESC` was negotiated.
    pub fn new(
        ram: Arc<GuestRam>,
        cfg: &QueueConfig,
        max_size: u16,
        indirect: bool,
    ) -> Result<Self, QueueSetupError> {
        if max_size == 0 {
            return Err(QueueSetupError::QueueAbsent);
        }
        if !cfg.size.is_power_of_two() {
            return Err(QueueSetupError::QueueSizeNotPowerOfTwo(cfg.size));
        }
        if cfg.size > max_size {
            return Err(QueueSetupError::QueueSizeAboveMax {
                size: cfg.size,
                max: max_size,
            });
        }
        let ring = |name, addr: u64, align: u64, len: u64| {
            if !addr.is_multiple_of(align) {
                return Err(QueueSetupError::RingMisaligned { ring: name, addr });
            }
            ram.offset_of(addr, len)
                .ok_or(QueueSetupError::RingOutsideRam { ring: name, addr })
        };
        let desc = ring("descriptor", cfg.desc, 16, desc_table_len(cfg.size))?;
        let avail = ring("available", cfg.driver, 2, avail_ring_len(cfg.size))?;
        let used = ring("used", cfg.device, 4, used_ring_len(cfg.size))?;
        Ok(Self {
            ram,
            size: cfg.size,
            desc,
            avail,
            used,
            indirect,
            next_avail: Wrapping(0),
            next_used: Wrapping(0),
            in_flight: 0,
        })
    }

    /// Queue size (number of descriptors).
    pub fn size(&self) -> u16 {
        self.size
    }

    /// Guest RAM this queue lives in.
    pub fn ram(&self) -> &Arc<GuestRam> {
        &self.ram
    }

    /// Pop the next available chain, if any (§2.7.13, device side).
    pub fn pop(&mut self) -> Result<Option<DescriptorChain>, QueueError> {
        let avail_idx = self
            .ram
            .load_u16(self.avail + 2)
            .ok_or(QueueError::RingOutsideRam)?;
        // Pairs with the driver's write barrier before it bumps avail.idx:
        // ring entries and descriptors are read only after the index.
        fence(Ordering::Acquire);
        let pending = (Wrapping(avail_idx) - self.next_avail).0;
        if pending == 0 {
            return Ok(None);
        }
        if pending > self.size {
            return Err(QueueError::AvailIndexTooFarAhead {
                avail_idx,
                next_avail: self.next_avail.0,
            });
        }
        let slot = u64::from(self.next_avail.0 % self.size);
        let head = self
            .ram
            .load_u16(self.avail + 4 + 2 * slot)
            .ok_or(QueueError::RingOutsideRam)?;
        self.next_avail += Wrapping(1);
        let chain = self.walk(head)?;
        self.in_flight = self.in_flight.saturating_add(1);
        Ok(Some(chain))
    }

    /// Read descriptor `idx` of the table at RAM offset `table`.
    fn read_desc(&self, table: u64, idx: u16) -> Result<(u64, u32, u16, u16), QueueError> {
        let at = table + DESC_SIZE * u64::from(idx);
        let r = |o| self.ram.load_u64(at + o).ok_or(QueueError::RingOutsideRam);
        let lo = r(0)?;
        let hi = r(8)?;
        Ok((lo, hi as u32, (hi >> 32) as u16, (hi >> 48) as u16))
    }

    /// Follow the chain from `head`, bounded by the table sizes.
    fn walk(&self, head: u16) -> Result<DescriptorChain, QueueError> {
        if head >= self.size {
            return Err(QueueError::HeadIndexOutOfRange(head));
        }
        let mut chain = DescriptorChain {
            head,
            ..Default::default()
        };
        let mut table = self.desc;
        let mut table_len = u32::from(self.size);
        let mut in_indirect = false;
        let mut idx = head;
        let mut visited = 0u32;
        loop {
            visited += 1;
            if visited > table_len {
                return Err(QueueError::DescriptorChainTooLong);
            }
            let (addr, len, flags, next) = self.read_desc(table, idx)?;
            if flags & VIRTQ_DESC_F_INDIRECT != 0 {
                if !self.indirect {
                    return Err(QueueError::IndirectNotNegotiated);
                }
                if in_indirect {
                    return Err(QueueError::NestedIndirectTable);
                }
                if flags & VIRTQ_DESC_F_NEXT != 0 {
                    return Err(QueueError::IndirectWithNext);
                }
                let n = len / DESC_SIZE as u32;
                if len == 0 || !len.is_multiple_of(DESC_SIZE as u32) || n > MAX_INDIRECT_DESCS {
                    return Err(QueueError::IndirectTableLengthInvalid(len));
                }
                table = self
                    .ram
                    .offset_of(addr, u64::from(len))
                    .ok_or(QueueError::BufferOutsideRam { addr, len })?;
                table_len = n;
                in_indirect = true;
                visited = 0;
                idx = 0;
                continue;
            }
            let off = if len == 0 {
                0
            } else {
                self.ram
                    .offset_of(addr, u64::from(len))
                    .ok_or(QueueError::BufferOutsideRam { addr, len })?
            };
            chain.push(off, len, flags & VIRTQ_DESC_F_WRITE != 0)?;
            if flags & VIRTQ_DESC_F_NEXT == 0 {
                return Ok(chain);
            }
            if u32::from(next) >= table_len {
                return Err(QueueError::NextIndexOutOfRange(next));
            }
            idx = next;
        }
    }

    /// Return chain `head` to the driver with `len` bytes written (§2.7.8,
    /// §2.7.14): the element first, then (after a barrier) `used.idx`.
    pub fn add_used(&mut self, head: u16, len: u32) -> Result<(), QueueError> {
        if self.in_flight == 0 {
            return Err(QueueError::UsedRingFull);
        }
        let slot = u64::from(self.next_used.0 % self.size);
        let at = self.used + 4 + 8 * slot;
        let ok = self.ram.store_u32(at, u32::from(head)) && self.ram.store_u32(at + 4, len);
        if !ok {
            return Err(QueueError::RingOutsideRam);
        }
        self.next_used += Wrapping(1);
        self.in_flight -= 1;
        // Buffer contents and the element must be visible before the index.
        fence(Ordering::Release);
        if !self.ram.store_u16(self.used + 2, self.next_used.0) {
            return Err(QueueError::RingOutsideRam);
        }
        crate::util::dma_written(&self.ram, at, 8);
        crate::util::dma_written(&self.ram, self.used + 2, 2);
        Ok(())
    }

    /// Whether the driver wants an interrupt for new used buffers
    /// (§2.7.7: `VIRTQ_AVAIL_F_NO_INTERRUPT` clear; no `EVENT_IDX`).
    pub fn needs_interrupt(&self) -> bool {
        // The used.idx store must be visible before we sample the flag, or
        // we could miss a driver that just re-enabled interrupts.
        fence(Ordering::SeqCst);
        self.ram
            .load_u16(self.avail)
            .is_none_or(|f| f & VIRTQ_AVAIL_F_NO_INTERRUPT == 0)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const BASE: u64 = 0x8000_0000;
    pub(crate) const DESC: u64 = BASE;
    pub(crate) const AVAIL: u64 = BASE + 0x1000;
    pub(crate) const USED: u64 = BASE + 0x2000;
    pub(crate) const DATA: u64 = BASE + 0x4000;

    pub(crate) fn ram() -> Arc<GuestRam> {
        Arc::new(GuestRam::new(BASE, 0x10000).unwrap())
    }

    pub(crate) fn queue(ram: &Arc<GuestRam>, size: u16) -> Queue {
        let cfg = QueueConfig {
            size,
            desc: DESC,
            driver: AVAIL,
            device: USED,
            ready: true,
        };
        Queue::new(ram.clone(), &cfg, 256, true).unwrap()
    }

    /// Write descriptor `i` of the table at guest-physical `table`.
    pub(crate) fn desc(ram: &GuestRam, table: u64, i: u16, d: (u64, u32, u16, u16)) {
        let at = table - BASE + 16 * u64::from(i);
        assert!(ram.store_u64(at, d.0));
        assert!(ram.store_u32(at + 8, d.1));
        assert!(ram.store_u16(at + 12, d.2));
        assert!(ram.store_u16(at + 14, d.3));
    }

    /// Publish `heads` in the available ring starting at slot 0.
    pub(crate) fn publish(ram: &GuestRam, heads: &[u16]) {
        for (i, h) in heads.iter().enumerate() {
            assert!(ram.store_u16(AVAIL - BASE + 4 + 2 * i as u64, *h));
        }
        assert!(ram.store_u16(AVAIL - BASE + 2, heads.len() as u16));
    }

    fn cfg(size: u16, desc: u64) -> QueueConfig {
        QueueConfig {
            size,
            desc,
            driver: AVAIL,
            device: USED,
            ready: true,
        }
    }

    #[test]
    fn queue_new_size_not_power_of_two_is_refused() {
        let r = Queue::new(ram(), &cfg(3, DESC), 256, false);
        assert_eq!(r.unwrap_err(), QueueSetupError::QueueSizeNotPowerOfTwo(3));
    }

    #[test]
    fn queue_new_size_zero_is_refused() {
        let r = Queue::new(ram(), &cfg(0, DESC), 256, false);
        assert_eq!(r.unwrap_err(), QueueSetupError::QueueSizeNotPowerOfTwo(0));
    }

    #[test]
    fn queue_new_size_above_max_is_refused() {
        let r = Queue::new(ram(), &cfg(512, DESC), 256, false);
        assert_eq!(
            r.unwrap_err(),
            QueueSetupError::QueueSizeAboveMax {
                size: 512,
                max: 256
            }
        );
    }

    #[test]
    fn queue_new_misaligned_desc_is_refused() {
        let r = Queue::new(ram(), &cfg(8, DESC + 8), 256, false);
        assert_eq!(
            r.unwrap_err(),
            QueueSetupError::RingMisaligned {
                ring: "descriptor",
                addr: DESC + 8
            }
        );
    }

    #[test]
    fn queue_new_desc_straddling_ram_end_is_refused() {
        // 256 * 16 bytes starting 0x800 before the end of RAM do not fit.
        let addr = BASE + 0x10000 - 0x800;
        let r = Queue::new(ram(), &cfg(256, addr), 256, false);
        assert_eq!(
            r.unwrap_err(),
            QueueSetupError::RingOutsideRam {
                ring: "descriptor",
                addr
            }
        );
    }

    #[test]
    fn queue_pop_empty_ring_returns_none() {
        let ram = ram();
        let mut q = queue(&ram, 8);
        assert_eq!(q.pop(), Ok(None));
    }

    #[test]
    fn queue_pop_readable_then_writable_chain_splits_lengths() {
        let ram = ram();
        let mut q = queue(&ram, 8);
        desc(&ram, DESC, 0, (DATA, 16, VIRTQ_DESC_F_NEXT, 1));
        desc(&ram, DESC, 1, (DATA + 0x100, 512, VIRTQ_DESC_F_WRITE, 0));
        publish(&ram, &[0]);
        let c = q.pop().unwrap().unwrap();
        assert_eq!((c.head(), c.readable_len(), c.writable_len()), (0, 16, 512));
    }

    #[test]
    fn queue_pop_next_loop_is_chain_too_long() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        desc(&ram, DESC, 0, (DATA, 1, VIRTQ_DESC_F_NEXT, 1));
        desc(&ram, DESC, 1, (DATA, 1, VIRTQ_DESC_F_NEXT, 0));
        publish(&ram, &[0]);
        assert_eq!(q.pop(), Err(QueueError::DescriptorChainTooLong));
    }

    #[test]
    fn queue_pop_head_past_size_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        publish(&ram, &[4]);
        assert_eq!(q.pop(), Err(QueueError::HeadIndexOutOfRange(4)));
    }

    #[test]
    fn queue_pop_next_past_size_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        desc(&ram, DESC, 0, (DATA, 1, VIRTQ_DESC_F_NEXT, 9));
        publish(&ram, &[0]);
        assert_eq!(q.pop(), Err(QueueError::NextIndexOutOfRange(9)));
    }

    #[test]
    fn queue_pop_buffer_outside_ram_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        desc(&ram, DESC, 0, (BASE + 0xfff0, 0x20, 0, 0));
        publish(&ram, &[0]);
        assert_eq!(
            q.pop(),
            Err(QueueError::BufferOutsideRam {
                addr: BASE + 0xfff0,
                len: 0x20
            })
        );
    }

    #[test]
    fn queue_pop_avail_idx_far_ahead_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        assert!(ram.store_u16(AVAIL - BASE + 2, 5));
        assert_eq!(
            q.pop(),
            Err(QueueError::AvailIndexTooFarAhead {
                avail_idx: 5,
                next_avail: 0
            })
        );
    }

    #[test]
    fn queue_pop_readable_after_writable_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        desc(
            &ram,
            DESC,
            0,
            (DATA, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1),
        );
        desc(&ram, DESC, 1, (DATA, 4, 0, 0));
        publish(&ram, &[0]);
        assert_eq!(q.pop(), Err(QueueError::ReadableAfterWritable));
    }

    #[test]
    fn queue_pop_indirect_table_is_followed() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        let table = DATA + 0x1000;
        desc(&ram, DESC, 0, (table, 32, VIRTQ_DESC_F_INDIRECT, 0));
        desc(&ram, table, 0, (DATA, 16, VIRTQ_DESC_F_NEXT, 1));
        desc(&ram, table, 1, (DATA + 0x10, 8, VIRTQ_DESC_F_WRITE, 0));
        publish(&ram, &[0]);
        let c = q.pop().unwrap().unwrap();
        assert_eq!((c.readable_len(), c.writable_len()), (16, 8));
    }

    #[test]
    fn queue_pop_indirect_loop_is_chain_too_long() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        let table = DATA + 0x1000;
        desc(&ram, DESC, 0, (table, 32, VIRTQ_DESC_F_INDIRECT, 0));
        desc(&ram, table, 0, (DATA, 16, VIRTQ_DESC_F_NEXT, 1));
        desc(&ram, table, 1, (DATA, 16, VIRTQ_DESC_F_NEXT, 0));
        publish(&ram, &[0]);
        assert_eq!(q.pop(), Err(QueueError::DescriptorChainTooLong));
    }

    #[test]
    fn queue_pop_nested_indirect_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        let table = DATA + 0x1000;
        desc(&ram, DESC, 0, (table, 16, VIRTQ_DESC_F_INDIRECT, 0));
        desc(&ram, table, 0, (table, 16, VIRTQ_DESC_F_INDIRECT, 0));
        publish(&ram, &[0]);
        assert_eq!(q.pop(), Err(QueueError::NestedIndirectTable));
    }

    #[test]
    fn queue_pop_indirect_huge_table_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        desc(&ram, DESC, 0, (DATA, 16 * 2048, VIRTQ_DESC_F_INDIRECT, 0));
        publish(&ram, &[0]);
        assert_eq!(
            q.pop(),
            Err(QueueError::IndirectTableLengthInvalid(16 * 2048))
        );
    }

    #[test]
    fn queue_add_used_wraps_index_past_u16() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        desc(&ram, DESC, 0, (DATA, 4, VIRTQ_DESC_F_WRITE, 0));
        // Start both sides just below the u16 wrap.
        q.next_avail = Wrapping(0xffff);
        q.next_used = Wrapping(0xffff);
        assert!(ram.store_u16(AVAIL - BASE + 4 + 2 * 3, 0)); // slot 0xffff % 4
        assert!(ram.store_u16(AVAIL - BASE + 2, 0));
        let c = q.pop().unwrap().unwrap();
        q.add_used(c.head(), 4).unwrap();
        assert_eq!(ram.load_u16(USED - BASE + 2), Some(0));
        assert_eq!(ram.load_u32(USED - BASE + 4 + 8 * 3 + 4), Some(4));
    }

    #[test]
    fn queue_add_used_without_pop_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        assert_eq!(q.add_used(0, 0), Err(QueueError::UsedRingFull));
    }

    #[test]
    fn chain_writer_spans_buffers_and_reports_high_water() {
        let ram = ram();
        let mut q = queue(&ram, 4);
        desc(
            &ram,
            DESC,
            0,
            (DATA, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1),
        );
        desc(&ram, DESC, 1, (DATA + 0x10, 3, VIRTQ_DESC_F_WRITE, 0));
        publish(&ram, &[0]);
        let c = q.pop().unwrap().unwrap();
        let mut w = c.writer(&ram);
        assert_eq!(w.write(&[1, 2, 3, 4, 5, 6, 7]), 6);
        let mut got = [0u8; 3];
        assert!(ram.read_bytes(DATA + 0x10 - BASE, &mut got));
        assert_eq!((got, w.written()), ([4, 5, 6], 6));
    }
}
