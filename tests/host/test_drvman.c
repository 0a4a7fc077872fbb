/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the driver manifest parser (servers/devmgr/drvman.c,
 * format in docs/devmgr.md): the edu manifest as shipped, matching by id
 * and by class at each depth, the defaults, and every refusal with its
 * line and message.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "drvman.h"

static drvman_t M;
static char E[DRVMAN_ERR_MAX];

static int parse(const char *text) { return drvman_parse(text, strlen(text), &M, E); }

/* Refused with exactly this message. */
static int refused(const char *text, const char *msg)
{
    if (parse(text) == 0) {
        printf("    accepted: %s\n", text);
        return 0;
    }
    if (strcmp(E, msg) != 0) {
        printf("    got '%s', want '%s'\n", E, msg);
        return 0;
    }
    return 1;
}

TEST(edu_manifest_as_shipped)
{
    char text[DRVMAN_TEXT_MAX];
    FILE *f = fopen(CAIRN_ROOT_DIR "/drivers-user/edu/edu.driver", "r");
    REQUIRE(f != NULL);
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    REQUIRE(drvman_parse(text, n, &M, E) == 0);
    CHECK(strcmp(M.name, "edu") == 0);
    CHECK(strcmp(M.program, "edu") == 0);
    CHECK(strcmp(M.provide, "edu") == 0);
    CHECK_EQ(M.nprovide, 1);
    CHECK(M.connect[0] == '\0'); /* it uses no service */
    CHECK_EQ(M.nconnect, 0);
    CHECK(M.dma);
    CHECK_EQ(M.nmatch, 1);
    CHECK(drvman_matches(&M, 0x1234, 0x11e8, 0x00, 0xff, 0));
    CHECK(!drvman_matches(&M, 0x1234, 0x11e9, 0x00, 0xff, 0));
    CHECK(!drvman_matches(&M, 0x8086, 0x11e8, 0x00, 0xff, 0));
    CHECK(M.restart);
    CHECK_EQ(M.backoff_min_ms, 100);
    CHECK_EQ(M.backoff_max_ms, 5000);
    CHECK_EQ(M.limit, 5);
}

/* The nvme driver's manifest and the test variants with arguments
 * (tests/qemu/data/nvme): by class, any NVM Express function. */
TEST(nvme_manifests_as_shipped)
{
    static const char *const files[] = {
        "/drivers-user/nvme/nvme.driver",
        "/tests/qemu/data/nvme/selftest/nvme.driver",
        "/tests/qemu/data/nvme/timeout/nvme.driver",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512], text[DRVMAN_TEXT_MAX];
        snprintf(path, sizeof path, "%s%s", CAIRN_ROOT_DIR, files[i]);
        FILE *f = fopen(path, "r");
        REQUIRE(f != NULL);
        size_t n = fread(text, 1, sizeof text, f);
        fclose(f);
        REQUIRE(drvman_parse(text, n, &M, E) == 0);
        CHECK(strcmp(M.name, "nvme") == 0);
        CHECK(strcmp(M.program, "nvme") == 0);
        CHECK(M.dma);
        CHECK_EQ(M.nmatch, 1);
        CHECK(drvman_matches(&M, 0x1b36, 0x0010, 0x01, 0x08, 0x02));
        CHECK(drvman_matches(&M, 0x8086, 0x0953, 0x01, 0x08, 0x02));
        CHECK(!drvman_matches(&M, 0x1b36, 0x0010, 0x01, 0x08, 0x03));
        CHECK(!drvman_matches(&M, 0x8086, 0x2922, 0x01, 0x06, 0x01)); /* AHCI */
        CHECK(i == 0 ? M.args[0] == '\0' : strncmp(M.args, "selftest", 8) == 0);
    }
}

