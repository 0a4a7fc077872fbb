/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The FADT ("FACP"): where the DSDT and FACS are, the PM1 event and control
 * blocks, the PM timer, the reset register.
 *
 * A FADT is at least the 116 bytes of ACPI 1.0; every later field counts
 * only when the table's length covers it (whatever its revision says). A
 * register comes from its ACPI 2.0 Generic Address Structure (X_ field)
 * when the table holds one with a non-zero address, else from the ACPI 1.0
 * block address, which is an I/O port with the block's length. Registers
 * outside system memory and I/O space, or blocks shorter than the
 * hardware's registers, refuse the table: poweroff writes to them.
 */
#include <string.h>

#include "bytes.h"
#include "tables.h"

enum {
    F_FIRMWARE_CTRL = 36,
    F_DSDT = 40,
    F_SCI_INT = 46,
    F_SMI_CMD = 48,
    F_ACPI_ENABLE = 52,
    F_ACPI_DISABLE = 53,
    F_PM1A_EVT = 56,
    F_PM1B_EVT = 60,
    F_PM1A_CNT = 64,
    F_PM1B_CNT = 68,
    F_PM_TMR = 76,
    F_PM1_EVT_LEN = 88,
    F_PM1_CNT_LEN = 89,
    F_PM_TMR_LEN = 91,
    F_IAPC_BOOT_ARCH = 109,
    F_FLAGS = 112,
    F_RESET_REG = 116,
    F_RESET_VALUE = 128,
    F_X_FIRMWARE_CTRL = 132,
    F_X_DSDT = 140,
    F_X_PM1A_EVT = 148,
    F_X_PM1B_EVT = 160,
    F_X_PM1A_CNT = 172,
    F_X_PM1B_CNT = 184,
    F_X_PM_TMR = 208,
};

#define GAS_LEN 12u

static acpi_gas_t gas_at(const uint8_t *g)
{
    return (acpi_gas_t){.space = g[0], .bit_width = g[1], .bit_offset = g[2], .access_size = g[3],
                        .addr = rd64(g + 4)};
}

static bool holds(size_t len, size_t off, size_t n) { return len >= off && len - off >= n; }

/* A block length in bytes as a GAS bit width (a u8: 31 bytes and up are
 * more than any PM register, and saturate). */
static uint8_t bits_of(uint8_t bytes) { return bytes >= 32 ? 255 : (uint8_t)(bytes * 8u); }

/* One register block: name, ACPI 1.0 address field, its length field, the
 * smallest length the hardware register needs, the X_ field. */
typedef struct block {
    const char *name;
    size_t legacy, legacy_len;
    uint8_t min_len;
    size_t x;
    acpi_gas_t *out;
} block_t;

static int pick_block(const uint8_t *p, size_t len, const block_t *b, acpi_err_t *e)
{
    uint32_t port = rd32(p + b->legacy);
    uint8_t blen = p[b->legacy_len];
    acpi_gas_t g = {0};
    if (holds(len, b->x, GAS_LEN) && rd64(p + b->x + 4) != 0) {
        g = gas_at(p + b->x);
        if (g.space != ACPI_SPACE_MEMORY && g.space != ACPI_SPACE_IO)
            return acpi_fail(e, ERR_CORRUPT, "FADT: X_%s is in address space %u (not memory or I/O)", b->name,
                             g.space);
        if (g.bit_width == 0) /* some firmware leaves it to the 1.0 length */
            g.bit_width = bits_of(blen);
        if (g.bit_width < b->min_len * 8u)
            return acpi_fail(e, ERR_CORRUPT, "FADT: X_%s is %u bits wide (< %u)", b->name, g.bit_width,
                             b->min_len * 8u);
    } else if (port != 0) {
        if (blen < b->min_len)
            return acpi_fail(e, ERR_CORRUPT, "FADT: %s at port %#x has length %u (< %u)", b->name, port, blen,
                             b->min_len);
        g = (acpi_gas_t){.space = ACPI_SPACE_IO, .bit_width = bits_of(blen), .addr = port};
    }
    *b->out = g;
    return OK;
}

/* The reset register counts only when the flag says so and it is what the
 * specification allows: an 8-bit register at bit 0 in memory, I/O or PCI
 * configuration space. Anything else: no reset register, marked as
 * refused (not the whole table: the rest of it is still good). */
static void pick_reset(const uint8_t *p, size_t len, acpi_fadt_t *f)
{
    if (!(f->flags & ACPI_FADT_RESET_REG_SUP) || !holds(len, F_RESET_VALUE, 1))
        return;
    acpi_gas_t g = gas_at(p + F_RESET_REG);
    if (g.space > ACPI_SPACE_PCI_CONFIG || g.bit_width != 8 || g.bit_offset != 0 || g.addr == 0) {
        f->reset_refused = true;
        return;
    }
    f->reset_supported = true;
    f->reset_reg = g;
    f->reset_value = p[F_RESET_VALUE];
}

static int parse(const uint8_t *p, size_t len, acpi_fadt_t *f, acpi_err_t *e)
{
    if (len < ACPI_FADT_V1_LEN)
        return acpi_fail(e, ERR_CORRUPT, "FADT: %zu bytes (ACPI 1.0's is %u)", len, ACPI_FADT_V1_LEN);
    f->revision = p[8];
    f->length = (uint32_t)len;
    f->sci_irq = rd16(p + F_SCI_INT);
    f->smi_cmd = rd32(p + F_SMI_CMD);
    f->acpi_enable = p[F_ACPI_ENABLE];
    f->acpi_disable = p[F_ACPI_DISABLE];
    f->flags = rd32(p + F_FLAGS);
    if (f->revision >= 2) /* reserved in ACPI 1.0 */
        f->iapc_boot_arch = rd16(p + F_IAPC_BOOT_ARCH);
    f->facs = rd32(p + F_FIRMWARE_CTRL);
    if (holds(len, F_X_FIRMWARE_CTRL, 8) && rd64(p + F_X_FIRMWARE_CTRL) != 0)
        f->facs = rd64(p + F_X_FIRMWARE_CTRL);
    f->dsdt = rd32(p + F_DSDT);
    if (holds(len, F_X_DSDT, 8) && rd64(p + F_X_DSDT) != 0) {
        f->dsdt = rd64(p + F_X_DSDT);
        f->dsdt_from_x = true;
    }
    const block_t blocks[] = {
        {"PM1a_EVT_BLK", F_PM1A_EVT, F_PM1_EVT_LEN, 4, F_X_PM1A_EVT, &f->pm1a_evt},
        {"PM1b_EVT_BLK", F_PM1B_EVT, F_PM1_EVT_LEN, 4, F_X_PM1B_EVT, &f->pm1b_evt},
        {"PM1a_CNT_BLK", F_PM1A_CNT, F_PM1_CNT_LEN, 2, F_X_PM1A_CNT, &f->pm1a_cnt},
        {"PM1b_CNT_BLK", F_PM1B_CNT, F_PM1_CNT_LEN, 2, F_X_PM1B_CNT, &f->pm1b_cnt},
        {"PM_TMR_BLK", F_PM_TMR, F_PM_TMR_LEN, 4, F_X_PM_TMR, &f->pm_tmr},
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        int err = pick_block(p, len, &blocks[i], e);
        if (err != OK)
            return err;
    }
    pick_reset(p, len, f);
    return OK;
}

int acpi_fadt_parse(const uint8_t *p, size_t len, acpi_fadt_t *out, acpi_err_t *e)
{
    memset(out, 0, sizeof *out);
    int err = parse(p, len, out, e);
    if (err != OK)
        memset(out, 0, sizeof *out);
    return err;
}
