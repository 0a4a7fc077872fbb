#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cairn's benchmarks, side by side with Linux (docs/benchmarks.md).

    bench.py --target-build DIR [--deps DIR] [--vs-linux] [--mode icount|tcg]
             [--json FILE] [--svg FILE] [--iters N] [--only TEXT]

Boots Cairn with the bench program as init, and with --vs-linux a Linux
guest (Debian's kernel from DIR/linux/vmlinuz, tools/deps.sh linux) whose
/init is the same micro-benchmarks written for Linux, both under one QEMU
command line that differs only in how the guest is loaded. Prints a table
(median, minimum and spread per case, and the ratio Cairn/Linux), and
writes the JSON and an SVG chart of the ratios when asked.

Modes: icount (-icount shift=0,sleep=off: a TSC tick is one guest
instruction, so figures are instruction counts, the same run to run) and
tcg (plain TCG: TSC ticks follow the host clock and are turned into ns with
the rate each guest measured).
"""
import argparse
import datetime
import json
import math
import re
import shutil
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
]
# Cases no guest can run yet: listed in the table and the JSON as such.
UNAVAILABLE = {
    "nvme_randread_4k_qd1": "no NVMe driver yet",
    "nvme_randread_4k_qd32": "no NVMe driver yet",
}

RESULT = re.compile(r"bench: (\S+) n=(\d+) min=(\d+) p10=(\d+) median=(\d+) p90=(\d+) max=(\d+)")
NOT_RUN = re.compile(r"bench: (\S+) unavailable (.*)")


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
        m = re.search(r"bench: (yield: .*|spawn: .*|\S+: chan_call failed.*)$", line)
        if m:
            out["notes"].append(m.group(1).strip())
    return out


def in_unit(result, mode):
    """{case: {median, min, unit, p10, p90, max, samples, spread}} in the mode's unit."""
    hz = result["tsc_hz"]
    if mode == "icount":
        scale, unit = 1.0, "instructions"
    else:
        if not hz:
            raise RuntimeError("the guest reported no TSC rate: cannot convert to ns")
        scale, unit = 1e9 / hz, "ns"
    cases = {}
    for name, c in result["cases"].items():
        v = {k: round(c[k] * scale) for k in ("median", "min", "p10", "p90", "max")}
        cases[name] = {"median": v["median"], "min": v["min"], "unit": unit, "p10": v["p10"], "p90": v["p90"],
                       "max": v["max"], "samples": c["n"],
                       "spread": round((c["p90"] - c["p10"]) / c["median"], 4) if c["median"] else 0.0}
    return cases


# ---------------------------------------------------------------- running QEMU

def qemu_base(mode):
    """The QEMU command both guests share: the test runner's, without its boot medium."""
    cmd = testrun.qemu_command("IMAGE", MACHINE, None)
    i = cmd.index("-cdrom")
    del cmd[i:i + 4]  # -cdrom IMAGE -boot d
    if mode == "icount":
        cmd += ["-icount", "shift=0,sleep=off"]
    return cmd


def run_guest(label, cmd, timeout, log_path):
    """Runs one guest to its end, reporting each case as it finishes; returns (log, status)."""
    say(f"{label}: {' '.join(cmd)}")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lines = []
    start = time.monotonic()

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

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        status = None
    t.join(timeout=5)
    text = "\n".join(lines) + "\n"
    Path(log_path).write_text(text)
    if status is None:
        say(f"{label}: no end within {timeout} s (log: {log_path})")
    return text, status


def cairn_run(args, work):
    build = Path(args.target_build)
    kernel = build / "kernel/kernel.elf"
    bench = build / "tools/bench/cairn/bench"
    bexit = build / "tools/bench/cairn/bench_exit"
    for f in (kernel, bench, bexit):
        if not f.exists():
            raise RuntimeError(f"{f} is missing: build first (tools/cairn build)")
    iso = work / "cairn-bench.iso"
    mod_args = f"iters={args.iters}" + (f" only={args.only}" if args.only else "")
    say("cairn: making the ISO (kernel, bench as init, bench_exit)")
    subprocess.run([str(ROOT / "tools/mkiso.sh"), str(iso), str(kernel), "test init=bench",
                    f"{bench}={mod_args}", str(bexit)], check=True, stdout=subprocess.DEVNULL)
    cmd = qemu_base(args.mode) + ["-cdrom", str(iso), "-boot", "d"]
    text, status = run_guest("cairn", cmd, args.timeout, work / "cairn.log")
    res = parse(text)
    if status != 33 or not res["done"]:
        raise RuntimeError(f"the Cairn run did not finish cleanly (QEMU status {status}, "
                           f"done line {'seen' if res['done'] else 'missing'}; log: {work / 'cairn.log'})")
    return res, cmd


def linux_build(work):
    """The static Linux programs and the initramfs holding them."""
    gcc = shutil.which("gcc")
    if not gcc:
        raise RuntimeError("gcc is missing (tools/deps.sh packages installs it)")
    src = ROOT / "tools/bench/linux"
    init, bexit, cpio = work / "bench_linux", work / "bench_exit_linux", work / "initramfs.cpio"
    say("linux: building the benchmark program (static, host gcc) and the initramfs")
    subprocess.run([gcc, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(init),
                    str(src / "bench_linux.c"), "-lpthread"], check=True)
    subprocess.run([gcc, "-static", "-nostdlib", "-fno-pie", "-no-pie", "-O2", "-Wall", "-Wextra", "-Werror",
                    "-o", str(bexit), str(src / "bench_exit.c")], check=True)
    subprocess.run([sys.executable, str(ROOT / "tools/bench/mkinitramfs.py"), str(cpio), f"init={init}",
                    f"bench_exit={bexit}"], check=True)
    return cpio


def linux_run(args, work):
    kdir = Path(args.deps) / "linux"
    vmlinuz = kdir / "vmlinuz"
    if not vmlinuz.exists():
        raise RuntimeError(f"{vmlinuz} is missing: run tools/deps.sh linux {args.deps}")
    version = (kdir / "version").read_text().strip() if (kdir / "version").exists() else "unknown"
    cpio = linux_build(work)
    init_args = f"iters={args.iters}" + (f" only={args.only}" if args.only else "")
    cmd = qemu_base(args.mode) + ["-kernel", str(vmlinuz.resolve()), "-initrd", str(cpio),
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
    if not c or not l or not l["median"]:
        return None
    return c["median"] / l["median"]


def table(cairn, linux, vs_linux):
    head = ["case", "cairn median", "min", "spread"]
    if vs_linux:
        head += ["linux median", "min", "spread", "cairn/linux", "linux side"]
    rows = [head]
    for label, cc, lc, what in ROWS:
        c = cairn.get(cc)
        if not vs_linux and label != cc:
            continue  # the "vs" rows repeat a Cairn figure
        row = [label, fmt(c and c["median"]), fmt(c and c["min"]), f"{c['spread']:.0%}" if c else "-"]
        if vs_linux:
            lx = linux.get(lc)
            r = ratio(c, lx)
            row += [fmt(lx and lx["median"]), fmt(lx and lx["min"]), f"{lx['spread']:.0%}" if lx else "-",
                    f"{r:.2f}" if r is not None else "-", what]
        rows.append(row)
    # The last column of a --vs-linux table is free text, left-aligned; a
    # Cairn-only table gets the reasons of unavailable rows after its columns.
    free = 1 if vs_linux else 0
    for name, why in UNAVAILABLE.items():
        rows.append([name, "n/a"] + [""] * (len(head) - 3) + [why if vs_linux else ""])
    width = [max(len(r[i]) for r in rows) for i in range(len(head))]
    out = []
    for i, r in enumerate(rows):
        cells = [r[0].ljust(width[0])] + [r[j].rjust(width[j]) for j in range(1, len(r) - free)]
        if vs_linux:
            cells.append(r[-1])
        elif r[0] in UNAVAILABLE:
            cells.append(UNAVAILABLE[r[0]])
        out.append("  ".join(cells).rstrip())
        if i == 0:
            out.append("-" * len(out[0]))
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

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">{esc(title)}</text>',
           f'<text x="10" y="38" fill="#555">median Cairn / median Linux ({esc(unit)}), log scale: '
           f'left of 1 Cairn is faster</text>']
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
    try:
        cairn_res, cairn_cmd = cairn_run(args, work)
        linux_res, linux_cmd = linux_run(args, work) if args.vs_linux else (None, None)
        cairn = in_unit(cairn_res, args.mode)
        linux = in_unit(linux_res, args.mode) if linux_res else {}
    except (RuntimeError, subprocess.CalledProcessError) as e:
        say(f"error: {e}")
        return 1

    unit = "instructions" if args.mode == "icount" else "ns"
    print(f"\nCairn{' vs ' + linux_res['system'] if linux_res else ''}: mode {args.mode}, unit {unit} "
          f"per operation, {args.iters} iterations (spread: p10 to p90 over the median)\n")
    print(table(cairn, linux, bool(linux_res)))
    for sysname, res in (("cairn", cairn_res), ("linux", linux_res)):
        if res:
            for case, why in res["unavailable"].items():
                print(f"{sysname}: {case} not measured: {why}")
            for note in res["notes"]:
                print(f"{sysname}: {note}")

    meta = {"mode": args.mode, "unit": unit, "iters": args.iters,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "qemu": {"cairn": cairn_cmd, "linux": linux_cmd},
            "tsc_hz": {"cairn": cairn_res["tsc_hz"], "linux": linux_res and linux_res["tsc_hz"]},
            "linux_kernel": linux_res and {"release": linux_res["system"], "package": linux_res["package"]},
            "rows": [{"row": r, "cairn": c, "linux": l, "linux_side": w} for r, c, l, w in ROWS],
            "unavailable": UNAVAILABLE}
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
