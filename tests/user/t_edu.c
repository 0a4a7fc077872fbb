/* SPDX-License-Identifier: BSD-2-Clause
 *
 * End to end with a real device: QEMU's edu (-device edu, PCI 1234:11e8,
 * which tests/qemu/utest.test adds). The test is its own small driver:
 * configuration mechanism #1 through an ioport object for 0xcf8-0xcff
 * finds the device and its MSI capability; BAR0 is reached through a
 * physical vmo from an MMIO resource narrowed to that BAR; the kernel's
 * MSI message goes into the capability; the device's interrupts
 * (interrupt-raise register, factorial done, DMA done) arrive on a port
 * through the MSI irq object; DMA goes to and from a contiguous vmo by
 * its physical address. Last, the confinement the pci server and devmgr
 * rely on: a driver process whose MMIO resource is revoked dies on its
 * next register access, and the kernel goes on.
 */
#include <stdbool.h>

#include "lib/kstring.h"
#include "uhelp.h"

#define PAGE 4096ull
#define EDU_ID 0x11e81234u   /* device << 16 | vendor */
#define EDU_BAR_SIZE 0x100000ull
#define EDU_REG_ID 0x00      /* 0x010000ed: version 1.0 */
#define EDU_REG_LIVE 0x04    /* reads back the inverse of what was written */
#define EDU_REG_FACT 0x08
#define EDU_REG_STATUS 0x20  /* 0x01 computing, 0x80 interrupt when done */
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98 /* 1 run, 2 direction (device to RAM), 4 interrupt */
#define EDU_DMA_BUFFER 0x40000ull
#define EDU_FACT_IRQ 0x001u
#define EDU_DMA_IRQ 0x100u

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2u
#define PCI_COMMAND_MASTER 0x4u
#define PCI_STATUS_CAPS 0x10u
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_MSI 0x05
#define MSI_CTRL_ENABLE 0x1u
#define MSI_CTRL_MME 0x70u
#define MSI_CTRL_64BIT 0x80u

#define PORT_KEY 0xed0
#define WAIT (2000 * UT_MS)

static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* ---- configuration mechanism #1 (bus 0, where QEMU puts -device edu) ---- */

static void cfg_select(uint32_t dev, uint32_t off)
{
    outl(PCI_CONFIG_ADDRESS, 0x80000000u | dev << 11 | (off & 0xfc));
}

static uint32_t cfg_read32(uint32_t dev, uint32_t off)
{
    cfg_select(dev, off);
    return inl(PCI_CONFIG_DATA);
}

static uint16_t cfg_read16(uint32_t dev, uint32_t off)
{
    cfg_select(dev, off);
    return inw((uint16_t)(PCI_CONFIG_DATA + (off & 2)));
}

static void cfg_write16(uint32_t dev, uint32_t off, uint16_t v)
{
    cfg_select(dev, off);
    outw((uint16_t)(PCI_CONFIG_DATA + (off & 2)), v);
}

static void cfg_write32(uint32_t dev, uint32_t off, uint32_t v)
{
    cfg_select(dev, off);
    outl(PCI_CONFIG_DATA, v);
}

/* The MSI capability's offset, or 0 (the list is walked at most 48 steps). */
static uint32_t find_msi_cap(uint32_t dev)
{
    if (!(cfg_read16(dev, 0x06) & PCI_STATUS_CAPS))
        return 0;
    uint32_t p = cfg_read32(dev, PCI_CAP_PTR) & 0xfc;
    for (int i = 0; p >= 0x40 && i < 48; i++) {
        uint32_t head = cfg_read32(dev, p);
        if ((head & 0xff) == PCI_CAP_MSI)
            return p;
        p = (head >> 8) & 0xfc;
    }
    return 0;
}

/* ---- the device ----------------------------------------------------------- */

typedef struct edu {
    handle_t cfg_io;      /* ioport object for 0xcf8-0xcff */
    uint32_t dev;         /* slot on bus 0 */
    uint32_t msi_cap;
    uint64_t bar;         /* BAR0's physical address */
    handle_t bar_res;     /* MMIO resource for exactly BAR0 */
    handle_t bar_vmo;     /* its first page, uncached */
    volatile uint32_t *regs;
    handle_t msi_res, irq, port;
    msi_msg_t msg;
} edu_t;

