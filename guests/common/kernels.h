/*
 * kernels.h - the benchmark kernels, as portable C (only <stdint.h>) so the
 * same code runs in the guests and on the host (tools/ref.c computes the
 * expected results).  Every kernel is deterministic: its result and the
 * number of instructions it retires depend only on its arguments.
 */
#ifndef RVISOR_GUEST_KERNELS_H
#define RVISOR_GUEST_KERNELS_H

#include <stdint.h>

/* Each kernel stays a separate function (easy to find in a disassembly). */
#define KERNEL static __attribute__((unused, noinline))

static inline uint64_t rotl64(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

/* ---- int: xorshift64*, bitwise CRC32, multiply/rotate mixing, division ---- */
KERNEL uint64_t kernel_int(uint64_t iters)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;   /* xorshift state */
    uint32_t crc = 0xFFFFFFFFu;           /* CRC-32 (reflected 0xEDB88320) */
    uint64_t h = 0xCBF29CE484222325ull;   /* FNV-ish accumulator */
    uint64_t q = 0;
    for (uint64_t i = 0; i < iters; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        uint64_t r = x * 0x2545F4914F6CDD1Dull;
        uint32_t b = (uint32_t)r;
        crc ^= b;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        h = (h ^ (r >> 32)) * 0x100000001B3ull;
        h = rotl64(h, 23) + (uint64_t)crc;
        q += (h | 1) / ((r >> 40) | 1) + (int32_t)(b ^ crc) % 977;  /* div/rem */
    }
    return h ^ ((uint64_t)~crc << 32) ^ q ^ x;
}

/* ---- mem: fill, strided walks, block copy, prefix sum over a u32 buffer ----
 * buf must hold 2*words uint32_t; words must be a power of two. */
KERNEL uint64_t kernel_mem(uint32_t *buf, uint64_t words, unsigned passes)
{
    uint32_t *a = buf, *b = buf + words;
    uint64_t mask = words - 1, sum = 0;
    uint32_t s = 12345;
    for (uint64_t i = 0; i < words; i++) {         /* sequential fill (LCG) */
        s = s * 1103515245u + 12345u;
        a[i] = s;
    }
    for (unsigned p = 0; p < passes; p++) {
        /* strided read-modify-write: stride is odd, so it visits every word */
        uint64_t stride = 4099 + 2 * p * 1021, j = p;
        for (uint64_t i = 0; i < words; i++) {
            uint32_t v = a[j];
            a[j] = v ^ (uint32_t)(v >> 7) ^ (uint32_t)i;
            sum += v;
            j = (j + stride) & mask;
        }
        /* block copy with a cache-line-sized skew: b[i] = a[i ^ 16] + p */
        for (uint64_t i = 0; i < words; i += 4) {
            uint64_t k = i ^ 16;
            b[i] = a[k] + p;
            b[i + 1] = a[k + 1] + p;
            b[i + 2] = a[k + 2] + p;
            b[i + 3] = a[k + 3] + p;
        }
        /* reverse-order prefix sum back into a (byte loads too) */
        uint32_t acc = p;
        const uint8_t *bb = (const uint8_t *)b;
        for (uint64_t i = words; i-- > 0;) {
            acc += b[i] + bb[(i * 13) & (4 * words - 1)];
            a[i] = acc;
        }
        sum = rotl64(sum, 5) ^ acc;
    }
    for (uint64_t i = 0; i < words; i += 61)        /* final sparse checksum */
        sum = sum * 31 + a[i];
    return sum;
}

/* ---- branch: sieve, switch-dispatch bytecode interpreter, quicksort ---- */
KERNEL uint64_t sieve_count(uint8_t *flags, uint64_t n)
{
    uint64_t count = 0;
    for (uint64_t i = 0; i < n; i++)
        flags[i] = 1;
    for (uint64_t i = 2; i < n; i++) {
        if (flags[i]) {
            count++;
            for (uint64_t k = i * i; k < n; k += i)
                flags[k] = 0;
        }
    }
    return count;
}

/* A tiny stack VM (switch dispatch).  Jump operands are signed offsets
 * relative to the byte after the operand. */
enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_SHR1, OP_AND1, OP_DUP,
       OP_JZ, OP_JNZ, OP_JMP, OP_LT, OP_EQ1, OP_INC, OP_HALT };

KERNEL int64_t vm_run(const uint8_t *code, int64_t *mem)
{
    int64_t st[16];
    int sp = 0;
    unsigned pc = 0;
    for (;;) {
        uint8_t op = code[pc++];
        switch (op) {
        case OP_PUSH:  st[sp++] = (int8_t)code[pc++]; break;
        case OP_LOAD:  st[sp++] = mem[code[pc++]]; break;
        case OP_STORE: mem[code[pc++]] = st[--sp]; break;
        case OP_ADD:   sp--; st[sp - 1] += st[sp]; break;
        case OP_SUB:   sp--; st[sp - 1] -= st[sp]; break;
        case OP_MUL:   sp--; st[sp - 1] *= st[sp]; break;
        case OP_SHR1:  st[sp - 1] >>= 1; break;
        case OP_AND1:  st[sp - 1] &= 1; break;
        case OP_DUP:   st[sp] = st[sp - 1]; sp++; break;
        case OP_JZ:    { int8_t off = (int8_t)code[pc++]; if (st[--sp] == 0) pc += off; } break;
        case OP_JNZ:   { int8_t off = (int8_t)code[pc++]; if (st[--sp] != 0) pc += off; } break;
        case OP_JMP:   { int8_t off = (int8_t)code[pc++]; pc += off; } break;
        case OP_LT:    sp--; st[sp - 1] = st[sp - 1] < st[sp]; break;
        case OP_EQ1:   st[sp - 1] = st[sp - 1] == 1; break;
        case OP_INC:   mem[code[pc++]]++; break;
        case OP_HALT:  return mem[0];
        default:       return -1;
        }
    }
}

