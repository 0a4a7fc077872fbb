/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Physical vmos (vmo_create_physical) without a device: every error in
 * the documented order, the memory rules (never RAM, never the kernel's
 * own registers, write-back only over firmware memory, one memory type
 * per page), reading the firmware's ACPI tables through a write-back
 * mapping, and revocation: revoking the resource a physical or contiguous
 * vmo came from unmaps it, so a child that closed its handle after
 * mapping still faults on its next access.
 */
#include <stdbool.h>

#include "lib/kstring.h"
#include "uhelp.h"

#define PAGE 4096ull
#define RAM_PAGE 0x1000000ull        /* 16 MiB: RAM on every test machine */
#define HOLE 0x200000000ull          /* 8 GiB: nothing there with <= 4 GiB of RAM */
#define BIOS_AREA 0xf0000ull         /* the BIOS's F segment: reserved in the memory map */
#define BIOS_AREA_SIZE 0x10000ull
#define LAPIC_PAGE 0xfee00000ull
#define IOAPIC_PAGE 0xfec00000ull
#define PHYS_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_DUPLICATE | RIGHT_TRANSFER | RIGHT_WAIT)

static int map_any(handle_t vmo, uint64_t len, uint32_t flags, uint64_t *addr)
{
    *addr = 0;
    return (int)sys_vm_map(HANDLE_INVALID, vmo, 0, len, flags, addr);
}

