#!/bin/sh
# Side-by-side CPU time of rvisor (interp, jit, auto) and QEMU on the same
# bare-metal guests, in one run on this machine. CPU time (user + sys) is
# reported besides wall time because the host may be shared.
#   usage: crates/jit/bench/compare.sh [path/to/rvisor] [guest.elf ...]
set -eu
RVISOR=${1:-target/release/rvisor}
[ $# -gt 0 ] && shift
GUESTS=${*:-guests/bench/int.elf guests/bench/mem.elf guests/bench/branch.elf guests/bench/fp.elf guests/bench/mix.elf}
QEMU=${QEMU:-qemu-system-riscv64}
[ -x "$RVISOR" ] || { echo "rvisor binary not found: $RVISOR" >&2; exit 1; }
command -v "$QEMU" >/dev/null || { echo "$QEMU not found" >&2; exit 1; }

measure() { # name cmd... -> "name cpu_s wall_s ok"
    name=$1; shift
    out=$( { /usr/bin/time -f 'TIME %U %S %e' "$@" 2>&1; } 2>&1 || true)
    t=$(printf '%s\n' "$out" | grep '^TIME' | tail -1)
    ok=$(printf '%s\n' "$out" | grep -a -o 'ok=[01]' | tail -1)
    ins=$(printf '%s\n' "$out" | grep -a -o 'instret=[0-9]*' | tail -1 | cut -d= -f2)
    # QEMU's minstret is not an instruction count: MIPS for rvisor only.
    case $name in *qemu*) ins=0 ;; esac
    printf '%s\n' "$t" | awk -v n="$name" -v ok="$ok" -v ins="${ins:-0}" \
        '{cpu=$2+$3; m=(cpu>0 && ins>0)? sprintf("%6.0f MIPS(cpu)", ins/cpu/1e6) : ""; printf "%-30s cpu %7.2f s  wall %7.2f s  %s  %s\n", n, cpu, $4, ok, m}'
}

for g in $GUESTS; do
    b=$(basename "$g" .elf)
    for e in interp jit auto; do
        measure "$b rvisor --engine $e" "$RVISOR" run --engine "$e" --firmware "$g"
    done
    measure "$b qemu" "$QEMU" -M virt -m 128M -bios "$g" -nographic -monitor none
done
