/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's line discipline (servers/console/line.c): what each byte
 * echoes and which lines come out, for printable text, backspace and DEL
 * at the start and in the middle of a line, CR, LF and CRLF, Ctrl-D (end
 * of file on an empty line, a pushed line after text), a line past
 * CONSOLE_LINE_MAX (dropped with a bell, never split) and ignored bytes.
 */
#include <string.h>

#include "check.h"
#include "line.h"

/* Feeds s; appends all echoes to echo_out (NUL-terminated) and each
 * completed record to lines: a line followed by '|', a pushed line by '^',
 * end of file as "<eof>|". Returns the record count. */
static int feed(line_t *l, const char *s, size_t n, char *echo_out, char *lines)
{
    int count = 0;
    echo_out[0] = lines[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char echo[LINE_ECHO_MAX];
        size_t en = 99;
        enum line_event ev = line_input(l, (uint8_t)s[i], echo, &en);
        CHECK(en <= LINE_ECHO_MAX);
        strncat(echo_out, echo, en);
        if (ev != LINE_MORE) {
            CHECK(l->done);
            CHECK_EQ(strlen(l->buf), l->len);
            strcat(lines, ev == LINE_EOF ? "<eof>" : l->buf);
            strcat(lines, ev == LINE_PUSH ? "^" : "|");
            count++;
        }
    }
    return count;
}

#define FEED(l, lit, e, ls) feed((l), (lit), sizeof(lit) - 1, (e), (ls))

static char echo[4096], lines[4096];

TEST(printable_text_is_echoed_and_ended_by_cr)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "hello world~", echo, lines), 0);
    CHECK(strcmp(echo, "hello world~") == 0);
    CHECK_EQ(l.len, 12);
    CHECK_EQ(FEED(&l, "\r", echo, lines), 1);
    CHECK(strcmp(echo, "\r\n") == 0);
    CHECK(strcmp(lines, "hello world~|") == 0);
}

TEST(lf_alone_ends_a_line_and_crlf_counts_once)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "a\nb\r\nc\n\r", echo, lines), 4);
    CHECK(strcmp(lines, "a|b|c||") == 0); /* LF then CR: two line ends */
    CHECK(strcmp(echo, "a\r\nb\r\nc\r\n\r\n") == 0);
}

TEST(lf_after_cr_is_swallowed_only_directly_after)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "\r\n\n", echo, lines), 2); /* CR, (LF swallowed), LF */
    CHECK(strcmp(lines, "||") == 0);
    CHECK_EQ(FEED(&l, "\rx\n", echo, lines), 2);
    CHECK(strcmp(lines, "|x|") == 0);
}

TEST(empty_line_is_a_line)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "\r", echo, lines), 1);
    CHECK(strcmp(lines, "|") == 0);
    CHECK_EQ(l.len, 0);
}

TEST(backspace_and_del_erase_mid_line)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "abX\x7f" "c" "Y\b" "\r", echo, lines), 1);
    CHECK(strcmp(lines, "abc|") == 0);
    CHECK(strcmp(echo, "abX\b \bcY\b \b\r\n") == 0);
}

TEST(erase_at_the_start_does_nothing)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "\b\x7f" "a\b\b\x7f" "b\r", echo, lines), 1);
    CHECK(strcmp(lines, "b|") == 0);
    CHECK(strcmp(echo, "a\b \bb\r\n") == 0); /* nothing echoed for the no-op erases */
}

TEST(erase_does_not_reach_into_the_previous_line)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "ab\r\x7f" "c\r", echo, lines), 2);
    CHECK(strcmp(lines, "ab|c|") == 0);
}

TEST(overlong_line_drops_with_a_bell_and_is_not_split)
{
    line_t l;
    line_init(&l);
    char in[CONSOLE_LINE_MAX + 11];
    memset(in, 'x', sizeof in - 1);
    in[sizeof in - 1] = '\r';
    CHECK_EQ(feed(&l, in, sizeof in, echo, lines), 1);
    CHECK_EQ(strlen(lines), CONSOLE_LINE_MAX + 1); /* the line and its '|' */
    size_t bells = 0;
    for (const char *p = echo; *p; p++)
        bells += *p == '\a';
    CHECK_EQ(bells, 10);
    /* At the limit, an erase still makes room for one more character. */
    line_init(&l);
    memset(in, 'y', CONSOLE_LINE_MAX);
    CHECK_EQ(feed(&l, in, CONSOLE_LINE_MAX, echo, lines), 0);
    CHECK_EQ(FEED(&l, "\x7f" "z\r", echo, lines), 1);
    CHECK_EQ(l.len, CONSOLE_LINE_MAX);
    CHECK_EQ(l.buf[CONSOLE_LINE_MAX - 1], 'z');
    CHECK_EQ(l.buf[CONSOLE_LINE_MAX], '\0');
}

TEST(non_printable_bytes_are_ignored)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "a\x01\t\x1b[A\x80\xff" "b\0c\r", echo, lines), 1);
    CHECK(strcmp(lines, "a[Abc|") == 0); /* ESC ignored; '[' 'A' are printable */
    CHECK(strcmp(echo, "a[Abc\r\n") == 0);
}

TEST(a_byte_after_a_completed_line_starts_a_new_one)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "one\r", echo, lines), 1);
    CHECK(l.done);
    CHECK(strcmp(l.buf, "one") == 0); /* still readable until the next byte */
    CHECK_EQ(FEED(&l, "t", echo, lines), 0);
    CHECK(!l.done);
    CHECK_EQ(l.len, 1);
    CHECK_EQ(l.buf[0], 't');
}

TEST(ctrl_d_on_an_empty_line_is_end_of_file)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "\x04", echo, lines), 1);
    CHECK(strcmp(lines, "<eof>|") == 0);
    CHECK(strcmp(echo, "") == 0); /* nothing echoed */
    CHECK_EQ(l.len, 0);
    /* Also right after a line, and twice in a row. */
    CHECK_EQ(FEED(&l, "a\r\x04\x04", echo, lines), 3);
    CHECK(strcmp(lines, "a|<eof>|<eof>|") == 0);
}

TEST(ctrl_d_after_text_pushes_the_line_without_an_end)
{
    line_t l;
    line_init(&l);
    CHECK_EQ(FEED(&l, "ab\x7f" "c\x04", echo, lines), 1);
    CHECK(strcmp(lines, "ac^") == 0);
    CHECK(strcmp(echo, "ab\b \bc") == 0);
    /* The next byte starts a new line; an erase does not reach back. */
    CHECK_EQ(FEED(&l, "\x7f" "d\r", echo, lines), 1);
    CHECK(strcmp(lines, "d|") == 0);
    /* A CR before the Ctrl-D no longer swallows an LF after it. */
    CHECK_EQ(FEED(&l, "x\r\x04\n", echo, lines), 3);
    CHECK(strcmp(lines, "x|<eof>||") == 0);
}

int main(void)
{
    return RUN_TESTS();
}
