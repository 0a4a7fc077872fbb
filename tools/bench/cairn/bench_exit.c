/* SPDX-License-Identifier: BSD-2-Clause
 *
 * bench_exit: the smallest program the process_spawn_exit case can start
 * (libsys's minimal start-up, no C library): it exits with status 0 at
 * once, without reading its bootstrap message.
 */
#include "cairn/sys.h"

int main(handle_t bootstrap)
{
    (void)bootstrap;
    return 0;
}
