/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The proc server's state (docs/proc.md), shared by its files:
 *   main.c   start-up (boot modules, the "init" channel, publishing), the
 *            dispatch function and the loop;
 *   table.c  the process table: entries, termination, waiters, the bounds;
 *   ops.c    the proc protocol's operations.
 *
 * An entry is one process proc knows, in one of three states:
 *
 *   CREATED --start--> RUNNING --SIG_TERMINATED--> ENDED --wait--> (forgotten)
 *      |                                             ^
 *      +--kill, or its creator's channel closes------+ (a creator that goes
 *                                                       away: forgotten at once)
 *
 * Adopted entries (init's processes) start RUNNING and are forgotten when
 * they end. Every entry's process is bound to the loop for SIG_TERMINATED
 * from the moment it is known, so an end is seen whatever caused it.
 * Entries are kept in pid order (a pid is the process's kernel object id).
 */
#ifndef PROC_PROCD_H
#define PROC_PROCD_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/loop.h"
#include "cairn/server.h"
#include "cairn/spawn.h"
#include "proc.h"

#define PROC_MAX_LIVE 128u        /* created or running entries */
#define PROC_MAX_ENDED 32u        /* ended entries nobody waited for yet */
#define PROC_MAX_ADDED 15u        /* add_handle per process (one slot stays spare) */
#define PROC_MAX_WAITERS 16u      /* wait calls pending per process */
#define PROC_MAX_MODULES 256u

enum entry_state { ENTRY_CREATED, ENTRY_RUNNING, ENTRY_ENDED };

typedef struct waiter {
    proto_txn_t txn;
    srv_client_t *client;         /* to drop the waiter when the client goes */
} waiter_t;

typedef struct entry {
    uint64_t pid;
    uint64_t parent;              /* 0 when unknown */
    char name[PROCESS_NAME_MAX];
    enum entry_state state;
    bool adopted;
    handle_t proc;                /* ours: READ MANAGE WAIT ...; adopted: READ WAIT */
    loop_source_t term;           /* SIG_TERMINATED on proc */
    srv_client_t *owner;          /* the creator, while CREATED; NULL otherwise */
    /* CREATED: what start will send. */
    spawn_proc_t sp;
    char *args;                   /* "program args", malloc'd */
    char *env;
    spawn_handle_t added[PROC_MAX_ADDED];
    uint32_t nadded;
    /* ENDED: how. */
    uint32_t reason;              /* enum process_exit_reason */
    int32_t code;
    uint64_t ended_seq;           /* order of ending, for the bound */
    waiter_t waiters[PROC_MAX_WAITERS];
    uint32_t nwaiters;
    struct entry *next;           /* pid order */
} entry_t;

typedef struct module {
    char name[BOOTSTRAP_NAME_MAX];
    handle_t vmo;
} module_t;

typedef struct procd {
    loop_t loop;
    srv_t srv;
    entry_t *entries;             /* pid order */
    uint32_t nlive;               /* CREATED + RUNNING */
    uint32_t nended;
    uint64_t end_seq;
    module_t modules[PROC_MAX_MODULES];
    uint32_t nmodules;
    handle_t init_ch;             /* adopt events come here only */
    loop_source_t init_src;
} procd_t;

extern procd_t procd;

/* table.c */
entry_t *entry_find(uint64_t pid);
/* A new entry for process `proc` (taken over: closed on failure), bound
 * for SIG_TERMINATED. ERR_NO_RESOURCES past PROC_MAX_LIVE. */
int entry_add(handle_t proc, const char *name, uint64_t parent, bool adopted, entry_t **out);
/* Replies to its waiters (reason, code) and forgets it: closes its process
 * handle (an unstarted process dies with it) and what start would send. */
void entry_forget(entry_t *e, uint32_t reason, int32_t code);
/* Queues a deferred wait; ERR_NO_RESOURCES past PROC_MAX_WAITERS. */
int entry_add_waiter(entry_t *e, const proto_txn_t *txn, srv_client_t *c);
/* A client went away: its waiters are dropped, its unstarted processes
 * killed and forgotten. */
void table_client_closed(srv_client_t *c);

/* ops.c */
extern const proc_ops_t proc_client_ops;
extern const proc_ops_t proc_init_ops;

#endif
