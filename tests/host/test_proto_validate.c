/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The code tools/protogen.py generates for proto/test.proto, run on the
 * host over a fake system-call layer (fake_sys.c).
 *
 * Server side: well-formed messages reach their op with the right values
 * and the right reply goes out with the request's txid; every kind of
 * malformed message (short, long, wrong protocol, version or ordinal,
 * wrong flags or status, handle count, kind or rights, dead handles,
 * unterminated, over-long or inconsistent strings, byte arrays past their
 * bound, bools that are not 0/1, nonzero padding) is refused with its code,
 * never reaches an op, has its handles closed, and is answered when it is
 * a request. Ops that defer, fail or return results breaking the protocol.
 *
 * Client side: stubs and event senders round-trip through the dispatcher;
 * bad arguments, transport failures and malformed replies come back as
 * errors and leak no handle. The description table matches the structs.
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "test.h"

/* The fake's controls (fake_sys.c). */
enum fake_state { FAKE_UNKNOWN = 0, FAKE_LIVE, FAKE_CLOSED, FAKE_SENT };
typedef void (*fake_server_t)(handle_t ch, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh);
void fake_reset(void);
handle_t fake_handle(uint32_t kind, uint32_t rights);
int fake_state(handle_t h);
uint32_t fake_live_count(void);
uint32_t fake_nwritten(void);
const uint8_t *fake_written(uint32_t i, uint32_t *nbytes, const handle_t **hs, uint32_t *nh);
void fake_receive(uint32_t i);
void fake_fail_next_write(int64_t err);
void fake_fail_next_call(int64_t err);
void fake_set_server(fake_server_t fn);

#define DEADLINE_INFINITE UINT64_MAX /* cairn/sys.h's, not included on the host */
#define TXID 0x8000000000001234ull
#define CHAN_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_TRANSFER)
#define VMO_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_TRANSFER)

/* ---- a server for proto/test.proto that records what reached it ----------- */

typedef struct server {
    int calls;           /* ops run, all kinds */
    int status;          /* what the next op returns */
    proto_txn_t txn;     /* of the last call */
    test_scalars_result_t scalars;
    char name[17];
    uint8_t tag, blob[8];
    uint32_t blob_len, code;
    bool loud;
    handle_t h[2];
    uint32_t size;
    test_text_result_t text_out;       /* used by text when set */
    bool text_out_set;
    handle_t share_copy;               /* what share answers with */
} server_t;

static server_t srv;
static handle_t ch;

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
static const test_ops_t ops = {
    .scalars = op_scalars,
    .text = op_text,
    .share = op_share,
    .any = op_any,
    .nothing = op_nothing,
    .notify = op_notify,
    .tick = op_tick,
};

static void setup(void)
{
    fake_reset();
    memset(&srv, 0, sizeof srv);
    ch = fake_handle(KIND_CHANNEL, CHAN_RIGHTS);
}

/* Handles still live besides the channel: each test ends with none. */
static uint32_t leaks(void)
{
    return fake_live_count() - (fake_state(ch) == FAKE_LIVE);
}

/* ---- well-formed messages, built from the generated structs -------------- */

static void hdr(proto_hdr_t *h, uint16_t ordinal, uint32_t flags)
{
    proto_hdr_init(h, flags & PROTO_FLAG_EVENT ? 0 : TXID, TEST_PROTOCOL_ID, TEST_PROTOCOL_VERSION, ordinal, flags,
                   OK);
}

static uint32_t build_scalars(uint8_t *buf)
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

static uint32_t build_text(uint8_t *buf, const char *name, uint32_t name_len, const void *blob, uint32_t blob_len)
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

static uint32_t build_share(uint8_t *buf)
{
    test_share_request_t m;
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_SHARE_ORDINAL, 0);
    m.size = 4096;
    memcpy(buf, &m, sizeof m);
    return sizeof m;
}

static uint32_t build_notify(uint8_t *buf, const char *tag)
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

static void set_hdr(uint8_t *buf, size_t off, uint64_t v, size_t n)
{
    memcpy(buf + off, &v, n); /* little-endian: the low n bytes of v */
}

/* The one message the dispatcher wrote: a reply to TXID for `ordinal`. */
static const uint8_t *the_reply(uint16_t ordinal, uint32_t *nbytes, const handle_t **hs, uint32_t *nh)
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
static void expect_refused(const uint8_t *buf, uint32_t n, const handle_t *hs, uint32_t nh, int err, bool replied)
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

/* ---- well-formed messages reach their op ---------------------------------- */

