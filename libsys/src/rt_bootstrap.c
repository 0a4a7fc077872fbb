/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The bootstrap message (abi/bootstrap.h) of a picolibc program: read once
 * at start, before main. Its args string is split in place at spaces, tabs
 * and newlines into argv (no quoting: a word cannot hold white space); the
 * first word is the program's name. Its env string is split in place at
 * '\n' into `environ` (getenv, setenv); entries without a '=' are dropped,
 * since no name could find them. Its handles are kept in message order
 * with their names until the program takes them (libsys_handle_take).
 *
 * The message comes from the parent (or the kernel, for init) and is
 * checked like any other input: exact size, magic, version, a handle count
 * that matches what arrived. Strings are cut at their last byte, so an
 * unterminated one cannot run past its field.
 */
#include <string.h>

#include "cairn/runtime.h"
#include "rt_private.h"

#define ARGV_MAX (BOOTSTRAP_ARGS_MAX / 2 + 1) /* words of one byte and a separator */
#define ENV_ENTRIES_MAX (BOOTSTRAP_ENV_MAX / 3 + 1) /* "A=\n" is the shortest entry */

extern char **environ; /* picolibc's, read by getenv */

static bootstrap_msg_t boot_msg;
static handle_t boot_chan;
static char *boot_argv[ARGV_MAX + 1];
static char *boot_env[ENV_ENTRIES_MAX + 1];

/* The handles still held; taken ones are removed, keeping the order. */
static handle_t held[CHAN_MAX_HANDLES];
static const char *held_name[CHAN_MAX_HANDLES];
static size_t nheld;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int split_args(char *s, char **argv)
{
    int argc = 0;
    while (*s) {
        while (is_space(*s))
            *s++ = '\0';
        if (!*s)
            break;
        argv[argc++] = s;
        while (*s && !is_space(*s))
            s++;
    }
    argv[argc] = NULL;
    return argc;
}

static void split_env(char *s, char **env)
{
    size_t n = 0;
    while (*s) {
        char *line = s;
        while (*s && *s != '\n')
            s++;
        if (*s)
            *s++ = '\0';
        const char *eq = strchr(line, '=');
        if (eq && eq != line && n < ENV_ENTRIES_MAX) /* "=x" has no name */
            env[n++] = line;
    }
    env[n] = NULL;
}

static int read_message(handle_t chan, handle_t *hs, uint32_t *nhs)
{
    uint32_t seen;
    int64_t err = sys_object_wait(chan, SIG_READABLE | SIG_PEER_CLOSED, DEADLINE_INFINITE, &seen);
    if (err != OK)
        return (int)err;
    chan_sizes_t sz = {sizeof boot_msg, CHAN_MAX_HANDLES};
    err = sys_chan_read(chan, &boot_msg, hs, &sz);
    if (err == ERR_BUFFER_TOO_SMALL)
        return ERR_CORRUPT; /* larger than any bootstrap message */
    if (err != OK)
        return (int)err;
    *nhs = sz.handles;
    if (sz.bytes != sizeof boot_msg || boot_msg.magic != BOOTSTRAP_MAGIC ||
        boot_msg.version != BOOTSTRAP_VERSION || boot_msg.nhandles != sz.handles)
        return ERR_CORRUPT;
    return OK;
}

int rt_bootstrap_read(handle_t chan, int *argc, char ***argv)
{
    handle_t hs[CHAN_MAX_HANDLES];
    uint32_t nhs = 0;
    int err = read_message(chan, hs, &nhs);
    if (err != OK) {
        for (uint32_t i = 0; i < nhs; i++)
            sys_handle_close(hs[i]);
        return err;
    }
    boot_chan = chan;
    boot_msg.args[BOOTSTRAP_ARGS_MAX - 1] = '\0';
    boot_msg.env[BOOTSTRAP_ENV_MAX - 1] = '\0';
    split_env(boot_msg.env, boot_env);
    environ = boot_env;
    for (uint32_t i = 0; i < nhs; i++) {
        boot_msg.handle_names[i][BOOTSTRAP_NAME_MAX - 1] = '\0';
        held[i] = hs[i];
        held_name[i] = boot_msg.handle_names[i];
    }
    nheld = nhs;
    *argc = split_args(boot_msg.args, boot_argv);
    *argv = boot_argv;
    return OK;
}

static size_t find(const char *name)
{
    size_t i = 0;
    while (i < nheld && strcmp(held_name[i], name) != 0)
        i++;
    return i;
}

handle_t libsys_handle(const char *name)
{
    size_t i = find(name);
    return i < nheld ? held[i] : HANDLE_INVALID;
}

handle_t libsys_handle_take(const char *name)
{
    size_t i = find(name);
    if (i == nheld)
        return HANDLE_INVALID;
    handle_t h = held[i];
    memmove(&held[i], &held[i + 1], (nheld - i - 1) * sizeof held[0]);
    memmove(&held_name[i], &held_name[i + 1], (nheld - i - 1) * sizeof held_name[0]);
    nheld--;
    return h;
}

size_t libsys_handle_count(void)
{
    return nheld;
}

handle_t libsys_handle_at(size_t i, const char **name)
{
    if (i >= nheld)
        return HANDLE_INVALID;
    if (name)
        *name = held_name[i];
    return held[i];
}

handle_t libsys_bootstrap_channel(void)
{
    return boot_chan;
}
