/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Starting programs. `run PROG ARGS` (or a boot module's bare name) asks
 * proc to create the process, gives it two handles and starts it:
 *   stdio  a fresh console session (ns.connect "console"), its stdin and
 *          stdout;
 *   ns     a session derived from the shell's (ns.derive PROG "*" "*"):
 *          it may connect to what the shell may, and publish names no
 *          manifest component provides - so a server started here can
 *          serve.
 * A foreground program is waited for (proc.wait), and how it ended becomes
 * $?: its exit status, or 128 + 9 when killed, 128 + 11 when it faulted.
 * A background one ('&') is printed as "[pid]", becomes $! and is
 * remembered as a job; before each prompt, sh_jobs_reap reports the jobs
 * that have ended and waits for them so proc forgets them.
 *
 * Also here: the channel to proc (re-made when proc restarts), the list of
 * boot modules (for bare names and completion) and the completion
 * function.
 */
#include <stdio.h>
#include <string.h>

#include "abi/process.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "ns.h"
#include "parse.h"
#include "proc.h"
#include "sh.h"

#define SH_ARGS_MAX 479 /* proc.create's string<479> */
#define SH_DISCARD_NS (2ull * 1000 * 1000 * 1000)
#define SH_RECONNECT_NS (1ull * 1000 * 1000 * 1000) /* proc restarting: a moment, not SH_CALL_NS */

static uint64_t deadline(void) { return libsys_now_ns() + SH_CALL_NS; }

/* ---- the connection to proc ----------------------------------------------- */

bool sh_proc_ready(sh_t *sh)
{
    uint32_t seen = 0;
    /* A restarted proc is a new server: the old channel only says so by
     * its closed peer (a deadline of 0 does not block). */
    if (sh->proc != HANDLE_INVALID && sys_object_wait(sh->proc, SIG_PEER_CLOSED, 0, &seen) == OK &&
        (seen & SIG_PEER_CLOSED)) {
        sys_handle_close(sh->proc);
        sh->proc = HANDLE_INVALID;
        sh->modules_read = false;
    }
    if (sh->proc == HANDLE_INVALID && libsys_connect("proc", SH_RECONNECT_NS, &sh->proc) != OK)
        sh->proc = HANDLE_INVALID;
    return sh->proc != HANDLE_INVALID;
}

/* ---- how a process ended ------------------------------------------------- */

static int end_status(uint32_t reason, int32_t code)
{
    switch (reason) {
    case PROCESS_EXITED: return code;
    case PROCESS_KILLED: return SH_STATUS_SIGNAL + 9;
    default: return SH_STATUS_SIGNAL + 11;
    }
}

/* Waits for pid; its status, or 1 when proc could not say. */
static int wait_for(sh_t *sh, uint64_t pid, const char *name, bool job)
{
    proc_wait_result_t w;
    int err = proc_wait(sh->proc, pid, &w, DEADLINE_INFINITE);
    if (err != OK) {
        sh_printf(sh, "sh: waiting for %llu (%s): %s\n", (unsigned long long)pid, name, cairn_strerror(err));
        return 1;
    }
    int status = end_status(w.reason, w.code);
    if (job)
        sh_printf(sh, "[%llu] %s %s (status %d)\n", (unsigned long long)pid,
                  w.reason == PROCESS_EXITED ? "done" : w.reason == PROCESS_KILLED ? "killed" : "faulted", name,
                  status);
    else if (w.reason == PROCESS_KILLED)
        sh_printf(sh, "sh: %s (%llu) was killed\n", name, (unsigned long long)pid);
    else if (w.reason != PROCESS_EXITED)
        sh_printf(sh, "sh: %s (%llu) faulted\n", name, (unsigned long long)pid);
    return status;
}

/* ---- starting ------------------------------------------------------------- */

/* argv[1..] joined by spaces: a program's arguments are split at blanks
 * (docs/libsys.md), so a word holding one cannot be passed. */
static int join_args(sh_t *sh, int argc, char **argv, char args[SH_ARGS_MAX + 1])
{
    size_t len = 0;
    args[0] = '\0';
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (n == 0 || strpbrk(argv[i], " \t\n")) {
            sh_printf(sh, "run: argument '%s' cannot be passed: programs get their words split at blanks\n",
                      argv[i]);
            return SH_STATUS_USAGE;
        }
        if (len + (len > 0) + n > SH_ARGS_MAX) {
            sh_printf(sh, "run: arguments longer than %d bytes\n", SH_ARGS_MAX);
            return SH_STATUS_USAGE;
        }
        if (len > 0)
            args[len++] = ' ';
        memcpy(args + len, argv[i], n + 1);
        len += n;
    }
    return 0;
}

/* stdio and ns for a created process. */
static int give_handles(sh_t *sh, uint64_t pid, const char *name)
{
    ns_connect_result_t con;
    ns_derive_result_t ses;
    int err = ns_connect(sh->ns, "console", false, &con, deadline());
    if (err != OK) {
        sh_error(sh, "run", "a console session (ns.connect console)", err);
        return err;
    }
    err = proc_add_handle(sh->proc, pid, "stdio", con.conn, deadline());
    if (err != OK) {
        sh_error(sh, "run", "proc.add_handle stdio", err);
        return err;
    }
    err = ns_derive(sh->ns, name, "*", "*", &ses, deadline()); /* all the shell may grant */
    if (err != OK) {
        sh_error(sh, "run", "an ns session (ns.derive)", err);
        return err;
    }
    err = proc_add_handle(sh->proc, pid, "ns", ses.session, deadline());
    if (err != OK)
        sh_error(sh, "run", "proc.add_handle ns", err);
    return err;
}

