/* SPDX-License-Identifier: BSD-2-Clause
 *
 * devmgr's state (docs/devmgr.md): the driver manifests it read, the PCI
 * functions the pci server listed, and for each bound function the
 * driver process devmgr started for it.
 *
 * A function's states (enum devmgr_state, reported by devmgr.device):
 *
 *   UNMATCHED                 no manifest takes it
 *   STARTING --started--> RUNNING --driver ends--> BACKOFF --timer--> STARTING
 *                            |                        \--limit--> GAVE_UP
 *                            \--devmgr.unbind--> UNBINDING --ends--> UNBOUND
 *   BIND_FAILED               pci.bind or the start failed (logged)
 *
 * Each function a driver takes has an instance number: 0, 1, ... over that
 * driver's functions in PCI order (the pci server lists them sorted by
 * address), fixed at the scan, so a restarted driver keeps it. The driver
 * finds it in its environment as DRIVER_INSTANCE (nvme0, nvme1...).
 *
 * Each start binds the function afresh (pci.bind: a new device capability)
 * and each end unbinds it (pci.unbind: the pci server revokes the BAR vmos
 * and interrupt objects the driver held), and revokes the driver's own DMA
 * resource, so nothing of one run survives into the next.
 */
#ifndef DEVMGRD_H
#define DEVMGRD_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/loop.h"
#include "cairn/server.h"
#include "drvman.h"

#define DEVMGR_MAX_DRIVERS 16u
#define DEVMGR_MAX_DEVICES 64u

enum devmgr_state {
    DEV_UNMATCHED = 0,
    DEV_STARTING = 1,
    DEV_RUNNING = 2,
    DEV_BACKOFF = 3,
    DEV_GAVE_UP = 4,
    DEV_BIND_FAILED = 5,
    DEV_UNBINDING = 6,
    DEV_UNBOUND = 7,
};

typedef struct device {
    uint32_t addr;
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if;
    int drv;                 /* index into devmgr_t.drivers, -1: unmatched */
    uint32_t instance;       /* among the functions of the same driver, in PCI order */
    uint32_t state;          /* enum devmgr_state */
    uint64_t pid;            /* the driver's process while it runs */
    handle_t watch;          /* devmgr's end of the driver's "devmgr" channel */
    loop_source_t watch_src;
    handle_t dma;            /* this run's DMA resource (the driver holds a duplicate) */
    uint32_t restarts;       /* in all */
    uint32_t streak;         /* in a row, without a stable period */
    uint32_t backoff_ms;     /* the next wait */
    uint64_t started_ns;
    uint64_t due_ns;         /* BACKOFF: restart at; UNBINDING: kill at */
    int32_t last_status;     /* how the last run ended (proc.wait's code) */
} device_t;

typedef struct devmgr {
    loop_t loop;
    srv_t srv;
    handle_t ns, pci, proc, dma;
    handle_t timer;
    loop_source_t timer_src;
    drvman_t drivers[DEVMGR_MAX_DRIVERS];
    uint32_t ndrivers;
    device_t devices[DEVMGR_MAX_DEVICES];
    uint32_t ndevices;
} devmgr_t;

extern devmgr_t devmgr;

/* devices.c */
void dm_scan(devmgr_t *m);
void dm_start(devmgr_t *m, device_t *d);
int dm_unbind(devmgr_t *m, device_t *d);
void dm_timer(loop_t *loop, loop_source_t *src, uint32_t signals);

/* ops.c */
int dm_dispatch(srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh);

#endif
