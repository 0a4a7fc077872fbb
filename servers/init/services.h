/* SPDX-License-Identifier: BSD-2-Clause
 *
 * init's side of the system services (services.c): what a component gets
 * besides its capability lines, and what init tells ns and proc about it.
 *
 *   - the component that provides "ns" gets "manifest" (the boot module)
 *     and "init", a channel whose other end is init's own ns session;
 *   - the component that provides "proc" gets "init", a channel on which
 *     init hands proc every process it started (proc.adopt);
 *   - every component that uses services gets "ns", a fresh session
 *     channel per start, whose other end init attaches (ns.attach) under
 *     the component's name once the process exists;
 *   - `module *` gets every boot module, in the messages after the
 *     bootstrap message.
 *
 * init.c calls services_handles before a start, services_started after it
 * (or services_discard if the start failed) and services_ended when the
 * component's process is gone.
 */
#ifndef INIT_SERVICES_H
#define INIT_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/spawn.h"
#include "manifest.h"

/* What one start keeps until the child exists. */
typedef struct services_start {
    handle_t session; /* ns's end of the child's "ns" session, to attach */
    handle_t admin;   /* init's end of the child's "init" channel (ns, proc) */
} services_start_t;

/* Once, after the manifest is parsed. */
void services_init(const manifest_t *m);

/* Adds component i's service handles to hs[*nh..] (room for 3 more) and
 * fills *st. OK, or the error of making a channel (logged; nothing left
 * behind). */
int services_handles(size_t i, spawn_handle_t *hs, uint32_t *nh, services_start_t *st);

/* Duplicates of every boot module init holds (read-only), for `module *`:
 * into more[0..*n), at most cap. OK or the error (logged; none left). */
int services_modules(const manifest_component_t *c, spawn_handle_t *more, uint32_t *n, uint32_t cap);

/* Component i started as `proc`: attach its session, hand it to proc. */
void services_started(size_t i, handle_t proc, services_start_t *st);

/* The start failed: drops what services_handles kept. */
void services_discard(services_start_t *st);

/* Component i's process is gone. */
void services_ended(size_t i);

/* From init.c: component i's process while it runs, or HANDLE_INVALID. */
handle_t init_component_process(size_t i);

#endif
