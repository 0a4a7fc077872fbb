/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The parse harness shared by the host tests of the manifest parser
 * (servers/init/manifest.c), test_manifest*.c: parses into M with the
 * reports in R, verdict helpers (accepted, refused), a text T built piece
 * by piece, the invariants manifest.h promises of an accepted manifest,
 * and the example of docs/manifest.md.
 *
 * Every parse reads from a heap copy of exactly `len` bytes, so a read past
 * the text is an ASan error, and starts from an output filled with garbage,
 * so a field the parser forgets to set shows.
 */
#ifndef TESTS_HOST_MANIFEST_FIXTURE_H
#define TESTS_HOST_MANIFEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../servers/init/manifest.h"

/* ---- harness ------------------------------------------------------------ */

typedef struct reports {
    int n;
    char msg[4][512];
} reports_t;

/* The result and the reports of the last parse. */
extern manifest_t M;
extern reports_t R;

/* The report function the harness parses with (ctx is a reports_t). */
void capture(void *ctx, const char *msg);
bool all_zero(const void *p, size_t n);

/* Parse into M and R; the parser's return code. */
int parse_n(const char *text, size_t len);
int parse(const char *text);

/* The text is refused with exactly this one report and a zeroed result. */
bool refused_n(const char *text, size_t len, const char *want);
bool refused(const char *text, const char *want);
/* The text is accepted without a report. */
bool accepted(const char *text);

/* A text built piece by piece, for the big cases. */
extern char T[MANIFEST_TEXT_MAX + 4096];
extern size_t TN;

void tclear(void);
__attribute__((format(printf, 1, 2))) void tput(const char *fmt, ...);

const manifest_cap_t *cap_of(const manifest_t *m, size_t c, size_t k);

#define CHECK_CAP(m, c, k, kind_, name_, base_, len_, root_, line_)                                              \
    do {                                                                                                         \
        const manifest_cap_t *cap_ = cap_of((m), (c), (k));                                                      \
        CHECK_EQ(cap_->kind, (kind_));                                                                           \
        CHECK(strcmp(cap_->name, (name_)) == 0);                                                                 \
        CHECK_EQ(cap_->base, (base_));                                                                           \
        CHECK_EQ(cap_->len, (len_));                                                                             \
        CHECK_EQ(cap_->root, (root_));                                                                           \
        CHECK_EQ(cap_->line, (line_));                                                                           \
    } while (0)

/* ---- invariants of an accepted manifest --------------------------------- */

/* Everything manifest.h promises of an accepted manifest: NULL, or the
 * first promise broken. */
const char *invariants(const manifest_t *m);

#define CHECK_INVARIANTS(m)                                                                                      \
    do {                                                                                                         \
        const char *e_ = invariants(m);                                                                          \
        if (e_)                                                                                                  \
            printf("    invariant broken: %s\n", e_);                                                            \
        CHECK(e_ == NULL);                                                                                       \
    } while (0)

/* ---- the example of docs/manifest.md ------------------------------------ */

/* The example, as the document has it (test_manifest.c checks that). */
extern const char EXAMPLE[];

/* The future components of the example, uncommented. */
void example_uncommented(char *out, size_t cap);

/* ---- start order -------------------------------------------------------- */

/* M has n components started in the order want (printed when not). */
bool order_is(const uint8_t *want, size_t n);

#endif
