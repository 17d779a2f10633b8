/* fmath: exp, exp2, log, log1p, cos, erfc and lgamma from IEEE basic
 * operations only (see cascade/fmath.h for why and how accurate).
 *
 * exp: x = (64 k + j) ln2/64 + r, |r| <= ln2/128, exp(x) = 2^k 2^(j/64) e^r
 *   with 2^(j/64) from a table as a double plus its error and e^r - 1 by its
 *   Taylor series to r^7 (truncation below 2^-60).
 * log: x = 2^e (1 + f), 1 + f in [sqrt(2)/2, sqrt(2)), s = f / (2 + f),
 *   log(1 + f) = f - f^2/2 + s (f^2/2 + R), R = 2 s^2/3 + 2 s^4/5 + ... the
 *   atanh series to s^22 (truncation below 2^-60 for |s| <= 0.1716).
 * cos: x - k pi/2 in three parts (exact for |k| < 2^20), then the Taylor
 *   series of sin or cos of the remainder, its low part carried.
 * erfc: 1 - erf by erf's Taylor series for |x| < 1/2; exp(-x^2) g(x) with
 *   g(x) = exp(x^2) erfc(x) by its Taylor series about the middle of each
 *   half-unit interval up to 6 (fmath_tables.h), and by its continued
 *   fraction beyond; x^2 is split exactly so exp(-x^2) loses nothing.
 * lgamma: Stirling's series with terms to x^-15, for x >= 10 after the
 *   recurrence lgamma(x) = lgamma(x + n) - log(x (x + 1) ... (x + n - 1)). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cascade/fmath.h"
#include "fmath_tables.h"

static const double ln2_hi = 0x1.62e42fefa39efp-1, ln2_lo = 0x1.abc9e3b39803fp-56;
/* ln2/64 in a part with 28 significant bits (k times it is exact) and the rest */
static const double l64_hi = 0x1.62e42fe000000p-7, l64_lo = 0x1.f473de6af278fp-36;
static const double inv_l64 = 0x1.71547652b82fep+6; /* 64/ln2 */

static double bits_to(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* 2^k for -1022 <= k <= 1023 */
static double pow2i(int k)
{
    return bits_to((uint64_t)(k + 1023) << 52);
}

/* Split a into hi + lo with hi holding 26 significant bits (Veltkamp). */
static void split(double a, double *hi, double *lo)
{
    double c = 134217729.0 * a; /* 2^27 + 1 */
    *hi = c - (c - a);
    *lo = a - *hi;
}

/* a * b = p + e exactly (Dekker), for |a b| well inside the normal range. */
static void two_prod(double a, double b, double *p, double *e)
{
    double ah, al, bh, bl;
    *p = a * b;
    split(a, &ah, &al);
    split(b, &bh, &bl);
    *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}

/* The answers of an exponential that need no arithmetic: NaN for NaN, infinity above
 * `over`, 0 below `under`; true when *y holds one. */
static bool beyond_range(double x, double over, double under, double *y)
{
    if (x != x)
        *y = x + x;
    else if (x > over)
        *y = INFINITY;
    else if (x < under)
        *y = 0.0;
    else
        return false;
    return true;
}

/* exp(x + t) for a small correction t (|t| <= 2^-40 |x| or so). */
static double exp_tail(double x, double t)
{
    double special;
    if (beyond_range(x, 709.79, -745.2, &special))
        return special;
    double kf = x * inv_l64;
    kf = kf >= 0 ? floor(kf + 0.5) : -floor(0.5 - kf);
    int n = (int)kf, j = n & 63, k = (n - j) / 64;
    double r = (x - kf * l64_hi) - kf * l64_lo + t;
    /* e^r - 1 = r + r^2/2 + ... + r^7/5040, |r| <= 0.0055 */
    double p =
        r * (1.0 +
             r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 +
                                                            r * (1.0 / 720 + r * (1.0 / 5040)))))));
    double hi = exp2_hi[j], lo = exp2_lo[j];
    double y = hi + (lo + hi * p + lo * p);
    if (k > 1023 - 1) /* y < 2: scale in two steps so that 2^k stays representable */
        return y * 2.0 * pow2i(k - 1);
    if (k >= -1021)
        return y * pow2i(k);
    /* subnormal result: one rounding, at the final multiply */
    return y * pow2i(k + 1000) * 0x1p-1000;
}

double cas_exp(double x)
{
    return exp_tail(x, 0.0);
}

