/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The pci server's confinement test (tests/qemu/pci-confine.test): a
 * client of "pci-bind" binds QEMU's edu device (1234:11e8) and checks what
 * the device capability lets it do and what it refuses - BAR writes,
 * protected registers, offsets past the function's space, a second bind,
 * the wrong BAR kind, BAR indices past the last - then has a child
 * process (this same program, run as "pciconfine child") map BAR 0 and
 * read it in a loop, unbinds, and checks that the child was killed by its
 * next access (the BAR vmo was revoked) and that the device channel
 * answers ERR_PEER_CLOSED.
 *
 * With QEMU's nvme (1b36:0010), whose MSI-X table and PBA sit in BAR 0
 * after the registers and doorbells: bar_vmo gives the registers and
 * doorbells only, bar_range refuses the MSI-X pages, and MSI-X still
 * works (the server programs the table). With QEMU's pci-testdev
 * (1b36:0005: a memory BAR 0 and an I/O BAR 1) bound, a child run as
 * "pciconfine attack" holds what a driver holds - the device channel, a
 * BAR vmo, an ioport object - and tries vmo_create_physical with every
 * handle in its table (the parent reads the table with
 * process_handle_info and sends the values) over another function's BAR,
 * its own BAR and RAM: every try must fail.
 *
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

/* What the parent sends the attacking child: every handle value in its
 * table and the physical addresses to try; and what it answers. */
#define ATTACK_MAX_HANDLES 64u
#define ATTACK_ADDRS 4u
typedef struct attack_req {
    uint32_t nvalues;
    uint32_t values[ATTACK_MAX_HANDLES];
    uint64_t addrs[ATTACK_ADDRS];
} attack_req_t;
typedef struct attack_res {
    uint32_t tried, made;
} attack_res_t;

/* A driver's holdings against vmo_create_physical: every handle of its
 * table over every address, with each cache policy. */
static int attack(void)
{
    handle_t sync = libsys_handle("sync");
    uint32_t ready = 1;
    attack_req_t req;
    attack_res_t res = {0, 0};
    chan_sizes_t sz = {sizeof req, 0};
    if (sys_chan_write(sync, &ready, sizeof ready, NULL, 0) != OK ||
        sys_object_wait(sync, SIG_READABLE, libsys_now_ns() + 20 * SEC, NULL) != OK ||
        sys_chan_read(sync, &req, NULL, &sz) != OK || req.nvalues > ATTACK_MAX_HANDLES)
        return 2;
    for (uint32_t i = 0; i < req.nvalues; i++) {
        for (uint32_t a = 0; a < ATTACK_ADDRS; a++) {
            for (uint32_t cache = VMO_CACHE_UC; cache <= VMO_CACHE_WB; cache++) {
                handle_t v = HANDLE_INVALID;
                res.tried++;
                if (sys_vmo_create_physical(req.values[i], req.addrs[a], 4096, cache, &v) == OK) {
                    res.made++;
                    printf("pciconfine: handle %#x made a vmo at %#llx\n", req.values[i],
                           (unsigned long long)req.addrs[a]);
                    sys_handle_close(v);
                }
            }
        }
    }
    return sys_chan_write(sync, &res, sizeof res, NULL, 0) == OK ? 0 : 3;
}

static void report(const char *line) { printf("pciconfine: %s\n", line); }

static uint32_t find(handle_t pci, uint16_t vendor, uint16_t device)
{
    for (uint32_t i = 0; i < 256; i++) {
        pci_function_result_t f;
        if (pci_function(pci, i, &f, dl()) != OK)
            break;
        if (f.vendor == vendor && f.device == device)
            return f.addr;
    }
    return UINT32_MAX;
}

static uint64_t bar_base(handle_t pci, uint32_t addr, uint32_t index)
{
    pci_bar_result_t r;
    return addr != UINT32_MAX && pci_bar(pci, addr, index, &r, dl()) == OK ? r.base : 0;
}

static uint64_t map(handle_t vmo, uint64_t len)
{
    uint64_t va = 0;
    return sys_vm_map(HANDLE_INVALID, vmo, 0, len, MAP_READ, &va) == OK ? va : 0;
}

/* QEMU 7.2's nvme: 16 KiB of BAR 0, registers in the first page,
 * doorbells in the second, the MSI-X table in the third, its PBA in the
 * fourth. */
