/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libsys_connect (cairn/service.h): one ns.connect call with wait on the
 * program's ns session.
 */
#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "ns.h"

int libsys_connect(const char *name, uint64_t timeout_ns, handle_t *out)
{
    handle_t ns = libsys_handle("ns");
    ns_connect_result_t res;
    uint64_t now = libsys_now_ns();
    uint64_t deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    int err;

    if (ns == HANDLE_INVALID)
        return ERR_BAD_STATE;
    err = ns_connect(ns, name, true, &res, deadline);
    if (err == OK)
        *out = res.conn;
    return err;
}
