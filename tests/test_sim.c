/* test_sim: the scheduler and the zero-intelligence flow, against the model's rates. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cascade/config.h"
#include "cascade/exchange.h"
#include "cascade/sim.h"

static void load(struct cas_config *cfg, const char *json)
{
    struct cas_err err = {0};
    int rc = cas_config_parse(cfg, json, "test", NULL, 0, &err);
    cr_assert_eq(rc, 0, "config: %s: %s", err.path, err.msg);
}

/* A simulation of the JSON config (loaded into cfg) under obs (borrowed, or NULL). */
static struct cas_sim *start(struct cas_config *cfg, const char *json,
                             const struct cas_sim_observer *obs)
{
    load(cfg, json);
    struct cas_sim *sim = NULL;
    cr_assert_eq(cas_sim_create(&sim, cfg, obs, NULL), 0);
    return sim;
}

/* n steps, each of which must succeed. */
static void run_steps(struct cas_sim *sim, int n)
{
    for (int i = 0; i < n; i++)
        cr_assert_eq(cas_sim_step(sim), 0, "step %d", i);
}

static void finish(struct cas_sim *sim, struct cas_config *cfg)
{
    cas_sim_destroy(sim);
    cas_config_release(cfg);
}

static const char *zi(double mu, double alpha, double delta, int count, int window, unsigned seed,
                      int steps)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"seed\": %u, \"steps\": %d, \"record\": {\"sample_every\": 1},"
             " \"instruments\": [{\"name\": \"X\", \"tick_size\": 1, \"initial_price\": 10000}],"
             " \"agents\": [{\"type\": \"noise\", \"count\": %d, \"params\":"
             " {\"mu\": %g, \"alpha\": %g, \"delta\": %g, \"sigma\": 1, \"window\": %d}}]}",
             seed, steps, count, mu, alpha, delta, window);
    return buf;
}

struct trace {
    uint64_t hash, fills;
};

static void hash_fill(void *ctx, uint32_t instrument, const struct cas_fill *f,
                      struct cas_cause cause)
{
    (void)cause;
    struct trace *t = ctx;
    uint64_t v[] = {instrument, f->taker_id, f->maker_id, (uint64_t)f->price, (uint64_t)f->qty};
    for (size_t i = 0; i < 5; i++)
        t->hash = (t->hash ^ v[i]) * 0x100000001b3ULL;
    t->fills++;
}

static struct trace run_trace(const char *json, int steps)
{
    struct cas_config cfg = {0};
    struct trace t = {0xcbf29ce484222325ULL, 0};
    struct cas_sim_observer obs = {.ctx = &t, .on_trade = hash_fill};
    struct cas_sim *sim = start(&cfg, json, &obs);
    run_steps(sim, steps);
    char why[256];
    cr_assert(cas_book_check(cas_sim_book(sim, 0), why, sizeof why), "%s", why);
    finish(sim, &cfg);
    return t;
}

Test(sim, same_seed_same_fills_other_seed_other_fills)
{
    struct trace a = run_trace(zi(0.5, 0.05, 0.02, 20, 30, 7, 5000), 5000);
    struct trace b = run_trace(zi(0.5, 0.05, 0.02, 20, 30, 7, 5000), 5000);
    struct trace c = run_trace(zi(0.5, 0.05, 0.02, 20, 30, 8, 5000), 5000);
    cr_assert_gt(a.fills, 1000u);
    cr_assert_eq(a.hash, b.hash);
    cr_assert_eq(a.fills, b.fills);
    cr_assert_neq(a.hash, c.hash);
}

/* With no market orders nothing trades, so the book is an M/M/infinity queue:
 * limit orders arrive at 2 alpha window / sigma per step and each leaves at
 * rate delta; in steady state about 2 alpha window / delta orders rest. */
