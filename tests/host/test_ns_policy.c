/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for ns's policy (servers/ns/policy.c, docs/ns.md): every
 * answer of ns_may_publish, ns_may_connect and ns_may_attach for each kind
 * of identity (init, component, derived, derived from derived), over a
 * manifest parsed by the real parser (manifest_fixture.h), and the name
 * checks at their edges; derive's lists (parsing, and the intersection:
 * a derived session never allowed more than its parent).
 */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"
#include "../../servers/ns/policy.h"

static const char TEXT[] = "component ns\n"
                           "    program ns\n"
                           "    provide ns\n"
                           "component console\n"
                           "    program console\n"
                           "    provide console\n"
                           "component devmgr\n"
                           "    program devmgr\n"
                           "    provide devmgr pci\n"
                           "    connect console blk*\n"
                           "component shell\n"
                           "    program shell\n"
                           "    connect *\n"
                           "component lonely\n"
                           "    program lonely\n";

enum { NS, CONSOLE, DEVMGR, SHELL, LONELY };

static bool setup(void)
{
    return accepted(TEXT) && M.ns == NS && manifest_find(&M, "lonely") == LONELY;
}

/* derive(provide, connect) on parent: the new identity, or the error. */
static int derive(const ns_identity_t *parent, const char *provide, const char *connect, ns_identity_t *out)
{
    ns_grants_t p, c;
    const char *what = NULL;
    const ns_grant_t *entry = NULL;
    int err = ns_grants_parse(provide, &p);
    if (err == OK)
        err = ns_grants_parse(connect, &c);
    if (err == OK)
        err = ns_identity_derive(&M, parent, &p, &c, out, &what, &entry);
    if (err == ERR_ACCESS_DENIED && (what == NULL || entry == NULL))
        return -999; /* a refusal must say what for the log */
    return err;
}

TEST(component_publishes_what_it_provides)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR);
    CHECK_EQ(ns_may_publish(&M, &dev, "devmgr"), OK);
    CHECK_EQ(ns_may_publish(&M, &dev, "pci"), OK);
    CHECK_EQ(ns_may_publish(&M, &dev, "console"), ERR_ACCESS_DENIED);  /* another's */
    CHECK_EQ(ns_may_publish(&M, &dev, "blk0"), ERR_ACCESS_DENIED);     /* nobody's: derived only */
    CHECK_EQ(ns_may_publish(&M, &dev, "ns"), ERR_ACCESS_DENIED);
    ns_identity_t lonely = ns_identity_component(LONELY);
    CHECK_EQ(ns_may_publish(&M, &lonely, "anything"), ERR_ACCESS_DENIED);
}

TEST(publish_checks_the_name_first)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR);
    CHECK_EQ(ns_may_publish(&M, &dev, ""), ERR_INVALID_ARGS);
    CHECK_EQ(ns_may_publish(&M, &dev, "bad name"), ERR_INVALID_ARGS);
    CHECK_EQ(ns_may_publish(&M, &dev, "-dash"), ERR_INVALID_ARGS);
    CHECK_EQ(ns_may_publish(&M, &dev, NULL), ERR_INVALID_ARGS);
    ns_identity_t d;
    REQUIRE(derive(&dev, "*", "", &d) == OK);
    CHECK_EQ(ns_may_publish(&M, &d, "blk*"), ERR_INVALID_ARGS);
    char n31[32], n32[33];
    memset(n31, 'a', 31);
    n31[31] = '\0';
    memset(n32, 'a', 32);
    n32[32] = '\0';
    CHECK_EQ(ns_may_publish(&M, &d, n31), OK);
    CHECK_EQ(ns_may_publish(&M, &d, n32), ERR_INVALID_ARGS);
}

