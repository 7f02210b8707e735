//! f registers in xmm registers within one translation.
//!
//! The integer register cache's scheme ([`super::regs`]) for doubles: a
//! chain of dependent FP instructions went through `Hart::f` from one to
//! the next, a store and a load (forwarded, several cycles) on every
//! link, so FP code ran at a fraction of the host's speed whatever the
//! instruction count. Here the block's most used f registers live in
//! xmm5-xmm15 (xmm0-xmm4 are the templates' scratch), loaded on first
//! use, written back before exits and helper calls; every helper call
//! clobbers all xmm registers (all are caller-saved), so the out-of-line
//! paths reload the loaded ones after theirs.
//!
//! The templates of the double-precision instructions below ([`uses`])
//! know of the cache. Any other F/D instruction (single precision, whose
//! templates test NaN boxes in memory, or one a helper runs) finds the
//! registers it names in `Hart::f`: they are written back before it, and
//! the one it writes is read from memory again after it
//! ([`Emitter::fsync_before`], [`Emitter::fsync_after`]). Instructions
//! that go through the generic helper spill and forget the cache like
//! the integer one.

use dynasmrt::{dynasm, DynasmApi};
use rvisor_cpu::interp::Op;
use rvisor_cpu::Hart;
use rvisor_isa::Inst;

use super::regs::{RegCache, St};
use super::Emitter;

/// xmm registers the cache may use, in order of preference.
const FHOST: [u8; 11] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// Offset of `Hart::f[r]` from the hart pointer.
pub(super) fn fo(r: u8) -> i32 {
    std::mem::offset_of!(Hart, f) as i32 + 8 * i32::from(r & 31)
}

/// The f registers an F/D instruction reads and writes, and whether its
/// template knows of the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FUse {
    reads: [u8; 3],
    n: usize,
    write: Option<u8>,
    aware: bool,
}

impl FUse {
    /// Whether the instruction's template knows of the cache.
    pub(super) fn aware(&self) -> bool {
        self.aware
    }
}

fn fuse(aware: bool, write: Option<u8>, reads: &[u8]) -> FUse {
    let mut r = [0; 3];
    r[..reads.len()].copy_from_slice(reads);
    FUse {
        reads: r,
        n: reads.len(),
        write,
        aware,
    }
}

/// The f registers `inst` names; `None` for an instruction that names
/// none.
pub(super) fn uses(inst: &Inst) -> Option<FUse> {
    use Inst::*;
    Some(match *inst {
        FaddD { rd, rs1, rs2, .. }
        | FsubD { rd, rs1, rs2, .. }
        | FmulD { rd, rs1, rs2, .. }
        | FdivD { rd, rs1, rs2, .. }
        | FsgnjD { rd, rs1, rs2 }
        | FsgnjnD { rd, rs1, rs2 }
        | FsgnjxD { rd, rs1, rs2 } => fuse(true, Some(rd), &[rs1, rs2]),
        FsqrtD { rd, rs1, .. } => fuse(true, Some(rd), &[rs1]),
        FmaddD {
            rd, rs1, rs2, rs3, ..
        }
        | FmsubD {
            rd, rs1, rs2, rs3, ..
        }
        | FnmsubD {
            rd, rs1, rs2, rs3, ..
        }
        | FnmaddD {
            rd, rs1, rs2, rs3, ..
        } => fuse(true, Some(rd), &[rs1, rs2, rs3]),
        FeqD { rs1, rs2, .. } | FltD { rs1, rs2, .. } | FleD { rs1, rs2, .. } => {
            fuse(true, None, &[rs1, rs2])
        }
        Fld { rd, .. }
        | FmvDX { rd, .. }
        | FcvtDW { rd, .. }
        | FcvtDWu { rd, .. }
        | FcvtDL { rd, .. } => fuse(true, Some(rd), &[]),
        Fsd { rs2, .. } => fuse(true, None, &[rs2]),
        FmvXD { rs1, .. } | FcvtLD { rs1, .. } | FcvtWD { rs1, .. } => fuse(true, None, &[rs1]),
        // Templates (or helpers) that read and write `Hart::f` only.
        FaddS { rd, rs1, rs2, .. }
        | FsubS { rd, rs1, rs2, .. }
        | FmulS { rd, rs1, rs2, .. }
        | FdivS { rd, rs1, rs2, .. }
        | FsgnjS { rd, rs1, rs2 }
        | FsgnjnS { rd, rs1, rs2 }
        | FsgnjxS { rd, rs1, rs2 }
        | FminS { rd, rs1, rs2 }
        | FmaxS { rd, rs1, rs2 }
        | FminD { rd, rs1, rs2 }
        | FmaxD { rd, rs1, rs2 } => fuse(false, Some(rd), &[rs1, rs2]),
        FsqrtS { rd, rs1, .. } | FcvtSD { rd, rs1, .. } | FcvtDS { rd, rs1, .. } => {
            fuse(false, Some(rd), &[rs1])
        }
        FmaddS {
            rd, rs1, rs2, rs3, ..
        }
        | FmsubS {
            rd, rs1, rs2, rs3, ..
        }
        | FnmsubS {
            rd, rs1, rs2, rs3, ..
        }
        | FnmaddS {
            rd, rs1, rs2, rs3, ..
        } => fuse(false, Some(rd), &[rs1, rs2, rs3]),
        FeqS { rs1, rs2, .. } | FltS { rs1, rs2, .. } | FleS { rs1, rs2, .. } => {
            fuse(false, None, &[rs1, rs2])
        }
        FcvtWS { rs1, .. }
        | FcvtWuS { rs1, .. }
        | FcvtLS { rs1, .. }
        | FcvtLuS { rs1, .. }
        | FmvXW { rs1, .. }
        | FclassS { rs1, .. }
        | FclassD { rs1, .. }
        | FcvtWuD { rs1, .. }
        | FcvtLuD { rs1, .. } => fuse(false, None, &[rs1]),
        FcvtSW { rd, .. }
        | FcvtSWu { rd, .. }
        | FcvtSL { rd, .. }
        | FcvtSLu { rd, .. }
        | FmvWX { rd, .. }
        | Flw { rd, .. }
        | FcvtDLu { rd, .. } => fuse(false, Some(rd), &[]),
        Fsw { rs2, .. } => fuse(false, None, &[rs2]),
        _ => return None,
    })
}