TEST(scalars_reach_op_and_reply)
{
    uint8_t buf[128];
    uint32_t n, rn, rnh;
    const handle_t *rhs;
    test_scalars_reply_t rep;

    setup();
    n = build_scalars(buf);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, n, NULL, 0), OK);
    CHECK_EQ(srv.calls, 1);
    CHECK(srv.txn.txid == TXID);
    CHECK_EQ(srv.txn.ch, ch);
    CHECK_EQ(srv.scalars.a, 0x12);
    CHECK_EQ(srv.scalars.b, 0x3456);
    CHECK_EQ(srv.scalars.c, 0x789abcde);
    CHECK(srv.scalars.d == 0x0123456789abcdefull);
    CHECK_EQ(srv.scalars.e, -5);
    CHECK_EQ(srv.scalars.f, -6000000000ll);
    CHECK_EQ(srv.scalars.g, true);

    const uint8_t *r = the_reply(TEST_SCALARS_ORDINAL, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    CHECK_EQ(rn, sizeof rep);
    CHECK_EQ(test_scalars_reply_validate(r, rn, rhs, rnh), OK);
    memcpy(&rep, r, sizeof rep);
    CHECK_EQ(rep.hdr.status, OK);
    CHECK_EQ(rep.a, 0x24);
    CHECK_EQ(rep.b, 0x68ac);
    CHECK(rep.c == 0xf13579bcu);
    CHECK(rep.d == 0x02468acf13579bdeull);
    CHECK_EQ(rep.e, -10);
    CHECK_EQ(rep.f, -12000000000ll);
    CHECK_EQ(rep.g, 0);
    CHECK(proto_is_zero(rep._pad0, sizeof rep._pad0) && proto_is_zero(rep._pad2, sizeof rep._pad2));
}

TEST(strings_and_bytes_reach_op_and_reply)
{
    uint8_t buf[128];
    uint32_t n, rn, rnh;
    const handle_t *rhs;
    test_text_reply_t rep;

    setup();
    n = build_text(buf, "cairn", 5, "\x01\x00\x02", 3);
    CHECK_EQ(n, sizeof(test_text_request_t) + 6 + 3);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, n, NULL, 0), OK);
    CHECK_EQ(srv.calls, 1);
    CHECK(strcmp(srv.name, "cairn") == 0);
    CHECK_EQ(srv.tag, 9);
    CHECK_EQ(srv.blob_len, 3);
    CHECK(memcmp(srv.blob, "\x01\x00\x02", 3) == 0);
    CHECK_EQ(srv.loud, true);

    const uint8_t *r = the_reply(TEST_TEXT_ORDINAL, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    CHECK_EQ(test_text_reply_validate(r, rn, rhs, rnh), OK);
    memcpy(&rep, r, sizeof rep);
    CHECK_EQ(rep.greeting_len, 11);
    CHECK_EQ(rep.blob_len, 3);
    CHECK_EQ(rn, sizeof rep + 12 + 3);
    CHECK(memcmp(r + sizeof rep, "hello cairn\0\x01\x00\x02", 15) == 0);
}

TEST(empty_string_and_full_bounds_are_accepted)
{
    uint8_t buf[128];
    setup();
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_text(buf, "", 0, "", 0), NULL, 0), OK);
    CHECK(strcmp(srv.name, "") == 0);
    CHECK_EQ(srv.blob_len, 0);
    setup();
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_text(buf, "0123456789abcdef", 16, "12345678", 8), NULL, 0),
             OK);
    CHECK(strcmp(srv.name, "0123456789abcdef") == 0);
    CHECK_EQ(srv.blob_len, 8);
}

TEST(handles_reach_op_and_reply_carries_handle)
{
    uint8_t buf[64];
    uint32_t rn, rnh;
    const handle_t *rhs;
    test_share_reply_t rep;

    setup();
    handle_t hs[2] = {fake_handle(KIND_VMO, RIGHT_READ | RIGHT_MAP), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    srv.share_copy = fake_handle(KIND_VMO, RIGHT_READ | RIGHT_TRANSFER);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_share(buf), hs, 2), OK);
    CHECK_EQ(srv.calls, 1);
    CHECK_EQ(srv.h[0], hs[0]);
    CHECK_EQ(srv.h[1], hs[1]);
    CHECK_EQ(srv.size, 4096);

    const uint8_t *r = the_reply(TEST_SHARE_ORDINAL, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    CHECK_EQ(rnh, 1);
    CHECK_EQ(rhs[0], srv.share_copy);
    CHECK_EQ(fake_state(srv.share_copy), FAKE_SENT);
    fake_receive(0);
    CHECK_EQ(test_share_reply_validate(r, rn, rhs, rnh), OK);
    memcpy(&rep, r, sizeof rep);
    CHECK_EQ(rep.count, 7);
    sys_handle_close(srv.share_copy);
    CHECK_EQ(leaks(), 0);
}

TEST(any_kind_without_rights_is_accepted)
{
    test_any_request_t m;
    test_any_reply_t rep;
    uint32_t rn, rnh;
    const handle_t *rhs;

    setup();
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_ANY_ORDINAL, 0);
    handle_t timer = fake_handle(KIND_TIMER, 0);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, &m, sizeof m, &timer, 1), OK);
    CHECK_EQ(srv.calls, 1);
    const uint8_t *r = the_reply(TEST_ANY_ORDINAL, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    memcpy(&rep, r, sizeof rep);
    CHECK_EQ(rep.kind, KIND_TIMER);
    CHECK_EQ(leaks(), 0);
}

