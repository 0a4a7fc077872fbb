/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ed: the shell's line editor. Pure code, no system calls (host-tested by
 * tests/host/test_shell_ed.c): bytes typed on a raw console go in one at a
 * time through ed_feed; what the terminal must show comes out as text and
 * ANSI sequences in an ed_out_t, and ed_feed says when a line is complete.
 *
 *   ed_init(&e, "cairn> ", complete, ctx);
 *   ed_start(&e, &out);                 // writes the prompt
 *   for each byte b: switch (ed_feed(&e, b, &out)) { case ED_LINE: use e.line ... }
 *
 * Keys: printable ASCII inserts at the cursor; Backspace/DEL erase left of
 * it, Delete (ESC [ 3 ~) and Ctrl-D under it; Left/Right, Ctrl-B/F move;
 * Home/End (ESC [ H, ESC [ F, ESC [ 1 ~, ESC [ 4 ~, ESC [ 7 ~, ESC [ 8 ~,
 * ESC O H, ESC O F) and Ctrl-A/E jump; Ctrl-U kills to the start, Ctrl-K to
 * the end; Ctrl-L clears the screen and redraws; Up/Down (ESC [ A/B,
 * ESC O A/B, Ctrl-P/N) walk the history; Tab completes the word before the
 * cursor (one match: the whole word and a space; several: their common
 * prefix, and a second Tab in a row lists them); CR or LF ends the line
 * (CRLF counts once); Ctrl-C abandons it; Ctrl-D on an empty line is end of
 * input. Other control bytes, bytes >= 0x80 and unknown escape sequences
 * are ignored; a full line answers more input with a bell.
 *
 * The display model is one terminal row: the prompt, then the line, the
 * cursor at column prompt_len + cur. Updates are incremental (a character
 * and the tail after it), full redraws start with CR.
 */
#ifndef SHELL_ED_H
#define SHELL_ED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ED_LINE_MAX 480    /* a command line: program + proc's 479-byte args */
#define ED_PROMPT_MAX 32
#define ED_HIST_MAX 32     /* lines remembered; the oldest goes first */
#define ED_CAND_MAX 128    /* completion candidates considered */
#define ED_OUT_MAX 8192    /* terminal output of one ed_feed, at most */

enum ed_result {
    ED_MORE = 0,   /* keep feeding */
    ED_LINE = 1,   /* e.line holds a complete line (already in the history) */
    ED_CANCEL = 2, /* Ctrl-C: the line was abandoned; call ed_start again */
    ED_EOF = 3,    /* Ctrl-D on an empty line */
};

/* Terminal output. Text past ED_OUT_MAX is dropped and `truncated` set;
 * the caller writes buf and resets len between feeds (ed_out_reset). */
typedef struct ed_out {
    char buf[ED_OUT_MAX];
    size_t len;
    bool truncated;
} ed_out_t;

/* Completion: the words that may stand where the word being completed
 * starts (line[0..word_start) is the text before it, NUL-terminated for the
 * call). Points up to `max` names into names[] and returns how many; the
 * strings must stay valid until the next call. The editor keeps those that
 * start with the typed prefix, sorts them and drops duplicates. */
typedef size_t (*ed_complete_fn)(void *ctx, const char *line, size_t word_start, const char **names,
                                 size_t max);

typedef struct ed {
    char prompt[ED_PROMPT_MAX + 1];
    size_t prompt_len;
    char line[ED_LINE_MAX + 1]; /* NUL-terminated */
    size_t len, cur;            /* cur: cursor, 0..len */

    /* Escape sequences: ESC, then '[' or 'O', then parameter digits. */
    int esc;                    /* enum ed_esc (ed.c) */
    unsigned esc_param;
    bool last_cr;               /* a following LF is the same line end */
    bool last_tab;              /* the previous key was a Tab that listed nothing */

    /* History: hist[(hist_head + i) % ED_HIST_MAX], i < hist_len, oldest
     * first. hist_pos is how far back Up has gone (0: the line being
     * typed, kept in draft). */
    char hist[ED_HIST_MAX][ED_LINE_MAX + 1];
    size_t hist_head, hist_len, hist_pos;
    char draft[ED_LINE_MAX + 1];

    ed_complete_fn complete;
    void *complete_ctx;
} ed_t;

/* Sets up an editor with `prompt` (cut at ED_PROMPT_MAX, one row, no
 * escape sequences) and an optional completion function. */
void ed_init(ed_t *e, const char *prompt, ed_complete_fn complete, void *ctx);

/* Starts a new, empty line: writes the prompt. */
void ed_start(ed_t *e, ed_out_t *out);

/* Feeds one typed byte; appends the terminal output to *out. */
enum ed_result ed_feed(ed_t *e, uint8_t c, ed_out_t *out);

/* Remembers a line (not a blank one, nor a repeat of the newest). ed_feed
 * does this for every completed line. */
void ed_history_add(ed_t *e, const char *line);

/* Redraws the prompt and the line on a fresh row (after other output, e.g.
 * a background job's message, has moved the cursor). */
void ed_redraw(ed_t *e, ed_out_t *out);

static inline void ed_out_reset(ed_out_t *out)
{
    out->len = 0;
    out->truncated = false;
}

#endif
