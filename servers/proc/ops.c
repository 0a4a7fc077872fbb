/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The operations of proto/proc.proto (docs/proc.md has the contract).
 * Clients' ops get their srv_client_t as ctx; adopt, the one operation of
 * the "init" channel, gets the server state.
 *
 * Every refusal is logged with the operation and the pid or name, except
 * ERR_NOT_FOUND past the end of list, handles and module: that is how a
 * walk ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/errors.h"
#include "procd.h"

static int refuse(const char *op, uint64_t pid, int err, const char *why)
{
    fprintf(stderr, "proc: %s pid %llu: %s (%s)\n", op, (unsigned long long)pid, cairn_error_name(err), why);
    return err;
}

static void spawn_report(const char *msg)
{
    fprintf(stderr, "proc: %s\n", msg);
}

static const module_t *module_find(const char *name)
{
    for (uint32_t i = 0; i < procd.nmodules; i++)
        if (strcmp(procd.modules[i].name, name) == 0)
            return &procd.modules[i];
    return NULL;
}

static int create_op(void *ctx, const proto_txn_t *txn, const char *program, const char *args, const char *env,
                     proc_create_result_t *out)
{
    srv_client_t *c = ctx;
    const module_t *m = module_find(program);
    (void)txn;
    if (m == NULL) {
        fprintf(stderr, "proc: create '%s': ERR_NOT_FOUND (no boot module of that name)\n", program);
        return ERR_NOT_FOUND;
    }
    if (procd.nlive >= PROC_MAX_LIVE) {
        fprintf(stderr, "proc: create '%s': ERR_NO_RESOURCES (%u processes already)\n", program, PROC_MAX_LIVE);
        return ERR_NO_RESOURCES;
    }
    /* argv[0] is the program; the protocol's bounds (31 + 1 + 479) fit
     * the bootstrap message's 511 characters. */
    size_t alen = strlen(program) + 1 + strlen(args) + 1;
    char *argv = malloc(alen);
    char *envcopy = malloc(strlen(env) + 1);
    int err = argv != NULL && envcopy != NULL ? OK : ERR_NO_MEMORY;
    spawn_proc_t sp;
    entry_t *e = NULL;
    if (err == OK) {
        snprintf(argv, alen, "%s%s%s", program, args[0] ? " " : "", args);
        memcpy(envcopy, env, strlen(env) + 1);
        err = spawn_prepare(m->vmo, program, NULL, &sp, spawn_report);
    }
    if (err == OK)
        err = entry_add(sp.proc, program, c->pid, false, &e); /* takes sp.proc; parent: the client */
    if (err != OK) {
        free(argv);
        free(envcopy);
        fprintf(stderr, "proc: create '%s': %s\n", program, cairn_error_name(err));
        return err;
    }
    e->sp = sp;
    e->args = argv;
    e->env = envcopy;
    e->owner = c;
    out->pid = e->pid;
    return OK;
}

static int add_handle_op(void *ctx, const proto_txn_t *txn, uint64_t pid, const char *name, handle_t h)
{
    entry_t *e = entry_find(pid);
    int err = OK;
    const char *why = "";
    (void)txn;
    if (e == NULL)
        err = ERR_NOT_FOUND, why = "no such process";
    else if (e->state != ENTRY_CREATED)
        err = ERR_BAD_STATE, why = "already started";
    else if (e->owner != ctx)
        err = ERR_ACCESS_DENIED, why = "created by another client";
    else if (name[0] == '\0')
        err = ERR_INVALID_ARGS, why = "empty name";
    for (uint32_t i = 0; err == OK && i < e->nadded; i++)
        if (strcmp(e->added[i].name, name) == 0)
            err = ERR_ALREADY_EXISTS, why = "a handle of that name was added";
    if (err == OK && e->nadded >= PROC_MAX_ADDED)
        err = ERR_NO_RESOURCES, why = "15 handles already";
    if (err != OK) {
        sys_handle_close(h);
        return refuse("add_handle", pid, err, why);
    }
    e->added[e->nadded].h = h;
    snprintf(e->added[e->nadded].name, sizeof e->added[e->nadded].name, "%s", name);
    e->nadded++;
    return OK;
}

static int start_op(void *ctx, const proto_txn_t *txn, uint64_t pid)
{
    entry_t *e = entry_find(pid);
    (void)txn;
    if (e == NULL)
        return refuse("start", pid, ERR_NOT_FOUND, "no such process");
    if (e->state != ENTRY_CREATED)
        return refuse("start", pid, ERR_BAD_STATE, "already started");
    if (e->owner != ctx)
        return refuse("start", pid, ERR_ACCESS_DENIED, "created by another client");
    int err = spawn_start(&e->sp, e->args, e->env, e->added, e->nadded, NULL, 0, spawn_report);
    e->nadded = 0; /* consumed either way */
    if (err != OK) {
        refuse("start", pid, err, "spawn_start");
        entry_forget(e, PROCESS_KILLED, -1);
        return err;
    }
    free(e->args);
    free(e->env);
    e->args = e->env = NULL;
    e->owner = NULL;
    e->state = ENTRY_RUNNING;
    printf("proc: started '%s' (pid %llu)\n", e->name, (unsigned long long)pid);
    return OK;
}

