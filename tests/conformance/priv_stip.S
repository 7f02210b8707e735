/* Privileged: supervisor timer interrupt pending bit written by M-mode
 * (mip.STIP is writable by M while menvcfg.STCE = 0, the reset value), read
 * through sip when delegated; taken in M when not delegated, in S when
 * delegated through mideleg (scause = interrupt | 5), and not taken in S
 * while sie.STIE = 0. */
#include "test.h"

/* Give the interrupt up to 1000 loop iterations to arrive. */
#define WAIT_COUNT1 li t4, 1000; 5: bnez s10, 6f; addi t4, t4, -1; bnez t4, 5b; 6:
    .text
    .globl test_main
test_main:
    li s10, 0
    csrw menvcfg, x0
    /* 1: M sets and clears STIP */
    SET_TESTNUM(1)
    li t0, MIP_STIP
    csrs mip, t0
    csrr a0, mip
    and a0, a0, t0
    CHECK_REG(a0, MIP_STIP)
    csrc mip, t0
    csrr a0, mip
    and a0, a0, t0
    CHECK_REG(a0, 0)
    /* 2: not delegated: taken in M */
    SET_TESTNUM(2)
    SET_MTVEC(m_handler)
    li t0, MIP_STIP
    csrw mie, t0
    csrs mip, t0
    csrsi mstatus, MSTATUS_MIE
    WAIT_COUNT1
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s10, 1)
    CHECK_REG(s8, CAUSE_INTR | IRQ_S_TIMER)
    RESTORE_MTVEC
    /* 3: delegated: visible in sip, not taken in S while sie.STIE = 0 */
    SET_TESTNUM(3)
    li s10, 0
    SET_STVEC(s_handler)
    li t0, MIP_STIP
    csrw mideleg, t0
    csrw mie, x0
    csrs mip, t0
    csrsi mstatus, MSTATUS_SIE
    GOTO_MODE(PRV_S, 1f)
1:  csrr a0, sip
    andi a0, a0, MIP_STIP
    CHECK_REG(a0, MIP_STIP)
    nop
    CHECK_REG(s10, 0)
    /* 4: enabling sie.STIE in S takes it in S */
    SET_TESTNUM(4)
    li t0, MIP_STIP
    csrs sie, t0
    WAIT_COUNT1
    CHECK_REG(s10, 1)
    CHECK_REG(s8, CAUSE_INTR | IRQ_S_TIMER)
    GOTO_M(2f)
2:  li t0, MIP_STIP
    csrc mip, t0
    csrw mideleg, x0
    csrw mie, x0
    csrci mstatus, MSTATUS_SIE
    RESTORE_STVEC
    TEST_PASS

/* M handler: record, clear mip.STIP, return. */
    .balign 64
m_handler:
    csrr s8, mcause
    addi s10, s10, 1
    csrw mscratch, t0          /* mscratch is restored below */
    li t0, MIP_STIP
    csrc mip, t0
    la t0, m_trap_save
    csrrw t0, mscratch, t0
    mret
/* S handler: record, disable sie.STIE (S cannot clear STIP), return.
 * Exceptions (the GOTO_M ecall) go to the default S handler. */
    .balign 64
s_handler:
    csrw sscratch, t0
    csrr t0, scause
    bgez t0, 1f
    mv s8, t0
    addi s10, s10, 1
    li t0, MIP_STIP
    csrc sie, t0
    la t0, s_trap_save
    csrrw t0, sscratch, t0
    sret
1:  la t0, s_trap_save
    csrrw t0, sscratch, t0
    j s_trap_vector
