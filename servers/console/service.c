/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console protocol (proto/console.proto) over srv_t: one session per
 * client channel, each with its own mode (cooked by default, or raw).
 *
 *   read      validated (1 <= max <= 4096), then answered at once if it is
 *             the only read and input is there, else deferred: reads of all
 *             sessions wait in one queue (con.reads) and are answered in the
 *             order they came, each in its session's mode at the time it is
 *             answered (input.h says what a mode hands out). At most
 *             CON_SESSION_READS per session and CON_READS_MAX in all
 *             (ERR_NO_RESOURCES beyond).
 *   write     the bytes go to con.out when they fit, leaving CON_OUT_RESERVE
 *             for log lines and echoes; otherwise the write waits in the
 *             write queue with its reply deferred until the UART has taken
 *             enough (a slow UART slows writers down, it never loses their
 *             output). Writes go out in the order they came, so one waiting
 *             write holds back later ones; a session has at most one waiting
 *             (ERR_SHOULD_WAIT for another).
 *   set_mode  takes effect for the session's reads answered from then on.
 *
 * A session that closes takes its pending reads and its waiting write
 * with it. While no session exists the console itself reads: typed lines
 * are edited with echo and reported in the log as "console: line '...'"
 * (and in test mode "quit" ends the console).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "con.h"

static con_t *con_of(srv_client_t *c)
{
    return c->srv->ctx;
}

/* ---- input --------------------------------------------------------------- */

/* No session: the console is the reader. Typed lines go to the log. */
static void serve_log(con_t *con)
{
    char text[CONSOLE_LINE_MAX + 2];
    long n;
    while ((n = input_read(&con->in, false, (uint8_t *)text, sizeof text - 1, con_echo, con)) != INPUT_WAIT) {
        if (n == 0)
            continue; /* Ctrl-D: nobody to give end of file to */
        if (text[n - 1] == '\n')
            n--;
        text[n] = '\0';
        printf("console: line '%s'\n", text);
        if (con->test_mode && strcmp(text, "quit") == 0)
            loop_quit(&con->loop, OK);
    }
}

static void drop_read(con_t *con, uint32_t i)
{
    con->reads[i].s->reads--;
    memmove(&con->reads[i], &con->reads[i + 1], (con->nreads - i - 1) * sizeof con->reads[0]);
    con->nreads--;
}

void con_serve_input(con_t *con)
{
    if (con->nsessions == 0) {
        serve_log(con);
        con_kick(con);
        return;
    }
    while (con->nreads > 0) {
        con_read_t *r = &con->reads[0];
        long n = input_read(&con->in, r->s->raw, con->res.data, r->max, con_echo, con);
        if (n == INPUT_WAIT)
            break;
        con->res.data_len = (uint32_t)n;
        /* A reader that has gone loses the input it asked for. */
        console_read_reply(&r->txn, OK, &con->res);
        drop_read(con, 0);
    }
    con_kick(con);
}

/* ---- output ---------------------------------------------------------------- */

static bool write_fits(con_t *con, const uint8_t *data, uint32_t len)
{
    return out_text_size(&con->out, data, len) + CON_OUT_RESERVE <= out_space(&con->out);
}

unsigned con_resume_writes(con_t *con)
{
    unsigned moved = 0;
    con_session_t *s;
    while ((s = con->wq_head) != NULL && write_fits(con, s->wbuf, s->wlen)) {
        out_text(&con->out, s->wbuf, s->wlen);
        con->wq_head = s->wnext;
        if (con->wq_head == NULL)
            con->wq_tail = NULL;
        s->wnext = NULL;
        s->writing = false;
        console_write_reply(&s->wtxn, OK);
        moved++;
    }
    return moved;
}

static void unqueue_write(con_t *con, con_session_t *s)
{
    con_session_t **pp = &con->wq_head, *prev = NULL;
    while (*pp != NULL && *pp != s) {
        prev = *pp;
        pp = &(*pp)->wnext;
    }
    if (*pp == NULL)
        return;
    *pp = s->wnext;
    if (con->wq_tail == s)
        con->wq_tail = prev;
    s->wnext = NULL;
    s->writing = false;
}