TEST(derived_publishes_only_free_names)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR);
    ns_identity_t d;
    REQUIRE(derive(&dev, "*", "", &d) == OK);
    CHECK_EQ(d.kind, NS_ID_DERIVED);
    CHECK_EQ(d.comp, -1);
    CHECK_EQ(ns_may_publish(&M, &d, "blk0"), OK);
    CHECK_EQ(ns_may_publish(&M, &d, "x.y_z-1"), OK);
    /* A manifest name is its provider's, even for the provider's children. */
    CHECK_EQ(ns_may_publish(&M, &d, "devmgr"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_publish(&M, &d, "console"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_publish(&M, &d, "ns"), ERR_ACCESS_DENIED);
    ns_identity_t init = ns_identity_init();
    ns_identity_t from_init;
    REQUIRE(derive(&init, "*", "", &from_init) == OK);
    CHECK_EQ(ns_may_publish(&M, &from_init, "blk0"), OK);
}

TEST(init_provides_and_connects_to_nothing)
{
    REQUIRE(setup());
    ns_identity_t init = ns_identity_init();
    CHECK_EQ(ns_may_publish(&M, &init, "console"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_publish(&M, &init, "free"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_connect(&M, &init, "console"), ERR_ACCESS_DENIED);
    ns_identity_t d;
    REQUIRE(derive(&init, "", "", &d) == OK);
    CHECK_EQ(ns_may_connect(&M, &d, "console"), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&init, "", "console", &d), ERR_ACCESS_DENIED); /* init grants no connects */
    CHECK_EQ(derive(&init, "", "*", &d), ERR_ACCESS_DENIED);
}

TEST(component_connects_as_listed)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR);
    CHECK_EQ(ns_may_connect(&M, &dev, "console"), OK);
    CHECK_EQ(ns_may_connect(&M, &dev, "blk"), OK); /* the prefix itself */
    CHECK_EQ(ns_may_connect(&M, &dev, "blk0"), OK);
    CHECK_EQ(ns_may_connect(&M, &dev, "bl"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_connect(&M, &dev, "shell"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_connect(&M, &dev, "devmgr"), ERR_ACCESS_DENIED); /* not even its own */
    CHECK_EQ(ns_may_connect(&M, &dev, "bad name"), ERR_INVALID_ARGS);
    ns_identity_t shell = ns_identity_component(SHELL);
    CHECK_EQ(ns_may_connect(&M, &shell, "console"), OK);
    CHECK_EQ(ns_may_connect(&M, &shell, "anything-at-all"), OK);
    ns_identity_t con = ns_identity_component(CONSOLE);
    CHECK_EQ(ns_may_connect(&M, &con, "devmgr"), ERR_ACCESS_DENIED);
}

TEST(derived_connects_as_its_ancestor)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR);
    ns_identity_t d1, d2;
    REQUIRE(derive(&dev, "", "console blk*", &d1) == OK);
    REQUIRE(derive(&d1, "", "blk*", &d2) == OK);
    CHECK_EQ(d2.connect_as, DEVMGR);
    CHECK_EQ(ns_may_connect(&M, &d1, "console"), OK);
    CHECK_EQ(ns_may_connect(&M, &d2, "blk7"), OK);
    CHECK_EQ(ns_may_connect(&M, &d2, "console"), ERR_ACCESS_DENIED); /* d1 may, d2's list says no */
    CHECK_EQ(ns_may_connect(&M, &d2, "shell"), ERR_ACCESS_DENIED);
}

