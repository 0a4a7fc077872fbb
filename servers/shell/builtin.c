/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's commands: one table (name, function, usage, help) that help,
 * completion and sh_exec read, and the commands that only ask a server and
 * print: ps and kill and handles (proc), services (ns), plus echo, help and
 * exit. A command returns its status ($?): 0 done, 1 the server refused or
 * failed, 2 (SH_STATUS_USAGE) a wrong command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/process.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "ns.h"
#include "proc.h"
#include "sh.h"

#define SH_LIST_MAX 4096 /* entries a listing shows, at most: a bound on a server's answers */

static uint64_t deadline(void) { return libsys_now_ns() + SH_CALL_NS; }

bool sh_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static int usage(sh_t *sh, const char *name)
{
    const sh_builtin_t *b = sh_builtin_find(name);
    sh_printf(sh, "usage: %s\n", b ? b->usage : name);
    return SH_STATUS_USAGE;
}

static bool need_proc(sh_t *sh, const char *cmd)
{
    if (sh_proc_ready(sh))
        return true;
    sh_printf(sh, "%s: no connection to proc\n", cmd);
    return false;
}

/* ---- help, echo, exit ------------------------------------------------------ */

static int cmd_help(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    if (argc > 2)
        return usage(sh, argv[0]);
    for (size_t i = 0; i < sh_builtin_count(); i++) {
        const sh_builtin_t *b = sh_builtin_at(i);
        if (argc == 2 && strcmp(argv[1], b->name) != 0)
            continue;
        sh_printf(sh, "  %-28s %s\n", b->usage, b->help);
    }
    if (argc == 2 && !sh_builtin_find(argv[1])) {
        sh_printf(sh, "help: no command '%s'\n", argv[1]);
        return 1;
    }
    if (argc == 1)
        sh_printf(sh, "A boot module's name runs it like run. Commands end at ';', or at '&' to run\n"
                      "in the background; \"...\" quotes; $? is the last status. Tab completes.\n");
    return 0;
}

static int cmd_echo(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    for (int i = 1; i < argc; i++) {
        if (i > 1)
            sh_write(sh, " ", 1);
        sh_write(sh, argv[i], strlen(argv[i])); /* a word may be longer than sh_printf's line */
    }
    sh_write(sh, "\n", 1);
    return 0;
}

static int cmd_exit(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    int code = sh->status;
    if (argc > 2)
        return usage(sh, argv[0]);
    if (argc == 2) {
        char *end;
        long v = strtol(argv[1], &end, 10);
        if (*argv[1] == '\0' || *end != '\0' || v < -2147483647L || v > 2147483647L)
            return usage(sh, argv[0]);
        code = (int)v;
    }
    sh->exiting = true;
    return code;
}

/* ---- proc: ps, kill, handles ------------------------------------------------ */

static const char *state_name(uint32_t state, int32_t code, char *buf, size_t cap)
{
    switch (state) {
    case PROCESS_RUNNING: return "running";
    case PROCESS_EXITED: snprintf(buf, cap, "exit %d", code); return buf;
    case PROCESS_KILLED: return "killed";
    case PROCESS_FAULTED: return "faulted";
    default: snprintf(buf, cap, "state %u", state); return buf;
    }
}

static int cmd_ps(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    if (argc != 1)
        return usage(sh, argv[0]);
    if (!need_proc(sh, "ps"))
        return 1;
    /* MEM: mapped in its address space; OWN: vmo memory charged to its
     * quota (a parent owns its children's images and stacks). */
    sh_printf(sh, "%6s %6s %-8s %9s %9s %9s %4s %4s  %s\n", "PID", "PARENT", "STATE", "CPU(ms)", "MEM(KiB)",
              "OWN(KiB)", "THR", "HND", "NAME");
    uint64_t after = 0;
    for (int n = 0; n < SH_LIST_MAX; n++) {
        proc_list_result_t r;
        char st[24];
        int err = proc_list(sh->proc, after, &r, deadline());
        if (err == ERR_NOT_FOUND)
            return 0;
        if (err != OK) {
            sh_error(sh, "ps", "proc.list", err);
            return 1;
        }
        if (r.pid <= after) { /* proc must answer in pid order: stop rather than loop */
            sh_printf(sh, "ps: proc answered pid %llu after %llu\n", (unsigned long long)r.pid,
                      (unsigned long long)after);
            return 1;
        }
        sh_printf(sh, "%6llu %6llu %-8s %9llu %9llu %9llu %4u %4u  %s\n", (unsigned long long)r.pid,
                  (unsigned long long)r.parent, state_name(r.state, r.code, st, sizeof st),
                  (unsigned long long)(r.cpu_ns / 1000000), (unsigned long long)(r.memory / 1024),
                  (unsigned long long)(r.charged / 1024), r.threads, r.handles, r.name);
        after = r.pid;
    }
    return 0;
}

static int cmd_kill(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    int status = 0;
    if (argc < 2)
        return usage(sh, argv[0]);
    if (!need_proc(sh, "kill"))
        return 1;
    for (int i = 1; i < argc; i++) {
        uint64_t pid;
        if (!sh_parse_u64(argv[i], &pid)) {
            sh_printf(sh, "kill: '%s' is not a pid\n", argv[i]);
            status = SH_STATUS_USAGE;
            continue;
        }
        int err = proc_kill(sh->proc, pid, deadline());
        if (err != OK) {
            sh_printf(sh, "kill: %llu: %s\n", (unsigned long long)pid, cairn_strerror(err));
            status = 1;
        }
    }
    return status;
}

