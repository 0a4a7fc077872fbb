/*
 * System call wrappers for programs: one static inline function per call in
 * abi/syscalls.h, with the types the kernel expects. Each returns what the
 * kernel returned: >= 0 success, < 0 an error from abi/errors.h.
 * docs/syscalls.md describes every call.
 */
#ifndef CAIRN_SYS_H
#define CAIRN_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "abi/bootstrap.h"
#include "abi/channel.h"
#include "abi/errors.h"
#include "abi/handle.h"
#include "abi/port.h"
#include "abi/process.h"
#include "abi/resource.h"
#include "abi/syscalls.h"
#include "abi/sysinfo.h"

/* vm_map flags and vmo_create flags (the kernel's mm/aspace.h, obj/vmo.h). */
#define MAP_READ (1u << 0)
#define MAP_WRITE (1u << 1)
#define MAP_EXEC (1u << 2)
#define MAP_FIXED (1u << 3)
#define VMO_CONTIGUOUS 1u
#define DEADLINE_INFINITE UINT64_MAX

static inline int64_t syscall6(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                               uint64_t a5)
{
    int64_t ret;
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

#define SC(n, ...) syscall6(n, ##__VA_ARGS__)
#define U(x) ((uint64_t)(uintptr_t)(x))

static inline int64_t sys_null(void) { return syscall6(SYS_null, 0, 0, 0, 0, 0, 0); }
static inline int64_t sys_debug_write(const char *s, size_t n) { return syscall6(SYS_debug_write, U(s), n, 0, 0, 0, 0); }
static inline int64_t sys_clock_get(void) { return syscall6(SYS_clock_get, 0, 0, 0, 0, 0, 0); }
static inline int64_t sys_handle_close(handle_t h) { return syscall6(SYS_handle_close, h, 0, 0, 0, 0, 0); }
static inline int64_t sys_handle_dup(handle_t h, uint32_t rights, handle_t *out)
{
    return syscall6(SYS_handle_dup, h, rights, U(out), 0, 0, 0);
}
static inline int64_t sys_handle_info(handle_t h, handle_info_t *out) { return syscall6(SYS_handle_info, h, U(out), 0, 0, 0, 0); }
static inline int64_t sys_handle_revoke(handle_t h) { return syscall6(SYS_handle_revoke, h, 0, 0, 0, 0, 0); }
static inline int64_t sys_process_exit(int code) { return syscall6(SYS_process_exit, (uint64_t)(int64_t)code, 0, 0, 0, 0, 0); }
static inline int64_t sys_thread_yield(void) { return syscall6(SYS_thread_yield, 0, 0, 0, 0, 0, 0); }
static inline int64_t sys_thread_sleep(uint64_t deadline) { return syscall6(SYS_thread_sleep, deadline, 0, 0, 0, 0, 0); }
static inline int64_t sys_vmo_create(uint64_t size, uint32_t flags, handle_t *out)
{
    return syscall6(SYS_vmo_create, size, flags, U(out), 0, 0, 0);
}
static inline int64_t sys_vmo_read(handle_t h, void *buf, uint64_t off, uint64_t len)
{
    return syscall6(SYS_vmo_read, h, U(buf), off, len, 0, 0);
}
static inline int64_t sys_vmo_write(handle_t h, const void *buf, uint64_t off, uint64_t len)
{
    return syscall6(SYS_vmo_write, h, U(buf), off, len, 0, 0);
}
static inline int64_t sys_vmo_get_size(handle_t h, uint64_t *size)
{
    return syscall6(SYS_vmo_get_size, h, U(size), 0, 0, 0, 0);
}
static inline int64_t sys_vm_map(handle_t proc, handle_t vmo, uint64_t off, uint64_t len, uint32_t flags, uint64_t *addr)
{
    return syscall6(SYS_vm_map, proc, vmo, off, len, flags, U(addr));
}
static inline int64_t sys_vm_unmap(handle_t proc, uint64_t addr, uint64_t len)
{
    return syscall6(SYS_vm_unmap, proc, addr, len, 0, 0, 0);
}
static inline int64_t sys_vm_protect(handle_t proc, uint64_t addr, uint64_t len, uint32_t flags)
{
    return syscall6(SYS_vm_protect, proc, addr, len, flags, 0, 0);
}
static inline int64_t sys_chan_create(handle_t *a, handle_t *b) { return syscall6(SYS_chan_create, U(a), U(b), 0, 0, 0, 0); }
static inline int64_t sys_chan_write(handle_t h, const void *bytes, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    return syscall6(SYS_chan_write, h, U(bytes), nbytes, U(hs), nh, 0);
}
static inline int64_t sys_chan_read(handle_t h, void *bytes, handle_t *hs, chan_sizes_t *sizes)
{
    return syscall6(SYS_chan_read, h, U(bytes), U(hs), U(sizes), 0, 0);
}
/* chan_read that waits for a message until `deadline` (docs/syscalls.md). */
static inline int64_t sys_chan_recv(handle_t h, void *bytes, handle_t *hs, chan_sizes_t *sizes, uint64_t deadline)
{
    return syscall6(SYS_chan_read, h, U(bytes), U(hs), U(sizes), deadline, 0);
}
static inline int64_t sys_chan_call(handle_t h, const chan_call_args_t *args, uint64_t deadline)
{
    return syscall6(SYS_chan_call, h, U(args), deadline, 0, 0, 0);
}
/* A server's reply and its next read in one call (docs/syscalls.md):
 * args->wr_* is the reply, args->rd_* receives the next message, and
 * args->rd_num_bytes/rd_num_handles come back as its sizes. */
static inline int64_t sys_vmo_info(handle_t h, vmo_info_t *out) { return syscall6(SYS_vmo_info, h, U(out), 0, 0, 0, 0); }
static inline int64_t sys_chan_reply_read(handle_t h, chan_call_args_t *args, uint64_t deadline)
{
    return syscall6(SYS_chan_reply_read, h, U(args), deadline, 0, 0, 0);
}
static inline int64_t sys_object_wait(handle_t h, uint32_t signals, uint64_t deadline, uint32_t *observed)
{
    return syscall6(SYS_object_wait, h, signals, deadline, U(observed), 0, 0);
}
static inline int64_t sys_process_create(const char *name, const process_quota_t *q, handle_t *out)
{
    return syscall6(SYS_process_create, U(name), U(q), U(out), 0, 0, 0);
}
static inline int64_t sys_process_start(handle_t proc, uint64_t entry, uint64_t stack, handle_t arg)
{
    return syscall6(SYS_process_start, proc, entry, stack, arg, 0, 0);
}
static inline int64_t sys_process_kill(handle_t proc) { return syscall6(SYS_process_kill, proc, 0, 0, 0, 0, 0); }
static inline int64_t sys_process_info(handle_t proc, process_info_t *out)
{
    return syscall6(SYS_process_info, proc, U(out), 0, 0, 0, 0);
}
static inline int64_t sys_thread_create(handle_t proc, uint64_t entry, uint64_t stack, uint64_t arg, handle_t *out)
{
    return syscall6(SYS_thread_create, proc, entry, stack, arg, U(out), 0);
}
static inline int64_t sys_thread_exit(int code) { return syscall6(SYS_thread_exit, (uint64_t)(int64_t)code, 0, 0, 0, 0, 0); }
static inline int64_t sys_thread_set_fs(uint64_t base) { return syscall6(SYS_thread_set_fs, base, 0, 0, 0, 0, 0); }

static inline int64_t sys_port_create(handle_t *out) { return syscall6(SYS_port_create, U(out), 0, 0, 0, 0, 0); }
static inline int64_t sys_port_bind(handle_t port, handle_t obj, uint64_t key, uint32_t signals)
{
    return syscall6(SYS_port_bind, port, obj, key, signals, 0, 0);
}
static inline int64_t sys_port_unbind(handle_t port, handle_t obj, uint64_t key)
{
    return syscall6(SYS_port_unbind, port, obj, key, 0, 0, 0);
}
static inline int64_t sys_port_wait(handle_t port, uint64_t deadline, port_packet_t *out)
{
    return syscall6(SYS_port_wait, port, deadline, U(out), 0, 0, 0);
}
static inline int64_t sys_port_queue(handle_t port, uint64_t key, const uint64_t data[2])
{
    return syscall6(SYS_port_queue, port, key, U(data), 0, 0, 0);
}
static inline int64_t sys_timer_create(handle_t *out) { return syscall6(SYS_timer_create, U(out), 0, 0, 0, 0, 0); }
static inline int64_t sys_timer_set(handle_t t, uint64_t deadline, uint64_t period)
{
    return syscall6(SYS_timer_set, t, deadline, period, 0, 0, 0);
}
static inline int64_t sys_timer_cancel(handle_t t) { return syscall6(SYS_timer_cancel, t, 0, 0, 0, 0, 0); }
static inline int64_t sys_resource_derive(handle_t parent, uint32_t kind, uint64_t base, uint64_t len, handle_t *out)
{
    return syscall6(SYS_resource_derive, parent, kind, base, len, U(out), 0);
}
static inline int64_t sys_resource_info(handle_t r, resource_info_t *out)
{
    return syscall6(SYS_resource_info, r, U(out), 0, 0, 0, 0);
}
static inline int64_t sys_irq_create(handle_t res, uint32_t num, uint32_t flags, handle_t *out)
{
    return syscall6(SYS_irq_create, res, num, flags, U(out), 0, 0);
}
static inline int64_t sys_irq_ack(handle_t irq) { return syscall6(SYS_irq_ack, irq, 0, 0, 0, 0, 0); }
static inline int64_t sys_ioport_create(handle_t res, uint32_t base, uint32_t len, handle_t *out)
{
    return syscall6(SYS_ioport_create, res, base, len, U(out), 0, 0);
}

static inline int64_t sys_vmo_create_contiguous(handle_t dma, uint64_t size, handle_t *out)
{
    return syscall6(SYS_vmo_create_contiguous, dma, size, U(out), 0, 0, 0);
}
static inline int64_t sys_vmo_get_phys(handle_t vmo, uint64_t *pa)
{
    return syscall6(SYS_vmo_get_phys, vmo, U(pa), 0, 0, 0, 0);
}

static inline int64_t sys_log_read(handle_t log, uint64_t *seq, void *buf, uint32_t cap)
{
    return syscall6(SYS_log_read, log, U(seq), U(buf), cap, 0, 0);
}
static inline int64_t sys_log_console(handle_t log, int on) { return syscall6(SYS_log_console, log, (uint64_t)on, 0, 0, 0, 0); }

/* Returns the next cursor (> 0) or an error; see docs/syscalls.md. */
static inline int64_t sys_process_handle_info(handle_t proc, uint32_t cursor, process_handle_info_t *out)
{
    return syscall6(SYS_process_handle_info, proc, cursor, U(out), 0, 0, 0);
}
static inline int64_t sys_system_info(system_info_t *out) { return syscall6(SYS_system_info, U(out), 0, 0, 0, 0, 0); }

/* cache: enum vmo_cache (abi/resource.h). */
static inline int64_t sys_vmo_create_physical(handle_t mmio, uint64_t paddr, uint64_t size, uint32_t cache, handle_t *out)
{
    return syscall6(SYS_vmo_create_physical, mmio, paddr, size, cache, U(out), 0);
}
/* cpu: the CPU (0 .. count-1, system_info) the interrupt is delivered to. */
static inline int64_t sys_msi_create(handle_t msi, uint32_t num, handle_t *out, msi_msg_t *msg, uint32_t cpu)
{
    return syscall6(SYS_msi_create, msi, num, U(out), U(msg), cpu, 0);
}
static inline int64_t sys_irq_mask(handle_t irq, int masked) { return syscall6(SYS_irq_mask, irq, (uint64_t)masked, 0, 0, 0, 0); }

#undef SC
#undef U

#endif
