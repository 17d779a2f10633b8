/* test_calibration: configs/btc-perp.json, the calibrated day, measured over seeds 1-8 and
 * set beside published figures for Binance's BTCUSDT perpetual. docs/calibration.md prints
 * these figures, measured over 32 days (seeds 1-24 and 101-108) the same way as here, and
 * the bounds below are the ones its last column prints: ranges that held on every one of
 * those days and on 80 days no test uses (seeds 1001-1080), each a little wider than what
 * was measured; the calm market's memory and the makers' PnL are held to the ranges issue
 * 20 states for BTC instead, which seeds 1-8 meet and every other group of eight checked
 * does too, except the makers' PnL on two (the page says which). Each assertion holds a sentence
 * of the page, matches and misses alike, so that a change of the model that moves a figure
 * fails here until the document follows. The sanitizer build (CASCADE_QUICK set by
 * tests/meson.build) runs two seeds for the first two hours only and checks what does not
 * need a whole day: the open interest's ratio to the depth and the makers' trades with one
 * another. */
#include "cascade/stats.h"
#include "lib/runs.h"

TestSuite(calibration, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

#define MAX_SEEDS 8
#define LOT 0.001 /* BTC per lot (Binance BTCUSDT's minimum quantity) */
#define TICK 0.1  /* USDT per tick (Binance BTCUSDT's tick size) */

static unsigned n_seeds(void)
{
    return sweep_quick() ? 2 : MAX_SEEDS;
}

struct day {
    double volume_btc;   /* lots traded over the day x LOT */
    double oi_btc;       /* median over rows of oi_long x LOT */
    double depth1_btc;   /* median of depth_1pct x LOT */
    double spread_ticks; /* median of spread_ticks */
    double basis_bp;     /* median of |mark / index - 1| */
    double basis95_bp;   /* its 95th percentile */
    double funding;      /* mean predicted funding rate per 8 h */
    /* of 1-minute returns after the first hour (summary.json: stylized) */
    double kurtosis, hill, std_iqr, absr_30_120;
    double acf_r[60];
    double basis_med_bp;                  /* stylized.basis_median_bps */
    double prints, at_interest, positive; /* funding prints, shares at 0.01% and above 0 */
    double mm_pnl;                        /* the makers' PnL, USDT */
    double mark;                          /* median of the mark, USDT */
    double liquidated;   /* liquidated notional over the day, USDT (at the marks) */
    double mm_same_btc;  /* lots traded between two market makers x LOT */
    double oi_lo, oi_hi; /* the day's lowest and highest oi_long over its first row's */
    /* the autocorrelation of the signs of the perpetual's taker orders after the first hour
     * (trades.csv, one sign per order) at lags 1, 2, 5, 10, 20, 50 and 100 orders, and the
     * exponent gamma of its power-law decay, fitted over them (NaN if one is not positive) */
    double sign_acf[7], sign_gamma;
};

static const int sign_lags[7] = {1, 2, 5, 10, 20, 50, 100};

/* The day's order signs from trades.csv: the taker's side of each taker order (its first
 * fill) on the perpetual from step 3600 on; then their autocorrelations and the
 * least-squares slope of log acf against log lag. */
static void order_signs(struct day *d, const char *path)
{
    struct table t;
    table_read(&t, path);
    double *s = malloc(t.n_rows * sizeof *s);
    cr_assert_not_null(s);
    size_t n = 0;
    const char *last = "";
    for (size_t r = 1; r < t.n_rows; r++) {
        if (integer(&t, r, "step") < 3600 || strcmp(cell(&t, r, "instrument"), "BTC-PERP") != 0)
            continue;
        const char *order = cell(&t, r, "taker_order");
        if (strcmp(order, last) == 0)
            continue;
        last = order;
        s[n++] = strcmp(cell(&t, r, "taker_side"), "buy") == 0 ? 1 : -1;
    }
    cr_assert_gt(n, 10000, "%zu taker orders", n);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    bool positive = true;
    for (int k = 0; k < 7; k++) {
        d->sign_acf[k] = cas_stats_acf(s, n, (size_t)sign_lags[k]);
        positive &= d->sign_acf[k] > 0;
        double x = log(sign_lags[k]), y = log(d->sign_acf[k]);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    d->sign_gamma = positive ? -(7 * sxy - sx * sy) / (7 * sxx - sx * sx) : NAN;
    free(s);
    table_free(&t);
}

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
    cr_assert_eq(run_cascade("run '%s/configs/btc-perp.json' --seed %u -o %s --quiet "
                             "--set record.trades=true%s",
                             source_root(), seed, dir, sweep_quick() ? " --steps 7200" : ""),
                 0);
    struct day d = {0};
    struct table t;
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    table_read(&t, path);
    size_t n = t.n_rows - 1, ns = 0, nd = 0, nf = 0;
    double *oi = calloc(n, sizeof *oi), *depth = calloc(n, sizeof *depth);
    double *spread = calloc(n, sizeof *spread), *basis = calloc(n, sizeof *basis);
    double *mark = calloc(n, sizeof *mark);
    cr_assert(oi && depth && spread && basis && mark);
    for (size_t r = 1; r <= n; r++) {
        d.volume_btc += (double)integer(&t, r, "volume") * LOT;
        d.liquidated += num(&t, r, "liquidated_notional");
        mark[r - 1] = num(&t, r, "mark");
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
    d.oi_lo = d.oi_hi = 1;
    for (size_t r = 0; r < n; r++) { /* before quantile sorts the rows */
        d.oi_lo = fmin(d.oi_lo, oi[r] / oi[0]);
        d.oi_hi = fmax(d.oi_hi, oi[r] / oi[0]);
    }
    d.oi_btc = quantile(oi, n, 0.5);
    d.depth1_btc = quantile(depth, nd, 0.5);
    d.spread_ticks = quantile(spread, ns, 0.5);
    d.basis_bp = quantile(basis, n, 0.5);
    d.basis95_bp = quantile(basis, n, 0.95);
    d.funding /= (double)nf;
    d.mark = quantile(mark, n, 0.5);
    free(mark);
    free(oi);
    free(depth);
    free(spread);
    free(basis);
    table_free(&t);
    if (!sweep_quick()) {
        snprintf(path, sizeof path, "%s/trades.csv", dir);
        order_signs(&d, path);
    }
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = slurp_file(path);
    cr_assert_not_null(s);
    double h;
    summary_numbers(s, "horizon_steps", &h, 1);
    cr_assert_eq(h, 60, "1-minute returns");
    if (!sweep_quick()) { /* two hours leave an hour of returns: no lags 30-120, no print */
        summary_numbers(s, "excess_kurtosis", &d.kurtosis, 1);
        summary_numbers(s, "hill_index", &d.hill, 1);
        summary_numbers(s, "std_over_iqr", &d.std_iqr, 1);
        summary_numbers(s, "acf_absr_mean_30_120", &d.absr_30_120, 1);
        summary_numbers(s, "basis_median_bps", &d.basis_med_bp, 1);
        summary_numbers(s, "funding_prints", &d.prints, 1);
        summary_numbers(s, "funding_at_interest_share", &d.at_interest, 1);
        summary_numbers(s, "funding_positive_share", &d.positive, 1);
        summary_numbers(s, "acf_r", d.acf_r, 60);
    }
    const char *mm = strstr(s, "\"market_maker\": {");
    cr_assert_not_null(mm, "summary.json has no market makers");
    summary_numbers(mm, "same_type_lots", &d.mm_same_btc, 1);
    summary_numbers(mm, "pnl", &d.mm_pnl, 1);
    d.mm_same_btc *= LOT;
    free(s);
    cr_log_info("seed %u: volume %.0f BTC, OI %.1f BTC, depth 1%% %.2f BTC (OI / depth %.0f), "
                "turnover %.2f a day, liquidated %.3f%% of OI, makers with makers %.1f%% of "
                "volume, spread %.0f ticks, |basis| %.1f bp (p95 %.1f), funding %.4f%%, "
                "Hill %.2f, std / IQR %.2f, acf |r| 30-120 %.3f, acf r lag 1-3 %.3f %.3f %.3f, "
                "makers' PnL %.0f, order signs' acf at 1, 10, 100 %.3f %.3f %.3f (gamma %.2f)",
                seed, d.volume_btc, d.oi_btc, d.depth1_btc, d.oi_btc / d.depth1_btc,
                d.volume_btc / d.oi_btc, 100 * d.liquidated / (d.oi_btc * d.mark),
                100 * d.mm_same_btc / d.volume_btc, d.spread_ticks, d.basis_bp, d.basis95_bp,
                d.funding * 100, d.hill, d.std_iqr, d.absr_30_120, d.acf_r[0], d.acf_r[1],
                d.acf_r[2], d.mm_pnl, d.sign_acf[0], d.sign_acf[3], d.sign_acf[6], d.sign_gamma);
    return d;
}

static struct day days[MAX_SEEDS];

static void measure_all(void)
{
    for (unsigned s = 0; s < n_seeds(); s++)
        days[s] = measure(s + 1);
}

/* The median over the seeds of one figure of each day. */
static double median_of(double (*figure)(const struct day *))
{
    double v[MAX_SEEDS];
    for (unsigned s = 0; s < n_seeds(); s++)
        v[s] = figure(&days[s]);
    qsort(v, n_seeds(), sizeof *v, cmp_double);
    unsigned n = n_seeds();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double oi_to_depth(const struct day *d)
{
    return d->oi_btc / d->depth1_btc;
}
static double turnover(const struct day *d)
{
    return d->volume_btc / d->oi_btc;
}
static double liquidated_share(const struct day *d)
{
    return d->liquidated / (d->oi_btc * d->mark);
}

/* The fuel: open interest at a venue's ratio to its depth, held through a calm day.
 * Observed: 118,700 BTC open on Binance (H1 2025) against 134-157 BTC within 1% of its BTC
 * spot book (July-August 2025, at that period's prices): 760-890 times (no perpetual depth
 * is published; the spot depth stands in). Volume 1.30 and 2.39 times open interest a day
 * (Binance's BTC futures, two days); liquidations of an ordinary day a few tenths of a
 * percent of open interest; makers do not trade with one another (post-only quotes).
 * Measured over the 32 days: OI / depth 473-515, turnover 0.99-1.71, liquidated 0.02-1.73%
 * (the median over each eight seeds 0.20-0.42%), makers with makers none, every row of open
 * interest -3.7% to +2.5% from the first; over the 80 days no test uses, OI / depth 462-534,
 * turnover 0.99-1.59, the medians of eight 0.13-0.49%, rows -3.5% to +4.2%. */
static void open_interest_at_the_venue_s_scale(void)
{
    for (unsigned s = 0; s < n_seeds(); s++) {
        const struct day *d = &days[s];
        double ratio = oi_to_depth(d);
        cr_assert(ratio > 450 && ratio < 540, "seed %u: open interest %.0f times the depth", s + 1,
                  ratio);
        cr_assert_eq(d->mm_same_btc, 0, "seed %u: makers traded %.3f BTC with one another", s + 1,
                     d->mm_same_btc);
    }
    if (sweep_quick())
        return;
    for (unsigned s = 0; s < n_seeds(); s++) {
        const struct day *d = &days[s];
        cr_assert(d->oi_btc > 2650 && d->oi_btc < 3050, "seed %u: open interest %.0f BTC", s + 1,
                  d->oi_btc);
        cr_assert(turnover(d) > 0.95 && turnover(d) < 1.75,
                  "seed %u: volume %.2f times open interest a day", s + 1, turnover(d));
        /* held through the day: every row within 5% of the first */
        cr_assert(d->oi_lo > 0.95 && d->oi_hi < 1.05,
                  "seed %u: open interest from %.3f to %.3f of its start", s + 1, d->oi_lo,
                  d->oi_hi);
    }
    double liq = median_of(liquidated_share);
    cr_log_info("median liquidated %.3f%% of OI", 100 * liq);
    cr_assert(liq > 0.001 && liq < 0.005, "a calm day liquidated %.3f%% of open interest",
              100 * liq);
}

/* Volume, depth and spread, set beside Binance's at the one stated scale factor F = 1/40
 * (the simulated venue holds about a fortieth of Binance's BTC open interest). */
static void liquidity_at_the_stated_scale(void)
{
    for (unsigned s = 0; s < n_seeds(); s++) {
        const struct day *d = &days[s];
        /* observed 146,000-256,000 BTC a day on all of Binance's BTC futures (two days, each
         * at its own price); x 1/40: 3,650-6,400. Measured 2,884-4,792 (112 days) */
        cr_assert(d->volume_btc > 2800 && d->volume_btc < 4850, "seed %u: volume %.0f BTC", s + 1,
                  d->volume_btc);
        /* observed 134-157 BTC within 1% of Binance's BTC spot book, both sides; x 1/40:
         * 3.4-3.9. Measured 5.45-6.03 (112 days) */
        cr_assert(d->depth1_btc > 5.4 && d->depth1_btc < 6.1, "seed %u: depth %.2f BTC", s + 1,
                  d->depth1_btc);
        /* no published figure for the perpetual; the model's post-only makers quote one tick
         * wide (the median of every day's rows) */
        cr_assert_eq(d->spread_ticks, 1, "seed %u: spread %.0f ticks", s + 1, d->spread_ticks);
    }
}

/* The perpetual held to its index, and funding within Binance's clamp around its baseline. */
static void basis_and_funding(void)
{
    for (unsigned s = 0; s < n_seeds(); s++) {
        const struct day *d = &days[s];
        /* measured over 112 days: median 0.72-3.70 bp, 95th percentile 1.95-7.0 bp (the
         * makers quote around the index, and the desks trade against 3 bp) */
        cr_assert(d->basis_bp > 0.65 && d->basis_bp < 3.9, "seed %u: median |basis| %.1f bp", s + 1,
                  d->basis_bp);
        cr_assert(d->basis95_bp > 1.8 && d->basis95_bp < 7.5, "seed %u: p95 |basis| %.1f bp", s + 1,
                  d->basis95_bp);
        /* observed 0.01% per 8 h whenever the averaged premium is within the 0.05% clamp of
         * it; measured, the day's mean +0.0032% to +0.0104% (112 days) */
        cr_assert(d->funding > 0.00002 && d->funding < 0.00012, "seed %u: funding %.5f%%", s + 1,
                  d->funding * 100);
    }
}

static double hill(const struct day *d)
{
    return d->hill;
}
static double std_iqr(const struct day *d)
{
    return d->std_iqr;
}
static double absr_30_120(const struct day *d)
{
    return d->absr_30_120;
}
static double basis_med(const struct day *d)
{
    return d->basis_med_bp;
}
static double mm_pnl(const struct day *d)
{
    return d->mm_pnl;
}

/* The calm market's memory, as issue 20 states BTC's 1-minute returns (the first hour left
 * out), per seed and then the median over the seeds: a Hill index of the largest 5% of
 * |r| between 2.5 and 3.8 (BTC about 3), a standard deviation at least 1.3 times the
 * inter-quartile range (a Gaussian 0.74, BTC about 1.7), the autocorrelation of |r|
 * averaged over lags 30-120 minutes above 0.05 (volatility that stays for hours), and the
 * median |mark / index - 1| at most 5 bp; averaged over the seeds, the autocorrelation of
 * returns within +-0.05 at every lag from 2 to 60 (no bounce). */
static void the_calm_market_s_memory(void)
{
    double h = median_of(hill), si = median_of(std_iqr), m = median_of(absr_30_120);
    double b = median_of(basis_med);
    cr_log_info("medians: Hill %.2f, std / IQR %.2f, acf |r| 30-120 %.3f, |basis| %.2f bp", h, si,
                m, b);
    cr_assert(h >= 2.5 && h <= 3.8, "median Hill index %.2f", h);
    cr_assert_geq(si, 1.3, "median std / IQR %.2f", si);
    cr_assert_gt(m, 0.05, "median acf of |r| over lags 30-120 %.3f", m);
    cr_assert_leq(b, 5, "median |basis| %.2f bp", b);
    for (int lag = 2; lag <= 60; lag++) {
        double mean = 0;
        for (unsigned s = 0; s < n_seeds(); s++)
            mean += days[s].acf_r[lag - 1] / n_seeds();
        cr_assert(fabs(mean) <= 0.05, "the mean acf of r at lag %d is %.3f", lag, mean);
    }
}

/* Funding, pooled over the seeds' 8-hour prints: at least 75% at the interest rate (the
 * clamp holding it there) and at least 90% positive, as Binance's, BitMEX's and
 * Hyperliquid's were in Q3 2025; and the makers, paid Binance's liquidity-provider rebate,
 * earn their spread: their PnL over the day (fees, rebates and the inventory at the last
 * mark included), the median over the seeds, is not negative. */
static void funding_prints_and_makers(void)
{
    double prints = 0, at = 0, pos = 0;
    for (unsigned s = 0; s < n_seeds(); s++) {
        prints += days[s].prints;
        at += days[s].at_interest * days[s].prints;
        pos += days[s].positive * days[s].prints;
    }
    cr_assert_gt(prints, 0);
    cr_assert_geq(at / prints, 0.75, "%.0f of %.0f prints at the interest rate", at, prints);
    cr_assert_geq(pos / prints, 0.9, "%.0f of %.0f prints positive", pos, prints);
    double pnl = median_of(mm_pnl);
    cr_log_info("makers' PnL, the median over the seeds: %.0f USDT", pnl);
    cr_assert_geq(pnl, 0, "the makers' median PnL %.0f USDT", pnl);
}

static double sign_gamma(const struct day *d)
{
    return d->sign_gamma;
}

/* The order flow's own memory: the noise traders' metaorders (Lillo, Mike & Farmer 2005)
 * give the signs of the perpetual's taker orders an autocorrelation that stays positive
 * over a hundred orders and decays as a power of the lag; Lillo & Farmer (2004) measured an
 * exponent of about 0.6 on the London Stock Exchange. Measured over 112 days: at lag 1
 * 0.086-0.114, at lag 100 0.004-0.034; the exponent by day 0.25-0.66, the median over
 * each eight 0.35-0.46, below the LSE's. */
static void order_signs_remember(void)
{
    for (unsigned s = 0; s < n_seeds(); s++) {
        const struct day *d = &days[s];
        for (int k = 0; k < 7; k++)
            cr_assert_gt(d->sign_acf[k], 0, "seed %u: the signs' acf at lag %d is %.4f", s + 1,
                         sign_lags[k], d->sign_acf[k]);
        cr_assert(d->sign_acf[0] > 0.07 && d->sign_acf[0] < 0.13, "seed %u: acf at lag 1 %.3f",
                  s + 1, d->sign_acf[0]);
    }
    double g = median_of(sign_gamma);
    cr_log_info("order signs: the median exponent %.2f", g);
    cr_assert(g > 0.3 && g < 0.55, "the median exponent of the signs' acf %.2f", g);
}

/* One day per seed, measured once (each run takes seconds), checked three ways. */
Test(calibration, the_calibrated_day_beside_published_figures)
{
    measure_all();
    open_interest_at_the_venue_s_scale();
    if (sweep_quick())
        return;
    liquidity_at_the_stated_scale();
    basis_and_funding();
    the_calm_market_s_memory();
    funding_prints_and_makers();
    order_signs_remember();
}
