# SPDX-License-Identifier: BSD-2-Clause
"""NAME.c: validators, client stubs and decoders, event senders, replies,
the per-method serve functions, the dispatcher and the description table
for tracers."""
from .cformat import if_block, rights_expr, wrap_lines
from .emit_common import Emitter
from .model import KINDS, SCALARS, message_fields


class SourceEmitter(Emitter):
    def source(self):
        """The text of NAME.c."""
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
                o += if_block([f"!proto_is_zero(m.{mb.name}, sizeof m.{mb.name})" for mb in pads],
                              ["return ERR_CORRUPT;"])
            bools = [mb for mb in fixed if mb.field and mb.field.type.kind == "bool"]
            if bools:
                o += if_block([f"m.{mb.name} > 1" for mb in bools], ["return ERR_CORRUPT;"])
            if msg.var:
                o += if_block([f"m.{f.name}_len > {f.type.bound}" for f in msg.var], ["return ERR_CORRUPT;"])
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
            o += if_block(puts, ([f"proto_close_handles(whs, {nh});"] if nh else []) +
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
            o += if_block(puts, ([f"proto_close_handles(whs, {nh});"] if nh else []) +
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
            o += if_block(["res != NULL"], [f"whs[{i}] = res->{f.name};" for i, f in enumerate(rep.handles)])
        o += if_block(["status < 0"], ([f"proto_close_handles(whs, {nh});"] if nh else []) +
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
        o += if_block(["status == PROTO_DEFER"],
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
