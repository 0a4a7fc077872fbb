/* SPDX-License-Identifier: BSD-2-Clause
 *
 * bench_exit for Linux: the smallest static program posix_spawn can start
 * (no C library; built with -nostdlib): exit_group(0) at once. The twin
 * of tools/bench/cairn/bench_exit.c.
 */
void _start(void)
{
    __asm__ volatile("mov $231, %eax\n\t" /* SYS_exit_group */
                     "xor %edi, %edi\n\t"
                     "syscall\n\t"
                     "hlt");
}
