/* SPDX-License-Identifier: BSD-2-Clause
 *
 * vmo and address-space system calls. vm_map/unmap/protect act on the
 * caller (process handle HANDLE_INVALID) or on a process it holds with
 * RIGHT_MANAGE (how a loader builds a child). A mapping's permissions need
 * the matching rights on the vmo handle: MAP and READ always, WRITE to
 * write, EXECUTE to execute; never write and execute at once.
 */
#include "mm/aspace.h"
#include "mm/kheap.h"
#include "obj/process.h"
#include "obj/resource.h"
#include "obj/vmo.h"
#include "syscall/syscall.h"
#include "syscall/usercopy.h"

#define VMO_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_MAP | RIGHT_EXECUTE | RIGHT_DUPLICATE | RIGHT_TRANSFER | RIGHT_WAIT)
#define VMO_IO_CHUNK 4096

/* vmo_create(size, flags, out*) */
int64_t sys_vmo_create(uint64_t size, uint64_t flags, uint64_t out, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *p = current_process();
    if (flags > UINT32_MAX)
        return ERR_INVALID_ARGS;
    if (flags & VMO_CONTIGUOUS)
        return ERR_ACCESS_DENIED; /* physically contiguous memory needs a DMA resource: vmo_create_contiguous */
    vmo_t *v;
    int err = vmo_create(p, size, (uint32_t)flags, &v);
    if (err != OK)
        return err;
    return syscall_give_handle(&v->obj, VMO_RIGHTS, HANDLE_INVALID, out);
}

static int vmo_io(uint64_t h, uint64_t buf, uint64_t offset, uint64_t len, bool write)
{
    vmo_t *v;
    int err = handle_get(current_process(), (handle_t)h, OBJ_VMO, write ? RIGHT_WRITE : RIGHT_READ,
                         (kobject_t **)&v);
    if (err != OK)
        return err;
    if (v->kind == VMO_PHYSICAL) {
        obj_unref(&v->obj);
        return ERR_NOT_SUPPORTED; /* device memory: map it */
    }
    if (offset > v->size || len > v->size - offset) {
        obj_unref(&v->obj);
        return ERR_OUT_OF_RANGE;
    }
    char *chunk = kmalloc(VMO_IO_CHUNK);
    err = chunk ? OK : ERR_NO_MEMORY;
    for (uint64_t done = 0; err == OK && done < len; done += VMO_IO_CHUNK) {
        size_t n = (size_t)MIN((uint64_t)VMO_IO_CHUNK, len - done);
        if (write) {
            err = copy_from_user(chunk, uptr(buf + done), n);
            if (err == OK)
                err = vmo_write_kernel(v, offset + done, chunk, n);
        } else {
            err = vmo_read_kernel(v, offset + done, chunk, n);
            if (err == OK)
                err = copy_to_user(uptr(buf + done), chunk, n);
        }
    }
    kfree(chunk);
    obj_unref(&v->obj);
    return err;
}

/* vmo_create_contiguous(dma resource, size, out*): one physically
 * contiguous block, for devices. Needs a DMA resource (RIGHT_MANAGE); the
 * handle sits below the vmo's anchor, a child of the resource handle
 * (revoking that handle takes the vmo handles back and unmaps the vmo
 * everywhere) and carries RIGHT_DMA, which vmo_get_phys requires. */
int64_t sys_vmo_create_contiguous(uint64_t rh, uint64_t size, uint64_t out, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *p = current_process();
    resource_t *r;
    int err = handle_get(p, (handle_t)rh, OBJ_RESOURCE, RIGHT_MANAGE, (kobject_t **)&r);
    if (err != OK)
        return err;
    bool dma = r->kind == RESOURCE_DMA;
    /* The block ends inside the resource's range: a DMA resource narrowed
     * to [0, 2^28) gives memory a 28-bit device reaches. */
    uint64_t limit = r->base + r->len < r->base ? 0 : r->base + r->len;
    obj_unref(&r->obj);
    if (!dma)
        return ERR_ACCESS_DENIED;
    vmo_t *v;
    if ((err = vmo_create_contiguous_below(p, size, limit, &v)) != OK)
        return err;
    return syscall_give_anchored_handle(&v->obj, VMO_RIGHTS | RIGHT_DMA, (handle_t)rh, &v->anchor, out);
}

/* vmo_get_phys(h, out*): the physical address of a contiguous vmo. */
int64_t sys_vmo_get_phys(uint64_t h, uint64_t out, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    vmo_t *v;
    int err = handle_get(current_process(), (handle_t)h, OBJ_VMO, RIGHT_DMA, (kobject_t **)&v);
    if (err != OK)
        return err;
    uint64_t pa = vmo_is_contiguous(v) ? vmo_page(v, 0) : 0;
    bool contiguous = vmo_is_contiguous(v);
    obj_unref(&v->obj);
    if (!contiguous)
        return ERR_NOT_SUPPORTED;
    return copy_to_user(uptr(out), &pa, sizeof pa);
}

/* vmo_read(h, buf, offset, len) */
int64_t sys_vmo_read(uint64_t h, uint64_t buf, uint64_t offset, uint64_t len, uint64_t a4, uint64_t a5)
{
    return vmo_io(h, buf, offset, len, false);
}

