/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Handle tables and the capability derivation tree (model in obj/handle.h).
 *
 * Locks: cap_lock guards the tree and every table; a table's slots change
 * with its own lock held too (taken last), so handle_get, which reads one
 * table only, takes that lock alone and no system call's lookup waits on
 * another process's.
 *
 * Destroying nodes happens in two phases: under cap_lock they are unlinked
 * from tables and the tree and chained on a local list; after the lock is
 * dropped their object references are released, because destroying an
 * object (a channel full of messages, say) may itself close handles.
 *
 * Closing a handle is not revoking it: its children move up to its parent,
 * so whoever derived the closed handle can still revoke them.
 *
 * In flight (owner NULL) a node's `slot` holds the value it had in the
 * sender's table, so a transfer that fails can give it back under that
 * same value. A message's node array may hold NULL entries: handles that
 * died in flight (revoked, or closed by the reader between a delivery and
 * its undoing); they arrive as HANDLE_INVALID.
 *
 * Anchors (anchor set, owner NULL, embedded in their object) are ordinary
 * tree nodes that no table holds: close never reaches them, revoke cuts
 * them out and runs the object's revoked operation after the lock.
 */
#include "obj/handle.h"
#include "arch/lapic.h"
#include "arch/trap_vectors.h"
#include "lib/kassert.h"
#include "lib/kstring.h"
#include "lib/spinlock.h"
#include "mm/kheap.h"
#include "obj/process.h"

static spinlock_t cap_lock = SPINLOCK_INIT;
static kcache_t node_cache;
static bool cache_ready;

#define SLOT_BITS 16
#define GEN_MASK 0x7fffu

static inline handle_t make_value(uint32_t slot, uint16_t gen)
{
    return ((uint32_t)(gen & GEN_MASK) << SLOT_BITS) | slot;
}

void handle_table_init(handle_table_t *t, uint32_t limit)
{
    if (!cache_ready) {
        kcache_init(&node_cache, "handle", sizeof(handle_node_t), 16);
        cache_ready = true;
    }
    memset(t, 0, sizeof *t);
    t->lock = (spinlock_t)SPINLOCK_INIT;
    t->limit = MIN(limit, (uint32_t)HANDLE_TABLE_MAX);
}

/* ---- lookup ---------------------------------------------------------- */

static handle_node_t *lookup_locked(struct process *p, handle_t h)
{
    handle_table_t *t = &p->handles;
    uint32_t slot = h & ((1u << SLOT_BITS) - 1);
    uint16_t gen = (h >> SLOT_BITS) & GEN_MASK;
    if (h == HANDLE_INVALID || (h >> 31) || slot >= t->capacity)
        return NULL;
    handle_slot_t *s = &t->slots[slot];
    if (!s->node || s->gen != gen)
        return NULL;
    return s->node;
}

static int check_locked(handle_node_t *n, obj_type_t type, uint32_t rights)
{
    if (!n)
        return ERR_BAD_HANDLE;
    if (type != OBJ_NONE && n->obj->type != type)
        return ERR_WRONG_TYPE;
    if ((n->rights & rights) != rights)
        return ERR_ACCESS_DENIED;
    return OK;
}

/* The node found under the table's lock stays in its slot, and so keeps
 * its object, until the lock is dropped: the reference is taken first. */
int handle_get(struct process *p, handle_t h, obj_type_t type, uint32_t rights, kobject_t **obj)
{
    uint64_t fl = spin_lock_irqsave(&p->handles.lock);
    handle_node_t *n = lookup_locked(p, h);
    int err = check_locked(n, type, rights);
    if (err == OK) {
        obj_ref(n->obj);
        *obj = n->obj;
    }
    spin_unlock_irqrestore(&p->handles.lock, fl);
    return err;
}

int handle_get_rights(struct process *p, handle_t h, uint32_t *rights)
{
    uint64_t fl = spin_lock_irqsave(&p->handles.lock);
    handle_node_t *n = lookup_locked(p, h);
    if (n)
        *rights = n->rights;
    spin_unlock_irqrestore(&p->handles.lock, fl);
    return n ? OK : ERR_BAD_HANDLE;
}

/* ---- table slots ----------------------------------------------------- */

