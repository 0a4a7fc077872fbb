/* SPDX-License-Identifier: BSD-2-Clause
 *
 * shell: Cairn's interactive shell (docs/shell.md), a manifest component
 * (`connect *`, `log`, `restart always`).
 *
 * Start-up: a console session through ns, switched to raw mode (the shell
 * echoes and edits itself, ed.c), and a channel to proc. Then the loop:
 *   report finished background jobs -> prompt -> read raw bytes and feed
 *   the editor until a line is complete -> split it into commands
 *   (parse.c) -> for each: expand its words with the current $? and $!, run it
 *   (builtin.c, run.c), keep its status.
 * Bytes typed ahead stay in the read buffer for the next line. `exit`,
 * Ctrl-D on an empty line, or losing the console ends the shell; init
 * starts a new one.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "console.h"
#include "parse.h"
#include "sh.h"

#define SH_STATUS_INTERRUPT (SH_STATUS_SIGNAL + 2) /* Ctrl-C, as SIGINT would give */

typedef struct sh_input {
    console_read_result_t r;
    size_t pos;
} sh_input_t;

/* The next typed byte, reading (and so flushing output first) when none is
 * left. An error means the console is gone. */
static int read_byte(sh_t *sh, sh_input_t *in, uint8_t *c)
{
    while (in->pos == in->r.data_len) {
        sh_flush(sh);
        in->pos = 0;
        in->r.data_len = 0;
        int err = console_read(sh->con, sizeof in->r.data, &in->r, DEADLINE_INFINITE);
        if (err != OK)
            return err;
    }
    *c = in->r.data[in->pos++];
    return OK;
}

static void run_line(sh_t *sh, const char *line)
{
    static sh_cmd_t cmd;
    sh_span_t spans[SH_CMDS_MAX];
    size_t n;
    const char *why;

    if (sh_split(line, spans, &n, &why) != OK) {
        sh_printf(sh, "sh: %s\n", why);
        sh->status = SH_STATUS_USAGE;
        return;
    }
    for (size_t i = 0; i < n && !sh->exiting; i++) {
        sh_vars_t vars = {.status = sh->status, .last_bg = sh->last_bg};
        if (sh_words(line + spans[i].start, spans[i].len, &vars, &cmd, &why) != OK) {
            sh_printf(sh, "sh: %s\n", why);
            sh->status = SH_STATUS_USAGE;
            continue;
        }
        if (cmd.argc > 0)
            sh->status = sh_exec(sh, cmd.argc, cmd.argv, spans[i].background);
        /* Each command's output on the wire before the next one runs:
         * log lines it causes then come after what it printed. */
        sh_flush(sh);
    }
}

/* Reads and edits one line; false when the console is gone. */
static bool read_line(sh_t *sh, sh_input_t *in, char *line)
{
    static ed_out_t out;
    ed_out_reset(&out);
    ed_start(&sh->ed, &out);
    sh_write(sh, out.buf, out.len);
    for (;;) {
        uint8_t c;
        int err = read_byte(sh, in, &c);
        if (err != OK) {
            fprintf(stderr, "shell: console read: %s\n", cairn_error_name(err));
            return false;
        }
        ed_out_reset(&out);
        enum ed_result r = ed_feed(&sh->ed, c, &out);
        sh_write(sh, out.buf, out.len);
        switch (r) {
        case ED_LINE:
            memcpy(line, sh->ed.line, sh->ed.len + 1);
            sh_flush(sh); /* the whole line is shown before it runs */
            return true;
        case ED_CANCEL:
            sh->status = SH_STATUS_INTERRUPT;
            line[0] = '\0';
            return true;
        case ED_EOF:
            sh_printf(sh, "exit\n");
            sh->exiting = true;
            line[0] = '\0';
            return true;
        default:
            break;
        }
    }
}

static int sh_open(sh_t *sh)
{
    int err;
    sh->ns = libsys_handle("ns");
    sh->log = libsys_handle("log");
    sh->proc = HANDLE_INVALID;
    if (sh->ns == HANDLE_INVALID) {
        fprintf(stderr, "shell: no 'ns' session: the manifest must let it connect\n");
        return ERR_BAD_STATE;
    }
    if ((err = libsys_connect("console", SH_CALL_NS, &sh->con)) != OK) {
        fprintf(stderr, "shell: cannot connect to 'console': %s\n", cairn_error_name(err));
        return err;
    }
    if ((err = console_set_mode(sh->con, true, libsys_now_ns() + SH_CALL_NS)) != OK) {
        fprintf(stderr, "shell: console raw mode: %s\n", cairn_error_name(err));
        return err;
    }
    /* Without proc the shell still runs (help, echo, services, mem...). */
    if ((err = libsys_connect("proc", SH_CALL_NS, &sh->proc)) != OK) {
        sh->proc = HANDLE_INVALID;
        sh_printf(sh, "shell: cannot connect to 'proc': %s (no ps, run, kill)\n", cairn_strerror(err));
    }
    ed_init(&sh->ed, SH_PROMPT, sh_complete, sh);
    return OK;
}

int main(void)
{
    static sh_t sh;
    static sh_input_t in;
    static char line[ED_LINE_MAX + 1];

    if (sh_open(&sh) != OK)
        return 1;
    sh_printf(&sh, "Cairn shell: 'help' lists the commands.\n");
    while (!sh.exiting) {
        sh_jobs_reap(&sh);
        if (!read_line(&sh, &in, line))
            return 1;
        run_line(&sh, line);
    }
    sh_flush(&sh);
    return sh.status;
}
