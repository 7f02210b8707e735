/* riscv-arch-test style result area: the program computes values into the
 * memory between begin_signature and end_signature, which
 * `rvisor run --signature FILE` dumps at exit (Spike's +signature= format:
 * one line per 4 bytes, most significant byte first). The area is 5 words
 * long and not a multiple of 8 bytes, so an 8-byte granularity pads the
 * last line. Expected dump: crates/cli/tests/conformance.rs. */
#include "test.h"

    .text
    .globl test_main
test_main:
    la a0, begin_signature
    li a1, 0x11223344
    sw a1, 0(a0)
    li a1, -1
    sw a1, 4(a0)
    /* 0x0123456789abcdef as two words, low first. */
    li a1, 0x0123456789abcdef
    sd a1, 8(a0)
    li a1, 7
    li a2, 6
    mul a1, a1, a2
    sw a1, 16(a0)
    TEST_PASS

    .data
    .balign 16
    .globl begin_signature
begin_signature:
    .word 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef
    .globl end_signature
end_signature:
    .word 0
