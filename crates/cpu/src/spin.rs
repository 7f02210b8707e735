//! Spin-loop detection, the software counterpart of KVM's pause-loop
//! exiting: a hart that keeps re-running the same short loop without any
//! change to its registers is waiting for another hart (a lock, an IPI
//! acknowledgement, a flag), and its host thread gives the CPU away so that
//! the hart it waits for can run when the host has fewer cores free than
//! the guest has harts: a yield while the running harts fit the host's
//! cores, a short sleep after a few yields when they do not ([`Wait`]).
//!
//! Engines count passes through the entry of the blocks
//! [`spin_candidate`] picks (a pause hint, or the short back-branch block of
//! a loop) and call [`Hart::spin_point`] every [`SAMPLE`] passes. A yield is invisible to the guest: no
//! architectural state changes, and the next block boundary still takes
//! pending interrupts and requests at once.

use rvisor_isa::Inst;

use crate::interp::Op;
use crate::Hart;

/// Passes through spin points between two looks at the registers (the
/// translator counts them down inline, so a loop that is not spinning pays
/// one decrement per pass).
pub const SAMPLE: u32 = 256;

/// Sampled passes in a row with unchanged registers before the hart is
/// taken to be spinning (`SAMPLE * DETECT` passes: a short wait costs less
/// spun than given away).
pub const DETECT: u32 = 4;

/// Calls while spinning that miss the spin point before the detector
/// forgets it (the loop was left through another way).
const FORGET_AFTER: u32 = 64;

/// Yields of one wait before a hart that shares the host's cores with
/// more running harts than there are cores sleeps instead (see
/// [`Wait`]).
const YIELDS_BEFORE_SLEEP: u32 = 16;

/// How long such a hart sleeps per pass.
const SLEEP: std::time::Duration = std::time::Duration::from_micros(20);

/// How a spinning hart gives its host thread's CPU away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// `sched_yield`: the hart it waits for runs on another core, or gets
    /// this one at once if it is runnable there.
    Yield,
    /// A short sleep. With more running harts than cores, the hart waited
    /// for may be preempted, and a yield hands the core to a thread that
    /// is spinning too: each round of a `stop_machine` (which needs every
    /// hart) then took a scheduler slice per spinner. An 8-hart Debian boot
    /// on 2 cores went from 4.6 s to 2.1 s to READY; with as many harts as
    /// cores a sleep only adds its wake-up to short waits (2 harts: 1.33 s
    /// against 1.49 s sleeping).
    Sleep,
}

/// The way the `yields`-th yield of a wait gives the CPU away, with
/// `running` harts running guest code on a host of `cores` cores.
pub fn wait_kind(yields: u32, running: usize, cores: usize) -> Wait {
    if running > cores && yields >= YIELDS_BEFORE_SLEEP {
        Wait::Sleep
    } else {
        Wait::Yield
    }
}

/// Cores the host gives this process (at least 1).
pub fn host_cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Whether fewer harts run guest code than the host has cores: one is
/// free for a hart's halt polling or a compiler thread.
pub fn core_spare(writers: &rvisor_memory::writers::Writers) -> bool {
    writers.running() < host_cores()
}

/// Longest block (in instructions) taken for a spin loop's body.
const MAX_OPS: usize = 8;

/// Furthest backward jump (in bytes) a spin loop makes.
const MAX_BACK: u64 = 64;

/// What the detector remembers of the last spin point sampled.
#[derive(Clone, Debug)]
pub struct SpinState {
    /// Passes left before the next call to [`Hart::spin_point`]; the
    /// translator decrements it inline at every spin point.
    pub countdown: u32,
    pc: u64,
    mask: u32,
    regs: [u64; 32],
    streak: u32,
    spinning: bool,
    misses: u32,
    /// Yields since the wait began.
    yields: u32,
}

impl Default for SpinState {
    fn default() -> Self {
        Self {
            countdown: SAMPLE,
            pc: u64::MAX,
            mask: u32::MAX,
            regs: [0; 32],
            streak: 0,
            spinning: false,
            misses: 0,
            yields: 0,
        }
    }
}

