/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The kernel's own page tables.
 *
 * vm_init() replaces the early boot tables (4 GiB identity + direct map,
 * everything writable and executable) with:
 *   - the direct map of RAM (every available/ACPI range of the memory map),
 *     read-write, never executable; the kernel image's own frames read-only
 *     there, so its text cannot be patched through the alias;
 *   - the kernel image at KERNEL_VMA_BASE: text RX, rodata R, data/bss RW,
 *     symbol table R (everything but text NX);
 *   - nothing in the lower half: the identity map and the 32-bit boot code
 *     are gone, so a stray low pointer faults.
 * Kernel mappings are global (when the CPU has PGE) because every address
 * space will share them.
 * vm_lock protects the tables below kernel_root.
 */
#include "mm/vm.h"
#include "arch/cpu.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "mm/layout.h"
#include "mm/memtype.h"
#include "mm/pmm.h"
#include "mm/pt.h"
#include "mm/range.h"

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[], _ksyms_start[], _kernel_end[];

static spinlock_t vm_lock = SPINLOCK_INIT; /* protects the tables and physmap_next */
static vaddr_t physmap_next = PHYSMAP_REGION_BASE;
static paddr_t kernel_root;
static pt_ctx_t kctx;
static uint64_t global_flag;

static int alloc_table(void *ctx, paddr_t *out)
{
    (void)ctx;
    return pmm_alloc_zeroed(0, out);
}

static void free_table(void *ctx, paddr_t pa)
{
    (void)ctx;
    pmm_free(pa, 0);
}

static void map_or_panic(vaddr_t va, paddr_t pa, size_t len, uint64_t flags, const char *what)
{
    int err = pt_map(&kctx, kernel_root, va, pa, len, flags | global_flag);
    if (err != OK)
        panic("vm: cannot map %s (%p, %zu bytes): error %d", what, (void *)va, len, err);
}

static void map_direct(const boot_info_t *bi)
{
    range_t ram[BOOT_MAX_MMAP];
    size_t n = 0;
    paddr_t limit = pmm_phys_limit();
    for (size_t i = 0; i < bi->mmap_count; i++) {
        const boot_mmap_entry_t *e = &bi->mmap[i];
        if (e->type != BOOT_MEM_AVAILABLE && e->type != BOOT_MEM_ACPI_RECLAIMABLE &&
            e->type != BOOT_MEM_NVS)
            continue;
        if (e->base >= limit)
            continue; /* pmm.c logged it */
        ram[n++] = (range_t){ALIGN_DOWN(e->base, PAGE_SIZE), ALIGN_UP(MIN(e->base + e->len, limit), PAGE_SIZE)};
    }
    n = range_merge(ram, n);
    for (size_t i = 0; i < n; i++)
        map_or_panic(DIRECT_MAP_BASE + ram[i].start, ram[i].start, ram[i].end - ram[i].start,
                     PTE_W | PTE_NX, "direct map");

    paddr_t kstart = (paddr_t)_text_start - KERNEL_VMA_BASE;
    paddr_t kend = (paddr_t)_kernel_end - KERNEL_VMA_BASE;
    int err = pt_protect(&kctx, kernel_root, DIRECT_MAP_BASE + kstart, kend - kstart, PTE_NX | global_flag);
    if (err != OK)
        panic("vm: cannot write-protect the kernel image in the direct map: error %d", err);
}

static void map_section(const char *start, const char *end, uint64_t flags, const char *what)
{
    vaddr_t s = ALIGN_DOWN((vaddr_t)start, PAGE_SIZE), e = ALIGN_UP((vaddr_t)end, PAGE_SIZE);
    if (e > s)
        map_or_panic(s, s - KERNEL_VMA_BASE, e - s, flags, what);
}

/* Give every upper-half PML4 slot a table now (256 pages), so user
 * address spaces can share them by copying the entries once. */
static void populate_kernel_half(void)
{
    uint64_t *pml4 = phys_to_virt(kernel_root);
    for (int i = 256; i < 512; i++) {
        if (pml4[i] & PTE_P)
            continue;
        paddr_t pa;
        if (pmm_alloc_zeroed(0, &pa) != OK)
            panic("vm: no memory for the kernel's page-table spine");
        pml4[i] = pa | PTE_P | PTE_W;
    }
}

void vm_copy_kernel_half(paddr_t user_root)
{
    uint64_t *dst = phys_to_virt(user_root);
    const uint64_t *src = phys_to_virt(kernel_root);
    for (int i = 256; i < 512; i++)
        dst[i] = src[i];
}

