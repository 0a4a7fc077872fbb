/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Physical memory for the acpi server: each read maps the pages it needs
 * as a physical vmo (vmo_create_physical on an MMIO resource from the
 * manifest that covers them), copies, and unmaps at once, so no memory
 * type claim outlives the read.
 *
 * The kernel decides what may be mapped and how (mm/memtype.h): never RAM
 * it manages; write-back only over firmware memory the memory map lists
 * (where QEMU's tables are: they may not be mapped uncached while the
 * kernel maps them write-back), uncached over holes of the map (the BIOS
 * area's 0xe0000 segment is one). A read tries the caller's preferred
 * type first and the other one after an ERR_ACCESS_DENIED.
 */
#include <stdio.h>
#include <string.h>

#include "acpid.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"

#define PAGE 4096ull

void acpid_take_resources(acpid_t *d)
{
    for (size_t i = 0; i < libsys_handle_count(); i++) {
        const char *name;
        handle_t h = libsys_handle_at(i, &name);
        resource_info_t info;
        if (sys_resource_info(h, &info) != OK)
            continue; /* not a resource: ns, ... */
        acpid_res_t *set = info.kind == RESOURCE_MMIO ? d->mmio : info.kind == RESOURCE_IOPORT ? d->ioport : NULL;
        size_t *n = info.kind == RESOURCE_MMIO ? &d->nmmio : &d->nioport;
        if (set == NULL) {
            printf("acpi: handle '%s' is a resource of kind %u: not used\n", name, info.kind);
            continue;
        }
        if (*n < ACPID_MAX_RESOURCES)
            set[(*n)++] = (acpid_res_t){h, info};
    }
}

static handle_t covering(const acpid_res_t *set, size_t n, uint64_t base, uint64_t len)
{
    for (size_t i = 0; i < n; i++) {
        const resource_info_t *r = &set[i].info;
        if (base >= r->base && len <= r->len && base - r->base <= r->len - len)
            return set[i].h;
    }
    return HANDLE_INVALID;
}

handle_t acpid_ioport_res(const acpid_t *d, uint32_t port, uint32_t len)
{
    return covering(d->ioport, d->nioport, port, len);
}

handle_t acpid_mmio_res(const acpid_t *d, uint64_t pa, uint64_t len)
{
    return covering(d->mmio, d->nmmio, pa, len);
}

int acpid_read(acpid_t *d, uint64_t pa, void *buf, size_t len, uint32_t first_cache)
{
    if (len == 0 || pa > UINT64_MAX - len || pa + len > UINT64_MAX - PAGE)
        return ERR_OUT_OF_RANGE;
    uint64_t start = pa & ~(PAGE - 1), end = (pa + len + PAGE - 1) & ~(PAGE - 1);
    handle_t res = acpid_mmio_res(d, start, end - start);
    if (res == HANDLE_INVALID)
        return ERR_ACCESS_DENIED; /* the manifest gives no MMIO resource for it */
    uint32_t other = first_cache == VMO_CACHE_WB ? VMO_CACHE_UC : VMO_CACHE_WB;
    handle_t vmo;
    int64_t err = sys_vmo_create_physical(res, start, end - start, first_cache, &vmo);
    if (err == ERR_ACCESS_DENIED)
        err = sys_vmo_create_physical(res, start, end - start, other, &vmo);
    if (err != OK)
        return (int)err;
    uint64_t addr = 0; /* in: a placement hint, none */
    err = sys_vm_map(HANDLE_INVALID, vmo, 0, end - start, MAP_READ, &addr);
    if (err == OK) {
        memcpy(buf, (const void *)(uintptr_t)(addr + (pa - start)), len);
        sys_vm_unmap(HANDLE_INVALID, addr, end - start);
    }
    sys_handle_close(vmo);
    return (int)err;
}

static int phys_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
    return acpid_read(ctx, pa, buf, len, VMO_CACHE_WB);
}

static void phys_report(void *ctx, const char *msg)
{
    (void)ctx;
    printf("acpi: %s\n", msg);
}

acpi_phys_t acpid_phys(acpid_t *d)
{
    return (acpi_phys_t){d, phys_read, phys_report};
}
