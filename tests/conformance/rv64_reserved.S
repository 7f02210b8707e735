/* Decoder negative tests: reserved RV64GC encodings must raise an illegal
 * instruction exception with mtval = the instruction bits (16-bit encodings
 * zero-extended). Each encoding is an otherwise valid instruction with one
 * field moved into a reserved value. */
#include "test.h"

#define TEST_RESERVED32(n, bits) TEST_TRAP(n, CAUSE_ILLEGAL, bits, .word bits)
#define TEST_RESERVED16(n, bits) TEST_TRAP(n, CAUSE_ILLEGAL, bits, .half bits)

    .text
    .globl test_main
test_main:
    la a1, scratch
    la a2, scratch
    TEST_RESERVED32(1, 0x0215151b)   /* slliw a0, a0, 1 with imm[5] = 1 */
    TEST_RESERVED32(2, 0x0215551b)   /* srliw with imm[5] = 1 */
    TEST_RESERVED32(3, 0x4215551b)   /* sraiw with imm[5] = 1 */
    TEST_RESERVED32(4, 0x0005f503)   /* LOAD funct3 = 7 */
    TEST_RESERVED32(5, 0x00a5c023)   /* STORE funct3 = 4 */
    TEST_RESERVED32(6, 0x04b5053b)   /* OP-32 funct7 = 0x02 */
    TEST_RESERVED32(7, 0x30b6252f)   /* AMO funct5 = 0x06 */
    TEST_RESERVED32(8, 0xe000a553)   /* fmv.x.w with funct3 = 2 */
    TEST_RESERVED32(9, 0x203130d3)   /* fsgnj.s with funct3 = 3 */
    TEST_RESERVED32(10, 0xfe000033)  /* OP funct7 = 0x7f */
    TEST_RESERVED16(11, 0x2005)      /* c.addiw with rd = 0 */
    TEST_RESERVED16(12, 0x6501)      /* c.lui a0, 0 (nzimm = 0) */
    TEST_RESERVED16(13, 0x6101)      /* c.addi16sp with nzimm = 0 */
    TEST_RESERVED16(14, 0x8002)      /* c.jr with rs1 = 0 */
    TEST_RESERVED16(15, 0x6002)      /* c.ldsp with rd = 0 */
    TEST_RESERVED16(16, 0x0000)      /* all-zero parcel */
    /* the register file was not modified by the trapping instructions */
    SET_TESTNUM(17)
    la t0, scratch
    bne a1, t0, fail
    bne a2, t0, fail
    TEST_PASS

    .data
    .balign 8
scratch: .dword 0, 0
