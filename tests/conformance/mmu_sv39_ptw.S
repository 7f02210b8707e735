/* Sv39 with an extra check: a page-table walk that reads a PTE from unmapped
 * physical memory raises an access fault of the original access type
 * (privileged spec, virtual address translation process, step 2: "If
 * accessing pte violates a PMA or PMP check, raise an access-fault exception
 * corresponding to the original access type"), mtval = the virtual address.
 * Runs the whole env/mmu_body.h (as mmu_sv39.S) plus tests 43-45.
 *
 * EXCLUDED from the QEMU oracle run: QEMU 7.2 raises a page fault (cause 13)
 * for test 43 (observed). */
#define LEVELS 3
#define SATP_MODE 8
#define PTW_ACCESS_FAULT
#include "mmu_body.h"
