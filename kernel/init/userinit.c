/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The kernel's ELF loader for init, and init's bootstrap message.
 *
 * The module is validated in full by elf_parse (kernel/init/elf.c) before
 * anything is created; each PT_LOAD segment becomes a vmo mapped at its
 * address with its permissions; a 256 KiB stack sits below USER_STACK_TOP
 * with unmapped space under it. Init receives a channel in RDI; waiting on
 * it is the bootstrap message with every boot module as a read-only vmo,
 * named after the module, the root resources (mmio, irq, ioport, dma,
 * log, msi) and init's own process as "self" (to hand to the process manager,
 * which lists it: READ WAIT DUPLICATE TRANSFER, no MANAGE).
 */
#include "init/userinit.h"
#include "abi/bootstrap.h"
#include "init/cmdline.h"
#include "init/elf.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/layout.h"
#include "mm/pmm.h"
#include "arch/cpu.h"
#include "arch/ioapic.h"
#include "obj/channel.h"
#include "obj/resource.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "obj/vmo.h"

#define USER_STACK_TOP 0x00007fff00000000ull
#define USER_STACK_SIZE (256 * 1024)
#define INIT_HANDLES 4096
#define INIT_THREADS 1024
#define MODULE_RIGHTS (RIGHT_READ | RIGHT_MAP | RIGHT_EXECUTE | RIGHT_DUPLICATE | RIGHT_TRANSFER)
#define SELF_RIGHTS (RIGHT_READ | RIGHT_WAIT | RIGHT_DUPLICATE | RIGHT_TRANSFER)
#define BOOTSTRAP_FIXED 7 /* the six root resources and "self" */

static void report(void *ctx, const char *msg)
{
    klog(LOG_ERROR, "init: module '%s': %s", (const char *)ctx, msg);
}

/* The module's name: its command line up to the first space. */
static void module_name(const boot_module_t *m, char *out, size_t len)
{
    size_t n = 0;
    while (m->cmdline[n] && m->cmdline[n] != ' ' && n + 1 < len) {
        out[n] = m->cmdline[n];
        n++;
    }
    out[n] = '\0';
}

static int map_new_vmo(process_t *p, uint64_t va, uint64_t size, uint32_t perms, const void *data,
                       uint64_t data_off, uint64_t data_len)
{
    vmo_t *v;
    int err = vmo_create(p, size, 0, &v);
    if (err != OK)
        return err;
    if (data_len)
        err = vmo_write_kernel(v, data_off, data, data_len);
    vaddr_t got;
    if (err == OK)
        err = aspace_map(p->as, va, v, 0, size, perms | MAP_FIXED, &got);
    obj_unref(&v->obj);
    return err;
}

static int load_segments(process_t *p, const uint8_t *image, const elf_image_t *elf)
{
    for (size_t i = 0; i < elf->nseg; i++) {
        const elf_segment_t *s = &elf->seg[i];
        uint32_t perms = MAP_READ | (s->write ? MAP_WRITE : 0) | (s->exec ? MAP_EXEC : 0);
        int err = map_new_vmo(p, s->vaddr, s->memsz, perms, image + s->file_off, s->copy_to - s->vaddr, s->filesz);
        if (err != OK)
            return err;
    }
    return map_new_vmo(p, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, MAP_READ | MAP_WRITE, NULL, 0, 0);
}

/* A vmo holding a copy of a boot module (modules stay reserved in RAM;
 * copying keeps init's view independent of the kernel's reservations). */
static int module_vmo(const boot_module_t *m, vmo_t **out)
{
    uint64_t size = m->end - m->start;
    int err = vmo_create(NULL, size ? size : 1, 0, out);
    if (err == OK && size)
        err = vmo_write_kernel(*out, 0, phys_to_virt(m->start), size);
    return err;
}

/* The root resources, named mmio, irq, ioport, dma, log and msi: everything
 * init may hand out. MMIO covers the physical address space; the RAM the
 * kernel manages is refused when physical vmos are made (mm/memtype.h). */
