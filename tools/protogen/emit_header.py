# SPDX-License-Identifier: BSD-2-Clause
"""NAME.h: the contract. Ordinals, the wire structs with their static
layout checks, result structs, the client stubs' and validators'
prototypes, the ops table and the dispatcher's prototype."""
from .cformat import c_block_comment, c_comment_text, wrap_lines
from .emit_common import Emitter
from .model import SCALARS, message_fields


class HeaderEmitter(Emitter):
    def header(self):
        """The text of NAME.h."""
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

    @staticmethod
    def signature_lines(sig):
        """The signature in the method's comment: on one line when it fits,
        else the results on a line of their own, and a list too long for
        that broken after a comma."""
        if len(sig) <= 100 or " -> " not in sig:
            return [f" *     {sig}"]
        head, tail = sig.split(" -> ", 1)
        out = [f" *     {head}"]
        prefix = " *         -> "
        while len(prefix) + len(tail) > 118 and ", " in tail[:118 - len(prefix)]:
            cut = tail.rindex(", ", 0, 118 - len(prefix)) + 1
            out.append(prefix + tail[:cut])
            tail = tail[cut + 1:]
            prefix = " *            "
        out.append(prefix + tail)
        return out

    def header_method(self, m):
        p = self.p.name
        title = f"/* ---- {m.kind} {m.name} @{m.ordinal} "
        o = [title + "-" * max(4, 78 - len(title)), " *"]
        o += [f" * {c_comment_text(d)}".rstrip() for d in m.doc]
        if m.doc:
            o.append(" *")
        o += self.signature_lines(c_comment_text(m.signature()))
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
