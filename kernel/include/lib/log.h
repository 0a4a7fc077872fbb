/*
 * The kernel log. Every line gets a level and the time since the kernel was
 * entered, goes to the serial console (when its level passes the console
 * threshold) and always into a ring buffer that later readers (the log
 * server, the shell's dmesg) read by sequence number.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include "types.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

#define LOG_RING_SIZE (64 * 1024)
#define LOG_LINE_MAX 512

void klog(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
void log_set_console_level(enum log_level level);
/* Stop or resume writing log lines to the serial port (a user-mode console
 * server that shows the log itself turns it off). Emergency output (panics,
 * exception and NMI reports) is written whatever this says. */
void log_set_serial(bool on);
bool log_serial_enabled(void);

/* Emergency output: straight to the serial port without waiting for a lock;
 * into the ring too when its lock is free (or after a panic). Used by panic,
 * exception and NMI reports, which must work whatever state the log is in. */
void log_emergency(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_enter_panic(void);

/*
 * Copy log text starting at byte sequence number *seq into buf (up to len
 * bytes). Returns the number of bytes copied and advances *seq. When *seq is
 * older than what the ring still holds, it first jumps to the oldest byte.
 */
size_t log_read(uint64_t *seq, char *buf, size_t len);
uint64_t log_head_seq(void);

#endif
