/* SPDX-License-Identifier: BSD-2-Clause
 *
 * console: the COM1 16550 as a user-mode driver, the kernel log's screen,
 * and the console service (service.c) that gives programs their stdin and
 * stdout. It gets the resources `ioport` and `irq` and the `log`; from them
 * it makes exactly what it needs: an ioport object for 0x3f8-0x3ff and an
 * irq object for ISA IRQ 4 (through an IRQ resource derived for that one
 * line). With an `ns` handle it publishes "console".
 *
 * Start-up: program the UART (115200 8N1, FIFO, receive interrupt, OUT2),
 * skip the log text the kernel has already written to the port, switch the
 * kernel's serial output off (sys_log_console(log, 0)), and from then on
 * show new log lines itself. Then one event loop (cairn/loop.h):
 *   - the irq (urgent): drain the receive FIFO into the input queue, feed
 *     the transmit FIFO while THR is empty, hand input to readers; then
 *     acknowledge the irq;
 *   - the timer (urgent, every 10 ms): forward new log text (also
 *     forwarded before each session write, so output keeps the order in
 *     which it was made), report
 *     dropped bytes, and poll the UART once in case an interrupt edge was
 *     missed;
 *   - clients (service.c, through srv_t).
 * Output never waits for the UART inside the loop: it goes to a ring
 * (out.h) that the THR-empty interrupt drains, 16 bytes per interrupt with
 * the FIFO. The loop is the only writer of the port, so program output,
 * echoes and log lines never mix within a line.
 *
 * `console test`: prints "console: ready" after the takeover and, while no
 * session exists, exits with status 0 on the typed line "quit", handing
 * the port back to the kernel first.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "con.h"

#define COM1 0x3f8
#define COM1_LEN 8
#define COM1_ISA_IRQ 4
#define UART_RBR 0 /* receive buffer (read) / transmit holding (write) */
#define UART_IER 1
#define UART_IIR 2 /* interrupt identification (read) / FIFO control (write) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define IER_RX 0x01
#define IER_THRE 0x02
#define IIR_NONE 0x01
#define IIR_FIFO 0xc0
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define UART_FIFO_LEN 16
#define RX_MAX 4096         /* bytes per drain: a UART that always has data cannot hold the loop */
#define IRQ_ROUNDS 8        /* IIR re-checks per interrupt */

#define TICK_NS 10000000ull /* 10 ms */
#define DROP_REPORT_NS 1000000000ull
#define FLUSH_NS 1000000000ull /* the most the hand-back waits for the UART */
#define LOG_CHUNK 512       /* with CON_LOG_ROOM: a chunk always fits (con.h) */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* ---- the UART ------------------------------------------------------------ */

static void uart_init(con_t *con)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80); /* divisor latch */
    outb(COM1 + 0, 0x01);        /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + UART_LCR, 0x03); /* 8N1 */
    outb(COM1 + UART_FCR, 0x07); /* FIFOs on and cleared, interrupt at 1 byte */
    /* A 16550A reports its FIFOs in IIR; an 8250 has a single THR byte. */
    con->tx_burst = (inb(COM1 + UART_IIR) & IIR_FIFO) == IIR_FIFO ? UART_FIFO_LEN : 1;
    while (inb(COM1 + UART_LSR) & LSR_DATA_READY)
        (void)inb(COM1 + UART_RBR);
    outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 (gates the interrupt line) */
    outb(COM1 + UART_IER, IER_RX);
    con->thre_irq = false;
}

/* Feeds the transmitter while it is empty; never waits for it. */
static void tx_pump(con_t *con)
{
    uint8_t buf[UART_FIFO_LEN];
    while (out_pending(&con->out) > 0 && (inb(COM1 + UART_LSR) & LSR_THR_EMPTY)) {
        size_t n = out_take(&con->out, buf, con->tx_burst);
        for (size_t i = 0; i < n; i++)
            outb(COM1 + UART_RBR, buf[i]);
    }
}

/* The THR-empty interrupt is wanted exactly while output waits; enabling
 * it with THR empty raises it at once, so it is only written on change. */
