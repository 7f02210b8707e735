/* Privileged: exception delegation through medeleg to S-mode.
 * medeleg: delegatable bits (2, 3, 5, 8, 12, 13, 15) are writable (bit 11
 * being read-only zero is in priv_medeleg11.S). Delegated traps from U/S arrive in S with
 * scause/sepc/stval and sstatus SPP/SPIE/SIE updated; M registers untouched.
 * A delegated exception raised in M-mode still goes to M. */
#include "test.h"

#define BAD_OP 0xfe000033

/* Run code in mode; its first instruction must trap to the S handler with
 * scause = cause, sepc = its address; then continue in M. */
#define TEST_S_TRAP(n, mode, cause, code...) \
    SET_TESTNUM(n); \
    ARM_S_TRAP(9f); \
    GOTO_MODE(mode, 7f); \
7:  code; \
    j fail; \
9:  GOTO_M(8f); \
8:  CHECK_MEM(s_trap_cause, cause); \
    CHECK_MEM_ADDR(s_trap_epc, 7b)

#define CHECK_SSTATUS(mask, expected) \
    la t5, s_trap_status; ld t5, 0(t5); li t6, mask; and t5, t5, t6; \
    li t6, expected; bne t5, t6, fail

    .text
    .globl test_main
test_main:
    /* 1-2: medeleg / mideleg WARL */
    SET_TESTNUM(1)
    li t0, -1
    csrw medeleg, t0
    csrr a0, medeleg
    /* medeleg[11] read-only zero: priv_medeleg11.S */
    li t6, (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
    and a1, a0, t6
    bne a1, t6, fail
    csrw medeleg, x0
    SET_TESTNUM(2)
    li t0, -1
    csrw mideleg, t0
    csrr a0, mideleg
    li t6, MIP_SSIP | MIP_STIP | MIP_SEIP
    and a1, a0, t6
    bne a1, t6, fail
    csrw mideleg, x0
    CHECK_REG(x0, 0)

    /* 3: delegated ecall from U; sstatus: SPP = U, SPIE = old SIE (1), SIE = 0 */
    li t0, 1 << CAUSE_ECALL_U
    csrw medeleg, t0
    csrw mcause, x0
    csrsi mstatus, MSTATUS_SIE
    li t0, MSTATUS_SPIE
    csrc mstatus, t0
    TEST_S_TRAP(3, PRV_U, CAUSE_ECALL_U, ecall)
    CHECK_MEM(s_trap_tval, 0)
    CHECK_SSTATUS(MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE)
    CHECK_MEM(m_trap_count, 0) /* the M handler never took an armed trap */
    csrci mstatus, MSTATUS_SIE

    /* 4: delegated illegal instruction from S: stval = bits, SPP = S */
    li t0, 1 << CAUSE_ILLEGAL
    csrw medeleg, t0
    TEST_S_TRAP(4, PRV_S, CAUSE_ILLEGAL, .word BAD_OP)
    CHECK_MEM(s_trap_tval, BAD_OP)
    CHECK_SSTATUS(MSTATUS_SPP | MSTATUS_SIE, MSTATUS_SPP)
    /* 5: delegated illegal instruction from U */
    TEST_S_TRAP(5, PRV_U, CAUSE_ILLEGAL, csrr a0, sstatus)
    CHECK_SSTATUS(MSTATUS_SPP, 0)
    /* 6: the same exception raised in M is not delegated */
    TEST_ILLEGAL(6, .word BAD_OP)
    csrw medeleg, x0

    /* 7: delegated breakpoint from U */
    li t0, 1 << CAUSE_BREAKPOINT
    csrw medeleg, t0
    TEST_S_TRAP(7, PRV_U, CAUSE_BREAKPOINT, ebreak)
    /* 8: delegated load access fault from S: stval = address */
    li t0, (1 << CAUSE_LOAD_ACCESS) | (1 << CAUSE_STORE_ACCESS)
    csrw medeleg, t0
    li a1, UNMAPPED_ADDR
    TEST_S_TRAP(8, PRV_S, CAUSE_LOAD_ACCESS, ld a0, 0(a1))
    CHECK_MEM(s_trap_tval, UNMAPPED_ADDR)
    li a1, UNMAPPED_ADDR + 0x10
    TEST_S_TRAP(9, PRV_U, CAUSE_STORE_ACCESS, sw a0, 0(a1))
    CHECK_MEM(s_trap_tval, UNMAPPED_ADDR + 0x10)
    csrw medeleg, x0

    /* 10: non-delegated ecall from S goes to M even with other bits set */
    li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL)
    csrw medeleg, t0
    TEST_TRAP_MODE(10, PRV_S, CAUSE_ECALL_S, ecall)
    /* 11: delegated ecall from S (bit 9), if delegatable */
    SET_TESTNUM(11)
    li t0, 1 << CAUSE_ECALL_S
    csrw medeleg, t0
    csrr a0, medeleg
    beqz a0, 1f
    SET_TESTNUM(12)
    ARM_S_TRAP(9f)
    GOTO_MODE(PRV_S, 7f)
7:  ecall
    j fail
9:  ARM_M_TRAP(8f)             /* back to M via a (non-delegated) illegal MRET */
    mret
    j fail
8:  CHECK_MEM(s_trap_cause, CAUSE_ECALL_S)
    CHECK_MEM_ADDR(s_trap_epc, 7b)
1:  csrw medeleg, x0

    /* 13: S-mode can read its trap CSRs and scause/sepc/stval are writable */
    SET_TESTNUM(13)
    GOTO_MODE(PRV_S, 1f)
1:  li a1, 0x8000000000000009
    csrw scause, a1
    csrr a2, scause
    bne a1, a2, fail
    li a1, 0x1234
    csrw sscratch, a1          /* sscratch is restored below from M */
    csrr a2, sscratch
    bne a1, a2, fail
    GOTO_M(2f)
2:  la t0, s_trap_save
    csrw sscratch, t0
    TEST_PASS
