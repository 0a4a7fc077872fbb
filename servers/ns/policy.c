/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ns's policy decisions (policy.h): identities and the three questions
 * asked of them. Every answer comes from the manifest, which init and ns
 * parse from the same boot module; nothing here depends on the state of
 * the registry, so the decisions can be checked on the host.
 */
#include "policy.h"

ns_identity_t ns_identity_init(void)
{
    return (ns_identity_t){.kind = NS_ID_INIT, .comp = -1, .connect_as = -1};
}

ns_identity_t ns_identity_component(int comp)
{
    return (ns_identity_t){.kind = NS_ID_COMPONENT, .comp = comp, .connect_as = comp};
}

ns_identity_t ns_identity_derived(const ns_identity_t *parent)
{
    return (ns_identity_t){.kind = NS_ID_DERIVED, .comp = -1, .connect_as = parent->connect_as};
}

static bool comp_ok(const manifest_t *m, int comp)
{
    return comp >= 0 && (size_t)comp < m->ncomp && comp < MANIFEST_MAX_COMPONENTS;
}

int ns_may_publish(const manifest_t *m, const ns_identity_t *id, const char *name)
{
    if (!manifest_name_valid(name))
        return ERR_INVALID_ARGS;
    switch (id->kind) {
    case NS_ID_COMPONENT:
        /* A service has one provider in the whole manifest. */
        return comp_ok(m, id->comp) && manifest_provider(m, name) == id->comp ? OK : ERR_ACCESS_DENIED;
    case NS_ID_DERIVED:
        /* A name of the manifest belongs to its provider, wherever the
         * derived session comes from. */
        return manifest_provider(m, name) < 0 ? OK : ERR_ACCESS_DENIED;
    default:
        return ERR_ACCESS_DENIED;
    }
}

int ns_may_connect(const manifest_t *m, const ns_identity_t *id, const char *name)
{
    if (!manifest_name_valid(name))
        return ERR_INVALID_ARGS;
    if (!comp_ok(m, id->connect_as))
        return ERR_ACCESS_DENIED;
    return manifest_may_connect(m, (size_t)id->connect_as, name) ? OK : ERR_ACCESS_DENIED;
}

int ns_may_attach(const manifest_t *m, const ns_identity_t *id, const char *component, int *index)
{
    if (id->kind != NS_ID_INIT)
        return ERR_ACCESS_DENIED;
    if (!manifest_name_valid(component))
        return ERR_INVALID_ARGS;
    int i = manifest_find(m, component);
    if (i < 0)
        return ERR_NOT_FOUND;
    if (i == m->ns)
        return ERR_INVALID_ARGS; /* ns has no session with itself */
    *index = i;
    return OK;
}
