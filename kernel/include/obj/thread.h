/*
 * Threads: the unit the scheduler runs. A thread belongs to a process (NULL
 * for kernel threads, which run kernel code only) and owns a guarded kernel
 * stack. States:
 *
 *   NEW --thread_start--> READY <--> RUNNING --block--> BLOCKED --wake--> READY
 *                                       |
 *                                 thread_exit --> DEAD (reaped after it is off its stack)
 *
 * Fields marked [rq] are protected by the run-queue lock of the CPU in
 * `cpu`; a thread moves between CPUs only while READY and not on_cpu.
 */
#ifndef OBJ_THREAD_H
#define OBJ_THREAD_H

#include "types.h"
#include "lib/list.h"
#include "obj/object.h"
#include "sched/ktimer.h"
#include "sched/wait.h"

typedef enum thread_state {
    THREAD_NEW,
    THREAD_READY,
    THREAD_RUNNING,
    THREAD_BLOCKED,
    THREAD_DEAD,
} thread_state_t;

#define THREAD_NAME_MAX 24
#define THREAD_ANY_CPU (-1)
#define THREAD_IPC_BUF 128  /* the largest message handed over directly */

struct process;

typedef struct thread {
    kobject_t obj;
    struct process *proc;
    char name[THREAD_NAME_MAX];

    thread_state_t state;   /* [rq] */
    uint8_t priority;       /* 0 (lowest) .. SCHED_PRIORITIES-1 */
    int32_t affinity;       /* a CPU id, or THREAD_ANY_CPU */
    uint32_t cpu;           /* [rq] run queue it is on / last ran on */
    bool on_cpu;            /* [rq] executing, or not yet switched away from */
    bool is_idle;
    list_node_t run_link;   /* [rq] in a run queue */

    vaddr_t kstack_top;
    uint64_t saved_rsp;     /* kernel stack pointer while switched out */
    uint64_t slice_end;     /* ns: preempt at this time */
    uint64_t runtime_ns;    /* CPU time used */
    uint64_t last_start_ns;

    void (*entry)(void *);
    void *arg;

    /* Blocking (see sched/wait.h). */
    wait_queue_t *waiting_on;
    int wait_result;
    uint32_t cancelling;    /* wait_cancel calls in progress (atomic) */
    bool start_claimed;     /* thread_start ran (atomic): it runs once */
    ktimer_t wait_timer;

    int exit_code;
    wait_queue_t exit_wq;   /* joiners */

    /* User threads. */
    list_node_t proc_link;  /* in proc->threads, under proc->lock */
    uint64_t user_entry, user_stack, user_arg;
    void *fpu;              /* FPU/SSE/AVX state while switched out */
    /* Objects whose destruction this thread started (object.c). */
    bool destroying;
    kobject_t *dead_list;
    uint64_t fs_base;       /* user TLS pointer */

    /* Direct channel messages (obj/channel.c). While it waits in chan_read
     * or chan_call, a writer may copy a small message straight into
     * ipc_buf and wake it, instead of queueing it. Written by that writer
     * under the lock of the wait queue the thread is on, read by the
     * thread once it runs again. */
    uint64_t ipc_txid;      /* chan_call: the reply it waits for */
    uint32_t ipc_room;      /* bytes its caller's buffer takes */
    int ipc_side;           /* chan_call: the end it called through */
    uint32_t ipc_len;       /* bytes in ipc_buf */
    bool ipc_direct;        /* ipc_buf holds a message for it */
    uint8_t ipc_buf[THREAD_IPC_BUF] __attribute__((aligned(8)));
} thread_t;

/* A kernel thread running fn(arg); NEW until thread_start. Returns NULL when
 * out of memory. The caller holds the returned reference. */
thread_t *thread_create_kernel(const char *name, void (*fn)(void *), void *arg, uint8_t priority,
                               int32_t affinity);
/* Make a NEW thread runnable; a second call (a racing kill) does nothing. */
void thread_start(thread_t *t);
NORETURN void thread_exit(int code);
/* Wait until t is DEAD (or the deadline passes: ERR_TIMED_OUT). */
int thread_join(thread_t *t, uint64_t deadline, int *code);
/* Sleep until the deadline (ns on the monotonic clock). */
void thread_sleep_until(uint64_t deadline);

/* A thread of process p that enters user mode at entry with rsp = stack and
 * rdi = arg. NEW until thread_start; charged to p's thread quota. */
int thread_create_user(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg, thread_t **out);
/* Take t out of any wait (ERR_CANCELED) and make it notice its process is
 * dying as soon as it can. */
void thread_interrupt(thread_t *t);

void thread_init_types(void);

#endif
