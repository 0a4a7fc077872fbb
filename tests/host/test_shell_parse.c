/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The shell's command-line grammar (servers/shell/parse.c): splitting at
 * ';' and '&' (background marks, blank commands, separators inside quotes
 * and after a backslash), words (blanks, double and single quotes, joined
 * parts, empty words, backslashes), $? and $! expansion (where it happens
 * and where not, negative statuses, $! before any background program), every error with its message and code
 * (unterminated quotes, '&' alone, too many commands, words and bytes, each
 * at the limit and one past it), and the completion context
 * (sh_word_index).
 */
#include <stdio.h>
#include <string.h>

#include "abi/errors.h"
#include "check.h"
#include "parse.h"

static sh_span_t spans[SH_CMDS_MAX];
static sh_cmd_t cmd;
static uint64_t last_bg; /* what $! expands to in words() */

/* The commands of a line as "text|text&|" ('&' after a background one). */
static const char *split(const char *line, int *err, const char **why)
{
    static char buf[4096];
    size_t n = 99;
    *err = sh_split(line, spans, &n, why);
    buf[0] = '\0';
    if (*err != OK)
        return buf;
    for (size_t i = 0; i < n; i++) {
        strncat(buf, line + spans[i].start, spans[i].len);
        strcat(buf, spans[i].background ? "&|" : "|");
    }
    return buf;
}

/* The words of a text as "<w1><w2>...". */
static const char *words(const char *text, int status, int *err, const char **why)
{
    static char buf[4096];
    sh_vars_t vars = {.status = status, .last_bg = last_bg};
    *err = sh_words(text, strlen(text), &vars, &cmd, why);
    buf[0] = '\0';
    for (int i = 0; i < cmd.argc; i++) {
        strcat(buf, "<");
        strcat(buf, cmd.argv[i]);
        strcat(buf, ">");
    }
    return buf;
}

static int split_is(const char *line, const char *want)
{
    int err;
    const char *why;
    const char *got = split(line, &err, &why);
    if (err != OK || strcmp(got, want) != 0) {
        printf("  split '%s': got '%s' (%d %s), want '%s'\n", line, got, err, why, want);
        return 0;
    }
    return 1;
}

static int words_are(const char *text, int status, const char *want)
{
    int err;
    const char *why;
    const char *got = words(text, status, &err, &why);
    if (err != OK || strcmp(got, want) != 0 || cmd.argv[cmd.argc] != NULL) {
        printf("  words '%s': got '%s' (%d %s), want '%s'\n", text, got, err, why, want);
        return 0;
    }
    return 1;
}

/* ---- splitting -------------------------------------------------------- */

TEST(split_at_semicolons)
{
    CHECK(split_is("ps", "ps|"));
    CHECK(split_is("ps; mem;uptime", "ps| mem|uptime|"));
    CHECK(split_is("", ""));
    CHECK(split_is("   \t ", ""));
}

TEST(blank_commands_before_semicolons_are_dropped)
{
    CHECK(split_is("a;;b;", "a|b|"));
    CHECK(split_is(";a", "a|"));
    CHECK(split_is(" ; ;", ""));
}

TEST(ampersand_ends_a_background_command)
{
    CHECK(split_is("run echo-server &", "run echo-server &|"));
    CHECK(split_is("run echo-server &; echo-client hi", "run echo-server &| echo-client hi|"));
    CHECK(split_is("a & b &c", "a &| b &|c|"));
    CHECK(split_is("a&", "a&|"));
}

TEST(separators_inside_quotes_and_after_backslashes_do_not_split)
{
    CHECK(split_is("echo \"a;b&c\"; x", "echo \"a;b&c\"| x|"));
    CHECK(split_is("echo 'a;\"b'; x", "echo 'a;\"b'| x|"));
    CHECK(split_is("echo a\\;b\\&", "echo a\\;b\\&|"));
    CHECK(split_is("echo \"a\\\";b\"", "echo \"a\\\";b\"|"));
    CHECK(split_is("echo '\\';b", "echo '\\'|b|")); /* no escapes in single quotes */
}

