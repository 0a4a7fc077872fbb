/*
 * The libsys runtime for picolibc programs (the libsys_rt library): what a
 * program gets besides the C library. docs/libsys.md describes the whole
 * start-up; in short, before main(argc, argv) runs:
 *   - the bootstrap message has been read: argv is its args split at white
 *     space, environ its env split at newlines (getenv works), and the
 *     handles it carried are kept by name (libsys_handle);
 *   - the main thread has its TLS block (errno is thread-local);
 *   - malloc works (the heap grows in vmos, see LIBSYS_HEAP_*);
 *   - stdin, stdout and stderr use the console session "stdio" if the
 *     message carried one (cairn/streams.h); otherwise stdout and stderr
 *     go to the kernel log a line at a time and stdin reads end of file;
 *   - constructors have run; exit() runs atexit handlers and flushes stdio.
 */
#ifndef CAIRN_RUNTIME_H
#define CAIRN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "abi/handle.h"

/* ---- bootstrap handles ----------------------------------------------- */

/* Handles a program can receive at start: the bootstrap message's 16 and
 * those of the BOOTSTRAP_MORE_ARGS messages after it (abi/bootstrap.h). */
#define LIBSYS_HANDLES_MAX 256u

/* The handle the bootstrap message carried under `name`, or HANDLE_INVALID
 * when there is none (or it was taken). The runtime keeps owning it. */
handle_t libsys_handle(const char *name);

/* As libsys_handle, but the caller becomes the owner: the entry is removed,
 * so later look-ups of `name` find the next handle of that name, if any. */
handle_t libsys_handle_take(const char *name);

/* Number of handle entries still held (taken ones excluded), and entry i of
 * them in message order: its handle, and its name in *name if name is not
 * NULL. HANDLE_INVALID for i out of range. */
size_t libsys_handle_count(void);
handle_t libsys_handle_at(size_t i, const char **name);

/* Takes entry i (as libsys_handle_take, for names that repeat: a program
 * may get a channel and a boot module of the same name). */
handle_t libsys_handle_take_at(size_t i);

/* The bootstrap channel itself (RDI at _start); the parent may send more
 * on it. The runtime does not close it. */
handle_t libsys_bootstrap_channel(void);

/* ---- thread-local storage -------------------------------------------- */

/* Bytes (and alignment of the start) a thread's TLS area needs: the
 * program's PT_TLS block followed by the thread control block. */
size_t libsys_tls_size(void);
size_t libsys_tls_align(void);

/* Lays out a TLS area in `mem` (libsys_tls_size() bytes aligned to
 * libsys_tls_align()): copies the .tdata image, zeroes .tbss, fills the
 * control block. Returns the thread pointer, which the thread that is to
 * use it passes to sys_thread_set_fs. The main thread's is done at start. */
void *libsys_tls_init(void *mem);

/* ---- heap ------------------------------------------------------------ */

/* The heap is [LIBSYS_HEAP_BASE, LIBSYS_HEAP_BASE + LIBSYS_HEAP_MAX): sbrk
 * maps vmos there as it grows (at least LIBSYS_HEAP_CHUNK at a time) and
 * fails with ENOMEM past the end, or when the memory quota is reached. The
 * base is far above where mappings without MAP_FIXED are placed. */
#define LIBSYS_HEAP_BASE 0x0000100000000000ull
#define LIBSYS_HEAP_MAX (1ull << 30)
#define LIBSYS_HEAP_CHUNK (256u * 1024)

/* Bytes handed out by sbrk so far, and bytes of vmo memory mapped for
 * them (a multiple of the page size, >= used). */
void libsys_heap_stats(size_t *used, size_t *mapped);

/* ---- errors and time --------------------------------------------------- */

/* The errno value closest to a Cairn error code (abi/errors.h); 0 for OK. */
int libsys_errno(int err);

/* The monotonic clock in nanoseconds since the kernel started. */
uint64_t libsys_now_ns(void);

/* picolibc only names CLOCK_MONOTONIC on some systems; clock_gettime takes
 * Linux's value. Cairn has no wall clock yet: CLOCK_REALTIME (and
 * gettimeofday, time) count from boot as well. */
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC 4
#endif

#endif
