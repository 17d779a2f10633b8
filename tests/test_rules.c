/* test_rules: index processes, marks, funding, price bands, stop orders and dynamic margin.
 *
 * Figures in the mark, funding and band tests are worked by hand in the
 * comments beside them; the GBM tests compare sample moments of many steps
 * against the parameters with tolerances of several standard errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/rules.h"

/* ---- index: GBM ---- */

struct moments {
    double mean, var;
};

/* Mean and population variance of `steps` one-step log returns. */
static struct moments gbm_moments(const struct cas_gbm_params *p, uint64_t seed, int steps)
{
    struct cas_rng rng;
    cas_rng_init(&rng, seed, 7);
    struct cas_index ix;
    cas_index_init_gbm(&ix, 1e6, p, &rng);
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < steps; i++) {
        double before = ix.price;
        double r = log(cas_index_advance(&ix, i + 1) / before);
        sum += r;
        sum_sq += r * r;
    }
    cas_index_release(&ix);
    double mean = sum / steps;
    return (struct moments){mean, sum_sq / steps - mean * mean};
}

Test(index, gbm_log_returns_have_drift_minus_half_variance)
{
    struct cas_gbm_params p = {.drift = 0.0005, .vol = 0.05};
    struct moments m = gbm_moments(&p, 11, 200000);
    /* mean = 0.0005 - 0.00125 = -0.00075; SE = 0.05 / sqrt(2e5) = 1.1e-4 */
    cr_assert(fabs(m.mean - (-0.00075)) < 5e-4, "mean %g", m.mean);
    /* variance = vol^2 = 0.0025; SE about 0.0025 * sqrt(2 / 2e5) = 8e-6 */
    cr_assert(fabs(m.var - 0.0025) < 5e-5, "variance %g", m.var);
}

Test(index, gbm_jumps_add_rate_times_jump_moments)
{
    struct cas_gbm_params p = {
        .drift = 0, .vol = 0.01, .jump_rate = 0.1, .jump_mean = -0.02, .jump_sd = 0.03};
    struct moments m = gbm_moments(&p, 12, 200000);
    /* mean = -vol^2/2 + rate * jump_mean = -0.00005 - 0.002 = -0.00205 */
    cr_assert(fabs(m.mean - (-0.00205)) < 2e-4, "mean %g", m.mean);
    /* variance = vol^2 + rate * (jump_sd^2 + jump_mean^2) = 0.0001 + 0.00013 */
    cr_assert(fabs(m.var - 0.00023) < 0.05 * 0.00023, "variance %g", m.var);
}

Test(index, gbm_is_determined_by_its_stream)
{
    struct cas_gbm_params p = {.drift = 0, .vol = 0.02, .jump_rate = 0.05, .jump_sd = 0.05};
    struct cas_rng a, b, c;
    cas_rng_init(&a, 99, 1);
    cas_rng_init(&b, 99, 1);
    cas_rng_init(&c, 99, 2);
    struct cas_index x, y, z;
    cas_index_init_gbm(&x, 5000, &p, &a);
    cas_index_init_gbm(&y, 5000, &p, &b);
    cas_index_init_gbm(&z, 5000, &p, &c);
    bool differs = false;
    for (cas_step s = 1; s <= 1000; s++) {
        double px = cas_index_advance(&x, s), py = cas_index_advance(&y, s);
        cr_assert(px == py, "step %lld: %.17g != %.17g", (long long)s, px, py);
        cr_assert(px > 0);
        differs |= cas_index_advance(&z, s) != px;
    }
    cr_assert(differs, "another stream must give another path");
}

/* The multifractal clock (Calvet & Fisher 2004): the activity is a product of K
 * multipliers, each m0 or 2 - m0, so its mean is 1 and the variance of the log returns
 * stays vol^2 over a long run; multiplier i changes (a fresh draw that differs) at half
 * its rate; the returns' kurtosis is far above a Gaussian's 3, and |r| remembers its past
 * over the horizons of the slow multipliers. */
Test(index, multifractal_clock_keeps_the_variance_and_clusters_it)
{
    struct cas_gbm_params p = {
        .vol = 0.001, .msm_k = 3, .msm_m0 = 1.6, .msm_rate = {0.1, 0.01, 0.001}};
    struct cas_rng rng;
    cas_rng_init(&rng, 31, 1);
    struct cas_index ix;
    cas_index_init_gbm(&ix, 1e6, &p, &rng);
    enum { STEPS = 400000, BLOCK = 100 };
    static double r[STEPS];
    double sum_a = 0, prev = ix.price, m[3] = {0};
    unsigned changes[3] = {0};
    for (cas_step s = 1; s <= STEPS; s++) {
        double px = cas_index_advance(&ix, s);
        r[s - 1] = log(px / prev);
        prev = px;
        sum_a += ix.activity;
        double prod = 1;
        for (int k = 0; k < 3; k++) {
            cr_assert(ix.msm_m[k] == 1.6 || ix.msm_m[k] == 2.0 - 1.6,
                      "a multiplier is m0 or 2 - m0");
            changes[k] += s > 1 && ix.msm_m[k] != m[k];
            m[k] = ix.msm_m[k];
            prod *= m[k];
        }
        cr_assert(ix.activity == prod, "the activity is the product of the multipliers");
    }
    cas_index_release(&ix);
    cr_assert(fabs(sum_a / STEPS - 1) < 0.15, "mean activity %g", sum_a / STEPS);
    for (int k = 0; k < 3; k++) {
        double expect = 0.5 * p.msm_rate[k] * STEPS;
        cr_assert(fabs(changes[k] - expect) < 0.25 * expect, "multiplier %d changed %u times", k,
                  changes[k]);
    }
    double s2 = 0, s4 = 0;
    for (int i = 0; i < STEPS; i++) {
        s2 += r[i] * r[i];
        s4 += r[i] * r[i] * r[i] * r[i];
    }
    double var = s2 / STEPS, kurt = s4 / STEPS / (var * var);
    cr_assert(fabs(var / (p.vol * p.vol) - 1) < 0.15, "variance %g of vol^2", var / 1e-6);
    cr_assert(kurt > 4, "kurtosis %g", kurt);
    /* |r| summed over blocks of 100 steps: correlated with the block 10 blocks later */
    static double b[STEPS / BLOCK];
    double mean = 0;
    for (int i = 0; i < STEPS / BLOCK; i++) {
        b[i] = 0;
        for (int j = 0; j < BLOCK; j++)
            b[i] += fabs(r[i * BLOCK + j]);
        mean += b[i] / (STEPS / BLOCK);
    }
    double c0 = 0, c10 = 0;
    for (int i = 0; i < STEPS / BLOCK; i++)
        c0 += (b[i] - mean) * (b[i] - mean);
    for (int i = 0; i + 10 < STEPS / BLOCK; i++)
        c10 += (b[i] - mean) * (b[i + 10] - mean);
    cr_assert(c10 / c0 > 0.08, "acf of block |r| at 10 blocks %g", c10 / c0);
}