double cas_exp2(double x)
{
    double special;
    if (beyond_range(x, 1024, -1080, &special))
        return special;
    /* x ln2 as a double-double: hi + lo */
    double hi, lo;
    two_prod(x, ln2_hi, &hi, &lo);
    lo += x * ln2_lo;
    return exp_tail(hi, lo);
}

/* log(1 + f) - f + f^2/2 - s f^2/2 (the part after the leading terms), s = f / (2 + f) */
/* clang-format off */
static double log_poly(double s)
{
    double z = s * s;
    return z * (2.0 / 3 + z * (2.0 / 5 + z * (2.0 / 7 + z * (2.0 / 9 + z * (2.0 / 11 +
           z * (2.0 / 13 + z * (2.0 / 15 + z * (2.0 / 17 + z * (2.0 / 19 + z * (2.0 / 21 +
           z * (2.0 / 23)))))))))));
}
/* clang-format on */

/* log(2^e (1 + f)) + c with 1 + f in [sqrt(2)/2, sqrt(2)) and |c| tiny next to f's ulp. */
static double log_kernel(int e, double f, double c)
{
    double s = f / (2.0 + f);
    double hfsq = 0.5 * f * f;
    double R = log_poly(s);
    double de = (double)e;
    return de * ln2_hi + (f - (hfsq - (s * (hfsq + R) + (de * ln2_lo + c))));
}

/* x > 0 finite: x = 2^e m with m in [sqrt(2)/2, sqrt(2)); returns e, sets *m. */
static int reduce(double x, double *m)
{
    int e = 0;
    if (x < 0x1p-1022) { /* subnormal: scale up first */
        x *= 0x1p54;
        e = -54;
    }
    uint64_t u = to_bits(x);
    e += (int)(u >> 52) - 1023;
    double y = bits_to((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL); /* [1, 2) */
    if (y >= 1.4142135623730951) {
        y *= 0.5;
        e++;
    }
    *m = y;
    return e;
}

double cas_log(double x)
{
    if (x != x)
        return x + x;
    if (x < 0)
        return NAN;
    if (x == 0)
        return -INFINITY;
    if (x == INFINITY)
        return x;
    double m;
    int e = reduce(x, &m);
    return log_kernel(e, m - 1.0, 0.0); /* m - 1 is exact (Sterbenz) */
}

double cas_log1p(double x)
{
    if (x != x)
        return x + x;
    if (x < -1)
        return NAN;
    if (x == -1)
        return -INFINITY;
    if (x == INFINITY)
        return x;
    double ax = fabs(x);
    if (ax < 0x1p-30) /* x - x^2/2 + x^3/3: the cubic term is below half an ulp */
        return x - 0.5 * x * x;
    if (ax < 0.29) { /* 1 + x is in [sqrt(2)/2, sqrt(2)): x itself is f, exactly */
        return log_kernel(0, x, 0.0);
    }
    /* u = 1 + x rounded; c its rounding error, c / u the correction to log(u) */
    double u = 1.0 + x;
    double c = u > 2.0 ? 1.0 - (u - x) : x - (u - 1.0);
    double m;
    int e = reduce(u, &m);
    /* m = u / 2^e; the error c scales with it */
    return log_kernel(e, m - 1.0, c / u);
}

/* ---- cos ---- */

/* pi/2 in three parts of 33, 33 and 53 bits: k times the first two is exact for |k| < 2^20 */
static const double pio2_1 = 0x1.921fb544p+0, pio2_2 = 0x1.0b4611a6p-34,
                    pio2_3 = 0x1.3198a2e037073p-69;
static const double two_over_pi = 0x1.45f306dc9c883p-1;

/* sin(y + t) and cos(y + t) for |y| <= pi/4 + tiny, |t| <= ulp(y) */
/* clang-format off */
static double sin_kernel(double y, double t)
{
    double z = y * y;
    double p = z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362880 +
               z * (-1.0 / 39916800 + z * (1.0 / 6227020800 + z * (-1.0 / 1307674368000 +
               z * (1.0 / 355687428096000))))))));
    return y + (y * p + t * (1.0 - 0.5 * z));
}
/* clang-format on */

/* clang-format off */
static double cos_kernel(double y, double t)
{
    double z = y * y;
    double q = z * z * (1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320 + z * (-1.0 / 3628800 +
               z * (1.0 / 479001600 + z * (-1.0 / 87178291200 + z * (1.0 / 20922789888000 +
               z * (-1.0 / 6402373705728000))))))));
    /* 1 - z/2 with z/2's rounding error recovered: hz_hi + hz_lo = y^2 / 2 exactly */
    double sq, sq_err;
    two_prod(y, y, &sq, &sq_err);
    double hz = 0.5 * sq, w = 1.0 - hz;
    double rest = ((1.0 - w) - hz) - 0.5 * sq_err - y * t;
    return w + (rest + q);
}
/* clang-format on */

