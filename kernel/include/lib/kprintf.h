/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel formatter: snprintf semantics for the integer and string subset.
 *
 * kvsnprintf()/ksnprintf() behave like C's vsnprintf()/snprintf(): they
 * store at most size - 1 characters plus a NUL (nothing when size is 0) and
 * return the length the full output would have had, so a caller detects
 * truncation with `ret >= size`. A negative return means the full length
 * does not fit in an int.
 *
 * Supported: flags - 0 + space #; width and precision (digits or *);
 * length modifiers hh h l ll z j t; conversions d i u x X o c s p %.
 * Differences from the C library, chosen for kernel use:
 *   %p   always "0x" and 16 hex digits, so addresses line up in logs;
 *   %s   a NULL pointer prints "(null)" (cut by the precision like any string);
 *   other conversion characters (including %n and floating point) are
 *        printed verbatim, "%" through the character, instead of being
 *        undefined behaviour; they consume no argument;
 *   length modifiers on c, s and p are ignored.
 * kvsnprintf() reads its arguments from a va_copy of `ap`, so the caller may
 * pass the same list again (to format one message for two consoles).
 * Pure code: no globals, no locks, usable from any context including panic.
 */
#ifndef LIB_KPRINTF_H
#define LIB_KPRINTF_H

#include <stdarg.h>

#include "types.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
