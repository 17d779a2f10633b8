/* test_scenario_gamma: configs/gamma-squeeze.json's claims, that option dealers who are
 * short gamma make the market more volatile than the same dealers long gamma (and than no
 * dealers), and that three times the gamma is unstable both ways. Each test quotes the
 * configs/README.md sentence it holds.
 *
 * Paired runs over several seeds: the same config and seeds, only the dealers'
 * `short_gamma` changed. On the scenario's spot book the dealers' underlying is the
 * book's own mid, so their hedges feed back on the price they follow: short gamma
 * sells into falls and buys into rises, long gamma the reverse. */
#include "lib/scenario.h"

#define SEEDS 4
#define DEALERS "agents[3].params.short_gamma" /* the option_dealer population */
#define HORIZON 60                             /* steps per return */
#define BOOK_FULL 900 /* 270 options at 0.34 a step fill a book after 794 steps on average */

struct metrics {
    double prev_price;
    double sum_r2, sum_r2_calm; /* squared HORIZON-step log returns from BOOK_FULL on */
    uint64_t n_r, n_r_calm;     /* ... over the whole run, and before the first shock */
    double pre_shock, min_after;
    cas_step first_shock;
    double vol, vol_calm; /* realized volatility per HORIZON steps */
    double fall_bps;      /* (pre_shock - min_after) / pre_shock */
    uint64_t one_sided;   /* steps ending with a side of the book empty */
};

