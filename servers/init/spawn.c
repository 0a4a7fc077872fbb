/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * spawn(): a process from an ELF image in a vmo (spawn.h).
 *
 * Model: map the image read-only in init for the duration of the call,
 * elf_parse() it (untrusted: a boot module), then build the child from the
 * outside: process_create, one vmo per PT_LOAD segment (file bytes copied
 * in with vmo_write, the rest zero) mapped MAP_FIXED at its address with
 * its permissions, a stack vmo below SPAWN_STACK_TOP, a channel whose one
 * end carries the bootstrap message and becomes the child's RDI in
 * process_start. Every failure undoes what was made: the process handle is
 * closed (an unstarted process dies with its last handle) and the handles
 * meant for the child are closed.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "init/elf.h"
#include "spawn.h"

#define SPAWN_STACK_TOP 0x00007fff00000000ull
#define SPAWN_STACK_SIZE (256u * 1024)
#define SPAWN_PAGE 4096ull
/* A component's quota; init's own is larger (the kernel checks it). */
#define SPAWN_MEMORY (64ull << 20)
#define SPAWN_HANDLES 256u
#define SPAWN_THREADS 64u

static void (*spawn_report)(const char *msg);

static void elf_report(void *ctx, const char *msg)
{
    char line[160];
    snprintf(line, sizeof line, "'%s': %s", (const char *)ctx, msg);
    spawn_report(line);
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
    sys_handle_close(v);
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

/* Builds the process's memory from the image; the image is mapped only
 * here. */
static int64_t load(handle_t image, const char *name, handle_t proc, uint64_t *entry)
{
    static elf_image_t elf;
    uint64_t size = 0, addr = 0;
    int64_t err = sys_vmo_get_size(image, &size);
    if (err == OK)
        err = sys_vm_map(HANDLE_INVALID, image, 0, size, MAP_READ, &addr);
    if (err != OK)
        return err;
    err = elf_parse((const void *)addr, size, &elf, elf_report, (void *)name);
    for (size_t i = 0; err == OK && i < elf.nseg; i++)
        err = map_segment(proc, (const uint8_t *)addr, &elf.seg[i]);
    if (err == OK)
        err = map_stack(proc);
    *entry = elf.entry;
    sys_vm_unmap(HANDLE_INVALID, addr, (size + SPAWN_PAGE - 1) & ~(SPAWN_PAGE - 1));
    return err;
}

static int64_t send_bootstrap(handle_t chan, const char *args, spawn_handle_t *hs, uint32_t nh)
{
    static bootstrap_msg_t msg;
    handle_t h[CHAN_MAX_HANDLES];
    memset(&msg, 0, sizeof msg);
    msg.magic = BOOTSTRAP_MAGIC;
    msg.version = BOOTSTRAP_VERSION;
    msg.nhandles = nh;
    snprintf(msg.args, sizeof msg.args, "%s", args);
    for (uint32_t i = 0; i < nh; i++) {
        h[i] = hs[i].h;
        memcpy(msg.handle_names[i], hs[i].name, BOOTSTRAP_NAME_MAX);
        msg.handle_names[i][BOOTSTRAP_NAME_MAX - 1] = '\0';
    }
    return sys_chan_write(chan, &msg, sizeof msg, h, nh);
}

int spawn(handle_t image, const char *name, const char *args, spawn_handle_t *hs, uint32_t nh,
          handle_t *proc, void (*report)(const char *msg))
{
    spawn_report = report;
    process_quota_t q = {SPAWN_MEMORY, SPAWN_HANDLES, SPAWN_THREADS};
    handle_t p = HANDLE_INVALID, mine = HANDLE_INVALID, theirs = HANDLE_INVALID;
    uint64_t entry = 0;
    const char *step = "process_create";
    bool sent = false;
    int64_t err = nh > CHAN_MAX_HANDLES ? ERR_INVALID_ARGS : OK;
    if (err == OK)
        err = sys_process_create(name, &q, &p);
    if (err == OK && (step = "load", err = load(image, name, p, &entry)) == OK &&
        (step = "chan_create", err = sys_chan_create(&mine, &theirs)) == OK &&
        (step = "bootstrap message", err = send_bootstrap(mine, args, hs, nh)) == OK) {
        sent = true;
        step = "process_start";
        err = sys_process_start(p, entry, SPAWN_STACK_TOP, theirs);
    }
    if (!sent)
        for (uint32_t i = 0; i < nh; i++)
            sys_handle_close(hs[i].h);
    /* The parent's end of the bootstrap channel is not kept: the message
     * stays queued for the child, later messages come with the ns step. */
    if (mine != HANDLE_INVALID)
        sys_handle_close(mine);
    if (err != OK) {
        char line[160];
        snprintf(line, sizeof line, "'%s': %s: %s", name, step, cairn_error_name((int)err));
        report(line);
        if (theirs != HANDLE_INVALID)
            sys_handle_close(theirs);
        if (p != HANDLE_INVALID)
            sys_handle_close(p);
        return (int)err;
    }
    *proc = p;
    return OK;
}