Test(sim, resting_orders_match_cancellation_rate)
{
    const double alpha = 0.04, delta = 0.02;
    const int window = 50, steps = 4000;
    struct cas_config cfg = {0};
    struct cas_sim *sim = start(&cfg, zi(0, alpha, delta, 10, window, 3, steps), NULL);
    double sum = 0;
    int n = 0;
    for (int i = 0; i < steps; i++) {
        cr_assert_eq(cas_sim_step(sim), 0);
        if (i >= 1000) { /* 20 lifetimes: steady state */
            sum += cas_book_orders(cas_sim_book(sim, 0));
            n++;
        }
    }
    double expect = 2 * alpha * window / delta, mean = sum / n;
    cr_assert_lt(fabs(mean / expect - 1), 0.06, "mean resting %f, model %f", mean, expect);
    struct cas_sim_counters c = cas_sim_counters(sim);
    cr_assert_eq(c.trades, 0u);
    double arrivals = 2 * alpha * window * steps;
    cr_assert_lt(fabs((double)c.orders / arrivals - 1), 0.03, "orders %llu, expected %f",
                 (unsigned long long)c.orders, arrivals);
    finish(sim, &cfg);
}

/* The population carries the model's flow whatever its size. */
Test(sim, aggregate_rate_does_not_depend_on_count)
{
    const int steps = 5000;
    const double mu = 1.0, alpha = 0.02;
    const int window = 20;
    double expect = (mu + 2 * alpha * window) * steps;
    for (int count = 1; count <= 1000; count *= 10) {
        struct cas_config cfg = {0};
        struct cas_sim *sim = start(&cfg, zi(mu, alpha, 0.05, count, window, 11, steps), NULL);
        run_steps(sim, steps);
        struct cas_sim_counters c = cas_sim_counters(sim);
        /* wake-ups are Poisson: 5 standard errors */
        cr_assert_lt(fabs((double)c.wakeups - expect), 5 * sqrt(expect), "count %d: %llu vs %f",
                     count, (unsigned long long)c.wakeups, expect);
        finish(sim, &cfg);
    }
}

/* The scheduler files wake-ups and expiries in a ring of 4,096 steps and keeps
 * later ones aside until the ring reaches them. Here both are mostly far: each
 * of 1,000 agents wakes every 20,000 steps on average, and orders rest 5,000
 * steps on average. Nothing trades, so over T steps the agents wake 0.05 T
 * times and 0.05 (T - (1 - e^(-delta T)) / delta) orders expire. */
Test(sim, wakeups_and_expiries_beyond_the_ring_arrive_on_time)
{
    const double alpha = 0.0005, delta = 0.0002;
    const int window = 50, steps = 30000;
    struct cas_config cfg = {0};
    struct cas_sim *sim = start(&cfg, zi(0, alpha, delta, 1000, window, 4, steps), NULL);
    run_steps(sim, steps);
    struct cas_sim_counters c = cas_sim_counters(sim);
    double rate = 2 * alpha * window, wakes = rate * steps;
    double expired = rate * (steps - (1 - exp(-delta * steps)) / delta);
    cr_assert_lt(fabs((double)c.wakeups - wakes), 5 * sqrt(wakes), "wake-ups %llu vs %f",
                 (unsigned long long)c.wakeups, wakes);
    cr_assert_lt(fabs((double)c.expiries - expired), 5 * sqrt(expired), "expiries %llu vs %f",
                 (unsigned long long)c.expiries, expired);
    cr_assert_eq(c.trades, 0u);
    cr_assert_eq(cas_book_orders(cas_sim_book(sim, 0)), c.orders - c.expiries);
    finish(sim, &cfg);
}

/* Market orders trade against the resting flow and move the last price. */
Test(sim, market_orders_trade_at_resting_prices)
{
    struct cas_config cfg = {0};
    struct trace t = {0};
    struct cas_sim_observer obs = {.ctx = &t, .on_trade = hash_fill};
    struct cas_sim *sim = start(&cfg, zi(0.5, 0.05, 0.01, 5, 40, 5, 3000), &obs);
    run_steps(sim, 3000);
    struct cas_sim_counters c = cas_sim_counters(sim);
    cr_assert_gt(c.trades, 300u);
    cr_assert_gt(c.expiries, 1000u);
    cr_assert_neq(cas_sim_last(sim, 0), 10000);
    cas_ticks bid, ask;
    cr_assert(cas_book_best_bid(cas_sim_book(sim, 0), &bid));
    cr_assert(cas_book_best_ask(cas_sim_book(sim, 0), &ask));
    cr_assert_lt(bid, ask);
    finish(sim, &cfg);
}

