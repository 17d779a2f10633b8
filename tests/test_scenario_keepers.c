/* test_scenario_keepers: configs/keepers.json's claim, that too few or too slow keepers
 * let bad debt grow, as paired runs over several seeds (same seeds, only the keepers
 * changed).
 *
 * Bad debt is counted whole: what the insurance fund paid (its opening balance less its
 * lowest) plus what accounts under water still owe at the end (their negative equity),
 * since in keeper mode a position nobody has taken over yet is a shortfall nobody has
 * paid. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/sim.h"

#define SEEDS 4

struct metrics {
    uint64_t liquidations;
    cas_money fund_initial, fund_min;
    double fund_paid;  /* fund_initial - fund_min, quote currency */
    double underwater; /* negative equity of accounts at the end, quote currency */
    double bad_debt;   /* fund_paid + underwater */
};

static void on_liq(void *ctx, const struct cas_liquidation *l)
{
    (void)l;
    struct metrics *m = ctx;
    m->liquidations++;
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct metrics *m = ctx;
    struct cas_exchange_totals t;
    cas_exchange_totals(cas_sim_exchange(sim), &t);
    m->fund_min = t.insurance_fund < m->fund_min ? t.insurance_fund : m->fund_min;
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
    struct metrics m = {.fund_initial = cfg.insurance_fund, .fund_min = cfg.insurance_fund};
    struct cas_sim_observer obs = {.ctx = &m, .on_liquidation = on_liq, .on_step = on_step};
    struct cas_sim *sim;
    cr_assert_eq(cas_sim_create(&sim, &cfg, &obs, &err), 0, "%s: %s: %s", name, err.path,
                 err.msg);
    for (cas_step s = 0; s < cfg.steps; s++)
        cr_assert_eq(cas_sim_step(sim), 0, "%s: step %lld", name, (long long)s);
    double unit = pow(10, -cfg.money_decimals);
    for (uint32_t g = 0; g < cas_sim_n_agents(sim); g++) {
        struct cas_account_view v;
        cas_exchange_account(cas_sim_exchange(sim), cas_sim_agent_account(sim, g), &v);
        if (v.equity < 0)
            m.underwater -= (double)v.equity * unit;
    }
    m.fund_paid = (double)(m.fund_initial - m.fund_min) * unit;
    m.bad_debt = m.fund_paid + m.underwater;
    char why[256];
    cr_assert(cas_exchange_check(cas_sim_exchange(sim), why, sizeof why), "%s: %s", name, why);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    return m;
}

static void mean_of(const char *name, const char *const *sets, size_t n, struct metrics *avg,
                    struct metrics per[SEEDS])
{
    *avg = (struct metrics){0};
    for (unsigned s = 0; s < SEEDS; s++) {
        per[s] = run(name, sets, n, s + 1);
        avg->liquidations += per[s].liquidations;
        avg->fund_paid += per[s].fund_paid / SEEDS;
        avg->underwater += per[s].underwater / SEEDS;
        avg->bad_debt += per[s].bad_debt / SEEDS;
    }
}

/* The index falls 1% a minute for a quarter of an hour. The config's three keepers,
 * checking every second, take positions over soon after they cross maintenance (3%),
 * where the 2% bonus still leaves the account solvent; one keeper checking every 100 s
 * reaches many only after the index has carried them past bankruptcy, and the fund
 * pays the difference. */
Test(scenario_keepers, too_few_and_too_slow_keepers_let_bad_debt_grow, .timeout = 600)
{
    static const char *const slow[] = {"agents[5].count=1", "agents[5].params.rate=0.01"};
    struct metrics fast_avg, slow_avg, per_fast[SEEDS], per_slow[SEEDS];
    mean_of("keepers", NULL, 0, &fast_avg, per_fast);
    mean_of("keepers", slow, 2, &slow_avg, per_slow);
    for (int s = 0; s < SEEDS; s++)
        cr_log_info("seed %d: bad debt %.0f with the config's keepers (fund %.0f, under water "
                    "%.0f), %.0f with one slow keeper (fund %.0f, under water %.0f)",
                    s + 1, per_fast[s].bad_debt, per_fast[s].fund_paid, per_fast[s].underwater,
                    per_slow[s].bad_debt, per_slow[s].fund_paid, per_slow[s].underwater);
    cr_assert_gt(fast_avg.liquidations, 0u, "the config's keepers liquidated nobody");
    cr_assert_gt(slow_avg.liquidations, 0u, "the slow keeper liquidated nobody");
    cr_assert_gt(slow_avg.bad_debt, 2 * fast_avg.bad_debt,
                 "bad debt %.0f with one slow keeper, %.0f with the config's keepers",
                 slow_avg.bad_debt, fast_avg.bad_debt);
    cr_assert_gt(slow_avg.fund_paid, fast_avg.fund_paid,
                 "the fund paid %.0f with one slow keeper, %.0f with the config's keepers",
                 slow_avg.fund_paid, fast_avg.fund_paid);
    int more = 0;
    for (int s = 0; s < SEEDS; s++)
        more += per_slow[s].bad_debt > per_fast[s].bad_debt;
    cr_assert_geq(more, SEEDS - 1, "more bad debt in only %d of %d seeds", more, SEEDS);
}