TEST(empty_call_gets_bare_ok_reply)
{
    test_nothing_request_t m;
    uint32_t rn, rnh;
    const handle_t *rhs;

    setup();
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_NOTHING_ORDINAL, 0);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, &m, sizeof m, NULL, 0), OK);
    CHECK_EQ(srv.calls, 1);
    const uint8_t *r = the_reply(TEST_NOTHING_ORDINAL, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    CHECK_EQ(rn, PROTO_HDR_SIZE);
    CHECK_EQ(proto_msg_status(r), OK);
    CHECK_EQ(test_nothing_reply_validate(r, rn, rhs, rnh), OK);
}

TEST(events_reach_op_without_reply)
{
    uint8_t buf[64];
    test_tick_event_t tick;

    setup();
    handle_t port = fake_handle(KIND_PORT, RIGHT_WAIT);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_notify(buf, "8 chars!"), &port, 1), OK);
    CHECK_EQ(srv.calls, 1);
    CHECK_EQ(srv.code, 77);
    CHECK(strcmp(srv.name, "8 chars!") == 0);
    CHECK_EQ(srv.h[0], port);

    memset(&tick, 0, sizeof tick);
    hdr(&tick.hdr, TEST_TICK_ORDINAL, PROTO_FLAG_EVENT);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, &tick, sizeof tick, NULL, 0), OK);
    CHECK_EQ(srv.calls, 2);
    CHECK_EQ(fake_nwritten(), 0);
    CHECK_EQ(leaks(), 0);
}

TEST(unaligned_receive_buffer_is_fine)
{
    uint8_t raw[128 + 1];
    uint8_t *buf = raw + 1; /* validators and decoders copy, never cast */

    setup();
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_text(buf, "odd", 3, "x", 1), NULL, 0), OK);
    CHECK(strcmp(srv.name, "odd") == 0);
    setup();
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_scalars(buf), NULL, 0), OK);
    CHECK(srv.scalars.d == 0x0123456789abcdefull);
}

/* ---- malformed messages never reach an op ---------------------------------- */

TEST(too_short_for_a_header)
{
    uint8_t buf[64];
    setup();
    handle_t h = fake_handle(KIND_VMO, VMO_RIGHTS);
    build_scalars(buf);
    expect_refused(buf, PROTO_HDR_SIZE - 1, &h, 1, ERR_CORRUPT, false);
    setup();
    expect_refused(NULL, 0, NULL, 0, ERR_CORRUPT, false);
}

TEST(short_and_long_fixed_part)
{
    uint8_t buf[128];
    uint32_t n;

    setup();
    n = build_scalars(buf);
    expect_refused(buf, n - 1, NULL, 0, ERR_CORRUPT, true);
    setup();
    n = build_scalars(buf);
    buf[n] = 0;
    expect_refused(buf, n + 1, NULL, 0, ERR_CORRUPT, true);
    setup();
    build_text(buf, "abc", 3, "", 0);
    expect_refused(buf, sizeof(test_text_request_t) - 4, NULL, 0, ERR_CORRUPT, true);
}

TEST(variable_part_short_long_or_inconsistent)
{
    uint8_t buf[128];
    uint32_t n;

    setup();
    n = build_text(buf, "abc", 3, "xy", 2);
    expect_refused(buf, n - 1, NULL, 0, ERR_CORRUPT, true); /* blob cut short */
    setup();
    n = build_text(buf, "abc", 3, "xy", 2);
    buf[n] = 0;
    expect_refused(buf, n + 1, NULL, 0, ERR_CORRUPT, true); /* a byte after the blob */
    setup();
    n = build_text(buf, "abcde", 5, "", 0);
    set_hdr(buf, offsetof(test_text_request_t, name_len), 3, 4); /* says 3, holds 5 */
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup();
    n = build_text(buf, "abc", 3, "", 0);
    set_hdr(buf, offsetof(test_text_request_t, name_len), 0xffffffffu, 4); /* no overflow */
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
}

TEST(wrong_protocol_version_or_ordinal)
{
    uint8_t buf[128];
    uint32_t n;
    const uint16_t bad_ordinals[] = {0, 8, 10, 0xffff};

    setup();
    n = build_scalars(buf);
    set_hdr(buf, offsetof(proto_hdr_t, protocol), TEST_PROTOCOL_ID + 1, 4);
    handle_t h = fake_handle(KIND_VMO, VMO_RIGHTS);
    expect_refused(buf, n, &h, 1, ERR_NOT_SUPPORTED, true);

    setup();
    n = build_scalars(buf);
    set_hdr(buf, offsetof(proto_hdr_t, version), TEST_PROTOCOL_VERSION - 1, 2);
    expect_refused(buf, n, NULL, 0, ERR_NOT_SUPPORTED, true);

    for (unsigned i = 0; i < sizeof bad_ordinals / sizeof bad_ordinals[0]; i++) {
        setup();
        n = build_scalars(buf);
        set_hdr(buf, offsetof(proto_hdr_t, ordinal), bad_ordinals[i], 2);
        expect_refused(buf, n, NULL, 0, ERR_NOT_SUPPORTED, true);
    }
}

