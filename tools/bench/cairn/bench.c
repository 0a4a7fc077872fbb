/* SPDX-License-Identifier: BSD-2-Clause
 *
 * bench: Cairn's micro-benchmarks, a picolibc program on libsys_rt.
 *
 *   bench [iters=N] [only=TEXT]   run every case (or those whose name
 *                                 contains TEXT); started as init by
 *                                 tools/bench/bench.py or the smoke test
 *   bench nvme [iters=N] [only=TEXT] [dev=NAME] [seed=S] [soak]
 *                                 the NVMe cases (bench_nvme.c), as a
 *                                 component of a system with the driver
 *   bench serve                   the echo server of the cross-process
 *                                 channel cases, started by bench itself
 *
 * Each case runs a tenth of its iterations as warm-up, then times every
 * iteration with the TSC and prints one line (tools/bench/bench_common.h
 * has the format). Under QEMU -icount shift=0,sleep=off a TSC tick is one
 * guest instruction. What each case measures, and what its Linux twin in
 * tools/bench/linux/bench_linux.c is, is in docs/benchmarks.md.
 *
 * This measures; it asserts nothing. A case whose set-up fails says
 * "unavailable" and the others go on.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_common.h"
#include "bench.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/spawn.h"
#include "cairn/sys.h"

#define STACK_SIZE (64u * 1024)
#define TIMER_DELAY_NS 100000u /* how far ahead each timer sample's deadline is */
#define YIELDS_PER_SAMPLE 16u

static size_t iters = 2000;
static const char *only;

static void report_spawn_error(const char *msg)
{
    printf("bench: spawn: %s\n", msg);
}

/* ---------------------------------------------------------------- threads */

bool area_init(thread_area_t *a)
{
    size_t al = libsys_tls_align();
    a->stack = aligned_alloc(16, STACK_SIZE);
    a->tls = aligned_alloc(al, (libsys_tls_size() + al - 1) & ~(al - 1));
    if (!a->stack || !a->tls) {
        free(a->stack);
        free(a->tls);
        return false;
    }
    a->tp = libsys_tls_init(a->tls);
    return true;
}

void area_free(thread_area_t *a)
{
    free(a->stack);
    free(a->tls);
}

/* At a function's entry RSP + 8 is 16-byte aligned, as after a call. */
int64_t thread_start(thread_area_t *a, void (*fn)(uint64_t), handle_t *out)
{
    return sys_thread_create(HANDLE_INVALID, (uint64_t)(uintptr_t)fn,
                             (uint64_t)(uintptr_t)((char *)a->stack + STACK_SIZE - 8), (uint64_t)(uintptr_t)a, out);
}

void thread_join(handle_t t)
{
    uint32_t seen;
    sys_object_wait(t, SIG_TERMINATED, DEADLINE_INFINITE, &seen);
    sys_handle_close(t);
}

/* ---------------------------------------------------------------- echo server */

/* Answers each request with itself (bytes and handles) until the peer
 * closes: after the first read, one chan_reply_read per request (the reply
 * and the wait for the next request in one call, as a server should). */
static void echo_serve(handle_t ch, uint8_t *buf, uint32_t cap)
{
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {cap, CHAN_MAX_HANDLES};
    if (sys_chan_recv(ch, buf, hs, &sz, DEADLINE_INFINITE) != OK)
        return;
    for (;;) {
        chan_call_args_t a = {.wr_bytes = (uint64_t)(uintptr_t)buf, .wr_handles = (uint64_t)(uintptr_t)hs,
                              .wr_num_bytes = sz.bytes, .wr_num_handles = sz.handles,
                              .rd_bytes = (uint64_t)(uintptr_t)buf, .rd_handles = (uint64_t)(uintptr_t)hs,
                              .rd_num_bytes = cap, .rd_num_handles = CHAN_MAX_HANDLES};
        if (sys_chan_reply_read(ch, &a, DEADLINE_INFINITE) != OK)
            return; /* the client went away */
        sz.bytes = a.rd_num_bytes;
        sz.handles = a.rd_num_handles;
    }
}

