/* test_scenario_front: configs/front-running.json's claims, that front-runners reading the
 * public liquidation map earn from the cascade and make it no smaller, as paired runs over
 * several seeds (same seeds, only the front-runners' trading changed).
 *
 * The "without" arm is the same config with the front-runners' collateral set to 0: they
 * are still there, wake at the same times and read the same maps from their own random
 * streams, but with no equity every order they size is 0 lots and is never sent. So the
 * two arms differ only in the front-runners' orders, which removing the population (and
 * with it their share of the scheduler's draws) would not guarantee. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/agent.h"
#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/sim.h"

#define SEEDS 8
#define FRONT 5 /* the front_runner population: agents[FRONT] in the config */
#define STR(x) #x
#define XSTR(x) STR(x)

struct metrics {
    double pre_shock;        /* mid just before the shock */
    double min_after;        /* its lowest after the shock */
    double drop_bps;         /* (pre_shock - min_after) / pre_shock */
    uint64_t liquidations;
    double liq_notional;     /* lots x mark at liquidation, quote currency */
    double front_pnl;        /* the front-runners' equity change over the run, quote */
    double contract_value;   /* quote currency per tick per lot */
    cas_step shock;
};

static double price_of(const struct cas_sim *sim)
{
    cas_ticks bid, ask;
    const struct cas_book *b = cas_sim_book(sim, 0);
    if (cas_book_best_bid(b, &bid) && cas_book_best_ask(b, &ask))
        return (double)(bid + ask) / 2;
    return (double)cas_sim_last(sim, 0);
}

static void on_liq(void *ctx, const struct cas_liquidation *l)
{
    struct metrics *m = ctx;
    m->liquidations++;
    m->liq_notional += (double)l->lots * (double)l->mark * m->contract_value;
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct metrics *m = ctx;
    cas_step now = cas_sim_now(sim);
    double p = price_of(sim);
    if (now + 1 == m->shock)
        m->pre_shock = p;
    if (now >= m->shock)
        m->min_after = fmin(m->min_after, p);
}

/* Summed equity of agents [first, first + count), quote currency. */
static double equity_of(const struct cas_sim *sim, uint32_t first, uint32_t count, int d)
{
    double sum = 0;
    for (uint32_t g = first; g < first + count; g++) {
        struct cas_account_view v;
        cas_exchange_account(cas_sim_exchange(sim), cas_sim_agent_account(sim, g), &v);
        sum += (double)v.equity;
    }
    return sum * pow(10, -d);
}

/* Run configs/front-running.json with `set` (or none) and this seed. */
static struct metrics run(const char *set, unsigned seed)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    char path[1024], seed_set[64];
    snprintf(path, sizeof path, "%s/configs/front-running.json", root);
    snprintf(seed_set, sizeof seed_set, "seed=%u", seed);
    const char *sets[2];
    size_t n = 0;
    if (set)
        sets[n++] = set;
    sets[n++] = seed_set;
    struct cas_config cfg = {0};
    struct cas_err err = {0};
    cr_assert_eq(cas_config_load(&cfg, path, sets, n, &err), 0, "%s: %s", err.path, err.msg);
    cr_assert_gt(cfg.n_shocks, 0u);
    struct metrics m = {
        .min_after = INFINITY,
        .shock = cfg.shocks[0].step,
        .contract_value =
            (double)cfg.instruments[0].spec.contract_units * pow(10, -cfg.money_decimals),
    };
    cr_assert(cfg.n_populations > FRONT &&
                  strcmp(cfg.populations[FRONT].type->name, "front_runner") == 0,
              "agents[%d] is not the front_runner population", FRONT);
    uint32_t first = 0, count = cfg.populations[FRONT].count;
    for (uint32_t p = 0; p < FRONT; p++)
        first += cfg.populations[p].count;
    struct cas_sim_observer obs = {.ctx = &m, .on_liquidation = on_liq, .on_step = on_step};
    struct cas_sim *sim;
    cr_assert_eq(cas_sim_create(&sim, &cfg, &obs, &err), 0, "%s: %s", err.path, err.msg);
    double start = equity_of(sim, first, count, cfg.money_decimals);
    for (cas_step s = 0; s < cfg.steps; s++)
        cr_assert_eq(cas_sim_step(sim), 0, "step %lld", (long long)s);
    m.front_pnl = equity_of(sim, first, count, cfg.money_decimals) - start;
    char why[256];
    cr_assert(cas_exchange_check(cas_sim_exchange(sim), why, sizeof why), "%s", why);
    m.drop_bps = m.pre_shock > 0 ? (m.pre_shock - m.min_after) / m.pre_shock * 1e4 : 0;
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    return m;
}

