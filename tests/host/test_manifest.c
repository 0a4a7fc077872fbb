/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the manifest parser (servers/init/manifest.c, format in
 * docs/manifest.md): the example of the document parsed field by field
 * (and checked to be the document's text), the queries, and the lexical
 * rules (comments, blank lines, CRLF, tabs, UTF-8 in comments, args,
 * numbers).
 *
 * The other manifest tests: every error message with its line
 * (test_manifest_errors.c), every limit at and past its edge and the start
 * order (test_manifest_limits.c), the interface and robustness
 * (test_manifest_robust.c). The harness is in manifest_fixture.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

/* ---- the example of docs/manifest.md ------------------------------------ */

TEST(example_is_parsed_exactly)
{
    REQUIRE(accepted(EXAMPLE));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.ncomp == 3);
    CHECK_EQ(M.ns, 1);
    CHECK_EQ(M.order[0], 1);
    CHECK_EQ(M.order[1], 0);
    CHECK_EQ(M.order[2], 2);

    const manifest_component_t *c = &M.comp[0];
    CHECK(strcmp(c->name, "console") == 0 && strcmp(c->program, "console") == 0 && c->args[0] == '\0');
    CHECK_EQ(c->line, 5);
    CHECK_EQ(c->program_line, 6);
    CHECK_EQ(c->args_line, 0);
    CHECK_EQ(c->restart_line, 10);
    CHECK_EQ(c->restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(c->backoff_min_ms, 50);
    CHECK_EQ(c->backoff_max_ms, 5000);
    CHECK_EQ(c->restart_limit, 0);
    REQUIRE(c->ncaps == 3);
    CHECK_EQ(c->nhandles, 2);
    CHECK_CAP(&M, 0, 0, MANIFEST_CAP_IOPORT, "com1", 0x3f8, 8, RESOURCE_IOPORT, 7);
    CHECK_CAP(&M, 0, 1, MANIFEST_CAP_IRQ_ISA, "com1-irq", 4, 1, RESOURCE_IRQ, 8);
    CHECK_CAP(&M, 0, 2, MANIFEST_CAP_PROVIDE, "console", 0, 0, 0, 9);
    CHECK(c->uses_ns);
    CHECK_EQ(c->nafter, 0);
    CHECK_EQ(c->after_mask, 1u << 1);

    c = &M.comp[1];
    CHECK(strcmp(c->name, "ns") == 0 && strcmp(c->program, "ns") == 0);
    CHECK_EQ(c->line, 13);
    CHECK_EQ(c->restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(c->backoff_min_ms, MANIFEST_BACKOFF_MIN_DEFAULT);
    CHECK_EQ(c->backoff_max_ms, MANIFEST_BACKOFF_MAX_DEFAULT);
    REQUIRE(c->ncaps == 1);
    CHECK_EQ(c->nhandles, 0);
    CHECK_CAP(&M, 1, 0, MANIFEST_CAP_PROVIDE, "ns", 0, 0, 0, 15);
    CHECK(!c->uses_ns);
    CHECK_EQ(c->after_mask, 0);

    c = &M.comp[2];
    CHECK(strcmp(c->name, "proc") == 0 && strcmp(c->program, "proc") == 0);
    CHECK_EQ(c->line, 19);
    CHECK_EQ(c->restart, MANIFEST_RESTART_ON_FAILURE);
    CHECK_EQ(c->restart_limit, 10);
    REQUIRE(c->ncaps == 3);
    CHECK_EQ(c->nhandles, 0);
    CHECK_CAP(&M, 2, 0, MANIFEST_CAP_ALL_MODULES, "", 0, 0, 0, 21);
    CHECK_CAP(&M, 2, 1, MANIFEST_CAP_PROVIDE, "proc", 0, 0, 0, 22);
    CHECK_CAP(&M, 2, 2, MANIFEST_CAP_CONNECT, "console", 0, 0, 0, 23);
    CHECK(!cap_of(&M, 2, 2)->pattern);
    CHECK(c->uses_ns);
    CHECK_EQ(c->after_mask, 1u << 1);
}

TEST(example_is_the_documents)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *tail = strstr(path, "tests/host/test_manifest.c");
    REQUIRE(tail != NULL);
    snprintf(tail, sizeof path - (size_t)(tail - path), "docs/manifest.md");
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    static char doc[65536];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    const char *block = strstr(doc, "```\n");
    REQUIRE(block != NULL);
    block += 4;
    CHECK(strncmp(block, EXAMPLE, strlen(EXAMPLE)) == 0);
    CHECK(strncmp(block + strlen(EXAMPLE), "```\n", 4) == 0);
}

TEST(example_with_the_future_components)
{
    static char text[8192];
    example_uncommented(text, sizeof text);
    REQUIRE(accepted(text));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.ncomp == 7);
    static const char *names[] = { "console", "ns", "proc", "acpi", "pci", "devmgr", "shell" };
    for (size_t i = 0; i < 7; i++)
        CHECK(strcmp(M.comp[i].name, names[i]) == 0);
    /* ns, then everything in file order (all wait only for ns or earlier). */
    static const uint8_t order[] = { 1, 0, 2, 3, 4, 5, 6 };
    CHECK(memcmp(M.order, order, sizeof order) == 0);
    const manifest_component_t *pci = &M.comp[4];
    REQUIRE(pci->ncaps == 6);
    CHECK_CAP(&M, 4, 0, MANIFEST_CAP_MMIO, "ecam", 0xb0000000, 0x10000000, RESOURCE_MMIO, 36);
    CHECK_CAP(&M, 4, 1, MANIFEST_CAP_MMIO, "bars", 0xc0000000, 0x3ec00000, RESOURCE_MMIO, 37);
    CHECK_CAP(&M, 4, 2, MANIFEST_CAP_IRQ, "irq", 16, 8, RESOURCE_IRQ, 38);
    CHECK_CAP(&M, 4, 3, MANIFEST_CAP_DMA, "dma", 0, 0, RESOURCE_DMA, 39);
    CHECK_EQ(pci->nhandles, 4);
    CHECK_CAP(&M, 3, 0, MANIFEST_CAP_MMIO, "low4g", 0, 0x100000000ull, RESOURCE_MMIO, 30);
    const manifest_component_t *shell = &M.comp[6];
    CHECK_EQ(shell->restart, MANIFEST_RESTART_ALWAYS);
    CHECK_EQ(shell->backoff_min_ms, 1000);
    CHECK_EQ(shell->backoff_max_ms, 10000);
    REQUIRE(shell->nafter == 2);
    CHECK(strcmp(shell->after[0], "console") == 0 && shell->after_index[0] == 0);
    CHECK(strcmp(shell->after[1], "proc") == 0 && shell->after_index[1] == 2);
    CHECK_EQ(shell->after_line[0], 52);
    CHECK_EQ(shell->after_mask, 1u << 0 | 1u << 1 | 1u << 2);
    REQUIRE(shell->ncaps == 1);
    CHECK(shell->caps[0].kind == MANIFEST_CAP_CONNECT && shell->caps[0].pattern && shell->caps[0].name[0] == 0);
}

