/* Privileged: medeleg[11] (environment call from M-mode) is read-only zero
 * (machine.adoc, medeleg: "In particular, medeleg[11] is read-only zero"),
 * and an M-mode ECALL traps to M even after writing all ones to medeleg.
 *
 * EXCLUDED from the QEMU oracle run: QEMU 7.2 lets bit 11 be set (observed:
 * writing all ones reads back 0xbfff in bits 15:0). */
#include "test.h"
    .text
    .globl test_main
test_main:
    SET_TESTNUM(1)
    li t0, -1
    csrw medeleg, t0
    csrr a0, medeleg
    li t6, 1 << 11
    and a0, a0, t6
    bnez a0, fail
    TEST_TRAP(2, CAUSE_ECALL_M, 0, ecall)
    csrw medeleg, x0
    TEST_PASS