Test(sim, refused_parameters_name_their_population)
{
    struct cas_config cfg = {0};
    load(&cfg, zi(0, 0, 0.1, 3, 10, 1, 10));
    struct cas_sim *sim;
    struct cas_err err = {0};
    cr_assert_eq(cas_sim_create(&sim, &cfg, NULL, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "agents[0].params.mu");
    cas_config_release(&cfg);
}

/* ---- the leveraged venue under the scheduler ---- */

static const char *perp(int leverage, const char *margin, const char *extra, unsigned seed,
                        int steps)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"seed\": %u, \"steps\": %d, \"record\": {\"sample_every\": 10},"
             " \"insurance_fund\": 1000,"
             " \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\", \"tick_size\": 1,"
             "   \"lot_size\": 0.01, \"initial_price\": 1000,"
             "   \"index\": {\"source\": \"gbm\", \"vol_annual\": 0.3},"
             "   \"mark\": {\"method\": \"index_ema\"},"
             "   \"funding\": {\"interval_hours\": 0.25},"
             "   \"margin\": {\"max_leverage\": 50, \"tiers\": [{\"notional\": 0, \"mmr\": 0.01,"
             "     \"max_leverage\": 50}]}%s}],"
             " \"agents\": [{\"type\": \"noise\", \"count\": 10, \"margin\": \"%s\", \"params\":"
             " {\"mu\": 1, \"alpha\": 0.1, \"delta\": 0.05, \"window\": 30, \"sigma\": 2,"
             "  \"collateral\": 20, \"leverage\": %d}}]}",
             seed, steps, extra, margin, leverage);
    return buf;
}

struct liq_count {
    uint64_t liquidations, done;
};

static void count_liq(void *ctx, const struct cas_liquidation *l)
{
    ((struct liq_count *)ctx)->liquidations++;
    (void)l;
}

static void count_done(void *ctx, const struct cas_liquidation_done *d)
{
    ((struct liq_count *)ctx)->done++;
    (void)d;
}

/* Money and open interest are conserved exactly after every step of random
 * leveraged trading with shocks, funding and liquidations. */
Test(sim, money_and_open_interest_conserved_every_step, .timeout = 120)
{
    static const char *const shocks = ", \"liquidation\": {\"style\": \"market\"}";
    for (unsigned seed = 1; seed <= 3; seed++) {
        for (int m = 0; m < 2; m++) {
            struct cas_config cfg = {0};
            char extra[256];
            snprintf(extra, sizeof extra, "%s", seed == 2 ? shocks : "");
            const char *json = perp(25, m ? "isolated" : "cross", extra, seed, 3000);
            char with_shocks[8192];
            snprintf(with_shocks, sizeof with_shocks,
                     "%.*s, \"shocks\": [{\"step\": 1000, \"kind\": \"market_order\","
                     " \"side\": \"sell\", \"qty\": 400}, {\"step\": 1000, \"kind\":"
                     " \"index_jump\", \"pct\": -0.12}, {\"step\": 2000, \"kind\":"
                     " \"index_jump\", \"pct\": 0.3}]}",
                     (int)strlen(json) - 1, json);
            load(&cfg, with_shocks);
            struct liq_count lc = {0};
            struct cas_sim_observer obs = {
                .ctx = &lc, .on_liquidation = count_liq, .on_liquidation_done = count_done};
            struct cas_sim *sim;
            struct cas_err err = {0};
            cr_assert_eq(cas_sim_create(&sim, &cfg, &obs, &err), 0, "%s: %s", err.path, err.msg);
            char why[256];
            for (int i = 0; i < 3000; i++) {
                cr_assert_eq(cas_sim_step(sim), 0);
                cr_assert(cas_exchange_check(cas_sim_exchange(sim), why, sizeof why),
                          "seed %u step %d: %s", seed, i, why);
            }
            cr_assert_gt(lc.liquidations, 0u, "seed %u: the shocks liquidated nobody", seed);
            struct cas_sim_counters c = cas_sim_counters(sim);
            cr_assert_eq(c.fundings, 3000 / 900);
            finish(sim, &cfg);
        }
    }
}

