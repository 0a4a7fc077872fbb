/*
 * The one error space of Cairn, shared by the kernel and userspace.
 *
 * Every fallible operation returns 0 (OK) or one of these negative codes;
 * there is no other error convention in the tree. The list is an X-macro so
 * the names, the values and the strings for strerror() come from one place:
 *     X(symbol, value, "description")
 * Values are stable ABI: append new codes, never renumber.
 */
#ifndef ABI_ERRORS_H
#define ABI_ERRORS_H

#define CAIRN_ERRORS(X)                                                        \
    X(OK,               0,  "success")                                          \
    X(ERR_INTERNAL,    -1,  "internal error")                                   \
    X(ERR_NOT_SUPPORTED, -2, "operation not supported")                         \
    X(ERR_NO_MEMORY,   -3,  "out of memory")                                    \
    X(ERR_INVALID_ARGS, -4, "invalid argument")                                 \
    X(ERR_OUT_OF_RANGE, -5, "value out of range")                               \
    X(ERR_BAD_HANDLE,  -6,  "bad handle")                                       \
    X(ERR_WRONG_TYPE,  -7,  "wrong object type")                                \
    X(ERR_ACCESS_DENIED, -8, "access denied (missing right)")                   \
    X(ERR_BAD_STATE,   -9,  "object in wrong state")                            \
    X(ERR_TIMED_OUT,   -10, "timed out")                                        \
    X(ERR_SHOULD_WAIT, -11, "operation would block")                            \
    X(ERR_PEER_CLOSED, -12, "peer closed")                                      \
    X(ERR_NOT_FOUND,   -13, "not found")                                        \
    X(ERR_ALREADY_EXISTS, -14, "already exists")                                \
    X(ERR_BUFFER_TOO_SMALL, -15, "buffer too small")                            \
    X(ERR_QUEUE_FULL,  -16, "queue full")                                       \
    X(ERR_BAD_ADDRESS, -17, "bad user address")                                 \
    X(ERR_IO,          -18, "I/O error")                                        \
    X(ERR_CORRUPT,     -19, "malformed or corrupt data")                        \
    X(ERR_NO_RESOURCES, -20, "no resources (quota exhausted)")                  \
    X(ERR_CANCELED,    -21, "canceled")

enum cairn_error {
#define CAIRN_ERR_ENUM(sym, val, str) sym = (val),
    CAIRN_ERRORS(CAIRN_ERR_ENUM)
#undef CAIRN_ERR_ENUM
};

/* Most negative code in use; error_name()/error_string() tables cover
 * [ERR_LAST, 0]. */
#define ERR_LAST ERR_CANCELED

#endif
