/* holder: position holders, the open interest of a venue — leveraged positions kept
 * for days, entered over the recent past, topped up or liquidated.
 *
 * A holder alternates between holding one perpetual position and being flat. Its
 * holding times are exponential of mean `hold_steps`, its flat spells exponential of
 * mean `flat_steps`. The run starts in the middle of that life: the holder holds a
 * position at step 0 with probability hold_steps / (hold_steps + flat_steps), long
 * with probability `long_prob`, of `notional` (quote currency at its entry) at its
 * `leverage`; since holding times are exponential, the age of a position held at a
 * random moment is exponential of the same mean, and its entry price is the start
 * price times exp(entry_vol × sqrt(age in years) × z), z standard normal, kept within
 * half to twice the start price (the book's range): positions
 * opened long ago sit far from the price, recent ones near it, and their liquidation
 * prices form the venue's liquidation map. The deposit is notional / leverage. The
 * sim opens these positions before the first step, each long against shorts at the
 * long's entry price (struct cas_agent_setup), so what one holder has gained since
 * entry another has lost, and tops up any account the start price would already
 * have liquidated.
 *
 * During the run a holder checks in `rate` times a step (hourly by default). At a
 * check-in: while holding, it closes the position once its holding time is over
 * (a reduce-only market order), and otherwise, with probability `adjust_prob`, adds
 * or cuts (even odds) `adjust` of it at market; if its effective leverage (notional
 * at the mark over equity) has drifted to `topup_at` times its setting, it tops up
 * with probability `topup_prob`, depositing what brings the effective leverage back
 * to the setting, and otherwise lets the position ride toward its liquidation price.
 * While flat, it opens a new position at market once its flat spell is over, on a
 * side drawn afresh, of its notional (or what its equity carries at its leverage).
 * Liquidated, it is flat and starts a flat spell.
 *
 * What to look for: the open interest (timeseries.csv `oi_long`) stays near its
 * starting level through a calm day, as holders who close are replaced by holders who
 * open; each position is opened and closed once per hold_steps + flat_steps on average,
 * so the holders trade about twice their open lots in that time; calm days liquidate few
 * of them (the riders), a fall reaches the clusters of long liquidation prices the map
 * shows.
 */
#include <math.h>
#include <stdlib.h>

#include "agents/agentInt.h"
#include "cascade/fmath.h"

#define YEAR_SECONDS (365.25 * 86400)
#define LN2 0.69314718055994530942

#define PARAMS(X)                                                                         \
    CAS__P_RATE(X, 1.0 / 600, 1e3, "check-ins per step of each holder")                   \
    X(notional, double, REAL, 30000, 0, 1e12, true, "quote currency",                     \
      "size of each position, at its entry price")                                        \
    X(clip, double, REAL, 20000, 0, 1e12, true, "quote currency",                         \
      "the most a holder trades at one check-in: a larger open, close or adjustment is "  \
      "worked over several")                                                              \
    CAS__P_LEVERAGE(X, 5,                                                                 \
                    "leverage setting: the deposit is notional / leverage, and a top-up " \
                    "restores it (the venue caps it at the instrument's)")                \
    X(long_prob, double, REAL, 0.5, 0, 1, false, "probability",                           \
      "the chance each position is a long")                                               \
    X(hold_steps, double, REAL, 259200, 0, 1e12, true, "steps",                           \
      "mean of the exponential holding time (and of a held position's age at the start)") \
    X(flat_steps, double, REAL, 86400, 0, 1e12, true, "steps",                            \
      "mean of the exponential time spent flat between two positions")                    \
    X(entry_vol, double, REAL, 0.5, 0, 10, false, "1/sqrt(year)",                         \
      "annualised volatility over which the entry prices of the positions held at the "   \
      "start are spread")                                                                 \
    X(adjust_steps, double, REAL, 172800, 0, 1e12, true, "steps",                         \
      "mean time between two adjustments of a held position (each adds or cuts)")         \
    X(adjust, double, REAL, 0.25, 0, 1, true, "fraction of the position",                 \
      "how much an adjustment adds or cuts")                                              \
    X(topup_at, double, REAL, 2, 1, 1e6, true, "x leverage",                              \
      "effective leverage, over the setting, at which a holder tops up its margin")       \
    X(topup_prob, double, REAL, 0.8, 0, 1, false, "probability",                          \
      "the share of holders who top up past topup_at (the others let their positions "    \
      "ride to liquidation)")

