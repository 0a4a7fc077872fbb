#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`tools/cairn run -c` (tools/runcmd.py) against the built default ISO.

    test_runcmd.py --iso build/target/cairn.iso [-j N]

Each scenario boots the ISO through runcmd.py's command line, exactly as
`tools/cairn run -c` does, on q35 with 1 and 4 CPUs, and checks the exit
status, what reaches stdout (the commands' output and nothing of the boot
log) and, for failures, the message on stderr:

    ps                                  lists init, ns, proc, console, shell
    run nosuch                          127, "run: no program 'nosuch'"
    run echo-server &; echo-client hi   0, a line "hi"
    run nosuch; echo after              0 (the last command's status)
    echo-client -t 3600 never           124 after --timeout, "timed out"
    blk write nvme0n1 ...; blk flush    0 with an NVMe disk (a fresh 4 MiB
                                        image per run, --drive and --device
                                        as `tools/cairn run --disk` passes
                                        them); the image holds the block

Prints "PASS name" or "FAIL name: why" per run and exits 1 on any failure.
It runs as a ctest of the target build tree, so `tools/cairn test` runs it.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RUNCMD = ROOT / "tools/runcmd.py"
BOOT_LOG = re.compile(r"(?m)^\[\s*\d+\.\d+\] |boot: |cairn> |__cairn_")


def check_ps(out, err):
    """Every component has its ps line (the name ends it)."""
    missing = [n for n in ("init", "ns", "proc", "console", "shell")
               if not re.search(rf"(?m)^\s*\d+\s+\d+\s+running\s.*\s{n}$", out)]
    return f"ps lacks {', '.join(missing)}: {out!r}" if missing else None


SCENARIOS = [
    # name, commands, extra options, expected status, check(stdout, stderr) -> problem or None
    ("ps", "ps", [], 0, check_ps),
    ("missing-program", "run nosuch", [], 127,
     lambda out, err: None if out == "run: no program 'nosuch'\n" else f"stdout {out!r}"),
    ("echo", "run echo-server &; echo-client hi", [], 0,
     lambda out, err: None if re.fullmatch(r"\[\d+\]\nhi\n", out) else f"stdout {out!r}"),
    ("last-status", "run nosuch; echo after", [], 0,
     lambda out, err: None if out == "run: no program 'nosuch'\nafter\n" else f"stdout {out!r}"),
    ("timeout", "echo-client -t 3600 never", ["--timeout", "8"], 124,
     lambda out, err: None if "timed out" in err and out == "" else f"stdout {out!r}, stderr {err!r}"),
    ("nvme-disk", "blk write nvme0n1 2 0xabcd 1; blk flush nvme0n1",
     ["--drive", "file={disk},if=none,id=disk0,format=raw", "--device", "nvme,serial=disk0,drive=disk0"], 0,
     lambda out, err: None if out == "nvme0n1: wrote 1 block at 2\nnvme0n1: flushed\n" else f"stdout {out!r}"),
]

# Scenarios whose options name {disk} get a fresh zeroed 4 MiB image; then
# its bytes must be these (offset, bytes) and zero elsewhere.
DISK_SIZE = 4 << 20
DISK_EXPECT = {"nvme-disk": (1024, bytes([0xab, 0xcd]) * 256)}


def check_disk(path, expect):
    data = Path(path).read_bytes()
    off, want = expect
    if len(data) != DISK_SIZE:
        return f"the image is {len(data)} bytes, not {DISK_SIZE}"
    if data[off:off + len(want)] != want:
        return f"the image at {off:#x} holds {data[off:off + 16].hex()}, not {want[:16].hex()}"
    if any(data[:off]) or any(data[off + len(want):]):
        return "the image changed outside the block written"
    return None


def run(iso, smp, scenario):
    name, commands, extra, want, check = scenario
    label = f"run-c {name} [smp{smp}]"
    with tempfile.TemporaryDirectory(prefix="cairn-runc-") as tmp:
        disk = Path(tmp) / "disk.img"
        if any("{disk}" in e for e in extra):
            with open(disk, "wb") as f:
                f.truncate(DISK_SIZE)
        extra = [e.replace("{disk}", str(disk)) for e in extra]
        cmd = [sys.executable, str(RUNCMD), "--iso", str(iso), "--smp", str(smp), *extra, "--", commands]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return label, "runcmd.py did not end within 300 s"
        disk_problem = check_disk(disk, DISK_EXPECT[name]) if name in DISK_EXPECT else None
    problems = []
    if p.returncode != want:
        problems.append(f"status {p.returncode}, expected {want}")
    leaked = BOOT_LOG.search(p.stdout)
    if leaked:
        problems.append(f"boot log or shell text on stdout: {leaked.group(0)!r}")
    problem = check(p.stdout, p.stderr)
    if problem:
        problems.append(problem)
    if disk_problem:
        problems.append(disk_problem)
    if problems and p.stderr and "stderr" not in " ".join(problems):
        problems.append(f"stderr {p.stderr.strip()[-300:]!r}")
    return label, "; ".join(problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iso", required=True)
    ap.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 1))
    args = ap.parse_args()
    if not Path(args.iso).exists():
        print(f"FAIL run-c: {args.iso} does not exist (build first)")
        return 1
    jobs = [(smp, s) for smp in (1, 4) for s in SCENARIOS]
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for label, problem in pool.map(lambda j: run(args.iso, *j), jobs):
            print(f"FAIL {label}: {problem}" if problem else f"PASS {label}", flush=True)
            failed += bool(problem)
    print(f"{len(jobs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
