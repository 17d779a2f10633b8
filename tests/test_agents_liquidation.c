/* test_agents_liquidation: the front-runner and the liquidator (keeper) on scripted views.
 *
 * Each agent acts on a fake context that serves a scripted view, liquidation maps
 * (by lag) and a list of liquidatable accounts, and records every order, cancel,
 * map request and keeper take-over, so each test checks one decision rule.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "cascade/agent.h"

#define MAX_REC 64
#define MAX_TARGETS 16

struct take {
    uint32_t target;
    cas_lots asked, taken;
    int rc;
};

struct fake {
    struct cas_market_view view;
    int refuse; /* every order is refused with CAS_EINVAL */
    struct cas_order_req orders[MAX_REC];
    uint64_t ids[MAX_REC];
    uint32_t n_orders;
    uint64_t next_id;
    uint64_t cancels[MAX_REC];
    uint32_t n_cancels;
    /* the liquidation map: maps[k] is the one k publications old */
    struct cas_liq_map maps[4];
    uint32_t n_maps;
    uint32_t map_calls, asked_lag;
    /* keeper mode: each target's signed position; the keeper's margin carries at most
     * margin_lots of position */
    uint32_t targets[MAX_TARGETS];
    cas_lots target_lots[MAX_TARGETS];
    uint32_t n_targets;
    cas_lots margin_lots;
    struct take takes[MAX_REC];
    uint32_t n_takes, list_calls;
};

static void record(struct fake *f, const struct cas_order_req *req, uint64_t *id)
{
    cr_assert_lt(f->n_orders, MAX_REC);
    f->ids[f->n_orders] = ++f->next_id;
    f->orders[f->n_orders++] = *req;
    if (id)
        *id = f->next_id;
}

static int fake_submit(void *sink, const struct cas_order_req *req)
{
    struct fake *f = sink;
    if (f->refuse)
        return CAS_EINVAL;
    record(f, req, NULL);
    return 0;
}

static int ops_submit(void *sink, uint32_t instrument, const struct cas_order_req *req,
                      uint64_t *id)
{
    struct fake *f = sink;
    cr_assert_eq(instrument, 0);
    if (f->refuse)
        return CAS_EINVAL;
    record(f, req, id);
    return 0;
}

static int ops_cancel(void *sink, uint64_t id)
{
    struct fake *f = sink;
    cr_assert_lt(f->n_cancels, MAX_REC);
    f->cancels[f->n_cancels++] = id;
    return 0;
}

static void ops_view(void *sink, uint32_t instrument, struct cas_market_view *out)
{
    struct fake *f = sink;
    cr_assert_eq(instrument, 0);
    *out = f->view;
}

static bool ops_liq_map(void *sink, uint32_t instrument, uint32_t lag,
                        const struct cas_liq_map **out)
{
    struct fake *f = sink;
    cr_assert_eq(instrument, 0);
    f->map_calls++;
    f->asked_lag = lag;
    if (lag >= f->n_maps)
        return false;
    *out = &f->maps[lag];
    return true;
}

static uint32_t ops_liquidatable(void *sink, uint32_t instrument, uint32_t *accounts,
                                 uint32_t max)
{
    struct fake *f = sink;
    cr_assert_eq(instrument, 0);
    f->list_calls++;
    uint32_t n = 0;
    for (uint32_t k = 0; k < f->n_targets && n < max; k++)
        if (f->target_lots[k] != 0)
            accounts[n++] = f->targets[k];
    return n;
}

/* The venue's take-over: the keeper gets the target's lots on the target's side. */
static int ops_keeper_liquidate(void *sink, uint32_t instrument, uint32_t target, cas_lots lots,
                                cas_lots *taken)
{
    struct fake *f = sink;
    cr_assert_eq(instrument, 0);
    cr_assert_lt(f->n_takes, MAX_REC);
    struct take *t = &f->takes[f->n_takes++];
    *t = (struct take){target, lots, 0, CAS_ENOTFOUND};
    *taken = 0;
    for (uint32_t k = 0; k < f->n_targets; k++) {
        if (f->targets[k] != target || f->target_lots[k] == 0)
            continue;
        cas_lots have = f->target_lots[k], sign = have > 0 ? 1 : -1;
        cas_lots q = lots < sign * have ? lots : sign * have;
        cas_lots after = f->view.position + sign * q;
        if ((after < 0 ? -after : after) > f->margin_lots)
            return t->rc = CAS_EINVAL;
        f->target_lots[k] -= sign * q;
        f->view.position = after;
        *taken = t->taken = q;
        return t->rc = 0;
    }
    return t->rc;
}

