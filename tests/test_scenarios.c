/* test_scenarios: the scenario library's claims, as paired runs over several
 * seeds (same seeds, one thing changed), never a number tuned to one run. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/sim.h"

#define SEEDS 4

struct metrics {
    double pre_shock;       /* price (mid, else last) just before the shock */
    double min_after;       /* its lowest after the shock */
    double drop_bps;        /* (pre_shock - min_after) / pre_shock */
    double max_dislocation; /* max |price / index - 1| after the shock */
    uint64_t liquidations, liq_by_instrument[4];
    uint64_t margin_liquidations; /* triggered by a change of margin rates */
    int64_t scale_after;    /* the first instrument's maintenance scale (ppm) at the end of
                               the step after the shock */
    bool conserved;
    cas_step shock;         /* the last shock's step: the squeeze family's closing sell,
                               after the whale's opening buys */
};

static double price_of(const struct cas_sim *sim, uint32_t i)
{
    cas_ticks bid, ask;
    const struct cas_book *b = cas_sim_book(sim, i);
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask))
        return (double)(bid + ask) / 2;
    return (double)cas_sim_last(sim, i);
}

static void on_liq(void *ctx, const struct cas_liquidation *l)
{
    struct metrics *m = ctx;
    m->liquidations++;
    if (l->instrument < 4)
        m->liq_by_instrument[l->instrument]++;
    m->margin_liquidations += l->cause.kind == CAS_CAUSE_MARGIN;
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct metrics *m = ctx;
    cas_step now = cas_sim_now(sim);
    double p = price_of(sim, 0);
    if (now + 1 == m->shock)
        m->pre_shock = p;
    if (now == m->shock + 1)
        m->scale_after = cas_sim_margin_scale(sim, 0);
    if (now >= m->shock) {
        m->min_after = fmin(m->min_after, p);
        m->max_dislocation = fmax(m->max_dislocation, fabs(p / cas_sim_index(sim, 0) - 1));
    }
}

/* Run configs/NAME.json with `sets` and this seed. */
static struct metrics run(const char *name, const char *const *sets, size_t n_sets,
                          unsigned seed)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    char path[1024], seed_set[64];
    snprintf(path, sizeof path, "%s/configs/%s.json", root, name);
    snprintf(seed_set, sizeof seed_set, "seed=%u", seed);
    const char *all[32];
    size_t n = 0;
    for (size_t k = 0; k < n_sets && n < 30; k++)
        all[n++] = sets[k];
    all[n++] = seed_set;
    struct cas_config cfg = {0};
    struct cas_err err = {0};
    cr_assert_eq(cas_config_load(&cfg, path, all, n, &err), 0, "%s: %s: %s", name, err.path,
                 err.msg);
    struct metrics m = {.min_after = INFINITY,
                        .shock = cfg.n_shocks ? cfg.shocks[cfg.n_shocks - 1].step : cfg.steps};
    struct cas_sim_observer obs = {.ctx = &m, .on_liquidation = on_liq, .on_step = on_step};
    struct cas_sim *sim;
    cr_assert_eq(cas_sim_create(&sim, &cfg, &obs, &err), 0, "%s: %s: %s", name, err.path,
                 err.msg);
    for (cas_step s = 0; s < cfg.steps; s++)
        cr_assert_eq(cas_sim_step(sim), 0, "%s: step %lld", name, (long long)s);
    char why[256];
    m.conserved = cas_exchange_check(cas_sim_exchange(sim), why, sizeof why);
    cr_assert(m.conserved, "%s: %s", name, why);
    m.drop_bps = m.pre_shock > 0 ? (m.pre_shock - m.min_after) / m.pre_shock * 1e4 : 0;
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    return m;
}

/* The index of the population of `type` in configs/NAME.json. */
static int population(const char *name, const char *type)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    char path[1024];
    snprintf(path, sizeof path, "%s/configs/%s.json", root, name);
    struct cas_config cfg = {0};
    cr_assert_eq(cas_config_load(&cfg, path, NULL, 0, NULL), 0);
    int found = -1;
    for (uint32_t p = 0; p < cfg.n_populations; p++)
        if (found < 0 && strcmp(cfg.populations[p].type->name, type) == 0)
            found = (int)p;
    cas_config_release(&cfg);
    cr_assert_geq(found, 0, "%s has no %s population", name, type);
    return found;
}

static void mean_of(const char *name, const char *const *sets, size_t n, struct metrics *avg,
                    struct metrics per[SEEDS])
{
    *avg = (struct metrics){0};
    for (unsigned s = 0; s < SEEDS; s++) {
        per[s] = run(name, sets, n, s + 1);
        avg->drop_bps += per[s].drop_bps / SEEDS;
        avg->max_dislocation += per[s].max_dislocation / SEEDS;
        avg->liquidations += per[s].liquidations;
    }
}

