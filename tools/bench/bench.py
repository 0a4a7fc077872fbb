#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cairn's benchmarks, side by side with Linux (docs/benchmarks.md).

    bench.py --target-build DIR [--deps DIR] [--vs-linux] [--mode icount|tcg]
             [--json FILE] [--svg FILE] [--iters N] [--only TEXT]

Boots Cairn with the bench program as init; for the NVMe cases a second
Cairn boot, the NVMe driver's system with `bench nvme` as its client; and
with --vs-linux a Linux guest (Debian's kernel from DIR/linux/vmlinuz,
tools/deps.sh linux) whose /init is the same benchmarks written for Linux.
All under one QEMU command line, NVMe disk included (a raw image made
here), that differs only in how the guest is loaded. Prints a table
(median, minimum and spread per case, and the ratio Cairn/Linux), and
writes the JSON and an SVG chart of the ratios when asked.

Modes: icount (-icount shift=0,sleep=off: a TSC tick is one guest
instruction, so figures are instruction counts; the NVMe cases take the
idle time out, bench_common.h) and tcg (plain TCG: TSC ticks follow the
host clock and are turned into ns with the rate each guest measured; the
NVMe cases into I/O operations per second).
"""
import argparse
import datetime
import json
import math
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(ROOT / "tools"))
import testrun  # noqa: E402  (qemu_command: the command line every QEMU test uses)

MACHINE = {"machine": "q35", "mem": "512M", "smp": "1", "cpu": "max"}
LINUX_APPEND = "console=ttyS0 quiet"
LINUX_SOURCES = ["bench_linux.c", "bench_linux_nvme.c"]  # in tools/bench/linux

# The table: (row, Cairn case, Linux case, what the Linux side does).
ROWS = [
    ("null_syscall", "null_syscall", "null_syscall", "getppid"),
    ("chan_call_rtt_xproc_0", "chan_call_rtt_xproc_0", "chan_call_rtt_xproc_0", "futex, processes"),
    ("chan_call_rtt_xproc_64", "chan_call_rtt_xproc_64", "chan_call_rtt_xproc_64", "futex + 64 B shm, processes"),
    ("chan_call_rtt_xproc_4096", "chan_call_rtt_xproc_4096", "chan_call_rtt_xproc_4096",
     "futex + 4 KiB shm, processes"),
    ("chan_call_rtt_xproc_0 vs pipe", "chan_call_rtt_xproc_0", "pipe_rtt_xproc_1", "pipe 1 B, processes"),
    ("chan_call_rtt_xproc_64 vs pipe", "chan_call_rtt_xproc_64", "pipe_rtt_xproc_64", "pipe 64 B, processes"),
    ("chan_call_rtt_xproc_4096 vs pipe", "chan_call_rtt_xproc_4096", "pipe_rtt_xproc_4096",
     "pipe 4 KiB, processes"),
    ("chan_call_rtt_xproc_handle", "chan_call_rtt_xproc_handle", "chan_call_rtt_xproc_handle",
     "AF_UNIX 64 B + SCM_RIGHTS fd, processes"),
    ("chan_call_rtt_sproc_0", "chan_call_rtt_sproc_0", "chan_call_rtt_sproc_0", "futex, threads"),
    ("chan_call_rtt_sproc_64", "chan_call_rtt_sproc_64", "chan_call_rtt_sproc_64", "futex + 64 B, threads"),
    ("chan_call_rtt_sproc_4096", "chan_call_rtt_sproc_4096", "chan_call_rtt_sproc_4096",
     "futex + 4 KiB, threads"),
    ("chan_call_rtt_sproc_handle", "chan_call_rtt_sproc_handle", "chan_call_rtt_sproc_handle",
     "AF_UNIX 64 B + SCM_RIGHTS fd, threads"),
    ("chan_call_rtt_sproc_64 vs pipe", "chan_call_rtt_sproc_64", "pipe_rtt_sproc_64", "pipe 64 B, threads"),
    ("yield", "yield", "yield", "sched_yield, 2 threads"),
    ("thread_create_join", "thread_create_join", "thread_create_join", "pthread_create + join"),
    ("process_spawn_exit", "process_spawn_exit", "process_spawn_exit", "posix_spawn + waitpid"),
    ("process_spawn_exit vs fork", "process_spawn_exit", "fork_exit_wait", "fork + _exit + waitpid"),
    ("vmo_map_unmap_4k", "vmo_map_unmap_4k", "vmo_map_unmap_4k", "memfd mmap POPULATE + munmap"),
    ("vmo_map_unmap_1m", "vmo_map_unmap_1m", "vmo_map_unmap_1m", "memfd mmap POPULATE + munmap"),
    ("vmo_map_unmap_4k vs anon", "vmo_map_unmap_4k", "mmap_anon_unmap_4k", "anonymous mmap + munmap"),
    ("vmo_map_unmap_1m vs anon", "vmo_map_unmap_1m", "mmap_anon_unmap_1m", "anonymous mmap + munmap"),
    ("timer_irq_latency", "timer_irq_latency", "timer_irq_latency", "timerfd, deadline to read()"),
    ("nvme_randread_4k_qd1", "nvme_randread_4k_qd1", "nvme_randread_4k_qd1", "O_DIRECT pread"),
    ("nvme_randread_4k_qd32", "nvme_randread_4k_qd32", "nvme_randread_4k_qd32",
     "O_DIRECT io_uring, 32 in flight"),
]

# The NVMe cases run in a second Cairn boot: the NVMe driver's system
# (tools/bench/cairn/nvme/manifest) with bench as its client. Every guest
# gets the same disk: NVME_IMAGE_BYTES, the first word of each 4 KiB block
# at byte offset o being splitmix64(NVME_SEED ^ o) (bench_common.h).
NVME_PREFIX = "nvme_"
NVME_IMAGE_BYTES = 64 << 20
NVME_SEED = 0xBE4C
NVME_DEVICE = "nvme,serial=bench0,drive=nvm0"
NVME_MANIFEST = ROOT / "tools/bench/cairn/nvme/manifest"
# The modules of that boot, in the target build tree (the manifest is added).
NVME_MODULES = ["servers/init/init", "servers/ns/ns", "servers/proc/proc", "servers/acpi/acpi",
                "servers/pci/pci", "servers/devmgr/devmgr", "drivers-user/nvme/nvme",
                "tools/bench/cairn/bench"]
NVME_DRIVER_FILE = ROOT / "drivers-user/nvme/nvme.driver"
# In tcg mode the NVMe rows are in I/O operations per second (a rate: the
# more the better); everything else is time or instructions per operation.
RATE_UNIT = "IOPS"

RESULT = re.compile(r"bench: (\S+) n=(\d+) min=(\d+) p10=(\d+) median=(\d+) p90=(\d+) max=(\d+)")
NOT_RUN = re.compile(r"bench: (\S+) unavailable (.*)")


# The SVG namespace: the XML name every SVG file declares. A name, not a
# download: nothing is fetched from it.
SVG_NS = "http://www.w3.org/2000/svg"

def say(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- parsing

def parse(text):
    """The bench lines of a serial log: {"system", "tsc_hz", "cases", "unavailable", "done"}."""
    out = {"system": None, "tsc_hz": None, "cases": {}, "unavailable": {}, "done": False, "notes": []}
    for line in text.replace("\r", "").splitlines():
        m = RESULT.search(line)
        if m:
            vals = [int(v) for v in m.groups()[1:]]
            out["cases"][m.group(1)] = dict(zip(("n", "min", "p10", "median", "p90", "max"), vals))
            continue
        m = NOT_RUN.search(line)
        if m:
            out["unavailable"][m.group(1)] = m.group(2).strip()
            continue
        m = re.search(r"bench: system (.+)$", line)
        if m:
            out["system"] = m.group(1).strip()
        m = re.search(r"bench: tsc_hz (\d+)", line)
        if m:
            out["tsc_hz"] = int(m.group(1))
        if re.search(r"bench: done \d+ cases", line):
            out["done"] = True
        m = re.search(r"bench: (yield: .*|spawn: .*|nvme: .*|\S+: chan_call failed.*)$", line)
        if m:
            out["notes"].append(m.group(1).strip())
    return out


def is_nvme(case):
    return case.startswith(NVME_PREFIX)


def unit_of(case, mode):
    if mode == "icount":
        return "instructions"
    return RATE_UNIT if is_nvme(case) else "ns"


def in_unit(result, mode):
    """{case: {median, min, unit, p10, p90, max, samples, spread}} in the case's unit for the mode.

    A rate (IOPS: the NVMe cases in tcg mode) is 1e9 / ns per operation of
    each figure, so the order turns round: its min comes from the slowest
    sample (the max in ns), its p10 from the p90."""
    hz = result["tsc_hz"]
    if mode != "icount" and not hz:
        raise RuntimeError("the guest reported no TSC rate: cannot convert to ns")
    cases = {}
    for name, c in result["cases"].items():
        unit = unit_of(name, mode)
        if unit == "instructions":
            v = {k: c[k] for k in ("median", "min", "p10", "p90", "max")}
        elif unit == "ns":
            v = {k: round(c[k] * 1e9 / hz) for k in ("median", "min", "p10", "p90", "max")}
        else:
            rate = {k: round(hz / c[k]) if c[k] else 0 for k in ("median", "min", "p10", "p90", "max")}
            v = {"median": rate["median"], "min": rate["max"], "p10": rate["p90"], "p90": rate["p10"],
                 "max": rate["min"]}
        cases[name] = {"median": v["median"], "min": v["min"], "unit": unit, "p10": v["p10"], "p90": v["p90"],
                       "max": v["max"], "samples": c["n"],
                       "spread": round((v["p90"] - v["p10"]) / v["median"], 4) if v["median"] else 0.0}
    return cases


# ---------------------------------------------------------------- running QEMU

def qemu_base(mode, image="IMAGE"):
    """The QEMU command every guest shares: the test runner's, without its boot medium, with the
    NVMe disk (the raw image file `image`)."""
    cfg = dict(MACHINE, drives=[f"id=nvm0,file={image},if=none,format=raw"], devices=[NVME_DEVICE])
    cmd = testrun.qemu_command("CDROM", cfg, None)
    i = cmd.index("-cdrom")
    del cmd[i:i + 4]  # -cdrom CDROM -boot d
    if mode == "icount":
        cmd += ["-icount", "shift=0,sleep=off"]
    return cmd


def nvme_image(path, size=NVME_IMAGE_BYTES, seed=NVME_SEED):
    """Writes the disk every guest reads: zeros but for the first word of each 4 KiB block, which
    at byte offset o is splitmix64(seed ^ o) (little-endian), as the test runner's splitmix
    pattern has it there too."""
    data = bytearray(size)
    for off in range(0, size, 4096):
        struct.pack_into("<Q", data, off, testrun.splitmix64(seed ^ off))
    tmp = Path(str(path) + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def run_guest(label, cmd, timeout, log_path, until=None):
    """Runs one guest to its end, reporting each case as it finishes; returns (log, status).

    With `until` (a regular expression) QEMU is stopped once a line matches it, for a system
    that keeps running after the benchmark (status "until")."""
    say(f"{label}: {' '.join(cmd)}")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lines = []
    start = time.monotonic()
    reached = threading.Event()

    def reader():
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            m = RESULT.search(line)
            if m:
                say(f"{label}: {m.group(1)} done ({time.monotonic() - start:.1f} s)")
            elif NOT_RUN.search(line):
                say(f"{label}: {line[line.index('bench: ') + 7:]}")
            elif "bench: system" in line:
                say(f"{label}: guest up after {time.monotonic() - start:.1f} s, measuring")
            if until and re.search(until, line) and not reached.is_set():
                reached.set()
                proc.kill()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        status = None
    t.join(timeout=5)
    if reached.is_set():
        status = "until"
    text = "\n".join(lines) + "\n"
    Path(log_path).write_text(text)
    if status is None:
        say(f"{label}: no end within {timeout} s (log: {log_path})")
    return text, status


def wants_nvme(args):
    return any(is_nvme(c) and (not args.only or args.only in c) for _, c, _, _ in ROWS)


def wants_other(args):
    return any(not is_nvme(c) and (not args.only or args.only in c) for _, c, _, _ in ROWS)


def mod_args(args):
    return f"iters={args.iters}" + (f" only={args.only}" if args.only else "")


def cairn_run(args, work):
    """The micro-benchmarks: bench as init, alone."""
    build = Path(args.target_build)
    kernel = build / "kernel/kernel.elf"
    bench = build / "tools/bench/cairn/bench"
    bexit = build / "tools/bench/cairn/bench_exit"
    for f in (kernel, bench, bexit):
        if not f.exists():
            raise RuntimeError(f"{f} is missing: build first (tools/cairn build)")
    iso = work / "cairn-bench.iso"
    say("cairn: making the ISO (kernel, bench as init, bench_exit)")
    subprocess.run([str(ROOT / "tools/mkiso.sh"), str(iso), str(kernel), "test init=bench",
                    f"{bench}={mod_args(args)}", str(bexit)], check=True, stdout=subprocess.DEVNULL)
    cmd = qemu_base(args.mode, work / "nvme.img") + ["-cdrom", str(iso), "-boot", "d"]
    text, status = run_guest("cairn", cmd, args.timeout, work / "cairn.log")
    res = parse(text)
    if status != 33 or not res["done"]:
        raise RuntimeError(f"the Cairn run did not finish cleanly (QEMU status {status}, "
                           f"done line {'seen' if res['done'] else 'missing'}; log: {work / 'cairn.log'})")
    return res, cmd


def nvme_manifest(text, bench_args):
    """The NVMe boot's manifest: tools/bench/cairn/nvme/manifest with the bench component's
    args line replaced by `args nvme BENCH_ARGS`."""
    out, component, replaced = [], None, False
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["component"]:
            component = words[1] if len(words) > 1 else None
        if component == "bench" and words[:2] == ["args", "nvme"]:
            line = f"    args    nvme {bench_args}"
            replaced = True
        out.append(line)
    if not replaced:
        raise RuntimeError(f"{NVME_MANIFEST} has no 'args nvme' line in component bench")
    return "\n".join(out) + "\n"


def cairn_nvme_run(args, work):
    """The NVMe cases: the driver's system (init, ns, proc, acpi, pci, devmgr, nvme) with
    `bench nvme` as a component; QEMU is stopped at bench's done line (the servers go on)."""
    build = Path(args.target_build)
    kernel = build / "kernel/kernel.elf"
    mods = [build / m for m in NVME_MODULES]
    for f in [kernel] + mods:
        if not f.exists():
            raise RuntimeError(f"{f} is missing: build first (tools/cairn build)")
    nvdir = work / "nvme"
    nvdir.mkdir(exist_ok=True)
    bench_args = f"{mod_args(args)} seed={NVME_SEED:#x}" + (" soak" if args.mode == "icount" else "")
    (nvdir / "manifest").write_text(nvme_manifest(NVME_MANIFEST.read_text(), bench_args))
    iso = work / "cairn-bench-nvme.iso"
    say("cairn: making the NVMe ISO (init, the NVMe driver's system, bench nvme)")
    files = [str(mods[0]), str(nvdir / "manifest")] + [str(m) for m in mods[1:]] + [str(NVME_DRIVER_FILE)]
    subprocess.run([str(ROOT / "tools/mkiso.sh"), str(iso), str(kernel), "test init=init"] + files,
                   check=True, stdout=subprocess.DEVNULL)
    cmd = qemu_base(args.mode, work / "nvme.img") + ["-cdrom", str(iso), "-boot", "d"]
    text, status = run_guest("cairn-nvme", cmd, args.timeout, work / "cairn-nvme.log", until=r"bench: done \d+ cases")
    res = parse(text)
    if status != "until" or not res["done"]:
        raise RuntimeError(f"the Cairn NVMe run did not finish cleanly (QEMU status {status}, "
                           f"done line {'seen' if res['done'] else 'missing'}; log: {work / 'cairn-nvme.log'})")
    return res, cmd


