/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ns's policy (docs/ns.md): who may publish, connect to and attach what,
 * decided from a session's identity and the manifest alone.
 *
 * An identity is one of three kinds:
 *   INIT       init's own session: may attach component sessions, provides
 *              nothing and connects to nothing;
 *   COMPONENT  a manifest component's session (attached by init): publishes
 *              the names its `provide` lines list, connects where
 *              manifest_may_connect() lets it;
 *   DERIVED    a session made with derive, with the two lists derive gave
 *              it: publishes a name its provide list has, if no manifest
 *              component provides it; connects where its connect list and
 *              the component it descends from (nothing for init's) both
 *              allow.
 *
 * derive can only narrow: every entry of the new lists must be covered by
 * what the parent may grant (ns_identity_derive). A component grants the
 * connects its `connect` lines cover and any name no manifest component
 * provides; a derived session grants what its own lists cover; init
 * grants names to provide, no connects. A list entry is a name or a
 * prefix pattern (`blk*`, `*`), as in the manifest's connect lines.
 *
 * Pure C11 over manifest.h, so the host tests check every decision.
 */
#ifndef NS_POLICY_H
#define NS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"

typedef enum ns_id_kind {
    NS_ID_INIT = 1,
    NS_ID_COMPONENT,
    NS_ID_DERIVED,
} ns_id_kind_t;

#define NS_GRANT_MAX 8 /* entries in each of derive's lists */

/* One entry of a derived session's list: a service name, or with
 * `pattern` every service whose name starts with `name` ("" for all). */
typedef struct ns_grant {
    char name[MANIFEST_NAME_MAX];
    bool pattern;
} ns_grant_t;

typedef struct ns_grants {
    ns_grant_t e[NS_GRANT_MAX];
    uint32_t n;
} ns_grants_t;

typedef struct ns_identity {
    ns_id_kind_t kind;
    int comp;       /* COMPONENT: its index in the manifest; otherwise -1 */
    int connect_as; /* the component whose `connect` lines apply; -1: none */
    ns_grants_t provide, connect; /* DERIVED: what derive gave it */
} ns_identity_t;

ns_identity_t ns_identity_init(void);
ns_identity_t ns_identity_component(int comp);

/* Parses a list of derive ("blk0 net* *": names and prefix patterns
 * separated by spaces; "" is the empty list). OK, or ERR_INVALID_ARGS
 * for a bad entry or more than NS_GRANT_MAX. */
int ns_grants_parse(const char *text, ns_grants_t *out);

/* The session `parent` derives with these lists, in *out. OK, or
 * ERR_ACCESS_DENIED when an entry is more than `parent` may grant: *what
 * is "provide" or "connect" and *entry the entry (for the log). */
int ns_identity_derive(const manifest_t *m, const ns_identity_t *parent, const ns_grants_t *provide,
                       const ns_grants_t *connect, ns_identity_t *out, const char **what, const ns_grant_t **entry);

/* OK, ERR_INVALID_ARGS (not a valid name: manifest_name_valid) or
 * ERR_ACCESS_DENIED. */
int ns_may_publish(const manifest_t *m, const ns_identity_t *id, const char *name);
int ns_may_connect(const manifest_t *m, const ns_identity_t *id, const char *name);

/* May `id` attach the session of component `component`? OK with its
 * index in *index; ERR_ACCESS_DENIED (not init), ERR_NOT_FOUND (no such
 * component) or ERR_INVALID_ARGS (the name service itself, or a bad name). */
int ns_may_attach(const manifest_t *m, const ns_identity_t *id, const char *component, int *index);

#endif
