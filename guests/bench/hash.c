/* hash.c - SHA-256 over a 64 KiB buffer, chained over repetitions: a
 * register-hungry 32-bit kernel, like the hashing a Linux boot does
 * (common/kernels.h kernel_hash). */
#include "bench.h"
#include "kernels.h"
#include "params.h"

static uint8_t buf[BENCH_HASH_BYTES];

int main(void)
{
    uint64_t reps = BENCH_HASH_REPS;
    BENCH_RUN("hash", BENCH_HASH_EXPECT, EXIT_BAD_HASH, reps,
              kernel_hash(buf, BENCH_HASH_BYTES, reps));
}
