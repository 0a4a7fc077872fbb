/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console's output ring (servers/console/out.c): terminal text with
 * "\r\n" line ends; all-or-nothing queuing and exact size predictions; log
 * lines on lines of their own with the unfinished line (prompt, typed
 * text, erases) repainted once after a run; no repaint for an empty or an
 * overlong line; wrap-around without losing order.
 */
#include <string.h>

#include "check.h"
#include "out.h"

static out_t o;
static char sent[OUT_RING_CAP + 1];

/* Everything queued so far, as a string. */
static const char *drain(void)
{
    size_t n = out_take(&o, (uint8_t *)sent, sizeof sent - 1);
    sent[n] = '\0';
    return sent;
}

#define TEXT(lit) out_text(&o, (lit), sizeof(lit) - 1)
#define LOG(lit) out_log_line(&o, (lit), sizeof(lit) - 1)

TEST(text_gets_crlf_line_ends)
{
    out_init(&o);
    CHECK(TEXT("a\nb\n\nc"));
    CHECK(strcmp(drain(), "a\r\nb\r\n\r\nc") == 0);
    CHECK_EQ(out_pending(&o), 0);
    CHECK_EQ(out_space(&o), OUT_RING_CAP);
}

TEST(size_predictions_are_exact)
{
    out_init(&o);
    size_t want = out_text_size(&o, "x\ny", 3);
    CHECK(TEXT("x\ny"));
    CHECK_EQ(out_pending(&o), want);
    size_t before = out_pending(&o);
    want = out_log_size(&o, "log one\n", 8);
    CHECK(LOG("log one\n"));
    out_log_end(&o);
    CHECK_EQ(out_pending(&o) - before, want);
    /* A log line without its '\n' gets one. */
    before = out_pending(&o);
    want = out_log_size(&o, "no end", 6);
    CHECK(LOG("no end"));
    out_log_end(&o);
    CHECK_EQ(out_pending(&o) - before, want);
}

TEST(a_log_line_with_no_open_line_is_written_as_it_is)
{
    out_init(&o);
    CHECK(TEXT("done\n"));
    drain();
    CHECK(LOG("[ 1.0] I [x] hi\n"));
    CHECK(LOG("no end"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "[ 1.0] I [x] hi\r\nno end\r\n") == 0);
}

TEST(log_lines_go_below_the_open_line_which_is_repainted_once)
{
    out_init(&o);
    CHECK(TEXT("$ ls -"));
    drain();
    CHECK(LOG("one\n"));
    CHECK(LOG("two\n"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "\r\none\r\ntwo\r\n$ ls -") == 0);
    out_log_end(&o); /* nothing more to end */
    CHECK_EQ(out_pending(&o), 0);
    /* The line is still open: the next run repaints it again. */
    CHECK(LOG("three\n"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "\r\nthree\r\n$ ls -") == 0);
}

TEST(text_after_a_log_run_ends_it_with_the_repaint)
{
    out_init(&o);
    CHECK(TEXT("ab"));
    CHECK(LOG("L\n"));
    CHECK(TEXT("c\n"));
    CHECK(strcmp(drain(), "ab\r\nL\r\nabc\r\n") == 0);
}

TEST(erases_cr_and_bells_shape_the_repainted_line)
{
    out_init(&o);
    CHECK(TEXT("abX\b \bc\a"));
    CHECK(LOG("L\n"));
    out_log_end(&o);
    drain();
    CHECK(LOG("M\n"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "\r\nM\r\nabc") == 0);
    /* A CR starts the line over. */
    CHECK(TEXT("\rxy"));
    drain();
    CHECK(LOG("N\n"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "\r\nN\r\nxy") == 0);
    /* An erase on an empty line does not underflow. */
    CHECK(TEXT("\n\b\b"));
    drain();
    CHECK(LOG("P\n"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "P\r\n") == 0);
}

TEST(an_overlong_line_is_not_repainted)
{
    out_init(&o);
    static char line[OUT_LINE_MAX + 10];
    memset(line, 'z', sizeof line);
    CHECK(out_text(&o, line, sizeof line));
    drain();
    CHECK(LOG("L\n"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "\r\nL\r\n") == 0); /* own line, no repaint */
    /* A line end makes the next line repaintable again. */
    CHECK(TEXT("\nok"));
    drain();
    CHECK(LOG("M\n"));
    out_log_end(&o);
    CHECK(strcmp(drain(), "\r\nM\r\nok") == 0);
}

TEST(what_does_not_fit_is_not_queued_at_all)
{
    out_init(&o);
    static char fill[OUT_RING_CAP];
    memset(fill, 'f', sizeof fill);
    CHECK(out_text(&o, fill, OUT_RING_CAP - 3));
    CHECK(!TEXT("a\nb"));                /* needs 4 */
    CHECK_EQ(out_space(&o), 3);
    CHECK(TEXT("a\n"));                  /* needs 3 */
    CHECK_EQ(out_space(&o), 0);
    CHECK(!TEXT("x"));
    CHECK(!LOG("L\n"));
    CHECK_EQ(out_pending(&o), OUT_RING_CAP);
}

TEST(a_log_line_is_refused_when_its_repaint_would_not_fit)
{
    out_init(&o);
    static char fill[OUT_RING_CAP];
    memset(fill, 'f', sizeof fill);
    CHECK(out_text(&o, fill, OUT_RING_CAP - 20));
    CHECK(TEXT("\nprompt> "));             /* 10 bytes: 10 left */
    CHECK_EQ(out_space(&o), 10);
    /* "\r\nL\r\n" is 5, the repaint of "prompt> " 8 more: refused. */
    CHECK(!LOG("L\n"));
    CHECK_EQ(out_space(&o), 10);
    out_take(&o, (uint8_t *)sent, 3);
    CHECK(LOG("L\n"));
    out_log_end(&o);
    CHECK_EQ(out_space(&o), 0);
}

static void check_taken(size_t max, unsigned *next_out)
{
    uint8_t got[400];
    size_t n = out_take(&o, got, max < sizeof got ? max : sizeof got);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(got[i], 'a' + (*next_out)++ % 26);
}

TEST(the_ring_wraps_in_order)
{
    out_init(&o);
    unsigned next_in = 0, next_out = 0;
    static char chunk[997];
    /* Take a little less than is queued each round, so the ring's start
     * walks around it many times with data on both sides of the end. */
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (char)('a' + next_in++ % 26);
        REQUIRE(out_text(&o, chunk, sizeof chunk));
        for (int k = 0; k < 3; k++)
            check_taken(300, &next_out);
    }
    while (out_pending(&o) > 0)
        check_taken(400, &next_out);
    CHECK_EQ(next_out, next_in);
}

int main(void)
{
    return RUN_TESTS();
}
