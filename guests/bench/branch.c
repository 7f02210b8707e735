/* branch.c - branch-heavy benchmark: sieve of Eratosthenes, a switch-dispatch
 * bytecode interpreter (Collatz path lengths) and quicksort
 * (common/kernels.h kernel_branch). */
#include "bench.h"
#include "kernels.h"
#include "params.h"

static uint8_t sieve[BENCH_SIEVE_N];
static uint32_t arr[BENCH_SORT_N];

int main(void)
{
    uint64_t n = BENCH_SIEVE_N;
    BENCH_RUN("branch", BENCH_BRANCH_EXPECT, EXIT_BAD_BRANCH, n,
              kernel_branch(sieve, n, BENCH_VM_LIMIT, arr, BENCH_SORT_N));
}