TEST(identities_out_of_range_are_refused)
{
    REQUIRE(setup());
    ns_identity_t bad = ns_identity_component(MANIFEST_MAX_COMPONENTS + 3);
    CHECK_EQ(ns_may_publish(&M, &bad, "console"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_connect(&M, &bad, "console"), ERR_ACCESS_DENIED);
    ns_identity_t past = ns_identity_component((int)M.ncomp);
    CHECK_EQ(ns_may_connect(&M, &past, "console"), ERR_ACCESS_DENIED);
    ns_identity_t neg = ns_identity_component(-1);
    CHECK_EQ(ns_may_publish(&M, &neg, "console"), ERR_ACCESS_DENIED);
}

TEST(only_init_attaches)
{
    REQUIRE(setup());
    ns_identity_t init = ns_identity_init();
    int index = -7;
    CHECK_EQ(ns_may_attach(&M, &init, "devmgr", &index), OK);
    CHECK_EQ(index, DEVMGR);
    CHECK_EQ(ns_may_attach(&M, &init, "lonely", &index), OK);
    CHECK_EQ(index, LONELY);
    index = -7;
    CHECK_EQ(ns_may_attach(&M, &init, "nobody", &index), ERR_NOT_FOUND);
    CHECK_EQ(ns_may_attach(&M, &init, "ns", &index), ERR_INVALID_ARGS);
    CHECK_EQ(ns_may_attach(&M, &init, "bad name", &index), ERR_INVALID_ARGS);
    CHECK_EQ(index, -7);
    ns_identity_t shell = ns_identity_component(SHELL);
    CHECK_EQ(ns_may_attach(&M, &shell, "devmgr", &index), ERR_ACCESS_DENIED);
    ns_identity_t d;
    REQUIRE(derive(&init, "", "", &d) == OK);
    CHECK_EQ(ns_may_attach(&M, &d, "devmgr", &index), ERR_ACCESS_DENIED);
    CHECK_EQ(index, -7);
}

TEST(derive_lists_parse)
{
    ns_grants_t g;
    CHECK_EQ(ns_grants_parse("", &g), OK);
    CHECK_EQ(g.n, 0);
    CHECK_EQ(ns_grants_parse("   ", &g), OK);
    CHECK_EQ(g.n, 0);
    REQUIRE(ns_grants_parse(" blk0  net*  * ", &g) == OK);
    REQUIRE(g.n == 3);
    CHECK(strcmp(g.e[0].name, "blk0") == 0 && !g.e[0].pattern);
    CHECK(strcmp(g.e[1].name, "net") == 0 && g.e[1].pattern);
    CHECK(strcmp(g.e[2].name, "") == 0 && g.e[2].pattern);
    CHECK_EQ(ns_grants_parse("a b c d e f g h", &g), OK);
    CHECK_EQ(g.n, NS_GRANT_MAX);
    CHECK_EQ(ns_grants_parse("a b c d e f g h i", &g), ERR_INVALID_ARGS);
    CHECK_EQ(g.n, 0); /* nothing half-parsed */
    CHECK_EQ(ns_grants_parse(NULL, &g), ERR_INVALID_ARGS);
    CHECK_EQ(ns_grants_parse("a*b", &g), ERR_INVALID_ARGS);
    CHECK_EQ(ns_grants_parse("**", &g), ERR_INVALID_ARGS);
    CHECK_EQ(ns_grants_parse("-x", &g), ERR_INVALID_ARGS);
    CHECK_EQ(ns_grants_parse("-*", &g), ERR_INVALID_ARGS);
    CHECK_EQ(ns_grants_parse("a\tb", &g), ERR_INVALID_ARGS); /* spaces only separate */
    CHECK_EQ(ns_grants_parse("ok bad!", &g), ERR_INVALID_ARGS);
    char w[40];
    memset(w, 'a', sizeof w);
    w[31] = '\0';
    CHECK_EQ(ns_grants_parse(w, &g), OK); /* 31 characters */
    w[30] = '*';
    CHECK_EQ(ns_grants_parse(w, &g), OK); /* a 30-character prefix */
    w[31] = '*';
    w[32] = '\0';
    CHECK_EQ(ns_grants_parse(w, &g), ERR_INVALID_ARGS);
    w[31] = 'a';
    CHECK_EQ(ns_grants_parse(w, &g), ERR_INVALID_ARGS);
}

TEST(a_component_grants_its_connects_and_free_names)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR), d; /* connect console blk* */
    CHECK_EQ(derive(&dev, "", "console", &d), OK);
    CHECK_EQ(derive(&dev, "", "blk*", &d), OK);
    CHECK_EQ(derive(&dev, "", "blk0 blk1*", &d), OK);
    CHECK_EQ(derive(&dev, "", "blk", &d), OK);
    CHECK_EQ(derive(&dev, "", "bl*", &d), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&dev, "", "*", &d), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&dev, "", "shell", &d), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&dev, "", "console devmgr", &d), ERR_ACCESS_DENIED); /* one entry too many */
    CHECK_EQ(derive(&dev, "", "console*", &d), ERR_ACCESS_DENIED); /* wider than the name */
    CHECK_EQ(derive(&dev, "blk0 net* *", "", &d), OK);
    CHECK_EQ(derive(&dev, "console", "", &d), ERR_ACCESS_DENIED); /* another's manifest name */
    CHECK_EQ(derive(&dev, "devmgr", "", &d), ERR_ACCESS_DENIED); /* even its own: its name, not a child's */
    ns_identity_t shell = ns_identity_component(SHELL); /* connect * */
    CHECK_EQ(derive(&shell, "*", "*", &d), OK);
    ns_identity_t lonely = ns_identity_component(LONELY);
    CHECK_EQ(derive(&lonely, "", "console", &d), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&lonely, "x", "", &d), OK);
    /* The refusal names the entry, for ns's log line. */
    ns_grants_t p, c;
    const char *what = NULL;
    const ns_grant_t *entry = NULL;
    REQUIRE(ns_grants_parse("blk0", &p) == OK && ns_grants_parse("console bl*", &c) == OK);
    CHECK_EQ(ns_identity_derive(&M, &dev, &p, &c, &d, &what, &entry), ERR_ACCESS_DENIED);
    CHECK(what != NULL && strcmp(what, "connect to") == 0);
    CHECK(entry != NULL && strcmp(entry->name, "bl") == 0 && entry->pattern);
}

