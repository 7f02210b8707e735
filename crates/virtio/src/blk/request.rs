//! virtio-blk request parsing and execution (VIRTIO 1.2 §5.2.6).
//!
//! Copy in, check, then act (style.md §6.1): the 16-byte header is copied out
//! of the chain once into a [`Request`]; the sector range is checked against
//! the capacity with overflow-checked arithmetic; only then is the image
//! touched. The layout is free-form (VERSION_1 implies ANY_LAYOUT, §2.6.4):
//! the header is the first 16 readable bytes, the status the last writable
//! byte, data what lies between.

use std::fs::File;
use std::os::unix::fs::FileExt;

use rvisor_memory::GuestRam;

use super::metrics::BlkMetrics;
use super::regs::*;
use crate::queue::DescriptorChain;
use crate::util::{add, bump};

/// Largest piece copied between the image and guest RAM at once: the
/// worker's bounce buffer, so host memory does not grow with request size.
pub(crate) const CHUNK: usize = 64 * 1024;

/// What the driver asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestType {
    In,
    Out,
    Flush,
    GetId,
    Discard,
    Unsupported(u32),
}

/// A request copied out of a chain and checked for shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub kind: RequestType,
    pub sector: u64,
    /// Bytes of data: readable after the header (OUT) or writable before the
    /// status byte (IN, GET_ID).
    pub data_len: u64,
    /// Position of the status byte in the writable stream.
    pub status_pos: u64,
}

/// Why a chain cannot be a block request at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestError {
    /// Fewer than 16 device-readable bytes.
    HeaderTooShort(u64),
    /// No device-writable byte to hold the status.
    StatusByteMissing,
}

/// Copy the header out of `chain` and classify it.
pub(crate) fn parse(chain: &DescriptorChain, ram: &GuestRam) -> Result<Request, RequestError> {
    if chain.writable_len() == 0 {
        return Err(RequestError::StatusByteMissing);
    }
    let mut hdr = [0u8; REQUEST_HEADER_LEN as usize];
    let n = chain.reader(ram).read(&mut hdr);
    if n < hdr.len() {
        return Err(RequestError::HeaderTooShort(n as u64));
    }
    let ty = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
    let mut sector = [0u8; 8];
    sector.copy_from_slice(&hdr[8..16]);
    let status_pos = chain.writable_len() - 1;
    let kind = match ty {
        VIRTIO_BLK_T_IN => RequestType::In,
        VIRTIO_BLK_T_OUT => RequestType::Out,
        VIRTIO_BLK_T_FLUSH => RequestType::Flush,
        VIRTIO_BLK_T_GET_ID => RequestType::GetId,
        VIRTIO_BLK_T_DISCARD => RequestType::Discard,
        other => RequestType::Unsupported(other),
    };
    let data_len = match kind {
        RequestType::Out | RequestType::Discard => chain.readable_len() - REQUEST_HEADER_LEN,
        RequestType::In | RequestType::GetId => status_pos,
        _ => 0,
    };
    Ok(Request {
        kind,
        sector: u64::from_le_bytes(sector),
        data_len,
        status_pos,
    })
}

/// The backing image.
#[derive(Debug)]
pub(crate) struct Disk {
    pub file: File,
    /// Capacity in 512-byte sectors.
    pub capacity: u64,
    pub read_only: bool,
    pub id: [u8; ID_BYTES],
}

impl Disk {
    /// Byte offset of `sector` if `len` bytes from there lie within the
    /// capacity and `len` is whole sectors (§5.2.6.1: data length is a
    /// multiple of 512 for IN/OUT).
    fn range(&self, sector: u64, len: u64) -> Option<u64> {
        if !len.is_multiple_of(SECTOR_SIZE) {
            return None;
        }
        let start = sector.checked_mul(SECTOR_SIZE)?;
        let end = start.checked_add(len)?;
        (end <= self.capacity.checked_mul(SECTOR_SIZE)?).then_some(start)
    }

