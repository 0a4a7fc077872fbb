/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Starting a program from an ELF image held in a vmo (a boot module): the
 * user-space side of process creation, shared by init and the proc server.
 *
 * Two steps, so that a parent can prepare a process and decide later what
 * it gets (proc's create / add_handle / start):
 *
 *   spawn_prepare  validates the image with the kernel's own checker
 *                  (kernel/init/elf.c), creates the process, copies each
 *                  segment into a fresh vmo mapped in it and gives it a
 *                  stack. Nothing runs yet.
 *   spawn_start    sends the bootstrap message (abi/bootstrap.h: args, env,
 *                  up to 16 named handles), then the `more` handles 16 to a
 *                  message (BOOTSTRAP_MORE_ARGS), and starts the first
 *                  thread. Every message is queued before the child runs.
 *   spawn_discard  drops a prepared process (an unstarted process dies with
 *                  its last handle).
 *
 * spawn() does both steps. Handles given to spawn_start/spawn are always
 * consumed: moved to the child, or closed when something fails. Failures
 * are reported through `report` (one line: "'NAME': step: ERR_..." or
 * "'NAME': elf: what is wrong"; the caller adds its own prefix) and
 * returned as error codes:
 * ERR_CORRUPT for an image that is not a valid static ELF executable,
 * ERR_OUT_OF_RANGE for args or env too long or too many handles, or the
 * error of the system call that failed.
 *
 * Single-threaded: the functions share static buffers (a bootstrap message
 * is 1.5 KiB and the ELF view 1 KiB: too much for small stacks).
 */
#ifndef CAIRN_SPAWN_H
#define CAIRN_SPAWN_H

#include <stdint.h>

#include "abi/bootstrap.h"
#include "abi/process.h"
#include "cairn/sys.h"

/* Where the child's stack ends, and its size. */
#define SPAWN_STACK_TOP 0x00007fff00000000ull
#define SPAWN_STACK_SIZE (256u * 1024)

/* The quota spawn() gives (and spawn_prepare with quota NULL). A parent can
 * give at most its own quota of each kind (the kernel checks it). */
#define SPAWN_DEFAULT_MEMORY (64ull << 20)
#define SPAWN_DEFAULT_HANDLES 256u
#define SPAWN_DEFAULT_THREADS 64u

/* Extra messages after the bootstrap message: the channel queue holds
 * CHAN_QUEUE_MAX messages, the first is the bootstrap message itself. */
#define SPAWN_MORE_MAX ((CHAN_QUEUE_MAX - 1) * CHAN_MAX_HANDLES)

typedef struct spawn_handle {
    handle_t h;
    char name[BOOTSTRAP_NAME_MAX]; /* what the child asks libsys_handle() for */
} spawn_handle_t;

typedef void (*spawn_report_fn)(const char *msg);

/* A prepared process: its handle (READ MANAGE WAIT DUPLICATE TRANSFER),
 * where its first thread starts and its stack pointer. */
typedef struct spawn_proc {
    handle_t proc;
    char name[PROCESS_NAME_MAX];
    uint64_t entry;
    uint64_t stack;
} spawn_proc_t;

/*
 * Prepares process `name` (<= 31 characters) from the image in vmo `image`
 * (RIGHT_READ and RIGHT_MAP needed) with quota `*quota`, or the default
 * when NULL. On OK, *out is the prepared process; on failure nothing is
 * left behind.
 */
int spawn_prepare(handle_t image, const char *name, const process_quota_t *quota, spawn_proc_t *out,
                  spawn_report_fn report);

/*
 * Starts a prepared process with bootstrap args `args` ("PROGRAM WORD...",
 * < BOOTSTRAP_ARGS_MAX bytes) and environment `env` ("NAME=VALUE" lines
 * separated by '\n', < BOOTSTRAP_ENV_MAX bytes; NULL for none). hs[0..nh)
 * (nh <= CHAN_MAX_HANDLES) go with the bootstrap message, more[0..nmore)
 * (nmore <= SPAWN_MORE_MAX) in the messages after it; all are consumed.
 * On OK the process runs and sp->proc is still the caller's handle to it.
 * On failure the process has not run and sp->proc is still held: drop it
 * with spawn_discard (a process may be started only once).
 */
int spawn_start(spawn_proc_t *sp, const char *args, const char *env, const spawn_handle_t *hs, uint32_t nh,
                const spawn_handle_t *more, uint32_t nmore, spawn_report_fn report);

/* Closes sp->proc; an unstarted process ends with it. */
void spawn_discard(spawn_proc_t *sp);

/*
 * spawn_prepare with the default quota, then spawn_start. On OK *proc is
 * the running process; on failure nothing is left and every handle of hs
 * and more has been closed.
 */
int spawn(handle_t image, const char *name, const char *args, const char *env, const spawn_handle_t *hs,
          uint32_t nh, const spawn_handle_t *more, uint32_t nmore, handle_t *proc, spawn_report_fn report);

#endif