def linux_build(work):
    """The static Linux programs and the initramfs holding them."""
    gcc = shutil.which("gcc")
    if not gcc:
        raise RuntimeError("gcc is missing (tools/deps.sh packages installs it)")
    src = ROOT / "tools/bench/linux"
    init, bexit, cpio = work / "bench_linux", work / "bench_exit_linux", work / "initramfs.cpio"
    say("linux: building the benchmark program (static, host gcc) and the initramfs")
    subprocess.run([gcc, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(init)] +
                   [str(src / f) for f in LINUX_SOURCES] + ["-lpthread"], check=True)
    subprocess.run([gcc, "-static", "-nostdlib", "-fno-pie", "-no-pie", "-O2", "-Wall", "-Wextra", "-Werror",
                    "-o", str(bexit), str(src / "bench_exit.c")], check=True)
    subprocess.run([sys.executable, str(ROOT / "tools/bench/mkinitramfs.py"), str(cpio), f"init={init}",
                    f"bench_exit={bexit}"], check=True)
    return cpio


def kernel_nvme(vmlinuz):
    """How the kernel has its NVMe driver (CONFIG_BLK_DEV_NVME from the config file the package
    puts next to it): "y" built in, "m" a module, None absent or no config file."""
    release = vmlinuz.resolve().name.removeprefix("vmlinuz-")
    config = vmlinuz.resolve().parent / f"config-{release}"
    if not config.exists():
        return None
    m = re.search(r"^CONFIG_BLK_DEV_NVME=([ym])$", config.read_text(errors="replace"), re.M)
    return m.group(1) if m else None


