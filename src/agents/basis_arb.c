/* basis_arb: basis arbitrageurs, who tie a perpetual to its index (the cash-and-carry
 * traders of crypto venues; He, Manela, Ross & von Wachter 2022 on perpetual futures).
 *
 * At each wake-up (`rate` per step) the arbitrageur measures the basis (perp mid − index) /
 * index. Above `entry_basis` the perpetual is rich: it sells `size` lots of it; below
 * −`entry_basis` it buys. It takes only prices that still clear the entry level (an IOC
 * limit at index x (1 ± entry_basis)), and never holds more than `max_position` lots
 * either way. Once |basis| < `exit_basis` it unwinds `size` lots per wake-up toward flat
 * (reduce-only, at prices within the exit level); between the two levels it holds. When
 * the perpetual's index is the mid of a spot book in the run, the arbitrageur hedges on
 * that book with the same account: after its perp order it trades spot at market until its
 * spot position offsets the perp position in notional (the same lots when the two books
 * share tick and lot sizes; a spot short is allowed). A hedge that was refused is retried
 * at the next wake-up.
 *
 * What to look for in a run: the basis stays within about ±entry_basis while the
 * arbitrageurs have room, and escapes once they hit max_position or are refused margin;
 * with a spot index, a cascade on the perpetual is transmitted to the spot book through
 * their hedges.
 */
#include <math.h>

#include "cascade/agent.h"

enum {
    P_RATE,
    P_ENTRY,
    P_EXIT,
    P_SIZE,
    P_MAX_POSITION,
    P_COLLATERAL,
    P_LEVERAGE,
    N_PARAMS
};

static const struct cas_param_spec params[N_PARAMS] = {
    [P_RATE] = {"rate", CAS_PARAM_REAL, 0.2, 0, 1e3, true, "1/step",
                "wake-ups per step of each arbitrageur"},
    [P_ENTRY] = {"entry_basis", CAS_PARAM_REAL, 0.001, 0, 1, true, "fraction",
                 "basis beyond which the arbitrageur trades against it"},
    [P_EXIT] = {"exit_basis", CAS_PARAM_REAL, 0.0002, 0, 1, false, "fraction",
                "basis within which the arbitrageur unwinds its position"},
    [P_SIZE] = {"size", CAS_PARAM_INT, 5, 1, 1e12, false, "lots",
                "perpetual lots traded per wake-up"},
    [P_MAX_POSITION] = {"max_position", CAS_PARAM_INT, 100, 1, 1e12, false, "lots",
                        "largest perpetual position either way"},
    [P_COLLATERAL] = {"collateral", CAS_PARAM_REAL, 1e6, 0, 1e12, false, "quote currency",
                      "each arbitrageur's deposit"},
    [P_LEVERAGE] = {"leverage", CAS_PARAM_INT, 5, 1, 1000, false, "x",
                    "each arbitrageur's leverage on perpetuals (capped by the instrument's)"},
};

struct basis_arb {
    double rate, entry, exit;
    cas_lots size, max_position;
};

static int basis_arb_init(void *state, struct cas_agent_setup *s, struct cas_err *err)
{
    struct basis_arb *b = state;
    const double *p = s->params;
    if (!s->perpetual)
        return cas_err_set(err, CAS_EINVAL, "instrument",
                           "a basis arbitrageur trades a perpetual against its index: "
                           "the population's instrument is spot");
    b->rate = p[P_RATE];
    b->entry = p[P_ENTRY];
    b->exit = p[P_EXIT];
    if (b->exit > b->entry)
        return cas_err_set(err, CAS_EINVAL, "params.exit_basis",
                           "'exit_basis' (%g) must not exceed 'entry_basis' (%g)", b->exit,
                           b->entry);
    b->size = (cas_lots)p[P_SIZE];
    b->max_position = (cas_lots)p[P_MAX_POSITION];
    s->collateral = p[P_COLLATERAL];
    s->leverage = (int32_t)p[P_LEVERAGE];
    return 0;
}

