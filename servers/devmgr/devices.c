/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Functions and their drivers (devmgr.h has the states): the scan that
 * matches the pci server's functions against the driver manifests, the
 * start of a driver (pci.bind, then proc.create/add_handle/start with
 * exactly "dev", "ns" - a session derived with the manifest's provide and
 * connect lists - "devmgr" and what the manifest grants, and the
 * environment DRIVER_INSTANCE and DRIVER_DEVICE), the end of
 * a run (seen as the closing of the driver's "devmgr" channel: its process
 * is gone), restarts with back-off on one timer, and unbinding.
 */
#include <stdio.h>
#include <string.h>

#include "abi/process.h"
#include "abi/resource.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "devmgrd.h"
#include "ns.h"
#include "pci.h"
#include "proc.h"

#define CALL_NS (5ull * 1000 * 1000 * 1000)
#define MS (1000ull * 1000)
#define UNBIND_GRACE_MS 1000u /* an unbound driver that has not ended by then is killed */

static uint64_t deadline(void) { return libsys_now_ns() + CALL_NS; }

static const char *drv_name(devmgr_t *m, device_t *d) { return m->drivers[d->drv].name; }

/* The timer fires at the earliest due time of any device waiting. */
static void arm_timer(devmgr_t *m)
{
    uint64_t next = 0;
    for (uint32_t i = 0; i < m->ndevices; i++) {
        device_t *d = &m->devices[i];
        if ((d->state == DEV_BACKOFF || d->state == DEV_UNBINDING) && (next == 0 || d->due_ns < next))
            next = d->due_ns;
    }
    if (next == 0)
        sys_timer_cancel(m->timer);
    else
        sys_timer_set(m->timer, next, 0);
}

/* Takes back what one run had: the binding (pci.unbind revokes its BAR
 * vmos and interrupt objects) and its DMA resource (revoking it frees and
 * unmaps every DMA vmo made from it). */
static void take_back(devmgr_t *m, device_t *d)
{
    int err = pci_unbind(m->pci, d->addr, deadline());
    /* ERR_BAD_STATE: unbound already - the pci server unbinds when the
     * driver's end of the device channel closes, as its process ends. */
    if (err != OK && err != ERR_NOT_FOUND && err != ERR_BAD_STATE)
        fprintf(stderr, "devmgr: pci.unbind %02x:%02x.%u: %s\n", d->addr >> 8, d->addr >> 3 & 0x1f, d->addr & 7,
                cairn_error_name(err));
    if (d->dma != HANDLE_INVALID) {
        sys_handle_revoke(d->dma);
        sys_handle_close(d->dma);
        d->dma = HANDLE_INVALID;
    }
}

/* The driver's process is gone (or its channel closed): how it ended. */
static void on_driver_end(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    devmgr_t *m = &devmgr;
    device_t *d = src->ctx;
    (void)signals;
    loop_remove(loop, src);
    sys_handle_close(d->watch);
    d->watch = HANDLE_INVALID;
    proc_wait_result_t w = {PROCESS_KILLED, -1};
    int err = proc_wait(m->proc, d->pid, &w, deadline());
    if (err == ERR_TIMED_OUT) { /* it closed the channel itself but lives on: not a driver we keep */
        proc_kill(m->proc, d->pid, deadline());
        proc_wait(m->proc, d->pid, &w, deadline());
    }
    const char *how = w.reason == PROCESS_EXITED ? "exited" : w.reason == PROCESS_KILLED ? "killed" : "faulted";
    printf("devmgr: driver '%s' (pid %llu) of %02x:%02x.%u %s, status %d\n", drv_name(m, d),
           (unsigned long long)d->pid, d->addr >> 8, d->addr >> 3 & 0x1f, d->addr & 7, how, w.code);
    d->pid = 0;
    d->last_status = w.code;
    take_back(m, d);
    const drvman_t *man = &m->drivers[d->drv];
    if (d->state == DEV_UNBINDING) {
        d->state = DEV_UNBOUND;
    } else if (!man->restart) {
        d->state = DEV_GAVE_UP;
    } else {
        uint64_t up_ms = (libsys_now_ns() - d->started_ns) / MS;
        if (up_ms > man->backoff_max_ms) { /* it had been stable: start over */
            d->streak = 0;
            d->backoff_ms = man->backoff_min_ms;
        }
        if (man->limit != 0 && d->streak >= man->limit) {
            printf("devmgr: giving up on '%s' of %02x:%02x.%u after %u restarts\n", man->name, d->addr >> 8,
                   d->addr >> 3 & 0x1f, d->addr & 7, d->streak);
            d->state = DEV_GAVE_UP;
        } else {
            printf("devmgr: restarting '%s' in %u ms (restart %u)\n", man->name, d->backoff_ms, d->restarts + 1);
            d->state = DEV_BACKOFF;
            d->due_ns = libsys_now_ns() + d->backoff_ms * MS;
            d->backoff_ms = d->backoff_ms * 2 > man->backoff_max_ms ? man->backoff_max_ms : d->backoff_ms * 2;
        }
    }
    arm_timer(m);
}

