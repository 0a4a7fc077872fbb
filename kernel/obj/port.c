/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Port objects (model in obj/port.h).
 *
 * Every binding embeds its one packet, so delivering a signal never
 * allocates and never fails; user packets are allocated and bounded by
 * PORT_MAX_USER_PACKETS. Locks: bind_lock (all binding lists) before a
 * port's wq.lock (its packet queue); never the other way round.
 */
#include "obj/port.h"
#include "lib/kstring.h"
#include "lib/spinlock.h"
#include "mm/kheap.h"

typedef struct port_item {
    list_node_t qlink;             /* in port->queue while queued */
    port_packet_t pkt;
    struct port_binding *binding;  /* NULL for a user packet */
} port_item_t;

typedef struct port_binding {
    list_node_t on_port;           /* in port->bindings */
    list_node_t on_obj;            /* in obj->bindings */
    port_t *port;
    kobject_t *obj;
    uint64_t key;
    uint32_t mask;
    port_item_t item;
} port_binding_t;

typedef struct port_full {
    port_t port;
    wait_queue_t wq;               /* port_wait waiters; wq.lock guards the queue */
} port_full_t;

static spinlock_t bind_lock = SPINLOCK_INIT;
static kcache_t port_cache;

static wait_queue_t *pwq(port_t *p)
{
    return &((port_full_t *)p)->wq;
}

/* Queue (or refresh) a binding's packet. bind_lock held. */
static void deliver_locked(port_binding_t *b, uint32_t signals)
{
    port_t *p = b->port;
    uint64_t fl = spin_lock_irqsave(&pwq(p)->lock);
    b->item.pkt.signals = signals;
    bool first = !list_linked(&b->item.qlink);
    if (first)
        list_push_back(&p->queue, &b->item.qlink);
    spin_unlock_irqrestore(&pwq(p)->lock, fl);
    if (first) {
        wait_wake_one(pwq(p), OK);
        obj_signal(&p->obj, 0, SIG_PACKET);
    }
}

void port_notify(kobject_t *obj, uint32_t rising)
{
    uint64_t fl = spin_lock_irqsave(&bind_lock);
    uint32_t now = obj_signals(obj);
    list_for_each(n, &obj->bindings) {
        port_binding_t *b = list_entry(n, port_binding_t, on_obj);
        if (rising & b->mask)
            deliver_locked(b, now);
    }
    spin_unlock_irqrestore(&bind_lock, fl);
}

/* Unlink and free a binding. bind_lock held. */
static void drop_binding_locked(port_binding_t *b)
{
    uint64_t fl = spin_lock_irqsave(&pwq(b->port)->lock);
    if (list_linked(&b->item.qlink))
        list_remove(&b->item.qlink);
    spin_unlock_irqrestore(&pwq(b->port)->lock, fl);
    list_remove(&b->on_port);
    list_remove(&b->on_obj);
    kfree(b);
}

void port_unbind_all(kobject_t *obj)
{
    uint64_t fl = spin_lock_irqsave(&bind_lock);
    while (!list_empty(&obj->bindings))
        drop_binding_locked(list_entry(obj->bindings.next, port_binding_t, on_obj));
    spin_unlock_irqrestore(&bind_lock, fl);
}

static void port_destroy(kobject_t *o)
{
    port_t *p = (port_t *)o;
    uint64_t fl = spin_lock_irqsave(&bind_lock);
    while (!list_empty(&p->bindings))
        drop_binding_locked(list_entry(p->bindings.next, port_binding_t, on_port));
    spin_unlock_irqrestore(&bind_lock, fl);
    list_node_t *l;
    while ((l = list_pop_front(&p->queue)))
        kfree(list_entry(l, port_item_t, qlink)); /* only user packets remain */
    kcache_free(&port_cache, (port_full_t *)p);
}

static const obj_ops_t port_ops = {.name = "port", .destroy = port_destroy};

void port_init_type(void)
{
    kcache_init(&port_cache, "port", sizeof(port_full_t), 16);
    obj_register_type(OBJ_PORT, &port_ops);
}

