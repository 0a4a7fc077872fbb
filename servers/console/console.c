/* SPDX-License-Identifier: BSD-2-Clause
 *
 * console: the COM1 16550 as a user-mode driver, and the kernel log's
 * screen. For now it is started as init (init=console) and gets the root
 * resources `ioport`, `irq` and `log`; from them it makes exactly what it
 * needs: an ioport object for 0x3f8-0x3ff and an irq object for ISA IRQ 4
 * (through an IRQ resource derived for that one line).
 *
 * Start-up: program the UART (115200 8N1, FIFO, receive interrupt, OUT2),
 * skip the log text the kernel has already written to the port, switch the
 * kernel's serial output off (sys_log_console(log, 0)), and from then on
 * show new log lines itself. Then one port loop (STYLE.md item 3):
 *   - KEY_IRQ   (SIG_IRQ): drain the receive FIFO through the line
 *                discipline (line.c), echoing; acknowledge the irq;
 *   - KEY_TIMER (SIG_TIMER, every 10 ms): forward new log text.
 * The loop is the only writer of the port, so echoes and log lines never
 * mix within a line: a log line arriving while a line is being typed is
 * written on a line of its own and the typed text is echoed again after it.
 *
 * A completed line is reported in the log as "console: line 'TEXT'".
 * Clients (stdin/stdout of programs) come with the name server; then a line
 * goes to whoever reads the console.
 *
 * `console test`: prints "console: ready" after the takeover and exits with
 * status 0 on the line "quit", handing the port back to the kernel first.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cairn/errors.h"
#include "cairn/runtime.h"
#include "cairn/sys.h"
#include "line.h"

#define COM1 0x3f8
#define COM1_LEN 8
#define COM1_ISA_IRQ 4
#define UART_RBR 0 /* receive buffer (read) / transmit holding (write) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define THR_SPIN_MAX 100000 /* a stuck UART costs a lost byte, not a hang */

#define KEY_IRQ 1
#define KEY_TIMER 2
#define LOG_POLL_NS 10000000ull /* 10 ms */
#define LOG_LINE_CAP 1024       /* longer than any kernel log line (512) */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

typedef struct console {
    handle_t log;
    handle_t irq;
    uint64_t log_seq;        /* next log byte to show */
    char log_line[LOG_LINE_CAP];
    size_t log_line_len;     /* a log line gathered across log_read calls */
    line_t line;             /* what is being typed */
    bool test_mode;
} console_t;

/* ---- output ------------------------------------------------------------ */

static void uart_putc(char c)
{
    for (int i = 0; i < THR_SPIN_MAX && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
        __asm__ volatile("pause");
    outb(COM1 + UART_RBR, (uint8_t)c);
}

/* '\n' becomes "\r\n", as the kernel writes it. */
static void uart_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

static void uart_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80); /* divisor latch */
    outb(COM1 + 0, 0x01);        /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + UART_LCR, 0x03); /* 8N1 */
    outb(COM1 + UART_FCR, 0x07); /* FIFOs on and cleared, interrupt at 1 byte */
    while (inb(COM1 + UART_LSR) & LSR_DATA_READY)
        (void)inb(COM1 + UART_RBR);
    outb(COM1 + UART_MCR, 0x0b); /* DTR, RTS, OUT2 (gates the interrupt line) */
    outb(COM1 + UART_IER, 0x01); /* interrupt on received data */
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

static void log_show_line(console_t *con, const char *s, size_t n)
{
    if (n == 0 || log_line_is_debug(s, n))
        return;
    bool typing = con->line.len > 0 && !con->line.done;
    if (typing)
        uart_write("\n", 1);
    uart_write(s, n);
    if (typing)
        uart_write(con->line.buf, con->line.len);
}

