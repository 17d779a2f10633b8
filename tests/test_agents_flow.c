/* test_agents_flow: the decision rules of the flow agents (fundamental, market_maker,
 * basis_arb), each driven alone through a fake context that serves scripted views and
 * records every order and cancel. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "cascade/agent.h"
#include "cascade/stats.h"
#include "lib/agentctx.h"

#define PERP 0
#define SPOT 1

/* Script the touch of an instrument's book (the last trade at the bid). */
static void set_book(struct agentctx *f, uint32_t instrument, cas_ticks bid, cas_ticks ask)
{
    struct cas_market_view *v = &f->views[instrument];
    v->has_bid = v->has_ask = true;
    v->best_bid = bid;
    v->best_ask = ask;
    v->last = bid;
    v->mark = bid;
}

static void fake_init(struct agentctx *f)
{
    agentctx_init(f);
    for (uint32_t i = 0; i < AGENTCTX_INSTR; i++) {
        struct cas_market_view *v = &f->views[i];
        set_book(f, i, 59999, 60001);
        v->index = v->value = 60000; /* a perpetual's value is its index */
        v->equity = 1000000000000;
        v->contract_units = 500;
        v->index_instrument = UINT32_MAX;
    }
}

/* One agent: its type, state and stream. */
struct agent {
    const struct cas_agent_type *type;
    struct cas_agent_setup setup;
    double params[CAS_MAX_PARAMS];
    unsigned char state[1024];
    struct cas_rng rng;
};

static void param(struct agent *a, const char *name, double value)
{
    agentctx_param(a->type, a->params, name, value);
}

/* Defaults from the table; call param() after, then agent_start(). */
static void agent_new(struct agent *a, const struct cas_agent_type *type, uint64_t seed)
{
    memset(a, 0, sizeof *a);
    a->type = type;
    cr_assert_leq(type->n_params, CAS_MAX_PARAMS);
    cr_assert_leq(type->state_size, sizeof a->state);
    agentctx_defaults(type, a->params);
    a->setup = (struct cas_agent_setup){.count = 1,
                                        .params = a->params,
                                        .initial_price = 60000,
                                        .instrument = PERP,
                                        .perpetual = true,
                                        .tick_size = 0.5,
                                        .lot_size = 0.01, /* a lot at 60000 ticks: 300 quote */
                                        .step_seconds = 1,
                                        .steps = 86400,
                                        .leverage = 1,
                                        .rng = &a->rng,
                                        .first_wake = NAN};
    cas_rng_init(&a->rng, seed, 7);
}

static int agent_start(struct agent *a)
{
    struct cas_err err = {0};
    return a->type->init(a->state, &a->setup, &err);
}

/* What init allocated (the option dealer's book of options). */
static void agent_stop(struct agent *a)
{
    if (a->type->release)
        a->type->release(a->state);
}

static void agent_act(struct agent *a, struct agentctx *f)
{
    struct cas_market_view view = f->views[PERP];
    struct cas_agent_ctx ctx = agentctx_ctx(f, &view, &a->rng);
    a->type->act(a->state, &ctx);
}

/* Every parameter default lies within its own range, and init accepts the defaults. */
static void check_table(const struct cas_agent_type *t)
{
    cr_assert_not_null(t->init);
    cr_assert_not_null(t->rate);
    cr_assert_not_null(t->act);
    cr_assert_leq(t->n_params, CAS_MAX_PARAMS);
    for (uint32_t i = 0; i < t->n_params; i++) {
        const struct cas_param_spec *p = &t->params[i];
        cr_assert(p->def >= p->min && p->def <= p->max && !(p->min_open && p->def == p->min),
                  "%s.%s default out of range", t->name, p->name);
        if (p->kind == CAS_PARAM_INT)
            cr_assert_eq(p->def, floor(p->def), "%s.%s", t->name, p->name);
        cr_assert_not_null(p->doc);
    }
    struct agent a;
    agent_new(&a, t, 1);
    cr_assert_eq(agent_start(&a), 0, "%s rejects its defaults", t->name);
    if (t->next_wake) /* scheduled wake-ups: a script with no orders never wakes */
        cr_assert_geq(t->rate(a.state), 0);
    else
        cr_assert_gt(t->rate(a.state), 0);
    cr_assert_gt(a.setup.collateral, 0, "%s opens an empty account", t->name);
    cr_assert_geq(a.setup.leverage, 1);
    agent_stop(&a);
}

Test(agents_flow, tables_and_defaults)
{
    cr_assert_eq(cas_agent_type_find("fundamental"), &cas_agent_fundamental);
    cr_assert_eq(cas_agent_type_find("market_maker"), &cas_agent_market_maker);
    cr_assert_eq(cas_agent_type_find("basis_arb"), &cas_agent_basis_arb);
    size_t n;
    const struct cas_agent_type *const *types = cas_agent_types(&n);
    cr_assert_geq(n, 8);
    for (size_t k = 0; k < n; k++)
        check_table(types[k]);
}

static bool has_param(const struct cas_agent_type *t, const char *name)
{
    for (uint32_t i = 0; i < t->n_params; i++)
        if (strcmp(t->params[i].name, name) == 0)
            return true;
    return false;
}

/* Every type opens its agent's account from its collateral and leverage (a holder, which
 * has no collateral parameter, from its notional / leverage), and wakes at its rate,
 * where it has one (noise wakes at the rate its flows make). */