/// Choose the cached f registers of the block `ops` into `c`: those
/// cache-aware templates use at least twice (uses inside loops weighted
/// as in [`RegCache::plan`]), the most used first; a use by another
/// template counts against (it costs a write-back or a reload).
pub(super) fn plan(c: &mut RegCache, ops: &[Op], depth: &[u8]) {
    // Most translations have no F/D instruction.
    if !ops.iter().any(|op| uses(&op.inst).is_some()) {
        return;
    }
    let mut count = [0u32; 32];
    let mut other = [0u32; 32];
    let mut first = [usize::MAX; 32];
    let mut written = 0u32;
    for (i, op) in ops.iter().enumerate() {
        let Some(u) = uses(&op.inst) else {
            continue;
        };
        let weight = 8u32.pow(u32::from(depth.get(i).copied().unwrap_or(0).min(3)));
        for r in u.reads[..u.n].iter().copied().chain(u.write) {
            let r = usize::from(r & 31);
            if u.aware {
                count[r] += weight;
                first[r] = first[r].min(i);
            } else {
                other[r] += weight;
            }
        }
        if let Some(rd) = u.write {
            written |= 1 << (rd & 31);
        }
    }
    let mut regs: Vec<usize> = (0..32)
        .filter(|&r| count[r] >= 2 && count[r] >= 2 * other[r])
        .collect();
    regs.sort_by_key(|&r| (std::cmp::Reverse(count[r]), first[r]));
    for (&r, &x) in regs.iter().zip(FHOST.iter()) {
        c.fhost[r] = x;
        c.fmask |= 1 << r;
    }
    c.fwritten = written;
}

/// Where an f register's value is: an xmm register, or its `Hart::f`
/// slot (`[rbx + offset]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FLoc {
    Xmm(u8),
    Mem(i32),
}

impl Emitter {
    /// Before an F/D instruction whose template does not know of the
    /// cache (`u`, not aware): the cached registers it names are written
    /// back if dirty.
    pub(super) fn fsync_before(&mut self, u: &FUse) {
        for r in u.reads[..u.n].iter().copied().chain(u.write) {
            let i = usize::from(r & 31);
            let x = self.regs.fhost[i];
            if x != 0 && self.regs.fst[i] == St::Dirty {
                dynasm!(self.a ; .arch x64 ; movsd QWORD [rbx + fo(r)], Rx(x));
                self.regs.fst[i] = St::Clean;
            }
        }
    }

    /// After such an instruction: the register it wrote in `Hart::f` is
    /// read from there when next used.
    pub(super) fn fsync_after(&mut self, u: &FUse) {
        if let Some(rd) = u.write {
            let i = usize::from(rd & 31);
            if self.regs.fhost[i] != 0 {
                self.regs.fst[i] = St::Memory;
            }
        }
    }

    /// Where f[r] is now; a cached register not loaded yet is loaded.
    /// As with [`Self::loc`], every operand is located before a template's
    /// first jump to its out-of-line path.
    pub(super) fn floc(&mut self, r: u8) -> FLoc {
        let i = usize::from(r & 31);
        match self.regs.fhost[i] {
            0 => FLoc::Mem(fo(r)),
            x => {
                if self.regs.fst[i] == St::Memory {
                    dynasm!(self.a ; .arch x64 ; movsd Rx(x), QWORD [rbx + fo(r)]);
                    self.regs.fst[i] = St::Clean;
                }
                FLoc::Xmm(x)
            }
        }
    }

    /// The cache state a slow path starts from, for a template whose
    /// helper writes f[rd] (if `rd`) in `Hart::f`: rd is reloaded after
    /// the helper like every loaded register.
    pub(super) fn fsnapshot(&self, rd: Option<u8>) -> RegCache {
        let mut s = self.regs;
        if let Some(rd) = rd {
            let i = usize::from(rd & 31);
            if s.fhost[i] != 0 && s.fst[i] == St::Memory {
                s.fst[i] = St::Clean;
            }
        }
        s
    }

