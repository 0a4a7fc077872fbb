/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The manifest parser's lexical layer (declared in manifest_lex.h, private
 * to the parser): string helpers without libc, the failure reports
 * ("manifest:LINE: message", quoted text cut to QUOTE_MAX characters), and
 * reading the words of a line as names, numbers and durations. The
 * keywords and what they build are in manifest.c.
 */
#include "manifest_lex.h"

/* ---- small string helpers (no libc) ------------------------------------ */

void mlex_mem_zero(void *p, size_t n)
{
    unsigned char *b = p;
    while (n--)
        *b++ = 0;
}

size_t mlex_str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

bool mlex_str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

tok_t mlex_tok_of(const char *s)
{
    return (tok_t){ s, mlex_str_len(s) };
}

bool mlex_tok_is(tok_t t, const char *word)
{
    size_t i = 0;
    while (i < t.n && word[i] && t.s[i] == word[i])
        i++;
    return i == t.n && word[i] == '\0';
}

/* Copies a word already known to be shorter than cap. */
void mlex_tok_copy(char *dst, size_t cap, tok_t t)
{
    size_t i = 0;
    for (; i < t.n && i + 1 < cap; i++)
        dst[i] = t.s[i];
    dst[i] = '\0';
}

/* ---- reports ----------------------------------------------------------- */

static void msg_char(msg_t *m, char c)
{
    if (m->n + 1 < MSG_MAX)
        m->s[m->n++] = c;
    m->s[m->n] = '\0';
}

void mlex_msg_str(msg_t *m, const char *s)
{
    while (*s)
        msg_char(m, *s++);
}

