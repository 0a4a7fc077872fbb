/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The pure part of the NVMe driver (model in nvme_proto.h): command
 * builders, PRP layout, Identify parsing, the shadow doorbell event test
 * and the status table. Pure C11, host-tested.
 */
#include "nvme_proto.h"

#include <string.h>

#include "abi/errors.h"

/* ---- status ----------------------------------------------------------------- */

typedef struct status_entry {
    uint8_t sct, sc;
    int err;
    const char *name;
} status_entry_t;

/* The codes a driver of block storage meets, with the error its clients
 * see. Whatever is not listed is ERR_IO: the device failed the command. */
static const status_entry_t status_table[] = {
    {NVME_SCT_GENERIC, NVME_SC_SUCCESS, OK, "Successful Completion"},
    {NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE, ERR_NOT_SUPPORTED, "Invalid Command Opcode"},
    {NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD, ERR_INVALID_ARGS, "Invalid Field in Command"},
    {NVME_SCT_GENERIC, NVME_SC_CID_CONFLICT, ERR_INTERNAL, "Command ID Conflict"},
    {NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR, ERR_IO, "Data Transfer Error"},
    {NVME_SCT_GENERIC, NVME_SC_POWER_LOSS, ERR_IO, "Commands Aborted due to Power Loss Notification"},
    {NVME_SCT_GENERIC, NVME_SC_INTERNAL, ERR_IO, "Internal Error"},
    {NVME_SCT_GENERIC, NVME_SC_ABORT_REQ, ERR_CANCELED, "Command Abort Requested"},
    {NVME_SCT_GENERIC, NVME_SC_ABORT_SQ_DELETION, ERR_CANCELED, "Command Aborted due to SQ Deletion"},
    {NVME_SCT_GENERIC, NVME_SC_FUSED_FAIL, ERR_CANCELED, "Command Aborted due to Failed Fused Command"},
    {NVME_SCT_GENERIC, NVME_SC_FUSED_MISSING, ERR_CANCELED, "Command Aborted due to Missing Fused Command"},
    {NVME_SCT_GENERIC, NVME_SC_INVALID_NS, ERR_NOT_FOUND, "Invalid Namespace or Format"},
    {NVME_SCT_GENERIC, NVME_SC_CMD_SEQ_ERROR, ERR_BAD_STATE, "Command Sequence Error"},
    {NVME_SCT_GENERIC, NVME_SC_INVALID_SGL_SEG, ERR_INVALID_ARGS, "Invalid SGL Segment Descriptor"},
    {NVME_SCT_GENERIC, NVME_SC_INVALID_PRP_OFFSET, ERR_INVALID_ARGS, "PRP Offset Invalid"},
    {NVME_SCT_GENERIC, NVME_SC_LBA_RANGE, ERR_OUT_OF_RANGE, "LBA Out of Range"},
    {NVME_SCT_GENERIC, NVME_SC_CAP_EXCEEDED, ERR_NO_RESOURCES, "Capacity Exceeded"},
    {NVME_SCT_GENERIC, NVME_SC_NS_NOT_READY, ERR_BAD_STATE, "Namespace Not Ready"},
    {NVME_SCT_GENERIC, NVME_SC_RESERVATION_CONFLICT, ERR_ACCESS_DENIED, "Reservation Conflict"},
    {NVME_SCT_GENERIC, NVME_SC_FORMAT_IN_PROGRESS, ERR_BAD_STATE, "Format In Progress"},
    {NVME_SCT_COMMAND, NVME_SC_CQ_INVALID, ERR_INVALID_ARGS, "Completion Queue Invalid"},
    {NVME_SCT_COMMAND, NVME_SC_QID_INVALID, ERR_INVALID_ARGS, "Invalid Queue Identifier"},
    {NVME_SCT_COMMAND, NVME_SC_QUEUE_SIZE, ERR_INVALID_ARGS, "Invalid Queue Size"},
    {NVME_SCT_COMMAND, NVME_SC_ABORT_LIMIT, ERR_NO_RESOURCES, "Abort Command Limit Exceeded"},
    {NVME_SCT_COMMAND, NVME_SC_INVALID_VECTOR, ERR_INVALID_ARGS, "Invalid Interrupt Vector"},
    {NVME_SCT_COMMAND, NVME_SC_INVALID_LOG_PAGE, ERR_INVALID_ARGS, "Invalid Log Page"},
    {NVME_SCT_COMMAND, NVME_SC_INVALID_FORMAT, ERR_INVALID_ARGS, "Invalid Format"},
    {NVME_SCT_COMMAND, NVME_SC_INVALID_QUEUE_DELETION, ERR_INVALID_ARGS, "Invalid Queue Deletion"},
    {NVME_SCT_COMMAND, NVME_SC_FEATURE_NOT_SAVEABLE, ERR_NOT_SUPPORTED, "Feature Identifier Not Saveable"},
    {NVME_SCT_COMMAND, NVME_SC_FEATURE_NOT_CHANGEABLE, ERR_NOT_SUPPORTED, "Feature Not Changeable"},
    {NVME_SCT_COMMAND, NVME_SC_CONFLICTING_ATTRS, ERR_INVALID_ARGS, "Conflicting Attributes"},
    {NVME_SCT_COMMAND, NVME_SC_INVALID_PI, ERR_INVALID_ARGS, "Invalid Protection Information"},
    {NVME_SCT_COMMAND, NVME_SC_READ_ONLY, ERR_ACCESS_DENIED, "Attempted Write to Read Only Range"},
    {NVME_SCT_MEDIA, NVME_SC_WRITE_FAULT, ERR_IO, "Write Fault"},
    {NVME_SCT_MEDIA, NVME_SC_UNRECOVERED_READ, ERR_IO, "Unrecovered Read Error"},
    {NVME_SCT_MEDIA, NVME_SC_GUARD_CHECK, ERR_IO, "End-to-end Guard Check Error"},
    {NVME_SCT_MEDIA, NVME_SC_APPTAG_CHECK, ERR_IO, "End-to-end Application Tag Check Error"},
    {NVME_SCT_MEDIA, NVME_SC_REFTAG_CHECK, ERR_IO, "End-to-end Reference Tag Check Error"},
    {NVME_SCT_MEDIA, NVME_SC_COMPARE_FAILED, ERR_IO, "Compare Failure"},
    {NVME_SCT_MEDIA, NVME_SC_ACCESS_DENIED, ERR_ACCESS_DENIED, "Access Denied"},
    {NVME_SCT_MEDIA, NVME_SC_UNWRITTEN_BLOCK, ERR_IO, "Deallocated or Unwritten Logical Block"},
};

