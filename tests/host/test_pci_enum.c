/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The pci server's enumeration (servers/pci/enum.c) on a fake
 * configuration space: buses behind bridges, multifunction devices,
 * bridges whose secondary bus is bad, BAR decoding and sizing.
 */
#include "check.h"
#include "enum.h"
#include "pci_fake.h"


static fake_pci_t fake;
static pci_tree_t tree;

TEST(bus0_single_and_multifunction)
{
    fake_init(&fake);
    fake_add(&fake, PCI_BDF(0, 0, 0), 0x8086, 0x29c0, 6, 0, 0);
    fake_add(&fake, PCI_BDF(0, 0x1f, 0), 0x8086, 0x2918, 6, 1, 0x80); /* multifunction */
    fake_add(&fake, PCI_BDF(0, 0x1f, 3), 0x8086, 0x2930, 0xc, 5, 0);
    fake_add(&fake, PCI_BDF(0, 0x1f, 2), 0x8086, 0x2922, 1, 6, 0);
    /* Function 1 of a single-function device is not looked at. */
    fake_add(&fake, PCI_BDF(0, 0, 1), 0x1234, 0x5678, 0, 0, 0);
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_enumerate(&cfg, &tree);
    REQUIRE(tree.n == 4);
    CHECK_EQ(tree.funcs[0].bdf, PCI_BDF(0, 0, 0));
    CHECK_EQ(tree.funcs[1].bdf, PCI_BDF(0, 0x1f, 0));
    CHECK_EQ(tree.funcs[2].bdf, PCI_BDF(0, 0x1f, 2));
    CHECK_EQ(tree.funcs[3].bdf, PCI_BDF(0, 0x1f, 3));
    CHECK_EQ(tree.funcs[1].header_type, 0);
    CHECK_EQ(tree.funcs[3].class_code, 0xc);
    CHECK_EQ(tree.buses, 1);
}

static fake_fn_t *bridge(uint32_t bdf, uint8_t sec, uint8_t sub)
{
    fake_fn_t *b = fake_add(&fake, bdf, 0x1b36, 0x000c, 6, 4, 1);
    fake_w8(b, PCI_PRIMARY_BUS, (uint8_t)PCI_BUS(bdf));
    fake_w8(b, PCI_SECONDARY_BUS, sec);
    fake_w8(b, PCI_SUBORDINATE_BUS, sub);
    return b;
}

TEST(behind_bridges_recursively_in_bus_order)
{
    fake_init(&fake);
    fake_add(&fake, PCI_BDF(0, 0, 0), 0x8086, 0x29c0, 6, 0, 0);
    bridge(PCI_BDF(0, 2, 0), 1, 2);
    bridge(PCI_BDF(1, 0, 0), 2, 2);
    fake_add(&fake, PCI_BDF(2, 0, 0), 0x1234, 0x11e8, 0, 0xff, 0);
    bridge(PCI_BDF(0, 3, 0), 3, 3);
    fake_add(&fake, PCI_BDF(3, 5, 0), 0x1af4, 0x1041, 2, 0, 0);
    fake_add(&fake, PCI_BDF(0, 4, 0), 0x8086, 0x10d3, 2, 0, 0);
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_enumerate(&cfg, &tree);
    REQUIRE(tree.n == 7);
    CHECK_EQ(tree.buses, 4);
    CHECK_EQ(tree.bad_bridges, 0);
    uint32_t want[] = {PCI_BDF(0, 0, 0), PCI_BDF(0, 2, 0), PCI_BDF(0, 3, 0), PCI_BDF(0, 4, 0),
                       PCI_BDF(1, 0, 0), PCI_BDF(2, 0, 0), PCI_BDF(3, 5, 0)};
    for (int i = 0; i < 7; i++)
        CHECK_EQ(tree.funcs[i].bdf, want[i]);
    CHECK_EQ(tree.funcs[1].secondary_bus, 1);
    CHECK_EQ(tree.funcs[1].subordinate_bus, 2);
    CHECK(pci_find(&tree, PCI_BDF(2, 0, 0)) != NULL);
    CHECK(pci_find(&tree, PCI_BDF(2, 1, 0)) == NULL);
}

TEST(bridge_loops_and_bad_secondaries_are_not_followed)
{
    fake_init(&fake);
    bridge(PCI_BDF(0, 1, 0), 1, 1);
    bridge(PCI_BDF(1, 0, 0), 0, 0);   /* points back at bus 0 */
    bridge(PCI_BDF(1, 1, 0), 1, 1);   /* at itself */
    bridge(PCI_BDF(0, 2, 0), 1, 1);   /* bus 1 again */
    bridge(PCI_BDF(0, 3, 0), 0, 0);   /* unconfigured */
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    cfg.bus_end = 1;
    bridge(PCI_BDF(0, 4, 0), 9, 9);   /* past the reachable buses */
    pci_enumerate(&cfg, &tree);
    CHECK_EQ(tree.n, 6);
    CHECK_EQ(tree.buses, 2);
    CHECK_EQ(tree.bad_bridges, 5);
}

