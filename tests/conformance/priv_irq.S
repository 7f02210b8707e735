/* Privileged: interrupts. CLINT machine software interrupt (msip at
 * 0x2000000) and machine timer (mtimecmp 0x2004000 / mtime 0x200BFF8);
 * mip.MSIP/MTIP follow the CLINT and are read-only in mip; mie gating and
 * mstatus.MIE global enable; trap entry state (MPIE, MIE, mcause with the
 * interrupt bit); priority MSI over MTI; vectored mtvec (interrupts at
 * BASE + 4 * cause, exceptions at BASE); WFI wakes on a pending enabled
 * interrupt even with MIE = 0; M interrupts are taken in S/U regardless of
 * MIE; an interrupt ending WFI is taken after it; supervisor software
 * interrupt (mip.SSIP set by M) taken in M when not delegated, and in S when
 * delegated through mideleg (gated by SIE in S, always enabled in U). */
#include "test.h"

/* Handlers record: s6 = mcause of the first interrupt, s8 = last cause,
 * s9 = last epc, s10 = count, s11 = mstatus at entry, s7 = vector slot. */
/* Wait (at most 20 ms of mtime) until the handler count s10 reaches k. */
#define SPIN_UNTIL_COUNT(k) \
    li t4, CLINT_MTIME; ld t3, 0(t4); li t5, 200000; add t3, t3, t5; \
1:  li t5, k; beq s10, t5, 2f; ld t5, 0(t4); bltu t5, t3, 1b; \
    li t5, k; beq s10, t5, 2f; j fail; 2:

#define MTIME_NOW(reg) li reg, CLINT_MTIME; ld reg, 0(reg)

    .text
    .globl test_main
test_main:
    li s6, 0
    li s7, 0
    li s10, 0
    SET_MTVEC(irq_m_handler)

    /* 1: msip raises mip.MSIP; not taken while MIE = 0 */
    SET_TESTNUM(1)
    csrwi mie, MIP_MSIP
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    lw a0, 0(t0)
    CHECK_REG(a0, 1)
    li t4, 100000
1:  csrr a0, mip
    andi a0, a0, MIP_MSIP
    bnez a0, 2f
    addi t4, t4, -1
    bnez t4, 1b
    j fail
2:  CHECK_REG(s10, 0)
    /* 2: enabling MIE takes it: mcause, MPIE = 1, MIE = 0, MPP = M */
    SET_TESTNUM(2)
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_COUNT(1)
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s8, CAUSE_INTR | IRQ_M_SOFT)
    li t6, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
    and a0, s11, t6
    CHECK_REG(a0, MSTATUS_MPIE | MSTATUS_MPP)
    /* 3: the handler cleared msip: mip.MSIP is 0 */
    SET_TESTNUM(3)
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK_REG(a0, 0)
    /* 4: MSIP is read-only in mip */
    SET_TESTNUM(4)
    csrsi mip, MIP_MSIP
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK_REG(a0, 0)
    /* 5: pending but not enabled in mie: not taken */
    SET_TESTNUM(5)
    csrwi mie, 0
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s10, 1)
    sw x0, 0(t0)

    /* 6: mtime advances */
    SET_TESTNUM(6)
    MTIME_NOW(a1)
    li t4, 1000
1:  addi t4, t4, -1
    bnez t4, 1b
    MTIME_NOW(a2)
    bleu a2, a1, fail
    /* 7: mtimecmp in the past sets mip.MTIP (MIE = 0: no trap) */
    SET_TESTNUM(7)
    li t0, CLINT_MTIMECMP
    sd x0, 0(t0)
    li t4, 100000
1:  csrr a0, mip
    andi a0, a0, MIP_MTIP
    bnez a0, 2f
    addi t4, t4, -1
    bnez t4, 1b
    j fail
2:  CHECK_REG(s10, 1)
    /* 8: mtimecmp in the future clears it */
    SET_TESTNUM(8)
    li t1, -1
    sd t1, 0(t0)
    li t4, 100000
1:  csrr a0, mip
    andi a0, a0, MIP_MTIP
    beqz a0, 2f
    addi t4, t4, -1
    bnez t4, 1b
    j fail
