/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for how a block driver's units share its queue depth
 * (libsys/src/blkdrv_share.c, docs/block.md "Several devices"): the rule at
 * its boundaries, then simulated drivers whose requests complete in random
 * order: the depth is never passed, one busy unit alone fills it, busy
 * units get even shares, and a unit that asks for little never waits long
 * behind a busy one.
 */
#include <string.h>

#include "blkdrv_share.h"
#include "check.h"

TEST(refusals)
{
    blkdrv_share_t u[2] = {{0, 0, 0}, {0, 0, 0}};
    CHECK(!blkdrv_share_may_start(u, 2, 2, 0, 8));   /* no such unit */
    CHECK(!blkdrv_share_may_start(u, 2, 99, 0, 8));
    CHECK(!blkdrv_share_may_start(u, 0, 0, 0, 8));
    CHECK(!blkdrv_share_may_start(u, 2, 0, 8, 8));   /* the driver is full */
    CHECK(!blkdrv_share_may_start(u, 2, 0, 9, 8));
    CHECK(!blkdrv_share_may_start(u, 2, 0, 0, 0));
    CHECK(blkdrv_share_may_start(u, 2, 0, 7, 8));
    CHECK(blkdrv_share_may_start(u, 2, 1, 0, 1));
}

TEST(one_unit_uses_the_whole_depth)
{
    blkdrv_share_t u[1] = {{0, 0, 0}};
    for (uint32_t at = 0; at < 8; at++) {
        u[0].at_driver = at;
        CHECK(blkdrv_share_may_start(u, 1, 0, at, 8));
    }
    u[0].at_driver = 8;
    CHECK(!blkdrv_share_may_start(u, 1, 0, 8, 8));
    /* Its own waiting does not limit it. */
    u[0] = (blkdrv_share_t){7, 3, 0};
    CHECK(blkdrv_share_may_start(u, 1, 0, 7, 8));
}

TEST(nobody_waiting_any_free_place)
{
    /* The other unit has requests out but waits for nothing. */
    blkdrv_share_t u[2] = {{6, 0, 0}, {1, 0, 0}};
    CHECK(blkdrv_share_may_start(u, 2, 0, 7, 8));
    CHECK(blkdrv_share_may_start(u, 2, 1, 7, 8));
    u[0].at_driver = 7;
    CHECK(!blkdrv_share_may_start(u, 2, 1, 8, 8));
}

TEST(fewer_waiting_elsewhere_refuses)
{
    /* Unit 1 waits with nothing out: unit 0 gets no place, unit 1 does. */
    blkdrv_share_t u[2] = {{1, 0, 0}, {0, 1, 0}};
    CHECK(!blkdrv_share_may_start(u, 2, 0, 1, 8));
    CHECK(blkdrv_share_may_start(u, 2, 1, 1, 8));
    /* Level: a tie refuses only the one that started last, one fewer
     * always. */
    u[1].at_driver = 1;
    CHECK(blkdrv_share_may_start(u, 2, 0, 2, 8));
    u[0].last = 10;
    u[1].last = 9;
    CHECK(!blkdrv_share_may_start(u, 2, 0, 2, 8));
    u[1].last = 11;
    CHECK(blkdrv_share_may_start(u, 2, 0, 2, 8));
    u[0].at_driver = 2;
    CHECK(!blkdrv_share_may_start(u, 2, 0, 3, 8));
    CHECK(blkdrv_share_may_start(u, 2, 1, 3, 8));
    /* The one with fewer is refused only by the full driver. */
    u[0].at_driver = 7;
    CHECK(!blkdrv_share_may_start(u, 2, 0, 8, 8));
    CHECK(!blkdrv_share_may_start(u, 2, 1, 8, 8));
    /* Unit 0 waits too: that does not hold it back. */
    u[0] = (blkdrv_share_t){3, 2, 0};
    u[1] = (blkdrv_share_t){5, 0, 0};
    CHECK(blkdrv_share_may_start(u, 2, 0, 8, 9));
    CHECK(!blkdrv_share_may_start(u, 2, 1, 8, 9));
}

