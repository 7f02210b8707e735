//! virtio-blk constants and configuration layout (VIRTIO 1.2 §5.2,
//! Linux `include/uapi/linux/virtio_blk.h`).

/// Maximum number of segments in a request is in `seg_max` (§5.2.3).
pub const VIRTIO_BLK_F_SEG_MAX: u32 = 2;
/// The device is read-only (§5.2.3).
pub const VIRTIO_BLK_F_RO: u32 = 5;
/// Block size of the disk is in `blk_size` (§5.2.3).
pub const VIRTIO_BLK_F_BLK_SIZE: u32 = 6;
/// Cache flush command support (§5.2.3).
pub const VIRTIO_BLK_F_FLUSH: u32 = 9;
/// Discard command support; limits in `max_discard_*` (§5.2.3).
pub const VIRTIO_BLK_F_DISCARD: u32 = 13;

/// Read request (§5.2.6).
pub const VIRTIO_BLK_T_IN: u32 = 0;
/// Write request.
pub const VIRTIO_BLK_T_OUT: u32 = 1;
/// Flush request.
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
/// Device ID string request.
pub const VIRTIO_BLK_T_GET_ID: u32 = 8;
/// Discard request: the data is `struct virtio_blk_discard_write_zeroes`
/// segments (§5.2.6).
pub const VIRTIO_BLK_T_DISCARD: u32 = 11;
/// Size of one discard segment: `le64 sector, le32 num_sectors, le32 flags`.
pub const DISCARD_SEGMENT_LEN: u64 = 16;
/// Segments per discard request we accept (`max_discard_seg`).
pub const MAX_DISCARD_SEG: u32 = 1;
/// Sectors per discard segment we accept (`max_discard_sectors`): 1 GiB.
pub const MAX_DISCARD_SECTORS: u32 = 1 << 21;
/// Discard granularity in sectors (`discard_sector_alignment`): one host page.
pub const DISCARD_ALIGNMENT: u32 = 8;

/// Request completed.
pub const VIRTIO_BLK_S_OK: u8 = 0;
/// Device or driver error.
pub const VIRTIO_BLK_S_IOERR: u8 = 1;
/// Request unsupported by the device.
pub const VIRTIO_BLK_S_UNSUPP: u8 = 2;

/// The unit of `capacity` and `sector`, regardless of `blk_size` (§5.2.4).
pub const SECTOR_SIZE: u64 = 512;
/// Length of the GET_ID answer (§5.2.6: "20 bytes").
pub const ID_BYTES: usize = 20;
/// `struct virtio_blk_outhdr`: `le32 type, le32 reserved, le64 sector`.
pub const REQUEST_HEADER_LEN: u64 = 16;
/// Queue size offered (`QueueSizeMax` of the request queue).
pub const QUEUE_SIZE: u16 = 256;

/// Bytes of config space we fill (§5.2.4 `struct virtio_blk_config` up to
/// `discard_sector_alignment`): capacity 0, size_max 8, seg_max 12,
/// geometry 16, blk_size 20, topology 24, writeback 32, num_queues 34,
/// max_discard_sectors 36, max_discard_seg 40, discard_sector_alignment 44.
pub const CONFIG_LEN: usize = 48;

/// The configuration space image (§5.2.4), little-endian.
pub fn config_image(capacity: u64) -> [u8; CONFIG_LEN] {
    let mut c = [0u8; CONFIG_LEN];
    c[0..8].copy_from_slice(&capacity.to_le_bytes());
    // seg_max (offset 12): a request's data segments plus header and status
    // must fit one chain of at most QUEUE_SIZE descriptors (§2.7.5.3.1).
    c[12..16].copy_from_slice(&(u32::from(QUEUE_SIZE) - 2).to_le_bytes());
    // blk_size (offset 20).
    c[20..24].copy_from_slice(&(SECTOR_SIZE as u32).to_le_bytes());
    c[36..40].copy_from_slice(&MAX_DISCARD_SECTORS.to_le_bytes());
    c[40..44].copy_from_slice(&MAX_DISCARD_SEG.to_le_bytes());
    c[44..48].copy_from_slice(&DISCARD_ALIGNMENT.to_le_bytes());
    c
}
