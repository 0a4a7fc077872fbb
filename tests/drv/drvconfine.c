/* SPDX-License-Identifier: BSD-2-Clause
 *
 * drvconfine: a driver that tests its own confinement
 * (tests/qemu/drv-confine.test). devmgr starts it like any driver, for
 * QEMU's nvme (1b36:0010), from its manifest drvconfine.driver: provide
 * drvconfine, connect pci, dma. From its init op it checks what it holds:
 *
 *   - its ns session does exactly what the manifest lists: connects to
 *     "pci", not to "pci-bind" or "proc" (which devmgr may), publishes
 *     "drvconfine" and nothing else, and derives only narrower sessions;
 *   - BAR 0 through the driver library is the nvme's registers and
 *     doorbells, the MSI-X pages are refused, MSI-X interrupts work;
 *   - no handle it holds makes a physical vmo over another device's BAR
 *     (the edu's, found through "pci"), its own BAR or RAM (its own DMA
 *     buffer).
 *
 * One line per check, "drvconfine: PASS name" or "drvconfine: FAIL
 * name", then "drvconfine: done, N failed"; it then serves nothing and
 * waits for its unbind like any driver.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/driver.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "ns.h"
#include "pci.h"

#define SEC 1000000000ull
#define PAGE 4096ull
#define MAX_HELD 32u

static int failed;
static uint64_t dl(void) { return libsys_now_ns() + 5 * SEC; }

#define CHECK(name, cond)                                                                     \
    do {                                                                                      \
        if (cond) {                                                                           \
            printf("drvconfine: PASS %s\n", name);                                            \
        } else {                                                                              \
            printf("drvconfine: FAIL %s (%s:%d)\n", name, __FILE__, __LINE__);                \
            failed++;                                                                         \
        }                                                                                     \
    } while (0)

/* Every handle this driver knows it holds. */
static handle_t held[MAX_HELD];
static uint32_t nheld;
static handle_t pci = HANDLE_INVALID; /* its connection to "pci" */

static void hold(handle_t h)
{
    if (h != HANDLE_INVALID && nheld < MAX_HELD)
        held[nheld++] = h;
}

static int publish(handle_t ns, const char *name)
{
    handle_t mine, theirs;
    int err = (int)sys_chan_create(&mine, &theirs);
    if (err != OK)
        return err;
    err = ns_publish(ns, name, theirs, dl());
    if (err == OK)
        hold(mine); /* kept: the name stays published while it lives */
    else
        sys_handle_close(mine);
    return err;
}

static int connect(handle_t ns, const char *name, handle_t *conn)
{
    ns_connect_result_t r;
    int err = ns_connect(ns, name, false, &r, dl());
    if (err == OK)
        hold(r.conn);
    if (err == OK && conn != NULL)
        *conn = r.conn;
    return err;
}

static void check_ns(handle_t ns)
{
    CHECK("connect_listed", connect(ns, "pci", &pci) == OK);
    CHECK("connect_pci_bind_refused", connect(ns, "pci-bind", NULL) == ERR_ACCESS_DENIED);
    CHECK("connect_proc_refused", connect(ns, "proc", NULL) == ERR_ACCESS_DENIED);
    CHECK("connect_devmgr_refused", connect(ns, "devmgr", NULL) == ERR_ACCESS_DENIED);
    CHECK("publish_listed", publish(ns, "drvconfine") == OK);
    CHECK("publish_other_refused", publish(ns, "drvconfine-2") == ERR_ACCESS_DENIED);
    CHECK("publish_edu_refused", publish(ns, "edu") == ERR_ACCESS_DENIED);
    ns_derive_result_t d;
    CHECK("derive_wider_refused", ns_derive(ns, "drvconfine-g", "", "pci-bind", &d, dl()) == ERR_ACCESS_DENIED);
    CHECK("derive_provide_refused", ns_derive(ns, "drvconfine-g", "*", "", &d, dl()) == ERR_ACCESS_DENIED);
    int err = ns_derive(ns, "drvconfine-g", "", "pci", &d, dl());
    CHECK("derive_narrower", err == OK);
    if (err == OK) {
        CHECK("derived_connects", connect(d.session, "pci", NULL) == OK);
        CHECK("derived_publishes_nothing", publish(d.session, "drvconfine") == ERR_ACCESS_DENIED);
        hold(d.session);
    }
}

