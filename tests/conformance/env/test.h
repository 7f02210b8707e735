/* rvisor ISA conformance suite -- shared test header.
 *
 * Written for rvisor from the RISC-V Unprivileged / Privileged specifications
 * and the HTIF convention described in docs/platform.md section 10. Not derived
 * from riscv-tests.
 *
 * Model
 * -----
 * env/env.S holds the reset code (M-mode, 0x80000000), the default trap
 * handlers, pass/fail and the tohost/fromhost symbols. Each test file defines
 * the global label `test_main`, entered in M-mode with:
 *   mtvec = m_trap_vector (direct), stvec = s_trap_vector, medeleg = mideleg = 0,
 *   mie = 0, mstatus.FS = Initial, fcsr = 0, satp = 0, PMP entry 0 = all RWX,
 *   sp = top of a 4 KiB stack, gp (TESTNUM) = 0.
 * and ends by jumping to `pass` (or `fail`).
 *
 * Register use: gp holds the current test number; t6 is the comparison scratch
 * register of the TEST_* macros; the trap handlers preserve every register
 * (t6/a7 are consumed by the GOTO_M service call only).
 *
 * Result: pass writes 1 to tohost; fail writes (TESTNUM << 1) | 1.
 * QEMU spike's HTIF exits with status TESTNUM (truncated to 8 bits), so test
 * numbers are restricted to 1..255 (checked at assembly time).
 *
 * Traps
 * -----
 * Any trap is a failure unless the test "armed" the handler: set
 * `m_trap_resume` (or `s_trap_resume` for traps delegated to S) to an address.
 * The handler then records cause/epc/tval/status into m_trap_cause,
 * m_trap_epc, m_trap_tval, m_trap_status (s_trap_* likewise), increments
 * m_trap_count, disarms itself (resume = 0) and continues at the resume
 * address in its own mode (M for the M handler: MPP := M; S for the S handler:
 * SPP := S). Resume address 1 means "return to the trapping epc unchanged".
 *
 * GOTO_M(label) from U or S mode: ecall service that continues at `label` in
 * M-mode (the S handler forwards it if U ecalls are delegated).
 */
#ifndef RVISOR_CONFORMANCE_TEST_H
#define RVISOR_CONFORMANCE_TEST_H

#define TESTNUM gp

/* ---- CSR bit definitions (privileged spec) ---- */
#define MSTATUS_SIE   (1 << 1)
#define MSTATUS_MIE   (1 << 3)
#define MSTATUS_SPIE  (1 << 5)
#define MSTATUS_UBE   (1 << 6)
#define MSTATUS_MPIE  (1 << 7)
#define MSTATUS_SPP   (1 << 8)
#define MSTATUS_VS    (3 << 9)
#define MSTATUS_MPP   (3 << 11)
#define MSTATUS_FS    (3 << 13)
#define MSTATUS_XS    (3 << 15)
#define MSTATUS_MPRV  (1 << 17)
#define MSTATUS_SUM   (1 << 18)
#define MSTATUS_MXR   (1 << 19)
#define MSTATUS_TVM   (1 << 20)
#define MSTATUS_TW    (1 << 21)
#define MSTATUS_TSR   (1 << 22)
#define MSTATUS_SD    (1 << 63)

#define FS_OFF     0
#define FS_INITIAL (1 << 13)
#define FS_CLEAN   (2 << 13)
#define FS_DIRTY   (3 << 13)

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_S_TIMER  5
#define IRQ_M_TIMER  7
#define IRQ_S_EXT    9
#define IRQ_M_EXT    11
#define MIP_SSIP (1 << IRQ_S_SOFT)
#define MIP_MSIP (1 << IRQ_M_SOFT)
#define MIP_STIP (1 << IRQ_S_TIMER)
#define MIP_MTIP (1 << IRQ_M_TIMER)
#define MIP_SEIP (1 << IRQ_S_EXT)
#define MIP_MEIP (1 << IRQ_M_EXT)
#define CAUSE_INTR (1 << 63)

#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL          2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_ECALL_U          8
#define CAUSE_ECALL_S          9
#define CAUSE_ECALL_M          11
#define CAUSE_FETCH_PAGE       12
#define CAUSE_LOAD_PAGE        13
#define CAUSE_STORE_PAGE       15

/* CLINT (same addresses on QEMU virt, QEMU spike and rvisor) */
#define CLINT_MSIP      0x2000000
#define CLINT_MTIMECMP  0x2004000
#define CLINT_MTIME     0x200BFF8

/* A physical address that is unmapped on QEMU virt (gap between the platform
 * bus ending at 0x6000000 and the PLIC at 0xC000000) and on QEMU spike. */
#define UNMAPPED_ADDR   0x08000000