/* The square-root clock (Heston's variance, Cox, Ingersoll & Ross's process): its factor
 * v never goes below 0, its law is Gamma(shape, 1 / shape) (mean 1, variance 1 / shape),
 * its autocorrelation at lag L is exp(-L / life), the activity is v (no multifractal
 * clock), and the variance of the log returns stays vol^2 over a long run. */
Test(index, square_root_clock_keeps_its_law_and_its_memory)
{
    enum { STEPS = 2000000, LIFE = 1000, LAG = 1000 };
    const double shape = 0.5, decay = exp(-1.0 / LIFE);
    struct cas_gbm_params p = {
        .vol = 0.001, .sqv_shape = shape, .sqv_decay = decay, .sqv_c = (1 - decay) / (2 * shape)};
    struct cas_rng rng;
    cas_rng_init(&rng, 37, 1);
    struct cas_index ix;
    cas_index_init_gbm(&ix, 1e6, &p, &rng);
    static double v[STEPS];
    double prev = ix.price, s2 = 0;
    for (cas_step s = 1; s <= STEPS; s++) {
        double px = cas_index_advance(&ix, s), r = log(px / prev);
        prev = px;
        s2 += r * r;
        v[s - 1] = ix.sqv;
        cr_assert(ix.sqv >= 0, "step %lld: v %g", (long long)s, ix.sqv);
        cr_assert(ix.activity == ix.sqv, "the activity is v");
    }
    cas_index_release(&ix);
    double mean = 0, var = 0, cov = 0;
    for (int i = 0; i < STEPS; i++)
        mean += v[i] / STEPS;
    for (int i = 0; i < STEPS; i++)
        var += (v[i] - mean) * (v[i] - mean) / STEPS;
    for (int i = 0; i + LAG < STEPS; i++)
        cov += (v[i] - mean) * (v[i + LAG] - mean) / (STEPS - LAG);
    /* 2,000 lives: the mean's standard error is about sqrt(2 var / 2000) = 0.045 */
    cr_assert(fabs(mean - 1) < 0.15, "mean %g", mean);
    cr_assert(fabs(var * shape - 1) < 0.25, "variance %g, 1 / shape %g", var, 1 / shape);
    cr_assert(fabs(cov / var - exp(-1.0)) < 0.08, "acf at one life %g, exp(-1) %g", cov / var,
              exp(-1.0));
    cr_assert(fabs(s2 / STEPS / (p.vol * p.vol) - 1) < 0.15, "variance of r %g of vol^2",
              s2 / STEPS / (p.vol * p.vol));
}

/* Without a clock, the activity stays 1 and the clock draws nothing. */
Test(index, gbm_without_a_clock_has_activity_one)
{
    struct cas_gbm_params p = {.vol = 0.01};
    struct cas_rng rng;
    cas_rng_init(&rng, 5, 1);
    struct cas_index ix;
    cas_index_init_gbm(&ix, 1000, &p, &rng);
    for (cas_step s = 1; s <= 100; s++) {
        cas_index_advance(&ix, s);
        cr_assert_eq(ix.activity, 1.0);
    }
}

Test(index, jump_scales_the_gbm_level)
{
    struct cas_gbm_params p = {0};
    struct cas_rng rng;
    cas_rng_init(&rng, 1, 1);
    struct cas_index ix;
    cas_index_init_gbm(&ix, 1000, &p, &rng);
    cas_index_jump(&ix, -0.1);
    cr_assert_float_eq(ix.price, 900, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 1), 900, 1e-9); /* no drift, no vol */
}

Test(index, spot_follows_what_it_is_set_to)
{
    struct cas_index ix;
    cas_index_init_spot(&ix, 123.5);
    cr_assert_eq(cas_index_advance(&ix, 1), 123.5);
    cas_index_set(&ix, 130.25);
    cr_assert_eq(cas_index_advance(&ix, 2), 130.25);
}

/* Binance's example weights for BTCUSDT (2025-04-23): binance, coinbase, four at 0.0769,
 * gateio. */
