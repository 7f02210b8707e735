//! Linux tap backend for virtio-net: `/dev/net/tun` + `TUNSETIFF`
//! (Linux `Documentation/networking/tuntap.rst`, `include/uapi/linux/if_tun.h`).
//!
//! The interface is opened with `IFF_TAP | IFF_NO_PI` and **without**
//! `IFF_VNET_HDR`: frames on the fd are bare Ethernet frames. virtio-net
//! strips the driver's `virtio_net_hdr` on transmit and writes an all-zero
//! one on receive itself; that is exact because we negotiate no checksum or
//! segmentation offloads, so the header never carries information.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use crate::error::VirtioError;
use crate::net::NetBackend;

/// `_IOW('T', 202, int)` from `if_tun.h`.
const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
/// Ethernet frames, not IP packets.
const IFF_TAP: libc::c_short = 0x0002;
/// No `struct tun_pi` prefix on each frame.
const IFF_NO_PI: libc::c_short = 0x1000;
/// `IFNAMSIZ` from `if.h`.
const IFNAMSIZ: usize = 16;

/// The part of `struct ifreq` `TUNSETIFF` reads and writes: the name and
/// `ifr_flags`, padded to the full 40-byte union on 64-bit Linux.
#[repr(C)]
struct IfReq {
    name: [u8; IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

/// An attached tap interface.
#[derive(Debug)]
pub struct Tap {
    file: File,
    name: String,
}

impl Tap {
    /// Attach to (or create, with CAP_NET_ADMIN) tap interface `name`.
    pub fn open(name: &str) -> Result<Self, VirtioError> {
        if name.is_empty() || name.len() >= IFNAMSIZ || name.as_bytes().contains(&0) {
            return Err(VirtioError::TapNameInvalid { name: name.into() });
        }
        let err = |source| VirtioError::Tap {
            name: name.into(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open("/dev/net/tun")
            .map_err(err)?;
        let mut req = IfReq {
            name: [0; IFNAMSIZ],
            flags: IFF_TAP | IFF_NO_PI,
            _pad: [0; 22],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        // SAFETY: TUNSETIFF reads and writes one `struct ifreq` (40 bytes on
        // 64-bit Linux) through the pointer; `req` is a live, exclusively
        // borrowed repr(C) value of exactly that size whose name is
        // NUL-terminated (checked length < IFNAMSIZ), and the fd is open.
        // JUSTIFICATION: std has no tun/tap API; this ioctl is the interface.
        let rc = unsafe { libc::ioctl(file.as_raw_fd(), TUNSETIFF, &mut req as *mut IfReq) };
        if rc < 0 {
            return Err(err(io::Error::last_os_error()));
        }
        Ok(Self {
            file,
            name: name.into(),
        })
    }

    /// Interface name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Wait until a frame can be read, at most `timeout`.
    fn wait_readable(&self, timeout: Duration) -> io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: self.file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: `pfd` is one valid, exclusively borrowed pollfd and we pass
        // a count of 1; the fd stays open for the call (owned by self.file).
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        match rc {
            r if r < 0 => {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
            0 => Ok(false),
            _ => Ok(pfd.revents & libc::POLLIN != 0),
        }
    }
}

impl NetBackend for Tap {
    fn send(&self, frame: &[u8]) -> io::Result<()> {
        match (&self.file).write(frame) {
            Ok(_) => Ok(()),
            // A full tap queue drops the frame, as a real NIC would.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn recv(&self, buf: &mut [u8], timeout: Duration) -> io::Result<Option<usize>> {
        if !self.wait_readable(timeout)? {
            return Ok(None);
        }
        match (&self.file).read(buf) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap_open_long_name_is_refused() {
        let r = Tap::open("a-name-longer-than-15");
        assert!(matches!(r, Err(VirtioError::TapNameInvalid { .. })));
    }

    #[test]
    fn ifreq_has_the_kernel_size() {
        assert_eq!(std::mem::size_of::<IfReq>(), 40);
    }
}
