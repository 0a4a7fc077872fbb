/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The event loop every server and driver runs (STYLE.md item 3): one port,
 * objects bound to it as sources, one callback per source.
 *
 *     loop_t loop;
 *     loop_source_t irq_src;
 *     loop_init(&loop);
 *     loop_add(&loop, &irq_src, irq, SIG_IRQ, LOOP_URGENT, on_irq, ctx);
 *     return loop_run(&loop);      // until loop_quit(&loop, status)
 *
 * Each turn takes every packet queued on the port (up to LOOP_BATCH), runs
 * the callbacks of LOOP_URGENT sources (interrupts, timers, notifications)
 * first and then the others (channels), in arrival order within each class.
 * A callback sees the object's signals at the time its packet was queued.
 *
 * Bindings are edge-triggered (docs/syscalls.md, port_bind): a source is
 * called when one of its signals rises, not while it stays up, so a channel
 * callback reads until ERR_SHOULD_WAIT (server.h does this for channels).
 *
 * A source's memory belongs to the caller and must stay valid until
 * loop_remove(). Removing a source from any callback is safe, also for a
 * source whose packet is still in the current batch: it is not called.
 * Each source is bound under a key never used before (a counter), and a
 * packet is delivered only if its key belongs to a source still added: a
 * late packet of a removed source (say its handle was closed first, so the
 * kernel could not unbind it) is dropped, never sent to freed memory.
 * Single-threaded: one thread runs the loop and calls these functions,
 * except loop_post.
 */
#ifndef CAIRN_LOOP_H
#define CAIRN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/handle.h"
#include "abi/port.h"

#define LOOP_BATCH 32u

enum loop_class {
    LOOP_URGENT = 0, /* interrupts, timers, notifications: before messages */
    LOOP_NORMAL = 1, /* channels */
};

typedef struct loop loop_t;
typedef struct loop_source loop_source_t;

/* Called with the signals of the packet that woke the source. */
typedef void (*loop_fn)(loop_t *loop, loop_source_t *src, uint32_t signals);

/* PACKET_USER packets queued with loop_post go to this, with their data. */
typedef void (*loop_post_fn)(loop_t *loop, uint64_t data0, uint64_t data1);

struct loop_source {
    handle_t h;        /* the bound object (the loop does not own it) */
    uint32_t signals;
    uint32_t cls;      /* enum loop_class */
    loop_fn fn;
    void *ctx;         /* the caller's, untouched by the loop */
    uint64_t key;      /* the port key, from loop->next_key; 0 when removed */
    loop_source_t *next; /* the loop's list of added sources */
};

struct loop {
    handle_t port;
    bool quit;
    int status;
    uint64_t next_key;        /* keys of sources: 2, 3, ... (1 is loop_post) */
    loop_source_t *sources;   /* added sources */
    loop_post_fn post;        /* receiver of loop_post packets, or NULL */
    port_packet_t batch[LOOP_BATCH]; /* the current turn's packets */
    uint32_t nbatch;
};

/* Creates the loop's port. OK or the error of port_create. */
int loop_init(loop_t *loop);

/* Closes the port. Sources must have been removed (or be abandoned). */
void loop_fini(loop_t *loop);

/* Binds `h` for `signals` and calls fn(loop, src, signals) when one rises.
 * If a signal is already up, the source is called on the next turn. */
int loop_add(loop_t *loop, loop_source_t *src, handle_t h, uint32_t signals, enum loop_class cls, loop_fn fn,
             void *ctx);

/* Unbinds the source; it is not called again. The handle stays open. */
void loop_remove(loop_t *loop, loop_source_t *src);

/* Queues a user packet: loop->post(loop, d0, d1) runs on a later turn, as
 * an urgent event. From any thread (port_queue), e.g. to wake the loop. */
int loop_post(loop_t *loop, uint64_t d0, uint64_t d1);

/* Runs turns until loop_quit; returns its status, or the error of
 * port_wait if the port fails (logged). */
int loop_run(loop_t *loop);

/* One turn, waiting until `deadline` (absolute ns; DEADLINE_INFINITE) for
 * the first packet: OK, ERR_TIMED_OUT, or a port error. For programs that
 * interleave the loop with their own work. */
int loop_run_once(loop_t *loop, uint64_t deadline);

/* Makes loop_run return `status` after the current callback. */
void loop_quit(loop_t *loop, int status);

#endif
