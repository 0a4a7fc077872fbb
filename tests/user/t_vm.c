/* SPDX-License-Identifier: BSD-2-Clause
 *
 * vmos and address spaces: vmo_create/read/write/get_size, vm_map (anywhere,
 * fixed, executable, into another process), vm_unmap and vm_protect, each
 * with every error it can return; faults after unmap and protect (in
 * children); a vmo shared by two processes; the memory quota.
 */
#include "lib/kstring.h"
#include "uhelp.h"

#define PAGE 4096ull
#define KERNEL_ADDR 0xffffffff80100000ull
#define FIXED_VA 0x0000004000000000ull /* a free area of every utest process */
#define GIB (1ull << 30)                /* tests using fixed addresses keep 1 GiB apart */
#define BAD_HANDLE 0x7fff1234u

static void fill(uint8_t *buf, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(seed + i * 7);
}

static int map(handle_t vmo, uint64_t len, uint32_t flags, uint64_t *addr)
{
    *addr = 0;
    return (int)sys_vm_map(HANDLE_INVALID, vmo, 0, len, flags, addr);
}

/* ---- vmo_create, vmo_read, vmo_write, vmo_get_size -------------------------- */

UTEST(vmo_create_errors)
{
    handle_t v;
    UT_EQ(sys_vmo_create(0, 0, &v), ERR_INVALID_ARGS);
    UT_EQ(sys_vmo_create((4ull << 30) + 1, 0, &v), ERR_INVALID_ARGS); /* over 4 GiB */
    UT_EQ(sys_vmo_create(UINT64_MAX, 0, &v), ERR_INVALID_ARGS);
    UT_EQ(sys_vmo_create(PAGE, 2, &v), ERR_INVALID_ARGS);              /* unknown flag */
    UT_EQ(sys_vmo_create(PAGE, VMO_CONTIGUOUS, &v), ERR_ACCESS_DENIED); /* needs a DMA resource */
    UT_EQ(sys_vmo_create(4ull << 30, 0, &v), ERR_NO_RESOURCES);         /* more than our quota (the RAM) */
    UT_EQ(sys_vmo_create(PAGE, 0, (handle_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_create(PAGE, 0, (handle_t *)0x1000), ERR_BAD_ADDRESS);
    return 0;
}

UTEST(vmo_create_rounds_up_and_zeroes)
{
    handle_t v;
    UT_EQ(sys_vmo_create(10000, 0, &v), OK);
    handle_info_t hi;
    UT_EQ(sys_handle_info(v, &hi), OK);
    UT_EQ(hi.kind, KIND_VMO);
    uint32_t want = RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_DUPLICATE | RIGHT_TRANSFER;
    UT_EQ(hi.rights & want, want);
    uint64_t size = 0;
    UT_EQ(sys_vmo_get_size(v, &size), OK);
    UT_EQ(size, 3 * PAGE);
    static uint8_t buf[3 * PAGE];
    memset(buf, 0xee, sizeof buf);
    UT_EQ(sys_vmo_read(v, buf, 0, sizeof buf), OK);
    for (size_t i = 0; i < sizeof buf; i++)
        UT_EQ(buf[i], 0);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

UTEST(vmo_read_write)
{
    static uint8_t out[10000], in[10000];
    handle_t v;
    UT_EQ(sys_vmo_create(3 * PAGE, 0, &v), OK);
    fill(out, sizeof out, 3);
    UT_EQ(sys_vmo_write(v, out, 1000, sizeof out), OK); /* across pages and copy chunks */
    memset(in, 0, sizeof in);
    UT_EQ(sys_vmo_read(v, in, 1000, sizeof in), OK);
    UT_EQ(memcmp(in, out, sizeof in), 0);
    UT_EQ(sys_vmo_read(v, in, 999, 1), OK);
    UT_EQ(in[0], 0); /* untouched before the write */
    /* Ranges at and past the end. */
    UT_EQ(sys_vmo_write(v, out, 3 * PAGE - 1, 1), OK);
    UT_EQ(sys_vmo_write(v, out, 3 * PAGE, 0), OK);
    UT_EQ(sys_vmo_read(v, in, 3 * PAGE, 0), OK);
    UT_EQ(sys_vmo_write(v, out, 3 * PAGE - 1, 2), ERR_OUT_OF_RANGE);
    UT_EQ(sys_vmo_read(v, in, 3 * PAGE, 1), ERR_OUT_OF_RANGE);
    UT_EQ(sys_vmo_read(v, in, 3 * PAGE + 1, 0), ERR_OUT_OF_RANGE);
    UT_EQ(sys_vmo_read(v, in, 8, UINT64_MAX), ERR_OUT_OF_RANGE);          /* offset + len wraps */
    UT_EQ(sys_vmo_write(v, out, UINT64_MAX, 2), ERR_OUT_OF_RANGE);
    /* Bad buffers. */
    UT_EQ(sys_vmo_read(v, (void *)KERNEL_ADDR, 0, 16), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_write(v, (void *)KERNEL_ADDR, 0, 16), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_write(v, (void *)0x50000000, 0, 16), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_get_size(v, (uint64_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

UTEST(vmo_handle_errors)
{
    handle_t v, ro, wo, a, b;
    uint8_t buf[16] = {1};
    uint64_t size;
    UT_EQ(sys_vmo_create(PAGE, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP, &ro), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_WRITE, &wo), OK);
    UT_EQ(sys_vmo_write(ro, buf, 0, 16), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_read(ro, buf, 0, 16), OK);
    UT_EQ(sys_vmo_read(wo, buf, 0, 16), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_get_size(wo, &size), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_write(wo, buf, 0, 16), OK);
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_vmo_read(a, buf, 0, 16), ERR_WRONG_TYPE);
    UT_EQ(sys_vmo_write(a, buf, 0, 16), ERR_WRONG_TYPE);
    UT_EQ(sys_vmo_get_size(a, &size), ERR_WRONG_TYPE);
    UT_EQ(sys_vmo_read(BAD_HANDLE, buf, 0, 16), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_write(HANDLE_INVALID, buf, 0, 16), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_get_size(BAD_HANDLE, &size), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_close(v), OK);
    UT_EQ(sys_vmo_read(v, buf, 0, 16), ERR_BAD_HANDLE); /* closed */
    UT_EQ(sys_vmo_read(ro, buf, 0, 16), OK);            /* the other handles keep it */
    sys_handle_close(ro);
    sys_handle_close(wo);
    sys_handle_close(a);
    sys_handle_close(b);
    return 0;
}

/* ---- vm_map ------------------------------------------------------------------ */

UTEST(vm_map_anywhere_shares_contents)
{
    static uint8_t out[2 * PAGE], in[2 * PAGE];
    handle_t v;
    UT_EQ(sys_vmo_create(2 * PAGE, 0, &v), OK);
    fill(out, sizeof out, 11);
    UT_EQ(sys_vmo_write(v, out, 0, sizeof out), OK);
    uint64_t addr;
    UT_EQ(map(v, 2 * PAGE, MAP_READ | MAP_WRITE, &addr), OK);
    UT_CHECK(addr != 0 && addr % PAGE == 0);
    volatile uint8_t *m = (volatile uint8_t *)addr;
    for (size_t i = 0; i < sizeof out; i++)
        UT_EQ(m[i], out[i]);
    m[5] = 0x5a;
    m[PAGE + 9] = 0xa5;
    UT_EQ(sys_vmo_read(v, in, 0, sizeof in), OK);
    UT_EQ(in[5], 0x5a);
    UT_EQ(in[PAGE + 9], 0xa5);
    /* A second mapping of the same vmo sees the same pages. */
    uint64_t addr2;
    UT_EQ(map(v, 2 * PAGE, MAP_READ, &addr2), OK);
    UT_CHECK(addr2 != addr);
    UT_EQ(((volatile uint8_t *)addr2)[PAGE + 9], 0xa5);
    /* The vmo lives on in its mappings after its handle is closed. */
    UT_EQ(sys_handle_close(v), OK);
    m[7] = 0x77;
    UT_EQ(((volatile uint8_t *)addr2)[7], 0x77);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 2 * PAGE), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr2, 2 * PAGE), OK);
    return 0;
}

UTEST(vm_map_fixed_and_overlap)
{
    handle_t v;
    UT_EQ(sys_vmo_create(4 * PAGE, 0, &v), OK);
    uint64_t a = FIXED_VA;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 2 * PAGE, MAP_READ | MAP_WRITE | MAP_FIXED, &a), OK);
    UT_EQ(a, FIXED_VA);
    uint64_t b = FIXED_VA + PAGE; /* overlaps the second page */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 2 * PAGE, MAP_READ | MAP_FIXED, &b), ERR_ALREADY_EXISTS);
    b = FIXED_VA - PAGE; /* overlaps the first */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 2 * PAGE, MAP_READ | MAP_FIXED, &b), ERR_ALREADY_EXISTS);
    b = FIXED_VA + 2 * PAGE; /* right after: fine, at an offset into the vmo */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 2 * PAGE, 2 * PAGE, MAP_READ | MAP_WRITE | MAP_FIXED, &b), OK);
    UT_EQ(b, FIXED_VA + 2 * PAGE);
    *(volatile uint32_t *)(FIXED_VA + 2 * PAGE) = 0xfeedf00d;
    uint32_t word = 0;
    UT_EQ(sys_vmo_read(v, &word, 2 * PAGE, 4), OK);
    UT_EQ(word, 0xfeedf00d);
    /* Without MAP_FIXED an occupied address is a hint: mapped above it. */
    uint64_t c = FIXED_VA;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, PAGE, MAP_READ, &c), OK);
    UT_CHECK(c >= FIXED_VA + 4 * PAGE);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, c, PAGE), OK);
    /* One unmap may take several whole mappings. */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, FIXED_VA, 4 * PAGE), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, FIXED_VA, 4 * PAGE), ERR_NOT_FOUND);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

