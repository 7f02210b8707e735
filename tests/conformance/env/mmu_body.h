/* rvisor conformance suite -- paged virtual memory test body, shared by
 * mmu_sv39.S, mmu_sv48.S and mmu_sv57.S, which define LEVELS (3, 4, 5) and
 * SATP_MODE (8, 9, 10) before including it.
 *
 * Page tables (built at run time in M-mode):
 *   top ... -> l2 (the level-2 table, 1 GiB per entry)
 *   l2[2]  : 1 GiB leaf, VA 0x80000000 -> PA 0x80000000, RWX A D, S only
 *            (identity map of the program, data and tohost)
 *   l2[3]  : 1 GiB leaf, VA 0xC0000000 -> PA 0x80000000, RWX U A D
 *            (user alias of the program, so U-mode code can run)
 *   l2[1]  -> l1: l1[0] -> l0 (test pages at VA 0x40000000 + i * 4 KiB)
 *               l1[1] = 2 MiB leaf with a misaligned PPN
 *   For LEVELS > 3 the upper tables use index 0 (VA < 512 GiB).
 * Tests 1-49 (numbers are not in source order). Page faults are not delegated
 * (they trap to M) except in the delegation test.
 * With PTW_ACCESS_FAULT defined, tests 43-45 (walk into unmapped memory) are
 * included as well (QEMU 7.2 gets them wrong: see mmu_sv39_ptw.S).
 */
#include "test.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_G 0x20
#define PTE_A 0x40
#define PTE_D 0x80

#define VA_BASE   0x40000000
#define VA(i)     (VA_BASE + (i) * 0x1000)
#define VA_MISALIGNED_MEGA 0x40200000
#define VA_BAD_TABLE       0x40400000   /* l1[2] -> table at UNMAPPED_ADDR */
#define ALIAS     0x40000000            /* U alias VA = PA + ALIAS */
#define NONCANON  (1 << (12 + 9 * LEVELS - 1))   /* top VA bit set, above it 0 */
#define NPAGES    14
#define MARK(i)   (0x1000 + (i))        /* first dword of physical page i */

#define ADDI_A0_42 0x02a00513           /* addi a0, x0, 42 */
#define ADDI_A0_43 0x02b00513           /* addi a0, x0, 43 */
#define ADDI_A0_44 0x02c00513           /* addi a0, x0, 44 */
#define RET        0x00008067           /* jalr x0, 0(ra) */

/* PTE for slot i pointing at physical page j with flags f. Clobbers t0, t1. */
#define SET_SLOT(i, j, f) \
    la t0, ppages + (j) * 0x1000; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, f; \
    la t1, l0 + (i) * 8; sd t0, 0(t1)
/* Non-leaf PTE at table+idx*8 pointing at next. Clobbers t0, t1. */
#define SET_PTR(table, idx, next) \
    la t0, next; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, PTE_V; \
    la t1, table + (idx) * 8; sd t0, 0(t1)
/* Leaf PTE with physical address pa at table+idx*8. Clobbers t0, t1. */
#define SET_LEAF(table, idx, pa, f) \
    li t0, ((pa) >> 12 << 10) | (f); la t1, table + (idx) * 8; sd t0, 0(t1)

/* Enter U-mode at the user alias of label. Clobbers t0, t1. */
#define GOTO_U_ALIAS(label) \
    li t0, MSTATUS_MPP; csrc mstatus, t0; \
    la t0, label; li t1, ALIAS; add t0, t0, t1; csrw mepc, t0; mret
/* From U code running in the alias: continue at label in M. */
#define GOTO_M_FROM_ALIAS(label) \
    la t6, label; li a7, ALIAS; sub t6, t6, a7; li a7, GOTO_M_MAGIC; ecall

/* First instruction of code, run in S, must fault to M with cause and tval. */
#define TEST_S_FAULT(n, cause, tval, code...) \
    TEST_TRAP_MODE(n, PRV_S, cause, code); CHECK_MEM(m_trap_tval, tval)
