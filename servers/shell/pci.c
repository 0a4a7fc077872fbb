/* SPDX-License-Identifier: BSD-2-Clause
 *
 * lspci: the functions the pci server found (docs/pci.md,
 * proto/pci.proto), one line each - bus:device.function, vendor:device,
 * class code, class name, device name, the driver bound - and with -v
 * their BARs, capabilities and interrupt mode. Names come from the
 * server's small tables (servers/pci/names.c, linked in).
 */
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "cairn/sys.h"
#include "names.h"
#include "pci.h"
#include "sh.h"

#define PCI_WAIT_NS (2ull * 1000 * 1000 * 1000)
#define FUNCS_MAX 256

static uint64_t deadline(void) { return libsys_now_ns() + SH_CALL_NS; }

static const char *cap_name(uint16_t id, bool ext)
{
    if (ext) {
        switch (id) {
        case 0x01: return "AER";
        case 0x03: return "Serial number";
        case 0x0b: return "Vendor specific";
        case 0x0d: return "ACS";
        case 0x0e: return "ARI";
        case 0x10: return "SR-IOV";
        case 0x18: return "LTR";
        default: return "extended";
        }
    }
    switch (id) {
    case 0x01: return "Power management";
    case 0x05: return "MSI";
    case 0x09: return "Vendor specific";
    case 0x0d: return "Bridge subsystem";
    case 0x10: return "PCI Express";
    case 0x11: return "MSI-X";
    case 0x12: return "SATA";
    case 0x13: return "AF";
    default: return "capability";
    }
}

static void print_size(sh_t *sh, uint64_t size)
{
    static const char units[] = "KMGT";
    if (size < 1024) {
        sh_printf(sh, "%llu", (unsigned long long)size);
        return;
    }
    int u = -1;
    while (size >= 1024 && size % 1024 == 0 && u < 3)
        size /= 1024, u++;
    sh_printf(sh, "%llu%c", (unsigned long long)size, units[u]);
}

static void print_verbose(sh_t *sh, handle_t ch, const pci_function_result_t *f)
{
    for (uint32_t i = 0; i < 6; i++) {
        pci_bar_result_t b;
        if (pci_bar(ch, f->addr, i, &b, deadline()) != OK || b.kind == 0)
            continue;
        if (b.kind == 1)
            sh_printf(sh, "    BAR%u: I/O ports at %#llx [size=", i, (unsigned long long)b.base);
        else
            sh_printf(sh, "    BAR%u: memory at %#llx (%s, %s) [size=", i, (unsigned long long)b.base,
                      b.kind == 3 ? "64-bit" : "32-bit", b.prefetchable ? "prefetchable" : "non-prefetchable");
        print_size(sh, b.size);
        sh_printf(sh, "]\n");
    }
    for (uint32_t i = 0; i < 64; i++) {
        pci_capability_result_t c;
        if (pci_capability(ch, f->addr, i, &c, deadline()) != OK)
            break;
        if (c.extended)
            sh_printf(sh, "    capability [%#x] %s (%#x) v%u\n", c.offset, cap_name(c.id, true), c.id, c.cap_version);
        else
            sh_printf(sh, "    capability [%#x] %s (%#x)\n", c.offset, cap_name(c.id, false), c.id);
    }
    pci_irq_mode_result_t m;
    static const char *const modes[] = {"none", "INTx", "MSI", "MSI-X"};
    if (pci_irq_mode(ch, f->addr, &m, deadline()) == OK) {
        sh_printf(sh, "    interrupt: pin %c, mode %s", f->irq_pin ? 'A' + f->irq_pin - 1 : '-',
                  m.mode < 4 ? modes[m.mode] : "?");
        if (m.mode == 1)
            sh_printf(sh, " (GSI %u)", m.gsi);
        else if (m.mode > 1)
            sh_printf(sh, " (%u vectors)", m.vectors);
        sh_printf(sh, "\n");
    }
}

int sh_cmd_lspci(sh_t *sh, int argc, char **argv, bool background)
{
    (void)background;
    bool verbose = argc == 2 && strcmp(argv[1], "-v") == 0;
    if (argc > 2 || (argc == 2 && !verbose)) {
        sh_printf(sh, "usage: lspci [-v]\n");
        return 2;
    }
    handle_t ch;
    int err = libsys_connect("pci", PCI_WAIT_NS, &ch);
    if (err == ERR_TIMED_OUT) {
        sh_printf(sh, "lspci: no 'pci' service: the pci server is not running\n");
        return 1;
    }
    if (err != OK) {
        sh_error(sh, "lspci", "pci", err);
        return 1;
    }
    int status = 0;
    for (uint32_t i = 0; i < FUNCS_MAX; i++) {
        pci_function_result_t f;
        err = pci_function(ch, i, &f, deadline());
        if (err == ERR_NOT_FOUND)
            break;
        if (err != OK) {
            sh_error(sh, "lspci", "pci.function", err);
            status = 1;
            break;
        }
        char cbuf[16];
        sh_printf(sh, "%02x:%02x.%u %04x:%04x %02x%02x %s: %s", f.addr >> 8 & 0xff, f.addr >> 3 & 0x1f, f.addr & 7,
                  f.vendor, f.device, f.class_code, f.subclass,
                  pci_class_name(f.class_code, f.subclass, cbuf, sizeof cbuf), f.name);
        if (f.driver[0] != '\0')
            sh_printf(sh, " [driver %s]", f.driver);
        sh_printf(sh, "\n");
        if (verbose)
            print_verbose(sh, ch, &f);
    }
    sys_handle_close(ch);
    return status;
}