Test(agents_flow, every_type_opens_its_account_and_wakes_at_its_rate)
{
    size_t n;
    const struct cas_agent_type *const *types = cas_agent_types(&n);
    for (size_t k = 0; k < n; k++) {
        struct agent a;
        agent_new(&a, types[k], 1);
        bool has_collateral = has_param(types[k], "collateral");
        if (has_collateral)
            param(&a, "collateral", 2500 + (double)k);
        else
            param(&a, "notional", 7 * (2500 + (double)k));
        param(&a, "leverage", 7);
        bool has_rate = has_param(types[k], "rate");
        if (has_rate)
            param(&a, "rate", 0.25);
        cr_assert_eq(agent_start(&a), 0, "%s", types[k]->name);
        cr_assert_float_eq(a.setup.collateral, 2500 + (double)k, 1e-9, "%s", types[k]->name);
        cr_assert_eq(a.setup.leverage, 7, "%s", types[k]->name);
        if (has_rate)
            cr_assert_eq(types[k]->rate(a.state), 0.25, "%s", types[k]->name);
        agent_stop(&a);
    }
}

/* ---- fundamental ---- */

static void fundamental_new(struct agent *a, uint64_t seed)
{
    agent_new(a, &cas_agent_fundamental, seed);
    param(a, "bias_sd", 0);
    param(a, "threshold", 0.005);
    param(a, "aggression", 600);    /* 2 lots per 1% at the belief */
    param(a, "max_notional", 6000); /* 20 lots */
    param(a, "market_prob", 0);
    param(a, "collateral", 12345);
    param(a, "leverage", 3);
    cr_assert_eq(agent_start(a), 0);
}

/* The agent and the venue of a test with a fixture (.init); each test runs in a process of
 * its own, so they start afresh. */
static struct {
    struct agent a;
    struct agentctx f;
} fx;

static void ready_fundamental(void)
{
    fundamental_new(&fx.a, 1);
    fake_init(&fx.f);
}

Test(agents_flow, fundamental_init_sets_account)
{
    struct agent a;
    fundamental_new(&a, 1);
    cr_assert_eq(a.setup.collateral, 12345);
    cr_assert_eq(a.setup.leverage, 3);
}

Test(agents_flow, fundamental_buys_below_belief, .init = ready_fundamental)
{
    set_book(&fx.f, PERP, 58999, 59001); /* price 59000, index 60000: 1.69% cheap */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 1);
    const struct cas_order_req *r = &fx.f.orders[0].req;
    cr_assert_eq(r->side, CAS_BUY);
    cr_assert_eq(r->type, CAS_LIMIT);
    cr_assert_eq(r->price, 58999, "joins the bid, got %lld", (long long)r->price);
    cr_assert_eq(r->qty, 3, "2 lots per 1%% of 1.69%%, got %lld", (long long)r->qty);
    cr_assert(isfinite(r->expire_at) && r->expire_at > fx.f.views[PERP].now);
}

Test(agents_flow, fundamental_sells_above_belief, .init = ready_fundamental)
{
    set_book(&fx.f, PERP, 62999, 63001); /* 5% rich */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 1);
    cr_assert_eq(fx.f.orders[0].req.side, CAS_SELL);
    cr_assert_eq(fx.f.orders[0].req.price, 63001, "joins the ask");
    cr_assert_eq(fx.f.orders[0].req.qty, 10, "2 lots per 1%% of 4.76%%, rounded");
}

Test(agents_flow, fundamental_holds_within_threshold, .init = ready_fundamental)
{
    set_book(&fx.f, PERP, 59799, 59801); /* 0.33% cheap, threshold 0.5% */
    for (int i = 0; i < 20; i++)
        agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 0);
}

Test(agents_flow, fundamental_uses_last_without_a_mid, .init = ready_fundamental)
{
    fx.f.views[PERP].has_bid = fx.f.views[PERP].has_ask = false;
    fx.f.views[PERP].last = 57000;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 1);
    cr_assert_eq(fx.f.orders[0].req.side, CAS_BUY);
    cr_assert_eq(fx.f.orders[0].req.price, 57000);
}

Test(agents_flow, fundamental_never_exceeds_max_notional, .init = ready_fundamental)
{
    set_book(&fx.f, PERP, 40000, 40002); /* 50% cheap: wants 100 lots, capped at 20 */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.orders[0].req.qty, 20);
    fx.f.views[PERP].position = 17;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.orders[1].req.qty, 3, "room for 3 more lots");
    fx.f.views[PERP].position = 20;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2, "full: no more buying");
    fx.f.views[PERP].position = -20;
    set_book(&fx.f, PERP, 90000, 90002);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2, "full short: no more selling");
    fx.f.views[PERP].position = 20;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 3);
    cr_assert_eq(fx.f.orders[2].req.side, CAS_SELL);
    cr_assert_eq(fx.f.orders[2].req.qty, 20, "may sell from long to flat and on to short");
    fx.f.views[PERP].position = 20;
    set_book(&fx.f, PERP, 40000, 40002);
    agent_act(&fx.a, &fx.f);
    cr_assert(fx.a.type->at_limit(fx.a.state), "cheap, and its 6000 quote are all in");
    set_book(&fx.f, PERP, 59999, 60001);
    agent_act(&fx.a, &fx.f);
    cr_assert_not(fx.a.type->at_limit(fx.a.state), "no mispricing: nothing wanted");
}