/* Same in U (code runs in the alias). */
#define TEST_U_FAULT(n, cause, tval, code...) \
    SET_TESTNUM(n); ARM_M_TRAP(8f); GOTO_U_ALIAS(7f); \
7:  code; j fail; \
8:  CHECK_MEM(m_trap_cause, cause); \
    la t5, m_trap_epc; ld t5, 0(t5); la t6, 7b; li t4, ALIAS; add t6, t6, t4; bne t5, t6, fail; \
    CHECK_MEM(m_trap_tval, tval); CHECK_TRAP_MPP(PRV_U)
/* Fetch fault: jump to target in mode; mepc = mtval = target. */
#define TEST_FETCH_FAULT(n, mode, target) \
    SET_TESTNUM(n); ARM_M_TRAP(8f); li a1, target; GOTO_MODE(mode, 7f); \
7:  jalr ra, 0(a1); j fail; \
8:  CHECK_MEM(m_trap_cause, CAUSE_FETCH_PAGE); CHECK_MEM(m_trap_epc, target); \
    CHECK_MEM(m_trap_tval, target)

/* a1 = access address, a2 = page-fault cause, a3 = misaligned cause,
 * a4 = start of the faulting page. */
#define TEST_CROSS_PAGE(n, code...) \
    SET_TESTNUM(n); ARM_M_TRAP(8f); GOTO_MODE(PRV_S, 7f); \
7:  code; j fail; \
8:  CHECK_MEM_ADDR(m_trap_epc, 7b); \
    la t5, m_trap_cause; ld t5, 0(t5); la t6, m_trap_tval; ld t6, 0(t6); \
    beq t5, a3, 9f; addi t4, a3, 1; beq t5, t4, 9f; \
    bne t5, a2, fail; bne t6, a4, fail; j 6f; \
9:  bne t6, a1, fail; 6:

    .text
    .globl test_main
test_main:
    /* ---- build the tables ---- */
    SET_TESTNUM(1)
#if LEVELS == 5
    SET_PTR(top, 0, l3)
    SET_PTR(l3, 0, l2)
#elif LEVELS == 4
    SET_PTR(top, 0, l2)
