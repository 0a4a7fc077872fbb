#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Tests of the benchmark harness itself, without QEMU (ctest bench_harness).

What could rot without a full `tools/cairn bench --vs-linux` run: reading
both guests' lines, the unit conversion (IOPS for the NVMe rows in tcg
mode), the table, the JSON shape and the chart (tools/bench/bench.py); the
NVMe boot's manifest, disk image and the kernel's NVMe configuration; the
initramfs writer (tools/bench/mkinitramfs.py), read back record by record;
and the Linux benchmark program, which must still build static and, run on
this (Linux) host, print a well-formed line for every case, its NVMe cases
reading a disk image file and catching a wrong one. No figure is judged.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE))
import bench  # noqa: E402
import mkinitramfs  # noqa: E402

CAIRN_LOG = """\
[    0.024902] I init: started 'bench' (entry 40b2a0, 3 segments)
[    0.024936] I [bench] bench: system cairn
[    0.044949] I [bench] bench: tsc_hz 2000000000
[    0.045355] I [bench] bench: null_syscall n=200 min=158 p10=158 median=160 p90=170 max=300
[    0.048035] I [bench] bench: chan_call_rtt_xproc_64 n=200 min=7000 p10=7046 median=7100 p90=7200 max=9000
[    0.050000] I [bench] bench: yield: the other thread yielded 800 times for this thread's 800
[    0.069984] I [bench] bench: yield n=50 min=583 p10=583 median=600 p90=610 max=700
[    0.070000] I [bench] bench: process_spawn_exit unavailable no boot module bench_exit
[    0.095428] I [bench] bench: done 4 cases
"""
NVME_LOG = """\
[    0.225658] I [bench] bench: system cairn
[    0.246668] I [bench] bench: tsc_hz 2000000000
[    0.303733] I [bench] bench: nvme: nvme0n1: 'QEMU NVMe Ctrl' serial 'bench0', 131072 blocks of 512 bytes
[    0.312274] I [bench] bench: nvme_randread_4k_qd1 n=50 min=10000 p10=16000 median=20000 p90=25000 max=40000
[    0.313095] I [bench] bench: nvme: nvme_randread_4k_qd1: 5 of 9 ticks were the soaker's
[    0.322208] I [bench] bench: null_syscall n=5 min=100 p10=100 median=100 p90=100 max=100
[    0.323573] I [bench] bench: done 2 cases
"""
LINUX_LOG = """\
bench: system linux 6.1.0-56-cloud-amd64\r
bench: tsc_hz 1000000000\r
bench: null_syscall n=200 min=341 p10=341 median=341 p90=341 max=341\r
bench: chan_call_rtt_xproc_64 n=200 min=9247 p10=9247 median=9247 p90=9247 max=16973\r
bench: yield n=50 min=2086 p10=2125 median=2125 p90=2125 max=2421\r
bench: done 3 cases\r
[    1.692967] reboot: Power down
"""


