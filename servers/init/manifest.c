/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The manifest parser (format: docs/manifest.md; result: manifest.h).
 *
 * Two passes. The first reads the text a line at a time: each line is
 * checked (length, characters), cut at its comment, split into words, and
 * handed to the handler its first word names (keywords[] below). A
 * `component` line opens a block that the next one, or the end of the
 * text, closes; everything a single line can get wrong is refused on that
 * line, and a closing block is checked for what it lacks (a program, room
 * for its arguments). The second pass needs the whole file: it resolves
 * `after` names and connections, adds the implicit dependency on the name
 * service, and computes the start order, refusing unknown names and
 * cycles at the line that introduced them.
 *
 * The first failure stops the parse: it is reported once as
 * "manifest:LINE: message" and *out is zeroed. Text quoted in a message is
 * printable ASCII (checked before anything is quoted) and cut to
 * QUOTE_MAX characters.
 *
 * This file holds the keywords and the whole-file pass; the words, names,
 * numbers and reports they are built on are in manifest_lex.c (private
 * header manifest_lex.h, functions prefixed mlex_).
 */
#include "manifest.h"
#include "manifest_lex.h"

_Static_assert(MANIFEST_MAX_COMPONENTS <= 32, "dependency masks are uint32_t");

/* ---- capabilities ------------------------------------------------------ */

static bool kind_is_handle(manifest_cap_kind_t k)
{
    return (k >= MANIFEST_CAP_IOPORT && k <= MANIFEST_CAP_MODULE) || k == MANIFEST_CAP_LOG || k == MANIFEST_CAP_MSI;
}

/* A new capability entry in the open component, within the limits. */
static int new_cap(parser_t *ps, manifest_cap_kind_t kind, manifest_cap_t **out)
{
    manifest_component_t *c = ps->comp;
    tok_t name = mlex_tok_of(c->name);
    if (c->ncaps == MANIFEST_MAX_CAPS)
        return mlex_failh(ps, "too many capabilities in component %1 (at most %u)", name, NOTOK, MANIFEST_MAX_CAPS);
    if (kind_is_handle(kind) && c->nhandles == MANIFEST_MAX_HANDLES)
        return mlex_failh(ps, "too many handles in component %1 (at most %u)", name, NOTOK, MANIFEST_MAX_HANDLES);
    manifest_cap_t *cap = &c->caps[c->ncaps];
    mlex_mem_zero(cap, sizeof *cap);
    cap->kind = kind;
    cap->line = ps->line;
    *out = cap;
    return OK;
}

static void commit_cap(parser_t *ps, const manifest_cap_t *cap)
{
    ps->comp->nhandles += kind_is_handle(cap->kind);
    ps->comp->ncaps++;
}

/* The handle's name: `as NAME` if the line goes on, else the default.
 * Unique in the component; "ns" is the name service's. */
static int handle_name(parser_t *ps, manifest_cap_t *cap, const char *dflt)
{
    tok_t t;
    int err = OK;
    if (!mlex_next_tok(ps, &t))
        mlex_tok_copy(cap->name, sizeof cap->name, mlex_tok_of(dflt));
    else if (!mlex_tok_is(t, "as"))
        return mlex_failh(ps, "unexpected %1; usage: %U", t, NOTOK, 0);
    else if ((err = mlex_get_name(ps, cap->name)) != OK || (err = mlex_expect_end(ps)) != OK)
        return err;
    tok_t n = mlex_tok_of(cap->name);
    if (mlex_str_eq(cap->name, MANIFEST_NS))
        return mlex_failh(ps, "handle name %1 is reserved for the name service", n, NOTOK, 0);
    const manifest_component_t *c = ps->comp;
    for (size_t i = 0; i < c->ncaps; i++)
        if (kind_is_handle(c->caps[i].kind) && mlex_str_eq(c->caps[i].name, cap->name))
            return mlex_failh(ps, "handle name %1 used twice in component %2 (add 'as NAME')", n,
                              mlex_tok_of(c->name), 0);
    return OK;
}

