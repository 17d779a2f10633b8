/* test_scenarios: the scenario library's claims, as paired runs over several
 * seeds (same seeds, one thing changed), never a number tuned to one run. */
#include "lib/scenario.h"

#include "cascade/agent.h"

TestSuite(scenarios, .init = runs_setup, .fini = runs_teardown);

#define SEEDS 4

struct metrics {
    double pre_shock;       /* price (mid, else last) just before the first shock */
    double min_after;       /* its lowest after the shock */
    double drop_bps;        /* (pre_shock - min_after) / pre_shock */
    double max_dislocation; /* max |price / index - 1| after the shock */
    uint64_t liquidations, liq_by_instrument[4];
    uint64_t margin_liquidations;      /* triggered by a change of margin rates */
    uint64_t by_shock, by_liquidation; /* triggered by a shock; by another liquidation */
    uint64_t from_other[4];            /* by instrument: triggered by a shock or a liquidation on
                               another instrument */
    uint64_t rejected;                 /* orders the venue refused */
    cas_step longest_job;              /* steps from trigger to finish of the longest engine job */
    int64_t scale_before;      /* the first instrument's maintenance scale (ppm) at the end of
                               the step before the first shock */
    int64_t scale_after;       /* the first instrument's maintenance scale (ppm) at the end of
                               the step after the first shock */
    uint64_t leveraged_bought; /* lots the leveraged traders' own orders bought */
    cas_step first_shock;
};

/* Per liquidation id of the current run: its instrument and the step it was triggered. */
#define MAX_LIQ 4096
static uint32_t liq_instrument[MAX_LIQ + 1];
static cas_step liq_step[MAX_LIQ + 1];
static uint32_t shock_instrument; /* the instrument of the first shock */

static void on_liq(void *ctx, const struct cas_liquidation *l)
{
    struct metrics *m = ctx;
    m->liquidations++;
    if (l->instrument < 4)
        m->liq_by_instrument[l->instrument]++;
    m->margin_liquidations += l->cause.kind == CAS_CAUSE_MARGIN;
    m->by_shock += l->cause.kind == CAS_CAUSE_SHOCK;
    m->by_liquidation += l->cause.kind == CAS_CAUSE_LIQUIDATION;
    if (l->id <= MAX_LIQ) {
        liq_instrument[l->id] = l->instrument;
        liq_step[l->id] = l->step;
    }
    uint32_t from = l->instrument;
    if (l->cause.kind == CAS_CAUSE_SHOCK)
        from = shock_instrument;
    else if (l->cause.kind == CAS_CAUSE_LIQUIDATION && l->cause.id <= MAX_LIQ)
        from = liq_instrument[l->cause.id];
    if (from != l->instrument && l->instrument < 4)
        m->from_other[l->instrument]++;
}

static void on_done(void *ctx, const struct cas_liquidation_done *d)
{
    struct metrics *m = ctx;
    if (d->id <= MAX_LIQ && d->step - liq_step[d->id] > m->longest_job)
        m->longest_job = d->step - liq_step[d->id];
}

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct metrics *m = ctx;
    cas_step now = cas_sim_now(sim);
    double p = scenario_price(sim, 0);
    if (now + 1 == m->first_shock)
        m->pre_shock = p;
    if (now == m->first_shock + 1)
        m->scale_after = cas_sim_margin_scale(sim, 0);
    if (now + 1 == m->first_shock)
        m->scale_before = cas_sim_margin_scale(sim, 0);
    if (now >= m->first_shock) {
        m->min_after = fmin(m->min_after, p);
        m->max_dislocation = fmax(m->max_dislocation, fabs(p / cas_sim_index(sim, 0) - 1));
    }
}

