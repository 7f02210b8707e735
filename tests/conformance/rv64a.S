/* RV64A: LR.W/D, SC.W/D (success, failure without reservation, failure after
 * the reservation was consumed, failure on another address, failed SC leaves
 * memory unchanged), and every AMO in .W and .D form (old value returned,
 * sign-extended for .W; new value in memory; signed/unsigned min/max edges;
 * aq/rl orderings; x0 destination). */
#include "test.h"

/* AMO test: mem = init; rd = amo(mem, src); check rd == old, mem == new. */
#define TEST_AMO_D(n, inst, init, src, old, new) \
    TEST_CASE(n, a0, old, la a1, amo_word; li a2, init; sd a2, 0(a1); li a3, src; inst a0, a3, (a1)); \
    ld a4, 0(a1); CHECK_REG(a4, new)
/* .W form: operates on the low word; the upper word of memory is untouched. */
#define TEST_AMO_W(n, inst, init, src, old, new) \
    TEST_CASE(n, a0, old, la a1, amo_word; li a2, 0x5a5a5a5a00000000 | ((init) & 0xffffffff); \
        sd a2, 0(a1); li a3, src; inst a0, a3, (a1)); \
    ld a4, 0(a1); CHECK_REG(a4, 0x5a5a5a5a00000000 | ((new) & 0xffffffff))

    .text
    .globl test_main
test_main:
    /* LR/SC success */
    TEST_CASE(1, a0, 0, la a1, amo_word; li a2, 17; sd a2, 0(a1); lr.d a3, (a1); addi a3, a3, 1; sc.d a0, a3, (a1))
    TEST_CASE(2, a4, 18, ld a4, 0(a1))
    TEST_CASE(3, a3, 0xffffffff80000000, la a1, amo_word; li a2, 0x80000000; sw a2, 0(a1); lr.w a3, (a1))
    TEST_CASE(4, a0, 0, li a2, 0x7fffffff; sc.w a0, a2, (a1))
    TEST_CASE(5, a4, 0x7fffffff, lw a4, 0(a1))
    /* SC with a consumed reservation fails and does not write */
    TEST_CASE(6, a4, 0x7fffffff, li a2, 0x1234; sc.w a0, a2, (a1); lw a4, 0(a1))
    SET_TESTNUM(7); beqz a0, fail
    /* SC.D after SC.D consumed it */
    TEST_CASE(8, a0, 0, la a1, amo_word; lr.d a2, (a1); sc.d a0, a2, (a1))
    SET_TESTNUM(9); la a1, amo_word; li a2, 99; sc.d a0, a2, (a1); beqz a0, fail
    /* SC to an address outside the reservation set fails */
    SET_TESTNUM(10); la a1, amo_word; la a5, far_word; li a2, 77; sd a2, 0(a5)
    lr.d a2, (a1); li a2, 5; sc.d a0, a2, (a5); beqz a0, fail
    TEST_CASE(11, a4, 77, ld a4, 0(a5))
    /* aq/rl forms */
    TEST_CASE(12, a0, 0, la a1, amo_word; lr.d.aq a2, (a1); sc.d.rl a0, a2, (a1))
    TEST_CASE(13, a0, 0, la a1, amo_word; lr.w.aqrl a2, (a1); sc.w.aqrl a0, a2, (a1))
    /* SC.W result register is zero on success even if rd == rs2 */
    TEST_CASE(14, a2, 0, la a1, amo_word; li a2, 3; sd a2, 0(a1); lr.d a3, (a1); sc.d a2, a2, (a1))
    /* a store between LR and SC by the same hart may or may not break the
     * reservation; not tested. */

    /* AMOs, .D */
    TEST_AMO_D(20, amoswap.d, 0x1111, 0x2222, 0x1111, 0x2222)
    TEST_AMO_D(21, amoadd.d, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_AMO_D(22, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
    TEST_AMO_D(23, amoor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
    TEST_AMO_D(24, amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
    TEST_AMO_D(25, amomin.d, 1, -1, 1, -1)
    TEST_AMO_D(26, amomin.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO_D(27, amomax.d, 1, -1, 1, 1)
    TEST_AMO_D(28, amomax.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_AMO_D(29, amominu.d, 1, -1, 1, 1)
    TEST_AMO_D(30, amominu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_AMO_D(31, amomaxu.d, 1, -1, 1, -1)
    TEST_AMO_D(32, amomaxu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    TEST_AMO_D(33, amoadd.d.aqrl, 5, -6, 5, -1)
    TEST_AMO_D(34, amoswap.d.aq, -1, 0, -1, 0)
    TEST_AMO_D(35, amomin.d.rl, 3, 3, 3, 3)
    /* .W: rd sign-extended, upper word untouched, low word only compared */
    TEST_AMO_W(40, amoswap.w, 0x80000000, 0x12345678, 0xffffffff80000000, 0x12345678)
    TEST_AMO_W(41, amoadd.w, 0x7fffffff, 1, 0x7fffffff, 0x80000000)
    TEST_AMO_W(42, amoadd.w, 0xffffffff, 0x100000001, 0xffffffffffffffff, 0)  /* rs2 upper ignored */
    TEST_AMO_W(43, amoand.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0x0f000f00)
    TEST_AMO_W(44, amoor.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xfff0fff0)
    TEST_AMO_W(45, amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xf0f0f0f0)
    TEST_AMO_W(46, amomin.w, 1, 0xffffffff, 1, 0xffffffff)
    TEST_AMO_W(47, amomin.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000)
    TEST_AMO_W(48, amomin.w, 5, 0x00000000fffffffe, 5, 0xfffffffe) /* -2 as 32-bit */
    TEST_AMO_W(49, amomax.w, 1, 0xffffffff, 1, 1)
    TEST_AMO_W(50, amomax.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff)
    TEST_AMO_W(51, amominu.w, 1, 0xffffffff, 1, 1)
    TEST_AMO_W(52, amominu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff)
    TEST_AMO_W(53, amominu.w, 2, 0x100000001, 2, 1)        /* rs2 upper ignored */
    TEST_AMO_W(54, amomaxu.w, 1, 0xffffffff, 1, 0xffffffff)
    TEST_AMO_W(55, amomaxu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000)
    TEST_AMO_W(56, amomaxu.w.aqrl, 3, 0xffffffff00000004, 3, 4)
    /* x0 destination: memory still updated */
    TEST_CASE(60, a4, 10, la a1, amo_word; li a2, 7; sd a2, 0(a1); li a3, 3; amoadd.d x0, a3, (a1); ld a4, 0(a1))
    TEST_CASE(61, x0, 0, amoswap.w x0, a3, (a1))
    /* rd == rs2 */
    TEST_CASE(62, a3, 100, la a1, amo_word; li a2, 100; sd a2, 0(a1); li a3, 1; amoadd.d a3, a3, (a1))
    TEST_CASE(63, a4, 101, ld a4, 0(a1))
    TEST_PASS

    .data
    .balign 64
amo_word: .dword 0
    .balign 4096
far_word: .dword 0
