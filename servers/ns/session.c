/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ns sessions (nsd.h): one srv_t client per session channel, each with an
 * identity (policy.h) fixed when the session is made:
 *   - init's session, made at start from the bootstrap handle "init";
 *   - a component's session, made by `attach` on init's session, which
 *     passes the channel end whose other end the component got as "ns";
 *   - a derived session, made by `derive` on any session with the lists
 *     of what it may provide and connect to, never more than its parent
 *     may (policy.h): ns creates the channel and returns the client's end.
 * A session lives until its channel's peer closes (the server loop then
 * removes it and session_closed forgets its waiting connects). Messages
 * are validated by the generated ns_dispatch before any op runs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cairn/errors.h"
#include "cairn/sys.h"
#include "nsd.h"

static nsd_t *ns_of(srv_client_t *c)
{
    return c->srv->ctx;
}

int session_add(nsd_t *ns, handle_t ch, const char *label, const ns_identity_t *id, uint64_t pid)
{
    ns_session_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        sys_handle_close(ch);
        return ERR_NO_MEMORY;
    }
    s->id = *id;
    s->pid = pid;
    srv_client_t *c;
    int err = srv_add_client(&ns->srv, ch, label, &c); /* closes ch on failure */
    if (err != OK) {
        free(s);
        return err;
    }
    /* Single-threaded: no message of this client is dispatched before the
     * loop's next turn, so ctx is set before any op can look at it. */
    c->ctx = s;
    return OK;
}

void session_closed(srv_client_t *c)
{
    ns_session_t *s = c->ctx;
    if (s == NULL)
        return;
    if (s->id.kind == NS_ID_INIT)
        fprintf(stderr, "ns: init's session closed: no more components will be attached\n");
    reg_drop_waiters(ns_of(c), c);
    free(s);
    c->ctx = NULL;
}

static int derive_op(void *ctx, const proto_txn_t *txn, const char *label, const char *provide, const char *connect,
                     ns_derive_result_t *out)
{
    srv_client_t *c = ctx;
    ns_session_t *s = c->ctx;
    nsd_t *ns = ns_of(c);
    (void)txn;
    ns_grants_t prov, conn;
    ns_identity_t id;
    if (!manifest_name_valid(label))
        return ERR_INVALID_ARGS;
    /* The lists are not printed: any bytes but NUL may be in them. */
    bool prov_ok = ns_grants_parse(provide, &prov) == OK;
    if (!prov_ok || ns_grants_parse(connect, &conn) != OK) {
        fprintf(stderr, "ns: '%s' derives '%s' with a bad %s list\n", c->label, label, prov_ok ? "connect" : "provide");
        return ERR_INVALID_ARGS;
    }
    const char *what = NULL;
    const ns_grant_t *e = NULL;
    int err = ns_identity_derive(ns->m, &s->id, &prov, &conn, &id, &what, &e);
    if (err != OK) {
        fprintf(stderr, "ns: '%s' may not let '%s' %s '%s%s'\n", c->label, label, what, e->name,
                e->pattern ? "*" : "");
        return err;
    }
    handle_t mine, theirs;
    err = (int)sys_chan_create(&mine, &theirs);
    if (err != OK)
        return err;
    err = session_add(ns, mine, label, &id, 0);
    if (err != OK) {
        sys_handle_close(theirs);
        return err;
    }
    out->session = theirs;
    return OK;
}

static int attach_op(void *ctx, const proto_txn_t *txn, const char *component, uint64_t pid, handle_t session)
{
    srv_client_t *c = ctx;
    ns_session_t *s = c->ctx;
    nsd_t *ns = ns_of(c);
    int index = -1;
    (void)txn;
    int err = ns_may_attach(ns->m, &s->id, component, &index);
    if (err != OK) {
        if (err == ERR_ACCESS_DENIED)
            fprintf(stderr, "ns: '%s' may not attach sessions (only init)\n", c->label);
        else
            fprintf(stderr, "ns: cannot attach '%s': %s\n", component, cairn_error_name(err));
        sys_handle_close(session);
        return err;
    }
    ns_identity_t id = ns_identity_component(index);
    return session_add(ns, session, ns->m->comp[index].name, &id, pid);
}

static const ns_ops_t session_ops = {
    .publish = reg_publish,
    .connect = reg_connect,
    .list = reg_list,
    .derive = derive_op,
    .attach = attach_op,
};

int session_dispatch(srv_client_t *c, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    return ns_dispatch(&session_ops, c, c->ch, msg, nbytes, hs, nh);
}
