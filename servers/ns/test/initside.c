/* SPDX-License-Identifier: BSD-2-Clause
 *
 * nstest's checks of what init gives a component besides ns (services.c
 * in servers/init). In tests/qemu/data/ns/manifest nstest has `module *`
 * and provides "proc", so:
 *   - every boot module follows its bootstrap message, read-only, in
 *     BOOTSTRAP_MORE_ARGS messages, which libsys collects with the first:
 *     they are among its bootstrap handles;
 *   - its handle "init" carries proc.adopt events: init itself (parent 0,
 *     no MANAGE right), then every running component (parent init, with
 *     MANAGE), and later each restart (nspub's, here).
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "nstest.h"
#include "proc.h"

static const char *const modules[] = {"init", "manifest", "ns", "nspub", "nstest"};
#define NMODULES (sizeof modules / sizeof modules[0])

void test_modules(void)
{
    uint32_t seen = 0, bad = 0, vmos = 0;
    for (size_t i = 0; i < libsys_handle_count(); i++) {
        const char *name;
        handle_t h = libsys_handle_at(i, &name);
        handle_info_t info;
        if (sys_handle_info(h, &info) != OK || info.kind != KIND_VMO)
            continue; /* its channels: ns, init */
        vmos++;
        bool ro = (info.rights & (RIGHT_READ | RIGHT_MAP)) == (RIGHT_READ | RIGHT_MAP) && !(info.rights & RIGHT_WRITE);
        bad += !ro;
        for (uint32_t k = 0; k < NMODULES; k++)
            if (strcmp(name, modules[k]) == 0 && ro)
                seen |= 1u << k;
    }
    /* libsys left nothing else on the bootstrap channel. */
    static bootstrap_msg_t msg;
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {sizeof msg, CHAN_MAX_HANDLES};
    int64_t rest = sys_chan_read(libsys_bootstrap_channel(), &msg, hs, &sz);
    verdict("module *: every boot module, read-only", vmos == NMODULES && bad == 0 &&
                                                          seen == (1u << NMODULES) - 1 &&
                                                          (rest == ERR_SHOULD_WAIT || rest == ERR_PEER_CLOSED),
            "%u vmos, %u not read-only, modules seen %#x, channel %d", vmos, bad, seen, (int)rest);
}

/* The adopt events received so far. */
typedef struct adopted {
    char name[32];
    uint64_t parent, pid;
    uint32_t rights;
} adopted_t;

static adopted_t got[32];
static uint32_t ngot;

static void on_adopt(void *ctx, const char *name, uint64_t parent, handle_t process)
{
    handle_info_t info = {0};
    (void)ctx;
    sys_handle_info(process, &info);
    if (ngot < 32) {
        snprintf(got[ngot].name, sizeof got[ngot].name, "%s", name);
        got[ngot].parent = parent;
        got[ngot].pid = info.object_id;
        got[ngot].rights = info.rights;
        ngot++;
    }
    sys_handle_close(process);
}

static const proc_ops_t ops = {.adopt = on_adopt};

static const adopted_t *find(const char *name, uint32_t from)
{
    for (uint32_t i = from; i < ngot; i++)
        if (strcmp(got[i].name, name) == 0)
            return &got[i];
    return NULL;
}

/* Reads adopt events until one for `name` at index >= from arrives. */
static const adopted_t *await(const char *name, uint32_t from, uint64_t ms)
{
    static uint8_t buf[256];
    handle_t ch = libsys_handle("init"), hs[CHAN_MAX_HANDLES];
    uint64_t end = soon(ms);
    const adopted_t *a;
    while ((a = find(name, from)) == NULL) {
        chan_sizes_t sz = {sizeof buf, CHAN_MAX_HANDLES};
        if (sys_object_wait(ch, SIG_READABLE, end, NULL) != OK || sys_chan_read(ch, buf, hs, &sz) != OK)
            return NULL;
        if (proc_dispatch(&ops, NULL, ch, buf, sz.bytes, hs, sz.handles) != OK)
            printf("nstest: a bad message on 'init'\n");
    }
    return a;
}

uint64_t own_pid;
static uint64_t init_pid, nspub_pid;
static uint32_t after_start;

void test_adopt_start(void)
{
    const adopted_t *i = await("init", 0, 2000), *n = await("ns", 0, 2000), *p = await("nspub", 0, 2000);
    const adopted_t *t = await("nstest", 0, 2000);
    verdict("adopt: init itself", i && i->parent == 0 && i->pid != 0 && !(i->rights & RIGHT_MANAGE) &&
                                      (i->rights & (RIGHT_READ | RIGHT_WAIT)) == (RIGHT_READ | RIGHT_WAIT),
            "%s", i ? "wrong parent or rights" : "none");
    init_pid = i ? i->pid : 0;
    verdict("adopt: ns, with all of init's rights",
            n && init_pid && n->parent == init_pid && (n->rights & RIGHT_MANAGE), "%s", n ? "wrong" : "none");
    verdict("adopt: nspub", p && init_pid && p->parent == init_pid, "%s", p ? "wrong parent" : "none");
    nspub_pid = p ? p->pid : 0;
    verdict("adopt: nstest itself", t && init_pid && t->parent == init_pid && t->pid != 0, "%s",
            t ? "wrong parent" : "none");
    own_pid = t ? t->pid : 0;
    after_start = ngot;
}

void test_adopt_restart(void)
{
    const adopted_t *p = await("nspub", after_start, 2000);
    verdict("adopt: nspub again after its restart", p && p->pid != nspub_pid && p->parent == init_pid, "%s",
            p ? "same process or parent" : "none");
}