struct holder {
    CAS__PARAM_FIELDS(PARAMS)
    double collateral;     /* the deposit, notional / leverage (load_params reads it) */
    double quote_per_tick; /* quote currency of one tick on one lot */
    double close_at;       /* holding: time in steps when the holding time is over */
    double open_at;        /* flat: time in steps when the flat spell is over */
    bool was_holding;      /* held a position at the last check-in */
    double last_check;     /* time in steps of the last check-in */
    bool tops_up;          /* drawn once: does it top up its margin? */
    bool working;          /* trading toward `target` */
    cas_lots target;       /* the position it is working toward (signed lots) */
};

CAS__PARAMS(holder, PARAMS);

static int holder_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    (void)err;
    struct holder *h = state;
    load_params(h, s);
    h->collateral = h->notional / h->leverage;
    s->collateral = h->collateral;
    h->quote_per_tick = s->tick_size * s->lot_size;
    struct cas_rng *rng = s->rng;
    h->tops_up = cas_rng_bernoulli(rng, h->topup_prob);
    h->open_at = cas_rng_exponential(rng, 1 / h->flat_steps);
    if (!s->perpetual || !cas_rng_bernoulli(rng, h->hold_steps / (h->hold_steps + h->flat_steps)))
        return 0;
    bool is_long = cas_rng_bernoulli(rng, h->long_prob);
    double age = cas_rng_exponential(rng, 1 / h->hold_steps);
    double years = age * s->step_seconds / YEAR_SECONDS;
    /* the log of entry / start, within the book's range: half to twice the start */
    double dev = fmin(fmax(h->entry_vol * sqrt(years) * cas_rng_normal(rng, 0, 1), -LN2), LN2);
    double entry = round((double)s->initial_price * cas_exp(dev));
    h->close_at = cas_rng_exponential(rng, 1 / h->hold_steps);
    entry = fmin(fmax(entry, 1), (double)CAS_BOOK_MAX_PRICE);
    double lots = floor(h->notional / (entry * h->quote_per_tick));
    if (!(lots >= 1))
        return 0;
    s->position = (cas_lots)fmin(lots, 1e12) * (is_long ? 1 : -1);
    s->entry = (cas_ticks)entry;
    /* A holder who tops up and whose position, at its own entry, has lost half its
     * margin by the start (its effective leverage at least topup_at x leverage / 2)
     * looks at its margin as the run opens; the others at their first check-in. */
    double p0 = (double)s->initial_price;
    double equity = 1 / h->leverage - (is_long ? entry - p0 : p0 - entry) / entry;
    if (h->tops_up && (equity <= 0 || (p0 / entry) / equity >= h->topup_at * h->leverage / 2))
        s->first_wake = 0;
    h->was_holding = true;
    return 0;
}

/* The venue's money units per quote currency. */
static double money_per_quote(const struct holder *h, const struct cas_market_view *v)
{
    return (double)v->contract_units / h->quote_per_tick;
}

/* One market order toward the target, of at most `clip`; reduce-only when it only
 * shrinks the position. Done when the position is there. */
static void work(struct holder *h, struct cas_agent_ctx *ctx)
{
    const struct cas_market_view *v = ctx->view;
    cas_lots gap = h->target - v->position;
    bool flipped = v->position != 0 && h->target != 0 && (v->position > 0) != (h->target > 0);
    if (gap == 0 || flipped) { /* there, or on the other side than the target: stop */
        h->working = false;
        return;
    }
    enum cas_side side = gap > 0 ? CAS_BUY : CAS_SELL;
    double most = floor(h->clip / (cas__touch_price(v, side) * h->quote_per_tick));
    cas_lots q = llabs(gap);
    if (most >= 1 && (double)q > most)
        q = (cas_lots)most;
    bool reduce = llabs(h->target) < llabs(v->position);
    struct cas_order_req req = {
        .side = side, .type = CAS_MARKET, .qty = q, .expire_at = INFINITY, .reduce_only = reduce};
    if (cas_agent_submit(ctx, &req) < 0 && !reduce)
        h->working = false; /* refused (margin): keep what it has */
}

