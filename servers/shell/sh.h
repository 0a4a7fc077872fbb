/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell (docs/shell.md): what its parts share. main.c reads the console
 * and runs lines; io.c buffers output to the console session; builtin.c
 * holds the command table and the commands that only ask; run.c starts
 * programs through proc and keeps the background jobs; sysctl.c has the
 * commands that ask the kernel (log, mem, uptime); acpi.c those that go
 * through the acpi server (acpi, poweroff, reboot).
 *
 * Single-threaded, blocking: a command runs to its end (a foreground
 * program until proc.wait answers) before the next byte is read.
 */
#ifndef SHELL_SH_H
#define SHELL_SH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/handle.h"
#include "ed.h"

#define SH_PROMPT "cairn> "
#define SH_CALL_NS (10ull * 1000 * 1000 * 1000) /* a call to ns or proc: generous under TCG */
#define SH_JOBS_MAX 16
#define SH_MODULES_MAX 64
#define SH_NAME_MAX 31 /* program and service names (proc, ns: string<31>) */

/* Statuses the shell itself gives, as POSIX shells do. */
#define SH_STATUS_USAGE 2        /* a command used wrongly, a syntax error */
#define SH_STATUS_NOT_PROGRAM 126
#define SH_STATUS_NOT_FOUND 127  /* no such command or program */
#define SH_STATUS_SIGNAL 128     /* + 9 killed, + 11 faulted, + 2 Ctrl-C */

typedef struct sh_job {
    uint64_t pid;
    char name[SH_NAME_MAX + 1];
} sh_job_t;

typedef struct sh {
    handle_t ns;      /* our ns session (bootstrap "ns") */
    handle_t con;     /* our console session, raw */
    handle_t proc;    /* a channel to proc, or HANDLE_INVALID */
    handle_t log;     /* the log resource (bootstrap "log"), or invalid */
    int status;       /* $? */
    uint64_t last_bg; /* $!: the last background program's pid, 0 before one */
    bool exiting;
    ed_t ed;

    sh_job_t jobs[SH_JOBS_MAX];
    size_t njobs;

    /* Boot modules proc can start, read once (they never change). */
    char modules[SH_MODULES_MAX][SH_NAME_MAX + 1];
    size_t nmodules;
    bool modules_read;
} sh_t;

/* ---- output (io.c) ---- */
void sh_write(sh_t *sh, const char *s, size_t n);
void sh_printf(sh_t *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sh_flush(sh_t *sh);
/* "CMD: message\n" for a failed call, with the error's text. */
void sh_error(sh_t *sh, const char *cmd, const char *what, int err);

/* ---- commands (builtin.c) ---- */
typedef int (*sh_cmd_fn)(sh_t *sh, int argc, char **argv, bool background);

typedef struct sh_builtin {
    const char *name;
    sh_cmd_fn fn;
    const char *usage;
    const char *help;
} sh_builtin_t;

const sh_builtin_t *sh_builtin_find(const char *name);
size_t sh_builtin_count(void);
const sh_builtin_t *sh_builtin_at(size_t i);

/* Runs one command (argv[0] a builtin or a boot module); its status. */
int sh_exec(sh_t *sh, int argc, char **argv, bool background);

/* A decimal number (a pid); false for anything else. */
bool sh_parse_u64(const char *s, uint64_t *out);

/* ---- programs and jobs (run.c) ---- */
/* True when sh->proc is a live channel to proc, reconnecting (briefly
 * waiting) when proc has gone or was never reached. */
bool sh_proc_ready(sh_t *sh);
int sh_cmd_run(sh_t *sh, int argc, char **argv, bool background);
int sh_run_program(sh_t *sh, int argc, char **argv, bool background);
/* Reports and forgets background jobs that have ended. */
void sh_jobs_reap(sh_t *sh);
void sh_modules_read(sh_t *sh);
bool sh_is_module(sh_t *sh, const char *name);
/* The editor's completion function (ed.h); ctx is the sh_t. */
size_t sh_complete(void *ctx, const char *line, size_t word_start, const char **names, size_t max);

/* ---- the machine (sysctl.c, acpi.c) ---- */
int sh_cmd_log(sh_t *sh, int argc, char **argv, bool background);
int sh_cmd_acpi(sh_t *sh, int argc, char **argv, bool background);
int sh_cmd_poweroff(sh_t *sh, int argc, char **argv, bool background);
int sh_cmd_reboot(sh_t *sh, int argc, char **argv, bool background);
int sh_cmd_mem(sh_t *sh, int argc, char **argv, bool background);
int sh_cmd_uptime(sh_t *sh, int argc, char **argv, bool background);

/* ---- PCI (pci.c: lspci through the pci server) ---- */
int sh_cmd_lspci(sh_t *sh, int argc, char **argv, bool background);

/* ---- devices (dev.c: devmgr and the edu driver) ---- */
int sh_cmd_devices(sh_t *sh, int argc, char **argv, bool background);
int sh_cmd_edu(sh_t *sh, int argc, char **argv, bool background);

#endif
