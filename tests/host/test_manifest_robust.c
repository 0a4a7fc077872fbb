/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the manifest parser (servers/init/manifest.c, format in
 * docs/manifest.md): the interface's edges, and robustness: every prefix
 * of a manifest using every keyword, and thousands of deterministic random
 * mutations of it, which must never crash (ASan/UBSan) and, when accepted,
 * satisfy the invariants manifest.h promises. The harness is in
 * manifest_fixture.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

/* ---- the interface ------------------------------------------------------ */

TEST(interface_edges)
{
    CHECK_EQ(manifest_parse("component a\nprogram a\n", 22, NULL, capture, &R), ERR_INVALID_ARGS);
    memset(&R, 0, sizeof R);
    CHECK_EQ(manifest_parse(NULL, 0, NULL, capture, &R), ERR_INVALID_ARGS);
    CHECK_EQ(R.n, 0);

    memset(&M, 0xa5, sizeof M);
    CHECK_EQ(manifest_parse(NULL, 10, &M, capture, &R), ERR_CORRUPT);
    CHECK(R.n == 1 && strcmp(R.msg[0], "manifest: NULL text") == 0);
    CHECK(all_zero(&M, sizeof M));
    memset(&R, 0, sizeof R);
    CHECK_EQ(manifest_parse(NULL, 0, &M, capture, &R), ERR_CORRUPT);
    CHECK(R.n == 1 && strcmp(R.msg[0], "manifest: no components") == 0);

    /* No report function: the same verdicts, silently. */
    CHECK_EQ(manifest_parse("component a\nprogram a\n", 22, &M, NULL, NULL), OK);
    CHECK_EQ(M.ncomp, 1);
    CHECK_EQ(manifest_parse("component a\n", 12, &M, NULL, NULL), ERR_CORRUPT);
    CHECK(all_zero(&M, sizeof M));
    CHECK_EQ(manifest_parse(NULL, 1, &M, NULL, NULL), ERR_CORRUPT);

    /* A refused parse after an accepted one leaves nothing of the first. */
    REQUIRE(accepted(EXAMPLE));
    CHECK_EQ(manifest_parse("component a\nprogram a\nafter a\n", 30, &M, NULL, NULL), ERR_CORRUPT);
    CHECK(all_zero(&M, sizeof M));
}

/* ---- robustness --------------------------------------------------------- */

/* Every keyword and most forms, for the sweeps below. */
static const char FULL[] =
    "# every keyword\r\n"
    "component lonely\n"
    "\tprogram hello   # a comment\n"
    "\targs a#b -x 0x10\n"
    "component shell\n"
    "  program shell\n"
    "  after proc pci\n"
    "  connect *\n"
    "  restart always\n"
    "component ns\n"
    "  program ns\n"
    "  provide ns\n"
    "  restart on-failure\n"
    "component console\n"
    "  program console\n"
    "  args -v --baud 115200\n"
    "  ioport 0x3f8 8 as com1\n"
    "  irq isa 4 as com1-irq\n"
    "  provide console tty\n"
    "  restart always backoff 10ms 2s limit 5\n"
    "component pci\n"
    "  program pci\n"
    "  mmio 0xb0000000 0x10000000 as ecam\n"
    "  irq gsi 16 8\n"
    "  irq gsi 9 as sci\n"
    "  dma\n"
    "  module pci.ids\n"
    "  module vendors as v\n"
    "  provide pci\n"
    "  connect console blk*\n"
    "  after console\n"
    "component proc\n"
    "  program proc\n"
    "  module *\n"
    "  provide proc\n"
    "  connect console\n"
    "  restart on-failure limit 3 backoff 1ms 1ms\n";

TEST(full_manifest)
{
    REQUIRE(accepted(FULL));
    CHECK_INVARIANTS(&M);
    CHECK(order_is((const uint8_t[]){ 0, 2, 3, 4, 5, 1 }, 6));
    CHECK(strcmp(M.comp[0].args, "a#b -x 0x10") == 0);
    CHECK_EQ(M.comp[4].nhandles, 6);
    CHECK_EQ(M.comp[4].after_mask, 1u << 2 | 1u << 3);
    CHECK_EQ(M.comp[1].after_mask, 1u << 2 | 1u << 4 | 1u << 5);
}

