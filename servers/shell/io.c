/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's output: everything goes to its own console session
 * (console.write), gathered in one buffer so that a command's output
 * becomes a few writes rather than one per line. The buffer is written when
 * it fills, and by sh_flush, which the shell calls before anything that
 * waits (reading input, a foreground program) - so output is never held
 * back while the shell sits still.
 *
 * If the console refuses a write, the text goes to the kernel log instead
 * (stderr), so a broken session still leaves a trace.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "console.h"
#include "sh.h"

#define SH_OUT_MAX 4096 /* console.write takes bytes<4096> */

static char out_buf[SH_OUT_MAX];
static size_t out_len;

void sh_flush(sh_t *sh)
{
    if (out_len == 0)
        return;
    int err = console_write(sh->con, out_buf, (uint32_t)out_len, libsys_now_ns() + SH_CALL_NS);
    if (err != OK)
        fprintf(stderr, "shell: console write: %s: %.*s\n", cairn_error_name(err), (int)out_len, out_buf);
    out_len = 0;
}

void sh_write(sh_t *sh, const char *s, size_t n)
{
    while (n > 0) {
        if (out_len == SH_OUT_MAX)
            sh_flush(sh);
        size_t k = SH_OUT_MAX - out_len;
        if (k > n)
            k = n;
        memcpy(out_buf + out_len, s, k);
        out_len += k;
        s += k;
        n -= k;
    }
}

void sh_printf(sh_t *sh, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sh_write(sh, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void sh_error(sh_t *sh, const char *cmd, const char *what, int err)
{
    sh_printf(sh, "%s: %s: %s\n", cmd, what, cairn_strerror(err));
}
