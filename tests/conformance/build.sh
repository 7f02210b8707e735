#!/bin/sh
# Build every conformance test (*.S in this directory and selftest/) into ELFs.
# Usage: tests/conformance/build.sh [OUTDIR]   (default: tests/conformance/build)
# Needs riscv64-unknown-elf-gcc (Debian: apt-get install gcc-riscv64-unknown-elf).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/build}
CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "error: $CC not found; install the cross compiler: apt-get install gcc-riscv64-unknown-elf" >&2
    exit 127
fi
mkdir -p "$OUT" "$OUT/selftest"
CFLAGS="-march=rv64gc_zicsr_zifencei -mabi=lp64d -mcmodel=medany -static -nostdlib -nostartfiles -I$HERE/env -T $HERE/link.ld -Wl,--no-warn-rwx-segments"
# Assemble env.S once, with compressed instructions disabled inside it.
"$CC" $CFLAGS -c "$HERE/env/env.S" -o "$OUT/env.o"
status=0
for src in "$HERE"/*.S "$HERE"/selftest/*.S; do
    [ -e "$src" ] || continue
    rel=${src#"$HERE"/}
    elf="$OUT/${rel%.S}.elf"
    if ! "$CC" $CFLAGS "$OUT/env.o" "$src" -o "$elf"; then
        echo "error: failed to build $rel" >&2
        status=1
    fi
done
exit $status
