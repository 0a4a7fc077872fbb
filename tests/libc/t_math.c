/* SPDX-License-Identifier: BSD-2-Clause
 *
 * libc_test: libm against known values. Exactly representable results
 * (sqrt of a square, pow of two, floor, fmod, hypot of a Pythagorean
 * triple) must be exact; transcendental ones within a few ulps, checked
 * with a relative tolerance of 1e-15. The arguments go through volatile
 * variables so the compiler cannot fold the calls at build time: the
 * library itself is what runs.
 */
#include <float.h>
#include <math.h>

#include "ltest.h"

#define TOL 1e-15

int t_math(void)
{
    volatile double two = 2.0, half = 0.5, one = 1.0, e = M_E, pi = M_PI;
    volatile double x144 = 144.0, x10 = 10.0, m25 = -2.5, x105 = 10.5, x3 = 3.0;
    volatile float f2 = 2.0f;

    LT_CHECK(sqrt(x144) == 12.0);
    LT_NEAR(sqrt(two), 1.4142135623730951, TOL);
    LT_CHECK(isnan(sqrt(-one)));
    LT_NEAR(sqrtf(f2), 1.41421356f, 1e-7);
    LT_NEAR(sin(pi / 6), 0.5, TOL);
    LT_NEAR(cos(pi / 3), 0.5, TOL);
    LT_NEAR(sin(pi / 2), 1.0, TOL);
    LT_NEAR(cos(pi), -1.0, TOL);
    LT_NEAR(tan(pi / 4), 1.0, TOL);
    LT_NEAR(atan2(one, one), M_PI / 4, TOL);
    LT_NEAR(exp(one), M_E, TOL);
    LT_NEAR(exp(-one), 0.36787944117144233, TOL);
    LT_NEAR(log(e), 1.0, TOL);
    LT_NEAR(log(x10), 2.302585092994046, TOL);
    LT_NEAR(log10(x10 * x10 * x10), 3.0, TOL);
    LT_CHECK(isinf(log(0.0 * one)) && log(0.0 * one) < 0);
    LT_CHECK(pow(two, x10) == 1024.0);
    LT_CHECK(pow(two, -x3) == 0.125);
    LT_NEAR(pow(two, half), 1.4142135623730951, TOL);
    LT_NEAR(pow(x10, half * 4), 100.0, TOL);
    LT_CHECK(pow(x3, 0.0 * one) == 1.0);
    LT_CHECK(floor(m25) == -3.0);
    LT_CHECK(ceil(m25) == -2.0);
    LT_CHECK(trunc(m25) == -2.0);
    LT_CHECK(round(m25) == -3.0); /* halves round away from zero */
    LT_CHECK(floor(x105) == 10.0);
    LT_CHECK(fmod(x105, x3) == 1.5);
    LT_CHECK(fmod(-x105, x3) == -1.5);
    LT_CHECK(fabs(m25) == 2.5);
    LT_CHECK(hypot(x3, x3 + one) == 5.0);
    LT_CHECK(ldexp(one, 10) == 1024.0);
    int ex;
    LT_CHECK(frexp(x10, &ex) == 0.625);
    LT_INT(ex, 4);
    LT_CHECK(fmax(one, two) == 2.0 && fmin(one, two) == 1.0);
    return 0;
}
