/* Privileged: counter access gating. mcounteren CY/IR gate cycle/instret for
 * S and U; scounteren additionally gates U; M is never gated; a gated read is
 * an illegal instruction with mtval = instruction bits. The `time` CSR is in
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
2:  csrwi mcounteren, 0
    csrwi scounteren, 0
    TEST_PASS