/* Sum of Collatz path lengths for n in [mem[1], mem[3]).
 * mem[0] = total steps, mem[1] = n, mem[2] = x, mem[3] = limit. */
static const uint8_t vm_collatz[] = {
    /*  0 outer: */ OP_LOAD, 1, OP_LOAD, 3, OP_LT, OP_JZ, 39,        /* n < limit, else -> 46 */
    /*  7 */        OP_LOAD, 1, OP_STORE, 2,                          /* x = n */
    /* 11 inner: */ OP_LOAD, 2, OP_EQ1, OP_JNZ, 26,                  /* x == 1 -> 42 */
    /* 16 */        OP_INC, 0,                                        /* steps++ */
    /* 18 */        OP_LOAD, 2, OP_AND1, OP_JZ, 12,                  /* even -> 35 */
    /* 23 */        OP_LOAD, 2, OP_PUSH, 3, OP_MUL, OP_PUSH, 1, OP_ADD, OP_STORE, 2,
    /* 33 */        OP_JMP, (uint8_t)-24,                             /* -> 11 */
    /* 35 even: */  OP_LOAD, 2, OP_SHR1, OP_STORE, 2, OP_JMP, (uint8_t)-31, /* -> 11 */
    /* 42 next: */  OP_INC, 1, OP_JMP, (uint8_t)-46,                  /* n++ -> 0 */
    /* 46 end: */   OP_HALT,
};

KERNEL void qsort_u32(uint32_t *v, long lo, long hi)
{
    while (lo < hi) {
        uint32_t pivot = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                uint32_t t = v[i]; v[i] = v[j]; v[j] = t;
                i++; j--;
            }
        }
        if (j - lo < hi - i) { qsort_u32(v, lo, j); lo = i; }
        else                 { qsort_u32(v, i, hi); hi = j; }
    }
}

static inline uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* scratch: sieve_n bytes; arr: sort_n words.  Returns a mix of the sieve
 * prime count, the VM's Collatz step total and a checksum of the sorted array
 * (with bit 63 set if the array came out unsorted). */
KERNEL uint64_t kernel_branch(uint8_t *scratch, uint64_t sieve_n, int64_t vm_limit,
                              uint32_t *arr, uint64_t sort_n)
{
    uint64_t primes = sieve_count(scratch, sieve_n);

    int64_t mem[4] = { 0, 1, 0, vm_limit };
    int64_t steps = vm_run(vm_collatz, mem);

    uint64_t s = 0x2545F4914F6CDD1Dull, ck = 0, bad = 0;
    for (uint64_t i = 0; i < sort_n; i++)
        arr[i] = (uint32_t)(xorshift64(&s) >> 17);
    qsort_u32(arr, 0, (long)sort_n - 1);
    for (uint64_t i = 0; i < sort_n; i++) {
        if (i && arr[i - 1] > arr[i])
            bad = 1;
        ck = ck * 0x100000001B3ull + arr[i];
    }
    return (primes << 40) ^ ((uint64_t)steps << 8) ^ ck ^ (bad << 63);
}

/* ---- fp: Mandelbrot grid in double, plus a float recurrence ----
 * Uses only correctly rounded IEEE operations (+ - * / sqrt, conversions), so
 * with -ffp-contract=off (no fused multiply-add) the result is bit-exact on
 * any IEEE-754 machine.  Returns the iteration total mixed with the raw bits
 * of the double and float accumulators. */
KERNEL uint64_t kernel_fp(unsigned w, unsigned h, unsigned maxit)
{
    uint64_t total = 0;
    double acc = 0.0;
    float facc = 0.0f;
    for (unsigned py = 0; py < h; py++) {
        double cy = -1.25 + 2.5 * (double)py / (double)h;
        for (unsigned px = 0; px < w; px++) {
            double cx = -2.0 + 2.75 * (double)px / (double)w;
            double zx = 0.0, zy = 0.0, zx2 = 0.0, zy2 = 0.0;
            unsigned k = 0;
            while (k < maxit && zx2 + zy2 <= 4.0) {
                zy = 2.0 * zx * zy + cy;
                zx = zx2 - zy2 + cx;
                zx2 = zx * zx;
                zy2 = zy * zy;
                k++;
            }
            total += k;
            acc += __builtin_sqrt(zx2 + zy2) / (1.0 + (double)k);
            float f = (float)(zx2 - zy2);
            facc = facc * 0.999f + f / (1.0f + __builtin_fabsf(f));
        }
    }
    union { double d; uint64_t u; } ad = { acc };
    union { float f; uint32_t u; } af = { facc };
    return (total << 32) ^ ad.u ^ af.u;
}

/* ---- hash: SHA-256 (FIPS 180-4) over a buffer, chained over repetitions ----
 * 32-bit rotates, shifts and adds with many values live at once: the shape
 * of the hash a Linux boot spends much of its time in (module signatures).
 * buf holds bytes (a multiple of 64) bytes. */
static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned r) { return (x >> r) | (x << (32 - r)); }

static void sha256_block(uint32_t st[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                      sha256_k[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d;
    st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

KERNEL uint64_t kernel_hash(uint8_t *buf, uint64_t bytes, uint64_t reps)
{
    uint32_t st[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    for (uint64_t i = 0; i < bytes; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    for (uint64_t r = 0; r < reps; r++)
        for (uint64_t off = 0; off < bytes; off += 64)
            sha256_block(st, buf + off);
    uint64_t out = 0;
    for (int i = 0; i < 8; i++)
        out = rotl64(out, 32) ^ st[i];
    return out;
}

#endif
