/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Process and thread system calls: creation and its quota checks, start,
 * info, kill (of a blocked child and of one spinning on another CPU), exit,
 * threads in the caller and in a child, the FS base, per-thread FPU state,
 * the thread quota, and user faults of every kind ending only the offender
 * with the exit code -(vector)-1.
 */
#include "lib/kstring.h"
#include "uhelp.h"

#define KERNEL_ADDR 0xffffffff80100000ull

static const process_quota_t small_quota = {1 << 20, 16, 4};

/* ---- process_create ------------------------------------------------------ */

UTEST(process_create_errors)
{
    handle_t p;
    char long_name[PROCESS_NAME_MAX];
    memset(long_name, 'x', sizeof long_name); /* no terminator within the limit */
    UT_EQ(sys_process_create(long_name, &small_quota, &p), ERR_INVALID_ARGS);
    UT_EQ(sys_process_create((const char *)KERNEL_ADDR, &small_quota, &p), ERR_BAD_ADDRESS);
    UT_EQ(sys_process_create("q", (const process_quota_t *)0x1000, &p), ERR_BAD_ADDRESS);
    UT_EQ(sys_process_create("q", &small_quota, (handle_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    process_quota_t q = small_quota;
    q.threads = 0;
    UT_EQ(sys_process_create("q", &q, &p), ERR_OUT_OF_RANGE);
    q = small_quota;
    q.handles = 0;
    UT_EQ(sys_process_create("q", &q, &p), ERR_OUT_OF_RANGE);
    q = small_quota;
    q.memory_bytes = UINT64_MAX;
    UT_EQ(sys_process_create("q", &q, &p), ERR_OUT_OF_RANGE);
    q = small_quota;
    q.handles = UINT32_MAX;
    UT_EQ(sys_process_create("q", &q, &p), ERR_OUT_OF_RANGE);
    q = small_quota;
    q.threads = UINT32_MAX;
    UT_EQ(sys_process_create("q", &q, &p), ERR_OUT_OF_RANGE);
    long_name[PROCESS_NAME_MAX - 1] = '\0'; /* the longest name that fits */
    UT_EQ(sys_process_create(long_name, &small_quota, &p), OK);
    handle_info_t hi;
    UT_EQ(sys_handle_info(p, &hi), OK);
    UT_EQ(hi.kind, KIND_PROCESS);
    UT_CHECK((hi.rights & (RIGHT_READ | RIGHT_MANAGE | RIGHT_WAIT)) == (RIGHT_READ | RIGHT_MANAGE | RIGHT_WAIT));
    process_info_t info;
    UT_EQ(sys_process_info(p, &info), OK);
    UT_EQ(strcmp(info.name, long_name), 0);
    UT_EQ(info.exit_reason, PROCESS_RUNNING);
    UT_EQ(info.threads, 0);
    UT_EQ(sys_handle_close(p), OK);
    return 0;
}

/* A child's quotas are at most its creator's: the child (64 MiB, 256
 * handles, 64 threads from utest_spawn) may hand out exactly those. */
UCHILD(quota_above_creator)
{
    (void)chan;
    process_quota_t q = {64ull << 20, 256, 64};
    handle_t p;
    if (sys_process_create("grandchild", &q, &p) != OK)
        return 1;
    sys_handle_close(p);
    q.memory_bytes++;
    if (sys_process_create("grandchild", &q, &p) != ERR_OUT_OF_RANGE)
        return 2;
    q = (process_quota_t){64ull << 20, 257, 64};
    if (sys_process_create("grandchild", &q, &p) != ERR_OUT_OF_RANGE)
        return 3;
    q = (process_quota_t){64ull << 20, 256, 65};
    if (sys_process_create("grandchild", &q, &p) != ERR_OUT_OF_RANGE)
        return 4;
    return 0;
}

UTEST(process_quota_at_most_creators)
{
    process_info_t info;
    bool armed;
    UT_EQ(ut_run_child("quota_above_creator", NULL, 0, &info, &armed), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 0);
    return 0;
}

/* ---- process_start --------------------------------------------------------- */

UCHILD(block_forever)
{
    ut_arm(chan);
    uint32_t seen;
    sys_object_wait(chan, SIG_READABLE, DEADLINE_INFINITE, &seen); /* the parent never writes */
    return 50;
}

UTEST(process_start_errors)
{
    handle_t p, c, weak, a, b;
    UT_EQ(utest_spawn("block_forever", &p, &c, NULL, 0), OK);
    UT_EQ(sys_process_start(p, 0x400000, 0x20000, HANDLE_INVALID), ERR_BAD_STATE); /* started already */
    UT_EQ(sys_process_kill(p), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(sys_process_start(p, 0x400000, 0x20000, HANDLE_INVALID), ERR_BAD_STATE); /* dead */
    sys_handle_close(c);
    sys_handle_close(p);

    UT_EQ(sys_process_create("unstarted", &small_quota, &p), OK);
    UT_EQ(sys_handle_dup(p, RIGHT_READ | RIGHT_WAIT, &weak), OK);
    UT_EQ(sys_process_start(weak, 0x400000, 0x20000, HANDLE_INVALID), ERR_ACCESS_DENIED);
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_process_start(a, 0x400000, 0x20000, HANDLE_INVALID), ERR_WRONG_TYPE);
    UT_EQ(sys_process_start(0x7fff1234, 0x400000, 0x20000, HANDLE_INVALID), ERR_BAD_HANDLE);
    UT_EQ(sys_process_start(p, 0, 0x20000, HANDLE_INVALID), ERR_INVALID_ARGS);          /* entry */
    UT_EQ(sys_process_start(p, KERNEL_ADDR, 0x20000, HANDLE_INVALID), ERR_INVALID_ARGS);
    UT_EQ(sys_process_start(p, 0x400000, KERNEL_ADDR, HANDLE_INVALID), ERR_INVALID_ARGS); /* stack */
    UT_EQ(sys_process_start(p, 0x400000, 0x20000, 0x7fff1234), ERR_BAD_HANDLE);             /* argument */
    /* A failed start with an argument leaves the handle with its owner. */
    UT_EQ(sys_process_start(p, 0, 0x20000, b), ERR_INVALID_ARGS);
    handle_info_t hi;
    UT_EQ(sys_handle_info(b, &hi), OK);
    UT_EQ(hi.kind, KIND_CHANNEL);
    /* Still startable after all that: with nothing mapped it faults at once. */
    UT_EQ(sys_process_start(p, 0x400000, 0x20000, b), OK);
    UT_EQ(sys_handle_info(b, &hi), ERR_BAD_HANDLE); /* moved into the child */
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_FAULTED);
    UT_EQ(info.exit_code, -15);
    sys_handle_close(a);
    sys_handle_close(weak);
    sys_handle_close(p);
    return 0;
}

/* ---- process_info, exit, kill ---------------------------------------------- */

UTEST(process_info_running_and_errors)
{
    handle_t p, c, weak, vmo;
    UT_EQ(utest_spawn("block_forever", &p, &c, NULL, 0), OK);
    char a;
    UT_EQ(ut_recv(c, &a, 1, ut_deadline(UT_LONG_WAIT)), 1);
    process_info_t info;
    UT_EQ(sys_process_info(p, &info), OK);
    UT_EQ(strcmp(info.name, "block_forever"), 0);
    UT_EQ(info.exit_reason, PROCESS_RUNNING);
    UT_EQ(info.threads, 1);
    UT_EQ(info.handles, 2); /* its bootstrap channel and the utest image */
    UT_EQ(info.memory_bytes, 0); /* its image and stack are charged to us */
    UT_EQ(sys_process_info(p, (process_info_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    UT_EQ(sys_process_info(0x7fff1234, &info), ERR_BAD_HANDLE);
    UT_EQ(sys_handle_dup(p, RIGHT_WAIT, &weak), OK);
    UT_EQ(sys_process_info(weak, &info), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create(4096, 0, &vmo), OK);
    UT_EQ(sys_process_info(vmo, &info), ERR_WRONG_TYPE);
    UT_EQ(sys_process_kill(p), OK);
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_KILLED);
    UT_EQ(info.exit_code, -1);
    UT_EQ(info.threads, 0);
    UT_EQ(info.handles, 0);
    sys_handle_close(vmo);
    sys_handle_close(weak);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}

UCHILD(exit_negative)
{
    (void)chan;
    sys_process_exit(-12345);
    return 1; /* not reached */
}

UCHILD(last_thread_exits)
{
    (void)chan;
    sys_thread_exit(5); /* the process ends with its last thread: exited, 0 */
    return 1;
}

UTEST(process_exit_status)
{
    process_info_t info;
    bool armed;
    UT_EQ(ut_run_child("exit_negative", NULL, 0, &info, &armed), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, -12345);
    UT_EQ(info.threads, 0);
    UT_EQ(ut_run_child("last_thread_exits", NULL, 0, &info, &armed), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 0);
    return 0;
}

UTEST(process_kill_blocked_child)
{
    handle_t p, c, weak, a, b;
    UT_EQ(utest_spawn("block_forever", &p, &c, NULL, 0), OK);
    char armed;
    UT_EQ(ut_recv(c, &armed, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(sys_handle_dup(p, RIGHT_READ | RIGHT_WAIT, &weak), OK);
    UT_EQ(sys_process_kill(weak), ERR_ACCESS_DENIED);
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_process_kill(a), ERR_WRONG_TYPE);
    UT_EQ(sys_process_kill(0x7fff1234), ERR_BAD_HANDLE);
    process_info_t info;
    UT_EQ(sys_process_info(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_RUNNING); /* the refused kills did nothing */
    UT_EQ(sys_process_kill(p), OK);
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_KILLED);
    UT_EQ(info.exit_code, -1);
    UT_EQ(sys_process_kill(p), OK); /* killing the dead changes nothing */
    UT_EQ(sys_process_info(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_KILLED);
    uint32_t seen;
    UT_EQ(sys_object_wait(c, SIG_PEER_CLOSED, ut_deadline(UT_LONG_WAIT), &seen), OK); /* its handles closed */
    sys_handle_close(a);
    sys_handle_close(b);
    sys_handle_close(weak);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}

UCHILD(spin_forever)
{
    ut_arm(chan);
    for (volatile uint64_t i = 0;; i++)
        ;
    return 1;
}

/* The killer keeps its own CPU busy meanwhile, so with several CPUs the
 * victim is running on another one when the kill arrives (an IPI). */
UTEST(process_kill_spinning_child)
{
    handle_t p, c;
    UT_EQ(utest_spawn("spin_forever", &p, &c, NULL, 0), OK);
    char armed;
    UT_EQ(ut_recv(c, &armed, 1, ut_deadline(UT_LONG_WAIT)), 1);
    for (uint64_t until = ut_deadline(20 * UT_MS); ut_now() < until;)
        ;
    UT_EQ(sys_process_kill(p), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_KILLED);
    UT_EQ(info.exit_code, -1);
    UT_EQ(info.threads, 0);
    UT_CHECK(info.cpu_ns > 0);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}

/* ---- threads ---------------------------------------------------------------- */

static int set_flag(void *arg)
{
    __atomic_store_n((volatile int *)arg, 42, __ATOMIC_SEQ_CST);
    return 0;
}

UTEST(thread_create_in_self)
{
    static volatile int flag;
    flag = 0;
    ut_thread_t t;
    UT_EQ(ut_thread_start(&t, set_flag, (void *)&flag), OK);
    handle_info_t hi;
    UT_EQ(sys_handle_info(t.handle, &hi), OK);
    UT_EQ(hi.kind, KIND_THREAD);
    uint32_t seen = 0;
    UT_EQ(sys_object_wait(t.handle, SIG_TERMINATED, ut_deadline(UT_LONG_WAIT), &seen), OK);
    UT_CHECK(seen & SIG_TERMINATED);
    UT_EQ(flag, 42);
    UT_EQ(ut_thread_join(&t), OK);
    return 0;
}

/* A process that keeps a handle to one of its own threads, ended or not,
 * still ends when its threads do. */
UCHILD(keeps_thread_handle)
{
    static volatile int flag;
    ut_thread_t t;
    if (ut_thread_start(&t, set_flag, (void *)&flag) != OK)
        return 1;
    uint32_t seen;
    if (sys_object_wait(t.handle, SIG_TERMINATED, ut_deadline(UT_LONG_WAIT), &seen) != OK)
        return 2;
    ut_arm(chan);
    return 9; /* with t.handle still open */
}

UTEST(process_ends_with_own_thread_handle_open)
{
    process_info_t info;
    bool armed;
    UT_EQ(ut_run_child("keeps_thread_handle", NULL, 0, &info, &armed), OK);
    UT_CHECK(armed);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 9);
    UT_EQ(info.threads, 0);
    return 0;
}

static int exit_process_11(void *arg)
{
    (void)arg;
    sys_process_exit(11);
    return 0;
}

/* process_exit from a second thread ends the blocked main thread too. */
UCHILD(exit_from_second_thread)
{
    ut_thread_t t;
    if (ut_thread_start(&t, exit_process_11, NULL) != OK)
        return 1;
    uint32_t seen;
    sys_object_wait(chan, SIG_READABLE, DEADLINE_INFINITE, &seen);
    return 2;
}

UTEST(process_exit_from_second_thread)
{
    process_info_t info;
    bool armed;
    UT_EQ(ut_run_child("exit_from_second_thread", NULL, 0, &info, &armed), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 11);
    UT_EQ(info.threads, 0);
    return 0;
}

UTEST(thread_create_errors)
{
    handle_t p, weak, vmo, t;
    uint64_t entry = (uint64_t)(uintptr_t)set_flag, stack = 0x20000;
    UT_EQ(sys_process_create("unstarted", &small_quota, &p), OK);
    UT_EQ(sys_thread_create(p, entry, stack, 0, &t), ERR_BAD_STATE); /* not started */
    UT_EQ(sys_handle_dup(p, RIGHT_READ | RIGHT_WAIT, &weak), OK);
    UT_EQ(sys_thread_create(weak, entry, stack, 0, &t), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create(4096, 0, &vmo), OK);
    UT_EQ(sys_thread_create(vmo, entry, stack, 0, &t), ERR_WRONG_TYPE);
    UT_EQ(sys_thread_create(0x7fff1234, entry, stack, 0, &t), ERR_BAD_HANDLE);
    UT_EQ(sys_thread_create(HANDLE_INVALID, 0, stack, 0, &t), ERR_INVALID_ARGS);
    UT_EQ(sys_thread_create(HANDLE_INVALID, KERNEL_ADDR, stack, 0, &t), ERR_INVALID_ARGS);
    UT_EQ(sys_thread_create(HANDLE_INVALID, entry, KERNEL_ADDR, 0, &t), ERR_INVALID_ARGS);
    UT_EQ(sys_thread_create(HANDLE_INVALID, entry, 0, 0, &t), ERR_INVALID_ARGS);
    /* A bad result pointer: the thread is never started. */
    UT_EQ(sys_thread_create(HANDLE_INVALID, entry, stack, 0, (handle_t *)KERNEL_ADDR), ERR_BAD_ADDRESS);
    sys_handle_close(weak);
    sys_handle_close(vmo);
    sys_handle_close(p);

    /* A dead process takes no new threads. */
    handle_t c;
    UT_EQ(utest_spawn("block_forever", &p, &c, NULL, 0), OK);
    UT_EQ(sys_process_kill(p), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(sys_thread_create(p, entry, stack, 0, &t), ERR_BAD_STATE);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}

/* Runs as a thread created by the parent inside a block_forever child (the
 * same image, so the same address). */
static void __attribute__((noreturn)) remote_exit77(uint64_t arg)
{
    sys_process_exit((int)arg);
    __builtin_unreachable();
}

UTEST(thread_create_in_child)
{
    handle_t p, c, v;
    UT_EQ(utest_spawn("block_forever", &p, &c, NULL, 0), OK);
    char a;
    UT_EQ(ut_recv(c, &a, 1, ut_deadline(UT_LONG_WAIT)), 1);
    UT_EQ(sys_vmo_create(UT_THREAD_STACK, 0, &v), OK);
    uint64_t stack = 0x30000000;
    UT_EQ(sys_vm_map(p, v, 0, UT_THREAD_STACK, MAP_READ | MAP_WRITE | MAP_FIXED, &stack), OK);
    handle_t t;
    UT_EQ(sys_thread_create(p, (uint64_t)(uintptr_t)remote_exit77, stack + UT_THREAD_STACK - 8, 77, &t), OK);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 77);
    uint32_t seen;
    UT_EQ(sys_object_wait(t, SIG_TERMINATED, ut_deadline(UT_LONG_WAIT), &seen), OK);
    sys_handle_close(t);
    sys_handle_close(v);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}

/* Threads that wait until their gate (a channel end) turns readable. */
static int wait_gate(void *arg)
{
    uint32_t seen;
    return (int)sys_object_wait((handle_t)(uintptr_t)arg, SIG_READABLE, DEADLINE_INFINITE, &seen);
}

/* Fill the thread quota with gated threads: exactly `want` fit. */
static int fill_thread_quota(ut_thread_t *t, int want)
{
    handle_t gate, opener;
    if (sys_chan_create(&gate, &opener) != OK)
        return 1;
    int n = 0, err = OK;
    while (n <= want && (err = ut_thread_start(&t[n], wait_gate, (void *)(uintptr_t)gate)) == OK)
        n++;
    if (n != want)
        return 100 + n;
    if (err != ERR_NO_RESOURCES)
        return 2;
    char go = 1;
    if (sys_chan_write(opener, &go, 1, NULL, 0) != OK) /* everyone may end now */
        return 3;
    for (int i = 0; i < n; i++)
        if (ut_thread_join(&t[i]) != OK)
            return 4;
    sys_handle_close(opener);
    sys_handle_close(gate);
    return 0;
}

/* Thread quota 64 (utest_spawn): the main thread and 63 more, then
 * ERR_NO_RESOURCES; threads that have ended give their places back. */
UCHILD(thread_quota)
{
    (void)chan;
    static ut_thread_t t[64];
    for (int round = 0; round < 3; round++) {
        int err = fill_thread_quota(t, 63);
        if (err != 0)
            return err + 1000 * round;
    }
    return 0;
}

UTEST(thread_quota_exhausted_and_returned)
{
    process_info_t info;
    bool armed;
    UT_EQ(ut_run_child("thread_quota", NULL, 0, &info, &armed), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 0);
    UT_EQ(info.threads, 0);
    return 0;
}

/* ---- FS base ------------------------------------------------------------------ */

typedef struct tls_block {
    struct tls_block *self; /* %fs:0, as the x86_64 TLS ABI has it */
    uint64_t value;
} tls_block_t;

static uint64_t read_fs0(void)
{
    uint64_t v;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(v));
    return v;
}

static int fs_thread(void *arg)
{
    tls_block_t *b = arg;
    b->self = b;
    if (sys_thread_set_fs((uint64_t)(uintptr_t)b) != OK)
        return 1;
    for (int i = 0; i < 200; i++) {
        if (read_fs0() != (uint64_t)(uintptr_t)b)
            __atomic_store_n(&b->value, 1, __ATOMIC_SEQ_CST);
        sys_thread_yield();
    }
    return 0;
}

UTEST(thread_set_fs)
{
    UT_EQ(sys_thread_set_fs(KERNEL_ADDR), ERR_BAD_ADDRESS);
    UT_EQ(sys_thread_set_fs(0x00007ffffffffffcull), ERR_BAD_ADDRESS); /* straddles the top */
    UT_EQ(sys_thread_set_fs(0x8000000000000000ull), ERR_BAD_ADDRESS); /* non-canonical */
    static tls_block_t mine, theirs[3];
    mine.self = &mine;
    UT_EQ(sys_thread_set_fs((uint64_t)(uintptr_t)&mine), OK);
    UT_EQ(read_fs0(), (uint64_t)(uintptr_t)&mine);
    /* Each thread keeps its own across switches. */
    ut_thread_t t[3];
    for (int i = 0; i < 3; i++) {
        theirs[i].value = 0;
        UT_EQ(ut_thread_start(&t[i], fs_thread, &theirs[i]), OK);
    }
    for (int i = 0; i < 200; i++) {
        UT_EQ(read_fs0(), (uint64_t)(uintptr_t)&mine);
        sys_thread_yield();
    }
    for (int i = 0; i < 3; i++) {
        UT_EQ(ut_thread_join(&t[i]), OK);
        UT_EQ(theirs[i].value, 0);
    }
    sys_thread_sleep(ut_deadline(UT_MS));
    UT_EQ(read_fs0(), (uint64_t)(uintptr_t)&mine);
    UT_EQ(sys_thread_set_fs(0), OK);
    return 0;
}

/* ---- FPU state per thread ---------------------------------------------------- */

#define FPU_THREADS 12
#define FPU_ROUNDS 300

/*
 * Fill xmm1-15 with v, yield (a raw syscall: no compiler code in between
 * could use the registers), then count the registers that lost v.
 */
static int xmm_yield_check(uint64_t v)
{
    uint64_t bad;
    __asm__ volatile("movq %[v], %%xmm0\n\t"
                     "punpcklqdq %%xmm0, %%xmm0\n\t"
                     ".irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
                     "movdqa %%xmm0, %%xmm\\r\n\t"
                     ".endr\n\t"
                     "movl %[nr], %%eax\n\t"
                     "syscall\n\t"
                     "movq %[v], %%xmm0\n\t"
                     "punpcklqdq %%xmm0, %%xmm0\n\t"
                     "xorl %k[bad], %k[bad]\n\t"
                     ".irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
                     "pcmpeqb %%xmm0, %%xmm\\r\n\t"
                     "pmovmskb %%xmm\\r, %%ecx\n\t"
                     "cmpl $0xffff, %%ecx\n\t"
                     "setne %%cl\n\t"
                     "movzbl %%cl, %%ecx\n\t"
                     "addl %%ecx, %k[bad]\n\t"
                     ".endr"
                     : [bad] "=&r"(bad)
                     : [v] "r"(v), [nr] "i"(SYS_thread_yield)
                     : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    return (int)bad;
}

typedef struct fpu_job {
    int id;
    int errors;
} fpu_job_t;

static int fpu_thread(void *arg)
{
    fpu_job_t *j = arg;
    uint64_t pattern = 0x0101010101010101ull * (uint64_t)(j->id + 1);
    double sum = 0, step = 1.0 / (j->id + 3);
    long double lsum = 0;
    uint32_t mxcsr = 0x1f80 | ((uint32_t)(j->id & 3) << 13); /* a rounding mode per thread */
    __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
    for (int i = 1; i <= FPU_ROUNDS; i++) {
        j->errors += xmm_yield_check(pattern);
        sum += step;
        lsum += (long double)j->id + 0.5L;
        uint32_t now;
        __asm__ volatile("stmxcsr %0" : "=m"(now));
        if ((now & ~0x3fu) != (mxcsr & ~0x3fu)) /* ignore sticky exception flags */
            j->errors++;
        if (i % 16 == 0)
            sys_thread_yield();
    }
    /* Sums of exactly representable steps are exact in any rounding mode. */
    if (lsum != FPU_ROUNDS * ((long double)j->id + 0.5L))
        j->errors++;
    double want = 0;
    for (int i = 0; i < FPU_ROUNDS; i++)
        want += step;
    if (sum != want)
        j->errors++;
    return 0;
}

UTEST(fpu_state_per_thread)
{
    static fpu_job_t jobs[FPU_THREADS];
    ut_thread_t t[FPU_THREADS];
    for (int i = 0; i < FPU_THREADS; i++) {
        jobs[i] = (fpu_job_t){i, 0};
        UT_EQ(ut_thread_start(&t[i], fpu_thread, &jobs[i]), OK);
    }
    for (int i = 0; i < FPU_THREADS; i++) {
        UT_EQ(ut_thread_join(&t[i]), OK);
        UT_EQ(jobs[i].errors, 0);
    }
    return 0;
}

/* ---- user faults ------------------------------------------------------------- */

static volatile int fault_zero = 0, fault_one = 1;
static volatile int recursion_limit = 1 << 30;

UCHILD(fault_gp_cli)
{
    ut_arm(chan);
    __asm__ volatile("cli");
    return 1;
}

UCHILD(fault_gp_noncanonical)
{
    ut_arm(chan);
    return *(volatile int *)0x8000000000000000ull;
}

UCHILD(fault_ud)
{
    ut_arm(chan);
    __asm__ volatile("ud2");
    return 1;
}

UCHILD(fault_divide)
{
    ut_arm(chan);
    return fault_one / fault_zero;
}

UCHILD(fault_null_write)
{
    ut_arm(chan);
    *(volatile int *)0 = 1;
    return 1;
}

static int recurse(volatile char *prev, int depth)
{
    volatile char buf[512];
    buf[0] = (char)depth;
    buf[511] = prev ? prev[0] : 0;
    if (depth > recursion_limit)
        return 0;
    return recurse(buf, depth + 1) + buf[100];
}

UCHILD(fault_stack_overflow)
{
    ut_arm(chan);
    return recurse(NULL, 0);
}

UCHILD(fault_write_rodata)
{
    static const char text[] = "read-only";
    ut_arm(chan);
    *(volatile char *)text = 'R';
    return 1;
}

static int sleeper(void *arg)
{
    (void)arg;
    sys_thread_sleep(DEADLINE_INFINITE);
    return 0;
}

/* A fault in one thread ends the whole process, sleeping threads too. */
UCHILD(fault_with_threads)
{
    ut_thread_t t[3];
    for (int i = 0; i < 3; i++)
        if (ut_thread_start(&t[i], sleeper, NULL) != OK)
            return 1;
    ut_arm(chan);
    __asm__ volatile("ud2");
    return 2;
}

static const struct {
    const char *child;
    int vector;
} faults[] = {
    {"fault_gp_cli", 13},        {"fault_gp_noncanonical", 13}, {"fault_ud", 6},
    {"fault_divide", 0},         {"fault_null_write", 14},      {"fault_stack_overflow", 14},
    {"fault_write_rodata", 14},  {"fault_with_threads", 6},
};

UTEST(user_faults_kill_only_the_offender)
{
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        process_info_t info;
        bool armed;
        UT_EQ(ut_run_child(faults[i].child, NULL, 0, &info, &armed), OK);
        if (!armed || info.exit_reason != PROCESS_FAULTED || info.exit_code != -faults[i].vector - 1) {
            ut_printf("utest: %s: armed %d, reason %u, code %d", faults[i].child, armed, info.exit_reason,
                      info.exit_code);
            UT_CHECK(!"the child died of its fault");
        }
        UT_EQ(info.threads, 0);
        UT_EQ(sys_null(), OK); /* the parent goes on */
    }
    return 0;
}
