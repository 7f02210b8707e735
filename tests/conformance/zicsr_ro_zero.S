/* Zicsr: CSRRS/CSRRC whose rs1 is not x0 but holds zero still write the CSR
 * (unprivileged spec, Zicsr chapter: "if rs1 specifies a register holding a
 * zero value other than x0, the instruction will still attempt to write the
 * unmodified value back to the CSR"), so on a read-only CSR they are illegal.
 *
 * EXCLUDED from the QEMU oracle run: QEMU 7.2 decides "is this a write" from
 * the runtime value of rs1 (target/riscv riscv_csrrw_check is passed the
 * write mask), so it does not trap here. */
#include "test.h"
    .text
    .globl test_main
test_main:
    li a1, 0
    TEST_ILLEGAL(1, csrrs a0, mhartid, a1)
    TEST_ILLEGAL(2, csrrc a0, mvendorid, a1)
    TEST_ILLEGAL(3, csrrs a0, cycle, a1)
    TEST_PASS
