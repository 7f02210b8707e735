#!/usr/bin/env python3
"""Secondary oracle: run conformance ELFs on QEMU's `virt` machine.

virt has no HTIF, so the program cannot exit QEMU; instead QEMU runs for a
moment, then the monitor's `info registers` shows where the hart spins: in
`pass` or in `fail` (gp = failing test number). Used for the programs that the
spike machine cannot run (priv_time, the Sstc part of priv_sstc).
Usage: tools/run_qemu_virt.py ELF...   (exit status 1 if any program failed)
"""
import os, re, socket, subprocess, sys, tempfile, time


def symbols(elf):
    nm = subprocess.run(["riscv64-unknown-elf-nm", elf], capture_output=True, text=True, check=True).stdout
    return {p[2]: int(p[0], 16) for p in (l.split() for l in nm.splitlines()) if len(p) == 3}


def run(elf, settle=0.8):
    sock = os.path.join(tempfile.mkdtemp(), "mon")
    qemu = subprocess.Popen(["qemu-system-riscv64", "-M", "virt", "-bios", "none", "-kernel", elf,
                             "-nographic", "-serial", "none", "-monitor", "unix:%s,server,nowait" % sock])
    try:
        time.sleep(settle)
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        time.sleep(0.2)
        s.recv(65536)
        s.send(b"info registers\n")
        time.sleep(0.3)
        out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", s.recv(65536).decode(errors="replace"))
    finally:
        qemu.kill()
        qemu.wait()
    pc = int(re.search(r"\bpc\s+([0-9a-f]+)", out).group(1), 16)
    gp = int(re.search(r"\bgp\s+([0-9a-f]+)", out).group(1), 16)
    sym = symbols(elf)
    if sym["pass"] <= pc < sym["fail"]:
        return True, "PASS"
    if sym["fail"] <= pc < sym["fail"] + 0x40:
        return False, "FAIL (test %d)" % gp
    return False, "FAIL (stuck at pc 0x%x, gp %d)" % (pc, gp)


def main():
    ok = True
    for elf in sys.argv[1:]:
        passed, what = run(elf)
        ok &= passed
        print(what.split()[0], os.path.basename(elf)[:-4], " ".join(what.split()[1:]))
    sys.exit(0 if ok else 1)


main()
