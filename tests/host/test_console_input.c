/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's input queue (servers/console/input.c): raw reads get the
 * bytes as typed, without echo; cooked reads get edited records, echoing
 * as they edit; records longer than a read come in pieces; Ctrl-D gives
 * end of file (to the read that edits it) or a pushed line; the line being
 * edited stays for the next cooked read; a full queue drops and counts;
 * the ring wraps without losing order.
 */
#include <string.h>

#include "check.h"
#include "input.h"

static char echoed[8192];

static void echo(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    CHECK(strlen(echoed) + n < sizeof echoed);
    strncat(echoed, s, n);
}

static void type(input_t *in, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK(input_typed(in, (uint8_t)s[i]));
}

#define TYPE(in, lit) type((in), (lit), sizeof(lit) - 1)

/* One read; the result as a NUL-terminated string in buf. */
static long rd(input_t *in, bool raw, char *buf, size_t max)
{
    long n = input_read(in, raw, (uint8_t *)buf, max, echo, NULL);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

static input_t in;
static char buf[INPUT_QUEUE_CAP + 1];

static void reset(void)
{
    input_init(&in);
    echoed[0] = '\0';
}

TEST(raw_reads_get_bytes_as_typed_without_echo)
{
    reset();
    CHECK_EQ(rd(&in, true, buf, 16), INPUT_WAIT);
    TYPE(&in, "q\x7fw\r\x04\x1b");
    CHECK_EQ(rd(&in, true, buf, 16), 6);
    CHECK(memcmp(buf, "q\x7fw\r\x04\x1b", 6) == 0);
    CHECK(strcmp(echoed, "") == 0);
    CHECK_EQ(rd(&in, true, buf, 16), INPUT_WAIT);
}

TEST(raw_reads_stop_at_max)
{
    reset();
    TYPE(&in, "abcdef");
    CHECK_EQ(rd(&in, true, buf, 4), 4);
    CHECK(strcmp(buf, "abcd") == 0);
    CHECK_EQ(rd(&in, true, buf, 1), 1);
    CHECK(strcmp(buf, "e") == 0);
    CHECK_EQ(input_queued(&in), 1);
}

TEST(cooked_read_waits_for_the_line_and_echoes_when_it_edits)
{
    reset();
    TYPE(&in, "helX");
    CHECK(strcmp(echoed, "") == 0); /* typing alone echoes nothing */
    CHECK_EQ(rd(&in, false, buf, 64), INPUT_WAIT);
    CHECK(strcmp(echoed, "helX") == 0);
    TYPE(&in, "\x7flo\r");
    CHECK_EQ(rd(&in, false, buf, 64), 6);
    CHECK(strcmp(buf, "hello\n") == 0);
    CHECK(strcmp(echoed, "helX\b \blo\r\n") == 0);
}

TEST(cooked_reads_take_one_line_each)
{
    reset();
    TYPE(&in, "one\rtwo\r\nthree\n");
    CHECK_EQ(rd(&in, false, buf, 64), 4);
    CHECK(strcmp(buf, "one\n") == 0);
    CHECK(strcmp(echoed, "one\r\n") == 0); /* only what was edited so far */
    CHECK_EQ(rd(&in, false, buf, 64), 4);
    CHECK(strcmp(buf, "two\n") == 0);
    CHECK_EQ(rd(&in, false, buf, 64), 6);
    CHECK(strcmp(buf, "three\n") == 0);
    CHECK_EQ(rd(&in, false, buf, 64), INPUT_WAIT);
}

TEST(a_record_longer_than_the_read_comes_in_pieces)
{
    reset();
    TYPE(&in, "abcdefgh\rxy\r");
    CHECK_EQ(rd(&in, false, buf, 3), 3);
    CHECK(strcmp(buf, "abc") == 0);
    CHECK_EQ(rd(&in, false, buf, 5), 5);
    CHECK(strcmp(buf, "defgh") == 0);
    CHECK_EQ(rd(&in, false, buf, 5), 1);
    CHECK(strcmp(buf, "\n") == 0); /* the rest of the record, never the next line */
    CHECK_EQ(rd(&in, false, buf, 64), 3);
    CHECK(strcmp(buf, "xy\n") == 0);
}

TEST(the_rest_of_a_record_goes_to_a_raw_read_first)
{
    reset();
    TYPE(&in, "abcd\rZ");
    CHECK_EQ(rd(&in, false, buf, 2), 2);
    CHECK_EQ(rd(&in, true, buf, 64), 3);
    CHECK(strcmp(buf, "cd\n") == 0);
    CHECK_EQ(rd(&in, true, buf, 64), 1);
    CHECK(strcmp(buf, "Z") == 0);
}

TEST(ctrl_d_on_an_empty_line_is_one_end_of_file)
{
    reset();
    TYPE(&in, "\x04");
    CHECK_EQ(rd(&in, false, buf, 64), 0);
    CHECK_EQ(rd(&in, false, buf, 64), INPUT_WAIT); /* once, not sticky */
    TYPE(&in, "ok\r\x04");
    CHECK_EQ(rd(&in, false, buf, 64), 3);
    CHECK_EQ(rd(&in, false, buf, 64), 0);
}

TEST(ctrl_d_after_text_pushes_it_without_a_line_end)
{
    reset();
    TYPE(&in, "tail\x04more\r");
    CHECK_EQ(rd(&in, false, buf, 64), 4);
    CHECK(strcmp(buf, "tail") == 0);
    CHECK_EQ(rd(&in, false, buf, 64), 5);
    CHECK(strcmp(buf, "more\n") == 0);
}

TEST(end_of_file_goes_to_the_read_that_edits_it)
{
    reset();
    TYPE(&in, "\x04" "b");
    CHECK_EQ(rd(&in, false, buf, 64), 0);
    CHECK_EQ(rd(&in, true, buf, 64), 1); /* nothing of it is left for others */
    CHECK(strcmp(buf, "b") == 0);
    /* Raw, Ctrl-D is a byte like any other. */
    TYPE(&in, "\x04");
    CHECK_EQ(rd(&in, true, buf, 64), 1);
    CHECK_EQ(buf[0], 0x04);
}

TEST(the_line_being_edited_waits_for_the_next_cooked_read)
{
    reset();
    TYPE(&in, "par");
    CHECK_EQ(rd(&in, false, buf, 64), INPUT_WAIT); /* edited into the line */
    TYPE(&in, "xy");
    CHECK_EQ(rd(&in, true, buf, 64), 2); /* raw: only what was not edited */
    CHECK(strcmp(buf, "xy") == 0);
    TYPE(&in, "t\r");
    CHECK_EQ(rd(&in, false, buf, 64), 5);
    CHECK(strcmp(buf, "part\n") == 0);
}

TEST(a_full_queue_drops_and_counts)
{
    reset();
    for (size_t i = 0; i < INPUT_QUEUE_CAP; i++)
        CHECK(input_typed(&in, (uint8_t)('a' + i % 26)));
    CHECK(!input_typed(&in, 'X'));
    CHECK(!input_typed(&in, 'Y'));
    CHECK_EQ(input_queued(&in), INPUT_QUEUE_CAP);
    CHECK_EQ(input_dropped(&in), 2);
    CHECK_EQ(input_dropped(&in), 0); /* reported once */
    CHECK_EQ(rd(&in, true, buf, 10), 10);
    CHECK(input_typed(&in, 'Z')); /* room again */
    CHECK_EQ(rd(&in, true, buf, INPUT_QUEUE_CAP), INPUT_QUEUE_CAP - 10 + 1);
    CHECK_EQ(buf[0], 'a' + 10);
    CHECK_EQ(buf[INPUT_QUEUE_CAP - 10], 'Z'); /* order kept across the wrap */
}

TEST(the_ring_wraps_many_times_in_order)
{
    reset();
    uint8_t next_in = 0, next_out = 0;
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 1000; i++)
            CHECK(input_typed(&in, next_in++));
        size_t got = 0;
        while (got < 1000) {
            long n = rd(&in, true, buf, 333);
            REQUIRE(n > 0);
            for (long i = 0; i < n; i++)
                CHECK_EQ((uint8_t)buf[i], next_out++);
            got += (size_t)n;
        }
    }
    CHECK_EQ(input_queued(&in), 0);
}

TEST(a_read_of_nothing_waits)
{
    reset();
    TYPE(&in, "a\r");
    CHECK_EQ(rd(&in, false, buf, 0), INPUT_WAIT);
    CHECK_EQ(rd(&in, true, buf, 0), INPUT_WAIT);
    CHECK_EQ(input_queued(&in), 2); /* untouched */
}

int main(void)
{
    return RUN_TESTS();
}
