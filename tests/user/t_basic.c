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
