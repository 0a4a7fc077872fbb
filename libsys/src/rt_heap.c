/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The heap behind picolibc's malloc: sbrk over a fixed virtual range
 * [LIBSYS_HEAP_BASE, + LIBSYS_HEAP_MAX) (cairn/runtime.h).
 *
 * A vmo's pages are allocated when it is created, so the range is not
 * mapped up front: `heap_end` only grows, by a new vmo mapped with
 * MAP_FIXED right after the last one whenever the break passes it (at
 * least LIBSYS_HEAP_CHUNK at a time, so small steps do not cost a system
 * call each). The vmo handles are closed at once; the mappings keep the
 * memory. A negative increment moves the break down and keeps the pages
 * for the next growth.
 *
 *     HEAP_BASE          heap_brk       heap_end           HEAP_BASE + MAX
 *     |---- in use ------|-- mapped ----|---- not mapped ----|
 *
 * sbrk fails with ENOMEM (and changes nothing) past the range, when the
 * kernel refuses the memory (quota, no free pages), or when something
 * else was mapped inside the range. Not thread-safe: picolibc's malloc
 * locks are no-ops here, so one thread at a time may allocate.
 */
#include <errno.h>
#include <unistd.h>

#include "cairn/runtime.h"
#include "rt_private.h"

#define PAGE 4096u

static uintptr_t heap_brk = LIBSYS_HEAP_BASE;
static uintptr_t heap_end = LIBSYS_HEAP_BASE;

/* Maps [heap_end, need) and more, up to a chunk; OK or a Cairn error. */
static int heap_map_to(uintptr_t need)
{
    uintptr_t limit = LIBSYS_HEAP_BASE + LIBSYS_HEAP_MAX;
    uint64_t len = ((need - heap_end) + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    if (len < LIBSYS_HEAP_CHUNK)
        len = LIBSYS_HEAP_CHUNK;
    if (len > limit - heap_end)
        len = limit - heap_end;
    handle_t vmo;
    int64_t err = sys_vmo_create(len, 0, &vmo);
    if (err != OK)
        return (int)err;
    uint64_t addr = heap_end;
    err = sys_vm_map(HANDLE_INVALID, vmo, 0, len, MAP_READ | MAP_WRITE | MAP_FIXED, &addr);
    sys_handle_close(vmo);
    if (err != OK)
        return (int)err;
    heap_end += len;
    return OK;
}

void *sbrk(ptrdiff_t incr)
{
    uintptr_t old = heap_brk;
    if (incr < 0) {
        if ((size_t)0 - (size_t)incr > old - LIBSYS_HEAP_BASE) {
            errno = EINVAL;
            return (void *)-1;
        }
    } else if ((size_t)incr > LIBSYS_HEAP_BASE + LIBSYS_HEAP_MAX - old) {
        errno = ENOMEM;
        return (void *)-1;
    } else if (old + (size_t)incr > heap_end) {
        int err = heap_map_to(old + (size_t)incr);
        if (err != OK) {
            errno = ENOMEM;
            return (void *)-1;
        }
    }
    heap_brk = old + (uintptr_t)incr;
    return (void *)old;
}

/* brk(addr): sbrk by the difference, with sbrk's checks. */
int brk(void *addr)
{
    ptrdiff_t incr = (ptrdiff_t)((uintptr_t)addr - heap_brk);
    return sbrk(incr) == (void *)-1 ? -1 : 0;
}

void libsys_heap_stats(size_t *used, size_t *mapped)
{
    if (used)
        *used = heap_brk - LIBSYS_HEAP_BASE;
    if (mapped)
        *mapped = heap_end - LIBSYS_HEAP_BASE;
}
