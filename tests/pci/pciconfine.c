/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The pci server's confinement test (tests/qemu/pci-confine.test): a
 * client of "pci-bind" binds QEMU's edu device (1234:11e8) and checks what
 * the device capability lets it do and what it refuses - BAR writes,
 * protected registers, offsets past the function's space, a second bind,
 * the wrong BAR kind - then has a child process (this same program, run
 * as "pciconfine child") map BAR 0 and read it in a loop, unbinds, and
 * checks that the child was killed by its next access (the BAR vmo was
 * revoked) and that the device channel answers ERR_PEER_CLOSED.
 * One line per check: "pciconfine: PASS name" or "pciconfine: FAIL ...",
 * then "pciconfine: done, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/spawn.h"
#include "cairn/sys.h"
#include "pci.h"
#include "pcidev.h"

#define SEC 1000000000ull
#define EDU_ID 0x010000edu /* edu register 0: identification */

static int failed;
static uint64_t dl(void) { return libsys_now_ns() + 10 * SEC; }

#define CHECK(name, cond)                                                                     \
    do {                                                                                      \
        if (cond) {                                                                           \
            printf("pciconfine: PASS %s\n", name);                                            \
        } else {                                                                              \
            printf("pciconfine: FAIL %s (%s:%d)\n", name, __FILE__, __LINE__);                \
            failed++;                                                                         \
        }                                                                                     \
    } while (0)

static int child(void)
{
    handle_t bar = libsys_handle("bar"), sync = libsys_handle("sync");
    uint64_t va = 0;
    if (sys_vm_map(HANDLE_INVALID, bar, 0, 4096, MAP_READ, &va) != OK)
        return 2;
    volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)va;
    uint32_t id = regs[0];
    sys_chan_write(sync, &id, sizeof id, NULL, 0);
    for (;;) {
        if (regs[0] != EDU_ID)
            return 3;
        sys_thread_sleep(libsys_now_ns() + 1000000);
    }
}

static void report(const char *line) { printf("pciconfine: %s\n", line); }

