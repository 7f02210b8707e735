/* Privileged: counter access gating. mcounteren CY/IR gate cycle/instret for
 * S and U; scounteren additionally gates U; M is never gated; a gated read is
 * an illegal instruction with mtval = instruction bits; hpmcounter3 gated by
 * bit 3; mhpm* and mcountinhibit accessible from M. The `time` CSR is in
 * priv_time.S. */
#include "test.h"
    .text
    .globl test_main
test_main:
    /* M-mode ignores the enables */
    csrwi mcounteren, 0
    csrwi scounteren, 0
    TEST_NO_TRAP(1, rdcycle a0; rdinstret a0)
    /* mcounteren = 0: S and U trap */
    TEST_ILLEGAL_MODE(2, PRV_S, rdcycle a0)
    TEST_ILLEGAL_MODE(3, PRV_S, rdinstret a0)
    TEST_ILLEGAL_MODE(4, PRV_U, rdcycle a0)
    TEST_ILLEGAL_MODE(5, PRV_U, rdinstret a0)
    /* mcounteren = CY|IR, scounteren = 0: S reads, U traps */
    csrwi mcounteren, 5
    SET_TESTNUM(6)
    GOTO_MODE(PRV_S, 1f)
1:  rdcycle a0
    rdinstret a1
    GOTO_M(2f)
2:  TEST_ILLEGAL_MODE(7, PRV_U, rdcycle a0)
    TEST_ILLEGAL_MODE(8, PRV_U, rdinstret a0)
    /* scounteren = CY|IR: U reads too */
    csrwi scounteren, 5
    SET_TESTNUM(9)
    GOTO_MODE(PRV_U, 1f)
1:  rdcycle a0
    rdinstret a1
    rdinstret a2
    bleu a2, a1, fail          /* instret advances in U */
    GOTO_M(2f)
2:
    /* per-bit gating: only CY enabled */
    csrwi mcounteren, 1
    csrwi scounteren, 1
    TEST_ILLEGAL_MODE(10, PRV_S, rdinstret a0)
    TEST_ILLEGAL_MODE(11, PRV_U, rdinstret a0)
    SET_TESTNUM(12)
    GOTO_MODE(PRV_U, 1f)
1:  rdcycle a0
    GOTO_M(2f)
2:
    /* scounteren gates U only, not S */
    csrwi mcounteren, 5
    csrwi scounteren, 0
    SET_TESTNUM(13)
    GOTO_MODE(PRV_S, 1f)
1:  rdinstret a0
    GOTO_M(2f)
2:
    /* hardware performance monitor counters: M access always allowed */
    TEST_NO_TRAP(14, csrr a0, mhpmcounter3; csrr a0, mhpmevent3; csrr a0, hpmcounter3; \
        csrr a0, mcountinhibit; csrw mhpmevent3, x0; csrw mhpmcounter3, x0)
    /* hpmcounter3 gated by bit 3 */
    csrwi mcounteren, 0
    TEST_ILLEGAL_MODE(15, PRV_S, csrr a0, hpmcounter3)
    csrwi mcounteren, 8
    SET_TESTNUM(16)
    GOTO_MODE(PRV_S, 1f)
1:  csrr a0, hpmcounter3
    GOTO_M(2f)
2:  TEST_ILLEGAL_MODE(17, PRV_U, csrr a0, hpmcounter3)
    /* M-level counter CSRs are never accessible from S */
    csrwi mcounteren, 7
    TEST_ILLEGAL_MODE(18, PRV_S, csrr a0, mcycle)
    TEST_ILLEGAL_MODE(19, PRV_S, csrr a0, mcounteren)
    csrwi mcounteren, 0
    csrwi scounteren, 0
    TEST_PASS
