/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Capability walks (servers/pci/enum.c) and the driver's write filter
 * (servers/pci/protect.c) on a fake configuration space: loops, pointers
 * into the header, extended capabilities, the registers a driver may not
 * write, and offsets past the function's space.
 */
#include "cairn/errors.h"
#include "check.h"
#include "enum.h"
#include "pci_fake.h"


static fake_pci_t fake;
static pci_func_t fn;

static fake_fn_t *device(void)
{
    fake_init(&fake);
    return fake_add(&fake, PCI_BDF(0, 2, 0), 0x8086, 0x10d3, 2, 0, 0);
}

TEST(standard_and_extended_lists)
{
    fake_fn_t *f = device();
    fake_cap(f, 0xc8, PCI_CAP_PM, 0xd0, true);
    fake_cap(f, 0xd0, PCI_CAP_MSI, 0xe0, false);
    fake_w16(f, 0xd2, 0x0080); /* 64-bit, no per-vector masking */
    fake_cap(f, 0xe0, PCI_CAP_PCIE, 0xa0, false);
    fake_cap(f, 0xa0, PCI_CAP_MSIX, 0, false);
    fake_w32(f, 0x100, 0x14020001); /* AER v2, next 0x140 */
    fake_w32(f, 0x140, 0x00010003); /* serial number v1, end */
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_probe_function(&cfg, f->bdf, &fn);
    REQUIRE(fn.ncaps == 6);
    CHECK_EQ(fn.caps[0].id, PCI_CAP_PM);
    CHECK_EQ(fn.caps[3].id, PCI_CAP_MSIX);
    CHECK_EQ(fn.caps[3].offset, 0xa0);
    CHECK(fn.caps[4].extended);
    CHECK_EQ(fn.caps[4].id, 1);
    CHECK_EQ(fn.caps[4].version, 2);
    CHECK_EQ(fn.caps[5].offset, 0x140);
    CHECK_EQ(fn.msi, 0xd0);
    CHECK_EQ(fn.msi_len, 0x0e);
    CHECK_EQ(fn.msix, 0xa0);
    CHECK_EQ(fn.pcie, 0xe0);
    CHECK_EQ(fn.cfg_size, 4096);
    CHECK(!fn.caps_malformed);
    /* Through mechanism #1 (256 bytes) there is no extended list. */
    cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 4);
    CHECK_EQ(fn.cfg_size, 256);
}

TEST(standard_loop_stops)
{
    fake_fn_t *f = device();
    fake_cap(f, 0x40, PCI_CAP_PM, 0x50, true);
    fake_cap(f, 0x50, PCI_CAP_VENDOR, 0x40, false); /* back to the first */
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 2);
    CHECK(fn.caps_malformed);
}

TEST(self_loop_and_pointer_into_header)
{
    fake_fn_t *f = device();
    fake_cap(f, 0x40, PCI_CAP_PM, 0x40, true);
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 1);
    CHECK(fn.caps_malformed);
    f = device();
    fake_cap(f, 0x40, PCI_CAP_PM, 0x10, true); /* into the BARs */
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 1);
    CHECK(fn.caps_malformed);
}

TEST(longest_chain_is_bounded)
{
    fake_fn_t *f = device();
    /* 48 capabilities, every dword from 0x40 to 0xfc, then a loop. */
    for (uint32_t off = 0x40; off <= 0xfc; off += 4)
        fake_cap(f, (uint8_t)off, PCI_CAP_VENDOR, (uint8_t)(off == 0xfc ? 0x40 : off + 4), off == 0x40);
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, PCI_MAX_CAPS);
    CHECK_EQ(fn.caps_dropped, 48 - PCI_MAX_CAPS);
    CHECK(fn.caps_malformed);
}

TEST(extended_loop_and_bad_pointer)
{
    fake_fn_t *f = device();
    fake_cap(f, 0x40, PCI_CAP_PCIE, 0, true);
    fake_w32(f, 0x100, 0x20010001);
    fake_w32(f, 0x200, 0x10010002); /* back to 0x100 */
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 3);
    CHECK(fn.caps_malformed);
    fake_w32(f, 0x200, 0x08010002); /* next 0x080: below the extended space */
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 3);
    CHECK(fn.caps_malformed);
    fake_w32(f, 0x100, 0xffffffff); /* reads as nothing there */
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 1);
    CHECK(!fn.caps_malformed);
}

TEST(no_caps_without_status_bit)
{
    fake_fn_t *f = device();
    fake_cap(f, 0x40, PCI_CAP_PM, 0, true);
    f->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_CAPS;
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.ncaps, 0);
}

