/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libc_test: formatting and parsing. printf's integer, string and floating
 * conversions, sscanf, and strtol/strtoul/strtod with their edge cases
 * (bases, signs, empty input, overflow with ERANGE, special values), each
 * against the text or value the C standard prescribes. Floating-point
 * cases avoid exact ties in rounding, where the standard leaves the
 * direction to the current rounding mode's implementation.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ltest.h"

int t_printf_int(void)
{
    LT_FMT("-42", "%d", -42);
    LT_FMT("   42", "%5d", 42);
    LT_FMT("42   |", "%-5d|", 42);
    LT_FMT("-0042", "%05d", -42);
    LT_FMT("+42", "%+d", 42);
    LT_FMT(" 42", "% d", 42);
    LT_FMT("007", "%.3d", 7);
    LT_FMT("", "%.0d", 0);
    LT_FMT("    42", "%*d", 6, 42);
    LT_FMT("7   |", "%-*d|", 4, 7);
    LT_FMT("4294967295", "%u", UINT_MAX);
    LT_FMT("-2147483648", "%d", INT_MIN);
    LT_FMT("-9223372036854775808", "%ld", LONG_MIN);
    LT_FMT("9223372036854775807", "%lld", LLONG_MAX);
    LT_FMT("18446744073709551615", "%llu", ULLONG_MAX);
    LT_FMT("-9223372036854775808", "%jd", INTMAX_MIN);
    LT_FMT("123", "%zu", (size_t)123);
    LT_FMT("-5", "%td", (ptrdiff_t)-5);
    LT_FMT("-100", "%hhd", (signed char)-100);
    LT_FMT("-30000", "%hd", (short)-30000);
    LT_FMT("255", "%hhu", (unsigned char)255);
    LT_FMT("deadbeef", "%x", 0xdeadbeefu);
    LT_FMT("DEADBEEF", "%X", 0xdeadbeefu);
    LT_FMT("0xff", "%#x", 255u);
    LT_FMT("0000beef", "%08x", 0xbeefu);
    LT_FMT("ffffffffffffffff", "%lx", ULONG_MAX);
    LT_FMT("10", "%o", 8u);
    LT_FMT("010", "%#o", 8u);
    LT_FMT("0x1234", "%p", (void *)0x1234);
    LT_FMT("A%", "%c%%", 'A');

    /* The return value counts what would have been written. */
    char buf[8];
    LT_INT(snprintf(buf, 6, "%s", "hello world"), 11);
    LT_STR(buf, "hello");
    LT_INT(snprintf(NULL, 0, "%d", 12345), 5);
    LT_INT(sprintf(buf, "%d-%d", 1, 2), 3);
    LT_STR(buf, "1-2");
    return 0;
}

int t_printf_str(void)
{
    LT_FMT("cairn", "%s", "cairn");
    LT_FMT("     cairn|", "%10s|", "cairn");
    LT_FMT("cairn     |", "%-10s|", "cairn");
    LT_FMT("cai", "%.3s", "cairn");
    LT_FMT("ca", "%.*s", 2, "cairn");
    LT_FMT("[]", "[%s]", "");
    LT_FMT("a b c", "%s %c %s", "a", 'b', "c");
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char out[64];
    LT_INT(snprintf(out, sizeof out, "%s", big), 299);
    LT_INT(strlen(out), 63);
    return 0;
}

