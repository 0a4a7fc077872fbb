/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The driver manifest parser (drvman.h). Line by line: split into words at
 * blanks, `#` starting a word begins a comment; the first word is the
 * keyword. Everything is checked before *out is complete, and every
 * length is bounded by the text and the fields.
 */
#include "drvman.h"

#define WORDS_MAX 12
#define LINE_MAX 512

typedef struct word {
    const char *s;
    size_t n;
} word_t;

typedef struct parser {
    char *err;
    uint32_t line;
    bool failed;
} parser_t;

/* ---- tiny string helpers (no libc: the parser builds freestanding) ---- */

static bool word_is(word_t w, const char *lit)
{
    size_t i = 0;
    for (; lit[i]; i++)
        if (i >= w.n || w.s[i] != lit[i])
            return false;
    return i == w.n;
}

static size_t put_str(char *dst, size_t pos, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i] && pos + 1 < DRVMAN_ERR_MAX; i++)
        dst[pos++] = s[i];
    dst[pos] = '\0';
    return pos;
}

static size_t put_uint(char *dst, size_t pos, uint32_t v)
{
    char tmp[11];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && pos + 1 < DRVMAN_ERR_MAX)
        dst[pos++] = tmp[--n];
    dst[pos] = '\0';
    return pos;
}

/* "LINE: why 'word'" (word may be empty). Keeps the first failure. */
static int fail(parser_t *p, const char *why, word_t w)
{
    if (p->failed)
        return -1;
    p->failed = true;
    size_t pos = put_uint(p->err, 0, p->line);
    pos = put_str(p->err, pos, ": ", 2);
    pos = put_str(p->err, pos, why, 200);
    if (w.n > 0) {
        pos = put_str(p->err, pos, " '", 2);
        pos = put_str(p->err, pos, w.s, w.n > 40 ? 40 : w.n);
        put_str(p->err, pos, "'", 1);
    }
    return -1;
}

static const word_t no_word = {"", 0};

static bool name_valid(word_t w)
{
    if (w.n == 0 || w.n > DRVMAN_NAME_MAX)
        return false;
    for (size_t i = 0; i < w.n; i++) {
        char c = w.s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !(i > 0 && (c == '.' || c == '_' || c == '-')))
            return false;
    }
    return true;
}

