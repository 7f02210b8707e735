/* RV64C: every RV64 compressed instruction, written with explicit c.
 * mnemonics: C.ADDI4SPN, C.FLD, C.LW, C.LD, C.FSD, C.SW, C.SD, C.NOP, C.ADDI,
 * C.ADDIW, C.LI, C.ADDI16SP, C.LUI, C.SRLI, C.SRAI, C.ANDI, C.SUB, C.XOR,
 * C.OR, C.AND, C.SUBW, C.ADDW, C.J, C.BEQZ, C.BNEZ, C.SLLI, C.FLDSP, C.LWSP,
 * C.LDSP, C.JR, C.MV, C.EBREAK, C.JALR, C.ADD, C.FSDSP, C.SWSP, C.SDSP;
 * plus the all-zero illegal instruction, a 32-bit instruction at a 2-byte
 * aligned address, and link values (pc + 2) of C.JALR. */
#include "test.h"
    .text
    .globl test_main
test_main:
    la sp, cbuf
    /* stack-pointer based */
    TEST_CASE(1, a0, 64, c.addi4spn a0, sp, 64; sub a0, a0, sp)
    TEST_CASE(2, a0, 0x10, mv a0, sp; c.addi16sp sp, 16; sub a0, sp, a0)
    TEST_CASE(3, a0, 0x1f0, mv a0, sp; c.addi16sp sp, -496; sub a0, a0, sp; c.addi16sp sp, 480)
    la sp, cbuf
    TEST_CASE(4, a0, 0xfedcba9876543210, li a1, 0xfedcba9876543210; c.sdsp a1, 8(sp); c.ldsp a0, 8(sp))
    TEST_CASE(5, a0, 0xffffffff87654321, li a1, 0x87654321; c.swsp a1, 20(sp); c.lwsp a0, 20(sp))
    TEST_CASE(6, a0, 0x4008000000000000, li a1, 0x4008000000000000; fmv.d.x f1, a1; \
        c.fsdsp f1, 24(sp); c.fldsp f2, 24(sp); fmv.x.d a0, f2)
    TEST_CASE(7, a0, 0x1122334455667788, li a1, 0x1122334455667788; c.sdsp a1, 504(sp); ld a0, 504(sp))
    /* register based loads/stores (x8..x15) */
    TEST_CASE(8, a0, 0x0123456789abcdef, la s0, cbuf; li a1, 0x0123456789abcdef; c.sd a1, 32(s0); c.ld a0, 32(s0))
    TEST_CASE(9, a0, 0xffffffff80000000, la s0, cbuf; li a1, 0x80000000; c.sw a1, 124(s0); c.lw a0, 124(s0))
    TEST_CASE(10, a0, 0xbff0000000000000, la s1, cbuf; li a1, 0xbff0000000000000; fmv.d.x f8, a1; \
        c.fsd f8, 248(s1); c.fld f9, 248(s1); fmv.x.d a0, f9)
    /* constants and immediates */
    TEST_CASE(11, a0, -32, c.li a0, -32)
    TEST_CASE(12, a0, 31, c.li a0, 31)
    TEST_CASE(13, a0, 0xfffffffffffe0000, c.lui a0, 0xfffe0)       /* nzimm = -32 << 12 */
    TEST_CASE(14, a0, 0x1f000, c.lui a0, 0x1f)
    TEST_CASE(15, a0, 0x10, li a0, 0x30; c.addi a0, -32)
    TEST_CASE(16, a0, 0x7, li a0, -24; c.addi a0, 31)
    TEST_CASE(17, a0, 0xffffffff80000000, li a0, 0x7fffffff; c.addiw a0, 1)
    TEST_CASE(18, a0, 0x0000000000000005, li a0, 0x1234567800000005; c.addiw a0, 0)   /* sext.w */
    TEST_CASE(19, a0, 0x7, li a0, 7; c.nop)
    /* shifts (shamt up to 63) */
    TEST_CASE(20, a0, 0x8000000000000000, li a0, 1; c.slli a0, 63)
    TEST_CASE(21, a0, 0x0000000000000001, li a0, 0x8000000000000000; c.srli a0, 63)
    TEST_CASE(22, a0, 0xffffffffffffffff, li a0, 0x8000000000000000; c.srai a0, 63)
    TEST_CASE(23, a0, 0xffffffff80000000, li a0, 0x8000000000000000; c.srai a0, 32)
    TEST_CASE(24, a0, 0x0000000000000002, li a0, 4; c.srli a0, 1)
    TEST_CASE(25, a0, 0xffffffffffffffe0, li a0, -1; c.andi a0, -32)
    TEST_CASE(26, a0, 0x000000000000000f, li a0, 0xff; c.andi a0, 15)
    /* register-register */
    TEST_CASE(30, a0, 0xfffffffffffffffd, li a0, 2; li a1, 5; c.sub a0, a1)
    TEST_CASE(31, a0, 0xfff0, li a0, 0xff00; li a1, 0xf0f0; c.xor a0, a1; li a1, 0xf000; c.xor a0, a1)
    TEST_CASE(32, a0, 0xfff0, li a0, 0xff00; li a1, 0x0ff0; c.or a0, a1)
    TEST_CASE(33, a0, 0x0f00, li a0, 0xff00; li a1, 0x0ff0; c.and a0, a1)
    TEST_CASE(34, a0, 0xffffffff80000000, li a0, 0x7fffffff; li a1, -1; c.subw a0, a1)
    TEST_CASE(35, a0, 0xffffffff80000000, li a0, 0x7fffffff; li a1, 1; c.addw a0, a1)
    TEST_CASE(36, a0, 0, li a0, 0x100000000; li a1, 0x200000000; c.addw a0, a1)
    TEST_CASE(37, a2, 0x123, li a1, 0x123; li a2, 7; c.mv a2, a1)
    TEST_CASE(38, t3, 0x3, li t3, 1; li t4, 2; c.add t3, t4)
    TEST_CASE(39, a0, 0x8000000000000000, li a0, 0x7fffffffffffffff; li a1, 1; c.add a0, a1)
    /* control flow */
    SET_TESTNUM(40); c.j 1f; j fail; 1:
    SET_TESTNUM(41); li a0, 0; c.beqz a0, 1f; j fail; 1:
    SET_TESTNUM(42); li a0, 1; c.beqz a0, fail
    SET_TESTNUM(43); li a0, -1; c.bnez a0, 1f; j fail; 1:
    SET_TESTNUM(44); li a0, 0; c.bnez a0, fail
    SET_TESTNUM(45); li a0, 0x100000000; c.beqz a0, fail       /* all 64 bits tested */
    SET_TESTNUM(46); j 2f; 1: c.j 3f; 2: c.j 1b; 3:              /* backward c.j */
    SET_TESTNUM(47); la a1, 1f; c.jr a1; j fail; 1:
    SET_TESTNUM(48)
    la a1, 1f
    la a2, 2f
    c.jalr a1                  /* ra = pc + 2 */
2:  j fail
1:  bne ra, a2, fail
    SET_TESTNUM(49)            /* 32-bit instruction at an address that is 2 mod 4 */
    .balign 4
    c.nop
    addi a0, x0, 0x55
    CHECK_REG(a0, 0x55)
    /* C.EBREAK: breakpoint, mepc = its address */
    TEST_TRAP_NOTVAL(50, CAUSE_BREAKPOINT, c.ebreak)
    /* the all-zero 16-bit instruction is illegal */
    TEST_TRAP_NOTVAL(51, CAUSE_ILLEGAL, .half 0x0000)
    SET_TESTNUM(52); CHECK_MEM(m_trap_tval, 0)
    /* C.ADDI4SPN with nzuimm = 0 is reserved (illegal) */
    TEST_TRAP(53, CAUSE_ILLEGAL, 0x0004, .half 0x0004)
    /* C.LWSP with rd = 0 is reserved */
    TEST_TRAP(54, CAUSE_ILLEGAL, 0x4002, .half 0x4002)
    la sp, stack_top
    TEST_PASS

    .data
    .balign 16
cbuf:
    .skip 1024