/* [base, base + len) inside [0, limit), len > 0, aligned to align. */
static int check_range(const parser_t *ps, uint64_t base, uint64_t len, uint64_t limit, uint64_t align)
{
    if (len == 0)
        return mlex_failh(ps, "%k range is empty (length 0)", NOTOK, NOTOK, 0);
    if (base >= limit || len > limit - base)
        return mlex_failh(ps, "%k range goes past the limit %x", NOTOK, NOTOK, limit);
    if ((base | len) & (align - 1))
        return mlex_failh(ps, "%k base and length must be multiples of %x", NOTOK, NOTOK, align);
    return OK;
}

/* ioport BASE LEN [as NAME], mmio BASE LEN [as NAME], msi BASE LEN [as NAME] */
static int parse_range_cap(parser_t *ps, manifest_cap_kind_t kind, uint32_t root, uint64_t limit, uint64_t align)
{
    manifest_cap_t *cap;
    int err = new_cap(ps, kind, &cap);
    if (err == OK && (err = mlex_get_u64(ps, &cap->base)) == OK && (err = mlex_get_u64(ps, &cap->len)) == OK &&
        (err = check_range(ps, cap->base, cap->len, limit, align)) == OK &&
        (err = handle_name(ps, cap, ps->kw->word)) == OK) {
        cap->root = root;
        commit_cap(ps, cap);
    }
    return err;
}

static int kw_ioport(parser_t *ps)
{
    return parse_range_cap(ps, MANIFEST_CAP_IOPORT, RESOURCE_IOPORT, MANIFEST_IOPORT_LIMIT, 1);
}

static int kw_mmio(parser_t *ps)
{
    return parse_range_cap(ps, MANIFEST_CAP_MMIO, RESOURCE_MMIO, MANIFEST_MMIO_LIMIT, MANIFEST_MMIO_ALIGN);
}

static int kw_msi(parser_t *ps)
{
    return parse_range_cap(ps, MANIFEST_CAP_MSI, RESOURCE_MSI, MANIFEST_MSI_LIMIT, 1);
}

/* The components read so far, the open one included: comp[ncomp] is the
 * open one (so ncomp < MANIFEST_MAX_COMPONENTS while a block is open). */
static size_t comps_so_far(const parser_t *ps)
{
    return ps->out->ncomp + (ps->comp != NULL);
}

/* One irq object per line in the whole system: an ISA IRQ goes to one
 * component, once. */
static int check_isa_unique(const parser_t *ps, uint64_t irq)
{
    const manifest_t *m = ps->out;
    for (size_t i = 0; i < comps_so_far(ps); i++)
        for (size_t j = 0; j < m->comp[i].ncaps; j++)
            if (m->comp[i].caps[j].kind == MANIFEST_CAP_IRQ_ISA && m->comp[i].caps[j].base == irq)
                return mlex_failh(ps, "ISA IRQ %u is already given to component %1", mlex_tok_of(m->comp[i].name),
                                  NOTOK, irq);
    return OK;
}

/* irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME] */
static int kw_irq(parser_t *ps)
{
    manifest_cap_t *cap;
    tok_t how, t;
    int err = new_cap(ps, MANIFEST_CAP_IRQ, &cap);
    if (err != OK || (err = mlex_need_tok(ps, &how)) != OK)
        return err;
    bool isa = mlex_tok_is(how, "isa");
    if (!isa && !mlex_tok_is(how, "gsi"))
        return mlex_failh(ps, "unexpected %1; usage: %U", how, NOTOK, 0);
    if ((err = mlex_get_u64(ps, &cap->base)) != OK)
        return err;
    cap->len = 1;
    cap->root = RESOURCE_IRQ;
    if (isa) {
        cap->kind = MANIFEST_CAP_IRQ_ISA;
        if (cap->base > MANIFEST_ISA_IRQ_MAX)
            return mlex_failh(ps, "ISA IRQ %u out of range (0 to 15)", NOTOK, NOTOK, cap->base);
        if ((err = check_isa_unique(ps, cap->base)) != OK)
            return err;
    } else {
        /* An optional LEN: the next word, unless it is `as`. */
        const char *save = ps->p;
        if (mlex_next_tok(ps, &t) && !mlex_tok_is(t, "as")) {
            ps->p = save;
            if ((err = mlex_get_u64(ps, &cap->len)) != OK)
                return err;
        } else {
            ps->p = save;
        }
        if ((err = check_range(ps, cap->base, cap->len, MANIFEST_GSI_LIMIT, 1)) != OK)
            return err;
    }
    if ((err = handle_name(ps, cap, "irq")) == OK)
        commit_cap(ps, cap);
    return err;
}

