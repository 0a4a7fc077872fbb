/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * init: the first process. It reads the manifest (the boot module named
 * `manifest`, format in docs/manifest.md), starts each component in the
 * manifest's start order with the capabilities its entry lists, and
 * supervises them.
 *
 * Model: one port (STYLE.md item 3). Each running component's process is
 * bound to it for SIG_TERMINATED with key = the component's index; each
 * component waiting to be restarted has a one-shot timer bound with key =
 * KEY_TIMER + index. A component is in one of three states:
 *   RUNNING  -> (terminated) -> WAITING (restart policy says so, limit not
 *               reached) or DONE;
 *   WAITING  -> (its timer)  -> RUNNING, or DONE if the start fails.
 * Back-off: the first restart waits backoff_min, each following one twice
 * the last, up to backoff_max; a run longer than backoff_max resets both
 * the delay and the restart count (docs/manifest.md).
 *
 * Capabilities are made fresh for every start from init's root resources
 * and boot modules, and moved to the child with its bootstrap message
 * (`module *`: in the messages after it). What a start gives and tells ns
 * and proc (the "ns", "init" and "manifest" handles, ns.attach,
 * proc.adopt) is services.c's part.
 *
 * `init test` (the argument): init exits 0 once no component is running or
 * waiting to restart, so the kernel's test verdict sees the run end.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/spawn.h"
#include "cairn/sys.h"
#include "manifest.h"
#include "manifest_vmo.h"
#include "services.h"

_Static_assert(MANIFEST_QUOTA_MEMORY_DEFAULT == SPAWN_DEFAULT_MEMORY &&
                   MANIFEST_QUOTA_HANDLES_DEFAULT == SPAWN_DEFAULT_HANDLES &&
                   MANIFEST_QUOTA_THREADS_DEFAULT == SPAWN_DEFAULT_THREADS,
               "the manifest's default quotas are spawn()'s");

#define KEY_TIMER 0x100u
#define MS 1000000ull

enum comp_state { DONE = 0, RUNNING, WAITING };

typedef struct comp {
    enum comp_state state;
    handle_t proc;
    handle_t timer;
    uint64_t started_ns;
    uint32_t restarts;   /* restarts in a row without a stable run */
    uint32_t delay_ms;   /* the last back-off used; 0 before the first */
} comp_t;

static manifest_t manifest;
static comp_t comps[MANIFEST_MAX_COMPONENTS];
static handle_t port;

static void report_line(const char *msg)
{
    fprintf(stderr, "init: %s\n", msg);
}

static void manifest_report(void *ctx, const char *msg)
{
    (void)ctx;
    report_line(msg);
}

/* The handle for one capability line, made from init's own; HANDLE_INVALID
 * (after a log line) if it cannot be made. */
static handle_t make_cap(const manifest_component_t *c, const manifest_cap_t *cap)
{
    handle_t out = HANDLE_INVALID;
    int64_t err;
    const char *from;
    switch (cap->kind) {
    case MANIFEST_CAP_IOPORT:
        from = "ioport";
        err = sys_resource_derive(libsys_handle(from), RESOURCE_IOPORT, cap->base, cap->len, &out);
        break;
    case MANIFEST_CAP_MMIO:
        from = "mmio";
        err = sys_resource_derive(libsys_handle(from), RESOURCE_MMIO, cap->base, cap->len, &out);
        break;
    case MANIFEST_CAP_IRQ:
        from = "irq";
        err = sys_resource_derive(libsys_handle(from), RESOURCE_IRQ, cap->base, cap->len, &out);
        break;
    case MANIFEST_CAP_MSI:
        from = "msi";
        err = sys_resource_derive(libsys_handle(from), RESOURCE_MSI, cap->base, cap->len, &out);
        break;
    case MANIFEST_CAP_IRQ_ISA:
        /* Only the kernel maps ISA IRQs to GSIs: the object is made from
         * the root IRQ resource, which covers every GSI. */
        from = "irq";
        err = sys_irq_create(libsys_handle(from), (uint32_t)cap->base, IRQ_ISA, &out);
        break;
    case MANIFEST_CAP_DMA:
    case MANIFEST_CAP_LOG:
        from = cap->kind == MANIFEST_CAP_DMA ? "dma" : "log";
        {
            handle_info_t info; /* the same rights as init's */
            err = sys_handle_info(libsys_handle(from), &info);
            if (err == OK)
                err = sys_handle_dup(libsys_handle(from), info.rights, &out);
        }
        break;
    case MANIFEST_CAP_MODULE:
        from = cap->module;
        err = libsys_handle(from) == HANDLE_INVALID
                  ? ERR_NOT_FOUND
                  : sys_handle_dup(libsys_handle(from), RIGHT_READ | RIGHT_MAP | RIGHT_DUPLICATE | RIGHT_TRANSFER, &out);
        break;
    default:
        return HANDLE_INVALID;
    }
    if (err != OK) {
        fprintf(stderr, "init: manifest:%u: '%s': cannot make '%s' from %s: %s\n", (unsigned)cap->line, c->name,
                cap->name, from, cairn_error_name((int)err));
        return HANDLE_INVALID;
    }
    return out;
}

