#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Boot Cairn headless, type shell commands, print only their output.

    runcmd.py --iso build/target/cairn.iso [--smp N] [--mem SIZE]
              [--machine q35|pc] [--timeout S] [-v] "CMD1; CMD2"

This is `tools/cairn run -c`. QEMU runs with the serial line on a pipe (the
QEMU command line is tools/testrun.py's). Once the shell's first prompt
appears, the shell is driven through three lines, each typed when the
prompt before it has appeared:

    echo __cairn_begin_NONCE        marks where the output starts
    CMD1; CMD2                      the commands, as given
    echo __cairn_end_NONCE $?       marks the end and carries the status

What the commands printed is the text between the echo of the command line
and the next prompt, without kernel log lines ("[   1.234567] ...") that
the console shows in between. Then `poweroff` is typed and QEMU is given a
few seconds to exit before it is killed.

Exit status: the status of the last command (as the shell's $?, modulo
256); 124 when the whole run takes longer than --timeout (default 120 s);
2 when the system fails first (QEMU ends, the kernel panics). -v copies
the whole serial output (boot log, echoes, prompts) to stdout as it comes,
and the command output is not printed separately.
"""
import argparse
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import testrun  # noqa: E402  (the QEMU command line and the panic patterns)

PROMPT = "cairn> "
LOG_LINE = re.compile(r"^\[\s*\d+\.\d+\] ")
LOG_DEBUG = re.compile(r"^\[\s*\d+\.\d+\] D ")
STATUS_TIMEOUT = 124
STATUS_SYSTEM = 2
POWEROFF_GRACE_S = 10
LINE_MAX = 480  # the shell's editor (servers/shell/ed.h, ED_LINE_MAX)


class Failure(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Serial:
    """QEMU with the serial line on stdin/stdout; the text read so far."""

    def __init__(self, cmd, verbose):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.verbose = verbose
        self.raw = bytearray()
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):
            if self.verbose:
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            with self.cond:
                self.raw += chunk
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def text(self):
        """Everything so far, CRs dropped (the console writes CRLF)."""
        with self.cond:
            return self.raw.decode("utf-8", "replace").replace("\r", "")

    def type(self, s):
        try:
            self.proc.stdin.write(s.encode())
            self.proc.stdin.flush()
        except OSError as e:
            raise Failure(STATUS_SYSTEM, f"cannot type on the serial line: {e}")

    def wait_for(self, pattern, start, deadline, what):
        """Waits until `pattern` matches text()[start:]; returns the match
        (positions relative to the whole text)."""
        rx = re.compile(pattern)
        while True:
            text = self.text()
            m = rx.search(text, start)
            if m:
                return m
            for pat in testrun.PANIC_PATTERNS:
                p = re.search(pat, text)
                if p:
                    raise Failure(STATUS_SYSTEM, f"the kernel failed while waiting for {what}:\n"
                                  + tail(text[p.start():], 20))
            if self.proc.poll() is not None:
                raise Failure(STATUS_SYSTEM, f"QEMU exited (status {self.proc.returncode}) while waiting "
                              f"for {what}; the end of its output:\n" + tail(text, 20))
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(STATUS_TIMEOUT, f"timed out waiting for {what}")
            with self.cond:
                self.cond.wait(min(left, 0.2))

    def stop(self, grace):
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=5)


def tail(text, n):
    return "\n".join(text.rstrip("\n").split("\n")[-n:])


def command_output(before, region):
    """The commands' output from the text between the echo of the command
    line and the next prompt. Log lines the console showed as they were
    logged go; log lines the commands printed (`log`) stay. The console
    shows each new line once and never a debug one ("[...] D "), so a
    log line is the console's when it is not a debug line and has not
    appeared before; a second appearance is a command's."""
    seen = {l for l in before.split("\n") if LOG_LINE.match(l)}
    kept = []
    for line in region.split("\n"):
        if LOG_LINE.match(line) and not LOG_DEBUG.match(line) and line not in seen:
            seen.add(line)
            continue
        if not line.startswith(PROMPT):  # the console repainting the prompt after a log line
            kept.append(line)
    out = "\n".join(kept)
    # Escape sequences the editor may have sent (none for plain typing).
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out)