/* Make sure a free slot exists; may allocate (cap_lock is a spinlock, and
 * kmalloc never sleeps). */
static int reserve_slots_locked(handle_table_t *t, uint32_t n)
{
    if (t->used + n > t->limit)
        return ERR_NO_RESOURCES;
    if (t->used + n <= t->capacity)
        return OK;
    uint32_t cap = t->capacity ? t->capacity : 16;
    while (cap < t->used + n)
        cap *= 2;
    cap = MIN(cap, (uint32_t)HANDLE_TABLE_MAX);
    handle_slot_t *s = kzalloc(cap * sizeof *s);
    if (!s)
        return ERR_NO_MEMORY;
    for (uint32_t i = t->capacity; i < cap; i++)
        s[i].gen = 1;
    spin_lock(&t->lock);
    handle_slot_t *old = t->slots;
    if (old)
        memcpy(s, old, t->capacity * sizeof *s);
    t->slots = s;
    t->capacity = cap;
    spin_unlock(&t->lock);
    kfree(old); /* no lookup can be reading it: they hold t->lock */
    return OK;
}

/* Put n in free slot i of p's table (room reserved by the caller). */
static handle_t install_at_locked(struct process *p, handle_node_t *n, uint32_t i)
{
    handle_table_t *t = &p->handles;
    spin_lock(&t->lock);
    t->slots[i].node = n;
    spin_unlock(&t->lock);
    t->used++;
    n->owner = p;
    n->slot = i;
    if (n->obj->type == OBJ_IOPORT)
        __atomic_fetch_add(&p->io_gen, 1, __ATOMIC_RELEASE); /* its allowed ports changed */
    return make_value(i, t->slots[i].gen);
}

static handle_t install_locked(struct process *p, handle_node_t *n)
{
    handle_table_t *t = &p->handles;
    uint32_t i = t->free_hint;
    while (t->slots[i].node) /* reserve_slots_locked guaranteed a free one */
        i = (i + 1) % t->capacity;
    t->free_hint = (i + 1) % t->capacity;
    return install_at_locked(p, n, i);
}

static uint16_t next_gen(uint16_t gen)
{
    gen = (uint16_t)((gen + 1) & GEN_MASK);
    return gen ? gen : 1;
}

/* Give n back the value it had before handle_take_for_transfer, if that
 * slot is still free and nobody has used it since (its generation moved
 * on exactly once, by the take). Room reserved by the caller. */
static bool reinstall_locked(struct process *p, handle_node_t *n, handle_t value)
{
    handle_table_t *t = &p->handles;
    uint32_t slot = value & ((1u << SLOT_BITS) - 1);
    uint16_t gen = (value >> SLOT_BITS) & GEN_MASK;
    if (gen == 0 || slot >= t->capacity || t->slots[slot].node || t->slots[slot].gen != next_gen(gen))
        return false;
    spin_lock(&t->lock);
    t->slots[slot].gen = gen;
    spin_unlock(&t->lock);
    install_at_locked(p, n, slot);
    return true;
}

static void uninstall_locked(handle_node_t *n)
{
    handle_table_t *t = &n->owner->handles;
    handle_slot_t *s = &t->slots[n->slot];
    spin_lock(&t->lock);
    s->node = NULL;
    s->gen = next_gen(s->gen);
    spin_unlock(&t->lock);
    t->used--;
    if (n->obj->type == OBJ_IOPORT) {
        /* Ports taken away: CPUs running the process must rebuild their
         * bitmap before they next return to user mode; the reschedule IPI
         * makes each pass through an interrupt return (rare: a broadcast). */
        __atomic_fetch_add(&n->owner->io_gen, 1, __ATOMIC_RELEASE);
        if (lapic_ready())
            lapic_send_ipi_others(VEC_IPI_RESCHEDULE);
    }
    n->owner = NULL;
}

/* ---- nodes ----------------------------------------------------------- */

static handle_node_t *node_new(kobject_t *obj, uint32_t rights)
{
    handle_node_t *n = kcache_alloc(&node_cache);
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    n->obj = obj;
    n->rights = rights & RIGHTS_ALL;
    list_init(&n->children);
    list_node_init(&n->sibling);
    obj_ref(obj);
    return n;
}

