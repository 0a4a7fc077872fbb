/* SPDX-License-Identifier: BSD-2-Clause
 *
 * NVM Express as the hardware defines it: controller registers, queue
 * entries, command opcodes, Identify fields and status codes, with the
 * names the NVMe Base Specification (2.0) and the NVM Command Set
 * Specification give them. Only layouts and numbers: no behaviour.
 *
 * Layout of the register space (BAR 0):
 *   0x00 CAP   capabilities (64-bit)        0x14 CC    controller configuration
 *   0x08 VS    version                      0x1c CSTS  controller status
 *   0x0c INTMS interrupt mask set           0x24 AQA   admin queue attributes
 *   0x10 INTMC interrupt mask clear         0x28 ASQ, 0x30 ACQ  admin queue bases
 *   0x1000 + (2y)   * (4 << CAP.DSTRD)  SQ y tail doorbell
 *   0x1000 + (2y+1) * (4 << CAP.DSTRD)  CQ y head doorbell
 */
#ifndef NVME_REGS_H
#define NVME_REGS_H

#include <stdint.h>

/* ---- controller registers ------------------------------------------------ */

#define NVME_REG_CAP 0x00u
#define NVME_REG_VS 0x08u
#define NVME_REG_INTMS 0x0cu
#define NVME_REG_INTMC 0x10u
#define NVME_REG_CC 0x14u
#define NVME_REG_CSTS 0x1cu
#define NVME_REG_NSSR 0x20u
#define NVME_REG_AQA 0x24u
#define NVME_REG_ASQ 0x28u
#define NVME_REG_ACQ 0x30u
#define NVME_REG_SQ0TDBL 0x1000u /* the first doorbell */
#define NVME_REGS_SIZE 0x1000u   /* the registers before the doorbells */

/* CAP */
#define NVME_CAP_MQES(cap) ((uint32_t)((cap)&0xffff))        /* max queue entries, 0's based */
#define NVME_CAP_CQR(cap) ((uint32_t)((cap) >> 16 & 1))      /* contiguous queues required */
#define NVME_CAP_TO(cap) ((uint32_t)((cap) >> 24 & 0xff))    /* timeout, 500 ms units */
#define NVME_CAP_DSTRD(cap) ((uint32_t)((cap) >> 32 & 0xf))  /* doorbell stride: 4 << DSTRD bytes */
#define NVME_CAP_NSSRS(cap) ((uint32_t)((cap) >> 36 & 1))    /* NVM subsystem reset supported */
#define NVME_CAP_CSS(cap) ((uint32_t)((cap) >> 37 & 0xff))   /* command sets supported */
#define NVME_CAP_MPSMIN(cap) ((uint32_t)((cap) >> 48 & 0xf)) /* page size 2^(12 + MPSMIN) */
#define NVME_CAP_MPSMAX(cap) ((uint32_t)((cap) >> 52 & 0xf))
#define NVME_CAP_CSS_NVM 0x01u    /* bit 0 of CSS: the NVM command set */
#define NVME_CAP_CSS_IOCS 0x40u   /* bit 6: one or more I/O command sets */
#define NVME_CAP_CSS_NOIOCS 0x80u /* bit 7: admin only */
#define NVME_CAP_TO_UNIT_MS 500u

/* VS */
#define NVME_VS_MJR(vs) ((vs) >> 16)
#define NVME_VS_MNR(vs) ((vs) >> 8 & 0xff)
#define NVME_VS_TER(vs) ((vs)&0xff)

/* CC */
#define NVME_CC_EN (1u << 0)
#define NVME_CC_CSS_NVM (0u << 4)
#define NVME_CC_MPS(shift) ((uint32_t)((shift)-12) << 7) /* memory page size 2^shift */
#define NVME_CC_AMS_RR (0u << 11)                        /* round robin arbitration */
#define NVME_CC_SHN_MASK (3u << 14)
#define NVME_CC_SHN_NORMAL (1u << 14)
#define NVME_CC_SHN_ABRUPT (2u << 14)
#define NVME_CC_IOSQES(log2) ((uint32_t)(log2) << 16)
#define NVME_CC_IOCQES(log2) ((uint32_t)(log2) << 20)

