/* Privileged: the `time` CSR is a read-only shadow of the CLINT mtime
 * (docs/platform.md 2.1: the mtimer is created with provide_rdtime = true on
 * QEMU virt, and rvisor backs `time` with mtime); mcounteren.TM gates S and U,
 * scounteren.TM gates U; time cannot be written.
 *
 * EXCLUDED from the QEMU oracle run: QEMU's `spike` machine creates its
 * CLINT timer without rdtime support, so any `time` read is an illegal
 * instruction there (observed). This is a machine-model difference, not an
 * ISA bug: the test documents rvisor's (virt-compatible) behaviour. It passes
 * on QEMU virt (tools/run_qemu_virt.py). */
#include "test.h"
    .text
    .globl test_main
test_main:
    /* 1: time lies between two mtime reads */
    SET_TESTNUM(1)
    li t0, CLINT_MTIME
    ld a1, 0(t0)
    rdtime a2
    ld a3, 0(t0)
    bltu a2, a1, fail
    bltu a3, a2, fail
    /* 2: time advances */
    SET_TESTNUM(2)
    rdtime a1
    li t4, 1000
1:  addi t4, t4, -1
    bnez t4, 1b
    rdtime a2
    bleu a2, a1, fail
    /* 3: read-only */
    TEST_ILLEGAL(3, csrw time, x0)
    /* 4-7: gating */
    csrwi mcounteren, 0
    csrwi scounteren, 0
    TEST_ILLEGAL_MODE(4, PRV_S, rdtime a0)
    TEST_ILLEGAL_MODE(5, PRV_U, rdtime a0)
    csrwi mcounteren, 2
    SET_TESTNUM(6)
    GOTO_MODE(PRV_S, 1f)
1:  rdtime a0
    GOTO_M(2f)
2:  TEST_ILLEGAL_MODE(7, PRV_U, rdtime a0)
    csrwi scounteren, 2
    SET_TESTNUM(8)
    GOTO_MODE(PRV_U, 1f)
1:  rdtime a0
    GOTO_M(2f)
2:  csrwi mcounteren, 0
    csrwi scounteren, 0
    TEST_PASS
