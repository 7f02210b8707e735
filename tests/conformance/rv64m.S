/* RV64M: MUL, MULH, MULHSU, MULHU, MULW, DIV, DIVU, REM, REMU, DIVW, DIVUW,
 * REMW, REMUW. Edge values: signs, division by zero (quotient all ones,
 * remainder = dividend), signed overflow (MIN / -1 = MIN, remainder 0),
 * sign extension of *W results, upper 32 bits of *W sources ignored. */
#include "test.h"
    .text
    .globl test_main
test_main:
    TEST_RR(1, mul, 0, 0, 0)
    TEST_RR(2, mul, 0x0000000000000015, 3, 7)
    TEST_RR(3, mul, 0xffffffffffffffeb, -3, 7)
    TEST_RR(4, mul, 0x0000000000000001, -1, -1)
    TEST_RR(5, mul, 0x8000000000000000, 0x8000000000000000, -1)     /* low bits wrap */
    TEST_RR(6, mul, 0x2236d88fe5618cf0, 0x123456789abcdef0, 0x0fedcba987654321)
    TEST_RR_SRC1_EQ_DEST(7, mul, 143, 13, 11)
    TEST_RR_ZERODEST(8, mul, 3, 5)

    TEST_RR(10, mulh, 0, 3, 7)
    TEST_RR(11, mulh, 0xffffffffffffffff, -3, 7)
    TEST_RR(12, mulh, 0, -1, -1)
    TEST_RR(13, mulh, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(14, mulh, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(15, mulh, 0x0000000000000000, 0x8000000000000000, -1 & 0)   /* * 0 */
    TEST_RR(16, mulhu, 0xfffffffffffffffe, -1, -1)
    TEST_RR(17, mulhu, 0x4000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(18, mulhu, 0x0000000000000006, 0x0000000300000000, 0x0000000200000000)
    TEST_RR(19, mulhu, 0x014b66dc33f6acdc, 0x123456789abcdef0, 0x123456789abcdef0)
    TEST_RR(20, mulhsu, 0xffffffffffffffff, -1, -1)    /* -1 * (2^64-1) = -(2^64-1) */
    TEST_RR(21, mulhsu, 0xc000000000000000, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(22, mulhsu, 0x7ffffffffffffffe, 0x7fffffffffffffff, -1)
    TEST_RR(23, mulhsu, 0x0000000000000000, 5, 7)
    TEST_RR(24, mulhsu, 0xffffffffffffffff, -5, 7)

    TEST_RR(30, mulw, 0x0000000000000015, 3, 7)
    TEST_RR(31, mulw, 0xffffffff80000000, 0x40000000, 2)   /* sign-extended */
    TEST_RR(32, mulw, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(33, mulw, 0x0000000000000006, 0x1234567800000002, 0xabcdef0000000003)
    TEST_RR(34, mulw, 0, 0x10000, 0x10000)

    TEST_RR(40, div, 3, 20, 6)
    TEST_RR(41, div, -3, -20, 6)
    TEST_RR(42, div, -3, 20, -6)
    TEST_RR(43, div, 3, -20, -6)                      /* rounds toward zero */
    TEST_RR(44, div, -1, 5, 0)                        /* divide by zero */
    TEST_RR(45, div, -1, 0, 0)
    TEST_RR(46, div, 0x8000000000000000, 0x8000000000000000, -1)  /* overflow */
    TEST_RR(47, divu, 3, 20, 6)
    TEST_RR(48, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)
    TEST_RR(49, divu, 0xffffffffffffffff, 5, 0)
    TEST_RR(50, divu, 0, 0x8000000000000000, -1)
    TEST_RR(51, divu, 1, -1, -1)
    TEST_RR(52, rem, 2, 20, 6)
    TEST_RR(53, rem, -2, -20, 6)                      /* sign of dividend */
    TEST_RR(54, rem, 2, 20, -6)
    TEST_RR(55, rem, -2, -20, -6)
    TEST_RR(56, rem, 5, 5, 0)                         /* x % 0 = x */
    TEST_RR(57, rem, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR(58, rem, 0, 0x8000000000000000, -1)       /* overflow */
    TEST_RR(59, remu, 2, 20, 6)
    TEST_RR(60, remu, 2, -20, 6)
    TEST_RR(61, remu, -20, -20, 0)
    TEST_RR(62, remu, 0x7fffffffffffffff, 0x7fffffffffffffff, 0x8000000000000000)

    TEST_RR(70, divw, 3, 20, 6)
    TEST_RR(71, divw, -3, 0x00000000ffffffec, 6)      /* only the low 32 bits */
    TEST_RR(72, divw, -1, 5, 0x100000000)             /* divisor low word 0 */
    TEST_RR(73, divw, 0xffffffff80000000, 0x80000000, -1)   /* overflow */
    TEST_RR(74, divw, 0xffffffffc0000000, 0x80000000, 2)
    TEST_RR(75, divuw, 0x000000007ffffffa, 0xfffffff4, 2)
    TEST_RR(76, divuw, 0xffffffffffffffff, 5, 0)
    TEST_RR(77, divuw, 0xffffffff80000000, 0xffffffff80000000, 1)  /* result sign-extended */
    TEST_RR(78, divuw, 0, 0x80000000, -1)
    TEST_RR(79, remw, 2, 20, 6)
    TEST_RR(80, remw, -2, 0xffffffec, 6)
    TEST_RR(81, remw, 0xffffffff80000000, 0x80000000, 0)   /* x % 0 = sext(x) */
    TEST_RR(82, remw, 0, 0x80000000, -1)
    TEST_RR(83, remw, 5, 0x1234567800000005, 0)
    TEST_RR(84, remuw, 4, 0xfffffff4, 5)
    TEST_RR(85, remuw, 0xfffffffffffffff4, 0xfffffff4, 0)
    TEST_RR(86, remuw, 0xffffffff80000000, 0x80000000, 0x80000001)
    TEST_RR_ZERODEST(87, div, 1, 0)
    TEST_PASS
