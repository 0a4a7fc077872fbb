# SPDX-License-Identifier: BSD-2-Clause
"""The meaning and limits of a parsed Protocol: names, ids, ordinals,
versions, clashes between the C names it generates, and message sizes."""
import os
import re

from .model import (CHAN_MAX_BYTES, CHAN_MAX_HANDLES, MAX_ID, MAX_ORDINAL, MAX_VERSION, SCALARS, ProtoError,
                    layout, message_fields)

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
