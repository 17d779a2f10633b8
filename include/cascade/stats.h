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
/* The mean of the autocorrelations (of |x_t| when `absolute`) at lags from..to
 * inclusive; NaN when any of them is (a lag with fewer than 2 pairs). */
double cas_stats_acf_mean(const double *x, size_t n, bool absolute, size_t from, size_t to);
/* The q-quantile (0 <= q <= 1) of x, interpolated linearly between order
 * statistics: with x sorted, x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] -
 * x[floor(h)]), h = q (n - 1) (R's type 7, numpy's default). NaN when n == 0. */
double cas_stats_quantile(const double *x, size_t n, double q);
/* The standard deviation (population: divides by n) over the inter-quartile
 * range, quantile 0.75 - quantile 0.25: 1 / 1.349 = 0.741 for Gaussian data,
 * larger for fat tails around a narrow body. NaN when n < 2 or the IQR is 0. */
double cas_stats_std_over_iqr(const double *x, size_t n);
/* Hill estimator of the tail index of |x| from its k largest values:
 * 1 / mean(log(|x|_(i) / |x|_(k+1))), i = 1..k. NaN unless 0 < k < n and the
 * (k+1)-th largest |x| is positive. About 3 for Student-t returns with 3
 * degrees of freedom; large (thin tails) for Gaussian ones. */
double cas_stats_hill(const double *x, size_t n, size_t k);

#endif