/* dma [as NAME] */
static int kw_dma(parser_t *ps)
{
    manifest_cap_t *cap;
    int err = new_cap(ps, MANIFEST_CAP_DMA, &cap);
    if (err == OK && (err = handle_name(ps, cap, "dma")) == OK) {
        cap->root = RESOURCE_DMA;
        commit_cap(ps, cap);
    }
    return err;
}

/* log [as NAME] */
static int kw_log(parser_t *ps)
{
    manifest_cap_t *cap;
    int err = new_cap(ps, MANIFEST_CAP_LOG, &cap);
    if (err == OK && (err = handle_name(ps, cap, "log")) == OK) {
        cap->root = RESOURCE_LOG;
        commit_cap(ps, cap);
    }
    return err;
}

static bool has_all_modules(const manifest_component_t *c)
{
    for (size_t i = 0; i < c->ncaps; i++)
        if (c->caps[i].kind == MANIFEST_CAP_ALL_MODULES)
            return true;
    return false;
}

/* module NAME [as NAME] | module * */
static int kw_module(parser_t *ps)
{
    tok_t t;
    manifest_cap_t *cap;
    const char *save = ps->p;
    if (mlex_next_tok(ps, &t) && mlex_tok_is(t, "*")) {
        int err = mlex_expect_end(ps);
        if (err == OK && has_all_modules(ps->comp))
            err = mlex_failh(ps, "'module *' given twice", NOTOK, NOTOK, 0);
        if (err == OK && (err = new_cap(ps, MANIFEST_CAP_ALL_MODULES, &cap)) == OK)
            commit_cap(ps, cap);
        return err;
    }
    ps->p = save;
    int err = new_cap(ps, MANIFEST_CAP_MODULE, &cap);
    if (err == OK && (err = mlex_get_name(ps, cap->module)) == OK && (err = handle_name(ps, cap, cap->module)) == OK)
        commit_cap(ps, cap);
    return err;
}

static int check_provide_unique(const parser_t *ps, tok_t svc)
{
    const manifest_t *m = ps->out;
    for (size_t i = 0; i < comps_so_far(ps); i++) {
        const manifest_component_t *c = &m->comp[i];
        for (size_t j = 0; j < c->ncaps; j++)
            if (c->caps[j].kind == MANIFEST_CAP_PROVIDE && mlex_tok_is(svc, c->caps[j].name))
                return mlex_failh(ps, "service %1 is already provided by component %2", svc, mlex_tok_of(c->name), 0);
    }
    return OK;
}

/* provide NAME... */
static int kw_provide(parser_t *ps)
{
    tok_t t;
    int err = mlex_need_tok(ps, &t);
    for (bool more = true; err == OK && more; more = mlex_next_tok(ps, &t)) {
        manifest_cap_t *cap;
        if ((err = mlex_check_name(ps, t)) == OK && (err = check_provide_unique(ps, t)) == OK &&
            (err = new_cap(ps, MANIFEST_CAP_PROVIDE, &cap)) == OK) {
            mlex_tok_copy(cap->name, sizeof cap->name, t);
            commit_cap(ps, cap);
        }
    }
    return err;
}