impl SpinState {
    fn sample(&mut self, pc: u64, mask: u32, regs: &[u64; 32]) {
        self.pc = pc;
        self.mask = mask;
        self.regs = *regs;
        self.streak = 0;
        self.spinning = false;
        self.misses = 0;
        self.yields = 0;
        self.countdown = SAMPLE;
    }
}

/// `pause` (Zihintpause): `fence w,0`, what Linux's `cpu_relax()` runs.
pub fn is_pause(inst: &Inst) -> bool {
    matches!(
        inst,
        Inst::Fence {
            pred: 1,
            succ: 0,
            fm: 0
        }
    )
}

fn is_load(inst: &Inst) -> bool {
    use Inst::*;
    matches!(
        inst,
        Lb { .. }
            | Lh { .. }
            | Lw { .. }
            | Ld { .. }
            | Lbu { .. }
            | Lhu { .. }
            | Lwu { .. }
            | LrW { .. }
            | LrD { .. }
            | Flw { .. }
            | Fld { .. }
    )
}

/// Anything that writes memory (or may: AMOs, SC) is progress, not a wait.
fn may_store(inst: &Inst) -> bool {
    use Inst::*;
    matches!(
        inst,
        Sb { .. }
            | Sh { .. }
            | Sw { .. }
            | Sd { .. }
            | Fsw { .. }
            | Fsd { .. }
            | ScW { .. }
            | ScD { .. }
            | AmoswapW { .. }
            | AmoaddW { .. }
            | AmoxorW { .. }
            | AmoandW { .. }
            | AmoorW { .. }
            | AmominW { .. }
            | AmomaxW { .. }
            | AmominuW { .. }
            | AmomaxuW { .. }
            | AmoswapD { .. }
            | AmoaddD { .. }
            | AmoxorD { .. }
            | AmoandD { .. }
            | AmoorD { .. }
            | AmominD { .. }
            | AmomaxD { .. }
            | AmominuD { .. }
            | AmomaxuD { .. }
    )
}

/// The backward target of a block's last instruction, if it jumps or
/// branches back at most `MAX_BACK` bytes before the block's start `pc`
/// (or to the start itself).
fn backward_target(pc: u64, op: &Op) -> Option<u64> {
    use Inst::*;
    let imm = match op.inst {
        Jal { rd: 0, imm } => imm,
        Beq { imm, .. }
        | Bne { imm, .. }
        | Blt { imm, .. }
        | Bge { imm, .. }
        | Bltu { imm, .. }
        | Bgeu { imm, .. } => imm,
        _ => return None,
    };
    let at = pc.wrapping_add(u64::from(op.off));
    let target = at.wrapping_add(imm as i64 as u64);
    (target <= pc && pc - target <= MAX_BACK).then_some(target)
}

/// ra, sp, gp, tp, s0-s11: a loop that calls functions keeps its state
/// there.
const CALLEE_SAVED: u32 = 0b0000_1111_1111_1100_0000_0011_0001_1110;

fn bit(r: u8) -> u32 {
    1 << (r & 31)
}

/// The integer registers `inst` reads (all of them for kinds a spin
/// candidate rarely holds).
fn reads(inst: &Inst) -> u32 {
    use Inst::*;
    match (inst.int_operands(), *inst) {
        (Some(([a, b], _)), _) => bit(a) | bit(b),
        (None, Fence { .. }) => 0,
        (None, LrW { rs1, .. } | LrD { rs1, .. } | Flw { rs1, .. } | Fld { rs1, .. }) => bit(rs1),
        (None, _) => u32::MAX,
    }
}

