/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The fault fix-up and string copies around usercopy_raw (usercopy.S);
 * copy_from_user and copy_to_user are inline in syscall/usercopy.h.
 */
#include "syscall/usercopy.h"
#include "arch/cpu.h"
#include "mm/aspace.h"

_Static_assert(ERR_BAD_ADDRESS == -17, "usercopy.S returns -17");

bool smap_enabled;

extern const char usercopy_start[], usercopy_end[], usercopy_fault[];

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