2:
    /* 9: timer interrupt taken after mtimecmp = now + 1000 ticks (100 us) */
    SET_TESTNUM(9)
    li t1, MIP_MTIP; csrw mie, t1
    csrsi mstatus, MSTATUS_MIE
    MTIME_NOW(a1)
    addi a1, a1, 1000
    li t0, CLINT_MTIMECMP
    sd a1, 0(t0)
    SPIN_UNTIL_COUNT(2)
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s8, CAUSE_INTR | IRQ_M_TIMER)
    MTIME_NOW(a2)
    bltu a2, a1, fail          /* not before mtimecmp */

    /* 10: WFI with MIE = 0 resumes once an enabled interrupt is pending */
    SET_TESTNUM(10)
    li t1, MIP_MTIP; csrw mie, t1
    MTIME_NOW(a1)
    addi a1, a1, 500
    li t0, CLINT_MTIMECMP
    sd a1, 0(t0)
    li t4, 1000
1:  wfi
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    bnez a0, 2f
    addi t4, t4, -1
    bnez t4, 1b
    j fail
2:  CHECK_REG(s10, 2)          /* no trap taken */
    li t1, -1
    sd t1, 0(t0)

    /* 11: priority: MSI before MTI when both become enabled together */
    SET_TESTNUM(11)
    li s6, 0
    csrwi mie, 0
    li t0, CLINT_MTIMECMP
    sd x0, 0(t0)
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    li t4, 100000
1:  csrr a0, mip
    andi a0, a0, MIP_MTIP | MIP_MSIP
    li t6, MIP_MTIP | MIP_MSIP
    beq a0, t6, 2f
    addi t4, t4, -1
    bnez t4, 1b
    j fail
2:  li s10, 0
    li t1, MIP_MTIP | MIP_MSIP
    csrw mie, t1
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_COUNT(2)
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s6, CAUSE_INTR | IRQ_M_SOFT)
    CHECK_REG(s8, CAUSE_INTR | IRQ_M_TIMER)

    /* 12-13: vectored mtvec */
    SET_TESTNUM(12)
    la t0, vec_table
    ori t0, t0, 1
    csrw mtvec, t0
    csrr a0, mtvec
    andi a0, a0, 3
    CHECK_REG(a0, 1)
    li s10, 0
    li s7, 0
    csrwi mie, MIP_MSIP
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_COUNT(1)
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s7, 3)
    CHECK_REG(s8, CAUSE_INTR | IRQ_M_SOFT)
    SET_TESTNUM(13)
    li s7, 0
    li t1, MIP_MTIP; csrw mie, t1
    li t0, CLINT_MTIMECMP
    sd x0, 0(t0)
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_COUNT(2)
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s7, 7)
    /* 14: exceptions still go to BASE in vectored mode */
    TEST_TRAP(14, CAUSE_ECALL_M, 0, ecall)
    CHECK_REG(s7, 7)
    SET_MTVEC(irq_m_handler)

    /* 15: M interrupt pending+enabled is taken in S even with MIE = 0 */
    SET_TESTNUM(15)
    li s10, 0
    csrwi mie, MIP_MSIP
    csrci mstatus, MSTATUS_MIE
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    GOTO_MODE(PRV_S, 1f)
1:  SPIN_UNTIL_COUNT(1)
    GOTO_M(2f)
2:  CHECK_REG(s8, CAUSE_INTR | IRQ_M_SOFT)
    srli a0, s11, 11
    andi a0, a0, 3
    CHECK_REG(a0, PRV_S)       /* MPP = S at entry */

    /* 16: SSIP set by M, not delegated: taken in M */
    SET_TESTNUM(16)
    li s10, 0
    csrw mideleg, x0
    csrwi mie, MIP_SSIP
    csrsi mip, MIP_SSIP
    csrr a0, mip
    andi a0, a0, MIP_SSIP
    CHECK_REG(a0, MIP_SSIP)
    csrsi mstatus, MSTATUS_MIE
    SPIN_UNTIL_COUNT(1)
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s8, CAUSE_INTR | IRQ_S_SOFT)

    /* 17: delegated SSIP is never taken in M, even with MIE = 1 */
    SET_TESTNUM(17)
    li s10, 0
    SET_STVEC(irq_s_handler)
    li t0, MIP_SSIP
    csrw mideleg, t0
    csrsi mip, MIP_SSIP
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s10, 0)
    /* 18: in S with SIE = 0: not taken; sip shows it */
    SET_TESTNUM(18)
    csrci mstatus, MSTATUS_SIE
    GOTO_MODE(PRV_S, 1f)