Test(index, composite_is_the_weighted_average_with_outliers_held_to_the_median)
{
    const double w[] = {0.5128, 0.1538, 0.0769, 0.0769, 0.0769, 0.0769, 0.0256};
    const double calm[] = {100, 100.2, 99.9, 100.1, 100, 99.8, 100.3};
    double avg = 0;
    for (int k = 0; k < 7; k++)
        avg += w[k] * calm[k] / 0.9998;
    /* within the band every rule is the weighted average */
    for (int r = 0; r < 3; r++)
        cr_assert_float_eq(cas_index_composite(calm, w, 7, (enum cas_index_outliers)r, 0.01, NULL),
                           avg, 1e-9);
    /* the main venue falls 10%: the median is 100, so clamp holds it at 99 */
    double crash[7];
    memcpy(crash, calm, sizeof crash);
    crash[0] = 90;
    double rest = 0, rest_w = 0;
    for (int k = 1; k < 7; k++) {
        rest += w[k] * crash[k];
        rest_w += w[k];
    }
    cr_assert_float_eq(cas_index_composite(crash, w, 7, CAS_OUTLIERS_CLAMP, 0.01, NULL),
                       (rest + w[0] * 99) / 0.9998, 1e-9);
    double used[7];
    cr_assert_float_eq(cas_index_composite(crash, w, 7, CAS_OUTLIERS_DROP, 0.05, used),
                       rest / rest_w, 1e-9);
    cr_assert_eq(used[0], 0, "the dropped book counted for nothing");
    for (int k = 1; k < 7; k++)
        cr_assert_eq(used[k], w[k]);
    cas_index_composite(crash, w, 7, CAS_OUTLIERS_CLAMP, 0.01, used);
    cr_assert_eq(used[0], w[0], "a clamped book keeps its weight");
    cr_assert_float_eq(cas_index_composite(crash, w, 7, CAS_OUTLIERS_NONE, 0.01, NULL),
                       (rest + w[0] * 90) / 0.9998, 1e-9);
    /* two books: the median is their mean, so neither is an outlier at a 6% band */
    const double two[] = {90, 100}, w2[] = {3, 1};
    cr_assert_float_eq(cas_index_composite(two, w2, 2, CAS_OUTLIERS_CLAMP, 0.06, NULL), 92.5, 1e-9);
    cr_assert_float_eq(cas_index_composite(two, w2, 2, CAS_OUTLIERS_CLAMP, 0.01, NULL),
                       (3 * 94.05 + 95.95) / 4, 1e-9);
    /* every book dropped: the median */
    cr_assert_float_eq(cas_index_composite(two, w2, 2, CAS_OUTLIERS_DROP, 0.01, NULL), 95, 1e-9);
    /* one book is its own index */
    cr_assert_eq(cas_index_composite(two, w2, 1, CAS_OUTLIERS_CLAMP, 0.01, NULL), 90);
}

/* ---- index: CSV path ---- */

static char *data_path(const char *name)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert(root, "CASCADE_SOURCE_ROOT must be set");
    size_t len = strlen(root) + strlen(name) + 32;
    char *p = malloc(len);
    cr_assert(p);
    snprintf(p, len, "%s/tests/data/rules/%s", root, name);
    return p;
}

Test(index, path_loads_converts_and_holds_after_last_row)
{
    char *file = data_path("path_good.csv");
    struct cas_index ix;
    struct cas_err err = {0};
    cr_assert_eq(cas_index_load_path(&ix, file, 0.25, &err), 0, "%s: %s", err.path, err.msg);
    cr_assert_eq(ix.path_len, 3);
    cr_assert_float_eq(ix.price, 402, 1e-9); /* 100.5 / 0.25 */
    cr_assert_float_eq(cas_index_advance(&ix, 1), 404, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 2), 399, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 3), 399, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 1000), 399, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 0), 402, 1e-9);
    cas_index_release(&ix);
    cas_index_release(&ix); /* idempotent */
    free(file);
}

Test(index, jump_on_a_path_persists_for_later_steps)
{
    char *file = data_path("path_good.csv");
    struct cas_index ix;
    cr_assert_eq(cas_index_load_path(&ix, file, 0.25, NULL), 0);
    cas_index_jump(&ix, 0.5);
    cr_assert_float_eq(ix.price, 603, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 1), 606, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 2), 598.5, 1e-9);
    cas_index_release(&ix);
    free(file);
}

Test(index, path_accepts_crlf_and_blank_lines)
{
    char *file = data_path("path_crlf_blank.csv");
    struct cas_index ix;
    struct cas_err err = {0};
    cr_assert_eq(cas_index_load_path(&ix, file, 0.5, &err), 0, "%s: %s", err.path, err.msg);
    cr_assert_eq(ix.path_len, 2);
    cr_assert_float_eq(cas_index_advance(&ix, 0), 20, 1e-9);
    cr_assert_float_eq(cas_index_advance(&ix, 1), 25, 1e-9);
    cas_index_release(&ix);
    free(file);
}

Test(index, long_file_names_keep_the_line_number)
{
    char file[256];
    int n = snprintf(file, sizeof file, "/tmp/cascade_test_rules_%ld_", (long)getpid());
    memset(file + n, 'x', 180 - (size_t)n);
    strcpy(file + 180, ".csv");
    FILE *fp = fopen(file, "w");
    cr_assert(fp);
    fputs("step,price\n0,oops\n", fp);
    fclose(fp);
    struct cas_index ix;
    struct cas_err err = {0};
    int rc = cas_index_load_path(&ix, file, 1, &err);
    remove(file);
    cr_assert_eq(rc, CAS_EINVAL);
    size_t len = strlen(err.path);
    cr_assert_eq(len, sizeof err.path - 1, "path '%s'", err.path);
    cr_assert(strncmp(err.path, "...", 3) == 0, "path '%s'", err.path);
    cr_assert_str_eq(err.path + len - 10, "xxxx.csv:2");
}

/* Load a bad file and check the code, the "FILE:LINE" path and the message. */
static void expect_path_error(const char *name, int code, int line, const char *msg)
{
    char *file = data_path(name);
    char where[256];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d", file, line);
    else
        snprintf(where, sizeof where, "%s", file);
    struct cas_index ix;
    struct cas_err err = {0};
    cr_assert_eq(cas_index_load_path(&ix, file, 0.5, &err), code, "%s", name);
    cr_assert_eq(err.code, code);
    cr_assert_str_eq(err.path, where);
    if (msg)
        cr_assert_str_eq(err.msg, msg);
    cr_assert_null(ix.path);
    cas_index_release(&ix);
    free(file);
}

