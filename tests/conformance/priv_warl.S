/* Privileged: WARL / read-only fields. misa (MXL = 64, IMAFDCSU present,
 * rewrite keeps it), mstatus (MPP holds only M/S/U, FS all four states with
 * SD summary (MPP = 2 in priv_warl_mpp.S), XS read-only 0, UXL/SXL = 64-bit), mtvec/stvec MODE (direct and
 * vectored kept, reserved modes never read back), satp (unsupported MODE
 * makes the whole write a no-op, ASID bits contiguous from bit 44), sstatus
 * as a restricted view of mstatus, sie/sip as views of mie/mip restricted to
 * delegated interrupts (only SSIP writable through sip), ID CSRs readable. */
#include "test.h"

#define SATP_MODE_SHIFT 60
#define SATP_SV39 (8 << SATP_MODE_SHIFT)

    .text
    .globl test_main
test_main:
    /* 1-2: misa */
    SET_TESTNUM(1)
    csrr a0, misa
    srli a1, a0, 62
    CHECK_REG(a1, 2)
    li t6, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
    and a1, a0, t6
    bne a1, t6, fail
    SET_TESTNUM(2)
    csrw misa, a0
    csrr a1, misa
    bne a0, a1, fail

    /* 3-6: mstatus.MPP */
    li t1, MSTATUS_MPP
    TEST_CASE(3, a0, PRV_S << 11, csrc mstatus, t1; li t0, PRV_S << 11; csrs mstatus, t0; csrr a0, mstatus; and a0, a0, t1)
    TEST_CASE(4, a0, PRV_U << 11, csrc mstatus, t1; csrr a0, mstatus; and a0, a0, t1)
    TEST_CASE(5, a0, PRV_M << 11, csrs mstatus, t1; csrr a0, mstatus; and a0, a0, t1)
    /* MPP = 2 never reading back: priv_warl_mpp.S */

    /* 7-11: FS and SD */
    li t1, MSTATUS_FS
    li t2, MSTATUS_SD
    TEST_CASE(7, a0, FS_OFF, csrc mstatus, t1; csrr a0, mstatus; and a0, a0, t1)
    TEST_CASE(8, a0, 0, csrr a0, mstatus; and a0, a0, t2)
    TEST_CASE(9, a0, FS_CLEAN, li t0, FS_CLEAN; csrs mstatus, t0; csrr a0, mstatus; and a0, a0, t1)
    TEST_CASE(10, a0, FS_DIRTY | MSTATUS_SD, csrs mstatus, t1; csrr a0, mstatus; li t6, MSTATUS_FS | MSTATUS_SD; and a0, a0, t6)
    TEST_CASE(11, a0, FS_INITIAL, csrc mstatus, t1; li t0, FS_INITIAL; csrs mstatus, t0; csrr a0, mstatus; li t6, MSTATUS_FS | MSTATUS_SD; and a0, a0, t6)
    /* 12: XS is read-only zero */
    TEST_CASE(12, a0, 0, li t0, MSTATUS_XS; csrs mstatus, t0; csrr a0, mstatus; and a0, a0, t0)
    /* 13: UXL = SXL = 2 (64-bit) */
    TEST_CASE(13, a0, 0xa, csrr a0, mstatus; srli a0, a0, 32; andi a0, a0, 0xf)
    /* 14: SD is read-only (follows FS) */
    TEST_CASE(14, a0, 0, li t0, MSTATUS_SD; csrs mstatus, t0; csrr a0, mstatus; and a0, a0, t0)

    /* 15-18: mtvec / stvec MODE */
    la s0, aligned_vec
    TEST_CASE(15, a0, 0, ori t0, s0, 1; csrw mtvec, t0; csrr a0, mtvec; xor a0, a0, t0)
    TEST_CASE(16, a0, 0, csrw mtvec, s0; csrr a0, mtvec; xor a0, a0, s0)
    SET_TESTNUM(17)
    ori t0, s0, 2
    csrw mtvec, t0
    csrr a0, mtvec
    andi a0, a0, 3
    li t6, 2
    bgeu a0, t6, fail
    ori t0, s0, 3
    csrw mtvec, t0
    csrr a0, mtvec
    andi a0, a0, 3
    bgeu a0, t6, fail
    RESTORE_MTVEC
    TEST_CASE(18, a0, 0, ori t0, s0, 1; csrw stvec, t0; csrr a0, stvec; xor a0, a0, t0)
    SET_TESTNUM(19)
    ori t0, s0, 3
    csrw stvec, t0
    csrr a0, stvec
    andi a0, a0, 3
    li t6, 2
    bgeu a0, t6, fail
    RESTORE_STVEC

    /* 20-24: satp */
    li s1, SATP_SV39 | 0x80123
    TEST_CASE(20, a0, SATP_SV39 | 0x80123, csrw satp, s1; csrr a0, satp)
    TEST_CASE(21, a0, SATP_SV39 | 0x80123, li t0, (1 << SATP_MODE_SHIFT) | 0x80456; csrw satp, t0; csrr a0, satp)
    TEST_CASE(22, a0, SATP_SV39 | 0x80123, li t0, (11 << SATP_MODE_SHIFT) | 0x80456; csrw satp, t0; csrr a0, satp)
    TEST_CASE(23, a0, SATP_SV39 | 0x80123, li t0, (15 << SATP_MODE_SHIFT); csrw satp, t0; csrr a0, satp)
    SET_TESTNUM(24)            /* ASID bits are contiguous from the LSB of the field */
    li t0, SATP_SV39 | (0xffff << 44) | 0x80123
    csrw satp, t0
    csrr a0, satp
    srli a0, a0, 44
    li t6, 0xffff
    and a0, a0, t6
    addi a1, a0, 1
    and a1, a1, a0
    bnez a1, fail
    TEST_CASE(25, a0, 0, csrw satp, x0; csrr a0, satp)

    /* 26-28: sstatus is a view of mstatus */
    SET_TESTNUM(26)
    li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MPRV
    csrs mstatus, t0           /* MPP = M, so MPRV has no effect */
    csrr a0, sstatus
    and a0, a0, t0
    bnez a0, fail
    csrc mstatus, t0
    csrci mstatus, MSTATUS_MIE
    SET_TESTNUM(27)            /* writing sstatus cannot touch M fields */
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    csrr s2, sstatus
    li t0, -1
    csrw sstatus, t0
    csrr a0, mstatus
    li t6, MSTATUS_MIE | MSTATUS_MPP | MSTATUS_MPIE
    and a0, a0, t6
    CHECK_REG(a0, MSTATUS_MPP)
    SET_TESTNUM(28)            /* ... but sets SIE, SPIE, SPP, SUM, MXR */
    csrr a0, sstatus
    li t6, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR
    and a0, a0, t6
    bne a0, t6, fail
    csrw sstatus, s2
    csrci mstatus, MSTATUS_SIE

    /* 29-35: sie / sip views */
    csrw mideleg, x0
    li t0, MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_MSIP
    csrw mie, t0
    TEST_CASE(29, a0, 0, csrr a0, sie)          /* nothing delegated: all zero */
    li t0, MIP_SSIP | MIP_STIP | MIP_SEIP
    csrw mideleg, t0
    TEST_CASE(30, a0, MIP_SSIP | MIP_STIP | MIP_SEIP, csrr a0, sie)   /* no MSIE */
    TEST_CASE(31, a0, MIP_MSIP, csrw sie, x0; csrr a0, mie)           /* sie write reaches mie */
    TEST_CASE(32, a0, MIP_SSIP, csrs sip, MIP_SSIP; csrr a0, mip; andi a0, a0, MIP_SSIP)
    TEST_CASE(33, a0, MIP_SSIP, csrr a0, sip; andi a0, a0, MIP_SSIP)
    TEST_CASE(34, a0, 0, csrc sip, MIP_SSIP; csrr a0, mip; andi a0, a0, MIP_SSIP)
    SET_TESTNUM(35)            /* STIP is read-only through sip */
    csrr a1, sip
    li t0, MIP_STIP
    csrs sip, t0
    csrr a2, sip
    bne a1, a2, fail
    SET_TESTNUM(36)            /* SSIP not delegated: sip.SSIP reads 0 though mip.SSIP = 1 */
    csrw mideleg, x0
    csrsi mip, MIP_SSIP
    csrr a0, sip
    andi a0, a0, MIP_SSIP
    CHECK_REG(a0, 0)
    csrci mip, MIP_SSIP
    csrw mie, x0

    /* 37-39: ID and counter-enable CSRs */
    TEST_CASE(37, a0, 0, csrr a0, mhartid)
    TEST_NO_TRAP(38, csrr a0, mvendorid; csrr a0, marchid; csrr a0, mimpid)
    TEST_CASE(39, a0, 7, csrwi mcounteren, 7; csrr a0, mcounteren; andi a0, a0, 7)
    TEST_CASE(40, a0, 7, csrwi scounteren, 7; csrr a0, scounteren; andi a0, a0, 7)
    TEST_PASS

    .balign 256
aligned_vec:
    j fail
