/*
 * Handles: the per-process table and the derivation tree behind revocation.
 *
 * Every handle is a node (handle_node_t) naming one object with some rights.
 * Nodes form a tree: a handle created from another one (dup, derive, an
 * object created through a resource) is its child. handle_revoke(h)
 * destroys every descendant of h wherever it is: in any process's table or
 * inside a message in a channel queue. Moving a handle through a channel
 * moves the node itself, so its place in the tree is kept.
 *
 * Locking: one global lock (cap_lock) protects every table and every node
 * and link of the tree. Lookups hold it only long enough to take a
 * reference on the object; a finer scheme can come when measurements ask.
 */
#ifndef OBJ_HANDLE_H
#define OBJ_HANDLE_H

#include "types.h"
#include "abi/handle.h"
#include "abi/process.h"
#include "lib/list.h"
#include "obj/object.h"

struct process;

typedef struct handle_node {
    kobject_t *obj;             /* a reference held by the node */
    uint32_t rights;
    struct handle_node *parent; /* NULL for a root */
    list_t children;
    list_node_t sibling;        /* in parent->children */
    struct process *owner;      /* table holding it, NULL while in flight */
    uint32_t slot;              /* index in owner's table; in flight: the
                                   value it had in the sender's table, so a
                                   failed write restores the same value */
    bool revoked;               /* in flight and revoked: dropped on delivery */
    bool anchor;                /* an object's anchor: in no table (below) */
} handle_node_t;

typedef struct handle_slot {
    handle_node_t *node; /* NULL when free */
    uint16_t gen;        /* bumped when freed: old values go stale */
} handle_slot_t;

#define HANDLE_TABLE_MAX 65536

/* Slots change with both cap_lock and the table's own `lock` held (that
 * one last); a lookup that only reads one table (handle_get, the path of
 * every system call) holds the table's lock alone: no global lock. */
typedef struct handle_table {
    spinlock_t lock;
    handle_slot_t *slots;
    uint32_t capacity;   /* slots allocated */
    uint32_t used;
    uint32_t limit;      /* quota: at most this many handles */
    uint32_t free_hint;
} handle_table_t;

void handle_table_init(handle_table_t *t, uint32_t limit);
/* Close every handle (process teardown). */
void handle_table_destroy(struct process *p);

/* Install a new root handle for obj (the node takes its own reference). */
int handle_create(struct process *p, kobject_t *obj, uint32_t rights, handle_t *out);
/* Install a new handle for obj as a child of `parent`'s node. */
int handle_create_child(struct process *p, handle_t parent, kobject_t *obj, uint32_t rights, handle_t *out);

/* Look up: checks type (OBJ_NONE = any) and that all `rights` are held;
 * returns a new reference in *obj. */
int handle_get(struct process *p, handle_t h, obj_type_t type, uint32_t rights, kobject_t **obj);
int handle_get_rights(struct process *p, handle_t h, uint32_t *rights);

int handle_close(struct process *p, handle_t h);
int handle_dup(struct process *p, handle_t h, uint32_t rights, handle_t *out);
int handle_info(struct process *p, handle_t h, handle_info_t *info);
int handle_revoke(struct process *p, handle_t h);

/* Moving handles through channels: take the nodes out of p's table (all or
 * nothing: each needs RIGHT_TRANSFER) and later install them in the
 * receiver's table. Dropping an in-flight node destroys it. A message's
 * array may hold NULL where a node died in flight (revoked): it is
 * delivered as HANDLE_INVALID. */
int handle_take_for_transfer(struct process *p, const handle_t *hs, uint32_t n, handle_node_t **nodes);
void handle_restore_after_failed_transfer(struct process *p, handle_node_t **nodes, uint32_t n);
/* Install in-flight nodes; revoked ones become HANDLE_INVALID. Fails only on
 * quota (ERR_NO_RESOURCES), installing none. */
int handle_install_transferred(struct process *p, handle_node_t **nodes, uint32_t n, handle_t *out);
void handle_drop_in_flight(handle_node_t **nodes, uint32_t n);
/* Undo handle_install_transferred: the values go back in flight (no right
 * needed: the kernel is taking back what it just gave). */
void handle_reclaim_installed(struct process *p, const handle_t *values, uint32_t n, handle_node_t **nodes);

uint32_t handle_count(struct process *p);

/* The first live handle of p at slot `cursor` or later: fills *out and sets
 * *next to the slot after it. ERR_NOT_FOUND when there is none (also once
 * p's table is gone). The walk holds cap_lock; it is bounded by the table's
 * capacity (HANDLE_TABLE_MAX). */
int handle_entry_at(struct process *p, uint32_t cursor, process_handle_info_t *out, uint32_t *next);

/* Call fn for every ioport object p holds with all of `rights` (under the
 * table lock). */
void handle_for_each_locked_ioport(struct process *p, uint32_t rights, void (*fn)(kobject_t *obj, void *ctx),
                                   void *ctx);

/*
 * Anchors: a node the kernel keeps in the tree for an object whose use can
 * outlive its handles (a vmo made from a resource stays mapped after its
 * handles are closed). The object embeds the node and owns it (the node
 * holds no reference). handle_create_anchored links the anchor as a child
 * of `parent`'s node and the new handle as a child of the anchor, so every
 * handle to the object descends from it. When a revoke reaches the anchor
 * (an ancestor was revoked; leaves go first, so every handle below is
 * already gone), the anchor leaves the tree and obj_revoked() runs on the
 * object after cap_lock is dropped. Closing handles never reaches it: an
 * anchor stays until it is revoked or the object is destroyed, which must
 * call handle_anchor_remove.
 */
void handle_anchor_init(handle_node_t *anchor, kobject_t *obj);
int handle_create_anchored(struct process *p, handle_t parent, handle_node_t *anchor, kobject_t *obj,
                           uint32_t rights, handle_t *out);
void handle_anchor_remove(handle_node_t *anchor);

/* A new root node in flight (for messages the kernel itself sends), or NULL. */
handle_node_t *handle_node_create(kobject_t *obj, uint32_t rights);

#endif