Test(index, path_errors_name_file_line_and_offending_text)
{
    expect_path_error("path_bad_header.csv", CAS_EINVAL, 1,
                      "header must be 'step,price', got 'step,px'");
    expect_path_error("path_bad_price.csv", CAS_EINVAL, 3,
                      "price must be a positive number, got 'abc'");
    expect_path_error("path_negative_price.csv", CAS_EINVAL, 3,
                      "price must be a positive number, got '-5'");
    expect_path_error("path_step_gap.csv", CAS_EINVAL, 3, "step must be 1, got '2'");
    expect_path_error("path_extra_field.csv", CAS_EINVAL, 2,
                      "expected two fields 'step,price', got '0,100,7'");
    expect_path_error("path_empty.csv", CAS_EINVAL, 1,
                      "header must be 'step,price', got an empty file");
    expect_path_error("path_no_rows.csv", CAS_EINVAL, 1, "no rows after the header 'step,price'");
    expect_path_error("does_not_exist.csv", CAS_EIO, 0, NULL);
}

/* ---- mark ---- */

/* clang-format off */
static struct cas_mark_inputs book_inputs(cas_ticks bid, cas_ticks ask, cas_ticks last,
                                          double index)
{
    return (struct cas_mark_inputs){.has_bid = bid > 0, .has_ask = ask > 0, .bid = bid,
                                    .ask = ask, .last = last, .index = index};
}
/* clang-format on */

/* The methods that keep no state, as cases: the book, the funding clock and the mark. */
static const struct mark_case {
    const char *what;
    enum cas_mark_method method;
    cas_ticks bid, ask, last;
    double index, funding_rate, time_to_funding;
    cas_ticks want;
} mark_cases[] = {
    {"last", CAS_MARK_LAST, 100, 103, 97, 100, 0, 0, 97},
    {"mid 101.5 rounds half away from zero", CAS_MARK_MID, 100, 103, 97, 100, 0, 0, 102},
    {"mid 100.5 rounds half away from zero", CAS_MARK_MID, 100, 101, 97, 100, 0, 0, 101},
    {"mid without a bid falls back to last", CAS_MARK_MID, 0, 103, 97, 100, 0, 0, 97},
    {"mid without an ask falls back to last", CAS_MARK_MID, 100, 0, 98, 100, 0, 0, 98},
    {"fair: 10000 * 1.0005", CAS_MARK_FAIR, 0, 0, 1, 10000, 0.001, 0.5, 10005},
    {"fair: 9998.5, half away from zero", CAS_MARK_FAIR, 0, 0, 1, 10000, -0.0003, 0.5, 9999},
    {"fair at funding: the index", CAS_MARK_FAIR, 0, 0, 1, 10000, -0.0003, 0, 10000},
    {"fair never below one tick", CAS_MARK_FAIR, 0, 0, 5, 0.3, 0, 0, 1},
    {"last never below one tick", CAS_MARK_LAST, 0, 0, 0, 0.3, 0, 0, 1},
};

Test(mark, stateless_methods_round_half_away_from_zero_and_fall_back)
{
    for (size_t k = 0; k < sizeof mark_cases / sizeof *mark_cases; k++) {
        const struct mark_case *c = &mark_cases[k];
        struct cas_mark m;
        cas_mark_init(&m, c->method, 1);
        struct cas_mark_inputs in = book_inputs(c->bid, c->ask, c->last, c->index);
        in.funding_rate = c->funding_rate;
        in.time_to_funding = c->time_to_funding;
        cr_assert_eq(cas_mark_price(&m, &in), c->want, "%s", c->what);
    }
}

Test(mark, index_ema_starts_at_the_index_then_smooths)
{
    struct cas_mark m;
    cas_mark_init(&m, CAS_MARK_INDEX_EMA, 3); /* alpha = 2 / 4 = 0.5 */
    cr_assert_float_eq(m.ema_alpha, 0.5, 1e-12);
    struct cas_mark_inputs in = book_inputs(1005, 1015, 1000, 1000);
    cr_assert_eq(cas_mark_price(&m, &in), 1000); /* no sample yet: the index itself */
    cas_mark_sample(&m, &in);                    /* basis 10: ema 0 + 0.5 x 10 = 5 */
    cr_assert_float_eq(m.basis_ema, 5, 1e-12);
    in = book_inputs(1015, 1025, 1000, 1000);
    cas_mark_sample(&m, &in); /* basis 20: ema 12.5 */
    cr_assert_float_eq(m.basis_ema, 12.5, 1e-12);
    in = book_inputs(0, 1025, 990, 1000);
    cas_mark_sample(&m, &in); /* no bid: last - index = -10, ema 1.25 */
    cr_assert_float_eq(m.basis_ema, 1.25, 1e-12);
    in.index = 1001;
    cr_assert_eq(cas_mark_price(&m, &in), 1002); /* 1002.25 */
}

Test(mark, median_takes_the_middle_of_fair_ema_and_last)
{
    struct cas_mark m;
    cas_mark_init(&m, CAS_MARK_MEDIAN, 30);
    struct cas_mark_inputs in = book_inputs(10003, 10005, 10020, 10000);
    in.funding_rate = 0.001;
    in.time_to_funding = 1;
    cas_mark_sample(&m, &in); /* basis 4, alpha 2/31: P2 = 10000.26; P1 = 10010 */
    cr_assert_eq(cas_mark_price(&m, &in), 10010);
    in.last = 10007;
    cr_assert_eq(cas_mark_price(&m, &in), 10007);
    in.last = 9990;
    cr_assert_eq(cas_mark_price(&m, &in), 10000);
}

/* ---- funding ---- */

/* clang-format off */
static struct cas_funding_params binance(void)
{
    return (struct cas_funding_params){.interval = 480, .interest = 0.0001, .clamp = 0.0005,
                                       .premium = CAS_PREMIUM_IMPACT, .impact_lots = 8};
}
/* clang-format on */

static double rate_of(const struct cas_funding_params *p, const double *samples, int n)
{
    struct cas_funding f;
    cas_funding_init(&f, p);
    for (int i = 0; i < n; i++)
        cas_funding_sample(&f, samples[i]);
    return cas_funding_rate(&f);
}

Test(funding, small_premium_gives_the_interest_rate)
{
    /* avg P = 0.003%: I - P = 0.007% is inside the clamp, so F = I = 0.01% */
    struct cas_funding_params p = binance();
    double s[] = {0.00002, 0.00004, 0.00003};
    cr_assert_float_eq(rate_of(&p, s, 3), 0.0001, 1e-15);
}