static void on_step(void *ctx, const struct cas_sim *sim)
{
    struct metrics *m = ctx;
    cas_step now = cas_sim_now(sim);
    double p = scenario_price(sim, 0);
    cas_ticks bid, ask;
    const struct cas_book *b = cas_sim_book(sim, 0);
    m->one_sided += !cas_book_best_bid(b, &bid) || !cas_book_best_ask(b, &ask);
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

/* Run configs/gamma-squeeze.json with the dealers short (1) or long (0) gamma, and `extra`
 * (a --set, or NULL). */
static struct metrics run(int short_gamma, unsigned seed, const char *extra)
{
    char gamma_set[64];
    snprintf(gamma_set, sizeof gamma_set, DEALERS "=%d", short_gamma);
    const char *sets[] = {gamma_set, extra};
    struct cas_config cfg = {0};
    scenario_load_seed(&cfg, "gamma-squeeze", sets, extra ? 2 : 1, seed);
    cr_assert_gt(cfg.n_shocks, 0u, "the scenario has no shock");
    struct metrics m = {.min_after = INFINITY, .first_shock = cfg.shocks[0].step};
    cr_assert_gt(m.first_shock, BOOK_FULL + 10 * HORIZON, "too few calm returns before the shock");
    struct cas_sim_observer obs = {.ctx = &m, .on_step = on_step};
    struct cas_sim *sim = scenario_start(&cfg, &obs, "gamma-squeeze");
    scenario_finish(sim, &cfg, "gamma-squeeze");
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    cr_assert_gt(m.n_r_calm, 0u);
    m.vol = sqrt(m.sum_r2 / (double)m.n_r);
    m.vol_calm = sqrt(m.sum_r2_calm / (double)m.n_r_calm);
    m.fall_bps = (m.pre_shock - m.min_after) / m.pre_shock * 1e4;
    return m;
}

/* configs/README.md, gamma-squeeze.json: short gamma gives "about 1.7x higher [realized
 * volatility] over the run (tested: 1.4-2.2x on average over seeds 1-4, higher on at least
 * 3 of the 4), 2x in the calm before the selling (1.6-3.2x, the same way), and a deeper
 * fall under it (on average and on at least 3 of the 4)"; "Without dealers
 * (agents[3].params.flow_rate=0) volatility sits near the long-gamma run's (nearer it than
 * the short-gamma run's on every seed of 1-4)"; and, at the config's gamma, volatility
 * stays below 0.2% and the book never loses a side (the contrast for three times the
 * gamma, below).
 *
 * Measured (seeds 1-4): vol 0.127-0.148% short, 0.073-0.094% long, 0.081-0.099% without
 * dealers; mean ratios 1.75 over the run, 2.32 in the calm; falls 111-128 bps against
 * 74-92. */
Test(scenario_gamma, short_gamma_dealers_raise_realized_volatility, .timeout = 600)
{
    struct metrics sg[SEEDS], lg[SEEDS], none[SEEDS];
    double vol_s = 0, vol_l = 0, calm_s = 0, calm_l = 0, fall_s = 0, fall_l = 0;
    int higher = 0, higher_calm = 0, deeper = 0;
    for (unsigned k = 0; k < sweep_seeds(SEEDS); k++) {
        sg[k] = run(1, k + 1, NULL);
        lg[k] = run(0, k + 1, NULL);
        none[k] = run(1, k + 1, "agents[3].params.flow_rate=0");
        cr_log_info("seed %u: vol %.4f%% short, %.4f%% long, %.4f%% without dealers; calm "
                    "%.4f%% / %.4f%%; fall %.0f / %.0f bps",
                    k + 1, 100 * sg[k].vol, 100 * lg[k].vol, 100 * none[k].vol,
                    100 * sg[k].vol_calm, 100 * lg[k].vol_calm, sg[k].fall_bps, lg[k].fall_bps);
        vol_s += sg[k].vol / SEEDS;
        vol_l += lg[k].vol / SEEDS;
        calm_s += sg[k].vol_calm / SEEDS;
        calm_l += lg[k].vol_calm / SEEDS;
        fall_s += sg[k].fall_bps / SEEDS;
        fall_l += lg[k].fall_bps / SEEDS;
        higher += sg[k].vol > lg[k].vol;
        higher_calm += sg[k].vol_calm > lg[k].vol_calm;
        deeper += sg[k].fall_bps > lg[k].fall_bps;
        cr_assert_lt(fabs(none[k].vol - lg[k].vol), fabs(sg[k].vol - none[k].vol),
                     "seed %u: vol %.4f%% without dealers, %.4f%% long, %.4f%% short", k + 1,
                     100 * none[k].vol, 100 * lg[k].vol, 100 * sg[k].vol);
        cr_assert(sg[k].vol < 0.002 && lg[k].vol < 0.002, "seed %u: vol %.4f%% / %.4f%%", k + 1,
                  100 * sg[k].vol, 100 * lg[k].vol);
        cr_assert(sg[k].one_sided == 0 && lg[k].one_sided == 0, "seed %u: a side of the book empty",
                  k + 1);
    }
    if (sweep_quick())
        return;
    cr_log_info("mean vol ratio %.2f over the run, %.2f in the calm; fall %.0f / %.0f bps",
                vol_s / vol_l, calm_s / calm_l, fall_s, fall_l);
    cr_assert(vol_s > 1.4 * vol_l && vol_s < 2.2 * vol_l,
              "realized vol %.4f%% short gamma, "
              "%.4f%% long",
              100 * vol_s, 100 * vol_l);
    cr_assert_geq(higher, SEEDS - 1, "higher in only %d of %d seeds", higher, SEEDS);
    cr_assert(calm_s > 1.6 * calm_l && calm_s < 3.2 * calm_l,
              "calm vol %.4f%% short gamma, "
              "%.4f%% long",
              100 * calm_s, 100 * calm_l);
    cr_assert_geq(higher_calm, SEEDS - 1, "calm: higher in only %d of %d seeds", higher_calm,
                  SEEDS);
    cr_assert_gt(fall_s, fall_l, "the selling's fall: %.0f bps short gamma, %.0f long", fall_s,
                 fall_l);
    cr_assert_geq(deeper, SEEDS - 1, "deeper in only %d of %d seeds", deeper, SEEDS);
}

/* configs/README.md, gamma-squeeze.json: "Three times the gamma
 * (agents[3].params.contract_lots=3) is unstable both ways: short gamma's volatility rises
 * severalfold (above 0.3% on every seed of 1-4), and long-gamma hedges ...
 * overshoot into oscillations that empty one side of the book (on every seed of 1-4;
 * volatility above 2%, against below 0.2% at the config's gamma)". The config's-gamma side
 * of the contrast is asserted in short_gamma_dealers_raise_realized_volatility. (Which of
 * the two is wilder depends on the seed and the random streams: with the ziggurat's
 * streams short gamma ran away on every seed, 8.9-172%, long 2.2-5.1%.)
 *
 * Measured (seeds 1-4): vol 0.46%, 184%, 3.96%, 0.39% short; 6.65%, 4.46%, 3.85%, 5.12%
 * long, with a side of the book empty at 100-204 step ends. */
Test(scenario_gamma, three_times_the_gamma_is_unstable_both_ways, .timeout = 600)
{
    for (unsigned k = 0; k < sweep_seeds(SEEDS); k++) {
        struct metrics s3 = run(1, k + 1, "agents[3].params.contract_lots=3");
        struct metrics l3 = run(0, k + 1, "agents[3].params.contract_lots=3");
        cr_log_info("seed %u, three times the gamma: vol %.4f%% short, %.4f%% long; a side of "
                    "the book empty at %llu / %llu step ends",
                    k + 1, 100 * s3.vol, 100 * l3.vol, (unsigned long long)s3.one_sided,
                    (unsigned long long)l3.one_sided);
        cr_assert_gt(s3.vol, 0.003, "seed %u: short-gamma vol %.4f%%", k + 1, 100 * s3.vol);
        cr_assert_gt(l3.vol, 0.02, "seed %u: long-gamma vol %.4f%%", k + 1, 100 * l3.vol);
        cr_assert_gt(l3.one_sided, 0u, "seed %u: the long-gamma book never lost a side", k + 1);
    }
}
