/* market_maker: liquidity providers that quote both sides, skew against inventory and
 * widen or withdraw under stress (Avellaneda & Stoikov 2008; Ho & Stoll 1981).
 *
 * At each wake-up (`rate` per step) the maker cancels the quotes it left at the last one
 * and quotes afresh around the mid (else the index), moved `index_weight` of the way to the
 * index (makers who price off the spot market): `levels` bids and asks of `size` lots,
 * the innermost `half` ticks from the centre and each next one `level_gap_ticks` further.
 * The half-spread is `spread_ticks` x (1 + `vol_widen` x vol / `vol_ref`), where vol is the
 * maker's own estimate of realized volatility: an exponential average, with half-life
 * `vol_halflife` steps, of the squared mid returns between its wake-ups, per step. Both
 * quotes shift down by `skew_ticks_per_lot` ticks per lot held long (up when short), so the
 * maker leans toward shedding inventory. A level whose fill would take the position beyond
 * `max_position` lots is not quoted. The maker withdraws entirely (cancels and quotes
 * nothing) while vol exceeds `withdraw_vol` (0: never), and for good once its equity has
 * fallen by more than `stop_loss` of what it held at its first wake-up.
 *
 * What to look for in a run: the spread and depth the makers provide in calm times, how
 * they thin out (wider quotes, then none) as volatility rises, and whether that withdrawal
 * turns a shock into a liquidation cascade: the liquidity that would have absorbed the
 * forced orders is gone just when they arrive.
 */
#include <math.h>

#include "agents/agentInt.h"
#include "cascade/fmath.h"

#define MAX_LEVELS 8

#define PARAMS(X)                                                                             \
    CAS__P_RATE(X, 0.5, 1e3, "wake-ups per step of each maker; each one replaces its quotes") \
    X(spread_ticks, double, REAL, 3, 0.5, 1e9, false, "ticks",                                \
      "half-spread of the innermost quotes in calm markets")                                  \
    X(size, cas_lots, INT, 2, 1, 1e12, false, "lots", "size of each quote")                   \
    X(levels, int64_t, INT, 3, 1, MAX_LEVELS, false, "levels", "quotes on each side")         \
    X(level_gap_ticks, int64_t, INT, 2, 1, 1e9, false, "ticks",                               \
      "distance between successive quotes on a side")                                         \
    X(skew_ticks_per_lot, double, REAL, 0.2, 0, 1e9, false, "ticks/lot",                      \
      "both quotes move this far against each lot of inventory")                              \
    X(max_position, cas_lots, INT, 50, 1, 1e12, false, "lots",                                \
      "a quote whose fill would take the position beyond this is not placed")                 \
    X(vol_halflife, double, REAL, 60, 0, 1e9, true, "steps",                                  \
      "half-life of the maker's average of squared mid returns")                              \
    X(vol_ref, double, REAL, 1e-4, 0, 1, true, "1/sqrt(step)",                                \
      "volatility per step at which the half-spread has widened by vol_widen")                \
    X(vol_widen, double, REAL, 1, 0, 1e6, false, "",                                          \
      "relative widening of the half-spread per vol_ref of volatility")                       \
    X(withdraw_vol, double, REAL, 1e-3, 0, 1, false, "1/sqrt(step)",                          \
      "volatility per step above which the maker quotes nothing (0: never)")                  \
    X(stop_loss, double, REAL, 0.2, 0, 1, true, "fraction",                                   \
      "loss of starting equity after which the maker stops quoting for good")                 \
    CAS__P_COLLATERAL(X, 1e6, "each maker's deposit")                                         \
    CAS__P_LEVERAGE(X, 5, "each maker's leverage on perpetuals (capped by the instrument's)") \
    X(post_only, bool, INT, 0, 0, 1, false, "",                                               \
      "1: quotes never take; a quote that would cross the opposite best is placed one tick "  \
      "behind it, as a post-only order")                                                      \
    X(index_weight, double, REAL, 0, 0, 1, false, "",                                         \
      "weight of the index in the quotes' centre: 0 the book's mid, 1 the index (a "          \
      "perpetual's; on spot the mid), as makers who price off the spot market")

struct market_maker {
    CAS__PARAM_FIELDS(PARAMS)
    /* volatility estimate */
    bool have_mid;
    double prev_mid, prev_now;
    bool have_var;
    double var; /* squared return per step */
    /* risk state */
    bool have_start;
    cas_money start_equity;
    bool stopped; /* the stop loss fired: no more quotes */
    uint64_t quotes[2 * MAX_LEVELS];
    uint32_t n_quotes;
};

CAS__PARAMS(market_maker, PARAMS);

