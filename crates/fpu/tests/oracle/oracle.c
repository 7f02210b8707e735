/*
 * FPU oracle for the rvisor-fpu differential test (tests/qemu_oracle.rs).
 *
 * Runs each test vector through the real RISC-V F/D instruction under
 * qemu-riscv64-static and reports the result register and fflags.
 * Freestanding on purpose: the Debian cross compiler ships without a C
 * library, so this file brings its own _start and Linux syscalls (read=63,
 * write=64, exit_group=94), which qemu's user mode implements.
 *
 * Protocol, all little endian, on stdin/stdout:
 *   in : records of { u32 op; u32 rm; u64 a; u64 b; u64 c; } (32 bytes)
 *   out: records of { u64 result; u64 fflags; }               (16 bytes)
 * `rm` is written to frm and every instruction uses the dynamic rounding
 * mode. f32 operands are NaN-boxed by fmv.w.x; f32 results and 32-bit
 * integer results come back sign-extended from bit 31 as the hardware
 * leaves them in an x register; the test masks them.
 */

typedef unsigned long u64;
typedef unsigned int u32;

struct rec {
    u32 op;
    u32 rm;
    u64 a, b, c;
};

struct out {
    u64 res;
    u64 flags;
};

/* gp must be set before any gp-relative access the linker may relax to. */
__asm__(".pushsection .text.start, \"ax\"\n"
        ".globl _start\n"
        "_start:\n"
        ".option push\n"
        ".option norelax\n"
        "la gp, __global_pointer$\n"
        ".option pop\n"
        "call oracle_main\n"
        "1: j 1b\n"
        ".popsection\n");

static long sys3(long n, long a0, long a1, long a2)
{
    register long x10 __asm__("a0") = a0;
    register long x11 __asm__("a1") = a1;
    register long x12 __asm__("a2") = a2;
    register long x17 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(x10) : "r"(x11), "r"(x12), "r"(x17) : "memory");
    return x10;
}

static void die(long code)
{
    sys3(94, code, 0, 0);
    for (;;) {
    }
}

/* Binary ops on f registers, result read back as integer bits. */
#define FF_F(mv_in, mv_out, insn)                                                  \
    __asm__ volatile(mv_in " ft0, %2\n\t" mv_in " ft1, %3\n\t"                      \
                     "fsflags zero\n\t" insn " ft2, ft0, ft1\n\t"                   \
                     "frflags %1\n\t" mv_out " %0, ft2"                             \
                     : "=&r"(res), "=&r"(fl)                                        \
                     : "r"(a), "r"(b)                                               \
                     : "ft0", "ft1", "ft2")
/* Unary op on f registers. */
#define F_F(mv_in, mv_out, insn)                                                   \
    __asm__ volatile(mv_in " ft0, %2\n\t"                                          \
                     "fsflags zero\n\t" insn " ft2, ft0\n\t"                        \
                     "frflags %1\n\t" mv_out " %0, ft2"                             \
                     : "=&r"(res), "=&r"(fl)                                        \
                     : "r"(a)                                                       \
                     : "ft0", "ft2")
/* Fused multiply-add. */
#define FFF_F(mv_in, mv_out, insn)                                                 \
    __asm__ volatile(mv_in " ft0, %2\n\t" mv_in " ft1, %3\n\t" mv_in " ft3, %4\n\t" \
                     "fsflags zero\n\t" insn " ft2, ft0, ft1, ft3\n\t"              \
                     "frflags %1\n\t" mv_out " %0, ft2"                             \
                     : "=&r"(res), "=&r"(fl)                                        \
                     : "r"(a), "r"(b), "r"(c)                                       \
                     : "ft0", "ft1", "ft2", "ft3")
/* Comparisons: f registers in, x register out. */
#define FF_X(mv_in, insn)                                                          \
    __asm__ volatile(mv_in " ft0, %2\n\t" mv_in " ft1, %3\n\t"                      \
                     "fsflags zero\n\t" insn " %0, ft0, ft1\n\t"                    \
                     "frflags %1"                                                   \
                     : "=&r"(res), "=&r"(fl)                                        \
                     : "r"(a), "r"(b)                                               \
                     : "ft0", "ft1")
/* fclass and float-to-integer conversions. */
#define F_X(mv_in, insn)                                                           \
    __asm__ volatile(mv_in " ft0, %2\n\t"                                          \
                     "fsflags zero\n\t" insn " %0, ft0\n\t"                         \
                     "frflags %1"                                                   \
                     : "=&r"(res), "=&r"(fl)                                        \
                     : "r"(a)                                                       \
                     : "ft0")