/* Shows every complete log line written since log_seq. */
static void log_forward(console_t *con)
{
    static char buf[4096];
    for (;;) {
        int64_t n = sys_log_read(con->log, &con->log_seq, buf, sizeof buf);
        if (n <= 0)
            return;
        for (int64_t i = 0; i < n; i++) {
            con->log_line[con->log_line_len++] = buf[i];
            if (buf[i] == '\n' || con->log_line_len == sizeof con->log_line) {
                log_show_line(con, con->log_line, con->log_line_len);
                con->log_line_len = 0;
            }
        }
    }
}

/* The kernel has written everything in its log so far to the port itself:
 * skip it, then switch the kernel's output off. A line logged between the
 * last read and the switch may be shown twice; none is lost. */
static int64_t log_take_over(console_t *con)
{
    static char buf[4096];
    while (sys_log_read(con->log, &con->log_seq, buf, sizeof buf) > 0)
        ;
    return sys_log_console(con->log, 0);
}

/* Back to the kernel: nothing logged before this is lost (a line logged
 * during the hand-over may be shown twice). */
static void log_give_back(console_t *con)
{
    outb(COM1 + UART_IER, 0x00);
    log_forward(con);
    sys_log_console(con->log, 1);
    log_forward(con);
}

/* ---- input --------------------------------------------------------------- */

/* Drains the receive FIFO; returns true when the test's "quit" came. */
static bool rx_drain(console_t *con)
{
    bool quit = false;
    while (inb(COM1 + UART_LSR) & LSR_DATA_READY) {
        uint8_t c = inb(COM1 + UART_RBR);
        char echo[LINE_ECHO_MAX];
        size_t n;
        if (!line_input(&con->line, c, echo, &n)) {
            uart_write(echo, n);
            continue;
        }
        uart_write(echo, n);
        /* No clients yet: a line is only reported. */
        printf("console: line '%s'\n", con->line.buf);
        quit |= con->test_mode && strcmp(con->line.buf, "quit") == 0;
    }
    return quit;
}

/* ---- set-up and the loop -------------------------------------------------- */

static int64_t console_open(console_t *con, handle_t *port)
{
    handle_t io, ires, timer;
    int64_t err;
    const char *step;
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
    if ((err = sys_port_create(port)) != OK || (err = sys_timer_create(&timer)) != OK) {
        step = "port/timer_create";
        goto fail;
    }
    if ((err = sys_port_bind(*port, con->irq, KEY_IRQ, SIG_IRQ)) != OK ||
        (err = sys_port_bind(*port, timer, KEY_TIMER, SIG_TIMER)) != OK) {
        step = "port_bind";
        goto fail;
    }
    uart_init();
    if ((err = log_take_over(con)) != OK) {
        step = "log_console";
        goto fail;
    }
    if ((err = sys_timer_set(timer, libsys_now_ns() + LOG_POLL_NS, LOG_POLL_NS)) != OK) {
        sys_log_console(con->log, 1);
        step = "timer_set";
        goto fail;
    }
    return OK;
fail:
    /* Everything made so far goes with the process when main returns. */
    fprintf(stderr, "console: %s: %s\n", step, cairn_error_name((int)err));
    return err;
}

int main(int argc, char **argv)
{
    static console_t con;
    handle_t port;
    line_init(&con.line);
    con.test_mode = argc > 1 && strcmp(argv[1], "test") == 0;
    con.log = libsys_handle("log");
    if (console_open(&con, &port) != OK)
        return 1;
    printf("console: COM1 and the kernel log taken over\n");
    if (con.test_mode)
        printf("console: ready\n");
    for (;;) {
        port_packet_t pkt;
        int64_t err = sys_port_wait(port, DEADLINE_INFINITE, &pkt);
        if (err != OK) {
            log_give_back(&con);
            fprintf(stderr, "console: port_wait: %s\n", cairn_error_name((int)err));
            return 1;
        }
        if (pkt.key == KEY_IRQ) {
            bool quit = rx_drain(&con);
            sys_irq_ack(con.irq);
            if (quit) {
                log_give_back(&con);
                return 0;
            }
        } else if (pkt.key == KEY_TIMER) {
            log_forward(&con);
        }
    }
}
