/* Privileged: synchronous exceptions taken to M-mode from M, S and U.
 * Illegal instruction (mtval = instruction bits) for an unallocated encoding,
 * privileged CSRs and xRET from lower modes, TSR/TVM traps, TW (WFI either
 * completes or traps); ECALL from
 * M/S/U (causes 11/9/8, mtval = 0); EBREAK (mtval = 0 or pc); load, store and
 * LR access faults at an unmapped physical address (mtval = address);
 * instruction access fault (mepc = mtval = target); misaligned AMO and LR
 * (address-misaligned or access fault, mtval = address). AMO faults are in
 * priv_amo_fault.S (QEMU reports them with load causes).
 * Instruction-address-misaligned is not provokable with C enabled (branch and
 * jump targets are always 2-byte aligned), so it is not tested. */
#include "test.h"

#define BAD_OP 0xfe000033       /* OP with funct7 = 0x7f: unallocated */

/* A load/store/AMO access to addr must fault with cause; mtval = addr. */
#define TEST_ACCESS(n, cause, addr, inst...) \
    li a1, addr; TEST_TRAP(n, cause, addr, inst)

/* Misaligned AMO/LR: either address-misaligned (c1) or access fault (c2). */
#define TEST_MISALIGNED_ATOMIC(n, c1, c2, inst...) \
    SET_TESTNUM(n); la a1, amo_buf + 2; ARM_M_TRAP(8f); \
7:  inst; j fail; \
8:  CHECK_MEM_ADDR(m_trap_epc, 7b); CHECK_MEM_ADDR(m_trap_tval, amo_buf + 2); \
    la t5, m_trap_cause; ld t5, 0(t5); li t6, c1; beq t5, t6, 9f; li t6, c2; bne t5, t6, fail; 9:

    .text
    .globl test_main
test_main:
    /* illegal instruction in each mode */
    TEST_ILLEGAL(1, .word BAD_OP)
    TEST_ILLEGAL_MODE(2, PRV_S, .word BAD_OP)
    TEST_ILLEGAL_MODE(3, PRV_U, .word BAD_OP)
    /* privileged state from lower modes */
    TEST_ILLEGAL_MODE(4, PRV_S, csrr a0, mstatus)
    TEST_ILLEGAL_MODE(5, PRV_S, csrw mscratch, x0)
    TEST_ILLEGAL_MODE(6, PRV_U, csrr a0, sstatus)
    TEST_ILLEGAL_MODE(7, PRV_U, csrr a0, mstatus)
    TEST_ILLEGAL_MODE(8, PRV_S, mret)
    TEST_ILLEGAL_MODE(9, PRV_U, mret)
    TEST_ILLEGAL_MODE(10, PRV_U, sret)
    TEST_ILLEGAL_MODE(11, PRV_U, sfence.vma)
    TEST_ILLEGAL_MODE(12, PRV_U, csrr a0, satp)
    TEST_ILLEGAL_MODE(13, PRV_S, csrr a0, mhartid)
    /* TSR, TVM, TW */
    li t0, MSTATUS_TSR
    csrs mstatus, t0
    TEST_ILLEGAL_MODE(14, PRV_S, sret)
    li t0, MSTATUS_TSR
    csrc mstatus, t0
    li t0, MSTATUS_TVM
    csrs mstatus, t0
    TEST_ILLEGAL_MODE(15, PRV_S, csrr a0, satp)
    TEST_ILLEGAL_MODE(16, PRV_S, csrw satp, x0)
    TEST_ILLEGAL_MODE(17, PRV_S, sfence.vma)
    li t0, MSTATUS_TVM
    csrc mstatus, t0
    li t0, MSTATUS_TW
    csrs mstatus, t0
    /* 18: WFI in S with TW = 1 either completes (WFI may be a NOP) or, if it
     * would wait, raises an illegal-instruction exception (mtval = bits) */
    SET_TESTNUM(18)
    ARM_M_TRAP(8f)
    GOTO_MODE(PRV_S, 7f)
7:  wfi
    DISARM_M_TRAP
    GOTO_M(9f)
8:  CHECK_MEM(m_trap_cause, CAUSE_ILLEGAL)
    CHECK_MEM_ADDR(m_trap_epc, 7b)
    CHECK_MEM(m_trap_tval, 0x10500073)
