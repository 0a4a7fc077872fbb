/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What kernel/init/elf.c needs from the kernel's library, for init on
 * picolibc: ksnprintf and kvsnprintf (its report messages) and panic (kassert). The ELF
 * checker is shared as source so init validates images exactly as the
 * kernel does.
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

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "init: internal error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}