class Parse(unittest.TestCase):
    def test_cairn_lines_behind_the_log_prefix(self):
        r = bench.parse(CAIRN_LOG)
        self.assertEqual(r["system"], "cairn")
        self.assertEqual(r["tsc_hz"], 2000000000)
        self.assertTrue(r["done"])
        self.assertEqual(r["cases"]["null_syscall"],
                         {"n": 200, "min": 158, "p10": 158, "median": 160, "p90": 170, "max": 300})
        self.assertEqual(set(r["cases"]), {"null_syscall", "chan_call_rtt_xproc_64", "yield"})
        self.assertEqual(r["unavailable"], {"process_spawn_exit": "no boot module bench_exit"})
        self.assertIn("yield: the other thread yielded 800 times for this thread's 800", r["notes"])

    def test_linux_lines_with_carriage_returns(self):
        r = bench.parse(LINUX_LOG)
        self.assertEqual(r["system"], "linux 6.1.0-56-cloud-amd64")
        self.assertEqual(r["cases"]["yield"]["median"], 2125)
        self.assertTrue(r["done"])

    def test_a_run_cut_short_has_no_done(self):
        self.assertFalse(bench.parse(CAIRN_LOG.replace("bench: done 4 cases", ""))["done"])

    def test_units(self):
        r = bench.parse(CAIRN_LOG)
        icount = bench.in_unit(r, "icount")["chan_call_rtt_xproc_64"]
        self.assertEqual((icount["median"], icount["min"], icount["unit"]), (7100, 7000, "instructions"))
        self.assertAlmostEqual(icount["spread"], (7200 - 7046) / 7100, places=4)
        tcg = bench.in_unit(r, "tcg")["chan_call_rtt_xproc_64"]  # 2 GHz: half the ticks in ns
        self.assertEqual((tcg["median"], tcg["min"], tcg["unit"]), (3550, 3500, "ns"))
        r["tsc_hz"] = None
        with self.assertRaises(RuntimeError):
            bench.in_unit(r, "tcg")

    def test_nvme_cases_are_iops_in_tcg_mode(self):
        r = bench.parse(NVME_LOG)
        icount = bench.in_unit(r, "icount")["nvme_randread_4k_qd1"]
        self.assertEqual((icount["median"], icount["min"], icount["unit"]), (20000, 10000, "instructions"))
        # 2 GHz: 20,000 ticks are 10 us, 100,000 I/O per second; the order turns round
        tcg = bench.in_unit(r, "tcg")["nvme_randread_4k_qd1"]
        self.assertEqual(tcg["unit"], "IOPS")
        self.assertEqual((tcg["median"], tcg["min"], tcg["max"]), (100000, 50000, 200000))
        self.assertEqual((tcg["p10"], tcg["p90"]), (80000, 125000))
        self.assertAlmostEqual(tcg["spread"], (125000 - 80000) / 100000, places=4)
        self.assertEqual(bench.in_unit(r, "tcg")["null_syscall"]["unit"], "ns")
        self.assertIn("nvme: nvme_randread_4k_qd1: 5 of 9 ticks were the soaker's", r["notes"])


class QemuCommand(unittest.TestCase):
    def test_the_runners_command_without_its_boot_medium(self):
        icount = bench.qemu_base("icount")
        self.assertEqual(icount[0], "qemu-system-x86_64")
        self.assertNotIn("-cdrom", icount)
        self.assertNotIn("-boot", icount)
        self.assertNotIn("IMAGE", icount)
        for opt, val in (("-machine", "q35"), ("-smp", "1"), ("-m", "512M"), ("-cpu", "max"),
                         ("-icount", "shift=0,sleep=off")):
            self.assertEqual(icount[icount.index(opt) + 1], val)
        self.assertEqual(bench.qemu_base("tcg"), icount[:icount.index("-icount")])

    def test_every_guest_has_the_nvme_disk(self):
        cmd = bench.qemu_base("icount", "/w/nvme.img")
        self.assertEqual(cmd[cmd.index("-drive") + 1], "id=nvm0,file=/w/nvme.img,if=none,format=raw")
        self.assertIn(bench.NVME_DEVICE, [cmd[i + 1] for i, a in enumerate(cmd) if a == "-device"])
        self.assertIn("drive=nvm0", bench.NVME_DEVICE)


