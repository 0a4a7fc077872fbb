/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The NVMe cases of the Linux benchmark program, the twins of Cairn's
 * (tools/bench/cairn/bench_nvme.c): 4 KiB random reads of /dev/DEV (the
 * guest's QEMU nvme disk, given as nvme=DEV) with O_DIRECT, so that
 * every read reaches the device as Cairn's do (Cairn has no page cache).
 *
 *   nvme_randread_4k_qd1           one pread at a time
 *   nvme_randread_4k_qd32          io_uring, 32 reads in flight from one
 *                                  thread (IORING_OP_READ_FIXED into one
 *                                  registered buffer), by raw system calls
 *
 * The i-th read goes to 4 KiB block bench_nvme_block(i, blocks), and its
 * first word is checked against the disk's pattern (bench_common.h), as
 * on Cairn. A qd32 sample is a window of at least 32 completions divided
 * by them. With `soak` (icount runs) a SCHED_IDLE thread soaks up the idle
 * time and its loops are taken out of every sample (bench_common.h).
 *
 * As PID 1 of the benchmark initramfs it mounts devtmpfs on /dev to find
 * the disk, waiting for the driver's asynchronous probe if need be, and
 * sysfs on /sys to tell which I/O scheduler the reads go through.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../bench_common.h"
#include "bench_linux.h"

#define DEV_WAIT_MS 30000 /* for the driver's probe to publish the disk */

nvme_opts_t nvme_opts;

typedef struct nvme_dev {
    int fd;
    uint64_t blocks; /* 4 KiB blocks on the disk */
    uint8_t *buf;    /* BENCH_NVME_DEPTH aligned 4 KiB slots */
    uint64_t next;   /* the index of the next read */
    uint64_t failed;
    int first_err;   /* an errno, or -1: wrong data, or -2: short read */
} nvme_dev_t;

static nvme_dev_t dev = {.fd = -1};
static const char *dev_why; /* why the disk is not there, once tried */

/* ---- the soaker -------------------------------------------------------------------- */

static _Atomic uint64_t soak_loops;
static atomic_bool soak_stop;
static uint64_t soak_cost; /* TSC ticks per BENCH_SOAK_BLOCK loops */
static pthread_t soak_thread;
static bool soaking;

static __attribute__((noinline)) void soak(uint64_t limit)
{
    for (uint64_t i = 0; i < limit && !atomic_load_explicit(&soak_stop, memory_order_relaxed); i++)
        atomic_store_explicit(&soak_loops, atomic_load_explicit(&soak_loops, memory_order_relaxed) + 1,
                              memory_order_relaxed);
}

/* SCHED_IDLE: it runs only when nothing else on the CPU wants to, and a
 * task woken by an interrupt preempts it at once. */
static void *soaker(void *arg)
{
    struct sched_param p = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &p);
    soak(UINT64_MAX);
    return arg;
}

/* The cost of BENCH_SOAK_BLOCK loops in this thread: the median of 16. */
static uint64_t soak_calibrate(void)
{
    uint64_t s[16];
    for (size_t i = 0; i < 16; i++) {
        uint64_t t0 = bench_tsc();
        soak(BENCH_SOAK_BLOCK);
        s[i] = bench_tsc() - t0;
    }
    qsort(s, 16, sizeof s[0], bench_cmp_u64);
    return s[8];
}

typedef struct stamp {
    uint64_t tsc, loops;
} stamp_t;

static stamp_t stamp(void)
{
    stamp_t st;
    st.loops = atomic_load_explicit(&soak_loops, memory_order_relaxed);
    st.tsc = bench_tsc();
    return st;
}

static uint64_t busy(stamp_t a, stamp_t b)
{
    return bench_soak_busy(b.tsc - a.tsc, b.loops - a.loops, soak_cost);
}

/* ---- the disk ---------------------------------------------------------------------- */

