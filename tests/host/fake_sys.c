/* SPDX-License-Identifier: BSD-2-Clause
 *
 * A fake of the four system calls generated protocol code makes
 * (libsys/include/proto/proto_sys.h built with -DPROTO_SYS_FAKE), so host
 * tests can run generated validators, dispatchers and stubs.
 *
 * Model: one handle table shared by "client" and "server". A handle is
 * LIVE, CLOSED or SENT (in a written message, gone from the writer's
 * table); values are never reused, so a stale value stays stale.
 * sys_chan_write checks like the kernel (live channel, live distinct
 * handles with RIGHT_TRANSFER, limits) and records the message; the test
 * reads it back with fake_written() and "delivers" it with fake_receive(),
 * which makes its handles LIVE again. sys_chan_call hands the request to
 * the server function the test installed, which answers by writing a
 * reply (usually through a generated dispatcher); the reply with the
 * request's txid is delivered into the caller's buffers.
 *
 * Faults: fake_fail_next_write() / fake_fail_next_call() make the next
 * call fail before anything is sent, leaving every handle where it was.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto_sys.h"

#define FAKE_MAX_HANDLES 256
#define FAKE_MAX_WRITES 16
#define FAKE_FIRST_VALUE 0x100u

enum fake_state { FAKE_UNKNOWN = 0, FAKE_LIVE, FAKE_CLOSED, FAKE_SENT };

typedef void (*fake_server_t)(handle_t ch, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh);

typedef struct fake_handle {
    uint32_t kind;
    uint32_t rights;
    int state;
} fake_handle_t;

typedef struct fake_msg {
    handle_t ch;
    uint32_t nbytes;
    uint32_t nhandles;
    uint8_t bytes[CHAN_MAX_BYTES];
    handle_t handles[CHAN_MAX_HANDLES];
} fake_msg_t;

static fake_handle_t table[FAKE_MAX_HANDLES];
static uint32_t nhandles_made;
static fake_msg_t written[FAKE_MAX_WRITES];
static uint32_t nwritten;
static int64_t next_write_error, next_call_error;
static fake_server_t server;
static uint64_t last_txid;

/* The fake's controls, declared where they are used (test_proto_validate.c). */
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

static fake_handle_t *lookup(handle_t h)
{
    if (h < FAKE_FIRST_VALUE || h - FAKE_FIRST_VALUE >= nhandles_made)
        return NULL;
    return &table[h - FAKE_FIRST_VALUE];
}

static fake_handle_t *lookup_live(handle_t h)
{
    fake_handle_t *e = lookup(h);
    return e != NULL && e->state == FAKE_LIVE ? e : NULL;
}

void fake_reset(void)
{
    memset(table, 0, sizeof table);
    nhandles_made = 0;
    nwritten = 0;
    next_write_error = next_call_error = 0;
    server = NULL;
}

handle_t fake_handle(uint32_t kind, uint32_t rights)
{
    if (nhandles_made == FAKE_MAX_HANDLES)
        return HANDLE_INVALID;
    table[nhandles_made] = (fake_handle_t){kind, rights, FAKE_LIVE};
    return FAKE_FIRST_VALUE + nhandles_made++;
}

int fake_state(handle_t h)
{
    fake_handle_t *e = lookup(h);
    return e != NULL ? e->state : FAKE_UNKNOWN;
}

uint32_t fake_live_count(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < nhandles_made; i++)
        n += table[i].state == FAKE_LIVE;
    return n;
}

uint32_t fake_nwritten(void) { return nwritten; }

const uint8_t *fake_written(uint32_t i, uint32_t *nbytes, const handle_t **hs, uint32_t *nh)
{
    if (i >= nwritten)
        return NULL;
    *nbytes = written[i].nbytes;
    *hs = written[i].handles;
    *nh = written[i].nhandles;
    return written[i].bytes;
}

void fake_receive(uint32_t i)
{
    for (uint32_t k = 0; i < nwritten && k < written[i].nhandles; k++)
        lookup(written[i].handles[k])->state = FAKE_LIVE;
}

void fake_fail_next_write(int64_t err) { next_write_error = err; }
void fake_fail_next_call(int64_t err) { next_call_error = err; }
void fake_set_server(fake_server_t fn) { server = fn; }