UTEST(vm_map_errors)
{
    handle_t v, a, b;
    UT_EQ(sys_vmo_create(2 * PAGE, 0, &v), OK);
    uint64_t addr = FIXED_VA + 3 * GIB + 1;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, PAGE, MAP_READ | MAP_FIXED, &addr), ERR_INVALID_ARGS); /* address */
    UT_EQ(map(v, 100, MAP_READ, &addr), ERR_INVALID_ARGS);                                         /* length */
    UT_EQ(map(v, 0, MAP_READ, &addr), ERR_INVALID_ARGS);
    addr = 0;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 100, PAGE, MAP_READ, &addr), ERR_INVALID_ARGS); /* offset */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 4 * PAGE, MAP_READ, &addr), ERR_OUT_OF_RANGE); /* past the vmo */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, PAGE, 2 * PAGE, MAP_READ, &addr), ERR_OUT_OF_RANGE);
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 4 * PAGE, PAGE, MAP_READ, &addr), ERR_OUT_OF_RANGE);
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, -PAGE, 2 * PAGE, MAP_READ, &addr), ERR_OUT_OF_RANGE); /* wraps */
    UT_EQ(map(v, PAGE, MAP_READ | MAP_WRITE | MAP_EXEC, &addr), ERR_ACCESS_DENIED);           /* W^X */
    UT_EQ(map(v, PAGE, MAP_READ | (1u << 4), &addr), ERR_INVALID_ARGS);                       /* unknown flag */
    /* Fixed addresses outside user space. */
    addr = 0;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, PAGE, MAP_READ | MAP_FIXED, &addr), ERR_OUT_OF_RANGE);
    addr = 0x00007ffffffff000ull - PAGE;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 2 * PAGE, MAP_READ | MAP_FIXED, &addr), ERR_OUT_OF_RANGE);
    addr = KERNEL_ADDR;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, PAGE, MAP_READ | MAP_FIXED, &addr), ERR_OUT_OF_RANGE);
    /* Bad pointers and handles. */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, PAGE, MAP_READ, (uint64_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    UT_EQ(sys_vm_map(HANDLE_INVALID, BAD_HANDLE, 0, PAGE, MAP_READ, &addr), ERR_BAD_HANDLE);
    UT_EQ(sys_chan_create(&a, &b), OK);
    addr = 0;
    UT_EQ(sys_vm_map(HANDLE_INVALID, a, 0, PAGE, MAP_READ, &addr), ERR_WRONG_TYPE);
    UT_EQ(sys_vm_map(a, v, 0, PAGE, MAP_READ, &addr), ERR_WRONG_TYPE); /* not a process */
    UT_EQ(sys_vm_map(BAD_HANDLE, v, 0, PAGE, MAP_READ, &addr), ERR_BAD_HANDLE);
    /* None of that left a mapping behind. */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, FIXED_VA + 3 * GIB - PAGE, 4 * PAGE), ERR_NOT_FOUND);
    sys_handle_close(a);
    sys_handle_close(b);
    sys_handle_close(v);
    return 0;
}

