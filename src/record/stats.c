/* stats: moments and autocorrelations of return series, two-pass for accuracy. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cascade/fmath.h"
#include "cascade/stats.h"

double cas_stats_mean(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

double cas_stats_variance(const double *x, size_t n)
{
    if (n < 2)
        return NAN;
    double m = cas_stats_mean(x, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return s / (double)n;
}

double cas_stats_excess_kurtosis(const double *x, size_t n)
{
    if (n < 4)
        return NAN;
    double m = cas_stats_mean(x, n), m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (x[i] - m) * (x[i] - m);
        m2 += d;
        m4 += d * d;
    }
    m2 /= (double)n;
    m4 /= (double)n;
    if (!(m2 > 0))
        return NAN;
    return m4 / (m2 * m2) - 3.0;
}

static double acf(const double *x, size_t n, size_t lag, bool absolute)
{
    if (lag == 0 || n < lag + 2)
        return NAN;
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m += absolute ? fabs(x[i]) : x[i];
    m /= (double)n;
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (absolute ? fabs(x[i]) : x[i]) - m;
        den += d * d;
        if (i + lag < n)
            num += d * ((absolute ? fabs(x[i + lag]) : x[i + lag]) - m);
    }
    return den > 0 ? num / den : NAN;
}

double cas_stats_acf(const double *x, size_t n, size_t lag)
{
    return acf(x, n, lag, false);
}

double cas_stats_acf_abs(const double *x, size_t n, size_t lag)
{
    return acf(x, n, lag, true);
}

static int by_size_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

double cas_stats_hill(const double *x, size_t n, size_t k)
{
    if (k == 0 || k >= n)
        return NAN;
    double *a = malloc(n * sizeof *a);
    if (!a)
        return NAN;
    for (size_t i = 0; i < n; i++)
        a[i] = fabs(x[i]);
    qsort(a, n, sizeof *a, by_size_desc);
    double floor_value = a[k], sum = 0;
    if (floor_value > 0)
        for (size_t i = 0; i < k; i++)
            sum += cas_log(a[i] / floor_value);
    free(a);
    return floor_value > 0 && sum > 0 ? (double)k / sum : NAN;
}
