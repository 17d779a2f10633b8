/* stats: moments and autocorrelations of return series, two-pass for accuracy. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

static double value(const double *x, size_t i, bool absolute)
{
    return absolute ? fabs(x[i]) : x[i];
}

/* The series' mean and its sum of squared deviations: what every lag divides by. */
static void acf_base(const double *x, size_t n, bool absolute, double *mean, double *den)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m += value(x, i, absolute);
    m /= (double)n;
    double d2 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = value(x, i, absolute) - m;
        d2 += d * d;
    }
    *mean = m;
    *den = d2;
}

static double acf_at(const double *x, size_t n, size_t lag, bool absolute, double m, double den)
{
    if (lag == 0 || n < lag + 2)
        return NAN;
    double num = 0;
    for (size_t i = 0; i + lag < n; i++)
        num += (value(x, i, absolute) - m) * (value(x, i + lag, absolute) - m);
    return den > 0 ? num / den : NAN;
}

static double acf(const double *x, size_t n, size_t lag, bool absolute)
{
    if (lag == 0 || n < lag + 2)
        return NAN;
    double m, den;
    acf_base(x, n, absolute, &m, &den);
    return acf_at(x, n, lag, absolute, m, den);
}

void cas_stats_acfs(const double *x, size_t n, bool absolute, size_t lags, double *out)
{
    double m = NAN, den = 0;
    if (n >= 3)
        acf_base(x, n, absolute, &m, &den);
    for (size_t lag = 1; lag <= lags; lag++)
        out[lag - 1] = acf_at(x, n, lag, absolute, m, den);
}

double cas_stats_acf(const double *x, size_t n, size_t lag)
{
    return acf(x, n, lag, false);
}

double cas_stats_acf_abs(const double *x, size_t n, size_t lag)
{
    return acf(x, n, lag, true);
}

double cas_stats_acf_mean(const double *x, size_t n, bool absolute, size_t from, size_t to)
{
    if (from == 0 || to < from || n < to + 2)
        return NAN;
    double m, den, sum = 0;
    acf_base(x, n, absolute, &m, &den);
    for (size_t lag = from; lag <= to; lag++)
        sum += acf_at(x, n, lag, absolute, m, den);
    return sum / (double)(to - from + 1);
}

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of v[n], sorted ascending. */
static double quantile_sorted(const double *v, size_t n, double q)
{
    double h = q * (double)(n - 1);
    size_t lo = (size_t)h;
    if (lo + 1 >= n)
        return v[n - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* x[0..n) copied and sorted ascending (free it); NULL when out of memory. */
static double *sorted_copy(const double *x, size_t n)
{
    double *v = malloc(n * sizeof *v);
    if (!v)
        return NULL;
    memcpy(v, x, n * sizeof *v);
    qsort(v, n, sizeof *v, ascending);
    return v;
}

double cas_stats_quantile(const double *x, size_t n, double q)
{
    if (n == 0 || !(q >= 0 && q <= 1))
        return NAN;
    double *v = sorted_copy(x, n);
    if (!v)
        return NAN;
    double r = quantile_sorted(v, n, q);
    free(v);
    return r;
}

double cas_stats_std_over_iqr(const double *x, size_t n)
{
    if (n < 2)
        return NAN;
    double *v = sorted_copy(x, n);
    if (!v)
        return NAN;
    double iqr = quantile_sorted(v, n, 0.75) - quantile_sorted(v, n, 0.25);
    free(v);
    double sd = sqrt(cas_stats_variance(x, n));
    return iqr > 0 ? sd / iqr : NAN;
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
