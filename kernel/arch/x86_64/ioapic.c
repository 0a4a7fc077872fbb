/* SPDX-License-Identifier: BSD-2-Clause
 *
 * IOAPIC driver. Each IOAPIC serves GSIs [gsi_base, gsi_base + entries);
 * its redirection entries are reached through an index register (IOREGSEL)
 * and a data window (IOWIN), so every access is a pair: ioapic_lock keeps
 * pairs from interleaving across CPUs.
 */
#include "arch/ioapic.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "mm/vm.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_ID 0x00
#define REG_VER 0x01
#define REG_REDIR 0x10

#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)

/* MPS INTI flags in the MADT's overrides. */
#define INTI_POLARITY_MASK 0x3
#define INTI_POLARITY_LOW 0x3
#define INTI_TRIGGER_MASK 0xc
#define INTI_TRIGGER_LEVEL 0xc

typedef struct ioapic {
    volatile uint32_t *regs;
    uint32_t gsi_base;
    uint32_t entries;
} ioapic_t;

static ioapic_t ioapics[ACPI_MAX_IOAPICS];
static size_t nioapics;
static acpi_override_t overrides[ACPI_MAX_OVERRIDES];
static size_t noverrides;
static spinlock_t ioapic_lock = SPINLOCK_INIT; /* protects IOREGSEL/IOWIN pairs */

static uint32_t rd_locked(ioapic_t *a, uint32_t reg)
{
    a->regs[IOREGSEL / 4] = reg;
    return a->regs[IOWIN / 4];
}

static void wr_locked(ioapic_t *a, uint32_t reg, uint32_t v)
{
    a->regs[IOREGSEL / 4] = reg;
    a->regs[IOWIN / 4] = v;
}

static ioapic_t *find(uint32_t gsi)
{
    for (size_t i = 0; i < nioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].entries)
            return &ioapics[i];
    return NULL;
}

static void add(const acpi_ioapic_t *desc)
{
    void *va;
    if (vm_map_phys(desc->addr, PAGE_SIZE, VM_CACHE_UC, true, &va) != OK) {
        klog(LOG_WARN, "ioapic: cannot map IOAPIC %u at %lx; its lines are unusable", desc->id,
             (unsigned long)desc->addr);
        return;
    }
    ioapic_t *a = &ioapics[nioapics];
    a->regs = va;
    a->gsi_base = desc->gsi_base;
    uint64_t fl = spin_lock_irqsave(&ioapic_lock);
    a->entries = ((rd_locked(a, REG_VER) >> 16) & 0xff) + 1;
    for (uint32_t i = 0; i < a->entries; i++) {
        wr_locked(a, REG_REDIR + 2 * i, REDIR_MASKED);
        wr_locked(a, REG_REDIR + 2 * i + 1, 0);
    }
    spin_unlock_irqrestore(&ioapic_lock, fl);
    nioapics++;
    klog(LOG_INFO, "ioapic: id %u at %lx, GSIs %u-%u", desc->id, (unsigned long)desc->addr, a->gsi_base,
         a->gsi_base + a->entries - 1);
}

void ioapic_init(const acpi_platform_t *p)
{
    for (size_t i = 0; i < p->nioapics; i++)
        add(&p->ioapics[i]);
    noverrides = p->noverrides;
    for (size_t i = 0; i < noverrides; i++)
        overrides[i] = p->overrides[i];
    if (nioapics == 0)
        klog(LOG_WARN, "ioapic: none found; device interrupts are unavailable");
}

size_t ioapic_gsi_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < nioapics; i++)
        n = MAX(n, (size_t)ioapics[i].gsi_base + ioapics[i].entries);
    return n;
}

bool ioapic_gsi_valid(uint32_t gsi)
{
    return find(gsi) != NULL;
}

uint32_t ioapic_isa_to_gsi(uint8_t irq, irq_trigger_t *trig)
{
    *trig = (irq_trigger_t){false, false}; /* ISA: edge, active high */
    for (size_t i = 0; i < noverrides; i++) {
        const acpi_override_t *o = &overrides[i];
        if (o->bus != 0 || o->source_irq != irq)
            continue;
        if ((o->flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL)
            trig->level = true;
        if ((o->flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW)
            trig->active_low = true;
        return o->gsi;
    }
    return irq;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, irq_trigger_t trig)
{
    ioapic_t *a = find(gsi);
    if (!a)
        return ERR_NOT_FOUND;
    uint32_t idx = gsi - a->gsi_base;
    uint32_t lo = vector | REDIR_MASKED | (trig.level ? REDIR_LEVEL : 0) | (trig.active_low ? REDIR_ACTIVE_LOW : 0);
    uint64_t fl = spin_lock_irqsave(&ioapic_lock);
    wr_locked(a, REG_REDIR + 2 * idx, REDIR_MASKED);
    wr_locked(a, REG_REDIR + 2 * idx + 1, apic_id << 24);
    wr_locked(a, REG_REDIR + 2 * idx, lo);
    spin_unlock_irqrestore(&ioapic_lock, fl);
    return OK;
}

static void set_mask(uint32_t gsi, bool masked)
{
    ioapic_t *a = find(gsi);
    if (!a)
        return;
    uint32_t reg = REG_REDIR + 2 * (gsi - a->gsi_base);
    uint64_t fl = spin_lock_irqsave(&ioapic_lock);
    uint32_t lo = rd_locked(a, reg);
    wr_locked(a, reg, masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
    spin_unlock_irqrestore(&ioapic_lock, fl);
}

void ioapic_mask(uint32_t gsi)
{
    set_mask(gsi, true);
}

void ioapic_unmask(uint32_t gsi)
{
    set_mask(gsi, false);
}
