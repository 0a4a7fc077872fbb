/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host tests for the kernel formatter (kernel/lib/printf.c).
 *
 * Model: the host C library is the oracle. Tables of conversions (every
 * flag, width, precision and length modifier) are crossed with edge values;
 * each pair is formatted by ksnprintf() and the host's snprintf() into a
 * large buffer and then into every small size from 0 to the full length + 1,
 * and output, return value and untouched bytes past the size must agree.
 * The deliberate differences (%p, NULL %s, unknown conversions) and the
 * va_list contract have their own tests with literal expectations.
 * Formats are passed as variables so the host compiler's format checking
 * does not reject the unusual combinations tested on purpose.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "lib/kprintf.h"

#define BUF_SIZE 512

enum kind {
    K_INT, K_UINT, K_LONG, K_ULONG, K_LLONG, K_ULLONG, K_SIZE, K_PTRDIFF,
    K_INTMAX, K_UINTMAX, K_STR, K_STAR_INT, K_STAR2_INT, K_STAR_STR,
};

typedef struct pcase {
    const char *fmt;
    enum kind kind;
    int w, p;              /* arguments for '*' */
    long long s;           /* signed value */
    unsigned long long u;  /* unsigned value */
    const char *str;
} pcase_t;

/* One macro body for both formatters, so they see the same argument types. */
#define CALL_WITH(fn, c, buf, n)                                               \
    switch ((c)->kind) {                                                       \
    case K_INT: return fn(buf, n, (c)->fmt, (int)(c)->s);                      \
    case K_UINT: return fn(buf, n, (c)->fmt, (unsigned)(c)->u);                \
    case K_LONG: return fn(buf, n, (c)->fmt, (long)(c)->s);                    \
    case K_ULONG: return fn(buf, n, (c)->fmt, (unsigned long)(c)->u);          \
    case K_LLONG: return fn(buf, n, (c)->fmt, (c)->s);                         \
    case K_ULLONG: return fn(buf, n, (c)->fmt, (c)->u);                        \
    case K_SIZE: return fn(buf, n, (c)->fmt, (size_t)(c)->u);                  \
    case K_PTRDIFF: return fn(buf, n, (c)->fmt, (ptrdiff_t)(c)->s);            \
    case K_INTMAX: return fn(buf, n, (c)->fmt, (intmax_t)(c)->s);              \
    case K_UINTMAX: return fn(buf, n, (c)->fmt, (uintmax_t)(c)->u);            \
    case K_STR: return fn(buf, n, (c)->fmt, (c)->str);                         \
    case K_STAR_INT: return fn(buf, n, (c)->fmt, (c)->w, (int)(c)->s);         \
    case K_STAR2_INT: return fn(buf, n, (c)->fmt, (c)->w, (c)->p, (int)(c)->s); \
    case K_STAR_STR: return fn(buf, n, (c)->fmt, (c)->w, (c)->str);            \
    }                                                                          \
    return -1000

static int call_kernel(const pcase_t *c, char *buf, size_t n) { CALL_WITH(ksnprintf, c, buf, n); }
static int call_host(const pcase_t *c, char *buf, size_t n) { CALL_WITH(snprintf, c, buf, n); }

static void describe(const pcase_t *c, size_t n, int kr, const char *kb, int hr, const char *hb)
{
    printf("  format \"%s\" (s=%lld u=%llu w=%d p=%d) size %zu: kernel %d \"%s\", host %d \"%s\"\n",
           c->fmt, c->s, c->u, c->w, c->p, n, kr, kb, hr, hb);
}

/* Formats with buffer size n; buffers start filled with 'X' so writes past
 * the size show up as a difference in the whole-buffer comparison. */
static void compare_at(const pcase_t *c, size_t n)
{
    char kb[BUF_SIZE], hb[BUF_SIZE];
    memset(kb, 'X', sizeof(kb));
    memset(hb, 'X', sizeof(hb));
    int kr = call_kernel(c, kb, n);
    int hr = call_host(c, hb, n);
    if (kr != hr || memcmp(kb, hb, sizeof(kb)) != 0) {
        kb[BUF_SIZE - 1] = hb[BUF_SIZE - 1] = '\0';
        describe(c, n, kr, kb, hr, hb);
        check_failed_now = 1;
    }
}

