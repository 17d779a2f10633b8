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

/* The measures of summary.json's stylized block, worked by hand on small series. */
Test(stats, stylized_measures_by_hand)
{
    /* Hill, k = 2 of |x| = 8, 4, 2, 1, 1: the floor is the third largest, 2;
     * mean(log(8/2), log(4/2)) = 1.5 log 2 */
    const double h[] = {1, -8, 2, 4, -1};
    cr_assert_float_eq(cas_stats_hill(h, 5, 2), 1 / (1.5 * log(2)), 1e-12);
    /* 1..8: quartiles at h = 1.75 and 5.25 (type 7): 2.75 and 6.25, IQR 3.5; the
     * population variance 5.25 */
    const double v[] = {8, 1, 7, 2, 6, 3, 5, 4};
    cr_assert_float_eq(cas_stats_quantile(v, 8, 0.25), 2.75, 1e-12);
    cr_assert_float_eq(cas_stats_quantile(v, 8, 0.75), 6.25, 1e-12);
    cr_assert_float_eq(cas_stats_quantile(v, 8, 0.5), 4.5, 1e-12);
    cr_assert_float_eq(cas_stats_quantile(v, 8, 1), 8, 1e-12);
    cr_assert_float_eq(cas_stats_std_over_iqr(v, 8), sqrt(5.25) / 3.5, 1e-12);
    cr_assert(isnan(cas_stats_std_over_iqr(v, 1)));
    const double flat_body[] = {0, 0, 0, 0, 0, 0, 0, 1}; /* IQR 0 */
    cr_assert(isnan(cas_stats_std_over_iqr(flat_body, 8)));
    /* 1, -1, 1, -1, ... (n = 6, mean 0, den 6): acf at lag k = (-1)^k (6 - k) / 6;
     * |x| is constant, so its acf is undefined */
    const double alt[] = {1, -1, 1, -1, 1, -1};
    cr_assert_float_eq(cas_stats_acf_mean(alt, 6, false, 1, 2), (-5.0 / 6 + 4.0 / 6) / 2, 1e-12);
    cr_assert_float_eq(cas_stats_acf_mean(alt, 6, false, 2, 4), (4.0 / 6 - 3.0 / 6 + 2.0 / 6) / 3,
                       1e-12);
    cr_assert(isnan(cas_stats_acf_mean(alt, 6, true, 1, 2)));
    /* lag 5 has one pair: too few, so the mean over lags 2..5 is undefined */
    cr_assert(isnan(cas_stats_acf_mean(alt, 6, false, 2, 5)));
    cr_assert(isnan(cas_stats_acf_mean(alt, 6, false, 0, 2)));
}

/* std / IQR: 1 / (2 x 0.6745) = 0.741 for Gaussian returns; about 1.7 for BTC's
 * 1-minute returns; Student-t with 3 degrees of freedom (std sqrt 3, IQR 2 x 0.7649)
 * gives 1.13. */
Test(stats, std_over_iqr_of_known_distributions)
{
    struct cas_rng r;
    cas_rng_init(&r, 11, 11);
    for (int i = 0; i < N; i++)
        x[i] = cas_rng_normal(&r, 0, 1);
    double g = cas_stats_std_over_iqr(x, N);
    cr_assert_lt(fabs(g - 0.7413), 0.01, "Gaussian std / IQR %f", g);
    for (int i = 0; i < N; i++) {
        double chi = 0;
        for (int k = 0; k < 3; k++) {
            double z = cas_rng_normal(&r, 0, 1);
            chi += z * z;
        }
        x[i] = cas_rng_normal(&r, 0, 1) / sqrt(chi / 3);
    }
    double t = cas_stats_std_over_iqr(x, N);
    cr_assert_gt(t, 1.0, "Student-t3 std / IQR %f", t); /* its sample std converges slowly */
    cr_assert_lt(t, 1.4, "Student-t3 std / IQR %f", t);
}
