/* test_rng: PCG32 against the reference demo, and every distribution's moments. */
#include <criterion/criterion.h>
#include <math.h>

#include "cascade/rng.h"

/* pcg32-demo (pcg-c), round 1, seeded with initstate 42 and initseq 54. */
Test(rng, matches_reference_demo)
{
    struct cas_rng r;
    cas_rng_init(&r, 42, 54);
    cr_assert_eq(r.inc, 109u);
    cr_assert_eq(r.state, 1753877967969059832ULL);

    static const uint32_t numbers[] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                       0x83d2f293, 0xbfa4784b, 0xcbed606e};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(cas_rng_u32(&r), numbers[i], "number %d", i);

    static const char coins[] = "HHTTTHTHHHTHTTTHHHHHTTTHHHTHTHTHTTHTTTHHHHHHTTTTHHTTTTTHTTTTTTTHT";
    for (int i = 0; coins[i]; i++)
        cr_assert_eq(cas_rng_bounded(&r, 2) ? 'H' : 'T', coins[i], "coin %d", i);

    static const int rolls[] = {3, 4, 1, 1, 2, 2, 3, 2, 4, 3, 2, 4, 3, 3, 5, 2, 3,
                                1, 3, 1, 5, 1, 4, 1, 5, 6, 4, 6, 6, 2, 6, 3, 3};
    for (int i = 0; i < 33; i++)
        cr_assert_eq((int)cas_rng_bounded(&r, 6) + 1, rolls[i], "roll %d", i);
}

Test(rng, streams_differ_and_derive_is_deterministic)
{
    struct cas_rng a, b, c;
    cas_rng_init(&a, 7, 1);
    cas_rng_init(&b, 7, 2);
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += cas_rng_u32(&a) == cas_rng_u32(&b);
    cr_assert_lt(same, 3);

    cas_rng_derive(&a, 99, 1, 5);
    cas_rng_derive(&b, 99, 1, 5);
    cas_rng_derive(&c, 99, 1, 6);
    same = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = cas_rng_u32(&a);
        cr_assert_eq(x, cas_rng_u32(&b));
        same += x == cas_rng_u32(&c);
    }
    cr_assert_lt(same, 3);
}

/* Chi-square over a bound that does not divide 2^32: a biased reduction of a
 * large bound shows; 3e9 keeps the bias of plain modulo visible (values below
 * 2^32 - 3e9 would appear twice as often). */
Test(rng, bounded_is_unbiased)
{
    struct cas_rng r;
    cas_rng_init(&r, 1, 1);
    enum { N = 700000, K = 7 };
    long count[K] = {0};
    for (int i = 0; i < N; i++) {
        uint32_t x = cas_rng_bounded(&r, K);
        cr_assert_lt(x, (uint32_t)K);
        count[x]++;
    }
    double chi2 = 0, e = (double)N / K;
    for (int k = 0; k < K; k++)
        chi2 += (count[k] - e) * (count[k] - e) / e;
    cr_assert_lt(chi2, 22.5, "chi2 %f (6 dof, p=0.001)", chi2);

    /* Large bound: with modulo bias, the lower third would hold ~43% not 33%. */
    const uint32_t big = 3000000000u;
    long low = 0;
    for (int i = 0; i < 200000; i++)
        low += cas_rng_bounded(&r, big) < big / 3;
    cr_assert_lt(fabs(low / 200000.0 - 1.0 / 3), 0.006, "low fraction %f", low / 200000.0);
}

Test(rng, range_covers_inclusive_bounds)
{
    struct cas_rng r;
    cas_rng_init(&r, 3, 3);
    bool seen_lo = false, seen_hi = false;
    for (int i = 0; i < 10000; i++) {
        int64_t x = cas_rng_range(&r, -2, 2);
        cr_assert(x >= -2 && x <= 2);
        seen_lo |= x == -2;
        seen_hi |= x == 2;
    }
    cr_assert(seen_lo && seen_hi);
    cr_assert_eq(cas_rng_range(&r, 5, 5), 5);
}

struct moments {
    double mean, var, skew, exkurt;
};

static struct moments moments_of(const double *x, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m += x[i];
    m /= n;
    double m2 = 0, m3 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double d = x[i] - m;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    return (struct moments){m, m2, m3 / pow(m2, 1.5), m4 / (m2 * m2) - 3};
}

enum { N = 400000 };
static double xs[N];

