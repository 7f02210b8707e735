//! The template emitter: one fixed x86-64 sequence per guest instruction,
//! assembled with dynasm-rs.
//!
//! Register use in translated code: rbx = `*mut Hart`, r12 = `*mut Ctx`;
//! rax, rcx, rdx, rsi, rdi are scratch. Guest registers live in the hart
//! (`Hart::x`), so state is exact at every helper call and every exit
//! without any write-back.
//!
//! Block layout:
//! ```text
//! chain_entry:  budget check (instret >= ctx.instret_limit -> dispatcher)
//!               interrupt/request check (*signals & ctx.irq_mask -> dispatcher)
//! entry:        the body, one template per instruction
//!               exits: pc and instret set, then a patchable `jmp rel32`
//! out of line:  helper-failure stubs, unchained exit stubs
//! ```
//! The dispatcher enters at `entry` (it has done the boundary work itself);
//! chained jumps from other blocks enter at `chain_entry`.

use dynasmrt::x64::X64Relocation;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};
use rvisor_cpu::interp::Op;
use rvisor_cpu::mmu::TLB_SIZE;
use rvisor_cpu::Hart;
use rvisor_isa::Inst;

use crate::fp::{self, FpFn};

mod fp_inline;
mod spin_hook;
use crate::helpers::{self, Ctx, HelperRet, JC_SIZE, ST_CODE_WRITTEN};

/// Block status returned to the dispatcher in eax: carry on at `hart.pc`.
pub const RET_CONTINUE: i32 = 0;
/// Block status: a helper stored a trap in `Ctx::trap`; pc and instret are
/// those of the faulting instruction.
pub const RET_TRAP: i32 = 1;

/// Offsets the templates use.
struct Layout {
    x: i32,
    pc: i32,
    instret: i32,
    trap_ctx_limit: i32,
    chain_site: i32,
    signals: i32,
    irq_mask: i32,
    tlb_load: i32,
    tlb_store: i32,
    jcache: i32,
    fallback: i32,
    jc_epoch: i32,
    indirect: i32,
    chain_va: i32,
    chain_pa: i32,
    tag_load: i32,
    tag_store: i32,
    ram_base: i32,
    ram_size: i32,
    host_base: i32,
    flags: i32,
}

const fn layout() -> Layout {
    Layout {
        x: std::mem::offset_of!(Hart, x) as i32,
        pc: std::mem::offset_of!(Hart, pc) as i32,
        instret: std::mem::offset_of!(Hart, stats.instret) as i32,
        trap_ctx_limit: std::mem::offset_of!(Ctx, instret_limit) as i32,
        chain_site: std::mem::offset_of!(Ctx, chain_site) as i32,
        signals: std::mem::offset_of!(Ctx, signals) as i32,
        irq_mask: std::mem::offset_of!(Ctx, irq_mask) as i32,
        tlb_load: std::mem::offset_of!(Ctx, tlb_load) as i32,
        jcache: std::mem::offset_of!(Ctx, jcache) as i32,
        fallback: std::mem::offset_of!(Ctx, fallback) as i32,
        jc_epoch: std::mem::offset_of!(Ctx, jc_epoch) as i32,
        indirect: std::mem::offset_of!(Ctx, indirect) as i32,
        chain_va: std::mem::offset_of!(Ctx, chain_va) as i32,
        chain_pa: std::mem::offset_of!(Ctx, chain_pa) as i32,
        tlb_store: std::mem::offset_of!(Ctx, tlb_store) as i32,
        tag_load: std::mem::offset_of!(Ctx, tag_load) as i32,
        tag_store: std::mem::offset_of!(Ctx, tag_store) as i32,
        ram_base: std::mem::offset_of!(Ctx, ram_base) as i32,
        ram_size: std::mem::offset_of!(Ctx, ram_size) as i32,
        host_base: std::mem::offset_of!(Ctx, host_base) as i32,
        flags: std::mem::offset_of!(Ctx, flags) as i32,
    }
}

const L: Layout = layout();

#[inline]
fn xo(r: u8) -> i32 {
    L.x + 8 * i32::from(r & 31)
}

type Asm = VecAssembler<X64Relocation>;

/// `jmp rel32` to the absolute host address `target` (dynasm-rs has no
/// extern relocations on x64). Code is placed at `base`, so the
/// displacement is known now; the code cache is far smaller than 2 GiB.
fn jmp_abs(a: &mut Asm, base: usize, target: usize) {
    let end = base + a.offset().0 + 5;
    let rel = (target as i64).wrapping_sub(end as i64) as i32;
    a.push(0xe9);
    a.push_i32(rel);
}

/// The shared stubs at the start of the code buffer.
pub struct Trampoline {
    /// Bytes to copy to `base`.
    pub code: Vec<u8>,
    /// Offset of `enter(hart, ctx, code) -> status`.
    pub enter: usize,
    /// Offset of the common epilogue (status in eax).
    pub epilogue: usize,
}

