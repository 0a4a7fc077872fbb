#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes a minimal Linux initramfs: an uncompressed cpio archive ("newc").

    mkinitramfs.py OUT NAME=PATH...

Each NAME=PATH puts the file PATH at /NAME, executable (so init=PATH makes
/init). The archive always holds /dev/console (character device 5:1): the
kernel opens it as init's standard input, output and error before init
runs, so a program that mounts nothing still talks on the console.
Everything is owned by root with time stamp 0: the same inputs give the
same bytes.
"""
import stat
import sys
from pathlib import Path


def pad4(n):
    return (4 - n % 4) % 4


def entry(ino, name, mode, data=b"", rdev=(0, 0), nlink=1):
    """One newc record: 110-byte ASCII header, name + NUL, data, each padded to 4 bytes."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    header = b"070701" + b"".join(b"%08x" % f for f in fields)
    out = header + name_b + b"\0" * pad4(len(header) + len(name_b))
    return out + data + b"\0" * pad4(len(data))


def build(files):
    """files: [(name, bytes)] placed at the root, mode 0755."""
    parts = [entry(1, "dev", stat.S_IFDIR | 0o755, nlink=2),
             entry(2, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))]
    for i, (name, data) in enumerate(files):
        parts.append(entry(3 + i, name, stat.S_IFREG | 0o755, data))
    parts.append(entry(0, "TRAILER!!!", 0))
    blob = b"".join(parts)
    return blob + b"\0" * ((512 - len(blob) % 512) % 512)


def main(argv):
    if len(argv) < 2 or any("=" not in a for a in argv[1:]):
        sys.exit(__doc__)
    files = []
    for spec in argv[1:]:
        name, path = spec.split("=", 1)
        if not name or "/" in name:
            sys.exit(f"mkinitramfs: bad name '{name}' (a file at the root, no slashes)")
        files.append((name, Path(path).read_bytes()))
    Path(argv[0]).write_bytes(build(files))


if __name__ == "__main__":
    main(sys.argv[1:])
