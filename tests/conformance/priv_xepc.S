/* Privileged: mepc[0] and sepc[0] are always zero (with C, IALIGN = 16,
 * so bit 1 is kept); an xRET to such a value returns to the even address.
 *
 * EXCLUDED from the QEMU oracle run: QEMU 7.2 stores and returns the written
 * value unmasked (observed: writing 0x80001235 does not read back 0x80001234). */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_CASE(1, a0, 0x80001234, li a1, 0x80001235; csrw mepc, a1; csrr a0, mepc)
    TEST_CASE(2, a0, 0x80001236, li a1, 0x80001237; csrw sepc, a1; csrr a0, sepc)
    TEST_CASE(3, a0, 0x80001236, li a1, 0x80001236; csrw mepc, a1; csrr a0, mepc)
    /* MRET to an odd mepc value lands on the even address */
    SET_TESTNUM(4)
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    la t0, 1f
    addi t0, t0, 1
    csrw mepc, t0
    mret
    j fail
1:  TEST_PASS
