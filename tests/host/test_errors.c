/* SPDX-License-Identifier: BSD-2-Clause
 *
 * cairn_strerror / cairn_error_name (libsys/src/errors.c): every code in
 * the CAIRN_ERRORS list has its own non-empty name and description, the
 * list covers [ERR_LAST, 0] without gaps, and codes outside it are named
 * as unknown.
 */
#include <limits.h>
#include <string.h>

#include "check.h"
#include "cairn/errors.h"

struct entry {
    int value;
    const char *sym;
    const char *str;
};

static const struct entry entries[] = {
#define ENTRY(sym, val, str) {(val), #sym, (str)},
    CAIRN_ERRORS(ENTRY)
#undef ENTRY
};

#define NENTRIES ((int)(sizeof entries / sizeof entries[0]))

TEST(every_code_has_its_name_and_string)
{
    for (int i = 0; i < NENTRIES; i++) {
        const char *name = cairn_error_name(entries[i].value);
        const char *str = cairn_strerror(entries[i].value);
        REQUIRE(name != NULL && str != NULL);
        CHECK(name[0] != '\0');
        CHECK(str[0] != '\0');
        CHECK(strcmp(name, entries[i].sym) == 0);
        CHECK(strcmp(str, entries[i].str) == 0);
        CHECK(strcmp(name, "ERR_?") != 0);
        CHECK(strcmp(str, "unknown error") != 0);
    }
}

TEST(names_and_strings_are_distinct)
{
    for (int i = 0; i < NENTRIES; i++) {
        for (int j = i + 1; j < NENTRIES; j++) {
            CHECK(entries[i].value != entries[j].value);
            CHECK(strcmp(cairn_error_name(entries[i].value), cairn_error_name(entries[j].value)) != 0);
            CHECK(strcmp(cairn_strerror(entries[i].value), cairn_strerror(entries[j].value)) != 0);
        }
    }
}

TEST(ok_is_success)
{
    CHECK_EQ(OK, 0);
    CHECK(strcmp(cairn_strerror(OK), "success") == 0);
    CHECK(strcmp(cairn_error_name(OK), "OK") == 0);
    CHECK(strcmp(cairn_error_name(ERR_BAD_HANDLE), "ERR_BAD_HANDLE") == 0);
    CHECK(strcmp(cairn_strerror(ERR_BAD_HANDLE), "bad handle") == 0);
}

/* The list is exactly 0, -1, ..., ERR_LAST: no gaps, nothing positive. */
TEST(list_covers_zero_to_err_last)
{
    CHECK_EQ(NENTRIES, 1 - ERR_LAST);
    for (int i = 0; i < NENTRIES; i++) {
        CHECK(entries[i].value <= 0);
        CHECK(entries[i].value >= ERR_LAST);
    }
    for (int v = ERR_LAST; v <= 0; v++)
        CHECK(strcmp(cairn_error_name(v), "ERR_?") != 0);
}

TEST(unknown_codes)
{
    const int unknown[] = {1, 2, 100, ERR_LAST - 1, ERR_LAST - 1000, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK(strcmp(cairn_strerror(unknown[i]), "unknown error") == 0);
        CHECK(strcmp(cairn_error_name(unknown[i]), "ERR_?") == 0);
    }
}

int main(void)
{
    return RUN_TESTS();
}