static void tx_irq_update(con_t *con)
{
    bool want = out_pending(&con->out) > 0;
    if (want == con->thre_irq)
        return;
    con->thre_irq = want;
    outb(COM1 + UART_IER, IER_RX | (want ? IER_THRE : 0));
}

void con_kick(con_t *con)
{
    do
        tx_pump(con);
    while (con_resume_writes(con) > 0);
    tx_irq_update(con);
}

void con_echo(void *ctx, const char *s, size_t n)
{
    con_t *con = ctx;
    if (!out_text(&con->out, s, n))
        con->echo_dropped += n;
}

/* A byte the full queue refuses is counted there (report_drops). */
static void rx_drain(con_t *con)
{
    for (int i = 0; i < RX_MAX && (inb(COM1 + UART_LSR) & LSR_DATA_READY); i++)
        input_typed(&con->in, inb(COM1 + UART_RBR));
}

/* On the way out, when the loop no longer runs: what the ring holds goes
 * out, waiting for the UART at most FLUSH_NS (a stuck UART then loses it). */
static void tx_flush(con_t *con)
{
    uint64_t end = libsys_now_ns() + FLUSH_NS;
    for (;;) {
        tx_pump(con);
        if (out_pending(&con->out) == 0 || libsys_now_ns() > end)
            return;
        sys_thread_sleep(libsys_now_ns() + 100000);
    }
}

/* ---- the kernel log ----------------------------------------------------- */

/* "[    1.234567] D text": the kernel keeps debug lines off the serial port
 * (they stay in the ring); so does the console. */
static bool log_line_is_debug(const char *s, size_t n)
{
    const char *end = memchr(s, ']', n);
    if (s[0] != '[' || !end)
        return false;
    size_t rest = n - (size_t)(end - s);
    return rest >= 4 && end[1] == ' ' && end[2] == 'D' && end[3] == ' ';
}

static void log_show_line(con_t *con, const char *s, size_t n)
{
    if (n == 0 || log_line_is_debug(s, n))
        return;
    /* Fits: con_log_forward reads a chunk only with CON_LOG_ROOM free. */
    if (!out_log_line(&con->out, s, n))
        con->echo_dropped += n;
}

/* Shows every complete log line written since log_seq, as far as con.out
 * has room; the rest waits in the kernel's log for the next tick. Returns
 * true when it stopped for room. */
bool con_log_forward(con_t *con)
{
    static char buf[LOG_CHUNK];
    bool full;
    while (!(full = out_space(&con->out) < CON_LOG_ROOM)) {
        int64_t n = sys_log_read(con->log, &con->log_seq, buf, sizeof buf);
        if (n <= 0)
            break;
        for (int64_t i = 0; i < n; i++) {
            con->log_line[con->log_line_len++] = buf[i];
            if (buf[i] == '\n' || con->log_line_len == sizeof con->log_line) {
                log_show_line(con, con->log_line, con->log_line_len);
                con->log_line_len = 0;
            }
        }
        tx_pump(con);
    }
    out_log_end(&con->out);
    con_kick(con);
    return full;
}

/* The kernel has written everything in its log so far to the port itself:
 * skip it, then switch the kernel's output off. A line logged between the
 * last read and the switch may be shown twice; none is lost. */
static int64_t log_take_over(con_t *con)
{
    static char buf[4096];
    while (sys_log_read(con->log, &con->log_seq, buf, sizeof buf) > 0)
        ;
    return sys_log_console(con->log, 0);
}

/* Back to the kernel: everything queued goes out first, and nothing logged
 * before this is lost (a line logged during the hand-over may show twice).
 * Interrupts are off: the loop is over. */
static void log_give_back(con_t *con)
{
    for (int i = 0; i < 64 && con_log_forward(con); i++)
        tx_flush(con);
    tx_flush(con);
    sys_log_console(con->log, 1);
    con_log_forward(con);
    tx_flush(con);
    outb(COM1 + UART_IER, 0x00);
    con->thre_irq = false;
}

/* ---- loop sources ---------------------------------------------------------- */