class Output(unittest.TestCase):
    def setUp(self):
        self.cairn = bench.in_unit(bench.parse(CAIRN_LOG), "icount")
        self.linux = bench.in_unit(bench.parse(LINUX_LOG), "icount")

    def test_table_rows_and_ratio(self):
        t = bench.table(self.cairn, self.linux, True)
        lines = t.splitlines()
        self.assertTrue(lines[0].startswith("case"))
        row = next(l for l in lines if l.startswith("null_syscall "))
        self.assertIn(f"{160 / 341:.2f}", row)
        for label, *_ in bench.ROWS:
            self.assertTrue(any(l.startswith(label + " ") for l in lines), label)

    def test_unavailable_figures_show_as_na_with_the_reason(self):
        why = {"cairn": {"yield": "no memory"}, "linux": {"nvme_randread_4k_qd1": "no disk given (nvme=DEV)"}}
        cairn = {k: v for k, v in self.cairn.items() if k != "yield"}
        t = bench.table(cairn, self.linux, True, why)
        row = next(l for l in t.splitlines() if l.startswith("yield "))
        self.assertRegex(row, r"^yield +n/a +2,125 ")
        self.assertTrue(row.endswith("sched_yield, 2 threads; cairn: no memory"), row)
        row = next(l for l in t.splitlines() if l.startswith("nvme_randread_4k_qd1 "))
        self.assertRegex(row, r" n/a .*O_DIRECT pread; linux: no disk given \(nvme=DEV\)$")
        t = bench.table(cairn, {}, False, why)
        self.assertRegex(t, r"(?m)^yield +n/a +cairn: no memory$")

    def test_ratio_is_of_costs_for_rates_too(self):
        c = {"median": 200000, "unit": "IOPS"}
        l = {"median": 100000, "unit": "IOPS"}
        self.assertEqual(bench.ratio(c, l), 0.5)  # twice Linux's IOPS: half its cost
        self.assertEqual(bench.ratio({"median": 50, "unit": "ns"}, {"median": 100, "unit": "ns"}), 0.5)
        self.assertIsNone(bench.ratio({"median": 0, "unit": "IOPS"}, l))

    def test_table_without_linux_has_only_cairn_rows(self):
        t = bench.table(self.cairn, {}, False)
        self.assertNotIn("vs pipe", t)
        self.assertNotIn("linux", t.splitlines()[0])
        self.assertRegex(t, r"yield +600 +583")

    def test_json_shape(self):
        doc = json.loads(bench.to_json(self.cairn, self.linux, {"mode": "icount"}))
        for system in ("cairn", "linux"):
            for case in ("null_syscall", "chan_call_rtt_xproc_64", "yield"):
                entry = doc[system][case]
                self.assertIsInstance(entry["median"], int)
                self.assertIsInstance(entry["min"], int)
                self.assertEqual(entry["unit"], "instructions")

    def test_chart_is_svg_with_a_bar_per_ratio(self):
        svg = bench.svg_chart(self.cairn, self.linux, "instructions", "a <title> & more")
        root = ET.fromstring(svg)
        self.assertTrue(root.tag.endswith("svg"))
        ns = "{" + bench.SVG_NS + "}"
        texts = [t.text for t in root.iter(ns + "text")]
        # rows with both figures: null_syscall, chan_call_rtt_xproc_64, yield
        self.assertEqual(len([r for r in root.iter(ns + "rect")]) - 1, 3)
        self.assertIn("0.47", texts)  # 160 / 341
        self.assertIn("a <title> & more", texts)


class CaseLists(unittest.TestCase):
    def test_table_names_every_cairn_case_and_no_other(self):
        import re
        src = (HERE / "cairn/bench.c").read_text()
        names = set(re.findall(r'\{"(\w+)", run_', src[src.index("static const bcase_t cases[]"):]))
        src = (HERE / "cairn/bench_nvme.c").read_text()
        nvme = set(re.findall(r'\{"(\w+)", run_', src[src.index("static const nvme_case_t nvme_cases[]"):]))
        self.assertEqual(names | nvme, {c for _, c, _, _ in bench.ROWS})
        self.assertTrue(nvme and all(bench.is_nvme(n) for n in nvme))
        self.assertFalse(any(bench.is_nvme(n) for n in names))
        tests = HERE.parent.parent / "tests/qemu"
        for smoke, cases in (("bench-smoke.test", names), ("bench-nvme-smoke.test", nvme)):
            text = (tests / smoke).read_text()
            for name in cases:
                self.assertIn(f"bench: {name} n=", text)