/// Whether the block at `pc` made of `ops` (as an engine will run them)
/// looks like the end of a spin-wait's body: it holds a pause hint, or it
/// is short, never stores, and jumps back at most `MAX_BACK` bytes. A
/// block that jumps back to its own start must also load (otherwise it is
/// a counted loop, whose every pass the countdown would slow down).
///
/// `Some(mask)`: the integer registers whose change means progress: those
/// the block reads, and the callee-saved ones. Loops that call functions
/// (OpenSBI's wait for remote fences takes and drops a lock per pass, so
/// ticket values pass through its temporaries) are caught at their short
/// back-branch block and compared on these only.
pub fn spin_candidate(pc: u64, ops: &[Op]) -> Option<u32> {
    // Every block the interpreter decodes asks: the cheap tests first,
    // the mask only for the few that qualify.
    let candidate = ops.iter().any(|op| is_pause(&op.inst))
        || ops.len() <= MAX_OPS
            && ops
                .last()
                .and_then(|last| backward_target(pc, last))
                .is_some_and(|target| {
                    !ops.iter().any(|op| may_store(&op.inst))
                        && (target < pc || ops.iter().any(|op| is_load(&op.inst)) && !steps(ops))
                });
    candidate.then(|| ops.iter().fold(CALLEE_SAVED, |m, op| m | reads(&op.inst)) & !1)
}

/// Whether the loop `ops` (all of it, back to its start) steps a register
/// from its value of the pass before (a counter, a pointer walking an
/// array or a list): it makes progress every pass, so it is not waiting.
fn steps(ops: &[Op]) -> bool {
    let mut written = 0u32;
    for op in ops {
        if let Some((reads, rd)) = op.inst.int_operands() {
            if rd != 0 && reads.contains(&rd) && written & bit(rd) == 0 {
                return true;
            }
            written |= bit(rd);
        }
    }
    false
}

/// Are the registers in `mask` those of the last sample? (One pass
/// without early exit; it runs once every `SAMPLE` passes.)
#[inline(always)]
fn same_regs(a: &[u64; 32], b: &[u64; 32], mask: u32) -> bool {
    let mut diff = 0;
    for i in 1..32 {
        let keep = 0u64.wrapping_sub(u64::from(mask >> i & 1));
        diff |= (a[i] ^ b[i]) & keep;
    }
    diff == 0
}

impl Hart {
    /// A pass through a spin point at `pc` (whose registers of interest
    /// are `mask`, from [`spin_candidate`]) when the countdown ran out. The
    /// hart spins if it comes back to the same point with the same
    /// registers sample after sample; then its host thread yields at every
    /// pass until the registers change (the awaited store arrived).
    #[inline(never)]
    pub fn spin_point(&mut self, pc: u64, mask: u32) {
        let s = &mut self.spin;
        if pc != s.pc {
            if s.spinning && s.misses < FORGET_AFTER {
                // Another point of the same loop: wait for ours.
                s.misses += 1;
                s.countdown = 1;
            } else {
                s.sample(pc, mask, &self.x);
            }
            return;
        }
        if !same_regs(&s.regs, &self.x, s.mask) {
            s.sample(pc, mask, &self.x);
            return;
        }
        s.misses = 0;
        s.streak = s.streak.saturating_add(1);
        if s.streak < DETECT {
            s.countdown = SAMPLE;
            return;
        }
        s.spinning = true;
        s.countdown = 1;
        self.stats.spin_yields += 1;
        let yields = s.yields;
        s.yields = yields.saturating_add(1);
        match wait_kind(yields, self.ram.writers().running(), host_cores()) {
            Wait::Yield => std::thread::yield_now(),
            Wait::Sleep => std::thread::sleep(SLEEP),
        }
    }

    /// [`spin_point`](Self::spin_point) behind the countdown, as the
    /// translator runs it (for the interpreter and tests).
    #[inline]
    pub fn spin_pass(&mut self, pc: u64, mask: u32) {
        self.spin.countdown = self.spin.countdown.wrapping_sub(1);
        if self.spin.countdown == 0 {
            self.spin_point(pc, mask);
        }
    }