Test(agents_flow, fundamental_market_orders_and_cancels, .init = ready_fundamental)
{
    set_book(&fx.f, PERP, 58999, 59001);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_cancels, 0);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_cancels, 1, "cancels its working order at the next wake-up");
    cr_assert_eq(fx.f.cancels[0], fx.f.orders[0].id);

    fundamental_new(&fx.a, 1);
    param(&fx.a, "market_prob", 1);
    cr_assert_eq(agent_start(&fx.a), 0);
    fake_init(&fx.f);
    set_book(&fx.f, PERP, 58999, 59001);
    agent_act(&fx.a, &fx.f);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2);
    cr_assert_eq(fx.f.orders[0].req.type, CAS_MARKET);
    cr_assert_eq(fx.f.n_cancels, 0, "market orders leave nothing to cancel");
}

Test(agents_flow, fundamental_bias_is_persistent_and_varied)
{
    /* Price at the index: each trader trades only on its own bias, always the same way. */
    int buyers = 0, sellers = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct agent a;
        struct agentctx f;
        fundamental_new(&a, seed);
        param(&a, "bias_sd", 0.05);
        param(&a, "threshold", 0.0001);
        cr_assert_eq(agent_start(&a), 0);
        fake_init(&f);
        for (int i = 0; i < 10; i++)
            agent_act(&a, &f);
        if (f.n_orders == 0)
            continue;
        for (size_t i = 1; i < f.n_orders; i++)
            cr_assert_eq(f.orders[i].req.side, f.orders[0].req.side, "seed %llu",
                         (unsigned long long)seed);
        if (f.orders[0].req.side == CAS_BUY)
            buyers++;
        else
            sellers++;
    }
    cr_assert_gt(buyers, 5);
    cr_assert_gt(sellers, 5);
}

/* On spot the index is the book's own mid; the anchor is the instrument's value, which
 * moves apart from the initial price (news, a GBM value). */
Test(agents_flow, fundamental_on_spot_anchors_on_the_value)
{
    struct agent a;
    struct agentctx f;
    fundamental_new(&a, 1);
    a.setup.perpetual = false;
    cr_assert_eq(agent_start(&a), 0);
    fake_init(&f);
    set_book(&f, PERP, 62999, 63001);
    f.views[PERP].index = 63000;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 1);
    cr_assert_eq(f.orders[0].req.side, CAS_SELL, "value 60000: 5% rich");
    f.views[PERP].value = 66000; /* news: the value rose 10% */
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 2);
    cr_assert_eq(f.orders[1].req.side, CAS_BUY, "value 66000: 4.5% cheap");
    cr_assert_eq(f.orders[1].req.qty, 9, "2 lots per 1%% of 4.76%% at the belief, rounded");
    f.views[PERP].value = 63000;
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 2, "at the value: nothing to do");
}

Test(agents_flow, fundamental_is_deterministic)
{
    struct agentctx f1, f2;
    for (int run = 0; run < 2; run++) {
        struct agentctx *f = run ? &f2 : &f1;
        struct agent a;
        fundamental_new(&a, 99);
        param(&a, "bias_sd", 0.01);
        param(&a, "market_prob", 0.5);
        cr_assert_eq(agent_start(&a), 0);
        fake_init(f);
        for (int i = 0; i < 50; i++) {
            set_book(f, PERP, 58000 + 100 * (i % 40), 58002 + 100 * (i % 40));
            f->views[PERP].now = i;
            agent_act(&a, f);
        }
    }
    cr_assert_gt(f1.n_orders, 10);
    cr_assert_eq(f1.n_orders, f2.n_orders);
    cr_assert_eq(memcmp(f1.orders, f2.orders, f1.n_orders * sizeof f1.orders[0]), 0);
}

/* ---- market_maker ---- */

static void mm_new(struct agent *a)
{
    agent_new(a, &cas_agent_market_maker, 1);
    param(a, "spread_ticks", 3);
    param(a, "size", 2);
    param(a, "levels", 2);
    param(a, "level_gap_ticks", 5);
    param(a, "skew_ticks_per_lot", 0.5);
    param(a, "max_position", 100);
    param(a, "vol_halflife", 10);
    param(a, "vol_ref", 1e-4);
    param(a, "vol_widen", 1);
    param(a, "withdraw_vol", 0.01);
    param(a, "stop_loss", 0.2);
    cr_assert_eq(agent_start(a), 0);
}

static void ready_mm(void)
{
    mm_new(&fx.a);
    fake_init(&fx.f);
}

/* A maker that withdraws above a volatility of 1e-3 per step. */
static void ready_mm_withdrawing(void)
{
    ready_mm();
    param(&fx.a, "withdraw_vol", 1e-3);
    cr_assert_eq(agent_start(&fx.a), 0);
}

/* The agent's orders since index `from`: best bid and ask, and lots on each side. */
struct quotes {
    cas_ticks bid, ask;
    cas_lots bid_lots, ask_lots;
    int n_bids, n_asks;
};

static struct quotes quotes_since(const struct agentctx *f, size_t from)
{
    struct quotes q = {0, INT64_MAX, 0, 0, 0, 0};
    for (size_t i = from; i < f->n_orders; i++) {
        const struct cas_order_req *r = &f->orders[i].req;
        cr_assert_eq(r->type, CAS_LIMIT);
        if (r->side == CAS_BUY) {
            q.bid = r->price > q.bid ? r->price : q.bid;
            q.bid_lots += r->qty;
            q.n_bids++;
        } else {
            q.ask = r->price < q.ask ? r->price : q.ask;
            q.ask_lots += r->qty;
            q.n_asks++;
        }
    }
    return q;
}

