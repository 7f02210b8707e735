/*
 * params.h - workload sizes of every guest and the expected results.
 * The *_EXPECT values are produced by tools/ref.c (host build of the same
 * kernels); regenerate them whenever a kernel or a size changes.
 */
#ifndef RVISOR_GUEST_PARAMS_H
#define RVISOR_GUEST_PARAMS_H

/* hello: ~0.2-0.5 s under QEMU TCG */
#define HELLO_INT_ITERS   12000000ull
#define HELLO_MEM_WORDS   (1ull << 16)     /* 2 x 256 KiB */
#define HELLO_MEM_PASSES  64u

/* bench: ~0.3-3 s each under QEMU TCG, ~2-5 s in the interpreter */
#define BENCH_INT_ITERS   24000000ull
#define BENCH_MEM_WORDS   (1ull << 19)     /* 2 x 2 MiB */
#define BENCH_MEM_PASSES  50u
#define BENCH_SIEVE_N     1000000ull
#define BENCH_VM_LIMIT    40000
#define BENCH_SORT_N      65536ull
#define BENCH_FP_W        512
#define BENCH_FP_H        640
#define BENCH_FP_MAXIT    384
#define BENCH_MIX_ITERS   12000ull
#define BENCH_HASH_BYTES  (1ull << 16)     /* 64 KiB */
#define BENCH_HASH_REPS   256ull

#define HELLO_INT_EXPECT    0x846aaa6c73fd7d8full
#define HELLO_MEM_EXPECT    0xee1b144dc1e4044dull
#define BENCH_INT_EXPECT    0xb6cd0662d1a4cb73ull
#define BENCH_MEM_EXPECT    0x76ff0b7a14290c3cull
#define BENCH_FP_EXPECT     0x40c28b9ed8fd76d1ull
#define BENCH_BRANCH_EXPECT 0xda6389ed819c4b12ull
#define BENCH_MIX_EXPECT    0x35a0b218773335a0ull
#define BENCH_HASH_EXPECT   0x80d7b7cdba45813eull

#endif
