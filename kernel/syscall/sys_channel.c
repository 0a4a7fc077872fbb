/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Channel system calls. A write either queues the whole message (bytes and
 * handles) or changes nothing; a read either delivers the whole message or
 * leaves it queued (bad buffer, too small, handle quota): no silent loss.
 */
#include "lib/kstring.h"
#include "obj/channel.h"
#include "arch/cpu.h"
#include "arch/intr.h"
#include "lib/log.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "sched/sched.h"
#include "syscall/syscall.h"
#include "syscall/usercopy.h"

#define CHAN_RIGHTS (RIGHT_READ | RIGHT_WRITE | RIGHT_DUPLICATE | RIGHT_TRANSFER | RIGHT_WAIT | RIGHT_SIGNAL)

static uint64_t next_txid = 1; /* atomic */

int64_t sys_chan_create(uint64_t out0, uint64_t out1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *p = current_process();
    channel_t *a, *b;
    int err = channel_create_pair(&a, &b);
    if (err != OK)
        return err;
    handle_t ha = HANDLE_INVALID, hb = HANDLE_INVALID;
    err = handle_create(p, &a->obj, CHAN_RIGHTS, &ha);
    if (err == OK)
        err = handle_create(p, &b->obj, CHAN_RIGHTS, &hb);
    obj_unref(&a->obj);
    obj_unref(&b->obj);
    if (err == OK)
        err = copy_to_user(uptr(out0), &ha, sizeof ha);
    if (err == OK)
        err = copy_to_user(uptr(out1), &hb, sizeof hb);
    if (err != OK) {
        if (ha)
            handle_close(p, ha);
        if (hb)
            handle_close(p, hb);
    }
    return err;
}

/* Build a message from user memory, taking its handles out of p's table. */
static int build_message(process_t *p, channel_t *ch, uint64_t bytes, uint32_t nbytes, uint64_t handles,
                         uint32_t nhandles, message_t **out)
{
    if (nbytes > CHAN_MAX_BYTES || nhandles > CHAN_MAX_HANDLES)
        return ERR_OUT_OF_RANGE;
    message_t *m = message_alloc(nbytes);
    if (!m)
        return ERR_NO_MEMORY;
    handle_t hv[CHAN_MAX_HANDLES];
    int err = copy_from_user(m->data, uptr(bytes), nbytes);
    if (err != OK || nhandles == 0) { /* most messages carry no handle */
        if (err != OK)
            message_free(m);
        else
            *out = m;
        return err;
    }
    err = copy_from_user(hv, uptr(handles), nhandles * sizeof(handle_t));
    if (err == OK)
        err = handle_take_for_transfer(p, hv, nhandles, m->handles);
    if (err == OK) {
        m->nhandles = nhandles;
        for (uint32_t i = 0; i < nhandles; i++) {
            if (channel_same_pair(ch, m->handles[i]->obj)) {
                /* Neither end may travel through its own channel: an end
                 * queued in its own (or its peer's) queue would keep itself
                 * alive with no one able to read it. */
                handle_restore_after_failed_transfer(p, m->handles, nhandles);
                m->nhandles = 0;
                err = ERR_INVALID_ARGS;
                break;
            }
        }
    }
    if (err != OK) {
        message_free(m);
        return err;
    }
    *out = m;
    return OK;
}

static int write_message(process_t *p, channel_t *ch, message_t *m)
{
    int err = channel_write(ch, m);
    if (err != OK) {
        handle_restore_after_failed_transfer(p, m->handles, m->nhandles);
        m->nhandles = 0;
        message_free(m);
    }
    return err;
}

/* A small handle-free message: copied to the kernel stack once, then handed
 * straight to a waiting thread (channel_send_direct) or queued. */
static int write_small(channel_t *ch, uint8_t *buf, uint32_t n, thread_t **taken)
{
    int err = channel_send_direct(ch, buf, n, taken);
    if (err != ERR_SHOULD_WAIT)
        return err;
    message_t *m = message_alloc(n);
    if (!m)
        return ERR_NO_MEMORY;
    memcpy(m->data, buf, n);
    err = channel_write(ch, m);
    if (err != OK)
        message_free(m);
    return err;
}

