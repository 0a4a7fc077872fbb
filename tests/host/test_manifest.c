/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the manifest parser (servers/init/manifest.c, format in
 * docs/manifest.md). The example of the document parsed field by field
 * (and checked to be the document's text), lexical rules (comments, blank
 * lines, CRLF, tabs, UTF-8 in comments), the start order, every limit at
 * and past its edge, every error message with its line, and robustness:
 * every prefix of a manifest using every keyword, and thousands of
 * deterministic random mutations of it, which must never crash (ASan/UBSan)
 * and, when accepted, satisfy the invariants manifest.h promises.
 *
 * Every parse reads from a heap copy of exactly `len` bytes, so a read past
 * the text is an ASan error, and starts from an output filled with garbage,
 * so a field the parser forgets to set shows.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../servers/init/manifest.h"

/* ---- harness ------------------------------------------------------------ */

typedef struct reports {
    int n;
    char msg[4][512];
} reports_t;

static manifest_t M;
static reports_t R;

static void capture(void *ctx, const char *msg)
{
    reports_t *r = ctx;
    if (r->n < 4)
        snprintf(r->msg[r->n], sizeof r->msg[0], "%s", msg);
    r->n++;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static int parse_n(const char *text, size_t len)
{
    char *buf = malloc(len ? len : 1);
    if (len)
        memcpy(buf, text, len);
    memset(&R, 0, sizeof R);
    memset(&M, 0xa5, sizeof M);
    int err = manifest_parse(buf, len, &M, capture, &R);
    free(buf);
    return err;
}

static int parse(const char *text)
{
    return parse_n(text, strlen(text));
}

/* The text is refused with exactly this one report and a zeroed result. */
static bool refused_n(const char *text, size_t len, const char *want)
{
    int err = parse_n(text, len);
    bool ok = err == ERR_CORRUPT && R.n == 1 && strcmp(R.msg[0], want) == 0 && all_zero(&M, sizeof M);
    if (!ok)
        printf("    got err %d, %d report(s): \"%s\"\n    want \"%s\"\n", err, R.n, R.n ? R.msg[0] : "", want);
    return ok;
}

static bool refused(const char *text, const char *want)
{
    return refused_n(text, strlen(text), want);
}

static bool accepted(const char *text)
{
    int err = parse(text);
    if (err != OK || R.n != 0)
        printf("    got err %d, %d report(s): \"%s\"\n", err, R.n, R.n ? R.msg[0] : "");
    return err == OK && R.n == 0;
}

/* A text built piece by piece, for the big cases. */
static char T[MANIFEST_TEXT_MAX + 4096];
static size_t TN;

static void tclear(void)
{
    TN = 0;
    T[0] = '\0';
}

__attribute__((format(printf, 1, 2))) static void tput(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(T + TN, sizeof T - TN, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof T - TN)
        TN += (size_t)n;
}

static const manifest_cap_t *cap_of(const manifest_t *m, size_t c, size_t k)
{
    return &m->comp[c].caps[k];
}

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

static bool inv_name(const char *s)
{
    size_t n = strnlen(s, MANIFEST_NAME_MAX);
    if (n == 0 || n >= MANIFEST_NAME_MAX)
        return false;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
            return false;
    return all_zero(s + n, MANIFEST_NAME_MAX - n);
}

static bool is_handle(manifest_cap_kind_t k)
{
    return k >= MANIFEST_CAP_IOPORT && k <= MANIFEST_CAP_MODULE;
}

static const char *inv_cap(const manifest_t *m, const manifest_cap_t *c)
{
    switch (c->kind) {
    case MANIFEST_CAP_IOPORT:
        if (c->root != RESOURCE_IOPORT || c->len == 0 || c->base >= IOPORT_MAX || c->len > IOPORT_MAX - c->base)
            return "ioport range";
        break;
    case MANIFEST_CAP_MMIO:
        if (c->root != RESOURCE_MMIO || c->len == 0 || c->base >= MANIFEST_MMIO_LIMIT ||
            c->len > MANIFEST_MMIO_LIMIT - c->base || ((c->base | c->len) & 0xfff))
            return "mmio range";
        break;
    case MANIFEST_CAP_IRQ:
        if (c->root != RESOURCE_IRQ || c->len == 0 || c->base >= 256 || c->len > 256 - c->base)
            return "irq range";
        break;
    case MANIFEST_CAP_IRQ_ISA:
        if (c->root != RESOURCE_IRQ || c->base > 15 || c->len != 1)
            return "isa irq";
        break;
    case MANIFEST_CAP_DMA:
        if (c->root != RESOURCE_DMA || c->base || c->len)
            return "dma";
        break;
    case MANIFEST_CAP_MODULE:
        if (c->root || !inv_name(c->module))
            return "module";
        break;
    case MANIFEST_CAP_ALL_MODULES:
        if (c->root || c->name[0] || c->module[0])
            return "all modules";
        break;
    case MANIFEST_CAP_PROVIDE:
        if (c->root || c->pattern || !inv_name(c->name))
            return "provide";
        break;
    case MANIFEST_CAP_CONNECT:
        if (c->root || (!c->pattern && manifest_provider(m, c->name) < 0))
            return "connect";
        if (!(c->pattern && c->name[0] == '\0') && !inv_name(c->name))
            return "connect name";
        break;
    default:
        return "cap kind";
    }
    if (is_handle(c->kind) && (!inv_name(c->name) || strcmp(c->name, "ns") == 0))
        return "handle name";
    if (c->kind != MANIFEST_CAP_MODULE && c->module[0])
        return "module name on another kind";
    if (c->kind != MANIFEST_CAP_CONNECT && c->pattern)
        return "pattern on another kind";
    if (c->line == 0)
        return "cap line";
    return NULL;
}

static const char *inv_component(const manifest_t *m, size_t i)
{
    const manifest_component_t *c = &m->comp[i];
    if (!inv_name(c->name) || !inv_name(c->program))
        return "name or program";
    size_t args = strnlen(c->args, MANIFEST_ARGS_MAX);
    if (args >= MANIFEST_ARGS_MAX || (args && strlen(c->program) + 1 + args > MANIFEST_ARGS_MAX - 1))
        return "args length";
    if (!all_zero(c->args + args, MANIFEST_ARGS_MAX - args))
        return "args tail";
    if (args && (c->args[0] == ' ' || c->args[args - 1] == ' ' || strstr(c->args, "  ")))
        return "args spacing";
    for (size_t k = 0; k < args; k++)
        if (c->args[k] < 0x21 && c->args[k] != ' ')
            return "args character";
    if (c->restart > MANIFEST_RESTART_ALWAYS || c->backoff_min_ms < 1 || c->backoff_min_ms > c->backoff_max_ms ||
        c->backoff_max_ms > MANIFEST_DURATION_MAX || c->restart_limit > MANIFEST_RESTART_LIMIT_MAX)
        return "restart";
    if (c->ncaps > MANIFEST_MAX_CAPS || c->nafter > MANIFEST_MAX_AFTER)
        return "counts";
    size_t handles = 0, services = 0;
    for (size_t k = 0; k < c->ncaps; k++) {
        const char *e = inv_cap(m, &c->caps[k]);
        if (e)
            return e;
        handles += is_handle(c->caps[k].kind);
        services += c->caps[k].kind == MANIFEST_CAP_PROVIDE || c->caps[k].kind == MANIFEST_CAP_CONNECT;
        for (size_t j = 0; j < k; j++)
            if (is_handle(c->caps[k].kind) && is_handle(c->caps[j].kind) &&
                strcmp(c->caps[k].name, c->caps[j].name) == 0)
                return "handle names unique";
    }
    if (handles != c->nhandles || handles > MANIFEST_MAX_HANDLES)
        return "handle count";
    if (!all_zero(&c->caps[c->ncaps], (MANIFEST_MAX_CAPS - c->ncaps) * sizeof c->caps[0]))
        return "caps tail";
    if (c->uses_ns != (services > 0 && (int)i != m->ns))
        return "uses_ns";
    uint32_t mask = 0;
    for (size_t a = 0; a < c->nafter; a++) {
        if (c->after_index[a] >= m->ncomp || c->after_index[a] == i ||
            strcmp(m->comp[c->after_index[a]].name, c->after[a]) != 0 || c->after_line[a] == 0)
            return "after";
        mask |= 1u << c->after_index[a];
    }
    if (c->uses_ns)
        mask |= 1u << m->ns;
    if (mask != c->after_mask)
        return "after_mask";
    if (c->line == 0 || c->program_line <= c->line)
        return "lines";
    return NULL;
}

/* Everything manifest.h promises of an accepted manifest. */
static const char *invariants(const manifest_t *m)
{
    if (m->ncomp < 1 || m->ncomp > MANIFEST_MAX_COMPONENTS)
        return "ncomp";
    if (m->ns != manifest_provider(m, "ns"))
        return "ns";
    for (size_t i = 0; i < m->ncomp; i++) {
        const char *e = inv_component(m, i);
        if (e)
            return e;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->comp[i].name, m->comp[j].name) == 0)
                return "component names unique";
            for (size_t a = 0; a < m->comp[i].ncaps; a++)
                for (size_t b = 0; b < m->comp[j].ncaps; b++) {
                    const manifest_cap_t *x = &m->comp[i].caps[a], *y = &m->comp[j].caps[b];
                    if (x->kind == MANIFEST_CAP_PROVIDE && y->kind == MANIFEST_CAP_PROVIDE &&
                        strcmp(x->name, y->name) == 0)
                        return "providers unique";
                    if (x->kind == MANIFEST_CAP_IRQ_ISA && y->kind == MANIFEST_CAP_IRQ_ISA && x->base == y->base)
                        return "isa irqs unique";
                }
        }
    }
    if (!all_zero(&m->comp[m->ncomp], (MANIFEST_MAX_COMPONENTS - m->ncomp) * sizeof m->comp[0]))
        return "comp tail";
    /* The order: a permutation, dependencies first, and at each step the
     * earliest listed component that could start. */
    uint32_t placed = 0;
    for (size_t k = 0; k < m->ncomp; k++) {
        size_t want = 0;
        while (want < m->ncomp && ((placed >> want & 1) || (m->comp[want].after_mask & ~placed)))
            want++;
        if (m->order[k] != want)
            return "order";
        placed |= 1u << want;
    }
    if (!all_zero(&m->order[m->ncomp], MANIFEST_MAX_COMPONENTS - m->ncomp))
        return "order tail";
    return NULL;
}