void vm_init(const boot_info_t *bi)
{
    global_flag = cpu_features.pge ? PTE_G : 0;
    kctx = (pt_ctx_t){
        .virt_offset = DIRECT_MAP_BASE,
        .alloc_table = alloc_table,
        .free_table = free_table,
        .ctx = NULL,
        .nx_mask = cpu_features.nx ? PTE_NX : 0,
    };
    if (pmm_alloc_zeroed(0, &kernel_root) != OK)
        panic("vm: no memory for the kernel page tables");

    map_direct(bi);
    map_section(_text_start, _text_end, 0, "kernel text");
    map_section(_rodata_start, _rodata_end, PTE_NX, "kernel rodata");
    map_section(_data_start, _data_end, PTE_W | PTE_NX, "kernel data");
    map_section(_ksyms_start, _kernel_end, PTE_NX, "kernel symbols");

    populate_kernel_half();
    if (cpu_features.nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    write_cr3(kernel_root);
    klog(LOG_INFO, "vm: kernel page tables active (text RX, rodata R, data RW+NX, direct map NX%s)",
         global_flag ? ", global" : "");
}

paddr_t vm_kernel_root(void)
{
    return kernel_root;
}

int vm_map_kernel(vaddr_t va, paddr_t pa, size_t len, uint64_t flags)
{
    uint64_t fl = spin_lock_irqsave(&vm_lock);
    int err = pt_map(&kctx, kernel_root, va, pa, len, flags | global_flag);
    spin_unlock_irqrestore(&vm_lock, fl);
    return err;
}

int vm_unmap_kernel(vaddr_t va, size_t len)
{
    uint64_t fl = spin_lock_irqsave(&vm_lock);
    int err = pt_unmap(&kctx, kernel_root, va, len);
    for (size_t off = 0; err == OK && off < len; off += PAGE_SIZE)
        invlpg(va + off);
    spin_unlock_irqrestore(&vm_lock, fl);
    return err;
}

int vm_query_kernel(vaddr_t va, paddr_t *pa)
{
    uint64_t flags;
    size_t size;
    uint64_t fl = spin_lock_irqsave(&vm_lock);
    int err = pt_query(&kctx, kernel_root, va, pa, &flags, &size);
    spin_unlock_irqrestore(&vm_lock, fl);
    return err;
}

int vm_query_kernel_flags(vaddr_t va, uint64_t *flags, size_t *page_size)
{
    paddr_t pa;
    uint64_t fl = spin_lock_irqsave(&vm_lock);
    int err = pt_query(&kctx, kernel_root, va, &pa, flags, page_size);
    spin_unlock_irqrestore(&vm_lock, fl);
    return err;
}

int vm_map_phys(paddr_t pa, size_t len, enum vm_cache cache, bool writable, void **va)
{
    if (len == 0 || pa + len < pa)
        return ERR_INVALID_ARGS;
    paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
    size_t size = ALIGN_UP(pa + len, PAGE_SIZE) - start;
    uint64_t flags = PTE_NX | global_flag | (writable ? PTE_W : 0) |
                     (cache == VM_CACHE_UC ? PTE_PCD | PTE_PWT : 0);
    uint64_t fl = spin_lock_irqsave(&vm_lock);
    int err = ERR_NO_RESOURCES;
    vaddr_t base = physmap_next;
    if (size <= PHYSMAP_REGION_BASE + PHYSMAP_REGION_SIZE - base) {
        err = pt_map(&kctx, kernel_root, base, start, size, flags);
        if (err == OK)
            physmap_next += size;
    }
    spin_unlock_irqrestore(&vm_lock, fl);
    if (err == OK) {
        memtype_note_kernel(start, start + size, cache == VM_CACHE_UC); /* never handed to user space as such */
        *va = (void *)(base + (pa - start));
    }
    return err;
}

int vm_map_low_identity(paddr_t pa, size_t len)
{
    uint64_t fl = spin_lock_irqsave(&vm_lock);
    int err = pt_map(&kctx, kernel_root, pa, pa, len, 0); /* RX, not global */
    spin_unlock_irqrestore(&vm_lock, fl);
    return err;
}

void vm_unmap_low_identity(paddr_t pa, size_t len)
{
    uint64_t fl = spin_lock_irqsave(&vm_lock);
    pt_unmap(&kctx, kernel_root, pa, len);
    write_cr3(read_cr3()); /* this CPU; APs reloaded CR3 on entry */
    spin_unlock_irqrestore(&vm_lock, fl);
}