/* Magic in a7 for the GOTO_M ecall service. */
#define GOTO_M_MAGIC    0x676f746f4d

/* ---- test-number check and pass/fail ---- */
.macro check_testnum n
.if ((\n) < 1) || ((\n) > 255)
.error "test numbers must be in 1..255 (HTIF exit status is 8 bits)"
.endif
.endm

#define SET_TESTNUM(n) check_testnum n; li TESTNUM, n

#define TEST_PASS  j pass
#define TEST_FAIL  j fail

/* TEST_CASE(n, reg, expected, code...): run code, then reg must equal expected. */
#define TEST_CASE(n, reg, expected, code...) \
    SET_TESTNUM(n); \
    code; \
    li t6, expected; \
    bne reg, t6, fail

/* Compare a register against an expected value (no code). */
#define CHECK_REG(reg, expected) \
    li t6, expected; \
    bne reg, t6, fail

/* Compare a 64-bit memory word at symbol against expected (clobbers t5, t6). */
#define CHECK_MEM(sym, expected) \
    la t5, sym; ld t5, 0(t5); li t6, expected; bne t5, t6, fail

/* Compare the 64-bit memory word at sym against the address of label. */
#define CHECK_MEM_ADDR(sym, label) \
    la t5, sym; ld t5, 0(t5); la t6, label; bne t5, t6, fail

/* Integer register-register / register-immediate ALU checks. */
#define TEST_RR(n, inst, expected, v1, v2) \
    TEST_CASE(n, a0, expected, li a1, v1; li a2, v2; inst a0, a1, a2)
#define TEST_RI(n, inst, expected, v1, imm) \
    TEST_CASE(n, a0, expected, li a1, v1; inst a0, a1, imm)
/* Same, but the destination is also the first source. */
#define TEST_RR_SRC1_EQ_DEST(n, inst, expected, v1, v2) \
    TEST_CASE(n, a1, expected, li a1, v1; li a2, v2; inst a1, a1, a2)
#define TEST_RR_ZERODEST(n, inst, v1, v2) \
    TEST_CASE(n, x0, 0, li a1, v1; li a2, v2; inst x0, a1, a2)

/* ---- trap expectation helpers ---- */

/* Arm the M handler to resume at label. Clobbers t5, t6. */
#define ARM_M_TRAP(label) la t6, label; la t5, m_trap_resume; sd t6, 0(t5)
#define ARM_M_TRAP_RETURN li t6, 1; la t5, m_trap_resume; sd t6, 0(t5)
#define DISARM_M_TRAP la t5, m_trap_resume; sd x0, 0(t5)
#define ARM_S_TRAP(label) la t6, label; la t5, s_trap_resume; sd t6, 0(t5)
#define ARM_S_TRAP_RETURN li t6, 1; la t5, s_trap_resume; sd t6, 0(t5)
#define DISARM_S_TRAP la t5, s_trap_resume; sd x0, 0(t5)

/* TEST_TRAP(n, cause, tval, code...): the first instruction of code must trap
 * to M with mcause = cause, mepc = its address and mtval = tval. */
#define TEST_TRAP(n, cause, tval, code...) \
    SET_TESTNUM(n); \
    ARM_M_TRAP(8f); \
7:  code; \
    j fail; \
8:  CHECK_MEM(m_trap_cause, cause); \
    CHECK_MEM_ADDR(m_trap_epc, 7b); \
    CHECK_MEM(m_trap_tval, tval)

/* Same, but mtval is not checked. */
#define TEST_TRAP_NOTVAL(n, cause, code...) \
    SET_TESTNUM(n); \
    ARM_M_TRAP(8f); \
7:  code; \
    j fail; \
8:  CHECK_MEM(m_trap_cause, cause); \
    CHECK_MEM_ADDR(m_trap_epc, 7b)

/* Same, but mtval must equal the address of the trapping instruction. */
#define TEST_TRAP_TVAL_PC(n, cause, code...) \
    SET_TESTNUM(n); \
    ARM_M_TRAP(8f); \
7:  code; \
    j fail; \
8:  CHECK_MEM(m_trap_cause, cause); \
    CHECK_MEM_ADDR(m_trap_epc, 7b); \
    CHECK_MEM_ADDR(m_trap_tval, 7b)

/* Illegal instruction: mtval must be the instruction bits (32-bit encodings). */
#define TEST_ILLEGAL(n, code...) \
    SET_TESTNUM(n); \
    ARM_M_TRAP(8f); \
7:  code; \
    j fail; \
8:  CHECK_MEM(m_trap_cause, CAUSE_ILLEGAL); \
    CHECK_MEM_ADDR(m_trap_epc, 7b); \
    la t5, 7b; lwu t5, 0(t5); la t6, m_trap_tval; ld t6, 0(t6); bne t5, t6, fail