TEST(an_ordinal_with_another_messages_shape)
{
    uint8_t buf[128];
    uint32_t n;
    setup();
    n = build_scalars(buf); /* 64 bytes where nothing (24) is expected */
    set_hdr(buf, offsetof(proto_hdr_t, ordinal), TEST_NOTHING_ORDINAL, 2);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
}

TEST(reserved_flags_status_and_padding)
{
    uint8_t buf[128];
    uint32_t n;

    setup();
    n = build_scalars(buf);
    set_hdr(buf, offsetof(proto_hdr_t, flags), 1u << 5, 4);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup();
    n = build_scalars(buf);
    set_hdr(buf, offsetof(proto_hdr_t, flags), 1u << 31, 4);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup();
    n = build_scalars(buf);
    set_hdr(buf, offsetof(proto_hdr_t, status), (uint32_t)ERR_INTERNAL, 4); /* a status in a request */
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup();
    n = build_scalars(buf);
    buf[offsetof(test_scalars_request_t, _pad1) + 3] = 0x80;
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup();
    n = build_scalars(buf);
    buf[offsetof(test_scalars_request_t, _pad2)] = 1;
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
}

TEST(replies_and_misflagged_events_are_not_answered)
{
    uint8_t buf[128];
    uint32_t n;

    setup(); /* a late reply landing in a server loop */
    n = build_scalars(buf);
    set_hdr(buf, offsetof(proto_hdr_t, flags), PROTO_FLAG_REPLY, 4);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, false);
    setup(); /* a call sent as an event */
    n = build_scalars(buf);
    set_hdr(buf, offsetof(proto_hdr_t, flags), PROTO_FLAG_EVENT, 4);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, false);
    setup(); /* an event sent as a request: refused, and its sender told */
    handle_t port = fake_handle(KIND_PORT, RIGHT_WAIT);
    n = build_notify(buf, "x");
    set_hdr(buf, offsetof(proto_hdr_t, flags), 0, 4);
    expect_refused(buf, n, &port, 1, ERR_CORRUPT, true);
    setup(); /* an event of an unknown ordinal */
    n = build_notify(buf, "x");
    set_hdr(buf, offsetof(proto_hdr_t, ordinal), 8, 2);
    expect_refused(buf, n, NULL, 0, ERR_NOT_SUPPORTED, false);
}

TEST(bool_must_be_0_or_1)
{
    uint8_t buf[128];
    uint32_t n;

    setup();
    n = build_scalars(buf);
    buf[offsetof(test_scalars_request_t, g)] = 2;
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup();
    n = build_text(buf, "a", 1, "", 0);
    buf[offsetof(test_text_request_t, loud)] = 0xff;
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
}

TEST(strings_must_be_terminated_bounded_and_without_nul)
{
    uint8_t buf[128];
    uint32_t n;

    setup(); /* the NUL after the name replaced */
    n = build_text(buf, "abc", 3, "", 0);
    buf[sizeof(test_text_request_t) + 3] = 'x';
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup(); /* a NUL inside */
    n = build_text(buf, "ab\0d", 4, "", 0);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup(); /* 17 > string<16>, with a consistent size and terminator */
    n = build_text(buf, "0123456789abcdefg", 17, "", 0);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
    setup(); /* the event's string<8> */
    handle_t port = fake_handle(KIND_PORT, RIGHT_WAIT);
    n = build_notify(buf, "nine char");
    expect_refused(buf, n, &port, 1, ERR_CORRUPT, false);
}

TEST(bytes_past_bound)
{
    uint8_t buf[128];
    setup();
    uint32_t n = build_text(buf, "a", 1, "123456789", 9);
    expect_refused(buf, n, NULL, 0, ERR_CORRUPT, true);
}

TEST(wrong_handle_count)
{
    uint8_t buf[64];
    uint32_t n;

    setup(); /* share needs 2 */
    n = build_share(buf);
    handle_t one[1] = {fake_handle(KIND_VMO, VMO_RIGHTS)};
    expect_refused(buf, n, one, 1, ERR_INVALID_ARGS, true);
    setup();
    handle_t three[3] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_CHANNEL, CHAN_RIGHTS),
                         fake_handle(KIND_VMO, VMO_RIGHTS)};
    expect_refused(buf, n, three, 3, ERR_INVALID_ARGS, true);
    setup(); /* scalars takes none */
    n = build_scalars(buf);
    handle_t extra = fake_handle(KIND_VMO, VMO_RIGHTS);
    expect_refused(buf, n, &extra, 1, ERR_INVALID_ARGS, true);
}

