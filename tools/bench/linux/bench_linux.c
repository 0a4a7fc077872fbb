/* SPDX-License-Identifier: BSD-2-Clause
 *
 * bench_linux: the Linux twin of Cairn's bench program
 * (tools/bench/cairn/bench.c): the same micro-benchmarks written for
 * Linux, timed with the same TSC reads and printed in the same lines
 * (tools/bench/bench_common.h). Built static with the host's gcc and run as
 * /init of a minimal initramfs (tools/bench/mkinitramfs.py) in a Linux
 * guest under the same QEMU command line as Cairn; it mounts nothing,
 * prints to the console it was given and powers the machine off.
 *
 *   /init [iters=N] [only=TEXT] [nvme=DEV seed=S [soak]]
 *                                  (arguments after "--" on the kernel
 *                                  command line; the NVMe cases,
 *                                  bench_linux_nvme.c, read /dev/DEV)
 *
 * The cases keep the Cairn names where Linux has an equivalent (the futex
 * round trip stands for chan_call) and add Linux-only ones (pipes, fork,
 * anonymous mmap); docs/benchmarks.md lists which is compared with which.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../bench_common.h"
#include "bench_linux.h"

#define TIMER_DELAY_NS 100000u
#define YIELDS_PER_SAMPLE 16u
#define MAX_MSG 4096u

extern char **environ;

static size_t iters = 2000;
static const char *only;

/* ---------------------------------------------------------------- transports */

/*
 * A request/reply server on the other side of a transport, in a child
 * process (fork) or a thread. The shared block lives in a MAP_SHARED
 * mapping so that both kinds of server see it.
 */
enum { T_FUTEX, T_PIPE, T_UNIX };
enum { IDLE, REQUEST, REPLY };

typedef struct link {
    int kind;
    bool process;
    uint32_t bytes;
    /* T_FUTEX: a state word and the message buffer, shared */
    _Atomic uint32_t state;
    _Atomic uint32_t stop;
    char buf[MAX_MSG];
    /* T_PIPE: to the server and back; T_UNIX: a socket pair */
    int to_srv[2], to_cli[2];
    int sock[2];
} link_t;

static long futex(_Atomic uint32_t *w, int op, uint32_t val, bool shared)
{
    return syscall(SYS_futex, (uint32_t *)w, op | (shared ? 0 : FUTEX_PRIVATE_FLAG), val, NULL, NULL, 0);
}

static void wait_for(link_t *l, uint32_t want)
{
    uint32_t s;
    while ((s = atomic_load(&l->state)) != want)
        futex(&l->state, FUTEX_WAIT, s, l->process);
}

static void set_state(link_t *l, uint32_t s)
{
    atomic_store(&l->state, s);
    futex(&l->state, FUTEX_WAKE, 1, l->process);
}

static bool read_full(int fd, char *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* Carries one message and, for T_UNIX, one descriptor (fd >= 0). */
static bool unix_send(int s, const char *p, size_t n, int fd)
{
    struct iovec iov = {(void *)p, n};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
                       .msg_controllen = sizeof ctl.space};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(s, &m, 0) == (ssize_t)n;
}

static int unix_recv(int s, char *p, size_t n)
{
    struct iovec iov = {p, n};
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
                       .msg_controllen = sizeof ctl.space};
    if (recvmsg(s, &m, 0) != (ssize_t)n)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* The server: copy the request out, copy it back as the reply. */
static void serve(link_t *l)
{
    char local[MAX_MSG];
    for (;;) {
        if (l->kind == T_FUTEX) {
            wait_for(l, REQUEST);
            if (atomic_load(&l->stop))
                return;
            memcpy(local, l->buf, l->bytes);
            memcpy(l->buf, local, l->bytes);
            set_state(l, REPLY);
        } else if (l->kind == T_PIPE) {
            if (!read_full(l->to_srv[0], local, l->bytes) || write(l->to_cli[1], local, l->bytes) != (ssize_t)l->bytes)
                return;
        } else {
            int fd = unix_recv(l->sock[1], local, l->bytes);
            if (fd < 0)
                return;
            bool ok = unix_send(l->sock[1], local, l->bytes, fd);
            close(fd);
            if (!ok)
                return;
        }
    }
}

static void *serve_thread(void *arg)
{
    serve(arg);
    return NULL;
}

/* One round trip from the client's side; *fd is the descriptor that
 * travels (T_UNIX), moved: sent, closed here, and received anew. */
