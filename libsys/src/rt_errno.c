/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Cairn error codes (abi/errors.h) as errno values, for the POSIX face of
 * libsys: a call that fails on a system call sets errno to
 * libsys_errno(err). A code without an entry here reads as EIO.
 */
#include <errno.h>

#include "abi/errors.h"
#include "cairn/runtime.h"

int libsys_errno(int err)
{
    switch (err) {
    case OK:
        return 0;
    case ERR_NOT_SUPPORTED:
        return ENOTSUP;
    case ERR_NO_MEMORY:
    case ERR_NO_RESOURCES:
        return ENOMEM;
    case ERR_INVALID_ARGS:
    case ERR_WRONG_TYPE:
    case ERR_BAD_STATE:
        return EINVAL;
    case ERR_OUT_OF_RANGE:
        return ERANGE;
    case ERR_BAD_HANDLE:
        return EBADF;
    case ERR_ACCESS_DENIED:
        return EACCES;
    case ERR_TIMED_OUT:
        return ETIMEDOUT;
    case ERR_SHOULD_WAIT:
    case ERR_QUEUE_FULL:
        return EAGAIN;
    case ERR_PEER_CLOSED:
        return EPIPE;
    case ERR_NOT_FOUND:
        return ENOENT;
    case ERR_ALREADY_EXISTS:
        return EEXIST;
    case ERR_BUFFER_TOO_SMALL:
        return ENOBUFS;
    case ERR_BAD_ADDRESS:
        return EFAULT;
    case ERR_CORRUPT:
        return EBADMSG;
    case ERR_CANCELED:
        return ECANCELED;
    default: /* ERR_INTERNAL, ERR_IO, codes added later */
        return EIO;
    }
}