TEST(only_waiting_units_count)
{
    /* Units 1 and 3 have fewer out but want no more: no refusal. */
    blkdrv_share_t u[4] = {{6, 0, 0}, {0, 0, 0}, {7, 1, 0}, {1, 0, 0}};
    CHECK(blkdrv_share_may_start(u, 4, 0, 14, 16));
    /* Unit 2 waits with more than unit 0: unit 0 is not refused either. */
    CHECK(blkdrv_share_may_start(u, 4, 1, 14, 16));
    /* Unit 2 itself: unit 0 has fewer but does not wait. */
    CHECK(blkdrv_share_may_start(u, 4, 2, 14, 16));
    /* Depth 1, two waiting with nothing out: whoever started longer ago. */
    blkdrv_share_t d[2] = {{0, 1, 3}, {0, 1, 2}};
    CHECK(!blkdrv_share_may_start(d, 2, 0, 0, 1));
    CHECK(blkdrv_share_may_start(d, 2, 1, 0, 1));
    d[1] = (blkdrv_share_t){1, 0, 4};
    CHECK(!blkdrv_share_may_start(d, 2, 0, 1, 1));
    CHECK(!blkdrv_share_may_start(d, 2, 1, 1, 1));
    /* Sixteen units of depth 1024, all waiting with 64 out, one with 63. */
    blkdrv_share_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = (blkdrv_share_t){64, 1, 0};
    m[9].at_driver = 63;
    for (uint32_t i = 0; i < 16; i++)
        CHECK(blkdrv_share_may_start(m, 16, i, 1023, 1024) == (i == 9));
}

/* ---- simulated drivers --------------------------------------------------- */

#define SIM_UNITS 4
#define SIM_CLIENTS 12
#define SIM_DEPTH_MAX 64

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The library's shape: clients, each of one unit, served in turn (the list
 * turns every pump); a client refused keeps its request (held) and its
 * unit counts as waiting until that request starts. */
typedef struct sim {
    uint32_t n, depth, total;
    blkdrv_share_t u[SIM_UNITS];
    uint32_t nclients;
    uint32_t unit_of[SIM_CLIENTS];
    uint64_t want[SIM_CLIENTS];    /* requests it still has (UINT64_MAX: endless) */
    bool held[SIM_CLIENTS];
    uint32_t slot[SIM_DEPTH_MAX];  /* the unit of each request at the driver */
    uint64_t started[SIM_UNITS];
    uint32_t first;                /* the client the pump serves first */
    uint64_t starts;
    bool broke;                    /* the depth was passed */
} sim_t;

static void sim_init(sim_t *s, uint32_t n, uint32_t depth)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->depth = depth;
}

static uint32_t sim_client(sim_t *s, uint32_t unit, uint64_t want)
{
    s->unit_of[s->nclients] = unit;
    s->want[s->nclients] = want;
    return s->nclients++;
}

static void sim_pump(sim_t *s)
{
    for (uint32_t k = 0; k < s->nclients; k++) {
        uint32_t c = (s->first + k) % s->nclients, i = s->unit_of[c];
        while (s->want[c] > 0) {
            if (!blkdrv_share_may_start(s->u, s->n, i, s->total, s->depth)) {
                if (!s->held[c])
                    s->u[i].waiting++;
                s->held[c] = true;
                break;
            }
            if (s->total >= s->depth) {
                s->broke = true;
                return;
            }
            if (s->held[c])
                s->u[i].waiting--;
            s->held[c] = false;
            s->u[i].at_driver++;
            s->u[i].last = ++s->starts;
            s->slot[s->total++] = i;
            s->started[i]++;
            if (s->want[c] != UINT64_MAX)
                s->want[c]--;
        }
    }
    s->first = (s->first + 1) % s->nclients;
}

/* `k` requests at the driver, at random, complete. */
static void sim_complete(sim_t *s, uint32_t k)
{
    for (; k > 0 && s->total > 0; k--) {
        uint32_t j = (uint32_t)(rnd() % s->total);
        s->u[s->slot[j]].at_driver--;
        s->slot[j] = s->slot[--s->total];
    }
}

TEST(sim_one_busy_unit_fills_the_driver)
{
    sim_t s;
    sim_init(&s, 3, 16);
    sim_client(&s, 1, UINT64_MAX);
    sim_client(&s, 1, UINT64_MAX);
    for (int step = 0; step < 10000; step++) {
        sim_pump(&s);
        CHECK_EQ(s.total, 16);
        CHECK_EQ(s.u[1].at_driver, 16);
        sim_complete(&s, 1 + (uint32_t)(rnd() % 16));
    }
    CHECK(!s.broke);
}