int t_printf_float(void)
{
    LT_FMT("3.141590", "%f", 3.14159);
    LT_FMT("2.67", "%.2f", 2.675); /* 2.67499999999999982236431605997495353221893310546875 */
    LT_FMT("0.1", "%.1f", 0.05);   /* 0.05000000000000000277555756156289135105907917022705078125 */
    LT_FMT("-1.250", "%.3f", -1.25);
    LT_FMT("    3.1416|", "%10.4f|", 3.14159265);
    LT_FMT("1.50      |", "%-10.2f|", 1.5);
    LT_FMT("+2.0", "%+.1f", 2.0);
    LT_FMT("100000000000000000000.000000", "%f", 1e20);
    LT_FMT("0.000000", "%f", 0.0);
    LT_FMT("-0.000000", "%f", -0.0);
    LT_FMT("1.234568e+04", "%e", 12345.678);
    LT_FMT("0.000e+00", "%.3e", 0.0);
    LT_FMT("1.000000E-10", "%E", 1e-10);
    LT_FMT("1.797693e+308", "%e", DBL_MAX);
    LT_FMT("0.0001", "%g", 0.0001);
    LT_FMT("1e-05", "%g", 0.00001);
    LT_FMT("1.23457e+08", "%g", 123456789.0);
    LT_FMT("100000", "%g", 100000.0);
    LT_FMT("1e+06", "%g", 1e6);
    LT_FMT("3", "%g", 3.0);
    LT_FMT("0.3333333333", "%.10g", 1.0 / 3.0);
    /* picolibc's printf (tinystdio, Ryu) makes at most the shortest digits
     * that read back as the same double and pads with zeros beyond them:
     * C would print 0.10000000000000001 and 0.10000000000000000555. */
    LT_FMT("0.1", "%.17g", 0.1);
    LT_FMT("0.10000000000000000000", "%.20f", 0.1);
    LT_FMT("2.2250738585072014e-308", "%.17g", DBL_MIN);
    LT_FMT("inf", "%f", (double)INFINITY);
    LT_FMT("-inf", "%f", -(double)INFINITY);
    LT_FMT("INF", "%F", (double)INFINITY);
    LT_FMT("nan", "%f", (double)NAN);
    LT_FMT("1.5", "%g", 1.5f); /* float promotes to double */
    return 0;
}

int t_sscanf(void)
{
    int i = 0;
    unsigned u = 0;
    double d = 0;
    float f = 0;
    char word[16];
    LT_INT(sscanf("42 cairn 3.5 ff", "%d %15s %lf %x", &i, word, &d, &u), 4);
    LT_INT(i, 42);
    LT_STR(word, "cairn");
    LT_CHECK(d == 3.5);
    LT_INT(u, 0xff);
    LT_INT(sscanf("1e3", "%f", &f), 1);
    LT_CHECK(f == 1000.0f);
    LT_INT(sscanf("-17:30", "%d:%d", &i, (int *)&u), 2);
    LT_INT(i, -17);
    LT_INT(u, 30);
    LT_INT(sscanf("x", "%d", &i), 0);
    LT_INT(sscanf("", "%d", &i), EOF);
    return 0;
}

/* strtol and its family, with errno cleared first so a stale ERANGE
 * cannot pass a check. */
int t_strtol(void)
{
    char *end;
    const char *s;

    errno = 0;
    LT_INT(strtol("123", &end, 10), 123);
    LT_INT(*end, '\0');
    s = "  -123abc";
    LT_INT(strtol(s, &end, 10), -123);
    LT_CHECK(end == s + 6);
    LT_INT(strtol("0x1f", NULL, 16), 31);
    LT_INT(strtol("0x1f", NULL, 0), 31);
    LT_INT(strtol("010", NULL, 0), 8);
    LT_INT(strtol("z", NULL, 36), 35);
    LT_INT(strtol("Z", NULL, 36), 35);
    LT_INT(strtol("+7", NULL, 10), 7);
    s = "0x";
    LT_INT(strtol(s, &end, 16), 0); /* the subject is "0"; 'x' is left */
    LT_CHECK(end == s + 1);
    s = "";
    LT_INT(strtol(s, &end, 10), 0);
    LT_CHECK(end == s);
    s = "   +";
    LT_INT(strtol(s, &end, 10), 0);
    LT_CHECK(end == s);
    LT_INT(errno, 0);

    LT_INT(strtol("9223372036854775807", NULL, 10), LONG_MAX);
    LT_INT(errno, 0);
    LT_INT(strtol("-9223372036854775808", NULL, 10), LONG_MIN);
    LT_INT(errno, 0);
    LT_INT(strtol("9223372036854775808", NULL, 10), LONG_MAX);
    LT_INT(errno, ERANGE);
    errno = 0;
    LT_INT(strtol("-9223372036854775809", NULL, 10), LONG_MIN);
    LT_INT(errno, ERANGE);
    errno = 0;
    LT_INT(strtoll("-9223372036854775808", NULL, 0), LLONG_MIN);
    LT_INT(errno, 0);
    LT_INT(atoi("  42x"), 42);
    LT_INT(atol("-99"), -99);
    return 0;
}

