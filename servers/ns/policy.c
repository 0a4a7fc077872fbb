/* SPDX-License-Identifier: BSD-2-Clause
 *
 * ns's policy decisions (policy.h): identities and the three questions
 * asked of them. Every answer comes from the manifest, which init and ns
 * parse from the same boot module; nothing here depends on the state of
 * the registry, so the decisions can be checked on the host.
 */
#include "policy.h"

#include <string.h>

ns_identity_t ns_identity_init(void)
{
    ns_identity_t id;
    memset(&id, 0, sizeof id);
    id.kind = NS_ID_INIT;
    id.comp = id.connect_as = -1;
    return id;
}

ns_identity_t ns_identity_component(int comp)
{
    ns_identity_t id;
    memset(&id, 0, sizeof id);
    id.kind = NS_ID_COMPONENT;
    id.comp = id.connect_as = comp;
    return id;
}

static bool comp_ok(const manifest_t *m, int comp)
{
    return comp >= 0 && (size_t)comp < m->ncomp && comp < MANIFEST_MAX_COMPONENTS;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Does a grant (name or prefix pattern) cover entry e - every name e
 * matches? A pattern covers the names and the patterns that extend its
 * prefix; a name covers only itself. */
static bool covers(const char *name, bool pattern, const ns_grant_t *e)
{
    return pattern ? has_prefix(e->name, name) : !e->pattern && strcmp(e->name, name) == 0;
}

static bool grants_cover(const ns_grants_t *g, const ns_grant_t *e)
{
    for (uint32_t i = 0; i < g->n && i < NS_GRANT_MAX; i++)
        if (covers(g->e[i].name, g->e[i].pattern, e))
            return true;
    return false;
}

static bool grants_match(const ns_grants_t *g, const char *name)
{
    for (uint32_t i = 0; i < g->n && i < NS_GRANT_MAX; i++) {
        const ns_grant_t *e = &g->e[i];
        if (e->pattern ? has_prefix(name, e->name) : strcmp(name, e->name) == 0)
            return true;
    }
    return false;
}

/* Do component comp's `connect` lines cover entry e? */
static bool comp_covers_connect(const manifest_t *m, int comp, const ns_grant_t *e)
{
    if (!comp_ok(m, comp))
        return false;
    const manifest_component_t *c = &m->comp[comp];
    for (size_t j = 0; j < c->ncaps && j < MANIFEST_MAX_CAPS; j++)
        if (c->caps[j].kind == MANIFEST_CAP_CONNECT && covers(c->caps[j].name, c->caps[j].pattern, e))
            return true;
    return false;
}

static bool may_grant_connect(const manifest_t *m, const ns_identity_t *parent, const ns_grant_t *e)
{
    switch (parent->kind) {
    case NS_ID_COMPONENT:
        return comp_covers_connect(m, parent->comp, e);
    case NS_ID_DERIVED:
        /* Its list lies within its component's already; both are asked
         * so that neither alone decides. */
        return grants_cover(&parent->connect, e) && comp_covers_connect(m, parent->connect_as, e);
    default:
        return false;
    }
}

static bool may_grant_provide(const manifest_t *m, const ns_identity_t *parent, const ns_grant_t *e)
{
    if (!e->pattern && manifest_provider(m, e->name) >= 0)
        return false; /* its manifest provider's, whoever asks */
    switch (parent->kind) {
    case NS_ID_INIT:
    case NS_ID_COMPONENT:
        return true; /* the names nobody in the manifest provides */
    case NS_ID_DERIVED:
        return grants_cover(&parent->provide, e);
    default:
        return false;
    }
}

/* Appends word [w, w + n) (n > 0) to g; false if it is no entry. */
static bool grant_add(ns_grants_t *g, const char *w, size_t n)
{
    if (g->n == NS_GRANT_MAX || n >= MANIFEST_NAME_MAX)
        return false;
    ns_grant_t *e = &g->e[g->n];
    e->pattern = w[n - 1] == '*';
    memcpy(e->name, w, n - e->pattern);
    e->name[n - e->pattern] = '\0';
    if ((!e->pattern || e->name[0] != '\0') && !manifest_name_valid(e->name))
        return false; /* "*" alone is the pattern of every name */
    g->n++;
    return true;
}

int ns_grants_parse(const char *text, ns_grants_t *out)
{
    memset(out, 0, sizeof *out);
    if (text == NULL)
        return ERR_INVALID_ARGS;
    for (const char *p = text; *p != '\0';) {
        size_t n = strcspn(p, " ");
        if (n > 0 && !grant_add(out, p, n)) {
            memset(out, 0, sizeof *out);
            return ERR_INVALID_ARGS;
        }
        p += n > 0 ? n : 1;
    }
    return OK;
}

int ns_identity_derive(const manifest_t *m, const ns_identity_t *parent, const ns_grants_t *provide,
                       const ns_grants_t *connect, ns_identity_t *out, const char **what, const ns_grant_t **entry)
{
    for (uint32_t i = 0; i < provide->n && i < NS_GRANT_MAX; i++) {
        if (!may_grant_provide(m, parent, &provide->e[i])) {
            *what = "provide";
            *entry = &provide->e[i];
            return ERR_ACCESS_DENIED;
        }
    }
    for (uint32_t i = 0; i < connect->n && i < NS_GRANT_MAX; i++) {
        if (!may_grant_connect(m, parent, &connect->e[i])) {
            *what = "connect to";
            *entry = &connect->e[i];
            return ERR_ACCESS_DENIED;
        }
    }
    memset(out, 0, sizeof *out);
    out->kind = NS_ID_DERIVED;
    out->comp = -1;
    out->connect_as = parent->connect_as;
    out->provide = *provide;
    out->connect = *connect;
    return OK;
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
         * derived session comes from; the others only as its list says. */
        return manifest_provider(m, name) < 0 && grants_match(&id->provide, name) ? OK : ERR_ACCESS_DENIED;
    default:
        return ERR_ACCESS_DENIED;
    }
}

int ns_may_connect(const manifest_t *m, const ns_identity_t *id, const char *name)
{
    if (!manifest_name_valid(name))
        return ERR_INVALID_ARGS;
    if (!comp_ok(m, id->connect_as) || !manifest_may_connect(m, (size_t)id->connect_as, name))
        return ERR_ACCESS_DENIED;
    if (id->kind == NS_ID_DERIVED && !grants_match(&id->connect, name))
        return ERR_ACCESS_DENIED;
    return OK;
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