/* Each permission of a mapping needs its right on the vmo handle. */
UTEST(vm_map_needs_rights)
{
    handle_t v, ro, nomap, rx;
    UT_EQ(sys_vmo_create(PAGE, 0, &v), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP, &ro), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_WRITE, &nomap), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP | RIGHT_EXECUTE, &rx), OK);
    uint64_t addr;
    UT_EQ(map(ro, PAGE, MAP_READ | MAP_WRITE, &addr), ERR_ACCESS_DENIED);
    UT_EQ(map(ro, PAGE, MAP_READ | MAP_EXEC, &addr), ERR_ACCESS_DENIED);
    UT_EQ(map(nomap, PAGE, MAP_READ, &addr), ERR_ACCESS_DENIED);
    UT_EQ(map(rx, PAGE, MAP_READ | MAP_WRITE, &addr), ERR_ACCESS_DENIED);
    UT_EQ(map(ro, PAGE, MAP_READ, &addr), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, PAGE), OK);
    UT_EQ(map(rx, PAGE, MAP_READ | MAP_EXEC, &addr), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, PAGE), OK);
    sys_handle_close(rx);
    sys_handle_close(nomap);
    sys_handle_close(ro);
    sys_handle_close(v);
    return 0;
}

/* mov $42, %eax; ret */
static const uint8_t code42[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};

