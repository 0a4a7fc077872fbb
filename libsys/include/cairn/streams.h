/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Where a program's standard streams go (docs/libsys.md, "Standard
 * streams"). With a console session - the bootstrap handle "stdio", or one
 * set here - stdout and stderr are console writes and stdin is console
 * reads (proto/console.proto, docs/console.md). Without one, stdout and
 * stderr go to the kernel log a line at a time and stdin is at end of file.
 * libsys never connects to the console by itself: a program with an "ns"
 * handle but no "stdio" stays on the log unless it connects and calls
 * libsys_stdio_set.
 */
#ifndef CAIRN_STREAMS_H
#define CAIRN_STREAMS_H

#include "abi/handle.h"

/* The console session the streams use, or HANDLE_INVALID (the log). The
 * runtime does not own it: "stdio" stays in the bootstrap handle table. */
handle_t libsys_stdio(void);

/* Sends the streams to `session` (a console session channel; the caller
 * keeps it open while it is in use), or back to the log with
 * HANDLE_INVALID. What stdout and stderr hold is flushed to the old
 * destination first. */
void libsys_stdio_set(handle_t session);

#endif
