/*
 * bench.h - harness shared by the guests in bench/.  Each guest runs one
 * kernel once, timed with mtime (10 MHz) and minstret, and prints one line:
 *
 *   RVISOR-BENCH name=<n> result=0x<16 hex> expect=0x<16 hex> ok=<0|1> ticks=<dec> instret=<dec>
 *
 * then powers off with 0x5555 (ok=1) or (code << 16) | 0x3333 (ok=0).
 * instret is the minstret delta across the kernel; under QEMU TCG it is only
 * an instruction count with -icount (otherwise QEMU returns host TSC ticks).
 */
#ifndef RVISOR_GUEST_BENCH_H
#define RVISOR_GUEST_BENCH_H

#include "rt.h"

/* arg is the kernel's size argument (made opaque after the start stamps so
 * the kernel call cannot be hoisted above them); expr uses it. */
#define BENCH_RUN(name, expect, fail_code, arg, expr)                         \
    do {                                                                      \
        uint64_t t0_ = read_mtime(), i0_ = read_instret();                    \
        OPAQUE(arg);                                                          \
        uint64_t r_ = (expr);                                                 \
        OPAQUE(r_);                                                           \
        uint64_t i1_ = read_instret(), t1_ = read_mtime();                    \
        return bench_report((name), r_, (expect), t1_ - t0_, i1_ - i0_,      \
                            (fail_code));                                     \
    } while (0)

static int bench_report(const char *name, uint64_t result, uint64_t expect,
                        uint64_t ticks, uint64_t instret, int fail_code)
{
    int ok = result == expect;
    puts_uart("RVISOR-BENCH name=");
    puts_uart(name);
    puts_uart(" result=");
    put_hex(result);
    puts_uart(" expect=");
    put_hex(expect);
    puts_uart(ok ? " ok=1" : " ok=0");
    puts_uart(" ticks=");
    put_dec(ticks);
    puts_uart(" instret=");
    put_dec(instret);
    putc_uart('\n');
    return ok ? EXIT_OK : fail_code;
}

#endif