/* chan_write(h, bytes, nbytes, handles, nhandles) */
int64_t sys_chan_write(uint64_t h, uint64_t bytes, uint64_t nbytes, uint64_t handles, uint64_t nhandles, uint64_t a5)
{
    process_t *p = current_process();
    channel_t *ch;
    int err = handle_get(p, (handle_t)h, OBJ_CHANNEL, RIGHT_WRITE, (kobject_t **)&ch);
    if (err != OK)
        return err;
    message_t *m;
    if (nbytes > CHAN_MAX_BYTES || nhandles > CHAN_MAX_HANDLES) {
        err = ERR_OUT_OF_RANGE;
    } else if (nhandles == 0 && nbytes <= THREAD_IPC_BUF) {
        uint64_t buf[THREAD_IPC_BUF / 8];
        if ((err = copy_from_user(buf, uptr(bytes), (uint32_t)nbytes)) == OK) {
            uint64_t fl = sched_sync_begin(); /* a woken caller runs here once we block */
            err = write_small(ch, (uint8_t *)buf, (uint32_t)nbytes, NULL);
            sched_sync_end(fl);
        }
    } else if ((err = build_message(p, ch, bytes, (uint32_t)nbytes, handles, (uint32_t)nhandles, &m)) == OK) {
        err = write_message(p, ch, m);
    }
    obj_unref(&ch->obj);
    return err;
}

/* A message handed over directly (in this thread's ipc_buf) goes to the
 * reader's buffer; if that buffer is bad it is queued back, as deliver
 * does with a queued one. */
static int deliver_direct(channel_t *ch, uint64_t bytes)
{
    thread_t *t = sched_current();
    int err = copy_to_user(uptr(bytes), t->ipc_buf, t->ipc_len);
    if (err != OK) {
        message_t *m = message_alloc(t->ipc_len);
        if (!m) {
            klog(LOG_WARN, "chan: a %u-byte message is lost: bad reader buffer and no memory to queue it back",
                     t->ipc_len);
            return err;
        }
        memcpy(m->data, t->ipc_buf, t->ipc_len);
        channel_unread(ch, m);
    }
    return err;
}

/* Give m to the reader: bytes, then handles; any failure puts it back. */
static int deliver(process_t *p, channel_t *ch, message_t *m, uint64_t bytes, uint64_t handles)
{
    handle_t hv[CHAN_MAX_HANDLES];
    int err = copy_to_user(uptr(bytes), m->data, m->nbytes);
    if (err == OK && m->nhandles == 0) {
        message_free(m);
        return OK;
    }
    if (err == OK)
        err = handle_install_transferred(p, m->handles, m->nhandles, hv);
    if (err == OK) {
        err = copy_to_user(uptr(handles), hv, m->nhandles * sizeof(handle_t));
        if (err != OK)
            handle_reclaim_installed(p, hv, m->nhandles, m->handles);
    }
    if (err != OK) {
        channel_unread(ch, m);
        return err;
    }
    m->nhandles = 0; /* now the reader's */
    message_free(m);
    return OK;
}

/* chan_read(h, bytes, handles, sizes*, deadline): sizes in = capacities,
 * out = the message's sizes (also with ERR_BUFFER_TOO_SMALL). With a
 * deadline (not 0), an empty queue is waited on in the kernel: a server
 * receives with one call instead of object_wait and chan_read. */
