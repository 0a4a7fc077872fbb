/*
 * The kernel command line: space-separated words, each `key` or
 * `key=value`. Known keys:
 *   loglevel=debug|info|warn|error   console log threshold (default info)
 *   test                             test run: report results through
 *                                    isa-debug-exit and exit QEMU when done
 *   ktest=all|NAME[,NAME...]         run kernel self-tests at boot
 *   init=NAME                        the boot module to start as the first
 *                                    process (default: the one named init)
 * Unknown words are logged and ignored, so a typo is visible.
 */
#ifndef INIT_CMDLINE_H
#define INIT_CMDLINE_H

#include "types.h"

#define CMDLINE_MAX 1024

void cmdline_init(const char *text);
const char *cmdline_text(void);
/* Value of key=value (NULL when absent; "" for a bare `key`). */
const char *cmdline_get(const char *key);
bool cmdline_has(const char *key);
/* True when `name` is in a comma-separated list. */
bool cmdline_list_contains(const char *list, const char *name);

#endif