void dm_timer(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    devmgr_t *m = &devmgr;
    (void)loop;
    (void)src;
    (void)signals;
    uint64_t now = libsys_now_ns();
    for (uint32_t i = 0; i < m->ndevices; i++) {
        device_t *d = &m->devices[i];
        if (d->state == DEV_BACKOFF && d->due_ns <= now) {
            d->restarts++;
            d->streak++;
            dm_start(m, d);
        } else if (d->state == DEV_UNBINDING && d->due_ns <= now && d->pid != 0) {
            printf("devmgr: '%s' still running %u ms after its unbind: killed\n", drv_name(m, d), UNBIND_GRACE_MS);
            proc_kill(m->proc, d->pid, deadline());
            d->due_ns = now + 60 * 1000 * MS; /* its end comes through its channel */
        }
    }
    arm_timer(m);
}

/* The handles of one run, added to the created process `pid`. */
static int give_handles(devmgr_t *m, device_t *d, uint64_t pid, handle_t dev, handle_t *watch)
{
    const drvman_t *man = &m->drivers[d->drv];
    handle_t mine = HANDLE_INVALID, theirs = HANDLE_INVALID;
    int err = proc_add_handle(m->proc, pid, "dev", dev, deadline());
    ns_derive_result_t ses;
    /* Its ns session allows exactly what its manifest lists (ns refuses,
     * and logs, what devmgr's own session could not allow). */
    if (err == OK && (err = ns_derive(m->ns, man->name, man->provide, man->connect, &ses, deadline())) != OK)
        fprintf(stderr, "devmgr: ns.derive for '%s' (provide '%s', connect '%s'): %s\n", man->name, man->provide,
                man->connect, cairn_error_name(err));
    if (err == OK)
        err = proc_add_handle(m->proc, pid, "ns", ses.session, deadline());
    if (err == OK && (err = (int)sys_chan_create(&mine, &theirs)) == OK)
        err = proc_add_handle(m->proc, pid, "devmgr", theirs, deadline());
    if (err == OK && man->dma) {
        resource_info_t ri;
        handle_t grant = HANDLE_INVALID;
        if (m->dma == HANDLE_INVALID)
            err = ERR_ACCESS_DENIED; /* devmgr's own manifest entry lacks `dma` */
        if (err == OK)
            err = (int)sys_resource_info(m->dma, &ri);
        if (err == OK)
            err = (int)sys_resource_derive(m->dma, RESOURCE_DMA, ri.base, ri.len, &d->dma);
        if (err == OK)
            err = (int)sys_resource_derive(d->dma, RESOURCE_DMA, ri.base, ri.len, &grant);
        if (err == OK)
            err = proc_add_handle(m->proc, pid, "dma", grant, deadline());
    }
    if (err != OK && mine != HANDLE_INVALID) {
        sys_handle_close(mine);
        mine = HANDLE_INVALID;
    }
    *watch = mine;
    return err;
}

