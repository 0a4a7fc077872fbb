/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The observation calls: process_handle_info (walking another process's
 * handle table: what it holds, every error in the documented order) and
 * system_info (the counters move with what the test does: a process and
 * its thread appear and go, a vmo takes free memory).
 */
#include "lib/kstring.h"
#include "uhelp.h"

#define KERNEL_ADDR 0xffffffff80100000ull

static const process_quota_t small_quota = {1 << 20, 16, 4};

/* ---- process_handle_info ------------------------------------------------- */

UTEST(process_handle_info_walks_a_child)
{
    handle_t p, c, v, give;
    handle_info_t vi;
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_info(v, &vi), OK);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP | RIGHT_TRANSFER, &give), OK);
    UT_EQ(utest_spawn("block_forever", &p, &c, &give, 1), OK);
    char a;
    UT_EQ(ut_recv(c, &a, 1, ut_deadline(UT_LONG_WAIT)), 1); /* it has read its bootstrap message */

    process_info_t info;
    UT_EQ(sys_process_info(p, &info), OK);
    process_handle_info_t e;
    uint32_t seen = 0, channels = 0, cursor = 0;
    bool found_vmo = false;
    int64_t next;
    while ((next = sys_process_handle_info(p, cursor, &e)) > 0) {
        UT_CHECK(next > cursor);
        UT_CHECK(e.value != HANDLE_INVALID);
        UT_EQ(e.value & 0xffffu, (uint32_t)next - 1); /* the slot described */
        UT_EQ(e.reserved, 0);
        if (e.kind == KIND_CHANNEL)
            channels++;
        if (e.object_id == vi.object_id) {
            UT_EQ(e.kind, KIND_VMO);
            UT_EQ(e.rights, RIGHT_READ | RIGHT_MAP | RIGHT_TRANSFER);
            found_vmo = true;
        }
        cursor = (uint32_t)next;
        seen++;
    }
    UT_EQ(next, ERR_NOT_FOUND);
    UT_EQ(seen, info.handles); /* its bootstrap channel, the utest image, our vmo */
    UT_EQ(seen, 3);
    UT_EQ(channels, 1);
    UT_CHECK(found_vmo);
    /* Past the last slot in use, and at the very end of the table. */
    UT_EQ(sys_process_handle_info(p, cursor, &e), ERR_NOT_FOUND);
    UT_EQ(sys_process_handle_info(p, 65536, &e), ERR_NOT_FOUND);

    /* A finished process holds nothing. */
    UT_EQ(sys_process_kill(p), OK);
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(sys_process_handle_info(p, 0, &e), ERR_NOT_FOUND);
    sys_handle_close(c);
    sys_handle_close(p);
    sys_handle_close(v);
    return 0;
}

