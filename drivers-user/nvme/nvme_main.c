/* SPDX-License-Identifier: BSD-2-Clause
 *
 * nvme: the driver of NVM Express controllers (PCI class 01/08/02), one
 * process per controller, started by devmgr (nvme.driver). docs/nvme.md.
 *
 * It is the driver library's ops table around the hardware layer (nvme.h):
 * init brings the controller up, interrupts go to nvme_ctrl_interrupt, a
 * timer looks for commands past their deadline while any are outstanding,
 * stop shuts the controller down. The block protocol is not served yet
 * (the block library will sit on nvme_io_submit); until then the
 * `selftest` argument proves the layer at the end of init.
 *
 * Arguments (the manifest's `args`): selftest | selftest=timeout,
 * noshadow, queues=N, irq=msix|msi|intx, timeout=MS, seed=N, wseed=N,
 * write=OFF:LEN, discard=OFF:LEN, bursts=N (sizes take K, M, G suffixes).
 * The controller's index X in nvmeX is devmgr's instance number
 * (DRIVER_INSTANCE, drv_t.instance): the controllers in PCI order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "nvme_drv.h"

static nvme_drv_t nvme;
static int g_argc;
static char **g_argv;

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    uint64_t v = strtoull(s, &end, 0);
    if (end == s)
        return false;
    uint32_t shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
    if (shift)
        end++;
    if (*end != '\0' && *end != ':')
        return false;
    *out = v << shift;
    return true;
}

static bool parse_range(const char *s, uint64_t *off, uint64_t *len)
{
    const char *colon = strchr(s, ':');
    return colon && parse_size(s, off) && parse_size(colon + 1, len);
}

int nvme_opts_parse(nvme_opts_t *o, int argc, char **argv)
{
    *o = (nvme_opts_t){.shadow = true, .bursts = 2};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = strchr(a, '=');
        v = v ? v + 1 : "";
        uint64_t n = 0;
        bool ok = true;
        if (strcmp(a, "selftest") == 0)
            o->selftest = true;
        else if (strcmp(a, "selftest=timeout") == 0)
            o->timeout_test = true;
        else if (strcmp(a, "noshadow") == 0)
            o->shadow = false;
        else if (strcmp(a, "irq=msix") == 0)
            o->irq_allow = DRV_ALLOW(DRV_IRQ_MSIX);
        else if (strcmp(a, "irq=msi") == 0)
            o->irq_allow = DRV_ALLOW(DRV_IRQ_MSI);
        else if (strcmp(a, "irq=intx") == 0)
            o->irq_allow = DRV_ALLOW(DRV_IRQ_INTX);
        else if (strncmp(a, "queues=", 7) == 0 && (ok = parse_size(v, &n) && n >= 1 && n <= NVME_MAX_IO_QUEUES))
            o->queues = (uint32_t)n;
        else if (strncmp(a, "timeout=", 8) == 0 && (ok = parse_size(v, &n) && n >= 1 && n <= 3600000))
            o->timeout_ms = (uint32_t)n;
        else if (strncmp(a, "bursts=", 7) == 0 && (ok = parse_size(v, &n) && n >= 1 && n <= 100000))
            o->bursts = (uint32_t)n;
        else if (strncmp(a, "seed=", 5) == 0)
            ok = parse_size(v, &o->seed);
        else if (strncmp(a, "wseed=", 6) == 0)
            ok = parse_size(v, &o->wseed);
        else if (strncmp(a, "write=", 6) == 0)
            ok = parse_range(v, &o->woff, &o->wlen);
        else if (strncmp(a, "discard=", 8) == 0)
            ok = parse_range(v, &o->doff, &o->dlen);
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "nvme: unknown or bad argument '%s'\n", a);
            return ERR_INVALID_ARGS;
        }
    }
    return OK;
}

static void on_done(void *ctx, nvme_queue_t *q, uint64_t tag, int status)
{
    nvme_drv_t *n = ctx;
    if (n->done)
        n->done(n->done_ctx, q, tag, status);
    else
        printf("%s: completion of tag %llu with nobody to take it (%s)\n", n->ctrl.name, (unsigned long long)tag,
               cairn_error_name(status));
}

static void arm_timer(void *ctx, uint64_t deadline_ns)
{
    nvme_drv_t *n = ctx;
    sys_timer_set(n->timer, deadline_ns, 0);
}

static void on_timer(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    nvme_drv_t *n = src->ctx;
    (void)loop;
    (void)signals;
    uint64_t next = nvme_ctrl_tick(&n->ctrl, libsys_now_ns());
    if (next)
        sys_timer_set(n->timer, next, 0);
    if (n->ctrl.state == NVME_DEAD) {
        printf("%s: the controller is dead: ending the driver (devmgr starts a new one)\n", n->ctrl.name);
        drv_quit(n->d, 2);
    }
}

static int nvme_init(drv_t *d)
{
    nvme_drv_t *n = d->ctx;
    n->d = d;
    n->timer = HANDLE_INVALID;
    int err = nvme_opts_parse(&n->opt, g_argc, g_argv);
    if (err != OK)
        return err;
    system_info_t si;
    uint32_t cpus = sys_system_info(&si) == OK && si.cpus > 0 ? si.cpus : 1;
    if ((err = (int)sys_timer_create(&n->timer)) != OK ||
        (err = loop_add(&d->loop, &n->timer_src, n->timer, SIG_TIMER, LOOP_URGENT, on_timer, n)) != OK)
        return err;
    nvme_config_t cfg = {
        .index = d->instance,
        .want_queues = n->opt.queues && n->opt.queues < cpus ? n->opt.queues : cpus,
        .shadow_doorbells = n->opt.shadow,
        .irq_allow = n->opt.irq_allow,
        .io_timeout_ms = n->opt.timeout_ms,
        .done = on_done,
        .arm_timer = arm_timer,
        .ctx = n,
    };
    if ((err = nvme_ctrl_init(&n->ctrl, d, &cfg)) != OK)
        return err;
    if (n->opt.timeout_test)
        err = nvme_selftest_timeout(n);
    else if (n->opt.selftest)
        err = nvme_selftest(n);
    if (err == OK && n->ctrl.state == NVME_DEAD)
        err = ERR_IO; /* died under the self-test: a fresh start is all that helps */
    return err;
}

static void nvme_interrupt(drv_t *d, uint32_t index)
{
    nvme_drv_t *n = d->ctx;
    nvme_ctrl_interrupt(&n->ctrl, index);
}

static void nvme_stop(drv_t *d)
{
    nvme_drv_t *n = d->ctx;
    if (n->ctrl.drv)
        nvme_ctrl_stop(&n->ctrl, !d->unbound);
    if (n->timer != HANDLE_INVALID) {
        loop_remove(&d->loop, &n->timer_src);
        sys_handle_close(n->timer);
        n->timer = HANDLE_INVALID;
    }
}

static const drv_ops_t nvme_ops = {
    .name = "nvme",
    .init = nvme_init,
    .interrupt = nvme_interrupt,
    .stop = nvme_stop,
};

int main(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    return drv_run(&nvme_ops, &nvme);
}