static void link_child_locked(handle_node_t *parent, handle_node_t *n)
{
    n->parent = parent;
    if (parent)
        list_push_back(&parent->children, &n->sibling);
}

/* Unlink n from the tree (children move to n's parent) and its table, and
 * chain it on *dead for release after the lock. */
static void retire_locked(handle_node_t *n, list_t *dead)
{
    list_for_each_safe(c, tmp, &n->children) {
        handle_node_t *child = list_entry(c, handle_node_t, sibling);
        list_remove(&child->sibling);
        link_child_locked(n->parent, child);
    }
    if (n->parent)
        list_remove(&n->sibling);
    n->parent = NULL;
    if (n->owner)
        uninstall_locked(n);
    list_push_back(dead, &n->sibling);
}

static void release_dead(list_t *dead)
{
    list_node_t *l;
    while ((l = list_pop_front(dead))) {
        handle_node_t *n = list_entry(l, handle_node_t, sibling);
        obj_unref(n->obj);
        kcache_free(&node_cache, n);
    }
}

/* ---- operations ------------------------------------------------------ */

/* A new handle for obj in p's table, as a child of `parent`'s node (none:
 * a root); with an anchor, the anchor goes between them. */
static int create(struct process *p, handle_t parent, handle_node_t *anchor, kobject_t *obj, uint32_t rights,
                  handle_t *out)
{
    handle_node_t *n = node_new(obj, rights);
    if (!n)
        return ERR_NO_MEMORY;
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    handle_node_t *pn = NULL;
    int err = OK;
    if (parent != HANDLE_INVALID && !(pn = lookup_locked(p, parent)))
        err = ERR_BAD_HANDLE;
    if (err == OK)
        err = reserve_slots_locked(&p->handles, 1);
    if (err == OK) {
        if (anchor) {
            link_child_locked(pn, anchor);
            pn = anchor;
        }
        link_child_locked(pn, n);
        *out = install_locked(p, n);
    }
    spin_unlock_irqrestore(&cap_lock, fl);
    if (err != OK) {
        obj_unref(obj);
        kcache_free(&node_cache, n);
    }
    return err;
}

int handle_create(struct process *p, kobject_t *obj, uint32_t rights, handle_t *out)
{
    return create(p, HANDLE_INVALID, NULL, obj, rights, out);
}

int handle_create_child(struct process *p, handle_t parent, kobject_t *obj, uint32_t rights, handle_t *out)
{
    if (parent == HANDLE_INVALID)
        return ERR_BAD_HANDLE;
    return create(p, parent, NULL, obj, rights, out);
}

void handle_anchor_init(handle_node_t *anchor, kobject_t *obj)
{
    memset(anchor, 0, sizeof *anchor);
    anchor->obj = obj;
    anchor->anchor = true;
    list_init(&anchor->children);
    list_node_init(&anchor->sibling);
}

int handle_create_anchored(struct process *p, handle_t parent, handle_node_t *anchor, kobject_t *obj,
                           uint32_t rights, handle_t *out)
{
    if (parent == HANDLE_INVALID)
        return ERR_BAD_HANDLE;
    return create(p, parent, anchor, obj, rights, out);
}

void handle_anchor_remove(handle_node_t *anchor)
{
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    /* Every handle below held a reference: none is left when the object
     * dies. An anchor whose parent was closed away is a root (no parent). */
    kassert(list_empty(&anchor->children));
    if (anchor->parent)
        list_remove(&anchor->sibling);
    anchor->parent = NULL;
    spin_unlock_irqrestore(&cap_lock, fl);
}

int handle_close(struct process *p, handle_t h)
{
    list_t dead = LIST_INIT(dead);
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    handle_node_t *n = lookup_locked(p, h);
    if (n)
        retire_locked(n, &dead);
    spin_unlock_irqrestore(&cap_lock, fl);
    release_dead(&dead);
    return n ? OK : ERR_BAD_HANDLE;
}

int handle_dup(struct process *p, handle_t h, uint32_t rights, handle_t *out)
{
    kobject_t *obj;
    int err = handle_get(p, h, OBJ_NONE, RIGHT_DUPLICATE, &obj);
    if (err != OK)
        return err;
    uint32_t have;
    err = handle_get_rights(p, h, &have);
    if (err == OK && (rights & ~have))
        err = ERR_ACCESS_DENIED; /* rights only shrink */
    if (err == OK)
        err = handle_create_child(p, h, obj, rights, out);
    obj_unref(obj);
    return err;
}

