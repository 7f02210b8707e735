/* RV64I loads and stores: LB, LH, LW, LD, LBU, LHU, LWU, SB, SH, SW, SD
 * (sign/zero extension, positive/negative offsets, store then load, partial
 * overwrite, x0 destination), FENCE, and misaligned load/store (either
 * performed correctly or trapping with the address-misaligned cause and the
 * faulting address in mtval, or an access fault, as the spec allows). */
#include "test.h"

#define TEST_LD(n, inst, expected, off, base) \
    TEST_CASE(n, a0, expected, la a1, base; inst a0, off(a1))
#define TEST_ST_LD(n, st, ld, value, off) \
    TEST_CASE(n, a0, value, la a1, scratch; li a2, value; st a2, off(a1); ld a0, off(a1))

/* Misaligned access: either it works (value check) or it traps with cause. */
#define TEST_MISALIGNED_LD(n, inst, expected, off) \
    SET_TESTNUM(n); la a1, pattern; li a0, 0x5a5a; ARM_M_TRAP(2f); \
    inst a0, off(a1); DISARM_M_TRAP; CHECK_REG(a0, expected); j 3f; \
2:  la t5, m_trap_cause; ld t5, 0(t5); li t6, CAUSE_MISALIGNED_LOAD; beq t5, t6, 4f; \
    li t6, CAUSE_LOAD_ACCESS; bne t5, t6, fail; 4: \
    la t5, pattern + off; la t6, m_trap_tval; ld t6, 0(t6); bne t5, t6, fail; 3:
#define TEST_MISALIGNED_ST(n, inst, ldinst, value, off) \
    SET_TESTNUM(n); la a1, scratch; li a2, value; ARM_M_TRAP(2f); \
    inst a2, off(a1); DISARM_M_TRAP; ldinst a0, off(a1); CHECK_REG(a0, value); j 3f; \
2:  la t5, m_trap_cause; ld t5, 0(t5); li t6, CAUSE_MISALIGNED_STORE; beq t5, t6, 4f; \
    li t6, CAUSE_STORE_ACCESS; bne t5, t6, fail; 4: \
    la t5, scratch + off; la t6, m_trap_tval; ld t6, 0(t6); bne t5, t6, fail; 3:

    .text
    .globl test_main
test_main:
    /* loads of each width and signedness */
    TEST_LD(1, lb, 0xffffffffffffff81, 0, pattern)
    TEST_LD(2, lb, 0x0000000000000072, 1, pattern)
    TEST_LD(3, lbu, 0x0000000000000081, 0, pattern)
    TEST_LD(4, lbu, 0x00000000000000ff, 7, pattern)
    TEST_LD(5, lh, 0x0000000000007281, 0, pattern)
    TEST_LD(6, lh, 0xffffffffffff8463, 2, pattern)
    TEST_LD(7, lhu, 0x0000000000008463, 2, pattern)
    TEST_LD(8, lhu, 0x000000000000ff95, 6, pattern)
    TEST_LD(9, lw, 0xffffffff84637281, 0, pattern)
    TEST_LD(10, lw, 0xffffffffff95a6b7, 4, pattern)
    TEST_LD(11, lwu, 0x0000000084637281, 0, pattern)
    TEST_LD(12, lwu, 0x00000000ff95a6b7, 4, pattern)
    TEST_LD(13, lw, 0x000000007f00aa55, 8, pattern)
    TEST_LD(14, ld, 0xff95a6b784637281, 0, pattern)
    TEST_LD(15, ld, 0x123456787f00aa55, 8, pattern)
    /* negative offsets */
    TEST_LD(16, lb, 0xffffffffffffffff, -1, pattern + 8)
    TEST_LD(17, lhu, 0x000000000000ff95, -2, pattern + 8)
    TEST_LD(18, ld, 0xff95a6b784637281, -8, pattern + 8)
    TEST_LD(19, lw, 0x0000000012345678, -4, pattern + 16)
    /* x0 destination: the load happens, no write */
    TEST_CASE(20, x0, 0, la a1, pattern; ld x0, 0(a1))

    /* store then load */
    TEST_ST_LD(30, sb, lb, 0xffffffffffffff80, 0)
    TEST_ST_LD(31, sb, lbu, 0x7f, 1)
    TEST_ST_LD(32, sh, lh, 0xffffffffffff8001, 2)
    TEST_ST_LD(33, sh, lhu, 0x7ffe, 4)
    TEST_ST_LD(34, sw, lw, 0xffffffff80000001, 8)
    TEST_ST_LD(35, sw, lwu, 0x7fffffff, 12)
    TEST_ST_LD(36, sd, ld, 0x8000000000000001, 16)
    TEST_ST_LD(37, sd, ld, 0x0123456789abcdef, -8 + 32)
    /* narrow stores only write their bytes */
    TEST_CASE(40, a0, 0x1111111111111111 & 0xffffffffffff00ff | 0xab00, \
        la a1, scratch; li a2, 0x1111111111111111; sd a2, 0(a1); li a2, 0x123456ab; sb a2, 1(a1); ld a0, 0(a1))
    TEST_CASE(41, a0, 0x22222222cdef2222, \
        la a1, scratch; li a2, 0x2222222222222222; sd a2, 0(a1); li a2, 0xabcdef; sh a2, 2(a1); ld a0, 0(a1))
    TEST_CASE(42, a0, 0x89abcdef33333333, \
        la a1, scratch; li a2, 0x3333333333333333; sd a2, 0(a1); li a2, 0x0123456789abcdef; sw a2, 4(a1); ld a0, 0(a1))
    /* little-endian byte order */
    TEST_CASE(43, a0, 0xef, la a1, scratch; li a2, 0x0123456789abcdef; sd a2, 0(a1); lbu a0, 0(a1))
    TEST_CASE(44, a0, 0x01, la a1, scratch; li a2, 0x0123456789abcdef; sd a2, 0(a1); lbu a0, 7(a1))
    /* negative store offset */
    TEST_CASE(45, a0, 0x5555, la a1, scratch + 64; li a2, 0x5555; sh a2, -64(a1); la a1, scratch; lhu a0, 0(a1))
    /* store of x0 */
    TEST_CASE(46, a0, 0, la a1, scratch; li a2, -1; sd a2, 0(a1); sd x0, 0(a1); ld a0, 0(a1))

    /* FENCE variants execute as ordinary instructions */
    TEST_NO_TRAP(50, fence; fence rw, rw; fence r, r; fence w, w; fence iorw, iorw; fence.tso)

    /* misaligned: emulated or address-misaligned trap */
    TEST_MISALIGNED_LD(60, lh, 0x6372, 1)
    TEST_MISALIGNED_LD(61, lhu, 0xb784, 3)
    TEST_MISALIGNED_LD(62, lw, 0xffffffffa6b78463, 2)
    TEST_MISALIGNED_LD(63, lwu, 0x55ff95a6, 5)
    TEST_MISALIGNED_LD(64, ld, 0x55ff95a6b7846372, 1)
    TEST_MISALIGNED_ST(65, sh, lhu, 0xbeef, 1)
    TEST_MISALIGNED_ST(66, sw, lw, 0xffffffffdeadbeef, 3)
    TEST_MISALIGNED_ST(67, sd, ld, 0x0123456789abcdef, 5)
    TEST_PASS

    .data
    .balign 16
pattern:
    .dword 0xff95a6b784637281
    .dword 0x123456787f00aa55
    .dword 0x0
scratch:
    .skip 128