/* Run configs/NAME.json with `sets` and this seed; money must be conserved. */
static struct metrics run(const char *name, const char *const *sets, size_t n_sets, unsigned seed)
{
    struct cas_config cfg = {0};
    scenario_load_seed(&cfg, name, sets, n_sets, seed);
    struct metrics m = {.min_after = INFINITY,
                        .first_shock =
                            cfg.n_shocks ? cfg.shocks[cfg.n_shocks - 1].step : cfg.steps};
    shock_instrument = cfg.n_shocks ? cfg.shocks[cfg.n_shocks - 1].instrument : 0;
    struct cas_sim_observer obs = {
        .ctx = &m, .on_liquidation = on_liq, .on_liquidation_done = on_done, .on_step = on_step};
    struct cas_sim *sim = scenario_start(&cfg, &obs, name);
    scenario_finish(sim, &cfg, name);
    m.rejected = cas_sim_counters(sim).rejected;
    uint32_t first = 0;
    for (uint32_t p = 0; p < cfg.n_populations; p++) {
        if (strcmp(cfg.populations[p].type->name, "leveraged") == 0)
            for (uint32_t a = first; a < first + cfg.populations[p].count; a++) {
                struct cas_agent_stats st;
                cas_sim_agent_stats(sim, a, &st);
                m.leveraged_bought += (uint64_t)st.bought;
            }
        first += cfg.populations[p].count;
    }
    m.drop_bps = m.pre_shock > 0 ? (m.pre_shock - m.min_after) / m.pre_shock * 1e4 : 0;
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    return m;
}

/* The index of the population of `type` in configs/NAME.json. */
static int population(const char *name, const char *type)
{
    struct cas_config cfg = {0};
    scenario_load(&cfg, name, NULL, 0);
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
    unsigned seeds = sweep_seeds(SEEDS);
    for (unsigned s = 0; s < seeds; s++) {
        per[s] = run(name, sets, n, s + 1);
        avg->drop_bps += per[s].drop_bps / seeds;
        avg->max_dislocation += per[s].max_dislocation / seeds;
        avg->liquidations += per[s].liquidations;
    }
}

/* Leverage amplifies: the same shock, the same seeds, the same traders with
 * and without leverage. configs/README.md: long-squeeze.json's "the triggers chain from
 * shock:1 through liquidation:N" (on every seed of 1-4), and no-leverage.json's "the
 * leveraged traders put up 8,000 each instead of 200 ... nobody is liquidated ... (tested
 * over seeds 1-4: the control's traders buy at least three quarters of the lots the
 * squeeze's do, and the fall is further with leverage on at least 3 of the seeds and more
 * than one and a half times as far on average)". The control's traders put up 8,000 at leverage 1, the
 * squeeze's 200 at 20-60x (8,000 of exposure at the mean): with 200 at leverage 1 they
 * could not buy one lot, and the control was the squeeze without them. Measured
 * (seeds 1-4): falls of 691, 241, 910 and 208 bps with leverage against 376, 87, 383 and
 * 349 without (mean 513 against 299); 10-36 liquidations, 7-16 triggered by the shock,
 * 3-27 by another liquidation; the control's traders bought 319-399 lots, the squeeze's
 * 335-434. */
Test(scenarios, leverage_amplifies_the_same_shock, .timeout = 600)
{
    struct metrics lev, ctl, per_lev[SEEDS], per_ctl[SEEDS];
    mean_of("long-squeeze", NULL, 0, &lev, per_lev);
    mean_of("no-leverage", NULL, 0, &ctl, per_ctl);
    int seeds = (int)sweep_seeds(SEEDS);
    for (int s = 0; s < seeds; s++) {
        cr_log_info("seed %d: fall %.0f bps with leverage, %.0f without; %llu liquidations "
                    "(%llu by the shock, %llu by a liquidation)",
                    s + 1, per_lev[s].drop_bps, per_ctl[s].drop_bps,
                    (unsigned long long)per_lev[s].liquidations,
                    (unsigned long long)per_lev[s].by_shock,
                    (unsigned long long)per_lev[s].by_liquidation);
        cr_assert_gt(per_lev[s].by_shock, 0u, "seed %d: no liquidation by the shock", s + 1);
        cr_assert_gt(per_lev[s].by_liquidation, 0u, "seed %d: no liquidation by a liquidation",
                     s + 1);
    }
    for (int s = 0; s < seeds; s++)
        cr_assert_gt(4 * per_ctl[s].leveraged_bought, 3 * per_lev[s].leveraged_bought,
                     "seed %d: the control's traders bought %llu lots, the squeeze's %llu: "
                     "not the same traders",
                     s + 1, (unsigned long long)per_ctl[s].leveraged_bought,
                     (unsigned long long)per_lev[s].leveraged_bought);
    cr_assert_eq(ctl.liquidations, 0u, "the control liquidated %llu",
                 (unsigned long long)ctl.liquidations);
    cr_assert_gt(lev.liquidations, 0u);
    if (sweep_quick())
        return;
    cr_assert_gt(lev.drop_bps, 1.5 * ctl.drop_bps, "drop %.0f bps with leverage, %.0f without",
                 lev.drop_bps, ctl.drop_bps);
    int further = 0;
    for (int s = 0; s < SEEDS; s++)
        further += per_lev[s].drop_bps > per_ctl[s].drop_bps;
    cr_assert_geq(further, SEEDS - 1, "further in only %d of %d seeds", further, SEEDS);
}

