/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Starting a program from an ELF image held in a vmo (a boot module): the
 * user-space side of process creation, as init does it. spawn() validates
 * the image with the kernel's own checker (kernel/init/elf.c), copies each
 * segment into a fresh vmo mapped in the child, gives it a stack, sends the
 * bootstrap message (abi/bootstrap.h) with the arguments and named handles,
 * and starts its first thread. The handles are moved to the child whether
 * or not the spawn succeeds (on failure they are closed).
 */
#ifndef INIT_SPAWN_H
#define INIT_SPAWN_H

#include <stdint.h>

#include "abi/bootstrap.h"
#include "cairn/sys.h"

typedef struct spawn_handle {
    handle_t h;
    char name[BOOTSTRAP_NAME_MAX];
} spawn_handle_t;

/*
 * Starts `name` (the process name, <= 31 chars) from the image in `image`
 * with bootstrap args `args` ("PROGRAM WORD..."). hs[0..nh) (nh <=
 * CHAN_MAX_HANDLES) are sent with the message and no longer the caller's.
 * On OK, *proc is the new process. Failures are reported through `report`.
 */
int spawn(handle_t image, const char *name, const char *args, spawn_handle_t *hs, uint32_t nh,
          handle_t *proc, void (*report)(const char *msg));

#endif
