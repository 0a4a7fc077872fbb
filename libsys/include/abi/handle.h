/*
 * Handles, rights, object types and signals: the vocabulary shared by the
 * kernel and every program.
 *
 * A handle is a 32-bit value naming an entry in the calling process's
 * handle table: bits 0-15 the slot, bits 16-30 a generation that changes
 * whenever the slot is reused, so a stale or forged value is detected, not
 * misread. 0 is never a valid handle.
 */
#ifndef ABI_HANDLE_H
#define ABI_HANDLE_H

#include <stdint.h>

typedef uint32_t handle_t;
#define HANDLE_INVALID ((handle_t)0)

/* Rights: what a handle lets its holder do. Duplicating or deriving can
 * only keep or drop rights, never add them. */
#define RIGHT_READ      (1u << 0)  /* read data: channel messages, vmo contents, info */
#define RIGHT_WRITE     (1u << 1)  /* write data: channel messages, vmo contents */
#define RIGHT_MAP       (1u << 2)  /* map a vmo */
#define RIGHT_EXECUTE   (1u << 3)  /* map a vmo executable */
#define RIGHT_DUPLICATE (1u << 4)  /* handle_dup */
#define RIGHT_TRANSFER  (1u << 5)  /* move through a channel */
#define RIGHT_SIGNAL    (1u << 6)  /* raise user signals, queue port packets */
#define RIGHT_WAIT      (1u << 7)  /* wait on signals, bind to a port */
#define RIGHT_MANAGE    (1u << 8)  /* control: kill, start, set quotas, ack irqs, derive resources */
#define RIGHT_DMA       (1u << 9)  /* read physical addresses of a vmo */
#define RIGHTS_ALL      0x3ffu

/* Object types (handle_info). */
enum obj_kind {
    KIND_NONE = 0,
    KIND_PROCESS,
    KIND_THREAD,
    KIND_CHANNEL,
    KIND_PORT,
    KIND_VMO,
    KIND_TIMER,
    KIND_IRQ,
    KIND_IOPORT,
    KIND_RESOURCE,
};

/* Signals: state bits of an object, observed by object_wait and ports. */
#define SIG_READABLE    (1u << 0)  /* channel: a message is queued */
#define SIG_WRITABLE    (1u << 1)  /* channel: the peer's queue has room */
#define SIG_PEER_CLOSED (1u << 2)  /* channel: the other end is gone */
#define SIG_TERMINATED  (1u << 3)  /* process/thread: exited or killed */
#define SIG_IRQ         (1u << 4)  /* irq: fired, not yet acknowledged */
#define SIG_TIMER       (1u << 5)  /* timer: expired */
#define SIG_PACKET      (1u << 6)  /* port: a packet is queued */

typedef struct handle_info {
    uint32_t kind;      /* enum obj_kind */
    uint32_t rights;
    uint64_t object_id; /* unique for the system's lifetime */
} handle_info_t;

#endif