static void aim(struct holder *h, struct cas_agent_ctx *ctx, cas_lots target)
{
    h->target = target;
    h->working = true;
    work(h, ctx);
}

/* Open a new position, of the notional or what the equity carries. */
static void open_position(struct holder *h, struct cas_agent_ctx *ctx)
{
    const struct cas_market_view *v = ctx->view;
    enum cas_side side = cas_rng_bernoulli(ctx->rng, h->long_prob) ? CAS_BUY : CAS_SELL;
    double equity = (double)v->equity / money_per_quote(h, v);
    double notional = fmin(h->notional, 0.95 * equity * h->leverage);
    double lots = floor(notional / (cas__touch_price(v, side) * h->quote_per_tick));
    h->close_at = v->now + cas_rng_exponential(ctx->rng, 1 / h->hold_steps);
    if (lots >= 1)
        aim(h, ctx, (cas_lots)fmin(lots, 1e12) * (side == CAS_BUY ? 1 : -1));
}

/* Holding: close when the time is over, else top up, adjust or let it ride. */
static void manage(struct holder *h, struct cas_agent_ctx *ctx, double dt)
{
    const struct cas_market_view *v = ctx->view;
    cas_lots held = llabs(v->position), sign = v->position > 0 ? 1 : -1;
    if (v->now >= h->close_at) {
        aim(h, ctx, 0);
        return;
    }
    double notional = (double)held * (double)v->mark * (double)v->contract_units; /* money */
    double equity = (double)v->equity;
    if (h->tops_up && equity > 0 && notional / equity >= h->topup_at * h->leverage) {
        ctx->ops->deposit(ctx->sink, ctx->instrument,
                          (notional / h->leverage - equity) / money_per_quote(h, v));
        return;
    }
    if (!cas_rng_bernoulli(ctx->rng, 1 - cas_exp(-dt / h->adjust_steps)))
        return;
    cas_lots q = (cas_lots)floor(h->adjust * (double)held);
    if (q < 1)
        return;
    if (cas_rng_bernoulli(ctx->rng, 0.5)) {
        aim(h, ctx, sign * (held - q));
        return;
    }
    /* an addition comes with its own margin, as a deposit */
    double added = (double)q * (double)v->mark * (double)v->contract_units;
    if (ctx->ops->deposit(ctx->sink, ctx->instrument,
                          added / h->leverage / money_per_quote(h, v)) == 0)
        aim(h, ctx, sign * (held + q));
}

static void holder_act(void *state, struct cas_agent_ctx *ctx)
{
    struct holder *h = state;
    const struct cas_market_view *v = ctx->view;
    if (v->liquidating || v->halted)
        return;
    double dt = v->now - h->last_check; /* since the last check-in */
    h->last_check = v->now;
    if (h->working) {
        work(h, ctx);
        if (h->working || v->position != 0)
            return;
    }
    if (v->position != 0) {
        h->was_holding = true;
        manage(h, ctx, dt);
        return;
    }
    if (h->was_holding) { /* closed or liquidated since the last check-in */
        h->was_holding = false;
        h->open_at = v->now + cas_rng_exponential(ctx->rng, 1 / h->flat_steps);
        return;
    }
    if (v->now >= h->open_at)
        open_position(h, ctx);
}

static void holder_on_liquidated(void *state, const struct cas_liquidation *liq)
{
    (void)liq;
    struct holder *h = state;
    h->working = false;
}

CAS__AGENT_TYPE(holder,
                .summary = "position holders: the venue's open interest, held for days, "
                           "topped up or liquidated",
                .on_liquidated = holder_on_liquidated);
