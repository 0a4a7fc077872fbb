/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for ns's policy (servers/ns/policy.c, docs/ns.md): every
 * answer of ns_may_publish, ns_may_connect and ns_may_attach for each kind
 * of identity (init, component, derived, derived from derived), over a
 * manifest parsed by the real parser (manifest_fixture.h), and the name
 * checks at their edges.
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
    ns_identity_t d = ns_identity_derived(&dev);
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
    ns_identity_t d = ns_identity_derived(&dev);
    CHECK_EQ(d.kind, NS_ID_DERIVED);
    CHECK_EQ(d.comp, -1);
    CHECK_EQ(ns_may_publish(&M, &d, "blk0"), OK);
    CHECK_EQ(ns_may_publish(&M, &d, "x.y_z-1"), OK);
    /* A manifest name is its provider's, even for the provider's children. */
    CHECK_EQ(ns_may_publish(&M, &d, "devmgr"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_publish(&M, &d, "console"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_publish(&M, &d, "ns"), ERR_ACCESS_DENIED);
    ns_identity_t init = ns_identity_init();
    ns_identity_t from_init = ns_identity_derived(&init);
    CHECK_EQ(ns_may_publish(&M, &from_init, "blk0"), OK);
}

TEST(init_provides_and_connects_to_nothing)
{
    REQUIRE(setup());
    ns_identity_t init = ns_identity_init();
    CHECK_EQ(ns_may_publish(&M, &init, "console"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_publish(&M, &init, "free"), ERR_ACCESS_DENIED);
    CHECK_EQ(ns_may_connect(&M, &init, "console"), ERR_ACCESS_DENIED);
    ns_identity_t d = ns_identity_derived(&init);
    CHECK_EQ(ns_may_connect(&M, &d, "console"), ERR_ACCESS_DENIED);
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
    ns_identity_t d1 = ns_identity_derived(&dev);
    ns_identity_t d2 = ns_identity_derived(&d1);
    CHECK_EQ(d2.connect_as, DEVMGR);
    CHECK_EQ(ns_may_connect(&M, &d1, "console"), OK);
    CHECK_EQ(ns_may_connect(&M, &d2, "blk7"), OK);
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
    ns_identity_t d = ns_identity_derived(&init);
    CHECK_EQ(ns_may_attach(&M, &d, "devmgr", &index), ERR_ACCESS_DENIED);
    CHECK_EQ(index, -7);
}

int main(void)
{
    return RUN_TESTS();
}
