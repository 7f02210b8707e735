//! AMOs in line: `amoadd`/`amoswap`, and `amoand`/`amoor`/`amoxor` into
//! x0, as one locked x86 instruction on the host address after the store
//! probe. Linux's atomics, reference counts and bit operations are these;
//! through the generic helper each one wrote back and reloaded the cached
//! registers.

use dynasmrt::{dynasm, DynasmApi, DynasmLabelApi};
use rvisor_cpu::interp::Op;
use rvisor_isa::Inst;

use super::regs::{Loc, RAX};
use super::{Emitter, Site, SlowCall, Stub};

/// The locked x86 operation of an AMO done in line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AmoKind {
    Add,
    Swap,
    And,
    Or,
    Xor,
}

/// An AMO done in line: its operation, size, rd, rs1 and rs2.
pub(crate) type AmoInLine = (AmoKind, u8, u8, u8, u8);

/// The AMOs with an inline template: `amoadd` and `amoswap`, and
/// `amoand`/`amoor`/`amoxor` whose old value nobody reads (rd = x0, as in
/// Linux's `set_bit`/`clear_bit`: one locked x86 instruction, where the
/// old value would need a compare-exchange loop). The kernel's atomics and
/// bit operations are these.
pub(crate) fn amo_in_line(inst: &Inst) -> Option<AmoInLine> {
    use AmoKind::*;
    use Inst::*;
    let (kind, size, rd, rs1, rs2) = match *inst {
        AmoaddW { rd, rs1, rs2, .. } => (Add, 4, rd, rs1, rs2),
        AmoaddD { rd, rs1, rs2, .. } => (Add, 8, rd, rs1, rs2),
        AmoswapW { rd, rs1, rs2, .. } => (Swap, 4, rd, rs1, rs2),
        AmoswapD { rd, rs1, rs2, .. } => (Swap, 8, rd, rs1, rs2),
        AmoandW {
            rd: 0, rs1, rs2, ..
        } => (And, 4, 0, rs1, rs2),
        AmoandD {
            rd: 0, rs1, rs2, ..
        } => (And, 8, 0, rs1, rs2),
        AmoorW {
            rd: 0, rs1, rs2, ..
        } => (Or, 4, 0, rs1, rs2),
        AmoorD {
            rd: 0, rs1, rs2, ..
        } => (Or, 8, 0, rs1, rs2),
        AmoxorW {
            rd: 0, rs1, rs2, ..
        } => (Xor, 4, 0, rs1, rs2),
        AmoxorD {
            rd: 0, rs1, rs2, ..
        } => (Xor, 8, 0, rs1, rs2),
        _ => return None,
    };
    Some((kind, size, rd, rs1, rs2))
}

impl Emitter {
    /// An AMO in line ([`amo_in_line`]): the store probe, an alignment
    /// test, then one locked x86 instruction on the host address (locked
    /// like the interpreter's atomics, so harts agree); anything else (a
    /// miss, misalignment, MMIO, a flagged page) runs the interpreter's
    /// semantics out of line (`op` must stay alive as long as the code).
    pub(super) fn amo(&mut self, op: &Op, (kind, size, rd, rs1, rs2): AmoInLine, site: Site) {
        let fail = self.a.new_dynamic_label();
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        let access = self.a.new_dynamic_label();
        let value = self.loc(rs2);
        // The address in rsi (for the alignment test) whatever the mode:
        // an AMO is in no probe group.
        debug_assert!(self.mem_role.is_none(), "an AMO is in no probe group");
        let regs = self.va_probe((rs1, 0, size, true), slow, access);
        dynasm!(self.a ; .arch x64 ; test esi, i32::from(size) - 1 ; jnz =>slow);
        match value {
            Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov rax, Rq(h)),
            Loc::Mem(m) => dynasm!(self.a ; .arch x64 ; mov rax, [rbx + m]),
        }
        match (kind, size) {
            (AmoKind::Add, 4) => dynasm!(self.a ; .arch x64 ; lock xadd [rsi + rcx], eax),
            (AmoKind::Add, _) => dynasm!(self.a ; .arch x64 ; lock xadd [rsi + rcx], rax),
            (AmoKind::Swap, 4) => dynasm!(self.a ; .arch x64 ; xchg [rsi + rcx], eax),
            (AmoKind::Swap, _) => dynasm!(self.a ; .arch x64 ; xchg [rsi + rcx], rax),
            (AmoKind::And, 4) => dynasm!(self.a ; .arch x64 ; lock and [rsi + rcx], eax),
            (AmoKind::And, _) => dynasm!(self.a ; .arch x64 ; lock and [rsi + rcx], rax),
            (AmoKind::Or, 4) => dynasm!(self.a ; .arch x64 ; lock or [rsi + rcx], eax),
            (AmoKind::Or, _) => dynasm!(self.a ; .arch x64 ; lock or [rsi + rcx], rax),
            (AmoKind::Xor, 4) => dynasm!(self.a ; .arch x64 ; lock xor [rsi + rcx], eax),
            (AmoKind::Xor, _) => dynasm!(self.a ; .arch x64 ; lock xor [rsi + rcx], rax),
        }
        if size == 4 && rd != 0 {
            dynasm!(self.a ; .arch x64 ; movsxd rax, eax);
        }
        dynasm!(self.a ; .arch x64 ; =>resume);
        if rd != 0 {
            self.set_rd(rd, RAX);
        }
        self.stubs.push(Stub::Slow {
            label: slow,
            resume,
            fail,
            call: SlowCall::Ext(op as *const Op, rd),
            regs,
            keep: std::mem::take(&mut self.keep),
            va: None,
        });
        self.stubs.push(Stub::Helper { label: fail, site });
    }
}