static void test_nvme(handle_t pci, uint32_t addr)
{
    pci_bind_result_t b;
    CHECK("nvme_bind", pci_bind(pci, addr, "pciconfine", &b, dl()) == OK);
    handle_t dev = b.dev;
    CHECK("nvme_enable", pcidev_enable(dev, false, dl()) == OK);
    pcidev_bar_vmo_result_t v;
    int err = pcidev_bar_vmo(dev, 0, false, &v, dl());
    CHECK("nvme_bar_vmo_registers_and_doorbells", err == OK && v.size == 0x2000);
    uint64_t va = err == OK ? map(v.vmo, 0x2000) : 0;
    volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)va;
    uint32_t vs = va ? regs[2] : 0; /* VS: the NVMe version, 1.x */
    printf("pciconfine: nvme CAP %#x VS %#x\n", va ? regs[0] : 0, vs);
    CHECK("nvme_registers_read", va != 0 && vs >> 16 == 1);
    CHECK("nvme_vmo_ends_before_msix", va != 0 && sys_vm_map(HANDLE_INVALID, v.vmo, 0, 0x3000, MAP_READ, &va) != OK);
    pcidev_bar_range_result_t r;
    err = pcidev_bar_range(dev, 0, 0x1000, 0x1000, false, &r, dl());
    CHECK("nvme_bar_range_doorbells", err == OK && r.size == 0x1000 && map(r.vmo, 0x1000) != 0);
    CHECK("nvme_bar_range_msix_table", pcidev_bar_range(dev, 0, 0x2000, 0x1000, false, &r, dl()) == ERR_ACCESS_DENIED);
    CHECK("nvme_bar_range_msix_pba", pcidev_bar_range(dev, 0, 0x3000, 0x1000, false, &r, dl()) == ERR_ACCESS_DENIED);
    CHECK("nvme_bar_range_whole_bar", pcidev_bar_range(dev, 0, 0, 0x4000, false, &r, dl()) == ERR_ACCESS_DENIED);
    CHECK("nvme_bar_range_unaligned", pcidev_bar_range(dev, 0, 0x800, 0x1000, false, &r, dl()) == ERR_INVALID_ARGS);
    CHECK("nvme_bar_range_empty", pcidev_bar_range(dev, 0, 0, 0, false, &r, dl()) == ERR_INVALID_ARGS);
    CHECK("nvme_bar_range_past_bar", pcidev_bar_range(dev, 0, 0x4000, 0x1000, false, &r, dl()) == ERR_OUT_OF_RANGE);
    CHECK("nvme_bar_range_wraps", pcidev_bar_range(dev, 0, 0x1000, ~0xfffull, false, &r, dl()) == ERR_OUT_OF_RANGE);
    pcidev_irq_result_t irq;
    err = pcidev_irq(dev, 0, 2, 1u << 3, &irq, dl());
    CHECK("nvme_irq_msix", err == OK && irq.mode == 3 && irq.granted == 2);
    CHECK("nvme_unbind", pci_unbind(pci, addr, dl()) == OK);
    sys_handle_close(dev);
}

/* pci-testdev: its I/O BAR refused as memory; then a child holding what
 * a driver of it holds tries to reach other physical memory. */
