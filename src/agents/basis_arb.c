/* basis_arb: basis arbitrageurs, who tie a perpetual to its index (the cash-and-carry
 * traders of crypto venues; He, Manela, Ross & von Wachter 2022 on perpetual futures).
 *
 * At each wake-up (`rate` per step) the arbitrageur compares the touch with the index:
 * when the best ask is below index x (1 - `entry_basis`) the perpetual is cheap and it
 * buys; when the best bid is above index x (1 + `entry_basis`) it is rich and it sells
 * (an empty side of the book does not stop it trading the other). Like a desk, it sizes
 * by the mispricing b = touch / index - 1, in quote currency: each order is `clip` x
 * |b| / entry_basis, and the position it is willing to hold is `max_notional` x
 * min(1, |b| / `full_basis`), so a large dislocation draws more capital, up to
 * `max_notional`. Each order is an IOC limit at index x (1 -/+ entry_basis): it takes
 * only prices that still clear the entry level. Once the mid is within `exit_basis` of the
 * index it unwinds `clip` per wake-up toward flat (reduce-only, within the exit level);
 * between the two levels it holds. When the perpetual's index is the mid of a spot book
 * in the run, the arbitrageur hedges on that book with the same account: after its perp
 * order (on the constituent of the largest weight when the index has several) it trades
 * spot at market until its spot position offsets the perp position in
 * notional (the same lots when the two books share tick and lot sizes; a spot short is
 * allowed). A hedge that was refused is retried at the next wake-up.
 *
 * At its limit: the arbitrageur reports it (at_limit) when at its last wake-up the
 * perpetual was beyond the entry level and it could not trade against it: its position
 * had reached `max_notional`, or the venue refused the order (margin, band).
 *
 * What to look for in a run: the basis stays within about ±entry_basis while the
 * arbitrageurs have capital, and escapes once they hit max_notional or are refused margin
 * (`arb_at_limit` in timeseries.csv says when).
 */
#include <math.h>

#include "agents/agentInt.h"

#define PARAMS(X)                                                                             \
    CAS__P_RATE(X, 0.2, 1e3, "wake-ups per step of each arbitrageur")                         \
    X(entry_basis, double, REAL, 0.001, 0, 1, true, "fraction",                               \
      "basis beyond which the arbitrageur trades against it")                                 \
    X(exit_basis, double, REAL, 0.0002, 0, 1, false, "fraction",                              \
      "basis within which the arbitrageur unwinds its position")                              \
    X(clip, double, REAL, 3000, 0, 1e15, true, "quote currency",                              \
      "order notional at the entry basis; an order at basis b is clip x |b| / entry_basis")   \
    X(max_notional, double, REAL, 600000, 0, 1e15, true, "quote currency",                    \
      "the arbitrageur's capital: largest perpetual position either way, at the index")       \
    X(full_basis, double, REAL, 0.02, 0, 1, true, "fraction",                                 \
      "basis at which the whole max_notional is committed; below it the position is held to " \
      "max_notional x |b| / full_basis")                                                      \
    CAS__P_COLLATERAL(X, 1e6, "each arbitrageur's deposit")                                   \
    CAS__P_LEVERAGE(X, 5,                                                                     \
                    "each arbitrageur's leverage on perpetuals (capped by the "               \
                    "instrument's)")

struct basis_arb {
    CAS__PARAM_FIELDS(PARAMS)
    double lot_value; /* quote currency per lot per tick */
    bool at_limit;
};

CAS__PARAMS(basis_arb, PARAMS);

static int basis_arb_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    struct basis_arb *b = state;
    if (!s->perpetual)
        return cas_err_set(err, CAS_EINVAL, "instrument",
                           "a basis arbitrageur trades a perpetual against its index: "
                           "the population's instrument is spot");
    load_params(b, s);
    if (b->exit_basis > b->entry_basis)
        return cas_err_set(err, CAS_EINVAL, "params.exit_basis",
                           "'exit_basis' (%g) must not exceed 'entry_basis' (%g)", b->exit_basis,
                           b->entry_basis);
    b->lot_value = s->tick_size * s->lot_size;
    return 0;
}

static bool basis_arb_at_limit(const void *state)
{
    const struct basis_arb *b = state;
    return b->at_limit;
}

/* Whole lots worth `quote` at `price` ticks, rounded down, within what a book holds. */
static cas_lots lots_for(const struct basis_arb *b, double quote, double price)
{
    double lots = floor(quote / (price * b->lot_value));
    return lots > 0 ? (cas_lots)fmin(lots, (double)CAS_BOOK_MAX_QTY) : 0;
}

/* An IOC order on `side` at `limit` ticks of the lots `quote` is worth at the index (at
 * least one, at most `most`), or false when the limit lies outside the book's prices. */