Test(funding, large_premium_passes_through_beyond_the_clamp)
{
    struct cas_funding_params p = binance();
    double up[] = {0.002};
    cr_assert_float_eq(rate_of(&p, up, 1), 0.0015, 1e-15); /* 0.002 - 0.0005 */
    double down[] = {-0.003};
    cr_assert_float_eq(rate_of(&p, down, 1), -0.0025, 1e-15); /* -0.003 + 0.0005 */
}

Test(funding, cap_bounds_the_rate)
{
    struct cas_funding_params p = binance();
    p.cap = 0.00375;
    double up[] = {0.01}, down[] = {-0.01}, mid[] = {0.002};
    cr_assert_float_eq(rate_of(&p, up, 1), 0.00375, 1e-15);
    cr_assert_float_eq(rate_of(&p, down, 1), -0.00375, 1e-15);
    cr_assert_float_eq(rate_of(&p, mid, 1), 0.0015, 1e-15);
}

Test(funding, weighted_samples_favour_recent_premiums)
{
    struct cas_funding_params p = binance();
    p.clamp = 0; /* F = avg(P) */
    double s[] = {0.001, 0.003};
    cr_assert_float_eq(rate_of(&p, s, 2), 0.002, 1e-15);
    p.weighted = true;
    cr_assert_float_eq(rate_of(&p, s, 2), 0.007 / 3, 1e-15); /* (1*0.001 + 2*0.003) / 3 */
}

Test(funding, settle_returns_the_rate_and_starts_over)
{
    struct cas_funding_params p = binance();
    p.clamp = 0;
    p.weighted = true;
    struct cas_funding f;
    cas_funding_init(&f, &p);
    cas_funding_sample(&f, 0.004);
    cas_funding_sample(&f, 0.004);
    cr_assert_float_eq(cas_funding_settle(&f), 0.004, 1e-15);
    cr_assert_eq(f.samples, 0);
    cr_assert_float_eq(cas_funding_rate(&f), 0, 1e-15); /* no samples: avg 0, clamp 0 */
    cas_funding_sample(&f, 0.001);
    cas_funding_sample(&f, 0.003);
    /* weights restart at 1: 0.007/3; continuing them (3, 4) would give 0.015/7 */
    cr_assert_float_eq(cas_funding_rate(&f), 0.007 / 3, 1e-15);
}

static struct cas_book *impact_book(void)
{
    struct cas_book *b = cas_book_create(&(struct cas_book_params){0});
    cr_assert(b);
    struct {
        enum cas_side side;
        cas_ticks price;
        cas_lots qty;
    } o[] = {{CAS_BUY, 1010, 5}, {CAS_BUY, 1008, 5}, {CAS_SELL, 1012, 4}, {CAS_SELL, 1015, 10}};
    for (uint64_t i = 0; i < 4; i++) {
        struct cas_submit_result r;
        cr_assert_eq(
            cas_book_submit(b, i + 1, o[i].side, CAS_LIMIT, o[i].price, o[i].qty, NULL, NULL, &r),
            0);
    }
    return b;
}

Test(funding, premium_from_impact_prices)
{
    struct cas_book *b = impact_book();
    struct cas_funding f;
    struct cas_funding_params p = binance(); /* impact 8 lots */
    cas_funding_init(&f, &p);
    /* impact bid (1010*5 + 1008*3) / 8 = 1009.25; impact ask (1012*4 + 1015*4) / 8 = 1013.5 */
    cr_assert_float_eq(cas_funding_premium(&f, b, 1000), 9.25 / 1000, 1e-15);
    cr_assert_float_eq(cas_funding_premium(&f, b, 1020), -6.5 / 1020, 1e-15);
    cr_assert_float_eq(cas_funding_premium(&f, b, 1009.5), 0, 1e-15); /* between them */
    f.p.impact_lots = 100; /* bids too thin: (1010*5 + 1008*5) / 10 = 1009 */
    cr_assert_float_eq(cas_funding_premium(&f, b, 1000), 9.0 / 1000, 1e-15);
    cas_book_destroy(b);
}

Test(funding, premium_with_an_empty_side)
{
    struct cas_book *b = cas_book_create(&(struct cas_book_params){0});
    struct cas_submit_result r;
    cr_assert_eq(cas_book_submit(b, 1, CAS_BUY, CAS_LIMIT, 990, 3, NULL, NULL, &r), 0);
    struct cas_funding f;
    struct cas_funding_params p = binance();
    cas_funding_init(&f, &p);
    cr_assert_float_eq(cas_funding_premium(&f, b, 1000), 0, 1e-15); /* ask side contributes 0 */
    cr_assert_float_eq(cas_funding_premium(&f, b, 980), 10.0 / 980, 1e-15);
    f.p.premium = CAS_PREMIUM_MID;
    cr_assert_float_eq(cas_funding_premium(&f, b, 980), 0, 1e-15); /* no mid */
    cas_book_destroy(b);
}

Test(funding, premium_from_mid)
{
    struct cas_book *b = impact_book();
    struct cas_funding f;
    struct cas_funding_params p = binance();
    p.premium = CAS_PREMIUM_MID;
    cas_funding_init(&f, &p);
    cr_assert_float_eq(cas_funding_premium(&f, b, 1000), 0.011, 1e-15); /* mid 1011 */
    cr_assert_float_eq(cas_funding_premium(&f, b, 1100), -89.0 / 1100, 1e-15);
    cas_book_destroy(b);
}

/* ---- band ---- */

static void expect_limits(const struct cas_band *b, double fallback, cas_ticks lo, cas_ticks hi)
{
    cas_ticks l, h;
    cas_band_limits(b, fallback, &l, &h);
    cr_assert(l == lo && h == hi, "band [%lld, %lld], want [%lld, %lld]", (long long)l,
              (long long)h, (long long)lo, (long long)hi);
}

