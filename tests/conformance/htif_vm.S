/* HTIF under address translation, as riscv-tests' "v" environment uses it:
 * its supervisor kernel runs at a high virtual address (the top gigapage
 * mapped onto RAM) and reaches `tohost` through that mapping. The command
 * must be taken from the physical word whatever virtual address the store
 * used: a bcd console write clears tohost, and the final exit is written
 * from S-mode through the high mapping (a hang here is a failure: the
 * harness times out).
 *
 * Sv39: root[2] maps VA 0x80000000 onto itself (1 GiB, for M-mode-style
 * absolute addresses in the env), root[511] maps VA 0xffffffffc0000000 onto
 * RAM at 0x80000000. */
#include "test.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_A 0x40
#define PTE_D 0x80
#define GIGA_RAM ((0x80000000 >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
/* high VA minus PA for RAM: 0xffffffffc0000000 - 0x80000000 */
#define HIGH_OFFSET 0xffffffff40000000
#define SATP_SV39 (8 << 60)

    .text
    .globl test_main
test_main:
    SET_TESTNUM(1)
    la a0, root_pt
    li t0, GIGA_RAM
    sd t0, 2*8(a0)
    li t1, 511*8
    add t1, a0, t1
    sd t0, 0(t1)
    srli t0, a0, 12
    li t1, SATP_SV39
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    /* enter S at the high alias of s_code */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, PRV_S << 11
    csrs mstatus, t0
    la t0, s_code
    li t1, HIGH_OFFSET
    add t0, t0, t1
    csrw mepc, t0
    mret

s_code:
    /* 2: the pc really is the high alias */
    SET_TESTNUM(2)
    auipc t0, 0
    bgez t0, fail
    /* 3: a bcd write through the high alias of tohost is taken (cleared) */
    SET_TESTNUM(3)
    /* pc-relative, so this is the high alias of tohost */
    la t2, tohost
    bgez t2, fail
    li t0, (0x0101 << 48) | 0x0a
    sd t0, 0(t2)
    fence
    ld t0, 0(t2)
    bnez t0, fail
    /* 4: exit (pass) through the high alias */
    SET_TESTNUM(4)
    li t0, 1
    sd t0, 0(t2)
1:  j 1b

    .data
    .balign 4096
root_pt: .fill 512, 8, 0
