/* Tests of the leverage agents (leveraged traders, option dealers) against a fake
 * context: a scripted view and a venue stand-in that fills market orders in full at
 * the touch, reports the fills at once as the sim does, and records every order and
 * cancel. Each test scripts views and checks the decisions the type's rule implies.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/agent.h"
#include "cascade/bs.h"
#include "lib/agentctx.h"

#define CU 500 /* money per tick per lot: tick 0.5, lot 0.001, 6 money decimals */

/* Defaults of the type's table, then overrides by name (NULL ends the list). */
static void params_v(const struct cas_agent_type *t, double *p, const char *name, va_list ap)
{
    agentctx_defaults(t, p);
    for (; name; name = va_arg(ap, const char *))
        agentctx_param(t, p, name, va_arg(ap, double));
}

static void params_of(const struct cas_agent_type *t, double *p, const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    params_v(t, p, name, ap);
    va_end(ap);
}

static void set_price(struct agentctx *f, cas_ticks mid)
{
    f->views[0].has_bid = f->views[0].has_ask = true;
    f->views[0].best_bid = mid - 1;
    f->views[0].best_ask = mid + 1;
    f->views[0].last = f->views[0].mark = mid;
    f->views[0].index = (double)mid;
}

/* A fresh agent of type t with params p, at price 60000 with 1000 quote of equity. */
static struct agentctx *fake_new(const struct cas_agent_type *t, const double *p, uint64_t seed)
{
    struct agentctx *f = calloc(1, sizeof *f);
    cr_assert_not_null(f);
    agentctx_init(f);
    f->fill_takers = true; /* at the touch, heard at once unless defer_fills */
    f->log_refused = true;
    f->type = t;
    f->state = calloc(1, t->state_size);
    cr_assert_not_null(f->state);
    struct cas_agent_setup setup = {
        .count = 1,
        .params = p,
        .initial_price = 60000,
        .perpetual = true,
        .tick_size = 0.5,
        .step_seconds = 1,
        .steps = 86400,
        .leverage = 1,
    };
    struct cas_err err = {0};
    cr_assert_eq(t->init(f->state, &setup, &err), 0, "init: %s", err.msg);
    cas_rng_init(&f->rng, seed, 7);
    set_price(f, 60000);
    f->views[0].equity = 1000 * 1000000LL;
    f->views[0].contract_units = CU;
    f->ctx = agentctx_ctx(f, &f->views[0], &f->rng);
    return f;
}

/* fake_new with the type's defaults and overrides by name (NULL ends the list). */
static struct agentctx *agent_of(const struct cas_agent_type *t, uint64_t seed, const char *name,
                                 ...)
{
    double p[CAS_MAX_PARAMS];
    va_list ap;
    va_start(ap, name);
    params_v(t, p, name, ap);
    va_end(ap);
    return fake_new(t, p, seed);
}

static void fake_free(struct agentctx *f)
{
    if (f->type->release)
        f->type->release(f->state);
    free(f->state);
    free(f);
}

/* Wake the agent at time `now`; returns how many orders it sent. */
static uint32_t wake(struct agentctx *f, double now)
{
    uint32_t before = f->n_orders;
    f->views[0].now = now;
    f->views[0].step = (cas_step)floor(now);
    f->type->act(f->state, &f->ctx);
    return f->n_orders - before;
}

static bool same_orders(const struct cas_order_req *a, const struct cas_order_req *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i].side != b[i].side || a[i].type != b[i].type || a[i].price != b[i].price ||
            a[i].qty != b[i].qty || a[i].reduce_only != b[i].reduce_only || a[i].stop != b[i].stop)
            return false;
    return true;
}

static const struct cas_order_req *last_order(const struct agentctx *f)
{
    cr_assert_gt(f->n_orders, 0);
    return &f->orders[f->n_orders - 1].req;
}

/* ---- leveraged ---- */

#define LEV (&cas_agent_leveraged)

TestSuite(leveraged);

Test(leveraged, init_opens_the_account_from_collateral_and_leverage)
{
    double p[CAS_MAX_PARAMS];
    params_of(LEV, p, "leverage", 25.0, "collateral", 5000.0, NULL);
    struct cas_agent_setup setup = {.count = 1, .params = p, .leverage = 1, .step_seconds = 1};
    void *st = calloc(1, LEV->state_size);
    cr_assert_eq(LEV->init(st, &setup, NULL), 0);
    cr_assert_eq(setup.leverage, 25);
    cr_assert_float_eq(setup.collateral, 5000, 1e-9);
    cr_assert_float_eq(LEV->rate(st), 0.01, 1e-12);
    free(st);
}