/* ---- queries ------------------------------------------------------------ */

TEST(queries)
{
    static char text[8192];
    example_uncommented(text, sizeof text);
    REQUIRE(accepted(text));
    CHECK_EQ(manifest_find(&M, "console"), 0);
    CHECK_EQ(manifest_find(&M, "shell"), 6);
    CHECK_EQ(manifest_find(&M, "nobody"), -1);
    CHECK_EQ(manifest_find(&M, ""), -1);
    CHECK_EQ(manifest_find(&M, NULL), -1);
    CHECK_EQ(manifest_find(NULL, "ns"), -1);
    CHECK_EQ(manifest_provider(&M, "ns"), 1);
    CHECK_EQ(manifest_provider(&M, "pci"), 4);
    CHECK_EQ(manifest_provider(&M, "acpi"), 3);
    CHECK_EQ(manifest_provider(&M, "shell"), -1);
    CHECK_EQ(manifest_provider(&M, NULL), -1);
    /* proc connects to console only; pci to acpi; shell to anything. */
    CHECK(manifest_may_connect(&M, 2, "console"));
    CHECK(!manifest_may_connect(&M, 2, "pci"));
    CHECK(!manifest_may_connect(&M, 2, "consol"));
    CHECK(!manifest_may_connect(&M, 2, "console2"));
    CHECK(manifest_may_connect(&M, 4, "acpi"));
    CHECK(!manifest_may_connect(&M, 4, "proc"));
    CHECK(manifest_may_connect(&M, 6, "anything-at-all"));
    CHECK(manifest_may_connect(&M, 6, "ns"));
    CHECK(!manifest_may_connect(&M, 6, ""));
    CHECK(!manifest_may_connect(&M, 6, "bad name"));
    CHECK(!manifest_may_connect(&M, 6, "x234567890123456789012345678901x")); /* 32 chars */
    CHECK(!manifest_may_connect(&M, 6, NULL));
    CHECK(!manifest_may_connect(&M, 7, "ns"));
    CHECK(!manifest_may_connect(&M, 1000, "ns"));
    CHECK(!manifest_may_connect(NULL, 0, "ns"));
    CHECK(!manifest_may_connect(&M, 1, "ns")); /* ns connects to nothing */

    REQUIRE(accepted("component ns\nprogram ns\nprovide ns\n"
                     "component fs\nprogram fs\nconnect blk* ns\n"));
    CHECK(manifest_may_connect(&M, 1, "blk"));
    CHECK(manifest_may_connect(&M, 1, "blk0"));
    CHECK(manifest_may_connect(&M, 1, "blk.nvme-1"));
    CHECK(!manifest_may_connect(&M, 1, "bl"));
    CHECK(!manifest_may_connect(&M, 1, "xblk"));
    CHECK(manifest_may_connect(&M, 1, "ns"));
    CHECK(!manifest_may_connect(&M, 1, "n"));
}

