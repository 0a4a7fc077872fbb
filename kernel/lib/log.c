/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Kernel log: formatting, levels, the serial sink and the ring buffer.
 *
 * The ring holds the last LOG_RING_SIZE bytes of formatted text; byte i of the
 * log lives at ring[i % LOG_RING_SIZE], so a reader's position is just a
 * 64-bit sequence number and readers never block writers. log_lock protects
 * ring and head. After log_enter_panic() the lock is no longer taken: the
 * panicking CPU may have been holding it.
 */
#include <stdarg.h>

#include "lib/log.h"
#include "arch/serial.h"
#include "arch/tsc.h"
#include "lib/kprintf.h"
#include "lib/spinlock.h"

static char ring[LOG_RING_SIZE];
static uint64_t head; /* sequence number of the next byte written */
static spinlock_t log_lock = SPINLOCK_INIT;
static enum log_level console_level = LOG_INFO;
static volatile bool panicking;
static volatile bool serial_on = true;

static const char level_char[] = {'D', 'I', 'W', 'E'};

void log_set_console_level(enum log_level level)
{
    console_level = level;
}

void log_set_serial(bool on)
{
    serial_on = on;
}

bool log_serial_enabled(void)
{
    return serial_on;
}

void log_enter_panic(void)
{
    panicking = true;
}

static void ring_put_locked(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ring[(head + i) % LOG_RING_SIZE] = s[i];
    head += n;
}

void klog(enum log_level level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    uint64_t us = tsc_us_since_entry();
    int n = ksnprintf(line, sizeof line, "[%5lu.%06lu] %c ", (unsigned long)(us / 1000000),
                      (unsigned long)(us % 1000000), level_char[level & 3]);
    va_list ap;
    va_start(ap, fmt);
    n += kvsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if ((size_t)n > sizeof line - 2)
        n = sizeof line - 2; /* truncated: still end the line */
    line[n++] = '\n';
    line[n] = '\0';

    uint64_t flags = 0;
    bool locked = !panicking;
    if (locked)
        flags = spin_lock_irqsave(&log_lock);
    ring_put_locked(line, (size_t)n);
    if (level >= console_level && (serial_on || panicking))
        serial_write(line, (size_t)n);
    if (locked)
        spin_unlock_irqrestore(&log_lock, flags);
}

void log_emergency(const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    /* Keep it in the ring too when that is safe: after a panic nobody else
     * writes; otherwise only if the lock is free right now (an NMI may
     * have interrupted its holder on this very CPU). */
    if (panicking) {
        ring_put_locked(line, (size_t)n);
    } else if (spin_trylock(&log_lock)) {
        ring_put_locked(line, (size_t)n);
        spin_unlock(&log_lock);
    }
    serial_write(line, (size_t)n);
}

size_t log_read(uint64_t *seq, char *buf, size_t len)
{
    uint64_t flags = spin_lock_irqsave(&log_lock);
    uint64_t oldest = head > LOG_RING_SIZE ? head - LOG_RING_SIZE : 0;
    if (*seq < oldest)
        *seq = oldest;
    size_t n = 0;
    while (n < len && *seq + n < head) {
        buf[n] = ring[(*seq + n) % LOG_RING_SIZE];
        n++;
    }
    *seq += n;
    spin_unlock_irqrestore(&log_lock, flags);
    return n;
}

uint64_t log_head_seq(void)
{
    return __atomic_load_n(&head, __ATOMIC_RELAXED);
}