Test(rng, double_in_unit_interval_and_uniform)
{
    struct cas_rng r;
    cas_rng_init(&r, 11, 0);
    for (int i = 0; i < N; i++) {
        xs[i] = cas_rng_double(&r);
        cr_assert(xs[i] >= 0 && xs[i] < 1);
    }
    struct moments m = moments_of(xs, N);
    cr_assert_lt(fabs(m.mean - 0.5), 0.002);
    cr_assert_lt(fabs(m.var - 1.0 / 12), 0.001);
    cr_assert_lt(fabs(m.exkurt + 1.2), 0.02);

    for (int i = 0; i < N; i++)
        xs[i] = cas_rng_uniform(&r, -3, 5);
    m = moments_of(xs, N);
    cr_assert_lt(fabs(m.mean - 1), 0.02);
    cr_assert_lt(fabs(m.var - 64.0 / 12), 0.05);
}

Test(rng, normal_moments)
{
    struct cas_rng r;
    cas_rng_init(&r, 12, 0);
    for (int i = 0; i < N; i++)
        xs[i] = cas_rng_normal(&r, 2, 3);
    struct moments m = moments_of(xs, N);
    cr_assert_lt(fabs(m.mean - 2), 0.02, "mean %f", m.mean);
    cr_assert_lt(fabs(m.var - 9), 0.1, "var %f", m.var);
    cr_assert_lt(fabs(m.skew), 0.02, "skew %f", m.skew);
    cr_assert_lt(fabs(m.exkurt), 0.04, "excess kurtosis %f", m.exkurt);
}

Test(rng, exponential_moments)
{
    struct cas_rng r;
    cas_rng_init(&r, 13, 0);
    for (int i = 0; i < N; i++) {
        xs[i] = cas_rng_exponential(&r, 4);
        cr_assert(xs[i] >= 0);
    }
    struct moments m = moments_of(xs, N);
    cr_assert_lt(fabs(m.mean - 0.25), 0.002, "mean %f", m.mean);
    cr_assert_lt(fabs(m.var - 0.0625), 0.001, "var %f", m.var);
    cr_assert_lt(fabs(m.skew - 2), 0.05, "skew %f", m.skew);
}

/* The ziggurat's distribution, not only its moments: the counts of 2,000,000
 * draws in 40 bins of equal probability (the last bin is the tail beyond
 * log 40 = 3.7) pass a chi-square test at the 1e-4 level (critical value
 * 77.9 for 39 degrees of freedom), and the far tail beyond the base layer's
 * edge R = 7.697 (probability e^-R = 4.5e-4) and beyond 2R, drawn as
 * R + Exp(1), holds the expected share within 5 standard errors. */
Test(rng, exponential_distribution_and_tail)
{
    enum { DRAWS = 2000000, BINS = 40 };
    struct cas_rng r;
    cas_rng_init(&r, 15, 0);
    static unsigned counts[BINS];
    unsigned beyond_r = 0, beyond_2r = 0;
    const double R = 7.69711747013104972;
    for (int k = 0; k < DRAWS; k++) {
        double x = cas_rng_exponential(&r, 1);
        /* bin j holds F(x) = 1 - e^-x in [j / BINS, (j + 1) / BINS) */
        int j = (int)(-expm1(-x) * BINS);
        counts[j < BINS ? j : BINS - 1]++;
        beyond_r += x > R;
        beyond_2r += x > 2 * R;
    }
    double expect = (double)DRAWS / BINS, chi2 = 0;
    for (int j = 0; j < BINS; j++)
        chi2 += (counts[j] - expect) * (counts[j] - expect) / expect;
    cr_assert_lt(chi2, 77.9, "chi-square %f", chi2);
    double tail = DRAWS * exp(-R), tail2 = DRAWS * exp(-2 * R);
    cr_assert_lt(fabs(beyond_r - tail), 5 * sqrt(tail), "beyond R: %u, expected %f", beyond_r,
                 tail);
    cr_assert_lt(fabs(beyond_2r - tail2), 5 * sqrt(tail2) + 1, "beyond 2R: %u, expected %f",
                 beyond_2r, tail2);
}