static const status_entry_t *status_find(uint16_t sf)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].sct == NVME_SF_SCT(sf) && status_table[i].sc == NVME_SF_SC(sf))
            return &status_table[i];
    return NULL;
}

int nvme_status_error(uint16_t sf)
{
    const status_entry_t *e = status_find(sf);
    return e ? e->err : ERR_IO;
}

const char *nvme_status_name(uint16_t sf)
{
    const status_entry_t *e = status_find(sf);
    if (e)
        return e->name;
    switch (NVME_SF_SCT(sf)) {
    case NVME_SCT_GENERIC: return "unknown generic status";
    case NVME_SCT_COMMAND: return "unknown command specific status";
    case NVME_SCT_MEDIA: return "unknown media error";
    case NVME_SCT_PATH: return "path related status";
    case NVME_SCT_VENDOR: return "vendor specific status";
    default: return "reserved status code type";
    }
}

/* ---- shadow doorbells -------------------------------------------------------- */

bool nvme_need_event(uint16_t ei, uint16_t new_, uint16_t old, uint16_t depth)
{
    if (depth == 0 || ei >= depth || new_ >= depth || old >= depth)
        return true; /* nonsense from the device's memory: ring to be safe */
    /* Distances going forward round the queue: the MMIO write is needed
     * when the event index is one of the entries just added. */
    uint32_t moved = (uint32_t)(new_ + depth - old) % depth;
    uint32_t past_ei = (uint32_t)(new_ + depth - ei - 1) % depth;
    return past_ei < moved;
}