/// Assemble the entry trampoline for code placed at `base`.
pub fn trampoline(base: usize) -> Trampoline {
    let mut a = Asm::new(base);
    let enter = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; push rbx
        ; push rbp
        ; push r12
        ; push r13
        ; push r14
        ; push r15
        ; sub rsp, 8
        ; mov rbx, rdi
        ; mov r12, rsi
        ; jmp rdx
    );
    let epilogue = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; add rsp, 8
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbp
        ; pop rbx
        ; ret
    );
    Trampoline {
        code: a.finalize().unwrap_or_default(),
        enter,
        epilogue,
    }
}

/// A translated block, assembled for its final address.
pub struct Emitted {
    /// The machine code.
    pub code: Vec<u8>,
    /// Offset of the dispatcher entry (after the chain-entry checks).
    pub entry: usize,
    /// Guest instructions translated (the rest of the decoded block, if
    /// any, is left to the interpreter).
    pub insns: usize,
}

/// Whether the translator handles `inst`: with a template, or (A, F, D)
/// by a call to the interpreter's semantics. System instructions (CSR,
/// xRET, `wfi`, `ecall`, fences of translation state) end the translated
/// block and are left to the interpreter.
pub fn translatable(inst: &Inst) -> bool {
    !inst.is_system()
}

/// Whether `inst` has an inline template.
fn templated(inst: &Inst) -> bool {
    use Inst::*;
    matches!(
        inst,
        Lui { .. }
            | Auipc { .. }
            | Jal { .. }
            | Jalr { .. }
            | Beq { .. }
            | Bne { .. }
            | Blt { .. }
            | Bge { .. }
            | Bltu { .. }
            | Bgeu { .. }
            | Lb { .. }
            | Lh { .. }
            | Lw { .. }
            | Ld { .. }
            | Lbu { .. }
            | Lhu { .. }
            | Lwu { .. }
            | Sb { .. }
            | Sh { .. }
            | Sw { .. }
            | Sd { .. }
            | Addi { .. }
            | Slti { .. }
            | Sltiu { .. }
            | Xori { .. }
            | Ori { .. }
            | Andi { .. }
            | Slli { .. }
            | Srli { .. }
            | Srai { .. }
            | Addiw { .. }
            | Slliw { .. }
            | Srliw { .. }
            | Sraiw { .. }
            | Add { .. }
            | Sub { .. }
            | Sll { .. }
            | Slt { .. }
            | Sltu { .. }
            | Xor { .. }
            | Srl { .. }
            | Sra { .. }
            | Or { .. }
            | And { .. }
            | Addw { .. }
            | Subw { .. }
            | Sllw { .. }
            | Srlw { .. }
            | Sraw { .. }
            | Fence { .. }
            | Mul { .. }
            | Mulh { .. }
            | Mulhsu { .. }
            | Mulhu { .. }
            | Div { .. }
            | Divu { .. }
            | Rem { .. }
            | Remu { .. }
            | Mulw { .. }
            | Divw { .. }
            | Divuw { .. }
            | Remw { .. }
            | Remuw { .. }
    )
}

/// The M-extension divisions.
#[derive(Clone, Copy)]
enum DivKind {
    Div,
    Divu,
    Rem,
    Remu,
    Divw,
    Divuw,
    Remw,
    Remuw,
}

/// Where a memory instruction sits in its block.
#[derive(Clone, Copy)]
struct Site {
    pc: u64,
    next: u64,
    index: usize,
}

/// The helper a slow path calls.
enum SlowCall {
    Load(LoadFn),
    /// The helper and the source register.
    Store(StoreFn, u8),
    /// A direct FP helper, its packed operands and the raw encoding.
    Fp(FpFn, u64, u32),
}

/// Out-of-line code emitted after the block body.
enum Stub {
    /// A helper failed at instruction `index` (pc `pc`, next `next`):
    /// trap, or (stores) code written.
    Helper { label: DynamicLabel, site: Site },
    /// The out-of-line slow path of a load/store: va in rsi.
    Slow {
        label: DynamicLabel,
        resume: DynamicLabel,
        fail: DynamicLabel,
        call: SlowCall,
    },
    /// An unchained direct exit: records its patch site for the dispatcher.
    Chain { label: DynamicLabel, site: usize },
}

struct Emitter {
    a: Asm,
    /// The register the last `store_rd` wrote from rax, and the code
    /// offset just after that store.
    last_store: Option<(u8, usize)>,
    /// Guest virtual and physical pc of the block.
    block_va: u64,
    block_pa: u64,
    base: usize,
    epilogue: usize,
    stubs: Vec<Stub>,
}

type LoadFn = extern "sysv64" fn(*mut Hart, u64, *mut Ctx) -> HelperRet;
type StoreFn = extern "sysv64" fn(*mut Hart, u64, u64, *mut Ctx) -> HelperRet;
type ExtFn = extern "sysv64" fn(*mut Hart, *const Op, *mut Ctx) -> HelperRet;

