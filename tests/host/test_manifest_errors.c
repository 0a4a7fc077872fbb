/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the manifest parser (servers/init/manifest.c, format in
 * docs/manifest.md): restart policies, capability kinds and names, and
 * every error message with its line (restart, capabilities, structure,
 * invalid characters, long words cut in messages). The harness is in
 * manifest_fixture.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

/* ---- restart ------------------------------------------------------------ */

TEST(restart_policies)
{
    REQUIRE(accepted("component a\nprogram a\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_NEVER);
    CHECK_EQ(M.comp[0].backoff_min_ms, 100);
    CHECK_EQ(M.comp[0].backoff_max_ms, 10000);
    CHECK_EQ(M.comp[0].restart_limit, 0);
    CHECK_EQ(M.comp[0].restart_line, 0);

    REQUIRE(accepted("component a\nprogram a\nrestart never\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_NEVER);
    CHECK_EQ(M.comp[0].restart_line, 3);

    REQUIRE(accepted("component a\nrestart always limit 3 backoff 1ms 3600s\nprogram a\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_ALWAYS);
    CHECK_EQ(M.comp[0].restart_limit, 3);
    CHECK_EQ(M.comp[0].backoff_min_ms, 1);
    CHECK_EQ(M.comp[0].backoff_max_ms, 3600000);

    REQUIRE(accepted("component a\nprogram a\nrestart on-failure backoff 3600000ms 3600000ms limit 1000000\n"));
    CHECK_EQ(M.comp[0].restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(M.comp[0].backoff_min_ms, 3600000);
    CHECK_EQ(M.comp[0].restart_limit, 1000000);

    REQUIRE(accepted("component a\nprogram a\nrestart on-failure backoff 5s 5s\n"));
    CHECK_EQ(M.comp[0].backoff_min_ms, 5000);
    CHECK_EQ(M.comp[0].backoff_max_ms, 5000);
}

#define RESTART_USAGE "restart never | on-failure|always [backoff MIN MAX] [limit N]"

TEST(restart_errors)
{
    static const struct {
        const char *line, *msg;
    } cases[] = {
        { "restart", "too few words; usage: " RESTART_USAGE },
        { "restart sometimes", "unexpected 'sometimes'; usage: " RESTART_USAGE },
        { "restart never backoff 1s 2s", "unexpected 'backoff'; usage: " RESTART_USAGE },
        { "restart on-failure backoff", "too few words; usage: " RESTART_USAGE },
        { "restart on-failure backoff 1s", "too few words; usage: " RESTART_USAGE },
        { "restart on-failure backoff 1s 2s backoff 1s 2s", "unexpected 'backoff'; usage: " RESTART_USAGE },
        { "restart on-failure limit 1 limit 2", "unexpected 'limit'; usage: " RESTART_USAGE },
        { "restart on-failure 5s", "unexpected '5s'; usage: " RESTART_USAGE },
        { "restart on-failure backoff 2s 1s", "backoff: the first delay is longer than the second" },
        { "restart on-failure backoff 1001ms 1s", "backoff: the first delay is longer than the second" },
        { "restart on-failure backoff 0ms 1s", "duration '0ms' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 0s 1s", "duration '0s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 3601s", "duration '3601s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 3600001ms", "duration '3600001ms' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 99999999999999999999s", "duration '99999999999999999999s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1s 18446744073709551615s", "duration '18446744073709551615s' out of range (1ms to 3600s)" },
        { "restart on-failure backoff 1 2", "bad duration '1' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1m 2m", "bad duration '1m' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1.5s 2s", "bad duration '1.5s' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 01s 2s", "bad duration '01s' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 0x10ms 2s", "bad duration '0x10ms' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff ms 2s", "bad duration 'ms' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1sms 2s", "bad duration '1sms' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure backoff 1S 2s", "bad duration '1S' (a decimal number and ms or s: 100ms, 5s)" },
        { "restart on-failure limit 0", "restart limit out of range (1 to 1000000)" },
        { "restart on-failure limit 1000001", "restart limit out of range (1 to 1000000)" },
        { "restart on-failure limit 18446744073709551615", "restart limit out of range (1 to 1000000)" },
        { "restart on-failure limit", "too few words; usage: " RESTART_USAGE },
        { "restart on-failure limit ten", "bad number 'ten' (decimal, or hexadecimal with 0x)" },
        { "restart On-failure", "unexpected 'On-failure'; usage: " RESTART_USAGE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[512];
        tclear();
        tput("component a\nprogram a\n%s\n", cases[i].line);
        snprintf(want, sizeof want, "manifest:3: %s", cases[i].msg);
        CHECK(refused(T, want));
    }
    CHECK(refused("component a\nprogram a\nrestart never\n\nrestart always\n",
                  "manifest:5: 'restart' given twice in component 'a' (first at line 3)"));
}

/* ---- capabilities ------------------------------------------------------- */

TEST(capability_kinds_and_names)
{
    REQUIRE(accepted("component ns\nprogram ns\nprovide ns\n"
                     "component d\n"
                     "program drv\n"
                     "ioport 0x60 1\n"
                     "ioport 0x64 1 as kbd-status\n"
                     "mmio 0xfed00000 0x1000 as hpet\n"
                     "irq gsi 20\n"
                     "irq isa 1 as kbd\n"
                     "dma\n"
                     "module font.psf\n"
                     "module keymap.us as keymap\n"
                     "provide kbd input.kbd\n"
                     "connect ns console* *\n"
                     "component console\nprogram console\nprovide console.0\n"));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.comp[1].ncaps == 13);
    CHECK_EQ(M.comp[1].nhandles, 8);
    CHECK_CAP(&M, 1, 0, MANIFEST_CAP_IOPORT, "ioport", 0x60, 1, RESOURCE_IOPORT, 6);
    CHECK_CAP(&M, 1, 1, MANIFEST_CAP_IOPORT, "kbd-status", 0x64, 1, RESOURCE_IOPORT, 7);
    CHECK_CAP(&M, 1, 2, MANIFEST_CAP_MMIO, "hpet", 0xfed00000, 0x1000, RESOURCE_MMIO, 8);
    CHECK_CAP(&M, 1, 3, MANIFEST_CAP_IRQ, "irq", 20, 1, RESOURCE_IRQ, 9);
    CHECK_CAP(&M, 1, 4, MANIFEST_CAP_IRQ_ISA, "kbd", 1, 1, RESOURCE_IRQ, 10);
    CHECK_CAP(&M, 1, 5, MANIFEST_CAP_DMA, "dma", 0, 0, RESOURCE_DMA, 11);
    CHECK_CAP(&M, 1, 6, MANIFEST_CAP_MODULE, "font.psf", 0, 0, 0, 12);
    CHECK(strcmp(M.comp[1].caps[6].module, "font.psf") == 0);
    CHECK_CAP(&M, 1, 7, MANIFEST_CAP_MODULE, "keymap", 0, 0, 0, 13);
    CHECK(strcmp(M.comp[1].caps[7].module, "keymap.us") == 0);
    CHECK_CAP(&M, 1, 8, MANIFEST_CAP_PROVIDE, "kbd", 0, 0, 0, 14);
    CHECK_CAP(&M, 1, 9, MANIFEST_CAP_PROVIDE, "input.kbd", 0, 0, 0, 14);
    CHECK_CAP(&M, 1, 10, MANIFEST_CAP_CONNECT, "ns", 0, 0, 0, 15);
    CHECK_CAP(&M, 1, 11, MANIFEST_CAP_CONNECT, "console", 0, 0, 0, 15);
    CHECK(M.comp[1].caps[11].pattern);
    CHECK_CAP(&M, 1, 12, MANIFEST_CAP_CONNECT, "", 0, 0, 0, 15);
    CHECK(M.comp[1].caps[12].pattern);
    CHECK(!M.comp[1].caps[10].pattern);
    CHECK(M.comp[1].uses_ns);
    CHECK(manifest_may_connect(&M, 1, "console.0"));
}

TEST(capability_errors)
{
    static const struct {
        const char *lines, *msg;
    } cases[] = {
        { "ioport 0x3f8", "manifest:3: too few words; usage: ioport BASE LEN [as NAME]" },
        { "ioport", "manifest:3: too few words; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 com1", "manifest:3: unexpected 'com1'; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 as", "manifest:3: too few words; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 as a b", "manifest:3: unexpected 'b'; usage: ioport BASE LEN [as NAME]" },
        { "ioport 0x3f8 8 as a/b", "manifest:3: bad name 'a/b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "ioport 0x3f8 0", "manifest:3: ioport range is empty (length 0)" },
        { "ioport 0xffff 2", "manifest:3: ioport range goes past the limit 0x10000" },
        { "ioport 0x10000 1", "manifest:3: ioport range goes past the limit 0x10000" },
        { "ioport 1 0xffffffffffffffff", "manifest:3: ioport range goes past the limit 0x10000" },
        { "mmio 0xfed00001 0x1000", "manifest:3: mmio base and length must be multiples of 0x1000" },
        { "mmio 0xfed00000 0x800", "manifest:3: mmio base and length must be multiples of 0x1000" },
        { "mmio 0xfed00000 0", "manifest:3: mmio range is empty (length 0)" },
        { "mmio 0xffffffffff000 0x2000", "manifest:3: mmio range goes past the limit 0x10000000000000" },
        { "mmio 0x10000000000000 0x1000", "manifest:3: mmio range goes past the limit 0x10000000000000" },
        { "mmio 0xfffffffffffff000 0x1000", "manifest:3: mmio range goes past the limit 0x10000000000000" },
        { "mmio 0x1000", "manifest:3: too few words; usage: mmio BASE LEN [as NAME]" },
        { "irq", "manifest:3: too few words; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq isa", "manifest:3: too few words; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq pci 4", "manifest:3: unexpected 'pci'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq 4", "manifest:3: unexpected '4'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq isa 16", "manifest:3: ISA IRQ 16 out of range (0 to 15)" },
        { "irq isa 0x10", "manifest:3: ISA IRQ 16 out of range (0 to 15)" },
        { "irq isa 18446744073709551615", "manifest:3: ISA IRQ 18446744073709551615 out of range (0 to 15)" },
        { "irq isa 4 8", "manifest:3: unexpected '8'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq isa four", "manifest:3: bad number 'four' (decimal, or hexadecimal with 0x)" },
        { "irq gsi 256", "manifest:3: irq range goes past the limit 0x100" },
        { "irq gsi 255 2", "manifest:3: irq range goes past the limit 0x100" },
        { "irq gsi 16 0", "manifest:3: irq range is empty (length 0)" },
        { "irq gsi 16 8 9", "manifest:3: unexpected '9'; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq gsi 16 as", "manifest:3: too few words; usage: irq isa N [as NAME] | irq gsi BASE [LEN] [as NAME]" },
        { "irq gsi 16 eight", "manifest:3: bad number 'eight' (decimal, or hexadecimal with 0x)" },
        { "irq isa 4\nirq isa 4 as other", "manifest:4: ISA IRQ 4 is already given to component 'c'" },
        { "dma x", "manifest:3: unexpected 'x'; usage: dma [as NAME]" },
        { "dma as ns", "manifest:3: handle name 'ns' is reserved for the name service" },
        { "dma\ndma", "manifest:4: handle name 'dma' used twice in component 'c' (add 'as NAME')" },
        { "ioport 1 1\nioport 2 2", "manifest:4: handle name 'ioport' used twice in component 'c' (add 'as NAME')" },
        { "ioport 1 1 as x\nmmio 0 0x1000 as x", "manifest:4: handle name 'x' used twice in component 'c' (add 'as NAME')" },
        { "module a as dma\ndma", "manifest:4: handle name 'dma' used twice in component 'c' (add 'as NAME')" },
        { "module ns", "manifest:3: handle name 'ns' is reserved for the name service" },
        { "module", "manifest:3: too few words; usage: module NAME [as NAME] | module *" },
        { "module bad/name", "manifest:3: bad name 'bad/name' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "module a*", "manifest:3: bad name 'a*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "module * x", "manifest:3: unexpected 'x'; usage: module NAME [as NAME] | module *" },
        { "module *\nmodule *", "manifest:4: 'module *' given twice" },
        { "module a b", "manifest:3: unexpected 'b'; usage: module NAME [as NAME] | module *" },
        { "provide", "manifest:3: too few words; usage: provide SERVICE..." },
        { "provide a a", "manifest:3: service 'a' is already provided by component 'c'" },
        { "provide a\nprovide b a", "manifest:4: service 'a' is already provided by component 'c'" },
        { "provide x*", "manifest:3: bad name 'x*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "provide *", "manifest:3: bad name '*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect", "manifest:3: too few words; usage: connect SERVICE|PREFIX*|*..." },
        { "provide a\nconnect a a", "manifest:4: connect 'a' given twice" },
        { "connect * *", "manifest:3: connect '*' given twice" },
        { "connect b* x b*", "manifest:3: connect 'b*' given twice" },
        { "connect **", "manifest:3: bad name '*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect *a", "manifest:3: bad name '*a' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect a*b", "manifest:3: bad name 'a*b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect -*", "manifest:3: bad name '-' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "connect x", "manifest:3: no component provides service 'x'" },
        { "provide ns\nconnect nss", "manifest:4: no component provides service 'nss'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tclear();
        tput("component c\nprogram p\n%s\ncomponent ns\nprogram ns\nprovide ns\n", cases[i].lines);
        /* Cases that provide ns themselves would clash with the trailer. */
        if (strstr(cases[i].lines, "provide ns")) {
            tclear();
            tput("component c\nprogram p\n%s\n", cases[i].lines);
        }
        CHECK(refused(T, cases[i].msg));
    }
    /* Across components. */
    CHECK(refused("component a\nprogram a\nirq isa 4\ncomponent b\nprogram b\nirq isa 4 as x\n",
                  "manifest:6: ISA IRQ 4 is already given to component 'a'"));
    CHECK(refused("component ns\nprogram ns\nprovide ns\ncomponent b\nprogram b\nprovide ns\n",
                  "manifest:6: service 'ns' is already provided by component 'ns'"));
    /* A pattern needs no provider, but a name service. */
    CHECK(refused("component a\nprogram a\nconnect blk*\n",
                  "manifest:3: component 'a' uses services, but no component provides 'ns'"));
    CHECK(refused("component a\nprogram a\n\nprovide a\n",
                  "manifest:4: component 'a' uses services, but no component provides 'ns'"));
}

/* ---- structure ---------------------------------------------------------- */

TEST(structure_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "", "manifest: no components" },
        { "# only a comment\n\n  \n", "manifest: no components" },
        { "program p\n", "manifest:1: 'program' outside a component (start one with 'component NAME')" },
        { "\n# x\nconnect a\ncomponent a\n", "manifest:3: 'connect' outside a component (start one with 'component NAME')" },
        { "Component c\n", "manifest:1: unknown keyword 'Component'" },
        { "component c\nprogram p\nioprot 1 2\n", "manifest:3: unknown keyword 'ioprot'" },
        { "component c\nprogram p\nprogram=q\n", "manifest:3: unknown keyword 'program=q'" },
        { "component c\nprogram p\n  *\n", "manifest:3: unknown keyword '*'" },
        { "component a\nfoo\n", "manifest:2: unknown keyword 'foo'" },
        { "component\n", "manifest:1: too few words; usage: component NAME" },
        { "component a b\n", "manifest:1: unexpected 'b'; usage: component NAME" },
        { "component -a\n", "manifest:1: bad name '-a' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component .a\n", "manifest:1: bad name '.a' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a:b\n", "manifest:1: bad name 'a:b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a\n", "manifest:1: component 'a' has no program" },
        { "component a\n\n\ncomponent b\nprogram b\n", "manifest:1: component 'a' has no program" },
        { "component a\nprogram a\ncomponent b\nargs x\n", "manifest:3: component 'b' has no program" },
        { "component a\nprogram\n", "manifest:2: too few words; usage: program MODULE" },
        { "component a\nprogram a b\n", "manifest:2: unexpected 'b'; usage: program MODULE" },
        { "component a\nprogram a/b\n", "manifest:2: bad name 'a/b' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a\nprogram a\nprogram b\n", "manifest:3: 'program' given twice in component 'a' (first at line 2)" },
        { "component a\nprogram a\nargs x\nargs y\n", "manifest:4: 'args' given twice in component 'a' (first at line 3)" },
        { "component a\nprogram a\nargs\n", "manifest:3: too few words; usage: args WORD..." },
        { "component a\nprogram a\nargs # a comment only\n", "manifest:3: too few words; usage: args WORD..." },
        { "component a\nprogram a\ncomponent a\nprogram a\n", "manifest:3: component 'a' already defined at line 1" },
        { "component a\nprogram a\nafter\n", "manifest:3: too few words; usage: after COMPONENT..." },
        { "component a\nprogram a\nafter a\n", "manifest:3: component 'a' cannot start after itself" },
        { "component a\nprogram a\nafter b\n", "manifest:3: 'after' names 'b', which is not a component" },
        { "component a\nprogram a\nafter b c\ncomponent b\nprogram b\n", "manifest:3: 'after' names 'c', which is not a component" },
        { "component a\nprogram a\nafter b\nafter b\ncomponent b\nprogram b\n", "manifest:4: 'b' named twice in 'after'" },
        { "component a\nprogram a\nafter b b\ncomponent b\nprogram b\n", "manifest:3: 'b' named twice in 'after'" },
        { "component a\nprogram a\nafter b/c\n", "manifest:3: bad name 'b/c' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        { "component a\nprogram a\nafter *\n", "manifest:3: bad name '*' (letters, digits, '.', '_', '-'; first a letter or digit)" },
        /* Errors are found in file order: a later line's error is not
         * reported before an earlier one's. */
        { "component a\nprogram a\nafter zz\ncomponent b\nprogram b\nconnect yy\ncomponent ns\nprogram ns\nprovide ns\n",
          "manifest:3: 'after' names 'zz', which is not a component" },
        { "component a\nprogram a\nconnect yy\nafter zz\ncomponent ns\nprogram ns\nprovide ns\n",
          "manifest:4: 'after' names 'zz', which is not a component" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(refused(cases[i].text, cases[i].msg));
}

TEST(invalid_characters)
{
    static const struct {
        const char *text;
        size_t len;
        const char *msg;
    } cases[] = {
        { "component a\x01\n", 14, "manifest:1: invalid character (byte 0x1)" },
        { "component a\nprogram a\0\n", 23, "manifest:2: invalid character (byte 0x0)" },
        { "component a\nprogram a\n\0", 23, "manifest:3: invalid character (byte 0x0)" },
        { "component a\x7f\n", 14, "manifest:1: invalid character (byte 0x7f)" },
        { "component caf\xc3\xa9\n", 17, "manifest:1: invalid character (byte 0xc3)" },
        { "component a\xff\n", 14, "manifest:1: invalid character (byte 0xff)" },
        { "component a\rprogram a\n", 23, "manifest:1: invalid character (byte 0xd)" },
        { "component a\r\r\n", 14, "manifest:1: invalid character (byte 0xd)" },
        { "component a\x0bprogram a\n", 23, "manifest:1: invalid character (byte 0xb)" },
        { "component a\x0c\n", 13, "manifest:1: invalid character (byte 0xc)" },
        { "# comment \x01\n", 12, "manifest:1: invalid character (byte 0x1)" },
        { "# comment \x7f\n", 12, "manifest:1: invalid character (byte 0x7f)" },
        { "component a # \x1b[31m\n", 20, "manifest:1: invalid character (byte 0x1b)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(refused_n(cases[i].text, cases[i].len, cases[i].msg));
    /* The text is read by its length, never as a C string: the bytes after
     * a NUL are still looked at, and nothing past len is. */
    CHECK(refused_n("component a\nprogram a\n\0component b\n", 35, "manifest:3: invalid character (byte 0x0)"));
    CHECK(parse_n("component a\nprogram a\nXXXX", 22) == OK);
}

TEST(long_words_are_cut_in_messages)
{
    char word[100];
    memset(word, 'k', sizeof word);
    word[60] = '\0';
    tclear();
    tput("component a\nprogram a\n%s\n", word);
    CHECK(refused(T, "manifest:3: unknown keyword 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'"));
    word[45] = '\0';
    tclear();
    tput("component %s\n", word);
    CHECK(refused(T, "manifest:1: name 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' is longer than 31 characters"));
}

/* ---- quotas ---------------------------------------------------------------- */

TEST(quotas)
{
    REQUIRE(accepted("component a\nprogram a\n"));
    CHECK_EQ(M.comp[0].quota_memory, 64ull << 20);
    CHECK_EQ(M.comp[0].quota_handles, 256);
    CHECK_EQ(M.comp[0].quota_threads, 64);
    CHECK_EQ(M.comp[0].quota_line, 0);

    REQUIRE(accepted("component a\nprogram a\nquota memory 8M\n"));
    CHECK_EQ(M.comp[0].quota_memory, 8ull << 20);
    CHECK_EQ(M.comp[0].quota_handles, 256); /* the others keep their defaults */
    CHECK_EQ(M.comp[0].quota_line, 3);

    REQUIRE(accepted("component a\nquota threads 4096 handles 16 memory 0x10000\nprogram a\n"));
    CHECK_EQ(M.comp[0].quota_memory, 0x10000);
    CHECK_EQ(M.comp[0].quota_handles, 16);
    CHECK_EQ(M.comp[0].quota_threads, 4096);

    REQUIRE(accepted("component a\nprogram a\nquota memory 64G handles 65535 threads 1\n"));
    CHECK_EQ(M.comp[0].quota_memory, 64ull << 30);
    CHECK_EQ(M.comp[0].quota_handles, 65535);
    CHECK_EQ(M.comp[0].quota_threads, 1);

    REQUIRE(accepted("component a\nprogram a\nquota memory 512K\ncomponent b\nprogram b\n"));
    CHECK_EQ(M.comp[0].quota_memory, 512ull << 10);
    CHECK_EQ(M.comp[1].quota_memory, 64ull << 20); /* per component */
}

#define QUOTA_USAGE "quota [memory SIZE] [handles N] [threads N]"

TEST(quota_errors)
{
    static const struct {
        const char *line, *msg;
    } cases[] = {
        { "quota", "too few words; usage: " QUOTA_USAGE },
        { "quota memory", "too few words; usage: " QUOTA_USAGE },
        { "quota stack 1M", "unexpected 'stack'; usage: " QUOTA_USAGE },
        { "quota memory 1M memory 2M", "unexpected 'memory'; usage: " QUOTA_USAGE },
        { "quota handles 20 handles 20", "unexpected 'handles'; usage: " QUOTA_USAGE },
        { "quota memory 1M 2M", "unexpected '2M'; usage: " QUOTA_USAGE },
        { "quota memory 60K", "memory quota out of range (64K to 64G)" },
        { "quota memory 65G", "memory quota out of range (64K to 64G)" },
        { "quota memory 0", "memory quota out of range (64K to 64G)" },
        { "quota memory 100000", "memory quota is not a multiple of 4K" },
        { "quota memory 1.5M", "bad size '1.5M' (bytes, or a decimal number and K, M or G: 64M)" },
        { "quota memory 1m", "bad size '1m' (bytes, or a decimal number and K, M or G: 64M)" },
        { "quota memory M", "bad size 'M' (bytes, or a decimal number and K, M or G: 64M)" },
        { "quota memory 0x10M", "bad size '0x10M' (bytes, or a decimal number and K, M or G: 64M)" },
        { "quota memory 01M", "bad size '01M' (bytes, or a decimal number and K, M or G: 64M)" },
        { "quota memory 99999999999999999G", "size '99999999999999999G' does not fit in 64 bits" },
        { "quota memory 99999999999999999999", "size '99999999999999999999' does not fit in 64 bits" },
        { "quota handles 15", "handle quota out of range (16 to 65535)" },
        { "quota handles 65536", "handle quota out of range (16 to 65535)" },
        { "quota handles many", "bad number 'many' (decimal, or hexadecimal with 0x)" },
        { "quota threads 0", "thread quota out of range (1 to 4096)" },
        { "quota threads 4097", "thread quota out of range (1 to 4096)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[512];
        tclear();
        tput("component a\nprogram a\n%s\n", cases[i].line);
        snprintf(want, sizeof want, "manifest:3: %s", cases[i].msg);
        CHECK(refused(T, want));
    }
    CHECK(refused("component a\nprogram a\nquota threads 2\nquota memory 1M\n",
                  "manifest:4: 'quota' given twice in component 'a' (first at line 3)"));
    CHECK(refused("quota threads 2\n", "manifest:1: 'quota' outside a component (start one with 'component NAME')"));
}

int main(void)
{
    return RUN_TESTS();
}