int64_t sys_handle_info(handle_t h, handle_info_t *out)
{
    fake_handle_t *e = lookup_live(h);
    if (e == NULL)
        return ERR_BAD_HANDLE;
    out->kind = e->kind;
    out->rights = e->rights;
    out->object_id = h;
    return OK;
}

int64_t sys_handle_close(handle_t h)
{
    fake_handle_t *e = lookup_live(h);
    if (e == NULL)
        return ERR_BAD_HANDLE;
    e->state = FAKE_CLOSED;
    return OK;
}

/* chan_write's checks, in the kernel's order, without side effects. */
static int64_t check_write(handle_t ch, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    fake_handle_t *c = lookup_live(ch);
    if (c == NULL)
        return ERR_BAD_HANDLE;
    if (c->kind != KIND_CHANNEL)
        return ERR_WRONG_TYPE;
    if ((c->rights & RIGHT_WRITE) == 0)
        return ERR_ACCESS_DENIED;
    if (nbytes > CHAN_MAX_BYTES || nh > CHAN_MAX_HANDLES)
        return ERR_OUT_OF_RANGE;
    for (uint32_t i = 0; i < nh; i++) {
        fake_handle_t *e = lookup_live(hs[i]);
        if (e == NULL)
            return ERR_BAD_HANDLE;
        if ((e->rights & RIGHT_TRANSFER) == 0)
            return ERR_ACCESS_DENIED;
        for (uint32_t j = 0; j < i; j++) {
            if (hs[j] == hs[i])
                return ERR_INVALID_ARGS;
        }
        if (hs[i] == ch)
            return ERR_INVALID_ARGS;
    }
    return OK;
}

int64_t sys_chan_write(handle_t ch, const void *bytes, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    int64_t err = check_write(ch, nbytes, hs, nh);
    if (err == OK && next_write_error != 0) {
        err = next_write_error;
        next_write_error = 0;
    }
    if (err == OK && nwritten == FAKE_MAX_WRITES)
        err = ERR_QUEUE_FULL;
    if (err != OK)
        return err;
    fake_msg_t *m = &written[nwritten++];
    m->ch = ch;
    m->nbytes = nbytes;
    m->nhandles = nh;
    if (nbytes > 0)
        memcpy(m->bytes, bytes, nbytes);
    for (uint32_t i = 0; i < nh; i++) {
        m->handles[i] = hs[i];
        lookup(hs[i])->state = FAKE_SENT;
    }
    return OK;
}

int64_t sys_chan_call(handle_t ch, const chan_call_args_t *a, uint64_t deadline)
{
    static uint8_t req[CHAN_MAX_BYTES];
    const handle_t *whs = (const handle_t *)(uintptr_t)a->wr_handles;
    uint64_t txid = (1ull << 63) | ++last_txid;
    uint32_t first = nwritten;
    int64_t err;

    (void)deadline;
    if (a->wr_num_bytes < CHAN_TXID_SIZE || a->rd_num_bytes < CHAN_TXID_SIZE)
        return ERR_INVALID_ARGS;
    err = check_write(ch, a->wr_num_bytes, whs, a->wr_num_handles);
    if (err == OK && next_call_error != 0) {
        err = next_call_error;
        next_call_error = 0;
    }
    if (err == OK && server == NULL)
        err = ERR_PEER_CLOSED;
    if (err != OK)
        return err;

    /* Sent: the request's handles pass to the server, which sees them live
     * (one table for both sides). */
    memcpy(req, (const void *)(uintptr_t)a->wr_bytes, a->wr_num_bytes);
    memcpy(req, &txid, sizeof txid);
    server(ch, req, a->wr_num_bytes, whs, a->wr_num_handles);

    for (uint32_t i = first; i < nwritten; i++) {
        fake_msg_t *m = &written[i];
        uint64_t id;
        if (m->ch != ch || m->nbytes < sizeof id)
            continue;
        memcpy(&id, m->bytes, sizeof id);
        if (id != txid)
            continue;
        if (m->nbytes > a->rd_num_bytes || m->nhandles > a->rd_num_handles)
            return ERR_BUFFER_TOO_SMALL;
        memcpy((void *)(uintptr_t)a->rd_bytes, m->bytes, m->nbytes);
        if (m->nhandles > 0)
            memcpy((void *)(uintptr_t)a->rd_handles, m->handles, m->nhandles * sizeof(handle_t));
        fake_receive(i);
        return m->nbytes;
    }
    return ERR_TIMED_OUT;
}