UTEST(vm_map_exec_runs_code)
{
    handle_t v;
    UT_EQ(sys_vmo_create(PAGE, 0, &v), OK);
    UT_EQ(sys_vmo_write(v, code42, 0, sizeof code42), OK);
    uint64_t addr;
    UT_EQ(map(v, PAGE, MAP_READ | MAP_EXEC, &addr), OK);
    int (*fn)(void) = (int (*)(void))(uintptr_t)addr;
    UT_EQ(fn(), 42);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, PAGE), OK);
    sys_handle_close(v);
    return 0;
}

/* ---- vm_unmap and vm_protect -------------------------------------------------- */

UTEST(vm_unmap_errors)
{
    handle_t v;
    UT_EQ(sys_vmo_create(2 * PAGE, 0, &v), OK);
    uint64_t addr;
    UT_EQ(map(v, 2 * PAGE, MAP_READ, &addr), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, PAGE), ERR_INVALID_ARGS);        /* half of it */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr + PAGE, PAGE), ERR_INVALID_ARGS); /* the other half */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr + 1, PAGE), ERR_INVALID_ARGS);    /* unaligned */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 100), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 0), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, KERNEL_ADDR, PAGE), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, FIXED_VA + 4 * GIB, PAGE), ERR_NOT_FOUND); /* nothing there */
    UT_EQ(((volatile uint8_t *)addr)[PAGE], 0); /* the refused unmaps left it whole */
    UT_EQ(sys_vm_unmap(BAD_HANDLE, addr, 2 * PAGE), ERR_BAD_HANDLE);
    UT_EQ(sys_vm_unmap(v, addr, 2 * PAGE), ERR_WRONG_TYPE);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 2 * PAGE), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 2 * PAGE), ERR_NOT_FOUND);
    sys_handle_close(v);
    return 0;
}

