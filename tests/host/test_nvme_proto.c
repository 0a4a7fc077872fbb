/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the pure part of the NVMe driver (drivers-user/nvme/
 * nvme_proto.c): status codes to Cairn errors and names, the shadow
 * doorbell event test round the queue, PRP entries and lists with every
 * refusal, the command builders' fields as the specification places them,
 * Identify parsing (strings, LBA formats, what makes a namespace
 * unusable), the transfer limit from MDTS, and the disk pattern's
 * generator (the same constant tools/testrun.py is written against).
 */
#include <string.h>

#include "abi/errors.h"
#include "check.h"
#include "nvme_pattern.h"
#include "nvme_proto.h"

/* A status field: SCT, SC and the do-not-retry bit. */
static uint16_t sf(uint16_t sct, uint16_t sc, int dnr) { return (uint16_t)(sc | sct << 8 | (dnr ? 1u << 14 : 0)); }

TEST(status_codes_map_to_errors)
{
    CHECK_EQ(nvme_status_error(0), OK);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, 1)), ERR_OUT_OF_RANGE);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, 0)), ERR_OUT_OF_RANGE);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, NVME_SC_INVALID_NS, 1)), ERR_NOT_FOUND);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD, 1)), ERR_INVALID_ARGS);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE, 1)), ERR_NOT_SUPPORTED);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, NVME_SC_ABORT_SQ_DELETION, 0)), ERR_CANCELED);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR, 0)), ERR_IO);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_COMMAND, NVME_SC_READ_ONLY, 1)), ERR_ACCESS_DENIED);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_COMMAND, NVME_SC_QID_INVALID, 1)), ERR_INVALID_ARGS);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_MEDIA, NVME_SC_UNRECOVERED_READ, 0)), ERR_IO);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_MEDIA, NVME_SC_ACCESS_DENIED, 1)), ERR_ACCESS_DENIED);
    /* Nothing unknown passes as success. */
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_GENERIC, 0x7f, 0)), ERR_IO);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_PATH, 0x00, 0)), ERR_IO);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_VENDOR, 0x00, 0)), ERR_IO);
    CHECK_EQ(nvme_status_error(sf(NVME_SCT_COMMAND, 0x00, 0)), ERR_INVALID_ARGS); /* CQ invalid, not success */
}

TEST(status_names)
{
    CHECK(strcmp(nvme_status_name(sf(NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, 1)), "LBA Out of Range") == 0);
    CHECK(strcmp(nvme_status_name(0), "Successful Completion") == 0);
    CHECK(strcmp(nvme_status_name(sf(NVME_SCT_GENERIC, 0x7f, 0)), "unknown generic status") == 0);
    CHECK(strcmp(nvme_status_name(sf(NVME_SCT_MEDIA, 0x7f, 0)), "unknown media error") == 0);
    CHECK(strcmp(nvme_status_name(sf(NVME_SCT_VENDOR, 0x12, 0)), "vendor specific status") == 0);
    CHECK(strcmp(nvme_status_name(sf(5, 0, 0)), "reserved status code type") == 0);
}

TEST(need_event_without_wrap)
{
    /* Tail moved 3 -> 6: the event index names the next entry the device
     * will look for. */
    CHECK(nvme_need_event(3, 6, 3, 64));   /* it waits for entry 3: ring */
    CHECK(nvme_need_event(5, 6, 3, 64));   /* for entry 5: ring */
    CHECK(!nvme_need_event(6, 6, 3, 64));  /* it already saw 6 */
    CHECK(!nvme_need_event(2, 6, 3, 64));  /* it is still busy before 3: it will reread */
    CHECK(!nvme_need_event(40, 6, 3, 64));
    CHECK(!nvme_need_event(3, 3, 3, 64));  /* nothing moved */
}

TEST(need_event_round_the_queue)
{
    /* 62 -> 1 over the end of a 64-entry queue: entries 62, 63, 0 added. */
    CHECK(nvme_need_event(62, 1, 62, 64));
    CHECK(nvme_need_event(63, 1, 62, 64));
    CHECK(nvme_need_event(0, 1, 62, 64));
    CHECK(!nvme_need_event(1, 1, 62, 64));
    CHECK(!nvme_need_event(61, 1, 62, 64));
    CHECK(!nvme_need_event(30, 1, 62, 64));
    /* A whole lap but one. */
    CHECK(nvme_need_event(10, 9, 10, 64));
    CHECK(!nvme_need_event(9, 9, 10, 64));
}