/* Integer-to-float conversions. */
#define X_F(mv_out, insn)                                                          \
    __asm__ volatile("fsflags zero\n\t" insn " ft2, %2\n\t"                         \
                     "frflags %1\n\t" mv_out " %0, ft2"                             \
                     : "=&r"(res), "=&r"(fl)                                        \
                     : "r"(a)                                                       \
                     : "ft2")

#define S "fmv.w.x"
#define SO "fmv.x.w"
#define D "fmv.d.x"
#define DO "fmv.x.d"

/* Returns 0 for an unknown op so the test notices a protocol mismatch. */
static int run(const struct rec *r, struct out *o)
{
    u64 a = r->a, b = r->b, c = r->c, res = 0, fl = 0;
    u64 rm = r->rm;
    __asm__ volatile("fsrm %0" : : "r"(rm));
    switch (r->op) {
    case 0: FF_F(S, SO, "fadd.s"); break;
    case 1: FF_F(S, SO, "fsub.s"); break;
    case 2: FF_F(S, SO, "fmul.s"); break;
    case 3: FF_F(S, SO, "fdiv.s"); break;
    case 4: F_F(S, SO, "fsqrt.s"); break;
    case 5: FFF_F(S, SO, "fmadd.s"); break;
    case 6: FF_F(S, SO, "fmin.s"); break;
    case 7: FF_F(S, SO, "fmax.s"); break;
    case 8: FF_X(S, "feq.s"); break;
    case 9: FF_X(S, "flt.s"); break;
    case 10: FF_X(S, "fle.s"); break;
    case 11: F_X(S, "fclass.s"); break;
    case 12: F_X(S, "fcvt.w.s"); break;
    case 13: F_X(S, "fcvt.wu.s"); break;
    case 14: F_X(S, "fcvt.l.s"); break;
    case 15: F_X(S, "fcvt.lu.s"); break;
    case 16: X_F(SO, "fcvt.s.w"); break;
    case 17: X_F(SO, "fcvt.s.wu"); break;
    case 18: X_F(SO, "fcvt.s.l"); break;
    case 19: X_F(SO, "fcvt.s.lu"); break;
    case 20: FF_F(D, DO, "fadd.d"); break;
    case 21: FF_F(D, DO, "fsub.d"); break;
    case 22: FF_F(D, DO, "fmul.d"); break;
    case 23: FF_F(D, DO, "fdiv.d"); break;
    case 24: F_F(D, DO, "fsqrt.d"); break;
    case 25: FFF_F(D, DO, "fmadd.d"); break;
    case 26: FF_F(D, DO, "fmin.d"); break;
    case 27: FF_F(D, DO, "fmax.d"); break;
    case 28: FF_X(D, "feq.d"); break;
    case 29: FF_X(D, "flt.d"); break;
    case 30: FF_X(D, "fle.d"); break;
    case 31: F_X(D, "fclass.d"); break;
    case 32: F_X(D, "fcvt.w.d"); break;
    case 33: F_X(D, "fcvt.wu.d"); break;
    case 34: F_X(D, "fcvt.l.d"); break;
    case 35: F_X(D, "fcvt.lu.d"); break;
    case 36: X_F(DO, "fcvt.d.w"); break;
    case 37: X_F(DO, "fcvt.d.wu"); break;
    case 38: X_F(DO, "fcvt.d.l"); break;
    case 39: X_F(DO, "fcvt.d.lu"); break;
    case 40: F_F(S, DO, "fcvt.d.s"); break;
    case 41: F_F(D, SO, "fcvt.s.d"); break;
    default: return 0;
    }
    o->res = res;
    o->flags = fl;
    return 1;
}

#define BATCH 4096
static struct rec in_buf[BATCH];
static struct out out_buf[BATCH];

static void write_all(const char *p, long n)
{
    while (n > 0) {
        long w = sys3(64, 1, (long)p, n);
        if (w <= 0)
            die(3);
        p += w;
        n -= w;
    }
}

void oracle_main(void)
{
    for (;;) {
        /* Fill a whole batch (or up to EOF): pipes deliver partial reads. */
        char *p = (char *)in_buf;
        long want = (long)sizeof(in_buf), got = 0;
        while (got < want) {
            long n = sys3(63, 0, (long)(p + got), want - got);
            if (n < 0)
                die(2);
            if (n == 0)
                break;
            got += n;
        }
        if (got % (long)sizeof(struct rec) != 0)
            die(4);
        long count = got / (long)sizeof(struct rec);
        for (long i = 0; i < count; i++) {
            if (!run(&in_buf[i], &out_buf[i]))
                die(5);
        }
        write_all((const char *)out_buf, count * (long)sizeof(struct out));
        if (got < want)
            die(0);
    }
}
