/* SPDX-License-Identifier: BSD-2-Clause
 *
 * Thread-local storage, x86-64 variant II (the psABI's; Drepper, "ELF
 * Handling For Thread-Local Storage"). A thread's area is
 *
 *     mem                          tp = FS base
 *     | .tdata copy | .tbss zeroes | tcb: self pointer, 7 words of 0 |
 *     |<- round_up(memsz, align) ->|
 *
 * The linker resolved every TLS access (errno's first) as a negative
 * offset from tp, so the block must end exactly at tp. Its image and sizes
 * come from the program's PT_TLS header, found through __ehdr_start (the
 * ELF header, which program.ld puts in the first loaded page); a program
 * without TLS still gets a control block, so %fs:0 always works.
 */
#include <string.h>

#include "cairn/runtime.h"
#include "rt_private.h"

#define PT_TLS 7
#define TCB_WORDS 8
#define TLS_MIN_ALIGN 16u

typedef struct elf64_ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} elf64_ehdr_t;

typedef struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
} elf64_phdr_t;

extern const elf64_ehdr_t __ehdr_start __attribute__((visibility("hidden")));

typedef struct tls_image {
    const void *init; /* .tdata image */
    size_t filesz;    /* its size */
    size_t block;     /* round_up(memsz, align): the block below tp */
    size_t align;
} tls_image_t;

static tls_image_t image;
static int image_found;

static size_t round_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* The kernel's loader refused any PT_TLS with filesz > memsz, memsz over
 * 1 MiB or an alignment that is not a power of two up to a page. */
static const tls_image_t *tls_image(void)
{
    if (image_found)
        return &image;
    const elf64_ehdr_t *eh = &__ehdr_start;
    const elf64_phdr_t *ph = (const elf64_phdr_t *)((uintptr_t)eh + eh->phoff);
    image.align = TLS_MIN_ALIGN;
    for (uint16_t i = 0; i < eh->phnum; i++) {
        if (ph[i].type != PT_TLS)
            continue;
        if (ph[i].align > image.align)
            image.align = ph[i].align;
        image.init = (const void *)(uintptr_t)ph[i].vaddr;
        image.filesz = ph[i].filesz;
        image.block = round_up(ph[i].memsz, ph[i].align ? ph[i].align : 1);
    }
    image_found = 1;
    return &image;
}

size_t libsys_tls_size(void)
{
    return tls_image()->block + TCB_WORDS * sizeof(void *);
}

size_t libsys_tls_align(void)
{
    return tls_image()->align;
}

void *libsys_tls_init(void *mem)
{
    const tls_image_t *t = tls_image();
    char *block = mem;
    void **tcb = (void **)(block + t->block);
    if (t->filesz)
        memcpy(block, t->init, t->filesz);
    memset(block + t->filesz, 0, t->block - t->filesz);
    memset(tcb, 0, TCB_WORDS * sizeof(void *));
    tcb[0] = tcb;
    return tcb;
}

/* picolibc's weak __set_tcb writes the FS base MSR, which ring 3 cannot. */
void __set_tcb(void *tcb);
void __set_tcb(void *tcb)
{
    sys_thread_set_fs((uint64_t)(uintptr_t)tcb);
}

/* The main thread's area gets a vmo of its own (page-aligned, which is at
 * least the TLS alignment); the heap is not needed for it. */
int rt_tls_init_main(void)
{
    uint64_t len = round_up(libsys_tls_size(), 4096);
    handle_t vmo;
    int64_t err = sys_vmo_create(len, 0, &vmo);
    if (err != OK)
        return (int)err;
    uint64_t addr = 0;
    err = sys_vm_map(HANDLE_INVALID, vmo, 0, len, MAP_READ | MAP_WRITE, &addr);
    sys_handle_close(vmo); /* the mapping keeps the vmo */
    if (err != OK)
        return (int)err;
    return (int)sys_thread_set_fs((uint64_t)(uintptr_t)libsys_tls_init((void *)(uintptr_t)addr));
}
