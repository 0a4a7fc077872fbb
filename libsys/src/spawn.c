/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Processes from ELF images in vmos (cairn/spawn.h).
 *
 * Model: spawn_prepare maps the image read-only in the caller for the
 * duration of the call, elf_parse()s it (untrusted: a boot module), then
 * builds the child from the outside: process_create, one vmo per PT_LOAD
 * segment (file bytes copied in with vmo_write, the rest zero) mapped
 * MAP_FIXED at its address with its permissions, a stack vmo below
 * SPAWN_STACK_TOP. spawn_start makes the bootstrap channel, queues the
 * bootstrap message and the "more handles" messages on it and hands the
 * child's end over in process_start (it becomes the child's RDI). The
 * caller's end is closed at once: the messages stay queued for the child.
 *
 * The segment and stack vmos are created by the caller, so their memory
 * counts against the caller's quota for as long as the child lives.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/spawn.h"
#include "init/elf.h"

#define PAGE 4096ull

static spawn_report_fn cur_report;

static void reportf(spawn_report_fn report, const char *name, const char *step, int64_t err)
{
    char line[128];
    snprintf(line, sizeof line, "'%s': %s: %s", name, step, cairn_error_name((int)err));
    report(line);
}

static void elf_report(void *ctx, const char *msg)
{
    char line[192];
    snprintf(line, sizeof line, "'%s': %s", (const char *)ctx, msg); /* msg is "elf: ..." */
    cur_report(line);
}

static int64_t map_segment(handle_t proc, const uint8_t *image, const elf_segment_t *s)
{
    handle_t v;
    int64_t err = sys_vmo_create(s->memsz, 0, &v);
    if (err != OK)
        return err;
    if (s->filesz)
        err = sys_vmo_write(v, image + s->file_off, s->copy_to - s->vaddr, s->filesz);
    uint64_t addr = s->vaddr;
    uint32_t flags = MAP_READ | MAP_FIXED | (s->write ? MAP_WRITE : 0) | (s->exec ? MAP_EXEC : 0);
    if (err == OK)
        err = sys_vm_map(proc, v, 0, s->memsz, flags, &addr);
    sys_handle_close(v); /* the mapping keeps the vmo */
    return err;
}

static int64_t map_stack(handle_t proc)
{
    handle_t v;
    int64_t err = sys_vmo_create(SPAWN_STACK_SIZE, 0, &v);
    uint64_t addr = SPAWN_STACK_TOP - SPAWN_STACK_SIZE;
    if (err == OK) {
        err = sys_vm_map(proc, v, 0, SPAWN_STACK_SIZE, MAP_READ | MAP_WRITE | MAP_FIXED, &addr);
        sys_handle_close(v);
    }
    return err;
}

/* Builds the process's memory from the image, which is mapped only here.
 * *step names what failed. */
static int64_t load(handle_t image, const char *name, handle_t proc, uint64_t *entry, const char **step)
{
    static elf_image_t elf;
    uint64_t size = 0, addr = 0;
    *step = "map image";
    int64_t err = sys_vmo_get_size(image, &size);
    if (err == OK)
        err = sys_vm_map(HANDLE_INVALID, image, 0, size, MAP_READ, &addr);
    if (err != OK)
        return err;
    *step = "elf";
    err = elf_parse((const void *)(uintptr_t)addr, size, &elf, elf_report, (void *)name);
    if (err == OK)
        *step = "load segment";
    for (size_t i = 0; err == OK && i < elf.nseg; i++)
        err = map_segment(proc, (const uint8_t *)(uintptr_t)addr, &elf.seg[i]);
    if (err == OK && (*step = "stack", err = map_stack(proc)) == OK)
        *entry = elf.entry;
    sys_vm_unmap(HANDLE_INVALID, addr, (size + PAGE - 1) & ~(PAGE - 1));
    return err;
}

int spawn_prepare(handle_t image, const char *name, const process_quota_t *quota, spawn_proc_t *out,
                  spawn_report_fn report)
{
    static const process_quota_t dflt = {SPAWN_DEFAULT_MEMORY, SPAWN_DEFAULT_HANDLES, SPAWN_DEFAULT_THREADS};
    handle_t p = HANDLE_INVALID;
    uint64_t entry = 0;
    const char *step = "process_create";
    cur_report = report;
    int64_t err = sys_process_create(name, quota ? quota : &dflt, &p);
    if (err == OK)
        err = load(image, name, p, &entry, &step);
    if (err != OK) {
        if (err != ERR_CORRUPT || strcmp(step, "elf") != 0) /* elf_parse has reported */
            reportf(report, name, step, err);
        if (p != HANDLE_INVALID)
            sys_handle_close(p);
        return (int)err;
    }
    out->proc = p;
    snprintf(out->name, sizeof out->name, "%s", name);
    out->entry = entry;
    out->stack = SPAWN_STACK_TOP;
    return OK;
}

