/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * proc: the process manager (docs/proc.md). It starts programs from the
 * boot modules with arguments, environment and handles, waits for them,
 * kills them and lists every process it knows, init's components included.
 *
 * Start-up: the boot modules are the vmos among the bootstrap handles
 * (the manifest's `module *`, which libsys collects from the "more
 * handles" messages after the bootstrap message, and `module NAME`
 * lines). The optional handle "init"
 * is the channel init sends adopt events on. Then proc publishes "proc"
 * through its ns session and serves: one loop (cairn/loop.h) with the
 * clients (cairn/server.h), the "init" channel and one SIG_TERMINATED
 * source per process.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "procd.h"

procd_t procd;

static void add_module(const char *name, handle_t vmo)
{
    if (procd.nmodules >= PROC_MAX_MODULES) {
        fprintf(stderr, "proc: module '%s' dropped: %u modules at most\n", name, PROC_MAX_MODULES);
        sys_handle_close(vmo);
        return;
    }
    module_t *m = &procd.modules[procd.nmodules++];
    snprintf(m->name, sizeof m->name, "%s", name);
    m->vmo = vmo;
}

static void read_modules(void)
{
    /* Every vmo among the bootstrap handles: `module NAME` lines and
     * `module *`, whose modules follow the bootstrap message (libsys reads
     * those messages too, docs/libsys.md). */
    for (size_t i = 0; i < libsys_handle_count();) {
        const char *name;
        handle_t h = libsys_handle_at(i, &name);
        handle_info_t info;
        if (sys_handle_info(h, &info) == OK && info.kind == KIND_VMO) {
            char copy[BOOTSTRAP_NAME_MAX];
            snprintf(copy, sizeof copy, "%s", name);
            /* By position: the boot module "init" shares its name with
             * the channel "init". */
            add_module(copy, libsys_handle_take_at(i));
        } else {
            i++;
        }
    }
}

static int dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return proc_dispatch(&proc_client_ops, c, c->ch, msg, n, hs, nh);
}

static void on_close(srv_client_t *c)
{
    table_client_closed(c);
}

static void init_ready(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    handle_t hs[CHAN_MAX_HANDLES];
    (void)signals;
    for (;;) {
        chan_sizes_t sz = {CHAN_MAX_BYTES, CHAN_MAX_HANDLES};
        int64_t err = sys_chan_read(procd.init_ch, procd.srv.buf, hs, &sz);
        if (err == ERR_SHOULD_WAIT)
            return;
        if (err != OK) {
            fprintf(stderr, "proc: init's channel: %s: no more adoptions\n", cairn_error_name((int)err));
            loop_remove(loop, src);
            sys_handle_close(procd.init_ch);
            procd.init_ch = HANDLE_INVALID;
            return;
        }
        err = proc_dispatch(&proc_init_ops, &procd, procd.init_ch, procd.srv.buf, sz.bytes, hs, sz.handles);
        if (err != OK)
            fprintf(stderr, "proc: bad message from init: %s\n", cairn_error_name((int)err));
    }
}

int main(void)
{
    int err = loop_init(&procd.loop);
    if (err == OK)
        err = srv_init(&procd.srv, &procd.loop, "proc", dispatch, &procd);
    if (err != OK) {
        fprintf(stderr, "proc: cannot set up the loop: %s\n", cairn_error_name(err));
        return 1;
    }
    procd.srv.on_close = on_close;
    read_modules();
    procd.init_ch = libsys_handle_take("init");
    if (procd.init_ch != HANDLE_INVALID &&
        (err = loop_add(&procd.loop, &procd.init_src, procd.init_ch, SIG_READABLE | SIG_PEER_CLOSED, LOOP_NORMAL,
                        init_ready, &procd)) != OK) {
        fprintf(stderr, "proc: cannot listen to init: %s\n", cairn_error_name(err));
        return 1;
    }
    err = srv_publish(&procd.srv, libsys_handle("ns"), "proc");
    if (err != OK) {
        fprintf(stderr, "proc: cannot publish 'proc': %s\n", cairn_error_name(err));
        return 1;
    }
    printf("proc: ready, %u boot modules\n", procd.nmodules);
    return loop_run(&procd.loop);
}