static const struct cas_agent_ops fake_ops = {
    .submit = ops_submit,
    .cancel = ops_cancel,
    .view = ops_view,
    .liq_map = ops_liq_map,
    .liquidatable = ops_liquidatable,
    .keeper_liquidate = ops_keeper_liquidate,
};

/* BTC at 60000 with tick 0.5 and lot 0.001 at 6 money decimals: K = 500 money units;
 * equity 10000 quote currency. */
static void fake_init(struct fake *f)
{
    memset(f, 0, sizeof *f);
    f->view = (struct cas_market_view){
        .has_bid = true, .has_ask = true, .best_bid = 119998, .best_ask = 120000,
        .last = 119999, .mark = 120000, .equity = 10000000000,
        .contract_units = 500, .index = 120000, .index_instrument = UINT32_MAX};
    for (uint32_t k = 0; k < 4; k++)
        f->maps[k] = (struct cas_liq_map){.published = 0, .lo = 110000, .bin = 100};
    f->n_maps = 1;
    f->margin_lots = INT64_MAX;
}

/* Middle of map bin i: 110000 + (i + 0.5) * 100 ticks. */
#define BIN_NEAR_BELOW 90  /* 119050: 0.79% below the mark */
#define BIN_FAR_BELOW 75   /* 117550: 2.04% below */
#define BIN_NEAR_ABOVE 109 /* 120950: 0.79% above */
#define LEVEL(i) (110000 + ((i) + 0.5) * 100)

/* One agent of a type under test, with its params and its own stream. */
struct agent {
    const struct cas_agent_type *type;
    double params[CAS_MAX_PARAMS];
    alignas(max_align_t) unsigned char state[512];
    struct cas_rng rng;
    struct cas_agent_setup setup;
};

static void agent_defaults(struct agent *a, const struct cas_agent_type *type)
{
    memset(a, 0, sizeof *a);
    a->type = type;
    cr_assert_leq(type->state_size, sizeof a->state);
    for (uint32_t k = 0; k < type->n_params; k++)
        a->params[k] = type->params[k].def;
}

static void agent_set(struct agent *a, const char *name, double value)
{
    for (uint32_t k = 0; k < a->type->n_params; k++) {
        if (strcmp(a->type->params[k].name, name) == 0) {
            a->params[k] = value;
            return;
        }
    }
    cr_assert_fail("no param '%s' in '%s'", name, a->type->name);
}

static void agent_start(struct agent *a, uint64_t seed)
{
    memset(a->state, 0, sizeof a->state);
    a->setup = (struct cas_agent_setup){.count = 1, .params = a->params,
                                        .initial_price = 120000, .perpetual = true,
                                        .tick_size = 0.5, .step_seconds = 1, .steps = 86400,
                                        .leverage = 1};
    struct cas_err err = {0};
    cr_assert_eq(a->type->init(a->state, &a->setup, &err), 0, "%s", err.msg);
    cas_rng_init(&a->rng, seed, 7);
}

/* One wake-up. Like the sim, the ctx's view is a snapshot taken before the agent acts;
 * ops->view serves the fake's current state (the position after take-overs). */
static void agent_act(struct agent *a, struct fake *f)
{
    struct cas_market_view snapshot = f->view;
    struct cas_agent_ctx ctx = {&snapshot, &a->rng, f, fake_submit, &fake_ops, 0};
    a->type->act(a->state, &ctx);
}

