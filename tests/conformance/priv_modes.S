/* Privileged: trap entry and xRET state changes.
 * Trap entry: MPIE <- MIE, MIE <- 0, MPP <- previous mode.
 * MRET: MIE <- MPIE, MPIE <- 1, MPP <- U, MPRV kept when MPP = M.
 * SRET (from S and from M): SIE <- SPIE, SPIE <- 1, SPP <- U; returns to the
 * mode in SPP. MPRV clearing: priv_mprv.S; xepc[0]: priv_xepc.S. */
#include "test.h"

#define FIELD(reg, mask) li t6, mask; and reg, reg, t6

    .text
    .globl test_main
test_main:
    /* 1-2: MRET to M */
    SET_TESTNUM(1)
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrs mstatus, t0
    li t0, MSTATUS_MIE
    csrc mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    FIELD(a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
    CHECK_REG(a0, MSTATUS_MPIE | MSTATUS_MIE)      /* MPP = U */
    csrci mstatus, MSTATUS_MIE
    SET_TESTNUM(2)             /* MPIE = 0 -> MIE = 0 */
    li t0, MSTATUS_MPP | MSTATUS_MIE
    csrs mstatus, t0
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    FIELD(a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
    CHECK_REG(a0, MSTATUS_MPIE)

    /* 3: MRET to S; trap from S records MPP = S, MPIE = MIE(S) = 0
     * (MRET clearing MPRV is checked in priv_mprv.S) */
    SET_TESTNUM(3)
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    ARM_M_TRAP(2f)
    GOTO_MODE(PRV_S, 1f)
1:  ecall
    j fail
2:  CHECK_MEM(m_trap_cause, CAUSE_ECALL_S)
    la a0, m_trap_status
    ld a0, 0(a0)
    FIELD(a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
    CHECK_REG(a0, PRV_S << 11)
    /* 4: MRET to M keeps MPRV */
    SET_TESTNUM(4)
    li t0, MSTATUS_MPRV | MSTATUS_MPP
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    FIELD(a0, MSTATUS_MPRV)
    CHECK_REG(a0, MSTATUS_MPRV)

    /* 5: trap entry: MIE -> MPIE, MIE cleared; handler's MRET restores MIE */
    SET_TESTNUM(5)
    csrsi mstatus, MSTATUS_MIE
    li t0, MSTATUS_MPIE
    csrc mstatus, t0
    ARM_M_TRAP(1f)
    ecall
    j fail
1:  la a0, m_trap_status
    ld a0, 0(a0)
    FIELD(a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
    CHECK_REG(a0, MSTATUS_MPP | MSTATUS_MPIE)
    csrr a0, mstatus
    csrci mstatus, MSTATUS_MIE
    FIELD(a0, MSTATUS_MIE)
    CHECK_REG(a0, MSTATUS_MIE)

    /* 6: SRET from S to U: SIE <- SPIE(1), SPIE <- 1, SPP <- U */
    SET_TESTNUM(6)
    ARM_M_TRAP(3f)
    GOTO_MODE(PRV_S, 1f)
1:  li t0, MSTATUS_SPP | MSTATUS_SIE
    csrc sstatus, t0
    li t0, MSTATUS_SPIE
    csrs sstatus, t0
    la t0, 2f
    csrw sepc, t0
    sret
2:  ecall                      /* from U */
    j fail
3:  CHECK_MEM(m_trap_cause, CAUSE_ECALL_U)
    CHECK_MEM_ADDR(m_trap_epc, 2b)
    la a0, m_trap_status
    ld a0, 0(a0)
    FIELD(a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_MPP)
    CHECK_REG(a0, MSTATUS_SPIE | MSTATUS_SIE)
    csrci mstatus, MSTATUS_SIE

    /* 7: SRET from S to S: SIE <- SPIE(0), SPIE <- 1, SPP <- U */
    SET_TESTNUM(7)
    ARM_M_TRAP(3f)
    GOTO_MODE(PRV_S, 1f)
1:  li t0, MSTATUS_SPP | MSTATUS_SIE
    csrs sstatus, t0
    li t0, MSTATUS_SPIE
    csrc sstatus, t0
    la t0, 2f
    csrw sepc, t0
    sret
2:  ecall                      /* from S */
    j fail
3:  CHECK_MEM(m_trap_cause, CAUSE_ECALL_S)
    la a0, m_trap_status
    ld a0, 0(a0)
    FIELD(a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_MPP)
    CHECK_REG(a0, MSTATUS_SPIE | (PRV_S << 11))

    /* 8: SRET executed in M returns to S (SPP <- U) */
    SET_TESTNUM(8)
    li t0, MSTATUS_SPP
    csrs mstatus, t0
    la t0, 1f
    csrw sepc, t0
    ARM_M_TRAP(2f)
    sret
1:  ecall
    j fail
2:  CHECK_MEM(m_trap_cause, CAUSE_ECALL_S)
    la a0, m_trap_status
    ld a0, 0(a0)
    FIELD(a0, MSTATUS_SPP)
    CHECK_REG(a0, 0)
    /* 9: SRET in M with SPP = U goes to U */
    SET_TESTNUM(9)
    li t0, MSTATUS_SPP
    csrc mstatus, t0
    la t0, 1f
    csrw sepc, t0
    ARM_M_TRAP(2f)
    sret
1:  ecall
    j fail
2:  CHECK_MEM(m_trap_cause, CAUSE_ECALL_U)

    /* xepc[0] reads zero: priv_xepc.S */
    /* 12: mcause / mtval / scause / stval are plain read-write registers */
    TEST_CASE(12, a0, 0x5, csrwi mcause, 5; csrr a0, mcause)
    TEST_CASE(13, a0, 0x123456789, li a1, 0x123456789; csrw mtval, a1; csrr a0, mtval)
    TEST_CASE(14, a0, 0x123456789, csrw stval, a1; csrr a0, stval)
    TEST_PASS
