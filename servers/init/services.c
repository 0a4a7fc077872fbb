/* SPDX-License-Identifier: BSD-2-Clause
 *
 * init's side of ns and proc (services.h).
 *
 * Model: init holds two channels, each made afresh when its server
 * (re)starts and closed when it ends: `ns_admin`, its session with ns (the
 * other end is ns's "init"), and `proc_admin` (the other end is proc's
 * "init"). Everything init tells them is on these:
 *   - ns.attach(component, pid, session) for each start of a component
 *     that uses services, a call with a deadline: a slow or dead ns costs
 *     a log line, never a stuck init; the component's session channel is
 *     closed then, so its calls fail rather than wait;
 *   - proc.adopt(name, parent, process) events: init itself and every
 *     running component when proc starts, then each later start.
 * A restarted ns knows no session of the components already running: they
 * keep a dead "ns" channel until they are restarted themselves.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "ns.h"
#include "proc.h"
#include "services.h"

#define NS_ATTACH_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)

static const manifest_t *manifest;
static int proc_index = -1;                  /* the component that provides "proc" */
static handle_t ns_admin = HANDLE_INVALID;   /* init's ns session */
static handle_t proc_admin = HANDLE_INVALID; /* adopt events go here */
static uint64_t self_pid;                    /* init's process id, 0 if unknown */

static uint64_t pid_of(handle_t proc)
{
    handle_info_t info;
    return sys_handle_info(proc, &info) == OK ? info.object_id : 0;
}

void services_init(const manifest_t *m)
{
    manifest = m;
    proc_index = manifest_provider(m, "proc");
    self_pid = pid_of(libsys_handle("self"));
}

static bool has_handle(const manifest_component_t *c, const char *name)
{
    for (size_t k = 0; k < c->ncaps; k++)
        if (strcmp(c->caps[k].name, name) == 0 && c->caps[k].kind != MANIFEST_CAP_PROVIDE &&
            c->caps[k].kind != MANIFEST_CAP_CONNECT)
            return true;
    return false;
}

/* A channel: one end to the child as `name`, the other in *mine. */
static int add_channel(const manifest_component_t *c, spawn_handle_t *hs, uint32_t *nh, const char *name,
                       handle_t *mine)
{
    handle_t theirs;
    int err = (int)sys_chan_create(mine, &theirs);
    if (err != OK) {
        fprintf(stderr, "init: '%s': cannot make its '%s' channel: %s\n", c->name, name, cairn_error_name(err));
        return err;
    }
    hs[*nh].h = theirs;
    snprintf(hs[*nh].name, sizeof hs[*nh].name, "%s", name);
    (*nh)++;
    return OK;
}

int services_handles(size_t i, spawn_handle_t *hs, uint32_t *nh, services_start_t *st)
{
    const manifest_component_t *c = &manifest->comp[i];
    uint32_t first = *nh;
    int err = OK;
    st->session = st->admin = HANDLE_INVALID;
    if (((int)i == manifest->ns || (int)i == proc_index) && has_handle(c, "init")) {
        /* The parser reserves only "ns"; two "init" handles would leave the
         * child finding the wrong one. */
        fprintf(stderr, "init: manifest:%u: '%s': the handle name 'init' is taken by init's channel\n",
                (unsigned)c->line, c->name);
        return ERR_ALREADY_EXISTS;
    }
    if ((int)i == manifest->ns) {
        err = add_channel(c, hs, nh, "init", &st->admin);
        /* ns parses the manifest init parsed; a line may already give it. */
        handle_t v = libsys_handle("manifest"), dup;
        if (err == OK && !has_handle(c, "manifest")) {
            err = (int)sys_handle_dup(v, RIGHT_READ | RIGHT_MAP | RIGHT_DUPLICATE | RIGHT_TRANSFER, &dup);
            if (err == OK) {
                hs[*nh].h = dup;
                snprintf(hs[*nh].name, sizeof hs[*nh].name, "manifest");
                (*nh)++;
            } else {
                fprintf(stderr, "init: 'ns': cannot pass the manifest on: %s\n", cairn_error_name(err));
            }
        }
    } else if ((int)i == proc_index) {
        err = add_channel(c, hs, nh, "init", &st->admin);
    }
    if (err == OK && c->uses_ns)
        err = add_channel(c, hs, nh, "ns", &st->session);
    if (err != OK) {
        while (*nh > first)
            sys_handle_close(hs[--*nh].h);
        services_discard(st);
    }
    return err;
}

