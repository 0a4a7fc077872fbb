/* SPDX-License-Identifier: BSD-2-Clause
 *
 * blk: the block-device tool, a program the shell runs (boot module "blk",
 * docs/block.md). A client of cairn/blk.h:
 *
 *     blk list                          the devices ns knows ("blk.*")
 *     blk info DEV                      what the device says about itself
 *     blk read DEV LBA [COUNT]          hex dump of COUNT blocks (1)
 *     blk write DEV LBA PATTERN [COUNT] fill COUNT blocks (1) with PATTERN:
 *                                       0xHEX... as bytes, else the text
 *     blk flush DEV
 *     blk bench DEV [MS]                4 KiB random reads at depth 1 and
 *                                       32, sequential reads and writes;
 *                                       each phase MS long (1000)
 *
 * Exit status: 0 done; 1 the device refused or failed (the error on
 * stderr); 2 a bad command line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blktool.h"
#include "cairn/errors.h"

#define DUMP_MAX_BYTES (64u * 1024) /* blk read prints at most this much */

static int usage(void)
{
    fprintf(stderr, "usage: blk list | info DEV | read DEV LBA [COUNT] | write DEV LBA PATTERN [COUNT] |\n"
                    "       flush DEV | bench DEV [MS]\n");
    return 2;
}

int blk_tool_error(const char *what, const char *dev, int err)
{
    fprintf(stderr, "blk: %s %s: %s (%s)\n", what, dev, cairn_error_name(err), cairn_strerror(err));
    return 1;
}

int blk_tool_open(const char *dev, const blk_config_t *cfg, blk_t **b)
{
    int err = blk_open(dev, cfg, b);
    if (err == ERR_TIMED_OUT)
        fprintf(stderr, "blk: no device '%s' (nothing publishes 'blk.%s'; see blk list)\n", dev, dev);
    else if (err != OK)
        blk_tool_error("open", dev, err);
    return err;
}

bool blk_tool_number(const char *s, uint64_t *out)
{
    char *end;
    if (s[0] == '-' || s[0] == '\0')
        return false;
    *out = strtoull(s, &end, 0);
    return *end == '\0';
}

static void size_text(uint64_t bytes, char *buf, size_t cap)
{
    if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
        snprintf(buf, cap, "%llu GiB", (unsigned long long)(bytes >> 30));
    else if (bytes >= (1ull << 20))
        snprintf(buf, cap, "%llu MiB", (unsigned long long)(bytes >> 20));
    else
        snprintf(buf, cap, "%llu KiB", (unsigned long long)(bytes >> 10));
}

static int cmd_list(void)
{
    uint32_t cursor = 0, n = 0;
    char name[BLK_NAME_MAX + 1];
    int err;
    printf("%-12s %12s %6s %10s  %s\n", "device", "blocks", "bsize", "size", "model");
    while ((err = blk_list(&cursor, name)) == OK) {
        blk_t *b;
        blk_config_t cfg = {.data_bytes = 4096, .entries = 1, .wait_ns = 2000000000ull}; /* listed: it exists; a slow machine still answers */
        n++;
        if (blk_open(name, &cfg, &b) != OK) {
            printf("%-12s %12s %6s %10s  %s\n", name, "-", "-", "-", "(not answering)");
            continue;
        }
        blk_info_t in;
        char size[24];
        blk_info(b, &in);
        size_text(in.block_count * in.block_size, size, sizeof size);
        printf("%-12s %12llu %6u %10s  %s%s\n", name, (unsigned long long)in.block_count, in.block_size, size,
               in.model, in.flags & BLK_INFO_READ_ONLY ? " (read-only)" : "");
        blk_close(b);
    }
    if (err != ERR_NOT_FOUND)
        return blk_tool_error("list", "(ns)", err);
    if (n == 0)
        printf("(no block devices)\n");
    return 0;
}

static int cmd_info(const char *dev)
{
    blk_t *b;
    blk_info_t in;
    char size[24];
    blk_config_t cfg = {.data_bytes = 4096, .entries = 1};
    if (blk_tool_open(dev, &cfg, &b) != OK)
        return 1;
    blk_info(b, &in);
    size_text(in.block_count * in.block_size, size, sizeof size);
    printf("%s: %llu blocks of %u bytes (%s)\n", in.name, (unsigned long long)in.block_count, in.block_size, size);
    printf("  model        %s\n", in.model[0] ? in.model : "-");
    printf("  serial       %s\n", in.serial[0] ? in.serial : "-");
    printf("  max transfer %u bytes\n", in.max_transfer);
    printf("  queues       %u, depth %u\n", in.queues, in.queue_depth);
    printf("  features    %s%s%s\n", in.flags & BLK_INFO_READ_ONLY ? " read-only" : " read-write",
           in.flags & BLK_INFO_FLUSH ? " write-cache" : "", in.flags & BLK_INFO_DISCARD ? " discard" : "");
    blk_close(b);
    return 0;
}