double cas_cos(double x)
{
    double ax = fabs(x);
    if (!(ax <= 0x1p20))
        return NAN;
    if (ax < 0x1p-27)
        return 1.0;
    double kf = floor(ax * two_over_pi + 0.5);
    /* ax - kf pi/2 as y + t: the first two products are exact, the subtractions too
     * (Sterbenz) until the last part */
    double a = ax - kf * pio2_1;
    double b = kf * pio2_2;
    double y0 = a - b;
    double t0 = (a - y0) - b;
    double c = kf * pio2_3;
    double y = y0 - c;
    double t = ((y0 - y) - c) + t0;
    double yy = y + t;
    t = t - (yy - y);
    y = yy;
    switch ((int)((int64_t)kf & 3)) {
    case 0: return cos_kernel(y, t);
    case 1: return -sin_kernel(y, t);
    case 2: return -cos_kernel(y, t);
    default: return sin_kernel(y, t);
    }
}

/* ---- erfc ---- */

static const double rt_pi_inv = 0x1.20dd750429b6dp-1; /* 1/sqrt(pi) */

/* exp(-x^2) for x >= 0, with x^2 split exactly so the result keeps full accuracy */
static double exp_minus_sq(double x)
{
    double p, e;
    two_prod(x, x, &p, &e);
    return exp_tail(-p, -e);
}

/* erf(x) for |x| < 1/2: 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)) */
static double erf_small(double x)
{
    double z = x * x, term = 1.0, sum = 0.0;
    double terms[16];
    for (int n = 0; n < 16; n++) {
        terms[n] = term / (2 * n + 1);
        term *= -z / (n + 1);
    }
    for (int n = 15; n >= 1; n--)
        sum += terms[n];
    /* 2/sqrt(pi) * x * (1 + sum) with 2/sqrt(pi) as hi + lo */
    const double c_hi = 0x1.20dd750429b6dp+0, c_lo = 0x1.1ae3a914fed80p-56;
    return x * (c_hi + (c_lo + c_hi * sum));
}

/* exp(x^2) erfc(x) for x >= 6 by its continued fraction (backward, fixed depth) */
static double erfc_cf(double x)
{
    double f = x;
    for (int k = 60; k >= 1; k--)
        f = x + (0.5 * k) / f;
    return rt_pi_inv / f;
}

double cas_erfc(double x)
{
    if (x != x)
        return x + x;
    if (x < 0)
        return 2.0 - cas_erfc(-x);
    if (x < ERFC_LO)
        return 1.0 - erf_small(x);
    if (x > 27.3)
        return 0.0;
    double g;
    if (x < ERFC_HI) {
        int i = (int)((x - ERFC_LO) / ERFC_STEP);
        double t = x - (ERFC_LO + (i + 0.5) * ERFC_STEP);
        const double *c = erfc_tab[i];
        g = c[ERFC_DEG];
        for (int k = ERFC_DEG - 1; k >= 0; k--)
            g = g * t + c[k];
    } else {
        g = erfc_cf(x);
    }
    return exp_minus_sq(x) * g;
}

/* ---- lgamma ---- */

/* clang-format off */
double cas_lgamma(double x)
{
    if (!(x >= 1))
        return NAN;
    if (x == INFINITY)
        return x;
    double shift = 0.0; /* log of the product x (x + 1) ... while x < 10 */
    double prod = 1.0;
    while (x < 10) {
        prod *= x;
        x += 1;
    }
    if (prod != 1.0)
        shift = cas_log(prod);
    /* Stirling: (x - 1/2) log x - x + log(2 pi)/2 + sum B_2k / (2k (2k - 1) x^(2k - 1)) */
    double z = 1.0 / (x * x);
    double series = (1.0 / 12 + z * (-1.0 / 360 + z * (1.0 / 1260 + z * (-1.0 / 1680 +
                     z * (1.0 / 1188 + z * (-691.0 / 360360 + z * (1.0 / 156 +
                     z * (-3617.0 / 122400)))))))) / x;
    const double half_log_2pi = 0x1.d67f1c864beb5p-1;
    double lx = cas_log(x);
    return ((x - 0.5) * lx - x) + (half_log_2pi + series) - shift;
}
/* clang-format on */

double cas_pow10(int n)
{
    static const double p[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (n >= 0)
        return n <= 22 ? p[n] : INFINITY;
    return n >= -22 ? 1.0 / p[-n] : 0.0;
}
