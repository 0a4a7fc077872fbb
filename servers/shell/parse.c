/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's command-line grammar (parse.h has the rules). Both steps walk
 * the text with the same quote state: outside quotes, inside "..." or
 * inside '...'; a backslash escapes the next character outside single
 * quotes. sh_split only needs to know where separators are; sh_words copies
 * the characters of each word into the command's store, dropping quotes and
 * escapes and expanding $? and $!.
 */
#include "parse.h"

#include <stdio.h>
#include <string.h>

#include "abi/errors.h"

enum quote { Q_NONE, Q_DOUBLE, Q_SINGLE };

static bool blank(char c) { return c == ' ' || c == '\t'; }

static bool all_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!blank(s[i]))
            return false;
    return true;
}

/* ---- splitting -------------------------------------------------------- */

static int add_span(sh_span_t *spans, size_t *n, const char *line, size_t start, size_t end, bool bg,
                    const char **why)
{
    if (all_blank(line + start, end - start)) {
        if (!bg)
            return OK;
        *why = "syntax error: '&' without a command";
        return ERR_CORRUPT;
    }
    if (*n == SH_CMDS_MAX) {
        *why = "too many commands on one line";
        return ERR_OUT_OF_RANGE;
    }
    spans[(*n)++] = (sh_span_t){.start = start, .len = end - start, .background = bg};
    return OK;
}

int sh_split(const char *line, sh_span_t *spans, size_t *n, const char **why)
{
    enum quote q = Q_NONE;
    size_t start = 0, i = 0;
    *n = 0;
    *why = "";
    for (; line[i]; i++) {
        char c = line[i];
        if (q == Q_SINGLE) {
            if (c == '\'')
                q = Q_NONE;
        } else if (c == '\\') {
            if (line[i + 1])
                i++;
        } else if (q == Q_DOUBLE) {
            if (c == '"')
                q = Q_NONE;
        } else if (c == '"' || c == '\'') {
            q = c == '"' ? Q_DOUBLE : Q_SINGLE;
        } else if (c == ';' || c == '&') {
            int err = add_span(spans, n, line, start, i, c == '&', why);
            if (err != OK)
                return err;
            start = i + 1;
        }
    }
    if (q != Q_NONE) {
        *why = "unterminated quote";
        return ERR_CORRUPT;
    }
    return add_span(spans, n, line, start, i, false, why);
}

/* ---- words ------------------------------------------------------------ */

typedef struct word_builder {
    sh_cmd_t *cmd;
    size_t used;     /* bytes of store in use */
    bool in_word;    /* a word has started (possibly empty, from "") */
    bool overflow;
} word_builder_t;

static void wb_putc(word_builder_t *wb, char c)
{
    if (wb->used + 1 >= SH_CMD_BYTES) { /* room for the word's NUL too */
        wb->overflow = true;
        return;
    }
    if (!wb->in_word) {
        if (wb->cmd->argc == SH_WORDS_MAX) {
            wb->overflow = true;
            return;
        }
        wb->cmd->argv[wb->cmd->argc++] = wb->cmd->store + wb->used;
        wb->in_word = true;
    }
    wb->cmd->store[wb->used++] = c;
}

/* Starts a word without a character yet (an opening quote). */
static void wb_begin(word_builder_t *wb)
{
    if (wb->in_word)
        return;
    if (wb->cmd->argc == SH_WORDS_MAX || wb->used + 1 >= SH_CMD_BYTES) {
        wb->overflow = true;
        return;
    }
    wb->cmd->argv[wb->cmd->argc++] = wb->cmd->store + wb->used;
    wb->in_word = true;
}

static void wb_end(word_builder_t *wb)
{
    if (!wb->in_word)
        return;
    wb->cmd->store[wb->used++] = '\0'; /* room kept by wb_putc/wb_begin */
    wb->in_word = false;
}

/* $? or $! (name is '?' or '!'). An empty $! still joins its neighbours
 * into a word but makes none by itself, as in sh. */
static void wb_var(word_builder_t *wb, char name, const sh_vars_t *vars)
{
    char num[24] = "";
    int k = 0;
    if (name == '?')
        k = snprintf(num, sizeof num, "%d", vars->status);
    else if (vars->last_bg != 0)
        k = snprintf(num, sizeof num, "%llu", (unsigned long long)vars->last_bg);
    for (int j = 0; j < k; j++)
        wb_putc(wb, num[j]);
}

int sh_words(const char *text, size_t len, const sh_vars_t *vars, sh_cmd_t *cmd, const char **why)
{
    word_builder_t wb = {.cmd = cmd};
    enum quote q = Q_NONE;
    cmd->argc = 0;
    *why = "";
    for (size_t i = 0; i < len && !wb.overflow; i++) {
        char c = text[i];
        bool next = i + 1 < len;
        if (q == Q_SINGLE) {
            if (c == '\'')
                q = Q_NONE;
            else
                wb_putc(&wb, c);
        } else if (c == '$' && next && (text[i + 1] == '?' || text[i + 1] == '!')) {
            wb_var(&wb, text[++i], vars);
        } else if (q == Q_DOUBLE) {
            if (c == '"')
                q = Q_NONE;
            else if (c == '\\' && next && strchr("\"\\$", text[i + 1]))
                wb_putc(&wb, text[++i]);
            else
                wb_putc(&wb, c);
        } else if (blank(c)) {
            wb_end(&wb);
        } else if (c == '"' || c == '\'') {
            wb_begin(&wb);
            q = c == '"' ? Q_DOUBLE : Q_SINGLE;
        } else if (c == '\\' && next) {
            wb_putc(&wb, text[++i]);
        } else {
            wb_putc(&wb, c);
        }
    }
    if (!wb.overflow && q != Q_NONE) {
        *why = "unterminated quote";
        cmd->argc = 0;
        return ERR_CORRUPT;
    }
    wb_end(&wb);
    if (wb.overflow) {
        *why = cmd->argc == SH_WORDS_MAX ? "too many words in a command" : "command too long";
        cmd->argc = 0;
        return ERR_OUT_OF_RANGE;
    }
    cmd->argv[cmd->argc] = NULL;
    return OK;
}

/* ---- completion context ------------------------------------------------- */

size_t sh_word_index(const char *line, size_t pos, char *first, size_t first_cap)
{
    enum quote q = Q_NONE;
    size_t index = 0, first_len = 0;
    bool in_word = false;
    first[0] = '\0';
    for (size_t i = 0; i < pos && line[i]; i++) {
        char c = line[i];
        bool sep = false;
        if (q == Q_SINGLE) {
            q = c == '\'' ? Q_NONE : q;
        } else if (c == '\\') {
            if (i + 1 < pos && line[i + 1])
                i++;
        } else if (q == Q_DOUBLE) {
            q = c == '"' ? Q_NONE : q;
        } else if (c == '"' || c == '\'') {
            q = c == '"' ? Q_DOUBLE : Q_SINGLE;
        } else if (c == ';' || c == '&') {
            index = 0;
            first_len = 0;
            in_word = false;
            continue;
        } else {
            sep = blank(c);
        }
        if (sep) {
            if (in_word)
                index++;
            in_word = false;
            continue;
        }
        in_word = true;
        if (index == 0 && first_len + 1 < first_cap)
            first[first_len++] = c;
    }
    first[in_word && index == 0 ? 0 : first_len] = '\0';
    return index;
}