Test(agents_flow, market_maker_quotes_both_sides_around_mid, .init = ready_mm)
{
    set_book(&fx.f, PERP, 59990, 60010);
    agent_act(&fx.a, &fx.f);
    struct quotes q = quotes_since(&fx.f, 0);
    cr_assert_eq(q.n_bids, 2);
    cr_assert_eq(q.n_asks, 2);
    cr_assert_eq(q.bid, 59997, "mid 60000 - 3, got %lld", (long long)q.bid);
    cr_assert_eq(q.ask, 60003);
    cr_assert_eq(q.bid_lots, 4);
    cr_assert_eq(q.ask_lots, 4);
    bool second_level = false;
    for (size_t i = 0; i < fx.f.n_orders; i++)
        second_level |= fx.f.orders[i].req.price == 59992 || fx.f.orders[i].req.price == 60008;
    cr_assert(second_level, "levels are level_gap_ticks apart");
}

Test(agents_flow, market_maker_quotes_around_index_without_mid, .init = ready_mm)
{
    fx.f.views[PERP].has_bid = fx.f.views[PERP].has_ask = false;
    fx.f.views[PERP].index = 61000;
    agent_act(&fx.a, &fx.f);
    struct quotes q = quotes_since(&fx.f, 0);
    cr_assert_eq(q.bid, 60997);
    cr_assert_eq(q.ask, 61003);
}

/* index_weight moves the centre from the book's mid toward the index: 1, all the way; 0.5,
 * half way; the spread and the levels stay as they are around it. */
Test(agents_flow, market_maker_centres_on_the_index_by_its_weight, .init = ready_mm)
{
    set_book(&fx.f, PERP, 59990, 60010); /* mid 60000 */
    fx.f.views[PERP].index = 60100;
    param(&fx.a, "index_weight", 1);
    cr_assert_eq(agent_start(&fx.a), 0);
    agent_act(&fx.a, &fx.f);
    struct quotes q = quotes_since(&fx.f, 0);
    cr_assert_eq(q.bid, 60097, "index 60100 - 3, got %lld", (long long)q.bid);
    cr_assert_eq(q.ask, 60103);
    param(&fx.a, "index_weight", 0.5);
    cr_assert_eq(agent_start(&fx.a), 0);
    size_t from = fx.f.n_orders;
    agent_act(&fx.a, &fx.f);
    q = quotes_since(&fx.f, from);
    cr_assert_eq(q.bid, 60047, "half way, 60050 - 3, got %lld", (long long)q.bid);
    cr_assert_eq(q.ask, 60053);
}

Test(agents_flow, market_maker_skews_against_inventory, .init = ready_mm)
{
    set_book(&fx.f, PERP, 59990, 60010);
    fx.f.views[PERP].position = 10; /* long: 5 ticks lower */
    agent_act(&fx.a, &fx.f);
    struct quotes q = quotes_since(&fx.f, 0);
    cr_assert_eq(q.bid, 59992);
    cr_assert_eq(q.ask, 59998);
    size_t n = fx.f.n_orders;
    fx.f.views[PERP].position = -10; /* short: 5 ticks higher */
    agent_act(&fx.a, &fx.f);
    q = quotes_since(&fx.f, n);
    cr_assert_eq(q.bid, 60002);
    cr_assert_eq(q.ask, 60008);
}

Test(agents_flow, market_maker_replaces_its_quotes, .init = ready_mm)
{
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_cancels, 0);
    size_t n = fx.f.n_orders;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_cancels, n, "cancels every quote it left");
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(fx.f.cancels[i], fx.f.orders[i].id);
    cr_assert_eq(fx.f.n_orders, 2 * n, "and quotes afresh");
}

Test(agents_flow, market_maker_stops_quoting_a_side_at_max_position)
{
    struct agent a;
    struct agentctx f;
    mm_new(&a);
    param(&a, "max_position", 10);
    param(&a, "skew_ticks_per_lot", 0);
    cr_assert_eq(agent_start(&a), 0);
    fake_init(&f);
    f.views[PERP].position = 7; /* room for one bid of 2 (9), not two (11) */
    agent_act(&a, &f);
    struct quotes q = quotes_since(&f, 0);
    cr_assert_eq(q.n_bids, 1);
    cr_assert_eq(q.n_asks, 2);
    size_t n = f.n_orders;
    f.views[PERP].position = -10;
    agent_act(&a, &f);
    q = quotes_since(&f, n);
    cr_assert_eq(q.n_asks, 0, "full short: no asks");
    cr_assert_eq(q.n_bids, 2);
}

/* Wake the maker at times 0, 1, 2, ... with mids alternating by `jump` ticks. */
static struct quotes mm_run(struct agent *a, struct agentctx *f, cas_ticks jump, int wakes)
{
    size_t from = 0;
    for (int i = 0; i < wakes; i++) {
        cas_ticks mid = 60000 + (i % 2) * jump;
        set_book(f, PERP, mid - 20, mid + 20);
        f->views[PERP].now = i;
        from = f->n_orders;
        agent_act(a, f);
    }
    return quotes_since(f, from);
}

Test(agents_flow, market_maker_widens_with_volatility)
{
    struct agent calm, wild;
    struct agentctx fc, fw;
    mm_new(&calm);
    mm_new(&wild);
    fake_init(&fc);
    fake_init(&fw);
    struct quotes qc = mm_run(&calm, &fc, 0, 30);
    struct quotes qw = mm_run(&wild, &fw, 12, 30); /* returns of 2e-4 per step: vol 2 vol_ref */
    cr_assert_eq(qc.ask - qc.bid, 6, "calm: 2 x spread_ticks");
    cr_assert_eq(qw.n_bids, 2, "volatile but below withdraw_vol: still quoting");
    cr_assert_geq(qw.ask - qw.bid, 16, "about 3 x wider, got %lld", (long long)(qw.ask - qw.bid));
    cr_assert_leq(qw.ask - qw.bid, 21);
}

