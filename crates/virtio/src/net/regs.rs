//! virtio-net constants and configuration layout (VIRTIO 1.2 §5.1).

/// Device has a given MAC address (§5.1.3).
pub const VIRTIO_NET_F_MAC: u32 = 5;
/// Configuration status field is available.
pub const VIRTIO_NET_F_STATUS: u32 = 16;
/// `status`: link is up (§5.1.4).
pub const VIRTIO_NET_S_LINK_UP: u16 = 1;

/// Queue 0: receiveq1.
pub const RECEIVEQ: u16 = 0;
/// Queue 1: transmitq1.
pub const TRANSMITQ: u16 = 1;
/// Size of each queue.
pub const QUEUE_SIZE: u16 = 256;

/// `struct virtio_net_hdr` with `num_buffers`: 12 bytes for VERSION_1
/// devices whatever `MRG_RXBUF` says (§5.1.6 "num_buffers ... always present").
pub const NET_HDR_LEN: usize = 12;
/// Offset of `le16 num_buffers` in the header.
pub const NUM_BUFFERS_OFFSET: usize = 10;
/// Largest Ethernet frame we move (no GSO offered): 65535 bytes plus the
/// 14-byte header, generous for jumbo MTUs; bigger transmits are dropped.
pub const MAX_FRAME_LEN: usize = 65535 + 14;

/// Bytes of config space: `mac[6]`, `le16 status`.
pub const CONFIG_LEN: usize = 8;

/// The configuration space image (§5.1.4).
pub fn config_image(mac: [u8; 6]) -> [u8; CONFIG_LEN] {
    let mut c = [0u8; CONFIG_LEN];
    c[..6].copy_from_slice(&mac);
    c[6..8].copy_from_slice(&VIRTIO_NET_S_LINK_UP.to_le_bytes());
    c
}
