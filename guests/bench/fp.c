/* fp.c - floating-point benchmark: Mandelbrot grid in double precision plus a
 * single-precision recurrence (fadd/fmul/fdiv/fsqrt/fcvt, no FMA)
 * (common/kernels.h kernel_fp). */
#include "bench.h"
#include "kernels.h"
#include "params.h"

int main(void)
{
    unsigned w = BENCH_FP_W;
    BENCH_RUN("fp", BENCH_FP_EXPECT, EXIT_BAD_FP, w,
              kernel_fp(w, BENCH_FP_H, BENCH_FP_MAXIT));
}
