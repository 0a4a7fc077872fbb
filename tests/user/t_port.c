/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Ports and timers: user packets, bindings to signals (channel readable,
 * peer closed, process terminated, timer expired), coalescing, deadlines,
 * limits and rights.
 */
#include "utest.h"

static int wait_packet(handle_t port, uint64_t ms, port_packet_t *pkt)
{
    return (int)sys_port_wait(port, ut_now() + ms * UT_MS, pkt);
}

UTEST(port_user_packets)
{
    handle_t port;
    UT_EQ(sys_port_create(&port), OK);
    uint64_t data[2] = {11, 22};
    UT_EQ(sys_port_queue(port, 5, data), OK);
    port_packet_t pkt;
    UT_EQ(sys_port_wait(port, DEADLINE_INFINITE, &pkt), OK);
    UT_EQ(pkt.type, PACKET_USER);
    UT_EQ(pkt.key, 5);
    UT_CHECK(pkt.data[0] == 11 && pkt.data[1] == 22);
    /* Empty: a deadline in the past and one in the near future both time out. */
    UT_EQ(sys_port_wait(port, 0, &pkt), ERR_TIMED_OUT);
    UT_EQ(wait_packet(port, 2, &pkt), ERR_TIMED_OUT);
    /* The queue is bounded. */
    for (uint32_t i = 0; i < PORT_MAX_USER_PACKETS; i++)
        UT_EQ(sys_port_queue(port, i, data), OK);
    UT_EQ(sys_port_queue(port, 999, data), ERR_QUEUE_FULL);
    /* A bad packet pointer loses nothing: the packet is still there. */
    UT_EQ(sys_port_wait(port, DEADLINE_INFINITE, (port_packet_t *)0xffffffff80000000ull), ERR_BAD_ADDRESS);
    uint32_t got = 0;
    while (sys_port_wait(port, 0, &pkt) == OK)
        got++;
    UT_EQ(got, PORT_MAX_USER_PACKETS);
    UT_EQ(sys_port_queue(port, 1, (const uint64_t *)0x10), ERR_BAD_ADDRESS);
    UT_EQ(sys_handle_close(port), OK);
    return 0;
}

UTEST(port_rights_and_errors)
{
    handle_t port, port2, ro, a, b;
    UT_EQ(sys_port_create(&port), OK);
    UT_EQ(sys_port_create(&port2), OK);
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_port_bind(port, a, 1, 0), ERR_INVALID_ARGS);
    UT_EQ(sys_port_bind(port, port2, 1, SIG_PACKET), ERR_NOT_SUPPORTED);
    UT_EQ(sys_port_bind(a, a, 1, SIG_READABLE), ERR_WRONG_TYPE);
    UT_EQ(sys_port_bind(port, 0x12345, 1, SIG_READABLE), ERR_BAD_HANDLE);
    /* The object needs RIGHT_WAIT, the port RIGHT_WRITE. */
    UT_EQ(sys_handle_dup(a, RIGHT_READ, &ro), OK);
    UT_EQ(sys_port_bind(port, ro, 1, SIG_READABLE), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_close(ro), OK);
    UT_EQ(sys_handle_dup(port, RIGHT_READ, &ro), OK);
    UT_EQ(sys_port_bind(ro, a, 1, SIG_READABLE), ERR_ACCESS_DENIED);
    uint64_t data[2] = {0, 0};
    UT_EQ(sys_port_queue(ro, 1, data), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_close(ro), OK);
    /* One binding per (port, key) on an object. */
    UT_EQ(sys_port_bind(port, a, 1, SIG_READABLE), OK);
    UT_EQ(sys_port_bind(port, a, 1, SIG_READABLE), ERR_ALREADY_EXISTS);
    UT_EQ(sys_port_unbind(port, a, 1), OK);
    UT_EQ(sys_port_unbind(port, a, 1), ERR_NOT_FOUND);
    sys_handle_close(a);
    sys_handle_close(b);
    sys_handle_close(port);
    sys_handle_close(port2);
    return 0;
}

/* Readable and peer-closed arrive as packets; two writes before a wait
 * make one packet (coalesced); a binding on an already readable channel
 * reports at once. */
UTEST(port_channel_signals)
{
    handle_t port, a, b;
    UT_EQ(sys_port_create(&port), OK);
    UT_EQ(sys_chan_create(&a, &b), OK);
    UT_EQ(sys_port_bind(port, b, 42, SIG_READABLE | SIG_PEER_CLOSED), OK);
    port_packet_t pkt;
    UT_EQ(wait_packet(port, 2, &pkt), ERR_TIMED_OUT);
    UT_EQ(sys_chan_write(a, "x", 1, NULL, 0), OK);
    UT_EQ(sys_chan_write(a, "y", 1, NULL, 0), OK);
    UT_EQ(sys_port_wait(port, DEADLINE_INFINITE, &pkt), OK);
    UT_EQ(pkt.type, PACKET_SIGNAL);
    UT_EQ(pkt.key, 42);
    UT_CHECK(pkt.signals & SIG_READABLE);
    UT_EQ(sys_port_wait(port, 0, &pkt), ERR_TIMED_OUT); /* coalesced */
    char buf[4];
    chan_sizes_t sz = {4, 0};
    UT_EQ(sys_chan_read(b, buf, NULL, &sz), OK);
    sz = (chan_sizes_t){4, 0};
    UT_EQ(sys_chan_read(b, buf, NULL, &sz), OK);
    UT_EQ(sys_handle_close(a), OK);
    UT_EQ(sys_port_wait(port, DEADLINE_INFINITE, &pkt), OK);
    UT_CHECK(pkt.signals & SIG_PEER_CLOSED);
    /* Bound after the fact: already asserted, reported at once. */
    UT_EQ(sys_port_bind(port, b, 43, SIG_PEER_CLOSED), OK);
    UT_EQ(sys_port_wait(port, 0, &pkt), OK);
    UT_EQ(pkt.key, 43);
    /* Closing the bound object removes its bindings: nothing more comes. */
    UT_EQ(sys_handle_close(b), OK);
    UT_EQ(sys_port_wait(port, 0, &pkt), ERR_TIMED_OUT);
    UT_EQ(sys_handle_close(port), OK);
    return 0;
}