int64_t sys_chan_read(uint64_t h, uint64_t bytes, uint64_t handles, uint64_t sizes, uint64_t deadline, uint64_t a5)
{
    process_t *p = current_process();
    chan_sizes_t cap, need = {0, 0};
    int err = copy_from_user(&cap, uptr(sizes), sizeof cap);
    if (err != OK)
        return err;
    channel_t *ch;
    if ((err = handle_get(p, (handle_t)h, OBJ_CHANNEL, RIGHT_READ, (kobject_t **)&ch)) != OK)
        return err;
    message_t *m = NULL;
    if (deadline == 0)
        err = channel_read(ch, cap.bytes, cap.handles, &m, &need);
    else
        err = channel_read_wait(ch, cap.bytes, cap.handles, deadline, &m, &need, NULL);
    if (err == OK)
        err = m ? deliver(p, ch, m, bytes, handles) : deliver_direct(ch, bytes);
    if (err == OK || err == ERR_BUFFER_TOO_SMALL) {
        int cerr = copy_to_user(uptr(sizes), &need, sizeof need);
        if (cerr != OK && err == OK)
            err = cerr; /* delivered already; tell the caller its sizes pointer is bad */
    }
    obj_unref(&ch->obj);
    return err;
}

static void restore_interrupts(uint64_t flags)
{
    if (flags & (1u << 9))
        intr_enable();
}

/*
 * The write half of chan_call and chan_reply_read, when the exchange did
 * not apply: a.wr_* as a message (`small`: its bytes, copied in already,
 * with any transaction id stamped). A small one still goes the direct way
 * when a thread waits for it, which is then returned in *taken for the
 * caller's wait to switch to. Returns with interrupts off (their previous
 * state in *flags) from the moment a thread may be taken until the caller
 * has switched to it: nothing else runs on this CPU in between, and the
 * taken thread is in no queue meanwhile.
 */
static int write_request(process_t *p, channel_t *ch, const chan_call_args_t *a, uint64_t *small, uint64_t txid,
                         thread_t **taken, uint64_t *flags)
{
    if (small) {
        *flags = sched_sync_begin();
        int err = write_small(ch, (uint8_t *)small, a->wr_num_bytes, taken);
        sched_sync_end(0); /* the hand-off flag only: interrupts stay off */
        return err;
    }
    message_t *m;
    int err = build_message(p, ch, a->wr_bytes, a->wr_num_bytes, a->wr_handles, a->wr_num_handles, &m);
    if (err == OK) {
        if (txid)
            memcpy(m->data, &txid, sizeof txid);
        *flags = sched_sync_begin(); /* the thread woken runs here next: we block at once */
        err = write_message(p, ch, m);
        sched_sync_end(0);
    } else {
        *flags = read_rflags();
    }
    return err;
}

/* chan_call(h, args*, deadline): write the request (the kernel stamps a
 * transaction id into its first 8 bytes), wait for the reply carrying the
 * same id; returns the reply's byte count. A small handle-free request to
 * a waiting server takes the exchange (channel_call_direct). */
int64_t sys_chan_call(uint64_t h, uint64_t argp, uint64_t deadline, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *p = current_process();
    chan_call_args_t a;
    int err = copy_from_user(&a, uptr(argp), sizeof a);
    if (err != OK)
        return err;
    if (a.wr_num_bytes < CHAN_TXID_SIZE || a.rd_num_bytes < CHAN_TXID_SIZE)
        return ERR_INVALID_ARGS;
    channel_t *ch;
    if ((err = handle_get(p, (handle_t)h, OBJ_CHANNEL, RIGHT_READ | RIGHT_WRITE, (kobject_t **)&ch)) != OK)
        return err;
    uint64_t txid = __atomic_fetch_add(&next_txid, 1, __ATOMIC_RELAXED) | (1ull << 63);
    uint64_t buf[THREAD_IPC_BUF / 8], *small = NULL;
    bool sent = false, direct = false;
    if (a.wr_num_handles == 0 && a.wr_num_bytes <= THREAD_IPC_BUF) {
        if ((err = copy_from_user(buf, uptr(a.wr_bytes), a.wr_num_bytes)) != OK)
            goto out;
        buf[0] = txid;
        small = buf;
        if (deadline == DEADLINE_INFINITE) {
            err = channel_call_direct(ch, buf, a.wr_num_bytes, txid, a.rd_num_bytes, &direct);
            sent = err != ERR_SHOULD_WAIT;
        }
    }
    thread_t *server = NULL;
    uint64_t fl = read_rflags();
    if (!sent)
        err = write_request(p, ch, &a, small, txid, &server, &fl);
    message_t *reply = NULL;
    chan_sizes_t need;
    if (direct)
        need.bytes = sched_current()->ipc_len;
    else if (err == OK || (sent && err == ERR_PEER_CLOSED))
        err = channel_wait_reply(ch, txid, a.rd_num_bytes, a.rd_num_handles, deadline, &reply, &need, server);
    restore_interrupts(fl);
    if (err == OK) {
        err = reply ? deliver(p, ch, reply, a.rd_bytes, a.rd_handles) : deliver_direct(ch, a.rd_bytes);
        if (err == OK)
            err = (int)need.bytes;
    }
out:
    obj_unref(&ch->obj);
    return err;
}

