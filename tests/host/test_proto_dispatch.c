/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The code tools/protogen.py generates for proto/test.proto, run on the
 * host over a fake system-call layer (fake_sys.c): the server side with
 * well-formed messages and what ops return.
 *
 * Well-formed messages reach their op with the right values and the right
 * reply goes out with the request's txid; events get none. Ops that
 * defer, fail or return results breaking the protocol, and a reply that
 * cannot be written, leak no handle.
 *
 * Malformed messages are in test_proto_validate.c, the client side in
 * test_proto_client.c; the fixture is in proto_fixture.h.
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "proto_fixture.h"

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

int main(void) { return RUN_TESTS(); }