/* One name of a connect line: NAME, PREFIX* or *. */
static int connect_one(parser_t *ps, tok_t t)
{
    bool pattern = t.n > 0 && t.s[t.n - 1] == '*';
    tok_t name = { t.s, t.n - pattern };
    int err = OK;
    if (!pattern || name.n > 0)
        err = mlex_check_name(ps, name);
    const manifest_component_t *c = ps->comp;
    for (size_t i = 0; err == OK && i < c->ncaps; i++)
        if (c->caps[i].kind == MANIFEST_CAP_CONNECT && c->caps[i].pattern == pattern &&
            mlex_tok_is(name, c->caps[i].name))
            err = mlex_failh(ps, "connect %1 given twice", t, NOTOK, 0);
    manifest_cap_t *cap;
    if (err == OK && (err = new_cap(ps, MANIFEST_CAP_CONNECT, &cap)) == OK) {
        mlex_tok_copy(cap->name, sizeof cap->name, name);
        cap->pattern = pattern;
        commit_cap(ps, cap);
    }
    return err;
}

/* connect NAME... */
static int kw_connect(parser_t *ps)
{
    tok_t t;
    int err = mlex_need_tok(ps, &t);
    for (bool more = true; err == OK && more; more = mlex_next_tok(ps, &t))
        err = connect_one(ps, t);
    return err;
}

/* ---- component settings ------------------------------------------------ */

static int once(const parser_t *ps, uint32_t *line)
{
    if (*line)
        return mlex_failh(ps, "%1 given twice in component %2 (first at line %u)", mlex_tok_of(ps->kw->word),
                          mlex_tok_of(ps->comp->name), *line);
    *line = ps->line;
    return OK;
}

/* program MODULE */
static int kw_program(parser_t *ps)
{
    int err = once(ps, &ps->comp->program_line);
    if (err == OK && (err = mlex_get_name(ps, ps->comp->program)) == OK)
        err = mlex_expect_end(ps);
    return err;
}

/* args WORD... : kept single-spaced; the length is checked with the
 * program's when the component closes. */
static int kw_args(parser_t *ps)
{
    manifest_component_t *c = ps->comp;
    tok_t t;
    int err = once(ps, &c->args_line);
    if (err == OK)
        err = mlex_need_tok(ps, &t);
    size_t n = 0;
    for (bool more = true; err == OK && more; more = mlex_next_tok(ps, &t)) {
        /* A line is shorter than args[], so this always fits. */
        if (n)
            c->args[n++] = ' ';
        mlex_tok_copy(c->args + n, sizeof c->args - n, t);
        n += t.n;
    }
    return err;
}

/* after NAME... : resolved when the whole file is read. */
static int kw_after(parser_t *ps)
{
    manifest_component_t *c = ps->comp;
    tok_t t;
    int err = mlex_need_tok(ps, &t);
    for (bool more = true; err == OK && more; more = mlex_next_tok(ps, &t)) {
        if ((err = mlex_check_name(ps, t)) != OK)
            break;
        for (size_t i = 0; i < c->nafter; i++)
            if (mlex_tok_is(t, c->after[i]))
                return mlex_failh(ps, "%1 named twice in 'after'", t, NOTOK, 0);
        if (c->nafter == MANIFEST_MAX_AFTER)
            return mlex_failh(ps, "too many 'after' names in component %1 (at most %u)", mlex_tok_of(c->name),
                              NOTOK, MANIFEST_MAX_AFTER);
        mlex_tok_copy(c->after[c->nafter], MANIFEST_NAME_MAX, t);
        c->after_line[c->nafter++] = ps->line;
    }
    return err;
}

/* restart never | restart on-failure|always [backoff MIN MAX] [limit N] */
static int kw_restart(parser_t *ps)
{
    manifest_component_t *c = ps->comp;
    tok_t t;
    int err = once(ps, &c->restart_line);
    if (err == OK)
        err = mlex_need_tok(ps, &t);
    if (err != OK)
        return err;
    if (mlex_tok_is(t, "never"))
        return mlex_expect_end(ps);
    if (!mlex_tok_is(t, "on-failure") && !mlex_tok_is(t, "always"))
        return mlex_failh(ps, "unexpected %1; usage: %U", t, NOTOK, 0);
    c->restart = mlex_tok_is(t, "always") ? MANIFEST_RESTART_ALWAYS : MANIFEST_RESTART_ON_FAILURE;
    bool backoff = false, limit = false;
    while (err == OK && mlex_next_tok(ps, &t)) {
        if (mlex_tok_is(t, "backoff") && !backoff) {
            backoff = true;
            if ((err = mlex_get_duration(ps, &c->backoff_min_ms)) == OK &&
                (err = mlex_get_duration(ps, &c->backoff_max_ms)) == OK && c->backoff_min_ms > c->backoff_max_ms)
                err = mlex_failh(ps, "backoff: the first delay is longer than the second", NOTOK, NOTOK, 0);
        } else if (mlex_tok_is(t, "limit") && !limit) {
            uint64_t n = 0;
            limit = true;
            if ((err = mlex_get_u64(ps, &n)) == OK && (n == 0 || n > MANIFEST_RESTART_LIMIT_MAX))
                err = mlex_failh(ps, "restart limit out of range (1 to %u)", NOTOK, NOTOK, MANIFEST_RESTART_LIMIT_MAX);
            c->restart_limit = (uint32_t)n;
        } else {
            err = mlex_failh(ps, "unexpected %1; usage: %U", t, NOTOK, 0);
        }
    }
    return err;
}