impl Emitter {
    /// Leave the block for guest pc `pc` after `retired` instructions,
    /// through a jump the dispatcher may patch to chain to the successor.
    fn exit_direct(&mut self, pc: u64, retired: usize) {
        let label = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; mov rax, QWORD pc as i64
            ; mov [rbx + L.pc], rax
            ; add QWORD [rbx + L.instret], retired as i32
            ; jmp =>label
        );
        let site = self.base + self.a.offset().0 - 4;
        self.stubs.push(Stub::Chain { label, site });
    }

    /// Leave the block with `rax` holding the next pc (not chained).
    /// Looks the target up in the jump cache (entries valid for the
    /// current translation-state epoch) and jumps to its chain entry;
    /// otherwise returns to the dispatcher, flagging the exit so that it
    /// fills the cache.
    fn exit_indirect(&mut self, retired: usize) {
        let miss = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; mov [rbx + L.pc], rax
            ; add QWORD [rbx + L.instret], retired as i32
            ; mov ecx, eax
            ; shr ecx, 1
            ; and ecx, (JC_SIZE - 1) as i32
            ; shl ecx, 5
            ; add rcx, [r12 + L.jcache]
            ; cmp rax, [rcx]
            ; jne =>miss
            ; mov rdx, [r12 + L.jc_epoch]
            ; cmp rdx, [rcx + 8]
            ; jne =>miss
            ; jmp QWORD [rcx + 16]
            ; =>miss
            ; mov QWORD [r12 + L.indirect], 1
            ; mov eax, RET_CONTINUE
        );
        jmp_abs(&mut self.a, self.base, self.epilogue);
    }

    /// The inline TLB probe shared by loads and stores: va in rsi; on a
    /// hit leaves the RAM offset in rcx, else jumps to `slow`. Exactly the
    /// interpreter's fast-path conditions: no page crossing, a TLB entry
    /// for this access kind and privilege context, and RAM behind it.
    fn tlb_probe(&mut self, size: u8, store: bool, slow: DynamicLabel) {
        let (tlb, tag) = if store {
            (L.tlb_store, L.tag_store)
        } else {
            (L.tlb_load, L.tag_load)
        };
        let last = 0x1000 - i32::from(size);
        dynasm!(self.a
            ; .arch x64
            ; mov eax, esi
            ; and eax, 0xfff
            ; cmp eax, last
            ; ja =>slow
            ; mov rax, rsi
            ; shr rax, 12
            ; and eax, (TLB_SIZE - 1) as i32
            ; shl eax, 4
            ; add rax, [r12 + tlb]
            ; mov rcx, rsi
            ; and rcx, -4096
            ; or rcx, [r12 + tag]
            ; cmp rcx, [rax]
            ; jne =>slow
            ; mov ecx, esi
            ; and ecx, 0xfff
            ; or rcx, [rax + 8]
            ; sub rcx, [r12 + L.ram_base]
            ; mov rdx, [r12 + L.ram_size]
            ; sub rdx, i32::from(size)
            ; cmp rcx, rdx
            ; ja =>slow
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn load(&mut self, f: LoadFn, size: u8, signed: bool, rd: u8, rs1: u8, imm: i32, site: Site) {
        let fail = self.a.new_dynamic_label();
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; mov rsi, [rbx + xo(rs1)]
            ; add rsi, imm
        );
        self.tlb_probe(size, false, slow);
        dynasm!(self.a ; .arch x64 ; add rcx, [r12 + L.host_base]);
        match (size, signed) {
            (1, true) => dynasm!(self.a ; .arch x64 ; movsx rax, BYTE [rcx]),
            (1, false) => dynasm!(self.a ; .arch x64 ; movzx eax, BYTE [rcx]),
            (2, true) => dynasm!(self.a ; .arch x64 ; movsx rax, WORD [rcx]),
            (2, false) => dynasm!(self.a ; .arch x64 ; movzx eax, WORD [rcx]),
            (4, true) => dynasm!(self.a ; .arch x64 ; movsxd rax, DWORD [rcx]),
            (4, false) => dynasm!(self.a ; .arch x64 ; mov eax, DWORD [rcx]),
            _ => dynasm!(self.a ; .arch x64 ; mov rax, QWORD [rcx]),
        }
        dynasm!(self.a ; .arch x64 ; =>resume);
        if rd != 0 {
            dynasm!(self.a ; .arch x64 ; mov [rbx + xo(rd)], rax);
        }
        self.stubs.push(Stub::Slow {
            label: slow,
            resume,
            fail,
            call: SlowCall::Load(f),
        });
        self.stubs.push(Stub::Helper { label: fail, site });
    }

    fn store(&mut self, f: StoreFn, size: u8, rs1: u8, rs2: u8, imm: i32, site: Site) {
        let fail = self.a.new_dynamic_label();
        let slow = self.a.new_dynamic_label();
        let resume = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; mov rsi, [rbx + xo(rs1)]
            ; add rsi, imm
        );
        self.tlb_probe(size, true, slow);
        // Flagged pages (code, watched) take the helper.
        dynasm!(self.a
            ; .arch x64
            ; mov rax, rcx
            ; shr rax, 12
            ; add rax, [r12 + L.flags]
            ; cmp BYTE [rax], 0
            ; jne =>slow
            ; add rcx, [r12 + L.host_base]
            ; mov rdx, [rbx + xo(rs2)]
        );
        match size {
            1 => dynasm!(self.a ; .arch x64 ; mov [rcx], dl),
            2 => dynasm!(self.a ; .arch x64 ; mov [rcx], dx),
            4 => dynasm!(self.a ; .arch x64 ; mov [rcx], edx),
            _ => dynasm!(self.a ; .arch x64 ; mov [rcx], rdx),
        }
        dynasm!(self.a ; .arch x64 ; =>resume);
        self.stubs.push(Stub::Slow {
            label: slow,
            resume,
            fail,
            call: SlowCall::Store(f, rs2),
        });
        self.stubs.push(Stub::Helper { label: fail, site });
    }

    /// An A/F/D instruction through the interpreter's semantics (`op`
    /// must stay alive as long as the code).
    fn ext(&mut self, op: &Op, pc: u64, next: u64, index: usize) {
        if self.fp_inline(&op.inst, op.raw, Site { pc, next, index }) {
            return;
        }
        let fail = self.a.new_dynamic_label();
        if let Some((f, packed)) = fp::direct(&op.inst) {
            dynasm!(self.a
                ; .arch x64
                ; mov rdi, rbx
                ; mov rsi, QWORD packed as i64
                ; mov edx, op.raw as i32
                ; mov rcx, r12
                ; mov rax, QWORD f as usize as i64
                ; call rax
                ; test rdx, rdx
                ; jnz =>fail
            );
            self.stubs.push(Stub::Helper {
                label: fail,
                site: Site { pc, next, index },
            });
            return;
        }
        dynasm!(self.a
            ; .arch x64
            ; mov rdi, rbx
            ; mov rsi, QWORD op as *const Op as i64
            ; mov rdx, r12
            ; mov rax, QWORD helpers::ext as ExtFn as usize as i64
            ; call rax
            ; test rdx, rdx
            ; jnz =>fail
        );
        self.stubs.push(Stub::Helper {
            label: fail,
            site: Site { pc, next, index },
        });
    }

    /// Division and remainder inline. The RISC-V special cases are taken
    /// out before the x86 instruction, which would fault on both: x/0
    /// (quotient all ones, remainder x) and divisor -1 for the signed forms
    /// (quotient -x, wrapping at MIN; remainder 0).
    fn divide(&mut self, rd: u8, rs1: u8, rs2: u8, kind: DivKind) {
        use DivKind::*;
        if rd == 0 {
            return;
        }
        let zero = self.a.new_dynamic_label();
        let minus1 = self.a.new_dynamic_label();
        let done = self.a.new_dynamic_label();
        let word = matches!(kind, Divw | Divuw | Remw | Remuw);
        let signed = matches!(kind, Div | Rem | Divw | Remw);
        let rem = matches!(kind, Rem | Remu | Remw | Remuw);
        dynasm!(self.a
            ; .arch x64
            ; mov rcx, [rbx + xo(rs2)]
            ; mov rax, [rbx + xo(rs1)]
        );
        if word {
            dynasm!(self.a ; .arch x64 ; test ecx, ecx ; jz =>zero);
            if signed {
                dynasm!(self.a ; .arch x64 ; cmp ecx, -1 ; je =>minus1 ; cdq ; idiv ecx);
            } else {
                dynasm!(self.a ; .arch x64 ; xor edx, edx ; div ecx);
            }
            if rem {
                dynasm!(self.a ; .arch x64 ; movsxd rax, edx);
            } else {
                dynasm!(self.a ; .arch x64 ; movsxd rax, eax);
            }
        } else {
            dynasm!(self.a ; .arch x64 ; test rcx, rcx ; jz =>zero);
            if signed {
                dynasm!(self.a ; .arch x64 ; cmp rcx, -1 ; je =>minus1 ; cqo ; idiv rcx);
            } else {
                dynasm!(self.a ; .arch x64 ; xor edx, edx ; div rcx);
            }
            if rem {
                dynasm!(self.a ; .arch x64 ; mov rax, rdx);
            }
        }
        dynasm!(self.a ; .arch x64 ; jmp =>done ; =>zero);
        match (rem, word) {
            (false, _) => dynasm!(self.a ; .arch x64 ; mov rax, -1),
            (true, false) => {}
            (true, true) => dynasm!(self.a ; .arch x64 ; movsxd rax, eax),
        }
        dynasm!(self.a ; .arch x64 ; jmp =>done ; =>minus1);
        match (rem, word) {
            (true, _) => dynasm!(self.a ; .arch x64 ; xor eax, eax),
            (false, false) => dynasm!(self.a ; .arch x64 ; neg rax),
            (false, true) => dynasm!(self.a ; .arch x64 ; neg eax ; movsxd rax, eax),
        }
        dynasm!(self.a ; .arch x64 ; =>done);
        self.store_rd(rd);
    }

    /// x[rd] = rax (x0 stays zero).
    fn store_rd(&mut self, rd: u8) {
        if rd != 0 {
            dynasm!(self.a ; .arch x64 ; mov [rbx + xo(rd)], rax);
            self.last_store = Some((rd, self.a.offset().0));
        }
    }

    /// rax = x[rs]. Skips the load (and its store-to-load forwarding
    /// latency on dependency chains) when the code emitted just before is
    /// the store of x[rs] from rax: nothing in between can have changed
    /// either, and no jump lands between them (labels inside a block body
    /// are placed before such stores or end the block).
    fn load_rs(&mut self, rs: u8) {
        if self.last_store == Some((rs, self.a.offset().0)) {
            return;
        }
        dynasm!(self.a ; .arch x64 ; mov rax, [rbx + xo(rs)]);
    }

    fn branch(&mut self, inst: &Inst, pc: u64, next: u64, retired: usize) {
        let (rs1, rs2, imm) = match *inst {
            Inst::Beq { rs1, rs2, imm }
            | Inst::Bne { rs1, rs2, imm }
            | Inst::Blt { rs1, rs2, imm }
            | Inst::Bge { rs1, rs2, imm }
            | Inst::Bltu { rs1, rs2, imm }
            | Inst::Bgeu { rs1, rs2, imm } => (rs1, rs2, imm),
            _ => return,
        };
        let taken = self.a.new_dynamic_label();
        dynasm!(self.a
            ; .arch x64
            ; mov rax, [rbx + xo(rs1)]
            ; cmp rax, [rbx + xo(rs2)]
        );
        match inst {
            Inst::Beq { .. } => dynasm!(self.a ; .arch x64 ; je =>taken),
            Inst::Bne { .. } => dynasm!(self.a ; .arch x64 ; jne =>taken),
            Inst::Blt { .. } => dynasm!(self.a ; .arch x64 ; jl =>taken),
            Inst::Bge { .. } => dynasm!(self.a ; .arch x64 ; jge =>taken),
            Inst::Bltu { .. } => dynasm!(self.a ; .arch x64 ; jb =>taken),
            _ => dynasm!(self.a ; .arch x64 ; jae =>taken),
        }
        self.exit_direct(next, retired);
        dynasm!(self.a ; .arch x64 ; =>taken);
        self.exit_direct(pc.wrapping_add(imm as i64 as u64), retired);
    }

    /// One non-control-flow instruction at `pc` (index `i` in the block).
    // Keeping the `rd != 0` test inside each arm keeps one template per arm.
    #[allow(clippy::collapsible_match)]
    fn simple(&mut self, inst: &Inst, pc: u64, next: u64, i: usize) {
        use Inst::*;
        let site = Site { pc, next, index: i };
        match *inst {
            Lui { rd, imm } => {
                if rd != 0 {
                    dynasm!(self.a ; .arch x64 ; mov QWORD [rbx + xo(rd)], imm);
                }
            }
            Auipc { rd, imm } => {
                let v = pc.wrapping_add(imm as i64 as u64);
                dynasm!(self.a ; .arch x64 ; mov rax, QWORD v as i64);
                self.store_rd(rd);
            }
            Lb { rd, rs1, imm } => self.load(helpers::load::<1, true>, 1, true, rd, rs1, imm, site),
            Lh { rd, rs1, imm } => self.load(helpers::load::<2, true>, 2, true, rd, rs1, imm, site),
            Lw { rd, rs1, imm } => self.load(helpers::load::<4, true>, 4, true, rd, rs1, imm, site),
            Ld { rd, rs1, imm } => {
                self.load(helpers::load::<8, false>, 8, false, rd, rs1, imm, site)
            }
            Lbu { rd, rs1, imm } => {
                self.load(helpers::load::<1, false>, 1, false, rd, rs1, imm, site)
            }
            Lhu { rd, rs1, imm } => {
                self.load(helpers::load::<2, false>, 2, false, rd, rs1, imm, site)
            }
            Lwu { rd, rs1, imm } => {
                self.load(helpers::load::<4, false>, 4, false, rd, rs1, imm, site)
            }
            Sb { rs1, rs2, imm } => self.store(helpers::store::<1>, 1, rs1, rs2, imm, site),
            Sh { rs1, rs2, imm } => self.store(helpers::store::<2>, 2, rs1, rs2, imm, site),
            Sw { rs1, rs2, imm } => self.store(helpers::store::<4>, 4, rs1, rs2, imm, site),
            Sd { rs1, rs2, imm } => self.store(helpers::store::<8>, 8, rs1, rs2, imm, site),
            Addi { rd, rs1, imm } => {
                if rd != 0 {
                    self.load_rs(rs1);
                    dynasm!(self.a ; .arch x64 ; add rax, imm);
                    self.store_rd(rd);
                }
            }
            Slti { rd, rs1, imm } | Sltiu { rd, rs1, imm } => {
                if rd != 0 {
                    self.load_rs(rs1);
                    dynasm!(self.a ; .arch x64 ; cmp rax, imm);
                    if matches!(inst, Slti { .. }) {
                        dynasm!(self.a ; .arch x64 ; setl al);
                    } else {
                        dynasm!(self.a ; .arch x64 ; setb al);
                    }
                    dynasm!(self.a ; .arch x64 ; movzx eax, al);
                    self.store_rd(rd);
                }
            }
            Xori { rd, rs1, imm } => self.alu_imm(rd, rs1, imm, 0),
            Ori { rd, rs1, imm } => self.alu_imm(rd, rs1, imm, 1),
            Andi { rd, rs1, imm } => self.alu_imm(rd, rs1, imm, 2),
            Slli { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 0, false),
            Srli { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 1, false),
            Srai { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 2, false),
            Slliw { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 0, true),
            Srliw { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 1, true),
            Sraiw { rd, rs1, shamt } => self.shift_imm(rd, rs1, shamt, 2, true),
            Addiw { rd, rs1, imm } => {
                if rd != 0 {
                    self.load_rs(rs1);
                    dynasm!(self.a ; .arch x64 ; add eax, imm ; movsxd rax, eax);
                    self.store_rd(rd);
                }
            }
            Add { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 0),
            Sub { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 1),
            Xor { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 2),
            Or { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 3),
            And { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 4),
            Mul { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 5),
            Addw { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 6),
            Subw { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 7),
            Mulw { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 8),
            Slt { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 9),
            Sltu { rd, rs1, rs2 } => self.alu_rr(rd, rs1, rs2, 10),
            Sll { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 0, false),
            Srl { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 1, false),
            Sra { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 2, false),
            Sllw { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 0, true),
            Srlw { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 1, true),
            Sraw { rd, rs1, rs2 } => self.shift_rr(rd, rs1, rs2, 2, true),
            Mulh { rd, rs1, rs2 } | Mulhu { rd, rs1, rs2 } | Mulhsu { rd, rs1, rs2 } => {
                if rd != 0 {
                    self.load_rs(rs1);
                    match inst {
                        Mulh { .. } => dynasm!(self.a ; .arch x64 ; imul QWORD [rbx + xo(rs2)]),
                        _ => dynasm!(self.a ; .arch x64 ; mul QWORD [rbx + xo(rs2)]),
                    }
                    if matches!(inst, Mulhsu { .. }) {
                        // hi(signed a * unsigned b) = hi_u(a, b) - (a < 0 ? b : 0)
                        dynasm!(self.a
                            ; .arch x64
                            ; mov rcx, [rbx + xo(rs1)]
                            ; sar rcx, 63
                            ; and rcx, [rbx + xo(rs2)]
                            ; sub rdx, rcx
                        );
                    }
                    dynasm!(self.a ; .arch x64 ; mov [rbx + xo(rd)], rdx);
                }
            }
            Div { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Div),
            Divu { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Divu),
            Rem { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Rem),
            Remu { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Remu),
            Divw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Divw),
            Divuw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Divuw),
            Remw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Remw),
            Remuw { rd, rs1, rs2 } => self.divide(rd, rs1, rs2, DivKind::Remuw),
            // Only store→load ordering needs a host barrier on x86-64 (see
            // the interpreter's `fence_needs_store_load_barrier`).
            Fence { pred, succ, fm } => {
                if rvisor_cpu::interp::fence_needs_store_load_barrier(pred, succ, fm) {
                    dynasm!(self.a
                        ; .arch x64
                        ; mfence
                    );
                }
            }
            _ => {}
        }
    }

    fn alu_imm(&mut self, rd: u8, rs1: u8, imm: i32, op: u8) {
        if rd == 0 {
            return;
        }
        self.load_rs(rs1);
        match op {
            0 => dynasm!(self.a ; .arch x64 ; xor rax, imm),
            1 => dynasm!(self.a ; .arch x64 ; or rax, imm),
            _ => dynasm!(self.a ; .arch x64 ; and rax, imm),
        }
        self.store_rd(rd);
    }

    fn shift_imm(&mut self, rd: u8, rs1: u8, shamt: u8, op: u8, word: bool) {
        if rd == 0 {
            return;
        }
        self.load_rs(rs1);
        let sh = if word { shamt & 31 } else { shamt & 63 } as i8;
        match (op, word) {
            (0, false) => dynasm!(self.a ; .arch x64 ; shl rax, sh),
            (1, false) => dynasm!(self.a ; .arch x64 ; shr rax, sh),
            (_, false) => dynasm!(self.a ; .arch x64 ; sar rax, sh),
            (0, true) => dynasm!(self.a ; .arch x64 ; shl eax, sh ; movsxd rax, eax),
            (1, true) => dynasm!(self.a ; .arch x64 ; shr eax, sh ; movsxd rax, eax),
            (_, true) => dynasm!(self.a ; .arch x64 ; sar eax, sh ; movsxd rax, eax),
        }
        self.store_rd(rd);
    }

    fn shift_rr(&mut self, rd: u8, rs1: u8, rs2: u8, op: u8, word: bool) {
        if rd == 0 {
            return;
        }
        // x86 masks the count to 6 bits (5 for 32-bit operands), as RISC-V does.
        dynasm!(self.a
            ; .arch x64
            ; mov rcx, [rbx + xo(rs2)]
            ; mov rax, [rbx + xo(rs1)]
        );
        match (op, word) {
            (0, false) => dynasm!(self.a ; .arch x64 ; shl rax, cl),
            (1, false) => dynasm!(self.a ; .arch x64 ; shr rax, cl),
            (_, false) => dynasm!(self.a ; .arch x64 ; sar rax, cl),
            (0, true) => dynasm!(self.a ; .arch x64 ; shl eax, cl ; movsxd rax, eax),
            (1, true) => dynasm!(self.a ; .arch x64 ; shr eax, cl ; movsxd rax, eax),
            (_, true) => dynasm!(self.a ; .arch x64 ; sar eax, cl ; movsxd rax, eax),
        }
        self.store_rd(rd);
    }

    fn alu_rr(&mut self, rd: u8, rs1: u8, rs2: u8, op: u8) {
        if rd == 0 {
            return;
        }
        self.load_rs(rs1);
        let m = xo(rs2);
        match op {
            0 => dynasm!(self.a ; .arch x64 ; add rax, [rbx + m]),
            1 => dynasm!(self.a ; .arch x64 ; sub rax, [rbx + m]),
            2 => dynasm!(self.a ; .arch x64 ; xor rax, [rbx + m]),
            3 => dynasm!(self.a ; .arch x64 ; or rax, [rbx + m]),
            4 => dynasm!(self.a ; .arch x64 ; and rax, [rbx + m]),
            5 => dynasm!(self.a ; .arch x64 ; imul rax, [rbx + m]),
            6 => dynasm!(self.a ; .arch x64 ; add eax, [rbx + m] ; movsxd rax, eax),
            7 => dynasm!(self.a ; .arch x64 ; sub eax, [rbx + m] ; movsxd rax, eax),
            8 => dynasm!(self.a ; .arch x64 ; imul eax, [rbx + m] ; movsxd rax, eax),
            9 => dynasm!(self.a ; .arch x64 ; cmp rax, [rbx + m] ; setl al ; movzx eax, al),
            _ => dynasm!(self.a ; .arch x64 ; cmp rax, [rbx + m] ; setb al ; movzx eax, al),
        }
        self.store_rd(rd);
    }

    fn emit_stubs(&mut self) {
        for stub in std::mem::take(&mut self.stubs) {
            match stub {
                Stub::Slow {
                    label,
                    resume,
                    fail,
                    call,
                } => {
                    dynasm!(self.a ; .arch x64 ; =>label ; mov rdi, rbx);
                    match call {
                        SlowCall::Load(f) => dynasm!(self.a
                            ; .arch x64
                            ; mov rdx, r12
                            ; mov rax, QWORD f as usize as i64
                        ),
                        SlowCall::Store(f, rs2) => dynasm!(self.a
                            ; .arch x64
                            ; mov rdx, [rbx + xo(rs2)]
                            ; mov rcx, r12
                            ; mov rax, QWORD f as usize as i64
                        ),
                        SlowCall::Fp(f, packed, raw) => dynasm!(self.a
                            ; .arch x64
                            ; mov rsi, QWORD packed as i64
                            ; mov edx, raw as i32
                            ; mov rcx, r12
                            ; mov rax, QWORD f as usize as i64
                        ),
                    }
                    dynasm!(self.a
                        ; .arch x64
                        ; call rax
                        ; test rdx, rdx
                        ; jnz =>fail
                        ; jmp =>resume
                    );
                }
                Stub::Helper {
                    label,
                    site: Site { pc, next, index },
                } => {
                    let written = self.a.new_dynamic_label();
                    dynasm!(self.a
                        ; .arch x64
                        ; =>label
                        ; cmp rdx, ST_CODE_WRITTEN as i32
                        ; je =>written
                        // Trap: the instructions before this one retired.
                        ; mov rax, QWORD pc as i64
                        ; mov [rbx + L.pc], rax
                        ; add QWORD [rbx + L.instret], index as i32
                        ; mov eax, RET_TRAP
                    );
                    jmp_abs(&mut self.a, self.base, self.epilogue);
                    // The store retired and hit code: end the block.
                    dynasm!(self.a
                        ; .arch x64
                        ; =>written
                        ; mov rax, QWORD next as i64
                        ; mov [rbx + L.pc], rax
                        ; add QWORD [rbx + L.instret], index as i32 + 1
                        ; mov eax, RET_CONTINUE
                    );
                    jmp_abs(&mut self.a, self.base, self.epilogue);
                }
                Stub::Chain { label, site } => {
                    dynasm!(self.a
                        ; .arch x64
                        ; =>label
                        ; mov rax, QWORD site as i64
                        ; mov [r12 + L.chain_site], rax
                        ; mov rax, QWORD self.block_va as i64
                        ; mov [r12 + L.chain_va], rax
                        ; mov rax, QWORD self.block_pa as i64
                        ; mov [r12 + L.chain_pa], rax
                        ; mov eax, RET_CONTINUE
                    );
                    jmp_abs(&mut self.a, self.base, self.epilogue);
                }
            }
        }
    }
}