#define CHECK_INVARIANTS(m)                                                                                      \
    do {                                                                                                         \
        const char *e_ = invariants(m);                                                                          \
        if (e_)                                                                                                  \
            printf("    invariant broken: %s\n", e_);                                                            \
        CHECK(e_ == NULL);                                                                                       \
    } while (0)

/* ---- the example of docs/manifest.md ------------------------------------ */

static const char EXAMPLE[] =
    "# The system manifest (docs/manifest.md).\n"
    "\n"
    "# The serial console: COM1's eight ports and ISA IRQ 4, nothing more.\n"
    "# Listed first, it still starts after ns, because it provides a service.\n"
    "component console\n"
    "    program console\n"
    "    ioport  0x3f8 8   as com1        # a resource for ports 0x3f8-0x3ff\n"
    "    irq     isa 4     as com1-irq    # the irq object for COM1\n"
    "    provide console\n"
    "    restart on-failure backoff 50ms 5s\n"
    "\n"
    "# The name service: every connection between components goes through it.\n"
    "component ns\n"
    "    program ns\n"
    "    provide ns\n"
    "    restart on-failure\n"
    "\n"
    "# The process manager: spawns programs from the boot modules.\n"
    "component proc\n"
    "    program proc\n"
    "    module  *                        # every boot module, to load programs from\n"
    "    provide proc\n"
    "    connect console\n"
    "    restart on-failure limit 10\n"
    "\n"
    "# What comes next, in the same shape:\n"
    "#\n"
    "# component acpi\n"
    "#     program acpi\n"
    "#     mmio    0x0 0x100000000 as low4g   # the firmware's tables, below 4 GiB\n"
    "#     provide acpi\n"
    "#     restart on-failure\n"
    "#\n"
    "# component pci\n"
    "#     program pci\n"
    "#     mmio    0xb0000000 0x10000000 as ecam   # q35: ECAM for 256 buses\n"
    "#     mmio    0xc0000000 0x3ec00000 as bars   # the 32-bit PCI window\n"
    "#     irq     gsi 16 8                        # q35: PIRQ A-H\n"
    "#     dma\n"
    "#     provide pci\n"
    "#     connect acpi\n"
    "#     restart on-failure\n"
    "#\n"
    "# component devmgr\n"
    "#     program devmgr\n"
    "#     provide devmgr\n"
    "#     connect pci proc acpi\n"
    "#     restart on-failure\n"
    "#\n"
    "# component shell\n"
    "#     program shell\n"
    "#     after   console proc\n"
    "#     connect *                        # run, ps, services: anything registered\n"
    "#     restart always backoff 1s 10s\n";

/* The future components of the example, uncommented. */
static void example_uncommented(char *out, size_t cap)
{
    const char *from = strstr(EXAMPLE, "# component acpi");
    size_t n = (size_t)(from - EXAMPLE);
    memcpy(out, EXAMPLE, n);
    for (const char *p = from; *p && n + 1 < cap; p++) {
        bool line_start = p == from || p[-1] == '\n';
        if (line_start && p[0] == '#' && p[1] == ' ' && p[2] != ' ') {
            p++; /* "# component" -> "component" */
            continue;
        }
        if (line_start && p[0] == '#' && (p[1] == ' ' || p[1] == '\n'))
            continue; /* "#     program" -> "     program", "#\n" -> "\n" */
        out[n++] = *p;
    }
    out[n] = '\0';
}