static void copy_word(char *dst, word_t w)
{
    for (size_t i = 0; i < w.n; i++)
        dst[i] = w.s[i];
    dst[w.n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly `digits` hex digits (no 0x): a vendor or device id. */
static bool parse_hex_fixed(const char *s, size_t n, size_t digits, uint32_t *out)
{
    if (n != digits)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* Decimal without leading zeros, or 0x and 1-8 hex digits; at most `max`. */
static bool parse_num(word_t w, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (w.n > 2 && w.s[0] == '0' && (w.s[1] == 'x' || w.s[1] == 'X')) {
        if (w.n > 10)
            return false;
        for (size_t i = 2; i < w.n; i++) {
            int h = hexval(w.s[i]);
            if (h < 0)
                return false;
            v = v << 4 | (uint64_t)h;
        }
    } else {
        if (w.n == 0 || w.n > 10 || (w.s[0] == '0' && w.n > 1))
            return false;
        for (size_t i = 0; i < w.n; i++) {
            if (w.s[i] < '0' || w.s[i] > '9')
                return false;
            v = v * 10 + (uint64_t)(w.s[i] - '0');
        }
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* NNNms or NNNs, 1 ms to 3600 s. */
static bool parse_duration(word_t w, uint32_t *ms)
{
    size_t unit = w.n;
    while (unit > 0 && (w.s[unit - 1] < '0' || w.s[unit - 1] > '9'))
        unit--;
    word_t num = {w.s, unit}, u = {w.s + unit, w.n - unit};
    uint32_t v;
    if (!parse_num(num, 3600000, &v) || num.n == 0 || (num.n > 1 && num.s[1] == 'x'))
        return false;
    if (word_is(u, "ms"))
        *ms = v;
    else if (word_is(u, "s") && v <= 3600)
        *ms = v * 1000;
    else
        return false;
    return *ms >= 1 && *ms <= 3600000;
}

/* ---- keywords ------------------------------------------------------------- */

static int kw_match(parser_t *p, drvman_t *m, const word_t *w, size_t nw)
{
    if (m->nmatch == DRVMAN_MATCH_MAX)
        return fail(p, "too many match lines (at most 8)", no_word);
    drvman_match_t *mt = &m->match[m->nmatch];
    if (nw == 3 && word_is(w[1], "pci")) {
        uint32_t v, d;
        if (w[2].n != 9 || w[2].s[4] != ':' || !parse_hex_fixed(w[2].s, 4, 4, &v) ||
            !parse_hex_fixed(w[2].s + 5, 4, 4, &d))
            return fail(p, "bad vendor:device (four hex digits each, e.g. 1234:11e8)", w[2]);
        mt->kind = DRVMAN_MATCH_ID;
        mt->vendor = (uint16_t)v;
        mt->device = (uint16_t)d;
    } else if (nw >= 3 && nw <= 5 && word_is(w[1], "class")) {
        uint8_t *f[3] = {&mt->class_code, &mt->subclass, &mt->prog_if};
        for (size_t i = 2; i < nw; i++) {
            uint32_t v;
            if (!parse_num(w[i], 0xff, &v))
                return fail(p, "bad class number (0-255)", w[i]);
            *f[i - 2] = (uint8_t)v;
        }
        mt->kind = DRVMAN_MATCH_CLASS;
        mt->nclass = (uint8_t)(nw - 2);
    } else {
        return fail(p, "expected 'match pci VVVV:DDDD' or 'match class CC [SS [PP]]'", no_word);
    }
    m->nmatch++;
    return 0;
}

static int kw_restart(parser_t *p, drvman_t *m, const word_t *w, size_t nw)
{
    if (nw == 2 && word_is(w[1], "never")) {
        m->restart = false;
        return 0;
    }
    m->restart = true;
    for (size_t i = 1; i < nw;) {
        if (word_is(w[i], "backoff") && i + 2 < nw) {
            if (!parse_duration(w[i + 1], &m->backoff_min_ms))
                return fail(p, "bad duration (1ms to 3600s)", w[i + 1]);
            if (!parse_duration(w[i + 2], &m->backoff_max_ms))
                return fail(p, "bad duration (1ms to 3600s)", w[i + 2]);
            if (m->backoff_min_ms > m->backoff_max_ms)
                return fail(p, "backoff minimum above its maximum", no_word);
            i += 3;
        } else if (word_is(w[i], "limit") && i + 1 < nw) {
            if (!parse_num(w[i + 1], 1000000, &m->limit) || m->limit == 0)
                return fail(p, "bad restart limit (1 to 1000000)", w[i + 1]);
            i += 2;
        } else {
            return fail(p, "expected 'restart never' or 'restart [backoff MIN MAX] [limit N]'", w[i]);
        }
    }
    return 0;
}

static int kw_args(parser_t *p, drvman_t *m, const word_t *w, size_t nw)
{
    size_t pos = 0;
    if (m->args[0])
        return fail(p, "args given twice", no_word);
    for (size_t i = 1; i < nw; i++) {
        if (pos + (pos > 0) + w[i].n > DRVMAN_ARGS_MAX)
            return fail(p, "args longer than 255 characters", no_word);
        if (pos > 0)
            m->args[pos++] = ' ';
        copy_word(m->args + pos, w[i]);
        pos += w[i].n;
    }
    return 0;
}

/* A service name or prefix pattern: NAME, NAME* or *. */
static bool service_valid(word_t w)
{
    if (w.n > 0 && w.s[w.n - 1] == '*')
        w.n--;
    return w.n == 0 || name_valid(w);
}

static bool words_eq(word_t a, word_t b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (a.s[i] != b.s[i])
            return false;
    return true;
}

/* Is w one of the words of single-spaced `list`? */
static bool in_list(const char *list, word_t w)
{
    for (size_t i = 0; list[i];) {
        size_t n = 0;
        while (list[i + n] && list[i + n] != ' ')
            n++;
        if (words_eq((word_t){list + i, n}, w))
            return true;
        i += n + (list[i + n] == ' ');
    }
    return false;
}

/* provide/connect SERVICE...: appended to `list` (single-spaced). */
static int kw_services(parser_t *p, char *list, uint32_t *count, const word_t *w, size_t nw)
{
    if (nw < 2)
        return fail(p, "expected a service name or pattern (NAME, NAME*, *) after", w[0]);
    size_t pos = 0;
    while (list[pos])
        pos++;
    for (size_t i = 1; i < nw; i++) {
        if (!service_valid(w[i]))
            return fail(p, "bad service name or pattern", w[i]);
        if (in_list(list, w[i]))
            return fail(p, "service given twice", w[i]);
        if (*count == DRVMAN_SERVICES_MAX)
            return fail(p, "too many services (at most 8 provided, 8 connected to)", w[i]);
        if (pos > 0)
            list[pos++] = ' ';
        copy_word(list + pos, w[i]);
        pos += w[i].n;
        (*count)++;
    }
    return 0;
}

/* One line's words (at most WORDS_MAX) after the driver line. */
static int keyword(parser_t *p, drvman_t *m, const word_t *w, size_t nw)
{
    if (word_is(w[0], "program")) {
        if (nw != 2 || !name_valid(w[1]))
            return fail(p, "expected 'program MODULE' (a boot module name)", nw > 1 ? w[1] : no_word);
        if (m->program[0])
            return fail(p, "program given twice", no_word);
        copy_word(m->program, w[1]);
    } else if (word_is(w[0], "args")) {
        return kw_args(p, m, w, nw);
    } else if (word_is(w[0], "match")) {
        return kw_match(p, m, w, nw);
    } else if (word_is(w[0], "dma")) {
        if (nw != 1)
            return fail(p, "'dma' takes no words", w[1]);
        m->dma = true;
    } else if (word_is(w[0], "provide")) {
        return kw_services(p, m->provide, &m->nprovide, w, nw);
    } else if (word_is(w[0], "connect")) {
        return kw_services(p, m->connect, &m->nconnect, w, nw);
    } else if (word_is(w[0], "restart")) {
        return kw_restart(p, m, w, nw);
    } else if (word_is(w[0], "driver")) {
        return fail(p, "one driver per manifest: second 'driver' line", no_word);
    } else {
        return fail(p, "unknown keyword", w[0]);
    }
    return 0;
}

/* Splits [s, s+n) into words; false on a bad character. */
static bool split(parser_t *p, const char *s, size_t n, word_t *w, size_t *nw)
{
    *nw = 0;
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        if (c == '#')
            return true;
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t') {
            if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) {
                fail(p, "bad character outside a comment", no_word);
                return false;
            }
            i++;
        }
        if (*nw == WORDS_MAX) {
            fail(p, "too many words", no_word);
            return false;
        }
        w[(*nw)++] = (word_t){s + start, i - start};
    }
    return true;
}

int drvman_parse(const char *text, size_t len, drvman_t *out, char err[DRVMAN_ERR_MAX])
{
    parser_t p = {err, 0, false};
    drvman_t m;
    for (size_t i = 0; i < sizeof m; i++)
        ((char *)&m)[i] = 0;
    m.restart = true;
    m.backoff_min_ms = 100;
    m.backoff_max_ms = 5000;
    m.limit = 5;
    err[0] = '\0';
    if (len > DRVMAN_TEXT_MAX)
        return fail(&p, "manifest larger than 16 KiB", no_word);
    bool have_driver = false;
    for (size_t pos = 0; pos < len;) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        p.line++;
        size_t n = end - pos;
        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        if (n > LINE_MAX)
            return fail(&p, "line longer than 512 characters", no_word);
        word_t w[WORDS_MAX];
        size_t nw;
        if (!split(&p, text + pos, n, w, &nw))
            return -1;
        pos = end + 1;
        if (nw == 0)
            continue;
        if (!have_driver) {
            if (!word_is(w[0], "driver") || nw != 2 || !name_valid(w[1]))
                return fail(&p, "a driver manifest starts with 'driver NAME'", no_word);
            copy_word(m.name, w[1]);
            have_driver = true;
        } else if (keyword(&p, &m, w, nw) != 0) {
            return -1;
        }
    }
    if (!have_driver)
        return fail(&p, "no 'driver NAME' line", no_word);
    if (!m.program[0])
        return fail(&p, "no 'program' line", no_word);
    if (m.nmatch == 0)
        return fail(&p, "no 'match' line: the driver would take nothing", no_word);
    *out = m;
    return 0;
}

bool drvman_matches(const drvman_t *m, uint16_t vendor, uint16_t device, uint8_t class_code, uint8_t subclass,
                    uint8_t prog_if)
{
    for (uint32_t i = 0; i < m->nmatch; i++) {
        const drvman_match_t *mt = &m->match[i];
        if (mt->kind == DRVMAN_MATCH_ID && mt->vendor == vendor && mt->device == device)
            return true;
        if (mt->kind == DRVMAN_MATCH_CLASS && mt->class_code == class_code &&
            (mt->nclass < 2 || mt->subclass == subclass) && (mt->nclass < 3 || mt->prog_if == prog_if))
            return true;
    }
    return false;
}