UTEST(vm_protect_errors)
{
    handle_t v;
    UT_EQ(sys_vmo_create(2 * PAGE, 0, &v), OK);
    uint64_t rw = FIXED_VA + GIB, ro = rw + 3 * PAGE; /* a page apart */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 2 * PAGE, MAP_READ | MAP_WRITE | MAP_FIXED, &rw), OK);
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, PAGE, MAP_READ | MAP_FIXED, &ro), OK);
    /* Never beyond the permissions the mapping was made with. */
    UT_EQ(sys_vm_protect(HANDLE_INVALID, ro, PAGE, MAP_READ | MAP_WRITE), ERR_ACCESS_DENIED);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, ro, PAGE, MAP_READ | MAP_EXEC), ERR_ACCESS_DENIED);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 2 * PAGE, MAP_READ | MAP_EXEC), ERR_ACCESS_DENIED);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 2 * PAGE, MAP_READ | MAP_WRITE | MAP_EXEC), ERR_ACCESS_DENIED);
    /* Down and back up within them is fine. */
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 2 * PAGE, MAP_READ), OK);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 2 * PAGE, MAP_READ | MAP_WRITE), OK);
    ((volatile uint8_t *)rw)[PAGE] = 1;
    /* Whole mappings only, page-aligned, something there. */
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, PAGE, MAP_READ), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw + PAGE, PAGE, MAP_READ), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw + 1, PAGE, MAP_READ), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 0, MAP_READ), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, KERNEL_ADDR, PAGE, MAP_READ), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 2 * PAGE, MAP_READ | MAP_FIXED), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw + 64 * PAGE, PAGE, MAP_READ), ERR_NOT_FOUND);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 3 * PAGE, MAP_READ), ERR_NOT_FOUND); /* runs into the gap */
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw, 4 * PAGE, MAP_READ), ERR_NOT_FOUND); /* spans the gap */
    UT_EQ(sys_vm_protect(HANDLE_INVALID, rw - PAGE, 3 * PAGE, MAP_READ), ERR_NOT_FOUND);
    UT_EQ(sys_vm_protect(BAD_HANDLE, rw, 2 * PAGE, MAP_READ), ERR_BAD_HANDLE);
    UT_EQ(sys_vm_protect(v, rw, 2 * PAGE, MAP_READ), ERR_WRONG_TYPE);
    ((volatile uint8_t *)rw)[PAGE] = 2; /* still writable after all the refusals */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, rw, 2 * PAGE), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, ro, PAGE), OK);
    sys_handle_close(v);
    return 0;
}

/* x86 pages are readable whenever they are present: a mapping without
 * MAP_READ (write- or execute-only, or no access) cannot be honoured, so it
 * is refused rather than silently readable. */
UTEST(vm_map_needs_read)
{
    handle_t v;
    UT_EQ(sys_vmo_create(PAGE, 0, &v), OK);
    UT_EQ(sys_vmo_write(v, code42, 0, 1), OK);
    uint64_t addr;
    UT_EQ(map(v, PAGE, MAP_WRITE, &addr), ERR_INVALID_ARGS);
    UT_EQ(map(v, PAGE, MAP_EXEC, &addr), ERR_INVALID_ARGS);
    UT_EQ(map(v, PAGE, MAP_READ | MAP_WRITE, &addr), OK);
    UT_EQ(*(volatile uint8_t *)addr, code42[0]);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, addr, PAGE, 0), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, addr, PAGE, MAP_WRITE), ERR_INVALID_ARGS);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, addr, PAGE, MAP_READ), OK);
    UT_EQ(sys_vm_protect(HANDLE_INVALID, addr, PAGE, MAP_READ | MAP_WRITE), OK);
    *(volatile uint8_t *)addr = 1;
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, PAGE), OK);
    sys_handle_close(v);
    return 0;
}

/* ---- faults after unmap and protect (children) -------------------------------- */

UCHILD(touch_after_unmap)
{
    handle_t v;
    uint64_t addr;
    if (sys_vmo_create(PAGE, 0, &v) != OK || map(v, PAGE, MAP_READ | MAP_WRITE, &addr) != OK)
        return 1;
    *(volatile int *)addr = 1;
    if (sys_vm_unmap(HANDLE_INVALID, addr, PAGE) != OK)
        return 2;
    ut_arm(chan);
    return *(volatile int *)addr;
}

UCHILD(write_after_protect)
{
    handle_t v;
    uint64_t addr;
    if (sys_vmo_create(PAGE, 0, &v) != OK || map(v, PAGE, MAP_READ | MAP_WRITE, &addr) != OK)
        return 1;
    *(volatile int *)addr = 7;
    if (sys_vm_protect(HANDLE_INVALID, addr, PAGE, MAP_READ) != OK)
        return 2;
    if (*(volatile int *)addr != 7) /* still readable */
        return 3;
    ut_arm(chan);
    *(volatile int *)addr = 8;
    return 4;
}

