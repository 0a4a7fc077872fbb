/* SPDX-License-Identifier: BSD-2-Clause
 *
 * SMP stress, in a fresh child for a bounded time (STRESS_NS of guest
 * time): pairs of threads play channel ping-pong with sequence numbers -
 * half with chan_write/chan_read and a window of messages in flight, half
 * with chan_call - while other threads create, map, fill, check, unmap and
 * close vmos. Each side checks it receives exactly 1, 2, 3, ... in order.
 * When the time is up every thread ends; the child reports before and
 * after, and the parent checks that its handle count, memory and thread
 * count are back where they started. There is no call for the CPU count:
 * twelve threads keep four CPUs busy twice over.
 */
#include "lib/kstring.h"
#include "uhelp.h"

#define PAIRS 4
#define VMO_WORKERS 4
#define WINDOW 8
#define STRESS_NS (1500 * UT_MS)
#define PAGE 4096ull

typedef struct pp_msg {
    uint64_t txid; /* chan_call's transaction id (the kernel's) */
    uint64_t seq;  /* 1, 2, 3, ...; 0 ends the server */
} pp_msg_t;

typedef struct pingpong {
    handle_t client, server; /* the two ends of the pair's channel */
    bool use_call;
    uint64_t deadline;
    uint64_t replies, client_errors; /* the client's */
    uint64_t served, server_errors;  /* the server's */
} pingpong_t;

typedef struct vmo_job {
    int id;
    uint64_t deadline;
    uint64_t rounds, errors;
} vmo_job_t;

enum { PHASE_BEFORE = 1, PHASE_AFTER };

typedef struct stress_report {
    uint32_t phase;
    uint32_t errors;
    uint64_t messages;
    uint64_t vmo_rounds;
} stress_report_t;

static uint64_t end_of_wait(const pingpong_t *pp) { return pp->deadline + UT_LONG_WAIT; }

static int pp_send(pingpong_t *pp, uint64_t seq)
{
    pp_msg_t m = {0, seq};
    return (int)sys_chan_write(pp->client, &m, sizeof m, NULL, 0);
}

/* write/read: up to WINDOW requests in flight; replies must come 1, 2, ... */
static void pp_client_window(pingpong_t *pp)
{
    uint64_t next_send = 1, next_reply = 1;
    for (;;) {
        bool more = ut_now() < pp->deadline;
        while (more && next_send - next_reply < WINDOW) {
            if (pp_send(pp, next_send++) != OK)
                pp->client_errors++;
        }
        if (next_reply == next_send)
            break;
        pp_msg_t r;
        if (ut_recv(pp->client, &r, sizeof r, end_of_wait(pp)) != sizeof r) {
            pp->client_errors++;
            break;
        }
        if (r.seq != next_reply)
            pp->client_errors++;
        next_reply++;
        pp->replies++;
    }
}

/* chan_call: one request at a time, matched by the kernel's txid. */
static void pp_client_call(pingpong_t *pp)
{
    for (uint64_t seq = 1; ut_now() < pp->deadline; seq++) {
        pp_msg_t req = {0, seq}, rep = {0, 0};
        chan_call_args_t a = {
            .wr_bytes = (uint64_t)(uintptr_t)&req, .wr_num_bytes = sizeof req,
            .rd_bytes = (uint64_t)(uintptr_t)&rep, .rd_num_bytes = sizeof rep,
        };
        if (sys_chan_call(pp->client, &a, end_of_wait(pp)) != sizeof rep || rep.seq != seq) {
            pp->client_errors++;
            break;
        }
        pp->replies++;
    }
}

static int pp_client(void *arg)
{
    pingpong_t *pp = arg;
    if (pp->use_call)
        pp_client_call(pp);
    else
        pp_client_window(pp);
    if (pp_send(pp, 0) != OK) /* the server may end */
        pp->client_errors++;
    return 0;
}

/* Echo each request (its txid included); requests must come 1, 2, ... */
static int pp_server(void *arg)
{
    pingpong_t *pp = arg;
    for (uint64_t expect = 1;; expect++) {
        pp_msg_t m;
        if (ut_recv(pp->server, &m, sizeof m, end_of_wait(pp)) != sizeof m) {
            pp->server_errors++;
            break;
        }
        if (m.seq == 0)
            break;
        if (m.seq != expect)
            pp->server_errors++;
        if (sys_chan_write(pp->server, &m, sizeof m, NULL, 0) != OK)
            pp->server_errors++;
        pp->served++;
    }
    return 0;
}

/* One round: a vmo of 1-8 pages mapped twice, written through one
 * mapping, checked through the other and with vmo_read, then let go. */
static int vmo_round(uint64_t pages, uint64_t stamp)
{
    handle_t v;
    uint64_t rw = 0, ro = 0, len = pages * PAGE;
    int err = (int)sys_vmo_create(len, 0, &v);
    if (err != OK)
        return 1;
    err = (int)sys_vm_map(HANDLE_INVALID, v, 0, len, MAP_READ | MAP_WRITE, &rw);
    if (err == OK)
        err = (int)sys_vm_map(HANDLE_INVALID, v, 0, len, MAP_READ, &ro);
    int bad = err != OK;
    for (uint64_t i = 0; !bad && i < pages; i++) {
        volatile uint64_t *w = (volatile uint64_t *)(rw + i * PAGE), *r = (volatile uint64_t *)(ro + i * PAGE);
        w[0] = stamp + i;
        w[511] = ~(stamp + i);
        uint64_t back[2];
        bad |= r[0] != stamp + i || r[511] != ~(stamp + i);
        bad |= sys_vmo_read(v, &back[0], i * PAGE, 8) != OK || back[0] != stamp + i;
        bad |= sys_vmo_read(v, &back[1], i * PAGE + 4088, 8) != OK || back[1] != ~(stamp + i);
    }
    if (rw && sys_vm_unmap(HANDLE_INVALID, rw, len) != OK)
        bad = 1;
    if (ro && sys_vm_unmap(HANDLE_INVALID, ro, len) != OK)
        bad = 1;
    if (sys_handle_close(v) != OK)
        bad = 1;
    return bad;
}

