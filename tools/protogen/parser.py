# SPDX-License-Identifier: BSD-2-Clause
"""The parser: tokens -> a Protocol (model.py), by recursive descent over
the grammar in docs/protocols.md. It checks the syntax and the types;
check.py checks what the names and numbers mean."""
from .lexer import lex
from .model import KINDS, MAX_BOUND, RIGHTS, SCALARS, Field, Method, Protocol, ProtoError, Type


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
