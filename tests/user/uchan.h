/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the channel tests share (t_channel.c, t_chan_direct.c): draining
 * a queue, the bad user pointers every pointer argument is tried with,
 * and chan_call's argument block. Include after uhandle.h, with EDGE_VA
 * defined (the page edge_map maps).
 */
#ifndef UCHAN_H
#define UCHAN_H

#include "uhandle.h"
#include "utest.h"

#define U(x) ((uint64_t)(uintptr_t)(x))

/* Queued messages on h, counted by reading them all (h ends up empty). */
static inline int drain(handle_t h)
{
    static uint8_t buf[CHAN_MAX_BYTES];
    handle_t hs[CHAN_MAX_HANDLES];
    int n = 0;
    for (;;) {
        chan_sizes_t sz = {sizeof buf, CHAN_MAX_HANDLES};
        if (sys_chan_read(h, buf, hs, &sz) != OK)
            return n;
        for (uint32_t i = 0; i < sz.handles; i++)
            sys_handle_close(hs[i]);
        n++;
    }
}

static const uint64_t ro_words[4] = {1, 2, 3, 4};

/* Pointers no call may read from or write to: below user space, unmapped,
 * kernel text, above user space, straddling its top, running from a
 * mapped page (EDGE_VA) into an unmapped one. Out pointers also get
 * read-only data. */
static const uint64_t bad_ptrs[] = {
    0x1000, 0x50000000, 0xffffffff80100000ull, 0x00007ffffffffffeull, 0x00007fffffffeffeull, EDGE_VA + 4094,
    (uint64_t)(uintptr_t)ro_words,
};
#define NBAD_IN 6 /* the read-only one is fine to read */
#define NBAD_OUT (sizeof bad_ptrs / sizeof bad_ptrs[0])

static inline chan_call_args_t call_args(const void *req, uint32_t nreq, const handle_t *hs, uint32_t nh, void *rep,
                                  uint32_t nrep, handle_t *rhs, uint32_t nrh)
{
    return (chan_call_args_t){
        .wr_bytes = U(req), .wr_handles = U(hs), .wr_num_bytes = nreq, .wr_num_handles = nh,
        .rd_bytes = U(rep), .rd_handles = U(rhs), .rd_num_bytes = nrep, .rd_num_handles = nrh,
    };
}

#endif
