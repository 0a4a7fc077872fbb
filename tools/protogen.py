#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""protogen: the Cairn protocol compiler.

    protogen.py proto/NAME.proto --out-dir DIR

reads one protocol (the language is in docs/protocols.md) and writes
DIR/NAME.h and DIR/NAME.c: the message structs with static layout checks,
client stubs, the server dispatcher over an ops table, one validator per
incoming message, and a description table for IPC tracers. The generated C
builds freestanding on libsys/include/proto/proto.h.

A mistake in the input is reported as `FILE:LINE:COL: error: MESSAGE` on
stderr with exit status 1, and nothing is written.

Stages: lex -> parse (the syntax) -> check (names, numbers, limits) ->
layout (wire offsets) -> emit. The output depends only on the input text
and the input's file name, so two runs give identical files.
"""
import argparse
import os
import re
import sys
import textwrap
from dataclasses import dataclass, field
from typing import List, Optional

# Limits of abi/channel.h and the header of proto/proto.h.
CHAN_MAX_BYTES = 65536
CHAN_MAX_HANDLES = 16
HDR_SIZE = 24
MAX_BOUND = 65535      # string<N>, bytes<N>
MAX_ORDINAL = 0xFFFF   # u16 on the wire; 0 is never used
MAX_VERSION = 0xFFFF
MAX_ID = 0xFFFFFFFF

# IDL scalar -> (wire C type, size, API C type, description tag).
SCALARS = {
    "u8": ("uint8_t", 1, "uint8_t", "PROTO_U8"),
    "u16": ("uint16_t", 2, "uint16_t", "PROTO_U16"),
    "u32": ("uint32_t", 4, "uint32_t", "PROTO_U32"),
    "u64": ("uint64_t", 8, "uint64_t", "PROTO_U64"),
    "i32": ("int32_t", 4, "int32_t", "PROTO_I32"),
    "i64": ("int64_t", 8, "int64_t", "PROTO_I64"),
    "bool": ("uint8_t", 1, "bool", "PROTO_BOOL"),
}
KINDS = {
    "any": "PROTO_KIND_ANY",
    "process": "KIND_PROCESS",
    "thread": "KIND_THREAD",
    "channel": "KIND_CHANNEL",
    "port": "KIND_PORT",
    "vmo": "KIND_VMO",
    "timer": "KIND_TIMER",
    "irq": "KIND_IRQ",
    "ioport": "KIND_IOPORT",
    "resource": "KIND_RESOURCE",
}
RIGHTS = ["read", "write", "map", "execute", "duplicate", "transfer", "signal", "wait", "manage", "dma"]

KEYWORDS = {"protocol", "version", "call", "event", "string", "bytes", "handle"} | set(SCALARS)
C_WORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "true", "false", "offsetof", "memcpy", "memset",
}
# Parameter and local names of the generated stubs, senders and op
# prototypes, where field names become C parameters next to them.
GENERATED_LOCALS = {"ch", "ctx", "txn", "out", "deadline", "hdr", "wire", "wbuf", "rbuf", "whs", "rhs",
                    "rnh", "rc", "wpos"}
NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")


class ProtoError(Exception):
    """A mistake in a .proto file, with its position."""

    def __init__(self, path, line, col, message):
        super().__init__(f"{path}:{line}:{col}: error: {message}")
        self.path, self.line, self.col, self.message = path, line, col, message


# ---- the syntax tree ---------------------------------------------------------

@dataclass
class Type:
    kind: str                  # a SCALARS key, "string", "bytes" or "handle"
    bound: int = 0             # string<N>, bytes<N>
    obj: str = ""              # handle: a KINDS key
    rights: List[str] = field(default_factory=list)

    def idl(self):
        if self.kind in ("string", "bytes"):
            return f"{self.kind}<{self.bound}>"
        if self.kind == "handle":
            return f"handle<{self.obj}" + (", " + "|".join(self.rights) if self.rights else "") + ">"
        return self.kind


@dataclass
class Field:
    name: str
    type: Type
    line: int
    col: int


@dataclass
class Method:
    kind: str                  # "call" or "event"
    name: str
    ordinal: int
    params: List[Field]
    results: Optional[List[Field]]   # None for events
    doc: List[str]
    line: int
    col: int
    ordinal_tok: "Token" = None      # where the ordinal is, for messages

    def signature(self):
        def fields(fs):
            return "(" + ", ".join(f"{f.type.idl()} {f.name}" for f in fs) + ")"
        s = f"{self.kind} {self.name} @{self.ordinal} {fields(self.params)}"
        return s + (f" -> {fields(self.results)}" if self.kind == "call" else "")


@dataclass
class Protocol:
    name: str
    id: int
    version: int
    methods: List[Method]
    doc: List[str]
    source: str = ""           # "proto/NAME.proto", as named in the banner
    positions: dict = field(default_factory=dict)  # "name", "id", "version" -> Token


# ---- lexer -------------------------------------------------------------------

TOKEN_RE = re.compile(r"""
    (?P<space>[ \t\r]+)
  | (?P<newline>\n)
  | (?P<comment>\#[^\n]*)
  | (?P<number>(?:0[xX][0-9a-fA-F]+|[0-9]+)(?![A-Za-z0-9_]))
  | (?P<badnumber>[0-9][A-Za-z0-9_]*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>->|[{}()<>,;|@])
""", re.VERBOSE)


@dataclass
class Token:
    kind: str    # "ident", "number", "punct", "eof"
    text: str
    line: int
    col: int

    def describe(self):
        if self.kind == "eof":
            return "the end of the file"
        return f"'{self.text}'"


@dataclass
class Comment:
    text: str
    line: int
    alone: bool  # nothing but blanks before it on its line


def lex(text, path):
    tokens, comments = [], []
    line, line_start, pos, line_has_token = 1, 0, 0, False
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        col = pos - line_start + 1
        if not m:
            raise ProtoError(path, line, col, f"unexpected character '{text[pos]}'")
        kind = m.lastgroup
        if kind == "newline":
            line, line_start, line_has_token = line + 1, m.end(), False
        elif kind == "comment":
            comments.append(Comment(m.group()[1:].strip(), line, not line_has_token))
        elif kind == "badnumber":
            raise ProtoError(path, line, col, f"'{m.group()}' is not a number (decimal, or hex with 0x)")
        elif kind != "space":
            tokens.append(Token(kind, m.group(), line, col))
            line_has_token = True
        pos = m.end()
    tokens.append(Token("eof", "", line, pos - line_start + 1))
    return tokens, comments


# ---- parser ------------------------------------------------------------------

class Parser:
    """Recursive descent over the grammar in docs/protocols.md."""

    def __init__(self, text, path):
        self.path = path
        self.tokens, comments = lex(text, path)
        self.pos = 0
        self.own_line = {c.line: c.text for c in comments if c.alone}
        self.trailing = {c.line: c.text for c in comments if not c.alone}

    def error(self, tok, message):
        raise ProtoError(self.path, tok.line, tok.col, message)

    def peek(self):
        return self.tokens[self.pos]

    def next(self):
        tok = self.tokens[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def accept(self, text):
        if self.peek().kind in ("punct", "ident") and self.peek().text == text:
            return self.next()
        return None

    def expect(self, text, context):
        tok = self.next()
        if tok.kind not in ("punct", "ident") or tok.text != text:
            self.error(tok, f"expected '{text}' {context}, found {tok.describe()}")
        return tok

    def ident(self, what):
        tok = self.next()
        if tok.kind != "ident":
            self.error(tok, f"expected {what}, found {tok.describe()}")
        return tok

    def number(self, what):
        tok = self.next()
        if tok.kind != "number":
            self.error(tok, f"expected {what} (a number), found {tok.describe()}")
        return int(tok.text, 0), tok

    def doc_above(self, line):
        """The comment lines directly above `line` (no blank line between)."""
        doc = []
        while line - 1 in self.own_line:
            line -= 1
            doc.insert(0, self.own_line[line])
        return [d for d in doc if not d.startswith("SPDX-License-Identifier")]

    def parse(self):
        tok = self.next()
        if tok.kind != "ident" or tok.text != "protocol":
            self.error(tok, f"expected 'protocol' to start the file, found {tok.describe()}")
        doc = self.doc_above(tok.line)
        name = self.ident("the protocol's name after 'protocol'")
        pid, pid_tok = self.number("the protocol id after its name")
        self.expect("version", "after the protocol id")
        version, version_tok = self.number("the version after 'version'")
        self.expect("{", "to open the protocol's body")
        methods = []
        while not self.accept("}"):
            tok = self.peek()
            if tok.kind == "eof":
                self.error(tok, "expected '}' to close the protocol, found the end of the file")
            if tok.text not in ("call", "event"):
                self.error(tok, f"expected 'call', 'event' or '}}', found {tok.describe()}")
            methods.append(self.method())
        tok = self.next()
        if tok.kind != "eof":
            self.error(tok, f"expected the end of the file after the protocol's '}}' "
                            f"(one protocol per file), found {tok.describe()}")
        return Protocol(name.text, pid, version, methods, doc,
                        positions={"name": name, "id": pid_tok, "version": version_tok})

    def method(self):
        kw = self.next()
        name = self.ident(f"a name after '{kw.text}'")
        self.expect("@", f"and an ordinal after {kw.text} '{name.text}' (like '@1')")
        ordinal, ordinal_tok = self.number(f"the ordinal of '{name.text}' after '@'")
        params = self.fields(f"the arguments of '{name.text}'")
        results = None
        if kw.text == "call":
            self.expect("->", f"after the arguments of call '{name.text}' (a call has results, "
                              f"maybe none: '-> ()')")
            results = self.fields(f"the results of '{name.text}'")
        elif self.peek().text == "->":
            self.error(self.peek(), f"event '{name.text}' cannot have results: nobody answers an "
                                    f"event (make it a call)")
        end = self.expect(";", f"after {kw.text} '{name.text}'")
        doc = self.doc_above(kw.line)
        if end.line in self.trailing:
            doc.append(self.trailing[end.line])
        return Method(kw.text, name.text, ordinal, params, results, doc, name.line, name.col, ordinal_tok)

    def fields(self, what):
        self.expect("(", f"to open {what}")
        out = []
        if self.accept(")"):
            return out
        while True:
            ty = self.type()
            name = self.ident(f"a name after the type {ty.idl()}")
            out.append(Field(name.text, ty, name.line, name.col))
            tok = self.next()
            if tok.text == ")":
                return out
            if tok.text != ",":
                self.error(tok, f"expected ',' or ')' after '{name.text}' in {what}, found {tok.describe()}")

    def type(self):
        tok = self.next()
        if tok.kind != "ident":
            self.error(tok, f"expected a type, found {tok.describe()}")
        if tok.text in SCALARS:
            return Type(tok.text)
        if tok.text in ("string", "bytes"):
            self.expect("<", f"after '{tok.text}' (a bound is required: {tok.text}<N>)")
            bound, btok = self.number(f"the bound N of {tok.text}<N>")
            if not 1 <= bound <= MAX_BOUND:
                self.error(btok, f"the bound of {tok.text}<N> must be 1 to {MAX_BOUND}, not {bound}")
            self.expect(">", f"after the bound of {tok.text}<{bound}")
            return Type(tok.text, bound=bound)
        if tok.text == "handle":
            return self.handle_type()
        self.error(tok, f"unknown type '{tok.text}' (types: {', '.join(SCALARS)}, string<N>, "
                        f"bytes<N>, handle<KIND, RIGHTS>)")

    def handle_type(self):
        self.expect("<", "after 'handle' (handle<KIND> or handle<KIND, RIGHT|RIGHT>)")
        kind = self.ident("an object kind in handle<...>")
        if kind.text not in KINDS:
            self.error(kind, f"unknown object kind '{kind.text}' (kinds: {', '.join(KINDS)})")
        rights = []
        if self.accept(","):
            while True:
                r = self.ident("a right in handle<...>")
                if r.text not in RIGHTS:
                    self.error(r, f"unknown right '{r.text}' (rights: {', '.join(RIGHTS)})")
                if r.text in rights:
                    self.error(r, f"right '{r.text}' appears twice")
                rights.append(r.text)
                if not self.accept("|"):
                    break
        tok = self.next()
        if tok.text != ">":
            self.error(tok, f"expected '|' or '>' in handle<{kind.text}...>, found {tok.describe()}")
        # Canonical order (that of abi/handle.h), so output does not depend on it.
        return Type("handle", obj=kind.text, rights=sorted(rights, key=RIGHTS.index))


# ---- meaning and limits --------------------------------------------------------

def check_name(path, name, line, col, what):
    if not NAME_RE.match(name):
        raise ProtoError(path, line, col, f"{what} '{name}' must be lower_case: a letter, then "
                                          f"letters, digits or '_'")
    if name in KEYWORDS or name in C_WORDS:
        raise ProtoError(path, line, col, f"{what} '{name}' is a reserved word")


def check(proto, path):
    pos = proto.positions
    stem = os.path.splitext(os.path.basename(path))[0]
    check_name(path, proto.name, pos["name"].line, pos["name"].col, "protocol name")
    if proto.name == "proto":
        raise ProtoError(path, pos["name"].line, pos["name"].col,
                         "protocol name 'proto' is reserved (proto/proto.h uses the prefix)")
    if proto.name != stem:
        raise ProtoError(path, pos["name"].line, pos["name"].col,
                         f"protocol '{proto.name}' must be in a file named {proto.name}.proto, "
                         f"not {os.path.basename(path)}")
    if not 1 <= proto.id <= MAX_ID:
        raise ProtoError(path, pos["id"].line, pos["id"].col,
                         f"the protocol id must be 1 to 0x{MAX_ID:x}, not {proto.id}")
    if not 1 <= proto.version <= MAX_VERSION:
        raise ProtoError(path, pos["version"].line, pos["version"].col,
                         f"the version must be 1 to {MAX_VERSION}, not {proto.version}")

    if not proto.methods:
        raise ProtoError(path, pos["name"].line, pos["name"].col,
                         f"protocol '{proto.name}' declares no call or event")
    by_name, by_ordinal = {}, {}
    generated = {n: None for n in protocol_names(proto.name)}
    for m in proto.methods:
        check_name(path, m.name, m.line, m.col, f"{m.kind} name")
        if m.name in by_name:
            raise ProtoError(path, m.line, m.col, f"'{m.name}' is already declared on line "
                                                  f"{by_name[m.name].line}")
        by_name[m.name] = m
        if not 1 <= m.ordinal <= MAX_ORDINAL:
            raise ProtoError(path, m.ordinal_tok.line, m.ordinal_tok.col,
                             f"the ordinal of '{m.name}' must be 1 to {MAX_ORDINAL}, not {m.ordinal}")
        if m.ordinal in by_ordinal:
            other = by_ordinal[m.ordinal]
            raise ProtoError(path, m.ordinal_tok.line, m.ordinal_tok.col,
                             f"ordinal @{m.ordinal} of '{m.name}' is already used by '{other.name}' "
                             f"(line {other.line})")
        by_ordinal[m.ordinal] = m
        for ident in generated_names(proto.name, m):
            if ident in generated:
                other = generated[ident]
                if other is None:
                    raise ProtoError(path, m.line, m.col, f"{m.kind} '{m.name}' would generate '{ident}', "
                                                          f"which the protocol itself uses; rename it")
                raise ProtoError(path, m.line, m.col,
                                 f"{m.kind} '{m.name}' and {other.kind} '{other.name}' (line {other.line}) "
                                 f"would both generate '{ident}'; rename one")
            generated[ident] = m
        for role, fields in message_fields(m):
            check_fields(path, m, role, fields)
    for m in proto.methods:
        for role, fields in message_fields(m):
            msg = layout(proto, m, role, fields)
            if msg.max_size > CHAN_MAX_BYTES:
                raise ProtoError(path, m.line, m.col,
                                 f"the {role} of '{m.name}' can be {msg.max_size} bytes, more than a "
                                 f"channel message ({CHAN_MAX_BYTES}); pass bulk data in a vmo")


def message_fields(m):
    if m.kind == "event":
        return [("event", m.params)]
    return [("request", m.params), ("reply", m.results)]


def check_fields(path, m, role, fields):
    seen = {}
    for f in fields:
        check_name(path, f.name, f.line, f.col, "field name")
        if f.name in GENERATED_LOCALS or f.name.endswith("_t") or f.name.startswith(("proto_", "sys_")):
            raise ProtoError(path, f.line, f.col, f"field name '{f.name}' is reserved for the generated "
                                                  f"code (it names a parameter, local or type there)")
        if f.name in seen:
            raise ProtoError(path, f.line, f.col, f"field '{f.name}' is declared twice in the {role} "
                                                  f"of '{m.name}'")
        seen[f.name] = f
    for f in fields:
        if f.type.kind in ("string", "bytes") and f.name + "_len" in seen:
            g = seen[f.name + "_len"]
            raise ProtoError(path, g.line, g.col, f"field '{g.name}' clashes with the length of "
                                                  f"{f.type.kind} '{f.name}' ({f.name}_len)")
    handles = [f for f in fields if f.type.kind == "handle"]
    if len(handles) > CHAN_MAX_HANDLES:
        f = handles[CHAN_MAX_HANDLES]
        raise ProtoError(path, f.line, f.col, f"the {role} of '{m.name}' has {len(handles)} handles; a "
                                              f"channel message carries at most {CHAN_MAX_HANDLES}")


def generated_names(p, m):
    """The file-scope C names a method generates (for clash checks)."""
    b = f"{p}_{m.name}"
    if m.kind == "call":
        names = [b, f"{b}_reply", f"{b}_request_validate", f"{b}_reply_validate", f"{b}_reply_decode",
                 f"{b}_serve", f"{b}_request_t", f"{b}_reply_t", f"{b}_result_t",
                 f"{b}_request_fields", f"{b}_reply_fields"]
        macros = ["ORDINAL", "REQUEST_MAX_SIZE", "REPLY_MAX_SIZE"]
    else:
        names = [f"{b}_send", f"{b}_event_validate", f"{b}_serve", f"{b}_event_t", f"{b}_event_fields"]
        macros = ["ORDINAL", "EVENT_MAX_SIZE"]
    return names + [f"{b.upper()}_{x}" for x in macros]


def protocol_names(p):
    """The file-scope C names of the protocol itself."""
    return [f"{p}_ops_t", f"{p}_dispatch", f"{p}_desc", f"{p}_messages",
            f"{p.upper()}_PROTOCOL_ID", f"{p.upper()}_PROTOCOL_VERSION"]


# ---- wire layout -----------------------------------------------------------------

@dataclass
class Member:
    """One member of a wire struct after the header."""
    name: str        # C member name
    ctype: str
    offset: int
    size: int
    field: Optional[Field]   # None for padding
    pad: bool = False


@dataclass
class Message:
    role: str                # "request", "reply", "event"
    method: Method
    fields: List[Field]
    struct: str              # C type name
    members: List[Member]
    fixed_size: int
    max_size: int
    max_macro: str
    var: List[Field]         # strings and byte arrays, in order
    handles: List[Field]
    flags: str               # the header flags this message carries


def layout(proto, m, role, fields):
    """Fields in declaration order at their natural alignment, explicit
    padding, the struct rounded up to 8 (the header's alignment)."""
    members, off, npad, var, handles = [], HDR_SIZE, 0, [], []

    def pad_to(align):
        nonlocal off, npad
        if off % align:
            n = align - off % align
            members.append(Member(f"_pad{npad}", "uint8_t", off, n, None, pad=True))
            off += n
            npad += 1

    for f in fields:
        if f.type.kind == "handle":
            handles.append(f)
            continue
        if f.type.kind in ("string", "bytes"):
            ctype, size, name = "uint32_t", 4, f.name + "_len"
            var.append(f)
        else:
            ctype, size, name = SCALARS[f.type.kind][0], SCALARS[f.type.kind][1], f.name
        pad_to(size)
        members.append(Member(name, ctype, off, size, f))
        off += size
    pad_to(8)
    var_max = sum(f.type.bound + (1 if f.type.kind == "string" else 0) for f in var)
    base = f"{proto.name}_{m.name}_{role}"
    flags = {"request": "0", "reply": "PROTO_FLAG_REPLY", "event": "PROTO_FLAG_EVENT"}[role]
    return Message(role, m, fields, base + "_t", members, off, off + var_max, base.upper() + "_MAX_SIZE",
                   var, handles, flags)


# ---- emitting C ------------------------------------------------------------------

def c_comment_text(s):
    return s.replace("*/", "* /")


def c_block_comment(text, width=100):
    """`text` as a /* */ comment of lines at most `width` wide."""
    lines = textwrap.wrap(c_comment_text(text), width - 6)
    if len(lines) == 1:
        return [f"/* {lines[0]} */"]
    return [f"/* {lines[0]}"] + [f" * {x}" for x in lines[1:-1]] + [f" * {lines[-1]} */"]


def wrap_lines(lines, limit=110):
    """Lines longer than `limit` broken after top-level commas of their first
    parenthesis or brace, continued under its first argument. Comments and
    lines broken by hand are left alone."""
    out = []
    for text in lines:
        for line in text.split("\n"):
            out += wrap_line(line, limit)
    return out


def wrap_line(line, limit):
    stripped = line.lstrip()
    if len(line) <= limit or stripped.startswith(("/*", "*")):
        return [line]
    # The first outermost bracket with a comma inside holds the list to
    # break: the parameters of `int (*op)(...)`, not `(*op)`.
    start, depth, opener = -1, 0, -1
    for i, c in enumerate(line):
        if c in "([{":
            if depth == 0:
                opener = i
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 1:
            start = opener
            break
    if start < 0:
        return [line]
    parts, depth, last = [], 0, start + 1
    for i in range(start + 1, len(line)):
        c = line[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(line[last:i + 1].strip())
            last = i + 1
    parts.append(line[last:].strip())
    out, cur, indent = [], line[:start + 1], " " * (start + 1)
    for part in parts:
        if cur.strip() and len(cur) + 1 + len(part) > limit and cur != line[:start + 1]:
            out.append(cur.rstrip())
            cur = indent + part
        else:
            cur = cur + ("" if cur.endswith(("(", "{")) else " ") + part
    out.append(cur)
    return out


def rights_expr(rights):
    return " | ".join("RIGHT_" + r.upper() for r in rights) if rights else "0"


class Emitter:
    def __init__(self, proto):
        self.p = proto
        self.P = proto.name.upper()
        self.messages = {}
        for m in proto.methods:
            for role, fields in message_fields(m):
                self.messages[(m.name, role)] = layout(proto, m, role, fields)

    def msg(self, m, role):
        return self.messages[(m.name, role)]

    def ordinal(self, m):
        return f"{self.P}_{m.name.upper()}_ORDINAL"

    def header_args(self, m):
        return f"{self.P}_PROTOCOL_ID, {self.P}_PROTOCOL_VERSION, {self.ordinal(m)}"

    def banner(self, what):
        p = self.p
        out = ["/* SPDX-License-Identifier: BSD-2-Clause */",
               "/*",
               f" * {p.name}.{what}: generated from {p.source} by tools/protogen.py — do not edit.",
               " *"]
        for d in p.doc:
            out.append(f" * {c_comment_text(d)}".rstrip())
        if p.doc:
            out.append(" *")
        return out

    # -- signatures --

    def api_params(self, fields):
        """C parameters for a list of fields, as the client passes them."""
        out = []
        for f in fields:
            k = f.type.kind
            if k == "string":
                out.append(f"const char *{f.name}")
            elif k == "bytes":
                out += [f"const void *{f.name}", f"uint32_t {f.name}_len"]
            elif k == "handle":
                out.append(f"handle_t {f.name}")
            else:
                out.append(f"{SCALARS[k][2]} {f.name}")
        return out

    def op_params(self, fields):
        """C parameters for a list of fields, as the op receives them."""
        out = []
        for f in fields:
            if f.type.kind == "bytes":
                out += [f"const uint8_t *{f.name}", f"uint32_t {f.name}_len"]
            else:
                out += self.api_params([f])
        return out

    def stub_proto(self, m):
        p = self.p.name
        params = ["handle_t ch"] + self.api_params(m.params)
        if m.results:
            params.append(f"{p}_{m.name}_result_t *out")
        params.append("uint64_t deadline")
        return f"int {p}_{m.name}({', '.join(params)})"

    def reply_proto(self, m):
        p = self.p.name
        params = ["const proto_txn_t *txn", "int status"]
        if m.results:
            params.append(f"const {p}_{m.name}_result_t *res")
        return f"int {p}_{m.name}_reply({', '.join(params)})"

    def send_proto(self, m):
        params = ["handle_t ch"] + self.api_params(m.params)
        return f"int {self.p.name}_{m.name}_send({', '.join(params)})"

    def validate_proto(self, msg):
        return (f"int {self.p.name}_{msg.method.name}_{msg.role}_validate(const void *msg, uint32_t nbytes, "
                f"const handle_t *handles, uint32_t nhandles)")

    def op_decl(self, m):
        if m.kind == "call":
            params = ["void *ctx", "const proto_txn_t *txn"] + self.op_params(m.params)
            if m.results:
                params.append(f"{self.p.name}_{m.name}_result_t *out")
            return f"int (*{m.name})({', '.join(params)});"
        params = ["void *ctx"] + self.op_params(m.params)
        return f"void (*{m.name})({', '.join(params)});"

    # -- header --

    def header(self):
        p, P = self.p.name, self.P
        o = self.banner("h")
        o += [
            f" * Protocol {p}, id 0x{self.p.id:x}, version {self.p.version}. docs/protocols.md has the wire",
            " * format and the rules; in short:",
            f" *  - client: {p}_CALL(ch, args..., &out, deadline) calls and waits. It returns",
            " *    the server's status, a transport error or the reply's validation error,",
            f" *    and writes *out only on OK. {p}_EVENT_send(ch, args...) sends an event.",
            " *    Handles passed to either are consumed, whatever the outcome.",
            f" *  - server: {p}_dispatch() validates a received message, then runs its op",
            f" *    ({p}_ops_t) and sends the op's answer. A malformed message, an unknown",
            " *    ordinal or a NULL op never reaches an op: its handles are closed and a",
            " *    request is answered with the error.",
            " */",
            f"#ifndef PROTO_GEN_{P}_H",
            f"#define PROTO_GEN_{P}_H",
            "",
            '#include "proto/proto.h"',
            "",
            f"#define {P}_PROTOCOL_ID 0x{self.p.id:x}u",
            f"#define {P}_PROTOCOL_VERSION {self.p.version}u",
            "",
        ]
        if self.p.methods:
            o.append(f"enum {p}_ordinal {{")
            for m in self.p.methods:
                o.append(f"    {self.ordinal(m)} = {m.ordinal},")
            o += ["};", ""]
        for m in self.p.methods:
            o += self.header_method(m)
        o += self.header_server()
        o += ["#endif", ""]
        return "\n".join(wrap_lines(o))

    def header_method(self, m):
        p = self.p.name
        title = f"/* ---- {m.kind} {m.name} @{m.ordinal} "
        o = [title + "-" * max(4, 78 - len(title)), " *"]
        o += [f" * {c_comment_text(d)}".rstrip() for d in m.doc]
        if m.doc:
            o.append(" *")
        sig = c_comment_text(m.signature())
        if len(sig) > 100 and " -> " in sig:
            head, tail = sig.split(" -> ", 1)
            o += [f" *     {head}", f" *         -> {tail}"]
        else:
            o.append(f" *     {sig}")
        o += [" */", ""]
        for role, _ in message_fields(m):
            o += self.header_struct(self.msg(m, role))
        if m.kind == "call":
            if m.results:
                o += self.header_result(m)
            o += [f"{self.stub_proto(m)};",
                  "/* Answers the call of txn (for an op that returned PROTO_DEFER). */",
                  f"{self.reply_proto(m)};",
                  f"{self.validate_proto(self.msg(m, 'request'))};",
                  f"{self.validate_proto(self.msg(m, 'reply'))};", ""]
        else:
            o += [f"{self.send_proto(m)};",
                  f"{self.validate_proto(self.msg(m, 'event'))};", ""]
        return o

    def header_struct(self, msg):
        what = {"request": "Request", "reply": "Reply (an error reply is a bare header)",
                "event": "Event"}[msg.role]
        o = []
        text = what
        if msg.var:
            text += ", followed by " + ", ".join(
                f"{f.name} ({f.name}_len bytes{' + NUL' if f.type.kind == 'string' else ''})" for f in msg.var)
        text += "."
        if msg.handles:
            text += " Handles: " + ", ".join(f"{f.name} {f.type.idl()}" for f in msg.handles) + "."
        o = c_block_comment(text)
        tag = msg.struct[:-2]
        o.append(f"typedef struct {tag} {{")
        o.append("    proto_hdr_t hdr;")
        for mb in msg.members:
            if mb.pad:
                o.append(f"    uint8_t {mb.name}[{mb.size}]; /* reserved, zero */")
            elif mb.field.type.kind in ("string", "bytes"):
                o.append(f"    {mb.ctype} {mb.name}; /* {mb.field.type.idl()} {mb.field.name} */")
            elif mb.field.type.kind == "bool":
                o.append(f"    {mb.ctype} {mb.name}; /* bool: 0 or 1 */")
            else:
                o.append(f"    {mb.ctype} {mb.name};")
        o.append(f"}} {msg.struct};")
        o.append(f'_Static_assert(sizeof({msg.struct}) == {msg.fixed_size}, "{msg.struct} layout");')
        for mb in msg.members:
            if not mb.pad:
                o.append(f'_Static_assert(offsetof({msg.struct}, {mb.name}) == {mb.offset}, '
                         f'"{msg.struct} layout");')
        o.append(f"#define {msg.max_macro} {msg.max_size}u")
        o.append("")
        return o

    def header_result(self, m):
        p = self.p.name
        o = ["/* The results: what the op fills in and the client receives. */",
             f"typedef struct {p}_{m.name}_result {{"]
        for f in m.results:
            k = f.type.kind
            if k == "string":
                o.append(f"    char {f.name}[{f.type.bound + 1}]; /* a C string */")
            elif k == "bytes":
                o.append(f"    uint8_t {f.name}[{f.type.bound}];")
                o.append(f"    uint32_t {f.name}_len;")
            elif k == "handle":
                o.append(f"    handle_t {f.name}; /* {f.type.idl()} */")
            else:
                o.append(f"    {SCALARS[k][2]} {f.name};")
        o += [f"}} {p}_{m.name}_result_t;", ""]
        return o

    def header_server(self):
        p = self.p.name
        o = [f"/* ---- server " + "-" * 64, " *",
             " * One op per call and event; NULL ops are answered ERR_NOT_SUPPORTED. A call",
             " * op returns OK (the results in *out, zeroed before, are sent), an error",
             " * (sent as the status; *out is dropped) or PROTO_DEFER (no answer now: copy",
             " * *txn and call METHOD_reply later). Handles passed to an op are the op's.",
             " */",
             f"typedef struct {p}_ops {{"]
        for m in self.p.methods:
            o.append(f"    {self.op_decl(m)}")
        o += [f"}} {p}_ops_t;", "",
              "/* Validates one received message, runs its op and sends the answer. Returns",
              " * OK when the op ran (whatever its status) and its answer was sent or",
              " * deferred; otherwise the rejection (the message's handles are closed) or the",
              " * error writing the reply. */",
              f"int {p}_dispatch(const {p}_ops_t *ops, void *ctx, handle_t ch, const void *msg, "
              f"uint32_t nbytes, const handle_t *handles, uint32_t nhandles);",
              "",
              "/* Names and layouts of every message, for tracers. */",
              f"extern const proto_desc_t {p}_desc;",
              ""]
        return o

    # -- source --

    def source(self):
        p = self.p.name
        o = self.banner("c")
        o += [" * Validators, client stubs, replies, the dispatcher and the description",
              f" * table of protocol {p}; {p}.h has the contract.",
              " */",
              f'#include "{p}.h"',
              ""]
        o.append("/* ---- validators: every check, before any op sees a message " + "-" * 16 + " */")
        o.append("")
        for m in self.p.methods:
            for role, _ in message_fields(m):
                o += self.source_validate(self.msg(m, role))
        o.append("/* ---- client " + "-" * 63 + " */")
        o.append("")
        for m in self.p.methods:
            if m.kind == "call":
                if m.results:
                    o += self.source_decode(m)
                o += self.source_stub(m)
            else:
                o += self.source_send(m)
        o.append("/* ---- server " + "-" * 63 + " */")
        o.append("")
        for m in self.p.methods:
            if m.kind == "call":
                o += self.source_reply(m)
            o += self.source_serve(m)
        o += self.source_dispatch()
        o += self.source_desc()
        return "\n".join(wrap_lines(o))

    def source_validate(self, msg):
        m = msg.method
        fixed = msg.members
        strings = [i for i, f in enumerate(msg.var) if f.type.kind == "string"]
        # Padding, bools and lengths are checked in a copy of the fixed part
        # (the receive buffer need not be aligned); other scalars need nothing.
        checked = any(mb.pad or mb.field.type.kind in ("bool", "string", "bytes") for mb in fixed)
        o = [f"{self.validate_proto(msg)}", "{"]
        if checked:
            o.append(f"    {msg.struct} m;")
        if strings:
            o.append("    const uint8_t *var;")
        o.append(f"    int err = proto_check_header(msg, nbytes, {self.header_args(m)}, {msg.flags});")
        o.append("")
        if not msg.handles:
            o.append("    (void)handles;")
        o += ["    if (err != OK)", "        return err;"]
        if msg.role == "reply":
            o += ["    if (proto_msg_status(msg) != OK)", "        return proto_check_error_reply(nbytes, nhandles);"]
        if not checked:
            o += [f"    if (nbytes != sizeof({msg.struct}))", "        return ERR_CORRUPT;"]
        else:
            cmp = "<" if msg.var else "!="
            o += [f"    if (nbytes {cmp} sizeof m)", "        return ERR_CORRUPT;",
                  "    memcpy(&m, msg, sizeof m);"]
            pads = [mb for mb in fixed if mb.pad]
            if pads:
                o += self.if_block([f"!proto_is_zero(m.{mb.name}, sizeof m.{mb.name})" for mb in pads],
                                   ["return ERR_CORRUPT;"])
            bools = [mb for mb in fixed if mb.field and mb.field.type.kind == "bool"]
            if bools:
                o += self.if_block([f"m.{mb.name} > 1" for mb in bools], ["return ERR_CORRUPT;"])
            if msg.var:
                o += self.if_block([f"m.{f.name}_len > {f.type.bound}" for f in msg.var], ["return ERR_CORRUPT;"])
                total = " + ".join(["(uint64_t)sizeof m"] + [self.var_size("m", f) for f in msg.var])
                o += [f"    if (nbytes != {total})", "        return ERR_CORRUPT;"]
                if strings:
                    o.append("    var = (const uint8_t *)msg + sizeof m;")
                for i, f in enumerate(msg.var[:strings[-1] + 1] if strings else []):
                    if f.type.kind == "string":
                        o += [f"    if (!proto_string_ok(var, m.{f.name}_len))", "        return ERR_CORRUPT;"]
                    if i < strings[-1]:
                        o.append(f"    var += {self.var_size('m', f)};")
        o += [f"    if (nhandles != {len(msg.handles)})", "        return ERR_INVALID_ARGS;"]
        for i, f in enumerate(msg.handles):
            o += [f"    err = proto_check_handle(handles[{i}], {KINDS[f.type.obj]}, {rights_expr(f.type.rights)});"
                  f" /* {f.name} */",
                  "    if (err != OK)", "        return err;"]
        o += ["    return OK;", "}", ""]
        return o

    @staticmethod
    def if_block(conds, body):
        """`if (a || b) body`, one condition a line when they do not fit on
        one, with braces only around several statements."""
        cond = " || ".join(conds)
        if len(cond) > 90:
            cond = (" ||\n" + " " * 8).join(conds)
        if len(body) == 1:
            return [f"    if ({cond})", f"        {body[0]}"]
        return [f"    if ({cond}) {{"] + [f"        {b}" for b in body] + ["    }"]

    @staticmethod
    def var_size(s, f):
        return f"{s}.{f.name}_len + 1" if f.type.kind == "string" else f"{s}.{f.name}_len"

    def encode(self, msg, src):
        """The assignments of the fixed part from `src` ("" for parameters,
        "res->" for results), and the appends of the variable part, each
        false when its value breaks the bound."""
        o = []
        for mb in msg.members:
            if mb.pad or mb.field.type.kind in ("string", "bytes"):
                continue
            if mb.field.type.kind == "bool":
                o.append(f"    wire.{mb.name} = {src}{mb.field.name} ? 1 : 0;")
            else:
                o.append(f"    wire.{mb.name} = {src}{mb.field.name};")
        puts = []
        for f in msg.var:
            if f.type.kind == "string":
                puts.append(f"!proto_put_string(wbuf, &wpos, {src}{f.name}, {f.type.bound}, &wire.{f.name}_len)")
            else:
                puts.append(f"!proto_put_bytes(wbuf, &wpos, {src}{f.name}, {src}{f.name}_len, {f.type.bound}, "
                            f"&wire.{f.name}_len)")
        return o, puts

    def source_stub(self, m):
        req, rep = self.msg(m, "request"), self.msg(m, "reply")
        p = self.p.name
        nh = len(req.handles)
        o = [f"{self.stub_proto(m)}", "{"]
        if req.var:
            o.append(f"    uint8_t wbuf[{req.max_macro}];")
        o.append(f"    uint8_t rbuf[{rep.max_macro}];")
        if nh:
            o.append(f"    handle_t whs[{nh}] = {{{', '.join(f.name for f in req.handles)}}};")
        o += ["    handle_t rhs[CHAN_MAX_HANDLES];",
              f"    {req.struct} wire;"]
        if req.var:
            o.append("    uint32_t wpos = sizeof wire;")
        o += ["    uint32_t rnh;", "    int rc;", "",
              "    memset(&wire, 0, sizeof wire);",
              f"    proto_hdr_init(&wire.hdr, 0, {self.header_args(m)}, 0, OK);"]
        sets, puts = self.encode(req, "")
        o += sets
        whs = ("whs", str(nh)) if nh else ("NULL", "0")
        if puts:
            o += self.if_block(puts, ([f"proto_close_handles(whs, {nh});"] if nh else []) +
                               ["return ERR_INVALID_ARGS;"])
            o += ["    memcpy(wbuf, &wire, sizeof wire);",
                  f"    rc = proto_call(ch, wbuf, wpos, {whs[0]}, {whs[1]}, rbuf, sizeof rbuf, rhs, &rnh, deadline);"]
        else:
            o.append(f"    rc = proto_call(ch, &wire, sizeof wire, {whs[0]}, {whs[1]}, rbuf, sizeof rbuf, rhs, &rnh, "
                     f"deadline);")
        o += ["    if (rc < 0)", "        return rc;",
              f"    rc = {p}_{m.name}_reply_validate(rbuf, (uint32_t)rc, rhs, rnh);",
              "    if (rc != OK) {",
              "        proto_close_handles(rhs, rnh);",
              "        return rc;",
              "    }",
              ]
        if m.results:
            o += ["    rc = proto_msg_status(rbuf);",
                  "    if (rc == OK)", f"        {p}_{m.name}_reply_decode(rbuf, rhs, out);",
                  "    return rc;", "}", ""]
        else:
            o += ["    return proto_msg_status(rbuf);", "}", ""]
        return o

    def source_decode(self, m):
        rep = self.msg(m, "reply")
        p = self.p.name
        o = [f"/* A validated OK reply into *out. */",
             f"static void {p}_{m.name}_reply_decode(const uint8_t *msg, const handle_t *handles, "
             f"{p}_{m.name}_result_t *out)", "{"]
        if rep.members:
            o.append(f"    {rep.struct} m;")
        if rep.var:
            o.append("    const uint8_t *var = msg + sizeof m;")
        o.append("")
        if not rep.handles:
            o.append("    (void)handles;")
        if rep.members:
            o.append("    memcpy(&m, msg, sizeof m);")
        else:
            o.append("    (void)msg;")
        for mb in rep.members:
            if mb.pad or mb.field.type.kind in ("string", "bytes"):
                continue
            if mb.field.type.kind == "bool":
                o.append(f"    out->{mb.name} = m.{mb.name} != 0;")
            else:
                o.append(f"    out->{mb.name} = m.{mb.name};")
        for i, f in enumerate(rep.var):
            o.append(f"    memcpy(out->{f.name}, var, {'(size_t)' if f.type.kind == 'string' else ''}"
                     f"{self.var_size('m', f)});")
            if f.type.kind == "bytes":
                o.append(f"    out->{f.name}_len = m.{f.name}_len;")
            if i + 1 < len(rep.var):
                o.append(f"    var += {self.var_size('m', f)};")
        for i, f in enumerate(rep.handles):
            o.append(f"    out->{f.name} = handles[{i}];")
        o += ["}", ""]
        return o

    def source_send(self, m):
        evt = self.msg(m, "event")
        nh = len(evt.handles)
        o = [f"{self.send_proto(m)}", "{"]
        if evt.var:
            o.append(f"    uint8_t wbuf[{evt.max_macro}];")
        if nh:
            o.append(f"    handle_t whs[{nh}] = {{{', '.join(f.name for f in evt.handles)}}};")
        o.append(f"    {evt.struct} wire;")
        if evt.var:
            o.append("    uint32_t wpos = sizeof wire;")
        o += ["", "    memset(&wire, 0, sizeof wire);",
              f"    proto_hdr_init(&wire.hdr, 0, {self.header_args(m)}, PROTO_FLAG_EVENT, OK);"]
        sets, puts = self.encode(evt, "")
        o += sets
        whs = ("whs", str(nh)) if nh else ("NULL", "0")
        if puts:
            o += self.if_block(puts, ([f"proto_close_handles(whs, {nh});"] if nh else []) +
                               ["return ERR_INVALID_ARGS;"])
            o += ["    memcpy(wbuf, &wire, sizeof wire);",
                  f"    return proto_send(ch, wbuf, wpos, {whs[0]}, {whs[1]});"]
        else:
            o.append(f"    return proto_send(ch, &wire, sizeof wire, {whs[0]}, {whs[1]});")
        o += ["}", ""]
        return o

    def source_reply(self, m):
        rep = self.msg(m, "reply")
        nh = len(rep.handles)
        args = self.header_args(m)
        o = [f"{self.reply_proto(m)}", "{"]
        if not m.results:
            o += ["    if (status > 0) /* PROTO_DEFER or a stray value: not an answer */",
                  f"        return proto_reply_internal(txn, {args}, NULL, 0);",
                  f"    return proto_reply_status(txn, {args}, status);", "}", ""]
            return o
        whs = ("whs", str(nh)) if nh else ("NULL", "0")
        if rep.var:
            o.append(f"    uint8_t wbuf[{rep.max_macro}];")
        if nh:
            o.append(f"    handle_t whs[{nh}] = {{{', '.join('HANDLE_INVALID' for _ in rep.handles)}}};")
        o.append(f"    {rep.struct} wire;")
        if rep.var:
            o.append("    uint32_t wpos = sizeof wire;")
        o.append("")
        if nh:
            o += self.if_block(["res != NULL"], [f"whs[{i}] = res->{f.name};" for i, f in enumerate(rep.handles)])
        o += self.if_block(["status < 0"], ([f"proto_close_handles(whs, {nh});"] if nh else []) +
                           [f"return proto_reply_status(txn, {args}, status);"])
        o += ["    if (status != OK || res == NULL) /* PROTO_DEFER, a stray value, no results */",
              f"        return proto_reply_internal(txn, {args}, {whs[0]}, {whs[1]});",
              "    memset(&wire, 0, sizeof wire);",
              f"    proto_hdr_init(&wire.hdr, txn->txid, {args}, PROTO_FLAG_REPLY, OK);"]
        sets, puts = self.encode(rep, "res->")
        o += sets
        bad = [f"whs[{i}] == HANDLE_INVALID" for i in range(nh)] + puts
        if bad:
            o.append("    /* Results that break the protocol are the op's bug: the caller gets")
            o.append("     * ERR_INTERNAL rather than a reply its validator would refuse. */")
            o.append(f"    if ({(' ||' + chr(10) + '        ').join(bad)})")
            o.append(f"        return proto_reply_internal(txn, {args}, {whs[0]}, {whs[1]});")
        if rep.var:
            o += ["    memcpy(wbuf, &wire, sizeof wire);",
                  f"    return proto_send(txn->ch, wbuf, wpos, {whs[0]}, {whs[1]});"]
        else:
            o.append(f"    return proto_send(txn->ch, &wire, sizeof wire, {whs[0]}, {whs[1]});")
        o += ["}", ""]
        return o

    def op_args(self, msg, s):
        """The op's arguments from validated message `s` (a local copy)."""
        args, hi, vi = [], 0, 0
        for f in msg.fields:
            k = f.type.kind
            if k == "handle":
                args.append(f"handles[{hi}]")
                hi += 1
            elif k == "string":
                args.append(f"(const char *)arg_{f.name}")
            elif k == "bytes":
                args += [f"arg_{f.name}", f"{s}.{f.name}_len"]
            elif k == "bool":
                args.append(f"{s}.{f.name} != 0")
            else:
                args.append(f"{s}.{f.name}")
        return args

    def var_locals(self, msg, s):
        o, offset = [], []
        for f in msg.var:
            at = " + ".join(["(const uint8_t *)msg + sizeof " + s] + offset)
            o.append(f"    const uint8_t *arg_{f.name} = {at};")
            offset.append(self.var_size(s, f))
        return o

    def source_serve(self, m):
        p = self.p.name
        role = "request" if m.kind == "call" else "event"
        msg = self.msg(m, role)
        s = "req" if m.kind == "call" else "evt"
        o = [f"static int {p}_{m.name}_serve(const {p}_ops_t *ops, void *ctx, const proto_txn_t *txn, "
             f"const proto_hdr_t *hdr, const void *msg, uint32_t nbytes, const handle_t *handles, "
             f"uint32_t nhandles)",
             "{"]
        if msg.members:
            o.append(f"    {msg.struct} {s};")
        if m.kind == "call" and m.results:
            o.append(f"    {p}_{m.name}_result_t out;")
        o += [f"    int status = {p}_{m.name}_{role}_validate(msg, nbytes, handles, nhandles);", "",
              f"    if (status == OK && ops->{m.name} == NULL)",
              "        status = ERR_NOT_SUPPORTED;",
              "    if (status != OK)",
              "        return proto_reject(txn, hdr, status, handles, nhandles);"]
        if msg.members:
            o.append(f"    memcpy(&{s}, msg, sizeof {s});")
        o += self.var_locals(msg, s)
        args = ["ctx"] + (["txn"] if m.kind == "call" else []) + self.op_args(msg, s)
        if m.kind == "event":
            o += [f"    ops->{m.name}({', '.join(args)});", "    return OK;", "}", ""]
            return o
        rep = self.msg(m, "reply")
        if m.results:
            o.append("    memset(&out, 0, sizeof out);")
            args.append("&out")
        o.append(f"    status = ops->{m.name}({', '.join(args)});")
        o += self.if_block(["status == PROTO_DEFER"],
                           [f"proto_close_handles(&out.{f.name}, 1); /* results of a deferred call are dropped */"
                            for f in rep.handles] + ["return OK;"])
        o += [
              f"    return {p}_{m.name}_reply(txn, status{', &out' if m.results else ''});", "}", ""]
        return o

    def source_dispatch(self):
        p, P = self.p.name, self.P
        o = [f"int {p}_dispatch(const {p}_ops_t *ops, void *ctx, handle_t ch, const void *msg, uint32_t nbytes, "
             f"const handle_t *handles, uint32_t nhandles)",
             "{",
             "    proto_hdr_t hdr;",
             "    proto_txn_t txn;",
             "",
             "    /* Too short to know what it is or whom to answer. */",
             "    if (msg == NULL || nbytes < sizeof hdr) {",
             "        proto_close_handles(handles, nhandles);",
             "        return ERR_CORRUPT;",
             "    }",
             "    memcpy(&hdr, msg, sizeof hdr);",
             "    txn.ch = ch;",
             "    txn.txid = hdr.txid;",
             f"    if (hdr.protocol != {P}_PROTOCOL_ID || hdr.version != {P}_PROTOCOL_VERSION)",
             "        return proto_reject(&txn, &hdr, ERR_NOT_SUPPORTED, handles, nhandles);",
             "    switch (hdr.ordinal) {"]
        for m in self.p.methods:
            o += [f"    case {self.ordinal(m)}:",
                  f"        return {p}_{m.name}_serve(ops, ctx, &txn, &hdr, msg, nbytes, handles, nhandles);"]
        o += ["    default:",
              "        return proto_reject(&txn, &hdr, ERR_NOT_SUPPORTED, handles, nhandles);",
              "    }",
              "}", ""]
        return o

    def source_desc(self):
        p, P = self.p.name, self.P
        o = ["/* ---- description " + "-" * 58 + " */", ""]
        entries = []
        for m in self.p.methods:
            for role, _ in message_fields(m):
                msg = self.msg(m, role)
                arr = "NULL"
                if msg.fields:
                    arr = f"{p}_{m.name}_{role}_fields"
                    o.append(f"static const proto_field_desc_t {arr}[] = {{")
                    hi = 0
                    for f in msg.fields:
                        k = f.type.kind
                        if k == "handle":
                            o.append(f'    {{.name = "{f.name}", .type = PROTO_HANDLE, .offset = {hi}, '
                                     f'.kind = {KINDS[f.type.obj]}, .rights = {rights_expr(f.type.rights)}}},')
                            hi += 1
                        elif k in ("string", "bytes"):
                            o.append(f'    {{.name = "{f.name}", .type = PROTO_{k.upper()}, '
                                     f'.offset = offsetof({msg.struct}, {f.name}_len), .bound = {f.type.bound}}},')
                        else:
                            o.append(f'    {{.name = "{f.name}", .type = {SCALARS[k][3]}, '
                                     f'.offset = offsetof({msg.struct}, {f.name})}},')
                    o += ["};", ""]
                kind = {"request": "PROTO_MSG_REQUEST", "reply": "PROTO_MSG_REPLY", "event": "PROTO_MSG_EVENT"}
                entries += ["    {",
                            f'        .name = "{p}.{m.name}",',
                            f"        .kind = {kind[role]},",
                            f"        .ordinal = {self.ordinal(m)},",
                            f"        .fixed_size = sizeof({msg.struct}),",
                            f"        .max_size = {msg.max_macro},",
                            f"        .num_handles = {len(msg.handles)},",
                            f"        .num_fields = {len(msg.fields)},",
                            f"        .fields = {arr},",
                            "    },"]
        if entries:
            o += [f"static const proto_msg_desc_t {p}_messages[] = {{"] + entries + ["};", ""]
        o += [f"const proto_desc_t {p}_desc = {{",
              f'    .name = "{p}",',
              f"    .id = {P}_PROTOCOL_ID,",
              f"    .version = {P}_PROTOCOL_VERSION,",
              f"    .num_messages = {len(entries) // 10},",
              f"    .messages = {p + '_messages' if entries else 'NULL'},",
              "};", ""]
        return o


# ---- driver --------------------------------------------------------------------

def parse(text, path):
    """The checked Protocol in `text` (read from `path`), or ProtoError."""
    proto = Parser(text, path).parse()
    check(proto, path)
    proto.source = "proto/" + os.path.basename(path)
    return proto


def generate(proto):
    """(header text, source text) for a checked Protocol."""
    e = Emitter(proto)
    return e.header(), e.source()


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


if __name__ == "__main__":
    sys.exit(main())
