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
 *   DERIVED    a session made with derive: connects as its parent does (the
 *              component it descends from, or nothing), publishes only names
 *              no manifest component provides.
 *
 * Pure C11 over manifest.h, so the host tests check every decision.
 */
#ifndef NS_POLICY_H
#define NS_POLICY_H

#include <stdbool.h>

#include "manifest.h"

typedef enum ns_id_kind {
    NS_ID_INIT = 1,
    NS_ID_COMPONENT,
    NS_ID_DERIVED,
} ns_id_kind_t;

typedef struct ns_identity {
    ns_id_kind_t kind;
    int comp;       /* COMPONENT: its index in the manifest; otherwise -1 */
    int connect_as; /* the component whose `connect` lines apply; -1: none */
} ns_identity_t;

ns_identity_t ns_identity_init(void);
ns_identity_t ns_identity_component(int comp);
/* A session derived from `parent` (which may itself be derived). */
ns_identity_t ns_identity_derived(const ns_identity_t *parent);

/* OK, ERR_INVALID_ARGS (not a valid name: manifest_name_valid) or
 * ERR_ACCESS_DENIED. */
int ns_may_publish(const manifest_t *m, const ns_identity_t *id, const char *name);
int ns_may_connect(const manifest_t *m, const ns_identity_t *id, const char *name);

/* May `id` attach the session of component `component`? OK with its
 * index in *index; ERR_ACCESS_DENIED (not init), ERR_NOT_FOUND (no such
 * component) or ERR_INVALID_ARGS (the name service itself, or a bad name). */
int ns_may_attach(const manifest_t *m, const ns_identity_t *id, const char *component, int *index);

#endif
