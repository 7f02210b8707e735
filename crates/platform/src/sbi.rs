//! The paravirtual hypercall interface: the RISC-V Supervisor Binary Interface
//! (SBI v3.0, riscv-non-isa/riscv-sbi-doc, platform.md §7) served by rvisor.
//!
//! `dispatch` decodes a call (a7 = EID, a6 = FID, a0..a5 = arguments), checks
//! every argument, and performs it through [`SbiEnv`], which the VMM
//! implements with the machine's harts, console and power control. Calls that
//! change the calling hart's own run state (HSM stop/suspend) come back as an
//! [`SbiOutcome`] for the VMM's hart loop.

/// Extension IDs (SBI §3–§17).
pub mod eid {
    /// Legacy set_timer.
    pub const LEGACY_SET_TIMER: u64 = 0x00;
    /// Legacy console_putchar.
    pub const LEGACY_PUTCHAR: u64 = 0x01;
    /// Legacy console_getchar.
    pub const LEGACY_GETCHAR: u64 = 0x02;
    /// Legacy clear_ipi.
    pub const LEGACY_CLEAR_IPI: u64 = 0x03;
    /// Legacy send_ipi.
    pub const LEGACY_SEND_IPI: u64 = 0x04;
    /// Legacy remote_fence_i.
    pub const LEGACY_REMOTE_FENCE_I: u64 = 0x05;
    /// Legacy remote_sfence_vma.
    pub const LEGACY_REMOTE_SFENCE_VMA: u64 = 0x06;
    /// Legacy remote_sfence_vma_asid.
    pub const LEGACY_REMOTE_SFENCE_VMA_ASID: u64 = 0x07;
    /// Legacy shutdown.
    pub const LEGACY_SHUTDOWN: u64 = 0x08;
    /// Base extension.
    pub const BASE: u64 = 0x10;
    /// Timer extension ("TIME").
    pub const TIME: u64 = 0x5449_4D45;
    /// IPI extension ("sPI").
    pub const IPI: u64 = 0x0073_5049;
    /// RFENCE extension ("RFNC").
    pub const RFENCE: u64 = 0x5246_4E43;
    /// Hart state management ("HSM").
    pub const HSM: u64 = 0x0048_534D;
    /// System reset ("SRST").
    pub const SRST: u64 = 0x5352_5354;
    /// Debug console ("DBCN").
    pub const DBCN: u64 = 0x4442_434E;
    /// Steal-time accounting ("STA").
    pub const STA: u64 = 0x0053_5441;
}

/// SBI error codes (SBI §3 "Standard SBI Errors").
pub mod err {
    /// Completed successfully.
    pub const SUCCESS: i64 = 0;
    /// Failed.
    pub const FAILED: i64 = -1;
    /// Not supported.
    pub const NOT_SUPPORTED: i64 = -2;
    /// Invalid parameter(s).
    pub const INVALID_PARAM: i64 = -3;
    /// Denied or not allowed.
    pub const DENIED: i64 = -4;
    /// Invalid address(es).
    pub const INVALID_ADDRESS: i64 = -5;
    /// Already available.
    pub const ALREADY_AVAILABLE: i64 = -6;
    /// Already started.
    pub const ALREADY_STARTED: i64 = -7;
    /// Already stopped.
    pub const ALREADY_STOPPED: i64 = -8;
}

/// HSM hart states (SBI §9).
pub mod hsm {
    /// Running.
    pub const STARTED: u64 = 0;
    /// Not running.
    pub const STOPPED: u64 = 1;
    /// Start requested.
    pub const START_PENDING: u64 = 2;
    /// Stop requested.
    pub const STOP_PENDING: u64 = 3;
    /// Suspended.
    pub const SUSPENDED: u64 = 4;
    /// Default retentive suspend type.
    pub const SUSPEND_RETENTIVE: u64 = 0;
    /// Default non-retentive suspend type.
    pub const SUSPEND_NON_RETENTIVE: u64 = 0x8000_0000;
}

