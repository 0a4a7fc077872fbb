/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libc_test: string.h (search, compare, copy, tokenize), the mem*
 * functions including overlapping moves, and qsort/bsearch over a
 * thousand pseudo-random numbers and over strings.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ltest.h"

int t_string(void)
{
    const char *s = "the quick brown fox";
    LT_INT(strlen(""), 0);
    LT_INT(strlen(s), 19);
    LT_INT(strnlen(s, 5), 5);
    LT_CHECK(strcmp("abc", "abc") == 0);
    LT_CHECK(strcmp("abc", "abd") < 0);
    LT_CHECK(strcmp("abd", "abc") > 0);
    LT_CHECK(strcmp("ab", "abc") < 0);
    LT_CHECK(strcmp("\xff", "a") > 0); /* compared as unsigned char */
    LT_CHECK(strncmp("abcX", "abcY", 3) == 0);
    LT_CHECK(strcasecmp("Cairn", "cAIRN") == 0);
    LT_CHECK(strchr(s, 'q') == s + 4);
    LT_CHECK(strchr(s, '\0') == s + 19);
    LT_CHECK(strchr(s, 'z') == NULL);
    LT_CHECK(strrchr(s, 'o') == s + 17);
    LT_CHECK(strstr(s, "brown") == s + 10);
    LT_CHECK(strstr(s, "") == s);
    LT_CHECK(strstr(s, "browns") == NULL);
    LT_INT(strspn("aabbc", "ab"), 4);
    LT_INT(strcspn("hello, world", ",;"), 5);
    LT_CHECK(strpbrk(s, "xyz") == s + 18);

    char buf[32];
    LT_STR(strcpy(buf, "cairn"), "cairn");
    LT_STR(strcat(buf, "-os"), "cairn-os");
    LT_STR(strncat(buf, "123456", 2), "cairn-os12");
    memset(buf, 'Z', sizeof buf);
    strncpy(buf, "ab", 5); /* pads with NULs to 5 */
    LT_CHECK(memcmp(buf, "ab\0\0\0Z", 6) == 0);
    strncpy(buf, "abcdef", 3); /* no terminator when the source is longer */
    LT_CHECK(memcmp(buf, "abc\0\0Z", 6) == 0);

    char line[] = " alpha,beta,,gamma ";
    const char *want[] = {" alpha", "beta", "gamma "};
    size_t n = 0;
    for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ","), n++) {
        LT_CHECK(n < 3);
        LT_STR(tok, want[n]);
    }
    LT_INT(n, 3);

    char *dup = strdup(s);
    LT_CHECK(dup != NULL && dup != s);
    LT_STR(dup, s);
    free(dup);
    dup = strndup(s, 3);
    LT_STR(dup, "the");
    free(dup);
    LT_CHECK(strlen(strerror(ENOMEM)) > 0);
    LT_CHECK(strcmp(strerror(ENOMEM), strerror(EINVAL)) != 0);
    return 0;
}

int t_memory_ops(void)
{
    unsigned char a[64], b[64];
    for (int i = 0; i < 64; i++)
        a[i] = (unsigned char)i;
    LT_CHECK(memcpy(b, a, 64) == b);
    LT_CHECK(memcmp(a, b, 64) == 0);
    b[40] = 0xff;
    LT_CHECK(memcmp(a, b, 64) < 0);
    LT_CHECK(memcmp(a, b, 40) == 0);
    LT_CHECK(memchr(a, 33, 64) == a + 33);
    LT_CHECK(memchr(a, 33, 33) == NULL);
    memset(b, 0x5a, 64);
    for (int i = 0; i < 64; i++)
        LT_INT(b[i], 0x5a);

    /* Overlapping moves, forwards and backwards, at odd offsets. */
    memcpy(b, a, 64);
    memmove(b + 3, b, 50);
    for (int i = 0; i < 50; i++)
        LT_INT(b[i + 3], i);
    memcpy(b, a, 64);
    memmove(b, b + 7, 50);
    for (int i = 0; i < 50; i++)
        LT_INT(b[i], i + 7);
    LT_INT(b[60], 60);
    return 0;
}

static int cmp_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int t_qsort_bsearch(void)
{
    enum { N = 1000 };
    static int v[N];
    uint32_t seed = 12345;
    long long sum = 0;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (int)(seed >> 8) % 5000 - 2500;
        sum += v[i];
    }
    qsort(v, N, sizeof v[0], cmp_int);
    long long sum2 = v[0];
    for (int i = 1; i < N; i++) {
        LT_CHECK(v[i - 1] <= v[i]);
        sum2 += v[i];
    }
    LT_INT(sum2, sum); /* same multiset, not just sorted */
    for (int i = 0; i < N; i += 37) {
        int *hit = bsearch(&v[i], v, N, sizeof v[0], cmp_int);
        LT_CHECK(hit != NULL && *hit == v[i]);
    }
    int missing = 9999;
    LT_CHECK(bsearch(&missing, v, N, sizeof v[0], cmp_int) == NULL);
    LT_CHECK(bsearch(&missing, v, 0, sizeof v[0], cmp_int) == NULL);

    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date"};
    qsort(words, 6, sizeof words[0], cmp_str);
    const char *sorted[] = {"apple", "banana", "cherry", "date", "fig", "pear"};
    for (int i = 0; i < 6; i++)
        LT_STR(words[i], sorted[i]);
    const char *key = "date";
    const char **w = bsearch(&key, words, 6, sizeof words[0], cmp_str);
    LT_CHECK(w == &words[3]);
    return 0;
}
