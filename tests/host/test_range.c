/* SPDX-License-Identifier: BSD-2-Clause
 *
 * range_merge(): the step that turns a firmware memory map (unsorted,
 * overlapping, with empty entries) into disjoint sorted ranges.
 */
#include "check.h"
#include "mm/range.h"

TEST(empty_and_single)
{
    range_t r[2] = {{5, 5}, {0x1000, 0x2000}};
    CHECK_EQ(range_merge(r, 0), 0);
    CHECK_EQ(range_merge(r, 1), 0); /* an empty range is dropped */
    CHECK_EQ(range_merge(r + 1, 1), 1);
    CHECK_EQ(r[1].start, 0x1000);
    CHECK_EQ(r[1].end, 0x2000);
}

TEST(unsorted_overlapping_touching)
{
    range_t r[] = {
        {0x9000, 0xa000}, {0x1000, 0x3000}, {0x2000, 0x4000}, /* overlap */
        {0x4000, 0x5000},                                     /* touches */
        {0x7000, 0x7000},                                     /* empty */
        {0x8000, 0x9000},                                     /* touches 0x9000 */
        {0x2500, 0x2600},                                     /* inside */
    };
    size_t n = range_merge(r, sizeof r / sizeof r[0]);
    REQUIRE(n == 2);
    CHECK_EQ(r[0].start, 0x1000);
    CHECK_EQ(r[0].end, 0x5000);
    CHECK_EQ(r[1].start, 0x8000);
    CHECK_EQ(r[1].end, 0xa000);
}

TEST(inverted_ranges_dropped)
{
    range_t r[] = {{0x5000, 0x1000}, {0x1000, 0x2000}};
    size_t n = range_merge(r, 2);
    REQUIRE(n == 1);
    CHECK_EQ(r[0].start, 0x1000);
}

TEST(many_disjoint_stay_sorted)
{
    range_t r[64];
    for (int i = 0; i < 64; i++) {
        uint64_t k = (uint64_t)((i * 37) % 64);
        r[i] = (range_t){k * 0x10000, k * 0x10000 + 0x1000};
    }
    size_t n = range_merge(r, 64);
    REQUIRE(n == 64);
    for (size_t i = 1; i < n; i++)
        CHECK(r[i - 1].end < r[i].start);
}

int main(void)
{
    return RUN_TESTS();
}