UCHILD(exec_without_exec)
{
    handle_t v;
    uint64_t addr;
    if (sys_vmo_create(PAGE, 0, &v) != OK || sys_vmo_write(v, code42, 0, sizeof code42) != OK ||
        map(v, PAGE, MAP_READ, &addr) != OK)
        return 1;
    ut_arm(chan);
    return ((int (*)(void))(uintptr_t)addr)();
}

static const char *const vm_fault_children[] = {"touch_after_unmap", "write_after_protect", "exec_without_exec"};

UTEST(vm_faults_after_unmap_and_protect)
{
    for (size_t i = 0; i < sizeof vm_fault_children / sizeof vm_fault_children[0]; i++) {
        process_info_t info;
        bool armed;
        UT_EQ(ut_run_child(vm_fault_children[i], NULL, 0, &info, &armed), OK);
        if (!armed || info.exit_reason != PROCESS_FAULTED || info.exit_code != -15) {
            ut_printf("utest: %s: armed %d, reason %u, code %d", vm_fault_children[i], armed, info.exit_reason,
                      info.exit_code);
            UT_CHECK(!"the child died of a page fault");
        }
    }
    return 0;
}

/* ---- sharing and other processes --------------------------------------------- */

static const char parent_hello[] = "parent was here", child_hello[] = "child was here",
                  parent_again[] = "parent saw the child";

UCHILD(shared_vmo_child)
{
    if (ut_nextra != 1)
        return 1;
    uint64_t addr;
    if (map(ut_extra[0], PAGE, MAP_READ | MAP_WRITE, &addr) != OK)
        return 2;
    char *m = (char *)addr;
    if (memcmp(m, parent_hello, sizeof parent_hello) != 0)
        return 3;
    memcpy(m + 2048, child_hello, sizeof child_hello);
    ut_arm(chan);
    char go;
    if (ut_recv(chan, &go, 1, ut_deadline(UT_LONG_WAIT)) != 1)
        return 4;
    if (memcmp(m, parent_again, sizeof parent_again) != 0)
        return 5;
    return 0;
}

UTEST(vm_shared_between_processes)
{
    handle_t v, theirs, p, c;
    UT_EQ(sys_vmo_create(PAGE, 0, &v), OK);
    uint64_t addr;
    UT_EQ(map(v, PAGE, MAP_READ | MAP_WRITE, &addr), OK);
    char *m = (char *)addr;
    memcpy(m, parent_hello, sizeof parent_hello);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_TRANSFER, &theirs), OK);
    UT_EQ(utest_spawn("shared_vmo_child", &p, &c, &theirs, 1), OK);
    char a = 0;
    UT_EQ(ut_recv(c, &a, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(memcmp(m + 2048, child_hello, sizeof child_hello), 0);
    memcpy(m, parent_again, sizeof parent_again);
    UT_EQ(sys_chan_write(c, &a, 1, NULL, 0), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 0);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, PAGE), OK);
    sys_handle_close(c);
    sys_handle_close(p);
    sys_handle_close(v);
    return 0;
}

/* Mapping into another process takes RIGHT_MANAGE on its handle; a dead
 * process has no address space left to map into. */