static int open_disk(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECT);
    if (fd >= 0 || errno != ENOENT || getpid() != 1)
        return fd;
    /* PID 1 of the initramfs: /dev holds only the console until devtmpfs
     * is there, and the driver probes asynchronously. */
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
        return -1;
    for (int ms = 0; ms < DEV_WAIT_MS; ms += 10) {
        if ((fd = open(path, O_RDONLY | O_DIRECT)) >= 0 || errno != ENOENT)
            return fd;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* The disk's I/O scheduler, as sysfs shows it ("[mq-deadline] none"):
 * Linux's default for a device with one hardware queue is mq-deadline,
 * and it is part of what the reads go through. PID 1 mounts sysfs. */
static void print_scheduler(void)
{
    char path[96], line[128] = "";
    if (getpid() == 1 && mkdir("/sys", 0755) == 0)
        mount("sysfs", "/sys", "sysfs", 0, NULL);
    snprintf(path, sizeof path, "/sys/block/%s/queue/scheduler", nvme_opts.dev);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(line, sizeof line, f))
        printf("bench: nvme: I/O scheduler %s", line);
    fclose(f);
}

/* The disk, opened on the first call (and the soaker started); NULL with
 * the reason in dev_why when it cannot be read. */
static nvme_dev_t *disk(void)
{
    static char why[128];
    char path[64];
    uint64_t bytes = 0;
    if (dev.fd >= 0 || dev_why)
        return dev.fd >= 0 ? &dev : NULL;
    if (!nvme_opts.dev) {
        dev_why = "no disk given (nvme=DEV)";
        return NULL;
    }
    snprintf(path, sizeof path, "/dev/%s", nvme_opts.dev);
    int fd = open_disk(path);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) /* a disk image: the harness's own test */
        bytes = (uint64_t)st.st_size;
    else if (fd >= 0 && ioctl(fd, BLKGETSIZE64, &bytes) != 0)
        bytes = 0;
    if (fd < 0 || bytes < BENCH_NVME_IO ||
        posix_memalign((void **)&dev.buf, BENCH_NVME_IO, BENCH_NVME_DEPTH * BENCH_NVME_IO) != 0) {
        snprintf(why, sizeof why, "cannot read %s: %s", path, fd < 0 || bytes == 0 ? strerror(errno) : "too small");
        if (fd >= 0)
            close(fd);
        dev_why = why;
        return NULL;
    }
    dev.fd = fd;
    dev.blocks = bytes / BENCH_NVME_IO;
    printf("bench: nvme: %s: %llu bytes, O_DIRECT\n", path, (unsigned long long)bytes);
    print_scheduler();
    if (nvme_opts.soak) {
        soak_cost = soak_calibrate();
        atomic_store(&soak_stop, false);
        if (pthread_create(&soak_thread, NULL, soaker, NULL) != 0) {
            close(fd);
            dev.fd = -1;
            dev_why = "cannot start the soaker thread";
            return NULL;
        }
        soaking = true;
        printf("bench: nvme: soaking idle time, %llu ticks per %u loops\n", (unsigned long long)soak_cost,
               BENCH_SOAK_BLOCK);
    }
    return &dev;
}

void nvme_close(void)
{
    if (soaking) {
        atomic_store(&soak_stop, true);
        pthread_join(soak_thread, NULL);
        soaking = false;
    }
    if (dev.fd >= 0)
        close(dev.fd);
    dev.fd = -1;
}

/* A read's result (bytes, or -errno) into the slot at p: counted as
 * failed unless 4 KiB with the block's word. */
static void check_read(nvme_dev_t *d, long res, const uint8_t *p, uint64_t block)
{
    uint64_t w;
    int err = res < 0 ? (int)-res : res != BENCH_NVME_IO ? -2 : 0;
    if (err == 0) {
        memcpy(&w, p, sizeof w);
        if (w != bench_nvme_word(nvme_opts.seed, block))
            err = -1;
    }
    if (err != 0 && d->failed++ == 0)
        d->first_err = err;
}

