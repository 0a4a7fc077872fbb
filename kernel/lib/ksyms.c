/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Lookup in the generated kernel symbol table and the frame-pointer walk.
 *
 * Table layout (written by tools/gensyms.py into .ksyms): ksyms_count
 * entries, ksyms_addrs[] sorted ascending, ksyms_name_offs[i] the offset of
 * the i-th name in ksyms_names. The walk trusts nothing: every frame pointer
 * must be aligned, inside the bounds of the stack the walk started on, and
 * strictly increasing, so a corrupt stack ends the trace instead of faulting.
 */
#include "lib/backtrace.h"
#include "lib/kprintf.h"
#include "lib/kstring.h"
#include "lib/log.h"
#include "mm/kstack.h"

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_offs[];
extern const char ksyms_names[];
extern const char _text_start[], _text_end[];

#define BACKTRACE_MAX_FRAMES 32

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
    if (addr < (uintptr_t)_text_start || addr >= (uintptr_t)_text_end || ksyms_count == 0)
        return NULL;
    size_t lo = 0, hi = ksyms_count; /* find the last entry <= addr */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ksyms_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (ksyms_addrs[lo] > addr)
        return NULL;
    *offset = addr - ksyms_addrs[lo];
    return ksyms_names + ksyms_name_offs[lo];
}

void ksym_format(uintptr_t addr, char *buf, size_t len)
{
    uintptr_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        ksnprintf(buf, len, "<%s+0x%lx>", name, (unsigned long)off);
    else
        ksnprintf(buf, len, "<?>");
}

uintptr_t ksym_address(const char *name)
{
    for (uint64_t i = 0; i < ksyms_count; i++)
        if (strcmp(ksyms_names + ksyms_name_offs[i], name) == 0)
            return ksyms_addrs[i];
    return 0;
}

/* Return addresses point after the call; the call itself (ret - 1) is in
 * the caller, even when the call was the caller's last instruction (a call
 * to a noreturn function). */
static void print_frame(int depth, uint64_t ret, int repeats)
{
    char sym[96];
    ksym_format(ret - 1, sym, sizeof sym);
    if (repeats)
        log_emergency("      ... the frame above repeats %d more times\n", repeats);
    log_emergency("      #%-2d %p %s\n", depth, (void *)ret, sym);
}

void backtrace_print(uint64_t rip, uint64_t rbp, uint64_t sp)
{
    vaddr_t lo, hi;
    char sym[96];
    int depth = 0, repeats = 0;
    uint64_t last = 0;

    log_emergency("    backtrace:\n");
    if (rip) {
        ksym_format(rip, sym, sizeof sym);
        log_emergency("      #0  %p %s\n", (void *)rip, sym);
        depth = 1;
    }
    if (!kstack_bounds(sp, &lo, &hi)) {
        log_emergency("      (stack %p is not a known kernel stack: walk stopped)\n", (void *)sp);
        return;
    }
    for (int frames = 0; frames < BACKTRACE_MAX_FRAMES * 8; frames++) {
        if (rbp == 0)
            break; /* the outermost frame (boot_entry64 clears rbp) */
        if ((rbp & 7) || rbp < lo || rbp + 16 > hi) {
            log_emergency("      (frame pointer %p outside the stack: walk stopped)\n", (void *)rbp);
            break;
        }
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1], next = frame[0];
        if (ret == last) {
            repeats++; /* runaway recursion: say it once */
        } else {
            if (depth >= BACKTRACE_MAX_FRAMES) {
                log_emergency("      ... (more frames)\n");
                return;
            }
            print_frame(depth++, ret, repeats);
            repeats = 0;
            last = ret;
        }
        if (next != 0 && next <= rbp) {
            log_emergency("      (frame pointers not increasing: walk stopped)\n");
            break;
        }
        rbp = next;
    }
    if (repeats)
        log_emergency("      ... the frame above repeats %d more times\n", repeats);
}
