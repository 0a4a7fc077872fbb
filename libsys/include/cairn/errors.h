/*
 * Names and descriptions of the error codes in abi/errors.h, for messages
 * and logs. Both come from the CAIRN_ERRORS list itself, so they cannot
 * drift from the codes.
 */
#ifndef CAIRN_ERRORS_H
#define CAIRN_ERRORS_H

#include "abi/errors.h"

/* The description of err ("bad handle"); "unknown error" for a code not in
 * the list. OK gives "success". */
const char *cairn_strerror(int err);

/* The symbol of err ("ERR_BAD_HANDLE"); "ERR_?" for a code not in the list. */
const char *cairn_error_name(int err);

#endif
