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
#include "arch/percpu.h"
#include "obj/object.h"
#include "obj/process.h"

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

/* The same, after checking inline whether anything changed: the bitmap can
 * only be stale when another process's ports are loaded or p's port set
 * changed (io_gen). Every system call return and context switch asks, so
 * the common answer is a few loads, not a call. Interrupts off. */
static inline void ioport_sync_cpu_if_stale(struct process *p)
{
    percpu_t *cpu = this_cpu();
    uint64_t gen = p ? __atomic_load_n(&p->io_gen, __ATOMIC_ACQUIRE) : 0;
    if (gen == 0 ? cpu->tss.iomap_base == IOMAP_DENY
                 : cpu->io_owner == p->obj.id && cpu->io_gen == gen && cpu->tss.iomap_base != IOMAP_DENY)
        return;
    ioport_sync_cpu(p);
}

void ioport_init_type(void);

#endif
