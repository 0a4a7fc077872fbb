/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Connecting to a service by name, for clients: through the program's ns
 * session (the bootstrap handle "ns", docs/ns.md). Servers publish with
 * srv_publish (cairn/server.h).
 */
#ifndef CAIRN_SERVICE_H
#define CAIRN_SERVICE_H

#include <stdint.h>

#include "abi/handle.h"

/* A channel to service `name` in *out, waiting up to timeout_ns for it to
 * be published. ERR_BAD_STATE: the program has no "ns" handle;
 * ERR_ACCESS_DENIED: its manifest entry does not let it connect to `name`;
 * ERR_TIMED_OUT: not published in time; or a transport error. */
int libsys_connect(const char *name, uint64_t timeout_ns, handle_t *out);

#endif
