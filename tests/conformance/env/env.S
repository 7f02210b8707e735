/* rvisor conformance suite -- reset code, trap handlers, pass/fail, HTIF.
 * Linked first into every test (see build.sh). See test.h for the model. */
#include "test.h"

    .section .text.init, "ax"
    .option norvc
    .globl _start
_start:
    j reset_vector

    .balign 4
reset_vector:
    /* Park every hart but hart 0. */
    csrr t0, mhartid
1:  beqz t0, 2f
    wfi
    j 1b
2:
    /* PMP: entry 0 = NAPOT over the whole address space, RWX. A hart without
     * PMP traps on the CSR write; mtvec points past it, so it is skipped. */
    la t0, 3f
    csrw mtvec, t0
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f             /* A = NAPOT, X W R */
    csrw pmpcfg0, t0
    .balign 4
3:  la t0, 4f
    csrw mtvec, t0
    csrwi satp, 0
    .balign 4
4:  la t0, m_trap_vector
    csrw mtvec, t0
    la t0, s_trap_vector
    csrw stvec, t0
    csrwi medeleg, 0
    csrwi mideleg, 0
    csrwi mie, 0
    csrwi mip, 0
    la t0, m_trap_save
    csrw mscratch, t0
    la t0, s_trap_save
    csrw sscratch, t0
    li t0, FS_INITIAL
    csrw mstatus, t0
    csrwi fcsr, 0
    /* Initialise registers to known values. */
    li x1, 0
    li x3, 0
    li x4, 0
    li x5, 0
    li x6, 0
    li x7, 0
    li x8, 0
    li x9, 0
    li x10, 0
    li x11, 0
    li x12, 0
    li x13, 0
    li x14, 0
    li x15, 0
    li x16, 0
    li x17, 0
    li x18, 0
    li x19, 0
    li x20, 0
    li x21, 0
    li x22, 0
    li x23, 0
    li x24, 0
    li x25, 0
    li x26, 0
    li x27, 0
    li x28, 0
    li x29, 0
    li x30, 0
    li x31, 0
    la sp, stack_top
    j test_main

/* ---------------------------------------------------------------- pass/fail */
    .globl pass
pass:
    fence
    li t0, 1
    la t1, tohost
    sd t0, 0(t1)
1:  j 1b

    .globl fail
fail:
    fence
    mv t0, TESTNUM
    bnez t0, 1f
    li t0, 0x3ff            /* failure before the first numbered test */
1:  slli t0, t0, 1
    ori t0, t0, 1
    la t1, tohost
    sd t0, 0(t1)
2:  j 2b

/* ---------------------------------------------------------- M trap handler */
    .balign 64
    .globl m_trap_vector
m_trap_vector:
    csrrw t0, mscratch, t0          /* t0 = save area */
    sd t1, 0(t0)
    sd t2, 8(t0)
    csrr t1, mscratch               /* original t0 */
    sd t1, 16(t0)
    la t1, m_trap_resume
    ld t1, 0(t1)
    bnez t1, m_armed
    /* Not armed: only the GOTO_M ecall service is allowed. */
    csrr t1, mcause
    li t2, CAUSE_ECALL_U
    beq t1, t2, 1f
    li t2, CAUSE_ECALL_S
    beq t1, t2, 1f
    j fail
1:  li t2, GOTO_M_MAGIC
    bne a7, t2, fail
    csrw mepc, t6                   /* GOTO_M target */
    li t1, MSTATUS_MPP
    csrs mstatus, t1
    j m_restore

m_armed:                            /* t1 = resume address */
    sd t3, 24(t0)
    la t2, m_trap_resume
    sd x0, 0(t2)                    /* disarm */
    la t2, m_trap_cause
    csrr t3, mcause
    sd t3, 0(t2)
    csrr t3, mepc
    sd t3, 8(t2)
    csrr t3, mtval
    sd t3, 16(t2)
    csrr t3, mstatus
    sd t3, 24(t2)
    ld t3, 32(t2)
    addi t3, t3, 1
    sd t3, 32(t2)                   /* m_trap_count */
    ld t3, 24(t0)
    li t2, 1
    beq t1, t2, m_restore           /* resume = 1: back to mepc */
    csrw mepc, t1
    li t1, MSTATUS_MPP
    csrs mstatus, t1                /* continue in M-mode */
m_restore:
    ld t1, 16(t0)
    csrw mscratch, t1               /* mscratch = original t0 (temporarily) */
    ld t1, 0(t0)
    ld t2, 8(t0)
    csrrw t0, mscratch, t0          /* t0 restored, mscratch = save area */
    mret

/* ---------------------------------------------------------- S trap handler */
    .balign 64
    .globl s_trap_vector
s_trap_vector:
    csrrw t0, sscratch, t0
    sd t1, 0(t0)
    sd t2, 8(t0)
    csrr t1, sscratch
    sd t1, 16(t0)
    la t1, s_trap_resume
    ld t1, 0(t1)
    bnez t1, s_armed
    /* Not armed: forward a GOTO_M ecall from U to M, anything else fails. */
    csrr t1, scause
    li t2, CAUSE_ECALL_U
    bne t1, t2, fail
    li t2, GOTO_M_MAGIC
    bne a7, t2, fail
    ld t1, 16(t0)
    csrw sscratch, t1
    ld t1, 0(t0)
    ld t2, 8(t0)
    csrrw t0, sscratch, t0
    ecall                           /* ecall from S: the M handler goes to t6 */
    j fail

s_armed:
    sd t3, 24(t0)
    la t2, s_trap_resume
    sd x0, 0(t2)
    la t2, s_trap_cause
    csrr t3, scause
    sd t3, 0(t2)
    csrr t3, sepc
    sd t3, 8(t2)
    csrr t3, stval
    sd t3, 16(t2)
    csrr t3, sstatus
    sd t3, 24(t2)
    ld t3, 32(t2)
    addi t3, t3, 1
    sd t3, 32(t2)                   /* s_trap_count */
    ld t3, 24(t0)
    li t2, 1
    beq t1, t2, s_restore
    csrw sepc, t1
    li t1, MSTATUS_SPP
    csrs sstatus, t1                /* continue in S-mode */
s_restore:
    ld t1, 16(t0)
    csrw sscratch, t1
    ld t1, 0(t0)
    ld t2, 8(t0)
    csrrw t0, sscratch, t0
    sret

/* ------------------------------------------------------------------- data */
    .section .tohost, "aw", @progbits
    .balign 64
    .globl tohost
tohost: .dword 0
    .type tohost, @object
    .size tohost, 8
    .balign 64
    .globl fromhost
fromhost: .dword 0
    .type fromhost, @object
    .size fromhost, 8

    .data
    .balign 8
    .globl m_trap_resume, m_trap_cause, m_trap_epc, m_trap_tval, m_trap_status, m_trap_count
m_trap_resume: .dword 0
m_trap_cause:  .dword 0
m_trap_epc:    .dword 0
m_trap_tval:   .dword 0
m_trap_status: .dword 0
m_trap_count:  .dword 0
    .globl s_trap_resume, s_trap_cause, s_trap_epc, s_trap_tval, s_trap_status, s_trap_count
s_trap_resume: .dword 0
s_trap_cause:  .dword 0
s_trap_epc:    .dword 0
s_trap_tval:   .dword 0
s_trap_status: .dword 0
s_trap_count:  .dword 0
    .globl m_trap_save, s_trap_save
m_trap_save:   .dword 0, 0, 0, 0
s_trap_save:   .dword 0, 0, 0, 0

    .bss
    .balign 16
stack:  .skip 4096
    .globl stack_top
stack_top:
