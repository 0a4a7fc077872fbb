/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What every generated protocol shares: the message header, the flags, the
 * description tables an IPC tracer reads, and the small helpers the
 * generated validators, stubs and dispatchers call. tools/protogen.py
 * writes one NAME.h/NAME.c per proto/NAME.proto on top of this file;
 * docs/protocols.md describes the language, the wire format and the rules.
 *
 * A message on the wire:
 *
 *     proto_hdr_t (24 bytes) | fixed part | variable part
 *
 * The fixed part holds the scalars and one u32 length per string or byte
 * array, in declaration order, naturally aligned, with explicit zero
 * padding up to a multiple of 8. The variable part holds the strings (each
 * followed by a NUL) and byte arrays back to back, in declaration order.
 * Handles travel in the channel message's handle array, in declaration
 * order; they take no bytes.
 */
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto_sys.h"

/* From the C library (picolibc, or the host's); no <string.h> here so the
 * generated code also builds freestanding. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);

/* ---- the header ---------------------------------------------------------- */

typedef struct proto_hdr {
    uint64_t txid;     /* chan_call's transaction id (the kernel sets it on a
                        * request; a reply repeats it); 0 in events */
    uint32_t protocol; /* protocol id, from `protocol NAME ID ...` */
    uint16_t version;  /* protocol version; must equal the receiver's */
    uint16_t ordinal;  /* which call or event (`@N`) */
    uint32_t flags;    /* PROTO_FLAG_*; the other bits are reserved, zero */
    int32_t status;    /* replies: OK or an error code; otherwise 0 */
} proto_hdr_t;

#define PROTO_HDR_SIZE 24u
_Static_assert(sizeof(proto_hdr_t) == PROTO_HDR_SIZE, "proto_hdr_t is 24 bytes");
_Static_assert(offsetof(proto_hdr_t, txid) == 0, "the txid must come first (chan_call)");
_Static_assert(offsetof(proto_hdr_t, protocol) == 8, "proto_hdr_t layout");
_Static_assert(offsetof(proto_hdr_t, version) == 12, "proto_hdr_t layout");
_Static_assert(offsetof(proto_hdr_t, ordinal) == 14, "proto_hdr_t layout");
_Static_assert(offsetof(proto_hdr_t, flags) == 16, "proto_hdr_t layout");
_Static_assert(offsetof(proto_hdr_t, status) == 20, "proto_hdr_t layout");

/* A request has no flag set; a message with neither flag can be answered. */
#define PROTO_FLAG_REPLY (1u << 0) /* an answer to the request with this txid */
#define PROTO_FLAG_EVENT (1u << 1) /* one-way: nobody answers it */

/* An op returns PROTO_DEFER to answer later with NAME_METHOD_reply(). */
#define PROTO_DEFER 1

/* handle<any, ...>: the validator does not look at the object type. */
#define PROTO_KIND_ANY ((uint32_t)KIND_NONE)

/* The call an op is answering: where the reply goes and its txid. Copy it
 * to answer a deferred call later. */
typedef struct proto_txn {
    handle_t ch;
    uint64_t txid;
} proto_txn_t;

/* ---- description tables (for tracers) ----------------------------------- */

enum proto_type {
    PROTO_U8 = 1,
    PROTO_U16,
    PROTO_U32,
    PROTO_U64,
    PROTO_I32,
    PROTO_I64,
    PROTO_BOOL, /* one byte, 0 or 1 */
    PROTO_STRING,
    PROTO_BYTES,
    PROTO_HANDLE,
};

enum proto_msg_kind {
    PROTO_MSG_REQUEST = 1,
    PROTO_MSG_REPLY,
    PROTO_MSG_EVENT,
};

typedef struct proto_field_desc {
    const char *name;
    uint32_t type;   /* enum proto_type */
    uint32_t offset; /* byte offset in the message; STRING, BYTES: of the u32
                      * length; HANDLE: index in the handle array */
    uint32_t bound;  /* STRING, BYTES: the N of string<N> / bytes<N> */
    uint32_t kind;   /* HANDLE: enum obj_kind, or PROTO_KIND_ANY */
    uint32_t rights; /* HANDLE: the rights the receiver requires */
} proto_field_desc_t;

typedef struct proto_msg_desc {
    const char *name; /* "protocol.method" */
    uint32_t kind;    /* enum proto_msg_kind */
    uint16_t ordinal;
    uint32_t fixed_size; /* header + fixed part */
    uint32_t max_size;   /* with every string and byte array at its bound */
    uint32_t num_handles;
    uint32_t num_fields;
    const proto_field_desc_t *fields; /* declaration order, which is also the
                                       * order of the variable part */
} proto_msg_desc_t;

typedef struct proto_desc {
    const char *name;
    uint32_t id;
    uint16_t version;
    uint32_t num_messages;
    const proto_msg_desc_t *messages;
} proto_desc_t;

/* The description of the message with this header, or NULL. */
static inline const proto_msg_desc_t *proto_desc_message(const proto_desc_t *d, const proto_hdr_t *hdr)
{
    uint32_t kind;

    if (hdr->protocol != d->id)
        return NULL;
    if (hdr->flags == PROTO_FLAG_REPLY)
        kind = PROTO_MSG_REPLY;
    else if (hdr->flags == PROTO_FLAG_EVENT)
        kind = PROTO_MSG_EVENT;
    else if (hdr->flags == 0)
        kind = PROTO_MSG_REQUEST;
    else
        return NULL;
    for (uint32_t i = 0; i < d->num_messages; i++) {
        if (d->messages[i].ordinal == hdr->ordinal && d->messages[i].kind == kind)
            return &d->messages[i];
    }
    return NULL;
}

/* ---- helpers of the generated code -------------------------------------- */

static inline void proto_hdr_init(proto_hdr_t *hdr, uint64_t txid, uint32_t protocol, uint16_t version,
                                  uint16_t ordinal, uint32_t flags, int32_t status)
{
    hdr->txid = txid;
    hdr->protocol = protocol;
    hdr->version = version;
    hdr->ordinal = ordinal;
    hdr->flags = flags;
    hdr->status = status;
}

/* The status of a message at least PROTO_HDR_SIZE long. Read by copy: the
 * receive buffer need not be aligned. */
static inline int32_t proto_msg_status(const void *msg)
{
    int32_t status;
    memcpy(&status, (const uint8_t *)msg + offsetof(proto_hdr_t, status), sizeof status);
    return status;
}

/* Reserved bytes are zero, so that every byte of a message has one meaning
 * and a later version can give them one. */
static inline bool proto_is_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0)
            return false;
    }
    return true;
}

/* A received string of len bytes: no NUL inside, a NUL right after. Then
 * the receiver can use it as a C string whose length is len. */
static inline bool proto_string_ok(const uint8_t *s, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] == '\0')
            return false;
    }
    return s[len] == '\0';
}

/* The header checks of a message expected to be (protocol, version,
 * ordinal) with exactly `flags`: ERR_CORRUPT when too short for a header,
 * with other flags (reserved bits included) or a status where none
 * belongs; ERR_NOT_SUPPORTED when it is another message. */
static inline int proto_check_header(const void *msg, uint32_t nbytes, uint32_t protocol, uint16_t version,
                                     uint16_t ordinal, uint32_t flags)
{
    proto_hdr_t hdr;

    if (msg == NULL || nbytes < sizeof hdr)
        return ERR_CORRUPT;
    memcpy(&hdr, msg, sizeof hdr);
    if (hdr.protocol != protocol || hdr.version != version || hdr.ordinal != ordinal)
        return ERR_NOT_SUPPORTED;
    if (hdr.flags != flags)
        return ERR_CORRUPT;
    if (flags == PROTO_FLAG_REPLY ? hdr.status > 0 : hdr.status != 0)
        return ERR_CORRUPT;
    return OK;
}

/* A reply with an error status is a bare header: no results, no handles. */
static inline int proto_check_error_reply(uint32_t nbytes, uint32_t nhandles)
{
    if (nbytes != PROTO_HDR_SIZE)
        return ERR_CORRUPT;
    if (nhandles != 0)
        return ERR_INVALID_ARGS;
    return OK;
}

/* A received handle is live, of the kind the protocol says (unless any)
 * and has at least the rights it says. A handle revoked while in flight
 * arrives as HANDLE_INVALID: ERR_BAD_HANDLE. */
static inline int proto_check_handle(handle_t h, uint32_t kind, uint32_t rights)
{
    handle_info_t info;

    if (h == HANDLE_INVALID || sys_handle_info(h, &info) != OK)
        return ERR_BAD_HANDLE;
    if (kind != PROTO_KIND_ANY && info.kind != kind)
        return ERR_WRONG_TYPE;
    if ((info.rights & rights) != rights)
        return ERR_ACCESS_DENIED;
    return OK;
}

static inline void proto_close_handles(const handle_t *hs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (hs[i] != HANDLE_INVALID)
            sys_handle_close(hs[i]);
    }
}

/* Appends C string s and its NUL at buf + *pos; its length to *len. False
 * (nothing written) when s is NULL or longer than max. Reads at most
 * max + 1 bytes of s, so a char[max + 1] without a NUL is caught safely. */
static inline bool proto_put_string(uint8_t *buf, uint32_t *pos, const char *s, uint32_t max, uint32_t *len)
{
    uint32_t n = 0;

    if (s == NULL)
        return false;
    while (n <= max && s[n] != '\0')
        n++;
    if (n > max)
        return false;
    memcpy(buf + *pos, s, (size_t)n + 1);
    *pos += n + 1;
    *len = n;
    return true;
}

/* Appends n bytes at buf + *pos; n to *len. False when n > max, or when p is
 * NULL with n > 0. */
static inline bool proto_put_bytes(uint8_t *buf, uint32_t *pos, const void *p, uint32_t n, uint32_t max,
                                   uint32_t *len)
{
    if (n > max || (p == NULL && n > 0))
        return false;
    if (n > 0)
        memcpy(buf + *pos, p, n);
    *pos += n;
    *len = n;
    return true;
}

/* chan_write that always consumes the handles: the kernel leaves them with
 * the sender on failure, so close them here. Senders then have one rule:
 * handles passed to a send are gone. */
static inline int proto_send(handle_t ch, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    int64_t rc = sys_chan_write(ch, msg, nbytes, hs, nh);

    if (rc < 0) {
        proto_close_handles(hs, nh);
        return (int)rc;
    }
    return OK;
}

/* chan_call for the client stubs. The request's handles are consumed: on a
 * failure before sending they are still ours and are closed; after sending
 * they are already gone and closing their stale values does nothing (the
 * generation in a handle value keeps them from naming a new handle). The
 * reply's handles land in rhs; *rnh counts up to the last valid one (the
 * kernel does not report the count, so rhs starts all HANDLE_INVALID).
 * Returns the reply's size or a transport error. */
static inline int proto_call(handle_t ch, const void *req, uint32_t req_size, const handle_t *hs, uint32_t nh,
                             void *rep, uint32_t rep_cap, handle_t rhs[CHAN_MAX_HANDLES], uint32_t *rnh,
                             uint64_t deadline)
{
    chan_call_args_t call = {
        .wr_bytes = (uint64_t)(uintptr_t)req,
        .wr_handles = (uint64_t)(uintptr_t)hs,
        .wr_num_bytes = req_size,
        .wr_num_handles = nh,
        .rd_bytes = (uint64_t)(uintptr_t)rep,
        .rd_handles = (uint64_t)(uintptr_t)rhs,
        .rd_num_bytes = rep_cap,
        .rd_num_handles = CHAN_MAX_HANDLES,
    };
    int64_t rc;

    for (uint32_t i = 0; i < CHAN_MAX_HANDLES; i++)
        rhs[i] = HANDLE_INVALID;
    *rnh = 0;
    rc = sys_chan_call(ch, &call, deadline);
    if (rc < 0) {
        proto_close_handles(hs, nh);
        return (int)rc;
    }
    for (uint32_t i = 0; i < CHAN_MAX_HANDLES; i++) {
        if (rhs[i] != HANDLE_INVALID)
            *rnh = i + 1;
    }
    return (int)rc;
}

/* A bare-header reply carrying `status`, echoing the request's protocol,
 * version and ordinal so the caller's stub recognises it. */
static inline int proto_reply_status(const proto_txn_t *txn, uint32_t protocol, uint16_t version, uint16_t ordinal,
                                     int status)
{
    proto_hdr_t hdr;

    proto_hdr_init(&hdr, txn->txid, protocol, version, ordinal, PROTO_FLAG_REPLY, status);
    return proto_send(txn->ch, &hdr, sizeof hdr, NULL, 0);
}

/* An op broke the protocol (results out of bounds, a missing result
 * handle, a status that is no answer): its result handles are closed and
 * the caller gets ERR_INTERNAL instead of a reply its validator would
 * refuse. Returns ERR_INTERNAL so the server loop can log the bug. */
static inline int proto_reply_internal(const proto_txn_t *txn, uint32_t protocol, uint16_t version,
                                       uint16_t ordinal, const handle_t *hs, uint32_t nh)
{
    proto_close_handles(hs, nh);
    proto_reply_status(txn, protocol, version, ordinal, ERR_INTERNAL);
    return ERR_INTERNAL;
}

/* Refuses a received message: its handles are closed, a request (no REPLY
 * or EVENT flag) gets a reply with the error so its caller does not wait
 * for nothing, and the error is returned. */
static inline int proto_reject(const proto_txn_t *txn, const proto_hdr_t *hdr, int err, const handle_t *hs,
                               uint32_t nh)
{
    proto_close_handles(hs, nh);
    if ((hdr->flags & (PROTO_FLAG_REPLY | PROTO_FLAG_EVENT)) == 0)
        proto_reply_status(txn, hdr->protocol, hdr->version, hdr->ordinal, err);
    return err;
}

#endif