/* lots = size_fraction x equity x leverage / (touch x contract units), equity in quote */
static cas_lots expected_lots(double equity, double fraction, double leverage,
                              const struct cas_order_req *o)
{
    double touch = o->side == CAS_BUY ? 60001 : 59999;
    return (cas_lots)floor(fraction * equity * 1e6 * leverage / (touch * CU));
}

Test(leveraged, sizes_the_position_from_equity_times_leverage)
{
    double lev[] = {10, 25, 50};
    for (int i = 0; i < 3; i++) {
        double p[CAS_MAX_PARAMS];
        params_of(LEV, p, "leverage", lev[i], NULL);
        struct agentctx *f = fake_new(LEV, p, 1);
        cr_assert_eq(wake(f, 5), 1);
        const struct cas_order_req *o = last_order(f);
        cr_assert_eq(o->type, CAS_MARKET);
        cr_assert(!o->reduce_only);
        cr_assert_eq(o->stop, 0);
        cr_assert_eq(o->qty, expected_lots(1000, 0.9, lev[i], o), "leverage %g: %lld lots", lev[i],
                     (long long)o->qty);
        fake_free(f);
    }
    struct agentctx *f = agent_of(LEV, 1, "size_fraction", 0.5, NULL);
    f->views[0].equity *= 3;
    wake(f, 5);
    cr_assert_eq(last_order(f)->qty, expected_lots(3000, 0.5, 10, last_order(f)));
    fake_free(f);
}

Test(leveraged, does_not_trade_without_equity_for_one_lot)
{
    struct agentctx *f = agent_of(LEV, 1, NULL);
    f->views[0].equity = 0;
    cr_assert_eq(wake(f, 1), 0);
    f->views[0].equity = 1000000; /* 1 quote at 10x: 9 quote of notional, less than a lot (30) */
    cr_assert_eq(wake(f, 2), 0);
    fake_free(f);
}

/* A momentum or contrarian trader that sees the mid move from 60000 to `to`. */
static struct agentctx *after_move(double style, cas_ticks to, double stop_loss)
{
    struct agentctx *f = agent_of(LEV, 3, "style", style, "lookback", 10.0, "stop_loss", stop_loss,
                                  "hold_steps", 1e9, NULL);
    cr_assert_eq(wake(f, 0), 0, "no trade without history");
    cr_assert_eq(wake(f, 5), 0, "no trade before an observation lookback old");
    set_price(f, to);
    wake(f, 20);
    return f;
}

Test(leveraged, momentum_follows_the_move_and_contrarian_fades_it)
{
    struct {
        double style;
        cas_ticks to;
        enum cas_side side;
    } cases[] = {
        {1, 60600, CAS_BUY}, {1, 59400, CAS_SELL}, {2, 60600, CAS_SELL}, {2, 59400, CAS_BUY}};
    for (int i = 0; i < 4; i++) {
        struct agentctx *f = after_move(cases[i].style, cases[i].to, 0);
        cr_assert_eq(f->n_orders, 1, "case %d", i);
        cr_assert_eq(last_order(f)->side, cases[i].side, "case %d", i);
        cr_assert_eq(last_order(f)->type, CAS_MARKET);
        fake_free(f);
    }
    struct agentctx *f = after_move(1, 60000, 0);
    cr_assert_eq(f->n_orders, 0, "a flat mid gives no direction");
    fake_free(f);
}

Test(leveraged, momentum_measures_the_change_over_lookback)
{
    struct agentctx *f = agent_of(LEV, 3, "style", 1.0, "lookback", 100.0, "hold_steps", 1e9, NULL);
    set_price(f, 61000);
    wake(f, 0); /* high a long time ago */
    set_price(f, 59000);
    wake(f, 90); /* low recently, but not lookback ago */
    set_price(f, 60000);
    cr_assert_eq(wake(f, 110), 1);
    cr_assert_eq(last_order(f)->side, CAS_SELL, "60000 is below the mid 100+ steps ago");
    fake_free(f);
}

