/* test_scenario_arb: arbitrage that holds the perpetual to its index (issue 10), over
 * several seeds: after a squeeze the gap closes within half an hour, and no shipped
 * scenario leaves the perpetual far from its index for long without the outputs saying why.
 * (The crowded day that crashed to a tick: test_scenario_crowded.c.) */
#include "lib/runs.h"

TestSuite(scenario_arb, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct gap {
    bool cascade;                  /* did the run have one? */
    double at_extreme;             /* |gap_to_index_bps| of the cascade with the widest gap */
    double after;                  /* |mark / index - 1| in bp, 30 minutes after its extreme */
    long long oi_before, oi_after; /* oi_long before the closing shock, after the extreme */
};

/* configs/NAME.json at this seed: the widest gap a cascade opened and the gap 1800 s later
 * (timeseries rows every 10 steps of 1 s). */
static struct gap squeeze_gap(const char *name, unsigned seed)
{
    char dir[64];
    snprintf(dir, sizeof dir, "%s-%u", name, seed);
    cr_assert_eq(run_cascade("run '%s/configs/%s.json' --seed %u -o %s --quiet", source_root(),
                             name, seed, dir),
                 0);
    char path[128];
    struct table c, t;
    snprintf(path, sizeof path, "%s/cascades.csv", dir);
    table_read(&c, path);
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    table_read(&t, path);
    if (c.n_rows < 2) {
        table_free(&c);
        table_free(&t);
        return (struct gap){.cascade = false};
    }
    size_t widest = 1;
    for (size_t r = 2; r < c.n_rows; r++)
        if (fabs(num(&c, r, "gap_to_index_bps")) > fabs(num(&c, widest, "gap_to_index_bps")))
            widest = r;
    struct gap g = {
        .cascade = true, .at_extreme = fabs(num(&c, widest, "gap_to_index_bps")), .after = NAN};
    long long extreme = integer(&c, widest, "extreme_step");
    long long shock = integer(&c, widest, "start_step");
    for (size_t r = 1; r < t.n_rows; r++) {
        long long step = integer(&t, r, "step");
        if (step < shock)
            g.oi_before = integer(&t, r, "oi_long");
        if (step >= extreme && g.oi_after == 0)
            g.oi_after = integer(&t, r, "oi_long");
        if (step >= extreme + 1800) {
            g.after = fabs(num(&t, r, "mark") / num(&t, r, "index") - 1) * 1e4;
            break;
        }
    }
    cr_assert(isfinite(g.after), "%s seed %u: the run ends within 30 minutes of the extreme", name,
              seed);
    table_free(&c);
    table_free(&t);
    return g;
}

/* The squeeze family over seeds 1-8: the median gap between perpetual and index 30 minutes
 * after a cascade's extreme is under a quarter of the gap at the extreme (the issue's
 * figure), and open interest falls through the cascade, since the shock closes the whale's
 * long rather than opening a short. The median is over the seeds that had a cascade (the
 * circuit breaker prevents some), at least four of the eight. */
Test(scenario_arb, the_gap_a_cascade_opens_closes_within_half_an_hour)
{
    static const char *const family[] = {"long-squeeze", "circuit-breaker", "dynamic-margin"};
    for (size_t f = 0; f < 3; f++) {
        double ratio[8];
        size_t n = 0;
        for (unsigned s = 1; s <= sweep_seeds(8); s++) {
            struct gap g = squeeze_gap(family[f], s);
            if (!g.cascade) {
                cr_log_info("%s seed %u: no cascade", family[f], s);
                continue;
            }
            cr_assert_gt(g.at_extreme, 0);
            ratio[n++] = g.after / g.at_extreme;
            cr_assert_lt(g.oi_after, g.oi_before, "%s seed %u: open interest %lld -> %lld",
                         family[f], s, g.oi_before, g.oi_after);
            cr_log_info("%s seed %u: gap %.0f bp at the extreme, %.1f bp 30 min later; open "
                        "interest %lld -> %lld",
                        family[f], s, g.at_extreme, g.after, g.oi_before, g.oi_after);
        }
        if (sweep_quick())
            continue;
        cr_assert_geq(n, 4u, "%s: only %zu seeds of 8 had a cascade", family[f], n);
        qsort(ratio, n, sizeof *ratio, cmp_double);
        double median = n % 2 ? ratio[n / 2] : (ratio[n / 2 - 1] + ratio[n / 2]) / 2;
        cr_log_info("%s: median gap ratio %.4f over %zu seeds", family[f], median, n);
        cr_assert_lt(median, 0.25, "%s: median gap ratio %.3f", family[f], median);
    }
}

/* The longest stretch (steps) in which a perpetual of the run in DIR sat more than 3% from
 * its index with neither a halt nor an arbitrageur at its limit in timeseries.csv, over
 * every perpetual (rows every record.sample_every steps; a stretch runs from the row before
 * its first far row). */
static long long unexplained_in_rows(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/timeseries.csv", dir);
    struct table t;
    table_read(&t, path);
    enum { MAX_INS = 8 };
    const char *name[MAX_INS];
    long long prev[MAX_INS], start[MAX_INS], longest = 0;
    size_t n_ins = 0;
    for (size_t r = 1; r < t.n_rows; r++) {
        double index = num(&t, r, "index");
        if (!isfinite(index))
            continue;
        size_t i = 0;
        while (i < n_ins && strcmp(name[i], cell(&t, r, "instrument")) != 0)
            i++;
        if (i == n_ins) {
            cr_assert_lt(n_ins, (size_t)MAX_INS);
            name[n_ins] = cell(&t, r, "instrument");
            prev[n_ins] = -1;
            start[n_ins++] = -1;
        }
        long long step = integer(&t, r, "step");
        bool far = fabs(num(&t, r, "mark") / index - 1) > 0.03;
        bool explained = integer(&t, r, "arb_at_limit") > 0 || integer(&t, r, "halted") != 0;
        if (far && !explained) {
            if (start[i] < 0)
                start[i] = prev[i];
            if (step - start[i] > longest)
                longest = step - start[i];
        } else {
            start[i] = -1;
        }
        prev[i] = step;
    }
    table_free(&t);
    return longest;
}

/* No shipped scenario, on seeds 1 and 2 (seed 1 only for the two full days, default and
 * btc-perp, and for all in the sanitized build), leaves a perpetual more than 3% from its index for
 * more than 30 minutes (1800 steps: every shipped config steps 1 s) without a halt or an
 * arbitrageur at its capital limit to say why: summary.json's
 * dislocation.far_unexplained_longest_steps for the first instrument (step by step), and
 * timeseries.csv's arb_at_limit and halted for every perpetual (row by row). */
Test(scenario_arb, no_scenario_stays_far_from_its_index_unexplained)
{
    static const char *const names[] = {
        "default",       "no-leverage", "long-squeeze",  "circuit-breaker",        "dynamic-margin",
        "front-running", "keepers",     "gamma-squeeze", "cross-margin-contagion", "btc-perp"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        bool day = strcmp(names[k], "default") == 0 || strcmp(names[k], "btc-perp") == 0;
        for (unsigned s = 1; s <= sweep_seeds(day ? 1u : 2u); s++) {
            char dir[64];
            snprintf(dir, sizeof dir, "%s-%u", names[k], s);
            cr_assert_eq(run_cascade("run '%s/configs/%s.json' --seed %u -o %s --quiet",
                                     source_root(), names[k], s, dir),
                         0);
            double longest = summary_num(dir, "far_unexplained_longest_steps");
            cr_assert(isnan(longest) || longest <= 1800,
                      "%s seed %u: %.0f steps far from the index, unexplained", names[k], s,
                      longest);
            long long rows = unexplained_in_rows(dir);
            cr_assert_leq(rows, 1800,
                          "%s seed %u: %lld steps far from the index in "
                          "timeseries.csv, unexplained",
                          names[k], s, rows);
        }
    }
}

/* The squeeze's cascade as observed, over seeds 1-8 (rows every step): the price
 * overshoots, within the cascade's step, far below the unmoved index and recovers at least
 * 80% of the fall within 30 minutes; the gap at the extreme halves within a minute; and
 * the funding rate falls (it had been raised by the whale's buying), never rises. */
Test(scenario_arb, the_squeeze_overshoots_recovers_and_funding_falls)
{
    for (unsigned s = 1; s <= sweep_seeds(8); s++) {
        char dir[32], path[64];
        snprintf(dir, sizeof dir, "dyn-%u", s);
        cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' --seed %u -o %s --quiet"
                                 " --set record.sample_every=1",
                                 source_root(), s, dir),
                     0);
        struct table c, t;
        snprintf(path, sizeof path, "%s/cascades.csv", dir);
        table_read(&c, path);
        snprintf(path, sizeof path, "%s/timeseries.csv", dir);
        table_read(&t, path);
        cr_assert_gt(c.n_rows, 1, "seed %u: no cascade", s);
        size_t w = 1;
        for (size_t r = 2; r < c.n_rows; r++)
            if (fabs(num(&c, r, "gap_to_index_bps")) > fabs(num(&c, w, "gap_to_index_bps")))
                w = r;
        long long x = integer(&c, w, "extreme_step"), shock = integer(&c, w, "start_step");
        double gap = fabs(num(&c, w, "gap_to_index_bps")), low = num(&c, w, "price_extreme");
        /* row k is step k - 1 (sample_every 1, rows from step 0) */
        cr_assert_eq(integer(&t, (size_t)shock, "step"), shock - 1);
        double pre = num(&t, (size_t)shock, "mid"), later = num(&t, (size_t)(x + 1801), "mark");
        double recovered = (later - low) / (pre - low);
        long long half = -1;
        for (size_t r = (size_t)x + 1; r < t.n_rows && half < 0; r++)
            if (fabs(num(&t, r, "mark") / num(&t, r, "index") - 1) * 1e4 < gap / 2)
                half = integer(&t, r, "step") - x;
        double before = num(&t, (size_t)shock, "funding_rate"), after = INFINITY;
        for (size_t r = (size_t)x + 1; r <= (size_t)x + 600; r++)
            after = fmin(after, num(&t, r, "funding_rate"));
        cr_log_info("seed %u: %.0f -> %.0f -> %.0f 30 min later (%.0f%% recovered); gap %.0f bp "
                    "halved in %lld steps; funding %.4f%% -> %.4f%%",
                    s, pre, low, later, recovered * 100, gap, half, before * 100, after * 100);
        cr_assert_lt(low, pre * 0.98, "seed %u: no overshoot", s);
        cr_assert_geq(recovered, 0.8, "seed %u: %.0f%% recovered", s, recovered * 100);
        cr_assert(half >= 0 && half <= 60, "seed %u: gap halved in %lld steps", s, half);
        cr_assert_leq(after, before, "seed %u: funding rose", s);
        table_free(&c);
        table_free(&t);
    }
}