Test(rng, lognormal_moments)
{
    struct cas_rng r;
    cas_rng_init(&r, 14, 0);
    for (int i = 0; i < N; i++)
        xs[i] = log(cas_rng_lognormal(&r, 0.5, 0.4));
    struct moments m = moments_of(xs, N);
    cr_assert_lt(fabs(m.mean - 0.5), 0.003);
    cr_assert_lt(fabs(m.var - 0.16), 0.002);
    for (int i = 0; i < N; i++)
        xs[i] = cas_rng_lognormal(&r, 0.5, 0.4);
    m = moments_of(xs, N);
    double mean = exp(0.5 + 0.08);
    cr_assert_lt(fabs(m.mean - mean), 0.01, "mean %f want %f", m.mean, mean);
}

/* Both branches: product of uniforms below 10, PTRS above. */
Test(rng, poisson_moments)
{
    static const double means[] = {0.3, 3.5, 9.9, 10, 47, 1000};
    struct cas_rng r;
    cas_rng_init(&r, 15, 0);
    for (size_t k = 0; k < sizeof means / sizeof *means; k++) {
        double lambda = means[k];
        for (int i = 0; i < N; i++)
            xs[i] = (double)cas_rng_poisson(&r, lambda);
        struct moments m = moments_of(xs, N);
        double se = sqrt(lambda / N);
        cr_assert_lt(fabs(m.mean - lambda), 5 * se, "mean %f for %f", m.mean, lambda);
        cr_assert_lt(fabs(m.var / lambda - 1), 0.02, "var %f for %f", m.var, lambda);
        cr_assert_lt(fabs(m.skew - 1 / sqrt(lambda)), 0.03, "skew %f for %f", m.skew, lambda);
    }
    cr_assert_eq(cas_rng_poisson(&r, 0), 0u);
}

/* Marsaglia & Tsang's gamma, above 1 and boosted below it: the mean, variance and skewness
 * of Gamma(k, 1) are k, k and 2 / sqrt(k); at shape 1 it is Exp(1), whose deciles are
 * -log(1 - j / 10). */
Test(rng, gamma_moments)
{
    static const double shapes[] = {0.25, 0.9, 1, 3.5, 1000};
    struct cas_rng r;
    cas_rng_init(&r, 19, 0);
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        double a = shapes[k];
        for (int i = 0; i < N; i++)
            xs[i] = cas_rng_gamma(&r, a);
        struct moments m = moments_of(xs, N);
        cr_assert_lt(fabs(m.mean - a), 5 * sqrt(a / N), "mean %f for %f", m.mean, a);
        cr_assert_lt(fabs(m.var / a - 1), a < 1 ? 0.05 : 0.02, "var %f for %f", m.var, a);
        cr_assert_lt(fabs(m.skew / (2 / sqrt(a)) - 1), a < 1 ? 0.1 : 0.05, "skew %f for %f", m.skew,
                     a);
    }
    long below[9] = {0};
    for (int i = 0; i < N; i++) {
        double x = cas_rng_gamma(&r, 1);
        for (int j = 1; j <= 9; j++)
            below[j - 1] += x < -log(1 - j / 10.0);
    }
    for (int j = 1; j <= 9; j++)
        cr_assert_lt(fabs((double)below[j - 1] / N - j / 10.0), 5 * sqrt(0.25 / N), "decile %d: %f",
                     j, (double)below[j - 1] / N);
    cr_assert_eq(cas_rng_gamma(&r, 0), 0);
}

Test(rng, bernoulli_frequency)
{
    struct cas_rng r;
    cas_rng_init(&r, 16, 0);
    long hits = 0;
    for (int i = 0; i < N; i++)
        hits += cas_rng_bernoulli(&r, 0.3);
    cr_assert_lt(fabs(hits / (double)N - 0.3), 0.004);
    cr_assert_eq(cas_rng_bernoulli(&r, 0), 0);
    cr_assert_eq(cas_rng_bernoulli(&r, 1), 1);
}

Test(rng, shuffle_is_a_uniform_permutation)
{
    struct cas_rng r;
    cas_rng_init(&r, 17, 0);
    long first[4] = {0};
    for (int t = 0; t < 40000; t++) {
        uint32_t v[4] = {0, 1, 2, 3};
        cas_rng_shuffle_u32(&r, v, 4);
        int seen = 0;
        for (int i = 0; i < 4; i++)
            seen |= 1 << v[i];
        cr_assert_eq(seen, 15);
        first[v[0]]++;
    }
    for (int i = 0; i < 4; i++)
        cr_assert_lt(fabs(first[i] / 40000.0 - 0.25), 0.01);
}