static uint64_t liquidations_after_shock(int leverage, unsigned seed)
{
    struct cas_config cfg = {0};
    const char *json = perp(leverage, "cross", "", seed, 1500);
    char buf[8192];
    snprintf(buf, sizeof buf,
             "%.*s, \"shocks\": [{\"step\": 1000, \"kind\": \"market_order\","
             " \"side\": \"sell\", \"qty\": 300}, {\"step\": 1000, \"kind\": \"index_jump\","
             " \"pct\": -0.15}]}",
             (int)strlen(json) - 1, json);
    struct liq_count lc = {0};
    struct cas_sim_observer obs = {.ctx = &lc, .on_liquidation = count_liq};
    struct cas_sim *sim = start(&cfg, buf, &obs);
    run_steps(sim, 1500);
    finish(sim, &cfg);
    return lc.liquidations;
}

/* The noise traders' own leverage is enough for a shock to liquidate some;
 * at leverage 1 nobody can be. */
Test(sim, a_shock_liquidates_leveraged_noise_traders_only)
{
    uint64_t lev = 0;
    for (unsigned seed = 1; seed <= 3; seed++) {
        lev += liquidations_after_shock(30, seed);
        cr_assert_eq(liquidations_after_shock(1, seed), 0u);
    }
    cr_assert_gt(lev, 0u);
}

/* ---- limit-order shocks ---- */

struct fills {
    struct cas_fill f[8];
    struct cas_cause cause[8];
    cas_step step[8];
    uint32_t n;
    struct cas_sim *sim; /* the run, for the callbacks to read */
};

static void keep_fill(void *ctx, uint32_t instrument, const struct cas_fill *f,
                      struct cas_cause cause)
{
    struct fills *k = ctx;
    (void)instrument;
    cr_assert_lt(k->n, 8u);
    k->cause[k->n] = cause;
    k->step[k->n] = cas_sim_now(k->sim);
    k->f[k->n++] = *f;
}

static void expect_level(const struct cas_sim *sim, enum cas_side side, uint32_t n,
                         const struct cas_level_info *want)
{
    struct cas_level_info got[8];
    uint32_t m = cas_book_depth(cas_sim_book(sim, 0), side, 8, got);
    cr_assert_eq(m, n, "%u levels on side %d, want %u", m, side, n);
    for (uint32_t k = 0; k < n; k++) {
        cr_assert_eq(got[k].price, want[k].price, "level %u", k);
        cr_assert_eq(got[k].qty, want[k].qty, "level %u", k);
    }
}

/* A limit_order shock rests in the book (tick 0.5: 99.5 is 199 ticks) until it is
 * filled, however many steps later; one that crosses trades at the resting price and
 * rests the rest; a market-order shock takes it. */