/* Every prefix of FULL: never a crash, one report or a sound result. */
TEST(truncation_sweep)
{
    size_t n = strlen(FULL), ok = 0;
    for (size_t len = 0; len <= n; len++) {
        int err = parse_n(FULL, len);
        if (err == OK) {
            ok++;
            const char *e = invariants(&M);
            if (e)
                printf("    prefix %zu: invariant broken: %s\n", len, e);
            CHECK(e == NULL && R.n == 0);
        } else {
            CHECK(err == ERR_CORRUPT && R.n == 1 && strncmp(R.msg[0], "manifest:", 9) == 0);
            CHECK(all_zero(&M, sizeof M));
        }
        if (check_failed_now) {
            printf("    at prefix length %zu\n", len);
            return;
        }
    }
    CHECK(ok > 20); /* many prefixes end between complete lines */
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t rng_below(size_t n)
{
    return n ? (size_t)(rng() % n) : 0;
}

static const char *const PIECES[] = {
    "\n", "\r\n", " ", "\t", "#", "*", "0", "0x", "9", "f", "-", ".", "as", " as x", "\ncomponent z\nprogram z\n",
    "component", "program", "args", "after", "restart", "ioport", "mmio", "irq", "isa", "gsi", "dma", "module",
    "provide", "connect", "never", "on-failure", "always", "backoff", "limit", "ms", "s", "ns", "console", "pci",
    "proc", "shell", "lonely", "after ns", "after shell", "after lonely", "provide ns", "connect x", "0xffffffffffffffff",
    "18446744073709551616", "4294967296", "65535", "0x10000", "256", "15", "16", "3600s", "0ms",
    "abcdefghijklmnopqrstuvwxyz0123456789", "\0", "\xff", "\x80", "\r", "\x7f",
};

/* One random edit of buf[0..*len) (capacity cap). */
static void mutate(char *buf, size_t *len, size_t cap)
{
    size_t at = rng_below(*len + 1);
    switch (rng_below(5)) {
    case 0: /* overwrite a byte */
        if (*len)
            buf[rng_below(*len)] = rng_below(4) ? "\n #*0x9az-.\t\r"[rng_below(13)] : (char)rng();
        break;
    case 1: { /* insert a piece */
        size_t p = rng_below(sizeof PIECES / sizeof PIECES[0]);
        size_t n = PIECES[p][0] ? strlen(PIECES[p]) : 1;
        if (*len + n <= cap) {
            memmove(buf + at + n, buf + at, *len - at);
            memcpy(buf + at, PIECES[p], n);
            *len += n;
        }
        break;
    }
    case 2: { /* delete a span */
        size_t n = rng_below(24) + 1;
        if (at + n > *len)
            n = *len - at;
        memmove(buf + at, buf + at + n, *len - at - n);
        *len -= n;
        break;
    }
    case 3: { /* copy a span elsewhere (duplicate lines, names) */
        size_t from = rng_below(*len), n = rng_below(40) + 1;
        if (from + n > *len)
            n = *len - from;
        if (*len + n <= cap) {
            char tmp[64];
            memcpy(tmp, buf + from, n);
            memmove(buf + at + n, buf + at, *len - at);
            memcpy(buf + at, tmp, n);
            *len += n;
        }
        break;
    }
    default: /* change a digit */
        for (size_t k = 0; k < *len; k++) {
            size_t i = (at + k) % (*len ? *len : 1);
            if (*len && buf[i] >= '0' && buf[i] <= '9') {
                buf[i] = (char)('0' + rng_below(10));
                break;
            }
        }
        break;
    }
}

/* Deterministic random edits of FULL: never a crash, one report or a
 * sound result, and the same verdict when parsed again. */
TEST(random_mutations)
{
    enum { ROUNDS = 6000 };
    static char buf[sizeof FULL + 1024];
    size_t ok = 0;
    rng_state = 0x5eed0f4d15c0ffeeull;
    for (int round = 0; round < ROUNDS; round++) {
        size_t len = strlen(FULL);
        memcpy(buf, FULL, len);
        int edits = 1 + (int)rng_below(round % 3 == 0 ? 8 : 3);
        for (int e = 0; e < edits; e++)
            mutate(buf, &len, sizeof buf);
        int err = parse_n(buf, len);
        if (err == OK) {
            ok++;
            const char *e = invariants(&M);
            if (e)
                printf("    round %d: invariant broken: %s\n", round, e);
            CHECK(e == NULL && R.n == 0);
            static manifest_t again;
            again = M;
            CHECK(parse_n(buf, len) == OK && memcmp(&again, &M, sizeof M) == 0);
        } else {
            CHECK(err == ERR_CORRUPT && R.n == 1 && strncmp(R.msg[0], "manifest:", 9) == 0);
            CHECK(strlen(R.msg[0]) < 256);
            CHECK(all_zero(&M, sizeof M));
        }
        if (check_failed_now) {
            printf("    at round %d (%zu bytes)\n", round, len);
            return;
        }
    }
    printf("    %d mutations: %zu accepted, %zu refused\n", ROUNDS, ok, ROUNDS - ok);
    CHECK(ok > ROUNDS / 20 && ok < ROUNDS - ROUNDS / 20); /* both verdicts exercised */
}

int main(void)
{
    return RUN_TESTS();
}
