/*
 * linux/ticks.c - prints the `time` CSR (rdtime, 10 MHz on the virt board)
 * in decimal: `rvisor bench --user` times busybox applets in the booted
 * guest with it (its /init reads it before and after each), where the
 * shell's own clock (/proc/uptime) counts in 10 ms steps.
 */
#include "rt.h"

int main(void)
{
    put_dec(read_mtime());
    putc_uart('\n');
    return 0;
}
