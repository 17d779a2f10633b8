/* fundamental: value traders, the chartist-fundamentalist models' anchor (Chiarella & Iori
 * 2002; Lux & Marchesi 1999).
 *
 * A fundamental trader believes the instrument is worth its fundamental value, each with its
 * own persistent error: belief = value x (1 + b), b drawn once from a normal of sd `bias_sd`.
 * The value is the market view's `value`: on a perpetual its index; on a spot book the
 * instrument's value process, which starts at the initial price and stays there unless the
 * config moves it (a GBM through the instrument's "value" object, news shocks): a constant
 * fundamental value by default, as in Chiarella & Iori. At each wake-up (`rate` per step)
 * it compares the market price (the mid, else the last trade) with its belief. When the
 * price is below belief by more than `threshold` (a fraction) it buys, above it sells; the
 * order's size is proportional to the mispricing, `aggression` quote currency per 1% of it,
 * at least one lot; a buy never takes the position beyond `max_notional` long, a sell never
 * beyond `max_notional` short (quote currency at the trader's belief). With probability
 * `market_prob` it is a market order, otherwise a limit order joining the touch on its own
 * side that lives `order_life` steps;
 * the trader keeps one working order and cancels it at its next wake-up. It is at its limit
 * (at_limit) when at its last wake-up the mispricing called for a trade and its position
 * was already at `max_notional` that way.
 *
 * What to look for in a run: fundamentals pull the price back toward the index (on spot, the
 * value) after a shock, and the spread of their biases sets how tightly; on spot they carry
 * news into the price; with a leveraged crowd, whether their capped inventory is enough to
 * absorb a cascade's forced selling, or runs out.
 */
#include <math.h>

#include "agents/agentInt.h"

#define PARAMS(X)                                                                            \
    CAS__P_RATE(X, 0.05, 1e3, "wake-ups per step of each trader")                            \
    X(bias_sd, double, REAL, 0.002, 0, 1, false, "fraction",                                 \
      "standard deviation of each trader's persistent error on fair value")                  \
    X(threshold, double, REAL, 0.003, 0, 1, false, "fraction",                               \
      "mispricing beyond which the trader acts")                                             \
    X(aggression, double, REAL, 3000, 0, 1e15, true, "quote currency/%",                     \
      "order notional per 1% of mispricing")                                                 \
    X(max_notional, double, REAL, 30000, 0, 1e15, true, "quote currency",                    \
      "the trader's capital: largest position either way, and largest order, at its belief") \
    X(market_prob, double, REAL, 0.2, 0, 1, false, "probability",                            \
      "chance that an order is a market order rather than a limit at the touch")             \
    X(order_life, double, REAL, 60, 0, 1e9, true, "steps",                                   \
      "time after which the venue cancels an unfilled limit order")                          \
    CAS__P_COLLATERAL(X, 1e6, "each trader's deposit")                                       \
    CAS__P_LEVERAGE(X, 1, "each trader's leverage on perpetuals (capped by the instrument's)")

struct fundamental {
    CAS__PARAM_FIELDS(PARAMS)
    double lot_value; /* quote currency per lot per tick */
    bool at_limit;
    bool have_bias; /* the bias is drawn at the first wake-up (init has no stream) */
    double bias;
    uint64_t working; /* id of the resting limit order, 0 when none */
};

CAS__PARAMS(fundamental, PARAMS);

static int fundamental_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    struct fundamental *f = state;
    (void)err;
    load_params(f, s);
    f->lot_value = s->tick_size * s->lot_size;
    return 0;
}

/* The price the trader compares with its belief: the mid, else the last trade. */
static double market_price(const struct cas_market_view *v)
{
    if (v->has_bid && v->has_ask)
        return 0.5 * (double)(v->best_bid + v->best_ask);
    return (double)v->last;
}

static bool fundamental_at_limit(const void *state)
{
    const struct fundamental *f = state;
    return f->at_limit;
}

/* Lots worth `quote` at `price` ticks, to the nearest, within what a book holds. */
static double lots_for(const struct fundamental *f, double quote, double price)
{
    return fmin(round(quote / (price * f->lot_value)), (double)CAS_BOOK_MAX_QTY);
}

/* Lots to trade, signed (+ buy): proportional to the mispricing, within the capital.
 * Sets f->at_limit when the mispricing calls for a trade and there is no room. */
static cas_lots order_lots(struct fundamental *f, double belief, double price, cas_lots position)
{
    double mis = belief / price - 1;
    if (!(fabs(mis) > f->threshold))
        return 0;
    cas_lots cap = (cas_lots)fmax(1, lots_for(f, f->max_notional, belief));
    double want = fmin(fmax(1, lots_for(f, f->aggression * fabs(mis) * 100, belief)), (double)cap);
    cas_lots room = mis > 0 ? cap - position : cap + position;
    cas_lots q = (cas_lots)want < room ? (cas_lots)want : room;
    if (q <= 0) {
        f->at_limit = true;
        return 0;
    }
    return mis > 0 ? q : -q;
}

static void fundamental_act(void *state, struct cas_agent_ctx *ctx)
{
    struct fundamental *f = state;
    const struct cas_market_view *v = ctx->view;
    if (!f->have_bias) {
        f->bias = f->bias_sd > 0 ? cas_rng_normal(ctx->rng, 0, f->bias_sd) : 0;
        f->have_bias = true;
    }
    if (f->working) {
        cas_agent_cancel(ctx, f->working); /* CAS_ENOTFOUND if it filled or expired */
        f->working = 0;
    }
    f->at_limit = false;
    if (v->liquidating || v->halted)
        return;
    double price = market_price(v);
    if (!(v->value > 0) || !(price > 0))
        return;
    cas_lots q = order_lots(f, v->value * (1 + f->bias), price, v->position);
    if (q == 0)
        return;
    struct cas_order_req req = {
        .side = q > 0 ? CAS_BUY : CAS_SELL, .qty = q > 0 ? q : -q, .expire_at = INFINITY};
    if (cas_rng_bernoulli(ctx->rng, f->market_prob)) {
        req.type = CAS_MARKET;
        cas_agent_submit(ctx, &req);
        return;
    }
    req.type = CAS_LIMIT;
    if (req.side == CAS_BUY)
        req.price = v->has_bid ? v->best_bid : (v->has_ask ? v->best_ask - 1 : v->last);
    else
        req.price = v->has_ask ? v->best_ask : (v->has_bid ? v->best_bid + 1 : v->last);
    if (req.price < 1)
        return;
    req.expire_at = v->now + f->order_life;
    uint64_t id = 0;
    if (cas_agent_submit_on(ctx, ctx->instrument, &req, &id) == 0)
        f->working = id;
}

CAS__AGENT_TYPE(fundamental,
                .summary = "value traders: buy below their belief of fair value, sell above",
                .at_limit = fundamental_at_limit);