int services_modules(const manifest_component_t *c, spawn_handle_t *more, uint32_t *n, uint32_t cap)
{
    *n = 0;
    for (size_t k = 0; k < libsys_handle_count(); k++) {
        const char *name;
        handle_t h = libsys_handle_at(k, &name);
        handle_info_t info;
        if (sys_handle_info(h, &info) != OK || info.kind != KIND_VMO)
            continue; /* the root resources, "self" */
        int err = *n == cap ? ERR_OUT_OF_RANGE : (int)sys_handle_dup(h, info.rights & ~RIGHT_WRITE, &more[*n].h);
        if (err != OK) {
            fprintf(stderr, "init: '%s': cannot pass module '%s' on: %s\n", c->name, name, cairn_error_name(err));
            while (*n > 0)
                sys_handle_close(more[--*n].h);
            return err;
        }
        snprintf(more[*n].name, sizeof more[*n].name, "%s", name);
        (*n)++;
    }
    return OK;
}

void services_discard(services_start_t *st)
{
    if (st->session != HANDLE_INVALID)
        sys_handle_close(st->session);
    if (st->admin != HANDLE_INVALID)
        sys_handle_close(st->admin);
    st->session = st->admin = HANDLE_INVALID;
}

/* Replies of attach calls that timed out stay queued: drop them, so the
 * queue never fills with them. */
static void drain(handle_t ch)
{
    uint8_t buf[64];
    handle_t hs[CHAN_MAX_HANDLES];
    for (;;) {
        chan_sizes_t sz = {sizeof buf, CHAN_MAX_HANDLES};
        if (sys_chan_read(ch, buf, hs, &sz) != OK)
            return; /* empty; or a message too big to be a reply of ns: left there */
        for (uint32_t k = 0; k < sz.handles; k++)
            sys_handle_close(hs[k]);
    }
}

static void attach(const manifest_component_t *c, uint64_t pid, handle_t session)
{
    if (ns_admin == HANDLE_INVALID) {
        fprintf(stderr, "init: '%s': ns is not running: its 'ns' channel is closed\n", c->name);
        sys_handle_close(session);
        return;
    }
    drain(ns_admin);
    int err = ns_attach(ns_admin, c->name, pid, session, libsys_now_ns() + NS_ATTACH_TIMEOUT_NS);
    if (err != OK)
        fprintf(stderr, "init: '%s': ns did not attach its session: %s\n", c->name, cairn_error_name(err));
}

static void adopt(const char *name, uint64_t parent, handle_t proc)
{
    handle_info_t info;
    handle_t dup = HANDLE_INVALID;
    int err = (int)sys_handle_info(proc, &info);
    if (err == OK)
        err = (int)sys_handle_dup(proc, info.rights, &dup); /* all init has: proc may kill it */
    if (err == OK)
        err = proc_adopt_send(proc_admin, name, parent, dup);
    if (err != OK)
        fprintf(stderr, "init: cannot hand '%s' to proc: %s\n", name, cairn_error_name(err));
}

void services_started(size_t i, handle_t proc, services_start_t *st)
{
    const manifest_component_t *c = &manifest->comp[i];
    if ((int)i == manifest->ns) {
        if (ns_admin != HANDLE_INVALID)
            sys_handle_close(ns_admin);
        ns_admin = st->admin;
    } else if ((int)i == proc_index) {
        if (proc_admin != HANDLE_INVALID)
            sys_handle_close(proc_admin);
        proc_admin = st->admin;
    }
    st->admin = HANDLE_INVALID;
    if (st->session != HANDLE_INVALID)
        attach(c, pid_of(proc), st->session);
    st->session = HANDLE_INVALID;
    if (proc_admin == HANDLE_INVALID)
        return;
    if ((int)i != proc_index) {
        adopt(c->name, self_pid, proc);
        return;
    }
    /* proc (re)started: everything running, init first. */
    if (libsys_handle("self") != HANDLE_INVALID)
        adopt("init", 0, libsys_handle("self"));
    for (size_t k = 0; k < manifest->ncomp; k++)
        if (init_component_process(k) != HANDLE_INVALID)
            adopt(manifest->comp[k].name, self_pid, init_component_process(k));
}

void services_ended(size_t i)
{
    handle_t *h = (int)i == manifest->ns ? &ns_admin : (int)i == proc_index ? &proc_admin : NULL;
    if (h != NULL && *h != HANDLE_INVALID) {
        sys_handle_close(*h);
        *h = HANDLE_INVALID;
    }
}