TEST(a_derived_session_grants_only_its_lists)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR), d1, d2;
    REQUIRE(derive(&dev, "blk* net0", "blk*", &d1) == OK);
    CHECK_EQ(derive(&d1, "blk0", "blk3", &d2), OK);
    CHECK_EQ(derive(&d1, "blk*", "blk*", &d2), OK);
    CHECK_EQ(derive(&d1, "blk0* net0", "blk0*", &d2), OK);
    CHECK_EQ(derive(&d1, "net1", "", &d2), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&d1, "net*", "", &d2), ERR_ACCESS_DENIED); /* wider than its name net0 */
    CHECK_EQ(derive(&d1, "*", "", &d2), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&d1, "", "console", &d2), ERR_ACCESS_DENIED); /* dev may, d1 may not */
    CHECK_EQ(derive(&d1, "", "*", &d2), ERR_ACCESS_DENIED);
    /* And one with empty lists grants nothing. */
    ns_identity_t none;
    REQUIRE(derive(&dev, "", "", &none) == OK);
    CHECK_EQ(derive(&none, "blk0", "", &d2), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&none, "", "blk0", &d2), ERR_ACCESS_DENIED);
    CHECK_EQ(derive(&none, "", "", &d2), OK);
    CHECK_EQ(d2.connect_as, DEVMGR);
}

TEST(a_derived_session_does_only_what_its_lists_say)
{
    REQUIRE(setup());
    ns_identity_t dev = ns_identity_component(DEVMGR), d;
    REQUIRE(derive(&dev, "blk0 net*", "blk0", &d) == OK);
    CHECK_EQ(ns_may_publish(&M, &d, "blk0"), OK);
    CHECK_EQ(ns_may_publish(&M, &d, "net7"), OK);
    CHECK_EQ(ns_may_publish(&M, &d, "net"), OK);
    CHECK_EQ(ns_may_publish(&M, &d, "blk1"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_connect(&M, &d, "blk0"), OK);
    CHECK_EQ(ns_may_connect(&M, &d, "blk1"), ERR_ACCESS_DENIED);   /* devmgr may */
    CHECK_EQ(ns_may_connect(&M, &d, "console"), ERR_ACCESS_DENIED); /* devmgr may */
    CHECK_EQ(ns_may_connect(&M, &d, "bad name"), ERR_INVALID_ARGS);
    /* "*" to provide still leaves the manifest's names to their providers. */
    REQUIRE(derive(&dev, "*", "", &d) == OK);
    CHECK_EQ(ns_may_publish(&M, &d, "console"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_publish(&M, &d, "anything"), OK);
    CHECK_EQ(ns_may_connect(&M, &d, "console"), ERR_ACCESS_DENIED);
}

int main(void)
{
    return RUN_TESTS();
}