/* Starts component i: its capabilities, its process, its binding. */
static bool start(size_t i)
{
    const manifest_component_t *c = &manifest.comp[i];
    comp_t *s = &comps[i];
    handle_t image = libsys_handle(c->program);
    if (image == HANDLE_INVALID) {
        fprintf(stderr, "init: manifest:%u: no boot module '%s'\n", (unsigned)c->program_line, c->program);
        s->state = DONE;
        return false;
    }
    static spawn_handle_t hs[CHAN_MAX_HANDLES], more[SPAWN_MORE_MAX];
    uint32_t nh = 0, nmore = 0;
    services_start_t st = {HANDLE_INVALID, HANDLE_INVALID};
    bool ok = true;
    for (size_t k = 0; k < c->ncaps && ok; k++) {
        const manifest_cap_t *cap = &c->caps[k];
        if (cap->kind == MANIFEST_CAP_PROVIDE || cap->kind == MANIFEST_CAP_CONNECT)
            continue; /* ns's business: services_handles gives the session */
        if (cap->kind == MANIFEST_CAP_ALL_MODULES) {
            ok = services_modules(c, more, &nmore, SPAWN_MORE_MAX) == OK;
            continue;
        }
        handle_t h = make_cap(c, cap);
        if (h == HANDLE_INVALID) {
            ok = false;
            break;
        }
        hs[nh].h = h;
        memcpy(hs[nh].name, cap->name, sizeof hs[nh].name);
        nh++;
    }
    if (ok)
        ok = services_handles(i, hs, &nh, &st) == OK;
    if (!ok) {
        for (uint32_t k = 0; k < nh; k++)
            sys_handle_close(hs[k].h);
        for (uint32_t k = 0; k < nmore; k++)
            sys_handle_close(more[k].h);
        s->state = DONE;
        return false;
    }
    static char args[MANIFEST_ARGS_MAX + MANIFEST_NAME_MAX];
    snprintf(args, sizeof args, "%s%s%s", c->program, c->args[0] ? " " : "", c->args);
    const process_quota_t quota = {c->quota_memory, c->quota_handles, c->quota_threads};
    spawn_proc_t sp;
    int serr = spawn_prepare(image, c->name, &quota, &sp, report_line);
    if (serr != OK) {
        if (serr == ERR_OUT_OF_RANGE) /* spawn_prepare has logged the call */
            fprintf(stderr, "init: manifest:%u: the quota of '%s' is more than init has\n",
                    c->quota_line ? c->quota_line : c->line, c->name);
        for (uint32_t k = 0; k < nh; k++)
            sys_handle_close(hs[k].h);
        for (uint32_t k = 0; k < nmore; k++)
            sys_handle_close(more[k].h);
    } else if ((serr = spawn_start(&sp, args, NULL, hs, nh, more, nmore, report_line)) != OK) {
        spawn_discard(&sp);
    }
    if (serr != OK) {
        services_discard(&st);
        s->state = DONE;
        return false;
    }
    handle_t proc = sp.proc;
    int64_t err = sys_port_bind(port, proc, i, SIG_TERMINATED);
    if (err != OK) {
        /* Unsupervised it would be invisible: end it. */
        fprintf(stderr, "init: '%s': port_bind: %s\n", c->name, cairn_error_name((int)err));
        sys_process_kill(proc);
        sys_handle_close(proc);
        services_discard(&st);
        s->state = DONE;
        return false;
    }
    s->proc = proc;
    s->state = RUNNING;
    s->started_ns = libsys_now_ns();
    printf("init: started '%s'\n", c->name);
    services_started(i, proc, &st);
    return true;
}

handle_t init_component_process(size_t i)
{
    return i < manifest.ncomp && comps[i].state == RUNNING ? comps[i].proc : HANDLE_INVALID;
}

static const char *reason_name(uint32_t r)
{
    switch (r) {
    case PROCESS_EXITED:
        return "exited";
    case PROCESS_KILLED:
        return "killed";
    case PROCESS_FAULTED:
        return "faulted";
    default:
        return "running";
    }
}