/* CSTS */
#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1) /* controller fatal status */
#define NVME_CSTS_SHST_MASK (3u << 2)
#define NVME_CSTS_SHST_DONE (2u << 2)
#define NVME_CSTS_NSSRO (1u << 4)

/* AQA: queue sizes, 0's based */
#define NVME_AQA(sq_entries, cq_entries) ((uint32_t)((sq_entries)-1) | (uint32_t)((cq_entries)-1) << 16)

/* ---- queue entries -------------------------------------------------------- */

#define NVME_SQES_LOG2 6 /* 64-byte submission entries */
#define NVME_CQES_LOG2 4 /* 16-byte completion entries */

/* Submission queue entry (common command format). */
typedef struct nvme_sqe {
    uint8_t opc;       /* CDW0 7:0 opcode */
    uint8_t flags;     /* CDW0 15:8: FUSE 9:8, PSDT 15:14 (0: PRPs) */
    uint16_t cid;      /* CDW0 31:16 command identifier */
    uint32_t nsid;
    uint32_t cdw2, cdw3;
    uint64_t mptr;     /* metadata pointer */
    uint64_t prp1;     /* data pointer: PRP entry 1 */
    uint64_t prp2;     /*               PRP entry 2 or PRP list pointer */
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
} nvme_sqe_t;
_Static_assert(sizeof(nvme_sqe_t) == 1u << NVME_SQES_LOG2, "submission queue entry is 64 bytes");

/* Completion queue entry. */
typedef struct nvme_cqe {
    uint32_t dw0;      /* command specific */
    uint32_t dw1;
    uint16_t sqhd;     /* SQ head pointer: how far the controller has read */
    uint16_t sqid;
    uint16_t cid;
    uint16_t status;   /* bit 0 P (phase tag), 15:1 the status field */
} nvme_cqe_t;
_Static_assert(sizeof(nvme_cqe_t) == 1u << NVME_CQES_LOG2, "completion queue entry is 16 bytes");

/* The status field of a completion (status >> 1). */
#define NVME_CQE_P 0x0001u
#define NVME_SF_SC(sf) ((sf)&0xff)        /* status code */
#define NVME_SF_SCT(sf) ((sf) >> 8 & 0x7) /* status code type */
#define NVME_SF_CRD(sf) ((sf) >> 11 & 0x3)
#define NVME_SF_M(sf) ((sf) >> 13 & 1)    /* more: a log page has detail */
#define NVME_SF_DNR(sf) ((sf) >> 14 & 1)  /* do not retry */

/* Status code types */
#define NVME_SCT_GENERIC 0x0u
#define NVME_SCT_COMMAND 0x1u
#define NVME_SCT_MEDIA 0x2u
#define NVME_SCT_PATH 0x3u
#define NVME_SCT_VENDOR 0x7u

/* Generic command status (SCT 0) */
#define NVME_SC_SUCCESS 0x00u
#define NVME_SC_INVALID_OPCODE 0x01u
#define NVME_SC_INVALID_FIELD 0x02u
#define NVME_SC_CID_CONFLICT 0x03u
#define NVME_SC_DATA_XFER_ERROR 0x04u
#define NVME_SC_POWER_LOSS 0x05u
#define NVME_SC_INTERNAL 0x06u
#define NVME_SC_ABORT_REQ 0x07u
#define NVME_SC_ABORT_SQ_DELETION 0x08u
#define NVME_SC_FUSED_FAIL 0x09u
#define NVME_SC_FUSED_MISSING 0x0au
#define NVME_SC_INVALID_NS 0x0bu /* invalid namespace or format */
#define NVME_SC_CMD_SEQ_ERROR 0x0cu
#define NVME_SC_INVALID_SGL_SEG 0x0du
#define NVME_SC_INVALID_PRP_OFFSET 0x13u
#define NVME_SC_LBA_RANGE 0x80u   /* LBA out of range */
#define NVME_SC_CAP_EXCEEDED 0x81u
#define NVME_SC_NS_NOT_READY 0x82u
#define NVME_SC_RESERVATION_CONFLICT 0x83u
#define NVME_SC_FORMAT_IN_PROGRESS 0x84u