static int wait_op(void *ctx, const proto_txn_t *txn, uint64_t pid, proc_wait_result_t *out)
{
    entry_t *e = entry_find(pid);
    if (e == NULL)
        return refuse("wait", pid, ERR_NOT_FOUND, "no such process, or already waited for");
    if (e->state == ENTRY_ENDED) {
        out->reason = e->reason;
        out->code = e->code;
        entry_forget(e, e->reason, e->code);
        return OK;
    }
    int err = entry_add_waiter(e, txn, ctx);
    if (err != OK)
        return refuse("wait", pid, err, "too many waiters");
    return PROTO_DEFER;
}

static int kill_op(void *ctx, const proto_txn_t *txn, uint64_t pid)
{
    entry_t *e = entry_find(pid);
    (void)ctx;
    (void)txn;
    if (e == NULL)
        return refuse("kill", pid, ERR_NOT_FOUND, "no such process");
    int err = (int)sys_process_kill(e->proc);
    if (err != OK)
        return refuse("kill", pid, err, "process_kill: the handle proc holds");
    printf("proc: killed '%s' (pid %llu)\n", e->name, (unsigned long long)pid);
    return OK; /* the end comes as SIG_TERMINATED */
}

static int list_op(void *ctx, const proto_txn_t *txn, uint64_t after, proc_list_result_t *out)
{
    entry_t *e = procd.entries;
    (void)ctx;
    (void)txn;
    while (e != NULL && e->pid <= after)
        e = e->next;
    if (e == NULL)
        return ERR_NOT_FOUND; /* past the last: the end of a walk */
    process_info_t info;
    int err = (int)sys_process_info(e->proc, &info);
    if (err != OK)
        return refuse("list", e->pid, err, "process_info");
    out->pid = e->pid;
    out->parent = e->parent;
    snprintf(out->name, sizeof out->name, "%s", e->name);
    out->state = info.exit_reason;
    out->code = info.exit_reason == PROCESS_RUNNING ? 0 : info.exit_code;
    out->cpu_ns = info.cpu_ns;
    out->memory = info.mapped_bytes;
    out->charged = info.memory_bytes;
    out->threads = info.threads;
    out->handles = info.handles;
    return OK;
}

static int handles_op(void *ctx, const proto_txn_t *txn, uint64_t pid, uint32_t cursor, proc_handles_result_t *out)
{
    entry_t *e = entry_find(pid);
    process_handle_info_t hi;
    (void)ctx;
    (void)txn;
    if (e == NULL)
        return refuse("handles", pid, ERR_NOT_FOUND, "no such process");
    int64_t next = sys_process_handle_info(e->proc, cursor, &hi);
    if (next == ERR_NOT_FOUND)
        return ERR_NOT_FOUND; /* past the last handle: the end of a walk */
    if (next < 0)
        return refuse("handles", pid, (int)next, "process_handle_info");
    out->value = hi.value;
    out->kind = hi.kind;
    out->rights = hi.rights;
    out->object_id = hi.object_id;
    out->next = (uint32_t)next;
    return OK;
}

static int module_op(void *ctx, const proto_txn_t *txn, uint32_t index, proc_module_result_t *out)
{
    (void)ctx;
    (void)txn;
    if (index >= procd.nmodules)
        return ERR_NOT_FOUND; /* past the last: the end of a walk */
    uint64_t size = 0;
    int err = (int)sys_vmo_get_size(procd.modules[index].vmo, &size);
    if (err != OK) {
        fprintf(stderr, "proc: module %u: vmo_get_size: %s\n", index, cairn_error_name(err));
        return err;
    }
    snprintf(out->name, sizeof out->name, "%s", procd.modules[index].name);
    out->size = size;
    return OK;
}

static void adopt_op(void *ctx, const char *name, uint64_t parent, handle_t process)
{
    entry_t *e;
    (void)ctx;
    int err = entry_add(process, name, parent, true, &e); /* takes process */
    if (err != OK) {
        fprintf(stderr, "proc: adopt '%s': %s\n", name, cairn_error_name(err));
        return;
    }
    printf("proc: adopted '%s' (pid %llu)\n", e->name, (unsigned long long)e->pid);
}

/* adopt is left out: a client sending it gets ERR_NOT_SUPPORTED. */
const proc_ops_t proc_client_ops = {
    .create = create_op,
    .add_handle = add_handle_op,
    .start = start_op,
    .wait = wait_op,
    .kill = kill_op,
    .list = list_op,
    .handles = handles_op,
    .module = module_op,
};

/* The "init" channel carries adopt events and nothing else. */
const proc_ops_t proc_init_ops = {.adopt = adopt_op};
