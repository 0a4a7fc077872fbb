/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The server loop (cairn/server.h has the contract). Every client is one
 * loop source on its channel, for READABLE and PEER_CLOSED. When it fires,
 * up to SRV_BUDGET messages are read and dispatched; a client with more
 * queued is re-bound (which queues a fresh packet behind everyone else's),
 * so one busy client cannot starve the others. A client whose peer closed
 * has its remaining messages dispatched (events still count), then goes.
 *
 * Once published, the server's end of the ns opener is one more source:
 * each svc.open event on it becomes a client through the generated
 * svc_dispatch, so the event is validated like any other message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/server.h"
#include "cairn/sys.h"
#include "ns.h"
#include "svc.h"

#define SRV_BUDGET 16u
#define SRV_REJECT_LOGGED 8u
#define SRV_PUBLISH_TIMEOUT_NS (10ull * 1000 * 1000 * 1000)

static void client_ready(loop_t *loop, loop_source_t *src, uint32_t signals);

int srv_init(srv_t *s, loop_t *loop, const char *name, srv_dispatch_fn dispatch, void *ctx)
{
    *s = (srv_t){.loop = loop, .name = name, .dispatch = dispatch, .ctx = ctx,
                 .max_clients = SRV_DEFAULT_MAX_CLIENTS, .next_id = 1};
    if (dispatch == NULL || name == NULL)
        return ERR_INVALID_ARGS;
    s->buf = malloc(CHAN_MAX_BYTES);
    return s->buf != NULL ? OK : ERR_NO_MEMORY;
}

static int client_add(srv_t *s, handle_t ch, const char *label, uint64_t pid, srv_client_t **out)
{
    srv_client_t *c;
    int err;

    if (s->nclients >= s->max_clients) {
        fprintf(stderr, "%s: refusing a client from '%s': %u clients already\n", s->name, label ? label : "",
                s->nclients);
        sys_handle_close(ch);
        return ERR_NO_RESOURCES;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        sys_handle_close(ch);
        return ERR_NO_MEMORY;
    }
    c->srv = s;
    c->ch = ch;
    c->id = s->next_id++;
    c->pid = pid;
    if (label != NULL)
        snprintf(c->label, sizeof c->label, "%s", label);
    err = loop_add(s->loop, &c->src, ch, SIG_READABLE | SIG_PEER_CLOSED, LOOP_NORMAL, client_ready, c);
    if (err != OK) {
        fprintf(stderr, "%s: cannot serve a client: %s\n", s->name, cairn_error_name(err));
        sys_handle_close(ch);
        free(c);
        return err;
    }
    c->next = s->clients;
    s->clients = c;
    s->nclients++;
    if (s->on_open != NULL)
        s->on_open(c);
    if (out != NULL)
        *out = c;
    return OK;
}

int srv_add_client(srv_t *s, handle_t ch, const char *label, srv_client_t **out)
{
    return client_add(s, ch, label, 0, out);
}

void srv_close_client(srv_t *s, srv_client_t *c)
{
    srv_client_t **pp = &s->clients;

    while (*pp != NULL && *pp != c)
        pp = &(*pp)->next;
    if (*pp != c)
        return;
    *pp = c->next;
    s->nclients--;
    if (s->on_close != NULL)
        s->on_close(c);
    loop_remove(s->loop, &c->src);
    sys_handle_close(c->ch);
    free(c);
}

void srv_log_reject(srv_t *s, srv_client_t *c, const void *msg, uint32_t nbytes, int err)
{
    proto_hdr_t hdr = {0};

    c->rejected++;
    if (c->rejected > SRV_REJECT_LOGGED) {
        if (c->rejected % 1000 == 0)
            fprintf(stderr, "%s: client %llu (%s): %u bad messages\n", s->name, (unsigned long long)c->id,
                    c->label, c->rejected);
        return;
    }
    if (nbytes >= sizeof hdr)
        memcpy(&hdr, msg, sizeof hdr);
    fprintf(stderr, "%s: client %llu (%s): bad message (%u bytes, protocol %u ordinal %u): %s%s\n", s->name,
            (unsigned long long)c->id, c->label, nbytes, hdr.protocol, hdr.ordinal, cairn_error_name(err),
            c->rejected == SRV_REJECT_LOGGED ? " (no more logged for this client)" : "");
}

/* Reads and dispatches one message: OK, ERR_SHOULD_WAIT when none is
 * queued, or the channel's error (the client is then dropped). */
static int client_read_one(srv_t *s, srv_client_t *c)
{
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {CHAN_MAX_BYTES, CHAN_MAX_HANDLES};
    int64_t err = sys_chan_read(c->ch, s->buf, hs, &sz);
    int rc;

    if (err != OK)
        return (int)err;
    rc = s->dispatch(c, s->buf, sz.bytes, hs, sz.handles);
    /* A rejection the generated code answered; a failed reply to a client
     * that went away is not the client's fault and is not logged. */
    if (rc != OK && rc != ERR_PEER_CLOSED && rc != ERR_BAD_HANDLE)
        srv_log_reject(s, c, s->buf, sz.bytes, rc);
    return OK;
}

static void client_ready(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    srv_client_t *c = src->ctx;
    srv_t *s = c->srv;
    uint64_t id = c->id;
    int err = OK;

    (void)signals;
    for (uint32_t n = 0; n < SRV_BUDGET; n++) {
        err = client_read_one(s, c);
        if (err != OK)
            break;
        /* The op may have closed this client (srv_close_client). */
        srv_client_t *p = s->clients;
        while (p != NULL && !(p == c && p->id == id))
            p = p->next;
        if (p == NULL)
            return;
    }
    if (err == OK) {
        /* Budget spent with messages left: go to the back of the queue. */
        loop_remove(loop, &c->src);
        if (loop_add(loop, &c->src, c->ch, SIG_READABLE | SIG_PEER_CLOSED, LOOP_NORMAL, client_ready, c) == OK)
            return;
        err = ERR_NO_MEMORY;
    }
    if (err == ERR_SHOULD_WAIT) {
        uint32_t seen = 0;
        if (sys_object_wait(c->ch, SIG_PEER_CLOSED, 0, &seen) != OK || !(seen & SIG_PEER_CLOSED))
            return;
    }
    srv_close_client(s, c);
}

/* ---- publishing through ns ------------------------------------------------ */

static void svc_open(void *ctx, handle_t conn, const char *client, uint64_t pid)
{
    client_add(ctx, conn, client, pid, NULL);
}

static const svc_ops_t svc_ops = {.open = svc_open};

static void opener_ready(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    srv_t *s = src->ctx;
    handle_t hs[CHAN_MAX_HANDLES];

    (void)signals;
    for (;;) {
        chan_sizes_t sz = {CHAN_MAX_BYTES, CHAN_MAX_HANDLES};
        int64_t err = sys_chan_read(s->opener, s->buf, hs, &sz);

        if (err == ERR_SHOULD_WAIT)
            return;
        if (err != OK) {
            fprintf(stderr, "%s: the name service closed its end (%s): no new clients\n", s->name,
                    cairn_error_name((int)err));
            loop_remove(loop, src);
            sys_handle_close(s->opener);
            s->opener = HANDLE_INVALID;
            return;
        }
        err = svc_dispatch(&svc_ops, s, s->opener, s->buf, sz.bytes, hs, sz.handles);
        if (err != OK)
            fprintf(stderr, "%s: bad message from the name service: %s\n", s->name, cairn_error_name((int)err));
    }
}

int srv_publish(srv_t *s, handle_t ns, const char *service)
{
    handle_t mine, theirs;
    int err;

    if (ns == HANDLE_INVALID)
        return ERR_BAD_HANDLE;
    if (s->opener != HANDLE_INVALID)
        return ERR_BAD_STATE;
    err = (int)sys_chan_create(&mine, &theirs);
    if (err != OK)
        return err;
    err = loop_add(s->loop, &s->opener_src, mine, SIG_READABLE | SIG_PEER_CLOSED, LOOP_NORMAL, opener_ready, s);
    if (err != OK) {
        sys_handle_close(mine);
        sys_handle_close(theirs);
        return err;
    }
    s->opener = mine;
    err = ns_publish(ns, service, theirs, libsys_now_ns() + SRV_PUBLISH_TIMEOUT_NS);
    if (err != OK) {
        loop_remove(s->loop, &s->opener_src);
        sys_handle_close(mine);
        s->opener = HANDLE_INVALID;
    }
    return err;
}

void srv_unpublish(srv_t *s)
{
    if (s->opener == HANDLE_INVALID)
        return;
    loop_remove(s->loop, &s->opener_src);
    sys_handle_close(s->opener);
    s->opener = HANDLE_INVALID;
}
