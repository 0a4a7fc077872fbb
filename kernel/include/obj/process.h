/*
 * Processes: an address space, a handle table, threads and quotas.
 *
 *   ALIVE --(last thread exits | process_exit | process_kill | fault)--> DEAD
 *
 * When a process dies every thread is told to stop (blocked ones are woken
 * with ERR_CANCELED, running ones are interrupted), its handles are closed
 * once the last thread is gone, and SIG_TERMINATED is raised with the exit
 * status readable through the process handle (process_info).
 *
 * Quotas are set by the creator and charged at creation of what they limit:
 * memory bytes (vmos), handles, threads. proc->lock protects the thread
 * list, the state and the quota counters.
 */
#ifndef OBJ_PROCESS_H
#define OBJ_PROCESS_H

#include "types.h"
#include "abi/process.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "mm/aspace.h"
#include "obj/handle.h"
#include "obj/object.h"

struct thread;

typedef struct process {
    kobject_t obj;
    char name[PROCESS_NAME_MAX];
    spinlock_t lock;
    handle_table_t handles;
    aspace_t *as;
    list_t threads;             /* live threads, via thread->proc_link */
    uint32_t nthreads;
    bool started;
    bool dead;
    bool finished;              /* finalize() has run (set once, before SIG_TERMINATED) */
    int exit_code;
    uint32_t exit_reason;       /* enum process_exit_reason */
    process_quota_t quota;
    uint64_t mem_used;
    uint64_t cpu_ns;            /* CPU time of threads that ended */
    uint64_t io_gen;            /* bumped when its ioport handles change (atomic) */
} process_t;

int process_create(const char *name, const process_quota_t *quota, process_t **out);
/* Kill: reason is PROCESS_EXITED, PROCESS_KILLED or PROCESS_FAULTED. */
void process_terminate(process_t *p, int code, uint32_t reason);
/* Killed or exiting: its threads leave at their next return to user mode.
 * Inline: every system call asks on its way out. */
static inline bool process_dying(const process_t *p)
{
    return __atomic_load_n(&p->dead, __ATOMIC_SEQ_CST);
}

int process_charge_memory(process_t *p, uint64_t bytes);
void process_uncharge_memory(process_t *p, uint64_t bytes);
/* Add a thread (quota checked). */
int process_add_thread(process_t *p, struct thread *t);
void process_remove_thread(process_t *p, struct thread *t);
void process_get_info(process_t *p, process_info_t *info);
/* Processes created and not yet finished; threads in processes (system_info). */
void process_counts(uint32_t *processes, uint32_t *threads);

void process_init_type(void);

#endif