/* ---- the ops ----------------------------------------------------------------- */

static int write_op(void *ctx, const proto_txn_t *txn, const uint8_t *data, uint32_t data_len)
{
    srv_client_t *c = ctx;
    con_session_t *s = c->ctx;
    con_t *con = con_of(c);
    if (s == NULL)
        return ERR_NO_MEMORY;
    if (s->writing)
        return ERR_SHOULD_WAIT;
    /* Log lines made before this write show before it. */
    con_log_forward(con);
    if (con->wq_head == NULL && write_fits(con, data, data_len)) {
        out_text(&con->out, data, data_len);
        con_kick(con);
        return OK;
    }
    memcpy(s->wbuf, data, data_len);
    s->wlen = data_len;
    s->wtxn = *txn;
    s->writing = true;
    if (con->wq_tail != NULL)
        con->wq_tail->wnext = s;
    else
        con->wq_head = s;
    con->wq_tail = s;
    con_kick(con);
    return PROTO_DEFER;
}

static int read_op(void *ctx, const proto_txn_t *txn, uint32_t max, console_read_result_t *out)
{
    srv_client_t *c = ctx;
    con_session_t *s = c->ctx;
    con_t *con = con_of(c);
    if (s == NULL)
        return ERR_NO_MEMORY;
    if (max == 0 || max > CON_IO_MAX)
        return ERR_INVALID_ARGS;
    if (con->nreads == 0) {
        long n = input_read(&con->in, s->raw, out->data, max, con_echo, con);
        con_kick(con);
        if (n != INPUT_WAIT) {
            out->data_len = (uint32_t)n;
            return OK;
        }
    }
    if (s->reads == CON_SESSION_READS || con->nreads == CON_READS_MAX)
        return ERR_NO_RESOURCES;
    con->reads[con->nreads++] = (con_read_t){.s = s, .txn = *txn, .max = max};
    s->reads++;
    return PROTO_DEFER;
}

static int set_mode_op(void *ctx, const proto_txn_t *txn, bool raw)
{
    srv_client_t *c = ctx;
    con_session_t *s = c->ctx;
    (void)txn;
    if (s == NULL)
        return ERR_NO_MEMORY;
    s->raw = raw;
    /* The oldest read may be this session's, now servable. */
    con_serve_input(con_of(c));
    return OK;
}

static const console_ops_t console_ops = {.write = write_op, .read = read_op, .set_mode = set_mode_op};

static int dispatch(srv_client_t *c, const void *msg, uint32_t nbytes, const handle_t *hs, uint32_t nh)
{
    return console_dispatch(&console_ops, c, c->ch, msg, nbytes, hs, nh);
}

/* ---- sessions ---------------------------------------------------------------- */

static void on_open(srv_client_t *c)
{
    con_t *con = con_of(c);
    con_session_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        /* Its ops answer ERR_NO_MEMORY; closing it would look like a
         * crash of the console to the client. */
        fprintf(stderr, "console: no memory for the session of '%s'\n", c->label);
        return;
    }
    s->client = c;
    c->ctx = s;
    con->nsessions++;
}

static void on_close(srv_client_t *c)
{
    con_t *con = con_of(c);
    con_session_t *s = c->ctx;
    if (s == NULL)
        return;
    for (uint32_t i = con->nreads; i-- > 0;)
        if (con->reads[i].s == s)
            drop_read(con, i);
    if (s->writing)
        unqueue_write(con, s);
    c->ctx = NULL;
    free(s);
    con->nsessions--;
    /* A read behind the dropped ones may be servable now; with no session
     * left, the console reads for the log again. */
    con_serve_input(con);
}

int con_service_start(con_t *con, handle_t ns)
{
    int err = srv_init(&con->srv, &con->loop, "console", dispatch, con);
    if (err == OK) {
        con->srv.on_open = on_open;
        con->srv.on_close = on_close;
        err = srv_publish(&con->srv, ns, "console");
    }
    if (err != OK) {
        fprintf(stderr, "console: cannot publish 'console': %s; typed lines go to the log\n",
                cairn_error_name(err));
        return err;
    }
    con->serving = true;
    printf("console: serving 'console'\n");
    return OK;
}