int port_create(port_t **out)
{
    port_full_t *pf = kcache_alloc(&port_cache);
    if (!pf)
        return ERR_NO_MEMORY;
    memset(pf, 0, sizeof *pf);
    obj_init(&pf->port.obj, OBJ_PORT);
    list_init(&pf->port.queue);
    list_init(&pf->port.bindings);
    wait_queue_init(&pf->wq);
    *out = &pf->port;
    return OK;
}

int port_bind(port_t *port, kobject_t *obj, uint64_t key, uint32_t signals)
{
    if (signals == 0)
        return ERR_INVALID_ARGS;
    if (obj->type == OBJ_PORT)
        return ERR_NOT_SUPPORTED; /* ports do not nest: one bind_lock level */
    port_binding_t *b = kzalloc(sizeof *b);
    if (!b)
        return ERR_NO_MEMORY;
    b->port = port;
    b->obj = obj;
    b->key = key;
    b->mask = signals;
    b->item = (port_item_t){.pkt = {.key = key, .type = PACKET_SIGNAL}, .binding = b};
    list_node_init(&b->item.qlink);
    uint64_t fl = spin_lock_irqsave(&bind_lock);
    int err = OK;
    list_for_each(n, &obj->bindings) {
        port_binding_t *o = list_entry(n, port_binding_t, on_obj);
        if (o->port == port && o->key == key)
            err = ERR_ALREADY_EXISTS;
    }
    if (err == OK) {
        list_push_back(&port->bindings, &b->on_port);
        list_push_back(&obj->bindings, &b->on_obj);
        /* Already asserted: report it now, as if it had just risen. */
        uint32_t now = obj_signals(obj);
        if (now & signals)
            deliver_locked(b, now);
    }
    spin_unlock_irqrestore(&bind_lock, fl);
    if (err != OK)
        kfree(b);
    return err;
}

int port_unbind(port_t *port, kobject_t *obj, uint64_t key)
{
    uint64_t fl = spin_lock_irqsave(&bind_lock);
    int err = ERR_NOT_FOUND;
    list_for_each(n, &obj->bindings) {
        port_binding_t *b = list_entry(n, port_binding_t, on_obj);
        if (b->port == port && b->key == key) {
            drop_binding_locked(b);
            err = OK;
            break;
        }
    }
    spin_unlock_irqrestore(&bind_lock, fl);
    return err;
}

int port_queue_user(port_t *port, uint64_t key, const uint64_t data[2])
{
    port_item_t *it = kzalloc(sizeof *it);
    if (!it)
        return ERR_NO_MEMORY;
    it->pkt = (port_packet_t){.key = key, .type = PACKET_USER, .data = {data[0], data[1]}};
    list_node_init(&it->qlink);
    uint64_t fl = spin_lock_irqsave(&pwq(port)->lock);
    int err = port->user_packets >= PORT_MAX_USER_PACKETS ? ERR_QUEUE_FULL : OK;
    if (err == OK) {
        list_push_back(&port->queue, &it->qlink);
        port->user_packets++;
    }
    spin_unlock_irqrestore(&pwq(port)->lock, fl);
    if (err != OK) {
        kfree(it);
        return err;
    }
    wait_wake_one(pwq(port), OK);
    obj_signal(&port->obj, 0, SIG_PACKET);
    return OK;
}

int port_wait(port_t *port, uint64_t deadline, port_packet_t *out)
{
    for (;;) {
        uint64_t fl = spin_lock_irqsave(&pwq(port)->lock);
        list_node_t *l = list_pop_front(&port->queue);
        if (l) {
            port_item_t *it = list_entry(l, port_item_t, qlink);
            *out = it->pkt;
            bool user = it->binding == NULL;
            if (user)
                port->user_packets--;
            bool empty = list_empty(&port->queue);
            spin_unlock_irqrestore(&pwq(port)->lock, fl);
            if (user)
                kfree(it);
            if (empty) {
                obj_signal(&port->obj, SIG_PACKET, 0);
                /* A packet queued between our check and the clear set the
                 * signal before we cleared it: put it back. */
                if (!list_empty(&port->queue))
                    obj_signal(&port->obj, 0, SIG_PACKET);
            }
            return OK;
        }
        int err = wait_block_locked(pwq(port), fl, deadline);
        if (err != OK)
            return err;
    }
}