/* `log [as NAME]`: the LOG resource as a handle, counted among the
 * handles, named `log` by default; a second one needs another name. */
TEST(log_capability)
{
    REQUIRE(accepted("component console\nprogram console\nlog\nlog as klog\n"));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.comp[0].ncaps == 2);
    CHECK_CAP(&M, 0, 0, MANIFEST_CAP_LOG, "log", 0, 0, RESOURCE_LOG, 3);
    CHECK_CAP(&M, 0, 1, MANIFEST_CAP_LOG, "klog", 0, 0, RESOURCE_LOG, 4);
    CHECK_EQ(M.comp[0].nhandles, 2);
    CHECK(!M.comp[0].uses_ns);
    CHECK(refused("component c\nprogram c\nlog\nlog\n",
                  "manifest:4: handle name 'log' used twice in component 'c' (add 'as NAME')"));
    CHECK(refused("component c\nprogram c\nlog 1\n", "manifest:3: unexpected '1'; usage: log [as NAME]"));
    CHECK(refused("component c\nprogram c\nlog as ns\n",
                  "manifest:3: handle name 'ns' is reserved for the name service"));
}

/* `msi BASE LEN [as NAME]`: an MSI resource over MSI numbers, below 256,
 * named `msi` by default. */
TEST(msi_capability)
{
    REQUIRE(accepted("component pci\nprogram pci\nmsi 0 64\nmsi 64 8 as edu-msi\n"));
    CHECK_INVARIANTS(&M);
    REQUIRE(M.comp[0].ncaps == 2);
    CHECK_CAP(&M, 0, 0, MANIFEST_CAP_MSI, "msi", 0, 64, RESOURCE_MSI, 3);
    CHECK_CAP(&M, 0, 1, MANIFEST_CAP_MSI, "edu-msi", 64, 8, RESOURCE_MSI, 4);
    CHECK_EQ(M.comp[0].nhandles, 2);
    CHECK(refused("component c\nprogram c\nmsi 250 7\n", "manifest:3: msi range goes past the limit 0x100"));
    CHECK(refused("component c\nprogram c\nmsi 0 0\n", "manifest:3: msi range is empty (length 0)"));
    CHECK(refused("component c\nprogram c\nmsi 0 1\nmsi 1 1\n",
                  "manifest:4: handle name 'msi' used twice in component 'c' (add 'as NAME')"));
}

