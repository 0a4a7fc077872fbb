/*
 * I/O-port objects: a range of x86 I/O ports, made from an IOPORT resource
 * covering it. Holding a handle to one with RIGHT_READ and RIGHT_WRITE is
 * what lets a process's threads use those ports in ring 3: the CPU's I/O permission bitmap is rebuilt
 * from the process's ioport handles whenever they change, so closing or
 * revoking the handle takes the ports away (CPUs running the process are
 * interrupted so they pick the change up before returning to user mode).
 */
#ifndef OBJ_IOPORT_H
#define OBJ_IOPORT_H

#include "types.h"
#include "obj/object.h"

struct process;
struct percpu;

typedef struct ioport {
    kobject_t obj;
    uint32_t base;
    uint32_t len;
} ioport_t;

int ioport_create(uint32_t base, uint32_t len, ioport_t **out);
/* Make this CPU's bitmap match the ports of p (NULL: none). Interrupts off. */
void ioport_sync_cpu(struct process *p);

void ioport_init_type(void);

#endif