    /// Run one request; returns the used-ring length (bytes written to the
    /// chain, including the status byte, which is written last).
    pub(crate) fn execute(
        &self,
        req: &Request,
        chain: &DescriptorChain,
        ram: &GuestRam,
        metrics: &BlkMetrics,
        bounce: &mut [u8],
    ) -> u32 {
        let mut w = chain.writer(ram);
        let status = match req.kind {
            RequestType::In => self.read(req, &mut w, metrics, bounce),
            RequestType::Out => self.write(req, chain, ram, metrics, bounce),
            RequestType::Flush => self.flush(metrics),
            RequestType::Discard => self.discard(chain, ram, metrics),
            RequestType::GetId => {
                bump(&metrics.get_ids);
                let n = usize::try_from(req.data_len)
                    .unwrap_or(usize::MAX)
                    .min(ID_BYTES);
                w.write(&self.id[..n]);
                VIRTIO_BLK_S_OK
            }
            RequestType::Unsupported(_) => {
                bump(&metrics.unsupported);
                VIRTIO_BLK_S_UNSUPP
            }
        };
        if status == VIRTIO_BLK_S_IOERR {
            bump(&metrics.io_errors);
        }
        w.write_at(req.status_pos, &[status]);
        w.written()
    }

    fn read(
        &self,
        req: &Request,
        w: &mut crate::queue::ChainWriter<'_>,
        metrics: &BlkMetrics,
        bounce: &mut [u8],
    ) -> u8 {
        let Some(mut pos) = self.range(req.sector, req.data_len) else {
            return VIRTIO_BLK_S_IOERR;
        };
        let mut left = req.data_len;
        while left > 0 {
            let n = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(bounce.len());
            let buf = &mut bounce[..n];
            if self.file.read_exact_at(buf, pos).is_err() {
                return VIRTIO_BLK_S_IOERR;
            }
            w.write(buf);
            pos += n as u64;
            left -= n as u64;
        }
        bump(&metrics.reads);
        add(&metrics.read_bytes, req.data_len);
        VIRTIO_BLK_S_OK
    }

    fn write(
        &self,
        req: &Request,
        chain: &DescriptorChain,
        ram: &GuestRam,
        metrics: &BlkMetrics,
        bounce: &mut [u8],
    ) -> u8 {
        if self.read_only {
            return VIRTIO_BLK_S_IOERR;
        }
        let Some(mut pos) = self.range(req.sector, req.data_len) else {
            return VIRTIO_BLK_S_IOERR;
        };
        let mut r = chain.reader(ram);
        r.skip(REQUEST_HEADER_LEN);
        loop {
            let n = r.read(bounce);
            if n == 0 {
                break;
            }
            if self.file.write_all_at(&bounce[..n], pos).is_err() {
                return VIRTIO_BLK_S_IOERR;
            }
            pos += n as u64;
        }
        bump(&metrics.writes);
        add(&metrics.written_bytes, req.data_len);
        VIRTIO_BLK_S_OK
    }

    /// §5.2.6.2 discard: deallocate the segment's sectors (they then read
    /// as zeros). One segment, flags zero (`unmap` is for WRITE_ZEROES),
    /// within the capacity; otherwise UNSUPP or IOERR as the spec says.
    fn discard(&self, chain: &DescriptorChain, ram: &GuestRam, metrics: &BlkMetrics) -> u8 {
        let data = chain.readable_len() - REQUEST_HEADER_LEN;
        if data == 0
            || !data.is_multiple_of(DISCARD_SEGMENT_LEN)
            || data / DISCARD_SEGMENT_LEN > u64::from(MAX_DISCARD_SEG)
        {
            return VIRTIO_BLK_S_UNSUPP;
        }
        let mut seg = [0u8; DISCARD_SEGMENT_LEN as usize];
        let mut r = chain.reader(ram);
        r.skip(REQUEST_HEADER_LEN);
        if r.read(&mut seg) != seg.len() {
            return VIRTIO_BLK_S_IOERR;
        }
        let le32 = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let mut sector = [0u8; 8];
        sector.copy_from_slice(&seg[0..8]);
        let (sector, sectors, flags) = (
            u64::from_le_bytes(sector),
            le32(&seg[8..12]),
            le32(&seg[12..16]),
        );
        if flags != 0 || sectors > MAX_DISCARD_SECTORS {
            return VIRTIO_BLK_S_UNSUPP;
        }
        if self.read_only {
            return VIRTIO_BLK_S_IOERR;
        }
        let len = u64::from(sectors) * SECTOR_SIZE;
        let Some(start) = self.range(sector, len) else {
            return VIRTIO_BLK_S_IOERR;
        };
        if crate::sys::punch_hole(&self.file, start, len).is_err() {
            return VIRTIO_BLK_S_IOERR;
        }
        bump(&metrics.discards);
        VIRTIO_BLK_S_OK
    }

