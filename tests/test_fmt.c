/* test_fmt: the writers' decimal formatting, byte for byte against printf. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cascade/fmt.h"
#include "cascade/rng.h"

static void same_fixed(double x, int d)
{
    char got[CAS_FMT_MAX], want[CAS_FMT_MAX];
    size_t n = cas_fmt_fixed(got, x, d);
    snprintf(want, sizeof want, "%.*f", d, x);
    cr_assert_str_eq(got, want, "%.17g with %d decimals", x, d);
    cr_assert_eq(n, strlen(want));
}

/* Prices as the recorder writes them: whole and half ticks times a tick size. */
Test(fmt, prices_in_ticks_match_printf)
{
    static const double ticks[] = {0.01, 0.1, 0.5, 1, 5, 0.25, 0.001, 1e-8, 0.05};
    struct cas_rng r;
    cas_rng_init(&r, 1, 2);
    for (size_t t = 0; t < sizeof ticks / sizeof *ticks; t++) {
        for (int k = 0; k < 20000; k++) {
            double q = (double)(cas_rng_u64(&r) % 100000000) - 1000;
            for (int d = 0; d <= 10; d++) {
                same_fixed(q * ticks[t], d);
                same_fixed(q / 2 * ticks[t], d);
            }
        }
    }
}

Test(fmt, arbitrary_doubles_and_ties_match_printf)
{
    struct cas_rng r;
    cas_rng_init(&r, 3, 4);
    for (int k = 0; k < 200000; k++) {
        double mag = pow(10, (double)(cas_rng_u32(&r) % 40) - 20);
        double x = (cas_rng_double(&r) - 0.5) * mag;
        same_fixed(x, (int)(cas_rng_u32(&r) % 21));
    }
    /* exact ties, where printf rounds the binary value half to even */
    static const double ties[] = {0.125, 0.375, 2.5, 3.5, -0.5, 1.0625, 0.005, 1.005, 2.675};
    for (size_t k = 0; k < sizeof ties / sizeof *ties; k++)
        for (int d = 0; d <= 6; d++)
            same_fixed(ties[k], d);
    static const double edges[] = {0.0,   -0.0,     -0.001,  1e15,     -1e15,     0x1p49, 0x1p53,
                                   1e300, -DBL_MAX, DBL_MIN, INFINITY, -INFINITY, NAN};
    for (size_t k = 0; k < sizeof edges / sizeof *edges; k++)
        for (int d = 0; d <= 20; d++)
            same_fixed(edges[k], d);
}

Test(fmt, integers_match_printf)
{
    char got[CAS_FMT_MAX], want[CAS_FMT_MAX];
    static const int64_t v[] = {0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
        cr_assert_eq(cas_fmt_i64(got, v[k]),
                     (size_t)snprintf(want, sizeof want, "%lld", (long long)v[k]));
        cr_assert_str_eq(got, want);
        cr_assert_eq(cas_fmt_u64(got, (uint64_t)v[k]),
                     (size_t)snprintf(want, sizeof want, "%llu", (unsigned long long)v[k]));
        cr_assert_str_eq(got, want);
    }
}

/* Fixed-point amounts: v / 10^d with exactly d decimals, as integer money is written. */
Test(fmt, scaled_integers_keep_every_digit)
{
    char got[CAS_FMT_MAX];
    cas_fmt_scaled(got, 1104060000000000, 6);
    cr_assert_str_eq(got, "1104060000.000000");
    cas_fmt_scaled(got, -5, 6);
    cr_assert_str_eq(got, "-0.000005");
    cas_fmt_scaled(got, 0, 2);
    cr_assert_str_eq(got, "0.00");
    cas_fmt_scaled(got, -1234, 0);
    cr_assert_str_eq(got, "-1234");
    cr_assert_eq(cas_fmt_scaled(got, INT64_MIN, 18), strlen("-9.223372036854775808"));
    cr_assert_str_eq(got, "-9.223372036854775808");
}
