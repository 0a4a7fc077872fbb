/* SPDX-License-Identifier: BSD-2-Clause
 *
 * echo-client [-t SECONDS] TEXT...: the example client. Connects to the
 * service "echo" through its ns session (waiting for it to be published, at
 * most SECONDS, 5 by default), sends TEXT (the words joined by single
 * spaces) with echo, prints the answer on stdout, sends a ping and checks
 * with stats that the server counted the call.
 *
 * Exit status: 0 when the server answered the same text; 1 when the
 * service is missing, refuses or answers wrongly (with a message on stderr
 * saying which); 2 for a bad command line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/service.h"
#include "echo.h"

#define NS_PER_S 1000000000ull
#define CALL_TIMEOUT_NS (5 * NS_PER_S)
#define TEXT_MAX 256 /* echo's string<256> */

static int usage(void)
{
    fprintf(stderr, "usage: echo-client [-t SECONDS] TEXT...\n");
    return 2;
}

/* Joins argv[first..argc) into text; false when it does not fit. */
static bool join(int argc, char **argv, int first, char text[TEXT_MAX + 1])
{
    size_t len = 0;
    text[0] = '\0';
    for (int i = first; i < argc; i++) {
        size_t n = strlen(argv[i]) + (i > first);
        if (len + n > TEXT_MAX)
            return false;
        if (i > first)
            text[len++] = ' ';
        memcpy(text + len, argv[i], strlen(argv[i]) + 1);
        len += strlen(argv[i]);
    }
    return true;
}

int main(int argc, char **argv)
{
    static char text[TEXT_MAX + 1];
    uint64_t wait_s = 5;
    int first = 1;
    handle_t ch;
    int err;

    if (argc > 2 && strcmp(argv[1], "-t") == 0) {
        char *end;
        unsigned long v = strtoul(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end != '\0' || v > 3600)
            return usage();
        wait_s = v;
        first = 3;
    }
    if (first >= argc)
        return usage();
    if (!join(argc, argv, first, text)) {
        fprintf(stderr, "echo-client: the text is longer than %d bytes\n", TEXT_MAX);
        return 2;
    }

    err = libsys_connect("echo", wait_s * NS_PER_S, &ch);
    if (err == ERR_TIMED_OUT) {
        fprintf(stderr, "echo-client: no service 'echo' (waited %llu s)\n", (unsigned long long)wait_s);
        return 1;
    }
    if (err != OK) {
        fprintf(stderr, "echo-client: cannot connect to 'echo': %s\n", cairn_strerror(err));
        return 1;
    }

    echo_echo_result_t r;
    err = echo_echo(ch, text, &r, libsys_now_ns() + CALL_TIMEOUT_NS);
    if (err != OK) {
        fprintf(stderr, "echo-client: echo refused: %s\n", cairn_strerror(err));
        return 1;
    }
    if (strcmp(r.text, text) != 0) {
        fprintf(stderr, "echo-client: the server answered '%s' to '%s'\n", r.text, text);
        return 1;
    }
    printf("%s\n", r.text);

    /* An event has no answer: a ping that cannot be sent is only noted. */
    err = echo_ping_send(ch, 1);
    if (err != OK)
        fprintf(stderr, "echo-client: ping: %s\n", cairn_strerror(err));

    echo_stats_result_t st;
    err = echo_stats(ch, &st, libsys_now_ns() + CALL_TIMEOUT_NS);
    if (err != OK) {
        fprintf(stderr, "echo-client: stats refused: %s\n", cairn_strerror(err));
        return 1;
    }
    if (st.calls == 0) {
        fprintf(stderr, "echo-client: the server counted no calls after answering one\n");
        return 1;
    }
    return 0;
}
