/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The manifest parse harness of manifest_fixture.h: parses from exact-size
 * heap copies into a garbage-filled result, collects the reports, builds
 * texts piece by piece, checks the invariants manifest.h promises of an
 * accepted manifest, and holds the example of docs/manifest.md.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest_fixture.h"

/* ---- harness ------------------------------------------------------------ */

manifest_t M;
reports_t R;

void capture(void *ctx, const char *msg)
{
    reports_t *r = ctx;
    if (r->n < 4)
        snprintf(r->msg[r->n], sizeof r->msg[0], "%s", msg);
    r->n++;
}

bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

int parse_n(const char *text, size_t len)
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

int parse(const char *text)
{
    return parse_n(text, strlen(text));
}

/* The text is refused with exactly this one report and a zeroed result. */
bool refused_n(const char *text, size_t len, const char *want)
{
    int err = parse_n(text, len);
    bool ok = err == ERR_CORRUPT && R.n == 1 && strcmp(R.msg[0], want) == 0 && all_zero(&M, sizeof M);
    if (!ok)
        printf("    got err %d, %d report(s): \"%s\"\n    want \"%s\"\n", err, R.n, R.n ? R.msg[0] : "", want);
    return ok;
}

bool refused(const char *text, const char *want)
{
    return refused_n(text, strlen(text), want);
}

bool accepted(const char *text)
{
    int err = parse(text);
    if (err != OK || R.n != 0)
        printf("    got err %d, %d report(s): \"%s\"\n", err, R.n, R.n ? R.msg[0] : "");
    return err == OK && R.n == 0;
}

/* A text built piece by piece, for the big cases. */
char T[MANIFEST_TEXT_MAX + 4096];
size_t TN;

void tclear(void)
{
    TN = 0;
    T[0] = '\0';
}

void tput(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(T + TN, sizeof T - TN, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof T - TN)
        TN += (size_t)n;
}

const manifest_cap_t *cap_of(const manifest_t *m, size_t c, size_t k)
{
    return &m->comp[c].caps[k];
}

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
    return (k >= MANIFEST_CAP_IOPORT && k <= MANIFEST_CAP_MODULE) || k == MANIFEST_CAP_LOG || k == MANIFEST_CAP_MSI;
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
    case MANIFEST_CAP_LOG:
        if (c->root != RESOURCE_LOG || c->base || c->len)
            return "log";
        break;
    case MANIFEST_CAP_MSI:
        if (c->root != RESOURCE_MSI || c->len == 0 || c->base >= MSI_MAX || c->len > MSI_MAX - c->base)
            return "msi range";
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
const char *invariants(const manifest_t *m)
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

/* ---- the example of docs/manifest.md ------------------------------------ */

const char EXAMPLE[] =
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
void example_uncommented(char *out, size_t cap)
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

/* ---- start order -------------------------------------------------------- */

bool order_is(const uint8_t *want, size_t n)
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
