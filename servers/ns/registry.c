/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ns's registry (nsd.h): the published names and the connects waiting for
 * one.
 *
 * A registration is a name, who published it (label and pid, for list)
 * and the server's opener: the channel end on which ns sends one svc.open
 * event per connection. It is bound to the loop for SIG_PEER_CLOSED: when
 * the server closes its end (or exits) the registration goes and the name
 * is free again, so a restarted server publishes it anew. Names are kept
 * in registration order, which is what list counts by.
 *
 * A connect with `wait` for a name not registered yet is deferred: its
 * txn waits in the waiter list until the name is published (answered
 * then) or its session goes (dropped unanswered). Limits on both keep a
 * client from growing ns without bound.
 *
 * Every op checks first (name, policy, state, limits) and acts after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/sys.h"
#include "nsd.h"
#include "svc.h"

struct ns_reg {
    char name[MANIFEST_NAME_MAX];
    char provider[MANIFEST_NAME_MAX];
    uint64_t pid;
    handle_t opener;
    loop_source_t src;
    nsd_t *ns;
};

struct ns_waiter {
    srv_client_t *client;
    proto_txn_t txn;
    char name[MANIFEST_NAME_MAX];
    ns_waiter_t *next;
};

static nsd_t *ns_of(srv_client_t *c)
{
    return c->srv->ctx;
}

static int find(const nsd_t *ns, const char *name)
{
    for (uint32_t i = 0; i < ns->nregs; i++)
        if (strcmp(ns->regs[i]->name, name) == 0)
            return (int)i;
    return -1;
}

static void withdraw(nsd_t *ns, ns_reg_t *r)
{
    uint32_t i = 0;
    while (i < ns->nregs && ns->regs[i] != r)
        i++;
    if (i == ns->nregs)
        return;
    memmove(&ns->regs[i], &ns->regs[i + 1], (ns->nregs - i - 1) * sizeof ns->regs[0]);
    ns->nregs--;
    printf("ns: '%s' withdrawn (its server closed the opener)\n", r->name);
    loop_remove(&ns->loop, &r->src);
    sys_handle_close(r->opener);
    free(r);
}

static void opener_closed(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    ns_reg_t *r = src->ctx;
    (void)loop;
    if (signals & SIG_PEER_CLOSED)
        withdraw(r->ns, r);
}

/* A new connection to r for `client`: the server gets one end in an
 * svc.open event, *conn is the other. ERR_QUEUE_FULL when the server has
 * not read its opener for CHAN_QUEUE_MAX connections. */
static int open_conn(ns_reg_t *r, srv_client_t *c, handle_t *conn)
{
    handle_t theirs, mine;
    int err = (int)sys_chan_create(&theirs, &mine);
    if (err != OK)
        return err;
    const ns_session_t *s = c->ctx;
    const char *client = c->label;
    err = svc_open_send(r->opener, theirs, client, s != NULL ? s->pid : 0); /* consumes theirs */
    if (err != OK) {
        sys_handle_close(mine);
        if (err != ERR_PEER_CLOSED)
            fprintf(stderr, "ns: cannot pass a connection from '%s' to '%s': %s\n", client, r->name,
                    cairn_error_name(err));
        return err;
    }
    *conn = mine;
    return OK;
}

static void waiter_free(nsd_t *ns, ns_waiter_t **pp)
{
    ns_waiter_t *w = *pp;
    *pp = w->next;
    ((ns_session_t *)w->client->ctx)->waiting--;
    ns->nwaiters--;
    free(w);
}

/* r was just published: answers the connects waiting for its name. */
static void wake_waiters(nsd_t *ns, ns_reg_t *r)
{
    ns_waiter_t **pp = &ns->waiters;
    while (*pp != NULL) {
        ns_waiter_t *w = *pp;
        if (strcmp(w->name, r->name) != 0) {
            pp = &w->next;
            continue;
        }
        ns_connect_result_t res = {HANDLE_INVALID};
        int err = open_conn(r, w->client, &res.conn);
        if (err == ERR_PEER_CLOSED)
            return; /* already gone: the waiters wait for the next one */
        ns_connect_reply(&w->txn, err, &res); /* a client gone meanwhile is no error of ns */
        waiter_free(ns, pp);
    }
}