/* Breakpoint from EBREAK / C.EBREAK: mtval is either 0 or the pc
 * (privileged spec, mtval: "written with either zero or the virtual address
 * of the instruction"). */
#define TEST_EBREAK(n, code...) \
    SET_TESTNUM(n); \
    ARM_M_TRAP(8f); \
7:  code; \
    j fail; \
8:  CHECK_MEM(m_trap_cause, CAUSE_BREAKPOINT); \
    CHECK_MEM_ADDR(m_trap_epc, 7b); \
    la t5, m_trap_tval; ld t5, 0(t5); beqz t5, 9f; la t6, 7b; bne t5, t6, fail; 9:

/* Check that the MPP field of the recorded mstatus equals mode. */
#define CHECK_TRAP_MPP(mode) \
    la t5, m_trap_status; ld t5, 0(t5); srli t5, t5, 11; andi t5, t5, 3; \
    li t6, mode; bne t5, t6, fail

/* Run code in privilege mode `mode` (entered with mret from M); its first
 * instruction must trap to M with mcause = cause and mepc = its address. The
 * test continues in M-mode. Clobbers t0. */
#define TEST_TRAP_MODE(n, mode, cause, code...) \
    SET_TESTNUM(n); \
    ARM_M_TRAP(8f); \
    GOTO_MODE(mode, 7f); \
7:  code; \
    j fail; \
8:  CHECK_MEM(m_trap_cause, cause); \
    CHECK_MEM_ADDR(m_trap_epc, 7b); \
    CHECK_TRAP_MPP(mode)

/* Same, for an illegal instruction: mtval must hold the instruction bits. */
#define TEST_ILLEGAL_MODE(n, mode, code...) \
    TEST_TRAP_MODE(n, mode, CAUSE_ILLEGAL, code); \
    la t5, 7b; lwu t5, 0(t5); la t6, m_trap_tval; ld t6, 0(t6); bne t5, t6, fail

/* The code must complete without any trap (the default handler fails anyway;
 * this is for readability). */
#define TEST_NO_TRAP(n, code...) SET_TESTNUM(n); code

/* ---- privilege-mode switching (M-mode only), clobber t0 ---- */
#define GOTO_MODE(mode, label) \
    li t0, MSTATUS_MPP; csrc mstatus, t0; \
    li t0, ((mode) << 11); csrs mstatus, t0; \
    la t0, label; csrw mepc, t0; \
    mret

/* From U or S: continue at label in M-mode. Clobbers t6, a7. */
#define GOTO_M(label) \
    la t6, label; li a7, GOTO_M_MAGIC; ecall

#define SET_MTVEC(label) la t0, label; csrw mtvec, t0
#define RESTORE_MTVEC la t0, m_trap_vector; csrw mtvec, t0
#define SET_STVEC(label) la t0, label; csrw stvec, t0
#define RESTORE_STVEC la t0, s_trap_vector; csrw stvec, t0

/* ---- floating point ---- */

/* NaN-box a single-precision bit pattern into a 64-bit f-register image. */
#define BOX(x) (0xffffffff00000000 | (x))

/* FP op test. v1, v2, v3 are 64-bit images loaded into f0, f1, f2; code must
 * leave its result in f3 (compared as 64 bits, so single results must be
 * correctly NaN-boxed) and fflags must equal flags. a0 is free for code. */
#define TEST_FP(n, flags, expected, v1, v2, v3, code...) \
    SET_TESTNUM(n); \
    .pushsection .data; .balign 8; 6: .dword v1, v2, v3; .popsection; \
    la a0, 6b; fld f0, 0(a0); fld f1, 8(a0); fld f2, 16(a0); \
    fsflags x0; \
    code; \
    fmv.x.d t4, f3; li t6, expected; bne t4, t6, fail; \
    frflags t4; li t6, flags; bne t4, t6, fail

/* Same, but the result is the integer register a0. */
#define TEST_FP_INT(n, flags, expected, v1, v2, v3, code...) \
    SET_TESTNUM(n); \
    .pushsection .data; .balign 8; 6: .dword v1, v2, v3; .popsection; \
    la a0, 6b; fld f0, 0(a0); fld f1, 8(a0); fld f2, 16(a0); \
    fsflags x0; \
    code; \
    li t6, expected; bne a0, t6, fail; \
    frflags t4; li t6, flags; bne t4, t6, fail

/* fflags bits */
#define FF_NX 0x01
#define FF_UF 0x02
#define FF_OF 0x04
#define FF_DZ 0x08
#define FF_NV 0x10

/* rounding modes */
#define RM_RNE 0
#define RM_RTZ 1
#define RM_RDN 2
#define RM_RUP 3
#define RM_RMM 4

#define QNAN_S 0x7fc00000
#define QNAN_D 0x7ff8000000000000

#endif