int t_strtoul(void)
{
    char *end;
    errno = 0;
    LT_CHECK(strtoul("4294967295", NULL, 10) == 4294967295ul);
    LT_CHECK(strtoul("18446744073709551615", &end, 10) == ULONG_MAX);
    LT_INT(*end, '\0');
    LT_INT(errno, 0);
    LT_CHECK(strtoul("-1", NULL, 10) == ULONG_MAX); /* negated in the unsigned type */
    LT_INT(errno, 0);
    LT_CHECK(strtoul("0xFFFFFFFFFFFFFFFF", NULL, 0) == ULONG_MAX);
    LT_INT(strtoul("  +77", NULL, 8), 63);
    LT_CHECK(strtoull("1", NULL, 2) == 1);
    LT_CHECK(strtoul("18446744073709551616", NULL, 10) == ULONG_MAX);
    LT_INT(errno, ERANGE);
    errno = 0;
    LT_CHECK(strtoull("99999999999999999999999", NULL, 10) == ULLONG_MAX);
    LT_INT(errno, ERANGE);
    return 0;
}

static int round_trips(double x)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", x);
    return strtod(buf, NULL) == x;
}

int t_strtod(void)
{
    char *end;
    const char *s;

    errno = 0;
    LT_CHECK(strtod("3.5", NULL) == 3.5);
    LT_CHECK(strtod("0.1", NULL) == 0.1);
    LT_CHECK(strtod("123.456e-2", NULL) == 1.23456);
    LT_CHECK(strtod(".5", NULL) == 0.5);
    LT_CHECK(strtod("5.", NULL) == 5.0);
    LT_CHECK(strtod("0x1p-2", NULL) == 0.25);
    LT_CHECK(strtod("0x1.8p1", NULL) == 3.0);
    LT_CHECK(strtod("1e308", NULL) == 1e308);
    LT_CHECK(strtod("1.7976931348623157e308", NULL) == DBL_MAX);
    LT_CHECK(strtod("2.2250738585072014e-308", NULL) == DBL_MIN);
    s = "  -0.0";
    double z = strtod(s, &end);
    LT_CHECK(z == 0.0 && signbit(z));
    LT_CHECK(end == s + 6);
    s = "1.5xyz";
    LT_CHECK(strtod(s, &end) == 1.5);
    LT_CHECK(end == s + 3);
    s = "abc";
    LT_CHECK(strtod(s, &end) == 0.0);
    LT_CHECK(end == s);
    LT_CHECK(isinf(strtod("inf", NULL)) && strtod("inf", NULL) > 0);
    LT_CHECK(isinf(strtod("-INFINITY", NULL)) && strtod("-INFINITY", NULL) < 0);
    LT_CHECK(isnan(strtod("nan", NULL)));
    LT_CHECK(strtof("0.1", NULL) == 0.1f);
    LT_CHECK(atof("2.5") == 2.5);
    LT_INT(errno, 0);

    LT_CHECK(strtod("1e309", NULL) == HUGE_VAL);
    LT_INT(errno, ERANGE);
    errno = 0;
    LT_CHECK(strtod("-1e309", NULL) == -HUGE_VAL);
    LT_INT(errno, ERANGE);
    errno = 0;
    LT_CHECK(strtod("1e-400", NULL) == 0.0);
    LT_INT(errno, ERANGE);
    /* A subnormal result may set ERANGE too (C leaves it open); its value
     * must still be exact. */
    LT_CHECK(strtod("4.9406564584124654e-324", NULL) == 0x1p-1074);
    LT_CHECK(strtod("2.2250738585072009e-308", NULL) == 0x0.fffffffffffffp-1022);

    LT_CHECK(round_trips(M_PI));
    LT_CHECK(round_trips(1.0 / 3.0));
    LT_CHECK(round_trips(1e-300));
    LT_CHECK(round_trips(123456789.123));
    LT_CHECK(round_trips(-DBL_MAX));
    return 0;
}