static void report_drops(con_t *con)
{
    con->in_dropped += input_dropped(&con->in);
    uint64_t now = libsys_now_ns();
    if ((con->in_dropped == 0 && con->echo_dropped == 0) || now - con->drop_report_ns < DROP_REPORT_NS)
        return;
    if (con->in_dropped)
        fprintf(stderr, "console: input queue full: %llu typed bytes dropped\n",
                (unsigned long long)con->in_dropped);
    if (con->echo_dropped)
        fprintf(stderr, "console: output ring full: %llu echo/log bytes dropped\n",
                (unsigned long long)con->echo_dropped);
    con->in_dropped = con->echo_dropped = 0;
    con->drop_report_ns = now;
}

static void on_irq(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    con_t *con = src->ctx;
    (void)loop;
    (void)signals;
    /* Every pending cause is cleared before the ack: the line is an ISA
     * edge, and one left asserted would never interrupt again. */
    for (int i = 0; i < IRQ_ROUNDS && !(inb(COM1 + UART_IIR) & IIR_NONE); i++) {
        rx_drain(con);
        con_kick(con);
    }
    rx_drain(con);
    con_serve_input(con);
    con_kick(con);
    sys_irq_ack(con->irq);
}

static void on_tick(loop_t *loop, loop_source_t *src, uint32_t signals)
{
    con_t *con = src->ctx;
    (void)loop;
    (void)signals;
    con_log_forward(con);
    rx_drain(con);
    con_serve_input(con);
    con_kick(con);
    report_drops(con);
}

/* ---- set-up ---------------------------------------------------------------- */

static int console_open(con_t *con)
{
    handle_t io, ires;
    int64_t err;
    const char *step;
    if ((err = loop_init(&con->loop)) != OK) {
        step = "loop_init";
        goto fail;
    }
    if ((err = sys_ioport_create(libsys_handle("ioport"), COM1, COM1_LEN, &io)) != OK) {
        step = "ioport_create";
        goto fail;
    }
    if ((err = sys_resource_derive(libsys_handle("irq"), RESOURCE_IRQ, COM1_ISA_IRQ, 1, &ires)) != OK) {
        step = "resource_derive irq";
        goto fail;
    }
    if ((err = sys_irq_create(ires, COM1_ISA_IRQ, IRQ_ISA, &con->irq)) != OK) {
        step = "irq_create";
        goto fail;
    }
    if ((err = sys_timer_create(&con->timer)) != OK) {
        step = "timer_create";
        goto fail;
    }
    if ((err = loop_add(&con->loop, &con->irq_src, con->irq, SIG_IRQ, LOOP_URGENT, on_irq, con)) != OK ||
        (err = loop_add(&con->loop, &con->timer_src, con->timer, SIG_TIMER, LOOP_URGENT, on_tick, con)) != OK) {
        step = "loop_add";
        goto fail;
    }
    uart_init(con);
    if ((err = log_take_over(con)) != OK) {
        step = "log_console";
        goto fail;
    }
    if ((err = sys_timer_set(con->timer, libsys_now_ns() + TICK_NS, TICK_NS)) != OK) {
        sys_log_console(con->log, 1);
        step = "timer_set";
        goto fail;
    }
    return OK;
fail:
    /* Everything made so far goes with the process when main returns. */
    fprintf(stderr, "console: %s: %s\n", step, cairn_error_name((int)err));
    return (int)err;
}

int main(int argc, char **argv)
{
    static con_t con;
    con.test_mode = argc > 1 && strcmp(argv[1], "test") == 0;
    con.log = libsys_handle("log");
    input_init(&con.in);
    out_init(&con.out);
    if (console_open(&con) != OK)
        return 1;
    printf("console: COM1 and the kernel log taken over\n");
    handle_t ns = libsys_handle("ns");
    if (ns != HANDLE_INVALID)
        con_service_start(&con, ns);
    if (con.test_mode)
        printf("console: ready\n");
    int status = loop_run(&con.loop);
    log_give_back(&con);
    if (status != OK)
        fprintf(stderr, "console: loop ended: %s\n", cairn_error_name(status));
    return status == OK ? 0 : 1;
}