    /// Whether the detector takes the hart to be spinning.
    pub fn spinning(&self) -> bool {
        self.spin.spinning
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(inst: Inst, off: u16) -> Op {
        Op {
            inst,
            raw: 0,
            off,
            len: 4,
        }
    }

    #[test]
    fn ticket_lock_wait_is_a_candidate() {
        // OpenSBI's spin_lock: 308: and; beq out / 310: lw; fence r,rw; j 308.
        let body = [
            op(
                Inst::Lw {
                    rd: 13,
                    rs1: 10,
                    imm: 0,
                },
                0,
            ),
            op(
                Inst::Fence {
                    pred: 2,
                    succ: 3,
                    fm: 0,
                },
                4,
            ),
            op(Inst::Jal { rd: 0, imm: -8 }, 8),
        ];
        assert!(spin_candidate(0x8000_a310, &body).is_some());
    }

    #[test]
    fn stores_calls_and_long_jumps_are_not() {
        let store_loop = [
            op(
                Inst::Lw {
                    rd: 13,
                    rs1: 10,
                    imm: 0,
                },
                0,
            ),
            op(
                Inst::Sw {
                    rs1: 11,
                    rs2: 13,
                    imm: 0,
                },
                4,
            ),
            op(
                Inst::Bne {
                    rs1: 13,
                    rs2: 0,
                    imm: -8,
                },
                8,
            ),
        ];
        assert!(spin_candidate(0x1000, &store_loop).is_none());
        let far = [
            op(
                Inst::Lw {
                    rd: 13,
                    rs1: 10,
                    imm: 0,
                },
                0,
            ),
            op(
                Inst::Bne {
                    rs1: 13,
                    rs2: 0,
                    imm: -200,
                },
                4,
            ),
        ];
        assert!(spin_candidate(0x1000, &far).is_none());
        let forward = [
            op(
                Inst::Lw {
                    rd: 13,
                    rs1: 10,
                    imm: 0,
                },
                0,
            ),
            op(
                Inst::Bne {
                    rs1: 13,
                    rs2: 0,
                    imm: 8,
                },
                4,
            ),
        ];
        assert!(spin_candidate(0x1000, &forward).is_none());
        let counted = [
            op(
                Inst::Addi {
                    rd: 5,
                    rs1: 5,
                    imm: -1,
                },
                0,
            ),
            op(
                Inst::Bne {
                    rs1: 5,
                    rs2: 0,
                    imm: -4,
                },
                4,
            ),
        ];
        assert!(spin_candidate(0x1000, &counted).is_none());
        // The back branch of a loop through calls (OpenSBI's tlb_sync).
        let latch = [op(
            Inst::Bne {
                rs1: 10,
                rs2: 0,
                imm: -22,
            },
            0,
        )];
        let mask = spin_candidate(0x8000_64dc, &latch).expect("candidate");
        // a0 (the dequeue's result) and the callee-saved registers, not
        // the temporaries the lock's tickets pass through.
        assert_eq!(
            mask & (1 << 10 | 1 << 11 | 1 << 2 | 1 << 9),
            1 << 10 | 1 << 2 | 1 << 9
        );
    }

    #[test]
    fn loops_stepping_a_register_are_not() {
        let lw = |rd, rs1, off| op(Inst::Lw { rd, rs1, imm: 0 }, off);
        let back = |rs1, imm, off| op(Inst::Bne { rs1, rs2: 0, imm }, off);
        // A list walk: a0 = a0->next.
        let list = [
            op(
                Inst::Ld {
                    rd: 10,
                    rs1: 10,
                    imm: 0,
                },
                0,
            ),
            lw(15, 10, 4),
            back(15, -8, 8),
        ];
        assert!(spin_candidate(0x1000, &list).is_none());
        // An array walk: the pointer steps.
        let array = [
            lw(15, 13, 0),
            op(
                Inst::Addi {
                    rd: 13,
                    rs1: 13,
                    imm: 4,
                },
                4,
            ),
            back(15, -8, 8),
        ];
        assert!(spin_candidate(0x1000, &array).is_none());
        // A poll whose loaded value is extended in place is still a wait:
        // the register is written before it is read.
        let poll = [
            lw(15, 10, 0),
            op(
                Inst::Addiw {
                    rd: 15,
                    rs1: 15,
                    imm: 0,
                },
                4,
            ),
            op(
                Inst::Beq {
                    rs1: 15,
                    rs2: 0,
                    imm: -8,
                },
                8,
            ),
        ];
        assert!(spin_candidate(0x1000, &poll).is_some());
    }

    #[test]
    fn only_a_loop_that_changes_nothing_yields() {
        let mut h = crate::test_util::hart();
        h.x[13] = 1;
        let detect = SAMPLE * (DETECT + 1);
        for _ in 0..detect - 1 {
            h.spin_pass(0x8000_0010, u32::MAX);
        }
        assert!(!h.spinning());
        h.spin_pass(0x8000_0010, u32::MAX);
        assert!(h.spinning());
        assert_eq!(h.stats.spin_yields, 1);
        // Spinning: every pass yields, and passes through another point of
        // the loop do not end it.
        for _ in 0..10 {
            h.spin_pass(0x8000_0010, u32::MAX);
            h.spin_pass(0x8000_0020, u32::MAX);
        }
        assert!(h.spinning());
        assert_eq!(h.stats.spin_yields, 11);
        // The loaded value changed: the wait is over.
        h.x[13] = 0;
        h.spin_pass(0x8000_0010, u32::MAX);
        assert!(!h.spinning());
        // A loop making progress through a counter never yields.
        for i in 0..10 * detect {
            h.x[5] = u64::from(i);
            h.spin_pass(0x8000_0010, u32::MAX);
        }
        assert!(!h.spinning());
        assert_eq!(h.stats.spin_yields, 11);
    }

    #[test]
    fn a_hart_sleeps_only_when_running_harts_outnumber_the_cores() {
        // As many running harts as cores, or fewer: always a yield.
        for yields in [0, YIELDS_BEFORE_SLEEP, 1000] {
            assert_eq!(wait_kind(yields, 2, 2), Wait::Yield);
            assert_eq!(wait_kind(yields, 1, 2), Wait::Yield);
        }
        // More: a short wait still yields, a long one sleeps.
        assert_eq!(wait_kind(0, 8, 2), Wait::Yield);
        assert_eq!(wait_kind(YIELDS_BEFORE_SLEEP - 1, 3, 2), Wait::Yield);
        assert_eq!(wait_kind(YIELDS_BEFORE_SLEEP, 3, 2), Wait::Sleep);
        assert_eq!(wait_kind(u32::MAX, 8, 2), Wait::Sleep);
    }

    #[test]
    fn registers_outside_the_mask_do_not_count() {
        let mut h = crate::test_util::hart();
        for i in 0..SAMPLE * (DETECT + 1) {
            h.x[11] = u64::from(i);
            h.spin_pass(0x8000_0010, 1 << 10);
        }
        assert!(h.spinning());
    }

    #[test]
    fn a_spin_left_another_way_is_forgotten() {
        let mut h = crate::test_util::hart();
        for _ in 0..SAMPLE * (DETECT + 1) {
            h.spin_pass(0x8000_0010, u32::MAX);
        }
        assert!(h.spinning());
        for _ in 0..=FORGET_AFTER {
            h.spin_pass(0x8000_0040, u32::MAX);
        }
        assert!(!h.spinning());
        assert_eq!(h.spin.countdown, SAMPLE);
    }

    #[test]
    fn a_pause_makes_any_block_a_candidate() {
        let relax = [
            op(
                Inst::Div {
                    rd: 15,
                    rs1: 15,
                    rs2: 0,
                },
                0,
            ),
            op(
                Inst::Fence {
                    pred: 1,
                    succ: 0,
                    fm: 0,
                },
                4,
            ),
            op(Inst::Jal { rd: 0, imm: 400 }, 8),
        ];
        assert!(spin_candidate(0x1000, &relax).is_some());
    }
}