UTEST(physical_vmo_errors)
{
    handle_t mmio = ut_named("mmio"), v, weak, narrow, plain;
    /* The cache policy is checked before the handle. */
    UT_EQ(sys_vmo_create_physical(HANDLE_INVALID, HOLE, PAGE, 3, &v), ERR_INVALID_ARGS);
    UT_EQ(sys_vmo_create_physical(HANDLE_INVALID, HOLE, PAGE, VMO_CACHE_UC, &v), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_create(PAGE, 0, &plain), OK);
    UT_EQ(sys_vmo_create_physical(plain, HOLE, PAGE, VMO_CACHE_UC, &v), ERR_WRONG_TYPE);
    UT_EQ(sys_handle_dup(mmio, RIGHT_READ, &weak), OK);
    UT_EQ(sys_vmo_create_physical(weak, HOLE, PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED); /* no MANAGE */
    UT_EQ(sys_vmo_create_physical(ut_named("ioport"), 0, PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(ut_named("dma"), 0, PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    /* Coverage: the range must lie inside the resource, and not be empty. */
    UT_EQ(sys_resource_derive(mmio, RESOURCE_MMIO, HOLE, 2 * PAGE, &narrow), OK);
    UT_EQ(sys_vmo_create_physical(narrow, HOLE, 3 * PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(narrow, HOLE - PAGE, 2 * PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(narrow, HOLE, 0, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(mmio, ~0ull - PAGE + 1, PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    /* Alignment and size, once covered. */
    UT_EQ(sys_vmo_create_physical(narrow, HOLE + 0x800, PAGE, VMO_CACHE_UC, &v), ERR_INVALID_ARGS);
    UT_EQ(sys_vmo_create_physical(narrow, HOLE, 100, VMO_CACHE_UC, &v), ERR_INVALID_ARGS);
    UT_EQ(sys_vmo_create_physical(mmio, HOLE, (4ull << 30) + PAGE, VMO_CACHE_UC, &v), ERR_INVALID_ARGS);
    /* A bad out pointer: nothing is left behind (the range's memory type
     * is free again for another policy). */
    UT_EQ(sys_vmo_create_physical(narrow, HOLE, PAGE, VMO_CACHE_UC, (handle_t *)0x10), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_create_physical(narrow, HOLE, PAGE, VMO_CACHE_WC, &v), OK);
    UT_EQ(sys_handle_close(v), OK);
    sys_handle_close(narrow);
    sys_handle_close(weak);
    sys_handle_close(plain);
    return 0;
}

UTEST(physical_vmo_memory_rules)
{
    handle_t mmio = ut_named("mmio"), v, w;
    /* RAM, however little of it. */
    UT_EQ(sys_vmo_create_physical(mmio, RAM_PAGE, PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(mmio, RAM_PAGE, PAGE, VMO_CACHE_WB, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(mmio, 0, PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(mmio, BIOS_AREA - 0x60000, 0x70000, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    /* Registers the kernel drives itself. */
    UT_EQ(sys_vmo_create_physical(mmio, LAPIC_PAGE, PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(mmio, IOAPIC_PAGE - PAGE, 2 * PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    /* Write-back only over firmware memory, not over a hole. */
    UT_EQ(sys_vmo_create_physical(mmio, HOLE, PAGE, VMO_CACHE_WB, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(mmio, BIOS_AREA, BIOS_AREA_SIZE, VMO_CACHE_WB, &v), OK);
    UT_EQ(sys_handle_close(v), OK);
    /* One memory type per page while a vmo holds it; the same type may
     * be mapped twice. */
    UT_EQ(sys_vmo_create_physical(mmio, HOLE, 4 * PAGE, VMO_CACHE_UC, &v), OK);
    UT_EQ(sys_vmo_create_physical(mmio, HOLE + 3 * PAGE, 2 * PAGE, VMO_CACHE_WC, &w), ERR_ALREADY_EXISTS);
    UT_EQ(sys_vmo_create_physical(mmio, HOLE + 3 * PAGE, 2 * PAGE, VMO_CACHE_UC, &w), OK);
    UT_EQ(sys_handle_close(w), OK);
    UT_EQ(sys_vmo_create_physical(mmio, HOLE + 4 * PAGE, PAGE, VMO_CACHE_WC, &w), OK); /* next to it */
    UT_EQ(sys_handle_close(w), OK);
    /* A mapping keeps the claim after the handle is closed. */
    uint64_t addr;
    UT_EQ(map_any(v, 4 * PAGE, MAP_READ | MAP_WRITE, &addr), OK);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_vmo_create_physical(mmio, HOLE, PAGE, VMO_CACHE_WC, &w), ERR_ALREADY_EXISTS);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 4 * PAGE), OK);
    UT_EQ(sys_vmo_create_physical(mmio, HOLE, PAGE, VMO_CACHE_WC, &w), OK);
    UT_EQ(sys_handle_close(w), OK);
    return 0;
}

/* The RSDP in the BIOS area: "RSD PTR " on a 16-byte boundary with a
 * valid checksum over its first 20 bytes. Returns its offset or -1. */
static long find_rsdp(const uint8_t *area, uint64_t size)
{
    for (uint64_t off = 0; off + 20 <= size; off += 16) {
        if (memcmp(area + off, "RSD PTR ", 8) != 0)
            continue;
        uint8_t sum = 0;
        for (int i = 0; i < 20; i++)
            sum = (uint8_t)(sum + area[off + i]);
        if (sum == 0)
            return (long)off;
    }
    return -1;
}

/* What the acpi server will do: find the RSDP and the RSDT through
 * write-back physical vmos. Uncached is refused where the kernel maps the
 * tables write-back itself. */
UTEST(physical_vmo_reads_firmware_tables)
{
    handle_t mmio = ut_named("mmio"), bios, table, v;
    UT_EQ(sys_vmo_create_physical(mmio, BIOS_AREA, BIOS_AREA_SIZE, VMO_CACHE_WB, &bios), OK);
    uint64_t addr;
    UT_EQ(map_any(bios, BIOS_AREA_SIZE, MAP_READ, &addr), OK);
    const uint8_t *area = (const uint8_t *)addr;
    long off = find_rsdp(area, BIOS_AREA_SIZE);
    UT_CHECK(off >= 0);
    uint32_t rsdt;
    memcpy(&rsdt, area + off + 16, 4);
    uint64_t page = rsdt & ~(PAGE - 1);
    UT_EQ(sys_vmo_create_physical(mmio, page, 2 * PAGE, VMO_CACHE_UC, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create_physical(mmio, page, PAGE, VMO_CACHE_WC, &v), ERR_ACCESS_DENIED);
    uint64_t span = (rsdt + 36 > page + PAGE) ? 2 * PAGE : PAGE;
    UT_EQ(sys_vmo_create_physical(mmio, page, span, VMO_CACHE_WB, &table), OK);
    uint64_t taddr;
    UT_EQ(map_any(table, span, MAP_READ, &taddr), OK);
    UT_EQ(memcmp((const void *)(taddr + (rsdt - page)), "RSDT", 4), 0);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, taddr, span), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, BIOS_AREA_SIZE), OK);
    sys_handle_close(table);
    sys_handle_close(bios);
    return 0;
}

/* What a physical vmo handle may do: map read/write, never execute; no
 * vmo_read/vmo_write (device memory is reached by mapping it) and no
 * physical address (its creator named it). */
UTEST(physical_vmo_rights)
{
    handle_t mmio = ut_named("mmio"), narrow, v, nodup;
    UT_EQ(sys_vmo_create_physical(mmio, HOLE, 2 * PAGE, VMO_CACHE_UC, &v), OK);
    handle_info_t info;
    UT_EQ(sys_handle_info(v, &info), OK);
    UT_EQ(info.kind, KIND_VMO);
    UT_EQ(info.rights, PHYS_RIGHTS);
    uint64_t size = 0, pa;
    UT_EQ(sys_vmo_get_size(v, &size), OK);
    UT_EQ(size, 2 * PAGE);
    char buf[16];
    UT_EQ(sys_vmo_read(v, buf, 0, sizeof buf), ERR_NOT_SUPPORTED);
    UT_EQ(sys_vmo_write(v, buf, 0, sizeof buf), ERR_NOT_SUPPORTED);
    UT_EQ(sys_vmo_read(v, buf, 0, 0), ERR_NOT_SUPPORTED);
    UT_EQ(sys_vmo_get_phys(v, &pa), ERR_ACCESS_DENIED);
    uint64_t addr;
    UT_EQ(map_any(v, 2 * PAGE, MAP_READ | MAP_EXEC, &addr), ERR_ACCESS_DENIED);
    UT_EQ(map_any(v, 2 * PAGE, MAP_READ | MAP_WRITE, &addr), OK);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, addr, 2 * PAGE, MAP_READ), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 2 * PAGE), OK);
    sys_handle_close(v);
    /* From a resource handle that may not be duplicated or transferred. */
    UT_EQ(sys_handle_dup(mmio, RIGHT_READ | RIGHT_MANAGE, &narrow), OK);
    UT_EQ(sys_vmo_create_physical(narrow, HOLE, PAGE, VMO_CACHE_UC, &nodup), OK);
    UT_EQ(sys_handle_info(nodup, &info), OK);
    UT_EQ(info.rights, PHYS_RIGHTS & ~(RIGHT_DUPLICATE | RIGHT_TRANSFER));
    sys_handle_close(nodup);
    sys_handle_close(narrow);
    return 0;
}

/* ---- revocation ----------------------------------------------------------- */

/* The child maps the vmo it was given, reads it, closes its handle (the
 * mapping stays), says so, waits for the parent's word and reads again:
 * after the parent revoked the resource that read must fault. */
UCHILD(mapped_vmo_reader)
{
    if (ut_nextra != 1)
        return 1;
    uint64_t size, addr;
    if (sys_vmo_get_size(ut_extra[0], &size) != OK || map_any(ut_extra[0], size, MAP_READ, &addr) != OK)
        return 2;
    volatile const uint8_t *p = (volatile const uint8_t *)addr;
    uint8_t first = p[0];
    sys_handle_close(ut_extra[0]);
    char c = 'r';
    sys_chan_write(chan, &c, 1, NULL, 0); /* "mapped and read" */
    if (ut_recv(chan, &c, 1, ut_deadline(UT_LONG_WAIT)) != 1)
        return 3;
    if (c == 's') { /* still mapped: read again, then stop */
        if (p[0] != first)
            return 4;
        sys_chan_write(chan, &c, 1, NULL, 0);
        if (ut_recv(chan, &c, 1, ut_deadline(UT_LONG_WAIT)) != 1)
            return 5;
    }
    ut_arm(chan);
    return p[0]; /* revoked: faults */
}

/* Give `vmo` (a handle to move) to a child; once the child has mapped it
 * the parent revokes `cut` and tells the child to read again: the child
 * must die of a page fault after arming. With `kept`, the parent first
 * revokes that vmo handle and checks the child can still read. */
static int run_revoke_case(handle_t vmo, handle_t cut, handle_t kept)
{
    handle_t p, c;
    int err = utest_spawn("mapped_vmo_reader", &p, &c, &vmo, 1);
    if (err != OK)
        return err;
    char ch = 0;
    err = ut_recv(c, &ch, 1, ut_deadline(UT_LONG_WAIT)) == 1 && ch == 'r' ? OK : ERR_INTERNAL;
    if (err == OK && kept != HANDLE_INVALID) {
        /* Revoking the vmo handle itself takes dups away, not mappings. */
        err = (int)sys_handle_revoke(kept);
        ch = 's';
        if (err == OK)
            err = (int)sys_chan_write(c, &ch, 1, NULL, 0);
        if (err == OK)
            err = ut_recv(c, &ch, 1, ut_deadline(UT_LONG_WAIT)) == 1 && ch == 's' ? OK : ERR_INTERNAL;
    }
    if (err == OK)
        err = (int)sys_handle_revoke(cut);
    ch = 'g';
    if (err == OK)
        err = (int)sys_chan_write(c, &ch, 1, NULL, 0);
    process_info_t info;
    if (err == OK)
        err = ut_proc_wait(p, &info);
    bool armed = err == OK && ut_recv(c, &ch, 1, ut_deadline(UT_LONG_WAIT)) == 1 && ch == UT_ARMED;
    if (err == OK && (!armed || info.exit_reason != PROCESS_FAULTED || info.exit_code != -15)) {
        ut_printf("utest: revoke case: armed %d, reason %u, code %d", armed, info.exit_reason, info.exit_code);
        err = ERR_INTERNAL;
    }
    sys_handle_close(c);
    sys_handle_close(p);
    return err;
}

UTEST(physical_vmo_revoke_unmaps)
{
    handle_t mmio = ut_named("mmio"), res, v, theirs;
    UT_EQ(sys_resource_derive(mmio, RESOURCE_MMIO, BIOS_AREA, BIOS_AREA_SIZE, &res), OK);
    UT_EQ(sys_vmo_create_physical(res, BIOS_AREA, BIOS_AREA_SIZE, VMO_CACHE_WB, &v), OK);
    uint64_t mine;
    UT_EQ(map_any(v, BIOS_AREA_SIZE, MAP_READ, &mine), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP | RIGHT_TRANSFER, &theirs), OK);
    UT_EQ(run_revoke_case(theirs, res, HANDLE_INVALID), OK);
    uint64_t size;
    UT_EQ(sys_vmo_get_size(v, &size), ERR_BAD_HANDLE); /* gone with the revoke */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, mine, BIOS_AREA_SIZE), ERR_NOT_FOUND); /* the parent's mapping too */
    /* Revoking the vmo handle alone leaves mappings; revoking the resource
     * ends them. */
    UT_EQ(sys_vmo_create_physical(res, BIOS_AREA, BIOS_AREA_SIZE, VMO_CACHE_WB, &v), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP | RIGHT_TRANSFER, &theirs), OK);
    UT_EQ(run_revoke_case(theirs, res, v), OK);
    /* A vmo revoked and unmapped is gone: its memory type is free again. */
    UT_EQ(sys_vmo_create_physical(res, BIOS_AREA, PAGE, VMO_CACHE_WB, &v), OK);
    sys_handle_close(v);
    sys_handle_close(res);
    return 0;
}

static int spin_reading(void *arg)
{
    volatile const uint8_t *p = arg;
    for (;;)
        (void)p[0];
    return 0;
}

/* Threads on every CPU reading the mapping when the resource is revoked:
 * the TLB shootdown reaches them all, the first to fault ends the process. */
UCHILD(mmio_spinners)
{
    uint64_t size, addr;
    if (ut_nextra != 1 || sys_vmo_get_size(ut_extra[0], &size) != OK ||
        map_any(ut_extra[0], size, MAP_READ, &addr) != OK)
        return 1;
    sys_handle_close(ut_extra[0]);
    ut_thread_t t[3];
    for (int i = 0; i < 3; i++)
        if (ut_thread_start(&t[i], spin_reading, (void *)addr) != OK)
            return 2;
    ut_arm(chan);
    return spin_reading((void *)addr);
}

UTEST(physical_vmo_revoke_stops_running_threads)
{
    handle_t res, v, p, c;
    UT_EQ(sys_resource_derive(ut_named("mmio"), RESOURCE_MMIO, BIOS_AREA, BIOS_AREA_SIZE, &res), OK);
    UT_EQ(sys_vmo_create_physical(res, BIOS_AREA, BIOS_AREA_SIZE, VMO_CACHE_WB, &v), OK);
    UT_EQ(utest_spawn("mmio_spinners", &p, &c, &v, 1), OK);
    char ch = 0;
    UT_EQ(ut_recv(c, &ch, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(ch, UT_ARMED);
    UT_EQ(sys_thread_sleep(ut_now() + 20 * UT_MS), OK); /* let them spin */
    UT_EQ(sys_handle_revoke(res), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_FAULTED);
    UT_EQ(info.exit_code, -15);
    sys_handle_close(c);
    sys_handle_close(p);
    sys_handle_close(res);
    return 0;
}

UTEST(contiguous_vmo_revoke_unmaps)
{
    handle_t dma, v, theirs;
    UT_EQ(sys_handle_dup(ut_named("dma"), RIGHT_READ | RIGHT_MANAGE | RIGHT_DUPLICATE | RIGHT_TRANSFER, &dma), OK);
    UT_EQ(sys_vmo_create_contiguous(dma, 2 * PAGE, &v), OK);
    UT_EQ(sys_vmo_write(v, "dma!", 0, 4), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP | RIGHT_TRANSFER, &theirs), OK);
    UT_EQ(run_revoke_case(theirs, dma, HANDLE_INVALID), OK);
    sys_handle_close(dma);
    return 0;
}

/* vmo_info tells ordinary memory from vmos a revocation can take away,
 * whatever rights the handle kept: what a server checks before keeping a
 * client's vmo mapped (the block library does). */
UTEST(vmo_info_kinds)
{
    handle_t anon, contig, weak, res, phys, dma;
    vmo_info_t vi;
    UT_EQ(sys_vmo_create(3 * PAGE - 100, 0, &anon), OK);
    UT_EQ(sys_vmo_info(anon, &vi), OK);
    UT_EQ(vi.size, 3 * PAGE);
    UT_EQ(vi.kind, VMO_INFO_ANONYMOUS);
    UT_EQ(vi.flags, 0);
    UT_EQ(vi.cache, VMO_CACHE_WB);
    UT_EQ(vi.reserved, 0);

    UT_EQ(sys_handle_dup(ut_named("dma"), RIGHT_READ | RIGHT_MANAGE | RIGHT_DUPLICATE, &dma), OK);
    UT_EQ(sys_vmo_create_contiguous(dma, 2 * PAGE, &contig), OK);
    UT_EQ(sys_handle_dup(contig, RIGHT_READ, &weak), OK); /* no RIGHT_DMA left: still revocable */
    UT_EQ(sys_vmo_info(weak, &vi), OK);
    UT_EQ(vi.kind, VMO_INFO_CONTIGUOUS);
    UT_EQ(vi.flags, VMO_INFO_REVOCABLE);
    UT_EQ(sys_handle_revoke(dma), OK);                       /* takes contig away, weak is a child */
    UT_EQ(sys_vmo_info(weak, &vi), ERR_BAD_HANDLE);          /* the handles went with it */
    sys_handle_close(dma);

    UT_EQ(sys_resource_derive(ut_named("mmio"), RESOURCE_MMIO, HOLE, PAGE, &res), OK);
    UT_EQ(sys_vmo_create_physical(res, HOLE, PAGE, VMO_CACHE_WC, &phys), OK);
    UT_EQ(sys_vmo_info(phys, &vi), OK);
    UT_EQ(vi.kind, VMO_INFO_PHYSICAL);
    UT_EQ(vi.cache, VMO_CACHE_WC);
    UT_EQ(vi.flags, VMO_INFO_REVOCABLE);
    UT_EQ(vi.size, PAGE);

    UT_EQ(sys_vmo_info(HANDLE_INVALID, &vi), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_info(res, &vi), ERR_WRONG_TYPE);
    UT_EQ(sys_vmo_info(anon, (vmo_info_t *)0x10), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_info(anon, (vmo_info_t *)0xffffffff80100000ull), ERR_BAD_ADDRESS);
    sys_handle_close(phys);
    sys_handle_close(res);
    sys_handle_close(anon);
    return 0;
}
