/* test_captions: the report of every shipped scenario says nothing its run's
 * files contradict, and describes every instrument.
 *
 * Each figure caption that states what happened carries its figures in a
 * data-facts attribute; they are recomputed here from the run's CSVs (by
 * code of this file, not the report's), and the caption's words are checked
 * against them: the largest cascade, its move, how much of it the price had
 * regained and how far the index moved, the liquidated notional, open
 * interest at the ends, the insurance fund, the tails of the returns and
 * whether absolute returns cluster. */
#include "cascade/stats.h"
#include "lib/runs.h"

TestSuite(captions, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

/* The value of `key` in a data-facts string ("k=v;k=v;"); NaN when absent. */
static double fact(const char *facts, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", key);
    for (const char *p = facts; (p = strstr(p, pat)); p++)
        if (p == facts || p[-1] == ';')
            return strtod(p + strlen(pat), NULL);
    return NAN;
}

static const char *fact_word(const char *facts, const char *key, char *out, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", key);
    const char *p = strstr(facts, pat);
    out[0] = 0;
    if (p)
        snprintf(out, n, "%.*s", (int)strcspn(p + strlen(pat), ";"), p + strlen(pat));
    return out;
}

/* Figure `num`'s caption: its facts and its text (NUL-terminated copies). */
static bool caption(const char *html, int num, char *facts, size_t nf, char *text, size_t nt)
{
    char id[32];
    snprintf(id, sizeof id, "<figure id=\"fig%d\">", num);
    const char *f = strstr(html, id);
    if (!f)
        return false;
    const char *c = strstr(f, "<figcaption"), *end = strstr(c, "</figcaption>");
    const char *df = strstr(c, "data-facts=\"");
    facts[0] = 0;
    if (df && df < end)
        snprintf(facts, nf, "%.*s", (int)strcspn(df + 12, "\""), df + 12);
    const char *t = strchr(c, '>') + 1;
    snprintf(text, nt, "%.*s", (int)(end - t), t);
    return true;
}

static bool near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1, fabs(b));
}

/* The row price: mid, else last. */
static double price(const struct table *t, size_t r)
{
    double mid = num(t, r, "mid");
    return isnan(mid) ? num(t, r, "last") : mid;
}

