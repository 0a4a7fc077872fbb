/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The system manifest: which components init starts, in what order, with
 * which capabilities, and whether it restarts them. docs/manifest.md is the
 * format; this is its parser.
 *
 * The manifest is a boot module, so it is untrusted text. manifest_parse()
 * reads only [text, text + len) and either fills a manifest_t whose every
 * field can be used without further checks (names valid and terminated,
 * ranges inside their limits, dependencies resolved to indices, a start
 * order computed) or refuses the text with ERR_CORRUPT, exactly one report
 * "manifest:LINE: message" naming the first problem, and *out zeroed.
 *
 * Pure C11 on <stdint.h>, <stddef.h> and <stdbool.h>: it builds freestanding
 * for init and on the host for the tests. Nothing is allocated; the result
 * is about 77 KiB, meant to live in init's static data.
 */
#ifndef INIT_MANIFEST_H
#define INIT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/bootstrap.h"
#include "abi/errors.h"
#include "abi/resource.h"

/* Limits. Each refusal names the limit it hit. */
#define MANIFEST_MAX_COMPONENTS 32   /* fits the uint32_t dependency masks */
#define MANIFEST_MAX_CAPS 16         /* capability entries per component */
#define MANIFEST_MAX_HANDLES 8       /* resource and module handles per component */
#define MANIFEST_MAX_AFTER 8         /* names in a component's `after` lines */
#define MANIFEST_NAME_MAX BOOTSTRAP_NAME_MAX /* 32: names are <= 31 chars + NUL */
#define MANIFEST_LINE_MAX 512        /* characters per line, line ending excluded */
#define MANIFEST_TEXT_MAX (256u * 1024) /* bytes in the whole manifest */
#define MANIFEST_ARGS_MAX BOOTSTRAP_ARGS_MAX /* "program args" + NUL */

/* Ranges a capability may cover (end exclusive). */
#define MANIFEST_IOPORT_LIMIT IOPORT_MAX   /* 0x10000 */
#define MANIFEST_MMIO_LIMIT (1ull << 52)   /* the architectural physical limit */
#define MANIFEST_MMIO_ALIGN 0x1000ull      /* mmio base and length are page-aligned */
#define MANIFEST_GSI_LIMIT 256u            /* irq_create refuses GSIs from 256 */
#define MANIFEST_ISA_IRQ_MAX 15u
#define MANIFEST_MSI_LIMIT MSI_MAX         /* 256 MSI numbers */

/* Restart back-off, in milliseconds. */
#define MANIFEST_BACKOFF_MIN_DEFAULT 100u
#define MANIFEST_BACKOFF_MAX_DEFAULT 10000u
#define MANIFEST_DURATION_MAX 3600000u     /* one hour */
#define MANIFEST_RESTART_LIMIT_MAX 1000000u

/* Quotas (`quota` line): the defaults are libsys spawn()'s (cairn/spawn.h,
 * SPAWN_DEFAULT_*; init checks they agree), the limits what the kernel's
 * handle table and a sane system allow. A parent cannot give more than it
 * has: a quota above init's own fails when the component starts. */
#define MANIFEST_QUOTA_MEMORY_DEFAULT (64ull << 20)
#define MANIFEST_QUOTA_HANDLES_DEFAULT 256u
#define MANIFEST_QUOTA_THREADS_DEFAULT 64u
#define MANIFEST_QUOTA_MEMORY_MIN (64ull << 10)
#define MANIFEST_QUOTA_MEMORY_MAX (64ull << 30)
#define MANIFEST_QUOTA_HANDLES_MIN 16u
#define MANIFEST_QUOTA_HANDLES_MAX 65535u   /* handle slots are 16 bits, 0 unused */
#define MANIFEST_QUOTA_THREADS_MAX 4096u

/* The service the name service provides; see manifest_component_t.uses_ns. */
#define MANIFEST_NS "ns"

typedef enum manifest_cap_kind {
    MANIFEST_CAP_IOPORT = 1,   /* IOPORT resource [base, base + len) */
    MANIFEST_CAP_MMIO,         /* MMIO resource [base, base + len) */
    MANIFEST_CAP_IRQ,          /* IRQ resource over GSIs [base, base + len) */
    MANIFEST_CAP_IRQ_ISA,      /* an irq object for ISA IRQ `base` (irq_create, IRQ_ISA) */
    MANIFEST_CAP_DMA,          /* the DMA resource */
    MANIFEST_CAP_MODULE,       /* the boot module `module` as a read-only vmo */
    MANIFEST_CAP_ALL_MODULES,  /* every boot module (no handle name) */
    MANIFEST_CAP_PROVIDE,      /* may register service `name` with ns */
    MANIFEST_CAP_CONNECT,      /* may connect to service `name` (or a prefix) */
    MANIFEST_CAP_LOG,          /* the LOG resource (a handle, like IOPORT..MODULE) */
    MANIFEST_CAP_MSI,          /* MSI resource over MSI numbers [base, base + len) (a handle) */
} manifest_cap_kind_t;

