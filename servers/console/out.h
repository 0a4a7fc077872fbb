/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's output side: pure code, no system calls (host-tested by
 * tests/host/test_console_out.c). Everything bound for the serial line -
 * program output, echoes, kernel log lines - goes through one bounded ring
 * in the order it was queued; the driver takes bytes from it as fast as
 * the UART accepts them (out_take). Nothing is ever written to the ring in
 * part: a caller asks out_text_size/out_space first and queues only what
 * fits, so a full ring means "wait" (or, for echoes, a counted drop).
 *
 * Terminal text (out_text) has '\n' turned into "\r\n". The ring also
 * remembers the unfinished terminal line: what was written since the last
 * '\n' or '\r' (backspaces remove a character, bells are left out), up to
 * OUT_LINE_MAX bytes. Kernel log lines (out_log_line) must not land in the
 * middle of it: the first log line of a run starts on a line of its own,
 * and when the run ends (out_log_end, or the next terminal text) the
 * unfinished line is written again, so whoever was typing or printing a
 * prompt sees it whole below the log. A line longer than OUT_LINE_MAX is
 * not repainted (the log still gets a line of its own).
 */
#ifndef CONSOLE_OUT_H
#define CONSOLE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUT_RING_CAP 32768
#define OUT_LINE_MAX 256

typedef struct out {
    uint8_t ring[OUT_RING_CAP];
    size_t head, len;
    char cur[OUT_LINE_MAX]; /* the unfinished terminal line */
    size_t cur_len;
    bool cur_long;          /* it outgrew cur: not repainted */
    bool in_log;            /* log lines were queued since the last text */
} out_t;

void out_init(out_t *o);

/* Free bytes in the ring. */
size_t out_space(const out_t *o);

/* Bytes waiting to be sent. */
size_t out_pending(const out_t *o);

/* Ring bytes that out_text(s, n) needs, repainting included. */
size_t out_text_size(const out_t *o, const void *s, size_t n);

/* Ring bytes that out_log_line(s, n) followed by out_log_end need. */
size_t out_log_size(const out_t *o, const char *s, size_t n);

/* Queues terminal text; false (nothing queued) when it does not fit. */
bool out_text(out_t *o, const void *s, size_t n);

/* Queues one kernel log line (n bytes, its '\n' included or not: one is
 * added when missing) on a line of its own; false when it does not fit
 * together with the repaint that ends the run. */
bool out_log_line(out_t *o, const char *s, size_t n);

/* Ends a run of log lines: repaints the unfinished line. Always fits when
 * the run's lines were queued with out_log_line. */
void out_log_end(out_t *o);

/* Takes up to max bytes to send, oldest first; returns how many. */
size_t out_take(out_t *o, uint8_t *buf, size_t max);

#endif