int64_t sys_vmo_write(uint64_t h, uint64_t buf, uint64_t offset, uint64_t len, uint64_t a4, uint64_t a5)
{
    return vmo_io(h, buf, offset, len, true);
}

int64_t sys_vmo_get_size(uint64_t h, uint64_t out, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    vmo_t *v;
    int err = handle_get(current_process(), (handle_t)h, OBJ_VMO, RIGHT_READ, (kobject_t **)&v);
    if (err != OK)
        return err;
    uint64_t size = v->size;
    obj_unref(&v->obj);
    return copy_to_user(uptr(out), &size, sizeof size);
}

/* vmo_info(h, out*): what the vmo is. No right needed: it says what the
 * object is, as handle_info does, not what it holds. */
int64_t sys_vmo_info(uint64_t h, uint64_t out, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    vmo_t *v;
    int err = handle_get(current_process(), (handle_t)h, OBJ_VMO, 0, (kobject_t **)&v);
    if (err != OK)
        return err;
    vmo_info_t info = {.size = v->size, .cache = VMO_CACHE_WB};
    switch (v->kind) {
    case VMO_ANONYMOUS: info.kind = VMO_INFO_ANONYMOUS; break;
    case VMO_CONTIG: info.kind = VMO_INFO_CONTIGUOUS; info.flags = VMO_INFO_REVOCABLE; break;
    case VMO_PHYSICAL: info.kind = VMO_INFO_PHYSICAL; info.flags = VMO_INFO_REVOCABLE; info.cache = v->cache; break;
    }
    uint64_t fl = spin_lock_irqsave(&v->lock);
    if (v->revoked)
        info.flags |= VMO_INFO_REVOKED;
    spin_unlock_irqrestore(&v->lock, fl);
    obj_unref(&v->obj);
    return copy_to_user(uptr(out), &info, sizeof info);
}

/* The target process: the caller, or one it manages. Returns a reference. */
static int target_process(uint64_t h, process_t **out)
{
    process_t *self = current_process();
    if (h == HANDLE_INVALID) {
        obj_ref(&self->obj);
        *out = self;
        return OK;
    }
    return handle_get(self, (handle_t)h, OBJ_PROCESS, RIGHT_MANAGE, (kobject_t **)out);
}

static uint32_t rights_for(uint32_t flags)
{
    return RIGHT_MAP | RIGHT_READ | ((flags & MAP_WRITE) ? RIGHT_WRITE : 0) | ((flags & MAP_EXEC) ? RIGHT_EXECUTE : 0);
}

/* vm_map(process, vmo, offset, len, flags, addr*): *addr in: the address
 * (MAP_FIXED) or a hint (0: anywhere); out: where it was mapped. */
int64_t sys_vm_map(uint64_t proc, uint64_t vmo_h, uint64_t offset, uint64_t len, uint64_t flags, uint64_t addr)
{
    if (flags & ~(uint64_t)(MAP_READ | MAP_WRITE | MAP_EXEC | MAP_FIXED))
        return ERR_INVALID_ARGS;
    uint64_t va;
    int err = copy_from_user(&va, uptr(addr), sizeof va);
    if (err != OK)
        return err;
    process_t *target;
    if ((err = target_process(proc, &target)) != OK)
        return err;
    vmo_t *v;
    err = handle_get(current_process(), (handle_t)vmo_h, OBJ_VMO, rights_for((uint32_t)flags), (kobject_t **)&v);
    if (err == OK) {
        vaddr_t got;
        /* A dead process keeps its (empty) address space until the object
         * goes, so target->as is always valid here. */
        err = process_dying(target) ? ERR_BAD_STATE : aspace_map(target->as, va, v, offset, len, (uint32_t)flags, &got);
        if (err == OK) {
            err = copy_to_user(uptr(addr), &got, sizeof got);
            if (err != OK)
                aspace_unmap(target->as, got, len);
        }
        obj_unref(&v->obj);
    }
    obj_unref(&target->obj);
    return err;
}

int64_t sys_vm_unmap(uint64_t proc, uint64_t addr, uint64_t len, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *target;
    int err = target_process(proc, &target);
    if (err != OK)
        return err;
    err = process_dying(target) ? ERR_BAD_STATE : aspace_unmap(target->as, addr, len);
    obj_unref(&target->obj);
    return err;
}

/* vm_protect(process, addr, len, flags): whole mappings only, and only
 * within the permissions they were mapped with (the vmo rights were checked
 * for those); W^X still applies. */
int64_t sys_vm_protect(uint64_t proc, uint64_t addr, uint64_t len, uint64_t flags, uint64_t a4, uint64_t a5)
{
    if (flags & ~(uint64_t)(MAP_READ | MAP_WRITE | MAP_EXEC))
        return ERR_INVALID_ARGS;
    process_t *target;
    int err = target_process(proc, &target);
    if (err != OK)
        return err;
    err = process_dying(target) ? ERR_BAD_STATE : aspace_protect(target->as, addr, len, (uint32_t)flags);
    obj_unref(&target->obj);
    return err;
}
