#!/usr/bin/env bash
# The whole test suite of rvisor, as a newcomer and CI run it:
#   1. installs what the tests need (Debian packages: a riscv64 cross compiler,
#      QEMU as the differential oracle, dtc) when missing -- needs root or sudo;
#   2. fetches and builds the real guest fixtures (Debian riscv64 kernel,
#      initramfs, rootfs, OpenSBI) into ~/.cache/rvisor-guests (cached);
#   3. checks formatting and clippy, then runs every test in release mode
#      (guest boots need an optimized build).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v riscv64-unknown-elf-gcc >/dev/null || need_pkgs+=(gcc-riscv64-unknown-elf)
command -v qemu-system-riscv64 >/dev/null || need_pkgs+=(qemu-system-misc)
command -v qemu-riscv64-static >/dev/null || need_pkgs+=(qemu-user-static)
command -v dtc >/dev/null || need_pkgs+=(device-tree-compiler)
for tool in cpio mke2fs xz; do command -v $tool >/dev/null || need_pkgs+=(cpio e2fsprogs xz-utils kmod); done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

echo "== guest fixtures"
RVISOR_GUESTS=$(tests/guests/fetch.sh | tail -n 1)
export RVISOR_GUESTS
echo "fixtures in $RVISOR_GUESTS"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --release --workspace --all-targets -- -D warnings
echo "== cargo test (release)"
cargo test --release --workspace "$@"