Test(agents_flow, market_maker_withdraws_above_withdraw_vol, .init = ready_mm_withdrawing)
{
    mm_run(&fx.a, &fx.f, 600, 6); /* returns of 1% per step */
    size_t n = fx.f.n_orders, c = fx.f.n_cancels;
    cr_assert_eq(n, 4, "it quoted once, before the turmoil");
    set_book(&fx.f, PERP, 59980, 60020);
    fx.f.views[PERP].now = 6;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, n, "withdrawn: quotes nothing");
    cr_assert_eq(fx.f.n_cancels, c, "its last quotes were already cancelled");
    /* calm returns: the average decays below the threshold and the maker comes back */
    for (int i = 7; i < 200 && fx.f.n_orders == n; i++) {
        fx.f.views[PERP].now = i;
        agent_act(&fx.a, &fx.f);
    }
    cr_assert_gt(fx.f.n_orders, n, "returns once volatility subsides");
}

Test(agents_flow, market_maker_withdraws_on_first_volatile_wake, .init = ready_mm_withdrawing)
{
    set_book(&fx.f, PERP, 59980, 60020);
    agent_act(&fx.a, &fx.f);
    size_t n = fx.f.n_orders;
    cr_assert_gt(n, 0);
    set_book(&fx.f, PERP, 59380, 59420); /* 1% drop in one step */
    fx.f.views[PERP].now = 1;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_cancels, n, "pulls every quote");
    cr_assert_eq(fx.f.n_orders, n, "and places none");
}

Test(agents_flow, market_maker_stop_loss_is_final, .init = ready_mm)
{
    fx.f.views[PERP].equity = 1000000;
    agent_act(&fx.a, &fx.f);
    size_t n = fx.f.n_orders;
    fx.f.views[PERP].equity = 850000; /* lost 15%: keeps going */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2 * n);
    fx.f.views[PERP].equity = 790000; /* lost 21% */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2 * n);
    cr_assert_eq(fx.f.n_cancels, 2 * n, "cancels what it had out");
    fx.f.views[PERP].equity = 1000000;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2 * n, "stays out after a recovery");
}

Test(agents_flow, market_maker_keeps_only_accepted_ids, .init = ready_mm)
{
    fx.f.refuse_on[PERP] = CAS_EINVAL;
    agent_act(&fx.a, &fx.f);
    fx.f.refuse_on[PERP] = 0;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_cancels, 0, "refused quotes leave nothing to cancel");
    cr_assert_eq(fx.f.n_orders, 4);
}

/* ---- basis_arb ---- */

static void arb_new(struct agent *a)
{
    agent_new(a, &cas_agent_basis_arb, 1);
    param(a, "entry_basis", 0.001);
    param(a, "exit_basis", 0.0002);
    param(a, "clip", 900);          /* 3 lots at the entry basis */
    param(a, "max_notional", 2100); /* 7 lots */
    param(a, "full_basis", 0.001);  /* all of it from the entry basis on */
    cr_assert_eq(agent_start(a), 0);
}

static void ready_arb(void)
{
    arb_new(&fx.a);
    fake_init(&fx.f);
}

static void spot_index(struct agentctx *f)
{
    f->views[PERP].index_instrument = SPOT;
    f->fill_takers = true;
}

/* The arbitrageur already holds `lots` short on the perpetual, hedged on spot. */
static void hedged_short(struct agentctx *f, cas_lots lots)
{
    spot_index(f);
    f->views[PERP].position = -lots;
    f->views[SPOT].position = lots;
}

Test(agents_flow, basis_arb_sells_rich_perp_and_buys_spot, .init = ready_arb)
{
    spot_index(&fx.f);
    set_book(&fx.f, PERP, 60119, 60121); /* the bid 0.198% above the index */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2);
    cr_assert_eq(fx.f.orders[0].instrument, PERP);
    cr_assert_eq(fx.f.orders[0].req.side, CAS_SELL);
    cr_assert_eq(fx.f.orders[0].req.qty, 5, "900 x 1.98 = 1785 quote: 5 whole lots of 300");
    cr_assert_eq(fx.f.orders[0].req.type, CAS_IOC);
    cr_assert_eq(fx.f.orders[0].req.price, 60060, "only prices clearing the entry basis");
    cr_assert_eq(fx.f.orders[1].instrument, SPOT);
    cr_assert_eq(fx.f.orders[1].req.side, CAS_BUY);
    cr_assert_eq(fx.f.orders[1].req.type, CAS_MARKET);
    cr_assert_eq(fx.f.orders[1].req.qty, 5, "the same lots on spot");
}

Test(agents_flow, basis_arb_buys_cheap_perp_and_sells_spot, .init = ready_arb)
{
    spot_index(&fx.f);
    set_book(&fx.f, PERP, 59879, 59881); /* the ask 0.198% below the index */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 2);
    cr_assert_eq(fx.f.orders[0].req.side, CAS_BUY);
    cr_assert_eq(fx.f.orders[0].req.price, 59940);
    cr_assert_eq(fx.f.orders[1].instrument, SPOT);
    cr_assert_eq(fx.f.orders[1].req.side, CAS_SELL, "shorts spot");
    cr_assert_eq(fx.f.orders[1].req.qty, 5);
}

