# SPDX-License-Identifier: BSD-2-Clause
"""The command line: protogen.py proto/NAME.proto --out-dir DIR.

A mistake in the input is reported as `FILE:LINE:COL: error: MESSAGE` on
stderr with exit status 1, and nothing is written."""
import argparse
import os
import sys

from .model import ProtoError
from .pipeline import generate, parse


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate C for a Cairn protocol (docs/protocols.md).")
    ap.add_argument("input", help="proto/NAME.proto")
    ap.add_argument("--out-dir", required=True, help="where NAME.h and NAME.c go")
    args = ap.parse_args(argv)
    try:
        with open(args.input, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        print(f"{args.input}: error: {err}", file=sys.stderr)
        return 1
    try:
        proto = parse(text, args.input)
    except ProtoError as err:
        print(err, file=sys.stderr)
        return 1
    header, source = generate(proto)
    os.makedirs(args.out_dir, exist_ok=True)
    write(os.path.join(args.out_dir, proto.name + ".h"), header)
    write(os.path.join(args.out_dir, proto.name + ".c"), source)
    return 0
