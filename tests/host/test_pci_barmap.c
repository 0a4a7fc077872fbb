/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Which pages of a BAR a driver may map (servers/pci/barmap.c), on
 * functions enumerated from a fake configuration space: the MSI-X table
 * and PBA held back (QEMU's nvme layout, a table at the start of a BAR, a
 * table in its own BAR, structures past their BAR or in no BAR, small
 * BARs sharing a page), another function's BAR on a shared page, and
 * every refusal of the arguments and the BAR, each with its error.
 */
#include <stddef.h>
#include <string.h>

#include "cairn/errors.h"
#include "check.h"
#include "enum.h"
#include "pci_fake.h"

#define PAGE 0x1000ull
#define NVME_BAR 0xfebd0000ull

static fake_pci_t fake;
static pci_tree_t tree;
static pci_bar_map_t m;

/* The reason the last refusal gave for the log. */
#define CHECK_WHY(text) CHECK(m.why != NULL && strcmp(m.why, text) == 0)

/* An MSI-X capability at 0x40 with `entries`, table and PBA registers. */
static void msix(fake_fn_t *f, uint32_t entries, uint32_t table, uint32_t pba)
{
    fake_cap(f, 0x40, PCI_CAP_MSIX, 0, true);
    fake_w16(f, 0x42, (uint16_t)(entries - 1));
    fake_w32(f, 0x44, table);
    fake_w32(f, 0x48, pba);
}

static void enumerate(void)
{
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_enumerate(&cfg, &tree);
}

/* QEMU 7.2's nvme: a 16 KiB 64-bit BAR 0, registers and doorbells in its
 * first two pages, 65 MSI-X entries at 0x2000, the PBA at 0x3000. */
static void nvme(void)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 4, 0), 0x1b36, 0x0010, 1, 8, 0);
    fake_bar(f, 0, 0x4, NVME_BAR, 0x4000);
    msix(f, 65, 0x2000, 0x3000);
    enumerate();
}

TEST(enumeration_records_msix)
{
    nvme();
    REQUIRE(tree.n == 1);
    const pci_func_t *f = &tree.funcs[0];
    CHECK_EQ(f->msix, 0x40);
    CHECK_EQ(f->msix_entries, 65);
    CHECK_EQ(f->msix_table, 0x2000);
    CHECK_EQ(f->msix_pba, 0x3000);
}

TEST(nvme_bar_vmo_stops_before_the_table)
{
    nvme();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), OK);
    CHECK_EQ(m.start, NVME_BAR);
    CHECK_EQ(m.end, NVME_BAR + 0x2000); /* registers and doorbells */
    CHECK_EQ(m.size, 0x2000);
    CHECK_EQ(m.span_start, NVME_BAR);
    CHECK_EQ(m.span_end, NVME_BAR + 0x4000); /* the anchor: all of it */
    CHECK(m.why == NULL);
}

TEST(nvme_bar_range_keeps_out_of_msix_pages)
{
    nvme();
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0, 0x2000, &m), OK);
    CHECK_EQ(m.start, NVME_BAR);
    CHECK_EQ(m.size, 0x2000);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x1000, 0x1000, &m), OK);
    CHECK_EQ(m.start, NVME_BAR + 0x1000);
    CHECK_EQ(m.end, NVME_BAR + 0x2000);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x2000, 0x1000, &m), ERR_ACCESS_DENIED);
    CHECK_WHY("holds the MSI-X table");
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x3000, 0x1000, &m), ERR_ACCESS_DENIED);
    CHECK_WHY("holds the MSI-X pending bit array");
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x1000, 0x2000, &m), ERR_ACCESS_DENIED); /* one page too far */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0, 0x4000, &m), ERR_ACCESS_DENIED);
}

