/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The event loop (cairn/loop.h has the contract). A turn: wait for the
 * first packet, take whatever else is already queued (deadline 0) up to
 * LOOP_BATCH, then deliver urgent packets before normal ones. Sources are
 * found by key in a list: servers hold tens of sources, and a list makes a
 * removed source's late packet harmless (its key is simply not found).
 */
#include <stdio.h>

#include "cairn/errors.h"
#include "cairn/loop.h"
#include "cairn/sys.h"

#define KEY_POST 1u

int loop_init(loop_t *loop)
{
    *loop = (loop_t){.next_key = KEY_POST + 1};
    return (int)sys_port_create(&loop->port);
}

void loop_fini(loop_t *loop)
{
    if (loop->port != HANDLE_INVALID)
        sys_handle_close(loop->port);
    loop->port = HANDLE_INVALID;
    loop->sources = NULL;
}

int loop_add(loop_t *loop, loop_source_t *src, handle_t h, uint32_t signals, enum loop_class cls, loop_fn fn,
             void *ctx)
{
    uint64_t key = loop->next_key;
    int64_t err;

    if (fn == NULL || signals == 0 || (cls != LOOP_URGENT && cls != LOOP_NORMAL))
        return ERR_INVALID_ARGS;
    err = sys_port_bind(loop->port, h, key, signals);
    if (err != OK)
        return (int)err;
    loop->next_key++;
    *src = (loop_source_t){.h = h, .signals = signals, .cls = cls, .fn = fn, .ctx = ctx, .key = key,
                           .next = loop->sources};
    loop->sources = src;
    return OK;
}

void loop_remove(loop_t *loop, loop_source_t *src)
{
    loop_source_t **pp = &loop->sources;

    if (src->key == 0)
        return;
    while (*pp != NULL && *pp != src)
        pp = &(*pp)->next;
    if (*pp == src)
        *pp = src->next;
    /* Fails harmlessly when the handle is already closed; a packet that
     * still arrives finds no source under this key. */
    sys_port_unbind(loop->port, src->h, src->key);
    src->key = 0;
    src->next = NULL;
}

int loop_post(loop_t *loop, uint64_t d0, uint64_t d1)
{
    const uint64_t data[2] = {d0, d1};
    return (int)sys_port_queue(loop->port, KEY_POST, data);
}

void loop_quit(loop_t *loop, int status)
{
    loop->quit = true;
    loop->status = status;
}

static loop_source_t *find(loop_t *loop, uint64_t key)
{
    for (loop_source_t *s = loop->sources; s != NULL; s = s->next) {
        if (s->key == key)
            return s;
    }
    return NULL;
}

static void deliver(loop_t *loop, const port_packet_t *pkt)
{
    loop_source_t *src;

    if (pkt->type == PACKET_USER) {
        if (pkt->key == KEY_POST && loop->post != NULL)
            loop->post(loop, pkt->data[0], pkt->data[1]);
        return;
    }
    src = find(loop, pkt->key);
    if (src != NULL)
        src->fn(loop, src, pkt->signals);
}

/* Urgent first: a user packet counts as urgent, a signal packet by its
 * source's class (looked up when it is delivered, since an earlier
 * callback may have removed the source). */
static bool is_urgent(loop_t *loop, const port_packet_t *pkt)
{
    loop_source_t *src;

    if (pkt->type == PACKET_USER)
        return true;
    src = find(loop, pkt->key);
    return src != NULL && src->cls == LOOP_URGENT;
}

int loop_run_once(loop_t *loop, uint64_t deadline)
{
    int64_t err = sys_port_wait(loop->port, deadline, &loop->batch[0]);

    if (err != OK)
        return (int)err;
    loop->nbatch = 1;
    while (loop->nbatch < LOOP_BATCH && sys_port_wait(loop->port, 0, &loop->batch[loop->nbatch]) == OK)
        loop->nbatch++;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < loop->nbatch && !loop->quit; i++) {
            port_packet_t *pkt = &loop->batch[i];

            if (pkt->type == 0 || is_urgent(loop, pkt) != (pass == 0))
                continue;
            deliver(loop, pkt);
            pkt->type = 0; /* done */
        }
    }
    loop->nbatch = 0;
    return OK;
}

int loop_run(loop_t *loop)
{
    loop->quit = false;
    while (!loop->quit) {
        int err = loop_run_once(loop, DEADLINE_INFINITE);

        if (err != OK) {
            fprintf(stderr, "libsys: loop: port_wait: %s\n", cairn_error_name(err));
            return err;
        }
    }
    return loop->status;
}