Test(sim, limit_order_shocks_rest_until_filled)
{
    struct fills k = {0};
    struct cas_sim_observer obs = {.ctx = &k, .on_trade = keep_fill};
    struct cas_config cfg = {0};
    const char *json = "{\"steps\": 100, \"instruments\": [{\"name\": \"X\", \"tick_size\": 0.5,"
                       " \"initial_price\": 100}], \"shocks\": ["
                       "{\"step\": 0, \"kind\": \"limit_order\", \"side\": \"buy\", \"qty\": 5,"
                       " \"price\": 99.5},"
                       "{\"step\": 0, \"kind\": \"limit_order\", \"side\": \"sell\", \"qty\": 3,"
                       " \"price\": 101},"
                       "{\"step\": 60, \"kind\": \"market_order\", \"side\": \"sell\", \"qty\": 2},"
                       "{\"step\": 61, \"kind\": \"limit_order\", \"side\": \"buy\", \"qty\": 4,"
                       " \"price\": 102}]}";
    struct cas_sim *sim = k.sim = start(&cfg, json, &obs);
    run_steps(sim, 60);
    expect_level(sim, CAS_BUY, 1, (struct cas_level_info[]){{199, 5, 1}});
    expect_level(sim, CAS_SELL, 1, (struct cas_level_info[]){{202, 3, 1}});
    cr_assert_eq(k.n, 0u, "nothing trades before step 60");
    cr_assert_eq(cas_sim_step(sim), 0); /* step 60: the market sell takes 2 of the bid */
    cr_assert_eq(k.n, 1u);
    cr_assert_eq(k.f[0].price, 199);
    cr_assert_eq(k.f[0].qty, 2);
    cr_assert_eq(k.f[0].taker_side, CAS_SELL);
    cr_assert_eq(k.cause[0].kind, CAS_CAUSE_SHOCK);
    cr_assert_eq(k.cause[0].id, 3, "the third shock in step order");
    expect_level(sim, CAS_BUY, 1, (struct cas_level_info[]){{199, 3, 1}});
    cr_assert_eq(cas_sim_step(sim), 0); /* step 61: buy 4 at 204 ticks crosses the ask */
    cr_assert_eq(k.n, 2u);
    cr_assert_eq(k.f[1].price, 202, "a crossing limit order trades at the resting price");
    cr_assert_eq(k.f[1].qty, 3);
    cr_assert_eq(k.step[1], 61);
    cr_assert_eq(k.cause[1].kind, CAS_CAUSE_SHOCK);
    cr_assert_eq(k.cause[1].id, 4);
    expect_level(sim, CAS_SELL, 0, NULL);
    expect_level(sim, CAS_BUY, 2, (struct cas_level_info[]){{204, 1, 1}, {199, 3, 1}});
    const struct cas_exchange *ex = cas_sim_exchange(sim);
    uint32_t owner = cas_exchange_order_owner(ex, k.f[0].maker_id);
    cr_assert_eq(owner, cas_exchange_order_owner(ex, k.f[0].taker_id),
                 "every shock order comes from the one shock account");
    cr_assert_eq(owner, cas_exchange_order_owner(ex, k.f[1].taker_id));
    struct cas_position_view pos;
    cas_exchange_position(ex, owner, 0, &pos);
    cr_assert_eq(pos.lots, 0, "the shock account traded only with itself");
    char why[256];
    cr_assert(cas_book_check(cas_sim_book(sim, 0), why, sizeof why), "%s", why);
    finish(sim, &cfg);
}

/* A limit order the book cannot hold (resting prices more than CAS_BOOK_MAX_SPAN ticks
 * apart) is dropped, like a refused market order; the run goes on and the shock account's
 * other order stays. */
Test(sim, limit_order_shock_the_book_cannot_hold_is_dropped)
{
    struct cas_config cfg = {0};
    const char *json = "{\"steps\": 10, \"instruments\": [{\"name\": \"X\", \"tick_size\": 0.01,"
                       " \"initial_price\": 100}], \"shocks\": ["
                       "{\"step\": 0, \"kind\": \"limit_order\", \"side\": \"buy\", \"qty\": 5,"
                       " \"price\": 99},"
                       "{\"step\": 1, \"kind\": \"limit_order\", \"side\": \"sell\", \"qty\": 5,"
                       " \"price\": 200000}]}";
    struct cas_sim *sim = start(&cfg, json, NULL);
    run_steps(sim, 10);
    expect_level(sim, CAS_SELL, 0, NULL);
    expect_level(sim, CAS_BUY, 1, (struct cas_level_info[]){{9900, 5, 1}});
    finish(sim, &cfg);
}

/* ---- closing market-order shocks ---- */

struct shock_fills {
    cas_lots qty[8];      /* by shock id */
    uint32_t taker[8][4]; /* the first owners of each shock's taker orders */
    uint32_t n_takers[8];
    struct cas_sim *sim; /* the run, for the callbacks to read */
};

