/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's input queue and its two read modes (model in input.h).
 * State: the ring q of unread typed bytes; the editor `line`; at most one
 * completed record [rec_off, rec_len) not yet read (the editor only runs
 * when the previous record is gone). End of file is never kept: the read
 * that edits the Ctrl-D returns it.
 */
#include "input.h"

#include <string.h>

void input_init(input_t *in)
{
    memset(in, 0, sizeof *in);
    line_init(&in->line);
}

bool input_typed(input_t *in, uint8_t c)
{
    if (in->len == INPUT_QUEUE_CAP) {
        in->dropped++;
        return false;
    }
    in->q[(in->head + in->len) % INPUT_QUEUE_CAP] = c;
    in->len++;
    return true;
}

static uint8_t pop(input_t *in)
{
    uint8_t c = in->q[in->head];
    in->head = (in->head + 1) % INPUT_QUEUE_CAP;
    in->len--;
    return c;
}

/* Hands out up to max bytes of the completed record. */
static long take_record(input_t *in, uint8_t *out, size_t max)
{
    size_t n = in->rec_len - in->rec_off;
    if (n > max)
        n = max;
    memcpy(out, in->rec + in->rec_off, n);
    in->rec_off += n;
    if (in->rec_off == in->rec_len)
        in->rec_off = in->rec_len = 0;
    return (long)n;
}

/* Edits queued bytes until a record is complete: LINE_MORE when the queue
 * ran out first, LINE_EOF, or a record in rec. */
static enum line_event edit(input_t *in, input_echo_fn echo, void *ctx)
{
    while (in->len > 0) {
        char e[LINE_ECHO_MAX];
        size_t en;
        enum line_event ev = line_input(&in->line, pop(in), e, &en);
        if (en)
            echo(ctx, e, en);
        if (ev == LINE_EOF)
            return ev;
        if (ev == LINE_MORE)
            continue;
        memcpy(in->rec, in->line.buf, in->line.len);
        in->rec_len = in->line.len;
        if (ev == LINE_DONE)
            in->rec[in->rec_len++] = '\n';
        in->rec_off = 0;
        return ev;
    }
    return LINE_MORE;
}

static long read_raw(input_t *in, uint8_t *out, size_t max)
{
    if (in->rec_len > in->rec_off)
        return take_record(in, out, max);
    if (in->len == 0)
        return INPUT_WAIT;
    size_t n = 0;
    while (n < max && in->len > 0)
        out[n++] = pop(in);
    return (long)n;
}

static long read_cooked(input_t *in, uint8_t *out, size_t max, input_echo_fn echo, void *ctx)
{
    if (in->rec_len == in->rec_off) {
        enum line_event ev = edit(in, echo, ctx);
        if (ev == LINE_MORE)
            return INPUT_WAIT;
        if (ev == LINE_EOF)
            return 0;
    }
    return take_record(in, out, max); /* >= 1: a pushed record is never empty */
}

long input_read(input_t *in, bool raw, uint8_t *out, size_t max, input_echo_fn echo, void *ctx)
{
    if (max == 0)
        return INPUT_WAIT;
    return raw ? read_raw(in, out, max) : read_cooked(in, out, max, echo, ctx);
}

uint64_t input_dropped(input_t *in)
{
    uint64_t n = in->dropped;
    in->dropped = 0;
    return n;
}

size_t input_queued(const input_t *in)
{
    return in->len;
}
