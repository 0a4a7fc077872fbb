/*
 * System call numbers. The table is an X-macro so the kernel's dispatch
 * table, the user stubs and the names used in traces come from one list:
 *     X(number, name, argument count)
 * Calling convention (x86_64 `syscall`): number in RAX, arguments in RDI,
 * RSI, RDX, R10, R8, R9; result in RAX: >= 0 success (a value or OK), < 0
 * an error from abi/errors.h. Each call is documented in docs/syscalls.md.
 * Numbers are stable ABI: append, never renumber.
 */
#ifndef ABI_SYSCALLS_H
#define ABI_SYSCALLS_H

#define CAIRN_SYSCALLS(X)                                                      \
    X(0, null, 0)                                                              \
    X(1, debug_write, 2)                                                       \
    X(2, clock_get, 0)                                                         \
    X(3, handle_close, 1)                                                      \
    X(4, handle_dup, 3)                                                        \
    X(5, handle_info, 2)                                                       \
    X(6, handle_revoke, 1)                                                     \
    X(7, process_exit, 1)                                                      \
    X(8, thread_yield, 0)                                                      \
    X(9, thread_sleep, 1)                                                      \
    X(10, vmo_create, 3)                                                       \
    X(11, vmo_read, 4)                                                         \
    X(12, vmo_write, 4)                                                        \
    X(13, vm_map, 6)                                                           \
    X(14, vm_unmap, 3)                                                         \
    X(15, vm_protect, 4)                                                       \
    X(16, chan_create, 2)                                                      \
    X(17, chan_write, 5)                                                       \
    X(18, chan_read, 6)                                                        \
    X(19, chan_call, 6)                                                        \
    X(20, object_wait, 4)                                                      \
    X(21, process_create, 3)                                                   \
    X(22, process_start, 4)                                                    \
    X(23, process_kill, 1)                                                     \
    X(24, thread_create, 5)                                                    \
    X(25, thread_exit, 1)                                                      \
    X(26, thread_set_fs, 1)                                                    \
    X(27, process_info, 2)                                                     \
    X(28, vmo_get_size, 2)                                                     \
    X(29, port_create, 1)                                                      \
    X(30, port_bind, 4)                                                        \
    X(31, port_unbind, 3)                                                      \
    X(32, port_wait, 3)                                                        \
    X(33, port_queue, 3)                                                       \
    X(34, timer_create, 1)                                                     \
    X(35, timer_set, 3)                                                        \
    X(36, timer_cancel, 1)                                                     \
    X(37, resource_derive, 5)                                                  \
    X(38, resource_info, 2)                                                    \
    X(39, irq_create, 4)                                                       \
    X(40, irq_ack, 1)                                                          \
    X(41, ioport_create, 4)                                                    \
    X(42, vmo_create_contiguous, 3)                                            \
    X(43, vmo_get_phys, 2)                                                     \
    X(44, log_read, 4)                                                         \
    X(45, log_console, 2)                                                      \
    X(46, process_handle_info, 3)                                              \
    X(47, system_info, 1)                                                      \
    X(48, vmo_create_physical, 5)                                              \
    X(49, msi_create, 5)                                                       \
    X(50, irq_mask, 2)                                                         \
    X(51, chan_reply_read, 3)                                                  \
    X(52, vmo_info, 2)

enum syscall_number {
#define CAIRN_SYSCALL_ENUM(num, name, nargs) SYS_##name = (num),
    CAIRN_SYSCALLS(CAIRN_SYSCALL_ENUM)
#undef CAIRN_SYSCALL_ENUM
    SYS_COUNT
};

#endif
