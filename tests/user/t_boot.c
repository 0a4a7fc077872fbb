/* SPDX-License-Identifier: BSD-2-Clause
 *
 * What the kernel gives init beyond the first bootstrap message: boot
 * modules that do not fit in it (16 handles, 7 of them the root resources
 * and "self") follow as BOOTSTRAP_MORE_ARGS messages, already queued when
 * init starts, each module a read-only vmo under its name. Run as init,
 * this reads them all and says how many it found (tests/qemu/utest.test
 * boots one module, bootstrap-more.test thirteen).
 */
#include "lib/kstring.h"
#include "utest.h"

#define MODULE_RIGHTS (RIGHT_READ | RIGHT_MAP | RIGHT_EXECUTE | RIGHT_DUPLICATE | RIGHT_TRANSFER)

UTEST(bootstrap_more_handles)
{
    static bootstrap_msg_t m;
    int more = 0, modules = 0;
    for (;;) {
        handle_t hs[CHAN_MAX_HANDLES];
        chan_sizes_t sz = {sizeof m, CHAN_MAX_HANDLES};
        int64_t err = sys_chan_read(ut_boot, &m, hs, &sz);
        if (err == ERR_PEER_CLOSED)
            break; /* the kernel sends nothing after them */
        UT_EQ(err, OK);
        UT_EQ(sz.bytes, sizeof m);
        UT_CHECK(m.magic == BOOTSTRAP_MAGIC && m.version == BOOTSTRAP_VERSION);
        UT_EQ(strcmp(m.args, BOOTSTRAP_MORE_ARGS), 0);
        UT_EQ(m.nhandles, sz.handles);
        UT_CHECK(sz.handles > 0);
        for (uint32_t i = 0; i < sz.handles; i++) {
            handle_info_t info;
            UT_EQ(sys_handle_info(hs[i], &info), OK);
            UT_EQ(info.kind, KIND_VMO);
            UT_EQ(info.rights, MODULE_RIGHTS);
            UT_CHECK(m.handle_names[i][0] != '\0');
            sys_handle_close(hs[i]);
        }
        more++;
        modules += (int)sz.handles;
    }
    /* The first message was full before any followed. */
    UT_CHECK(more == 0 || ut_nextra + 1 == CHAN_MAX_HANDLES);
    ut_printf("utest: bootstrap: %d more-handles message%s, %d module%s in them", more, more == 1 ? "" : "s",
              modules, modules == 1 ? "" : "s");
    return 0;
}
