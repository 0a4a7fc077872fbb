#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Cairn's test runner: host unit tests (ctest) and QEMU runs, one verdict each.

    testrun.py --target-build build/target --host-build build/host [-j N] [-k PATTERN]

Every result is one line, "PASS name" or "FAIL name: reason", and the run
ends with the closing line "N passed, M failed"; the exit status is 1 when
anything failed.

QEMU runs are described by tests/qemu/*.test files (INI). Keys of [test]:
    cmdline     kernel command line ("test" is always added: it makes the
                kernel report through isa-debug-exit)
    modules     boot modules, one per line: PATH [ARGS] (PATH relative to the
                repository, or @build/PATH relative to the target build tree)
    iso         boot this ISO (e.g. @build/cairn.iso, what `cairn run` boots)
                instead of one made from cmdline and modules; its own
                command line applies, so the kernel is not in test mode
    expect      regular expressions that must all appear in the serial log
    forbid      regular expressions that must not appear; a kernel panic or
                exception report is always forbidden unless panic = expected
    panic       "expected" when the run is meant to end in a kernel panic
    exit        expected QEMU exit status (default 33: the kernel's "pass";
                35 is "fail", 37 "panic")
    until       stop QEMU as soon as this expression appears (for runs that
                cannot exit by themselves)
    timeout     seconds before QEMU is killed (default 60); a run that times
                out fails, unless outcome = timeout
    outcome     what the run itself must produce: pass (default), fail or
                timeout. The test passes when the run's outcome matches:
                this is how the runner's own failure detection is tested.
                The expect patterns must appear whatever the outcome.
    caught      with outcome = fail: a regular expression the runner's
                failure reasons must match (proof it failed for the right
                reason, e.g. "forbidden /KERNEL PANIC/")
    machines, smp, mem, cpu
                space-separated lists; the run repeats for every combination
                (defaults: "q35 pc", "1", "128M", "max")
    tcg         "single": all virtual CPUs on one host thread
                (-accel tcg,thread=single) instead of one thread each. For
                systems that change PCI decoding while other CPUs run: QEMU
                7.2's multi-threaded TCG can then crash in
                memory_region_dispatch_write (a stale memory region after
                the change; seen as QEMU dying of SIGSEGV in smp runs of the
                pci server). The guest still has every CPU; only QEMU's
                threads differ.
    devices     extra QEMU devices, one per line, each passed as
                "-device LINE" (e.g. "edu", or "pcie-root-port,id=rp" and
                then "edu,bus=rp" on q35)
    drives      extra QEMU drives, one per line, each passed as "-drive LINE",
                for the devices to use (e.g. "if=none,id=d0,driver=null-co,
                size=16M,read-zeroes=on" and then "nvme,serial=c0,drive=d0"
                in devices: QEMU's null block driver needs no image file)
    image       disk images made before each run, one per line:
                "NAME SIZE PATTERN SEED". SIZE in bytes (K, M, G suffixes);
                PATTERN "splitmix": the 8-byte little-endian word at byte
                offset o is splitmix64(SEED ^ o) (drivers-user/nvme/
                nvme_pattern.h has the same generator), or "zero". Each run
                of the matrix gets its own file, test-runs/LABEL.NAME.img (LABEL
                with [,] as _),
                deleted after a passing run and kept after a failing one.
    drive       QEMU drives on those images, one per line: "ID IMAGE
                [OPTIONS]" becomes "-drive id=ID,file=<IMAGE's file>,
                if=none,format=raw[,OPTIONS]" (OPTIONS e.g.
                "discard=unmap" or "throttling.bps-read=8192"); a device
                line names it ("nvme,serial=a,drive=ID")
    image-check after QEMU has ended, compare a range of an image, one per
                line: "IMAGE OFFSET LENGTH PATTERN SEED" (OFFSET and LENGTH
                multiples of 8, K/M/G suffixes); a difference fails the run
                with the first differing offset and the count of differing
                words
    A line of a list that starts with "#" is a comment to the INI reader:
    write [#] in patterns that start with it.
    monitor     "REGEX => COMMAND": once REGEX appears in the log, send
                COMMAND to QEMU's human monitor (e.g. "waiting => nmi"); the
                monitor's answer (up to its next prompt, 10 s at most) goes
                into the log after the serial output, each line prefixed
                "monitor: ". The command is
                sent before until is checked, so one pattern can be both.
    check       a named comparison of the log, failing the run on a mismatch:
                "lspci-vs-info-pci": the guest shell's `lspci` lines
                ("bb:dd.f vvvv:dddd cccc ...") and QEMU's own `info pci` (a
                monitor answer in the log) must list the same functions with
                the same vendor:device pairs, and the same class codes
                (QEMU prints a class as a name from its table, or as
                "Class NNNN" in decimal: a name matches the codes it has)
    input       lines "REGEX => TEXT": once REGEX appears in the log, type
                TEXT on the serial line (escapes: \\r \\n \\t \\xHH), in order
    ktests      "yes" to count each "ktest: PASS/FAIL name" line of the log as
                a result of its own (and "utest: ..." lines of the in-guest
                system tests the same way)
"""
import argparse
import array
import configparser
import concurrent.futures
import hashlib
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PANIC_PATTERNS = [r"KERNEL PANIC", r"\*\*\* EXCEPTION"]
EXIT_NAMES = {33: "pass", 35: "fail", 37: "panic"}
print_lock = threading.Lock()


def say(line):
    with print_lock:
        print(line, flush=True)


# ---------------------------------------------------------------- host tests

# "1/8 Test #1: test_buddy .......   Passed    0.05 sec", or "***Failed",
# "Subprocess aborted***Exception:", "***Timeout"...: anything but Passed fails.
CTEST_LINE = re.compile(r"Test\s+#\d+:\s+(\S+)\s+\.*\s*(.*?)\s+[0-9.]+\s+sec")


def run_ctest(build_dir, label):
    """Runs ctest in build_dir; returns [(name, ok, reason)]."""
    if not (Path(build_dir) / "CTestTestfile.cmake").exists():
        return [(f"{label}: ctest", False, f"{build_dir} has no tests (not configured?)")]
    proc = subprocess.run(["ctest", "--test-dir", str(build_dir), "--output-on-failure"],
                          capture_output=True, text=True)
    results = []
    for m in CTEST_LINE.finditer(proc.stdout):
        ok = m.group(2) == "Passed"
        results.append((f"{label}: {m.group(1)}", ok, "" if ok else m.group(2).strip("*")))
    if not results:
        results.append((f"{label}: ctest", False, "ctest ran no tests"))
    elif proc.returncode != 0 and all(ok for _, ok, _ in results):
        results.append((f"{label}: ctest", False, f"ctest exited with {proc.returncode}"))
    if any(not ok for _, ok, _ in results):
        say(proc.stdout[-6000:])
    return results


# ---------------------------------------------------------------- QEMU runs

KNOWN_KEYS = {"iso", "cmdline", "modules", "expect", "forbid", "panic", "exit", "until", "timeout", "outcome",
              "caught", "machines", "smp", "mem", "cpu", "ktests", "monitor", "input", "devices", "tcg",
              "check", "drives", "image", "drive", "image-check"}


# ---------------------------------------------------------------- disk images

MASK64 = (1 << 64) - 1
IMAGE_PATTERNS = ("splitmix", "zero")


def splitmix64(x):
    """Steele, Lea and Flood's splitmix64 (one state step and the output mix):
    splitmix64(0) = 0xe220a8397b1dcdaf, as drivers-user/nvme/nvme_pattern.h."""
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def pattern_bytes(pattern, seed, offset, length):
    """The bytes [offset, offset + length) of a disk filled with pattern
    (offset and length multiples of 8)."""
    if pattern == "zero":
        return bytes(length)
    words = array.array("Q", (splitmix64(seed ^ o) for o in range(offset, offset + length, 8)))
    if sys.byteorder != "little":
        words.byteswap()
    return words.tobytes()


def parse_size(text):
    m = re.fullmatch(r"(0x[0-9a-fA-F]+|\d+)([KMG]?)", text)
    if not m:
        raise ValueError(f"bad size {text!r} (bytes, with K, M or G)")
    return int(m.group(1), 0) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def parse_pattern(words, what):
    pattern, seed = words
    if pattern not in IMAGE_PATTERNS:
        raise ValueError(f"{what}: pattern {pattern!r} is not one of {', '.join(IMAGE_PATTERNS)}")
    return pattern, int(seed, 0)


def make_image(path, size, pattern, seed, cache_dir):
    """Writes the image; the same (size, pattern, seed) is generated once and copied after."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"{pattern}-{seed:x}-{size}.img"
    if not cached.exists():
        tmp = cached.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
        with open(tmp, "wb") as f:
            for off in range(0, size, 1 << 20):
                f.write(pattern_bytes(pattern, seed, off, min(1 << 20, size - off)))
        os.replace(tmp, cached)
    shutil.copyfile(cached, path)


def check_image(path, name, offset, length, pattern, seed):
    """Failure reasons (empty when the range holds the pattern)."""
    with open(path, "rb") as f:
        f.seek(offset)
        got = f.read(length)
    if len(got) != length:
        return [f"image-check {name}: only {len(got)} of {length} bytes at {offset:#x}"]
    want = pattern_bytes(pattern, seed, offset, length)
    if got == want:
        return []
    bad = [o for o in range(0, length, 8) if got[o:o + 8] != want[o:o + 8]]
    return [f"image-check {name} {offset:#x}+{length:#x} {pattern} {seed:#x}: {len(bad)} of {length // 8} "
            f"words differ, the first at byte {offset + bad[0]:#x} (got {got[bad[0]:bad[0] + 8].hex()}, "
            f"want {want[bad[0]:bad[0] + 8].hex()})"]


class Spec:
    def __init__(self, path):
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(path)
        if "test" not in cp:
            raise ValueError(f"{path}: no [test] section")
        t = cp["test"]
        unknown = set(t.keys()) - KNOWN_KEYS
        if unknown:
            raise ValueError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
        self.name = Path(path).stem
        self.cmdline = ("test " + t.get("cmdline", "")).strip()
        self.iso = t.get("iso", "")
        self.modules = [l.strip() for l in t.get("modules", "").splitlines() if l.strip()]
        self.expect = [l.strip() for l in t.get("expect", "").splitlines() if l.strip()]
        self.forbid = [l.strip() for l in t.get("forbid", "").splitlines() if l.strip()]
        self.panic_expected = t.get("panic", "") == "expected"
        if not self.panic_expected:
            self.forbid += PANIC_PATTERNS
        self.exit = t.getint("exit", 37 if self.panic_expected else 33)
        self.until = t.get("until", "")
        self.timeout = t.getfloat("timeout", 60)
        self.outcome = t.get("outcome", "pass")
        self.caught = t.get("caught", "")
        if self.outcome not in ("pass", "fail", "timeout"):
            raise ValueError(f"{path}: outcome must be pass, fail or timeout")
        self.machines = t.get("machines", "q35 pc").split()
        self.smp = t.get("smp", "1").split()
        self.mem = t.get("mem", "128M").split()
        self.cpu = t.get("cpu", "max").split()
        self.devices = [l.strip() for l in t.get("devices", "").splitlines() if l.strip()]
        self.raw_drives = [l.strip() for l in t.get("drives", "").splitlines() if l.strip()]
        self.images = {}
        for line in t.get("image", "").splitlines():
            w = line.split()
            if not w:
                continue
            if len(w) != 4:
                raise ValueError(f"{path}: image line is not NAME SIZE PATTERN SEED: {line.strip()}")
            if not re.fullmatch(r"[A-Za-z0-9_-]+", w[0]) or w[0] in self.images:
                raise ValueError(f"{path}: image name {w[0]!r} is not a simple name or is repeated")
            self.images[w[0]] = (parse_size(w[1]),) + parse_pattern(w[2:], f"{path}: image {w[0]}")
        self.drives = []
        for line in t.get("drive", "").splitlines():
            w = line.split()
            if not w:
                continue
            if len(w) not in (2, 3) or w[1] not in self.images:
                raise ValueError(f"{path}: drive line is not ID IMAGE [OPTIONS] of a declared image: {line.strip()}")
            self.drives.append((w[0], w[1], w[2] if len(w) == 3 else ""))
        self.image_checks = []
        for line in t.get("image-check", "").splitlines():
            w = line.split()
            if not w:
                continue
            if len(w) != 5 or w[0] not in self.images:
                raise ValueError(f"{path}: image-check line is not IMAGE OFFSET LENGTH PATTERN SEED "
                                 f"of a declared image: {line.strip()}")
            off, length = parse_size(w[1]), parse_size(w[2])
            if off % 8 or length % 8 or length == 0 or off + length > self.images[w[0]][0]:
                raise ValueError(f"{path}: image-check range {w[1]}+{w[2]} is not whole words inside {w[0]}")
            self.image_checks.append((w[0], off, length) + parse_pattern(w[3:], f"{path}: image-check"))
        self.tcg = t.get("tcg", "").strip()
        if self.tcg not in ("", "single"):
            raise ValueError(f"{path}: tcg must be single (or absent)")
        self.ktests = t.getboolean("ktests", False)
        trigger, _, command = t.get("monitor", "").partition("=>")
        self.monitor = (trigger.strip(), command.strip()) if command.strip() else None
        self.checks = t.get("check", "").split()
        for c in self.checks:
            if c not in CHECKS:
                raise ValueError(f"{path}: unknown check {c} (known: {', '.join(sorted(CHECKS))})")
        self.inputs = []
        for line in t.get("input", "").splitlines():
            if not line.strip():
                continue
            trig, sep, text = line.partition("=>")
            if not sep:
                raise ValueError(f"{path}: input line without '=>': {line.strip()}")
            text = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text.strip())
            text = text.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t")
            self.inputs.append((re.compile(trig.strip()), text))

    def configs(self):
        for m, s, mem, cpu in itertools.product(self.machines, self.smp, self.mem, self.cpu):
            yield {"machine": m, "smp": s, "mem": mem, "cpu": cpu, "devices": self.devices, "drives": self.raw_drives,
                   "tcg": self.tcg}


def config_label(spec, cfg):
    parts = [cfg["machine"], f"smp{cfg['smp']}", cfg["mem"]]
    if len(spec.cpu) > 1 or cfg["cpu"] != "max":
        parts.append(cfg["cpu"])
    return f"{spec.name}[{','.join(parts)}]"


def module_path(path, build_dir):
    if path.startswith("@build/"):
        return Path(build_dir) / path[len("@build/"):]
    return ROOT / path


def make_iso(spec, kernel, iso_dir):
    """One ISO per (kernel, command line, modules), reused across the matrix."""
    h = hashlib.sha256()
    h.update(Path(kernel).read_bytes())
    h.update((ROOT / "tools/mkiso.sh").read_bytes())
    h.update(spec.cmdline.encode())
    mod_args = []
    for line in spec.modules:
        path, _, args = line.partition(" ")
        full = module_path(path, Path(kernel).parent.parent)
        h.update(full.read_bytes())
        h.update(line.encode())
        mod_args.append(f"{full}={args}" if args else str(full))
    iso = Path(iso_dir) / f"{spec.name}-{h.hexdigest()[:12]}.iso"
    for old in Path(iso_dir).glob(f"{spec.name}-????????????.iso"):
        if old != iso:
            old.unlink()  # built for an older kernel
    if not iso.exists():
        subprocess.run([str(ROOT / "tools/mkiso.sh"), str(iso), str(kernel), spec.cmdline, *mod_args],
                       check=True)
    return iso


def qemu_command(iso, cfg, monitor_sock, drives=()):
    monitor = f"unix:{monitor_sock},server=on,wait=off" if monitor_sock else "none"
    accel = "tcg,thread=single" if cfg.get("tcg") == "single" else "tcg"
    return ["qemu-system-x86_64", "-accel", accel, "-machine", cfg["machine"], "-m", cfg["mem"],
            "-smp", cfg["smp"], "-cpu", cfg["cpu"], "-display", "none", "-serial", "stdio",
            "-monitor", monitor, "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-cdrom", str(iso), "-boot", "d"] + \
        [a for d in list(cfg.get("drives", ())) + list(drives) for a in ("-drive", d)] + \
        [a for d in cfg.get("devices", ()) for a in ("-device", d)]


def read_until_prompt(s, deadline):
    """Reads the monitor socket up to its next "(qemu) " prompt (or deadline)."""
    data = b""
    while not data.endswith(b"(qemu) ") and time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def send_monitor(sock_path, command):
    """Sends command to QEMU's human monitor; returns its answer as text."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(sock_path))
        read_until_prompt(s, time.monotonic() + 5)  # the banner and first prompt
        s.sendall(command.encode() + b"\n")
        answer = read_until_prompt(s, time.monotonic() + 10)
    text = re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", answer).decode("utf-8", "replace").replace("\r", "")
    lines = text.split("\n")
    if lines and lines[-1].strip() == "(qemu)":
        lines.pop()  # the next prompt
    if lines and lines[0].strip().endswith(command):
        lines.pop(0)  # the monitor's echo of the command
    return lines


def run_qemu(cmd, timeout, until, log_path, monitor=None, monitor_sock=None, inputs=()):
    """Runs QEMU; returns (log text, exit status or None, how it ended)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.PIPE if inputs else subprocess.DEVNULL)
    pending = list(inputs)
    chunks = []

    def reader():
        for chunk in iter(lambda: proc.stdout.read1(4096), b""):
            chunks.append(chunk)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    deadline = time.monotonic() + timeout
    until_re = re.compile(until) if until else None
    monitor_re = re.compile(monitor[0]) if monitor else None
    # The monitor's answers go after the serial output, not into it: the
    # serial line may be in the middle of a line when the answer comes.
    monitor_out = []
    ended = "exit"
    while proc.poll() is None:
        if time.monotonic() > deadline:
            ended = "timeout"
            break
        text = b"".join(chunks).decode("utf-8", "replace")
        if monitor_re and monitor_re.search(text):
            monitor_re = None
            try:
                lines = send_monitor(monitor_sock, monitor[1])
                monitor_out += [f"monitor: {l}\n" for l in [f"(qemu) {monitor[1]}"] + lines]
            except OSError as e:
                monitor_out.append(f"[testrun: cannot reach the QEMU monitor: {e}]\n")
        if until_re and until_re.search(text):
            ended = "until"
            break
        if pending and pending[0][0].search(text):
            try:
                proc.stdin.write(pending.pop(0)[1].encode())
                proc.stdin.flush()
            except OSError as e:
                chunks.append(f"\n[testrun: cannot type on the serial line: {e}]\n".encode())
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    t.join(timeout=5)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r", "")
    if monitor_out:
        text += ("" if text.endswith("\n") else "\n") + "".join(monitor_out)
    Path(log_path).write_text(text)
    return text, (proc.returncode if ended == "exit" else None), ended


def missing_patterns(spec, text):
    return [f"missing /{pat}/" for pat in spec.expect if not re.search(pat, text)]


# ---------------------------------------------------------------- checks

# QEMU's class names (hw/pci/pci.c, pci_class_descriptions): `info pci`
# prints the name when the class code is in this table, "Class NNNN"
# (decimal) otherwise. Some names stand for more than one code.
QEMU_CLASS_NAMES = {
    0x0001: "VGA controller", 0x0100: "SCSI controller", 0x0101: "IDE controller",
    0x0102: "Floppy controller", 0x0103: "IPI controller", 0x0104: "RAID controller",
    0x0106: "SATA controller", 0x0107: "SAS controller", 0x0180: "Storage controller",
    0x0200: "Ethernet controller", 0x0201: "Token Ring controller", 0x0202: "FDDI controller",
    0x0203: "ATM controller", 0x0280: "Network controller", 0x0300: "VGA controller",
    0x0301: "XGA controller", 0x0302: "3D controller", 0x0380: "Display controller",
    0x0400: "Video controller", 0x0401: "Audio controller", 0x0402: "Phone",
    0x0403: "Audio controller", 0x0480: "Multimedia controller", 0x0500: "RAM controller",
    0x0501: "Flash controller", 0x0580: "Memory controller", 0x0600: "Host bridge",
    0x0601: "ISA bridge", 0x0602: "EISA bridge", 0x0603: "MC bridge", 0x0604: "PCI bridge",
    0x0605: "PCMCIA bridge", 0x0606: "NUBUS bridge", 0x0607: "CARDBUS bridge",
    0x0608: "RACEWAY bridge", 0x0680: "Bridge", 0x0700: "Serial port", 0x0701: "Parallel port",
    0x0800: "Interrupt controller", 0x0801: "DMA controller", 0x0802: "Timer", 0x0803: "RTC",
    0x0900: "Keyboard", 0x0901: "Pen", 0x0902: "Mouse", 0x0A00: "Dock station",
    0x0B00: "i386 cpu", 0x0c00: "Firewire controller", 0x0c01: "Access bus controller",
    0x0c02: "SSA controller", 0x0c03: "USB controller", 0x0c04: "Fibre channel controller",
    0x0c05: "SMBus",
}
LSPCI_LINE = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ([0-9a-f]{4}):([0-9a-f]{4}) ([0-9a-f]{4}) ", re.M)
INFO_PCI_FUNC = re.compile(r"^monitor:\s+Bus\s+(\d+), device\s+(\d+), function (\d+):\n"
                           r"monitor:\s+(.*?): PCI device ([0-9a-f]{4}):([0-9a-f]{4})$", re.M)


def check_lspci_vs_info_pci(text):
    """The guest's lspci against QEMU's info pci; returns failure reasons."""
    guest = {}
    for m in LSPCI_LINE.finditer(text):
        bdf = tuple(int(g, 16) for g in m.group(1, 2, 3))
        guest[bdf] = (m.group(4), m.group(5), int(m.group(6), 16))
    qemu = {}
    for m in INFO_PCI_FUNC.finditer(text):
        bdf = tuple(int(g) for g in m.group(1, 2, 3))
        qemu[bdf] = (m.group(5), m.group(6), m.group(4))
    if not guest:
        return ["check lspci-vs-info-pci: no lspci lines in the log"]
    if not qemu:
        return ["check lspci-vs-info-pci: no `info pci` answer from the monitor in the log"]
    fmt = lambda b: f"{b[0]:02x}:{b[1]:02x}.{b[2]}"
    reasons = []
    for bdf in sorted(set(qemu) - set(guest)):
        reasons.append(f"{fmt(bdf)} {':'.join(qemu[bdf][:2])} ({qemu[bdf][2]}) is in info pci but not in lspci")
    for bdf in sorted(set(guest) - set(qemu)):
        reasons.append(f"{fmt(bdf)} {':'.join(guest[bdf][:2])} is in lspci but not in info pci")
    for bdf in sorted(set(guest) & set(qemu)):
        (gv, gd, gclass), (qv, qd, qclass) = guest[bdf], qemu[bdf]
        if (gv, gd) != (qv, qd):
            reasons.append(f"{fmt(bdf)}: lspci says {gv}:{gd}, info pci {qv}:{qd}")
        m = re.fullmatch(r"Class (\d+)", qclass)
        ok = gclass == int(m.group(1)) if m else QEMU_CLASS_NAMES.get(gclass) == qclass
        if not ok:
            reasons.append(f"{fmt(bdf)}: lspci says class {gclass:04x}, info pci '{qclass}'")
    return [f"check lspci-vs-info-pci: {r}" for r in reasons]


CHECKS = {"lspci-vs-info-pci": check_lspci_vs_info_pci}


def judge(spec, text, status, ended, extra=()):
    """Returns (outcome, reasons): outcome is pass, fail or timeout. extra:
    reasons found outside the log (image checks)."""
    reasons = missing_patterns(spec, text) + list(extra)
    for c in spec.checks:
        reasons += CHECKS[c](text)
    for pat in spec.forbid:
        m = re.search(pat, text)
        if m:
            line = text[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.end())]
            reasons.append(f"forbidden /{pat}/ in: {line.strip()[:160]}")
    if ended == "timeout":
        return "timeout", reasons + [f"no exit within {spec.timeout:g} s"]
    if ended == "exit" and status != spec.exit:
        name = EXIT_NAMES.get(status, "unknown")
        reasons.append(f"QEMU exit status {status} ({name}), expected {spec.exit}")
    return ("fail" if reasons else "pass"), reasons


def suite_results(text, label, suite):
    """Verdict lines of one in-guest suite (ktest: kernel, utest: user)."""
    results = []
    for m in re.finditer(rf"{suite}: (PASS|FAIL) (\S+?):?(?: (.*))?$", text, re.M):
        ok = m.group(1) == "PASS"
        results.append((f"{label} {suite} {m.group(2)}", ok, "" if ok else (m.group(3) or "")))
    done = re.search(rf"{suite}: done, (\d+) passed, (\d+) failed", text)
    running = re.search(rf"{suite}: running (\d+) tests", text)
    if running and int(running.group(1)) != len(results):
        results.append((f"{label} {suite} count", False,
                        f"{running.group(1)} tests selected but {len(results)} verdicts: some did not report"))
    if not done:
        results.append((f"{label} {suite} summary", False, f"no '{suite}: done' line: the tests did not finish"))
    elif int(done.group(1)) != sum(ok for _, ok, _ in results):
        results.append((f"{label} {suite} summary", False, "PASS lines and the suite's own count differ"))
    return results


def ktest_results(text, label):
    results = []
    for suite in ("ktest", "utest"):
        if re.search(rf"{suite}: running \d+ tests", text) or suite == "ktest" and "ktest:" in text:
            results += suite_results(text, label, suite)
    if not results:
        results.append((f"{label} tests", False, "no ktest or utest output at all"))
    return results


def run_spec_config(spec, cfg, iso, out_dir):
    label = config_label(spec, cfg)
    log = Path(out_dir) / f"{label}.log"
    sock = None
    if spec.monitor:  # unix socket paths are short: keep it in /tmp
        sock = Path(tempfile.mkdtemp(prefix="cairn-mon-")) / "sock"
    # No commas in the file names: -drive would read them as option separators.
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")
    images = {name: Path(out_dir) / f"{stem}.{name}.img" for name in spec.images}
    for name, (size, pattern, seed) in spec.images.items():
        make_image(images[name], size, pattern, seed, Path(out_dir) / "image-cache")
    drives = [f"id={i},file={images[img]},if=none,format=raw" + (f",{opts}" if opts else "")
              for i, img, opts in spec.drives]
    try:
        text, status, ended = run_qemu(qemu_command(iso, cfg, sock, drives), spec.timeout, spec.until, log,
                                       spec.monitor, sock, spec.inputs)
    finally:
        if sock:
            shutil.rmtree(sock.parent, ignore_errors=True)
    image_reasons = []
    for name, off, length, pattern, seed in spec.image_checks:
        image_reasons += check_image(images[name], name, off, length, pattern, seed)
    outcome, reasons = judge(spec, text, status, ended, image_reasons)
    results = ktest_results(text, label) if spec.ktests else []
    missing = missing_patterns(spec, text)
    caught = "; ".join(reasons)
    if spec.outcome == "pass" and outcome == "pass":
        results.append((label, True, ""))
        for path in images.values():
            path.unlink(missing_ok=True)
    elif spec.outcome != "pass" and outcome == spec.outcome and not missing and \
            (not spec.caught or re.search(spec.caught, caught)):
        results.append((f"{label} (expected {spec.outcome}, caught: {caught[:200]})", True, ""))
    else:
        if outcome == spec.outcome:  # right outcome, wrong evidence
            why = "; ".join(missing) or f"failure reasons do not match /{spec.caught}/: {caught}"
        else:
            why = caught if reasons else f"run passed but {spec.outcome} was expected"
        results.append((label, False, f"{why} (log: {log})"))
    return results


# ---------------------------------------------------------------- main

def report(results, counts):
    for name, ok, reason in results:
        say(f"PASS {name}" if ok else f"FAIL {name}: {reason}")
        counts[ok] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target-build", default=str(ROOT / "build/target"))
    ap.add_argument("--host-build", default=str(ROOT / "build/host"))
    ap.add_argument("-j", "--jobs", type=int, default=max(1, os.cpu_count() or 1))
    ap.add_argument("-k", "--filter", default="", help="only QEMU tests whose name contains this")
    ap.add_argument("--no-host", action="store_true", help="skip the host unit tests")
    args = ap.parse_args()

    counts = {True: 0, False: 0}
    if not args.no_host and not args.filter:
        say("== host unit tests (ctest)")
        report(run_ctest(args.host_build, "host"), counts)
        report(run_ctest(args.target_build, "target"), counts)

    kernel = Path(args.target_build) / "kernel/kernel.elf"
    out_dir = Path(args.target_build) / "test-runs"
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = []
    for path in sorted((ROOT / "tests/qemu").glob("*.test")):
        try:
            spec = Spec(path)
        except (ValueError, configparser.Error) as e:
            report([(Path(path).stem, False, f"bad test file: {e}")], counts)
            continue
        if args.filter in spec.name:
            specs.append(spec)
    jobs = [(s, c) for s in specs for c in s.configs()]
    say(f"== QEMU runs: {len(jobs)} boots of {len(specs)} test files, {args.jobs} at a time (logs in {out_dir})")
    if not kernel.exists():
        report([("qemu", False, f"{kernel} is missing: build first")], counts)
    else:
        # ISOs first, one per test file (runs of one file share it).
        isos = {s.name: module_path(s.iso, args.target_build) if s.iso else make_iso(s, kernel, out_dir)
                for s in specs}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_spec_config, s, c, isos[s.name], out_dir) for s, c in jobs]
            for f in concurrent.futures.as_completed(futures):
                try:
                    report(f.result(), counts)
                except Exception as e:  # a broken spec or tool must still count
                    report([("qemu run", False, f"runner error: {e}")], counts)

    say(f"{counts[True]} passed, {counts[False]} failed")
    return 1 if counts[False] else 0


if __name__ == "__main__":
    sys.exit(main())
