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
 *
 * Handles that did not fit (`module *`, init's boot modules) follow in
 * BOOTSTRAP_MORE_ARGS messages, all queued before the program starts: they
 * are read here too, without waiting, and held like the first message's,
 * up to LIBSYS_HANDLES_MAX in all (the rest are closed, with a log line).
 * Anything else queued on the bootstrap channel is left for the program.
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
static handle_t held[LIBSYS_HANDLES_MAX];
static const char *held_name[LIBSYS_HANDLES_MAX];
static size_t nheld;

/* Names of the handles of the follow-up messages (the first message's stay
 * in boot_msg). */
static char more_names[LIBSYS_HANDLES_MAX - CHAN_MAX_HANDLES][BOOTSTRAP_NAME_MAX];
static size_t nmore_names;

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

/* One more-handles message, if one is queued: OK, or ERR_SHOULD_WAIT when
 * there is none (or the next message is something else, left queued). */
static int read_more(handle_t chan)
{
    static bootstrap_msg_t msg;
    handle_t hs[CHAN_MAX_HANDLES];
    chan_sizes_t sz = {sizeof msg, CHAN_MAX_HANDLES};
    int64_t err = sys_chan_read(chan, &msg, hs, &sz);
    if (err == ERR_BUFFER_TOO_SMALL || err == ERR_PEER_CLOSED)
        return ERR_SHOULD_WAIT; /* not ours: stays queued for the program */
    if (err != OK)
        return (int)err;
    msg.args[BOOTSTRAP_ARGS_MAX - 1] = '\0';
    if (sz.bytes != sizeof msg || msg.magic != BOOTSTRAP_MAGIC || msg.version != BOOTSTRAP_VERSION ||
        msg.nhandles != sz.handles || strcmp(msg.args, BOOTSTRAP_MORE_ARGS) != 0) {
        sys_debug_write("libsys: a malformed message on the bootstrap channel: dropped", 61);
        for (uint32_t i = 0; i < sz.handles; i++)
            sys_handle_close(hs[i]);
        return OK;
    }
    for (uint32_t i = 0; i < sz.handles; i++) {
        if (nheld == LIBSYS_HANDLES_MAX) {
            sys_debug_write("libsys: too many bootstrap handles: the rest are closed", 55);
            for (; i < sz.handles; i++)
                sys_handle_close(hs[i]);
            break;
        }
        char *name = more_names[nmore_names++];
        memcpy(name, msg.handle_names[i], BOOTSTRAP_NAME_MAX);
        name[BOOTSTRAP_NAME_MAX - 1] = '\0';
        held[nheld] = hs[i];
        held_name[nheld++] = name;
    }
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
    while (read_more(chan) == OK)
        ;
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
    return libsys_handle_take_at(find(name));
}

handle_t libsys_handle_take_at(size_t i)
{
    if (i >= nheld)
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
