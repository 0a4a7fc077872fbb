/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's line editor (ed.h has the keys and the display model). One
 * state machine over typed bytes: ESC starts a sequence (CSI "ESC [" with
 * numeric parameters, or SS3 "ESC O" with one final byte) that ends in a
 * key; every other byte is a key of its own. A key edits line[0..len) and
 * moves cur, then appends to the output just what changes on the row:
 * inserted or erased text and the tail behind it, followed by a cursor move
 * back ("ESC [ n D"). Whole-line changes (history, Ctrl-L, a completion
 * listing) redraw from column 0.
 */
#include "ed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ed_esc {
    ESC_NONE = 0,
    ESC_START, /* ESC seen */
    ESC_CSI,   /* ESC [ and parameters so far */
    ESC_SS3,   /* ESC O */
};

#define ED_PARAM_CAP 1000u /* larger parameters mean nothing to us */

#define CTRL(c) ((uint8_t)((c) & 0x1f))

/* ---- output ----------------------------------------------------------- */

static void out_put(ed_out_t *out, const char *s, size_t n)
{
    size_t room = sizeof out->buf - out->len;
    if (n > room) {
        n = room;
        out->truncated = true;
    }
    memcpy(out->buf + out->len, s, n);
    out->len += n;
}

static void out_str(ed_out_t *out, const char *s) { out_put(out, s, strlen(s)); }

static void bell(ed_out_t *out) { out_put(out, "\a", 1); }

/* Moves the cursor n columns left or right. */
static void move_left(ed_out_t *out, size_t n)
{
    char seq[24];
    if (n == 0)
        return;
    int k = snprintf(seq, sizeof seq, "\x1b[%zuD", n);
    out_put(out, seq, (size_t)k);
}

static void move_right(ed_out_t *out, size_t n)
{
    char seq[24];
    if (n == 0)
        return;
    int k = snprintf(seq, sizeof seq, "\x1b[%zuC", n);
    out_put(out, seq, (size_t)k);
}

/* From column 0 of the current row: prompt, line, rest of the row cleared,
 * cursor to cur. */
static void draw_row(ed_t *e, ed_out_t *out)
{
    out_put(out, e->prompt, e->prompt_len);
    out_put(out, e->line, e->len);
    out_str(out, "\x1b[K");
    move_left(out, e->len - e->cur);
}

void ed_redraw(ed_t *e, ed_out_t *out)
{
    out_put(out, "\r", 1);
    draw_row(e, out);
}

/* ---- editing ------------------------------------------------------------ */

void ed_init(ed_t *e, const char *prompt, ed_complete_fn complete, void *ctx)
{
    memset(e, 0, sizeof *e);
    size_t n = strlen(prompt);
    if (n > ED_PROMPT_MAX)
        n = ED_PROMPT_MAX;
    memcpy(e->prompt, prompt, n);
    e->prompt_len = n;
    e->complete = complete;
    e->complete_ctx = ctx;
}

void ed_start(ed_t *e, ed_out_t *out)
{
    /* last_cr survives: the LF of a CRLF may come after the new prompt. */
    e->line[0] = '\0';
    e->len = e->cur = 0;
    e->esc = ESC_NONE;
    e->last_tab = false;
    e->hist_pos = 0;
    out_put(out, e->prompt, e->prompt_len);
}

/* Inserts s[0..n) at the cursor; false (and a bell) when it does not fit. */
static bool insert(ed_t *e, const char *s, size_t n, ed_out_t *out)
{
    if (n > ED_LINE_MAX - e->len) {
        bell(out);
        return false;
    }
    size_t tail = e->len - e->cur;
    memmove(e->line + e->cur + n, e->line + e->cur, tail + 1); /* with the NUL */
    memcpy(e->line + e->cur, s, n);
    e->len += n;
    out_put(out, e->line + e->cur, n + tail);
    e->cur += n;
    move_left(out, tail);
    return true;
}

/* Erases n characters starting at column `at` (at + n <= len), leaving the
 * cursor at `at`; the display cursor is at column cur on entry. */
static void erase(ed_t *e, size_t at, size_t n, ed_out_t *out)
{
    move_left(out, e->cur - at);
    memmove(e->line + at, e->line + at + n, e->len - at - n + 1);
    e->len -= n;
    e->cur = at;
    size_t tail = e->len - at;
    out_put(out, e->line + at, tail);
    out_str(out, "\x1b[K");
    move_left(out, tail);
}

static void move_to(ed_t *e, size_t to, ed_out_t *out)
{
    if (to < e->cur)
        move_left(out, e->cur - to);
    else
        move_right(out, to - e->cur);
    e->cur = to;
}

