/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The minimal start-up for programs until the full runtime (picolibc,
 * heap, stdio) lands: call main with the bootstrap handle and end the
 * process with its return value.
 */
#include "cairn/sys.h"

int main(handle_t bootstrap);
void libsys_start(handle_t bootstrap) __attribute__((noreturn));

void libsys_start(handle_t bootstrap)
{
    int status = main(bootstrap);
    sys_process_exit(status);
    for (;;)
        __asm__ volatile("ud2");
}
