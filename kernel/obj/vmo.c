/* SPDX-License-Identifier: BSD-2-Clause
 *
 * vmo objects (model in obj/vmo.h). Pages are allocated and zeroed at
 * creation, after the quota check, and all freed when the last reference
 * goes (mappings hold references, so a mapped vmo stays alive).
 */
#include "obj/vmo.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "obj/process.h"

static kcache_t vmo_cache;

static void free_pages(vmo_t *v, size_t n)
{
    if (v->contiguous) {
        if (n)
            pmm_free(v->pages[0], v->order);
        return;
    }
    for (size_t i = 0; i < n; i++)
        pmm_free(v->pages[i], 0);
}

static void vmo_destroy(kobject_t *o)
{
    vmo_t *v = (vmo_t *)o;
    free_pages(v, v->npages);
    kfree(v->pages);
    if (v->charged) {
        process_uncharge_memory(v->charged, v->charge);
        obj_unref(&v->charged->obj);
    }
    kcache_free(&vmo_cache, v);
}

static const obj_ops_t vmo_ops = {"vmo", vmo_destroy};

void vmo_init_type(void)
{
    kcache_init(&vmo_cache, "vmo", sizeof(vmo_t), 16);
    obj_register_type(OBJ_VMO, &vmo_ops);
}

static int alloc_pages(vmo_t *v)
{
    if (v->contiguous) {
        unsigned order = 0;
        while ((PAGE_SIZE << order) < v->size)
            order++;
        v->order = order;
        if (pmm_alloc_zeroed(order, &v->pages[0]) != OK)
            return ERR_NO_MEMORY;
        for (size_t i = 1; i < v->npages; i++)
            v->pages[i] = v->pages[0] + i * PAGE_SIZE;
        return OK;
    }
    for (size_t i = 0; i < v->npages; i++) {
        if (pmm_alloc_zeroed(0, &v->pages[i]) != OK) {
            free_pages(v, i);
            return ERR_NO_MEMORY;
        }
    }
    return OK;
}

int vmo_create(struct process *charge_to, uint64_t size, uint32_t flags, vmo_t **out)
{
    if (size == 0 || size > VMO_MAX_SIZE || (flags & ~VMO_CONTIGUOUS))
        return ERR_INVALID_ARGS;
    size = ALIGN_UP(size, PAGE_SIZE);
    /* A contiguous block is a power of two of pages: charge what it takes. */
    uint64_t charge = size;
    if (flags & VMO_CONTIGUOUS)
        while (charge & (charge - 1))
            charge += charge & -charge;
    if (charge_to && process_charge_memory(charge_to, charge) != OK)
        return ERR_NO_RESOURCES;
    int err = ERR_NO_MEMORY;
    vmo_t *v = kcache_alloc(&vmo_cache);
    if (!v)
        goto fail;
    memset(v, 0, sizeof *v);
    v->size = size;
    v->charge = charge;
    v->npages = size / PAGE_SIZE;
    v->contiguous = flags & VMO_CONTIGUOUS;
    v->pages = kmalloc(v->npages * sizeof(paddr_t));
    if (!v->pages)
        goto fail_vmo;
    if (alloc_pages(v) != OK)
        goto fail_pages;
    obj_init(&v->obj, OBJ_VMO);
    if (charge_to) {
        obj_ref(&charge_to->obj);
        v->charged = charge_to;
    }
    *out = v;
    return OK;

fail_pages:
    kfree(v->pages);
fail_vmo:
    kcache_free(&vmo_cache, v);
fail:
    if (charge_to)
        process_uncharge_memory(charge_to, charge);
    return err;
}

paddr_t vmo_page(const vmo_t *v, size_t index)
{
    return v->pages[index];
}

static int copy(vmo_t *v, uint64_t offset, void *kbuf, size_t len, bool to_vmo)
{
    if (offset > v->size || len > v->size - offset)
        return ERR_OUT_OF_RANGE;
    char *k = kbuf;
    while (len) {
        size_t in_page = PAGE_SIZE - (offset % PAGE_SIZE);
        size_t n = MIN(len, in_page);
        char *p = (char *)phys_to_virt(v->pages[offset / PAGE_SIZE]) + offset % PAGE_SIZE;
        if (to_vmo)
            memcpy(p, k, n);
        else
            memcpy(k, p, n);
        k += n;
        offset += n;
        len -= n;
    }
    return OK;
}

int vmo_read_kernel(vmo_t *v, uint64_t offset, void *dst, size_t len)
{
    return copy(v, offset, dst, len, false);
}

int vmo_write_kernel(vmo_t *v, uint64_t offset, const void *src, size_t len)
{
    return copy(v, offset, (void *)src, len, true);
}
