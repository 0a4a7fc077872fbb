/* SPDX-License-Identifier: BSD-2-Clause
 *
 * IRQ objects over IOAPIC lines and MSI vectors (model in obj/irq.h).
 *
 * Delivery state, under irq->lock:
 *   open     not waiting, not masked: the next interrupt is signalled;
 *   waiting  signalled (SIG_IRQ), until irq_ack;
 *   masked   irq_mask(1), until irq_mask(0);
 * an interrupt that arrives while waiting or masked sets `pending`, and
 * the ack or unmask that reopens the object signals it at once. Edge
 * sources (MSIs, edge-triggered lines) are held that way only: the IOAPIC
 * drops an edge that arrives on a masked pin (82093AA datasheet; QEMU
 * does the same), so an edge line stays unmasked for the object's life.
 * A level-triggered line is masked at the IOAPIC from the moment it fires
 * until the object is open again, or it would fire again at once; a device
 * still asserting it then fires again.
 */
#include "obj/irq.h"
#include "arch/intr.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "lib/kassert.h"
#include "lib/kstring.h"
#include "mm/kheap.h"

#define MAX_GSI 256
#define MSI_ADDRESS_BASE 0xfee00000u /* the interrupt message window (SDM "Message Address Register") */
#define MSI_ADDRESS_DEST_SHIFT 12    /* bits 19:12: destination APIC id (RH = DM = 0: physical) */

static kcache_t irq_cache;
static spinlock_t owner_lock = SPINLOCK_INIT; /* protects both owner tables */
static irq_t *gsi_owner[MAX_GSI];
static irq_t *msi_owner[MSI_MAX];

static irq_t **owner_slot(irq_source_t source, uint32_t num)
{
    return source == IRQ_SRC_MSI ? &msi_owner[num] : &gsi_owner[num];
}

/* Signal one interrupt and wait for the ack (irq->lock held). */
static void deliver_locked(irq_t *irq)
{
    spin_assert_held(&irq->lock);
    irq->waiting = true;
    irq->pending = false;
    obj_signal(&irq->obj, 0, SIG_IRQ);
}

/* Held at the IOAPIC while not open: a level-triggered line. */
static bool hw_masked(const irq_t *irq)
{
    return irq->source == IRQ_SRC_IOAPIC && irq->trig.level;
}

/* After an ack or unmask: let the next interrupt in, the held one first. */
static void reopen_locked(irq_t *irq)
{
    spin_assert_held(&irq->lock);
    if (irq->waiting || irq->masked)
        return;
    if (irq->pending)
        deliver_locked(irq); /* a level line stays masked until the ack */
    else if (hw_masked(irq))
        ioapic_unmask(irq->num);
}

static void fired(trap_frame_t *f, void *ctx)
{
    (void)f;
    irq_t *irq = ctx;
    uint64_t fl = spin_lock_irqsave(&irq->lock);
    if (hw_masked(irq))
        ioapic_mask(irq->num);
    irq->count++;
    if (irq->waiting || irq->masked)
        irq->pending = true;
    else
        deliver_locked(irq);
    spin_unlock_irqrestore(&irq->lock, fl);
}

static void irq_destroy(kobject_t *o)
{
    irq_t *irq = (irq_t *)o;
    if (irq->vector >= 0) {
        if (irq->source == IRQ_SRC_IOAPIC)
            ioapic_mask(irq->num);
        intr_free_vector((unsigned)irq->vector); /* waits out a handler running elsewhere */
    }
    uint64_t fl = spin_lock_irqsave(&owner_lock);
    *owner_slot(irq->source, irq->num) = NULL;
    spin_unlock_irqrestore(&owner_lock, fl);
    kcache_free(&irq_cache, irq);
}

static const obj_ops_t irq_ops = {.name = "irq", .destroy = irq_destroy};

void irq_init_type(void)
{
    kcache_init(&irq_cache, "irq", sizeof(irq_t), 16);
    obj_register_type(OBJ_IRQ, &irq_ops);
}

/* A new object owning (source, num), with a vector whose handler is
 * installed; the source itself is not enabled yet. */
static int irq_new(irq_source_t source, uint32_t num, irq_t **out)
{
    irq_t *irq = kcache_alloc(&irq_cache);
    if (!irq)
        return ERR_NO_MEMORY;
    memset(irq, 0, sizeof *irq);
    uint64_t fl = spin_lock_irqsave(&owner_lock);
    irq_t **slot = owner_slot(source, num);
    int err = *slot ? ERR_ALREADY_EXISTS : OK;
    if (err == OK)
        *slot = irq;
    spin_unlock_irqrestore(&owner_lock, fl);
    if (err != OK) {
        kcache_free(&irq_cache, irq);
        return err;
    }
    obj_init(&irq->obj, OBJ_IRQ);
    irq->source = source;
    irq->num = num;
    irq->lock = (spinlock_t)SPINLOCK_INIT;
    irq->dest_apic = percpu_area[0].apic_id;
    irq->vector = -1;
    irq->vector = intr_alloc_vector(fired, irq);
    if (irq->vector < 0) {
        obj_unref(&irq->obj); /* destroy releases the number */
        return ERR_NO_RESOURCES;
    }
    *out = irq;
    return OK;
}

int irq_create(uint32_t gsi, irq_trigger_t trig, irq_t **out)
{
    if (gsi >= MAX_GSI || !ioapic_gsi_valid(gsi))
        return ERR_OUT_OF_RANGE;
    irq_t *irq;
    int err = irq_new(IRQ_SRC_IOAPIC, gsi, &irq);
    if (err != OK)
        return err;
    irq->trig = trig;
    ioapic_route(gsi, (uint8_t)irq->vector, irq->dest_apic, trig);
    ioapic_unmask(gsi);
    *out = irq;
    return OK;
}

int irq_create_msi(uint32_t num, uint32_t cpu, irq_t **out)
{
    if (num >= MSI_MAX || cpu >= smp_cpu_count())
        return ERR_OUT_OF_RANGE;
    int err = irq_new(IRQ_SRC_MSI, num, out);
    if (err == OK)
        (*out)->dest_apic = percpu_area[cpu].apic_id; /* vectors are global: any CPU can take it */
    return err;
}

/* Data: the vector, fixed delivery (bits 10:8 = 0), edge (bit 15 = 0). */
msi_msg_t irq_msi_msg(const irq_t *irq)
{
    return (msi_msg_t){
        .address = MSI_ADDRESS_BASE | (uint64_t)(irq->dest_apic & 0xff) << MSI_ADDRESS_DEST_SHIFT,
        .data = (uint32_t)irq->vector,
    };
}

void irq_ack(irq_t *irq)
{
    uint64_t fl = spin_lock_irqsave(&irq->lock);
    if (irq->waiting) {
        irq->waiting = false;
        obj_signal(&irq->obj, SIG_IRQ, 0);
    }
    reopen_locked(irq);
    spin_unlock_irqrestore(&irq->lock, fl);
}

void irq_set_mask(irq_t *irq, bool masked)
{
    uint64_t fl = spin_lock_irqsave(&irq->lock);
    irq->masked = masked;
    if (masked && hw_masked(irq))
        ioapic_mask(irq->num);
    reopen_locked(irq);
    spin_unlock_irqrestore(&irq->lock, fl);
}