class NvmeBoot(unittest.TestCase):
    def test_manifest_gets_the_harness_args(self):
        text = bench.NVME_MANIFEST.read_text()
        out = bench.nvme_manifest(text, "iters=100 seed=0x1 soak")
        self.assertIn("\n    args    nvme iters=100 seed=0x1 soak\n", out)
        self.assertEqual(len(out.splitlines()), len(text.splitlines()))
        changed = [(a, b) for a, b in zip(text.splitlines(), out.splitlines()) if a != b]
        self.assertEqual(len(changed), 1)
        with self.assertRaises(RuntimeError):
            bench.nvme_manifest(text.replace("args    nvme", "args    other"), "iters=1")

    def test_smoke_image_matches_the_manifest_seed(self):
        import re
        seed = re.search(r"args\s+nvme .*seed=(\S+)", bench.NVME_MANIFEST.read_text()).group(1)
        smoke = (HERE.parent.parent / "tests/qemu/bench-nvme-smoke.test").read_text()
        self.assertRegex(smoke, rf"disk0 \S+ splitmix {seed}\b")
        # the runner's pattern and the harness's image agree where bench looks
        self.assertEqual(bench.testrun.pattern_bytes("splitmix", int(seed, 0), 8192, 8),
                         (bench.testrun.splitmix64(int(seed, 0) ^ 8192)).to_bytes(8, "little"))

    def test_image_holds_the_pattern_at_every_4k(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "nvme.img"
            bench.nvme_image(path, 64 << 10, 0x77)
            data = path.read_bytes()
        self.assertEqual(len(data), 64 << 10)
        for off in range(0, 64 << 10, 4096):
            self.assertEqual(int.from_bytes(data[off:off + 8], "little"), bench.testrun.splitmix64(0x77 ^ off))
            self.assertEqual(data[off + 8:off + 4096], bytes(4088))

    def test_kernel_config_says_how_nvme_is_built(self):
        with tempfile.TemporaryDirectory() as d:
            boot = Path(d) / "pkg/boot"
            boot.mkdir(parents=True)
            (boot / "vmlinuz-6.1.0-9-cloud-amd64").write_bytes(b"")
            link = Path(d) / "vmlinuz"
            link.symlink_to(boot / "vmlinuz-6.1.0-9-cloud-amd64")
            self.assertIsNone(bench.kernel_nvme(link))
            config = boot / "config-6.1.0-9-cloud-amd64"
            for line, want in (("CONFIG_BLK_DEV_NVME=y", "y"), ("CONFIG_BLK_DEV_NVME=m", "m"),
                               ("# CONFIG_BLK_DEV_NVME is not set", None)):
                config.write_text(f"CONFIG_NVME_CORE=y\n{line}\nCONFIG_NVME_MULTIPATH=y\n")
                self.assertEqual(bench.kernel_nvme(link), want, line)

    def test_only_picks_the_boots(self):
        class A:
            only = None
        a = A()
        self.assertTrue(bench.wants_nvme(a) and bench.wants_other(a))
        a.only = "qd32"
        self.assertTrue(bench.wants_nvme(a))
        self.assertFalse(bench.wants_other(a))
        a.only = "yield"
        self.assertFalse(bench.wants_nvme(a))
        self.assertTrue(bench.wants_other(a))


def read_newc(blob):
    """Yields (name, mode, rdev, data) of each newc record up to the trailer."""
    off = 0
    while True:
        head = blob[off:off + 110]
        assert head[:6] == b"070701", head[:6]
        f = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        name = blob[off + 110:off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += (4 - off % 4) % 4
        data = blob[off:off + size]
        off += size + (4 - size % 4) % 4
        if name == "TRAILER!!!":
            return
        yield name, mode, (rmaj, rmin), data


class Initramfs(unittest.TestCase):
    def test_records_read_back(self):
        blob = mkinitramfs.build([("init", b"\x7fELF-init"), ("bench_exit", b"abc")])
        self.assertEqual(len(blob) % 512, 0)
        recs = {name: (mode, rdev, data) for name, mode, rdev, data in read_newc(blob)}
        self.assertEqual(set(recs), {"dev", "dev/console", "init", "bench_exit"})
        self.assertTrue(stat.S_ISDIR(recs["dev"][0]))
        self.assertTrue(stat.S_ISCHR(recs["dev/console"][0]))
        self.assertEqual(recs["dev/console"][1], (5, 1))
        self.assertEqual(recs["init"][2], b"\x7fELF-init")
        self.assertEqual(stat.S_IMODE(recs["init"][0]), 0o755)
        self.assertEqual(recs["bench_exit"][2], b"abc")

    def test_same_input_same_bytes(self):
        self.assertEqual(mkinitramfs.build([("init", b"x")]), mkinitramfs.build([("init", b"x")]))


def o_direct_works(directory):
    """Whether the file system of `directory` takes O_DIRECT reads (tmpfs does not)."""
    path = os.path.join(directory, "probe")
    with open(path, "wb") as f:
        f.write(bytes(4096))
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_DIRECT))
        return True
    except OSError:
        return False