Test(leveraged, places_the_stop_at_entry_times_one_minus_stop_loss_for_a_long)
{
    struct agentctx *f = after_move(1, 60600, 0.05);
    cr_assert_eq(f->n_orders, 2);
    const struct cas_order_req *entry = &f->orders[0].req, *stop = &f->orders[1].req;
    cr_assert_eq(entry->side, CAS_BUY);
    cr_assert_eq(stop->side, CAS_SELL);
    cr_assert(stop->reduce_only);
    cr_assert_eq(stop->qty, entry->qty);
    cr_assert_eq(stop->stop, llround(60601 * 0.95), "stop %lld", (long long)stop->stop);
    fake_free(f);
}

Test(leveraged, places_the_stop_above_entry_for_a_short)
{
    struct agentctx *f = after_move(1, 59400, 0.02);
    cr_assert_eq(f->n_orders, 2);
    const struct cas_order_req *stop = &f->orders[1].req;
    cr_assert_eq(f->orders[0].req.side, CAS_SELL);
    cr_assert_eq(stop->side, CAS_BUY);
    cr_assert(stop->reduce_only);
    cr_assert_eq(stop->stop, llround(59399 * 1.02));
    fake_free(f);
}

Test(leveraged, places_no_stop_without_stop_loss)
{
    struct agentctx *f = after_move(1, 60600, 0);
    cr_assert_eq(f->n_orders, 1);
    cr_assert_eq(f->orders[0].req.stop, 0);
    fake_free(f);
}

Test(leveraged, places_the_stop_at_the_next_wake_when_fills_come_late)
{
    struct agentctx *f = agent_of(LEV, 5, "stop_loss", 0.1, "hold_steps", 1e9, NULL);
    f->defer_fills = true;
    cr_assert_eq(wake(f, 1), 1, "the entry, with no fill heard yet: no stop");
    bool is_long = f->views[0].position > 0;
    f->views[0].entry = 60500;
    cr_assert_eq(wake(f, 2), 1);
    const struct cas_order_req *stop = last_order(f);
    cr_assert_eq(stop->stop, llround(60500 * (is_long ? 0.9 : 1.1)));
    cr_assert_eq(stop->side, is_long ? CAS_SELL : CAS_BUY);
    cr_assert_eq(stop->qty, llabs(f->views[0].position));
    cr_assert_eq(wake(f, 3), 0, "one stop per position");
    fake_free(f);
}

Test(leveraged, a_refused_entry_places_no_stop_and_is_tried_again)
{
    struct agentctx *f = agent_of(LEV, 5, "stop_loss", 0.1, NULL);
    f->refuse_on[0] = CAS_EINVAL;
    cr_assert_eq(wake(f, 1), 1);
    cr_assert_eq(last_order(f)->stop, 0);
    f->refuse_on[0] = 0;
    cr_assert_eq(wake(f, 2), 2, "entry and stop");
    cr_assert_gt(last_order(f)->stop, 0);
    fake_free(f);
}

Test(leveraged, closes_after_its_holding_time)
{
    struct agentctx *f = agent_of(LEV, 9, "hold_steps", 10.0, NULL);
    wake(f, 0);
    cas_lots pos = f->views[0].position;
    cr_assert_neq(pos, 0);
    cr_assert_eq(wake(f, 1e-9), 0, "held: the holding time has barely started");
    cr_assert_eq(wake(f, 1000), 1, "100 mean holding times later it closes");
    const struct cas_order_req *close = last_order(f);
    cr_assert(close->reduce_only);
    cr_assert_eq(close->type, CAS_MARKET);
    cr_assert_eq(close->side, pos > 0 ? CAS_SELL : CAS_BUY);
    cr_assert_eq(close->qty, llabs(pos));
    cr_assert_eq(f->views[0].position, 0);
    fake_free(f);
}

Test(leveraged, takes_profit_on_a_favourable_move_only)
{
    struct agentctx *f = agent_of(LEV, 3, "style", 1.0, "lookback", 10.0, "take_profit", 0.02,
                                  "hold_steps", 1e9, NULL);
    wake(f, 0);
    set_price(f, 60600);
    cr_assert_eq(wake(f, 20), 1, "long from 60601");
    cr_assert_gt(f->views[0].position, 0);
    set_price(f, 59000);
    cr_assert_eq(wake(f, 30), 0, "a loss is not a profit");
    set_price(f, 61500);
    cr_assert_eq(wake(f, 40), 0, "1.5% is short of 2%");
    set_price(f, 61900);
    cr_assert_eq(wake(f, 50), 1, "2.1% above entry");
    cr_assert(last_order(f)->reduce_only);
    cr_assert_eq(last_order(f)->side, CAS_SELL);
    fake_free(f);
}