int handle_info(struct process *p, handle_t h, handle_info_t *info)
{
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    handle_node_t *n = lookup_locked(p, h);
    if (n) {
        info->kind = (uint32_t)n->obj->type; /* obj_type_t and enum obj_kind agree */
        info->rights = n->rights;
        info->object_id = n->obj->id;
    }
    spin_unlock_irqrestore(&cap_lock, fl);
    return n ? OK : ERR_BAD_HANDLE;
}

/* Retire every descendant of n, depth first, without recursion. Anchors
 * reached go on *anchors, each with a reference to its object, for
 * obj_revoked once the lock is dropped. */
static void revoke_subtree_locked(handle_node_t *n, list_t *dead, list_t *anchors)
{
    while (!list_empty(&n->children)) {
        handle_node_t *c = list_entry(n->children.next, handle_node_t, sibling);
        while (!list_empty(&c->children)) /* descend to a leaf */
            c = list_entry(c->children.next, handle_node_t, sibling);
        if (c->anchor) {
            list_remove(&c->sibling);
            c->parent = NULL;
            /* An object already dying has nothing left to take back; its
             * destroy finds the anchor out of the tree. */
            if (obj_try_ref(c->obj))
                list_push_back(anchors, &c->sibling);
            continue;
        }
        if (!c->owner && !c->revoked) {
            /* In flight in a message: the message owns the node; mark it and
             * cut it out of the tree; delivery drops it. */
            list_remove(&c->sibling);
            c->parent = NULL;
            c->revoked = true;
            continue;
        }
        retire_locked(c, dead);
    }
}

int handle_revoke(struct process *p, handle_t h)
{
    list_t dead = LIST_INIT(dead), anchors = LIST_INIT(anchors);
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    handle_node_t *n = lookup_locked(p, h);
    if (n)
        revoke_subtree_locked(n, &dead, &anchors);
    spin_unlock_irqrestore(&cap_lock, fl);
    release_dead(&dead);
    list_node_t *l;
    while ((l = list_pop_front(&anchors))) {
        kobject_t *obj = list_entry(l, handle_node_t, sibling)->obj;
        obj_revoked(obj);
        obj_unref(obj); /* may destroy it, anchor and all: popped first */
    }
    return n ? OK : ERR_BAD_HANDLE;
}

int handle_take_for_transfer(struct process *p, const handle_t *hs, uint32_t n, handle_node_t **nodes)
{
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    int err = OK;
    for (uint32_t i = 0; i < n && err == OK; i++) {
        nodes[i] = lookup_locked(p, hs[i]);
        err = check_locked(nodes[i], OBJ_NONE, RIGHT_TRANSFER);
        for (uint32_t j = 0; j < i && err == OK; j++)
            if (nodes[j] == nodes[i])
                err = ERR_INVALID_ARGS; /* the same handle twice */
    }
    if (err == OK) {
        for (uint32_t i = 0; i < n; i++) {
            uninstall_locked(nodes[i]);
            nodes[i]->slot = hs[i]; /* for handle_restore_after_failed_transfer */
        }
    }
    spin_unlock_irqrestore(&cap_lock, fl);
    return err;
}

void handle_restore_after_failed_transfer(struct process *p, handle_node_t **nodes, uint32_t n)
{
    list_t dead = LIST_INIT(dead);
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    for (uint32_t i = 0; i < n; i++) {
        handle_node_t *node = nodes[i];
        /* A failed write changes nothing: each handle comes back under the
         * value the caller knows (a new value would leave the caller with a
         * stale one and the handle unreachable). Unless it was revoked
         * meanwhile: then reinstalling it would let it escape the revoke. */
        if (!node)
            continue;
        if (node->revoked || reserve_slots_locked(&p->handles, 1) != OK) /* the latter cannot happen */
            retire_locked(node, &dead);
        else if (!reinstall_locked(p, node, node->slot))
            install_locked(p, node); /* another thread of p took the slot meanwhile */
    }
    spin_unlock_irqrestore(&cap_lock, fl);
    release_dead(&dead);
}

