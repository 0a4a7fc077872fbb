/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Starting a fresh copy of utest as a child process: the user-space side of
 * process creation (what the proc server will do in general). The image is
 * mapped read-only once, validated with the same ELF checker the kernel
 * uses, and each segment copied into a new vmo mapped in the child.
 */
#include "init/elf.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "utest.h"

#define CHILD_STACK_TOP 0x00007fff00000000ull
#define CHILD_STACK_SIZE (64 * 1024)

static const uint8_t *image;
static uint64_t image_size;
static elf_image_t elf;

static void elf_report(void *ctx, const char *msg)
{
    (void)ctx;
    ut_printf("utest: spawn: %s", msg);
}

static int load_image(void)
{
    if (image)
        return OK;
    int64_t err = sys_vmo_get_size(utest_image, &image_size);
    uint64_t addr = 0;
    if (err == OK)
        err = sys_vm_map(HANDLE_INVALID, utest_image, 0, image_size, MAP_READ, &addr);
    if (err == OK)
        err = elf_parse((const void *)addr, image_size, &elf, elf_report, NULL);
    if (err == OK)
        image = (const uint8_t *)addr;
    return (int)err;
}

static int map_segment(handle_t proc, const elf_segment_t *s)
{
    handle_t v;
    int64_t err = sys_vmo_create(s->memsz, 0, &v);
    if (err != OK)
        return (int)err;
    if (s->filesz)
        err = sys_vmo_write(v, image + s->file_off, s->copy_to - s->vaddr, s->filesz);
    uint64_t addr = s->vaddr;
    uint32_t flags = MAP_READ | MAP_FIXED | (s->write ? MAP_WRITE : 0) | (s->exec ? MAP_EXEC : 0);
    if (err == OK)
        err = sys_vm_map(proc, v, 0, s->memsz, flags, &addr);
    sys_handle_close(v);
    return (int)err;
}

static int map_stack(handle_t proc)
{
    handle_t v;
    int64_t err = sys_vmo_create(CHILD_STACK_SIZE, 0, &v);
    uint64_t addr = CHILD_STACK_TOP - CHILD_STACK_SIZE;
    if (err == OK) {
        err = sys_vm_map(proc, v, 0, CHILD_STACK_SIZE, MAP_READ | MAP_WRITE | MAP_FIXED, &addr);
        sys_handle_close(v);
    }
    return (int)err;
}

static int send_bootstrap(handle_t chan, const char *name, const handle_t *extra, uint32_t nextra)
{
    static bootstrap_msg_t msg;
    handle_t hs[CHAN_MAX_HANDLES];
    memset(&msg, 0, sizeof msg);
    msg.magic = BOOTSTRAP_MAGIC;
    msg.version = BOOTSTRAP_VERSION;
    ksnprintf(msg.args, sizeof msg.args, "child=%s", name);
    int64_t err = sys_handle_dup(utest_image, RIGHT_READ | RIGHT_MAP | RIGHT_TRANSFER | RIGHT_DUPLICATE, &hs[0]);
    if (err != OK)
        return (int)err;
    memcpy(msg.handle_names[0], "utest", 6);
    for (uint32_t i = 0; i < nextra; i++) {
        hs[1 + i] = extra[i];
        ksnprintf(msg.handle_names[1 + i], BOOTSTRAP_NAME_MAX, "extra%u", i);
    }
    msg.nhandles = 1 + nextra;
    err = sys_chan_write(chan, &msg, sizeof msg, hs, msg.nhandles);
    if (err != OK)
        sys_handle_close(hs[0]);
    return (int)err;
}

int utest_spawn(const char *name, handle_t *proc, handle_t *chan, const handle_t *extra, uint32_t nextra)
{
    if (nextra + 1 > CHAN_MAX_HANDLES)
        return ERR_INVALID_ARGS;
    int err = load_image();
    if (err != OK)
        return err;
    process_quota_t q = {64ull << 20, 256, 64};
    handle_t p, mine, theirs;
    if ((err = (int)sys_process_create(name, &q, &p)) != OK)
        return err;
    for (size_t i = 0; i < elf.nseg && err == OK; i++)
        err = map_segment(p, &elf.seg[i]);
    if (err == OK)
        err = map_stack(p);
    if (err == OK)
        err = (int)sys_chan_create(&mine, &theirs);
    if (err != OK) {
        sys_handle_close(p);
        return err;
    }
    err = send_bootstrap(mine, name, extra, nextra);
    if (err == OK)
        err = (int)sys_process_start(p, elf.entry, CHILD_STACK_TOP, theirs);
    if (err != OK) {
        sys_handle_close(mine);
        sys_handle_close(theirs);
        sys_handle_close(p);
        return err;
    }
    *proc = p;
    *chan = mine;
    return OK;
}

int utest_wait(handle_t proc, process_info_t *info)
{
    uint32_t seen;
    int64_t err = sys_object_wait(proc, SIG_TERMINATED, DEADLINE_INFINITE, &seen);
    if (err == OK)
        err = sys_process_info(proc, info);
    return (int)err;
}