TEST(access_checks)
{
    fake_fn_t *f = device();
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(pci_access_check(&fn, 0, 4), OK);
    CHECK_EQ(pci_access_check(&fn, 0xfc, 4), OK);
    CHECK_EQ(pci_access_check(&fn, 0xff, 1), OK);
    CHECK_EQ(pci_access_check(&fn, 0x100, 4), ERR_OUT_OF_RANGE); /* not PCIe: 256 bytes */
    CHECK_EQ(pci_access_check(&fn, 0xfffffffc, 4), ERR_OUT_OF_RANGE);
    CHECK_EQ(pci_access_check(&fn, 2, 4), ERR_INVALID_ARGS);
    CHECK_EQ(pci_access_check(&fn, 1, 2), ERR_INVALID_ARGS);
    CHECK_EQ(pci_access_check(&fn, 0, 3), ERR_INVALID_ARGS);
    CHECK_EQ(pci_access_check(&fn, 0, 0), ERR_INVALID_ARGS);
}

TEST(protected_registers)
{
    fake_fn_t *f = device();
    fake_cap(f, 0x40, PCI_CAP_MSI, 0x60, true);
    fake_w16(f, 0x42, 0x0180); /* 64-bit with per-vector masking: 24 bytes */
    fake_cap(f, 0x60, PCI_CAP_MSIX, 0x70, false);
    fake_cap(f, 0x70, PCI_CAP_VENDOR, 0, false);
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, f->bdf, &fn);
    CHECK_EQ(fn.msi_len, 0x18);
    for (uint32_t off = 0x10; off < 0x28; off += 4)
        CHECK_EQ(pci_write_allowed(&fn, off, 4), ERR_ACCESS_DENIED); /* BARs */
    CHECK_EQ(pci_write_allowed(&fn, 0x30, 4), ERR_ACCESS_DENIED);    /* ROM */
    CHECK_EQ(pci_write_allowed(&fn, 0x34, 1), ERR_ACCESS_DENIED);    /* cap pointer */
    CHECK_EQ(pci_write_allowed(&fn, 0x3c, 1), ERR_ACCESS_DENIED);    /* interrupt line */
    CHECK_EQ(pci_write_allowed(&fn, 0x13, 1), ERR_ACCESS_DENIED);    /* a byte of a BAR */
    CHECK_EQ(pci_write_allowed(&fn, 0x04, 2), OK);                   /* command: merged by the caller */
    CHECK_EQ(pci_write_allowed(&fn, 0x0c, 1), OK);                   /* cache line size */
    CHECK_EQ(pci_write_allowed(&fn, 0x3d, 1), OK);                   /* pin: read-only anyway */
    CHECK_EQ(pci_write_allowed(&fn, 0x40, 4), ERR_ACCESS_DENIED);    /* MSI */
    CHECK_EQ(pci_write_allowed(&fn, 0x54, 4), ERR_ACCESS_DENIED);    /* MSI pending bits */
    CHECK_EQ(pci_write_allowed(&fn, 0x58, 4), OK);                   /* past MSI */
    CHECK_EQ(pci_write_allowed(&fn, 0x68, 4), ERR_ACCESS_DENIED);    /* MSI-X */
    CHECK_EQ(pci_write_allowed(&fn, 0x6c, 4), OK);
    CHECK_EQ(pci_write_allowed(&fn, 0x70, 2), ERR_ACCESS_DENIED);    /* a header */
    CHECK_EQ(pci_write_allowed(&fn, 0x72, 2), OK);                   /* its body */
}

TEST(bridge_registers_protected)
{
    fake_init(&fake);
    fake_fn_t *b = fake_add(&fake, PCI_BDF(0, 1, 0), 0x1b36, 0x0001, 6, 4, 1);
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_probe_function(&cfg, b->bdf, &fn);
    CHECK_EQ(pci_write_allowed(&fn, 0x18, 4), ERR_ACCESS_DENIED); /* bus numbers */
    CHECK_EQ(pci_write_allowed(&fn, 0x19, 1), ERR_ACCESS_DENIED);
    CHECK_EQ(pci_write_allowed(&fn, 0x20, 4), ERR_ACCESS_DENIED); /* memory window */
    CHECK_EQ(pci_write_allowed(&fn, 0x3e, 2), ERR_ACCESS_DENIED); /* bridge control */
    CHECK_EQ(pci_write_allowed(&fn, 0x1e, 2), OK);                /* secondary status */
}

int main(void) { return RUN_TESTS(); }