static int add_root_resources(message_t *msg, bootstrap_msg_t *b)
{
    static const struct {
        const char *name;
        uint32_t kind;
    } roots[] = {{"mmio", RESOURCE_MMIO}, {"irq", RESOURCE_IRQ}, {"ioport", RESOURCE_IOPORT}, {"dma", RESOURCE_DMA},
                 {"log", RESOURCE_LOG}, {"msi", RESOURCE_MSI}};
    for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
        /* DMA: the physical addresses its contiguous vmos may lie in (a
         * driver narrows it to its device's reach). */
        uint64_t len = roots[i].kind == RESOURCE_MMIO || roots[i].kind == RESOURCE_DMA
                           ? 1ull << cpu_features.phys_bits
                       : roots[i].kind == RESOURCE_IRQ    ? MAX(ioapic_gsi_count(), (size_t)1)
                       : roots[i].kind == RESOURCE_IOPORT ? IOPORT_MAX
                       : roots[i].kind == RESOURCE_MSI    ? MSI_MAX
                                                          : 1;
        if (msg->nhandles == CHAN_MAX_HANDLES)
            return ERR_NO_RESOURCES;
        resource_t *r;
        int err = resource_create(roots[i].kind, 0, len, &r);
        if (err != OK)
            return err;
        handle_node_t *n = handle_node_create(&r->obj, RIGHT_READ | RIGHT_MANAGE | RIGHT_DUPLICATE | RIGHT_TRANSFER);
        obj_unref(&r->obj);
        if (!n)
            return ERR_NO_MEMORY;
        ksnprintf(b->handle_names[msg->nhandles], BOOTSTRAP_NAME_MAX, "%s", roots[i].name);
        msg->handles[msg->nhandles++] = n;
    }
    return OK;
}

/* Init's handle to its own process, "self". Init's exit closes its handle
 * table, so the reference it holds to itself does not keep it alive. */
static int add_self(message_t *msg, bootstrap_msg_t *b, process_t *p)
{
    if (msg->nhandles == CHAN_MAX_HANDLES)
        return ERR_NO_RESOURCES;
    handle_node_t *n = handle_node_create(&p->obj, SELF_RIGHTS);
    if (!n)
        return ERR_NO_MEMORY;
    ksnprintf(b->handle_names[msg->nhandles], BOOTSTRAP_NAME_MAX, "self");
    msg->handles[msg->nhandles++] = n;
    return OK;
}

/* A bootstrap message with args, no handles yet. */
static message_t *new_bootstrap(const char *args)
{
    message_t *msg = message_alloc(sizeof(bootstrap_msg_t));
    if (!msg)
        return NULL;
    bootstrap_msg_t *b = (bootstrap_msg_t *)msg->data;
    memset(b, 0, sizeof *b);
    b->magic = BOOTSTRAP_MAGIC;
    b->version = BOOTSTRAP_VERSION;
    ksnprintf(b->args, sizeof b->args, "%s", args);
    b->env[0] = '\0'; /* no environment: the kernel has none to pass on */
    return msg;
}

/* Boot modules from *next on into msg, until it holds `room` handles. */
static int add_modules(message_t *msg, const boot_info_t *bi, size_t *next, uint32_t room)
{
    bootstrap_msg_t *b = (bootstrap_msg_t *)msg->data;
    for (; *next < bi->module_count && msg->nhandles < room; ++*next) {
        vmo_t *v;
        int err = module_vmo(&bi->modules[*next], &v);
        if (err != OK)
            return err;
        handle_node_t *n = handle_node_create(&v->obj, MODULE_RIGHTS);
        obj_unref(&v->obj);
        if (!n)
            return ERR_NO_MEMORY;
        module_name(&bi->modules[*next], b->handle_names[msg->nhandles], BOOTSTRAP_NAME_MAX);
        msg->handles[msg->nhandles++] = n;
    }
    return OK;
}

static int queue(channel_t *ch, message_t *msg)
{
    ((bootstrap_msg_t *)msg->data)->nhandles = msg->nhandles;
    int err = channel_write(ch, msg);
    if (err != OK)
        message_free(msg);
    return err;
}

