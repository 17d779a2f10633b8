/* test_stats: each statistic on synthetic series whose answer is known. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "cascade/rng.h"
#include "cascade/stats.h"

enum { N = 200000 };
static double x[N];

Test(stats, small_exact_cases)
{
    const double v[] = {1, 2, 3, 4};
    cr_assert_float_eq(cas_stats_mean(v, 4), 2.5, 1e-12);
    cr_assert_float_eq(cas_stats_variance(v, 4), 1.25, 1e-12);
    /* m4 = (2*1.5^4 + 2*0.5^4)/4 = 2.5625; m2 = 1.25: 2.5625/1.5625 - 3 */
    cr_assert_float_eq(cas_stats_excess_kurtosis(v, 4), 2.5625 / 1.5625 - 3, 1e-12);
    /* lag 1: d = -1.5,-.5,.5,1.5: num = .75 - .25 + .75 = 1.25; den = 5 */
    cr_assert_float_eq(cas_stats_acf(v, 4, 1), 0.25, 1e-12);
    cr_assert(isnan(cas_stats_excess_kurtosis(v, 3)));
    const double flat[] = {2, 2, 2, 2, 2};
    cr_assert(isnan(cas_stats_acf(flat, 5, 1)));
    cr_assert(isnan(cas_stats_excess_kurtosis(flat, 5)));
}

Test(stats, gaussian_has_no_excess_kurtosis_nor_memory)
{
    struct cas_rng r;
    cas_rng_init(&r, 5, 5);
    for (int i = 0; i < N; i++)
        x[i] = cas_rng_normal(&r, 0, 1);
    cr_assert_lt(fabs(cas_stats_excess_kurtosis(x, N)), 0.05);
    cr_assert_lt(fabs(cas_stats_acf(x, N, 1)), 0.01);
    cr_assert_lt(fabs(cas_stats_acf_abs(x, N, 1)), 0.01);
}

/* Laplace returns: excess kurtosis 3. */
Test(stats, laplace_kurtosis_is_three)
{
    struct cas_rng r;
    cas_rng_init(&r, 6, 6);
    for (int i = 0; i < N; i++)
        x[i] = cas_rng_exponential(&r, 1) * (cas_rng_bernoulli(&r, 0.5) ? 1 : -1);
    double k = cas_stats_excess_kurtosis(x, N);
    cr_assert_lt(fabs(k - 3), 0.25, "kurtosis %f", k);
}

/* AR(1) with phi 0.6: acf(lag) = 0.6^lag. */
Test(stats, ar1_autocorrelation_decays_geometrically)
{
    struct cas_rng r;
    cas_rng_init(&r, 7, 7);
    x[0] = 0;
    for (int i = 1; i < N; i++)
        x[i] = 0.6 * x[i - 1] + cas_rng_normal(&r, 0, 1);
    cr_assert_lt(fabs(cas_stats_acf(x, N, 1) - 0.6), 0.01);
    cr_assert_lt(fabs(cas_stats_acf(x, N, 3) - 0.216), 0.015);
}

/* Volatility clustering: |r| correlated while r is not (a two-state regime). */
Test(stats, volatility_clustering_shows_in_abs_acf_only)
{
    struct cas_rng r;
    cas_rng_init(&r, 8, 8);
    double sd = 1;
    for (int i = 0; i < N; i++) {
        if (cas_rng_bernoulli(&r, 0.01))
            sd = sd == 1 ? 4 : 1;
        x[i] = cas_rng_normal(&r, 0, sd);
    }
    cr_assert_lt(fabs(cas_stats_acf(x, N, 1)), 0.01);
    cr_assert_gt(cas_stats_acf_abs(x, N, 1), 0.2);
}

/* Student-t with 3 degrees of freedom: Z / sqrt(chi2_3 / 3); tail index 3.
 * Gaussian tails are much thinner: the same estimator gives far more. */
Test(stats, hill_index_of_student_t3_is_three)
{
    struct cas_rng r;
    cas_rng_init(&r, 9, 9);
    for (int i = 0; i < N; i++) {
        double chi = 0;
        for (int k = 0; k < 3; k++) {
            double z = cas_rng_normal(&r, 0, 1);
            chi += z * z;
        }
        x[i] = cas_rng_normal(&r, 0, 1) / sqrt(chi / 3);
    }
    double h = cas_stats_hill(x, N, N / 200);
    cr_assert_lt(fabs(h - 3), 0.4, "Hill index %f", h);
    for (int i = 0; i < N; i++)
        x[i] = cas_rng_normal(&r, 0, 1);
    cr_assert_gt(cas_stats_hill(x, N, N / 200), 5);
    cr_assert(isnan(cas_stats_hill(x, 10, 0)));
}

/* GARCH(1,1): returns uncorrelated, |returns| correlated for a long time. */
Test(stats, garch_absolute_returns_decay_slowly)
{
    struct cas_rng r;
    cas_rng_init(&r, 10, 10);
    double omega = 1e-6, alpha = 0.09, beta = 0.9, var = omega / (1 - alpha - beta), prev = 0;
    for (int i = 0; i < N; i++) {
        var = omega + alpha * prev * prev + beta * var;
        prev = x[i] = sqrt(var) * cas_rng_normal(&r, 0, 1);
    }
    cr_assert_lt(fabs(cas_stats_acf(x, N, 1)), 0.02);
    double a1 = cas_stats_acf_abs(x, N, 1), a50 = cas_stats_acf_abs(x, N, 50);
    cr_assert_gt(a1, 0.15, "acf |r| lag 1 %f", a1);
    cr_assert_gt(a50, 0.03, "acf |r| lag 50 %f", a50);
    cr_assert_lt(a50, a1);
}
