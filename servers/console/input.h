/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's input side: pure code, no system calls (host-tested by
 * tests/host/test_console_input.c). Typed bytes wait in a bounded queue
 * until a read takes them; the mode of that read decides what they become:
 *
 *   raw     the queued bytes as typed, up to `max`, at least one; no echo,
 *           no editing;
 *   cooked  the queued bytes go through the line discipline (line.h), with
 *           echo, until a record is complete: a line with its '\n', a line
 *           pushed by Ctrl-D (no '\n'), or end of file (a read of 0
 *           bytes). A record longer than `max` is handed out in pieces over
 *           several reads.
 *
 * So bytes are echoed when a cooked reader takes them, not when they are
 * typed: typed-ahead input for a raw reader (a shell doing its own
 * editing) is never echoed twice. What has been edited but not yet read
 * (the rest of a record) goes to the next read of either mode, before any
 * newer byte. A line being edited stays in the editor for the next cooked
 * read; a raw read does not see it.
 *
 * A full queue drops further typed bytes and counts them (input_dropped):
 * the caller reports the count, so nothing is lost silently.
 */
#ifndef CONSOLE_INPUT_H
#define CONSOLE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line.h"

#define INPUT_QUEUE_CAP 4096 /* typed bytes nobody has taken yet */
#define INPUT_WAIT (-1)      /* input_read: nothing to hand out yet */

/* Where input_read sends what a cooked read echoes. */
typedef void (*input_echo_fn)(void *ctx, const char *s, size_t n);

typedef struct input {
    uint8_t q[INPUT_QUEUE_CAP]; /* ring of typed bytes */
    size_t head, len;
    uint64_t dropped;           /* bytes refused since the last input_dropped */
    line_t line;                /* the cooked line being edited */
    char rec[CONSOLE_LINE_MAX + 1]; /* a completed record (with its '\n') */
    size_t rec_off, rec_len;        /* [rec_off, rec_len) not read yet */
} input_t;

void input_init(input_t *in);

/* A byte came from the serial line. False when the queue was full (the
 * byte is counted as dropped). */
bool input_typed(input_t *in, uint8_t c);

/* Serves one read of at most max (>= 1) bytes into out: the byte count
 * (0 is end of file, cooked only) or INPUT_WAIT. Cooked reads echo what
 * they edit through echo(ctx, ...). */
long input_read(input_t *in, bool raw, uint8_t *out, size_t max, input_echo_fn echo, void *ctx);

/* Bytes dropped since the last call (and resets the count). */
uint64_t input_dropped(input_t *in);

/* Bytes typed and not taken yet (queue only). */
size_t input_queued(const input_t *in);

#endif