static bool call(link_t *l, const char *req, char *rep, int *fd)
{
    if (l->kind == T_FUTEX) {
        memcpy(l->buf, req, l->bytes);
        set_state(l, REQUEST);
        wait_for(l, REPLY);
        memcpy(rep, l->buf, l->bytes);
        return true;
    }
    if (l->kind == T_PIPE)
        return write(l->to_srv[1], req, l->bytes) == (ssize_t)l->bytes && read_full(l->to_cli[0], rep, l->bytes);
    if (!unix_send(l->sock[0], req, l->bytes, *fd))
        return false;
    close(*fd);
    *fd = unix_recv(l->sock[0], rep, l->bytes);
    return *fd >= 0;
}

static void run_null(const bcase_t *c, size_t n)
{
    uint64_t *s = bench_samples(n);
    for (size_t i = 0; i < bench_warmup(n); i++)
        syscall(SYS_getppid);
    for (size_t i = 0; i < n; i++) {
        uint64_t t0 = bench_tsc();
        syscall(SYS_getppid);
        s[i] = bench_tsc() - t0;
    }
    bench_report(c->name, s, n, 1);
    free(s);
}

static void run_rtt(const bcase_t *c, size_t n)
{
    link_t *l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (l == MAP_FAILED) {
        bench_unavailable(c->name, "mmap failed");
        return;
    }
    memset(l, 0, sizeof *l);
    l->kind = c->kind;
    l->bytes = c->bytes;
    l->process = c->process;
    int fd = -1;
    bool ok = true;
    if (c->kind == T_PIPE)
        ok = pipe(l->to_srv) == 0 && pipe(l->to_cli) == 0;
    else if (c->kind == T_UNIX)
        ok = socketpair(AF_UNIX, SOCK_SEQPACKET, 0, l->sock) == 0 && (fd = eventfd(0, 0)) >= 0;
    pid_t pid = -1;
    pthread_t th;
    fflush(stdout);
    if (ok && c->process) {
        pid = fork();
        if (pid == 0) { /* keep only the server's ends, so it sees end of file */
            int theirs[] = {l->to_srv[1], l->to_cli[0], l->sock[0], fd};
            for (size_t i = 0; i < 4; i++)
                if (theirs[i] > 0)
                    close(theirs[i]);
            serve(l);
            _exit(0);
        }
        ok = pid > 0;
    } else if (ok) {
        ok = pthread_create(&th, NULL, serve_thread, l) == 0;
    }
    if (!ok) {
        bench_unavailable(c->name, "cannot set up the transport or the server");
        return;
    }
    char req[MAX_MSG], rep[MAX_MSG];
    memset(req, 0x5a, sizeof req);
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t t0 = bench_tsc();
        if (!call(l, req, rep, &fd))
            break;
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    /* Stop the server: end of file on its pipe or socket, or the stop flag. */
    if (c->kind == T_FUTEX) {
        atomic_store(&l->stop, 1);
        set_state(l, REQUEST);
    }
    int fds[] = {l->to_srv[1], l->sock[0], fd};
    for (size_t i = 0; i < 3; i++)
        if (fds[i] > 0)
            close(fds[i]);
    if (c->process)
        waitpid(pid, NULL, 0);
    else
        pthread_join(th, NULL);
    int rest[] = {l->to_srv[0], l->to_cli[0], l->to_cli[1], l->sock[1]};
    for (size_t i = 0; i < 4; i++)
        if (rest[i] > 0)
            close(rest[i]);
    munmap(l, sizeof *l);
    bench_report(c->name, s, got, 1);
    free(s);
}

static atomic_bool yield_stop;
static volatile uint64_t partner_yields;

static void *yielder(void *arg)
{
    (void)arg;
    while (!atomic_load(&yield_stop)) {
        sched_yield();
        partner_yields++;
    }
    return NULL;
}

/* sched_yield between two threads on CPU 0, counted as in Cairn's bench:
 * per yield, over both threads' yields. */