TEST(class_match_depths_and_defaults)
{
    REQUIRE(parse("# comment\r\ndriver nvme\n  program nvme # the program\n  match class 0x01 8 0x02\n"
                  "  match class 2\n  match class 3 0\n  args -v fast\n") == 0);
    CHECK_EQ(M.nmatch, 3);
    CHECK(strcmp(M.args, "-v fast") == 0);
    CHECK(!M.dma);
    CHECK(M.provide[0] == '\0' && M.connect[0] == '\0');
    CHECK(drvman_matches(&M, 1, 2, 0x01, 0x08, 0x02));
    CHECK(!drvman_matches(&M, 1, 2, 0x01, 0x08, 0x03));
    CHECK(drvman_matches(&M, 1, 2, 0x02, 0x99, 0x77)); /* class only */
    CHECK(drvman_matches(&M, 1, 2, 0x03, 0x00, 0x01));
    CHECK(!drvman_matches(&M, 1, 2, 0x03, 0x01, 0x00));
    CHECK(M.restart && M.limit == 5 && M.backoff_min_ms == 100); /* the defaults */
    REQUIRE(parse("driver a\nprogram a\nmatch pci ABCD:ef01\nrestart never\n") == 0);
    CHECK(!M.restart);
    CHECK(drvman_matches(&M, 0xabcd, 0xef01, 0, 0, 0));
    REQUIRE(parse("driver a\nprogram a\nmatch pci abcd:ef01\nrestart backoff 1s 1s\n") == 0);
    CHECK(M.backoff_min_ms == 1000 && M.backoff_max_ms == 1000 && M.limit == 5);
    REQUIRE(parse("driver a\nprogram a\nmatch pci abcd:ef01\nrestart limit 1000000") == 0);
    CHECK_EQ(M.limit, 1000000);
}

TEST(refusals)
{
    CHECK(refused("", "0: no 'driver NAME' line"));
    CHECK(refused("program x\n", "1: a driver manifest starts with 'driver NAME'"));
    CHECK(refused("driver x\nmatch pci 1234:11e8\n", "2: no 'program' line"));
    CHECK(refused("driver x\nprogram x\n", "2: no 'match' line: the driver would take nothing"));
    CHECK(refused("driver x\nprogram x\nprogram y\n", "3: program given twice"));
    CHECK(refused("driver x\nprogram x\nmatch pci 1234:11e\n",
                  "3: bad vendor:device (four hex digits each, e.g. 1234:11e8) '1234:11e'"));
    CHECK(refused("driver x\nprogram x\nmatch pci 12g4:11e8\n",
                  "3: bad vendor:device (four hex digits each, e.g. 1234:11e8) '12g4:11e8'"));
    CHECK(refused("driver x\nprogram x\nmatch class 256\n", "3: bad class number (0-255) '256'"));
    CHECK(refused("driver x\nprogram x\nmatch class 01\n", "3: bad class number (0-255) '01'"));
    CHECK(refused("driver x\nprogram x\nmatch usb 1\n",
                  "3: expected 'match pci VVVV:DDDD' or 'match class CC [SS [PP]]'"));
    CHECK(refused("driver x\nprogram x\nmatch class 1 2 3 4\n",
                  "3: expected 'match pci VVVV:DDDD' or 'match class CC [SS [PP]]'"));
    CHECK(refused("driver x\nprogram x\nirq 5\n", "3: unknown keyword 'irq'"));
    CHECK(refused("driver x\ndriver y\n", "2: one driver per manifest: second 'driver' line"));
    CHECK(refused("driver -x\n", "1: a driver manifest starts with 'driver NAME'"));
    CHECK(refused("driver x\nprogram x\ndma now\n", "3: 'dma' takes no words 'now'"));
    CHECK(refused("driver x\nprogram x\nrestart backoff 5s 1s\n", "3: backoff minimum above its maximum"));
    CHECK(refused("driver x\nprogram x\nrestart backoff 0ms 1s\n", "3: bad duration (1ms to 3600s) '0ms'"));
    CHECK(refused("driver x\nprogram x\nrestart backoff 1h 2h\n", "3: bad duration (1ms to 3600s) '1h'"));
    CHECK(refused("driver x\nprogram x\nrestart limit 0\n", "3: bad restart limit (1 to 1000000) '0'"));
    CHECK(refused("driver x\nprogram x\nrestart sometimes\n",
                  "3: expected 'restart never' or 'restart [backoff MIN MAX] [limit N]' 'sometimes'"));
    CHECK(refused("driver x\nprogram x\nprovide\n",
                  "3: expected a service name or pattern (NAME, NAME*, *) after 'provide'"));
    CHECK(refused("driver x\nprogram x\nconnect # nothing\n",
                  "3: expected a service name or pattern (NAME, NAME*, *) after 'connect'"));
    CHECK(refused("driver x\nprogram x\nprovide a*b\n", "3: bad service name or pattern 'a*b'"));
    CHECK(refused("driver x\nprogram x\nconnect -x\n", "3: bad service name or pattern '-x'"));
    CHECK(refused("driver x\nprogram x\nconnect **\n", "3: bad service name or pattern '**'"));
    CHECK(refused("driver x\nprogram x\nconnect pci\nconnect console pci\n", "4: service given twice 'pci'"));
    CHECK(refused("driver x\nprogram x\x01\n", "2: bad character outside a comment"));
}