static void sum_shock_fill(void *ctx, uint32_t instrument, const struct cas_fill *f,
                           struct cas_cause cause)
{
    struct shock_fills *k = ctx;
    (void)instrument;
    if (cause.kind != CAS_CAUSE_SHOCK || cause.id >= 8)
        return;
    k->qty[cause.id] += f->qty;
    uint32_t owner = cas_exchange_order_owner(cas_sim_exchange(k->sim), f->taker_id);
    uint32_t *n = &k->n_takers[cause.id];
    if (*n == 0 || k->taker[cause.id][*n - 1] != owner)
        if (*n < 4)
            k->taker[cause.id][(*n)++] = owner;
}

static cas_lots oi(const struct cas_sim *sim)
{
    cas_lots l, s;
    cas_exchange_open_interest(cas_sim_exchange(sim), 0, &l, &s);
    return l;
}

/* A "close" market order is sent by the holders of the opposite position, reduce-only:
 * by population 0's largest holder first, then the next, and never more than they hold;
 * without "holders", by the shock account against its own position. Open interest falls
 * by what the buyers close (here the shock account's short), never rises. */
Test(sim, closing_shocks_are_sent_by_holders_and_never_open_a_position)
{
    struct shock_fills k = {0};
    struct cas_sim_observer obs = {.ctx = &k, .on_trade = sum_shock_fill};
    struct cas_config cfg = {0};
    const char *json =
        "{\"steps\": 100, \"money_decimals\": 0, \"insurance_fund\": 0,"
        " \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\", \"tick_size\": 1,"
        " \"lot_size\": 1, \"initial_price\": 1000, \"index\": {\"source\": \"gbm\","
        " \"vol_annual\": 0}, \"mark\": {\"method\": \"last\"}, \"funding\": false,"
        " \"fees\": {\"maker\": 0, \"taker\": 0}, \"price_band\": false}],"
        " \"agents\": [{\"type\": \"leveraged\", \"count\": 2, \"params\": {\"long_prob\": 1,"
        " \"leverage\": 2, \"collateral\": 10000, \"size_fraction\": 1, \"rate\": 10,"
        " \"hold_steps\": 1e12, \"stop_loss\": 0, \"reentry\": 0}}],"
        " \"shocks\": ["
        "{\"step\": 0, \"kind\": \"limit_order\", \"side\": \"sell\", \"qty\": 40,"
        " \"price\": 1000},"
        "{\"step\": 0, \"kind\": \"limit_order\", \"side\": \"buy\", \"qty\": 500,"
        " \"price\": 990},"
        "{\"step\": 50, \"kind\": \"market_order\", \"side\": \"sell\", \"qty\": 25,"
        " \"position\": \"close\", \"holders\": 0},"
        "{\"step\": 60, \"kind\": \"market_order\", \"side\": \"sell\", \"qty\": 100,"
        " \"position\": \"close\", \"holders\": 0},"
        "{\"step\": 70, \"kind\": \"market_order\", \"side\": \"buy\", \"qty\": 100,"
        " \"position\": \"close\"}]}";
    struct cas_sim *sim = k.sim = start(&cfg, json, &obs);
    const struct cas_exchange *ex = cas_sim_exchange(sim);
    uint32_t shock = cas_sim_shock_account(sim);
    run_steps(sim, 50);
    cr_assert_eq(oi(sim), 40,
                 "two longs of 20 lots, the shock account's whole ask (so that a"
                 " holder that closes finds nothing to buy again)");
    cr_assert_eq(cas_sim_step(sim), 0); /* step 50: 25 of 40 long lots, largest first */
    cr_assert_eq(k.qty[3], 25);
    cr_assert_eq(k.n_takers[3], 2u, "20 lots from the first holder, 5 from the second");
    cr_assert_neq(k.taker[3][0], shock);
    cr_assert_neq(k.taker[3][1], shock);
    cr_assert_eq(oi(sim), 15, "the sellers closed longs and the buyer its short");
    run_steps(sim, 10); /* steps 51-60 */
    cr_assert_eq(k.qty[4], 15, "only what the holders held is sent, not the 100 asked");
    cr_assert_eq(oi(sim), 0);
    struct cas_position_view pos;
    for (uint32_t a = 0; a < 2; a++) {
        cas_exchange_position(ex, k.taker[3][a], 0, &pos);
        cr_assert_eq(pos.lots, 0, "a holder closed its long and opened no short");
    }
    run_steps(sim, 39); /* steps 61-99 */
    cr_assert_eq(k.qty[5], 0, "the shock account is flat: its closing order sends nothing");
    cas_exchange_position(ex, shock, 0, &pos);
    cr_assert_eq(pos.lots, 0);
    finish(sim, &cfg);
}