/*
 * Queue the bootstrap message on the kernel's end of init's channel: the
 * first boot modules, the root resources and "self". Modules that do not
 * fit follow in BOOTSTRAP_MORE_ARGS messages (abi/bootstrap.h), all queued
 * before init runs.
 */
static int send_bootstrap(channel_t *ch, const boot_info_t *bi, const boot_module_t *self, process_t *p)
{
    message_t *msg = new_bootstrap(self->cmdline); /* init's own module command line */
    if (!msg)
        return ERR_NO_MEMORY;
    size_t next = 0;
    int err = add_modules(msg, bi, &next, CHAN_MAX_HANDLES - BOOTSTRAP_FIXED);
    if (err == OK)
        err = add_root_resources(msg, (bootstrap_msg_t *)msg->data);
    if (err == OK)
        err = add_self(msg, (bootstrap_msg_t *)msg->data, p);
    if (err != OK) {
        message_free(msg);
        return err;
    }
    if ((err = queue(ch, msg)) != OK)
        return err;
    size_t first_more = next, more = 0;
    while (next < bi->module_count) {
        if (!(msg = new_bootstrap(BOOTSTRAP_MORE_ARGS)))
            return ERR_NO_MEMORY;
        if ((err = add_modules(msg, bi, &next, CHAN_MAX_HANDLES)) != OK) {
            message_free(msg);
            return err;
        }
        if ((err = queue(ch, msg)) != OK)
            return err;
        more++;
    }
    if (more)
        klog(LOG_INFO, "init: boot modules %zu-%zu follow the bootstrap message in %zu more-handles message%s",
             first_more, bi->module_count - 1, more, more == 1 ? "" : "s");
    return OK;
}

static const boot_module_t *find_module(const boot_info_t *bi, const char *name)
{
    char n[BOOTSTRAP_NAME_MAX];
    for (size_t i = 0; i < bi->module_count; i++) {
        module_name(&bi->modules[i], n, sizeof n);
        if (strcmp(n, name) == 0)
            return &bi->modules[i];
    }
    return NULL;
}

int userinit_start(const boot_info_t *bi, process_t **out)
{
    const char *name = cmdline_get("init");
    if (!name || !*name)
        name = "init";
    const boot_module_t *m = find_module(bi, name);
    if (!m) {
        klog(LOG_WARN, "init: no boot module named '%s': no user space started", name);
        return ERR_NOT_FOUND;
    }
    const uint8_t *image = phys_to_virt(m->start);
    elf_image_t elf;
    int err = elf_parse(image, m->end - m->start, &elf, report, (void *)name);
    if (err != OK)
        return err; /* reported */

    process_quota_t quota = {pmm_total_pages() * PAGE_SIZE, INIT_HANDLES, INIT_THREADS};
    process_t *p;
    if ((err = process_create(name, &quota, &p)) != OK)
        goto out;
    channel_t *mine, *theirs;
    if ((err = load_segments(p, image, &elf)) != OK || (err = channel_create_pair(&mine, &theirs)) != OK)
        goto out_process;
    handle_t h;
    err = handle_create(p, &theirs->obj, RIGHT_READ | RIGHT_WRITE | RIGHT_WAIT | RIGHT_TRANSFER | RIGHT_DUPLICATE, &h);
    obj_unref(&theirs->obj);
    if (err == OK)
        err = send_bootstrap(mine, bi, m, p);
    obj_unref(&mine->obj); /* init sees PEER_CLOSED after reading: the kernel says nothing more */
    thread_t *t = NULL;
    p->started = true;
    if (err == OK)
        err = thread_create_user(p, elf.entry, USER_STACK_TOP, h, &t);
    if (err == OK) {
        klog(LOG_INFO, "init: started '%s' (entry %lx, %zu segments)", name, (unsigned long)elf.entry, elf.nseg);
        thread_start(t);
        obj_unref(&t->obj);
        *out = p;
        return OK;
    }
out_process:
    obj_unref(&p->obj);
out:
    if (err != OK)
        klog(LOG_ERROR, "init: cannot start '%s': error %d", name, err);
    return err;
}
