/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Hardware delegation: resources, irq objects (IOAPIC lines and MSIs),
 * ioport objects and physical vmos. Every hardware object and derived
 * resource is created as a child of the resource handle it came from, so
 * revoking that handle takes them all back (a physical vmo through its
 * anchor, which also unmaps it).
 */
#include "arch/smp.h"
#include "arch/cpu.h"
#include "lib/log.h"
#include "mm/kheap.h"
#include "mm/memtype.h"
#include "obj/ioport.h"
#include "obj/irq.h"
#include "obj/process.h"
#include "obj/resource.h"
#include "obj/vmo.h"
#include "syscall/syscall.h"
#include "syscall/usercopy.h"

#define RESOURCE_RIGHTS (RIGHT_READ | RIGHT_MANAGE | RIGHT_DUPLICATE | RIGHT_TRANSFER)
#define IRQ_RIGHTS (RIGHT_WAIT | RIGHT_MANAGE | RIGHT_DUPLICATE | RIGHT_TRANSFER)
#define IOPORT_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_DUPLICATE | RIGHT_TRANSFER)
/* Device memory is never executable, and has no physical address to ask
 * for: its creator named it. */
#define PHYS_VMO_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_DUPLICATE | RIGHT_TRANSFER | RIGHT_WAIT)

/* Check that resource handle rh covers [base, base+len) of kind. */
static int covering(uint64_t rh, uint32_t kind, uint64_t base, uint64_t len)
{
    resource_t *r;
    int err = handle_get(current_process(), (handle_t)rh, OBJ_RESOURCE, RIGHT_MANAGE, (kobject_t **)&r);
    if (err != OK)
        return err;
    if (!resource_covers(r, kind, base, len))
        err = ERR_ACCESS_DENIED;
    obj_unref(&r->obj);
    return err;
}

/* resource_derive(parent, kind, base, len, out*) */
int64_t sys_resource_derive(uint64_t rh, uint64_t kind, uint64_t base, uint64_t len, uint64_t out, uint64_t a5)
{
    if (kind > UINT32_MAX)
        return ERR_INVALID_ARGS;
    int err = covering(rh, (uint32_t)kind, base, len);
    if (err != OK)
        return err;
    resource_t *r;
    if ((err = resource_create((uint32_t)kind, base, len, &r)) != OK)
        return err;
    return syscall_give_handle(&r->obj, RESOURCE_RIGHTS, (handle_t)rh, out);
}

int64_t sys_resource_info(uint64_t rh, uint64_t out, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    resource_t *r;
    int err = handle_get(current_process(), (handle_t)rh, OBJ_RESOURCE, RIGHT_READ, (kobject_t **)&r);
    if (err != OK)
        return err;
    resource_info_t info = {r->kind, 0, r->base, r->len};
    obj_unref(&r->obj);
    return copy_to_user(uptr(out), &info, sizeof info);
}

/* irq_create(resource, number, flags, out*): number is a GSI, or an ISA
 * IRQ with IRQ_ISA (mapped through the MADT's overrides, whose trigger
 * mode then applies). The resource must cover the GSI. */
int64_t sys_irq_create(uint64_t rh, uint64_t num, uint64_t flags, uint64_t out, uint64_t a4, uint64_t a5)
{
    if (flags & ~(uint64_t)(IRQ_ISA | IRQ_LEVEL | IRQ_ACTIVE_LOW) || num > UINT32_MAX)
        return ERR_INVALID_ARGS;
    irq_trigger_t trig = {(flags & IRQ_LEVEL) != 0, (flags & IRQ_ACTIVE_LOW) != 0};
    uint32_t gsi = (uint32_t)num;
    if (flags & IRQ_ISA) {
        if (num > 15)
            return ERR_OUT_OF_RANGE;
        gsi = ioapic_isa_to_gsi((uint8_t)num, &trig);
    }
    int err = covering(rh, RESOURCE_IRQ, gsi, 1);
    if (err != OK)
        return err;
    irq_t *irq;
    if ((err = irq_create(gsi, trig, &irq)) != OK)
        return err;
    return syscall_give_handle(&irq->obj, IRQ_RIGHTS, (handle_t)rh, out);
}

int64_t sys_irq_ack(uint64_t h, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    irq_t *irq;
    int err = handle_get(current_process(), (handle_t)h, OBJ_IRQ, RIGHT_MANAGE, (kobject_t **)&irq);
    if (err != OK)
        return err;
    irq_ack(irq);
    obj_unref(&irq->obj);
    return OK;
}

/* msi_create(msi resource, number, out*, msg*, cpu): an irq object for MSI
 * number `num` with a vector of its own, delivered to CPU `cpu`; *msg gets
 * the address and data to program into the device. */