    /// §5.2.6.2: a FLUSH completes only once prior writes are on stable
    /// storage, so fsync before answering.
    fn flush(&self, metrics: &BlkMetrics) -> u8 {
        if self.file.sync_all().is_err() {
            return VIRTIO_BLK_S_IOERR;
        }
        bump(&metrics.flushes);
        VIRTIO_BLK_S_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::tests::{desc, publish, queue, ram, DATA, DESC};
    use crate::queue::{VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE};

    const W: u16 = VIRTQ_DESC_F_WRITE;
    const N: u16 = VIRTQ_DESC_F_NEXT;

    fn header(ram: &GuestRam, ty: u32, sector: u64) {
        assert!(ram.store_u32(DATA - crate::queue::tests::BASE, ty));
        assert!(ram.store_u64(DATA - crate::queue::tests::BASE + 8, sector));
    }

    #[test]
    fn parse_read_request_takes_data_before_status() {
        let ram = ram();
        let mut q = queue(&ram, 8);
        header(&ram, VIRTIO_BLK_T_IN, 7);
        desc(&ram, DESC, 0, (DATA, 16, N, 1));
        desc(&ram, DESC, 1, (DATA + 0x100, 512, W | N, 2));
        desc(&ram, DESC, 2, (DATA + 0x400, 1, W, 0));
        publish(&ram, &[0]);
        let c = q.pop().unwrap().unwrap();
        assert_eq!(
            parse(&c, &ram),
            Ok(Request {
                kind: RequestType::In,
                sector: 7,
                data_len: 512,
                status_pos: 512
            })
        );
    }

    #[test]
    fn parse_short_header_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 8);
        desc(&ram, DESC, 0, (DATA, 8, N, 1));
        desc(&ram, DESC, 1, (DATA + 0x400, 1, W, 0));
        publish(&ram, &[0]);
        let c = q.pop().unwrap().unwrap();
        assert_eq!(parse(&c, &ram), Err(RequestError::HeaderTooShort(8)));
    }

    #[test]
    fn parse_without_writable_byte_is_refused() {
        let ram = ram();
        let mut q = queue(&ram, 8);
        desc(&ram, DESC, 0, (DATA, 16, 0, 0));
        publish(&ram, &[0]);
        let c = q.pop().unwrap().unwrap();
        assert_eq!(parse(&c, &ram), Err(RequestError::StatusByteMissing));
    }

    #[test]
    fn parse_unknown_type_is_unsupported() {
        let ram = ram();
        let mut q = queue(&ram, 8);
        header(&ram, 99, 0);
        desc(&ram, DESC, 0, (DATA, 16, N, 1));
        desc(&ram, DESC, 1, (DATA + 0x400, 1, W, 0));
        publish(&ram, &[0]);
        let c = q.pop().unwrap().unwrap();
        assert_eq!(parse(&c, &ram).unwrap().kind, RequestType::Unsupported(99));
    }

    fn disk(capacity: u64) -> Disk {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("rvisor-blk-unit-{}-{n}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        file.set_len(capacity * SECTOR_SIZE).unwrap();
        Disk {
            file,
            capacity,
            read_only: false,
            id: [0; ID_BYTES],
        }
    }

    #[test]
    fn disk_range_past_capacity_is_none() {
        let d = disk(4);
        assert_eq!(d.range(3, 1024), None);
    }

    #[test]
    fn disk_range_sector_overflow_is_none() {
        let d = disk(4);
        assert_eq!(d.range(u64::MAX / 2, 512), None);
    }

    #[test]
    fn disk_range_partial_sector_is_none() {
        let d = disk(4);
        assert_eq!(d.range(0, 100), None);
    }

    #[test]
    fn disk_range_last_sector_is_some() {
        let d = disk(4);
        assert_eq!(d.range(3, 512), Some(1536));
    }
}