#endif
    SET_LEAF(l2, 2, 0x80000000, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
    SET_LEAF(l2, 3, 0x80000000, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D)
    SET_PTR(l2, 1, l1)
    SET_PTR(l1, 0, l0)
    SET_LEAF(l1, 1, 0x80001000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)   /* PPN[0] != 0 */
    SET_SLOT(0, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_SLOT(1, 1, PTE_V | PTE_R | PTE_A)
    SET_SLOT(2, 2, 0)
    SET_SLOT(3, 3, PTE_V | PTE_W | PTE_A | PTE_D)
    SET_SLOT(4, 4, PTE_V | PTE_X | PTE_A)
    SET_SLOT(5, 5, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
    SET_SLOT(6, 6, PTE_V | PTE_R | PTE_W)
    SET_SLOT(7, 7, PTE_V)                                  /* non-leaf at level 0 */
    SET_SLOT(8, 8, PTE_V | PTE_R | PTE_A)
    SET_SLOT(9, 9, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_SLOT(11, 11, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A)
    SET_SLOT(12, 12, PTE_V | PTE_X | PTE_A)
    /* l1[2]: a pointer to a level-0 table in unmapped physical memory */
    li t0, (UNMAPPED_ADDR >> 12 << 10) | PTE_V
    la t1, l1 + 2 * 8
    sd t0, 0(t1)
    /* slot 10: a valid leaf whose physical page does not exist */
    li t0, (UNMAPPED_ADDR >> 12 << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    la t1, l0 + 10 * 8
    sd t0, 0(t1)
    SET_SLOT(13, 13, PTE_V | PTE_X | PTE_A)
    /* code in pages 4 and 11: addi a0, x0, 42; ret */
    la t0, ppages + 4 * 0x1000
    li t1, ADDI_A0_42
    sw t1, 0(t0)
    li t1, RET
    sw t1, 4(t0)
    la t0, ppages + 11 * 0x1000
    li t1, ADDI_A0_42
    sw t1, 0(t0)
    li t1, RET
    sw t1, 4(t0)
    /* a 32-bit instruction straddling pages 12 and 13: addi a0, x0, 43; ret */
    la t0, ppages + 12 * 0x1000 + 0xffe
    li t1, ADDI_A0_43 & 0xffff
    sh t1, 0(t0)
    la t0, ppages + 13 * 0x1000
    li t1, ADDI_A0_43 >> 16
    sh t1, 0(t0)
    li t1, RET
    sh t1, 2(t0)
    srli t1, t1, 16
    sh t1, 4(t0)
    fence.i
    /* ---- enable translation (affects S and U only) ---- */
    la t0, top
    srli t0, t0, 12
    li t1, SATP_MODE << 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    csrr a0, satp
    bne a0, t0, fail           /* mode supported */

    /* 2-3: S load and store through a 4 KiB mapping */
    SET_TESTNUM(2)
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(0)
    ld a0, 0(a1)
    li a2, 0x5555
    sd a2, 8(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, MARK(0))
    TEST_CASE(3, a0, 0x5555, la a1, ppages; ld a0, 8(a1))
    /* 4: the identity gigapage gives S the program itself (we are running) */
    /* 5-6: read-only page */
    li a1, VA(1)
    TEST_S_FAULT(5, CAUSE_STORE_PAGE, VA(1), sd x0, 0(a1))
    li a1, VA(1) + 4
    TEST_S_FAULT(6, CAUSE_STORE_PAGE, VA(1) + 4, sw a0, 0(a1))
    /* 7-9: invalid PTE: load, store and fetch */
    li a1, VA(2)
    TEST_S_FAULT(7, CAUSE_LOAD_PAGE, VA(2), ld a0, 0(a1))
    li a1, VA(2) + 0x10
    TEST_S_FAULT(8, CAUSE_STORE_PAGE, VA(2) + 0x10, sw a0, 0(a1))
    TEST_FETCH_FAULT(9, PRV_S, VA(2))
    /* 10-11: W without R is reserved: page fault for loads and stores */
    li a1, VA(3)
    TEST_S_FAULT(10, CAUSE_LOAD_PAGE, VA(3), ld a0, 0(a1))
    li a1, VA(3)
    TEST_S_FAULT(11, CAUSE_STORE_PAGE, VA(3), sd a0, 0(a1))
    /* 12-14: execute-only page: fetch works, load faults unless MXR */
    SET_TESTNUM(12)
    GOTO_MODE(PRV_S, 1f)
1:  li a0, 0
    li a1, VA(4)
    jalr ra, 0(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, 42)
    li a1, VA(4)
    TEST_S_FAULT(13, CAUSE_LOAD_PAGE, VA(4), lw a0, 0(a1))
    SET_TESTNUM(14)
    li t0, MSTATUS_MXR
    csrs mstatus, t0
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(4)
    lw a0, 0(a1)
    GOTO_M(2f)
2:  li t0, MSTATUS_MXR
    csrc mstatus, t0
    CHECK_REG(a0, ADDI_A0_42)
    /* 15-18: U page from S: fault without SUM, allowed with SUM, never executable */
    li a1, VA(5)
    TEST_S_FAULT(15, CAUSE_LOAD_PAGE, VA(5), ld a0, 0(a1))
    li a1, VA(5)
    TEST_S_FAULT(16, CAUSE_STORE_PAGE, VA(5), sd a0, 0(a1))
    SET_TESTNUM(17)
    li t0, MSTATUS_SUM
    csrs mstatus, t0
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(5)
    ld a0, 0(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, MARK(5))
    TEST_FETCH_FAULT(18, PRV_S, VA(11))      /* SUM does not allow execution */
    li t0, MSTATUS_SUM
    csrc mstatus, t0
    /* 19-22: U-mode: S page faults, U page works, U code runs, S code faults */
    li a1, VA(0)
    TEST_U_FAULT(19, CAUSE_LOAD_PAGE, VA(0), ld a0, 0(a1))
    SET_TESTNUM(20)
    GOTO_U_ALIAS(1f)
1:  li a1, VA(5)
    ld a2, 0(a1)
    li a0, 0
    li a3, VA(11)
    jalr ra, 0(a3)
    GOTO_M_FROM_ALIAS(2f)
2:  CHECK_REG(a2, MARK(5))
    TEST_CASE(21, a0, 42, nop)
    SET_TESTNUM(22)            /* U fetch from an S (X-only) page */
    ARM_M_TRAP(8f)
    li a1, VA(4)
    GOTO_U_ALIAS(7f)
7:  jalr ra, 0(a1)
    j fail
8:  CHECK_MEM(m_trap_cause, CAUSE_FETCH_PAGE)
    CHECK_MEM(m_trap_epc, VA(4))
    CHECK_MEM(m_trap_tval, VA(4))
    CHECK_TRAP_MPP(PRV_U)
    /* 23-24: A/D: either set by hardware or a page fault (both allowed) */
    SET_TESTNUM(23)
    ARM_M_TRAP(3f)
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(6)
    ld a0, 0(a1)
    DISARM_M_TRAP
    GOTO_M(2f)
2:                             /* no trap: A must now be set, D still clear */
    CHECK_REG(a0, MARK(6))
    la t0, l0 + 6 * 8
    ld a0, 0(t0)
    andi a0, a0, PTE_A | PTE_D
    CHECK_REG(a0, PTE_A)
    j 4f
3:  CHECK_MEM(m_trap_cause, CAUSE_LOAD_PAGE)
    CHECK_MEM(m_trap_tval, VA(6))
    SET_SLOT(6, 6, PTE_V | PTE_R | PTE_W | PTE_A)     /* software sets A */
    sfence.vma
4:  SET_TESTNUM(24)
    ARM_M_TRAP(3f)
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(6)
    sd a1, 8(a1)
    DISARM_M_TRAP
    GOTO_M(2f)
2:
    la t0, l0 + 6 * 8
    ld a0, 0(t0)
    andi a0, a0, PTE_A | PTE_D
    CHECK_REG(a0, PTE_A | PTE_D)
    j 4f
3:  CHECK_MEM(m_trap_cause, CAUSE_STORE_PAGE)
    CHECK_MEM(m_trap_tval, VA(6) + 8)
4:
    /* 25: non-leaf PTE at the last level */
    li a1, VA(7)
    TEST_S_FAULT(25, CAUSE_LOAD_PAGE, VA(7), ld a0, 0(a1))
    /* 26: fetch from a page without X */
    TEST_FETCH_FAULT(26, PRV_S, VA(8))
    /* 27: misaligned superpage */
    li a1, VA_MISALIGNED_MEGA
    TEST_S_FAULT(27, CAUSE_LOAD_PAGE, VA_MISALIGNED_MEGA, ld a0, 0(a1))
    /* 28-29: non-canonical virtual address */
    li a1, NONCANON
    TEST_S_FAULT(28, CAUSE_LOAD_PAGE, NONCANON, ld a0, 0(a1))
    li a1, NONCANON + 8
    TEST_S_FAULT(29, CAUSE_STORE_PAGE, NONCANON + 8, sd a0, 0(a1))

    /* 30-32: changing a PTE takes effect after SFENCE.VMA */
    SET_TESTNUM(30)
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(9)
    ld a0, 0(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, MARK(9))
    SET_SLOT(9, 10, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sfence.vma
    SET_TESTNUM(31)
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(9)
    ld a0, 0(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, MARK(10))
    SET_SLOT(9, 9, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    SET_TESTNUM(32)            /* S-mode SFENCE.VMA for one address */
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(9)
    sfence.vma a1, x0
    ld a0, 0(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, MARK(9))
    /* 33: invalidating a PTE + SFENCE.VMA makes the access fault */
    SET_SLOT(9, 9, 0)
    sfence.vma
    li a1, VA(9)
    TEST_S_FAULT(33, CAUSE_LOAD_PAGE, VA(9), ld a0, 0(a1))

    /* 34-35: MPRV: M-mode loads translated with MPP's privilege */
    SET_TESTNUM(34)
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, (PRV_S << 11) | MSTATUS_MPRV
    csrs mstatus, t0
    li a1, VA(0)
    ld a0, 0(a1)
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK_REG(a0, MARK(0))
    SET_TESTNUM(35)            /* MPP = U: an S page faults, the trap goes to M */
    ARM_M_TRAP(1f)
    li t0, MSTATUS_MPP
    csrc mstatus, t0           /* MPP = U */
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    li a1, VA(0)
2:  ld a0, 0(a1)
    j fail
1:  li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK_MEM(m_trap_cause, CAUSE_LOAD_PAGE)
    CHECK_MEM_ADDR(m_trap_epc, 2b)
    CHECK_MEM(m_trap_tval, VA(0))

    /* 36: page faults delegated to S: scause/stval */
    SET_TESTNUM(36)
    li t0, (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE) | (1 << CAUSE_FETCH_PAGE)
    csrw medeleg, t0
    ARM_S_TRAP(3f)
    li a1, VA(2)
    GOTO_MODE(PRV_S, 1f)
1:  ld a0, 0(a1)
    j fail
3:  GOTO_M(2f)
2:  csrw medeleg, x0
    CHECK_MEM(s_trap_cause, CAUSE_LOAD_PAGE)
    CHECK_MEM_ADDR(s_trap_epc, 1b)
    CHECK_MEM(s_trap_tval, VA(2))

    /* 40-42: translation succeeds but the physical address is unmapped:
     * access fault (not page fault) for the access type, mtval = the VA */
    li a1, VA(10) + 8
    TEST_S_FAULT(40, CAUSE_LOAD_ACCESS, VA(10) + 8, ld a0, 0(a1))
    li a1, VA(10)
    TEST_S_FAULT(41, CAUSE_STORE_ACCESS, VA(10), sw a0, 0(a1))
    SET_TESTNUM(42)
    ARM_M_TRAP(8f)
    li a1, VA(10)
    GOTO_MODE(PRV_S, 7f)
7:  jalr ra, 0(a1)
    j fail
8:  CHECK_MEM(m_trap_cause, CAUSE_FETCH_ACCESS)
    CHECK_MEM(m_trap_epc, VA(10))
    CHECK_MEM(m_trap_tval, VA(10))

#ifdef PTW_ACCESS_FAULT
    /* 43-45: the page-table walk itself reads unmapped memory: access fault
     * of the original access type (translation step 2), mtval = the VA */
    li a1, VA_BAD_TABLE
    TEST_S_FAULT(43, CAUSE_LOAD_ACCESS, VA_BAD_TABLE, ld a0, 0(a1))
    li a1, VA_BAD_TABLE + 0x10
    TEST_S_FAULT(44, CAUSE_STORE_ACCESS, VA_BAD_TABLE + 0x10, sd a0, 0(a1))
    SET_TESTNUM(45)
    ARM_M_TRAP(8f)
    li a1, VA_BAD_TABLE
    GOTO_MODE(PRV_S, 7f)
7:  jalr ra, 0(a1)
    j fail
8:  CHECK_MEM(m_trap_cause, CAUSE_FETCH_ACCESS)
    CHECK_MEM(m_trap_tval, VA_BAD_TABLE)
#endif

    /* 46: two virtual aliases of one physical page see the same data
     * (VA(0) and the U alias of its physical address, read with SUM) */
    SET_TESTNUM(46)
    li t0, MSTATUS_SUM
    csrs mstatus, t0
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(0)
    li a2, 0x0123456789abcdef
    sd a2, 16(a1)
    la a3, ppages + ALIAS
    ld a0, 16(a3)
    GOTO_M(2f)
2:  li t0, MSTATUS_SUM
    csrc mstatus, t0
    CHECK_REG(a0, 0x0123456789abcdef)
    /* 47: code written through one mapping (the identity map of its physical
     * page), FENCE.I, then executed through another (VA(12)/VA(13)) after it
     * has run once already */
    SET_TESTNUM(47)
    GOTO_MODE(PRV_S, 1f)
1:  li a1, VA(12) + 0xffe
    jalr ra, 0(a1)             /* runs the old code: a0 = 43 */
    li t6, 43
    bne a0, t6, fail
    la a2, ppages + 12 * 0x1000 + 0xffe
    li a3, ADDI_A0_44 & 0xffff
    sh a3, 0(a2)
    la a2, ppages + 13 * 0x1000
    li a3, ADDI_A0_44 >> 16
    sh a3, 0(a2)
    fence.i
    jalr ra, 0(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, 44)
    la a2, ppages + 12 * 0x1000 + 0xffe    /* restore for test 38 */
    li a3, ADDI_A0_43 & 0xffff
    sh a3, 0(a2)
    la a2, ppages + 13 * 0x1000
    li a3, ADDI_A0_43 >> 16
    sh a3, 0(a2)
    fence.i

    /* 48-49: a misaligned access crossing into a page that faults: either
     * address-misaligned or access fault (mtval = the access address) or a
     * page fault with mtval = the address of the faulting portion (the
     * second page) */
    li a1, VA(1) + 0xffc
    li a2, CAUSE_LOAD_PAGE
    li a3, CAUSE_MISALIGNED_LOAD
    li a4, VA(2)
    TEST_CROSS_PAGE(48, ld a0, 0(a1))
    li a1, VA(0) + 0xffe
    li a2, CAUSE_STORE_PAGE
    li a3, CAUSE_MISALIGNED_STORE
    li a4, VA(1)
    TEST_CROSS_PAGE(49, sw a0, 0(a1))

    /* 37: M-mode is not translated */
    TEST_CASE(37, a0, MARK(0), la a1, ppages; ld a0, 0(a1))
    /* 38: an instruction straddling two executable pages runs */
    SET_TESTNUM(38)
    GOTO_MODE(PRV_S, 1f)
1:  li a0, 0
    li a1, VA(12) + 0xffe
    jalr ra, 0(a1)
    GOTO_M(2f)
2:  CHECK_REG(a0, 43)
    /* 39: straddling into a page S cannot execute (page 5 is a U page):
     * fetch page fault, mepc = instruction start, mtval = the second page */
    SET_TESTNUM(39)
    la t0, ppages + 4 * 0x1000 + 0xffe
    li t1, ADDI_A0_43 & 0xffff
    sh t1, 0(t0)
    la t0, ppages + 5 * 0x1000
    li t1, ADDI_A0_43 >> 16
    sh t1, 0(t0)
    fence.i
    ARM_M_TRAP(3f)
    li a1, VA(4) + 0xffe
    GOTO_MODE(PRV_S, 1f)
1:  jalr ra, 0(a1)
    j fail
3:  CHECK_MEM(m_trap_cause, CAUSE_FETCH_PAGE)
    CHECK_MEM(m_trap_epc, VA(4) + 0xffe)
    CHECK_MEM(m_trap_tval, VA(5))
    csrw satp, x0
    sfence.vma
    TEST_PASS

    .data
    .balign 4096
top:
#if LEVELS > 3
    .skip 4096
#if LEVELS > 4
l3: .skip 4096
#endif
l2:
#endif
    .skip 4096
#if LEVELS == 3
    .set l2, top
#endif
l1: .skip 4096
l0: .skip 4096
ppages:
    .set i, 0
    .rept NPAGES
    .dword 0x1000 + i
    .skip 4096 - 8
    .set i, i + 1
    .endr