/* quota [memory SIZE] [handles N] [threads N]: at least one, each once. */
static int kw_quota(parser_t *ps)
{
    manifest_component_t *c = ps->comp;
    tok_t t;
    int err = once(ps, &c->quota_line);
    if (err == OK)
        err = mlex_need_tok(ps, &t);
    bool memory = false, handles = false, threads = false;
    for (bool more = true; err == OK && more; more = mlex_next_tok(ps, &t)) {
        uint64_t v = 0;
        if (mlex_tok_is(t, "memory") && !memory) {
            memory = true;
            if ((err = mlex_get_size(ps, &v)) != OK)
                break;
            if (v < MANIFEST_QUOTA_MEMORY_MIN || v > MANIFEST_QUOTA_MEMORY_MAX)
                err = mlex_failh(ps, "memory quota out of range (64K to 64G)", NOTOK, NOTOK, 0);
            else if (v % 4096)
                err = mlex_failh(ps, "memory quota is not a multiple of 4K", NOTOK, NOTOK, 0);
            c->quota_memory = v;
        } else if (mlex_tok_is(t, "handles") && !handles) {
            handles = true;
            if ((err = mlex_get_u64(ps, &v)) == OK &&
                (v < MANIFEST_QUOTA_HANDLES_MIN || v > MANIFEST_QUOTA_HANDLES_MAX))
                err = mlex_failh(ps, "handle quota out of range (%u to 65535)", NOTOK, NOTOK,
                                 MANIFEST_QUOTA_HANDLES_MIN);
            c->quota_handles = (uint32_t)v;
        } else if (mlex_tok_is(t, "threads") && !threads) {
            threads = true;
            if ((err = mlex_get_u64(ps, &v)) == OK && (v == 0 || v > MANIFEST_QUOTA_THREADS_MAX))
                err = mlex_failh(ps, "thread quota out of range (1 to %u)", NOTOK, NOTOK, MANIFEST_QUOTA_THREADS_MAX);
            c->quota_threads = (uint32_t)v;
        } else {
            err = mlex_failh(ps, "unexpected %1; usage: %U", t, NOTOK, 0);
        }
    }
    return err;
}

/* What a block lacks is only known when it closes. */
static int close_component(parser_t *ps)
{
    manifest_component_t *c = ps->comp;
    if (!c)
        return OK;
    if (!c->program_line)
        return mlex_fail(ps, c->line, "component %1 has no program", mlex_tok_of(c->name), NOTOK, 0);
    size_t args = mlex_str_len(c->args);
    if (args && mlex_str_len(c->program) + 1 + args > MANIFEST_ARGS_MAX - 1)
        return mlex_fail(ps, c->args_line, "program and args are longer than %u characters", NOTOK, NOTOK,
                         MANIFEST_ARGS_MAX - 1);
    ps->out->ncomp++;
    ps->comp = NULL;
    return OK;
}

