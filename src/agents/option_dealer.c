/* option_dealer: a dealer who writes European options to customers and delta-hedges
 * them in the perpetual, after the feedback models of Frey & Stremme (1997, "Market
 * volatility and feedback effects from dynamic hedging") and Barbon & Buraschi
 * ("Gamma fragility").
 *
 * Customers arrive at `flow_rate` per step (counted at each wake over the time since
 * the last one). Each buys (short_gamma 1: the dealer is short) or sells (short_gamma
 * 0: the dealer is long) `contracts` options, a put with probability put_fraction,
 * else a call, struck at price × (1 + uniform(−strike_spread, +strike_spread))
 * rounded to a tick, expiring maturity_hours later; price is the instrument's index
 * (the mid, or the last trade, when there is none). Each contract is on
 * `contract_lots` lots of the instrument. The dealer values its book with
 * Black–Scholes at volatility `vol` (annualized, riskless rate 0, T from the step
 * length), and wants a hedge position of minus the book's delta: −Σ sign × delta ×
 * contracts × contract_lots lots. It trades the difference with a market order on
 * its own instrument: with hedge_mode 0 whenever it exceeds hedge_threshold lots,
 * with hedge_mode 1 at its first wake in every window of hedge_every steps.
 * The book holds at most max_options entries; a new one beyond that replaces the
 * oldest, bought back (or sold back) at its Black–Scholes value.
 * Premiums, buy-backs and expiry payoffs cannot pass through the venue, which only
 * knows the perpetual: they are an off-venue cash flow kept in the dealer's state
 * (`cash_off`, money units; a dealer's true wealth is its equity plus it). The venue
 * sees only the hedge trades.
 * What to look for: gamma is the hedge's slope. A short-gamma dealer buys as the price
 * rises and sells as it falls: its hedging goes with the move and amplifies it, most
 * near the strikes and near expiry, and its sales in a fall can start or feed a
 * cascade of long liquidations. A long-gamma dealer trades against the move and damps
 * it. Compare realized volatility and cascade sizes with short_gamma 1 and 0.
 */
#include <math.h>
#include <stdlib.h>

#include "agents/agentInt.h"
#include "cascade/bs.h"

enum { HEDGE_THRESHOLD, HEDGE_SCHEDULE };

#define PARAMS(X)                                                                                \
    X(flow_rate, double, REAL, 0.002, 0, 1000, false, "1/step", "customer trades per step")      \
    X(short_gamma, bool, INT, 1, 0, 1, false, "",                                                \
      "1: customers buy options (the dealer is short gamma); 0: they sell")                      \
    X(contracts, double, INT, 1, 1, 10000, false, "contracts", "options in each customer trade") \
    X(contract_lots, double, INT, 100, 1, 1e6, false, "lots",                                    \
      "lots of the instrument one option is on")                                                 \
    X(strike_spread, double, REAL, 0.05, 0, 0.9, false, "fraction of price",                     \
      "strikes are drawn uniformly within this distance of the price")                           \
    X(maturity_hours, double, REAL, 24, 0, 87600, true, "hours",                                 \
      "time from a customer trade to the option's expiry")                                       \
    X(vol, double, REAL, 0.5, 0, 10, true, "per sqrt(year)",                                     \
      "volatility at which the dealer values and hedges its book")                               \
    X(put_fraction, double, REAL, 0.5, 0, 1, false, "",                                          \
      "probability that a customer trade is in puts rather than calls")                          \
    X(hedge_mode, int, INT, HEDGE_THRESHOLD, 0, 1, false, "",                                    \
      "0: hedge when the delta gap exceeds hedge_threshold; 1: every hedge_every steps")         \
    X(hedge_threshold, double, REAL, 100, 0, 1e15, false, "lots",                                \
      "hedge_mode 0: the gap between wanted and held position that triggers a hedge")            \
    X(hedge_every, double, INT, 60, 1, 1e9, false, "steps",                                      \
      "hedge_mode 1: length of the hedging window")                                              \
    X(max_options, uint32_t, INT, 256, 1, 65536, false, "options",                               \
      "most customer trades held; beyond it the oldest is unwound at its model value")           \
    CAS__P_RATE(X, 1, 1000, "wake-ups per step: how often the dealer looks at its book")         \
    CAS__P_COLLATERAL(X, 1e6, "the dealer's deposit for hedging")                                \
    CAS__P_LEVERAGE(X, 10, "the hedge account's leverage (capped by the instrument's)")