/* Command specific status (SCT 1) */
#define NVME_SC_CQ_INVALID 0x00u
#define NVME_SC_QID_INVALID 0x01u
#define NVME_SC_QUEUE_SIZE 0x02u
#define NVME_SC_ABORT_LIMIT 0x03u
#define NVME_SC_INVALID_VECTOR 0x08u
#define NVME_SC_INVALID_LOG_PAGE 0x09u
#define NVME_SC_INVALID_FORMAT 0x0au
#define NVME_SC_INVALID_QUEUE_DELETION 0x0cu
#define NVME_SC_FEATURE_NOT_SAVEABLE 0x0du
#define NVME_SC_FEATURE_NOT_CHANGEABLE 0x0eu
#define NVME_SC_CONFLICTING_ATTRS 0x80u /* I/O command set specific, NVM */
#define NVME_SC_INVALID_PI 0x81u
#define NVME_SC_READ_ONLY 0x82u         /* attempted write to read only range */

/* Media and data integrity errors (SCT 2) */
#define NVME_SC_WRITE_FAULT 0x80u
#define NVME_SC_UNRECOVERED_READ 0x81u
#define NVME_SC_GUARD_CHECK 0x82u
#define NVME_SC_APPTAG_CHECK 0x83u
#define NVME_SC_REFTAG_CHECK 0x84u
#define NVME_SC_COMPARE_FAILED 0x85u
#define NVME_SC_ACCESS_DENIED 0x86u
#define NVME_SC_UNWRITTEN_BLOCK 0x87u

/* ---- commands ------------------------------------------------------------- */

/* Admin opcodes */
#define NVME_ADMIN_DELETE_SQ 0x00u
#define NVME_ADMIN_CREATE_SQ 0x01u
#define NVME_ADMIN_GET_LOG_PAGE 0x02u
#define NVME_ADMIN_DELETE_CQ 0x04u
#define NVME_ADMIN_CREATE_CQ 0x05u
#define NVME_ADMIN_IDENTIFY 0x06u
#define NVME_ADMIN_ABORT 0x08u
#define NVME_ADMIN_SET_FEATURES 0x09u
#define NVME_ADMIN_GET_FEATURES 0x0au
#define NVME_ADMIN_ASYNC_EVENT 0x0cu
#define NVME_ADMIN_DBBUF_CONFIG 0x7cu /* Doorbell Buffer Config */

/* NVM command set opcodes */
#define NVME_NVM_FLUSH 0x00u
#define NVME_NVM_WRITE 0x01u
#define NVME_NVM_READ 0x02u
#define NVME_NVM_WRITE_ZEROES 0x08u
#define NVME_NVM_DSM 0x09u /* Dataset Management */

/* Create I/O Completion / Submission Queue, CDW10 and CDW11 */
#define NVME_QUEUE_CDW10(qid, entries) ((uint32_t)(qid) | (uint32_t)((entries)-1) << 16)
#define NVME_CQ_PC (1u << 0)  /* physically contiguous */
#define NVME_CQ_IEN (1u << 1) /* interrupts enabled */
#define NVME_CQ_IV(v) ((uint32_t)(v) << 16)
#define NVME_SQ_PC (1u << 0)
#define NVME_SQ_CQID(id) ((uint32_t)(id) << 16)

/* Identify, CDW10 CNS */
#define NVME_CNS_NS 0x00u
#define NVME_CNS_CTRL 0x01u
#define NVME_CNS_NS_ACTIVE_LIST 0x02u
#define NVME_IDENTIFY_SIZE 4096u