/* Prints the case's line, or why it has none; the soaker's share. */
static void finish(nvme_dev_t *d, const bcase_t *c, uint64_t *s, size_t got, const char *err, stamp_t start)
{
    char why[128];
    int first = d->first_err;
    if (err) {
        bench_unavailable(c->name, err);
    } else if (d->failed) {
        snprintf(why, sizeof why, "%llu reads failed or brought wrong data (the first: %s)",
                 (unsigned long long)d->failed,
                 first == -1 ? "wrong data" : first == -2 ? "short read" : strerror(first));
        bench_unavailable(c->name, why);
    } else {
        bench_report(c->name, s, got, 1);
    }
    if (soaking) {
        stamp_t end = stamp();
        printf("bench: nvme: %s: %llu of %llu ticks were the soaker's\n", c->name,
               (unsigned long long)((end.loops - start.loops) * soak_cost / BENCH_SOAK_BLOCK),
               (unsigned long long)(end.tsc - start.tsc));
    }
    d->failed = 0;
    free(s);
}

/* ---- queue depth 1 ----------------------------------------------------------------- */

void run_nvme_qd1(const bcase_t *c, size_t n)
{
    nvme_dev_t *d = disk();
    if (!d) {
        bench_unavailable(c->name, dev_why);
        return;
    }
    uint64_t *s = bench_samples(n);
    size_t got = 0, warm = bench_warmup(n);
    stamp_t start = stamp();
    d->next = 0;
    for (size_t i = 0; i < warm + n; i++) {
        stamp_t a = stamp();
        uint64_t block = bench_nvme_block(d->next++, d->blocks);
        ssize_t r = pread(d->fd, d->buf, BENCH_NVME_IO, (off_t)(block * BENCH_NVME_IO));
        stamp_t b = stamp();
        check_read(d, r < 0 ? -errno : r, d->buf, block);
        if (i >= warm)
            s[got++] = busy(a, b);
    }
    finish(d, c, s, got, NULL, start);
}

/* ---- io_uring, 32 in flight -------------------------------------------------------- */

typedef struct uring {
    int fd;
    void *sq_ring, *cq_ring;
    size_t sq_len, cq_len, sqes_len;
    _Atomic unsigned *sq_tail, *cq_head, *cq_tail;
    unsigned sq_mask, cq_mask, *sq_array;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    unsigned tail; /* ours, published to *sq_tail */
} uring_t;

static void uring_close(uring_t *u)
{
    if (u->sqes)
        munmap(u->sqes, u->sqes_len);
    if (u->cq_ring && u->cq_ring != u->sq_ring)
        munmap(u->cq_ring, u->cq_len);
    if (u->sq_ring)
        munmap(u->sq_ring, u->sq_len);
    close(u->fd);
}

/* A ring of 2 * BENCH_NVME_DEPTH entries with the slots' memory
 * registered as buffer 0; NULL on success, else what failed. */
static const char *uring_open(uring_t *u, nvme_dev_t *d)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    memset(u, 0, sizeof *u);
    u->fd = (int)syscall(__NR_io_uring_setup, 2 * BENCH_NVME_DEPTH, &p);
    if (u->fd < 0)
        return "io_uring_setup failed";
    u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    bool single = p.features & IORING_FEAT_SINGLE_MMAP;
    if (single && u->cq_len > u->sq_len)
        u->sq_len = u->cq_len;
    u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
    u->sq_ring = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
    u->cq_ring = single ? u->sq_ring
                        : mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
                               IORING_OFF_CQ_RING);
    u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
    if (u->sq_ring == MAP_FAILED || u->cq_ring == MAP_FAILED || u->sqes == MAP_FAILED) {
        u->sq_ring = u->sq_ring == MAP_FAILED ? NULL : u->sq_ring;
        u->cq_ring = u->cq_ring == MAP_FAILED ? NULL : u->cq_ring;
        u->sqes = u->sqes == MAP_FAILED ? NULL : u->sqes;
        uring_close(u);
        return "cannot map the io_uring rings";
    }
    char *sq = u->sq_ring, *cq = u->cq_ring;
    u->sq_tail = (_Atomic unsigned *)(sq + p.sq_off.tail);
    u->sq_mask = *(unsigned *)(sq + p.sq_off.ring_mask);
    u->sq_array = (unsigned *)(sq + p.sq_off.array);
    u->cq_head = (_Atomic unsigned *)(cq + p.cq_off.head);
    u->cq_tail = (_Atomic unsigned *)(cq + p.cq_off.tail);
    u->cq_mask = *(unsigned *)(cq + p.cq_off.ring_mask);
    u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    u->tail = atomic_load(u->sq_tail);
    struct iovec iov = {d->buf, BENCH_NVME_DEPTH * BENCH_NVME_IO};
    if (syscall(__NR_io_uring_register, u->fd, IORING_REGISTER_BUFFERS, &iov, 1) != 0) {
        uring_close(u);
        return "cannot register the buffer with io_uring";
    }
    return NULL;
}

