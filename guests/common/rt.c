/* rt.c - see rt.h. */
#include "rt.h"

static inline void mmio_w8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint8_t mmio_r8(uintptr_t a) { return *(volatile uint8_t *)a; }

void putc_uart(char c)
{
    if (c == '\n')
        putc_uart('\r');
    while (!(mmio_r8(UART0_BASE + UART_LSR) & UART_LSR_THRE))
        ;
    mmio_w8(UART0_BASE + UART_THR, (uint8_t)c);
}

void puts_uart(const char *s)
{
    while (*s)
        putc_uart(*s++);
}

void put_hex(uint64_t v)
{
    puts_uart("0x");
    for (int sh = 60; sh >= 0; sh -= 4)
        putc_uart("0123456789abcdef"[(v >> sh) & 0xf]);
}

void put_dec(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_uart(&buf[i]);
}

void rt_exit(int code)
{
    uint32_t cmd = code == 0 ? TEST_PASS : (((uint32_t)code & 0xffff) << 16) | TEST_FAIL;
    *(volatile uint32_t *)TEST_BASE = cmd;
    for (;;)
        __asm__ volatile("wfi");
}

/* Called from crt0's trap vector: any trap is unexpected in these guests. */
void rt_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval) __attribute__((noreturn));
void rt_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval)
{
    puts_uart("\nguest trap: mcause=");
    put_hex(mcause);
    puts_uart(" mepc=");
    put_hex(mepc);
    puts_uart(" mtval=");
    put_hex(mtval);
    putc_uart('\n');
    rt_exit(EXIT_TRAP);
}