Test(leveraged, cancels_its_stop_when_it_closes)
{
    struct agentctx *f = agent_of(LEV, 2, "stop_loss", 0.05, "hold_steps", 1.0, NULL);
    f->stop_ids = true;
    cr_assert_eq(wake(f, 0), 2);
    wake(f, 1000);
    cr_assert_eq(f->n_cancels, 1);
    cr_assert_eq(f->cancels[0], 2, "the stop's id");
    fake_free(f);
}

static void liquidate(struct agentctx *f)
{
    struct cas_liquidation liq = {.id = 1, .side = f->views[0].position > 0 ? CAS_BUY : CAS_SELL};
    f->views[0].position = 0;
    f->views[0].equity = 400 * 1000000LL; /* isolated margin: the rest of the account remains */
    f->type->on_liquidated(f->state, &liq);
}

Test(leveraged, sits_out_after_liquidation_without_reentry)
{
    struct agentctx *f = agent_of(LEV, 4, "reentry", 0.0, NULL);
    cr_assert_eq(wake(f, 0), 1);
    liquidate(f);
    for (int i = 1; i <= 50; i++)
        cr_assert_eq(wake(f, i), 0);
    fake_free(f);
}

Test(leveraged, trades_again_after_liquidation_with_reentry)
{
    struct agentctx *f = agent_of(LEV, 4, "reentry", 1.0, NULL);
    cr_assert_eq(wake(f, 0), 1);
    liquidate(f);
    cr_assert_eq(wake(f, 1), 1);
    cr_assert_eq(last_order(f)->qty, expected_lots(400, 0.9, 10, last_order(f)),
                 "sized from what is left");
    fake_free(f);
}

Test(leveraged, does_not_trade_while_liquidating_or_halted)
{
    struct agentctx *f = agent_of(LEV, 4, NULL);
    f->views[0].liquidating = true;
    cr_assert_eq(wake(f, 0), 0);
    f->views[0].liquidating = false;
    f->views[0].halted = true;
    cr_assert_eq(wake(f, 1), 0);
    fake_free(f);
}

/* A scripted run: the type and its overrides (names up to the first NULL), and wakes
 * `every` steps apart at price 60000 + m[0] x (i % m[1]) - m[2] x (i % m[3]) at wake i. */
struct script {
    const struct cas_agent_type *type;
    const char *names[4];
    double values[4];
    int wakes;
    double every;
    cas_ticks m[4];
};

/* The orders of one scripted run. */
static uint32_t script_run(const struct script *sc, uint64_t seed, struct cas_order_req *out)
{
    double p[CAS_MAX_PARAMS];
    agentctx_defaults(sc->type, p);
    for (int k = 0; k < 4 && sc->names[k]; k++)
        agentctx_param(sc->type, p, sc->names[k], sc->values[k]);
    struct agentctx *f = fake_new(sc->type, p, seed);
    for (int i = 0; i < sc->wakes; i++) {
        set_price(f, 60000 + sc->m[0] * (i % sc->m[1]) - sc->m[2] * (i % sc->m[3]));
        wake(f, sc->every * i);
    }
    uint32_t n = f->n_orders;
    for (uint32_t k = 0; k < n; k++)
        out[k] = f->orders[k].req;
    fake_free(f);
    return n;
}

/* The same seed gives the same orders, another seed others. */
static void same_seed_same_orders(const struct script *sc)
{
    static struct cas_order_req a[AGENTCTX_MAX], b[AGENTCTX_MAX], c[AGENTCTX_MAX];
    uint32_t na = script_run(sc, 11, a), nb = script_run(sc, 11, b), nc = script_run(sc, 12, c);
    cr_assert_gt(na, 10);
    cr_assert_eq(na, nb);
    cr_assert(same_orders(a, b, na));
    cr_assert(na != nc || !same_orders(a, c, na), "another seed, other orders");
}

/* A random-style trader with stops. */
Test(leveraged, same_seed_same_orders)
{
    same_seed_same_orders(
        &(struct script){LEV, {"stop_loss", "hold_steps"}, {0.03, 20}, 200, 3.0, {40, 7, 30, 5}});
}