static uint32_t find_edu(handle_t pci)
{
    for (uint32_t i = 0; i < 256; i++) {
        pci_function_result_t f;
        if (pci_function(pci, i, &f, dl()) != OK)
            break;
        if (f.vendor == 0x1234 && f.device == 0x11e8)
            return f.addr;
    }
    return UINT32_MAX;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    handle_t pci;
    int err = libsys_connect("pci-bind", 10 * SEC, &pci);
    CHECK("connect", err == OK);
    uint32_t addr = err == OK ? find_edu(pci) : UINT32_MAX;
    CHECK("edu_listed", addr != UINT32_MAX);
    if (addr == UINT32_MAX)
        goto out;

    pci_bind_result_t b;
    CHECK("bind", pci_bind(pci, addr, "pciconfine", &b, dl()) == OK);
    pci_bind_result_t b2;
    CHECK("bind_twice_refused", pci_bind(pci, addr, "again", &b2, dl()) == ERR_ALREADY_EXISTS);
    CHECK("bind_absent_function", pci_bind(pci, 0xfff8, "x", &b2, dl()) == ERR_NOT_FOUND);
    handle_t dev = b.dev;

    pcidev_info_result_t info;
    CHECK("info", pcidev_info(dev, &info, dl()) == OK && info.addr == addr && info.device == 0x11e8);
    pcidev_config_read_result_t r;
    CHECK("config_read_ids", pcidev_config_read(dev, 0, 4, &r, dl()) == OK && r.value == 0x11e81234u);
    uint32_t bar0 = 0;
    CHECK("config_read_bar", pcidev_config_read(dev, 0x10, 4, &r, dl()) == OK && (bar0 = r.value) != 0);
    CHECK("bar_write_refused", pcidev_config_write(dev, 0x10, 4, 0xffffffffu, dl()) == ERR_ACCESS_DENIED);
    CHECK("bar_unchanged", pcidev_config_read(dev, 0x10, 4, &r, dl()) == OK && r.value == bar0);
    CHECK("bar_byte_refused", pcidev_config_write(dev, 0x12, 1, 0, dl()) == ERR_ACCESS_DENIED);
    CHECK("cap_ptr_refused", pcidev_config_write(dev, 0x34, 1, 0, dl()) == ERR_ACCESS_DENIED);
    CHECK("irq_line_refused", pcidev_config_write(dev, 0x3c, 1, 5, dl()) == ERR_ACCESS_DENIED);
    CHECK("read_past_space", pcidev_config_read(dev, 0x100, 4, &r, dl()) == ERR_OUT_OF_RANGE);
    CHECK("read_far_past", pcidev_config_read(dev, 0x10000, 4, &r, dl()) == ERR_OUT_OF_RANGE);
    CHECK("write_past_space", pcidev_config_write(dev, 0x1000, 4, 0, dl()) == ERR_OUT_OF_RANGE);
    CHECK("unaligned", pcidev_config_read(dev, 2, 4, &r, dl()) == ERR_INVALID_ARGS);
    CHECK("bad_width", pcidev_config_read(dev, 0, 3, &r, dl()) == ERR_INVALID_ARGS);
    CHECK("latency_timer_writable", pcidev_config_write(dev, 0x0d, 1, 0x20, dl()) == OK);
    CHECK("enable", pcidev_enable(dev, true, dl()) == OK);
    CHECK("command_bits_kept", pcidev_config_write(dev, 0x04, 2, 0, dl()) == OK &&
                                   pcidev_config_read(dev, 0x04, 2, &r, dl()) == OK && (r.value & 6) == 6);
    pcidev_bar_io_result_t io;
    CHECK("bar_io_on_memory_bar", pcidev_bar_io(dev, 0, &io, dl()) == ERR_WRONG_TYPE);
    pcidev_bar_vmo_result_t v;
    CHECK("bar_vmo_absent", pcidev_bar_vmo(dev, 3, false, &v, dl()) == ERR_NOT_FOUND);
    err = pcidev_bar_vmo(dev, 0, false, &v, dl());
    CHECK("bar_vmo", err == OK && v.size == 0x100000);
    pcidev_irq_result_t irq;
    CHECK("irq_before_index0", pcidev_irq(dev, 1, 1, 0, &irq, dl()) == ERR_BAD_STATE);
    err = pcidev_irq(dev, 0, 1, 0, &irq, dl());
    CHECK("irq_msi", err == OK && irq.mode == 2 && irq.granted == 1);
    pci_irq_mode_result_t mode;
    CHECK("irq_mode_listed", pci_irq_mode(pci, addr, &mode, dl()) == OK && mode.mode == 2 && mode.vectors == 1);
    CHECK("irq_twice", pcidev_irq(dev, 0, 1, 0, &irq, dl()) == ERR_ALREADY_EXISTS);
    /* Only what was granted: one vector, so no interrupt number 1. */
    CHECK("irq_not_granted", pcidev_irq(dev, 1, 1, 0, &irq, dl()) == ERR_OUT_OF_RANGE);

    /* A child maps BAR 0 and reads it until the unbind revokes it. */
    handle_t mine, theirs, proc = HANDLE_INVALID;
    sys_chan_create(&mine, &theirs);
    spawn_handle_t hs[2] = {{v.vmo, "bar"}, {theirs, "sync"}};
    err = spawn(libsys_handle("pciconfine"), "pciconfine-child", "pciconfine child", NULL, hs, 2, NULL, 0, &proc,
                report);
    CHECK("child_started", err == OK);
    uint32_t seen = 0, id = 0;
    chan_sizes_t sz = {sizeof id, 0};
    err = sys_object_wait(mine, SIG_READABLE, libsys_now_ns() + 20 * SEC, &seen);
    CHECK("child_reads_bar", err == OK && sys_chan_read(mine, &id, NULL, &sz) == OK && id == EDU_ID);

    CHECK("unbind", pci_unbind(pci, addr, dl()) == OK);
    err = sys_object_wait(proc, SIG_TERMINATED, libsys_now_ns() + 20 * SEC, &seen);
    process_info_t pi;
    CHECK("child_killed_by_revoke", err == OK && sys_process_info(proc, &pi) == OK &&
                                        pi.exit_reason == PROCESS_FAULTED);
    CHECK("dev_channel_closed", pcidev_info(dev, &info, dl()) == ERR_PEER_CLOSED);
    CHECK("unbind_twice", pci_unbind(pci, addr, dl()) == ERR_BAD_STATE);
    CHECK("irq_mode_after", pci_irq_mode(pci, addr, &mode, dl()) == OK && mode.mode == 0);
    /* Bindable again, and closing the device channel unbinds too. */
    CHECK("rebind", pci_bind(pci, addr, "pciconfine", &b, dl()) == OK);
    sys_handle_close(b.dev);
    bool again = false;
    for (int i = 0; i < 100 && !again; i++) {
        sys_thread_sleep(libsys_now_ns() + 10000000);
        again = pci_bind(pci, addr, "pciconfine", &b2, dl()) == OK;
    }
    CHECK("close_unbinds", again);
    if (again)
        pci_unbind(pci, addr, dl());
out:
    printf("pciconfine: done, %d failed\n", failed);
    return failed;
}
