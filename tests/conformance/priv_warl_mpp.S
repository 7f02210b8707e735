/* Privileged: mstatus.MPP is WARL and "can hold only privilege mode x and any
 * implemented privilege mode lower than x" (machine.adoc), so writing the
 * reserved encoding 2 must read back as some other (legal) value; SPP is one
 * bit. Writing 3, 1, 0 reads back.
 *
 * EXCLUDED from the QEMU oracle run: QEMU 7.2 stores MPP = 2 unchanged
 * (observed; later QEMU legalizes MPP in write_mstatus). */
#include "test.h"
    .text
    .globl test_main
test_main:
    SET_TESTNUM(1)
    li t1, MSTATUS_MPP
    csrc mstatus, t1
    li t0, 2 << 11
    csrs mstatus, t0
    csrr a0, mstatus
    and a0, a0, t1
    li t6, 2 << 11
    beq a0, t6, fail
    TEST_CASE(2, a0, 3 << 11, csrs mstatus, t1; csrr a0, mstatus; and a0, a0, t1)
    TEST_PASS
