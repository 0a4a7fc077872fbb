/* SPDX-License-Identifier: BSD-2-Clause
 *
 * vmo objects (model in obj/vmo.h). Anonymous and contiguous vmos get
 * their pages at creation, after the quota check, and free them when the
 * last reference goes (mappings hold references, so a mapped vmo stays
 * alive). A physical vmo only names a range: creating it claims the
 * range's memory type, destroying it releases the claim.
 */
#include "obj/vmo.h"
#include "abi/resource.h"
#include "lib/kassert.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/aspace.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "obj/process.h"

static kcache_t vmo_cache;

static void free_pages(vmo_t *v, size_t n)
{
    if (v->kind == VMO_CONTIG) {
        if (n)
            pmm_free(v->base, v->order);
        return;
    }
    for (size_t i = 0; i < n; i++)
        pmm_free(v->pages[i], 0);
}

static void vmo_destroy(kobject_t *o)
{
    vmo_t *v = (vmo_t *)o;
    kassert(list_empty(&v->mappings)); /* each held a reference */
    if (v->kind != VMO_ANONYMOUS)
        handle_anchor_remove(&v->anchor);
    if (v->kind == VMO_PHYSICAL)
        memtype_release(&v->claim);
    else
        free_pages(v, v->npages);
    kfree(v->pages);
    if (v->charged) {
        process_uncharge_memory(v->charged, v->charge);
        obj_unref(&v->charged->obj);
    }
    kcache_free(&vmo_cache, v);
}

/*
 * The resource this vmo came from was revoked: no address space may reach
 * its pages any more. aspace_revoke_vmo unmaps it everywhere (with the TLB
 * shootdowns) after `revoked` stops new mappings.
 */
static void vmo_revoked(kobject_t *o)
{
    vmo_t *v = (vmo_t *)o;
    uint64_t fl = spin_lock_irqsave(&v->lock);
    v->revoked = true;
    spin_unlock_irqrestore(&v->lock, fl);
    size_t n = aspace_revoke_vmo(v);
    if (n)
        klog(LOG_INFO, "vmo: %s vmo %lu revoked: %zu mapping%s removed",
             v->kind == VMO_PHYSICAL ? "physical" : "contiguous", (unsigned long)v->obj.id, n, n == 1 ? "" : "s");
}

static const obj_ops_t vmo_ops = {.name = "vmo", .destroy = vmo_destroy, .revoked = vmo_revoked};

void vmo_init_type(void)
{
    kcache_init(&vmo_cache, "vmo", sizeof(vmo_t), 16);
    obj_register_type(OBJ_VMO, &vmo_ops);
}

static int alloc_pages(vmo_t *v)
{
    if (v->kind == VMO_CONTIG) {
        unsigned order = 0;
        while ((PAGE_SIZE << order) < v->size)
            order++;
        v->order = order;
        int err = v->phys_limit ? pmm_alloc_zeroed_below(order, v->phys_limit, &v->base)
                                : pmm_alloc_zeroed(order, &v->base);
        return err == OK ? OK : ERR_NO_MEMORY;
    }
    v->pages = kmalloc(v->npages * sizeof(paddr_t));
    if (!v->pages)
        return ERR_NO_MEMORY;
    for (size_t i = 0; i < v->npages; i++) {
        if (pmm_alloc_zeroed(0, &v->pages[i]) != OK) {
            free_pages(v, i);
            kfree(v->pages);
            v->pages = NULL;
            return ERR_NO_MEMORY;
        }
    }
    return OK;
}

/* A zeroed vmo of `size` bytes (page multiple) and kind, not yet an object. */
static vmo_t *vmo_new(vmo_kind_t kind, uint64_t size)
{
    vmo_t *v = kcache_alloc(&vmo_cache);
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->size = size;
    v->npages = size / PAGE_SIZE;
    v->cache = VMO_CACHE_WB;
    v->lock = (spinlock_t)SPINLOCK_INIT;
    list_init(&v->mappings);
    handle_anchor_init(&v->anchor, &v->obj);
    return v;
}

static int create(struct process *charge_to, uint64_t size, uint32_t flags, paddr_t phys_limit, vmo_t **out)
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
    vmo_t *v = vmo_new((flags & VMO_CONTIGUOUS) ? VMO_CONTIG : VMO_ANONYMOUS, size);
    if (!v)
        goto fail;
    v->charge = charge;
    v->phys_limit = phys_limit;
    if (alloc_pages(v) != OK)
        goto fail_vmo;
    obj_init(&v->obj, OBJ_VMO);
    if (charge_to) {
        obj_ref(&charge_to->obj);
        v->charged = charge_to;
    }
    *out = v;
    return OK;

fail_vmo:
    kcache_free(&vmo_cache, v);
fail:
    if (charge_to)
        process_uncharge_memory(charge_to, charge);
    return ERR_NO_MEMORY;
}

int vmo_create(struct process *charge_to, uint64_t size, uint32_t flags, vmo_t **out)
{
    return create(charge_to, size, flags, 0, out);
}

int vmo_create_contiguous_below(struct process *charge_to, uint64_t size, paddr_t phys_limit, vmo_t **out)
{
    return create(charge_to, size, VMO_CONTIGUOUS, phys_limit, out);
}

int vmo_create_physical(paddr_t base, uint64_t size, uint32_t cache, vmo_t **out)
{
    vmo_t *v = vmo_new(VMO_PHYSICAL, size);
    if (!v)
        return ERR_NO_MEMORY;
    int err = memtype_claim(&v->claim, base, base + size, cache);
    if (err != OK) {
        kcache_free(&vmo_cache, v);
        return err;
    }
    v->base = base;
    v->cache = cache;
    obj_init(&v->obj, OBJ_VMO);
    *out = v;
    return OK;
}

paddr_t vmo_page(const vmo_t *v, size_t index)
{
    return v->kind == VMO_ANONYMOUS ? v->pages[index] : v->base + index * PAGE_SIZE;
}

bool vmo_is_contiguous(const vmo_t *v)
{
    return v->kind != VMO_ANONYMOUS;
}

uint64_t vmo_pte_cache(const vmo_t *v)
{
    return memtype_pte_bits(v->cache);
}

static int copy(vmo_t *v, uint64_t offset, void *kbuf, size_t len, bool to_vmo)
{
    if (offset > v->size || len > v->size - offset)
        return ERR_OUT_OF_RANGE;
    if (v->kind == VMO_PHYSICAL)
        return ERR_NOT_SUPPORTED; /* device memory is not in the direct map */
    char *k = kbuf;
    while (len) {
        size_t in_page = PAGE_SIZE - (offset % PAGE_SIZE);
        size_t n = MIN(len, in_page);
        char *p = (char *)phys_to_virt(vmo_page(v, offset / PAGE_SIZE)) + offset % PAGE_SIZE;
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