TEST(wrong_handle_kind_rights_or_dead)
{
    uint8_t buf[64];
    uint32_t n;

    setup(); /* buffer must be a vmo */
    n = build_share(buf);
    handle_t kind[2] = {fake_handle(KIND_PORT, RIGHTS_ALL), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    expect_refused(buf, n, kind, 2, ERR_WRONG_TYPE, true);
    setup(); /* back must be a channel */
    handle_t kind2[2] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_VMO, VMO_RIGHTS)};
    expect_refused(buf, n, kind2, 2, ERR_WRONG_TYPE, true);
    setup(); /* buffer lacks map */
    handle_t rights[2] = {fake_handle(KIND_VMO, RIGHT_READ | RIGHT_WRITE), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    expect_refused(buf, n, rights, 2, ERR_ACCESS_DENIED, true);
    setup(); /* back lacks write */
    handle_t rights2[2] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_CHANNEL, RIGHT_READ)};
    expect_refused(buf, n, rights2, 2, ERR_ACCESS_DENIED, true);
    setup(); /* revoked in flight: arrives as HANDLE_INVALID */
    handle_t dead[2] = {HANDLE_INVALID, fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    expect_refused(buf, n, dead, 2, ERR_BAD_HANDLE, true);
    setup(); /* the event's port lacks wait */
    handle_t port = fake_handle(KIND_PORT, RIGHT_READ);
    n = build_notify(buf, "x");
    expect_refused(buf, n, &port, 1, ERR_ACCESS_DENIED, false);
}

TEST(null_op_is_not_supported)
{
    test_unimplemented_request_t m;
    test_ops_t no_events = ops;
    uint8_t buf[64];

    setup();
    memset(&m, 0, sizeof m);
    hdr(&m.hdr, TEST_UNIMPLEMENTED_ORDINAL, 0);
    m.x = 1;
    expect_refused((const uint8_t *)&m, sizeof m, NULL, 0, ERR_NOT_SUPPORTED, true);

    setup();
    no_events.notify = NULL;
    handle_t port = fake_handle(KIND_PORT, RIGHT_WAIT);
    CHECK_EQ(test_dispatch(&no_events, &srv, ch, buf, build_notify(buf, "x"), &port, 1), ERR_NOT_SUPPORTED);
    CHECK_EQ(srv.calls, 0);
    CHECK_EQ(fake_state(port), FAKE_CLOSED);
    CHECK_EQ(fake_nwritten(), 0);
}

/* ---- what ops return ---------------------------------------------------------- */

TEST(op_error_is_a_bare_reply_and_drops_result_handles)
{
    uint8_t buf[64];
    uint32_t rn, rnh;
    const handle_t *rhs;

    setup();
    handle_t hs[2] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    srv.share_copy = fake_handle(KIND_VMO, VMO_RIGHTS);
    srv.status = ERR_NO_MEMORY;
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_share(buf), hs, 2), OK);
    CHECK_EQ(srv.calls, 1);
    const uint8_t *r = the_reply(TEST_SHARE_ORDINAL, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    CHECK_EQ(rn, PROTO_HDR_SIZE);
    CHECK_EQ(rnh, 0);
    CHECK_EQ(proto_msg_status(r), ERR_NO_MEMORY);
    CHECK_EQ(test_share_reply_validate(r, rn, rhs, rnh), OK);
    CHECK_EQ(fake_state(srv.share_copy), FAKE_CLOSED);
    CHECK_EQ(leaks(), 0);
}

TEST(deferred_call_is_answered_later)
{
    uint8_t buf[128];
    uint32_t rn, rnh;
    const handle_t *rhs;
    test_text_result_t res;

    setup();
    srv.status = PROTO_DEFER;
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_text(buf, "later", 5, "", 0), NULL, 0), OK);
    CHECK_EQ(srv.calls, 1);
    CHECK_EQ(fake_nwritten(), 0);

    memset(&res, 0, sizeof res);
    strcpy(res.greeting, "done");
    CHECK_EQ(test_text_reply(&srv.txn, OK, &res), OK);
    const uint8_t *r = the_reply(TEST_TEXT_ORDINAL, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    CHECK_EQ(test_text_reply_validate(r, rn, rhs, rnh), OK);
    CHECK(strcmp((const char *)r + sizeof(test_text_reply_t), "done") == 0);
}

TEST(deferred_call_drops_result_handles)
{
    uint8_t buf[64];
    setup();
    handle_t hs[2] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    srv.share_copy = fake_handle(KIND_VMO, VMO_RIGHTS);
    srv.status = PROTO_DEFER;
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_share(buf), hs, 2), OK);
    CHECK_EQ(fake_nwritten(), 0);
    CHECK_EQ(fake_state(srv.share_copy), FAKE_CLOSED);
    CHECK_EQ(leaks(), 0);
}

/* The op's bug is reported to the caller as ERR_INTERNAL, never sent on. */
static void expect_internal(const uint8_t *buf, uint32_t n, const handle_t *hs, uint32_t nh, uint16_t ordinal)
{
    uint32_t rn, rnh;
    const handle_t *rhs;
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, n, hs, nh), ERR_INTERNAL);
    CHECK_EQ(srv.calls, 1);
    const uint8_t *r = the_reply(ordinal, &rn, &rhs, &rnh);
    REQUIRE(r != NULL);
    CHECK_EQ(rn, PROTO_HDR_SIZE);
    CHECK_EQ(proto_msg_status(r), ERR_INTERNAL);
    CHECK_EQ(leaks(), 0);
}

