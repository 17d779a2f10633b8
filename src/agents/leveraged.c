/* leveraged: directional traders on a perpetual at high leverage, the fuel of a cascade.
 *
 * They model the retail side of crypto perpetuals: traders who put most of their
 * deposit behind one position at 10-100x, with or without a stop, and hold it for a
 * while. Each wakes at `rate` per step. When flat it picks a direction by `style`:
 * 0 a coin toss; 1 momentum, the sign of the mid's change since the trader's own
 * observation at least `lookback` steps old (it keeps a small ring of the mids it
 * saw; no trade until it has one that old, or when the mid has not moved);
 * 2 contrarian, the opposite sign. It then opens with one market order of notional
 * size_fraction × equity × leverage, i.e. lots = notional / (price × contract_units),
 * price the touch it takes (the best ask for a buy, the best bid for a sell, the last
 * trade when that side is empty). Right after the entry it places a reduce-only stop
 * at entry × (1 − stop_loss) for a long, entry × (1 + stop_loss) for a short, entry
 * being the average price of its fills (stop_loss 0: no stop). On later wakes it takes
 * profit once the mid is take_profit beyond entry in its favour (0: never), and closes
 * when its holding time, drawn at entry from an exponential of mean hold_steps, is
 * over; both closes are reduce-only market orders. After a liquidation it trades
 * again (reentry 1) or sits out the rest of the run (reentry 0); note that with cross
 * margin in engine mode the venue takes the whole account, so only what is left
 * (isolated margin, keeper mode) can be traded again.
 * What to look for: at effective leverage L = size_fraction × leverage a long's
 * liquidation price sits about 1/L − mmr below entry (10x at 0.9: ~10.6%, 50x: ~1.7%
 * with mmr 0.5%). Traders who entered together (a momentum population after a move)
 * stack their liquidation prices into a wall that the liquidation map shows; a move
 * into it liquidates the first, whose forced sales reach the next: cascades.csv
 * measures the chain, and stops placed inside the wall fire first and add to it.
 */
#include <math.h>
#include <stdlib.h>

#include "agents/agentInt.h"

enum { STYLE_RANDOM, STYLE_MOMENTUM, STYLE_CONTRARIAN };

#define PARAMS(X)                                                                          \
    X(style, int, INT, STYLE_RANDOM, 0, 2, false, "",                                      \
      "entry rule: 0 random, 1 momentum, 2 contrarian")                                    \
    CAS__P_LEVERAGE(X, 10,                                                                 \
                    "account leverage, also used to size positions (the venue caps it "    \
                    "at the instrument's)")                                                \
    X(size_fraction, double, REAL, 0.9, 0, 1, true, "fraction of equity",                  \
      "each position's notional is size_fraction x equity x leverage")                     \
    CAS__P_COLLATERAL(X, 1000, "each trader's deposit")                                    \
    CAS__P_RATE(X, 0.01, 1000, "wake-ups per step of each trader")                         \
    X(lookback, double, INT, 300, 1, 1e9, false, "steps",                                  \
      "momentum and contrarian: the span over which the mid's change is measured")         \
    X(stop_loss, double, REAL, 0, 0, 0.99, false, "fraction of entry price",               \
      "distance of the protective stop from entry; 0 for none")                            \
    X(take_profit, double, REAL, 0, 0, 100, false, "fraction of entry price",              \
      "favourable move from entry at which the position is closed on a wake; 0 for none")  \
    X(hold_steps, double, REAL, 1800, 0, 1e12, true, "steps",                              \
      "mean of the exponential holding time")                                              \
    X(reentry, bool, INT, 1, 0, 1, false, "",                                              \
      "1: trade again after being liquidated; 0: sit out the rest of the run")             \
    X(long_prob, double, REAL, 0.5, 0, 1, false, "probability",                            \
      "random style: the chance each entry is a long (a crowded long: 0.8)")               \
    X(also, int, INT, -1, -1, 255, false, "instrument",                                    \
      "another instrument (its place in the config's list) on which each entry opens the " \
      "same side with half the notional; -1 for none")

/* The mids the trader saw, spaced at least lookback / (RING - 1) steps apart, so that
 * a full ring always reaches back at least `lookback` steps. */
#define RING 16

struct seen {
    double t, mid;
};

