/* stats: descriptive statistics of return series (stylized facts).
 * Each function borrows its input and returns NaN where the statistic is
 * undefined (too few values, or zero variance). */
#ifndef CASCADE_STATS_H
#define CASCADE_STATS_H

#include <stdbool.h>
#include <stddef.h>

double cas_stats_mean(const double *x, size_t n);
/* Population variance (divides by n). */
double cas_stats_variance(const double *x, size_t n);
/* m4 / m2^2 - 3 with population moments: near 0 for Gaussian data. */
double cas_stats_excess_kurtosis(const double *x, size_t n);
/* Sample autocorrelation at `lag`: sum (x_t - m)(x_{t+lag} - m) / sum (x_t - m)^2. */
double cas_stats_acf(const double *x, size_t n, size_t lag);
/* The same for |x_t|. */
double cas_stats_acf_abs(const double *x, size_t n, size_t lag);
/* out[k] = cas_stats_acf (or _acf_abs when `absolute`) at lag k + 1, for lags
 * 1..lags, with the mean and the denominator computed once. */
void cas_stats_acfs(const double *x, size_t n, bool absolute, size_t lags, double *out);
/* Hill estimator of the tail index of |x| from its k largest values:
 * 1 / mean(log(|x|_(i) / |x|_(k+1))), i = 1..k. NaN unless 0 < k < n and the
 * (k+1)-th largest |x| is positive. About 3 for Student-t returns with 3
 * degrees of freedom; large (thin tails) for Gaussian ones. */
double cas_stats_hill(const double *x, size_t n, size_t k);

#endif