/// The SBI specification version rvisor implements (3.0): Linux uses DBCN and
/// STA only if the version is at least 2.0 (platform.md §7.3).
pub const SPEC_VERSION: u64 = 3 << 24;
/// Implementation ID. rvisor has none assigned; use one outside the list
/// (platform.md §7.2) so nobody mistakes us for OpenSBI or KVM.
pub const IMPL_ID: u64 = 0x7276; // "rv"
/// Implementation version.
pub const IMPL_VERSION: u64 = 1;

/// One SBI call as the guest made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiCall {
    /// a7
    pub eid: u64,
    /// a6
    pub fid: u64,
    /// a0..a5
    pub args: [u64; 6],
}

/// The (a0, a1) pair returned to the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiRet {
    /// a0: error code.
    pub error: i64,
    /// a1: value.
    pub value: u64,
}

impl SbiRet {
    fn ok(value: u64) -> Self {
        Self {
            error: err::SUCCESS,
            value,
        }
    }
    fn err(error: i64) -> Self {
        Self { error, value: 0 }
    }
}

/// What the calling hart does after the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiOutcome {
    /// Write a0 (and a1 unless legacy) and continue after the `ecall`.
    Return(SbiRet),
    /// Legacy call: write only a0, continue.
    ReturnLegacy(i64),
    /// HSM hart_stop: the hart stops (no return).
    Stop,
    /// HSM retentive suspend: wait for an interrupt, then return SUCCESS.
    SuspendRetentive,
    /// HSM non-retentive suspend: wait for an interrupt, then enter
    /// `resume_addr` in S-mode with a0 = hartid, a1 = opaque.
    SuspendNonRetentive {
        /// Where to resume.
        resume_addr: u64,
        /// a1 at resume.
        opaque: u64,
    },
}

/// The address range and ASID of a remote `sfence.vma` (SBI RFENCE FIDs 1
/// and 2, legacy 0x06/0x07).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SfenceVma {
    /// `(start, size)` in bytes; `None` = the whole address space (`size`
    /// = −1, or start and size both 0).
    pub range: Option<(u64, u64)>,
    /// `None` = every ASID.
    pub asid: Option<u64>,
}

impl SfenceVma {
    /// The fence for (`start`, `size`, `asid`); `None` if the range wraps
    /// around the address space (SBI: "start_addr or size is not valid").
    pub fn new(start: u64, size: u64, asid: Option<u64>) -> Option<Self> {
        let range = if size == u64::MAX || (start == 0 && size == 0) {
            None
        } else {
            start.checked_add(size)?;
            Some((start, size))
        };
        Some(Self { range, asid })
    }

    /// Every address, every ASID.
    pub const ALL: Self = Self {
        range: None,
        asid: None,
    };
}

/// What the VMM provides to serve calls.
pub trait SbiEnv {
    /// Calling hart's id.
    fn hart_id(&self) -> u64;
    /// Number of harts.
    fn hart_count(&self) -> u64;
    /// Program the calling hart's supervisor timer.
    fn set_timer(&mut self, deadline: u64);
    /// Raise a supervisor software interrupt on `hart`.
    fn send_ipi(&self, hart: u64);
    /// Make `hart` drop its decoded code (remote `fence.i`).
    fn remote_fence_i(&self, hart: u64);
    /// Post a remote `sfence.vma` to `hart` (the calling hart included).
    fn remote_sfence_vma(&mut self, hart: u64, fence: SfenceVma);
    /// Every fence of this call is posted: return once the targets are done
    /// with them (SBI: the call completes the remote fences).
    fn remote_fences_posted(&mut self) {}
    /// HSM state of `hart`.
    fn hart_state(&self, hart: u64) -> u64;
    /// Start a stopped `hart` at `addr` in S-mode with a1 = `opaque`; returns
    /// the SBI error code.
    fn hart_start(&self, hart: u64, addr: u64, opaque: u64) -> i64;
    /// Power off (`code` 0 = clean) or reset.
    fn system_reset(&self, reset: bool, failure: bool);
    /// Write console bytes; returns how many were written.
    fn console_write(&self, bytes: &[u8]) -> usize;
    /// Read pending console input; returns how many bytes were read.
    fn console_read(&self, buf: &mut [u8]) -> usize;
    /// Copy guest-physical memory out; false if not entirely RAM.
    fn read_phys(&self, pa: u64, buf: &mut [u8]) -> bool;
    /// Copy into guest-physical memory; false if not entirely RAM.
    fn write_phys(&self, pa: u64, buf: &[u8]) -> bool;
    /// Set (Some) or disable (None) the calling hart's steal-time record.
    fn set_steal_time_shmem(&mut self, pa: Option<u64>);
    /// Is `addr` a guest-physical address code can run from (RAM)?
    fn is_ram(&self, addr: u64) -> bool;
}

