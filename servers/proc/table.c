/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The process table of the proc server (model in procd.h).
 *
 * Termination is the one event every entry waits for: the SIG_TERMINATED
 * binding made in entry_add. When it fires, the waiters get the exit
 * reason and code (read with process_info) and the entry is forgotten;
 * with nobody waiting, an entry proc created stays listed as ENDED until
 * someone waits for it, an adopted one is forgotten (init reports its
 * components' ends itself). At most PROC_MAX_ENDED ended entries are kept:
 * past that the one that ended first is dropped, with a log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "procd.h"

static const char *reason_name(uint32_t r)
{
    switch (r) {
    case PROCESS_EXITED:
        return "exited";
    case PROCESS_KILLED:
        return "killed";
    case PROCESS_FAULTED:
        return "faulted";
    default:
        return "running";
    }
}

entry_t *entry_find(uint64_t pid)
{
    for (entry_t *e = procd.entries; e != NULL && e->pid <= pid; e = e->next)
        if (e->pid == pid)
            return e;
    return NULL;
}

static void unlink_entry(entry_t *e)
{
    entry_t **pp = &procd.entries;
    while (*pp != NULL && *pp != e)
        pp = &(*pp)->next;
    if (*pp == e)
        *pp = e->next;
}

/* What start would have sent, dropped. */
static void drop_pending(entry_t *e)
{
    for (uint32_t i = 0; i < e->nadded; i++)
        sys_handle_close(e->added[i].h);
    e->nadded = 0;
    free(e->args);
    free(e->env);
    e->args = e->env = NULL;
    e->owner = NULL;
}

void entry_forget(entry_t *e, uint32_t reason, int32_t code)
{
    proc_wait_result_t res = {.reason = reason, .code = code};
    for (uint32_t i = 0; i < e->nwaiters; i++) {
        int err = proc_wait_reply(&e->waiters[i].txn, OK, &res);
        if (err != OK) /* the waiter's channel broke: nothing more to do for it */
            fprintf(stderr, "proc: cannot answer a wait for pid %llu: %s\n", (unsigned long long)e->pid,
                    cairn_error_name(err));
    }
    e->nwaiters = 0;
    loop_remove(&procd.loop, &e->term);
    drop_pending(e);
    sys_handle_close(e->proc); /* an unstarted process ends with its last handle */
    unlink_entry(e);
    if (e->state == ENTRY_ENDED)
        procd.nended--;
    else
        procd.nlive--;
    free(e);
}

/* Keeps at most PROC_MAX_ENDED unwaited ended entries. */
static void enforce_ended_bound(void)
{
    while (procd.nended > PROC_MAX_ENDED) {
        entry_t *oldest = NULL;
        for (entry_t *e = procd.entries; e != NULL; e = e->next)
            if (e->state == ENTRY_ENDED && (oldest == NULL || e->ended_seq < oldest->ended_seq))
                oldest = e;
        if (oldest == NULL)
            return;
        fprintf(stderr, "proc: forgetting '%s' (pid %llu, %s, status %d): nobody waited for it and %u ended "
                        "processes are kept at most\n",
                oldest->name, (unsigned long long)oldest->pid, reason_name(oldest->reason), (int)oldest->code,
                PROC_MAX_ENDED);
        entry_forget(oldest, oldest->reason, oldest->code);
    }
}

static void on_terminated(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    entry_t *e = src->ctx;
    process_info_t info;
    (void)signals;
    memset(&info, 0, sizeof info);
    int64_t err = sys_process_info(e->proc, &info);
    if (err != OK) {
        /* Cannot happen with the rights proc holds; report it as killed. */
        fprintf(stderr, "proc: process_info of pid %llu: %s\n", (unsigned long long)e->pid,
                cairn_error_name((int)err));
        info.exit_reason = PROCESS_KILLED;
        info.exit_code = -1;
    }
    loop_remove(loop, &e->term); /* one end per process */
    printf("proc: '%s' (pid %llu) %s, status %d\n", e->name, (unsigned long long)e->pid,
           reason_name(info.exit_reason), (int)info.exit_code);
    if (e->nwaiters > 0 || e->adopted) {
        entry_forget(e, info.exit_reason, info.exit_code);
        return;
    }
    drop_pending(e); /* killed before it was started */
    e->state = ENTRY_ENDED;
    e->reason = info.exit_reason;
    e->code = info.exit_code;
    e->ended_seq = ++procd.end_seq;
    procd.nlive--;
    procd.nended++;
    enforce_ended_bound();
}

int entry_add(handle_t proc, const char *name, uint64_t parent, bool adopted, entry_t **out)
{
    handle_info_t info;
    int err = (int)sys_handle_info(proc, &info);
    if (err == OK && procd.nlive >= PROC_MAX_LIVE)
        err = ERR_NO_RESOURCES;
    if (err == OK && entry_find(info.object_id) != NULL)
        err = ERR_ALREADY_EXISTS;
    entry_t *e = NULL;
    if (err == OK && (e = calloc(1, sizeof *e)) == NULL)
        err = ERR_NO_MEMORY;
    if (err == OK) {
        e->pid = info.object_id;
        e->parent = parent;
        snprintf(e->name, sizeof e->name, "%s", name);
        e->adopted = adopted;
        e->proc = proc;
        e->state = adopted ? ENTRY_RUNNING : ENTRY_CREATED;
        err = loop_add(&procd.loop, &e->term, proc, SIG_TERMINATED, LOOP_URGENT, on_terminated, e);
    }
    if (err != OK) {
        free(e);
        sys_handle_close(proc);
        return err;
    }
    entry_t **pp = &procd.entries;
    while (*pp != NULL && (*pp)->pid < e->pid)
        pp = &(*pp)->next;
    e->next = *pp;
    *pp = e;
    procd.nlive++;
    *out = e;
    return OK;
}

int entry_add_waiter(entry_t *e, const proto_txn_t *txn, srv_client_t *c)
{
    if (e->nwaiters >= PROC_MAX_WAITERS)
        return ERR_NO_RESOURCES;
    e->waiters[e->nwaiters].txn = *txn;
    e->waiters[e->nwaiters].client = c;
    e->nwaiters++;
    return OK;
}

void table_client_closed(srv_client_t *c)
{
    entry_t *e = procd.entries;
    while (e != NULL) {
        entry_t *next = e->next;
        uint32_t kept = 0;
        for (uint32_t i = 0; i < e->nwaiters; i++)
            if (e->waiters[i].client != c)
                e->waiters[kept++] = e->waiters[i];
        e->nwaiters = kept;
        if (e->state == ENTRY_CREATED && e->owner == c) {
            printf("proc: '%s' (pid %llu) was never started and its creator left: killed\n", e->name,
                   (unsigned long long)e->pid);
            sys_process_kill(e->proc);
            entry_forget(e, PROCESS_KILLED, -1);
        }
        e = next;
    }
}
