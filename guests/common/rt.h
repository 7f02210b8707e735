/*
 * rt.h - tiny runtime shared by the rvisor guests: UART output, number
 * formatting, timer/counter access and power-off via the SiFive test device.
 * Everything targets the QEMU `virt` memory map (docs/platform.md §1, §3, §11).
 */
#ifndef RVISOR_GUEST_RT_H
#define RVISOR_GUEST_RT_H

#include <stdint.h>
#include <stddef.h>

#define UART0_BASE   0x10000000UL   /* NS16550A, reg-shift 0 */
#define UART_THR     0
#define UART_LSR     5
#define UART_LSR_THRE 0x20

#define TEST_BASE    0x100000UL     /* sifive_test finisher */
#define TEST_PASS    0x5555u
#define TEST_FAIL    0x3333u

#define CLINT_MTIME  0x200BFF8UL    /* 10 MHz */
#define MTIME_HZ     10000000UL

/* Exit codes used by the guests (passed to rt_exit / returned from main). */
#define EXIT_OK        0
#define EXIT_BAD_INT   1
#define EXIT_BAD_MEM   2
#define EXIT_BAD_BRANCH 3
#define EXIT_BAD_MIX   4
#define EXIT_BAD_FP    5
#define EXIT_BAD_HASH  6
#define EXIT_TRAP      0xEE

void putc_uart(char c);
void puts_uart(const char *s);          /* no newline appended */
void put_hex(uint64_t v);               /* "0x" + 16 hex digits */
void put_dec(uint64_t v);

/* Power off: code 0 -> 0x5555 (QEMU exits 0), else (code << 16) | 0x3333. */
void rt_exit(int code) __attribute__((noreturn));

/* The timer/counter reads and OPAQUE() are all `asm volatile` with a memory
 * clobber, so the compiler keeps them in program order relative to each other
 * (a plain volatile load would not stop GCC moving a pure kernel call across
 * it).  Time a kernel as: t0 = read_mtime(); OPAQUE(arg); r = k(arg);
 * OPAQUE(r); t1 = read_mtime(); */
static inline uint64_t read_mtime(void)
{
    uint64_t v;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(CLINT_MTIME) : "memory");
    return v;
}

static inline uint64_t read_instret(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, minstret" : "=r"(v) : : "memory");
    return v;
}

/* Compiler barrier: hide x's value from the optimiser and pin the point in
 * program order where x is used/defined. */
#define OPAQUE(x) __asm__ volatile("" : "+r"(x) : : "memory")

#endif
