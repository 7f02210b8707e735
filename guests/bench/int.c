/* int.c - integer ALU benchmark: xorshift64*, bitwise CRC-32, mul/rotate
 * mixing and 64-bit div/rem (common/kernels.h kernel_int). */
#include "bench.h"
#include "kernels.h"
#include "params.h"

int main(void)
{
    uint64_t iters = BENCH_INT_ITERS;
    BENCH_RUN("int", BENCH_INT_EXPECT, EXIT_BAD_INT, iters, kernel_int(iters));
}