static bool ioc_order(const struct basis_arb *b, const struct cas_market_view *v,
                      enum cas_side side, double limit, double quote, cas_lots most,
                      struct cas_order_req *req)
{
    if (!(limit >= 1 && limit <= (double)CAS_BOOK_MAX_PRICE))
        return false;
    cas_lots q = lots_for(b, quote, v->index);
    if (q < 1)
        q = 1;
    *req = (struct cas_order_req){.side = side,
                                  .type = CAS_IOC,
                                  .price = (cas_ticks)limit,
                                  .qty = q < most ? q : most,
                                  .expire_at = INFINITY};
    return true;
}

/* The order against a mispricing of `basis` on side `side` (a buy when the perp is
 * cheap), or false when the arbitrageur holds; *capped is set when its capital stops it. */
static bool entry_order(const struct basis_arb *b, const struct cas_market_view *v,
                        enum cas_side side, double basis, struct cas_order_req *req, bool *capped)
{
    double mis = fabs(basis);
    cas_lots target = lots_for(b, b->max_notional * fmin(1, mis / b->full_basis), v->index);
    cas_lots cap = lots_for(b, b->max_notional, v->index);
    cas_lots held = side == CAS_BUY ? v->position : -v->position;
    cas_lots room = target - held;
    if (room <= 0) {
        *capped = held >= cap;
        return false;
    }
    double limit = side == CAS_BUY ? floor(v->index * (1 - b->entry_basis))
                                   : ceil(v->index * (1 + b->entry_basis));
    return ioc_order(b, v, side, limit, b->clip * mis / b->entry_basis, room, req);
}

/* Unwind toward flat once the mid is within the exit level. */
static bool exit_order(const struct basis_arb *b, const struct cas_market_view *v,
                       struct cas_order_req *req)
{
    if (!v->has_bid || !v->has_ask || v->position == 0)
        return false;
    double basis = (0.5 * (double)(v->best_bid + v->best_ask) - v->index) / v->index;
    if (!(fabs(basis) < b->exit_basis))
        return false;
    cas_lots held = v->position > 0 ? v->position : -v->position;
    double limit = v->position > 0 ? ceil(v->index * (1 - b->exit_basis))
                                   : floor(v->index * (1 + b->exit_basis));
    if (!ioc_order(b, v, v->position > 0 ? CAS_SELL : CAS_BUY, limit, b->clip, held, req))
        return false;
    req->reduce_only = true;
    return true;
}

/* Trade the spot book at market until its position offsets the perpetual's in notional. */
static void hedge(struct cas_agent_ctx *ctx, uint32_t spot)
{
    struct cas_market_view pv, sv;
    cas_agent_view(ctx, ctx->instrument, &pv); /* after this wake-up's perp order */
    cas_agent_view(ctx, spot, &sv);
    double spot_price =
        sv.has_bid && sv.has_ask ? 0.5 * (double)(sv.best_bid + sv.best_ask) : (double)sv.last;
    if (!(spot_price > 0) || sv.contract_units <= 0 || sv.liquidating || sv.halted)
        return;
    double ratio = pv.index * (double)pv.contract_units / (spot_price * (double)sv.contract_units);
    double target = -round((double)pv.position * ratio);
    if (!(fabs(target) < (double)CAS_BOOK_MAX_QTY))
        return;
    cas_lots diff = (cas_lots)target - sv.position;
    if (diff == 0)
        return;
    /* selling spot against a perpetual bought answers the perpetual's sellers */
    struct cas_order_req req = {.side = diff > 0 ? CAS_BUY : CAS_SELL,
                                .type = CAS_MARKET,
                                .qty = diff > 0 ? diff : -diff,
                                .expire_at = INFINITY,
                                .answer = true,
                                .answer_on = ctx->instrument,
                                .answer_side = diff > 0 ? CAS_BUY : CAS_SELL};
    uint64_t id;
    cas_agent_submit_on(ctx, spot, &req, &id); /* refused: retried at the next wake-up */
}

static void basis_arb_act(void *state, struct cas_agent_ctx *ctx)
{
    struct basis_arb *b = state;
    const struct cas_market_view *v = ctx->view;
    b->at_limit = false;
    if (v->liquidating || !(v->index > 0))
        return;
    struct cas_order_req req;
    if (!v->halted) {
        bool capped = false, sent = false;
        if (v->has_ask && (double)v->best_ask < v->index * (1 - b->entry_basis))
            sent = entry_order(b, v, CAS_BUY, (double)v->best_ask / v->index - 1, &req, &capped);
        else if (v->has_bid && (double)v->best_bid > v->index * (1 + b->entry_basis))
            sent = entry_order(b, v, CAS_SELL, (double)v->best_bid / v->index - 1, &req, &capped);
        else
            sent = exit_order(b, v, &req);
        /* refused (margin, band): nothing to undo, but the capital is not there */
        if (sent && cas_agent_submit(ctx, &req) != 0 && !req.reduce_only)
            capped = true;
        b->at_limit = capped;
    }
    if (v->index_instrument != UINT32_MAX && v->index_instrument != ctx->instrument)
        hedge(ctx, v->index_instrument);
}

CAS__AGENT_TYPE(basis_arb,
                .summary = "basis arbitrage: sell the perpetual rich to its index, buy it cheap",
                .at_limit = basis_arb_at_limit, .desk = true);
