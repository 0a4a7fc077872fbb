/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Hardware delegation from user mode: root resources, narrowing them,
 * ioport objects (ports usable only while the handle is held), irq objects
 * (a real interrupt: the PIT's IRQ 0 through the IOAPIC and the MADT's
 * override), and revocation taking all of it back.
 */
#include <stdbool.h>

#include "lib/kstring.h"
#include "utest.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* PIT channel 0, mode 0: IRQ 0 once after `count` ticks (1.19 MHz). */
static void pit_one_shot(uint16_t count)
{
    outb(PIT_CMD, 0x30);
    outb(PIT_CH0, count & 0xff);
    outb(PIT_CH0, count >> 8);
}

UTEST(root_resources)
{
    static const struct {
        const char *name;
        uint32_t kind;
    } roots[] = {{"mmio", RESOURCE_MMIO}, {"irq", RESOURCE_IRQ}, {"ioport", RESOURCE_IOPORT}, {"dma", RESOURCE_DMA}};
    for (int i = 0; i < 4; i++) {
        handle_t r = ut_named(roots[i].name);
        UT_CHECK(r != HANDLE_INVALID);
        resource_info_t info;
        UT_EQ(sys_resource_info(r, &info), OK);
        UT_EQ(info.kind, roots[i].kind);
        UT_EQ(info.base, 0);
    }
    resource_info_t info;
    UT_EQ(sys_resource_info(ut_named("ioport"), &info), OK);
    UT_EQ(info.len, IOPORT_MAX);
    return 0;
}

UTEST(resource_derive_narrows)
{
    handle_t root = ut_named("ioport"), pit, inner, ro;
    UT_EQ(sys_resource_derive(root, RESOURCE_IOPORT, 0x40, 4, &pit), OK);
    resource_info_t info;
    UT_EQ(sys_resource_info(pit, &info), OK);
    UT_CHECK(info.base == 0x40 && info.len == 4);
    UT_EQ(sys_resource_derive(pit, RESOURCE_IOPORT, 0x41, 2, &inner), OK);
    UT_EQ(sys_resource_derive(pit, RESOURCE_IOPORT, 0x3f, 2, &ro), ERR_ACCESS_DENIED);  /* below */
    UT_EQ(sys_resource_derive(pit, RESOURCE_IOPORT, 0x43, 2, &ro), ERR_ACCESS_DENIED);  /* past the end */
    UT_EQ(sys_resource_derive(pit, RESOURCE_IRQ, 0x40, 1, &ro), ERR_ACCESS_DENIED);     /* other kind */
    UT_EQ(sys_resource_derive(pit, RESOURCE_IOPORT, 0x40, 0, &ro), ERR_ACCESS_DENIED);  /* empty */
    UT_EQ(sys_resource_derive(pit, 99, 0x40, 1, &ro), ERR_ACCESS_DENIED);
    UT_EQ(sys_handle_dup(pit, RIGHT_READ | RIGHT_DUPLICATE, &ro), OK);
    UT_EQ(sys_resource_derive(ro, RESOURCE_IOPORT, 0x40, 1, &inner), ERR_ACCESS_DENIED); /* no MANAGE */
    /* Revoking the parent takes the derived resource back. */
    handle_t mid;
    UT_EQ(sys_resource_derive(pit, RESOURCE_IOPORT, 0x40, 1, &mid), OK);
    UT_EQ(sys_handle_revoke(pit), OK);
    UT_EQ(sys_resource_info(mid, &info), ERR_BAD_HANDLE);
    UT_EQ(sys_resource_info(ro, &info), ERR_BAD_HANDLE);
    UT_EQ(sys_resource_info(pit, &info), OK);
    UT_EQ(sys_handle_close(pit), OK);
    return 0;
}

/* A child that touches a port it was not given dies of #GP (vector 13). */
UCHILD(port_without_handle)
{
    (void)chan;
    return inb(0x40);
}

/* A child given an ioport handle uses its ports; when the parent revokes
 * the resource that handle came from, the next access faults. */
UCHILD(port_with_handle)
{
    uint8_t v = inb(0x40) | inb(0x41); /* allowed: no fault */
    (void)v;
    char c = 1;
    sys_chan_write(chan, &c, 1, NULL, 0); /* "I used them" */
    uint32_t seen;
    sys_object_wait(chan, SIG_READABLE, DEADLINE_INFINITE, &seen); /* parent revoked */
    return inb(0x40);                                               /* must fault */
}

