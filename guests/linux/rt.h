/*
 * linux/rt.h - stand-in for common/rt.h that builds the bench guests (the
 * bench/ sources with bench.h, common/kernels.h, common/params.h) as static
 * RV64 Linux programs, with no C library: `rvisor bench --user` runs them in
 * the booted Debian guest, in U-mode under Sv39, as the kind of CPU-bound
 * work a user runs there.  guests/build.sh compiles them with
 *
 *   riscv64-unknown-elf-gcc ... -Ilinux -Icommon -Ibench bench/X.c
 *
 * (linux/ first, so bench.h's #include "rt.h" finds this file).  The console
 * is stdout (write(2), buffered by line), power-off is exit_group(2) with
 * main's code, and mtime is the `time` CSR (`rdtime`, which Linux lets user
 * code read; 10 MHz on the virt board).  No instruction counter (Linux keeps
 * instret from user code): instret is reported as 0.
 */
#ifndef RVISOR_GUEST_RT_H
#define RVISOR_GUEST_RT_H

#include <stdint.h>
#include <stddef.h>

#define MTIME_HZ 10000000UL

#define EXIT_OK         0
#define EXIT_BAD_INT    1
#define EXIT_BAD_MEM    2
#define EXIT_BAD_BRANCH 3
#define EXIT_BAD_MIX    4
#define EXIT_BAD_FP     5
#define EXIT_BAD_HASH   6
#define EXIT_TRAP       0xEE

/* RV64 Linux system call numbers (asm-generic/unistd.h). */
#define SYS_WRITE      64
#define SYS_EXIT_GROUP 94

static inline long rt_syscall3(long n, long a, long b, long c)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

static char rt_out[256];
static unsigned rt_len;

static inline void rt_flush(void)
{
    const char *p = rt_out;
    while (rt_len > 0) {
        long n = rt_syscall3(SYS_WRITE, 1, (long)p, rt_len);
        if (n <= 0)
            break;
        p += n;
        rt_len -= (unsigned)n;
    }
    rt_len = 0;
}

static inline void putc_uart(char c)
{
    rt_out[rt_len++] = c;
    if (c == '\n' || rt_len == sizeof rt_out)
        rt_flush();
}

static inline void puts_uart(const char *s)
{
    while (*s)
        putc_uart(*s++);
}

static inline void put_hex(uint64_t v)
{
    puts_uart("0x");
    for (int i = 60; i >= 0; i -= 4)
        putc_uart("0123456789abcdef"[(v >> i) & 15]);
}

static inline void put_dec(uint64_t v)
{
    char b[20];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        putc_uart(b[--n]);
}

/* See common/rt.h: asm volatile with a memory clobber keeps the reads in
 * program order around the kernel. */
static inline uint64_t read_mtime(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v) : : "memory");
    return v;
}

static inline uint64_t read_instret(void) { return 0; }

#define OPAQUE(x) __asm__ volatile("" : "+r"(x) : : "memory")

int main(void);

/* The entry: Linux starts a static program with sp at argc (16-byte
 * aligned), nothing else to set up but gp (for gp-relative data). */
__attribute__((noreturn, used)) static void rt_start(void)
{
    int code = main();
    rt_flush();
    rt_syscall3(SYS_EXIT_GROUP, code, 0, 0);
    for (;;)
        ;
}

__asm__(".globl _start\n"
        "_start:\n"
        ".option push\n"
        ".option norelax\n"
        "    la gp, __global_pointer$\n"
        ".option pop\n"
        "    call rt_start\n");

#endif
