/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Channel endpoints (model in obj/channel.h).
 *
 * Signals: an endpoint is READABLE while its queue is non-empty, WRITABLE
 * while its peer's queue has room, PEER_CLOSED once the peer is gone.
 * Signal updates are computed under sh->lock and applied after it (obj_signal
 * takes the object's own waiter lock); the endpoints are kept alive across
 * that with obj_try_ref, since the peer may be in its own destroy.
 *
 * The direct path (channel_send_direct): a thread blocked in chan_read
 * (read_wq) or chan_call (call_wq) can be handed a small handle-free
 * message straight into its thread buffer; no message is allocated or
 * queued and no signal changes, since the queue stays empty. It is taken
 * only when it cannot reorder: a reader gets a message directly only
 * while nothing is queued for its end (checked under both locks, the
 * same ones the reader held when it found the queue empty). The thread
 * is woken with the waker's CPU handed over (sched_sync_begin), so the
 * call-and-reply of a client and a server is two direct switches.
 * Lock order: a wait queue's lock, then sh->lock.
 */
#include "obj/channel.h"
#include "lib/kassert.h"
#include "lib/kstring.h"
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "mm/kheap.h"
#include "obj/thread.h"
#include "sched/sched.h"

static kcache_t chan_cache;

/* Each CPU keeps a few freed small messages for the next ones: a call and
 * its reply then cost no heap allocation. Touched with interrupts off, by
 * its own CPU only. */
#define MESSAGE_STOCK 4
static struct {
    message_t *m[MESSAGE_STOCK];
    uint32_t n;
} stock[MAX_CPUS];

message_t *message_alloc(uint32_t nbytes)
{
    message_t *m = NULL;
    bool small = nbytes <= MESSAGE_SMALL;
    if (small) {
        uint64_t fl = read_rflags();
        cpu_cli();
        typeof(stock[0]) *st = &stock[this_cpu()->cpu_id];
        if (st->n)
            m = st->m[--st->n];
        if (fl & (1u << 9))
            __asm__ volatile("sti" ::: "memory");
    }
    if (!m)
        m = kmalloc(sizeof(message_t) + (small ? MESSAGE_SMALL : nbytes));
    if (m) {
        list_node_init(&m->link);
        m->nbytes = nbytes;
        m->nhandles = 0;
        m->small = small;
    }
    return m;
}

void message_free(message_t *m)
{
    if (m->nhandles)
        handle_drop_in_flight(m->handles, m->nhandles);
    if (m->small) {
        uint64_t fl = read_rflags();
        cpu_cli();
        typeof(stock[0]) *st = &stock[this_cpu()->cpu_id];
        bool kept = st->n < MESSAGE_STOCK;
        if (kept)
            st->m[st->n++] = m;
        if (fl & (1u << 9))
            __asm__ volatile("sti" ::: "memory");
        if (kept)
            return;
    }
    kfree(m);
}

/* Signals of end i as the queues say now (sh->lock held). */
static uint32_t signals_locked(chan_shared_t *sh, int i)
{
    uint32_t s = 0;
    if (sh->count[i])
        s |= SIG_READABLE;
    if (sh->closed[1 - i])
        s |= SIG_PEER_CLOSED;
    else if (sh->count[1 - i] < CHAN_QUEUE_MAX)
        s |= SIG_WRITABLE;
    return s;
}

/* Refresh both ends' signals: snapshot under the lock, apply after, in
 * snapshot order (a stale snapshot must not clear a newer READABLE). An
 * end whose snapshot equals the previous one is skipped: that previous
 * update, applied or still on its way, carries the same value, and any
 * later different one outranks it. A read or write changes one end's
 * signals, so this halves the work of each. */
static void update_signals(chan_shared_t *sh)
{
    channel_t *end[2] = {NULL, NULL};
    uint32_t sig[2] = {0, 0};
    uint64_t fl = spin_lock_irqsave(&sh->lock);
    uint64_t gen = ++sh->sig_gen;
    for (int i = 0; i < 2; i++) {
        uint32_t s = signals_locked(sh, i);
        if (sh->sig_valid[i] && sh->sig_last[i] == s)
            continue;
        if (sh->end[i] && obj_try_ref(&sh->end[i]->obj)) {
            end[i] = sh->end[i];
            sig[i] = s;
            sh->sig_last[i] = s;
            sh->sig_valid[i] = true;
        }
    }
    spin_unlock_irqrestore(&sh->lock, fl);
    for (int i = 0; i < 2; i++) {
        if (end[i]) {
            obj_signal_ordered(&end[i]->obj, SIG_READABLE | SIG_WRITABLE | SIG_PEER_CLOSED, sig[i], gen,
                               &end[i]->sig_applied);
            obj_unref(&end[i]->obj);
        }
    }
}

static void channel_destroy(kobject_t *o)
{
    channel_t *ch = (channel_t *)o;
    chan_shared_t *sh = ch->sh;
    list_t drop = LIST_INIT(drop);
    uint64_t fl = spin_lock_irqsave(&sh->lock);
    int i = ch->side;
    sh->closed[i] = true;
    sh->end[i] = NULL;
    while (!list_empty(&sh->queue[i])) {
        list_node_t *l = list_pop_front(&sh->queue[i]);
        list_push_back(&drop, l);
    }
    sh->count[i] = 0;
    spin_unlock_irqrestore(&sh->lock, fl);

    list_node_t *l;
    while ((l = list_pop_front(&drop)))
        message_free(list_entry(l, message_t, link));
    update_signals(sh); /* the peer, if alive, sees PEER_CLOSED */
    wait_wake_all(&sh->call_wq, ERR_PEER_CLOSED);
    wait_wake_all(&sh->read_wq[1 - i], ERR_PEER_CLOSED);
    /* The last touch of sh: whichever end gets here second frees it, so the
     * other must be done with it by now. */
    fl = spin_lock_irqsave(&sh->lock);
    bool last = --sh->ends == 0;
    spin_unlock_irqrestore(&sh->lock, fl);
    if (last)
        kfree(sh);
    kcache_free(&chan_cache, ch);
}

static const obj_ops_t channel_ops = {.name = "channel", .destroy = channel_destroy};

void channel_init_type(void)
{
    kcache_init(&chan_cache, "channel", sizeof(channel_t), 16);
    obj_register_type(OBJ_CHANNEL, &channel_ops);
}

int channel_create_pair(channel_t **a, channel_t **b)
{
    chan_shared_t *sh = kzalloc(sizeof *sh);
    channel_t *e0 = kcache_alloc(&chan_cache), *e1 = kcache_alloc(&chan_cache);
    if (!sh || !e0 || !e1) {
        kfree(sh);
        if (e0)
            kcache_free(&chan_cache, e0);
        if (e1)
            kcache_free(&chan_cache, e1);
        return ERR_NO_MEMORY;
    }
    sh->lock = (spinlock_t)SPINLOCK_INIT;
    sh->ends = 2;
    list_init(&sh->queue[0]);
    list_init(&sh->queue[1]);
    wait_queue_init(&sh->call_wq);
    wait_queue_init(&sh->read_wq[0]);
    wait_queue_init(&sh->read_wq[1]);
    obj_init(&e0->obj, OBJ_CHANNEL);
    obj_init(&e1->obj, OBJ_CHANNEL);
    e0->sh = e1->sh = sh;
    e0->side = 0;
    e1->side = 1;
    sh->end[0] = e0;
    sh->end[1] = e1;
    e0->obj.signals = e1->obj.signals = SIG_WRITABLE;
    e0->sig_applied = e1->sig_applied = 0;
    *a = e0;
    *b = e1;
    return OK;
}

int channel_write(channel_t *ch, message_t *msg)
{
    chan_shared_t *sh = ch->sh;
    int peer = 1 - ch->side;
    uint64_t fl = spin_lock_irqsave(&sh->lock);
    int err = OK;
    if (sh->closed[peer])
        err = ERR_PEER_CLOSED;
    else if (sh->count[peer] >= CHAN_QUEUE_MAX)
        err = ERR_QUEUE_FULL;
    if (err == OK) {
        list_push_back(&sh->queue[peer], &msg->link);
        sh->count[peer]++;
    }
    spin_unlock_irqrestore(&sh->lock, fl);
    if (err == OK) {
        update_signals(sh);
        /* A chan_call waiter woken by this (its reply) runs on this CPU
         * next: the server is about to wait for its next request. */
        uint64_t fl = sched_sync_begin();
        wait_wake_all(&sh->call_wq, OK);
        wait_wake_all(&sh->read_wq[peer], OK);
        sched_sync_end(fl);
    }
    return err;
}

static int take_locked(chan_shared_t *sh, int side, message_t *m, uint32_t max_bytes, uint32_t max_handles,
                       message_t **out, chan_sizes_t *need)
{
    need->bytes = m->nbytes;
    need->handles = m->nhandles;
    if (m->nbytes > max_bytes || m->nhandles > max_handles)
        return ERR_BUFFER_TOO_SMALL;
    list_remove(&m->link);
    sh->count[side]--;
    *out = m;
    return OK;
}

int channel_read(channel_t *ch, uint32_t max_bytes, uint32_t max_handles, message_t **out, chan_sizes_t *need)
{
    chan_shared_t *sh = ch->sh;
    int me = ch->side;
    uint64_t fl = spin_lock_irqsave(&sh->lock);
    int err;
    if (list_empty(&sh->queue[me]))
        err = sh->closed[1 - me] ? ERR_PEER_CLOSED : ERR_SHOULD_WAIT;
    else
        err = take_locked(sh, me, list_entry(sh->queue[me].next, message_t, link), max_bytes, max_handles, out, need);
    spin_unlock_irqrestore(&sh->lock, fl);
    if (err == OK)
        update_signals(sh);
    return err;
}

int channel_read_wait(channel_t *ch, uint32_t max_bytes, uint32_t max_handles, uint64_t deadline, message_t **out,
                      chan_sizes_t *need, thread_t *next)
{
    chan_shared_t *sh = ch->sh;
    int me = ch->side;
    wait_queue_t *wq = &sh->read_wq[me];
    thread_t *t = sched_current();
    for (;;) {
        uint64_t fl = spin_lock_irqsave(&wq->lock);
        spin_lock(&sh->lock);
        int err;
        if (list_empty(&sh->queue[me]))
            err = sh->closed[1 - me] ? ERR_PEER_CLOSED : ERR_SHOULD_WAIT;
        else
            err = take_locked(sh, me, list_entry(sh->queue[me].next, message_t, link), max_bytes, max_handles, out,
                              need);
        spin_unlock(&sh->lock);
        if (err != ERR_SHOULD_WAIT) {
            spin_unlock_irqrestore(&wq->lock, fl);
            if (next)
                sched_ready(next);
            if (err == OK)
                update_signals(sh);
            return err;
        }
        /* Writers wake read_wq after enqueueing, and the direct path looks
         * at the queue holding wq->lock: nothing slips between. */
        t->ipc_direct = false;
        t->ipc_room = max_bytes;
        err = wait_block_switch(wq, fl, deadline, next);
        next = NULL;
        if (t->ipc_direct) {
            need->bytes = t->ipc_len;
            need->handles = 0;
            *out = NULL;
            return OK;
        }
        if (err != OK && err != ERR_PEER_CLOSED)
            return err;
    }
}

/* With wq->lock held, t one of its waiters: copy the message into its
 * buffer and take it off wq (not yet ready: wait_take_locked). */
static inline void give_locked(wait_queue_t *wq, thread_t *t, const void *msg, uint32_t n)
{
    memcpy(t->ipc_buf, msg, n);
    t->ipc_len = n;
    t->ipc_direct = true;
    wait_take_locked(wq, t, OK);
}

/* give_locked, then either wake t or, when taken is not NULL, pass it to
 * the caller. */
static void hand_over_locked(wait_queue_t *wq, thread_t *t, const void *data, uint32_t n, thread_t **taken)
{
    give_locked(wq, t, data, n);
    if (taken)
        *taken = t;
    else
        sched_ready(t);
}

/* With call_wq.lock held: the chan_call on end `side` waiting for txid. */
static inline thread_t *caller_locked(chan_shared_t *sh, int side, uint64_t txid)
{
    list_for_each(l, &sh->call_wq.waiters) {
        thread_t *t = list_entry(l, thread_t, run_link);
        if (t->ipc_side == side && t->ipc_txid == txid)
            return t;
    }
    return NULL;
}

int channel_send_direct(channel_t *ch, const void *data, uint32_t n, thread_t **taken)
{
    chan_shared_t *sh = ch->sh;
    int peer = 1 - ch->side;
    uint64_t txid = 0;
    if (n > THREAD_IPC_BUF)
        return ERR_SHOULD_WAIT;
    if (n >= CHAN_TXID_SIZE)
        memcpy(&txid, data, sizeof txid);
    /* The queues are peeked at without their locks: one that looks empty
     * but is not (a waiter is arriving) only sends this message the queued
     * way, which wakes that waiter. */
    if ((txid >> 63) && !list_empty(&sh->call_wq.waiters)) { /* a kernel-stamped id: perhaps a reply */
        uint64_t fl = spin_lock_irqsave(&sh->call_wq.lock);
        thread_t *t = caller_locked(sh, peer, txid);
        bool fits = t && n <= t->ipc_room;
        if (fits)
            hand_over_locked(&sh->call_wq, t, data, n, taken);
        spin_unlock_irqrestore(&sh->call_wq.lock, fl);
        if (t)
            return fits ? OK : ERR_SHOULD_WAIT;
    }
    wait_queue_t *wq = &sh->read_wq[peer];
    if (list_empty(&wq->waiters))
        return ERR_SHOULD_WAIT;
    uint64_t fl = spin_lock_irqsave(&wq->lock);
    int err = ERR_SHOULD_WAIT;
    if (!list_empty(&wq->waiters)) {
        thread_t *t = list_entry(wq->waiters.next, thread_t, run_link);
        spin_lock(&sh->lock);
        bool in_order = sh->count[peer] == 0 && !sh->closed[peer];
        spin_unlock(&sh->lock);
        if (in_order && n <= t->ipc_room) {
            hand_over_locked(wq, t, data, n, taken);
            err = OK;
        }
    }
    spin_unlock_irqrestore(&wq->lock, fl);
    return err;
}

/* The exchange: both halves of a call on the direct path, each one system
 * call that sends and then waits. Checked first, then performed: nothing
 * changes unless the receiving thread waits, the message fits its buffer,
 * and the sender can start waiting at once (nothing queued for it). Lock
 * order: call_wq, then read_wq, then sh->lock. */
int channel_call_direct(channel_t *ch, const void *msg, uint32_t n, uint64_t txid, uint32_t room, bool *direct)
{
    chan_shared_t *sh = ch->sh;
    int me = ch->side, peer = 1 - me;
    wait_queue_t *server_wq = &sh->read_wq[peer];
    *direct = false;
    if (n > THREAD_IPC_BUF || list_empty(&server_wq->waiters)) /* a peek: see channel_send_direct */
        return ERR_SHOULD_WAIT;
    uint64_t fl = spin_lock_irqsave(&sh->call_wq.lock);
    spin_lock(&server_wq->lock);
    thread_t *server = list_empty(&server_wq->waiters) ? NULL : list_entry(server_wq->waiters.next, thread_t, run_link);
    /* The server found its queue empty holding server_wq->lock, and a
     * writer that queued since wakes server_wq after queueing (under
     * sh->lock, released first): if the server still waits, that message
     * is visible here, so a plain load orders us after it. */
    bool go = server && n <= server->ipc_room && __atomic_load_n(&sh->count[peer], __ATOMIC_ACQUIRE) == 0;
    if (!go) {
        spin_unlock(&server_wq->lock);
        spin_unlock_irqrestore(&sh->call_wq.lock, fl);
        return ERR_SHOULD_WAIT;
    }
    give_locked(server_wq, server, msg, n);
    thread_t *self = sched_current();
    self->ipc_direct = false;
    self->ipc_txid = txid;
    self->ipc_side = me;
    self->ipc_room = room;
    int err = wait_block_direct(&sh->call_wq, &server_wq->lock, fl, server);
    *direct = self->ipc_direct;
    return err;
}

int channel_reply_direct(channel_t *ch, const void *msg, uint32_t n, uint32_t room, bool *direct)
{
    chan_shared_t *sh = ch->sh;
    int me = ch->side, peer = 1 - me;
    wait_queue_t *my_wq = &sh->read_wq[me];
    uint64_t txid = 0;
    *direct = false;
    if (n > THREAD_IPC_BUF || n < CHAN_TXID_SIZE || list_empty(&sh->call_wq.waiters))
        return ERR_SHOULD_WAIT;
    memcpy(&txid, msg, sizeof txid);
    uint64_t fl = spin_lock_irqsave(&sh->call_wq.lock);
    spin_lock(&my_wq->lock);
    thread_t *client = caller_locked(sh, peer, txid);
    /* A message queued for us before we hold my_wq->lock is seen here (as
     * in channel_call_direct); one queued after wakes my_wq once we wait. */
    bool go = client && n <= client->ipc_room && __atomic_load_n(&sh->count[me], __ATOMIC_ACQUIRE) == 0;
    if (!go) {
        spin_unlock(&my_wq->lock);
        spin_unlock_irqrestore(&sh->call_wq.lock, fl);
        return ERR_SHOULD_WAIT;
    }
    give_locked(&sh->call_wq, client, msg, n);
    thread_t *self = sched_current();
    self->ipc_direct = false;
    self->ipc_room = room;
    int err = wait_block_direct(my_wq, &sh->call_wq.lock, fl, client);
    *direct = self->ipc_direct;
    return err;
}

static message_t *find_reply_locked(chan_shared_t *sh, int side, uint64_t txid)
{
    list_for_each(n, &sh->queue[side]) {
        message_t *m = list_entry(n, message_t, link);
        uint64_t id;
        if (m->nbytes >= CHAN_TXID_SIZE) {
            memcpy(&id, m->data, sizeof id);
            if (id == txid)
                return m;
        }
    }
    return NULL;
}

int channel_wait_reply(channel_t *ch, uint64_t txid, uint32_t max_bytes, uint32_t max_handles, uint64_t deadline,
                       message_t **out, chan_sizes_t *need, thread_t *next)
{
    chan_shared_t *sh = ch->sh;
    int me = ch->side;
    for (;;) {
        uint64_t fl = spin_lock_irqsave(&sh->call_wq.lock);
        spin_lock(&sh->lock);
        message_t *m = find_reply_locked(sh, me, txid);
        int err = ERR_SHOULD_WAIT;
        if (m)
            err = take_locked(sh, me, m, max_bytes, max_handles, out, need);
        else if (sh->closed[1 - me])
            err = ERR_PEER_CLOSED;
        spin_unlock(&sh->lock);
        if (err != ERR_SHOULD_WAIT) {
            spin_unlock_irqrestore(&sh->call_wq.lock, fl);
            if (next)
                sched_ready(next);
            if (err == OK)
                update_signals(sh);
            return err;
        }
        /* Writers wake call_wq after enqueueing, and we looked at the queue
         * holding call_wq.lock: no reply can slip between. */
        thread_t *t = sched_current();
        t->ipc_direct = false;
        t->ipc_txid = txid;
        t->ipc_side = me;
        t->ipc_room = max_bytes;
        err = wait_block_switch(&sh->call_wq, fl, deadline, next);
        next = NULL;
        if (t->ipc_direct) {
            need->bytes = t->ipc_len;
            need->handles = 0;
            *out = NULL;
            return OK;
        }
        if (err != OK && err != ERR_PEER_CLOSED)
            return err;
    }
}

void channel_unread(channel_t *ch, message_t *m)
{
    chan_shared_t *sh = ch->sh;
    uint64_t fl = spin_lock_irqsave(&sh->lock);
    bool gone = sh->closed[ch->side];
    if (!gone) {
        list_push_front(&sh->queue[ch->side], &m->link);
        sh->count[ch->side]++;
    }
    spin_unlock_irqrestore(&sh->lock, fl);
    if (gone) {
        message_free(m);
    } else {
        update_signals(sh);
        wait_wake_all(&sh->read_wq[ch->side], OK);
    }
}

bool channel_same_pair(const channel_t *ch, const kobject_t *obj)
{
    return obj->type == OBJ_CHANNEL && ((const channel_t *)obj)->sh == ch->sh;
}
