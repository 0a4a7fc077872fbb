/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fixture shared by the host tests of the code tools/protogen.py
 * generates for proto/test.proto, test_proto_*.c: the controls of the fake
 * system-call layer (fake_sys.c), a server for the protocol that records
 * what reached its ops (srv, ops, on the channel ch), builders of
 * well-formed messages from the generated structs, and the checks of a
 * reply and of a refusal.
 *
 * Each test starts with setup(), which forgets every handle and message,
 * clears srv and makes a fresh ch; leaks() counts the handles still live
 * besides ch, and each test ends with none.
 */
#ifndef TESTS_HOST_PROTO_FIXTURE_H
#define TESTS_HOST_PROTO_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

extern server_t srv;
extern handle_t ch;
/* Every op but unimplemented, which is left NULL on purpose. */
extern const test_ops_t ops;

void setup(void);
/* Handles still live besides the channel: each test ends with none. */
uint32_t leaks(void);

/* ---- well-formed messages, built from the generated structs -------------- */

/* A request header for TXID (an event's has no txid). */
void hdr(proto_hdr_t *h, uint16_t ordinal, uint32_t flags);
/* Each writes its message into buf and returns its size. */
uint32_t build_scalars(uint8_t *buf);
uint32_t build_text(uint8_t *buf, const char *name, uint32_t name_len, const void *blob, uint32_t blob_len);
uint32_t build_share(uint8_t *buf);
uint32_t build_notify(uint8_t *buf, const char *tag);
/* Overwrite the n bytes at buf + off with the low n bytes of v. */
void set_hdr(uint8_t *buf, size_t off, uint64_t v, size_t n);

/* ---- checks --------------------------------------------------------------- */

/* The one message the dispatcher wrote: a reply to TXID for `ordinal`. */
const uint8_t *the_reply(uint16_t ordinal, uint32_t *nbytes, const handle_t **hs, uint32_t *nh);
/* Dispatches a malformed message and checks the refusal: return code, no
 * op run, every handle closed, an error reply exactly when expected. */
void expect_refused(const uint8_t *buf, uint32_t n, const handle_t *hs, uint32_t nh, int err, bool replied);

#endif