static void test_testdev(handle_t pci, uint32_t addr, uint64_t other_bar, uint64_t edu_bar)
{
    pci_bind_result_t b;
    CHECK("testdev_bind", pci_bind(pci, addr, "pciconfine", &b, dl()) == OK);
    handle_t dev = b.dev;
    pcidev_bar_vmo_result_t v;
    pcidev_bar_range_result_t r;
    pcidev_bar_io_result_t io;
    CHECK("bar_vmo_io_bar", pcidev_bar_vmo(dev, 1, false, &v, dl()) == ERR_WRONG_TYPE);
    CHECK("bar_range_io_bar", pcidev_bar_range(dev, 1, 0, 0x1000, false, &r, dl()) == ERR_WRONG_TYPE);
    CHECK("bar_io", pcidev_bar_io(dev, 1, &io, dl()) == OK && io.size == 0x100);
    CHECK("testdev_bar_vmo", pcidev_bar_vmo(dev, 0, false, &v, dl()) == OK);

    handle_t mine, theirs, proc = HANDLE_INVALID;
    sys_chan_create(&mine, &theirs);
    spawn_handle_t hs[4] = {{dev, "dev"}, {v.vmo, "bar"}, {io.io, "io"}, {theirs, "sync"}};
    int err = spawn(libsys_handle("pciconfine"), "pciconfine-attack", "pciconfine attack", NULL, hs, 4, NULL, 0,
                    &proc, report);
    CHECK("attacker_started", err == OK);
    uint32_t ready = 0;
    chan_sizes_t sz = {sizeof ready, 0};
    err = sys_object_wait(mine, SIG_READABLE, libsys_now_ns() + 20 * SEC, NULL);
    CHECK("attacker_ready", err == OK && sys_chan_read(mine, &ready, NULL, &sz) == OK && ready == 1);

    /* Its whole table, as the kernel sees it. */
    static attack_req_t req;
    bool vmo = false, ioport = false, channel = false;
    process_handle_info_t e;
    for (int64_t c = 0; (c = sys_process_handle_info(proc, (uint32_t)c, &e)) > 0 && req.nvalues < ATTACK_MAX_HANDLES;) {
        req.values[req.nvalues++] = e.value;
        vmo |= e.kind == KIND_VMO;
        ioport |= e.kind == KIND_IOPORT;
        channel |= e.kind == KIND_CHANNEL;
    }
    printf("pciconfine: the attacker holds %u handles\n", req.nvalues);
    CHECK("attacker_table_read", vmo && ioport && channel && req.nvalues >= 4);
    uint64_t own_bar = bar_base(pci, addr, 0);
    req.addrs[0] = other_bar;  /* nvme's BAR 0 */
    req.addrs[1] = edu_bar;    /* edu's BAR 0 */
    req.addrs[2] = own_bar;    /* its own: only through pcidev */
    req.addrs[3] = 0x100000;   /* RAM */
    CHECK("attack_targets", other_bar != 0 && edu_bar != 0 && own_bar != 0);
    attack_res_t res = {0, 0};
    sz = (chan_sizes_t){sizeof res, 0};
    err = sys_chan_write(mine, &req, sizeof req, NULL, 0);
    if (err == OK)
        err = sys_object_wait(mine, SIG_READABLE, libsys_now_ns() + 60 * SEC, NULL);
    if (err == OK)
        err = sys_chan_read(mine, &res, NULL, &sz);
    printf("pciconfine: %u tries, %u vmos made\n", res.tried, res.made);
    CHECK("no_physical_vmo_with_any_handle", err == OK && res.tried == req.nvalues * ATTACK_ADDRS * 3 &&
                                                 res.made == 0);
    sys_object_wait(proc, SIG_TERMINATED, libsys_now_ns() + 20 * SEC, NULL);
    sys_handle_close(proc);
    sys_handle_close(mine);
    pci_unbind(pci, addr, dl()); /* or already unbound: the attacker's end of the device channel closed */
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    if (argc > 1 && strcmp(argv[1], "attack") == 0)
        return attack();
    handle_t pci;
    int err = libsys_connect("pci-bind", 10 * SEC, &pci);
    CHECK("connect", err == OK);
    uint32_t addr = err == OK ? find(pci, 0x1234, 0x11e8) : UINT32_MAX;
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
    CHECK("bar_vmo_index_6", pcidev_bar_vmo(dev, 6, false, &v, dl()) == ERR_NOT_FOUND);
    CHECK("bar_vmo_index_huge", pcidev_bar_vmo(dev, 0xffffffffu, false, &v, dl()) == ERR_NOT_FOUND);
    pcidev_bar_range_result_t br;
    CHECK("bar_range_index_6", pcidev_bar_range(dev, 6, 0, 0x1000, false, &br, dl()) == ERR_NOT_FOUND);
    CHECK("bar_range_past_bar", pcidev_bar_range(dev, 0, 0x100000, 0x1000, false, &br, dl()) == ERR_OUT_OF_RANGE);
    CHECK("bar_range", pcidev_bar_range(dev, 0, 0xff000, 0x1000, false, &br, dl()) == OK && br.size == 0x1000);
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
    uint32_t nvme = find(pci, 0x1b36, 0x0010), testdev = find(pci, 0x1b36, 0x0005);
    CHECK("nvme_listed", nvme != UINT32_MAX);
    CHECK("testdev_listed", testdev != UINT32_MAX);
    if (nvme != UINT32_MAX)
        test_nvme(pci, nvme);
    if (testdev != UINT32_MAX)
        test_testdev(pci, testdev, bar_base(pci, nvme, 0), bar_base(pci, addr, 0));
out:
    printf("pciconfine: done, %d failed\n", failed);
    return failed;
}