/* Leverage amplifies: the same shock, the same seeds, the same traders with
 * and without leverage. */
Test(scenarios, leverage_amplifies_the_same_shock, .timeout = 600)
{
    struct metrics lev, ctl, per_lev[SEEDS], per_ctl[SEEDS];
    mean_of("long-squeeze", NULL, 0, &lev, per_lev);
    mean_of("no-leverage", NULL, 0, &ctl, per_ctl);
    cr_assert_eq(ctl.liquidations, 0u, "the control liquidated %llu",
                 (unsigned long long)ctl.liquidations);
    cr_assert_gt(lev.liquidations, 0u);
    cr_assert_gt(lev.drop_bps, 2 * ctl.drop_bps, "drop %.0f bps with leverage, %.0f without",
                 lev.drop_bps, ctl.drop_bps);
    int further = 0;
    for (int s = 0; s < SEEDS; s++)
        further += per_lev[s].drop_bps > per_ctl[s].drop_bps;
    cr_assert_geq(further, SEEDS - 1, "further in only %d of %d seeds", further, SEEDS);
}

/* A price band lowers the maximum dislocation of the same squeeze. */
Test(scenarios, circuit_breaker_lowers_the_dislocation, .timeout = 600)
{
    struct metrics off, on, per_off[SEEDS], per_on[SEEDS];
    mean_of("long-squeeze", NULL, 0, &off, per_off);
    mean_of("circuit-breaker", NULL, 0, &on, per_on);
    cr_assert_lt(on.max_dislocation, off.max_dislocation, "%f with the band, %f without",
                 on.max_dislocation, off.max_dislocation);
    cr_assert_lt(on.drop_bps, off.drop_bps);
}

/* Dynamic margin reacts to volatility that has already happened: the
 * squeeze's cascade runs inside the shock's step, and the scale reaches its
 * cap (3x) by the end of the next step. The raised rates then liquidate some
 * of those who survived the first wave (on some seeds), and never fewer:
 * over seeds 1-8, at least as many liquidations as long-squeeze on every seed,
 * margin-triggered ones on at least one. configs/README.md tells this story. */
Test(scenarios, dynamic_margin_reacts_after_the_cascade, .timeout = 600)
{
    int with_margin_triggers = 0;
    for (unsigned s = 1; s <= 8; s++) {
        struct metrics dyn = run("dynamic-margin", NULL, 0, s);
        struct metrics fixed = run("long-squeeze", NULL, 0, s);
        cr_assert_eq(dyn.scale_after, 3 * CAS_PPM, "seed %u: scale %lld ppm after the shock", s,
                     (long long)dyn.scale_after);
        cr_assert_eq(fixed.margin_liquidations, 0u);
        cr_assert_geq(dyn.liquidations, fixed.liquidations,
                      "seed %u: %llu liquidations with dynamic margin, %llu without", s,
                      (unsigned long long)dyn.liquidations,
                      (unsigned long long)fixed.liquidations);
        with_margin_triggers += dyn.margin_liquidations > 0;
        cr_log_info("seed %u: %llu liquidations (%llu by margin) against %llu", s,
                    (unsigned long long)dyn.liquidations,
                    (unsigned long long)dyn.margin_liquidations,
                    (unsigned long long)fixed.liquidations);
    }
    cr_assert_geq(with_margin_triggers, 1, "no seed of 1-8 liquidated by a margin change");
}

/* Cross margin spreads a shock to one perpetual into the other: accounts
 * holding both are liquidated whole. With isolated margin the other leg is
 * all but untouched while the arbitrageurs are small and slow (the config's):
 * at most a tenth of cross margin's B liquidations. With the default, deep
 * arbitrage, their spot hedges carry the crash into the shared index and
 * isolated margin no longer protects B. Instruments: 0 spot, 1 perpetual A
 * (shocked), 2 perpetual B. */