/* A price band lowers the maximum dislocation of the same squeeze. configs/README.md,
 * circuit-breaker.json: "orders beyond the band are refused (thousands a run, none without
 * the band) and the engine's liquidation orders wait (its longest job lasts longer than
 * without the band, on every seed of 1-4 where the band lets any liquidation happen): fewer
 * liquidations on every seed of 1-4 where the squeeze liquidates anyone, a smaller
 * dislocation and a smaller fall on average and on at least 3 of them".
 * Measured (seeds 1-4): dislocation 1.8%, 1.5%, 0.5%, 0.7% against 17.8%, 1.9%, 3.7%, 3.4%;
 * about 51,000 orders refused; 13, 14, 0 and 0 liquidations against 28, 35, 32 and 19;
 * longest job 21 and 16 steps against 6 and 7. With the ziggurat's streams, seed 4's
 * squeeze barely moves (dislocation 0.23% without the band, 0.25% with). */
Test(scenarios, circuit_breaker_lowers_the_dislocation, .timeout = 600)
{
    struct metrics off, on, per_off[SEEDS], per_on[SEEDS];
    mean_of("long-squeeze", NULL, 0, &off, per_off);
    mean_of("circuit-breaker", NULL, 0, &on, per_on);
    int waited = 0, smaller = 0, shallower = 0, seeds = (int)sweep_seeds(SEEDS);
    for (int s = 0; s < seeds; s++) {
        const struct metrics *a = &per_on[s], *b = &per_off[s];
        cr_log_info("seed %d: dislocation %.4f with the band, %.4f without; fall %.0f / %.0f "
                    "bps; %llu / %llu refused; %llu / %llu liquidations, longest job %lld / "
                    "%lld steps",
                    s + 1, a->max_dislocation, b->max_dislocation, a->drop_bps, b->drop_bps,
                    (unsigned long long)a->rejected, (unsigned long long)b->rejected,
                    (unsigned long long)a->liquidations, (unsigned long long)b->liquidations,
                    (long long)a->longest_job, (long long)b->longest_job);
        smaller += a->max_dislocation < b->max_dislocation;
        shallower += a->drop_bps < b->drop_bps;
        if (b->liquidations > 0)
            cr_assert_lt(a->liquidations, b->liquidations, "seed %d", s + 1);
        cr_assert_gt(a->rejected, 1000u, "seed %d: %llu refused with the band", s + 1,
                     (unsigned long long)a->rejected);
        cr_assert_eq(b->rejected, 0u, "seed %d: %llu refused without the band", s + 1,
                     (unsigned long long)b->rejected);
        if (a->liquidations > 0) {
            cr_assert_gt(a->longest_job, b->longest_job, "seed %d", s + 1);
            waited++;
        }
    }
    if (sweep_quick())
        return;
    cr_assert_gt(waited, 0, "the band let no liquidation happen on any seed of 1-%d", SEEDS);
    cr_assert_geq(smaller, SEEDS - 1, "a smaller dislocation on only %d seeds", smaller);
    cr_assert_geq(shallower, SEEDS - 1, "a smaller fall on only %d seeds", shallower);
    cr_assert_lt(on.max_dislocation, off.max_dislocation, "%f with the band, %f without",
                 on.max_dislocation, off.max_dislocation);
    cr_assert_lt(on.drop_bps, off.drop_bps);
}

/* Dynamic margin reacts to volatility that has already happened: the
 * squeeze's cascade runs inside the shock's step, and the scale jumps only at
 * the end of that step or the next: higher than before the shock on every seed
 * of 1-8, at its cap (3x) on most (at least 5; 6 when last measured, seeds 3
 * and 4 at 1.84x and 1.74x). The raised rates never liquidate fewer: over seeds
 * 1-8, at least as many liquidations as long-squeeze on every seed, more on at
 * least one (28 against 10 on seed 4, 15 against 9 on seed 7 with the whale's
 * shock; none of them triggered by a margin change itself, which the first
 * design of the shock showed on seeds 2 and 4). configs/README.md tells this
 * story. */
