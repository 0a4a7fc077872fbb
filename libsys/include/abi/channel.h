/* Channel limits and the message header of chan_read/chan_call results. */
#ifndef ABI_CHANNEL_H
#define ABI_CHANNEL_H

#include <stdint.h>

#define CHAN_MAX_BYTES (64u * 1024)  /* bytes per message */
#define CHAN_MAX_HANDLES 16u         /* handles per message */
#define CHAN_QUEUE_MAX 64u           /* messages queued per endpoint */

/* chan_read's sizes: in = buffer capacities, out = what the message holds
 * (also on ERR_BUFFER_TOO_SMALL, so the caller can retry with room). */
typedef struct chan_sizes {
    uint32_t bytes;
    uint32_t handles;
} chan_sizes_t;

/* chan_call: both directions in one block. The first 8 bytes of request
 * and reply are the transaction id, which the kernel sets on the request
 * and matches on the reply. */
typedef struct chan_call_args {
    uint64_t wr_bytes;     /* user pointer */
    uint64_t wr_handles;   /* user pointer to handle_t[] */
    uint32_t wr_num_bytes;
    uint32_t wr_num_handles;
    uint64_t rd_bytes;
    uint64_t rd_handles;
    uint32_t rd_num_bytes;
    uint32_t rd_num_handles;
} chan_call_args_t;

#define CHAN_TXID_SIZE 8u

#endif