TEST(need_event_nonsense_rings)
{
    CHECK(nvme_need_event(64, 1, 0, 64));    /* an index the queue does not have */
    CHECK(nvme_need_event(0xffff, 1, 0, 64));
    CHECK(nvme_need_event(0, 70, 0, 64));
    CHECK(nvme_need_event(0, 1, 0, 0));
}

TEST(prp_one_and_two_pages)
{
    nvme_sqe_t sqe;
    uint64_t list[4] = {0};
    uint64_t pages[3] = {0x10000, 0x53000, 0x7000};
    memset(&sqe, 0xaa, sizeof sqe);
    CHECK_EQ(nvme_prp_setup(&sqe, 512, pages, 3, list, 0x9000, 4), OK);
    CHECK_EQ(sqe.prp1, 0x10000);
    CHECK_EQ(sqe.prp2, 0);
    CHECK_EQ(nvme_prp_setup(&sqe, 4096, pages, 1, list, 0x9000, 4), OK);
    CHECK_EQ(sqe.prp2, 0);
    CHECK_EQ(nvme_prp_setup(&sqe, 4097, pages, 2, list, 0x9000, 4), OK);
    CHECK_EQ(sqe.prp1, 0x10000);
    CHECK_EQ(sqe.prp2, 0x53000);
    CHECK_EQ(list[0], 0); /* no list for two pages */
}

TEST(prp_list)
{
    nvme_sqe_t sqe;
    uint64_t list[127] = {0};
    uint64_t pages[129];
    for (int i = 0; i < 129; i++)
        pages[i] = 0x100000 + (uint64_t)(128 - i) * 4096; /* reversed: the list keeps the order given */
    CHECK_EQ(nvme_prp_setup(&sqe, 3 * 4096, pages, 3, list, 0x9400, 127), OK);
    CHECK_EQ(sqe.prp1, pages[0]);
    CHECK_EQ(sqe.prp2, 0x9400);
    CHECK_EQ(list[0], pages[1]);
    CHECK_EQ(list[1], pages[2]);
    CHECK_EQ(list[2], 0);
    CHECK_EQ(nvme_prp_setup(&sqe, 128 * 4096, pages, 129, list, 0x9400, 127), OK);
    CHECK_EQ(list[126], pages[127]);
    CHECK_EQ(nvme_prp_setup(&sqe, 129 * 4096, pages, 129, list, 0x9400, 127), ERR_OUT_OF_RANGE);
}

TEST(prp_refusals)
{
    nvme_sqe_t sqe;
    uint64_t list[8];
    uint64_t pages[3] = {0x10000, 0x11000, 0x12000};
    CHECK_EQ(nvme_prp_setup(&sqe, 0, pages, 3, list, 0x9000, 8), ERR_INVALID_ARGS);
    CHECK_EQ(nvme_prp_setup(&sqe, 3 * 4096 + 1, pages, 3, list, 0x9000, 8), ERR_BUFFER_TOO_SMALL);
    pages[1] = 0x11200;
    CHECK_EQ(nvme_prp_setup(&sqe, 3 * 4096, pages, 3, list, 0x9000, 8), ERR_INVALID_ARGS);
    /* A bad page after the transfer's end is not looked at. */
    CHECK_EQ(nvme_prp_setup(&sqe, 4096, pages, 3, list, 0x9000, 8), OK);
    pages[0] = 0;
    CHECK_EQ(nvme_prp_setup(&sqe, 4096, pages, 3, list, 0x9000, 8), ERR_INVALID_ARGS);
}

