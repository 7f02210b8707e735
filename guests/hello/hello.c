/*
 * hello.c - rvisor's built-in default guest.
 *
 * Prints a greeting, runs two short checked benchmark loops (integer ALU and
 * memory), prints each result with its elapsed mtime ticks (10 MHz), says
 * "bye" and powers off: 0x5555 on success, (code << 16) | 0x3333 if a check
 * fails (code 1 = int, 2 = mem).
 */
#include "rt.h"
#include "kernels.h"
#include "params.h"

static uint32_t membuf[2 * HELLO_MEM_WORDS];   /* .bss: 512 KiB */

static int report(const char *name, uint64_t result, uint64_t expect, uint64_t ticks)
{
    puts_uart("bench ");
    puts_uart(name);
    puts_uart(": result=");
    put_hex(result);
    puts_uart(" ticks=");
    put_dec(ticks);
    if (result == expect) {
        puts_uart(" ok\n");
        return 1;
    }
    puts_uart(" MISMATCH expected=");
    put_hex(expect);
    putc_uart('\n');
    return 0;
}

int main(uint64_t hartid, uint64_t dtb)
{
    (void)dtb;

    puts_uart("Hello from rvisor's built-in guest (RV64GC, M-mode, hart ");
    put_dec(hartid);
    puts_uart(")\n");

    uint64_t iters = HELLO_INT_ITERS;
    uint64_t t0 = read_mtime();
    OPAQUE(iters);
    uint64_t r = kernel_int(iters);
    OPAQUE(r);
    uint64_t t1 = read_mtime();
    if (!report("int", r, HELLO_INT_EXPECT, t1 - t0))
        return EXIT_BAD_INT;

    uint64_t words = HELLO_MEM_WORDS;
    t0 = read_mtime();
    OPAQUE(words);
    r = kernel_mem(membuf, words, HELLO_MEM_PASSES);
    OPAQUE(r);
    t1 = read_mtime();
    if (!report("mem", r, HELLO_MEM_EXPECT, t1 - t0))
        return EXIT_BAD_MEM;

    puts_uart("bye\n");
    return EXIT_OK;
}