/* One customer trade: `contracts` options of one kind and strike. */
struct option {
    enum cas_option_kind kind;
    double strike; /* ticks */
    double expiry; /* time in steps */
};

struct option_dealer {
    CAS__PARAM_FIELDS(PARAMS)
    double sign;     /* -1 short the options, +1 long */
    double maturity; /* steps */
    double years_per_step;
    struct option *book; /* ring of max_options entries in order of arrival, hence of expiry */
    uint32_t head, n;
    double last_now;     /* time of the previous wake */
    int64_t last_window; /* hedge_mode 1: the window last hedged in */
    double cash_off;     /* off-venue cash: premiums, buy-backs, payoffs (money units) */
    double last_S;       /* the underlying at the previous wake, ticks (0 before one) */
};

CAS__PARAMS(option_dealer, PARAMS);

static int option_dealer_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    struct option_dealer *d = state;
    if (!(s->step_seconds > 0))
        return cas_err_set(err, CAS_EINVAL, "params",
                           "the step length is unknown (%g s): "
                           "option maturities cannot be set",
                           s->step_seconds);
    load_params(d, s);
    d->sign = d->short_gamma ? -1 : 1;
    d->maturity = d->maturity_hours * 3600 / s->step_seconds;
    d->years_per_step = s->step_seconds / (365.0 * 86400);
    d->last_window = -1;
    d->book = calloc(d->max_options, sizeof *d->book);
    if (!d->book)
        return cas_err_set(err, CAS_ENOMEM, "params.max_options", "out of memory");
    return 0;
}

static void dealer_release(void *state)
{
    struct option_dealer *d = state;
    free(d->book);
    d->book = NULL;
}

/* The options' underlying: the index, else the mid, else the last trade (ticks). */
static double underlying(const struct cas_market_view *v)
{
    if (isfinite(v->index) && v->index > 0)
        return v->index;
    if (v->has_bid && v->has_ask)
        return 0.5 * ((double)v->best_bid + (double)v->best_ask);
    return (double)v->last;
}

static struct cas_greeks value(const struct option_dealer *d, const struct option *o, double S,
                               double now)
{
    return cas_bs(o->kind, S, o->strike, (o->expiry - now) * d->years_per_step, 0, d->vol);
}

/* Off-venue cash for one customer trade's options at `price` ticks each: `flow` +1
 * when the dealer receives it, -1 when it pays. */
static void settle(struct option_dealer *d, const struct cas_market_view *v, double price,
                   double flow)
{
    d->cash_off += flow * price * d->contracts * d->contract_lots * (double)v->contract_units;
}

/* Drop the options that have expired, paying or receiving their intrinsic value. */
static void expire(struct option_dealer *d, const struct cas_market_view *v, double S)
{
    while (d->n > 0 && d->book[d->head].expiry <= v->now) {
        const struct option *o = &d->book[d->head];
        double payoff = o->kind == CAS_CALL ? fmax(S - o->strike, 0) : fmax(o->strike - S, 0);
        settle(d, v, payoff, d->sign); /* the holder is paid: the dealer if it is long */
        d->head = (d->head + 1) % d->max_options;
        d->n--;
    }
}