/* component NAME */
static int kw_component(parser_t *ps)
{
    manifest_t *m = ps->out;
    tok_t t;
    int err = close_component(ps);
    if (err == OK)
        err = mlex_need_tok(ps, &t);
    if (err == OK)
        err = mlex_check_name(ps, t);
    if (err == OK)
        err = mlex_expect_end(ps);
    if (err != OK)
        return err;
    for (size_t i = 0; i < m->ncomp; i++)
        if (mlex_tok_is(t, m->comp[i].name))
            return mlex_failh(ps, "component %1 already defined at line %u", t, NOTOK, m->comp[i].line);
    if (m->ncomp == MANIFEST_MAX_COMPONENTS)
        return mlex_failh(ps, "too many components (at most %u)", NOTOK, NOTOK, MANIFEST_MAX_COMPONENTS);
    manifest_component_t *c = &m->comp[m->ncomp];
    mlex_tok_copy(c->name, sizeof c->name, t);
    c->line = ps->line;
    c->backoff_min_ms = MANIFEST_BACKOFF_MIN_DEFAULT;
    c->backoff_max_ms = MANIFEST_BACKOFF_MAX_DEFAULT;
    c->quota_memory = MANIFEST_QUOTA_MEMORY_DEFAULT;
    c->quota_handles = MANIFEST_QUOTA_HANDLES_DEFAULT;
    c->quota_threads = MANIFEST_QUOTA_THREADS_DEFAULT;
    ps->comp = c;
    return OK;
}

static const keyword_t keywords[] = {
    { "component", kw_component, "component NAME" },
    { "program", kw_program, "program MODULE" },
    { "args", kw_args, "args WORD..." },
    { "after", kw_after, "after COMPONENT..." },
    { "restart", kw_restart, "restart never | on-failure|always [backoff MIN MAX] [limit N]" },
    { "quota", kw_quota, "quota [memory SIZE] [handles N] [threads N]" },
    { "ioport", kw_ioport, "ioport BASE LEN [as NAME]" },
    { "mmio", kw_mmio, "mmio BASE LEN [as NAME]" },
    { "irq", kw_irq, "irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
    { "dma", kw_dma, "dma [as NAME]" },
    { "log", kw_log, "log [as NAME]" },
    { "msi", kw_msi, "msi BASE LEN [as NAME]" },
    { "module", kw_module, "module NAME [as NAME] | module *" },
    { "provide", kw_provide, "provide SERVICE..." },
    { "connect", kw_connect, "connect SERVICE|PREFIX*|*..." },
};

/* ---- lines ------------------------------------------------------------- */

/* Checks the characters of a line and ends ps->end at its comment: a word
 * starting with '#'. Code is printable ASCII and tabs; a comment may also
 * hold bytes from 0x80 (UTF-8) but no control characters. */
static int scan_line(parser_t *ps, const char *s, size_t n)
{
    bool comment = false;
    ps->p = s;
    ps->end = s + n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!comment && c == '#' && (i == 0 || mlex_is_space(s[i - 1]))) {
            comment = true;
            ps->end = s + i;
        }
        bool ok = c == '\t' || (c >= 0x20 && c < 0x7f) || (comment && c >= 0x80);
        if (!ok)
            return mlex_failh(ps, "invalid character (byte %x)", NOTOK, NOTOK, c);
    }
    return OK;
}

static int parse_line(parser_t *ps, const char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    if (n > MANIFEST_LINE_MAX)
        return mlex_failh(ps, "line longer than %u characters", NOTOK, NOTOK, MANIFEST_LINE_MAX);
    tok_t t;
    int err = scan_line(ps, s, n);
    if (err != OK || !mlex_next_tok(ps, &t))
        return err;
    ps->kw = NULL;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (mlex_tok_is(t, keywords[i].word))
            ps->kw = &keywords[i];
    if (!ps->kw)
        return mlex_failh(ps, "unknown keyword %1", t, NOTOK, 0);
    if (!ps->comp && ps->kw->parse != kw_component)
        return mlex_failh(ps, "%1 outside a component (start one with 'component NAME')", t, NOTOK, 0);
    return ps->kw->parse(ps);
}

/* ---- the whole file ---------------------------------------------------- */

/* The line of the edge "c after d": its `after` line, or for the implicit
 * dependency on ns, c's first service line. */
