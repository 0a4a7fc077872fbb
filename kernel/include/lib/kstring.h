/*
 * The few string/memory routines the kernel provides itself (clang emits
 * calls to memcpy/memset/memcmp even when freestanding). Prototypes match the
 * C standard so host unit-test builds simply use the host's libc.
 */
#ifndef LIB_KSTRING_H
#define LIB_KSTRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