static int serve_main(void)
{
    handle_t ch = libsys_handle("chan");
    uint8_t *buf = malloc(CHAN_MAX_BYTES);
    if (ch == HANDLE_INVALID || !buf)
        return 1;
    echo_serve(ch, buf, CHAN_MAX_BYTES);
    return 0;
}

static handle_t thread_server_chan;

static void echo_thread(uint64_t arg)
{
    thread_area_t *a = (thread_area_t *)(uintptr_t)arg;
    sys_thread_set_fs((uint64_t)(uintptr_t)a->tp);
    static uint8_t buf[CHAN_MAX_BYTES];
    echo_serve(thread_server_chan, buf, sizeof buf);
    sys_thread_exit(0);
}

/* A server across processes (a copy of this program) or in a thread of
 * this one; *client is the end to call. */
typedef struct server {
    bool process;
    handle_t h; /* the process or the thread */
    thread_area_t area;
} server_t;

static bool server_start(server_t *s, bool process, handle_t *client)
{
    handle_t mine, theirs;
    memset(s, 0, sizeof *s);
    s->process = process;
    if (sys_chan_create(&mine, &theirs) != OK)
        return false;
    int64_t err;
    if (process) {
        spawn_handle_t hs[] = {{theirs, "chan"}};
        err = spawn(libsys_handle("bench"), "bench-echo", "bench serve", NULL, hs, 1, NULL, 0, &s->h,
                    report_spawn_error);
    } else if (!area_init(&s->area)) {
        sys_handle_close(theirs);
        err = ERR_NO_MEMORY;
    } else {
        thread_server_chan = theirs;
        err = thread_start(&s->area, echo_thread, &s->h);
        if (err != OK) {
            sys_handle_close(theirs);
            area_free(&s->area);
        }
    }
    if (err != OK) {
        sys_handle_close(mine);
        return false;
    }
    *client = mine;
    return true;
}

/* Closing the client end makes the server return; wait until it has. */
static void server_stop(server_t *s, handle_t client)
{
    sys_handle_close(client);
    if (s->process) {
        uint32_t seen;
        sys_object_wait(s->h, SIG_TERMINATED, DEADLINE_INFINITE, &seen);
        sys_handle_close(s->h);
    } else {
        thread_join(s->h);
        sys_handle_close(thread_server_chan);
        area_free(&s->area);
    }
}

/* ---------------------------------------------------------------- cases */

typedef struct bcase {
    const char *name;
    void (*run)(const struct bcase *c, size_t n);
    size_t div;       /* iterations = iters / div */
    uint32_t bytes;   /* channel cases: message size */
    bool process;     /* channel cases: server in another process */
    bool handle;      /* channel cases: one handle travels each way */
    uint64_t size;    /* map cases: bytes mapped */
} bcase_t;

static void run_null(const bcase_t *c, size_t n)
{
    uint64_t *s = bench_samples(n);
    for (size_t i = 0; i < bench_warmup(n); i++)
        sys_null();
    for (size_t i = 0; i < n; i++) {
        uint64_t t0 = bench_tsc();
        sys_null();
        s[i] = bench_tsc() - t0;
    }
    bench_report(c->name, s, n, 1);
    free(s);
}

/* A round trip: chan_call with `bytes` each way (the first 8 are the
 * transaction id the kernel writes), plus one handle that the server sends
 * back, when c->handle. */
