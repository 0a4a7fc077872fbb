/*
 * Test harness hook: QEMU's isa-debug-exit device (iobase 0xf4) ends the
 * emulator with status (value << 1) | 1. Only used when the kernel command
 * line contains `test`; the runner (tools/testrun.py) maps the codes below.
 */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include "types.h"

enum test_exit_code {
    TEST_EXIT_PASS = 0x10,  /* QEMU exits with 33 */
    TEST_EXIT_FAIL = 0x11,  /* 35 */
    TEST_EXIT_PANIC = 0x12, /* 37 */
};

void platform_set_test_mode(bool on);
bool platform_test_mode(void);
void platform_test_exit(enum test_exit_code code);

#endif
