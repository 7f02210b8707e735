/* Privileged/debug: the Sdtrig trigger CSRs as M-mode software probes them
 * (debug spec "Trigger Module Registers", "Enumeration"). Either outcome of
 * the probe is accepted: no usable trigger (rvisor: tselect holds only 0,
 * tdata1 reads type 0 and ignores writes) or a working mcontrol trigger
 * (QEMU), which must then raise a breakpoint exception (cause 3) with
 * mepc/mtval at the matching instruction or address. The probe itself must
 * never trap in M-mode; below M the trigger CSRs are illegal.
 *
 * Accesses go through explicit CSR numbers: tselect 0x7a0, tdata1 0x7a1,
 * tdata2 0x7a2, tinfo 0x7a4. */
#include "test.h"

#define CSR_TSELECT 0x7a0
#define CSR_TDATA1  0x7a1
#define CSR_TDATA2  0x7a2
/* mcontrol (type 2): m = bit 6, execute = bit 2, store = bit 1, load = bit 0 */
#define MCONTROL(bits) ((2 << 60) | (1 << 6) | (bits))
/* Disabled: an mcontrol matching in no mode and on no access (older
 * implementations keep the type on a write of 0, so 0 may not disable). */
#define TRIGGER_OFF li t0, 2 << 60; csrw CSR_TDATA1, t0

    .text
    .globl test_main
test_main:
    /* 1: selecting trigger 0 does not trap; with any trigger it reads 0. */
    TEST_NO_TRAP(1, csrw CSR_TSELECT, x0; csrr a0, CSR_TSELECT)
    bnez a0, fail

    /* 2: reading tdata1/tdata2 of trigger 0 does not trap. */
    TEST_NO_TRAP(2, csrr a0, CSR_TDATA1; csrr a0, CSR_TDATA2)

    /* 3: an execute trigger on label 7 either sticks and fires, or does not
     * stick (no such trigger type/trigger). */
    SET_TESTNUM(3)
    la a2, 7f
    csrw CSR_TDATA2, a2
    li a0, MCONTROL(1 << 2)
    csrw CSR_TDATA1, a0
    csrr a1, CSR_TDATA1
    bne a0, a1, 10f
    ARM_M_TRAP(8f)
7:  j fail
8:  TRIGGER_OFF
    CHECK_MEM(m_trap_cause, CAUSE_BREAKPOINT)
    CHECK_MEM_ADDR(m_trap_epc, 7b)
10:
    /* 4: a load trigger on `data` either fires on the load (no writeback)
     * or does not stick. */
    SET_TESTNUM(4)
    TRIGGER_OFF
    la a2, data
    csrw CSR_TDATA2, a2
    li a0, MCONTROL(1 << 0)
    csrw CSR_TDATA1, a0
    csrr a1, CSR_TDATA1
    bne a0, a1, 10f
    li a3, 0x55
    ARM_M_TRAP(8f)
7:  ld a3, 0(a2)
    j fail
8:  TRIGGER_OFF
    CHECK_MEM(m_trap_cause, CAUSE_BREAKPOINT)
    CHECK_MEM_ADDR(m_trap_epc, 7b)
    li t0, 0x55
    bne a3, t0, fail
10:
    /* 5: a trigger that did not stick must not fire: the load completes. */
    TEST_CASE(5, a3, 0x1234, TRIGGER_OFF; la a2, data; ld a3, 0(a2))

    /* 6, 7: the trigger CSRs are M-mode only. */
    TEST_ILLEGAL_MODE(6, PRV_S, csrr a0, CSR_TSELECT)
    TEST_ILLEGAL_MODE(7, PRV_U, csrr a0, CSR_TDATA1)
    TEST_PASS

    .data
    .align 3
data: .dword 0x1234
