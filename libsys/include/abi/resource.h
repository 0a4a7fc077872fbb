/* Resources (authority over hardware ranges) and the hardware objects made
 * from them. */
#ifndef ABI_RESOURCE_H
#define ABI_RESOURCE_H

#include <stdint.h>

enum resource_kind {
    RESOURCE_MMIO = 1,   /* physical address range */
    RESOURCE_IRQ = 2,    /* global system interrupts (GSIs) */
    RESOURCE_IOPORT = 3, /* x86 I/O ports */
    RESOURCE_DMA = 4,    /* may allocate DMA (contiguous) memory */
    RESOURCE_LOG = 5,    /* may read the kernel log and take over its console output */
};

/* irq_create flags */
#define IRQ_ISA 1u          /* the number is an ISA IRQ (mapped to its GSI) */
#define IRQ_LEVEL 2u        /* level-triggered (else edge) */
#define IRQ_ACTIVE_LOW 4u   /* active low (else high) */

#define IOPORT_MAX 0x10000u

typedef struct resource_info {
    uint32_t kind;
    uint32_t reserved;
    uint64_t base;
    uint64_t len;
} resource_info_t;

#endif
