/* stats: moments and autocorrelations of return series, two-pass for accuracy. */
#include <math.h>
#include <stdbool.h>

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