Test(scenarios, dynamic_margin_reacts_after_the_cascade, .timeout = 600)
{
    int more = 0, at_cap = 0;
    for (unsigned s = 1; s <= sweep_seeds(8); s++) {
        struct metrics dyn = run("dynamic-margin", NULL, 0, s);
        struct metrics fixed = run("long-squeeze", NULL, 0, s);
        cr_assert_gt(dyn.scale_after, dyn.scale_before,
                     "seed %u: scale %lld ppm after the "
                     "shock, %lld before",
                     s, (long long)dyn.scale_after, (long long)dyn.scale_before);
        at_cap += dyn.scale_after == 3 * CAS_PPM;
        cr_assert_eq(fixed.margin_liquidations, 0u);
        cr_assert_geq(dyn.liquidations, fixed.liquidations,
                      "seed %u: %llu liquidations with dynamic margin, %llu without", s,
                      (unsigned long long)dyn.liquidations, (unsigned long long)fixed.liquidations);
        more += dyn.liquidations > fixed.liquidations;
        cr_log_info("seed %u: %llu liquidations (%llu by margin) against %llu", s,
                    (unsigned long long)dyn.liquidations,
                    (unsigned long long)dyn.margin_liquidations,
                    (unsigned long long)fixed.liquidations);
    }
    if (sweep_quick())
        return;
    cr_assert_geq(more, 1, "dynamic margin liquidated more on no seed of 1-8");
    cr_assert_geq(at_cap, 5, "the scale at its cap after the shock on only %d of 8 seeds", at_cap);
}

/* Cross margin spreads a shock to one perpetual into the other: accounts
 * holding both are liquidated whole. With isolated margin the other leg is
 * all but untouched while the arbitrageurs are small and slow (the config's): at most a
 * tenth of cross margin's B liquidations. With the default, deep arbitrage, their spot
 * hedges carry the crash into the shared index and isolated margin no longer protects B.
 * configs/README.md, cross-margin-contagion.json, says so. Instruments: 0 spot,
 * 1 perpetual A (shocked), 2 perpetual B. */
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
    for (unsigned s = 1; s <= sweep_seeds(SEEDS); s++) {
        struct metrics cross = run("cross-margin-contagion", NULL, 0, s);
        struct metrics apart = run("cross-margin-contagion", isolated, 1, s);
        struct metrics arbitraged = run("cross-margin-contagion", deep, 7, s);
        cr_assert_gt(cross.liq_by_instrument[2], 0u, "seed %u: no contagion under cross margin", s);
        cr_assert_gt(cross.from_other[2], 0u, "seed %u: no row on B triggered from A", s);
        cr_assert_gt(apart.liq_by_instrument[1], 0u, "seed %u: the shock liquidated nobody", s);
        cr_assert_lt(apart.liq_by_instrument[2] * 10, cross.liq_by_instrument[2],
                     "seed %u: isolated margin let it spread (%llu on B against %llu)", s,
                     (unsigned long long)apart.liq_by_instrument[2],
                     (unsigned long long)cross.liq_by_instrument[2]);
        cr_assert_gt(arbitraged.liq_by_instrument[2], apart.liq_by_instrument[2],
                     "seed %u: deep arbitrage did not carry the crash to B", s);
    }
}

/* README.md, "The default experiment": 40 leveraged traders coming and going "so that a
 * handful are liquidated in the day"; configs/README.md, default.json: "the day's few
 * liquidations" (tested: between 2 and 20 in the whole day on each of seeds 1-4).
 * Measured on Binance's own rules (issue 19): 10, 13, 8 and 8. A whole day per seed, the default's 86,400 steps. */
Test(scenarios, the_default_day_liquidates_a_handful, .timeout = 600)
{
    for (unsigned s = 1; s <= sweep_seeds(SEEDS); s++) {
        struct metrics day = run("default", NULL, 0, s);
        cr_log_info("seed %u: %llu liquidations in the default day", s,
                    (unsigned long long)day.liquidations);
        cr_assert(day.liquidations >= 2 && day.liquidations <= 20,
                  "seed %u: %llu liquidations in the default day", s,
                  (unsigned long long)day.liquidations);
    }
}

/* The stories' descriptions of the configs, checked against the configs. */

/* The population of `type` in cfg (the first), and how many agents of that type in all. */
static const struct cas_population_config *pop(const struct cas_config *cfg, const char *type,
                                               uint32_t *count)
{
    const struct cas_population_config *found = NULL;
    *count = 0;
    for (uint32_t p = 0; p < cfg->n_populations; p++)
        if (strcmp(cfg->populations[p].type->name, type) == 0) {
            found = found ? found : &cfg->populations[p];
            *count += cfg->populations[p].count;
        }
    cr_assert_not_null(found, "%s has no %s population", cfg->name, type);
    return found;
}

