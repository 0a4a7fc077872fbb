/*
 * Intrusive circular doubly-linked lists. A list_t is a sentinel node; an
 * element embeds a list_node_t and is recovered with list_entry(). A node
 * that is on no list points to itself (list_node_init), so list_linked()
 * answers "is it queued?" without a separate flag.
 */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include "types.h"

typedef struct list_node {
    struct list_node *next, *prev;
} list_node_t;

typedef list_node_t list_t;

#define LIST_INIT(name) {&(name), &(name)}
#define list_entry(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))

static inline void list_init(list_t *l) { l->next = l->prev = l; }
static inline void list_node_init(list_node_t *n) { n->next = n->prev = n; }
static inline bool list_empty(const list_t *l) { return l->next == l; }
static inline bool list_linked(const list_node_t *n) { return n->next != n; }

static inline void list_insert_after(list_node_t *pos, list_node_t *n)
{
    n->prev = pos;
    n->next = pos->next;
    pos->next->prev = n;
    pos->next = n;
}

static inline void list_push_back(list_t *l, list_node_t *n) { list_insert_after(l->prev, n); }
static inline void list_push_front(list_t *l, list_node_t *n) { list_insert_after(l, n); }

static inline void list_remove(list_node_t *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_node_init(n);
}

static inline list_node_t *list_pop_front(list_t *l)
{
    if (list_empty(l))
        return NULL;
    list_node_t *n = l->next;
    list_remove(n);
    return n;
}

#define list_for_each(pos, l) for (list_node_t *pos = (l)->next; pos != (l); pos = pos->next)
#define list_for_each_safe(pos, tmp, l)                                        \
    for (list_node_t *pos = (l)->next, *tmp = pos->next; pos != (l); pos = tmp, tmp = pos->next)

#endif
