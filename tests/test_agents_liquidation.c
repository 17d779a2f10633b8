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
#include "lib/agentctx.h"

/* BTC at 60000 with tick 0.5 and lot 0.001 at 6 money decimals: K = 500 money units;
 * equity 10000 quote currency. */
/* clang-format off */
static void fake_init(struct agentctx *f)
{
    agentctx_init(f);
    f->views[0] = (struct cas_market_view){
        .has_bid = true, .has_ask = true, .best_bid = 119998, .best_ask = 120000,
        .last = 119999, .mark = 120000, .equity = 10000000000,
        .contract_units = 500, .index = 120000, .index_instrument = UINT32_MAX};
    for (uint32_t k = 0; k < 4; k++)
        f->maps[k] = (struct cas_liq_map){.published = 0, .lo = 110000, .bin = 100};
    f->n_maps = 1;
}
/* clang-format on */

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
    agentctx_defaults(type, a->params);
}

static void agent_set(struct agent *a, const char *name, double value)
{
    agentctx_param(a->type, a->params, name, value);
}

/* clang-format off */
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
/* clang-format on */

/* One wake-up. Like the sim, the ctx's view is a snapshot taken before the agent acts;
 * ops->view serves the fake's current state (the position after take-overs). */
static void agent_act(struct agent *a, struct agentctx *f)
{
    struct cas_market_view snapshot = f->views[0];
    struct cas_agent_ctx ctx = agentctx_ctx(f, &snapshot, &a->rng);
    a->type->act(a->state, &ctx);
}

static void assert_order(const struct agentctx *f, uint32_t k, enum cas_side side,
                         enum cas_order_type type, cas_lots qty, bool reduce_only)
{
    cr_assert_gt(f->n_orders, k, "order %u was not sent", k);
    cr_assert_eq(f->orders[k].instrument, 0, "order %u: not on the agent's instrument", k);
    const struct cas_order_req *o = &f->orders[k].req;
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

/* The agent and the venue of a test with a fixture (.init), which the test starts after
 * setting what it needs; each test runs in a process of its own, so they start afresh. */
static struct {
    struct agent a;
    struct agentctx f;
} fx;

static void ready_front_runner(void)
{
    front_runner(&fx.a);
    fake_init(&fx.f);
}

/* Defaults: 0.2 x equity 1e10 x leverage 5 = 1e10 money units / (120000 x 500) = 166 lots. */
#define FR_LOTS 166

/* A cluster of long liquidations below the mark is sold ahead of, one of shorts above
 * bought ahead of. */
Test(front_runner, trades_ahead_of_a_cluster_within_reach)
{
    for (int shorts = 0; shorts <= 1; shorts++) {
        ready_front_runner();
        agent_start(&fx.a, 1);
        if (shorts)
            fx.f.maps[0].shorts[BIN_NEAR_ABOVE] = 5e5;
        else
            fx.f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
        agent_act(&fx.a, &fx.f);
        cr_assert_eq(fx.f.n_orders, 1);
        assert_order(&fx.f, 0, shorts ? CAS_BUY : CAS_SELL, CAS_MARKET, FR_LOTS, false);
    }
}

Test(front_runner, ignores_cluster_beyond_reach, .init = ready_front_runner)
{
    agent_start(&fx.a, 1);
    fx.f.maps[0].longs[BIN_FAR_BELOW] = 1e9;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.map_calls, 1, "it did not look at the map");
    cr_assert_eq(fx.f.n_orders, 0);
    agent_set(&fx.a, "reach", 0.025); /* now within reach */
    agent_start(&fx.a, 1);
    agent_act(&fx.a, &fx.f);
    assert_order(&fx.f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);
}

Test(front_runner, ignores_cluster_below_min_cluster, .init = ready_front_runner)
{
    agent_start(&fx.a, 1);
    fx.f.maps[0].longs[BIN_NEAR_BELOW] = 0.9e5; /* default min_cluster 1e5 */
    fx.f.maps[0].shorts[BIN_NEAR_ABOVE] = 1e5;  /* must exceed it, not equal it */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.map_calls, 1);
    cr_assert_eq(fx.f.n_orders, 0);
    fx.f.maps[0].longs[BIN_NEAR_BELOW] = 1.1e5;
    agent_act(&fx.a, &fx.f);
    assert_order(&fx.f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);
}

