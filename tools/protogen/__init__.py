# SPDX-License-Identifier: BSD-2-Clause
"""protogen: the Cairn protocol compiler (tools/protogen.py runs it).

It reads one protocol (the language is in docs/protocols.md) and gives the
text of NAME.h and NAME.c: the message structs with static layout checks,
client stubs, the server dispatcher over an ops table, one validator per
incoming message, and a description table for IPC tracers. The generated C
builds freestanding on libsys/include/proto/proto.h.

Stages, a module each: lex (lexer.py) -> parse, the syntax (parser.py) ->
check, names, numbers and limits (check.py) -> layout, wire offsets
(model.py) -> emit (emit_header.py and emit_source.py, on emit_common.py
and cformat.py). pipeline.py chains them; cli.py is the command line. The
output depends only on the input text and the input's file name, so two
runs give identical files.
"""
from .cli import main, write
from .model import Message, Protocol, ProtoError, layout, message_fields
from .pipeline import generate, parse

__all__ = ["parse", "generate", "main", "write", "ProtoError", "Protocol", "Message", "layout",
           "message_fields"]