static void close_all(const spawn_handle_t *hs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        sys_handle_close(hs[i].h);
}

/* One bootstrap message with hs[0..n) (n <= CHAN_MAX_HANDLES). On failure
 * the handles are still the caller's. */
static int64_t send_one(handle_t chan, const char *args, const char *env, const spawn_handle_t *hs, uint32_t n)
{
    static bootstrap_msg_t msg;
    handle_t h[CHAN_MAX_HANDLES];
    memset(&msg, 0, sizeof msg);
    msg.magic = BOOTSTRAP_MAGIC;
    msg.version = BOOTSTRAP_VERSION;
    msg.nhandles = n;
    memcpy(msg.args, args, strlen(args) + 1); /* lengths checked by the caller */
    memcpy(msg.env, env, strlen(env) + 1);
    for (uint32_t i = 0; i < n; i++) {
        h[i] = hs[i].h;
        memcpy(msg.handle_names[i], hs[i].name, BOOTSTRAP_NAME_MAX);
        msg.handle_names[i][BOOTSTRAP_NAME_MAX - 1] = '\0';
    }
    return sys_chan_write(chan, &msg, sizeof msg, h, n);
}

/* Queues every message on `chan`. Handles of messages written belong to
 * the channel now; the others are closed on failure. */
static int64_t send_all(handle_t chan, const char *args, const char *env, const spawn_handle_t *hs, uint32_t nh,
                        const spawn_handle_t *more, uint32_t nmore)
{
    int64_t err = send_one(chan, args, env, hs, nh);
    if (err != OK) {
        close_all(hs, nh);
        close_all(more, nmore);
        return err;
    }
    for (uint32_t i = 0; i < nmore; i += CHAN_MAX_HANDLES) {
        uint32_t n = nmore - i < CHAN_MAX_HANDLES ? nmore - i : CHAN_MAX_HANDLES;
        err = send_one(chan, BOOTSTRAP_MORE_ARGS, "", more + i, n);
        if (err != OK) {
            close_all(more + i, nmore - i);
            return err;
        }
    }
    return OK;
}

int spawn_start(spawn_proc_t *sp, const char *args, const char *env, const spawn_handle_t *hs, uint32_t nh,
                const spawn_handle_t *more, uint32_t nmore, spawn_report_fn report)
{
    handle_t mine = HANDLE_INVALID, theirs = HANDLE_INVALID;
    const char *step = "arguments";
    int64_t err = OK;
    if (!env)
        env = "";
    if (strlen(args) >= BOOTSTRAP_ARGS_MAX || strlen(env) >= BOOTSTRAP_ENV_MAX || nh > CHAN_MAX_HANDLES ||
        nmore > SPAWN_MORE_MAX)
        err = ERR_OUT_OF_RANGE;
    if (err == OK && (step = "chan_create", err = sys_chan_create(&mine, &theirs)) != OK)
        mine = theirs = HANDLE_INVALID;
    if (err != OK) {
        close_all(hs, nh);
        close_all(more, nmore);
    } else {
        step = "bootstrap message";
        err = send_all(mine, args, env, hs, nh, more, nmore);
    }
    if (err == OK) {
        step = "process_start";
        err = sys_process_start(sp->proc, sp->entry, sp->stack, theirs);
    }
    /* Closing our end leaves the queued messages to the child; after a
     * failure, closing both ends destroys them and the handles they hold. */
    if (mine != HANDLE_INVALID)
        sys_handle_close(mine);
    if (err != OK) {
        if (theirs != HANDLE_INVALID)
            sys_handle_close(theirs);
        reportf(report, sp->name, step, err);
        return (int)err;
    }
    return OK;
}

void spawn_discard(spawn_proc_t *sp)
{
    if (sp->proc != HANDLE_INVALID)
        sys_handle_close(sp->proc);
    sp->proc = HANDLE_INVALID;
}

int spawn(handle_t image, const char *name, const char *args, const char *env, const spawn_handle_t *hs,
          uint32_t nh, const spawn_handle_t *more, uint32_t nmore, handle_t *proc, spawn_report_fn report)
{
    spawn_proc_t sp;
    int err = spawn_prepare(image, name, NULL, &sp, report);
    if (err != OK) {
        close_all(hs, nh);
        close_all(more, nmore);
        return err;
    }
    err = spawn_start(&sp, args, env, hs, nh, more, nmore, report);
    if (err != OK) {
        spawn_discard(&sp);
        return err;
    }
    *proc = sp.proc;
    return OK;
}