static uint32_t edge_line(const manifest_component_t *c, size_t d)
{
    for (size_t i = 0; i < c->nafter; i++)
        if (c->after_index[i] == d)
            return c->after_line[i];
    for (size_t i = 0; i < c->ncaps; i++)
        if (c->caps[i].kind == MANIFEST_CAP_PROVIDE || c->caps[i].kind == MANIFEST_CAP_CONNECT)
            return c->caps[i].line;
    return c->line;
}

/* Resolves one component's names against the whole file. */
static int resolve(parser_t *ps, size_t i)
{
    manifest_t *m = ps->out;
    manifest_component_t *c = &m->comp[i];
    for (size_t a = 0; a < c->nafter; a++) {
        int d = manifest_find(m, c->after[a]);
        if (d < 0)
            return mlex_fail(ps, c->after_line[a], "'after' names %1, which is not a component",
                             mlex_tok_of(c->after[a]), NOTOK, 0);
        if ((size_t)d == i)
            return mlex_fail(ps, c->after_line[a], "component %1 cannot start after itself", mlex_tok_of(c->name),
                             NOTOK, 0);
        c->after_index[a] = (uint8_t)d;
        c->after_mask |= (uint32_t)1 << d;
    }
    for (size_t k = 0; k < c->ncaps; k++) {
        const manifest_cap_t *cap = &c->caps[k];
        bool service = cap->kind == MANIFEST_CAP_PROVIDE || cap->kind == MANIFEST_CAP_CONNECT;
        if (cap->kind == MANIFEST_CAP_CONNECT && !cap->pattern && manifest_provider(m, cap->name) < 0)
            return mlex_fail(ps, cap->line, "no component provides service %1", mlex_tok_of(cap->name), NOTOK, 0);
        if (service && !c->uses_ns && m->ns != (int)i) {
            if (m->ns < 0)
                return mlex_fail(ps, cap->line, "component %1 uses services, but no component provides 'ns'",
                                 mlex_tok_of(c->name), NOTOK, 0);
            c->uses_ns = true;
            c->after_mask |= (uint32_t)1 << m->ns;
        }
    }
    return OK;
}

/* Reports a cycle among the components not yet placed, every one of which
 * waits for another unplaced one. Follows the lowest-numbered waiting edge
 * from the first such component until a component repeats. */
static int report_cycle(const parser_t *ps, uint32_t placed)
{
    const manifest_t *m = ps->out;
    int seen[MANIFEST_MAX_COMPONENTS];
    uint8_t path[MANIFEST_MAX_COMPONENTS] = { 0 };
    size_t len = 0, cur = 0;
    for (size_t i = 0; i < m->ncomp; i++)
        seen[i] = -1;
    while (placed & ((uint32_t)1 << cur))
        cur++;
    while (seen[cur] < 0) {
        seen[cur] = (int)len;
        path[len++] = (uint8_t)cur;
        uint32_t waits = m->comp[cur].after_mask & ~placed;
        size_t next = 0;
        while (!(waits & ((uint32_t)1 << next)))
            next++;
        cur = next;
    }
    /* The cycle is path[seen[cur]..len); print it from its lowest member. */
    size_t first = (size_t)seen[cur], lowest = first;
    for (size_t k = first; k < len; k++)
        if (path[k] < path[lowest])
            lowest = k;
    size_t n = len - first;
    size_t a = path[lowest], b = path[first + (lowest - first + 1) % n];
    msg_t msg;
    mlex_msg_begin(&msg, edge_line(&m->comp[a], b));
    mlex_msg_str(&msg, "start order has a cycle: ");
    for (size_t k = 0; k <= n; k++) {
        if (k)
            mlex_msg_str(&msg, " after ");
        mlex_msg_quote(&msg, mlex_tok_of(m->comp[path[first + (lowest - first + k) % n]].name));
    }
    return mlex_msg_send(ps, &msg);
}

/* Each step starts the earliest listed component whose dependencies have
 * all started. */