TEST(split_errors)
{
    int err;
    const char *why;
    split("&", &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
    CHECK(strstr(why, "'&' without a command") != NULL);
    split("a; &", &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
    split("a && b", &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
    split("echo \"abc", &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
    CHECK(strcmp(why, "unterminated quote") == 0);
    split("echo 'abc", &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
    split("echo \"a'", &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
}

TEST(at_most_sh_cmds_max_commands)
{
    char line[256] = "";
    for (int i = 0; i < SH_CMDS_MAX; i++)
        strcat(line, "x;");
    size_t n;
    const char *why;
    CHECK_EQ(sh_split(line, spans, &n, &why), OK);
    CHECK_EQ(n, SH_CMDS_MAX);
    strcat(line, "y");
    CHECK_EQ(sh_split(line, spans, &n, &why), ERR_OUT_OF_RANGE);
    CHECK(strcmp(why, "too many commands on one line") == 0);
    strcpy(line, "");
    for (int i = 0; i < SH_CMDS_MAX; i++)
        strcat(line, "x &");
    strcat(line, "   ;;");
    CHECK_EQ(sh_split(line, spans, &n, &why), OK); /* blank ones do not count */
}

/* ---- words ------------------------------------------------------------ */

TEST(words_are_separated_by_blanks)
{
    CHECK(words_are("echo  a\tb   c ", 0, "<echo><a><b><c>"));
    CHECK(words_are("   ", 0, ""));
    CHECK(words_are("", 0, ""));
    CHECK_EQ(cmd.argc, 0);
}

TEST(double_quotes_keep_blanks_and_join_neighbours)
{
    CHECK(words_are("echo \"a  b\" c", 0, "<echo><a  b><c>"));
    CHECK(words_are("x\"y z\"w", 0, "<xy zw>"));
    CHECK(words_are("\"a\"\"b\"", 0, "<ab>"));
    CHECK(words_are("echo \"a;b&c\"", 0, "<echo><a;b&c>"));
}

TEST(empty_quotes_are_an_empty_word)
{
    CHECK(words_are("echo \"\" ''", 0, "<echo><><>"));
    CHECK_EQ(cmd.argc, 3);
    CHECK(words_are("a\"\"", 0, "<a>"));
}

TEST(single_quotes_are_literal)
{
    CHECK(words_are("echo 'a \"b\" $? \\n'", 7, "<echo><a \"b\" $? \\n>"));
    CHECK(words_are("'it'\"'\"s", 0, "<it's>"));
}

TEST(backslashes)
{
    CHECK(words_are("a\\ b", 0, "<a b>"));
    CHECK(words_are("\\\"x\\\"", 0, "<\"x\">"));
    CHECK(words_are("\"a\\\"b\\\\c\\$?\\n\"", 3, "<a\"b\\c$?\\n>"));
    CHECK(words_are("end\\", 0, "<end\\>"));
    CHECK(words_are("\\$?", 5, "<$?>"));
}

TEST(status_expansion)
{
    CHECK(words_are("echo $?", 0, "<echo><0>"));
    CHECK(words_are("echo $? x$?y \"($?)\"", 127, "<echo><127><x127y><(127)>"));
    CHECK(words_are("echo $?$?", -2147483647 - 1, "<echo><-2147483648-2147483648>"));
    CHECK(words_are("echo $ $x a$ $", 1, "<echo><$><$x><a$><$>"));
}

TEST(last_background_pid_expansion)
{
    last_bg = 0; /* none yet: $! is empty */
    CHECK(words_are("kill $!", 0, "<kill>"));
    CHECK(words_are("a$!b \"$!\"", 0, "<ab><>"));
    last_bg = 18446744073709551615ull;
    CHECK(words_are("kill $! '$!' \\$! \"x$!\"", 3, "<kill><18446744073709551615><$!><$!><x18446744073709551615>"));
    last_bg = 93;
    CHECK(words_are("handles $!; $?$!", 1, "<handles><93;><193>"));
    last_bg = 0;
}

TEST(word_errors)
{
    int err;
    const char *why;
    words("echo \"abc", 0, &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
    CHECK(strcmp(why, "unterminated quote") == 0);
    CHECK_EQ(cmd.argc, 0);
    words("echo 'abc", 0, &err, &why);
    CHECK_EQ(err, ERR_CORRUPT);
}

TEST(at_most_sh_words_max_words)
{
    char text[256] = "";
    int err;
    const char *why;
    for (int i = 0; i < SH_WORDS_MAX; i++)
        strcat(text, "w ");
    words(text, 0, &err, &why);
    CHECK_EQ(err, OK);
    CHECK_EQ(cmd.argc, SH_WORDS_MAX);
    CHECK(cmd.argv[SH_WORDS_MAX] == NULL);
    strcat(text, "x");
    words(text, 0, &err, &why);
    CHECK_EQ(err, ERR_OUT_OF_RANGE);
    CHECK(strcmp(why, "too many words in a command") == 0);
    CHECK_EQ(cmd.argc, 0);
    text[strlen(text) - 1] = '\0';
    strcat(text, "\"\"");
    words(text, 0, &err, &why);
    CHECK_EQ(err, ERR_OUT_OF_RANGE); /* an empty word counts too */
}

TEST(at_most_sh_cmd_bytes_of_words)
{
    static char text[SH_CMD_BYTES * 2];
    int err;
    const char *why;
    /* One word of SH_CMD_BYTES - 1 bytes and its NUL fill the store. */
    memset(text, 'a', SH_CMD_BYTES - 1);
    text[SH_CMD_BYTES - 1] = '\0';
    words(text, 0, &err, &why);
    CHECK_EQ(err, OK);
    CHECK_EQ(strlen(cmd.argv[0]), SH_CMD_BYTES - 1);
    strcat(text, "a");
    words(text, 0, &err, &why);
    CHECK_EQ(err, ERR_OUT_OF_RANGE);
    CHECK(strcmp(why, "command too long") == 0);
    /* Expansion can be what overflows. */
    memset(text, 'a', SH_CMD_BYTES - 3);
    strcpy(text + SH_CMD_BYTES - 3, "$?");
    words(text, 7, &err, &why);
    CHECK_EQ(err, OK);
    words(text, 777, &err, &why);
    CHECK_EQ(err, ERR_OUT_OF_RANGE);
}

TEST(words_read_only_the_given_length)
{
    const char *line = "a b; c";
    const char *why;
    sh_vars_t vars = {.status = 5, .last_bg = 9};
    CHECK_EQ(sh_words(line, 3, &vars, &cmd, &why), OK);
    CHECK_EQ(cmd.argc, 2);
    CHECK(strcmp(cmd.argv[1], "b") == 0);
    CHECK_EQ(sh_words("$?", 1, &vars, &cmd, &why), OK); /* a lone '$' at the end */
    CHECK(strcmp(cmd.argv[0], "$") == 0);
    CHECK_EQ(sh_words("$!", 1, &vars, &cmd, &why), OK);
    CHECK(strcmp(cmd.argv[0], "$") == 0);
}

/* ---- completion context --------------------------------------------------- */

TEST(word_index_for_completion)
{
    char first[32];
    CHECK_EQ(sh_word_index("", 0, first, sizeof first), 0);
    CHECK(strcmp(first, "") == 0);
    CHECK_EQ(sh_word_index("ru", 2, first, sizeof first), 0);
    CHECK(strcmp(first, "") == 0);
    CHECK_EQ(sh_word_index("run ", 4, first, sizeof first), 1);
    CHECK(strcmp(first, "run") == 0);
    CHECK_EQ(sh_word_index("run  ech", 8, first, sizeof first), 1);
    CHECK_EQ(sh_word_index("run a b", 7, first, sizeof first), 2);
    CHECK_EQ(sh_word_index("ps; ", 4, first, sizeof first), 0);
    CHECK_EQ(sh_word_index("ps &run x", 9, first, sizeof first), 1);
    CHECK(strcmp(first, "run") == 0);
    CHECK_EQ(sh_word_index("echo \"a;b\" ", 11, first, sizeof first), 2);
    CHECK(strcmp(first, "echo") == 0);
    CHECK_EQ(sh_word_index("run x; echo", 3, first, sizeof first), 0); /* only up to pos */
    CHECK_EQ(sh_word_index("abcdefgh x", 10, first, 4), 1);
    CHECK(strcmp(first, "abc") == 0);
}

int main(void)
{
    return RUN_TESTS();
}
