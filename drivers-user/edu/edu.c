/* SPDX-License-Identifier: BSD-2-Clause
 *
 * edu: the driver of QEMU's educational device (-device edu, PCI 1234:11e8;
 * QEMU's docs/specs/edu.rst), the model driver of docs/writing-a-driver.md.
 * devmgr starts it for a function its manifest (edu.driver) matches; the
 * driver library (cairn/driver.h) gives it the device and runs the loop.
 *
 * It serves proto/edu.proto as "edu". The device does one thing at a
 * time, so requests wait in a small queue: the head is the operation the
 * device is doing, and the interrupt that ends it (factorial done, DMA
 * done) answers the head's deferred call and starts the next.
 *
 *   idle --fact--> FACT --irq 0x1--> idle
 *   idle --dma_test--> DMA_OUT --irq 0x100--> DMA_IN --irq 0x100--> idle
 */
#include <stdio.h>
#include <string.h>

#include "cairn/driver.h"
#include "cairn/errors.h"
#include "edu.h"

#define EDU_REG_ID 0x00
#define EDU_REG_FACT 0x08
#define EDU_REG_STATUS 0x20  /* 0x01 computing, 0x80 interrupt when done */
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98 /* 1 run, 2 device to RAM, 4 interrupt when done */
#define EDU_STATUS_IRQ 0x80u
#define EDU_FACT_IRQ 0x001u
#define EDU_DMA_IRQ 0x100u
#define EDU_DMA_RUN 1u
#define EDU_DMA_TO_RAM 2u
#define EDU_DMA_IRQ_EN 4u
#define EDU_DEV_BUFFER 0x40000u /* the device's 4 KiB buffer, in its DMA space */
/* Half the device's buffer: QEMU 7.2's edu checks a transfer's end
 * against the buffer's as if both were inclusive, and stops the whole
 * machine ("hardware error") on a transfer that fills the buffer exactly. */
#define EDU_DMA_BYTES 2048u
#define EDU_DMA_MASK (1ull << 28) /* the device only reaches 28-bit addresses */
#define EDU_QUEUE 16u

enum edu_op { EDU_IDLE, EDU_FACT, EDU_DMA_OUT, EDU_DMA_IN };

typedef struct edu_req {
    enum edu_op op;
    proto_txn_t txn;
    uint32_t arg;
} edu_req_t;

typedef struct edu {
    drv_t *d;
    volatile uint32_t *regs;
    drv_dma_t dma;          /* page 0: out to the device, page 1: back */
    edu_req_t q[EDU_QUEUE]; /* q[head] is on the device when busy */
    uint32_t head, n;
    bool busy;
} edu_t;

static uint32_t rd(edu_t *e, uint32_t reg) { return e->regs[reg / 4]; }
static void wr(edu_t *e, uint32_t reg, uint32_t v) { e->regs[reg / 4] = v; }
static void wr64(edu_t *e, uint32_t reg, uint64_t v)
{
    *(volatile uint64_t *)((uintptr_t)e->regs + reg) = v;
}

static void dma_start(edu_t *e, uint64_t src, uint64_t dst, bool to_ram)
{
    wr64(e, EDU_REG_DMA_SRC, src);
    wr64(e, EDU_REG_DMA_DST, dst);
    wr64(e, EDU_REG_DMA_COUNT, EDU_DMA_BYTES);
    wr64(e, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ_EN | (to_ram ? EDU_DMA_TO_RAM : 0));
}

static uint8_t pattern_byte(uint32_t pattern, uint32_t i)
{
    return (uint8_t)((pattern >> (8 * (i & 3))) + i / 4);
}

/* Puts the head of the queue on the device. */
static void start_head(edu_t *e)
{
    if (e->busy || e->n == 0)
        return;
    edu_req_t *r = &e->q[e->head];
    e->busy = true;
    if (r->op == EDU_FACT) {
        wr(e, EDU_REG_FACT, r->arg);
    } else {
        uint8_t *out = e->dma.va;
        for (uint32_t i = 0; i < EDU_DMA_BYTES; i++)
            out[i] = pattern_byte(r->arg, i);
        memset(out + EDU_DMA_BYTES, 0, EDU_DMA_BYTES);
        dma_start(e, e->dma.phys, EDU_DEV_BUFFER, false);
    }
}

/* The head is done: drop it and start the next. */
static void finish_head(edu_t *e)
{
    e->head = (e->head + 1) % EDU_QUEUE;
    e->n--;
    e->busy = false;
    start_head(e);
}

static int enqueue(edu_t *e, enum edu_op op, const proto_txn_t *txn, uint32_t arg)
{
    if (e->n == EDU_QUEUE)
        return ERR_NO_RESOURCES;
    edu_req_t *r = &e->q[(e->head + e->n) % EDU_QUEUE];
    r->op = op;
    r->txn = *txn;
    r->arg = arg;
    e->n++;
    start_head(e);
    return PROTO_DEFER;
}

/* ---- the service ---------------------------------------------------------- */

static int op_id(void *ctx, const proto_txn_t *txn, edu_id_result_t *out)
{
    drv_t *d = drv_of(ctx);
    edu_t *e = d->ctx;
    (void)txn;
    out->id = rd(e, EDU_REG_ID);
    out->addr = d->info.addr;
    out->irq_mode = d->irq_mode;
    out->interrupts = d->irq[0].count;
    return OK;
}

