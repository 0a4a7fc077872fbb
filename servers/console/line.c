/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's line discipline (model in line.h): a bounded edit buffer
 * fed one byte at a time. States: collecting (done false) and complete
 * (done true, until the next byte: a line, a pushed partial line or end of
 * file); last_cr remembers a CR so that the LF of a CRLF is swallowed.
 */
#include "line.h"

#include <string.h>

void line_init(line_t *l)
{
    memset(l, 0, sizeof *l);
}

static size_t put(char *echo, const char *s)
{
    size_t n = strlen(s);
    memcpy(echo, s, n);
    return n;
}

enum line_event line_input(line_t *l, uint8_t c, char echo[LINE_ECHO_MAX], size_t *echo_len)
{
    bool after_cr = l->last_cr;
    *echo_len = 0;
    l->last_cr = false;
    if (l->done) {
        l->done = false;
        l->len = 0;
        l->buf[0] = '\0';
    }
    if (c == '\n' && after_cr)
        return LINE_MORE;
    if (c == '\r' || c == '\n') {
        l->last_cr = c == '\r';
        l->buf[l->len] = '\0';
        l->done = true;
        *echo_len = put(echo, "\r\n");
        return LINE_DONE;
    }
    if (c == LINE_EOF_CHAR) {
        l->buf[l->len] = '\0';
        l->done = true;
        return l->len ? LINE_PUSH : LINE_EOF;
    }
    if (c == 0x08 || c == 0x7f) {
        if (l->len > 0) {
            l->len--;
            *echo_len = put(echo, "\b \b");
        }
        return LINE_MORE;
    }
    if (c < 0x20 || c > 0x7e)
        return LINE_MORE;
    if (l->len == CONSOLE_LINE_MAX) {
        *echo_len = put(echo, "\a");
        return LINE_MORE;
    }
    l->buf[l->len++] = (char)c;
    echo[0] = (char)c;
    *echo_len = 1;
    return LINE_MORE;
}