Test(band, fallback_before_any_sample_and_exact_edges)
{
    struct cas_band b;
    cr_assert_eq(cas_band_init(&b, &(struct cas_band_params){.pct = 0.05, .window = 3}), 0);
    expect_limits(&b, 100, 95, 105);
    b.p.pct = 0.15;
    expect_limits(&b, 100, 85, 115); /* 100 * 1.15 = 114.99999999999999 in binary */
    b.p.pct = 0.42;
    expect_limits(&b, 50, 29, 71); /* 50 * 0.58 = 29.000000000000004 in binary */
    b.p.pct = 0.99;
    expect_limits(&b, 50, 1, 99); /* [0.5, 99.5] */
    cas_band_release(&b);
}

Test(band, reference_is_the_mean_of_the_window)
{
    struct cas_band b;
    cr_assert_eq(cas_band_init(&b, &(struct cas_band_params){.pct = 0.1, .window = 3}), 0);
    cas_band_observe(&b, 100);
    cas_band_observe(&b, 101);
    expect_limits(&b, 5000, 91, 110); /* ref 100.5: [90.45, 110.55] */
    cas_band_observe(&b, 129);
    expect_limits(&b, 5000, 99, 121); /* ref 110 */
    cas_band_observe(&b, 130);
    expect_limits(&b, 5000, 108, 132); /* ref (101 + 129 + 130) / 3 = 120 */
    cas_band_release(&b);
}

Test(band, reference_stays_exact_after_a_huge_sample_leaves)
{
    struct cas_band b;
    cr_assert_eq(cas_band_init(&b, &(struct cas_band_params){.pct = 0, .window = 1000}), 0);
    cas_band_observe(&b, 1e15);
    for (int i = 0; i < 2499; i++)
        cas_band_observe(&b, 100.3);
    expect_limits(&b, 1, 101, 100); /* ref exactly 100.3: an empty band, lo > hi */
    for (int i = 0; i < 1000; i++)
        cas_band_observe(&b, 100);
    expect_limits(&b, 1, 100, 100);
    cas_band_release(&b);
}

/* A 5% band over 2 steps whose trips would halt for 5 steps. */
static void band_init_halting(struct cas_band *b, enum cas_band_action action)
{
    struct cas_band_params p = {.pct = 0.05, .window = 2, .action = action, .halt_steps = 5};
    cr_assert_eq(cas_band_init(b, &p), 0);
}

Test(band, halt_lasts_halt_steps)
{
    struct cas_band b;
    band_init_halting(&b, CAS_BAND_HALT);
    cr_assert_not(cas_band_halted(&b, 0));
    cas_band_trip(&b, 10);
    cr_assert(cas_band_halted(&b, 10));
    cr_assert(cas_band_halted(&b, 14));
    cr_assert_not(cas_band_halted(&b, 15));
    cas_band_trip(&b, 12); /* a new trip during a halt: until 17 */
    cr_assert(cas_band_halted(&b, 16));
    cr_assert_not(cas_band_halted(&b, 17));
    cas_band_release(&b);
}

Test(band, reject_bands_never_halt)
{
    struct cas_band b;
    band_init_halting(&b, CAS_BAND_REJECT);
    cas_band_trip(&b, 10);
    cr_assert_not(cas_band_halted(&b, 10));
    cas_band_release(&b);
}

Test(band, init_rejects_bad_parameters)
{
    struct cas_band b;
    cr_assert_eq(cas_band_init(&b, &(struct cas_band_params){.pct = 0.05, .window = 0}),
                 CAS_EINVAL);
    cr_assert_eq(cas_band_init(&b, &(struct cas_band_params){.pct = -0.1, .window = 3}),
                 CAS_EINVAL);
    cas_band_release(&b);
}

/* ---- stops ---- */

static struct cas_stop stop(uint64_t id, enum cas_side side, cas_ticks trigger)
{
    return (struct cas_stop){
        .id = id, .account = (uint32_t)id * 10, .side = side, .trigger = trigger, .qty = 1};
}

static void add_stop(struct cas_stops *s, uint64_t id, enum cas_side side, cas_ticks trigger)
{
    struct cas_stop st = stop(id, side, trigger);
    cr_assert_eq(cas_stops_add(s, &st), 0, "add %llu", (unsigned long long)id);
}

/* Trigger at `last` and expect exactly the ids in `want`, in order. */
static void expect_fired(struct cas_stops *s, cas_ticks last, const uint64_t *want, uint32_t n)
{
    struct cas_stop out[64];
    uint32_t got = cas_stops_triggered(s, 0, last, out, 64);
    cr_assert_eq(got, n, "at %lld: %u fired, want %u", (long long)last, got, n);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(out[i].id, want[i], "at %lld, #%u: id %llu, want %llu", (long long)last, i,
                     (unsigned long long)out[i].id, (unsigned long long)want[i]);
        cr_assert_eq(out[i].account, (uint32_t)want[i] * 10);
    }
}

/* The firing order, as scripts: stops added in order, then each last price with the ids it
 * must fire, in order, and how many stops are left pending. */
struct fire {
    cas_ticks last;
    uint64_t ids[6];
    uint32_t n, pending;
};
/* clang-format off */
static const struct stop_script {
    const char *name;
    struct {
        uint64_t id;
        enum cas_side side;
        cas_ticks trigger;
    } add[6];
    struct fire fire[4];
} stop_scripts[] = {
    {"sell stops fire as the price falls, highest first (last == trigger fires)",
     {{1, CAS_SELL, 95}, {2, CAS_SELL, 97}, {3, CAS_SELL, 99}, {4, CAS_SELL, 90}},
     {{100, {0}, 0, 4}, {96, {3, 2}, 2, 2}, {95, {1}, 1, 1}, {80, {4}, 1, 0}}},
    {"buy stops fire as the price rises, lowest first",
     {{1, CAS_BUY, 105}, {2, CAS_BUY, 103}, {3, CAS_BUY, 110}},
     {{102, {0}, 0, 3}, {106, {2, 1}, 2, 1}, {110, {3}, 1, 0}}},
    {"sells before buys, ties in insertion order",
     {{7, CAS_SELL, 95}, {20, CAS_BUY, 90}, {3, CAS_SELL, 95}, {21, CAS_BUY, 90},
      {5, CAS_SELL, 95}, {1, CAS_SELL, 94}},
     {{94, {7, 3, 5, 1, 20, 21}, 6, 0}}},
};
/* clang-format on */

