/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The code tools/protogen.py generates for proto/test.proto, run on the
 * host over a fake system-call layer (fake_sys.c): the server side with
 * malformed messages.
 *
 * Every kind of malformed message (short, long, wrong protocol, version or
 * ordinal, wrong flags or status, handle count, kind or rights, dead
 * handles, unterminated, over-long or inconsistent strings, byte arrays
 * past their bound, bools that are not 0/1, nonzero padding) is refused
 * with its code, never reaches an op, has its handles closed, and is
 * answered when it is a request; an op left NULL is not supported.
 *
 * Well-formed messages and what ops return are in test_proto_dispatch.c,
 * the client side in test_proto_client.c; the fixture is in
 * proto_fixture.h.
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "proto_fixture.h"

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

int main(void) { return RUN_TESTS(); }
