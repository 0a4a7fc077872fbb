/*
 * IRQ objects: one interrupt source delivered to a driver as SIG_IRQ. Two
 * sources share the object and its rules:
 *   IOAPIC  a GSI, made from an IRQ resource covering it (irq_create);
 *   MSI     an MSI number, made from an MSI resource covering it
 *           (msi_create): the kernel allocates a vector and returns the
 *           message address and data that whoever owns the device's MSI
 *           capability or MSI-X table entry programs there.
 * One object per GSI and per MSI number at a time. Vectors come from the
 * one table all CPUs share (arch/intr.h); every source is delivered to the
 * boot CPU.
 *
 * Delivery: when the source fires, SIG_IRQ is raised and the object waits
 * for irq_ack, which clears SIG_IRQ. Meanwhile (and while the driver has
 * masked the object with irq_mask) a new interrupt is held, not signalled:
 * one pending interrupt, however many arrived, raised again at the ack or
 * unmask that ends the wait. A level-triggered IOAPIC line is instead
 * masked at the IOAPIC while the object waits or is masked (it would fire
 * again at once); edge-triggered lines and MSIs keep arriving and are
 * held in the kernel. An MSI cannot be masked by the kernel: only the
 * device's MSI capability (per-vector mask, when it has one) or MSI-X
 * table can stop the device from sending, and those belong to whoever
 * programs them; the kernel's mask holds delivery instead.
 *
 * irq->lock protects the delivery state below and orders it with SIG_IRQ
 * (obj_signal is called under it, from the interrupt handler too).
 * Destroying the object masks an IOAPIC line and frees the vector; a
 * device still programmed with the message then raises a stray interrupt
 * the kernel logs and drops (or, once the vector is reused, someone
 * else's): disable MSI at the device first.
 */
#ifndef OBJ_IRQ_H
#define OBJ_IRQ_H

#include "types.h"
#include "abi/handle.h"
#include "abi/resource.h"
#include "arch/ioapic.h"
#include "lib/spinlock.h"
#include "obj/object.h"

typedef enum irq_source {
    IRQ_SRC_IOAPIC,
    IRQ_SRC_MSI,
} irq_source_t;

typedef struct irq {
    kobject_t obj;
    irq_source_t source;
    uint32_t num;       /* GSI or MSI number */
    int vector;         /* -1 until allocated */
    irq_trigger_t trig; /* IOAPIC */
    uint32_t dest_apic; /* the CPU it is delivered to */
    spinlock_t lock;    /* protects the four fields below */
    bool waiting;       /* fired and signalled, not acknowledged yet */
    bool masked;        /* irq_mask */
    bool pending;       /* fired while waiting or masked: raise later */
    uint64_t count;     /* times fired */
} irq_t;

int irq_create(uint32_t gsi, irq_trigger_t trig, irq_t **out);
/* An MSI object for `num` (< MSI_MAX), delivered to CPU `cpu` (an index
 * below smp_cpu_count()): ERR_OUT_OF_RANGE, ERR_NO_MEMORY,
 * ERR_ALREADY_EXISTS, ERR_NO_RESOURCES (no free vector). */
int irq_create_msi(uint32_t num, uint32_t cpu, irq_t **out);
/* The message an MSI object's device must send. */
msi_msg_t irq_msi_msg(const irq_t *irq);
void irq_ack(irq_t *irq);
void irq_set_mask(irq_t *irq, bool masked);

void irq_init_type(void);

#endif