void dm_start(devmgr_t *m, device_t *d)
{
    const drvman_t *man = &m->drivers[d->drv];
    char where[16];
    snprintf(where, sizeof where, "%02x:%02x.%u", d->addr >> 8, d->addr >> 3 & 0x1f, d->addr & 7);
    d->state = DEV_STARTING;
    pci_bind_result_t b;
    int err = pci_bind(m->pci, d->addr, man->name, &b, deadline());
    if (err != OK) {
        fprintf(stderr, "devmgr: pci.bind %s for '%s': %s\n", where, man->name, cairn_error_name(err));
        d->state = DEV_BIND_FAILED;
        return;
    }
    proc_create_result_t cr;
    const char *step = "proc.create";
    handle_t watch = HANDLE_INVALID;
    char env[64];
    snprintf(env, sizeof env, "DRIVER_INSTANCE=%u\nDRIVER_DEVICE=%s", d->instance, where);
    if ((err = proc_create(m->proc, man->program, man->args, env, &cr, deadline())) != OK) {
        sys_handle_close(b.dev);
    } else {
        step = "its handles";
        err = give_handles(m, d, cr.pid, b.dev, &watch);
        if (err == OK) {
            step = "proc.start";
            err = proc_start(m->proc, cr.pid, deadline());
        }
        if (err == OK) {
            step = "watching it";
            err = loop_add(&m->loop, &d->watch_src, watch, SIG_PEER_CLOSED, LOOP_NORMAL, on_driver_end, d);
        }
        if (err != OK) {
            proc_kill(m->proc, cr.pid, deadline());
            proc_wait_result_t w;
            proc_wait(m->proc, cr.pid, &w, deadline());
            if (watch != HANDLE_INVALID)
                sys_handle_close(watch);
        }
    }
    if (err != OK) {
        fprintf(stderr, "devmgr: cannot start '%s' for %s: %s: %s\n", man->name, where, step, cairn_error_name(err));
        take_back(m, d);
        d->state = DEV_BIND_FAILED;
        return;
    }
    d->watch = watch;
    d->pid = cr.pid;
    d->started_ns = libsys_now_ns();
    d->state = DEV_RUNNING;
    printf("devmgr: %s %04x:%04x -> driver '%s' (pid %llu), instance %u\n", where, d->vendor, d->device,
           man->name, (unsigned long long)cr.pid, d->instance);
}

int dm_unbind(devmgr_t *m, device_t *d)
{
    if (d->state == DEV_UNMATCHED)
        return ERR_NOT_FOUND;
    if (d->state == DEV_UNBOUND || d->state == DEV_UNBINDING)
        return ERR_BAD_STATE;
    printf("devmgr: unbinding %02x:%02x.%u from '%s'\n", d->addr >> 8, d->addr >> 3 & 0x1f, d->addr & 7,
           drv_name(m, d));
    if (d->pid == 0) { /* not running: nothing to wait for */
        d->state = DEV_UNBOUND;
        arm_timer(m);
        return OK;
    }
    /* Revoke first, end the process after: a driver that touches its
     * registers now faults (the kernel logs it), one that notices the
     * closed device capability exits; one that does neither is killed. */
    d->state = DEV_UNBINDING;
    take_back(m, d);
    d->due_ns = libsys_now_ns() + UNBIND_GRACE_MS * MS;
    arm_timer(m);
    return OK;
}

static void add_function(devmgr_t *m, const pci_function_result_t *f)
{
    if (m->ndevices == DEVMGR_MAX_DEVICES) {
        fprintf(stderr, "devmgr: function %04x dropped: %u functions at most\n", f->addr, DEVMGR_MAX_DEVICES);
        return;
    }
    if (f->header_type != 0) /* bridges belong to the pci server */
        return;
    device_t *d = &m->devices[m->ndevices++];
    memset(d, 0, sizeof *d);
    d->addr = f->addr;
    d->vendor = f->vendor;
    d->device = f->device;
    d->class_code = f->class_code;
    d->subclass = f->subclass;
    d->prog_if = f->prog_if;
    d->watch = HANDLE_INVALID;
    d->dma = HANDLE_INVALID;
    d->drv = -1;
    for (uint32_t i = 0; i < m->ndrivers && d->drv < 0; i++)
        if (drvman_matches(&m->drivers[i], f->vendor, f->device, f->class_code, f->subclass, f->prog_if))
            d->drv = (int)i;
    d->state = d->drv < 0 ? DEV_UNMATCHED : DEV_STARTING;
    if (d->drv >= 0)
        d->backoff_ms = m->drivers[d->drv].backoff_min_ms;
}

void dm_scan(devmgr_t *m)
{
    for (uint32_t i = 0;; i++) {
        pci_function_result_t f;
        int err = pci_function(m->pci, i, &f, deadline());
        if (err == ERR_NOT_FOUND)
            break;
        if (err != OK) {
            fprintf(stderr, "devmgr: pci.function %u: %s\n", i, cairn_error_name(err));
            break;
        }
        add_function(m, &f);
    }
    uint32_t matched = 0, instances[DEVMGR_MAX_DRIVERS] = {0};
    for (uint32_t i = 0; i < m->ndevices; i++) {
        if (m->devices[i].drv >= 0) {
            matched++;
            m->devices[i].instance = instances[m->devices[i].drv]++;
            dm_start(m, &m->devices[i]);
        }
    }
    printf("devmgr: %u functions, %u with a driver, %u driver manifests\n", m->ndevices, matched, m->ndrivers);
}
