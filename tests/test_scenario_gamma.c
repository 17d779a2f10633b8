/* test_scenario_gamma: configs/gamma-squeeze.json's claim, that option dealers who are
 * short gamma make the market more volatile than the same dealers long gamma.
 *
 * Paired runs over several seeds: the same config and seeds, only the dealers'
 * `short_gamma` changed. On the scenario's spot book the dealers' underlying is the
 * book's own mid, so their hedges feed back on the price they follow: short gamma
 * sells into falls and buys into rises, long gamma the reverse. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/sim.h"

#define SEEDS 4
#define DEALERS "agents[3].params.short_gamma" /* the option_dealer population */
#define HORIZON 60     /* steps per return */
#define BOOK_FULL 900  /* by now the dealers hold max_options each (270 at 0.34 a step) */

struct metrics {
    double prev_price;
    double sum_r2, sum_r2_calm; /* squared HORIZON-step log returns from BOOK_FULL on */
    uint64_t n_r, n_r_calm;     /* ... over the whole run, and before the first shock */
    double pre_shock, min_after;
    cas_step first_shock;
    double vol, vol_calm; /* realized volatility per HORIZON steps */
    double fall_bps;      /* (pre_shock - min_after) / pre_shock */
};

static double price_of(const struct cas_sim *sim)
{
    cas_ticks bid, ask;
    const struct cas_book *b = cas_sim_book(sim, 0);
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask))
        return (double)(bid + ask) / 2;
    return (double)cas_sim_last(sim, 0);
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct metrics *m = ctx;
    cas_step now = cas_sim_now(sim);
    double p = price_of(sim);
    if (now + 1 == m->first_shock)
        m->pre_shock = p;
    if (now >= m->first_shock)
        m->min_after = fmin(m->min_after, p);
    if (now < BOOK_FULL || now % HORIZON != 0)
        return;
    if (m->prev_price > 0) {
        double r = log(p / m->prev_price);
        m->sum_r2 += r * r;
        m->n_r++;
        if (now < m->first_shock) {
            m->sum_r2_calm += r * r;
            m->n_r_calm++;
        }
    }
    m->prev_price = p;
}

/* Run configs/gamma-squeeze.json with the dealers short (1) or long (0) gamma. */
static struct metrics run(int short_gamma, unsigned seed)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    char path[1024], seed_set[64], gamma_set[64];
    snprintf(path, sizeof path, "%s/configs/gamma-squeeze.json", root);
    snprintf(seed_set, sizeof seed_set, "seed=%u", seed);
    snprintf(gamma_set, sizeof gamma_set, DEALERS "=%d", short_gamma);
    const char *sets[] = {gamma_set, seed_set};
    struct cas_config cfg = {0};
    struct cas_err err = {0};
    cr_assert_eq(cas_config_load(&cfg, path, sets, 2, &err), 0, "%s: %s", err.path, err.msg);
    cr_assert_gt(cfg.n_shocks, 0u, "the scenario has no shock");
    struct metrics m = {.min_after = INFINITY, .first_shock = cfg.shocks[0].step};
    cr_assert_gt(m.first_shock, BOOK_FULL + 10 * HORIZON, "too few calm returns before the shock");
    struct cas_sim_observer obs = {.ctx = &m, .on_step = on_step};
    struct cas_sim *sim;
    cr_assert_eq(cas_sim_create(&sim, &cfg, &obs, &err), 0, "%s: %s", err.path, err.msg);
    for (cas_step s = 0; s < cfg.steps; s++)
        cr_assert_eq(cas_sim_step(sim), 0, "step %lld", (long long)s);
    char why[256];
    cr_assert(cas_exchange_check(cas_sim_exchange(sim), why, sizeof why), "%s", why);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    cr_assert_gt(m.n_r_calm, 0u);
    m.vol = sqrt(m.sum_r2 / (double)m.n_r);
    m.vol_calm = sqrt(m.sum_r2_calm / (double)m.n_r_calm);
    m.fall_bps = (m.pre_shock - m.min_after) / m.pre_shock * 1e4;
    return m;
}

/* Short-gamma dealers raise realized volatility: over the run once their books are
 * built (the selling included), in the calm before it, and in the selling's fall. */
Test(scenario_gamma, short_gamma_dealers_raise_realized_volatility, .timeout = 600)
{
    struct metrics sg[SEEDS], lg[SEEDS];
    double vol_s = 0, vol_l = 0, calm_s = 0, calm_l = 0, fall_s = 0, fall_l = 0;
    int higher = 0, higher_calm = 0;
    for (unsigned k = 0; k < SEEDS; k++) {
        sg[k] = run(1, k + 1);
        lg[k] = run(0, k + 1);
        cr_log_info("seed %u: vol %.4f%% short, %.4f%% long; calm %.4f%% / %.4f%%; "
                    "fall %.0f / %.0f bps",
                    k + 1, 100 * sg[k].vol, 100 * lg[k].vol, 100 * sg[k].vol_calm,
                    100 * lg[k].vol_calm, sg[k].fall_bps, lg[k].fall_bps);
        vol_s += sg[k].vol / SEEDS;
        vol_l += lg[k].vol / SEEDS;
        calm_s += sg[k].vol_calm / SEEDS;
        calm_l += lg[k].vol_calm / SEEDS;
        fall_s += sg[k].fall_bps / SEEDS;
        fall_l += lg[k].fall_bps / SEEDS;
        higher += sg[k].vol > lg[k].vol;
        higher_calm += sg[k].vol_calm > lg[k].vol_calm;
    }
    cr_assert_gt(vol_s, 1.25 * vol_l, "realized vol %.4f%% short gamma, %.4f%% long", 100 * vol_s,
                 100 * vol_l);
    cr_assert_geq(higher, SEEDS - 1, "higher in only %d of %d seeds", higher, SEEDS);
    cr_assert_gt(calm_s, 1.25 * calm_l, "calm vol %.4f%% short gamma, %.4f%% long",
                 100 * calm_s, 100 * calm_l);
    cr_assert_geq(higher_calm, SEEDS - 1, "calm: higher in only %d of %d seeds", higher_calm,
                  SEEDS);
    cr_assert_gt(fall_s, fall_l, "the selling's fall: %.0f bps short gamma, %.0f long", fall_s,
                 fall_l);
}