static void assert_order(const struct fake *f, uint32_t k, enum cas_side side,
                         enum cas_order_type type, cas_lots qty, bool reduce_only)
{
    cr_assert_gt(f->n_orders, k, "order %u was not sent", k);
    const struct cas_order_req *o = &f->orders[k];
    cr_assert_eq(o->side, side, "order %u: side %d", k, (int)o->side);
    cr_assert_eq(o->type, type, "order %u: type %d", k, (int)o->type);
    cr_assert_eq(o->qty, qty, "order %u: qty %lld", k, (long long)o->qty);
    cr_assert_eq(o->reduce_only, reduce_only, "order %u: reduce_only", k);
    cr_assert_eq(o->stop, 0);
}

/* ---- front_runner ---- */

/* A front-runner with exact map reading (noise 0) and defaults otherwise. */
static void front_runner(struct agent *a)
{
    agent_defaults(a, &cas_agent_front_runner);
    agent_set(a, "noise", 0);
}

/* Defaults: 0.2 x equity 1e10 x leverage 5 = 1e10 money units / (120000 x 500) = 166 lots. */
#define FR_LOTS 166

Test(front_runner, init_opens_its_account_from_params)
{
    struct agent a;
    front_runner(&a);
    agent_set(&a, "collateral", 2500);
    agent_set(&a, "leverage", 7);
    agent_start(&a, 1);
    cr_assert_eq(a.setup.collateral, 2500);
    cr_assert_eq(a.setup.leverage, 7);
    cr_assert_eq(a.type->rate(a.state), 0.2);
}

Test(front_runner, sells_ahead_of_long_cluster_within_reach)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    assert_order(&f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);
}

Test(front_runner, buys_ahead_of_short_cluster_within_reach)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].shorts[BIN_NEAR_ABOVE] = 5e5;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    assert_order(&f, 0, CAS_BUY, CAS_MARKET, FR_LOTS, false);
}

Test(front_runner, ignores_cluster_beyond_reach)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_FAR_BELOW] = 1e9;
    agent_act(&a, &f);
    cr_assert_eq(f.map_calls, 1, "it did not look at the map");
    cr_assert_eq(f.n_orders, 0);
    agent_set(&a, "reach", 0.025); /* now within reach */
    agent_start(&a, 1);
    agent_act(&a, &f);
    assert_order(&f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);
}

Test(front_runner, ignores_cluster_below_min_cluster)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 0.9e5; /* default min_cluster 1e5 */
    f.maps[0].shorts[BIN_NEAR_ABOVE] = 1e5;  /* must exceed it, not equal it */
    agent_act(&a, &f);
    cr_assert_eq(f.map_calls, 1);
    cr_assert_eq(f.n_orders, 0);
    f.maps[0].longs[BIN_NEAR_BELOW] = 1.1e5;
    agent_act(&a, &f);
    assert_order(&f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);
}

Test(front_runner, ignores_clusters_on_the_wrong_side)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_ABOVE] = 1e9;  /* longs liquidated above: already past */
    f.maps[0].shorts[BIN_NEAR_BELOW] = 1e9; /* shorts liquidated below: likewise */
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 0);
}

Test(front_runner, trades_ahead_of_the_largest_cluster)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 3e5;
    f.maps[0].longs[BIN_NEAR_BELOW + 1] = 2e5;
    f.maps[0].shorts[BIN_NEAR_ABOVE] = 6e5;
    f.maps[0].longs[BIN_FAR_BELOW] = 1e9; /* larger, but out of reach */
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    assert_order(&f, 0, CAS_BUY, CAS_MARKET, FR_LOTS, false);
}

Test(front_runner, exits_when_price_reaches_the_cluster)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_set(&a, "stop_loss", 0);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    f.view.position = -FR_LOTS; /* the sell filled */
    f.view.entry = 119999;
    f.view.step = 30;
    f.view.mark = (cas_ticks)LEVEL(BIN_NEAR_BELOW) + 1;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1, "it left before the cluster was reached");
    f.view.step = 40;
    f.view.mark = (cas_ticks)LEVEL(BIN_NEAR_BELOW);
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 2);
    assert_order(&f, 1, CAS_BUY, CAS_MARKET, FR_LOTS, true);
}

