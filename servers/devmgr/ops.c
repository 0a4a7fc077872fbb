/* SPDX-License-Identifier: BSD-2-Clause
 *
 * devmgr's service (proto/devmgr.proto): the functions and their drivers,
 * the driver manifests, and unbind.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "devmgrd.h"
#include "devmgr.h"

static devmgr_t *mgr(void *ctx) { return ((srv_client_t *)ctx)->srv->ctx; }

static int op_device(void *ctx, const proto_txn_t *txn, uint32_t index, devmgr_device_result_t *out)
{
    devmgr_t *m = mgr(ctx);
    (void)txn;
    if (index >= m->ndevices)
        return ERR_NOT_FOUND;
    const device_t *d = &m->devices[index];
    out->addr = d->addr;
    out->vendor = d->vendor;
    out->device = d->device;
    out->class_code = d->class_code;
    out->subclass = d->subclass;
    out->prog_if = d->prog_if;
    snprintf(out->driver, sizeof out->driver, "%s", d->drv >= 0 ? m->drivers[d->drv].name : "");
    out->state = d->state;
    out->pid = d->pid;
    out->restarts = d->restarts;
    out->last_status = d->last_status;
    return OK;
}

static int op_driver(void *ctx, const proto_txn_t *txn, uint32_t index, devmgr_driver_result_t *out)
{
    devmgr_t *m = mgr(ctx);
    (void)txn;
    if (index >= m->ndrivers)
        return ERR_NOT_FOUND;
    snprintf(out->name, sizeof out->name, "%s", m->drivers[index].name);
    snprintf(out->program, sizeof out->program, "%s", m->drivers[index].program);
    out->bound = 0;
    for (uint32_t i = 0; i < m->ndevices; i++)
        if (m->devices[i].drv == (int)index && m->devices[i].state == DEV_RUNNING)
            out->bound++;
    return OK;
}

static int op_unbind(void *ctx, const proto_txn_t *txn, uint32_t addr)
{
    devmgr_t *m = mgr(ctx);
    (void)txn;
    for (uint32_t i = 0; i < m->ndevices; i++)
        if (m->devices[i].addr == addr)
            return dm_unbind(m, &m->devices[i]);
    return ERR_NOT_FOUND;
}

static const devmgr_ops_t ops = {.device = op_device, .driver = op_driver, .unbind = op_unbind};

int dm_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    return devmgr_dispatch(&ops, c, c->ch, msg, n, hs, nh);
}