static void run_chan_call(const bcase_t *c, size_t n)
{
    server_t srv;
    handle_t ch, moved = HANDLE_INVALID;
    if (!server_start(&srv, c->process, &ch)) {
        bench_unavailable(c->name, "cannot start the echo server");
        return;
    }
    if (c->handle && sys_port_create(&moved) != OK) {
        server_stop(&srv, ch);
        bench_unavailable(c->name, "cannot create the handle to move");
        return;
    }
    uint8_t *req = calloc(1, c->bytes), *rep = calloc(1, c->bytes);
    uint64_t *s = bench_samples(n);
    chan_call_args_t a = {.wr_bytes = (uint64_t)(uintptr_t)req, .wr_num_bytes = c->bytes,
                          .rd_bytes = (uint64_t)(uintptr_t)rep, .rd_num_bytes = c->bytes};
    if (c->handle) { /* the reply's handle lands where the request's was */
        a.wr_handles = a.rd_handles = (uint64_t)(uintptr_t)&moved;
        a.wr_num_handles = a.rd_num_handles = 1;
    }
    size_t got = 0, warm = bench_warmup(n);
    int64_t last = OK;
    for (size_t i = 0; req && rep && i < warm + n; i++) {
        uint64_t t0 = bench_tsc();
        int64_t r = sys_chan_call(ch, &a, DEADLINE_INFINITE);
        uint64_t d = bench_tsc() - t0;
        if (r != (int64_t)c->bytes || (c->handle && moved == HANDLE_INVALID)) {
            last = r;
            break;
        }
        if (i >= warm)
            s[got++] = d;
    }
    if (last != OK)
        printf("bench: %s: chan_call failed: %s\n", c->name, cairn_error_name((int)last));
    bench_report(c->name, s, got, 1);
    if (moved != HANDLE_INVALID)
        sys_handle_close(moved);
    server_stop(&srv, ch);
    free(s);
    free(req);
    free(rep);
}

static volatile bool yield_stop;
static volatile uint64_t partner_yields;

static void yielder(uint64_t arg)
{
    (void)arg;
    while (!yield_stop) {
        sys_thread_yield();
        partner_yields++;
    }
    sys_thread_exit(0);
}

/* Two threads of one process yielding to each other on one CPU: a sample
 * is YIELDS_PER_SAMPLE yields of this thread divided by all the yields
 * made meanwhile, the other thread's included (it counts them): the cost
 * of one yield, which is one switch when the two alternate. */
static void run_yield(const bcase_t *c, size_t n)
{
    thread_area_t a;
    handle_t t;
    if (!area_init(&a)) {
        bench_unavailable(c->name, "no memory for a thread");
        return;
    }
    yield_stop = false;
    if (thread_start(&a, yielder, &t) != OK) {
        area_free(&a);
        bench_unavailable(c->name, "cannot create the second thread");
        return;
    }
    uint64_t *s = bench_samples(n);
    /* Warm up until the other thread has run as many yields (a new
     * thread may wait for its turn), within a bound. */
    size_t warm = bench_warmup(n) * YIELDS_PER_SAMPLE;
    for (size_t i = 0; i < 1000 * warm && (i < warm || partner_yields < warm); i++)
        sys_thread_yield();
    uint64_t partner_total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t p0 = partner_yields, t0 = bench_tsc();
        for (unsigned j = 0; j < YIELDS_PER_SAMPLE; j++)
            sys_thread_yield();
        uint64_t d = bench_tsc() - t0, p = partner_yields - p0;
        s[i] = d / (YIELDS_PER_SAMPLE + p);
        partner_total += p;
    }
    yield_stop = true;
    thread_join(t);
    area_free(&a);
    printf("bench: yield: the other thread yielded %llu times for this thread's %llu\n",
           (unsigned long long)partner_total, (unsigned long long)(n * YIELDS_PER_SAMPLE));
    bench_report(c->name, s, n, 1);
    free(s);
}

static void exiter(uint64_t arg)
{
    (void)arg;
    sys_thread_exit(0);
}

/* Create a thread that exits at once, wait for its end, close it. Its
 * stack is allocated once (no TLS: it touches nothing thread-local). */