/* Replaces the whole line (history): cursor at its end. */
static void replace_line(ed_t *e, const char *s, ed_out_t *out)
{
    move_left(out, e->cur);
    size_t n = strlen(s);
    if (n > ED_LINE_MAX)
        n = ED_LINE_MAX;
    memmove(e->line, s, n);
    e->line[n] = '\0';
    e->len = e->cur = n;
    out_put(out, e->line, n);
    out_str(out, "\x1b[K");
}

/* ---- history ------------------------------------------------------------ */

static char *hist_entry(ed_t *e, size_t i) { return e->hist[(e->hist_head + i) % ED_HIST_MAX]; }

void ed_history_add(ed_t *e, const char *line)
{
    if (strspn(line, " \t") == strlen(line))
        return;
    if (e->hist_len > 0 && strcmp(hist_entry(e, e->hist_len - 1), line) == 0)
        return;
    if (e->hist_len == ED_HIST_MAX) {
        e->hist_head = (e->hist_head + 1) % ED_HIST_MAX;
        e->hist_len--;
    }
    char *slot = hist_entry(e, e->hist_len++);
    size_t n = strlen(line);
    if (n > ED_LINE_MAX)
        n = ED_LINE_MAX;
    memcpy(slot, line, n);
    slot[n] = '\0';
}

static void hist_up(ed_t *e, ed_out_t *out)
{
    if (e->hist_pos == e->hist_len) {
        bell(out);
        return;
    }
    if (e->hist_pos == 0)
        memcpy(e->draft, e->line, e->len + 1);
    e->hist_pos++;
    replace_line(e, hist_entry(e, e->hist_len - e->hist_pos), out);
}

static void hist_down(ed_t *e, ed_out_t *out)
{
    if (e->hist_pos == 0)
        return;
    e->hist_pos--;
    replace_line(e, e->hist_pos == 0 ? e->draft : hist_entry(e, e->hist_len - e->hist_pos), out);
}

/* ---- completion ----------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static bool word_sep(char c) { return c == ' ' || c == '\t' || c == ';' || c == '&'; }

/* Lists the matches below the line and redraws it. */
static void list_matches(ed_t *e, const char **m, size_t n, ed_out_t *out)
{
    size_t col = 0;
    out_str(out, "\r\n");
    for (size_t i = 0; i < n; i++) {
        size_t w = strlen(m[i]);
        if (col > 0 && col + 2 + w > 78) {
            out_str(out, "\r\n");
            col = 0;
        } else if (col > 0) {
            out_str(out, "  ");
            col += 2;
        }
        out_put(out, m[i], w);
        col += w;
    }
    out_str(out, "\r\n");
    draw_row(e, out);
}

static void complete(ed_t *e, ed_out_t *out)
{
    size_t start = e->cur;
    while (start > 0 && !word_sep(e->line[start - 1]))
        start--;
    size_t plen = e->cur - start;
    const char *names[ED_CAND_MAX], *m[ED_CAND_MAX];
    size_t nnames = 0, n = 0;
    if (e->complete) {
        char saved = e->line[start];
        e->line[start] = '\0'; /* the callback sees only what precedes the word */
        nnames = e->complete(e->complete_ctx, e->line, start, names, ED_CAND_MAX);
        e->line[start] = saved;
    }
    if (nnames > ED_CAND_MAX)
        nnames = ED_CAND_MAX;
    for (size_t i = 0; i < nnames; i++)
        if (names[i] && strncmp(names[i], e->line + start, plen) == 0)
            m[n++] = names[i];
    qsort(m, n, sizeof m[0], cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(m[k - 1], m[i]) != 0)
            m[k++] = m[i];
    n = k;
    if (n == 0) {
        bell(out);
        e->last_tab = false;
        return;
    }
    if (n == 1) {
        const char *rest = m[0] + plen;
        if (insert(e, rest, strlen(rest), out) && (e->cur == e->len || e->line[e->cur] != ' '))
            insert(e, " ", 1, out);
        e->last_tab = false;
        return;
    }
    /* Sorted: the common prefix of all is that of the first and the last. */
    size_t common = 0;
    while (m[0][common] && m[0][common] == m[n - 1][common])
        common++;
    if (e->last_tab) {
        list_matches(e, m, n, out);
        return;
    }
    if (common > plen)
        insert(e, m[0] + plen, common - plen, out);
    else
        bell(out);
    e->last_tab = true;
}

/* ---- keys -------------------------------------------------------------- */

enum ed_key {
    KEY_UP = 256,
    KEY_DOWN,
    KEY_RIGHT,
    KEY_LEFT,
    KEY_HOME,
    KEY_END,
    KEY_DELETE,
};