TEST(op_results_breaking_the_protocol)
{
    uint8_t buf[128];

    setup(); /* a greeting without a NUL in its 33 bytes */
    srv.text_out_set = true;
    memset(srv.text_out.greeting, 'x', sizeof srv.text_out.greeting);
    expect_internal(buf, build_text(buf, "a", 1, "", 0), NULL, 0, TEST_TEXT_ORDINAL);
    setup(); /* blob_len past bytes<8> */
    srv.text_out_set = true;
    srv.text_out.blob_len = 9;
    expect_internal(buf, build_text(buf, "a", 1, "", 0), NULL, 0, TEST_TEXT_ORDINAL);
    setup(); /* a missing result handle */
    handle_t hs[2] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    expect_internal(buf, build_share(buf), hs, 2, TEST_SHARE_ORDINAL);
    setup(); /* a status that is no answer: its result handle is dropped */
    handle_t hs2[2] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    srv.share_copy = fake_handle(KIND_VMO, VMO_RIGHTS);
    srv.status = 5;
    expect_internal(buf, build_share(buf), hs2, 2, TEST_SHARE_ORDINAL);
    CHECK_EQ(fake_state(srv.share_copy), FAKE_CLOSED);
}

TEST(failed_reply_write_leaks_nothing)
{
    uint8_t buf[64];
    setup();
    handle_t hs[2] = {fake_handle(KIND_VMO, VMO_RIGHTS), fake_handle(KIND_CHANNEL, CHAN_RIGHTS)};
    srv.share_copy = fake_handle(KIND_VMO, VMO_RIGHTS);
    fake_fail_next_write(ERR_PEER_CLOSED);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, buf, build_share(buf), hs, 2), ERR_PEER_CLOSED);
    CHECK_EQ(srv.calls, 1);
    CHECK_EQ(fake_nwritten(), 0);
    CHECK_EQ(fake_state(srv.share_copy), FAKE_CLOSED);
    CHECK_EQ(leaks(), 0);
}

/* ---- client stubs and event senders ------------------------------------------ */

static void serve_with_dispatch(handle_t c, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    test_dispatch(&ops, &srv, c, msg, nbytes, hs, nh);
}

TEST(stubs_round_trip)
{
    test_scalars_result_t sr;
    test_text_result_t tr;
    test_share_result_t shr;

    setup();
    fake_set_server(serve_with_dispatch);
    CHECK_EQ(test_scalars(ch, 1, 2, 3, 4, -5, -6, false, &sr, DEADLINE_INFINITE), OK);
    CHECK_EQ(sr.a, 2);
    CHECK_EQ(sr.b, 4);
    CHECK_EQ(sr.c, 6);
    CHECK_EQ(sr.d, 8);
    CHECK_EQ(sr.e, -10);
    CHECK_EQ(sr.f, -12);
    CHECK_EQ(sr.g, true);
    CHECK(srv.txn.txid >> 63); /* the kernel's (here the fake's) txid */

    CHECK_EQ(test_text(ch, "world", 3, "\xff\x00", 2, false, &tr, DEADLINE_INFINITE), OK);
    CHECK(strcmp(tr.greeting, "hello world") == 0);
    CHECK_EQ(tr.blob_len, 2);
    CHECK(memcmp(tr.blob, "\xff\x00", 2) == 0);
    CHECK_EQ(srv.loud, false);

    handle_t buffer = fake_handle(KIND_VMO, VMO_RIGHTS), back = fake_handle(KIND_CHANNEL, CHAN_RIGHTS);
    srv.share_copy = fake_handle(KIND_VMO, RIGHT_READ | RIGHT_TRANSFER);
    CHECK_EQ(test_share(ch, buffer, 512, back, &shr, DEADLINE_INFINITE), OK);
    CHECK_EQ(srv.size, 512);
    CHECK_EQ(shr.count, 7);
    CHECK_EQ(shr.copy, srv.share_copy);
    CHECK_EQ(fake_state(shr.copy), FAKE_LIVE); /* now the client's */
    sys_handle_close(shr.copy);

    CHECK_EQ(test_nothing(ch, DEADLINE_INFINITE), OK);
    CHECK_EQ(leaks(), 0);
}

TEST(stub_returns_server_status_and_leaves_out_alone)
{
    test_unimplemented_result_t ur = {.y = 42};
    test_scalars_result_t sr = {.a = 42};

    setup();
    fake_set_server(serve_with_dispatch);
    CHECK_EQ(test_unimplemented(ch, 1, &ur, DEADLINE_INFINITE), ERR_NOT_SUPPORTED);
    CHECK_EQ(ur.y, 42);
    srv.status = ERR_BAD_STATE;
    CHECK_EQ(test_scalars(ch, 1, 2, 3, 4, 5, 6, true, &sr, DEADLINE_INFINITE), ERR_BAD_STATE);
    CHECK_EQ(sr.a, 42);
}

