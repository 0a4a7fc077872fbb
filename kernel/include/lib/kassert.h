/*
 * kassert(): internal invariants only (STYLE.md item 10). Never use it on
 * data that came from a user, a device, firmware or a message: those get an
 * error return. In the kernel a failed assertion panics; in host unit-test
 * builds (HOST_TEST) it aborts so the test fails loudly.
 */
#ifndef LIB_KASSERT_H
#define LIB_KASSERT_H

#ifdef HOST_TEST
#include <assert.h>
#define kassert(cond) assert(cond)
#else
#include "types.h"
NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
#define kassert(cond)                                                          \
    do {                                                                       \
        if (!(cond))                                                           \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);  \
    } while (0)
#endif

#endif
