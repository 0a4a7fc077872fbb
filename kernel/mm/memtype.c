/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Memory types of user-mappable physical ranges (model in mm/memtype.h).
 * The tables are small (the memory map's entries, a few dozen kernel
 * mappings, one claim per live physical vmo), so every check is a linear
 * scan under memtype_lock.
 */
#include "mm/memtype.h"
#include "abi/resource.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "mm/pt.h"
#include "mm/range.h"

#define KERNEL_WB_MAX 64   /* firmware tables the kernel mapped (merged when they touch) */
#define KERNEL_DEV_MAX 16  /* LAPIC, IOAPICs, HPET */

static spinlock_t memtype_lock = SPINLOCK_INIT; /* protects everything below */
static range_t ram[BOOT_MAX_MMAP];          /* never given out */
static size_t nram;
static range_t firmware[BOOT_MAX_MMAP];     /* described, not RAM: write-back allowed */
static size_t nfirmware;
static range_t direct_wb[BOOT_MAX_MMAP];    /* firmware memory in the direct map */
static size_t ndirect_wb;
static range_t kernel_wb[KERNEL_WB_MAX];
static size_t nkernel_wb;
static range_t kernel_dev[KERNEL_DEV_MAX];
static size_t nkernel_dev;
static list_t claims = LIST_INIT(claims);

/* The whole pages touching [base, base + len). */
static range_t pages_of(paddr_t base, uint64_t len)
{
    paddr_t end = base + len;
    paddr_t top = ALIGN_DOWN(~0ull, PAGE_SIZE);
    return (range_t){ALIGN_DOWN(base, PAGE_SIZE), end > top ? top : ALIGN_UP(end, PAGE_SIZE)};
}

void memtype_init(const boot_info_t *bi)
{
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const boot_mmap_entry_t *e = &bi->mmap[i];
        range_t r = pages_of(e->base, e->len);
        if (e->type == BOOT_MEM_AVAILABLE || e->type == BOOT_MEM_BADRAM) {
            ram[nram++] = r;
            continue;
        }
        firmware[nfirmware++] = r;
        if (e->type == BOOT_MEM_ACPI_RECLAIMABLE || e->type == BOOT_MEM_NVS)
            direct_wb[ndirect_wb++] = r; /* vm.c's direct map covers these */
    }
    nram = range_merge(ram, nram);
    nfirmware = range_merge(firmware, nfirmware);
    ndirect_wb = range_merge(direct_wb, ndirect_wb);
}

void memtype_note_kernel(paddr_t start, paddr_t end, bool device)
{
    range_t r = pages_of(start, end - start);
    uint64_t fl = spin_lock_irqsave(&memtype_lock);
    if (device) {
        if (nkernel_dev == KERNEL_DEV_MAX)
            panic("memtype: more than %d device ranges mapped by the kernel", KERNEL_DEV_MAX);
        kernel_dev[nkernel_dev++] = r;
    } else if (nkernel_wb < KERNEL_WB_MAX) {
        kernel_wb[nkernel_wb++] = r;
        nkernel_wb = range_merge(kernel_wb, nkernel_wb);
    } else {
        /* Only the guard against aliasing a firmware table uncached is
         * lost, and only for tables outside ACPI memory: say so. */
        klog(LOG_WARN, "memtype: too many firmware mappings; %lx-%lx not recorded", (unsigned long)r.start,
             (unsigned long)r.end);
    }
    spin_unlock_irqrestore(&memtype_lock, fl);
}

static bool overlaps(const range_t *set, size_t n, paddr_t start, paddr_t end)
{
    for (size_t i = 0; i < n; i++)
        if (set[i].start < end && start < set[i].end)
            return true;
    return false;
}

/* Is [start, end) inside one range of a merged set? */
static bool inside(const range_t *set, size_t n, paddr_t start, paddr_t end)
{
    for (size_t i = 0; i < n; i++)
        if (set[i].start <= start && end <= set[i].end)
            return true;
    return false;
}

static const char *const cache_names[] = {[VMO_CACHE_UC] = "an uncached", [VMO_CACHE_WC] = "a write-combining",
                                          [VMO_CACHE_WB] = "a write-back"};

int memtype_check(paddr_t start, paddr_t end, uint32_t cache, const char *who)
{
    const char *why = NULL;
    uint64_t fl = spin_lock_irqsave(&memtype_lock);
    if (overlaps(ram, nram, start, end))
        why = "it overlaps RAM the kernel manages";
    else if (overlaps(kernel_dev, nkernel_dev, start, end))
        why = "it overlaps registers the kernel drives";
    else if (cache == VMO_CACHE_WB && !inside(firmware, nfirmware, start, end))
        why = "write-back is only for firmware memory the memory map lists";
    else if (cache != VMO_CACHE_WB &&
             (overlaps(direct_wb, ndirect_wb, start, end) || overlaps(kernel_wb, nkernel_wb, start, end)))
        why = "the kernel maps that memory write-back";
    spin_unlock_irqrestore(&memtype_lock, fl);
    if (!why)
        return OK;
    klog(LOG_WARN, "memtype: refused '%s' %s physical vmo at %lx-%lx: %s", who, cache_names[cache],
         (unsigned long)start, (unsigned long)end, why);
    return ERR_ACCESS_DENIED;
}

int memtype_claim(memtype_claim_t *c, paddr_t start, paddr_t end, uint32_t cache)
{
    int err = OK;
    uint64_t fl = spin_lock_irqsave(&memtype_lock);
    list_for_each(n, &claims) {
        memtype_claim_t *o = list_entry(n, memtype_claim_t, link);
        if (o->cache != cache && o->start < end && start < o->end) {
            err = ERR_ALREADY_EXISTS;
            break;
        }
    }
    if (err == OK) {
        *c = (memtype_claim_t){.start = start, .end = end, .cache = cache};
        list_push_back(&claims, &c->link);
    }
    spin_unlock_irqrestore(&memtype_lock, fl);
    return err;
}

void memtype_release(memtype_claim_t *c)
{
    uint64_t fl = spin_lock_irqsave(&memtype_lock);
    list_remove(&c->link);
    spin_unlock_irqrestore(&memtype_lock, fl);
}

uint64_t memtype_pte_bits(uint32_t cache)
{
    switch (cache) {
    case VMO_CACHE_WC:
        return PTE_PAT;           /* PAT entry 4 */
    case VMO_CACHE_WB:
        return 0;                 /* entry 0 */
    default:
        return PTE_PCD | PTE_PWT; /* entry 3: UC */
    }
}
