/* SPDX-License-Identifier: BSD-2-Clause
 *
 * manifest_map (manifest_vmo.h): the manifest boot module, mapped.
 */
#include <string.h>

#include "cairn/sys.h"
#include "manifest.h"
#include "manifest_vmo.h"

int manifest_map(handle_t vmo, const char **text, size_t *len)
{
    uint64_t size = 0, addr = 0;
    int64_t err = sys_vmo_get_size(vmo, &size);
    if (err == OK && size > MANIFEST_TEXT_MAX)
        size = MANIFEST_TEXT_MAX + 1; /* the parser refuses it with its message */
    if (err == OK)
        err = sys_vm_map(HANDLE_INVALID, vmo, 0, size, MAP_READ, &addr);
    if (err != OK)
        return (int)err;
    *text = (const char *)(uintptr_t)addr;
    *len = strnlen(*text, size);
    return OK;
}