TEST(stub_refuses_bad_arguments_and_consumes_handles)
{
    test_text_result_t tr;
    test_share_result_t shr;

    setup();
    fake_set_server(serve_with_dispatch);
    CHECK_EQ(test_text(ch, "seventeen chars!!", 0, "", 0, false, &tr, DEADLINE_INFINITE), ERR_INVALID_ARGS);
    CHECK_EQ(test_text(ch, NULL, 0, "", 0, false, &tr, DEADLINE_INFINITE), ERR_INVALID_ARGS);
    CHECK_EQ(test_text(ch, "ok", 0, "123456789", 9, false, &tr, DEADLINE_INFINITE), ERR_INVALID_ARGS);
    CHECK_EQ(test_text(ch, "ok", 0, NULL, 1, false, &tr, DEADLINE_INFINITE), ERR_INVALID_ARGS);
    CHECK_EQ(srv.calls, 0);
    CHECK_EQ(fake_nwritten(), 0);

    /* the request cannot be sent: its handles are closed, not left behind */
    handle_t buffer = fake_handle(KIND_VMO, VMO_RIGHTS), back = fake_handle(KIND_CHANNEL, CHAN_RIGHTS);
    fake_fail_next_call(ERR_QUEUE_FULL);
    CHECK_EQ(test_share(ch, buffer, 1, back, &shr, DEADLINE_INFINITE), ERR_QUEUE_FULL);
    CHECK_EQ(fake_state(buffer), FAKE_CLOSED);
    CHECK_EQ(fake_state(back), FAKE_CLOSED);
    CHECK_EQ(srv.calls, 0);
    CHECK_EQ(leaks(), 0);
}

/* A server that answers with whatever the test put in `bad_reply`. */
static uint8_t bad_reply[128];
static uint32_t bad_reply_size;
static handle_t bad_reply_handle;

static void serve_bad_reply(handle_t c, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    (void)nbytes;
    memcpy(bad_reply, msg, CHAN_TXID_SIZE); /* the txid */
    proto_close_handles(hs, nh);
    sys_chan_write(c, bad_reply, bad_reply_size, &bad_reply_handle, bad_reply_handle ? 1 : 0);
}

static void make_reply(uint16_t ordinal, int32_t status, const void *body, uint32_t size)
{
    proto_hdr_t h;
    proto_hdr_init(&h, 0, TEST_PROTOCOL_ID, TEST_PROTOCOL_VERSION, ordinal, PROTO_FLAG_REPLY, status);
    memcpy(bad_reply, body, size);
    memcpy(bad_reply, &h, sizeof h);
    bad_reply_size = size;
    bad_reply_handle = HANDLE_INVALID;
}

TEST(stub_refuses_malformed_replies)
{
    test_scalars_reply_t s;
    test_share_reply_t sh;
    test_scalars_result_t sr = {.a = 42};
    test_share_result_t shr;

    setup();
    fake_set_server(serve_bad_reply);
    memset(&s, 0, sizeof s);
    s.g = 2;
    make_reply(TEST_SCALARS_ORDINAL, OK, &s, sizeof s);
    CHECK_EQ(test_scalars(ch, 1, 2, 3, 4, 5, 6, true, &sr, DEADLINE_INFINITE), ERR_CORRUPT);
    CHECK_EQ(sr.a, 42);
    make_reply(TEST_SCALARS_ORDINAL, OK, &s, sizeof s - 8);
    CHECK_EQ(test_scalars(ch, 1, 2, 3, 4, 5, 6, true, &sr, DEADLINE_INFINITE), ERR_CORRUPT);
    make_reply(TEST_TEXT_ORDINAL, OK, &s, sizeof s); /* the answer to another call */
    CHECK_EQ(test_scalars(ch, 1, 2, 3, 4, 5, 6, true, &sr, DEADLINE_INFINITE), ERR_NOT_SUPPORTED);
    make_reply(TEST_SCALARS_ORDINAL, 3, &s, sizeof s); /* a positive status */
    CHECK_EQ(test_scalars(ch, 1, 2, 3, 4, 5, 6, true, &sr, DEADLINE_INFINITE), ERR_CORRUPT);
    CHECK_EQ(sr.a, 42);

    /* a result handle of the wrong kind is closed, not handed out */
    memset(&sh, 0, sizeof sh);
    make_reply(TEST_SHARE_ORDINAL, OK, &sh, sizeof sh);
    bad_reply_handle = fake_handle(KIND_PORT, RIGHTS_ALL);
    handle_t buffer = fake_handle(KIND_VMO, VMO_RIGHTS), back = fake_handle(KIND_CHANNEL, CHAN_RIGHTS);
    CHECK_EQ(test_share(ch, buffer, 1, back, &shr, DEADLINE_INFINITE), ERR_WRONG_TYPE);
    CHECK_EQ(fake_state(bad_reply_handle), FAKE_CLOSED);

    /* an error reply must be a bare header: a handle with it is closed */
    make_reply(TEST_SHARE_ORDINAL, ERR_NO_MEMORY, &sh, PROTO_HDR_SIZE);
    bad_reply_handle = fake_handle(KIND_VMO, VMO_RIGHTS);
    buffer = fake_handle(KIND_VMO, VMO_RIGHTS);
    back = fake_handle(KIND_CHANNEL, CHAN_RIGHTS);
    CHECK_EQ(test_share(ch, buffer, 1, back, &shr, DEADLINE_INFINITE), ERR_INVALID_ARGS);
    CHECK_EQ(fake_state(bad_reply_handle), FAKE_CLOSED);
    CHECK_EQ(leaks(), 0);
}

