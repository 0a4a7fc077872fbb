/*
 * Channels: two endpoints; a message written on one is queued on the
 * other. A message carries up to CHAN_MAX_BYTES bytes and CHAN_MAX_HANDLES
 * handles, which leave the writer's table (they need RIGHT_TRANSFER) and
 * enter the reader's when it reads. A full queue refuses the write
 * (ERR_QUEUE_FULL); when an endpoint goes away, the other sees
 * SIG_PEER_CLOSED and further writes fail with ERR_PEER_CLOSED.
 *
 * Both endpoints share one chan_shared_t whose lock protects both queues.
 */
#ifndef OBJ_CHANNEL_H
#define OBJ_CHANNEL_H

#include "types.h"
#include "abi/channel.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "obj/handle.h"
#include "obj/object.h"
#include "sched/wait.h"

typedef struct message {
    list_node_t link;
    uint32_t nbytes;
    uint32_t nhandles;
    bool small;                  /* MESSAGE_SMALL bytes of room: recycled per CPU */
    handle_node_t *handles[CHAN_MAX_HANDLES];
    uint8_t data[];
} message_t;

struct channel;

typedef struct chan_shared {
    spinlock_t lock;
    uint32_t ends;               /* endpoints alive (frees the struct at 0) */
    list_t queue[2];             /* messages waiting to be read by end i */
    uint32_t count[2];
    bool closed[2];
    struct channel *end[2];
    uint64_t sig_gen;            /* generation of signal snapshots (obj_signal_ordered) */
    uint32_t sig_last[2];        /* the last snapshot taken of end i: an update
                                  * that computes the same is not applied again */
    bool sig_valid[2];
    wait_queue_t call_wq;        /* chan_call waiters, woken on every enqueue */
    wait_queue_t read_wq[2];     /* chan_read waiters on end i, woken on every
                                  * enqueue for i and when its peer closes */
} chan_shared_t;

typedef struct channel {
    kobject_t obj;
    chan_shared_t *sh;
    int side;
    uint64_t sig_applied;        /* newest snapshot applied, under obj.waiters.lock */
} channel_t;

int channel_create_pair(struct channel **a, struct channel **b);

/* Queue msg for the peer of ch (msg and its handle nodes now belong to the
 * channel, also on error? no: on error the caller keeps them). */
int channel_write(channel_t *ch, message_t *msg);
/* Take the first message, if it fits the capacities: ERR_SHOULD_WAIT when
 * empty, ERR_PEER_CLOSED when empty and the peer is gone,
 * ERR_BUFFER_TOO_SMALL (message left queued, sizes in *need). */
int channel_read(channel_t *ch, uint32_t max_bytes, uint32_t max_handles, message_t **out, chan_sizes_t *need);
/* channel_read that waits until the deadline for a message. */
int channel_read_wait(channel_t *ch, uint32_t max_bytes, uint32_t max_handles, uint64_t deadline, message_t **out,
                      chan_sizes_t *need, struct thread *next);
/* Wait for the message whose transaction id is txid (chan_call's reply). */
int channel_wait_reply(channel_t *ch, uint64_t txid, uint32_t max_bytes, uint32_t max_handles, uint64_t deadline,
                       message_t **out, chan_sizes_t *need, struct thread *next);
/* The two waits above return OK with *out == NULL when the message was
 * handed over directly: its need->bytes bytes are in the current thread's
 * ipc_buf, and it carries no handles. `next`, when not NULL, is a thread
 * channel_send_direct handed to the caller: it runs as soon as the caller
 * blocks (wait_block_switch), or is made ready if the caller does not. */

/* The direct path: give a handle-free message of n <= THREAD_IPC_BUF bytes
 * straight to a thread waiting for it on the peer end, first a chan_call
 * waiting for this reply (by the transaction id in its first 8 bytes),
 * else a reader in channel_read_wait when nothing is queued before it.
 * ERR_SHOULD_WAIT when there is no such thread: queue it instead. Call
 * between sched_sync_begin and _end, so the woken thread runs next here.
 * With `taken` not NULL the thread is not woken but returned there, for
 * the caller to run as it blocks (the `next` of the waits above). */
int channel_send_direct(channel_t *ch, const void *data, uint32_t n, struct thread **taken);

/*
 * Both halves of a call on the direct path, each a send and a wait with no
 * deadline in one step, switching to the thread the message goes to:
 * channel_call_direct gives a request (transaction id txid, stamped in
 * it) to a server thread waiting in channel_read_wait, and waits for the
 * reply, which may take `room` bytes; channel_reply_direct gives a reply
 * to the chan_call waiting for it and waits for the next message on ch.
 * ERR_SHOULD_WAIT, with nothing done, when the direct path does not
 * apply. Otherwise the message was delivered, and the result is the
 * wait's: with *direct the message waited for is in the current thread's
 * ipc_buf (handle-free, ipc_len bytes); else it was queued, or the wait
 * ended otherwise (ERR_PEER_CLOSED, ERR_CANCELED): the caller goes on
 * with channel_wait_reply / channel_read_wait.
 */
int channel_call_direct(channel_t *ch, const void *msg, uint32_t n, uint64_t txid, uint32_t room, bool *direct);
int channel_reply_direct(channel_t *ch, const void *msg, uint32_t n, uint32_t room, bool *direct);

/* Is obj an endpoint of ch's channel (ch itself or its peer)? */
bool channel_same_pair(const channel_t *ch, const kobject_t *obj);

/* Put a message taken by channel_read back at the front of ch's queue. */
void channel_unread(channel_t *ch, message_t *m);

/* Messages of up to MESSAGE_SMALL bytes come from a small per-CPU stock
 * (most protocol messages are well under it), not the heap. */
#define MESSAGE_SMALL 256u
message_t *message_alloc(uint32_t nbytes);
void message_free(message_t *m); /* drops any handles still in it */

void channel_init_type(void);

#endif