TEST(every_slot_full_is_bounded)
{
    fake_init(&fake);
    for (uint32_t d = 0; d < FAKE_FUNCS; d++)
        fake_add(&fake, PCI_BDF(0, d, 0), 0x1234, (uint16_t)d, 0, 0, 0);
    pci_cfg_t cfg = fake_cfg(&fake, 256);
    pci_enumerate(&cfg, &tree);
    CHECK_EQ(tree.n, 32);
    CHECK_EQ(tree.dropped, 0);
}

TEST(bars_io_32_64_prefetchable)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x8086, 0x10d3, 2, 0, 0);
    fake_bar(f, 0, 0x0, 0xfeb80000, 0x20000);        /* 32-bit memory */
    fake_bar(f, 1, 0x1, 0xc040, 0x20);               /* I/O */
    fake_bar(f, 2, 0xc, 0x800000000ull, 0x4000);     /* 64-bit prefetchable, slots 2-3 */
    fake_bar(f, 4, 0x8, 0xfd000000, 0x1000000);      /* 32-bit prefetchable */
    fake_w16(f, PCI_COMMAND, PCI_CMD_MEMORY | PCI_CMD_IO | PCI_CMD_MASTER);
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_enumerate(&cfg, &tree);
    REQUIRE(tree.n == 1);
    const pci_bar_t *b = tree.funcs[0].bars;
    CHECK_EQ(b[0].kind, PCI_BAR_MEM32);
    CHECK_EQ(b[0].base, 0xfeb80000);
    CHECK_EQ(b[0].size, 0x20000);
    CHECK(!b[0].prefetchable);
    CHECK_EQ(b[1].kind, PCI_BAR_IO);
    CHECK_EQ(b[1].base, 0xc040);
    CHECK_EQ(b[1].size, 0x20);
    CHECK_EQ(b[2].kind, PCI_BAR_MEM64);
    CHECK_EQ(b[2].base, 0x800000000ull);
    CHECK_EQ(b[2].size, 0x4000);
    CHECK(b[2].prefetchable);
    CHECK_EQ(b[3].kind, PCI_BAR_NONE);
    CHECK_EQ(b[4].kind, PCI_BAR_MEM32);
    CHECK(b[4].prefetchable);
    CHECK_EQ(b[5].kind, PCI_BAR_NONE);
    /* Sized with decoding off; everything as it was after. */
    CHECK(!fake.bar_written_decoding);
    CHECK_EQ(fake_r32(f, PCI_COMMAND) & 0xffff, PCI_CMD_MEMORY | PCI_CMD_IO | PCI_CMD_MASTER);
    CHECK_EQ(fake_r32(f, PCI_BAR0), 0xfeb80000);
    CHECK_EQ(fake_r32(f, PCI_BAR0 + 4), 0xc041);
    CHECK_EQ(fake_r32(f, PCI_BAR0 + 8), 0xc);
    CHECK_EQ(fake_r32(f, PCI_BAR0 + 12), 0x8);
}

TEST(malformed_bars_are_absent)
{
    fake_init(&fake);
    fake_fn_t *f = fake_add(&fake, PCI_BDF(0, 3, 0), 0x1234, 1, 0, 0, 0);
    fake_bar(f, 0, 0x6, 0x1000, 0x1000);   /* reserved type 3 */
    fake_bar(f, 5, 0x4, 0x2000, 0x1000);   /* 64-bit in the last slot: no upper half */
    fake_bar(f, 1, 0x1, 0xfff0, 0x100);    /* I/O range past 0xffff */
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_enumerate(&cfg, &tree);
    REQUIRE(tree.n == 1);
    for (int i = 0; i < 6; i++)
        CHECK_EQ(tree.funcs[0].bars[i].kind, PCI_BAR_NONE);
}

TEST(bridge_has_two_bars_and_no_more)
{
    fake_init(&fake);
    fake_fn_t *b = bridge(PCI_BDF(0, 1, 0), 1, 1);
    fake_bar(b, 0, 0, 0xfe000000, 0x1000);
    fake_w32(b, PCI_BAR0 + 8, 0x00010100); /* bus numbers: never probed as a BAR */
    fake_w8(b, PCI_SECONDARY_BUS, 1);
    pci_cfg_t cfg = fake_cfg(&fake, 4096);
    pci_enumerate(&cfg, &tree);
    REQUIRE(tree.n >= 1);
    CHECK_EQ(tree.funcs[0].bars[0].kind, PCI_BAR_MEM32);
    CHECK_EQ(tree.funcs[0].bars[2].kind, PCI_BAR_NONE);
    CHECK_EQ(fake_r32(b, PCI_BAR0 + 8) & 0xff00, 0x0100);
}

int main(void) { return RUN_TESTS(); }