static uint32_t rd(edu_t *e, uint32_t reg) { return e->regs[reg / 4]; }
static void wr(edu_t *e, uint32_t reg, uint32_t v) { e->regs[reg / 4] = v; }
static void wr64(edu_t *e, uint32_t reg, uint64_t v) { *(volatile uint64_t *)((uintptr_t)e->regs + reg) = v; }

/* Wait for the next packet on the edu's port: OK, or ERR_TIMED_OUT. */
static int edu_wait_irq(edu_t *e, uint64_t ns)
{
    port_packet_t pkt;
    int64_t err = sys_port_wait(e->port, ut_now() + ns, &pkt);
    if (err == OK && (pkt.key != PORT_KEY || !(pkt.signals & SIG_IRQ)))
        err = ERR_INTERNAL;
    return (int)err;
}

/* Find the edu and take what a driver gets: its BAR through a physical
 * vmo, an MSI irq object programmed into its MSI capability and bound to
 * a port, bus mastering on. */
static int edu_open(edu_t *e, uint32_t msi_num, uint32_t cpu)
{
    memset(e, 0, sizeof *e);
    int64_t err = sys_ioport_create(ut_named("ioport"), PCI_CONFIG_ADDRESS, 8, &e->cfg_io);
    if (err != OK)
        return (int)err;
    e->dev = 32;
    for (uint32_t d = 0; d < 32 && e->dev == 32; d++)
        if (cfg_read32(d, 0) == EDU_ID)
            e->dev = d;
    if (e->dev == 32) {
        ut_printf("utest: no edu device on bus 0 (QEMU needs -device edu)");
        return ERR_NOT_FOUND;
    }
    e->msi_cap = find_msi_cap(e->dev);
    e->bar = cfg_read32(e->dev, PCI_BAR0) & ~0xfull;
    if (!e->msi_cap || !e->bar)
        return ERR_NOT_FOUND;
    err = sys_resource_derive(ut_named("mmio"), RESOURCE_MMIO, e->bar, EDU_BAR_SIZE, &e->bar_res);
    if (err == OK)
        err = sys_vmo_create_physical(e->bar_res, e->bar, PAGE, VMO_CACHE_UC, &e->bar_vmo);
    uint64_t addr = 0;
    if (err == OK)
        err = sys_vm_map(HANDLE_INVALID, e->bar_vmo, 0, PAGE, MAP_READ | MAP_WRITE, &addr);
    if (err != OK)
        return (int)err;
    e->regs = (volatile uint32_t *)addr;
    err = sys_resource_derive(ut_named("msi"), RESOURCE_MSI, msi_num, 1, &e->msi_res);
    if (err == OK)
        err = sys_msi_create(e->msi_res, msi_num, &e->irq, &e->msg, cpu);
    if (err == OK)
        err = sys_port_create(&e->port);
    if (err == OK)
        err = sys_port_bind(e->port, e->irq, PORT_KEY, SIG_IRQ);
    if (err != OK)
        return (int)err;
    uint32_t cap = e->msi_cap;
    uint16_t ctrl = cfg_read16(e->dev, cap + 2);
    cfg_write32(e->dev, cap + 4, (uint32_t)e->msg.address);
    if (ctrl & MSI_CTRL_64BIT) {
        cfg_write32(e->dev, cap + 8, (uint32_t)(e->msg.address >> 32));
        cfg_write16(e->dev, cap + 12, (uint16_t)e->msg.data);
    } else {
        cfg_write16(e->dev, cap + 8, (uint16_t)e->msg.data);
    }
    cfg_write16(e->dev, cap + 2, (uint16_t)((ctrl & ~MSI_CTRL_MME) | MSI_CTRL_ENABLE)); /* one vector */
    uint16_t cmd = cfg_read16(e->dev, PCI_COMMAND);
    cfg_write16(e->dev, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    return OK;
}

/* MSI off at the device before its irq object goes (a device left
 * programmed would raise a stray vector), then everything closed. */
static void edu_close(edu_t *e)
{
    if (e->msi_cap) {
        uint16_t ctrl = cfg_read16(e->dev, e->msi_cap + 2);
        cfg_write16(e->dev, e->msi_cap + 2, ctrl & ~MSI_CTRL_ENABLE);
    }
    if (e->regs)
        sys_vm_unmap(HANDLE_INVALID, (uint64_t)(uintptr_t)e->regs, PAGE);
    handle_t hs[] = {e->port, e->irq, e->msi_res, e->bar_vmo, e->bar_res, e->cfg_io};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (hs[i] != HANDLE_INVALID)
            sys_handle_close(hs[i]);
}

#define EDU_OPEN(e, num) EDU_OPEN_ON(e, num, 0)
#define EDU_OPEN_ON(e, num, cpu)                                                \
    do {                                                                        \
        int edu_err_ = edu_open(e, num, cpu);                                   \
        if (edu_err_ != OK) {                                                   \
            edu_close(e);                                                       \
            UT_EQ(edu_err_, OK);                                                \
        }                                                                       \
    } while (0)

/* The registers through an uncached physical vmo; what the MMIO resource
 * narrowed to BAR0 allows and refuses. */
UTEST(edu_registers_through_physical_vmo)
{
    edu_t e;
    EDU_OPEN(&e, 40);
    uint32_t id = rd(&e, EDU_REG_ID), live;
    wr(&e, EDU_REG_LIVE, 0x12345678u);
    live = rd(&e, EDU_REG_LIVE);
    handle_t v;
    int64_t outside = sys_vmo_create_physical(e.bar_res, e.bar + EDU_BAR_SIZE, PAGE, VMO_CACHE_UC, &v);
    int64_t wb = sys_vmo_create_physical(e.bar_res, e.bar, PAGE, VMO_CACHE_WB, &v);       /* a BAR is no firmware memory */
    int64_t wc = sys_vmo_create_physical(e.bar_res, e.bar, 2 * PAGE, VMO_CACHE_WC, &v);   /* mapped uncached now */
    int64_t uc = sys_vmo_create_physical(e.bar_res, e.bar + PAGE, PAGE, VMO_CACHE_WC, &v); /* the next page is free */
    if (uc == OK)
        sys_handle_close(v);
    edu_close(&e);
    UT_EQ(id, 0x010000edu);
    UT_EQ(live, ~0x12345678u);
    UT_EQ(outside, ERR_ACCESS_DENIED);
    UT_EQ(wb, ERR_ACCESS_DENIED);
    UT_EQ(wc, ERR_ALREADY_EXISTS);
    UT_EQ(uc, OK);
    return 0;
}

/* The device writes the kernel's message; the object signals, holds what
 * comes before the ack, and holds what comes while masked. */
static int msi_cases(edu_t *e)
{
    UT_EQ(e->msg.address & 0xfff00000ull, 0xfee00000ull);
    UT_EQ(edu_wait_irq(e, 50 * UT_MS), ERR_TIMED_OUT); /* nothing yet */
    wr(e, EDU_REG_IRQ_RAISE, 0x10);
    UT_EQ(edu_wait_irq(e, WAIT), OK);
    UT_EQ(rd(e, EDU_REG_IRQ_STATUS), 0x10);
    wr(e, EDU_REG_IRQ_ACK, 0x10);
    UT_EQ(sys_irq_ack(e->irq), OK);
    UT_EQ(edu_wait_irq(e, 50 * UT_MS), ERR_TIMED_OUT);
    /* Two before the ack: the second is held and signalled at the ack. */
    wr(e, EDU_REG_IRQ_RAISE, 0x1);
    UT_EQ(edu_wait_irq(e, WAIT), OK);
    wr(e, EDU_REG_IRQ_RAISE, 0x2);
    UT_EQ(edu_wait_irq(e, 50 * UT_MS), ERR_TIMED_OUT); /* not signalled yet */
    uint32_t seen;
    UT_EQ(sys_object_wait(e->irq, SIG_IRQ, 0, &seen), OK); /* still waiting for the ack */
    wr(e, EDU_REG_IRQ_ACK, 0x3);
    UT_EQ(sys_irq_ack(e->irq), OK);
    UT_EQ(edu_wait_irq(e, WAIT), OK); /* the held one */
    UT_EQ(sys_irq_ack(e->irq), OK);
    UT_EQ(edu_wait_irq(e, 50 * UT_MS), ERR_TIMED_OUT);
    /* Masked: held until unmasked. */
    UT_EQ(sys_irq_mask(e->irq, 1), OK);
    wr(e, EDU_REG_IRQ_RAISE, 0x4);
    UT_EQ(edu_wait_irq(e, 100 * UT_MS), ERR_TIMED_OUT);
    UT_EQ(sys_object_wait(e->irq, SIG_IRQ, 0, &seen), ERR_TIMED_OUT);
    UT_EQ(rd(e, EDU_REG_IRQ_STATUS), 0x4); /* the device did raise it */
    UT_EQ(sys_irq_mask(e->irq, 0), OK);
    UT_EQ(edu_wait_irq(e, WAIT), OK);
    wr(e, EDU_REG_IRQ_ACK, 0x4);
    UT_EQ(sys_irq_ack(e->irq), OK);
    return 0;
}

UTEST(edu_msi_delivery_ack_and_mask)
{
    edu_t e;
    EDU_OPEN(&e, 41);
    int r = msi_cases(&e);
    edu_close(&e);
    return r;
}

static int factorial_case(edu_t *e)
{
    wr(e, EDU_REG_STATUS, 0x80); /* interrupt when done */
    wr(e, EDU_REG_FACT, 10);
    UT_EQ(edu_wait_irq(e, WAIT), OK);
    UT_EQ(rd(e, EDU_REG_STATUS) & 1, 0);
    UT_EQ(rd(e, EDU_REG_FACT), 3628800);
    UT_CHECK(rd(e, EDU_REG_IRQ_STATUS) & EDU_FACT_IRQ);
    wr(e, EDU_REG_IRQ_ACK, EDU_FACT_IRQ);
    UT_EQ(sys_irq_ack(e->irq), OK);
    wr(e, EDU_REG_FACT, 12);
    UT_EQ(edu_wait_irq(e, WAIT), OK);
    UT_EQ(rd(e, EDU_REG_FACT), 479001600);
    wr(e, EDU_REG_IRQ_ACK, EDU_FACT_IRQ);
    UT_EQ(sys_irq_ack(e->irq), OK);
    wr(e, EDU_REG_STATUS, 0);
    return 0;
}

UTEST(edu_factorial_by_interrupt)
{
    edu_t e;
    EDU_OPEN(&e, 42);
    int r = factorial_case(&e);
    edu_close(&e);
    return r;
}

/* The same with the MSI delivered to the last CPU (an AP when there are
 * several): vectors are global, any CPU takes them. */
UTEST(edu_factorial_on_last_cpu)
{
    system_info_t si;
    UT_EQ(sys_system_info(&si), OK);
    edu_t e;
    EDU_OPEN_ON(&e, 43, si.cpus - 1);
    int r = factorial_case(&e);
    edu_close(&e);
    return r;
}

/* One DMA transfer, completed by the DMA interrupt. */
static int edu_dma(edu_t *e, uint64_t src, uint64_t dst, uint32_t count, bool to_ram)
{
    wr64(e, EDU_REG_DMA_SRC, src);
    wr64(e, EDU_REG_DMA_DST, dst);
    wr64(e, EDU_REG_DMA_COUNT, count);
    wr64(e, EDU_REG_DMA_CMD, 1 | (to_ram ? 2 : 0) | 4);
    int err = edu_wait_irq(e, WAIT);
    if (err == OK && !(rd(e, EDU_REG_IRQ_STATUS) & EDU_DMA_IRQ))
        err = ERR_INTERNAL;
    wr(e, EDU_REG_IRQ_ACK, EDU_DMA_IRQ);
    sys_irq_ack(e->irq);
    return err;
}

static int dma_case(edu_t *e, handle_t v)
{
    static uint8_t out[256], back[256];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    uint64_t pa = 0;
    UT_EQ(sys_vmo_get_phys(v, &pa), OK);
    UT_CHECK(pa != 0 && pa + 2 * PAGE <= (1ull << 28)); /* the edu's DMA mask */
    UT_EQ(sys_vmo_write(v, out, 0, sizeof out), OK);
    UT_EQ(edu_dma(e, pa, EDU_DMA_BUFFER, sizeof out, false), OK);     /* RAM to the device */
    UT_EQ(edu_dma(e, EDU_DMA_BUFFER, pa + PAGE, sizeof out, true), OK); /* and back, elsewhere */
    UT_EQ(sys_vmo_read(v, back, PAGE, sizeof back), OK);
    UT_EQ(memcmp(out, back, sizeof out), 0);
    /* Through a mapping too: the device wrote the same physical pages. */
    uint64_t addr = 0;
    UT_EQ(sys_vm_map(HANDLE_INVALID, v, 0, 2 * PAGE, MAP_READ, &addr), OK);
    int same = memcmp((const void *)(addr + PAGE), out, sizeof out);
    sys_vm_unmap(HANDLE_INVALID, addr, 2 * PAGE);
    UT_EQ(same, 0);
    return 0;
}

UTEST(edu_dma_round_trip)
{
    edu_t e;
    EDU_OPEN(&e, 43);
    handle_t v;
    int64_t err = sys_vmo_create_contiguous(ut_named("dma"), 2 * PAGE, &v);
    int r = err == OK ? dma_case(&e, v) : -1;
    if (err == OK)
        sys_handle_close(v);
    edu_close(&e);
    UT_EQ(err, OK);
    return r;
}

/* A driver with the edu's registers mapped: reads the id, closes its
 * handle (the mapping stays), reports, and reads again when told: by then
 * its resource is revoked and the read faults. */
UCHILD(edu_driver)
{
    uint64_t addr = 0;
    if (ut_nextra != 1 || sys_vm_map(HANDLE_INVALID, ut_extra[0], 0, PAGE, MAP_READ | MAP_WRITE, &addr) != OK)
        return 1;
    volatile uint32_t *regs = (volatile uint32_t *)addr;
    if (regs[EDU_REG_ID / 4] != 0x010000edu)
        return 2;
    sys_handle_close(ut_extra[0]);
    char c = 'i';
    sys_chan_write(chan, &c, 1, NULL, 0);
    if (ut_recv(chan, &c, 1, ut_deadline(UT_LONG_WAIT)) != 1)
        return 3;
    ut_arm(chan);
    return (int)regs[EDU_REG_ID / 4];
}

UTEST(edu_revoked_driver_faults)
{
    edu_t e;
    EDU_OPEN(&e, 44);
    handle_t drv_res = HANDLE_INVALID, drv_vmo = HANDLE_INVALID, p = HANDLE_INVALID, c = HANDLE_INVALID;
    int64_t err = sys_resource_derive(e.bar_res, RESOURCE_MMIO, e.bar, EDU_BAR_SIZE, &drv_res);
    if (err == OK)
        err = sys_vmo_create_physical(drv_res, e.bar, PAGE, VMO_CACHE_UC, &drv_vmo);
    if (err == OK)
        err = utest_spawn("edu_driver", &p, &c, &drv_vmo, 1);
    char ch = 0;
    int got = err == OK ? ut_recv(c, &ch, 1, ut_deadline(UT_LONG_WAIT)) : 0;
    if (err == OK)
        err = sys_handle_revoke(drv_res);
    if (err == OK)
        err = sys_chan_write(c, "g", 1, NULL, 0);
    process_info_t info = {0};
    if (err == OK)
        err = ut_proc_wait(p, &info);
    bool armed = err == OK && ut_recv(c, &ch, 1, ut_deadline(UT_LONG_WAIT)) == 1 && ch == UT_ARMED;
    uint32_t id = rd(&e, EDU_REG_ID); /* the test's own mapping is untouched */
    if (c != HANDLE_INVALID)
        sys_handle_close(c);
    if (p != HANDLE_INVALID)
        sys_handle_close(p);
    if (drv_res != HANDLE_INVALID)
        sys_handle_close(drv_res);
    edu_close(&e);
    UT_EQ(err, OK);
    UT_EQ(got, 1);
    UT_CHECK(armed);
    UT_EQ(info.exit_reason, PROCESS_FAULTED);
    UT_EQ(info.exit_code, -15);
    UT_EQ(id, 0x010000edu);
    return 0;
}
