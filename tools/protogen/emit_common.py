# SPDX-License-Identifier: BSD-2-Clause
"""What the header and the source emitters share: the layout of every
message, the names of ordinals, the banner, and the C signatures of the
generated functions and ops."""
from .cformat import c_comment_text
from .model import SCALARS, layout, message_fields


class Emitter:
    """The messages of one checked Protocol, and the C names and signatures
    both generated files spell alike."""

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