UTEST(ioport_only_with_handle)
{
    handle_t p, c, res, io;
    process_info_t info;
    UT_EQ(utest_spawn("port_without_handle", &p, &c, NULL, 0), OK);
    UT_EQ(utest_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_FAULTED);
    UT_EQ(info.exit_code, -14);
    sys_handle_close(c);
    sys_handle_close(p);

    UT_EQ(sys_resource_derive(ut_named("ioport"), RESOURCE_IOPORT, 0x40, 4, &res), OK);
    UT_EQ(sys_ioport_create(res, 0x40, 2, &io), OK);
    UT_EQ(sys_ioport_create(res, 0x60, 1, &p), ERR_ACCESS_DENIED); /* outside the resource */
    UT_EQ(utest_spawn("port_with_handle", &p, &c, &io, 1), OK);
    uint32_t seen;
    UT_EQ(sys_object_wait(c, SIG_READABLE | SIG_PEER_CLOSED, DEADLINE_INFINITE, &seen), OK);
    UT_CHECK(seen & SIG_READABLE); /* the child used its ports and is alive */
    UT_EQ(sys_handle_revoke(res), OK);
    UT_EQ(sys_chan_write(c, "r", 1, NULL, 0), OK);
    UT_EQ(utest_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_FAULTED);
    UT_EQ(info.exit_code, -14);
    sys_handle_close(c);
    sys_handle_close(p);
    sys_handle_close(res);
    return 0;
}

/* The PIT's IRQ 0 arrives as SIG_IRQ on an irq object (GSI 2 on QEMU, via
 * the override), stays masked until acknowledged, and comes again after. */
UTEST(irq_from_the_pit)
{
    handle_t ires, io, irq, again, port;
    UT_EQ(sys_ioport_create(ut_named("ioport"), PIT_CH0, 4, &io), OK);
    UT_EQ(sys_resource_derive(ut_named("irq"), RESOURCE_IRQ, 0, 16, &ires), OK);
    UT_EQ(sys_irq_create(ires, 0, IRQ_ISA, &irq), OK);
    UT_EQ(sys_irq_create(ires, 0, IRQ_ISA, &again), ERR_ALREADY_EXISTS);
    UT_EQ(sys_irq_create(ires, 16, IRQ_ISA, &again), ERR_OUT_OF_RANGE);
    UT_EQ(sys_irq_create(ires, 200, 0, &again), ERR_ACCESS_DENIED); /* outside the resource */
    UT_EQ(sys_irq_create(ires, 1, 0x80, &again), ERR_INVALID_ARGS);
    uint32_t seen;
    pit_one_shot(1193); /* 1 ms */
    UT_EQ(sys_object_wait(irq, SIG_IRQ, ut_now() + 2000 * UT_MS, &seen), OK);
    UT_EQ(sys_irq_ack(irq), OK);
    UT_EQ(sys_object_wait(irq, SIG_IRQ, 0, &seen), ERR_TIMED_OUT); /* ack cleared it */
    /* Again, through a port. */
    UT_EQ(sys_port_create(&port), OK);
    UT_EQ(sys_port_bind(port, irq, 0x1b, SIG_IRQ), OK);
    pit_one_shot(1193);
    port_packet_t pkt;
    UT_EQ(sys_port_wait(port, ut_now() + 2000 * UT_MS, &pkt), OK);
    UT_EQ(pkt.key, 0x1b);
    UT_EQ(sys_irq_ack(irq), OK);
    /* Revoking the resource takes the irq back; the GSI is free again. */
    UT_EQ(sys_handle_revoke(ires), OK);
    UT_EQ(sys_irq_ack(irq), ERR_BAD_HANDLE);
    UT_EQ(sys_irq_create(ires, 0, IRQ_ISA, &irq), OK);
    sys_handle_close(irq);
    sys_handle_close(ires);
    sys_handle_close(port);
    sys_handle_close(io);
    return 0;
}

/* A DMA resource narrowed to low addresses gives blocks inside its range
 * (for devices that reach only those), and none when nothing fits. */
