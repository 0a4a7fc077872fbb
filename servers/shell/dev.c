/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's device commands: `devices` lists what devmgr manages
 * (proto/devmgr.proto: each PCI function, its driver, state and restarts;
 * unmatched functions too), `devices unbind BB:DD.F` ends a binding and
 * `devices kill BB:DD.F` kills the function's driver through proc (as
 * `kill PID` would: devmgr sees it end and restarts it);
 * `edu` exercises the edu driver's service (proto/edu.proto): `edu id`,
 * `edu fact N`, `edu dma [PATTERN]`. Each connects when it runs, so a
 * restarted devmgr or driver is found again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "devmgr.h"
#include "edu.h"
#include "proc.h"
#include "sh.h"

#define DEV_WAIT_NS (3ull * 1000 * 1000 * 1000) /* for the service to be there */

static uint64_t deadline(void) { return libsys_now_ns() + SH_CALL_NS; }

static bool connect_to(sh_t *sh, const char *cmd, const char *service, const char *who, handle_t *ch)
{
    int err = libsys_connect(service, DEV_WAIT_NS, ch);
    if (err == OK)
        return true;
    if (err == ERR_TIMED_OUT)
        sh_printf(sh, "%s: no '%s' service: %s is not running\n", cmd, service, who);
    else
        sh_error(sh, cmd, service, err);
    return false;
}

static const char *state_name(uint32_t state)
{
    static const char *const names[] = {"unmatched", "starting", "running", "restarting",
                                        "gave up",   "failed",   "unbinding", "unbound"};
    return state < sizeof names / sizeof names[0] ? names[state] : "?";
}

/* "BB:DD.F" -> bus << 8 | dev << 3 | fn. */
static bool parse_addr(const char *s, uint32_t *addr)
{
    unsigned bus, dev, fn;
    char end;
    if (sscanf(s, "%2x:%2x.%1u%c", &bus, &dev, &fn, &end) != 3 || dev > 31 || fn > 7)
        return false;
    *addr = bus << 8 | dev << 3 | fn;
    return true;
}

static int list_devices(sh_t *sh, handle_t ch)
{
    sh_printf(sh, "%-8s %-9s %-8s %-10s %-10s %8s %8s\n", "device", "id", "class", "driver", "state", "pid",
              "restarts");
    for (uint32_t i = 0;; i++) {
        devmgr_device_result_t r;
        int err = devmgr_device(ch, i, &r, deadline());
        if (err == ERR_NOT_FOUND)
            return 0;
        if (err != OK) {
            sh_error(sh, "devices", "devmgr.device", err);
            return 1;
        }
        char pid[24] = "-";
        if (r.pid != 0)
            snprintf(pid, sizeof pid, "%llu", (unsigned long long)r.pid);
        sh_printf(sh, "%02x:%02x.%u  %04x:%04x %02x%02x%02x   %-10s %-10s %8s %8u\n", r.addr >> 8, r.addr >> 3 & 0x1f,
                  r.addr & 7, r.vendor, r.device, r.class_code, r.subclass, r.prog_if, r.driver[0] ? r.driver : "-",
                  state_name(r.state), pid, r.restarts);
    }
}

/* The driver of `addr` killed through proc, as `kill PID` does. */
static int kill_driver(sh_t *sh, handle_t ch, uint32_t addr, const char *name)
{
    for (uint32_t i = 0;; i++) {
        devmgr_device_result_t r;
        int err = devmgr_device(ch, i, &r, deadline());
        if (err != OK) {
            sh_printf(sh, "devices: %s: %s\n", name, err == ERR_NOT_FOUND ? "no such device" : cairn_strerror(err));
            return 1;
        }
        if (r.addr != addr)
            continue;
        if (r.pid == 0) {
            sh_printf(sh, "devices: %s: no driver running\n", name);
            return 1;
        }
        if (!sh_proc_ready(sh) || (err = proc_kill(sh->proc, r.pid, deadline())) != OK) {
            sh_error(sh, "devices", "proc.kill", sh->proc == HANDLE_INVALID ? ERR_PEER_CLOSED : err);
            return 1;
        }
        sh_printf(sh, "killed %s (pid %llu)\n", r.driver, (unsigned long long)r.pid);
        return 0;
    }
}