Test(front_runner, ignores_clusters_on_the_wrong_side, .init = ready_front_runner)
{
    agent_start(&fx.a, 1);
    fx.f.maps[0].longs[BIN_NEAR_ABOVE] = 1e9;  /* longs liquidated above: already past */
    fx.f.maps[0].shorts[BIN_NEAR_BELOW] = 1e9; /* shorts liquidated below: likewise */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 0);
}

Test(front_runner, trades_ahead_of_the_largest_cluster, .init = ready_front_runner)
{
    agent_start(&fx.a, 1);
    fx.f.maps[0].longs[BIN_NEAR_BELOW] = 3e5;
    fx.f.maps[0].longs[BIN_NEAR_BELOW + 1] = 2e5;
    fx.f.maps[0].shorts[BIN_NEAR_ABOVE] = 6e5;
    fx.f.maps[0].longs[BIN_FAR_BELOW] = 1e9; /* larger, but out of reach */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 1);
    assert_order(&fx.f, 0, CAS_BUY, CAS_MARKET, FR_LOTS, false);
}

/* An exit rule: the trader enters against a cluster at step 1000, holds at the first view
 * of its position and closes it with a reduce-only market order at the second. */
struct exit_case {
    const char *why;
    bool shorts; /* the cluster: shorts above (it goes long), else longs below */
    double max_hold, stop_loss;
    cas_ticks entry;
    cas_step step[2]; /* the views: hold, then close */
    cas_ticks mark[2];
};

/* clang-format off */
static const struct exit_case exit_cases[] = {
    {"a short, when the mark reaches the cluster", false, 600, 0, 119999, {1030, 1040},
     {(cas_ticks)LEVEL(BIN_NEAR_BELOW) + 1, (cas_ticks)LEVEL(BIN_NEAR_BELOW)}},
    {"a long, when the mark passes a short cluster (120950)", true, 600, 0.01, 120000,
     {1000, 1000}, {120500, 121000}},
    {"after max_hold, however far the mark is against it", false, 100, 0, 120000,
     {1099, 1100}, {121000, 121000}},
    {"when the mark moves stop_loss against it (121200)", false, 600, 0.01, 120000,
     {1000, 1000}, {121100, 121200}},
};
/* clang-format on */

Test(front_runner, exits_by_its_rules)
{
    for (size_t k = 0; k < sizeof exit_cases / sizeof *exit_cases; k++) {
        const struct exit_case *c = &exit_cases[k];
        ready_front_runner();
        agent_set(&fx.a, "max_hold", c->max_hold);
        agent_set(&fx.a, "stop_loss", c->stop_loss);
        agent_start(&fx.a, 1);
        struct cas_market_view *v = &fx.f.views[0];
        v->step = 1000;
        if (c->shorts)
            fx.f.maps[0].shorts[BIN_NEAR_ABOVE] = 5e5;
        else
            fx.f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
        agent_act(&fx.a, &fx.f);
        cr_assert_eq(fx.f.n_orders, 1, "%s: no entry", c->why);
        v->position = c->shorts ? FR_LOTS : -FR_LOTS; /* the entry filled */
        v->entry = (double)c->entry;
        for (int i = 0; i < 2; i++) {
            v->step = c->step[i];
            v->mark = c->mark[i];
            agent_act(&fx.a, &fx.f);
            cr_assert_eq(fx.f.n_orders, 1 + (uint32_t)i, "exits %s: view %d", c->why, i);
        }
        assert_order(&fx.f, 1, c->shorts ? CAS_SELL : CAS_BUY, CAS_MARKET, FR_LOTS, true);
    }
}

Test(front_runner, reads_the_map_at_its_lag, .init = ready_front_runner)
{
    agent_set(&fx.a, "lag", 2);
    agent_start(&fx.a, 1);
    fx.f.n_maps = 3;
    fx.f.maps[2].longs[BIN_NEAR_BELOW] = 5e5; /* gone from the two newer maps */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.asked_lag, 2);
    assert_order(&fx.f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);

    front_runner(&fx.a); /* lag 0 sees no cluster */
    agent_start(&fx.a, 1);
    fake_init(&fx.f);
    fx.f.n_maps = 3;
    fx.f.maps[2].longs[BIN_NEAR_BELOW] = 5e5;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.asked_lag, 0);
    cr_assert_eq(fx.f.n_orders, 0);
}