UCHILD(sleep_then_exit)
{
    (void)chan;
    sys_thread_sleep(ut_now() + 5 * UT_MS);
    return 3;
}

UTEST(port_process_terminated)
{
    handle_t port, p, c;
    UT_EQ(sys_port_create(&port), OK);
    UT_EQ(utest_spawn("sleep_then_exit", &p, &c, NULL, 0), OK);
    UT_EQ(sys_port_bind(port, p, 7, SIG_TERMINATED), OK);
    port_packet_t pkt;
    UT_EQ(sys_port_wait(port, DEADLINE_INFINITE, &pkt), OK);
    UT_EQ(pkt.key, 7);
    UT_CHECK(pkt.signals & SIG_TERMINATED);
    process_info_t info;
    UT_EQ(sys_process_info(p, &info), OK);
    UT_EQ(info.exit_code, 3);
    /* The port goes first: the process handle is still fine. */
    UT_EQ(sys_handle_close(port), OK);
    UT_EQ(sys_process_info(p, &info), OK);
    sys_handle_close(c);
    sys_handle_close(p);
    return 0;
}

UTEST(timer_one_shot_and_cancel)
{
    handle_t t, port, ro;
    UT_EQ(sys_timer_create(&t), OK);
    uint32_t seen = 0;
    UT_EQ(sys_object_wait(t, SIG_TIMER, ut_now() + UT_MS, &seen), ERR_TIMED_OUT);
    UT_EQ(sys_timer_set(t, ut_now() + 2 * UT_MS, 0), OK);
    UT_EQ(sys_object_wait(t, SIG_TIMER, DEADLINE_INFINITE, &seen), OK);
    UT_CHECK(seen & SIG_TIMER);
    /* Cancel clears the signal and stops the expiry. */
    UT_EQ(sys_timer_set(t, ut_now() + 3 * UT_MS, 0), OK);
    UT_EQ(sys_timer_cancel(t), OK);
    UT_EQ(sys_object_wait(t, SIG_TIMER, ut_now() + 10 * UT_MS, &seen), ERR_TIMED_OUT);
    /* Through a port. */
    UT_EQ(sys_port_create(&port), OK);
    UT_EQ(sys_port_bind(port, t, 9, SIG_TIMER), OK);
    UT_EQ(sys_timer_set(t, ut_now() + UT_MS, 0), OK);
    port_packet_t pkt;
    UT_EQ(sys_port_wait(port, DEADLINE_INFINITE, &pkt), OK);
    UT_EQ(pkt.key, 9);
    /* Errors: a period too short, a missing right, a wrong type. */
    UT_EQ(sys_timer_set(t, ut_now(), 1000), ERR_OUT_OF_RANGE);
    UT_EQ(sys_handle_dup(t, RIGHT_WAIT, &ro), OK);
    UT_EQ(sys_timer_set(ro, ut_now(), 0), ERR_ACCESS_DENIED);
    UT_EQ(sys_timer_cancel(ro), ERR_ACCESS_DENIED);
    UT_EQ(sys_timer_set(port, ut_now(), 0), ERR_WRONG_TYPE);
    sys_handle_close(ro);
    sys_handle_close(port);
    sys_handle_close(t);
    return 0;
}

/* A periodic timer pulses its signal at each expiry: a bound port gets a
 * packet for each one the waiter has consumed. */
UTEST(timer_periodic)
{
    handle_t t, port;
    UT_EQ(sys_timer_create(&t), OK);
    UT_EQ(sys_port_create(&port), OK);
    UT_EQ(sys_port_bind(port, t, 1, SIG_TIMER), OK);
    uint64_t start = ut_now();
    UT_EQ(sys_timer_set(t, start + UT_MS, 2 * UT_MS), OK);
    port_packet_t pkt;
    for (int i = 0; i < 3; i++) {
        UT_EQ(sys_port_wait(port, DEADLINE_INFINITE, &pkt), OK);
        UT_EQ(pkt.key, 1);
    }
    UT_EQ(sys_timer_cancel(t), OK);
    while (sys_port_wait(port, 0, &pkt) == OK) /* drain one coalesced packet, if any */
        ;
    UT_EQ(sys_port_wait(port, ut_now() + 10 * UT_MS, &pkt), ERR_TIMED_OUT); /* stopped */
    sys_handle_close(port);
    UT_EQ(sys_handle_close(t), OK);
    return 0;
}
