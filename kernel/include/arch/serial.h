/* The kernel's own COM1 output: polling, for the log and for panics. The
 * user-mode console driver takes the port over in a later issue; the kernel
 * then writes here only for panics. */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include "types.h"

void serial_init(void);
void serial_write(const char *s, size_t n);

#endif