Test(agents_flow, basis_arb_respects_max_notional, .init = ready_arb)
{
    spot_index(&fx.f);
    set_book(&fx.f, PERP, 60119, 60121);
    for (int i = 0; i < 5; i++)
        agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.views[PERP].position, -7, "5 + 2 (2100 quote), then no more");
    cr_assert_eq(fx.f.views[SPOT].position, 7, "hedged");
    cr_assert_eq(fx.f.n_orders, 4);
    cr_assert(fx.a.type->at_limit(fx.a.state), "the perp is still rich and the capital is spent");
    set_book(&fx.f, PERP, 60029, 60031); /* within the entry level: no longer wanting */
    agent_act(&fx.a, &fx.f);
    cr_assert_not(fx.a.type->at_limit(fx.a.state));
}

Test(agents_flow, basis_arb_holds_between_exit_and_entry, .init = ready_arb)
{
    hedged_short(&fx.f, 3);
    set_book(&fx.f, PERP, 60029, 60031); /* +0.05% */
    agent_act(&fx.a, &fx.f);
    set_book(&fx.f, PERP, 59969, 59971); /* -0.05% */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 0);
}

Test(agents_flow, basis_arb_unwinds_inside_exit, .init = ready_arb)
{
    hedged_short(&fx.f, 5);
    set_book(&fx.f, PERP, 60000, 60002); /* +0.0017% */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.orders[0].req.side, CAS_BUY);
    cr_assert_eq(fx.f.orders[0].req.qty, 3, "a clip (900 quote) at a time");
    cr_assert(fx.f.orders[0].req.reduce_only);
    cr_assert_eq(fx.f.orders[0].req.price, 60012, "within the exit basis");
    cr_assert_eq(fx.f.orders[1].req.side, CAS_SELL);
    cr_assert_eq(fx.f.orders[1].req.qty, 3);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.orders[2].req.qty, 2, "what is left");
    cr_assert_eq(fx.f.views[PERP].position, 0);
    cr_assert_eq(fx.f.views[SPOT].position, 0);
    size_t n = fx.f.n_orders;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, n, "flat: nothing to do");
}

Test(agents_flow, basis_arb_without_spot_trades_only_the_perp, .init = ready_arb)
{
    fx.f.fill_takers = true;
    set_book(&fx.f, PERP, 60119, 60121);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 1);
    cr_assert_eq(fx.f.orders[0].instrument, PERP);
}

Test(agents_flow, basis_arb_hedges_in_notional_and_retries, .init = ready_arb)
{
    spot_index(&fx.f);
    fx.f.views[SPOT].contract_units = 250; /* spot lots half the size: twice as many */
    fx.f.refuse_on[SPOT] = CAS_EINVAL;
    set_book(&fx.f, PERP, 60119, 60121);
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.views[SPOT].position, 0, "refused");
    fx.f.refuse_on[SPOT] = 0;
    set_book(&fx.f, PERP, 60029, 60031); /* hold: only the hedge is due */
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.views[SPOT].position, 10, "5 perp lots are 10 spot lots");
}

/* A desk's sizing: orders grow with the mispricing (clip x |b| / entry_basis), and so does
 * the position it holds (max_notional x |b| / full_basis), up to max_notional. */
Test(agents_flow, basis_arb_sizes_with_the_mispricing)
{
    struct agent a;
    struct agentctx f;
    agent_new(&a, &cas_agent_basis_arb, 1);
    param(&a, "clip", 900);
    param(&a, "max_notional", 300000); /* 1000 lots */
    param(&a, "full_basis", 0.02);
    cr_assert_eq(agent_start(&a), 0);
    fake_init(&f);
    set_book(&f, PERP, 59879, 59881); /* 0.198% cheap */
    agent_act(&a, &f);
    cr_assert_eq(f.orders[0].req.qty, 5);
    set_book(&f, PERP, 59399, 59400); /* 1% cheap: five times the order */
    agent_act(&a, &f);
    cr_assert_eq(f.orders[1].req.qty, 30, "900 x 10 = 9000 quote: 30 lots");
    f.views[PERP].position = 100;
    set_book(&f, PERP, 59879, 59881); /* 0.198% cheap: holds 99 lots' worth at most */
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 2, "holds: the small gap does not call for more");
    cr_assert_not(a.type->at_limit(a.state), "held back by the gap, not by its capital");
    set_book(&f, PERP, 59399, 59400);
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 3, "the wide gap draws more capital");
    f.views[PERP].position = 1000;
    set_book(&f, PERP, 47999, 48000); /* 20% cheap: all of max_notional is in */
    agent_act(&a, &f);
    cr_assert_eq(f.n_orders, 3);
    cr_assert(a.type->at_limit(a.state), "capital exhausted");
}

/* A perpetual whose bids are gone (a crash through the book) is still bought when its
 * asks are cheap: the arbitrageur needs only the side it takes. */
Test(agents_flow, basis_arb_buys_a_cheap_perp_with_no_bids, .init = ready_arb)
{
    set_book(&fx.f, PERP, 5, 10);
    fx.f.views[PERP].has_bid = false;
    agent_act(&fx.a, &fx.f);
    cr_assert_eq(fx.f.n_orders, 1);
    cr_assert_eq(fx.f.orders[0].req.side, CAS_BUY);
    cr_assert_eq(fx.f.orders[0].req.price, 59940);
}

/* A refused order (margin) means the capital is not there: at its limit. */
Test(agents_flow, basis_arb_refused_is_at_its_limit, .init = ready_arb)
{
    fx.f.refuse_on[PERP] = CAS_EINVAL;
    set_book(&fx.f, PERP, 59879, 59881);
    agent_act(&fx.a, &fx.f);
    cr_assert(fx.a.type->at_limit(fx.a.state));
}

