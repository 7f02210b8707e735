/* mem.c - memory benchmark over a 4 MiB .bss buffer: LCG fill, full-coverage
 * strided read-modify-write, skewed block copy, reverse prefix sum with byte
 * gathers (common/kernels.h kernel_mem). */
#include "bench.h"
#include "kernels.h"
#include "params.h"

static uint32_t buf[2 * BENCH_MEM_WORDS];

int main(void)
{
    uint64_t words = BENCH_MEM_WORDS;
    BENCH_RUN("mem", BENCH_MEM_EXPECT, EXIT_BAD_MEM, words,
              kernel_mem(buf, words, BENCH_MEM_PASSES));
}
