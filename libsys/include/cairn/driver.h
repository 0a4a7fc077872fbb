/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The driver library (STYLE.md item 4, docs/writing-a-driver.md): a driver
 * is an ops table and one call.
 *
 *     static const drv_ops_t edu_ops = {
 *         .name = "edu", .service = "edu",
 *         .init = edu_init, .interrupt = edu_interrupt,
 *         .message = edu_message, .stop = edu_stop,
 *     };
 *     int main(void) { static edu_t e; return drv_run(&edu_ops, &e); }
 *
 * drv_run takes the driver's bootstrap handles - "dev", the device
 * capability (a channel speaking proto/pcidev.proto, from devmgr's
 * pci.bind), "ns" (a session derived from devmgr's), "devmgr" (a channel
 * whose closing tells devmgr the driver is gone) and, when the driver's
 * manifest grants it, "dma" (a DMA resource of its own) - and its instance
 * number (the environment's DRIVER_INSTANCE, docs/devmgr.md: 0, 1, ... over
 * the functions devmgr gives this driver, in PCI order; names such as
 * nvme0 come from it) - then calls init,
 * which sets the device up with the helpers below (map a BAR, get
 * interrupts, allocate DMA memory). Then it publishes `service` through ns
 * when the driver has a `message` op, and runs the loop (cairn/loop.h):
 *
 *   - each interrupt is an LOOP_URGENT source: interrupt(d, index) runs,
 *     then the library acknowledges the irq object (irq_ack), so the op
 *     must have quieted the device's cause before returning;
 *   - messages from the service's clients go to `message` (which calls the
 *     generated NAME_dispatch), after interrupts within each turn;
 *   - when the device capability's peer closes (the pci server unbound the
 *     function, or went away) stop runs and drv_run returns 0.
 *
 * A driver with `no_device` set (a software device, started from the
 * manifest or the shell rather than by devmgr) has no "dev": drv_run skips
 * the device capability, and only drv_quit ends it.
 *
 * After an unbind the BAR mappings are revoked by the kernel: touching one
 * kills the process. stop must therefore not touch the device when
 * d->unbound is set; it may free memory and answer pending requests.
 */
#ifndef CAIRN_DRIVER_H
#define CAIRN_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/handle.h"
#include "cairn/loop.h"
#include "cairn/server.h"
#include "pcidev.h"

#define DRV_MAX_IRQS 8u
#define DRV_MAX_BARS 6u
#define DRV_CALL_NS (5ull * 1000 * 1000 * 1000) /* each pcidev call, at most */

/* pcidev.irq's `allow` and `mode` (proto/pcidev.proto). */
#define DRV_IRQ_INTX 1u
#define DRV_IRQ_MSI 2u
#define DRV_IRQ_MSIX 3u
#define DRV_ALLOW(mode) (1u << (mode))
#define DRV_ALLOW_ANY (DRV_ALLOW(DRV_IRQ_INTX) | DRV_ALLOW(DRV_IRQ_MSI) | DRV_ALLOW(DRV_IRQ_MSIX))

typedef struct drv drv_t;

typedef struct drv_ops {
    const char *name;    /* in log lines: "NAME: ..." */
    const char *service; /* published through ns when `message` is set */
    /* A driver of no PCI function (a RAM disk): drv_run wants no "dev"
     * handle, and the PCI helpers (drv_enable, drv_map_bar, drv_irqs,
     * drv_config_*) answer ERR_BAD_STATE. DMA memory still comes from a
     * "dma" handle, when the driver was given one. */
    bool no_device;
    /* Sets the device up; anything but OK ends drv_run with status 1. */
    int (*init)(drv_t *d);
    /* Interrupt number `index` (of those drv_irqs granted) fired. */
    void (*interrupt)(drv_t *d, uint32_t index);
    /* Optional: one message of a client of the service. */
    int (*message)(drv_t *d, srv_client_t *c, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh);
    /* Optional: the driver ends (unbound, or drv_quit). */
    void (*stop)(drv_t *d);
} drv_ops_t;

/* A DMA buffer: physically contiguous, zeroed, mapped. */
typedef struct drv_dma {
    handle_t vmo;
    uint64_t phys; /* what the device is given */
    void *va;      /* where the driver reads and writes it */
    uint64_t size;
} drv_dma_t;

typedef struct drv_irq {
    drv_t *drv;
    handle_t h;
    uint32_t index;
    uint64_t count; /* interrupts taken */
    loop_source_t src;
} drv_irq_t;

typedef struct drv_bar {
    handle_t vmo;
    volatile void *regs;
    uint64_t size;
} drv_bar_t;

struct drv {
    const drv_ops_t *ops;
    void *ctx;                  /* drv_run's ctx: the driver's state */
    handle_t dev;               /* the device capability (pcidev) */
    handle_t dma_res;           /* "dma", or HANDLE_INVALID */
    handle_t devmgr;            /* "devmgr", or HANDLE_INVALID */
    pcidev_info_result_t info;  /* who the device is */
    uint32_t instance;          /* this driver's number for the device, from devmgr (DRIVER_INSTANCE) */
    bool unbound;               /* the device capability is gone */
    uint32_t irq_mode;          /* of the granted interrupts (DRV_IRQ_...) */
    uint32_t nirq;
    drv_irq_t irq[DRV_MAX_IRQS];
    drv_bar_t bar[DRV_MAX_BARS];
    loop_t loop;
    srv_t srv;
    loop_source_t dev_src;
};

/* Runs the driver; returns its exit status (0 after an unbind). */
int drv_run(const drv_ops_t *ops, void *ctx);

/* The client's driver, for a message op's generated ops (ctx is the client). */
drv_t *drv_of(srv_client_t *c);

/* Memory and I/O decoding on, and bus mastering (DMA) if asked. */
int drv_enable(drv_t *d, bool bus_master);

/* Memory BAR `index` mapped uncached (write-combining if asked and the BAR
 * is prefetchable). Kept until the driver ends. A BAR holding the MSI-X
 * table or PBA is mapped up to the first page of them (the pci server
 * owns those): *size says how many bytes of it are there (pcidev
 * bar_range reaches the pages after them). */
int drv_map_bar(drv_t *d, uint32_t index, bool write_combining, volatile void **regs, uint64_t *size);

/* Up to `count` interrupts in one of the `allow`ed modes, each bound to the
 * loop as an urgent source; *granted says how many (at least 1 on OK). */
int drv_irqs(drv_t *d, uint32_t count, uint32_t allow, uint32_t *granted);

/* Holds (masked) or lets through interrupt `index`. */
int drv_irq_mask(drv_t *d, uint32_t index, bool masked);

/* A DMA buffer of `size` bytes (the manifest must grant `dma`):
 * ERR_ACCESS_DENIED without it. */
int drv_dma_alloc(drv_t *d, uint64_t size, drv_dma_t *out);
/* The same for a device that reaches only physical addresses below
 * `limit` (the edu: 2^28): the buffer comes from the driver's DMA resource
 * narrowed to [0, limit), which the kernel allocates within.
 * ERR_NO_MEMORY when no free block fits. */
int drv_dma_alloc_below(drv_t *d, uint64_t size, uint64_t limit, drv_dma_t *out);
void drv_dma_free(drv_dma_t *b);

/* Configuration space of the device (pcidev.config_read/config_write). */
int drv_config_read(drv_t *d, uint32_t offset, uint32_t width, uint32_t *value);
int drv_config_write(drv_t *d, uint32_t offset, uint32_t width, uint32_t value);

/* Ends drv_run with `status` after the current callback (stop runs). */
void drv_quit(drv_t *d, int status);

#endif