def linux_run(args, work):
    kdir = Path(args.deps) / "linux"
    vmlinuz = kdir / "vmlinuz"
    if not vmlinuz.exists():
        raise RuntimeError(f"{vmlinuz} is missing: run tools/deps.sh linux {args.deps}")
    version = (kdir / "version").read_text().strip() if (kdir / "version").exists() else "unknown"
    cpio = linux_build(work)
    init_args = mod_args(args)
    # The initramfs has no modules: the NVMe cases need the driver built in
    # (Debian's cloud kernel has it so); otherwise they say why they did not run.
    nvme = kernel_nvme(vmlinuz)
    if nvme == "y":
        init_args += f" nvme=nvme0n1 seed={NVME_SEED:#x}" + (" soak" if args.mode == "icount" else "")
    elif wants_nvme(args):
        say(f"linux: the kernel's NVMe driver is {'a module' if nvme == 'm' else 'not there'} "
            "(CONFIG_BLK_DEV_NVME): the NVMe cases cannot run")
    cmd = qemu_base(args.mode, work / "nvme.img") + ["-kernel", str(vmlinuz.resolve()), "-initrd", str(cpio),
                                                     "-append", f"{LINUX_APPEND} -- {init_args}"]
    say(f"linux: booting {version}")
    text, status = run_guest("linux", cmd, args.timeout, work / "linux.log")
    res = parse(text)
    if status != 0 or not res["done"]:
        raise RuntimeError(f"the Linux run did not finish cleanly (QEMU status {status}, "
                           f"done line {'seen' if res['done'] else 'missing'}; log: {work / 'linux.log'})")
    res["package"] = version
    return res, cmd


