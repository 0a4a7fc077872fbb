/* SPDX-License-Identifier: BSD-2-Clause
 *
 * MSI irq objects (msi_create) and irq_mask, without a device: every
 * error of msi_create in order, the message the kernel returns, vector
 * exhaustion, revocation, and masking on an IOAPIC line (the PIT): an
 * interrupt that comes while the object is masked is held and signalled
 * at unmask. Delivery of real MSIs is in t_edu.c.
 */
#include <stdbool.h>

#include "lib/kstring.h"
#include "uhelp.h"

#define IRQ_RIGHTS (RIGHT_WAIT | RIGHT_MANAGE | RIGHT_DUPLICATE | RIGHT_TRANSFER)
#define VECTOR_FIRST 0x30 /* the kernel's device vectors (arch/trap_vectors.h) */
#define VECTOR_LAST 0xdf

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }

UTEST(msi_create_errors)
{
    handle_t root = ut_named("msi"), msi, weak, plain, irq, again;
    msi_msg_t msg;
    UT_CHECK(root != HANDLE_INVALID);
    resource_info_t info;
    UT_EQ(sys_resource_info(root, &info), OK);
    UT_CHECK(info.kind == RESOURCE_MSI && info.base == 0 && info.len == MSI_MAX);
    UT_EQ(sys_msi_create(HANDLE_INVALID, 0, &irq, &msg, 0), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_create(4096, 0, &plain), OK);
    UT_EQ(sys_msi_create(plain, 0, &irq, &msg, 0), ERR_WRONG_TYPE);
    UT_EQ(sys_handle_dup(root, RIGHT_READ, &weak), OK);
    UT_EQ(sys_msi_create(weak, 0, &irq, &msg, 0), ERR_ACCESS_DENIED);   /* no MANAGE */
    UT_EQ(sys_msi_create(ut_named("irq"), 0, &irq, &msg, 0), ERR_ACCESS_DENIED); /* GSIs are not MSIs */
    UT_EQ(sys_resource_derive(root, RESOURCE_MSI, 8, 4, &msi), OK);
    UT_EQ(sys_msi_create(msi, 7, &irq, &msg, 0), ERR_ACCESS_DENIED);
    UT_EQ(sys_msi_create(msi, 12, &irq, &msg, 0), ERR_ACCESS_DENIED);
    UT_EQ(sys_msi_create(root, MSI_MAX, &irq, &msg, 0), ERR_ACCESS_DENIED);
    system_info_t si;
    UT_EQ(sys_system_info(&si), OK);
    UT_EQ(sys_msi_create(msi, 8, &irq, &msg, si.cpus), ERR_OUT_OF_RANGE); /* no such CPU */
    UT_EQ(sys_msi_create(msi, 8, &irq, &msg, ~0u), ERR_OUT_OF_RANGE);
    UT_EQ(sys_resource_derive(root, RESOURCE_MSI, 250, 7, &again), ERR_ACCESS_DENIED); /* past MSI_MAX */
    UT_EQ(sys_msi_create(msi, 8, &irq, &msg, 0), OK);
    UT_EQ(sys_msi_create(msi, 8, &again, &msg, 0), ERR_ALREADY_EXISTS);
    UT_EQ(sys_msi_create(root, 8, &again, &msg, 0), ERR_ALREADY_EXISTS); /* one object per number */
    /* Bad pointers: the object is destroyed, its number free again. */
    UT_EQ(sys_msi_create(msi, 9, &again, (msi_msg_t *)0x10, 0), ERR_BAD_ADDRESS);
    UT_EQ(sys_msi_create(msi, 9, (handle_t *)0x10, &msg, 0), ERR_BAD_ADDRESS);
    UT_EQ(sys_msi_create(msi, 9, &again, &msg, 0), OK);
    sys_handle_close(again);
    sys_handle_close(irq);
    sys_handle_close(msi);
    sys_handle_close(weak);
    sys_handle_close(plain);
    return 0;
}

/* Each CPU its own destination: the APIC ids in the messages for CPUs 0 ..
 * count-1 are all different (QEMU numbers them 0, 1, ...). */
UTEST(msi_message_per_cpu)
{
    handle_t root = ut_named("msi"), irq[16];
    system_info_t si;
    UT_EQ(sys_system_info(&si), OK);
    uint32_t n = si.cpus < 16 ? si.cpus : 16;
    uint32_t dest[16];
    for (uint32_t c = 0; c < n; c++) {
        msi_msg_t m;
        UT_EQ(sys_msi_create(root, 20 + c, &irq[c], &m, c), OK);
        UT_EQ(m.address & ~0xff000ull, 0xfee00000ull);
        dest[c] = (uint32_t)(m.address >> 12) & 0xff;
        for (uint32_t k = 0; k < c; k++)
            UT_CHECK(dest[k] != dest[c]);
    }
    for (uint32_t c = 0; c < n; c++)
        UT_EQ(sys_handle_close(irq[c]), OK);
    return 0;
}

/* The message: the interrupt window with the boot CPU's APIC id, data the
 * vector alone (fixed delivery, edge); each object its own vector. */
