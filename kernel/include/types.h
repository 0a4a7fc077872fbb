/*
 * Basic kernel types and helpers. Freestanding: only compiler-provided
 * headers, so the pure parts of the kernel (allocators, parsers) also build
 * for the host unit tests.
 */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/errors.h"

typedef uint64_t paddr_t;   /* physical address */
typedef uintptr_t vaddr_t;  /* kernel virtual address */

#define PAGE_SHIFT 12
#define PAGE_SIZE ((size_t)1 << PAGE_SHIFT)
#define LARGE_PAGE_SIZE ((size_t)1 << 21)

#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + ((__typeof__(x))(a) - 1), (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define UNUSED __attribute__((unused))
#define NORETURN __attribute__((noreturn))
#define PACKED __attribute__((packed))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

#endif