static uint32_t count_of(const struct cas_config *cfg, const char *type)
{
    uint32_t n;
    pop(cfg, type, &n);
    return n;
}

/* The distribution of parameter `param` of the first `type` population. */
static struct cas_dist param(const struct cas_config *cfg, const char *type, const char *param)
{
    uint32_t n;
    const struct cas_population_config *p = pop(cfg, type, &n);
    for (uint32_t i = 0; i < p->type->n_params; i++)
        if (strcmp(p->type->params[i].name, param) == 0)
            return p->dists[i];
    cr_assert_fail("%s has no parameter %s", type, param);
    return (struct cas_dist){0};
}

static double constant(const struct cas_config *cfg, const char *type, const char *name)
{
    struct cas_dist d = param(cfg, type, name);
    cr_assert_eq(d.kind, CAS_DIST_CONSTANT, "%s: %s.%s is not a constant", cfg->name, type, name);
    return d.a;
}

static void uniform(const struct cas_config *cfg, const char *type, const char *name, double low,
                    double high)
{
    struct cas_dist d = param(cfg, type, name);
    cr_assert(d.kind == CAS_DIST_UNIFORM && d.a == low && d.b == high,
              "%s: %s.%s is not uniform on [%g, %g]", cfg->name, type, name, low, high);
}

/* The squeeze family's market (configs/README.md, above the table): a BTC-like perpetual,
 * tick 5, lot 0.01, price 60,000, marked at the mid, liquidated by market orders, a
 * 1,000,000 insurance fund; 4 market makers, 20 fundamental traders, 3 basis arbitrageurs
 * and 40 leveraged traders. The default day has the same contract and traders under
 * Binance's rules as its profile gives them: the median mark, the 5% band around the
 * 5-minute mean, liquidation by IOC orders at the bankruptcy price. */
static void own_rules(const struct cas_config *cfg)
{
    const struct cas_instrument_config *in = &cfg->instruments[0];
    cr_assert_eq(in->mark_method, CAS_MARK_MEDIAN, "%s: not on Binance's median mark", cfg->name);
    cr_assert(in->band_on && in->band.pct == 0.05 &&
                  (double)in->band.window * cfg->step_seconds == 300,
              "%s: not Binance's 5%% band", cfg->name);
    cr_assert_eq(in->spec.liq_style, CAS_LIQ_IOC_BANKRUPTCY, "%s: not Binance's liquidation",
                 cfg->name);
}

static void squeeze_contract(const struct cas_config *cfg)
{
    const struct cas_instrument_config *in = &cfg->instruments[0];
    cr_assert_str_eq(in->kind, "perpetual", "%s", cfg->name);
    cr_assert(in->tick_size == 5 && in->lot_size == 0.01, "%s: tick or lot", cfg->name);
    cr_assert_eq((double)in->initial_price * in->tick_size, 60000, "%s", cfg->name);
    cr_assert_eq((double)cfg->insurance_fund * pow(10, -cfg->money_decimals), 1e6, "%s", cfg->name);
    cr_assert_eq(count_of(cfg, "market_maker"), 4u, "%s", cfg->name);
    cr_assert_eq(count_of(cfg, "fundamental"), 20u, "%s", cfg->name);
    cr_assert_eq(count_of(cfg, "basis_arb"), 3u, "%s", cfg->name);
    cr_assert_eq(count_of(cfg, "leveraged"), 40u, "%s", cfg->name);
}

static void squeeze_market(const struct cas_config *cfg)
{
    squeeze_contract(cfg);
    const struct cas_instrument_config *in = &cfg->instruments[0];
    cr_assert_eq(in->mark_method, CAS_MARK_MID, "%s: not marked at the mid", cfg->name);
    cr_assert_eq(in->spec.liq_style, CAS_LIQ_MARKET, "%s: not liquidated by market orders",
                 cfg->name);
}