Test(front_runner, waits_without_a_map, .init = ready_front_runner)
{
    agent_set(&fx.a, "lag", 1);
    agent_start(&fx.a, 1);
    fx.f.maps[0].longs[BIN_NEAR_BELOW] = 5e5; /* only the newest is published */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.map_calls, 1);
    cr_assert_eq(fx.f.n_orders, 0);
}

Test(front_runner, refused_entry_is_retried_next_wake, .init = ready_front_runner)
{
    agent_start(&fx.a, 1);
    fx.f.maps[0].longs[BIN_NEAR_BELOW] = 5e5;
    fx.f.refuse_on[0] = CAS_EINVAL;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 0);
    fx.f.refuse_on[0] = 0;
    agent_act(&fx.a, &fx.f);
    assert_order(&fx.f, 0, CAS_SELL, CAS_MARKET, FR_LOTS, false);
}

/* Whether a front-runner with this seed trades a cluster of exactly min_cluster. */
static bool trades_marginal_cluster(double noise, uint64_t seed)
{
    struct agent a;
    struct agentctx f;
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
    struct agentctx f;
    front_runner(&a);
    agent_set(&a, "noise", 0.5);
    agent_start(&a, seed);
    fake_init(&f);
    for (int i = 0; i < CAS_LIQ_BINS; i++) {
        f.maps[0].longs[i] = 4e4 * (1 + i % 5);
        f.maps[0].shorts[i] = 4e4 * (1 + i % 3);
    }
    for (int w = 0; w < 20; w++) {
        f.views[0].step = w * 50;
        f.views[0].position = 0; /* each wake, flat again */
        agent_act(&a, &f);
    }
    for (uint32_t k = 0; k < f.n_orders; k++)
        out[k] = f.orders[k].req;
    return f.n_orders;
}

Test(front_runner, same_seed_same_orders)
{
    struct cas_order_req a[AGENTCTX_MAX], b[AGENTCTX_MAX];
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

static void ready_liquidator(void)
{
    liquidator(&fx.a);
    fake_init(&fx.f);
}

static void add_target(struct agentctx *f, uint32_t account, cas_lots lots)
{
    cr_assert_lt(f->n_targets, AGENTCTX_TARGETS);
    f->targets[f->n_targets] = account;
    f->target_lots[f->n_targets++] = lots;
}

static cas_lots total_taken(const struct agentctx *f)
{
    cas_lots t = 0;
    for (uint32_t k = 0; k < f->n_takes; k++)
        t += f->takes[k].taken;
    return t;
}

Test(liquidator, takes_over_up_to_its_capacity, .init = ready_liquidator)
{
    agent_set(&fx.a, "max_inventory", 100);
    agent_start(&fx.a, 1);
    add_target(&fx.f, 3, 80);
    add_target(&fx.f, 7, 80);
    add_target(&fx.f, 9, 80);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.list_calls, 1);
    cr_assert_eq(fx.f.n_takes, 2, "it kept going past its capacity");
    cr_assert_eq(fx.f.takes[0].asked, 100);
    cr_assert_eq(fx.f.takes[1].asked, 20);
    cr_assert_eq(total_taken(&fx.f), 100);
    cr_assert_neq(fx.f.takes[0].target, fx.f.takes[1].target);
    cr_assert_eq(fx.f.views[0].position, 100);
}

Test(liquidator, counts_its_inventory_against_capacity, .init = ready_liquidator)
{
    agent_set(&fx.a, "max_inventory", 100);
    agent_start(&fx.a, 1);
    fx.f.views[0].position = -90; /* on the other side: still counted */
    add_target(&fx.f, 3, 80);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_takes, 1);
    cr_assert_eq(fx.f.takes[0].asked, 10);

    fake_init(&fx.f);
    fx.f.views[0].position = 100; /* full */
    add_target(&fx.f, 3, 80);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_takes, 0);
    assert_order(&fx.f, 0, CAS_SELL, CAS_MARKET, 5, true); /* but it unwinds */
}

Test(liquidator, moves_on_when_the_venue_refuses_its_margin, .init = ready_liquidator)
{
    agent_set(&fx.a, "max_inventory", 100);
    agent_start(&fx.a, 1);
    fx.f.margin_lots = 50;
    add_target(&fx.f, 3, 80);
    add_target(&fx.f, 7, 30);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_takes, 2, "it gave up after a refusal");
    cr_assert_eq(fx.f.takes[0].rc == CAS_EINVAL || fx.f.takes[1].rc == CAS_EINVAL, true);
    cr_assert_eq(total_taken(&fx.f), 30);
    cr_assert_eq(fx.f.views[0].position, 30);
}

