/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's commands that ask the kernel: mem and uptime (system_info,
 * no capability), log (the "log" resource from the manifest: log_read).
 * poweroff and reboot go through the acpi server (acpi.c).
 */
#include <stdlib.h>
#include <string.h>

#include "abi/sysinfo.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "sh.h"

#define NS_PER_MS 1000000ull

#define LOG_RING_MAX (64u * 1024) /* what the kernel keeps (docs/syscalls.md, log_read) */
#define LOG_READ_MAX 4096u        /* log_read's most per call */

int sh_cmd_mem(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)argv, (void)bg;
    system_info_t si;
    if (argc != 1) {
        sh_printf(sh, "usage: mem\n");
        return SH_STATUS_USAGE;
    }
    int64_t err = sys_system_info(&si);
    if (err != OK) {
        sh_error(sh, "mem", "system_info", (int)err);
        return 1;
    }
    uint64_t used = si.mem_total >= si.mem_free ? si.mem_total - si.mem_free : 0;
    sh_printf(sh, "total  %10llu KiB\nused   %10llu KiB\nfree   %10llu KiB\nkernel heap %4llu KiB\n",
              (unsigned long long)(si.mem_total / 1024), (unsigned long long)(used / 1024),
              (unsigned long long)(si.mem_free / 1024), (unsigned long long)(si.kheap_bytes / 1024));
    return 0;
}

int sh_cmd_uptime(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)argv, (void)bg;
    system_info_t si;
    if (argc != 1) {
        sh_printf(sh, "usage: uptime\n");
        return SH_STATUS_USAGE;
    }
    int64_t err = sys_system_info(&si);
    if (err != OK) {
        sh_error(sh, "uptime", "system_info", (int)err);
        return 1;
    }
    uint64_t ms = si.uptime_ns / NS_PER_MS;
    uint64_t s = ms / 1000;
    sh_printf(sh, "up %llu:%02llu:%02llu (%llu.%03llu s), %u CPUs, %u processes, %u threads\n",
              (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60),
              (unsigned long long)s, (unsigned long long)(ms % 1000), si.cpus, si.processes, si.threads);
    return 0;
}

/* Prints the log ring, or its last `lines` lines (0: all). */
int sh_cmd_log(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    uint64_t lines = 0, seq = 0;
    if (argc > 2 || (argc == 2 && !sh_parse_u64(argv[1], &lines))) {
        sh_printf(sh, "usage: log [LINES]\n");
        return SH_STATUS_USAGE;
    }
    if (sh->log == HANDLE_INVALID) {
        sh_printf(sh, "log: no 'log' resource (the manifest line `log` gives it)\n");
        return 1;
    }
    char *buf = malloc(LOG_RING_MAX);
    if (!buf) {
        sh_error(sh, "log", "a buffer", ERR_NO_MEMORY);
        return 1;
    }
    /* The ring keeps growing while we read: stop at what fits. */
    size_t len = 0;
    while (len < LOG_RING_MAX) {
        uint32_t want = LOG_RING_MAX - len < LOG_READ_MAX ? (uint32_t)(LOG_RING_MAX - len) : LOG_READ_MAX;
        int64_t n = sys_log_read(sh->log, &seq, buf + len, want);
        if (n < 0) {
            sh_error(sh, "log", "log_read", (int)n);
            free(buf);
            return 1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    size_t start = 0;
    if (lines > 0) {
        size_t i = len;
        if (i > 0 && buf[i - 1] == '\n')
            i--; /* the last line's own end */
        for (uint64_t k = 0; i > 0; i--)
            if (buf[i - 1] == '\n' && ++k == lines)
                break;
        start = i;
    }
    sh_write(sh, buf + start, len - start);
    free(buf);
    return 0;
}