/* One customer trade at time now: write (or buy) a new option near the money. */
static void customer(struct option_dealer *d, struct cas_agent_ctx *ctx, double S)
{
    const struct cas_market_view *v = ctx->view;
    if (d->n == d->max_options) { /* full: unwind the oldest at its model value */
        settle(d, v, value(d, &d->book[d->head], S, v->now).price, d->sign); /* sells a long */
        d->head = (d->head + 1) % d->max_options;
        d->n--;
    }
    double u = cas_rng_uniform(ctx->rng, -d->strike_spread, d->strike_spread);
    struct option o = {
        .kind = cas_rng_bernoulli(ctx->rng, d->put_fraction) ? CAS_PUT : CAS_CALL,
        .strike = fmax(1, round(S * (1 + u))),
        .expiry = v->now + d->maturity,
    };
    settle(d, v, value(d, &o, S, v->now).price, -d->sign); /* the premium: paid if long */
    d->book[(d->head + d->n) % d->max_options] = o;
    d->n++;
}

/* The hedge position the book calls for: minus its delta, in lots. */
static double wanted(const struct option_dealer *d, double S, double now)
{
    double delta = 0;
    for (uint32_t i = 0; i < d->n; i++)
        delta += value(d, &d->book[(d->head + i) % d->max_options], S, now).delta;
    return -d->sign * delta * d->contracts * d->contract_lots;
}

/* Trade the position to the wanted one if the hedging rule says it is time. */
static void hedge(struct option_dealer *d, struct cas_agent_ctx *ctx, double S)
{
    const struct cas_market_view *v = ctx->view;
    double gap = wanted(d, S, v->now) - (double)v->position;
    int64_t window = (int64_t)floor(v->now / d->hedge_every);
    if (d->hedge_mode == HEDGE_THRESHOLD ? !(fabs(gap) > d->hedge_threshold)
                                         : window <= d->last_window)
        return;
    cas_lots qty = (cas_lots)llround(fabs(gap));
    struct cas_order_req req = {
        .side = gap > 0 ? CAS_BUY : CAS_SELL,
        .type = CAS_MARKET,
        .qty = qty,
        .expire_at = INFINITY,
    };
    if (qty == 0 || cas_agent_submit(ctx, &req) == 0)
        d->last_window = window; /* a refused hedge is tried again at the next wake */
}

static void option_dealer_act(void *state, struct cas_agent_ctx *ctx)
{
    struct option_dealer *d = state;
    const struct cas_market_view *v = ctx->view;
    double S = underlying(v);
    if (!(S > 0))
        return;
    expire(d, v, S);
    uint64_t arrivals = cas_rng_poisson(ctx->rng, d->flow_rate * (v->now - d->last_now));
    for (uint64_t i = 0; i < arrivals; i++)
        customer(d, ctx, S);
    d->last_now = v->now;
    d->last_S = S;
    if (!v->liquidating && !v->halted)
        hedge(d, ctx, S);
}

static const struct cas_measure_spec measures[] = {
    {"options", "count", "options on the dealer's book at its last wake"},
    {"hedge_lots_per_pct", "lots",
     "the gamma of the book: lots the delta hedge must buy (+) or "
     "sell (−) when the price rises 1%, at its last wake; "
     "positive for a short-gamma book (it trades with the move: "
     "buys as the price rises, sells as it falls), negative for a "
     "long-gamma one"},
};

static double dealer_measure(const void *state, uint32_t k)
{
    const struct option_dealer *d = state;
    if (k == 0)
        return d->n;
    double gamma = 0, S = d->last_S;
    for (uint32_t i = 0; S > 0 && i < d->n; i++)
        gamma += value(d, &d->book[(d->head + i) % d->max_options], S, d->last_now).gamma;
    /* wanted = -sign * delta * contracts * lots: its change for dS = 0.01 S */
    return -d->sign * gamma * d->contracts * d->contract_lots * 0.01 * S;
}

CAS__AGENT_TYPE(option_dealer,
                .summary = "writes options to customer flow and delta-hedges them in the "
                           "perpetual",
                .release = dealer_release, CAS__MEASURES(dealer_measure));