/* ---- lexical rules ------------------------------------------------------ */

/* Converts LF line endings to CRLF. */
static size_t to_crlf(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 2 < cap; in++) {
        if (*in == '\n')
            out[n++] = '\r';
        out[n++] = *in;
    }
    return n;
}

TEST(crlf_tabs_comments_and_no_final_newline_change_nothing)
{
    static manifest_t ref;
    REQUIRE(accepted(EXAMPLE));
    ref = M;

    static char crlf[8192];
    size_t n = to_crlf(EXAMPLE, crlf, sizeof crlf);
    REQUIRE(parse_n(crlf, n) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);
    /* Without the final line ending, LF or CRLF. */
    REQUIRE(parse_n(crlf, n - 1) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);
    REQUIRE(parse_n(crlf, n - 2) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);
    REQUIRE(parse_n(EXAMPLE, strlen(EXAMPLE) - 1) == OK);
    CHECK(memcmp(&M, &ref, sizeof M) == 0);

    /* Tabs for spaces, comments in UTF-8, trailing blanks: same lines, same
     * result. */
    static char tabs[8192];
    size_t k = 0;
    for (const char *p = EXAMPLE; *p; p++)
        tabs[k++] = *p == ' ' ? '\t' : *p;
    tabs[k] = '\0';
    REQUIRE(accepted(tabs));
    CHECK(memcmp(&M, &ref, sizeof M) == 0);

    REQUIRE(accepted("\t# caf\xc3\xa9 \xe2\x80\x94 comment\n"
                     "component a   \t\n"
                     "  program a # \xff\xfe still a comment\n"
                     "  args x#y #z\n"
                     "#\n"
                     "   \n"
                     "\t\n"));
    CHECK_EQ(M.ncomp, 1);
    CHECK(strcmp(M.comp[0].args, "x#y") == 0);
    CHECK_EQ(M.comp[0].line, 2);
    CHECK_EQ(M.comp[0].program_line, 3);
}

TEST(args_are_single_spaced_and_bounded)
{
    REQUIRE(accepted("component a\nprogram prog\nargs   -v \t --level=3   x,y;z!  a#b \n"));
    CHECK(strcmp(M.comp[0].args, "-v --level=3 x,y;z! a#b") == 0);
    CHECK_EQ(M.comp[0].args_line, 3);

    /* "prog" + " " + args is at most 511 characters. */
    char words[600];
    memset(words, 'x', sizeof words);
    words[511 - 5] = '\0';
    tclear();
    tput("component a\nprogram prog\nargs %s\n", words);
    REQUIRE(accepted(T));
    CHECK_EQ(strlen(M.comp[0].args), 506);
    words[511 - 5] = 'x';
    words[511 - 4] = '\0';
    tclear();
    tput("component a\nprogram prog\nargs %s\n", words);
    CHECK(refused(T, "manifest:3: program and args are longer than 511 characters"));
    /* The same when args come before the program, and with many words. */
    tclear();
    tput("component a\nargs");
    for (int i = 0; i < 253; i++)
        tput(" y");
    tput("\nprogram prog\n");
    REQUIRE(accepted(T));
    CHECK_EQ(strlen(M.comp[0].args), 505);
    tclear();
    tput("component a\nargs");
    for (int i = 0; i < 254; i++)
        tput(" y");
    tput("\nprogram prog\ncomponent b\nprogram b\n");
    CHECK(refused(T, "manifest:2: program and args are longer than 511 characters"));
}

