/* SPDX-License-Identifier: BSD-2-Clause
 *
 * The test pattern of disks (docs/nvme.md, docs/testing.md): the 8-byte
 * little-endian word at byte offset `o` (a multiple of 8) of a disk filled
 * with seed `s` is splitmix64(s ^ o). tools/testrun.py makes and checks
 * images with the same generator (`image`, `image-check`); the self-test
 * of the NVMe driver reads and writes it. splitmix64 is Steele, Lea and
 * Flood's generator (the state step and the output mix, as one function):
 * splitmix64(0) = 0xe220a8397b1dcdaf.
 */
#ifndef NVME_PATTERN_H
#define NVME_PATTERN_H

#include <stdint.h>

static inline uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t pattern_word(uint64_t seed, uint64_t offset) { return splitmix64(seed ^ offset); }

#endif