typedef struct manifest_cap {
    manifest_cap_kind_t kind;
    /* The handle name for IOPORT..MODULE, LOG and MSI; the service for PROVIDE and
     * CONNECT (for a CONNECT pattern, the prefix before '*', possibly ""). */
    char name[MANIFEST_NAME_MAX];
    char module[MANIFEST_NAME_MAX];   /* MODULE: the boot module's name */
    uint32_t root;       /* RESOURCE_* of the root resource it is made from; 0 if none */
    uint64_t base, len;  /* IOPORT, MMIO, IRQ, MSI: the range; IRQ_ISA: base = IRQ, len = 1 */
    bool pattern;        /* CONNECT: `name*` or `*`, matching by prefix */
    uint32_t line;
} manifest_cap_t;

typedef enum manifest_restart {
    MANIFEST_RESTART_NEVER = 0,
    MANIFEST_RESTART_ON_FAILURE,   /* after a crash, a kill or a non-zero exit */
    MANIFEST_RESTART_ALWAYS,       /* after any exit */
} manifest_restart_t;

typedef struct manifest_component {
    char name[MANIFEST_NAME_MAX];
    char program[MANIFEST_NAME_MAX];  /* boot module to run */
    char args[MANIFEST_ARGS_MAX];     /* words after argv[0], single-spaced; "" if none */
    manifest_restart_t restart;
    uint32_t backoff_min_ms, backoff_max_ms; /* 1 <= min <= max <= MANIFEST_DURATION_MAX */
    uint32_t restart_limit;           /* restarts before giving up; 0 = no limit */
    /* What the kernel lets the process hold (process_quota_t): the
     * defaults unless a `quota` line says otherwise. */
    uint64_t quota_memory;            /* bytes, a multiple of 4096 */
    uint32_t quota_handles, quota_threads;
    manifest_cap_t caps[MANIFEST_MAX_CAPS];
    size_t ncaps;
    size_t nhandles;                  /* caps that are handles (IOPORT..MODULE, LOG) */
    /* `after` as written, each resolved to the index of a component. */
    char after[MANIFEST_MAX_AFTER][MANIFEST_NAME_MAX];
    uint32_t after_line[MANIFEST_MAX_AFTER];
    uint8_t after_index[MANIFEST_MAX_AFTER];
    size_t nafter;
    /* Provides or connects to a service and is not the name service: it
     * gets a channel to ns, as the handle named "ns", and starts after the
     * component that provides "ns" (an implicit `after`). */
    bool uses_ns;
    /* Every component this one starts after: bit i for comp[i]. Never
     * its own bit. */
    uint32_t after_mask;
    uint32_t line, program_line, args_line, restart_line, quota_line;
} manifest_component_t;

typedef struct manifest {
    manifest_component_t comp[MANIFEST_MAX_COMPONENTS]; /* in file order */
    size_t ncomp;                     /* >= 1 */
    /* Start order: indices into comp[]. Each step takes the earliest
     * listed component whose `after` components have all started. */
    uint8_t order[MANIFEST_MAX_COMPONENTS];
    int ns;                           /* index of the component providing "ns", or -1 */
} manifest_t;

/* Receives one complete message, "manifest:LINE: ..." or "manifest: ...". */
typedef void (*manifest_report_fn)(void *ctx, const char *msg);

/*
 * Parses the manifest in [text, text + len). Returns OK with *out filled,
 * or ERR_CORRUPT with *out zeroed and one call to report (which may be
 * NULL). A NULL text with len > 0 is refused the same way; out must not be
 * NULL (ERR_INVALID_ARGS, nothing reported).
 */
int manifest_parse(const char *text, size_t len, manifest_t *out, manifest_report_fn report, void *ctx);

/* Whether `name` (NUL-terminated within MANIFEST_NAME_MAX bytes) is a valid
 * name: 1 to 31 letters, digits, '.', '_' and '-', starting with a letter or
 * a digit. ns checks service names and labels with it. */
bool manifest_name_valid(const char *name);

/* Index of the component called `name`, or -1. */
int manifest_find(const manifest_t *m, const char *name);

/* Index of the component that provides service `service`, or -1. */
int manifest_provider(const manifest_t *m, const char *service);

/* Whether component `comp` may connect to `service`: a `connect` names it
 * or a pattern is a prefix of it. The policy ns follows. */
bool manifest_may_connect(const manifest_t *m, size_t comp, const char *service);

#endif