TEST(example_is_parsed_exactly)
{
    REQUIRE(accepted(EXAMPLE));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.ncomp == 3);
    CHECK_EQ(M.ns, 1);
    CHECK_EQ(M.order[0], 1);
    CHECK_EQ(M.order[1], 0);
    CHECK_EQ(M.order[2], 2);

    const manifest_component_t *c = &M.comp[0];
    CHECK(strcmp(c->name, "console") == 0 && strcmp(c->program, "console") == 0 && c->args[0] == '\0');
    CHECK_EQ(c->line, 5);
    CHECK_EQ(c->program_line, 6);
    CHECK_EQ(c->args_line, 0);
    CHECK_EQ(c->restart_line, 10);
    CHECK_EQ(c->restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(c->backoff_min_ms, 50);
    CHECK_EQ(c->backoff_max_ms, 5000);
    CHECK_EQ(c->restart_limit, 0);
    REQUIRE(c->ncaps == 3);
    CHECK_EQ(c->nhandles, 2);
    CHECK_CAP(&M, 0, 0, MANIFEST_CAP_IOPORT, "com1", 0x3f8, 8, RESOURCE_IOPORT, 7);
    CHECK_CAP(&M, 0, 1, MANIFEST_CAP_IRQ_ISA, "com1-irq", 4, 1, RESOURCE_IRQ, 8);
    CHECK_CAP(&M, 0, 2, MANIFEST_CAP_PROVIDE, "console", 0, 0, 0, 9);
    CHECK(c->uses_ns);
    CHECK_EQ(c->nafter, 0);
    CHECK_EQ(c->after_mask, 1u << 1);

    c = &M.comp[1];
    CHECK(strcmp(c->name, "ns") == 0 && strcmp(c->program, "ns") == 0);
    CHECK_EQ(c->line, 13);
    CHECK_EQ(c->restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(c->backoff_min_ms, MANIFEST_BACKOFF_MIN_DEFAULT);
    CHECK_EQ(c->backoff_max_ms, MANIFEST_BACKOFF_MAX_DEFAULT);
    REQUIRE(c->ncaps == 1);
    CHECK_EQ(c->nhandles, 0);
    CHECK_CAP(&M, 1, 0, MANIFEST_CAP_PROVIDE, "ns", 0, 0, 0, 15);
    CHECK(!c->uses_ns);
    CHECK_EQ(c->after_mask, 0);

    c = &M.comp[2];
    CHECK(strcmp(c->name, "proc") == 0 && strcmp(c->program, "proc") == 0);
    CHECK_EQ(c->line, 19);
    CHECK_EQ(c->restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(c->restart_limit, 10);
    REQUIRE(c->ncaps == 3);
    CHECK_EQ(c->nhandles, 0);
    CHECK_CAP(&M, 2, 0, MANIFEST_CAP_ALL_MODULES, "", 0, 0, 0, 21);
    CHECK_CAP(&M, 2, 1, MANIFEST_CAP_PROVIDE, "proc", 0, 0, 0, 22);
    CHECK_CAP(&M, 2, 2, MANIFEST_CAP_CONNECT, "console", 0, 0, 0, 23);
    CHECK(!cap_of(&M, 2, 2)->pattern);
    CHECK(c->uses_ns);
    CHECK_EQ(c->after_mask, 1u << 1);
}

TEST(example_is_the_documents)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *tail = strstr(path, "tests/host/test_manifest.c");
    REQUIRE(tail != NULL);
    snprintf(tail, sizeof path - (size_t)(tail - path), "docs/manifest.md");
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    static char doc[65536];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    const char *block = strstr(doc, "```\n");
    REQUIRE(block != NULL);
    block += 4;
    CHECK(strncmp(block, EXAMPLE, strlen(EXAMPLE)) == 0);
    CHECK(strncmp(block + strlen(EXAMPLE), "```\n", 4) == 0);
}

TEST(example_with_the_future_components)
{
    static char text[8192];
    example_uncommented(text, sizeof text);
    REQUIRE(accepted(text));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.ncomp == 7);
    static const char *names[] = { "console", "ns", "proc", "acpi", "pci", "devmgr", "shell" };
    for (size_t i = 0; i < 7; i++)
        CHECK(strcmp(M.comp[i].name, names[i]) == 0);
    /* ns, then everything in file order (all wait only for ns or earlier). */
    static const uint8_t order[] = { 1, 0, 2, 3, 4, 5, 6 };
    CHECK(memcmp(M.order, order, sizeof order) == 0);
    const manifest_component_t *pci = &M.comp[4];
    REQUIRE(pci->ncaps == 6);
    CHECK_CAP(&M, 4, 0, MANIFEST_CAP_MMIO, "ecam", 0xb0000000, 0x10000000, RESOURCE_MMIO, 36);
    CHECK_CAP(&M, 4, 1, MANIFEST_CAP_MMIO, "bars", 0xc0000000, 0x3ec00000, RESOURCE_MMIO, 37);
    CHECK_CAP(&M, 4, 2, MANIFEST_CAP_IRQ, "irq", 16, 8, RESOURCE_IRQ, 38);
    CHECK_CAP(&M, 4, 3, MANIFEST_CAP_DMA, "dma", 0, 0, RESOURCE_DMA, 39);
    CHECK_EQ(pci->nhandles, 4);
    CHECK_CAP(&M, 3, 0, MANIFEST_CAP_MMIO, "low4g", 0, 0x100000000ull, RESOURCE_MMIO, 30);
    const manifest_component_t *shell = &M.comp[6];
    CHECK_EQ(shell->restart, MANIFEST_RESTART_ALWAYS);
    CHECK_EQ(shell->backoff_min_ms, 1000);
    CHECK_EQ(shell->backoff_max_ms, 10000);
    REQUIRE(shell->nafter == 2);
    CHECK(strcmp(shell->after[0], "console") == 0 && shell->after_index[0] == 0);
    CHECK(strcmp(shell->after[1], "proc") == 0 && shell->after_index[1] == 2);
    CHECK_EQ(shell->after_line[0], 52);
    CHECK_EQ(shell->after_mask, 1u << 0 | 1u << 1 | 1u << 2);
    REQUIRE(shell->ncaps == 1);
    CHECK(shell->caps[0].kind == MANIFEST_CAP_CONNECT && shell->caps[0].pattern && shell->caps[0].name[0] == 0);
}

/* ---- queries ------------------------------------------------------------ */

TEST(queries)
{
    static char text[8192];
    example_uncommented(text, sizeof text);
    REQUIRE(accepted(text));
    CHECK_EQ(manifest_find(&M, "console"), 0);
    CHECK_EQ(manifest_find(&M, "shell"), 6);
    CHECK_EQ(manifest_find(&M, "nobody"), -1);
    CHECK_EQ(manifest_find(&M, ""), -1);
    CHECK_EQ(manifest_find(&M, NULL), -1);
    CHECK_EQ(manifest_find(NULL, "ns"), -1);
    CHECK_EQ(manifest_provider(&M, "ns"), 1);
    CHECK_EQ(manifest_provider(&M, "pci"), 4);
    CHECK_EQ(manifest_provider(&M, "acpi"), 3);
    CHECK_EQ(manifest_provider(&M, "shell"), -1);
    CHECK_EQ(manifest_provider(&M, NULL), -1);
    /* proc connects to console only; pci to acpi; shell to anything. */
    CHECK(manifest_may_connect(&M, 2, "console"));
    CHECK(!manifest_may_connect(&M, 2, "pci"));
    CHECK(!manifest_may_connect(&M, 2, "consol"));
    CHECK(!manifest_may_connect(&M, 2, "console2"));
    CHECK(manifest_may_connect(&M, 4, "acpi"));
    CHECK(!manifest_may_connect(&M, 4, "proc"));
    CHECK(manifest_may_connect(&M, 6, "anything-at-all"));
    CHECK(manifest_may_connect(&M, 6, "ns"));
    CHECK(!manifest_may_connect(&M, 6, ""));
    CHECK(!manifest_may_connect(&M, 6, "bad name"));
    CHECK(!manifest_may_connect(&M, 6, "x234567890123456789012345678901x")); /* 32 chars */
    CHECK(!manifest_may_connect(&M, 6, NULL));
    CHECK(!manifest_may_connect(&M, 7, "ns"));
    CHECK(!manifest_may_connect(&M, 1000, "ns"));
    CHECK(!manifest_may_connect(NULL, 0, "ns"));
    CHECK(!manifest_may_connect(&M, 1, "ns")); /* ns connects to nothing */

    REQUIRE(accepted("component ns\nprogram ns\nprovide ns\n"
                     "component fs\nprogram fs\nconnect blk* ns\n"));
    CHECK(manifest_may_connect(&M, 1, "blk"));
    CHECK(manifest_may_connect(&M, 1, "blk0"));
    CHECK(manifest_may_connect(&M, 1, "blk.nvme-1"));
    CHECK(!manifest_may_connect(&M, 1, "bl"));
    CHECK(!manifest_may_connect(&M, 1, "xblk"));
    CHECK(manifest_may_connect(&M, 1, "ns"));
    CHECK(!manifest_may_connect(&M, 1, "n"));
}

/* ---- lexical rules ------------------------------------------------------ */

/* Converts LF line endings to CRLF. */
static size_t to_crlf(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 2 < cap; in++) {
        if (*in == '\n')
            out[n++] = '\r';
        out[n++] = *in;
    }
    return n;
}