def run(args):
    args.commands = args.commands.replace("\t", " ")  # a Tab would complete
    if any(not " " <= c <= "~" for c in args.commands):
        raise Failure(STATUS_SYSTEM, "the commands must be one line of printable ASCII (separate them with ';')")
    if len(args.commands) > LINE_MAX:
        raise Failure(STATUS_SYSTEM, f"the command line is longer than the shell takes ({LINE_MAX} bytes)")
    if not Path(args.iso).exists():
        raise Failure(STATUS_SYSTEM, f"{args.iso} does not exist: build first")
    nonce = secrets.token_hex(4)
    # tcg single: the system's pci server changes PCI decoding, on which
    # QEMU 7.2's multi-threaded TCG can crash (tools/testrun.py --help).
    cfg = {"machine": args.machine, "smp": str(args.smp), "mem": args.mem, "cpu": "max", "tcg": "single",
           "devices": args.device, "drives": args.drive}
    serial = Serial(testrun.qemu_command(args.iso, cfg, None), args.verbose)
    deadline = time.monotonic() + args.timeout
    prompt_rx = re.escape(PROMPT)
    try:
        first = serial.wait_for(prompt_rx, 0, deadline, "the shell's first prompt")
        serial.type(f'echo __cairn_""begin_{nonce}\r')
        begin = serial.wait_for(rf"(?m)^__cairn_begin_{nonce}\n", first.end(), deadline, "the shell to answer")
        ready = serial.wait_for(prompt_rx, begin.end(), deadline, "the prompt after the begin marker")
        serial.type(args.commands + "\r")
        # The shell echoes the command line after the prompt (a log line in
        # between makes the console repaint the part typed so far: wait for
        # the whole line); the next prompt after it ends the output.
        echoed = serial.wait_for(re.escape(PROMPT + args.commands) + r"\n", ready.start(), deadline,
                                 "the echo of the commands")
        done = serial.wait_for(prompt_rx, echoed.end(), deadline, "the commands to finish")
        serial.type(f"echo __cairn_end_{nonce} $?\r")
        # The line's end must have arrived: "$" would also match at the end
        # of what has been read so far, taking "1" of a "127" cut in two.
        end = serial.wait_for(rf"(?m)^__cairn_end_{nonce} (-?\d+)\r*\n", done.end(), deadline,
                              "the status of the commands")
        text = serial.text()
        output = command_output(text[:echoed.end()], text[echoed.end():done.start()])
        status = int(end.group(1)) & 0xff
        serial.type("poweroff\r")
    except Failure:
        serial.proc.kill()
        serial.stop(5)
        raise
    serial.stop(POWEROFF_GRACE_S)
    if not args.verbose:
        sys.stdout.write(output)
        sys.stdout.flush()
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iso", default=str(testrun.ROOT / "build/target/cairn.iso"))
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--machine", choices=("q35", "pc"), default="q35")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--device", action="append", default=[],
                    help="an extra QEMU device, as for -device (repeat for several): --device edu")
    ap.add_argument("--drive", action="append", default=[],
                    help="an extra QEMU drive, as for -drive (repeat for several)")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the whole serial output")
    ap.add_argument("commands", help="shell commands, one line, separated by ';'")
    args = ap.parse_args()
    try:
        return run(args)
    except Failure as e:
        hint = "" if args.verbose else " (-v shows the whole boot)"
        if e.status == STATUS_TIMEOUT:
            print(f"cairn: run -c: {e} after {args.timeout:g} s{hint}", file=sys.stderr)
        else:
            print(f"cairn: run -c: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
