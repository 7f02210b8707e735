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

/// Read request (§5.2.6).
pub const VIRTIO_BLK_T_IN: u32 = 0;
/// Write request.
pub const VIRTIO_BLK_T_OUT: u32 = 1;
/// Flush request.
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
/// Device ID string request.
pub const VIRTIO_BLK_T_GET_ID: u32 = 8;

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

/// Bytes of config space we fill: capacity, size_max, seg_max, geometry,
/// blk_size (§5.2.4 `struct virtio_blk_config` up to `blk_size`).
pub const CONFIG_LEN: usize = 24;

/// The configuration space image (§5.2.4), little-endian.
pub fn config_image(capacity: u64) -> [u8; CONFIG_LEN] {
    let mut c = [0u8; CONFIG_LEN];
    c[0..8].copy_from_slice(&capacity.to_le_bytes());
    // seg_max (offset 12): a request's data segments plus header and status
    // must fit one chain of at most QUEUE_SIZE descriptors (§2.7.5.3.1).
    c[12..16].copy_from_slice(&(u32::from(QUEUE_SIZE) - 2).to_le_bytes());
    // blk_size (offset 20).
    c[20..24].copy_from_slice(&(SECTOR_SIZE as u32).to_le_bytes());
    c
}