1:  csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK_REG(a0, MIP_SSIP)
    nop
    CHECK_REG(s10, 0)
    /* 19: setting SIE in S takes it to S: scause, sepc, SPP = S, SPIE = 1 */
    SET_TESTNUM(19)
    csrsi sstatus, MSTATUS_SIE
    SPIN_UNTIL_COUNT(1)
    csrci sstatus, MSTATUS_SIE
    CHECK_REG(s8, CAUSE_INTR | IRQ_S_SOFT)
    li t6, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE
    and a0, s11, t6
    CHECK_REG(a0, MSTATUS_SPP | MSTATUS_SPIE)
    /* 20: from U, a pending delegated S interrupt is taken even with SIE = 0 */
    SET_TESTNUM(20)
    GOTO_M(1f)
1:  li s10, 0
    csrsi mip, MIP_SSIP
    csrci mstatus, MSTATUS_SIE
    GOTO_MODE(PRV_U, 1f)
1:  SPIN_UNTIL_COUNT(1)
    GOTO_M(2f)
2:  CHECK_REG(s8, CAUSE_INTR | IRQ_S_SOFT)
    li t6, MSTATUS_SPP
    and a0, s11, t6
    CHECK_REG(a0, 0)           /* SPP = U */
    csrw mideleg, x0
    csrwi mie, 0
    RESTORE_STVEC

    /* 21: an enabled interrupt ends WFI and is taken with mepc = the
     * instruction after the WFI (or the WFI itself, if it had not started) */
    SET_TESTNUM(21)
    li s10, 0
    li t1, MIP_MTIP
    csrw mie, t1
    MTIME_NOW(a1)
    addi a1, a1, 500
    li t0, CLINT_MTIMECMP
    sd a1, 0(t0)
    csrsi mstatus, MSTATUS_MIE
1:  wfi
2:  beqz s10, 1b
    csrci mstatus, MSTATUS_MIE
    CHECK_REG(s8, CAUSE_INTR | IRQ_M_TIMER)
    la t0, 1b
    beq s9, t0, 3f
    la t0, 2b
    bne s9, t0, fail
3:  csrwi mie, 0
    RESTORE_MTVEC
    TEST_PASS

/* M-mode interrupt handler: records, clears the source, returns to mepc. */
    .balign 64
irq_m_handler:
    csrrw t0, mscratch, t0
    sd t1, 0(t0)
    sd t2, 8(t0)
    csrr t1, mcause
    bgez t1, 5f                /* exception: hand over to the default handler */
    mv s8, t1
    csrr s9, mepc
    csrr s11, mstatus
    bnez s10, 1f
    mv s6, s8
1:  addi s10, s10, 1
    li t1, CAUSE_INTR | IRQ_M_SOFT
    bne s8, t1, 2f
    li t1, CLINT_MSIP
    sw x0, 0(t1)
    j 9f
2:  li t1, CAUSE_INTR | IRQ_M_TIMER
    bne s8, t1, 3f
    li t1, CLINT_MTIMECMP
    li t2, -1
    sd t2, 0(t1)
    j 9f
3:  li t1, CAUSE_INTR | IRQ_S_SOFT
    bne s8, t1, fail
    csrci mip, MIP_SSIP
    j 9f
5:  ld t1, 0(t0)
    ld t2, 8(t0)
    csrrw t0, mscratch, t0
    j m_trap_vector
9:  ld t1, 0(t0)
    ld t2, 8(t0)
    csrrw t0, mscratch, t0
    mret

/* S-mode interrupt handler: records, clears sip.SSIP, returns to sepc.
 * Exceptions (the GOTO_M ecall from U) go to the default S handler. */
    .balign 64
irq_s_handler:
    csrrw t0, sscratch, t0
    sd t1, 0(t0)
    csrr t1, scause
    bgez t1, 1f
    mv s8, t1
    csrr s9, sepc
    csrr s11, sstatus
    addi s10, s10, 1
    csrci sip, MIP_SSIP
    ld t1, 0(t0)
    csrrw t0, sscratch, t0
    sret
1:  ld t1, 0(t0)
    csrrw t0, sscratch, t0
    j s_trap_vector

/* Vectored table: slot 0 = exceptions, slot 3 = MSI, slot 7 = MTI. */
    .balign 256
    .option push
    .option norvc
vec_table:
    j m_trap_vector            /* 0 */
    j fail                     /* 1 */
    j fail                     /* 2 */
    j vec_msi                  /* 3 */
    j fail                     /* 4 */
    j fail                     /* 5 */
    j fail                     /* 6 */
    j vec_mti                  /* 7 */
    j fail                     /* 8 */
    j fail                     /* 9 */
    j fail                     /* 10 */
    j fail                     /* 11 */
    .option pop
vec_msi:
    li s7, 3
    j irq_m_handler
vec_mti:
    li s7, 7
    j irq_m_handler
