/* mix.c - CoreMark-like mixed benchmark: linked-list finds/reversals/merge
 * sorts, small 16-bit matrix arithmetic, a number-scanning state machine and
 * CRC-16 over all of it, on ~3 KiB of data (common/mix.h kernel_mix). */
#include "bench.h"
#include "mix.h"
#include "params.h"

static struct mix_data data;

int main(void)
{
    uint64_t iters = BENCH_MIX_ITERS;
    BENCH_RUN("mix", BENCH_MIX_EXPECT, EXIT_BAD_MIX, iters, kernel_mix(&data, iters));
}