static int op_fact(void *ctx, const proto_txn_t *txn, uint32_t n, edu_fact_result_t *out)
{
    (void)out;
    return enqueue(drv_of(ctx)->ctx, EDU_FACT, txn, n);
}

static int op_dma_test(void *ctx, const proto_txn_t *txn, uint32_t pattern, edu_dma_test_result_t *out)
{
    (void)out;
    return enqueue(drv_of(ctx)->ctx, EDU_DMA_OUT, txn, pattern);
}

static const edu_ops_t edu_srv_ops = {.id = op_id, .fact = op_fact, .dma_test = op_dma_test};

static int edu_message(drv_t *d, srv_client_t *c, const void *msg, uint32_t n, const handle_t *hs, uint32_t nh)
{
    (void)d;
    return edu_dispatch(&edu_srv_ops, c, c->ch, msg, n, hs, nh);
}

/* ---- the device ----------------------------------------------------------- */

static void dma_done(edu_t *e, edu_req_t *r)
{
    if (r->op == EDU_DMA_OUT) {
        r->op = EDU_DMA_IN;
        dma_start(e, EDU_DEV_BUFFER, e->dma.phys + EDU_DMA_BYTES, true);
        return;
    }
    const uint8_t *back = (const uint8_t *)e->dma.va + EDU_DMA_BYTES;
    uint32_t same = 0;
    while (same < EDU_DMA_BYTES && back[same] == pattern_byte(r->arg, same))
        same++;
    edu_dma_test_result_t res = {.ok = same == EDU_DMA_BYTES, .matched = same};
    edu_dma_test_reply(&r->txn, OK, &res);
    finish_head(e);
}

static void edu_interrupt(drv_t *d, uint32_t index)
{
    edu_t *e = d->ctx;
    (void)index;
    uint32_t st = rd(e, EDU_REG_IRQ_STATUS);
    wr(e, EDU_REG_IRQ_ACK, st);
    if (!e->busy)
        return; /* nothing of ours (an interrupt raised by hand) */
    edu_req_t *r = &e->q[e->head];
    if ((st & EDU_FACT_IRQ) && r->op == EDU_FACT) {
        edu_fact_result_t res = {.value = rd(e, EDU_REG_FACT)};
        edu_fact_reply(&r->txn, OK, &res);
        finish_head(e);
    } else if ((st & EDU_DMA_IRQ) && (r->op == EDU_DMA_OUT || r->op == EDU_DMA_IN)) {
        dma_done(e, r);
    }
}

static int edu_init(drv_t *d)
{
    edu_t *e = d->ctx;
    volatile void *regs;
    uint32_t granted;
    e->d = d;
    int err = drv_map_bar(d, 0, false, &regs, NULL);
    if (err != OK)
        return err;
    e->regs = (volatile uint32_t *)regs;
    if ((rd(e, EDU_REG_ID) & 0xffff) != 0x00ed) {
        fprintf(stderr, "edu: identification register %#x: not an edu device\n", rd(e, EDU_REG_ID));
        return ERR_NOT_SUPPORTED;
    }
    if ((err = drv_dma_alloc_below(d, 2 * EDU_DMA_BYTES, EDU_DMA_MASK, &e->dma)) != OK) {
        fprintf(stderr, "edu: no DMA buffer within the device's reach (below %#llx): %s\n",
                (unsigned long long)EDU_DMA_MASK, cairn_error_name(err));
        return err;
    }
    if ((err = drv_irqs(d, 1, DRV_ALLOW(DRV_IRQ_MSI) | DRV_ALLOW(DRV_IRQ_INTX), &granted)) != OK)
        return err;
    if ((err = drv_enable(d, true)) != OK)
        return err;
    wr(e, EDU_REG_STATUS, EDU_STATUS_IRQ); /* a factorial ends with an interrupt */
    printf("edu: id %#x, DMA buffer at %#llx\n", rd(e, EDU_REG_ID), (unsigned long long)e->dma.phys);
    return OK;
}

/* Pending calls are answered; the device is left alone once unbound (its
 * registers are gone: touching them would kill the driver). */
static void edu_stop(drv_t *d)
{
    edu_t *e = d->ctx;
    for (; e->n > 0; e->n--, e->head = (e->head + 1) % EDU_QUEUE) {
        edu_req_t *r = &e->q[e->head];
        if (r->op == EDU_FACT)
            edu_fact_reply(&r->txn, ERR_PEER_CLOSED, NULL);
        else
            edu_dma_test_reply(&r->txn, ERR_PEER_CLOSED, NULL);
    }
    if (!d->unbound && e->regs)
        wr(e, EDU_REG_STATUS, 0);
    drv_dma_free(&e->dma);
}

static const drv_ops_t edu_ops = {
    .name = "edu",
    .service = "edu",
    .init = edu_init,
    .interrupt = edu_interrupt,
    .message = edu_message,
    .stop = edu_stop,
};

int main(void)
{
    static edu_t edu;
    return drv_run(&edu_ops, &edu);
}