int sh_cmd_devices(sh_t *sh, int argc, char **argv, bool background)
{
    (void)background;
    uint32_t addr = 0;
    bool unbind = argc == 3 && strcmp(argv[1], "unbind") == 0, kill = argc == 3 && strcmp(argv[1], "kill") == 0;
    if (!(argc == 1 || ((unbind || kill) && parse_addr(argv[2], &addr)))) {
        sh_printf(sh, "usage: devices [unbind|kill BB:DD.F]\n");
        return SH_STATUS_USAGE;
    }
    handle_t ch;
    if (!connect_to(sh, "devices", "devmgr", "the device manager", &ch))
        return 1;
    int status = 0;
    if (argc == 1) {
        status = list_devices(sh, ch);
    } else if (kill) {
        status = kill_driver(sh, ch, addr, argv[2]);
    } else {
        int err = devmgr_unbind(ch, addr, deadline());
        if (err != OK) {
            sh_error(sh, "devices", "unbind", err);
            status = 1;
        } else {
            sh_printf(sh, "%s unbound\n", argv[2]);
        }
    }
    sys_handle_close(ch);
    return status;
}

static bool parse_u32(const char *s, uint32_t *v)
{
    char *end;
    unsigned long x = strtoul(s, &end, 0);
    if (*s == '\0' || *end != '\0' || x > 0xffffffffull)
        return false;
    *v = (uint32_t)x;
    return true;
}

int sh_cmd_edu(sh_t *sh, int argc, char **argv, bool background)
{
    (void)background;
    uint32_t arg = 0x5a17c0deu;
    bool ok = argc >= 2 && ((strcmp(argv[1], "id") == 0 && argc == 2) ||
                            (strcmp(argv[1], "fact") == 0 && argc == 3 && parse_u32(argv[2], &arg)) ||
                            (strcmp(argv[1], "dma") == 0 && (argc == 2 || (argc == 3 && parse_u32(argv[2], &arg)))));
    if (!ok) {
        sh_printf(sh, "usage: edu id | edu fact N | edu dma [PATTERN]\n");
        return SH_STATUS_USAGE;
    }
    handle_t ch;
    if (!connect_to(sh, "edu", "edu", "the edu driver", &ch))
        return 1;
    int err, status = 0;
    if (strcmp(argv[1], "id") == 0) {
        edu_id_result_t r;
        if ((err = edu_id(ch, &r, deadline())) == OK)
            sh_printf(sh, "edu %02x:%02x.%u: id %#010x, %s, %llu interrupts\n", r.addr >> 8, r.addr >> 3 & 0x1f,
                      r.addr & 7, r.id, r.irq_mode == 3 ? "MSI-X" : r.irq_mode == 2 ? "MSI" : "INTx",
                      (unsigned long long)r.interrupts);
    } else if (strcmp(argv[1], "fact") == 0) {
        edu_fact_result_t r;
        if ((err = edu_fact(ch, arg, &r, deadline())) == OK)
            sh_printf(sh, "%u\n", r.value);
    } else {
        edu_dma_test_result_t r;
        if ((err = edu_dma_test(ch, arg, &r, deadline())) == OK) {
            sh_printf(sh, "dma %#010x: %s (%u bytes came back)\n", arg, r.ok ? "ok" : "MISMATCH", r.matched);
            status = r.ok ? 0 : 1;
        }
    }
    if (err != OK) {
        sh_error(sh, "edu", argv[1], err);
        status = 1;
    }
    sys_handle_close(ch);
    return status;
}