@unittest.skipUnless(shutil.which("gcc") and sys.platform.startswith("linux"), "needs the host gcc on Linux")
class LinuxProgram(unittest.TestCase):
    def build(self, d):
        src = HERE / "linux"
        exe = os.path.join(d, "bench_linux")
        subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe] +
                       [str(src / f) for f in bench.LINUX_SOURCES] + ["-lpthread"], check=True)
        return exe

    def test_builds_static_and_prints_every_case(self):
        src = HERE / "linux"
        with tempfile.TemporaryDirectory() as d:
            exe = self.build(d)
            subprocess.run(["gcc", "-static", "-nostdlib", "-fno-pie", "-no-pie", "-O2", "-Wall", "-Wextra",
                            "-Werror", "-o", os.path.join(d, "bench_exit"), str(src / "bench_exit.c")], check=True)
            self.assertEqual(subprocess.run([os.path.join(d, "bench_exit")]).returncode, 0)
            # On the host it is not PID 1: it prints and returns. posix_spawn
            # looks for /bench_exit, which only the initramfs has; without
            # nvme=DEV the NVMe cases read nothing.
            out = subprocess.run([exe, "iters=10"], capture_output=True, text=True, timeout=120).stdout
        r = bench.parse(out)
        self.assertTrue(r["done"], out)
        self.assertTrue(r["system"].startswith("linux"))
        linux_cases = {l for _, _, l, _ in bench.ROWS}
        self.assertEqual(set(r["cases"]) | set(r["unavailable"]), linux_cases)
        nvme = {c for c in linux_cases if bench.is_nvme(c)}
        self.assertLessEqual(set(r["unavailable"]), {"process_spawn_exit"} | nvme)
        for case in nvme:
            self.assertEqual(r["unavailable"][case], "no disk given (nvme=DEV)")

    def test_nvme_cases_read_a_disk_image_and_check_it(self):
        with tempfile.TemporaryDirectory() as d:
            if not o_direct_works(d):
                self.skipTest(f"{d} takes no O_DIRECT reads")
            exe = self.build(d)
            image = os.path.join(d, "nvme.img")
            bench.nvme_image(image, 1 << 20, 0x51)
            dev = "nvme=.." + image  # the program opens /dev/DEV
            out = subprocess.run([exe, "iters=40", "only=nvme", dev, "seed=0x51", "soak"], capture_output=True,
                                 text=True, timeout=120).stdout
            wrong = subprocess.run([exe, "iters=40", "only=nvme", dev, "seed=0x52"], capture_output=True,
                                   text=True, timeout=120).stdout
        r = bench.parse(out)
        nvme = {c for _, _, c, _ in bench.ROWS if bench.is_nvme(c)}
        self.assertEqual(set(r["cases"]), nvme, out)
        self.assertEqual(r["cases"]["nvme_randread_4k_qd1"]["n"], 10)
        self.assertTrue(any(n.startswith("nvme: soaking idle time") for n in r["notes"]), out)
        r = bench.parse(wrong)
        self.assertEqual(set(r["unavailable"]), nvme, wrong)
        for why in r["unavailable"].values():
            self.assertRegex(why, r"^\d+ reads failed or brought wrong data \(the first: wrong data\)$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