/* chan_reply_read(h, args*, deadline): a server's reply and its next read
 * in one call. Writes a.wr_* (a reply: its first 8 bytes are the
 * transaction id of the request it answers, as the server read it), then
 * reads like chan_read with the deadline into a.rd_*, whose capacities
 * a.rd_num_bytes and a.rd_num_handles are replaced by the sizes of the
 * message (also on ERR_BUFFER_TOO_SMALL). If the reply cannot be written,
 * returns that error and reads nothing. A small handle-free reply to a
 * caller waiting for it takes the exchange (channel_reply_direct). */
int64_t sys_chan_reply_read(uint64_t h, uint64_t argp, uint64_t deadline, uint64_t a3, uint64_t a4, uint64_t a5)
{
    process_t *p = current_process();
    chan_call_args_t a;
    int err = copy_from_user(&a, uptr(argp), sizeof a);
    if (err != OK)
        return err;
    if (deadline == 0)
        return ERR_INVALID_ARGS;
    if (a.wr_num_bytes > CHAN_MAX_BYTES || a.wr_num_handles > CHAN_MAX_HANDLES)
        return ERR_OUT_OF_RANGE;
    channel_t *ch;
    if ((err = handle_get(p, (handle_t)h, OBJ_CHANNEL, RIGHT_READ | RIGHT_WRITE, (kobject_t **)&ch)) != OK)
        return err;
    uint64_t buf[THREAD_IPC_BUF / 8], *small = NULL;
    bool sent = false, direct = false;
    if (a.wr_num_handles == 0 && a.wr_num_bytes <= THREAD_IPC_BUF) {
        if ((err = copy_from_user(buf, uptr(a.wr_bytes), a.wr_num_bytes)) != OK)
            goto out;
        small = buf;
        if (deadline == DEADLINE_INFINITE) {
            err = channel_reply_direct(ch, buf, a.wr_num_bytes, a.rd_num_bytes, &direct);
            sent = err != ERR_SHOULD_WAIT;
        }
    }
    thread_t *client = NULL;
    uint64_t fl = read_rflags();
    message_t *m = NULL;
    chan_sizes_t need = {0, 0};
    if (!sent)
        err = write_request(p, ch, &a, small, 0, &client, &fl);
    if (direct) {
        need.bytes = sched_current()->ipc_len;
    } else if (err == OK || (sent && err == ERR_PEER_CLOSED)) {
        err = channel_read_wait(ch, a.rd_num_bytes, a.rd_num_handles, deadline, &m, &need, client);
    }
    restore_interrupts(fl);
    if (err == OK)
        err = m ? deliver(p, ch, m, a.rd_bytes, a.rd_handles) : deliver_direct(ch, a.rd_bytes);
    if (err == OK || err == ERR_BUFFER_TOO_SMALL) {
        int cerr = copy_to_user(uptr(argp + __builtin_offsetof(chan_call_args_t, rd_num_bytes)), &need, sizeof need);
        if (cerr != OK && err == OK)
            err = cerr;
    }
out:
    obj_unref(&ch->obj);
    return err;
}