int64_t sys_msi_create(uint64_t rh, uint64_t num, uint64_t out, uint64_t msgp, uint64_t cpu, uint64_t a5)
{
    int err = covering(rh, RESOURCE_MSI, num, 1);
    if (err != OK)
        return err;
    if (cpu >= smp_cpu_count())
        return ERR_OUT_OF_RANGE;
    irq_t *irq;
    if ((err = irq_create_msi((uint32_t)num, (uint32_t)cpu, &irq)) != OK)
        return err;
    msi_msg_t msg = irq_msi_msg(irq);
    if ((err = copy_to_user(uptr(msgp), &msg, sizeof msg)) != OK) {
        obj_unref(&irq->obj);
        return err;
    }
    return syscall_give_handle(&irq->obj, IRQ_RIGHTS, (handle_t)rh, out);
}

/* irq_mask(irq, masked): hold delivery (1) or let it through again (0). */
int64_t sys_irq_mask(uint64_t h, uint64_t masked, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    irq_t *irq;
    int err = handle_get(current_process(), (handle_t)h, OBJ_IRQ, RIGHT_MANAGE, (kobject_t **)&irq);
    if (err != OK)
        return err;
    if (masked > 1)
        err = ERR_INVALID_ARGS;
    else
        irq_set_mask(irq, masked == 1);
    obj_unref(&irq->obj);
    return err;
}

/* vmo_create_physical(mmio resource, paddr, size, cache, out*): a vmo over
 * device or firmware memory (never the kernel's RAM; mm/memtype.h). The
 * handle sits below the vmo's anchor, a child of the resource handle:
 * revoking that handle unmaps the vmo everywhere. */
int64_t sys_vmo_create_physical(uint64_t rh, uint64_t paddr, uint64_t size, uint64_t cache, uint64_t out,
                                uint64_t a5)
{
    process_t *p = current_process();
    if (cache != VMO_CACHE_UC && cache != VMO_CACHE_WC && cache != VMO_CACHE_WB)
        return ERR_INVALID_ARGS;
    int err = covering(rh, RESOURCE_MMIO, paddr, size);
    if (err != OK)
        return err;
    if (!IS_ALIGNED(paddr, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || size > VMO_MAX_SIZE)
        return ERR_INVALID_ARGS;
    if (cache == VMO_CACHE_WC && !cpu_features.pat)
        return ERR_NOT_SUPPORTED;
    if ((err = memtype_check(paddr, paddr + size, (uint32_t)cache, p->name)) != OK)
        return err;
    vmo_t *v;
    if ((err = vmo_create_physical(paddr, size, (uint32_t)cache, &v)) != OK)
        return err;
    return syscall_give_anchored_handle(&v->obj, PHYS_VMO_RIGHTS, (handle_t)rh, &v->anchor, out);
}

/* ioport_create(resource, base, len, out*): holding the new handle lets
 * this process use ports [base, base+len) (see obj/ioport.h). */
int64_t sys_ioport_create(uint64_t rh, uint64_t base, uint64_t len, uint64_t out, uint64_t a4, uint64_t a5)
{
    int err = covering(rh, RESOURCE_IOPORT, base, len);
    if (err != OK)
        return err;
    ioport_t *io;
    if ((err = ioport_create((uint32_t)base, (uint32_t)len, &io)) != OK)
        return err;
    return syscall_give_handle(&io->obj, IOPORT_RIGHTS, (handle_t)rh, out);
}

#define LOG_READ_MAX 4096

/* Look up a log resource handle with `rights`. */
static int log_resource(uint64_t h, uint32_t rights)
{
    resource_t *r;
    int err = handle_get(current_process(), (handle_t)h, OBJ_RESOURCE, rights, (kobject_t **)&r);
    if (err != OK)
        return err;
    err = r->kind == RESOURCE_LOG ? OK : ERR_ACCESS_DENIED;
    obj_unref(&r->obj);
    return err;
}

/* log_read(log, seq*, buf, cap): kernel log text from byte *seq on (the log
 * keeps its last 64 KiB; an older *seq jumps to the oldest byte held).
 * Returns the byte count (0: nothing new) and advances *seq. */
int64_t sys_log_read(uint64_t lh, uint64_t seqp, uint64_t buf, uint64_t cap, uint64_t a4, uint64_t a5)
{
    int err = log_resource(lh, RIGHT_READ);
    if (err != OK)
        return err;
    uint64_t seq;
    if ((err = copy_from_user(&seq, uptr(seqp), sizeof seq)) != OK)
        return err;
    char *text = kmalloc(LOG_READ_MAX);
    if (!text)
        return ERR_NO_MEMORY;
    uint64_t next = seq;
    size_t n = log_read(&next, text, MIN((size_t)cap, (size_t)LOG_READ_MAX));
    err = copy_to_user(uptr(buf), text, n);
    kfree(text);
    if (err == OK)
        err = copy_to_user(uptr(seqp), &next, sizeof next);
    return err == OK ? (int64_t)n : err;
}

/* log_console(log, on): whether the kernel writes log lines to the serial
 * port itself (RIGHT_MANAGE). A console server showing the log turns it off. */
int64_t sys_log_console(uint64_t lh, uint64_t on, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    int err = log_resource(lh, RIGHT_MANAGE);
    if (err != OK)
        return err;
    if (on > 1)
        return ERR_INVALID_ARGS;
    log_set_serial(on == 1);
    return OK;
}
