/* Zifencei: FENCE.I after writing code (self-modifying code). A function is
 * executed, then overwritten with different instructions (32-bit and
 * compressed), FENCE.I is executed, and the new code must run. Also code
 * written to a fresh buffer and run for the first time, and an in-place patch
 * of an instruction in the instruction stream just ahead of the pc. */
#include "test.h"

#define ADDI_A0(imm) (((imm) << 20) | (10 << 7) | 0x13)   /* addi a0, x0, imm */
#define RET          0x00008067                          /* jalr x0, 0(ra) */
#define C_LI_A0_5_C_JR_RA 0x80824515                     /* c.li a0, 5 ; c.jr ra */

    .text
    .globl test_main
test_main:
    /* fresh code in a data buffer */
    SET_TESTNUM(1)
    la s0, codebuf
    li a1, ADDI_A0(1)
    sw a1, 0(s0)
    li a1, RET
    sw a1, 4(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_REG(a0, 1)
    /* overwrite the already-executed function */
    SET_TESTNUM(2)
    li a1, ADDI_A0(2)
    sw a1, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_REG(a0, 2)
    /* run it a few times, then change again (hot code) */
    SET_TESTNUM(3)
    li s1, 20
1:  jalr ra, 0(s0)
    addi s1, s1, -1
    bnez s1, 1b
    li a1, ADDI_A0(-3)
    sw a1, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_REG(a0, -3)
    /* compressed replacement */
    SET_TESTNUM(4)
    li a1, C_LI_A0_5_C_JR_RA
    sw a1, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_REG(a0, 5)
    /* byte-granular patch: change only the immediate's high byte */
    SET_TESTNUM(5)
    li a1, ADDI_A0(0x10)
    sw a1, 0(s0)
    li a1, RET
    sw a1, 4(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_REG(a0, 0x10)
    li a1, 0x7f                /* bits 31:24 = imm[11:4] */
    sb a1, 3(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK_REG(a0, 0x7f0)
    /* patch an instruction in the text section ahead of the pc */
    SET_TESTNUM(6)
    la s1, patch_site
    li a1, ADDI_A0(0x66)
    sw a1, 0(s1)
    fence.i
    li a0, 0
    .option push
    .option norvc
patch_site:
    addi a0, x0, 0x11
    .option pop
    CHECK_REG(a0, 0x66)
    /* patch a loop body between iterations */
    SET_TESTNUM(7)
    la s1, loop_body
    li s2, 0
    li s3, 0
2:
    .option push
    .option norvc
loop_body:
    addi s3, s3, 1
    .option pop
    addi s2, s2, 1
    li a1, 2
    bne s2, a1, 3f
    li a1, 0x00a98993          /* addi s3, s3, 10 */
    sw a1, 0(s1)
    fence.i
3:  li a1, 4
    bne s2, a1, 2b
    CHECK_REG(s3, 1 + 1 + 10 + 10)
    TEST_PASS

    .data
    .balign 64
codebuf:
    .skip 64
