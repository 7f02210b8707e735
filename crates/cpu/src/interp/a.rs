//! A extension: LR/SC and AMOs on host atomics, so harts on other threads
//! see them atomically. Every AMO is sequentially consistent (a legal
//! strengthening of any aq/rl combination).
//!
//! Misaligned LR raises load-address-misaligned, misaligned SC/AMO
//! store/AMO-address-misaligned; LR/SC/AMO outside RAM raise access faults
//! (no device supports atomics).

use std::sync::atomic::Ordering::SeqCst;

use rvisor_isa::Inst;

use super::i::sext32;
use super::Reservation;
use crate::mmu::Access;
use crate::trap::{Exception, Trap};
use crate::Hart;

/// The read-modify-write an AMO performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AmoOp {
    Swap,
    Add,
    Xor,
    And,
    Or,
    Min,
    Max,
    Minu,
    Maxu,
}

macro_rules! amo_width {
    ($name:ident, $t:ty, $st:ty, $with:ident) => {
        /// Apply `op` atomically at RAM offset `off`; returns (old, new).
        fn $name(&self, off: u64, op: AmoOp, src: $t) -> Option<($t, $t)> {
            let apply = move |old: $t| -> $t {
                match op {
                    AmoOp::Swap => src,
                    AmoOp::Add => old.wrapping_add(src),
                    AmoOp::Xor => old ^ src,
                    AmoOp::And => old & src,
                    AmoOp::Or => old | src,
                    AmoOp::Min => (old as $st).min(src as $st) as $t,
                    AmoOp::Max => (old as $st).max(src as $st) as $t,
                    AmoOp::Minu => old.min(src),
                    AmoOp::Maxu => old.max(src),
                }
            };
            self.ram.$with(off, |a| {
                let old = match op {
                    AmoOp::Swap => a.swap(src, SeqCst),
                    AmoOp::Add => a.fetch_add(src, SeqCst),
                    AmoOp::Xor => a.fetch_xor(src, SeqCst),
                    AmoOp::And => a.fetch_and(src, SeqCst),
                    AmoOp::Or => a.fetch_or(src, SeqCst),
                    AmoOp::Minu => a.fetch_min(src, SeqCst),
                    AmoOp::Maxu => a.fetch_max(src, SeqCst),
                    AmoOp::Min | AmoOp::Max => {
                        match a.fetch_update(SeqCst, SeqCst, |o| Some(apply(o))) {
                            Ok(o) | Err(o) => o,
                        }
                    }
                };
                (old, apply(old))
            })
        }
    };
}

impl Hart {
    /// LR/SC/AMO instructions; `None` for anything else.
    pub(super) fn exec_a(&mut self, inst: Inst) -> Option<Result<(), Trap>> {
        use AmoOp::*;
        Some(match inst {
            Inst::LrW { rd, rs1, .. } => self.lr(rd, rs1, 4),
            Inst::LrD { rd, rs1, .. } => self.lr(rd, rs1, 8),
            Inst::ScW { rd, rs1, rs2, .. } => self.sc(rd, rs1, rs2, 4),
            Inst::ScD { rd, rs1, rs2, .. } => self.sc(rd, rs1, rs2, 8),
            Inst::AmoswapW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Swap),
            Inst::AmoaddW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Add),
            Inst::AmoxorW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Xor),
            Inst::AmoandW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, And),
            Inst::AmoorW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Or),
            Inst::AmominW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Min),
            Inst::AmomaxW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Max),
            Inst::AmominuW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Minu),
            Inst::AmomaxuW { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 4, Maxu),
            Inst::AmoswapD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Swap),
            Inst::AmoaddD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Add),
            Inst::AmoxorD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Xor),
            Inst::AmoandD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, And),
            Inst::AmoorD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Or),
            Inst::AmominD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Min),
            Inst::AmomaxD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Max),
            Inst::AmominuD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Minu),
            Inst::AmomaxuD { rd, rs1, rs2, .. } => self.amo(rd, rs1, rs2, 8, Maxu),
            _ => return None,
        })
    }

    amo_width!(amo_u32, u32, i32, with_atomic_u32);
    amo_width!(amo_u64, u64, i64, with_atomic_u64);

    /// Translate an atomic's address: alignment first, then translation,
    /// then "is it RAM"; returns (pa, RAM offset).
    fn atomic_addr(&mut self, va: u64, size: u64, access: Access) -> Result<(u64, u64), Trap> {
        let (mis, fault) = match access {
            Access::Load => (Exception::LoadMisaligned, Exception::LoadAccessFault),
            _ => (Exception::StoreMisaligned, Exception::StoreAccessFault),
        };
        if va & (size - 1) != 0 {
            return Err(Trap::new(mis, va));
        }
        let pa = self.data_translate(va, access)?;
        let off = self.ram.offset_of(pa, size).ok_or(Trap::new(fault, va))?;
        Ok((pa, off))
    }

    fn lr(&mut self, rd: u8, rs1: u8, size: u64) -> Result<(), Trap> {
        let va = self.xr(rs1);
        let (pa, off) = self.atomic_addr(va, size, Access::Load)?;
        let fault = Trap::new(Exception::LoadAccessFault, va);
        let (value, result) = if size == 4 {
            let v = self
                .ram
                .with_atomic_u32(off, |a| a.load(SeqCst))
                .ok_or(fault)?;
            (u64::from(v), sext32(u64::from(v)))
        } else {
            let v = self
                .ram
                .with_atomic_u64(off, |a| a.load(SeqCst))
                .ok_or(fault)?;
            (v, v)
        };
        self.interp.reservation = Some(Reservation {
            pa,
            size: size as u8,
            value,
        });
        self.xw(rd, result);
        Ok(())
    }

    fn sc(&mut self, rd: u8, rs1: u8, rs2: u8, size: u64) -> Result<(), Trap> {
        let va = self.xr(rs1);
        let (pa, off) = self.atomic_addr(va, size, Access::Store)?;
        let src = self.xr(rs2);
        // SC always clears the reservation, successful or not.
        let ok = match self.interp.reservation.take() {
            Some(r) if r.pa == pa && u64::from(r.size) == size => {
                // Succeeds only if memory still holds what LR read: a store
                // from another hart in between makes the CAS fail.
                if size == 4 {
                    self.ram.with_atomic_u32(off, |a| {
                        a.compare_exchange(r.value as u32, src as u32, SeqCst, SeqCst)
                            .is_ok()
                    })
                } else {
                    self.ram.with_atomic_u64(off, |a| {
                        a.compare_exchange(r.value, src, SeqCst, SeqCst).is_ok()
                    })
                }
                .unwrap_or(false)
            }
            _ => false,
        };
        if ok && self.ram.flags(off, size) != 0 {
            self.after_flagged_store(off, pa, size, src);
        }
        self.xw(rd, u64::from(!ok));
        Ok(())
    }

    fn amo(&mut self, rd: u8, rs1: u8, rs2: u8, size: u64, op: AmoOp) -> Result<(), Trap> {
        let va = self.xr(rs1);
        let (pa, off) = self.atomic_addr(va, size, Access::Store)?;
        let fault = Trap::new(Exception::StoreAccessFault, va);
        let src = self.xr(rs2);
        let (old, new) = if size == 4 {
            let (o, n) = self.amo_u32(off, op, src as u32).ok_or(fault)?;
            (sext32(u64::from(o)), u64::from(n))
        } else {
            self.amo_u64(off, op, src).ok_or(fault)?
        };
        if self.ram.flags(off, size) != 0 {
            self.after_flagged_store(off, pa, size, new);
        }
        self.xw(rd, old);
        Ok(())
    }
}