/* `n` market sells of `qty` lots on `instrument`, `gap` steps apart from `step`. */
static void market_sells(const struct cas_config *cfg, uint32_t n, cas_lots qty, cas_step step,
                         cas_step gap, uint32_t instrument)
{
    cr_assert_eq(cfg->n_shocks, n, "%s: %u shocks", cfg->name, cfg->n_shocks);
    for (uint32_t k = 0; k < n; k++) {
        const struct cas_shock_config *sh = &cfg->shocks[k];
        cr_assert(sh->kind == CAS_SHOCK_MARKET_ORDER && sh->side == CAS_SELL && sh->qty == qty &&
                      sh->step == step + (cas_step)k * gap && sh->instrument == instrument,
                  "%s: shock %u", cfg->name, k);
    }
}

/* The squeeze family's whale: 20 opening market buys of 50 lots, one a minute from step
 * 300 (1,000 lots of 0.01 at 60,000: 600,000), then at step 2400 one closing sell of the
 * whole 1,000 lots (configs/README.md, the family's paragraph). */
static void whale(const struct cas_config *cfg)
{
    cr_assert_eq(cfg->n_shocks, 21u, "%s: %u shocks", cfg->name, cfg->n_shocks);
    for (uint32_t k = 0; k < 20; k++) {
        const struct cas_shock_config *sh = &cfg->shocks[k];
        cr_assert(sh->kind == CAS_SHOCK_MARKET_ORDER && sh->side == CAS_BUY && sh->qty == 50 &&
                      sh->step == 300 + (cas_step)k * 60 && sh->position == CAS_SHOCK_OPEN,
                  "%s: shock %u", cfg->name, k + 1);
    }
    const struct cas_shock_config *sell = &cfg->shocks[20];
    cr_assert(sell->kind == CAS_SHOCK_MARKET_ORDER && sell->side == CAS_SELL && sell->qty == 1000 &&
                  sell->step == 2400 && sell->position == CAS_SHOCK_CLOSE,
              "%s: the closing sell", cfg->name);
    cr_assert_eq(cfg->steps, 4800, "%s: 80 minutes", cfg->name);
}

/* configs/README.md's table describes each config as it is: the populations, leverage,
 * shocks and rules its stories name (the dynamic-margin row aside, which its own test
 * holds). */
