/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's output ring and the unfinished-line bookkeeping that keeps
 * kernel log lines apart from program output and echoes (model in out.h).
 * State: the ring [head, head + len); cur, the terminal line since the
 * last line end; in_log, set by the first log line of a run and cleared by
 * the repaint that ends it.
 */
#include "out.h"

#include <string.h>

void out_init(out_t *o)
{
    memset(o, 0, sizeof *o);
}

size_t out_space(const out_t *o)
{
    return OUT_RING_CAP - o->len;
}

size_t out_pending(const out_t *o)
{
    return o->len;
}

static size_t newlines(const void *s, size_t n)
{
    const uint8_t *p = s;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '\n';
    return k;
}

static size_t repaint_size(const out_t *o)
{
    return o->cur_long ? 0 : o->cur_len;
}

static bool line_open(const out_t *o)
{
    return o->cur_len > 0 || o->cur_long;
}

static void push(out_t *o, const void *s, size_t n)
{
    const uint8_t *p = s;
    for (size_t i = 0; i < n; i++)
        o->ring[(o->head + o->len + i) % OUT_RING_CAP] = p[i];
    o->len += n;
}

/* '\n' as "\r\n", the way a terminal wants it. */
static void push_text(out_t *o, const void *s, size_t n)
{
    const uint8_t *p = s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            push(o, "\r", 1);
        push(o, &p[i], 1);
    }
}

/* What the terminal line looks like after byte c. */
static void track(out_t *o, uint8_t c)
{
    if (c == '\n' || c == '\r') {
        o->cur_len = 0;
        o->cur_long = false;
    } else if (c == '\b') {
        if (o->cur_len > 0)
            o->cur_len--;
    } else if (c != '\a') {
        if (o->cur_len < OUT_LINE_MAX)
            o->cur[o->cur_len++] = (char)c;
        else
            o->cur_long = true;
    }
}

size_t out_text_size(const out_t *o, const void *s, size_t n)
{
    return (o->in_log ? repaint_size(o) : 0) + n + newlines(s, n);
}

size_t out_log_size(const out_t *o, const char *s, size_t n)
{
    bool ends = n > 0 && s[n - 1] == '\n';
    size_t lead = !o->in_log && line_open(o) ? 2 : 0;
    return lead + n + newlines(s, n) + (ends ? 0 : 2) + repaint_size(o);
}

bool out_text(out_t *o, const void *s, size_t n)
{
    if (out_text_size(o, s, n) > out_space(o))
        return false;
    out_log_end(o);
    push_text(o, s, n);
    const uint8_t *p = s;
    for (size_t i = 0; i < n; i++)
        track(o, p[i]);
    return true;
}

bool out_log_line(out_t *o, const char *s, size_t n)
{
    if (out_log_size(o, s, n) > out_space(o))
        return false;
    if (!o->in_log && line_open(o))
        push(o, "\r\n", 2);
    o->in_log = true;
    push_text(o, s, n);
    if (n == 0 || s[n - 1] != '\n')
        push(o, "\r\n", 2);
    return true;
}

void out_log_end(out_t *o)
{
    if (!o->in_log)
        return;
    o->in_log = false;
    /* out_log_line kept room for this; the check guards the invariant. */
    if (repaint_size(o) <= out_space(o))
        push(o, o->cur, repaint_size(o));
}

size_t out_take(out_t *o, uint8_t *buf, size_t max)
{
    size_t n = o->len < max ? o->len : max;
    for (size_t i = 0; i < n; i++)
        buf[i] = o->ring[(o->head + i) % OUT_RING_CAP];
    o->head = (o->head + n) % OUT_RING_CAP;
    o->len -= n;
    return n;
}
