/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The system calls generated protocol code makes, and nothing else:
 * handle_info (validators check each received handle), handle_close
 * (rejected messages give their handles back), chan_write (replies,
 * events) and chan_call (client stubs).
 *
 * On Cairn this is cairn/sys.h. The host unit tests build the same
 * generated code with -DPROTO_SYS_FAKE: the wrappers in cairn/sys.h are
 * static inline `syscall` instructions that would reach the host kernel,
 * so there the four calls are ordinary functions that the test links
 * from a fake (tests/host/fake_sys.c).
 */
#ifndef PROTO_PROTO_SYS_H
#define PROTO_PROTO_SYS_H

#ifdef PROTO_SYS_FAKE

#include <stdint.h>

#include "abi/channel.h"
#include "abi/errors.h"
#include "abi/handle.h"

/* Same signatures as the wrappers in cairn/sys.h. */
int64_t sys_handle_info(handle_t h, handle_info_t *out);
int64_t sys_handle_close(handle_t h);
int64_t sys_chan_write(handle_t h, const void *bytes, uint32_t nbytes, const handle_t *hs, uint32_t nh);
int64_t sys_chan_call(handle_t h, const chan_call_args_t *args, uint64_t deadline);

#else

#include "cairn/sys.h"

#endif

#endif