# ---------------------------------------------------------------- output

def fmt(v):
    return "-" if v is None else f"{v:,}"


def ratio(c, l):
    """Cairn's cost over Linux's: below 1 Cairn is faster. Of the medians, or for a rate (IOPS)
    of its inverse, Linux's median over Cairn's."""
    if not c or not l or not l["median"] or not c["median"]:
        return None
    if c["unit"] == RATE_UNIT:
        return l["median"] / c["median"]
    return c["median"] / l["median"]


def table(cairn, linux, vs_linux, why=None):
    """The rows as text. why: {"cairn": {case: reason}, "linux": {...}}, the guests' "unavailable"
    lines: such a figure shows as n/a, its reason in the last column (free text)."""
    why = why or {}
    cw, lw = why.get("cairn", {}), why.get("linux", {})
    head = ["case", "cairn median", "min", "spread"]
    head += ["linux median", "min", "spread", "cairn/linux", "linux side"] if vs_linux else [""]
    rows = [head]

    def cells(x, case, reasons):
        if not x:
            return ["n/a" if case in reasons else "-", "", ""] if case in reasons else ["-", "-", "-"]
        return [fmt(x["median"]), fmt(x["min"]), f"{x['spread']:.0%}"]

    for label, cc, lc, what in ROWS:
        c = cairn.get(cc)
        if not vs_linux and label != cc:
            continue  # the "vs" rows repeat a Cairn figure
        notes = [f"cairn: {cw[cc]}"] if not c and cc in cw else []
        row = [label] + cells(c, cc, cw)
        if vs_linux:
            lx = linux.get(lc)
            notes += [f"linux: {lw[lc]}"] if not lx and lc in lw else []
            r = ratio(c, lx)
            row += cells(lx, lc, lw) + [f"{r:.2f}" if r is not None else "-", "; ".join([what] + notes)]
        else:
            row.append("; ".join(notes))
        rows.append(row)
    # The last column is free text, left-aligned.
    width = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    out = []
    for i, r in enumerate(rows):
        line = [r[0].ljust(width[0])] + [r[j].rjust(width[j]) for j in range(1, len(r) - 1)] + [r[-1]]
        out.append("  ".join(line).rstrip())
        if i == 0:
            out.append("-" * max(len(out[0]), 40))
    return "\n".join(out)


