/* Process quotas and status, shared by the kernel and programs. */
#ifndef ABI_PROCESS_H
#define ABI_PROCESS_H

#include <stdint.h>

#define PROCESS_NAME_MAX 32

typedef struct process_quota {
    uint64_t memory_bytes; /* vmo memory the process may hold */
    uint32_t handles;      /* handle table entries */
    uint32_t threads;      /* live threads */
} process_quota_t;

enum process_exit_reason {
    PROCESS_RUNNING = 0,
    PROCESS_EXITED = 1,  /* process_exit or its last thread ended */
    PROCESS_KILLED = 2,  /* process_kill */
    PROCESS_FAULTED = 3, /* an exception it did not handle */
};

typedef struct process_info {
    char name[PROCESS_NAME_MAX];
    uint32_t exit_reason;  /* enum process_exit_reason */
    int32_t exit_code;
    uint32_t threads;
    uint32_t handles;
    uint64_t memory_bytes; /* vmo memory charged to its quota (what it created) */
    uint64_t cpu_ns;
    uint64_t mapped_bytes; /* bytes mapped in its address space (what it uses) */
} process_info_t;

/* One entry of another process's handle table (process_handle_info): what
 * a debugger or the shell's `handles PID` shows. `value` means something
 * only inside that process's table. */
typedef struct process_handle_info {
    uint32_t value;     /* the handle's value in the target's table */
    uint32_t kind;      /* enum obj_kind */
    uint32_t rights;
    uint32_t reserved;  /* 0 */
    uint64_t object_id;
} process_handle_info_t;

#endif
