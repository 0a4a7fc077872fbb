/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Reference counting and the per-type operations table. Counts are atomic
 * so references can be taken and dropped without a lock; whoever drops the
 * last one destroys the object, outside any lock that destroy may need.
 */
#include "obj/object.h"
#include "lib/kassert.h"

static const obj_ops_t *ops_table[OBJ_TYPE_COUNT];
static uint64_t next_id = 1; /* atomic; 0 is never an object id */

void obj_register_type(obj_type_t type, const obj_ops_t *ops)
{
    kassert(type > OBJ_NONE && type < OBJ_TYPE_COUNT);
    ops_table[type] = ops;
}

void obj_init(kobject_t *o, obj_type_t type)
{
    kassert(type > OBJ_NONE && type < OBJ_TYPE_COUNT && ops_table[type]);
    o->type = type;
    o->refs = 1;
    o->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
}

void obj_ref(kobject_t *o)
{
    uint32_t old = __atomic_fetch_add(&o->refs, 1, __ATOMIC_RELAXED);
    kassert(old > 0);
}

void obj_unref(kobject_t *o)
{
    uint32_t old = __atomic_fetch_sub(&o->refs, 1, __ATOMIC_ACQ_REL);
    kassert(old > 0);
    if (old == 1)
        ops_table[o->type]->destroy(o);
}

const char *obj_type_name(obj_type_t type)
{
    if (type <= OBJ_NONE || type >= OBJ_TYPE_COUNT || !ops_table[type])
        return "none";
    return ops_table[type]->name;
}