int handle_install_transferred(struct process *p, handle_node_t **nodes, uint32_t n, handle_t *out)
{
    list_t dead = LIST_INIT(dead);
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    uint32_t live = 0;
    for (uint32_t i = 0; i < n; i++)
        live += nodes[i] && !nodes[i]->revoked;
    int err = reserve_slots_locked(&p->handles, live);
    if (err == OK) {
        for (uint32_t i = 0; i < n; i++) {
            if (!nodes[i] || nodes[i]->revoked) {
                out[i] = HANDLE_INVALID;
                if (nodes[i])
                    retire_locked(nodes[i], &dead);
                /* Freed below: the caller may still put the message back
                 * (handle_reclaim_installed), so no dangling entry. */
                nodes[i] = NULL;
            } else {
                out[i] = install_locked(p, nodes[i]);
            }
        }
    }
    spin_unlock_irqrestore(&cap_lock, fl);
    release_dead(&dead);
    return err;
}

void handle_drop_in_flight(handle_node_t **nodes, uint32_t n)
{
    list_t dead = LIST_INIT(dead);
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    for (uint32_t i = 0; i < n; i++)
        if (nodes[i])
            retire_locked(nodes[i], &dead);
    spin_unlock_irqrestore(&cap_lock, fl);
    release_dead(&dead);
}

void handle_reclaim_installed(struct process *p, const handle_t *values, uint32_t n, handle_node_t **nodes)
{
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    for (uint32_t i = 0; i < n; i++) {
        /* A value that no longer resolves was closed (or revoked) by the
         * time we got here, and its node freed: never keep the pointer. */
        handle_node_t *node = values[i] == HANDLE_INVALID ? NULL : lookup_locked(p, values[i]);
        if (node) {
            uninstall_locked(node);
            node->slot = HANDLE_INVALID; /* no value of the sender's to go back to */
        }
        nodes[i] = node;
    }
    spin_unlock_irqrestore(&cap_lock, fl);
}

void handle_table_destroy(struct process *p)
{
    list_t dead = LIST_INIT(dead);
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    handle_table_t *t = &p->handles;
    for (uint32_t i = 0; i < t->capacity; i++)
        if (t->slots[i].node)
            retire_locked(t->slots[i].node, &dead);
    spin_lock(&t->lock);
    handle_slot_t *slots = t->slots;
    t->slots = NULL;
    t->capacity = 0;
    spin_unlock(&t->lock);
    spin_unlock_irqrestore(&cap_lock, fl);
    release_dead(&dead);
    kfree(slots);
}

int handle_entry_at(struct process *p, uint32_t cursor, process_handle_info_t *out, uint32_t *next)
{
    int err = ERR_NOT_FOUND;
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    handle_table_t *t = &p->handles;
    for (uint32_t i = cursor; i < t->capacity; i++) {
        handle_node_t *n = t->slots[i].node;
        if (!n)
            continue;
        memset(out, 0, sizeof *out);
        out->value = make_value(i, t->slots[i].gen);
        out->kind = (uint32_t)n->obj->type; /* obj_type_t and enum obj_kind agree */
        out->rights = n->rights;
        out->object_id = n->obj->id;
        *next = i + 1;
        err = OK;
        break;
    }
    spin_unlock_irqrestore(&cap_lock, fl);
    return err;
}

uint32_t handle_count(struct process *p)
{
    return __atomic_load_n(&p->handles.used, __ATOMIC_RELAXED);
}

handle_node_t *handle_node_create(kobject_t *obj, uint32_t rights)
{
    return node_new(obj, rights);
}

void handle_for_each_locked_ioport(struct process *p, uint32_t rights, void (*fn)(kobject_t *obj, void *ctx),
                                   void *ctx)
{
    uint64_t fl = spin_lock_irqsave(&cap_lock);
    handle_table_t *t = &p->handles;
    for (uint32_t i = 0; i < t->capacity; i++) {
        handle_node_t *n = t->slots[i].node;
        if (n && n->obj->type == OBJ_IOPORT && (n->rights & rights) == rights)
            fn(n->obj, ctx);
    }
    spin_unlock_irqrestore(&cap_lock, fl);
}