/* ---- PRPs -------------------------------------------------------------------- */

int nvme_prp_setup(nvme_sqe_t *sqe, uint64_t bytes, const uint64_t *pages, size_t npages, uint64_t *list,
                   uint64_t list_phys, uint32_t list_max)
{
    if (bytes == 0)
        return ERR_INVALID_ARGS;
    uint64_t need = (bytes + NVME_PAGE - 1) / NVME_PAGE;
    if (need > npages)
        return ERR_BUFFER_TOO_SMALL;
    if (need > 2 && need - 1 > list_max)
        return ERR_OUT_OF_RANGE;
    for (uint64_t i = 0; i < need; i++)
        if (pages[i] == 0 || (pages[i] & (NVME_PAGE - 1)) != 0)
            return ERR_INVALID_ARGS;
    sqe->prp1 = pages[0];
    if (need == 1) {
        sqe->prp2 = 0;
    } else if (need == 2) {
        sqe->prp2 = pages[1];
    } else {
        for (uint64_t i = 1; i < need; i++)
            list[i - 1] = pages[i];
        sqe->prp2 = list_phys;
    }
    return OK;
}

/* ---- commands ------------------------------------------------------------------- */

static void sqe_clear(nvme_sqe_t *sqe, uint8_t opc, uint32_t nsid)
{
    memset(sqe, 0, sizeof *sqe);
    sqe->opc = opc;
    sqe->nsid = nsid;
}

void nvme_sqe_rw(nvme_sqe_t *sqe, uint8_t opc, uint32_t nsid, uint64_t lba, uint32_t nblocks)
{
    uint64_t prp1 = sqe->prp1, prp2 = sqe->prp2; /* nvme_prp_setup may have run first */
    sqe_clear(sqe, opc, nsid);
    sqe->prp1 = prp1;
    sqe->prp2 = prp2;
    sqe->cdw10 = (uint32_t)lba;
    sqe->cdw11 = (uint32_t)(lba >> 32);
    sqe->cdw12 = NVME_RW_NLB(nblocks);
}

void nvme_sqe_flush(nvme_sqe_t *sqe, uint32_t nsid) { sqe_clear(sqe, NVME_NVM_FLUSH, nsid); }

void nvme_sqe_discard(nvme_sqe_t *sqe, uint32_t nsid, uint64_t lba, uint32_t nblocks, nvme_dsm_range_t *range,
                      uint64_t range_phys)
{
    sqe_clear(sqe, NVME_NVM_DSM, nsid);
    *range = (nvme_dsm_range_t){.cattr = 0, .nlb = nblocks, .slba = lba};
    sqe->prp1 = range_phys;
    sqe->cdw10 = 0; /* one range */
    sqe->cdw11 = NVME_DSM_AD;
}

void nvme_sqe_identify(nvme_sqe_t *sqe, uint32_t cns, uint32_t nsid, uint64_t buf_phys)
{
    sqe_clear(sqe, NVME_ADMIN_IDENTIFY, nsid);
    sqe->prp1 = buf_phys; /* 4096 bytes in one page: no PRP2 */
    sqe->cdw10 = cns;
}

void nvme_sqe_set_num_queues(nvme_sqe_t *sqe, uint32_t nqueues)
{
    sqe_clear(sqe, NVME_ADMIN_SET_FEATURES, 0);
    sqe->cdw10 = NVME_FEAT_NUM_QUEUES;
    sqe->cdw11 = (nqueues - 1) | (nqueues - 1) << 16; /* NSQR, NCQR: 0's based */
}

void nvme_sqe_create_cq(nvme_sqe_t *sqe, uint16_t qid, uint16_t entries, uint64_t phys, uint16_t vector)
{
    sqe_clear(sqe, NVME_ADMIN_CREATE_CQ, 0);
    sqe->prp1 = phys;
    sqe->cdw10 = NVME_QUEUE_CDW10(qid, entries);
    sqe->cdw11 = NVME_CQ_PC | NVME_CQ_IEN | NVME_CQ_IV(vector);
}