static void compare_case(const pcase_t *c)
{
    char hb[BUF_SIZE];
    int full = call_host(c, hb, sizeof(hb));
    compare_at(c, BUF_SIZE);
    for (size_t n = 0; n <= (size_t)full + 1 && n < BUF_SIZE; n++)
        compare_at(c, n);
}

static void cross_signed(enum kind k, const char *const *fmts, size_t nf,
                         const long long *vals, size_t nv)
{
    for (size_t i = 0; i < nf; i++)
        for (size_t j = 0; j < nv; j++)
            compare_case(&(pcase_t){ .fmt = fmts[i], .kind = k, .s = vals[j] });
}

static void cross_unsigned(enum kind k, const char *const *fmts, size_t nf,
                           const unsigned long long *vals, size_t nv)
{
    for (size_t i = 0; i < nf; i++)
        for (size_t j = 0; j < nv; j++)
            compare_case(&(pcase_t){ .fmt = fmts[i], .kind = k, .u = vals[j] });
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

TEST(int_flags_width_precision)
{
    static const char *const f[] = {
        "%d", "%i", "%5d", "%-5d|", "%05d", "%+d", "% d", "%+5d", "%-+5d|", "% 05d",
        "%+05d", "%.3d", "%8.3d", "%-8.3d|", "%08.3d", "%.0d", "%5.0d", "%+.0d", "% .0d",
        "%-05d|", "% +d", "%+ d", "%1d", "%.12d", "%+.12d", "%-+ 0#15.11d|", "%40d",
        "%400d", "%.300d", "<%d>", "%d%%",
    };
    static const long long v[] = { 0, 1, -1, 7, 42, -42, 1000, INT_MAX, INT_MIN, INT_MIN + 1 };
    cross_signed(K_INT, f, N(f), v, N(v));
}

TEST(unsigned_hex_octal)
{
    static const char *const f[] = {
        "%u", "%x", "%X", "%o", "%#x", "%#X", "%#o", "%#5x", "%#05x", "%#-8x|", "%#.3x",
        "%#.0x", "%.0x", "%#.0o", "%.0o", "%#8.3o", "%08x", "%-8X|", "%10.4u", "%#10.4x",
        "%+u", "% u", "%+x", "%#.10o", "%#3o", "%#012X", "%.0u", "%5.0x",
    };
    static const unsigned long long v[] = { 0, 1, 7, 8, 9, 15, 16, 42, 0777, 0xdeadbeef, UINT_MAX };
    cross_unsigned(K_UINT, f, N(f), v, N(v));
}

TEST(char_and_short_lengths)
{
    static const char *const f[] = {
        "%hhd", "%hhi", "%hhu", "%hhx", "%#hho", "%5hhd", "%+hhd", "%hd", "%hu", "%hx",
        "%#hX", "%-7hd|", "%.6hd",
    };
    static const long long v[] = { 0, 127, 128, 255, 256, -1, -128, -129, 32767, 32768,
                                   65535, 65536, INT_MIN, INT_MAX };
    cross_signed(K_INT, f, N(f), v, N(v));
}

TEST(long_and_long_long)
{
    static const char *const fl[] = { "%ld", "%li", "%+ld", "%20ld", "%-20ld|", "%.19ld" };
    static const long long vl[] = { 0, -1, 1, LONG_MIN, LONG_MAX };
    cross_signed(K_LONG, fl, N(fl), vl, N(vl));

    static const char *const ful[] = { "%lu", "%lx", "%#lo", "%022lo", "%#lX" };
    static const unsigned long long vul[] = { 0, 1, ULONG_MAX, 0x8000000000000000ull };
    cross_unsigned(K_ULONG, ful, N(ful), vul, N(vul));

    static const char *const fll[] = { "%lld", "%lli", "%+lld", "% 25lld", "%.20lld",
                                       "%-25lld|", "%025lld", "% lld" };
    static const long long vll[] = { 0, 1, -1, LLONG_MIN, LLONG_MAX, LLONG_MIN + 1 };
    cross_signed(K_LLONG, fll, N(fll), vll, N(vll));

    static const char *const full[] = { "%llu", "%llx", "%llX", "%#llx", "%llo", "%#llo",
                                        "%30.25llu", "%#.0llx", "%-#30llo|" };
    static const unsigned long long vull[] = { 0, 1, ULLONG_MAX, 0x8000000000000000ull,
                                               0x123456789abcdefull };
    cross_unsigned(K_ULLONG, full, N(full), vull, N(vull));
}

TEST(size_ptrdiff_intmax)
{
    static const char *const fz[] = { "%zu", "%zx", "%zd", "%+zd", "%#zo" };
    static const unsigned long long vz[] = { 0, 123, SIZE_MAX, SIZE_MAX / 2 + 1 };
    cross_unsigned(K_SIZE, fz, N(fz), vz, N(vz));

    static const char *const ft[] = { "%td", "%ti", "%tu", "%tx", "%+td" };
    static const long long vt[] = { 0, 5, -1, PTRDIFF_MIN, PTRDIFF_MAX };
    cross_signed(K_PTRDIFF, ft, N(ft), vt, N(vt));

    static const char *const fj[] = { "%jd", "%+jd", "%24jd" };
    static const long long vj[] = { 0, INTMAX_MIN, INTMAX_MAX };
    cross_signed(K_INTMAX, fj, N(fj), vj, N(vj));

    static const char *const fuj[] = { "%ju", "%jx", "%#jo" };
    static const unsigned long long vuj[] = { 0, UINTMAX_MAX };
    cross_unsigned(K_UINTMAX, fuj, N(fuj), vuj, N(vuj));
}

TEST(strings_and_chars)
{
    static const char *const f[] = { "%s", "%10s", "%-10s|", "%.2s", "%10.2s", "%-10.2s|",
                                     "%.0s", "%.10s", "[%s]", "%1s" };
    static const char *const v[] = { "", "a", "hello", "hello, world" };
    for (size_t i = 0; i < N(f); i++)
        for (size_t j = 0; j < N(v); j++)
            compare_case(&(pcase_t){ .fmt = f[i], .kind = K_STR, .str = v[j] });

    /* %c takes an int; 200 checks the unsigned char conversion and 0 that
     * an embedded NUL is stored and counted. */
    static const char *const fc[] = { "%c", "%5c", "%-5c|", "[%c]" };
    static const long long vc[] = { 'a', 'Z', ' ', 200, 0 };
    cross_signed(K_INT, fc, N(fc), vc, N(vc));
}

TEST(star_width_and_precision)
{
    static const char *const f1[] = { "%*d", "%0*d", "%-*d|", "%+*d" };
    static const int w1[] = { 0, 5, -5, 12, -12, 1 };
    static const char *const fp[] = { "%.*d", "%05.*d", "%8.*x" };
    static const int p1[] = { 0, 3, -1, 10 };
    static const long long v[] = { 0, 42, -42, INT_MIN };
    for (size_t j = 0; j < N(v); j++) {
        for (size_t i = 0; i < N(f1); i++)
            for (size_t k = 0; k < N(w1); k++)
                compare_case(&(pcase_t){ .fmt = f1[i], .kind = K_STAR_INT, .w = w1[k], .s = v[j] });
        for (size_t i = 0; i < N(fp); i++)
            for (size_t k = 0; k < N(p1); k++)
                compare_case(&(pcase_t){ .fmt = fp[i], .kind = K_STAR_INT, .w = p1[k], .s = v[j] });
    }
    static const char *const f2[] = { "%*.*d", "%-*.*d|", "%0*.*d" };
    static const int wp[][2] = { { 8, 3 }, { -8, 3 }, { 8, -1 }, { 0, 0 }, { 3, 8 } };
    for (size_t i = 0; i < N(f2); i++)
        for (size_t k = 0; k < N(wp); k++)
            for (size_t j = 0; j < N(v); j++)
                compare_case(&(pcase_t){ .fmt = f2[i], .kind = K_STAR2_INT, .w = wp[k][0],
                                         .p = wp[k][1], .s = v[j] });
    static const char *const fs[] = { "%.*s", "%*s", "%-*s|" };
    for (size_t i = 0; i < N(fs); i++)
        for (size_t k = 0; k < N(w1); k++)
            compare_case(&(pcase_t){ .fmt = fs[i], .kind = K_STAR_STR, .w = w1[k], .str = "abcdefgh" });
}

TEST(several_conversions_in_one_format)
{
    char kb[128], hb[128];
    int kr = ksnprintf(kb, sizeof(kb), "a%db%sc%#xd%%e%5.2sf%cg%llu", -3, "str", 255u, "xyz",
                       'Q', 18446744073709551615ull);
    int hr = snprintf(hb, sizeof(hb), "a%db%sc%#xd%%e%5.2sf%cg%llu", -3, "str", 255u, "xyz",
                      'Q', 18446744073709551615ull);
    CHECK_EQ(kr, hr);
    CHECK(strcmp(kb, hb) == 0);
    CHECK(strcmp(kb, "a-3bstrc0xffd%e   xyfQg18446744073709551615") == 0);
}

TEST(truncation_and_return_value)
{
    char b[16];
    memset(b, 'X', sizeof(b));
    CHECK_EQ(ksnprintf(b, 0, "%d", 12345), 5);
    CHECK(b[0] == 'X'); /* size 0: nothing written, not even the NUL */
    CHECK_EQ(ksnprintf(NULL, 0, "%s-%d", "abc", 12345), 9);

    CHECK_EQ(ksnprintf(b, 1, "%d", 12345), 5);
    CHECK(b[0] == '\0' && b[1] == 'X');

    memset(b, 'X', sizeof(b));
    CHECK_EQ(ksnprintf(b, 6, "%d", 12345), 5); /* exact fit */
    CHECK(strcmp(b, "12345") == 0 && b[6] == 'X');

    memset(b, 'X', sizeof(b));
    CHECK_EQ(ksnprintf(b, 5, "%d", 12345), 5); /* one short */
    CHECK(strcmp(b, "1234") == 0 && b[5] == 'X');

    memset(b, 'X', sizeof(b));
    CHECK_EQ(ksnprintf(b, 4, "%8s|", "ab"), 9); /* truncated inside padding */
    CHECK(strcmp(b, "   ") == 0 && b[4] == 'X');

    CHECK_EQ(ksnprintf(b, sizeof(b), "%s", ""), 0);
    CHECK(b[0] == '\0');
    CHECK_EQ(ksnprintf(b, sizeof(b), "plain text"), 10);
    CHECK(strcmp(b, "plain text") == 0);
}

TEST(pointer_is_fixed_width)
{
    char b[64];
    CHECK_EQ(ksnprintf(b, sizeof(b), "%p", (void *)0x1234), 18);
    CHECK(strcmp(b, "0x0000000000001234") == 0);
    CHECK_EQ(ksnprintf(b, sizeof(b), "%p", (void *)NULL), 18);
    CHECK(strcmp(b, "0x0000000000000000") == 0);
    ksnprintf(b, sizeof(b), "%p", (void *)UINTPTR_MAX);
    CHECK(strcmp(b, "0xffffffffffffffff") == 0);
    ksnprintf(b, sizeof(b), "%p", (void *)0xffffffff80001000ull);
    CHECK(strcmp(b, "0xffffffff80001000") == 0);
    ksnprintf(b, sizeof(b), "[%20p]", (void *)0xabc);
    CHECK(strcmp(b, "[  0x0000000000000abc]") == 0);
    ksnprintf(b, sizeof(b), "[%-20p]", (void *)0xabc);
    CHECK(strcmp(b, "[0x0000000000000abc  ]") == 0);
    CHECK_EQ(ksnprintf(b, 5, "%p", (void *)0x1), 18);
    CHECK(strcmp(b, "0x00") == 0);
}

TEST(null_string)
{
    char b[32];
    const char *null = NULL;
    CHECK_EQ(ksnprintf(b, sizeof(b), "%s", null), 6);
    CHECK(strcmp(b, "(null)") == 0);
    ksnprintf(b, sizeof(b), "[%8s]", null);
    CHECK(strcmp(b, "[  (null)]") == 0);
    ksnprintf(b, sizeof(b), "[%-8s]", null);
    CHECK(strcmp(b, "[(null)  ]") == 0);
    CHECK_EQ(ksnprintf(b, sizeof(b), "%.3s", null), 3);
    CHECK(strcmp(b, "(nu") == 0);
}

TEST(precision_bounds_string_reads)
{
    /* With a precision the string need not be terminated: ASan fails the
     * test if the formatter reads past the 3 bytes. */
    char *s = malloc(3);
    REQUIRE(s != NULL);
    memcpy(s, "abc", 3);
    char b[16];
    CHECK_EQ(ksnprintf(b, sizeof(b), "%.3s|%.2s", s, s), 6);
    CHECK(strcmp(b, "abc|ab") == 0);
    free(s);
}

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat"
#pragma clang diagnostic ignored "-Wformat-invalid-specifier"
#pragma clang diagnostic ignored "-Wformat-extra-args"
TEST(unknown_conversions_print_verbatim)
{
    char b[32];
    CHECK_EQ(ksnprintf(b, sizeof(b), "a%yb"), 4);
    CHECK(strcmp(b, "a%yb") == 0);
    CHECK_EQ(ksnprintf(b, sizeof(b), "[%-5y]"), 6);
    CHECK(strcmp(b, "[%-5y]") == 0);
    /* An unknown conversion consumes no argument. */
    ksnprintf(b, sizeof(b), "%y%d", 7);
    CHECK(strcmp(b, "%y7") == 0);
    /* %n is not supported and must never write through the argument. */
    int victim = 1234;
    CHECK_EQ(ksnprintf(b, sizeof(b), "ab%n", &victim), 4);
    CHECK(strcmp(b, "ab%n") == 0);
    CHECK_EQ(victim, 1234);
    ksnprintf(b, sizeof(b), "%f", 1.5);
    CHECK(strcmp(b, "%f") == 0);
    /* The format ending inside a conversion prints what is there. */
    CHECK_EQ(ksnprintf(b, sizeof(b), "100%"), 4);
    CHECK(strcmp(b, "100%") == 0);
    ksnprintf(b, sizeof(b), "x%-08l");
    CHECK(strcmp(b, "x%-08l") == 0);
    ksnprintf(b, sizeof(b), "%%%");
    CHECK(strcmp(b, "%%") == 0);
}
#pragma clang diagnostic pop

static int format_twice(char *b1, char *b2, size_t n, const char *fmt, ...) PRINTF_LIKE(4, 5);
static int format_twice(char *b1, char *b2, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r1 = kvsnprintf(b1, n, fmt, ap);
    int r2 = kvsnprintf(b2, n, fmt, ap);
    va_end(ap);
    return r1 == r2 ? r1 : -1;
}

TEST(kvsnprintf_leaves_the_va_list_reusable)
{
    char b1[64], b2[64];
    CHECK_EQ(format_twice(b1, b2, sizeof(b1), "%s=%d %llx", "irq", 11, 0xfeedull), 11);
    CHECK(strcmp(b1, "irq=11 feed") == 0);
    CHECK(strcmp(b2, "irq=11 feed") == 0);
}

TEST(huge_widths_are_counted_not_looped)
{
    char b[8];
    /* Padding past the buffer is only counted, so these return at once. */
    CHECK_EQ(ksnprintf(b, sizeof(b), "%2147483646d", 1), 2147483646);
    CHECK(strcmp(b, "       ") == 0);
    /* A length beyond INT_MAX is reported as negative, as C does
     * (EOVERFLOW), never as a wrapped count. */
    CHECK(ksnprintf(b, sizeof(b), "%2147483647d%d", 1, 2) < 0);
    CHECK(ksnprintf(b, sizeof(b), "%*d", INT_MIN, 1) == INT_MAX);
    /* Width digits beyond INT_MAX saturate rather than overflow. */
    const char *fmt = "%99999999999999999999d";
    CHECK_EQ(ksnprintf(b, sizeof(b), fmt, 1), INT_MAX);
}

int main(void) { return RUN_TESTS(); }
