/* SPDX-License-Identifier: BSD-2-Clause
 *
 * cairn_strerror and cairn_error_name, generated from the CAIRN_ERRORS
 * X-macro in abi/errors.h: one switch case per code, so the list is the only
 * place a code, its name and its description are written down (and two
 * codes with one value would not compile: duplicate case).
 */
#include "cairn/errors.h"

const char *cairn_strerror(int err)
{
    switch (err) {
#define CAIRN_ERR_STRING(sym, val, str)                                        \
    case (val):                                                                \
        return str;
        CAIRN_ERRORS(CAIRN_ERR_STRING)
#undef CAIRN_ERR_STRING
    default:
        return "unknown error";
    }
}

const char *cairn_error_name(int err)
{
    switch (err) {
#define CAIRN_ERR_NAME(sym, val, str)                                          \
    case (val):                                                                \
        return #sym;
        CAIRN_ERRORS(CAIRN_ERR_NAME)
#undef CAIRN_ERR_NAME
    default:
        return "ERR_?";
    }
}
