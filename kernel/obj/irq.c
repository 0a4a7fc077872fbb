/* SPDX-License-Identifier: BSD-2-Clause
 *
 * IRQ objects over IOAPIC lines (model in obj/irq.h). Lines are routed to
 * the boot CPU. Masking in the handler serves edge and level lines alike:
 * a level line would otherwise fire again at once, and an edge that comes
 * while the driver works is latched by the IOAPIC and delivered on unmask.
 */
#include "obj/irq.h"
#include "arch/intr.h"
#include "arch/percpu.h"
#include "lib/kstring.h"
#include "lib/spinlock.h"
#include "mm/kheap.h"

#define MAX_GSI 256

static kcache_t irq_cache;
static spinlock_t gsi_lock = SPINLOCK_INIT; /* protects owner */
static irq_t *owner[MAX_GSI];

static void fired(trap_frame_t *f, void *ctx)
{
    (void)f;
    irq_t *irq = ctx;
    ioapic_mask(irq->gsi);
    irq->count++;
    obj_signal(&irq->obj, 0, SIG_IRQ);
}

static void irq_destroy(kobject_t *o)
{
    irq_t *irq = (irq_t *)o;
    if (irq->vector >= 0) {
        ioapic_mask(irq->gsi);
        intr_free_vector((unsigned)irq->vector);
    }
    uint64_t fl = spin_lock_irqsave(&gsi_lock);
    owner[irq->gsi] = NULL;
    spin_unlock_irqrestore(&gsi_lock, fl);
    kcache_free(&irq_cache, irq);
}

static const obj_ops_t irq_ops = {"irq", irq_destroy};

void irq_init_type(void)
{
    kcache_init(&irq_cache, "irq", sizeof(irq_t), 16);
    obj_register_type(OBJ_IRQ, &irq_ops);
}

int irq_create(uint32_t gsi, irq_trigger_t trig, irq_t **out)
{
    if (gsi >= MAX_GSI || !ioapic_gsi_valid(gsi))
        return ERR_OUT_OF_RANGE;
    irq_t *irq = kcache_alloc(&irq_cache);
    if (!irq)
        return ERR_NO_MEMORY;
    memset(irq, 0, sizeof *irq);
    uint64_t fl = spin_lock_irqsave(&gsi_lock);
    int err = owner[gsi] ? ERR_ALREADY_EXISTS : OK;
    if (err == OK)
        owner[gsi] = irq;
    spin_unlock_irqrestore(&gsi_lock, fl);
    if (err != OK) {
        kcache_free(&irq_cache, irq);
        return err;
    }
    obj_init(&irq->obj, OBJ_IRQ);
    irq->vector = -1;
    irq->gsi = gsi;
    irq->trig = trig;
    irq->vector = intr_alloc_vector(fired, irq);
    if (irq->vector < 0) {
        obj_unref(&irq->obj); /* destroy releases the GSI */
        return ERR_NO_RESOURCES;
    }
    ioapic_route(gsi, (uint8_t)irq->vector, percpu_area[0].apic_id, trig);
    ioapic_unmask(gsi);
    *out = irq;
    return OK;
}

void irq_ack(irq_t *irq)
{
    obj_signal(&irq->obj, SIG_IRQ, 0);
    ioapic_unmask(irq->gsi);
}