UTEST(process_handle_info_errors)
{
    handle_t p, weak, v, ro;
    process_handle_info_t e;
    UT_EQ(sys_process_create("empty", &small_quota, &p), OK);
    UT_EQ(sys_process_handle_info(p, 0, &e), ERR_NOT_FOUND); /* an empty table */
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_handle_dup(p, RIGHT_WAIT | RIGHT_MANAGE, &weak), OK);
    UT_EQ(sys_process_handle_info(0x7fff1234, 0, &e), ERR_BAD_HANDLE);
    UT_EQ(sys_process_handle_info(HANDLE_INVALID, 0, &e), ERR_BAD_HANDLE);
    UT_EQ(sys_process_handle_info(v, 0, &e), ERR_WRONG_TYPE);
    UT_EQ(sys_process_handle_info(weak, 0, &e), ERR_ACCESS_DENIED);
    UT_EQ(sys_process_handle_info(p, 65537, &e), ERR_OUT_OF_RANGE);
    UT_EQ(sys_process_handle_info(p, UINT32_MAX, &e), ERR_OUT_OF_RANGE);
    /* The handle checks come before the cursor check. */
    UT_EQ(sys_process_handle_info(weak, 65537, &e), ERR_ACCESS_DENIED);

    /* A bad pointer is found when there is something to write: in a live
     * child's table. */
    sys_handle_close(p);
    handle_t c, give;
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_TRANSFER, &give), OK);
    UT_EQ(utest_spawn("block_forever", &p, &c, &give, 1), OK);
    char a;
    UT_EQ(ut_recv(c, &a, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(sys_process_handle_info(p, 0, (process_handle_info_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    UT_EQ(sys_process_handle_info(p, 0, (process_handle_info_t *)0x1000), ERR_BAD_ADDRESS);
    uint64_t addr = 0;
    UT_EQ(sys_vmo_create(4096, 0, &ro), OK);
    UT_EQ(sys_vm_map(HANDLE_INVALID, ro, 0, 4096, MAP_READ, &addr), OK);
    UT_EQ(sys_process_handle_info(p, 0, (process_handle_info_t *)(uintptr_t)addr), ERR_BAD_ADDRESS);
    UT_EQ(sys_process_handle_info(p, 0, &e), 1 + (e.value & 0xffffu)); /* still works */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 4096), OK);
    UT_EQ(sys_process_kill(p), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    sys_handle_close(ro);
    sys_handle_close(c);
    sys_handle_close(p);
    sys_handle_close(weak);
    sys_handle_close(v);
    return 0;
}

/* ---- system_info ------------------------------------------------------------ */

UTEST(system_info_counts)
{
    system_info_t a, b;
    UT_EQ(sys_system_info(&a), OK);
    UT_CHECK(a.mem_total > 0);
    UT_CHECK(a.mem_free > 0 && a.mem_free <= a.mem_total);
    UT_CHECK(a.kheap_bytes > 0 && a.kheap_bytes < a.mem_total);
    UT_CHECK(a.cpus >= 1);
    UT_CHECK(a.uptime_ns > 0);
    UT_CHECK(a.processes >= 1); /* this one */
    UT_CHECK(a.threads >= 1);
    UT_EQ(a.reserved, 0);

    /* A running child adds one process and one thread; its end takes them
     * away again (SIG_TERMINATED comes after it is counted out). */
    handle_t p, c;
    UT_EQ(utest_spawn("block_forever", &p, &c, NULL, 0), OK);
    char x;
    UT_EQ(ut_recv(c, &x, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(sys_system_info(&b), OK);
    UT_EQ(b.processes, a.processes + 1);
    UT_EQ(b.threads, a.threads + 1);
    UT_CHECK(b.uptime_ns >= a.uptime_ns);
    UT_EQ(b.mem_total, a.mem_total);
    UT_EQ(b.cpus, a.cpus);
    UT_EQ(sys_process_kill(p), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(sys_system_info(&b), OK);
    UT_EQ(b.processes, a.processes);
    UT_EQ(b.threads, a.threads);
    sys_handle_close(c);
    sys_handle_close(p);

    /* A process never started counts until its last handle goes. */
    UT_EQ(sys_process_create("unstarted", &small_quota, &p), OK);
    UT_EQ(sys_system_info(&b), OK);
    UT_EQ(b.processes, a.processes + 1);
    UT_EQ(b.threads, a.threads);
    sys_handle_close(p);
    UT_EQ(sys_system_info(&b), OK);
    UT_EQ(b.processes, a.processes);

    /* 4 MiB of vmo come out of free memory. */
    handle_t v;
    UT_EQ(sys_system_info(&a), OK);
    UT_EQ(sys_vmo_create(4u << 20, 0, &v), OK);
    UT_EQ(sys_system_info(&b), OK);
    UT_CHECK(b.mem_free + (2u << 20) <= a.mem_free);
    sys_handle_close(v);
    return 0;
}

UTEST(system_info_errors)
{
    handle_t v;
    uint64_t addr = 0;
    UT_EQ(sys_system_info((system_info_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    UT_EQ(sys_system_info((system_info_t *)0x1000), ERR_BAD_ADDRESS);
    UT_EQ(sys_system_info(NULL), ERR_BAD_ADDRESS);
    UT_EQ(sys_vmo_create(4096, 0, &v), OK);
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 4096, MAP_READ, &addr), OK);
    UT_EQ(sys_system_info((system_info_t *)(uintptr_t)addr), ERR_BAD_ADDRESS); /* read-only */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 4096), OK);
    sys_handle_close(v);
    return 0;
}
