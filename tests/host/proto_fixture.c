/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fixture of proto_fixture.h: a server for proto/test.proto whose ops
 * record what reached them, the per-test setup, builders of well-formed
 * messages and the checks of a reply and of a refusal, on the fake
 * system-call layer (fake_sys.c).
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "proto_fixture.h"

/* ---- a server for proto/test.proto that records what reached it ----------- */

server_t srv;
handle_t ch;

static int op_scalars(void *ctx, const proto_txn_t *txn, uint8_t a, uint16_t b, uint32_t c, uint64_t d, int32_t e,
                      int64_t f, bool g, test_scalars_result_t *out)
{
    server_t *s = ctx;
    s->calls++;
    s->txn = *txn;
    s->scalars = (test_scalars_result_t){a, b, c, d, e, f, g};
    *out = (test_scalars_result_t){(uint8_t)(a * 2), (uint16_t)(b * 2), c * 2, d * 2, e * 2, f * 2, !g};
    return s->status;
}

static int op_text(void *ctx, const proto_txn_t *txn, const char *name, uint8_t tag, const uint8_t *blob,
                   uint32_t blob_len, bool loud, test_text_result_t *out)
{
    server_t *s = ctx;
    s->calls++;
    s->txn = *txn;
    strcpy(s->name, name); /* the validator guarantees NUL within 17 bytes */
    s->tag = tag;
    memcpy(s->blob, blob, blob_len);
    s->blob_len = blob_len;
    s->loud = loud;
    if (s->text_out_set) {
        *out = s->text_out;
    } else {
        strcpy(out->greeting, "hello ");
        strcat(out->greeting, name);
        memcpy(out->blob, blob, blob_len);
        out->blob_len = blob_len;
    }
    return s->status;
}

/* Keeps nothing: closes what it received, answers with share_copy. */
static int op_share(void *ctx, const proto_txn_t *txn, handle_t buffer, uint32_t size, handle_t back,
                    test_share_result_t *out)
{
    server_t *s = ctx;
    s->calls++;
    s->txn = *txn;
    s->h[0] = buffer;
    s->h[1] = back;
    s->size = size;
    CHECK_EQ(fake_state(buffer), FAKE_LIVE);
    CHECK_EQ(fake_state(back), FAKE_LIVE);
    sys_handle_close(buffer);
    sys_handle_close(back);
    out->copy = s->share_copy;
    out->count = 7;
    return s->status;
}

static int op_any(void *ctx, const proto_txn_t *txn, handle_t thing, test_any_result_t *out)
{
    server_t *s = ctx;
    handle_info_t info;
    s->calls++;
    s->txn = *txn;
    s->h[0] = thing;
    sys_handle_info(thing, &info);
    out->kind = info.kind;
    sys_handle_close(thing);
    return s->status;
}

static int op_nothing(void *ctx, const proto_txn_t *txn)
{
    server_t *s = ctx;
    s->calls++;
    s->txn = *txn;
    return s->status;
}

static void op_notify(void *ctx, uint32_t code, const char *tag, handle_t port)
{
    server_t *s = ctx;
    s->calls++;
    s->code = code;
    strcpy(s->name, tag);
    s->h[0] = port;
    sys_handle_close(port);
}

static void op_tick(void *ctx)
{
    ((server_t *)ctx)->calls++;
}

/* unimplemented is left NULL on purpose. */
const test_ops_t ops = {
    .scalars = op_scalars,
    .text = op_text,
    .share = op_share,
    .any = op_any,
    .nothing = op_nothing,
    .notify = op_notify,
    .tick = op_tick,
};

void setup(void)
{
    fake_reset();
    memset(&srv, 0, sizeof srv);
    ch = fake_handle(KIND_CHANNEL, CHAN_RIGHTS);
}

/* Handles still live besides the channel: each test ends with none. */
uint32_t leaks(void)
{
    return fake_live_count() - (fake_state(ch) == FAKE_LIVE);
}

/* ---- well-formed messages, built from the generated structs -------------- */

void hdr(proto_hdr_t *h, uint16_t ordinal, uint32_t flags)
{
    proto_hdr_init(h, flags & PROTO_FLAG_EVENT ? 0 : TXID, TEST_PROTOCOL_ID, TEST_PROTOCOL_VERSION, ordinal, flags,
                   OK);
}

