/* SPDX-License-Identifier: BSD-2-Clause
 *
 * TSC calibration against PIT channel 2 (the speaker-gate channel, which
 * needs no interrupt): count TSC ticks while the PIT counts down 10 ms. The
 * wait is bounded, so a platform without a working PIT falls back to
 * CPUID leaf 0x15/0x16 and then to a loud guess, never a hang.
 */
#include "arch/tsc.h"
#include "arch/cpu.h"
#include "lib/log.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61
#define CALIBRATE_MS 10

static uint64_t entry_tsc_value;
static uint64_t hz;
static uint64_t ns_mult; /* ns per tick, times 2^32 */

static uint64_t pit_measure(void)
{
    uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;
    uint8_t gate = inb(PIT_GATE);
    outb(PIT_GATE, (uint8_t)((gate & ~0x02) & ~0x01)); /* speaker off, gate low */
    outb(PIT_CMD, 0xb0);                                /* ch2, lo/hi, mode 0 */
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, (count >> 8) & 0xff);
    outb(PIT_GATE, (uint8_t)((gate & ~0x02) | 0x01));   /* gate high: start */
    uint64_t t0 = rdtsc();
    /* Give up after 2^31 TSC ticks (0.2 s at 10 GHz, 2 s at 1 GHz): the
     * TSC rate is what we are measuring, so it cannot bound the wait in
     * time, but no real TSC is slow enough for this to cut a 10 ms wait. */
    while (rdtsc() - t0 < (1ull << 31)) {
        if (inb(PIT_GATE) & 0x20) /* OUT2 went high: count reached zero */
            return (rdtsc() - t0) * (1000 / CALIBRATE_MS);
    }
    return 0;
}

static uint64_t cpuid_tsc_hz(void)
{
    uint32_t max, a, b, c, d;
    cpuid(0, 0, &max, &b, &c, &d);
    if (max >= 0x15) {
        cpuid(0x15, 0, &a, &b, &c, &d);
        if (a && b && c)
            return (uint64_t)c * b / a;
    }
    if (max >= 0x16) {
        cpuid(0x16, 0, &a, &b, &c, &d);
        if (a)
            return (uint64_t)a * 1000000;
    }
    return 0;
}

void tsc_calibrate(uint64_t entry_tsc)
{
    entry_tsc_value = entry_tsc;
    uint64_t measured = pit_measure();
    const char *how = "PIT";
    if (!measured) {
        measured = cpuid_tsc_hz();
        how = "CPUID";
    }
    if (!measured) {
        measured = 1000000000ull;
        how = "a guess (no PIT, no CPUID leaf): times are approximate";
    }
    hz = measured;
    /* ns = ticks * 1e9 / hz as a multiply and a shift: the scheduler reads
     * the clock on every switch. 2^32 * 1e9 / hz keeps 9+ significant
     * digits for any TSC from 1 MHz to 1 THz. */
    ns_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / hz);
    klog(LOG_INFO, "tsc: %lu.%03lu MHz, from %s", (unsigned long)(hz / 1000000),
         (unsigned long)(hz / 1000 % 1000), how);
}

uint64_t tsc_hz(void)
{
    return hz;
}

uint64_t tsc_ns_since_entry(void)
{
    uint64_t d = rdtsc() - entry_tsc_value;
    return (uint64_t)(((unsigned __int128)d * ns_mult) >> 32); /* 0 until calibrated */
}

uint64_t tsc_us_since_entry(void)
{
    if (!hz)
        return 0;
    uint64_t d = rdtsc() - entry_tsc_value;
    /* Split to avoid overflowing d * 1e6 after long uptimes. */
    return d / hz * 1000000 + d % hz * 1000000 / hz;
}