/* nvme: BAR 0 is registers (page 0) and doorbells (page 1), then the
 * MSI-X table and PBA. */
static void check_bar(drv_t *d)
{
    volatile void *regs = NULL;
    uint64_t size = 0;
    int err = drv_map_bar(d, 0, false, &regs, &size);
    CHECK("map_bar", err == OK && size == 0x2000);
    if (err != OK)
        return;
    hold(d->bar[0].vmo);
    uint32_t vs = ((volatile uint32_t *)regs)[2];
    CHECK("registers_read", vs >> 16 == 1);
    pcidev_bar_range_result_t r;
    CHECK("msix_table_refused", pcidev_bar_range(d->dev, 0, 0x2000, 0x1000, false, &r, dl()) == ERR_ACCESS_DENIED);
    CHECK("msix_pba_refused", pcidev_bar_range(d->dev, 0, 0x3000, 0x1000, false, &r, dl()) == ERR_ACCESS_DENIED);
    err = pcidev_bar_range(d->dev, 0, 0x1000, 0x1000, false, &r, dl());
    CHECK("doorbells", err == OK && r.size == 0x1000);
    if (err == OK)
        hold(r.vmo);
    uint32_t granted = 0;
    err = drv_irqs(d, 2, DRV_ALLOW(DRV_IRQ_MSIX), &granted);
    CHECK("msix", err == OK && d->irq_mode == DRV_IRQ_MSIX && granted == 2);
    for (uint32_t i = 0; i < d->nirq; i++)
        hold(d->irq[i].h);
}

/* BAR 0 of the first function with this id, through "pci". */
static uint64_t bar0_of(uint16_t vendor, uint16_t device)
{
    for (uint32_t i = 0; pci != HANDLE_INVALID && i < 256; i++) {
        pci_function_result_t f;
        pci_bar_result_t b;
        if (pci_function(pci, i, &f, dl()) != OK)
            break;
        if (f.vendor == vendor && f.device == device)
            return pci_bar(pci, f.addr, 0, &b, dl()) == OK ? b.base : 0;
    }
    return 0;
}

static void check_physical(drv_t *d)
{
    drv_dma_t buf;
    int err = drv_dma_alloc(d, PAGE, &buf);
    CHECK("dma", err == OK);
    if (err == OK)
        hold(buf.vmo);
    for (size_t i = 0; i < libsys_handle_count(); i++)
        hold(libsys_handle_at(i, NULL));
    uint64_t targets[3] = {bar0_of(0x1234, 0x11e8), bar0_of(0x1b36, 0x0010), buf.phys}; /* edu, its own, RAM */
    CHECK("targets", targets[0] != 0 && targets[1] != 0 && targets[2] != 0);
    uint32_t made = 0, tried = 0;
    for (uint32_t h = 0; h < nheld; h++) {
        for (uint32_t t = 0; t < 3; t++) {
            for (uint32_t cache = VMO_CACHE_UC; cache <= VMO_CACHE_WB; cache++) {
                handle_t v;
                tried++;
                if (sys_vmo_create_physical(held[h], targets[t], PAGE, cache, &v) == OK) {
                    made++;
                    sys_handle_close(v);
                }
            }
        }
    }
    printf("drvconfine: %u handles, %u tries, %u physical vmos made\n", nheld, tried, made);
    CHECK("no_physical_vmo", made == 0 && nheld >= 10);
}

static int drvconfine_init(drv_t *d)
{
    handle_t ns = libsys_handle("ns");
    printf("drvconfine: %zu bootstrap handles\n", libsys_handle_count());
    CHECK("handles_as_devmgr_gives", ns != HANDLE_INVALID && d->dma_res != HANDLE_INVALID &&
                                         libsys_handle_count() == 4);
    check_ns(ns);
    check_bar(d);
    check_physical(d);
    printf("drvconfine: done, %d failed\n", failed);
    return OK;
}

static const drv_ops_t drvconfine_ops = {
    .name = "drvconfine",
    .init = drvconfine_init,
};

int main(void)
{
    return drv_run(&drvconfine_ops, NULL);
}