static int market_maker_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    (void)err;
    load_params(state, s);
    return 0;
}

/* Fold the mid return since the last wake-up into the average, as a variance per step. */
static void update_vol(struct market_maker *m, const struct cas_market_view *v)
{
    if (!(v->has_bid && v->has_ask))
        return;
    double mid = 0.5 * (double)(v->best_bid + v->best_ask);
    if (m->have_mid && v->now > m->prev_now) {
        double dt = v->now - m->prev_now;
        double r = cas_log(mid / m->prev_mid);
        double sample = r * r / dt;
        double w = 1 - cas_exp2(-dt / m->vol_halflife);
        m->var = m->have_var ? m->var + w * (sample - m->var) : sample;
        m->have_var = true;
    }
    m->have_mid = true;
    m->prev_mid = mid;
    m->prev_now = v->now;
}

static void cancel_quotes(struct market_maker *m, struct cas_agent_ctx *ctx)
{
    for (uint32_t i = 0; i < m->n_quotes; i++)
        cas_agent_cancel(ctx, m->quotes[i]); /* CAS_ENOTFOUND if it filled */
    m->n_quotes = 0;
}

/* Should the maker stay out of the market at this wake-up? Latches the stop loss. */
static bool withdrawn(struct market_maker *m, const struct cas_market_view *v, double vol)
{
    if (!m->have_start) {
        m->start_equity = v->equity;
        m->have_start = true;
    }
    if ((double)(m->start_equity - v->equity) > m->stop_loss * (double)m->start_equity)
        m->stopped = true;
    if (m->stopped || v->liquidating || v->halted)
        return true;
    return m->withdraw_vol > 0 && vol > m->withdraw_vol;
}

/* The bounds a post-only maker's quotes keep to: its bids below the best ask and its asks
 * above the best bid, as the book stands once its own quotes are gone. */
struct bounds {
    double bid_max, ask_min;
};

static struct bounds post_only_bounds(const struct market_maker *m, struct cas_agent_ctx *ctx)
{
    struct bounds b = {INFINITY, -INFINITY};
    if (!m->post_only)
        return b;
    struct cas_market_view now;
    cas_agent_view(ctx, ctx->instrument, &now);
    if (now.has_ask)
        b.bid_max = (double)now.best_ask - 1;
    if (now.has_bid)
        b.ask_min = (double)now.best_bid + 1;
    return b;
}

/* Place one quote at `price` ticks, rounded away from the centre by the caller; a price
 * outside the book's range is skipped. */
static void quote(struct market_maker *m, struct cas_agent_ctx *ctx, enum cas_side side,
                  double price)
{
    if (!(price >= 1 && price <= (double)CAS_BOOK_MAX_PRICE))
        return;
    struct cas_order_req req = {.side = side,
                                .type = m->post_only ? CAS_POST_ONLY : CAS_LIMIT,
                                .price = (cas_ticks)price,
                                .qty = m->size,
                                .expire_at = INFINITY};
    uint64_t id = 0;
    if (cas_agent_submit_on(ctx, ctx->instrument, &req, &id) == 0 && id)
        m->quotes[m->n_quotes++] = id;
}

static void market_maker_act(void *state, struct cas_agent_ctx *ctx)
{
    struct market_maker *m = state;
    const struct cas_market_view *v = ctx->view;
    update_vol(m, v);
    cancel_quotes(m, ctx);
    double vol = sqrt(m->var);
    if (withdrawn(m, v, vol))
        return;
    double centre = v->has_bid && v->has_ask ? 0.5 * (double)(v->best_bid + v->best_ask) : v->index;
    if (m->index_weight > 0)
        centre += m->index_weight * (v->index - centre);
    if (!(centre > 0))
        return;
    double half = m->spread_ticks * (1 + m->vol_widen * vol / m->vol_ref);
    double reservation = centre - m->skew_ticks_per_lot * (double)v->position;
    struct bounds b = post_only_bounds(m, ctx);
    for (int64_t k = 0; k < m->levels; k++) {
        double off = half + (double)(k * m->level_gap_ticks);
        cas_lots exposure = (cas_lots)(k + 1) * m->size; /* if every bid (ask) so far filled */
        if (v->position + exposure <= m->max_position)
            quote(m, ctx, CAS_BUY, fmin(floor(reservation - off), b.bid_max - (double)k));
        if (exposure - v->position <= m->max_position)
            quote(m, ctx, CAS_SELL, fmax(ceil(reservation + off), b.ask_min + (double)k));
    }
}

CAS__AGENT_TYPE(market_maker,
                .summary = "two-sided quotes skewed against inventory, widened or withdrawn "
                           "under stress");