struct leveraged {
    CAS__PARAM_FIELDS(PARAMS) /* also: the second instrument, or -1 */
    struct seen ring[RING];
    uint32_t n_seen, next; /* entries held; slot of the next write */
    /* the entry order, from its submission until its stop is placed */
    bool opening;
    enum cas_side entry_side;
    cas_lots fill_qty;
    double fill_notional; /* ticks x lots */
    /* the open position */
    double entry;    /* ticks; 0 when unknown */
    double close_at; /* time in steps when the holding time is over */
    uint64_t
        stop_id; /* the resting stop's id (the sim gives stops ids of their own), 0 when none */
    bool out;    /* liquidated with reentry 0 */
};

CAS__PARAMS(leveraged, PARAMS);

static int leveraged_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    (void)err; /* the table's ranges already exclude every unusable value */
    struct leveraged *l = state;
    load_params(l, s);
    if (l->also == (int)s->instrument)
        l->also = -1;
    return 0;
}

static double mid(const struct cas_market_view *v)
{
    if (v->has_bid && v->has_ask)
        return 0.5 * ((double)v->best_bid + (double)v->best_ask);
    return (double)v->last;
}

/* Sign of the mid's change since the newest observation at least lookback steps
 * old (0 without one), then remember the mid seen now. */
static int observe(struct leveraged *l, const struct cas_market_view *v)
{
    double m = mid(v), ref = NAN;
    for (uint32_t i = 1; i <= l->n_seen; i++) {
        const struct seen *o = &l->ring[(l->next + RING - i) % RING];
        if (o->t <= v->now - l->lookback) {
            ref = o->mid;
            break;
        }
    }
    const struct seen *newest = &l->ring[(l->next + RING - 1) % RING];
    if (l->n_seen == 0 || v->now - newest->t >= l->lookback / (RING - 1)) {
        l->ring[l->next] = (struct seen){v->now, m};
        l->next = (l->next + 1) % RING;
        if (l->n_seen < RING)
            l->n_seen++;
    }
    return isnan(ref) ? 0 : (m > ref) - (m < ref);
}

/* +1 long, -1 short, 0 no trade. */
static int direction(const struct leveraged *l, struct cas_rng *rng, int trend)
{
    switch (l->style) {
    case STYLE_MOMENTUM: return trend;
    case STYLE_CONTRARIAN: return -trend;
    default: return cas_rng_bernoulli(rng, l->long_prob) ? 1 : -1;
    }
}

static void place_stop(struct leveraged *l, struct cas_agent_ctx *ctx, bool is_long, cas_lots qty)
{
    double k = is_long ? 1 - l->stop_loss : 1 + l->stop_loss;
    struct cas_order_req req = {
        .side = is_long ? CAS_SELL : CAS_BUY,
        .type = CAS_MARKET,
        .qty = qty,
        .expire_at = INFINITY,
        .reduce_only = true,
        .stop = (cas_ticks)llround(l->entry * k),
    };
    uint64_t id = 0;
    if (req.stop >= 1 && cas_agent_submit_on(ctx, ctx->instrument, &req, &id) == 0)
        l->stop_id = id;
}

/* The entry order is done: take its price from the fills heard, or from the venue's
 * entry if they have not arrived yet, and protect the position. */
static void finish_entry(struct leveraged *l, struct cas_agent_ctx *ctx)
{
    const struct cas_market_view *v = ctx->view;
    cas_lots qty = l->fill_qty;
    l->opening = false;
    if (qty > 0) {
        l->entry = l->fill_notional / (double)qty;
    } else if (v->position != 0) {
        qty = llabs(v->position);
        l->entry = v->entry;
    } else {
        return; /* the market order found nothing to trade against */
    }
    if (l->stop_loss > 0 && l->entry > 0)
        place_stop(l, ctx, l->entry_side == CAS_BUY, qty);
}

/* The second leg: the same side on instrument `also`, at market. */
static void enter_also(const struct leveraged *l, struct cas_agent_ctx *ctx, enum cas_side side,
                       double notional)
{
    struct cas_market_view w;
    cas_agent_view(ctx, (uint32_t)l->also, &w);
    double lots = floor(notional / (cas__touch_price(&w, side) * (double)w.contract_units));
    if (!(lots >= 1))
        return;
    struct cas_order_req req = {
        .side = side, .type = CAS_MARKET, .qty = (cas_lots)fmin(lots, 1e15), .expire_at = INFINITY};
    uint64_t id;
    cas_agent_submit_on(ctx, (uint32_t)l->also, &req, &id);
}