/* Positions held from the start: the holders' longs are matched against their shorts at
 * the longs' entry prices before the first step; what finds no opposite side is counted,
 * not opened; the venue is flat in total, money conserved, and nobody is under water. */
Test(sim, positions_from_the_start_are_matched_flat_and_conserved)
{
    static const char json[] =
        "{\"seed\": 7, \"steps\": 600, \"insurance_fund\": 1000,"
        " \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\", \"tick_size\": 1,"
        "   \"lot_size\": 0.01, \"initial_price\": 1000, \"venue\": \"binance\"}],"
        " \"agents\": [{\"type\": \"noise\", \"count\": 10},"
        "  {\"type\": \"market_maker\", \"count\": 2},"
        "  {\"type\": \"holder\", \"count\": 30, \"params\": {\"long_prob\": 1,"
        "   \"hold_steps\": 1e9, \"flat_steps\": 1, \"notional\": 500, \"leverage\": 20,"
        "   \"entry_vol\": 2}},"
        "  {\"type\": \"holder\", \"count\": 20, \"params\": {\"long_prob\": 0,"
        "   \"hold_steps\": 1e9, \"flat_steps\": 1, \"notional\": 600, \"leverage\": 3,"
        "   \"entry_vol\": 2}}]}";
    struct cas_config cfg;
    struct cas_sim *sim = start(&cfg, json, NULL);
    const struct cas_exchange *ex = cas_sim_exchange(sim);
    char why[256];
    cr_assert(cas_exchange_check(ex, why, sizeof why), "%s", why);
    struct cas_sim_counters c = cas_sim_counters(sim);
    cas_lots longs = 0, shorts = 0, oil, ois;
    for (uint32_t g = 12; g < 62; g++) {
        struct cas_position_view p;
        cas_exchange_position(ex, cas_sim_agent_account(sim, g), 0, &p);
        *(g < 42 ? &longs : &shorts) += g < 42 ? p.lots : -p.lots;
        cr_assert(g < 42 ? p.lots >= 0 : p.lots <= 0, "agent %u holds the wrong side", g);
    }
    cas_exchange_open_interest(ex, 0, &oil, &ois);
    cr_assert_eq(oil, ois);
    cr_assert_eq(oil, longs, "only the holders hold before the first step");
    cr_assert_eq(shorts, longs, "flat in total");
    cr_assert_eq((cas_lots)c.seeded_lots, longs);
    cr_assert_gt(c.unmatched_lots, 0, "30 x 500 of longs against 20 x 600 of shorts");
    cr_assert_gt(c.topped_up, 0, "at entry_vol 2 some 20x longs start under water");
    cr_assert_eq(cas_exchange_count_under_water(ex, 0), 0, "the topped up survive the start");
    /* the first long's counterparty entered at the same price: its entry is the long's */
    struct cas_position_view first_long, first_short;
    cas_exchange_position(ex, cas_sim_agent_account(sim, 12), 0, &first_long);
    cas_exchange_position(ex, cas_sim_agent_account(sim, 42), 0, &first_short);
    cr_assert(first_long.lots > 0 && first_short.lots < 0, "both hold from the start");
    if (-first_short.lots <= first_long.lots) /* the first short was matched with it alone */
        cr_assert_float_eq(first_short.entry, first_long.entry, 1e-9);
    else /* ... or the first long's lots are the first of the short's */
        cr_assert_neq(first_short.entry, 0);
    for (int i = 0; i < 600; i++) {
        cr_assert_eq(cas_sim_step(sim), 0);
        cr_assert(cas_exchange_check(ex, why, sizeof why), "step %d: %s", i, why);
    }
    finish(sim, &cfg);
}

