/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Range checks around usercopy_raw (usercopy.S). The range check comes
 * first: a kernel address passed as a user pointer is refused before any
 * access, so it cannot be used to read or write kernel memory.
 */
#include "syscall/usercopy.h"
#include "arch/cpu.h"
#include "mm/aspace.h"

_Static_assert(ERR_BAD_ADDRESS == -17, "usercopy.S returns -17");

bool smap_enabled;

int usercopy_raw(void *dst, const void *src, size_t n);
extern const char usercopy_start[], usercopy_end[], usercopy_fault[];

int copy_from_user(void *dst, user_ptr_t src, size_t n)
{
    if (n == 0)
        return OK;
    if (!user_range_ok(src.addr, n))
        return ERR_BAD_ADDRESS;
    return usercopy_raw(dst, (const void *)src.addr, n);
}

int copy_to_user(user_ptr_t dst, const void *src, size_t n)
{
    if (n == 0)
        return OK;
    if (!user_range_ok(dst.addr, n))
        return ERR_BAD_ADDRESS;
    return usercopy_raw((void *)dst.addr, src, n);
}

uint64_t usercopy_fixup(uint64_t rip)
{
    if (rip >= (uint64_t)usercopy_start && rip < (uint64_t)usercopy_end)
        return (uint64_t)usercopy_fault;
    return 0;
}

int copy_str_from_user(char *dst, user_ptr_t src, size_t max)
{
    size_t done = 0;
    while (done < max) {
        uint64_t addr = src.addr + done;
        size_t chunk = MIN(max - done, (size_t)(PAGE_SIZE - addr % PAGE_SIZE));
        int err = copy_from_user(dst + done, uptr(addr), chunk);
        if (err != OK)
            return err;
        for (size_t i = 0; i < chunk; i++)
            if (dst[done + i] == '\0')
                return (int)(done + i);
        done += chunk;
    }
    return ERR_INVALID_ARGS;
}
