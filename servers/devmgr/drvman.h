/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Driver manifests (docs/devmgr.md): one small text file per driver, e.g.
 * drivers-user/edu/edu.driver, read by devmgr from the boot modules named
 * *.driver. It says which PCI functions the driver takes (vendor:device,
 * or class [subclass [prog-if]]), what it gets beyond its device and how
 * devmgr restarts it:
 *
 *     driver  edu
 *         program edu
 *         match   pci 1234:11e8
 *         match   class 0x01 0x08 0x02     # or by class
 *         dma
 *         provide edu
 *         connect console blk*           # the services it may use
 *         restart backoff 100ms 5s limit 5
 *
 * Pure C11 without library calls: devmgr and the host tests
 * (tests/host/test_drvman.c) build the same code. The text is untrusted;
 * the first problem stops the parse with one message "LINE: ...".
 */
#ifndef DEVMGR_DRVMAN_H
#define DEVMGR_DRVMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DRVMAN_NAME_MAX 31
#define DRVMAN_ARGS_MAX 255
#define DRVMAN_MATCH_MAX 8
#define DRVMAN_TEXT_MAX 16384u
#define DRVMAN_ERR_MAX 96
#define DRVMAN_SERVICES_MAX 8 /* entries of provide lines, and of connect lines */
#define DRVMAN_LIST_MAX 255   /* 8 names of 31 characters, single-spaced */

enum drvman_match_kind { DRVMAN_MATCH_ID = 1, DRVMAN_MATCH_CLASS = 2 };

typedef struct drvman_match {
    uint8_t kind;       /* enum drvman_match_kind */
    uint8_t nclass;     /* DRVMAN_MATCH_CLASS: 1 class, 2 + subclass, 3 + prog-if */
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if;
} drvman_match_t;

typedef struct drvman {
    char name[DRVMAN_NAME_MAX + 1];
    char program[DRVMAN_NAME_MAX + 1];
    char args[DRVMAN_ARGS_MAX + 1]; /* the words after `args`, single-spaced */
    drvman_match_t match[DRVMAN_MATCH_MAX];
    uint32_t nmatch;
    bool dma;                       /* grant a DMA resource */
    /* The services it may publish and connect to: names or prefix
     * patterns (NAME*, *), single-spaced, as ns.derive takes them; "" for
     * none. devmgr derives the driver's ns session with exactly these. */
    char provide[DRVMAN_LIST_MAX + 1];
    char connect[DRVMAN_LIST_MAX + 1];
    uint32_t nprovide, nconnect;
    bool restart;                   /* false: `restart never` */
    uint32_t backoff_min_ms, backoff_max_ms;
    uint32_t limit;                 /* restarts in a row before giving up; 0: never give up */
} drvman_t;

/* OK-like 0 with *out filled, or -1 with `err` holding "LINE: why". */
int drvman_parse(const char *text, size_t len, drvman_t *out, char err[DRVMAN_ERR_MAX]);

/* Does the manifest take this function? */
bool drvman_matches(const drvman_t *m, uint16_t vendor, uint16_t device, uint8_t class_code, uint8_t subclass,
                    uint8_t prog_if);

#endif