static void run_yield(const bcase_t *c, size_t n)
{
    pthread_t th;
    atomic_store(&yield_stop, false);
    if (pthread_create(&th, NULL, yielder, NULL) != 0) {
        bench_unavailable(c->name, "cannot create the second thread");
        return;
    }
    uint64_t *s = bench_samples(n);
    /* Warm up until the other thread has run as many yields (a new
     * thread may wait for its turn), within a bound. */
    size_t warm = bench_warmup(n) * YIELDS_PER_SAMPLE;
    for (size_t i = 0; i < 1000 * warm && (i < warm || partner_yields < warm); i++)
        sched_yield();
    uint64_t partner_total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t p0 = partner_yields, t0 = bench_tsc();
        for (unsigned j = 0; j < YIELDS_PER_SAMPLE; j++)
            sched_yield();
        uint64_t d = bench_tsc() - t0, p = partner_yields - p0;
        s[i] = d / (YIELDS_PER_SAMPLE + p);
        partner_total += p;
    }
    atomic_store(&yield_stop, true);
    pthread_join(th, NULL);
    printf("bench: yield: the other thread yielded %llu times for this thread's %llu\n",
           (unsigned long long)partner_total, (unsigned long long)(n * YIELDS_PER_SAMPLE));
    bench_report(c->name, s, n, 1);
    free(s);
}

static void *nothing(void *arg)
{
    return arg;
}

static void run_thread(const bcase_t *c, size_t n)
{
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        pthread_t th;
        uint64_t t0 = bench_tsc();
        if (pthread_create(&th, NULL, nothing, NULL) != 0)
            break;
        pthread_join(th, NULL);
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    bench_report(c->name, s, got, 1);
    free(s);
}

/* posix_spawn (glibc: clone(CLONE_VM | CLONE_VFORK) + execve) of the tiny
 * static /bench_exit, then waitpid: the counterpart of Cairn's spawn of a
 * program image. */
static void run_spawn(const bcase_t *c, size_t n)
{
    char *argv[] = {"bench_exit", NULL};
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    fflush(stdout);
    for (size_t i = 0; i < warm + n; i++) {
        pid_t pid;
        int st;
        uint64_t t0 = bench_tsc();
        if (posix_spawn(&pid, "/bench_exit", NULL, NULL, argv, environ) != 0)
            break;
        if (waitpid(pid, &st, 0) != pid)
            break;
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    if (got == 0)
        bench_unavailable(c->name, "posix_spawn of /bench_exit failed");
    else
        bench_report(c->name, s, got, 1);
    free(s);
}

static void run_fork(const bcase_t *c, size_t n)
{
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    fflush(stdout);
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t t0 = bench_tsc();
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid < 0 || waitpid(pid, NULL, 0) != pid)
            break;
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    bench_report(c->name, s, got, 1);
    free(s);
}

/* Cairn's vm_map maps an existing vmo's pages all at once: here a memfd
 * whose pages exist, mapped shared with MAP_POPULATE, then munmap. */
static void run_map_memfd(const bcase_t *c, size_t n)
{
    int fd = memfd_create("bench", 0);
    char *p;
    if (fd < 0 || ftruncate(fd, (off_t)c->size) != 0 ||
        (p = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        bench_unavailable(c->name, "memfd failed");
        return;
    }
    memset(p, 1, c->size); /* allocate the pages once */
    munmap(p, c->size);
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t t0 = bench_tsc();
        p = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
        if (p == MAP_FAILED || munmap(p, c->size) != 0)
            break;
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    close(fd);
    bench_report(c->name, s, got, 1);
    free(s);
}

/* Anonymous memory, never touched: only the address-space bookkeeping. */
static void run_map_anon(const bcase_t *c, size_t n)
{
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t t0 = bench_tsc();
        char *p = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED || munmap(p, c->size) != 0)
            break;
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    bench_report(c->name, s, got, 1);
    free(s);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A (clock ns, TSC) pair for the same instant: the clock has nanosecond
 * resolution, so the middle of the TSC reads around it. */
static void anchor(uint64_t *clk, uint64_t *tsc)
{
    uint64_t a = bench_tsc();
    *clk = mono_ns();
    uint64_t b = bench_tsc();
    *tsc = a + (b - a) / 2;
}

static uint64_t tsc_hz;

static void measure_tsc_hz(void)
{
    uint64_t c0, t0, c1, t1;
    anchor(&c0, &t0);
    while (mono_ns() < c0 + 20000000)
        ;
    anchor(&c1, &t1);
    tsc_hz = bench_tsc_hz(c0, t0, c1, t1);
    printf("bench: tsc_hz %llu\n", (unsigned long long)tsc_hz);
}

/* A timerfd on CLOCK_MONOTONIC armed TIMER_DELAY_NS after an anchor; the
 * sample is the TSC when read() returns minus the deadline's TSC. */
static void run_timer(const bcase_t *c, size_t n)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    if (fd < 0 || !tsc_hz) {
        bench_unavailable(c->name, "no timerfd or no TSC rate");
        return;
    }
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t clk, tsc, expiries;
        anchor(&clk, &tsc);
        uint64_t deadline = clk + TIMER_DELAY_NS;
        struct itimerspec its = {.it_value = {(time_t)(deadline / 1000000000ull), (long)(deadline % 1000000000ull)}};
        if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) != 0 ||
            read(fd, &expiries, sizeof expiries) != sizeof expiries)
            break;
        uint64_t now = bench_tsc(), due = bench_tsc_at(clk, tsc, tsc_hz, deadline);
        if (i >= warm)
            s[got++] = now > due ? now - due : 0;
    }
    close(fd);
    bench_report(c->name, s, got, 1);
    free(s);
}

