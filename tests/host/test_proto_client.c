/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The code tools/protogen.py generates for proto/test.proto, run on the
 * host over a fake system-call layer (fake_sys.c): the client side and the
 * description table.
 *
 * Stubs and event senders round-trip through the dispatcher; bad
 * arguments, transport failures and malformed replies come back as errors
 * and leak no handle. The description table matches the structs.
 *
 * The server side is in test_proto_dispatch.c and test_proto_validate.c;
 * the fixture is in proto_fixture.h.
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "proto_fixture.h"

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