/* A created process that will not start: killed and forgotten. */
static void discard(sh_t *sh, uint64_t pid)
{
    proc_wait_result_t w;
    if (proc_kill(sh->proc, pid, libsys_now_ns() + SH_DISCARD_NS) == OK)
        proc_wait(sh->proc, pid, &w, libsys_now_ns() + SH_DISCARD_NS);
}

static void job_add(sh_t *sh, uint64_t pid, const char *name)
{
    if (sh->njobs == SH_JOBS_MAX) {
        sh_printf(sh, "sh: %d jobs already: %llu will not be reported\n", SH_JOBS_MAX, (unsigned long long)pid);
        return;
    }
    sh_job_t *j = &sh->jobs[sh->njobs++];
    j->pid = pid;
    snprintf(j->name, sizeof j->name, "%s", name);
}

int sh_run_program(sh_t *sh, int argc, char **argv, bool background)
{
    static char args[SH_ARGS_MAX + 1];
    const char *name = argv[0];
    proc_create_result_t cr;
    int err;

    if (!sh_proc_ready(sh)) {
        sh_printf(sh, "run: no connection to proc\n");
        return 1;
    }
    if (strlen(name) > SH_NAME_MAX) {
        sh_printf(sh, "run: no program '%s'\n", name);
        return SH_STATUS_NOT_FOUND;
    }
    if ((err = join_args(sh, argc, argv, args)) != 0)
        return err;
    err = proc_create(sh->proc, name, args, "", &cr, deadline());
    if (err == ERR_NOT_FOUND) {
        sh_printf(sh, "run: no program '%s'\n", name);
        return SH_STATUS_NOT_FOUND;
    }
    if (err == ERR_CORRUPT) {
        sh_printf(sh, "run: '%s' is not a program\n", name);
        return SH_STATUS_NOT_PROGRAM;
    }
    if (err != OK) {
        sh_error(sh, "run", name, err);
        return 1;
    }
    err = give_handles(sh, cr.pid, name);
    if (err == OK && (err = proc_start(sh->proc, cr.pid, deadline())) != OK)
        sh_error(sh, "run", "proc.start", err);
    if (err != OK) {
        discard(sh, cr.pid);
        return 1;
    }
    if (background) {
        sh_printf(sh, "[%llu]\n", (unsigned long long)cr.pid);
        sh->last_bg = cr.pid;
        job_add(sh, cr.pid, name);
        return 0;
    }
    sh_flush(sh); /* the program's output comes after ours */
    return wait_for(sh, cr.pid, name, false);
}

int sh_cmd_run(sh_t *sh, int argc, char **argv, bool background)
{
    if (argc < 2) {
        sh_printf(sh, "usage: run PROGRAM [ARG...] [&]\nprograms:");
        sh_modules_read(sh);
        for (size_t i = 0; i < sh->nmodules; i++)
            sh_printf(sh, " %s", sh->modules[i]);
        sh_printf(sh, "\n");
        return SH_STATUS_USAGE;
    }
    return sh_run_program(sh, argc - 1, argv + 1, background);
}

/* ---- jobs --------------------------------------------------------------- */

void sh_jobs_reap(sh_t *sh)
{
    if (sh->njobs > 0 && !sh_proc_ready(sh))
        return;
    for (size_t i = 0; i < sh->njobs;) {
        sh_job_t *j = &sh->jobs[i];
        proc_list_result_t r;
        int err = proc_list(sh->proc, j->pid - 1, &r, deadline());
        if (err == OK && r.pid == j->pid && r.state == PROCESS_RUNNING) {
            i++;
            continue;
        }
        if (err == OK && r.pid == j->pid)
            wait_for(sh, j->pid, j->name, true);
        else if (err == OK || err == ERR_NOT_FOUND)
            sh_printf(sh, "[%llu] %s is gone\n", (unsigned long long)j->pid, j->name);
        else {
            i++; /* proc did not answer: ask again next time */
            continue;
        }
        *j = sh->jobs[--sh->njobs];
    }
}

/* ---- boot modules and completion -------------------------------------------- */

void sh_modules_read(sh_t *sh)
{
    if (sh->modules_read || !sh_proc_ready(sh))
        return;
    sh->nmodules = 0;
    for (uint32_t i = 0; i < SH_MODULES_MAX; i++) {
        proc_module_result_t m;
        int err = proc_module(sh->proc, i, &m, deadline());
        if (err == ERR_NOT_FOUND)
            break;
        if (err != OK)
            return; /* try again next time */
        snprintf(sh->modules[sh->nmodules++], SH_NAME_MAX + 1, "%s", m.name);
    }
    sh->modules_read = true;
}

bool sh_is_module(sh_t *sh, const char *name)
{
    sh_modules_read(sh);
    for (size_t i = 0; i < sh->nmodules; i++)
        if (strcmp(sh->modules[i], name) == 0)
            return true;
    return false;
}

size_t sh_complete(void *ctx, const char *line, size_t word_start, const char **names, size_t max)
{
    sh_t *sh = ctx;
    char first[SH_NAME_MAX + 1];
    size_t idx = sh_word_index(line, word_start, first, sizeof first);
    bool cmds = idx == 0 || (idx == 1 && strcmp(first, "help") == 0);
    bool programs = idx == 0 || (idx == 1 && strcmp(first, "run") == 0);
    size_t n = 0;
    for (size_t i = 0; cmds && i < sh_builtin_count() && n < max; i++)
        names[n++] = sh_builtin_at(i)->name;
    if (programs)
        sh_modules_read(sh);
    for (size_t i = 0; programs && i < sh->nmodules && n < max; i++)
        names[n++] = sh->modules[i];
    return n;
}
