/* Starting the first user process (init) from a boot module. */
#ifndef INIT_USERINIT_H
#define INIT_USERINIT_H

#include "init/multiboot2.h"

struct process;

/* Load the module named by `init=NAME` (default "init") as the first
 * process; logs and returns an error when there is none or it is invalid.
 * *out gets a reference to the process. */
int userinit_start(const boot_info_t *bi, struct process **out);

#endif
