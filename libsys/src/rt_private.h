/*
 * Private interfaces between the files of the libsys runtime for picolibc
 * programs (libsys_rt). Not installed: programs see cairn/runtime.h.
 */
#ifndef LIBSYS_RT_PRIVATE_H
#define LIBSYS_RT_PRIVATE_H

#include <stddef.h>
#include <sys/types.h>

#include "cairn/sys.h"

/* Reads and checks the bootstrap message on `chan`; splits its args into
 * argc/argv (static storage, argv[argc] = NULL) and keeps its handles by
 * name. OK or a Cairn error (nothing kept then). */
int rt_bootstrap_read(handle_t chan, int *argc, char ***argv);

/* Maps a TLS area for the main thread and points FS at it. Must run before
 * anything touches errno. OK or a Cairn error. */
int rt_tls_init_main(void);

/* Writes what stdout and stderr hold of an unfinished line. */
void rt_console_flush(void);

/* write(1|2) and read(0) over the console session (rt_stdio.c), while
 * libsys_stdio() is one: POSIX results, errno set on -1. */
ssize_t rt_stdio_write(const void *buf, size_t len);
ssize_t rt_stdio_read(void *buf, size_t len);

/* When libsys_start began, for times(). */
extern uint64_t rt_start_ns;

/* Writes `msg` and a Cairn error's name to the log, for failures before
 * stdio can be trusted. */
void rt_log_error(const char *msg, int err);

#endif