/* Queues a read of `block` into slot `slot` (published by the next enter). */
static void uring_read(uring_t *u, nvme_dev_t *d, unsigned slot, uint64_t block)
{
    unsigned i = u->tail & u->sq_mask;
    struct io_uring_sqe *e = &u->sqes[i];
    memset(e, 0, sizeof *e);
    e->opcode = IORING_OP_READ_FIXED;
    e->fd = d->fd;
    e->off = block * BENCH_NVME_IO;
    e->addr = (uint64_t)(uintptr_t)(d->buf + (size_t)slot * BENCH_NVME_IO);
    e->len = BENCH_NVME_IO;
    e->buf_index = 0;
    e->user_data = slot;
    u->sq_array[i] = i;
    u->tail++;
}

/* Publishes what was queued and waits for at least one completion. */
static int uring_enter(uring_t *u, unsigned to_submit)
{
    atomic_store_explicit(u->sq_tail, u->tail, memory_order_release);
    long r;
    do
        r = syscall(__NR_io_uring_enter, u->fd, to_submit, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

void run_nvme_qd32(const bcase_t *c, size_t n)
{
    nvme_dev_t *d = disk();
    uring_t u;
    const char *err = d ? uring_open(&u, d) : dev_why;
    if (err) {
        bench_unavailable(c->name, err);
        return;
    }
    uint64_t *s = bench_samples(n), block[BENCH_NVME_DEPTH];
    size_t got = 0, warm = bench_warmup(n);
    stamp_t start = stamp();
    d->next = 0;
    for (unsigned slot = 0; slot < BENCH_NVME_DEPTH; slot++) {
        block[slot] = bench_nvme_block(d->next++, d->blocks);
        uring_read(&u, d, slot, block[slot]);
    }
    unsigned queued = BENCH_NVME_DEPTH, inflight = 0;
    for (size_t w = 0; w < warm + n && !err; w++) {
        uint32_t done_in_window = 0;
        stamp_t a = stamp();
        while (done_in_window < BENCH_NVME_DEPTH) {
            if (uring_enter(&u, queued) != 0) {
                err = "io_uring_enter failed";
                break;
            }
            inflight += queued;
            queued = 0;
            unsigned head = atomic_load_explicit(u.cq_head, memory_order_relaxed);
            unsigned tail = atomic_load_explicit(u.cq_tail, memory_order_acquire);
            for (; head != tail; head++) {
                struct io_uring_cqe *e = &u.cqes[head & u.cq_mask];
                unsigned slot = (unsigned)e->user_data;
                check_read(d, e->res, d->buf + (size_t)slot * BENCH_NVME_IO, block[slot]);
                block[slot] = bench_nvme_block(d->next++, d->blocks);
                uring_read(&u, d, slot, block[slot]);
                queued++;
                inflight--;
                done_in_window++;
            }
            atomic_store_explicit(u.cq_head, head, memory_order_release);
        }
        stamp_t b = stamp();
        if (!err && w >= warm)
            s[got++] = busy(a, b) / done_in_window;
    }
    /* The reads still in flight: taken, not counted. */
    while (!err && inflight > 0 && uring_enter(&u, 0) == 0) {
        unsigned head = atomic_load_explicit(u.cq_head, memory_order_relaxed);
        unsigned tail = atomic_load_explicit(u.cq_tail, memory_order_acquire);
        inflight -= tail - head;
        atomic_store_explicit(u.cq_head, tail, memory_order_release);
    }
    uring_close(&u);
    finish(d, c, s, got, err, start);
}
