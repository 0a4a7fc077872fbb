/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The console server's state, shared by its two files: console.c (the
 * UART, the kernel log, the loop) and service.c (the console protocol's
 * sessions). Private to servers/console.
 *
 * Data flow: typed bytes -> con.in (input.h) -> the oldest pending read,
 * or, while no session exists, the log ("console: line '...'").
 * Session writes, echoes and kernel log lines -> con.out (out.h) -> the
 * UART, as fast as it takes them (con_kick). A write that does not fit in
 * con.out waits in the write queue, with its reply deferred.
 */
#ifndef CONSOLE_CON_H
#define CONSOLE_CON_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/loop.h"
#include "cairn/server.h"
#include "console.h"
#include "input.h"
#include "out.h"

#define CON_IO_MAX 4096u      /* bytes<4096> of write and read */
#define CON_READS_MAX 64u     /* pending reads, all sessions together */
#define CON_SESSION_READS 8u  /* pending reads of one session */
#define CON_LOG_LINE_CAP 1024 /* longer than any kernel log line (512) */
/* Room kept free of session output in con.out, so that log lines (one
 * chunk of the log, expanded) and echoes always fit. */
#define CON_LOG_ROOM 4096u
#define CON_OUT_RESERVE (CON_LOG_ROOM + 512u)

typedef struct con_session {
    srv_client_t *client;
    bool raw;
    uint32_t reads;             /* its entries in con.reads */
    bool writing;               /* a write waits in the write queue */
    proto_txn_t wtxn;
    uint32_t wlen;
    uint8_t wbuf[CON_IO_MAX];
    struct con_session *wnext;  /* the write queue */
} con_session_t;

typedef struct con_read {
    con_session_t *s;
    proto_txn_t txn;
    uint32_t max;
} con_read_t;

typedef struct con {
    bool test_mode;
    handle_t log, irq, timer;
    loop_t loop;
    loop_source_t irq_src, timer_src;
    /* The UART. */
    unsigned tx_burst;          /* bytes per THR-empty: 16 with a FIFO */
    bool thre_irq;              /* the THR-empty interrupt is enabled */
    /* The kernel log. */
    uint64_t log_seq;           /* next log byte to show */
    char log_line[CON_LOG_LINE_CAP];
    size_t log_line_len;        /* a log line gathered across log_read calls */
    /* Input and output. */
    input_t in;
    out_t out;
    uint64_t in_dropped, echo_dropped; /* not reported yet */
    uint64_t drop_report_ns;
    /* The service (service.c). */
    srv_t srv;
    bool serving;               /* published with ns */
    uint32_t nsessions;
    con_read_t reads[CON_READS_MAX]; /* oldest first */
    uint32_t nreads;
    con_session_t *wq_head, *wq_tail;
    console_read_result_t res;  /* a deferred read's result */
} con_t;

/* console.c: sends what con.out holds as far as the UART takes it, moving
 * queued writes into con.out as room frees up. Call after queuing output. */
void con_kick(con_t *con);

/* console.c: shows the kernel log lines written since the last call, as
 * far as con.out has room (true when it stopped for room). */
bool con_log_forward(con_t *con);

/* console.c: an echo for the terminal (input_echo_fn; ctx is the con_t).
 * Dropped and counted when con.out is full. */
void con_echo(void *ctx, const char *s, size_t n);

/* service.c: serves the console protocol from now on, published as
 * "console" over the ns session `ns`. OK or the error (logged). */
int con_service_start(con_t *con, handle_t ns);

/* service.c: hands typed input to pending reads, oldest first, or to the
 * log while there is no session. */
void con_serve_input(con_t *con);

/* service.c: moves queued writes into con.out while they fit, replying to
 * each; returns how many it moved. */
unsigned con_resume_writes(con_t *con);

#endif
