/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's line discipline: pure code, no system calls (host-tested by
 * tests/host/test_console_line.c). Bytes from the serial line go in one at
 * a time through line_input; it says what to echo and whether a line is
 * complete.
 *
 *   - printable ASCII (0x20-0x7e) is appended and echoed;
 *   - backspace (0x08) or DEL (0x7f) erases the last character, echoing
 *     "\b \b"; on an empty line it does nothing;
 *   - CR or LF ends the line (echo "\r\n"); an LF right after a CR is the
 *     same line end, so CRLF counts once;
 *   - a line holds at most CONSOLE_LINE_MAX characters: further printable
 *     characters are dropped and answered with a bell ("\a"), so a line
 *     never splits;
 *   - every other byte (controls, tabs, bytes >= 0x80) is ignored.
 *
 * After line_input returns true, the line is in buf (NUL-terminated, len
 * characters) until the next line_input call, which starts a new line.
 */
#ifndef CONSOLE_LINE_H
#define CONSOLE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 128
#define LINE_ECHO_MAX 4 /* most bytes one input byte echoes */

typedef struct line {
    char buf[CONSOLE_LINE_MAX + 1];
    size_t len;
    bool done;    /* buf holds a completed line */
    bool last_cr; /* the previous byte was CR: a following LF is ignored */
} line_t;

void line_init(line_t *l);

/* Feeds byte c. Writes the bytes to echo to echo[] (at most LINE_ECHO_MAX)
 * and their count to *echo_len. Returns true when c completed a line. */
bool line_input(line_t *l, uint8_t c, char echo[LINE_ECHO_MAX], size_t *echo_len);

#endif
