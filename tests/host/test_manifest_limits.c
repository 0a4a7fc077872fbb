/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the manifest parser (servers/init/manifest.c, format in
 * docs/manifest.md): every limit at and past its edge (components,
 * capabilities and handles, after names, name, line and text lengths),
 * and the start order with its cycles. The harness is in
 * manifest_fixture.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

/* ---- limits, at and past each edge -------------------------------------- */

TEST(limit_components)
{
    tclear();
    for (int i = 0; i < MANIFEST_MAX_COMPONENTS; i++)
        tput("component c%d\nprogram p\n", i);
    REQUIRE(accepted(T));
    CHECK_INVARIANTS(&M);
    CHECK_EQ(M.ncomp, 32);
    CHECK(strcmp(M.comp[31].name, "c31") == 0);
    tput("component c32\nprogram p\n");
    CHECK(refused(T, "manifest:65: too many components (at most 32)"));
    /* A duplicate is reported as such even past the limit. */
    tclear();
    for (int i = 0; i < MANIFEST_MAX_COMPONENTS; i++)
        tput("component c%d\nprogram p\n", i);
    tput("component c5\nprogram p\n");
    CHECK(refused(T, "manifest:65: component 'c5' already defined at line 11"));
}

TEST(limit_capabilities_and_handles)
{
    tclear();
    tput("component ns\nprogram ns\nprovide ns");
    for (int i = 1; i < MANIFEST_MAX_CAPS; i++)
        tput(" s%d", i);
    tput("\n");
    REQUIRE(accepted(T));
    CHECK_EQ(M.comp[0].ncaps, 16);
    CHECK_INVARIANTS(&M);
    TN--; /* the same line, one more name */
    tput(" s16\n");
    CHECK(refused(T, "manifest:3: too many capabilities in component 'ns' (at most 16)"));
    TN -= 5;
    tput("\nmodule *\n");
    CHECK(refused(T, "manifest:4: too many capabilities in component 'ns' (at most 16)"));

    /* 8 handles, and `module *` and services besides them. */
    tclear();
    tput("component c\nprogram c\n");
    for (int i = 0; i < MANIFEST_MAX_HANDLES; i++)
        tput("ioport %d 1 as p%d\n", i, i);
    tput("module *\nconnect *\ncomponent ns\nprogram ns\nprovide ns\n");
    REQUIRE(accepted(T));
    CHECK_EQ(M.comp[0].nhandles, 8);
    CHECK_EQ(M.comp[0].ncaps, 10);
    CHECK_INVARIANTS(&M);
    static const char *ninth[] = { "ioport 100 1 as p8", "mmio 0 0x1000", "irq isa 3", "irq gsi 3", "dma",
                                   "module m" };
    for (size_t i = 0; i < sizeof ninth / sizeof ninth[0]; i++) {
        tclear();
        tput("component c\nprogram c\n");
        for (int k = 0; k < MANIFEST_MAX_HANDLES; k++)
            tput("ioport %d 1 as p%d\n", k, k);
        tput("%s\n", ninth[i]);
        CHECK(refused(T, "manifest:11: too many handles in component 'c' (at most 8)"));
    }
}

TEST(limit_after_names)
{
    tclear();
    for (int i = 0; i < 9; i++)
        tput("component d%d\nprogram d\n", i);
    tput("component c\nprogram c\nafter d0 d1 d2\nafter d3 d4 d5 d6\nafter d7\n");
    REQUIRE(accepted(T));
    CHECK_EQ(M.comp[9].nafter, 8);
    CHECK_EQ(M.comp[9].after_mask, 0xffu);
    CHECK_EQ(M.comp[9].after_line[7], 23);
    CHECK_EQ(M.order[8], 8);
    CHECK_EQ(M.order[9], 9);
    CHECK_INVARIANTS(&M);
    tput("after d8\n");
    CHECK(refused(T, "manifest:24: too many 'after' names in component 'c' (at most 8)"));
}

