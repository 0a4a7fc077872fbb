#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Seed inputs for tests/fuzz/fuzz_acpi.c, so the fuzzer starts from valid
tables instead of finding every signature and checksum itself.

    tests/fuzz/acpi_seeds.py DIR

writes one file per target: a QEMU q35-like machine for the loader (target
0: RSDP at the start of the data, which the fuzzer places at 0x1000) and a
valid table for each parser (targets 1-8). The layouts follow the ACPI
specification; the values are QEMU's.
"""
import struct
import sys
from pathlib import Path

BASE = 0x1000


def checksum_fix(b, at):
    b[at] = (-sum(b) + b[at]) & 0xFF
    return b


def sdt(sig, rev, body):
    b = bytearray(sig + struct.pack("<IBB", 36 + len(body), rev, 0) + b"BOCHS BXPC    " + struct.pack("<I", 1)
                  + b"BXPC" + struct.pack("<I", 1) + body)
    return bytes(checksum_fix(b, 9))


def gas(space, width, addr):
    return struct.pack("<BBBBQ", space, width, 0, 0, addr)


def madt(ncpus):
    body = struct.pack("<II", 0xFEE00000, 1)
    for i in range(ncpus):
        body += struct.pack("<BBBBI", 0, 8, i, i, 1)
    body += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)
    for irq, gsi, fl in ((0, 2, 0), (5, 5, 0xD), (9, 9, 0xD)):
        body += struct.pack("<BBBBIH", 2, 10, 0, irq, gsi, fl)
    body += struct.pack("<BBHI", 3, 8, 5, 23)
    body += struct.pack("<BBBHB", 4, 6, 0xFF, 0, 1)
    body += struct.pack("<BBHQ", 5, 12, 0, 0xFEE00000)
    body += struct.pack("<BBHIII", 9, 16, 0, 0x100, 1, 0x40)
    body += struct.pack("<BBHIB3x", 10, 12, 0, 0xFFFFFFFF, 1)
    return sdt(b"APIC", 3, body)


def fadt(dsdt):
    body = bytearray(244 - 36)
    def put(off, fmt, *v):
        struct.pack_into(fmt, body, off - 36, *v)
    put(36, "<II", 0, dsdt)
    put(46, "<H", 9)
    put(56, "<IIII", 0x600, 0, 0x604, 0)
    put(76, "<I", 0x608)
    put(88, "<BBBB", 4, 2, 0, 4)
    put(112, "<I", 1 << 10)
    body[116 - 36:128 - 36] = gas(1, 8, 0xCF9)
    put(128, "<B", 0xF)
    put(140, "<Q", dsdt)
    body[172 - 36:184 - 36] = gas(1, 16, 0x604)
    return sdt(b"FACP", 3, bytes(body))


def dsdt():
    aml = bytes([0x10, 0x0A]) + b"\\_SB_" + bytes([0x08]) + b"_S4_" + bytes([0x0A, 0x04])
    aml += bytes([0x08]) + b"\\_S5_" + bytes([0x12, 0x08, 0x04, 0x0A, 0x05, 0x0B, 0x03, 0x00, 0x00, 0x00])
    return sdt(b"DSDT", 2, aml)


def mcfg():
    return sdt(b"MCFG", 1, bytes(8) + struct.pack("<QHBBI", 0xB0000000, 0, 0, 255, 0))


def hpet():
    return sdt(b"HPET", 1, struct.pack("<I", 0x8086A201) + gas(0, 64, 0xFED00000) + struct.pack("<BHB", 0, 0x80, 0))


def dmar():
    drhd = struct.pack("<HHBBHQ", 0, 24, 1, 0, 0, 0xFED90000) + struct.pack("<BBHBBBB", 1, 8, 0, 0, 0, 2, 0)
    rmrr = struct.pack("<HHHHQQ", 1, 24, 0, 0, 0x7C000000, 0x7FFFFFFF)
    return sdt(b"DMAR", 1, struct.pack("<BB10x", 38, 1) + drhd + rmrr)


def rsdp(rev, rsdt, xsdt):
    b = bytearray(b"RSD PTR " + b"\0" + b"BOCHS " + struct.pack("<BI", rev, rsdt))
    checksum_fix(b, 8)
    if rev >= 2:
        b += struct.pack("<IQB3x", 36, xsdt, 0)
        checksum_fix(b, 32)
    return bytes(b)


def machine(rev):
    """RSDP at 0, then the tables, each at a 16-byte aligned offset."""
    tables = [(b"FACP", None), (b"APIC", madt(4)), (b"MCFG", mcfg()), (b"HPET", hpet()), (b"DMAR", dmar())]
    mem = bytearray(64)
    addrs = {}
    dsdt_at = len(mem)
    mem += dsdt()
    for sig, body in tables:
        mem += bytes(-len(mem) % 16)
        addrs[sig] = len(mem)
        mem += body if body else fadt(BASE + dsdt_at)
    mem += bytes(-len(mem) % 16)
    root_at = len(mem)
    entries = [BASE + addrs[s] for s, _ in tables]
    if rev >= 2:
        mem += sdt(b"XSDT", 1, b"".join(struct.pack("<Q", e) for e in entries))
    else:
        mem += sdt(b"RSDT", 1, b"".join(struct.pack("<I", e) for e in entries))
    r = rsdp(rev, BASE + root_at if rev < 2 else 0, BASE + root_at if rev >= 2 else 0)
    mem[0:len(r)] = r
    return bytes(mem)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    seeds = {
        "load-rsdt": b"\0" + machine(0),
        "load-xsdt": b"\0" + machine(2),
        "madt": b"\1" + madt(4),
        "fadt": b"\2" + fadt(0x2000),
        "mcfg": b"\3" + mcfg(),
        "hpet": b"\4" + hpet(),
        "dmar": b"\5" + dmar(),
        "s5": b"\6" + dsdt(),
        "rsdp": b"\7" + rsdp(2, 0x1000, 0x2000),
        "scan": b"\x08" + bytes(24) + rsdp(0, 0x1000, 0) + bytes(40),
    }
    for name, data in seeds.items():
        (out / f"seed-{name}").write_bytes(data)


if __name__ == "__main__":
    main()
