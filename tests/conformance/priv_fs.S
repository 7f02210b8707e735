/* Privileged: floating-point context status. With mstatus.FS = Off every F/D
 * instruction and fcsr/frm/fflags access is an illegal instruction (mtval =
 * instruction bits, 16-bit for compressed FP loads/stores), in M and S.
 * Modifying FP state (f registers or fcsr) from Initial or Clean makes
 * FS = Dirty and SD = 1. */
#include "test.h"

#define SET_FS(v) li t0, MSTATUS_FS; csrc mstatus, t0; li t0, v; csrs mstatus, t0
#define GET_FS(reg) csrr reg, mstatus; li t6, MSTATUS_FS | MSTATUS_SD; and reg, reg, t6

/* 16-bit illegal instruction: mtval holds the 16 instruction bits */
#define TEST_ILLEGAL16(n, code...) \
    SET_TESTNUM(n); ARM_M_TRAP(8f); \
7:  code; j fail; \
8:  CHECK_MEM(m_trap_cause, CAUSE_ILLEGAL); CHECK_MEM_ADDR(m_trap_epc, 7b); \
    la t5, 7b; lhu t5, 0(t5); la t6, m_trap_tval; ld t6, 0(t6); bne t5, t6, fail

    .text
    .globl test_main
test_main:
    la s0, fbuf
    SET_FS(FS_OFF)
    TEST_ILLEGAL(1, fadd.s f1, f2, f3)
    TEST_ILLEGAL(2, fadd.d f1, f2, f3)
    TEST_ILLEGAL(3, flw f1, 0(s0))
    TEST_ILLEGAL(4, fsd f1, 0(s0))
    TEST_ILLEGAL(5, fmv.x.w a0, f1)
    TEST_ILLEGAL(6, fmv.d.x f1, a0)
    TEST_ILLEGAL(7, fcvt.s.w f1, a0)
    TEST_ILLEGAL(8, feq.d a0, f1, f2)
    TEST_ILLEGAL(9, fmadd.d f1, f2, f3, f4)
    TEST_ILLEGAL(10, fclass.s a0, f1)
    TEST_ILLEGAL(11, csrr a0, fcsr)
    TEST_ILLEGAL(12, csrw fflags, x0)
    TEST_ILLEGAL(13, csrr a0, frm)
    TEST_ILLEGAL16(14, c.fld f8, 0(s0))
    TEST_ILLEGAL16(15, c.fsdsp f1, 0(sp))
    TEST_ILLEGAL_MODE(16, PRV_S, fsub.s f1, f2, f3)
    TEST_ILLEGAL_MODE(17, PRV_U, fld f1, 0(s0))
    TEST_ILLEGAL_MODE(18, PRV_U, frflags a0)
    /* the memory was not written by the trapping store */
    TEST_CASE(19, a0, 0x1122334455667788, ld a0, 0(s0))

    /* Initial -> Dirty on an arithmetic result */
    SET_FS(FS_INITIAL)
    TEST_CASE(20, a0, FS_INITIAL, GET_FS(a0))
    TEST_CASE(21, a0, FS_DIRTY | MSTATUS_SD, fadd.d f1, f2, f3; GET_FS(a0))
    /* Clean -> Dirty on a register move */
    SET_FS(FS_CLEAN)
    TEST_CASE(22, a0, FS_CLEAN, GET_FS(a0))
    TEST_CASE(23, a0, FS_DIRTY | MSTATUS_SD, fmv.w.x f1, x0; GET_FS(a0))
    /* Clean -> Dirty on a load */
    SET_FS(FS_CLEAN)
    TEST_CASE(24, a0, FS_DIRTY | MSTATUS_SD, fld f2, 0(s0); GET_FS(a0))
    /* Clean -> Dirty on an fcsr write */
    SET_FS(FS_CLEAN)
    TEST_CASE(25, a0, FS_DIRTY | MSTATUS_SD, csrwi fflags, 1; GET_FS(a0))
    /* S-mode sees FS through sstatus */
    SET_FS(FS_CLEAN)
    TEST_CASE(26, a0, FS_CLEAN, csrr a0, sstatus; li t6, MSTATUS_FS; and a0, a0, t6)
    /* data survives Off -> Initial */
    TEST_CASE(27, a0, 0x1122334455667788, fld f5, 0(s0); SET_FS(FS_OFF); SET_FS(FS_CLEAN); fmv.x.d a0, f5)
    csrwi fflags, 0
    TEST_PASS

    .data
    .balign 8
fbuf:
    .dword 0x1122334455667788
