# SPDX-License-Identifier: BSD-2-Clause
"""The model of a protocol: the wire limits, the IDL's types, the syntax
tree the parser builds, and the wire layout of each message (the rules are
in docs/protocols.md, "Wire format")."""
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


def message_fields(m):
    if m.kind == "event":
        return [("event", m.params)]
    return [("request", m.params), ("reply", m.results)]


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
