/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The first system tests: the syscall path itself, bad pointers, and the
 * life of a child process (exit status, faults that end only the child).
 */
#include "lib/kstring.h"
#include "utest.h"

UTEST(null_syscall)
{
    UT_EQ(sys_null(), OK);
    UT_EQ(syscall6(SYS_COUNT, 0, 0, 0, 0, 0, 0), ERR_NOT_SUPPORTED);
    UT_EQ(syscall6(~0ull, 0, 0, 0, 0, 0, 0), ERR_NOT_SUPPORTED);
    return 0;
}

/* A user pointer that is unmapped, in the kernel, or straddles the end of
 * user space gets ERR_BAD_ADDRESS, never a kernel fault. */
UTEST(bad_user_pointers)
{
    UT_EQ(sys_debug_write((const char *)0x1000, 4), ERR_BAD_ADDRESS);          /* below user space */
    UT_EQ(sys_debug_write((const char *)0x50000000, 4), ERR_BAD_ADDRESS);      /* unmapped */
    UT_EQ(sys_debug_write((const char *)0xffffffff80100000ull, 4), ERR_BAD_ADDRESS); /* kernel text */
    UT_EQ(sys_debug_write((const char *)0x00007ffffffffffeull, 4), ERR_BAD_ADDRESS); /* straddles the top */
    UT_EQ(sys_debug_write("x", 100000), ERR_OUT_OF_RANGE);
    handle_t a, b;
    UT_EQ(sys_chan_create((handle_t *)0xffff800000000000ull, &b), ERR_BAD_ADDRESS);
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_handle_close(b), OK);
    return 0;
}

UCHILD(exit7)
{
    (void)chan;
    return 7;
}

UTEST(child_exit_status)
{
    handle_t p, c;
    UT_EQ(utest_spawn("exit7", &p, &c, NULL, 0), OK);
    process_info_t info;
    UT_EQ(utest_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 7);
    UT_EQ(info.threads, 0);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}

UCHILD(null_deref)
{
    (void)chan;
    return *(volatile int *)0;
}

UTEST(child_fault_kills_only_child)
{
    handle_t p, c;
    UT_EQ(utest_spawn("null_deref", &p, &c, NULL, 0), OK);
    process_info_t info;
    UT_EQ(utest_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_FAULTED);
    UT_EQ(info.exit_code, -15); /* -(vector 14) - 1 */
    sys_handle_close(c);
    sys_handle_close(p);
    UT_EQ(sys_null(), OK); /* and we are still here */
    return 0;
}

/* A string argument is read only up to its terminator: a short name in
 * the last bytes of a mapping is fine, one without a terminator is not. */
UTEST(string_argument_at_end_of_mapping)
{
    handle_t v, p;
    uint64_t addr = 0;
    UT_EQ(sys_vmo_create(8192, 0, &v), OK);
    /* Two pages, then unmap the second: the first surely ends at a hole. */
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 8192, MAP_READ | MAP_WRITE, &addr), OK);
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 8192), OK);
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 4096, MAP_READ | MAP_WRITE | MAP_FIXED, &addr), OK);
    char *name = (char *)addr + 4096 - 4;
    memcpy(name, "abc", 4);
    process_quota_t q = {1 << 20, 16, 1};
    UT_EQ(sys_process_create(name, &q, &p), OK);
    UT_EQ(sys_handle_close(p), OK);
    memcpy(name, "abcd", 4); /* runs into the unmapped page after it */
    UT_EQ(sys_process_create(name, &q, &p), ERR_BAD_ADDRESS);
    memset((char *)addr, 'x', 64);
    UT_EQ(sys_process_create((char *)addr, &q, &p), ERR_INVALID_ARGS); /* no terminator in 32 bytes */
    UT_EQ(sys_vm_unmap(HANDLE_INVALID, addr, 4096), OK);
    UT_EQ(sys_handle_close(v), OK);
    return 0;
}

/* A chain of channels, each end queued in the next channel, is destroyed
 * link by link when its head goes: the kernel must not recurse once per
 * link (it would run off its stack: a user-triggered panic). */
UTEST(destroying_a_long_chain_does_not_recurse)
{
    handle_t head = HANDLE_INVALID;
    for (int i = 0; i < 3000; i++) {
        handle_t a, b;
        UT_EQ(sys_chan_create(&a, &b), OK);
        if (head != HANDLE_INVALID)
            UT_EQ(sys_chan_write(b, NULL, 0, &head, 1), OK);
        UT_EQ(sys_handle_close(b), OK);
        head = a;
    }
    UT_EQ(sys_handle_close(head), OK);
    UT_EQ(sys_null(), OK); /* still alive */
    return 0;
}