/* hexdump -C's shape; a run of equal lines is one "*". */
static void dump(const uint8_t *p, uint64_t n, uint64_t base)
{
    bool starred = false;
    for (uint64_t off = 0; off < n; off += 16) {
        if (off > 0 && off + 16 <= n && memcmp(p + off, p + off - 16, 16) == 0) {
            if (!starred)
                printf("*\n");
            starred = true;
            continue;
        }
        starred = false;
        printf("%08llx ", (unsigned long long)(base + off));
        for (unsigned i = 0; i < 16; i++)
            printf("%s%02x", i == 8 ? "  " : " ", p[off + i]);
        printf("  |");
        for (unsigned i = 0; i < 16; i++)
            putchar(p[off + i] >= 0x20 && p[off + i] < 0x7f ? p[off + i] : '.');
        printf("|\n");
    }
    printf("%08llx\n", (unsigned long long)(base + n));
}

static int cmd_read(const char *dev, const char *lba_s, const char *count_s)
{
    uint64_t lba, count = 1;
    blk_t *b;
    blk_info_t in;
    if (!blk_tool_number(lba_s, &lba) || (count_s && (!blk_tool_number(count_s, &count) || count == 0)))
        return usage();
    if (blk_tool_open(dev, NULL, &b) != OK)
        return 1;
    blk_info(b, &in);
    if (count * in.block_size > DUMP_MAX_BYTES) {
        fprintf(stderr, "blk: read prints at most %u bytes (%llu blocks)\n", DUMP_MAX_BYTES,
                (unsigned long long)(DUMP_MAX_BYTES / in.block_size));
        blk_close(b);
        return 2;
    }
    uint8_t *buf = malloc(count * in.block_size);
    int err = buf ? blk_read(b, lba, (uint32_t)count, buf) : ERR_NO_MEMORY;
    if (err == OK)
        dump(buf, count * in.block_size, lba * in.block_size);
    free(buf);
    blk_close(b);
    return err == OK ? 0 : blk_tool_error("read", dev, err);
}

/* PATTERN as bytes: "0x" and hex digits (whole bytes), else the text. */
static int pattern_bytes(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    *n = 0;
    if (strncmp(s, "0x", 2) != 0) {
        *n = strlen(s) < cap ? strlen(s) : cap;
        memcpy(out, s, *n);
        return *n > 0 ? OK : ERR_INVALID_ARGS;
    }
    s += 2;
    size_t len = strlen(s);
    if (len == 0 || len % 2 != 0 || len / 2 > cap)
        return ERR_INVALID_ARGS;
    for (size_t i = 0; i < len; i += 2) {
        char hex[3] = {s[i], s[i + 1], 0}, *end;
        unsigned long v = strtoul(hex, &end, 16);
        if (*end != '\0')
            return ERR_INVALID_ARGS;
        out[(*n)++] = (uint8_t)v;
    }
    return OK;
}

static int cmd_write(const char *dev, const char *lba_s, const char *pat_s, const char *count_s)
{
    uint64_t lba, count = 1;
    uint8_t pat[256];
    size_t plen;
    blk_t *b;
    blk_info_t in;
    if (!blk_tool_number(lba_s, &lba) || (count_s && (!blk_tool_number(count_s, &count) || count == 0)) ||
        pattern_bytes(pat_s, pat, sizeof pat, &plen) != OK || count > UINT32_MAX)
        return usage();
    if (blk_tool_open(dev, NULL, &b) != OK)
        return 1;
    blk_info(b, &in);
    uint64_t bytes = count * in.block_size;
    uint8_t *buf = bytes <= (64ull << 20) ? malloc(bytes) : NULL;
    int err = buf ? OK : ERR_NO_MEMORY;
    if (err == OK) {
        for (uint64_t i = 0; i < bytes; i++)
            buf[i] = pat[i % plen];
        err = blk_write(b, lba, (uint32_t)count, buf);
    }
    if (err == OK)
        printf("%s: wrote %llu block%s at %llu\n", dev, (unsigned long long)count, count == 1 ? "" : "s",
               (unsigned long long)lba);
    free(buf);
    blk_close(b);
    return err == OK ? 0 : blk_tool_error("write", dev, err);
}

static int cmd_flush(const char *dev)
{
    blk_t *b;
    blk_config_t cfg = {.data_bytes = 4096, .entries = 1};
    if (blk_tool_open(dev, &cfg, &b) != OK)
        return 1;
    int err = blk_flush(b);
    blk_close(b);
    if (err != OK)
        return blk_tool_error("flush", dev, err);
    printf("%s: flushed\n", dev);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0 && argc == 2)
        return cmd_list();
    if (strcmp(cmd, "info") == 0 && argc == 3)
        return cmd_info(argv[2]);
    if (strcmp(cmd, "read") == 0 && (argc == 4 || argc == 5))
        return cmd_read(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (strcmp(cmd, "write") == 0 && (argc == 5 || argc == 6))
        return cmd_write(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    if (strcmp(cmd, "flush") == 0 && argc == 3)
        return cmd_flush(argv[2]);
    if (strcmp(cmd, "bench") == 0 && (argc == 3 || argc == 4))
        return blk_tool_bench(argv[2], argc == 4 ? argv[3] : NULL);
    return usage();
}
