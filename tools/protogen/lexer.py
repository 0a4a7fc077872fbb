# SPDX-License-Identifier: BSD-2-Clause
"""The lexer: .proto text -> tokens and comments, each with its line and
column (comments become the documentation of what follows them)."""
import re
from dataclasses import dataclass

from .model import ProtoError

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
