/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libc_test: the environment and libsys's spawn (cairn/spawn.h). As init
 * the program has an empty environment; it then starts a copy of itself
 * ("libc_test env-child") with an environment, a named channel and 17
 * more vmos (two "more handles" messages, which the child's runtime
 * collects with the first), and the child checks from the
 * inside what it got: argv, environ and getenv (entries without a name
 * dropped), setenv and unsetenv, its handle, and the later messages on its
 * bootstrap channel. It reports through the channel and its exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/runtime.h"
#include "cairn/spawn.h"
#include "cairn/sys.h"
#include "ltest.h"

#define MORE 17u
#define CHILD_ENV "A=1\nB=two words\n=nameless\nnoequals\nC=\nA2=x=y"

extern char **environ;

static void report(const char *msg)
{
    printf("libc_test: spawn: %s\n", msg);
}

int t_environ(void)
{
    /* The kernel gives init no environment. */
    LT_CHECK(environ != NULL);
    LT_CHECK(environ[0] == NULL);
    LT_CHECK(getenv("PATH") == NULL);
    LT_INT(setenv("CAIRN_T", "1", 1), 0);
    LT_STR(getenv("CAIRN_T"), "1");
    LT_INT(unsetenv("CAIRN_T"), 0);
    LT_CHECK(getenv("CAIRN_T") == NULL);

    handle_t mine, theirs, proc;
    LT_INT(sys_chan_create(&mine, &theirs), OK);
    spawn_handle_t hs[1] = {{theirs, "result"}};
    static spawn_handle_t more[MORE];
    for (uint32_t i = 0; i < MORE; i++) {
        LT_INT(sys_vmo_create(4096, 0, &more[i].h), OK);
        snprintf(more[i].name, sizeof more[i].name, "m%u", (unsigned)i);
    }
    LT_INT(spawn(libsys_handle("libc_test"), "env-child", "libc_test env-child", CHILD_ENV, hs, 1, more, MORE,
                 &proc, report),
           OK);
    uint32_t seen = 0;
    LT_INT(sys_object_wait(proc, SIG_TERMINATED, libsys_now_ns() + 20000000000ull, &seen), OK);
    process_info_t info;
    LT_INT(sys_process_info(proc, &info), OK);
    LT_INT(info.exit_reason, PROCESS_EXITED);
    LT_INT(info.exit_code, 0);
    char msg[8] = {0};
    chan_sizes_t sz = {sizeof msg - 1, 0};
    LT_INT(sys_chan_read(mine, msg, NULL, &sz), OK);
    LT_STR(msg, "env ok");
    sys_handle_close(mine);
    sys_handle_close(proc);

    /* Refusals: the handles are consumed all the same. */
    handle_t v;
    LT_INT(sys_vmo_create(4096, 0, &v), OK);
    spawn_handle_t one = {v, "v"};
    LT_INT(spawn(libsys_handle("manifest-none"), "x", "x", NULL, &one, 1, NULL, 0, &proc, report), ERR_BAD_HANDLE);
    handle_info_t hi;
    LT_INT(sys_handle_info(v, &hi), ERR_BAD_HANDLE);
    static char big[BOOTSTRAP_ENV_MAX + 1];
    memset(big, 'e', BOOTSTRAP_ENV_MAX);
    LT_INT(spawn(libsys_handle("libc_test"), "x", "x", big, NULL, 0, NULL, 0, &proc, report), ERR_OUT_OF_RANGE);
    return 0;
}

/* The child's side; returns the number of the first check that failed. */
int lt_env_child(int argc, char **argv)
{
    static const char *const want[] = {"A=1", "B=two words", "C=", "A2=x=y"};
    handle_t result = libsys_handle("result");
    if (argc != 2 || strcmp(argv[1], "env-child") != 0)
        return 1;
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    if (n != 4)
        return 2;
    for (size_t i = 0; i < n; i++)
        if (strcmp(environ[i], want[i]) != 0)
            return 3;
    if (strcmp(getenv("A"), "1") != 0 || strcmp(getenv("B"), "two words") != 0 || strcmp(getenv("C"), "") != 0 ||
        strcmp(getenv("A2"), "x=y") != 0 || getenv("noequals") != NULL || getenv("") != NULL)
        return 4;
    if (setenv("A", "changed", 1) != 0 || strcmp(getenv("A"), "changed") != 0 || unsetenv("B") != 0 ||
        getenv("B") != NULL || strcmp(getenv("C"), "") != 0)
        return 5;
    handle_info_t hi;
    if (result == HANDLE_INVALID || sys_handle_info(result, &hi) != OK || hi.kind != KIND_CHANNEL)
        return 6;
    /* The more-handles messages: MORE vmos named m0, m1, ... after the
     * bootstrap message's own handle, in order, found by the runtime. */
    if (libsys_handle_count() != 1 + MORE)
        return 7;
    for (uint32_t i = 0; i < MORE; i++) {
        char name[BOOTSTRAP_NAME_MAX];
        const char *got;
        snprintf(name, sizeof name, "m%u", (unsigned)i);
        handle_t h = libsys_handle_at(1 + i, &got);
        if (strcmp(got, name) != 0 || h != libsys_handle(name) || sys_handle_info(h, &hi) != OK ||
            hi.kind != KIND_VMO)
            return 8;
    }
    /* Nothing else is left on the bootstrap channel. */
    static bootstrap_msg_t msg;
    chan_sizes_t sz = {sizeof msg, CHAN_MAX_HANDLES};
    handle_t hs[CHAN_MAX_HANDLES];
    int64_t err = sys_chan_read(libsys_bootstrap_channel(), &msg, hs, &sz);
    if (err != ERR_SHOULD_WAIT && err != ERR_PEER_CLOSED)
        return 9;
    if (sys_chan_write(result, "env ok", 6, NULL, 0) != OK)
        return 10;
    return 0;
}