/* ---- option_dealer ---- */

#define DEALER (&cas_agent_option_dealer)

TestSuite(option_dealer);

/* A dealer that has taken ~50 customer trades at 60000 by its first wake at t = 100,
 * and hedged them. Later wakes are 1e-6 steps apart, so no more customers come. */
static struct agentctx *dealer(double short_gamma, double mode, double threshold, double every)
{
    struct agentctx *f =
        agent_of(DEALER, 21, "contract_lots", 1000.0, "flow_rate", 0.5, "short_gamma", short_gamma,
                 "hedge_mode", mode, "hedge_threshold", threshold, "hedge_every", every, NULL);
    cr_assert_eq(wake(f, 100), 1, "the first hedge");
    return f;
}

/* Move the price by `ticks` per wake for n wakes; count hedge orders on each side,
 * checking that the position moves with them. */
static void walk(struct agentctx *f, int n, cas_ticks ticks, uint32_t *buys, uint32_t *sells)
{
    *buys = *sells = 0;
    for (int i = 1; i <= n; i++) {
        set_price(f, f->views[0].mark + ticks);
        uint32_t sent = wake(f, f->views[0].now + 1e-6);
        cr_assert_leq(sent, 1);
        if (sent == 1) {
            cr_assert_eq(last_order(f)->type, CAS_MARKET);
            cr_assert(!last_order(f)->reduce_only);
            *(last_order(f)->side == CAS_BUY ? buys : sells) += 1;
        }
    }
}

/* Ten wakes of a 0.3% fall, then twenty of a rise: a short-gamma dealer (with = true)
 * hedges with the move at every wake, selling the fall and buying the rise (its position
 * falls by more than 1000 lots in the fall); a long-gamma one against it. */
static void hedges_the_move(bool with)
{
    struct agentctx *f = dealer(with, 0, 1, 60);
    uint32_t buys, sells;
    cas_lots before = f->views[0].position;
    walk(f, 10, -180, &buys, &sells);
    cr_assert_eq(with ? buys : sells, 0, "short gamma %d: traded against the fall", with);
    cr_assert_eq(with ? sells : buys, 10, "short gamma %d: missed a step of the fall", with);
    cas_lots moved = f->views[0].position - before;
    cr_assert(with ? moved < -1000 : moved > 0, "short gamma %d: moved %lld", with,
              (long long)moved);
    walk(f, 20, +180, &buys, &sells);
    cr_assert_eq(with ? sells : buys, 0, "short gamma %d: traded against the rise", with);
    cr_assert_eq(with ? buys : sells, 20, "short gamma %d: missed a step of the rise", with);
    fake_free(f);
}

Test(option_dealer, short_gamma_hedges_with_the_move)
{
    hedges_the_move(true);
}

Test(option_dealer, long_gamma_hedges_against_the_move)
{
    hedges_the_move(false);
}

Test(option_dealer, threshold_mode_waits_for_the_gap)
{
    struct agentctx *f = dealer(1, 0, 300, 60);
    uint32_t buys, sells;
    walk(f, 5, -1, &buys, &sells);
    cr_assert_eq(buys + sells, 0, "a few ticks move the delta by less than 300 lots");
    walk(f, 1, -1200, &buys, &sells);
    cr_assert_eq(sells, 1, "a 2%% fall does");
    fake_free(f);
}

Test(option_dealer, schedule_mode_hedges_once_per_window)
{
    struct agentctx *f = dealer(1, 1, 0, 10); /* hedged in window [100, 110) */
    for (int i = 1; i <= 9; i++) {
        set_price(f, 60000 - 300 * i);
        cr_assert_eq(wake(f, 100 + i + 1e-7 * i), 0, "big moves, same window");
    }
    set_price(f, 57000);
    cr_assert_eq(wake(f, 110.0 + 1e-6), 1, "the next window");
    cr_assert_eq(last_order(f)->side, CAS_SELL, "short gamma after a fall");
    cr_assert_eq(wake(f, 110.0 + 2e-6), 0);
    fake_free(f);
}

/* A short-gamma dealer writing only calls struck at the money, on 1000 lots each, to
 * 0.5 customers per step, hedging any gap; and one more parameter. */
