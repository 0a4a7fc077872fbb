/*
 * The bootstrap message: the first message a process finds on the channel
 * whose handle it receives in RDI at start. The kernel sends one to init;
 * a parent sends one to each child it starts. Handles travel with the
 * message; handle_names[i] names handles[i].
 *
 * Version 2 added env: the environment, "NAME=VALUE" entries separated by
 * '\n' and ended by a NUL (empty for init: the kernel has none to give).
 */
#ifndef ABI_BOOTSTRAP_H
#define ABI_BOOTSTRAP_H

#include <stdint.h>
#include "abi/channel.h"

#define BOOTSTRAP_MAGIC 0x74736f62u /* "bost" */
#define BOOTSTRAP_VERSION 2u
#define BOOTSTRAP_NAME_MAX 32u
#define BOOTSTRAP_ARGS_MAX 512u
#define BOOTSTRAP_ENV_MAX 512u

typedef struct bootstrap_msg {
    uint32_t magic;
    uint32_t version;
    uint32_t nhandles;
    uint32_t reserved;
    char args[BOOTSTRAP_ARGS_MAX];        /* command line, NUL-terminated */
    char env[BOOTSTRAP_ENV_MAX];          /* "NAME=VALUE\n...", NUL-terminated */
    char handle_names[CHAN_MAX_HANDLES][BOOTSTRAP_NAME_MAX];
} bootstrap_msg_t;

/* More handles than one message holds (`module *` in the manifest: every
 * boot module; the kernel's message to init, whose first message keeps 7
 * slots for the root resources and "self") follow the bootstrap message on
 * the same channel, before the child starts, as bootstrap messages whose args are BOOTSTRAP_MORE_ARGS;
 * handle_names[i] names handles[i] as in the first one. The child reads
 * them itself (libsys reads only the first): they are all queued when it
 * starts, so reading until ERR_SHOULD_WAIT finds every one. */
#define BOOTSTRAP_MORE_ARGS "more-handles"

#endif