TEST(crlf_tabs_comments_and_no_final_newline_change_nothing)
{
    static manifest_t ref;
    REQUIRE(accepted(EXAMPLE));
    ref = M;

    static char crlf[8192];
    size_t n = to_crlf(EXAMPLE, crlf, sizeof crlf);
    REQUIRE(parse_n(crlf, n) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);
    /* Without the final line ending, LF or CRLF. */
    REQUIRE(parse_n(crlf, n - 1) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);
    REQUIRE(parse_n(crlf, n - 2) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);
    REQUIRE(parse_n(EXAMPLE, strlen(EXAMPLE) - 1) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);

    /* Tabs for spaces, comments in UTF-8, trailing blanks: same lines, same
     * result. */
    static char tabs[8192];
    size_t k = 0;
    for (const char *p = EXAMPLE; *p; p++)
        tabs[k++] = *p == ' ' ? '\t' : *p;
    tabs[k] = '\0';
    REQUIRE(accepted(tabs));
    CHECK(memcmp(&M, &ref, sizeof M) == 0);

    REQUIRE(accepted("\t# caf\xc3\xa9 \xe2\x80\x94 comment\n"
                     "component a   \t\n"
                     "  program a # \xff\xfe still a comment\n"
                     "  args x#y #z\n"
                     "#\n"
                     "   \n"
                     "\t\n"));
    CHECK_EQ(M.ncomp, 1);
    CHECK(strcmp(M.comp[0].args, "x#y") == 0);
    CHECK_EQ(M.comp[0].line, 2);
    CHECK_EQ(M.comp[0].program_line, 3);
}

TEST(args_are_single_spaced_and_bounded)
{
    REQUIRE(accepted("component a\nprogram prog\nargs   -v \t --level=3   x,y;z!  a#b \n"));
    CHECK(strcmp(M.comp[0].args, "-v --level=3 x,y;z! a#b") == 0);
    CHECK_EQ(M.comp[0].args_line, 3);

    /* "prog" + " " + args is at most 511 characters. */
    char words[600];
    memset(words, 'x', sizeof words);
    words[511 - 5] = '\0';
    tclear();
    tput("component a\nprogram prog\nargs %s\n", words);
    REQUIRE(accepted(T));
    CHECK_EQ(strlen(M.comp[0].args), 506);
    words[511 - 5] = 'x';
    words[511 - 4] = '\0';
    tclear();
    tput("component a\nprogram prog\nargs %s\n", words);
    CHECK(refused(T, "manifest:3: program and args are longer than 511 characters"));
    /* The same when args come before the program, and with many words. */
    tclear();
    tput("component a\nargs");
    for (int i = 0; i < 253; i++)
        tput(" y");
    tput("\nprogram prog\n");
    REQUIRE(accepted(T));
    CHECK_EQ(strlen(M.comp[0].args), 505);
    tclear();
    tput("component a\nargs");
    for (int i = 0; i < 254; i++)
        tput(" y");
    tput("\nprogram prog\ncomponent b\nprogram b\n");
    CHECK(refused(T, "manifest:2: program and args are longer than 511 characters"));
}