static void msg_num(msg_t *m, uint64_t v, unsigned base)
{
    char d[20];
    size_t n = 0;
    if (base == 16)
        mlex_msg_str(m, "0x");
    do {
        d[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        msg_char(m, d[--n]);
}

/* 'word', cut to QUOTE_MAX characters. */
void mlex_msg_quote(msg_t *m, tok_t t)
{
    msg_char(m, '\'');
    for (size_t i = 0; i < t.n && i < QUOTE_MAX; i++)
        msg_char(m, t.s[i]);
    if (t.n > QUOTE_MAX)
        mlex_msg_str(m, "...");
    msg_char(m, '\'');
}

void mlex_msg_begin(msg_t *m, uint32_t line)
{
    m->n = 0;
    mlex_msg_str(m, "manifest:");
    if (line) {
        msg_num(m, line, 10);
        msg_char(m, ':');
    }
    msg_char(m, ' ');
}

int mlex_msg_send(const parser_t *ps, const msg_t *m)
{
    if (ps->report)
        ps->report(ps->ctx, m->s);
    return ERR_CORRUPT;
}

/*
 * Reports "manifest:LINE: fmt" and returns ERR_CORRUPT. In fmt, %1 and %2
 * are a and b quoted, %u and %x are u in decimal and in hexadecimal (0x),
 * %k and %U are the current keyword and its usage.
 */
int mlex_fail(const parser_t *ps, uint32_t line, const char *fmt, tok_t a, tok_t b, uint64_t u)
{
    msg_t m;
    mlex_msg_begin(&m, line);
    for (; *fmt; fmt++) {
        if (*fmt != '%' || !fmt[1]) {
            msg_char(&m, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '1' || *fmt == '2')
            mlex_msg_quote(&m, *fmt == '1' ? a : b);
        else if (*fmt == 'u' || *fmt == 'x')
            msg_num(&m, u, *fmt == 'u' ? 10 : 16);
        else if (*fmt == 'k' || *fmt == 'U')
            mlex_msg_str(&m, !ps->kw ? "" : *fmt == 'k' ? ps->kw->word : ps->kw->usage);
        else
            msg_char(&m, *fmt);
    }
    return mlex_msg_send(ps, &m);
}

/* A failure on the current line. */
int mlex_failh(const parser_t *ps, const char *fmt, tok_t a, tok_t b, uint64_t u)
{
    return mlex_fail(ps, ps->line, fmt, a, b, u);
}

/* ---- words, names, numbers --------------------------------------------- */

bool mlex_is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool mlex_next_tok(parser_t *ps, tok_t *t)
{
    while (ps->p < ps->end && mlex_is_space(*ps->p))
        ps->p++;
    if (ps->p == ps->end)
        return false;
    t->s = ps->p;
    while (ps->p < ps->end && !mlex_is_space(*ps->p))
        ps->p++;
    t->n = (size_t)(ps->p - t->s);
    return true;
}

/* The next word, which the keyword's usage requires. */
int mlex_need_tok(parser_t *ps, tok_t *t)
{
    if (!mlex_next_tok(ps, t))
        return mlex_failh(ps, "too few words; usage: %U", NOTOK, NOTOK, 0);
    return OK;
}

int mlex_expect_end(parser_t *ps)
{
    tok_t t;
    if (mlex_next_tok(ps, &t))
        return mlex_failh(ps, "unexpected %1; usage: %U", t, NOTOK, 0);
    return OK;
}

bool mlex_name_valid(const char *s, size_t n)
{
    if (n == 0 || n >= MANIFEST_NAME_MAX || !is_alnum(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

int mlex_check_name(const parser_t *ps, tok_t t)
{
    if (t.n >= MANIFEST_NAME_MAX)
        return mlex_failh(ps, "name %1 is longer than %u characters", t, NOTOK, MANIFEST_NAME_MAX - 1);
    if (!mlex_name_valid(t.s, t.n))
        return mlex_failh(ps, "bad name %1 (letters, digits, '.', '_', '-'; first a letter or digit)", t, NOTOK, 0);
    return OK;
}

int mlex_get_name(parser_t *ps, char dst[MANIFEST_NAME_MAX])
{
    tok_t t;
    int err = mlex_need_tok(ps, &t);
    if (err == OK)
        err = mlex_check_name(ps, t);
    if (err == OK)
        mlex_tok_copy(dst, MANIFEST_NAME_MAX, t);
    return err;
}

static int digit_value(char c, unsigned base)
{
    int v = c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    return v < (int)base ? v : -1;
}

/* Decimal without leading zeros, or 0x-prefixed hexadecimal. Returns 0,
 * -1 (not a number) or -2 (past UINT64_MAX). */
static int parse_u64(tok_t t, uint64_t *out)
{
    unsigned base = 10;
    size_t i = 0;
    if (t.n > 2 && t.s[0] == '0' && (t.s[1] == 'x' || t.s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (t.n == 0 || (t.s[0] == '0' && t.n > 1)) {
        return -1; /* a leading zero would read as octal elsewhere */
    }
    uint64_t v = 0;
    for (; i < t.n; i++) {
        int d = digit_value(t.s[i], base);
        if (d < 0)
            return -1;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return -2;
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return 0;
}

int mlex_get_u64(parser_t *ps, uint64_t *out)
{
    tok_t t;
    int err = mlex_need_tok(ps, &t);
    if (err != OK)
        return err;
    int r = parse_u64(t, out);
    if (r == -1)
        return mlex_failh(ps, "bad number %1 (decimal, or hexadecimal with 0x)", t, NOTOK, 0);
    if (r == -2)
        return mlex_failh(ps, "number %1 does not fit in 64 bits", t, NOTOK, 0);
    return OK;
}

int mlex_get_size(parser_t *ps, uint64_t *bytes)
{
    tok_t t;
    int err = mlex_need_tok(ps, &t);
    if (err != OK)
        return err;
    char last = t.n ? t.s[t.n - 1] : 0;
    unsigned shift = last == 'K' ? 10 : last == 'M' ? 20 : last == 'G' ? 30 : 0;
    tok_t num = { t.s, shift ? t.n - 1 : t.n };
    uint64_t v;
    int r = parse_u64(num, &v);
    if (r == -1 || (shift && num.n > 1 && num.s[0] == '0' && (num.s[1] == 'x' || num.s[1] == 'X')))
        return mlex_failh(ps, "bad size %1 (bytes, or a decimal number and K, M or G: 64M)", t, NOTOK, 0);
    if (r == -2 || (shift && v > (UINT64_MAX >> shift)))
        return mlex_failh(ps, "size %1 does not fit in 64 bits", t, NOTOK, 0);
    *bytes = v << shift;
    return OK;
}

/* NUMBER followed by ms or s, in [1 ms, MANIFEST_DURATION_MAX]. */
int mlex_get_duration(parser_t *ps, uint32_t *ms)
{
    tok_t t;
    int err = mlex_need_tok(ps, &t);
    if (err != OK)
        return err;
    size_t unit = 0;
    while (unit < t.n && t.s[unit] >= '0' && t.s[unit] <= '9')
        unit++;
    tok_t num = { t.s, unit }, suffix = { t.s + unit, t.n - unit };
    uint64_t scale = mlex_tok_is(suffix, "ms") ? 1 : mlex_tok_is(suffix, "s") ? 1000 : 0;
    uint64_t v;
    int r = parse_u64(num, &v);
    if (scale == 0 || r == -1)
        return mlex_failh(ps, "bad duration %1 (a decimal number and ms or s: 100ms, 5s)", t, NOTOK, 0);
    if (r == -2 || v > MANIFEST_DURATION_MAX / scale || v == 0)
        return mlex_failh(ps, "duration %1 out of range (1ms to %us)", t, NOTOK, MANIFEST_DURATION_MAX / 1000);
    *ms = (uint32_t)(v * scale);
    return OK;
}