uint32_t build_scalars(uint8_t *buf)
{
    test_scalars_request_t m;
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_SCALARS_ORDINAL, 0);
    m.a = 0x12;
    m.b = 0x3456;
    m.c = 0x789abcde;
    m.d = 0x0123456789abcdefull;
    m.e = -5;
    m.f = -6000000000ll;
    m.g = 1;
    memcpy(buf, &m, sizeof m);
    return sizeof m;
}

uint32_t build_text(uint8_t *buf, const char *name, uint32_t name_len, const void *blob, uint32_t blob_len)
{
    test_text_request_t m;
    uint32_t pos = sizeof m;
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_TEXT_ORDINAL, 0);
    m.name_len = name_len;
    m.tag = 9;
    m.blob_len = blob_len;
    m.loud = 1;
    memcpy(buf, &m, sizeof m);
    memcpy(buf + pos, name, name_len);
    buf[pos + name_len] = '\0';
    pos += name_len + 1;
    memcpy(buf + pos, blob, blob_len);
    return pos + blob_len;
}

uint32_t build_share(uint8_t *buf)
{
    test_share_request_t m;
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_SHARE_ORDINAL, 0);
    m.size = 4096;
    memcpy(buf, &m, sizeof m);
    return sizeof m;
}

uint32_t build_notify(uint8_t *buf, const char *tag)
{
    test_notify_event_t m;
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_NOTIFY_ORDINAL, PROTO_FLAG_EVENT);
    m.code = 77;
    m.tag_len = (uint32_t)strlen(tag);
    memcpy(buf, &m, sizeof m);
    memcpy(buf + sizeof m, tag, m.tag_len + 1);
    return sizeof m + m.tag_len + 1;
}

void set_hdr(uint8_t *buf, size_t off, uint64_t v, size_t n)
{
    memcpy(buf + off, &v, n); /* little-endian: the low n bytes of v */
}

/* ---- checks --------------------------------------------------------------- */

/* The one message the dispatcher wrote: a reply to TXID for `ordinal`. */
const uint8_t *the_reply(uint16_t ordinal, uint32_t *nbytes, const handle_t **hs, uint32_t *nh)
{
    proto_hdr_t h;
    const uint8_t *msg;
    if (fake_nwritten() != 1)
        return NULL;
    msg = fake_written(0, nbytes, hs, nh);
    memcpy(&h, msg, sizeof h);
    CHECK(h.txid == TXID);
    CHECK_EQ(h.flags, PROTO_FLAG_REPLY);
    CHECK_EQ(h.ordinal, ordinal);
    return msg;
}

/* Dispatches a malformed message and checks the refusal: return code, no
 * op run, every handle closed, an error reply exactly when expected. */
void expect_refused(const uint8_t *buf, uint32_t n, const handle_t *hs, uint32_t nh, int err, bool replied)
{
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, n, hs, nh), err);
    CHECK_EQ(srv.calls, 0);
    for (uint32_t i = 0; i < nh; i++) {
        if (hs[i] != HANDLE_INVALID)
            CHECK_EQ(fake_state(hs[i]), FAKE_CLOSED);
    }
    CHECK_EQ(leaks(), 0);
    CHECK_EQ(fake_nwritten(), replied ? 1 : 0);
    if (replied && fake_nwritten() == 1) {
        uint32_t rn, rnh;
        const handle_t *rhs;
        proto_hdr_t req, rep;
        const uint8_t *r = fake_written(0, &rn, &rhs, &rnh);
        memcpy(&req, buf, sizeof req);
        memcpy(&rep, r, sizeof rep);
        CHECK_EQ(rn, PROTO_HDR_SIZE); /* an error reply is a bare header */
        CHECK_EQ(rnh, 0);
        CHECK(rep.txid == req.txid);
        CHECK_EQ(rep.flags, PROTO_FLAG_REPLY);
        CHECK_EQ(rep.status, err);
        /* echoes the request so its caller's stub recognises the answer */
        CHECK_EQ(rep.protocol, req.protocol);
        CHECK_EQ(rep.version, req.version);
        CHECK_EQ(rep.ordinal, req.ordinal);
    }
}