/* The index falls 2% and the perpetual follows it down over minutes, through the long
 * liquidation clusters. Front-runners (reach 1%, so before the shock nothing is within
 * reach) sell as a cluster comes near and buy back when the mark reaches it: they earn on
 * average over the run, and their selling sets off liquidations the fall alone would not
 * reach (`trigger` = `order:ACCOUNT` of a front-runner in liquidations.csv), so the
 * cascade is no smaller with them; the test asks for larger, so that it fails if they
 * have no effect. Where the shock alone runs through every cluster within reach (a 2.5%
 * fall), their buying back makes it slightly smaller instead. */
Test(scenario_front, front_runners_earn_and_the_cascade_is_no_smaller, .timeout = 600)
{
    struct metrics with[SEEDS], without[SEEDS];
    double pnl = 0, notional_with = 0, notional_without = 0;
    double drop_with = 0, drop_without = 0;
    uint64_t liq_with = 0, liq_without = 0;
    int earned = 0, no_smaller = 0;
    for (unsigned s = 0; s < SEEDS; s++) {
        with[s] = run(NULL, s + 1);
        without[s] = run("agents[" XSTR(FRONT) "].params.collateral=0", s + 1);
        cr_assert_eq(without[s].front_pnl, 0, "seed %u: inert front-runners traded", s + 1);
        pnl += with[s].front_pnl / SEEDS;
        notional_with += with[s].liq_notional / SEEDS;
        notional_without += without[s].liq_notional / SEEDS;
        drop_with += with[s].drop_bps / SEEDS;
        drop_without += without[s].drop_bps / SEEDS;
        liq_with += with[s].liquidations;
        liq_without += without[s].liquidations;
        earned += with[s].front_pnl > 0;
        no_smaller += with[s].liquidations >= without[s].liquidations;
    }
    cr_log_info("front-runners' PnL %.0f on average, earned in %d of %d seeds", pnl, earned,
                SEEDS);
    cr_log_info("liquidations %llu with them, %llu without; notional %.0f against %.0f; "
                "fall %.0f bps against %.0f",
                (unsigned long long)liq_with, (unsigned long long)liq_without, notional_with,
                notional_without, drop_with, drop_without);
    cr_assert_gt(pnl, 0, "front-runners' mean PnL %.0f is not positive", pnl);
    cr_assert_gt(earned, SEEDS / 2, "front-runners earned in only %d of %d seeds", earned,
                 SEEDS);
    cr_assert_gt(notional_with, notional_without,
                 "liquidated %.0f with front-runners, %.0f without", notional_with,
                 notional_without);
    cr_assert_gt(no_smaller, SEEDS / 2, "fewer liquidations with front-runners in %d of %d seeds",
                 SEEDS - no_smaller, SEEDS);
}

/* The scenario's basis arbitrageurs are a small, slow desk, so the perpetual follows the
 * index over minutes. With the default, deep arbitrage it follows within seconds: the
 * clusters are reached before front-runners can trade ahead of them, and they lose on
 * average (configs/README.md). */
Test(scenario_front, deep_arbitrage_leaves_front_runners_nothing, .timeout = 600)
{
    double pnl = 0;
    for (unsigned s = 0; s < SEEDS; s++)
        pnl += run("agents[3].params={}", s + 1).front_pnl / SEEDS;
    cr_log_info("front-runners' PnL with deep arbitrage: %.0f on average", pnl);
    cr_assert_lt(pnl, 0, "front-runners still earn %.0f against deep arbitrage", pnl);
}