/// Harts selected by (hart_mask, hart_mask_base) (SBI §3 "hart mask"):
/// base = -1 means all harts; otherwise bit i of mask selects base + i.
/// `None` if the selection names a hart that does not exist.
fn harts_in_mask(mask: u64, base: u64, count: u64) -> Option<Vec<u64>> {
    if base == u64::MAX {
        return Some((0..count).collect());
    }
    let mut v = Vec::new();
    for i in 0..64 {
        if mask & (1 << i) != 0 {
            let h = base.checked_add(i)?;
            if h >= count {
                return None;
            }
            v.push(h);
        }
    }
    Some(v)
}

/// Which extensions `probe_extension` reports.
fn extension_available(eid: u64) -> bool {
    matches!(
        eid,
        eid::BASE
            | eid::TIME
            | eid::IPI
            | eid::RFENCE
            | eid::HSM
            | eid::SRST
            | eid::DBCN
            | eid::STA
    ) || eid <= eid::LEGACY_SHUTDOWN
}

/// Serve one SBI call.
pub fn dispatch(call: &SbiCall, env: &mut dyn SbiEnv) -> SbiOutcome {
    let a = call.args;
    let ret = |r: SbiRet| SbiOutcome::Return(r);
    match call.eid {
        eid::BASE => ret(match call.fid {
            0 => SbiRet::ok(SPEC_VERSION),
            1 => SbiRet::ok(IMPL_ID),
            2 => SbiRet::ok(IMPL_VERSION),
            3 => SbiRet::ok(u64::from(extension_available(a[0]))),
            4..=6 => SbiRet::ok(0), // mvendorid, marchid, mimpid
            _ => SbiRet::err(err::NOT_SUPPORTED),
        }),
        eid::TIME => ret(match call.fid {
            0 => {
                env.set_timer(a[0]);
                SbiRet::ok(0)
            }
            _ => SbiRet::err(err::NOT_SUPPORTED),
        }),
        eid::IPI => ret(match call.fid {
            0 => match harts_in_mask(a[0], a[1], env.hart_count()) {
                Some(hs) => {
                    for h in hs {
                        env.send_ipi(h);
                    }
                    SbiRet::ok(0)
                }
                None => SbiRet::err(err::INVALID_PARAM),
            },
            _ => SbiRet::err(err::NOT_SUPPORTED),
        }),
        eid::RFENCE => ret(match call.fid {
            0..=2 => match harts_in_mask(a[0], a[1], env.hart_count()) {
                None => SbiRet::err(err::INVALID_PARAM),
                Some(hs) if call.fid == 0 => {
                    for h in hs {
                        env.remote_fence_i(h);
                    }
                    SbiRet::ok(0)
                }
                Some(hs) => {
                    let asid = (call.fid == 2).then_some(a[4]);
                    match SfenceVma::new(a[2], a[3], asid) {
                        None => SbiRet::err(err::INVALID_ADDRESS),
                        Some(fence) => {
                            for h in hs {
                                env.remote_sfence_vma(h, fence);
                            }
                            env.remote_fences_posted();
                            SbiRet::ok(0)
                        }
                    }
                }
            },
            // Hypervisor fences: no H extension here.
            _ => SbiRet::err(err::NOT_SUPPORTED),
        }),
        eid::HSM => hsm_call(call, env),
        eid::SRST => ret(match call.fid {
            0 => {
                let (ty, reason) = (a[0] as u32, a[1] as u32);
                // Reserved types and reasons are invalid; vendor/platform
                // ranges (0xF0000000+, 0xE0000000+) are merely unsupported.
                if (ty > 2 && ty < 0xF000_0000) || (reason > 1 && reason < 0xE000_0000) {
                    SbiRet::err(err::INVALID_PARAM)
                } else if ty > 2 {
                    SbiRet::err(err::NOT_SUPPORTED)
                } else {
                    env.system_reset(ty != 0, reason == 1);
                    SbiRet::ok(0)
                }
            }
            _ => SbiRet::err(err::NOT_SUPPORTED),
        }),
        eid::DBCN => ret(dbcn_call(call, env)),
        eid::STA => ret(match call.fid {
            0 => {
                let (lo, hi, flags) = (a[0], a[1], a[2]);
                if lo == u64::MAX && hi == u64::MAX {
                    env.set_steal_time_shmem(None);
                    SbiRet::ok(0)
                } else if flags != 0 || lo % 64 != 0 {
                    SbiRet::err(err::INVALID_PARAM)
                } else if hi != 0 || !env.write_phys(lo, &[0u8; 64]) {
                    SbiRet::err(err::INVALID_ADDRESS)
                } else {
                    env.set_steal_time_shmem(Some(lo));
                    SbiRet::ok(0)
                }
            }
            _ => SbiRet::err(err::NOT_SUPPORTED),
        }),
        eid::LEGACY_SET_TIMER => {
            env.set_timer(a[0]);
            SbiOutcome::ReturnLegacy(0)
        }
        eid::LEGACY_PUTCHAR => {
            env.console_write(&[a[0] as u8]);
            SbiOutcome::ReturnLegacy(0)
        }
        eid::LEGACY_GETCHAR => {
            let mut b = [0u8];
            SbiOutcome::ReturnLegacy(if env.console_read(&mut b) == 1 {
                i64::from(b[0])
            } else {
                -1
            })
        }
        eid::LEGACY_CLEAR_IPI => SbiOutcome::ReturnLegacy(0),
        eid::LEGACY_SEND_IPI..=eid::LEGACY_REMOTE_SFENCE_VMA_ASID => {
            // The legacy calls pass a pointer to an unsigned long hart mask.
            let mut m = [0u8; 8];
            let mask = if a[0] == 0 {
                u64::MAX
            } else if env.read_phys(a[0], &mut m) {
                u64::from_le_bytes(m)
            } else {
                return SbiOutcome::ReturnLegacy(err::INVALID_ADDRESS);
            };
            let n = env.hart_count();
            // v0.1 has no error for a bad range: flush everything instead.
            let asid = (call.eid == eid::LEGACY_REMOTE_SFENCE_VMA_ASID).then_some(a[3]);
            let fence = SfenceVma::new(a[1], a[2], asid).unwrap_or(SfenceVma::ALL);
            for h in (0..n.min(64)).filter(|h| mask & (1 << h) != 0) {
                match call.eid {
                    eid::LEGACY_SEND_IPI => env.send_ipi(h),
                    eid::LEGACY_REMOTE_FENCE_I => env.remote_fence_i(h),
                    _ => env.remote_sfence_vma(h, fence),
                }
            }
            if call.eid >= eid::LEGACY_REMOTE_SFENCE_VMA {
                env.remote_fences_posted();
            }
            SbiOutcome::ReturnLegacy(0)
        }
        eid::LEGACY_SHUTDOWN => {
            env.system_reset(false, false);
            SbiOutcome::ReturnLegacy(0)
        }
        _ => ret(SbiRet::err(err::NOT_SUPPORTED)),
    }
}

