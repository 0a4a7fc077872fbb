/* TLB shootdown: make every other CPU that has an address space loaded
 * drop its translations for it. Call with interrupts enabled and no
 * spinlock held (the wait services other CPUs' shootdowns meanwhile). */
#ifndef ARCH_TLB_H
#define ARCH_TLB_H

struct aspace;

void tlb_shootdown(struct aspace *as);
void tlb_init(void);

#endif
