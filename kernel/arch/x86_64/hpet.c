/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Minimal HPET: only the main counter. Its period is in the capabilities
 * register (femtoseconds per tick, at most 100 ns by the specification);
 * a period of 0 or above that means the registers are not an HPET.
 */
#include "arch/hpet.h"
#include "lib/log.h"
#include "mm/vm.h"

#define HPET_CAP 0x00
#define HPET_CONFIG 0x10
#define HPET_COUNTER 0xf0
#define HPET_CONFIG_ENABLE 1u
#define HPET_MAX_PERIOD_FS 100000000ull

static volatile uint64_t *regs;
static uint64_t period_fs;

static uint64_t rd(unsigned off) { return regs[off / 8]; }
static void wr(unsigned off, uint64_t v) { regs[off / 8] = v; }

bool hpet_init(paddr_t base)
{
    void *va;
    if (vm_map_phys(base, 0x400, VM_CACHE_UC, true, &va) != OK) {
        klog(LOG_WARN, "hpet: cannot map registers at %lx", (unsigned long)base);
        return false;
    }
    regs = va;
    uint64_t period = rd(HPET_CAP) >> 32;
    if (period == 0 || period > HPET_MAX_PERIOD_FS) {
        klog(LOG_WARN, "hpet: bad counter period %lu fs at %lx; not using it", (unsigned long)period,
             (unsigned long)base);
        regs = NULL;
        return false;
    }
    period_fs = period;
    wr(HPET_CONFIG, rd(HPET_CONFIG) | HPET_CONFIG_ENABLE);
    klog(LOG_INFO, "hpet: at %lx, %lu.%03lu MHz counter", (unsigned long)base,
         (unsigned long)(1000000000ull / period_fs), (unsigned long)(1000000000000ull / period_fs % 1000));
    return true;
}

bool hpet_present(void)
{
    return regs != NULL;
}

uint64_t hpet_now_fs(void)
{
    return rd(HPET_COUNTER) * period_fs;
}