    /// xmm `dst` (a scratch register) = the value at `loc`.
    pub(super) fn fmov_to(&mut self, dst: u8, loc: FLoc) {
        match loc {
            FLoc::Xmm(x) if x == dst => {}
            FLoc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movapd Rx(dst), Rx(x)),
            FLoc::Mem(m) => dynasm!(self.a ; .arch x64 ; movsd Rx(dst), QWORD [rbx + m]),
        }
    }

    /// Integer register `dst` = the bits at `loc`.
    pub(super) fn fbits_to(&mut self, dst: u8, loc: FLoc) {
        match loc {
            FLoc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movq Rq(dst), Rx(x)),
            FLoc::Mem(m) => dynasm!(self.a ; .arch x64 ; mov Rq(dst), QWORD [rbx + m]),
        }
    }

    /// f[rd] = xmm `src`'s low 64 bits. After the template's last jump to
    /// its out-of-line path.
    pub(super) fn fset(&mut self, rd: u8, src: u8) {
        let i = usize::from(rd & 31);
        match self.regs.fhost[i] {
            0 => dynasm!(self.a ; .arch x64 ; movsd QWORD [rbx + fo(rd)], Rx(src)),
            x => {
                if x != src {
                    dynasm!(self.a ; .arch x64 ; movapd Rx(x), Rx(src));
                }
                self.regs.fst[i] = St::Dirty;
            }
        }
    }

    /// f[rd] = the bits of integer register `src`. After the template's
    /// last jump to its out-of-line path.
    pub(super) fn fset_bits(&mut self, rd: u8, src: u8) {
        let i = usize::from(rd & 31);
        match self.regs.fhost[i] {
            0 => dynasm!(self.a ; .arch x64 ; mov QWORD [rbx + fo(rd)], Rq(src)),
            x => {
                dynasm!(self.a ; .arch x64 ; movq Rx(x), Rq(src));
                self.regs.fst[i] = St::Dirty;
            }
        }
    }

    /// f[rd] = the double at `[rsi + rcx]` (a load's access).
    pub(super) fn fset_loaded(&mut self, rd: u8) {
        let i = usize::from(rd & 31);
        match self.regs.fhost[i] {
            0 => dynasm!(self.a
                ; .arch x64
                ; mov rax, [rsi + rcx]
                ; mov [rbx + fo(rd)], rax
            ),
            x => {
                dynasm!(self.a ; .arch x64 ; movsd Rx(x), QWORD [rsi + rcx]);
                self.regs.fst[i] = St::Dirty;
            }
        }
    }

    /// `[rsi + rcx]` = the double at `loc` (a store's access).
    pub(super) fn fstore_from(&mut self, loc: FLoc) {
        match loc {
            FLoc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movsd QWORD [rsi + rcx], Rx(x)),
            FLoc::Mem(m) => dynasm!(self.a
                ; .arch x64
                ; mov rdx, [rbx + m]
                ; mov [rsi + rcx], rdx
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_op as op;
    use rvisor_isa::RoundingMode;

    fn fadd(rd: u8, rs1: u8, rs2: u8) -> Inst {
        Inst::FaddD {
            rd,
            rs1,
            rs2,
            rm: RoundingMode::Dyn,
        }
    }

    #[test]
    fn doubles_used_twice_are_cached() {
        let ops = [op(fadd(1, 2, 3)), op(fadd(1, 1, 2)), op(fadd(4, 1, 1))];
        let c = RegCache::plan(&ops, &[0; 3]);
        assert_ne!(c.fhost[1], 0);
        assert_ne!(c.fhost[2], 0);
        assert_eq!(c.fhost[3], 0, "used once");
        assert_eq!(c.fhost[4], 0, "used once");
        assert_eq!(c.fwritten, 1 << 1 | 1 << 4);
        assert!(c.fcached().all(|(_, x)| (5..=15).contains(&x)));
    }

    #[test]
    fn registers_single_precision_instructions_use_more_stay_in_memory() {
        let fadd_s = |rd, rs1, rs2| {
            op(Inst::FaddS {
                rd,
                rs1,
                rs2,
                rm: RoundingMode::Dyn,
            })
        };
        let ops = [
            op(fadd(1, 2, 2)),
            op(fadd(1, 1, 2)),
            fadd_s(5, 2, 6),
            fadd_s(5, 1, 5),
            fadd_s(5, 2, 5),
        ];
        let c = RegCache::plan(&ops, &[0; 5]);
        assert_ne!(c.fhost[1], 0, "three uses in line, one by fadd.s");
        assert_eq!(c.fhost[2], 0, "three uses in line, two by fadd.s");
    }

    #[test]
    fn at_most_eleven_are_cached() {
        let ops: Vec<Op> = (0..32u8).map(|r| op(fadd(r, r, r))).collect();
        let c = RegCache::plan(&ops, &[0; 32]);
        assert_eq!(c.fcached().count(), FHOST.len());
    }
}