static double basis_arb_rate(const void *state)
{
    const struct basis_arb *b = state;
    return b->rate;
}

static cas_lots min_lots(cas_lots a, cas_lots b)
{
    return a < b ? a : b;
}

/* The perpetual order for this basis, or false when the arbitrageur holds. */
static bool perp_order(const struct basis_arb *b, const struct cas_market_view *v, double basis,
                       struct cas_order_req *req)
{
    *req = (struct cas_order_req){.type = CAS_IOC, .expire_at = INFINITY};
    double limit;
    if (basis > b->entry && v->position > -b->max_position) {
        req->side = CAS_SELL;
        req->qty = min_lots(b->size, b->max_position + v->position);
        limit = ceil(v->index * (1 + b->entry));
    } else if (basis < -b->entry && v->position < b->max_position) {
        req->side = CAS_BUY;
        req->qty = min_lots(b->size, b->max_position - v->position);
        limit = floor(v->index * (1 - b->entry));
    } else if (fabs(basis) < b->exit && v->position != 0) {
        req->side = v->position > 0 ? CAS_SELL : CAS_BUY;
        req->qty = min_lots(b->size, v->position > 0 ? v->position : -v->position);
        req->reduce_only = true;
        limit = v->position > 0 ? ceil(v->index * (1 - b->exit)) : floor(v->index * (1 + b->exit));
    } else {
        return false;
    }
    if (!(limit >= 1 && limit <= (double)CAS_BOOK_MAX_PRICE))
        return false;
    req->price = (cas_ticks)limit;
    return true;
}

/* Trade the spot book at market until its position offsets the perpetual's in notional. */
static void hedge(struct cas_agent_ctx *ctx, uint32_t spot)
{
    struct cas_market_view pv, sv;
    cas_agent_view(ctx, ctx->instrument, &pv); /* after this wake-up's perp order */
    cas_agent_view(ctx, spot, &sv);
    double spot_price = sv.has_bid && sv.has_ask ? 0.5 * (double)(sv.best_bid + sv.best_ask)
                                                 : (double)sv.last;
    if (!(spot_price > 0) || sv.contract_units <= 0 || sv.liquidating || sv.halted)
        return;
    double ratio = pv.index * (double)pv.contract_units / (spot_price * (double)sv.contract_units);
    double target = -round((double)pv.position * ratio);
    if (!(fabs(target) < (double)CAS_BOOK_MAX_QTY))
        return;
    cas_lots diff = (cas_lots)target - sv.position;
    if (diff == 0)
        return;
    struct cas_order_req req = {.side = diff > 0 ? CAS_BUY : CAS_SELL,
                                .type = CAS_MARKET,
                                .qty = diff > 0 ? diff : -diff,
                                .expire_at = INFINITY};
    uint64_t id;
    cas_agent_submit_on(ctx, spot, &req, &id); /* refused: retried at the next wake-up */
}

static void basis_arb_act(void *state, struct cas_agent_ctx *ctx)
{
    const struct basis_arb *b = state;
    const struct cas_market_view *v = ctx->view;
    if (v->liquidating || !(v->index > 0))
        return;
    struct cas_order_req req;
    if (!v->halted && v->has_bid && v->has_ask) {
        double basis = (0.5 * (double)(v->best_bid + v->best_ask) - v->index) / v->index;
        if (perp_order(b, v, basis, &req))
            cas_agent_submit(ctx, &req); /* refused (margin, band): nothing to undo */
    }
    if (v->index_instrument != UINT32_MAX && v->index_instrument != ctx->instrument)
        hedge(ctx, v->index_instrument);
}

const struct cas_agent_type cas_agent_basis_arb = {
    .name = "basis_arb",
    .summary = "basis arbitrage: sell the perpetual rich to its index, buy it cheap",
    .params = params,
    .n_params = N_PARAMS,
    .state_size = sizeof(struct basis_arb),
    .init = basis_arb_init,
    .rate = basis_arb_rate,
    .act = basis_arb_act,
};
