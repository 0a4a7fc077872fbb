/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ns: the name service (docs/ns.md, proto/ns.proto). Servers publish
 * names; clients connect to them by name and get a channel to the server;
 * the manifest says who may do which.
 *
 * Start-up: init starts ns (the component that provides "ns") with two
 * handles besides its manifest lines: "manifest", the boot module ns
 * parses exactly as init does (servers/init/manifest.c), and "init", the
 * channel of init's own session, over which init attaches each
 * component's session. Then one event loop (STYLE.md item 3) serves every
 * session (session.c) and watches every registration's opener
 * (registry.c) until the system stops: ns has no reason to exit.
 */
#include <stdio.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "manifest_vmo.h"
#include "nsd.h"

static manifest_t manifest; /* about 77 KiB: static */
static nsd_t ns;

static void report(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "ns: %s\n", msg);
}

static int load_manifest(void)
{
    handle_t v = libsys_handle("manifest");
    const char *text;
    size_t len;
    if (v == HANDLE_INVALID) {
        fprintf(stderr, "ns: no handle 'manifest' (init gives it)\n");
        return ERR_NOT_FOUND;
    }
    int err = manifest_map(v, &text, &len);
    if (err != OK) {
        fprintf(stderr, "ns: cannot map the manifest: %s\n", cairn_error_name(err));
        return err;
    }
    return manifest_parse(text, len, &manifest, report, NULL);
}

int main(void)
{
    if (load_manifest() != OK)
        return 1;
    handle_t admin = libsys_handle_take("init");
    if (admin == HANDLE_INVALID) {
        fprintf(stderr, "ns: no handle 'init' (init's session)\n");
        return 1;
    }
    ns.m = &manifest;
    int err = loop_init(&ns.loop);
    if (err == OK)
        err = srv_init(&ns.srv, &ns.loop, "ns", session_dispatch, &ns);
    if (err != OK) {
        fprintf(stderr, "ns: cannot start the loop: %s\n", cairn_error_name(err));
        return 1;
    }
    ns.srv.on_close = session_closed;
    ns.srv.max_clients = NS_MAX_SESSIONS;
    ns_identity_t init_id = ns_identity_init();
    err = session_add(&ns, admin, "init", &init_id, 0);
    if (err != OK) {
        fprintf(stderr, "ns: cannot serve init's session: %s\n", cairn_error_name(err));
        return 1;
    }
    printf("ns: ready (%zu components in the manifest)\n", manifest.ncomp);
    return loop_run(&ns.loop);
}
