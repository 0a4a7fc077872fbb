/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Port and timer system calls. Binding an object needs RIGHT_WAIT on it
 * (the same as waiting on it directly) and RIGHT_WRITE on the port.
 */
#include "obj/port.h"
#include "obj/process.h"
#include "obj/timer.h"
#include "syscall/syscall.h"
#include "syscall/usercopy.h"

#define PORT_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_SIGNAL | RIGHT_WAIT | RIGHT_DUPLICATE | RIGHT_TRANSFER)
#define TIMER_RIGHTS (RIGHT_MANAGE | RIGHT_WAIT | RIGHT_DUPLICATE | RIGHT_TRANSFER)

int64_t sys_port_create(uint64_t out, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    port_t *port;
    int err = port_create(&port);
    return err != OK ? err : syscall_give_handle(&port->obj, PORT_RIGHTS, HANDLE_INVALID, out);
}

/* Look up the port (with `rights`) and the object (RIGHT_WAIT). */
static int port_and_object(uint64_t ph, uint32_t rights, uint64_t oh, port_t **port, kobject_t **obj)
{
    process_t *p = current_process();
    int err = handle_get(p, (handle_t)ph, OBJ_PORT, rights, (kobject_t **)port);
    if (err != OK)
        return err;
    err = handle_get(p, (handle_t)oh, OBJ_NONE, RIGHT_WAIT, obj);
    if (err != OK)
        obj_unref(&(*port)->obj);
    return err;
}

/* port_bind(port, object, key, signals) */
int64_t sys_port_bind(uint64_t ph, uint64_t oh, uint64_t key, uint64_t signals, uint64_t a4, uint64_t a5)
{
    if (signals == 0 || signals > UINT32_MAX)
        return ERR_INVALID_ARGS;
    port_t *port;
    kobject_t *obj;
    int err = port_and_object(ph, RIGHT_WRITE, oh, &port, &obj);
    if (err != OK)
        return err;
    err = port_bind(port, obj, key, (uint32_t)signals);
    obj_unref(obj);
    obj_unref(&port->obj);
    return err;
}

int64_t sys_port_unbind(uint64_t ph, uint64_t oh, uint64_t key, uint64_t a3, uint64_t a4, uint64_t a5)
{
    port_t *port;
    kobject_t *obj;
    int err = port_and_object(ph, RIGHT_WRITE, oh, &port, &obj);
    if (err != OK)
        return err;
    err = port_unbind(port, obj, key);
    obj_unref(obj);
    obj_unref(&port->obj);
    return err;
}

/* port_wait(port, deadline, packet*) */
int64_t sys_port_wait(uint64_t ph, uint64_t deadline, uint64_t out, uint64_t a3, uint64_t a4, uint64_t a5)
{
    port_t *port;
    int err = handle_get(current_process(), (handle_t)ph, OBJ_PORT, RIGHT_READ, (kobject_t **)&port);
    if (err != OK)
        return err;
    /* Check the destination before taking a packet, so a bad pointer
     * costs no packet (a signal packet could not be put back). */
    port_packet_t pkt = {0};
    err = copy_to_user(uptr(out), &pkt, sizeof pkt);
    if (err == OK)
        err = port_wait(port, deadline, &pkt);
    if (err == OK)
        err = copy_to_user(uptr(out), &pkt, sizeof pkt); /* only fails if unmapped meanwhile */
    obj_unref(&port->obj);
    return err;
}

/* port_queue(port, key, data*): data is two 64-bit words; RIGHT_SIGNAL. */
int64_t sys_port_queue(uint64_t ph, uint64_t key, uint64_t datap, uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t data[2];
    int err = copy_from_user(data, uptr(datap), sizeof data);
    if (err != OK)
        return err;
    port_t *port;
    if ((err = handle_get(current_process(), (handle_t)ph, OBJ_PORT, RIGHT_SIGNAL, (kobject_t **)&port)) != OK)
        return err;
    err = port_queue_user(port, key, data);
    obj_unref(&port->obj);
    return err;
}

int64_t sys_timer_create(uint64_t out, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    timer_object_t *t;
    int err = timer_obj_create(&t);
    return err != OK ? err : syscall_give_handle(&t->obj, TIMER_RIGHTS, HANDLE_INVALID, out);
}

/* timer_set(timer, deadline, period): period 0 = one-shot. */
int64_t sys_timer_set(uint64_t h, uint64_t deadline, uint64_t period, uint64_t a3, uint64_t a4, uint64_t a5)
{
    timer_object_t *t;
    int err = handle_get(current_process(), (handle_t)h, OBJ_TIMER, RIGHT_MANAGE, (kobject_t **)&t);
    if (err != OK)
        return err;
    err = timer_obj_set(t, deadline, period);
    obj_unref(&t->obj);
    return err;
}

int64_t sys_timer_cancel(uint64_t h, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    timer_object_t *t;
    int err = handle_get(current_process(), (handle_t)h, OBJ_TIMER, RIGHT_MANAGE, (kobject_t **)&t);
    if (err != OK)
        return err;
    timer_obj_cancel(t);
    obj_unref(&t->obj);
    return OK;
}