int reg_publish(void *ctx, const proto_txn_t *txn, const char *name, handle_t opener)
{
    srv_client_t *c = ctx;
    ns_session_t *s = c->ctx;
    nsd_t *ns = ns_of(c);
    ns_reg_t *r = NULL;
    (void)txn;
    int err = ns_may_publish(ns->m, &s->id, name);
    if (err == ERR_ACCESS_DENIED)
        fprintf(stderr, "ns: '%s' may not provide '%s'\n", c->label, name);
    if (err == OK && find(ns, name) >= 0)
        err = ERR_ALREADY_EXISTS;
    if (err == OK && ns->nregs == NS_MAX_NAMES)
        err = ERR_NO_RESOURCES;
    if (err == OK && (r = calloc(1, sizeof *r)) == NULL)
        err = ERR_NO_MEMORY;
    if (err == OK) {
        snprintf(r->name, sizeof r->name, "%s", name);
        snprintf(r->provider, sizeof r->provider, "%s", c->label);
        r->pid = s->pid;
        r->opener = opener;
        r->ns = ns;
        /* Needs RIGHT_WAIT on the opener (what chan_create gives). */
        err = loop_add(&ns->loop, &r->src, opener, SIG_PEER_CLOSED, LOOP_NORMAL, opener_closed, r);
    }
    if (err != OK) {
        free(r);
        sys_handle_close(opener);
        return err;
    }
    ns->regs[ns->nregs++] = r;
    printf("ns: '%s' provides '%s'\n", c->label, name);
    wake_waiters(ns, r);
    return OK;
}

int reg_connect(void *ctx, const proto_txn_t *txn, const char *name, bool wait, ns_connect_result_t *out)
{
    srv_client_t *c = ctx;
    ns_session_t *s = c->ctx;
    nsd_t *ns = ns_of(c);
    int err = ns_may_connect(ns->m, &s->id, name);
    if (err == ERR_ACCESS_DENIED)
        fprintf(stderr, "ns: '%s' may not connect to '%s'\n", c->label, name);
    if (err != OK)
        return err;
    int i = find(ns, name);
    if (i >= 0) {
        err = open_conn(ns->regs[i], c, &out->conn);
        if (err != ERR_PEER_CLOSED)
            return err;
        withdraw(ns, ns->regs[i]); /* its PEER_CLOSED packet is not here yet */
    }
    if (!wait)
        return ERR_NOT_FOUND;
    if (ns->nwaiters == NS_MAX_WAITS || s->waiting == NS_MAX_WAITS_SESSION)
        return ERR_NO_RESOURCES;
    ns_waiter_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return ERR_NO_MEMORY;
    w->client = c;
    w->txn = *txn;
    snprintf(w->name, sizeof w->name, "%s", name);
    ns_waiter_t **pp = &ns->waiters;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = w;
    ns->nwaiters++;
    s->waiting++;
    return PROTO_DEFER;
}

int reg_list(void *ctx, const proto_txn_t *txn, uint32_t index, ns_list_result_t *out)
{
    nsd_t *ns = ns_of(ctx);
    (void)txn;
    if (index >= ns->nregs)
        return ERR_NOT_FOUND;
    const ns_reg_t *r = ns->regs[index];
    memcpy(out->name, r->name, sizeof out->name);
    memcpy(out->provider, r->provider, sizeof out->provider);
    out->pid = r->pid;
    return OK;
}

void reg_drop_waiters(nsd_t *ns, srv_client_t *c)
{
    ns_waiter_t **pp = &ns->waiters;
    while (*pp != NULL) {
        if ((*pp)->client == c)
            waiter_free(ns, pp);
        else
            pp = &(*pp)->next;
    }
}