static const char *kind_name(uint32_t kind)
{
    static const char *const names[] = {
        [KIND_NONE] = "none",   [KIND_PROCESS] = "process", [KIND_THREAD] = "thread",
        [KIND_CHANNEL] = "channel", [KIND_PORT] = "port",   [KIND_VMO] = "vmo",
        [KIND_TIMER] = "timer", [KIND_IRQ] = "irq",         [KIND_IOPORT] = "ioport",
        [KIND_RESOURCE] = "resource",
    };
    return kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "?";
}

/* One letter per right, in bit order; '-' for a right not held. */
static void rights_letters(uint32_t rights, char out[11])
{
    static const char letters[] = "rwmxdtsWMD"; /* read write map execute duplicate transfer
                                                   signal Wait Manage Dma */
    for (int i = 0; i < 10; i++)
        out[i] = rights & (1u << i) ? letters[i] : '-';
    out[10] = '\0';
}

static int cmd_handles(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    uint64_t pid;
    if (argc != 2)
        return usage(sh, argv[0]);
    if (!sh_parse_u64(argv[1], &pid)) {
        sh_printf(sh, "handles: '%s' is not a pid\n", argv[1]);
        return SH_STATUS_USAGE;
    }
    if (!need_proc(sh, "handles"))
        return 1;
    uint32_t cursor = 0;
    for (int n = 0; n < SH_LIST_MAX; n++) {
        proc_handles_result_t r;
        char rights[11];
        int err = proc_handles(sh->proc, pid, cursor, &r, deadline());
        if (err == ERR_NOT_FOUND && n > 0)
            return 0;
        if (err != OK) {
            sh_printf(sh, "handles: %llu: %s\n", (unsigned long long)pid, cairn_strerror(err));
            return 1;
        }
        if (n == 0)
            sh_printf(sh, "%-10s %-8s %-10s %s\n", "HANDLE", "TYPE", "RIGHTS", "OBJECT");
        rights_letters(r.rights, rights);
        sh_printf(sh, "0x%08x %-8s %-10s %llu\n", r.value, kind_name(r.kind), rights,
                  (unsigned long long)r.object_id);
        if (r.next <= cursor)
            return 0; /* the cursor must advance: a server that does not is not followed */
        cursor = r.next;
    }
    return 0;
}

/* ---- ns: services ----------------------------------------------------------- */

static int cmd_services(sh_t *sh, int argc, char **argv, bool bg)
{
    (void)bg;
    if (argc != 1)
        return usage(sh, argv[0]);
    sh_printf(sh, "%-20s %-20s %6s\n", "NAME", "PROVIDER", "PID");
    for (uint32_t i = 0; i < SH_LIST_MAX; i++) {
        ns_list_result_t r;
        int err = ns_list(sh->ns, i, &r, deadline());
        if (err == ERR_NOT_FOUND)
            return 0;
        if (err != OK) {
            sh_error(sh, "services", "ns.list", err);
            return 1;
        }
        char pid[24] = "-"; /* 0: ns does not know (a derived session's program) */
        if (r.pid != 0)
            snprintf(pid, sizeof pid, "%llu", (unsigned long long)r.pid);
        sh_printf(sh, "%-20s %-20s %6s\n", r.name, r.provider, pid);
    }
    return 0;
}

/* ---- the table -------------------------------------------------------------- */

static const sh_builtin_t builtins[] = {
    {"acpi", sh_cmd_acpi, "acpi", "the firmware's ACPI tables: CPUs, interrupts, ECAM, HPET, power"},
    {"devices", sh_cmd_devices, "devices [unbind|kill BB:DD.F]", "PCI functions, their drivers (devmgr), state, restarts"},
    {"echo", cmd_echo, "echo [WORD...]", "print the words"},
    {"edu", sh_cmd_edu, "edu id | fact N | dma [PATTERN]", "ask the edu driver (QEMU's edu device)"},
    {"exit", cmd_exit, "exit [STATUS]", "leave the shell (init starts a new one)"},
    {"handles", cmd_handles, "handles PID", "a process's handles: value, type, rights, object"},
    {"help", cmd_help, "help [COMMAND]", "this list"},
    {"kill", cmd_kill, "kill PID...", "kill processes"},
    {"log", sh_cmd_log, "log [LINES]", "the kernel log (its last LINES lines)"},
    {"lspci", sh_cmd_lspci, "lspci [-v]", "PCI functions: address, ids, class, name, driver (-v: BARs, capabilities, interrupts)"},
    {"mem", sh_cmd_mem, "mem", "memory: total, used, free"},
    {"poweroff", sh_cmd_poweroff, "poweroff", "switch the machine off (ACPI S5)"},
    {"ps", cmd_ps, "ps", "processes: pid, parent, state, cpu, memory, threads, handles"},
    {"reboot", sh_cmd_reboot, "reboot", "reset the machine (ACPI reset register)"},
    {"run", sh_cmd_run, "run PROGRAM [ARG...] [&]", "start a boot module; '&': do not wait"},
    {"services", cmd_services, "services", "registered services and their providers"},
    {"uptime", sh_cmd_uptime, "uptime", "time since boot, CPUs, processes"},
};

size_t sh_builtin_count(void) { return sizeof builtins / sizeof builtins[0]; }

const sh_builtin_t *sh_builtin_at(size_t i) { return i < sh_builtin_count() ? &builtins[i] : NULL; }

const sh_builtin_t *sh_builtin_find(const char *name)
{
    for (size_t i = 0; i < sh_builtin_count(); i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

int sh_exec(sh_t *sh, int argc, char **argv, bool background)
{
    const sh_builtin_t *b = sh_builtin_find(argv[0]);
    if (b)
        return b->fn(sh, argc, argv, background);
    if (sh_is_module(sh, argv[0]))
        return sh_run_program(sh, argc, argv, background);
    sh_printf(sh, "sh: unknown command '%s'\n", argv[0]);
    return SH_STATUS_NOT_FOUND;
}