void nvme_sqe_create_sq(nvme_sqe_t *sqe, uint16_t qid, uint16_t entries, uint64_t phys, uint16_t cqid)
{
    sqe_clear(sqe, NVME_ADMIN_CREATE_SQ, 0);
    sqe->prp1 = phys;
    sqe->cdw10 = NVME_QUEUE_CDW10(qid, entries);
    sqe->cdw11 = NVME_SQ_PC | NVME_SQ_CQID(cqid);
}

void nvme_sqe_dbbuf_config(nvme_sqe_t *sqe, uint64_t shadow_phys, uint64_t eventidx_phys)
{
    sqe_clear(sqe, NVME_ADMIN_DBBUF_CONFIG, 0);
    sqe->prp1 = shadow_phys;
    sqe->prp2 = eventidx_phys;
}

uint32_t nvme_granted_queues(uint32_t dw0)
{
    uint32_t nsqa = (dw0 & 0xffff) + 1, ncqa = (dw0 >> 16) + 1;
    return nsqa < ncqa ? nsqa : ncqa;
}

/* ---- Identify ------------------------------------------------------------------- */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* An ASCII field, space padded by the device: printable bytes, trimmed. */
static void ident_string(char *dst, const uint8_t *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        dst[n++] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
        n--;
    dst[n] = '\0';
}

void nvme_parse_ctrl(const uint8_t *data, nvme_ident_t *out)
{
    memset(out, 0, sizeof *out);
    ident_string(out->model, data + NVME_IDC_MN, NVME_IDC_MN_LEN);
    ident_string(out->serial, data + NVME_IDC_SN, NVME_IDC_SN_LEN);
    ident_string(out->firmware, data + NVME_IDC_FR, NVME_IDC_FR_LEN);
    out->mdts = data[NVME_IDC_MDTS];
    out->cntlid = le16(data + NVME_IDC_CNTLID);
    out->ver = le32(data + NVME_IDC_VER);
    out->oacs = le16(data + NVME_IDC_OACS);
    out->nn = le32(data + NVME_IDC_NN);
    out->oncs = le16(data + NVME_IDC_ONCS);
    out->vwc = data[NVME_IDC_VWC];
}

const char *nvme_parse_ns(const uint8_t *data, nvme_ns_t *out)
{
    out->nblocks = le64(data + NVME_IDNS_NSZE);
    out->usable = false;
    out->block_size = 0;
    out->lba_shift = 0;
    uint8_t flbas = data[NVME_IDNS_FLBAS];
    uint32_t index = NVME_FLBAS_INDEX(flbas);
    if (index > data[NVME_IDNS_NLBAF] || index >= 64)
        return "its LBA format index is past the formats it lists";
    uint32_t lbaf = le32(data + NVME_IDNS_LBAF0 + 4 * index);
    uint32_t lbads = NVME_LBAF_LBADS(lbaf);
    if (lbads < 9 || lbads > NVME_PAGE_SHIFT)
        return "its block size is not 512 to 4096 bytes";
    out->lba_shift = lbads;
    out->block_size = 1u << lbads;
    if (NVME_LBAF_MS(lbaf) != 0)
        return "it has metadata with each block";
    if (out->nblocks == 0)
        return "it is empty";
    if (out->nblocks > UINT64_MAX >> lbads)
        return "its size does not fit 64 bits of bytes";
    out->usable = true;
    return NULL;
}

uint32_t nvme_max_transfer(uint64_t cap, uint8_t mdts, uint32_t cap_bytes)
{
    uint64_t unit = (uint64_t)NVME_PAGE << NVME_CAP_MPSMIN(cap);
    uint64_t max = cap_bytes;
    if (mdts != 0 && mdts < 32 && unit << mdts < max)
        max = unit << mdts;
    if (max < NVME_PAGE)
        max = NVME_PAGE;
    return (uint32_t)(max & ~(uint64_t)(NVME_PAGE - 1));
}
