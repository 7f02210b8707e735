/* RV64I integer computational instructions: LUI, AUIPC, ADD(I)(W), SUB(W),
 * SLT(I)(U), AND(I), OR(I), XOR(I), SLL(I)(W), SRL(I)(W), SRA(I)(W).
 * Edge values: sign extension of *W results, shifts by 0 / 31 / 63, shift
 * amounts taken from the low 5/6 bits of rs2, x0 as destination, rd = rs1. */
#include "test.h"
    .text
    .globl test_main
test_main:
    /* LUI / AUIPC */
    TEST_CASE(1, a0, 0x0000000012345000, lui a0, 0x12345)
    TEST_CASE(2, a0, 0xffffffff80000000, lui a0, 0x80000)   /* sign-extended */
    TEST_CASE(3, a0, 0xfffffffffffff000, lui a0, 0xfffff)
    TEST_CASE(4, x0, 0, lui x0, 0x12345)
    TEST_CASE(5, a0, 0, la a1, 1f; 1: auipc a0, 0; sub a0, a0, a1)
    TEST_CASE(6, a0, 0x1000, la a1, 1f; 1: auipc a0, 1; sub a0, a0, a1)
    TEST_CASE(7, a0, 0xffffffff80000000, la a1, 1f; 1: auipc a0, 0x80000; sub a0, a0, a1)

    /* ADD / ADDI / SUB */
    TEST_RR(10, add, 0x0000000000000000, 0, 0)
    TEST_RR(11, add, 0x0000000000000002, 1, 1)
    TEST_RR(12, add, 0x8000000000000000, 0x7fffffffffffffff, 1)   /* wraps */
    TEST_RR(13, add, 0x0000000000000000, -1, 1)
    TEST_RR(14, add, 0xfffffffffffffffe, -1, -1)
    TEST_RR_SRC1_EQ_DEST(15, add, 24, 13, 11)
    TEST_RR_ZERODEST(16, add, 5, 6)
    TEST_RI(17, addi, 0x00000000000007ff, 0, 0x7ff)
    TEST_RI(18, addi, 0xfffffffffffff800, 0, -0x800)
    TEST_RI(19, addi, 0x7fffffffffffffff, 0x8000000000000000, -1)
    TEST_CASE(20, x0, 0, addi x0, x0, 5)
    TEST_RR(21, sub, 0xffffffffffffffff, 0, 1)
    TEST_RR(22, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(23, sub, 0x0000000000000000, 0x1234, 0x1234)

    /* ADDW / ADDIW / SUBW: 32-bit result, sign-extended */
    TEST_RR(30, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(31, addw, 0x0000000000000000, 0xffffffff, 1)
    TEST_RR(32, addw, 0x0000000000000003, 0x1234567800000001, 0x00000002)
    TEST_RR(33, addw, 0xfffffffffffffffe, 0x00000000ffffffff, 0xffffffffffffffff)
    TEST_RI(34, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(35, addiw, 0x000000007fffffff, 0x80000000, -1)
    TEST_RI(36, addiw, 0xffffffffffffffff, 0xffffffff, 0)     /* sext.w */
    TEST_RI(37, addiw, 0x0000000012345678, 0xabcdef0012345678, 0)
    TEST_RR(38, subw, 0x7fffffff, 0x80000000, 1)
    TEST_RR(39, subw, 0xffffffffffffffff, 0, 1)
    TEST_RR(40, subw, 0xffffffff80000000, 0, 0x80000000)
    TEST_CASE(41, x0, 0, li a1, 7; addiw x0, a1, 1)

    /* SLT / SLTU / SLTI / SLTIU */
    TEST_RR(50, slt, 1, -1, 0)
    TEST_RR(51, slt, 0, 0, -1)
    TEST_RR(52, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(53, slt, 0, 5, 5)
    TEST_RR(54, sltu, 0, -1, 0)
    TEST_RR(55, sltu, 1, 0, -1)
    TEST_RR(56, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(57, sltu, 1, 0, 1)                              /* snez */
    TEST_RI(58, slti, 1, -2, -1)
    TEST_RI(59, slti, 0, 0, -0x800)
    TEST_RI(60, slti, 1, 0x8000000000000000, 0)
    TEST_RI(61, sltiu, 1, 0, 1)                              /* seqz */
    TEST_RI(62, sltiu, 0, 1, 1)
    TEST_RI(63, sltiu, 1, 0xfffffffffffffffe, -1)            /* imm sign-extended then unsigned */
    TEST_RI(64, sltiu, 0, -1, -1)

    /* Logical */
    TEST_RR(70, and, 0x0f000f00, 0xff00ff00, 0x0ff00ff0)
    TEST_RR(71, or,  0xfff0fff0, 0xff00ff00, 0x0ff00ff0)
    TEST_RR(72, xor, 0xf0f0f0f0, 0xff00ff00, 0x0ff00ff0)
    TEST_RI(73, andi, 0xffffffffffff8f0f, 0xffffffffffff8fff, -0xf1)
    TEST_RI(74, andi, 0x00000000000000f0, 0xff00ff00ff00fff0, 0x0ff)
    TEST_RI(75, ori,  0xfffffffffffff8f1, 0x00000000000000f0, -0x70f)
    TEST_RI(76, xori, 0xffffffffffffffff & ~0x1234, 0x1234, -1)  /* not */
    TEST_RI(77, xori, 0x00ff00ff00ff070f, 0x00ff00ff00ff00f0, 0x07ff)
    TEST_CASE(78, x0, 0, li a1, -1; ori x0, a1, 1)

    /* SLL / SRL / SRA (64-bit, shamt = rs2[5:0]) */
    TEST_RR(80, sll, 0x0000000000000001, 1, 0)
    TEST_RR(81, sll, 0x8000000000000000, 1, 63)
    TEST_RR(82, sll, 0x0000000100000000, 1, 32)
    TEST_RR(83, sll, 0x8000000000000000, 1, 0xffffffffffffffff)  /* only low 6 bits */
    TEST_RR(84, sll, 0x0000000000000002, 1, 65)
    TEST_RR(85, srl, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR(86, srl, 0x0000000000000001, 0x8000000000000000, 63)
    TEST_RR(87, srl, 0x0000000080000000, 0x8000000000000000, 32)
    TEST_RR(88, srl, 0x4000000000000000, 0x8000000000000000, 0x41)
    TEST_RR(89, sra, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_RR(90, sra, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RR(91, sra, 0x3fffffffffffffff, 0x7fffffffffffffff, 1)
    TEST_RR(92, sra, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR(93, sra, 0xc000000000000000, 0x8000000000000000, 0xc1)
    TEST_RI(94, slli, 0x8000000000000000, 1, 63)
    TEST_RI(95, slli, 0x0000000000000007, 7, 0)
    TEST_RI(96, srli, 0x0000000000000001, 0x8000000000000000, 63)
    TEST_RI(97, srli, 0x00000000ffffffff, 0xffffffffffffffff, 32)
    TEST_RI(98, srai, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_RI(99, srai, 0x0000000000000fff, 0x0000000000ffffff, 12)
    TEST_RI(100, srai, 0x8000000000000000, 0x8000000000000000, 0)

    /* SLLW / SRLW / SRAW (shamt = rs2[4:0], 32-bit result sign-extended) */
    TEST_RR(110, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(111, sllw, 0x0000000000000001, 1, 32)        /* shamt 32 -> 0 */
    TEST_RR(112, sllw, 0x0000000000000000, 0x100000000, 0)
    TEST_RR(113, sllw, 0xffffffff87654321, 0xffffffff87654321, 0)
    TEST_RR(114, srlw, 0x0000000000000001, 0x80000000, 31)
    TEST_RR(115, srlw, 0xffffffff80000000, 0xffffffff80000000, 0)   /* sext of bit 31 */
    TEST_RR(116, srlw, 0x0000000040000000, 0xffffffff80000000, 1)
    TEST_RR(117, srlw, 0x0000000000000001, 0x1234567880000000, 63)  /* shamt 31 */
    TEST_RR(118, sraw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RR(119, sraw, 0xffffffffc0000000, 0x80000000, 1)
    TEST_RR(120, sraw, 0x0000000000000000, 0xffffffff00000000, 5)
    TEST_RR(121, sraw, 0x0000000000000001, 0x7fffffff, 30)
    TEST_RI(122, slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(123, slliw, 0x0000000012345678, 0xffffffff12345678, 0)
    TEST_RI(124, srliw, 0x0000000000000001, 0xffffffff80000000, 31)
    TEST_RI(125, srliw, 0xffffffff80000000, 0x0000000080000000, 0)
    TEST_RI(126, sraiw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RI(127, sraiw, 0x0000000000000000, 0x7fffffff, 31)
    TEST_RI(128, sraiw, 0xfffffffff8000000, 0x12345678c0000000, 3)
    TEST_CASE(129, x0, 0, li a1, 1; slliw x0, a1, 3)

    /* x0 as source reads 0 */
    TEST_CASE(140, a0, 5, li a1, 5; add a0, x0, a1)
    TEST_CASE(141, a0, 0, li a1, 5; and a0, a1, x0)
    /* NOP is addi x0, x0, 0 */
    TEST_CASE(142, a0, 9, li a0, 9; nop)
    TEST_PASS
