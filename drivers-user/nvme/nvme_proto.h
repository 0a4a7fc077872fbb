/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The pure part of the NVMe driver: building commands (read, write, flush,
 * Dataset Management, the admin commands), laying data pointers out as
 * PRP entries and PRP lists, reading Identify data, deciding whether a
 * shadow doorbell update needs the MMIO doorbell too, and naming and
 * mapping completion status codes. No system calls and no device access,
 * so the host tests (tests/host/test_nvme_proto.c) run it as it is.
 *
 * PRPs with a 4 KiB memory page size (CC.MPS 0), transfers starting at a
 * page boundary:
 *   1 page      PRP1 = page 0, PRP2 = 0
 *   2 pages     PRP1 = page 0, PRP2 = page 1
 *   n > 2 pages PRP1 = page 0, PRP2 = a PRP list holding pages 1..n-1
 * The list lives in one page-contained area (no chained lists), so
 * n - 1 <= list entries <= 512.
 */
#ifndef NVME_PROTO_H
#define NVME_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nvme_regs.h"

#define NVME_PAGE 4096u
#define NVME_PAGE_SHIFT 12u
#define NVME_NAME_MAX 16u

/* Identify Controller, the fields the driver uses. */
typedef struct nvme_ident {
    char model[NVME_IDC_MN_LEN + 1];  /* trailing spaces removed */
    char serial[NVME_IDC_SN_LEN + 1];
    char firmware[NVME_IDC_FR_LEN + 1];
    uint8_t mdts;
    uint16_t cntlid;
    uint16_t oacs, oncs;
    uint8_t vwc;
    uint32_t nn;
    uint32_t ver;
} nvme_ident_t;

typedef struct nvme_ns {
    uint32_t nsid;
    uint64_t nblocks;         /* NSZE */
    uint32_t block_size;      /* bytes, 512..4096 */
    uint32_t lba_shift;
    bool usable;              /* false: a format this driver does not handle */
    char name[NVME_NAME_MAX]; /* "nvme0n1": controller index, namespace id */
} nvme_ns_t;

/* Completion status (the 15-bit status field, cqe.status >> 1). */
int nvme_status_error(uint16_t sf);
const char *nvme_status_name(uint16_t sf);

/* Shadow doorbells: after the host moved a doorbell value from `old` to
 * `new_` (indexes into a queue of `depth` entries) with the device's event
 * index at `ei`, must it also write the MMIO doorbell? True when ei lies in
 * [old, new_) going round the queue: the device asked to hear about the
 * entry it will look for next. */
bool nvme_need_event(uint16_t ei, uint16_t new_, uint16_t old, uint16_t depth);

/* The PRP entries of a transfer of `bytes` from `pages` (npages physical
 * page addresses) into sqe->prp1/prp2, writing list entries to `list`
 * (`list_max` entries, at physical `list_phys`) when more than two pages
 * are needed. ERR_INVALID_ARGS: bytes 0, a page not 4 KiB aligned (or 0);
 * ERR_BUFFER_TOO_SMALL: fewer pages than bytes need; ERR_OUT_OF_RANGE: more
 * than the list holds. */
int nvme_prp_setup(nvme_sqe_t *sqe, uint64_t bytes, const uint64_t *pages, size_t npages, uint64_t *list,
                   uint64_t list_phys, uint32_t list_max);

/* Commands (the CID is the queue's to fill). */
void nvme_sqe_rw(nvme_sqe_t *sqe, uint8_t opc, uint32_t nsid, uint64_t lba, uint32_t nblocks);
void nvme_sqe_flush(nvme_sqe_t *sqe, uint32_t nsid);
/* One deallocate range, written to `range` (at physical range_phys). */
void nvme_sqe_discard(nvme_sqe_t *sqe, uint32_t nsid, uint64_t lba, uint32_t nblocks, nvme_dsm_range_t *range,
                      uint64_t range_phys);
void nvme_sqe_identify(nvme_sqe_t *sqe, uint32_t cns, uint32_t nsid, uint64_t buf_phys);
void nvme_sqe_set_num_queues(nvme_sqe_t *sqe, uint32_t nqueues);
void nvme_sqe_create_cq(nvme_sqe_t *sqe, uint16_t qid, uint16_t entries, uint64_t phys, uint16_t vector);
void nvme_sqe_create_sq(nvme_sqe_t *sqe, uint16_t qid, uint16_t entries, uint64_t phys, uint16_t cqid);
void nvme_sqe_dbbuf_config(nvme_sqe_t *sqe, uint64_t shadow_phys, uint64_t eventidx_phys);

/* The queue pairs a Set Features (Number of Queues) completion granted:
 * the smaller of submission and completion queues (dw0 holds both, 0's based). */
uint32_t nvme_granted_queues(uint32_t dw0);

/* Identify data (4096 bytes) into the driver's view. */
void nvme_parse_ctrl(const uint8_t *data, nvme_ident_t *out);
/* Identify Namespace into *out (nsid set by the caller). NULL when usable,
 * else why not (for the log). */
const char *nvme_parse_ns(const uint8_t *data, nvme_ns_t *out);

/* Bytes per command: MDTS (units of the minimum page size 2^(12 +
 * CAP.MPSMIN), 0 no limit) capped at `cap_bytes`; at least one page. */
uint32_t nvme_max_transfer(uint64_t cap, uint8_t mdts, uint32_t cap_bytes);

#endif