TEST(read_write_fields)
{
    nvme_sqe_t sqe;
    memset(&sqe, 0, sizeof sqe);
    sqe.prp1 = 0x1000;
    sqe.prp2 = 0x2000;
    nvme_sqe_rw(&sqe, NVME_NVM_READ, 3, 0x123456789aull, 8);
    CHECK_EQ(sqe.opc, 0x02);
    CHECK_EQ(sqe.nsid, 3);
    CHECK_EQ(sqe.cdw10, 0x3456789a);
    CHECK_EQ(sqe.cdw11, 0x12);
    CHECK_EQ(sqe.cdw12, 7); /* 0's based */
    CHECK_EQ(sqe.prp1, 0x1000);
    CHECK_EQ(sqe.prp2, 0x2000);
    nvme_sqe_rw(&sqe, NVME_NVM_WRITE, 1, 0, 65536);
    CHECK_EQ(sqe.opc, 0x01);
    CHECK_EQ(sqe.cdw12, 0xffff);
    nvme_sqe_flush(&sqe, 1);
    CHECK_EQ(sqe.opc, 0x00);
    CHECK_EQ(sqe.prp1, 0);
}

TEST(dsm_fields)
{
    nvme_sqe_t sqe;
    nvme_dsm_range_t range;
    nvme_sqe_discard(&sqe, 2, 4096, 128, &range, 0x8040);
    CHECK_EQ(sqe.opc, 0x09);
    CHECK_EQ(sqe.nsid, 2);
    CHECK_EQ(sqe.prp1, 0x8040);
    CHECK_EQ(sqe.cdw10, 0);          /* one range */
    CHECK_EQ(sqe.cdw11, 1u << 2);    /* deallocate */
    CHECK_EQ(range.slba, 4096);
    CHECK_EQ(range.nlb, 128);        /* not 0's based */
    CHECK_EQ(range.cattr, 0);
}

TEST(admin_fields)
{
    nvme_sqe_t sqe;
    nvme_sqe_identify(&sqe, NVME_CNS_NS_ACTIVE_LIST, 0, 0x5000);
    CHECK_EQ(sqe.opc, 0x06);
    CHECK_EQ(sqe.cdw10, 2);
    CHECK_EQ(sqe.prp1, 0x5000);
    nvme_sqe_set_num_queues(&sqe, 4);
    CHECK_EQ(sqe.opc, 0x09);
    CHECK_EQ(sqe.cdw10, 0x07);
    CHECK_EQ(sqe.cdw11, 0x00030003);
    nvme_sqe_create_cq(&sqe, 2, 64, 0x7000, 1);
    CHECK_EQ(sqe.opc, 0x05);
    CHECK_EQ(sqe.cdw10, 0x003f0002);
    CHECK_EQ(sqe.cdw11, 0x00010003); /* vector 1, interrupts on, contiguous */
    nvme_sqe_create_sq(&sqe, 2, 64, 0x6000, 2);
    CHECK_EQ(sqe.opc, 0x01);
    CHECK_EQ(sqe.cdw10, 0x003f0002);
    CHECK_EQ(sqe.cdw11, 0x00020001);
    nvme_sqe_dbbuf_config(&sqe, 0x3000, 0x4000);
    CHECK_EQ(sqe.opc, 0x7c);
    CHECK_EQ(sqe.prp1, 0x3000);
    CHECK_EQ(sqe.prp2, 0x4000);
    CHECK_EQ(nvme_granted_queues(0x00030007), 4);
    CHECK_EQ(nvme_granted_queues(0x00070003), 4);
    CHECK_EQ(nvme_granted_queues(0), 1);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v), put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v), put32(p + 4, (uint32_t)(v >> 32)); }

TEST(identify_controller)
{
    static uint8_t d[4096];
    nvme_ident_t id;
    memset(d, 0, sizeof d);
    memcpy(d + NVME_IDC_SN, "cairn0              ", 20);
    memcpy(d + NVME_IDC_MN, "QEMU NVMe Ctrl                          ", 40);
    memcpy(d + NVME_IDC_FR, "7.2\x01    ", 8);
    d[NVME_IDC_MDTS] = 7;
    put16(d + NVME_IDC_OACS, 0x10a);
    put32(d + NVME_IDC_NN, 256);
    put16(d + NVME_IDC_ONCS, 0x15d);
    d[NVME_IDC_VWC] = 1;
    nvme_parse_ctrl(d, &id);
    CHECK(strcmp(id.serial, "cairn0") == 0);
    CHECK(strcmp(id.model, "QEMU NVMe Ctrl") == 0);
    CHECK(strcmp(id.firmware, "7.2?") == 0); /* a control byte is not printed as is */
    CHECK_EQ(id.mdts, 7);
    CHECK(id.oacs & NVME_OACS_DBBUF);
    CHECK(id.oncs & NVME_ONCS_DSM);
    CHECK_EQ(id.nn, 256);
    CHECK_EQ(id.vwc, 1);
}

