/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Resource objects (model in obj/resource.h): a kind and a range, nothing
 * else; the authority is in who holds a handle to one.
 */
#include "obj/resource.h"
#include "lib/kstring.h"
#include "mm/kheap.h"

static kcache_t resource_cache;

static void resource_destroy(kobject_t *o)
{
    kcache_free(&resource_cache, o);
}

static const obj_ops_t resource_ops = {.name = "resource", .destroy = resource_destroy};

void resource_init_type(void)
{
    kcache_init(&resource_cache, "resource", sizeof(resource_t), 16);
    obj_register_type(OBJ_RESOURCE, &resource_ops);
}

int resource_create(uint32_t kind, uint64_t base, uint64_t len, resource_t **out)
{
    if (kind < RESOURCE_MMIO || kind > RESOURCE_MSI || len == 0 || base + len < base)
        return ERR_INVALID_ARGS;
    resource_t *r = kcache_alloc(&resource_cache);
    if (!r)
        return ERR_NO_MEMORY;
    memset(r, 0, sizeof *r);
    obj_init(&r->obj, OBJ_RESOURCE);
    r->kind = kind;
    r->base = base;
    r->len = len;
    *out = r;
    return OK;
}

bool resource_covers(const resource_t *r, uint32_t kind, uint64_t base, uint64_t len)
{
    return r->kind == kind && len != 0 && base >= r->base && base - r->base <= r->len &&
           len <= r->len - (base - r->base);
}