fn hsm_call(call: &SbiCall, env: &mut dyn SbiEnv) -> SbiOutcome {
    let a = call.args;
    let ret = |r: SbiRet| SbiOutcome::Return(r);
    match call.fid {
        0 => {
            let (hart, addr, opaque) = (a[0], a[1], a[2]);
            if hart >= env.hart_count() {
                ret(SbiRet::err(err::INVALID_PARAM))
            } else if !env.is_ram(addr) {
                ret(SbiRet::err(err::INVALID_ADDRESS))
            } else {
                ret(SbiRet::err(env.hart_start(hart, addr, opaque)))
            }
        }
        1 => SbiOutcome::Stop,
        2 => {
            if a[0] >= env.hart_count() {
                ret(SbiRet::err(err::INVALID_PARAM))
            } else {
                ret(SbiRet::ok(env.hart_state(a[0])))
            }
        }
        3 => {
            let (ty, resume_addr, opaque) = (a[0] as u32 as u64, a[1], a[2]);
            match ty {
                hsm::SUSPEND_RETENTIVE => SbiOutcome::SuspendRetentive,
                hsm::SUSPEND_NON_RETENTIVE => {
                    if env.is_ram(resume_addr) {
                        SbiOutcome::SuspendNonRetentive {
                            resume_addr,
                            opaque,
                        }
                    } else {
                        ret(SbiRet::err(err::INVALID_ADDRESS))
                    }
                }
                1..=0x0FFF_FFFF | 0x8000_0001..=0x8FFF_FFFF => ret(SbiRet::err(err::INVALID_PARAM)),
                _ => ret(SbiRet::err(err::NOT_SUPPORTED)),
            }
        }
        _ => ret(SbiRet::err(err::NOT_SUPPORTED)),
    }
}

