/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's command-line grammar. Pure code, no system calls (host-tested
 * by tests/host/test_shell_parse.c). A line is parsed in two steps, because
 * `$?` in a later command must see the status of an earlier one:
 *
 *   sh_split   cuts the line into commands at ';' and '&' outside quotes;
 *              '&' marks the command before it as a background one.
 *   sh_words   turns one command's text into words when it is about to
 *              run, expanding `$?` to the status at that moment and `$!`
 *              to the pid of the last background program.
 *
 * Words: separated by blanks (space, tab) outside quotes. "..." keeps blanks
 * and ';' '&' and expands $? and $!; inside it a backslash escapes only
 * " \ and $. '...' keeps everything literally. Outside quotes a backslash
 * makes the next character literal. Quoted parts join their neighbours into
 * one word ("a"b'c' is abc); "" alone is an empty word. $! is empty before
 * the first background program. A '$' not followed by '?' or '!' is an
 * ordinary character.
 *
 * Errors (the return value) come from the one error space, with a message
 * for the user in *why:
 *   ERR_CORRUPT       unterminated quote; '&' with no command before it
 *   ERR_OUT_OF_RANGE  more than SH_CMDS_MAX commands, SH_WORDS_MAX words,
 *                     or SH_CMD_BYTES bytes of words in a command
 */
#ifndef SHELL_PARSE_H
#define SHELL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SH_CMDS_MAX 16
#define SH_WORDS_MAX 32
#define SH_CMD_BYTES 1024

/* One command: line[start, start + len), without its separator. */
typedef struct sh_span {
    size_t start, len;
    bool background; /* ended by '&' */
} sh_span_t;

typedef struct sh_cmd {
    int argc;
    char *argv[SH_WORDS_MAX + 1]; /* argv[argc] == NULL; point into store */
    char store[SH_CMD_BYTES];
} sh_cmd_t;

/* Splits `line` (NUL-terminated) into at most SH_CMDS_MAX commands. Blank
 * commands before ';' and at the end are dropped (so "a;;b;" is a and b). */
int sh_split(const char *line, sh_span_t *spans, size_t *n, const char **why);

/* What $? and $! expand to. */
typedef struct sh_vars {
    int status;       /* $? */
    uint64_t last_bg; /* $!; 0: none yet (expands to nothing) */
} sh_vars_t;

/* The words of text[0..len) with $? and $! expanded from `vars`. argc may
 * be 0 (text of blanks only). */
int sh_words(const char *text, size_t len, const sh_vars_t *vars, sh_cmd_t *cmd, const char **why);

/* For completion: the index of the word that starts at `pos` (or contains
 * it) within its command of `line` (0: the command name), and that
 * command's first word in first[] (cut to first_cap - 1 bytes, quotes
 * left as typed; "" when the word at pos is the first). */
size_t sh_word_index(const char *line, size_t pos, char *first, size_t first_cap);

#endif
