/*
 * IRQ objects: one IOAPIC line (GSI), made from an IRQ resource covering
 * it. When the line fires the kernel masks it and raises SIG_IRQ; the
 * driver (waiting on the object or a port) handles the device and calls
 * irq_ack, which clears SIG_IRQ and unmasks the line. One irq object per
 * GSI at a time; destroying it masks the line and frees its vector.
 */
#ifndef OBJ_IRQ_H
#define OBJ_IRQ_H

#include "types.h"
#include "arch/ioapic.h"
#include "abi/handle.h"
#include "obj/object.h"

typedef struct irq {
    kobject_t obj;
    uint32_t gsi;
    int vector;
    irq_trigger_t trig;
    uint64_t count;   /* times fired */
} irq_t;

int irq_create(uint32_t gsi, irq_trigger_t trig, irq_t **out);
void irq_ack(irq_t *irq);

void irq_init_type(void);

#endif