UTEST(vm_map_into_other_process)
{
    static const process_quota_t q = {1 << 20, 16, 4};
    const uint64_t other_va = FIXED_VA + 2 * GIB;
    handle_t p, weak, v;
    UT_EQ(sys_process_create("target", &q, &p), OK);
    UT_EQ(sys_handle_dup(p, RIGHT_READ | RIGHT_WAIT, &weak), OK);
    UT_EQ(sys_vmo_create(PAGE, 0, &v), OK);
    uint64_t addr = other_va;
    UT_EQ(sys_vm_map(weak, v, 0, PAGE, MAP_READ | MAP_FIXED, &addr), ERR_ACCESS_DENIED);
    UT_EQ(sys_vm_map(p, v, 0, PAGE, MAP_READ | MAP_WRITE | MAP_FIXED, &addr), OK);
    UT_EQ(addr, other_va);
    UT_EQ(sys_vm_protect(weak, other_va, PAGE, MAP_READ), ERR_ACCESS_DENIED);
    UT_EQ(sys_vm_protect(p, other_va, PAGE, MAP_READ), OK);
    UT_EQ(sys_vm_unmap(weak, other_va, PAGE), ERR_ACCESS_DENIED);
    /* Its address space, not ours. */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, other_va, PAGE), ERR_NOT_FOUND);
    UT_EQ(sys_vm_unmap(p, other_va, PAGE), OK);
    UT_EQ(sys_vm_unmap(p, other_va, PAGE), ERR_NOT_FOUND);
    UT_EQ(sys_process_kill(p), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_KILLED);
    UT_EQ(sys_vm_map(p, v, 0, PAGE, MAP_READ | MAP_FIXED, &addr), ERR_BAD_STATE);
    UT_EQ(sys_vm_unmap(p, other_va, PAGE), ERR_BAD_STATE);
    UT_EQ(sys_vm_protect(p, other_va, PAGE, MAP_READ), ERR_BAD_STATE);
    sys_handle_close(v);
    sys_handle_close(weak);
    sys_handle_close(p);
    return 0;
}

/* ---- the memory quota ---------------------------------------------------------- */

#define MIB (1ull << 20)
#define QUOTA_MIB 64 /* utest_spawn's memory quota */

enum { QUOTA_FULL = 1, QUOTA_FREED };

/* Create 1 MiB vmos until the quota runs out, tell the parent, free them
 * all, tell it again, and show the whole quota is usable once more. */
UCHILD(memory_quota)
{
    static handle_t v[QUOTA_MIB + 1];
    int n = 0, err = OK;
    while (n <= QUOTA_MIB && (err = (int)sys_vmo_create(MIB, 0, &v[n])) == OK)
        n++;
    if (n != QUOTA_MIB)
        return 100 + n;
    if (err != ERR_NO_RESOURCES)
        return 2;
    handle_t extra;
    if (sys_vmo_create(1, 0, &extra) != ERR_NO_RESOURCES)
        return 3;
    char msg = QUOTA_FULL, go;
    sys_chan_write(chan, &msg, 1, NULL, 0);
    if (ut_recv(chan, &go, 1, ut_deadline(UT_LONG_WAIT)) != 1)
        return 4;
    for (int i = 0; i < n; i++)
        sys_handle_close(v[i]);
    /* A vmo whose handle cannot be returned is not kept (nor charged:
     * the parent checks, and so does the last create below). */
    if (sys_vmo_create(QUOTA_MIB * MIB, 0, (handle_t *)KERNEL_ADDR) != ERR_BAD_ADDRESS)
        return 5;
    msg = QUOTA_FREED;
    sys_chan_write(chan, &msg, 1, NULL, 0);
    if (ut_recv(chan, &go, 1, ut_deadline(UT_LONG_WAIT)) != 1)
        return 6;
    if (sys_vmo_create(QUOTA_MIB * MIB + 1, 0, &extra) != ERR_NO_RESOURCES)
        return 7;
    if (sys_vmo_create(QUOTA_MIB * MIB, 0, &extra) != OK) /* all of it, in one piece */
        return 8;
    sys_handle_close(extra);
    return 0;
}

UTEST(memory_quota_exhausted_and_returned)
{
    handle_t p, c;
    UT_EQ(utest_spawn("memory_quota", &p, &c, NULL, 0), OK);
    char msg = 0;
    process_info_t info;
    UT_EQ(ut_recv(c, &msg, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(msg, QUOTA_FULL);
    UT_EQ(sys_process_info(p, &info), OK);
    UT_EQ(info.memory_bytes, QUOTA_MIB * MIB);
    UT_EQ(sys_chan_write(c, &msg, 1, NULL, 0), OK);
    UT_EQ(ut_recv(c, &msg, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(msg, QUOTA_FREED);
    UT_EQ(sys_process_info(p, &info), OK);
    UT_EQ(info.memory_bytes, 0);
    UT_EQ(sys_chan_write(c, &msg, 1, NULL, 0), OK);
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 0);
    UT_EQ(info.memory_bytes, 0);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}