/// Translate the leading translatable ops of a block whose first
/// instruction is at guest pc `pc`, for placement at host address `base`.
/// `bytes` is the decoded block's fall-through length. `None` if the first
/// op is not translatable.
pub fn translate(
    ops: &[Op],
    (pc, pa): (u64, u64),
    bytes: u64,
    base: usize,
    epilogue: usize,
) -> Option<Emitted> {
    let n = ops.iter().take_while(|op| translatable(&op.inst)).count();
    if n == 0 {
        return None;
    }
    let mut e = Emitter {
        a: Asm::new(base),
        last_store: None,
        block_va: pc,
        block_pa: pa,
        base,
        epilogue,
        stubs: Vec::new(),
    };
    let to_dispatcher = e.a.new_dynamic_label();
    dynasm!(e.a
        ; .arch x64
        ; mov rax, [rbx + L.instret]
        ; cmp rax, [r12 + L.trap_ctx_limit]
        ; jae =>to_dispatcher
        ; mov rax, [r12 + L.signals]
        ; mov rax, [rax]
        ; test rax, [r12 + L.irq_mask]
        ; jnz =>to_dispatcher
    );
    let entry = e.a.offset().0;
    if let Some(mask) = rvisor_cpu::spin::spin_candidate(pc, &ops[..n]) {
        e.spin_point(pc, mask);
    }
    let mut ended = false;
    for (i, op) in ops[..n].iter().enumerate() {
        let ipc = pc.wrapping_add(u64::from(op.off));
        let next = ipc.wrapping_add(u64::from(op.len));
        match op.inst {
            Inst::Jal { rd, imm } => {
                if rd != 0 {
                    dynasm!(e.a ; .arch x64 ; mov rax, QWORD next as i64);
                    e.store_rd(rd);
                }
                e.exit_direct(ipc.wrapping_add(imm as i64 as u64), i + 1);
                ended = true;
            }
            Inst::Jalr { rd, rs1, imm } => {
                dynasm!(e.a
                    ; .arch x64
                    ; mov rax, [rbx + xo(rs1)]
                    ; add rax, imm
                    ; and rax, -2
                );
                if rd != 0 {
                    dynasm!(e.a
                        ; .arch x64
                        ; mov rcx, QWORD next as i64
                        ; mov [rbx + xo(rd)], rcx
                    );
                }
                e.exit_indirect(i + 1);
                ended = true;
            }
            inst if inst.is_control_flow() => {
                e.branch(&inst, ipc, next, i + 1);
                ended = true;
            }
            inst if templated(&inst) => e.simple(&inst, ipc, next, i),
            _ => e.ext(op, ipc, next, i),
        }
        if ended {
            break;
        }
    }
    if !ended {
        // Fell off the end of the block, or stopped before an instruction
        // the interpreter must execute.
        match ops.get(n) {
            Some(op) => {
                // The interpreter runs this instruction as the end of the
                // same block: no boundary (interrupt) in between.
                let at = pc.wrapping_add(u64::from(op.off));
                dynasm!(e.a
                    ; .arch x64
                    ; mov rax, QWORD at as i64
                    ; mov [rbx + L.pc], rax
                    ; add QWORD [rbx + L.instret], n as i32
                    ; mov QWORD [r12 + L.fallback], 1
                    ; mov eax, RET_CONTINUE
                );
                jmp_abs(&mut e.a, base, epilogue);
            }
            None => e.exit_direct(pc.wrapping_add(bytes), n),
        }
    }
    dynasm!(e.a
        ; .arch x64
        ; =>to_dispatcher
        ; mov eax, RET_CONTINUE
    );
    jmp_abs(&mut e.a, base, epilogue);
    e.emit_stubs();
    let code = e.a.finalize().ok()?;
    Some(Emitted {
        code,
        entry,
        insns: n,
    })
}
