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
    RESOURCE_MSI = 6,    /* MSI/MSI-X interrupt numbers [0, MSI_MAX) (msi_create) */
};

/* vmo_create_physical cache policies (set through the PAT, see
 * docs/memory.md): uncached for device registers, write-combining for
 * frame buffers and other prefetchable BARs, write-back only for firmware
 * memory the memory map describes (ACPI tables, BIOS areas). */
enum vmo_cache {
    VMO_CACHE_UC = 0,
    VMO_CACHE_WC = 1,
    VMO_CACHE_WB = 2,
};

/* vmo_info: what a vmo is, for a server deciding whether to keep a
 * client's vmo mapped (docs/syscalls.md). */
enum vmo_info_kind {
    VMO_INFO_ANONYMOUS = 0,  /* vmo_create: ordinary memory */
    VMO_INFO_CONTIGUOUS = 1, /* vmo_create_contiguous: DMA memory from a resource */
    VMO_INFO_PHYSICAL = 2,   /* vmo_create_physical: device or firmware memory */
};
#define VMO_INFO_REVOCABLE 1u /* made from a resource: its revocation unmaps it everywhere */
#define VMO_INFO_REVOKED 2u   /* and that happened: it can no longer be mapped */

typedef struct vmo_info {
    uint64_t size;     /* bytes, a multiple of 4096 */
    uint32_t kind;     /* enum vmo_info_kind */
    uint32_t cache;    /* enum vmo_cache (write-back for anonymous and contiguous) */
    uint32_t flags;    /* VMO_INFO_* */
    uint32_t reserved; /* 0 */
} vmo_info_t;

/* irq_create flags */
#define IRQ_ISA 1u          /* the number is an ISA IRQ (mapped to its GSI) */
#define IRQ_LEVEL 2u        /* level-triggered (else edge) */
#define IRQ_ACTIVE_LOW 4u   /* active low (else high) */

#define IOPORT_MAX 0x10000u

/* MSI numbers: names for MSI/MSI-X interrupt objects, like GSIs for IOAPIC
 * lines (one object per number at a time). The kernel picks the vector. */
#define MSI_MAX 256u

/* What msi_create returns: the device (or whoever programs its MSI
 * capability or MSI-X table entry) writes the 32-bit `data` to `address`
 * to raise the interrupt. Edge-triggered, fixed delivery, physical
 * destination. */
typedef struct msi_msg {
    uint64_t address;
    uint32_t data;
    uint32_t reserved;
} msi_msg_t;

typedef struct resource_info {
    uint32_t kind;
    uint32_t reserved;
    uint64_t base;
    uint64_t len;
} resource_info_t;

#endif