Test(scenarios, cross_margin_carries_a_shock_to_the_other_instrument, .timeout = 600)
{
    char iso[64], arb_a[3][64], arb_b[3][64];
    int lev = population("cross-margin-contagion", "leveraged");
    int a = population("cross-margin-contagion", "basis_arb"), b = a + 3;
    snprintf(iso, sizeof iso, "agents[%d].margin=isolated", lev);
    static const char *const defaults[] = {"clip=3000", "max_notional=600000", "full_basis=0.02"};
    for (int k = 0; k < 3; k++) {
        snprintf(arb_a[k], sizeof arb_a[k], "agents[%d].params.%s", a, defaults[k]);
        snprintf(arb_b[k], sizeof arb_b[k], "agents[%d].params.%s", b, defaults[k]);
    }
    const char *isolated[] = {iso};
    const char *deep[] = {iso, arb_a[0], arb_a[1], arb_a[2], arb_b[0], arb_b[1], arb_b[2]};
    for (unsigned s = 1; s <= SEEDS; s++) {
        struct metrics cross = run("cross-margin-contagion", NULL, 0, s);
        struct metrics apart = run("cross-margin-contagion", isolated, 1, s);
        struct metrics arbitraged = run("cross-margin-contagion", deep, 7, s);
        cr_assert_gt(cross.liq_by_instrument[2], 0u, "seed %u: no contagion under cross margin", s);
        cr_assert_gt(apart.liq_by_instrument[1], 0u, "seed %u: the shock liquidated nobody", s);
        cr_assert_lt(apart.liq_by_instrument[2] * 10, cross.liq_by_instrument[2],
                     "seed %u: isolated margin let it spread (%llu on B against %llu)", s,
                     (unsigned long long)apart.liq_by_instrument[2],
                     (unsigned long long)cross.liq_by_instrument[2]);
        cr_assert_gt(arbitraged.liq_by_instrument[2], apart.liq_by_instrument[2],
                     "seed %u: deep arbitrage did not carry the crash to B", s);
    }
}

/* The amplification factor of `cascade run --counterfactual` for the last shock (the
 * squeeze's closing sell): read from summary.json. */
static double factor_of(const char *name, unsigned seed)
{
    const char *bin = getenv("CASCADE_BIN"), *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert(bin && root, "run through meson test");
    char dir[] = "/tmp/cascade-cf-XXXXXX", cmd[4096];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd,
             "'%s' run '%s/configs/%s.json' --seed %u --counterfactual -o '%s/r' --quiet >/dev/null"
             " && grep -o '\"factor\": [0-9.e+-]*' '%s/r/summary.json' | tail -1 | cut -d' ' -f2"
             " > '%s/f'",
             bin, root, name, seed, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char path[512];
    snprintf(path, sizeof path, "%s/f", dir);
    FILE *f = fopen(path, "r");
    double factor = NAN;
    cr_assert(f && fscanf(f, "%lf", &factor) == 1, "no amplification factor for %s", name);
    fclose(f);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    return factor;
}

/* --counterfactual: the squeeze's move is amplified by its liquidations; the
 * control, which liquidates nobody, has a factor of exactly 1. */
Test(scenarios, counterfactual_amplification, .timeout = 600)
{
    for (unsigned seed = 1; seed <= 2; seed++) {
        double squeeze = factor_of("long-squeeze", seed), control = factor_of("no-leverage", seed);
        cr_assert_gt(squeeze, 1, "seed %u: factor %f", seed, squeeze);
        cr_assert_eq(control, 1, "seed %u: control factor %f", seed, control);
    }
}

/* Every scenario runs from the command line, conserves money, and writes
 * byte-identical files twice over (performance figures aside). */
Test(scenarios, every_scenario_runs_conserves_money_and_repeats_exactly, .timeout = 900)
{
    static const char *const names[] = {"default", "no-leverage", "long-squeeze",
                                        "circuit-breaker", "dynamic-margin", "front-running",
                                        "keepers", "gamma-squeeze", "cross-margin-contagion",
                                        "btc-perp"};
    const char *bin = getenv("CASCADE_BIN"), *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert(bin && root, "run through meson test");
    char dir[] = "/tmp/cascade-scenarios-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char cmd[4096];
        const char *steps = strcmp(names[k], "default") == 0 || strcmp(names[k], "btc-perp") == 0
                                ? "--steps 3600"
                                : "";
        for (int r = 0; r < 2; r++) {
            snprintf(cmd, sizeof cmd, "'%s' run '%s/configs/%s.json' %s -o '%s/%s-%d' --quiet >/dev/null",
                     bin, root, names[k], steps, dir, names[k], r);
            cr_assert_eq(system(cmd), 0, "%s", cmd);
        }
        static const char *const files[] = {"timeseries.csv", "liquidations.csv",
                                            "cascades.csv", "liqmap.csv", "config.json"};
        for (size_t f = 0; f < 5; f++) {
            snprintf(cmd, sizeof cmd, "cmp -s '%s/%s-0/%s' '%s/%s-1/%s'", dir, names[k], files[f],
                     dir, names[k], files[f]);
            cr_assert_eq(system(cmd), 0, "%s: %s differs between two runs", names[k], files[f]);
        }
        snprintf(cmd, sizeof cmd,
                 "grep -v '\"performance\"' '%s/%s-0/summary.json' > '%s/a' &&"
                 " grep -v '\"performance\"' '%s/%s-1/summary.json' > '%s/b' && cmp -s '%s/a' '%s/b'"
                 " && grep -q '\"conserved\": true' '%s/a'",
                 dir, names[k], dir, dir, names[k], dir, dir, dir, dir);
        cr_assert_eq(system(cmd), 0, "%s: summary differs or money is not conserved", names[k]);
    }
    char rm[256];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    cr_assert_eq(system(rm), 0);
}