TEST(limit_names)
{
    const char *n31 = "abcdefghijklmnopqrstuvwxyz01234";
    const char *n32 = "abcdefghijklmnopqrstuvwxyz012345";
    tclear();
    tput("component %s\nprogram %s\nargs %s\nmodule %s\nioport 1 1 as %s-\n", n31, n31, n32, n31, n31);
    CHECK(refused(T, "manifest:5: name 'abcdefghijklmnopqrstuvwxyz01234-' is longer than 31 characters"));
    tclear();
    tput("component %s\nprogram %s\nargs %s\nmodule %s\nprovide %s\ncomponent ns\nprogram ns\nprovide ns\n", n31,
         n31, n32, n31, n31);
    REQUIRE(accepted(T));
    CHECK(strcmp(M.comp[0].name, n31) == 0 && strcmp(M.comp[0].program, n31) == 0);
    CHECK(strcmp(M.comp[0].caps[0].module, n31) == 0 && strcmp(M.comp[0].caps[1].name, n31) == 0);
    CHECK_INVARIANTS(&M);
    static const char *where[] = { "component %s\n", "component a\nprogram %s\n", "component a\nafter %s\n",
                                   "component a\nmodule %s\n", "component a\nprovide %s\n",
                                   "component a\nconnect %s\n", "component a\nconnect %s*\n",
                                   "component a\ndma as %s\n" };
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        char want[200];
        tclear();
        tput(where[i], n32);
        snprintf(want, sizeof want, "manifest:%d: name '%s' is longer than 31 characters", i ? 2 : 1, n32);
        CHECK(refused(T, want));
    }
}

TEST(limit_line_and_text_length)
{
    char line[600];
    memset(line, 'x', sizeof line);
    line[0] = '#';
    line[512] = '\0';
    tclear();
    tput("component a\n%s\nprogram a\n", line);
    REQUIRE(accepted(T));
    tclear();
    tput("component a\n%s\r\nprogram a\r\n", line);
    REQUIRE(accepted(T));
    tclear();
    tput("component a\nprogram a\n%s", line); /* no line ending */
    REQUIRE(accepted(T));
    line[512] = 'x';
    line[513] = '\0';
    tclear();
    tput("component a\n%s\nprogram a\n", line);
    CHECK(refused(T, "manifest:2: line longer than 512 characters"));
    tclear();
    tput("component a\n%s\r\nprogram a\n", line);
    CHECK(refused(T, "manifest:2: line longer than 512 characters"));

    /* MANIFEST_TEXT_MAX bytes exactly, in comment lines; one more is too many. */
    tclear();
    tput("component a\nprogram a\n");
    while (TN + 100 <= MANIFEST_TEXT_MAX)
        tput("# %096d\n", 0);
    while (TN < MANIFEST_TEXT_MAX)
        tput("\n");
    REQUIRE(TN == MANIFEST_TEXT_MAX);
    REQUIRE(parse_n(T, TN) == OK);
    CHECK_EQ(M.ncomp, 1);
    tput("\n");
    CHECK(refused_n(T, TN, "manifest: larger than 262144 bytes"));
}

/* ---- start order -------------------------------------------------------- */