UTEST(contiguous_vmo_within_dma_range)
{
    handle_t low, tiny, v[4];
    uint64_t pa;
    UT_EQ(sys_resource_derive(ut_named("dma"), RESOURCE_DMA, 0, 16u << 20, &low), OK);
    for (int i = 0; i < 4; i++) {
        UT_EQ(sys_vmo_create_contiguous(low, 2 * 4096, &v[i]), OK);
        UT_EQ(sys_vmo_get_phys(v[i], &pa), OK);
        UT_CHECK(pa + 2 * 4096 <= (16u << 20));
    }
    for (int i = 0; i < 4; i++)
        UT_EQ(sys_handle_close(v[i]), OK);
    /* [0, 4 KiB) cannot hold an 8 KiB block. */
    UT_EQ(sys_resource_derive(ut_named("dma"), RESOURCE_DMA, 0, 4096, &tiny), OK);
    UT_EQ(sys_vmo_create_contiguous(tiny, 8192, &v[0]), ERR_NO_MEMORY);
    UT_EQ(sys_handle_close(tiny), OK);
    UT_EQ(sys_handle_close(low), OK);
    return 0;
}

/* Contiguous vmos need the DMA resource; their physical address needs
 * RIGHT_DMA; revoking the resource takes the vmo handle back. */
UTEST(contiguous_vmo_needs_dma_resource)
{
    handle_t dma = ut_named("dma"), v, ro;
    UT_EQ(sys_vmo_create_contiguous(ut_named("ioport"), 8192, &v), ERR_ACCESS_DENIED);
    UT_EQ(sys_vmo_create(8192, VMO_CONTIGUOUS, &v), ERR_ACCESS_DENIED);
    handle_t mine;
    UT_EQ(sys_handle_dup(dma, RIGHT_READ | RIGHT_MANAGE | RIGHT_DUPLICATE, &mine), OK);
    UT_EQ(sys_vmo_create_contiguous(mine, 3 * 4096, &v), OK);
    uint64_t pa = 0, size = 0;
    UT_EQ(sys_vmo_get_phys(v, &pa), OK);
    UT_CHECK(pa != 0 && (pa & 0x3fff) == 0); /* a 16 KiB block, naturally aligned */
    UT_EQ(sys_vmo_get_size(v, &size), OK);
    UT_EQ(size, 3 * 4096);
    UT_EQ(sys_handle_dup(v, RIGHT_READ | RIGHT_MAP, &ro), OK);
    UT_EQ(sys_vmo_get_phys(ro, &pa), ERR_ACCESS_DENIED);
    handle_t plain;
    UT_EQ(sys_vmo_create(4096, 0, &plain), OK);
    UT_EQ(sys_vmo_get_phys(plain, &pa), ERR_ACCESS_DENIED); /* no RIGHT_DMA */
    UT_EQ(sys_handle_revoke(mine), OK);
    UT_EQ(sys_vmo_get_size(v, &size), ERR_BAD_HANDLE);
    UT_EQ(sys_vmo_get_size(ro, &size), ERR_BAD_HANDLE);
    sys_handle_close(plain);
    sys_handle_close(mine);
    return 0;
}

/* Rights never grow along the derivation tree: a resource handle that may
 * not be duplicated or transferred yields objects that may not be either. */
UTEST(derived_rights_do_not_grow)
{
    handle_t narrow, derived, io;
    UT_EQ(sys_handle_dup(ut_named("ioport"), RIGHT_READ | RIGHT_MANAGE, &narrow), OK);
    UT_EQ(sys_resource_derive(narrow, RESOURCE_IOPORT, 0x80, 1, &derived), OK);
    UT_EQ(sys_ioport_create(narrow, 0x80, 1, &io), OK);
    handle_info_t info;
    UT_EQ(sys_handle_info(derived, &info), OK);
    UT_EQ(info.rights & (RIGHT_DUPLICATE | RIGHT_TRANSFER), 0);
    UT_EQ(sys_handle_info(io, &info), OK);
    UT_EQ(info.kind, KIND_IOPORT);
    UT_EQ(info.rights & (RIGHT_DUPLICATE | RIGHT_TRANSFER), 0);
    handle_t copy;
    UT_EQ(sys_handle_dup(io, RIGHT_READ, &copy), ERR_ACCESS_DENIED);
    UT_EQ(info.rights & (RIGHT_READ | RIGHT_WRITE), RIGHT_READ | RIGHT_WRITE);
    sys_handle_close(io);
    sys_handle_close(derived);
    sys_handle_close(narrow);
    return 0;
}

/* An ioport handle without RIGHT_WRITE enables nothing: the child given
 * only such a handle faults on its first port access. */
