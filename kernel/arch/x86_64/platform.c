/* SPDX-License-Identifier: BSD-2-Clause
 *
 * isa-debug-exit, for test runs only. Writing to a port where no device
 * sits is harmless, but outside test mode we do not even try: a user's
 * machine must not power off because the kernel finished a self-test.
 */
#include "arch/platform.h"
#include "arch/cpu.h"

#define DEBUG_EXIT_PORT 0xf4

static bool test_mode;

void platform_set_test_mode(bool on)
{
    test_mode = on;
}

bool platform_test_mode(void)
{
    return test_mode;
}

void platform_test_exit(enum test_exit_code code)
{
    if (test_mode)
        outl(DEBUG_EXIT_PORT, code);
}
