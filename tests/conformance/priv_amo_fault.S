/* Privileged: AMO faults use the store/AMO causes. An AMO to an unmapped
 * physical address raises a store/AMO access fault (cause 7, mtval = address);
 * a misaligned AMO raises store/AMO address-misaligned (6) or store/AMO access
 * fault (7) (A extension: "an address-misaligned exception or an access-fault
 * exception"); memory is not modified.
 *
 * EXCLUDED from the QEMU oracle run: QEMU reports AMO faults as load faults
 * (cause 5 for the access fault, cause 4 for the misaligned AMO), a known QEMU
 * bug: gitlab.com/qemu-project/qemu issue 594 ("faults due to a amo
 * instruction result in load faults instead of store/amo faults") and work
 * item 3503 (misaligned AMOs raise load-address-misaligned). */
#include "test.h"

#define TEST_ACCESS(n, cause, addr, inst...) \
    li a1, addr; TEST_TRAP(n, cause, addr, inst)

#define TEST_MISALIGNED_AMO(n, inst...) \
    SET_TESTNUM(n); la a1, amo_buf + 2; ARM_M_TRAP(8f); \
7:  inst; j fail; \
8:  CHECK_MEM_ADDR(m_trap_epc, 7b); CHECK_MEM_ADDR(m_trap_tval, amo_buf + 2); \
    la t5, m_trap_cause; ld t5, 0(t5); li t6, CAUSE_MISALIGNED_STORE; beq t5, t6, 9f; \
    li t6, CAUSE_STORE_ACCESS; bne t5, t6, fail; 9:

    .text
    .globl test_main
test_main:
    TEST_ACCESS(1, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, amoadd.w a0, a0, (a1))
    TEST_ACCESS(2, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, amoswap.d a0, a0, (a1))
    TEST_ACCESS(3, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, amomaxu.d a0, a0, (a1))
    TEST_ACCESS(4, CAUSE_STORE_ACCESS, UNMAPPED_ADDR, amoor.w a0, a0, (a1))
    TEST_MISALIGNED_AMO(5, amoadd.w a0, a0, (a1))
    TEST_MISALIGNED_AMO(6, amoswap.d a0, a0, (a1))
    TEST_MISALIGNED_AMO(7, amominu.w a0, a0, (a1))
    SET_TESTNUM(8)
    la a1, amo_buf
    ld a0, 0(a1)
    bnez a0, fail
    ld a0, 8(a1)
    bnez a0, fail
    TEST_PASS

    .data
    .balign 64
amo_buf:
    .dword 0, 0