static const bcase_t cases[] = {
    {"null_syscall", run_null, 1, 0, 0, false, 0},
    {"chan_call_rtt_xproc_0", run_rtt, 1, T_FUTEX, 0, true, 0},
    {"chan_call_rtt_xproc_64", run_rtt, 1, T_FUTEX, 64, true, 0},
    {"chan_call_rtt_xproc_4096", run_rtt, 1, T_FUTEX, 4096, true, 0},
    {"chan_call_rtt_xproc_handle", run_rtt, 1, T_UNIX, 64, true, 0},
    {"chan_call_rtt_sproc_0", run_rtt, 1, T_FUTEX, 0, false, 0},
    {"chan_call_rtt_sproc_64", run_rtt, 1, T_FUTEX, 64, false, 0},
    {"chan_call_rtt_sproc_4096", run_rtt, 1, T_FUTEX, 4096, false, 0},
    {"chan_call_rtt_sproc_handle", run_rtt, 1, T_UNIX, 64, false, 0},
    {"pipe_rtt_xproc_1", run_rtt, 1, T_PIPE, 1, true, 0},
    {"pipe_rtt_xproc_64", run_rtt, 1, T_PIPE, 64, true, 0},
    {"pipe_rtt_xproc_4096", run_rtt, 1, T_PIPE, 4096, true, 0},
    {"pipe_rtt_sproc_64", run_rtt, 1, T_PIPE, 64, false, 0},
    {"yield", run_yield, 4, 0, 0, false, 0},
    {"thread_create_join", run_thread, 4, 0, 0, false, 0},
    {"process_spawn_exit", run_spawn, 20, 0, 0, false, 0},
    {"fork_exit_wait", run_fork, 20, 0, 0, false, 0},
    {"vmo_map_unmap_4k", run_map_memfd, 1, 0, 0, false, 4096},
    {"vmo_map_unmap_1m", run_map_memfd, 4, 0, 0, false, 1u << 20},
    {"mmap_anon_unmap_4k", run_map_anon, 1, 0, 0, false, 4096},
    {"mmap_anon_unmap_1m", run_map_anon, 4, 0, 0, false, 1u << 20},
    {"timer_irq_latency", run_timer, 10, 0, 0, false, 0},
    {"nvme_randread_4k_qd1", run_nvme_qd1, 4, 0, 0, false, 0},
    {"nvme_randread_4k_qd32", run_nvme_qd32, 20, 0, 0, false, 0},
};

static void power_off(void)
{
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    printf("bench: reboot(RB_POWER_OFF) failed\n");
    fflush(stdout);
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "iters=", 6) == 0)
            iters = strtoul(argv[i] + 6, NULL, 10);
        else if (strncmp(argv[i], "only=", 5) == 0)
            only = argv[i] + 5;
        else if (strncmp(argv[i], "nvme=", 5) == 0)
            nvme_opts.dev = argv[i] + 5;
        else if (strncmp(argv[i], "seed=", 5) == 0)
            nvme_opts.seed = strtoull(argv[i] + 5, NULL, 0);
        else if (strcmp(argv[i], "soak") == 0)
            nvme_opts.soak = true;
        else
            printf("bench: unknown argument '%s' ignored\n", argv[i]);
    }
    if (iters < 10)
        iters = 10;
    /* Every thread and child on CPU 0, as Cairn's run has one CPU. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
    struct utsname u;
    if (uname(&u) == 0)
        printf("bench: system linux %s\n", u.release);
    printf("bench: iters %lu\n", (unsigned long)iters);
    measure_tsc_hz();
    unsigned ran = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bcase_t *c = &cases[i];
        if (only && !strstr(c->name, only))
            continue;
        size_t n = iters / c->div;
        c->run(c, n < 5 ? 5 : n);
        ran++;
    }
    nvme_close();
    printf("bench: done %u cases\n", ran);
    if (getpid() == 1)
        power_off();
    return 0;
}
