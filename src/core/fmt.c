/* fmt: decimal formatting for the writers, byte-identical to printf.
 *
 * cas_fmt_fixed's fast path: y = x * 10^d is one correctly rounded product
 * (10^d is exact for d <= 22), so the exact value x * 10^d lies within
 * ulp(y) / 2 <= |y| * 2^-53 < 1/16 of y when |y| < 2^49. If y is within 0.4
 * of an integer n, the exact value is within 0.4625 of n, so printf (which
 * rounds the exact binary value to nearest) writes n / 10^d, and so do we.
 * Near a tie, where printf's rounding of the exact value decides, and for
 * large, infinite or NaN values, we call snprintf.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cascade/fmath.h"
#include "cascade/fmt.h"

/* clang-format off */
static const uint64_t pow10_u[20] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    10000000000000000000u};

static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                            "34353637383940414243444546474849505152535455565758596061626364656667"
                            "6869707172737475767778798081828384858687888990919293949596979899";

/* The n lowest decimal digits of v, zero-padded, into buf[0..n), two at a time. */
static void put_n_digits(char *buf, uint64_t v, size_t n)
{
    for (; n >= 2; n -= 2, v /= 100)
        memcpy(buf + n - 2, pairs + 2 * (v % 100), 2);
    if (n)
        buf[0] = (char)('0' + v % 10);
}
/* clang-format on */

/* Digits of v, most significant first, into buf; returns the count. */
static size_t put_digits(char *buf, uint64_t v)
{
    size_t n = 1;
    while (n < 20 && v >= pow10_u[n])
        n++;
    put_n_digits(buf, v, n);
    return n;
}

/* v split as v / 10^d "." v % 10^d, the fraction zero-padded to d (at most 18) digits. */
static size_t put_fixed(char *buf, uint64_t v, int d)
{
    uint64_t scale = pow10_u[d];
    size_t n = put_digits(buf, v / scale);
    if (d > 0) {
        buf[n++] = '.';
        put_n_digits(buf + n, v % scale, (size_t)d);
        n += (size_t)d;
    }
    buf[n] = '\0';
    return n;
}

size_t cas_fmt_fixed(char *buf, double x, int decimals)
{
    int d = decimals < 0 ? 0 : decimals > 20 ? 20 : decimals;
    double y = fabs(x) * cas_pow10(d);
    if (y < 0x1p49) { /* false for NaN */
        double n = nearbyint(y);
        if (fabs(y - n) <= 0.4 && d <= 15) { /* n < 2^49 < 10^15: the split fits uint64 */
            size_t k = 0;
            if (signbit(x))
                buf[k++] = '-';
            return k + put_fixed(buf + k, (uint64_t)n, d);
        }
    }
    int len = snprintf(buf, CAS_FMT_MAX, "%.*f", d, x);
    return len < 0 ? 0 : (size_t)len < CAS_FMT_MAX ? (size_t)len : CAS_FMT_MAX - 1;
}

size_t cas_fmt_u64(char *buf, uint64_t v)
{
    size_t n = put_digits(buf, v);
    buf[n] = '\0';
    return n;
}

size_t cas_fmt_i64(char *buf, int64_t v)
{
    if (v >= 0)
        return cas_fmt_u64(buf, (uint64_t)v);
    buf[0] = '-';
    return 1 + cas_fmt_u64(buf + 1, 0 - (uint64_t)v);
}

size_t cas_fmt_scaled(char *buf, int64_t v, int decimals)
{
    int d = decimals < 0 ? 0 : decimals > 18 ? 18 : decimals;
    size_t k = 0;
    if (v < 0)
        buf[k++] = '-';
    return k + put_fixed(buf + k, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, d);
}