static void ns_data(uint8_t *d, uint64_t nsze, uint8_t nlbaf, uint8_t flbas, int index, uint32_t lbaf)
{
    memset(d, 0, 4096);
    put64(d + NVME_IDNS_NSZE, nsze);
    d[NVME_IDNS_NLBAF] = nlbaf;
    d[NVME_IDNS_FLBAS] = flbas;
    put32(d + NVME_IDNS_LBAF0 + 4 * index, lbaf);
}

TEST(identify_namespace)
{
    static uint8_t d[4096];
    nvme_ns_t ns;
    ns_data(d, 8192, 0, 0, 0, 9u << 16);
    CHECK(nvme_parse_ns(d, &ns) == NULL);
    CHECK(ns.usable);
    CHECK_EQ(ns.nblocks, 8192);
    CHECK_EQ(ns.block_size, 512);
    CHECK_EQ(ns.lba_shift, 9);
    ns_data(d, 1000, 7, 4 & 0xf, 4, 12u << 16); /* format 4: 4096-byte blocks */
    CHECK(nvme_parse_ns(d, &ns) == NULL);
    CHECK_EQ(ns.block_size, 4096);
    ns_data(d, 1000, 20, (1u << 5) | 1, 17, 9u << 16); /* index 17: bits 6:5 are its high bits */
    CHECK(nvme_parse_ns(d, &ns) == NULL);
    CHECK_EQ(ns.block_size, 512);
}

TEST(identify_namespace_unusable)
{
    static uint8_t d[4096];
    nvme_ns_t ns;
    ns_data(d, 8192, 0, 1, 1, 9u << 16); /* format 1 of only format 0 */
    CHECK(nvme_parse_ns(d, &ns) != NULL);
    CHECK(!ns.usable);
    ns_data(d, 8192, 0, 0, 0, 8u << 16); /* 256-byte blocks */
    CHECK(nvme_parse_ns(d, &ns) != NULL);
    ns_data(d, 8192, 0, 0, 0, 13u << 16); /* 8 KiB blocks */
    CHECK(nvme_parse_ns(d, &ns) != NULL);
    ns_data(d, 8192, 0, 0, 0, 9u << 16 | 8); /* 8 bytes of metadata a block */
    CHECK(nvme_parse_ns(d, &ns) != NULL);
    CHECK(!ns.usable);
    ns_data(d, 0, 0, 0, 0, 9u << 16);
    CHECK(nvme_parse_ns(d, &ns) != NULL);
    ns_data(d, UINT64_MAX, 0, 0, 0, 9u << 16);
    CHECK(nvme_parse_ns(d, &ns) != NULL);
}

TEST(max_transfer)
{
    uint64_t cap_4k = 0, cap_8k = 1ull << 48; /* MPSMIN 0 and 1 */
    CHECK_EQ(nvme_max_transfer(cap_4k, 7, 512 * 1024), 512 * 1024);
    CHECK_EQ(nvme_max_transfer(cap_4k, 5, 512 * 1024), 128 * 1024);
    CHECK_EQ(nvme_max_transfer(cap_4k, 0, 512 * 1024), 512 * 1024); /* no limit: ours */
    CHECK_EQ(nvme_max_transfer(cap_4k, 9, 512 * 1024), 512 * 1024);
    CHECK_EQ(nvme_max_transfer(cap_4k, 200, 512 * 1024), 512 * 1024);
    CHECK_EQ(nvme_max_transfer(cap_8k, 2, 512 * 1024), 32 * 1024);
    CHECK_EQ(nvme_max_transfer(cap_4k, 1, 4096), 4096);
}

TEST(pattern_generator)
{
    CHECK(splitmix64(0) == 0xe220a8397b1dcdafull);
    CHECK(splitmix64(1) == 0x910a2dec89025cc1ull);
    CHECK(pattern_word(5, 8) == splitmix64(5 ^ 8));
    CHECK(pattern_word(5, 8) == 0xc4ca37b7f8ad8affull); /* tools/testrun.py's bytes ff8aadf8b737cac4 */
}

int main(void)
{
    return RUN_TESTS();
}
