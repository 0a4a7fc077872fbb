/*
 * Ports: wait sets. An object is bound to a port with a key and a signal
 * mask; whenever one of those signals rises on the object, a packet
 * {key, signals} is queued on the port (at most one per binding at a time:
 * a binding whose packet is still queued just updates it, so a busy object
 * cannot flood the port). User packets can be queued too (bounded).
 * port_wait returns the oldest packet, blocking until one comes or the
 * deadline passes. A server waits on one port for all it serves.
 *
 * Bindings do not keep the object alive: when it is destroyed its bindings
 * go, and no more packets come for it. bind_lock (port.c) protects every
 * binding list, on ports and on objects.
 */
#ifndef OBJ_PORT_H
#define OBJ_PORT_H

#include "types.h"
#include "abi/port.h"
#include "lib/list.h"
#include "abi/handle.h"
#include "obj/object.h"

typedef struct port {
    kobject_t obj;
    list_t queue;      /* packets, oldest first (under obj.waiters.lock) */
    uint32_t user_packets;
    list_t bindings;   /* under bind_lock */
} port_t;

int port_create(port_t **out);
int port_bind(port_t *port, kobject_t *obj, uint64_t key, uint32_t signals);
int port_unbind(port_t *port, kobject_t *obj, uint64_t key);
int port_queue_user(port_t *port, uint64_t key, const uint64_t data[2]);
int port_wait(port_t *port, uint64_t deadline, port_packet_t *out);

/* Called by obj_signal when bits rose on an object with bindings. */
void port_notify(kobject_t *obj, uint32_t signals);
/* Called when an object is destroyed. */
void port_unbind_all(kobject_t *obj);

void port_init_type(void);

#endif