/* Close whatever the second leg holds (reduce-only, at market). */
static void close_also(const struct leveraged *l, struct cas_agent_ctx *ctx)
{
    if (l->also < 0)
        return;
    struct cas_market_view w;
    cas_agent_view(ctx, (uint32_t)l->also, &w);
    if (w.position == 0)
        return;
    struct cas_order_req req = {.side = w.position > 0 ? CAS_SELL : CAS_BUY,
                                .type = CAS_MARKET,
                                .qty = llabs(w.position),
                                .expire_at = INFINITY,
                                .reduce_only = true};
    uint64_t id;
    cas_agent_submit_on(ctx, (uint32_t)l->also, &req, &id);
}

static void enter(struct leveraged *l, struct cas_agent_ctx *ctx, int dir)
{
    const struct cas_market_view *v = ctx->view;
    enum cas_side side = dir > 0 ? CAS_BUY : CAS_SELL;
    double notional = l->size_fraction * (double)v->equity * l->leverage;
    if (l->also >= 0) {
        notional /= 2;
        enter_also(l, ctx, side, notional);
    }
    double lots = floor(notional / (cas__touch_price(v, side) * (double)v->contract_units));
    if (!(lots >= 1))
        return; /* no equity left, or not enough for one lot */
    struct cas_order_req req = {
        .side = side,
        .type = CAS_MARKET,
        .qty = (cas_lots)fmin(lots, 1e15),
        .expire_at = INFINITY,
    };
    l->opening = true;
    l->entry_side = side;
    l->fill_qty = 0;
    l->fill_notional = 0;
    l->entry = 0;
    if (cas_agent_submit(ctx, &req) < 0) {
        l->opening = false; /* refused (margin, band, halt): try again next wake */
        return;
    }
    l->close_at = v->now + cas_rng_exponential(ctx->rng, 1 / l->hold_steps);
    if (l->fill_qty > 0)
        finish_entry(l, ctx);
}

/* Close the position at take-profit or at the end of its holding time. */
static void manage(struct leveraged *l, struct cas_agent_ctx *ctx)
{
    const struct cas_market_view *v = ctx->view;
    bool is_long = v->position > 0;
    double m = mid(v), tp = l->take_profit;
    bool profit =
        tp > 0 && l->entry > 0 && (is_long ? m >= l->entry * (1 + tp) : m <= l->entry * (1 - tp));
    if (!profit && v->now < l->close_at)
        return;
    struct cas_order_req req = {
        .side = is_long ? CAS_SELL : CAS_BUY,
        .type = CAS_MARKET,
        .qty = llabs(v->position),
        .expire_at = INFINITY,
        .reduce_only = true,
    };
    if (cas_agent_submit(ctx, &req) == 0 && l->stop_id != 0) {
        cas_agent_cancel(ctx, l->stop_id);
        l->stop_id = 0;
    }
    close_also(l, ctx);
}

static void leveraged_act(void *state, struct cas_agent_ctx *ctx)
{
    struct leveraged *l = state;
    const struct cas_market_view *v = ctx->view;
    int trend = observe(l, v);
    if (v->position == 0 && l->stop_id != 0) {
        cas_agent_cancel(ctx, l->stop_id); /* the position is gone: so is its stop */
        l->stop_id = 0;
    }
    if (l->out || v->liquidating || v->halted)
        return;
    if (l->opening)
        finish_entry(l, ctx);
    if (v->position != 0) {
        manage(l, ctx);
        return;
    }
    close_also(l, ctx); /* a leg left over when the first was closed or liquidated */
    int dir = direction(l, ctx->rng, trend);
    if (dir != 0)
        enter(l, ctx, dir);
}

/* Fills on the entry's side while it is open make up the entry price. */
static void lev_on_fill(void *state, const struct cas_agent_fill *f)
{
    struct leveraged *l = state;
    if (!l->opening || f->side != l->entry_side)
        return;
    l->fill_qty += f->qty;
    l->fill_notional += (double)f->price * (double)f->qty;
}

static void lev_on_liquidated(void *state, const struct cas_liquidation *liq)
{
    (void)liq;
    struct leveraged *l = state;
    l->opening = false;
    l->entry = 0;
    if (!l->reentry)
        l->out = true;
}

CAS__AGENT_TYPE(leveraged,
                .summary = "directional perpetual traders at high leverage, with optional stops",
                .on_fill = lev_on_fill, .on_liquidated = lev_on_liquidated);
