/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blktest unitdrv MODE (blktest.h): a block driver on the block driver
 * library (cairn/blkdrv.h) with several units, for the library's own
 * refusals and its promises to a driver of several devices. Unit i is
 * 8 + i blocks of 512 << (i % 4) bytes (max transfer 4 blocks), the depth
 * is 4, requests are done at once:
 *
 *   api       init checks every refusal of blkdrv_add_unit, then adds
 *             units up to BLKDRV_MAX_UNITS, named "fk-%un0" ... "fk-%un15"
 *             (fk-0n0 ... with nothing else running). The first request
 *             checks what the library says after init: the units' names
 *             and shared fields, and that blkdrv_add_unit now refuses
 *             with ERR_BAD_STATE.
 *   numbered  units "fk-%un16" and "fk-%un1": with api running, fk-0n16 is
 *             free but fk-0n1 is not, so the driver's number is 1 for both
 *   taken     units "fk-taken" and "fk-0n3" (api's): the second cannot be
 *             published
 *   denied    units "fk-denied" and "nope", which its ns session may not
 *             publish
 *   late-dup  unit 1 "fk-late" added, then unit 0 named the same
 *
 * Every request is checked against its own unit; a broken promise prints
 * "blktest: FAIL unitdrv: ..." (forbidden in blk.test) and fails the
 * request with ERR_INTERNAL.
 */
#include <stdlib.h>
#include <string.h>

#include "blktest.h"
#include "cairn/blkdrv.h"
#include "cairn/errors.h"

#define UD_UNITS BLKDRV_MAX_UNITS
#define UD_DEPTH 4u

typedef struct unitdrv {
    const char *mode;
    uint8_t *mem[UD_UNITS];
    bool checked_after_init;
} unitdrv_t;

uint32_t blktest_unitdrv_bs(uint32_t unit) { return 512u << (unit % 4); }
uint64_t blktest_unitdrv_blocks(uint32_t unit) { return 8 + unit; }

static int ud_fail(int line, const char *what)
{
    printf("blktest: FAIL unitdrv: line %d: %s\n", line, what);
    return ERR_INTERNAL;
}
#define UD_CHECK(c)                                                             \
    do {                                                                        \
        if (!(c))                                                               \
            return ud_fail(__LINE__, #c);                                       \
    } while (0)

static blkdrv_geometry_t ud_geometry(uint32_t unit, const char *name)
{
    blkdrv_geometry_t g;
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "%s", name);
    g.block_size = blktest_unitdrv_bs(unit);
    g.block_count = blktest_unitdrv_blocks(unit);
    g.max_transfer = 4 * g.block_size;
    snprintf(g.model, sizeof g.model, "unitdrv");
    snprintf(g.serial, sizeof g.serial, "U%u", unit);
    return g;
}

/* Each refusal of blkdrv_add_unit for a bad geometry; nothing is added.
 * Unit 0 is named already. */
static int ud_refusals(blkdrv_t *b)
{
    static const char *const names[] = {"", "bad name", "fk-%d", "fk-%u%u", "fk-%s", ".fk", "-fk", "fk-%", "fk/x"};
    const blkdrv_geometry_t good = ud_geometry(1, "fk-x");
    blkdrv_geometry_t bad[24];
    uint32_t n = 0;
    bad[n] = good, bad[n++].queue_depth = 4; /* the driver's fields are the first unit's */
    bad[n] = good, bad[n++].queues = 2;
    bad[n] = good, bad[n++].dma = true;
    bad[n] = good, bad[n++].timeout_ns = 1;
    bad[n] = good, bad[n++].poll_ns = 1;
    bad[n] = good, bad[n++].block_size = 1000;
    bad[n] = good, bad[n++].block_size = 256;
    bad[n] = good, bad[n++].block_size = 131072;
    bad[n] = good, bad[n++].block_count = 0;
    bad[n] = good, bad[n++].max_transfer = good.block_size + 1;
    bad[n] = good, bad[n++].max_transfer = good.block_size / 2;
    bad[n] = good, bad[n++].flags = 0x80;
    for (uint32_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        bad[n] = good;
        snprintf(bad[n++].name, sizeof good.name, "%s", names[i]);
    }
    UD_CHECK(blkdrv_units(b) == 1);
    UD_CHECK(blkdrv_unit_geometry(b, 0) != NULL);
    UD_CHECK(blkdrv_unit_geometry(b, 1) == NULL);
    UD_CHECK(blkdrv_add_unit(b, NULL) == ERR_INVALID_ARGS);
    UD_CHECK(blkdrv_add_unit(NULL, &good) == ERR_INVALID_ARGS);
    for (uint32_t i = 0; i < n; i++) {
        if (blkdrv_add_unit(b, &bad[i]) != ERR_INVALID_ARGS) {
            printf("blktest: FAIL unitdrv: bad geometry %u was not refused\n", i);
            return ERR_INTERNAL;
        }
    }
    blkdrv_geometry_t twin = ud_geometry(1, blkdrv_unit_geometry(b, 0)->name);
    UD_CHECK(blkdrv_add_unit(b, &twin) == ERR_ALREADY_EXISTS);
    UD_CHECK(blkdrv_units(b) == 1);
    return OK;
}

static int ud_init(blkdrv_t *b, blkdrv_geometry_t *geo)
{
    unitdrv_t *u = blkdrv_ctx(b);
    static const struct {
        const char *mode, *first, *second;
    } pairs[] = {
        {"numbered", "fk-%un16", "fk-%un1"},
        {"taken", "fk-taken", "fk-0n3"},
        {"denied", "fk-denied", "nope"},
    };
    int err;
    geo->queue_depth = UD_DEPTH;
    if (strcmp(u->mode, "late-dup") == 0) {
        blkdrv_geometry_t g = ud_geometry(1, "fk-late");
        UD_CHECK(blkdrv_add_unit(b, &g) == 1);
        *geo = ud_geometry(0, "fk-late"); /* the library finds the twin after init */
        return OK;
    }
    for (uint32_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (strcmp(u->mode, pairs[i].mode) != 0)
            continue;
        *geo = ud_geometry(0, pairs[i].first);
        geo->queue_depth = UD_DEPTH;
        blkdrv_geometry_t g = ud_geometry(1, pairs[i].second);
        UD_CHECK(blkdrv_add_unit(b, &g) == 1);
    }
    if (strcmp(u->mode, "api") == 0) {
        char name[32];
        *geo = ud_geometry(0, "fk-%un0");
        geo->queue_depth = UD_DEPTH;
        if ((err = ud_refusals(b)) != OK)
            return err;
        for (uint32_t i = 1; i < UD_UNITS; i++) {
            snprintf(name, sizeof name, "fk-%%un%u", i);
            blkdrv_geometry_t g = ud_geometry(i, name);
            UD_CHECK(blkdrv_add_unit(b, &g) == (int)i);
            if (i + 1 < UD_UNITS)
                UD_CHECK(blkdrv_add_unit(b, &g) == ERR_ALREADY_EXISTS); /* its twin */
        }
        blkdrv_geometry_t more = ud_geometry(1, "fk-more");
        UD_CHECK(blkdrv_add_unit(b, &more) == ERR_NO_RESOURCES);
        UD_CHECK(blkdrv_units(b) == UD_UNITS);
    }
    for (uint32_t i = 0; i < blkdrv_units(b); i++) {
        u->mem[i] = calloc(blktest_unitdrv_blocks(i), blktest_unitdrv_bs(i));
        UD_CHECK(u->mem[i] != NULL);
    }
    return OK;
}

/* After init: the names as published, the driver's fields in every unit,
 * and no more units. */
static int ud_after_init(blkdrv_t *b)
{
    unitdrv_t *u = blkdrv_ctx(b);
    bool numbered = strcmp(u->mode, "numbered") == 0;
    uint32_t n = numbered ? 2 : UD_UNITS;
    blkdrv_geometry_t g = ud_geometry(1, "fk-late");
    UD_CHECK(blkdrv_add_unit(b, &g) == ERR_BAD_STATE);
    UD_CHECK(blkdrv_units(b) == n);
    UD_CHECK(blkdrv_unit_geometry(b, n) == NULL);
    UD_CHECK(blkdrv_geometry(b) == blkdrv_unit_geometry(b, 0));
    for (uint32_t i = 0; i < n; i++) {
        const blkdrv_geometry_t *ug = blkdrv_unit_geometry(b, i);
        char want[32];
        if (numbered)
            snprintf(want, sizeof want, "%s", i == 0 ? "fk-1n16" : "fk-1n1");
        else
            snprintf(want, sizeof want, "fk-0n%u", i);
        UD_CHECK(ug != NULL && strcmp(ug->name, want) == 0);
        UD_CHECK(ug->block_size == blktest_unitdrv_bs(i) && ug->block_count == blktest_unitdrv_blocks(i));
        UD_CHECK(ug->queue_depth == UD_DEPTH && ug->queues == 1 && !ug->dma);
        UD_CHECK(ug->timeout_ns == BLKDRV_DEFAULT_TIMEOUT_NS && ug->poll_ns == BLKDRV_DEFAULT_POLL_NS);
    }
    return OK;
}

static int ud_submit(blkdrv_t *b, blkdrv_req_t *r)
{
    unitdrv_t *u = blkdrv_ctx(b);
    int err;
    if (!u->checked_after_init) {
        u->checked_after_init = true;
        if ((err = ud_after_init(b)) != OK)
            return err;
    }
    UD_CHECK(r->unit < UD_UNITS);
    uint32_t bs = blktest_unitdrv_bs(r->unit);
    uint64_t blocks = blktest_unitdrv_blocks(r->unit);
    uint8_t *at = u->mem[r->unit] + r->lba * bs;
    if (r->op != BLK_OP_FLUSH)
        UD_CHECK(r->lba < blocks && r->count <= blocks - r->lba);
    if (r->op == BLK_OP_READ || r->op == BLK_OP_WRITE)
        UD_CHECK(r->bytes == (uint64_t)r->count * bs && r->bytes <= 4 * bs);
    if (r->op == BLK_OP_READ)
        memcpy(r->va, at, r->bytes);
    else if (r->op == BLK_OP_WRITE)
        memcpy(at, r->va, r->bytes);
    blkdrv_complete(b, r, OK);
    return OK;
}

int blktest_unitdrv(const char *mode)
{
    static unitdrv_t u;
    static const blkdrv_ops_t ops = {.name = "unitdrv", .pci = false, .init = ud_init, .submit = ud_submit};
    static const char *const modes[] = {"api", "numbered", "taken", "denied", "late-dup"};
    bool known = false;
    for (uint32_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        known |= strcmp(mode, modes[i]) == 0;
    if (!known)
        return 2;
    u.mode = mode;
    return blkdrv_run(&ops, &u);
}