Test(agents_flow, basis_arb_rejects_spot_and_bad_levels)
{
    struct agent a;
    struct cas_err err = {0};
    agent_new(&a, &cas_agent_basis_arb, 1);
    a.setup.perpetual = false;
    cr_assert_eq(a.type->init(a.state, &a.setup, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "instrument");
    agent_new(&a, &cas_agent_basis_arb, 1);
    param(&a, "entry_basis", 0.001);
    param(&a, "exit_basis", 0.002);
    cr_assert_eq(a.type->init(a.state, &a.setup, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "params.exit_basis");
}

/* ---- holder ---- */

/* A holder on the fake venue: tick 0.5, lot 0.01 (a lot at 60000 ticks is 300 quote),
 * contract_units 500 money per tick per lot, so 1 quote = 500 / 0.005 = 100000 money. */
#define HOLDER_MONEY 100000.0

static void holder_new(struct agent *a, uint64_t seed, double hold, double flat)
{
    agent_new(a, &cas_agent_holder, seed);
    param(a, "notional", 30000); /* 100 lots at 60000 ticks */
    param(a, "leverage", 5);
    param(a, "clip", 9000); /* 30 lots */
    param(a, "hold_steps", hold);
    param(a, "flat_steps", flat);
    param(a, "adjust_steps", 1e12); /* no adjustments unless a test asks */
    cr_assert_eq(agent_start(a), 0);
}

static void holder_venue(struct agentctx *f, cas_lots position, double equity_quote)
{
    fake_init(f);
    f->fill_takers = true;
    f->money_scale = HOLDER_MONEY;
    f->views[PERP].position = position;
    f->views[PERP].equity = (cas_money)(equity_quote * HOLDER_MONEY);
}

/* At the start: held with the stationary probability, of the notional at the drawn
 * entry, with a deposit of notional / leverage, checked at step 0; entries spread
 * around the start price by entry_vol x sqrt(age). */
Test(holder, starts_holding_with_the_stationary_share_at_spread_entries)
{
    int held = 0, longs = 0, early = 0;
    double log_dev = 0, log_dev2 = 0;
    for (uint64_t seed = 1; seed <= 2000; seed++) {
        struct agent a;
        holder_new(&a, seed, 300000, 100000); /* holds 3/4 of its life */
        cr_assert_float_eq(a.setup.collateral, 6000, 1e-9, "deposit = notional / leverage");
        if (a.setup.position == 0) {
            cr_assert(isnan(a.setup.first_wake), "a flat holder wakes as a Poisson process");
            continue;
        }
        held++;
        longs += a.setup.position > 0;
        double entry = (double)a.setup.entry;
        /* effective leverage at the start from its own entry: 5x on a margin of 1/5 */
        double loss = a.setup.position > 0 ? (entry - 60000) / entry : (60000 - entry) / entry;
        double lev = (60000 / entry) / (0.2 - loss);
        if (loss >= 0.2 || lev >= 5)
            early += a.setup.first_wake == 0; /* past topup_at (2) x 5x / 2: step 0, if */
        else                                  /* it tops up (80% by default) */
            cr_assert(isnan(a.setup.first_wake), "a healthy position waits for its rate");
        cr_assert_eq(llabs(a.setup.position), (cas_lots)floor(30000 / (entry * 0.005)),
                     "seed %llu: lots of the notional at the entry", (unsigned long long)seed);
        double d = log(entry / 60000);
        log_dev += d;
        log_dev2 += d * d;
    }
    cr_assert(held > 1400 && held < 1600, "held %d of 2000 (expected 1500)", held);
    cr_assert_gt(early, 0, "some positions have lost half their margin and check in at once");
    cr_assert(longs > held * 0.45 && longs < held * 0.55, "longs %d of %d", longs, held);
    /* E[z^2 x 0.25 x age/year] with E[age] = 300000 s: sd of log entry = 0.5 x sqrt(300000 /
     * 31557600) = 0.0487 */
    double sd = sqrt(log_dev2 / held - (log_dev / held) * (log_dev / held));
    cr_assert(sd > 0.044 && sd < 0.054, "sd of log(entry / start) %.4f", sd);
}

/* Holding past its holding time, it closes in clips of at most `clip`, reduce-only, then
 * stays flat for a flat spell and opens again at market. */
Test(holder, closes_in_clips_then_reopens_after_a_flat_spell)
{
    struct agent a;
    struct agentctx f;
    uint64_t seed = 1;
    do /* a seed whose holder starts with a position (nearly every one) */
        holder_new(&a, seed++, 1e6, 1);
    while (a.setup.position == 0);
    holder_venue(&f, a.setup.position, 1e6);
    f.views[PERP].now = 1e9; /* far past any holding time */
    cas_lots start = a.setup.position;
    for (int k = 0; k < 10 && f.views[PERP].position != 0; k++)
        agent_act(&a, &f);
    cr_assert_eq(f.views[PERP].position, 0, "closed");
    cr_assert_gt(f.n_orders, 1, "in several orders");
    cas_lots sum = 0;
    for (uint32_t k = 0; k < f.n_orders; k++) {
        cr_assert(f.orders[k].req.reduce_only, "a close is reduce-only");
        cr_assert_eq(f.orders[k].req.type, CAS_MARKET);
        cr_assert_leq(f.orders[k].req.qty, 30, "a clip of 9000 at 60000: 30 lots");
        sum += f.orders[k].req.qty;
    }
    cr_assert_eq(sum, llabs(start));
    uint32_t orders = f.n_orders;
    agent_act(&a, &f); /* sees the position gone: a flat spell of mean 1 step starts */
    cr_assert_eq(f.n_orders, orders, "the check-in that sees it flat starts the spell");
    f.views[PERP].now += 1e3;
    for (int k = 0; k < 10; k++)
        agent_act(&a, &f);
    cr_assert(llabs(f.views[PERP].position) >= 99 && llabs(f.views[PERP].position) <= 100,
              "opened 30000 at the touch: %lld lots", (long long)f.views[PERP].position);
    cr_assert(!f.orders[orders].req.reduce_only, "an opening order");

    struct agent b; /* a holder flat from the start waits for its flat spell */
    struct agentctx g;
    holder_new(&b, 1, 1, 1e12);
    cr_assert_eq(b.setup.position, 0);
    holder_venue(&g, 0, 1e6);
    g.views[PERP].now = 1;
    agent_act(&b, &g);
    cr_assert_eq(g.n_orders, 0, "its flat spell (mean 1e12 steps) is not over");
}

/* Past topup_at x leverage, a holder who tops up deposits what brings its effective
 * leverage back to its setting; one who does not lets it ride. */
Test(holder, tops_up_its_margin_or_lets_it_ride)
{
    int topped = 0, rode = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        struct agent a;
        agent_new(&a, &cas_agent_holder, seed);
        param(&a, "leverage", 5);
        param(&a, "topup_at", 2);
        param(&a, "topup_prob", 0.5);
        param(&a, "hold_steps", 1e12);
        param(&a, "adjust_steps", 1e12);
        cr_assert_eq(agent_start(&a), 0);
        struct agentctx f;
        /* 100 lots at mark 59999: 29999.5 quote of notional on 2500 of equity: 12x */
        holder_venue(&f, 100, 2500);
        agent_act(&a, &f);
        cr_assert_eq(f.n_orders, 0, "a top-up is no trade");
        if (f.n_deposits == 0) {
            rode++;
            continue;
        }
        topped++;
        cr_assert_eq(f.n_deposits, 1);
        cr_assert_float_eq(f.deposited, 29999.5 / 5 - 2500, 1e-6, "back to 5x");
        /* again past twice the setting, and not under it */
        holder_venue(&f, 100, 2900);
        agent_act(&a, &f);
        cr_assert_eq(f.n_deposits, 1, "10.3x is past 2 x 5x: topped up again");
        holder_venue(&f, 100, 3100);
        agent_act(&a, &f);
        cr_assert_eq(f.n_deposits, 0, "9.7x is under 10x: nothing");
    }
    cr_assert(topped > 160 && topped < 240 && rode > 160, "topped %d, rode %d", topped, rode);
}

/* ---- noise: metaorders ---- */

/* The signs of 4,000 market orders of one noise trader (market orders only). */
static void noise_signs(double alpha, uint64_t seed, double *sign, int n)
{
    struct agent a;
    agent_new(&a, &cas_agent_noise, seed);
    param(&a, "alpha", 0); /* no limit orders */
    param(&a, "mu", 1);
    param(&a, "metaorder_alpha", alpha);
    cr_assert_eq(agent_start(&a), 0);
    struct agentctx f;
    fake_init(&f);
    for (int k = 0; k < n; k++) {
        f.n_orders = 0;
        agent_act(&a, &f);
        cr_assert_eq(f.n_orders, 1);
        cr_assert_eq(f.orders[0].req.type, CAS_MARKET);
        sign[k] = f.orders[0].req.side == CAS_BUY ? 1 : -1;
    }
}

/* Metaorders (Lillo, Mike & Farmer 2005): a trader's market orders come in runs of one
 * sign whose lengths have a Pareto tail, P(L >= l) = l^-alpha, so the signs remember their
 * past over many orders, the more the heavier the tail; a coin flip each without them. An
 * alpha of 1 or less (an infinite mean length) is refused. */
Test(agents_flow, noise_metaorders_give_the_signs_a_long_memory)
{
    enum { N = 4000 };
    static double plain[N], meta[N], heavy[N];
    noise_signs(0, 3, plain, N);
    noise_signs(1.6, 3, meta, N);
    noise_signs(1.2, 3, heavy, N);
    for (int lag = 1; lag <= 10; lag *= 10) {
        double p = cas_stats_acf(plain, N, lag), m = cas_stats_acf(meta, N, lag),
               h = cas_stats_acf(heavy, N, lag);
        cr_assert_lt(fabs(p), 0.06, "coin flips: acf %g at lag %d", p, lag);
        cr_assert_gt(m, 0.1, "metaorders: acf %g at lag %d", m, lag);
        cr_assert_gt(h, m, "a heavier tail remembers more: %g against %g at lag %d", h, m, lag);
    }
    /* a metaorder ends after an order with probability 1 / E[L] = 1 / zeta(1.6) = 0.44 and
     * the next takes the other side half the time: 78% of consecutive pairs of one sign */
    int same = 0;
    for (int i = 1; i < N; i++)
        same += meta[i] == meta[i - 1];
    cr_assert(same > 0.74 * N && same < 0.82 * N, "%d of %d consecutive pairs of one sign", same,
              N);
    struct agent a;
    agent_new(&a, &cas_agent_noise, 1);
    param(&a, "metaorder_alpha", 1);
    cr_assert_eq(agent_start(&a), CAS_ERANGE, "an infinite mean length");
}
