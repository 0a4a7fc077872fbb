/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the kernel's ELF checker (kernel/init/elf.c, compiled into libsys_rt
 * for spawn.c) needs from the kernel's library, on picolibc: ksnprintf and
 * kvsnprintf for its report messages, panic for kassert. The checker is
 * shared as source so that user space validates images exactly as the
 * kernel does.
 *
 * libsys/CMakeLists.txt compiles elf.c and this file with those three names
 * mapped to libsys_elf_*, so a program linking libsys_rt is free to define
 * its own ksnprintf or panic.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int ksnprintf(char *buf, size_t size, const char *fmt, ...);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void panic(const char *fmt, ...) __attribute__((noreturn));

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return vsnprintf(buf, size, fmt, ap);
}

/* Only a broken invariant inside the checker gets here, never bad input. */
void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "libsys: elf: internal error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}
