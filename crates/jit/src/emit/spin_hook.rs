//! The translator's side of spin-loop detection (`rvisor_cpu::spin`): at
//! the entry of every block the detector takes for the end of a spin-wait
//! body, an inline countdown and, when it runs out, a call to
//! [`Hart::spin_point`]; so a spinning hart yields its host thread even
//! while its loop runs chained, never back in the dispatcher.

use dynasmrt::{dynasm, DynasmApi, DynasmLabelApi};
use rvisor_cpu::Hart;

use super::Emitter;

const COUNTDOWN: i32 = std::mem::offset_of!(Hart, spin.countdown) as i32;

type SpinFn = extern "sysv64" fn(*mut Hart, u64, u32);

/// Called from translated code with the block's guest pc and register
/// mask.
extern "sysv64" fn spin_point(hart: *mut Hart, pc: u64, mask: u32) {
    // SAFETY: translated code runs only inside `Jit::run`, which holds the
    // `&mut Hart` it passed in rbx for the whole run; nothing else refers
    // to the hart meanwhile.
    let hart = unsafe { &mut *hart };
    hart.spin_point(pc, mask);
}

impl Emitter {
    /// Emit the spin point of the block at guest `pc` (`mask`: from
    /// `spin_candidate`). Nothing is live in
    /// scratch registers at a block's entry, and the hart's state is exact
    /// there (guest registers live in the hart).
    pub(super) fn spin_point(&mut self, pc: u64, mask: u32) {
        dynasm!(self.a
            ; .arch x64
            ; sub DWORD [rbx + COUNTDOWN], 1
            ; jnz >counted
            ; mov rdi, rbx
            ; mov rsi, QWORD pc as i64
            ; mov edx, mask as i32
            ; mov rax, QWORD spin_point as SpinFn as usize as i64
            ; call rax
            ; counted:
        );
    }
}