static void check_scenario(const char *name, const char *extra)
{
    cr_assert_eq(
        run_cascade("run '%s/configs/%s.json' -o r --quiet %s", source_root(), name, extra), 0,
        "%s", name);
    cr_assert_eq(run_cascade("report r"), 0, "%s", name);
    char *html = slurp_file("r/report.html");
    cr_assert_not_null(html);
    /* the page's instrument */
    const char *at = strstr(html, "The headline and the figures describe <b>");
    cr_assert_not_null(at, "%s: no instrument named", name);
    at += strlen("The headline and the figures describe <b>");
    char inst[64];
    snprintf(inst, sizeof inst, "%.*s", (int)strcspn(at, "<"), at);
    struct table ts, lq, cs;
    table_read(&ts, "r/timeseries.csv");
    table_read(&lq, "r/liquidations.csv");
    table_read(&cs, "r/cascades.csv");
    /* every instrument described */
    for (size_t r = 1; r < ts.n_rows; r++) {
        char row[128];
        snprintf(row, sizeof row, "<tr><td>%s", cell(&ts, r, "instrument"));
        cr_assert_not_null(strstr(html, row), "%s: instrument %s is not described", name,
                           cell(&ts, r, "instrument"));
    }
    /* this instrument's rows */
    size_t *rows = calloc(ts.n_rows, sizeof *rows), n = 0;
    for (size_t r = 1; r < ts.n_rows; r++)
        if (strcmp(cell(&ts, r, "instrument"), inst) == 0)
            rows[n++] = r;
    cr_assert_gt(n, 2, "%s: no rows for %s", name, inst);
    char facts[1024], text[2048], word[32];

    /* Figure 1: liquidations, the largest cascade, its move, the recovery */
    cr_assert(caption(html, 1, facts, sizeof facts, text, sizeof text), "%s: no figure 1", name);
    long long liqs = 0;
    for (size_t r = 1; r < lq.n_rows; r++)
        liqs += strcmp(cell(&lq, r, "instrument"), inst) == 0;
    cr_assert_eq((long long)fact(facts, "liquidations"), liqs, "%s: %s", name, facts);
    if (liqs == 0) {
        cr_assert_not_null(strstr(text, "Nobody was liquidated"), "%s: %s", name, text);
    } else {
        size_t best = 0;
        for (size_t r = 1; r < cs.n_rows; r++) {
            if (strcmp(cell(&cs, r, "instrument"), inst) != 0)
                continue;
            if (!best || integer(&cs, r, "liquidations") > integer(&cs, best, "liquidations") ||
                (integer(&cs, r, "liquidations") == integer(&cs, best, "liquidations") &&
                 num(&cs, r, "notional") > num(&cs, best, "notional")))
                best = r;
        }
        cr_assert_gt(best, 0);
        cr_assert_eq((long long)fact(facts, "cascade"), integer(&cs, best, "id"), "%s", name);
        cr_assert(near(fact(facts, "move_bps"), num(&cs, best, "move_bps"), 1e-6), "%s", name);
        bool down = strcmp(cell(&cs, best, "side"), "long") == 0;
        char want[128];
        snprintf(want, sizeof want, "(%.0f bp %s)", num(&cs, best, "move_bps"),
                 down ? "down" : "up");
        cr_assert_not_null(strstr(text, want), "%s: '%s' not in: %s", name, want, text);
        double after = fact(facts, "after_step");
        if (!isnan(after)) {
            /* the row it names, the price there and the share of the move regained */
            size_t k = 0, e = 0;
            while (k < n && integer(&ts, rows[k], "step") < (long long)after)
                k++;
            cr_assert_lt(k, n);
            double ext = num(&cs, best, "price_extreme"), start = num(&cs, best, "price_start");
            double regained = (price(&ts, rows[k]) - ext) / (start - ext) * 100;
            cr_assert(near(fact(facts, "regained_pct"), regained, 1e-3),
                      "%s: regained %g, "
                      "the rows say %g",
                      name, fact(facts, "regained_pct"), regained);
            snprintf(want, sizeof want, "had regained %.0f%% of that move", regained);
            cr_assert_not_null(strstr(text, want), "%s: '%s' not in: %s", name, want, text);
            while (e < n && integer(&ts, rows[e], "step") < integer(&cs, best, "extreme_step"))
                e++;
            double idx = (num(&ts, rows[k], "index") / num(&ts, rows[e], "index") - 1) * 1e4;
            if (!isnan(idx))
                cr_assert(near(fact(facts, "index_bps"), idx, 1e-3),
                          "%s: index moved %g, the "
                          "rows say %g",
                          name, fact(facts, "index_bps"), idx);
        }
    }

    /* Figure 2: the liquidated notional */
    if (caption(html, 2, facts, sizeof facts, text, sizeof text) && facts[0]) {
        double total = 0;
        for (size_t k = 0; k < n; k++)
            total += num(&ts, rows[k], "liquidated_notional");
        cr_assert(near(fact(facts, "total"), total, 1e-9), "%s: %s, rows %g", name, facts, total);
        if (total == 0)
            cr_assert_not_null(strstr(text, "Nobody was liquidated"));
    }

    /* Figure 5: open interest at both ends, and its direction */
    if (caption(html, 5, facts, sizeof facts, text, sizeof text) && facts[0]) {
        double first = num(&ts, rows[0], "oi_long"), last = num(&ts, rows[n - 1], "oi_long");
        cr_assert_eq(fact(facts, "oi_first"), first, "%s", name);
        cr_assert_eq(fact(facts, "oi_last"), last, "%s", name);
        const char *dir = last > first ? "(up)" : last < first ? "(down)" : "(unchanged)";
        cr_assert_not_null(strstr(text, dir), "%s: open interest %g -> %g, caption: %s", name,
                           first, last, text);
    }

    /* Figure 6: the fund at both ends */
    if (caption(html, 6, facts, sizeof facts, text, sizeof text) && facts[0]) {
        cr_assert(near(fact(facts, "fund_first"), num(&ts, rows[0], "insurance_fund"), 1e-9));
        cr_assert(near(fact(facts, "fund_last"), num(&ts, rows[n - 1], "insurance_fund"), 1e-9));
    }

    /* Figures 7 and 8: the tails and the clustering of the row-to-row returns */
    double *ret = malloc(n * sizeof *ret);
    size_t m = 0;
    for (size_t k = 1; k < n; k++) {
        double a = price(&ts, rows[k - 1]), b = price(&ts, rows[k]);
        if (a > 0 && b > 0)
            ret[m++] = 1e4 * log(b / a);
    }
    if (caption(html, 7, facts, sizeof facts, text, sizeof text) && facts[0]) {
        double kurt = cas_stats_excess_kurtosis(ret, m);
        cr_assert_eq((size_t)fact(facts, "returns"), m, "%s", name);
        cr_assert(near(fact(facts, "excess_kurtosis"), kurt, 1e-4), "%s: kurtosis %g, rows %g",
                  name, fact(facts, "excess_kurtosis"), kurt);
        const char *tails = kurt > 1 ? "heavy" : kurt < -1 ? "thin" : "normal";
        cr_assert_str_eq(fact_word(facts, "tails", word, sizeof word), tails, "%s", name);
        cr_assert_not_null(strstr(text, kurt > 1    ? "heavier tails than a normal"
                                        : kurt < -1 ? "thinner tails than a normal"
                                                    : "tails close to a normal"),
                           "%s: kurtosis %g, caption: %s", name, kurt, text);
    }
    if (caption(html, 8, facts, sizeof facts, text, sizeof text) && facts[0]) {
        size_t lags = (size_t)fact(facts, "lags"), out = 0;
        double band = 1.96 / sqrt((double)m);
        for (size_t lag = 1; lag <= lags; lag++)
            out += cas_stats_acf_abs(ret, m, lag) > band;
        cr_assert_eq((size_t)fact(facts, "outside_abs"), out, "%s", name);
        /* the binomial tail of `out` lags above the band, each with probability 0.025 */
        double term = pow(0.975, (double)lags), below = 0;
        for (size_t i = 0; i < out; i++) {
            below += term;
            term *= (double)(lags - i) / (double)(i + 1) * 0.025 / 0.975;
        }
        bool clustering = 1 - below < 0.01;
        cr_assert_str_eq(fact_word(facts, "clustering", word, sizeof word),
                         clustering ? "yes" : "no", "%s", name);
        cr_assert_not_null(strstr(text, clustering ? "(volatility clustering)."
                                                   : "no clear volatility clustering"),
                           "%s: %zu of %zu lags outside, caption: %s", name, out, lags, text);
    }
    /* A tree's caption speaks of the price path below it only when one is drawn */
    size_t below = 0, paths = 0;
    for (const char *p = html; (p = strstr(p, "Below, the price (mid, else last)")); p++)
        below++;
    for (const char *p = html; (p = strstr(p, "<svg class=\"path\"")); p++)
        paths++;
    cr_assert_eq(below, paths, "%s: %zu captions announce a price path, %zu drawn", name, below,
                 paths);
    cr_log_info("%s: %s, %zu rows, %lld liquidations: captions hold", name, inst, n, liqs);
    free(ret);
    free(rows);
    free(html);
    table_free(&ts);
    table_free(&lq);
    table_free(&cs);
    runs_remove("r");
}

Test(captions, every_scenario_s_captions_hold_against_its_files)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        cr_skip_test("SKIP captions: gnuplot is not installed; scripts/test installs it");
    static const char *const names[] = {
        "long-squeeze",           "no-leverage",   "circuit-breaker", "dynamic-margin",
        "cross-margin-contagion", "front-running", "gamma-squeeze",   "keepers"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        check_scenario(names[k], "");
    check_scenario("default", "--steps 14400");
}
