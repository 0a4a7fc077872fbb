/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The blk tool's pieces (servers/blk): the commands in main.c, the
 * benchmark in bench.c.
 */
#ifndef BLKTOOL_H
#define BLKTOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/blk.h"

/* Prints "blk: WHAT DEV: ERROR (text)" on stderr; returns 1. */
int blk_tool_error(const char *what, const char *dev, int err);

/* blk_open, saying why not on stderr. */
int blk_tool_open(const char *dev, const blk_config_t *cfg, blk_t **b);

/* A decimal or 0x number, nothing after it. */
bool blk_tool_number(const char *s, uint64_t *out);

/* blk bench DEV [MS]. */
int blk_tool_bench(const char *dev, const char *ms);

#endif
