# SPDX-License-Identifier: BSD-2-Clause
"""The stages put together: .proto text -> checked Protocol -> C text."""
import os

from .check import check
from .emit_header import HeaderEmitter
from .emit_source import SourceEmitter
from .parser import Parser


def parse(text, path):
    """The checked Protocol in `text` (read from `path`), or ProtoError."""
    proto = Parser(text, path).parse()
    check(proto, path)
    proto.source = "proto/" + os.path.basename(path)
    return proto


def generate(proto):
    """(header text, source text) for a checked Protocol."""
    return HeaderEmitter(proto).header(), SourceEmitter(proto).source()