Test(front_runner, exits_a_long_when_price_reaches_a_short_cluster)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].shorts[BIN_NEAR_ABOVE] = 5e5;
    agent_act(&a, &f);
    f.view.position = FR_LOTS;
    f.view.entry = 120000;
    f.view.mark = 120500;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    f.view.mark = 121000; /* past 120950 */
    agent_act(&a, &f);
    assert_order(&f, 1, CAS_SELL, CAS_MARKET, FR_LOTS, true);
}

Test(front_runner, exits_after_max_hold)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_set(&a, "max_hold", 100);
    agent_set(&a, "stop_loss", 0);
    agent_start(&a, 1);
    fake_init(&f);
    f.view.step = 1000;
    f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
    agent_act(&a, &f);
    f.view.position = -FR_LOTS;
    f.view.entry = 120000;
    f.view.mark = 121000; /* well against it; no stop */
    f.view.step = 1099;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    f.view.step = 1100;
    agent_act(&a, &f);
    assert_order(&f, 1, CAS_BUY, CAS_MARKET, FR_LOTS, true);
}

Test(front_runner, stops_out_when_price_moves_against_it)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_set(&a, "stop_loss", 0.01);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
    agent_act(&a, &f);
    f.view.position = -FR_LOTS;
    f.view.entry = 120000;
    f.view.mark = 121100; /* the stop is at 121200 */
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    f.view.mark = 121200;
    agent_act(&a, &f);
    assert_order(&f, 1, CAS_BUY, CAS_MARKET, FR_LOTS, true);
}

Test(front_runner, reads_the_map_at_its_lag)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_set(&a, "lag", 2);
    agent_start(&a, 1);
    fake_init(&f);
    f.n_maps = 3;
    f.maps[2].longs[BIN_NEAR_BELOW] = 5e5; /* gone from the two newer maps */
    agent_act(&a, &f);
    cr_assert_eq(f.asked_lag, 2);
    assert_order(&f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);

    front_runner(&a); /* lag 0 sees no cluster */
    agent_start(&a, 1);
    fake_init(&f);
    f.n_maps = 3;
    f.maps[2].longs[BIN_NEAR_BELOW] = 5e5;
    agent_act(&a, &f);
    cr_assert_eq(f.asked_lag, 0);
    cr_assert_eq(f.n_orders, 0);
}

Test(front_runner, waits_without_a_map)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_set(&a, "lag", 1);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 5e5; /* only the newest is published */
    agent_act(&a, &f);
    cr_assert_eq(f.map_calls, 1);
    cr_assert_eq(f.n_orders, 0);
}

Test(front_runner, refused_entry_is_retried_next_wake)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
    f.refuse = 1;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 0);
    f.refuse = 0;
    agent_act(&a, &f);
    assert_order(&f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);
}

/* Whether a front-runner with this seed trades a cluster of exactly min_cluster. */
static bool trades_marginal_cluster(double noise, uint64_t seed)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_set(&a, "noise", noise);
    agent_start(&a, seed);
    fake_init(&f);
    f.maps[0].longs[BIN_NEAR_BELOW] = 1e5;
    agent_act(&a, &f);
    return f.n_orders > 0;
}

Test(front_runner, noise_blurs_its_reading_of_the_map)
{
    uint32_t traded = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        cr_assert(!trades_marginal_cluster(0, seed));
        traded += trades_marginal_cluster(0.3, seed);
    }
    cr_assert(traded > 5 && traded < 35, "traded %u of 40", traded);
}

/* A scripted run with noise: the orders sent, written into out. */
static uint32_t fr_script(uint64_t seed, struct cas_order_req *out)
{
    struct agent a;
    struct fake f;
    front_runner(&a);
    agent_set(&a, "noise", 0.5);
    agent_start(&a, seed);
    fake_init(&f);
    for (int i = 0; i < CAS_LIQ_BINS; i++) {
        f.maps[0].longs[i] = 4e4 * (1 + i % 5);
        f.maps[0].shorts[i] = 4e4 * (1 + i % 3);
    }
    for (int w = 0; w < 20; w++) {
        f.view.step = w * 50;
        f.view.position = 0; /* each wake, flat again */
        agent_act(&a, &f);
    }
    memcpy(out, f.orders, f.n_orders * sizeof *out);
    return f.n_orders;
}

