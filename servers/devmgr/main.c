/* SPDX-License-Identifier: BSD-2-Clause
 *
 * devmgr: the device manager (docs/devmgr.md, proto/devmgr.proto). At
 * start it reads the driver manifests among its bootstrap handles (boot
 * modules named *.driver, drvman.h), connects to the pci server's
 * "pci-bind" service and to proc, lists every PCI function, and starts a
 * driver for each one a manifest matches (devices.c). Then it serves
 * "devmgr" (ops.c) from one loop holding its clients, one source per
 * running driver (the end of its "devmgr" channel) and the restart timer.
 *
 * Without a pci server it still serves, with no functions to list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/handle.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "devmgrd.h"

#define PCI_WAIT_NS (20ull * 1000 * 1000 * 1000) /* for the pci server to publish */
#define PROC_WAIT_NS (10ull * 1000 * 1000 * 1000)

devmgr_t devmgr;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

static void read_manifest(devmgr_t *m, const char *name, handle_t vmo)
{
    static char text[DRVMAN_TEXT_MAX + 1];
    uint64_t size = 0;
    char err[DRVMAN_ERR_MAX];
    int64_t rc = sys_vmo_get_size(vmo, &size);
    if (rc == OK && size > DRVMAN_TEXT_MAX)
        size = DRVMAN_TEXT_MAX + 1; /* refused by the parser with its message */
    if (rc == OK)
        rc = sys_vmo_read(vmo, text, 0, size);
    if (rc != OK) {
        fprintf(stderr, "devmgr: %s: %s\n", name, cairn_error_name((int)rc));
        return;
    }
    size_t len = strnlen(text, size); /* a module may be padded with zeroes */
    if (m->ndrivers == DEVMGR_MAX_DRIVERS) {
        fprintf(stderr, "devmgr: %s dropped: %u driver manifests at most\n", name, DEVMGR_MAX_DRIVERS);
        return;
    }
    drvman_t *d = &m->drivers[m->ndrivers];
    if (drvman_parse(text, len, d, err) != 0) {
        fprintf(stderr, "devmgr: %s:%s\n", name, err);
        return;
    }
    for (uint32_t i = 0; i < m->ndrivers; i++) {
        if (strcmp(m->drivers[i].name, d->name) == 0) {
            fprintf(stderr, "devmgr: %s: driver '%s' already defined\n", name, d->name);
            return;
        }
    }
    m->ndrivers++;
}

static void read_manifests(devmgr_t *m)
{
    for (size_t i = 0; i < libsys_handle_count(); i++) {
        const char *name;
        handle_t h = libsys_handle_at(i, &name);
        handle_info_t info;
        if (ends_with(name, ".driver") && sys_handle_info(h, &info) == OK && info.kind == KIND_VMO)
            read_manifest(m, name, h);
    }
}

int main(void)
{
    devmgr_t *m = &devmgr;
    m->ns = libsys_handle("ns");
    m->dma = libsys_handle("dma");
    m->pci = m->proc = HANDLE_INVALID;
    int err = loop_init(&m->loop);
    if (err == OK)
        err = srv_init(&m->srv, &m->loop, "devmgr", dm_dispatch, m);
    if (err == OK)
        err = (int)sys_timer_create(&m->timer);
    if (err == OK)
        err = loop_add(&m->loop, &m->timer_src, m->timer, SIG_TIMER, LOOP_URGENT, dm_timer, m);
    if (err != OK) {
        fprintf(stderr, "devmgr: cannot set up the loop: %s\n", cairn_error_name(err));
        return 1;
    }
    read_manifests(m);
    if ((err = libsys_connect("proc", PROC_WAIT_NS, &m->proc)) != OK) {
        fprintf(stderr, "devmgr: no 'proc' service: %s\n", cairn_error_name(err));
        return 1;
    }
    if ((err = libsys_connect("pci-bind", PCI_WAIT_NS, &m->pci)) != OK)
        fprintf(stderr, "devmgr: no 'pci-bind' service (%s): no devices to manage\n", cairn_error_name(err));
    else
        dm_scan(m);
    if ((err = srv_publish(&m->srv, m->ns, "devmgr")) != OK) {
        fprintf(stderr, "devmgr: cannot publish 'devmgr': %s\n", cairn_error_name(err));
        return 1;
    }
    return loop_run(&m->loop);
}