/* Set/Get Features, CDW10 FID */
#define NVME_FEAT_NUM_QUEUES 0x07u
#define NVME_FEAT_VOLATILE_WC 0x06u

/* Read / Write, CDW12 */
#define NVME_RW_NLB(n) ((uint32_t)((n)-1) & 0xffff) /* number of logical blocks, 0's based */
#define NVME_RW_FUA (1u << 30)
#define NVME_RW_MAX_BLOCKS 65536u

/* Dataset Management: CDW10 NR (ranges, 0's based), CDW11 attributes */
#define NVME_DSM_AD (1u << 2) /* deallocate */
typedef struct nvme_dsm_range {
    uint32_t cattr;  /* context attributes */
    uint32_t nlb;    /* length in logical blocks */
    uint64_t slba;   /* starting LBA */
} nvme_dsm_range_t;
_Static_assert(sizeof(nvme_dsm_range_t) == 16, "DSM range is 16 bytes");

/* ---- Identify data -------------------------------------------------------- */

/* Identify Controller (CNS 01h): byte offsets */
#define NVME_IDC_VID 0
#define NVME_IDC_SSVID 2
#define NVME_IDC_SN 4    /* 20 ASCII bytes, space padded */
#define NVME_IDC_MN 24   /* 40 */
#define NVME_IDC_FR 64   /* 8 */
#define NVME_IDC_MDTS 77 /* max data transfer size: 2^MDTS units of CAP.MPSMIN; 0 no limit */
#define NVME_IDC_CNTLID 78
#define NVME_IDC_VER 80
#define NVME_IDC_OACS 256
#define NVME_IDC_SQES 512
#define NVME_IDC_CQES 513
#define NVME_IDC_NN 516  /* number of namespaces (the highest nsid) */
#define NVME_IDC_ONCS 520
#define NVME_IDC_VWC 525
#define NVME_IDC_SN_LEN 20
#define NVME_IDC_MN_LEN 40
#define NVME_IDC_FR_LEN 8

/* OACS bits */
#define NVME_OACS_SECURITY (1u << 0)
#define NVME_OACS_FORMAT (1u << 1)
#define NVME_OACS_FW (1u << 2)
#define NVME_OACS_NS_MGMT (1u << 3)
#define NVME_OACS_DBBUF (1u << 8) /* Doorbell Buffer Config */

/* ONCS bits */
#define NVME_ONCS_COMPARE (1u << 0)
#define NVME_ONCS_WRITE_UNCOR (1u << 1)
#define NVME_ONCS_DSM (1u << 2)
#define NVME_ONCS_WRITE_ZEROES (1u << 3)

/* VWC */
#define NVME_VWC_PRESENT (1u << 0)

/* Identify Namespace (CNS 00h): byte offsets */
#define NVME_IDNS_NSZE 0   /* size in logical blocks */
#define NVME_IDNS_NCAP 8
#define NVME_IDNS_NUSE 16
#define NVME_IDNS_NSFEAT 24
#define NVME_IDNS_NLBAF 25 /* number of LBA formats, 0's based */
#define NVME_IDNS_FLBAS 26 /* formatted LBA size: 3:0 format index (6:5 high bits), 4 extended metadata */
#define NVME_IDNS_DLFEAT 33
#define NVME_IDNS_LBAF0 128 /* LBA format n at 128 + 4n: MS 15:0, LBADS 23:16, RP 25:24 */
#define NVME_LBAF_MS(f) ((f)&0xffff)
#define NVME_LBAF_LBADS(f) ((f) >> 16 & 0xff)
#define NVME_FLBAS_INDEX(flbas) (((flbas)&0xf) | ((flbas) >> 5 & 0x3) << 4)
#define NVME_FLBAS_EXT_META (1u << 4)

/* The active namespace list (CNS 02h): up to 1024 nsids, ascending, 0 ends it. */
#define NVME_NS_LIST_MAX 1024u

#endif