/* Component i's process has finished: log it, and restart it per policy. */
static void ended(size_t i)
{
    const manifest_component_t *c = &manifest.comp[i];
    comp_t *s = &comps[i];
    process_info_t info;
    memset(&info, 0, sizeof info);
    sys_process_info(s->proc, &info);
    sys_handle_close(s->proc); /* its binding goes with it */
    s->proc = HANDLE_INVALID;
    s->state = DONE;
    services_ended(i);
    printf("init: '%s' exited (%s, status %d)\n", c->name, reason_name(info.exit_reason), (int)info.exit_code);
    bool failed = !(info.exit_reason == PROCESS_EXITED && info.exit_code == 0);
    if (c->restart == MANIFEST_RESTART_NEVER || (c->restart == MANIFEST_RESTART_ON_FAILURE && !failed))
        return;
    uint64_t ran_ms = (libsys_now_ns() - s->started_ns) / MS;
    if (ran_ms > c->backoff_max_ms) { /* a stable run: start afresh */
        s->restarts = 0;
        s->delay_ms = 0;
    }
    if (c->restart_limit && s->restarts >= c->restart_limit) {
        printf("init: giving up on '%s' after %u restarts\n", c->name, (unsigned)s->restarts);
        return;
    }
    uint32_t delay = s->delay_ms ? s->delay_ms * 2 : c->backoff_min_ms;
    if (delay > c->backoff_max_ms || delay < s->delay_ms)
        delay = c->backoff_max_ms;
    s->delay_ms = delay;
    s->restarts++;
    int64_t err = OK;
    if (s->timer == HANDLE_INVALID && (err = sys_timer_create(&s->timer)) == OK &&
        (err = sys_port_bind(port, s->timer, KEY_TIMER + i, SIG_TIMER)) != OK) {
        sys_handle_close(s->timer);
        s->timer = HANDLE_INVALID;
    }
    if (err == OK)
        err = sys_timer_set(s->timer, libsys_now_ns() + delay * MS, 0);
    if (err != OK) {
        fprintf(stderr, "init: '%s': cannot arm its restart timer: %s\n", c->name, cairn_error_name((int)err));
        return;
    }
    s->state = WAITING;
    if (c->restart_limit)
        printf("init: restarting '%s' in %u ms (restart %u of %u)\n", c->name, (unsigned)delay,
               (unsigned)s->restarts, (unsigned)c->restart_limit);
    else
        printf("init: restarting '%s' in %u ms (restart %u)\n", c->name, (unsigned)delay, (unsigned)s->restarts);
}

static bool anything_left(void)
{
    for (size_t i = 0; i < manifest.ncomp; i++)
        if (comps[i].state != DONE)
            return true;
    return false;
}

static int read_manifest(void)
{
    handle_t v = libsys_handle("manifest");
    const char *text;
    size_t len;
    if (v == HANDLE_INVALID) {
        fprintf(stderr, "init: no boot module 'manifest'\n");
        return ERR_NOT_FOUND;
    }
    int err = manifest_map(v, &text, &len);
    if (err != OK) {
        fprintf(stderr, "init: cannot map the manifest: %s\n", cairn_error_name(err));
        return err;
    }
    return manifest_parse(text, len, &manifest, manifest_report, NULL);
}

int main(int argc, char **argv)
{
    bool test_mode = argc > 1 && strcmp(argv[1], "test") == 0;
    if (read_manifest() != OK)
        return 1;
    int64_t err = sys_port_create(&port);
    if (err != OK) {
        fprintf(stderr, "init: port_create: %s\n", cairn_error_name((int)err));
        return 1;
    }
    for (size_t i = 0; i < manifest.ncomp; i++)
        comps[i].proc = comps[i].timer = HANDLE_INVALID;
    services_init(&manifest);
    printf("init: %zu components\n", manifest.ncomp);
    for (size_t k = 0; k < manifest.ncomp; k++)
        start(manifest.order[k]);
    while (!test_mode || anything_left()) {
        port_packet_t pkt;
        err = sys_port_wait(port, DEADLINE_INFINITE, &pkt);
        if (err != OK) {
            fprintf(stderr, "init: port_wait: %s\n", cairn_error_name((int)err));
            return 1;
        }
        if (pkt.key < manifest.ncomp && comps[pkt.key].state == RUNNING && (pkt.signals & SIG_TERMINATED)) {
            ended(pkt.key);
        } else if (pkt.key >= KEY_TIMER && pkt.key - KEY_TIMER < manifest.ncomp &&
                   comps[pkt.key - KEY_TIMER].state == WAITING) {
            start(pkt.key - KEY_TIMER);
        }
    }
    printf("init: no component left to run\n");
    return 0;
}
