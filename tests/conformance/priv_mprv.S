/* Privileged: xRET to a mode below M clears mstatus.MPRV (privileged spec
 * since 1.12: "If y != M, xRET also sets MPRV=0"); MRET to M keeps it.
 *
 * EXCLUDED from the QEMU oracle run: QEMU 7.2's spike CPU keeps MPRV set
 * after MRET to S/U and after SRET (priv-1.11 behaviour, observed). */
#include "test.h"
    .text
    .globl test_main
test_main:
    /* 1: MRET to S clears MPRV (seen in the mstatus recorded at the S ecall) */
    SET_TESTNUM(1)
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    ARM_M_TRAP(2f)
    GOTO_MODE(PRV_S, 1f)
1:  ecall
    j fail
2:  CHECK_MEM(m_trap_cause, CAUSE_ECALL_S)
    la a0, m_trap_status
    ld a0, 0(a0)
    li t6, MSTATUS_MPRV
    and a0, a0, t6
    bnez a0, fail
    /* 2: MRET to U clears MPRV */
    SET_TESTNUM(2)
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    ARM_M_TRAP(2f)
    GOTO_MODE(PRV_U, 1f)
1:  ecall
    j fail
2:  CHECK_MEM(m_trap_cause, CAUSE_ECALL_U)
    la a0, m_trap_status
    ld a0, 0(a0)
    li t6, MSTATUS_MPRV
    and a0, a0, t6
    bnez a0, fail
    /* 3: SRET from M to S clears MPRV (MPP = M so MPRV is harmless in M) */
    SET_TESTNUM(3)
    li t0, MSTATUS_SPP | MSTATUS_MPRV | MSTATUS_MPP
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
    li t6, MSTATUS_MPRV
    and a0, a0, t6
    bnez a0, fail
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
    and a0, a0, t0
    beqz a0, fail
    TEST_PASS