static void run_thread(const bcase_t *c, size_t n)
{
    thread_area_t a;
    if (!area_init(&a)) {
        bench_unavailable(c->name, "no memory for a thread");
        return;
    }
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        handle_t t;
        uint64_t t0 = bench_tsc();
        if (thread_start(&a, exiter, &t) != OK)
            break;
        thread_join(t);
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    bench_report(c->name, s, got, 1);
    area_free(&a);
    free(s);
}

/* spawn() the tiny program bench_exit (a boot module: its main returns
 * 0), wait for its end, close the handle. */
static void run_spawn(const bcase_t *c, size_t n)
{
    handle_t img = libsys_handle("bench_exit");
    if (img == HANDLE_INVALID) {
        bench_unavailable(c->name, "no boot module bench_exit");
        return;
    }
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        handle_t p;
        uint32_t seen;
        uint64_t t0 = bench_tsc();
        if (spawn(img, "bench_exit", "bench_exit", NULL, NULL, 0, NULL, 0, &p, report_spawn_error) != OK)
            break;
        sys_object_wait(p, SIG_TERMINATED, DEADLINE_INFINITE, &seen);
        sys_handle_close(p);
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    bench_report(c->name, s, got, 1);
    free(s);
}

/* vm_map of an existing vmo (its pages exist and the kernel maps them all
 * at once), then vm_unmap. */
static void run_map(const bcase_t *c, size_t n)
{
    handle_t v;
    if (sys_vmo_create(c->size, 0, &v) != OK) {
        bench_unavailable(c->name, "cannot create the vmo");
        return;
    }
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t addr = 0;
        uint64_t t0 = bench_tsc();
        if (sys_vm_map(HANDLE_INVALID, v, 0, c->size, MAP_READ | MAP_WRITE, &addr) != OK)
            break;
        if (sys_vm_unmap(HANDLE_INVALID, addr, c->size) != OK)
            break;
        uint64_t d = bench_tsc() - t0;
        if (i >= warm)
            s[got++] = d;
    }
    bench_report(c->name, s, got, 1);
    sys_handle_close(v);
    free(s);
}

/*
 * A (clock ns, TSC) pair for the same instant. The kernel's clock counts
 * whole microseconds, so wait for it to tick over: the new value was
 * reached between the previous read and this one; take the middle (the
 * error is at most half a clock_get call).
 */
static void anchor(uint64_t *clk, uint64_t *tsc)
{
    uint64_t prev_mid = 0, c0 = (uint64_t)sys_clock_get();
    for (;;) {
        uint64_t a = bench_tsc();
        uint64_t c = (uint64_t)sys_clock_get();
        uint64_t b = bench_tsc();
        uint64_t mid = a + (b - a) / 2;
        if (c != c0 && prev_mid) {
            *clk = c;
            *tsc = prev_mid + (mid - prev_mid) / 2;
            return;
        }
        c0 = c;
        prev_mid = mid;
    }
}

static uint64_t tsc_hz;

static void measure_tsc_hz(void)
{
    uint64_t c0, t0, c1, t1;
    anchor(&c0, &t0);
    while ((uint64_t)sys_clock_get() < c0 + 20000000)
        ;
    anchor(&c1, &t1);
    tsc_hz = bench_tsc_hz(c0, t0, c1, t1);
    printf("bench: tsc_hz %llu\n", (unsigned long long)tsc_hz);
}

/*
 * Timer interrupt to user space: a one-shot timer object, bound to a port,
 * armed TIMER_DELAY_NS after an anchor; the sample is the TSC when
 * port_wait returns minus the TSC the deadline corresponds to. It counts
 * the hardware timer's lateness, the interrupt, the kernel's expiry and
 * wake-up, the switch and the return from port_wait.
 */
