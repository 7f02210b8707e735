/* HTIF (docs/platform.md 10, Spike fesvr semantics) as riscv-tests'
 * benchmarks/-v environment and riscv-arch-test's Spike model use it:
 * a magic-memory syscall (SYS_write to stdout) written to tohost as a
 * pointer is served, its result lands in slot 0 and fromhost becomes
 * non-zero; a bcd console write clears tohost; and the run ends with a lone
 * `sw x1, tohost` (no store to the high half), the arch-test RVMODEL_HALT.
 *
 * EXCLUDED from the QEMU oracle run: QEMU 7.2's spike HTIF does not serve
 * the syscall proxy (logs it as unimplemented, never writes fromhost) and
 * only acts on tohost once its high word is stored, so it hangs on both
 * the syscall and the halt (observed). */
#include "test.h"

#define SYS_WRITE 64
/* length of msg below */
#define MSG_LEN 39

    .text
    .globl test_main
test_main:
    /* 1: SYS_write(1, msg, len) returns len and answers through fromhost */
    SET_TESTNUM(1)
    la a0, magic
    li t0, SYS_WRITE
    sd t0, 0(a0)
    li t0, 1
    sd t0, 8(a0)
    la t0, msg
    sd t0, 16(a0)
    li t0, MSG_LEN
    sd t0, 24(a0)
    fence
    la t1, tohost
    sd a0, 0(t1)
    la t2, fromhost
    li t3, 1000000
1:  ld t0, 0(t2)
    bnez t0, 2f
    addi t3, t3, -1
    bnez t3, 1b
    j fail
2:  sd x0, 0(t2)
    ld t0, 0(a0)
    li t4, MSG_LEN
    bne t0, t4, fail
    /* 2: tohost was cleared by the host after taking the command */
    TEST_CASE(2, a1, 0, la t1, tohost; ld a1, 0(t1))
    /* 3: bcd write (device 1, command 1) is taken and tohost cleared */
    SET_TESTNUM(3)
    li t0, (0x0101 << 48) | 0x0a
    la t1, tohost
    sd t0, 0(t1)
    fence
    ld a1, 0(t1)
    bnez a1, fail
    /* 4: a lone 32-bit exit store ends the run with status 0 */
    SET_TESTNUM(4)
    li x1, 1
    la t1, tohost
3:  sw x1, 0(t1)
    j 3b

    .data
    .align 6
magic: .dword 0, 0, 0, 0, 0, 0, 0, 0
msg: .ascii "htif_proxy: SYS_write via magic memory\n"
