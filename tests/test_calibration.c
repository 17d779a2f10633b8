/* test_calibration: configs/btc-perp.json, the calibrated day, measured over seeds 1-4 and
 * set beside published figures for Binance's BTCUSDT perpetual. docs/calibration.md prints
 * these figures; each assertion below holds a sentence of it, matches and misses alike, so
 * that a change of the model that moves a figure fails here until the document follows. */
#include "lib/runs.h"

TestSuite(calibration, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

#define SEEDS 4
#define LOT 0.001 /* BTC per lot (Binance BTCUSDT's minimum quantity) */
#define TICK 0.1  /* USDT per tick (Binance BTCUSDT's tick size) */

struct day {
    double volume_btc;     /* lots traded over the day x LOT */
    double oi_btc;         /* median over rows of oi_long x LOT */
    double depth1_btc;     /* median of depth_1pct x LOT */
    double spread_ticks;   /* median of spread_ticks */
    double basis_bp;       /* median of |mark / index - 1| */
    double basis95_bp;     /* its 95th percentile */
    double funding;        /* mean predicted funding rate per 8 h */
    double kurtosis, hill; /* of 1-minute returns (summary.json: stylized) */
    double acf_r[50], acf_absr[50];
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of v[n] (sorts v). */
static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[(size_t)(q * (double)(n - 1) + 0.5)];
}

/* summary.json: the number after "KEY": and, for an array, its first n numbers. */
static void summary_numbers(const char *text, const char *key, double *out, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(text, pat);
    cr_assert_not_null(p, "summary.json has no %s", key);
    p += strlen(pat);
    if (*p == '[')
        p++;
    for (size_t k = 0; k < n; k++) {
        char *end;
        out[k] = strtod(p, &end);
        cr_assert_neq(end, p, "%s[%zu] is not a number", key, k);
        p = end + strspn(end, ", ");
    }
}

static struct day measure(unsigned seed)
{
    char dir[32], path[64];
    snprintf(dir, sizeof dir, "btc-%u", seed);
    cr_assert_eq(run_cascade("run '%s/configs/btc-perp.json' --seed %u -o %s --quiet",
                             source_root(), seed, dir),
                 0);
    struct day d = {0};
    struct table t;
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    table_read(&t, path);
    size_t n = t.n_rows - 1, ns = 0, nd = 0, nf = 0;
    double *oi = calloc(n, sizeof *oi), *depth = calloc(n, sizeof *depth);
    double *spread = calloc(n, sizeof *spread), *basis = calloc(n, sizeof *basis);
    cr_assert(oi && depth && spread && basis);
    for (size_t r = 1; r <= n; r++) {
        d.volume_btc += (double)integer(&t, r, "volume") * LOT;
        oi[r - 1] = (double)integer(&t, r, "oi_long") * LOT;
        basis[r - 1] = fabs(num(&t, r, "mark") / num(&t, r, "index") - 1) * 1e4;
        if (isfinite(num(&t, r, "depth_1pct")))
            depth[nd++] = num(&t, r, "depth_1pct") * LOT;
        if (isfinite(num(&t, r, "spread_ticks")))
            spread[ns++] = num(&t, r, "spread_ticks");
        if (isfinite(num(&t, r, "funding_rate"))) {
            d.funding += num(&t, r, "funding_rate");
            nf++;
        }
    }
    cr_assert(nd > 0 && ns > 0 && nf > 0);
    d.oi_btc = quantile(oi, n, 0.5);
    d.depth1_btc = quantile(depth, nd, 0.5);
    d.spread_ticks = quantile(spread, ns, 0.5);
    d.basis_bp = quantile(basis, n, 0.5);
    d.basis95_bp = quantile(basis, n, 0.95);
    d.funding /= (double)nf;
    free(oi);
    free(depth);
    free(spread);
    free(basis);
    table_free(&t);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = slurp_file(path);
    cr_assert_not_null(s);
    double h;
    summary_numbers(s, "horizon_steps", &h, 1);
    cr_assert_eq(h, 60, "1-minute returns");
    summary_numbers(s, "excess_kurtosis", &d.kurtosis, 1);
    summary_numbers(s, "hill_index", &d.hill, 1);
    summary_numbers(s, "acf_r", d.acf_r, 50);
    summary_numbers(s, "acf_absr", d.acf_absr, 50);
    free(s);
    cr_log_info("seed %u: volume %.0f BTC, OI %.1f BTC, depth 1%% %.2f BTC, spread %.0f ticks, "
                "|basis| %.1f bp (p95 %.1f), funding %.4f%%, kurtosis %.2f, Hill %.2f, "
                "acf r lag 1-3 %.3f %.3f %.3f, acf |r| lag 1 %.3f",
                seed, d.volume_btc, d.oi_btc, d.depth1_btc, d.spread_ticks, d.basis_bp,
                d.basis95_bp, d.funding * 100, d.kurtosis, d.hill, d.acf_r[0], d.acf_r[1],
                d.acf_r[2], d.acf_absr[0]);
    return d;
}

static struct day days[SEEDS];

static void measure_all(void)
{
    for (unsigned s = 0; s < SEEDS; s++)
        days[s] = measure(s + 1);
}

/* Volume, open interest, depth and spread against BTCUSDT's, at the one stated scale
 * factor F = 1/70 (the simulated day trades a seventieth of BTCUSDT's volume). */
static void liquidity_at_the_stated_scale(void)
{
    for (unsigned s = 0; s < SEEDS; s++) {
        const struct day *d = &days[s];
        /* observed 170,000-330,000 BTC a day; x 1/70: 2,400-4,700 */
        cr_assert(d->volume_btc > 2400 && d->volume_btc < 4700, "seed %u: volume %.0f BTC", s + 1,
                  d->volume_btc);
        /* observed ~275 BTC within 1% (spot, both sides); x 1/70: ~3.9. Within a factor 3 */
        cr_assert(d->depth1_btc > 1.3 && d->depth1_btc < 12, "seed %u: depth %.2f BTC", s + 1,
                  d->depth1_btc);
        /* observed one tick; the model's makers quote a few ticks wide: at most 10 */
        cr_assert(d->spread_ticks >= 1 && d->spread_ticks <= 10, "seed %u: spread %.0f ticks",
                  s + 1, d->spread_ticks);
        /* a miss, stated: observed ~163,000 BTC, x 1/70 ~2,300; the model builds its open
         * interest within the day and holds two orders of magnitude less */
        cr_assert_lt(d->oi_btc, 50, "seed %u: open interest %.1f BTC", s + 1, d->oi_btc);
    }
}

/* The perpetual held to its index, and funding within Binance's clamp around its baseline. */
static void basis_and_funding(void)
{
    for (unsigned s = 0; s < SEEDS; s++) {
        const struct day *d = &days[s];
        cr_assert_lt(d->basis_bp, 10, "seed %u: median |basis| %.1f bp", s + 1, d->basis_bp);
        cr_assert_lt(d->basis95_bp, 30, "seed %u: p95 |basis| %.1f bp", s + 1, d->basis95_bp);
        /* observed 0.01% per 8 h in most intervals (the interest component, when the
         * premium is within the 0.05% clamp); the model's premium, taken at impact prices
         * in a thinner book, wanders more: the day's mean stays within the clamp band */
        cr_assert(d->funding > -0.0004 && d->funding < 0.0006, "seed %u: funding %.5f", s + 1,
                  d->funding);
    }
}

/* Stylized facts of 1-minute returns: no linear autocorrelation beyond the first lags, and
 * volatility clustering present (the first lag of |r| positive); but, stated as misses,
 * tails thinner than BTC's (Hill index above 4, observed about 3; excess kurtosis under 3)
 * and clustering that fades within minutes rather than over hours. */
static void stylized_facts_of_one_minute_returns(void)
{
    for (unsigned s = 0; s < SEEDS; s++) {
        const struct day *d = &days[s];
        for (int lag = 3; lag <= 50; lag++)
            cr_assert_lt(fabs(d->acf_r[lag - 1]), 0.1, "seed %u: acf of r at lag %d is %.3f", s + 1,
                         lag, d->acf_r[lag - 1]);
        cr_assert_gt(d->acf_absr[0], 0.05, "seed %u: acf of |r| at lag 1 %.3f", s + 1,
                     d->acf_absr[0]);
        double far = 0;
        for (int lag = 11; lag <= 50; lag++)
            far += d->acf_absr[lag - 1] / 40;
        cr_assert_lt(far, 0.05, "seed %u: acf of |r| over lags 11-50 averages %.3f", s + 1, far);
        cr_assert_gt(d->hill, 4, "seed %u: Hill %.2f", s + 1, d->hill);
        cr_assert_lt(d->kurtosis, 3, "seed %u: excess kurtosis %.2f", s + 1, d->kurtosis);
    }
}

/* One day per seed, measured once (each run takes seconds), checked three ways. */
Test(calibration, the_calibrated_day_beside_published_figures)
{
    measure_all();
    liquidity_at_the_stated_scale();
    basis_and_funding();
    stylized_facts_of_one_minute_returns();
}
