/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The manifest's text from the vmo of its boot module, for the programs
 * that parse it (init, ns). Kept apart from manifest.h, which is pure C and
 * also builds on the host.
 */
#ifndef INIT_MANIFEST_VMO_H
#define INIT_MANIFEST_VMO_H

#include <stddef.h>

#include "abi/handle.h"

/* Maps `vmo` read-only in the calling process (for good) and returns the
 * text: up to the first NUL (a module may be padded with zeroes), and at
 * most MANIFEST_TEXT_MAX + 1 bytes, so that manifest_parse refuses a longer
 * one with its own message. OK, or the error of vmo_get_size / vm_map. */
int manifest_map(handle_t vmo, const char **text, size_t *len);

#endif
