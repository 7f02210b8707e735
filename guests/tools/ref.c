/*
 * ref.c - host-side reference: runs the guests' kernels (common/kernels.h)
 * and common/mix.h natively and prints the expected results.  Used when changing a kernel or
 * its parameters:  cc -O2 -I common -I bench -I hello tools/ref.c -o /tmp/ref && /tmp/ref
 */
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include "kernels.h"
#include "mix.h"
#include "params.h"

static uint64_t collatz_direct(int64_t limit)
{
    uint64_t steps = 0;
    for (int64_t n = 1; n < limit; n++)
        for (uint64_t x = n; x != 1; steps++)
            x = (x & 1) ? 3 * x + 1 : x >> 1;
    return steps;
}

int main(void)
{
    static uint32_t buf[2 * BENCH_MEM_WORDS];
    static uint8_t scratch[BENCH_SIEVE_N];
    static uint32_t arr[BENCH_SORT_N];
    static struct mix_data mix;
    int64_t mem[4] = { 0, 1, 0, BENCH_VM_LIMIT };

    if (vm_run(vm_collatz, mem) != (int64_t)collatz_direct(BENCH_VM_LIMIT)) {
        printf("VM MISMATCH\n");
        return 1;
    }
    printf("#define HELLO_INT_EXPECT    0x%016" PRIx64 "ull\n", kernel_int(HELLO_INT_ITERS));
    printf("#define HELLO_MEM_EXPECT    0x%016" PRIx64 "ull\n",
           kernel_mem(buf, HELLO_MEM_WORDS, HELLO_MEM_PASSES));
    printf("#define BENCH_INT_EXPECT    0x%016" PRIx64 "ull\n", kernel_int(BENCH_INT_ITERS));
    printf("#define BENCH_MEM_EXPECT    0x%016" PRIx64 "ull\n",
           kernel_mem(buf, BENCH_MEM_WORDS, BENCH_MEM_PASSES));
    printf("#define BENCH_BRANCH_EXPECT 0x%016" PRIx64 "ull\n",
           kernel_branch(scratch, BENCH_SIEVE_N, BENCH_VM_LIMIT, arr, BENCH_SORT_N));
    printf("#define BENCH_FP_EXPECT     0x%016" PRIx64 "ull\n",
           kernel_fp(BENCH_FP_W, BENCH_FP_H, BENCH_FP_MAXIT));
    printf("#define BENCH_MIX_EXPECT    0x%016" PRIx64 "ull\n", kernel_mix(&mix, BENCH_MIX_ITERS));
    static uint8_t hbuf[BENCH_HASH_BYTES];
    printf("#define BENCH_HASH_EXPECT   0x%016" PRIx64 "ull\n",
           kernel_hash(hbuf, BENCH_HASH_BYTES, BENCH_HASH_REPS));
    return 0;
}