UCHILD(port_with_weak_handle)
{
    (void)chan;
    return inb(0x40);
}

UTEST(ioport_needs_read_and_write_rights)
{
    handle_t io, weak, p, c;
    UT_EQ(sys_ioport_create(ut_named("ioport"), 0x40, 1, &io), OK);
    UT_EQ(sys_handle_dup(io, RIGHT_READ | RIGHT_TRANSFER, &weak), OK);
    UT_EQ(utest_spawn("port_with_weak_handle", &p, &c, &weak, 1), OK);
    process_info_t info;
    UT_EQ(utest_wait(p, &info), OK);
    UT_EQ(info.exit_reason, PROCESS_FAULTED);
    UT_EQ(info.exit_code, -14);
    sys_handle_close(c);
    sys_handle_close(p);
    sys_handle_close(io);
    return 0;
}

/* The real thing a console driver does: COM1's receive interrupt (ISA IRQ
 * 4) through an irq object, the byte read through an ioport object. The
 * host runner types "Z" on the serial line when it sees the prompt. */
UTEST(serial_receive_interrupt)
{
    handle_t io, ires, irq;
    UT_EQ(sys_ioport_create(ut_named("ioport"), 0x3f8, 8, &io), OK);
    UT_EQ(sys_resource_derive(ut_named("irq"), RESOURCE_IRQ, 0, 16, &ires), OK);
    UT_EQ(sys_irq_create(ires, 4, IRQ_ISA, &irq), OK);
    while (inb(0x3fd) & 1) /* drop anything already received */
        (void)inb(0x3f8);
    outb(0x3fc, 0x0b); /* DTR, RTS, OUT2 (OUT2 gates the UART's interrupt line) */
    outb(0x3f9, 0x01); /* interrupt on received data */
    ut_printf("utest: waiting for serial input");
    uint32_t seen;
    int64_t err = sys_object_wait(irq, SIG_IRQ, ut_now() + 20000 * UT_MS, &seen);
    uint8_t lsr = inb(0x3fd), c = inb(0x3f8);
    outb(0x3f9, 0x00); /* back to polled output only */
    sys_irq_ack(irq);
    UT_EQ(err, OK);
    UT_CHECK(lsr & 1);
    UT_EQ(c, 'Z');
    sys_handle_close(irq);
    sys_handle_close(ires);
    sys_handle_close(io);
    return 0;
}

/* The log resource reads the kernel log (our own lines are in it) and can
 * switch the kernel's own serial output off and on; other resources cannot. */
UTEST(kernel_log_resource)
{
    handle_t log = ut_named("log"), ro;
    UT_CHECK(log != HANDLE_INVALID);
    ut_printf("utest: log marker 51c0ffee");
    static char buf[4096];
    uint64_t seq = 0;
    bool found = false;
    for (int round = 0; round < 64 && !found; round++) {
        int64_t n = sys_log_read(log, &seq, buf, sizeof buf);
        UT_CHECK(n >= 0);
        if (n == 0)
            break;
        for (int64_t i = 0; i + 8 <= n && !found; i++)
            found = memcmp(buf + i, "51c0ffee", 8) == 0;
    }
    UT_CHECK(found);
    uint64_t end = seq;
    UT_EQ(sys_log_read(log, &seq, buf, sizeof buf), 0); /* nothing new since */
    UT_EQ(seq, end);
    UT_EQ(sys_log_read(ut_named("ioport"), &seq, buf, sizeof buf), ERR_ACCESS_DENIED);
    UT_EQ(sys_log_read(log, (uint64_t *)0x10, buf, sizeof buf), ERR_BAD_ADDRESS);
    uint64_t zero = 0; /* from the start there is text: a kernel buffer address is refused */
    UT_EQ(sys_log_read(log, &zero, (void *)0xffffffff80000000ull, sizeof buf), ERR_BAD_ADDRESS);
    UT_EQ(sys_handle_dup(log, RIGHT_READ, &ro), OK);
    UT_EQ(sys_log_console(ro, 0), ERR_ACCESS_DENIED);
    UT_EQ(sys_log_console(log, 2), ERR_INVALID_ARGS);
    UT_EQ(sys_log_console(log, 0), OK);
    ut_printf("utest: this line is only in the log ring, not on the serial line");
    UT_EQ(sys_log_console(log, 1), OK);
    sys_handle_close(ro);
    return 0;
}
