/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to the manifest parser (manifest.c and manifest_lex.c); not part
 * of the manifest.h API. The parser's state, and the lexical layer under
 * it (manifest_lex.c): string helpers, the one-report failure messages,
 * and reading the words of a line as names, numbers and durations. Every
 * function here is prefixed mlex_.
 */
#ifndef INIT_MANIFEST_LEX_H
#define INIT_MANIFEST_LEX_H

#include "manifest.h"

#define MSG_MAX 256  /* a report, NUL included; longer ones are cut */
#define QUOTE_MAX 40 /* characters of a quoted word in a report */

/* A word of the current line: [s, s + n), never empty. */
typedef struct tok {
    const char *s;
    size_t n;
} tok_t;

/* No word: for the unused quoted arguments of mlex_fail(). */
#define NOTOK ((tok_t){ NULL, 0 })

struct keyword;

typedef struct parser {
    manifest_t *out;
    manifest_report_fn report;
    void *ctx;
    uint32_t line;
    const char *p, *end;              /* the words of the line not yet read */
    const struct keyword *kw;         /* the line's keyword */
    manifest_component_t *comp;       /* the open block, or NULL */
} parser_t;

typedef struct keyword {
    const char *word;
    int (*parse)(parser_t *ps);
    const char *usage;
} keyword_t;

/* ---- small string helpers (no libc) ------------------------------------ */

void mlex_mem_zero(void *p, size_t n);
size_t mlex_str_len(const char *s);
bool mlex_str_eq(const char *a, const char *b);
tok_t mlex_tok_of(const char *s);
bool mlex_tok_is(tok_t t, const char *word);
/* Copies a word already known to be shorter than cap. */
void mlex_tok_copy(char *dst, size_t cap, tok_t t);

/* ---- reports ----------------------------------------------------------- */

typedef struct msg {
    char s[MSG_MAX];
    size_t n;
} msg_t;

/* Starts "manifest:LINE: " (line 0: "manifest: "). */
void mlex_msg_begin(msg_t *m, uint32_t line);
void mlex_msg_str(msg_t *m, const char *s);
/* 'word', cut to QUOTE_MAX characters. */
void mlex_msg_quote(msg_t *m, tok_t t);
/* Hands the message to the report function; returns ERR_CORRUPT. */
int mlex_msg_send(const parser_t *ps, const msg_t *m);

/*
 * Reports "manifest:LINE: fmt" and returns ERR_CORRUPT. In fmt, %1 and %2
 * are a and b quoted, %u and %x are u in decimal and in hexadecimal (0x),
 * %k and %U are the current keyword and its usage.
 */
int mlex_fail(const parser_t *ps, uint32_t line, const char *fmt, tok_t a, tok_t b, uint64_t u);
/* A failure on the current line. */
int mlex_failh(const parser_t *ps, const char *fmt, tok_t a, tok_t b, uint64_t u);

/* ---- words, names, numbers --------------------------------------------- */

/* A space or a tab: what separates words. */
bool mlex_is_space(char c);
/* The next word of the line into *t; false at the end of the line. */
bool mlex_next_tok(parser_t *ps, tok_t *t);
/* The next word, which the keyword's usage requires. */
int mlex_need_tok(parser_t *ps, tok_t *t);
/* Refuses any word left on the line. */
int mlex_expect_end(parser_t *ps);
/* Letters, digits, '.', '_', '-', first a letter or digit, shorter than
 * MANIFEST_NAME_MAX. */
bool mlex_name_valid(const char *s, size_t n);
/* Refuses a word that is not a valid name. */
int mlex_check_name(const parser_t *ps, tok_t t);
/* The next word, a valid name, copied into dst. */
int mlex_get_name(parser_t *ps, char dst[MANIFEST_NAME_MAX]);
/* The next word, a decimal or 0x-hexadecimal number that fits 64 bits. */
int mlex_get_u64(parser_t *ps, uint64_t *out);
/* NUMBER followed by ms or s, in [1 ms, MANIFEST_DURATION_MAX]. */
int mlex_get_duration(parser_t *ps, uint32_t *ms);
/* A size: a number (decimal or 0x hexadecimal) of bytes, or a decimal
 * number followed by K, M or G (KiB, MiB, GiB: 64M). */
int mlex_get_size(parser_t *ps, uint64_t *bytes);

#endif