TEST(bar_range_arguments)
{
    nvme();
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0, 0, &m), ERR_INVALID_ARGS);
    CHECK(m.why != NULL);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x800, 0x1000, &m), ERR_INVALID_ARGS);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0, 0x100, &m), ERR_INVALID_ARGS);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x4000, 0x1000, &m), ERR_OUT_OF_RANGE);
    CHECK(m.why != NULL);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x3000, 0x2000, &m), ERR_OUT_OF_RANGE);
    /* Sums that would wrap around. */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, ~(PAGE - 1), 0x1000, &m), ERR_OUT_OF_RANGE);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x1000, ~(PAGE - 1), &m), ERR_OUT_OF_RANGE);
    /* The BAR is checked before the arguments. */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 1, 0x800, 0, &m), ERR_NOT_FOUND); /* the upper half */
}

TEST(the_bar_itself)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x1b36, 0x0005, 0xff, 0, 0);
    fake_bar(f, 0, 0, 0xfe000000, 0x1000);
    fake_bar(f, 1, 1, 0xc000, 0x100); /* I/O */
    fake_bar(f, 2, 0, 0, 0x1000);     /* unassigned */
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 1, &m), ERR_WRONG_TYPE);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 1, 0, 0x1000, &m), ERR_WRONG_TYPE);
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 2, &m), ERR_BAD_STATE);
    CHECK_WHY("left unassigned by the firmware");
    CHECK_EQ(pci_bar_map_range(&tree, 0, 2, 0, 0x1000, &m), ERR_BAD_STATE);
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 3, &m), ERR_NOT_FOUND);
    CHECK(m.why == NULL); /* an empty slot: a driver may probe */
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 6, &m), ERR_NOT_FOUND);
    CHECK(m.why != NULL); /* no such index: a bad request */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0xffffffffu, 0, 0x1000, &m), ERR_NOT_FOUND);
    /* Without MSI-X, all of it. */
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), OK);
    CHECK_EQ(m.start, 0xfe000000);
    CHECK_EQ(m.end, 0xfe001000);
    CHECK_EQ(m.size, 0x1000);
}

TEST(table_at_the_start_refuses_bar_vmo)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x8086, 0x10d3, 2, 0, 0);
    fake_bar(f, 0, 0, 0xfe000000, 0x8000);
    msix(f, 5, 0x0, 0x1000);
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), ERR_ACCESS_DENIED);
    CHECK(m.why != NULL);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x2000, 0x6000, &m), OK); /* what follows */
    CHECK_EQ(m.start, 0xfe002000);
    CHECK_EQ(m.size, 0x6000);
}

TEST(msix_in_a_bar_of_its_own)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x1af4, 0x1041, 2, 0, 0);
    fake_bar(f, 1, 0, 0xfe000000, 0x2000);
    fake_bar(f, 4, 0xc, 0x800000000, 0x4000); /* 64-bit prefetchable */
    msix(f, 3, 0x1, 0x1801);                  /* both in BAR 1, the PBA in its second page */
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 4, &m), OK); /* nothing of MSI-X there */
    CHECK_EQ(m.size, 0x4000);
    CHECK_EQ(m.end, 0x800004000);
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 1, &m), ERR_ACCESS_DENIED);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 1, 0x1000, 0x1000, &m), ERR_ACCESS_DENIED);
    CHECK_WHY("holds the MSI-X pending bit array");
}

TEST(a_big_table_covers_every_page_it_touches)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x8086, 0x10d3, 2, 0, 0);
    fake_bar(f, 0, 0, 0xfe000000, 0x20000);
    msix(f, 2048, 0x10800, 0x1a000); /* 32 KiB from the middle of a page: 9 pages */
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), OK);
    CHECK_EQ(m.size, 0x10000);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x18000, 0x1000, &m), ERR_ACCESS_DENIED); /* the table's last page */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x19000, 0x1000, &m), OK);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x1a000, 0x1000, &m), ERR_ACCESS_DENIED); /* the PBA */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x1b000, 0x5000, &m), OK);
}