Test(front_runner, same_seed_same_orders)
{
    struct cas_order_req a[MAX_REC], b[MAX_REC];
    uint32_t na = fr_script(42, a), nb = fr_script(42, b);
    cr_assert_gt(na, 0);
    cr_assert_eq(na, nb);
    for (uint32_t k = 0; k < na; k++) {
        cr_assert_eq(a[k].side, b[k].side);
        cr_assert_eq(a[k].qty, b[k].qty);
    }
}

/* ---- liquidator ---- */

static void liquidator(struct agent *a)
{
    agent_defaults(a, &cas_agent_liquidator);
}

static void add_target(struct fake *f, uint32_t account, cas_lots lots)
{
    cr_assert_lt(f->n_targets, MAX_TARGETS);
    f->targets[f->n_targets] = account;
    f->target_lots[f->n_targets++] = lots;
}

static cas_lots total_taken(const struct fake *f)
{
    cas_lots t = 0;
    for (uint32_t k = 0; k < f->n_takes; k++)
        t += f->takes[k].taken;
    return t;
}

Test(liquidator, init_opens_its_account_from_params)
{
    struct agent a;
    liquidator(&a);
    agent_set(&a, "collateral", 5e5);
    agent_set(&a, "leverage", 3);
    agent_set(&a, "rate", 4);
    agent_start(&a, 1);
    cr_assert_eq(a.setup.collateral, 5e5);
    cr_assert_eq(a.setup.leverage, 3);
    cr_assert_eq(a.type->rate(a.state), 4);
}

Test(liquidator, takes_over_up_to_its_capacity)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_set(&a, "max_inventory", 100);
    agent_start(&a, 1);
    fake_init(&f);
    add_target(&f, 3, 80);
    add_target(&f, 7, 80);
    add_target(&f, 9, 80);
    agent_act(&a, &f);
    cr_assert_eq(f.list_calls, 1);
    cr_assert_eq(f.n_takes, 2, "it kept going past its capacity");
    cr_assert_eq(f.takes[0].asked, 100);
    cr_assert_eq(f.takes[1].asked, 20);
    cr_assert_eq(total_taken(&f), 100);
    cr_assert_neq(f.takes[0].target, f.takes[1].target);
    cr_assert_eq(f.view.position, 100);
}

Test(liquidator, counts_its_inventory_against_capacity)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_set(&a, "max_inventory", 100);
    agent_start(&a, 1);
    fake_init(&f);
    f.view.position = -90; /* on the other side: still counted */
    add_target(&f, 3, 80);
    agent_act(&a, &f);
    cr_assert_eq(f.n_takes, 1);
    cr_assert_eq(f.takes[0].asked, 10);

    fake_init(&f);
    f.view.position = 100; /* full */
    add_target(&f, 3, 80);
    agent_act(&a, &f);
    cr_assert_eq(f.n_takes, 0);
    assert_order(&f, 0, CAS_SELL, CAS_MARKET, 5, true); /* but it unwinds */
}

Test(liquidator, moves_on_when_the_venue_refuses_its_margin)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_set(&a, "max_inventory", 100);
    agent_start(&a, 1);
    fake_init(&f);
    f.margin_lots = 50;
    add_target(&f, 3, 80);
    add_target(&f, 7, 30);
    agent_act(&a, &f);
    cr_assert_eq(f.n_takes, 2, "it gave up after a refusal");
    cr_assert_eq(f.takes[0].rc == CAS_EINVAL || f.takes[1].rc == CAS_EINVAL, true);
    cr_assert_eq(total_taken(&f), 30);
    cr_assert_eq(f.view.position, 30);
}

Test(liquidator, unwinds_what_it_took_in_the_same_wake)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_set(&a, "unwind_lots", 7);
    agent_start(&a, 1);
    fake_init(&f);
    add_target(&f, 3, -40); /* a short: the keeper takes a short and buys it back */
    agent_act(&a, &f);
    cr_assert_eq(f.view.position, -40);
    cr_assert_eq(f.n_orders, 1);
    assert_order(&f, 0, CAS_BUY, CAS_MARKET, 7, true);
}