Test(stops, stops_fire_in_trigger_order_sells_first_ties_in_insertion_order)
{
    for (size_t k = 0; k < sizeof stop_scripts / sizeof *stop_scripts; k++) {
        const struct stop_script *sc = &stop_scripts[k];
        struct cas_stops *s = cas_stops_create();
        for (size_t i = 0; i < 6 && sc->add[i].id; i++)
            add_stop(s, sc->add[i].id, sc->add[i].side, sc->add[i].trigger);
        for (size_t i = 0; i < 4 && sc->fire[i].last; i++) {
            expect_fired(s, sc->fire[i].last, sc->fire[i].ids, sc->fire[i].n);
            cr_assert_eq(cas_stops_pending(s), sc->fire[i].pending, "%s", sc->name);
        }
        cas_stops_destroy(s);
    }
}

Test(stops, instruments_are_separate)
{
    struct cas_stops *s = cas_stops_create();
    struct cas_stop st = stop(1, CAS_SELL, 100);
    st.instrument = 3;
    cr_assert_eq(cas_stops_add(s, &st), 0);
    expect_fired(s, 50, NULL, 0); /* instrument 0 */
    struct cas_stop out[2];
    cr_assert_eq(cas_stops_triggered(s, 3, 50, out, 2), 1);
    cr_assert_eq(out[0].instrument, 3);
    cas_stops_destroy(s);
}

Test(stops, cancel_removes_and_ids_are_unique_while_pending)
{
    struct cas_stops *s = cas_stops_create();
    add_stop(s, 1, CAS_SELL, 95);
    add_stop(s, 2, CAS_SELL, 96);
    struct cas_stop dup = stop(2, CAS_BUY, 200);
    cr_assert_eq(cas_stops_add(s, &dup), CAS_EEXIST);
    cr_assert_eq(cas_stops_cancel(s, 2), 0);
    cr_assert_eq(cas_stops_cancel(s, 2), CAS_ENOTFOUND);
    cr_assert_eq(cas_stops_cancel(s, 42), CAS_ENOTFOUND);
    cr_assert_eq(cas_stops_pending(s), 1);
    add_stop(s, 2, CAS_SELL, 90); /* the id is free again; the old entry is stale */
    expect_fired(s, 93, (uint64_t[]){1}, 1);
    expect_fired(s, 90, (uint64_t[]){2}, 1);
    cr_assert_eq(cas_stops_pending(s), 0);
    cas_stops_destroy(s);
}

Test(stops, add_rejects_bad_stops)
{
    struct cas_stops *s = cas_stops_create();
    struct cas_stop st = stop(1, CAS_SELL, 95);
    st.qty = 0;
    cr_assert_eq(cas_stops_add(s, &st), CAS_EINVAL);
    st = stop(1, CAS_SELL, 0);
    cr_assert_eq(cas_stops_add(s, &st), CAS_EINVAL);
    cr_assert_eq(cas_stops_pending(s), 0);
    cas_stops_destroy(s);
    cas_stops_destroy(NULL);
}

Test(stops, max_limits_each_call)
{
    struct cas_stops *s = cas_stops_create();
    for (uint64_t i = 1; i <= 5; i++)
        add_stop(s, i, CAS_SELL, 100 - (cas_ticks)i);
    struct cas_stop out[2];
    uint64_t want = 1;
    uint32_t calls = 0, got;
    while ((got = cas_stops_triggered(s, 0, 50, out, 2)) > 0) {
        calls++;
        for (uint32_t i = 0; i < got; i++)
            cr_assert_eq(out[i].id, want++);
    }
    cr_assert_eq(want, 6);
    cr_assert_eq(calls, 3);
    cas_stops_destroy(s);
}

/* Many stops, a quarter cancelled, sell stops (instrument 0) swept by a
 * falling price and buy stops (instrument 1) by a rising one, one tick at a
 * time: each live stop fires exactly once, at its trigger, in order. A linear
 * scan per call would take ~1e10 steps here and time out. */
static uint64_t sweep(struct cas_stops *s, uint32_t instrument, unsigned char *state, int span)
{
    struct cas_stop out[64];
    uint64_t fired = 0;
    for (cas_ticks i = 0; i <= span + 1; i++) {
        cas_ticks last = instrument == 0 ? span + 1 - i : i;
        uint32_t got;
        while ((got = cas_stops_triggered(s, instrument, last, out, 64)) > 0) {
            for (uint32_t k = 0; k < got; k++) {
                const struct cas_stop *o = &out[k];
                cr_assert_eq(state[o->id], 1, "id %llu", (unsigned long long)o->id);
                cr_assert_eq(o->instrument, instrument);
                cr_assert_eq(o->trigger, last, "fired at %lld, trigger %lld", (long long)last,
                             (long long)o->trigger);
                cr_assert(k == 0 || out[k - 1].id < o->id, "ties in insertion order");
                state[o->id] = 3;
            }
            fired += got;
        }
    }
    return fired;
}

Test(stops, many_stops_fire_once_each_in_order, .timeout = 60)
{
    enum { N = 200000, SPAN = 100000 };
    struct cas_stops *s = cas_stops_create();
    struct cas_rng rng;
    cas_rng_init(&rng, 5, 5);
    unsigned char *state = calloc(N + 1, 1); /* 1 live, 2 cancelled, 3 fired */
    for (uint64_t id = 1; id <= N; id++) {
        struct cas_stop st = stop(id, id % 2 ? CAS_SELL : CAS_BUY, cas_rng_range(&rng, 1, SPAN));
        st.instrument = id % 2 ? 0 : 1;
        cr_assert_eq(cas_stops_add(s, &st), 0);
        state[id] = 1;
    }
    for (uint64_t id = 3; id <= N; id += 4) {
        cr_assert_eq(cas_stops_cancel(s, id), 0);
        state[id] = 2;
    }
    cr_assert_eq(cas_stops_pending(s), N - N / 4);
    uint64_t fired = sweep(s, 0, state, SPAN) + sweep(s, 1, state, SPAN);
    cr_assert_eq(fired, N - N / 4);
    cr_assert_eq(cas_stops_pending(s), 0);
    free(state);
    cas_stops_destroy(s);
}

