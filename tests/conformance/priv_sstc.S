/* Privileged: Sstc (stimecmp, CSR 0x14D), tested only if implemented: if
 * reading stimecmp in M-mode is an illegal instruction the extension is
 * absent and the program passes after test 1 (Sstc is optional).
 * menvcfg.STCE enables it; STIP = (time >= stimecmp) and is then read-only in
 * mip; S-mode access needs STCE and mcounteren.TM; a delegated supervisor
 * timer interrupt is raised from S by writing stimecmp and cleared by moving
 * stimecmp into the future.
 * On QEMU's spike machine (no rdtime) stimecmp is illegal, so only test 1
 * runs there; the full program passes on QEMU virt (tools/run_qemu_virt.py). */
#include "test.h"

#define CSR_STIMECMP 0x14d
#define MENVCFG_STCE (1 << 63)

    .text
    .globl test_main
test_main:
    /* 1: probe */
    SET_TESTNUM(1)
    ARM_M_TRAP(absent)
    csrr a0, CSR_STIMECMP
    DISARM_M_TRAP
    /* 2: STCE is writable */
    SET_TESTNUM(2)
    li t0, MENVCFG_STCE
    csrs menvcfg, t0
    csrr a0, menvcfg
    and a0, a0, t0
    beqz a0, fail
    /* 3: stimecmp in the future: STIP = 0; M cannot set it through mip */
    SET_TESTNUM(3)
    li t0, -1
    csrw CSR_STIMECMP, t0
    li t1, MIP_STIP
    csrs mip, t1
    csrr a0, mip
    and a0, a0, t1
    CHECK_REG(a0, 0)
    /* 4: stimecmp in the past: STIP = 1; M cannot clear it through mip */
    SET_TESTNUM(4)
    csrw CSR_STIMECMP, x0
    li t4, 100000
1:  csrr a0, mip
    and a0, a0, t1
    bnez a0, 2f
    addi t4, t4, -1
    bnez t4, 1b
    j fail
2:  csrc mip, t1
    csrr a0, mip
    and a0, a0, t1
    CHECK_REG(a0, MIP_STIP)
    li t0, -1
    csrw CSR_STIMECMP, t0
    /* 5-6: S access gated by mcounteren.TM */
    csrwi mcounteren, 0
    TEST_ILLEGAL_MODE(5, PRV_S, csrr a0, CSR_STIMECMP)
    csrwi mcounteren, 2
    SET_TESTNUM(6)
    GOTO_MODE(PRV_S, 1f)
1:  csrr a0, CSR_STIMECMP
    GOTO_M(2f)
2:  CHECK_REG(a0, -1)
    /* 7: ... and by STCE */
    li t0, MENVCFG_STCE
    csrc menvcfg, t0
    TEST_ILLEGAL_MODE(7, PRV_S, csrw CSR_STIMECMP, x0)
    li t0, MENVCFG_STCE
    csrs menvcfg, t0
    /* 8: delegated timer interrupt programmed from S */
    SET_TESTNUM(8)
    li s10, 0
    SET_STVEC(sti_handler)
    li t0, MIP_STIP
    csrw mideleg, t0
    csrw mie, t0
    csrsi mstatus, MSTATUS_SIE
    GOTO_MODE(PRV_S, 1f)
1:  rdtime a1
    addi a1, a1, 1000
    csrw CSR_STIMECMP, a1
    li t4, 200000              /* wait up to 20 ms of time */
    add t4, t4, a1
3:  bnez s10, 4f
    rdtime t5
    bltu t5, t4, 3b
    bnez s10, 4f
    j fail
4:  csrci sstatus, MSTATUS_SIE
    rdtime a2
    GOTO_M(2f)
2:  CHECK_REG(s10, 1)
    CHECK_REG(s8, CAUSE_INTR | IRQ_S_TIMER)
    bltu a2, a1, fail          /* not before stimecmp */
    csrw mideleg, x0
    csrw mie, x0
    csrwi mcounteren, 0
    li t0, MENVCFG_STCE
    csrc menvcfg, t0
    RESTORE_STVEC
    TEST_PASS
absent:
    CHECK_MEM(m_trap_cause, CAUSE_ILLEGAL)
    TEST_PASS

/* S timer handler: record, move stimecmp to the future, return. Exceptions
 * (the GOTO_M ecall) go to the default S handler. */
    .balign 64
sti_handler:
    csrw sscratch, t0
    csrr t0, scause
    bgez t0, 1f
    mv s8, t0
    addi s10, s10, 1
    li t0, -1
    csrw CSR_STIMECMP, t0
    la t0, s_trap_save
    csrrw t0, sscratch, t0
    sret
1:  la t0, s_trap_save
    csrrw t0, sscratch, t0
    j s_trap_vector