Test(liquidator, unwinds_at_most_unwind_lots_per_wake)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_set(&a, "unwind_lots", 7);
    agent_start(&a, 1);
    fake_init(&f);
    cas_lots expect[] = {7, 7, 6};
    f.view.position = 20;
    for (uint32_t w = 0; w < 3; w++) {
        agent_act(&a, &f);
        cr_assert_eq(f.n_orders, w + 1, "wake %u sent %u orders", w, f.n_orders - w);
        assert_order(&f, w, CAS_SELL, CAS_MARKET, expect[w], true);
        f.view.position -= f.orders[w].qty; /* it filled */
    }
    cr_assert_eq(f.view.position, 0);
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 3, "it traded while flat");
}

Test(liquidator, passive_unwinds_at_the_touch_and_replaces)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_set(&a, "passive", 1);
    agent_start(&a, 1);
    fake_init(&f);
    f.view.position = 20;
    agent_act(&a, &f);
    assert_order(&f, 0, CAS_SELL, CAS_LIMIT, 5, true);
    cr_assert_eq(f.orders[0].price, f.view.best_ask);
    cr_assert_eq(f.n_cancels, 0);
    f.view.best_ask = 119999;
    agent_act(&a, &f);
    cr_assert_eq(f.n_cancels, 1);
    cr_assert_eq(f.cancels[0], f.ids[0]);
    assert_order(&f, 1, CAS_SELL, CAS_LIMIT, 5, true);
    cr_assert_eq(f.orders[1].price, 119999);
    f.view.position = -3;
    agent_act(&a, &f);
    cr_assert_eq(f.cancels[1], f.ids[1]);
    assert_order(&f, 2, CAS_BUY, CAS_LIMIT, 3, true);
    cr_assert_eq(f.orders[2].price, f.view.best_bid);
}

Test(liquidator, idle_when_flat_and_nothing_is_liquidatable)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_start(&a, 1);
    fake_init(&f);
    agent_act(&a, &f);
    cr_assert_eq(f.list_calls, 1);
    cr_assert_eq(f.n_takes + f.n_orders + f.n_cancels, 0);
}

Test(liquidator, does_nothing_while_itself_liquidated)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_start(&a, 1);
    fake_init(&f);
    f.view.liquidating = true;
    f.view.position = 20;
    add_target(&f, 3, 10);
    agent_act(&a, &f);
    cr_assert_eq(f.n_takes + f.n_orders, 0);
}

/* A scripted run: the targets taken over in order, written into out. */
static uint32_t liq_script(uint64_t seed, uint32_t *out)
{
    struct agent a;
    struct fake f;
    liquidator(&a);
    agent_set(&a, "max_inventory", 60);
    agent_set(&a, "unwind_lots", 25);
    agent_start(&a, seed);
    fake_init(&f);
    for (uint32_t k = 0; k < 12; k++)
        add_target(&f, 10 + k, (k % 2 ? -1 : 1) * (cas_lots)(5 + 3 * k));
    for (int w = 0; w < 6; w++) {
        agent_act(&a, &f);
        for (uint32_t k = 0; k < f.n_orders; k++)
            f.view.position += f.orders[k].side == CAS_BUY ? f.orders[k].qty : -f.orders[k].qty;
        f.n_orders = 0;
    }
    for (uint32_t k = 0; k < f.n_takes; k++)
        out[k] = f.takes[k].target;
    return f.n_takes;
}

Test(liquidator, same_seed_same_take_overs)
{
    uint32_t a[MAX_REC], b[MAX_REC], c[MAX_REC];
    uint32_t na = liq_script(42, a), nb = liq_script(42, b), nc = liq_script(43, c);
    cr_assert_gt(na, 3);
    cr_assert_eq(na, nb);
    cr_assert_arr_eq(a, b, na * sizeof *a);
    bool differs = na != nc || memcmp(a, c, na * sizeof *a) != 0;
    cr_assert(differs, "the order of take-overs does not depend on the keeper's stream");
}
