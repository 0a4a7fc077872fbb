/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * crasher: says so and dereferences NULL, so the kernel ends it with
 * PROCESS_FAULTED. tests/qemu/init.test runs it under init with
 * `restart on-failure ... limit 3` to exercise restart, back-off and the
 * limit.
 */
#include <stdio.h>

int main(void)
{
    printf("crasher: about to fault\n");
    fflush(stdout);
    volatile int *p = (volatile int *)0;
    return *p;
}