static void run_timer(const bcase_t *c, size_t n)
{
    handle_t port, timer;
    if (!tsc_hz || sys_port_create(&port) != OK) {
        bench_unavailable(c->name, "no TSC rate or no port");
        return;
    }
    if (sys_timer_create(&timer) != OK || sys_port_bind(port, timer, 1, SIG_TIMER) != OK) {
        sys_handle_close(port);
        bench_unavailable(c->name, "cannot bind a timer to a port");
        return;
    }
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    for (size_t i = 0; i < warm + n; i++) {
        uint64_t clk, tsc;
        port_packet_t pkt;
        anchor(&clk, &tsc);
        uint64_t deadline = clk + TIMER_DELAY_NS;
        if (sys_timer_set(timer, deadline, 0) != OK || sys_port_wait(port, DEADLINE_INFINITE, &pkt) != OK)
            break;
        uint64_t now = bench_tsc(), due = bench_tsc_at(clk, tsc, tsc_hz, deadline);
        if (i >= warm)
            s[got++] = now > due ? now - due : 0;
    }
    bench_report(c->name, s, got, 1);
    sys_handle_close(timer);
    sys_handle_close(port);
    free(s);
}

static const bcase_t cases[] = {
    {"null_syscall", run_null, 1, 0, false, false, 0},
    {"chan_call_rtt_xproc_0", run_chan_call, 1, CHAN_TXID_SIZE, true, false, 0},
    {"chan_call_rtt_xproc_64", run_chan_call, 1, 64, true, false, 0},
    {"chan_call_rtt_xproc_4096", run_chan_call, 1, 4096, true, false, 0},
    {"chan_call_rtt_xproc_handle", run_chan_call, 1, 64, true, true, 0},
    {"chan_call_rtt_sproc_0", run_chan_call, 1, CHAN_TXID_SIZE, false, false, 0},
    {"chan_call_rtt_sproc_64", run_chan_call, 1, 64, false, false, 0},
    {"chan_call_rtt_sproc_4096", run_chan_call, 1, 4096, false, false, 0},
    {"chan_call_rtt_sproc_handle", run_chan_call, 1, 64, false, true, 0},
    {"yield", run_yield, 4, 0, false, false, 0},
    {"thread_create_join", run_thread, 4, 0, false, false, 0},
    {"process_spawn_exit", run_spawn, 20, 0, false, false, 0},
    {"vmo_map_unmap_4k", run_map, 1, 0, false, false, 4096},
    {"vmo_map_unmap_1m", run_map, 4, 0, false, false, 1u << 20},
    {"timer_irq_latency", run_timer, 10, 0, false, false, 0},
};

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return serve_main();
    bool nvme = argc >= 2 && strcmp(argv[1], "nvme") == 0;
    nvme_args_t na = {.dev = "nvme0n1"};
    for (int i = nvme ? 2 : 1; i < argc; i++) {
        if (strncmp(argv[i], "iters=", 6) == 0)
            iters = strtoul(argv[i] + 6, NULL, 10);
        else if (strncmp(argv[i], "only=", 5) == 0)
            only = argv[i] + 5;
        else if (nvme && strncmp(argv[i], "dev=", 4) == 0)
            na.dev = argv[i] + 4;
        else if (nvme && strncmp(argv[i], "seed=", 5) == 0)
            na.seed = strtoull(argv[i] + 5, NULL, 0);
        else if (nvme && strcmp(argv[i], "soak") == 0)
            na.soak = true;
        else
            printf("bench: unknown argument '%s' ignored\n", argv[i]);
    }
    if (iters < 10)
        iters = 10;
    printf("bench: system cairn\n");
    printf("bench: iters %lu\n", (unsigned long)iters);
    measure_tsc_hz();
    unsigned ran = 0;
    if (nvme) {
        na.iters = iters;
        na.only = only;
        ran = bench_nvme(&na);
    }
    for (size_t i = 0; !nvme && i < sizeof cases / sizeof cases[0]; i++) {
        const bcase_t *c = &cases[i];
        if (only && !strstr(c->name, only))
            continue;
        size_t n = iters / c->div;
        c->run(c, n < 5 ? 5 : n);
        ran++;
    }
    printf("bench: done %u cases\n", ran);
    return 0;
}
