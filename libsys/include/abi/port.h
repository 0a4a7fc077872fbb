/* Port packets: what port_wait returns. */
#ifndef ABI_PORT_H
#define ABI_PORT_H

#include <stdint.h>

enum port_packet_type {
    PACKET_SIGNAL = 1, /* a bound object's signals rose */
    PACKET_USER = 2,   /* queued with port_queue */
};

typedef struct port_packet {
    uint64_t key;      /* chosen at port_bind / port_queue */
    uint32_t type;     /* enum port_packet_type */
    uint32_t signals;  /* PACKET_SIGNAL: the object's signals when queued */
    uint64_t data[2];  /* PACKET_USER: the sender's payload */
} port_packet_t;

#define PORT_MAX_USER_PACKETS 256u

#endif