/* A perpetual's index over three spot books (mids 100, 90 and 100, weights 5, 3 and 2: a
 * weighted average divides by their sum) is their weighted average with the outlier held
 * to the median x (1 - band), dropped, or kept. */
Test(sim, composite_index_follows_its_constituents_books)
{
    static const char *const rules[] = {"clamp", "drop", "none"};
    static const double expect[] = {(5 * 100 + 3 * 99 + 2 * 100) / 10.0, 100,
                                    (5 * 100 + 3 * 90 + 2 * 100) / 10.0};
    for (int r = 0; r < 3; r++) {
        char json[2048];
#define BOOK(N) " {\"name\": \"" N "\", \"initial_price\": 100, \"tick_size\": 1}"
#define QUOTE(N, SIDE, P)                                                                   \
    "{\"step\": 0, \"kind\": \"limit_order\", \"instrument\": \"" N "\", \"side\": \"" SIDE \
    "\", \"qty\": 1, \"price\": " P "}"
        snprintf(
            json, sizeof json,
            "{\"steps\": 5, \"instruments\": [{\"name\": \"P\", \"kind\": \"perpetual\","
            " \"tick_size\": 1, \"initial_price\": 95, \"index\": {\"source\": \"spot\","
            " \"constituents\": [{\"instrument\": \"A\", \"weight\": 5}, {\"instrument\":"
            " \"B\", \"weight\": 3}, {\"instrument\": \"C\", \"weight\": 2}],"
            " \"outliers\": \"%s\"}}," BOOK("A") "," BOOK("B") "," BOOK(
                "C") "],"
                     " \"agents\": [], \"shocks\": [" QUOTE("A", "buy", "99") "," QUOTE(
                         "A", "sell",
                         "101") "," QUOTE("B", "buy",
                                          "89") "," QUOTE("B", "sell",
                                                          "91") "," QUOTE("C", "buy",
                                                                          "98") "," QUOTE("C",
                                                                                          "sell",
                                                                                          "102") "]}",
            rules[r]);
#undef BOOK
#undef QUOTE
        struct cas_config cfg;
        struct cas_sim *sim = start(&cfg, json, NULL);
        run_steps(sim, 1);
        cr_assert_float_eq(cas_sim_index(sim, 0), 100, 1e-9, "step 0: the initial prices, not %g",
                           cas_sim_index(sim, 0));
        run_steps(sim, 1);
        cr_assert_float_eq(cas_sim_index(sim, 0), expect[r], 1e-9, "%s", rules[r]);
        finish(sim, &cfg);
    }
}

/* A population whose rates would wake the agents 3e8 times a step (a fuzzed config that
 * asked the scheduler for gigabytes) is refused before the run, at its path. */
Test(sim, wake_ups_beyond_the_cap_are_refused)
{
    struct cas_config cfg;
    load(&cfg, "{\"instruments\": [{\"name\": \"X\", \"initial_price\": 100}], \"agents\":"
               " [{\"type\": \"fundamental\", \"count\": 3}, {\"type\": \"noise\", \"count\": 100,"
               " \"params\": {\"alpha\": 1000000, \"window\": 150, \"sigma\": 1}}]}");
    struct cas_sim *sim = NULL;
    struct cas_err err = {0};
    cr_assert_eq(cas_sim_create(&sim, &cfg, NULL, &err), CAS_ERANGE);
    cr_assert_null(sim);
    cr_assert_str_eq(err.path, "agents[1]");
    cr_assert_not_null(strstr(err.msg, "the agents would wake 3e+08 times a step"), "%s", err.msg);
    cas_config_release(&cfg);
    /* at the cap's side of it, the same population runs */
    load(&cfg, "{\"instruments\": [{\"name\": \"X\", \"initial_price\": 100}], \"agents\":"
               " [{\"type\": \"noise\", \"count\": 100, \"params\": {\"alpha\": 1000, \"window\":"
               " 150, \"sigma\": 1}}]}");
    cr_assert_eq(cas_sim_create(&sim, &cfg, NULL, &err), 0, "%s", err.msg);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
}