Test(liquidator, unwinds_what_it_took_in_the_same_wake)
{
    struct agent a;
    struct agentctx f;
    liquidator(&a);
    agent_set(&a, "unwind_lots", 7);
    agent_start(&a, 1);
    fake_init(&f);
    add_target(&f, 3, -40); /* a short: the keeper takes a short and buys it back */
    agent_act(&a, &f);
    cr_assert_eq(f.views[0].position, -40);
    cr_assert_eq(f.n_orders, 1);
    assert_order(&f, 0, CAS_BUY, CAS_MARKET, 7, true);
}

Test(liquidator, unwinds_at_most_unwind_lots_per_wake, .init = ready_liquidator)
{
    agent_set(&fx.a, "unwind_lots", 7);
    agent_start(&fx.a, 1);
    cas_lots expect[] = {7, 7, 6};
    fx.f.views[0].position = 20;
    for (uint32_t w = 0; w < 3; w++) {
        agent_act(&fx.a, &fx.f);
        cr_assert_eq(fx.f.n_orders, w + 1, "wake %u sent %u orders", w, fx.f.n_orders - w);
        assert_order(&fx.f, w, CAS_SELL, CAS_MARKET, expect[w], true);
        fx.f.views[0].position -= fx.f.orders[w].req.qty; /* it filled */
    }
    cr_assert_eq(fx.f.views[0].position, 0);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 3, "it traded while flat");
}

Test(liquidator, passive_unwinds_at_the_touch_and_replaces, .init = ready_liquidator)
{
    agent_set(&fx.a, "passive", 1);
    agent_start(&fx.a, 1);
    fx.f.views[0].position = 20;
    agent_act(&fx.a, &fx.f);
    assert_order(&fx.f, 0, CAS_SELL, CAS_LIMIT, 5, true);
    cr_assert_eq(fx.f.orders[0].req.price, fx.f.views[0].best_ask);
    cr_assert_eq(fx.f.n_cancels, 0);
    fx.f.views[0].best_ask = 119999;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_cancels, 1);
    cr_assert_eq(fx.f.cancels[0], fx.f.orders[0].id);
    assert_order(&fx.f, 1, CAS_SELL, CAS_LIMIT, 5, true);
    cr_assert_eq(fx.f.orders[1].req.price, 119999);
    fx.f.views[0].position = -3;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.cancels[1], fx.f.orders[1].id);
    assert_order(&fx.f, 2, CAS_BUY, CAS_LIMIT, 3, true);
    cr_assert_eq(fx.f.orders[2].req.price, fx.f.views[0].best_bid);
}

Test(liquidator, idle_when_flat_and_nothing_is_liquidatable, .init = ready_liquidator)
{
    agent_start(&fx.a, 1);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.list_calls, 1);
    cr_assert_eq(fx.f.n_takes + fx.f.n_orders + fx.f.n_cancels, 0);
}

Test(liquidator, does_nothing_while_itself_liquidated, .init = ready_liquidator)
{
    agent_start(&fx.a, 1);
    fx.f.views[0].liquidating = true;
    fx.f.views[0].position = 20;
    add_target(&fx.f, 3, 10);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_takes + fx.f.n_orders, 0);
}

/* A scripted run: the targets taken over in order, written into out. */
static uint32_t liq_script(uint64_t seed, uint32_t *out)
{
    struct agent a;
    struct agentctx f;
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
            f.views[0].position +=
                f.orders[k].req.side == CAS_BUY ? f.orders[k].req.qty : -f.orders[k].req.qty;
        f.n_orders = 0;
    }
    for (uint32_t k = 0; k < f.n_takes; k++)
        out[k] = f.takes[k].target;
    return f.n_takes;
}

Test(liquidator, same_seed_same_take_overs)
{
    uint32_t a[AGENTCTX_TAKES], b[AGENTCTX_TAKES], c[AGENTCTX_TAKES];
    uint32_t na = liq_script(42, a), nb = liq_script(42, b), nc = liq_script(43, c);
    cr_assert_gt(na, 3);
    cr_assert_eq(na, nb);
    cr_assert_arr_eq(a, b, na * sizeof *a);
    bool differs = na != nc || memcmp(a, c, na * sizeof *a) != 0;
    cr_assert(differs, "the order of take-overs does not depend on the keeper's stream");
}
