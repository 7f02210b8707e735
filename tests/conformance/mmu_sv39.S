/* Sv39 paged virtual memory (3-level page tables): loads/stores/fetches
 * through 4 KiB pages and 1 GiB superpages, every page-fault case (invalid
 * PTE, W without R, read-only store, execute-only with and without MXR,
 * U pages from S with and without SUM, U-page execution from S, S pages from
 * U, non-leaf PTE at level 0, misaligned superpage, non-canonical address,
 * fetch without X), A/D bits (hardware update or page fault), SFENCE.VMA after
 * PTE changes (global and by address), MPRV, page faults delegated to S, and
 * 32-bit instructions straddling a page boundary (executable or faulting),
 * access faults for unmapped physical pages, virtual aliases of one page and
 * code modified through another mapping followed by FENCE.I, misaligned
 * accesses crossing into a faulting page.
 * The body is env/mmu_body.h. */
#define LEVELS 3
#define SATP_MODE 8
#include "mmu_body.h"
