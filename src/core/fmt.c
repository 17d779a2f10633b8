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

#include "cascade/fmt.h"

static const double pow10_d[21] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                   1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                   1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20};

/* Digits of v, most significant first, into buf; returns the count. */
static size_t put_digits(char *buf, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t k = 0; k < n; k++)
        buf[k] = tmp[n - 1 - k];
    return n;
}

/* v split as v / 10^d "." v % 10^d, the fraction zero-padded to d digits. */
static size_t put_fixed(char *buf, uint64_t v, int d)
{
    uint64_t scale = 1;
    for (int k = 0; k < d; k++)
        scale *= 10;
    size_t n = put_digits(buf, v / scale);
    if (d > 0) {
        buf[n++] = '.';
        uint64_t frac = v % scale;
        for (int k = d - 1; k >= 0; k--) {
            buf[n + (size_t)k] = (char)('0' + frac % 10);
            frac /= 10;
        }
        n += (size_t)d;
    }
    buf[n] = '\0';
    return n;
}

size_t cas_fmt_fixed(char *buf, double x, int decimals)
{
    int d = decimals < 0 ? 0 : decimals > 20 ? 20 : decimals;
    double y = fabs(x) * pow10_d[d];
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