/// Largest DBCN transfer served in one call (bounded host buffer; the spec
/// lets us write or read partially).
const DBCN_MAX: u64 = 4096;

fn dbcn_call(call: &SbiCall, env: &mut dyn SbiEnv) -> SbiRet {
    let a = call.args;
    match call.fid {
        0 | 1 => {
            let (len, lo, hi) = (a[0].min(DBCN_MAX), a[1], a[2]);
            if hi != 0 || lo.checked_add(a[0]).is_none() {
                return SbiRet::err(err::INVALID_PARAM);
            }
            let mut buf = vec![0u8; len as usize];
            if call.fid == 0 {
                if !env.read_phys(lo, &mut buf) {
                    return SbiRet::err(err::INVALID_PARAM);
                }
                SbiRet::ok(env.console_write(&buf) as u64)
            } else {
                // Check the whole range is writable before taking input.
                if !env.read_phys(lo, &mut buf) {
                    return SbiRet::err(err::INVALID_PARAM);
                }
                let n = env.console_read(&mut buf);
                if !env.write_phys(lo, &buf[..n]) {
                    return SbiRet::err(err::INVALID_PARAM);
                }
                SbiRet::ok(n as u64)
            }
        }
        2 => {
            env.console_write(&[a[0] as u8]);
            SbiRet::ok(0)
        }
        _ => SbiRet::err(err::NOT_SUPPORTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct FakeEnv {
        ram: RefCell<Vec<u8>>, // at 0x8000_0000
        out: RefCell<Vec<u8>>,
        ipis: RefCell<Vec<u64>>,
        timer: Option<u64>,
        reset: RefCell<Option<(bool, bool)>>,
        sta: Option<Option<u64>>,
        started: RefCell<Vec<(u64, u64, u64)>>,
        sfences: RefCell<Vec<(u64, SfenceVma)>>,
    }
    const BASE: u64 = 0x8000_0000;
    impl FakeEnv {
        fn new() -> Self {
            Self {
                ram: RefCell::new(vec![0; 0x10000]),
                ..Default::default()
            }
        }
        fn range(&self, pa: u64, len: usize) -> Option<std::ops::Range<usize>> {
            let off = pa.checked_sub(BASE)? as usize;
            let end = off.checked_add(len)?;
            (end <= self.ram.borrow().len()).then_some(off..end)
        }
    }
    impl SbiEnv for FakeEnv {
        fn hart_id(&self) -> u64 {
            0
        }
        fn hart_count(&self) -> u64 {
            2
        }
        fn set_timer(&mut self, deadline: u64) {
            self.timer = Some(deadline);
        }
        fn send_ipi(&self, hart: u64) {
            self.ipis.borrow_mut().push(hart);
        }
        fn remote_fence_i(&self, _hart: u64) {}
        fn remote_sfence_vma(&mut self, hart: u64, fence: SfenceVma) {
            self.sfences.borrow_mut().push((hart, fence));
        }
        fn hart_state(&self, hart: u64) -> u64 {
            if hart == 0 {
                hsm::STARTED
            } else {
                hsm::STOPPED
            }
        }
        fn hart_start(&self, hart: u64, addr: u64, opaque: u64) -> i64 {
            self.started.borrow_mut().push((hart, addr, opaque));
            0
        }
        fn system_reset(&self, reset: bool, failure: bool) {
            *self.reset.borrow_mut() = Some((reset, failure));
        }
        fn console_write(&self, bytes: &[u8]) -> usize {
            self.out.borrow_mut().extend_from_slice(bytes);
            bytes.len()
        }
        fn console_read(&self, _buf: &mut [u8]) -> usize {
            0
        }
        fn read_phys(&self, pa: u64, buf: &mut [u8]) -> bool {
            match self.range(pa, buf.len()) {
                Some(r) => {
                    buf.copy_from_slice(&self.ram.borrow()[r]);
                    true
                }
                None => false,
            }
        }
        fn write_phys(&self, pa: u64, buf: &[u8]) -> bool {
            match self.range(pa, buf.len()) {
                Some(r) => {
                    self.ram.borrow_mut()[r].copy_from_slice(buf);
                    true
                }
                None => false,
            }
        }
        fn set_steal_time_shmem(&mut self, pa: Option<u64>) {
            self.sta = Some(pa);
        }
        fn is_ram(&self, addr: u64) -> bool {
            self.range(addr, 1).is_some()
        }
    }

    fn call(eid: u64, fid: u64, args: &[u64]) -> SbiCall {
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        SbiCall { eid, fid, args: a }
    }

    fn ret(o: SbiOutcome) -> SbiRet {
        match o {
            SbiOutcome::Return(r) => r,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn sbi_base_reports_version_and_probes() {
        let mut e = FakeEnv::new();
        assert_eq!(
            ret(dispatch(&call(eid::BASE, 0, &[]), &mut e)).value,
            3 << 24
        );
        assert_eq!(
            ret(dispatch(&call(eid::BASE, 3, &[eid::DBCN]), &mut e)).value,
            1
        );
        assert_eq!(
            ret(dispatch(&call(eid::BASE, 3, &[0x1234_5678]), &mut e)).value,
            0
        );
        assert_eq!(
            ret(dispatch(&call(eid::BASE, 99, &[]), &mut e)).error,
            err::NOT_SUPPORTED
        );
    }

    #[test]
    fn sbi_unknown_extension_is_not_supported() {
        let mut e = FakeEnv::new();
        assert_eq!(
            ret(dispatch(&call(0x0BAD_CAFE, 0, &[]), &mut e)).error,
            err::NOT_SUPPORTED
        );
    }

    #[test]
    fn sbi_ipi_mask_selects_harts_and_rejects_missing_ones() {
        let mut e = FakeEnv::new();
        assert_eq!(
            ret(dispatch(&call(eid::IPI, 0, &[0b10, 0]), &mut e)).error,
            0
        );
        assert_eq!(*e.ipis.borrow(), vec![1]);
        assert_eq!(
            ret(dispatch(&call(eid::IPI, 0, &[0, u64::MAX]), &mut e)).error,
            0
        );
        assert_eq!(*e.ipis.borrow(), vec![1, 0, 1]);
        assert_eq!(
            ret(dispatch(&call(eid::IPI, 0, &[0b100, 0]), &mut e)).error,
            err::INVALID_PARAM
        );
        assert_eq!(
            ret(dispatch(&call(eid::IPI, 0, &[1, u64::MAX - 1]), &mut e)).error,
            err::INVALID_PARAM
        );
    }

    #[test]
    fn sbi_dbcn_write_checks_the_range() {
        let mut e = FakeEnv::new();
        e.write_phys(BASE + 16, b"hello");
        let r = ret(dispatch(&call(eid::DBCN, 0, &[5, BASE + 16, 0]), &mut e));
        assert_eq!((r.error, r.value), (0, 5));
        assert_eq!(*e.out.borrow(), b"hello");
        assert_eq!(
            ret(dispatch(&call(eid::DBCN, 0, &[5, 0x1000, 0]), &mut e)).error,
            err::INVALID_PARAM
        );
        assert_eq!(
            ret(dispatch(&call(eid::DBCN, 0, &[u64::MAX, BASE, 0]), &mut e)).error,
            err::INVALID_PARAM
        );
        assert_eq!(
            ret(dispatch(&call(eid::DBCN, 0, &[1, BASE, 1]), &mut e)).error,
            err::INVALID_PARAM
        );
        ret(dispatch(&call(eid::DBCN, 2, &[b'!' as u64]), &mut e));
        assert_eq!(e.out.borrow().last(), Some(&b'!'));
    }

    #[test]
    fn sbi_sta_validates_and_zeroes_shmem() {
        let mut e = FakeEnv::new();
        e.write_phys(BASE + 64, &[0xff; 64]);
        assert_eq!(
            ret(dispatch(&call(eid::STA, 0, &[BASE + 32, 0, 0]), &mut e)).error,
            err::INVALID_PARAM
        );
        assert_eq!(
            ret(dispatch(&call(eid::STA, 0, &[BASE + 64, 0, 1]), &mut e)).error,
            err::INVALID_PARAM
        );
        assert_eq!(
            ret(dispatch(&call(eid::STA, 0, &[BASE + 64, 0, 0]), &mut e)).error,
            0
        );
        let mut b = [1u8; 64];
        e.read_phys(BASE + 64, &mut b);
        assert_eq!(b, [0u8; 64]);
        assert_eq!(e.sta, Some(Some(BASE + 64)));
        assert_eq!(
            ret(dispatch(
                &call(eid::STA, 0, &[u64::MAX, u64::MAX, 0]),
                &mut e
            ))
            .error,
            0
        );
        assert_eq!(e.sta, Some(None));
        assert_eq!(
            ret(dispatch(&call(eid::STA, 0, &[0x40, 0, 0]), &mut e)).error,
            err::INVALID_ADDRESS
        );
    }

    #[test]
    fn sbi_hsm_start_checks_hart_and_address() {
        let mut e = FakeEnv::new();
        assert_eq!(
            ret(dispatch(&call(eid::HSM, 0, &[1, BASE, 7]), &mut e)).error,
            0
        );
        assert_eq!(*e.started.borrow(), vec![(1, BASE, 7)]);
        assert_eq!(
            ret(dispatch(&call(eid::HSM, 0, &[5, BASE, 7]), &mut e)).error,
            err::INVALID_PARAM
        );
        assert_eq!(
            ret(dispatch(&call(eid::HSM, 0, &[1, 0x10, 7]), &mut e)).error,
            err::INVALID_ADDRESS
        );
        assert_eq!(
            ret(dispatch(&call(eid::HSM, 2, &[1]), &mut e)).value,
            hsm::STOPPED
        );
        assert_eq!(dispatch(&call(eid::HSM, 1, &[]), &mut e), SbiOutcome::Stop);
    }

    #[test]
    fn sbi_srst_validates_type_and_reason() {
        let mut e = FakeEnv::new();
        assert_eq!(
            ret(dispatch(&call(eid::SRST, 0, &[5, 0]), &mut e)).error,
            err::INVALID_PARAM
        );
        assert_eq!(*e.reset.borrow(), None);
        assert_eq!(ret(dispatch(&call(eid::SRST, 0, &[0, 0]), &mut e)).error, 0);
        assert_eq!(*e.reset.borrow(), Some((false, false)));
    }

    #[test]
    fn sbi_time_sets_the_timer() {
        let mut e = FakeEnv::new();
        ret(dispatch(&call(eid::TIME, 0, &[12345]), &mut e));
        assert_eq!(e.timer, Some(12345));
    }

    #[test]
    fn sbi_random_calls_never_panic() {
        let mut e = FakeEnv::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let eids = [
            eid::BASE,
            eid::TIME,
            eid::IPI,
            eid::RFENCE,
            eid::HSM,
            eid::SRST,
            eid::DBCN,
            eid::STA,
            0,
            1,
            2,
            3,
            4,
            5,
            6,
            7,
        ];
        for _ in 0..20000 {
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let eid = eids[(next() % eids.len() as u64) as usize];
            let fid = next() % 10;
            let mut args = [0u64; 6];
            for a in &mut args {
                *a = match next() % 4 {
                    0 => next(),
                    1 => BASE + next() % 0x20000,
                    2 => u64::MAX - next() % 4,
                    _ => next() % 8,
                };
            }
            let _ = dispatch(&SbiCall { eid, fid, args }, &mut e);
        }
    }

    #[test]
    fn sbi_rfence_sfence_passes_range_and_asid_and_checks_arguments() {
        let mut e = FakeEnv::new();
        let r = ret(dispatch(
            &call(eid::RFENCE, 2, &[0b11, 0, 0x4000, 0x2000, 7]),
            &mut e,
        ));
        assert_eq!(r.error, 0);
        let f = SfenceVma {
            range: Some((0x4000, 0x2000)),
            asid: Some(7),
        };
        assert_eq!(*e.sfences.borrow(), vec![(0, f), (1, f)]);
        e.sfences.borrow_mut().clear();
        // size = -1 and (0, 0) mean everything; FID 1 is every ASID.
        for (start, size) in [(0x1234, u64::MAX), (0, 0)] {
            ret(dispatch(
                &call(eid::RFENCE, 1, &[1, 0, start, size]),
                &mut e,
            ));
        }
        assert_eq!(
            *e.sfences.borrow(),
            vec![(0, SfenceVma::ALL), (0, SfenceVma::ALL)]
        );
        e.sfences.borrow_mut().clear();
        // A missing hart is INVALID_PARAM, a wrapping range INVALID_ADDRESS;
        // neither posts a fence anywhere.
        assert_eq!(
            ret(dispatch(
                &call(eid::RFENCE, 1, &[0b100, 0, 0, 4096]),
                &mut e
            ))
            .error,
            err::INVALID_PARAM
        );
        assert_eq!(
            ret(dispatch(
                &call(eid::RFENCE, 2, &[1, 0, u64::MAX - 4095, 8192, 1]),
                &mut e
            ))
            .error,
            err::INVALID_ADDRESS
        );
        assert!(e.sfences.borrow().is_empty());
        // Legacy: mask pointer 0 = all harts, a bad range flushes everything.
        dispatch(
            &call(eid::LEGACY_REMOTE_SFENCE_VMA, 0, &[0, u64::MAX, 2]),
            &mut e,
        );
        assert_eq!(
            *e.sfences.borrow(),
            vec![(0, SfenceVma::ALL), (1, SfenceVma::ALL)]
        );
    }
}