static int vmo_worker(void *arg)
{
    vmo_job_t *j = arg;
    while (ut_now() < j->deadline) {
        uint64_t stamp = ((uint64_t)j->id << 48) | j->rounds;
        j->errors += (uint64_t)vmo_round(1 + j->rounds % 8, stamp);
        j->rounds++;
    }
    return 0;
}

static int report(handle_t chan, const stress_report_t *r)
{
    if (sys_chan_write(chan, r, sizeof *r, NULL, 0) != OK)
        return ERR_INTERNAL;
    char ack;
    return ut_recv(chan, &ack, 1, ut_deadline(UT_LONG_WAIT)) == 1 ? OK : ERR_TIMED_OUT;
}

static pingpong_t pairs[PAIRS];
static vmo_job_t jobs[VMO_WORKERS];

static int run_stress(stress_report_t *r)
{
    static ut_thread_t t[2 * PAIRS + VMO_WORKERS];
    int n = 0;
    uint64_t deadline = ut_deadline(STRESS_NS);
    for (int i = 0; i < PAIRS; i++) {
        pingpong_t *pp = &pairs[i];
        memset(pp, 0, sizeof *pp);
        pp->use_call = i % 2;
        pp->deadline = deadline;
        if (sys_chan_create(&pp->client, &pp->server) != OK)
            return 1;
        if (ut_thread_start(&t[n++], pp_server, pp) != OK || ut_thread_start(&t[n++], pp_client, pp) != OK)
            return 2;
    }
    for (int i = 0; i < VMO_WORKERS; i++) {
        jobs[i] = (vmo_job_t){.id = i, .deadline = deadline};
        if (ut_thread_start(&t[n++], vmo_worker, &jobs[i]) != OK)
            return 3;
    }
    for (int i = 0; i < n; i++)
        if (ut_thread_join(&t[i]) != OK)
            return 4;
    for (int i = 0; i < PAIRS; i++) {
        pingpong_t *pp = &pairs[i];
        uint64_t bad = pp->client_errors + pp->server_errors + (pp->replies == 0) + (pp->served != pp->replies);
        if (bad)
            ut_printf("utest: pair %d (%s): %llu replies, %llu served, errors %llu client %llu server", i,
                      pp->use_call ? "chan_call" : "write/read", (unsigned long long)pp->replies,
                      (unsigned long long)pp->served, (unsigned long long)pp->client_errors,
                      (unsigned long long)pp->server_errors);
        r->errors += (uint32_t)bad;
        r->messages += pp->replies;
        sys_handle_close(pp->client);
        sys_handle_close(pp->server);
    }
    for (int i = 0; i < VMO_WORKERS; i++) {
        uint64_t bad = jobs[i].errors + (jobs[i].rounds == 0);
        if (bad)
            ut_printf("utest: vmo worker %d: %llu rounds, %llu failed", i, (unsigned long long)jobs[i].rounds,
                      (unsigned long long)jobs[i].errors);
        r->errors += (uint32_t)bad;
        r->vmo_rounds += jobs[i].rounds;
    }
    return 0;
}

UCHILD(smp_stress)
{
    stress_report_t r = {PHASE_BEFORE, 0, 0, 0};
    if (report(chan, &r) != OK)
        return 1;
    int err = run_stress(&r);
    if (err != 0)
        return 10 + err;
    r.phase = PHASE_AFTER;
    if (report(chan, &r) != OK)
        return 2;
    return r.errors ? 3 : 0;
}

UTEST(smp_stress_pingpong_and_vmos)
{
    handle_t p, c;
    UT_EQ(utest_spawn("smp_stress", &p, &c, NULL, 0), OK);
    stress_report_t r;
    process_info_t before, after;
    char ack = 1;
    UT_EQ(ut_recv(c, &r, sizeof r, ut_deadline(UT_LONG_WAIT)), sizeof r);
    UT_EQ(r.phase, PHASE_BEFORE);
    UT_EQ(sys_process_info(p, &before), OK);
    UT_EQ(sys_chan_write(c, &ack, 1, NULL, 0), OK);
    UT_EQ(ut_recv(c, &r, sizeof r, ut_deadline(STRESS_NS + UT_LONG_WAIT)), sizeof r);
    UT_EQ(r.phase, PHASE_AFTER);
    UT_EQ(sys_process_info(p, &after), OK);
    UT_EQ(sys_chan_write(c, &ack, 1, NULL, 0), OK);
    ut_printf("utest: smp stress: %llu messages in order, %llu vmo rounds, %u errors",
              (unsigned long long)r.messages, (unsigned long long)r.vmo_rounds, r.errors);
    UT_EQ(r.errors, 0);
    UT_EQ(before.threads, 1);
    UT_EQ(after.threads, before.threads);
    UT_EQ(after.handles, before.handles);
    UT_EQ(after.memory_bytes, before.memory_bytes);
    process_info_t info;
    UT_EQ(ut_proc_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_EXITED);
    UT_EQ(info.exit_code, 0);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}