static struct agentctx *call_writer(const char *name, double value)
{
    double p[CAS_MAX_PARAMS];
    params_of(DEALER, p, "contract_lots", 1000.0, "flow_rate", 0.5, "put_fraction", 0.0,
              "strike_spread", 0.0, "hedge_threshold", 0.0, name, value, NULL);
    return fake_new(DEALER, p, 21);
}

/* A call struck at the money has delta N(sigma sqrt(T) / 2): a book of 10 wants 10 x
 * 1000 lots times that, however many customers came. */
Test(option_dealer, book_is_bounded_by_max_options)
{
    struct agentctx *f = call_writer("max_options", 10.0);
    cr_assert_eq(wake(f, 100), 1);
    cr_assert_eq(last_order(f)->side, CAS_BUY, "short calls are hedged long");
    double want = 10 * 1000 * cas_norm_cdf(0.5 * 0.5 * sqrt(1.0 / 365)); /* 24 h at 50% */
    cr_assert_eq(last_order(f)->qty, llround(want), "%lld lots, not %g",
                 (long long)last_order(f)->qty, want);
    fake_free(f);
}

Test(option_dealer, expired_options_drop_out_of_the_hedge)
{
    struct agentctx *f = call_writer("maturity_hours", 0.01);
    wake(f, 100); /* ~50 calls expiring at 136 */
    cas_lots first = f->views[0].position;
    cr_assert_gt(first, 15000);
    set_price(f, 60600); /* in the money: delta 1 each, were they still held */
    wake(f, 137);        /* they expire; ~18 more arrive at the money */
    cr_assert_eq(last_order(f)->side, CAS_SELL, "the hedge of the expired calls is sold");
    cr_assert_lt(f->views[0].position, first / 2);
    cr_assert_gt(f->views[0].position, 0);
    fake_free(f);
}

Test(option_dealer, puts_are_hedged_short_when_written)
{
    struct agentctx *f =
        agent_of(DEALER, 21, "contract_lots", 1000.0, "flow_rate", 0.5, "put_fraction", 1.0,
                 "strike_spread", 0.0, "hedge_threshold", 0.0, NULL);
    wake(f, 100);
    cr_assert_eq(last_order(f)->side, CAS_SELL, "a short put has positive delta");
    fake_free(f);
}

Test(option_dealer, values_its_book_on_the_index_else_the_mid)
{
    struct agentctx *f = dealer(1, 0, 1, 60);
    set_price(f, 58800);
    f->views[0].index = 60000;
    cr_assert_eq(wake(f, 100.1), 0, "the book moved, the index did not");
    f->views[0].index = 58800;
    cr_assert_eq(wake(f, 100.2), 1, "the index fell 2%%");
    cr_assert_eq(last_order(f)->side, CAS_SELL);
    set_price(f, 57600);
    f->views[0].index = NAN;
    cr_assert_eq(wake(f, 100.3), 1, "no index: the mid fell");
    cr_assert_eq(last_order(f)->side, CAS_SELL);
    fake_free(f);
}

Test(option_dealer, does_not_hedge_while_liquidating_or_halted)
{
    struct agentctx *f = dealer(1, 0, 1, 60);
    f->views[0].halted = true;
    set_price(f, 58000);
    cr_assert_eq(wake(f, 100.5), 0);
    f->views[0].halted = false;
    f->views[0].liquidating = true;
    cr_assert_eq(wake(f, 100.6), 0);
    f->views[0].liquidating = false;
    cr_assert_eq(wake(f, 100.7), 1);
    fake_free(f);
}

Test(option_dealer, refuses_an_unknown_step_length)
{
    double p[CAS_MAX_PARAMS];
    params_of(DEALER, p, NULL);
    struct cas_agent_setup setup = {.count = 1, .params = p, .leverage = 1};
    void *st = calloc(1, DEALER->state_size);
    struct cas_err err = {0};
    cr_assert_eq(DEALER->init(st, &setup, &err), CAS_EINVAL);
    cr_assert(strstr(err.msg, "step length") != NULL);
    DEALER->release(st);
    free(st);
}

Test(option_dealer, same_seed_same_orders)
{
    same_seed_same_orders(
        &(struct script){DEALER,
                         {"contract_lots", "flow_rate", "hedge_threshold", "maturity_hours"},
                         {1000, 0.05, 50, 0.1},
                         400,
                         2.0,
                         {90, 11, 70, 13}});
}