/* Busy units with 1, 2, 3... clients each get the same part of the
 * driver, whether one request or many complete at a time. */
TEST(sim_busy_units_share_evenly)
{
    static const uint32_t depths[] = {1, 2, 3, 5, 8, 31, 64};
    for (uint32_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        for (uint32_t n = 2; n <= SIM_UNITS; n++) {
            for (int batch = 0; batch < 2; batch++) {
                sim_t s;
                sim_init(&s, n, depths[d]);
                for (uint32_t i = 0; i < n; i++) {
                    for (uint32_t k = 0; k <= i; k++)
                        sim_client(&s, i, UINT64_MAX);
                }
                const int steps = 40000;
                uint64_t done = 0;
                for (int step = 0; step < steps; step++) {
                    sim_pump(&s);
                    CHECK(s.total <= s.depth);
                    uint32_t k = batch ? 1 + (uint32_t)(rnd() % s.depth) : 1;
                    done += k < s.total ? k : s.total;
                    sim_complete(&s, k);
                }
                CHECK(!s.broke);
                for (uint32_t i = 0; i < n; i++) {
                    /* Within 20% of an even part of what went through. */
                    double even = (double)done / n;
                    if (s.started[i] < 0.8 * even || s.started[i] > 1.2 * even) {
                        printf("  depth %u, %u units, batch %d: unit %u started %llu, even %.0f\n", depths[d], n,
                               batch, i, (unsigned long long)s.started[i], even);
                        CHECK(false);
                    }
                }
            }
        }
    }
}

/* A unit that keeps one request out at a time, next to a busy one with
 * three clients: the busy one keeps the rest of the depth, and the small
 * one never waits for more than one completion. */
TEST(sim_light_unit_not_starved)
{
    static const uint32_t depths[] = {2, 4, 8, 64};
    for (uint32_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        sim_t s;
        sim_init(&s, 2, depths[d]);
        for (int k = 0; k < 3; k++)
            sim_client(&s, 0, UINT64_MAX);
        uint32_t light = sim_client(&s, 1, 0);
        uint32_t waited = 0, longest = 0;
        for (int step = 0; step < 20000; step++) {
            if (s.u[1].at_driver == 0 && s.want[light] == 0)
                s.want[light] = 1;
            sim_pump(&s);
            waited = s.want[light] > 0 ? waited + 1 : 0;
            longest = waited > longest ? waited : longest;
            CHECK_EQ(s.total, s.depth); /* never an idle place */
            sim_complete(&s, 1);
        }
        CHECK(!s.broke);
        CHECK(longest <= 1);
        CHECK(s.started[1] > 20000 / (2 * depths[d])); /* its one request completes in ~depth steps */
    }
}

/* Clients coming and going at random: the depth is never passed and every
 * request is started in the end. */
TEST(sim_random_load)
{
    sim_t s;
    sim_init(&s, SIM_UNITS, 8);
    for (uint32_t c = 0; c < SIM_CLIENTS; c++)
        sim_client(&s, c % SIM_UNITS, 0);
    uint64_t asked = 0;
    for (int step = 0; step < 200000; step++) {
        uint32_t c = (uint32_t)(rnd() % SIM_CLIENTS);
        if (rnd() % 4 == 0) {
            uint64_t more = rnd() % 4; /* 0.375 a step, fewer than complete */
            s.want[c] += more;
            asked += more;
        }
        sim_pump(&s);
        CHECK(s.total <= s.depth);
        uint32_t sum = 0;
        for (uint32_t k = 0; k < SIM_UNITS; k++)
            sum += s.u[k].at_driver;
        CHECK_EQ(sum, s.total);
        if (rnd() % 3 != 0)
            sim_complete(&s, 1);
    }
    for (int step = 0; step < 1000000; step++) {
        uint64_t left = s.total;
        for (uint32_t c = 0; c < SIM_CLIENTS; c++)
            left += s.want[c];
        if (left == 0)
            break;
        sim_pump(&s);
        sim_complete(&s, 1);
    }
    CHECK(!s.broke);
    CHECK_EQ(s.started[0] + s.started[1] + s.started[2] + s.started[3], asked);
}

int main(void) { return RUN_TESTS(); }