Test(scenarios, the_stories_describe_their_configs)
{
    struct cas_config cfg = {0};

    scenario_load(&cfg, "default", NULL, 0);
    squeeze_contract(&cfg);
    own_rules(&cfg);
    cr_assert(cfg.steps == 86400 && cfg.step_seconds == 1 && cfg.n_shocks == 0);
    uniform(&cfg, "leveraged", "leverage", 20, 80);
    cr_assert_eq(constant(&cfg, "leveraged", "long_prob"), 0.5);
    cr_assert_eq(constant(&cfg, "leveraged", "hold_steps"), 3600);
    cas_config_release(&cfg);

    static const char *const squeezes[] = {"long-squeeze", "no-leverage", "circuit-breaker"};
    for (int k = 0; k < 3; k++) {
        scenario_load(&cfg, squeezes[k], NULL, 0);
        squeeze_market(&cfg);
        whale(&cfg);
        cr_assert_eq(constant(&cfg, "leveraged", "long_prob"), 0.8);
        if (k == 1)
            cr_assert_eq(constant(&cfg, "leveraged", "leverage"), 1);
        else
            uniform(&cfg, "leveraged", "leverage", 20, 60);
        cr_assert_eq(cfg.instruments[0].band_on, k == 2, "%s: price band", squeezes[k]);
        if (k == 2)
            cr_assert(cfg.instruments[0].band.pct == 0.02 &&
                          (double)cfg.instruments[0].band.window * cfg.step_seconds == 300,
                      "circuit-breaker: not a 2%% band around the 5-minute mean");
        cas_config_release(&cfg);
    }

    scenario_load(&cfg, "front-running", NULL, 0);
    squeeze_market(&cfg);
    uniform(&cfg, "leveraged", "leverage", 20, 60);
    cr_assert(cfg.n_shocks == 1 && cfg.shocks[0].kind == CAS_SHOCK_INDEX_JUMP &&
              cfg.shocks[0].pct == -0.02 && cfg.shocks[0].step == 2400);
    cr_assert_eq(count_of(&cfg, "front_runner"), 20u);
    cr_assert_eq(constant(&cfg, "front_runner", "reach"), 0.01);
    cr_assert_eq(constant(&cfg, "front_runner", "min_cluster"), 40000);
    cas_config_release(&cfg);

    scenario_load(&cfg, "keepers", NULL, 0);
    const struct cas_instrument_config *k = &cfg.instruments[0];
    cr_assert(k->spec.liq_mode == CAS_LIQ_KEEPER && k->mark_method == CAS_MARK_INDEX_EMA &&
              (double)k->mark_ema_steps * cfg.step_seconds == 60);
    cr_assert(k->spec.n_tiers == 1 && k->spec.tiers[0].mmr_ppm == 30000, "keepers: not 3%%");
    cr_assert(k->spec.close_factor_ppm == 500000 && k->spec.liq_bonus_ppm == 20000);
    cr_assert_eq(count_of(&cfg, "basis_arb"), 5u);
    cr_assert_eq(count_of(&cfg, "leveraged"), 40u);
    uniform(&cfg, "leveraged", "leverage", 10, 20);
    cr_assert_eq(constant(&cfg, "leveraged", "long_prob"), 0.8);
    cr_assert_eq(count_of(&cfg, "liquidator"), 3u);
    cr_assert_eq(constant(&cfg, "liquidator", "rate"), 1);
    cr_assert_eq(cfg.n_shocks, 15u, "keepers: 15 minutes of falls");
    for (uint32_t s = 0; s < cfg.n_shocks; s++)
        cr_assert(cfg.shocks[s].kind == CAS_SHOCK_INDEX_JUMP && cfg.shocks[s].pct == -0.01 &&
                      cfg.shocks[s].step == 1800 + 60 * (cas_step)s,
                  "keepers: shock %u", s);
    cas_config_release(&cfg);

    scenario_load(&cfg, "cross-margin-contagion", NULL, 0);
    cr_assert(cfg.n_instruments == 3 && strcmp(cfg.instruments[1].name, "BTC-PERP-A") == 0 &&
              strcmp(cfg.instruments[2].name, "BTC-PERP-B") == 0 &&
              cfg.instruments[1].index_spot == 0 && cfg.instruments[2].index_spot == 0);
    cr_assert_eq(count_of(&cfg, "leveraged"), 40u);
    cr_assert(cfg.n_populations > 8 && strcmp(cfg.populations[8].type->name, "leveraged") == 0 &&
                  cfg.populations[8].margin == CAS_CROSS,
              "agents[8] is not the cross-margined leveraged population");
    market_sells(&cfg, 1, 1500, 2400, 0, 1);
    cas_config_release(&cfg);

    scenario_load(&cfg, "gamma-squeeze", NULL, 0);
    const struct cas_instrument_config *g = &cfg.instruments[0];
    cr_assert(strcmp(g->kind, "spot") == 0 && g->tick_size == 5 && g->lot_size == 0.01 &&
              (double)g->initial_price * g->tick_size == 60000);
    cr_assert_eq(count_of(&cfg, "market_maker"), 4u);
    cr_assert_eq(count_of(&cfg, "fundamental"), 20u);
    cr_assert_eq(count_of(&cfg, "option_dealer"), 3u);
    cr_assert_eq(constant(&cfg, "option_dealer", "short_gamma"), 1);
    cr_assert_eq(constant(&cfg, "option_dealer", "max_options"), 270);
    cr_assert_eq(constant(&cfg, "option_dealer", "flow_rate"), 0.34);
    cr_assert_eq(constant(&cfg, "option_dealer", "maturity_hours"), 4);
    cr_assert_eq(constant(&cfg, "option_dealer", "strike_spread"), 0.01);
    market_sells(&cfg, 20, 50, 2400, 10, 0);
    cas_config_release(&cfg);
}

/* The amplification factor of `cascade run --counterfactual` for the config's last shock
 * (the squeeze's: the whale's closing sell), read from summary.json. */
static double factor_of(const char *name, unsigned seed)
{
    char dir[128];
    snprintf(dir, sizeof dir, "cf-%s-%u", name, seed);
    cr_assert_eq(run_cascade("run '%s/configs/%s.json' --seed %u --counterfactual -o %s --quiet",
                             source_root(), name, seed, dir),
                 0, "%s: cascade run --counterfactual failed", name);
    char path[256];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *summary = slurp_file(path);
    cr_assert_not_null(summary, "no %s", path);
    double factor = NAN;
    for (const char *at = summary; (at = strstr(at, "\"factor\": ")) != NULL; at++) {
        char *end;
        double v = strtod(at + strlen("\"factor\": "), &end);
        factor = end > at + strlen("\"factor\": ") ? v : NAN; /* the last one counts */
    }
    free(summary);
    cr_assert(!isnan(factor), "no amplification factor for %s", name);
    return factor;
}

