/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's line discipline: pure code, no system calls (host-tested by
 * tests/host/test_console_line.c). Bytes typed for a cooked reader go in one
 * at a time through line_input; it says what to echo and whether a record
 * is complete.
 *
 *   - printable ASCII (0x20-0x7e) is appended and echoed;
 *   - backspace (0x08) or DEL (0x7f) erases the last character, echoing
 *     "\b \b"; on an empty line it does nothing;
 *   - CR or LF ends the line (echo "\r\n"): LINE_DONE. An LF right after a
 *     CR is the same line end, so CRLF counts once;
 *   - Ctrl-D (0x04) on an empty line is end of file (LINE_EOF); on a line
 *     with text it hands over that text without a line end (LINE_PUSH), as
 *     a POSIX terminal does. It echoes nothing;
 *   - a line holds at most CONSOLE_LINE_MAX characters: further printable
 *     characters are dropped and answered with a bell ("\a"), so a line
 *     never splits;
 *   - every other byte (controls, tabs, bytes >= 0x80) is ignored.
 *
 * After line_input returns anything but LINE_MORE, the record is in buf
 * (NUL-terminated, len characters; empty for LINE_EOF) until the next
 * line_input call, which starts a new line.
 */
#ifndef CONSOLE_LINE_H
#define CONSOLE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 128
#define LINE_ECHO_MAX 4 /* most bytes one input byte echoes */
#define LINE_EOF_CHAR 0x04

enum line_event {
    LINE_MORE = 0, /* the line goes on */
    LINE_DONE,     /* CR or LF: buf is a whole line (the line end not in it) */
    LINE_PUSH,     /* Ctrl-D after text: buf goes to the reader as it is */
    LINE_EOF,      /* Ctrl-D on an empty line: end of file */
};

typedef struct line {
    char buf[CONSOLE_LINE_MAX + 1];
    size_t len;
    bool done;    /* buf holds a completed record */
    bool last_cr; /* the previous byte was CR: a following LF is ignored */
} line_t;

void line_init(line_t *l);

/* Feeds byte c. Writes the bytes to echo to echo[] (at most LINE_ECHO_MAX)
 * and their count to *echo_len. Returns what c completed, if anything. */
enum line_event line_input(line_t *l, uint8_t c, char echo[LINE_ECHO_MAX], size_t *echo_len);

#endif