static int compute_order(parser_t *ps)
{
    manifest_t *m = ps->out;
    uint32_t placed = 0;
    for (size_t k = 0; k < m->ncomp; k++) {
        size_t pick = 0;
        while (pick < m->ncomp &&
               ((placed & ((uint32_t)1 << pick)) || (m->comp[pick].after_mask & ~placed) != 0))
            pick++;
        if (pick == m->ncomp)
            return report_cycle(ps, placed);
        m->order[k] = (uint8_t)pick;
        placed |= (uint32_t)1 << pick;
    }
    return OK;
}

static int finish(parser_t *ps)
{
    manifest_t *m = ps->out;
    if (m->ncomp == 0)
        return mlex_fail(ps, 0, "no components", NOTOK, NOTOK, 0);
    m->ns = manifest_provider(m, MANIFEST_NS);
    for (size_t i = 0; i < m->ncomp; i++) {
        int err = resolve(ps, i);
        if (err != OK)
            return err;
    }
    return compute_order(ps);
}

static int parse_text(parser_t *ps, const char *text, size_t len)
{
    if (!text && len)
        return mlex_fail(ps, 0, "NULL text", NOTOK, NOTOK, 0);
    if (len > MANIFEST_TEXT_MAX)
        return mlex_fail(ps, 0, "larger than %u bytes", NOTOK, NOTOK, MANIFEST_TEXT_MAX);
    int err = OK;
    for (size_t pos = 0; err == OK && pos < len;) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n')
            eol++;
        ps->line++;
        err = parse_line(ps, text + pos, eol - pos);
        pos = eol + 1;
    }
    if (err == OK)
        err = close_component(ps);
    if (err == OK)
        err = finish(ps);
    return err;
}

int manifest_parse(const char *text, size_t len, manifest_t *out, manifest_report_fn report, void *ctx)
{
    if (!out)
        return ERR_INVALID_ARGS;
    mlex_mem_zero(out, sizeof *out);
    out->ns = -1;
    parser_t ps = { .out = out, .report = report, .ctx = ctx };
    int err = parse_text(&ps, text, len);
    if (err != OK)
        mlex_mem_zero(out, sizeof *out);
    return err;
}

/* ---- queries ----------------------------------------------------------- */

/* A name as the parser accepts it, read no further than MANIFEST_NAME_MAX. */
static bool cstr_name_valid(const char *s)
{
    size_t n = 0;
    while (n < MANIFEST_NAME_MAX && s[n])
        n++;
    return mlex_name_valid(s, n);
}

bool manifest_name_valid(const char *name)
{
    return name && cstr_name_valid(name);
}

int manifest_find(const manifest_t *m, const char *name)
{
    if (!m || !name || !cstr_name_valid(name))
        return -1;
    for (size_t i = 0; i < m->ncomp && i < MANIFEST_MAX_COMPONENTS; i++)
        if (mlex_str_eq(m->comp[i].name, name))
            return (int)i;
    return -1;
}

int manifest_provider(const manifest_t *m, const char *service)
{
    if (!m || !service || !cstr_name_valid(service))
        return -1;
    for (size_t i = 0; i < m->ncomp && i < MANIFEST_MAX_COMPONENTS; i++)
        for (size_t j = 0; j < m->comp[i].ncaps && j < MANIFEST_MAX_CAPS; j++)
            if (m->comp[i].caps[j].kind == MANIFEST_CAP_PROVIDE && mlex_str_eq(m->comp[i].caps[j].name, service))
                return (int)i;
    return -1;
}

static bool has_prefix(const char *s, const char *prefix)
{
    while (*prefix && *s == *prefix) {
        s++;
        prefix++;
    }
    return *prefix == '\0';
}

bool manifest_may_connect(const manifest_t *m, size_t comp, const char *service)
{
    if (!m || comp >= m->ncomp || comp >= MANIFEST_MAX_COMPONENTS || !service || !cstr_name_valid(service))
        return false;
    const manifest_component_t *c = &m->comp[comp];
    for (size_t j = 0; j < c->ncaps && j < MANIFEST_MAX_CAPS; j++) {
        const manifest_cap_t *cap = &c->caps[j];
        if (cap->kind == MANIFEST_CAP_CONNECT &&
            (cap->pattern ? has_prefix(service, cap->name) : mlex_str_eq(cap->name, service)))
            return true;
    }
    return false;
}