9:
    li t0, MSTATUS_TW
    csrc mstatus, t0
    /* without TVM, S may access satp and run sfence.vma */
    SET_TESTNUM(19)
    GOTO_MODE(PRV_S, 1f)
1:  csrr a0, satp
    sfence.vma
    GOTO_M(2f)
2:

    /* ECALL from each mode */
    TEST_TRAP(20, CAUSE_ECALL_M, 0, ecall)
    TEST_TRAP_MODE(21, PRV_S, CAUSE_ECALL_S, ecall)
    CHECK_MEM(m_trap_tval, 0)
    TEST_TRAP_MODE(22, PRV_U, CAUSE_ECALL_U, ecall)
    CHECK_MEM(m_trap_tval, 0)
    /* EBREAK */
    TEST_EBREAK(23, ebreak)
    TEST_EBREAK(24, c.ebreak)
    TEST_TRAP_MODE(25, PRV_S, CAUSE_BREAKPOINT, ebreak)
    TEST_TRAP_MODE(26, PRV_U, CAUSE_BREAKPOINT, c.ebreak)
    /* mepc points at the trapping instruction, not past it; mret resumes there
     * (the handler redirected us, so check mepc was the ecall itself) */

    /* access faults on an unmapped physical address */
    TEST_ACCESS(30, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR, lb a0, 0(a1))
    TEST_ACCESS(31, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR, lhu a0, 0(a1))
    TEST_ACCESS(32, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR, lw a0, 0(a1))
    TEST_ACCESS(33, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR, ld a0, 0(a1))
    TEST_ACCESS(34, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR + 8, ld a0, 0(a1))
    TEST_ACCESS(35, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, sb a0, 0(a1))
    TEST_ACCESS(36, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, sh a0, 0(a1))
    TEST_ACCESS(37, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, sw a0, 0(a1))
    TEST_ACCESS(38, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, sd a0, 0(a1))
    /* AMO access faults: see priv_amo_fault.S */
    TEST_ACCESS(42, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR, lr.d a0, (a1))
    TEST_ACCESS(43, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR, flw f0, 0(a1))
    TEST_ACCESS(44, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, fsd f0, 0(a1))
    TEST_ACCESS(45, CAUSE_LOAD_ACCESS, UNMAPPED_ADDR, c.ld a0, 0(a1))
    /* ... and from U-mode */
    li a1, UNMAPPED_ADDR
    TEST_TRAP_MODE(46, PRV_U, CAUSE_LOAD_ACCESS, lw a0, 0(a1))
    CHECK_MEM(m_trap_tval, UNMAPPED_ADDR)
    li a1, UNMAPPED_ADDR
    TEST_TRAP_MODE(47, PRV_S, CAUSE_STORE_ACCESS, sd a0, 0(a1))
    CHECK_MEM(m_trap_tval, UNMAPPED_ADDR)
    /* instruction access fault: mepc = mtval = the unmapped target */
    SET_TESTNUM(48)
    ARM_M_TRAP(1f)
    li a1, UNMAPPED_ADDR
    jalr ra, 0(a1)
    j fail
1:  CHECK_MEM(m_trap_cause, CAUSE_FETCH_ACCESS)
    CHECK_MEM(m_trap_epc, UNMAPPED_ADDR)
    CHECK_MEM(m_trap_tval, UNMAPPED_ADDR)
    /* the link register was written by the jalr that reached the target */
    SET_TESTNUM(49)
    beqz ra, fail

    /* misaligned atomics */
    /* misaligned AMOs: see priv_amo_fault.S */
    TEST_MISALIGNED_ATOMIC(52, CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, lr.w a0, (a1))
    TEST_MISALIGNED_ATOMIC(53, CAUSE_MISALIGNED_LOAD, CAUSE_LOAD_ACCESS, lr.d a0, (a1))
    /* memory is untouched by the faulting AMO */
    SET_TESTNUM(54)
    la a1, amo_buf
    ld a0, 0(a1)
    bnez a0, fail
    TEST_PASS

    .data
    .balign 64
amo_buf:
    .dword 0, 0
