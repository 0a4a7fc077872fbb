/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's line editor (servers/shell/ed.c), judged by what a terminal
 * shows: every output goes through a small terminal emulator (the subset of
 * VT100 the editor may use: printable text, CR, LF, BS, bell, ESC [ n C/D,
 * ESC [ K, ESC [ H, ESC [ 2 J; anything else fails the test), and after each
 * key the row must read prompt + line with the cursor at its column. Keys:
 * insertion and erasure at both ends and in the middle, every Home/End
 * spelling, Ctrl-A/E/U/K/L/C/D, CR/LF/CRLF, the length limit, ignored
 * bytes and sequences, history (order, draft, bound, duplicates), and
 * completion (one match, common prefix, listing on the second Tab, no
 * match, mid-line, duplicates, what the callback sees); then a long random
 * run against a model.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ed.h"

/* ---- a terminal ---------------------------------------------------------- */

#define ROWS 40
#define COLS 1200

typedef struct term {
    char cell[ROWS][COLS];
    int row, col;
    int bells;
    int bad; /* bytes or sequences the editor must not send */
} term_t;

static void term_clear(term_t *t)
{
    memset(t->cell, ' ', sizeof t->cell);
    t->row = t->col = 0;
}

static void term_newline(term_t *t)
{
    if (++t->row == ROWS) {
        memmove(t->cell[0], t->cell[1], (ROWS - 1) * COLS);
        memset(t->cell[ROWS - 1], ' ', COLS);
        t->row = ROWS - 1;
    }
}

static void term_write(term_t *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\x1b') {
            if (i + 1 >= n || s[i + 1] != '[') {
                t->bad++;
                continue;
            }
            size_t j = i + 2;
            int num = 0, has = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9') {
                num = num * 10 + (s[j++] - '0');
                has = 1;
            }
            if (j >= n) {
                t->bad++;
                return;
            }
            switch (s[j]) {
            case 'C': t->col += has ? num : 1; break;
            case 'D': t->col -= has ? num : 1; break;
            case 'K': memset(&t->cell[t->row][t->col], ' ', COLS - t->col); break;
            case 'H': t->row = t->col = 0; break;
            case 'J': if (num == 2) memset(t->cell, ' ', sizeof t->cell); else t->bad++; break;
            default: t->bad++;
            }
            if (t->col < 0 || t->col >= COLS)
                t->bad++, t->col = 0;
            i = j;
        } else if (c == '\r') {
            t->col = 0;
        } else if (c == '\n') {
            term_newline(t);
        } else if (c == '\b') {
            if (t->col > 0)
                t->col--;
        } else if (c == '\a') {
            t->bells++;
        } else if (c >= 0x20 && c < 0x7f) {
            if (t->col < COLS)
                t->cell[t->row][t->col++] = c;
        } else {
            t->bad++;
        }
    }
}

/* The current row without trailing blanks. */
static const char *term_row(term_t *t, int row)
{
    static char buf[COLS + 1];
    memcpy(buf, t->cell[row], COLS);
    int n = COLS;
    while (n > 0 && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
    return buf;
}

/* ---- the editor under test --------------------------------------------- */

static term_t term;
static ed_t ed;
static ed_out_t out;
static int results[8]; /* how often each ed_result came */

static const char *cands[16];
static size_t ncands;
static char seen_before[ED_LINE_MAX + 1];
static size_t seen_start, complete_calls;

static size_t complete_cb(void *ctx, const char *line, size_t word_start, const char **names, size_t max)
{
    (void)ctx;
    complete_calls++;
    snprintf(seen_before, sizeof seen_before, "%s", line);
    seen_start = word_start;
    size_t n = ncands < max ? ncands : max;
    memcpy(names, cands, n * sizeof *names);
    return n;
}

static void setup(void)
{
    term_clear(&term);
    term.bells = term.bad = 0;
    ed_init(&ed, "cairn> ", complete_cb, NULL);
    ed_out_reset(&out);
    ed_start(&ed, &out);
    term_write(&term, out.buf, out.len);
    memset(results, 0, sizeof results);
    ncands = 0;
    complete_calls = 0;
}

/* Feeds the bytes; returns the last result. */
static enum ed_result type_n(const char *s, size_t n)
{
    enum ed_result r = ED_MORE;
    for (size_t i = 0; i < n; i++) {
        ed_out_reset(&out);
        r = ed_feed(&ed, (uint8_t)s[i], &out);
        CHECK(!out.truncated);
        term_write(&term, out.buf, out.len);
        results[r]++;
        if (r == ED_LINE || r == ED_CANCEL) {
            ed_out_reset(&out);
            ed_start(&ed, &out);
            term_write(&term, out.buf, out.len);
        }
    }
    return r;
}

#define TYPE(lit) type_n((lit), sizeof(lit) - 1)

/* The row shows the prompt and the line, the cursor where the editor says. */
static int shows(const char *line, size_t cur)
{
    char want[ED_LINE_MAX + 16];
    int n = snprintf(want, sizeof want, "cairn> %s", line);
    while (n > 0 && want[n - 1] == ' ')
        want[--n] = '\0'; /* the row is read without trailing blanks */
    int ok = strcmp(term_row(&term, term.row), want) == 0 && (size_t)term.col == 7 + cur &&
             strcmp(ed.line, line) == 0 && ed.cur == cur && ed.len == strlen(line) && term.bad == 0;
    if (!ok)
        printf("  row '%s' col %d, editor '%s' cur %zu, want '%s' cur %zu, bad %d\n",
               term_row(&term, term.row), term.col, ed.line, ed.cur, line, cur, term.bad);
    return ok;
}

/* ---- typing and moving ----------------------------------------------------- */

TEST(prompt_then_typed_text_with_the_cursor_at_the_end)
{
    setup();
    CHECK(shows("", 0));
    CHECK_EQ(TYPE("ps -a"), ED_MORE);
    CHECK(shows("ps -a", 5));
    CHECK_EQ(term.bells, 0);
}

TEST(insertion_in_the_middle_moves_the_tail)
{
    setup();
    TYPE("helo");
    TYPE("\x1b[D");
    CHECK(shows("helo", 3));
    TYPE("l");
    CHECK(shows("hello", 4));
    TYPE("\x1b[D\x1b[D\x1b[D\x1b[D");
    CHECK(shows("hello", 0));
    TYPE("\x1b[D"); /* at the start: nothing */
    CHECK(shows("hello", 0));
    TYPE(">");
    CHECK(shows(">hello", 1));
    TYPE("\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C");
    CHECK(shows(">hello", 6));
}

TEST(backspace_and_del_erase_left_of_the_cursor)
{
    setup();
    TYPE("abcd\x7f");
    CHECK(shows("abc", 3));
    TYPE("\b");
    CHECK(shows("ab", 2));
    TYPE("\x1b[D\x7f");
    CHECK(shows("b", 0));
    TYPE("\x7f\b"); /* nothing left of the cursor */
    CHECK(shows("b", 0));
    TYPE("\x1b[C\x7f\x7f");
    CHECK(shows("", 0));
}

TEST(delete_key_and_ctrl_d_erase_under_the_cursor)
{
    setup();
    TYPE("abcd\x01\x1b[3~");
    CHECK(shows("bcd", 0));
    TYPE("\x1b[C\x04");
    CHECK(shows("bd", 1));
    TYPE("\x05\x1b[3~\x04"); /* at the end: nothing */
    CHECK(shows("bd", 2));
    CHECK_EQ(results[ED_EOF], 0);
}

TEST(ctrl_d_on_an_empty_line_is_end_of_input)
{
    setup();
    CHECK_EQ(TYPE("\x04"), ED_EOF);
    setup();
    CHECK_EQ(TYPE("x\x7f\x04"), ED_EOF);
}

TEST(every_home_and_end_spelling)
{
    static const char *home[] = {"\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01"};
    static const char *end[] = {"\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05"};
    for (size_t i = 0; i < sizeof home / sizeof home[0]; i++) {
        setup();
        TYPE("one two");
        type_n(home[i], strlen(home[i]));
        CHECK(shows("one two", 0));
        type_n(end[i], strlen(end[i]));
        CHECK(shows("one two", 7));
    }
}

TEST(ctrl_b_and_ctrl_f_move_like_the_arrows)
{
    setup();
    TYPE("ab\x02\x02");
    CHECK(shows("ab", 0));
    TYPE("\x06");
    CHECK(shows("ab", 1));
    TYPE("\x1bOD\x1bOC\x1bOC");
    CHECK(shows("ab", 2));
}

TEST(ctrl_u_kills_to_the_start_and_ctrl_k_to_the_end)
{
    setup();
    TYPE("kill 42 now\x1b[D\x1b[D\x1b[D\x1b[D");
    CHECK(shows("kill 42 now", 7));
    TYPE("\x0b");
    CHECK(shows("kill 42", 7));
    TYPE("\x1b[D\x1b[D\x15");
    CHECK(shows("42", 0));
    TYPE("\x15"); /* nothing before the cursor */
    CHECK(shows("42", 0));
    TYPE("\x05\x15");
    CHECK(shows("", 0));
}

TEST(ctrl_l_clears_the_screen_and_redraws_on_the_first_row)
{
    setup();
    TYPE("x\ry\rmem\x1b[D");
    CHECK(term.row == 2);
    TYPE("\x0c");
    CHECK_EQ(term.row, 0);
    CHECK(shows("mem", 2));
    CHECK(strcmp(term_row(&term, 1), "") == 0);
}

TEST(cr_lf_and_crlf_end_a_line_once)
{
    setup();
    CHECK_EQ(TYPE("a\r"), ED_LINE);
    CHECK(strcmp(ed.hist[0], "a") == 0);
    CHECK_EQ(TYPE("\n"), ED_MORE); /* the LF of CRLF */
    CHECK_EQ(results[ED_LINE], 1);
    CHECK_EQ(TYPE("b\n"), ED_LINE);
    CHECK_EQ(TYPE("\n"), ED_LINE); /* LF after LF: an empty line */
    CHECK_EQ(TYPE("\r\r"), ED_LINE);
    CHECK_EQ(results[ED_LINE], 5);
    CHECK_EQ(term.row, 5);
    CHECK(strcmp(term_row(&term, 0), "cairn> a") == 0);
    CHECK(strcmp(term_row(&term, 1), "cairn> b") == 0);
    CHECK(shows("", 0));
}

TEST(the_line_is_the_typed_text_even_with_the_cursor_inside)
{
    setup();
    ed_out_reset(&out);
    const char *s = "echo hi";
    for (size_t i = 0; s[i]; i++)
        ed_feed(&ed, (uint8_t)s[i], &out);
    ed_feed(&ed, 0x01, &out);
    CHECK_EQ(ed_feed(&ed, '\r', &out), ED_LINE);
    CHECK(strcmp(ed.line, "echo hi") == 0);
}

TEST(ctrl_c_abandons_the_line)
{
    setup();
    CHECK_EQ(TYPE("ps\x03"), ED_CANCEL);
    CHECK(strcmp(term_row(&term, 0), "cairn> ps^C") == 0);
    CHECK(shows("", 0));
    CHECK_EQ(ed.hist_len, 0);
}

TEST(a_full_line_rings_the_bell)
{
    char buf[ED_LINE_MAX + 3];
    setup();
    memset(buf, 'x', sizeof buf);
    type_n(buf, ED_LINE_MAX);
    CHECK_EQ(term.bells, 0);
    CHECK_EQ(ed.len, ED_LINE_MAX);
    type_n(buf, 3);
    CHECK_EQ(term.bells, 3);
    CHECK_EQ(ed.len, ED_LINE_MAX);
    buf[ED_LINE_MAX] = '\0';
    CHECK(shows(buf, ED_LINE_MAX));
}

TEST(ignored_bytes_and_sequences)
{
    setup();
    TYPE("a\x1b[5~\x1b[24~\x1b[Zb\x1bxc\x80\xff\x07\x12\x1b[1;5Cd");
    CHECK(shows("abcd", 4));
    TYPE("\x1b[1;5D");            /* Ctrl-Left: still Left */
    CHECK(shows("abcd", 3));
    TYPE("\x1b\x1b[De");          /* ESC ESC [ D: the second ESC starts over */
    CHECK(shows("abecd", 3));
    TYPE("\x1b[99999999999D");    /* a huge parameter: still just Left */
    CHECK(shows("abecd", 2));
}

/* ---- history ---------------------------------------------------------------- */

TEST(up_and_down_walk_the_history_and_keep_the_draft)
{
    setup();
    TYPE("one\rtwo\rthree\r");
    TYPE("dra");
    TYPE("\x1b[A");
    CHECK(shows("three", 5));
    TYPE("\x1b[A\x1bOA");
    CHECK(shows("one", 3));
    CHECK_EQ(term.bells, 0);
    TYPE("\x1b[A"); /* past the oldest */
    CHECK_EQ(term.bells, 1);
    CHECK(shows("one", 3));
    TYPE("\x1b[B");
    CHECK(shows("two", 3));
    TYPE("\x0e\x0e"); /* Ctrl-N twice: three, then the draft */
    CHECK(shows("dra", 3));
    TYPE("\x1b[B"); /* below the draft: nothing */
    CHECK(shows("dra", 3));
    TYPE("\x10\x01\x1b[A"); /* Ctrl-P, Home, Up: the cursor does not matter */
    CHECK(shows("two", 3));
}

TEST(a_recalled_line_can_be_edited_and_run)
{
    setup();
    TYPE("echo a\r\x1b[A\x7f" "b");
    CHECK(shows("echo b", 6));
    CHECK_EQ(TYPE("\r"), ED_LINE);
    CHECK_EQ(ed.hist_len, 2);
    CHECK(strcmp(ed.hist[1], "echo b") == 0);
    TYPE("\x1b[A\x1b[A");
    CHECK(shows("echo a", 6)); /* the history entry itself is unchanged */
}

TEST(history_skips_blank_lines_and_repeats_of_the_last)
{
    setup();
    TYPE("ps\rps\r   \r\rmem\rps\r");
    CHECK_EQ(ed.hist_len, 3);
    TYPE("\x1b[A");
    CHECK(shows("ps", 2));
    TYPE("\x1b[A");
    CHECK(shows("mem", 3));
    TYPE("\x1b[A");
    CHECK(shows("ps", 2));
}

TEST(history_is_bounded_and_forgets_the_oldest)
{
    char line[16];
    setup();
    for (int i = 0; i < ED_HIST_MAX + 5; i++) {
        snprintf(line, sizeof line, "cmd%d\r", i);
        type_n(line, strlen(line));
    }
    CHECK_EQ(ed.hist_len, ED_HIST_MAX);
    for (int i = 0; i < ED_HIST_MAX; i++)
        TYPE("\x1b[A");
    snprintf(line, sizeof line, "cmd%d", 5);
    CHECK(shows(line, strlen(line)));
    CHECK_EQ(term.bells, 0);
    TYPE("\x1b[A");
    CHECK_EQ(term.bells, 1);
}

/* ---- completion ------------------------------------------------------------- */

TEST(one_match_completes_the_word_and_adds_a_space)
{
    setup();
    cands[0] = "services";
    cands[1] = "ps";
    cands[2] = "echo-server";
    ncands = 3;
    TYPE("ser\t");
    CHECK(shows("services ", 9));
    CHECK_EQ(complete_calls, 1);
    CHECK_EQ(seen_start, 0);
    CHECK(strcmp(seen_before, "") == 0);
    TYPE("x; run ech\t");
    CHECK(shows("services x; run echo-server ", 28));
    CHECK_EQ(seen_start, 16);
    CHECK(strcmp(seen_before, "services x; run ") == 0);
}

TEST(a_complete_word_still_gets_its_space)
{
    setup();
    cands[0] = "ps";
    ncands = 1;
    TYPE("ps\t");
    CHECK(shows("ps ", 3));
    CHECK_EQ(term.bells, 0);
}

TEST(several_matches_complete_the_common_prefix_then_list)
{
    setup();
    cands[0] = "echo-server";
    cands[1] = "echo-client";
    cands[2] = "echo";
    cands[3] = "exit";
    ncands = 4;
    TYPE("ec\t");
    CHECK(shows("echo", 4));
    CHECK_EQ(term.bells, 0);
    TYPE("\t");
    CHECK_EQ(term.row, 2);
    CHECK(strcmp(term_row(&term, 1), "echo  echo-client  echo-server") == 0);
    CHECK(shows("echo", 4));
    TYPE("-s\t");
    CHECK(shows("echo-server ", 12));
}

TEST(an_ambiguous_tab_with_nothing_to_add_rings_then_lists)
{
    setup();
    cands[0] = "handles";
    cands[1] = "help";
    ncands = 2;
    TYPE("h\t");
    CHECK(shows("h", 1));
    CHECK_EQ(term.bells, 1);
    TYPE("\t");
    CHECK(strcmp(term_row(&term, 1), "handles  help") == 0);
    CHECK(shows("h", 1));
    TYPE("\t"); /* again: lists again */
    CHECK(strcmp(term_row(&term, 3), "handles  help") == 0);
    TYPE("e\t"); /* a key in between: the next Tab completes first */
    CHECK(shows("help ", 5));
    CHECK_EQ(term.bells, 1);
}

TEST(an_empty_word_lists_everything_on_the_second_tab)
{
    setup();
    cands[0] = "b";
    cands[1] = "a";
    ncands = 2;
    TYPE("\t\t");
    CHECK(strcmp(term_row(&term, 1), "a  b") == 0);
    CHECK(shows("", 0));
}

TEST(no_match_rings_the_bell)
{
    setup();
    cands[0] = "ps";
    ncands = 1;
    TYPE("zz\t\t");
    CHECK_EQ(term.bells, 2);
    CHECK(shows("zz", 2));
    ed.complete = NULL;
    TYPE("\t");
    CHECK_EQ(term.bells, 3);
}

TEST(duplicates_count_once)
{
    setup();
    cands[0] = "echo";
    cands[1] = "echo";
    ncands = 2;
    TYPE("ec\t");
    CHECK(shows("echo ", 5));
}

TEST(completion_in_the_middle_of_a_line)
{
    setup();
    cands[0] = "uptime";
    ncands = 1;
    TYPE("up; mem\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\t");
    CHECK(shows("uptime ; mem", 7));
    setup();
    cands[0] = "uptime";
    ncands = 1;
    TYPE("up ; mem\x01\x1b[C\x1b[C\t"); /* a blank follows: no second one */
    CHECK(shows("uptime ; mem", 6));
}

TEST(a_completion_that_does_not_fit_rings)
{
    static char big[ED_LINE_MAX];
    setup();
    memset(big, 'y', ED_LINE_MAX - 2);
    type_n(big, ED_LINE_MAX - 2);
    cands[0] = "yyyyyy";
    ncands = 1;
    TYPE(" y\t");
    CHECK_EQ(ed.len, ED_LINE_MAX);
    CHECK_EQ(term.bells, 1);
}

/* ---- a random run against a model -------------------------------------------- */

TEST(random_editing_matches_a_model)
{
    static const char *keys[] = {"a", "b", " ", "\x7f", "\x1b[3~", "\x1b[D", "\x1b[C", "\x01", "\x05",
                                 "\x15", "\x0b", "\x1b[H", "\x1b[F", "\x04"};
    char model[ED_LINE_MAX + 1] = "";
    size_t len = 0, cur = 0;
    int bad = 0;
    setup();
    srand(12345);
    for (int step = 0; step < 20000 && !bad; step++) {
        int k = rand() % (int)(sizeof keys / sizeof keys[0]);
        if (k == 13 && len == 0)
            continue; /* Ctrl-D on an empty line ends input */
        type_n(keys[k], strlen(keys[k]));
        switch (k) {
        case 0: case 1: case 2:
            if (len < ED_LINE_MAX) {
                memmove(model + cur + 1, model + cur, len - cur + 1);
                model[cur++] = keys[k][0];
                len++;
            }
            break;
        case 3:
            if (cur > 0) {
                memmove(model + cur - 1, model + cur, len - cur + 1);
                cur--, len--;
            }
            break;
        case 4: case 13:
            if (cur < len) {
                memmove(model + cur, model + cur + 1, len - cur);
                len--;
            }
            break;
        case 5: if (cur > 0) cur--; break;
        case 6: if (cur < len) cur++; break;
        case 7: case 11: cur = 0; break;
        case 8: case 12: cur = len; break;
        case 9:
            memmove(model, model + cur, len - cur + 1);
            len -= cur;
            cur = 0;
            break;
        case 10: model[cur] = '\0'; len = cur; break;
        }
        if (!shows(model, cur))
            bad = 1;
    }
    CHECK(!bad);
}

int main(void)
{
    return RUN_TESTS();
}
