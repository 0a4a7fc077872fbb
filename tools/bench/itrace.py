#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Where the guest instructions of one operation go: a profiler for the
kernel's fast paths (docs/benchmarks.md, "Profiling").

    tools/bench/itrace.py --iso ISO --at ADDR [--skip N] --elf FILE [--elf FILE...]

Boots ISO under QEMU (TCG, one CPU, stopped at reset, gdb stub on a free
port) and lets gdb run it until the instruction at ADDR (a user address:
the `syscall` of the operation to study, from objdump) has been reached
N + 1 times (skip the warm-up). From there gdb single-steps until the
instruction after ADDR runs (the operation is over, wherever it went:
other threads, other processes, the kernel), and the program prints how
many instructions each function took, by the symbols of the ELF files given
(the kernel's and the programs'), and the order in which they ran.

Single-stepping counts exactly the instructions the guest executes (a
`rep` prefix counts each iteration, as QEMU's -icount does), so the total
is what `tools/cairn bench` reports in icount mode, minus its rdtsc
overhead. Slow (a few ms per instruction): for operations of up to a few
tens of thousands of instructions. Needs gdb (Debian's gdb package).
QEMU runs with -icount, as the benchmark does: the guest's clock follows
its instruction count, not the host's, so a time slice does not run out
while gdb steps (which would take slow paths the benchmark never sees).
"""
import argparse
import bisect
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time

GDB_SCRIPT = r'''
import gdb, os
start = int(os.environ["IT_START"], 16)
end = int(os.environ["IT_END"], 16)
gdb.execute("set pagination off")
gdb.execute("target remote :" + os.environ["IT_PORT"])
gdb.execute("hbreak *%#x" % start)
gdb.execute("ignore 1 " + os.environ["IT_SKIP"])
gdb.execute("continue")
out = open(os.environ["IT_OUT"], "w")
for _ in range(int(os.environ["IT_MAX"])):
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
    out.write("%x\n" % pc)
    if pc == end:
        break
out.close()
gdb.execute("kill")
'''


def symbols(path):
    out = subprocess.run(["nm", "-n", path], capture_output=True, text=True, check=True).stdout
    table = []
    for line in out.splitlines():
        p = line.split()
        if len(p) >= 3 and p[1] in "tTwW":
            table.append((int(p[0], 16), p[2]))
    return table


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iso", required=True)
    ap.add_argument("--at", required=True, help="hex address of the instruction that starts the operation")
    ap.add_argument("--len", type=int, default=2, help="its length in bytes (syscall: 2)")
    ap.add_argument("--skip", type=int, default=200, help="times to let it run first (warm-up)")
    ap.add_argument("--elf", action="append", required=True, help="ELF files to name functions by")
    ap.add_argument("--max", type=int, default=100000, help="give up after this many instructions")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("--sequence", action="store_true", help="also print the functions in the order they ran")
    args = ap.parse_args()

    start = int(args.at, 16)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        script, pcs_path = os.path.join(tmp, "trace.py"), os.path.join(tmp, "pcs")
        with open(script, "w") as f:
            f.write(GDB_SCRIPT)
        print(f"itrace: booting {args.iso}, stepping from {start:#x} after {args.skip} passes", file=sys.stderr)
        qemu = subprocess.Popen(["qemu-system-x86_64", "-accel", "tcg", "-machine", args.machine, "-m", "256M",
                                 "-icount", "shift=0,sleep=off", "-smp", "1", "-cpu", "max", "-display", "none", "-serial", "null",
                                 "-monitor", "none", "-no-reboot", "-cdrom", args.iso, "-boot", "d",
                                 "-gdb", f"tcp:127.0.0.1:{port}", "-S"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            env = dict(os.environ, IT_START=f"{start:x}", IT_END=f"{start + args.len:x}", IT_PORT=str(port),
                       IT_SKIP=str(args.skip), IT_MAX=str(args.max), IT_OUT=pcs_path)
            subprocess.run(["gdb", "-batch", "-nx", "-x", script], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=1800)
        finally:
            qemu.kill()
            qemu.wait()
        with open(pcs_path) as f:
            pcs = [int(line, 16) for line in f]

    table = sorted(s for path in args.elf for s in symbols(path))
    addrs = [a for a, _ in table]

    def name(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        return table[i][1] if i >= 0 else "?"

    counts, seq = collections.Counter(), []
    for pc in pcs:
        n = name(pc)
        counts[n] += 1
        if seq and seq[-1][0] == n:
            seq[-1][1] += 1
        else:
            seq.append([n, 1])
    print(f"{len(pcs)} instructions")
    for n, c in counts.most_common():
        print(f"{c:8d}  {n}")
    if args.sequence:
        print("in order:")
        print(" ".join(f"{n}:{c}" for n, c in seq))
    return 0


if __name__ == "__main__":
    sys.exit(main())