/* --counterfactual: the squeeze's move is amplified by its liquidations; the
 * control, which liquidates nobody, has a factor of exactly 1. */
Test(scenarios, counterfactual_amplification, .timeout = 600)
{
    for (unsigned seed = 1; seed <= sweep_seeds(2); seed++) {
        double squeeze = factor_of("long-squeeze", seed), control = factor_of("no-leverage", seed);
        cr_assert_gt(squeeze, 1, "seed %u: factor %f", seed, squeeze);
        cr_assert_eq(control, 1, "seed %u: control factor %f", seed, control);
    }
}

/* Every scenario runs from the command line, conserves money, and writes
 * byte-identical files twice over (performance figures aside). The default day runs its
 * first hour; in the sanitized build btc-perp's day too. */
Test(scenarios, every_scenario_runs_conserves_money_and_repeats_exactly, .timeout = 900)
{
    static const char *const names[] = {
        "default",           "no-leverage",    "long-squeeze",
        "circuit-breaker",   "dynamic-margin", "front-running",
        "keepers",           "gamma-squeeze",  "cross-margin-contagion",
        "bench/rmsc04-like", "btc-perp"};
    const char *dir = run_tmp;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char cmd[4096];
        /* the whole days for an hour (the sanitized build's btc-perp too) */
        bool day = strcmp(names[k], "default") == 0 ||
                   (sweep_quick() && strcmp(names[k], "btc-perp") == 0);
        const char *steps = day ? "--steps 3600" : "";
        for (int r = 0; r < 2; r++)
            cr_assert_eq(run_cascade("run '%s/configs/%s.json' %s -o '%s-%d' --quiet",
                                     source_root(), names[k], steps, names[k], r),
                         0, "%s: run %d failed", names[k], r);
        static const char *const files[] = {"timeseries.csv", "liquidations.csv", "cascades.csv",
                                            "liqmap.csv",     "accounts.csv",     "replay.jsonl",
                                            "config.json"};
        for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
            /* a file the config switches off must be absent from both */
            snprintf(cmd, sizeof cmd,
                     "if [ -e '%s/%s-0/%s' ]; then cmp -s '%s/%s-0/%s' '%s/%s-1/%s'; "
                     "else [ ! -e '%s/%s-1/%s' ]; fi",
                     dir, names[k], files[f], dir, names[k], files[f], dir, names[k], files[f], dir,
                     names[k], files[f]);
            cr_assert_eq(system(cmd), 0, "%s: %s differs between two runs", names[k], files[f]);
        }
        snprintf(
            cmd, sizeof cmd,
            "grep -v '\"performance\"' '%s/%s-0/summary.json' > '%s/a' &&"
            " grep -v '\"performance\"' '%s/%s-1/summary.json' > '%s/b' && cmp -s '%s/a' '%s/b'"
            " && grep -q '\"conserved\": true' '%s/a'",
            dir, names[k], dir, dir, names[k], dir, dir, dir, dir);
        cr_assert_eq(system(cmd), 0, "%s: summary differs or money is not conserved", names[k]);
    }
}

/* configs/bench/rmsc04-like.json is matched to ABIDES's rmsc04 day, which
 * counts 40,415 orders, 19,806 cancellations and 19,770 fills: its own
 * counts (seed 0) are each within 5% of those (docs/performance.md). */
Test(scenarios, rmsc04_like_day_matches_the_abides_counts)
{
    struct cas_config cfg = {0};
    scenario_load(&cfg, "bench/rmsc04-like", NULL, 0);
    struct cas_sim *sim = scenario_start(&cfg, NULL, "rmsc04-like");
    scenario_finish(sim, &cfg, "rmsc04-like");
    struct cas_sim_counters c = cas_sim_counters(sim);
    double orders = (double)c.orders, cancels = (double)(c.cancels + c.expiries);
    double fills = (double)c.trades;
    cr_log_info("rmsc04-like: %llu orders, %.0f cancels, %llu fills", (unsigned long long)c.orders,
                cancels, (unsigned long long)c.trades);
    cr_assert_lt(fabs(orders / 40415 - 1), 0.05, "orders %.0f", orders);
    cr_assert_lt(fabs(cancels / 19806 - 1), 0.05, "cancels %.0f", cancels);
    cr_assert_lt(fabs(fills / 19770 - 1), 0.05, "fills %.0f", fills);
    cr_assert_eq(c.rejected, 0u);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
}
