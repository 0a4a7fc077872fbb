/* Time from the TSC: calibrated once against the PIT at boot. Before
 * calibration every reading is 0. */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include "types.h"

void tsc_calibrate(uint64_t entry_tsc);
uint64_t tsc_hz(void);
uint64_t tsc_us_since_entry(void);
/* Nanoseconds since entry, from one multiply (0 before calibration). */
uint64_t tsc_ns_since_entry(void);

#endif