TEST(start_order)
{
    /* Forward references; the earliest listed ready component goes first. */
    REQUIRE(accepted("component a\nprogram a\nafter c\ncomponent b\nprogram b\ncomponent c\nprogram c\n"));
    CHECK(order_is((const uint8_t[]){ 1, 2, 0 }, 3));
    CHECK_EQ(M.comp[0].after_index[0], 2);
    CHECK_EQ(M.comp[0].after_mask, 1u << 2);
    CHECK_INVARIANTS(&M);

    REQUIRE(accepted("component a\nprogram a\ncomponent b\nprogram b\ncomponent c\nprogram c\n"));
    CHECK(order_is((const uint8_t[]){ 0, 1, 2 }, 3));

    /* A diamond. */
    REQUIRE(accepted("component top\nprogram t\nafter l r\n"
                     "component l\nprogram l\nafter base\n"
                     "component r\nprogram r\nafter base\n"
                     "component base\nprogram b\n"
                     "component free\nprogram f\n"));
    CHECK(order_is((const uint8_t[]){ 3, 1, 2, 0, 4 }, 5));
    CHECK_INVARIANTS(&M);

    /* The implicit dependency on ns, alone or with an explicit one. */
    REQUIRE(accepted("component user\nprogram u\nconnect svc\n"
                     "component svc\nprogram s\nprovide svc\nafter ns\n"
                     "component ns\nprogram ns\nprovide ns\n"
                     "component plain\nprogram p\n"));
    CHECK(order_is((const uint8_t[]){ 2, 0, 1, 3 }, 4));
    CHECK(M.comp[0].uses_ns && M.comp[1].uses_ns && !M.comp[2].uses_ns && !M.comp[3].uses_ns);
    CHECK_EQ(M.comp[0].nafter, 0);
    CHECK_EQ(M.comp[1].nafter, 1);
    CHECK_EQ(M.comp[0].after_mask, 1u << 2);
    CHECK_EQ(M.comp[1].after_mask, 1u << 2);
    CHECK_EQ(M.ns, 2);
    CHECK_INVARIANTS(&M);

    /* 32 components, each after the next: started backwards. */
    tclear();
    for (int i = 0; i < 32; i++) {
        tput("component c%d\nprogram p\n", i);
        if (i < 31)
            tput("after c%d\n", i + 1);
    }
    REQUIRE(accepted(T));
    for (size_t k = 0; k < 32; k++)
        CHECK_EQ(M.order[k], 31 - k);
    CHECK_EQ(M.comp[30].after_mask, 1u << 31);
    CHECK_INVARIANTS(&M);
}

TEST(cycles)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "component a\nprogram a\nafter b\ncomponent b\nprogram b\nafter a\n",
          "manifest:3: start order has a cycle: 'a' after 'b' after 'a'" },
        { "component a\nprogram a\nafter b\ncomponent b\nprogram b\nafter c\ncomponent c\nprogram c\nafter a\n",
          "manifest:3: start order has a cycle: 'a' after 'b' after 'c' after 'a'" },
        /* Printed from its first listed member, whichever the walk met first. */
        { "component x\nprogram x\ncomponent p\nprogram p\nafter q\ncomponent q\nprogram q\nafter p\n",
          "manifest:5: start order has a cycle: 'p' after 'q' after 'p'" },
        { "component a\nprogram a\nafter b\ncomponent b\nprogram b\nafter c\ncomponent c\nprogram c\nafter b\n",
          "manifest:6: start order has a cycle: 'b' after 'c' after 'b'" },
        { "component a\nprogram a\nafter c\ncomponent b\nprogram b\nafter a\ncomponent c\nprogram c\nafter b\n",
          "manifest:3: start order has a cycle: 'a' after 'c' after 'b' after 'a'" },
        /* Through the implicit dependency on ns: the line of the service. */
        { "component console\nprogram console\nprovide console\n"
          "component ns\nprogram ns\nprovide ns\nafter console\n",
          "manifest:3: start order has a cycle: 'console' after 'ns' after 'console'" },
        { "component ns\nprogram ns\nprovide ns\nafter console\n"
          "component console\nprogram console\n\nconnect ns\nprovide console\n",
          "manifest:4: start order has a cycle: 'ns' after 'console' after 'ns'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(refused(cases[i].text, cases[i].msg));

    /* 32 long names in one cycle: the report is cut, still one message. */
    tclear();
    for (int i = 0; i < 32; i++)
        tput("component component-with-a-long-name-%02d\nprogram p\nafter component-with-a-long-name-%02d\n", i,
             (i + 1) % 32);
    REQUIRE(parse_n(T, TN) == ERR_CORRUPT);
    CHECK_EQ(R.n, 1);
    CHECK(strlen(R.msg[0]) <= 255);
    CHECK(strncmp(R.msg[0], "manifest:3: start order has a cycle: 'component-with-a-long-name-00' after "
                            "'component-with-a-long-name-01' after",
                  110) == 0);
    CHECK(all_zero(&M, sizeof M));
}

int main(void)
{
    return RUN_TESTS();
}
