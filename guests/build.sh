#!/bin/sh
# Rebuild rvisor's bare-metal guests into the committed prebuilt ELFs:
#   hello/hello.elf, bench/int.elf, bench/mem.elf, bench/branch.elf, bench/fp.elf,
#   bench/mix.elf, bench/hash.elf, and bench/{int,mem,branch,mix,hash}-zb.elf
#   (the same built with Zba/Zbb/Zbs)
# and the same bench kernels as static RV64 Linux programs (linux/rt.h):
#   linux/int.elf, linux/mem.elf, linux/branch.elf, linux/fp.elf, linux/mix.elf,
#   linux/hash.elf (rvisor bench --user runs them in the booted Debian guest)
#   and linux/ticks.elf (prints rdtime: the same run times busybox applets)
#
# Usage: guests/build.sh          build all ELFs
#        guests/build.sh --ref    also print expected results from the host
#                                 reference (tools/ref.c, needs host cc)
#        guests/build.sh --test   also run each ELF under qemu-system-riscv64
#        guests/build.sh --native also build the bench kernels for the host
#                                 (native/rt.h harness, as rvisor bench --native
#                                 does) and run them, fail on a wrong result
#
# Needs riscv64-unknown-elf-gcc (Debian: gcc-riscv64-unknown-elf).
# Output is deterministic: no build-id, no absolute paths, no debug info.
set -eu

cd "$(dirname "$0")"
here=$(pwd)
CC=${CC:-riscv64-unknown-elf-gcc}
CFLAGS="-march=rv64gc -mabi=lp64d -mcmodel=medany -nostdlib -nostartfiles
        -ffreestanding -fno-builtin -fno-common -fno-pic -O2 -std=gnu11 -ffp-contract=off -fno-math-errno
        -Wall -Wextra -Wno-main -ffile-prefix-map=$here=. -Icommon"
LDFLAGS="-static -Wl,--build-id=none -Wl,-T,common/link.ld -Wl,--gc-sections
         -ffunction-sections -fdata-sections -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments"
COMMON="common/crt0.S common/rt.c"

build() { # out.elf sources...
    out=$1; shift
    # shellcheck disable=SC2086
    $CC $CFLAGS $LDFLAGS -o "$out" $COMMON "$@" -lgcc
    size=$(wc -c < "$out")
    echo "built $out ($size bytes)"
    if [ "$size" -ge 65536 ]; then
        echo "error: $out is larger than 64 KiB" >&2
        exit 1
    fi
}

build hello/hello.elf hello/hello.c
build bench/int.elf -Ibench bench/int.c
build bench/mem.elf -Ibench bench/mem.c
build bench/branch.elf -Ibench bench/branch.c
build bench/fp.elf -Ibench bench/fp.c
build bench/mix.elf -Ibench bench/mix.c
build bench/hash.elf -Ibench bench/hash.c

# The same kernels for RV64GC with Zba/Zbb/Zbs (fp has no use for them).
CFLAGS=$(echo "$CFLAGS" | sed 's/-march=rv64gc /-march=rv64gc_zba_zbb_zbs /')
for b in int mem branch mix hash; do
    build "bench/$b-zb.elf" -Ibench "bench/$b.c"
done
CFLAGS=$(echo "$CFLAGS" | sed 's/-march=rv64gc_zba_zbb_zbs /-march=rv64gc /')

# Linux programs: linked at the default address (0x10000), no C library.
LINUX_CFLAGS="-march=rv64gc -mabi=lp64d -nostdlib -nostartfiles -static
        -ffreestanding -fno-builtin -fno-common -O2 -std=gnu11 -ffp-contract=off -fno-math-errno
        -Wall -Wextra -Wno-main -ffile-prefix-map=$here=. -Ilinux -Icommon -Ibench"
LINUX_LDFLAGS="-Wl,--build-id=none -Wl,--gc-sections -ffunction-sections -fdata-sections
         -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments"
for b in int mem branch fp mix hash; do
    # shellcheck disable=SC2086
    $CC $LINUX_CFLAGS $LINUX_LDFLAGS -o "linux/$b.elf" "bench/$b.c" -lgcc
    echo "built linux/$b.elf ($(wc -c < "linux/$b.elf") bytes)"
done
# shellcheck disable=SC2086
$CC $LINUX_CFLAGS $LINUX_LDFLAGS -o linux/ticks.elf linux/ticks.c -lgcc
echo "built linux/ticks.elf ($(wc -c < linux/ticks.elf) bytes)"

for arg in "$@"; do
    case $arg in
    --ref)
        cc -O2 -ffp-contract=off -fno-math-errno -Wall -Icommon tools/ref.c -o /tmp/rvisor-guest-ref.$$
        /tmp/rvisor-guest-ref.$$
        rm -f /tmp/rvisor-guest-ref.$$
        ;;
    --test)
        for elf in hello/hello.elf bench/int.elf bench/mem.elf bench/branch.elf bench/fp.elf \
                   bench/mix.elf bench/hash.elf bench/int-zb.elf bench/mem-zb.elf \
                   bench/branch-zb.elf bench/mix-zb.elf bench/hash-zb.elf; do
            echo "== $elf"
            start=$(date +%s.%N)
            rc=0
            timeout 60 qemu-system-riscv64 -M virt -cpu rv64,zba=true,zbb=true,zbs=true \
                -bios none -m 128M -nographic -kernel "$elf" </dev/null || rc=$?
            end=$(date +%s.%N)
            echo "== exit $rc, $(echo "$end $start" | awk '{printf "%.2f", $1 - $2}') s"
            [ "$rc" -eq 0 ] || exit 1
        done
        ;;
    --native)
        for b in int mem branch fp mix hash; do
            cc -O2 -std=gnu11 -ffp-contract=off -fno-math-errno -Wall -Wextra -Wno-main \
                -Inative -Icommon -Ibench "bench/$b.c" -o "/tmp/rvisor-native-$b.$$"
            rc=0
            "/tmp/rvisor-native-$b.$$" || rc=$?
            rm -f "/tmp/rvisor-native-$b.$$"
            [ "$rc" -eq 0 ] || { echo "native $b: exit $rc" >&2; exit 1; }
        done
        ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
    esac
done
