/*
 * crt0.S - entry code shared by all rvisor guests.
 *
 * Entered in M-mode at 0x80000000 (MMU off) with a0 = hart id, a1 = DTB.
 * Hart 0: enables the FPU (mstatus.FS = Initial), installs a trap vector,
 * sets gp/sp, zeroes .bss, then calls main(hartid, dtb) and powers off
 * with main's return value (0 = pass).  Other harts park in a wfi loop.
 */
    .file   "crt0.S"                /* fixed name: keeps the ELF reproducible */
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    bnez    a0, park                /* only hart 0 runs the guest */

    li      t0, (1 << 13)           /* mstatus.FS = 01 (Initial) */
    csrs    mstatus, t0
    csrw    fcsr, zero

    la      t0, trap_entry
    csrw    mtvec, t0

.option push
.option norelax
    la      gp, __global_pointer$
.option pop
    la      sp, __stack_top

    la      t0, __bss_start         /* zero .bss (8-byte aligned by link.ld) */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    call    main                    /* a0/a1 still hold hartid/dtb */
    call    rt_exit                 /* never returns */

park:
    wfi
    j       park

/* Any trap is a guest bug: report it and fail with code 0xEE. */
    .align  2
trap_entry:
    la      sp, __stack_top
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    rt_trap                 /* never returns */
3:  j       3b