Test(stops, cancelling_most_stops_keeps_the_rest_intact)
{
    enum { N = 10000 };
    struct cas_stops *s = cas_stops_create();
    for (uint64_t id = 1; id <= N; id++)
        add_stop(s, id, CAS_SELL, (cas_ticks)(id % 100) + 1);
    for (uint64_t id = 1; id <= N; id++)
        if (id % 10 != 0)
            cr_assert_eq(cas_stops_cancel(s, id), 0); /* compacts along the way */
    cr_assert_eq(cas_stops_pending(s), N / 10);
    struct cas_stop out[N];
    cr_assert_eq(cas_stops_triggered(s, 0, 1, out, N), N / 10);
    for (uint32_t i = 0; i < N / 10; i++) {
        cr_assert_eq(out[i].id % 10, 0);
        if (i > 0) {
            bool ordered = out[i - 1].trigger > out[i].trigger ||
                           (out[i - 1].trigger == out[i].trigger && out[i - 1].id < out[i].id);
            cr_assert(ordered, "#%u: id %llu after %llu", i, (unsigned long long)out[i].id,
                      (unsigned long long)out[i - 1].id);
        }
    }
    cas_stops_destroy(s);
}

/* ---- dynamic margin ---- */

static void alternate(struct cas_volmargin *v, double a, double b, int n)
{
    for (int i = 0; i < n; i++)
        cas_volmargin_observe(v, i % 2 ? b : a);
}

Test(volmargin, calm_then_volatile_then_capped_then_calm)
{
    struct cas_volmargin v;
    struct cas_volmargin_params p = {.window = 20, .base_vol = 0.01, .max_scale = 3};
    cr_assert_eq(cas_volmargin_init(&v, &p), 0);
    /* returns alternate +-r, so the window's population std is exactly r */
    alternate(&v, 1000, 1001, 40);
    cr_assert_eq(cas_volmargin_scale_ppm(&v), 1000000); /* r = 0.001 < base */
    alternate(&v, 1020, 1000, 40);
    /* r = log(1.02) = 0.0198026: scale 1.98026 (the sample std would give 2.0317) */
    cr_assert(llabs(cas_volmargin_scale_ppm(&v) - (int64_t)llround(log(1.02) / 0.01 * 1e6)) <= 1,
              "scale %lld", (long long)cas_volmargin_scale_ppm(&v));
    alternate(&v, 1100, 1000, 40);
    cr_assert_eq(cas_volmargin_scale_ppm(&v), 3000000); /* 9.53 capped at 3 */
    alternate(&v, 1000, 1001, 21);
    cr_assert_eq(cas_volmargin_scale_ppm(&v), 1000000);
    cas_volmargin_release(&v);
}

Test(volmargin, scale_is_one_until_the_window_is_full)
{
    struct cas_volmargin v;
    struct cas_volmargin_params p = {.window = 3, .base_vol = 0.001, .max_scale = 10};
    cr_assert_eq(cas_volmargin_init(&v, &p), 0);
    cas_volmargin_observe(&v, 1000);
    cas_volmargin_observe(&v, 1100);
    cas_volmargin_observe(&v, 1000);
    cr_assert_eq(cas_volmargin_scale_ppm(&v), 1000000); /* two returns of three */
    cas_volmargin_observe(&v, 1100);
    cr_assert_gt(cas_volmargin_scale_ppm(&v), 1000000);
    cas_volmargin_release(&v);
}

Test(volmargin, a_steady_trend_has_no_volatility)
{
    struct cas_volmargin v;
    struct cas_volmargin_params p = {.window = 10, .base_vol = 0.001, .max_scale = 10};
    cr_assert_eq(cas_volmargin_init(&v, &p), 0);
    double price = 1000;
    for (int i = 0; i < 50; i++, price *= 1.01) /* constant 1% returns: std 0 */
        cas_volmargin_observe(&v, price);
    cr_assert_eq(cas_volmargin_scale_ppm(&v), 1000000);
    cas_volmargin_release(&v);
}

Test(volmargin, stays_exact_after_a_huge_return_leaves)
{
    struct cas_volmargin v;
    struct cas_volmargin_params p = {.window = 10, .base_vol = 2e-7, .max_scale = 100};
    cr_assert_eq(cas_volmargin_init(&v, &p), 0);
    cas_volmargin_observe(&v, 1);
    /* a return of log(1e12) = 27.6, then 39 returns of +-1e-6: the squares
     * differ by 15 orders of magnitude */
    alternate(&v, 1e12, 1e12 * (1 + 1e-6), 40);
    double r = log1p(1e-6);
    int64_t want = llround(r / 2e-7 * 1e6); /* about 5x */
    cr_assert(llabs(cas_volmargin_scale_ppm(&v) - want) <= 2, "scale %lld, want %lld",
              (long long)cas_volmargin_scale_ppm(&v), (long long)want);
    cas_volmargin_release(&v);
}

Test(volmargin, init_rejects_bad_parameters)
{
    struct cas_volmargin v;
    struct cas_volmargin_params p = {.window = 0, .base_vol = 0.01, .max_scale = 3};
    cr_assert_eq(cas_volmargin_init(&v, &p), CAS_EINVAL);
    p = (struct cas_volmargin_params){.window = 5, .base_vol = 0, .max_scale = 3};
    cr_assert_eq(cas_volmargin_init(&v, &p), CAS_EINVAL);
    p = (struct cas_volmargin_params){.window = 5, .base_vol = 0.01, .max_scale = 0.5};
    cr_assert_eq(cas_volmargin_init(&v, &p), CAS_EINVAL);
    cas_volmargin_release(&v);
}