TEST(numbers)
{
    static const struct {
        const char *text;
        uint64_t base, len;
    } good[] = {
        { "ioport 0 1", 0, 1 },
        { "ioport 0x0 0x1", 0, 1 },
        { "ioport 0X3F8 0x8", 0x3f8, 8 },
        { "ioport 0x00003f8 8", 0x3f8, 8 },
        { "ioport 65535 1", 0xffff, 1 },
        { "ioport 0xffff 0x1", 0xffff, 1 },
        { "ioport 0 65536", 0, 0x10000 },
        { "mmio 0xffffffffff000 0x1000", 0xffffffffff000ull, 0x1000 },
        { "mmio 0 0x10000000000000", 0, 1ull << 52 },
        { "irq gsi 255", 255, 1 },
        { "irq gsi 0 256", 0, 256 },
        { "irq gsi 16 as pirq", 16, 1 },
        { "irq gsi 0x10 0x8 as pirq", 16, 8 },
        { "irq isa 0", 0, 1 },
        { "irq isa 15", 15, 1 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tclear();
        tput("component a\nprogram a\n%s\n", good[i].text);
        CHECK(accepted(T));
        CHECK_INVARIANTS(&M);
        CHECK_EQ(M.comp[0].caps[0].base, good[i].base);
        CHECK_EQ(M.comp[0].caps[0].len, good[i].len);
    }

    static const struct {
        const char *word, *msg;
    } bad[] = {
        { "010", "manifest:3: bad number '010' (decimal, or hexadecimal with 0x)" },
        { "00", "manifest:3: bad number '00' (decimal, or hexadecimal with 0x)" },
        { "0x", "manifest:3: bad number '0x' (decimal, or hexadecimal with 0x)" },
        { "0xg", "manifest:3: bad number '0xg' (decimal, or hexadecimal with 0x)" },
        { "0x3g8", "manifest:3: bad number '0x3g8' (decimal, or hexadecimal with 0x)" },
        { "-1", "manifest:3: bad number '-1' (decimal, or hexadecimal with 0x)" },
        { "+1", "manifest:3: bad number '+1' (decimal, or hexadecimal with 0x)" },
        { "1e3", "manifest:3: bad number '1e3' (decimal, or hexadecimal with 0x)" },
        { "8k", "manifest:3: bad number '8k' (decimal, or hexadecimal with 0x)" },
        { "0b1", "manifest:3: bad number '0b1' (decimal, or hexadecimal with 0x)" },
        { "0x-1", "manifest:3: bad number '0x-1' (decimal, or hexadecimal with 0x)" },
        { "1,000", "manifest:3: bad number '1,000' (decimal, or hexadecimal with 0x)" },
        { "18446744073709551616", "manifest:3: number '18446744073709551616' does not fit in 64 bits" },
        { "99999999999999999999999", "manifest:3: number '99999999999999999999999' does not fit in 64 bits" },
        { "0x10000000000000000", "manifest:3: number '0x10000000000000000' does not fit in 64 bits" },
        { "0x0000000000000000000001", NULL }, /* leading zeros in hex are fine */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tclear();
        tput("component a\nprogram a\nioport %s 1\n", bad[i].word);
        if (bad[i].msg)
            CHECK(refused(T, bad[i].msg));
        else
            CHECK(accepted(T));
        tclear(); /* the same word as the length */
        tput("component a\nprogram a\nioport 1 %s\n", bad[i].word);
        if (bad[i].msg)
            CHECK(refused(T, bad[i].msg));
        else
            CHECK(accepted(T));
    }
    /* The largest 64-bit values parse; the range check refuses them. */
    CHECK(refused("component a\nprogram a\nioport 18446744073709551615 1\n",
                  "manifest:3: ioport range goes past the limit 0x10000"));
    CHECK(refused("component a\nprogram a\nioport 0xffffffffffffffff 0xffffffffffffffff\n",
                  "manifest:3: ioport range goes past the limit 0x10000"));
}

int main(void)
{
    return RUN_TESTS();
}
