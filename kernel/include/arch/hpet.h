/* The HPET main counter, used as the reference clock to calibrate the LAPIC
 * timer (and available as a monotonic clock). */
#ifndef ARCH_HPET_H
#define ARCH_HPET_H

#include "types.h"

/* Map and start the HPET at base; false (with a log line) when it is not usable. */
bool hpet_init(paddr_t base);
bool hpet_present(void);
uint64_t hpet_now_fs(void); /* femtoseconds since the counter started */

#endif
