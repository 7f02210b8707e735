/*
 * native/rt.h - host stand-in for common/rt.h, so that the bench guests
 * (the bench/ sources with bench.h, common/kernels.h, common/params.h) build as
 * ordinary host programs: `rvisor bench --native` compiles them with
 *
 *   cc -O2 -std=gnu11 -ffp-contract=off -fno-math-errno -Inative -Icommon -Ibench bench/X.c
 *
 * (native/ first, so bench.h's #include "rt.h" finds this file).  The
 * bare-metal runtime's entry (crt0), UART console and power-off become the
 * C runtime's main(), stdout and the exit status; mtime becomes
 * CLOCK_MONOTONIC in the same 10 MHz ticks.  There is no instruction
 * counter: instret is reported as 0.
 */
#ifndef RVISOR_GUEST_RT_H
#define RVISOR_GUEST_RT_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define MTIME_HZ 10000000UL

#define EXIT_OK         0
#define EXIT_BAD_INT    1
#define EXIT_BAD_MEM    2
#define EXIT_BAD_BRANCH 3
#define EXIT_BAD_MIX    4
#define EXIT_BAD_FP     5
#define EXIT_BAD_HASH   6
#define EXIT_TRAP       0xEE

static inline void putc_uart(char c) { putchar(c); }
static inline void puts_uart(const char *s) { fputs(s, stdout); }
static inline void put_hex(uint64_t v) { printf("0x%016llx", (unsigned long long)v); }
static inline void put_dec(uint64_t v) { printf("%llu", (unsigned long long)v); }

/* The asm statements keep the clock reads in program order around the
 * kernel, as the guest's `asm volatile` CSR and MMIO reads do. */
static inline uint64_t read_mtime(void)
{
    struct timespec ts;
    __asm__ volatile("" : : : "memory");
    clock_gettime(CLOCK_MONOTONIC, &ts);
    __asm__ volatile("" : : : "memory");
    return (uint64_t)ts.tv_sec * MTIME_HZ + (uint64_t)ts.tv_nsec / (1000000000UL / MTIME_HZ);
}

static inline uint64_t read_instret(void) { return 0; }

#define OPAQUE(x) __asm__ volatile("" : "+r"(x) : : "memory")

#endif
