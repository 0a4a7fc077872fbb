#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Unit tests of tools/protogen.py, run by ctest (tests/host: protogen_py).

The parser accepts the protocols in proto/ and every feature of the
language; each kind of mistake gives one clear message naming its line and
column; layouts follow the documented rules; the output is deterministic;
and the generated C compiles warning-free, freestanding for the target, for
every protocol in proto/ (skipped without clang).
"""
import glob
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stderr

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import protogen  # noqa: E402

PROTO_FILES = sorted(glob.glob(os.path.join(ROOT, "proto", "*.proto")))


def parse(body, name="t", header=None):
    """Parses `body` inside `protocol t 1 version 1 { ... }`: the body's
    first line is line 2 of the file."""
    head = header if header is not None else f"protocol {name} 1 version 1 {{"
    return protogen.parse(f"{head}\n{body}\n}}\n", f"proto/{name}.proto")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class GoodInputs(unittest.TestCase):
    def test_every_protocol_in_proto_parses(self):
        self.assertTrue(PROTO_FILES)
        for path in PROTO_FILES:
            with self.subTest(path=path):
                p = protogen.parse(read(path), path)
                self.assertEqual(p.name, os.path.basename(path)[:-len(".proto")])
                self.assertTrue(p.methods)

    def test_protocol_ids_are_unique_across_proto(self):
        ids = {}
        for path in PROTO_FILES:
            p = protogen.parse(read(path), path)
            self.assertNotIn(p.id, ids, f"{path} reuses the id of {ids.get(p.id)}")
            ids[p.id] = path

    def test_echo(self):
        p = protogen.parse(read(os.path.join(ROOT, "proto", "echo.proto")), "proto/echo.proto")
        self.assertEqual((p.name, p.id, p.version), ("echo", 1, 1))
        echo = p.methods[0]
        self.assertEqual((echo.kind, echo.name, echo.ordinal), ("call", "echo", 1))
        self.assertEqual([(f.name, f.type.idl()) for f in echo.params], [("text", "string<256>")])
        self.assertEqual([(f.name, f.type.idl()) for f in echo.results], [("text", "string<256>")])
        self.assertEqual(echo.doc, ["Answers with the same text."])
        ping = p.methods[2]
        self.assertEqual((ping.kind, ping.ordinal, ping.results), ("event", 3, None))

    def test_every_feature(self):
        p = parse("""
    # doc of a
    # second line
    call a @1 (u8 x, u16 y, u32 z, u64 w, i32 v, i64 u, bool t) -> ();
    call b @0x10 (string<1> s, bytes<60000> b) -> (handle<any> h);   # trailing doc
    call c @65535 () -> (handle<vmo, map|read> m, handle<channel> c2);
    event d @2 (handle<port, wait|signal> p, string<8> tag);
    event e @3 ();""")
        a, b, c, d, e = p.methods
        self.assertEqual(a.doc, ["doc of a", "second line"])
        self.assertEqual([f.type.kind for f in a.params], ["u8", "u16", "u32", "u64", "i32", "i64", "bool"])
        self.assertEqual(a.results, [])
        self.assertEqual((b.ordinal, b.doc), (16, ["trailing doc"]))
        self.assertEqual(b.params[1].type.bound, 60000)
        self.assertEqual(b.results[0].type.obj, "any")
        self.assertEqual(c.ordinal, 65535)
        self.assertEqual(c.results[0].type.rights, ["read", "map"])  # canonical order
        self.assertEqual(c.results[1].type.rights, [])
        self.assertEqual(d.params[0].type.rights, ["signal", "wait"])
        self.assertEqual((e.kind, e.params), ("event", []))

    def test_spdx_line_is_not_documentation(self):
        p = protogen.parse("# SPDX-License-Identifier: BSD-2-Clause\n# what t is\nprotocol t 1 version 1 {\n"
                           "call a @1 () -> ();\n}\n", "t.proto")
        self.assertEqual(p.doc, ["what t is"])

    def test_a_blank_line_detaches_a_comment(self):
        p = parse("    # about nothing\n\n    call a @1 () -> ();")
        self.assertEqual(p.methods[0].doc, [])

    def test_hex_id_and_max_values(self):
        p = parse("call a @1 () -> ();", header="protocol t 0xffffffff version 65535 {")
        self.assertEqual((p.id, p.version), (0xFFFFFFFF, 65535))

    def test_sixteen_handles_fit(self):
        hs = ", ".join(f"handle<vmo> h{i}" for i in range(16))
        parse(f"call a @1 ({hs}) -> ();")

    def test_largest_message_fits(self):
        # 24-byte header + 8 (length, padding) + 65503 + NUL = 65536
        parse("call a @1 (string<65503> s) -> ();")


class Layout(unittest.TestCase):
    def layout(self, body, role="request"):
        p = parse(body)
        m = p.methods[0]
        fields = dict(protogen.message_fields(m))[role]
        return protogen.layout(p, m, role, fields)

    def test_natural_alignment_and_explicit_padding(self):
        msg = self.layout("call a @1 (u8 a, u16 b, u32 c, u64 d, bool e) -> ();")
        got = [(mb.name, mb.offset, mb.size) for mb in msg.members]
        self.assertEqual(got, [("a", 24, 1), ("_pad0", 25, 1), ("b", 26, 2), ("c", 28, 4), ("d", 32, 8),
                               ("e", 40, 1), ("_pad1", 41, 7)])
        self.assertEqual((msg.fixed_size, msg.max_size), (48, 48))

    def test_strings_and_bytes_have_a_length_in_the_fixed_part(self):
        msg = self.layout("call a @1 (string<10> s, u8 x, bytes<5> b) -> ();")
        self.assertEqual([(mb.name, mb.offset) for mb in msg.members if not mb.pad],
                         [("s_len", 24), ("x", 28), ("b_len", 32)])
        self.assertEqual(msg.fixed_size, 40)
        self.assertEqual(msg.max_size, 40 + 11 + 5)
        self.assertEqual([f.name for f in msg.var], ["s", "b"])

    def test_handles_take_no_bytes(self):
        msg = self.layout("call a @1 (handle<vmo> v, u32 x, handle<port> p) -> ();")
        self.assertEqual([mb.name for mb in msg.members if not mb.pad], ["x"])
        self.assertEqual([f.name for f in msg.handles], ["v", "p"])

    def test_reply_and_event_flags(self):
        self.assertEqual(self.layout("call a @1 () -> (u8 r);", role="reply").flags, "PROTO_FLAG_REPLY")
        self.assertEqual(self.layout("event a @1 (u8 r);", role="event").flags, "PROTO_FLAG_EVENT")
        self.assertEqual(self.layout("call a @1 () -> ();").flags, "0")


class Errors(unittest.TestCase):
    """Each mistake: (file text, line, column, words the message contains)."""

    def check(self, text, line, col, words, path="proto/t.proto"):
        with self.assertRaises(protogen.ProtoError) as cm:
            protogen.parse(text, path)
        err = cm.exception
        self.assertEqual((err.line, err.col), (line, col), str(err))
        self.assertIn(words, err.message)
        self.assertTrue(str(err).startswith(f"{path}:{line}:{col}: error: "), str(err))

    def body(self, body, line, at, words):
        """A mistake in a protocol body (line 2 on); `at` is the text the
        error must point to, the first time it occurs on `line`."""
        text = f"protocol t 1 version 1 {{\n{body}\n}}\n"
        col = text.splitlines()[line - 1].index(at) + 1
        self.check(text, line, col, words)

    def test_file_structure(self):
        self.check("", 1, 1, "expected 'protocol' to start the file, found the end of the file")
        self.check("call a @1 () -> ();", 1, 1, "expected 'protocol' to start the file, found 'call'")
        self.check("protocol {", 1, 10, "expected the protocol's name after 'protocol', found '{'")
        self.check("protocol t version 1 {}", 1, 12, "expected the protocol id after its name (a number)")
        self.check("protocol t 1 {}", 1, 14, "expected 'version' after the protocol id, found '{'")
        self.check("protocol t 1 version {}", 1, 22, "expected the version after 'version'")
        self.check("protocol t 1 version 1\ncall", 2, 1, "expected '{' to open the protocol's body")
        self.check("protocol t 1 version 1 {\ncall a @1 () -> ();\n", 3, 1,
                   "expected '}' to close the protocol, found the end of the file")
        self.check("protocol t 1 version 1 {\ncall a @1 () -> ();\n}\nprotocol", 4, 1,
                   "one protocol per file")
        self.check("protocol t 1 version 1 {\n}\n", 1, 10, "declares no call or event")

    def test_lexical(self):
        self.check("protocol t 1 version 1 {\n  call a @1 () -> () $", 2, 22, "unexpected character '$'")
        self.check("protocol t 12ab version 1 {}", 1, 12, "'12ab' is not a number")
        self.check("protocol t 1 version 1 {\n  call a @1 (u32 x) - > ();\n}", 2, 21, "unexpected character '-'")

    def test_numbers_out_of_range(self):
        self.check("protocol t 0 version 1 {\ncall a @1 () -> ();\n}", 1, 12, "protocol id must be 1 to 0xffffffff")
        self.check("protocol t 0x100000000 version 1 {\ncall a @1 () -> ();\n}", 1, 12, "protocol id")
        self.check("protocol t 1 version 0 {\ncall a @1 () -> ();\n}", 1, 22, "version must be 1 to 65535")
        self.check("protocol t 1 version 65536 {\ncall a @1 () -> ();\n}", 1, 22, "version must be")
        self.body("  call a @0 () -> ();", 2, "0 ", "ordinal of 'a' must be 1 to 65535, not 0")
        self.body("  call a @65536 () -> ();", 2, "65536", "ordinal of 'a' must be 1 to 65535")
        self.body("  call a @1 (string<0> s) -> ();", 2, "0>", "bound of string<N> must be 1 to 65535, not 0")
        self.body("  call a @1 (bytes<65536> s) -> ();", 2, "65536", "bound of bytes<N>")

    def test_member_syntax(self):
        self.body("  call a (u32 x) -> ();", 2, "(", "expected '@' and an ordinal after call 'a'")
        self.body("  call a @x (u32 x) -> ();", 2, "x ", "expected the ordinal of 'a' after '@' (a number)")
        self.body("  call a @1 u32 x) -> ();", 2, "u32", "expected '(' to open the arguments of 'a'")
        self.body("  call a @1 (u32 x);", 2, ";", "expected '->' after the arguments of call 'a'")
        self.body("  call a @1 (u32 x) -> ()\n  call b @2 () -> ();", 3, "call", "expected ';' after call 'a'")
        self.body("  call a @1 (u32 x u32 y) -> ();", 2, "u32 y", "expected ',' or ')' after 'x'")
        self.body("  call a @1 (u32 x,) -> ();", 2, ") ", "expected a type, found ')'")
        self.body("  call a @1 (u32) -> ();", 2, ") ", "expected a name after the type u32, found ')'")
        self.body("  event e @1 (u32 x) -> ();", 2, "->", "event 'e' cannot have results")
        self.body("  method m @1 () -> ();", 2, "method", "expected 'call', 'event' or '}', found 'method'")

    def test_types(self):
        self.body("  call a @1 (u128 x) -> ();", 2, "u128", "unknown type 'u128'")
        self.body("  call a @1 (string s) -> ();", 2, "s)", "expected '<' after 'string' (a bound is required")
        self.body("  call a @1 (string<8 s) -> ();", 2, "s)", "expected '>' after the bound of string<8")
        self.body("  call a @1 (handle h) -> ();", 2, "h)", "expected '<' after 'handle'")
        self.body("  call a @1 (handle<file> h) -> ();", 2, "file", "unknown object kind 'file'")
        self.body("  call a @1 (handle<vmo, rw> h) -> ();", 2, "rw", "unknown right 'rw'")
        self.body("  call a @1 (handle<vmo, read|read> h) -> ();", 2, "read>", "right 'read' appears twice")
        self.body("  call a @1 (handle<vmo, read write> h) -> ();", 2, "write", "expected '|' or '>'")

    def test_names(self):
        self.check("protocol T 1 version 1 {\ncall a @1 () -> ();\n}", 1, 10, "must be lower_case",
                   path="proto/T.proto")
        self.check("protocol other 1 version 1 {\ncall a @1 () -> ();\n}", 1, 10,
                   "must be in a file named other.proto, not t.proto")
        self.check("protocol proto 1 version 1 {\ncall a @1 () -> ();\n}", 1, 10, "'proto' is reserved",
                   path="proto/proto.proto")
        self.body("  call Get @1 () -> ();", 2, "Get", "call name 'Get' must be lower_case")
        self.body("  call int @1 () -> ();", 2, "int", "call name 'int' is a reserved word")
        self.body("  call a @1 (u32 string) -> ();", 2, "string", "field name 'string' is a reserved word")
        self.body("  call a @1 (u32 _x) -> ();", 2, "_x", "must be lower_case")
        for reserved in ("ch", "out", "deadline", "ctx", "txn", "size_t", "proto_x", "memcpy"):
            with self.subTest(name=reserved):
                self.body(f"  call a @1 (u32 {reserved}) -> ();", 2, reserved, f"'{reserved}'")

    def test_duplicates(self):
        self.body("  call a @1 () -> ();\n  event a @2 ();", 3, "a ", "'a' is already declared on line 2")
        self.body("  call a @1 () -> ();\n  event b @1 ();", 3, "1",
                  "ordinal @1 of 'b' is already used by 'a' (line 2)")
        self.body("  call a @1 (u32 x, u8 x) -> ();", 2, "x)", "field 'x' is declared twice in the request of 'a'")
        self.body("  call a @1 () -> (u32 x, u8 x);", 2, "x);", "field 'x' is declared twice in the reply of 'a'")
        self.body("  call a @1 (string<4> s, u32 s_len) -> ();", 2, "s_len",
                  "field 's_len' clashes with the length of string 's'")
        self.body("  call a @1 () -> ();\n  call a_reply @2 () -> ();", 3, "a_reply",
                  "call 'a_reply' and call 'a' (line 2) would both generate 't_a_reply'")
        self.body("  call dispatch @1 () -> ();", 2, "dispatch", "would generate 't_dispatch', which the protocol itself")

    def test_limits(self):
        hs = ", ".join(f"handle<vmo> h{i}" for i in range(17))
        self.body(f"  call a @1 ({hs}) -> ();", 2, "h16", "has 17 handles; a channel message carries at most 16")
        self.body("  call a @1 (string<65504> s) -> ();", 2, "a @",
                  "the request of 'a' can be 65537 bytes, more than a channel message (65536)")
        self.body("  event e @1 (bytes<40000> a, bytes<40000> b);", 2, "e @", "the event of 'e' can be")


class Generation(unittest.TestCase):
    def test_deterministic(self):
        for path in PROTO_FILES:
            text = read(path)
            first = protogen.generate(protogen.parse(text, path))
            again = protogen.generate(protogen.parse(text, os.path.join("elsewhere", os.path.basename(path))))
            self.assertEqual(first, again, path)

    def test_cli_writes_identical_files_and_reports_errors(self):
        src = os.path.join(ROOT, "proto", "echo.proto")
        with tempfile.TemporaryDirectory() as d:
            outs = []
            for sub in ("a", "b"):
                self.assertEqual(protogen.main([src, "--out-dir", os.path.join(d, sub)]), 0)
                outs.append([read(os.path.join(d, sub, f)) for f in ("echo.h", "echo.c")])
            self.assertEqual(outs[0], outs[1])
            self.assertIn("generated from proto/echo.proto by tools/protogen.py — do not edit", outs[0][0])

            bad = os.path.join(d, "bad.proto")
            with open(bad, "w") as f:
                f.write("protocol bad 1 version 1 {\n  call x @1 (u7 y) -> ();\n}\n")
            err = io.StringIO()
            with redirect_stderr(err):
                self.assertEqual(protogen.main([bad, "--out-dir", os.path.join(d, "c")]), 1)
            self.assertEqual(err.getvalue(), f"{bad}:2:14: error: unknown type 'u7' (types: u8, u16, u32, "
                                             f"u64, i32, i64, bool, string<N>, bytes<N>, handle<KIND, RIGHTS>)\n")
            self.assertFalse(os.path.exists(os.path.join(d, "c")))

    def test_rights_order_does_not_change_output(self):
        a = protogen.generate(parse("call a @1 (handle<vmo, map|read|write> v) -> ();"))
        b = protogen.generate(parse("call a @1 (handle<vmo, write|read|map> v) -> ();"))
        self.assertEqual(a, b)

    def test_documentation_reaches_the_header(self):
        h, _ = protogen.generate(parse("  # Gets it.\n  call get @1 () -> (u32 x);  # cheap\n"
                                       "  event e @2 (); # ends */ a comment"))
        self.assertIn(" * Gets it.\n * cheap\n", h)
        self.assertIn("ends * / a comment", h)  # never closes the C comment early

    def test_header_names(self):
        h, c = protogen.generate(parse("call get @7 (string<4> k) -> (bytes<9> v);\n event e @8 ();"))
        for name in ("T_PROTOCOL_ID 0x1u", "T_GET_ORDINAL = 7", "t_get_request_t", "t_get_reply_t",
                     "t_get_result_t", "T_GET_REQUEST_MAX_SIZE 37u", "int t_get(handle_t ch, const char *k,",
                     "int t_get_reply(const proto_txn_t *txn, int status, const t_get_result_t *res);",
                     "int t_e_send(handle_t ch);", "typedef struct t_ops", "int t_dispatch(",
                     "extern const proto_desc_t t_desc;"):
            self.assertIn(name, h)
        self.assertIn("const proto_desc_t t_desc = {", c)

    def test_lines_fit(self):
        for path in PROTO_FILES:
            for text in protogen.generate(protogen.parse(read(path), path)):
                long_lines = [x for x in text.splitlines() if len(x) > 120]
                self.assertEqual(long_lines, [], path)


@unittest.skipUnless(shutil.which("clang"), "clang not installed")
class GeneratedCodeCompiles(unittest.TestCase):
    FLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(ROOT, "libsys", "include")]
    TARGETS = {
        "target": ["--target=x86_64-unknown-none-elf", "-ffreestanding", "-fno-pic", "-fno-builtin"],
        "host": ["-DPROTO_SYS_FAKE=1"],
    }

    def test_every_protocol_compiles_without_warnings(self):
        with tempfile.TemporaryDirectory() as d:
            for path in PROTO_FILES:
                self.assertEqual(protogen.main([path, "--out-dir", d]), 0)
                name = os.path.basename(path)[:-len(".proto")]
                for target, flags in self.TARGETS.items():
                    with self.subTest(protocol=name, target=target):
                        r = subprocess.run(["clang", *flags, *self.FLAGS, "-I", d, "-c",
                                            os.path.join(d, name + ".c"), "-o", os.path.join(d, name + ".o")],
                                           capture_output=True, text=True)
                        self.assertEqual(r.returncode, 0, r.stderr)
                        self.assertEqual(r.stderr, "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
