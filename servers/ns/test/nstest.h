/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the two files of nstest share: the verdict lines and a few helpers
 * (nstest.c), and the checks of what init gives a component (initside.c).
 */
#ifndef NSTEST_H
#define NSTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/handle.h"
#include "ns.h"

#define MS 1000000ull

extern handle_t ns; /* the session init attached */

uint64_t soon(uint64_t ms);
__attribute__((format(printf, 3, 4))) void verdict(const char *what, bool ok, const char *fmt, ...);
void expect(const char *what, int got, int want);
bool listed(handle_t s, const char *name, ns_list_result_t *out);

/* initside.c: `module *`, and the adopt events init sends "proc". */
extern uint64_t own_pid; /* nstest's pid, from its adopt event */
void test_modules(void);
void test_adopt_start(void);
void test_adopt_restart(void);

#endif
