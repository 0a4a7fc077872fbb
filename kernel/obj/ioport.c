/* SPDX-License-Identifier: BSD-2-Clause
 *
 * I/O-port objects and the per-CPU I/O permission bitmap (model in
 * obj/ioport.h). Most processes hold no ports: for them the TSS's bitmap
 * offset points past its limit and nothing is copied. A CPU's bitmap is
 * rebuilt only when it runs a process with ports whose set changed since
 * the bitmap was last built for it (process id + io_gen).
 */
#include "obj/ioport.h"
#include "abi/resource.h"
#include "arch/percpu.h"
#include "lib/kstring.h"
#include "mm/kheap.h"
#include "obj/handle.h"
#include "obj/process.h"

static kcache_t ioport_cache;

static void ioport_destroy(kobject_t *o)
{
    kcache_free(&ioport_cache, o);
}

static const obj_ops_t ioport_ops = {.name = "ioport", .destroy = ioport_destroy};

void ioport_init_type(void)
{
    kcache_init(&ioport_cache, "ioport", sizeof(ioport_t), 16);
    obj_register_type(OBJ_IOPORT, &ioport_ops);
}

int ioport_create(uint32_t base, uint32_t len, ioport_t **out)
{
    if (len == 0 || base >= IOPORT_MAX || len > IOPORT_MAX - base)
        return ERR_INVALID_ARGS;
    ioport_t *io = kcache_alloc(&ioport_cache);
    if (!io)
        return ERR_NO_MEMORY;
    memset(io, 0, sizeof *io);
    obj_init(&io->obj, OBJ_IOPORT);
    io->base = base;
    io->len = len;
    *out = io;
    return OK;
}

static void allow(kobject_t *obj, void *ctx)
{
    percpu_t *cpu = ctx;
    ioport_t *io = (ioport_t *)obj;
    for (uint32_t port = io->base; port < io->base + io->len; port++)
        cpu->iomap[port / 8] &= (uint8_t)~(1u << (port % 8));
}

void ioport_sync_cpu(struct process *p)
{
    percpu_t *cpu = this_cpu();
    uint64_t gen = p ? __atomic_load_n(&p->io_gen, __ATOMIC_ACQUIRE) : 0;
    if (!p || gen == 0) {
        cpu->tss.iomap_base = IOMAP_DENY; /* never had ports */
        return;
    }
    if (cpu->io_owner != p->obj.id || cpu->io_gen != gen) {
        memset(cpu->iomap, 0xff, IOMAP_BYTES);
        handle_for_each_locked_ioport(p, RIGHT_READ | RIGHT_WRITE, allow, cpu); /* in and out */
        cpu->io_owner = p->obj.id;
        cpu->io_gen = gen;
    }
    cpu->tss.iomap_base = sizeof(tss_t);
}