UTEST(msi_message_and_rights)
{
    handle_t root = ut_named("msi"), a, b, narrow, c;
    msi_msg_t ma, mb;
    UT_EQ(sys_msi_create(root, 0, &a, &ma, 0), OK);
    UT_EQ(sys_msi_create(root, 1, &b, &mb, 0), OK);
    UT_EQ(ma.address & ~0xff000ull, 0xfee00000ull);
    UT_EQ(ma.address, mb.address);
    UT_CHECK(ma.data >= VECTOR_FIRST && ma.data <= VECTOR_LAST);
    UT_CHECK(mb.data >= VECTOR_FIRST && mb.data <= VECTOR_LAST);
    UT_CHECK(ma.data != mb.data);
    UT_EQ(ma.reserved, 0);
    handle_info_t info;
    UT_EQ(sys_handle_info(a, &info), OK);
    UT_EQ(info.kind, KIND_IRQ);
    UT_EQ(info.rights, IRQ_RIGHTS);
    uint32_t seen;
    UT_EQ(sys_object_wait(a, SIG_IRQ, 0, &seen), ERR_TIMED_OUT); /* nothing fired */
    UT_EQ(sys_irq_ack(a), OK);                                    /* harmless */
    UT_EQ(sys_handle_dup(root, RIGHT_READ | RIGHT_MANAGE, &narrow), OK);
    UT_EQ(sys_msi_create(narrow, 2, &c, &ma, 0), OK);
    UT_EQ(sys_handle_info(c, &info), OK);
    UT_EQ(info.rights, IRQ_RIGHTS & ~(RIGHT_DUPLICATE | RIGHT_TRANSFER));
    /* Revoking the resource takes the object back and frees its number. */
    UT_EQ(sys_handle_revoke(narrow), OK);
    UT_EQ(sys_irq_ack(c), ERR_BAD_HANDLE);
    UT_EQ(sys_msi_create(narrow, 2, &c, &ma, 0), OK);
    sys_handle_close(c);
    sys_handle_close(narrow);
    sys_handle_close(b);
    sys_handle_close(a);
    return 0;
}

/* Vectors run out before MSI numbers do; closing objects gives them back. */
UTEST(msi_vector_exhaustion)
{
    static handle_t got[MSI_MAX];
    handle_t root = ut_named("msi");
    msi_msg_t msg;
    uint32_t n = 0;
    int64_t err = OK;
    while (n < MSI_MAX && (err = sys_msi_create(root, n, &got[n], &msg, 0)) == OK)
        n++;
    UT_EQ(err, ERR_NO_RESOURCES);
    UT_CHECK(n > 16 && n <= VECTOR_LAST - VECTOR_FIRST + 1);
    handle_t spare;
    UT_EQ(sys_msi_create(root, n, &spare, &msg, 0), ERR_NO_RESOURCES); /* the number stays free */
    for (uint32_t i = 0; i < n; i++)
        UT_EQ(sys_handle_close(got[i]), OK);
    UT_EQ(sys_msi_create(root, n, &spare, &msg, 0), OK);
    sys_handle_close(spare);
    return 0;
}

UTEST(irq_mask_errors)
{
    handle_t irq, weak, plain;
    msi_msg_t msg;
    UT_EQ(sys_irq_mask(HANDLE_INVALID, 1), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_create(4096, 0, &plain), OK);
    UT_EQ(sys_irq_mask(plain, 1), ERR_WRONG_TYPE);
    UT_EQ(sys_msi_create(ut_named("msi"), 3, &irq, &msg, 0), OK);
    UT_EQ(sys_handle_dup(irq, RIGHT_WAIT, &weak), OK);
    UT_EQ(sys_irq_mask(weak, 1), ERR_ACCESS_DENIED);
    UT_EQ(sys_irq_mask(irq, 2), ERR_INVALID_ARGS);
    UT_EQ(sys_irq_mask(irq, -1), ERR_INVALID_ARGS);
    UT_EQ(sys_irq_mask(irq, 1), OK);
    UT_EQ(sys_irq_mask(irq, 1), OK); /* twice is fine */
    UT_EQ(sys_irq_mask(irq, 0), OK);
    sys_handle_close(weak);
    sys_handle_close(irq);
    sys_handle_close(plain);
    return 0;
}

/* PIT channel 0, mode 0: IRQ 0 once after `count` ticks (1.19 MHz). */
static void pit_one_shot(uint16_t count)
{
    outb(0x43, 0x30);
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
}

/* Masking an IOAPIC line's object: the PIT fires while masked, nothing is
 * signalled; unmasking signals it. */
UTEST(irq_mask_holds_ioapic_interrupt)
{
    handle_t io, ires, irq;
    UT_EQ(sys_ioport_create(ut_named("ioport"), 0x40, 4, &io), OK);
    UT_EQ(sys_resource_derive(ut_named("irq"), RESOURCE_IRQ, 0, 16, &ires), OK);
    UT_EQ(sys_irq_create(ires, 0, IRQ_ISA, &irq), OK);
    uint32_t seen;
    UT_EQ(sys_irq_mask(irq, 1), OK);
    pit_one_shot(1193); /* 1 ms */
    UT_EQ(sys_object_wait(irq, SIG_IRQ, ut_now() + 50 * UT_MS, &seen), ERR_TIMED_OUT);
    UT_EQ(sys_irq_mask(irq, 0), OK);
    UT_EQ(sys_object_wait(irq, SIG_IRQ, ut_now() + 2000 * UT_MS, &seen), OK);
    UT_EQ(sys_irq_ack(irq), OK);
    UT_EQ(sys_object_wait(irq, SIG_IRQ, 0, &seen), ERR_TIMED_OUT);
    /* And unmasked, it comes as before. */
    pit_one_shot(1193);
    UT_EQ(sys_object_wait(irq, SIG_IRQ, ut_now() + 2000 * UT_MS, &seen), OK);
    UT_EQ(sys_irq_ack(irq), OK);
    sys_handle_close(irq);
    sys_handle_close(ires);
    sys_handle_close(io);
    return 0;
}