TEST(numbers)
{
    static const struct {
        const char *text;
        uint64_t base, len;
    } good[] = {
        { "ioport 0 1", 0, 1 },
        { "ioport 0x0 0x1", 0, 1 },
        { "ioport 0X3F8 0x8", 0x3f8, 8 },
        { "ioport 0x00003f8 8", 0x3f8, 8 },
        { "ioport 65535 1", 0xffff, 1 },
        { "ioport 0xffff 0x1", 0xffff, 1 },
        { "ioport 0 65536", 0, 0x10000 },
        { "mmio 0xffffffffff000 0x1000", 0xffffffffff000ull, 0x1000 },
        { "mmio 0 0x10000000000000", 0, 1ull << 52 },
        { "irq gsi 255", 255, 1 },
        { "irq gsi 0 256", 0, 256 },
        { "irq gsi 16 as pirq", 16, 1 },
        { "irq gsi 0x10 0x8 as pirq", 16, 8 },
        { "irq isa 0", 0, 1 },
        { "irq isa 15", 15, 1 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tclear();
        tput("component a\nprogram a\n%s\n", good[i].text);
        CHECK(accepted(T));
        CHECK_INVARIANTS(&M);
        CHECK_EQ(M.comp[0].caps[0].base, good[i].base);
        CHECK_EQ(M.comp[0].caps[0].len, good[i].len);
    }

    static const struct {
        const char *word, *msg;
    } bad[] = {
        { "010", "manifest:3: bad number '010' (decimal, or hexadecimal with 0x)" },
        { "00", "manifest:3: bad number '00' (decimal, or hexadecimal with 0x)" },
        { "0x", "manifest:3: bad number '0x' (decimal, or hexadecimal with 0x)" },
        { "0xg", "manifest:3: bad number '0xg' (decimal, or hexadecimal with 0x)" },
        { "0x3g8", "manifest:3: bad number '0x3g8' (decimal, or hexadecimal with 0x)" },
        { "-1", "manifest:3: bad number '-1' (decimal, or hexadecimal with 0x)" },
        { "+1", "manifest:3: bad number '+1' (decimal, or hexadecimal with 0x)" },
        { "1e3", "manifest:3: bad number '1e3' (decimal, or hexadecimal with 0x)" },
        { "8k", "manifest:3: bad number '8k' (decimal, or hexadecimal with 0x)" },
        { "0b1", "manifest:3: bad number '0b1' (decimal, or hexadecimal with 0x)" },
        { "0x-1", "manifest:3: bad number '0x-1' (decimal, or hexadecimal with 0x)" },
        { "1,000", "manifest:3: bad number '1,000' (decimal, or hexadecimal with 0x)" },
        { "18446744073709551616", "manifest:3: number '18446744073709551616' does not fit in 64 bits" },
        { "99999999999999999999999", "manifest:3: number '99999999999999999999999' does not fit in 64 bits" },
        { "0x10000000000000000", "manifest:3: number '0x10000000000000000' does not fit in 64 bits" },
        { "0x0000000000000000000001", NULL }, /* leading zeros in hex are fine */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tclear();
        tput("component a\nprogram a\nioport %s 1\n", bad[i].word);
        if (bad[i].msg)
            CHECK(refused(T, bad[i].msg));
        else
            CHECK(accepted(T));
        tclear(); /* the same word as the length */
        tput("component a\nprogram a\nioport 1 %s\n", bad[i].word);
        if (bad[i].msg)
            CHECK(refused(T, bad[i].msg));
        else
            CHECK(accepted(T));
    }
    /* The largest 64-bit values parse; the range check refuses them. */
    CHECK(refused("component a\nprogram a\nioport 18446744073709551615 1\n",
                  "manifest:3: ioport range goes past the limit 0x10000"));
    CHECK(refused("component a\nprogram a\nioport 0xffffffffffffffff 0xffffffffffffffff\n",
                  "manifest:3: ioport range goes past the limit 0x10000"));
}

/* ---- restart ------------------------------------------------------------ */

TEST(restart_policies)
{
    REQUIRE(accepted("component a\nprogram a\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_NEVER);
    CHECK_EQ(M.comp[0].backoff_min_ms, 100);
    CHECK_EQ(M.comp[0].backoff_max_ms, 10000);
    CHECK_EQ(M.comp[0].restart_limit, 0);
    CHECK_EQ(M.comp[0].restart_line, 0);

    REQUIRE(accepted("component a\nprogram a\nrestart never\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_NEVER);
    CHECK_EQ(M.comp[0].restart_line, 3);

    REQUIRE(accepted("component a\nrestart always limit 3 backoff 1ms 3600s\nprogram a\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_ALWAYS);
    CHECK_EQ(M.comp[0].restart_limit, 3);
    CHECK_EQ(M.comp[0].backoff_min_ms, 1);
    CHECK_EQ(M.comp[0].backoff_max_ms, 3600000);

    REQUIRE(accepted("component a\nprogram a\nrestart on-failure backoff 3600000ms 3600000ms limit 1000000\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(M.comp[0].backoff_min_ms, 3600000);
    CHECK_EQ(M.comp[0].restart_limit, 1000000);

    REQUIRE(accepted("component a\nprogram a\nrestart on-failure backoff 5s 5s\n"));
    CHECK_EQ(M.comp[0].backoff_min_ms, 5000);
    CHECK_EQ(M.comp[0].backoff_max_ms, 5000);
}

#define RESTART_USAGE "restart never | on-failure|always [backoff MIN MAX] [limit N]"

TEST(restart_errors)
{
    static const struct {
        const char *line, *msg;
    } cases[] = {
        { "restart", "too few words; usage: " RESTART_USAGE },
        { "restart sometimes", "unexpected 'sometimes'; usage: " RESTART_USAGE },
        { "restart never backoff 1s 2s", "unexpected 'backoff'; usage: " RESTART_USAGE },
        { "restart on-failure backoff", "too few words; usage: " RESTART_USAGE },
        { "restart on-failure backoff 1s", "too few words; usage: " RESTART_USAGE },
        { "restart on-failure backoff 1s 2s backoff 1s 2s", "unexpected 'backoff'; usage: " RESTART_USAGE },
        { "restart on-failure limit 1 limit 2", "unexpected 'limit'; usage: " RESTART_USAGE },
        { "restart on-failure 5s", "unexpected '5s'; usage: " RESTART_USAGE },
        { "restart on-failure backoff 2s 1s", "backoff: the first delay is longer than the second" },
        { "restart on-failure backoff 1001ms 1s", "backoff: the first delay is longer than the second" },
        { "restart on-failure backoff 0ms 1s", "duration '0ms' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 0s 1s", "duration '0s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 3601s", "duration '3601s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 3600001ms", "duration '3600001ms' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 99999999999999999999s", "duration '99999999999999999999s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 18446744073709551615s", "duration '18446744073709551615s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1 2", "bad duration '1' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1m 2m", "bad duration '1m' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1.5s 2s", "bad duration '1.5s' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 01s 2s", "bad duration '01s' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 0x10ms 2s", "bad duration '0x10ms' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff ms 2s", "bad duration 'ms' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1sms 2s", "bad duration '1sms' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1S 2s", "bad duration '1S' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure limit 0", "restart limit out of range (1 to 1000000)" },
        { "restart on-failure limit 1000001", "restart limit out of range (1 to 1000000)" },
        { "restart on-failure limit 18446744073709551615", "restart limit out of range (1 to 1000000)" },
        { "restart on-failure limit", "too few words; usage: " RESTART_USAGE },
        { "restart on-failure limit ten", "bad number 'ten' (decimal, or hexadecimal with 0x)" },
        { "restart On-failure", "unexpected 'On-failure'; usage: " RESTART_USAGE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[512];
        tclear();
        tput("component a\nprogram a\n%s\n", cases[i].line);
        snprintf(want, sizeof want, "manifest:3: %s", cases[i].msg);
        CHECK(refused(T, want));
    }
    CHECK(refused("component a\nprogram a\nrestart never\n\nrestart always\n",
                  "manifest:5: 'restart' given twice in component 'a' (first at line 3)"));
}

/* ---- capabilities ------------------------------------------------------- */

TEST(capability_kinds_and_names)
{
    REQUIRE(accepted("component ns\nprogram ns\nprovide ns\n"
                     "component d\n"
                     "program drv\n"
                     "ioport 0x60 1\n"
                     "ioport 0x64 1 as kbd-status\n"
                     "mmio 0xfed00000 0x1000 as hpet\n"
                     "irq gsi 20\n"
                     "irq isa 1 as kbd\n"
                     "dma\n"
                     "module font.psf\n"
                     "module keymap.us as keymap\n"
                     "provide kbd input.kbd\n"
                     "connect ns console* *\n"
                     "component console\nprogram console\nprovide console.0\n"));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.comp[1].ncaps == 13);
    CHECK_EQ(M.comp[1].nhandles, 8);
    CHECK_CAP(&M, 1, 0, MANIFEST_CAP_IOPORT, "ioport", 0x60, 1, RESOURCE_IOPORT, 6);
    CHECK_CAP(&M, 1, 1, MANIFEST_CAP_IOPORT, "kbd-status", 0x64, 1, RESOURCE_IOPORT, 7);
    CHECK_CAP(&M, 1, 2, MANIFEST_CAP_MMIO, "hpet", 0xfed00000, 0x1000, RESOURCE_MMIO, 8);
    CHECK_CAP(&M, 1, 3, MANIFEST_CAP_IRQ, "irq", 20, 1, RESOURCE_IRQ, 9);
    CHECK_CAP(&M, 1, 4, MANIFEST_CAP_IRQ_ISA, "kbd", 1, 1, RESOURCE_IRQ, 10);
    CHECK_CAP(&M, 1, 5, MANIFEST_CAP_DMA, "dma", 0, 0, RESOURCE_DMA, 11);
    CHECK_CAP(&M, 1, 6, MANIFEST_CAP_MODULE, "font.psf", 0, 0, 0, 12);
    CHECK(strcmp(M.comp[1].caps[6].module, "font.psf") == 0);
    CHECK_CAP(&M, 1, 7, MANIFEST_CAP_MODULE, "keymap", 0, 0, 0, 13);
    CHECK(strcmp(M.comp[1].caps[7].module, "keymap.us") == 0);
    CHECK_CAP(&M, 1, 8, MANIFEST_CAP_PROVIDE, "kbd", 0, 0, 0, 14);
    CHECK_CAP(&M, 1, 9, MANIFEST_CAP_PROVIDE, "input.kbd", 0, 0, 0, 14);
    CHECK_CAP(&M, 1, 10, MANIFEST_CAP_CONNECT, "ns", 0, 0, 0, 15);
    CHECK_CAP(&M, 1, 11, MANIFEST_CAP_CONNECT, "console", 0, 0, 0, 15);
    CHECK(M.comp[1].caps[11].pattern);
    CHECK_CAP(&M, 1, 12, MANIFEST_CAP_CONNECT, "", 0, 0, 0, 15);
    CHECK(M.comp[1].caps[12].pattern);
    CHECK(!M.comp[1].caps[10].pattern);
    CHECK(M.comp[1].uses_ns);
    CHECK(manifest_may_connect(&M, 1, "console.0"));
}

TEST(capability_errors)
{
    static const struct {
        const char *lines, *msg;
    } cases[] = {
        { "ioport 0x3f8", "manifest:3: too few words; usage: ioport BASE LEN [as NAME]" },
        { "ioport", "manifest:3: too few words; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 com1", "manifest:3: unexpected 'com1'; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 as", "manifest:3: too few words; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 as a b", "manifest:3: unexpected 'b'; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 as a/b", "manifest:3: bad name 'a/b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "ioport 0x3f8 0", "manifest:3: ioport range is empty (length 0)" },
        { "ioport 0xffff 2", "manifest:3: ioport range goes past the limit 0x10000" },
        { "ioport 0x10000 1", "manifest:3: ioport range goes past the limit 0x10000" },
        { "ioport 1 0xffffffffffffffff", "manifest:3: ioport range goes past the limit 0x10000" },
        { "mmio 0xfed00001 0x1000", "manifest:3: mmio base and length must be multiples of 0x1000" },
        { "mmio 0xfed00000 0x800", "manifest:3: mmio base and length must be multiples of 0x1000" },
        { "mmio 0xfed00000 0", "manifest:3: mmio range is empty (length 0)" },
        { "mmio 0xffffffffff000 0x2000", "manifest:3: mmio range goes past the limit 0x10000000000000" },
        { "mmio 0x10000000000000 0x1000", "manifest:3: mmio range goes past the limit 0x10000000000000" },
        { "mmio 0xfffffffffffff000 0x1000", "manifest:3: mmio range goes past the limit 0x10000000000000" },
        { "mmio 0x1000", "manifest:3: too few words; usage: mmio BASE LEN [as NAME]" },
        { "irq", "manifest:3: too few words; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq isa", "manifest:3: too few words; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq pci 4", "manifest:3: unexpected 'pci'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq 4", "manifest:3: unexpected '4'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq isa 16", "manifest:3: ISA IRQ 16 out of range (0 to 15)" },
        { "irq isa 0x10", "manifest:3: ISA IRQ 16 out of range (0 to 15)" },
        { "irq isa 18446744073709551615", "manifest:3: ISA IRQ 18446744073709551615 out of range (0 to 15)" },
        { "irq isa 4 8", "manifest:3: unexpected '8'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq isa four", "manifest:3: bad number 'four' (decimal, or hexadecimal with 0x)" },
        { "irq gsi 256", "manifest:3: irq range goes past the limit 0x100" },
        { "irq gsi 255 2", "manifest:3: irq range goes past the limit 0x100" },
        { "irq gsi 16 0", "manifest:3: irq range is empty (length 0)" },
        { "irq gsi 16 8 9", "manifest:3: unexpected '9'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq gsi 16 as", "manifest:3: too few words; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq gsi 16 eight", "manifest:3: bad number 'eight' (decimal, or hexadecimal with 0x)" },
        { "irq isa 4\nirq isa 4 as other", "manifest:4: ISA IRQ 4 is already given to component 'c'" },
        { "dma x", "manifest:3: unexpected 'x'; usage: dma [as NAME]" },
        { "dma as ns", "manifest:3: handle name 'ns' is reserved for the name service" },
        { "dma\ndma", "manifest:4: handle name 'dma' used twice in component 'c' (add 'as NAME')" },
        { "ioport 1 1\nioport 2 2", "manifest:4: handle name 'ioport' used twice in component 'c' (add 'as NAME')" },
        { "ioport 1 1 as x\nmmio 0 0x1000 as x", "manifest:4: handle name 'x' used twice in component 'c' (add 'as NAME')" },
        { "module a as dma\ndma", "manifest:4: handle name 'dma' used twice in component 'c' (add 'as NAME')" },
        { "module ns", "manifest:3: handle name 'ns' is reserved for the name service" },
        { "module", "manifest:3: too few words; usage: module NAME [as NAME] | module *" },
        { "module bad/name", "manifest:3: bad name 'bad/name' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "module a*", "manifest:3: bad name 'a*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "module * x", "manifest:3: unexpected 'x'; usage: module NAME [as NAME] | module *" },
        { "module *\nmodule *", "manifest:4: 'module *' given twice" },
        { "module a b", "manifest:3: unexpected 'b'; usage: module NAME [as NAME] | module *" },
        { "provide", "manifest:3: too few words; usage: provide SERVICE..." },
        { "provide a a", "manifest:3: service 'a' is already provided by component 'c'" },
        { "provide a\nprovide b a", "manifest:4: service 'a' is already provided by component 'c'" },
        { "provide x*", "manifest:3: bad name 'x*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "provide *", "manifest:3: bad name '*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect", "manifest:3: too few words; usage: connect SERVICE|PREFIX*|*..." },
        { "provide a\nconnect a a", "manifest:4: connect 'a' given twice" },
        { "connect * *", "manifest:3: connect '*' given twice" },
        { "connect b* x b*", "manifest:3: connect 'b*' given twice" },
        { "connect **", "manifest:3: bad name '*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect *a", "manifest:3: bad name '*a' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect a*b", "manifest:3: bad name 'a*b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect -*", "manifest:3: bad name '-' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect x", "manifest:3: no component provides service 'x'" },
        { "provide ns\nconnect nss", "manifest:4: no component provides service 'nss'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tclear();
        tput("component c\nprogram p\n%s\ncomponent ns\nprogram ns\nprovide ns\n", cases[i].lines);
        /* Cases that provide ns themselves would clash with the trailer. */
        if (strstr(cases[i].lines, "provide ns")) {
            tclear();
            tput("component c\nprogram p\n%s\n", cases[i].lines);
        }
        CHECK(refused(T, cases[i].msg));
    }
    /* Across components. */
    CHECK(refused("component a\nprogram a\nirq isa 4\ncomponent b\nprogram b\nirq isa 4 as x\n",
                  "manifest:6: ISA IRQ 4 is already given to component 'a'"));
    CHECK(refused("component ns\nprogram ns\nprovide ns\ncomponent b\nprogram b\nprovide ns\n",
                  "manifest:6: service 'ns' is already provided by component 'ns'"));
    /* A pattern needs no provider, but a name service. */
    CHECK(refused("component a\nprogram a\nconnect blk*\n",
                  "manifest:3: component 'a' uses services, but no component provides 'ns'"));
    CHECK(refused("component a\nprogram a\n\nprovide a\n",
                  "manifest:4: component 'a' uses services, but no component provides 'ns'"));
}

/* ---- structure ---------------------------------------------------------- */

TEST(structure_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "", "manifest: no components" },
        { "# only a comment\n\n  \n", "manifest: no components" },
        { "program p\n", "manifest:1: 'program' outside a component (start one with 'component NAME')" },
        { "\n# x\nconnect a\ncomponent a\n", "manifest:3: 'connect' outside a component (start one with 'component NAME')" },
        { "Component c\n", "manifest:1: unknown keyword 'Component'" },
        { "component c\nprogram p\nioprot 1 2\n", "manifest:3: unknown keyword 'ioprot'" },
        { "component c\nprogram p\nprogram=q\n", "manifest:3: unknown keyword 'program=q'" },
        { "component c\nprogram p\n  *\n", "manifest:3: unknown keyword '*'" },
        { "component a\nfoo\n", "manifest:2: unknown keyword 'foo'" },
        { "component\n", "manifest:1: too few words; usage: component NAME" },
        { "component a b\n", "manifest:1: unexpected 'b'; usage: component NAME" },
        { "component -a\n", "manifest:1: bad name '-a' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component .a\n", "manifest:1: bad name '.a' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a:b\n", "manifest:1: bad name 'a:b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a\n", "manifest:1: component 'a' has no program" },
        { "component a\n\n\ncomponent b\nprogram b\n", "manifest:1: component 'a' has no program" },
        { "component a\nprogram a\ncomponent b\nargs x\n", "manifest:3: component 'b' has no program" },
        { "component a\nprogram\n", "manifest:2: too few words; usage: program MODULE" },
        { "component a\nprogram a b\n", "manifest:2: unexpected 'b'; usage: program MODULE" },
        { "component a\nprogram a/b\n", "manifest:2: bad name 'a/b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a\nprogram a\nprogram b\n", "manifest:3: 'program' given twice in component 'a' (first at line 2)" },
        { "component a\nprogram a\nargs x\nargs y\n", "manifest:4: 'args' given twice in component 'a' (first at line 3)" },
        { "component a\nprogram a\nargs\n", "manifest:3: too few words; usage: args WORD..." },
        { "component a\nprogram a\nargs # a comment only\n", "manifest:3: too few words; usage: args WORD..." },
        { "component a\nprogram a\ncomponent a\nprogram a\n", "manifest:3: component 'a' already defined at line 1" },
        { "component a\nprogram a\nafter\n", "manifest:3: too few words; usage: after COMPONENT..." },
        { "component a\nprogram a\nafter a\n", "manifest:3: component 'a' cannot start after itself" },
        { "component a\nprogram a\nafter b\n", "manifest:3: 'after' names 'b', which is not a component" },
        { "component a\nprogram a\nafter b c\ncomponent b\nprogram b\n", "manifest:3: 'after' names 'c', which is not a component" },
        { "component a\nprogram a\nafter b\nafter b\ncomponent b\nprogram b\n", "manifest:4: 'b' named twice in 'after'" },
        { "component a\nprogram a\nafter b b\ncomponent b\nprogram b\n", "manifest:3: 'b' named twice in 'after'" },
        { "component a\nprogram a\nafter b/c\n", "manifest:3: bad name 'b/c' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a\nprogram a\nafter *\n", "manifest:3: bad name '*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        /* Errors are found in file order: a later line's error is not
         * reported before an earlier one's. */
        { "component a\nprogram a\nafter zz\ncomponent b\nprogram b\nconnect yy\ncomponent ns\nprogram ns\nprovide ns\n",
          "manifest:3: 'after' names 'zz', which is not a component" },
        { "component a\nprogram a\nconnect yy\nafter zz\ncomponent ns\nprogram ns\nprovide ns\n",
          "manifest:4: 'after' names 'zz', which is not a component" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(refused(cases[i].text, cases[i].msg));
}

TEST(invalid_characters)
{
    static const struct {
        const char *text;
        size_t len;
        const char *msg;
    } cases[] = {
        { "component a\x01\n", 14, "manifest:1: invalid character (byte 0x1)" },
        { "component a\nprogram a\0\n", 23, "manifest:2: invalid character (byte 0x0)" },
        { "component a\nprogram a\n\0", 23, "manifest:3: invalid character (byte 0x0)" },
        { "component a\x7f\n", 14, "manifest:1: invalid character (byte 0x7f)" },
        { "component caf\xc3\xa9\n", 17, "manifest:1: invalid character (byte 0xc3)" },
        { "component a\xff\n", 14, "manifest:1: invalid character (byte 0xff)" },
        { "component a\rprogram a\n", 23, "manifest:1: invalid character (byte 0xd)" },
        { "component a\r\r\n", 14, "manifest:1: invalid character (byte 0xd)" },
        { "component a\x0bprogram a\n", 23, "manifest:1: invalid character (byte 0xb)" },
        { "component a\x0c\n", 13, "manifest:1: invalid character (byte 0xc)" },
        { "# comment \x01\n", 12, "manifest:1: invalid character (byte 0x1)" },
        { "# comment \x7f\n", 12, "manifest:1: invalid character (byte 0x7f)" },
        { "component a # \x1b[31m\n", 20, "manifest:1: invalid character (byte 0x1b)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(refused_n(cases[i].text, cases[i].len, cases[i].msg));
    /* The text is read by its length, never as a C string: the bytes after
     * a NUL are still looked at, and nothing past len is. */
    CHECK(refused_n("component a\nprogram a\n\0component b\n", 35, "manifest:3: invalid character (byte 0x0)"));
    CHECK(parse_n("component a\nprogram a\nXXXX", 22) == OK);
}

TEST(long_words_are_cut_in_messages)
{
    char word[100];
    memset(word, 'k', sizeof word);
    word[60] = '\0';
    tclear();
    tput("component a\nprogram a\n%s\n", word);
    CHECK(refused(T, "manifest:3: unknown keyword 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'"));
    word[45] = '\0';
    tclear();
    tput("component %s\n", word);
    CHECK(refused(T, "manifest:1: name 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' is longer than 31 characters"));
}

/* ---- limits, at and past each edge -------------------------------------- */

TEST(limit_components)
{
    tclear();
    for (int i = 0; i < MANIFEST_MAX_COMPONENTS; i++)
        tput("component c%d\nprogram p\n", i);
    REQUIRE(accepted(T));
    CHECK_INVARIANTS(&M);
    CHECK_EQ(M.ncomp, 32);
    CHECK(strcmp(M.comp[31].name, "c31") == 0);
    tput("component c32\nprogram p\n");
    CHECK(refused(T, "manifest:65: too many components (at most 32)"));
    /* A duplicate is reported as such even past the limit. */
    tclear();
    for (int i = 0; i < MANIFEST_MAX_COMPONENTS; i++)
        tput("component c%d\nprogram p\n", i);
    tput("component c5\nprogram p\n");
    CHECK(refused(T, "manifest:65: component 'c5' already defined at line 11"));
}

TEST(limit_capabilities_and_handles)
{
    tclear();
    tput("component ns\nprogram ns\nprovide ns");
    for (int i = 1; i < MANIFEST_MAX_CAPS; i++)
        tput(" s%d", i);
    tput("\n");
    REQUIRE(accepted(T));
    CHECK_EQ(M.comp[0].ncaps, 16);
    CHECK_INVARIANTS(&M);
    TN--; /* the same line, one more name */
    tput(" s16\n");
    CHECK(refused(T, "manifest:3: too many capabilities in component 'ns' (at most 16)"));
    TN -= 5;
    tput("\nmodule *\n");
    CHECK(refused(T, "manifest:4: too many capabilities in component 'ns' (at most 16)"));

    /* 8 handles, and `module *` and services besides them. */
    tclear();
    tput("component c\nprogram c\n");
    for (int i = 0; i < MANIFEST_MAX_HANDLES; i++)
        tput("ioport %d 1 as p%d\n", i, i);
    tput("module *\nconnect *\ncomponent ns\nprogram ns\nprovide ns\n");
    REQUIRE(accepted(T));
    CHECK_EQ(M.comp[0].nhandles, 8);
    CHECK_EQ(M.comp[0].ncaps, 10);
    CHECK_INVARIANTS(&M);
    static const char *ninth[] = { "ioport 100 1 as p8", "mmio 0 0x1000", "irq isa 3", "irq gsi 3", "dma",
                                   "module m" };
    for (size_t i = 0; i < sizeof ninth / sizeof ninth[0]; i++) {
        tclear();
        tput("component c\nprogram c\n");
        for (int k = 0; k < MANIFEST_MAX_HANDLES; k++)
            tput("ioport %d 1 as p%d\n", k, k);
        tput("%s\n", ninth[i]);
        CHECK(refused(T, "manifest:11: too many handles in component 'c' (at most 8)"));
    }
}

TEST(limit_after_names)
{
    tclear();
    for (int i = 0; i < 9; i++)
        tput("component d%d\nprogram d\n", i);
    tput("component c\nprogram c\nafter d0 d1 d2\nafter d3 d4 d5 d6\nafter d7\n");
    REQUIRE(accepted(T));
    CHECK_EQ(M.comp[9].nafter, 8);
    CHECK_EQ(M.comp[9].after_mask, 0xffu);
    CHECK_EQ(M.comp[9].after_line[7], 23);
    CHECK_EQ(M.order[8], 8);
    CHECK_EQ(M.order[9], 9);
    CHECK_INVARIANTS(&M);
    tput("after d8\n");
    CHECK(refused(T, "manifest:24: too many 'after' names in component 'c' (at most 8)"));
}

TEST(limit_names)
{
    const char *n31 = "abcdefghijklmnopqrstuvwxyz01234";
    const char *n32 = "abcdefghijklmnopqrstuvwxyz012345";
    tclear();
    tput("component %s\nprogram %s\nargs %s\nmodule %s\nioport 1 1 as %s-\n", n31, n31, n32, n31, n31);
    CHECK(refused(T, "manifest:5: name 'abcdefghijklmnopqrstuvwxyz01234-' is longer than 31 characters"));
    tclear();
    tput("component %s\nprogram %s\nargs %s\nmodule %s\nprovide %s\ncomponent ns\nprogram ns\nprovide ns\n", n31,
         n31, n32, n31, n31);
    REQUIRE(accepted(T));
    CHECK(strcmp(M.comp[0].name, n31) == 0 && strcmp(M.comp[0].program, n31) == 0);
    CHECK(strcmp(M.comp[0].caps[0].module, n31) == 0 && strcmp(M.comp[0].caps[1].name, n31) == 0);
    CHECK_INVARIANTS(&M);
    static const char *where[] = { "component %s\n", "component a\nprogram %s\n", "component a\nafter %s\n",
                                   "component a\nmodule %s\n", "component a\nprovide %s\n",
                                   "component a\nconnect %s\n", "component a\nconnect %s*\n",
                                   "component a\ndma as %s\n" };
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        char want[200];
        tclear();
        tput(where[i], n32);
        snprintf(want, sizeof want, "manifest:%d: name '%s' is longer than 31 characters", i ? 2 : 1, n32);
        CHECK(refused(T, want));
    }
}

TEST(limit_line_and_text_length)
{
    char line[600];
    memset(line, 'x', sizeof line);
    line[0] = '#';
    line[512] = '\0';
    tclear();
    tput("component a\n%s\nprogram a\n", line);
    REQUIRE(accepted(T));
    tclear();
    tput("component a\n%s\r\nprogram a\r\n", line);
    REQUIRE(accepted(T));
    tclear();
    tput("component a\nprogram a\n%s", line); /* no line ending */
    REQUIRE(accepted(T));
    line[512] = 'x';
    line[513] = '\0';
    tclear();
    tput("component a\n%s\nprogram a\n", line);
    CHECK(refused(T, "manifest:2: line longer than 512 characters"));
    tclear();
    tput("component a\n%s\r\nprogram a\n", line);
    CHECK(refused(T, "manifest:2: line longer than 512 characters"));

    /* MANIFEST_TEXT_MAX bytes exactly, in comment lines; one more is too many. */
    tclear();
    tput("component a\nprogram a\n");
    while (TN + 100 <= MANIFEST_TEXT_MAX)
        tput("# %096d\n", 0);
    while (TN < MANIFEST_TEXT_MAX)
        tput("\n");
    REQUIRE(TN == MANIFEST_TEXT_MAX);
    REQUIRE(parse_n(T, TN) == OK);
    CHECK_EQ(M.ncomp, 1);
    tput("\n");
    CHECK(refused_n(T, TN, "manifest: larger than 262144 bytes"));
}

/* ---- start order -------------------------------------------------------- */

static bool order_is(const uint8_t *want, size_t n)
{
    bool ok = M.ncomp == n && memcmp(M.order, want, n) == 0;
    if (!ok) {
        printf("    order:");
        for (size_t i = 0; i < M.ncomp; i++)
            printf(" %u", M.order[i]);
        printf("\n");
    }
    return ok;
}

TEST(start_order)
{
    /* Forward references; the earliest listed ready component goes first. */
    REQUIRE(accepted("component a\nprogram a\nafter c\ncomponent b\nprogram b\ncomponent c\nprogram c\n"));
    CHECK(order_is((const uint8_t[]){ 1, 2, 0 }, 3));
    CHECK_EQ(M.comp[0].after_index[0], 2);
    CHECK_EQ(M.comp[0].after_mask, 1u << 2);
    CHECK_INVARIANTS(&M);

    REQUIRE(accepted("component a\nprogram a\ncomponent b\nprogram b\ncomponent c\nprogram c\n"));
    CHECK(order_is((const uint8_t[]){ 0, 1, 2 }, 3));

    /* A diamond. */
    REQUIRE(accepted("component top\nprogram t\nafter l r\n"
                     "component l\nprogram l\nafter base\n"
                     "component r\nprogram r\nafter base\n"
                     "component base\nprogram b\n"
                     "component free\nprogram f\n"));
    CHECK(order_is((const uint8_t[]){ 3, 1, 2, 0, 4 }, 5));
    CHECK_INVARIANTS(&M);

    /* The implicit dependency on ns, alone or with an explicit one. */
    REQUIRE(accepted("component user\nprogram u\nconnect svc\n"
                     "component svc\nprogram s\nprovide svc\nafter ns\n"
                     "component ns\nprogram ns\nprovide ns\n"
                     "component plain\nprogram p\n"));
    CHECK(order_is((const uint8_t[]){ 2, 0, 1, 3 }, 4));
    CHECK(M.comp[0].uses_ns && M.comp[1].uses_ns && !M.comp[2].uses_ns && !M.comp[3].uses_ns);
    CHECK_EQ(M.comp[0].nafter, 0);
    CHECK_EQ(M.comp[1].nafter, 1);
    CHECK_EQ(M.comp[0].after_mask, 1u << 2);
    CHECK_EQ(M.comp[1].after_mask, 1u << 2);
    CHECK_EQ(M.ns, 2);
    CHECK_INVARIANTS(&M);

    /* 32 components, each after the next: started backwards. */
    tclear();
    for (int i = 0; i < 32; i++) {
        tput("component c%d\nprogram p\n", i);
        if (i < 31)
            tput("after c%d\n", i + 1);
    }
    REQUIRE(accepted(T));
    for (size_t k = 0; k < 32; k++)
        CHECK_EQ(M.order[k], 31 - k);
    CHECK_EQ(M.comp[30].after_mask, 1u << 31);
    CHECK_INVARIANTS(&M);
}

TEST(cycles)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "component a\nprogram a\nafter b\ncomponent b\nprogram b\nafter a\n",
          "manifest:3: start order has a cycle: 'a' after 'b' after 'a'" },
        { "component a\nprogram a\nafter b\ncomponent b\nprogram b\nafter c\ncomponent c\nprogram c\nafter a\n",
          "manifest:3: start order has a cycle: 'a' after 'b' after 'c' after 'a'" },
        /* Printed from its first listed member, whichever the walk met first. */
        { "component x\nprogram x\ncomponent p\nprogram p\nafter q\ncomponent q\nprogram q\nafter p\n",
          "manifest:5: start order has a cycle: 'p' after 'q' after 'p'" },
        { "component a\nprogram a\nafter b\ncomponent b\nprogram b\nafter c\ncomponent c\nprogram c\nafter b\n",
          "manifest:6: start order has a cycle: 'b' after 'c' after 'b'" },
        { "component a\nprogram a\nafter c\ncomponent b\nprogram b\nafter a\ncomponent c\nprogram c\nafter b\n",
          "manifest:3: start order has a cycle: 'a' after 'c' after 'b' after 'a'" },
        /* Through the implicit dependency on ns: the line of the service. */
        { "component console\nprogram console\nprovide console\n"
          "component ns\nprogram ns\nprovide ns\nafter console\n",
          "manifest:3: start order has a cycle: 'console' after 'ns' after 'console'" },
        { "component ns\nprogram ns\nprovide ns\nafter console\n"
          "component console\nprogram console\n\nconnect ns\nprovide console\n",
          "manifest:4: start order has a cycle: 'ns' after 'console' after 'ns'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(refused(cases[i].text, cases[i].msg));

    /* 32 long names in one cycle: the report is cut, still one message. */
    tclear();
    for (int i = 0; i < 32; i++)
        tput("component component-with-a-long-name-%02d\nprogram p\nafter component-with-a-long-name-%02d\n", i,
             (i + 1) % 32);
    REQUIRE(parse_n(T, TN) == ERR_CORRUPT);
    CHECK_EQ(R.n, 1);
    CHECK(strlen(R.msg[0]) <= 255);
    CHECK(strncmp(R.msg[0], "manifest:3: start order has a cycle: 'component-with-a-long-name-00' after "
                            "'component-with-a-long-name-01' after",
                  110) == 0);
    CHECK(all_zero(&M, sizeof M));
}

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
