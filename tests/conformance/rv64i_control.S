/* RV64I control transfer: BEQ, BNE, BLT, BGE, BLTU, BGEU (taken and not taken,
 * forward and backward), JAL, JALR (link value, rd = x0, rd = rs1, low bit of
 * the target cleared, negative offsets). */
#include "test.h"

/* Branch taken forward: inst must jump over the fail. */
#define TEST_BR_TAKEN(n, inst, v1, v2) \
    SET_TESTNUM(n); li a1, v1; li a2, v2; inst a1, a2, 1f; j fail; 1:
/* Branch not taken: falls through. */
#define TEST_BR_NOT_TAKEN(n, inst, v1, v2) \
    SET_TESTNUM(n); li a1, v1; li a2, v2; inst a1, a2, fail
/* Branch taken backward: jump forward to a backward branch that returns. */
#define TEST_BR_BACK(n, inst, v1, v2) \
    SET_TESTNUM(n); li a1, v1; li a2, v2; j 2f; 1: j 3f; 2: inst a1, a2, 1b; j fail; 3:

    .text
    .globl test_main
test_main:
    TEST_BR_TAKEN(1, beq, 0, 0)
    TEST_BR_TAKEN(2, beq, -1, -1)
    TEST_BR_NOT_TAKEN(3, beq, 0, 1)
    TEST_BR_NOT_TAKEN(4, beq, 0x100000000, 0)        /* all 64 bits compared */
    TEST_BR_BACK(5, beq, 7, 7)
    TEST_BR_TAKEN(6, bne, 0, 1)
    TEST_BR_TAKEN(7, bne, 0x100000000, 0)
    TEST_BR_NOT_TAKEN(8, bne, 5, 5)
    TEST_BR_BACK(9, bne, 1, -1)
    TEST_BR_TAKEN(10, blt, -1, 0)
    TEST_BR_TAKEN(11, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_NOT_TAKEN(12, blt, 0, -1)
    TEST_BR_NOT_TAKEN(13, blt, 3, 3)
    TEST_BR_BACK(14, blt, -2, -1)
    TEST_BR_TAKEN(15, bge, 0, -1)
    TEST_BR_TAKEN(16, bge, 3, 3)
    TEST_BR_NOT_TAKEN(17, bge, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_BACK(18, bge, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_TAKEN(19, bltu, 0, -1)
    TEST_BR_TAKEN(20, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_NOT_TAKEN(21, bltu, -1, 0)
    TEST_BR_NOT_TAKEN(22, bltu, 4, 4)
    TEST_BR_BACK(23, bltu, 1, 2)
    TEST_BR_TAKEN(24, bgeu, -1, 0)
    TEST_BR_TAKEN(25, bgeu, 4, 4)
    TEST_BR_NOT_TAKEN(26, bgeu, 0, -1)
    TEST_BR_BACK(27, bgeu, 0x8000000000000000, 0x7fffffffffffffff)
    /* x0 operands */
    SET_TESTNUM(28); li a1, 0; beq a1, x0, 1f; j fail; 1:
    SET_TESTNUM(29); li a1, -1; blt a1, x0, 1f; j fail; 1:

    /* JAL: link = pc + 4, target reached */
    SET_TESTNUM(40)
    la a2, 2f
    jal ra, 1f
2:  j fail
1:  bne ra, a2, fail
    SET_TESTNUM(41)            /* jal x0 does not write */
    li a0, 0
    jal x0, 1f
    j fail
1:  bnez x0, fail
    SET_TESTNUM(42)            /* backward jal */
    j 2f
1:  j 3f
2:  jal a3, 1b
    j fail
3:  la a2, 2b
    addi a2, a2, 4
    bne a3, a2, fail

    /* JALR */
    SET_TESTNUM(50)
    la a1, 1f
    la a2, 2f
    jalr ra, 0(a1)
2:  j fail
1:  bne ra, a2, fail
    SET_TESTNUM(51)            /* target = (rs1 + imm) & ~1 */
    la a1, 1f
    addi a1, a1, -3            /* target - 3; +4 gives target + 1 */
    jalr ra, 4(a1)
    j fail
1:
    SET_TESTNUM(52)            /* rd == rs1: target uses the old value */
    la a1, 1f
    la a2, 2f
    jalr a1, 0(a1)
2:  j fail
1:  bne a1, a2, fail
    SET_TESTNUM(53)            /* negative offset */
    la a1, 1f
    addi a1, a1, 16
    jalr x0, -16(a1)
    j fail
1:
    SET_TESTNUM(54)            /* call / ret through a function */
    li a0, 3
    call func_double
    li t6, 6
    bne a0, t6, fail
    TEST_PASS

func_double:
    add a0, a0, a0
    ret
