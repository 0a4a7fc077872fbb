/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Polling 16550 output on COM1 (115200 8N1). '\n' becomes "\r\n" so the log
 * reads well on a terminal. boot/entry.S already programmed the UART; doing
 * it again here keeps this file usable on its own.
 */
#include "arch/serial.h"
#include "arch/cpu.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THR_EMPTY 0x20

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80); /* divisor latch */
    outb(COM1 + 0, 0x01);        /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + UART_LCR, 0x03); /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);
    outb(COM1 + UART_MCR, 0x0b);
}

static void put_raw(char c)
{
    /* Bounded wait: a missing or stuck UART must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
        cpu_relax();
    outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put_raw('\r');
        put_raw(s[i]);
    }
}
