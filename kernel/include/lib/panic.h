/* panic(): unrecoverable kernel state (STYLE.md item 10). Prints the message
 * and a backtrace, tells the test harness (when booted with `test`), halts. */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

#include "types.h"

NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Stop this CPU for good, after a report was already printed. */
NORETURN void panic_halt(void);

#endif