TEST(event_send_encodes_and_consumes_handles)
{
    uint32_t n, nh;
    const handle_t *hs;

    setup();
    handle_t port = fake_handle(KIND_PORT, RIGHT_WAIT | RIGHT_TRANSFER);
    CHECK_EQ(test_notify_send(ch, 5, "tag", port), OK);
    const uint8_t *m = fake_written(0, &n, &hs, &nh);
    REQUIRE(m != NULL);
    CHECK_EQ(fake_state(port), FAKE_SENT);
    fake_receive(0);
    CHECK_EQ(test_notify_event_validate(m, n, hs, nh), OK);
    CHECK_EQ(n, sizeof(test_notify_event_t) + 4);
    CHECK(proto_msg_status(m) == OK);
    CHECK_EQ(test_dispatch(&ops, &srv, ch, m, n, hs, nh), OK);
    CHECK_EQ(srv.code, 5);
    CHECK(strcmp(srv.name, "tag") == 0);

    CHECK_EQ(test_tick_send(ch), OK);
    CHECK_EQ(fake_nwritten(), 2);

    port = fake_handle(KIND_PORT, RIGHT_WAIT | RIGHT_TRANSFER);
    CHECK_EQ(test_notify_send(ch, 5, "too long!", port), ERR_INVALID_ARGS);
    CHECK_EQ(fake_state(port), FAKE_CLOSED);
    port = fake_handle(KIND_PORT, RIGHT_WAIT | RIGHT_TRANSFER);
    fake_fail_next_write(ERR_PEER_CLOSED);
    CHECK_EQ(test_notify_send(ch, 5, "x", port), ERR_PEER_CLOSED);
    CHECK_EQ(fake_state(port), FAKE_CLOSED);
    CHECK_EQ(leaks(), 0);
}

/* ---- the description table -------------------------------------------------- */

TEST(description_matches_the_structs)
{
    proto_hdr_t h = {.protocol = TEST_PROTOCOL_ID, .ordinal = TEST_TEXT_ORDINAL, .flags = 0};
    const proto_msg_desc_t *d;

    CHECK(strcmp(test_desc.name, "test") == 0);
    CHECK_EQ(test_desc.id, 0x7e57);
    CHECK_EQ(test_desc.version, 3);
    CHECK_EQ(test_desc.num_messages, 6 * 2 + 2);

    d = proto_desc_message(&test_desc, &h);
    REQUIRE(d != NULL);
    CHECK(strcmp(d->name, "test.text") == 0);
    CHECK_EQ(d->kind, PROTO_MSG_REQUEST);
    CHECK_EQ(d->fixed_size, sizeof(test_text_request_t));
    CHECK_EQ(d->max_size, sizeof(test_text_request_t) + 17 + 8);
    REQUIRE(d->num_fields == 4);
    CHECK(strcmp(d->fields[0].name, "name") == 0);
    CHECK_EQ(d->fields[0].type, PROTO_STRING);
    CHECK_EQ(d->fields[0].offset, offsetof(test_text_request_t, name_len));
    CHECK_EQ(d->fields[0].bound, 16);
    CHECK_EQ(d->fields[2].type, PROTO_BYTES);
    CHECK_EQ(d->fields[3].type, PROTO_BOOL);
    CHECK_EQ(d->fields[3].offset, offsetof(test_text_request_t, loud));

    h.ordinal = TEST_SHARE_ORDINAL;
    h.flags = PROTO_FLAG_REPLY;
    d = proto_desc_message(&test_desc, &h);
    REQUIRE(d != NULL);
    CHECK_EQ(d->kind, PROTO_MSG_REPLY);
    CHECK_EQ(d->num_handles, 1);
    REQUIRE(d->num_fields == 2);
    CHECK_EQ(d->fields[0].type, PROTO_HANDLE);
    CHECK_EQ(d->fields[0].offset, 0);
    CHECK_EQ(d->fields[0].kind, KIND_VMO);
    CHECK_EQ(d->fields[0].rights, RIGHT_READ);

    h.ordinal = TEST_TICK_ORDINAL;
    h.flags = PROTO_FLAG_EVENT;
    d = proto_desc_message(&test_desc, &h);
    REQUIRE(d != NULL);
    CHECK_EQ(d->num_fields, 0);
    CHECK(d->fields == NULL);

    h.flags = PROTO_FLAG_REPLY; /* events have no reply */
    CHECK(proto_desc_message(&test_desc, &h) == NULL);
    h.flags = 0x10;
    CHECK(proto_desc_message(&test_desc, &h) == NULL);
    h.protocol = 1;
    h.flags = PROTO_FLAG_EVENT;
    CHECK(proto_desc_message(&test_desc, &h) == NULL);
}

int main(void) { return RUN_TESTS(); }