TEST(services_it_provides_and_connects_to)
{
    REQUIRE(parse("driver x\nprogram x\nmatch class 1\nprovide blk0 net*\nconnect console\n"
                  "provide x.y_z-1\nconnect pci* *\n") == 0);
    CHECK(strcmp(M.provide, "blk0 net* x.y_z-1") == 0);
    CHECK_EQ(M.nprovide, 3);
    CHECK(strcmp(M.connect, "console pci* *") == 0);
    CHECK_EQ(M.nconnect, 3);
    /* The same word in both lists is fine: they are separate. */
    REQUIRE(parse("driver x\nprogram x\nmatch class 1\nprovide a\nconnect a\n") == 0);
    CHECK(strcmp(M.provide, "a") == 0 && strcmp(M.connect, "a") == 0);
}

TEST(limits)
{
    static char text[DRVMAN_TEXT_MAX + 64];
    int n = snprintf(text, sizeof text, "driver x\nprogram x\n");
    for (int i = 0; i < DRVMAN_MATCH_MAX; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "match class %d\n", i);
    REQUIRE(parse(text) == 0);
    CHECK_EQ(M.nmatch, DRVMAN_MATCH_MAX);
    snprintf(text + n, sizeof text - (size_t)n, "match class 9\n");
    CHECK(refused(text, "11: too many match lines (at most 8)"));
    memset(text, ' ', sizeof text);
    memcpy(text, "driver x\n", 9);
    CHECK(drvman_parse(text, DRVMAN_TEXT_MAX + 1, &M, E) != 0);
    CHECK(strcmp(E, "0: manifest larger than 16 KiB") == 0);
    CHECK(drvman_parse(text, 600, &M, E) != 0);
    CHECK(strcmp(E, "2: line longer than 512 characters") == 0);
    /* Eight services of 31 characters fill a list exactly; a ninth is refused. */
    n = snprintf(text, sizeof text, "driver x\nprogram x\nmatch class 1\n");
    for (int i = 0; i < DRVMAN_SERVICES_MAX; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "connect %030d\n", i);
    REQUIRE(parse(text) == 0);
    CHECK_EQ(M.nconnect, DRVMAN_SERVICES_MAX);
    CHECK_EQ(strlen(M.connect), DRVMAN_LIST_MAX - 8);
    snprintf(text + n, sizeof text - (size_t)n, "connect x\n");
    CHECK(refused(text, "12: too many services (at most 8 provided, 8 connected to) 'x'"));
    n = snprintf(text, sizeof text, "driver x\nprogram x\nmatch class 1\nprovide");
    for (int i = 0; i < DRVMAN_SERVICES_MAX; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, " a%030d", i);
    REQUIRE(parse(text) == 0);
    CHECK_EQ(strlen(M.provide), DRVMAN_LIST_MAX);
    /* The name's limit: 31 characters. */
    CHECK(parse("driver aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nprogram x\nmatch class 1\n") == 0);
    CHECK(refused("driver aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "1: a driver manifest starts with 'driver NAME'"));
}

int main(void)
{
    return RUN_TESTS();
}
