/* Zicsr: CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI (old value returned,
 * set/clear masks, 5-bit zero-extended immediates, rs1 = x0 / uimm = 0 means
 * "no write" so read-only CSRs may be read, while any write attempt to a
 * read-only CSR is illegal with mtval = instruction bits, unknown CSRs are
 * illegal) and the unprivileged counters cycle/instret (monotonic). */
#include "test.h"
    .text
    .globl test_main
test_main:
    csrr s0, mscratch          /* the M trap handler's save pointer */
    TEST_CASE(1, a0, 0, csrw mscratch, x0; li a1, 0x123456789abcdef0; csrrw a0, mscratch, a1)
    TEST_CASE(2, a0, 0x123456789abcdef0, csrr a0, mscratch)
    TEST_CASE(3, a0, 0x123456789abcdef0, li a1, 0xff; csrrs a0, mscratch, a1)
    TEST_CASE(4, a0, 0x123456789abcdeff, csrr a0, mscratch)
    TEST_CASE(5, a0, 0x123456789abcdeff, li a1, 0xf00000000000000f; csrrc a0, mscratch, a1)
    TEST_CASE(6, a0, 0x023456789abcdef0, csrr a0, mscratch)
    TEST_CASE(7, a0, 0x023456789abcdef0, csrrwi a0, mscratch, 31)
    TEST_CASE(8, a0, 31, csrrsi a0, mscratch, 0)
    TEST_CASE(9, a0, 31, csrrci a0, mscratch, 0x11)
    TEST_CASE(10, a0, 0x0e, csrr a0, mscratch)
    TEST_CASE(11, a0, 0x0e, csrrsi a0, mscratch, 0x10)
    TEST_CASE(12, a0, 0x1e, csrrs a0, mscratch, x0)
    TEST_CASE(13, a0, 0x1e, csrrc a0, mscratch, x0)
    TEST_CASE(14, a0, 0x1e, csrrw x0, mscratch, x0; li a0, 0x1e)    /* rd = x0 */
    TEST_CASE(15, a0, 0, csrr a0, mscratch)
    TEST_CASE(16, a0, 5, li a0, 5; csrrw a0, mscratch, a0; csrr a0, mscratch)  /* rd = rs1 */
    csrw mscratch, s0

    /* read-only CSRs: reads are fine, writes illegal */
    TEST_CASE(20, a0, 0, csrr a0, mhartid)
    TEST_NO_TRAP(21, csrrs a0, mhartid, x0; csrrc a0, mhartid, x0; csrrsi a0, mhartid, 0; csrrci a0, mhartid, 0)
    TEST_ILLEGAL(22, csrw mhartid, x0)
    /* csrrs/csrrc with rs1 != x0 holding 0 on a read-only CSR: see zicsr_ro_zero.S */
    TEST_ILLEGAL(26, csrrci a0, mvendorid, 1)
    TEST_ILLEGAL(27, csrrwi a0, marchid, 0)             /* csrrw always writes */
    TEST_ILLEGAL(28, csrw cycle, x0)
    TEST_ILLEGAL(29, csrw instret, x0)
    /* unknown CSR numbers are illegal */
    TEST_ILLEGAL(30, csrr a0, 0x0ff)
    TEST_ILLEGAL(31, csrr a0, 0x7ff)
    TEST_ILLEGAL(32, csrw 0x3ff, x0)

    /* counters */
    SET_TESTNUM(40)
    rdinstret a1
    nop
    nop
    rdinstret a2
    bleu a2, a1, fail
    SET_TESTNUM(41)
    rdcycle a1
    li a3, 100
1:  addi a3, a3, -1
    bnez a3, 1b
    rdcycle a2
    bltu a2, a1, fail
    SET_TESTNUM(42)            /* mcycle/minstret are the same counters, writable */
    csrr a1, minstret
    csrr a2, instret
    bltu a2, a1, fail
    SET_TESTNUM(43)
    li a1, 1000
    csrw minstret, a1
    csrr a2, minstret
    li a3, 1000
    bltu a2, a3, fail
    li a3, 1 << 40             /* QEMU counts host ticks, so no tight bound */
    bgeu a2, a3, fail
    TEST_PASS
