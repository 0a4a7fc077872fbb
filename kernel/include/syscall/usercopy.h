/*
 * User memory access. A user pointer is a user_ptr_t, which cannot be
 * dereferenced by accident; the only way through is copy_from_user /
 * copy_to_user, which check that the whole range is in user space and
 * catch faults (unmapped pages, a kernel-only page): either returns
 * ERR_BAD_ADDRESS instead of faulting the kernel.
 */
#ifndef SYSCALL_USERCOPY_H
#define SYSCALL_USERCOPY_H

#include "types.h"
#include "mm/aspace.h"

typedef struct user_ptr {
    uint64_t addr;
} user_ptr_t;

static inline user_ptr_t uptr(uint64_t a)
{
    return (user_ptr_t){a};
}

int usercopy_raw(void *dst, const void *src, size_t n);

/* The range check comes first: a kernel address passed as a user pointer
 * is refused before any access, so it cannot be used to read or write
 * kernel memory. Inline: every system call copies something. */
static inline int copy_from_user(void *dst, user_ptr_t src, size_t n)
{
    if (n == 0)
        return OK;
    if (!user_range_ok(src.addr, n))
        return ERR_BAD_ADDRESS;
    return usercopy_raw(dst, (const void *)src.addr, n);
}

static inline int copy_to_user(user_ptr_t dst, const void *src, size_t n)
{
    if (n == 0)
        return OK;
    if (!user_range_ok(dst.addr, n))
        return ERR_BAD_ADDRESS;
    return usercopy_raw((void *)dst.addr, src, n);
}
/* A NUL-terminated string of at most max bytes (terminator included),
 * read page by page so a short string at the end of a mapping works.
 * Returns its length, ERR_BAD_ADDRESS, or ERR_INVALID_ARGS when no
 * terminator comes within max bytes. */
int copy_str_from_user(char *dst, user_ptr_t src, size_t max);

/* For the exception handler: a fault at rip inside the copy routine
 * resumes at the returned address (0: not a user-copy fault). */
uint64_t usercopy_fixup(uint64_t rip);

#endif