def svg_chart(cairn, linux, unit, title):
    """Horizontal bars of log2(Cairn/Linux) per row: left of 1 Cairn is faster."""
    items = []
    for label, cc, lc, _ in ROWS:
        r = ratio(cairn.get(cc), linux.get(lc))
        if r:
            items.append((label, r))
    bar_h, gap, left, width, top = 18, 6, 250, 520, 56
    height = top + len(items) * (bar_h + gap) + 50
    span = max([3.0] + [abs(math.log2(r)) for _, r in items])
    span = math.ceil(span)
    mid = left + width / 2

    def x(r):
        return mid + math.log2(r) / span * (width / 2)

    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out = [f'<svg xmlns="{SVG_NS}" width="{left + width + 90}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">{esc(title)}</text>',
           f'<text x="10" y="38" fill="#555">median Cairn / median Linux ({esc(unit)}), log scale: '
           f'left of 1 Cairn is faster</text>']
    if unit != "instructions":
        out[-1] = out[-1].replace("</text>", f" (the nvme rows: Linux {RATE_UNIT} / Cairn {RATE_UNIT})</text>")
    for k in range(-span, span + 1):
        gx = mid + k / span * (width / 2)
        label = f"{2 ** k:g}" if k >= 0 else f"1/{2 ** -k:g}"
        out.append(f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{height - 40}" '
                   f'stroke="{"#000" if k == 0 else "#ddd"}"/>')
        out.append(f'<text x="{gx:.1f}" y="{height - 24}" text-anchor="middle" fill="#555">{label}</text>')
    for i, (label, r) in enumerate(items):
        y = top + i * (bar_h + gap)
        x0, x1 = sorted((mid, x(r)))
        color = "#2e7d32" if r < 1 else "#c62828"
        out.append(f'<text x="{left - 8}" y="{y + bar_h - 5}" text-anchor="end">{esc(label)}</text>')
        out.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" fill="{color}"/>')
        tx, anchor = (x1 + 4, "start") if r >= 1 else (x0 - 4, "end")
        if r < 1 and x0 - 4 < left + 30:
            tx, anchor = x1 + 4, "start"
        out.append(f'<text x="{tx:.1f}" y="{y + bar_h - 5}" text-anchor="{anchor}">{r:.2f}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_json(cairn, linux, meta):
    """{"cairn": {CASE: {median, min, unit, ...}}, "linux": {...}, "meta": {...}} as text."""
    return json.dumps({"cairn": cairn, "linux": linux, "meta": meta}, indent=2) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target-build", default=str(ROOT / "build/target"))
    ap.add_argument("--deps", default=str(ROOT / "build/deps"))
    ap.add_argument("--vs-linux", action="store_true", help="also run the Linux guest")
    ap.add_argument("--mode", choices=("icount", "tcg"), default="icount")
    ap.add_argument("--json", help="write the results as JSON to this file")
    ap.add_argument("--svg", help="write the chart of ratios here (default: next to --json, .svg)")
    ap.add_argument("--iters", type=int, default=2000, help="iterations of the cheap cases (default 2000)")
    ap.add_argument("--only", help="only the cases whose name contains this")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per guest run (default 600)")
    ap.add_argument("--work", help="where ISOs, initramfs and logs go (default TARGET_BUILD/bench)")
    args = ap.parse_args(argv)
    if args.only and not re.fullmatch(r"[A-Za-z0-9_]+", args.only):
        ap.error("--only takes letters, digits and _")

    work = Path(args.work or Path(args.target_build) / "bench")
    work.mkdir(parents=True, exist_ok=True)
    runs = {}  # "cairn", "cairn_nvme", "linux": (parsed log, QEMU command)
    try:
        nvme_image(work / "nvme.img")
        if wants_other(args) or not wants_nvme(args):
            runs["cairn"] = cairn_run(args, work)
        if wants_nvme(args):
            runs["cairn_nvme"] = cairn_nvme_run(args, work)
        if args.vs_linux:
            runs["linux"] = linux_run(args, work)
        cairn = {}
        for key in ("cairn", "cairn_nvme"):
            if key in runs:
                cairn.update(in_unit(runs[key][0], args.mode))
        linux = in_unit(runs["linux"][0], args.mode) if "linux" in runs else {}
    except (RuntimeError, subprocess.CalledProcessError) as e:
        say(f"error: {e}")
        return 1

    linux_res = runs["linux"][0] if "linux" in runs else None
    why = {"cairn": {}, "linux": linux_res["unavailable"] if linux_res else {}}
    notes = []
    for key in ("cairn", "cairn_nvme", "linux"):
        if key in runs:
            why.setdefault(key.split("_")[0], {}).update(runs[key][0]["unavailable"])
            notes += [f"{key.split('_')[0]}: {n}" for n in runs[key][0]["notes"]]
    unit = "instructions" if args.mode == "icount" else "ns"
    per = f"unit {unit} per operation" + (f" ({RATE_UNIT} for the nvme rows)" if unit != "instructions" else "")
    print(f"\nCairn{' vs ' + linux_res['system'] if linux_res else ''}: mode {args.mode}, {per}, "
          f"{args.iters} iterations (spread: p10 to p90 over the median)\n")
    print(table(cairn, linux, bool(linux_res), why))
    for sysname in ("cairn", "linux"):
        for case, reason in why.get(sysname, {}).items():
            print(f"{sysname}: {case} not measured: {reason}")
    for note in notes:
        print(note)

    meta = {"mode": args.mode, "unit": unit, "iters": args.iters,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "qemu": {k: runs[k][1] if k in runs else None for k in ("cairn", "cairn_nvme", "linux")},
            "tsc_hz": {k: runs[k][0]["tsc_hz"] if k in runs else None for k in ("cairn", "cairn_nvme", "linux")},
            "linux_kernel": linux_res and {"release": linux_res["system"], "package": linux_res["package"]},
            "rows": [{"row": r, "cairn": c, "linux": l, "linux_side": w} for r, c, l, w in ROWS],
            "nvme": {"image_bytes": NVME_IMAGE_BYTES, "seed": NVME_SEED, "device": NVME_DEVICE,
                     "soak": args.mode == "icount",
                     "unit": RATE_UNIT if args.mode == "tcg" else "instructions"},
            "unavailable": why}
    if args.json:
        Path(args.json).write_text(to_json(cairn, linux, meta))
        say(f"wrote {args.json}")
    svg = args.svg or (str(Path(args.json).with_suffix(".svg")) if args.json else None)
    if svg and linux:
        Path(svg).write_text(svg_chart(cairn, linux, unit, f"Cairn vs {linux_res['system']}, {args.mode} mode"))
        say(f"wrote {svg}")
    elif svg:
        say("no chart without --vs-linux (it shows Cairn/Linux ratios)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
