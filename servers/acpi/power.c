/* SPDX-License-Identifier: BSD-2-Clause
 *
 * poweroff and reboot, the "acpi-power" service of proto/acpi.proto.
 *
 * poweroff enters S5 as ACPI describes it for a machine that has PM1
 * control registers: SLP_TYP (bits 10-12) from \_S5_ is written first,
 * then again with SLP_EN (bit 13), to PM1a_CNT and, when the FADT has one,
 * PM1b_CNT (with SLP_TYPb), keeping the register's other bits (SCI_EN).
 * The optional \_PTS and \_GTS methods are not run: that takes an AML
 * interpreter. reboot writes the FADT's reset value to its reset register;
 * a FADT without one (ACPI 1.0's, QEMU's pc) falls back to the chipset's
 * reset control register at port 0xcf9 when the manifest grants that port.
 *
 * Check, then perform: every register is resolved to an ioport object made
 * from a resource of the manifest entry before anything is written; a
 * register outside I/O space, or a port no resource covers, is refused and
 * logged. If the machine is still running a second after the write, the
 * call fails with ERR_IO (nothing else tells the caller it did nothing).
 */
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "acpid.h"
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"

#define SLP_TYP_SHIFT 10
#define SLP_TYP_MASK (7u << SLP_TYP_SHIFT)
#define SLP_EN (1u << 13)
#define PM1_CNT_BYTES 2u
#define STILL_ON_NS 1000000000ull
#define LOG_FLUSH_NS 200000000ull
#define CF9_PORT 0xcf9u
#define CF9_SYS_RST 0x02u
#define CF9_RST_CPU 0x04u

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }

/* The log line saying what is about to be written goes through the
 * console server, which forwards the kernel log on its own time: give it
 * a moment to reach the wire before the machine goes. */
static void announced(void)
{
    fflush(stdout);
    sys_thread_sleep(libsys_now_ns() + LOG_FLUSH_NS);
}

static acpid_t *server_of(void *ctx) { return ((srv_client_t *)ctx)->srv->ctx; }

/* The error for a part that is not valid, logged for op `what`. */
static int need(const acpid_t *d, enum acpi_part part, const char *what)
{
    if (d->load_status != OK) {
        printf("acpi: %s: no ACPI tables (%s)\n", what, d->load_err.msg);
        return ERR_NOT_FOUND;
    }
    if (d->plat.state[part] == ACPI_VALID)
        return OK;
    printf("acpi: %s: %s\n", what, d->plat.why[part]);
    return d->plat.state[part] == ACPI_REFUSED ? ERR_CORRUPT : ERR_NOT_FOUND;
}

/* An ioport object for register g ([addr, addr + bytes) in I/O space). */
static int open_port(const acpid_t *d, const acpi_gas_t *g, uint32_t bytes, const char *reg, const char *what,
                     handle_t *io)
{
    if (g->space != ACPI_SPACE_IO) {
        printf("acpi: %s: %s is in address space %u at %#llx, not I/O space: not supported\n", what, reg, g->space,
               (unsigned long long)g->addr);
        return ERR_NOT_SUPPORTED;
    }
    if (g->addr > IOPORT_MAX - bytes) {
        printf("acpi: %s: %s at %#llx is not an I/O port\n", what, reg, (unsigned long long)g->addr);
        return ERR_OUT_OF_RANGE;
    }
    handle_t res = acpid_ioport_res(d, (uint32_t)g->addr, bytes);
    if (res == HANDLE_INVALID) {
        printf("acpi: %s: no ioport resource covers %s at %#llx (manifest: ioport %#llx %u)\n", what, reg,
               (unsigned long long)g->addr, (unsigned long long)g->addr, bytes);
        return ERR_ACCESS_DENIED;
    }
    int64_t err = sys_ioport_create(res, (uint32_t)g->addr, bytes, io);
    if (err != OK)
        printf("acpi: %s: ioport_create %s at %#llx: %s\n", what, reg, (unsigned long long)g->addr,
               cairn_error_name((int)err));
    return (int)err;
}

static uint16_t sleep_value(uint16_t port, uint8_t typ)
{
    return (uint16_t)((inw(port) & ~(SLP_TYP_MASK | SLP_EN)) | (uint16_t)typ << SLP_TYP_SHIFT);
}

static int poweroff_op(void *ctx, const proto_txn_t *txn)
{
    (void)txn;
    srv_client_t *c = ctx;
    acpid_t *d = server_of(ctx);
    const acpi_fadt_t *f = &d->plat.fadt;
    handle_t a = HANDLE_INVALID, b = HANDLE_INVALID;
    int err;
    if ((err = need(d, ACPI_PART_FADT, "poweroff")) != OK || (err = need(d, ACPI_PART_S5, "poweroff")) != OK)
        return err;
    if (f->pm1a_cnt.addr == 0) {
        printf("acpi: poweroff: the FADT has no PM1a_CNT\n");
        return ERR_NOT_FOUND;
    }
    if ((err = open_port(d, &f->pm1a_cnt, PM1_CNT_BYTES, "PM1a_CNT", "poweroff", &a)) != OK)
        return err;
    if (f->pm1b_cnt.addr != 0 &&
        (err = open_port(d, &f->pm1b_cnt, PM1_CNT_BYTES, "PM1b_CNT", "poweroff", &b)) != OK)
        goto out;

    uint16_t pa = (uint16_t)f->pm1a_cnt.addr, pb = (uint16_t)f->pm1b_cnt.addr;
    printf("acpi: poweroff for '%s': SLP_TYPa %u | SLP_EN to PM1a_CNT %#x\n", c->label, d->plat.s5.typ_a, pa);
    announced();
    uint16_t va = sleep_value(pa, d->plat.s5.typ_a), vb = 0;
    if (b != HANDLE_INVALID)
        vb = sleep_value(pb, d->plat.s5.typ_b);
    outw(pa, va);
    if (b != HANDLE_INVALID)
        outw(pb, vb);
    outw(pa, (uint16_t)(va | SLP_EN));
    if (b != HANDLE_INVALID)
        outw(pb, (uint16_t)(vb | SLP_EN));
    sys_thread_sleep(libsys_now_ns() + STILL_ON_NS);
    printf("acpi: poweroff: still running a second after writing PM1a_CNT\n");
    err = ERR_IO;
out:
    sys_handle_close(a);
    if (b != HANDLE_INVALID)
        sys_handle_close(b);
    return err;
}