/* The key an escape sequence's final byte stands for, or 0. */
static int esc_key(uint8_t final, unsigned param)
{
    switch (final) {
    case 'A': return KEY_UP;
    case 'B': return KEY_DOWN;
    case 'C': return KEY_RIGHT;
    case 'D': return KEY_LEFT;
    case 'H': return KEY_HOME;
    case 'F': return KEY_END;
    case '~':
        switch (param) {
        case 1: case 7: return KEY_HOME;
        case 4: case 8: return KEY_END;
        case 3: return KEY_DELETE;
        default: return 0;
        }
    default: return 0;
    }
}

/* Runs the escape state machine; returns the key a finished sequence
 * means, 0 while inside one (or for an ignored one), -1 when c is not part
 * of a sequence. */
static int esc_feed(ed_t *e, uint8_t c)
{
    switch (e->esc) {
    case ESC_NONE:
        if (c != 0x1b)
            return -1;
        e->esc = ESC_START;
        return 0;
    case ESC_START:
        if (c == '[' || c == 'O') {
            e->esc = c == '[' ? ESC_CSI : ESC_SS3;
            e->esc_param = 0;
        } else if (c != 0x1b) {
            e->esc = ESC_NONE; /* ESC x (Alt-x): not a key we have */
        }
        return 0;
    case ESC_SS3:
        e->esc = ESC_NONE;
        return esc_key(c, 0);
    default: /* ESC_CSI */
        if (c >= '0' && c <= '9') {
            if (e->esc_param < ED_PARAM_CAP)
                e->esc_param = e->esc_param * 10 + (c - '0');
            return 0;
        }
        if (c == ';') { /* modifiers (ESC [ 1 ; 5 C): the key stays the key */
            e->esc_param = 0;
            return 0;
        }
        if (c >= 0x20 && c <= 0x3f)
            return 0; /* other parameter and intermediate bytes */
        e->esc = ESC_NONE;
        return c >= 0x40 && c <= 0x7e ? esc_key(c, e->esc_param) : 0;
    }
}

static enum ed_result line_done(ed_t *e, ed_out_t *out)
{
    out_str(out, "\r\n");
    ed_history_add(e, e->line);
    e->hist_pos = 0;
    return ED_LINE;
}

/* Carries out one key (a byte below 256, or an enum ed_key). */
static enum ed_result key(ed_t *e, int k, ed_out_t *out)
{
    switch (k) {
    case '\r':
    case '\n':
        return line_done(e, out);
    case CTRL('C'):
        out_str(out, "^C\r\n");
        e->hist_pos = 0;
        return ED_CANCEL;
    case CTRL('D'): /* end of input on an empty line, else Delete */
        if (e->len == 0)
            return ED_EOF;
        if (e->cur < e->len)
            erase(e, e->cur, 1, out);
        break;
    case KEY_DELETE:
        if (e->cur < e->len)
            erase(e, e->cur, 1, out);
        break;
    case 0x08:
    case 0x7f:
        if (e->cur > 0)
            erase(e, e->cur - 1, 1, out);
        break;
    case KEY_LEFT:
    case CTRL('B'):
        if (e->cur > 0)
            move_to(e, e->cur - 1, out);
        break;
    case KEY_RIGHT:
    case CTRL('F'):
        if (e->cur < e->len)
            move_to(e, e->cur + 1, out);
        break;
    case KEY_HOME:
    case CTRL('A'):
        move_to(e, 0, out);
        break;
    case KEY_END:
    case CTRL('E'):
        move_to(e, e->len, out);
        break;
    case CTRL('U'):
        if (e->cur > 0)
            erase(e, 0, e->cur, out);
        break;
    case CTRL('K'):
        e->len = e->cur;
        e->line[e->len] = '\0';
        out_str(out, "\x1b[K");
        break;
    case CTRL('L'):
        out_str(out, "\x1b[H\x1b[2J");
        draw_row(e, out);
        break;
    case KEY_UP:
    case CTRL('P'):
        hist_up(e, out);
        break;
    case KEY_DOWN:
    case CTRL('N'):
        hist_down(e, out);
        break;
    case '\t':
        complete(e, out);
        return ED_MORE; /* keeps last_tab */
    default:
        if (k >= 0x20 && k < 0x7f) {
            char ch = (char)k;
            insert(e, &ch, 1, out);
        }
        break;
    }
    e->last_tab = false;
    return ED_MORE;
}

enum ed_result ed_feed(ed_t *e, uint8_t c, ed_out_t *out)
{
    bool after_cr = e->last_cr;
    e->last_cr = false;
    int k = esc_feed(e, c);
    if (k == 0)
        return ED_MORE;
    if (k < 0) {
        k = c;
        if (c == '\n' && after_cr)
            return ED_MORE; /* the LF of CRLF */
        e->last_cr = c == '\r';
    }
    return key(e, k, out);
}
