/* SPDX-License-Identifier: BSD-2-Clause
 *
 * argprog: the program tests/proc/proctest has the proc server start. It
 * reports what it was given - its arguments and the GREETING variable -
 * on the channel handle "report" (which proves the handle arrived) and in
 * the log, then does what its first argument says:
 *   exit N    exits with status N;
 *   fault     writes through a null pointer (the process is faulted);
 *   sleep     sleeps until it is killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/runtime.h"
#include "cairn/sys.h"

int main(int argc, char **argv)
{
    char line[256];
    size_t n = 0;
    n += (size_t)snprintf(line + n, sizeof line - n, "argc=%d", argc);
    for (int i = 0; i < argc && n < sizeof line; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? "," : " argv=", argv[i]);
    const char *greeting = getenv("GREETING");
    if (n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, " GREETING=%s", greeting ? greeting : "(none)");
    if (n >= sizeof line)
        n = sizeof line - 1;
    printf("argprog: %s\n", line);
    handle_t report = libsys_handle("report");
    if (report != HANDLE_INVALID)
        sys_chan_write(report, line, (uint32_t)n, NULL, 0);

    const char *mode = argc > 1 ? argv[1] : "exit";
    if (strcmp(mode, "exit") == 0)
        return argc > 2 ? atoi(argv[2]) : 0;
    if (strcmp(mode, "fault") == 0) {
        fflush(stdout);
        *(volatile int *)(uintptr_t)argc = 1; /* an address in the unmapped first page */
        return 98;
    }
    if (strcmp(mode, "sleep") == 0) {
        for (;;)
            sys_thread_sleep(DEADLINE_INFINITE);
    }
    fprintf(stderr, "argprog: unknown mode '%s'\n", mode);
    return 99;
}
