/*
 * Symbolized backtraces. The symbol table is generated at build time from
 * the first link of the kernel (tools/gensyms.py) and linked into the final
 * image, so a report names functions without any debug info at run time.
 */
#ifndef LIB_BACKTRACE_H
#define LIB_BACKTRACE_H

#include "types.h"

/* Name of the function containing addr, and the offset into it; NULL when
 * addr is not in kernel text. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);
/* "<name+0x1c>" or "<?>" into buf. */
void ksym_format(uintptr_t addr, char *buf, size_t len);
/* Address of a symbol by name, 0 when unknown (for self-tests). */
uintptr_t ksym_address(const char *name);

/* Walk frame pointers from (rip, rbp); sp bounds the walk to the stack it
 * is on. Prints through log_emergency. */
void backtrace_print(uint64_t rip, uint64_t rbp, uint64_t sp);

#endif