TEST(structures_outside_every_bar_hold_nothing_back)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x8086, 0x10d3, 2, 0, 0);
    fake_bar(f, 0, 0, 0xfe000000, 0x4000);
    msix(f, 8, 0x8000, 0x7); /* the table past BAR 0, the PBA in no BAR */
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), OK);
    CHECK_EQ(m.size, 0x4000);
    /* A table running past its BAR: clipped, the pages before it free. */
    fake_w32(&fake.fn[0], 0x44, 0x3ff0);
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), OK);
    CHECK_EQ(m.size, 0x3000);
}

TEST(small_bars_sharing_a_page_with_the_table)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x1234, 0x5678, 0xff, 0, 0);
    fake_bar(f, 0, 0, 0xfe000000, 0x100);
    fake_bar(f, 1, 0, 0xfe000100, 0x100);
    fake_bar(f, 2, 0, 0xfe001000, 0x1000);
    msix(f, 4, 0x1, 0x81); /* table and PBA in BAR 1, the page BAR 0 is on */
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), ERR_ACCESS_DENIED);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0, 0x1000, &m), ERR_ACCESS_DENIED);
    CHECK_WHY("holds the MSI-X table");
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 1, &m), ERR_ACCESS_DENIED);
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 2, &m), OK);
}

TEST(sub_page_bar_without_msix)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x1234, 0x5678, 0xff, 0, 0);
    fake_bar(f, 0, 0, 0xfe000100, 0x100);
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), OK);
    CHECK_EQ(m.start, 0xfe000000);
    CHECK_EQ(m.end, 0xfe001000);
    CHECK_EQ(m.size, 0x100); /* at offset 0x100 of the vmo */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0, 0x1000, &m), OK);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 0, 0x1000, 0x1000, &m), ERR_OUT_OF_RANGE);
}

TEST(another_functions_bar_on_a_shared_page)
{
    fake_init(&fake);
    fake_fn_t *a = fake_add(&fake, PCI_BDF(0, 3, 0), 0x1234, 0x5678, 0xff, 0, 0);
    fake_fn_t *b = fake_add(&fake, PCI_BDF(0, 4, 0), 0x1234, 0x5678, 0xff, 0, 0);
    fake_bar(a, 0, 0, 0xfe000000, 0x800);
    fake_bar(a, 1, 0, 0xfe010000, 0x2000);
    fake_bar(b, 0, 0, 0xfe000800, 0x800);
    fake_bar(b, 1, 0, 0xfe011000, 0x100); /* inside a's BAR 1: nonsense, refused */
    enumerate();
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), ERR_ACCESS_DENIED);
    CHECK_WHY("shares a page with another function's BAR");
    CHECK_EQ(pci_bar_map_whole(&tree, 1, 0, &m), ERR_ACCESS_DENIED);
    CHECK_EQ(pci_bar_map_range(&tree, 0, 1, 0, 0x1000, &m), OK); /* the page b does not touch */
    CHECK_EQ(pci_bar_map_range(&tree, 0, 1, 0x1000, 0x1000, &m), ERR_ACCESS_DENIED);
}

TEST(msix_capability_past_the_end_names_no_bar)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x1234, 0x5678, 0xff, 0, 0);
    fake_bar(f, 0, 0, 0xfe000000, 0x1000);
    fake_cap(f, 0xf8, PCI_CAP_MSIX, 0, true); /* its 12 bytes would end at 0x104 */
    fake_w32(f, 0xfc, 0); /* what would be the table register: BAR 0, offset 0 */
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_enumerate(&cfg, &tree);
    const pci_func_t *fn = &tree.funcs[0];
    CHECK_EQ(fn->msix, 0xf8);
    CHECK(fn->caps_malformed);
    CHECK_EQ(fn->msix_table & 7, PCI_MSIX_NO_BAR);
    CHECK_EQ(pci_write_allowed(fn, 0xfa, 2), ERR_ACCESS_DENIED); /* its control register stays the server's */
    CHECK_EQ(pci_bar_map_whole(&tree, 0, 0, &m), OK);
}

int main(void) { return RUN_TESTS(); }