/* The reset register in memory space: one byte through an uncached vmo. */
static int reset_memory(const acpid_t *d, uint64_t addr, uint8_t value)
{
    uint64_t page = addr & ~0xfffull, mapped = 0; /* mapped: no placement hint */
    handle_t res = acpid_mmio_res(d, page, 0x1000), vmo;
    if (res == HANDLE_INVALID) {
        printf("acpi: reboot: no MMIO resource covers the reset register at %#llx\n", (unsigned long long)addr);
        return ERR_ACCESS_DENIED;
    }
    int64_t err = sys_vmo_create_physical(res, page, 0x1000, VMO_CACHE_UC, &vmo);
    if (err == OK) {
        err = sys_vm_map(HANDLE_INVALID, vmo, 0, 0x1000, MAP_READ | MAP_WRITE, &mapped);
        sys_handle_close(vmo);
    }
    if (err != OK) {
        printf("acpi: reboot: mapping the reset register at %#llx: %s\n", (unsigned long long)addr,
               cairn_error_name((int)err));
        return (int)err;
    }
    *(volatile uint8_t *)(uintptr_t)(mapped + (addr - page)) = value;
    sys_vm_unmap(HANDLE_INVALID, mapped, 0x1000);
    return OK;
}

/* Without a FADT reset register: the PCI reset control register of Intel's
 * PIIX3/PIIX4 and ICH chipsets (QEMU's pc and q35), port 0xcf9, used only
 * when the manifest grants that port. SYS_RST (bit 1) chooses a hard
 * reset, RST_CPU (bit 2) going from 0 to 1 starts it. */
static int reboot_cf9(const acpid_t *d, const srv_client_t *c)
{
    acpi_gas_t g = {.space = ACPI_SPACE_IO, .bit_width = 8, .addr = CF9_PORT};
    handle_t io;
    int err = open_port(d, &g, 1, "the reset control register", "reboot", &io);
    if (err != OK)
        return err;
    printf("acpi: reboot for '%s': %#x then %#x to port %#x\n", c->label, CF9_SYS_RST, CF9_SYS_RST | CF9_RST_CPU,
           CF9_PORT);
    announced();
    outb(CF9_PORT, CF9_SYS_RST);
    outb(CF9_PORT, CF9_SYS_RST | CF9_RST_CPU);
    sys_thread_sleep(libsys_now_ns() + STILL_ON_NS);
    printf("acpi: reboot: still running a second after writing port %#x\n", CF9_PORT);
    sys_handle_close(io);
    return ERR_IO;
}

static int reboot_op(void *ctx, const proto_txn_t *txn)
{
    (void)txn;
    srv_client_t *c = ctx;
    acpid_t *d = server_of(ctx);
    const acpi_fadt_t *f = &d->plat.fadt;
    handle_t io = HANDLE_INVALID;
    int err = need(d, ACPI_PART_FADT, "reboot");
    if (err != OK)
        return err;
    const acpi_gas_t *g = &f->reset_reg;
    if (!f->reset_supported) {
        const char *why = f->reset_refused ? "has a reset register the specification does not allow"
                                           : "has no reset register";
        if (acpid_ioport_res(d, CF9_PORT, 1) == HANDLE_INVALID) {
            printf("acpi: reboot: the FADT %s (and no ioport resource for %#x)\n", why, CF9_PORT);
            return ERR_NOT_FOUND;
        }
        printf("acpi: reboot: the FADT %s: using the reset control register at %#x\n", why, CF9_PORT);
        return reboot_cf9(d, c);
    }
    if (g->space == ACPI_SPACE_PCI_CONFIG) {
        printf("acpi: reboot: the reset register is in PCI configuration space: not supported\n");
        return ERR_NOT_SUPPORTED;
    }
    if (g->space == ACPI_SPACE_IO && (err = open_port(d, g, 1, "the reset register", "reboot", &io)) != OK)
        return err;
    printf("acpi: reboot for '%s': %#x to the reset register at %s %#llx\n", c->label, f->reset_value,
           g->space == ACPI_SPACE_IO ? "port" : "address", (unsigned long long)g->addr);
    announced();
    if (g->space == ACPI_SPACE_IO)
        outb((uint16_t)g->addr, f->reset_value);
    else if ((err = reset_memory(d, g->addr, f->reset_value)) != OK)
        return err;
    sys_thread_sleep(libsys_now_ns() + STILL_ON_NS);
    printf("acpi: reboot: still running a second after writing the reset register\n");
    if (io != HANDLE_INVALID)
        sys_handle_close(io);
    return ERR_IO;
}

const acpi_ops_t acpid_power_ops = {
    .poweroff = poweroff_op,
    .reboot = reboot_op,
};
